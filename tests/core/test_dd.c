/* test_dd.c -- double-double primitives: exactness of the error-free transformations and
 * accuracy of the arithmetic against exact rational references. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "gw_dd.h"
#include "gw_test.h"

/* TwoSum and FastTwoSum: s + e == a + b exactly. a = A 2^ea and b = B 2^eb with 52-bit
 * integers A, B and |ea - eb| <= 40, so a, b, s and e are all integer multiples of
 * 2^min(ea, eb) below 2^94: the identity is checked exactly in 128-bit integers. */
__extension__ typedef __int128 i128;

static i128 to_units(double x, int m) { return (i128)ldexp(x, -m); }

static void test_dd_two_sum_exact(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 17);
    for (int t = 0; t < 100000; t++) {
        int ea = (int)gsl_rng_uniform_int(rng, 41) - 20,
            eb = (int)gsl_rng_uniform_int(rng, 41) - 20;
        double A = floor(ldexp(gsl_rng_uniform(rng) - 0.5, 53));
        double B = floor(ldexp(gsl_rng_uniform(rng) - 0.5, 53));
        double a = ldexp(A, ea), b = ldexp(B, eb);
        int m = ea < eb ? ea : eb;
        gw_dd s = gw_dd_two_sum(a, b);
        assert_true(s.hi == a + b);
        assert_true(to_units(a, m) + to_units(b, m) == to_units(s.hi, m) + to_units(s.lo, m));
        assert_true(fabs(s.lo) <= 0.5 * ldexp(DBL_EPSILON, ilogb(s.hi)) || s.hi == 0.0);
        if (fabs(a) >= fabs(b)) {
            gw_dd f = gw_dd_fast_two_sum(a, b);
            assert_true(f.hi == s.hi && f.lo == s.lo);
        }
    }
    gsl_rng_free(rng);
}

/* TwoProduct: p + e == a*b exactly. For a, b with 26-bit significands the product is exact
 * in double (e == 0); for 53-bit ones, splitting b = bh + bl (Dekker) gives a*bh and a*bl
 * exactly, so a*b - p can be checked as (a*bh - p) + a*bl in exact steps. */
static void test_dd_two_prod_exact(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 19);
    for (int t = 0; t < 100000; t++) {
        double a = gsl_rng_uniform_pos(rng) * 4.0 - 2.0;
        double b = gsl_rng_uniform_pos(rng) * 1e3;
        gw_dd p = gw_dd_two_prod(a, b);
        assert_true(p.hi == a * b);
        /* Split a and b into 26-bit halves: all partial products are exact doubles. */
        double ca = a * 134217729.0, ah = ca - (ca - a), al = a - ah;
        double cb = b * 134217729.0, bh = cb - (cb - b), bl = b - bh;
        double err = ((ah * bh - p.hi) + ah * bl + al * bh) + al * bl;
        assert_true(err == p.lo);
        /* Short significands: exact product, zero error. */
        double a2 = (double)(gsl_rng_uniform_int(rng, 1u << 26)), b2 = 3.0 * 65537.0;
        assert_true(gw_dd_two_prod(a2, b2).lo == 0.0);
    }
    gsl_rng_free(rng);
}

static double rel(gw_dd a, gw_dd b)
{
    gw_dd d = gw_dd_sub(a, b);
    return fabs(d.hi) / fabs(b.hi);
}

/* Arithmetic identities at double-double precision: (a*b)/b == a, sqrt(a)^2 == a,
 * (a + b) - b == a, 1/3 * 3 == 1, all to ~1e-31. */
static void test_dd_arith_accuracy(void **state)
{
    (void)state;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(rng, 23);
    const double tol = 64.0 * DBL_EPSILON * DBL_EPSILON;
    for (int t = 0; t < 20000; t++) {
        gw_dd a = gw_dd_two_sum(gsl_rng_uniform_pos(rng) * 100.0, gsl_rng_uniform_pos(rng) * 1e-15);
        gw_dd b = gw_dd_two_sum(gsl_rng_uniform_pos(rng) + 0.1, gsl_rng_uniform_pos(rng) * 1e-17);
        if (!(rel(gw_dd_div(gw_dd_mul(a, b), b), a) <= tol))
            fail_msg("mul/div at trial %d", t);
        gw_dd s = gw_dd_sqrt(a);
        if (!(rel(gw_dd_mul(s, s), a) <= tol))
            fail_msg("sqrt at trial %d", t);
        if (!(rel(gw_dd_sub(gw_dd_add(a, b), b), a) <= tol))
            fail_msg("add/sub at trial %d", t);
        if (!(rel(gw_dd_add_d(gw_dd_mul_d(a, 3.0), -1.0),
                  gw_dd_sub(gw_dd_mul_d(a, 3.0), gw_dd_from(1.0))) <= tol))
            fail_msg("add_d/mul_d at trial %d", t);
    }
    gw_dd third = gw_dd_div(gw_dd_from(1.0), gw_dd_from(3.0));
    gw_dd one = gw_dd_mul_d(third, 3.0);
    gw_assert_close(one.hi, 1.0, 0, 0);
    assert_true(fabs(one.lo) <= 1e-31);
    /* 1/3 to 32 digits: hi = nearest double, lo = its error (1/3 - hi = 1/(3*2^54)). */
    gw_assert_close(third.hi, 1.0 / 3.0, 0, 0);
    gw_assert_close(third.lo, 1.0 / 3.0 * ldexp(1.0, -54), 1e-15, 0);
    gsl_rng_free(rng);
}

/* A badly cancelling series: sum of k * (-1)^k scaled terms plus huge cancelling pairs, with
 * an exactly known sum. Naive double summation loses everything; dd gets it exactly. */
static void test_dd_cancelling_sum(void **state)
{
    (void)state;
    /* terms: 1e16, 1, -1e16, repeated 1000 times with small fractions 2^-k: exact sum is
     * 1000 + sum of the fractions. */
    gw_dd acc = gw_dd_from(0.0);
    double naive = 0.0, fr = 0.0;
    for (int k = 0; k < 1000; k++) {
        double big = ldexp(1.0, 53 + k % 10);
        double small = 1.0 + ldexp(1.0, -(k % 40) - 1);
        double t[3] = {big, small, -big};
        for (int i = 0; i < 3; i++) {
            acc = gw_dd_add_d(acc, t[i]);
            naive += t[i];
        }
        fr += ldexp(1.0, -(k % 40) - 1); /* exact: distinct powers, partial sums < 2^6 */
    }
    double exact = 1000.0 + fr;
    gw_assert_close(gw_dd_to_double(acc), exact, 2.0 * DBL_EPSILON, 0);
    assert_true(fabs(naive - exact) > 1.0); /* naive summation fails */
    /* Harmonic-like series sum_{k=1}^{N} 1/(k(k+1)) = 1 - 1/(N+1) in dd vs exact. */
    gw_dd h = gw_dd_from(0.0);
    const unsigned N = 100000;
    for (unsigned k = 1; k <= N; k++) {
        gw_dd den = gw_dd_two_prod((double)k, (double)k + 1.0);
        h = gw_dd_add(h, gw_dd_div(gw_dd_from(1.0), den));
    }
    gw_dd ex = gw_dd_sub(gw_dd_from(1.0), gw_dd_div(gw_dd_from(1.0), gw_dd_from(N + 1.0)));
    assert_true(fabs(gw_dd_sub(h, ex).hi) <= 1e-27);
}

/* Powers in double-double (what the frame builder uses): x^k exact against integer powers
 * that fit in 106 bits, e.g. 3^60 < 2^96. */
static void test_dd_pow_exact_integer(void **state)
{
    (void)state;
    /* 3^k for k <= 66 fits in 105 bits: hi + lo must represent it exactly. Check by
     * comparing with repeated exact multiplication by 3 in dd (each step exact). */
    gw_dd ref = gw_dd_from(1.0);
    for (unsigned k = 1; k <= 66; k++) {
        ref = gw_dd_mul_d(ref, 3.0);
        gw_dd p = gw_dd_pow_d(3.0, k);
        assert_true(p.hi == ref.hi && p.lo == ref.lo);
    }
    /* Non-integer base: relative error of x^10 ~ 1e-31 against repeated multiplication. */
    double x = -6.860120914;
    gw_dd r = gw_dd_from(1.0);
    for (unsigned k = 1; k <= 10; k++)
        r = gw_dd_mul_d(r, x);
    gw_dd p = gw_dd_pow_d(x, 10);
    assert_true(rel(p, r) <= 1e-30);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dd_two_sum_exact),     cmocka_unit_test(test_dd_two_prod_exact),
        cmocka_unit_test(test_dd_arith_accuracy),    cmocka_unit_test(test_dd_cancelling_sum),
        cmocka_unit_test(test_dd_pow_exact_integer),
    };
    return cmocka_run_group_tests_name("dd", tests, NULL, NULL);
}
