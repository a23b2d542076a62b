/* bench_montecarlo.c -- the Monte Carlo check of issue 5: bias, RMSE and 95% coverage of the
 * two-way fixed-effects slopes and of the mediation's indirect effect over panels generated in
 * memory with seeds FIRST..FIRST+R-1 (datasets/generator, default settings otherwise).
 *
 * Usage: bench_montecarlo [R [B [FIRST]]]   (defaults R = 200, B = 199, FIRST = 1; run by
 *        scripts/montecarlo.sh; slow: never part of ctest)
 * Per panel:
 *  (1) life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) + auto_exposure
 *      | la_id + year, CR1 clustered by la_id (gw_ols_fit), 95% t(G-1) intervals;
 *      truths 0.020, 0.012, 0.20 and 0 (no direct automation effect).
 *  (2) gw_mediate_fit: emp_rate -> autonomy_share -> life_sat, controls share_prof and
 *      auto_exposure, | la_id + year, cluster bootstrap by la_id with B replications (seed =
 *      the panel's seed) and BCa (delete-one-LA jackknife); percentile, BCa and delta-method
 *      95% intervals. Truths: a = 0.25, b = 0.012, indirect = 0.0030. The total and the share
 *      mediated include the pay channel, whose employment effect changes sign by period
 *      (gamma_t); their reference values, 0.020 + 0.003 + 0.20 x 0.0267/10 = 0.02353 and
 *      0.003 / 0.02353 = 12.75%, use the year-weighted mean gamma (10 x 0.04 - 2 x 0.03 + 3 x
 *      0.02) / 15 = 0.0267, an approximation of what the pooled FE slope targets.
 * Output: a Markdown table on stdout (and one "case=..." line per quantity), progress on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "gw_generate.h"

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_mediate.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"

#define NQ 10 /* quantities tracked */

typedef struct {
    const char *name;
    double truth;
    double sum, sum2, sumse; /* of estimate - truth, its square, and of the SE      */
    double est_sum;          /* of the estimate                                   */
    size_t n, cover, cover_bca, cover_delta;
} mc_stat;

static double mc_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void add(mc_stat *s, double est, double se, double lo, double hi, double blo, double bhi,
                double dlo, double dhi)
{
    if (!isfinite(est))
        return;
    double e = est - s->truth;
    s->n++;
    s->sum += e;
    s->sum2 += e * e;
    s->est_sum += est;
    if (isfinite(se))
        s->sumse += se;
    s->cover += lo <= s->truth && s->truth <= hi;
    s->cover_bca += blo <= s->truth && s->truth <= bhi;
    s->cover_delta += dlo <= s->truth && s->truth <= dhi;
}

static gw_design *mc_build(const gw_table *t, const char *formula)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    fo.cluster[0] = "la_id";
    if (gw_formula_parse(formula, &f) != GW_OK || gw_frame_build(t, f, &fo, &d) != GW_OK) {
        fprintf(stderr, "bench_montecarlo: %s: %s\n", formula, gw_last_error());
        exit(1);
    }
    gw_formula_free(f);
    return d;
}

static size_t mc_col(const gw_design *d, const char *term)
{
    for (size_t j = 0; j < d->p; j++)
        if (strcmp(d->terms[j], term) == 0)
            return j;
    fprintf(stderr, "bench_montecarlo: no column %s\n", term);
    exit(1);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    size_t R = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 200;
    size_t B = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 199;
    uint32_t first = argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 10) : 1u;
    if (R == 0 || B == 0) {
        fprintf(stderr, "usage: bench_montecarlo [R [B [FIRST]]]\n");
        return 2;
    }
    gw_threads_set(0);
    mc_stat st[NQ] = {
        {.name = "FE slope emp_rate", .truth = 0.020},
        {.name = "FE slope autonomy_share", .truth = 0.012},
        {.name = "FE slope log(median_hourly_pay)", .truth = 0.20},
        {.name = "FE slope auto_exposure", .truth = 0.0},
        {.name = "mediation a (autonomy on emp)", .truth = 0.25},
        {.name = "mediation b (life_sat on autonomy)", .truth = 0.012},
        {.name = "indirect a*b", .truth = 0.0030},
        {.name = "direct c' (incl. pay channel)", .truth = 0.02053},
        {.name = "total (approx. reference)", .truth = 0.02353},
        {.name = "proportion mediated (approx.)", .truth = 0.0030 / 0.02353},
    };
    const char *slopes[4] = {"emp_rate", "autonomy_share", "log(median_hourly_pay)",
                             "auto_exposure"};
    double t0 = mc_now(), t_gen = 0.0, t_fe = 0.0, t_med = 0.0;
    size_t failed_boot = 0;
    for (size_t r = 0; r < R; r++) {
        double ta = mc_now();
        gw_generate_opts go;
        gw_generate_opts_default(&go);
        go.seed = first + (uint32_t)r;
        gw_panel *pn = NULL;
        if (gw_generate(&go, &pn) != GW_OK) {
            fprintf(stderr, "bench_montecarlo: generate: %s\n", gw_last_error());
            return 1;
        }
        double tb = mc_now();
        t_gen += tb - ta;

        gw_design *d = mc_build(pn->data, "life_sat ~ emp_rate + autonomy_share + "
                                          "log(median_hourly_pay) + auto_exposure | la_id + year");
        gw_ols_opts oo = {0};
        oo.vcov = GW_VCOV_CLUSTER;
        gw_result *fr = NULL;
        if (gw_ols_fit(d, &oo, &fr) != GW_OK) {
            fprintf(stderr, "bench_montecarlo: fit: %s\n", gw_last_error());
            return 1;
        }
        for (int q = 0; q < 4; q++)
            for (size_t j = 0; j < fr->k; j++)
                if (strcmp(fr->terms[j], slopes[q]) == 0)
                    add(&st[q], fr->estimate[j], fr->std_error[j], fr->ci_low[j], fr->ci_high[j],
                        NAN, NAN, fr->ci_low[j], fr->ci_high[j]);
        gw_result_free(fr);
        gw_design_free(d);
        double tc = mc_now();
        t_fe += tc - tb;

        d = mc_build(pn->data, "life_sat ~ emp_rate + autonomy_share + share_prof + "
                               "auto_exposure | la_id + year");
        size_t m = mc_col(d, "autonomy_share");
        gw_mediate_spec sp = {0};
        sp.treatment = mc_col(d, "emp_rate");
        sp.mediators = &m;
        sp.nmediators = 1;
        gw_mediate_opts mo = {0};
        mo.boot = B;
        mo.seed = go.seed;
        mo.ci = GW_MED_CI_BCA;
        gw_mediate_result *mr = NULL;
        if (gw_mediate_fit(d, &sp, &mo, &mr) != GW_OK) {
            fprintf(stderr, "bench_montecarlo: mediate: %s\n", gw_last_error());
            return 1;
        }
        failed_boot += mr->boot_failed;
        add(&st[4], mr->a[0], mr->a_se[0], NAN, NAN, NAN, NAN, mr->a[0] - 1.96 * mr->a_se[0],
            mr->a[0] + 1.96 * mr->a_se[0]);
        add(&st[5], mr->b[0], mr->b_se[0], NAN, NAN, NAN, NAN, mr->b[0] - 1.96 * mr->b_se[0],
            mr->b[0] + 1.96 * mr->b_se[0]);
        const gw_mediate_effect *ef[4] = {&mr->indirect, &mr->direct, &mr->total, &mr->proportion};
        for (int q = 0; q < 4; q++)
            add(&st[6 + q], ef[q]->estimate, ef[q]->se_delta, ef[q]->pct_low, ef[q]->pct_high,
                ef[q]->bca_low, ef[q]->bca_high, ef[q]->delta_low, ef[q]->delta_high);
        gw_mediate_free(mr);
        gw_design_free(d);
        gw_panel_free(pn);
        t_med += mc_now() - tc;
        if ((r + 1) % 10 == 0 || r + 1 == R)
            fprintf(stderr, "bench_montecarlo: %zu/%zu panels, %.0f s\n", r + 1, R, mc_now() - t0);
    }
    double total_s = mc_now() - t0;

    printf("Monte Carlo: %zu panels (seeds %u..%zu, default generator settings), two-way FE "
           "(la_id + year), CR1 by la_id; mediation B = %zu cluster-bootstrap replications per "
           "panel (%zu failed in all), BCa with the delete-one-LA jackknife; threads %d; "
           "%.1f s (generate %.1f, FE fits %.1f, mediation %.1f).\n\n",
           R, (unsigned)first, (size_t)first + R - 1, B, failed_boot, gw_threads_get(), total_s,
           t_gen, t_fe, t_med);
    printf("| quantity | truth | mean estimate | bias | RMSE | SD | mean SE | coverage: t/delta "
           "| percentile | BCa |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (int q = 0; q < 10; q++) {
        mc_stat *s = &st[q];
        double n = (double)s->n;
        double mean = s->est_sum / n, bias = s->sum / n, rmse = sqrt(s->sum2 / n);
        /* Deviations from the truth are centred near zero, so this difference loses little. */
        double sd = sqrt(fmax(0.0, (s->sum2 - n * bias * bias) / (n - 1.0)));
        int boot = q >= 6;
        printf("| %s | %.5g | %.5g | %+.3g | %.3g | %.3g | %.3g | %.3f |", s->name, s->truth, mean,
               bias, rmse, sd, s->sumse / n, (double)s->cover_delta / n);
        if (boot)
            printf(" %.3f | %.3f |\n", (double)s->cover / n, (double)s->cover_bca / n);
        else
            printf(" | |\n");
    }
    printf("\n(Monte Carlo SE of a 95%% coverage with %zu panels: %.3f.)\n", R,
           sqrt(0.95 * 0.05 / (double)R));
    for (int q = 0; q < 10; q++) {
        mc_stat *s = &st[q];
        double n = (double)s->n;
        printf("case=montecarlo quantity=\"%s\" R=%zu truth=%.17g bias=%.6g rmse=%.6g "
               "cover_t_delta=%.4f cover_pct=%.4f cover_bca=%.4f\n",
               s->name, s->n, s->truth, s->sum / n, sqrt(s->sum2 / n), (double)s->cover_delta / n,
               (double)s->cover / n, (double)s->cover_bca / n);
    }
    return 0;
}
