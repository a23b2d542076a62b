/* bench_cases.h -- the micro-benchmark cases of `goodwork bench` (cli/cmd_bench.c).
 *
 * A case owns generated in-memory data (made by setup, released by teardown). The driver times
 * `run` (one repetition of the measured work through the public library API) and `floor` (the
 * cheapest thing that touches the same bytes: one pass over the data, or copying / reading the
 * bytes) at each thread count, in the same run. `run` returns a signature (the coefficient
 * vector, centres or a column) that the driver compares with memcmp across thread counts.
 * Optional hooks: `peak` runs the BLAS level-3 kernel the case's flops are compared with (the
 * machine's attainable peak, measured in the same run), `iterations` says how many iterations
 * (CG steps, IRLS steps, Lloyd iterations, draws) the last `run` did, so that the time per
 * iteration can be set against the floor (one pass). */
#ifndef GW_BENCH_CASES_H
#define GW_BENCH_CASES_H

#include <stddef.h>

#include "gw_status.h"

/* Sizes: rows = max(min_rows, base_rows * scale), base_rows being the default or quick size. */
typedef struct {
    int quick;    /* 1: the --quick sizes */
    double scale; /* multiplies every size; 1 by default */
} bench_config;

typedef struct {
    size_t n, p;           /* rows and columns of the case's data                          */
    double work;           /* units of work per run, for throughput (0: none reported)     */
    const char *unit;      /* throughput unit, e.g. "rows/s", "MB/s" (NULL: none)         */
    const char *floor;     /* what the floor is: "one_pass_X", "memcpy", "read_file"      */
    size_t bytes;          /* bytes of the input (CSV buffer, HDF5 file); 0: n x p doubles  */
    double flops;          /* floating-point operations of one run (0: not reported)        */
    const char *iter_unit; /* what `iterations` counts, e.g. "cg_iterations" (NULL: none) */
} bench_shape;

typedef struct {
    const char *name;
    /* Makes the data; *ctx owned by the case, released by teardown (also on failure). */
    gw_status (*setup)(const bench_config *cfg, void **ctx, bench_shape *shape);
    /* One repetition; *sig (gw_alloc'd, nsig bytes, the caller frees) is the result to compare
     * across thread counts. */
    gw_status (*run)(void *ctx, void **sig, size_t *nsig);
    /* One repetition of the floor; returns a value to keep the work from being optimised out. */
    double (*floor)(void *ctx);
    void (*teardown)(void *ctx);
    /* NULL, or one run of the peak kernel on every thread; returns the flops it did. */
    double (*peak)(void *ctx);
    /* NULL, or the iterations of the last run (see bench_shape.iter_unit). */
    double (*iterations)(void *ctx);
} bench_case;

/* The cases, in run order; *count receives their number. */
const bench_case *bench_cases(size_t *count);

/* bench_one_pass -- blocked parallel sum of every element of an n x p column-major matrix. */
double bench_one_pass(const double *X, size_t n, size_t p);

/* bench_peak_gemm -- the level-3 BLAS peak: each of the gw_threads_get() threads runs one
 * square DGEMM C += A B of m x m matrices (gw_kernel_gemm_nn, on the same single-threaded
 * OpenBLAS the library uses). Returns the flops done, threads x 2 m^3. */
double bench_peak_gemm(size_t m);

#endif
