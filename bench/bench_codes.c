/* bench_codes.c -- factorising a numeric identifier column: gw_codes_from_double (direct table
 * and hash paths) against the sort it replaced (qsort of the n values, unique, binary search per
 * row, as io/frame.c did before), in one run, medians of R repetitions, at 1 and T threads.
 *
 * usage: bench_codes [N [LEVELS [REPS]]]   (default 1e7 rows, 1e5 levels, 5 reps)
 * Columns: integer ids drawn at random over LEVELS (the direct table), the same ids times 1e9
 * (too wide for the table: hashed) and random non-integers over LEVELS values (hashed). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_par.h"

static size_t find(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* The old way: sort a copy, unique, binary search each value. */
static size_t by_sort(const double *x, size_t n, int32_t *codes)
{
    double *v = malloc(n * sizeof *v);
    memcpy(v, x, n * sizeof *v);
    qsort(v, n, sizeof *v, bench_cmp_double);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || v[i] != v[k - 1])
            v[k++] = v[i];
    for (size_t i = 0; i < n; i++)
        codes[i] = (int32_t)find(v, k, x[i]);
    free(v);
    return k;
}

static double median(double *t, int r)
{
    qsort(t, (size_t)r, sizeof *t, bench_cmp_double);
    return t[r / 2];
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 10000000;
    size_t L = argc > 2 ? (size_t)strtod(argv[2], NULL) : 100000;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (n == 0 || L == 0 || reps < 1 || reps > 99) {
        fprintf(stderr, "usage: bench_codes [N [LEVELS [REPS]]]\n");
        return 2;
    }
    int T = gw_threads_get();
    double *x[3];
    int32_t *c = malloc(n * sizeof *c), *ref = malloc(n * sizeof *ref);
    bench_rng r = {BENCH_RNG_SEED};
    for (int k = 0; k < 3; k++)
        x[k] = malloc(n * sizeof *x[k]);
    if (c == NULL || ref == NULL || !x[0] || !x[1] || !x[2])
        return 1;
    for (size_t i = 0; i < n; i++) {
        double id = (double)(bench_rng_next(&r) % L);
        x[0][i] = id;
        x[1][i] = id * 1e9;
        x[2][i] = id / 7.0 + 0.5;
    }
    const char *what[3] = {"integer ids (direct table)", "wide integer ids (hash)",
                           "non-integers (hash)"};
    printf("bench_codes: n = %zu, %zu levels, %d reps, medians (s); threads 1 and %d\n", n, L, reps,
           T);
    printf("%-28s %10s %10s %10s %9s\n", "column", "qsort", "codes/1", "codes/T", "speed-up");
    for (int k = 0; k < 3; k++) {
        double ts[99], t1[99], tT[99];
        size_t Lr = 0, Lc = 0;
        for (int q = 0; q < reps; q++) {
            double t0 = bench_now();
            Lr = by_sort(x[k], n, ref);
            ts[q] = bench_now() - t0;
            for (int th = 0; th < 2; th++) {
                gw_threads_set(th == 0 ? 1 : T);
                t0 = bench_now();
                if (gw_codes_from_double(x[k], NULL, n, c, NULL, &Lc) != GW_OK)
                    return 1;
                (th == 0 ? t1 : tT)[q] = bench_now() - t0;
                if (Lc != Lr || memcmp(c, ref, n * sizeof *c) != 0) {
                    fprintf(stderr, "bench_codes: codes differ from the sort's\n");
                    return 1;
                }
            }
        }
        double ms = median(ts, reps), m1 = median(t1, reps), mT = median(tT, reps);
        printf("%-28s %10.4f %10.4f %10.4f %8.1fx\n", what[k], ms, m1, mT, ms / mT);
    }
    for (int k = 0; k < 3; k++)
        free(x[k]);
    free(c);
    free(ref);
    return 0;
}
