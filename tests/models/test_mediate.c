/* test_mediate.c -- gw_mediate_fit: ground truth of the bundled panel, the total-effect
 * identity, agreement with gw_ols_fit and with dummy variables (LSDV), the omitted-confounder
 * bias, determinism across threads, an independent reference for the bootstrap intervals, BCa
 * on a known case and every error status.
 *
 * Bootstrap sizes are small (B = 49..199) because the suite also runs under ASan+UBSan: what
 * is tested is coverage of the truth by a 95% interval, which B = 99 already estimates with a
 * Monte Carlo error far below the interval's width (the slow study bench/bench_montecarlo.c
 * checks coverage properly). Truth (docs/reference/dataset.md): a = 0.25, b = 0.012, indirect
 * 0.25 x 0.012 = 0.0030, 12.6% of the total 0.0238 (pre-2020; the pay channel makes the total
 * 0.0233-0.0238 over the periods). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_design.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_mediate.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"

static gw_table *panel = NULL;

static int setup_panel(void **state)
{
    (void)state;
    gw_csv_opts o = {0};
    return gw_csv_read_file(gwt_source_path("datasets/uk_la_panel.csv"), &o, &panel) == GW_OK ? 0
                                                                                              : -1;
}

static int teardown_panel(void **state)
{
    (void)state;
    gw_table_free(panel);
    panel = NULL;
    return 0;
}

static gw_design *build(const gw_table *t, const char *formula, const char *cluster)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    fo.cluster[0] = cluster;
    if (gw_formula_parse(formula, &f) != GW_OK)
        fail_msg("formula %s: %s", formula, gw_last_error());
    if (gw_frame_build(t, f, &fo, &d) != GW_OK)
        fail_msg("frame %s: %s", formula, gw_last_error());
    gw_formula_free(f);
    return d;
}

static size_t col(const gw_design *d, const char *term)
{
    for (size_t j = 0; j < d->p; j++)
        if (strcmp(d->terms[j], term) == 0)
            return j;
    fail_msg("no column %s", term);
    return 0;
}

static double coef(const gw_result *r, const char *term)
{
    for (size_t j = 0; j < r->k; j++)
        if (strcmp(r->terms[j], term) == 0)
            return r->estimate[j];
    fail_msg("no coefficient %s", term);
    return NAN;
}

static double se(const gw_result *r, const char *term)
{
    for (size_t j = 0; j < r->k; j++)
        if (strcmp(r->terms[j], term) == 0)
            return r->std_error[j];
    fail_msg("no coefficient %s", term);
    return NAN;
}

#define MAIN_FE "life_sat ~ emp_rate + autonomy_share + share_prof + auto_exposure | la_id + year"

#define MAIN_YEAR "life_sat ~ emp_rate + autonomy_share + share_prof + auto_exposure | year"

/* The main mediation; skip_prof: leave share_prof and auto_exposure (its shift-share proxy: the
 * professional groups have low automation probabilities) out of the mediator equation. */
static gw_mediate_result *mediate_on(const char *formula, unsigned flags, size_t B,
                                     gw_mediate_ci ci, int skip_prof)
{
    gw_design *d = build(panel, formula, "la_id");
    size_t m = col(d, "autonomy_share");
    unsigned char skip[8] = {0};
    skip[col(d, "share_prof")] = 1;
    skip[col(d, "auto_exposure")] = 1;
    gw_mediate_spec sp = {0};
    sp.treatment = col(d, "emp_rate");
    sp.mediators = &m;
    sp.nmediators = 1;
    sp.skip_mediator = skip_prof ? skip : NULL;
    gw_mediate_opts o = {0};
    o.boot = B;
    o.seed = 42;
    o.ci = ci;
    o.flags = flags;
    gw_mediate_result *r = NULL;
    gw_status s = gw_mediate_fit(d, &sp, &o, &r);
    if (s != GW_OK)
        fail_msg("gw_mediate_fit: %s", gw_last_error());
    gw_design_free(d);
    return r;
}

static gw_mediate_result *mediate_main(unsigned flags, size_t B, gw_mediate_ci ci, int skip_prof)
{
    return mediate_on(MAIN_FE, flags, B, ci, skip_prof);
}

/* The indirect effect's and the proportion's intervals cover the truth (B = 99). */
static void test_mediate_fit_recovers_truth(void **state)
{
    (void)state;
    gw_mediate_result *r = mediate_main(0, 99, GW_MED_CI_BCA, 0);
    printf("# indirect %.6g pct [%.6g, %.6g] bca [%.6g, %.6g] delta [%.6g, %.6g]\n",
           r->indirect.estimate, r->indirect.pct_low, r->indirect.pct_high, r->indirect.bca_low,
           r->indirect.bca_high, r->indirect.delta_low, r->indirect.delta_high);
    printf("# proportion %.6g pct [%.6g, %.6g] bca [%.6g, %.6g]; a %.6g b %.6g c' %.6g\n",
           r->proportion.estimate, r->proportion.pct_low, r->proportion.pct_high,
           r->proportion.bca_low, r->proportion.bca_high, r->a[0], r->b[0], r->c_prime);
    assert_int_equal(r->boot, 99);
    assert_int_equal(r->boot_failed, 0);
    assert_int_equal(r->nclusters, 358); /* two tiny LAs are suppressed in every year */
    const gw_mediate_effect *e[3] = {&r->indirect, &r->proportion, &r->total};
    const double truth[3] = {0.0030, 0.126, 0.0238};
    for (int t = 0; t < 3; t++) {
        assert_true(e[t]->pct_low <= truth[t] && truth[t] <= e[t]->pct_high);
        assert_true(e[t]->bca_low <= truth[t] && truth[t] <= e[t]->bca_high);
        assert_true(e[t]->delta_low <= truth[t] && truth[t] <= e[t]->delta_high);
        gw_assert_close(e[t]->ci_low, e[t]->bca_low, 0.0, 0.0); /* ci = BCa */
    }
    /* The paths themselves: a ~ 0.25, b ~ 0.012 within 3 cluster SEs. */
    assert_true(fabs(r->a[0] - 0.25) < 3.0 * r->a_se[0]);
    assert_true(fabs(r->b[0] - 0.012) < 3.0 * r->b_se[0]);
    /* The bootstrap SE and the delta-method SE agree to within a third. */
    gw_assert_close(r->indirect.boot_se, r->indirect.se_delta, 0.35, 0.0);
    gw_mediate_free(r);
}

/* total = direct + indirect equals the regression without the mediator; every path and SE is
 * gw_ols_fit's (absorbed fixed effects, cluster CR1). */
static void test_mediate_fit_matches_ols(void **state)
{
    (void)state;
    gw_mediate_result *r = mediate_main(GW_MED_NO_BOOT, 0, GW_MED_CI_PERCENTILE, 0);
    gw_ols_opts oo = {0};
    oo.vcov = GW_VCOV_CLUSTER;
    const char *fm[3] = {MAIN_FE, MAIN_FE,
                         "life_sat ~ emp_rate + share_prof + auto_exposure | la_id + year"};
    gw_result *o[3];
    for (int e = 0; e < 3; e++) {
        gw_design *d = build(panel, fm[e], "la_id");
        if (gw_ols_fit(d, &oo, &o[e]) != GW_OK)
            fail_msg("%s", gw_last_error());
        gw_design_free(d);
    }
    /* The mediator equation on the mediation's rows (those with life_sat present): built
     * from the main design's columns. */
    gw_result *om = NULL;
    gw_design *d0 = build(panel, MAIN_FE, "la_id");
    gw_design *d1 = NULL;
    assert_int_equal(gw_design_new(d0->n, 3, &d1), GW_OK);
    size_t cols[3] = {col(d0, "emp_rate"), col(d0, "share_prof"), col(d0, "auto_exposure")};
    const char *names[3] = {"emp_rate", "share_prof", "auto_exposure"};
    for (int j = 0; j < 3; j++) {
        memcpy(d1->X + (size_t)j * d0->n, d0->X + cols[j] * d0->n, d0->n * sizeof(double));
        d1->terms[j] = gw_strdup(names[j]);
    }
    memcpy(d1->y, d0->X + col(d0, "autonomy_share") * d0->n, d0->n * sizeof(double));
    d1->response = gw_strdup("autonomy_share");
    d1->fe = d0->fe;
    d1->nfe = d0->nfe;
    d1->cluster = d0->cluster;
    d1->ncluster = d0->ncluster;
    assert_int_equal(gw_ols_fit(d1, &oo, &om), GW_OK);
    d1->fe = NULL;
    d1->nfe = 0;
    d1->cluster = NULL;
    d1->ncluster = 0;
    gw_design_free(d1);
    gw_design_free(d0);

    gw_assert_close(r->a[0], coef(om, "emp_rate"), 1e-9, 0.0);
    gw_assert_close(r->a_se[0], se(om, "emp_rate"), 1e-9, 0.0);
    gw_assert_close(r->b[0], coef(o[1], "autonomy_share"), 1e-9, 0.0);
    gw_assert_close(r->b_se[0], se(o[1], "autonomy_share"), 1e-9, 0.0);
    gw_assert_close(r->c_prime, coef(o[1], "emp_rate"), 1e-9, 0.0);
    gw_assert_close(r->c_prime_se, se(o[1], "emp_rate"), 1e-9, 0.0);
    gw_assert_close(r->total_regression, coef(o[2], "emp_rate"), 1e-9, 0.0);
    gw_assert_close(r->total_regression_se, se(o[2], "emp_rate"), 1e-9, 0.0);
    /* The identity: exact for OLS on the same rows, up to rounding (and demeaning tolerance). */
    gw_assert_close(r->total.estimate, r->direct.estimate + r->indirect.estimate, 1e-14, 0.0);
    gw_assert_close(r->total.estimate, r->total_regression, 1e-8, 0.0);
    gw_assert_close(r->indirect.estimate, r->a[0] * r->b[0], 1e-15, 0.0);
    /* The delta method of the total (with the cross-equation covariance) is the SE of the
     * total regression to first order; they agree closely here. */
    gw_assert_close(r->total.se_delta, r->total_regression_se, 0.05, 0.0);
    assert_int_equal(r->boot, 0);
    assert_true(isnan(r->indirect.pct_low));
    gw_assert_close(r->indirect.ci_low, r->indirect.delta_low, 0.0, 0.0);
    for (int e = 0; e < 3; e++)
        gw_result_free(o[e]);
    gw_result_free(om);
    gw_mediate_free(r);
}

/* Absorbed fixed effects and dummy variables (LSDV) give the same paths. */
static void test_mediate_fit_lsdv_equals_absorbed(void **state)
{
    (void)state;
    gw_mediate_result *r = mediate_main(GW_MED_NO_BOOT, 0, GW_MED_CI_PERCENTILE, 0);
    gw_design *d = build(panel,
                         "life_sat ~ emp_rate + autonomy_share + share_prof + auto_exposure + "
                         "factor(la_id) + factor(year)",
                         "la_id");
    size_t m = col(d, "autonomy_share");
    gw_mediate_spec sp = {0};
    sp.treatment = col(d, "emp_rate");
    sp.mediators = &m;
    sp.nmediators = 1;
    gw_mediate_opts o = {0};
    o.flags = GW_MED_NO_BOOT;
    gw_mediate_result *l = NULL;
    assert_int_equal(gw_mediate_fit(d, &sp, &o, &l), GW_OK);
    gw_assert_close(l->a[0], r->a[0], 1e-8, 0.0);
    gw_assert_close(l->b[0], r->b[0], 1e-8, 0.0);
    gw_assert_close(l->c_prime, r->c_prime, 1e-8, 0.0);
    gw_assert_close(l->indirect.estimate, r->indirect.estimate, 1e-8, 0.0);
    gw_assert_close(l->proportion.estimate, r->proportion.estimate, 1e-8, 0.0);
    gw_mediate_free(l);
    gw_mediate_free(r);
    gw_design_free(d);
}

/* The trap of dataset.md: share_prof raises both employment and autonomy, so a mediator
 * equation without it (and without auto_exposure, which proxies it) overstates a and the
 * indirect effect. With year effects only (between-LA variation) the bias is gross and the
 * interval excludes the truth; two-way fixed effects absorb most of it (share_prof moves little
 * within an LA), but a still moves up, away from 0.25. The outcome equation is unchanged. */
static void test_mediate_fit_omitted_confounder_bias(void **state)
{
    (void)state;
    gw_mediate_result *ok = mediate_on(MAIN_YEAR, GW_MED_NO_BOOT, 0, GW_MED_CI_PERCENTILE, 0);
    gw_mediate_result *bad = mediate_on(MAIN_YEAR, 0, 49, GW_MED_CI_PERCENTILE, 1);
    printf("# year FE: with share_prof a %.6g indirect %.6g; without: a %.6g indirect %.6g "
           "[%.6g, %.6g] prop %.4g\n",
           ok->a[0], ok->indirect.estimate, bad->a[0], bad->indirect.estimate,
           bad->indirect.pct_low, bad->indirect.pct_high, bad->proportion.estimate);
    assert_true(bad->a[0] > ok->a[0]);
    assert_true(fabs(bad->a[0] - 0.25) > fabs(ok->a[0] - 0.25));
    assert_true(bad->indirect.estimate > ok->indirect.estimate);
    assert_true(fabs(bad->indirect.estimate - 0.0030) > fabs(ok->indirect.estimate - 0.0030));
    assert_true(bad->indirect.pct_low > 0.0030);    /* the interval excludes the truth */
    gw_assert_close(bad->b[0], ok->b[0], 0.0, 0.0); /* outcome equation unchanged */
    gw_mediate_free(ok);
    gw_mediate_free(bad);

    ok = mediate_main(GW_MED_NO_BOOT, 0, GW_MED_CI_PERCENTILE, 0);
    bad = mediate_main(GW_MED_NO_BOOT, 0, GW_MED_CI_PERCENTILE, 1);
    printf("# two-way FE: with share_prof a %.6g indirect %.6g; without: a %.6g indirect %.6g\n",
           ok->a[0], ok->indirect.estimate, bad->a[0], bad->indirect.estimate);
    assert_true(bad->a[0] > ok->a[0]);
    assert_true(fabs(bad->a[0] - 0.25) > fabs(ok->a[0] - 0.25));
    assert_true(bad->indirect.estimate > ok->indirect.estimate);
    gw_assert_close(bad->b[0], ok->b[0], 0.0, 0.0);
    gw_mediate_free(ok);
    gw_mediate_free(bad);
}

/* Same seed -> the same replicate bytes, whatever the thread count; another seed differs. */
static void test_mediate_fit_deterministic(void **state)
{
    (void)state;
    gw_threads_set(1);
    gw_mediate_result *r1 = mediate_main(GW_MED_KEEP_REPLICATES, 49, GW_MED_CI_BCA, 0);
    gw_threads_set(2);
    gw_mediate_result *r2 = mediate_main(GW_MED_KEEP_REPLICATES, 49, GW_MED_CI_BCA, 0);
    gw_threads_set(0);
    assert_non_null(r1->replicates);
    assert_memory_equal(r1->replicates, r2->replicates, 49 * r1->neffects * sizeof(double));
    assert_memory_equal(r1->jackknife, r2->jackknife, r1->nclusters * r1->neffects * 8);
    assert_memory_equal(&r1->indirect, &r2->indirect, sizeof r1->indirect);
    assert_memory_equal(&r1->proportion, &r2->proportion, sizeof r1->proportion);
    /* Replication r depends only on (seed, r): the first 20 of 49 are those of a run of 20. */
    gw_mediate_result *r3 = mediate_main(GW_MED_KEEP_REPLICATES, 20, GW_MED_CI_PERCENTILE, 0);
    assert_memory_equal(r1->replicates, r3->replicates, 20 * r1->neffects * sizeof(double));
    gw_mediate_free(r1);
    gw_mediate_free(r2);
    gw_mediate_free(r3);
    assert_int_not_equal(gw_mediate_stream_seed(42, 0), gw_mediate_stream_seed(43, 0));
    assert_int_not_equal(gw_mediate_stream_seed(42, 0), gw_mediate_stream_seed(42, 1));
}

/* The hand-made panel of datasets/generated/mediate_tiny.csv against the exact rational LSDV
 * bootstrap of scripts/ref/mediate_tiny_ref.py (mediate_tiny_ref.csv). */
static void test_mediate_fit_tiny_reference(void **state)
{
    (void)state;
    gw_csv_opts co = {0};
    gw_table *t = NULL;
    assert_int_equal(
        gw_csv_read_file(gwt_source_path("datasets/generated/mediate_tiny.csv"), &co, &t), GW_OK);
    gw_design *d = build(t, "y ~ t + m | id + period", "id");
    size_t m = col(d, "m");
    gw_mediate_spec sp = {0};
    sp.treatment = col(d, "t");
    sp.mediators = &m;
    sp.nmediators = 1;
    gw_mediate_opts o = {0};
    o.boot = 199;
    o.seed = 7;
    o.ci = GW_MED_CI_BCA;
    gw_mediate_result *r = NULL;
    assert_int_equal(gw_mediate_fit(d, &sp, &o, &r), GW_OK);
    assert_int_equal(r->boot_failed, 0);

    FILE *f = fopen(gwt_source_path("datasets/generated/mediate_tiny_ref.csv"), "r");
    assert_non_null(f);
    char line[1024];
    int seen = 0;
    while (fgets(line, sizeof line, f)) {
        char name[32];
        double v[7];
        if (line[0] == '#' || sscanf(line, "%31[^,],%lf,%lf,%lf,%lf,%lf,%lf,%lf", name, &v[0],
                                     &v[1], &v[2], &v[3], &v[4], &v[5], &v[6]) != 8)
            continue;
        const gw_mediate_effect *e = NULL;
        if (strcmp(name, "indirect") == 0)
            e = &r->indirect;
        else if (strcmp(name, "direct") == 0)
            e = &r->direct;
        else if (strcmp(name, "total") == 0)
            e = &r->total;
        else if (strcmp(name, "proportion") == 0)
            e = &r->proportion;
        if (e != NULL) {
            gw_assert_close(e->estimate, v[0], 1e-10, 1e-14);
            gw_assert_close(e->pct_low, v[1], 1e-9, 1e-13);
            gw_assert_close(e->pct_high, v[2], 1e-9, 1e-13);
            gw_assert_close(e->z0, v[5], 1e-9, 1e-13);
            gw_assert_close(e->accel, v[6], 1e-8, 1e-13);
            gw_assert_close(e->bca_low, v[3], 1e-9, 1e-13);
            gw_assert_close(e->bca_high, v[4], 1e-9, 1e-13);
            seen++;
        } else if (strcmp(name, "bca_known") == 0) {
            /* BCa on a known case: replicates 1..100, estimate 30.5 (z0 = Phi^-1(0.3)),
             * jackknife {0, 0, 3} (a = -6 / (6 * 6^1.5) = -0.0680414). */
            double reps[100], jack[3] = {0.0, 0.0, 3.0}, lo, hi, z0, acc;
            for (int i = 0; i < 100; i++)
                reps[99 - i] = (double)(i + 1); /* any order */
            assert_int_equal(gw_mediate_bca(30.5, reps, 100, jack, 3, 0.95, &lo, &hi, &z0, &acc),
                             GW_OK);
            gw_assert_close(acc, -1.0 / (6.0 * sqrt(6.0)), 1e-14, 0.0);
            gw_assert_close(z0, v[5], 1e-12, 0.0);
            gw_assert_close(acc, v[6], 1e-14, 0.0);
            gw_assert_close(lo, v[3], 1e-10, 0.0);
            gw_assert_close(hi, v[4], 1e-10, 0.0);
            /* Symmetric case: z0 = 0 and a = 0 make BCa the percentile interval. */
            double js[3] = {-1.0, 0.0, 1.0};
            assert_int_equal(gw_mediate_bca(50.5, reps, 100, js, 3, 0.95, &lo, &hi, &z0, &acc),
                             GW_OK);
            gw_assert_close(z0, 0.0, 0.0, 0.0);
            gw_assert_close(lo, 3.475, 1e-14, 0.0);
            gw_assert_close(hi, 97.525, 1e-14, 0.0);
            /* Every replicate above the estimate: undefined. */
            assert_int_equal(gw_mediate_bca(0.0, reps, 100, js, 3, 0.95, &lo, &hi, &z0, &acc),
                             GW_OK);
            assert_true(isnan(lo) && isnan(hi));
            seen++;
        }
    }
    fclose(f);
    assert_int_equal(seen, 5);
    gw_mediate_free(r);
    gw_design_free(d);
    gw_table_free(t);
}

/* Two mediators (automation exposure -> autonomy, log pay -> life satisfaction): the parts add
 * up, the identity holds, and the zero direct effect of automation is not rejected. */
static void test_mediate_fit_two_mediators(void **state)
{
    (void)state;
    gw_design *d = build(panel,
                         "life_sat ~ auto_exposure + autonomy_share + log(median_hourly_pay) + "
                         "emp_rate + share_prof | la_id + year",
                         "la_id");
    size_t m[2] = {col(d, "autonomy_share"), col(d, "log(median_hourly_pay)")};
    gw_mediate_spec sp = {0};
    sp.treatment = col(d, "auto_exposure");
    sp.mediators = m;
    sp.nmediators = 2;
    gw_mediate_opts o = {0};
    o.boot = 49;
    o.seed = 3;
    gw_mediate_result *r = NULL;
    assert_int_equal(gw_mediate_fit(d, &sp, &o, &r), GW_OK);
    printf("# automation: indirect %.5g (aut %.5g, pay %.5g) direct %.5g [%.5g, %.5g]\n",
           r->indirect.estimate, r->indirect_by[0].estimate, r->indirect_by[1].estimate,
           r->direct.estimate, r->direct.pct_low, r->direct.pct_high);
    gw_assert_close(r->indirect.estimate, r->indirect_by[0].estimate + r->indirect_by[1].estimate,
                    1e-14, 0.0);
    gw_assert_close(r->total.estimate, r->total_regression, 1e-8, 0.0);
    assert_true(r->direct.pct_low <= 0.0 && 0.0 <= r->direct.pct_high);
    assert_true(r->direct.delta_low <= 0.0 && 0.0 <= r->direct.delta_high);
    /* Through autonomy: -10 x 0.012 = -0.12 per unit of exposure. */
    assert_true(r->indirect_by[0].pct_low <= -0.12 && -0.12 <= r->indirect_by[0].pct_high);
    gw_mediate_free(r);
    gw_design_free(d);
}

/* Every status gw_mediate_fit returns for bad input, with a message and *out == NULL. */
static void test_mediate_fit_errors(void **state)
{
    (void)state;
    gw_design *d = build(panel, MAIN_FE, "la_id");
    gw_design *dr =
        build(panel, "life_sat ~ emp_rate + autonomy_share + region | la_id + year", "la_id");
    size_t m = col(d, "autonomy_share"), big = 99, two[2] = {1, 1};
    unsigned char skip[8] = {0};
    skip[col(d, "emp_rate")] = 1;
    struct {
        const char *label;
        const gw_design *d;
        size_t t;
        const size_t *med;
        size_t nm;
        const unsigned char *skip;
        double level;
        gw_status want;
    } cases[] = {
        {"no mediator", d, 0, &m, 0, NULL, 0.0, GW_EINVAL},
        {"treatment is the mediator", d, 1, &m, 1, NULL, 0.0, GW_EINVAL},
        {"column out of range", d, 0, &big, 1, NULL, 0.0, GW_EINVAL},
        {"mediator twice", d, 0, two, 2, NULL, 0.0, GW_EINVAL},
        {"treatment skipped", d, 0, &m, 1, skip, 0.0, GW_EINVAL},
        {"bad level", d, 0, &m, 1, NULL, 1.5, GW_EINVAL},
        {"treatment absorbed by the FE", dr, 2, &two[0], 1, NULL, 0.0, GW_ERANK},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_mediate_spec sp = {0};
        sp.treatment = cases[c].t;
        sp.mediators = cases[c].med;
        sp.nmediators = cases[c].nm;
        sp.skip_mediator = cases[c].skip;
        gw_mediate_opts o = {0};
        o.flags = GW_MED_NO_BOOT;
        o.conf_level = cases[c].level;
        gw_mediate_result *r = (gw_mediate_result *)&o; /* must be reset to NULL */
        gw_clear_error();
        gw_status s = gw_mediate_fit(cases[c].d, &sp, &o, &r);
        if (s != cases[c].want)
            fail_msg("%s: status %d (%s), want %d", cases[c].label, (int)s, gw_last_error(),
                     (int)cases[c].want);
        assert_null(r);
        assert_true(gw_last_error()[0] != '\0');
    }
    /* Weights are not supported; NULL arguments. */
    double w = 1.0;
    gw_design dw = *d;
    dw.w = &w;
    gw_mediate_spec sp = {0};
    sp.mediators = &m;
    sp.nmediators = 1;
    gw_mediate_result *r = NULL;
    assert_int_equal(gw_mediate_fit(&dw, &sp, NULL, &r), GW_EUNSUPPORTED);
    assert_null(r);
    assert_int_equal(gw_mediate_fit(NULL, &sp, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_mediate_fit(d, NULL, NULL, &r), GW_EINVAL);
    assert_int_equal(gw_mediate_fit(d, &sp, NULL, NULL), GW_EINVAL);
    gw_design_free(d);
    gw_design_free(dr);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediate_fit_recovers_truth),
        cmocka_unit_test(test_mediate_fit_matches_ols),
        cmocka_unit_test(test_mediate_fit_lsdv_equals_absorbed),
        cmocka_unit_test(test_mediate_fit_omitted_confounder_bias),
        cmocka_unit_test(test_mediate_fit_deterministic),
        cmocka_unit_test(test_mediate_fit_tiny_reference),
        cmocka_unit_test(test_mediate_fit_two_mediators),
        cmocka_unit_test(test_mediate_fit_errors),
    };
    return cmocka_run_group_tests_name("mediate", tests, setup_panel, teardown_panel);
}
