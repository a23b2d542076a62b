/* bench_ols.c -- OLS with iid, HC and cluster-robust standard errors on generated data held in
 * memory, beside the memory-bandwidth floor: one pass over X measured in the same run with the
 * same thread count.
 *
 * usage: bench_ols [N [P [REPS [CASES [THREADS]]]]]   (defaults 1000000 10 5 all "1,2")
 *   CASES: comma-separated subset of iid,hc1,hc3,cl_panel,cl_random,cl_twoway (or "all").
 *   THREADS: comma-separated thread counts, run in that order in the same process.
 * Prints one machine-readable line per case:
 *   case=<name> n=<n> p=<p> threads=<t> median_s=<s> min_s=<s> max_s=<s> ratio_to_pass=<r>
 * ratio_to_pass = median / median(one_pass_X) at the same thread count; the floor is
 * re-measured before every case (the machine is shared: a floor from minutes earlier is not the
 * same machine), and its median over the run is reported too.
 *
 * The data: x_j ~ N(0,1), y = 1 + sum_j 0.1*j*x_j + u_g + e with a cluster effect u_g (also in
 * x_1), so that cluster-robust and iid standard errors differ. Cluster variables:
 *   cl_panel   G = n/100 firms, rows of a firm contiguous (the usual panel layout);
 *   cl_random  G = 1000 clusters assigned at random (the scatter worst case for the merge);
 *   cl_twoway  firm (as cl_panel) and year = row mod 100 (100 levels): the intersection has
 *              n singleton cells, the worst case of two-way clustering. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"

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

static double median_of(double *t, int reps)
{
    qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
    return t[reps / 2];
}

static void report(const char *name, size_t n, size_t p, int threads, double *t, int reps,
                   double floor_s)
{
    double med = median_of(t, reps);
    printf("case=%s n=%zu p=%zu threads=%d median_s=%.4f min_s=%.4f max_s=%.4f "
           "ratio_to_pass=%.2f\n",
           name, n, p, threads, med, t[0], t[reps - 1], floor_s > 0 ? med / floor_s : 1.0);
    fflush(stdout);
}

static int wanted(const char *list, const char *name)
{
    if (strcmp(list, "all") == 0)
        return 1;
    size_t len = strlen(name);
    for (const char *s = list; (s = strstr(s, name)) != NULL; s += len)
        if ((s == list || s[-1] == ',') && (s[len] == '\0' || s[len] == ','))
            return 1;
    return 0;
}

static int set_factor(gw_factor *f, const char *name, size_t n, size_t nlevels)
{
    f->name = gw_strdup(name);
    f->codes = gw_alloc_array(n, sizeof(int32_t));
    f->nlevels = nlevels;
    return f->name != NULL && f->codes != NULL;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 1000000;
    size_t p = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 10;
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    const char *list = argc > 4 ? argv[4] : "all";
    const char *tlist = argc > 5 ? argv[5] : "1,2";
    if (reps < 1 || reps > 100 || n < 1000 || p < 1)
        return 2;
    size_t G = n / 100, Gr = 1000;
    gw_design *d = NULL;
    if (gw_design_new(n, p + 1, &d) != GW_OK)
        return 1;
    d->has_intercept = 1;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 20261128);
    double *u = gw_alloc_array(G, sizeof(double));
    /* Factors: [0] firm (contiguous), [1] random of 1000, [2] year = row mod 100. */
    gw_factor *fac = gw_calloc(3, sizeof(gw_factor));
    if (u == NULL || fac == NULL || !set_factor(&fac[0], "firm", n, G) ||
        !set_factor(&fac[1], "rnd", n, Gr) || !set_factor(&fac[2], "year", n, 100))
        return 1;
    for (size_t g = 0; g < G; g++)
        u[g] = gsl_ran_gaussian_ziggurat(rng, 1.0);
    for (size_t i = 0; i < n; i++) {
        int32_t g = (int32_t)(i / 100);
        fac[0].codes[i] = g;
        fac[1].codes[i] = (int32_t)gsl_rng_uniform_int(rng, Gr);
        fac[2].codes[i] = (int32_t)(i % 100);
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
    printf("# bench_ols n=%zu p=%zu firms=%zu random_clusters=%zu reps=%d "
           "OPENBLAS_NUM_THREADS=%s\n",
           n, p, G, Gr, reps, env ? env : "(unset)");
    double *t = malloc(sizeof(double) * (size_t)reps);
    double *floors = malloc(sizeof(double) * 64);
    double sink = 0.0;
    const struct {
        const char *name;
        gw_vcov_kind kind;
        int f0, f1; /* factor indices, -1: none */
    } cases[] = {{"iid", GW_VCOV_IID, -1, -1},          {"hc1", GW_VCOV_HC1, -1, -1},
                 {"hc3", GW_VCOV_HC3, -1, -1},          {"cl_panel", GW_VCOV_CLUSTER, 0, -1},
                 {"cl_random", GW_VCOV_CLUSTER, 1, -1}, {"cl_twoway", GW_VCOV_CLUSTER, 0, 2}};
    for (const char *ts = tlist; *ts;) {
        int threads = atoi(ts);
        const char *comma = strchr(ts, ',');
        ts = comma ? comma + 1 : ts + strlen(ts);
        if (threads < 1)
            continue;
        gw_threads_set(threads);
        int nfloor = 0;
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            if (!wanted(list, cases[c].name))
                continue;
            /* The floor just before the case, same threads. */
            for (int r = 0; r < reps; r++) {
                double t0 = bench_now();
                sink += one_pass(d->X, n, p + 1);
                t[r] = bench_now() - t0;
            }
            double floor_s = median_of(t, reps);
            if (nfloor < 64)
                floors[nfloor++] = floor_s;
            gw_factor cl[2];
            d->ncluster = 0;
            d->cluster = NULL;
            if (cases[c].f0 >= 0) {
                cl[0] = fac[cases[c].f0];
                d->ncluster = 1;
                if (cases[c].f1 >= 0) {
                    cl[1] = fac[cases[c].f1];
                    d->ncluster = 2;
                }
                d->cluster = cl;
            }
            gw_ols_opts opts = {.vcov = cases[c].kind};
            for (int r = 0; r < reps; r++) {
                gw_result *res = NULL;
                double t0 = bench_now();
                gw_status st = gw_ols_fit(d, &opts, &res);
                t[r] = bench_now() - t0;
                if (st != GW_OK) {
                    fprintf(stderr, "bench_ols: %s\n", gw_last_error());
                    return 1;
                }
                sink += res->std_error[1];
                if (r == 0)
                    printf("# %s threads=%d se_x1=%.17g solver=%s\n", cases[c].name, threads,
                           res->std_error[1], res->solver);
                gw_result_free(res);
            }
            report(cases[c].name, n, p + 1, threads, t, reps, floor_s);
            d->cluster = NULL;
            d->ncluster = 0;
        }
        if (nfloor > 0) {
            double fmed = median_of(floors, nfloor);
            printf("case=one_pass_X n=%zu p=%zu threads=%d median_s=%.4f min_s=%.4f "
                   "max_s=%.4f ratio_to_pass=1.00\n",
                   n, p + 1, threads, fmed, floors[0], floors[nfloor - 1]);
        }
    }
    printf("# checksum %.6g\n", sink);
    free(floors);
    free(t);
    for (int f = 0; f < 3; f++)
        gw_factor_free_fields(&fac[f]);
    gw_free(fac);
    gw_design_free(d);
    return 0;
}
