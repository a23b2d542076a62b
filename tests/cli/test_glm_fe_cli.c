/* test_glm_fe_cli.c -- goodwork fit --estimator poisson|logit with absorbed fixed effects
 * (models/glm/glm_fe.c through gw_fit_file, api/fit.c): estimates against R glm on the
 * dummy-variable design (datasets/generated/ppml_ref.csv, scripts/ref/ppml_ref.R), separation
 * counts in the JSON, thread-count identity of the output, and exit code 4 without convergence. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

static double ref(const char *key) { return gwt_ref_key("datasets/generated/ppml_ref.csv", key); }

static cJSON *run_json(gwt_run_result *r)
{
    if (r->exit_code != 0)
        fail_msg("exit %d: %s", r->exit_code, r->err);
    cJSON *o = cJSON_Parse(r->out);
    assert_non_null(o);
    return o;
}

static double coef(const cJSON *o, const char *term, const char *field)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(o, "coefficients"))
    {
        if (strcmp(cJSON_GetObjectItem(c, "term")->valuestring, term) == 0)
            return cJSON_GetObjectItem(c, field)->valuedouble;
    }
    fail_msg("no term %s", term);
    return NAN;
}

static void test_cli_poisson_twoway_matches_r(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/generated/ppml_ref_pois.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--estimator", "poisson", "--model",
                                   "y ~ x1 + x2 | a + b", "--format", "json", NULL);
    cJSON *o = run_json(&r);
    assert_string_equal(cJSON_GetObjectItem(o, "estimator")->valuestring, "poisson");
    gw_assert_close(cJSON_GetObjectItem(o, "nobs")->valuedouble, 5000.0, 0.0, 0.0);
    gw_assert_close(cJSON_GetObjectItem(o, "nobs_separated")->valuedouble, 0.0, 0.0, 0.0);
    gw_assert_close(coef(o, "x1", "estimate"), ref("poisson2,estimate,x1,"), 1e-8, 0.0);
    gw_assert_close(coef(o, "x2", "estimate"), ref("poisson2,estimate,x2,"), 1e-8, 0.0);
    gw_assert_close(coef(o, "x1", "std_error"), ref("poisson2,std_error_at_estimate,x1,"), 1e-8,
                    0.0);
    gw_assert_close(coef(o, "x2", "std_error"), ref("poisson2,std_error_at_estimate,x2,"), 1e-8,
                    0.0);
    gw_assert_close(cJSON_GetObjectItem(o, "loglik")->valuedouble, ref("poisson2,loglik,,"), 1e-10,
                    0.0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "fixed_effects")), 2);
    cJSON_Delete(o);
    gwt_run_free(&r);
}

static void test_cli_logit_oneway_matches_r(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/generated/ppml_ref_logit.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--estimator", "logit", "--model",
                                   "y ~ x1 + x2 | g", "--format", "json", NULL);
    cJSON *o = run_json(&r);
    gw_assert_close(coef(o, "x1", "estimate"), ref("logit1,estimate,x1,"), 1e-8, 0.0);
    gw_assert_close(coef(o, "x2", "std_error"), ref("logit1,std_error_at_estimate,x2,"), 1e-8, 0.0);
    cJSON_Delete(o);
    gwt_run_free(&r);
}

/* A group with an all-zero outcome and a separating regressor z: both reported in the JSON. */
static void test_cli_separation_reported(void **state)
{
    (void)state;
    char *csv = malloc(64 * 1024);
    assert_non_null(csv);
    size_t len = (size_t)sprintf(csv, "y,x,z,a,b\n");
    /* 60 rows, a in 0..9 (6 each), b in 0..5; a = 9 all zero; z = 1 on two y = 0 rows. */
    for (int i = 0; i < 60; i++) {
        int a = i % 10, b = (i / 10) % 6;
        double x = sin(1.7 * i);
        int y = a == 9 ? 0 : (int)(2.0 + 1.5 * x + (double)(i % 3));
        double z = 0.0;
        if (i == 11 || i == 23)
            y = 0, z = 1.0;
        len += (size_t)sprintf(csv + len, "%d,%.17g,%g,%d,%d\n", y, x, z, a, b);
    }
    const char *path = gwt_write_file("sep.csv", csv);
    free(csv);
    gwt_run_result r = gwt_run_cli("fit", "--data", path, "--estimator", "poisson", "--model",
                                   "y ~ x + z | a + b", "--format", "json", NULL);
    cJSON *o = run_json(&r);
    gw_assert_close(cJSON_GetObjectItem(o, "nobs_separated")->valuedouble, 8.0, 0.0, 0.0);
    gw_assert_close(cJSON_GetObjectItem(o, "nobs")->valuedouble, 52.0, 0.0, 0.0);
    const cJSON *ds = cJSON_GetObjectItem(o, "dropped_separated");
    assert_int_equal(cJSON_GetArraySize(ds), 1);
    assert_string_equal(cJSON_GetArrayItem(ds, 0)->valuestring, "z");
    assert_true(fabs(coef(o, "x", "estimate")) < 10.0);
    cJSON_Delete(o);
    gwt_run_free(&r);
}

static void test_cli_threads_identical_and_noconv_exit(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/generated/ppml_ref_pois.csv");
    gwt_run_result r1 = gwt_run_cli("fit", "--data", data, "--estimator", "poisson", "--model",
                                    "y ~ x1 + x2 | a + b", "--vcov", "cluster:a", "--format",
                                    "json", "--threads", "1", NULL);
    gwt_run_result r2 = gwt_run_cli("fit", "--data", data, "--estimator", "poisson", "--model",
                                    "y ~ x1 + x2 | a + b", "--vcov", "cluster:a", "--format",
                                    "json", "--threads", "2", NULL);
    assert_int_equal(r1.exit_code, 0);
    assert_int_equal(r2.exit_code, 0);
    assert_string_equal(r1.out, r2.out);
    gwt_run_free(&r1);
    gwt_run_free(&r2);
    gwt_run_result r3 = gwt_run_cli("fit", "--data", data, "--estimator", "poisson", "--model",
                                    "y ~ x1 + x2 | a + b", "--maxiter", "1", NULL);
    assert_int_equal(r3.exit_code, 4);
    assert_non_null(strstr(r3.err, "convergence"));
    gwt_run_free(&r3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_poisson_twoway_matches_r),
        cmocka_unit_test(test_cli_logit_oneway_matches_r),
        cmocka_unit_test(test_cli_separation_reported),
        cmocka_unit_test(test_cli_threads_identical_and_noconv_exit),
    };
    return cmocka_run_group_tests_name("glm_fe_cli", tests, NULL, NULL);
}
