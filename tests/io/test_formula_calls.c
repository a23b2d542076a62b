/* test_formula_calls.c -- the formula calls of issue 19: poly(x, d [, raw = TRUE]),
 * factor(x, ref = v), i(x [, by] [, ref = v | c(...)]), l(x, k), f(x, k), d(x): their kinds,
 * arguments and names, and a table of syntax errors each checked for its status, its reason
 * and the column of its caret. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_test.h"

/* The only factor of the only term of "y ~ TEXT". */
static const gw_formula_factor *one(gw_formula **f, const char *rhs)
{
    char text[256];
    snprintf(text, sizeof text, "y ~ %s", rhs);
    *f = gwt_formula_parse_ok(text);
    assert_int_equal(gw_formula_nterms(*f), 1);
    assert_int_equal(gw_formula_term_at(*f, 0)->nfactors, 1);
    return &gw_formula_term_at(*f, 0)->factors[0];
}

static void test_poly(void **state)
{
    (void)state;
    gw_formula *f;
    const gw_formula_factor *x = one(&f, "poly( exper , 2 )");
    assert_int_equal(x->kind, GW_FF_POLY);
    assert_int_equal(x->exponent, 2);
    assert_int_equal(x->raw, 0);
    assert_string_equal(x->var, "exper");
    assert_string_equal(x->name, "poly(exper,2)");
    assert_int_equal(x->pos, 10);
    gw_formula_free(f);
    x = one(&f, "poly(exper, 3, raw = TRUE)");
    assert_int_equal(x->raw, 1);
    assert_string_equal(x->name, "poly(exper,3,raw=TRUE)");
    gw_formula_free(f);
    x = one(&f, "poly(`my x`, 1, raw = F)");
    assert_int_equal(x->raw, 0);
    assert_string_equal(x->name, "poly(my x,1)");
    gw_formula_free(f);
}

static void test_factor_ref(void **state)
{
    (void)state;
    gw_formula *f;
    const gw_formula_factor *x = one(&f, "factor(year, ref = 1979)");
    assert_int_equal(x->kind, GW_FF_FACTOR);
    assert_string_equal(x->name, "factor(year)"); /* the dummies stay factor(year)=LEVEL */
    assert_int_equal(x->nref, 1);
    assert_string_equal(x->refs[0].text, "1979");
    assert_int_equal(x->refs[0].is_str, 0);
    assert_int_equal(x->refs[0].pos, 23);
    gw_formula_free(f);
    x = one(&f, "factor(region, ref = \"North East\")");
    assert_string_equal(x->refs[0].text, "North East");
    assert_int_equal(x->refs[0].is_str, 1);
    gw_formula_free(f);
    /* Numbers are kept in their shortest form: -1.50 is -1.5, 2e3 is 2000. */
    x = one(&f, "factor(rel, ref = -1.50)");
    assert_string_equal(x->refs[0].text, "-1.5");
    gw_formula_free(f);
    x = one(&f, "factor(rel, ref = 2e3)");
    assert_string_equal(x->refs[0].text, "2000");
    gw_formula_free(f);
    /* factor(x) without ref is unchanged. */
    x = one(&f, "factor(year)");
    assert_int_equal(x->nref, 0);
    gw_formula_free(f);
}

static void test_i(void **state)
{
    (void)state;
    gw_formula *f;
    const gw_formula_factor *x = one(&f, "i(year)");
    assert_int_equal(x->kind, GW_FF_I);
    assert_int_equal(x->nref, 0);
    assert_string_equal(x->name, "i(year)");
    gw_formula_free(f);
    x = one(&f, "i(rel, ref = c(-1, -5))");
    assert_int_equal(x->nref, 2);
    assert_string_equal(x->refs[0].text, "-1");
    assert_string_equal(x->refs[1].text, "-5");
    assert_string_equal(x->name, "i(rel,ref=c(-1,-5))");
    gw_formula_free(f);
    /* i(x, by): one term of two factors, i(x) then by. */
    f = gwt_formula_parse_ok("y ~ i(year, treated, ref = 2015) + treated");
    assert_int_equal(gw_formula_nterms(f), 2);
    const gw_formula_term *t = gw_formula_term_at(f, 0);
    assert_int_equal(t->nfactors, 2);
    assert_int_equal(t->factors[0].kind, GW_FF_I);
    assert_string_equal(t->factors[0].name, "i(year,treated,ref=2015)");
    assert_int_equal(t->factors[1].kind, GW_FF_I_BY);
    assert_string_equal(t->factors[1].var, "treated");
    assert_int_equal(t->factors[1].pos, 12);
    assert_string_equal(gw_formula_term_at(f, 1)->name, "treated");
    gw_formula_free(f);
    x = one(&f, "i(region, ref = \"London\")");
    assert_string_equal(x->name, "i(region,ref=\"London\")");
    gw_formula_free(f);
}

static void test_lags(void **state)
{
    (void)state;
    static const struct {
        const char *rhs, *name;
        long lag;
        int diff;
    } cases[] = {
        {"l(x)", "l(x,1)", 1, 0},      {"l(x, 2)", "l(x,2)", 2, 0}, {"l(x, -1)", "l(x,-1)", -1, 0},
        {"l(x, 0)", "l(x,0)", 0, 0},   {"f(x)", "f(x,1)", -1, 0},   {"f(x, 3)", "f(x,3)", -3, 0},
        {"f(x, -2)", "f(x,-2)", 2, 0}, {"d(x)", "d(x)", 1, 1},      {"d(x, 2)", "d(x,2)", 2, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        gw_formula *f;
        const gw_formula_factor *x = one(&f, cases[c].rhs);
        assert_int_equal(x->kind, GW_FF_LAG);
        assert_string_equal(x->name, cases[c].name);
        assert_int_equal(x->lag, cases[c].lag);
        assert_int_equal(x->diff, cases[c].diff);
        gw_formula_free(f);
    }
    /* A range of lags expands in place into one term per lag. */
    gw_formula *r = gwt_formula_parse_ok("y ~ z + l(x, 1:3) + f(x, 0:1) + w");
    static const char *const want[] = {"z", "l(x,1)", "l(x,2)", "l(x,3)", "f(x,0)", "f(x,1)", "w"};
    assert_int_equal(gw_formula_nterms(r), 7);
    for (size_t k = 0; k < 7; k++)
        assert_string_equal(gw_formula_term_at(r, k)->name, want[k]);
    assert_int_equal(gw_formula_term_at(r, 5)->factors[0].lag, -1);
    assert_int_equal(gw_formula_term_at(r, 2)->factors[0].lag, 2);
    gw_formula_free(r);
    /* A lag may be the response and may enter interactions. */
    gw_formula *f = gwt_formula_parse_ok("d(y) ~ l(x, 1):z + l(x,1)*w");
    assert_string_equal(gw_formula_response(f)->name, "d(y)");
    assert_string_equal(gw_formula_term_at(f, 0)->name, "l(x,1):z");
    assert_int_equal(gw_formula_nterms(f), 4);
    gw_formula_free(f);
}

static void test_call_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long caret;
        const char *why;
    } cases[] = {
        {"y ~ poly(x)", 10, "poly() needs a degree"},
        {"y ~ poly(x, 0)", 12, "the degree of poly() must be an integer from 1 to 255"},
        {"y ~ poly(x, 2.5)", 12, "the degree of poly()"},
        {"y ~ poly(x, 2, raw = yes)", 21, "raw = takes TRUE or FALSE"},
        {"y ~ poly(x, 2, 3)", 15, "unexpected argument of poly()"},
        {"y ~ poly(x, 2)^2", 14, "'^' cannot follow a function call"},
        {"y ~ z:poly(x, 2)", 11, "poly() cannot be part of an interaction"},
        {"y ~ z*poly(x, 2)", 11, "poly() cannot be part of an interaction"},
        {"poly(y, 2) ~ x", 0, "the response cannot be poly(...)"},
        {"y ~ poly(log(x), 2)", 9, "cannot be nested"},
        {"y ~ factor(x, ref = c(1, 2))", 20, "factor() takes one reference level"},
        {"y ~ factor(x, ref = a)", 20, "a reference level is a number or a \"string\""},
        {"y ~ factor(x, ref = \"a)", 20, "unterminated string"},
        {"y ~ factor(x, 2)", 14, "unexpected argument of factor()"},
        {"y ~ factor(x, ref = 1, ref = 2)", 23, "unexpected argument of factor()"},
        {"y ~ i(x):z", 6, "i() (write i(x, by) for a product) cannot be part of an interaction"},
        {"y ~ i(x, z, w)", 12, "unexpected argument of i()"},
        {"y ~ i(x, ref = c(1, )", 20, "a reference level is a number"},
        {"y ~ i(x, ref = c(1, 2)", 22, "the '(' at column 6 is not closed"},
        {"i(y) ~ x", 0, "the response cannot be i(...)"},
        {"y ~ l(x, 1.5)", 9, "the lag must be an integer from -1000000 to 1000000"},
        {"y ~ l(x, 2000000)", 9, "the lag must be an integer"},
        {"y ~ l(x, +1)", 9, "the lag must be an integer"},
        {"y ~ d(x, -1)", 9, "the lag of d() must be an integer from 1"},
        {"y ~ l(x, 1, 2)", 12, "unexpected argument of l()"},
        {"y ~ l(x, 1:2):z", 9, "a range of lags must stand alone as a term"},
        {"y ~ z*l(x, 1:2)", 11, "a range of lags must stand alone as a term"},
        {"l(y, 1:2) ~ x", 5, "the response cannot be a range of lags"},
        {"y ~ l(x, 3:2)", 11, "the end of the range of lags must be an integer from 3 to 102"},
        {"y ~ l(x, 1:200)", 11, "the end of the range of lags"},
        {"y ~ d(x, 1:2)", 10, "d() takes one lag, not a range"},
        {"y ~ l(x, 1 2)", 11, "expected ')'"},
        {"y ~ x, z", 5, "unexpected ','"},
        {"y ~ x = z", 6, "unexpected '='"},
        {"y ~ \"x\"", 4, "expected a variable"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        gwt_formula_syntax_error(cases[k].text, cases[k].caret, cases[k].why);
}

static void test_calls_out_of_memory(void **state)
{
    (void)state;
    const char *text = "d(y) ~ poly(x, 2) + factor(a, ref = \"b\") + i(t, w, ref = c(-1, -5)) + "
                       "l(x, 2):z";
    gwt_formula_parse_oom(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_poly),        cmocka_unit_test(test_factor_ref),
        cmocka_unit_test(test_i),           cmocka_unit_test(test_lags),
        cmocka_unit_test(test_call_errors), cmocka_unit_test(test_calls_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
