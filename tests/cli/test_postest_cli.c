/* test_postest_cli.c -- post-estimation commands (issue 19): `goodwork test` (joint Wald tests and
 * --lincom) on fits of the worker panel datasets/psid7682.csv stored with `goodwork fit --out`,
 * against the hand computations in base R of scripts/ref/postest_ref.R
 * (datasets/generated/postest_ref.csv) to 1e-10; and the exit codes and messages of its usage
 * errors (unknown coefficient with the list, caret, dependent restrictions, bad --level). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

static const char REF[] = "datasets/generated/postest_ref.csv";
static char results[4200];

static double ref(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_file(REF, model, vcov, what, term);
}

/* Runs goodwork fit on the worker panel into the results file as model name, with up to four
 * more arguments (NULL: none; the trailing NULLs end the list). */
static void fit(const char *name, const char *formula, const char *e1, const char *e2,
                const char *e3, const char *e4)
{
    const char *data = gwt_source_path("datasets/psid7682.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", formula, "--out", results,
                                   "--name", name, e1, e2, e3, e4, NULL);
    if (r.exit_code != 0)
        fail_msg("fit %s: exit %d\n%s", name, r.exit_code, r.err);
    gwt_run_free(&r);
}

static int setup(void **state)
{
    (void)state;
    snprintf(results, sizeof results, "%s/post.h5", gwt_tmpdir());
    remove(results);
    const char *f1 = "lwage ~ experience + education + weeks + factor(south)";
    fit("ols", f1, NULL, NULL, NULL, NULL);
    fit("ols_cl", f1, "--vcov", "cluster:worker", NULL, NULL);
    fit("fe_w", "lwage ~ experience + weeks | worker", "--weights", "weight", NULL, NULL);
    /* education does not vary within worker: dropped as collinear. */
    fit("col", "lwage ~ experience + education | worker", NULL, NULL, NULL, NULL);
    /* R's glm at epsilon 1e-14: the exact MLE to double precision. */
    fit("pois", "weeks ~ experience + education", "--estimator", "poisson", "--tol", "1e-14");
    return 0;
}

/* The JSON of goodwork test (exit 0 expected). */
static cJSON *run_wald(const char *name, const char *r1, const char *r2, const char *lincom,
                       const char *level)
{
    gwt_run_result r = gwt_run_cli("test", "--results", results, "--name", name, "--format", "json",
                                   "--lincom", lincom, "--level", level, r1, r2, NULL);
    if (r.exit_code != 0)
        fail_msg("test %s: exit %d\n%s", name, r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    assert_non_null(o);
    return o;
}

static void check(const cJSON *o, const char *model, const char *vcov, const char *type)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "test");
    assert_non_null(t);
    assert_string_equal(gwt_json_str(t, "type"), type);
    gw_assert_close(gwt_json_num(t, "statistic"), ref(model, vcov, "wald_stat", type), 1e-10, 0.0);
    gw_assert_close(gwt_json_num(t, "p_value"), ref(model, vcov, "wald_p", type), 1e-9, 1e-300);
    const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "lincom"), 0);
    assert_non_null(l);
    static const char *const what[] = {"estimate", "std_error", "statistic", "ci_low", "ci_high"};
    for (size_t i = 0; i < sizeof what / sizeof what[0]; i++)
        gw_assert_close(gwt_json_num(l, what[i]), ref(model, vcov, "lincom", what[i]), 1e-10, 0.0);
    gw_assert_close(gwt_json_num(l, "p_value"), ref(model, vcov, "lincom", "p_value"), 1e-9,
                    1e-300);
}

static void test_wald_ols(void **state)
{
    (void)state;
    const char *lc = "experience + 2*education - 1";
    cJSON *o = run_wald("ols", "experience = weeks", "factor(south)=yes = 0", lc, "0.9");
    check(o, "ols", "iid", "F");
    cJSON_Delete(o);
    o = run_wald("ols_cl", "experience = weeks", "factor(south)=yes=0", lc, "0.90");
    check(o, "ols", "cluster", "F");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "test");
    gw_assert_close(gwt_json_num(t, "df2"), 594.0, 0.0, 0.0); /* G - 1 */
    cJSON_Delete(o);
}

static void test_wald_fe_glm(void **state)
{
    (void)state;
    gwt_run_result r =
        gwt_run_cli("test", "--results", results, "--name", "fe_w", "--format", "json", "--lincom",
                    "experience - weeks", "experience = 10*weeks", NULL);
    assert_int_equal(r.exit_code, 0);
    cJSON *o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    check(o, "fe_w", "iid", "F");
    cJSON_Delete(o);
    o = run_wald("pois", "experience = 0", "education = 0.05", "experience + education", "0.95");
    check(o, "pois", "iid", "chi2");
    const cJSON *l = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "lincom"), 0);
    assert_string_equal(gwt_json_str(l, "statistic_type"), "z");
    cJSON_Delete(o);
}

static void expect_fail(int code, const char *needle, const char *a1, const char *a2,
                        const char *a3)
{
    gwt_run_result r = gwt_run_cli("test", "--results", results, a1, a2, a3, NULL);
    if (r.exit_code != code || strstr(r.err, needle) == NULL)
        fail_msg("expected exit %d with '%s', got %d\n%s", code, needle, r.exit_code, r.err);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
}

static void test_errors(void **state)
{
    (void)state;
    expect_fail(2, "unknown coefficient 'experiance'", "--name=ols", "experiance = 0", NULL);
    expect_fail(2, "(coefficients: (Intercept), experience, education, weeks, factor(south)=yes)",
                "--name=ols", "experiance = 0", NULL);
    expect_fail(2, "  weeks =\n         ^", "--name=ols", "weeks = ", NULL); /* caret at the end */
    expect_fail(2, "was dropped as collinear", "--name=col", "education = 0", NULL);
    expect_fail(2, "two coefficients multiplied", "--name=ols", "weeks*education", NULL);
    expect_fail(2, "'=' given twice", "--name=ols", "weeks = 1 = 2", NULL);
    expect_fail(4, "singular", "--name=ols", "weeks = 0", "2*weeks = 0");
    expect_fail(2, "involves no coefficient", "--name=ols", "weeks = weeks", NULL);
    expect_fail(2, "bad --level", "--name=ols", "--level=1.5", "weeks = 0");
    expect_fail(2, "'=' in a linear combination", "--name=ols", "--lincom=weeks = 0", NULL);
    expect_fail(2, "no model 'nope'", "--name=nope", "weeks = 0", NULL);
    expect_fail(2, "choose one with --name", "weeks = 0", NULL, NULL);
    expect_fail(2, "nothing to test", "--name=ols", NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wald_ols),
        cmocka_unit_test(test_wald_fe_glm),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
