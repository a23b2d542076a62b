/* test_panel_cli.c -- `goodwork fit` with --estimator re|fd|between and --vcov dk:L|nw:L on
 * Grunfeld (--panel firm,year), against R plm (datasets/generated/grunfeld_panel_ref.csv,
 * scripts/ref/grunfeld_panel_ref.R).
 * Every fit must succeed: a failed run fails the test (no skips). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

#define MODEL "inv ~ value + capital"

static const char *grunfeld(void) { return gwt_source_path("datasets/grunfeld.csv"); }

/* Run goodwork with args (NULL-terminated, without argv[0]). */
/* The reference value (model, vcov, what, term) of grunfeld_panel_ref.csv. */
static double ref(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_file("datasets/generated/grunfeld_panel_ref.csv", model, vcov, what, term);
}

/* Fit with --format json; NULL (and the test skipped) when the CLI is not wired yet. */
static cJSON *fit_json(const char *estimator, const char *vcov, const char *threads)
{
    const char *args[] = {"fit",       "--data",    grunfeld(), "--model",     MODEL,     "--panel",
                          "firm,year", "--format",  "json",     "--estimator", estimator, "--vcov",
                          vcov,        "--threads", threads,    NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("fit --estimator %s --vcov %s: exit %d\nstderr: %s", estimator, vcov, r.exit_code,
                 r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%s", r.out);
    gwt_run_free(&r);
    return o;
}

/* Compare the JSON coefficients with plm's (model, vcov) reference to 1e-9 relative. */
static void check_coefs(const cJSON *o, const char *model, const char *vcov)
{
    const char *terms[] = {"(Intercept)", "value", "capital"};
    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    assert_int_equal(cJSON_GetArraySize(coefs), 3);
    for (int j = 0; j < 3; j++) {
        const cJSON *c = cJSON_GetArrayItem(coefs, j);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "term")->valuestring, terms[j]);
        gw_assert_close(cJSON_GetObjectItemCaseSensitive(c, "estimate")->valuedouble,
                        ref(model, "iid", "estimate", terms[j]), 1e-9, 0.0);
        gw_assert_close(cJSON_GetObjectItemCaseSensitive(c, "std_error")->valuedouble,
                        ref(model, vcov, "std_error", terms[j]), 1e-9, 0.0);
    }
}

static void test_panel_cli_estimators(void **state)
{
    (void)state;
    const struct {
        const char *estimator, *vcov, *model, *refvcov, *name;
    } cases[] = {
        {"re", "iid", "re", "iid", "re"},      {"re", "cluster:firm", "re", "cluster:firm", "re"},
        {"re", "dk:2", "re", "dk2", "re"},     {"fd", "iid", "fd", "iid", "fd"},
        {"fd", "nw:2", "fd", "nw2", "fd"},     {"between", "iid", "between", "iid", "between"},
        {"ols", "dk:4", "pool", "dk4", "ols"}, {"ols", "nw:0", "pool", "nw0", "ols"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        cJSON *o = fit_json(cases[c].estimator, cases[c].vcov, "1");
        assert_non_null(o);
        check_coefs(o, cases[c].model, cases[c].refvcov);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "estimator")->valuestring,
                            cases[c].name);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "vcov_type")->valuestring,
                            cases[c].vcov);
        gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "nobs")->valuedouble,
                        ref(cases[c].model, "iid", "nobs", ""), 0.0, 0.0);
        cJSON_Delete(o);
    }
}

static void test_panel_cli_threads_identical(void **state)
{
    (void)state;
    const char *est[] = {"re", "fd", "ols"}, *vc[] = {"dk:2", "nw:3", "nw:1"};
    for (size_t c = 0; c < 3; c++) {
        cJSON *a = fit_json(est[c], vc[c], "1"), *b = fit_json(est[c], vc[c], "2");
        assert_non_null(a);
        assert_non_null(b);
        char *sa = cJSON_PrintUnformatted(a), *sb = cJSON_PrintUnformatted(b);
        assert_string_equal(sa, sb);
        free(sa);
        free(sb);
        cJSON_Delete(a);
        cJSON_Delete(b);
    }
}

static void test_panel_cli_usage_errors(void **state)
{
    (void)state;
    const struct {
        const char *estimator, *vcov, *panel, *needle;
    } cases[] = {
        {"re", "iid", NULL, "--panel"},
        {"fd", "iid", NULL, "--panel"},
        {"ols", "dk:2", NULL, "--panel"},
        {"ols", "dk:x", "firm,year", "LAGS"},
        {"between", "nw:1", "firm,year", "between"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *args[16] = {"fit",         "--data",           grunfeld(), "--model",     MODEL,
                                "--estimator", cases[c].estimator, "--vcov",   cases[c].vcov, NULL};
        if (cases[c].panel != NULL) {
            args[9] = "--panel";
            args[10] = cases[c].panel;
            args[11] = NULL;
        }
        gwt_run_result r = gwt_run_cli_argv(args);
        if (r.exit_code != 2 || strstr(r.err, cases[c].needle) == NULL || r.out[0] != '\0')
            fail_msg("--estimator %s --vcov %s: exit %d, stderr: %s", cases[c].estimator,
                     cases[c].vcov, r.exit_code, r.err);
        gwt_run_free(&r);
    }
}

/* --hausman: the classical statistic against plm phtest(within, random) and the cluster-robust
 * regression form against phtest(method = "aux", vcov = vcovHC(arellano, sss)) (the same on a
 * balanced panel), both to 1e-9 relative through the JSON; the RE variance components and
 * theta against plm's ercomp. */
static void test_panel_cli_hausman(void **state)
{
    (void)state;
    const char *args[] = {"fit",     "--data",    grunfeld(), "--model", MODEL,
                          "--panel", "firm,year", "--format", "json",    "--estimator",
                          "re",      "--hausman", NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("fit --hausman: exit %d\nstderr: %s", r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    assert_non_null(o);
    check_coefs(o, "re", "iid");
    gw_assert_close(gwt_json_num(o, "hausman_chi2"), ref("hausman", "iid", "chisq", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_df"), ref("hausman", "iid", "df", ""), 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_p"), ref("hausman", "iid", "p_value", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_robust_stat"),
                    ref("hausman", "aux_cluster", "chisq", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_robust_df"), ref("hausman", "aux_cluster", "df", ""),
                    0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "hausman_robust_p"),
                    ref("hausman", "aux_cluster", "p_value", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "sigma_u"), sqrt(ref("re", "iid", "sigma2_u", "")), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "sigma_e"), sqrt(ref("re", "iid", "sigma2_e", "")), 1e-9, 0.0);
    const double su2 = ref("re", "iid", "sigma2_u", ""), se2 = ref("re", "iid", "sigma2_e", "");
    gw_assert_close(gwt_json_num(o, "rho"), su2 / (su2 + se2), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "theta"), ref("re", "iid", "theta", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "theta_min"), gwt_json_num(o, "theta"), 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "theta_max"), gwt_json_num(o, "theta"), 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "n_groups"), 10.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "t_min"), 20.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "t_max"), 20.0, 0.0, 0.0);
    cJSON_Delete(o);

    /* Text output: the xtreg-like block. */
    const char *targs[] = {"fit",       "--data",      grunfeld(), "--model",   MODEL, "--panel",
                           "firm,year", "--estimator", "re",       "--hausman", NULL};
    r = gwt_run_cli_argv(targs);
    assert_int_equal(r.exit_code, 0);
    const char *needles[] = {"Groups: 10; obs per group: min 20, max 20",
                             "sigma_u = 84.201, sigma_e = 52.768, rho = 0.718008 (fraction of "
                             "variance due to u_i)",
                             "theta = 0.861224",
                             "Hausman test (fe vs re, classical): chi2(2) = 2.33037",
                             "Hausman test (regression form, cluster-robust by id): chi2(2) = "
                             "7.31971"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        if (strstr(r.out, needles[i]) == NULL)
            fail_msg("text output lacks \"%s\":\n%s", needles[i], r.out);
    gwt_run_free(&r);

    /* Pooled OLS with --hausman (no estimator): the test, no RE components; fd: dimensions. */
    const char *pargs[] = {"fit",       "--data",   grunfeld(), "--model",   MODEL, "--panel",
                           "firm,year", "--format", "json",     "--hausman", NULL};
    r = gwt_run_cli_argv(pargs);
    assert_int_equal(r.exit_code, 0);
    o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    assert_non_null(o);
    gw_assert_close(gwt_json_num(o, "hausman_chi2"), ref("hausman", "iid", "chisq", ""), 1e-9, 0.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "sigma_u"));
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "theta"));
    cJSON_Delete(o);
    o = fit_json("fd", "iid", "1");
    assert_non_null(o);
    gw_assert_close(gwt_json_num(o, "n_groups"), 10.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "t_min"), 20.0, 0.0, 0.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "hausman_chi2"));
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "sigma_e"));
    cJSON_Delete(o);

    /* Usage: --hausman needs --panel, and no absorbed effects. */
    const char *u1[] = {"fit", "--data", grunfeld(), "--model", MODEL, "--hausman", NULL};
    r = gwt_run_cli_argv(u1);
    if (r.exit_code != 2 || strstr(r.err, "--panel") == NULL || r.out[0] != '\0')
        fail_msg("--hausman without --panel: exit %d, stderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    const char *u2[] = {"fit",     "--data",    grunfeld(),  "--model", MODEL " | firm",
                        "--panel", "firm,year", "--hausman", NULL};
    r = gwt_run_cli_argv(u2);
    if (r.exit_code != 2 || strstr(r.err, "--hausman") == NULL || r.out[0] != '\0')
        fail_msg("--hausman with fixed effects: exit %d, stderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panel_cli_estimators),
        cmocka_unit_test(test_panel_cli_threads_identical),
        cmocka_unit_test(test_panel_cli_usage_errors),
        cmocka_unit_test(test_panel_cli_hausman),
    };
    return cmocka_run_group_tests_name("panel_cli", tests, NULL, NULL);
}
