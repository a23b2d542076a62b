/* bench_hdfe.c -- the within estimator at scale (issue 4): two absorbed fixed effects, 10
 * regressors, clustered by the first effect.
 *
 * Usage: bench_hdfe N [REPS [THREADS [NFE]]]   (run by scripts/bench_fe.sh; NFE 1 absorbs fe1
 * only, for the side-by-side with R plm's one-way within estimator)
 * Data (generated here, seed fixed): fe1 with N/100 levels and fe2 with 1,000 levels, both
 * assigned at random (unsorted rows: the harder access pattern), x_j = N(0,1) + 0.5 a1 + 0.3 a2,
 * y = sum_j b_j x_j + a1 + a2 + e.
 * Measured in the same run: the memory-bandwidth floor, one pass reading X and y (their sum);
 * the fit (gw_ols_fit_fe_inplace, vcov cluster:fe1: singletons, demeaning, least squares,
 * cluster variance), median of REPS on fresh copies of the design; the demeaning's
 * iterations; peak memory (VmHWM) and the resident size before the fit.
 * Output: one line per case, key=value (bench format). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "bench_util.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_hdfe.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"

static bench_rng rng = {BENCH_RNG_SEED};

/* The memory-bandwidth floor: one pass reading d's X and y (n x p and n), median of 5 (seconds);
 * the sums go to *sink so that the pass is not optimised away. */
static double floor_pass(const gw_design *d, size_t n, size_t p, double *sink)
{
    double tf[5];
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now(), s = 0.0;
        const size_t nb = gw_nblocks(n * (p + 1));
        double *part = malloc(nb * sizeof *part);
#pragma omp parallel for schedule(static)
        for (size_t b = 0; b < nb; b++) {
            size_t first, count;
            gw_block_range(n * (p + 1), b, &first, &count);
            double a = 0.0;
            for (size_t i = first; i < first + count; i++)
                a += i < n * p ? d->X[i] : d->y[i - n * p];
            part[b] = a;
        }
        for (size_t b = 0; b < nb; b++)
            s += part[b];
        free(part);
        tf[r] = bench_now() - t0;
        *sink += s;
    }
    qsort(tf, 5, sizeof tf[0], bench_cmp_double);
    return tf[2];
}

/* The fit's parts on a fresh copy of the data (X0, y0): gw_hdfe_new (singletons, degrees of
 * freedom), the demeaning of y and X, and least squares with the cluster variance on the
 * demeaned design. 0, or -1 when a call fails. */
static int time_parts(gw_design *d, const double *X0, const double *y0, size_t nfe, double *t_new,
                      double *t_dm, double *t_ols)
{
    const size_t n = d->n, p = d->p;
    memcpy(d->X, X0, n * p * sizeof *X0);
    memcpy(d->y, y0, n * sizeof *y0);
    gw_hdfe *h = NULL;
    double *cols[11];
    double t0 = bench_now();
    if (p + 1 > 11 || gw_hdfe_new(d->fe, nfe, n, NULL, NULL, &h) != GW_OK)
        return -1;
    *t_new = bench_now() - t0;
    cols[0] = d->y;
    for (size_t j = 0; j < p; j++)
        cols[j + 1] = d->X + j * n;
    gw_hdfe_stats st;
    t0 = bench_now();
    gw_status s = gw_hdfe_demean(h, cols, p + 1, &st);
    *t_dm = bench_now() - t0;
    gw_hdfe_free(h);
    if (s != GW_OK)
        return -1;
    gw_result *r2 = NULL;
    gw_ols_opts o = {.vcov = GW_VCOV_CLUSTER};
    size_t keep = d->nfe;
    d->nfe = 0;
    t0 = bench_now();
    s = gw_ols_fit(d, &o, &r2);
    *t_ols = bench_now() - t0;
    d->nfe = keep;
    gw_result_free(r2);
    return s == GW_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fprintf(stderr, "usage: bench_hdfe N [REPS [THREADS]]\n");
        return 2;
    }
    const size_t n = (size_t)strtod(argv[1], NULL), p = 10;
    const int reps = argc > 2 ? atoi(argv[2]) : 3, threads = argc > 3 ? atoi(argv[3]) : 2;
    const size_t nfe = argc > 4 && atoi(argv[4]) == 1 ? 1 : 2;
    const size_t L1 = n / 100, L2 = 1000;
    gw_threads_set(threads);

    /* The design (kept pristine; each repetition fits a fresh copy of X and y). */
    gw_design *d = NULL;
    if (gw_design_new(n, p, &d) != GW_OK)
        return 1;
    double *a1 = malloc(L1 * sizeof *a1), *a2 = malloc(L2 * sizeof *a2);
    /* With one repetition the data are generated straight into the design, so that VmHWM is
     * the whole process's honest peak (no pristine copy). */
    const int pristine = reps > 1;
    double *X0 = pristine ? malloc(n * p * sizeof *X0) : d->X;
    double *y0 = pristine ? malloc(n * sizeof *y0) : d->y;
    d->fe = gw_calloc(2, sizeof *d->fe);
    d->cluster = gw_calloc(1, sizeof *d->cluster);
    if (!a1 || !a2 || !X0 || !y0 || !d->fe || !d->cluster)
        return 1;
    d->nfe = 2;
    d->ncluster = 1;

    d->fe[0].name = gw_strdup("fe1");
    d->fe[1].name = gw_strdup("fe2");
    d->cluster[0].name = gw_strdup("fe1");
    d->fe[0].codes = gw_alloc_array(n, sizeof(int32_t));
    d->fe[1].codes = gw_alloc_array(n, sizeof(int32_t));
    d->cluster[0].codes = gw_alloc_array(n, sizeof(int32_t));
    d->fe[0].nlevels = d->cluster[0].nlevels = L1;
    d->fe[1].nlevels = L2;
    for (size_t l = 0; l < L1; l++)
        a1[l] = bench_gauss(&rng);
    for (size_t l = 0; l < L2; l++)
        a2[l] = bench_gauss(&rng);
    for (size_t i = 0; i < n; i++) {
        /* Every level occurs: the first L1 rows take each fe1 level once, then at random. */
        int32_t c1 = (int32_t)(i < L1 ? i : bench_rng_next(&rng) % L1),
                c2 = (int32_t)(i < L2 ? i : bench_rng_next(&rng) % L2);
        d->fe[0].codes[i] = d->cluster[0].codes[i] = c1;
        d->fe[1].codes[i] = c2;
        double yv = a1[c1] + a2[c2] + bench_gauss(&rng);
        for (size_t j = 0; j < p; j++) {
            double x = bench_gauss(&rng) + 0.5 * a1[c1] + 0.3 * a2[c2];
            X0[j * n + i] = x;
            yv += (0.1 * (double)j - 0.4) * x;
        }
        y0[i] = yv;
    }
    for (size_t j = 0; j < p; j++) {
        char nm[16];
        snprintf(nm, sizeof nm, "x%zu", j + 1);
        d->terms[j] = gw_strdup(nm);
    }
    d->response = gw_strdup("y");
    const double data_bytes = (double)(n * (p + 1) * sizeof(double));
    const double x_bytes = (double)(n * p * sizeof(double));

    /* Floor: one pass reading X and y (the design's arrays), median of 5. */
    if (pristine) {
        memcpy(d->X, X0, n * p * sizeof *X0);
        memcpy(d->y, y0, n * sizeof *y0);
    }
    double sink = 0.0;
    const double floor_s = floor_pass(d, n, p, &sink);

    /* Fits. */
    double *tfit = malloc((size_t)reps * sizeof *tfit), rss_before = bench_proc_bytes("VmRSS");
    gw_result *r = NULL;
    for (int rep = 0; rep < reps; rep++) {
        if (pristine) {
            memcpy(d->X, X0, n * p * sizeof *X0);
            memcpy(d->y, y0, n * sizeof *y0);
        }
        gw_result_free(r);
        r = NULL;
        gw_ols_opts o = {.vcov = GW_VCOV_CLUSTER};
        double t0 = bench_now();
        d->nfe = nfe;
        gw_status s = gw_ols_fit_fe_inplace(d, &o, &r);
        d->nfe = 2;
        tfit[rep] = bench_now() - t0;
        if (s != GW_OK) {
            fprintf(stderr, "bench_hdfe: %s: %s\n", gw_status_str(s), gw_last_error());
            return 1;
        }
    }
    qsort(tfit, (size_t)reps, sizeof *tfit, bench_cmp_double);
    /* The parts: gw_hdfe_new (singletons, degrees of freedom) and the demeaning alone. */
    double t_new = NAN, t_dm = NAN, t_ols = NAN;
    if (pristine && time_parts(d, X0, y0, nfe, &t_new, &t_dm, &t_ols) != 0)
        return 1;
    const double fit_s = tfit[reps / 2], hwm = bench_proc_bytes("VmHWM");
    /* Whole-process peak without the pristine copy (the design: X, y, 3 code arrays; the fit's
     * working memory; the program), relative to the regressors X. */
    const double mem_peak = hwm - (pristine ? data_bytes : 0.0);
    const double fit_extra = hwm - rss_before;
    /* Pass accounting, in floor passes (one read of X and y): demeaning reads every column
     * twice and writes it once (3), least squares with the cluster meat 2 (Gram; residuals and
     * scores fused), and each CG iteration reads one int32 code array per group of columns and
     * set other than the sorted one: 4 (nfe - 1) groups bytes a row against 8 (p + 1). */
    const double groups = threads < (int)(p + 1) ? (double)threads : (double)(p + 1);
    const double passes =
        3.0 + 2.0 +
        (double)r->iterations * 4.0 * (double)(nfe - 1) * groups / (8.0 * (double)(p + 1));
    printf("case=hdfe_%zufe_cluster n=%zu p=%zu L1=%zu L2=%zu threads=%d reps=%d fit_s=%.4f "
           "floor_s=%.5f ratio_floor=%.1f passes=%.1f ratio_per_pass=%.2f iterations=%zu "
           "converged=%d b_x1=%.10g se_x1=%.6g peak_rss_mb=%.1f rss_before_mb=%.1f "
           "fit_extra_mb=%.1f regressors_mb=%.1f x_y_mb=%.1f peak_over_regressors=%.2f "
           "fit_extra_over_regressors=%.2f singletons=%zu hdfe_new_s=%.4f demean_s=%.4f ols_s=%.4f "
           "sink=%g\n",
           nfe, n, p, L1, L2, threads, reps, fit_s, floor_s, fit_s / floor_s, passes,
           fit_s / (floor_s * passes), r->iterations, r->converged, r->estimate[0], r->std_error[0],
           hwm / 1048576.0, rss_before / 1048576.0, fit_extra / 1048576.0, x_bytes / 1048576.0,
           data_bytes / 1048576.0, mem_peak / x_bytes, fit_extra / x_bytes, r->singletons_dropped,
           t_new, t_dm, t_ols, sink);
    gw_result_free(r);
    free(tfit);
    if (pristine) {
        free(X0);
        free(y0);
    }
    free(a1);
    free(a2);
    gw_design_free(d);
    return 0;
}
