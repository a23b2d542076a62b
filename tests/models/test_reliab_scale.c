/* test_reliab_scale.c -- least squares at extreme scales (issue 7, numeric edge cases).
 *
 * A fit of (s y, s x) must equal the s = 1 fit scaled exactly: intercept, its standard error
 * and interval times s, slopes and their standard errors unchanged, R^2 and F unchanged, for
 * s = 2^-990, 1e-300, 1e300 and 2^990 and every variance estimator; the same for (s y, x)
 * (every coefficient times s). Before the power-of-two scaling of models/linear/ols.c the squared
 * residuals underflowed at 1e-300 (standard errors 0, t = inf) and overflowed at 1e300 (every
 * standard error, R^2 and F null). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_ols.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"

#define N 300
#define P 3
#define G 25

/* y = 1 + 2 x1 - 0.5 x2 + e with a cluster effect; y times sy, the slopes' columns times sx. */
static gw_design *make_design(double sy, double sx, int with_cluster)
{
    gw_design *d = NULL;
    gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(rng);
    gsl_rng_set(rng, 7);
    assert_int_equal(gw_design_new(N, P, &d), GW_OK);
    int32_t *codes = gw_alloc_array(N, sizeof(int32_t));
    assert_non_null(codes);
    for (size_t i = 0; i < N; i++) {
        int32_t g = (int32_t)(i % G);
        double x1 = gsl_ran_gaussian(rng, 1.0) + 0.1 * g, x2 = gsl_rng_uniform(rng) * 3.0;
        double e = gsl_ran_gaussian(rng, 0.5 + 0.3 * fabs(x1)) + 0.05 * g;
        codes[i] = g;
        d->X[i] = 1.0;
        d->X[N + i] = sx * x1;
        d->X[2 * N + i] = sx * x2;
        d->y[i] = sy * (1.0 + 2.0 * x1 - 0.5 * x2 + e);
    }
    gsl_rng_free(rng);
    const char *names[P] = {"(Intercept)", "x1", "x2"};
    for (size_t j = 0; j < P; j++)
        d->terms[j] = gw_strdup(names[j]);
    d->response = gw_strdup("y");
    d->has_intercept = 1;
    if (with_cluster) {
        d->cluster = gw_calloc(1, sizeof(gw_factor));
        assert_non_null(d->cluster);
        d->cluster[0] = (gw_factor){gw_strdup("g"), codes, G};
        d->ncluster = 1;
    } else {
        gw_free(codes);
    }
    return d;
}

static gw_result *fit(const gw_design *d, gw_vcov_kind kind)
{
    gw_ols_opts o = {0};
    gw_result *r = NULL;
    o.vcov = kind;
    assert_int_equal(gw_ols_fit(d, &o, &r), GW_OK);
    assert_non_null(r);
    return r;
}

/* r (fitted to (sy y, sx x)) against ref (s = 1): coefficient j scales by sy (intercept) or
 * sy / sx (slopes). */
static void check_scaled(const gw_result *r, const gw_result *ref, double sy, double sx)
{
    const double tol = 1e-12;
    assert_int_equal(r->k, ref->k);
    for (size_t j = 0; j < r->k; j++) {
        double f = j == 0 ? sy : sy / sx;
        assert_true(isfinite(r->std_error[j]) && r->std_error[j] > 0.0);
        gw_assert_close(r->estimate[j] / f, ref->estimate[j], tol, 0.0);
        gw_assert_close(r->std_error[j] / f, ref->std_error[j], tol, 0.0);
        gw_assert_close(r->statistic[j], ref->statistic[j], tol, 0.0);
        gw_assert_close(r->ci_low[j] / f, ref->ci_low[j], tol, 0.0);
        gw_assert_close(r->ci_high[j] / f, ref->ci_high[j], tol, 0.0);
    }
    gw_assert_close(r->r2, ref->r2, tol, 0.0);
    gw_assert_close(r->adj_r2, ref->adj_r2, tol, 0.0);
    gw_assert_close(r->f_stat, ref->f_stat, tol, 0.0);
    gw_assert_close(r->f_p_value, ref->f_p_value, 1e-9, 1e-300);
    gw_assert_close(r->rmse / sy, ref->rmse, tol, 0.0);
    gw_assert_close(r->loglik + (double)N * log(sy), ref->loglik, 1e-10, 0.0);
}

static void run_scales(int scale_x)
{
    const double scales[] = {0x1p-990, 1e-300, 1e300, 0x1p990, 0x1p-200, 1e150};
    const gw_vcov_kind kinds[] = {GW_VCOV_IID, GW_VCOV_HC1, GW_VCOV_HC3, GW_VCOV_CLUSTER};
    gw_design *d1 = make_design(1.0, 1.0, 1);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        gw_result *ref = fit(d1, kinds[k]);
        for (size_t s = 0; s < sizeof scales / sizeof scales[0]; s++) {
            double sy = scales[s], sx = scale_x ? scales[s] : 1.0;
            /* (s y, x) at 1e+-300 would put the slopes' variances out of range: skip. */
            if (!scale_x && fabs(log2(sy)) > 900.0)
                continue;
            gw_design *d = make_design(sy, sx, 1);
            gw_result *r = fit(d, kinds[k]);
            check_scaled(r, ref, sy, sx);
            gw_result_free(r);
            gw_design_free(d);
        }
        gw_result_free(ref);
    }
    gw_design_free(d1);
}

static void test_scale_y_and_x(void **state)
{
    (void)state;
    run_scales(1);
}

static void test_scale_y_only(void **state)
{
    (void)state;
    run_scales(0);
}

/* Scaling must not change the bit-identity across thread counts. */
static void test_scale_thread_independent(void **state)
{
    (void)state;
    gw_design *d = make_design(1e-300, 1e-300, 1);
    int t0 = gw_threads_get();
    gw_threads_set(1);
    gw_result *a = fit(d, GW_VCOV_HC3);
    gw_threads_set(2);
    gw_result *b = fit(d, GW_VCOV_HC3);
    gw_threads_set(t0);
    for (size_t j = 0; j < a->k; j++) {
        assert_memory_equal(&a->estimate[j], &b->estimate[j], sizeof(double));
        assert_memory_equal(&a->std_error[j], &b->std_error[j], sizeof(double));
    }
    gw_result_free(a);
    gw_result_free(b);
    gw_design_free(d);
}

/* A perfect fit: residuals exactly zero give rss 0, r2 1 and zero standard errors. */
static void test_perfect_fit_tiny(void **state)
{
    (void)state;
    gw_design *d = make_design(1e-300, 1e-300, 0);
    for (size_t i = 0; i < N; i++)
        d->y[i] = 0x1p-990 + 0x1p-989 * (double)(i % 7);
    for (size_t i = 0; i < N; i++)
        d->X[N + i] = 0x1p-990 * (double)(i % 7);
    gw_result *r = fit(d, GW_VCOV_IID);
    gw_assert_close(r->estimate[0], 0x1p-990, 1e-12, 0.0);
    gw_assert_close(r->estimate[1], 2.0, 1e-12, 0.0);
    gw_assert_close(r->r2, 1.0, 1e-12, 0.0);
    gw_result_free(r);
    gw_design_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_y_and_x),
        cmocka_unit_test(test_scale_y_only),
        cmocka_unit_test(test_scale_thread_independent),
        cmocka_unit_test(test_perfect_fit_tiny),
    };
    return cmocka_run_group_tests_name("reliab_scale", tests, NULL, NULL);
}
