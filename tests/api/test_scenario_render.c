/* test_scenario_render.c -- gw_scenario_report_render (api/gw_scenario_run.h): the library's
 * text and JSON are the bytes `goodwork scenario` prints for the same run (the command is run
 * through gwt_run_cli_argv on the same results file and compared whole), and a bad argument is
 * a status with a message and no text. Draw counts are small because the suite also runs under
 * ASan. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gw_alloc.h"
#include "gw_fit.h"
#include "gw_hdf5.h"
#include "gw_scenario_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.h5"

static const char *const model_names[] = {"pay", "autonomy", "life"};
static const char *const model_formulas[] = {
    "log(median_hourly_pay) ~ emp_rate | la_id + year",
    "autonomy_share ~ emp_rate + share_prof + auto_exposure | la_id + year",
    "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year"};

static char results_path[1024];

/* The models, fitted with gw_fit_file and stored as `goodwork fit --out` stores them. */
static int fit_models(void **state)
{
    (void)state;
    gw_fit_opts o = {.vcov = "cluster:la_id"};
    snprintf(results_path, sizeof results_path, "%s/scenario_render_results.h5", gwt_tmpdir());
    unlink(results_path);
    for (size_t m = 0; m < 3; m++) {
        gw_result *r = NULL;
        if (gw_fit_file(gwt_source_path(PANEL), model_formulas[m], &o, &r, NULL) != GW_OK ||
            gw_results_append(results_path, model_names[m], r, NULL) != GW_OK) {
            fprintf(stderr, "fit %s: %s\n", model_names[m], gw_last_error());
            gw_result_free(r);
            return -1;
        }
        gw_result_free(r);
    }
    return 0;
}

/* Runs the shocks with opts through the library, renders (json, areas) and compares with the
 * command line run with the flags args (the same run). */
static void assert_renders_as_cli(const char *const *shocks, size_t nshocks,
                                  const gw_scenario_run_opts *opts, int json, int areas,
                                  const char *const *args)
{
    gw_scenario_report *rep = NULL;
    char *text = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), shocks, nshocks, opts, &rep) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    if (gw_scenario_report_render(rep, json, areas, &text) != GW_OK)
        fail_msg("%s", gw_last_error());
    gwt_run_result cli = gwt_run_cli_argv(args);
    if (cli.exit_code != 0)
        fail_msg("goodwork scenario failed (%d): %s", cli.exit_code, cli.err);
    assert_string_equal(cli.err, "");
    assert_string_equal(text, cli.out);
    gwt_run_free(&cli);
    gw_free(text);
    gw_scenario_report_free(rep);
}

#define BASE "scenario", "--results", results_path, "--data", gwt_source_path(PANEL), "--quiet"

/* A shift-share and a conditional shock, residual noise, two grouping variables: the text
 * (by-group tables, largest rank changes) and the JSON (by, by_var). */
static void test_scenario_render_by_groups(void **state)
{
    (void)state;
    static const char *const by[] = {"nation", "cluster_true"};
    static const char *const shocks[] = {"displacement:0.10",
                                         "autonomy_share+=5@auto_exposure>=q80"};
    gw_scenario_run_opts o = {.by = by, .nby = 2, .draws = 20, .seed = 7};
    o.flags = GW_SCENARIO_SEED_SET | GW_SCENARIO_RESIDUAL_NOISE;
    for (int json = 0; json < 2; json++) {
        const char *args[] = {BASE,
                              "--shock",
                              shocks[0],
                              "--shock",
                              shocks[1],
                              "--by",
                              "nation",
                              "--by",
                              "cluster_true",
                              "--draws",
                              "20",
                              "--seed",
                              "7",
                              "--residual-noise",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        assert_renders_as_cli(shocks, 2, &o, json, 0, args);
    }
}

/* Point estimates only, a chosen year and pass-through, the per-area results (--areas). */
static void test_scenario_render_areas(void **state)
{
    (void)state;
    static const char *const shocks[] = {"emp_rate-=2"};
    gw_scenario_run_opts o = {.draws = 10, .pass_through = 0.3, .year = 2015};
    o.flags = GW_SCENARIO_NO_COEF_DRAWS | GW_SCENARIO_PASS_THROUGH_SET | GW_SCENARIO_YEAR_SET;
    const char *text_args[] = {BASE,   "--shock",         shocks[0], "--draws",
                               "10",   "--pass-through",  "0.3",     "--year",
                               "2015", "--no-coef-draws", NULL};
    assert_renders_as_cli(shocks, 1, &o, 0, 0, text_args);
    const char *json_args[] = {
        BASE,     "--shock", shocks[0],         "--draws", "10",       "--pass-through", "0.3",
        "--year", "2015",    "--no-coef-draws", "--areas", "--format", "json",           NULL};
    assert_renders_as_cli(shocks, 1, &o, 1, 1, json_args);
}

static void test_scenario_render_errors(void **state)
{
    (void)state;
    static char mark[] = "sentinel"; /* to see that a failure sets *out to NULL */
    char *text = mark;
    assert_int_equal(gw_scenario_report_render(NULL, 0, 0, &text), GW_EINVAL);
    assert_null(text);
    assert_non_null(strstr(gw_last_error(), "NULL argument"));
    static const char *const shocks[] = {"emp_rate-=1"};
    gw_scenario_run_opts o = {.draws = 2};
    gw_scenario_report *rep = NULL;
    if (gw_scenario_file(results_path, gwt_source_path(PANEL), shocks, 1, &o, &rep) != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_int_equal(gw_scenario_report_render(rep, 1, 0, NULL), GW_EINVAL);
    gw_scenario_report_free(rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scenario_render_by_groups),
        cmocka_unit_test(test_scenario_render_areas),
        cmocka_unit_test(test_scenario_render_errors),
    };
    return cmocka_run_group_tests_name("scenario_render", tests, fit_models, NULL);
}
