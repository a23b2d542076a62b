/* test_output.c -- the renderers of io/gw_output.h on hand-made results. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_output.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_test.h"

/* Numbers with all 53 bits in use (style.md: high-entropy values), plus the awkward ones:
 * huge, subnormal, negative zero, and a NaN for an aliased coefficient. */
static const double est[4] = {-42.714369016155024, 0.11556215799028298, 1.0 / 3.0, NAN};
static const double se[4] = {9.5116760330431081, 0.0058435464498245071, 1e-310, NAN};
static const double stat[4] = {-4.4907447, 19.775768211941516, 3.3333333333333335e307, NAN};
static const double pval[4] = {1.2122866e-05, 1.0e-300, 0.0, NAN};
static const double lo[4] = {-61.472154789012345, 0.10403787418523061, -0.0, NAN};
static const double hi[4] = {-23.956583243297703, 0.12708644179533535, 1.7976931348623157e308, NAN};
static const char *const names[4] = {"(Intercept)", "value", "x_1^2", "a:b"};

/* A result of four coefficients (the last aliased), cluster variance, one fixed effect, one
 * dropped term. */
static gw_result *make_result(void)
{
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(4, &r), GW_OK);
    assert_int_equal(gw_result_set_str(&r->estimator, "ols"), GW_OK);
    assert_int_equal(gw_result_set_str(&r->formula, "inv ~ value + x_1^2 + a:b | firm"), GW_OK);
    assert_int_equal(gw_result_set_str(&r->vcov_type, "cluster:firm"), GW_OK);
    assert_int_equal(gw_result_set_str(&r->response, "inv"), GW_OK);
    assert_int_equal(gw_result_set_str(&r->solver, "qrp"), GW_OK);
    for (size_t j = 0; j < 4; j++) {
        assert_int_equal(gw_result_set_str(&r->terms[j], names[j]), GW_OK);
        r->estimate[j] = est[j];
        r->std_error[j] = se[j];
        r->statistic[j] = stat[j];
        r->p_value[j] = pval[j];
        r->ci_low[j] = lo[j];
        r->ci_high[j] = hi[j];
        for (size_t i = 0; i < 4; i++)
            r->vcov[i + 4 * j] =
                (i == 3 || j == 3) ? (double)NAN : 0.1 * (double)(i + 1) / (double)(j + 7);
    }
    r->nobs = 200;
    r->nobs_dropped_missing = 3;
    r->singletons_dropped = 0;
    r->df_resid = 187.0;
    r->n_cluster_vars = 1;
    r->n_clusters[0] = 10;
    r->df_inference = 9.0;
    r->r2 = 0.81240801535765237;
    r->adj_r2 = 0.81050399999999999;
    r->rmse = 94.408403640358512;
    r->rss = 1755850.4824784815;
    r->tss = 9359943.9236706775;
    r->loglik = -1191.8023153469081;
    r->f_stat = 426.57560889124478;
    r->f_df1 = 2.0;
    r->f_df2 = 9.0;
    r->f_p_value = 2.5e-10;
    r->iterations = 1;
    r->converged = 1;
    r->rank = 3;
    r->rcond = 1.2345678901234567e-3;
    r->near_singular = 0;
    r->fixed_effects = gw_calloc(1, sizeof *r->fixed_effects);
    assert_non_null(r->fixed_effects);
    r->nfe = 1;
    r->fixed_effects[0].name = gw_strdup("firm");
    r->fixed_effects[0].levels = 10;
    r->dropped_collinear = gw_calloc(1, sizeof(char *));
    assert_non_null(r->dropped_collinear);
    r->ndropped = 1;
    r->dropped_collinear[0] = gw_strdup("x3");
    return r;
}

/* Renders r into *out (an out-parameter rather than a return value: GCC 12's
 * -Wdangling-pointer mistakes a returned string for the address of a local). */
static void render(const gw_result *r, gw_output_format fmt, char **out)
{
    *out = NULL;
    gw_status s = gw_output_render(r, fmt, out);
    if (s != GW_OK)
        fail_msg("render %s: %s: %s", gw_output_format_name(fmt), gw_status_str(s),
                 gw_last_error());
    assert_non_null(*out);
}

/* Fails unless item is a number whose value has exactly the bits of expected (NaN: null). */
static void assert_json_double(const cJSON *item, double expected, const char *what)
{
    if (item == NULL)
        fail_msg("%s: missing", what);
    if (isnan(expected) || isinf(expected)) {
        if (!cJSON_IsNull(item))
            fail_msg("%s: expected null for %g", what, expected);
        return;
    }
    if (!cJSON_IsNumber(item))
        fail_msg("%s: not a number", what);
    double got = item->valuedouble;
    if (memcmp(&got, &expected, sizeof got) != 0)
        fail_msg("%s: read back %.17g, wrote %.17g (not bit-identical)", what, got, expected);
}

static void assert_json_count(const cJSON *o, const char *name, double expected)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    if (item == NULL || !cJSON_IsNumber(item))
        fail_msg("%s: missing or not a number", name);
    assert_json_double(item, expected, name);
}

static void assert_json_string(const cJSON *o, const char *name, const char *expected)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!cJSON_IsString(item))
        fail_msg("%s: missing or not a string", name);
    assert_string_equal(item->valuestring, expected);
}

static void test_gw_output_number_round_trip(void **state)
{
    (void)state;
    /* A deterministic sweep over many binades: every printed number reads back exactly. */
    unsigned long long x = 0x9E3779B97F4A7C15ull;
    char buf[GW_OUTPUT_NUMLEN];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        gw_output_number(d, buf);
        double back = strtod(buf, NULL);
        if (memcmp(&back, &d, sizeof d) != 0)
            fail_msg("seed sweep %d: %.17g printed as %s", i, d, buf);
    }
    assert_string_equal(gw_output_number(0.1, buf), "0.1");
    assert_string_equal(gw_output_number(200.0, buf), "200");
    assert_string_equal(gw_output_number(-0.0, buf), "-0");
    assert_string_equal(gw_output_number(NAN, buf), "null");
    assert_string_equal(gw_output_number(-INFINITY, buf), "null");
}

static void test_gw_output_render_json_fields(void **state)
{
    (void)state;
    gw_result *r = make_result();
    char *text = NULL;
    render(r, GW_OUT_JSON, &text);
    assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
    cJSON *o = cJSON_Parse(text);
    if (o == NULL)
        fail_msg("JSON does not parse: %s", text);
    assert_true(cJSON_IsObject(o));
    assert_json_string(o, "goodwork_version", "0.1.0");
    assert_json_string(o, "estimator", "ols");
    assert_json_string(o, "formula", "inv ~ value + x_1^2 + a:b | firm");
    assert_json_string(o, "vcov_type", "cluster:firm");
    assert_json_string(o, "response", "inv");
    assert_json_string(o, "solver", "qrp");
    assert_json_string(o, "statistic_type", "t");
    assert_json_count(o, "nobs", 200);
    assert_json_count(o, "nobs_dropped_missing", 3);
    assert_json_count(o, "singletons_dropped", 0);
    assert_json_count(o, "iterations", 1);
    assert_json_count(o, "rank", 3);
    assert_json_double(cJSON_GetObjectItemCaseSensitive(o, "df_resid"), 187.0, "df_resid");
    assert_json_double(cJSON_GetObjectItemCaseSensitive(o, "df_inference"), 9.0, "df_inf");

    const cJSON *nc = cJSON_GetObjectItemCaseSensitive(o, "n_clusters");
    assert_true(cJSON_IsArray(nc));
    assert_int_equal(cJSON_GetArraySize(nc), 1);
    assert_json_double(cJSON_GetArrayItem(nc, 0), 10.0, "n_clusters[0]");

    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    assert_true(cJSON_IsArray(coefs));
    assert_int_equal(cJSON_GetArraySize(coefs), 4);
    for (int j = 0; j < 4; j++) {
        const cJSON *c = cJSON_GetArrayItem(coefs, j);
        assert_json_string(c, "term", names[j]);
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "estimate"), est[j], "estimate");
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "std_error"), se[j], "std_error");
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "statistic"), stat[j], "stat");
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "p_value"), pval[j], "p_value");
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "ci_low"), lo[j], "ci_low");
        assert_json_double(cJSON_GetObjectItemCaseSensitive(c, "ci_high"), hi[j], "ci_high");
    }
    /* -0.0 keeps its sign (cJSON's own printer writes "0"). */
    double neg0 =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(coefs, 2), "ci_low")->valuedouble;
    assert_true(signbit(neg0));

    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "vcov");
    assert_true(cJSON_IsArray(v));
    assert_int_equal(cJSON_GetArraySize(v), 4);
    for (int i = 0; i < 4; i++) {
        const cJSON *row = cJSON_GetArrayItem(v, i);
        assert_int_equal(cJSON_GetArraySize(row), 4);
        for (int j = 0; j < 4; j++)
            assert_json_double(cJSON_GetArrayItem(row, j), r->vcov[i + 4 * j], "vcov");
    }

    static const struct {
        const char *name;
        size_t offset;
    } scalars[] = {
        {"r2", offsetof(gw_result, r2)},
        {"adj_r2", offsetof(gw_result, adj_r2)},
        {"r2_within", offsetof(gw_result, r2_within)},
        {"rmse", offsetof(gw_result, rmse)},
        {"rss", offsetof(gw_result, rss)},
        {"tss", offsetof(gw_result, tss)},
        {"loglik", offsetof(gw_result, loglik)},
        {"f_stat", offsetof(gw_result, f_stat)},
        {"f_df1", offsetof(gw_result, f_df1)},
        {"f_df2", offsetof(gw_result, f_df2)},
        {"f_p_value", offsetof(gw_result, f_p_value)},
        {"conf_level", offsetof(gw_result, conf_level)},
        {"rcond", offsetof(gw_result, rcond)},
    };
    for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++) {
        double expected;
        memcpy(&expected, (const char *)r + scalars[i].offset, sizeof expected);
        assert_json_double(cJSON_GetObjectItemCaseSensitive(o, scalars[i].name), expected,
                           scalars[i].name);
    }
    /* r2_within is NaN here: present and null, never invented. */
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, "r2_within")));

    const cJSON *fe = cJSON_GetObjectItemCaseSensitive(o, "fixed_effects");
    assert_int_equal(cJSON_GetArraySize(fe), 1);
    assert_json_string(cJSON_GetArrayItem(fe, 0), "name", "firm");
    assert_json_count(cJSON_GetArrayItem(fe, 0), "levels", 10);
    const cJSON *dc = cJSON_GetObjectItemCaseSensitive(o, "dropped_collinear");
    assert_int_equal(cJSON_GetArraySize(dc), 1);
    assert_string_equal(cJSON_GetArrayItem(dc, 0)->valuestring, "x3");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "converged")));
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(o, "near_singular")));
    cJSON_Delete(o);
    gw_free(text);
    gw_result_free(r);
}

/* Without cluster variance n_clusters is omitted; NA counts and unset strings are null. */
static void test_gw_output_render_json_not_applicable(void **state)
{
    (void)state;
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(1, &r), GW_OK);
    assert_int_equal(gw_result_set_str(&r->vcov_type, "hc1"), GW_OK);
    r->stat_is_z = 1;
    char *text = NULL;
    render(r, GW_OUT_JSON, &text);
    cJSON *o = cJSON_Parse(text);
    assert_non_null(o);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "n_clusters"));
    const char *nulls[] = {"nobs",
                           "nobs_dropped_missing",
                           "singletons_dropped",
                           "df_resid",
                           "r2",
                           "adj_r2",
                           "rmse",
                           "loglik",
                           "f_stat",
                           "f_p_value",
                           "iterations",
                           "converged",
                           "rank",
                           "rcond",
                           "estimator",
                           "formula",
                           "df_inference"};
    for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
        if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, nulls[i])))
            fail_msg("%s should be null", nulls[i]);
    assert_json_string(o, "statistic_type", "z");
    const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "coefficients"), 0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c, "estimate")));
    assert_json_string(c, "term", "");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "fixed_effects")), 0);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "dropped_collinear")),
                     0);
    cJSON_Delete(o);
    gw_free(text);
    gw_result_free(r);
}

static void test_gw_output_render_text_contents(void **state)
{
    (void)state;
    gw_result *r = make_result();
    r->near_singular = 1;
    char *t = NULL;
    render(r, GW_OUT_TEXT, &t);
    const char *expect[] = {"Linear regression, absorbed fixed effects (within)",
                            "inv ~ value + x_1^2 + a:b | firm",
                            "200 (3 dropped: missing values)",
                            "clustered by firm (10 clusters)",
                            "t with 9 df",
                            "firm (10 levels)",
                            "(Intercept) |",
                            "-42.7144",
                            "9.51168",
                            "-4.49",
                            "0.115562",
                            "19.78",
                            "P>|t|",
                            "[95% Conf. Interval]",
                            "R-squared",
                            "0.812408",
                            "Root MSE",
                            "94.4084",
                            "Log likelihood",
                            "-1191.8",
                            "F(2, 9)",
                            "426.576",
                            "Prob > F",
                            "2.5e-10",
                            "x3",
                            "exact collinearity",
                            "near-singular",
                            "NA"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
        if (strstr(t, expect[i]) == NULL)
            fail_msg("text output lacks \"%s\":\n%s", expect[i], t);
    /* Aligned: every line of the coefficient table has its "|" in the same column. */
    const char *first = strstr(t, "(Intercept) |");
    const char *line_start = first;
    while (line_start > t && line_start[-1] != '\n')
        line_start--;
    size_t bar = (size_t)(strchr(first, '|') - line_start);
    const char *value_line = strstr(t, "      value |");
    assert_non_null(value_line);
    const char *vs = value_line;
    while (vs > t && vs[-1] != '\n')
        vs--;
    assert_int_equal((size_t)(strchr(value_line, '|') - vs), bar);
    /* No number column overflows NUMW: the huge and tiny values stay in %.6g form. */
    assert_non_null(strstr(t, "1.79769e+308"));
    assert_non_null(strstr(t, "1e-310"));
    gw_free(t);
    gw_result_free(r);
}

static void test_gw_output_render_latex_escaping(void **state)
{
    (void)state;
    gw_result *r = make_result();
    assert_int_equal(gw_result_set_str(&r->terms[1], "pay_%&#${}"), GW_OK);
    char *t = NULL;
    render(r, GW_OUT_LATEX, &t);
    assert_non_null(strstr(t, "\\begin{tabular}"));
    assert_non_null(strstr(t, "\\toprule"));
    assert_non_null(strstr(t, "\\midrule"));
    assert_non_null(strstr(t, "\\bottomrule"));
    assert_non_null(strstr(t, "\\end{tabular}"));
    assert_non_null(strstr(t, "pay\\_\\%\\&\\#\\$\\{\\}"));
    assert_non_null(strstr(t, "x\\_1\\textasciicircum{}2"));
    assert_non_null(strstr(t, "$-42.7144$"));
    assert_non_null(strstr(t, "$1\\times 10^{-310}$"));
    /* No unescaped underscore may remain in a table row. */
    const char *body = strstr(t, "\\midrule");
    for (const char *p = body; *p; p++)
        if (*p == '_' && p[-1] != '\\')
            fail_msg("unescaped _ in LaTeX output:\n%s", t);
    gw_free(t);
    gw_result_free(r);
}

static void test_gw_output_render_markdown_table(void **state)
{
    (void)state;
    gw_result *r = make_result();
    char *t = NULL;
    render(r, GW_OUT_MARKDOWN, &t);
    assert_non_null(strstr(t, "| term | estimate | std. error | t | p-value |"));
    assert_non_null(strstr(t, "|:-----|"));
    assert_non_null(strstr(t, "| (Intercept) | -42.7144 | 9.51168 |"));
    assert_non_null(strstr(t, "| x\\_1^2 |"));
    assert_non_null(strstr(t, "| R-squared | 0.812408 |"));
    assert_non_null(strstr(t, "| N | 200 |"));
    /* Every table row has the same number of cells (8 bars for 7 columns). */
    const char *row = strstr(t, "| term |");
    for (int k = 0; k < 6; k++) {
        const char *end = strchr(row, '\n');
        int bars = 0;
        for (const char *p = row; p < end; p++)
            bars += (*p == '|' && (p == row || p[-1] != '\\'));
        assert_int_equal(bars, 8);
        row = end + 1;
    }
    gw_free(t);
    gw_result_free(r);
}

/* The panel fields: JSON numbers under their names (absent when not applicable), the text
 * block, Markdown and LaTeX rows. */
static void test_gw_output_render_panel_fields(void **state)
{
    (void)state;
    gw_result *r = make_result();
    char *t = NULL;
    render(r, GW_OUT_JSON, &t);
    cJSON *o = cJSON_Parse(t);
    assert_non_null(o);
    const char *absent[] = {"n_groups",
                            "t_min",
                            "t_max",
                            "sigma_u",
                            "sigma_e",
                            "rho",
                            "theta",
                            "theta_min",
                            "theta_max",
                            "hausman_chi2",
                            "hausman_df",
                            "hausman_p",
                            "hausman_robust_stat",
                            "hausman_robust_df",
                            "hausman_robust_p"};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(o, absent[i]) != NULL)
            fail_msg("%s present in a fit without panel", absent[i]);
    cJSON_Delete(o);
    gw_free(t);
    render(r, GW_OUT_TEXT, &t);
    assert_null(strstr(t, "sigma_u"));
    assert_null(strstr(t, "Groups:"));
    gw_free(t);

    r->n_groups = 10;
    r->t_min = 17;
    r->t_max = 20;
    r->sigma_u = 84.200950703112912;
    r->sigma_e = 52.767965952630141;
    r->rho = 0.71800836703917929;
    r->theta_min = 0.84514756011981561;
    r->theta_max = 0.86122362074787862;
    r->hausman_chi2 = 2.3303668936757873;
    r->hausman_df = 2.0;
    r->hausman_p = 0.31186544605483507;
    r->hausman_robust_stat = 7.3197051570412155;
    r->hausman_robust_df = 2.0;
    r->hausman_robust_p = 0.025736306531091827;
    render(r, GW_OUT_JSON, &t);
    o = cJSON_Parse(t);
    assert_non_null(o);
    assert_json_count(o, "n_groups", 10.0);
    assert_json_count(o, "t_min", 17.0);
    assert_json_count(o, "t_max", 20.0);
    assert_json_count(o, "sigma_u", r->sigma_u);
    assert_json_count(o, "sigma_e", r->sigma_e);
    assert_json_count(o, "rho", r->rho);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "theta")); /* unbalanced */
    assert_json_count(o, "theta_min", r->theta_min);
    assert_json_count(o, "theta_max", r->theta_max);
    assert_json_count(o, "hausman_chi2", r->hausman_chi2);
    assert_json_count(o, "hausman_df", 2.0);
    assert_json_count(o, "hausman_p", r->hausman_p);
    assert_json_count(o, "hausman_robust_stat", r->hausman_robust_stat);
    assert_json_count(o, "hausman_robust_df", 2.0);
    assert_json_count(o, "hausman_robust_p", r->hausman_robust_p);
    cJSON_Delete(o);
    gw_free(t);
    render(r, GW_OUT_TEXT, &t);
    const char *text_needles[] = {
        "Groups: 10; obs per group: min 17, max 20\n",
        "sigma_u = 84.201, sigma_e = 52.768, rho = 0.718008 (fraction of variance due to u_i)\n",
        "theta: min 0.845148, max 0.861224 (unbalanced panel)\n",
        "Hausman test (fe vs re, classical): chi2(2) = 2.33037, Prob > chi2 = 0.3119\n",
        "Hausman test (regression form, cluster-robust by id): chi2(2) = 7.31971, "
        "Prob > chi2 = 0.0257\n"};
    for (size_t i = 0; i < sizeof text_needles / sizeof text_needles[0]; i++)
        if (strstr(t, text_needles[i]) == NULL)
            fail_msg("text lacks \"%s\":\n%s", text_needles[i], t);
    gw_free(t);
    render(r, GW_OUT_MARKDOWN, &t);
    assert_non_null(strstr(t, "| Groups | 10 |"));
    assert_non_null(strstr(t, "| sigma\\_u | 84.201 |"));
    assert_non_null(strstr(t, "| theta, min | 0.845148 |"));
    assert_non_null(strstr(t, "| Hausman chi2(2) | 2.33037 |"));
    assert_non_null(strstr(t, "| Robust Hausman p-value | 0.0257 |"));
    gw_free(t);
    r->theta = r->theta_max;
    render(r, GW_OUT_LATEX, &t);
    assert_non_null(strstr(t, "$\\sigma_u$ & \\multicolumn{6}{r}{$84.201$} \\\\"));
    assert_non_null(strstr(t, "$\\theta$ & \\multicolumn{6}{r}{$0.861224$}"));
    assert_non_null(strstr(t, "Hausman $\\chi^2(2)$ & \\multicolumn{6}{r}{$2.33037$}"));
    assert_null(strstr(t, "theta$, min"));
    gw_free(t);
    gw_result_free(r);
}

static void test_gw_output_render_csv_rows(void **state)
{
    (void)state;
    gw_result *r = make_result();
    assert_int_equal(gw_result_set_str(&r->terms[3], "factor(region)=North, \"x\""), GW_OK);
    char *t = NULL;
    render(r, GW_OUT_CSV, &t);
    char first[512];
    snprintf(first, sizeof first, "(Intercept),%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", est[0],
             se[0], stat[0], pval[0], lo[0], hi[0]);
    const char *lines[] = {
        "term,estimate,std_error,statistic,p_value,ci_low,ci_high\n",
        first,
        "x_1^2,0.33333333333333331,",
        ",0,-0,1.7976931348623157e+308\n",
        "\"factor(region)=North, \"\"x\"\"\",,,,,,\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        if (strstr(t, lines[i]) == NULL)
            fail_msg("CSV lacks line %s in:\n%s", lines[i], t);
    /* Numbers are %.17g: each field reads back exactly. */
    const char *row = strstr(t, "\nvalue,");
    assert_non_null(row);
    char *end = NULL;
    double e = strtod(row + 7, &end);
    assert_memory_equal(&e, &est[1], sizeof e);
    gw_free(t);
    gw_result_free(r);
}

static void test_gw_output_format_parse_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        gw_output_format fmt;
    } ok[] = {{"text", GW_OUT_TEXT},   {"json", GW_OUT_JSON},   {"markdown", GW_OUT_MARKDOWN},
              {"md", GW_OUT_MARKDOWN}, {"latex", GW_OUT_LATEX}, {"csv", GW_OUT_CSV}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        gw_output_format f = GW_OUT_CSV;
        assert_int_equal(gw_output_format_parse(ok[i].name, &f), GW_OK);
        assert_int_equal(f, ok[i].fmt);
    }
    gw_output_format f = GW_OUT_CSV;
    assert_int_equal(gw_output_format_parse("xml", &f), GW_EINVAL);
    assert_int_equal(f, GW_OUT_CSV);
    assert_non_null(strstr(gw_last_error(), "xml"));
    assert_int_equal(gw_output_format_parse(NULL, &f), GW_EINVAL);
}

static void test_gw_output_render_invalid(void **state)
{
    (void)state;
    char *out = (char *)1;
    assert_int_equal(gw_output_render(NULL, GW_OUT_TEXT, &out), GW_EINVAL);
    assert_null(out);
    assert_true(gw_last_error()[0] != '\0');
    gw_result *r = make_result();
    out = (char *)1;
    assert_int_equal(gw_output_render(r, (gw_output_format)99, &out), GW_EINVAL);
    assert_null(out);
    assert_int_equal(gw_output_render(r, GW_OUT_TEXT, NULL), GW_EINVAL);
    gw_result_free(r);
}

/* An empty fit (y ~ 0) renders in every format without crashing. */
static void test_gw_output_render_empty_result(void **state)
{
    (void)state;
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(0, &r), GW_OK);
    for (int f = GW_OUT_TEXT; f <= GW_OUT_CSV; f++) {
        char *t = NULL;
        render(r, (gw_output_format)f, &t);
        gw_free(t);
    }
    gw_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gw_output_number_round_trip),
        cmocka_unit_test(test_gw_output_render_json_fields),
        cmocka_unit_test(test_gw_output_render_json_not_applicable),
        cmocka_unit_test(test_gw_output_render_text_contents),
        cmocka_unit_test(test_gw_output_render_latex_escaping),
        cmocka_unit_test(test_gw_output_render_markdown_table),
        cmocka_unit_test(test_gw_output_render_panel_fields),
        cmocka_unit_test(test_gw_output_render_csv_rows),
        cmocka_unit_test(test_gw_output_format_parse_names),
        cmocka_unit_test(test_gw_output_render_invalid),
        cmocka_unit_test(test_gw_output_render_empty_result),
    };
    return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
