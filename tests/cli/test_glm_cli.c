/* test_glm_cli.c -- goodwork fit --estimator logit | probit | poisson (api/fit.c): JSON
 * against R's glm (datasets/generated/glm_ref.csv, scripts/ref/glm_ref.R), results files and
 * `goodwork table`, thread independence, and the exit codes (2 usage, 3 data, 4 no
 * convergence / separation). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

static const char *const F_LFP = "participation ~ nwifeinc + education + experience + "
                                 "I(experience^2) + age + youngkids + oldkids";
static const char *const F_SEP = "participation ~ education + age + factor(youngkids)";
static const char *const F_DV = "visits ~ female + age + I(age^2) + income + illness + reduced "
                                "+ health + private + freepoor + freerepat + nchronic + "
                                "lchronic";

/* ---- The R reference (the same file as tests/models/test_glm.c). ---- */

static double ref(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_file("datasets/generated/glm_ref.csv", model, vcov, what, term);
}

/* ---- Running the CLI. ---- */

/* Every entry of the array `name` of o against the reference (estimate and std_error, or the
 * AMEs with what "ame"), to min_digits; returns the number of entries. */
static int check_coefs(const cJSON *o, const char *name, const char *model, const char *vcov,
                       int ame, double min_digits)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, name);
    assert_true(cJSON_IsArray(arr));
    int n = cJSON_GetArraySize(arr);
    for (int j = 0; j < n; j++) {
        const cJSON *c = cJSON_GetArrayItem(arr, j);
        const char *term = gwt_json_str(c, "term");
        gw_assert_lre(gwt_json_num(c, "estimate"),
                      ref(model, ame ? vcov : "", ame ? "ame" : "estimate", term), min_digits);
        gw_assert_lre(gwt_json_num(c, "std_error"),
                      ref(model, vcov, ame ? "ame_se" : "std_error", term), min_digits);
        if (cJSON_GetObjectItemCaseSensitive(c, "statistic") != NULL) /* not in tables */
            gw_assert_close(gwt_json_num(c, "statistic"),
                            gwt_json_num(c, "estimate") / gwt_json_num(c, "std_error"), 1e-15, 0.0);
    }
    return n;
}

static const char *psid(void) { return gwt_source_path("datasets/psid1976.csv"); }
static const char *dvisits(void) { return gwt_source_path("datasets/doctorvisits.csv"); }

/* ---- Tests. ---- */

static void test_glm_cli_logit_json(void **state)
{
    (void)state;
    const char *args[] = {"fit",   "--data",   psid(), "--model", F_LFP, "--estimator",
                          "logit", "--format", "json", "--ame",   NULL};
    cJSON *o = gwt_cli_json(args);
    assert_string_equal(gwt_json_str(o, "estimator"), "logit");
    assert_string_equal(gwt_json_str(o, "family"), "binomial");
    assert_string_equal(gwt_json_str(o, "link"), "logit");
    assert_string_equal(gwt_json_str(o, "vcov_type"), "iid");
    assert_string_equal(gwt_json_str(o, "statistic_type"), "z");
    assert_int_equal(check_coefs(o, "coefficients", "logit_lfp", "iid", 0, 10.0), 8);
    assert_int_equal(check_coefs(o, "marginal_effects", "logit_lfp", "iid", 1, 10.0), 7);
    static const char *const stats[] = {"loglik", "deviance", "null_deviance",
                                        "aic",    "bic",      "pseudo_r2"};
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++)
        gw_assert_lre(gwt_json_num(o, stats[i]), ref("logit_lfp", "", stats[i], ""), 10.0);
    gw_assert_close(gwt_json_num(o, "nobs"), 753.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "dispersion"), 1.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs_separated"), 0.0, 0.0, 0.0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "converged")));
    assert_true(gwt_json_num(o, "iterations") >= 3.0);
    cJSON_Delete(o);
}

static void test_glm_cli_probit_robust_json(void **state)
{
    (void)state;
    const char *args[] = {"fit",         "--data", psid(),     "--model", F_LFP,
                          "--estimator", "probit", "--format", "json",    "--vcov",
                          "hc1",         "--ame",  NULL};
    cJSON *o = gwt_cli_json(args);
    assert_string_equal(gwt_json_str(o, "link"), "probit");
    assert_string_equal(gwt_json_str(o, "vcov_type"), "hc1");
    check_coefs(o, "coefficients", "probit_lfp", "hc1", 0, 9.0);
    check_coefs(o, "marginal_effects", "probit_lfp", "hc1", 1, 9.0);
    cJSON_Delete(o);
}

/* Poisson with clustered errors: R's values, and the same bytes with 1 and 2 threads. */
static void test_glm_cli_poisson_cluster_threads(void **state)
{
    (void)state;
    const char *a1[] = {
        "fit",    "--data",         dvisits(),  "--model", F_DV,    "--estimator", "poisson",
        "--vcov", "cluster:agegrp", "--format", "json",    "--ame", "--threads",   "1",
        NULL};
    const char *a2[] = {
        "fit",    "--data",         dvisits(),  "--model", F_DV,    "--estimator", "poisson",
        "--vcov", "cluster:agegrp", "--format", "json",    "--ame", "--threads",   "2",
        NULL};
    gwt_run_result r1 = gwt_run_cli_argv(a1), r2 = gwt_run_cli_argv(a2);
    assert_int_equal(r1.exit_code, 0);
    assert_int_equal(r2.exit_code, 0);
    assert_string_equal(r1.out, r2.out);
    cJSON *o = cJSON_Parse(r1.out);
    assert_non_null(o);
    assert_string_equal(gwt_json_str(o, "family"), "poisson");
    assert_string_equal(gwt_json_str(o, "link"), "log");
    assert_int_equal(check_coefs(o, "coefficients", "poisson_dv", "cluster:agegrp", 0, 10.0), 13);
    check_coefs(o, "marginal_effects", "poisson_dv", "cluster:agegrp", 1, 10.0);
    gw_assert_lre(gwt_json_num(o, "loglik"), ref("poisson_dv", "", "loglik", ""), 10.0);
    cJSON_Delete(o);
    gwt_run_free(&r1);
    gwt_run_free(&r2);
}

/* Separation: the dummy that predicts failure perfectly is dropped, its rows counted. */
static void test_glm_cli_separation(void **state)
{
    (void)state;
    const char *args[] = {"fit",         "--data", psid(),     "--model", F_SEP,
                          "--estimator", "logit",  "--format", "json",    NULL};
    cJSON *o = gwt_cli_json(args);
    gw_assert_close(gwt_json_num(o, "nobs_separated"), 3.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs"), 750.0, 0.0, 0.0);
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(o, "dropped_separated");
    assert_int_equal(cJSON_GetArraySize(ds), 1);
    assert_string_equal(cJSON_GetArrayItem(ds, 0)->valuestring, "factor(youngkids)=3");
    check_coefs(o, "coefficients", "logit_sep", "iid", 0, 10.0);
    cJSON_Delete(o);
    /* Complete separation by a continuous regressor: exit 4 with the reason. */
    const char *bad[] = {"fit",         "--data", psid(), "--model", "participation ~ hours",
                         "--estimator", "logit",  NULL};
    gwt_run_result r = gwt_run_cli_argv(bad);
    assert_int_equal(r.exit_code, 4);
    assert_non_null(strstr(r.err, "perfectly separates"));
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
}

/* --out, then `goodwork table` with two GLMs side by side. */
static void test_glm_cli_out_and_table(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/glm_results.h5", gwt_tmpdir());
    remove(path);
    const char *a1[] = {"fit",   "--data", psid(), "--model", F_LFP,       "--estimator",
                        "logit", "--out",  path,   "--name",  "lfp_logit", NULL};
    const char *a2[] = {"fit",    "--data", psid(), "--model", F_LFP,        "--estimator",
                        "probit", "--out",  path,   "--name",  "lfp_probit", NULL};
    gwt_run_result r = gwt_run_cli_argv(a1);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli_argv(a2);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    const char *t[] = {"table", path, "--format", "json", NULL};
    cJSON *o = gwt_cli_json(t);
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(o, "models");
    assert_int_equal(cJSON_GetArraySize(models), 2);
    const cJSON *m0 = cJSON_GetArrayItem(models, 0), *m1 = cJSON_GetArrayItem(models, 1);
    assert_string_equal(gwt_json_str(m0, "name"), "lfp_logit");
    assert_string_equal(gwt_json_str(m0, "estimator"), "logit");
    assert_string_equal(gwt_json_str(m1, "estimator"), "probit");
    check_coefs(m0, "coefficients", "logit_lfp", "iid", 0, 10.0);
    check_coefs(m1, "coefficients", "probit_lfp", "iid", 0, 9.0);
    cJSON_Delete(o);
    const char *tt[] = {"table", path, NULL};
    r = gwt_run_cli_argv(tt);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "lfp_probit"));
    assert_non_null(strstr(r.out, "I(experience^2)"));
    gwt_run_free(&r);
    remove(path);
}

/* Exit codes and one clear error line each. */
static void test_glm_cli_errors(void **state)
{
    (void)state;
    static const struct {
        const char *model, *estimator, *extra[4];
        int code;
        const char *needle;
    } cases[] = {
        {NULL, "logit", {"--maxiter", "1", NULL}, 4, "did not converge"},
        {NULL, "probit", {"--maxiter", "2", NULL}, 4, "did not converge"},
        {NULL, "logit", {"--maxiter", "0", NULL}, 2, "--maxiter"},
        {NULL, "logit", {"--maxiter", "12x", NULL}, 2, "--maxiter"},
        {NULL, "logit", {"--tol", "0", NULL}, 2, "--tol"},
        {NULL, "logit", {"--tol", "abc", NULL}, 2, "--tol"},
        {NULL, "poisson", {"--tol", "1.5", NULL}, 2, "--tol"},
        {NULL, "logit", {"--vcov", "dk:2", NULL}, 2, "dk:2"},
        {NULL, "ols", {"--ame", NULL}, 2, "--ame"},
        {"hours ~ education + age", "logit", {NULL}, 3, "data row 1"},
        {"hours ~ education + age", "probit", {NULL}, 3, "outside [0, 1]"},
        {"participation ~ hours", "probit", {NULL}, 4, "perfectly separates"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *args[16] = {"fit",
                                "--data",
                                psid(),
                                "--model",
                                cases[c].model ? cases[c].model : F_LFP,
                                "--estimator",
                                cases[c].estimator};
        size_t n = 7;
        for (size_t e = 0; e < 4 && cases[c].extra[e] != NULL; e++)
            args[n++] = cases[c].extra[e];
        args[n] = NULL;
        gwt_run_result r = gwt_run_cli_argv(args);
        if (r.exit_code != cases[c].code ||
            (cases[c].needle != NULL && strstr(r.err, cases[c].needle) == NULL) ||
            strncmp(r.err, "goodwork: error: ", 17) != 0 || r.out[0] != '\0')
            fail_msg("case %zu (%s %s): exit %d (expected %d)\nstdout: %s\nstderr: %s", c,
                     cases[c].estimator, cases[c].extra[0] ? cases[c].extra[0] : "", r.exit_code,
                     cases[c].code, r.out, r.err);
        gwt_run_free(&r);
    }
    /* A negative count: exit 3 naming the data row. */
    const char *csv = gwt_write_file("negative_count.csv", "y,x\n1,0.5\n2,1.5\n-1,2\n0,0.1\n");
    const char *neg[] = {"fit", "--data", csv, "--model", "y ~ x", "--estimator", "poisson", NULL};
    gwt_run_result r = gwt_run_cli_argv(neg);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "data row 3"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_cli_logit_json),
        cmocka_unit_test(test_glm_cli_probit_robust_json),
        cmocka_unit_test(test_glm_cli_poisson_cluster_threads),
        cmocka_unit_test(test_glm_cli_separation),
        cmocka_unit_test(test_glm_cli_out_and_table),
        cmocka_unit_test(test_glm_cli_errors),
    };
    return cmocka_run_group_tests_name("glm_cli", tests, NULL, NULL);
}
