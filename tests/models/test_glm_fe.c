/* test_glm_fe.c -- GLMs with absorbed fixed effects (models/glm/glm_fe.c): Poisson with two
 * absorbed sets and logit with one against R glm on the dummy-variable design, separation by
 * fixed-effect groups and by a regressor, the variance profiles, re-weighting a gw_hdfe, and
 * thread-count bit identity.
 *
 * References: datasets/generated/ppml_ref.csv (R glm, scripts/ref/ppml_ref.R, on
 * ppml_ref_pois.csv: 5,000 rows, 1,500 + 500 = 2,000 groups; ppml_ref_logit.csv: 3,000 rows,
 * 300 groups). Tolerance 1e-8 relative on coefficients and iid standard errors (the issue's).
 * Standard errors are compared with R's (X'WX)^-1 at the converged estimate (goodwork's
 * convention) to 1e-8, and with glm's own, whose weights are one IRLS step behind, to 1e-7. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "glm_int.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_glm.h"
#include "gw_hdfe.h"
#include "gw_par.h"
#include "gw_result.h"
#include "gw_test.h"

/* ------------------------------------------------------------------------------------------ */
/* Data.                                                                                      */

/* A numeric CSV (header row, '#' comment lines skipped): ncol columns, column-major. */
typedef struct {
    size_t n, ncol;
    double *v;
} csv_num;

static csv_num read_csv(const char *rel, size_t ncol)
{
    csv_num c = {0, ncol, NULL};
    FILE *f = fopen(gwt_source_path(rel), "r");
    assert_non_null(f);
    char line[4096];
    size_t cap = 1024;
    double *rows = malloc(cap * ncol * sizeof *rows);
    assert_non_null(rows);
    int header = 1;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (header) {
            header = 0;
            continue;
        }
        if (c.n == cap) {
            cap *= 2;
            rows = realloc(rows, cap * ncol * sizeof *rows);
            assert_non_null(rows);
        }
        char *s = line;
        for (size_t j = 0; j < ncol; j++) {
            rows[c.n * ncol + j] = strtod(s, &s);
            if (*s == ',')
                s++;
        }
        c.n++;
    }
    fclose(f);
    c.v = malloc(c.n * ncol * sizeof *c.v);
    assert_non_null(c.v);
    for (size_t i = 0; i < c.n; i++)
        for (size_t j = 0; j < ncol; j++)
            c.v[j * c.n + i] = rows[i * ncol + j];
    free(rows);
    return c;
}

/* The reference value of (model, quantity, term). */
static double ref(const char *model, const char *quantity, const char *term)
{
    char key[256];
    snprintf(key, sizeof key, "%s,%s,%s,", model, quantity, term);
    return gwt_ref_key("datasets/generated/ppml_ref.csv", key);
}

static void set_factor(gw_factor *f, const char *name, const double *codes, size_t n)
{
    f->name = gw_strdup(name);
    f->codes = gw_alloc_array(n, sizeof(int32_t));
    assert_non_null(f->name);
    assert_non_null(f->codes);
    size_t L = 0;
    for (size_t i = 0; i < n; i++) {
        f->codes[i] = (int32_t)codes[i];
        if ((size_t)codes[i] + 1 > L)
            L = (size_t)codes[i] + 1;
    }
    f->nlevels = L;
}

/* A design of n rows with p regressors X (column-major, ld n), response y and nfe fixed
 * effects (codes as doubles, ld n). */
static gw_design *make_design(size_t n, size_t p, const double *X, const double *y,
                              const char *const *names, const double *fe, size_t nfe,
                              const char *const *fenames)
{
    gw_design *d = NULL;
    assert_int_equal(gw_design_new(n, p, &d), GW_OK);
    memcpy(d->X, X, n * p * sizeof(double));
    memcpy(d->y, y, n * sizeof(double));
    for (size_t j = 0; j < p; j++)
        d->terms[j] = gw_strdup(names[j]);
    d->response = gw_strdup("y");
    d->fe = gw_calloc(nfe, sizeof *d->fe);
    assert_non_null(d->fe);
    d->nfe = nfe;
    for (size_t g = 0; g < nfe; g++)
        set_factor(&d->fe[g], fenames[g], fe + g * n, n);
    return d;
}

static void add_cluster(gw_design *d, const double *codes, const char *name)
{
    d->cluster = gw_realloc(d->cluster, (d->ncluster + 1) * sizeof *d->cluster);
    assert_non_null(d->cluster);
    memset(&d->cluster[d->ncluster], 0, sizeof *d->cluster);
    set_factor(&d->cluster[d->ncluster], name, codes, d->n);
    d->ncluster++;
}

static const char *const XN[] = {"x1", "x2", "x3"};
static const char *const FEN[] = {"a", "b"};

/* The Poisson reference data: y, x1, x2, a, b. */
static gw_design *pois_design(void)
{
    csv_num c = read_csv("datasets/generated/ppml_ref_pois.csv", 5);
    gw_design *d = make_design(c.n, 2, c.v + c.n, c.v, XN, c.v + 3 * c.n, 2, FEN);
    free(c.v);
    return d;
}

/* Prints the relative difference (the agreement the report quotes) and checks it. */
static void close_ref(double actual, const char *model, const char *quantity, const char *term,
                      double rtol)
{
    double e = ref(model, quantity, term);
    print_message("%s %s %s: %.17g vs R %.17g, rel. diff %.2e\n", model, quantity, term, actual, e,
                  fabs(actual - e) / fabs(e));
    gw_assert_close(actual, e, rtol, 0.0);
}

static gw_result *fit(const gw_design *d, gw_glm_kind kind, gw_vcov_kind vcov, gw_ssc ssc)
{
    gw_glm_opts o = {0};
    o.kind = kind;
    o.vcov = vcov;
    o.ssc = ssc;
    gw_result *r = NULL;
    gw_status rc = gwi_glm_fit_fe(d, &o, &r);
    if (rc != GW_OK)
        fail_msg("fit failed: %s: %s", gw_status_str(rc), gw_last_error());
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Against the dummy-variable GLM.                                                            */

static void test_glm_fe_poisson_twoway_equals_dummy_glm(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    gw_result *r = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs, 5000);
    assert_int_equal(r->singletons_dropped, 0);
    assert_int_equal(r->nobs_separated, 0);
    assert_int_equal(r->k, 2);
    assert_string_equal(r->estimator, "poisson");
    assert_string_equal(r->family, "poisson");
    assert_string_equal(r->link, "log");
    assert_int_equal(r->converged, 1);
    assert_true(r->stat_is_z);
    for (size_t j = 0; j < 2; j++) {
        close_ref(r->estimate[j], "poisson2", "estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "poisson2", "std_error_at_estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "poisson2", "std_error", XN[j], 1e-7);
    }
    close_ref(r->loglik, "poisson2", "loglik", "", 1e-10);
    close_ref(r->deviance, "poisson2", "deviance", "", 1e-10);
    gw_assert_close(r->null_deviance, ref("poisson2", "null_deviance", ""), 1e-12, 0.0);
    gw_assert_close(r->aic, ref("poisson2", "aic", ""), 1e-10, 0.0);
    /* K + D = R glm's rank (intercept + 1,499 + 499 dummies + 2 slopes). */
    gw_assert_close((double)r->k + (5000.0 - (double)r->k - r->df_resid),
                    ref("poisson2", "rank", ""), 0.0, 0.0);
    gw_assert_close(r->pseudo_r2,
                    1.0 - r->loglik / (r->loglik - (r->null_deviance - r->deviance) / 2.0), 1e-12,
                    0.0);
    gw_result_free(r);
    gw_design_free(d);
}

static void test_glm_fe_logit_oneway_equals_dummy_glm(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_logit.csv", 4);
    gw_design *d = make_design(c.n, 2, c.v + c.n, c.v, XN, c.v + 3 * c.n, 1, FEN);
    free(c.v);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs, 3000);
    assert_int_equal(r->nobs_separated, 0);
    assert_string_equal(r->family, "binomial");
    for (size_t j = 0; j < 2; j++) {
        close_ref(r->estimate[j], "logit1", "estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "logit1", "std_error_at_estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "logit1", "std_error", XN[j], 1e-7);
    }
    close_ref(r->loglik, "logit1", "loglik", "", 1e-10);
    close_ref(r->deviance, "logit1", "deviance", "", 1e-10);
    gw_assert_close(r->null_deviance, ref("logit1", "null_deviance", ""), 1e-12, 0.0);
    gw_assert_close(r->aic, ref("logit1", "aic", ""), 1e-10, 0.0);
    gw_result_free(r);
    gw_design_free(d);
}

static void test_glm_fe_probit_oneway_equals_dummy_glm(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_logit.csv", 4);
    gw_design *d = make_design(c.n, 2, c.v + c.n, c.v, XN, c.v + 3 * c.n, 1, FEN);
    free(c.v);
    /* Probit is not the canonical link: Fisher scoring converges linearly, and the deviance
     * criterion at the default 1e-10 leaves ~1e-6 relative in the coefficients (R's reference
     * used 1e-13); the test asks for R's tolerance. */
    gw_glm_opts o = {0};
    o.kind = GW_GLM_PROBIT;
    o.tol = 1e-13;
    gw_result *r = NULL;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_OK);
    assert_string_equal(r->link, "probit");
    for (size_t j = 0; j < 2; j++) {
        close_ref(r->estimate[j], "probit1", "estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "probit1", "std_error_at_estimate", XN[j], 1e-8);
        close_ref(r->std_error[j], "probit1", "std_error", XN[j], 1e-7);
    }
    close_ref(r->loglik, "probit1", "loglik", "", 1e-10);
    close_ref(r->aic, "probit1", "aic", "", 1e-10);
    gw_result_free(r);
    gw_design_free(d);
}

/* Constant prior weights c leave the estimates unchanged and divide the iid standard errors by
 * sqrt(c); a regressor constant within the levels of a is absorbed and dropped as collinear. */
static void test_glm_fe_weights_and_absorbed_regressor(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    gw_result *r0 = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    d->w = gw_alloc_array(d->n, sizeof(double));
    assert_non_null(d->w);
    for (size_t i = 0; i < d->n; i++)
        d->w[i] = 2.0;
    gw_result *r2 = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    for (size_t j = 0; j < 2; j++) {
        gw_assert_close(r2->estimate[j], r0->estimate[j], 1e-10, 0.0);
        gw_assert_close(r2->std_error[j], r0->std_error[j] / sqrt(2.0), 1e-8, 0.0);
    }
    gw_assert_close(r2->loglik, 2.0 * r0->loglik, 1e-10, 0.0);
    gw_result_free(r2);
    gw_free(d->w);
    d->w = NULL;
    /* x3 = a function of a's level. */
    double *X = malloc(3 * d->n * sizeof *X);
    assert_non_null(X);
    memcpy(X, d->X, 2 * d->n * sizeof *X);
    double *fe = malloc(2 * d->n * sizeof *fe);
    assert_non_null(fe);
    for (size_t i = 0; i < d->n; i++) {
        X[2 * d->n + i] = sqrt((double)d->fe[0].codes[i] + 1.0);
        fe[i] = (double)d->fe[0].codes[i];
        fe[d->n + i] = (double)d->fe[1].codes[i];
    }
    gw_design *d3 = make_design(d->n, 3, X, d->y, XN, fe, 2, FEN);
    gw_result *r3 = fit(d3, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r3->k, 2);
    assert_int_equal(r3->ndropped, 1);
    assert_string_equal(r3->dropped_collinear[0], "x3");
    for (size_t j = 0; j < 2; j++)
        gw_assert_close(r3->estimate[j], r0->estimate[j], 1e-9, 0.0);
    gw_result_free(r3);
    gw_result_free(r0);
    gw_design_free(d3);
    gw_design_free(d);
    free(X);
    free(fe);
}

/* ------------------------------------------------------------------------------------------ */
/* Separation.                                                                                */

/* The first n0 rows of the Poisson data plus extra rows appended: the fit with the extra rows
 * must drop them and reproduce the fit without them (the kept rows are the same prefix). */
static void test_glm_fe_separation_zero_group_dropped(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_pois.csv", 5);
    const size_t n0 = c.n, n = n0 + 4;
    double *X = malloc(2 * n * sizeof *X), *y = malloc(n * sizeof *y), *fe = malloc(2 * n * 8);
    assert_non_null(X);
    assert_non_null(y);
    assert_non_null(fe);
    for (size_t i = 0; i < n0; i++) {
        y[i] = c.v[i];
        X[i] = c.v[n0 + i];
        X[n + i] = c.v[2 * n0 + i];
        fe[i] = c.v[3 * n0 + i];
        fe[n + i] = c.v[4 * n0 + i];
    }
    /* A new level of a (1,500) with 4 rows, all y = 0, spread over existing levels of b, with
     * large x1 so that a naive fit would push its alpha (and nothing else) to -inf. */
    for (size_t t = 0; t < 4; t++) {
        y[n0 + t] = 0.0;
        X[n0 + t] = 5.0 + (double)t;
        X[n + n0 + t] = -1.0;
        fe[n0 + t] = 1500.0;
        fe[n + n0 + t] = (double)(7 * t);
    }
    gw_design *d = make_design(n, 2, X, y, XN, fe, 2, FEN);
    gw_design *d0 = pois_design();
    gw_result *r = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    gw_result *r0 = fit(d0, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs_separated, 4);
    assert_int_equal(r->ndropped_separated, 0);
    assert_int_equal(r->nobs, n0);
    assert_int_equal(r->fixed_effects[0].levels, 1500);
    for (size_t j = 0; j < 2; j++) {
        assert_true(fabs(r->estimate[j]) < 1.0);
        gw_assert_close(r->estimate[j], r0->estimate[j], 1e-14, 0.0);
        gw_assert_close(r->std_error[j], r0->std_error[j], 1e-14, 0.0);
    }
    gw_assert_close(r->loglik, r0->loglik, 1e-14, 0.0);
    gw_result_free(r);
    gw_result_free(r0);
    gw_design_free(d);
    gw_design_free(d0);
    free(X);
    free(y);
    free(fe);
    free(c.v);
}

/* A regressor x3 that is 0 wherever y > 0 and positive on some y = 0 rows separates them:
 * those rows are dropped (nobs_separated), x3 is named in dropped_separated, and the slopes
 * equal the fit of x1, x2 without those rows. */
static void test_glm_fe_separation_regressor_dropped(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_pois.csv", 5);
    const size_t n = c.n;
    double *X = malloc(3 * n * sizeof *X);
    assert_non_null(X);
    memcpy(X, c.v + n, 2 * n * sizeof *X);
    size_t nsep = 0;
    /* x3 = 1 + x1^2 on the y = 0 rows of levels of a with at least 3 other rows having y > 0
     * (so that dropping them leaves no new separated or singleton group), else 0. */
    size_t *npos = calloc(1500, sizeof *npos), *cnt = calloc(1500, sizeof *cnt);
    unsigned char *used = calloc(1500, 1);
    assert_non_null(npos);
    assert_non_null(cnt);
    assert_non_null(used);
    for (size_t i = 0; i < n; i++) {
        size_t l = (size_t)c.v[3 * n + i];
        cnt[l]++;
        npos[l] += c.v[i] > 0.0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = (size_t)c.v[3 * n + i];
        int sep = c.v[i] == 0.0 && npos[l] >= 3 && !used[l] && nsep < 40;
        X[2 * n + i] = sep ? 1.0 + X[i] * X[i] : 0.0;
        if (sep) {
            used[l] = 1;
            nsep++;
        }
    }
    assert_true(nsep >= 10);
    gw_design *d = make_design(n, 3, X, c.v, XN, c.v + 3 * n, 2, FEN);
    gw_result *r = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs_separated, nsep);
    assert_int_equal(r->ndropped_separated, 1);
    assert_string_equal(r->dropped_separated[0], "x3");
    assert_int_equal(r->k, 2);
    assert_int_equal(r->ndropped, 0);
    /* The same rows without x3. */
    size_t m = 0;
    double *X2 = malloc(2 * n * sizeof *X2), *y2 = malloc(n * sizeof *y2), *f2 = malloc(2 * n * 8);
    assert_non_null(X2);
    assert_non_null(y2);
    assert_non_null(f2);
    for (size_t i = 0; i < n; i++)
        if (X[2 * n + i] == 0.0) {
            y2[m] = c.v[i];
            m++;
        }
    for (size_t i = 0, t = 0; i < n; i++)
        if (X[2 * n + i] == 0.0) {
            X2[t] = X[i];
            X2[m + t] = X[n + i];
            f2[t] = c.v[3 * n + i];
            f2[m + t] = c.v[4 * n + i];
            t++;
        }
    gw_design *d2 = make_design(m, 2, X2, y2, XN, f2, 2, FEN);
    gw_result *r2 = fit(d2, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r2->nobs_separated, 0);
    assert_int_equal(r->nobs, r2->nobs);
    for (size_t j = 0; j < 2; j++) {
        gw_assert_close(r->estimate[j], r2->estimate[j], 1e-12, 0.0);
        gw_assert_close(r->std_error[j], r2->std_error[j], 1e-12, 0.0);
    }
    gw_result_free(r);
    gw_result_free(r2);
    gw_design_free(d);
    gw_design_free(d2);
    free(X);
    free(X2);
    free(y2);
    free(f2);
    free(npos);
    free(cnt);
    free(used);
    free(c.v);
}

/* Separation by a combination of regressors (x1 - x3 is 0 where y > 0 and 1 on some y = 0
 * rows; neither alone passes the single-regressor check): caught at convergence by the means
 * of those rows, which are dropped (nobs_separated) before a second fit, where x3 is exactly
 * collinear with x1 and dropped -- never a silently huge coefficient. */
static void test_glm_fe_separation_combination_dropped(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_pois.csv", 5);
    const size_t n = c.n;
    double *X = malloc(3 * n * sizeof *X);
    assert_non_null(X);
    memcpy(X, c.v + n, 2 * n * sizeof *X);
    size_t nsep = 0;
    for (size_t i = 0; i < n; i++) {
        X[2 * n + i] = X[i];
        if (c.v[i] == 0.0 && nsep < 20 && i % 7 == 0) {
            X[2 * n + i] = X[i] - 1.0;
            nsep++;
        }
    }
    gw_design *d = make_design(n, 3, X, c.v, XN, c.v + 3 * n, 2, FEN);
    gw_result *r = fit(d, GW_GLM_POISSON, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs_separated, nsep);
    assert_int_equal(r->nobs, n - nsep);
    assert_int_equal(r->k, 2);
    assert_int_equal(r->ndropped, 1);
    assert_string_equal(r->dropped_collinear[0], "x3");
    for (size_t j = 0; j < 2; j++)
        assert_true(fabs(r->estimate[j]) < 1.0);
    gw_result_free(r);
    gw_design_free(d);
    free(X);
    free(c.v);
}

/* Logit: a group whose outcomes are all 1 and one whose outcomes are all 0 are dropped. */
static void test_glm_fe_separation_logit_groups(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_logit.csv", 4);
    const size_t n0 = c.n, n = n0 + 6;
    double *X = malloc(2 * n * sizeof *X), *y = malloc(n * sizeof *y), *fe = malloc(n * 8);
    assert_non_null(X);
    assert_non_null(y);
    assert_non_null(fe);
    for (size_t i = 0; i < n0; i++) {
        y[i] = c.v[i];
        X[i] = c.v[n0 + i];
        X[n + i] = c.v[2 * n0 + i];
        fe[i] = c.v[3 * n0 + i];
    }
    for (size_t t = 0; t < 6; t++) {
        y[n0 + t] = t < 3 ? 1.0 : 0.0;
        X[n0 + t] = (double)t - 2.5;
        X[n + n0 + t] = 0.5 * (double)t;
        fe[n0 + t] = t < 3 ? 300.0 : 301.0;
    }
    gw_design *d = make_design(n, 2, X, y, XN, fe, 1, FEN);
    gw_result *r = fit(d, GW_GLM_LOGIT, GW_VCOV_IID, GW_SSC_GOODWORK);
    assert_int_equal(r->nobs_separated, 6);
    assert_int_equal(r->nobs, n0);
    for (size_t j = 0; j < 2; j++)
        gw_assert_close(r->estimate[j], ref("logit1", "estimate", XN[j]), 1e-8, 0.0);
    gw_result_free(r);
    gw_design_free(d);
    free(X);
    free(y);
    free(fe);
    free(c.v);
}

/* ------------------------------------------------------------------------------------------ */
/* Variances, re-weighting, threads, failures.                                                */

/* HC1 = HC0 N/(N-K-D) and the cluster profile factors, on the same fit. */
static void test_glm_fe_vcov_profiles(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    /* Cluster by a (the first effect, hence nested in the cluster). */
    double *ac = malloc(d->n * sizeof *ac);
    assert_non_null(ac);
    for (size_t i = 0; i < d->n; i++)
        ac[i] = (double)d->fe[0].codes[i];
    add_cluster(d, ac, "a");
    free(ac);
    gw_result *h0 = fit(d, GW_GLM_POISSON, GW_VCOV_HC0, GW_SSC_GOODWORK);
    gw_result *h1 = fit(d, GW_GLM_POISSON, GW_VCOV_HC1, GW_SSC_GOODWORK);
    gw_result *c1 = fit(d, GW_GLM_POISSON, GW_VCOV_CLUSTER, GW_SSC_GOODWORK);
    gw_result *c1s = fit(d, GW_GLM_POISSON, GW_VCOV_CLUSTER, GW_SSC_STATSMODELS);
    const double N = 5000.0, K = 2.0, D = 1999.0;
    assert_int_equal(c1->n_clusters[0], 1500);
    assert_string_equal(c1->vcov_type, "cluster:a");
    for (size_t j = 0; j < 4; j++) {
        gw_assert_close(h1->vcov[j], h0->vcov[j] * N / (N - K - D), 1e-13, 0.0);
        /* a nested in the cluster: goodwork counts only b's 500 - 1 = 499 (b's d_2 = L_2 - C). */
        gw_assert_close(c1s->vcov[j], c1->vcov[j] * (N - K - 499.0) / (N - K - D), 1e-13, 0.0);
    }
    for (size_t j = 0; j < 2; j++) {
        assert_true(h0->std_error[j] > 0.0);
        assert_true(c1->std_error[j] > 0.5 * h0->std_error[j]);
    }
    gw_result_free(h0);
    gw_result_free(h1);
    gw_result_free(c1);
    gw_result_free(c1s);
    gw_design_free(d);
}

/* gw_hdfe_set_weights gives the same demeaning as a gw_hdfe built with those weights. */
static void test_hdfe_set_weights_equals_new(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    const size_t n = d->n;
    double *w = malloc(n * sizeof *w), *c1 = malloc(2 * n * sizeof *c1), *c2 = c1 + n;
    assert_non_null(w);
    assert_non_null(c1);
    for (size_t i = 0; i < n; i++)
        w[i] = 0.5 + d->y[i];
    gw_hdfe *h1 = NULL, *h2 = NULL;
    gw_hdfe_opts ho = {0.0, 0, GW_HDFE_KEEP_SINGLETONS};
    assert_int_equal(gw_hdfe_new(d->fe, 2, n, NULL, &ho, &h1), GW_OK);
    assert_int_equal(gw_hdfe_new(d->fe, 2, n, w, &ho, &h2), GW_OK);
    assert_int_equal(gw_hdfe_set_weights(h1, w), GW_OK);
    assert_true(gw_hdfe_weights(h1) != w);
    memcpy(c1, d->X, n * sizeof *c1);
    memcpy(c2, d->X, n * sizeof *c2);
    double *p1 = c1, *p2 = c2;
    assert_int_equal(gw_hdfe_demean(h1, &p1, 1, NULL), GW_OK);
    assert_int_equal(gw_hdfe_demean(h2, &p2, 1, NULL), GW_OK);
    assert_memory_equal(c1, c2, n * sizeof *c1);
    w[3] = -1.0;
    assert_int_equal(gw_hdfe_set_weights(h1, w), GW_EINVAL);
    gw_hdfe_free(h1);
    gw_hdfe_free(h2);
    free(w);
    free(c1);
    gw_design_free(d);
}

static void test_glm_fe_threads_bit_identical(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    gw_threads_set(1);
    gw_result *r1 = fit(d, GW_GLM_POISSON, GW_VCOV_HC1, GW_SSC_GOODWORK);
    gw_threads_set(2);
    gw_result *r2 = fit(d, GW_GLM_POISSON, GW_VCOV_HC1, GW_SSC_GOODWORK);
    gw_threads_set(0);
    assert_memory_equal(r1->estimate, r2->estimate, 2 * sizeof(double));
    assert_memory_equal(r1->vcov, r2->vcov, 4 * sizeof(double));
    assert_memory_equal(&r1->loglik, &r2->loglik, sizeof(double));
    assert_int_equal(r1->iterations, r2->iterations);
    gw_result_free(r1);
    gw_result_free(r2);
    gw_design_free(d);
}

/* Logit AMEs at the full eta: a continuous regressor's is b_j times the mean of mu (1 - mu). */
static void test_glm_fe_logit_ame(void **state)
{
    (void)state;
    csv_num c = read_csv("datasets/generated/ppml_ref_logit.csv", 4);
    gw_design *d = make_design(c.n, 2, c.v + c.n, c.v, XN, c.v + 3 * c.n, 1, FEN);
    free(c.v);
    gw_glm_opts o = {0};
    o.kind = GW_GLM_LOGIT;
    o.flags = GW_GLM_AME | GW_GLM_KEEP_FITTED | GW_GLM_KEEP_RESIDUALS;
    gw_result *r = NULL;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_OK);
    assert_non_null(r->margins);
    assert_non_null(r->fitted);
    assert_non_null(r->residuals);
    assert_int_equal(r->margins->k, 2);
    double s = 0.0;
    for (size_t i = 0; i < r->nobs; i++) {
        s += r->fitted[i] * (1.0 - r->fitted[i]);
        gw_assert_close(r->residuals[i], d->y[i] - r->fitted[i], 0.0, 1e-15);
    }
    s /= (double)r->nobs;
    for (size_t j = 0; j < 2; j++) {
        gw_assert_close(r->margins->estimate[j], s * r->estimate[j], 1e-12, 0.0);
        assert_true(r->margins->std_error[j] > 0.0);
    }
    gw_result_free(r);
    gw_design_free(d);
}

static void test_glm_fe_failures(void **state)
{
    (void)state;
    gw_design *d = pois_design();
    gw_glm_opts o = {0};
    gw_result *r = NULL;
    o.kind = GW_GLM_POISSON;
    o.maxiter = 1;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_ENOCONV);
    assert_null(r);
    o.maxiter = 0;
    o.vcov = GW_VCOV_HC3;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_EUNSUPPORTED);
    o.vcov = GW_VCOV_IID;
    d->y[10] = -1.0;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_EFORMAT);
    d->y[10] = 2.0;
    o.kind = GW_GLM_LOGIT;
    assert_int_equal(gwi_glm_fit_fe(d, &o, &r), GW_EFORMAT);
    assert_null(r);
    gw_design_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_fe_poisson_twoway_equals_dummy_glm),
        cmocka_unit_test(test_glm_fe_logit_oneway_equals_dummy_glm),
        cmocka_unit_test(test_glm_fe_probit_oneway_equals_dummy_glm),
        cmocka_unit_test(test_glm_fe_weights_and_absorbed_regressor),
        cmocka_unit_test(test_glm_fe_separation_zero_group_dropped),
        cmocka_unit_test(test_glm_fe_separation_regressor_dropped),
        cmocka_unit_test(test_glm_fe_separation_combination_dropped),
        cmocka_unit_test(test_glm_fe_separation_logit_groups),
        cmocka_unit_test(test_glm_fe_vcov_profiles),
        cmocka_unit_test(test_hdfe_set_weights_equals_new),
        cmocka_unit_test(test_glm_fe_threads_bit_identical),
        cmocka_unit_test(test_glm_fe_logit_ame),
        cmocka_unit_test(test_glm_fe_failures),
    };
    return cmocka_run_group_tests_name("glm_fe", tests, NULL, NULL);
}
