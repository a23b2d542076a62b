/* ols.c -- ordinary and weighted least squares with full inference (gw_ols.h).
 *
 * gw_ols_fit validates everything that can be validated before solving (so that a bad cluster
 * code fails in milliseconds, not after a pass over 10^7 rows), solves with gw_ls_fit, and
 * hands the solution to gwi_ols_from_ls, which builds the result record. The variance
 * estimators live in vcov.c, the tests and intervals in inference.c. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "models_int.h"

/* log(2 pi), to 36 digits. */
#define LOG_2PI 1.83787706640934548356065947281123527

gw_status gwi_ols_check(const gw_design *d, const gw_ols_opts *opts, gwi_vcov_info *info)
{
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (d->p == 0)
        return gwi_fail(GW_EDIM, "the model has no regressors");
    if (d->p > (size_t)INT_MAX)
        return gwi_fail(GW_EDIM, "%zu regressors exceed the supported %d", d->p, INT_MAX);
    if (d->X == NULL || d->y == NULL || d->terms == NULL)
        return gwi_fail(GW_EINVAL, "the design has no %s",
                        d->X == NULL   ? "X"
                        : d->y == NULL ? "y"
                                       : "term names");
    for (size_t j = 0; j < d->p; j++)
        if (d->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "column %zu of the design has no name", j);
    if (d->nfe > 0)
        return gwi_fail(GW_EUNSUPPORTED,
                        "absorbed fixed effects need the within estimator, not gw_ols_fit");
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables need the IV estimator");
    if (opts->conf_level != 0.0 && !(opts->conf_level > 0.0 && opts->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", opts->conf_level);
    return gwi_vcov_check(d, opts->vcov, info);
}

/* Deterministic blocked sums for the fit statistics: the weighted means of y and of the fitted
 * values, then sums of squares around them and sum log w, each a reduction over GW_BLOCK_ROWS
 * blocks combined in order (two passes, style.md Accumulation). */
typedef struct {
    double tss, mss, sumlogw;
} fit_sums;

static gw_status blocked_sums(const gw_design *d, const double *fitted, fit_sums *fs)
{
    const size_t n = d->n, nb = gw_nblocks(n);
    const double *w = d->w, *y = d->y;
    const int centre = d->has_intercept != 0;
    double *part = gw_alloc_array(nb * 3, sizeof(double));
    if (part == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu block sums", nb);
    double sw = 0.0, swy = 0.0, swf = 0.0;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double a0 = 0.0, a1 = 0.0, a2 = 0.0;
        for (size_t i = first; i < first + count; i++) {
            double wi = w ? w[i] : 1.0;
            a0 += wi;
            a1 += wi * y[i];
            a2 += wi * fitted[i];
        }
        part[3 * b] = a0;
        part[3 * b + 1] = a1;
        part[3 * b + 2] = a2;
    }
    for (size_t b = 0; b < nb; b++) {
        sw += part[3 * b];
        swy += part[3 * b + 1];
        swf += part[3 * b + 2];
    }
    const double ybar = centre ? swy / sw : 0.0, fbar = centre ? swf / sw : 0.0;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double a0 = 0.0, a1 = 0.0, a2 = 0.0;
        for (size_t i = first; i < first + count; i++) {
            double wi = w ? w[i] : 1.0, dy = y[i] - ybar, df = fitted[i] - fbar;
            a0 += wi * dy * dy;
            a1 += wi * df * df;
            a2 += w ? log(wi) : 0.0;
        }
        part[3 * b] = a0;
        part[3 * b + 1] = a1;
        part[3 * b + 2] = a2;
    }
    fs->tss = fs->mss = fs->sumlogw = 0.0;
    for (size_t b = 0; b < nb; b++) {
        fs->tss += part[3 * b];
        fs->mss += part[3 * b + 1];
        fs->sumlogw += part[3 * b + 2];
    }
    gw_free(part);
    return GW_OK;
}

static gw_status copy_names(char **dst, size_t *count, const gw_design *d, const int *aliased,
                            int want_aliased)
{
    size_t m = 0;
    for (size_t j = 0; j < d->p; j++)
        if ((aliased[j] != 0) == want_aliased)
            if ((dst[m++] = gw_strdup(d->terms[j])) == NULL)
                return gwi_fail(GW_ENOMEM, "cannot copy term names");
    if (count)
        *count = m;
    return GW_OK;
}

/* The overall F test of gw_ols.h on the filled result r. */
static gw_status f_test(const gw_design *d, const gwi_ls_view *ls, gw_vcov_kind kind,
                        const size_t *keep, const fit_sums *fs, gw_result *r)
{
    const size_t k = r->k;
    size_t q = 0;
    size_t *idx = gw_alloc_array(k ? k : 1, sizeof *idx);
    double *work = gw_alloc_array(2 * k * k + k + 1, sizeof *work);
    if (idx == NULL || work == NULL) {
        gw_free(idx);
        gw_free(work);
        return gwi_fail(GW_ENOMEM, "cannot allocate the F test workspace");
    }
    for (size_t j = 0; j < k; j++)
        if (!(d->has_intercept && keep[j] == 0))
            idx[q++] = j;
    const double dfr = (double)d->n - (double)k;
    r->f_df1 = (double)q;
    r->f_df2 = r->df_inference;
    double F = NAN;
    if (q > 0 && dfr > 0.0) {
        if (kind == GW_VCOV_IID)
            F = (fs->mss / (double)q) / (ls->rss / dfr);
        else if (!(kind == GW_VCOV_CLUSTER && (double)q > r->df_inference))
            F = gwi_wald_f(r, idx, q, work);
    }
    r->f_stat = F;
    r->f_p_value = (isfinite(F) && F >= 0.0 && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(F, (double)q, r->f_df2)
                       : (double)NAN;
    gw_free(work);
    gw_free(idx);
    return GW_OK;
}

gw_status gwi_ols_from_ls(const gw_design *d, const gw_ols_opts *opts, const gwi_ls_view *ls,
                          const gwi_vcov_info *info_in, gw_result **out)
{
    const size_t n = d->n, p = d->p, k = ls->rank;
    gw_status rc = GW_OK;
    gw_result *r = NULL;
    size_t *keep = gw_alloc_array(p, sizeof *keep);
    gwi_vcov_info info = *info_in;
    fit_sums fs = {0.0, 0.0, 0.0};
    char vname[512];
    *out = NULL;
    if (keep == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu column indices", p);
        goto done;
    }
    size_t m = 0;
    for (size_t j = 0; j < p; j++)
        if (!ls->aliased[j])
            keep[m++] = j;
    if (m != k) {
        rc = gwi_fail(GW_EINTERNAL, "rank %zu but %zu columns not aliased", k, m);
        goto done;
    }
    if ((rc = gw_result_new(k, &r)) != GW_OK)
        goto done;
    if ((rc = gwi_vcov_name(d, opts->vcov, vname, sizeof vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->estimator, "ols")) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, d->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, ls->method ? ls->method : "")) != GW_OK)
        goto done;
    if ((rc = copy_names(r->terms, NULL, d, ls->aliased, 0)) != GW_OK)
        goto done;
    if (p > k) {
        if ((r->dropped_collinear = gw_calloc(p - k, sizeof(char *))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu names", p - k);
            goto done;
        }
        r->ndropped = p - k;
        if ((rc = copy_names(r->dropped_collinear, NULL, d, ls->aliased, 1)) != GW_OK)
            goto done;
    }
    for (size_t j = 0; j < k; j++)
        r->estimate[j] = ls->coef[keep[j]];

    if ((rc = gwi_vcov(d, ls, opts->vcov, keep, k, r->vcov, &info)) != GW_OK)
        goto done;
    r->nobs = n;
    r->nobs_dropped_missing = d->nobs_dropped_missing;
    r->df_resid = (double)n - (double)k;
    r->n_cluster_vars = info.nvars;
    for (size_t v = 0; v < info.nvars; v++)
        r->n_clusters[v] = info.ngroups[v];
    r->conf_level = opts->conf_level != 0.0 ? opts->conf_level : 0.95;
    r->stat_is_z = 0;
    r->df_inference = info.df;
    gwi_fill_inference(r);

    if ((rc = blocked_sums(d, ls->fitted, &fs)) != GW_OK)
        goto done;
    const double nn = (double)n, dfr = nn - (double)k, icpt = d->has_intercept ? 1.0 : 0.0;
    r->rss = ls->rss;
    r->tss = fs.tss;
    r->r2 = fs.mss / (fs.mss + ls->rss);
    r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - icpt) / dfr) : (double)NAN;
    r->rmse = dfr > 0.0 ? sqrt(ls->rss / dfr) : (double)NAN;
    r->loglik = 0.5 * (fs.sumlogw - nn * (LOG_2PI + 1.0 - log(nn) + log(ls->rss)));
    if ((rc = f_test(d, ls, opts->vcov, keep, &fs, r)) != GW_OK)
        goto done;

    r->rank = k;
    r->rcond = ls->rcond;
    r->near_singular = ls->near_singular;
    r->iterations = 1;
    r->converged = 1;
    if (opts->flags & GW_OLS_KEEP_RESIDUALS) {
        if ((r->residuals = gw_alloc_array(n, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", n);
            goto done;
        }
        memcpy(r->residuals, ls->resid, n * sizeof(double));
    }
    if (opts->flags & GW_OLS_KEEP_FITTED) {
        if ((r->fitted = gw_alloc_array(n, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu fitted values", n);
            goto done;
        }
        memcpy(r->fitted, ls->fitted, n * sizeof(double));
    }
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    gw_free(keep);
    return rc;
}

gw_status gw_ols_fit(const gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    gwi_vcov_info info;
    gw_ls *ls = NULL;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if ((rc = gwi_ols_check(d, opts, &info)) != GW_OK)
        return rc;
    (void)gw_threads_get(); /* first use: pins OpenBLAS to one thread inside our blocks */
    if ((rc = gw_ls_fit(d, opts->ls, &ls)) != GW_OK)
        return gwi_fail_keep(rc);
    gwi_ls_view v = {
        gw_ls_n(ls),     gw_ls_p(ls),      gw_ls_rank(ls),          gw_ls_coef(ls),
        gw_ls_resid(ls), gw_ls_fitted(ls), gw_ls_bread(ls),         gw_ls_aliased(ls),
        gw_ls_rss(ls),   gw_ls_rcond(ls),  gw_ls_near_singular(ls), gw_ls_method_used(ls)};
    rc = gwi_ols_from_ls(d, opts, &v, &info, out);
    gw_ls_free(ls);
    return rc;
}
