/* test_frame_calls.c -- the model frame of the formula calls of issue 19 on a small hand-made
 * panel: poly() against closed forms (orthonormal columns over the rows used, R's values for an
 * evenly spaced x), raw powers, factor(x, ref = v) and i() dummies and names, lags and leads
 * with a gap in time, rows dropped for missing lags, duplicate (id, time) rows, and the errors
 * with their carets. Expected values are written out from the table, not taken from the code. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_frame.h"
#include "gw_test.h"

#define N 8

/* A panel of two ids in scrambled row order: id a at times 1, 2, 4, 5 (3 is a gap), id b at
 * 1..4 with x missing at 4. */
static const int32_t ID[N] = {0, 0, 0, 1, 1, 1, 0, 1}; /* a b */
static const double T[N] = {1, 2, 4, 2, 1, 3, 5, 4};
static const double X[N] = {10, 12, 17, 5, 3, 8, 20, NAN};
static const double Y[N] = {1, 2, 3, 4, 5, 6, 7, 8};
static const double V[N] = {1, 2, 3, 4, 5, 6, 7, 8}; /* evenly spaced: poly's closed form */
static const double YR[N] = {2011, 2010, 2012, 2010, 2011, 2012, 2011, 2010};
static const int32_t REG[N] = {0, 1, 2, 0, 1, 2, 0, 1}; /* North South East */
static const double ONE[N] = {1, 1, 1, 1, 1, 1, 1, 1};
static const double IDN[N] = {7, 7, 7, -3, -3, -3, 7, -3}; /* the ids as numbers */

static int setup(void **state)
{
    gw_table *t = NULL;
    static const char *const ids[] = {"a", "b"};
    static const char *const regs[] = {"North", "South", "East"};
    if (gw_table_new(N, &t) != GW_OK)
        return -1;
    gwt_table_add_cat(t, "id", ID, N, ids, 2);
    gwt_table_add_num(t, "t", T, N);
    gwt_table_add_num(t, "x", X, N);
    gwt_table_add_num(t, "y", Y, N);
    gwt_table_add_num(t, "v", V, N);
    gwt_table_add_num(t, "yr", YR, N);
    gwt_table_add_cat(t, "reg", REG, N, regs, 3);
    gwt_table_add_num(t, "one", ONE, N);
    gwt_table_add_num(t, "idn", IDN, N);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    gw_table_free(*state);
    return 0;
}

static gw_status try_build(const gw_table *t, const char *formula, const gw_frame_opts *opts,
                           gw_design **d)
{
    gw_formula *f = NULL;
    *d = NULL;
    if (gw_formula_parse(formula, &f) != GW_OK)
        fail_msg("'%s': %s", formula, gw_last_error());
    gw_status rc = gw_frame_build(t, f, opts, d);
    gw_formula_free(f);
    return rc;
}

static gw_design *build(const gw_table *t, const char *formula, const gw_frame_opts *opts)
{
    gw_design *d = NULL;
    if (try_build(t, formula, opts, &d) != GW_OK)
        fail_msg("'%s': %s", formula, gw_last_error());
    return d;
}

static void expect_col(const gw_design *d, size_t j, const double *want, double tol)
{
    for (size_t i = 0; i < d->n; i++)
        gw_assert_close(d->X[j * d->n + i], want[i], tol, tol);
}

static const gw_frame_opts PANEL = {.panel_id = "id", .panel_time = "t"};

static void test_frame_poly(void **state)
{
    const gw_table *t = *state;
    /* v = 1..8: centred c = v - 4.5, sum c^2 = 42, and by symmetry the degree-2 polynomial is
     * c^2 - 42/8 (R's poly(1:8, 2)). */
    gw_design *d = build(t, "y ~ poly(v, 2)", NULL);
    gwt_design_expect_names(d,
                            (const char *const[]){"(Intercept)", "poly(v,2)1", "poly(v,2)2", NULL});
    double p1[N], p2[N], s2 = 0.0;
    for (size_t i = 0; i < N; i++) {
        double c = V[i] - 4.5;
        p1[i] = c / sqrt(42.0);
        p2[i] = c * c - 42.0 / 8.0;
        s2 += p2[i] * p2[i];
    }
    for (size_t i = 0; i < N; i++)
        p2[i] /= sqrt(s2);
    expect_col(d, 1, p1, 1e-15);
    expect_col(d, 2, p2, 1e-15);
    assert_null(d->Xlo);
    gw_design_free(d);

    /* Over the rows used: x is missing at row 8, so poly(v, 3) is orthonormal over rows 1..7. */
    d = build(t, "y ~ x + poly(v, 3)", NULL);
    assert_int_equal(d->n, N - 1);
    for (size_t a = 2; a < 5; a++) {
        double s1 = 0.0;
        for (size_t i = 0; i < d->n; i++)
            s1 += d->X[a * d->n + i];
        gw_assert_close(s1, 0.0, 0.0, 1e-14);
        for (size_t b = 2; b < 5; b++) {
            double s = 0.0;
            for (size_t i = 0; i < d->n; i++)
                s += d->X[a * d->n + i] * d->X[b * d->n + i];
            gw_assert_close(s, a == b ? 1.0 : 0.0, 1e-14, 1e-14);
        }
    }
    gw_design_free(d);

    /* raw = TRUE: the powers, exactly. */
    d = build(t, "y ~ poly(v, 3, raw = TRUE)", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "poly(v,3,raw=TRUE)1",
                                                     "poly(v,3,raw=TRUE)2", "poly(v,3,raw=TRUE)3",
                                                     NULL});
    double v3[N];
    for (size_t i = 0; i < N; i++)
        v3[i] = V[i] * V[i] * V[i];
    expect_col(d, 3, v3, 0.0);
    gw_design_free(d);

    /* The degree must be below the number of distinct values (2 in yr's subset of one). */
    assert_int_equal(try_build(t, "y ~ poly(one, 1)", NULL, &d), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "less than the number of distinct values"));
}

/* The recurrence constants of poly() go to d->poly (closed forms for v = 1..8: alpha the mean
 * 4.5 by symmetry, norm2 1, n, sum c^2 = 42, sum p2^2), and with opts.poly a design over other
 * rows gets the fit's polynomials at those rows (R's predict with poly()'s coefs), even over
 * fewer distinct values than the degree. */
static void test_frame_poly_stored(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t, "y ~ poly(v, 2)", NULL), *e = NULL;
    double s2 = 0.0, p1[N], p2[N];
    for (size_t i = 0; i < N; i++) {
        double c = V[i] - 4.5;
        p1[i] = c / sqrt(42.0);
        p2[i] = c * c - 42.0 / 8.0;
        s2 += p2[i] * p2[i];
    }
    assert_int_equal(d->npoly, 1);
    const gw_poly_coefs *c = &d->poly[0];
    assert_string_equal(c->term, "poly(v,2)");
    assert_int_equal(c->degree, 2);
    const double norm2[4] = {1.0, 8.0, 42.0, s2};
    for (size_t j = 0; j < 2; j++)
        gw_assert_close(c->alpha[j], 4.5, 1e-15, 1e-15);
    for (size_t j = 0; j < 4; j++)
        gw_assert_close(c->norm2[j], norm2[j], 1e-15, 1e-15);
    /* Rows 2 and 7 only (v = 2, 7): two distinct values, degree 2, with the fit's constants. */
    const unsigned char keep[N] = {0, 1, 0, 0, 0, 0, 1, 0};
    gw_frame_opts o = {.keep = keep, .poly = d->poly, .npoly = d->npoly};
    e = build(t, "y ~ poly(v, 2)", &o);
    assert_int_equal(e->n, 2);
    const size_t rows[2] = {1, 6};
    for (size_t i = 0; i < 2; i++) {
        gw_assert_close(e->X[1 * e->n + i], p1[rows[i]], 1e-15, 1e-15);
        gw_assert_close(e->X[2 * e->n + i], p2[rows[i]] / sqrt(s2), 1e-15, 1e-15);
    }
    gw_design_free(e);
    /* Without them, those rows are too few for degree 2; stored constants of another degree
     * under the same name are refused. */
    o.poly = NULL;
    assert_int_equal(try_build(t, "y ~ poly(v, 2)", &o, &e), GW_EINVAL);
    d->poly[0].degree = 1;
    o.poly = d->poly;
    assert_int_equal(try_build(t, "y ~ poly(v, 2)", &o, &e), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "stored constants are of degree 1"));
    d->poly[0].degree = 2;
    gw_design_free(d);
}

static void test_frame_factor_ref_and_i(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t, "y ~ factor(yr, ref = 2011)", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "factor(yr)=2010", "factor(yr)=2012", NULL});
    double d2010[N], d2012[N];
    for (size_t i = 0; i < N; i++) {
        d2010[i] = YR[i] == 2010;
        d2012[i] = YR[i] == 2012;
    }
    expect_col(d, 1, d2010, 0.0);
    expect_col(d, 2, d2012, 0.0);
    gw_design_free(d);
    /* Without an intercept every level has its dummy: ref changes nothing. */
    d = build(t, "y ~ 0 + factor(yr, ref = 2011)", NULL);
    assert_int_equal(d->p, 3);
    gw_design_free(d);
    d = build(t, "y ~ factor(reg, ref = \"South\")", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "factor(reg)=North", "factor(reg)=East", NULL});
    gw_design_free(d);

    /* i(): the dummies of every level but the references, fixest's names. */
    d = build(t, "y ~ i(yr, ref = 2011)", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "yr::2010", "yr::2012", NULL});
    expect_col(d, 2, d2012, 0.0);
    gw_design_free(d);
    d = build(t, "y ~ 0 + i(reg, ref = c(\"North\", \"East\"))", NULL);
    gwt_design_expect_names(d, (const char *const[]){"reg::South", NULL});
    gw_design_free(d);
    /* i(x, by) with a numeric by: x's dummies times by, named x::LEVEL:by. */
    d = build(t, "y ~ i(yr, v, ref = c(2010, 2012))", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "yr::2011:v", NULL});
    double w[N];
    for (size_t i = 0; i < N; i++)
        w[i] = YR[i] == 2011 ? V[i] : 0.0;
    expect_col(d, 1, w, 0.0);
    gw_design_free(d);
    /* A categorical by: the interaction of the two factors, x fastest, every level of by. */
    d = build(t, "y ~ i(yr, reg, ref = 2012)", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "yr::2010:reg::North",
                                                     "yr::2011:reg::North", "yr::2010:reg::South",
                                                     "yr::2011:reg::South", "yr::2010:reg::East",
                                                     "yr::2011:reg::East", NULL});
    for (size_t i = 0; i < N; i++)
        w[i] = YR[i] == 2011 && REG[i] == 1;
    expect_col(d, 4, w, 0.0);
    gw_design_free(d);

    /* A reference no row has, and a string for a numeric variable: errors with carets. */
    assert_int_equal(try_build(t, "y ~ i(yr, ref = 1999)", NULL, &d), GW_EINVAL);
    assert_string_equal(gw_last_error(),
                        "the reference level 1999 of i(yr,ref=1999) does not occur in the rows "
                        "used\n  y ~ i(yr, ref = 1999)\n                  ^");
    assert_int_equal(try_build(t, "y ~ factor(yr, ref = \"a\")", NULL, &d), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "is a string, but 'yr' is numeric"));
}

static void test_frame_lags(void **state)
{
    const gw_table *t = *state;
    /* l(x, 1) per row: a1 -, a2 10, a4 - (3 is a gap), b2 3, b1 -, b3 5, a5 17, b4 8: rows 1,
     * 3 and 5 are dropped as missing; x missing at row 8 (b4) does not hide l(x, 1) there. */
    gw_design *d = build(t, "y ~ l(x, 1)", &PANEL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "l(x,1)", NULL});
    assert_int_equal(d->n, 5);
    assert_int_equal(d->nobs_dropped_missing, 3);
    expect_col(d, 1, (const double[]){10, 3, 5, 17, 8}, 0.0);
    const size_t rows[] = {1, 3, 5, 6, 7};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(d->row_index[i], rows[i]);
    gw_design_free(d);

    /* The same with a numeric panel id. */
    const gw_frame_opts numeric_id = {.panel_id = "idn", .panel_time = "t"};
    d = build(t, "y ~ l(x, 1)", &numeric_id);
    expect_col(d, 1, (const double[]){10, 3, 5, 17, 8}, 0.0);
    gw_design_free(d);

    /* f(x) = l(x, -1), a lead: a1 12, a2 - (a3 absent), a4 20, b2 8, b1 5, b3 - (x missing at
     * b4), a5 -, b4 -. */
    d = build(t, "y ~ f(x)", &PANEL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "f(x,1)", NULL});
    expect_col(d, 1, (const double[]){12, 20, 8, 5}, 0.0);
    gw_design_free(d);
    d = build(t, "y ~ l(x, -1)", &PANEL);
    expect_col(d, 1, (const double[]){12, 20, 8, 5}, 0.0);
    gw_design_free(d);
    /* d(x) = x - l(x, 1): a2 2, b2 2, b3 3, a5 3; l(x, 2) across the gap: a4 12, b3 3, b4 5. */
    d = build(t, "y ~ d(x)", &PANEL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "d(x)", NULL});
    expect_col(d, 1, (const double[]){2, 2, 3, 3}, 0.0);
    gw_design_free(d);
    d = build(t, "y ~ l(x, 2)", &PANEL);
    expect_col(d, 1, (const double[]){12, 3, 5}, 0.0);
    assert_int_equal(d->nobs_dropped_missing, 5);
    gw_design_free(d);
    /* d(y) as the response: a2 1, b2 -1, b3 2, a5 4 (b4's x is missing). */
    d = build(t, "d(y) ~ x", &PANEL);
    assert_string_equal(d->response, "d(y)");
    const double dy[] = {1, -1, 2, 4};
    assert_int_equal(d->n, 4);
    for (size_t i = 0; i < 4; i++)
        gw_assert_close(d->y[i], dy[i], 0.0, 0.0);
    gw_design_free(d);

    /* Without --panel: an error with a caret; duplicate (id, time) rows: both rows named. */
    assert_int_equal(try_build(t, "y ~ x + l(x)", NULL, &d), GW_EINVAL);
    assert_string_equal(gw_last_error(), "l(x,1) needs --panel ID,TIME (lags and leads follow "
                                         "each panel id in time)\n  y ~ x + l(x)\n            ^");
    const gw_frame_opts dup = {.panel_id = "one", .panel_time = "t"};
    assert_int_equal(try_build(t, "y ~ l(x)", &dup, &d), GW_EINVAL);
    assert_string_equal(gw_last_error(), "lags need one row per panel id and time: rows 1 and 5 "
                                         "have the same 'one' and time 1");
    /* Without lags, the same panel is no concern of the frame's. */
    d = build(t, "y ~ x", &dup);
    gw_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_poly),
        cmocka_unit_test(test_frame_poly_stored),
        cmocka_unit_test(test_frame_factor_ref_and_i),
        cmocka_unit_test(test_frame_lags),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
