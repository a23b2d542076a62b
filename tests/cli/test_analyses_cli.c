/* test_analyses_cli.c -- goodwork index, cluster and synergy end to end on the bundled panel:
 * help, usage and data errors with the contract's exit codes, the JSON fields scripts rely on,
 * same seed -> same bytes, 1 vs 2 threads identical, and --out results files. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw_test.h"

static const char *panel(void) { return gwt_source_path("datasets/uk_la_panel.csv"); }

#define CL_VARS                                                                                    \
    "emp_rate,share_prof,log(median_hourly_pay),autonomy_share,sat_hours,unemp_rate,life_sat"

static cJSON *run_json(const char *const *args, char **raw)
{
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("%s: exit %d\nstderr: %s", args[0], r.exit_code, r.err);
    cJSON *o = cJSON_Parse(r.out);
    if (o == NULL)
        fail_msg("not JSON:\n%.300s", r.out);
    if (raw != NULL)
        *raw = strdup(r.out);
    gwt_run_free(&r);
    return o;
}

static void expect_exit(const char *const *args, int code, const char *needle)
{
    gwt_run_result r = gwt_run_cli_argv(args);
    if (r.exit_code != code || strstr(r.err, needle) == NULL ||
        strncmp(r.err, "goodwork: error: ", 17) != 0)
        fail_msg("%s: expected exit %d with '%s', got %d\nstderr: %s", args[0], code, needle,
                 r.exit_code, r.err);
    assert_string_equal(r.out, "");
    gwt_run_free(&r);
}

static void test_analyses_cli_help(void **state)
{
    (void)state;
    const char *cmds[3] = {"index", "cluster", "synergy"};
    for (int c = 0; c < 3; c++) {
        const char *args[] = {cmds[c], "--help", NULL};
        gwt_run_result r = gwt_run_cli_argv(args);
        assert_int_equal(r.exit_code, 0);
        assert_non_null(strstr(r.out, "usage: goodwork"));
        gwt_run_free(&r);
    }
}

static void test_analyses_cli_errors(void **state)
{
    (void)state;
    const char *a1[] = {"index", "--indicators", "emp_rate", "--id", "la_id", NULL};
    expect_exit(a1, 2, "missing --data");
    const char *a2[] = {"index",         "--data", panel(), "--indicators",
                        "emp_rate,nope", "--id",   "la_id", NULL};
    expect_exit(a2, 2, "unknown variable 'nope'");
    const char *a3[] = {"index", "--data", panel(),       "--indicators", "emp_rate,life_sat",
                        "--id",  "la_id",  "--normalise", "max",          NULL};
    expect_exit(a3, 2, "bad --normalise");
    const char *a4[] = {"index", "--data", "/nonexistent/x.csv", "--indicators", "a,b", "--id",
                        "la_id", NULL};
    expect_exit(a4, 3, "x.csv");
    const char *a5[] = {"cluster", "--data", panel(), "--vars", "emp_rate,life_sat",
                        "--id",    "la_id",  "--k",   "1",      NULL};
    expect_exit(a5, 2, "bad --k");
    const char *a6[] = {"cluster",           "--data", panel(), "--vars",
                        "emp_rate,life_sat", "--id",   "la_id", NULL};
    expect_exit(a6, 2, "give --time");
    const char *a7[] = {"synergy", "--data", panel(), "--vars", "emp_rate", "--time", "year", NULL};
    expect_exit(a7, 2, "at least 2");
    const char *a8[] = {"synergy", "--data", panel(),   "--vars", "emp_rate,life_sat",
                        "--time",  "year",   "--bogus", NULL};
    expect_exit(a8, 2, "unknown option '--bogus'");
    const char *a9[] = {"index",          "--data",        panel(), "--indicators",
                        "covid,emp_rate", "--id",          "la_id", "--time",
                        "year",           "--within-time", NULL};
    expect_exit(a9, 4, "indicator covid has no variation in 2010 (all 0)");
}

static void test_index_cli_json(void **state)
{
    (void)state;
    const char *args[] = {
        "index",    "--data",    panel(),       "--indicators",  "emp_rate,life_sat,anxiety",
        "--invert", "anxiety",   "--id",        "la_code",       "--time",
        "year",     "--weights", "0.2,0.3,0.5", "--sensitivity", "50",
        "--seed",   "9",         "--format",    "json",          "--threads",
        "1",        NULL};
    char *raw1 = NULL, *raw2 = NULL;
    cJSON *o = run_json(args, &raw1);
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(w, "anxiety")->valuedouble, 0.5, 1e-15, 0.0);
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(o, "index");
    assert_int_equal(cJSON_GetArraySize(idx), 5400);
    const cJSON *e0 = cJSON_GetArrayItem(idx, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(e0, "id")->valuestring, "X09000001");
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(e0, "time")->valuedouble, 2010, 0, 0);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e0, "value")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e0, "rank")));
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(e0, "rank_q95")));
    size_t nulls = 0;
    for (int i = 0; i < 5400; i++)
        nulls += (size_t)cJSON_IsNull(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(idx, i), "value"));
    assert_int_equal(nulls, 30); /* the suppressed life_sat cells: null, not imputed */
    cJSON_Delete(o);
    args[20] = "2";
    o = run_json(args, &raw2);
    assert_string_equal(raw1, raw2); /* same seed, 1 vs 2 threads: same bytes */
    cJSON_Delete(o);
    free(raw1);
    free(raw2);
}

/* --goalposts through the command line: the JSON's "fixed" list given back reproduces the
 * index bit for bit; usage errors exit 2 before the data are read. */
static void test_index_cli_goalposts(void **state)
{
    (void)state;
    const char *args[] = {
        "index",    "--data",      panel(),          "--indicators", "emp_rate,life_sat,anxiety",
        "--invert", "anxiety",     "--id",           "la_code",      "--time",
        "year",     "--goalposts", "base:2012-2014", "--format",     "json",
        NULL};
    cJSON *a = run_json(args, NULL);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(a, "goalposts");
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(g, "base_to")->valuedouble, 2014, 0, 0);
    char fixed[1024];
    snprintf(fixed, sizeof fixed, "fixed:%s",
             cJSON_GetObjectItemCaseSensitive(g, "fixed")->valuestring);
    args[12] = fixed;
    cJSON *b = run_json(args, NULL);
    char *ia = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(a, "index"));
    char *ib = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(b, "index"));
    assert_string_equal(ia, ib);
    free(ia);
    free(ib);
    cJSON_Delete(a);
    cJSON_Delete(b);
    const char *e1[] = {
        "index",  "--data", "/nonexistent/x.csv", "--indicators", "a,b",           "--id", "la_id",
        "--time", "year",   "--goalposts",        "base:2015",    "--within-time", NULL};
    expect_exit(e1, 2, "--goalposts and --within-time exclude each other");
    const char *e2[] = {"index", "--data", panel(), "--indicators", "emp_rate,life_sat",    "--id",
                        "la_id", "--time", "year",  "--goalposts",  "fixed:emp_rate=40:90", NULL};
    expect_exit(e2, 2, "no goalposts for indicator 'life_sat'");
    const char *e3[] = {"index", "--data", panel(), "--indicators", "emp_rate,life_sat", "--id",
                        "la_id", "--time", "year",  "--goalposts",  "base:1990",         NULL};
    expect_exit(e3, 4, "base period 1990 has 0 rows");
    const char *h[] = {"index", "--help", NULL};
    gwt_run_result r = gwt_run_cli_argv(h);
    assert_non_null(strstr(r.out, "--goalposts G"));
    gwt_run_free(&r);
}

static void test_cluster_cli_json(void **state)
{
    (void)state;
    const char *args[] = {
        "cluster", "--data",   panel(),        "--vars",    CL_VARS, "--id",   "la_id", "--time",
        "year",    "--truth",  "cluster_true", "--k",       "5",     "--boot", "10",    "--seed",
        "3",       "--format", "json",         "--threads", "1",     NULL};
    char *raw1 = NULL, *raw2 = NULL;
    cJSON *o = run_json(args, &raw1);
    gw_assert_close(cJSON_GetObjectItemCaseSensitive(o, "k")->valuedouble, 5, 0, 0);
    const cJSON *sil = cJSON_GetObjectItemCaseSensitive(o, "silhouette");
    for (int k = 2; k <= 8; k++) {
        char key[8];
        snprintf(key, sizeof key, "%d", k);
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(sil, key)));
    }
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "assignments")), 358);
    double ari = cJSON_GetObjectItemCaseSensitive(o, "ari")->valuedouble;
    printf("  cluster CLI ARI vs cluster_true: %.4f\n", ari);
    assert_true(ari > 0.8);
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(o, "profiles");
    assert_int_equal(cJSON_GetArraySize(prof), 5);
    double tot = 0;
    for (int c = 0; c < 5; c++)
        tot += cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(prof, c), "size")->valuedouble;
    gw_assert_close(tot, 358, 0, 0);
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(o, "transitions");
    assert_int_equal(cJSON_GetArraySize(tr), 14);
    cJSON_Delete(o);
    args[20] = "2";
    o = run_json(args, &raw2);
    assert_string_equal(raw1, raw2);
    cJSON_Delete(o);
    free(raw1);
    free(raw2);
}

static void test_synergy_cli_sign_switch(void **state)
{
    (void)state;
    const char *args[] = {
        "synergy",    "--data",   panel(), "--vars", "emp_rate,log(median_hourly_pay),life_sat",
        "--time",     "year",     "--id",  "la_id",  "--controls",
        "share_prof", "--format", "json",  NULL};
    cJSON *o = run_json(args, NULL);
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(o, "sign_switches");
    int found = 0;
    for (int i = 0; i < cJSON_GetArraySize(sw); i++) {
        const cJSON *s = cJSON_GetArrayItem(sw, i);
        found |=
            strcmp(cJSON_GetObjectItemCaseSensitive(s, "a")->valuestring, "emp_rate") == 0 &&
            strcmp(cJSON_GetObjectItemCaseSensitive(s, "b")->valuestring,
                   "log(median_hourly_pay)") == 0 &&
            strcmp(cJSON_GetObjectItemCaseSensitive(s, "period_a")->valuestring, "pre-2020") == 0 &&
            strcmp(cJSON_GetObjectItemCaseSensitive(s, "period_b")->valuestring, "2020-2021") == 0;
    }
    assert_true(found);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "by_year")), 15);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "partial")), 3);
    cJSON_Delete(o);
}

static void test_analyses_cli_out(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/analyses.h5", gwt_tmpdir());
    const char *a1[] = {"index", "--data",  panel(),  "--indicators", "emp_rate,share_prof",
                        "--id",  "la_id",   "--time", "year",         "--out",
                        path,    "--quiet", NULL};
    const char *a2[] = {"cluster", "--data", panel(), "--vars",  CL_VARS, "--id",
                        "la_id",   "--at",   "2019",  "--time",  "year",  "--k",
                        "5",       "--out",  path,    "--quiet", NULL};
    const char *a3[] = {"synergy", "--data",  panel(), "--vars", "emp_rate,life_sat",
                        "--time",  "year",    "--out", path,     "--name",
                        "syn2",    "--quiet", NULL};
    const char *const *all[3] = {a1, a2, a3};
    for (int c = 0; c < 3; c++) {
        gwt_run_result r = gwt_run_cli_argv(all[c]);
        if (r.exit_code != 0)
            fail_msg("%s --out: exit %d: %s", all[c][0], r.exit_code, r.err);
        assert_string_equal(r.out, "");
        gwt_run_free(&r);
    }
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 1000);
    /* The file holds HDF5 groups: convert cannot read it as a table, but h5 magic is there. */
    FILE *f = fopen(path, "rb");
    unsigned char sig[8];
    assert_int_equal(fread(sig, 1, 8, f), 8);
    fclose(f);
    assert_memory_equal(sig, "\x89HDF\r\n\x1a\n", 8);
}

static void test_analyses_cli_text(void **state)
{
    (void)state;
    const char *args[] = {"index", "--data",  panel(),  "--indicators", "emp_rate,share_prof",
                          "--id",  "la_code", "--time", "year",         NULL};
    gwt_run_result r = gwt_run_cli_argv(args);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "Top 10 in 2024"));
    assert_non_null(strstr(r.out, "Bottom 10 in 2024"));
    gwt_run_free(&r);
    const char *b[] = {"cluster", "--data", panel(), "--vars", CL_VARS, "--id",
                       "la_id",   "--time", "year",  "--kmax", "4",     NULL};
    r = gwt_run_cli_argv(b);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "Cluster profiles"));
    assert_non_null(strstr(r.out, "Silhouette by k"));
    gwt_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analyses_cli_help),   cmocka_unit_test(test_index_cli_goalposts),
        cmocka_unit_test(test_analyses_cli_errors), cmocka_unit_test(test_index_cli_json),
        cmocka_unit_test(test_cluster_cli_json),    cmocka_unit_test(test_synergy_cli_sign_switch),
        cmocka_unit_test(test_analyses_cli_out),    cmocka_unit_test(test_analyses_cli_text),
    };
    return cmocka_run_group_tests_name("analyses_cli", tests, NULL, NULL);
}
