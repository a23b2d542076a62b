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
#include "hdfe_int.h"
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

/* The fit statistics tss, mss and sum log w, as mergeable per-block partials: each block's
 * weight total, weighted means of y and of the fitted values, and sums of squares about those
 * block means (two passes over the block, which is in cache), merged in block order with the
 * pairwise update of Chan, Golub and LeVeque (S = S_a + S_b + d^2 W_a W_b / W, d the difference
 * of the means). This is as accurate as the two-pass sums around the global means it replaces
 * and needs no global mean in advance, so it runs inside gw_ls_fit's residual pass (the
 * fitted values then never have to be stored). Without an intercept the sums are uncentred. */
typedef struct {
    double tss, mss, sumlogw;
} fit_sums;

/* One block's goodness-of-fit sums (gwi_fit_part's layout). */
typedef struct {
    double v[GWI_FIT_PART];
} fit_part;

void gwi_fit_part(const double *y, const double *f, const double *w, size_t n, int centre,
                  double *o)
{
    double W = 0.0, sy = 0.0, sf = 0.0, slw = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        W += wi;
        sy += wi * y[i];
        sf += wi * f[i];
    }
    const double my = centre ? sy / W : 0.0, mf = centre ? sf / W : 0.0;
    double syy = 0.0, sff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0, dy = y[i] - my, df = f[i] - mf;
        syy += wi * dy * dy;
        sff += wi * df * df;
    }
    if (w != NULL)
        for (size_t i = 0; i < n; i++)
            slw += log(w[i]);
    o[0] = W;
    o[1] = my;
    o[2] = mf;
    o[3] = syy;
    o[4] = sff;
    o[5] = slw;
}

void gwi_fit_part_merge(double *a, const double *b, int centre)
{
    const double W = a[0] + b[0];
    if (centre) {
        const double dy = b[1] - a[1], df = b[2] - a[2], f = a[0] * b[0] / W;
        a[3] += b[3] + dy * dy * f;
        a[4] += b[4] + df * df * f;
        a[1] += dy * (b[0] / W);
        a[2] += df * (b[0] / W);
    } else {
        a[3] += b[3];
        a[4] += b[4];
    }
    a[5] += b[5];
    a[0] = W;
}

static void fit_part_block(const gw_design *d, size_t first, size_t count, const double *fit,
                           fit_part *o)
{
    gwi_fit_part(d->y + first, fit, d->w ? d->w + first : NULL, count, d->has_intercept != 0, o->v);
}

static void fit_parts_total(const gw_design *d, const fit_part *part, size_t nb, fit_sums *fs)
{
    fit_part t = part[0];
    for (size_t b = 1; b < nb; b++)
        gwi_fit_part_merge(t.v, part[b].v, d->has_intercept != 0);
    fs->tss = t.v[3];
    fs->mss = t.v[4];
    fs->sumlogw = t.v[5];
}

/* The fit sums from stored fitted values (the path of gwi_ols_from_ls). */
static gw_status blocked_sums(const gw_design *d, const double *fitted, fit_sums *fs)
{
    const size_t n = d->n, nb = gw_nblocks(n);
    fit_part *part = gw_alloc_array(nb, sizeof *part);
    if (part == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu block sums", nb);
    const long nbl = (long)nb;
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nbl; b++) {
        size_t first, count;
        gw_block_range(n, (size_t)b, &first, &count);
        fit_part_block(d, first, count, fitted + first, &part[b]);
    }
    fit_parts_total(d, part, nb, fs);
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

/* The result from the solution ls and, when the fused pass computed them, the meat M (NULL:
 * computed here from ls->resid) and the fit sums fs_in (NULL: from ls->fitted). */

gw_status gwi_ols_fill_inference(gw_result *r, const gw_design *d, const gwi_ls_view *ls,
                                 gw_vcov_kind kind, const size_t *keep, const double *M, size_t n,
                                 size_t ndropped, double conf_level, gwi_vcov_info *info)
{
    const size_t k = r->k;
    for (size_t j = 0; j < k; j++)
        r->estimate[j] = ls->coef[keep[j]];
    gw_status rc = gwi_vcov_from_meat(d, ls, kind, keep, k, M, r->vcov, info);
    if (rc != GW_OK)
        return rc;
    r->nobs = n;
    r->nobs_dropped_missing = ndropped;
    r->df_resid = (double)n - (double)k;
    r->n_cluster_vars = info->nvars;
    for (size_t v = 0; v < info->nvars; v++)
        r->n_clusters[v] = info->ngroups[v];
    r->conf_level = conf_level != 0.0 ? conf_level : 0.95;
    r->stat_is_z = 0;
    r->df_inference = info->df;
    gwi_fill_inference(r);
    return GW_OK;
}

static gw_status ols_result(const gw_design *d, const gw_ols_opts *opts, const gwi_ls_view *ls,
                            const gwi_vcov_info *info_in, const double *M, const fit_sums *fs_in,
                            gw_result **out)
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
    if ((rc = gwi_ols_fill_inference(r, d, ls, opts->vcov, keep, M, n, d->nobs_dropped_missing,
                                     opts->conf_level, &info)) != GW_OK)
        goto done;

    if (fs_in != NULL)
        fs = *fs_in;
    else if ((rc = blocked_sums(d, ls->fitted, &fs)) != GW_OK)
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

gw_status gwi_ols_from_ls(const gw_design *d, const gw_ols_opts *opts, const gwi_ls_view *ls,
                          const gwi_vcov_info *info, gw_result **out)
{
    return ols_result(d, opts, ls, info, NULL, NULL, out);
}

/* The work fused into gw_ls_fit's residual pass (gw_ls_hook): fit-sum partials and the meat
 * of the requested variance, block by block while X_b is in cache. So the whole fit reads X
 * twice (the Gram pass and this pass) and stores neither fitted values nor residuals unless
 * they are asked for. An absorbed-FE (within) fit can drive the same hook on its demeaned
 * design. */
typedef struct {
    const gw_design *d;
    gwi_meat *meat; /* NULL for iid */
    fit_part *part; /* nb */
    size_t *keep;   /* p */
    double *B;      /* p x p */
} ols_pass;

static gw_status pass_begin(void *ctx, const gw_ls *ls)
{
    ols_pass *ps = ctx;
    if (ps->meat == NULL)
        return GW_OK;
    const size_t p = gw_ls_p(ls);
    const int *al = gw_ls_aliased(ls);
    const double *bread = gw_ls_bread(ls);
    size_t k = 0;
    for (size_t j = 0; j < p; j++)
        if (!al[j])
            ps->keep[k++] = j;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            ps->B[i + j * k] = bread[ps->keep[i] + ps->keep[j] * p];
    return gwi_meat_begin(ps->meat, ps->keep, k, ps->B);
}

static void pass_block(void *ctx, const gw_ls *ls, size_t b, size_t first, size_t count,
                       const double *fitted, const double *resid, int tid)
{
    ols_pass *ps = ctx;
    (void)ls;
    fit_part_block(ps->d, first, count, fitted, &ps->part[b]);
    if (ps->meat != NULL)
        gwi_meat_block(ps->meat, b, first, count, resid, tid);
}

static void pass_merge(void *ctx, size_t b, int tid)
{
    ols_pass *ps = ctx;
    gwi_meat_merge(ps->meat, b, tid);
}

/* Power-of-two scaling of extreme data (gw_ols.h, "Scale"; the shared helpers of scale.c). OLS
 * does not scan its data in advance: a fit is two passes over X, and a scan would be a third.
 * It fits the data as they are and only when the result looks damaged (gwi_result_suspect) or
 * the fit fails on a numerical status does it scan, and refit a scaled copy when a column or y
 * is outside the safe window. */

/* One fit of the (possibly scaled) design dd. */
static gw_status ols_fit_once(const gw_design *dd, const gw_ols_opts *opts,
                              const gwi_vcov_info *info, gw_result **out)
{
    gw_ls *ls = NULL;
    gw_status rc;
    ols_pass ps = {0};
    double *M = NULL;
    const size_t p = dd->p;
    ps.d = dd;
    ps.part = gw_alloc_array(gw_nblocks(dd->n), sizeof *ps.part);
    ps.keep = gw_alloc_array(p, sizeof *ps.keep);
    ps.B = gw_alloc_array(p * p, sizeof *ps.B);
    M = gw_alloc_array(p * p, sizeof *M);
    if (ps.part == NULL || ps.keep == NULL || ps.B == NULL || M == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the fit workspace (p = %zu)", p);
        goto done;
    }
    if (opts->vcov != GW_VCOV_IID && (rc = gwi_meat_new(dd, opts->vcov, info, &ps.meat)) != GW_OK)
        goto done;
    gw_ls_hook hook = {pass_begin, pass_block,
                       ps.meat != NULL && gwi_meat_needs_merge(ps.meat) ? pass_merge : NULL, &ps};
    gw_ls_opts lo = opts->ls;
    lo.hook = &hook;
    if (!(opts->flags & GW_OLS_KEEP_FITTED))
        lo.flags |= GW_LS_NO_FITTED;
    if (!(opts->flags & GW_OLS_KEEP_RESIDUALS))
        lo.flags |= GW_LS_NO_RESID;
    if ((rc = gw_ls_fit(dd, lo, &ls)) != GW_OK) {
        rc = gwi_fail_keep(rc);
        goto done;
    }
    /* With N <= K the variance is NaN whatever the meat (gwi_vcov): no leverage error then. */
    if (ps.meat != NULL && dd->n > gw_ls_rank(ls) && (rc = gwi_meat_finish(ps.meat, M)) != GW_OK)
        goto done;
    fit_sums fs;
    fit_parts_total(dd, ps.part, gw_nblocks(dd->n), &fs);
    gwi_ls_view v = {
        gw_ls_n(ls),     gw_ls_p(ls),      gw_ls_rank(ls),          gw_ls_coef(ls),
        gw_ls_resid(ls), gw_ls_fitted(ls), gw_ls_bread(ls),         gw_ls_aliased(ls),
        gw_ls_rss(ls),   gw_ls_rcond(ls),  gw_ls_near_singular(ls), gw_ls_method_used(ls)};
    rc = ols_result(dd, opts, &v, info, ps.meat != NULL ? M : NULL, &fs, out);
done:
    gw_ls_free(ls);
    gwi_meat_free(ps.meat);
    gw_free(M);
    gw_free(ps.B);
    gw_free(ps.keep);
    gw_free(ps.part);
    return rc;
}

gw_status gw_ols_fit(const gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    gwi_vcov_info info;
    gw_status rc;
    gwi_scale sc = {0};
    gw_design sd = {0};
    int need = 0;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    if (d != NULL && d->nfe > 0) /* absorbed fixed effects: the within estimator (hdfe_ols.c) */
        return gwi_ols_fit_fe(d, opts, out);
    if ((rc = gwi_ols_check(d, opts, &info)) != GW_OK)
        return rc;
    (void)gw_threads_get(); /* first use: pins OpenBLAS to one thread inside our blocks */
    /* Fit as the data are; only when the result looks damaged by underflow or overflow (or the
     * fit failed on a numerical status), scan the data for extreme scales and refit a copy scaled
     * by powers of two (gw_ols.h, "Scale"). Ordinary data pay nothing. */
    rc = ols_fit_once(d, opts, &info, out);
    if (!gwi_scale_retry_status(rc) || (rc == GW_OK && !gwi_result_suspect(*out)))
        return rc;
    if (gwi_scale_plan(d, 1, &sc, &need) != GW_OK || !need)
        goto done; /* keep the first answer (or its status) */
    gw_result_free(*out);
    *out = NULL;
    if ((rc = gwi_scale_copy(d, &sc, &sd)) != GW_OK)
        goto done;
    if ((rc = ols_fit_once(&sd, opts, &info, out)) == GW_OK &&
        (rc = gwi_scale_unscale(*out, &sc, GWI_UNSCALE_LINEAR, d->has_intercept)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
done:
    gwi_scale_copy_free(&sd);
    gwi_scale_free(&sc);
    return rc;
}
