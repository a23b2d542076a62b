/* scale.c -- power-of-two rescaling of extreme data, shared by every estimator (models_int.h).
 *
 * Why at the level of a whole fit and not inside gw_ls_fit: a fit of data at 1e300 has
 * residuals near 1e300 whose squares overflow, a bread (X'X)^-1 near 1e-600 that underflows,
 * and meats (products of four data values) further out still. Those are the kernel's outputs,
 * and no solver can return them in doubles. The estimates, standard errors and test statistics
 * of the same fit are representable, so the fit runs on data scaled to near-unit magnitude and
 * only its result is mapped back. Multiplying by a power of two is exact (ldexp, no rounding
 * unless it underflows), and every step of the estimators -- sums, products, divisions,
 * demeaning, the QR, the IRLS working response -- commutes with it up to rounding, so the
 * scaled fit is the same fit: for ordinary magnitudes it is even bit-identical to the unscaled
 * one scaled, and at extreme magnitudes it is the only one whose intermediates exist.
 *
 * What maps back, and how (e_j the exponent of column j, ey that of y; a result fitted to
 * (2^-ey y, 2^-e_j x_j)):
 *   linear models (OLS, within, 2SLS and its first stages, RE/FD/between, logit and probit with
 *     ey = 0): coefficient j times 2^(ey - e_j), its standard error and interval likewise, vcov
 *     (a, b) times 2^(f_a + f_b); RSS and TSS times 2^(2 ey), rmse times 2^ey, the Gaussian
 *     loglik (-N/2 log RSS + ...) minus N ey log 2, residuals and fitted values times 2^ey. t,
 *     p-values, R^2, F and every IV diagnostic are ratios of like-scaled quantities: unchanged.
 *   Poisson (log link): mu = exp(x'b), so y times 2^ey is fitted by mu times 2^ey, i.e. the
 *     intercept (or the absorbed effects, which the result does not report) plus ey log 2 and
 *     every slope unchanged; x_j times 2^-e_j multiplies slope j by 2^e_j. So slopes map as
 *     2^-e_j and the intercept shifts by ey log 2; sandwich variances do not change, the
 *     model-based (iid) one (X' diag(mu) X)^-1 scales by 2^-ey (a count's variance is its mean,
 *     so it is not scale-free), and the statistics are recomputed; deviances scale by 2^ey
 *     (y log(y/mu) - (y - mu) is homogeneous of degree one), fitted values and residuals by
 *     2^ey, average marginal effects (mu b_j) by 2^(ey - e_j). The log-likelihood
 *     (lgamma(y + 1)) is not homogeneous: the GLM code computes it, and AIC, BIC and
 *     pseudo-R^2, from the unscaled y and mu (gwi_glm_loglik_at). */
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_par.h"
#include "models_int.h"

/* log(2), to 36 digits. */
#define LOG_2 0.693147180559945309417232121458176568

double gwi_max_abs(const double *x, size_t len)
{
    double m = 0.0;
    const long nbl = (long)gw_nblocks(len);
#pragma omp parallel for schedule(static) reduction(max : m)
    for (long b = 0; b < nbl; b++) {
        size_t first, count;
        gw_block_range(len, (size_t)b, &first, &count);
        double mb = 0.0;
        for (size_t i = first; i < first + count; i++) {
            double a = fabs(x[i]);
            mb = a > mb ? a : mb;
        }
        m = mb > m ? mb : m;
    }
    return m;
}

int gwi_scale_exp(double maxabs) { return (maxabs > 0.0 && isfinite(maxabs)) ? ilogb(maxabs) : 0; }

int gwi_scale_outside(int e) { return e < -GWI_SCALE_EXP || e > GWI_SCALE_EXP; }

void gwi_scale_free(gwi_scale *s)
{
    gw_free(s->ex);
    gw_free(s->ez);
    s->ex = s->ez = NULL;
}

/* The exponent by which to scale x[0..n): that of its largest magnitude when it is outside the
 * safe window (*need is then set), else 0. A column inside the window is left as it is even when
 * others are scaled: its products (squares, Gram and meat entries, at most four factors within
 * 2^+-100) cannot underflow or overflow, and the fit stays bit-identical in it; for Poisson an
 * ordinary count vector also keeps the IRLS path of the unscaled fit. */
static int plan_exp(const double *x, size_t n, int *need)
{
    int e = gwi_scale_exp(gwi_max_abs(x, n));
    if (!gwi_scale_outside(e))
        return 0;
    *need = 1;
    return e;
}

gw_status gwi_scale_plan(const gw_design *d, int scale_y, gwi_scale *s, int *need)
{
    const size_t n = d->n, p = d->p, q = d->Z != NULL ? d->q : 0;
    memset(s, 0, sizeof *s);
    *need = 0;
    s->p = p;
    s->q = q;
    s->xterms = (const char *const *)d->terms;
    s->zterms = (const char *const *)d->inst_terms;
    s->n_endog = d->n_endog;
    s->ex = gw_calloc(p ? p : 1, sizeof *s->ex);
    s->ez = q ? gw_calloc(q, sizeof *s->ez) : NULL;
    if (s->ex == NULL || (q && s->ez == NULL)) {
        gwi_scale_free(s);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu scaling exponents", p + q);
    }
    if (scale_y)
        s->ey = plan_exp(d->y, n, need);
    for (size_t j = 0; j < p; j++)
        s->ex[j] = plan_exp(d->X + j * n, n, need);
    for (size_t j = 0; j < q; j++)
        s->ez[j] = plan_exp(d->Z + j * n, n, need);
    return GW_OK;
}

/* dst[0..n) = src[0..n) * 2^-e (dst may be src). */
static void scale_vec(double *dst, const double *src, size_t n, int e)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = ldexp(src[i], -e);
}

static void scale_design(const gw_design *d, const gwi_scale *s, gw_design *to)
{
    const size_t n = d->n;
    for (size_t j = 0; j < s->p; j++) {
        scale_vec(to->X + j * n, d->X + j * n, n, s->ex[j]);
        if (d->Xlo != NULL)
            scale_vec(to->Xlo + j * n, d->Xlo + j * n, n, s->ex[j]);
    }
    for (size_t j = 0; j < s->q; j++)
        scale_vec(to->Z + j * n, d->Z + j * n, n, s->ez[j]);
    scale_vec(to->y, d->y, n, s->ey);
}

gw_status gwi_scale_copy(const gw_design *d, const gwi_scale *s, gw_design *sd)
{
    const size_t n = d->n, p = s->p, q = s->q;
    *sd = *d;
    sd->block = NULL; /* the copy's arrays are its own; the caller's block stays the caller's */
    sd->X = gw_alloc_array(n * p, sizeof(double));
    sd->y = gw_alloc_array(n, sizeof(double));
    sd->Xlo = d->Xlo ? gw_alloc_array(n * p, sizeof(double)) : NULL;
    sd->Z = q ? gw_alloc_array(n * q, sizeof(double)) : d->Z;
    if (sd->X == NULL || sd->y == NULL || (d->Xlo != NULL && sd->Xlo == NULL) ||
        (q && sd->Z == NULL)) {
        if (!q)
            sd->Z = NULL;
        return gwi_fail(GW_ENOMEM, "cannot allocate a scaled copy of the %zu x %zu design", n,
                        p + q + 1);
    }
    scale_design(d, s, sd);
    if (!q)
        sd->Z = NULL;
    return GW_OK;
}

void gwi_scale_copy_free(gw_design *sd)
{
    gw_free(sd->X);
    gw_free(sd->Xlo);
    gw_free(sd->y);
    gw_free(sd->Z);
    sd->X = sd->Xlo = sd->y = sd->Z = NULL;
}

void gwi_scale_inplace(gw_design *d, const gwi_scale *s) { scale_design(d, s, d); }

void gwi_scale_block(const gwi_scale *s, size_t n, double *y, double *X, size_t ld)
{
    if (y != NULL)
        scale_vec(y, y, n, s->ey);
    for (size_t j = 0; X != NULL && j < s->p; j++)
        scale_vec(X + j * ld, X + j * ld, n, s->ex[j]);
}

/* The exponent of the column called term (X's, then the instruments'); 0 when none is. */
static int term_exp(const gwi_scale *s, const char *term)
{
    if (term == NULL)
        return 0;
    for (size_t j = 0; j < s->p; j++)
        if (s->xterms != NULL && s->xterms[j] != NULL && strcmp(s->xterms[j], term) == 0)
            return s->ex[j];
    for (size_t j = 0; j < s->q; j++)
        if (s->zterms != NULL && s->zterms[j] != NULL && strcmp(s->zterms[j], term) == 0)
            return s->ez[j];
    return 0;
}

/* Coefficient factors f[a] (r->k of them; f is at least k ints) and estimates, errors,
 * intervals and vcov scaled by them. */
static void unscale_coefs(gw_result *r, const gwi_scale *s, int ey, int *f)
{
    const size_t k = r->k;
    for (size_t a = 0; a < k; a++)
        f[a] = ey - term_exp(s, r->terms[a]);
    for (size_t a = 0; a < k; a++) {
        r->estimate[a] = ldexp(r->estimate[a], f[a]);
        r->std_error[a] = ldexp(r->std_error[a], f[a]);
        r->ci_low[a] = ldexp(r->ci_low[a], f[a]);
        r->ci_high[a] = ldexp(r->ci_high[a], f[a]);
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            r->vcov[i + j * k] = ldexp(r->vcov[i + j * k], f[i] + f[j]);
}

static void unscale_vec(double *x, size_t n, int e)
{
    if (x != NULL)
        for (size_t i = 0; i < n; i++)
            x[i] = ldexp(x[i], e);
}

/* A linear result with response exponent ey (recursing into IV first stages, whose responses
 * are the endogenous columns). */
static void unscale_linear(gw_result *r, const gwi_scale *s, int ey, int *f)
{
    unscale_coefs(r, s, ey, f);
    r->rss = ldexp(r->rss, 2 * ey);
    r->tss = ldexp(r->tss, 2 * ey);
    r->rmse = ldexp(r->rmse, ey);
    r->mean_y = ldexp(r->mean_y, ey);
    r->loglik -= (double)r->nobs * (double)ey * LOG_2;
    if (r->nobs != GW_RESULT_NA) {
        unscale_vec(r->residuals, r->nobs, ey);
        unscale_vec(r->fitted, r->nobs, ey);
    }
    for (size_t j = 0; r->first_stage != NULL && j < r->n_endog; j++)
        if (r->first_stage[j] != NULL && s->n_endog == r->n_endog)
            unscale_linear(r->first_stage[j], s, s->ex[s->p - s->n_endog + j], f);
}

/* Poisson. In the scaled units first, where every variance is representable: the intercept
 * takes + ey log 2; the model-based (iid) variance (X' diag(mu) X)^-1 is that of means 2^-ey
 * times the model's, so it is 2^ey times too large there and is scaled by 2^-ey (also in the
 * margins' delta method), while sandwich variances (HC, cluster) are invariant (bread ~ 1/mu,
 * meat ~ (y - mu)^2); the statistics, p-values and intervals are then recomputed. After that
 * every coefficient maps with 2^-e_j. */
static void unscale_loglink(gw_result *r, const gwi_scale *s, int has_intercept, int *f)
{
    const size_t k = r->k;
    const char *icpt = has_intercept && s->p > 0 && s->xterms != NULL ? s->xterms[0] : NULL;
    if (s->ey != 0) {
        const int iid = r->vcov_type != NULL && strcmp(r->vcov_type, "iid") == 0;
        if (iid)
            unscale_vec(r->vcov, k * k, -s->ey);
        for (size_t a = 0; a < k && icpt != NULL; a++)
            if (r->terms[a] != NULL && strcmp(r->terms[a], icpt) == 0)
                r->estimate[a] += (double)s->ey * LOG_2;
        gwi_fill_inference(r);
        if (iid && r->margins != NULL) {
            unscale_vec(r->margins->vcov, r->margins->k * r->margins->k, -s->ey);
            gwi_fill_inference(r->margins);
        }
    }
    unscale_coefs(r, s, 0, f);
    r->deviance = ldexp(r->deviance, s->ey);
    r->null_deviance = ldexp(r->null_deviance, s->ey);
    if (r->nobs != GW_RESULT_NA) {
        unscale_vec(r->residuals, r->nobs, s->ey);
        unscale_vec(r->fitted, r->nobs, s->ey);
    }
}

gw_status gwi_scale_unscale(gw_result *r, const gwi_scale *s, gwi_unscale_kind kind,
                            int has_intercept)
{
    if (r == NULL)
        return GW_OK;
    /* One factor per coefficient of the largest record (the fit, a first stage, the margins). */
    int small[64];
    size_t kmax = r->k;
    for (size_t j = 0; r->first_stage != NULL && j < r->n_endog; j++)
        if (r->first_stage[j] != NULL && r->first_stage[j]->k > kmax)
            kmax = r->first_stage[j]->k;
    if (r->margins != NULL && r->margins->k > kmax)
        kmax = r->margins->k;
    int *f = kmax <= 64 ? small : gw_alloc_array(kmax, sizeof *f);
    if (f == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu scaling factors", kmax);
    if (kind == GWI_UNSCALE_LOGLINK)
        unscale_loglink(r, s, has_intercept, f);
    else
        unscale_linear(r, s, s->ey, f);
    if (r->margins != NULL)
        unscale_coefs(r->margins, s, s->ey, f);
    if (f != small)
        gw_free(f);
    return GW_OK;
}

gw_status gwi_scale_fit(const gw_design *d, int scale_y, gwi_unscale_kind kind,
                        gwi_scale_fit_fn fit, void *ctx, gw_result **out)
{
    gwi_scale sc;
    gw_design sd = {0};
    int need = 0;
    gw_status rc = gwi_scale_plan(d, scale_y, &sc, &need);
    if (rc != GW_OK)
        return rc;
    if (!need)
        rc = fit(ctx, d, NULL, 0, out);
    else if ((rc = gwi_scale_copy(d, &sc, &sd)) == GW_OK &&
             (rc = fit(ctx, &sd, &sd, sc.ey, out)) == GW_OK &&
             (rc = gwi_scale_unscale(*out, &sc, kind, d->has_intercept)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    gwi_scale_copy_free(&sd);
    gwi_scale_free(&sc);
    return rc;
}

int gwi_result_suspect(const gw_result *r)
{
    const double lo = 0x1p-900, hi = 0x1p900;
    if (r->family != NULL) {
        if (!(r->deviance <= hi) || r->deviance < lo)
            return 1;
    } else if (!(r->rss <= hi) || !(r->tss <= hi) || (r->rss < lo) || (r->tss < lo)) {
        return 1;
    }
    for (size_t j = 0; j < r->k; j++) {
        double v = r->vcov[j + j * r->k];
        if (!isfinite(r->estimate[j]) || !(r->std_error[j] > 0.0) || !isfinite(r->std_error[j]) ||
            !(v > 0.0) || !isfinite(v))
            return 1;
    }
    return 0;
}

int gwi_scale_retry_status(gw_status rc)
{
    return !(rc == GW_ENOMEM || rc == GW_EINVAL || rc == GW_EDIM || rc == GW_ENODATA ||
             rc == GW_EUNSUPPORTED || rc == GW_EINTERNAL);
}
