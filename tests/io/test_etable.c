/* test_etable.c -- side-by-side regression tables (io/gw_etable.h). */
#include "gw_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_etable.h"

/* Two hand-made models: m1 without fixed effects (iid), m2 with firm and year effects
 * (clustered) and an extra term. */
static gw_result *model(int which)
{
    gw_result *r = NULL;
    size_t k = which == 1 ? 3 : 2;
    assert_int_equal(gw_result_new(k, &r), GW_OK);
    gw_result_set_str(&r->response, "invest");
    gw_result_set_str(&r->estimator, "ols");
    if (which == 1) {
        gw_result_set_str(&r->vcov_type, "iid");
        const char *t[] = {"(Intercept)", "value", "capital"};
        const double b[] = {-42.714369, 0.115562, 0.230678};
        const double se[] = {9.511676, 0.005836, 0.025476};
        const double p[] = {1.1e-5, 0.0, 0.07};
        for (size_t j = 0; j < k; j++) {
            gw_result_set_str(&r->terms[j], t[j]);
            r->estimate[j] = b[j];
            r->std_error[j] = se[j];
            r->p_value[j] = p[j];
        }
        r->nobs = 200;
        r->r2 = 0.812408;
    } else {
        gw_result_set_str(&r->vcov_type, "cluster:firm");
        const char *t[] = {"value", "log(x_1)"};
        const double b[] = {0.1101238, -12345678.0};
        const double se[] = {0.0119, 1e-5};
        const double p[] = {0.03, 0.5};
        for (size_t j = 0; j < k; j++) {
            gw_result_set_str(&r->terms[j], t[j]);
            r->estimate[j] = b[j];
            r->std_error[j] = se[j];
            r->p_value[j] = p[j];
        }
        r->nobs = 200;
        r->r2 = 0.9440;
        r->r2_within = 0.7668;
        r->nfe = 2;
        r->fixed_effects = gw_calloc(2, sizeof *r->fixed_effects);
        r->fixed_effects[0].name = gw_strdup("firm");
        r->fixed_effects[0].levels = 10;
        r->fixed_effects[1].name = gw_strdup("year");
        r->fixed_effects[1].levels = 20;
    }
    return r;
}

static void expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("expected '%s' in:\n%s", needle, text);
}

static char *render(gw_output_format fmt)
{
    gw_result *m[2] = {model(1), model(2)};
    const char *names[] = {"pooled", "fe"};
    char *out = NULL;
    assert_int_equal(gw_etable_render((const gw_result *const *)m, names, 2, fmt, &out), GW_OK);
    assert_non_null(out);
    gw_result_free(m[0]);
    gw_result_free(m[1]);
    return out;
}

static void test_etable_stars_thresholds(void **state)
{
    (void)state;
    assert_string_equal(gw_etable_stars(0.0), "***");
    assert_string_equal(gw_etable_stars(0.0099), "***");
    assert_string_equal(gw_etable_stars(0.01), "**");
    assert_string_equal(gw_etable_stars(0.049), "**");
    assert_string_equal(gw_etable_stars(0.05), "*");
    assert_string_equal(gw_etable_stars(0.0999), "*");
    assert_string_equal(gw_etable_stars(0.1), "");
    assert_string_equal(gw_etable_stars(NAN), "");
}

static void test_etable_render_text(void **state)
{
    (void)state;
    char *t = render(GW_OUT_TEXT);
    const char *needles[] = {"invest",
                             "pooled",
                             "fe",
                             "(Intercept)",
                             "-42.71***",
                             "(9.512)",
                             "0.1156***",
                             "(0.005836)",
                             "0.2307*",
                             "(0.02548)",
                             "0.1101**",
                             "(0.01190)",
                             "log(x_1)",
                             "-1.235e+07",
                             "(1.000e-05)",
                             "VCOV type",
                             "cluster:firm",
                             "Observations",
                             "R2",
                             "0.8124",
                             "Within R2",
                             "0.7668",
                             "firm",
                             "year",
                             "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        expect_in(t, needles[i]);
    /* Response above the model names; the FE rows say Yes for fe and No for pooled. */
    assert_true(strstr(t, "invest") < strstr(t, "pooled"));
    const char *firm = strstr(t, "\nfirm");
    assert_non_null(firm);
    const char *no = strstr(firm, "No"), *yes = strstr(firm, "Yes");
    assert_non_null(no);
    assert_non_null(yes);
    assert_true(no < yes && yes < strchr(firm + 1, '\n'));
    /* Aligned: every line of the table part has the same label width, so "value" and its
     * standard-error line start their numbers at the same column in each model. */
    const char *v = strstr(t, "\nvalue");
    assert_non_null(v);
    const char *se_line = strchr(v + 1, '\n') + 1;
    size_t col_b = (size_t)(strstr(v + 1, "0.1156") - (v + 1));
    size_t col_se = (size_t)(strstr(se_line, "(0.005836)") - se_line);
    assert_true(col_b >= col_se ? col_b - col_se <= 2 : col_se - col_b <= 2);
    gw_free(t);
}

static void test_etable_render_latex(void **state)
{
    (void)state;
    char *t = render(GW_OUT_LATEX);
    const char *needles[] = {"\\begin{tabular}{l*{2}{c}}",
                             "\\toprule",
                             "\\midrule",
                             "\\bottomrule",
                             "\\end{tabular}",
                             "Dependent var.: & invest & invest \\\\",
                             "& pooled & fe \\\\",
                             "(Intercept) & $-$42.71$^{***}$ &  \\\\",
                             "value & 0.1156$^{***}$ & 0.1101$^{**}$ \\\\",
                             " & (0.005836) & (0.01190) \\\\",
                             "log(x\\_1) &  & $-$1.235e+07 \\\\",
                             "firm & No & Yes \\\\",
                             "$R^2$ & 0.8124 & 0.9440 \\\\",
                             "Within $R^2$ &  & 0.7668 \\\\",
                             "Observations & 200 & 200 \\\\",
                             "Signif. codes: $^{***}$ $p<0.01$"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        expect_in(t, needles[i]);
    assert_true(strstr(t, "\\toprule") < strstr(t, "\\midrule"));
    assert_true(strstr(t, "\\midrule") < strstr(t, "\\bottomrule"));
    gw_free(t);
}

static void test_etable_render_markdown_csv_json(void **state)
{
    (void)state;
    char *t = render(GW_OUT_MARKDOWN);
    expect_in(t, "| Dependent var.: | invest | invest |");
    expect_in(t, "|:---|:---:|:---:|");
    expect_in(t, "| value | 0.1156\\*\\*\\* | 0.1101\\*\\* |");
    expect_in(t, "| log(x\\_1) |  | -1.235e+07 |");
    gw_free(t);

    t = render(GW_OUT_CSV);
    expect_in(t, "Dependent var.:,invest,invest\n,pooled,fe\n(Intercept),-42.71***,\n,(9.512),\n");
    expect_in(t, "firm,No,Yes\n");
    expect_in(t, "\"Signif. codes: *** p<0.01, ** p<0.05, * p<0.1\"\n");
    gw_free(t);

    t = render(GW_OUT_JSON);
    expect_in(t, "\"name\": \"pooled\"");
    expect_in(t, "\"vcov_type\": \"cluster:firm\"");
    expect_in(t, "\"fixed_effects\": [\"firm\", \"year\"]");
    expect_in(t, "{\"term\": \"value\", \"estimate\": 0.115562, \"std_error\": 0.005836, "
                 "\"p_value\": 0, \"stars\": \"***\"}");
    expect_in(t, "\"r2_within\": null");
    expect_in(t, "\"terms\": [\"(Intercept)\", \"value\", \"capital\", \"log(x_1)\"]");
    gw_free(t);
}

static void test_etable_render_invalid(void **state)
{
    (void)state;
    char *out = (char *)1;
    gw_result *m = model(1);
    const gw_result *ms[] = {m, NULL};
    assert_int_equal(gw_etable_render(ms, NULL, 0, GW_OUT_TEXT, &out), GW_EINVAL);
    assert_null(out);
    assert_true(strlen(gw_last_error()) > 0);
    assert_int_equal(gw_etable_render(ms, NULL, 2, GW_OUT_TEXT, &out), GW_EINVAL);
    assert_int_equal(gw_etable_render(ms, NULL, 1, (gw_output_format)99, &out), GW_EINVAL);
    /* Default names "(1)". */
    assert_int_equal(gw_etable_render(ms, NULL, 1, GW_OUT_TEXT, &out), GW_OK);
    expect_in(out, "(1)");
    gw_free(out);
    gw_result_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etable_stars_thresholds),
        cmocka_unit_test(test_etable_render_text),
        cmocka_unit_test(test_etable_render_latex),
        cmocka_unit_test(test_etable_render_markdown_csv_json),
        cmocka_unit_test(test_etable_render_invalid),
    };
    return cmocka_run_group_tests_name("etable", tests, NULL, NULL);
}
