/* test_ols.c -- gw_ols_fit against R and statsmodels on Grunfeld, and its edge cases.
 *
 * References: datasets/generated/grunfeld_ref.csv (R lm + sandwich, with the contract's
 * formulas computed by hand; scripts/ref/grunfeld_ref.R) and grunfeld_ref_statsmodels.csv
 * (scripts/ref/grunfeld_ref.py). The designs are built here by hand, with the columns R's
 * model.matrix makes, from datasets/grunfeld.csv. Tolerances (relative): estimates 1e-10,
 * standard errors and everything derived from a variance 1e-9, fit statistics 1e-10. The
 * Grunfeld data fit in one row block, so the blocked code paths are also checked against a
 * direct (unblocked) computation on 50,000 generated rows, and for thread independence. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"

/* ------------------------------------------------------------------------------------------ */
/* Data and references.                                                                       */

#define GRUNFELD_N 200
static double g_firm[GRUNFELD_N], g_year[GRUNFELD_N], g_inv[GRUNFELD_N], g_value[GRUNFELD_N],
    g_capital[GRUNFELD_N];

static gwt_ref_table ref_r, ref_sm;

static void load_grunfeld(void)
{
    FILE *f = fopen(gwt_source_path("datasets/grunfeld.csv"), "r");
    char line[256];
    size_t i = 0;
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    assert_string_equal(line, "firm,year,inv,value,capital\n");
    while (fgets(line, sizeof line, f) && i < GRUNFELD_N) {
        char *s = line;
        g_firm[i] = strtod(s, &s);
        g_year[i] = strtod(s + 1, &s);
        g_inv[i] = strtod(s + 1, &s);
        g_value[i] = strtod(s + 1, &s);
        g_capital[i] = strtod(s + 1, &s);
        i++;
    }
    fclose(f);
    assert_int_equal(i, GRUNFELD_N);
}

static int group_setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    load_grunfeld();
    gwt_ref_load("datasets/generated/grunfeld_ref.csv", &ref_r);
    gwt_ref_load("datasets/generated/grunfeld_ref_statsmodels.csv", &ref_sm);
    assert_true(ref_r.n > 100 && ref_sm.n > 100);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    gwt_print_worst_lre("R");
    gwt_ref_free(&ref_r);
    gwt_ref_free(&ref_sm);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Designs built by hand.                                                                     */

static void set_factor(gw_factor *f, const char *name, const double *v, const size_t *rows,
                       size_t n, double base)
{
    f->name = gw_strdup(name);
    f->codes = gw_alloc_array(n, sizeof(int32_t));
    assert_non_null(f->name);
    assert_non_null(f->codes);
    size_t maxc = 0;
    for (size_t i = 0; i < n; i++) {
        f->codes[i] = (int32_t)(v[rows[i]] - base);
        if ((size_t)f->codes[i] > maxc)
            maxc = (size_t)f->codes[i];
    }
    f->nlevels = maxc + 1;
}

/* Models of grunfeld_ref.R: "m1", "m1na", "wls", "tr", "noint". Clusters: firm, year. */
static gw_design *grunfeld_design(const char *model, int nclust, const char *c1, const char *c2)
{
    size_t rows[GRUNFELD_N], n = 0;
    const int na = strcmp(model, "m1na") == 0, tr = strcmp(model, "tr") == 0;
    const int noint = strcmp(model, "noint") == 0;
    for (size_t i = 0; i < GRUNFELD_N; i++)
        if (!(na && (i == 2 || i == 49 || i == 76 || i == 139)))
            rows[n++] = i;
    size_t p = tr ? 13 : noint ? 2 : 3;
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(n, p, &d), GW_OK);
    d->has_intercept = !noint;
    d->response = gw_strdup("inv");
    d->nobs_dropped_missing = GRUNFELD_N - n;
    for (size_t i = 0; i < n; i++) {
        size_t r = rows[i];
        d->y[i] = g_inv[r];
        if (tr) {
            d->X[i] = 1.0;
            d->X[n + i] = log(g_value[r]);
            d->X[2 * n + i] = g_capital[r];
            d->X[3 * n + i] = g_capital[r] * g_capital[r];
            for (size_t f = 2; f <= 10; f++)
                d->X[(f + 2) * n + i] = (g_firm[r] == (double)f) ? 1.0 : 0.0;
        } else {
            size_t c = 0;
            if (!noint)
                d->X[(c++) * n + i] = 1.0;
            d->X[(c++) * n + i] = g_value[r];
            d->X[c * n + i] = g_capital[r];
        }
    }
    const char *base[] = {"(Intercept)", "value", "capital"};
    if (tr) {
        const char *t[] = {"(Intercept)", "log(value)", "capital", "I(capital^2)"};
        for (size_t j = 0; j < 4; j++)
            d->terms[j] = gw_strdup(t[j]);
        for (size_t f = 2; f <= 10; f++) {
            char name[32];
            snprintf(name, sizeof name, "factor(firm)=%zu", f);
            d->terms[f + 2] = gw_strdup(name);
        }
    } else {
        for (size_t j = 0; j < p; j++)
            d->terms[j] = gw_strdup(base[j + (noint ? 1 : 0)]);
    }
    if (strcmp(model, "wls") == 0) {
        d->w = gw_alloc_array(n, sizeof(double));
        assert_non_null(d->w);
        for (size_t i = 0; i < n; i++)
            d->w[i] = g_capital[rows[i]];
    }
    if (nclust > 0) {
        d->cluster = gw_calloc((size_t)nclust, sizeof(gw_factor));
        d->ncluster = (size_t)nclust;
        const char *names[] = {c1, c2};
        for (int v = 0; v < nclust; v++) {
            int is_firm = strcmp(names[v], "firm") == 0;
            set_factor(&d->cluster[v], names[v], is_firm ? g_firm : g_year, rows, n,
                       is_firm ? 1.0 : 1935.0);
        }
    }
    return d;
}

/* Parse "iid", "hc2", "cluster:firm+year" into a kind and cluster names. */
static gw_vcov_kind parse_kind(const char *s, int *nclust, char *c1, char *c2)
{
    static const char *const names[] = {"iid", "hc0", "hc1", "hc2", "hc3"};
    *nclust = 0;
    for (int k = 0; k < 5; k++)
        if (strcmp(s, names[k]) == 0)
            return (gw_vcov_kind)k;
    assert_true(strncmp(s, "cluster:", 8) == 0);
    const char *plus = strchr(s + 8, '+');
    if (plus) {
        snprintf(c1, 32, "%.*s", (int)(plus - s - 8), s + 8);
        snprintf(c2, 32, "%s", plus + 1);
        *nclust = 2;
    } else {
        snprintf(c1, 32, "%s", s + 8);
        *nclust = 1;
    }
    return GW_VCOV_CLUSTER;
}

static double scalar_of(const gw_result *r, const char *what, int *found)
{
    *found = 1;
    if (!strcmp(what, "nobs"))
        return (double)r->nobs;
    if (!strcmp(what, "df_resid"))
        return r->df_resid;
    if (!strcmp(what, "df_inference"))
        return r->df_inference;
    if (!strcmp(what, "rss"))
        return r->rss;
    if (!strcmp(what, "tss"))
        return r->tss;
    if (!strcmp(what, "r2"))
        return r->r2;
    if (!strcmp(what, "adj_r2"))
        return r->adj_r2;
    if (!strcmp(what, "rmse"))
        return r->rmse;
    if (!strcmp(what, "loglik"))
        return r->loglik;
    if (!strcmp(what, "f_stat"))
        return r->f_stat;
    if (!strcmp(what, "f_df1"))
        return r->f_df1;
    if (!strcmp(what, "f_df2"))
        return r->f_df2;
    if (!strcmp(what, "f_p_value"))
        return r->f_p_value;
    *found = 0;
    return NAN;
}

/* Relative tolerances by quantity: estimates 1e-10; everything that goes through a variance
 * 1e-9; p-values 1e-8 (GSL's t and F tails against R's pt/pf, measured ~1e-11..1e-12 except
 * in the far tails); vcov entries relative to sqrt(Vii Vjj). */
static double rtol_of(const char *what)
{
    if (!strcmp(what, "estimate"))
        return 1e-10;
    if (!strcmp(what, "p_value") || !strcmp(what, "f_p_value"))
        return 1e-8;
    if (!strcmp(what, "std_error") || !strcmp(what, "statistic") || !strcmp(what, "ci_low") ||
        !strcmp(what, "ci_high") || !strcmp(what, "vcov") || !strcmp(what, "f_stat"))
        return 1e-9;
    return 1e-10;
}

/* Fit one (model, vcov) and compare every reference row of table t for it; returns the number
 * of rows compared. rscale multiplies the tolerances (statsmodels is checked more loosely). */
static size_t check_fit(const gwt_ref_table *t, const char *model, const char *vcov, double rscale,
                        int record)
{
    int nclust;
    char c1[32] = "", c2[32] = "";
    gw_ols_opts opts = {.vcov = parse_kind(vcov, &nclust, c1, c2)};
    gw_design *d = grunfeld_design(model, nclust, c1, c2);
    gw_result *r = NULL;
    gw_status st = gw_ols_fit(d, &opts, &r);
    if (st != GW_OK)
        fail_msg("%s/%s: %s (%s)", model, vcov, gw_status_str(st), gw_last_error());
    assert_string_equal(r->estimator, "ols");
    assert_string_equal(r->vcov_type, vcov);
    assert_int_equal(r->nobs_dropped_missing, strcmp(model, "m1na") == 0 ? 4 : 0);
    assert_int_equal(r->rank, r->k);
    assert_int_equal(r->ndropped, 0);
    assert_int_equal(r->iterations, 1);
    assert_int_equal(r->converged, 1);
    assert_int_equal(r->stat_is_z, 0);
    assert_non_null(r->solver);
    size_t compared = 0;
    for (size_t i = 0; i < t->n; i++) {
        const gwt_ref_row *rr = &t->rows[i];
        if (strcmp(rr->model, model) || strcmp(rr->vcov, vcov))
            continue;
        double rtol = rtol_of(rr->what) * rscale, actual, expected = rr->value, atol = 0.0;
        int found = 1;
        if (!strcmp(rr->what, "vcov")) {
            char a[64], *bar;
            snprintf(a, sizeof a, "%s", rr->term);
            bar = strchr(a, '|');
            assert_non_null(bar);
            *bar = '\0';
            size_t ia = gwt_term_index(r, a), ib = gwt_term_index(r, bar + 1), k = r->k;
            actual = r->vcov[ia + ib * k];
            atol = rtol * sqrt(r->vcov[ia + ia * k] * r->vcov[ib + ib * k]);
            rtol = 0.0;
        } else if (!strcmp(rr->what, "n_clusters")) {
            size_t v = (size_t)atoi(rr->term);
            assert_true(v < r->n_cluster_vars);
            actual = (double)r->n_clusters[v];
        } else if (rr->term[0] != '\0') {
            size_t j = gwt_term_index(r, rr->term);
            const double *arr = !strcmp(rr->what, "estimate")    ? r->estimate
                                : !strcmp(rr->what, "std_error") ? r->std_error
                                : !strcmp(rr->what, "statistic") ? r->statistic
                                : !strcmp(rr->what, "p_value")   ? r->p_value
                                : !strcmp(rr->what, "ci_low")    ? r->ci_low
                                : !strcmp(rr->what, "ci_high")   ? r->ci_high
                                                                 : NULL;
            if (arr == NULL)
                fail_msg("unknown quantity %s", rr->what);
            actual = arr[j];
        } else {
            actual = scalar_of(r, rr->what, &found);
            if (!found)
                fail_msg("unknown quantity %s", rr->what);
        }
        if (record && !strcmp(rr->what, "vcov"))
            gwt_note_lre("vcov", actual, expected);
        else if (record)
            gwt_note_lre(rr->what, actual, expected);
        if (isnan(expected)) {
            if (!isnan(actual))
                fail_msg("%s/%s %s %s: expected NaN, got %.17g", model, vcov, rr->what, rr->term,
                         actual);
        } else {
            double tol = atol + rtol * fabs(expected);
            if (!(fabs(actual - expected) <= tol))
                fail_msg("%s/%s %s %s: %.17g vs reference %.17g (rel %.2e)", model, vcov, rr->what,
                         rr->term, actual, expected, fabs(actual - expected) / fabs(expected));
        }
        compared++;
    }
    gw_result_free(r);
    gw_design_free(d);
    return compared;
}

static const struct {
    const char *model, *vcov;
} ref_fits[] = {
    {"m1", "iid"},
    {"m1", "hc0"},
    {"m1", "hc1"},
    {"m1", "hc2"},
    {"m1", "hc3"},
    {"m1", "cluster:firm"},
    {"m1", "cluster:firm+year"},
    {"m1", "cluster:year"},
    {"m1na", "iid"},
    {"m1na", "hc1"},
    {"m1na", "cluster:firm"},
    {"wls", "iid"},
    {"wls", "hc0"},
    {"wls", "hc1"},
    {"wls", "hc2"},
    {"wls", "hc3"},
    {"wls", "cluster:firm"},
    {"wls", "cluster:firm+year"},
    {"tr", "iid"},
    {"tr", "hc1"},
    {"tr", "hc3"},
    {"tr", "cluster:year"},
    {"noint", "iid"},
    {"noint", "hc1"},
    {"noint", "cluster:firm"},
};

static void run_ref(const char *model_prefix, const char *vcov_prefix)
{
    size_t total = 0;
    for (size_t i = 0; i < sizeof ref_fits / sizeof ref_fits[0]; i++)
        if (!strcmp(ref_fits[i].model, model_prefix) &&
            !strncmp(ref_fits[i].vcov, vcov_prefix, strlen(vcov_prefix))) {
            size_t c = check_fit(&ref_r, ref_fits[i].model, ref_fits[i].vcov, 1.0, 1);
            assert_true(c > 10);
            total += c;
        }
    assert_true(total > 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Reference tests.                                                                           */

static void test_ols_fit_grunfeld_iid(void **state)
{
    (void)state;
    run_ref("m1", "iid");
}

static void test_ols_fit_grunfeld_hc(void **state)
{
    (void)state;
    run_ref("m1", "hc");
}

static void test_ols_fit_grunfeld_cluster(void **state)
{
    (void)state;
    run_ref("m1", "cluster");
}

static void test_ols_fit_missing_rows(void **state)
{
    (void)state;
    run_ref("m1na", "");
}

static void test_ols_fit_weights(void **state)
{
    (void)state;
    run_ref("wls", "");
}

static void test_ols_fit_transforms_and_factor(void **state)
{
    (void)state;
    run_ref("tr", "");
}

static void test_ols_fit_no_intercept(void **state)
{
    (void)state;
    run_ref("noint", "");
}

/* statsmodels: estimates, SEs, r2, adj_r2, rss, loglik, F. statsmodels solves by a
 * pseudo-inverse and loses up to ~1e-9 on the "tr" design (exact rational arithmetic agrees
 * with R to 1e-14 there), and its robust F uses the pseudo-inverse too: checked at 100x the
 * R tolerances, F statistics of robust fits only for "m1". */
static void test_ols_fit_statsmodels(void **state)
{
    (void)state;
    gwt_ref_table sub = {malloc(ref_sm.n * sizeof(gwt_ref_row)), 0};
    assert_non_null(sub.rows);
    for (size_t i = 0; i < ref_sm.n; i++) {
        const gwt_ref_row *rr = &ref_sm.rows[i];
        int robust_f = strncmp(rr->what, "f_", 2) == 0 && strcmp(rr->vcov, "iid") != 0;
        if (robust_f && strcmp(rr->model, "m1") != 0)
            continue;
        sub.rows[sub.n++] = *rr;
    }
    size_t total = 0;
    for (size_t i = 0; i < sizeof ref_fits / sizeof ref_fits[0]; i++)
        total += check_fit(&sub, ref_fits[i].model, ref_fits[i].vcov, 100.0, 0);
    assert_true(total > 200);
    free(sub.rows);
}

/* ------------------------------------------------------------------------------------------ */
/* Collinearity, options, edge cases.                                                         */

/* A duplicated (rescaled) column is dropped and named; the fit equals the reference fit. */
static void test_ols_fit_collinear_dropped(void **state)
{
    (void)state;
    gw_design *d0 = grunfeld_design("m1", 1, "firm", NULL), *d = NULL;
    const size_t n = d0->n;
    assert_int_equal(gw_design_new(n, 4, &d), GW_OK);
    memcpy(d->X, d0->X, 3 * n * sizeof(double));
    memcpy(d->y, d0->y, n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        d->X[3 * n + i] = 2.0 * d0->X[n + i]; /* "dup" = 2 value */
    for (size_t j = 0; j < 3; j++)
        d->terms[j] = gw_strdup(d0->terms[j]);
    d->terms[3] = gw_strdup("dup");
    d->has_intercept = 1;
    d->cluster = d0->cluster;
    d->ncluster = 1;
    d0->cluster = NULL;
    d0->ncluster = 0;
    gw_ols_opts opts = {.vcov = GW_VCOV_CLUSTER};
    gw_result *r = NULL, *r0 = NULL;
    assert_int_equal(gw_ols_fit(d, &opts, &r), GW_OK);
    assert_int_equal(r->k, 3);
    assert_int_equal(r->rank, 3);
    assert_int_equal(r->ndropped, 1);
    /* R's convention (lm, dqrdc2): the LATER of two collinear columns is the one dropped. */
    const int dup_dropped = strcmp(r->dropped_collinear[0], "dup") == 0;
    assert_true(dup_dropped);
    if (!dup_dropped)
        assert_string_equal(r->dropped_collinear[0], "value");
    assert_string_equal(r->terms[0], "(Intercept)");
    assert_string_equal(r->terms[1], "value");
    assert_string_equal(r->terms[2], "capital");
    /* The kept one of value/dup carries the value coefficient (halved for dup). */
    gw_design_free(d0);
    d0 = grunfeld_design("m1", 1, "firm", NULL);
    assert_int_equal(gw_ols_fit(d0, &opts, &r0), GW_OK);
    for (size_t j = 0; j < 3; j++) {
        int is_dup = strcmp(r->terms[j], "dup") == 0;
        size_t j0 = gwt_term_index(r0, is_dup ? "value" : r->terms[j]);
        double s = is_dup ? 0.5 : 1.0;
        gw_assert_close(r->estimate[j], s * r0->estimate[j0], 1e-10, 0.0);
        gw_assert_close(r->std_error[j], s * r0->std_error[j0], 1e-9, 0.0);
    }
    gw_assert_close(r->r2, r0->r2, 1e-12, 0.0);
    gw_assert_close(r->f_stat, r0->f_stat, 1e-9, 0.0);
    assert_int_equal(r->n_clusters[0], 10);
    gw_result_free(r0);
    gw_result_free(r);
    gw_design_free(d0);
    gw_design_free(d);
}

/* Residuals and fitted values on request; conf_level; N == K gives NaN inference. */
static void test_ols_fit_options(void **state)
{
    (void)state;
    gw_design *d = grunfeld_design("m1", 0, NULL, NULL);
    gw_ols_opts opts = {.vcov = GW_VCOV_HC1,
                        .conf_level = 0.9,
                        .flags = GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED};
    gw_result *r = NULL;
    assert_int_equal(gw_ols_fit(d, &opts, &r), GW_OK);
    assert_non_null(r->residuals);
    assert_non_null(r->fitted);
    gw_assert_close(r->conf_level, 0.9, 0.0, 0.0);
    double crit = gsl_cdf_tdist_Qinv(0.05, 197.0), rss = 0.0;
    for (size_t j = 0; j < r->k; j++) {
        gw_assert_close(r->ci_low[j], r->estimate[j] - crit * r->std_error[j], 1e-14, 0.0);
        gw_assert_close(r->ci_high[j], r->estimate[j] + crit * r->std_error[j], 1e-14, 0.0);
    }
    for (size_t i = 0; i < d->n; i++) {
        gw_assert_close(r->residuals[i] + r->fitted[i], d->y[i], 1e-13, 1e-13);
        rss += r->residuals[i] * r->residuals[i];
    }
    gw_assert_close(rss, r->rss, 1e-12, 0.0);
    gw_result_free(r);
    /* Defaults (NULL opts): iid, no residuals kept. */
    assert_int_equal(gw_ols_fit(d, NULL, &r), GW_OK);
    assert_string_equal(r->vcov_type, "iid");
    assert_null(r->residuals);
    assert_null(r->fitted);
    gw_assert_close(r->conf_level, 0.95, 0.0, 0.0);
    gw_result_free(r);
    gw_design_free(d);

    /* Three observations, three coefficients: exact fit, every variance NaN. */
    assert_int_equal(gw_design_new(3, 3, &d), GW_OK);
    const double x1[] = {1.0, 2.0, 4.0}, x2[] = {3.0, -1.0, 0.5}, y[] = {2.0, 7.0, 1.0};
    for (size_t i = 0; i < 3; i++) {
        d->X[i] = 1.0;
        d->X[3 + i] = x1[i];
        d->X[6 + i] = x2[i];
        d->y[i] = y[i];
    }
    d->has_intercept = 1;
    d->terms[0] = gw_strdup("(Intercept)");
    d->terms[1] = gw_strdup("a");
    d->terms[2] = gw_strdup("b");
    for (int kind = GW_VCOV_IID; kind <= GW_VCOV_HC1; kind++) {
        opts = (gw_ols_opts){.vcov = (gw_vcov_kind)kind};
        assert_int_equal(gw_ols_fit(d, &opts, &r), GW_OK);
        assert_int_equal(r->k, 3);
        for (size_t j = 0; j < 3; j++) {
            assert_true(isfinite(r->estimate[j]));
            assert_true(isnan(r->std_error[j]));
            assert_true(isnan(r->p_value[j]));
        }
        assert_true(isnan(r->f_stat));
        assert_true(isnan(r->rmse));
        gw_assert_close(r->df_resid, 0.0, 0.0, 0.0);
        gw_result_free(r);
    }
    gw_design_free(d);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors, table-driven.                                                                      */

typedef enum {
    MUT_NONE,
    MUT_NULL_DESIGN,
    MUT_N0,
    MUT_P0,
    MUT_TERM_NULL,
    MUT_KIND,
    MUT_CONF_HIGH,
    MUT_CONF_NEG,
    MUT_CONF_NAN,
    MUT_NO_CLUSTER,
    MUT_CODE_RANGE,
    MUT_ONE_CLUSTER,
    MUT_THREE_CLUSTERS,
    MUT_FE,
    MUT_ENDOG,
    MUT_NAN_Y,
    MUT_ZERO_WEIGHT,
    MUT_STRICT_RANK,
    MUT_LEVERAGE_HC2,
    MUT_LEVERAGE_HC3
} mutation;

static const struct {
    const char *label;
    mutation mut;
    gw_vcov_kind kind;
    gw_status expected;
} error_cases[] = {
    {"NULL design", MUT_NULL_DESIGN, GW_VCOV_IID, GW_EINVAL},
    {"no observations", MUT_N0, GW_VCOV_IID, GW_ENODATA},
    {"no columns", MUT_P0, GW_VCOV_IID, GW_EDIM},
    {"unnamed term", MUT_TERM_NULL, GW_VCOV_IID, GW_EINVAL},
    {"unknown vcov kind", MUT_KIND, GW_VCOV_IID, GW_EINVAL},
    {"conf_level 1.5", MUT_CONF_HIGH, GW_VCOV_IID, GW_EINVAL},
    {"conf_level -0.1", MUT_CONF_NEG, GW_VCOV_IID, GW_EINVAL},
    {"conf_level NaN", MUT_CONF_NAN, GW_VCOV_IID, GW_EINVAL},
    {"cluster without variable", MUT_NO_CLUSTER, GW_VCOV_CLUSTER, GW_EINVAL},
    {"cluster code out of range", MUT_CODE_RANGE, GW_VCOV_CLUSTER, GW_EINVAL},
    {"a single cluster", MUT_ONE_CLUSTER, GW_VCOV_CLUSTER, GW_EINVAL},
    {"three cluster variables", MUT_THREE_CLUSTERS, GW_VCOV_CLUSTER, GW_EUNSUPPORTED},
    {"fixed effects declared but missing", MUT_FE, GW_VCOV_IID, GW_EINVAL},
    {"endogenous regressors", MUT_ENDOG, GW_VCOV_IID, GW_EUNSUPPORTED},
    {"NaN in y", MUT_NAN_Y, GW_VCOV_IID, GW_ENONFINITE},
    {"zero weight", MUT_ZERO_WEIGHT, GW_VCOV_IID, GW_EINVAL},
    {"strict rank, collinear", MUT_STRICT_RANK, GW_VCOV_IID, GW_ERANK},
    {"HC2 with leverage one", MUT_LEVERAGE_HC2, GW_VCOV_HC2, GW_EILLCOND},
    {"HC3 with leverage one", MUT_LEVERAGE_HC3, GW_VCOV_HC3, GW_EILLCOND},
};

static void test_ols_fit_errors(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof error_cases / sizeof error_cases[0]; c++) {
        const mutation mut = error_cases[c].mut;
        const int lev = mut == MUT_LEVERAGE_HC2 || mut == MUT_LEVERAGE_HC3;
        gw_design *d = NULL;
        if (lev) {
            /* Column 3 is a dummy of observation 17 alone: h_17 = 1. */
            gw_design *d0 = grunfeld_design("m1", 0, NULL, NULL);
            assert_int_equal(gw_design_new(d0->n, 4, &d), GW_OK);
            memcpy(d->X, d0->X, 3 * d0->n * sizeof(double));
            memcpy(d->y, d0->y, d0->n * sizeof(double));
            d->X[3 * d0->n + 17] = 1.0;
            for (size_t j = 0; j < 3; j++)
                d->terms[j] = gw_strdup(d0->terms[j]);
            d->terms[3] = gw_strdup("obs17");
            d->has_intercept = 1;
            gw_design_free(d0);
        } else {
            d = grunfeld_design(mut == MUT_ZERO_WEIGHT ? "wls" : "m1",
                                error_cases[c].kind == GW_VCOV_CLUSTER && mut != MUT_NO_CLUSTER
                                    ? (mut == MUT_THREE_CLUSTERS ? 2 : 1)
                                    : 0,
                                "firm", "year");
        }
        gw_ols_opts opts = {.vcov = error_cases[c].kind};
        size_t save_n = d->n, save_p = d->p;
        char *save_term = NULL;
        gw_factor *save_cluster = d->cluster;
        gw_factor three[3];
        switch (mut) {
        case MUT_N0:
            d->n = 0;
            break;
        case MUT_P0:
            d->p = 0;
            break;
        case MUT_TERM_NULL:
            save_term = d->terms[1];
            d->terms[1] = NULL;
            break;
        case MUT_KIND:
            opts.vcov = (gw_vcov_kind)99;
            break;
        case MUT_CONF_HIGH:
            opts.conf_level = 1.5;
            break;
        case MUT_CONF_NEG:
            opts.conf_level = -0.1;
            break;
        case MUT_CONF_NAN:
            opts.conf_level = NAN;
            break;
        case MUT_CODE_RANGE:
            d->cluster[0].codes[5] = (int32_t)d->cluster[0].nlevels;
            break;
        case MUT_ONE_CLUSTER:
            for (size_t i = 0; i < d->n; i++)
                d->cluster[0].codes[i] = 0;
            break;
        case MUT_THREE_CLUSTERS:
            three[0] = d->cluster[0];
            three[1] = d->cluster[1];
            three[2] = d->cluster[0];
            d->cluster = three;
            d->ncluster = 3;
            break;
        case MUT_FE:
            d->nfe = 1; /* d->fe stays NULL: the within path refuses the inconsistent design */
            break;
        case MUT_ENDOG:
            d->n_endog = 1;
            break;
        case MUT_NAN_Y:
            d->y[7] = NAN;
            break;
        case MUT_ZERO_WEIGHT:
            d->w[3] = 0.0;
            break;
        case MUT_STRICT_RANK:
            memcpy(d->X + 2 * d->n, d->X + d->n, d->n * sizeof(double));
            opts.ls.flags = GW_LS_STRICT_RANK;
            break;
        default:
            break;
        }
        gw_result *r = (gw_result *)&r; /* anything non-NULL: must be reset */
        gw_clear_error();
        gw_status st = gw_ols_fit(mut == MUT_NULL_DESIGN ? NULL : d, &opts, &r);
        if (st != error_cases[c].expected)
            fail_msg("%s: got %s (%s), expected %s", error_cases[c].label, gw_status_str(st),
                     gw_last_error(), gw_status_str(error_cases[c].expected));
        assert_null(r);
        assert_true(strlen(gw_last_error()) > 0);
        if (lev)
            assert_non_null(strstr(gw_last_error(), "observation 17 has leverage 1"));
        d->n = save_n;
        d->p = save_p;
        d->nfe = 0;
        d->n_endog = 0;
        if (save_term)
            d->terms[1] = save_term;
        if (mut == MUT_THREE_CLUSTERS) {
            d->cluster = save_cluster;
            d->ncluster = 2;
        }
        gw_design_free(d);
    }
    /* A NULL out pointer. */
    gw_clear_error();
    assert_int_equal(gw_ols_fit(NULL, NULL, NULL), GW_EINVAL);
    assert_true(strlen(gw_last_error()) > 0);
}

/* ------------------------------------------------------------------------------------------ */
/* Many blocks: direct computation and thread independence.                                   */

#define BIG_N 50000
#define BIG_P 6
#define BIG_G1 500
#define BIG_G2 37

/* Generated data: x_j ~ N(0,1) with a cluster effect in x_1, y with cluster effects, analytic
 * weights in [0.5, 2.5); cluster 1 at random (500 levels), cluster 2 = row mod 37. */
static gw_design *big_design(int weighted, int nclust)
{
    gw_design *d = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 20261128);
    assert_int_equal(gw_design_new(BIG_N, BIG_P, &d), GW_OK);
    double u[BIG_G1];
    for (size_t g = 0; g < BIG_G1; g++)
        u[g] = gsl_ran_gaussian(rng, 1.0);
    int32_t *c1 = gw_alloc_array(BIG_N, sizeof(int32_t));
    int32_t *c2 = gw_alloc_array(BIG_N, sizeof(int32_t));
    assert_non_null(c1);
    assert_non_null(c2);
    if (weighted) {
        d->w = gw_alloc_array(BIG_N, sizeof(double));
        assert_non_null(d->w);
    }
    for (size_t i = 0; i < BIG_N; i++) {
        int32_t g = (int32_t)gsl_rng_uniform_int(rng, BIG_G1);
        c1[i] = g;
        c2[i] = (int32_t)(i % BIG_G2);
        d->X[i] = 1.0;
        double yi = 1.0 + u[g] + gsl_ran_gaussian(rng, 1.0 + 0.5 * fabs(u[g]));
        for (size_t j = 1; j < BIG_P; j++) {
            double x = gsl_ran_gaussian(rng, 1.0) + (j == 1 ? u[g] : 0.0);
            d->X[j * BIG_N + i] = x;
            yi += 0.1 * (double)j * x;
        }
        d->y[i] = yi;
        if (weighted)
            d->w[i] = 0.5 + 2.0 * gsl_rng_uniform(rng);
    }
    gsl_rng_free(rng);
    for (size_t j = 0; j < BIG_P; j++) {
        char name[16];
        snprintf(name, sizeof name, j ? "x%zu" : "(Intercept)", j);
        d->terms[j] = gw_strdup(name);
    }
    d->has_intercept = 1;
    d->cluster = gw_calloc(2, sizeof(gw_factor));
    d->ncluster = (size_t)nclust;
    d->cluster[0] = (gw_factor){gw_strdup("g"), c1, BIG_G1};
    d->cluster[1] = (gw_factor){gw_strdup("h"), c2, BIG_G2};
    if (nclust < 2) {
        gw_factor_free_fields(&d->cluster[1]);
        if (nclust == 0) {
            gw_factor_free_fields(&d->cluster[0]);
            gw_free(d->cluster);
            d->cluster = NULL;
        }
    }
    return d;
}

/* Invert a small SPD matrix by Gauss-Jordan (test only; p <= BIG_P). */
static void invert_small(size_t p, const double *A, double *Ainv)
{
    double M[BIG_P][2 * BIG_P];
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < 2 * p; j++)
            M[i][j] = j < p ? A[i + j * p] : (j - p == i ? 1.0 : 0.0);
    for (size_t c = 0; c < p; c++) {
        double piv = M[c][c];
        for (size_t j = 0; j < 2 * p; j++)
            M[c][j] /= piv;
        for (size_t i = 0; i < p; i++)
            if (i != c) {
                double f = M[i][c];
                for (size_t j = 0; j < 2 * p; j++)
                    M[i][j] -= f * M[c][j];
            }
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            Ainv[i + j * p] = M[i][j + p];
}

/* The meat sum_g s_g s_g' by direct accumulation (row order) for codes over G groups. */
static void direct_cluster_meat(const gw_design *d, const double *e, const int32_t *codes, size_t G,
                                double *meat)
{
    const size_t n = d->n, p = d->p;
    double *S = calloc(G * p, sizeof(double));
    assert_non_null(S);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p; j++)
            S[(size_t)codes[i] * p + j] += (d->w ? d->w[i] : 1.0) * e[i] * d->X[j * n + i];
    memset(meat, 0, p * p * sizeof(double));
    for (size_t g = 0; g < G; g++)
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++)
                meat[a + b * p] += S[g * p + a] * S[g * p + b];
    free(S);
}

/* gw_ols_fit on 50,000 rows (13 blocks) against an unblocked textbook computation of every
 * estimator from the fit's own coefficients: checks the blocked meats, the hash-based cluster
 * scores across block boundaries, and the two-way intersection. */
static void test_ols_fit_blocked_matches_direct(void **state)
{
    (void)state;
    for (int weighted = 0; weighted <= 1; weighted++) {
        gw_design *d = big_design(weighted, 2);
        const size_t n = d->n, p = d->p, pp = p * p;
        double XtWX[BIG_P * BIG_P] = {0}, B[BIG_P * BIG_P], meat[BIG_P * BIG_P], V[BIG_P * BIG_P];
        double *e = malloc(n * sizeof(double)), *h = malloc(n * sizeof(double));
        assert_non_null(e);
        assert_non_null(h);
        for (size_t i = 0; i < n; i++) {
            double wi = d->w ? d->w[i] : 1.0;
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++)
                    XtWX[a + b * p] += wi * d->X[a * n + i] * d->X[b * n + i];
        }
        invert_small(p, XtWX, B);
        for (int kind = GW_VCOV_IID; kind <= GW_VCOV_CLUSTER; kind++)
            for (int ncl = 1; ncl <= (kind == GW_VCOV_CLUSTER ? 2 : 1); ncl++) {
                gw_ols_opts opts = {.vcov = (gw_vcov_kind)kind};
                gw_result *r = NULL;
                d->ncluster = (size_t)ncl;
                assert_int_equal(gw_ols_fit(d, &opts, &r), GW_OK);
                assert_int_equal(r->k, p);
                double rss = 0.0;
                for (size_t i = 0; i < n; i++) {
                    double f = 0.0, q = 0.0, wi = d->w ? d->w[i] : 1.0;
                    for (size_t j = 0; j < p; j++)
                        f += d->X[j * n + i] * r->estimate[j];
                    e[i] = d->y[i] - f;
                    rss += wi * e[i] * e[i];
                    for (size_t a = 0; a < p; a++)
                        for (size_t b = 0; b < p; b++)
                            q += d->X[a * n + i] * B[a + b * p] * d->X[b * n + i];
                    h[i] = wi * q;
                }
                double dfr = (double)(n - p);
                if (kind == GW_VCOV_IID) {
                    for (size_t j = 0; j < pp; j++)
                        V[j] = rss / dfr * B[j];
                } else {
                    if (kind == GW_VCOV_CLUSTER) {
                        double m1[BIG_P * BIG_P], m2[BIG_P * BIG_P], m12[BIG_P * BIG_P];
                        direct_cluster_meat(d, e, d->cluster[0].codes, BIG_G1, m1);
                        for (size_t j = 0; j < pp; j++)
                            meat[j] = (double)BIG_G1 / (BIG_G1 - 1) * m1[j];
                        if (ncl == 2) {
                            int32_t *c12 = malloc(n * sizeof(int32_t));
                            assert_non_null(c12);
                            for (size_t i = 0; i < n; i++)
                                c12[i] = d->cluster[0].codes[i] * BIG_G2 + d->cluster[1].codes[i];
                            direct_cluster_meat(d, e, d->cluster[1].codes, BIG_G2, m2);
                            direct_cluster_meat(d, e, c12, BIG_G1 * BIG_G2, m12);
                            /* Count the non-empty intersections. */
                            char *seen = calloc(BIG_G1 * BIG_G2, 1);
                            size_t G12 = 0;
                            for (size_t i = 0; i < n; i++)
                                if (!seen[c12[i]]) {
                                    seen[c12[i]] = 1;
                                    G12++;
                                }
                            free(seen);
                            free(c12);
                            for (size_t j = 0; j < pp; j++)
                                meat[j] += (double)BIG_G2 / (BIG_G2 - 1) * m2[j] -
                                           (double)G12 / (double)(G12 - 1) * m12[j];
                        }
                        for (size_t j = 0; j < pp; j++)
                            meat[j] *= (double)(n - 1) / dfr;
                    } else {
                        memset(meat, 0, sizeof meat);
                        for (size_t i = 0; i < n; i++) {
                            double u = (d->w ? d->w[i] : 1.0) * e[i];
                            if (kind == GW_VCOV_HC2)
                                u /= sqrt(1.0 - h[i]);
                            if (kind == GW_VCOV_HC3)
                                u /= 1.0 - h[i];
                            for (size_t a = 0; a < p; a++)
                                for (size_t b = 0; b < p; b++)
                                    meat[a + b * p] += u * u * d->X[a * n + i] * d->X[b * n + i];
                        }
                        if (kind == GW_VCOV_HC1)
                            for (size_t j = 0; j < pp; j++)
                                meat[j] *= (double)n / dfr;
                    }
                    double T[BIG_P * BIG_P] = {0};
                    memset(V, 0, sizeof V);
                    for (size_t a = 0; a < p; a++)
                        for (size_t b = 0; b < p; b++)
                            for (size_t c = 0; c < p; c++)
                                T[a + b * p] += B[a + c * p] * meat[c + b * p];
                    for (size_t a = 0; a < p; a++)
                        for (size_t b = 0; b < p; b++)
                            for (size_t c = 0; c < p; c++)
                                V[a + b * p] += T[a + c * p] * B[c + b * p];
                }
                for (size_t a = 0; a < p; a++)
                    for (size_t b = 0; b < p; b++)
                        gw_assert_close(r->vcov[a + b * p], V[a + b * p], 0.0,
                                        1e-9 * sqrt(V[a + a * p] * V[b + b * p]));
                if (kind == GW_VCOV_CLUSTER) {
                    assert_int_equal(r->n_clusters[0], BIG_G1);
                    gw_assert_close(r->df_inference, ncl == 2 ? BIG_G2 - 1 : BIG_G1 - 1, 0.0, 0.0);
                }
                gw_result_free(r);
            }
        free(h);
        free(e);
        d->ncluster = 2;
        gw_design_free(d);
    }
}

static void expect_same_bytes(const gw_result *a, const gw_result *b)
{
    const size_t k = a->k;
    assert_int_equal(a->k, b->k);
    assert_memory_equal(a->estimate, b->estimate, k * sizeof(double));
    assert_memory_equal(a->std_error, b->std_error, k * sizeof(double));
    assert_memory_equal(a->p_value, b->p_value, k * sizeof(double));
    assert_memory_equal(a->ci_low, b->ci_low, k * sizeof(double));
    assert_memory_equal(a->vcov, b->vcov, k * k * sizeof(double));
    const double sa[] = {a->r2, a->adj_r2, a->rss, a->tss, a->loglik, a->f_stat, a->rmse};
    const double sb[] = {b->r2, b->adj_r2, b->rss, b->tss, b->loglik, b->f_stat, b->rmse};
    assert_memory_equal(sa, sb, sizeof sa);
}

/* The same fit with 1 and 2 threads is bit-identical (style.md, Numerics). */
static void test_ols_fit_thread_independent(void **state)
{
    (void)state;
    const int saved = gw_threads_get();
    for (int weighted = 0; weighted <= 1; weighted++) {
        gw_design *d = big_design(weighted, 2);
        for (int kind = GW_VCOV_IID; kind <= GW_VCOV_CLUSTER; kind++)
            for (int ncl = 1; ncl <= (kind == GW_VCOV_CLUSTER ? 2 : 1); ncl++) {
                gw_ols_opts opts = {.vcov = (gw_vcov_kind)kind};
                gw_result *r1 = NULL, *r2 = NULL;
                d->ncluster = (size_t)ncl;
                gw_threads_set(1);
                assert_int_equal(gw_ols_fit(d, &opts, &r1), GW_OK);
                gw_threads_set(2);
                assert_int_equal(gw_ols_fit(d, &opts, &r2), GW_OK);
                expect_same_bytes(r1, r2);
                gw_result_free(r1);
                gw_result_free(r2);
            }
        d->ncluster = 2;
        gw_design_free(d);
    }
    gw_threads_set(saved);
}

/* A design of n rows with clusters laid out as `layout` (rows in panel order), and the same
 * design with its rows permuted at random (perm != 0), for the layout tests below.
 *   0  one-way, contiguous groups of sizes 1..53 after a first group of 10,000 rows (runs
 *      across block boundaries and a group spanning several blocks);
 *   1  two-way firm (contiguous, 5 rows) x year (row mod 5): every intersection a singleton;
 *   2  two-way firm (contiguous, 10 rows) x half (two runs of 5 per firm, 3 levels): the
 *      intersection contiguous but not singletons. */
static gw_design *layout_design(int layout, int perm, int weighted)
{
    const size_t n = 3 * 4096 + 1234, p = 4;
    gw_design *d = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 777 + (unsigned long)layout);
    assert_int_equal(gw_design_new(n, p, &d), GW_OK);
    size_t *pi = malloc(n * sizeof *pi);
    int32_t *c1 = gw_alloc_array(n, sizeof(int32_t)), *c2 = gw_alloc_array(n, sizeof(int32_t));
    assert_non_null(pi);
    assert_non_null(c1);
    assert_non_null(c2);
    for (size_t i = 0; i < n; i++)
        pi[i] = i;
    if (perm)
        gsl_ran_shuffle(rng, pi, n, sizeof *pi);
    int32_t g = 0;
    size_t left = 10000, size = 1;
    for (size_t i = 0; i < n; i++) {
        if (layout == 0) {
            if (left == 0) {
                g++;
                left = size;
                size = size % 53 + 1;
            }
            left--;
            c1[i] = g;
            c2[i] = 0;
        } else if (layout == 1) {
            c1[i] = (int32_t)(i / 5);
            c2[i] = (int32_t)(i % 5);
        } else {
            c1[i] = (int32_t)(i / 10);
            c2[i] = (int32_t)((i / 5) % 3);
        }
    }
    gsl_rng_set(rng, 99);
    double *X = malloc(n * p * sizeof *X), *y = malloc(n * sizeof *y), *w = malloc(n * sizeof *w);
    assert_non_null(X);
    assert_non_null(y);
    assert_non_null(w);
    for (size_t i = 0; i < n; i++) {
        double u = 0.3 * (double)(c1[i] % 17) - 2.0;
        X[i] = 1.0;
        y[i] = 1.0 + u + gsl_ran_gaussian(rng, 1.0);
        for (size_t j = 1; j < p; j++) {
            X[j * n + i] = gsl_ran_gaussian(rng, 1.0) + (j == 1 ? u : 0.0);
            y[i] += 0.2 * (double)j * X[j * n + i];
        }
        w[i] = 0.5 + gsl_rng_uniform(rng);
    }
    if (weighted)
        d->w = gw_alloc_array(n, sizeof(double));
    d->cluster = gw_calloc(2, sizeof(gw_factor));
    assert_non_null(d->cluster);
    d->cluster[0] =
        (gw_factor){gw_strdup("firm"), gw_alloc_array(n, sizeof(int32_t)), (size_t)c1[n - 1] + 1};
    d->cluster[1] = (gw_factor){gw_strdup("year"), gw_alloc_array(n, sizeof(int32_t)), 5};
    d->ncluster = layout == 0 ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t s = pi[i];
        for (size_t j = 0; j < p; j++)
            d->X[j * n + i] = X[j * n + s];
        d->y[i] = y[s];
        if (weighted)
            d->w[i] = w[s];
        d->cluster[0].codes[i] = c1[s];
        d->cluster[1].codes[i] = c2[s];
    }
    for (size_t j = 0; j < p; j++) {
        char name[16];
        snprintf(name, sizeof name, j ? "x%zu" : "(Intercept)", j);
        d->terms[j] = gw_strdup(name);
    }
    d->has_intercept = 1;
    free(X);
    free(y);
    free(w);
    free(pi);
    gw_free(c1);
    gw_free(c2);
    gsl_rng_free(rng);
    return d;
}

/* The fast paths for clusters in panel order (contiguous runs; singleton intersections as the
 * HC0 meat; contiguous intersections) give the variance of the general hashed path, which the
 * same data in shuffled row order takes; and they are bit-identical for 1 and 2 threads. */
static void test_ols_fit_cluster_layouts(void **state)
{
    (void)state;
    const int saved = gw_threads_get();
    for (int layout = 0; layout <= 2; layout++)
        for (int weighted = 0; weighted <= 1; weighted++) {
            gw_design *a = layout_design(layout, 0, weighted);
            gw_design *b = layout_design(layout, 1, weighted);
            gw_ols_opts o = {.vcov = GW_VCOV_CLUSTER};
            gw_result *ra = NULL, *rb = NULL, *r2 = NULL;
            gw_threads_set(1);
            assert_int_equal(gw_ols_fit(a, &o, &ra), GW_OK);
            assert_int_equal(gw_ols_fit(b, &o, &rb), GW_OK);
            gw_threads_set(2);
            assert_int_equal(gw_ols_fit(a, &o, &r2), GW_OK);
            expect_same_bytes(ra, r2);
            assert_int_equal(ra->k, rb->k);
            assert_int_equal(ra->n_clusters[0], rb->n_clusters[0]);
            for (size_t j = 0; j < ra->k; j++) {
                gw_assert_close(ra->estimate[j], rb->estimate[j], 1e-10, 0.0);
                for (size_t i = 0; i < ra->k; i++)
                    gw_assert_close(ra->vcov[i + j * ra->k], rb->vcov[i + j * ra->k], 0.0,
                                    1e-9 * ra->std_error[i] * ra->std_error[j]);
            }
            gw_assert_close(ra->r2, rb->r2, 1e-12, 0.0);
            gw_result_free(ra);
            gw_result_free(rb);
            gw_result_free(r2);
            a->ncluster = b->ncluster = 2; /* both factors are allocated */
            gw_design_free(a);
            gw_design_free(b);
        }
    gw_threads_set(saved);
}

#ifdef GW_FAULT_INJECTION
/* Every allocation failure gives GW_ENOMEM, *out NULL, and no leak (under ASan). */
static void test_ols_fit_out_of_memory(void **state)
{
    (void)state;
    gw_design *d = grunfeld_design("wls", 2, "firm", "year");
    gw_ols_opts opts = {.vcov = GW_VCOV_CLUSTER, .flags = GW_OLS_KEEP_RESIDUALS};
    for (long k = 0; k < 10000; k++) {
        gw_result *r = NULL;
        gw_alloc_fail_after(k);
        gw_status st = gw_ols_fit(d, &opts, &r);
        gw_alloc_fail_after(-1);
        if (st == GW_OK) {
            gw_result_free(r);
            break;
        }
        assert_int_equal(st, GW_ENOMEM);
        assert_null(r);
    }
    gw_design_free(d);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ols_fit_grunfeld_iid),
        cmocka_unit_test(test_ols_fit_grunfeld_hc),
        cmocka_unit_test(test_ols_fit_grunfeld_cluster),
        cmocka_unit_test(test_ols_fit_missing_rows),
        cmocka_unit_test(test_ols_fit_weights),
        cmocka_unit_test(test_ols_fit_transforms_and_factor),
        cmocka_unit_test(test_ols_fit_no_intercept),
        cmocka_unit_test(test_ols_fit_statsmodels),
        cmocka_unit_test(test_ols_fit_collinear_dropped),
        cmocka_unit_test(test_ols_fit_options),
        cmocka_unit_test(test_ols_fit_errors),
        cmocka_unit_test(test_ols_fit_blocked_matches_direct),
        cmocka_unit_test(test_ols_fit_thread_independent),
        cmocka_unit_test(test_ols_fit_cluster_layouts),
#ifdef GW_FAULT_INJECTION
        cmocka_unit_test(test_ols_fit_out_of_memory),
#endif
    };
    return cmocka_run_group_tests_name("ols", tests, group_setup, group_teardown);
}
