/* test_generate.c -- the synthetic panel: shape, ranges, determinism and the known answers of
 * docs/reference/dataset.md recovered from the default panel (seed GW_GEN_DEFAULT_SEED). */
#include "gw_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_generate.h"
#include "gw_ols.h"

/* The default panel, generated once for the whole group. */
static gw_panel *panel;

static int setup(void **state)
{
    (void)state;
    return gw_generate(NULL, &panel) == GW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    gw_panel_free(panel);
    panel = NULL;
    return 0;
}

static const double *num(const gw_table *t, const char *name)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0 || gw_table_coltype(t, (size_t)j) != GW_COL_NUMERIC)
        fail_msg("no numeric column '%s'", name);
    return gw_table_numeric(t, (size_t)j);
}

static const int32_t *codes(const gw_table *t, const char *name, size_t *nlevels)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0 || gw_table_coltype(t, (size_t)j) != GW_COL_CATEGORICAL)
        fail_msg("no categorical column '%s'", name);
    if (nlevels)
        *nlevels = gw_table_nlevels(t, (size_t)j);
    return gw_table_codes(t, (size_t)j);
}

/* The value of (equation, term, period) in the truth table. */
static double truth(const char *eq, const char *term, const char *period)
{
    const gw_table *t = panel->truth;
    const int32_t *e = codes(t, "equation", NULL), *m = codes(t, "term", NULL),
                  *p = codes(t, "period", NULL);
    const double *v = num(t, "value");
    for (size_t r = 0; r < gw_table_nrows(t); r++)
        if (strcmp(gw_table_level(t, 0, (size_t)e[r]), eq) == 0 &&
            strcmp(gw_table_level(t, 1, (size_t)m[r]), term) == 0 &&
            strcmp(gw_table_level(t, 2, (size_t)p[r]), period) == 0)
            return v[r];
    fail_msg("no truth row %s | %s | %s", eq, term, period);
    return NAN;
}

static void test_generate_shape(void **state)
{
    (void)state;
    static const char *const cols[] = {"la_id",           "la_code",
                                       "nation",          "region",
                                       "urban",           "year",
                                       "covid",           "cluster_true",
                                       "emp_rate",        "econ_active_rate",
                                       "unemp_rate",      "share_prof",
                                       "share_routine",   "deroutinisation",
                                       "sat_hours",       "median_hourly_pay",
                                       "real_hourly_pay", "autonomy_share",
                                       "auto_exposure",   "ai_exposure",
                                       "life_sat",        "anxiety",
                                       "job_sat",         "n_aps",
                                       "se_life_sat",     "se_anxiety"};
    const gw_table *d = panel->data;
    assert_int_equal(gw_table_nrows(d), 5400);
    assert_int_equal(gw_table_ncols(d), sizeof cols / sizeof cols[0]);
    for (size_t j = 0; j < gw_table_ncols(d); j++) {
        assert_string_equal(gw_table_colname(d, j), cols[j]);
        int cat = j == 1 || j == 2 || j == 4;
        assert_int_equal(gw_table_coltype(d, j), cat ? GW_COL_CATEGORICAL : GW_COL_NUMERIC);
    }
    assert_int_equal(gw_table_nrows(panel->occupation), GW_GEN_NOCC);
    assert_int_equal(gw_table_nrows(panel->shares), 5400);
    assert_int_equal(gw_table_ncols(panel->shares), 2 + GW_GEN_NOCC);
    assert_int_equal(gw_table_nrows(panel->truth_la), 360);
    assert_int_equal(gw_table_nrows(panel->truth_years), 15);
    gw_assert_close(truth("life_sat", "emp_rate", "all"), 0.020, 0, 1e-15);
    gw_assert_close(truth("mediation", "total:emp_rate", "<2020"), 0.0238, 0, 1e-15);
    gw_assert_close(truth("mediation", "proportion:autonomy_share", "<2020"), 0.003 / 0.0238, 1e-12,
                    0);
    /* /meta: the seed and a sample of parameters. */
    const gw_table *m = panel->meta;
    const int32_t *pc = codes(m, "parameter", NULL);
    const double *pv = num(m, "value");
    int seen = 0;
    for (size_t r = 0; r < gw_table_nrows(m); r++) {
        const char *name = gw_table_level(m, 0, (size_t)pc[r]);
        if (strcmp(name, "seed") == 0) {
            gw_assert_close(pv[r], GW_GEN_DEFAULT_SEED, 0, 0);
            seen |= 1;
        } else if (strcmp(name, "cluster_prob[7][2]") == 0) {
            gw_assert_close(pv[r], 0.55, 0, 0);
            seen |= 2;
        } else if (strcmp(name, "pay_median[2022]") == 0) {
            gw_assert_close(pv[r], 15.0, 0, 0);
            seen |= 4;
        }
    }
    assert_int_equal(seen, 7);
}

/* Identifiers: panel order, synthetic codes, nations, London. */
static void test_generate_identifiers(void **state)
{
    (void)state;
    const gw_table *d = panel->data;
    size_t n = gw_table_nrows(d), nl = 0, nn = 0, nu = 0;
    const double *id = num(d, "la_id"), *year = num(d, "year"), *region = num(d, "region"),
                 *covid = num(d, "covid"), *cl = num(d, "cluster_true");
    const int32_t *code = codes(d, "la_code", &nl), *nat = codes(d, "nation", &nn),
                  *urb = codes(d, "urban", &nu);
    assert_int_equal(nl, 360);
    assert_int_equal(nn, 3);
    assert_int_equal(nu, 3);
    size_t cnt[3] = {0}, london = 0;
    for (size_t r = 0; r < n; r++) {
        gw_assert_close(id[r], (double)(r / 15), 0, 0);
        gw_assert_close(year[r], 2010.0 + (double)(r % 15), 0, 0);
        gw_assert_close(covid[r], (year[r] == 2020 || year[r] == 2021) ? 1.0 : 0.0, 0, 0);
        assert_true(cl[r] >= 1 && cl[r] <= 5 && region[r] >= 1 && region[r] <= 11);
        const char *c = gw_table_level(d, 1, (size_t)code[r]);
        /* Never a real ONS code: those start with E, W, S, N or K. */
        assert_int_equal(strlen(c), 9);
        assert_int_equal(c[0], 'X');
        const char *nation = gw_table_level(d, 2, (size_t)nat[r]);
        const char *urban = gw_table_level(d, 4, (size_t)urb[r]);
        if (r % 15 == 0)
            cnt[nation[0] == 'E' ? 0 : nation[0] == 'W' ? 1 : 2]++;
        int is_london = strcmp(urban, "London") == 0;
        assert_int_equal(is_london, region[r] == 7);
        if (is_london && r % 15 == 0)
            london++;
        if (region[r] <= 9)
            assert_string_equal(nation, "E");
        else
            assert_string_equal(nation, region[r] == 10 ? "W" : "S");
    }
    assert_int_equal(cnt[0], 306);
    assert_int_equal(cnt[1], 22);
    assert_int_equal(cnt[2], 32);
    assert_int_equal(london, 31);
}

/* Every column inside the target range of dataset.md. */
static void test_generate_ranges(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        double lo, hi;
    } r[] = {{"emp_rate", 58, 88},       {"econ_active_rate", 68, 90},  {"unemp_rate", 2, 9},
             {"share_prof", 25, 70},     {"share_routine", 5, 50},      {"deroutinisation", -5, 15},
             {"sat_hours", 72, 90},      {"median_hourly_pay", 8, 30},  {"real_hourly_pay", 8, 30},
             {"autonomy_share", 28, 62}, {"auto_exposure", 0.33, 0.58}, {"ai_exposure", -4, 4},
             {"life_sat", 6.8, 8.3},     {"anxiety", 1.6, 5.2},         {"job_sat", 1, 7},
             {"n_aps", 0, 20000},        {"se_life_sat", 0, 0.3},       {"se_anxiety", 0, 0.45}};
    const gw_table *d = panel->data;
    size_t n = gw_table_nrows(d);
    for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
        const double *v = num(d, r[k].name);
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        for (size_t i = 0; i < n; i++)
            if (!isnan(v[i])) {
                lo = fmin(lo, v[i]);
                hi = fmax(hi, v[i]);
            }
        printf("  %-18s %9.4f .. %9.4f\n", r[k].name, lo, hi);
        if (lo < r[k].lo || hi > r[k].hi)
            fail_msg("%s spans %g..%g, outside %g..%g", r[k].name, lo, hi, r[k].lo, r[k].hi);
    }
    /* Suppression: wellbeing cells are missing exactly where n_aps < 50, and some are. */
    const double *naps = num(d, "n_aps"), *life = num(d, "life_sat"), *se = num(d, "se_life_sat");
    size_t suppressed = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(isnan(life[i]), naps[i] < 50);
        assert_int_equal(isnan(se[i]), naps[i] < 50);
        if (!isnan(se[i]))
            gw_assert_close(se[i], 1.9 / sqrt(naps[i]), 0, 5.0001e-5);
        suppressed += isnan(life[i]) != 0;
    }
    printf("  suppressed wellbeing cells: %zu\n", suppressed);
    assert_true(suppressed >= 15 && suppressed < n / 50);
    /* Unemployment and activity are consistent: emp = active (1 - u). */
    const double *emp = num(d, "emp_rate"), *act = num(d, "econ_active_rate"),
                 *u = num(d, "unemp_rate");
    for (size_t i = 0; i < n; i++)
        gw_assert_close(act[i] * (1 - u[i] / 100), emp[i], 0, 0.06);
}

/* Same seed, same bits; another seed, other data. */
static void test_generate_deterministic(void **state)
{
    (void)state;
    gw_panel *p = NULL, *q = NULL;
    gw_generate_opts o;
    gw_generate_opts_default(&o);
    assert_int_equal(gw_generate(&o, &p), GW_OK);
    const gw_table *tables[2][7] = {
        {panel->data, panel->occupation, panel->shares, panel->truth, panel->truth_la,
         panel->truth_years, panel->meta},
        {p->data, p->occupation, p->shares, p->truth, p->truth_la, p->truth_years, p->meta}};
    for (int k = 0; k < 7; k++) {
        const gw_table *a = tables[0][k], *b = tables[1][k];
        assert_int_equal(gw_table_ncols(a), gw_table_ncols(b));
        size_t n = gw_table_nrows(a);
        for (size_t j = 0; j < gw_table_ncols(a); j++) {
            if (gw_table_coltype(a, j) == GW_COL_NUMERIC) {
                const double *x = gw_table_numeric(a, j), *y = gw_table_numeric(b, j);
                assert_memory_equal(x, y, n * sizeof *x);
            } else {
                assert_memory_equal(gw_table_codes(a, j), gw_table_codes(b, j),
                                    n * sizeof(int32_t));
            }
        }
    }
    o.seed = 7;
    assert_int_equal(gw_generate(&o, &q), GW_OK);
    const double *x = num(p->data, "life_sat"), *y = num(q->data, "life_sat");
    size_t same = 0;
    for (size_t i = 0; i < 5400; i++)
        same += memcmp(&x[i], &y[i], sizeof *x) == 0;
    assert_true(same < 500);
    gw_panel_free(q);
    gw_panel_free(p);
}

/* Fits formula by OLS with la_id and year dummies, clustered by la_id. */
static gw_result *lsdv(const char *formula)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_result *r = NULL;
    gw_frame_opts fo = {0};
    fo.cluster[0] = "la_id";
    gw_ols_opts oo = {0};
    oo.vcov = GW_VCOV_CLUSTER;
    if (gw_formula_parse(formula, &f) != GW_OK ||
        gw_frame_build(panel->data, f, &fo, &d) != GW_OK || gw_ols_fit(d, &oo, &r) != GW_OK)
        fail_msg("fit of '%s' failed: %s", formula, gw_last_error());
    gw_design_free(d);
    gw_formula_free(f);
    return r;
}

/* Checks that the coefficient of term covers truth with its 95% interval (only prints it when
 * check is 0). */
static void ci(const gw_result *r, const char *term, double truth_value, int check)
{
    for (size_t k = 0; k < r->k; k++)
        if (strcmp(r->terms[k], term) == 0) {
            printf("  %-24s %10.5f  (%.5f, %.5f)  truth %g\n", term, r->estimate[k], r->ci_low[k],
                   r->ci_high[k], truth_value);
            if (check && !(r->ci_low[k] <= truth_value && truth_value <= r->ci_high[k]))
                fail_msg("%s: %g outside its 95%% interval (%g, %g)", term, truth_value,
                         r->ci_low[k], r->ci_high[k]);
            return;
        }
    fail_msg("no term '%s' in the fit", term);
}

static void expect_ci(const gw_result *r, const char *term, double truth_value)
{
    ci(r, term, truth_value, 1);
}

/* Two-way fixed effects (LSDV): the life-satisfaction slopes and the zero automation effect. */
static void test_generate_fe_life_sat(void **state)
{
    (void)state;
    gw_result *r = lsdv("life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) + "
                        "auto_exposure + factor(la_id) + factor(year)");
    /* The two tiny LAs are all missing: 358 LAs x 15 years remain. */
    assert_int_equal(r->nobs, 5370);
    assert_int_equal(r->nobs_dropped_missing, 30);
    assert_int_equal(r->n_clusters[0], 358);
    expect_ci(r, "emp_rate", truth("life_sat", "emp_rate", "all"));
    expect_ci(r, "autonomy_share", truth("life_sat", "autonomy_share", "all"));
    expect_ci(r, "log(median_hourly_pay)", truth("life_sat", "log(median_hourly_pay)", "all"));
    expect_ci(r, "auto_exposure", 0.0);
    gw_result_free(r);
}

/* The autonomy equation: slope on employment 0.25. The slopes on share_prof (0.35 per point) and
 * auto_exposure (-10) are only printed: within an LA both move with the same yearly occupation
 * noise, so they are weakly identified apart (intervals of about +-0.12 and +-36). */
static void test_generate_fe_autonomy(void **state)
{
    (void)state;
    gw_result *r = lsdv("autonomy_share ~ emp_rate + share_prof + auto_exposure + factor(la_id) + "
                        "factor(year)");
    expect_ci(r, "emp_rate", 0.25);
    ci(r, "share_prof", 0.35, 0);
    ci(r, "auto_exposure", -10.0, 0);
    gw_result_free(r);
}

/* The employment-pay link: positive before 2020, negative in 2020-21, positive after. */
static void test_generate_sign_switch(void **state)
{
    (void)state;
    const gw_table *d = panel->data;
    const double *emp = num(d, "emp_rate"), *pay = num(d, "median_hourly_pay");
    size_t n = 360, T = 15;
    for (size_t t = 0; t < T; t++) {
        double me = 0, mw = 0, sxy = 0, sxx = 0, syy = 0;
        for (size_t i = 0; i < n; i++) {
            me += emp[i * T + t];
            mw += log(pay[i * T + t]);
        }
        me /= (double)n;
        mw /= (double)n;
        for (size_t i = 0; i < n; i++) {
            double a = emp[i * T + t] - me, b = log(pay[i * T + t]) - mw;
            sxy += a * b;
            sxx += a * a;
            syy += b * b;
        }
        double rho = sxy / sqrt(sxx * syy);
        int year = 2010 + (int)t;
        printf("  %d corr(emp~, log pay~) = %+.3f\n", year, rho);
        if (year == 2020 || year == 2021)
            assert_true(rho < -0.2);
        else
            assert_true(rho > 0.2);
    }
}

/* Occupations and shift-share: high-risk share near ONS's 7.4%, risk falls with pay, AI exposure
 * rises with it, shares sum to one and auto_exposure is their shift-share. */
static void test_generate_automation(void **state)
{
    (void)state;
    const gw_table *o = panel->occupation;
    const double *p = num(o, "p_auto"), *ai = num(o, "ai_exposure"), *prem = num(o, "pay_premium");
    double mp = 0, ma = 0, mw = 0, cpa = 0, caw = 0;
    for (int k = 0; k < 9; k++) {
        mp += p[k] / 9;
        ma += ai[k] / 9;
        mw += prem[k] / 9;
    }
    for (int k = 0; k < 9; k++) {
        cpa += (p[k] - mp) * (prem[k] - mw);
        caw += (ai[k] - ma) * (prem[k] - mw);
    }
    assert_true(cpa < 0);
    assert_true(caw > 0);
    double h = truth("automation", "high_risk_share", "2010");
    printf("  high-risk share of jobs: %.4f (2010), %.4f (2024)\n", h,
           truth("automation", "high_risk_share", "2024"));
    assert_true(h > 0.05 && h < 0.10);
    assert_true(truth("automation", "high_risk_share", "2024") < h);

    const gw_table *s = panel->shares;
    const double *ax = num(panel->data, "auto_exposure"), *prof = num(panel->data, "share_prof");
    for (size_t r = 0; r < 5400; r++) {
        double sum = 0, sp = 0, pr = 0;
        for (int k = 0; k < 9; k++) {
            double v = gw_table_numeric(s, (size_t)(2 + k))[r];
            sum += v;
            sp += v * p[k];
            pr += k < 3 ? v : 0;
        }
        gw_assert_close(sum, 1.0, 0, 1e-12);
        gw_assert_close(ax[r], sp, 0, 5.0001e-5);
        gw_assert_close(prof[r], 100 * pr, 0, 0.050001);
    }
}

/* The five communities have distinct profiles: LAs' standardised 15-year means are assigned to
 * the nearest true-cluster centroid correctly for most LAs (an upper bound of what k-means can
 * reach; the k-means test itself belongs to goodwork cluster). */
static void test_generate_clusters_separable(void **state)
{
    (void)state;
    static const char *const ind[] = {"emp_rate",        "econ_active_rate", "share_prof",
                                      "deroutinisation", "sat_hours",        "median_hourly_pay",
                                      "autonomy_share",  "unemp_rate"};
    enum { K = 8, N = 360, T = 15 };
    static double X[N][K];
    const double *cl = num(panel->data, "cluster_true");
    for (int k = 0; k < K; k++) {
        const double *v = num(panel->data, ind[k]);
        double m = 0, ss = 0;
        for (int i = 0; i < N; i++) {
            double s = 0;
            for (int t = 0; t < T; t++)
                s += v[i * T + t];
            X[i][k] = s / T;
            m += X[i][k] / N;
        }
        for (int i = 0; i < N; i++)
            ss += (X[i][k] - m) * (X[i][k] - m);
        for (int i = 0; i < N; i++)
            X[i][k] = (X[i][k] - m) / sqrt(ss / (N - 1));
    }
    double cen[5][K] = {{0}};
    int cnt[5] = {0}, ok = 0;
    for (int i = 0; i < N; i++) {
        int c = (int)cl[i * T] - 1;
        cnt[c]++;
        for (int k = 0; k < K; k++)
            cen[c][k] += X[i][k];
    }
    for (int c = 0; c < 5; c++) {
        assert_true(cnt[c] >= 15);
        for (int k = 0; k < K; k++)
            cen[c][k] /= cnt[c];
    }
    for (int i = 0; i < N; i++) {
        int best = 0;
        double bd = HUGE_VAL;
        for (int c = 0; c < 5; c++) {
            double dd = 0;
            for (int k = 0; k < K; k++)
                dd += (X[i][k] - cen[c][k]) * (X[i][k] - cen[c][k]);
            if (dd < bd) {
                bd = dd;
                best = c;
            }
        }
        ok += best == (int)cl[i * T] - 1;
    }
    printf("  nearest true centroid: %d of %d LAs\n", ok, N);
    assert_true(ok > 0.85 * N);
}

/* Other shapes: a short panel, years outside the calibration tables. */
static void test_generate_small(void **state)
{
    (void)state;
    gw_generate_opts o;
    gw_generate_opts_default(&o);
    o.n_las = 20;
    o.year_first = 2005;
    o.year_last = 2030;
    o.seed = 0;
    gw_panel *p = NULL;
    assert_int_equal(gw_generate(&o, &p), GW_OK);
    assert_int_equal(gw_table_nrows(p->data), 20 * 26);
    const double *pay = num(p->data, "median_hourly_pay"), *real = num(p->data, "real_hourly_pay");
    const double *year = num(p->data, "year");
    for (size_t r = 0; r < 20 * 26; r++) {
        assert_true(isfinite(pay[r]) && pay[r] > 0 && isfinite(real[r]));
        if (year[r] == 2022)
            gw_assert_close(real[r], pay[r], 0, 0);
    }
    gw_panel_free(p);
}

/* Every rejected setting: GW_EINVAL, a message naming it, *out NULL. */
static void test_generate_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *label, *needle;
    } cases[] = {{"n_las 0", "n_las"},          {"n_las 1", "n_las"},
                 {"years reversed", "years"},   {"year too early", "years"},
                 {"covid reversed", "covid"},   {"negative sd", "sd_emp"},
                 {"nan", "life_emp"},           {"prob > 1", "rural_prob[2]"},
                 {"p_auto 0", "occ_p_auto[1]"}, {"zero row", "cluster_prob"},
                 {"pay 0", "pay_median[2013]"}, {"unemp out", "unemp_year[2010]"},
                 {"hours bounds", "hours_low"}, {"tiny", "n_tiny"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_generate_opts o;
        gw_generate_opts_default(&o);
        switch (k) {
        case 0:
            o.n_las = 0;
            break;
        case 1:
            o.n_las = 1;
            break;
        case 2:
            o.year_first = 2024;
            o.year_last = 2010;
            break;
        case 3:
            o.year_first = 1200;
            break;
        case 4:
            o.covid_first = 2021;
            o.covid_last = 2020;
            break;
        case 5:
            o.sd_emp = -1;
            break;
        case 6:
            o.life_emp = NAN;
            break;
        case 7:
            o.rural_prob[1] = 1.5;
            break;
        case 8:
            o.occ_p_auto[0] = 0;
            break;
        case 9:
            memset(o.cluster_prob[3], 0, sizeof o.cluster_prob[3]);
            break;
        case 10:
            o.pay_median[3] = 0;
            break;
        case 11:
            o.unemp_year[0] = 9.5;
            break;
        case 12:
            o.hours_low = 95;
            break;
        default:
            o.n_las = 3;
            o.n_tiny = 4;
            break;
        }
        gw_panel *p = (gw_panel *)&o; /* must be reset to NULL */
        gw_clear_error();
        gw_status s = gw_generate(&o, &p);
        if (s != GW_EINVAL || p != NULL || strstr(gw_last_error(), cases[k].needle) == NULL)
            fail_msg("case '%s': status %d, message '%s'", cases[k].label, (int)s, gw_last_error());
    }
    assert_int_equal(gw_generate(NULL, NULL), GW_EINVAL);
}

#ifdef GW_FAULT_INJECTION
/* Every allocation failure is GW_ENOMEM with nothing leaked (checked by ASan/valgrind). */
static void test_generate_oom(void **state)
{
    (void)state;
    gw_generate_opts o;
    gw_generate_opts_default(&o);
    o.n_las = 12;
    o.year_first = 2019;
    o.year_last = 2021;
    for (long k = 0;; k++) {
        gw_panel *p = NULL;
        gw_alloc_fail_after(k);
        gw_status s = gw_generate(&o, &p);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (!failed) {
            assert_int_equal(s, GW_OK);
            gw_panel_free(p);
            break;
        }
        assert_int_equal(s, GW_ENOMEM);
        assert_null(p);
    }
}
#endif

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generate_shape),
        cmocka_unit_test(test_generate_identifiers),
        cmocka_unit_test(test_generate_ranges),
        cmocka_unit_test(test_generate_deterministic),
        cmocka_unit_test(test_generate_fe_life_sat),
        cmocka_unit_test(test_generate_fe_autonomy),
        cmocka_unit_test(test_generate_sign_switch),
        cmocka_unit_test(test_generate_automation),
        cmocka_unit_test(test_generate_clusters_separable),
        cmocka_unit_test(test_generate_small),
        cmocka_unit_test(test_generate_invalid),
#ifdef GW_FAULT_INJECTION
        cmocka_unit_test(test_generate_oom),
#endif
    };
    return cmocka_run_group_tests_name("generate", tests, setup, teardown);
}
