/* test_iv_weights.c -- 2SLS with analytic weights (models/iv/gw_iv.h) against R's
 * AER::ivreg(..., weights = population) with sandwich's variances
 * (datasets/generated/iv_weights_ref.csv, made by scripts/ref/iv_weights_ref.R): the cigarette
 * panel pooled (iid, HC0-HC3, clustered by state) and with state effects (absorbed here,
 * dummies in R); plus the weights' invariances (w = 1 is the unweighted fit, w scaled by a
 * constant changes no estimate or variance). */
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

#define TOL 1e-10

static double ref(const char *model, const char *vcov, const char *quantity, const char *term)
{
    return gwt_ref_file("datasets/generated/iv_weights_ref.csv", model, vcov, quantity, term);
}

static gw_design *design(const char *formula, const char *weights, const char *cluster)
{
    return gwt_design_csv("datasets/cigarettes_sw.csv", formula, weights, cluster);
}

static gw_result *fit(const gw_design *d, gw_vcov_kind kind, unsigned flags)
{
    gw_ols_opts o = {0};
    o.vcov = kind;
    o.flags = flags;
    gw_result *r = NULL;
    gw_status s = gw_iv_fit(d, &o, &r);
    if (s != GW_OK)
        fail_msg("gw_iv_fit: %s: %s", gw_status_str(s), gw_last_error());
    return r;
}

static void close_to(const char *what, double got, double want, double rtol)
{
    gwt_note_lre(what, got, want);
    gw_assert_close(got, want, rtol, 0.0);
}

static void check_coefs(const gw_result *r, const char *model, const char *vc,
                        const char *const *terms, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        size_t i = gwt_term_index(r, terms[j]);
        close_to("estimate", r->estimate[i], ref(model, vc, "estimate", terms[j]), TOL);
        close_to("std_error", r->std_error[i], ref(model, vc, "std_error", terms[j]), TOL);
    }
}

static const struct {
    const char *name;
    gw_vcov_kind kind;
    const char *cl;
} vcovs[] = {{"iid", GW_VCOV_IID, NULL}, {"hc0", GW_VCOV_HC0, NULL},
             {"hc1", GW_VCOV_HC1, NULL}, {"hc2", GW_VCOV_HC2, NULL},
             {"hc3", GW_VCOV_HC3, NULL}, {"cluster:state", GW_VCOV_CLUSTER, "state"}};

/* Pooled: coefficients and every variance; R2, RSS, sigma and the data-scale residuals; the
 * first stage as a weighted lm; AER's weak-instrument F, Wu-Hausman and Sargan. */
static void test_iv_weights_pooled(void **state)
{
    (void)state;
    static const char *const gt[] = {"(Intercept)", "lrincome", "lrprice"};
    for (size_t v = 0; v < sizeof vcovs / sizeof vcovs[0]; v++) {
        gw_design *d =
            design("lpacks ~ lrincome | lrprice ~ tdiff + rtax", "population", vcovs[v].cl);
        assert_int_equal(d->n, 96);
        gw_result *r = fit(d, vcovs[v].kind, GW_OLS_KEEP_RESIDUALS);
        assert_string_equal(r->vcov_type, vcovs[v].name);
        check_coefs(r, "cigw", vcovs[v].name, gt, 3);
        close_to("rss", r->rss, ref("cigw", "iid", "rss", ""), TOL);
        close_to("r2", r->r2, ref("cigw", "iid", "r2", ""), TOL);
        close_to("adj_r2", r->adj_r2, ref("cigw", "iid", "adj_r2", ""), TOL);
        close_to("rmse", r->rmse, ref("cigw", "iid", "sigma", ""), TOL);
        close_to("residual", r->residuals[0], ref("cigw", "iid", "residual", "1"), TOL);
        if (vcovs[v].kind != GW_VCOV_HC2 && vcovs[v].kind != GW_VCOV_HC3) {
            close_to("fs_f", r->fs_f[0], ref("cigw", vcovs[v].name, "fs_f", ""), TOL);
            close_to("wu_hausman", r->endog_stat, ref("cigw", vcovs[v].name, "wu_hausman", ""),
                     TOL);
        }
        if (vcovs[v].kind == GW_VCOV_IID) {
            assert_string_equal(r->overid_test, "sargan");
            close_to("sargan", r->overid_stat, ref("cigw", "iid", "sargan", ""), TOL);
            const gw_result *fs = r->first_stage[0];
            close_to("fs r2", fs->r2, ref("cigw", "iid", "fs_r2", ""), TOL);
            close_to("fs F", fs->f_stat, ref("cigw", "iid", "fs_overall_f", ""), TOL);
            close_to("fs loglik", fs->loglik, ref("cigw", "iid", "fs_loglik", ""), TOL);
        }
        gw_result_free(r);
        gw_design_free(d);
    }
}

/* State effects absorbed = dummies in R (the weighted demeaning). */
static void test_iv_weights_fe(void **state)
{
    (void)state;
    static const char *const gt[] = {"lrincome", "lrprice"};
    for (size_t v = 0; v < sizeof vcovs / sizeof vcovs[0]; v++) {
        if (vcovs[v].kind == GW_VCOV_HC0)
            continue;
        gw_design *d =
            design("lpacks ~ lrincome | state | lrprice ~ tdiff + rtax", "population", vcovs[v].cl);
        gw_result *r = fit(d, vcovs[v].kind, 0u);
        assert_int_equal(r->nfe, 1);
        check_coefs(r, "cigwfe", vcovs[v].name, gt, 2);
        if (vcovs[v].kind == GW_VCOV_IID)
            close_to("rss", r->rss, ref("cigwfe", "iid", "rss", ""), TOL);
        gw_result_free(r);
        gw_design_free(d);
    }
}

/* w = 1 is the unweighted fit and w = 4 the same (analytic weights have no scale), to 1e-10: the
 * weighted path solves the sqrt(w)-scaled rows without centring, so not bit for bit. */
static void test_iv_weights_invariance(void **state)
{
    (void)state;
    for (int fe = 0; fe < 2; fe++) {
        gw_design *d = design(fe ? "lpacks ~ lrincome | state | lrprice ~ tdiff + rtax"
                                 : "lpacks ~ lrincome | lrprice ~ tdiff + rtax",
                              NULL, "state");
        double *w = gw_alloc_array(d->n, sizeof *w);
        assert_non_null(w);
        for (gw_vcov_kind k = GW_VCOV_IID; k <= GW_VCOV_CLUSTER; k++) {
            if (fe && k == GW_VCOV_HC0)
                continue;
            gw_result *u = fit(d, k, 0u);
            for (int c = 0; c < 2; c++) {
                for (size_t i = 0; i < d->n; i++)
                    w[i] = c ? 4.0 : 1.0;
                d->w = w;
                gw_result *r = fit(d, k, 0u);
                d->w = NULL;
                assert_int_equal(r->k, u->k);
                for (size_t j = 0; j < r->k * r->k; j++)
                    gw_assert_close(r->vcov[j], u->vcov[j], 1e-10, 1e-300);
                for (size_t j = 0; j < r->k; j++)
                    gw_assert_close(r->estimate[j], u->estimate[j], 1e-10, 0.0);
                gw_assert_close(r->cd_f, u->cd_f, 1e-10, 0.0);
                gw_assert_close(r->endog_stat, u->endog_stat, 1e-10, 0.0);
                gw_assert_close(r->r2, u->r2, 1e-10, 0.0);
                if (!fe)
                    gw_assert_close(r->first_stage[0]->f_stat, u->first_stage[0]->f_stat, 1e-10,
                                    0.0);
                gw_result_free(r);
            }
            gw_result_free(u);
        }
        gw_free(w);
        gw_design_free(d);
    }
}

static int report(void **state)
{
    (void)state;
    gwt_print_worst_lre("R AER::ivreg(weights =) + sandwich");
    return 0;
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iv_weights_pooled),
        cmocka_unit_test(test_iv_weights_fe),
        cmocka_unit_test(test_iv_weights_invariance),
    };
    return cmocka_run_group_tests_name("iv_weights", tests, NULL, report);
}
