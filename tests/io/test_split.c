/* test_split.c -- the groups of `fit --split VAR` (gw_split.h): a numeric and a categorical
 * variable with missing values, the groups' order and labels, the row masks, and the errors. */
#include <math.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_split.h"
#include "gw_test.h"

/* 6 rows: x numeric (unsorted, a repeat, a NaN), g categorical (a level no row has, a -1). */
static gw_table *table(void)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(6, &t), GW_OK);
    double *x = gw_malloc(6 * sizeof *x);
    const double xv[6] = {2.5, -1.0, NAN, 2.5, 10.0, -1.0};
    memcpy(x, xv, sizeof xv);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    int32_t *c = gw_malloc(6 * sizeof *c);
    const int32_t cv[6] = {2, 0, 2, -1, 0, 2};
    memcpy(c, cv, sizeof cv);
    char **lev = gw_malloc(3 * sizeof *lev);
    lev[0] = gw_strdup("b");
    lev[1] = gw_strdup("unused");
    lev[2] = gw_strdup("a");
    assert_int_equal(gw_table_add_categorical_take(t, "g", c, lev, 3), GW_OK);
    double *m = gw_malloc(6 * sizeof *m);
    for (size_t r = 0; r < 6; r++)
        m[r] = NAN;
    assert_int_equal(gw_table_add_numeric_take(t, "missing", m), GW_OK);
    return t;
}

/* The groups of var are labels[0..n-1] with the masks masks[g] (one char per row, '1'/'0'). */
static void expect_groups(const gw_table *t, const char *var, const char *const *labels,
                          const char *const *masks, size_t n)
{
    gw_split *s = NULL;
    assert_int_equal(gw_split_new(t, var, &s), GW_OK);
    assert_string_equal(gw_split_var(s), var);
    assert_int_equal(gw_split_ngroups(s), n);
    for (size_t g = 0; g < n; g++) {
        unsigned char keep[6];
        char got[7];
        size_t count = gw_split_mask(s, g, keep), want = 0;
        for (size_t r = 0; r < 6; r++) {
            got[r] = keep[r] ? '1' : '0';
            want += masks[g][r] == '1';
        }
        got[6] = '\0';
        assert_string_equal(gw_split_label(s, g), labels[g]);
        assert_string_equal(got, masks[g]);
        assert_int_equal(count, want);
    }
    gw_split_free(s);
}

static void test_numeric(void **state)
{
    (void)state;
    gw_table *t = table();
    /* increasing values; the NaN row in no group */
    expect_groups(t, "x", (const char *const[]){"-1", "2.5", "10"},
                  (const char *const[]){"010001", "100100", "000010"}, 3);
    gw_table_free(t);
}

static void test_categorical(void **state)
{
    (void)state;
    gw_table *t = table();
    /* level order (b before a), the level no row has left out, code -1 in no group */
    expect_groups(t, "g", (const char *const[]){"b", "a"},
                  (const char *const[]){"010010", "101001"}, 2);
    gw_table_free(t);
}

static void test_errors(void **state)
{
    (void)state;
    gw_table *t = table();
    gw_split *s = (gw_split *)&s;
    assert_int_equal(gw_split_new(t, "nosuch", &s), GW_ENOVAR);
    assert_null(s);
    assert_string_equal(gw_last_error(), "unknown --split variable 'nosuch'");
    assert_int_equal(gw_split_new(t, "missing", &s), GW_ENODATA);
    assert_null(s);
    assert_int_equal(gw_split_new(t, "", &s), GW_EINVAL);
    assert_int_equal(gw_split_new(NULL, "x", &s), GW_EINVAL);
    assert_int_equal(gw_split_new(t, "x", NULL), GW_EINVAL);
    gw_split_free(NULL);
    gw_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numeric),
        cmocka_unit_test(test_categorical),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
