/* bench_ols.c -- OLS with cluster-robust standard errors on generated data held in memory,
 * beside the memory-bandwidth floor: one pass over X measured in the same run.
 *
 * usage: bench_ols [N [P [REPS]]]   (defaults 1000000 10 5)
 * Prints one machine-readable line per case:
 *   case=<name> n=<n> p=<p> threads=<t> median_s=<s> min_s=<s> max_s=<s> ratio_to_pass=<r>
 * The data: x_j ~ N(0,1), G = n/100 clusters with a cluster effect in y and in x_1, so that
 * cluster-robust and iid standard errors differ, y = 1 + sum_j 0.1*j*x_j + u_g + e. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One pass over the n x p matrix: a blocked parallel sum of every element. */
static double one_pass(const double *X, size_t n, size_t p)
{
    size_t nb = gw_nblocks(n);
    double total = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : total)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double s = 0.0;
        for (size_t j = 0; j < p; j++) {
            const double *col = X + j * n + first;
            for (size_t i = 0; i < count; i++)
                s += col[i];
        }
        total += s;
    }
    return total;
}

static void report(const char *name, size_t n, size_t p, int threads, double *t, int reps,
                   double floor_s)
{
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    double med = t[reps / 2];
    printf("case=%s n=%zu p=%zu threads=%d median_s=%.4f min_s=%.4f max_s=%.4f "
           "ratio_to_pass=%.2f\n",
           name, n, p, threads, med, t[0], t[reps - 1], floor_s > 0 ? med / floor_s : 1.0);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 1000000;
    size_t p = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 10;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    if (reps < 1 || reps > 100 || n < 1000 || p < 1)
        return 2;
    size_t G = n / 100;
    gw_design *d = NULL;
    if (gw_design_new(n, p + 1, &d) != GW_OK)
        return 1;
    d->has_intercept = 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261128);
    double *u = gw_alloc_array(G, sizeof(double));
    d->cluster = gw_calloc(1, sizeof(gw_factor));
    d->ncluster = 1;
    d->cluster[0].name = gw_strdup("g");
    d->cluster[0].codes = gw_alloc_array(n, sizeof(int32_t));
    d->cluster[0].nlevels = G;
    for (size_t g = 0; g < G; g++)
        u[g] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t i = 0; i < n; i++) {
        int32_t g = (int32_t)gsl_rng_uniform_int(rng, G);
        d->cluster[0].codes[i] = g;
        d->X[i] = 1.0;
        double yi = 1.0 + u[g] + gsl_ran_gaussian_ziggurat(rng, 1.0);
        for (size_t j = 1; j <= p; j++) {
            double x = gsl_ran_gaussian_ziggurat(rng, 1.0) + (j == 1 ? u[g] : 0.0);
            d->X[j * n + i] = x;
            yi += 0.1 * (double)j * x;
        }
        d->y[i] = yi;
    }
    for (size_t j = 0; j <= p; j++) {
        char name[32];
        snprintf(name, sizeof name, j ? "x%zu" : "(Intercept)", j);
        d->terms[j] = gw_strdup(name);
    }
    gsl_rng_free(rng);
    gw_free(u);

    const char *env = getenv("OPENBLAS_NUM_THREADS");
    printf("# bench_ols n=%zu p=%zu clusters=%zu reps=%d OPENBLAS_NUM_THREADS=%s\n", n, p, G,
           reps, env ? env : "(unset)");
    double *t = malloc(sizeof(double) * (size_t)reps);
    double sink = 0.0;
    for (int threads = 1; threads <= 2; threads++) {
        gw_threads_set(threads);
        for (int r = 0; r < reps; r++) {
            double t0 = now();
            sink += one_pass(d->X, n, p + 1);
            t[r] = now() - t0;
        }
        report("one_pass_X", n, p + 1, threads, t, reps, 0.0);
        double floor_s = t[reps / 2];
        const struct {
            const char *name;
            gw_vcov_kind kind;
        } cases[] = {{"ols_iid", GW_VCOV_IID},
                     {"ols_hc1", GW_VCOV_HC1},
                     {"ols_cluster", GW_VCOV_CLUSTER}};
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            gw_ols_opts opts = {.vcov = cases[c].kind};
            for (int r = 0; r < reps; r++) {
                gw_result *res = NULL;
                double t0 = now();
                gw_status st = gw_ols_fit(d, &opts, &res);
                t[r] = now() - t0;
                if (st != GW_OK) {
                    fprintf(stderr, "bench_ols: %s\n", gw_last_error());
                    return 1;
                }
                sink += res->std_error[1];
                gw_result_free(res);
            }
            report(cases[c].name, n, p + 1, threads, t, reps, floor_s);
        }
    }
    printf("# checksum %.6g\n", sink);
    free(t);
    gw_design_free(d);
    return 0;
}
