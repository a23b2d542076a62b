/* fuzz_csv.c -- libFuzzer target for the CSV reader (gw_csv_read_mem).
 * Every input must give a status (GW_OK or a documented error), never a crash, a leak or
 * undefined behaviour. A successful read is re-read with only its first column selected, and
 * every value of the table is touched so that a wrong row count or level code shows up under
 * ASan. Built only with -DGW_BUILD_FUZZ=ON (scripts/fuzz.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gw_csv.h"
#include "gw_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile double gw_fuzz_sink;

static void touch(const gw_table *t)
{
    size_t n = gw_table_nrows(t), p = gw_table_ncols(t);
    double acc = 0.0;
    for (size_t j = 0; j < p; j++) {
        acc += (double)gw_table_colname(t, j)[0];
        if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
            const double *x = gw_table_numeric(t, j);
            for (size_t i = 0; i < n; i++)
                acc += x[i] == x[i] ? 1.0 : 0.0;
        } else {
            const int32_t *c = gw_table_codes(t, j);
            size_t nl = gw_table_nlevels(t, j);
            for (size_t i = 0; i < n; i++) {
                if (c[i] < -1 || (c[i] >= 0 && (size_t)c[i] >= nl))
                    abort(); /* a code outside -1..L-1 is a reader bug */
                if (c[i] >= 0)
                    acc += (double)gw_table_level(t, j, (size_t)c[i])[0];
            }
        }
    }
    gw_fuzz_sink = acc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gw_table *t = NULL, *t1 = NULL;
    if (gw_csv_read_mem((const char *)data, size, "fuzz", NULL, &t) == GW_OK) {
        touch(t);
        if (gw_table_ncols(t) > 0) {
            const char *first = gw_table_colname(t, 0);
            gw_csv_opts o = {&first, 1, 0};
            if (gw_csv_read_mem((const char *)data, size, "fuzz", &o, &t1) == GW_OK)
                touch(t1);
        }
    }
    gw_table_free(t1);
    gw_table_free(t);
    return 0;
}
