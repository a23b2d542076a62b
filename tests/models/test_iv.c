/* test_iv.c -- 2SLS (models/iv/gw_iv.h) against R AER::ivreg + sandwich and hand-coded ivreg2
 * statistics (datasets/generated/iv_ref.csv, made by scripts/ref/iv_ref.R): the cigarette
 * demand data of Stock and Watson (AER's CigarettesSW) and a generated panel with firm effects
 * (absorbed here, dummy variables in R). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gw_test.h"

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_iv.h"
#include "gw_par.h"

/* ---- the reference table ---- */
static double ref(const char *model, const char *vcov, const char *quantity, const char *term)
{
    return gwt_ref_file("datasets/generated/iv_ref.csv", model, vcov, quantity, term);
}

/* ---- designs ---- */
static gw_design *design(const char *csv, const char *formula, const char *cluster)
{
    return gwt_design_csv(csv, formula, NULL, cluster);
}

/* Largest relative difference seen per quantity, printed at the end (the report's numbers). */
static double maxrel[8];
static const char *const qnames[8] = {"estimate", "std_error", "fs_f",    "wu_hausman",
                                      "overid",   "cd_f",      "kp_f/lm", "partial_r2"};

static void check(double got, double want, double rtol, int qi)
{
    double rel = fabs(got - want) / fabs(want);
    if (rel > maxrel[qi])
        maxrel[qi] = rel;
    gw_assert_close(got, want, rtol, 0.0);
}

/* Coefficients and standard errors; R names the intercept "(Intercept)" as goodwork does. */
static void check_coefs(const gw_result *r, const char *model, const char *vc,
                        const char *const *gw_terms, const char *const *r_terms, size_t k,
                        double rtol)
{
    for (size_t j = 0; j < k; j++) {
        size_t i = gwt_term_index(r, gw_terms[j]);
        check(r->estimate[i], ref(model, vc, "estimate", r_terms[j]), rtol, 0);
        check(r->std_error[i], ref(model, vc, "std_error", r_terms[j]), rtol, 1);
    }
}

static gw_result *fit(const gw_design *d, gw_vcov_kind kind)
{
    gw_ols_opts o = {0};
    o.vcov = kind;
    gw_result *r = NULL;
    gw_status s = gw_iv_fit(d, &o, &r);
    if (s != GW_OK)
        fail_msg("gw_iv_fit: %s: %s", gw_status_str(s), gw_last_error());
    return r;
}

/* ---- the 1995 cross-section ---- */
static void test_iv_fit_cigarettes_1995(void **state)
{
    (void)state;
    gw_design *d =
        design("datasets/cigarettes_sw.csv", "lpacks95 ~ lrincome | lrprice ~ tdiff + rtax", NULL);
    assert_int_equal(d->n, 48);
    static const char *const gt[] = {"(Intercept)", "lrincome", "lrprice"};
    static const struct {
        const char *name;
        gw_vcov_kind kind;
    } vc[] = {{"iid", GW_VCOV_IID},
              {"hc0", GW_VCOV_HC0},
              {"hc1", GW_VCOV_HC1},
              {"hc2", GW_VCOV_HC2},
              {"hc3", GW_VCOV_HC3}};
    for (size_t v = 0; v < sizeof vc / sizeof vc[0]; v++) {
        gw_result *r = fit(d, vc[v].kind);
        assert_string_equal(r->estimator, "2sls");
        assert_string_equal(r->vcov_type, vc[v].name);
        assert_int_equal(r->n_endog, 1);
        assert_int_equal(r->n_inst, 2);
        assert_int_equal(r->nobs_dropped_missing, 48);
        check_coefs(r, "cig95", vc[v].name, gt, gt, 3, 1e-9);
        check(r->fs_f[0], ref("cig95", vc[v].name, "fs_f", "Weak instruments"), 1e-9, 2);
        check(r->endog_stat, ref("cig95", vc[v].name, "wu_hausman", ""), 1e-9, 3);
        gw_assert_close(r->endog_df2, ref("cig95", vc[v].name, "wu_hausman_df2", ""), 0.0, 0.0);
        assert_non_null(r->first_stage);
        assert_non_null(r->first_stage[0]);
        if (vc[v].kind == GW_VCOV_IID) {
            assert_string_equal(r->overid_test, "sargan");
            check(r->overid_stat, ref("cig95", "iid", "sargan_aer", ""), 1e-9, 4);
            check(r->cd_f, ref("cig95", "iid", "cd_f", ""), 1e-9, 5);
            check(r->kp_lm, ref("cig95", "iid", "anderson_lm", ""), 1e-9, 6);
            check(r->fs_partial_r2[0], ref("cig95", "iid", "partial_r2", "1"), 1e-9, 7);
            check(r->rss, ref("cig95", "iid", "rss", ""), 1e-10, 0);
            check(r->r2, ref("cig95", "iid", "r2", ""), 1e-10, 0);
            assert_true(isnan(r->kp_f));
            gw_assert_close(r->overid_df, 1.0, 0.0, 0.0);
        }
        if (vc[v].kind == GW_VCOV_HC1) {
            assert_string_equal(r->overid_test, "hansen");
            check(r->overid_stat, ref("cig95", "hc1", "overid", ""), 1e-9, 4);
            check(r->cd_f, ref("cig95", "hc1", "cd_f", ""), 1e-9, 5);
            check(r->kp_f, ref("cig95", "hc1", "kp_f", ""), 1e-9, 6);
            check(r->kp_lm, ref("cig95", "hc1", "kp_lm", ""), 1e-9, 6);
            /* one endogenous regressor: KP F is the robust first-stage F */
            gw_assert_close(r->kp_f, r->fs_f[0], 1e-10, 0.0);
        }
        gw_result_free(r);
    }
    gw_design_free(d);
}

/* ---- both years, clustered by state ---- */
static void test_iv_fit_cigarettes_cluster(void **state)
{
    (void)state;
    gw_design *d =
        design("datasets/cigarettes_sw.csv", "lpacks ~ lrincome | lrprice ~ tdiff + rtax", "state");
    static const char *const gt[] = {"(Intercept)", "lrincome", "lrprice"};
    gw_result *r = fit(d, GW_VCOV_IID);
    check_coefs(r, "cigpanel", "iid", gt, gt, 3, 1e-9);
    check(r->fs_f[0], ref("cigpanel", "iid", "fs_f", "Weak instruments"), 1e-9, 2);
    check(r->endog_stat, ref("cigpanel", "iid", "wu_hausman", ""), 1e-9, 3);
    check(r->overid_stat, ref("cigpanel", "iid", "sargan_aer", ""), 1e-8, 4);
    gw_result_free(r);
    r = fit(d, GW_VCOV_CLUSTER);
    assert_string_equal(r->vcov_type, "cluster:state");
    assert_int_equal(r->n_clusters[0], 48);
    gw_assert_close(r->df_inference, 47.0, 0.0, 0.0);
    check_coefs(r, "cigpanel", "cluster:state", gt, gt, 3, 1e-9);
    check(r->fs_f[0], ref("cigpanel", "cluster:state", "fs_f", "Weak instruments"), 1e-9, 2);
    check(r->endog_stat, ref("cigpanel", "cluster:state", "wu_hausman", ""), 1e-9, 3);
    check(r->overid_stat, ref("cigpanel", "cluster:state", "overid", ""), 1e-8, 4);
    check(r->cd_f, ref("cigpanel", "cluster:state", "cd_f", ""), 1e-9, 5);
    check(r->kp_f, ref("cigpanel", "cluster:state", "kp_f", ""), 1e-9, 6);
    check(r->kp_lm, ref("cigpanel", "cluster:state", "kp_lm", ""), 1e-9, 6);
    check(r->fs_partial_r2[0], ref("cigpanel", "cluster:state", "partial_r2", "1"), 1e-9, 7);
    gw_result_free(r);
    gw_design_free(d);
}

/* ---- firm effects absorbed = dummies in R ---- */
static void test_iv_fit_fe_equals_dummies(void **state)
{
    (void)state;
    static const char *const gt[] = {"x1", "d1", "d2"};
    static const struct {
        const char *name;
        gw_vcov_kind kind;
        const char *cl;
    } vc[] = {{"iid", GW_VCOV_IID, NULL},
              {"hc1", GW_VCOV_HC1, NULL},
              {"hc2", GW_VCOV_HC2, NULL},
              {"hc3", GW_VCOV_HC3, NULL},
              {"cluster:firm", GW_VCOV_CLUSTER, "firm"}};
    for (size_t v = 0; v < sizeof vc / sizeof vc[0]; v++) {
        gw_design *d = design("datasets/generated/iv_ref_fe_data.csv",
                              "y ~ x1 | firm | d1 + d2 ~ z1 + z2 + z3", vc[v].cl);
        gw_result *r = fit(d, vc[v].kind);
        assert_int_equal(r->nfe, 1);
        assert_int_equal(r->fixed_effects[0].levels, 60);
        assert_int_equal(r->n_endog, 2);
        check_coefs(r, "fe", vc[v].name, gt, gt, 3, 1e-8);
        /* Kleibergen-Paap and J are ivreg2's robust ones for every HC variant */
        const char *vs =
            (vc[v].kind == GW_VCOV_HC2 || vc[v].kind == GW_VCOV_HC3) ? "hc1" : vc[v].name;
        check(r->cd_f, ref("fe", vs, "cd_f", ""), 1e-8, 5);
        check(r->fs_partial_r2[0], ref("fe", vs, "partial_r2", "1"), 1e-8, 7);
        check(r->fs_partial_r2[1], ref("fe", vs, "partial_r2", "2"), 1e-8, 7);
        if (vc[v].kind != GW_VCOV_CLUSTER) {
            check(r->fs_f[0], ref("fe", vc[v].name, "fs_f", "Weak instruments (d1)"), 1e-8, 2);
            check(r->fs_f[1], ref("fe", vc[v].name, "fs_f", "Weak instruments (d2)"), 1e-8, 2);
            check(r->endog_stat, ref("fe", vc[v].name, "wu_hausman", ""), 1e-8, 3);
        }
        if (vc[v].kind == GW_VCOV_IID) {
            check(r->overid_stat, ref("fe", "iid", "sargan_aer", ""), 1e-8, 4);
            check(r->kp_lm, ref("fe", "iid", "anderson_lm", ""), 1e-8, 6);
            check(r->rss, ref("fe", "iid", "rss", ""), 1e-9, 0);
        } else {
            check(r->overid_stat, ref("fe", vs, "overid", ""), 1e-8, 4);
            check(r->kp_f, ref("fe", vs, "kp_f", ""), 1e-8, 6);
            check(r->kp_lm, ref("fe", vs, "kp_lm", ""), 1e-8, 6);
        }
        gw_result_free(r);
        gw_design_free(d);
    }
}

/* ---- the same bytes for 1 and 2 threads ---- */
static void test_iv_fit_threads_bitwise(void **state)
{
    (void)state;
    gw_design *d = design("datasets/generated/iv_ref_fe_data.csv",
                          "y ~ x1 | firm | d1 + d2 ~ z1 + z2 + z3", "firm");
    gw_threads_set(1);
    gw_result *a = fit(d, GW_VCOV_CLUSTER);
    gw_threads_set(2);
    gw_result *b = fit(d, GW_VCOV_CLUSTER);
    assert_memory_equal(a->estimate, b->estimate, a->k * sizeof(double));
    assert_memory_equal(a->vcov, b->vcov, a->k * a->k * sizeof(double));
    assert_memory_equal(&a->kp_f, &b->kp_f, sizeof(double));
    assert_memory_equal(&a->overid_stat, &b->overid_stat, sizeof(double));
    gw_result_free(a);
    gw_result_free(b);
    gw_design_free(d);
}

/* ---- many row blocks: bit-identical for 1 and 2 threads, two-way clusters, FE ---- */

/* A synthetic IV design of n rows: y ~ 1 + x | firm? | d ~ z1 + z2, cluster by firm and year. */
static gw_design *synthetic(size_t n, int with_fe)
{
    gw_design *d = NULL;
    const size_t p = with_fe ? 2 : 3;
    assert_int_equal(gw_design_new(n, p, &d), GW_OK);
    uint64_t s = 88172645463325252u;
    double *u = malloc(6 * sizeof(double));
    assert_non_null(u);
    d->q = 2;
    d->n_endog = 1;
    d->Z = gw_alloc_array(n * 2, sizeof(double));
    d->inst_terms = gw_calloc(2, sizeof(char *));
    d->cluster = gw_calloc(2, sizeof(gw_factor));
    assert_non_null(d->Z);
    assert_non_null(d->inst_terms);
    assert_non_null(d->cluster);
    d->ncluster = 2;
    d->cluster[0].name = gw_strdup("firm");
    d->cluster[1].name = gw_strdup("year");
    d->cluster[0].codes = gw_alloc_array(n, sizeof(int32_t));
    d->cluster[1].codes = gw_alloc_array(n, sizeof(int32_t));
    d->cluster[0].nlevels = n / 10;
    d->cluster[1].nlevels = 10;
    d->inst_terms[0] = gw_strdup("z1");
    d->inst_terms[1] = gw_strdup("z2");
    d->response = gw_strdup("y");
    size_t c = 0;
    if (!with_fe)
        d->terms[c++] = gw_strdup("(Intercept)");
    d->terms[c++] = gw_strdup("x");
    d->terms[c++] = gw_strdup("d");
    d->has_intercept = !with_fe;
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 6; k++) { /* xorshift64* uniforms, centred */
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            u[k] = (double)((s * 2685821657736338717u) >> 11) * 0x1.0p-53 - 0.5;
        }
        const int32_t firm = (int32_t)(i / 10), year = (int32_t)(i % 10);
        const double a = (double)(firm % 7) * 0.3, x = u[0], z1 = u[1], z2 = u[2];
        const double e = u[3], dd = z1 + 0.5 * z2 + 0.3 * x + a + 0.5 * e + u[4];
        d->cluster[0].codes[i] = firm;
        d->cluster[1].codes[i] = year;
        c = 0;
        if (!with_fe)
            d->X[c++ * n + i] = 1.0;
        d->X[c++ * n + i] = x;
        d->X[c++ * n + i] = dd;
        d->Z[i] = z1;
        d->Z[n + i] = z2;
        d->y[i] = 1.0 + 0.5 * x - dd + 2.0 * a + e + 0.1 * u[5];
    }
    free(u);
    if (with_fe) {
        d->fe = gw_calloc(1, sizeof(gw_factor));
        assert_non_null(d->fe);
        d->nfe = 1;
        d->fe[0].name = gw_strdup("firm");
        d->fe[0].codes = gw_alloc_array(n, sizeof(int32_t));
        memcpy(d->fe[0].codes, d->cluster[0].codes, n * sizeof(int32_t));
        d->fe[0].nlevels = n / 10;
    }
    return d;
}

static void same_bits(const gw_result *a, const gw_result *b)
{
    assert_int_equal(a->k, b->k);
    assert_memory_equal(a->estimate, b->estimate, a->k * sizeof(double));
    assert_memory_equal(a->vcov, b->vcov, a->k * a->k * sizeof(double));
    const double va[] = {a->fs_f[0],     a->cd_f,       a->kp_f, a->kp_lm,
                         a->overid_stat, a->endog_stat, a->rss},
                 vb[] = {b->fs_f[0],     b->cd_f,       b->kp_f, b->kp_lm,
                         b->overid_stat, b->endog_stat, b->rss};
    assert_memory_equal(va, vb, sizeof va);
}

static void test_iv_fit_threads_many_blocks(void **state)
{
    (void)state;
    static const gw_vcov_kind kinds[] = {GW_VCOV_IID, GW_VCOV_HC1, GW_VCOV_HC3, GW_VCOV_CLUSTER};
    for (int fe = 0; fe < 2; fe++) {
        gw_design *d = synthetic(20000, fe);
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            for (size_t ncl = 1; ncl <= (kinds[k] == GW_VCOV_CLUSTER ? 2u : 1u); ncl++) {
                d->ncluster = ncl;
                gw_ols_opts o = {0};
                o.vcov = kinds[k];
                gw_result *a = NULL, *b = NULL;
                gw_threads_set(1);
                assert_int_equal(gw_iv_fit(d, &o, &a), GW_OK);
                gw_threads_set(2);
                assert_int_equal(gw_iv_fit(d, &o, &b), GW_OK);
                same_bits(a, b);
                /* the true slope of d is -1 */
                gw_assert_close(a->estimate[a->k - 1], -1.0, 0.0, 0.05);
                if (kinds[k] == GW_VCOV_CLUSTER && ncl == 2)
                    assert_true(isnan(a->kp_f)); /* documented: not for two-way clusters */
                gw_result_free(a);
                gw_result_free(b);
            }
        d->ncluster = 2;
        gw_design_free(d);
    }
}

/* A singleton firm is dropped and counted; with --keep-singletons it stays (same slopes). */
static void test_iv_fit_fe_singleton(void **state)
{
    (void)state;
    gw_design *d = synthetic(2000, 1);
    d->fe[0].codes[1999] = (int32_t)d->fe[0].nlevels; /* a firm of one row */
    d->fe[0].nlevels++;
    d->ncluster = 1;
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_CLUSTER;
    gw_result *a = NULL, *b = NULL;
    assert_int_equal(gw_iv_fit(d, &o, &a), GW_OK);
    assert_int_equal(a->nobs, 1999);
    assert_int_equal(a->singletons_dropped, 1);
    assert_int_equal(a->fixed_effects[0].levels, 200);
    o.flags = GW_OLS_KEEP_SINGLETONS;
    assert_int_equal(gw_iv_fit(d, &o, &b), GW_OK);
    assert_int_equal(b->nobs, 2000);
    assert_int_equal(b->singletons_dropped, 0);
    for (size_t j = 0; j < a->k; j++)
        gw_assert_close(b->estimate[j], a->estimate[j], 1e-10, 0.0);
    gw_result_free(a);
    gw_result_free(b);
    d->ncluster = 2;
    gw_design_free(d);
}

/* ---- failures ---- */
static void test_iv_fit_errors(void **state)
{
    (void)state;
    gw_result *r = (gw_result *)(uintptr_t)1;
    assert_int_equal(gw_iv_fit(NULL, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_int_equal(gw_iv_fit(NULL, NULL, NULL), GW_EINVAL);
    /* two endogenous, one instrument: underidentified */
    gw_design *d = design("datasets/generated/iv_ref_fe_data.csv", "y ~ x1 | d1 + d2 ~ z1", NULL);
    r = (gw_result *)(uintptr_t)1;
    assert_int_equal(gw_iv_fit(d, NULL, &r), GW_EINVAL);
    assert_null(r);
    assert_true(strstr(gw_last_error(), "underidentified") != NULL);
    gw_design_free(d);
    /* an instrument that duplicates an exogenous regressor is dropped: underidentified then */
    d = design("datasets/generated/iv_ref_fe_data.csv", "y ~ x1 | d1 ~ x1", NULL);
    assert_int_equal(gw_iv_fit(d, NULL, &r), GW_ERANK);
    assert_null(r);
    assert_true(gw_last_error()[0] != '\0');
    gw_design_free(d);
    /* one of two instruments collinear: dropped and reported, just identified */
    d = design("datasets/generated/iv_ref_fe_data.csv", "y ~ x1 | d1 ~ z1 + x1", NULL);
    assert_int_equal(gw_iv_fit(d, NULL, &r), GW_OK);
    assert_int_equal(r->n_inst, 1);
    assert_int_equal(r->ndropped, 1);
    assert_string_equal(r->dropped_collinear[0], "x1");
    assert_true(isnan(r->overid_stat));
    gw_result_free(r);
    /* HC3 with two absorbed sets: unsupported */
    gw_design_free(d);
    d = design("datasets/generated/iv_ref_fe_data.csv", "y ~ x1 | firm + year | d1 ~ z1", NULL);
    gw_ols_opts o = {0};
    o.vcov = GW_VCOV_HC3;
    assert_int_equal(gw_iv_fit(d, &o, &r), GW_EUNSUPPORTED);
    assert_null(r);
    gw_design_free(d);
}

/* Every status of gw_iv_fit's header that a design can provoke, with a message and *out NULL. */
static void test_iv_fit_status_table(void **state)
{
    (void)state;
    gw_design *d = synthetic(200, 0);
    static const struct {
        const char *label;
        int what;
        gw_vcov_kind kind;
        gw_status want;
    } cases[] = {
        {"no endogenous", 1, GW_VCOV_IID, GW_EINVAL},
        {"conf_level 2", 3, GW_VCOV_IID, GW_EINVAL},
        {"cluster without variables", 4, GW_VCOV_CLUSTER, GW_EINVAL},
        {"no rows", 5, GW_VCOV_IID, GW_ENODATA},
        {"unknown vcov", 0, (gw_vcov_kind)99, GW_EINVAL},
        {"ok", 0, GW_VCOV_HC2, GW_OK},
    };
    double *w = gw_alloc_array(200, sizeof(double));
    assert_non_null(w);
    for (size_t i = 0; i < 200; i++)
        w[i] = 1.0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_ols_opts o = {0};
        o.vcov = cases[c].kind;
        switch (cases[c].what) {
        case 1:
            d->n_endog = 0;
            break;
        case 2:
            d->w = w;
            break;
        case 3:
            o.conf_level = 2.0;
            break;
        case 4:
            d->ncluster = 0;
            break;
        case 5:
            d->n = 0;
            break;
        default:
            break;
        }
        gw_result *r = (gw_result *)(uintptr_t)1;
        gw_status s = gw_iv_fit(d, &o, &r);
        d->n_endog = 1;
        d->w = NULL;
        d->ncluster = 2;
        d->n = 200;
        if (s != cases[c].want)
            fail_msg("%s: %s (%s), want %s", cases[c].label, gw_status_str(s), gw_last_error(),
                     gw_status_str(cases[c].want));
        if (s != GW_OK) {
            assert_null(r);
            assert_true(gw_last_error()[0] != '\0');
        } else {
            assert_string_equal(r->vcov_type, "hc2");
            gw_result_free(r);
        }
    }
    gw_free(w);
    gw_design_free(d);
}

static int report(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++)
        printf("# max rel diff %-11s %.3g (LRE %.1f)\n", qnames[i], maxrel[i],
               maxrel[i] > 0 ? -log10(maxrel[i]) : 17.0);
    return 0;
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iv_fit_cigarettes_1995),
        cmocka_unit_test(test_iv_fit_cigarettes_cluster),
        cmocka_unit_test(test_iv_fit_fe_equals_dummies),
        cmocka_unit_test(test_iv_fit_threads_bitwise),
        cmocka_unit_test(test_iv_fit_threads_many_blocks),
        cmocka_unit_test(test_iv_fit_fe_singleton),
        cmocka_unit_test(test_iv_fit_errors),
        cmocka_unit_test(test_iv_fit_status_table),
    };
    return cmocka_run_group_tests_name("iv", tests, NULL, report);
}
