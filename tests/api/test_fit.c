/* test_fit.c -- the library's front door (api/gw_fit.h): a formula fitted on a file or a table
 * gives R's numbers, the same bytes from CSV, from HDF5 and from an in-memory table (which is
 * left unchanged), the dispatch to each estimator, and every option error as a status and a
 * message before any data is read. */
#include <math.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_output.h"
#include "gw_test.h"

#define GRUNFELD "datasets/grunfeld.csv"
#define REF "datasets/generated/grunfeld_ref.csv"

/* R 4.2.2 lm + sandwich::vcovCL (datasets/generated/grunfeld_ref.csv, model m1), through
 * gw_fit_file, with the labels the command line prints. */
static void test_fit_file_matches_r(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "cluster:firm"};
    gw_result *r = NULL;
    gw_fit_timings tm;
    if (gw_fit_file(gwt_source_path(GRUNFELD), "inv ~ value + capital", &o, &r, &tm) != GW_OK)
        fail_msg("%s", gw_last_error());
    gwt_assert_grunfeld_m1(r, "cluster:firm");
    assert_true(tm.read >= 0.0 && tm.frame >= 0.0 && tm.estimate >= 0.0);
    gw_result_free(r);
}

/* The same bytes from the CSV file, its HDF5 conversion and the table in memory, which
 * gw_fit_table leaves as it was (a second fit on it gives the same bytes again). */
static void test_fit_table_file_same_bytes(void **state)
{
    (void)state;
    const char *model = "inv ~ value + capital | firm + year";
    gw_fit_opts o = {.vcov = "cluster:firm", .ssc = GW_SSC_STATA};
    gw_table *t = NULL;
    gw_result *rf = NULL, *rt = NULL, *rt2 = NULL, *rh = NULL;
    const char *h5 = gwt_write_file("grunfeld.h5", "");
    assert_int_equal(gw_data_load(gwt_source_path(GRUNFELD), NULL, &t), GW_OK);
    assert_int_equal(gw_h5_table_write(t, h5, NULL), GW_OK);
    assert_int_equal(gw_fit_file(gwt_source_path(GRUNFELD), model, &o, &rf, NULL), GW_OK);
    assert_int_equal(gw_fit_file(h5, model, &o, &rh, NULL), GW_OK);
    assert_int_equal(gw_fit_table(t, model, &o, &rt), GW_OK);
    assert_int_equal(gw_fit_table(t, model, &o, &rt2), GW_OK);
    gwt_assert_same_result(rf, rh);
    gwt_assert_same_result(rf, rt);
    gwt_assert_same_result(rf, rt2);
    assert_int_equal(gw_table_nrows(t), 200);
    gw_result_free(rf);
    gw_result_free(rh);
    gw_result_free(rt);
    gw_result_free(rt2);
    gw_table_free(t);
}

/* Each estimator is reached through the options, and labels itself. */
static void test_fit_dispatch(void **state)
{
    (void)state;
    static const struct {
        const char *data, *formula;
        gw_fit_opts o;
        const char *estimator;
    } cases[] = {
        {GRUNFELD,
         "inv ~ value + capital",
         {.estimator = "re", .panel_id = "firm", .panel_time = "year"},
         "re"},
        {GRUNFELD,
         "inv ~ value + capital",
         {.estimator = "fd", .panel_id = "firm", .panel_time = "year"},
         "fd"},
        {GRUNFELD,
         "inv ~ value + capital | firm",
         {.vcov = "dk:2", .panel_id = "firm", .panel_time = "year"},
         "ols"},
        {GRUNFELD, "inv ~ capital | firm | value ~ year", {0}, "2sls"},
        {"datasets/psid1976.csv",
         "participation ~ age + education",
         {.estimator = "logit", .flags = GW_FIT_AME},
         "logit"},
        {"datasets/doctorvisits.csv", "visits ~ age + income", {.estimator = "poisson"}, "poisson"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_result *r = NULL;
        if (gw_fit_file(gwt_source_path(cases[k].data), cases[k].formula, &cases[k].o, &r, NULL) !=
            GW_OK)
            fail_msg("case %zu: %s", k, gw_last_error());
        if (strcmp(r->estimator, cases[k].estimator) != 0)
            fail_msg("case %zu: estimator %s, expected %s", k, r->estimator, cases[k].estimator);
        assert_true(r->k > 0 && isfinite(r->std_error[0]));
        gw_result_free(r);
    }
}

/* Option errors: a status and a message, no result, and nothing read (the data path does not
 * exist, so reaching the reader would fail with GW_EIO instead). */
static void test_fit_option_errors(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_fit_opts o;
        gw_status want;
        const char *msg;
    } cases[] = {
        {"y ~ x", {.estimator = "tobit"}, GW_EINVAL, "unknown --estimator 'tobit'"},
        {"y ~ x", {.vcov = "hc9"}, GW_EINVAL, "bad --vcov 'hc9'"},
        {"y ~ x", {.vcov = "cluster:a+a"}, GW_EINVAL, "the same cluster variable twice"},
        {"y ~ x", {.vcov = "dk:2"}, GW_EINVAL, "dk:2 needs --panel ID,TIME"},
        {"y ~ x", {.vcov = "nw:x"}, GW_EINVAL, "LAGS must be a non-negative integer"},
        {"y ~ x", {.flags = GW_FIT_AME}, GW_EINVAL, "--ame applies only to"},
        {"y ~ x", {.flags = GW_FIT_HAUSMAN}, GW_EINVAL, "--hausman needs --panel"},
        {"y ~ x", {.estimator = "logit", .tol = 2.0}, GW_EINVAL, "bad --tol"},
        {"y ~ x", {.panel_id = "id"}, GW_EINVAL, "both an identifier and a time variable"},
        {"y ~ x", {.fe_tol = 1e-12}, GW_EINVAL, "--fe-tol applies only to models with absorbed"},
        {"y ~ x +", {0}, GW_ESYNTAX, "bad --model"},
        {"y ~ x", {0}, GW_EIO, "cannot open"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_result *r = NULL;
        gw_status s = gw_fit_file("/nonexistent/data.csv", cases[k].formula, &cases[k].o, &r, NULL);
        if (s != cases[k].want || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", k, (int)s, gw_last_error(),
                     (int)cases[k].want, cases[k].msg);
        assert_null(r);
    }
}

/* Errors found with the data: an unknown variable, a model without regressors, a model whose
 * regressors are all collinear. */
static void test_fit_data_errors(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_status want;
        const char *msg;
    } cases[] = {
        {"inv ~ nosuch", GW_ENOVAR, "nosuch"},
        {"inv ~ 0", GW_EINVAL, "the model has no regressors (\"inv ~ 0\")"},
        {"inv ~ 0 + zero", GW_ERANK, "no estimable coefficient"},
    };
    gw_table *t = NULL;
    assert_int_equal(gw_data_load(gwt_source_path(GRUNFELD), NULL, &t), GW_OK);
    double *zero = gw_calloc(gw_table_nrows(t), sizeof *zero);
    assert_non_null(zero);
    assert_int_equal(gw_table_add_numeric_take(t, "zero", zero), GW_OK);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_result *r = NULL;
        gw_status s = gw_fit_table(t, cases[k].formula, NULL, &r);
        if (s != cases[k].want || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu: status %d (%s), expected %d with '%s'", k, (int)s, gw_last_error(),
                     (int)cases[k].want, cases[k].msg);
        assert_null(r);
    }
    gw_table_free(t);
}

/* The fit answers by name: scalars (R's values), strings, coefficient columns and vcov entries
 * by term, first stages of an IV fit, marginal effects; names that do not apply or do not exist
 * are statuses with messages. */
static void test_result_by_name(void **state)
{
    (void)state;
    gw_result *r = NULL, *iv = NULL, *lg = NULL;
    assert_int_equal(
        gw_fit_file(gwt_source_path(GRUNFELD), "inv ~ value + capital", NULL, &r, NULL), GW_OK);
    static const char *const scalars[] = {"r2", "adj_r2", "rmse", "rss", "loglik", "f_stat"};
    for (size_t k = 0; k < sizeof scalars / sizeof scalars[0]; k++) {
        double v = 0.0;
        assert_int_equal(gw_result_scalar(r, scalars[k], &v), GW_OK);
        gw_assert_close(v, gwt_ref_file(REF, "m1", "iid", scalars[k], ""), 1e-10, 0.0);
    }
    double v = 0.0;
    assert_int_equal(gw_result_scalar(r, "nobs", &v), GW_OK);
    assert_true(v == 200.0);
    assert_int_equal(gw_result_scalar(r, "k", &v), GW_OK);
    assert_true(v == 3.0);
    assert_int_equal(gw_result_scalar(r, "sigma_u", &v), GW_ENODATA);
    assert_true(isnan(v));
    assert_int_equal(gw_result_scalar(r, "no_such_stat", &v), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "no statistic named 'no_such_stat'"));
    assert_string_equal(gw_result_string(r, "estimator"), "ols");
    assert_string_equal(gw_result_string(r, "response"), "inv");
    assert_null(gw_result_string(r, "family"));
    assert_null(gw_result_string(r, "nope"));
    assert_int_equal(gw_result_coef(r, "value", "estimate", &v), GW_OK);
    gw_assert_close(v, gwt_ref_file(REF, "m1", "iid", "estimate", "value"), 1e-10, 0.0);
    assert_int_equal(gw_result_coef(r, "value", "std_error", &v), GW_OK);
    double var = 0.0;
    assert_int_equal(gw_result_vcov_at(r, "value", "value", &var), GW_OK);
    gw_assert_close(sqrt(var), v, 1e-14, 0.0);
    assert_int_equal(gw_result_vcov_at(r, "value", "capital", &var), GW_OK);
    assert_true(var == r->vcov[1 + 2 * 3]);
    assert_int_equal(gw_result_coef(r, "nope", "estimate", &v), GW_ENOVAR);
    assert_int_equal(gw_result_coef(r, "value", "nope", &v), GW_EINVAL);
    assert_int_equal(gw_result_term(r, "capital"), 2);
    assert_null(gw_result_first_stage(r, "value"));
    /* IV: the first stage of the endogenous regressor, itself a fit answering by name. */
    assert_int_equal(
        gw_fit_file(gwt_source_path(GRUNFELD), "inv ~ capital | value ~ year", NULL, &iv, NULL),
        GW_OK);
    const gw_result *fs = gw_result_first_stage(iv, "value");
    assert_non_null(fs);
    assert_true(gw_result_term(fs, "year") >= 0);
    assert_int_equal(gw_result_scalar(iv, "cragg_donald_f", &v), GW_OK);
    assert_true(v > 0.0);
    /* Logit with average marginal effects: r->margins answers the same lookups. */
    gw_fit_opts lo = {.estimator = "logit", .flags = GW_FIT_AME};
    assert_int_equal(gw_fit_file(gwt_source_path("datasets/psid1976.csv"),
                                 "participation ~ age + education", &lo, &lg, NULL),
                     GW_OK);
    assert_non_null(lg->margins);
    assert_int_equal(gw_result_coef(lg->margins, "education", "estimate", &v), GW_OK);
    assert_true(v > 0.0 && v < 1.0);
    assert_int_equal(gw_result_scalar(lg, "pseudo_r2", &v), GW_OK);
    assert_string_equal(gw_result_string(lg, "family"), "binomial");
    gw_result_free(r);
    gw_result_free(iv);
    gw_result_free(lg);
}

/* The text output names each estimator in its title line (2SLS and between were printed as bare
 * "2sls" and "between" until the title table used the estimators' own names). */
static void test_text_titles(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        gw_fit_opts o;
        const char *title;
    } cases[] = {
        {"inv ~ capital | value ~ year", {0}, "Instrumental variables (2SLS)\n"},
        {"inv ~ capital | firm | value ~ year",
         {0},
         "Instrumental variables (2SLS), absorbed effects\n"},
        {"inv ~ value + capital",
         {.estimator = "between", .panel_id = "firm", .panel_time = "year"},
         "Between regression (panel-id means)\n"},
        {"inv ~ value + capital", {0}, "Linear regression (OLS)\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_result *r = NULL;
        char *text = NULL;
        assert_int_equal(
            gw_fit_file(gwt_source_path(GRUNFELD), cases[k].formula, &cases[k].o, &r, NULL), GW_OK);
        assert_int_equal(gw_output_render(r, GW_OUT_TEXT, &text), GW_OK);
        if (strncmp(text, cases[k].title, strlen(cases[k].title)) != 0)
            fail_msg("case %zu: '%.60s'", k, text);
        gw_free(text);
        gw_result_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_file_matches_r),
        cmocka_unit_test(test_fit_table_file_same_bytes),
        cmocka_unit_test(test_fit_dispatch),
        cmocka_unit_test(test_fit_option_errors),
        cmocka_unit_test(test_fit_data_errors),
        cmocka_unit_test(test_result_by_name),
        cmocka_unit_test(test_text_titles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
