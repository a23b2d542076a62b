/* test_scale.c -- every estimator at extreme scales (models/scale.c, issue 17).
 *
 * One generated data set (fixed seed, N = 5000: two row blocks for the streaming fits) is fitted
 * as it is (the reference) and with columns multiplied by s = 2^-990, 1e-300, 1e300 and 2^990, by
 * each estimator that solves least squares: the within estimator with one and two absorbed sets,
 * 2SLS without and with absorbed effects, Poisson without and with absorbed effects, the panel
 * estimators RE and FD, and the streaming fit without and with absorbed effects and the streaming
 * Poisson fit with them; iid and clustered variances. The scaled fit must equal the reference
 * "appropriately transformed" to 1e-12 relative, with GW_OK, the fit converged and not near-
 * singular (no warning). What "appropriately transformed" means:
 *
 *  - Linear models (within, 2SLS, RE, FD, streaming). Scaling y and every regressor (and
 *    instrument) by s is a change of units: slopes and their standard errors are unchanged, the
 *    intercept and its standard error scale by s, R^2, adjusted and within R^2, F and every IV
 *    diagnostic are unchanged, rmse scales by s, the Gaussian loglik by + N log s (so it is
 *    compared as loglik - N log s), and an IV first stage (the endogenous column on the
 *    instruments, all scaled) like the second. Scaling y alone ("y only") multiplies every
 *    coefficient and standard error by s. RSS and TSS scale by s^2, outside the double range at
 *    these s: not compared (they are 0 or infinity in both the truth and the result).
 *  - Poisson, mu = exp(x'b). Counts times s ("y"): the fitted means scale by s, which the
 *    intercept (or the absorbed effects) takes up as + log s; slopes are unchanged; a sandwich
 *    (cluster) variance is unchanged (bread ~ 1/mu, meat ~ (y - mu)^2), the model-based (iid)
 *    variance (X' diag(mu) X)^-1 scales by 1/s (a count's variance is its mean), so iid standard
 *    errors scale by s^-1/2 and z statistics by s^1/2; the deviance scales by s. The loglik
 *    (lgamma(y + 1)) is not a transform of the reference's and is not compared there. Regressors
 *    times s ("x"): slope j and its standard error scale by 1/s, the intercept, deviance, loglik
 *    and pseudo-R^2 are unchanged.
 *
 * Poisson fits run with IRLS and demeaning tolerances of 1e-14 instead of the defaults (1e-10
 * and the FE fit's): at the defaults the variance is evaluated where a relative deviance change
 * below 1e-10 stopped the iterations, and that point moves by about 1e-11 under ANY change of
 * the counts' units, exact ones included (measured here: 4e-11 in standard errors at 2^-990
 * with absorbed effects; the unchanged code gives 8e-12 between doctorvisits' counts and the
 * counts / 8). That is the estimator's convergence criterion, not the rescaling, and with it
 * tightened the rescaled fits agree to a few ulps. GW_POISSON_TOL=0 runs the defaults.
 *
 * The table of the largest relative differences (coefficients, standard errors, fit statistics)
 * per estimator and scale is printed at the end: `ctest -R models_test_scale -V` or
 * build/tests/models_test_scale. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_glm.h"
#include "gw_glm_stream.h"
#include "gw_iv.h"
#include "gw_ols.h"
#include "gw_panel.h"
#include "gw_result.h"
#include "gw_stream.h"
#include "gw_test.h"
#include "gw_test_stream.h"

#define N 5000
#define NF0 40 /* levels of the first absorbed set (also the cluster variable) */
#define NF1 15 /* levels of the second */
#define TOL 1e-12

/* The base data: exogenous x1, x2, instruments z1, z2, endogenous xe, response y, counts c. */
static double x1[N], x2[N], z1[N], z2[N], xe[N], yv[N], cnt[N];
static int32_t f0[N], f1[N];

static void make_data(void)
{
    gwt_rng r;
    gwt_rng_seed(&r, 17);
    double a0[NF0], a1[NF1];
    for (size_t l = 0; l < NF0; l++)
        a0[l] = gwt_rng_norm(&r);
    for (size_t l = 0; l < NF1; l++)
        a1[l] = 0.5 * gwt_rng_norm(&r);
    for (size_t i = 0; i < N; i++) {
        f0[i] = (int32_t)(gwt_rng_next(&r) % NF0);
        f1[i] = (int32_t)(gwt_rng_next(&r) % NF1);
        x1[i] = gwt_rng_norm(&r) + 0.2 * a0[f0[i]];
        x2[i] = gwt_rng_norm(&r);
        z1[i] = gwt_rng_norm(&r);
        z2[i] = gwt_rng_norm(&r);
        double v = gwt_rng_norm(&r);
        xe[i] = 0.6 * z1[i] + 0.4 * z2[i] + 0.3 * x1[i] + v;
        double u = (1.0 + 0.3 * fabs(x1[i])) * gwt_rng_norm(&r) + 0.5 * v;
        yv[i] = 1.0 + 0.5 * x1[i] - 0.3 * x2[i] + 0.8 * xe[i] + a0[f0[i]] + a1[f1[i]] + u;
        /* A Poisson draw by inversion, mean exp(0.3 + 0.4 x1 - 0.2 x2 + a0/2). */
        double mu = exp(0.3 + 0.4 * x1[i] - 0.2 * x2[i] + 0.5 * a0[f0[i]]);
        double uu = gwt_rng_unif(&r), pk = exp(-mu), cdf = pk;
        int k = 0;
        while (uu > cdf && k < 1000) {
            k++;
            pk *= mu / k;
            cdf += pk;
        }
        cnt[i] = (double)k;
    }
}

/* The estimators of the table. */
typedef enum {
    E_FE1,
    E_FE2,
    E_FE1_Y,
    E_IV,
    E_IV_FE,
    E_POIS_Y,
    E_POIS_X,
    E_POISFE_Y,
    E_POISFE_X,
    E_RE,
    E_FD,
    E_STREAM,
    E_STREAM_FE,
    E_SPOIS_Y,
    E_SPOIS_X,
    E_N
} est;

static const char *const est_name[E_N] = {"FE one-way (y, x)",
                                          "FE two-way (y, x)",
                                          "FE one-way (y only)",
                                          "IV (y, x, z)",
                                          "IV + FE (y, x, z)",
                                          "Poisson (y)",
                                          "Poisson (x)",
                                          "Poisson + FE (y)",
                                          "Poisson + FE (x)",
                                          "RE (y, x)",
                                          "FD (y, x)",
                                          "stream OLS (y, x)",
                                          "stream FE (y, x)",
                                          "stream Poisson FE (y)",
                                          "stream Poisson FE (x)"};

static int has_icpt(est e)
{
    return e == E_IV || e == E_POIS_Y || e == E_POIS_X || e == E_STREAM || e == E_RE || e == E_FD;
}
static int has_fe(est e)
{
    return e == E_FE1 || e == E_FE2 || e == E_FE1_Y || e == E_IV_FE || e == E_POISFE_Y ||
           e == E_POISFE_X || e == E_STREAM_FE || e == E_SPOIS_Y || e == E_SPOIS_X;
}
static int is_poisson(est e)
{
    return e == E_POIS_Y || e == E_POIS_X || e == E_POISFE_Y || e == E_POISFE_X || e == E_SPOIS_Y ||
           e == E_SPOIS_X;
}
static int is_iv(est e) { return e == E_IV || e == E_IV_FE; }
static int is_panel(est e) { return e == E_RE || e == E_FD; }

/* Multipliers of y (sy) and of the regressors and instruments (sx) for estimator e at scale s. */
static void multipliers(est e, double s, double *sy, double *sx)
{
    *sy = s;
    *sx = s;
    if (e == E_FE1_Y || e == E_POIS_Y || e == E_POISFE_Y || e == E_SPOIS_Y)
        *sx = 1.0;
    if (e == E_POIS_X || e == E_POISFE_X || e == E_SPOIS_X)
        *sy = 1.0;
}

static gw_factor factor(const char *name, const int32_t *codes, size_t levels)
{
    gw_factor f = {gw_strdup(name), gw_alloc_array(N, sizeof(int32_t)), levels};
    assert_non_null(f.codes);
    memcpy(f.codes, codes, N * sizeof(int32_t));
    return f;
}

/* The in-core design of estimator e with y times sy and regressors/instruments times sx. */
static gw_design *build(est e, double sy, double sx)
{
    const double *cols[4];
    const char *names[4];
    size_t p = 0;
    if (has_icpt(e))
        names[p] = "(Intercept)", cols[p++] = NULL;
    names[p] = "x1", cols[p++] = x1;
    if (!is_iv(e))
        names[p] = "x2", cols[p++] = x2;
    else
        names[p] = "xe", cols[p++] = xe;
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(N, p, &d), GW_OK);
    for (size_t j = 0; j < p; j++) {
        assert_non_null(d->terms[j] = gw_strdup(names[j]));
        for (size_t i = 0; i < N; i++)
            d->X[j * N + i] = cols[j] ? sx * cols[j][i] : 1.0;
    }
    for (size_t i = 0; i < N; i++)
        d->y[i] = sy * (is_poisson(e) ? cnt[i] : yv[i]);
    d->response = gw_strdup("y");
    d->has_intercept = has_icpt(e);
    if (is_iv(e)) {
        d->n_endog = 1;
        d->q = 2;
        assert_non_null(d->Z = gw_alloc_array(2 * N, sizeof(double)));
        assert_non_null(d->inst_terms = gw_calloc(2, sizeof(char *)));
        d->inst_terms[0] = gw_strdup("z1");
        d->inst_terms[1] = gw_strdup("z2");
        for (size_t i = 0; i < N; i++) {
            d->Z[i] = sx * z1[i];
            d->Z[N + i] = sx * z2[i];
        }
    }
    if (has_fe(e)) {
        d->nfe = e == E_FE2 ? 2 : 1;
        assert_non_null(d->fe = gw_calloc(d->nfe, sizeof(gw_factor)));
        d->fe[0] = factor("f0", f0, NF0);
        if (d->nfe == 2)
            d->fe[1] = factor("f1", f1, NF1);
    }
    if (is_panel(e)) { /* ids: the first set's levels; times: the row order */
        assert_non_null(d->panel_id = gw_calloc(1, sizeof(gw_factor)));
        *d->panel_id = factor("id", f0, NF0);
        assert_non_null(d->panel_time = gw_alloc_array(N, sizeof(double)));
        for (size_t i = 0; i < N; i++)
            d->panel_time[i] = (double)i;
    }
    assert_non_null(d->cluster = gw_calloc(1, sizeof(gw_factor)));
    d->cluster[0] = factor("g", f0, NF0);
    d->ncluster = 1;
    return d;
}

/* IRLS and demeaning tolerance of the Poisson fits (file comment; GW_POISSON_TOL). */
static double poisson_tol = 0.0;

static gw_glm_opts poisson_opts(gw_vcov_kind kind)
{
    gw_glm_opts o = {0};
    o.kind = GW_GLM_POISSON;
    o.vcov = kind;
    o.tol = poisson_tol;
    o.fe_tol = poisson_tol;
    return o;
}

/* The fixed-effect coefficients of the last streaming within fit (gw_stream_opts.fe_coef, in y's
 * units: they scale as y does). */
static double fe_coef_last[NF0];

/* The streaming fit of the same data through the in-memory source of the out-of-core tests. */
static gw_status fit_stream(est e, double sy, double sx, gw_vcov_kind kind, gw_result **out)
{
    gwt_stream_data sd;
    memset(&sd, 0, sizeof sd);
    const size_t p = e == E_STREAM ? 3 : 2;
    sd.nrows = N;
    sd.p = p;
    sd.nfe = e == E_STREAM ? 0 : 1;
    sd.ncl = 1;
    sd.has_intercept = e == E_STREAM;
    static const char *const nm[] = {"(Intercept)", "x1", "x2"};
    for (size_t j = 0; j < p; j++)
        sd.terms[j] = nm[j + (e == E_STREAM ? 0 : 1)];
    sd.fe_names[0] = "f0";
    sd.fe_levels[0] = NF0;
    sd.cl_names[0] = "g";
    sd.cl_levels[0] = NF0;
    sd.y = gw_alloc_array(N, sizeof(double));
    sd.X = gw_alloc_array(N * p, sizeof(double));
    sd.fe[0] = gw_alloc_array(N, sizeof(int32_t));
    sd.cl[0] = gw_alloc_array(N, sizeof(int32_t));
    assert_true(sd.y && sd.X && sd.fe[0] && sd.cl[0]);
    for (size_t i = 0; i < N; i++) {
        sd.y[i] = sy * (is_poisson(e) ? cnt[i] : yv[i]);
        size_t j = 0;
        if (e == E_STREAM)
            sd.X[j++ * N + i] = 1.0;
        sd.X[j++ * N + i] = sx * x1[i];
        sd.X[j * N + i] = sx * x2[i];
        sd.fe[0][i] = f0[i];
        sd.cl[0][i] = f0[i];
    }
    gw_stream_source src = gwt_stream_source(&sd);
    gw_status rc;
    if (is_poisson(e)) {
        gw_glm_opts o = poisson_opts(kind);
        rc = gw_stream_glm_fit(&src, &o, NULL, out);
    } else {
        gw_ols_opts o = {0};
        double *fc[1] = {fe_coef_last};
        gw_stream_opts so = {0};
        so.fe_coef = fc;
        o.vcov = kind;
        rc = gw_stream_fit(&src, &o, e == E_STREAM_FE ? &so : NULL, out);
    }
    gwt_stream_data_free(&sd);
    return rc;
}

static gw_result *fit(est e, double s, gw_vcov_kind kind)
{
    double sy, sx;
    multipliers(e, s, &sy, &sx);
    gw_result *r = NULL;
    gw_status rc;
    if (e >= E_STREAM) {
        rc = fit_stream(e, sy, sx, kind, &r);
    } else {
        gw_design *d = build(e, sy, sx);
        if (is_poisson(e)) {
            gw_glm_opts o = poisson_opts(kind);
            rc = gw_glm_fit(d, &o, &r);
        } else if (is_panel(e)) {
            gw_panel_opts o = {0};
            o.model = e == E_RE ? GW_PANEL_RE : GW_PANEL_FD;
            o.ols.vcov = kind;
            rc = gw_panel_fit(d, &o, &r, NULL);
        } else {
            gw_ols_opts o = {0};
            o.vcov = kind;
            rc = is_iv(e) ? gw_iv_fit(d, &o, &r) : gw_ols_fit(d, &o, &r);
        }
        gw_design_free(d);
    }
    if (rc != GW_OK)
        print_message("%s at %g: %s (%s)\n", est_name[e], s, gw_status_str(rc), gw_last_error());
    assert_int_equal(rc, GW_OK);
    /* No warning: converged, not near-singular, every standard error finite and positive. */
    assert_true(r->converged);
    assert_false(r->near_singular);
    for (size_t j = 0; j < r->k; j++)
        assert_true(isfinite(r->std_error[j]) && r->std_error[j] > 0.0);
    return r;
}

/* Largest relative differences per estimator and scale: coefficients, standard errors, stats. */
static const double scales[] = {0x1p-990, 1e-300, 1e300, 0x1p990};
#define NS (sizeof scales / sizeof scales[0])
static double worst[E_N][NS][3];

static void note(est e, size_t si, int col, double got, double want, const char *what)
{
    if (isnan(got) && isnan(want))
        return; /* a statistic that does not apply (r2 of 2SLS with absorbed effects) */
    double den = fabs(want) > 0.0 ? fabs(want) : 1.0, rel = fabs(got - want) / den;
    if (!(rel <= worst[e][si][col]))
        worst[e][si][col] = isnan(rel) ? (double)INFINITY : rel;
    if (!(rel <= TOL))
        print_message("%s at %g, %s: got %.17g, want %.17g (rel %.3g)\n", est_name[e], scales[si],
                      what, got, want, rel);
}

/* The linear-model comparison (file comment): intercept and its error times sy, slopes times
 * sy / sx; r is the scaled fit, f the reference. */
static void compare_linear(est e, size_t si, const gw_result *r, const gw_result *f, double sy,
                           double sx)
{
    for (size_t j = 0; j < r->k; j++) {
        double c = strcmp(r->terms[j], "(Intercept)") == 0 ? sy : sy / sx;
        note(e, si, 0, r->estimate[j] / c, f->estimate[j], "estimate");
        note(e, si, 1, r->std_error[j] / c, f->std_error[j], "std_error");
        note(e, si, 2, r->statistic[j], f->statistic[j], "statistic");
    }
    note(e, si, 2, r->r2, f->r2, "r2");
    note(e, si, 2, r->adj_r2, f->adj_r2, "adj_r2");
    if (has_fe(e))
        note(e, si, 2, r->r2_within, f->r2_within, "r2_within");
    if (isfinite(f->f_stat))
        note(e, si, 2, r->f_stat, f->f_stat, "f_stat");
    note(e, si, 2, r->rmse / sy, f->rmse, "rmse");
    if (isfinite(f->loglik))
        note(e, si, 2, r->loglik + (double)r->nobs * log(sy), f->loglik, "loglik");
}

static void compare_iv(est e, size_t si, const gw_result *r, const gw_result *f, double s)
{
    note(e, si, 2, r->fs_f[0], f->fs_f[0], "fs_f");
    note(e, si, 2, r->fs_partial_r2[0], f->fs_partial_r2[0], "fs_partial_r2");
    note(e, si, 2, r->cd_f, f->cd_f, "cd_f");
    if (isfinite(f->kp_f))
        note(e, si, 2, r->kp_f, f->kp_f, "kp_f");
    note(e, si, 2, r->kp_lm, f->kp_lm, "kp_lm");
    note(e, si, 2, r->overid_stat, f->overid_stat, "overid_stat");
    note(e, si, 2, r->endog_stat, f->endog_stat, "endog_stat");
    assert_non_null(r->first_stage);
    compare_linear(e, si, r->first_stage[0], f->first_stage[0], s, s);
}

/* Poisson (file comment): "y" shifts the intercept by log s and scales iid errors by s^-1/2;
 * "x" scales slopes and their errors by 1/s. */
static void compare_poisson(est e, size_t si, const gw_result *r, const gw_result *f, double sy,
                            double sx, int iid)
{
    const double se_y = iid ? 1.0 / sqrt(sy) : 1.0;
    for (size_t j = 0; j < r->k; j++) {
        int icpt = strcmp(r->terms[j], "(Intercept)") == 0;
        double want = icpt ? f->estimate[j] + log(sy) : f->estimate[j] / sx;
        double want_se = f->std_error[j] * se_y / (icpt ? 1.0 : sx);
        note(e, si, 0, r->estimate[j], want, "estimate");
        note(e, si, 1, r->std_error[j], want_se, "std_error");
        note(e, si, 2, r->statistic[j], want / want_se, "statistic");
    }
    note(e, si, 2, r->deviance / sy, f->deviance, "deviance");
    note(e, si, 2, r->null_deviance / sy, f->null_deviance, "null_deviance");
    if (sy == 1.0) {
        note(e, si, 2, r->loglik, f->loglik, "loglik");
        note(e, si, 2, r->pseudo_r2, f->pseudo_r2, "pseudo_r2");
    }
}

static void run(gw_vcov_kind kind)
{
    for (int e = 0; e < E_N; e++) {
        gw_result *f = fit((est)e, 1.0, kind);
        double fe_ref[NF0];
        memcpy(fe_ref, fe_coef_last, sizeof fe_ref);
        for (size_t si = 0; si < NS; si++) {
            double sy, sx;
            multipliers((est)e, scales[si], &sy, &sx);
            gw_result *r = fit((est)e, scales[si], kind);
            assert_int_equal(r->k, f->k);
            if (is_poisson((est)e))
                compare_poisson((est)e, si, r, f, sy, sx, kind == GW_VCOV_IID);
            else
                compare_linear((est)e, si, r, f, sy, sx);
            if (is_iv((est)e))
                compare_iv((est)e, si, r, f, scales[si]);
            for (size_t c = 0; e == E_STREAM_FE && c < NF0; c++)
                note((est)e, si, 0, fe_coef_last[c] / sy, fe_ref[c], "fe_coef");
            gw_result_free(r);
        }
        gw_result_free(f);
    }
}

static void test_scale_iid(void **state)
{
    (void)state;
    run(GW_VCOV_IID);
}

static void test_scale_cluster(void **state)
{
    (void)state;
    run(GW_VCOV_CLUSTER);
}

/* The table (after both variance kinds), then the bound. */
static void test_scale_table(void **state)
{
    (void)state;
    printf("max relative difference from the unscaled fit, transformed (iid and cluster):\n");
    printf("%-22s", "estimator");
    for (size_t si = 0; si < NS; si++)
        printf(" | %-25s", si == 0 ? "2^-990" : si == 1 ? "1e-300" : si == 2 ? "1e300" : "2^990");
    printf("\n%-22s", "");
    for (size_t si = 0; si < NS; si++)
        printf(" | %-8s %-8s %-7s", "coef", "se", "stats");
    printf("\n");
    double all = 0.0;
    for (int e = 0; e < E_N; e++) {
        printf("%-22s", est_name[e]);
        for (size_t si = 0; si < NS; si++) {
            printf(" | %-8.1e %-8.1e %-7.1e", worst[e][si][0], worst[e][si][1], worst[e][si][2]);
            for (int c = 0; c < 3; c++)
                all = fmax(all, worst[e][si][c]);
        }
        printf("\n");
    }
    fflush(stdout);
    gw_assert_close(all, 0.0, 0.0, TOL);
}

int main(void)
{
    make_data();
    const char *t = getenv("GW_POISSON_TOL");
    poisson_tol = t ? atof(t) : 1e-14;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scale_iid),
        cmocka_unit_test(test_scale_cluster),
        cmocka_unit_test(test_scale_table),
    };
    return cmocka_run_group_tests_name("scale", tests, NULL, NULL);
}
