/* test_bench_cli.c -- goodwork bench: the JSON it writes (fields, every case, identical results
 * across thread counts) on tiny sizes (several row blocks, so that threads split the work), its
 * option errors, and bench/compare's exit codes. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_test.h"

static const char *const case_names[] = {
    "one_pass_X",  "ls_chol",      "ls_qr",     "ols_hc1",      "ols_hc3",
    "ols_cluster", "ols_cluster2", "fe_within", "hdfe_demean",  "glm_poisson",
    "csv_parse",   "hdf5_column",  "kmeans",    "mediate_boot", "scenario_draws"};
#define NCASES (sizeof case_names / sizeof case_names[0])

static double num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    assert_non_null(v);
    assert_true(cJSON_IsNumber(v));
    return v->valuedouble;
}

static void test_bench_json(void **state)
{
    (void)state;
    char out_path[1024];
    snprintf(out_path, sizeof out_path, "%s/bench.json", gwt_tmpdir());
    gwt_run_result r = gwt_run_cli("bench", "--quick", "--format", "json", "--reps", "1", "--scale",
                                   "0.01", "--out", out_path, NULL);
    if (r.exit_code != 0)
        fprintf(stderr, "%s\n", r.err);
    assert_int_equal(r.exit_code, 0);
    cJSON *root = cJSON_Parse(r.out);
    assert_non_null(root);

    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "machine");
    assert_true(cJSON_IsObject(m));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "cpu_model")));
    assert_true(num(m, "cores") >= 1);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "blas")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "goodwork_version")));
    const cJSON *commit = cJSON_GetObjectItemCaseSensitive(root, "commit");
    assert_true(cJSON_IsString(commit) || cJSON_IsNull(commit));
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "quick")));
    const cJSON *threads = cJSON_GetObjectItemCaseSensitive(root, "threads");
    assert_true(cJSON_IsArray(threads));
    assert_int_equal(cJSON_GetArraySize(threads), 2);

    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    assert_true(cJSON_IsArray(cases));
    assert_int_equal(cJSON_GetArraySize(cases), (int)(2 * NCASES));
    int seen[NCASES] = {0};
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
        assert_true(cJSON_IsString(name));
        size_t k = 0;
        while (k < NCASES && strcmp(case_names[k], name->valuestring) != 0)
            k++;
        assert_true(k < NCASES);
        seen[k]++;
        assert_true(num(c, "n") >= 1);
        assert_true(num(c, "p") >= 1);
        const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(c, "bytes");
        if (strcmp(name->valuestring, "csv_parse") == 0 ||
            strcmp(name->valuestring, "hdf5_column") == 0)
            assert_true(cJSON_IsNumber(bytes) && bytes->valuedouble > 0);
        else
            assert_true(cJSON_IsNull(bytes));
        double t = num(c, "threads");
        assert_true(t == 1 || t == 2);
        assert_true(num(c, "reps") == 1);
        double med = num(c, "median_s"), lo = num(c, "min_s"), hi = num(c, "max_s");
        assert_true(lo >= 0 && lo <= med && med <= hi);
        double fl = num(c, "floor_median_s");
        assert_true(fl >= 0);
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "floor")));
        const cJSON *ratio = cJSON_GetObjectItemCaseSensitive(c, "ratio");
        assert_true(cJSON_IsNumber(ratio) || cJSON_IsNull(ratio)); /* null: floor below clock */
        const cJSON *tp = cJSON_GetObjectItemCaseSensitive(c, "throughput");
        assert_true(cJSON_IsNumber(tp) || cJSON_IsNull(tp));
        /* The peak and the per-iteration fields: numbers where the case reports them. */
        const cJSON *frac = cJSON_GetObjectItemCaseSensitive(c, "fraction_of_peak");
        if (strcmp(name->valuestring, "ls_chol") == 0 || strcmp(name->valuestring, "ls_qr") == 0)
            assert_true(cJSON_IsNumber(frac) && frac->valuedouble > 0);
        else
            assert_true(cJSON_IsNull(frac));
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(c, "iterations");
        if (strcmp(name->valuestring, "hdfe_demean") == 0 ||
            strcmp(name->valuestring, "fe_within") == 0 ||
            strcmp(name->valuestring, "glm_poisson") == 0 ||
            strcmp(name->valuestring, "kmeans") == 0) {
            assert_true(cJSON_IsNumber(it) && it->valuedouble >= 1);
            assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c, "per_iteration_s")));
        }
        /* The library's results do not depend on the thread count. */
        assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "identical_across_threads")));
    }
    for (size_t k = 0; k < NCASES; k++)
        assert_int_equal(seen[k], 2);
    cJSON_Delete(root);

    /* --out holds the same document. */
    FILE *f = fopen(out_path, "r");
    assert_non_null(f);
    char buf[64];
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_int_equal(buf[0], '{');
    gwt_run_free(&r);
}

static void test_bench_options(void **state)
{
    (void)state;
    gwt_run_result r = gwt_run_cli("bench", "--cases", "nosuch", NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "nosuch"));
    gwt_run_free(&r);
    r = gwt_run_cli("bench", "--format", "xml", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("bench", "--reps", "0", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    /* One case, one thread count, text table. */
    r = gwt_run_cli("bench", "--quick", "--reps", "1", "--scale", "0.01", "--cases", "ls_chol",
                    "--threads", "1", NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "ls_chol"));
    assert_null(strstr(r.out, "kmeans"));
    gwt_run_free(&r);
    /* --from without --plot is a usage error; --plot writes the two scaling plots. */
    r = gwt_run_cli("bench", "--from", "x.json", NULL);
    assert_int_equal(r.exit_code, 2);
    gwt_run_free(&r);
    r = gwt_run_cli("bench", "--quick", "--reps", "1", "--scale", "0.01", "--cases", "ls_chol",
                    "--plot", gwt_tmpdir(), NULL);
    assert_int_equal(r.exit_code, 0);
    gwt_run_free(&r);
    char svg[1024];
    snprintf(svg, sizeof svg, "%s/bench_threads.svg", gwt_tmpdir());
    FILE *f = fopen(svg, "r");
    assert_non_null(f);
    fclose(f);
    snprintf(svg, sizeof svg, "%s/bench_rows.svg", gwt_tmpdir());
    f = fopen(svg, "r");
    assert_non_null(f);
    fclose(f);
}

static const char *bench_doc(const char *file, double ls_s, double hc1_s)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"machine\": {\"cpu_model\": \"x\", \"cores\": 2}, \"blas\": \"b\", "
             "\"threads\": [1], \"commit\": null, \"goodwork_version\": \"0\", \"quick\": true, "
             "\"cases\": [{\"name\": \"ls_chol\", \"threads\": 1, \"median_s\": %.17g}, "
             "{\"name\": \"ols_hc1\", \"threads\": 1, \"median_s\": %.17g}]}\n",
             ls_s, hc1_s);
    return gwt_write_file(file, text);
}

static int run_compare(const char *a, const char *b, const char *threshold, char **out)
{
    const char *script = gwt_source_path("bench/compare");
    const char *argv[] = {"/usr/bin/python3", script, a, b, "--threshold", threshold, NULL};
    gwt_run_result r = gwt_run(argv);
    int code = r.exit_code;
    *out = r.out ? strdup(r.out) : NULL;
    gwt_run_free(&r);
    return code;
}

static void test_compare(void **state)
{
    (void)state;
    const char *old = bench_doc("old.json", 1.0, 2.0);
    const char *same = bench_doc("same.json", 1.05, 1.9); /* within 10% */
    const char *slow = bench_doc("slow.json", 1.0, 2.5);  /* ols_hc1 25% slower */
    char *out = NULL;
    assert_int_equal(run_compare(old, same, "0.10", &out), 0);
    assert_non_null(out);
    assert_null(strstr(out, "REGRESSION"));
    free(out);
    assert_int_equal(run_compare(old, slow, "0.10", &out), 1);
    assert_non_null(strstr(out, "ols_hc1"));
    assert_non_null(strstr(out, "REGRESSION"));
    assert_non_null(strstr(out, "1.250"));
    free(out);
    /* A looser threshold lets the same change pass. */
    assert_int_equal(run_compare(old, slow, "0.30", &out), 0);
    free(out);
    /* Unreadable input is a usage error. */
    const char *bad = gwt_write_file("bad.json", "{not json");
    assert_int_equal(run_compare(old, bad, "0.10", &out), 2);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_json),
        cmocka_unit_test(test_bench_options),
        cmocka_unit_test(test_compare),
    };
    return cmocka_run_group_tests_name("bench_cli", tests, NULL, NULL);
}
