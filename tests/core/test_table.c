/* test_table.c -- gw_table_subset (core/table.c): rows and columns chosen, in order, the values
 * and codes copied exactly (NaN and missing codes included), every level kept, unknown names
 * left out, the source unchanged, and NULL arguments refused with a message. */
#include <math.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_table.h"
#include "gw_test.h"

/* A table of 5 rows: x numeric (with a NaN), g categorical (levels a, b, c; one missing). */
static gw_table *make_table(void)
{
    static const double xv[] = {1.5, -2.0, (double)NAN, 4.25, 1e300};
    static const int32_t gv[] = {0, 2, GW_CODE_MISSING, 1, 0};
    static const char *const lv[] = {"a", "b", "c"};
    gw_table *t = NULL;
    double *x = gw_alloc_array(5, sizeof *x);
    int32_t *g = gw_alloc_array(5, sizeof *g);
    char **lev = gw_calloc(3, sizeof *lev);
    assert_true(x && g && lev);
    memcpy(x, xv, sizeof xv);
    memcpy(g, gv, sizeof gv);
    for (size_t l = 0; l < 3; l++)
        assert_non_null(lev[l] = gw_strdup(lv[l]));
    assert_int_equal(gw_table_new(5, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "g", g, lev, 3), GW_OK);
    return t;
}

static void test_table_subset_rows_and_columns(void **state)
{
    (void)state;
    gw_table *t = make_table(), *s = NULL;
    static const unsigned char keep[] = {0, 1, 1, 0, 1};
    static const char *const cols[] = {"g", "nosuch", "x"};
    assert_int_equal(gw_table_subset(t, keep, cols, 3, &s), GW_OK);
    assert_int_equal(gw_table_nrows(s), 3);
    assert_int_equal(gw_table_ncols(s), 2);
    assert_string_equal(gw_table_colname(s, 0), "g");
    assert_string_equal(gw_table_colname(s, 1), "x");
    const double *x = gw_table_numeric(s, 1);
    gw_assert_close(x[0], -2.0, 0.0, 0.0);
    assert_true(isnan(x[1]));
    gw_assert_close(x[2], 1e300, 0.0, 0.0);
    const int32_t *g = gw_table_codes(s, 0);
    assert_int_equal(g[0], 2);
    assert_int_equal(g[1], GW_CODE_MISSING);
    assert_int_equal(g[2], 0);
    assert_int_equal(gw_table_nlevels(s, 0), 3); /* "b" kept though no row uses it */
    assert_string_equal(gw_table_level(s, 0, 1), "b");
    /* The source is unchanged. */
    assert_int_equal(gw_table_nrows(t), 5);
    gw_assert_close(gw_table_numeric(t, 0)[3], 4.25, 0.0, 0.0);
    gw_table_free(s);
    gw_table_free(t);
}

static void test_table_subset_all_and_none(void **state)
{
    (void)state;
    gw_table *t = make_table(), *s = NULL;
    static const unsigned char none[] = {0, 0, 0, 0, 0};
    assert_int_equal(gw_table_subset(t, NULL, NULL, 0, &s), GW_OK);
    assert_int_equal(gw_table_nrows(s), 5);
    assert_int_equal(gw_table_ncols(s), 2);
    assert_memory_equal(gw_table_numeric(s, 0), gw_table_numeric(t, 0), 5 * sizeof(double));
    assert_memory_equal(gw_table_codes(s, 1), gw_table_codes(t, 1), 5 * sizeof(int32_t));
    gw_table_free(s);
    assert_int_equal(gw_table_subset(t, none, NULL, 0, &s), GW_OK);
    assert_int_equal(gw_table_nrows(s), 0);
    assert_int_equal(gw_table_ncols(s), 2);
    gw_table_free(s);
    gw_table_free(t);
}

static void test_table_subset_null(void **state)
{
    (void)state;
    gw_table *t = make_table(), *s = (gw_table *)(void *)&s;
    assert_int_equal(gw_table_subset(NULL, NULL, NULL, 0, &s), GW_EINVAL);
    assert_null(s);
    assert_true(gw_last_error()[0] != '\0');
    assert_int_equal(gw_table_subset(t, NULL, NULL, 0, NULL), GW_EINVAL);
    gw_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_subset_rows_and_columns),
        cmocka_unit_test(test_table_subset_all_and_none),
        cmocka_unit_test(test_table_subset_null),
    };
    return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
