/* test_frame.c -- the model frame builder on a small hand-made table: the exact X of
 * transforms, factor dummies (with and without intercept), interactions and double-double
 * powers; dropped rows and their counts; weights, fixed effects, clusters, panel and IV parts;
 * and every error status with its message. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_frame.h"
#include "gw_par.h"
#include "gw_test.h"

#define N 6

static const double Y[N] = {1.5, 2.25, 3.125, 4.0625, 5.5, 6.75};
static const double X1[N] = {1, 2, 3, 4, 5, 6};
static const double Z1[N] = {0.5, -1, 2, 0.25, 3, -2};
static const int32_t REGION[N] = {0, 1, 2, 0, 1, 2}; /* North South East */
static const int32_t G[N] = {0, 0, 1, 1, 0, 1};      /* a b */
static const int32_t FIRM[N] = {2, 2, 1, 1, 3, 3};   /* A (unused) B C D */
static const double CL[N] = {10, 5, 10, 7, 5, 7};
static const double YEAR[N] = {2011, 2010, 2012, 2010, 2011, 2012};
static const double FRAC[N] = {0.1, 0.25, 0.1, 1e21, -0.0, 0.0};
static const double TIME[N] = {1, 2, 1, 2, 1, 2};
static const double POWB[N] = {3, 7, 11, -11, 1.1, -6.86};
static const double NEG[N] = {1, -1, 2, 3, 4, 5};
static const double ZERO[N] = {1, 0, 2, 3, 4, 5};
static const double BIG[N] = {1000, 1, 1, 1, 1, 1};
static const double W[N] = {1, 0, 2, 0.5, 1, 1};
static const double WNEG[N] = {1, 1, 1, -0.5, 1, 1};
static const double WINF[N] = {1, 1, 1, 1, INFINITY, 1};
static const double D1[N] = {2, 1, 4, 3, 6, 5};
static const double ZA[N] = {1, 0, 1, 0, 1, 1};
static const double ZB[N] = {0.3, 0.1, 0.4, 0.1, 0.5, 0.9};

static int setup(void **state)
{
    gw_table *t = NULL;
    double nan_col[N], inf_col[N], miss_x[N], wmiss[N];
    int32_t region_miss[N];
    for (size_t i = 0; i < N; i++) {
        nan_col[i] = NAN;
        inf_col[i] = (double)i;
        miss_x[i] = X1[i];
        region_miss[i] = REGION[i];
        wmiss[i] = W[i];
    }
    inf_col[2] = -INFINITY;
    miss_x[1] = NAN;
    region_miss[3] = GW_CODE_MISSING;
    wmiss[0] = NAN;
    if (gw_table_new(N, &t) != GW_OK)
        return -1;
    static const char *const regions[] = {"North", "South", "East"};
    static const char *const gs[] = {"a", "b"};
    static const char *const firms[] = {"A", "B", "C", "D"};
    gwt_table_add_num(t, "y", Y, N);
    gwt_table_add_num(t, "x", X1, N);
    gwt_table_add_num(t, "z", Z1, N);
    gwt_table_add_cat(t, "region", REGION, N, regions, 3);
    gwt_table_add_cat(t, "g", G, N, gs, 2);
    gwt_table_add_cat(t, "firm", FIRM, N, firms, 4);
    gwt_table_add_num(t, "cl", CL, N);
    gwt_table_add_num(t, "year", YEAR, N);
    gwt_table_add_num(t, "frac", FRAC, N);
    gwt_table_add_num(t, "t", TIME, N);
    gwt_table_add_num(t, "pb", POWB, N);
    gwt_table_add_num(t, "neg", NEG, N);
    gwt_table_add_num(t, "zero", ZERO, N);
    gwt_table_add_num(t, "big", BIG, N);
    gwt_table_add_num(t, "w", W, N);
    gwt_table_add_num(t, "wneg", WNEG, N);
    gwt_table_add_num(t, "winf", WINF, N);
    gwt_table_add_num(t, "d", D1, N);
    gwt_table_add_num(t, "z1", ZA, N);
    gwt_table_add_num(t, "z2", ZB, N);
    gwt_table_add_num(t, "allnan", nan_col, N);
    gwt_table_add_num(t, "inf", inf_col, N);
    gwt_table_add_num(t, "xm", miss_x, N);
    gwt_table_add_cat(t, "regionm", region_miss, N, regions, 3);
    gwt_table_add_num(t, "wm", wmiss, N);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    gw_table_free(*state);
    return 0;
}

static gw_design *build(const gw_table *t, const char *formula, const gw_frame_opts *opts)
{
    gw_formula *f = NULL;
    gw_design *d = NULL;
    if (gw_formula_parse(formula, &f) != GW_OK)
        fail_msg("'%s': %s", formula, gw_last_error());
    if (gw_frame_build(t, f, opts, &d) != GW_OK)
        fail_msg("'%s': %s", formula, gw_last_error());
    gw_formula_free(f);
    assert_non_null(d);
    return d;
}

/* Column j of X must equal want[0..n) exactly. */
static void expect_col(const double *X, size_t n, size_t j, const double *want)
{
    for (size_t i = 0; i < n; i++)
        gw_assert_close(X[j * n + i], want[i], 0.0, 0.0);
}

static void test_frame_numeric_transforms(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t, "log(y) ~ x + log(x) + sqrt(x) + exp(z) + abs(z) + x:z + z^2", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "x", "log(x)", "sqrt(x)",
                                                     "exp(z)", "abs(z)", "x:z", "z^2", NULL});
    assert_int_equal(d->n, N);
    assert_int_equal(d->has_intercept, 1);
    assert_string_equal(d->response, "log(y)");
    double c[8][N], ly[N];
    for (size_t i = 0; i < N; i++) {
        c[0][i] = 1.0;
        c[1][i] = X1[i];
        c[2][i] = log(X1[i]);
        c[3][i] = sqrt(X1[i]);
        c[4][i] = exp(Z1[i]);
        c[5][i] = fabs(Z1[i]);
        c[6][i] = X1[i] * Z1[i];
        c[7][i] = Z1[i] * Z1[i];
        ly[i] = log(Y[i]);
        assert_int_equal(d->row_index[i], i);
    }
    for (size_t j = 0; j < 8; j++)
        expect_col(d->X, N, j, c[j]);
    expect_col(d->y, N, 0, ly);
    /* z^2 of these values is exact in double: no low parts, so no Xlo. */
    assert_null(d->Xlo);
    assert_null(d->w);
    assert_null(d->Z);
    assert_int_equal(d->nfe, 0);
    assert_int_equal(d->ncluster, 0);
    assert_null(d->panel_id);
    assert_int_equal(d->nobs_dropped_missing, 0);
    assert_int_equal(d->nobs_dropped_zero_weight, 0);
    gw_design_free(d);

    d = build(t, "y ~ 1", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", NULL});
    gw_design_free(d);
    d = build(t, "y ~ 0", NULL);
    assert_int_equal(d->p, 0);
    assert_int_equal(d->has_intercept, 0);
    gw_design_free(d);
    d = build(t, "y ~ x - 1", NULL);
    gwt_design_expect_names(d, (const char *const[]){"x", NULL});
    expect_col(d->X, N, 0, X1);
    gw_design_free(d);
}

/* The dummy of level l of codes: 1 where codes == l. */
static void dummy(const int32_t *codes, int32_t l, double *out)
{
    for (size_t i = 0; i < N; i++)
        out[i] = codes[i] == l ? 1.0 : 0.0;
}

static void test_frame_factor_dummies(void **state)
{
    const gw_table *t = *state;
    double dm[N];
    /* With an intercept the first level is the reference. */
    gw_design *d = build(t, "y ~ region", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "region=South", "region=East", NULL});
    dummy(REGION, 1, dm);
    expect_col(d->X, N, 1, dm);
    dummy(REGION, 2, dm);
    expect_col(d->X, N, 2, dm);
    gw_design_free(d);

    d = build(t, "y ~ factor(region)", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "factor(region)=South",
                                                     "factor(region)=East", NULL});
    gw_design_free(d);

    /* Without one, the first factor gets every level and later ones drop their first. */
    d = build(t, "y ~ 0 + region", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"region=North", "region=South", "region=East", NULL});
    for (int32_t l = 0; l < 3; l++) {
        dummy(REGION, l, dm);
        expect_col(d->X, N, (size_t)l, dm);
    }
    gw_design_free(d);
    d = build(t, "y ~ 0 + region + g", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"region=North", "region=South", "region=East", "g=b", NULL});
    dummy(G, 1, dm);
    expect_col(d->X, N, 3, dm);
    gw_design_free(d);
    d = build(t, "y ~ x + g - 1", NULL);
    gwt_design_expect_names(d, (const char *const[]){"x", "g=a", "g=b", NULL});
    gw_design_free(d);

    /* factor() of a numeric column: sorted distinct values, shortest round-trip names. */
    d = build(t, "y ~ factor(year)", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "factor(year)=2011", "factor(year)=2012", NULL});
    double y11[N] = {1, 0, 0, 0, 1, 0}, y12[N] = {0, 0, 1, 0, 0, 1};
    expect_col(d->X, N, 1, y11);
    expect_col(d->X, N, 2, y12);
    gw_design_free(d);
    d = build(t, "y ~ 0 + factor(frac)", NULL);
    gwt_design_expect_names(d,
                            (const char *const[]){"factor(frac)=0", "factor(frac)=0.1",
                                                  "factor(frac)=0.25", "factor(frac)=1e+21", NULL});
    double f0[N] = {0, 0, 0, 0, 1, 1}; /* -0 and +0 are one level */
    expect_col(d->X, N, 0, f0);
    gw_design_free(d);

    /* Only levels that occur in the kept rows make columns (firm's level A never occurs). */
    d = build(t, "y ~ firm", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "firm=C", "firm=D", NULL});
    gw_design_free(d);
}

static void test_frame_interactions(void **state)
{
    const gw_table *t = *state;
    double v[N];
    /* x:region without x: every level (the term without region, x, is not in the model). */
    gw_design *d = build(t, "y ~ x:region", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "x:region=North",
                                                     "x:region=South", "x:region=East", NULL});
    for (int32_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < N; i++)
            v[i] = REGION[i] == l ? X1[i] : 0.0;
        expect_col(d->X, N, 1 + (size_t)l, v);
    }
    gw_design_free(d);

    /* With x in the model (even written after the interaction) the first level drops. */
    d = build(t, "y ~ region:x + x", NULL);
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "region=South:x", "region=East:x", "x", NULL});
    gw_design_free(d);

    /* a*b of two factors: contrasts for both, the first varying fastest. */
    d = build(t, "y ~ region*g", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "region=South", "region=East",
                                                     "g=b", "region=South:g=b", "region=East:g=b",
                                                     NULL});
    for (size_t i = 0; i < N; i++)
        v[i] = REGION[i] == 2 && G[i] == 1 ? 1.0 : 0.0;
    expect_col(d->X, N, 5, v);
    gw_design_free(d);
    d = build(t, "y ~ region:g", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "region=North:g=a",
                                                     "region=South:g=a", "region=East:g=a",
                                                     "region=North:g=b", "region=South:g=b",
                                                     "region=East:g=b", NULL});
    gw_design_free(d);
    /* R: model.matrix(~ g + g:region) codes region fully inside g. */
    d = build(t, "y ~ g + g:region", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "g=b", "g=a:region=South",
                                                     "g=b:region=South", "g=a:region=East",
                                                     "g=b:region=East", NULL});
    gw_design_free(d);

    /* Numeric products. */
    d = build(t, "y ~ x*z", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "x", "z", "x:z", NULL});
    for (size_t i = 0; i < N; i++)
        v[i] = X1[i] * Z1[i];
    expect_col(d->X, N, 3, v);
    gw_design_free(d);
}

/* Test-side double-double: TwoProduct by fma, then repeated multiplication (not the library's
 * binary powering), to check X + Xlo independently. */
static void ref_pow(double x, unsigned k, double *hi, double *lo)
{
    double h = 1.0, l = 0.0;
    for (unsigned e = 0; e < k; e++) {
        double p = h * x, err = fma(h, x, -p);
        err += l * x;
        h = p + err;
        l = err - (h - p);
    }
    *hi = h;
    *lo = l;
}

static void test_frame_powers_double_double(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t, "y ~ pb^18 + I(pb^3) + x^2", NULL);
    gwt_design_expect_names(d,
                            (const char *const[]){"(Intercept)", "pb^18", "I(pb^3)", "x^2", NULL});
    assert_non_null(d->Xlo);
    /* Integers: X + Xlo is exact. 11^18 = 5559917313492231481 needs 63 bits. */
    static const uint64_t exact18[4] = {387420489ull, 1628413597910449ull, 5559917313492231481ull,
                                        5559917313492231481ull};
    for (size_t i = 0; i < 4; i++) {
        double hi = d->X[1 * N + i], lo = d->Xlo[1 * N + i];
        uint64_t sum = (uint64_t)hi + (uint64_t)(int64_t)lo;
        assert_true(lo == floor(lo));
        if (sum != exact18[i])
            fail_msg("row %zu: %.17g + %.17g != %llu", i, hi, lo, (unsigned long long)exact18[i]);
        assert_true(hi == (double)exact18[i]);
    }
    /* 11^18 is not a double: a nonzero low part. */
    assert_true(d->Xlo[1 * N + 2] != 0.0);
    /* Non-integers: agrees with an independent double-double to ~30 digits. */
    for (size_t i = 4; i < N; i++) {
        double hi, lo;
        ref_pow(POWB[i], 18, &hi, &lo);
        gw_assert_close(d->X[1 * N + i], hi, 0.0, 0.0);
        gw_assert_close((d->X[1 * N + i] - hi) + (d->Xlo[1 * N + i] - lo), 0.0, 0.0,
                        1e-30 * fabs(hi));
        ref_pow(POWB[i], 3, &hi, &lo);
        gw_assert_close(d->X[2 * N + i], hi, 0.0, 0.0);
        gw_assert_close((d->X[2 * N + i] - hi) + (d->Xlo[2 * N + i] - lo), 0.0, 0.0,
                        1e-30 * fabs(hi));
    }
    /* x^2 of small integers is exact: zero low parts. */
    for (size_t i = 0; i < N; i++) {
        gw_assert_close(d->X[3 * N + i], X1[i] * X1[i], 0.0, 0.0);
        gw_assert_close(d->Xlo[3 * N + i], 0.0, 0.0, 0.0);
        gw_assert_close(d->Xlo[0 * N + i], 0.0, 0.0, 0.0);
    }
    gw_design_free(d);

    /* A product with a power is carried in double-double too: (1.1^3) * z. */
    d = build(t, "y ~ pb^3:z", NULL);
    assert_non_null(d->Xlo);
    double hi, lo;
    ref_pow(1.1, 3, &hi, &lo);
    double ph = hi * Z1[4], pl = fma(hi, Z1[4], -ph) + lo * Z1[4];
    gw_assert_close(d->X[1 * N + 4], ph + pl, 0.0, 0.0);
    gw_assert_close((d->X[1 * N + 4] - ph) + (d->Xlo[1 * N + 4] - pl), 0.0, 0.0, 1e-30 * fabs(ph));
    gw_design_free(d);
}

static void test_frame_missing_rows(void **state)
{
    const gw_table *t = *state;
    /* xm is missing at row 1, regionm at row 3; allnan is not used so it drops nothing. */
    gw_design *d = build(t, "y ~ xm + regionm", NULL);
    assert_int_equal(d->n, 4);
    assert_int_equal(d->nobs_dropped_missing, 2);
    static const size_t rows[4] = {0, 2, 4, 5};
    double xk[4], yk[4];
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(d->row_index[i], rows[i]);
        xk[i] = X1[rows[i]];
        yk[i] = Y[rows[i]];
    }
    for (size_t i = 0; i < 4; i++) {
        gw_assert_close(d->X[1 * 4 + i], xk[i], 0.0, 0.0);
        gw_assert_close(d->y[i], yk[i], 0.0, 0.0);
    }
    gwt_design_expect_names(
        d, (const char *const[]){"(Intercept)", "xm", "regionm=South", "regionm=East", NULL});
    gw_design_free(d);

    /* Missing weights, fixed effects and clusters drop rows as well; a row missing in two
     * columns counts once. */
    gw_frame_opts o = {.weights = "wm", .cluster = {"xm", NULL}};
    d = build(t, "y ~ x | regionm", &o);
    /* Dropped: row 0 (wm), 1 (xm, and its zero weight is not counted), 3 (regionm). */
    assert_int_equal(d->nobs_dropped_missing, 3);
    assert_int_equal(d->nobs_dropped_zero_weight, 0);
    assert_int_equal(d->n, 3);
    assert_int_equal(d->row_index[0], 2);
    gw_design_free(d);
}

/* gw_frame_opts.keep leaves rows out before anything else: a left-out row's infinite value is
 * no error and its missing value is not counted. */
static void test_frame_keep_rows(void **state)
{
    const gw_table *t = *state;
    static const unsigned char keep[N] = {1, 1, 0, 1, 0, 1}; /* inf is -Inf at row 2 */
    gw_frame_opts o = {.keep = keep};
    gw_design *d = build(t, "y ~ xm + inf", &o);
    assert_int_equal(d->nobs_dropped_subset, 2);
    assert_int_equal(d->nobs_dropped_missing, 1); /* xm at row 1 */
    assert_int_equal(d->n, 3);
    static const size_t rows[3] = {0, 3, 5};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(d->row_index[i], rows[i]);
        gw_assert_close(d->y[i], Y[rows[i]], 0.0, 0.0);
    }
    gw_design_free(d);
    static const unsigned char keep1[N] = {0, 1, 0, 0, 0, 0}; /* only the row missing xm */
    o.keep = keep1;
    gw_design *none = NULL;
    gw_formula *f = NULL;
    assert_int_equal(gw_formula_parse("y ~ xm", &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &o, &none), GW_ENODATA);
    assert_null(none);
    assert_non_null(strstr(gw_last_error(), "5 are outside the subset, 1 have a missing value"));
    gw_formula_free(f);
}

static void test_frame_weights(void **state)
{
    const gw_table *t = *state;
    gw_frame_opts o = {.weights = "w"};
    gw_design *d = build(t, "y ~ x", &o);
    assert_int_equal(d->n, 5);
    assert_int_equal(d->nobs_dropped_zero_weight, 1);
    assert_int_equal(d->nobs_dropped_missing, 0);
    assert_non_null(d->w);
    static const double wk[5] = {1, 2, 0.5, 1, 1};
    for (size_t i = 0; i < 5; i++) {
        gw_assert_close(d->w[i], wk[i], 0.0, 0.0);
        assert_true(d->w[i] > 0.0);
    }
    assert_int_equal(d->row_index[1], 2);
    gw_design_free(d);
}

static void test_frame_groups_and_panel(void **state)
{
    const gw_table *t = *state;
    gw_frame_opts o = {.cluster = {"g", "cl"}, .panel_id = "firm", .panel_time = "t"};
    gw_design *d = build(t, "y ~ x + region | firm + cl", &o);
    /* Absorbed fixed effects: no intercept column, but factors still drop their reference. */
    assert_int_equal(d->has_intercept, 0);
    gwt_design_expect_names(d, (const char *const[]){"x", "region=South", "region=East", NULL});
    assert_int_equal(d->nfe, 2);
    assert_string_equal(d->fe[0].name, "firm");
    assert_int_equal(d->fe[0].nlevels, 3); /* B, C, D occur; renumbered 0..2 */
    static const int32_t firm_codes[N] = {1, 1, 0, 0, 2, 2};
    static const int32_t cl_codes[N] = {2, 0, 2, 1, 0, 1}; /* 5, 7, 10 */
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(d->fe[0].codes[i], firm_codes[i]);
        assert_int_equal(d->fe[1].codes[i], cl_codes[i]);
        assert_int_equal(d->cluster[0].codes[i], G[i]);
        assert_int_equal(d->cluster[1].codes[i], cl_codes[i]);
        assert_int_equal(d->panel_id->codes[i], firm_codes[i]);
        gw_assert_close(d->panel_time[i], TIME[i], 0.0, 0.0);
    }
    assert_string_equal(d->fe[1].name, "cl");
    assert_int_equal(d->fe[1].nlevels, 3);
    assert_int_equal(d->ncluster, 2);
    assert_string_equal(d->cluster[0].name, "g");
    assert_int_equal(d->cluster[0].nlevels, 2);
    assert_string_equal(d->panel_id->name, "firm");
    assert_int_equal(d->panel_id->nlevels, 3);
    gw_design_free(d);

    /* Codes are renumbered over the kept rows: dropping row 1 (xm) leaves cl 10, 7, 5. */
    gw_frame_opts o2 = {.cluster = {NULL, "cl"}};
    d = build(t, "y ~ xm", &o2);
    assert_int_equal(d->ncluster, 1);
    assert_int_equal(d->cluster[0].nlevels, 3);
    assert_int_equal(d->cluster[0].codes[0], 2);
    gw_design_free(d);
}

static void test_frame_iv(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t, "y ~ x | d ~ z1 + z2", NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "x", "d", NULL});
    assert_int_equal(d->n_endog, 1);
    expect_col(d->X, N, 2, D1);
    assert_int_equal(d->q, 2);
    assert_non_null(d->Z);
    assert_string_equal(d->inst_terms[0], "z1");
    assert_string_equal(d->inst_terms[1], "z2");
    expect_col(d->Z, N, 0, ZA);
    expect_col(d->Z, N, 1, ZB);
    gw_design_free(d);

    d = build(t, "y ~ x | firm | d + d:z ~ z1 + factor(g)", NULL);
    gwt_design_expect_names(d, (const char *const[]){"x", "d", "d:z", NULL});
    assert_int_equal(d->n_endog, 2);
    assert_int_equal(d->nfe, 1);
    assert_int_equal(d->q, 2);
    assert_string_equal(d->inst_terms[1], "factor(g)=b");
    double gb[N];
    dummy(G, 1, gb);
    expect_col(d->Z, N, 1, gb);
    gw_design_free(d);
}

static void test_frame_errors(void **state)
{
    const gw_table *t = *state;
    static const struct {
        const char *formula;
        gw_frame_opts opts;
        gw_status status;
        const char *msg; /* a substring of the message */
    } cases[] = {
        {"y ~ foo", {0}, GW_ENOVAR, "unknown variable 'foo' in the formula\n  y ~ foo\n      ^"},
        {"y ~ x + log(foo)",
         {0},
         GW_ENOVAR,
         "'foo' in the formula\n  y ~ x + log(foo)\n"
         "              ^"},
        {"foo ~ x", {0}, GW_ENOVAR, "unknown variable 'foo'"},
        {"y ~ x | nofe", {0}, GW_ENOVAR, "'nofe' in the formula\n  y ~ x | nofe\n          ^"},
        {"y ~ x | d ~ nozz", {0}, GW_ENOVAR, "unknown variable 'nozz'"},
        {"y ~ log(neg)", {0}, GW_EFORMAT, "log(neg) is undefined at row 2 (neg = -1)"},
        {"y ~ log(zero)", {0}, GW_EFORMAT, "log(zero) is undefined at row 2 (zero = 0)"},
        {"y ~ sqrt(neg)", {0}, GW_EFORMAT, "sqrt(neg) is undefined at row 2 (neg = -1)"},
        {"log(neg) ~ x", {0}, GW_EFORMAT, "log(neg) is undefined at row 2"},
        {"y ~ x:log(neg)", {0}, GW_EFORMAT, "log(neg) is undefined at row 2"},
        {"y ~ exp(big)", {0}, GW_EFORMAT, "exp(big) overflows at row 1 (big = 1000)"},
        {"y ~ big^200", {0}, GW_EFORMAT, "big^200 overflows at row 1 (big = 1000)"},
        {"y ~ log(region)", {0}, GW_EINVAL, "'log(region)': 'region' is categorical"},
        {"y ~ region^2", {0}, GW_EINVAL, "'region^2': 'region' is categorical"},
        {"y ~ I(region^2)", {0}, GW_EINVAL, "is categorical"},
        {"region ~ x", {0}, GW_EINVAL, "the response 'region' is categorical"},
        {"y ~ allnan", {0}, GW_ENODATA, "no observations left: of 6 rows, 6 have a missing"},
        {"y ~ inf", {0}, GW_ENONFINITE, "'inf' is infinite at row 3"},
        {"y ~ x", {.weights = "nope"}, GW_ENOVAR, "unknown weights variable 'nope'"},
        {"y ~ x", {.weights = "region"}, GW_EINVAL, "weights variable 'region' is categorical"},
        {"y ~ x",
         {.weights = "wneg"},
         GW_EINVAL,
         "weight 'wneg' is negative at row 4 (wneg = -0.5)"},
        {"y ~ x", {.weights = "winf"}, GW_EINVAL, "weight 'winf' is infinite at row 5"},
        {"y ~ x", {.cluster = {"nope", NULL}}, GW_ENOVAR, "unknown cluster variable 'nope'"},
        {"y ~ x", {.cluster = {"g", "g"}}, GW_EINVAL, "cluster variable 'g' is given twice"},
        {"y ~ x", {.panel_id = "nope"}, GW_ENOVAR, "unknown panel variable 'nope'"},
        {"y ~ x", {.panel_time = "region"}, GW_EINVAL, "panel time variable 'region'"},
        {"y ~ x", {.panel_id = "firm", .panel_time = "inf"}, GW_ENONFINITE, "'inf' is infinite"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = NULL;
        gw_design *d = (gw_design *)(uintptr_t)1;
        assert_int_equal(gw_formula_parse(cases[k].formula, &f), GW_OK);
        gw_clear_error();
        gw_status rc = gw_frame_build(t, f, &cases[k].opts, &d);
        if (rc != cases[k].status)
            fail_msg("case %zu '%s': status %d (%s), expected %d", k, cases[k].formula, (int)rc,
                     gw_last_error(), (int)cases[k].status);
        assert_null(d);
        if (strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("case %zu '%s': message '%s' lacks '%s'", k, cases[k].formula, gw_last_error(),
                     cases[k].msg);
        gw_formula_free(f);
    }
    /* The unknown-variable message is exactly the contract's shape. */
    gw_formula *f = NULL;
    gw_design *d = NULL;
    assert_int_equal(gw_formula_parse("y ~ foo", &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, NULL, &d), GW_ENOVAR);
    assert_string_equal(gw_last_error(), "unknown variable 'foo' in the formula\n  y ~ foo\n"
                                         "      ^");
    assert_int_equal(gw_frame_build(NULL, f, NULL, &d), GW_EINVAL);
    assert_null(d);
    assert_int_equal(gw_frame_build(t, NULL, NULL, &d), GW_EINVAL);
    assert_int_equal(gw_frame_build(t, f, NULL, NULL), GW_EINVAL);
    gw_formula_free(f);
}

/* Under fault injection every allocation failure is GW_ENOMEM with nothing leaked (ASan). */
static void test_frame_out_of_memory(void **state)
{
    const gw_table *t = *state;
    gw_formula *f = NULL;
    gw_frame_opts o = {
        .weights = "w", .cluster = {"g", "cl"}, .panel_id = "firm", .panel_time = "t"};
    assert_int_equal(gw_formula_parse("y ~ pb^2*region + factor(year) | firm | d ~ z1 + z2", &f),
                     GW_OK);
    for (long k = 0; k < 1000; k++) {
        gw_design *d = NULL;
        gw_alloc_fail_after(k);
        gw_status rc = gw_frame_build(t, f, &o, &d);
        int failed = gw_alloc_failed();
        gw_alloc_fail_after(-1);
        if (rc == GW_OK) {
            assert_non_null(d);
            gw_design_free(d);
            if (!failed)
                break;
        } else {
            if (rc != GW_ENOMEM)
                fail_msg("k = %ld: %d %s", k, (int)rc, gw_last_error());
            assert_null(d);
        }
    }
    gw_formula_free(f);
}

/* Two designs hold the same numbers bit for bit. */
static void expect_same_design(const gw_design *a, const gw_design *b)
{
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->p, b->p);
    assert_int_equal(a->q, b->q);
    assert_memory_equal(a->X, b->X, a->n * a->p * sizeof(double));
    assert_memory_equal(a->y, b->y, a->n * sizeof(double));
    for (size_t i = 0; i < a->n; i++) /* NULL: the identity (consume, every row kept) */
        assert_int_equal(a->row_index ? a->row_index[i] : i, b->row_index ? b->row_index[i] : i);
    assert_int_equal(a->Xlo != NULL, b->Xlo != NULL);
    if (a->Xlo != NULL)
        assert_memory_equal(a->Xlo, b->Xlo, a->n * a->p * sizeof(double));
    assert_int_equal(a->w != NULL, b->w != NULL);
    if (a->w != NULL)
        assert_memory_equal(a->w, b->w, a->n * sizeof(double));
    if (a->q > 0)
        assert_memory_equal(a->Z, b->Z, a->n * a->q * sizeof(double));
    for (size_t j = 0; j < a->p; j++)
        assert_string_equal(a->terms[j], b->terms[j]);
    assert_int_equal(a->nfe, b->nfe);
    assert_int_equal(a->ncluster, b->ncluster);
    const gw_factor *fa[] = {a->fe, a->cluster, a->panel_id},
                    *fb[] = {b->fe, b->cluster, b->panel_id};
    size_t cnt[] = {a->nfe, a->ncluster, a->panel_id ? 1u : 0u};
    for (int g = 0; g < 3; g++)
        for (size_t k = 0; k < cnt[g]; k++) {
            assert_int_equal(fa[g][k].nlevels, fb[g][k].nlevels);
            assert_memory_equal(fa[g][k].codes, fb[g][k].codes, a->n * sizeof(int32_t));
        }
    assert_int_equal(a->panel_time != NULL, b->panel_time != NULL);
    if (a->panel_time != NULL)
        assert_memory_equal(a->panel_time, b->panel_time, a->n * sizeof(double));
}

/* gw_frame_build_consume gives gw_frame_build's design and releases exactly the used columns;
 * its errors are gw_frame_build's. */
static void test_frame_consume(void **state)
{
    const gw_table *t = *state;
    static const struct {
        const char *formula;
        gw_frame_opts opts;
    } cases[] = {
        {"y ~ x + region | firm + cl",
         {.cluster = {"g", "cl"}, .panel_id = "firm", .panel_time = "t"}},
        {"y ~ pb^2*region + factor(year) + log(x) | firm | d ~ z1 + z2", {.weights = "w"}},
        {"log(y) ~ xm + regionm:x + factor(frac)", {.cluster = {"cl", NULL}}},
        {"y ~ x + x:z + I(x^2)", {.weights = "wm", .cluster = {"cl", "year"}}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = NULL;
        gw_design *want = NULL, *got = NULL;
        void *copy = NULL;
        assert_int_equal(gw_formula_parse(cases[k].formula, &f), GW_OK);
        assert_int_equal(gw_frame_build(t, f, &cases[k].opts, &want), GW_OK);
        assert_int_equal(setup(&copy), 0);
        gw_table *c = copy;
        if (gw_frame_build_consume(c, f, &cases[k].opts, &got) != GW_OK)
            fail_msg("'%s': %s", cases[k].formula, gw_last_error());
        expect_same_design(want, got);
        /* Released: every column the model read; kept: the others ("big" is never used). */
        assert_null(gw_table_numeric(c, (size_t)gw_table_find(c, gw_formula_response(f)->var)));
        assert_non_null(gw_table_numeric(c, (size_t)gw_table_find(c, "big")));
        if (cases[k].opts.cluster[0] != NULL)
            assert_null(gw_table_numeric(c, (size_t)gw_table_find(c, cases[k].opts.cluster[0])));
        gw_design_free(want);
        gw_design_free(got);
        gw_table_free(c);
        gw_formula_free(f);
    }
    /* An error is the same error. */
    gw_formula *f = NULL;
    gw_design *d = NULL;
    void *copy = NULL;
    assert_int_equal(gw_formula_parse("y ~ x + log(neg)", &f), GW_OK);
    assert_int_equal(setup(&copy), 0);
    assert_int_equal(gw_frame_build_consume(copy, f, NULL, &d), GW_EFORMAT);
    assert_null(d);
    assert_non_null(strstr(gw_last_error(), "log(neg) is undefined at row 2"));
    gw_table_free(copy);
    gw_formula_free(f);
}

/* A table whose numeric columns y, x, z, w (in that order) live in one block after a gap slot,
 * as a reader fills it (core_int.h: the table block), plus the categorical g. */
static gw_table *block_table(int with_nan)
{
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(N, &t), GW_OK);
    assert_int_equal(gwi_table_block_reserve(t, 4, 1), GW_OK);
    assert_int_equal(gwi_table_block_gap(t), 1);
    const double *src[4] = {Y, X1, Z1, W};
    const char *names[4] = {"y", "x", "z", "w"};
    for (int j = 0; j < 4; j++) {
        double *slot = gwi_table_block_next(t);
        assert_non_null(slot);
        memcpy(slot, src[j], N * sizeof *slot);
        if (with_nan && j == 2)
            slot[3] = NAN;
        assert_int_equal(gwi_table_add_numeric_block(t, names[j]), GW_OK);
    }
    assert_null(gwi_table_block_next(t));
    static const char *const gs[] = {"a", "b"};
    gwt_table_add_cat(t, "g", G, N, gs, 2);
    return t;
}

/* The design takes the block as y and X when they lie there in order (no copy), and otherwise
 * fills its own: the same numbers either way. */
static void test_frame_adopt_block(void **state)
{
    (void)state;
    static const struct {
        const char *formula;
        int nan, adopt;
    } cases[] = {
        {"y ~ x + z | g", 0, 1},     /* x, z consecutive: taken; y elsewhere in the block */
        {"y ~ x | g", 0, 1},         /* one column */
        {"x ~ z + w | g", 0, 1},     /* y before X in the block */
        {"w ~ y + x + z", 0, 1},     /* the intercept goes in the gap slot before y */
        {"y ~ x + z", 0, 0},         /* an intercept, but x is not next to the gap: filled */
        {"y ~ z + x | g", 0, 0},     /* out of order: filled */
        {"y ~ y + x | g", 0, 0},     /* y among X's columns: filled */
        {"y ~ x + z | g", 1, 0},     /* a dropped row: filled */
        {"y ~ x + log(z + 3) | g", 0, 0},
        {"log(y + w) ~ I(x * z) + x + w | g", 1, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = NULL;
        gw_design *want = NULL, *got = NULL;
        assert_int_equal(gw_formula_parse(cases[k].formula, &f), GW_OK);
        gw_table *t1 = block_table(cases[k].nan), *t2 = block_table(cases[k].nan);
        gw_frame_opts o = {.cluster = {"g", NULL}};
        assert_int_equal(gw_frame_build(t1, f, &o, &want), GW_OK);
        assert_int_equal(gw_frame_build_consume(t2, f, &o, &got), GW_OK);
        expect_same_design(want, got);
        assert_null(want->block);
        if (cases[k].adopt)
            assert_non_null(got->block);
        else
            assert_null(got->block);
        gw_table_free(t1);
        gw_table_free(t2); /* the block is the design's now (ASan: no double free) */
        gw_design_free(want);
        gw_design_free(got);
        gw_formula_free(f);
    }
}

/* Tables of several fill blocks: the same design for 1, 2 and 3 threads, and the first
 * offending row reported when a later block fails too. */
static void test_frame_threads(void **state)
{
    (void)state;
    const size_t n = 3 * 65536 + 123;
    gw_table *t = NULL;
    assert_int_equal(gw_table_new(n, &t), GW_OK);
    double *c[4];
    for (int j = 0; j < 4; j++)
        c[j] = gw_alloc_array(n, sizeof(double));
    for (size_t i = 0; i < n; i++) {
        c[0][i] = (double)(i % 97) * 0.5 + 1.0;
        c[1][i] = (double)((i * 7919) % 1000) + 1.0;
        c[2][i] = i % 11 == 0 ? (double)NAN : (double)(i % 13) - 3.0;
        c[3][i] = (double)((i * 31) % 5000) * 1e9; /* an id beyond the direct table's range */
    }
    c[1][150001] = -1.0;
    c[1][70001] = 0.0;
    const char *names[4] = {"y", "x", "z", "id"};
    for (int j = 0; j < 4; j++)
        assert_int_equal(gw_table_add_numeric_take(t, names[j], c[j]), GW_OK);
    gw_frame_opts o = {.cluster = {"id", NULL}};
    gw_design *d1 = NULL;
    for (int th = 1; th <= 3; th++) {
        gw_threads_set(th);
        gw_design *d = build(t, "y ~ x + z + factor(z) + x:z | id", &o);
        if (d1 == NULL)
            d1 = d;
        else {
            expect_same_design(d1, d);
            gw_design_free(d);
        }
        gw_formula *f = NULL;
        assert_int_equal(gw_formula_parse("y ~ z + log(x)", &f), GW_OK);
        assert_int_equal(gw_frame_build(t, f, NULL, &d), GW_EFORMAT);
        if (strstr(gw_last_error(), "log(x) is undefined at row 70002 (x = 0)") == NULL)
            fail_msg("threads %d: %s", th, gw_last_error());
        gw_formula_free(f);
    }
    gw_threads_set(0);
    gw_design_free(d1);
    gw_table_free(t);
}

/* Arithmetic inside factors (GW_FF_EXPR): names without white space, values as C computes
 * them, I(x^2) still the double-double power, a condition as 1/0, on the response too. */
static void test_frame_expressions(void **state)
{
    const gw_table *t = *state;
    gw_design *d = build(t,
                         "log(y + 1) ~ I(x / 10) + exp(-x/10) + I(x^2) + I(x * z) + "
                         "I(region == 'North') + log(abs(z) + 1):x",
                         NULL);
    gwt_design_expect_names(d, (const char *const[]){"(Intercept)", "I(x/10)", "exp(-x/10)",
                                                     "I(x^2)", "I(x*z)", "I(region=='North')",
                                                     "log(abs(z)+1):x", NULL});
    assert_string_equal(d->response, "log(y+1)");
    double c[6][N], ly[N];
    for (size_t i = 0; i < N; i++) {
        c[0][i] = X1[i] / 10.0;
        c[1][i] = exp(-X1[i] / 10.0);
        c[2][i] = X1[i] * X1[i];
        c[3][i] = X1[i] * Z1[i];
        c[4][i] = REGION[i] == 0 ? 1.0 : 0.0;
        c[5][i] = log(fabs(Z1[i]) + 1.0) * X1[i];
        ly[i] = log(Y[i] + 1.0);
    }
    for (size_t j = 0; j < 6; j++)
        expect_col(d->X, N, j + 1, c[j]);
    expect_col(d->y, N, 0, ly);
    gw_design_free(d);
    /* A missing value read only inside an expression drops its row, as a plain variable's. */
    d = build(t, "y ~ I(xm * 2)", NULL);
    assert_int_equal(d->n, N - 1);
    assert_int_equal(d->nobs_dropped_missing, 1);
    gw_design_free(d);
}

/* Errors of expression factors: status, message (values of every variable read) and caret. */
static void test_frame_expression_errors(void **state)
{
    const gw_table *t = *state;
    static const struct {
        const char *formula;
        gw_status rc;
        const char *msg;
    } cases[] = {
        {"y ~ log(region + 1)", GW_EINVAL, "'region' is categorical: in the formula"},
        {"y ~ I(nosuch + 1)", GW_ENOVAR,
         "unknown variable 'nosuch' in the formula\n"
         "  y ~ I(nosuch + 1)\n        ^"},
        {"y ~ log(neg + 0)", GW_EFORMAT, "log(neg+0) is undefined at row 2 (neg = -1)"},
        {"y ~ x + I(x / zero)", GW_EFORMAT, "I(x/zero) divides by zero at row 2 (x = 2, zero = 0)"},
        {"exp(big * 2) ~ x", GW_EFORMAT, "exp(big*2) overflows at row 1 (big = 1000)"},
        {"y ~ I(x / (region == 'East'))", GW_EFORMAT,
         "divides by zero at row 1 (x = 1, region = North)"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        gw_formula *f = NULL;
        gw_design *d = NULL;
        assert_int_equal(gw_formula_parse(cases[k].formula, &f), GW_OK);
        gw_status rc = gw_frame_build(t, f, NULL, &d);
        if (rc != cases[k].rc || strstr(gw_last_error(), cases[k].msg) == NULL)
            fail_msg("'%s': status %d, message '%s'", cases[k].formula, rc, gw_last_error());
        assert_null(d);
        gw_formula_free(f);
    }
    /* The caret under the categorical variable. */
    gw_formula *f = NULL;
    gw_design *d = NULL;
    assert_int_equal(gw_formula_parse("y ~ x + sqrt(abs(region))", &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, NULL, &d), GW_EINVAL);
    assert_non_null(strstr(gw_last_error(), "\n  y ~ x + sqrt(abs(region))\n                   ^"));
    gw_formula_free(f);
}

/* drop_invalid: rows where a transform is undefined are dropped and counted, after the subset
 * and missing values; the rest is the design of the remaining rows. */
static void test_frame_drop_invalid(void **state)
{
    const gw_table *t = *state;
    static const unsigned char keep[N] = {1, 1, 1, 1, 1, 0};
    gw_frame_opts o = {.drop_invalid = 1};
    /* log(neg) and I(x / zero) fail at row 2 (index 1), exp(big) at row 1 (index 0). */
    gw_design *d = build(t, "y ~ log(neg) + I(x / zero) + exp(big)", &o);
    assert_int_equal(d->n, N - 2);
    assert_int_equal(d->nobs_dropped_invalid, 2);
    assert_int_equal(d->row_index[0], 2);
    gw_design *r = build(t, "y ~ log(neg) + I(x / zero) + exp(big) + xm", &o);
    assert_int_equal(r->n, N - 2); /* xm is missing at index 1: missing, not invalid */
    assert_int_equal(r->nobs_dropped_missing, 1);
    assert_int_equal(r->nobs_dropped_invalid, 1);
    gw_design_free(r);
    o.keep = keep;
    r = build(t, "y ~ log(neg) + I(x / zero) + exp(big)", &o);
    assert_int_equal(r->n, N - 3);
    assert_int_equal(r->nobs_dropped_subset, 1);
    assert_int_equal(r->nobs_dropped_invalid, 2);
    for (size_t i = 0; i < r->n; i++)
        for (size_t j = 0; j < r->p; j++)
            gw_assert_close(r->X[j * r->n + i], d->X[j * d->n + i], 0.0, 0.0);
    gw_design_free(r);
    gw_design_free(d);
    /* Nothing left. */
    gw_formula *f = NULL;
    o.keep = NULL;
    assert_int_equal(gw_formula_parse("y ~ log(x - 100)", &f), GW_OK);
    assert_int_equal(gw_frame_build(t, f, &o, &d), GW_ENODATA);
    assert_non_null(strstr(gw_last_error(), "6 an undefined transform"));
    gw_formula_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_numeric_transforms),
        cmocka_unit_test(test_frame_factor_dummies),
        cmocka_unit_test(test_frame_interactions),
        cmocka_unit_test(test_frame_powers_double_double),
        cmocka_unit_test(test_frame_missing_rows),
        cmocka_unit_test(test_frame_weights),
        cmocka_unit_test(test_frame_groups_and_panel),
        cmocka_unit_test(test_frame_iv),
        cmocka_unit_test(test_frame_errors),
        cmocka_unit_test(test_frame_out_of_memory),
        cmocka_unit_test(test_frame_consume),
        cmocka_unit_test(test_frame_keep_rows),
        cmocka_unit_test(test_frame_threads),
        cmocka_unit_test(test_frame_adopt_block),
        cmocka_unit_test(test_frame_expressions),
        cmocka_unit_test(test_frame_expression_errors),
        cmocka_unit_test(test_frame_drop_invalid),
    };
    return cmocka_run_group_tests_name("frame", tests, setup, teardown);
}
