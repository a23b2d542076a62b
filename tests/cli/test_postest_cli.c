/* test_postest_cli.c -- post-estimation commands (issue 19) on fits of the worker panel
 * datasets/psid7682.csv stored with `goodwork fit --out`, against base R
 * (scripts/ref/postest_ref.R, datasets/generated/postest_ref.csv) to 1e-10:
 * - `goodwork test`: joint Wald tests and --lincom (iid, clustered, weighted within, Poisson);
 * - `fit --level`: the intervals of a clustered fit;
 * - `goodwork predict`: lm with factors, --se and intervals; Poisson on both scales; through the
 *   `fit --save-fe` estimates (checked too); new rows with missing values and unseen levels;
 * - `--save-residuals`: the 1-based input rows, checked against the CSV itself;
 * - the usage errors, with their exit codes and messages. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_csv.h"
#include "gw_hdf5.h"
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

/* fit --level 0.9: the intervals of a clustered fit against R (t with G - 1 df), the level in
 * the JSON and in the text header; --level 0.95 prints what no --level prints, byte for byte. */
static void test_fit_level(void **state)
{
    (void)state;
    const char *data = gwt_source_path("datasets/psid7682.csv");
    const char *f1 = "lwage ~ experience + education + weeks + factor(south)";
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", f1, "--vcov", "cluster:worker",
                                   "--level", "0.9", "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    cJSON *o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    gw_assert_close(gwt_json_num(o, "conf_level"), 0.9, 0.0, 0.0);
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    static const char *const rname[] = {"(Intercept)", "experience", "education", "weeks",
                                        "factor(south)yes"};
    assert_int_equal(cJSON_GetArraySize(cs), 5);
    for (int j = 0; j < 5; j++) {
        const cJSON *c = cJSON_GetArrayItem(cs, j);
        gw_assert_close(gwt_json_num(c, "ci_low"), ref("ols", "cluster", "ci90_low", rname[j]),
                        1e-10, 0.0);
        gw_assert_close(gwt_json_num(c, "ci_high"), ref("ols", "cluster", "ci90_high", rname[j]),
                        1e-10, 0.0);
    }
    cJSON_Delete(o);
    r = gwt_run_cli("fit", "--data", data, "--model", f1, "--level", "0.9", NULL);
    assert_non_null(strstr(r.out, "[90% Conf. Interval]"));
    gwt_run_free(&r);
    gwt_run_result a = gwt_run_cli("fit", "--data", data, "--model", f1, NULL);
    gwt_run_result b = gwt_run_cli("fit", "--data", data, "--model", f1, "--level", "0.95", NULL);
    assert_string_equal(a.out, b.out);
    gwt_run_free(&a);
    gwt_run_free(&b);
    r = gwt_run_cli("fit", "--data", data, "--model", f1, "--level", "95", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "bad --level '95'"));
    gwt_run_free(&r);
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

/* --save-residuals stores each residual's 1-based input row: fitted + residual is the response
 * of that row of the CSV (read independently), rows are increasing, and the rows left out are
 * exactly those with a missing value (OLS) or also singletons and separated rows (within, FE
 * Poisson), whose count the fit reports. */
static void check_rows(const char *name, const char *formula, const char *est, const char *resp)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/rows.h5", gwt_tmpdir());
    const char *data = gwt_source_path("datasets/psid7682.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", formula, "--out", path,
                                   "--name", name, "--save-residuals", "--estimator", est, NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    gw_results *res = NULL;
    gw_result *fit = NULL;
    gw_table *t = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_get(res, name, &fit), GW_OK);
    gw_results_close(res);
    assert_int_equal(gw_csv_read_file(data, NULL, &t), GW_OK);
    const double *y = gw_table_numeric(t, (size_t)gw_table_find(t, resp));
    assert_non_null(fit->row_index);
    size_t n = gw_table_nrows(t);
    for (size_t i = 0; i < fit->nobs; i++) {
        size_t row = fit->row_index[i];
        assert_true(row >= 1 && row <= n && (i == 0 || row > fit->row_index[i - 1]));
        gw_assert_close(fit->fitted[i] + fit->residuals[i], y[row - 1], 1e-12, 1e-12);
    }
    size_t dropped = fit->nobs_dropped_missing;
    dropped += fit->singletons_dropped != GW_RESULT_NA ? fit->singletons_dropped : 0;
    dropped += fit->nobs_separated != GW_RESULT_NA ? fit->nobs_separated : 0;
    assert_int_equal(fit->nobs + dropped, n);
    gw_result_free(fit);
    gw_table_free(t);
}

static void test_residual_rows(void **state)
{
    (void)state;
    check_rows("ols", "lwage ~ experience + weeks", "ols", "lwage");
    check_rows("fe", "lwage ~ experience + weeks | worker", "ols", "lwage");
    check_rows("pfe", "weeks ~ experience | worker", "poisson", "weeks");
    check_rows("pois", "weeks ~ experience + education", "poisson", "weeks");
}

/* ---- goodwork predict against R's predict (scripts/ref/postest_ref.R, section 4). ---- */

/* Runs predict on datasets/generated/postest_new.csv and checks every row: the columns of the
 * reference (what[0..nw)) to 1e-10 where R predicts, an empty fit where it does not. */
static void check_predict(const char *model, const char *const *args, size_t nargs,
                          const char *const *what, size_t nw, size_t expect_missing)
{
    const char *nd = gwt_source_path("datasets/generated/postest_new.csv");
    const char *a[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
    for (size_t i = 0; i < nargs && i < 6; i++)
        a[i] = args[i];
    gwt_run_result r = gwt_run_cli("predict", "--results", results, "--name", model, "--data", nd,
                                   a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    if (r.exit_code != 0)
        fail_msg("predict %s: exit %d\n%s", model, r.exit_code, r.err);
    gwt_ref_table ref_t = {0};
    gwt_ref_load(REF, &ref_t);
    const char *line = strchr(r.out, '\n');
    size_t rows = 0, missing = 0;
    while (line != NULL && line[1] != '\0') {
        line++;
        char *end = NULL;
        unsigned long row = strtoul(line, &end, 10);
        char term[32];
        snprintf(term, sizeof term, "%lu", row);
        rows++;
        int has = gwt_ref_count(&ref_t, model, "iid", "fit") > 0;
        int in_ref = 0;
        for (size_t i = 0; has && i < ref_t.n; i++)
            in_ref |= !strcmp(ref_t.rows[i].model, model) && !strcmp(ref_t.rows[i].what, "fit") &&
                      !strcmp(ref_t.rows[i].term, term);
        const char *q = end;
        for (size_t c = 0; c < nw; c++) {
            assert_true(*q == ',');
            q++;
            if (!in_ref) {
                assert_true(*q == ',' || *q == '\n');
                continue;
            }
            double v = strtod(q, &end);
            assert_true(end != q);
            gw_assert_close(v, gwt_ref_get(&ref_t, model, "iid", what[c], term), 1e-10, 0.0);
            q = end;
        }
        missing += !in_ref;
        line = strchr(line, '\n');
    }
    assert_int_equal(rows, 40);
    assert_int_equal(missing, expect_missing);
    if (expect_missing > 0)
        assert_non_null(strstr(r.err, "not predicted"));
    gwt_ref_free(&ref_t);
    gwt_run_free(&r);
}

static void test_predict(void **state)
{
    (void)state;
    fit("p_ols",
        "lwage ~ experience + I(experience^2) + education*weeks + factor(south) + occupation + "
        "factor(year)",
        NULL, NULL, NULL, NULL);
    fit("p_pois", "weeks ~ experience + education + occupation", "--estimator", "poisson", "--tol",
        "1e-14");
    const char *const a1[] = {"--se", "--level", "0.9"};
    const char *const w4[] = {"fit", "se", "ci_low", "ci_high"};
    /* Row 5 and 24: weeks missing; 7: occupation "pink"; 9: year 1990. */
    check_predict("p_ols", a1, 3, w4, 4, 4);
    const char *const a2[] = {"--se"};
    check_predict("p_pois", a2, 1, w4, 4, 1);
    const char *const a3[] = {"--type", "link"};
    const char *const w1[] = {"link"};
    check_predict("p_pois", a3, 2, w1, 1, 1);
    /* A transformed response and arithmetic regressors, weighted, HC1 (section 6): the response
     * is never read from the new data. Rows 5 and 24: weeks missing. */
    fit("p_expr", "log(wage + 1) ~ log(weeks + 1) + I(experience / 10) + union", "--weights",
        "weight", "--vcov", "HC1");
    const char *const a4[] = {"--se", "--level", "0.9"};
    check_predict("p_expr", a4, 3, w4, 4, 2);
}

/* fit --save-fe: the stored estimates against R's dummy-variable regression (first year the
 * reference: goodwork's normalisation), and predictions through them. */
static void test_fixef(void **state)
{
    (void)state;
    fit("p_fe", "lwage ~ weeks + I(experience^2) | worker + year", "--weights", "weight",
        "--save-fe", NULL);
    gw_results *res = NULL;
    gw_result *r = NULL;
    assert_int_equal(gw_results_open(results, &res), GW_OK);
    assert_int_equal(gw_results_get(res, "p_fe", &r), GW_OK);
    gw_results_close(res);
    assert_int_equal(r->nfe, 2);
    gwt_ref_table t = {0};
    gwt_ref_load(REF, &t);
    size_t checked = 0;
    for (size_t g = 0; g < 2; g++) {
        const gw_result_fe *e = &r->fixed_effects[g];
        assert_int_equal(e->neffects, e->levels);
        for (size_t l = 0; l < e->neffects; l++) {
            const char *what = g == 0 ? "fixef_worker" : "fixef_year";
            for (size_t i = 0; i < t.n; i++)
                if (!strcmp(t.rows[i].model, "fe2") && !strcmp(t.rows[i].what, what) &&
                    !strcmp(t.rows[i].term, e->level_names[l])) {
                    gw_assert_close(e->effects[l], t.rows[i].value, 1e-10, 1e-12);
                    checked++;
                }
        }
    }
    assert_int_equal(checked, 5 + 7);
    gwt_ref_free(&t);
    gw_result_free(r);
    /* Rows 5 and 24: weeks missing; 9: year 1990; 11: worker w9999. */
    const char *const w1[] = {"fit"};
    check_predict("p_fe", NULL, 0, w1, 1, 4);
}

static void expect_predict_fail(int code, const char *needle, const char *name, const char *a1)
{
    const char *nd = gwt_source_path("datasets/generated/postest_new.csv");
    gwt_run_result r =
        gwt_run_cli("predict", "--results", results, "--name", name, "--data", nd, a1, NULL);
    if (r.exit_code != code || strstr(r.err, needle) == NULL)
        fail_msg("expected exit %d with '%s', got %d\n%s", code, needle, r.exit_code, r.err);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
}

static void test_predict_errors(void **state)
{
    (void)state;
    expect_predict_fail(2, "fit it with --save-fe", "fe_w", NULL);
    expect_predict_fail(2, "standard errors of predictions with absorbed", "p_fe", "--se");
    const char *data = gwt_source_path("datasets/psid7682.csv");
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", "lwage ~ weeks", "--out",
                                   results, "--name", "nofe", "--save-fe", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--save-fe applies to models with absorbed fixed effects"));
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", data, "--model", "lwage ~ weeks | worker", "--save-fe", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "--save-fe needs --out"));
    gwt_run_free(&r);
    expect_predict_fail(2, "--type applies to logit, probit and poisson", "ols", "--type=link");
    expect_predict_fail(2, "bad --level", "ols", "--level=0");
    expect_predict_fail(2, "bad --type", "pois", "--type=mean");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wald_ols),      cmocka_unit_test(test_wald_fe_glm),
        cmocka_unit_test(test_fit_level),     cmocka_unit_test(test_errors),
        cmocka_unit_test(test_residual_rows), cmocka_unit_test(test_predict),
        cmocka_unit_test(test_fixef),         cmocka_unit_test(test_predict_errors),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
