/* test_pipeline.c -- gw_pipeline_run / gw_pipeline_verify (pipeline/gw_pipeline.h) with the
 * built goodwork binary (GW_CLI) as the executable of the steps: a small pipeline runs, writes
 * its report and verifies; its numbers are those of `goodwork run`; an altered result, a failing
 * step and bad pipeline files come back as statuses with messages, the failed step's exit code
 * and standard error in the result. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "gw_hdf5.h"
#include "gw_pipeline.h"
#include "gw_test.h"
#include "pipeline_int.h"

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
    /* It names the results file the user would have (not the run's temporary directory). */
    if (strstr(res.step_command, "/bad/results.h5 --name m") == NULL)
        fail_msg("%s", res.step_command);
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

/* Does dir hold an entry whose name starts with prefix? */
static int has_entry(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    while (d != NULL && (e = readdir(d)) != NULL)
        found |= strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d != NULL)
        closedir(d);
    return found;
}

/* A failed run leaves the previous output directory as it was (no 0-byte step file, no
 * temporary directory); a successful one replaces it whole; a directory of other files is
 * never replaced. */
static void test_failed_run_keeps_outdir(void **state)
{
    (void)state;
    gw_pipeline_result res;
    char outdir[4200];
    snprintf(outdir, sizeof outdir, "%s", in_tmp("keep")); /* in_tmp's buffers rotate */
    assert_int_equal(gw_pipeline_run(small_ini(), outdir, GW_CLI, "", NULL, NULL, &res), GW_OK);
    gw_pipeline_result_free(&res);
    size_t n0 = 0, r0 = 0;
    char *report0 = pl_slurp(in_tmp("keep/report.md"), &n0);
    char *res0 = pl_slurp(in_tmp("keep/results.h5"), &r0);
    assert_non_null(report0);
    assert_non_null(res0);
    char text[4096];
    snprintf(text, sizeof text,
             "[data]\nfile = %s\n[model m_life]\nmodel = life_sat ~ emp_rate\n"
             "[model m_bad]\nmodel = life_sat ~ nosuchvar\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    assert_int_equal(
        gw_pipeline_run(gwt_write_file("fails.ini", text), outdir, GW_CLI, "", NULL, NULL, &res),
        GW_EIO);
    assert_int_equal(res.stage, GW_PIPELINE_STEP);
    gw_pipeline_result_free(&res);
    size_t n1 = 0, r1 = 0;
    char *report1 = pl_slurp(in_tmp("keep/report.md"), &n1);
    char *res1 = pl_slurp(in_tmp("keep/results.h5"), &r1);
    assert_true(n1 == n0 && memcmp(report0, report1, n0) == 0);
    assert_true(r1 == r0 && memcmp(res0, res1, r0) == 0);
    assert_int_equal(access(in_tmp("keep/steps/m_bad.json"), F_OK), -1);
    assert_int_equal(access(in_tmp("keep/steps/comm.json"), F_OK), 0);
    assert_false(has_entry(gwt_tmpdir(), ".keep."));
    free(report0);
    free(report1);
    free(res0);
    free(res1);
    /* A successful run replaces the directory: the old steps are gone, nothing is left over. */
    snprintf(text, sizeof text, "[data]\nfile = %s\n[model only]\nmodel = life_sat ~ emp_rate\n",
             gwt_source_path("datasets/uk_la_panel.csv"));
    if (gw_pipeline_run(gwt_write_file("one.ini", text), outdir, GW_CLI, "", NULL, NULL, &res) !=
        GW_OK)
        fail_msg("%s", gw_last_error());
    gw_pipeline_result_free(&res);
    assert_int_equal(access(in_tmp("keep/steps/only.json"), F_OK), 0);
    assert_int_equal(access(in_tmp("keep/steps/comm.json"), F_OK), -1);
    assert_false(has_entry(gwt_tmpdir(), ".keep."));
    /* A directory of other files, and a file, are not replaced. */
    assert_int_equal(mkdir(in_tmp("mine"), 0777), 0);
    gwt_write_file("mine/notes.txt", "mine\n");
    assert_int_equal(gw_pipeline_run(small_ini(), in_tmp("mine"), GW_CLI, "", NULL, NULL, &res),
                     GW_EINVAL);
    assert_int_equal(res.stage, GW_PIPELINE_INPUT);
    assert_non_null(strstr(gw_last_error(), "is not empty and holds no results.h5"));
    gw_pipeline_result_free(&res);
    assert_int_equal(access(in_tmp("mine/notes.txt"), F_OK), 0);
    assert_int_equal(
        gw_pipeline_run(small_ini(), in_tmp("mine/notes.txt"), GW_CLI, "", NULL, NULL, &res),
        GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "exists and is not a directory"));
    gw_pipeline_result_free(&res);
}

/* /pipeline carries the pipeline seed; a scenario's `results` names the final results file;
 * inputs are recorded relative to the pipeline file, which is recorded relative to the
 * results, so a folder moved as a whole verifies -- its JSON and report included. */
static void test_attributes_and_moved_folder(void **state)
{
    (void)state;
    char dir[4200], moved[4200], path[4400], ini[4400];
    snprintf(dir, sizeof dir, "%s/folder", gwt_tmpdir());
    snprintf(moved, sizeof moved, "%s/elsewhere/folder2", gwt_tmpdir());
    assert_int_equal(mkdir(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/data", dir);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/data/panel.csv", dir);
    gwt_copy_file(gwt_source_path("datasets/uk_la_panel.csv"), path);
    snprintf(ini, sizeof ini, "%s/p.ini", dir);
    FILE *f = fopen(ini, "w");
    assert_non_null(f);
    fputs("[pipeline]\nseed = 777\n[data]\nfile = data/panel.csv\n"
          "[model m]\nmodel = life_sat ~ emp_rate + autonomy_share | la_id + year\n"
          "[scenario sc]\nshock = emp_rate-=2\ndraws = 19\n",
          f);
    assert_int_equal(fclose(f), 0);
    snprintf(path, sizeof path, "%s/out", dir);
    gw_pipeline_result res;
    assert_int_equal(gw_pipeline_run(ini, path, GW_CLI, "", NULL, NULL, &res), GW_OK);
    gw_pipeline_result_free(&res);
    snprintf(path, sizeof path, "%s/out/results.h5", dir);
    char **v = NULL;
    size_t n = 0;
    assert_int_equal(gw_h5_read_strings(path, "/analyses/sc", "results", &v, &n), GW_OK);
    char want[4400];
    snprintf(want, sizeof want, "%s/out/results.h5", dir);
    assert_string_equal(v[0], want);
    gw_h5_strings_free(v, n);
    assert_int_equal(gw_h5_read_strings(path, "/pipeline", "pipeline_dir", &v, &n), GW_OK);
    assert_string_equal(v[0], "..");
    gw_h5_strings_free(v, n);
    assert_int_equal(gw_h5_read_strings(path, "/pipeline/step_input_rel", NULL, &v, &n), GW_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0], "data/panel.csv");
    gw_h5_strings_free(v, n);
    /* The seed: a numeric attribute of /pipeline (not a string: GW_EFORMAT, absent would be
     * GW_ENOVAR), and 777 in the provenance written with it on the root. */
    assert_int_equal(gw_h5_read_strings(path, "/pipeline", "seed", &v, &n), GW_EFORMAT);
    gw_results *rs = NULL;
    gw_provenance prov;
    assert_int_equal(gw_results_open(path, &rs), GW_OK);
    assert_int_equal(gw_results_provenance(rs, NULL, &prov), GW_OK);
    assert_true(prov.has_seed && prov.seed == 777);
    gw_results_close(rs);
    /* Moved: the recorded absolute paths no longer exist. */
    snprintf(want, sizeof want, "%s/elsewhere", gwt_tmpdir());
    assert_int_equal(mkdir(want, 0777), 0);
    assert_int_equal(rename(dir, moved), 0);
    snprintf(path, sizeof path, "%s/out/results.h5", moved);
    gw_status st = gw_pipeline_verify(path, GW_CLI, NULL, NULL, &res);
    if (st != GW_OK)
        fail_msg("%s", gw_last_error());
    assert_true(res.identical);
    assert_int_equal(res.njson, 2);
    assert_true(res.report_checked);
    assert_true(res.diff.ncompared > 100);
    gw_pipeline_result_free(&res);
    /* An altered report table is found. */
    snprintf(path, sizeof path, "%s/out/report.md", moved);
    size_t len = 0;
    char *rep = pl_slurp(path, &len);
    char *cell = strstr(rep, "| emp\\_rate | ");
    assert_non_null(cell);
    cell += strlen("| emp\\_rate | ");
    *cell = *cell == '9' ? '8' : '9';
    f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(rep, 1, len, f);
    assert_int_equal(fclose(f), 0);
    free(rep);
    snprintf(path, sizeof path, "%s/out/results.h5", moved);
    assert_int_equal(gw_pipeline_verify(path, GW_CLI, NULL, NULL, &res), GW_EFORMAT);
    assert_int_equal(res.stage, GW_PIPELINE_MISMATCH);
    if (strstr(gw_last_error(), "report.md: not reproduced: report.md:") == NULL)
        fail_msg("%s", gw_last_error());
    gw_pipeline_result_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_and_verify),
        cmocka_unit_test(test_same_numbers_as_command),
        cmocka_unit_test(test_verify_mismatch),
        cmocka_unit_test(test_failed_step),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_failed_run_keeps_outdir),
        cmocka_unit_test(test_attributes_and_moved_folder),
    };
    return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
