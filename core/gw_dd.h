/* gw_dd.h -- double-double arithmetic from error-free transformations.
 *
 * A gw_dd is the unevaluated sum hi + lo of two doubles with |lo| <= ulp(hi)/2, which carries
 * about 106 bits (32 decimal digits) of significand. The operations are built from the
 * error-free transformations TwoSum (Knuth), FastTwoSum (Dekker) and TwoProduct through fma:
 * each returns the rounded result and its exact rounding error, so they are portable and
 * exact on any IEEE-754 binary64 machine with a correctly rounded fma (C99 fma). They never
 * depend on long double (style.md, Numerics, Accumulation).
 *
 * Relative error bounds, u = 2^-53 (Joldes, Muller, Popescu, "Tight and rigorous error bounds
 * for basic building blocks of double-word arithmetic", ACM TOMS 44, 2017):
 *   gw_dd_add (accurate, "AccurateDWPlusDW")  3u^2      gw_dd_add_d   2u^2
 *   gw_dd_mul ("DWTimesDW3", with fma)        4u^2      gw_dd_mul_d   2u^2
 *   gw_dd_div                                 ~10u^2    gw_dd_sqrt    ~4u^2
 * Inputs must be finite; overflow and NaN propagate like double arithmetic but the low part
 * is then meaningless.
 *
 * Everything is static inline: the header is public because the formula frame builder uses
 * it to compute powers x^k to double-double precision (gw_design.h, Xlo). These functions
 * must be compiled without -ffast-math / -ffp-contract=fast reassociation of the TwoSum
 * steps; the project's flags (-std=c11, no fast-math) guarantee that. */
#ifndef GW_DD_H
#define GW_DD_H

#include <math.h>

typedef struct {
    double hi, lo;
} gw_dd;

/* gw_dd_two_sum -- s + e == a + b exactly, s = fl(a + b) (Knuth; any a, b). */
static inline gw_dd gw_dd_two_sum(double a, double b)
{
    double s = a + b;
    double bb = s - a;
    double e = (a - (s - bb)) + (b - bb);
    return (gw_dd){s, e};
}

/* gw_dd_fast_two_sum -- as gw_dd_two_sum, valid when |a| >= |b| or a == 0 (Dekker). */
static inline gw_dd gw_dd_fast_two_sum(double a, double b)
{
    double s = a + b;
    double e = b - (s - a);
    return (gw_dd){s, e};
}

/* gw_dd_two_prod -- p + e == a * b exactly (barring underflow), p = fl(a * b), via fma. */
static inline gw_dd gw_dd_two_prod(double a, double b)
{
    double p = a * b;
    double e = fma(a, b, -p);
    return (gw_dd){p, e};
}

/* gw_dd_from -- the double a as a double-double. */
static inline gw_dd gw_dd_from(double a) { return (gw_dd){a, 0.0}; }

/* gw_dd_to_double -- hi + lo rounded to nearest double. */
static inline double gw_dd_to_double(gw_dd a) { return a.hi + a.lo; }

static inline gw_dd gw_dd_neg(gw_dd a) { return (gw_dd){-a.hi, -a.lo}; }

/* gw_dd_add_d -- a + b for a double b (relative error <= 2u^2). */
static inline gw_dd gw_dd_add_d(gw_dd a, double b)
{
    gw_dd s = gw_dd_two_sum(a.hi, b);
    s.lo += a.lo;
    return gw_dd_fast_two_sum(s.hi, s.lo);
}

/* gw_dd_add -- a + b (the accurate "sloppy-free" algorithm; relative error <= 3u^2 even
 * under cancellation). */
static inline gw_dd gw_dd_add(gw_dd a, gw_dd b)
{
    gw_dd s = gw_dd_two_sum(a.hi, b.hi);
    gw_dd t = gw_dd_two_sum(a.lo, b.lo);
    s.lo += t.hi;
    s = gw_dd_fast_two_sum(s.hi, s.lo);
    s.lo += t.lo;
    return gw_dd_fast_two_sum(s.hi, s.lo);
}

/* gw_dd_sub -- a - b. */
static inline gw_dd gw_dd_sub(gw_dd a, gw_dd b) { return gw_dd_add(a, gw_dd_neg(b)); }

/* gw_dd_mul_d -- a * b for a double b (relative error <= 2u^2). */
static inline gw_dd gw_dd_mul_d(gw_dd a, double b)
{
    gw_dd p = gw_dd_two_prod(a.hi, b);
    p.lo = fma(a.lo, b, p.lo);
    return gw_dd_fast_two_sum(p.hi, p.lo);
}

/* gw_dd_mul -- a * b (relative error <= 4u^2). */
static inline gw_dd gw_dd_mul(gw_dd a, gw_dd b)
{
    gw_dd p = gw_dd_two_prod(a.hi, b.hi);
    double t = a.lo * b.lo;
    t = fma(a.hi, b.lo, t);
    t = fma(a.lo, b.hi, t);
    p.lo += t;
    return gw_dd_fast_two_sum(p.hi, p.lo);
}

/* gw_dd_div -- a / b, b != 0: a double quotient, the exact remainder a - q*b in
 * double-double, and one correction (Newton step). */
static inline gw_dd gw_dd_div(gw_dd a, gw_dd b)
{
    double q1 = a.hi / b.hi;
    gw_dd r = gw_dd_sub(a, gw_dd_mul_d(b, q1));
    double q2 = r.hi / b.hi;
    r = gw_dd_sub(r, gw_dd_mul_d(b, q2));
    double q3 = r.hi / b.hi;
    gw_dd q = gw_dd_fast_two_sum(q1, q2);
    return gw_dd_add_d(q, q3);
}

/* gw_dd_sqrt -- sqrt(a), a >= 0 (0 for a == 0): one Newton step from the double root,
 * with the residual a - s^2 computed exactly enough in double-double (Karp and Markstein). */
static inline gw_dd gw_dd_sqrt(gw_dd a)
{
    if (a.hi <= 0.0)
        return (gw_dd){sqrt(a.hi), 0.0};
    double s = sqrt(a.hi);
    gw_dd r = gw_dd_sub(a, gw_dd_two_prod(s, s));
    return gw_dd_fast_two_sum(s, r.hi / (2.0 * s));
}

/* gw_dd_fma_acc -- acc + a*b for doubles a, b, with the product exact (the inner step of
 * a double-double dot product). */
static inline gw_dd gw_dd_fma_acc(gw_dd acc, double a, double b)
{
    return gw_dd_add(acc, gw_dd_two_prod(a, b));
}

/* gw_dd_pow_d -- x^k in double-double by binary powering, k >= 0 (x^0 == 1). Relative error
 * about 4u^2 per multiplication, i.e. about 4*log2(k)*u^2 overall: what the frame builder
 * uses for polynomial terms so that X + Xlo is exact to ~32 digits. */
static inline gw_dd gw_dd_pow_d(double x, unsigned k)
{
    gw_dd r = gw_dd_from(1.0);
    gw_dd b = gw_dd_from(x);
    while (k) {
        if (k & 1u)
            r = gw_dd_mul(r, b);
        k >>= 1;
        if (k)
            b = gw_dd_mul(b, b);
    }
    return r;
}

#endif
