/* test_verify_cli.c -- `goodwork verify`: passes on a fresh run; fails with exit 5 naming the
 * step when a stored number was altered (written with the io API), with the size of the
 * difference, or exit 6 when it is within --tolerance; names the OpenBLAS kernel when verified
 * under another one; fails when the input data changed; exit 3 for a results file without a
 * recorded pipeline. */
#define _XOPEN_SOURCE 700
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_hdf5.h"
#include "gw_test.h"

static char outdir[4096];

/* One small pipeline run shared by the tests (a copy of the panel that the last test alters). */
static int setup(void **state)
{
    (void)state;
    char panel[4096];
    snprintf(panel, sizeof panel, "%s/panel.csv", gwt_tmpdir());
    gwt_copy_file(gwt_source_path("datasets/uk_la_panel.csv"), panel);
    const char *ini = gwt_write_file(
        "verify.ini",
        "[data]\nfile = panel.csv\n\n"
        "[model m_life]\n"
        "model = life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year\n"
        "vcov = cluster:la_id\n\n"
        "[model m_pay]\nmodel = log(median_hourly_pay) ~ emp_rate + share_prof | la_id + year\n\n"
        "[cluster comm]\nvars = emp_rate,share_prof,sat_hours\nid = la_id\ntime = year\n"
        "at = 2024\nk = 4\n\n"
        "[mediate med]\ntreatment = emp_rate\nmediator = autonomy_share\noutcome = life_sat\n"
        "fe = la_id+year\nboot = 49\n\n"
        "[scenario sc]\nshock = emp_rate-=2\nby = nation\ndraws = 49\n");
    snprintf(outdir, sizeof outdir, "%s/vout", gwt_tmpdir());
    gwt_run_result r = gwt_run_cli("run", ini, "--outdir", outdir, "--quiet", NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    gwt_run_free(&r);
    return 0;
}

static const char *results(void)
{
    static char p[4200];
    snprintf(p, sizeof p, "%s/results.h5", outdir);
    return p;
}

static void test_verify_cli_fresh_run_passes(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("verify", results(), NULL);
    if (r.exit_code != 0)
        fail_msg("exit %d\nstderr: %s", r.exit_code, r.err);
    assert_non_null(strstr(r.out, "5 steps"));
    assert_non_null(strstr(r.out, "reproduced bit for bit"));
    /* The steps' JSON and the report's tables beside results.h5 were compared too. */
    assert_non_null(strstr(r.out, "5 of 5 steps/*.json, the tables of report.md"));
    assert_non_null(strstr(r.out, "no numbers differ"));
    gwt_run_free(&r);
}

static void test_verify_cli_altered_number(void **state)
{
    (void)state;
    char copy[4300];
    snprintf(copy, sizeof copy, "%s/altered.h5", gwt_tmpdir());
    gwt_copy_file(results(), copy);
    /* Change one stored estimate of the second model by one unit in the last place. */
    gw_results *res = NULL;
    gw_result *m = NULL;
    gw_provenance prov;
    assert_int_equal(gw_results_open(copy, &res), GW_OK);
    assert_int_equal(gw_results_get(res, "m_pay", &m), GW_OK);
    assert_int_equal(gw_results_provenance(res, "m_pay", &prov), GW_OK);
    m->estimate[1] = nextafter(m->estimate[1], INFINITY);
    assert_int_equal(gw_results_append_ex(copy, "m_pay", m, &prov, GW_RESULTS_REPLACE, NULL, 0),
                     GW_OK);
    gw_result_free(m);
    gw_results_close(res);
    gwt_run_result r = gwt_run_cli("verify", copy, "--quiet", NULL);
    assert_int_equal(r.exit_code, 5);
    if (strstr(r.err, "step m_pay") == NULL || strstr(r.err, "/models/m_pay/estimate") == NULL)
        fail_msg("stderr: %s", r.err);
    assert_null(strstr(r.err, "step m_life"));
    /* The size of the difference and where, even without a tolerance. */
    assert_non_null(strstr(r.err, "1 of "));
    assert_non_null(strstr(r.err, "1 ULP at /models/m_pay/estimate[1]"));
    gwt_run_free(&r);
    /* Within a tolerance: exit 6 and the same measure on standard output. */
    static const struct {
        const char *tol;
        int code;
    } tols[] = {{"ulps:1", 6}, {"ulps:0", 5}, {"rel:1e-15", 6}, {"rel:1e-17", 5}, {"abs:1", 2}};
    for (size_t i = 0; i < sizeof tols / sizeof tols[0]; i++) {
        r = gwt_run_cli("verify", copy, "--quiet", "--tolerance", tols[i].tol, NULL);
        if (r.exit_code != tols[i].code)
            fail_msg("--tolerance %s: exit %d\nstdout: %s\nstderr: %s", tols[i].tol, r.exit_code,
                     r.out, r.err);
        if (tols[i].code == 6 && (strstr(r.out, "reproduced within --tolerance") == NULL ||
                                  strstr(r.out, "1 ULP at /models/m_pay/estimate[1]") == NULL))
            fail_msg("stdout: %s", r.out);
        gwt_run_free(&r);
    }
}

/* Verified under another OpenBLAS kernel than the run's: the kernel is named. */
static void test_verify_cli_other_kernel(void **state)
{
    (void)state;
    const char *was = getenv("OPENBLAS_CORETYPE");
    const char *other = was && strcmp(was, "Prescott") == 0 ? "Sandybridge" : "Prescott";
    char *saved = was ? strdup(was) : NULL;
    setenv("OPENBLAS_CORETYPE", other, 1);
    gwt_run_result r =
        gwt_run_cli("verify", results(), "--quiet", "--tolerance", "rel:1e-12", NULL);
    if (saved != NULL)
        setenv("OPENBLAS_CORETYPE", saved, 1);
    else
        unsetenv("OPENBLAS_CORETYPE");
    free(saved);
    char want[64];
    snprintf(want, sizeof want, "now OpenBLAS");
    if ((r.exit_code != 0 && r.exit_code != 6) || strstr(r.out, "the BLAS differs") == NULL ||
        strstr(r.out, want) == NULL || strstr(r.out, other) == NULL)
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    gwt_run_free(&r);
}

static void test_verify_cli_altered_analysis(void **state)
{
    (void)state;
    char copy[4300];
    snprintf(copy, sizeof copy, "%s/altered2.h5", gwt_tmpdir());
    gwt_copy_file(results(), copy);
    /* Replace the clustering group with one that lacks its datasets. */
    gw_h5_attr at = {"k", GW_H5_I64, 0.0, 4, NULL};
    assert_int_equal(
        gw_results_append_group(copy, "/analyses/comm", NULL, 0, &at, 1, NULL, GW_RESULTS_REPLACE),
        GW_OK);
    gwt_run_result r = gwt_run_cli("verify", copy, NULL);
    assert_int_equal(r.exit_code, 5);
    if (strstr(r.err, "step comm") == NULL)
        fail_msg("stderr: %s", r.err);
    gwt_run_free(&r);
}

static void test_verify_cli_no_pipeline(void **state)
{
    (void)state;
    char plain[4300];
    snprintf(plain, sizeof plain, "%s/plain.h5", gwt_tmpdir());
    gwt_run_result r = gwt_run_cli("fit", "--data", gwt_source_path("datasets/grunfeld.csv"),
                                   "--model", "inv ~ value", "--out", plain, NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    r = gwt_run_cli("verify", plain, NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "no recorded pipeline"));
    gwt_run_free(&r);
    r = gwt_run_cli("verify", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
}

/* Last: alters the input data shared by the others. */
static void test_verify_cli_changed_input(void **state)
{
    (void)state;
    char panel[4096];
    snprintf(panel, sizeof panel, "%s/panel.csv", gwt_tmpdir());
    FILE *f = fopen(panel, "ab");
    assert_non_null(f);
    fputs("\n", f);
    assert_int_equal(fclose(f), 0);
    gwt_run_result r = gwt_run_cli("verify", results(), NULL);
    assert_int_equal(r.exit_code, 5);
    if (strstr(r.err, "step m_life: input") == NULL || strstr(r.err, "panel.csv changed") == NULL)
        fail_msg("stderr: %s", r.err);
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_cli_fresh_run_passes),
        cmocka_unit_test(test_verify_cli_altered_number),
        cmocka_unit_test(test_verify_cli_altered_analysis),
        cmocka_unit_test(test_verify_cli_other_kernel),
        cmocka_unit_test(test_verify_cli_no_pipeline),
        cmocka_unit_test(test_verify_cli_changed_input),
    };
    return cmocka_run_group_tests_name("verify_cli", tests, setup, NULL);
}
