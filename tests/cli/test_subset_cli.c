/* test_subset_cli.c -- `goodwork fit --subset`, arithmetic inside formula terms and
 * --drop-invalid on the worker panel datasets/psid7682.csv, against base R (lm with subset=,
 * weights; sandwich HC1) to 1e-10; the header, JSON and results-file records of the rows left
 * out; and the usage errors with their carets. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_hdf5.h"
#include "gw_test.h"

/* Rscript scripts/ref/formula_expr_ref.R (its output, pasted). */
/* M1: R 4.2.2, sandwich 3.0.2; nobs 1070, outside the subset 3079, missing 16 */
static const double M1_B[] = {6.7912828208590961, 0.13134773796760785, -0.00022223233339402178,
                              -0.0039831933430567769};
static const double M1_SE[] = {0.090423478688113942, 0.040767380911143472, 8.4869629730744062e-05,
                               0.0017099386998383542};
static const double M1_HC1[] = {0.089524805032974622, 0.045052291754854326, 9.6351737667820409e-05,
                                0.0016952738759897113};
/* M2: R 4.2.2, sandwich 3.0.2; nobs 2614, outside the subset 1512, missing 39 */
static const double M2_B[] = {5.1217225808585143, 0.34701460686890806, 0.009659711154924604,
                              0.0012657974182236232, -0.13369304891102726};
static const double M2_SE[] = {0.23358787425814057, 0.059236092751122328, 0.075596521179977755,
                               9.929494212989324e-05, 0.018637290558490654};
static const double M2_HC1[] = {0.25434041187693157, 0.063905055783756617, 0.077966565327491535,
                                0.00011184656570250177, 0.019653930179132206};
/* M3: rows with an undefined log(weeks - 10): 5; first (1-based data row): 1050 */
/* M3: R 4.2.2, sandwich 3.0.2; nobs 4099, outside the subset 5, missing 61 */
static const double M3_B[] = {6.0100778241532504, 0.13746408415990324, 0.0087729476827929902};
static const double M3_SE[] = {0.12916903248553249, 0.03569290280803622, 0.00064020508493822846};
static const double M3_HC1[] = {0.12609390270597659, 0.034934009014511352, 0.00068185134095535328};

#define M1 "log(wage + 1) ~ I(experience/10) + I(experience^2) + weeks"
#define S1 "year >= 1978 & union == \"yes\""
#define M2 "lwage ~ log(weeks + 1) + exp(-experience/10) + I(education * experience) + south"
#define S2 "occupation %in% c('white') | year %in% c(1976, 1982)"
#define M3 "lwage ~ log(weeks - 10) + experience"

static const char *psid(void) { return gwt_source_path("datasets/psid7682.csv"); }

static cJSON *fit_json(const char *model, const char *subset, const char *vcov, const char *extra)
{
    const char *args[16] = {"fit",    "--data", psid(),     "--model", model,
                            "--vcov", vcov,     "--format", "json"};
    size_t n = 9;
    if (subset != NULL) {
        args[n++] = "--subset";
        args[n++] = subset;
    }
    if (extra != NULL)
        args[n++] = extra;
    if (strcmp(model, M1) == 0) {
        args[n++] = "--weights";
        args[n++] = "weight";
    }
    args[n] = NULL;
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("%s: exit %d: %s", model, r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    gwt_run_free(&r);
    return o;
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number '%s'", key);
    return v->valuedouble;
}

/* Coefficients and standard errors against R's, in order, to 1e-10 relative. */
static void expect_coefs(const cJSON *o, const double *b, const double *se, size_t k)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    assert_int_equal(cJSON_GetArraySize(c), k);
    for (size_t j = 0; j < k; j++) {
        const cJSON *t = cJSON_GetArrayItem(c, (int)j);
        gw_assert_close(num(t, "estimate"), b[j], 1e-10, 0.0);
        gw_assert_close(num(t, "std_error"), se[j], 1e-10, 0.0);
    }
}

static void test_subset_against_r(void **state)
{
    (void)state;
    static const struct {
        const char *model, *subset;
        const double *b, *se, *hc1;
        size_t k, nobs, out, miss;
    } cases[] = {
        {M1, S1, M1_B, M1_SE, M1_HC1, 4, 1070, 3079, 16},
        {M2, S2, M2_B, M2_SE, M2_HC1, 5, 2614, 1512, 39},
    };
    for (size_t c = 0; c < 2; c++) {
        for (int robust = 0; robust < 2; robust++) {
            cJSON *o = fit_json(cases[c].model, cases[c].subset, robust ? "hc1" : "iid", NULL);
            expect_coefs(o, cases[c].b, robust ? cases[c].hc1 : cases[c].se, cases[c].k);
            gw_assert_close(num(o, "nobs"), (double)cases[c].nobs, 0.0, 0.0);
            gw_assert_close(num(o, "nobs_dropped_subset"), (double)cases[c].out, 0.0, 0.0);
            gw_assert_close(num(o, "nobs_dropped_missing"), (double)cases[c].miss, 0.0, 0.0);
            assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "subset")->valuestring,
                                cases[c].subset);
            assert_null(cJSON_GetObjectItemCaseSensitive(o, "nobs_dropped_invalid"));
            cJSON_Delete(o);
        }
    }
    /* Without --subset the keys are absent (other outputs unchanged). */
    cJSON *o = fit_json("lwage ~ log(weeks + 1)", NULL, "iid", NULL);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "nobs_dropped_subset"));
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "subset"));
    cJSON_Delete(o);
}

/* The header's note, and the results file's attributes. */
static void test_subset_header_and_results(void **state)
{
    (void)state;
    char out[512];
    snprintf(out, sizeof out, "%s/subset.h5", gwt_tmpdir());
    unlink(out);
    gwt_run_result r = gwt_run_cli("fit", "--data", psid(), "--model", M1, "--subset", S1,
                                   "--weights", "weight", "--out", out, (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "Observations:   1070 (3079 outside the subset, 16 dropped: "
                                  "missing values)\n"));
    assert_non_null(strstr(r.out, "I(experience/10) |"));
    gwt_run_free(&r);
    gw_results *res = NULL;
    gw_result *m = NULL;
    assert_int_equal(gw_results_open(out, &res), GW_OK);
    assert_int_equal(gw_results_get(res, gw_results_model_name(res, 0), &m), GW_OK);
    assert_string_equal(m->subset, S1);
    assert_int_equal(m->nobs_dropped_subset, 3079);
    assert_int_equal(m->nobs_dropped_invalid, GW_RESULT_NA);
    gw_result_free(m);
    gw_results_close(res);
}

/* A transform undefined on 5 rows: exit 3 naming the first, or --drop-invalid: dropped, counted
 * and the fit R makes without them. */
static void test_drop_invalid(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("fit", "--data", psid(), "--model", M3, (char *)NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "log(weeks-10) is undefined at row 1050 (weeks = "));
    gwt_run_free(&r);
    cJSON *o = fit_json(M3, NULL, "iid", "--drop-invalid");
    expect_coefs(o, M3_B, M3_SE, 3);
    cJSON_Delete(o);
    o = fit_json(M3, NULL, "hc1", "--drop-invalid");
    expect_coefs(o, M3_B, M3_HC1, 3);
    gw_assert_close(num(o, "nobs_dropped_invalid"), 5.0, 0.0, 0.0);
    gw_assert_close(num(o, "nobs"), 4099.0, 0.0, 0.0);
    cJSON_Delete(o);
    r = gwt_run_cli("fit", "--data", psid(), "--model", M3, "--drop-invalid", (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "(61 dropped: missing values; 5 dropped: undefined "
                                  "transforms)"));
    gwt_run_free(&r);
}

/* Usage errors: exit 2, the reason and a caret under the place. */
static void test_subset_errors(void **state)
{
    (void)state;
    static const struct {
        const char *subset, *msg;
        int code;
    } cases[] = {
        {"year >= ",
         "bad --subset: unexpected end of subset: expected a number, a variable or "
         "'('\n  year >=\n         ^",
         2},
        {"yeer > 1", "--subset: unknown variable 'yeer' in the subset\n  yeer > 1\n  ^", 2},
        {"year + 1", "the subset must be a condition", 2},
        {"union > 'no'", "strings can only be compared with == or !=", 2},
        {"year == 'x'", "'year' is numeric: compare it with a number", 2},
        {"union == 1", "'union' is categorical", 2},
        {"year > 3000", "no observations left: of 4165 rows, 4165 are outside the subset", 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gwt_run_result r = gwt_run_cli("fit", "--data", psid(), "--model", "lwage ~ weeks",
                                       "--subset", cases[k].subset, (char *)NULL);
        if (r.exit_code != cases[k].code || strstr(r.err, cases[k].msg) == NULL)
            fail_msg("--subset '%s': exit %d, stderr '%s'", cases[k].subset, r.exit_code, r.err);
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
    gwt_run_result r =
        gwt_run_cli("fit", "--data", psid(), "--model", "lwage ~ log(union + 1)", (char *)NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "  lwage ~ log(union + 1)\n              ^"));
    gwt_run_free(&r);
}

/* An .h5 fit that must stream refuses what streaming cannot count (exit 2); under the limit
 * the in-core fit takes them. */
static void test_subset_streamed(void **state)
{
    (void)state;
    char h5[512];
    snprintf(h5, sizeof h5, "%s/psid.h5", gwt_tmpdir());
    unlink(h5);
    gwt_run_result r = gwt_run_cli("convert", psid(), h5, (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    static const struct {
        const char *model, *opt, *val, *msg;
    } cases[] = {
        {"lwage ~ weeks", "--subset", "year > 1980", "--subset cannot run out of core"},
        {"lwage ~ log(weeks)", "--drop-invalid", NULL, "--drop-invalid cannot run out of core"},
        {"lwage ~ log(weeks + 1)", "--threads", "1",
         "arithmetic inside a formula term ('log(weeks+1)') cannot run out of core"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        r = gwt_run_cli("fit", "--data", h5, "--model", cases[k].model, "--memory-limit", "10K",
                        cases[k].opt, cases[k].val, (char *)NULL);
        if (r.exit_code != 2 || strstr(r.err, cases[k].msg) == NULL)
            fail_msg("%s: exit %d, stderr '%s'", cases[k].model, r.exit_code, r.err);
        gwt_run_free(&r);
    }
    r = gwt_run_cli("fit", "--data", h5, "--model", M1, "--subset", S1, "--weights", "weight",
                    "--memory-limit", "1G", (char *)NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "(3079 outside the subset, 16 dropped: missing values)"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subset_against_r), cmocka_unit_test(test_subset_header_and_results),
        cmocka_unit_test(test_drop_invalid),     cmocka_unit_test(test_subset_errors),
        cmocka_unit_test(test_subset_streamed),
    };
    return cmocka_run_group_tests_name("subset_cli", tests, NULL, NULL);
}
