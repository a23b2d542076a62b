/* test_fit_small_cli.c -- the smaller fit options of issue 19: --vcov kinds in any case with
 * the aliases robust/hetero (= hc1), --quiet, --replace, the note of a negative Hausman
 * statistic (checked with its regression-form alternative against plm,
 * datasets/generated/hausman_note_ref.csv made by scripts/ref/hausman_note_ref.R), and IV with
 * --weights (against AER, scripts/ref/iv_weights_ref.R); and synergy --cluster (against
 * sandwich::vcovCL, scripts/ref/synergy_cluster_ref.R). */
#include "gw_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_hdf5.h"

#define GRUNFELD "datasets/grunfeld.csv"

static gwt_run_result fit_run(const char *model, const char *vcov, const char *format)
{
    const char *args[] = {
        "fit",  "--data", gwt_source_path(GRUNFELD), "--model", model, "--vcov", vcov, "--format",
        format, NULL};
    return gwt_run_cli_argv(args);
}

/* Every spelling of a kind prints the same bytes as the lower-case name, in every format;
 * a cluster variable keeps its case (a wrong case is an unknown variable); an unknown kind is
 * named as written. */
static void test_vcov_case_and_aliases(void **state)
{
    (void)state;
    static const struct {
        const char *spelling, *canonical;
    } cases[] = {{"HC1", "hc1"},
                 {"robust", "hc1"},
                 {"Hetero", "hc1"},
                 {"ROBUST", "hc1"},
                 {"Hc3", "hc3"},
                 {"IID", "iid"},
                 {"HC0", "hc0"},
                 {"Cluster:firm", "cluster:firm"},
                 {"CLUSTER:firm+year", "cluster:firm+year"}};
    static const char *const formats[] = {"json", "text", "latex"};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
            gwt_run_result a = fit_run("inv ~ value + capital", cases[c].spelling, formats[f]);
            gwt_run_result b = fit_run("inv ~ value + capital", cases[c].canonical, formats[f]);
            if (a.exit_code != 0 || b.exit_code != 0 || strcmp(a.out, b.out) != 0)
                fail_msg("--vcov %s (%s): exit %d, %s\n%s", cases[c].spelling, formats[f],
                         a.exit_code, a.err, a.out);
            gwt_run_free(&a);
            gwt_run_free(&b);
        }
    gwt_run_result r = fit_run("inv ~ value", "cluster:FIRM", "json");
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "FIRM"));
    gwt_run_free(&r);
    r = fit_run("inv ~ value", "HC4", "json");
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "bad --vcov 'HC4'"));
    gwt_run_free(&r);
    /* the panel variances too: DK:1 is dk:1 */
    const char *dk[] = {"fit",       "--data",      gwt_source_path(GRUNFELD),
                        "--model",   "inv ~ value", "--panel",
                        "firm,year", "--vcov",      "DK:1",
                        "--format",  "json",        NULL};
    cJSON *o = gwt_cli_json(dk);
    assert_string_equal(gwt_json_str(o, "vcov_type"), "dk:1");
    cJSON_Delete(o);
}

/* --quiet: nothing on standard output, exit 0, the results file written as without it;
 * failures still print their error. */
static void test_quiet(void **state)
{
    (void)state;
    const char *out = gwt_tmp_path("quiet.h5");
    remove(out);
    const char *args[] = {"fit",     "--data",      gwt_source_path(GRUNFELD),
                          "--model", "inv ~ value", "--out",
                          out,       "--name",      "m",
                          "--quiet", NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "");
    gwt_run_free(&r);
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(out, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 1);
    gw_results_close(res);
    const char *bad[] = {"fit",     "--data", gwt_source_path(GRUNFELD), "--model", "inv ~ nosuch",
                         "--quiet", NULL};
    r = gwt_run_cli_argv(bad);
    assert_int_equal(r.exit_code, 2);
    assert_string_equal(r.out, "");
    assert_non_null(strstr(r.err, "goodwork: error:"));
    gwt_run_free(&r);
}

static int fit_into(const char *out, const char *name, const char *model, int replace)
{
    const char *args[] = {
        "fit", "--data",  gwt_source_path(GRUNFELD),    "--model", model, "--out", out, "--name",
        name,  "--quiet", replace ? "--replace" : NULL, NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    int code = r.exit_code;
    if (code != 0)
        printf("# %s\n", r.err);
    gwt_run_free(&r);
    return code;
}

/* --out to an existing name: exit 2 naming --replace, file unchanged; with --replace the model
 * is the new fit, keeps its place among the models, and the others are the same bit for bit. */
static void test_replace(void **state)
{
    (void)state;
    const char *out = gwt_tmp_path("replace.h5"), *before = gwt_tmp_path("replace_before.h5");
    remove(out);
    assert_int_equal(fit_into(out, "a", "inv ~ value", 0), 0);
    assert_int_equal(fit_into(out, "b", "inv ~ capital", 0), 0);
    assert_int_equal(fit_into(out, "c", "inv ~ value + capital", 0), 0);
    gwt_copy_file(out, before);
    const char *again[] = {"fit",     "--data",        gwt_source_path(GRUNFELD),
                           "--model", "inv ~ capital", "--out",
                           out,       "--name",        "a",
                           NULL};
    gwt_run_result r = gwt_run_cli_argv(again);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "/models/a exists already (choose another --name, or --replace"));
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    int equal = 0;
    assert_int_equal(gw_h5_compare_group(before, out, "/", NULL, 0, &equal, NULL, 0), GW_OK);
    assert_int_equal(equal, 1);

    assert_int_equal(fit_into(out, "a", "inv ~ capital", 1), 0);
    gw_results *res = NULL;
    gw_result *m = NULL;
    assert_int_equal(gw_results_open(out, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 3);
    assert_string_equal(gw_results_model_name(res, 0), "a");
    assert_string_equal(gw_results_model_name(res, 1), "b");
    assert_string_equal(gw_results_model_name(res, 2), "c");
    assert_int_equal(gw_results_get(res, "a", &m), GW_OK);
    assert_string_equal(m->formula, "inv ~ capital");
    gw_result_free(m);
    gw_results_close(res);
    for (int g = 0; g < 2; g++) {
        char where[256] = "";
        equal = 0;
        assert_int_equal(gw_h5_compare_group(before, out, g ? "/models/c" : "/models/b", NULL, 0,
                                             &equal, where, sizeof where),
                         GW_OK);
        if (!equal)
            fail_msg("model %s changed: %s", g ? "c" : "b", where);
    }
    equal = 1;
    assert_int_equal(gw_h5_compare_group(before, out, "/models/a", NULL, 0, &equal, NULL, 0),
                     GW_OK);
    assert_int_equal(equal, 0);
    /* --replace without --out/--name is a usage error */
    const char *lone[] = {
        "fit", "--data", gwt_source_path(GRUNFELD), "--model", "inv ~ value", "--replace", NULL};
    r = gwt_run_cli_argv(lone);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--replace needs --out"));
    gwt_run_free(&r);
}

static double ref(const char *vcov, const char *quantity)
{
    return gwt_ref_file("datasets/generated/hausman_note_ref.csv", "la_emp", vcov, quantity, "");
}

/* A negative classical statistic (V_fe - V_re not positive definite): the note in text and
 * JSON; the statistic's magnitude is plm's (phtest reports |H|), and the regression form with
 * the cluster-robust variance, the valid alternative, is plm's phtest(method = "aux"). */
static void test_hausman_negative_note(void **state)
{
    (void)state;
    const char *args[] = {"fit",
                          "--data",
                          gwt_source_path("datasets/uk_la_panel.csv"),
                          "--model",
                          "emp_rate ~ autonomy_share + median_hourly_pay",
                          "--estimator",
                          "re",
                          "--panel",
                          "la_id,year",
                          "--hausman",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    const double h = gwt_json_num(o, "hausman_chi2");
    assert_true(h < 0.0);
    gw_assert_close(-h, ref("iid", "chisq"), 1e-9, 0.0);
    assert_true(cJSON_GetObjectItem(o, "hausman_p") == NULL);
    assert_non_null(strstr(gwt_json_str(o, "hausman_note"), "not positive definite"));
    gw_assert_close(gwt_json_num(o, "hausman_robust_stat"), ref("aux_cluster", "chisq"), 1e-10,
                    0.0);
    gw_assert_close(gwt_json_num(o, "hausman_robust_df"), ref("aux_cluster", "df"), 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_robust_p"), ref("aux_cluster", "p_value"), 1e-9, 0.0);
    cJSON_Delete(o);
    args[11] = "text";
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "Prob > chi2 = NA\n  note: the classical statistic is negative"));
    gwt_run_free(&r);
    /* a valid statistic has no note */
    const char *ok[] = {"fit",
                        "--data",
                        gwt_source_path(GRUNFELD),
                        "--model",
                        "inv ~ value + capital",
                        "--panel",
                        "firm,year",
                        "--estimator",
                        "re",
                        "--hausman",
                        "--format",
                        "json",
                        NULL};
    o = gwt_cli_json(ok);
    assert_true(gwt_json_num(o, "hausman_chi2") >= 0.0);
    assert_true(cJSON_GetObjectItem(o, "hausman_note") == NULL);
    cJSON_Delete(o);
}

/* IV with --weights through the command line: R's AER::ivreg(weights = population) with
 * vcovCL by state (datasets/generated/iv_weights_ref.csv). */
static void test_iv_weights_cli(void **state)
{
    (void)state;
    const char *args[] = {"fit",
                          "--data",
                          gwt_source_path("datasets/cigarettes_sw.csv"),
                          "--model",
                          "lpacks ~ lrincome | lrprice ~ tdiff + rtax",
                          "--weights",
                          "population",
                          "--vcov",
                          "Cluster:state",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    assert_string_equal(gwt_json_str(o, "estimator"), "2sls");
    assert_string_equal(gwt_json_str(o, "vcov_type"), "cluster:state");
    const cJSON *c;
    size_t n = 0;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "coefficients"))
    {
        const char *t = gwt_json_str(c, "term");
        gw_assert_close(gwt_json_num(c, "estimate"),
                        gwt_ref_file("datasets/generated/iv_weights_ref.csv", "cigw",
                                     "cluster:state", "estimate", t),
                        1e-10, 0.0);
        gw_assert_close(gwt_json_num(c, "std_error"),
                        gwt_ref_file("datasets/generated/iv_weights_ref.csv", "cigw",
                                     "cluster:state", "std_error", t),
                        1e-10, 0.0);
        n++;
    }
    assert_int_equal(n, 3);
    gw_assert_close(gwt_json_num(o, "r2"),
                    gwt_ref_file("datasets/generated/iv_weights_ref.csv", "cigw", "iid", "r2", ""),
                    1e-10, 0.0);
    cJSON_Delete(o);
}

/* synergy --cluster through the command line: the JSON names the variable and each matrix's
 * clusters, r is the unclustered r and the pooled p-value is R's (lm + vcovCL). */
static void test_synergy_cluster_cli(void **state)
{
    (void)state;
    const char *args[] = {"synergy",
                          "--data",
                          gwt_source_path("datasets/uk_la_panel.csv"),
                          "--vars",
                          "emp_rate,life_sat",
                          "--time",
                          "year",
                          "--cluster",
                          "la_id",
                          "--format",
                          "json",
                          NULL};
    cJSON *o = gwt_cli_json(args);
    assert_string_equal(gwt_json_str(o, "cluster"), "la_id");
    const cJSON *all = cJSON_GetObjectItem(o, "all");
    gw_assert_close(gwt_json_num(all, "n_clusters"), 358.0, 0.0, 0.0);
    const cJSON *pv = cJSON_GetArrayItem(cJSON_GetObjectItem(all, "p_value"), 1);
    gw_assert_close(cJSON_GetArrayItem(pv, 0)->valuedouble,
                    gwt_ref_file("datasets/generated/synergy_cluster_ref.csv", "all",
                                 "cluster:la_id", "p_value", "emp_rate|life_sat"),
                    1e-8, 0.0);
    cJSON_Delete(o);
    args[9] = "--quiet";
    args[10] = NULL;
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
    const char *bad[] = {"synergy",
                         "--data",
                         gwt_source_path("datasets/uk_la_panel.csv"),
                         "--vars",
                         "emp_rate,life_sat",
                         "--time",
                         "year",
                         "--cluster",
                         "nosuch",
                         NULL};
    r = gwt_run_cli_argv(bad);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "nosuch"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vcov_case_and_aliases),
        cmocka_unit_test(test_quiet),
        cmocka_unit_test(test_replace),
        cmocka_unit_test(test_hausman_negative_note),
        cmocka_unit_test(test_iv_weights_cli),
        cmocka_unit_test(test_synergy_cluster_cli),
    };
    return cmocka_run_group_tests_name("fit_small_cli", tests, NULL, NULL);
}
