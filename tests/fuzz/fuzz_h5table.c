/* fuzz_h5table.c -- libFuzzer target for the HDF5 data-table reader (gw_h5_table_read).
 * The input bytes are written to a temporary file (HDF5 reads files only) which is read as the
 * group /data with every column; a successful read has every value touched so that a wrong
 * length or level code shows up under ASan. Built only with -DGW_BUILD_FUZZ=ON.
 * Known: Debian's libhdf5 1.10.8 itself may crash in H5HG_read on a corrupted global heap
 * (variable-length strings such as `levels`); such inputs go to tests/fuzz/known_hdf5/. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "gw_hdf5.h"
#include "gw_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double gw_fuzz_sink;
static char gw_fuzz_path[64];

static void cleanup(void) { remove(gw_fuzz_path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_table *t = NULL;
    if (gw_fuzz_path[0] == '\0') {
        snprintf(gw_fuzz_path, sizeof gw_fuzz_path, "/tmp/gw_fuzz_h5_%ld.h5", (long)getpid());
        atexit(cleanup);
    }
    FILE *fp = fopen(gw_fuzz_path, "wb");
    if (fp == NULL)
        return 0;
    size_t put = fwrite(data, 1, size, fp);
    if (fclose(fp) != 0 || put != size)
        return 0;
    if (gw_h5_table_read(gw_fuzz_path, NULL, NULL, 0, &t) == GW_OK) {
        double acc = 0.0;
        for (size_t j = 0; j < gw_table_ncols(t); j++) {
            size_t n = gw_table_nrows(t), nl = gw_table_nlevels(t, j);
            acc += (double)gw_table_colname(t, j)[0];
            if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
                const double *x = gw_table_numeric(t, j);
                for (size_t i = 0; i < n; i++)
                    acc += x[i] == x[i] ? 1.0 : 0.0;
            } else {
                const int32_t *c = gw_table_codes(t, j);
                for (size_t i = 0; i < n; i++) {
                    if (c[i] < -1 || (c[i] >= 0 && (size_t)c[i] >= nl))
                        abort(); /* the reader promises -1 or a valid level index */
                    if (c[i] >= 0)
                        acc += (double)gw_table_level(t, j, (size_t)c[i])[0];
                }
            }
        }
        gw_fuzz_sink = acc;
    }
    gw_table_free(t);
    unlink(gw_fuzz_path);
    return 0;
}
