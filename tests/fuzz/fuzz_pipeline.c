/* fuzz_pipeline.c -- libFuzzer target for the INI pipeline-file parser (pipeline/pipeline.c,
 * pl_parse). pl_parse reads a path only, so the input bytes are written to a temporary
 * directory holding pipeline.ini and a data file data.csv (so that "[data] file = data.csv"
 * resolves); a parsed pipeline has every step's command line rendered (pl_argv_text).
 * Built only with -DGW_BUILD_FUZZ=ON (scripts/fuzz.sh). */
#define _XOPEN_SOURCE 700
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "pipeline_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char gw_fuzz_dir[64], gw_fuzz_ini[96];

static void cleanup(void)
{
    char data[96];
    snprintf(data, sizeof data, "%s/data.csv", gw_fuzz_dir);
    remove(data);
    remove(gw_fuzz_ini);
    remove(gw_fuzz_dir);
}

static int setup(void)
{
    char data[96];
    snprintf(gw_fuzz_dir, sizeof gw_fuzz_dir, "/tmp/gw_fuzz_pl_XXXXXX");
    if (mkdtemp(gw_fuzz_dir) == NULL)
        return 0;
    atexit(cleanup);
    snprintf(gw_fuzz_ini, sizeof gw_fuzz_ini, "%s/pipeline.ini", gw_fuzz_dir);
    snprintf(data, sizeof data, "%s/data.csv", gw_fuzz_dir);
    FILE *fp = fopen(data, "wb");
    if (fp == NULL)
        return 0;
    fputs("y,x,id\n1,2,a\n3,4,b\n", fp);
    return fclose(fp) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready = -1;
    pl_pipeline p;
    if (ready < 0)
        ready = setup();
    if (!ready)
        return 0;
    FILE *fp = fopen(gw_fuzz_ini, "wb");
    if (fp == NULL)
        return 0;
    size_t put = fwrite(data, 1, size, fp);
    if (fclose(fp) != 0 || put != size)
        return 0;
    if (pl_parse(gw_fuzz_ini, &p) == GW_OK) {
        for (size_t i = 0; i < p.nsteps; i++) {
            char *s = pl_argv_text(&p.steps[i], "/tmp/results.h5");
            gw_free(s);
        }
    }
    pl_free(&p);
    return 0;
}
