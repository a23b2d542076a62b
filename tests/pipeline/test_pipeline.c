/* test_pipeline.c -- gw_pipeline_run / gw_pipeline_verify (pipeline/gw_pipeline.h) with the
 * built goodwork binary (GW_CLI) as the executable of the steps: a small pipeline runs, writes
 * its report and verifies; its numbers are those of `goodwork run`; an altered result, a failing
 * step and bad pipeline files come back as statuses with messages, the failed step's exit code
 * and standard error in the result. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gw_hdf5.h"
#include "gw_pipeline.h"
#include "gw_test.h"

/* The recorded progress calls: step indices, and whether the last call closed the line. */
typedef struct {
    size_t calls, last_i, total;
    int ended;
} progress_log;

static void on_progress(void *ctx, size_t i, size_t total, const char *name)
{
    progress_log *pl = ctx;
    assert_int_equal(i, pl->calls); /* in order, one call per step, then one at the end */
    pl->calls++;
    pl->last_i = i;
    pl->total = total;
    pl->ended = name == NULL;
}

/* A pipeline of two models and a seeded clustering on the bundled panel (absolute path). */
static const char *small_ini(void)
{
    static char text[8192];
    snprintf(text, sizeof text,
             "[data]\nfile = %s\n\n"
             "[model m_life]\nmodel = life_sat ~ emp_rate + autonomy_share | la_id + year\n"
             "vcov = cluster:la_id\n\n"
             "[model m_pay]\nmodel = log(median_hourly_pay) ~ emp_rate + share_prof | la_id + "
             "year\n\n"
             "[cluster comm]\nvars = emp_rate,share_prof,sat_hours\nid = la_id\ntime = year\n"
             "at = 2024\nk = 4\n\n[report]\ntitle = Small\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    return gwt_write_file("small.ini", text);
}

static const char *in_tmp(const char *name)
{
    static char buf[4][4200];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", gwt_tmpdir(), name);
    return buf[k];
}

static void test_run_and_verify(void **state)
{
    (void)state;
    const char *outdir = in_tmp("lib");
    progress_log pl = {0};
    gw_pipeline_result res;
    gw_status st = gw_pipeline_run(small_ini(), outdir, GW_CLI, "test", on_progress, &pl, &res);
    if (st != GW_OK)
        fail_msg("status %d: %s", (int)st, gw_last_error());
    assert_int_equal(res.stage, GW_PIPELINE_OK);
    assert_int_equal(res.nsteps, 3);
    assert_string_equal(res.results, in_tmp("lib/results.h5"));
    assert_string_equal(res.ini_path, small_ini());
    assert_true(res.seconds > 0.0);
    assert_int_equal(pl.calls, 4);
    assert_int_equal(pl.total, 3);
    assert_true(pl.ended);
    assert_int_equal(access(in_tmp("lib/report.md"), R_OK), 0);
    assert_int_equal(access(in_tmp("lib/coefficients.svg"), R_OK), 0);
    assert_int_equal(access(in_tmp("lib/steps/m_pay.json"), R_OK), 0);
    gw_pipeline_result_free(&res);

    memset(&pl, 0, sizeof pl);
    st = gw_pipeline_verify(in_tmp("lib/results.h5"), GW_CLI, on_progress, &pl, &res);
    if (st != GW_OK)
        fail_msg("status %d: %s", (int)st, gw_last_error());
    assert_int_equal(res.stage, GW_PIPELINE_OK);
    assert_int_equal(res.nsteps, 3);
    assert_int_equal(pl.calls, 4);
    gw_pipeline_result_free(&res);

    /* Without a progress callback. */
    st = gw_pipeline_verify(in_tmp("lib/results.h5"), GW_CLI, NULL, NULL, &res);
    assert_int_equal(st, GW_OK);
    gw_pipeline_result_free(&res);
}

/* The library's results are the command's, bit for bit. */
static void test_same_numbers_as_command(void **state)
{
    (void)state;
    gw_pipeline_result res;
    assert_int_equal(gw_pipeline_run(small_ini(), in_tmp("lib2"), GW_CLI, "", NULL, NULL, &res),
                     GW_OK);
    gw_pipeline_result_free(&res);
    gwt_run_result r = gwt_run_cli("run", small_ini(), "--outdir", in_tmp("cli2"), "--quiet", NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    static const char *const ignore[] = {"created_utc", "command_line", "blas"};
    const char *groups[] = {"/models/m_life", "/models/m_pay", "/analyses/comm"};
    for (size_t g = 0; g < 3; g++) {
        int equal = 0;
        char where[512];
        assert_int_equal(gw_h5_compare_group(in_tmp("cli2/results.h5"), in_tmp("lib2/results.h5"),
                                             groups[g], ignore, 3, &equal, where, sizeof where),
                         GW_OK);
        if (!equal)
            fail_msg("%s: %s", groups[g], where);
    }
}

static void test_verify_mismatch(void **state)
{
    (void)state;
    gw_pipeline_result res;
    assert_int_equal(gw_pipeline_run(small_ini(), in_tmp("alt"), GW_CLI, "", NULL, NULL, &res),
                     GW_OK);
    gw_pipeline_result_free(&res);
    /* One estimate of the second model moved by one unit in the last place. */
    gw_results *rs = NULL;
    gw_result *m = NULL;
    gw_provenance prov;
    const char *file = in_tmp("alt/results.h5");
    assert_int_equal(gw_results_open(file, &rs), GW_OK);
    assert_int_equal(gw_results_get(rs, "m_pay", &m), GW_OK);
    assert_int_equal(gw_results_provenance(rs, "m_pay", &prov), GW_OK);
    m->estimate[0] = nextafter(m->estimate[0], INFINITY);
    assert_int_equal(gw_results_append_ex(file, "m_pay", m, &prov, GW_RESULTS_REPLACE, NULL, 0),
                     GW_OK);
    gw_result_free(m);
    gw_results_close(rs);
    gw_status st = gw_pipeline_verify(file, GW_CLI, NULL, NULL, &res);
    assert_int_not_equal(st, GW_OK);
    assert_int_equal(res.stage, GW_PIPELINE_MISMATCH);
    assert_non_null(strstr(gw_last_error(), "step m_pay: not reproduced: /models/m_pay/estimate"));
    gw_pipeline_result_free(&res);
}

static void test_failed_step(void **state)
{
    (void)state;
    char text[4096];
    snprintf(text, sizeof text, "[data]\nfile = %s\n[model m]\nmodel = life_sat ~ nosuchvar\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    gw_pipeline_result res;
    gw_status st = gw_pipeline_run(gwt_write_file("bad.ini", text), in_tmp("bad"), GW_CLI, "", NULL,
                                   NULL, &res);
    assert_int_equal(st, GW_EIO);
    assert_int_equal(res.stage, GW_PIPELINE_STEP);
    assert_string_equal(res.step, "m");
    assert_int_equal(res.step_exit, 2);
    assert_non_null(res.step_log);
    assert_non_null(strstr(res.step_log, "nosuchvar"));
    assert_non_null(res.step_command);
    assert_int_equal(strncmp(res.step_command, "goodwork fit --data ", 20), 0);
    assert_non_null(strstr(gw_last_error(), "step m failed (exit 2)"));
    gw_pipeline_result_free(&res);
    /* An executable that cannot be started. */
    snprintf(text, sizeof text, "[data]\nfile = %s\n[model m]\nmodel = life_sat ~ emp_rate\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    st = gw_pipeline_run(gwt_write_file("ok.ini", text), in_tmp("noexe"), "/nonexistent/goodwork",
                         "", NULL, NULL, &res);
    assert_int_equal(st, GW_EIO);
    assert_int_equal(res.stage, GW_PIPELINE_STEP);
    assert_non_null(strstr(gw_last_error(), "cannot start /nonexistent/goodwork"));
    gw_pipeline_result_free(&res);
}

/* Each bad pipeline file: its status and the start of its message. */
static void test_bad_files(void **state)
{
    (void)state;
    char data[4200];
    snprintf(data, sizeof data, "[data]\nfile = %s\n", gwt_source_path("datasets/uk_la_panel.csv"));
    static const struct {
        const char *body;
        gw_status st;
        const char *msg;
    } cases[] = {
        {"this is not ini\n", GW_ESYNTAX, ":3: malformed line"},
        {"[frob x]\na = 1\n", GW_EINVAL, "unknown section [frob x]"},
        {"", GW_EINVAL, "no steps"},
        {"[model a/b]\nmodel = y ~ x\n", GW_EINVAL, "needs a name without '/'"},
        {"[model m]\nmodel = y ~ x\nout = x.h5\n", GW_EINVAL, "'out' is set by the pipeline"},
        {"[model m]\nmodel = y ~ x\ndata = nothere.csv\n", GW_EIO, "data file"},
        {"[pipeline]\nseed = -1\n[model m]\nmodel = y ~ x\n", GW_EINVAL, "seed '-1'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[8192];
        snprintf(text, sizeof text, "%s%s", data, cases[i].body);
        gw_pipeline_result res;
        gw_status st = gw_pipeline_run(gwt_write_file("case.ini", text), in_tmp("cases"), GW_CLI,
                                       "", NULL, NULL, &res);
        assert_int_equal(st, cases[i].st);
        assert_int_equal(res.stage, GW_PIPELINE_INPUT);
        if (strstr(gw_last_error(), cases[i].msg) == NULL)
            fail_msg("case %zu: %s", i, gw_last_error());
        gw_pipeline_result_free(&res);
    }
    gw_pipeline_result res;
    assert_int_equal(gw_pipeline_run(in_tmp("none.ini"), in_tmp("x"), GW_CLI, "", NULL, NULL, &res),
                     GW_EIO);
    assert_non_null(strstr(gw_last_error(), "cannot read"));
    gw_pipeline_result_free(&res);
    assert_int_equal(gw_pipeline_run(small_ini(), "", GW_CLI, "", NULL, NULL, &res), GW_EINVAL);
    assert_int_equal(gw_pipeline_run(NULL, "x", GW_CLI, "", NULL, NULL, &res), GW_EINVAL);
    assert_int_equal(gw_pipeline_verify(NULL, GW_CLI, NULL, NULL, &res), GW_EINVAL);
    /* A results file without /pipeline, and an unwritable output directory. */
    assert_int_equal(gw_pipeline_verify(small_ini(), GW_CLI, NULL, NULL, &res), GW_EIO);
    assert_int_equal(res.stage, GW_PIPELINE_INPUT);
    assert_non_null(strstr(gw_last_error(), "no recorded pipeline"));
    gw_pipeline_result_free(&res);
    assert_int_equal(gw_pipeline_run(small_ini(), "/proc/nope/x", GW_CLI, "", NULL, NULL, &res),
                     GW_EIO);
    assert_int_equal(res.stage, GW_PIPELINE_OUTPUT);
    assert_non_null(strstr(gw_last_error(), "cannot create the directory"));
    gw_pipeline_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_verify),  cmocka_unit_test(test_same_numbers_as_command),
        cmocka_unit_test(test_verify_mismatch), cmocka_unit_test(test_failed_step),
        cmocka_unit_test(test_bad_files),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
