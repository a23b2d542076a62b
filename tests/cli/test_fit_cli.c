/* test_fit_cli.c -- `goodwork fit` end to end on the Grunfeld investment panel, every output
 * format, thread-count invariance, and the help and version texts. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_test.h"

#define MODEL "inv ~ value + capital"

static const char *grunfeld(void) { return gwt_source_path("datasets/grunfeld.csv"); }

/* Runs the CLI and fails unless it exits 0 with empty standard error and some output. */
static gwt_run_result run_ok(const char *const *args)
{
    const char *argv[32] = {GW_CLI};
    size_t n = 0;
    while (args[n] != NULL && n + 2 < 32) {
        argv[n + 1] = args[n];
        n++;
    }
    argv[n + 1] = NULL;
    gwt_run_result r = gwt_run(argv);
    if (r.exit_code != 0 || r.err[0] != '\0' || r.out[0] == '\0')
        fail_msg("%s %s: exit %d\nstdout: %s\nstderr: %s", args[0], args[1], r.exit_code, r.out,
                 r.err);
    return r;
}

static cJSON *fit_json(const char *vcov, const char *threads)
{
    const char *args[] = {"fit",  "--data", grunfeld(), "--model",   MODEL,   "--format",
                          "json", "--vcov", vcov,       "--threads", threads, NULL};
    gwt_run_result r = run_ok(args);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%s", r.out);
    gwt_run_free(&r);
    return o;
}

static void test_fit_cli_json_grunfeld(void **state)
{
    (void)state;
    cJSON *o = fit_json("iid", "1");
    const char *terms[] = {"(Intercept)", "value", "capital"};
    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    assert_int_equal(cJSON_GetArraySize(coefs), 3);
    for (int j = 0; j < 3; j++) {
        const cJSON *c = cJSON_GetArrayItem(coefs, j);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(c, "term")->valuestring, terms[j]);
        const char *fields[] = {"estimate", "std_error", "statistic",
                                "p_value",  "ci_low",    "ci_high"};
        for (size_t k = 0; k < 6; k++)
            assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c, fields[k])));
    }
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "estimator")->valuestring, "ols");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "formula")->valuestring, MODEL);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "vcov_type")->valuestring, "iid");
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "nobs")->valuedouble, 200.0, 0.0, 0.0);
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "df_resid")->valuedouble, 197.0, 0.0, 0.0);
    assert_null(cJSON_GetObjectItemCaseSensitive(o, "n_clusters"));
    /* R 4.2.2 lm(inv ~ value + capital), datasets/generated/grunfeld_ref.csv (m1, iid). */
    const cJSON *value = cJSON_GetArrayItem(coefs, 1);
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(value, "estimate")->valuedouble,
                    0.11556215636055207, 1e-10, 0.0);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "vcov");
    assert_int_equal(cJSON_GetArraySize(v), 3);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetArrayItem(v, 0)), 3);
    cJSON_Delete(o);
}

static void test_fit_cli_cluster_counts(void **state)
{
    (void)state;
    cJSON *o = fit_json("cluster:firm", "1");
    const cJSON *nc = cJSON_GetObjectItemCaseSensitive(o, "n_clusters");
    assert_true(cJSON_IsArray(nc));
    assert_int_equal(cJSON_GetArraySize(nc), 1);
    gw_assert_close(cJSON_GetArrayItem(nc, 0)->valuedouble, 10.0, 0.0, 0.0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(o, "vcov_type")->valuestring,
                        "cluster:firm");
    cJSON_Delete(o);
}

/* Every format exits 0 with output of its own shape. */
static void test_fit_cli_every_format(void **state)
{
    (void)state;
    static const struct {
        const char *format;
        const char *fragments[4];
    } cases[] = {
        {"text", {"R-squared", "(Intercept) |", "capital |", "Std. Error"}},
        {"markdown", {"| term |", "| value |", "| R-squared |", "|:-----|"}},
        {"latex", {"\\begin{tabular}", "\\toprule", "\\bottomrule", "\\end{tabular}"}},
        {"csv",
         {"term,estimate,std_error,statistic,p_value,ci_low,ci_high\n", "\n(Intercept),",
          "\nvalue,", "\ncapital,"}},
        {"json", {"\"coefficients\"", "\"vcov\"", "\"goodwork_version\"", "\"r2\""}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *args[] = {"fit",    "--data", grunfeld(), "--model",       MODEL,
                              "--vcov", "hc1",    "--format", cases[i].format, NULL};
        gwt_run_result r = run_ok(args);
        for (size_t k = 0; k < 4; k++)
            if (strstr(r.out, cases[i].fragments[k]) == NULL)
                fail_msg("--format %s lacks \"%s\":\n%s", cases[i].format, cases[i].fragments[k],
                         r.out);
        if (strcmp(cases[i].format, "csv") == 0) {
            size_t lines = 0;
            for (const char *p = r.out; *p; p++)
                lines += *p == '\n';
            assert_int_equal(lines, 4);
        }
        gwt_run_free(&r);
    }
}

/* The CSV's %.17g numbers and the JSON's shortest round-trip numbers are the same doubles. */
static void test_fit_cli_csv_matches_json(void **state)
{
    (void)state;
    cJSON *o = fit_json("hc3", "1");
    char data_opt[1024];
    snprintf(data_opt, sizeof data_opt, "--data=%s", grunfeld());
    const char *csv_args[] = {"fit",        data_opt,       "--model=" MODEL,
                              "--vcov=hc3", "--format=csv", NULL};
    gwt_run_result r = run_ok(csv_args);
    const cJSON *coefs = cJSON_GetObjectItemCaseSensitive(o, "coefficients");
    const char *line = strchr(r.out, '\n') + 1;
    for (int j = 0; j < 3; j++) {
        const cJSON *c = cJSON_GetArrayItem(coefs, j);
        const char *p = strchr(line, ',') + 1;
        const char *fields[] = {"estimate", "std_error", "statistic",
                                "p_value",  "ci_low",    "ci_high"};
        for (size_t k = 0; k < 6; k++) {
            char *end = NULL;
            double csv_value = strtod(p, &end);
            double json_value = cJSON_GetObjectItemCaseSensitive(c, fields[k])->valuedouble;
            if (memcmp(&csv_value, &json_value, sizeof csv_value) != 0)
                fail_msg("coefficient %d %s: csv %.17g, json %.17g", j, fields[k], csv_value,
                         json_value);
            p = end + 1;
        }
        line = strchr(line, '\n') + 1;
    }
    gwt_run_free(&r);
    cJSON_Delete(o);
}

/* Results do not depend on the number of threads: byte-identical JSON for 1 and 2. */
static void test_fit_cli_threads_identical(void **state)
{
    (void)state;
    const char *vcovs[] = {"iid", "hc2", "cluster:firm", "cluster:firm+year"};
    for (size_t i = 0; i < sizeof vcovs / sizeof vcovs[0]; i++) {
        const char *a1[] = {"fit",  "--data", grunfeld(), "--model",   MODEL, "--format",
                            "json", "--vcov", vcovs[i],   "--threads", "1",   NULL};
        const char *a2[] = {"fit",  "--data", grunfeld(), "--model",   MODEL, "--format",
                            "json", "--vcov", vcovs[i],   "--threads", "2",   NULL};
        gwt_run_result r1 = run_ok(a1), r2 = run_ok(a2);
        if (strcmp(r1.out, r2.out) != 0)
            fail_msg("--vcov %s: 1 thread and 2 threads differ:\n%s\n%s", vcovs[i], r1.out, r2.out);
        gwt_run_free(&r1);
        gwt_run_free(&r2);
    }
}

static void test_fit_cli_help_and_version(void **state)
{
    (void)state;
    const char *fit_help[] = {"fit", "--help", NULL};
    gwt_run_result r = run_ok(fit_help);
    const char *options[] = {"--data",    "--model", "--estimator",      "--vcov",
                             "--weights", "--panel", "--format",         "--threads",
                             "--out",     "--name",  "--keep-singletons"};
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++)
        if (strstr(r.out, options[k]) == NULL)
            fail_msg("fit --help lacks %s:\n%s", options[k], r.out);
    gwt_run_free(&r);

    const char *top_help[] = {"--help", NULL};
    r = run_ok(top_help);
    assert_non_null(strstr(r.out, "fit"));
    assert_non_null(strstr(r.out, "--version"));
    gwt_run_free(&r);

    const char *version[] = {"--version", NULL};
    r = run_ok(version);
    assert_non_null(strstr(r.out, "goodwork 0.1.0"));
    gwt_run_free(&r);
}

/* Options after the data and in --opt=value form parse the same as separate values. */
static void test_fit_cli_equals_form(void **state)
{
    (void)state;
    char data_opt[1024];
    snprintf(data_opt, sizeof data_opt, "--data=%s", grunfeld());
    const char *a1[] = {"fit", data_opt, "--model=" MODEL, "--format=json", "--threads=1", NULL};
    const char *a2[] = {"fit",    "--format", "json",      "--model", MODEL,
                        "--data", grunfeld(), "--threads", "1",       NULL};
    gwt_run_result r1 = run_ok(a1), r2 = run_ok(a2);
    assert_string_equal(r1.out, r2.out);
    gwt_run_free(&r1);
    gwt_run_free(&r2);
}

/* A small file with a missing value: the row is dropped and counted. */
static void test_fit_cli_missing_rows_counted(void **state)
{
    (void)state;
    const char *path = gwt_write_file("missing.csv", "y,x\n"
                                                     "1.5,0.25\n"
                                                     "2.25,NA\n"
                                                     "2.75,1.5\n"
                                                     ",2\n"
                                                     "4.125,2.875\n"
                                                     "5.0625,3.5\n");
    const char *args[] = {"fit", "--data", path, "--model", "y ~ x", "--format", "json", NULL};
    gwt_run_result r = run_ok(args);
    cJSON *o = cJSON_Parse(r.out);
    assert_non_null(o);
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "nobs")->valuedouble, 4.0, 0.0, 0.0);
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "nobs_dropped_missing")->valuedouble, 2.0,
                    0.0, 0.0);
    cJSON_Delete(o);
    gwt_run_free(&r);
}

int main(void)
{
    if (access(grunfeld(), R_OK) != 0) {
        fprintf(stderr, "test_fit_cli: %s is missing\n", grunfeld());
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fit_cli_json_grunfeld),
        cmocka_unit_test(test_fit_cli_cluster_counts),
        cmocka_unit_test(test_fit_cli_every_format),
        cmocka_unit_test(test_fit_cli_csv_matches_json),
        cmocka_unit_test(test_fit_cli_threads_identical),
        cmocka_unit_test(test_fit_cli_help_and_version),
        cmocka_unit_test(test_fit_cli_equals_form),
        cmocka_unit_test(test_fit_cli_missing_rows_counted),
    };
    return cmocka_run_group_tests_name("fit_cli", tests, NULL, NULL);
}
