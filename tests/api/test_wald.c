/* test_wald.c -- gw_wald_parse, gw_wald_test and gw_lincom_compute (api/gw_wald.h) on a fit made
 * by hand: the rows the parser reads (names with operators in them, longest match, numbers,
 * signs on both sides), the statistic against a closed-form 2 x 2 computation, t against z
 * inference, and every failure status with its message. */
#include <math.h>
#include <string.h>

#include "gw_result.h"
#include "gw_test.h"
#include "gw_wald.h"

/* Four coefficients whose names hold the language's operators. */
static gw_result *make_fit(int z)
{
    static const char *const names[] = {"x1", "x10", "factor(r)=a-b", "I(x^2)"};
    static const double b[] = {0.5, -1.25, 2.0, 0.125};
    /* A positive definite V with correlations. */
    static const double V[16] = {0.04, 0.01,  0.0,  0.002, 0.01,  0.09, 0.003, 0.0,
                                 0.0,  0.003, 0.25, 0.01,  0.002, 0.0,  0.01,  0.01};
    gw_result *r = NULL;
    assert_int_equal(gw_result_new(4, &r), GW_OK);
    for (size_t j = 0; j < 4; j++) {
        assert_int_equal(gw_result_set_str(&r->terms[j], names[j]), GW_OK);
        r->estimate[j] = b[j];
    }
    memcpy(r->vcov, V, sizeof V);
    r->stat_is_z = z;
    r->df_inference = z ? (double)NAN : 50.0;
    return r;
}

static void test_parse(void **state)
{
    (void)state;
    gw_result *r = make_fit(0);
    double row[4], c;
    assert_int_equal(gw_wald_parse(r, " x10 - 2*x1 = 3 ", 1, row, &c), GW_OK);
    gw_assert_close(row[0], -2.0, 0, 0);
    gw_assert_close(row[1], 1.0, 0, 0);
    gw_assert_close(c, -3.0, 0, 0);
    /* The name with '=', '-' and '(' is read whole; then " = " is the equation's sign. */
    assert_int_equal(gw_wald_parse(r, "factor(r)=a-b = -x1*0.5 + 1e-1", 1, row, &c), GW_OK);
    gw_assert_close(row[2], 1.0, 0, 0);
    gw_assert_close(row[0], 0.5, 0, 0);
    gw_assert_close(c, -0.1, 0, 0);
    assert_int_equal(gw_wald_parse(r, "-I(x^2)*2 + x1 + x1", 0, row, &c), GW_OK);
    gw_assert_close(row[3], -2.0, 0, 0);
    gw_assert_close(row[0], 2.0, 0, 0);
    gw_assert_close(c, 0.0, 0, 0);
    gw_result_free(r);
}

/* F of two restrictions against the closed form with the 2 x 2 inverse. */
static void test_wald_closed_form(void **state)
{
    (void)state;
    gw_result *r = make_fit(0);
    const char *texts[] = {"x1 = 0", "x10 = -1"};
    gw_wald w;
    assert_int_equal(gw_wald_test(r, texts, 2, &w), GW_OK);
    double d0 = 0.5, d1 = -0.25, a = 0.04, bb = 0.01, cc = 0.09, det = a * cc - bb * bb;
    double W = (cc * d0 * d0 - 2.0 * bb * d0 * d1 + a * d1 * d1) / det;
    gw_assert_close(w.wald, W, 1e-14, 0);
    gw_assert_close(w.stat, W / 2.0, 1e-14, 0);
    assert_int_equal(w.is_f, 1);
    gw_assert_close(w.df2, 50.0, 0, 0);
    assert_true(w.p_value > 0.0 && w.p_value < 1.0);
    gw_result_free(r);
    r = make_fit(1);
    assert_int_equal(gw_wald_test(r, texts, 2, &w), GW_OK);
    assert_int_equal(w.is_f, 0);
    gw_assert_close(w.stat, W, 1e-14, 0);
    gw_assert_close(w.p_value, exp(-W / 2.0), 1e-12, 0); /* chi2(2) tail in closed form */
    gw_result_free(r);
}

static void test_lincom(void **state)
{
    (void)state;
    gw_result *r = make_fit(1);
    gw_lincom l;
    assert_int_equal(gw_lincom_compute(r, "x1 + x10 + 1", 0.0, &l), GW_OK);
    gw_assert_close(l.estimate, 0.25, 1e-15, 0);
    gw_assert_close(l.std_error, sqrt(0.04 + 0.09 + 0.02), 1e-15, 0);
    gw_assert_close(l.level, 0.95, 0, 0);
    /* z: the interval uses 1.959963984540054. */
    gw_assert_close(l.ci_high - l.estimate, 1.959963984540054 * l.std_error, 1e-13, 0);
    gw_result_free(r);
}

static void test_failures(void **state)
{
    (void)state;
    gw_result *r = make_fit(0);
    double row[4], c;
    static const struct {
        const char *text;
        int allow_eq;
        gw_status want;
        const char *msg;
    } cases[] = {
        {"x2 = 0", 1, GW_ENOVAR, "unknown coefficient 'x2'"},
        {"x1x = 0", 1, GW_ENOVAR, "unknown coefficient 'x1x'"},
        {"x1 * x10", 1, GW_ESYNTAX, "two coefficients multiplied"},
        {"x1 = ", 1, GW_ESYNTAX, "expected a coefficient or a number"},
        {"x1 = 1 = 2", 1, GW_ESYNTAX, "'=' given twice"},
        {"x1 = 1", 0, GW_ESYNTAX, "'=' in a linear combination"},
        {"x1 2", 1, GW_ESYNTAX, "expected '+', '-', '*' or '='"},
        {"   ", 1, GW_EINVAL, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gw_status s = gw_wald_parse(r, cases[i].text, cases[i].allow_eq, row, &c);
        if (s != cases[i].want || strstr(gw_last_error(), cases[i].msg) == NULL)
            fail_msg("'%s': status %d, message %s", cases[i].text, (int)s, gw_last_error());
    }
    gw_wald w;
    const char *dep[] = {"x1 = 0", "2*x1 = 1"};
    assert_int_equal(gw_wald_test(r, dep, 2, &w), GW_ERANK);
    const char *none[] = {"x1 - x1 = 1"};
    assert_int_equal(gw_wald_test(r, none, 1, &w), GW_EINVAL);
    assert_int_equal(gw_wald_test(r, dep, 0, &w), GW_EINVAL);
    gw_lincom l;
    assert_int_equal(gw_lincom_compute(r, "x1", 1.5, &l), GW_EINVAL);
    r->df_inference = (double)NAN;
    assert_int_equal(gw_lincom_compute(r, "x1", 0.9, &l), GW_ENODATA);
    assert_int_equal(gw_wald_test(r, dep, 1, &w), GW_ENODATA);
    gw_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_wald_closed_form),
        cmocka_unit_test(test_lincom),
        cmocka_unit_test(test_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
