/* test_run_cli.c -- `goodwork run` end to end on a small pipeline over a copy of the bundled
 * panel: results.h5 with every step and /pipeline, report.md with its tables, the SVG plots,
 * the steps' JSON; errors of the pipeline file, of its data and of a failing step (no
 * results.h5 left behind). The pipeline is small (99 bootstrap draws) so that it also runs
 * quickly under ASan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw_hdf5.h"
#include "gw_test.h"

/* Copies the bundled panel into the temporary directory once; returns the directory. */
static const char *setup_dir(void)
{
    static int done;
    if (!done) {
        FILE *f = fopen(gwt_source_path("datasets/uk_la_panel.csv"), "rb");
        assert_non_null(f);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        assert_true(n > 0 && n < sizeof buf - 1);
        buf[n] = '\0';
        gwt_write_file("panel.csv", buf);
        done = 1;
    }
    return gwt_tmpdir();
}

static const char small_ini[] =
    "[pipeline]\nseed = 7\n\n"
    "[data]\nfile = panel.csv\n\n"
    "[model m_life]\n"
    "model = life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year\n"
    "vcov = cluster:la_id\n\n"
    "[model m_aut]\n"
    "formula = autonomy_share ~ share_prof + emp_rate + auto_exposure | la_id + year\n\n"
    "[index gwi]\nindicators = emp_rate,share_prof,sat_hours\nid = la_code\ntime = year\n\n"
    "[synergy syn]\nvars = emp_rate,autonomy_share,life_sat\ntime = year\n\n"
    "[cluster comm]\nvars = emp_rate,share_prof,sat_hours\nid = la_id\ntime = year\n"
    "at = 2024\nk = 5\ntruth = cluster_true\n\n"
    "[mediate med]\ntreatment = emp_rate\nmediator = autonomy_share\noutcome = life_sat\n"
    "controls = share_prof\nfe = la_id+year\nboot = 99\n\n"
    "[scenario sc]\nshock = emp_rate-=2\nby = @comm,@gwi:quartile,nation\ndraws = 99\n\n"
    "[report]\ntitle = Small test pipeline\ntop = 5\n";

static long file_size(const char *dir, const char *name)
{
    char path[8192];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_run_cli_small_pipeline(void **state)
{
    (void)state;
    char outdir[2048];
    const char *dir = setup_dir();
    const char *ini = gwt_write_file("small.ini", small_ini);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    gwt_run_result r = gwt_run_cli("run", ini, "--outdir", outdir, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    assert_string_equal(r.err, "");
    assert_non_null(strstr(r.out, "7 steps"));
    gwt_run_free(&r);

    const char *files[] = {"results.h5",
                           "report.md",
                           "coefficients.svg",
                           "index_gwi.svg",
                           "correlations_syn.svg",
                           "steps/m_life.json",
                           "steps/m_aut.json",
                           "steps/gwi.json",
                           "steps/syn.json",
                           "steps/comm.json",
                           "steps/med.json",
                           "steps/sc.json",
                           "scenario_sc_nation.svg",
                           "scenario_sc_comm.svg",
                           "scenario_sc_gwi_quartile.svg"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (file_size(outdir, files[i]) <= 0)
            fail_msg("%s/%s missing or empty", outdir, files[i]);
    assert_int_equal(file_size(outdir, "results.h5.partial"), -1);

    char path[4096];
    snprintf(path, sizeof path, "%s/report.md", outdir);
    char *md = gwt_read_file(path, NULL);
    assert_non_null(md);
    const char *needles[] = {"# Small test pipeline",
                             "## Models",
                             "| Dependent var.: |",
                             "| Observations |",
                             "![coefficient plot](coefficients.svg)",
                             "## Good Work index: gwi",
                             "| rank | area | index | rank change |",
                             "## Synergies: syn",
                             "| | emp_rate | autonomy_share | life_sat |",
                             "## Good work communities: comm",
                             "| community | size |",
                             "## Mediation: med",
                             "| effect | estimate |",
                             "| indirect |",
                             "## Scenario: sc",
                             "| nation | emp_rate |",
                             /* linked steps: the cluster's communities, the index's quartiles */
                             "| @comm | emp_rate |",
                             "| @gwi:quartile | emp_rate |"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        if (strstr(md, needles[i]) == NULL)
            fail_msg("report.md lacks \"%s\":\n%s", needles[i], md);
    free(md);

    snprintf(path, sizeof path, "%s/coefficients.svg", outdir);
    char *svg = gwt_read_file(path, NULL);
    assert_non_null(strstr(svg, "<svg"));
    free(svg);

    /* Every step is stored under its name, and the steps are recorded under /pipeline. */
    snprintf(path, sizeof path, "%s/results.h5", outdir);
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(path, &res), GW_OK);
    assert_int_equal(gw_results_nmodels(res), 2);
    assert_string_equal(gw_results_model_name(res, 0), "m_life");
    gw_result *m = NULL;
    assert_int_equal(gw_results_get(res, "m_life", &m), GW_OK);
    assert_int_equal(m->k, 3);
    gw_assert_close(m->estimate[0], 0.020, 0.25, 0.0); /* the true slope of emp_rate */
    gw_result_free(m);
    gw_results_close(res);
    char **names = NULL, **kinds = NULL, **seeds = NULL, **ini_text = NULL;
    size_t nn = 0, nk = 0, ns = 0, ni = 0;
    assert_int_equal(gw_h5_read_strings(path, "/pipeline/step_name", NULL, &names, &nn), GW_OK);
    assert_int_equal(gw_h5_read_strings(path, "/pipeline/step_kind", NULL, &kinds, &nk), GW_OK);
    assert_int_equal(gw_h5_read_strings(path, "/pipeline/step_seed", NULL, &seeds, &ns), GW_OK);
    assert_int_equal(gw_h5_read_strings(path, "/pipeline", "ini_text", &ini_text, &ni), GW_OK);
    assert_int_equal(nn, 7);
    assert_int_equal(nk, 7);
    assert_int_equal(ns, 7);
    assert_string_equal(names[5], "med");
    assert_string_equal(kinds[6], "scenario");
    assert_string_equal(kinds[0], "fit");
    assert_string_equal(kinds[4], "cluster");
    assert_string_equal(seeds[0], ""); /* fit draws nothing */
    assert_true(seeds[5][0] != '\0');  /* mediate: a derived seed */
    assert_string_equal(ini_text[0], small_ini);
    gw_h5_strings_free(names, nn);
    gw_h5_strings_free(kinds, nk);
    gw_h5_strings_free(seeds, ns);
    gw_h5_strings_free(ini_text, ni);
}

static void test_run_cli_errors(void **state)
{
    (void)state;
    char outdir[2048];
    const char *dir = setup_dir();
    snprintf(outdir, sizeof outdir, "%s/out_err", dir);
    /* malformed pipeline file: usage error naming file and line */
    const char *bad = gwt_write_file("bad.ini", "[data]\nfile = panel.csv\n[model x\n");
    gwt_run_result r = gwt_run_cli("run", bad, "--outdir", outdir, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "bad.ini:3"));
    gwt_run_free(&r);
    /* unknown section */
    const char *unk = gwt_write_file("unk.ini", "[data]\nfile = panel.csv\n[modle x]\na = b\n");
    r = gwt_run_cli("run", unk, "--outdir", outdir, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "unknown section"));
    gwt_run_free(&r);
    /* missing data file */
    const char *nod =
        gwt_write_file("nodata.ini", "[data]\nfile = nowhere.csv\n[model m]\nmodel = y ~ x\n");
    r = gwt_run_cli("run", nod, "--outdir", outdir, NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "nowhere.csv"));
    gwt_run_free(&r);
    /* a failing step: its own error, the step named, no results.h5 left */
    const char *fail = gwt_write_file(
        "fail.ini", "[data]\nfile = panel.csv\n[model ok]\nmodel = life_sat ~ emp_rate\n"
                    "[model broken]\nmodel = life_sat ~ no_such_var\n");
    r = gwt_run_cli("run", fail, "--outdir", outdir, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no_such_var"));
    assert_non_null(strstr(r.err, "step broken failed"));
    gwt_run_free(&r);
    assert_int_equal(file_size(outdir, "results.h5"), -1);
    assert_int_equal(file_size(outdir, "results.h5.partial"), -1);
    /* flags */
    r = gwt_run_cli("run", "--bogus", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("run", "--help", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "usage: goodwork run"));
    gwt_run_free(&r);
}

/* goodwork run --threads N: every step runs with --threads N (a section's own threads key is
 * replaced, not doubled), and no step's output depends on N (1 against 2, byte for byte). */
static void test_run_cli_threads(void **state)
{
    (void)state;
    static const char ini[] =
        "[pipeline]\nseed = 11\n\n[data]\nfile = panel.csv\n\n"
        "[model m]\nmodel = life_sat ~ emp_rate + share_prof | la_id + year\n"
        "vcov = cluster:la_id\nthreads = 3\n\n"
        "[mediate med]\ntreatment = emp_rate\nmediator = autonomy_share\noutcome = life_sat\n"
        "fe = la_id+year\nboot = 49\n\n"
        "[scenario sc]\nshock = emp_rate-=2\nby = nation\ndraws = 49\n";
    const char *dir = setup_dir();
    const char *path = gwt_write_file("threads.ini", ini);
    char out[2][2048], file[8192];
    const char *nt[2] = {"1", "2"};
    for (int k = 0; k < 2; k++) {
        snprintf(out[k], sizeof out[k], "%s/out_t%s", dir, nt[k]);
        gwt_run_result r =
            gwt_run_cli("run", path, "--outdir", out[k], "--threads", nt[k], "--quiet", NULL);
        if (r.exit_code != 0)
            fail_msg("--threads %s: exit %d\nstderr: %s", nt[k], r.exit_code, r.err);
        gwt_run_free(&r);
        /* the step ran with the run's count, in place of its section's "threads = 3" */
        snprintf(file, sizeof file, "%s/results.h5", out[k]);
        char **cl = NULL;
        size_t ncl = 0;
        assert_int_equal(gw_h5_read_strings(file, "/models/m", "command_line", &cl, &ncl), GW_OK);
        assert_int_equal(ncl, 1);
        char want[32];
        snprintf(want, sizeof want, "--threads %s", nt[k]);
        if (strstr(cl[0], want) == NULL || strstr(cl[0], "--threads 3") != NULL)
            fail_msg("step m ran as: %s", cl[0]);
        gw_h5_strings_free(cl, ncl);
    }
    const char *steps[] = {"steps/m.json", "steps/med.json", "steps/sc.json"};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        char *text[2];
        for (int k = 0; k < 2; k++) {
            snprintf(file, sizeof file, "%s/%s", out[k], steps[i]);
            text[k] = gwt_read_file(file, NULL);
            assert_non_null(text[k]);
        }
        if (strcmp(text[0], text[1]) != 0)
            fail_msg("%s differs between --threads 1 and 2", steps[i]);
        free(text[0]);
        free(text[1]);
    }
    /* validated as every command's --threads, before any step runs */
    const char *bad[] = {"0", "-1", "two", "1.5", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        gwt_run_result r = gwt_run_cli("run", path, "--outdir", out[0], "--threads", bad[i], NULL);
        assert_int_equal(r.exit_code, 2);
        assert_non_null(strstr(r.err, "bad --threads"));
        gwt_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_cli_small_pipeline),
        cmocka_unit_test(test_run_cli_errors),
        cmocka_unit_test(test_run_cli_threads),
    };
    return cmocka_run_group_tests_name("run_cli", tests, NULL, NULL);
}
