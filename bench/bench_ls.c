/* bench_ls.c -- timing of gw_ls_fit on tall data against one pass over X.
 *
 * Usage: bench_ls [n] [p]   (default n = 1000000, p = 10)
 * Generates an n x p design (intercept + p-1 uniform regressors, y linear plus noise), times
 * (median of 5) one pass over X (sum of all elements, 1 and 2 threads), and gw_ls_fit
 * (AUTO, and QRP = TSQR + refinement as needed) with 1 and 2 threads. Prints one line per
 * case:  name=<case> n=<n> p=<p> threads=<t> seconds=<median> ratio=<to one pass, 1 thread>
 * plus method and OPENBLAS_NUM_THREADS for provenance. Not part of ctest. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_linalg.h"
#include "gw_par.h"

#define NREP 5

static double median(double *t, int k)
{
    qsort(t, (size_t)k, sizeof *t, bench_cmp_double);
    return t[k / 2];
}

/* One pass over X: the sum of all elements, blocked like the library. */
static double one_pass(const double *X, size_t len)
{
    double s = 0.0;
#pragma omp parallel for reduction(+ : s) schedule(static)
    for (size_t i = 0; i < len; i++)
        s += X[i];
    return s;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 1000000;
    size_t p = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 10;
    const char *obt = getenv("OPENBLAS_NUM_THREADS");
    gw_design *d = NULL;
    if (n < p || p < 2 || gw_design_new(n, p, &d) != GW_OK) {
        fprintf(stderr, "bench_ls: cannot make a %zu x %zu design\n", n, p);
        return 1;
    }
    d->has_intercept = 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 42);
    for (size_t i = 0; i < n; i++)
        d->X[i] = 1.0;
    for (size_t j = 1; j < p; j++)
        for (size_t i = 0; i < n; i++)
            d->X[i + j * n] = (double)j + gsl_rng_uniform(rng);
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t j = 0; j < p; j++)
            s += d->X[i + j * n] * (double)(j + 1);
        d->y[i] = s + gsl_rng_uniform(rng) - 0.5;
    }
    gsl_rng_free(rng);

    double base = 0.0, sink = 0.0;
    for (int th = 1; th <= 2; th++) {
        gw_threads_set(th);
        double t[NREP];
        for (int r = 0; r < NREP; r++) {
            double t0 = bench_now();
            sink += one_pass(d->X, n * p);
            t[r] = bench_now() - t0;
        }
        double m = median(t, NREP);
        if (th == 1)
            base = m;
        printf("name=one_pass n=%zu p=%zu threads=%d seconds=%.4f ratio=%.2f "
               "OPENBLAS_NUM_THREADS=%s\n",
               n, p, th, m, m / base, obt ? obt : "unset");
    }
    const struct {
        const char *name;
        gw_ls_opts opts;
    } cases[] = {{"ls_auto", {0}}, {"ls_qrp", {.method = GW_LS_QRP}}};
    for (size_t c = 0; c < 2; c++)
        for (int th = 1; th <= 2; th++) {
            gw_threads_set(th);
            double t[NREP];
            char method[32] = "";
            int reps = c == 0 ? NREP : 3;
            for (int r = 0; r < reps; r++) {
                gw_ls *ls = NULL;
                double t0 = bench_now();
                gw_status rc = gw_ls_fit(d, cases[c].opts, &ls);
                t[r] = bench_now() - t0;
                if (rc != GW_OK) {
                    fprintf(stderr, "bench_ls: %s\n", gw_last_error());
                    return 1;
                }
                snprintf(method, sizeof method, "%s", gw_ls_method_used(ls));
                sink += gw_ls_coef(ls)[1];
                gw_ls_free(ls);
            }
            double m = median(t, reps);
            printf("name=%s n=%zu p=%zu threads=%d seconds=%.4f ratio=%.2f method=%s reps=%d\n",
                   cases[c].name, n, p, th, m, m / base, method, reps);
        }
    fprintf(stderr, "(checksum %g; %s)\n", sink, gw_blas_info());
    gw_design_free(d);
    return 0;
}
