/* bench_fit.c -- goodwork's side of the peer comparison (bench/peers/peers.sh): the same file
 * and model the peers run, with the time to load the file and the time to estimate (formula
 * frame + gw_ols_fit, the part the peers' "estimation alone" times) reported apart.
 *
 * usage: bench_fit DATA.csv|DATA.h5 FORMULA VCOV [REPS]
 *   VCOV: hc1 or cluster:VAR. REPS (default 3): estimation repeated, median reported; the
 *   file is loaded REPS times too (median).
 * Prints one line:
 *   tool=goodwork load_s=<s> est_s=<s> coef=<name>:<value>,...   (17 significant digits) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "gw_csv.h"
#include "gw_design.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_hdf5.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_table.h"

static gw_status load(const char *path, gw_table **t)
{
    size_t len = strlen(path);
    if (len > 3 && strcmp(path + len - 3, ".h5") == 0)
        return gw_h5_table_read(path, NULL, NULL, 0, t);
    return gw_csv_read_file(path, NULL, t);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_fit DATA.csv|DATA.h5 FORMULA hc1|cluster:VAR [REPS]\n");
        return 2;
    }
    int reps = argc > 4 ? atoi(argv[4]) : 3;
    if (reps < 1 || reps > 100)
        reps = 3;
    const char *vc = argv[3];
    gw_ols_opts oo = {0};
    gw_frame_opts fo;
    memset(&fo, 0, sizeof fo);
    if (strcmp(vc, "hc1") == 0) {
        oo.vcov = GW_VCOV_HC1;
    } else if (strncmp(vc, "cluster:", 8) == 0) {
        oo.vcov = GW_VCOV_CLUSTER;
        fo.cluster[0] = vc + 8;
    } else {
        fprintf(stderr, "bench_fit: VCOV must be hc1 or cluster:VAR\n");
        return 2;
    }
    double tl[100], te[100];
    gw_table *t = NULL;
    gw_formula *f = NULL;
    gw_result *r = NULL;
    int rc = 1;
    if (gw_formula_parse(argv[2], &f) != GW_OK)
        goto fail;
    for (int i = 0; i < reps; i++) {
        gw_table_free(t);
        t = NULL;
        double t0 = bench_now();
        if (load(argv[1], &t) != GW_OK)
            goto fail;
        tl[i] = bench_now() - t0;
    }
    for (int i = 0; i < reps; i++) {
        gw_design *d = NULL;
        gw_result_free(r);
        r = NULL;
        double t0 = bench_now();
        gw_status st = gw_frame_build(t, f, &fo, &d);
        if (st == GW_OK)
            st = gw_ols_fit(d, &oo, &r);
        te[i] = bench_now() - t0;
        gw_design_free(d);
        if (st != GW_OK)
            goto fail;
    }
    qsort(tl, (size_t)reps, sizeof(double), bench_cmp_double);
    qsort(te, (size_t)reps, sizeof(double), bench_cmp_double);
    printf("tool=goodwork load_s=%.4f est_s=%.4f coef=", tl[reps / 2], te[reps / 2]);
    for (size_t j = 0; j < r->k; j++)
        printf("%s%s:%.17g", j ? "," : "", r->terms[j], r->estimate[j]);
    printf("\n");
    rc = 0;
fail:
    if (rc != 0)
        fprintf(stderr, "bench_fit: %s\n", gw_last_error());
    gw_result_free(r);
    gw_table_free(t);
    gw_formula_free(f);
    return rc;
}
