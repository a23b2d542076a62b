/* test_synergy_cluster.c -- `synergy --cluster VAR` (gw_synergy.h, "Clustered"): the p-values
 * and intervals of pooled, period and partial correlations against R's lm of the standardised
 * variables with sandwich::vcovCL by area (datasets/generated/synergy_cluster_ref.csv, made by
 * scripts/ref/synergy_cluster_ref.R); r itself unchanged; symmetric and free of the variables'
 * order; the results file and the JSON name the cluster variable. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_synergy_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"
#define REF "datasets/generated/synergy_cluster_ref.csv"

static gw_synergy_run *run(const char *const *vars, size_t nv, const char *const *controls,
                           size_t nc, const char *cluster)
{
    gw_synergy_run_spec sp = {vars, nv, controls, nc, "year", NULL};
    gw_synergy_run_opts o = {.cluster = cluster};
    gw_synergy_run *r = NULL;
    if (gw_synergy_run_file(gwt_source_path(PANEL), &sp, &o, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    return r;
}

/* Entry (a, b) of cm against the reference pair "va|vb" of matrix model. The p-values are far
 * in the tail (down to 1e-105), where a relative error e in the standard error becomes about
 * t^2 e in p: they are compared to 1e-8, the interval (linear in the error) to 1e-12. */
static void check_pair(const gw_cormat *cm, size_t p, size_t a, size_t b, const char *model,
                       const char *va, const char *vb)
{
    char term[128];
    snprintf(term, sizeof term, "%s|%s", va, vb);
    const size_t ab = a * p + b, ba = b * p + a;
    gw_assert_close(cm->r[ab], gwt_ref_file(REF, model, "cluster:la_id", "r", term), 1e-12, 0.0);
    gwt_note_lre("ci", cm->ci_low[ab], gwt_ref_file(REF, model, "cluster:la_id", "ci_low", term));
    gw_assert_close(cm->ci_low[ab], gwt_ref_file(REF, model, "cluster:la_id", "ci_low", term),
                    1e-12, 0.0);
    gw_assert_close(cm->ci_high[ab], gwt_ref_file(REF, model, "cluster:la_id", "ci_high", term),
                    1e-12, 0.0);
    gwt_note_lre("p_value", cm->p_value[ab],
                 gwt_ref_file(REF, model, "cluster:la_id", "p_value", term));
    gw_assert_close(cm->p_value[ab], gwt_ref_file(REF, model, "cluster:la_id", "p_value", term),
                    1e-8, 0.0);
    gw_assert_close((double)cm->n, gwt_ref_file(REF, model, "cluster:la_id", "n", term), 0.0, 0.0);
    gw_assert_close((double)cm->n_clusters,
                    gwt_ref_file(REF, model, "cluster:la_id", "n_clusters", term), 0.0, 0.0);
    /* symmetric */
    assert_true(cm->p_value[ba] == cm->p_value[ab] && cm->ci_low[ba] == cm->ci_low[ab] &&
                cm->ci_high[ba] == cm->ci_high[ab]);
}

static void test_synergy_cluster_matches_r(void **state)
{
    (void)state;
    static const char *const vars[] = {"emp_rate", "life_sat", "autonomy_share"};
    gw_synergy_run *r = run(vars, 3, NULL, 0, "la_id");
    const gw_synergy *s = r->cor;
    assert_string_equal(r->cluster, "la_id");
    check_pair(&s->all, 3, 0, 1, "all", "emp_rate", "life_sat");
    check_pair(&s->all, 3, 1, 2, "all", "life_sat", "autonomy_share");
    check_pair(&s->all, 3, 0, 2, "all", "emp_rate", "autonomy_share");
    assert_string_equal(s->by_period[1].label, "2020-2021");
    check_pair(&s->by_period[1], 3, 0, 2, "2020-2021", "emp_rate", "autonomy_share");
    /* r is the unclustered r, bit for bit; only the inference changes */
    gw_synergy_run *u = run(vars, 3, NULL, 0, NULL);
    assert_null(u->cluster);
    assert_int_equal(u->cor->all.n_clusters, 0);
    for (size_t i = 0; i < 9; i++)
        assert_true(u->cor->all.r[i] == s->all.r[i] || (isnan(u->cor->all.r[i]) && i % 4 == 0));
    assert_true(u->cor->all.p_value[1] != s->all.p_value[1]);
    gw_synergy_run_free(u);
    gw_synergy_run_free(r);

    static const char *const two[] = {"emp_rate", "life_sat"};
    static const char *const ctl[] = {"share_prof"};
    r = run(two, 2, ctl, 1, "la_id");
    assert_string_equal(r->cor->partial[0].label, "pre-2020");
    check_pair(&r->cor->partial[0], 2, 0, 1, "partial:pre-2020", "emp_rate", "life_sat");
    gw_synergy_run_free(r);
    gwt_print_worst_lre("R lm + sandwich::vcovCL");
}

/* The order of the variables does not change any p-value or interval (the larger of the two
 * directions' errors is used). */
static void test_synergy_cluster_order_free(void **state)
{
    (void)state;
    static const char *const ab[] = {"emp_rate", "life_sat"}, *const ba[] = {"life_sat", "emp_rate"};
    gw_synergy_run *r1 = run(ab, 2, NULL, 0, "la_id"), *r2 = run(ba, 2, NULL, 0, "la_id");
    const gw_cormat *x = &r1->cor->all, *y = &r2->cor->all;
    assert_true(x->p_value[1] == y->p_value[1]);
    assert_true(x->ci_low[1] == y->ci_low[1] && x->ci_high[1] == y->ci_high[1]);
    gw_synergy_run_free(r1);
    gw_synergy_run_free(r2);
}

/* An unknown cluster variable is GW_ENOVAR naming it; the results file carries the attribute. */
static void test_synergy_cluster_errors_and_file(void **state)
{
    (void)state;
    static const char *const vars[] = {"emp_rate", "life_sat"};
    gw_synergy_run_spec sp = {vars, 2, NULL, 0, "year", NULL};
    gw_synergy_run_opts o = {.cluster = "nosuch"};
    gw_synergy_run *r = (gw_synergy_run *)1;
    assert_int_equal(gw_synergy_run_file(gwt_source_path(PANEL), &sp, &o, &r), GW_ENOVAR);
    assert_null(r);
    assert_non_null(strstr(gw_last_error(), "nosuch"));
    r = run(vars, 2, NULL, 0, "la_id");
    char path[512];
    snprintf(path, sizeof path, "%s/syn_cluster.h5", gwt_tmpdir());
    remove(path);
    assert_int_equal(gw_synergy_run_save(r, path, NULL, NULL), GW_OK);
    char **s = NULL;
    size_t n = 0;
    assert_int_equal(gw_h5_read_strings(path, "/analyses/synergy", "cluster", &s, &n), GW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(s[0], "la_id");
    gw_h5_strings_free(s, n);
    char *text = NULL;
    assert_int_equal(gw_synergy_run_render(r, GW_OUT_JSON, 0, &text), GW_OK);
    assert_non_null(strstr(text, "\"cluster\":\"la_id\""));
    assert_non_null(strstr(text, "\"n_clusters\":"));
    gw_free(text);
    assert_int_equal(gw_synergy_run_render(r, GW_OUT_TEXT, 0, &text), GW_OK);
    assert_non_null(strstr(text, "cluster-robust by la_id"));
    gw_free(text);
    gw_synergy_run_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synergy_cluster_matches_r),
        cmocka_unit_test(test_synergy_cluster_order_free),
        cmocka_unit_test(test_synergy_cluster_errors_and_file),
    };
    return cmocka_run_group_tests_name("synergy_cluster", tests, NULL, NULL);
}
