/* hdfe_ols.c -- least squares with absorbed fixed effects (the within estimator).
 *
 * By Frisch-Waugh-Lovell, the slopes of y on [X, D] equal those of the demeaned y~ on the
 * demeaned X~ (weighted demeaning for WLS), and so do the residuals. So the fit is: drop
 * singletons, demean y and X (gw_hdfe.h), solve with gw_ls_fit on a design without intercept,
 * build the result with the OLS machinery (gwi_ols_from_ls, which computes the variances with
 * N - K degrees of freedom), then rescale to the profile's degrees of freedom: every
 * estimator's factor is (N - K)/(N - K - D*) times the one computed, with D* the profile's
 * count (gw_hdfe.h), and the statistics that depend on it are recomputed. HC2/HC3 need the
 * full model's leverage, h_i = w_i x~_i' B x~_i + w_i / W_g(i) for one set (the projection on
 * [X, D] is the projection on D plus that on X~); they are computed here as an HC0 sandwich of
 * the scaled residuals e_i / (1 - h_i)^(1/2 or 1). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "hdfe_int.h"
#include "models_int.h"

/* Degrees of freedom of the small-sample profiles (gw_hdfe.h); shared with glm_fe.c, iv.c and
 * stream.c. */

void gwi_fe_ssc_df(gw_ssc ssc, size_t S, size_t D, const gwi_fe_nesting *nst, double *Diid,
                   double *Dcl)
{
    *Diid = (double)D;
    *Dcl = (double)nst->Dn;
    switch (ssc) {
    case GW_SSC_STATA:
        *Dcl = (double)nst->Dn + (nst->any_nested ? 1.0 : 0.0);
        break;
    case GW_SSC_FIXEST: {
        double Kfe = (double)nst->sumL - (double)(S - 1);
        *Diid = Kfe;
        *Dcl = nst->all_nested ? 1.0 : Kfe - (double)nst->nested_excess;
        break;
    }
    case GW_SSC_STATSMODELS:
        *Dcl = (double)D;
        break;
    default:
        break;
    }
}

gw_status gwi_fe_dof(const gw_hdfe *h, size_t S, gw_vcov_kind kind, const gw_factor *cl,
                     size_t ncluster, gw_ssc ssc, double *Diid, double *Dcl)
{
    gwi_fe_nesting nst = {0, 0, 0, 0, 1};
    for (size_t g = 0; g < S; g++) {
        int nested = 0;
        for (size_t c = 0; kind == GW_VCOV_CLUSTER && c < ncluster && !nested; c++) {
            int t = gw_hdfe_nested(h, g, cl[c].codes, cl[c].nlevels);
            if (t < 0)
                return gwi_fail(GW_ENOMEM, "cannot check nesting");
            nested = t;
        }
        nst.sumL += gw_hdfe_levels(h, g);
        if (nested) {
            nst.any_nested = 1;
            nst.nested_excess += gw_hdfe_levels(h, g) - 1;
        } else {
            nst.all_nested = 0;
            nst.Dn += gw_hdfe_df_set(h, g);
        }
    }
    gwi_fe_ssc_df(ssc, S, gw_hdfe_df(h), &nst, Diid, Dcl);
    return GW_OK;
}

void gwi_fe_rescale(gw_result *r, gw_vcov_kind kind, double nn, double Diid, double Dcl, double tss)
{
    const size_t k = r->k;
    const double kk = (double)k, dfr0 = nn - kk, dfr = nn - kk - Diid;
    const double dfD = (kind == GW_VCOV_CLUSTER) ? nn - kk - Dcl : dfr;
    double c = 1.0;
    if (kind == GW_VCOV_IID || kind == GW_VCOV_HC1 || kind == GW_VCOV_CLUSTER)
        c = dfD > 0.0 ? dfr0 / dfD : (double)NAN;
    for (size_t j = 0; j < k * k; j++)
        r->vcov[j] *= c;
    if (kind != GW_VCOV_CLUSTER)
        r->df_inference = dfr > 0.0 ? dfr : (double)NAN;
    gwi_fill_inference(r);
    r->df_resid = dfr;
    r->rmse = dfr > 0.0 ? sqrt(r->rss / dfr) : (double)NAN;
    r->r2_within = r->r2;
    r->r2 = 1.0 - r->rss / tss;
    r->tss = tss;
    r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - 1.0) / dfr) : (double)NAN;
    if (isfinite(r->f_stat)) {
        r->f_stat = (kind == GW_VCOV_IID) ? r->f_stat * (dfr / dfr0) : r->f_stat / c;
        r->f_df2 = r->df_inference;
        r->f_p_value = (isfinite(r->f_stat) && r->f_stat >= 0.0 && r->f_df2 > 0.0)
                           ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, r->f_df2)
                           : (double)NAN;
    }
}

gw_status gwi_fe_design_check(const gw_design *d)
{
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (d->p == 0)
        return gwi_fail(GW_EDIM, "the model has no regressors");
    if (d->X == NULL || d->y == NULL || d->terms == NULL)
        return gwi_fail(GW_EINVAL, "the design has no X, y or term names");
    for (size_t j = 0; j < d->p; j++)
        if (d->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "column %zu of the design has no name", j);
    return GW_OK;
}

/* Validation that needs no pass over the data. */
static gw_status fe_check(const gw_design *d, const gw_ols_opts *opts)
{
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    gw_status rc = gwi_fe_design_check(d);
    if (rc != GW_OK)
        return rc;
    if (d->nfe == 0 || d->fe == NULL)
        return gwi_fail(GW_EINVAL, "the design declares %zu absorbed fixed effects but has none",
                        d->nfe);
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables need the IV estimator");
    if (opts->conf_level != 0.0 && !(opts->conf_level > 0.0 && opts->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", opts->conf_level);
    if ((int)opts->ssc < 0 || opts->ssc >= GW_SSC_NPROFILES)
        return gwi_fail(GW_EINVAL, "unknown small-sample profile %d", (int)opts->ssc);
    if ((int)opts->vcov < 0 || opts->vcov >= GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)opts->vcov);
    if ((opts->vcov == GW_VCOV_HC2 || opts->vcov == GW_VCOV_HC3) && d->nfe > 1)
        return gwi_fail(GW_EUNSUPPORTED,
                        "HC2/HC3 with %zu absorbed fixed effects: the full model's leverage is "
                        "only computed for one set (use hc1 or cluster)",
                        d->nfe);
    if (opts->vcov == GW_VCOV_CLUSTER && opts->ssc == GW_SSC_FIXEST && d->ncluster == 2)
        return gwi_fail(GW_EUNSUPPORTED,
                        "two-way clustering with the fixest profile (min(G) adjustment) is not "
                        "implemented");
    return GW_OK;
}

/* Weighted mean and total sum of squares of y (two passes, block partials in order). */
static double total_ss(const double *y, const double *w, size_t n)
{
    double sw = 0.0, swy = 0.0, tss = 0.0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0;
        sw += wi;
        swy += wi * y[i];
    }
    const double ybar = swy / sw;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0, e = y[i] - ybar;
        tss += wi * e * e;
    }
    return tss;
}

/* Scaled residuals for HC2 (pw = 0.5) or HC3 (pw = 1) with the full-model leverage of one
 * absorbed set: out_i = e_i / (1 - h_i)^pw. Returns GW_EILLCOND for leverage one. */
static gw_status full_leverage_resid(const gw_design *wd, const gw_hdfe *h, const gwi_ls_view *ls,
                                     const size_t *keep, size_t k, double pw, double *out)
{
    const size_t n = wd->n, p = ls->p, nb = gw_nblocks(n);
    const int32_t *c = gw_hdfe_codes(h, 0);
    const double *w = wd->w, tol = sqrt(DBL_EPSILON);
    double *W = gw_calloc(gw_hdfe_levels(h, 0), sizeof *W);
    size_t bad = SIZE_MAX;
    if (W == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu level weights", gw_hdfe_levels(h, 0));
    for (size_t i = 0; i < n; i++)
        W[c[i]] += w ? w[i] : 1.0;
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        for (size_t i = first; i < first + count; i++) {
            double hw = 0.0;
            for (size_t a = 0; a < k; a++) {
                double t = 0.0;
                for (size_t bb = 0; bb < k; bb++)
                    t += ls->bread[keep[a] + keep[bb] * p] * wd->X[keep[bb] * n + i];
                hw += t * wd->X[keep[a] * n + i];
            }
            double wi = w ? w[i] : 1.0, one_minus = 1.0 - wi * hw - wi / W[c[i]];
            if (!(one_minus > tol)) {
#pragma omp critical(gw_hdfe_lev)
                if (i < bad)
                    bad = i;
                out[i] = 0.0;
                continue;
            }
            out[i] = ls->resid[i] / (pw == 1.0 ? one_minus : sqrt(one_minus));
        }
    }
    gw_free(W);
    if (bad != SIZE_MAX)
        return gwi_fail(GW_EILLCOND,
                        "observation %zu (after dropping singletons) has leverage 1 in the model "
                        "with fixed effects; HC2/HC3 undefined",
                        bad);
    return GW_OK;
}

/* The state of one within fit (fe_fit), shared by its phases: working design, demeaned working
 * copies, solve, rescale to the profile. Everything it owns is released by fe_ols_free. */
typedef struct {
    gw_hdfe *h;
    gw_ls *ls; /* HC2/HC3 only */
    gw_result *r;
    double *buf;   /* the working copy of y and X when the caller's arrays are not used */
    double *yorig; /* y on the kept rows before demeaning (for the fitted values) */
    double *radj;  /* HC2/HC3: the scaled residuals */
    double **cols; /* the columns demeaned: y, X */
    gw_factor cl[2];
    int32_t *clcodes[2]; /* cluster codes compacted to the kept rows */
    size_t *keep;        /* HC2/HC3: the columns not aliased */
    size_t n, m, p;      /* the design's rows, the rows kept, the columns */
    gw_design wd;        /* the working design over the kept rows */
    gwi_vcov_info info;
    gw_vcov_kind kind, kind_eff; /* requested; computed (HC0 for HC2/HC3) */
    gw_hdfe_stats st;            /* of the demeaning */
    double tss;                  /* of y on the kept rows, before demeaning */
    double ymean;                /* unweighted mean of y on the kept rows (gw_result.mean_y) */
} fe_ols;

static void fe_ols_free(fe_ols *F)
{
    gw_result_free(F->r);
    gw_free(F->keep);
    gw_free(F->radj);
    gw_ls_free(F->ls);
    gw_free(F->cols);
    gw_free(F->yorig);
    gw_free(F->buf);
    gw_free(F->clcodes[0]);
    gw_free(F->clcodes[1]);
    gw_hdfe_free(F->h);
}

/* The working design over the kept rows: no fixed effects and no intercept (absorbed), the
 * kept weights and cluster codes (the design's own arrays when nothing was dropped), and the
 * check of the variance asked for on it. The weights pointer is the design's type but is only
 * read. */
static gw_status fe_working_design(fe_ols *F, const gw_design *d)
{
    const size_t n = F->n, m = F->m;
    gw_design *wd = &F->wd;
    memset(wd, 0, sizeof *wd);
    wd->n = m;
    wd->p = F->p;
    wd->w = (double *)(uintptr_t)gw_hdfe_weights(F->h); /* read-only use by the estimators */
    wd->terms = d->terms;
    wd->response = d->response;
    wd->nobs_dropped_missing = d->nobs_dropped_missing;
    for (size_t v = 0; v < d->ncluster; v++) {
        F->cl[v].name = d->cluster[v].name;
        F->cl[v].codes = d->cluster[v].codes;
        F->cl[v].nlevels = d->cluster[v].nlevels;
        if (m == n)
            continue; /* nothing dropped: the design's codes as they are */
        if ((F->clcodes[v] = gw_alloc_array(m, sizeof(int32_t))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu cluster codes", m);
        const size_t *rows = gw_hdfe_rows(F->h);
        for (size_t i = 0; i < m; i++)
            F->clcodes[v][i] = d->cluster[v].codes ? d->cluster[v].codes[rows[i]] : -1;
        F->cl[v].codes = F->clcodes[v];
    }
    wd->cluster = d->ncluster ? F->cl : NULL;
    wd->ncluster = d->ncluster;
    return gwi_vcov_check(wd, F->kind_eff, &F->info);
}

/* Working copies of y and X on the kept rows (or the caller's arrays, compacted in place), the
 * TSS and y before demeaning, then the demeaning of all the columns. */
static gw_status fe_demeaned_copies(fe_ols *F, const gw_design *d, double *Xown, double *yown,
                                    const gw_ols_opts *opts)
{
    const size_t n = F->n, m = F->m, p = F->p;
    gw_design *wd = &F->wd;
    if (Xown == NULL) {
        if ((F->buf = gw_alloc_array(m * (p + 1), sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the %zu x %zu working copy", m, p + 1);
        wd->y = F->buf;
        wd->X = F->buf + m;
        gw_hdfe_compact(F->h, d->y, wd->y);
        for (size_t j = 0; j < p; j++)
            gw_hdfe_compact(F->h, d->X + j * n, wd->X + j * m);
    } else {
        wd->y = yown;
        wd->X = Xown;
        if (m < n) {
            gw_hdfe_compact(F->h, yown, yown);
            const size_t *rows = gw_hdfe_rows(F->h);
            for (size_t j = 0; j < p; j++) { /* forward copies never overtake their sources */
                const double *src = Xown + j * n;
                double *dst = Xown + j * m;
                for (size_t i = 0; i < m; i++)
                    dst[i] = src[rows[i]];
            }
        }
    }
    F->tss = total_ss(wd->y, wd->w, m);
    double ysum = 0.0;
    for (size_t i = 0; i < m; i++)
        ysum += wd->y[i];
    F->ymean = m > 0 ? ysum / (double)m : (double)NAN;
    if (opts->flags & GW_OLS_KEEP_FITTED) {
        if ((F->yorig = gw_alloc_array(m, sizeof *F->yorig)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu values", m);
        memcpy(F->yorig, wd->y, m * sizeof *F->yorig);
    }
    if ((F->cols = gw_alloc_array(p + 1, sizeof *F->cols)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate column pointers");
    F->cols[0] = wd->y;
    for (size_t j = 0; j < p; j++)
        F->cols[j + 1] = wd->X + j * m;
    return gw_hdfe_demean(F->h, F->cols, p + 1, &F->st);
}

/* HC2/HC3: an HC0 sandwich of residuals scaled by the full model's leverage. */
static gw_status fe_solve_hc23(fe_ols *F, const gw_ols_opts *opts, int want_resid)
{
    const size_t m = F->m, p = F->p;
    const gw_vcov_kind kind = F->kind;
    gw_status rc;
    if ((rc = gw_ls_fit(&F->wd, opts->ls, &F->ls)) != GW_OK)
        return gwi_fail_keep(rc);
    gw_ls *ls = F->ls;
    gwi_ls_view v = {
        gw_ls_n(ls),     gw_ls_p(ls),      gw_ls_rank(ls),          gw_ls_coef(ls),
        gw_ls_resid(ls), gw_ls_fitted(ls), gw_ls_bread(ls),         gw_ls_aliased(ls),
        gw_ls_rss(ls),   gw_ls_rcond(ls),  gw_ls_near_singular(ls), gw_ls_method_used(ls)};
    if ((F->keep = gw_alloc_array(p, sizeof *F->keep)) == NULL ||
        (F->radj = gw_alloc_array(m, sizeof *F->radj)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
    for (size_t j = 0, q = 0; j < p; j++)
        if (!v.aliased[j])
            F->keep[q++] = j;
    rc = full_leverage_resid(&F->wd, F->h, &v, F->keep, v.rank, kind == GW_VCOV_HC3 ? 1.0 : 0.5,
                             F->radj);
    if (rc != GW_OK)
        return rc;
    gwi_ls_view vv = v;
    vv.resid = F->radj;
    gw_ols_opts o2 = *opts;
    o2.vcov = F->kind_eff;
    o2.flags = 0;
    if ((rc = gwi_ols_from_ls(&F->wd, &o2, &vv, &F->info, &F->r)) != GW_OK)
        return rc;
    if (want_resid) {
        if ((F->r->residuals = gw_alloc_array(m, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
        memcpy(F->r->residuals, v.resid, m * sizeof(double));
    }
    return GW_OK;
}

/* Degrees of freedom of the profile (gw_hdfe.h). Every estimator computed above carries the
 * factor of N - K (iid: RSS/(N-K); HC1: N/(N-K); cluster: (N-1)/(N-K)), so the profile's
 * is obtained by the one scalar (N-K)/(N-K-D*), D* = D_iid for iid and HC1, D_cl for
 * clusters; HC0/HC2/HC3 have none. The Wald F scales by the inverse of that factor and the
 * classical F by (N-K-D)/(N-K) (its s^2), so neither needs a second pass. Nesting is only
 * checked for cluster variances (it costs a pass over the codes per set and cluster). Then the
 * absorbed effects' description and the fitted values on y's scale. */
static gw_status fe_finish(fe_ols *F, const gw_design *d, const gw_ols_opts *opts)
{
    const size_t m = F->m, S = d->nfe;
    const gw_vcov_kind kind = F->kind;
    gw_result *r = F->r;
    gw_status rc;
    double Diid = 0.0, Dcl = 0.0;
    if ((rc = gwi_fe_dof(F->h, S, kind, F->cl, d->ncluster, opts->ssc, &Diid, &Dcl)) != GW_OK)
        return rc;
    gwi_fe_rescale(r, kind, (double)m, Diid, Dcl, F->tss);
    r->mean_y = F->ymean; /* of the rows kept: singletons dropped */
    if (kind != F->kind_eff &&
        (rc = gw_result_set_str(&r->vcov_type, kind == GW_VCOV_HC2 ? "hc2" : "hc3")) != GW_OK)
        return rc;
    r->singletons_dropped = gw_hdfe_singletons(F->h);
    r->iterations = F->st.iterations;
    r->converged = F->st.converged;
    if ((r->fixed_effects = gw_calloc(S, sizeof *r->fixed_effects)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu fixed-effect records", S);
    r->nfe = S;
    for (size_t g = 0; g < S; g++) {
        r->fixed_effects[g].levels = gw_hdfe_levels(F->h, g);
        if ((rc = gw_result_set_str(&r->fixed_effects[g].name, d->fe[g].name)) != GW_OK)
            return rc;
    }
    if (opts->flags & GW_OLS_KEEP_FITTED) {
        if ((r->fitted = gw_alloc_array(m, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
        for (size_t i = 0; i < m; i++)
            r->fitted[i] = F->yorig[i] - r->residuals[i];
    }
    /* Singletons dropped: the kept rows' input rows go with the residuals (--save-residuals). */
    if ((opts->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED)) &&
        (rc = gwi_result_set_rows(r, d->row_index, gw_hdfe_rows(F->h), m)) != GW_OK)
        return rc;
    if (!(opts->flags & GW_OLS_KEEP_RESIDUALS)) {
        gw_free(r->residuals);
        r->residuals = NULL;
    }
    return GW_OK;
}

/* The within estimator (file comment): drop singletons, demean, solve on the demeaned design,
 * rescale to the profile's degrees of freedom. Xown/yown: the caller's arrays to work in (NULL:
 * copies are made). */
static gw_status fe_fit(const gw_design *d, double *Xown, double *yown, const gw_ols_opts *opts,
                        gw_result **out)
{
    gw_status rc;
    if ((rc = fe_check(d, opts)) != GW_OK)
        return rc;
    if (d->ncluster > 2)
        return gwi_fail(GW_EUNSUPPORTED, "%zu cluster variables; at most 2 are supported",
                        d->ncluster);
    fe_ols F;
    memset(&F, 0, sizeof F);
    gw_hdfe_opts ho = {opts->fe_tol, opts->fe_maxiter,
                       (opts->flags & GW_OLS_KEEP_SINGLETONS) ? GW_HDFE_KEEP_SINGLETONS : 0u};
    (void)gw_threads_get();
    if ((rc = gw_hdfe_new(d->fe, d->nfe, d->n, d->w, &ho, &F.h)) != GW_OK)
        return gwi_fail_keep(rc);
    F.n = d->n;
    F.m = gw_hdfe_nobs(F.h);
    F.p = d->p;
    F.kind = opts->vcov;
    F.kind_eff = (F.kind == GW_VCOV_HC2 || F.kind == GW_VCOV_HC3) ? GW_VCOV_HC0 : F.kind;
    if ((rc = fe_working_design(&F, d)) != GW_OK ||
        (rc = fe_demeaned_copies(&F, d, Xown, yown, opts)) != GW_OK)
        goto done;
    const int want_resid = (opts->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED)) != 0;
    if (F.kind == F.kind_eff) {
        /* The OLS path itself (fused passes, no stored residuals unless asked) on the demeaned
         * design, which has neither fixed effects nor intercept. */
        gw_ols_opts o2 = *opts;
        o2.flags = want_resid ? GW_OLS_KEEP_RESIDUALS : 0u;
        if ((rc = gw_ols_fit(&F.wd, &o2, &F.r)) != GW_OK) {
            rc = gwi_fail_keep(rc);
            goto done;
        }
    } else if ((rc = fe_solve_hc23(&F, opts, want_resid)) != GW_OK)
        goto done;
    if ((rc = fe_finish(&F, d, opts)) != GW_OK)
        goto done;
    *out = F.r;
    F.r = NULL;
done:
    fe_ols_free(&F);
    return rc;
}

/* Extreme scales (gw_ols.h, "Scale"; scale.c): the demeaning's sums of squares overflow at 1e300
 * and underflow at 1e-300 before any least squares runs, so unlike gw_ols_fit the within fit
 * scans its columns first (one pass against the demeaning's many) and, when y or a column is
 * outside the safe window, fits data scaled by powers of two: the demeaning is linear, so
 * demeaning the scaled columns gives the scaled demeaned columns (exactly, up to the rounding
 * of the sums), and the result maps back exactly. The in-place variant scales d's own arrays
 * (the caller gave them up); otherwise gwi_scale_fit makes a scaled copy, demeaned in place. */
static gw_status fe_fit_inplace_any_scale(gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    gwi_scale sc;
    int need = 0;
    gw_status rc = fe_check(d, opts);
    if (rc != GW_OK || (rc = gwi_scale_plan(d, 1, &sc, &need)) != GW_OK)
        return rc;
    if (need)
        gwi_scale_inplace(d, &sc);
    rc = fe_fit(d, d->X, d->y, opts, out);
    if (need && rc == GW_OK &&
        (rc = gwi_scale_unscale(*out, &sc, GWI_UNSCALE_LINEAR, d->has_intercept)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    gwi_scale_free(&sc);
    return rc;
}

/* gwi_scale_fit's callback: the within fit of d, in own's arrays when it is the scaled copy. */
static gw_status fe_fit_at(void *ctx, const gw_design *d, gw_design *own, int yexp, gw_result **out)
{
    (void)yexp;
    return fe_fit(d, own ? own->X : NULL, own ? own->y : NULL, ctx, out);
}

gw_status gwi_ols_fit_fe(const gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    gw_status rc = fe_check(d, opts);
    if (rc != GW_OK)
        return rc;
    return gwi_scale_fit(d, 1, GWI_UNSCALE_LINEAR, fe_fit_at, (void *)(uintptr_t)opts, out);
}

gw_status gw_ols_fit_fe_inplace(gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    return fe_fit_inplace_any_scale(d, opts ? opts : &defaults, out);
}
