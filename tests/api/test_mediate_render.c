/* test_mediate_render.c -- gw_mediate_run_render (api/gw_mediate_run.h): the library's text and
 * JSON are the bytes `goodwork mediate` prints for the same run (the command is run through
 * gwt_run_cli_argv and compared whole), and a bad argument is a status with a message and no
 * text. Bootstrap sizes are small because the suite also runs under ASan. */
#include <stdio.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_mediate_run.h"
#include "gw_test.h"

#define PANEL "datasets/uk_la_panel.csv"

/* One comparison: the spec and options given to the library, the flags given to the command
 * (the same run), and the format. */
typedef struct {
    gw_mediate_run_spec spec;
    gw_mediate_run_opts opts;
    const char *args[40];
    int json;
} render_case;

/* Runs c through the library and through the command line and compares the outputs. */
static void assert_renders_as_cli(const render_case *c)
{
    gw_mediate_run *r = NULL;
    char *text = NULL;
    if (gw_mediate_run_file(gwt_source_path(PANEL), &c->spec, &c->opts, &r) != GW_OK)
        fail_msg("%s", gw_last_error());
    if (gw_mediate_run_render(r, c->json, &text) != GW_OK)
        fail_msg("%s", gw_last_error());
    gwt_run_result cli = gwt_run_cli_argv(c->args);
    if (cli.exit_code != 0)
        fail_msg("goodwork mediate failed (%d): %s", cli.exit_code, cli.err);
    assert_string_equal(cli.err, "");
    assert_string_equal(text, cli.out);
    gwt_run_free(&cli);
    gw_free(text);
    gw_mediate_run_free(r);
}

static const char *const one_mediator[] = {"autonomy_share"};
static const char *const two_mediators[] = {"autonomy_share", "share_routine"};
static const char *const controls[] = {"share_prof", "auto_exposure"};
static const char *const fe[] = {"la_id", "year"};

#define MED_FLAGS(M)                                                                               \
    "mediate", "--data", gwt_source_path(PANEL), "--treatment", "emp_rate", "--mediator", M,       \
        "--outcome", "life_sat", "--quiet"

/* Two mediators, BCa intervals, the fixed effects written "la_id,year": the text echoes them as
 * written (spec.fe_text), the JSON lists them. */
static void test_mediate_render_bca_two_mediators(void **state)
{
    (void)state;
    for (int json = 0; json < 2; json++) {
        render_case c = {.json = json};
        c.spec = (gw_mediate_run_spec){.outcome = "life_sat",
                                       .treatment = "emp_rate",
                                       .mediators = two_mediators,
                                       .nmediators = 2,
                                       .controls = controls,
                                       .ncontrols = 1,
                                       .fe = fe,
                                       .nfe = 2,
                                       .cluster = "la_id",
                                       .fe_text = "la_id,year"};
        c.opts = (gw_mediate_run_opts){
            .boot = 19, .seed = 5, .seed_set = 1, .ci = GW_MED_CI_BCA, .conf_level = 0.95};
        const char *args[] = {MED_FLAGS("autonomy_share,share_routine"),
                              "--controls",
                              "share_prof",
                              "--fe",
                              "la_id,year",
                              "--cluster",
                              "la_id",
                              "--boot",
                              "19",
                              "--seed",
                              "5",
                              "--ci",
                              "bca",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        memcpy(c.args, args, sizeof args);
        assert_renders_as_cli(&c);
    }
}

/* Separate mediator controls (none: --mediator-controls ""), fixed effects joined by '+' when
 * fe_text is not given, percentile intervals. */
static void test_mediate_render_mediator_controls(void **state)
{
    (void)state;
    for (int json = 0; json < 2; json++) {
        render_case c = {.json = json};
        c.spec = (gw_mediate_run_spec){.outcome = "life_sat",
                                       .treatment = "emp_rate",
                                       .mediators = one_mediator,
                                       .nmediators = 1,
                                       .controls = controls,
                                       .ncontrols = 2,
                                       .separate_mediator_controls = 1,
                                       .fe = fe,
                                       .nfe = 2};
        c.opts = (gw_mediate_run_opts){.boot = 19};
        const char *args[] = {MED_FLAGS("autonomy_share"),
                              "--controls",
                              "share_prof,auto_exposure",
                              "--mediator-controls",
                              "",
                              "--fe",
                              "la_id+year",
                              "--boot",
                              "19",
                              "--format",
                              json ? "json" : "text",
                              NULL};
        memcpy(c.args, args, sizeof args);
        assert_renders_as_cli(&c);
    }
}

/* No controls, no fixed effects (observations as clusters), the delta method at 90%. */
static void test_mediate_render_delta_no_fe(void **state)
{
    (void)state;
    for (int json = 0; json < 2; json++) {
        render_case c = {.json = json};
        c.spec = (gw_mediate_run_spec){.outcome = "life_sat",
                                       .treatment = "emp_rate",
                                       .mediators = one_mediator,
                                       .nmediators = 1};
        c.opts = (gw_mediate_run_opts){.ci = GW_MED_CI_DELTA, .conf_level = 0.9};
        const char *args[] = {
            MED_FLAGS("autonomy_share"), "--ci", "delta", "--level", "0.9", "--format",
            json ? "json" : "text",      NULL};
        memcpy(c.args, args, sizeof args);
        assert_renders_as_cli(&c);
    }
}

static void test_mediate_render_errors(void **state)
{
    (void)state;
    static char mark[] = "sentinel"; /* to see that a failure sets *out to NULL */
    char *text = mark;
    assert_int_equal(gw_mediate_run_render(NULL, 0, &text), GW_EINVAL);
    assert_null(text);
    assert_non_null(strstr(gw_last_error(), "NULL argument"));
    gw_mediate_run empty = {0}; /* no fit */
    text = mark;
    assert_int_equal(gw_mediate_run_render(&empty, 1, &text), GW_EINVAL);
    assert_null(text);
    assert_int_equal(gw_mediate_run_render(&empty, 1, NULL), GW_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediate_render_bca_two_mediators),
        cmocka_unit_test(test_mediate_render_mediator_controls),
        cmocka_unit_test(test_mediate_render_delta_no_fe),
        cmocka_unit_test(test_mediate_render_errors),
    };
    return cmocka_run_group_tests_name("mediate_render", tests, NULL, NULL);
}
