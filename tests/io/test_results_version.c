/* test_results_version.c -- results files carry a format version (issue 17, "Results-file
 * versions"; gw_hdf5.h, GW_RESULTS_FORMAT_*).
 *
 * tests/io/fixtures/results_v1_0.h5 was written by `goodwork fit` when the version was introduced
 * (format 1.0, goodwork 0.1.0; how: tests/io/fixtures/README.md) and must stay readable by every
 * later goodwork: its model is checked against the least-squares fit of its five points worked by
 * hand. Copies of it with the attribute edited check the rules: a newer major is refused by
 * readers and appenders alike (GW_EFORMAT; `goodwork table` exit 3), a newer minor is read and
 * kept by an append, a malformed version is an error, and a file without the attribute (written
 * before it existed) reads as 1.0 and gets 1.0 on its next append. */
#include "gw_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gw_hdf5.h"
#include "gw_result.h"
#include "hdf5_int.h"

static const char *fixture(void) { return gwt_source_path("tests/io/fixtures/results_v1_0.h5"); }

/* A copy of the fixture under the test directory, with format_version set to value (removed when
 * value is NULL). */
static const char *copy_with_version(const char *name, const char *value)
{
    static char path[8][1024];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, 1024, "%s/%s", gwt_tmpdir(), name);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", fixture(), p);
    assert_int_equal(system(cmd), 0);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    if (H5Aexists(f, "format_version") > 0)
        assert_true(H5Adelete(f, "format_version") >= 0);
    if (value != NULL)
        assert_true(gwi_attr_str(f, "format_version", value) >= 0);
    assert_true(H5Fclose(f) >= 0);
    return p;
}

static char *root_version(const char *path)
{
    char **s = NULL;
    size_t n = 0;
    if (gw_h5_read_strings(path, "/", "format_version", &s, &n) != GW_OK)
        return NULL;
    assert_int_equal(n, 1);
    char *v = strdup(s[0]);
    gw_h5_strings_free(s, n);
    return v;
}

static int append_one(const char *path)
{
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(1, &r), GW_OK);
    gw_result_set_str(&r->estimator, "ols");
    gw_result_set_str(&r->terms[0], "x");
    r->estimate[0] = 1;
    gw_status s = gw_results_append(path, "added", r, NULL);
    gw_result_free(r);
    return (int)s;
}

/* The fixture: y = (2, 4, 5, 4, 5) on x = 1..5. By hand: slope Sxy/Sxx = 6/10 = 0.6, intercept
 * 4 - 0.6 * 3 = 2.2, RSS = 2.4, sigma^2 = 2.4 / 3 = 0.8, se(slope) = sqrt(0.8 / 10), se(intercept)
 * = sqrt(0.8 * (1/5 + 9/10)), TSS = 6, R^2 = 0.6. */
static void test_fixture_v1_0_stays_readable(void **state)
{
    (void)state;
    gw_results *res = NULL;
    if (gw_results_open(fixture(), &res) != GW_OK)
        fail_msg("%s", gw_last_error());
    unsigned major = 0, minor = 0;
    gw_results_format_version(res, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 0);
    assert_int_equal(gw_results_nmodels(res), 1);
    assert_string_equal(gw_results_model_name(res, 0), "simple");
    gw_result *r = NULL;
    assert_int_equal(gw_results_get(res, "simple", &r), GW_OK);
    assert_int_equal(r->k, 2);
    assert_string_equal(r->terms[0], "(Intercept)");
    assert_string_equal(r->terms[1], "x");
    assert_string_equal(r->formula, "y ~ x");
    assert_string_equal(r->estimator, "ols");
    assert_string_equal(r->vcov_type, "iid");
    assert_int_equal(r->nobs, 5);
    gw_assert_close(r->estimate[0], 2.2, 1e-14, 0);
    gw_assert_close(r->estimate[1], 0.6, 1e-14, 0);
    gw_assert_close(r->std_error[0], sqrt(0.8 * 1.1), 1e-14, 0);
    gw_assert_close(r->std_error[1], sqrt(0.08), 1e-14, 0);
    gw_assert_close(r->vcov[1 + 0 * 2], -0.8 * 3 / 10, 1e-14, 0);
    gw_assert_close(r->rss, 2.4, 1e-14, 0);
    gw_assert_close(r->r2, 0.6, 1e-14, 0);
    gw_assert_close(r->df_resid, 3, 0, 0);
    gw_provenance p;
    assert_int_equal(gw_results_provenance(res, NULL, &p), GW_OK);
    assert_string_equal(p.version, "0.1.0");
    /* sha256sum tests/io/fixtures/results_v1_0.csv */
    assert_string_equal(p.data_sha256,
                        "9773c507d7abbe3c2f48a1cb3124a6a626daa566e199e7928ef85b9d64522b4a");
    gw_result_free(r);
    gw_results_close(res);
    char *v = root_version(fixture());
    assert_string_equal(v, "1.0");
    free(v);
}

/* A newer major: refused by the reader, by an append (file unchanged) and by the commands. */
static void test_newer_major_refused(void **state)
{
    (void)state;
    const char *p = copy_with_version("v2.h5", "2.0");
    struct stat before, after;
    assert_int_equal(stat(p, &before), 0);
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(p, &res), GW_EFORMAT);
    assert_null(res);
    const char *e = gw_last_error();
    if (strstr(e, "results file format 2.0 is newer than this goodwork") == NULL ||
        strstr(e, "use a later goodwork") == NULL)
        fail_msg("message: %s", e);
    assert_int_equal(append_one(p), GW_EFORMAT);
    assert_int_equal(stat(p, &after), 0);
    assert_true(before.st_ino == after.st_ino && before.st_size == after.st_size);

    gwt_run_result t = gwt_run_cli("table", p, NULL);
    assert_int_equal(t.exit_code, 3);
    assert_non_null(strstr(t.err, "goodwork: error: "));
    assert_non_null(strstr(t.err, "results file format 2.0 is newer"));
    assert_string_equal(t.out, "");
    gwt_run_free(&t);
    const char *csv = gwt_source_path("tests/io/fixtures/results_v1_0.csv");
    t = gwt_run_cli("fit", "--data", csv, "--model", "y ~ x", "--out", p, NULL);
    assert_int_equal(t.exit_code, 1); /* the output cannot be written */
    assert_non_null(strstr(t.err, "results file format 2.0 is newer"));
    gwt_run_free(&t);
}

/* A newer minor of the same major is read, and an append keeps the file's version. */
static void test_newer_minor_read_and_kept(void **state)
{
    (void)state;
    const char *p = copy_with_version("v1_7.h5", "1.7");
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(p, &res), GW_OK);
    unsigned major = 0, minor = 0;
    gw_results_format_version(res, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 7);
    gw_results_close(res);
    assert_int_equal(append_one(p), GW_OK);
    char *v = root_version(p);
    assert_string_equal(v, "1.7");
    free(v);
}

/* No attribute (a file from before versions): 1.0, and the next append records 1.0. */
static void test_missing_version_is_1_0(void **state)
{
    (void)state;
    const char *p = copy_with_version("v_none.h5", NULL);
    assert_null(root_version(p));
    gw_results *res = NULL;
    assert_int_equal(gw_results_open(p, &res), GW_OK);
    unsigned major = 9, minor = 9;
    gw_results_format_version(res, &major, &minor);
    assert_int_equal(major, 1);
    assert_int_equal(minor, 0);
    gw_results_close(res);
    assert_int_equal(append_one(p), GW_OK);
    char *v = root_version(p);
    assert_string_equal(v, "1.0");
    free(v);
}

static void test_malformed_version_is_an_error(void **state)
{
    (void)state;
    const char *bad[] = {"", "1", "1.", ".1", "1.0.0", "v1.0", "1.x", " 1.0", "-1.0", "99999.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *p = copy_with_version("v_bad.h5", bad[i]);
        gw_results *res = NULL;
        if (gw_results_open(p, &res) != GW_EFORMAT)
            fail_msg("format_version '%s' was accepted", bad[i]);
        if (strstr(gw_last_error(), "is not MAJOR.MINOR") == NULL)
            fail_msg("'%s': %s", bad[i], gw_last_error());
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_v1_0_stays_readable),
        cmocka_unit_test(test_newer_major_refused),
        cmocka_unit_test(test_newer_minor_read_and_kept),
        cmocka_unit_test(test_missing_version_is_1_0),
        cmocka_unit_test(test_malformed_version_is_an_error),
    };
    return cmocka_run_group_tests_name("results_version", tests, NULL, NULL);
}
