/* test_hdf5_compare.c -- gw_h5_compare_group_ex (every member visited, float64 values measured
 * pair by pair against a tolerance, everything else exact) and gw_h5_attr_set_str (a string
 * attribute set in an existing file). */
#include "gw_test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gw_diff.h"
#include "gw_hdf5.h"

static const char *path_in_tmp(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, 512, "%s/%s", gwt_tmpdir(), name);
    return p;
}

/* A group /analyses/a with a 2 x 3 float64 dataset x, strings s, integers k and an attribute. */
static void write_group(const char *path, const double *x, const char *s0, int64_t k0)
{
    const char *s[2] = {s0, "b"};
    int64_t k[2] = {k0, 2};
    gw_h5_item items[] = {{"x", GW_H5_F64, 2, 3, x, NULL, NULL},
                          {"s", GW_H5_STR, 2, 0, NULL, NULL, s},
                          {"k", GW_H5_I64, 2, 0, NULL, k, NULL}};
    gw_h5_attr attrs[] = {{"r", GW_H5_F64, x[0] * 2, 0, NULL}};
    assert_int_equal(
        gw_results_append_group(path, "/analyses/a", items, 3, attrs, 1, NULL, GW_RESULTS_REPLACE),
        GW_OK);
}

static void test_compare_measures(void **state)
{
    (void)state;
    double x[6] = {1.0, 2.0, 3.0, 4.0, 5.0, 1e-3};
    const char *a = path_in_tmp("a.h5"), *b = path_in_tmp("b.h5");
    write_group(a, x, "a", 1);
    /* Two ULPs at element [1][2] (index 5), one at [0][1]. */
    x[5] = nextafter(nextafter(x[5], 1.0), 1.0);
    x[1] = nextafter(x[1], 3.0);
    write_group(b, x, "a", 1);
    static const char *const ignore[] = {"created_utc", "command_line", "blas"};
    gw_diff d = {0};
    gw_tol u1 = {GW_TOL_ULPS, 0.0, 1};
    assert_int_equal(gw_h5_compare_group_ex(a, b, "/analyses/a", ignore, 3, &u1, &d), GW_OK);
    assert_int_equal(d.ndiffer, 2);
    assert_int_equal(d.nbeyond, 1);
    assert_int_equal(d.nother, 0);
    assert_true(d.max_ulps == 2);
    assert_string_equal(d.where_ulps, "/analyses/a/x[5]");
    assert_string_equal(d.where_abs, "/analyses/a/x[1]"); /* 4.4e-16 absolute beats 4.3e-19 */
    assert_non_null(strstr(d.first_beyond, "/analyses/a/x[5]: values differ"));
    gw_tol u2 = {GW_TOL_ULPS, 0.0, 2};
    memset(&d, 0, sizeof d);
    assert_int_equal(gw_h5_compare_group_ex(a, b, "/analyses/a", ignore, 3, &u2, &d), GW_OK);
    assert_true(gw_diff_within(&d));
    assert_false(gw_diff_identical(&d));
    /* A string and an integer are never within a tolerance; every one is counted. */
    write_group(b, x, "z", 7);
    memset(&d, 0, sizeof d);
    gw_tol r = {GW_TOL_REL, 0.5, 0};
    assert_int_equal(gw_h5_compare_group_ex(a, b, "/analyses/a", ignore, 3, &r, &d), GW_OK);
    assert_int_equal(d.nother, 2);
    assert_int_equal(d.nbeyond, 0);
    assert_false(gw_diff_within(&d));
    /* The scalar attribute is named as such. */
    x[0] = 1.5;
    write_group(b, x, "a", 1);
    memset(&d, 0, sizeof d);
    assert_int_equal(gw_h5_compare_group_ex(a, b, "/analyses/a", ignore, 3, NULL, &d), GW_OK);
    assert_string_equal(d.first, "/analyses/a attribute r: values differ (2, re-run 3)");
    /* The old interface: the first difference. */
    int equal = 1;
    char where[512];
    assert_int_equal(
        gw_h5_compare_group(a, b, "/analyses/a", ignore, 3, &equal, where, sizeof where), GW_OK);
    assert_int_equal(equal, 0);
    assert_string_equal(where, d.first);
}

static void test_attr_set_str(void **state)
{
    (void)state;
    double x[6] = {1, 2, 3, 4, 5, 6};
    const char *a = path_in_tmp("attr.h5");
    write_group(a, x, "a", 1);
    assert_int_equal(gw_h5_attr_set_str(a, "/analyses/a", "results", "out/results.h5"), GW_OK);
    assert_int_equal(gw_h5_attr_set_str(a, "/analyses/a", "results", "final.h5"), GW_OK);
    char **v = NULL;
    size_t n = 0;
    assert_int_equal(gw_h5_read_strings(a, "/analyses/a", "results", &v, &n), GW_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0], "final.h5");
    gw_h5_strings_free(v, n);
    assert_int_equal(gw_h5_attr_set_str(a, "/", "note", "root"), GW_OK);
    assert_int_equal(gw_h5_attr_set_str(a, "/nothere", "x", "y"), GW_ENOVAR);
    assert_int_equal(gw_h5_attr_set_str(path_in_tmp("none.h5"), "/", "x", "y"), GW_EIO);
    assert_int_equal(gw_h5_attr_set_str(a, NULL, "x", "y"), GW_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_measures),
        cmocka_unit_test(test_attr_set_str),
    };
    return cmocka_run_group_tests_name("hdf5_compare", tests, NULL, NULL);
}
