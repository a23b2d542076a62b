/* test_mediate_cli.c -- `goodwork mediate` end to end on the bundled panel: the JSON contract,
 * coverage of the true indirect effect, same seed -> same bytes for 1 and 2 threads, several
 * mediators, the text summary, --out, and usage/data errors with their exit codes.
 * Bootstrap sizes are small (B = 49..99) because the suite also runs under ASan. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_test.h"

static const char *panel(void) { return gwt_source_path("datasets/uk_la_panel.csv"); }

static gwt_run_result run(const char *const *args)
{
    const char *argv[48] = {GW_CLI};
    size_t n = 0;
    while (args[n] != NULL && n + 2 < 48) {
        argv[n + 1] = args[n];
        n++;
    }
    argv[n + 1] = NULL;
    return gwt_run(argv);
}

static gwt_run_result run_ok(const char *const *args)
{
    gwt_run_result r = run(args);
    if (r.exit_code != 0 || r.err[0] != '\0' || r.out[0] == '\0')
        fail_msg("exit %d\nstdout: %s\nstderr: %s", r.exit_code, r.out, r.err);
    return r;
}

static double num(const cJSON *o, const char *a, const char *b)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
    if (b != NULL)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (!cJSON_IsNumber(x))
        fail_msg("%s.%s is not a number", a, b ? b : "");
    return x->valuedouble;
}

#define MAIN_ARGS                                                                                  \
    "mediate", "--data", panel(), "--treatment", "emp_rate", "--mediator", "autonomy_share",       \
        "--outcome", "life_sat", "--controls", "share_prof,auto_exposure", "--fe", "la_id+year"

static void test_mediate_cli_json_covers_truth(void **state)
{
    (void)state;
    const char *args[] = {MAIN_ARGS, "--cluster", "la_id",    "--boot", "99",      "--seed", "5",
                          "--ci",    "bca",       "--format", "json",   "--quiet", NULL};
    gwt_run_result r = run_ok(args);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const char *effects[] = {"indirect", "direct", "total", "proportion_mediated"};
    for (int e = 0; e < 4; e++) {
        double est = num(o, effects[e], "estimate"), lo = num(o, effects[e], "ci_low"),
               hi = num(o, effects[e], "ci_high");
        assert_true(lo < est && est < hi);
    }
    assert_true(num(o, "indirect", "ci_low") <= 0.0030 && 0.0030 <= num(o, "indirect", "ci_high"));
    assert_true(num(o, "proportion_mediated", "ci_low") <= 0.126 &&
                0.126 <= num(o, "proportion_mediated", "ci_high"));
    gw_assert_close(num(o, "total", "estimate"),
                    num(o, "direct", "estimate") + num(o, "indirect", "estimate"), 1e-14, 0.0);
    assert_int_equal((int)num(o, "boot", NULL), 99);
    assert_int_equal((int)num(o, "n_clusters", NULL), 358);
    assert_int_equal((int)num(o, "nobs", NULL), 5370);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "method")->valuestring, "bca");
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "indirect_by_mediator"));
    cJSON_Delete(o);
    gwt_run_free(&r);
}

static void test_mediate_cli_same_seed_same_bytes(void **state)
{
    (void)state;
    const char *a1[] = {MAIN_ARGS, "--boot",    "49", "--seed",  "11", "--format",
                        "json",    "--threads", "1",  "--quiet", NULL};
    const char *a2[] = {MAIN_ARGS, "--boot",    "49", "--seed",  "11", "--format",
                        "json",    "--threads", "2",  "--quiet", NULL};
    const char *a3[] = {MAIN_ARGS,  "--boot", "49",      "--seed", "12",
                        "--format", "json",   "--quiet", NULL};
    gwt_run_result r1 = run_ok(a1), r2 = run_ok(a2), r3 = run_ok(a3);
    assert_string_equal(r1.out, r2.out);
    assert_true(strcmp(r1.out, r3.out) != 0);
    /* The default cluster is the first --fe variable. */
    cJSON *o = cJSON_Parse(r1.out);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "cluster")->valuestring, "la_id");
    cJSON_Delete(o);
    gwt_run_free(&r1);
    gwt_run_free(&r2);
    gwt_run_free(&r3);
}

static void test_mediate_cli_two_mediators_and_text(void **state)
{
    (void)state;
    const char *args[] = {"mediate",
                          "--data",
                          panel(),
                          "--treatment",
                          "auto_exposure",
                          "--mediator",
                          "autonomy_share, log(median_hourly_pay)",
                          "--outcome",
                          "life_sat",
                          "--controls",
                          "emp_rate,share_prof",
                          "--fe",
                          "la_id+year",
                          "--boot",
                          "49",
                          "--format",
                          "json",
                          "--quiet",
                          NULL};
    gwt_run_result r = run_ok(args);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "indirect_by_mediator");
    assert_non_null(by);
    double s =
        num(by, "autonomy_share", "estimate") + num(by, "log(median_hourly_pay)", "estimate");
    gw_assert_close(s, num(o, "indirect", "estimate"), 1e-14, 0.0);
    cJSON_Delete(o);
    gwt_run_free(&r);

    const char *targs[] = {MAIN_ARGS, "--boot", "49", "--quiet", NULL};
    r = run_ok(targs);
    assert_non_null(strstr(r.out, "Mediation: emp_rate -> autonomy_share -> life_sat"));
    assert_non_null(strstr(r.out, "indirect"));
    assert_non_null(strstr(r.out, "proportion mediated"));
    gwt_run_free(&r);
}

static void test_mediate_cli_out_file(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/med.h5", gwt_tmpdir());
    unlink(path);
    const char *args[] = {MAIN_ARGS, "--boot", "49",      "--out", path,
                          "--name",  "m1",     "--quiet", NULL};
    gwt_run_result r = run_ok(args);
    gwt_run_free(&r);
    assert_int_equal(access(path, R_OK), 0);
    const char *h5dump[] = {"/usr/bin/h5dump", "-H", path, NULL};
    if (access(h5dump[0], X_OK) == 0) {
        gwt_run_result d = gwt_run(h5dump);
        assert_non_null(strstr(d.out, "/analyses/m1") ? d.out : strstr(d.out, "m1"));
        assert_non_null(strstr(d.out, "replicates"));
        gwt_run_free(&d);
    }
}

static void test_mediate_cli_errors(void **state)
{
    (void)state;
    struct {
        const char *args[24];
        int code;
        const char *msg;
    } cases[] = {
        {{"mediate", "--data", panel(), "--mediator", "autonomy_share", "--outcome", "life_sat",
          NULL},
         2,
         "missing --treatment"},
        {{"mediate", "--data", panel(), "--treatment", "emp_rate", "--mediator", "nope",
          "--outcome", "life_sat", NULL},
         2,
         "nope"},
        {{"mediate", "--data", panel(), "--treatment", "emp_rate", "--mediator", "autonomy_share",
          "--outcome", "life_sat", "--ci", "normal", NULL},
         2,
         "--ci"},
        {{"mediate", "--data", panel(), "--treatment", "emp_rate", "--mediator", "emp_rate",
          "--outcome", "life_sat", NULL},
         2,
         "two roles"},
        {{"mediate", "--data", panel(), "--treatment", "la_code", "--mediator", "autonomy_share",
          "--outcome", "life_sat", NULL},
         2,
         "categorical"},
        {{"mediate", "--data", panel(), "--treatment", "emp_rate", "--mediator", "autonomy_share",
          "--outcome", "life_sat", "--boot", "0", NULL},
         2,
         "--boot"},
        {{"mediate", "--data", "/nonexistent/x.csv", "--treatment", "emp_rate", "--mediator",
          "autonomy_share", "--outcome", "life_sat", NULL},
         3,
         "x.csv"},
        {{"mediate", "--data", panel(), "--treatment", "region", "--mediator", "autonomy_share",
          "--outcome", "life_sat", "--fe", "la_id+year", "--ci", "delta", NULL},
         4,
         "collinear"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gwt_run_result r = run(cases[c].args);
        if (r.exit_code != cases[c].code || strstr(r.err, cases[c].msg) == NULL || r.out[0] != '\0')
            fail_msg("case %zu: exit %d (want %d)\nstderr: %s", c, r.exit_code, cases[c].code,
                     r.err);
        gwt_run_free(&r);
    }
    const char *help[] = {"mediate", "--help", NULL};
    gwt_run_result r = run_ok(help);
    assert_non_null(strstr(r.out, "--treatment"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mediate_cli_json_covers_truth),
        cmocka_unit_test(test_mediate_cli_same_seed_same_bytes),
        cmocka_unit_test(test_mediate_cli_two_mediators_and_text),
        cmocka_unit_test(test_mediate_cli_out_file),
        cmocka_unit_test(test_mediate_cli_errors),
    };
    return cmocka_run_group_tests_name("mediate_cli", tests, NULL, NULL);
}
