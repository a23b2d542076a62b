/* test_expr.c -- row expressions (io/gw_expr.h): values against C arithmetic done here, R's
 * precedence, missing values and three-valued logic, %in% with numbers and level names, the
 * reasons of undefined values, subsets, and errors with their carets. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_expr.h"
#include "gw_test.h"

#define N 6

static const double X[N] = {1, 2, -3, 0, 4.5, NAN};
static const double Z[N] = {2, 0, 1, 5, -1, 3};
static const int32_t REGION[N] = {0, 1, 2, -1, 1, 0}; /* North South East, row 3 missing */

static gw_table *make_table(void)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(N, &t), GW_OK);
    static const char *const regions[] = {"North", "South", "East"};
    gwt_table_add_num(t, "x", X, N);
    gwt_table_add_num(t, "z", Z, N);
    gwt_table_add_cat(t, "region", REGION, N, regions, 3);
    return t;
}

/* Evaluates text over every row into v (and why). */
static void eval(const char *text, double *v, unsigned char *why)
{
    gw_table *t = make_table();
    gw_expr *e = NULL;
    gw_expr_prog *p = NULL;
    gw_status rc = gw_expr_parse(text, &e);
    if (rc != GW_OK)
        fail_msg("%s: %s", text, gw_last_error());
    assert_int_equal(gw_expr_bind(e, t, &p), GW_OK);
    assert_int_equal(gw_expr_eval(p, NULL, N, v, why), GW_OK);
    gw_expr_prog_free(p);
    gw_expr_free(e);
    gw_table_free(t);
}

/* v must equal ref (NaN where ref is NaN). */
static void expect(const char *text, const double *ref)
{
    double v[N];
    eval(text, v, NULL);
    for (size_t i = 0; i < N; i++) {
        if (isnan(ref[i]) != isnan(v[i]))
            fail_msg("%s row %zu: %.17g, expected %.17g", text, i, v[i], ref[i]);
        if (!isnan(ref[i]))
            gw_assert_close(v[i], ref[i], 0.0, 0.0);
    }
}

static void test_expr_arithmetic(void **state)
{
    (void)state;
    double r[N];
    for (size_t i = 0; i < N; i++)
        r[i] = log(Z[i] * Z[i] + 1.0) - X[i] / 10.0;
    expect("log(z^2 + 1) - x / 10", r);
    for (size_t i = 0; i < N; i++)
        r[i] = -pow(X[i], 2.0); /* R: -x^2 is -(x^2) */
    expect("-x^2", r);
    for (size_t i = 0; i < N; i++)
        r[i] = pow(2.0, -Z[i]); /* 2^-z: the exponent's unary minus binds to it */
    expect("2^-z", r);
    for (size_t i = 0; i < N; i++)
        r[i] = pow(2.0, pow(Z[i], 2.0)); /* right-associative */
    expect("2^z^2", r);
    for (size_t i = 0; i < N; i++)
        r[i] = (X[i] - Z[i]) * 3.0 + sqrt(fabs(Z[i])) * exp(-X[i] / 10.0);
    expect(" ( x-z ) *3 + sqrt(abs(z))*exp(-x/10)", r);
    for (size_t i = 0; i < N; i++)
        r[i] = 1e-3 * X[i] + .5;
    expect("1e-3*x + .5", r);
}

static void test_expr_logic_na(void **state)
{
    (void)state;
    const double nan = NAN;
    /* x: 1 2 -3 0 4.5 NA;  z: 2 0 1 5 -1 3. */
    expect("x > 1", (double[N]){0, 1, 0, 0, 1, nan});
    expect("x >= 1 & z > 0", (double[N]){1, 0, 0, 0, 0, nan});
    expect("x > 100 & z > 0", (double[N]){0, 0, 0, 0, 0, nan}); /* NA & TRUE is NA */
    expect("x > 1 & z > 100", (double[N]){0, 0, 0, 0, 0, 0});   /* NA & FALSE is FALSE */
    expect("x > 100 | z > 0", (double[N]){1, 0, 1, 1, 0, 1});   /* NA | TRUE is TRUE */
    expect("x > 100 | z < 0", (double[N]){0, 0, 0, 0, 1, nan}); /* NA | FALSE is NA */
    expect("!(x == 2) && z != 5", (double[N]){1, 0, 1, 0, 1, nan});
    expect("x %in% c(1, -3, 4.5)", (double[N]){1, 0, 1, 0, 1, 0}); /* NA is in no set */
    expect("-x %in% c(3)", (double[N]){0, 0, 1, 0, 0, 0});         /* (-x) %in% ... as R */
    expect("x + (z > 1)", (double[N]){2, 2, -3, 1, 4.5, nan});     /* a condition is 1/0 */
    expect("region == \"South\"", (double[N]){0, 1, 0, nan, 1, 0});
    expect("'South' != region", (double[N]){1, 0, 1, nan, 0, 1});
    expect("region %in% c(\"North\", 'East')", (double[N]){1, 0, 1, 0, 0, 1});
    expect("`x` < 2 | region %in% c('East')", (double[N]){1, 0, 1, 1, 0, nan});
}

static void test_expr_undefined(void **state)
{
    (void)state;
    double v[N];
    unsigned char why[N];
    eval("log(x)", v, why);
    assert_int_equal(why[0], GW_EXPR_OK);
    assert_int_equal(why[2], GW_EXPR_UNDEFINED);
    assert_int_equal(why[3], GW_EXPR_UNDEFINED); /* log(0) */
    assert_int_equal(why[5], GW_EXPR_OK);        /* missing, not undefined */
    assert_true(isnan(v[2]) && isnan(v[3]) && isnan(v[5]));
    eval("x / z", v, why);
    assert_int_equal(why[1], GW_EXPR_DIVZERO);
    assert_true(isnan(v[1]));
    gw_assert_close(v[2], -3.0, 0.0, 0.0);
    eval("exp(x * 1000)", v, why);
    assert_int_equal(why[0], GW_EXPR_OVERFLOW);
    assert_int_equal(why[2], GW_EXPR_OK); /* exp(-3000) underflows to 0: defined */
    eval("sqrt(x) + x^0.5 + 0^-z", v, why);
    assert_int_equal(why[2], GW_EXPR_UNDEFINED);
    assert_int_equal(why[0], GW_EXPR_DIVZERO); /* 0^-2 */
    assert_int_equal(why[4], GW_EXPR_OK);      /* 0^-(-1) = 0 */
    assert_string_equal(gw_expr_why_text(GW_EXPR_DIVZERO), "divides by zero");
}

static void test_expr_subset(void **state)
{
    (void)state;
    gw_table *t = make_table();
    gw_expr *e = NULL;
    unsigned char keep[N];
    size_t kept = 0;
    assert_int_equal(gw_expr_parse("x >= 0 & region != 'East' | log(x) > 10", &e), GW_OK);
    assert_true(gw_expr_is_condition(e));
    assert_int_equal(gw_expr_nvars(e), 2);
    assert_string_equal(gw_expr_var(e, 1), "region");
    assert_int_equal(gw_expr_subset(e, t, keep, &kept), GW_OK);
    static const unsigned char ref[N] = {1, 1, 0, 0, 1, 0}; /* row 3: region missing */
    assert_memory_equal(keep, ref, N);
    assert_int_equal(kept, 3);
    gw_expr_free(e);
    assert_int_equal(gw_expr_parse("x + 1", &e), GW_OK);
    assert_int_equal(gw_expr_subset(e, t, keep, &kept), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "must be a condition"));
    gw_expr_free(e);
    gw_table_free(t);
}

/* Each bad expression: its status, a phrase of the message and the caret's column. */
static void test_expr_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        gw_status rc;
        const char *phrase;
        size_t col;
    } cases[] = {
        {"x >", GW_ESYNTAX, "unexpected end of expression", 3},
        {"x > 1 )", GW_ESYNTAX, "')' without '('", 6},
        {"(x > 1", GW_ESYNTAX, "is not closed", 6},
        {"x $ 1", GW_ESYNTAX, "unexpected character '$'", 2},
        {"x < 1 < 2", GW_ESYNTAX, "cannot be chained", 6},
        {"foo(x)", GW_ESYNTAX, "unknown function 'foo'", 0},
        {"x %in% 3", GW_ESYNTAX, "takes a set", 7},
        {"x %in% c(1, 'a')", GW_ESYNTAX, "not both", 12},
        {"x + 'a'", GW_ESYNTAX, "a string can only be compared", 4},
        {"region < 'a'", GW_ESYNTAX, "only be compared with == or !=", 7},
        {"x %like% 2", GW_ESYNTAX, "unknown operator", 2},
        {"'North", GW_ESYNTAX, "unterminated string", 0},
        {"", GW_ESYNTAX, "empty expression", 0},
        {"nosuch > 1", GW_ENOVAR, "unknown variable 'nosuch' in the expression", 0},
        {"region + 1 > 2", GW_EINVAL, "'region' is categorical", 0},
        {"x > 0 & log(region) > 1", GW_EINVAL, "'region' is categorical", 12},
        {"z == 'a'", GW_EINVAL, "'z' is numeric", 0},
        /* a string that is no level: a typo, not a condition that selects nothing */
        {"region == \"West\"", GW_EINVAL, "'West' is not a level of 'region' (levels: ", 0},
        {"x > 0 & region %in% c('North', 'Nord')", GW_EINVAL, "'Nord' is not a level", 8},
    };
    gw_table *t = make_table();
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_expr *e = NULL;
        gw_expr_prog *p = NULL;
        gw_status rc = gw_expr_parse(cases[k].text, &e);
        if (rc == GW_OK)
            rc = gw_expr_bind(e, t, &p);
        if (rc != cases[k].rc)
            fail_msg("'%s': status %d, expected %d (%s)", cases[k].text, rc, cases[k].rc,
                     gw_last_error());
        const char *msg = gw_last_error();
        if (strstr(msg, cases[k].phrase) == NULL)
            fail_msg("'%s': message '%s' lacks '%s'", cases[k].text, msg, cases[k].phrase);
        /* The last line is the caret: two spaces of indent, then col blanks. */
        const char *caret = strrchr(msg, '\n');
        assert_non_null(caret);
        if (strlen(caret) != 1 + 2 + cases[k].col + 1 || caret[strlen(caret) - 1] != '^')
            fail_msg("'%s': caret line '%s', expected column %zu", cases[k].text, caret + 1,
                     cases[k].col);
        gw_expr_prog_free(p);
        gw_expr_free(e);
    }
    gw_table_free(t);
}

/* Many rows in several tasks: the same values as one row at a time. */
static void test_expr_blocks(void **state)
{
    (void)state;
    const size_t n = 40000;
    gw_table *t = NULL;
    double *x = gw_alloc_array(n, sizeof *x), *v = gw_alloc_array(n, sizeof *v);
    size_t *rows = gw_alloc_array(n / 2, sizeof *rows);
    assert_non_null(x);
    assert_non_null(v);
    assert_non_null(rows);
    for (size_t i = 0; i < n; i++)
        x[i] = (double)i * 0.37 - 5000.0;
    for (size_t i = 0; i < n / 2; i++)
        rows[i] = n - 1 - 2 * i;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    assert_int_equal(gw_table_add_numeric_take(t, "x", x), GW_OK);
    gw_expr *e = NULL;
    gw_expr_prog *p = NULL;
    assert_int_equal(gw_expr_parse("log(abs(x) + 1) * (x > 0)", &e), GW_OK);
    assert_int_equal(gw_expr_bind(e, t, &p), GW_OK);
    assert_int_equal(gw_expr_eval(p, rows, n / 2, v, NULL), GW_OK);
    const double *xs = gw_table_numeric(t, 0);
    for (size_t i = 0; i < n / 2; i++) {
        double a = xs[rows[i]];
        gw_assert_close(v[i], log(fabs(a) + 1.0) * (a > 0.0 ? 1.0 : 0.0), 0.0, 0.0);
    }
    gw_expr_prog_free(p);
    gw_expr_free(e);
    gw_table_free(t);
    gw_free(v);
    gw_free(rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_arithmetic), cmocka_unit_test(test_expr_logic_na),
        cmocka_unit_test(test_expr_undefined),  cmocka_unit_test(test_expr_subset),
        cmocka_unit_test(test_expr_errors),     cmocka_unit_test(test_expr_blocks),
    };
    return cmocka_run_group_tests_name("expr", tests, NULL, NULL);
}
