/* test_report.c -- what `goodwork run`'s report.md hands on (issue 18): each scenario's
 * shocks, pass-through and its distribution, base year, models in propagation order with their
 * formulas, units and plausibility; the index's rank intervals; the communities' silhouette by
 * k. Every number in those tables is checked against the step's own JSON (steps/NAME.json) and
 * the formulas against the pipeline file's text; the new plots exist and are complete SVG
 * files; verify accepts the run. The scale grouping of the coefficient plot is checked on rows
 * of known sizes (plot_scale_groups, pipeline/gw_plot.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gw_alloc.h"
#include "gw_plot.h"
#include "gw_test.h"
#include "pipeline_int.h"

/* A direct shock big enough to push every area's employment rate below the observed range. */
static const char *write_ini(void)
{
    static char text[8192];
    snprintf(text, sizeof text,
             "[pipeline]\nseed = 11\n\n[data]\nfile = %s\n\n"
             "[model m_aut]\n"
             "model = autonomy_share ~ share_prof + emp_rate + auto_exposure | la_id + year\n"
             "vcov = cluster:la_id\n\n"
             "[model m_life]\n"
             "model = life_sat ~ emp_rate + autonomy_share | la_id + year\n\n"
             "[index gwi]\nindicators = emp_rate,share_prof,sat_hours\nid = la_code\n"
             "time = year\nsensitivity = 40\n\n"
             "[synergy syn]\nvars = emp_rate,autonomy_share,life_sat\ntime = year\n\n"
             "[cluster comm]\nvars = emp_rate,share_prof,sat_hours\nid = la_id\ntime = year\n"
             "at = 2024\nk = 4\n\n"
             "[scenario sc]\nshock = emp_rate-=20\nparam = pass_through=beta(2,2)\n"
             "draws = 50\n\n"
             "[report]\ntitle = Report test\ntop = 3\n",
             gwt_source_path("datasets/uk_la_panel.h5"));
    return gwt_write_file("report.ini", text);
}

/* The bytes of dir/name (owned: gw_free), NULL when unreadable. */
static char *slurp(const char *dir, const char *name)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return pl_slurp(path, NULL);
}

static cJSON *step_json(const char *dir, const char *name)
{
    char file[256];
    snprintf(file, sizeof file, "steps/%s.json", name);
    char *text = slurp(dir, file);
    assert_non_null(text);
    cJSON *o = cJSON_Parse(text);
    gw_free(text);
    assert_non_null(o);
    return o;
}

/* The report's line that starts with prefix (a copy, without its newline), or fails. */
static char *line_with(const char *md, const char *prefix)
{
    for (const char *p = md; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, strlen(prefix)) == 0) {
            size_t n = strcspn(p, "\n");
            char *s = malloc(n + 1);
            assert_non_null(s);
            memcpy(s, p, n);
            s[n] = '\0';
            return s;
        }
    fail_msg("report.md has no line starting \"%s\"", prefix);
    return NULL;
}

/* The numbers of a table row in order ("| 3 | X09 | 0.5 | 1 to 2 |": 3, 0.5, 1, 2 -- cells
 * that start with a letter are skipped). Returns how many (at most max). */
static size_t row_numbers(const char *row, double *v, size_t max)
{
    size_t n = 0;
    for (const char *p = row; *p && n < max;) {
        char *end;
        int start = (p == row || p[-1] == ' ' || p[-1] == '|') &&
                    (p[0] == '-' || (p[0] >= '0' && p[0] <= '9'));
        double x = start ? strtod(p, &end) : 0;
        if (start && end != p) {
            v[n++] = x;
            p = end;
        } else {
            p++;
        }
    }
    return n;
}

/* Printed with 4 significant digits ("%.4g"): equal within half a unit of the 4th digit. */
static void assert_4g(double printed, double json) { gw_assert_close(printed, json, 5e-4, 1e-12); }

static void check_svg(const char *dir, const char *name)
{
    char *s = slurp(dir, name);
    if (s == NULL)
        fail_msg("%s/%s missing", dir, name);
    assert_non_null(strstr(s, "<svg"));
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
        n--;
    assert_true(n > 6 && strncmp(s + n - 6, "</svg>", 6) == 0); /* finished by cairo */
    gw_free(s);
}

static void check_index(const char *md, const char *dir)
{
    cJSON *o = step_json(dir, "gwi");
    const cJSON *e;
    double last = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "index")) last =
        fmax(last, cJSON_GetObjectItem(e, "time")->valuedouble);
    assert_non_null(strstr(md, "over 40 draws of Dirichlet-perturbed weights"));
    assert_non_null(strstr(md, "| rank | area | index | rank change | median rank | 5-95% rank |"));
    size_t rows = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "index"))
    {
        double rank = cJSON_GetObjectItem(e, "rank")->valuedouble;
        if (cJSON_GetObjectItem(e, "time")->valuedouble != last || (rank > 3 && rank < 358))
            continue;
        char prefix[128], *row;
        snprintf(prefix, sizeof prefix, "| %.0f | %s |", rank,
                 cJSON_GetObjectItem(e, "id")->valuestring);
        row = line_with(md, prefix);
        double v[8];
        size_t n = row_numbers(row, v, 8); /* rank, index, rank change, median, q05, q95 */
        assert_true(n == 6 || n == 5);     /* the first year has no rank change */
        double med = v[n - 3], q05 = v[n - 2], q95 = v[n - 1];
        gw_assert_close(med, cJSON_GetObjectItem(e, "rank_median")->valuedouble, 1e-5, 0);
        gw_assert_close(q05, cJSON_GetObjectItem(e, "rank_q05")->valuedouble, 1e-5, 0);
        gw_assert_close(q95, cJSON_GetObjectItem(e, "rank_q95")->valuedouble, 1e-5, 0);
        assert_4g(v[1], cJSON_GetObjectItem(e, "value")->valuedouble);
        free(row);
        rows++;
    }
    assert_int_equal(rows, 6);
    cJSON_Delete(o);
}

static void check_silhouette(const char *md, const char *dir)
{
    cJSON *o = step_json(dir, "comm");
    const cJSON *e;
    size_t rows = 0;
    double k = cJSON_GetObjectItem(o, "k")->valuedouble;
    md = strstr(md, "| k | mean silhouette | chosen |"); /* rows below: "| 2 |" is also a rank */
    assert_non_null(md);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "silhouette"))
    {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "| %s |", e->string);
        char *row = line_with(md, prefix);
        double v[4];
        assert_int_equal(row_numbers(row, v, 4), 2);
        assert_4g(v[1], e->valuedouble);
        assert_int_equal(strstr(row, "| yes |") != NULL, atof(e->string) == k);
        free(row);
        rows++;
    }
    assert_true(rows >= 2);
    assert_non_null(strstr(md, "![silhouette by k](silhouette_comm.svg)"));
    cJSON_Delete(o);
}

static void check_scenario(const char *md, const char *dir)
{
    cJSON *o = step_json(dir, "sc");
    const cJSON *e;
    /* The shock as given, the pass-through with its distribution, the base year. */
    assert_non_null(strstr(md, "- `emp_rate-=20`"));
    char want[512];
    snprintf(want, sizeof want,
             "Pass-through %.4g:", cJSON_GetObjectItem(o, "pass_through")->valuedouble);
    assert_non_null(strstr(md, want));
    const cJSON *dist = cJSON_GetObjectItem(o, "pass_through_distribution");
    assert_true(cJSON_IsString(dist));
    snprintf(want, sizeof want, "drawn from %s in each draw", dist->valuestring);
    assert_non_null(strstr(md, want));
    snprintf(want, sizeof want, "Base year %.0f:", cJSON_GetObjectItem(o, "year")->valuedouble);
    assert_non_null(strstr(md, want));
    /* Models in the JSON's (propagation) order, formulas as the pipeline file wrote them. */
    static const char *const formulas[][2] = {
        {"m_aut", "autonomy_share ~ share_prof + emp_rate + auto_exposure \\| la_id + year"},
        {"m_life", "life_sat ~ emp_rate + autonomy_share \\| la_id + year"}};
    int order = 1;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "models"))
    {
        const char *formula = NULL;
        for (size_t i = 0; i < 2; i++)
            if (strcmp(formulas[i][0], e->valuestring) == 0)
                formula = formulas[i][1];
        assert_non_null(formula);
        snprintf(want, sizeof want, "| %d | %s | `%s` |", order++, e->valuestring, formula);
        if (strstr(md, want) == NULL)
            fail_msg("report.md lacks \"%s\"", want);
    }
    assert_int_equal(order, 3);
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "models"), 0)->valuestring,
                        "m_aut"); /* autonomy feeds life satisfaction */
    /* Units and the plausibility counts of every outcome, equal to the JSON's. */
    const cJSON *pl = cJSON_GetObjectItem(o, "plausibility");
    md = strstr(md, "| outcome | unit of the change |"); /* "| emp_rate |" starts other rows too */
    assert_non_null(md);
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(o, "outcomes"))
    {
        char prefix[128];
        snprintf(prefix, sizeof prefix, "| %s | ", e->string);
        char *row = line_with(md, prefix);
        const cJSON *p = cJSON_GetObjectItem(pl, e->string);
        double v[8];
        size_t n = row_numbers(row, v, 8);
        assert_true(n >= 5);
        assert_4g(v[n - 5], cJSON_GetArrayItem(cJSON_GetObjectItem(p, "observed"), 0)->valuedouble);
        assert_4g(v[n - 4], cJSON_GetArrayItem(cJSON_GetObjectItem(p, "observed"), 1)->valuedouble);
        assert_true(v[n - 3] == cJSON_GetObjectItem(p, "below")->valuedouble);
        assert_true(v[n - 2] == cJSON_GetObjectItem(p, "above")->valuedouble);
        assert_true(v[n - 1] == cJSON_GetObjectItem(p, "outside_observed")->valuedouble);
        if (strcmp(e->string, "emp_rate") == 0) {
            assert_non_null(strstr(row, "| percentage points of the population aged 16-64 |"));
            assert_non_null(strstr(row, "| 0 to 100 |"));
            assert_true(v[n - 1] > 300); /* -20 points leaves (nearly) every area below 63.4 */
        }
        if (strcmp(e->string, "life_sat") == 0)
            assert_non_null(strstr(row, "| points on the 0-10 scale |"));
        free(row);
    }
    /* The first flagged area of each outcome, with its value after the shock and why. */
    md = strstr(md, "| outcome | area | value after the shock | why |");
    assert_non_null(md);
    size_t checked = 0;
    cJSON_ArrayForEach(e, pl)
    {
        const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItem(e, "areas"), 0);
        if (a0 == NULL)
            continue;
        char prefix[128];
        snprintf(prefix, sizeof prefix, "| %s | %s |", e->string,
                 cJSON_GetObjectItem(a0, "area")->valuestring);
        char *row = line_with(md, prefix);
        double v[4];
        size_t n = row_numbers(row, v, 4); /* the area (la_id: a number here), then its value */
        assert_true(n >= 1);
        /* In 6 significant digits, so that it reads apart from the range's end. */
        gw_assert_close(v[n - 1], cJSON_GetObjectItem(a0, "value")->valuedouble, 5e-6, 1e-12);
        assert_non_null(strstr(row, "outside_observed"));
        free(row);
        checked++;
    }
    assert_int_equal(checked, 3); /* emp_rate, autonomy_share, life_sat */
    cJSON_Delete(o);
}

static void test_report_hand_off(void **state)
{
    (void)state;
    char outdir[4200];
    const char *ini = write_ini();
    snprintf(outdir, sizeof outdir, "%s/rep_out", gwt_tmpdir());
    gwt_run_result r = gwt_run_cli("run", ini, "--outdir", outdir, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    gwt_run_free(&r);
    char *md = slurp(outdir, "report.md");
    assert_non_null(md);
    check_index(md, outdir);
    check_silhouette(md, outdir);
    check_scenario(md, outdir);
    /* auto_exposure (about -40) and emp_rate (about 0.25) in m_aut get panels of their own. */
    assert_non_null(strstr(md, "panels of their own, each with its own x axis"));
    gw_free(md);
    static const char *const svgs[] = {"coefficients.svg", "correlations_syn.svg",
                                       "silhouette_comm.svg", "index_gwi.svg",
                                       "scenario_sc_all.svg"};
    for (size_t i = 0; i < sizeof svgs / sizeof svgs[0]; i++)
        check_svg(outdir, svgs[i]);
    char res[4300];
    snprintf(res, sizeof res, "%s/results.h5", outdir);
    r = gwt_run_cli("verify", res, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("verify: exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    gwt_run_free(&r);
}

/* Rows of sizes 40, 0.25, 0.3, 0.002 and an empty interval: three scales; within a factor of
 * 10 of each group's largest. */
static void test_scale_groups(void **state)
{
    (void)state;
    const char *labels[] = {"a", "b", "c", "d", "e"};
    double est[] = {-40, 0.25, 0.3, 0.002, 0.03};
    double lo[] = {-75, 0.2, 0.1, 0.001, NAN};
    double hi[] = {-5, 0.3, 0.5, 0.003, NAN};
    plot_panel pa = {"m", 5, labels, est, lo, hi};
    size_t g[5];
    assert_int_equal(plot_scale_groups(&pa, 10, g), 3);
    assert_int_equal(g[0], 0);
    assert_int_equal(g[1], 1);
    assert_int_equal(g[2], 1);
    assert_int_equal(g[3], 2);
    assert_int_equal(g[4], 2); /* 0.03 < 0.5 / 10 (a point without interval); d within 10x of it */
    assert_int_equal(plot_scale_groups(&pa, 1e9, g), 1);
    pa.n = 0;
    assert_int_equal(plot_scale_groups(&pa, 10, g), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_groups),
        cmocka_unit_test(test_report_hand_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
