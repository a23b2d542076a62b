/* bench_gen.c -- the data of the end-to-end benchmarks and the peer comparison (bench/e2e.sh,
 * bench/peers/peers.sh): one generated table written as CSV and/or a goodwork HDF5 data table,
 * so that goodwork and every peer read the very same numbers.
 *
 * usage: bench_gen N PREFIX [csv|h5|both] [panel|random]
 *   (default both panel; writes PREFIX.csv and PREFIX.h5)
 *
 * Layout `random` (the end-to-end benchmark of the data path, bench/e2e_fixest.sh): y, x1..x10,
 * fe1 with 100,000 levels drawn at random per row, fe2 with 1,000, cl = fe1 mod 5,000 (5,000
 * clusters, fe1 nested in them); y = sum_j 0.1 j x_j + a_fe1 + b_fe2 + e. Identifiers are
 * written as integers in random order, so a reader must factorise unsorted values.
 *
 * Layout `panel`:
 * Columns: y, x1..x10, firm, year, cnt. Firm f = row / 20 (n/20 firms of 20 rows, contiguous),
 * year = row mod 20 (0..19: a balanced firm-year panel), a firm effect a_f and a year effect
 * b_t (both also in x1), x_j ~ N(0, 1) (x1 plus 0.5 a_f + 0.3 b_t):
 *   y   = 1 + sum_j 0.1 j x_j + a_f + b_t + e,  e ~ N(0, 1);
 *   cnt ~ Poisson(exp(0.2 + 0.1 x1 - 0.1 x2 + 0.05 x3 + 0.3 a_f + 0.2 b_t)).
 * firm and year are written as integer codes (numeric columns; goodwork's "| firm + year" and
 * the peers' factor() treat them as categories). gw_csv_write_file writes numbers that read
 * back bit-identical, so the CSV and the HDF5 table hold the same doubles. Seed fixed
 * (20261128). */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_hdf5.h"
#include "gw_status.h"
#include "gw_table.h"

#define NX 10
#define FIRM_ROWS 20

#define R_FE1 100000u
#define R_FE2 1000u
#define R_CL 5000u

/* The `random` layout (see the header). */
static int gen_random(gsl_rng *rng, size_t n, gw_table *t)
{
    const char *names[NX + 4] = {"y",  "x1", "x2", "x3",  "x4",  "x5", "x6",
                                 "x7", "x8", "x9", "x10", "fe1", "fe2", "cl"};
    double *col[NX + 4] = {0}, *a = gw_alloc_array(R_FE1, sizeof(double));
    double *b = gw_alloc_array(R_FE2, sizeof(double));
    int rc = 1;
    for (size_t j = 0; j < NX + 4; j++)
        if ((col[j] = gw_alloc_array(n, sizeof(double))) == NULL)
            goto done;
    if (a == NULL || b == NULL)
        goto done;
    for (size_t f = 0; f < R_FE1; f++)
        a[f] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t f = 0; f < R_FE2; f++)
        b[f] = gsl_ran_gaussian_ziggurat(rng, 0.5);
    for (size_t i = 0; i < n; i++) {
        unsigned long f1 = gsl_rng_uniform_int(rng, R_FE1), f2 = gsl_rng_uniform_int(rng, R_FE2);
        double y = a[f1] + b[f2];
        for (size_t j = 1; j <= NX; j++) {
            double x = gsl_ran_gaussian_ziggurat(rng, 1.0);
            if (j == 1)
                x += 0.5 * a[f1] + 0.3 * b[f2];
            col[j][i] = x;
            y += 0.1 * (double)j * x;
        }
        col[0][i] = y + gsl_ran_gaussian_ziggurat(rng, 1.0);
        col[NX + 1][i] = (double)f1;
        col[NX + 2][i] = (double)f2;
        col[NX + 3][i] = (double)(f1 % R_CL);
    }
    rc = 0;
    for (size_t j = 0; j < NX + 4; j++) {
        if (rc == 0 && gw_table_add_numeric_take(t, names[j], col[j]) != GW_OK)
            rc = 1;
        else if (rc != 0)
            gw_free(col[j]);
        col[j] = NULL;
    }
done:
    for (size_t j = 0; j < NX + 4; j++)
        gw_free(col[j]);
    gw_free(a);
    gw_free(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_gen N PREFIX [csv|h5|both] [panel|random]\n");
        return 2;
    }
    size_t n = (size_t)strtod(argv[1], NULL);
    const char *prefix = argv[2], *what = argc > 3 ? argv[3] : "both";
    int csv = strcmp(what, "h5") != 0, h5 = strcmp(what, "csv") != 0;
    if (n < 2 * FIRM_ROWS) {
        fprintf(stderr, "bench_gen: N must be at least %d\n", 2 * FIRM_ROWS);
        return 2;
    }
    size_t F = (n + FIRM_ROWS - 1) / FIRM_ROWS;
    gw_table *t = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    double *col[NX + 4], *a = gw_alloc_array(F, sizeof(double)), b[FIRM_ROWS];
    const char *names[NX + 4] = {"y",  "x1", "x2", "x3",  "x4",   "x5",   "x6",
                                 "x7", "x8", "x9", "x10", "firm", "year", "cnt"};
    int rc = 1;
    for (size_t j = 0; j < NX + 4; j++)
        col[j] = gw_alloc_array(n, sizeof(double));
    for (size_t j = 0; j < NX + 4; j++)
        if (col[j] == NULL)
            goto done;
    if (rng == NULL || a == NULL || gw_table_new(n, &t) != GW_OK)
        goto done;
    gsl_rng_set(rng, 20261128UL);
    if (argc > 4 && strcmp(argv[4], "random") == 0) {
        if (gen_random(rng, n, t) != 0)
            goto done;
        goto write;
    }
    for (size_t f = 0; f < F; f++)
        a[f] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t s = 0; s < FIRM_ROWS; s++)
        b[s] = gsl_ran_gaussian_ziggurat(rng, 0.5);
    for (size_t i = 0; i < n; i++) {
        size_t f = i / FIRM_ROWS, yr = i % FIRM_ROWS;
        double y = 1.0 + a[f] + b[yr];
        for (size_t j = 1; j <= NX; j++) {
            double x = gsl_ran_gaussian_ziggurat(rng, 1.0);
            if (j == 1)
                x += 0.5 * a[f] + 0.3 * b[yr];
            col[j][i] = x;
            y += 0.1 * (double)j * x;
        }
        col[0][i] = y + gsl_ran_gaussian_ziggurat(rng, 1.0);
        col[NX + 1][i] = (double)f;
        col[NX + 2][i] = (double)yr;
        double eta =
            0.2 + 0.1 * col[1][i] - 0.1 * col[2][i] + 0.05 * col[3][i] + 0.3 * a[f] + 0.2 * b[yr];
        col[NX + 3][i] = (double)gsl_ran_poisson(rng, exp(eta));
    }
    for (size_t j = 0; j < NX + 4; j++) {
        gw_status st = gw_table_add_numeric_take(t, names[j], col[j]);
        col[j] = NULL;
        if (st != GW_OK)
            goto done;
    }
write:;
    char path[4096];
    if (csv) {
        snprintf(path, sizeof path, "%s.csv", prefix);
        if (gw_csv_write_file(t, path) != GW_OK) {
            fprintf(stderr, "bench_gen: %s: %s\n", path, gw_last_error());
            goto done;
        }
    }
    if (h5) {
        snprintf(path, sizeof path, "%s.h5", prefix);
        remove(path);
        if (gw_h5_table_write(t, path, NULL) != GW_OK) {
            fprintf(stderr, "bench_gen: %s: %s\n", path, gw_last_error());
            goto done;
        }
    }
    rc = 0;
done:
    if (rc != 0 && gw_last_error()[0])
        fprintf(stderr, "bench_gen: %s\n", gw_last_error());
    for (size_t j = 0; j < NX + 4; j++)
        gw_free(col[j]);
    gw_free(a);
    gw_table_free(t);
    if (rng)
        gsl_rng_free(rng);
    return rc;
}
