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

/* The line of text t that starts with label ends with value (blanks between). */
static void row_has(const char *t, const char *label, const char *value)
{
    char needle[160];
    snprintf(needle, sizeof needle, "\n%s ", label);
    const char *p = strstr(t, needle);
    if (p == NULL)
        fail_msg("no row '%s' in:\n%s", label, t);
    const char *end = strchr(p + 1, '\n');
    size_t n = strlen(value);
    if (end == NULL || (size_t)(end - p) < n || strncmp(end - n, value, n) != 0)
        fail_msg("row '%s' does not end with '%s' in:\n%s", label, value, t);
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
                             "VCOV",
                             "Clustered (firm)",
                             "IID",
                             "(1)",
                             "(2)",
                             "Estimator",
                             "OLS",
                             "Observations",
                             "R2",
                             "0.8124",
                             "Within R2",
                             "0.7668",
                             "firm",
                             "year",
                             "Signif. codes: *** p<0.01, ** p<0.05, * p<0.1"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        gwt_expect_in(t, needles[i]);
    /* Column numbers, then model names, then the response; the FE rows say Yes for fe and No
     * for pooled. */
    assert_true(strstr(t, "(1)") < strstr(t, "pooled"));
    assert_true(strstr(t, "pooled") < strstr(t, "invest"));
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
                             "log(x\\_1) &  & $-1.235\\times 10^{7}$ \\\\",
                             " &  & ($1.000\\times 10^{-5}$) \\\\",
                             "firm & No & Yes \\\\",
                             "$R^2$ & 0.8124 & 0.9440 \\\\",
                             "Within $R^2$ &  & 0.7668 \\\\",
                             "Observations & 200 & 200 \\\\",
                             "Signif. codes: $^{***}$ $p<0.01$"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        gwt_expect_in(t, needles[i]);
    assert_true(strstr(t, "\\toprule") < strstr(t, "\\midrule"));
    assert_true(strstr(t, "\\midrule") < strstr(t, "\\bottomrule"));
    gw_free(t);
}

static void test_etable_render_markdown_csv_json(void **state)
{
    (void)state;
    char *t = render(GW_OUT_MARKDOWN);
    gwt_expect_in(t, "| Dependent var.: | invest | invest |");
    gwt_expect_in(t, "|:---|:---:|:---:|");
    gwt_expect_in(t, "| value | 0.1156\\*\\*\\* | 0.1101\\*\\* |");
    gwt_expect_in(t, "| log(x\\_1) |  | -1.235e+07 |");
    gw_free(t);

    t = render(GW_OUT_CSV);
    /* Stars in a column of their own after each model's. */
    gwt_expect_in(t, ",(1),stars,(2),stars\n,pooled,,fe,\nDependent var.:,invest,,invest,\n");
    gwt_expect_in(t, "(Intercept),-42.71,***,,\n,(9.512),,,\n");
    gwt_expect_in(t, "value,0.1156,***,0.1101,**\n");
    gwt_expect_in(t, "firm,No,,Yes,\n");
    gwt_expect_in(t, "\"Signif. codes: *** p<0.01, ** p<0.05, * p<0.1\"\n");
    gw_free(t);

    t = render(GW_OUT_JSON);
    gwt_expect_in(t, "\"name\": \"pooled\"");
    gwt_expect_in(t, "\"vcov_type\": \"cluster:firm\"");
    gwt_expect_in(t, "\"fixed_effects\": [\"firm\", \"year\"]");
    gwt_expect_in(t, "{\"term\": \"value\", \"estimate\": 0.115562, \"std_error\": 0.005836, "
                     "\"p_value\": 0, \"stars\": \"***\"}");
    gwt_expect_in(t, "\"r2_within\": null");
    gwt_expect_in(t, "\"terms\": [\"(Intercept)\", \"value\", \"capital\", \"log(x_1)\"]");
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
    gwt_expect_in(out, "(1)");
    gw_free(out);
    gw_result_free(m);
}

static void test_etable_stars_parse_legend(void **state)
{
    (void)state;
    double thr[GW_ETABLE_MAXSTARS];
    size_t n = 9;
    char buf[128];
    assert_int_equal(gw_etable_stars_parse("0.01,0.1,0.05", thr, &n), GW_OK);
    assert_int_equal(n, 3);
    assert_true(thr[0] == 0.1 && thr[1] == 0.05 && thr[2] == 0.01);
    assert_string_equal(gw_etable_stars_legend(thr, n, buf, sizeof buf),
                        "*** p<0.01, ** p<0.05, * p<0.1");
    assert_string_equal(gw_etable_stars_ex(0.004, thr, n), "***");
    assert_string_equal(gw_etable_stars_ex(0.05, thr, n), "*");
    assert_int_equal(gw_etable_stars_parse("0.05,0.01,0.001", thr, &n), GW_OK);
    assert_string_equal(gw_etable_stars_ex(0.004, thr, n), "**");
    assert_string_equal(gw_etable_stars_ex(0.0009, thr, n), "***");
    assert_int_equal(gw_etable_stars_parse("none", thr, &n), GW_OK);
    assert_int_equal(n, 0);
    assert_string_equal(gw_etable_stars_ex(0.0, thr, n), "");
    assert_int_equal(gw_etable_stars_parse("0.1,x", thr, &n), GW_EINVAL);
    assert_int_equal(gw_etable_stars_parse("1.5", thr, &n), GW_EINVAL);
    assert_int_equal(gw_etable_stars_parse("0.1,0.1", thr, &n), GW_EINVAL);
    assert_int_equal(gw_etable_stars_parse("0.5,0.4,0.3,0.2,0.1", thr, &n), GW_EINVAL);
}

static void test_etable_lists(void **state)
{
    (void)state;
    char **v = NULL;
    size_t n = 0;
    assert_int_equal(gw_etable_split_list(" a, poly(x,2)1 ,b{1,2}", &v, &n), GW_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[0], "a");
    assert_string_equal(v[1], "poly(x,2)1");
    assert_string_equal(v[2], "b{1,2}");
    gw_etable_list_free(v, n);
    assert_int_equal(gw_etable_split_list("a,,b", &v, &n), GW_EINVAL);
    assert_int_equal(gw_etable_rename_parse("log(x)=Log x, I(a==1)=A", &v, &n), GW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0], "log(x)");
    assert_string_equal(v[1], "Log x");
    assert_string_equal(v[2], "I(a==1)");
    assert_string_equal(v[3], "A");
    gw_etable_labels_free(v, n);
    assert_int_equal(gw_etable_rename_parse("union=yes=Union", &v, &n), GW_OK);
    assert_string_equal(v[0], "union=yes");
    assert_string_equal(v[1], "Union");
    gw_etable_labels_free(v, n);
    assert_int_equal(gw_etable_rename_parse("a", &v, &n), GW_EINVAL);
    assert_int_equal(gw_etable_rename_parse("a=", &v, &n), GW_EINVAL);
    gw_etable_format f;
    assert_int_equal(gw_etable_format_from_path("/x/T.TEX", &f), GW_OK);
    assert_int_equal(f, GW_ETABLE_LATEX);
    assert_int_equal(gw_etable_format_from_path("t.htm", &f), GW_OK);
    assert_int_equal(f, GW_ETABLE_HTML);
    assert_int_equal(gw_etable_format_from_path("t.docx", &f), GW_EINVAL);
    assert_int_equal(gw_etable_format_parse("html", &f), GW_OK);
    assert_int_equal(gw_etable_format_parse("docx", &f), GW_EINVAL);
}

static char *render_ex(gw_etable_format fmt, const gw_etable_opts *o)
{
    gw_result *m[2] = {model(1), model(2)};
    char *out = NULL;
    gw_status s = gw_etable_render_ex((const gw_result *const *)m, NULL, 2, fmt, o, &out);
    gw_result_free(m[0]);
    gw_result_free(m[1]);
    if (s != GW_OK)
        fail_msg("render: %s", gw_last_error());
    return out;
}

/* keep / drop / order by name and regular expression, rename, add rows, title and notes. */
static void test_etable_select_and_rows(void **state)
{
    (void)state;
    const char *keep[] = {"^value$", "log("}; /* "log(" is no expression: by name only */
    const char *ren[] = {"value", "Firm value"};
    const char *rows[] = {"Controls: Yes, No"};
    gw_etable_opts o = {0};
    o.keep = keep;
    o.nkeep = 2;
    o.rename = ren;
    o.nrename = 1;
    o.add_rows = rows;
    o.nadd_rows = 1;
    o.title = "T";
    o.notes = "N";
    char *t = render_ex(GW_ETABLE_TEXT, &o);
    gwt_expect_in(t, "Firm value");
    assert_null(strstr(t, "capital"));
    assert_null(strstr(t, "log(x_1)"));
    assert_null(strstr(t, "(Intercept)"));
    gwt_expect_in(t, "Controls");
    assert_true(strncmp(t, "T\n", 2) == 0);
    gwt_expect_in(t, "* p<0.1\nN\n");
    gw_free(t);

    const char *keep2[] = {"^value$", "log\\("}, *order[] = {"log", "Firm"}, *drop[] = {"Int"};
    o = (gw_etable_opts){0};
    o.keep = keep2;
    o.nkeep = 2;
    o.order = order;
    o.norder = 2;
    o.rename = ren;
    o.nrename = 1;
    t = render_ex(GW_ETABLE_TEXT, &o);
    assert_non_null(strstr(t, "log(x_1)"));
    assert_true(strstr(t, "log(x_1)") < strstr(t, "Firm value"));
    gw_free(t);
    o = (gw_etable_opts){0};
    o.drop = drop;
    o.ndrop = 1;
    t = render_ex(GW_ETABLE_TEXT, &o);
    assert_null(strstr(t, "(Intercept)"));
    gwt_expect_in(t, "capital");
    gw_free(t);

    const char *bad_rows[] = {"Controls: a, b, c"};
    o = (gw_etable_opts){0};
    o.add_rows = bad_rows;
    o.nadd_rows = 1;
    gw_result *m = model(1);
    char *out = NULL;
    assert_int_equal(
        gw_etable_render_ex((const gw_result *const *)&m, NULL, 1, GW_ETABLE_TEXT, &o, &out),
        GW_EINVAL);
    const char *stats[] = {"r2", "nope"};
    o = (gw_etable_opts){0};
    o.stats = stats;
    o.nstats = 2;
    assert_int_equal(
        gw_etable_render_ex((const gw_result *const *)&m, NULL, 1, GW_ETABLE_TEXT, &o, &out),
        GW_EINVAL);
    assert_null(out);
    gw_result_free(m);
}

/* Intervals: the stored ones at their level; another level from the t quantile (model 1 has
 * df_inference 197: qt(0.95, 197) = 1.652625...). Statistics rows: integers as integers. */
static void test_etable_below_and_stats(void **state)
{
    (void)state;
    gw_result *m = model(1);
    for (size_t j = 0; j < m->k; j++) {
        m->ci_low[j] = -1.0;
        m->ci_high[j] = 1.0;
        m->statistic[j] = m->estimate[j] / m->std_error[j];
    }
    m->df_inference = 197;
    m->stat_is_z = 0;
    m->df_resid = 197;
    m->n_cluster_vars = 2;
    m->n_clusters[0] = 10;
    m->n_clusters[1] = 20;
    m->mean_y = 145.95825;
    m->loglik = -1191.80236;
    gw_etable_opts o = {0};
    o.below = GW_ETABLE_CI;
    char *out = NULL;
    const gw_result *ms[] = {m};
    assert_int_equal(gw_etable_render_ex(ms, NULL, 1, GW_ETABLE_TEXT, &o, &out), GW_OK);
    gwt_expect_in(out, "[-1.000, 1.000]");
    gw_free(out);
    o.level = 0.90;
    assert_int_equal(gw_etable_render_ex(ms, NULL, 1, GW_ETABLE_TEXT, &o, &out), GW_OK);
    /* R: 0.115562 + c(-1, 1) * qt(0.95, 197) * 0.005836 = 0.1059172, 0.1252068 */
    gwt_expect_in(out, "[0.1059, 0.1252]");
    gw_free(out);
    o.below = GW_ETABLE_TSTAT;
    const char *stats[] = {"n", "n_clusters", "df", "mean_y", "loglik", "first_stage_f"};
    o.stats = stats;
    o.nstats = 6;
    assert_int_equal(gw_etable_render_ex(ms, NULL, 1, GW_ETABLE_TEXT, &o, &out), GW_OK);
    gwt_expect_in(out, "(19.80)");
    row_has(out, "Observations", "200");
    row_has(out, "Clusters", "10, 20");
    row_has(out, "Residual df", "197");
    row_has(out, "Mean of dep. var.", "146.0");
    row_has(out, "Log-likelihood", "-1192");
    gwt_expect_in(out, "\nFirst-stage F\n"); /* requested: shown, empty where it does not apply */
    gw_free(out);
    gw_result_free(m);
}

/* LaTeX never shows raw e-notation; HTML writes x10 with a superscript; CSV keeps stars apart. */
static void test_etable_scientific(void **state)
{
    (void)state;
    char *t = render_ex(GW_ETABLE_LATEX, NULL);
    for (const char *p = t; (p = strchr(p, 'e')) != NULL; p++)
        if ((p[1] == '-' || p[1] == '+') && p[2] >= '0' && p[2] <= '9' && p > t && p[-1] >= '0' &&
            p[-1] <= '9')
            fail_msg("raw e-notation in LaTeX at '%.20s'", p - 5);
    gwt_expect_in(t, "$-1.235\\times 10^{7}$");
    gw_free(t);
    t = render_ex(GW_ETABLE_HTML, NULL);
    gwt_expect_in(t, "<td>&minus;1.235&times;10<sup>7</sup></td>");
    gwt_expect_in(t, "<td>(1.000&times;10<sup>-5</sup>)</td>");
    gwt_expect_in(t, "<td>0.1101<sup>**</sup></td>");
    gw_free(t);
    double none[1];
    gw_etable_opts o = {0};
    o.stars = none;
    o.nstars = 0;
    t = render_ex(GW_ETABLE_TEXT, &o);
    assert_null(strstr(t, "*"));
    assert_null(strstr(t, "Signif."));
    gw_free(t);
}

static void test_etable_labels_file(void **state)
{
    (void)state;
    const char *path = gwt_write_file("labels.csv", "term,label\nvalue,\"Value, real\"\nx,\n");
    char **p = NULL;
    size_t n = 0;
    assert_int_equal(gw_etable_labels_read(path, &p, &n), GW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(p[0], "value");
    assert_string_equal(p[1], "Value, real");
    assert_string_equal(p[2], "x");
    gw_etable_labels_free(p, n);
    assert_int_equal(gw_etable_labels_read(gwt_write_file("one.csv", "term\nvalue\n"), &p, &n),
                     GW_EFORMAT);
    assert_int_equal(gw_etable_labels_read(gwt_write_file("num.csv", "a,b\n1,2\n"), &p, &n),
                     GW_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_etable_stars_thresholds),
        cmocka_unit_test(test_etable_render_text),
        cmocka_unit_test(test_etable_render_latex),
        cmocka_unit_test(test_etable_render_markdown_csv_json),
        cmocka_unit_test(test_etable_render_invalid),
        cmocka_unit_test(test_etable_stars_parse_legend),
        cmocka_unit_test(test_etable_lists),
        cmocka_unit_test(test_etable_select_and_rows),
        cmocka_unit_test(test_etable_below_and_stats),
        cmocka_unit_test(test_etable_scientific),
        cmocka_unit_test(test_etable_labels_file),
    };
    return cmocka_run_group_tests_name("etable", tests, NULL, NULL);
}
