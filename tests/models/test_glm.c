/* test_glm.c -- gw_glm_fit (models/glm/gw_glm.h): logit, probit and Poisson against R and
 * statsmodels.
 *
 * References: datasets/generated/glm_ref.csv (R glm with epsilon 1e-14 + sandwich; AMEs by the
 * delta method, hand-coded; scripts/ref/glm_ref.R) and glm_ref_statsmodels.csv
 * (scripts/ref/glm_ref.py). Data: datasets/psid1976.csv (AER PSID1976, Mroz) and
 * datasets/doctorvisits.csv (AER DoctorVisits), both written by glm_ref.R. Designs are built by
 * the model frame (io/gw_frame.h) from the same CSV files, so both sides see the same numbers.
 * The worst agreement per quantity (LRE, digits) is printed at the end. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_design.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_glm.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_table.h"
#include "gw_test.h"

/* ------------------------------------------------------------------------------------------ */
/* References.                                                                                */

static gwt_ref_table ref_r, ref_sm;
static gw_table *t_psid, *t_dv;

static int group_setup(void **state)
{
    (void)state;
    gsl_set_error_handler_off();
    gwt_ref_load("datasets/generated/glm_ref.csv", &ref_r);
    gwt_ref_load("datasets/generated/glm_ref_statsmodels.csv", &ref_sm);
    assert_true(ref_r.n > 100 && ref_sm.n > 100);
    if (gw_csv_read_file(gwt_source_path("datasets/psid1976.csv"), NULL, &t_psid) != GW_OK ||
        gw_csv_read_file(gwt_source_path("datasets/doctorvisits.csv"), NULL, &t_dv) != GW_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    gwt_print_worst_lre("R");
    gwt_ref_free(&ref_r);
    gwt_ref_free(&ref_sm);
    gw_table_free(t_psid);
    gw_table_free(t_dv);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Fitting helpers.                                                                           */

static const char *const F_LFP = "participation ~ nwifeinc + education + experience + "
                                 "I(experience^2) + age + youngkids + oldkids";
static const char *const F_FAC = "participation ~ education + age + factor(kidcat) + city";
static const char *const F_SEP = "participation ~ education + age + factor(youngkids)";
static const char *const F_DV = "visits ~ female + age + I(age^2) + income + illness + reduced "
                                "+ health + private + freepoor + freerepat + nchronic + "
                                "lchronic";

static gw_design *design_of(const gw_table *t, const char *formula, const char *cluster,
                            const char *weights)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    fo.cluster[0] = cluster;
    fo.weights = weights;
    assert_int_equal(gw_formula_parse(formula, &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &fo, &d), GW_OK);
    gw_formula_free(f);
    return d;
}

static gw_result *fit(const gw_design *d, gw_glm_kind kind, gw_vcov_kind vcov, unsigned flags)
{
    gw_glm_opts o = {0};
    gw_result *r = NULL;
    o.kind = kind;
    o.vcov = vcov;
    o.flags = flags;
    gw_status s = gw_glm_fit(d, &o, &r);
    if (s != GW_OK)
        fail_msg("gw_glm_fit: %s: %s", gw_status_str(s), gw_last_error());
    assert_non_null(r);
    return r;
}

/* Compares the coefficients (and the fit statistics when stats) of r with the R reference of
 * model; the standard errors with the reference for vcov name vname. Digits: min LRE. */
static void check_coefs(const gw_result *r, const gwt_ref_table *t, const char *src,
                        const char *model, const char *vname, double est_digits, double se_digits)
{
    char what[128];
    assert_int_equal(r->k, gwt_ref_count(t, model, "", "estimate"));
    for (size_t j = 0; j < r->k; j++) {
        double b = gwt_ref_get(t, model, "", "estimate", r->terms[j]);
        double se = gwt_ref_get(t, model, vname, "std_error", r->terms[j]);
        gw_assert_lre(r->estimate[j], b, est_digits);
        gw_assert_lre(r->std_error[j], se, se_digits);
        snprintf(what, sizeof what, "%s %s estimate", src, model);
        gwt_note_lre(what, r->estimate[j], b);
        snprintf(what, sizeof what, "%s %s se %s", src, model, vname);
        gwt_note_lre(what, r->std_error[j], se);
        /* z, p and the normal interval follow from estimate and se. */
        gw_assert_close(r->statistic[j], r->estimate[j] / r->std_error[j], 1e-15, 0.0);
        gw_assert_close(r->ci_high[j] - r->ci_low[j], 2.0 * 1.959963984540054 * r->std_error[j],
                        1e-12, 0.0);
    }
    assert_int_equal(r->stat_is_z, 1);
}

static void check_stats(const gw_result *r, const char *model)
{
    static const char *const names[] = {"loglik", "deviance", "null_deviance",
                                        "aic",    "bic",      "pseudo_r2"};
    const double vals[] = {r->loglik, r->deviance, r->null_deviance, r->aic, r->bic, r->pseudo_r2};
    char what[64];
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double e = gwt_ref_get(&ref_r, model, "", names[i], "");
        gw_assert_lre(vals[i], e, 10.0);
        snprintf(what, sizeof what, "R %s", names[i]);
        gwt_note_lre(what, vals[i], e);
    }
    gw_assert_close((double)r->nobs, gwt_ref_get(&ref_r, model, "", "nobs", ""), 0.0, 0.0);
    gw_assert_close(r->dispersion, 1.0, 0.0, 0.0);
    assert_int_equal(r->converged, 1);
    assert_true(r->iterations >= 3 && r->iterations <= 25);
}

static void check_ame(const gw_result *r, const char *model, const char *vname, double digits)
{
    char what[128];
    assert_non_null(r->margins);
    const gw_result *m = r->margins;
    assert_int_equal(m->k, gwt_ref_count(&ref_r, model, vname, "ame"));
    for (size_t j = 0; j < m->k; j++) {
        double e = gwt_ref_get(&ref_r, model, vname, "ame", m->terms[j]);
        double se = gwt_ref_get(&ref_r, model, vname, "ame_se", m->terms[j]);
        gw_assert_lre(m->estimate[j], e, digits);
        gw_assert_lre(m->std_error[j], se, digits);
        snprintf(what, sizeof what, "R %s ame", model);
        gwt_note_lre(what, m->estimate[j], e);
        snprintf(what, sizeof what, "R %s ame se %s", model, vname);
        gwt_note_lre(what, m->std_error[j], se);
        gw_assert_close(m->statistic[j], m->estimate[j] / m->std_error[j], 1e-15, 0.0);
    }
    assert_int_equal(m->stat_is_z, 1);
}

/* ------------------------------------------------------------------------------------------ */
/* Tests against R.                                                                           */

static const struct {
    gw_vcov_kind kind;
    const char *name;
} VCOVS[] = {{GW_VCOV_IID, "iid"}, {GW_VCOV_HC0, "hc0"}, {GW_VCOV_HC1, "hc1"},
             {GW_VCOV_HC2, "hc2"}, {GW_VCOV_HC3, "hc3"}, {GW_VCOV_CLUSTER, "cluster"}};

static void run_all_vcov(const gw_table *t, const char *formula, gw_glm_kind kind,
                         const char *model, const char *clname, int with_ame)
{
    char cname[64];
    snprintf(cname, sizeof cname, "cluster:%s", clname);
    for (size_t v = 0; v < sizeof VCOVS / sizeof VCOVS[0]; v++) {
        int cl = VCOVS[v].kind == GW_VCOV_CLUSTER;
        gw_design *d = design_of(t, formula, cl ? clname : NULL, NULL);
        gw_result *r = fit(d, kind, VCOVS[v].kind, with_ame ? GW_GLM_AME : 0);
        const char *vname = cl ? cname : VCOVS[v].name;
        assert_string_equal(r->vcov_type, vname);
        check_coefs(r, &ref_r, "R", model, vname, 10.0, 10.0);
        if (v == 0)
            check_stats(r, model);
        if (with_ame && (VCOVS[v].kind == GW_VCOV_IID || VCOVS[v].kind == GW_VCOV_HC1 || cl))
            check_ame(r, model, vname, 10.0);
        if (cl) {
            assert_int_equal(r->n_cluster_vars, 1);
            assert_true(r->n_clusters[0] > 1);
        }
        gw_result_free(r);
        gw_design_free(d);
    }
}

static void test_glm_fit_logit_psid(void **state)
{
    (void)state;
    run_all_vcov(t_psid, F_LFP, GW_GLM_LOGIT, "logit_lfp", "age", 1);
    gw_design *d = design_of(t_psid, F_LFP, NULL, NULL);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, 0);
    assert_string_equal(r->estimator, "logit");
    assert_string_equal(r->family, "binomial");
    assert_string_equal(r->link, "logit");
    assert_null(r->margins);
    assert_int_equal(r->nobs_separated, 0);
    assert_int_equal(r->ndropped_separated, 0);
    gw_assert_close(r->df_resid, 753.0 - 8.0, 0.0, 0.0);
    gw_result_free(r);
    gw_design_free(d);
}

static void test_glm_fit_probit_psid(void **state)
{
    (void)state;
    run_all_vcov(t_psid, F_LFP, GW_GLM_PROBIT, "probit_lfp", "age", 1);
}

static void test_glm_fit_poisson_doctorvisits(void **state)
{
    (void)state;
    run_all_vcov(t_dv, F_DV, GW_GLM_POISSON, "poisson_dv", "agegrp", 1);
}

/* factor(kidcat): the AMEs of its dummies are average discrete changes against level 0. */
static void test_glm_fit_factor_ame(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid, F_FAC, NULL, NULL);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, GW_GLM_AME);
    check_coefs(r, &ref_r, "R", "logit_fac", "iid", 10.0, 10.0);
    check_stats(r, "logit_fac");
    check_ame(r, "logit_fac", "iid", 10.0);
    (void)gwt_term_index(r->margins, "factor(kidcat)=2");
    gw_result_free(r);
    r = fit(d, GW_GLM_LOGIT, GW_VCOV_HC1, GW_GLM_AME);
    check_coefs(r, &ref_r, "R", "logit_fac", "hc1", 10.0, 10.0);
    check_ame(r, "logit_fac", "hc1", 10.0);
    gw_result_free(r);
    r = fit(d, GW_GLM_PROBIT, GW_VCOV_IID, GW_GLM_AME);
    check_coefs(r, &ref_r, "R", "probit_fac", "iid", 10.0, 10.0);
    check_ame(r, "probit_fac", "iid", 10.0);
    gw_result_free(r);
    gw_design_free(d);
}

/* factor(youngkids)=3: its 3 women all have participation 0. The dummy is dropped and listed,
 * its 3 rows dropped and counted, and the rest equals R's fit without them. */
static void test_glm_fit_separation_dropped(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid, F_SEP, NULL, NULL);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, 0);
    assert_int_equal(r->ndropped_separated, 1);
    assert_string_equal(r->dropped_separated[0], "factor(youngkids)=3");
    assert_int_equal(r->nobs_separated, 3);
    assert_int_equal(r->nobs, 750);
    check_coefs(r, &ref_r, "R", "logit_sep", "iid", 10.0, 10.0);
    check_stats(r, "logit_sep");
    gw_result_free(r);
    r = fit(d, GW_GLM_LOGIT, GW_VCOV_HC1, 0);
    check_coefs(r, &ref_r, "R", "logit_sep", "hc1", 10.0, 10.0);
    gw_result_free(r);
    gw_design_free(d);
}

/* Prior (analytic) weights hhours / 1000: estimates, deviances, iid and HC1 errors as R's glm
 * with weights. */
static void test_glm_fit_weights(void **state)
{
    (void)state;
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_frame_opts fo = {0};
    /* hhours / 1000 is formed here: the model frame takes a weights column as it is. */
    gw_table *t = NULL;
    size_t n = gw_table_nrows(t_psid);
    assert_int_equal(gw_csv_read_file(gwt_source_path("datasets/psid1976.csv"), NULL, &t), GW_OK);
    double *w = gw_alloc_array(n, sizeof *w);
    assert_non_null(w);
    const double *hh = gw_table_numeric(t, (size_t)gw_table_find(t, "hhours"));
    assert_non_null(hh);
    for (size_t i = 0; i < n; i++)
        w[i] = hh[i] / 1000.0;
    assert_int_equal(gw_table_add_numeric_take(t, "w", w), GW_OK);
    fo.weights = "w";
    assert_int_equal(gw_formula_parse(F_LFP, &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &fo, &d), GW_OK);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, 0);
    check_coefs(r, &ref_r, "R", "logit_w", "iid", 10.0, 10.0);
    gw_assert_lre(r->deviance, gwt_ref_get(&ref_r, "logit_w", "", "deviance", ""), 10.0);
    gw_assert_lre(r->null_deviance, gwt_ref_get(&ref_r, "logit_w", "", "null_deviance", ""), 10.0);
    gw_result_free(r);
    r = fit(d, GW_GLM_LOGIT, GW_VCOV_HC1, 0);
    check_coefs(r, &ref_r, "R", "logit_w", "hc1", 10.0, 10.0);
    gw_result_free(r);
    gw_design_free(d);
    gw_formula_free(f);
    gw_table_free(t);
}

/* ------------------------------------------------------------------------------------------ */
/* statsmodels cross-check (logit and Poisson; probit iid only: statsmodels' robust variances
 * of a non-canonical link use the observed-Hessian bread, R's sandwich the expected one).     */

static void test_glm_fit_statsmodels(void **state)
{
    (void)state;
    static const struct {
        gw_table **t;
        const char *formula, *model, *cl;
        gw_glm_kind kind;
        int robust;
    } cases[] = {{&t_psid, NULL, "logit_lfp", "age", GW_GLM_LOGIT, 1},
                 {&t_psid, NULL, "probit_lfp", "age", GW_GLM_PROBIT, 0},
                 {&t_dv, NULL, "poisson_dv", "agegrp", GW_GLM_POISSON, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *formula = cases[c].kind == GW_GLM_POISSON ? F_DV : F_LFP;
        char cname[64];
        snprintf(cname, sizeof cname, "cluster:%s", cases[c].cl);
        for (int v = 0; v < (cases[c].robust ? 3 : 1); v++) {
            gw_vcov_kind kind = v == 0 ? GW_VCOV_IID : v == 1 ? GW_VCOV_HC0 : GW_VCOV_CLUSTER;
            gw_design *d = design_of(*cases[c].t, formula, v == 2 ? cases[c].cl : NULL, NULL);
            gw_result *r = fit(d, cases[c].kind, kind, 0);
            check_coefs(r, &ref_sm, "statsmodels", cases[c].model,
                        v == 0   ? "iid"
                        : v == 1 ? "hc0"
                                 : cname,
                        8.0, 8.0);
            gw_assert_lre(r->loglik, gwt_ref_get(&ref_sm, cases[c].model, "", "loglik", ""), 10.0);
            gw_result_free(r);
            gw_design_free(d);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Determinism, options, failures.                                                            */

static void test_glm_fit_threads_bit_identical(void **state)
{
    (void)state;
    /* 5190 rows: two row blocks. */
    gw_design *d = design_of(t_dv, F_DV, "agegrp", NULL);
    gw_threads_set(1);
    gw_result *r1 = fit(d, GW_GLM_POISSON, GW_VCOV_CLUSTER, GW_GLM_AME);
    gw_threads_set(2);
    gw_result *r2 = fit(d, GW_GLM_POISSON, GW_VCOV_CLUSTER, GW_GLM_AME);
    gw_threads_set(0);
    assert_int_equal(r1->k, r2->k);
    assert_memory_equal(r1->estimate, r2->estimate, r1->k * sizeof(double));
    assert_memory_equal(r1->vcov, r2->vcov, r1->k * r1->k * sizeof(double));
    assert_memory_equal(&r1->loglik, &r2->loglik, sizeof(double));
    assert_memory_equal(&r1->deviance, &r2->deviance, sizeof(double));
    assert_memory_equal(r1->margins->estimate, r2->margins->estimate,
                        r1->margins->k * sizeof(double));
    assert_memory_equal(r1->margins->vcov, r2->margins->vcov,
                        r1->margins->k * r1->margins->k * sizeof(double));
    gw_result_free(r1);
    gw_result_free(r2);
    gw_design_free(d);
}

/* A duplicated column is dropped as collinear (formula order) and the rest is unchanged. */
static void test_glm_fit_collinear_dropped(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid,
                             "participation ~ nwifeinc + education + experience + "
                             "I(experience^2) + age + youngkids + oldkids + I(age^1)",
                             NULL, NULL);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, 0);
    assert_int_equal(r->ndropped, 1);
    assert_string_equal(r->dropped_collinear[0], "I(age^1)");
    check_coefs(r, &ref_r, "R", "logit_lfp", "iid", 10.0, 10.0);
    gw_result_free(r);
    gw_design_free(d);
}

static void test_glm_fit_options(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid, F_LFP, NULL, NULL);
    gw_glm_opts o = {0};
    gw_result *r = NULL;
    /* Looser tolerance: fewer iterations, same estimates to about the tolerance. */
    o.tol = 1e-4;
    o.conf_level = 0.9;
    o.flags = GW_GLM_KEEP_FITTED | GW_GLM_KEEP_RESIDUALS;
    assert_int_equal(gw_glm_fit(d, &o, &r), GW_OK);
    assert_true(r->iterations <= 7);
    gw_assert_close(r->conf_level, 0.9, 0.0, 0.0);
    gw_assert_close(r->ci_high[1] - r->ci_low[1], 2.0 * 1.6448536269514722 * r->std_error[1], 1e-12,
                    0.0);
    assert_non_null(r->fitted);
    assert_non_null(r->residuals);
    gw_assert_close(r->residuals[0], d->y[0] - r->fitted[0], 0.0, 0.0);
    assert_true(r->fitted[0] > 0.0 && r->fitted[0] < 1.0);
    gw_result_free(r);
    /* NULL opts: a logit with the defaults. */
    assert_int_equal(gw_glm_fit(d, NULL, &r), GW_OK);
    gw_assert_lre(r->estimate[0], gwt_ref_get(&ref_r, "logit_lfp", "", "estimate", "(Intercept)"),
                  9.0);
    gw_result_free(r);
    gw_design_free(d);
}

/* Every failure status with its message and *out == NULL. */
static void test_glm_fit_errors(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid, F_LFP, NULL, NULL);
    gw_design *dh = design_of(t_psid, "hours ~ education + age", NULL, NULL);
    gw_design *dneg = design_of(t_psid, "unemp ~ education + age", NULL, NULL);
    gw_design *dsep = design_of(t_psid, "participation ~ hours", NULL, NULL);
    gw_design *dcl = design_of(t_psid, F_LFP, "city", NULL);
    struct {
        const char *label;
        const gw_design *d;
        gw_glm_opts o;
        gw_status expect;
    } cases[] = {
        {"null design", NULL, {0}, GW_EINVAL},
        {"bad kind", d, {.kind = (gw_glm_kind)7}, GW_EINVAL},
        {"bad vcov", d, {.vcov = (gw_vcov_kind)42}, GW_EINVAL},
        {"bad conf", d, {.conf_level = 1.5}, GW_EINVAL},
        {"bad tol", d, {.tol = 2.0}, GW_EINVAL},
        {"cluster without variable", d, {.vcov = GW_VCOV_CLUSTER}, GW_EINVAL},
        {"logit y outside [0,1]", dh, {.kind = GW_GLM_LOGIT}, GW_EFORMAT},
        {"probit y outside [0,1]", dh, {.kind = GW_GLM_PROBIT}, GW_EFORMAT},
        {"maxiter 1", d, {.kind = GW_GLM_LOGIT, .maxiter = 1}, GW_ENOCONV},
        {"complete separation (hours > 0 iff participation)", dsep, {0}, GW_ENOCONV},
        {"cluster with 2 groups works", dcl, {.vcov = GW_VCOV_CLUSTER}, GW_OK},
    };
    (void)dneg;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_result *r = (gw_result *)(uintptr_t)1;
        gw_status s = gw_glm_fit(cases[c].d, &cases[c].o, &r);
        if (s != cases[c].expect)
            fail_msg("%s: %s (%s), expected %s", cases[c].label, gw_status_str(s), gw_last_error(),
                     gw_status_str(cases[c].expect));
        if (s != GW_OK) {
            assert_null(r);
            assert_true(strlen(gw_last_error()) > 0);
        }
        gw_result_free(s == GW_OK ? r : NULL);
    }
    /* The invalid response is named with its data row (1-based). */
    gw_result *r = NULL;
    gw_glm_opts o = {.kind = GW_GLM_LOGIT};
    assert_int_equal(gw_glm_fit(dh, &o, &r), GW_EFORMAT);
    assert_non_null(strstr(gw_last_error(), "data row 1"));
    assert_non_null(strstr(gw_last_error(), "hours"));
    assert_int_equal(gw_glm_fit(d, NULL, NULL), GW_EINVAL);
    gw_design_free(dcl);
    gw_design_free(dsep);
    gw_design_free(dneg);
    gw_design_free(dh);
    gw_design_free(d);
}

/* Negative Poisson counts (a hand-made design): GW_EFORMAT naming the row. */
static void test_glm_fit_poisson_negative(void **state)
{
    (void)state;
    const char *csv = "y,x\n1,0.5\n2,1.5\n-1,2\n0,0.1\n3,2.2\n";
    gw_table *t = NULL;
    gw_formula *f = NULL;
    gw_design *d = NULL;
    gw_result *r = NULL;
    assert_int_equal(gw_csv_read_mem(csv, strlen(csv), "neg", NULL, &t), GW_OK);
    assert_int_equal(gw_formula_parse("y ~ x", &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, NULL, &d), GW_OK);
    gw_glm_opts o = {.kind = GW_GLM_POISSON};
    assert_int_equal(gw_glm_fit(d, &o, &r), GW_EFORMAT);
    assert_null(r);
    assert_non_null(strstr(gw_last_error(), "data row 3"));
    gw_design_free(d);
    gw_formula_free(f);
    gw_table_free(t);
}

#ifdef GW_FAULT_INJECTION
/* Every allocation failure gives GW_ENOMEM, *out NULL, and no leak (under ASan): the
 * separation path (working copy), clustering, AMEs and kept residuals. */
static void test_glm_fit_out_of_memory(void **state)
{
    (void)state;
    gw_design *d = design_of(t_psid, F_SEP, "age", NULL);
    gw_glm_opts o = {.vcov = GW_VCOV_CLUSTER,
                     .flags = GW_GLM_AME | GW_GLM_KEEP_RESIDUALS | GW_GLM_KEEP_FITTED};
    long k;
    for (k = 0; k < 100000; k++) {
        gw_result *r = NULL;
        gw_alloc_fail_after(k);
        gw_status st = gw_glm_fit(d, &o, &r);
        gw_alloc_fail_after(-1);
        if (st == GW_OK) {
            gw_result_free(r);
            break;
        }
        if (st != GW_ENOMEM)
            fail_msg("allocation %ld: %s (%s)", k, gw_status_str(st), gw_last_error());
        assert_null(r);
    }
    assert_true(k > 10 && k < 100000);
    gw_design_free(d);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_fit_logit_psid),
        cmocka_unit_test(test_glm_fit_probit_psid),
        cmocka_unit_test(test_glm_fit_poisson_doctorvisits),
        cmocka_unit_test(test_glm_fit_factor_ame),
        cmocka_unit_test(test_glm_fit_separation_dropped),
        cmocka_unit_test(test_glm_fit_weights),
        cmocka_unit_test(test_glm_fit_statsmodels),
        cmocka_unit_test(test_glm_fit_threads_bit_identical),
        cmocka_unit_test(test_glm_fit_collinear_dropped),
        cmocka_unit_test(test_glm_fit_options),
        cmocka_unit_test(test_glm_fit_errors),
        cmocka_unit_test(test_glm_fit_poisson_negative),
#ifdef GW_FAULT_INJECTION
        cmocka_unit_test(test_glm_fit_out_of_memory),
#endif
    };
    return cmocka_run_group_tests_name("glm", tests, group_setup, group_teardown);
}
