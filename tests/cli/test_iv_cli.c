/* test_iv_cli.c -- `goodwork fit` with an IV part ("y ~ x | endog ~ inst", "y ~ x | fe | endog ~
 * inst"): the JSON fields of 2SLS and its diagnostics against datasets/generated/iv_ref.csv
 * (scripts/ref/iv_ref.R: R AER::ivreg + sandwich, hand-coded ivreg2 statistics), --out then
 * `goodwork table`, and the errors with their exit codes. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_test.h"

#define CIG95 "lpacks95 ~ lrincome | lrprice ~ tdiff + rtax"
#define FEMODEL "y ~ x1 | firm | d1 + d2 ~ z1 + z2 + z3"

static const char *cig(void) { return gwt_source_path("datasets/cigarettes_sw.csv"); }
static const char *fedata(void) { return gwt_source_path("datasets/generated/iv_ref_fe_data.csv"); }

/* The reference value of (model, vcov, quantity, term) from iv_ref.csv. */
static double ref(const char *model, const char *vcov, const char *what, const char *term)
{
    return gwt_ref_file("datasets/generated/iv_ref.csv", model, vcov, what, term);
}

static cJSON *run_json(const char *data, const char *model, const char *vcov)
{
    gwt_run_result r = gwt_run_cli("fit", "--data", data, "--model", model, "--vcov", vcov,
                                   "--format", "json", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%s", r.out);
    gwt_run_free(&r);
    return o;
}

static const cJSON *item(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (v == NULL)
        fail_msg("no field %s", key);
    return v;
}

static const cJSON *coef(const cJSON *o, const char *term)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, item(o, "coefficients"))
    {
        if (strcmp(gwt_json_str(c, "term"), term) == 0)
            return c;
    }
    fail_msg("no coefficient %s", term);
    return NULL;
}

static void test_iv_cli_json_cigarettes(void **state)
{
    (void)state;
    static const char *const terms[] = {"(Intercept)", "lrincome", "lrprice"};
    cJSON *o = run_json(cig(), CIG95, "hc1");
    assert_string_equal(gwt_json_str(o, "estimator"), "2sls");
    assert_string_equal(gwt_json_str(o, "vcov_type"), "hc1");
    assert_string_equal(gwt_json_str(o, "formula"), CIG95);
    gw_assert_close(gwt_json_num(o, "nobs"), 48.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "nobs_dropped_missing"), 48.0, 0.0, 0.0);
    for (size_t j = 0; j < 3; j++) {
        const cJSON *c = coef(o, terms[j]);
        gw_assert_close(gwt_json_num(c, "estimate"), ref("cig95", "hc1", "estimate", terms[j]),
                        1e-9, 0.0);
        gw_assert_close(gwt_json_num(c, "std_error"), ref("cig95", "hc1", "std_error", terms[j]),
                        1e-9, 0.0);
    }
    const cJSON *en = item(o, "endogenous"), *in = item(o, "instruments");
    assert_int_equal(cJSON_GetArraySize(en), 1);
    assert_string_equal(cJSON_GetArrayItem(en, 0)->valuestring, "lrprice");
    assert_int_equal(cJSON_GetArraySize(in), 2);
    assert_string_equal(cJSON_GetArrayItem(in, 0)->valuestring, "tdiff");
    assert_string_equal(cJSON_GetArrayItem(in, 1)->valuestring, "rtax");
    const cJSON *fs = item(o, "first_stage");
    assert_int_equal(cJSON_GetArraySize(fs), 1);
    const cJSON *f0 = cJSON_GetArrayItem(fs, 0);
    assert_string_equal(gwt_json_str(f0, "endogenous"), "lrprice");
    gw_assert_close(gwt_json_num(f0, "f_stat"), ref("cig95", "hc1", "fs_f", "Weak instruments"),
                    1e-9, 0.0);
    gw_assert_close(gwt_json_num(f0, "f_df1"), 2.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(f0, "f_df2"), 44.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(f0, "partial_r2"), ref("cig95", "hc1", "partial_r2", "1"), 1e-9,
                    0.0);
    assert_int_equal(cJSON_GetArraySize(item(f0, "coefficients")), 4);
    gw_assert_close(gwt_json_num(o, "cragg_donald_f"), ref("cig95", "hc1", "cd_f", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "kleibergen_paap_f"), ref("cig95", "hc1", "kp_f", ""), 1e-9,
                    0.0);
    gw_assert_close(gwt_json_num(o, "kleibergen_paap_lm"), ref("cig95", "hc1", "kp_lm", ""), 1e-9,
                    0.0);
    assert_string_equal(gwt_json_str(o, "overid_test"), "hansen");
    gw_assert_close(gwt_json_num(o, "overid_stat"), ref("cig95", "hc1", "overid", ""), 1e-9, 0.0);
    gw_assert_close(gwt_json_num(o, "overid_df"), 1.0, 0.0, 0.0);
    gw_assert_close(gwt_json_num(o, "endog_stat"), ref("cig95", "hc1", "wu_hausman", ""), 1e-9,
                    0.0);
    cJSON_Delete(o);

    /* iid: Sargan, Cragg-Donald, no Kleibergen-Paap F */
    o = run_json(cig(), CIG95, "iid");
    assert_string_equal(gwt_json_str(o, "overid_test"), "sargan");
    gw_assert_close(gwt_json_num(o, "overid_stat"), ref("cig95", "iid", "sargan_aer", ""), 1e-9,
                    0.0);
    gw_assert_close(gwt_json_num(o, "cragg_donald_f"), ref("cig95", "iid", "cd_f", ""), 1e-9, 0.0);
    const cJSON *kp = cJSON_GetObjectItemCaseSensitive(o, "kleibergen_paap_f");
    assert_true(kp == NULL || cJSON_IsNull(kp));
    gw_assert_close(gwt_json_num(coef(o, "lrprice"), "std_error"),
                    ref("cig95", "iid", "std_error", "lrprice"), 1e-9, 0.0);
    cJSON_Delete(o);
}

static void test_iv_cli_json_fixed_effects(void **state)
{
    (void)state;
    cJSON *o = run_json(fedata(), FEMODEL, "cluster:firm");
    assert_string_equal(gwt_json_str(o, "estimator"), "2sls");
    assert_string_equal(gwt_json_str(o, "vcov_type"), "cluster:firm");
    static const char *const terms[] = {"x1", "d1", "d2"};
    for (size_t j = 0; j < 3; j++) {
        const cJSON *c = coef(o, terms[j]);
        gw_assert_close(gwt_json_num(c, "estimate"),
                        ref("fe", "cluster:firm", "estimate", terms[j]), 1e-8, 0.0);
        gw_assert_close(gwt_json_num(c, "std_error"),
                        ref("fe", "cluster:firm", "std_error", terms[j]), 1e-8, 0.0);
    }
    const cJSON *fe = cJSON_GetArrayItem(item(o, "fixed_effects"), 0);
    assert_non_null(fe);
    assert_string_equal(gwt_json_str(fe, "name"), "firm");
    gw_assert_close(gwt_json_num(fe, "levels"), 60.0, 0.0, 0.0);
    assert_int_equal(cJSON_GetArraySize(item(o, "first_stage")), 2);
    gw_assert_close(gwt_json_num(o, "kleibergen_paap_f"), ref("fe", "cluster:firm", "kp_f", ""),
                    1e-8, 0.0);
    gw_assert_close(gwt_json_num(o, "overid_stat"), ref("fe", "cluster:firm", "overid", ""), 1e-8,
                    0.0);
    cJSON_Delete(o);
}

static void test_iv_cli_out_and_table(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof path, "%s/iv_results.h5", gwt_tmpdir());
    remove(path);
    gwt_run_result r = gwt_run_cli("fit", "--data", cig(), "--model", CIG95, "--vcov", "hc1",
                                   "--out", path, "--name", "cig95", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli("fit", "--data", fedata(), "--model", FEMODEL, "--out", path, "--name", "ivfe",
                    NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli("table", path, NULL);
    if (r.exit_code != 0)
        fail_msg("table: exit %d: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "cig95"));
    assert_non_null(strstr(r.out, "ivfe"));
    assert_non_null(strstr(r.out, "lrprice"));
    assert_non_null(strstr(r.out, "d2"));
    gwt_run_free(&r);
    r = gwt_run_cli("table", path, "--models", "cig95", "--format", "json", NULL);
    assert_int_equal(r.exit_code, 0);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    cJSON_Delete(o);
    gwt_run_free(&r);
    remove(path);
}

static void test_iv_cli_errors(void **state)
{
    (void)state;
    static const struct {
        const char *model, *vcov, *estimator;
        int code;
        const char *msg;
    } cases[] = {
        {"y ~ x1 | d1 + d2 ~ z1", "iid", NULL, 2, "underidentified"},
        {"y ~ x1 | d1 ~ x1", "iid", NULL, 4, "underidentified"},
        {"y ~ x1 | d1 ~ 1", "iid", NULL, 2, "instrument"},
        {"y ~ x1 | d1 ~", "iid", NULL, 2, "end of formula"},
        {"y ~ x1 | d1 ~ nosuch", "iid", NULL, 2, "nosuch"},
        {"y ~ x1 | firm + year | d1 ~ z1", "hc3", NULL, 2, "HC2/HC3"},
        {"y ~ x1 | d1 ~ z1", "iid", "logit", 2, "instruments"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gwt_run_result r =
            cases[c].estimator
                ? gwt_run_cli("fit", "--data", fedata(), "--model", cases[c].model, "--vcov",
                              cases[c].vcov, "--estimator", cases[c].estimator, NULL)
                : gwt_run_cli("fit", "--data", fedata(), "--model", cases[c].model, "--vcov",
                              cases[c].vcov, NULL);
        if (r.exit_code != cases[c].code || strstr(r.err, cases[c].msg) == NULL ||
            strstr(r.err, "goodwork: error:") == NULL)
            fail_msg("%s: exit %d (want %d), stderr: %s", cases[c].model, r.exit_code,
                     cases[c].code, r.err);
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iv_cli_json_cigarettes),
        cmocka_unit_test(test_iv_cli_json_fixed_effects),
        cmocka_unit_test(test_iv_cli_out_and_table),
        cmocka_unit_test(test_iv_cli_errors),
    };
    return cmocka_run_group_tests_name("iv_cli", tests, NULL, NULL);
}
