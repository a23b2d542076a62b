/* test_stepwise.c -- the expansion of one formula text into several (gw_stepwise.h): fixest's
 * sw(), csw(), sw0(), csw0() in the right-hand side and the fixed-effects part, several
 * responses (y1 + y2 ~, c(y1, y2) ~), their order, and a table of syntax errors with the column
 * of their caret. The expected texts are written out by hand from fixest's definitions
 * (?fixest::stepwise: sw = one model per argument, csw = cumulative, the 0 variants start
 * without the term; responses vary slowest); every text produced must parse. */
#include <stdio.h>
#include <string.h>

#include "gw_formula.h"
#include "gw_stepwise.h"
#include "gw_test.h"

/* text expands to exactly the NULL-terminated list want, each of which parses (when parse). */
static void expect_list(const char *text, const char *const *want, int parse)
{
    char **list = NULL;
    size_t n = 0;
    if (gw_stepwise_expand(text, &list, &n) != GW_OK)
        fail_msg("'%s' does not expand: %s", text, gw_last_error());
    size_t nw = 0;
    while (want[nw] != NULL)
        nw++;
    if (n != nw)
        fail_msg("'%s': %zu models, expected %zu (first '%s')", text, n, nw, list[0]);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], want[i]) != 0)
            fail_msg("'%s' model %zu: '%s', expected '%s'", text, i + 1, list[i], want[i]);
        gw_formula *f = NULL;
        if (parse && gw_formula_parse(list[i], &f) != GW_OK)
            fail_msg("'%s' does not parse: %s", list[i], gw_last_error());
        gw_formula_free(f);
    }
    gw_stepwise_free(list, n);
}

#define EXPECT(text, ...) expect_list(text, (const char *const[]){__VA_ARGS__, NULL}, 1)

static void test_nothing_to_expand(void **state)
{
    (void)state;
    /* kept byte for byte, white space included */
    EXPECT("y ~ x", "y ~ x");
    EXPECT("  log(y)~x+  z | firm + year ", "  log(y)~x+  z | firm + year ");
    EXPECT("y ~ x | 0 | d ~ z", "y ~ x | 0 | d ~ z");
    /* names that only look like the functions */
    EXPECT("y ~ csw1 + sw_x + `sw(a, b)`", "y ~ csw1 + sw_x + `sw(a, b)`");
    EXPECT("y ~ c + x", "y ~ c + x");
    /* not a formula: handed on unchanged for the parser to report */
    expect_list("y x", (const char *const[]){"y x", NULL}, 0);
}

static void test_stepwise_rhs(void **state)
{
    (void)state;
    EXPECT("y ~ x + sw(a, b)", "y ~ x + a", "y ~ x + b");
    EXPECT("y ~ x + csw(a, b, c)", "y ~ x + a", "y ~ x + a + b", "y ~ x + a + b + c");
    EXPECT("y ~ x + sw0(a, b)", "y ~ x", "y ~ x + a", "y ~ x + b");
    EXPECT("y ~ x + csw0(a, b)", "y ~ x", "y ~ x + a", "y ~ x + a + b");
    /* first term, only term, arguments that are several terms, interactions, calls */
    EXPECT("y ~ csw0(a, b) + x", "y ~ x", "y ~ a + x", "y ~ a + b + x");
    EXPECT("y ~ sw0(x)", "y ~ 1", "y ~ x");
    EXPECT("y ~ sw(a + b, log(c), a:c)", "y ~ a + b", "y ~ log(c)", "y ~ a:c");
    EXPECT("y ~ x + sw( a ,b ) | firm", "y ~ x + a | firm", "y ~ x + b | firm");
    EXPECT("y ~ x+csw0(a,b)|firm", "y ~ x|firm", "y ~ x+a|firm", "y ~ x+a + b|firm");
    /* one argument: one model */
    EXPECT("y ~ sw(x)", "y ~ x");
}

static void test_stepwise_fixed_effects(void **state)
{
    (void)state;
    EXPECT("y ~ x | csw(firm, year)", "y ~ x | firm", "y ~ x | firm + year");
    EXPECT("y ~ x | sw0(firm, year)", "y ~ x", "y ~ x | firm", "y ~ x | year");
    EXPECT("y ~ x | firm + csw0(year)", "y ~ x | firm", "y ~ x | firm + year");
    /* with an instruments' part after the fixed effects */
    EXPECT("y ~ x | sw0(firm) | d ~ z", "y ~ x | 0 | d ~ z", "y ~ x | firm | d ~ z");
}

static void test_several_responses(void **state)
{
    (void)state;
    EXPECT("y1 + y2 ~ x", "y1 ~ x", "y2 ~ x");
    EXPECT("c(y1, log(y2)) ~ x | firm", "y1 ~ x | firm", "log(y2) ~ x | firm");
    EXPECT("c(y) ~ x", "y ~ x");
    /* responses vary slowest (fixest's order) */
    EXPECT("y1 + y2 ~ csw(a, b)", "y1 ~ a", "y1 ~ a + b", "y2 ~ a", "y2 ~ a + b");
}

typedef struct {
    const char *text;
    const char *reason; /* start of the message */
    size_t caret;       /* 0-based column of the caret in the formula */
} err_case;

static void test_errors(void **state)
{
    (void)state;
    static const err_case cases[] = {
        {"y ~ sw(a, b) + csw(c)", "at most one stepwise function", 15},
        {"y ~ x | sw(f) + sw(g)", "at most one stepwise function", 16},
        {"y ~ sw(a) | csw(f)", "at most one stepwise function", 12},
        {"y ~ x + sw()", "sw() has no argument", 8},
        {"y ~ x + csw0(  )", "csw0() has no argument", 8},
        {"y ~ x + sw(a, , b)", "empty argument of sw()", 14},
        {"y ~ x + sw(a, b", "no closing parenthesis for sw(", 8},
        {"y ~ x:sw(a, b)", "sw() must be a term of its own", 6},
        {"y ~ log(x) + sw(a) * z", "sw() must be a term of its own", 13},
        {"y ~ x | d ~ sw(z1, z2)", "a stepwise function cannot stand in the instruments'", 12},
        {"y1 + ~ x", "empty response", 4},
        {"c(y1, ) ~ x", "empty response", 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char **list = (char **)&list;
        size_t n = 7;
        gw_status s = gw_stepwise_expand(cases[i].text, &list, &n);
        if (s != GW_ESYNTAX)
            fail_msg("'%s': status %d, expected GW_ESYNTAX", cases[i].text, (int)s);
        assert_null(list);
        assert_int_equal(n, 0);
        const char *msg = gw_last_error();
        if (strncmp(msg, cases[i].reason, strlen(cases[i].reason)) != 0)
            fail_msg("'%s': message '%s', expected '%s...'", cases[i].text, msg, cases[i].reason);
        /* "reason\n  text\n  <spaces>^" */
        const char *caret = strrchr(msg, '\n');
        assert_non_null(caret);
        if (strlen(caret + 1) != cases[i].caret + 3 || caret[cases[i].caret + 3] != '^')
            fail_msg("'%s': caret line '%s', expected column %zu", cases[i].text, caret + 1,
                     cases[i].caret);
    }
}

static void test_null_arguments(void **state)
{
    (void)state;
    char **list = NULL;
    size_t n = 0;
    assert_int_equal(gw_stepwise_expand(NULL, &list, &n), GW_EINVAL);
    assert_int_equal(gw_stepwise_expand("y ~ x", NULL, &n), GW_EINVAL);
    assert_int_equal(gw_stepwise_expand("y ~ x", &list, NULL), GW_EINVAL);
    gw_stepwise_free(NULL, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_to_expand),
        cmocka_unit_test(test_stepwise_rhs),
        cmocka_unit_test(test_stepwise_fixed_effects),
        cmocka_unit_test(test_several_responses),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
