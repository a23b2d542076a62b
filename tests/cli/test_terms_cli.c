/* test_terms_cli.c -- `goodwork fit` with the formula calls of issue 19 against base R
 * (datasets/generated/formula_terms_ref.csv, made by scripts/ref/formula_terms_ref.R): poly()
 * orthogonal and raw, factor(x, ref = v), i() event-study dummies with two-way fixed effects,
 * lags and leads over a panel with gaps; estimates and iid standard errors to 1e-10 relative.
 * Also: the i_ref attribute of the results file, and the command line's errors (exit 2 with a
 * caret). */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_h5read.h"
#include "gw_test.h"

#define REF "datasets/generated/formula_terms_ref.csv"

static const struct {
    const char *name, *data, *model, *panel;
} CASES[] = {
    {"poly", "datasets/psid7682.csv", "lwage ~ poly(experience, 2) + education", NULL},
    {"polyraw", "datasets/psid7682.csv", "lwage ~ poly(experience, 3, raw = TRUE)", NULL},
    {"relevel", "datasets/psid7682.csv", "lwage ~ education + factor(year, ref = 1979)", NULL},
    {"relevels", "datasets/uk_la_panel.csv", "emp_rate ~ share_prof + factor(nation, ref = \"W\")",
     NULL},
    {"event", "datasets/uk_la_panel.csv",
     "emp_rate ~ i(year, ai_exposure, ref = 2015) | la_id + year", NULL},
    {"event2", "datasets/uk_la_panel.csv",
     "emp_rate ~ share_prof + i(year, ref = c(2010, 2015)) | la_id", NULL},
    {"lags", "datasets/generated/psid7682_gaps.csv",
     "lwage ~ l(lwage, 1) + f(weeks) + d(weeks) + l(weeks, 2) + experience", "worker,year"},
    {"lagrange", "datasets/generated/psid7682_gaps.csv", "lwage ~ l(weeks, 0:2)", "worker,year"},
};

static cJSON *fit_json(size_t c)
{
    char data[1024];
    snprintf(data, sizeof data, "%s", gwt_source_path(CASES[c].data));
    const char *args[] = {"fit",          "--data",   data,   "--model",
                          CASES[c].model, "--format", "json", CASES[c].panel ? "--panel" : NULL,
                          CASES[c].panel, NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("%s: exit %d\nstderr: %s", CASES[c].model, r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    gwt_run_free(&r);
    assert_non_null(o);
    return o;
}

static void test_terms_against_r(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof CASES / sizeof CASES[0]; c++) {
        cJSON *o = fit_json(c);
        const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
        gwt_ref_table refs = {0};
        gwt_ref_load(REF, &refs);
        /* Every reference term is reported, and nothing else. */
        assert_int_equal((size_t)cJSON_GetArraySize(coefs),
                         gwt_ref_count(&refs, CASES[c].name, "iid", "estimate"));
        gwt_ref_free(&refs);
        const cJSON *k;
        cJSON_ArrayForEach(k, coefs)
        {
            char term[64];
            snprintf(term, sizeof term, "%s",
                     cJSON_GetObjectItemCaseSensitive(k, "term")->valuestring);
            for (char *s = term; *s; s++) /* the reference file writes ',' as ';' */
                *s = *s == ',' ? ';' : *s;
            gw_assert_close(cJSON_GetObjectItemCaseSensitive(k, "estimate")->valuedouble,
                            gwt_ref_file(REF, CASES[c].name, "iid", "estimate", term), 1e-10, 0.0);
            gw_assert_close(cJSON_GetObjectItemCaseSensitive(k, "std_error")->valuedouble,
                            gwt_ref_file(REF, CASES[c].name, "iid", "std_error", term), 1e-10, 0.0);
        }
        gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "nobs")->valuedouble,
                        gwt_ref_file(REF, CASES[c].name, "iid", "nobs", ""), 0.0, 0.0);
        if (strcmp(CASES[c].name, "lags") == 0) /* rows whose lags are missing are counted */
            gw_assert_close(
                cJSON_GetObjectItemCaseSensitive(o, "nobs_dropped_missing")->valuedouble,
                gwt_ref_file(REF, "lags", "iid", "nobs_dropped_missing", ""), 0.0, 0.0);
        cJSON_Delete(o);
    }
}

/* The reference levels of i() terms are stored as the attribute i_ref ("VAR::LEVEL"). */
static void test_terms_i_ref_stored(void **state)
{
    (void)state;
    char out[1024], data[1024];
    snprintf(out, sizeof out, "%s/terms_iref.h5", gwt_tmpdir());
    snprintf(data, sizeof data, "%s", gwt_source_path("datasets/uk_la_panel.csv"));
    remove(out);
    const char *args[] = {
        "fit",
        "--data",
        data,
        "--model",
        "emp_rate ~ i(year, ref = c(2015, 2010)) + i(nation, ref = \"W\") | la_id",
        "--out",
        out,
        "--name",
        "ev",
        NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    gw_h5_group *g = NULL;
    assert_int_equal(gw_h5_group_read(out, "/models/ev", &g), GW_OK);
    const gw_h5_data *a = gw_h5_group_attr(g, "i_ref");
    assert_non_null(a);
    assert_int_equal(a->kind, GW_H5_STR);
    assert_int_equal(a->rows, 3);
    assert_string_equal(a->str[0], "year::2015");
    assert_string_equal(a->str[1], "year::2010");
    assert_string_equal(a->str[2], "nation::W");
    gw_h5_group_free(g);
    /* A model without i() has no i_ref. */
    const char *args2[] = {"fit",   "--data", data,     "--model", "emp_rate ~ share_prof",
                           "--out", out,      "--name", "plain",   NULL};
    r = gwt_run_cli_argv(args2);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    assert_int_equal(gw_h5_group_read(out, "/models/plain", &g), GW_OK);
    assert_null(gw_h5_group_attr(g, "i_ref"));
    gw_h5_group_free(g);
    remove(out);
}

static void test_terms_cli_errors(void **state)
{
    (void)state;
    char data[1024];
    snprintf(data, sizeof data, "%s", gwt_source_path("datasets/psid7682.csv"));
    static const struct {
        const char *model, *panel, *err;
    } cases[] = {
        {"lwage ~ l(weeks)", NULL,
         "goodwork: error: l(weeks,1) needs --panel ID,TIME (lags and leads follow each panel id "
         "in time)\n  lwage ~ l(weeks)\n            ^\n"},
        {"lwage ~ i(year, ref = 1975)", NULL,
         "goodwork: error: the reference level 1975 of i(year,ref=1975) does not occur in the "
         "rows used\n  lwage ~ i(year, ref = 1975)\n                        ^\n"},
        {"lwage ~ weeks:poly(experience, 2)", NULL,
         "goodwork: error: bad --model: poly() cannot be part of an interaction\n"
         "  lwage ~ weeks:poly(experience, 2)\n                     ^\n"},
        {"lwage ~ l(weeks)", "gender,year",
         "goodwork: error: lags need one row per panel id and time: rows 22 and 99 have the "
         "same 'gender' and time 1976\n"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *args[] = {"fit",          "--data",
                              data,           "--model",
                              cases[c].model, cases[c].panel ? "--panel" : NULL,
                              cases[c].panel, NULL};
        gwt_run_result r = gwt_run_cli_argv(args);
        assert_int_equal(r.exit_code, 2);
        assert_string_equal(r.err, cases[c].err);
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_terms_against_r),
        cmocka_unit_test(test_terms_i_ref_stored),
        cmocka_unit_test(test_terms_cli_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
