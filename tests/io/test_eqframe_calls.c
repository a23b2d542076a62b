/* test_eqframe_calls.c -- a stored model's regressors rebuilt over a table (gw_eqframe.h, what
 * goodwork scenario uses) with the formula calls of issue 19: factor(x, ref = v) keeps its
 * reference (the same dummies as the fit), while poly(), i() and lags are refused. */
#include <stdint.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_test.h"

static void test_eqframe_factor_ref(void **state)
{
    (void)state;
    gw_table *t = NULL;
    gw_eqframe *e = NULL;
    gw_design *d = NULL;
    double *x = gw_alloc_array(4, sizeof *x);
    int32_t *g = gw_alloc_array(4, sizeof *g);
    char **lev = gw_calloc(3, sizeof *lev);
    assert_non_null(x);
    assert_non_null(g);
    assert_non_null(lev);
    const double xv[4] = {1, 2, 3, 4};
    const int32_t gv[4] = {0, 1, 2, 1};
    memcpy(x, xv, sizeof xv);
    memcpy(g, gv, sizeof gv);
    lev[0] = gw_strdup("a");
    lev[1] = gw_strdup("b");
    lev[2] = gw_strdup("c");
    assert_int_equal(gw_table_new(4, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    assert_int_equal(gw_table_add_categorical_take(t, "g", g, lev, 3), GW_OK);
    assert_int_equal(gw_eqframe_new("y ~ x + factor(g, ref = \"b\")", &e), GW_OK);
    assert_int_equal(gw_eqframe_build(e, t, &d), GW_OK);
    assert_int_equal(d->p, 4);
    assert_string_equal(d->terms[2], "factor(g)=a");
    assert_string_equal(d->terms[3], "factor(g)=c");
    gw_design_free(d);
    gw_eqframe_free(e);
    gw_table_free(t);

    static const char *const refused[] = {"y ~ poly(x, 2)", "y ~ i(g, ref = \"a\")",
                                          "y ~ x + l(x, 1)", "y ~ i(g, x)"};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(gw_eqframe_new(refused[k], &e), GW_EUNSUPPORTED);
        assert_null(e);
        assert_non_null(strstr(gw_last_error(), "cannot be propagated"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_eqframe_factor_ref)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
