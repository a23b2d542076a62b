/* bench_h5read.c -- storage of HDF5 data-table columns: filters, chunk sizes, read threads.
 *
 *   bench_h5read filters [--rows N] [--reps R] [--dir DIR] [--real FILE.h5]
 *   bench_h5read read FILE.h5 [--reps R] [--threads T]
 *
 * filters: for each kind of column -- `normal` (N(0,1) doubles), `int_f64` (integers uniform
 * on 0..99,999 stored as float64, as goodwork <= 0.1 stored them), `int_i32` (the same values
 * as an int32 dataset) and, with --real, every numeric column of a real table together (default
 * datasets/uk_la_panel.h5) -- and for each storage -- `none` (chunked, no filter), `sd1`, `sd4`,
 * `sd6` (shuffle + deflate level 1/4/6), `auto` (the default of gw_h5_table_write_opts) -- and
 * each chunk size (64 Ki, 256 Ki, 1 Mi rows), writes one file with gw_h5_table_write_opts and
 * reads it back whole with gw_h5_table_read on 1 and on 2 threads (the file is in the page
 * cache: it was just written). One line per case: write seconds, bytes, saving against the raw
 * bytes, median read seconds of R repetitions per thread count.
 *
 * read: median seconds of R reads of every column of FILE.h5 with gw_h5_table_read on 1 and on
 * 2 threads (or only T), and the rate in MB/s of the decoded doubles.
 *
 * Defaults: N = 2,000,000, R = 3, DIR = /tmp. Results in docs (see io/hdf5_table.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_par.h"
#include "gw_status.h"
#include "gw_table.h"

#define MAXREPS 15

typedef struct {
    const char *name;
    gw_h5_compress compress;
    unsigned level;
} storage;

static const storage storages[] = {{"none", GW_H5_COMPRESS_NONE, 0},
                                   {"sd1", GW_H5_COMPRESS_ALWAYS, 1},
                                   {"sd4", GW_H5_COMPRESS_ALWAYS, 4},
                                   {"sd6", GW_H5_COMPRESS_ALWAYS, 6},
                                   {"auto", GW_H5_COMPRESS_AUTO, 0}};
static const size_t chunks[] = {65536, 262144, 1048576};

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double file_bytes(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (double)st.st_size : (double)NAN;
}

/* Median seconds of reps whole reads of path on nt threads; NaN on failure. */
static double time_read(const char *path, int nt, int reps, size_t *ncells)
{
    double t[MAXREPS];
    gw_threads_set(nt);
    for (int r = 0; r < reps; r++) {
        gw_table *tab = NULL;
        double t0 = bench_now();
        if (gw_h5_table_read(path, NULL, NULL, 0, &tab) != GW_OK) {
            fprintf(stderr, "bench_h5read: %s\n", gw_last_error());
            return NAN;
        }
        t[r] = bench_now() - t0;
        *ncells = gw_table_nrows(tab) * gw_table_ncols(tab);
        gw_table_free(tab);
    }
    return median(t, (size_t)reps);
}

/* A one-column table of n rows: normal values or integers 0..99,999. */
static gw_table *make_table(const char *kind, size_t n)
{
    bench_rng rng = {BENCH_RNG_SEED};
    gw_table *t = NULL;
    double *v = gw_alloc_array(n, sizeof *v);
    if (v == NULL || gw_table_new(n, &t) != GW_OK) {
        gw_free(v);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = strcmp(kind, "normal") == 0 ? bench_gauss(&rng)
                                           : (double)(bench_rng_next(&rng) % 100000u);
    if (gw_table_add_numeric_take(t, "v", v) != GW_OK) {
        gw_table_free(t);
        return NULL;
    }
    return t;
}

/* Every storage and chunk size for table t (raw: its bytes as stored uncompressed). */
static int run_cases(const char *kind, const gw_table *t, double raw, int float_only,
                     const char *dir, int reps)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/bench_h5read_%s.h5", dir, kind);
    for (size_t s = 0; s < sizeof storages / sizeof *storages; s++) {
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
            gw_h5_write_opts o = {.chunk_rows = chunks[c],
                                  .compress = storages[s].compress,
                                  .deflate_level = storages[s].level,
                                  .flags = float_only ? GW_H5_FLOAT_ONLY : 0};
            double w[MAXREPS];
            for (int r = 0; r < reps; r++) {
                double t0 = bench_now();
                if (gw_h5_table_write_opts(t, path, NULL, &o) != GW_OK) {
                    fprintf(stderr, "bench_h5read: %s\n", gw_last_error());
                    return 1;
                }
                w[r] = bench_now() - t0;
            }
            size_t cells = 0;
            double bytes = file_bytes(path), r1 = time_read(path, 1, reps, &cells);
            double r2 = time_read(path, 2, reps, &cells);
            printf("case=%s storage=%s chunk=%zu rows=%zu write_s=%.4f bytes=%.0f saving_pct=%.1f "
                   "read1_s=%.4f read2_s=%.4f\n",
                   kind, storages[s].name, chunks[c], gw_table_nrows(t), median(w, (size_t)reps),
                   bytes, 100.0 * (1.0 - bytes / raw), r1, r2);
            fflush(stdout);
        }
    }
    remove(path);
    return 0;
}

/* The numeric columns of a real table, raw bytes = 8 per value (float64) as a reference. */
static int run_real(const char *real, const char *dir, int reps)
{
    gw_table *t = NULL;
    if (gw_h5_table_read(real, NULL, NULL, 0, &t) != GW_OK) {
        fprintf(stderr, "bench_h5read: %s\n", gw_last_error());
        return 1;
    }
    double raw = 0;
    for (size_t j = 0; j < gw_table_ncols(t); j++)
        raw += (gw_table_coltype(t, j) == GW_COL_NUMERIC ? 8.0 : 4.0) * (double)gw_table_nrows(t);
    int rc = run_cases("real_f64", t, raw, 1, dir, reps);
    if (rc == 0)
        rc = run_cases("real_auto_int", t, raw, 0, dir, reps);
    gw_table_free(t);
    return rc;
}

static int cmd_filters(int argc, char **argv)
{
    size_t n = 2000000;
    int reps = 3;
    const char *dir = "/tmp", *real = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            n = (size_t)strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--real") == 0 && i + 1 < argc)
            real = argv[++i];
    }
    if (reps < 1 || reps > MAXREPS)
        reps = 3;
    const char *kinds[] = {"normal", "int_f64", "int_i32"};
    for (size_t k = 0; k < 3; k++) {
        gw_table *t = make_table(kinds[k], n);
        if (t == NULL)
            return 1;
        int rc = run_cases(kinds[k], t, 8.0 * (double)n, k == 1, dir, reps);
        gw_table_free(t);
        if (rc != 0)
            return rc;
    }
    return real ? run_real(real, dir, reps) : 0;
}

static int cmd_read(int argc, char **argv)
{
    int reps = 3, only = 0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            only = atoi(argv[++i]);
    }
    if (reps < 1 || reps > MAXREPS)
        reps = 3;
    for (int nt = 1; nt <= 2; nt++) {
        if (only > 0 && nt != only)
            continue;
        size_t cells = 0;
        double s = time_read(argv[2], nt, reps, &cells);
        if (isnan(s))
            return 1;
        printf("read file=%s threads=%d reps=%d cells=%zu bytes=%.0f median_s=%.4f "
               "MB_per_s=%.0f\n",
               argv[2], nt, reps, cells, file_bytes(argv[2]), s, 8e-6 * (double)cells / s);
    }
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc >= 2 && strcmp(argv[1], "filters") == 0)
        return cmd_filters(argc, argv);
    if (argc >= 3 && strcmp(argv[1], "read") == 0)
        return cmd_read(argc, argv);
    fputs("usage: bench_h5read filters [--rows N] [--reps R] [--dir DIR] [--real FILE.h5]\n"
          "       bench_h5read read FILE.h5 [--reps R] [--threads T]\n",
          stderr);
    return 2;
}
