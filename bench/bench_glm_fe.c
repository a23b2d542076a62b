/* bench_glm_fe.c -- Poisson with two absorbed fixed effects at scale (PPML, issue 9).
 *
 * Usage: bench_glm_fe N [REPS [THREADS...]]   (default N 1e6, REPS 3, threads 1 and 2)
 * Data (generated here, seed fixed): fe1 with N/100 levels and fe2 with 1,000 levels assigned
 * at random (unsorted rows), 5 regressors x_j = N(0,1) + 0.3 a1 + 0.2 a2,
 * y ~ Poisson(exp(0.2 + sum_j b_j x_j + a1 + a2)), b_j = 0.1 j - 0.25, a1, a2 ~ N(0, 0.3^2).
 * Measured: the floor (one pass reading X and y, summing them: median of 5); the fit
 * (gwi_glm_fit_fe_ex, iid variance: separation and singletons, IRLS with weighted demeaning,
 * the final variance), median of REPS, for each thread count; IRLS iterations, the total
 * demeaning (CG) iterations, time per IRLS iteration and its ratio to the floor pass; whether
 * the estimates and variances are bit-identical across the thread counts. cpu_s is the
 * process CPU time of the fit (all threads): on a loaded machine it shows the work done when
 * the wall time fit_s does not.
 * Output: one line per thread count, key=value (bench format). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bench_util.h"
#include "glm_int.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_glm.h"
#include "gw_par.h"
#include "gw_result.h"

static bench_rng rng = {BENCH_RNG_SEED};
/* Poisson draw by inversion (means here are below ~30). */
static double poisson(double mu)
{
    double u = bench_unif(&rng), p = exp(-mu), c = p;
    double k = 0.0;
    while (u > c && k < 1000.0) {
        k += 1.0;
        p *= mu / k;
        c += p;
    }
    return k;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    const size_t n = argc > 1 ? (size_t)strtod(argv[1], NULL) : 1000000, p = 5;
    const int reps = argc > 2 ? atoi(argv[2]) : 3;
    int threads[8] = {1, 2}, nthr = 2;
    if (argc > 3) {
        nthr = 0;
        for (int a = 3; a < argc && nthr < 8; a++)
            threads[nthr++] = atoi(argv[a]);
    }
    if (n < 2000 || reps < 1) {
        fprintf(stderr, "usage: bench_glm_fe N [REPS [THREADS...]] (N >= 2000)\n");
        return 2;
    }
    const size_t L1 = n / 100, L2 = 1000;
    gw_design *d = NULL;
    if (gw_design_new(n, p, &d) != GW_OK)
        return 1;
    double *a1 = malloc(L1 * sizeof *a1), *a2 = malloc(L2 * sizeof *a2);
    d->fe = gw_calloc(2, sizeof *d->fe);
    if (!a1 || !a2 || !d->fe)
        return 1;
    d->nfe = 2;
    d->fe[0].name = gw_strdup("fe1");
    d->fe[1].name = gw_strdup("fe2");
    d->fe[0].codes = gw_alloc_array(n, sizeof(int32_t));
    d->fe[1].codes = gw_alloc_array(n, sizeof(int32_t));
    if (!d->fe[0].codes || !d->fe[1].codes)
        return 1;
    d->fe[0].nlevels = L1;
    d->fe[1].nlevels = L2;
    for (size_t l = 0; l < L1; l++)
        a1[l] = 0.3 * bench_gauss(&rng);
    for (size_t l = 0; l < L2; l++)
        a2[l] = 0.3 * bench_gauss(&rng);
    for (size_t i = 0; i < n; i++) {
        int32_t c1 = (int32_t)(i < L1 ? i : bench_rng_next(&rng) % L1),
                c2 = (int32_t)(i < L2 ? i : bench_rng_next(&rng) % L2);
        d->fe[0].codes[i] = c1;
        d->fe[1].codes[i] = c2;
        double eta = 0.2 + a1[c1] + a2[c2];
        for (size_t j = 0; j < p; j++) {
            double x = bench_gauss(&rng) + 0.3 * a1[c1] + 0.2 * a2[c2];
            d->X[j * n + i] = x;
            eta += (0.1 * (double)j - 0.25) * x;
        }
        d->y[i] = poisson(exp(eta));
    }
    for (size_t j = 0; j < p; j++) {
        char nm[16];
        snprintf(nm, sizeof nm, "x%zu", j + 1);
        d->terms[j] = gw_strdup(nm);
    }
    d->response = gw_strdup("y");

    gw_result *first = NULL;
    int identical = 1;
    for (int ti = 0; ti < nthr; ti++) {
        gw_threads_set(threads[ti]);
        /* Floor: one pass reading X and y, median of 5. */
        double tf[5], sink = 0.0;
        const size_t nb = gw_nblocks(n * (p + 1));
        double *part = malloc(nb * sizeof *part);
        if (part == NULL)
            return 1;
        for (int r = 0; r < 5; r++) {
            double t0 = bench_now(), s = 0.0;
#pragma omp parallel for schedule(static)
            for (size_t b = 0; b < nb; b++) {
                size_t f0, count;
                gw_block_range(n * (p + 1), b, &f0, &count);
                double a = 0.0;
                for (size_t i = f0; i < f0 + count; i++)
                    a += i < n * p ? d->X[i] : d->y[i - n * p];
                part[b] = a;
            }
            for (size_t b = 0; b < nb; b++)
                s += part[b];
            tf[r] = bench_now() - t0;
            sink += s;
        }
        free(part);
        qsort(tf, 5, sizeof tf[0], bench_cmp_double);
        const double floor_s = tf[2];

        double *tfit = malloc((size_t)reps * sizeof *tfit);
        double *tcpu = malloc((size_t)reps * sizeof *tcpu);
        gw_result *r = NULL;
        gwi_glm_fe_stats st;
        for (int rep = 0; rep < reps; rep++) {
            gw_result_free(r);
            r = NULL;
            gw_glm_opts o = {0};
            o.kind = GW_GLM_POISSON;
            double t0 = bench_now(), c0 = bench_cpu_now();
            gw_status s = gwi_glm_fit_fe_ex(d, &o, &r, &st);
            tfit[rep] = bench_now() - t0;
            tcpu[rep] = bench_cpu_now() - c0;
            if (s != GW_OK) {
                fprintf(stderr, "bench_glm_fe: %s: %s\n", gw_status_str(s), gw_last_error());
                return 1;
            }
        }
        qsort(tfit, (size_t)reps, sizeof *tfit, bench_cmp_double);
        qsort(tcpu, (size_t)reps, sizeof *tcpu, bench_cmp_double);
        const double fit_s = tfit[reps / 2], cpu_s = tcpu[reps / 2];
        /* Per IRLS iteration (the final variance demeaning counted as part of the fit). */
        const double per_iter = fit_s / (double)st.irls_iterations;
        if (first == NULL) {
            first = r;
        } else {
            identical &= memcmp(first->estimate, r->estimate, r->k * sizeof(double)) == 0 &&
                         memcmp(first->vcov, r->vcov, r->k * r->k * sizeof(double)) == 0 &&
                         memcmp(&first->loglik, &r->loglik, sizeof(double)) == 0;
            gw_result_free(r);
            r = first;
        }
        printf("case=glm_fe_poisson_2fe n=%zu p=%zu L1=%zu L2=%zu threads=%d reps=%d fit_s=%.4f "
               "cpu_s=%.4f "
               "floor_s=%.5f irls_iterations=%zu demean_iterations=%zu demean_first=%zu "
               "per_irls_s=%.4f "
               "per_irls_over_floor=%.1f nobs=%zu separated=%zu singletons=%zu converged=%d "
               "b_x1=%.12g se_x1=%.6g b_x5=%.12g identical_to_first=%d sink=%g\n",
               n, p, L1, L2, threads[ti], reps, fit_s, cpu_s, floor_s, st.irls_iterations,
               st.demean_iterations, st.demean_first, per_iter, per_iter / floor_s, r->nobs,
               r->nobs_separated, r->singletons_dropped, r->converged, r->estimate[0],
               r->std_error[0], r->estimate[4], identical, sink);
        free(tfit);
        free(tcpu);
    }
    gw_result_free(first);
    free(a1);
    free(a2);
    gw_design_free(d);
    return identical ? 0 : 3;
}
