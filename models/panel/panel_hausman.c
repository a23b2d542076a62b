/* panel_hausman.c -- the Hausman test of fixed against random effects (gw_panel.h).
 *
 * The classical form contrasts the one-way within fit and the Swamy-Arora fit of gw_panel_fit,
 * both with iid variances. The regression form (Wooldridge 2010, 10.7.3; Mundlak 1978) adds the
 * within-demeaned time-varying regressors to the random-effects quasi-demeaned regression and
 * tests them with a Wald statistic, once with the iid variance of that regression and once with
 * the contract's CR1 clustered by panel id, which stays valid when the random-effects
 * assumptions about the errors fail (heteroskedasticity, serial correlation). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_panel.h"
#include "models_int.h"
#include "panel_int.h"

/* Solve A z = b (q x q column-major A, overwritten) by Gaussian elimination with partial
 * pivoting, as R's solve (LAPACK dgesv). Returns 0 when a pivot is exactly zero. */
static int gepp_solve(size_t q, double *A, double *b)
{
    for (size_t c = 0; c < q; c++) {
        size_t piv = c;
        for (size_t i = c + 1; i < q; i++)
            if (fabs(A[i + c * q]) > fabs(A[piv + c * q]))
                piv = i;
        if (A[piv + c * q] == 0.0)
            return 0;
        if (piv != c) {
            for (size_t j = 0; j < q; j++) {
                double t = A[c + j * q];
                A[c + j * q] = A[piv + j * q];
                A[piv + j * q] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (size_t i = c + 1; i < q; i++) {
            double f = A[i + c * q] / A[c + c * q];
            for (size_t j = c; j < q; j++)
                A[i + j * q] -= f * A[c + j * q];
            b[i] -= f * b[c];
        }
    }
    for (size_t c = q; c-- > 0;) {
        double s = b[c];
        for (size_t j = c + 1; j < q; j++)
            s -= A[c + j * q] * b[j];
        b[c] = s / A[c + c * q];
    }
    return 1;
}

/* 1 when the symmetric q x q A is numerically positive definite: Cholesky of its correlation
 * form with every pivot above 64 q DBL_EPSILON (the rule of gwi_wald_f). L: q*q scratch. */
static int is_pd(size_t q, const double *A, double *L)
{
    const double tol = 64.0 * (double)q * DBL_EPSILON;
    for (size_t a = 0; a < q; a++)
        if (!(A[a + a * q] > 0.0))
            return 0;
    for (size_t j = 0; j < q; j++)
        for (size_t i = j; i < q; i++)
            L[i + j * q] = A[i + j * q] / sqrt(A[i + i * q]) / sqrt(A[j + j * q]);
    for (size_t j = 0; j < q; j++) {
        double djj = L[j + j * q];
        for (size_t m = 0; m < j; m++)
            djj -= L[j + m * q] * L[j + m * q];
        if (!(djj > tol))
            return 0;
        djj = sqrt(djj);
        L[j + j * q] = djj;
        for (size_t i = j + 1; i < q; i++) {
            double s = L[i + j * q];
            for (size_t m = 0; m < j; m++)
                s -= L[i + m * q] * L[j + m * q];
            L[i + j * q] = s / djj;
        }
    }
    return 1;
}

static size_t find_term(const gw_result *r, const char *name)
{
    for (size_t a = 0; a < r->k; a++)
        if (strcmp(r->terms[a], name) == 0)
            return a;
    return SIZE_MAX;
}

/* The classical statistic from the within fit fe and the random-effects fit re. */
static gw_status classical(const gw_result *fe, const gw_result *re, gw_panel_hausman *out)
{
    const size_t kf = fe->k;
    size_t *ia = gw_alloc_array(kf ? kf : 1, sizeof *ia),
           *ib = gw_alloc_array(kf ? kf : 1, sizeof *ib);
    double *work = gw_alloc_array(3 * kf * kf + 2 * kf + 1, sizeof *work);
    gw_status rc = GW_OK;
    if (ia == NULL || ib == NULL || work == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the Hausman workspace");
        goto done;
    }
    size_t q = 0;
    for (size_t a = 0; a < kf; a++) {
        size_t b = find_term(re, fe->terms[a]);
        if (b != SIZE_MAX && strcmp(fe->terms[a], "(Intercept)") != 0) {
            ia[q] = a;
            ib[q++] = b;
        }
    }
    if (q == 0) {
        rc = gwi_fail(GW_EINVAL, "Hausman test: no slope common to the within and random-effects "
                                 "fits");
        goto done;
    }
    double *A = work, *L = work + kf * kf, *dz = work + 2 * kf * kf, *dv = dz + kf;
    for (size_t j = 0; j < q; j++) {
        dv[j] = dz[j] = fe->estimate[ia[j]] - re->estimate[ib[j]];
        for (size_t i = 0; i < q; i++)
            A[i + j * q] = fe->vcov[ia[i] + ia[j] * kf] - re->vcov[ib[i] + ib[j] * re->k];
    }
    out->vdiff_not_pd = !is_pd(q, A, L);
    double H = NAN;
    if (gepp_solve(q, A, dz)) {
        H = 0.0;
        for (size_t j = 0; j < q; j++)
            H += dv[j] * dz[j];
    }
    out->chisq = H;
    out->df = (double)q;
    out->p_value = (isfinite(H) && H >= 0.0) ? gsl_cdf_chisq_Q(H, (double)q) : (double)NAN;
done:
    gw_free(work);
    gw_free(ib);
    gw_free(ia);
    return rc;
}

/* Wald chi2 that the coefficients named in names[0..q-1] are zero; NaN unless all are kept. */
static gw_status wald_named(const gw_result *r, char *const *names, size_t q, int clustered,
                            double *chisq)
{
    size_t *idx = gw_alloc_array(q ? q : 1, sizeof *idx);
    double *work = gw_alloc_array(2 * r->k * r->k + r->k + 1, sizeof *work);
    if (idx == NULL || work == NULL) {
        gw_free(idx);
        gw_free(work);
        return gwi_fail(GW_ENOMEM, "cannot allocate the Wald workspace");
    }
    size_t m = 0;
    for (size_t a = 0; a < q; a++) {
        size_t j = find_term(r, names[a]);
        if (j != SIZE_MAX)
            idx[m++] = j;
    }
    *chisq = NAN;
    if (m == q && !(clustered && (double)q > r->df_inference))
        *chisq = (double)q * gwi_wald_f(r, idx, q, work);
    gw_free(work);
    gw_free(idx);
    return GW_OK;
}

/* The regression form: both statistics. */
static gw_status regression_form(const gw_design *d, gw_ls_opts ls, gw_panel_hausman *out)
{
    const size_t n = d->n, p = d->p;
    gwi_panel_re re;
    gw_panel_info info;
    gw_result *r1 = NULL, *r2 = NULL;
    double *X = NULL;
    char **terms = NULL, **extra = NULL;
    gw_status rc;
    memset(&info, 0, sizeof info);
    if ((rc = gwi_panel_re_new(d, ls, &info, &re)) != GW_OK)
        return rc;
    X = gw_alloc_array(n * 2 * p, sizeof *X);
    terms = gw_calloc(2 * p, sizeof *terms);
    extra = gw_calloc(p, sizeof *extra);
    if (X == NULL || terms == NULL || extra == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the auxiliary regression (%zu x %zu)", n, 2 * p);
        goto done;
    }
    memcpy(X, re.Xs, n * p * sizeof *X);
    for (size_t j = 0; j < p; j++)
        terms[j] = d->terms[j];
    size_t q = 0;
    for (size_t j = 1; j < p; j++) {
        if (!re.varies[j])
            continue;
        size_t len = strlen(d->terms[j]) + sizeof "~within";
        if ((extra[q] = gw_malloc(len)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate a term name");
            goto done;
        }
        snprintf(extra[q], len, "%s~within", d->terms[j]);
        memcpy(X + (p + q) * n, re.Xw + j * n, n * sizeof *X);
        terms[p + q] = extra[q];
        q++;
    }
    if (q == 0) {
        rc = gwi_fail(GW_EINVAL, "Hausman test: no regressor varies within panel ids");
        goto done;
    }
    gw_design td;
    memset(&td, 0, sizeof td);
    td.n = n;
    td.p = p + q;
    td.X = X;
    td.y = re.ys;
    td.terms = terms;
    td.response = d->response;
    td.has_intercept = 0;
    td.cluster = d->panel_id;
    td.ncluster = 1;
    gw_ols_opts oo = {0};
    oo.ls = ls;
    if ((rc = gw_ols_fit(&td, &oo, &r1)) != GW_OK) {
        rc = gwi_fail_keep(rc);
        goto done;
    }
    oo.vcov = GW_VCOV_CLUSTER;
    if ((rc = gw_ols_fit(&td, &oo, &r2)) != GW_OK) {
        rc = gwi_fail_keep(rc);
        goto done;
    }
    if ((rc = wald_named(r1, extra, q, 0, &out->chisq_aux)) != GW_OK ||
        (rc = wald_named(r2, extra, q, 1, &out->chisq_robust)) != GW_OK)
        goto done;
    out->df_aux = (double)q;
    out->p_value_aux = (isfinite(out->chisq_aux) && out->chisq_aux >= 0.0)
                           ? gsl_cdf_chisq_Q(out->chisq_aux, (double)q)
                           : (double)NAN;
    out->p_value_robust = (isfinite(out->chisq_robust) && out->chisq_robust >= 0.0)
                              ? gsl_cdf_chisq_Q(out->chisq_robust, (double)q)
                              : (double)NAN;
    out->n_groups = r2->n_clusters[0];
done:
    gw_result_free(r2);
    gw_result_free(r1);
    if (extra)
        for (size_t j = 0; j < p; j++)
            gw_free(extra[j]);
    gw_free(extra);
    gw_free(terms);
    gw_free(X);
    gwi_panel_re_free(&re);
    return rc;
}

gw_status gw_panel_hausman_test(const gw_design *d, const gw_panel_opts *opts,
                                gw_panel_hausman *out)
{
    gw_result *fe = NULL, *re = NULL;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output");
    out->chisq = out->df = out->p_value = NAN;
    out->chisq_aux = out->df_aux = out->p_value_aux = NAN;
    out->chisq_robust = out->p_value_robust = NAN;
    out->vdiff_not_pd = 0;
    out->n_groups = 0;
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if (d->w != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "Hausman test with weights is not supported");
    gw_panel_opts o = {0};
    if (opts != NULL)
        o.ols.ls = opts->ols.ls;
    o.model = GW_PANEL_WITHIN;
    if ((rc = gw_panel_fit(d, &o, &fe, NULL)) != GW_OK)
        goto done;
    o.model = GW_PANEL_RE;
    if ((rc = gw_panel_fit(d, &o, &re, NULL)) != GW_OK)
        goto done;
    if ((rc = classical(fe, re, out)) != GW_OK)
        goto done;
    rc = regression_form(d, o.ols.ls, out);
done:
    gw_result_free(re);
    gw_result_free(fe);
    return rc;
}
