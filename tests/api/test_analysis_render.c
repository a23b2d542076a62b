/* test_analysis_render.c -- the analyses' renderers (gw_index_run_render, gw_cluster_run_render,
 * gw_synergy_run_render): the same bytes as `goodwork index|cluster|synergy` print for the same
 * run, in text and JSON, so that the Python and R packages print what the command prints; and
 * each failure as a status with a message. */
#include <string.h>

#include "gw_alloc.h"
#include "gw_cluster_run.h"
#include "gw_index_run.h"
#include "gw_synergy_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

/* Fails unless the CLI run with args exits 0, prints nothing on stderr and prints exactly
 * text. Takes text (gw_free). */
static void assert_cli_prints(const char *const *args, char *text)
{
    assert_non_null(text);
    gwt_run_result c = gwt_run_cli_argv(args);
    assert_int_equal(c.exit_code, 0);
    assert_string_equal(c.err, "");
    assert_string_equal(c.out, text);
    gwt_run_free(&c);
    gw_free(text);
}

/* Renders r in fmt through the library, failing with the message on an error. */
#define RENDER(call)                                                                               \
    do {                                                                                           \
        if ((call) != GW_OK)                                                                       \
            fail_msg("%s", gw_last_error());                                                       \
    } while (0)

/* A pooled index with a time variable, PCA weights and an inverted indicator; then user
 * weights, z scores within time, geometric means and draws on a categorical id. */
static void test_index_render_same_as_cli(void **state)
{
    (void)state;
    const char *vars[3] = {"emp_rate", "life_sat", "anxiety"};
    int inv[3] = {0, 0, 1};
    gw_index_spec spec = {vars, 3, "la_id", "year"};
    gw_index_run_opts ro = {0};
    ro.index.invert = inv;
    ro.index.weighting = GW_WEIGHTS_PCA;
    ro.index.seed = 1;
    gw_index_run *r = NULL;
    RENDER(gw_index_run_file(gwt_source_path(PANEL), &spec, &ro, &r));
    for (int json = 0; json < 2; json++) {
        const char *args[] = {"index",
                              "--data",
                              gwt_source_path(PANEL),
                              "--indicators",
                              "emp_rate,life_sat,anxiety",
                              "--id",
                              "la_id",
                              "--time",
                              "year",
                              "--invert",
                              "anxiety",
                              "--weights",
                              "pca",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        char *text = NULL;
        RENDER(gw_index_run_render(r, &spec, &ro, json ? GW_OUT_JSON : GW_OUT_TEXT, &text));
        assert_cli_prints(args, text);
    }
    gw_index_run_free(r);

    const char *v2[2] = {"emp_rate", "log(median_hourly_pay)"};
    double uw[2] = {1.0, 3.0};
    gw_index_spec s2 = {v2, 2, "la_code", "year"};
    gw_index_run_opts o2 = {0};
    o2.index.weighting = GW_WEIGHTS_USER;
    o2.index.user_weights = uw;
    o2.index.norm = GW_NORM_Z;
    o2.index.within_time = 1;
    o2.index.agg = GW_AGG_GEOMETRIC;
    o2.index.draws = 10;
    o2.index.seed = 7;
    o2.weights_text = "1,3";
    RENDER(gw_index_run_file(gwt_source_path(PANEL), &s2, &o2, &r));
    for (int json = 0; json < 2; json++) {
        const char *args[] = {"index",
                              "--data",
                              gwt_source_path(PANEL),
                              "--indicators",
                              "emp_rate,log(median_hourly_pay)",
                              "--id",
                              "la_code",
                              "--time",
                              "year",
                              "--weights",
                              "1,3",
                              "--normalise",
                              "z",
                              "--within-time",
                              "--aggregate",
                              "geometric",
                              "--sensitivity",
                              "10",
                              "--seed",
                              "7",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        char *text = NULL;
        RENDER(gw_index_run_render(r, &s2, &o2, json ? GW_OUT_JSON : GW_OUT_TEXT, &text));
        assert_cli_prints(args, text);
    }
    gw_index_run_free(r);
}

/* Means over time (with transitions) and the values at one year against a known labelling,
 * Ward reported, with bootstrap stability. */
static void test_cluster_render_same_as_cli(void **state)
{
    (void)state;
    const char *vars[3] = {"emp_rate", "life_sat", "share_prof"};
    gw_cluster_spec spec = {vars, 3, "la_id", "year", 0, 0.0, NULL};
    gw_cluster_run_opts ro = {0};
    ro.kmax = GW_CLUSTER_RUN_KMAX_DEFAULT;
    ro.kmeans.seed = 1;
    gw_cluster_run *r = NULL;
    RENDER(gw_cluster_run_file(gwt_source_path(PANEL), &spec, &ro, &r));
    for (int json = 0; json < 2; json++) {
        const char *args[] = {"cluster",
                              "--data",
                              gwt_source_path(PANEL),
                              "--vars",
                              "emp_rate,life_sat,share_prof",
                              "--id",
                              "la_id",
                              "--time",
                              "year",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        char *text = NULL;
        RENDER(gw_cluster_run_render(r, &spec, &ro, json ? GW_OUT_JSON : GW_OUT_TEXT, &text));
        assert_cli_prints(args, text);
    }
    gw_cluster_run_free(r);

    const char *v2[2] = {"emp_rate", "log(median_hourly_pay)"};
    gw_cluster_spec s2 = {v2, 2, "la_code", "year", 1, 2015.0, "cluster_true"};
    gw_cluster_run_opts o2 = {0};
    o2.k = 3;
    o2.kmax = 5;
    o2.method = GW_CLUSTER_WARD;
    o2.kmeans.seed = 3;
    o2.boot = 4;
    RENDER(gw_cluster_run_file(gwt_source_path(PANEL), &s2, &o2, &r));
    for (int json = 0; json < 2; json++) {
        const char *args[] = {"cluster",
                              "--data",
                              gwt_source_path(PANEL),
                              "--vars",
                              "emp_rate,log(median_hourly_pay)",
                              "--id",
                              "la_code",
                              "--time",
                              "year",
                              "--at",
                              "2015",
                              "--truth",
                              "cluster_true",
                              "--k",
                              "3",
                              "--kmax",
                              "5",
                              "--method",
                              "ward",
                              "--seed",
                              "3",
                              "--boot",
                              "4",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        char *text = NULL;
        RENDER(gw_cluster_run_render(r, &s2, &o2, json ? GW_OUT_JSON : GW_OUT_TEXT, &text));
        assert_cli_prints(args, text);
    }
    gw_cluster_run_free(r);
}

/* Periods, partial correlations, changes within areas and every year's table. */
static void test_synergy_render_same_as_cli(void **state)
{
    (void)state;
    const char *vars[3] = {"emp_rate", "log(median_hourly_pay)", "life_sat"};
    const char *ctl[1] = {"share_prof"};
    gw_synergy_run_spec spec = {vars, 3, ctl, 1, "year", "la_id"};
    gw_synergy_run_opts o = {0};
    double breaks[2] = {2014.0, 2018.0};
    o.breaks = breaks;
    o.nbreaks = 2;
    o.conf_level = 0.9;
    gw_synergy_run *r = NULL;
    RENDER(gw_synergy_run_file(gwt_source_path(PANEL), &spec, &o, &r));
    for (int fmt = 0; fmt < 3; fmt++) {
        const char *args[] = {"synergy",
                              "--data",
                              gwt_source_path(PANEL),
                              "--vars",
                              "emp_rate,log(median_hourly_pay),life_sat",
                              "--controls",
                              "share_prof",
                              "--time",
                              "year",
                              "--id",
                              "la_id",
                              "--breaks",
                              "2014,2018",
                              "--conf",
                              "0.9",
                              "--format",
                              fmt == 2 ? "json" : "text",
                              fmt == 1 ? "--by-year" : NULL,
                              NULL};
        char *text = NULL;
        RENDER(gw_synergy_run_render(r, fmt == 2 ? GW_OUT_JSON : GW_OUT_TEXT, fmt == 1, &text));
        assert_cli_prints(args, text);
    }
    gw_synergy_run_free(r);
}

/* Fails unless s is GW_EINVAL with a message containing what, and *out is NULL. */
static void assert_einval(gw_status s, const char *what, const char *out)
{
    assert_int_equal(s, GW_EINVAL);
    assert_null(out);
    if (strstr(gw_last_error(), what) == NULL)
        fail_msg("message '%s' does not contain '%s'", gw_last_error(), what);
}

/* call (which renders into out) fails as assert_einval says; out starts non-NULL so that the
 * test sees the renderer reset it. */
#define ASSERT_EINVAL(call, what)                                                                  \
    do {                                                                                           \
        out = (char *)&out;                                                                        \
        gw_status s_ = (call);                                                                     \
        assert_einval(s_, what, out);                                                              \
    } while (0)

/* NULL arguments, formats the commands do not have and a spec that is not the run's. */
static void test_render_errors(void **state)
{
    (void)state;
    const char *vars[2] = {"emp_rate", "life_sat"};
    gw_index_spec is = {vars, 2, "la_id", "year"};
    gw_index_run *ir = NULL;
    RENDER(gw_index_run_file(gwt_source_path(PANEL), &is, NULL, &ir));
    char *out = NULL;
    ASSERT_EINVAL(gw_index_run_render(NULL, &is, NULL, GW_OUT_TEXT, &out), "index: NULL");
    assert_int_equal(gw_index_run_render(ir, &is, NULL, GW_OUT_TEXT, NULL), GW_EINVAL);
    ASSERT_EINVAL(gw_index_run_render(ir, NULL, NULL, GW_OUT_TEXT, &out), "not the run's");
    gw_index_spec one = {vars, 1, "la_id", "year"};
    ASSERT_EINVAL(gw_index_run_render(ir, &one, NULL, GW_OUT_JSON, &out), "2 indicators");
    ASSERT_EINVAL(gw_index_run_render(ir, &is, NULL, GW_OUT_CSV, &out), "as csv");
    ASSERT_EINVAL(gw_index_run_render(ir, &is, NULL, (gw_output_format)99, &out), "text or json");
    RENDER(gw_index_run_render(ir, &is, NULL, GW_OUT_JSON, &out));
    assert_non_null(strstr(out, "\"normalise\":\"minmax\""));
    gw_free(out);
    gw_index_run_free(ir);

    gw_cluster_spec cs = {vars, 2, "la_id", "year", 0, 0.0, NULL};
    gw_cluster_run *cr = NULL;
    RENDER(gw_cluster_run_file(gwt_source_path(PANEL), &cs, NULL, &cr));
    ASSERT_EINVAL(gw_cluster_run_render(NULL, &cs, NULL, GW_OUT_TEXT, &out), "cluster: NULL");
    gw_cluster_spec c1 = {vars, 1, "la_id", "year", 0, 0.0, NULL};
    ASSERT_EINVAL(gw_cluster_run_render(cr, &c1, NULL, GW_OUT_TEXT, &out), "2 variables");
    ASSERT_EINVAL(gw_cluster_run_render(cr, &cs, NULL, GW_OUT_MARKDOWN, &out), "as markdown");
    RENDER(gw_cluster_run_render(cr, &cs, NULL, GW_OUT_TEXT, &out));
    assert_non_null(strstr(out, "50 restarts"));
    gw_free(out);
    gw_cluster_run_free(cr);

    gw_synergy_run_spec ss = {vars, 2, NULL, 0, "year", NULL};
    gw_synergy_run *sr = NULL;
    RENDER(gw_synergy_run_file(gwt_source_path(PANEL), &ss, NULL, &sr));
    ASSERT_EINVAL(gw_synergy_run_render(NULL, GW_OUT_JSON, 0, &out), "synergy: NULL");
    assert_int_equal(gw_synergy_run_render(sr, GW_OUT_TEXT, 0, NULL), GW_EINVAL);
    ASSERT_EINVAL(gw_synergy_run_render(sr, GW_OUT_LATEX, 0, &out), "as latex");
    gw_synergy_run_free(sr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_render_same_as_cli),
        cmocka_unit_test(test_cluster_render_same_as_cli),
        cmocka_unit_test(test_synergy_render_same_as_cli),
        cmocka_unit_test(test_render_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
