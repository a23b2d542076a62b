/* test_formula.c -- the formula parser: every grammar form, the expansion of "*", removal,
 * term names, the fixed-effects and IV parts, and a table of syntax errors each checked for
 * its status, its reason and the column of its caret. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_test.h"

/* Checks that the terms of a term list are exactly the names in want (NULL-terminated). */
static void expect_terms(const gw_formula *f, const char *const *want)
{
    size_t n = 0;
    while (want[n] != NULL)
        n++;
    if (gw_formula_nterms(f) != n)
        fail_msg("'%s': %zu terms, expected %zu", gw_formula_text(f), gw_formula_nterms(f), n);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(gw_formula_term_at(f, k)->name, want[k]);
}

static void test_parse_basic(void **state)
{
    (void)state;
    gw_formula *f = gwt_formula_parse_ok("y ~ x + z");
    assert_string_equal(gw_formula_text(f), "y ~ x + z");
    assert_string_equal(gw_formula_response(f)->name, "y");
    assert_int_equal(gw_formula_response(f)->kind, GW_FF_VAR);
    assert_int_equal(gw_formula_has_intercept(f), 1);
    expect_terms(f, (const char *const[]){"x", "z", NULL});
    assert_int_equal(gw_formula_nfe(f), 0);
    assert_int_equal(gw_formula_has_iv(f), 0);
    const gw_formula_term *t = gw_formula_term_at(f, 1);
    assert_int_equal(t->nfactors, 1);
    assert_string_equal(t->factors[0].var, "z");
    assert_int_equal(t->factors[0].pos, 8);
    assert_int_equal(t->pos, 8);
    gw_formula_free(f);

    /* White space is free, including none at all and newlines. */
    f = gwt_formula_parse_ok("  y~x+z\n\t ");
    expect_terms(f, (const char *const[]){"x", "z", NULL});
    gw_formula_free(f);

    /* Names with dots, underscores and digits; backquoted names. */
    f = gwt_formula_parse_ok("y.1 ~ .x + x_2 + `my var` + b.2.c");
    assert_string_equal(gw_formula_response(f)->name, "y.1");
    expect_terms(f, (const char *const[]){".x", "x_2", "my var", "b.2.c", NULL});
    assert_string_equal(gw_formula_term_at(f, 2)->factors[0].var, "my var");
    gw_formula_free(f);
}

static void test_parse_transforms(void **state)
{
    (void)state;
    gw_formula *f =
        gwt_formula_parse_ok("log( y ) ~ x ^ 2 + log(x) + exp( x ) + sqrt(x) + abs(x) + "
                             "I(x ^ 3) + factor( region )");
    const gw_formula_factor *r = gw_formula_response(f);
    assert_int_equal(r->kind, GW_FF_FUNC);
    assert_int_equal(r->func, GW_FN_LOG);
    assert_string_equal(r->name, "log(y)");
    assert_string_equal(r->var, "y");
    assert_int_equal(r->pos, 5);
    expect_terms(f, (const char *const[]){"x^2", "log(x)", "exp(x)", "sqrt(x)", "abs(x)", "I(x^3)",
                                          "factor(region)", NULL});
    static const gw_ffkind kinds[] = {GW_FF_POWER, GW_FF_FUNC,    GW_FF_FUNC,  GW_FF_FUNC,
                                      GW_FF_FUNC,  GW_FF_I_POWER, GW_FF_FACTOR};
    static const gw_ffunc funcs[] = {GW_FN_NONE, GW_FN_LOG,  GW_FN_EXP, GW_FN_SQRT,
                                     GW_FN_ABS,  GW_FN_NONE, GW_FN_NONE};
    static const unsigned expo[] = {2, 1, 1, 1, 1, 3, 1};
    for (size_t k = 0; k < 7; k++) {
        const gw_formula_factor *ff = &gw_formula_term_at(f, k)->factors[0];
        assert_int_equal(ff->kind, kinds[k]);
        assert_int_equal(ff->func, funcs[k]);
        assert_int_equal(ff->exponent, expo[k]);
    }
    assert_string_equal(gw_formula_term_at(f, 6)->factors[0].var, "region");
    gw_formula_free(f);

    f = gwt_formula_parse_ok("y^2 ~ I(x^10) + x^255");
    assert_int_equal(gw_formula_response(f)->kind, GW_FF_POWER);
    assert_string_equal(gw_formula_response(f)->name, "y^2");
    assert_int_equal(gw_formula_term_at(f, 0)->factors[0].exponent, 10);
    assert_int_equal(gw_formula_term_at(f, 1)->factors[0].exponent, 255);
    gw_formula_free(f);
}

static void test_parse_interactions(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int intercept;
        const char *terms[9];
    } cases[] = {
        {"y ~ a*b", 1, {"a", "b", "a:b", NULL}},
        {"y ~ a * b * c", 1, {"a", "b", "c", "a:b", "a:c", "b:c", "a:b:c", NULL}},
        {"y ~ a*b*c*d - a*b*c*d + x", 1, {"x", NULL}},
        {"y ~ a:b + b:a", 1, {"a:b", NULL}},
        {"y ~ x:x", 1, {"x", NULL}},
        {"y ~ x + x", 1, {"x", NULL}},
        {"y ~ a*b - a:b", 1, {"a", "b", NULL}},
        {"y ~ a*b - a", 1, {"b", "a:b", NULL}},
        {"y ~ - a + a*b", 1, {"b", "a:b", NULL}},
        {"y ~ a:b*c", 1, {"a:b", "c", "a:b:c", NULL}},
        {"y ~ log(x):factor(g) + x^2*z", 1, {"log(x):factor(g)", "x^2", "z", "x^2:z", NULL}},
        {"y ~ a + b - c", 1, {"a", "b", NULL}},
        {"y ~ a*a", 1, {"a", NULL}},
        {"y ~ b:a + a:b:a", 1, {"b:a", NULL}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = gwt_formula_parse_ok(cases[k].text);
        assert_int_equal(gw_formula_has_intercept(f), cases[k].intercept);
        expect_terms(f, cases[k].terms);
        gw_formula_free(f);
    }
    gw_formula *f = gwt_formula_parse_ok("y ~ a*b");
    const gw_formula_term *t = gw_formula_term_at(f, 2);
    assert_int_equal(t->nfactors, 2);
    assert_string_equal(t->factors[0].var, "a");
    assert_string_equal(t->factors[1].var, "b");
    assert_int_equal(t->factors[1].pos, 6);
    gw_formula_free(f);

    /* GW_FORMULA_MAX_STAR operands are fine (1023 terms). */
    f = gwt_formula_parse_ok("y ~ a*b*c*d*e*f*g*h*i*j");
    assert_int_equal(gw_formula_nterms(f), 1023);
    assert_string_equal(gw_formula_term_at(f, 1022)->name, "a:b:c:d:e:f:g:h:i:j");
    assert_string_equal(gw_formula_term_at(f, 10)->name, "a:b");
    assert_string_equal(gw_formula_term_at(f, 11)->name, "a:c");
    gw_formula_free(f);
}

static void test_parse_intercept(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int intercept;
        size_t nterms;
    } cases[] = {
        {"y ~ x - 1", 0, 1},  {"y ~ 0 + x", 0, 1},     {"y ~ x + 0", 0, 1},
        {"y ~ -1 + x", 0, 1}, {"y ~ x - 1 + 1", 1, 1}, {"y ~ 0 + x - 0", 1, 1},
        {"y ~ 1", 1, 0},      {"y ~ 0", 0, 0},         {"y ~ +x", 1, 1},
        {"y ~ 1 + x", 1, 1},  {"y ~ -1", 0, 0},        {"y ~ x - 1 | firm", 0, 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = gwt_formula_parse_ok(cases[k].text);
        if (gw_formula_has_intercept(f) != cases[k].intercept)
            fail_msg("'%s': intercept %d", cases[k].text, gw_formula_has_intercept(f));
        assert_int_equal(gw_formula_nterms(f), cases[k].nterms);
        gw_formula_free(f);
    }
}

static void test_parse_fixed_effects_and_iv(void **state)
{
    (void)state;
    gw_formula *f = gwt_formula_parse_ok(
        "life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) | la_id + year");
    expect_terms(
        f, (const char *const[]){"emp_rate", "autonomy_share", "log(median_hourly_pay)", NULL});
    assert_int_equal(gw_formula_nfe(f), 2);
    assert_string_equal(gw_formula_fe(f, 0), "la_id");
    assert_string_equal(gw_formula_fe(f, 1), "year");
    assert_int_equal(gw_formula_fe_pos(f, 1), 72);
    assert_int_equal(gw_formula_has_iv(f), 0);
    gw_formula_free(f);

    f = gwt_formula_parse_ok("y ~ x | firm + firm");
    assert_int_equal(gw_formula_nfe(f), 1);
    gw_formula_free(f);

    /* IV without fixed effects: the part after "|" holds a "~". */
    f = gwt_formula_parse_ok("lpacks ~ lrincome | lrprice ~ tdiff + rtax");
    expect_terms(f, (const char *const[]){"lrincome", NULL});
    assert_int_equal(gw_formula_nfe(f), 0);
    assert_int_equal(gw_formula_has_iv(f), 1);
    assert_int_equal(gw_formula_nendog(f), 1);
    assert_string_equal(gw_formula_endog(f, 0)->name, "lrprice");
    assert_int_equal(gw_formula_ninst(f), 2);
    assert_string_equal(gw_formula_inst(f, 0)->name, "tdiff");
    assert_string_equal(gw_formula_inst(f, 1)->name, "rtax");
    gw_formula_free(f);

    f = gwt_formula_parse_ok("y ~ x | firm | d ~ z1 + z2");
    assert_int_equal(gw_formula_nfe(f), 1);
    assert_string_equal(gw_formula_fe(f, 0), "firm");
    assert_int_equal(gw_formula_nendog(f), 1);
    assert_int_equal(gw_formula_ninst(f), 2);
    assert_string_equal(gw_formula_inst(f, 1)->name, "z2");
    gw_formula_free(f);

    /* "0" as the fixed-effects part means none. */
    f = gwt_formula_parse_ok("y ~ x | 0 | d ~ z");
    assert_int_equal(gw_formula_nfe(f), 0);
    assert_int_equal(gw_formula_has_iv(f), 1);
    assert_int_equal(gw_formula_nendog(f), 1);
    gw_formula_free(f);

    /* Transforms, products and duplicates in the IV lists. */
    f = gwt_formula_parse_ok("y ~ x | d + log(e) ~ z*w + z + factor(r)");
    assert_int_equal(gw_formula_nendog(f), 2);
    assert_string_equal(gw_formula_endog(f, 1)->name, "log(e)");
    assert_int_equal(gw_formula_ninst(f), 4);
    assert_string_equal(gw_formula_inst(f, 2)->name, "z:w");
    assert_string_equal(gw_formula_inst(f, 3)->name, "factor(r)");
    gw_formula_free(f);
}

static void test_formula_caret_after_parse(void **state)
{
    (void)state;
    gw_formula *f = gwt_formula_parse_ok("y ~ x + foo");
    char buf[256];
    size_t n = gw_formula_caret(f, 8, buf, sizeof buf);
    assert_string_equal(buf, "  y ~ x + foo\n          ^");
    assert_int_equal(n, strlen(buf));
    /* Truncated to the buffer, always terminated. */
    gw_formula_caret(f, 8, buf, 6);
    assert_string_equal(buf, "  y ~");
    gw_formula_free(f);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long caret;      /* byte offset (== column for ASCII) of the offending token */
        const char *why; /* a substring of the reason */
    } cases[] = {
        {"y x", 2, "expected '~'"},
        {"y", 1, "missing '~'"},
        {"y ~", 3, "unexpected end of formula"},
        {"y ~ x +", 7, "unexpected end of formula"},
        {"y ~ x +   ", 7, "unexpected end of formula"},
        {"y ~ log(x", 9, "unbalanced parenthesis"},
        {"y ~ (x", 4, "parentheses may only follow a function"},
        {"y ~ x)", 5, "unbalanced parenthesis"},
        {"y ~ x + log(x))", 14, "unbalanced parenthesis"},
        {"y ~ foo(x)", 4, "unknown function 'foo'"},
        {"y ~ x^2.5", 6, "exponent must be an integer"},
        {"y ~ x^-2", 6, "exponent must be an integer"},
        {"y ~ x^0", 6, "exponent must be an integer"},
        {"y ~ x^256", 6, "exponent must be an integer"},
        {"y ~ x^99999999999999999999999", 6, "exponent must be an integer"},
        {"y ~ x^", 6, "unexpected end of formula"},
        {"y ~ log(x)^2", 10, "'^' cannot follow a function"},
        {"y ~ I(x^2)^2", 10, "'^' cannot follow a function"},
        {"y ~ x ~ z", 6, "a second '~'"},
        {"y ~ x |", 7, "empty fixed-effects part"},
        {"y ~ x | | d ~ z", 8, "empty fixed-effects part"},
        {"y ~ x $ z", 6, "unexpected character '$'"},
        {"y ~ x + 2", 8, "a number cannot stand as a term"},
        {"~ x", 0, "expected the response"},
        {"y ~ x | firm | d", 15, "must be 'endogenous ~ instruments'"},
        {"y ~ x | d ~ z | firm", 14, "the IV part must come last"},
        {"y ~ x | a | d ~ z | b", 18, "too many '|' parts"},
        {"y ~ x | a:b", 9, "fixed effects are plain variables"},
        {"y ~ x | log(f)", 8, "fixed effects must be plain variable names"},
        {"y ~ I(x +)", 9, "unexpected end of formula"},
        {"y ~ log(foo(x))", 8, "unknown function 'foo'"},
        {"y ~ log(x + 1", 13, "is not closed"},
        {"y ~ I(2 * 3)", 4, "reads no variable"},
        {"y ~ log(x + 1)^2", 14, "'^' cannot follow a function"},
        {"y ~ I(x < 1 < 2)", 12, "cannot be chained"},
        {"y ~ I(x + 'a')", 10, "a string can only be compared"},
        {"factor(y) ~ x", 0, "the response cannot be factor"},
        {"y ~ x + `a", 8, "unterminated backquoted name"},
        {"y ~ x + ``", 8, "empty backquoted name"},
        {"y ~ x | ~ z", 8, "expected the endogenous variables"},
        {"y ~ x | d ~", 11, "unexpected end of formula"},
        {"y ~ x | d ~ z - w", 14, "'-' is not allowed"},
        {"y ~ x + d | d ~ z", 12, "both an exogenous regressor and endogenous"},
        {"y ~ x z", 6, "missing '+' or ':'"},
        {"y ~ 1:x", 5, "unexpected ':' after '1'"},
        {"", 0, "empty formula"},
        {"   ", 0, "empty formula"},
        {"y ~ x:", 6, "unexpected end of formula"},
        {"y ~ x*", 6, "unexpected end of formula"},
        {"y ~ x + + z", 8, "expected a variable, found '+'"},
        {"y ~ a*b*c*d*e*f*g*h*i*j*k", 24, "too many '*' operands"},
        {"y ~ x | d ~ z ~ w", 14, "a second '~' in the IV part"},
        {"y + z ~ x", 2, "expected '~' after the response"},
        {"y ~ x\x01", 5, "byte 0x01"},
        {"y ~ 2x", 4, "a number cannot stand as a term"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        gwt_formula_syntax_error(cases[k].text, cases[k].caret, cases[k].why);

    /* The example of the contract, exactly. */
    gw_formula *f = NULL;
    assert_int_equal(gw_formula_parse("y ~ x +", &f), GW_ESYNTAX);
    assert_string_equal(gw_last_error(), "unexpected end of formula\n  y ~ x +\n         ^");

    /* Control characters are shown as blanks so that the caret stays aligned. */
    assert_int_equal(gw_formula_parse("y ~\tx\n+ $", &f), GW_ESYNTAX);
    assert_string_equal(gw_last_error(), "unexpected character '$'\n  y ~ x + $\n          ^");

    /* A multi-byte character is named whole and takes one column. */
    assert_int_equal(gw_formula_parse("y ~ \xc3\xa9 + \xe2\x82\xac", &f), GW_ESYNTAX);
    assert_string_equal(gw_last_error(), "unexpected character '\xc3\xa9'\n"
                                         "  y ~ \xc3\xa9 + \xe2\x82\xac\n      ^");

    /* Invalid arguments. */
    assert_int_equal(gw_formula_parse(NULL, &f), GW_EINVAL);
    assert_null(f);
    assert_int_equal(gw_formula_parse("y ~ x", NULL), GW_EINVAL);
}

/* "y ~ x1 + x2 + ... + xN" followed by tail. */
static char *long_formula(size_t nterms, const char *mid, size_t mid_at, const char *tail)
{
    size_t cap = 16 + nterms * 16 + strlen(tail) + strlen(mid), o = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    o += (size_t)snprintf(s + o, cap - o, "y ~ x0");
    for (size_t k = 1; k < nterms; k++) {
        if (k == mid_at)
            o += (size_t)snprintf(s + o, cap - o, "%s", mid);
        o += (size_t)snprintf(s + o, cap - o, " + x%zu", k);
    }
    snprintf(s + o, cap - o, "%s", tail);
    return s;
}

static void test_parse_long_formulas(void **state)
{
    (void)state;
    /* A valid formula of 5,000 terms: no fixed-size buffer anywhere. */
    char *text = long_formula(5000, "", 0, " | f1 + f2");
    gw_formula *f = gwt_formula_parse_ok(text);
    assert_int_equal(gw_formula_nterms(f), 5000);
    assert_string_equal(gw_formula_term_at(f, 4999)->name, "x4999");
    assert_int_equal(gw_formula_nfe(f), 2);
    gw_formula_free(f);
    free(text);

    /* An error at the end of a long formula: a window ending at the caret. */
    text = long_formula(3000, "", 0, " +");
    assert_int_equal(gw_formula_parse(text, &f), GW_ESYNTAX);
    const char *msg = gw_last_error();
    assert_true(strlen(msg) < 1023);
    assert_non_null(strstr(msg, "unexpected end of formula\n  ..."));
    const char *line = strchr(msg, '\n') + 1, *nl = strchr(line, '\n');
    assert_int_equal(gwt_caret_column(msg), (long)(nl - line) - 2);
    free(text);

    /* An error in the middle: "..." on both sides, the caret under the offending character. */
    text = long_formula(3000, " + $", 1500, "");
    assert_int_equal(gw_formula_parse(text, &f), GW_ESYNTAX);
    msg = gw_last_error();
    assert_true(strlen(msg) < 1023);
    line = strchr(msg, '\n') + 1;
    nl = strchr(line, '\n');
    assert_memory_equal(line, "  ...", 5);
    assert_memory_equal(nl - 3, "...", 3);
    long col = gwt_caret_column(msg);
    assert_true(col > 0 && col < GW_FORMULA_CARET_WIDTH + 6);
    assert_int_equal(line[2 + col], '$');
    free(text);

    /* A very long variable name in an error message is cut, not overrun. */
    size_t L = 5000;
    text = malloc(L + 32);
    assert_non_null(text);
    strcpy(text, "y ~ ");
    memset(text + 4, 'v', L);
    strcpy(text + 4 + L, "(x)");
    assert_int_equal(gw_formula_parse(text, &f), GW_ESYNTAX);
    assert_true(strlen(gw_last_error()) < 1023);
    assert_non_null(strstr(gw_last_error(), "unknown function 'vvvv"));
    assert_int_equal(gwt_caret_column(gw_last_error()), 4);
    free(text);
}

/* Under fault injection every allocation failure is GW_ENOMEM with nothing leaked (ASan). */
static void test_parse_out_of_memory(void **state)
{
    (void)state;
    const char *text = "log(y) ~ x*z + I(x^2) - z | firm | d ~ w + factor(r)";
    gwt_formula_parse_oom(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_transforms),
        cmocka_unit_test(test_parse_interactions),
        cmocka_unit_test(test_parse_intercept),
        cmocka_unit_test(test_parse_fixed_effects_and_iv),
        cmocka_unit_test(test_formula_caret_after_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_long_formulas),
        cmocka_unit_test(test_parse_out_of_memory),
    };
    return cmocka_run_group_tests_name("formula", tests, NULL, NULL);
}
