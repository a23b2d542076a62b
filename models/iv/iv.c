/* iv.c -- two-stage least squares with diagnostics (gw_iv.h).
 *
 * Everything runs on a "working" set of columns: the design's own arrays without fixed effects,
 * or demeaned compacted copies with them (then there is no intercept, and every variance and
 * test is rescaled from the N - K degrees of freedom the OLS machinery uses to the profile's
 * N - K - D, as hdfe_ols.c does for the within estimator). The OLS fits inside (first stages,
 * Wu-Hausman's augmented regression) go through gw_ols_fit on a plain working design, so they
 * inherit its variance estimators; the second stage goes through gw_ls_fit and gwi_vcov with the
 * second-stage regressors X^ and the structural residuals, which is exactly the IV sandwich. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eig.h"
#include "gw_hdfe.h"
#include "gw_iv.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "hdfe_int.h"
#include "models_int.h"

/* The working data and the degrees of freedom the fixed effects absorb. */
typedef struct {
    size_t m;          /* rows                                                       */
    const double *y;   /* m                                                          */
    const double *X;   /* m x p (ld m)                                               */
    const double *Z;   /* m x q (ld m)                                               */
    gw_design base;    /* template for working designs: n, cluster, has_intercept    */
    gw_vcov_kind kind; /* requested variance                                          */
    double Diid, Dcl;  /* absorbed degrees of freedom for iid/HC1 and for clusters    */
    int fe;            /* 1 with absorbed fixed effects                              */
    const int32_t *gc; /* HC2/HC3 with one absorbed set: its codes (kept rows)        */
    const double *Wg;  /* ... and the size (weight total) of each level               */
    const double *wt;  /* analytic weights of the working rows, NULL unweighted        */
    const double *sw;  /* ... and their square roots (y, X, Z are multiplied by them)  */
    int icpt;          /* weighted: the design has an intercept (its column is sqrt(w) then,
                        * so base.has_intercept, which asks for a constant, is 0)          */
} iv_work;

/* HC2 (pw = 0.5) / HC3 (pw = 1) residuals out_i = e_i / (1 - h_i)^pw with the leverage
 * h_i = xa_i' B xb_i (+ 1 / W_g(i) with one absorbed set: the projection on [X, D] is the one on
 * D plus the one of the demeaned columns). xa = xb for OLS; for 2SLS xa the actual regressors,
 * xb the second-stage ones (AER's hatvalues.ivreg, the diagonal of X (X^'X^)^-1 X^').
 * GW_EILLCOND when 1 - h_i <= sqrt(eps) (the first such row). */
static gw_status lev_resid(const iv_work *w, const double *Xa, const double *Xb, size_t p,
                           const double *B, const double *e, double pw, double *out)
{
    const size_t m = w->m;
    const double tol = sqrt(DBL_EPSILON);
    for (size_t i = 0; i < m; i++) {
        double h = 0.0;
        for (size_t a = 0; a < p; a++) {
            double t = 0.0;
            for (size_t c = 0; c < p; c++)
                t += B[a + c * p] * Xb[c * m + i];
            h += Xa[a * m + i] * t;
        }
        const double wi = w->wt != NULL ? w->wt[i] : 1.0;
        const double om = 1.0 - h - (w->Wg != NULL ? wi / w->Wg[w->gc[i]] : 0.0);
        if (!(om > tol))
            return gwi_fail(GW_EILLCOND, "observation %zu%s has leverage 1; HC2/HC3 undefined", i,
                            w->fe ? " (after dropping singletons)" : "");
        out[i] = e[i] / (pw == 1.0 ? om : sqrt(om));
    }
    return GW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Blocked reductions.                                                                      */

/* out (ka x kb, column-major) = A'B for m-row column-major A (ld m) and B (ld m): per-block
 * partials in their own slots, added in block order. */
static gw_status xprod(size_t m, const double *A, size_t ka, const double *B, size_t kb,
                       double *out)
{
    const size_t nb = gw_nblocks(m), sz = ka * kb;
    double *part = gw_alloc_array(nb * sz + 1, sizeof *part);
    if (part == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu block cross products", nb);
    const long nbl = (long)nb;
#pragma omp parallel for schedule(static)
    for (long b = 0; b < nbl; b++) {
        size_t first, count;
        gw_block_range(m, (size_t)b, &first, &count);
        double *o = part + (size_t)b * sz;
        for (size_t jb = 0; jb < kb; jb++)
            for (size_t ja = 0; ja < ka; ja++) {
                const double *a = A + ja * m + first, *c = B + jb * m + first;
                double s = 0.0;
                for (size_t i = 0; i < count; i++)
                    s += a[i] * c[i];
                o[ja + jb * ka] = s;
            }
    }
    for (size_t t = 0; t < sz; t++) {
        double s = 0.0;
        for (size_t b = 0; b < nb; b++)
            s += part[b * sz + t];
        out[t] = s;
    }
    gw_free(part);
    return GW_OK;
}

/* The meat of scores U (m x r, ld m): HC0 U'U, or with cluster codes the sum over clusters of
 * (sum_{i in g} u_i)(...)' (cluster sums accumulated in row order: deterministic). */
static gw_status meat(size_t m, const double *U, size_t r, const gw_factor *cl, double *M)
{
    if (cl == NULL)
        return xprod(m, U, r, U, r, M);
    const size_t G = cl->nlevels;
    double *S = gw_calloc(G * r + 1, sizeof *S);
    if (S == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu cluster scores", G);
    for (size_t j = 0; j < r; j++)
        for (size_t i = 0; i < m; i++)
            S[(size_t)cl->codes[i] + j * G] += U[j * m + i];
    gw_status rc = xprod(G, S, r, S, r, M);
    gw_free(S);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Small dense helpers (column-major).                                                      */

/* Upper Cholesky A = R'R in place (the strict lower triangle is zeroed). Returns 0, or -1 when
 * a pivot is not above 64 k eps times its diagonal entry (numerically singular). */
static int chol_upper(size_t k, double *A)
{
    const double tol = 64.0 * (double)k * DBL_EPSILON;
    for (size_t j = 0; j < k; j++) {
        double d = A[j + j * k], d0 = d;
        for (size_t t = 0; t < j; t++)
            d -= A[t + j * k] * A[t + j * k];
        if (!(d > tol * d0) || !isfinite(d))
            return -1;
        d = sqrt(d);
        A[j + j * k] = d;
        for (size_t c = j + 1; c < k; c++) {
            double s = A[j + c * k];
            for (size_t t = 0; t < j; t++)
                s -= A[t + j * k] * A[t + c * k];
            A[j + c * k] = s / d;
        }
        for (size_t i = j + 1; i < k; i++)
            A[i + j * k] = 0.0;
    }
    return 0;
}

/* x <- R'^-1 x (forward substitution with the upper R, k x k). */
static void solve_rt(size_t k, const double *R, double *x)
{
    for (size_t i = 0; i < k; i++) {
        double s = x[i];
        for (size_t t = 0; t < i; t++)
            s -= R[t + i * k] * x[t];
        x[i] = s / R[i + i * k];
    }
}

/* x <- R^-1 x (back substitution). */
static void solve_r(size_t k, const double *R, double *x)
{
    for (size_t i = k; i-- > 0;) {
        double s = x[i];
        for (size_t t = i + 1; t < k; t++)
            s -= R[i + t * k] * x[t];
        x[i] = s / R[i + i * k];
    }
}

/* x' M^-1 x for symmetric positive definite M (k x k), NaN when M is numerically singular. */
static double quad_inv(size_t k, const double *M, const double *x, double *work)
{
    double *R = work, *z = work + k * k;
    memcpy(R, M, k * k * sizeof *R);
    if (chol_upper(k, R) != 0)
        return NAN;
    memcpy(z, x, k * sizeof *z);
    solve_rt(k, R, z);
    double s = 0.0;
    for (size_t i = 0; i < k; i++)
        s += z[i] * z[i];
    return s;
}

/* ---------------------------------------------------------------------------------------- */
/* Degrees of freedom with absorbed effects (the profiles of gw_hdfe.h).                    */

static gw_status fe_dof(const gw_design *d, const gw_hdfe *h, const gw_factor *cl,
                        const gw_ols_opts *opts, double *Diid, double *Dcl)
{
    return gwi_fe_dof(h, d->nfe, opts->vcov, cl, d->ncluster, opts->ssc, Diid, Dcl);
}

/* The factor that turns a variance computed with N - K degrees of freedom into the profile's:
 * (N - K)/(N - K - D*) for iid, HC1 and clusters, 1 for HC0/HC2/HC3. */
static double dof_factor(const iv_work *w, double k)
{
    const double nn = (double)w->m, dfr0 = nn - k;
    const double dfD = nn - k - (w->kind == GW_VCOV_CLUSTER ? w->Dcl : w->Diid);
    if (w->kind == GW_VCOV_IID || w->kind == GW_VCOV_HC1 || w->kind == GW_VCOV_CLUSTER)
        return dfD > 0.0 ? dfr0 / dfD : (double)NAN;
    return 1.0;
}

/* Rescale an OLS result fitted on the demeaned working design to the absorbed degrees of freedom
 * (variance, inference, df_resid, rmse, the overall F); r2 becomes r2_within. */
static void fe_rescale(const iv_work *w, gw_result *r)
{
    if (!w->fe)
        return;
    const double nn = (double)w->m, kk = (double)r->k, dfr0 = nn - kk, dfr = nn - kk - w->Diid;
    const double c = dof_factor(w, kk);
    for (size_t j = 0; j < r->k * r->k; j++)
        r->vcov[j] *= c;
    if (w->kind != GW_VCOV_CLUSTER)
        r->df_inference = dfr > 0.0 ? dfr : (double)NAN;
    gwi_fill_inference(r);
    r->df_resid = dfr;
    r->rmse = dfr > 0.0 ? sqrt(r->rss / dfr) : (double)NAN;
    r->r2_within = r->r2;
    r->r2 = NAN;
    r->adj_r2 = NAN;
    if (isfinite(r->f_stat)) {
        r->f_stat = (w->kind == GW_VCOV_IID) ? r->f_stat * (dfr / dfr0) : r->f_stat / c;
        r->f_df2 = r->df_inference;
        r->f_p_value = (isfinite(r->f_stat) && r->f_stat >= 0.0 && r->f_df2 > 0.0)
                           ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, r->f_df2)
                           : (double)NAN;
    }
}

/* Weighted fits run on the rows multiplied by sqrt(w), which gives every WLS quantity but those
 * that centre on an unweighted mean or omit the weights' Jacobian: an OLS result r fitted there
 * gets its tss, r2, adj_r2, loglik and (iid) overall F of the WLS fit of the untransformed rows
 * (as gw_ols_fit with weights). ys: the transformed response. Needs r->fitted (the first
 * stages keep it; the Wu-Hausman regression only uses its variance). */
static void fit_sums_weighted(const iv_work *w, const double *ys, gw_result *r)
{
    const size_t m = w->m;
    if (w->wt == NULL || r->fitted == NULL)
        return;
    double v[6] = {0}, slw = 0.0;
    double *yf = gw_alloc_array(2 * m + 1, sizeof *yf);
    if (yf == NULL)
        return; /* keeps the transformed-row values: only reachable out of memory */
    for (size_t i = 0; i < m; i++) {
        yf[i] = ys[i] / w->sw[i];
        yf[m + i] = r->fitted[i] / w->sw[i];
        slw += log(w->wt[i]);
    }
    gwi_fit_part(yf, yf + m, w->wt, m, w->icpt, v);
    gw_free(yf);
    const double nn = (double)m, k = (double)r->k, dfr = nn - k, icpt = w->icpt ? 1.0 : 0.0;
    r->tss = v[3];
    r->r2 = v[4] / (v[4] + r->rss);
    r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - icpt) / dfr) : (double)NAN;
    r->loglik += 0.5 * slw;
    if (!w->icpt || r->k < 2)
        return;
    /* The overall F of the slopes: the intercept (column 0, never dropped) left out. */
    const size_t q = r->k - 1;
    size_t *idx = gw_alloc_array(q, sizeof *idx);
    double *work = gw_alloc_array(2 * r->k * r->k + r->k + 1, sizeof *work);
    double F = NAN;
    if (idx != NULL && work != NULL && dfr > 0.0) {
        for (size_t j = 0; j < q; j++)
            idx[j] = j + 1;
        if (w->kind == GW_VCOV_IID)
            F = (v[4] / (double)q) / (r->rss / dfr);
        else if (!(w->kind == GW_VCOV_CLUSTER && (double)q > r->df_inference))
            F = gwi_wald_f(r, idx, q, work);
    }
    gw_free(work);
    gw_free(idx);
    r->f_df1 = (double)q;
    r->f_stat = F;
    r->f_p_value = (isfinite(F) && F >= 0.0 && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(F, (double)q, r->f_df2)
                       : (double)NAN;
}

/* OLS of y on the m x p columns X (names terms) on the working design, with the fit's variance
 * and the profile's degrees of freedom. */
static gw_status work_ols(const iv_work *w, const gw_ols_opts *opts, const double *X, size_t p,
                          char **terms, const double *y, unsigned flags, gw_result **out)
{
    gw_design wd = w->base;
    wd.X = (double *)(uintptr_t)X; /* read only: gw_ols_fit takes a const design */
    wd.y = (double *)(uintptr_t)y;
    wd.p = p;
    wd.terms = terms;
    gw_ols_opts o = *opts;
    o.flags = flags;
    gw_status rc;
    if (!(w->fe && (opts->vcov == GW_VCOV_HC2 || opts->vcov == GW_VCOV_HC3))) {
        if ((rc = gw_ols_fit(&wd, &o, out)) != GW_OK)
            return gwi_fail_keep(rc);
        fit_sums_weighted(w, y, *out);
        fe_rescale(w, *out);
        return GW_OK;
    }
    /* HC2/HC3 with one absorbed set: an HC0 sandwich of residuals scaled by the full model's
     * leverage (as hdfe_ols.c does), then the true residuals and fitted values. */
    gw_ls *ls = NULL;
    double *radj = NULL, *B = NULL, *Xc = NULL;
    gwi_vcov_info info;
    gw_ls_opts lo = opts->ls;
    lo.hook = NULL;
    *out = NULL;
    if ((rc = gwi_vcov_check(&wd, GW_VCOV_HC0, &info)) != GW_OK)
        return rc;
    if ((rc = gw_ls_fit(&wd, lo, &ls)) != GW_OK)
        return gwi_fail_keep(rc);
    const size_t k = gw_ls_rank(ls), m = w->m;
    B = gw_alloc_array(k * k + 1, sizeof *B);
    Xc = gw_alloc_array(m * k + 1, sizeof *Xc);
    radj = gw_alloc_array(m, sizeof *radj);
    if (B == NULL || Xc == NULL || radj == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu scaled residuals", m);
        goto done;
    }
    {
        const int *al = gw_ls_aliased(ls);
        const double *bread = gw_ls_bread(ls);
        size_t a = 0;
        for (size_t j = 0; j < p; j++) {
            if (al[j])
                continue;
            memcpy(Xc + a * m, X + j * m, m * sizeof(double));
            size_t c = 0;
            for (size_t jj = 0; jj < p; jj++)
                if (!al[jj])
                    B[a + (c++) * k] = bread[j + jj * p];
            a++;
        }
    }
    if ((rc = lev_resid(w, Xc, Xc, k, B, gw_ls_resid(ls), opts->vcov == GW_VCOV_HC3 ? 1.0 : 0.5,
                        radj)) != GW_OK)
        goto done;
    {
        gwi_ls_view v = {
            gw_ls_n(ls),   gw_ls_p(ls),      gw_ls_rank(ls),          gw_ls_coef(ls),
            radj,          gw_ls_fitted(ls), gw_ls_bread(ls),         gw_ls_aliased(ls),
            gw_ls_rss(ls), gw_ls_rcond(ls),  gw_ls_near_singular(ls), gw_ls_method_used(ls)};
        gw_ols_opts o2 = o;
        o2.vcov = GW_VCOV_HC0;
        o2.flags = 0;
        if ((rc = gwi_ols_from_ls(&wd, &o2, &v, &info, out)) != GW_OK)
            goto done;
    }
    gw_result *r = *out;
    if ((rc = gw_result_set_str(&r->vcov_type, opts->vcov == GW_VCOV_HC3 ? "hc3" : "hc2")) != GW_OK)
        goto done;
    if (flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED)) {
        if ((r->residuals = gw_alloc_array(m, sizeof(double))) == NULL ||
            (r->fitted = gw_alloc_array(m, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
            goto done;
        }
        memcpy(r->residuals, gw_ls_resid(ls), m * sizeof(double));
        memcpy(r->fitted, gw_ls_fitted(ls), m * sizeof(double));
    }
    fit_sums_weighted(w, y, r);
    fe_rescale(w, r);
done:
    if (rc != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    gw_free(B);
    gw_free(Xc);
    gw_free(radj);
    gw_ls_free(ls);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */

static gw_status check(const gw_design *d, const gw_ols_opts *opts)
{
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if (d->n_endog == 0 || d->Z == NULL || d->q == 0)
        return gwi_fail(GW_EINVAL, d->n_endog == 0
                                       ? "2SLS needs an endogenous regressor (\"| x ~ z\")"
                                       : "2SLS needs at least one excluded instrument");
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (d->p == 0 || d->n_endog > d->p)
        return gwi_fail(GW_EDIM, "%zu endogenous regressors among %zu columns", d->n_endog, d->p);
    if (d->X == NULL || d->y == NULL || d->terms == NULL)
        return gwi_fail(GW_EINVAL, "the design has no X, y or term names");
    for (size_t j = 0; j < d->p; j++)
        if (d->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "column %zu of the design has no name", j);
    for (size_t j = 0; j < d->q; j++)
        if (d->inst_terms == NULL || d->inst_terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "instrument %zu has no name", j);
    if (d->q < d->n_endog)
        return gwi_fail(GW_EINVAL,
                        "underidentified: %zu excluded instrument%s for %zu endogenous "
                        "regressors (at least as many instruments as endogenous regressors are "
                        "needed)",
                        d->q, d->q == 1 ? "" : "s", d->n_endog);
    if (opts->conf_level != 0.0 && !(opts->conf_level > 0.0 && opts->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", opts->conf_level);
    if ((int)opts->ssc < 0 || opts->ssc >= GW_SSC_NPROFILES)
        return gwi_fail(GW_EINVAL, "unknown small-sample profile %d", (int)opts->ssc);
    if ((int)opts->vcov < 0 || opts->vcov >= GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)opts->vcov);
    if (d->nfe > 1 && (opts->vcov == GW_VCOV_HC2 || opts->vcov == GW_VCOV_HC3))
        return gwi_fail(GW_EUNSUPPORTED,
                        "HC2/HC3 with 2SLS and %zu absorbed fixed effects: the full model's "
                        "leverage is only computed for one set (use hc1 or cluster)",
                        d->nfe);
    if (d->nfe > 0 && opts->vcov == GW_VCOV_CLUSTER && opts->ssc == GW_SSC_FIXEST &&
        d->ncluster == 2)
        return gwi_fail(GW_EUNSUPPORTED, "two-way clustering with the fixest profile is not "
                                         "implemented");
    return GW_OK;
}

/* Sum of squares of x[0..m) as block partials added in block order. */
static double sumsq(size_t m, const double *x)
{
    double t = 0.0;
    xprod(m, x, 1, x, 1, &t); /* cannot fail for one column but for memory: then t stays 0 */
    return t;
}

/* Everything a fit allocates, released in one place. */
typedef struct {
    gw_hdfe *h;
    double *buf;     /* FE: y, X, Z working copies, original y                         */
    int32_t *clc[2]; /* FE: compacted cluster codes                                    */
    double *A;       /* m x L0: [X2, Z1]                                               */
    char **anames;   /* L0 + p + 2 K1 names (borrowed strings)                        */
    gw_result **fs;  /* K1 first stages                                                */
    double *Xh;      /* m x p2k: [X2 kept, X1^]                                        */
    double *Xk;      /* m x p2k: [X2 kept, X1]                                         */
    double *e;       /* m: structural residuals (and scratch)                          */
    double *radj;    /* m: HC2/HC3 scaled residuals                                    */
    gw_ls *ls2;
    double *V;
    double *small; /* small-matrix workspace                                         */
    double *Xt, *Zt, *U, *E;
    gw_result *aug;
    gw_result *r;
    double *Wg; /* HC2/HC3 with one absorbed set: level sizes */
    double *sw; /* weighted: the square roots of the working rows' weights */
} iv_mem;

static void mem_free(iv_mem *mm, size_t K1)
{
    gw_result_free(mm->r);
    gw_result_free(mm->aug);
    gw_free(mm->sw);
    gw_free(mm->Wg);
    gw_free(mm->E);
    gw_free(mm->U);
    gw_free(mm->Zt);
    gw_free(mm->Xt);
    gw_free(mm->small);
    gw_free(mm->V);
    gw_ls_free(mm->ls2);
    gw_free(mm->radj);
    gw_free(mm->e);
    gw_free(mm->Xk);
    gw_free(mm->Xh);
    if (mm->fs != NULL)
        for (size_t j = 0; j < K1; j++)
            gw_result_free(mm->fs[j]);
    gw_free(mm->fs);
    gw_free(mm->anames);
    gw_free(mm->A);
    gw_free(mm->clc[0]);
    gw_free(mm->clc[1]);
    gw_free(mm->buf);
    gw_hdfe_free(mm->h);
}

/* Residualise the m-row columns C (c columns) on the first k columns of Xk (in place, through
 * gw_ls_fit), or leave them when k == 0. */
static gw_status partial_out(const iv_work *w, const gw_ols_opts *opts, const double *X2, size_t k,
                             char **names, double *C, size_t c)
{
    if (k == 0)
        return GW_OK;
    for (size_t j = 0; j < c; j++) {
        gw_design wd = w->base;
        wd.X = (double *)(uintptr_t)X2;
        wd.p = k;
        wd.terms = names;
        wd.y = C + j * w->m;
        gw_ls_opts lo = opts->ls;
        lo.flags |= GW_LS_NO_FITTED;
        lo.hook = NULL;
        gw_ls *ls = NULL;
        gw_status rc = gw_ls_fit(&wd, lo, &ls);
        if (rc != GW_OK)
            return gwi_fail_keep(rc);
        memcpy(C + j * w->m, gw_ls_resid(ls), w->m * sizeof(double));
        gw_ls_free(ls);
    }
    return GW_OK;
}

/* The Kleibergen-Paap rk statistic for rank K1 - 1 of Pi (q x K1) with the scores built from
 * the columns Ec (m x K1: first-stage residuals for the Wald form, X1~ for the LM form).
 * Fz, Gx: upper Cholesky factors of Z1~'Z1~ and X1~'X1~. aq (q x r), bq (K1), lam (r) as in
 * Kleibergen and Paap (2006); alpha = Fz^-1 aq, beta = Gx^-1 bq turn the scores into
 * r_i = (alpha' z~_i)(beta' e_i). Returns the chi^2 statistic (NaN if its meat is singular). */
static gw_status kp_stat(const iv_work *w, const gw_factor *cl, const double *Zt, size_t q,
                         const double *Ec, size_t K1, const double *alpha, const double *beta,
                         const double *lam, size_t r, double *U, double *work, double *stat)
{
    const size_t m = w->m;
    for (size_t i = 0; i < m; i++) {
        double be = 0.0;
        for (size_t k = 0; k < K1; k++)
            be += beta[k] * Ec[k * m + i];
        for (size_t a = 0; a < r; a++) {
            double az = 0.0;
            for (size_t t = 0; t < q; t++)
                az += alpha[t + a * q] * Zt[t * m + i];
            U[a * m + i] = az * be;
        }
    }
    double *M = work, *w2 = work + r * r;
    gw_status rc = meat(m, U, r, cl, M);
    if (rc != GW_OK)
        return rc;
    *stat = quad_inv(r, M, lam, w2);
    return GW_OK;
}

/* The weak-identification workspace: small matrices of the q excluded instruments and the K1
 * endogenous regressors, carved from one allocation. */
typedef struct {
    double *ZZ, *XX, *EE;  /* Z1~'Z1~ (q x q), X1~'X1~ and V^'V^ (K1 x K1) */
    double *C, *ev, *T;    /* Cragg-Donald matrix, eigenvalues, a (q+K1)^2 scratch */
    double *Th, *vec, *wk; /* Theta (q x K1), eigenvectors / factor, a row vector */
} wid_ws;

/* Cragg-Donald: the smallest eigenvalue of C = R^-T (Pi'ZZ Pi) R^-1 with E'E = R'R gives
 * cd_f (and, with the iid variance, the Anderson LM form of kp_lm). Left NaN when E'E or C
 * cannot be factored. */
static void cragg_donald(const iv_work *w, const gw_ols_opts *opts, size_t K1, size_t q, size_t L,
                         const double *Pi, const wid_ws *s, gw_result *r)
{
    const size_t m = w->m;
    const double *ZZ = s->ZZ, *EE = s->EE;
    double *C = s->C, *ev = s->ev, *wk = s->wk;
    double *ZP = s->T; /* q x K1: ZZ Pi */
    for (size_t b = 0; b < K1; b++)
        for (size_t a = 0; a < q; a++) {
            double t = 0.0;
            for (size_t u = 0; u < q; u++)
                t += ZZ[a + u * q] * Pi[u + b * q];
            ZP[a + b * q] = t;
        }
    for (size_t b = 0; b < K1; b++)
        for (size_t a = 0; a < K1; a++) {
            double t = 0.0;
            for (size_t u = 0; u < q; u++)
                t += Pi[u + a * q] * ZP[u + b * q];
            C[a + b * K1] = t;
        }
    double *R = s->vec;
    memcpy(R, EE, K1 * K1 * sizeof *R);
    if (chol_upper(K1, R) != 0)
        return;
    for (size_t b = 0; b < K1; b++) /* columns: R^-T C */
        solve_rt(K1, R, C + b * K1);
    for (size_t a = 0; a < K1; a++) { /* rows: (R^-T C) R^-1 */
        for (size_t b = 0; b < K1; b++)
            wk[b] = C[a + b * K1];
        solve_rt(K1, R, wk); /* (row R^-1) = (R^-T row')' */
        for (size_t b = 0; b < K1; b++)
            C[a + b * K1] = wk[b];
    }
    if (gw_eig_sym(K1, C, ev, NULL) != GW_OK)
        return;
    const double lmin = ev[0], dfc = (double)m - (double)L - w->Diid;
    r->cd_f = lmin * dfc / (double)q;
    if (opts->vcov == GW_VCOV_IID) {
        r->kp_lm = (double)m * lmin / (1.0 + lmin);
        r->kp_lm_df = (double)(q - K1 + 1);
        r->kp_lm_p = gsl_cdf_chisq_Q(r->kp_lm, r->kp_lm_df);
    }
}

/* The Kleibergen-Paap vectors (rr = q - K1 + 1 of them). Theta = Fz Pi Gx^-1 with the upper
 * Cholesky factors Fz of Z1~'Z1~ and Gx of X1~'X1~ (into Fz, Gx, s->Th); bq is Theta's right
 * singular vector of the smallest singular value, aq (q x rr) spans the complement of the
 * K1 - 1 largest left ones, lam = aq' Theta bq, alpha = Fz^-1 aq and beta = Gx^-1 bq (all in the
 * workspace kp; the last three are returned). Returns 0, or -1 when a factorisation or
 * eigenproblem fails (the statistics are then NaN). */
static int kp_vectors(size_t K1, size_t q, const double *Pi, const wid_ws *s, double *kp,
                      const double **alpha_out, const double **beta_out, const double **lam_out)
{
    const size_t rr = q - K1 + 1;
    double *Fz = kp, *Gx = Fz + q * q, *Uq = Gx + K1 * K1, *Vk = Uq + q * q, *aq = Vk + K1 * K1,
           *alpha = aq + q * rr, *U2 = alpha + q * rr, *U22 = U2 + q * rr, *Tm = U22 + rr * rr,
           *Wv = Tm + rr * rr, *Qm = Wv + rr * rr, *bq = Qm + rr * rr, *beta = bq + K1,
           *lam = beta + K1;
    double *T = s->T, *ev = s->ev, *Th = s->Th, *wk = s->wk;
    memcpy(Fz, s->ZZ, q * q * sizeof *Fz);
    memcpy(Gx, s->XX, K1 * K1 * sizeof *Gx);
    if (chol_upper(q, Fz) != 0 || chol_upper(K1, Gx) != 0)
        return -1;
    /* Th = Fz Pi, then right-multiply by Gx^-1 row by row. */
    for (size_t b = 0; b < K1; b++)
        for (size_t a = 0; a < q; a++) {
            double t = 0.0;
            for (size_t u = a; u < q; u++)
                t += Fz[a + u * q] * Pi[u + b * q];
            Th[a + b * q] = t;
        }
    for (size_t a = 0; a < q; a++) {
        for (size_t b = 0; b < K1; b++)
            wk[b] = Th[a + b * q];
        solve_rt(K1, Gx, wk); /* row * Gx^-1 = (Gx^-T row')' */
        for (size_t b = 0; b < K1; b++)
            Th[a + b * q] = wk[b];
    }
    /* Right singular vector of the smallest singular value: eigenvector of Th'Th. */
    for (size_t b = 0; b < K1; b++)
        for (size_t a = 0; a < K1; a++) {
            double t = 0.0;
            for (size_t u = 0; u < q; u++)
                t += Th[u + a * q] * Th[u + b * q];
            T[a + b * K1] = t;
        }
    if (gw_eig_sym(K1, T, ev, Vk) != GW_OK)
        return -1;
    const double sgn = Vk[K1 - 1] < 0.0 ? -1.0 : 1.0;
    for (size_t k = 0; k < K1; k++)
        bq[k] = sgn * Vk[k];
    /* Left singular vectors: the rr smallest eigenvectors of Th Th' span the complement of
     * the K1 - 1 largest left singular vectors. */
    for (size_t b = 0; b < q; b++)
        for (size_t a = 0; a < q; a++) {
            double t = 0.0;
            for (size_t u = 0; u < K1; u++)
                t += Th[a + u * q] * Th[b + u * q];
            T[a + b * q] = t;
        }
    if (gw_eig_sym(q, T, ev, Uq) != GW_OK)
        return -1;
    for (size_t c = 0; c < rr; c++)
        for (size_t a = 0; a < q; a++)
            U2[a + c * q] = Uq[a + c * q];
    for (size_t c = 0; c < rr; c++)
        for (size_t a = 0; a < rr; a++)
            U22[a + c * rr] = U2[(K1 - 1 + a) + c * q];
    /* aq = U2 Q', Q = (U22 U22')^-1/2 U22 (the orthogonal polar factor of U22). */
    for (size_t b = 0; b < rr; b++)
        for (size_t a = 0; a < rr; a++) {
            double t = 0.0;
            for (size_t u = 0; u < rr; u++)
                t += U22[a + u * rr] * U22[b + u * rr];
            Tm[a + b * rr] = t;
        }
    if (gw_eig_sym(rr, Tm, ev, Wv) != GW_OK || !(ev[0] > 0.0))
        return -1;
    for (size_t b = 0; b < rr; b++) /* Tm <- W diag(ev^-1/2) W' */
        for (size_t a = 0; a < rr; a++) {
            double t = 0.0;
            for (size_t u = 0; u < rr; u++)
                t += Wv[a + u * rr] * Wv[b + u * rr] / sqrt(ev[u]);
            Tm[a + b * rr] = t;
        }
    for (size_t b = 0; b < rr; b++)
        for (size_t a = 0; a < rr; a++) {
            double t = 0.0;
            for (size_t u = 0; u < rr; u++)
                t += Tm[a + u * rr] * U22[u + b * rr];
            Qm[a + b * rr] = t;
        }
    for (size_t c = 0; c < rr; c++)
        for (size_t a = 0; a < q; a++) {
            double t = 0.0;
            for (size_t u = 0; u < rr; u++)
                t += U2[a + u * q] * Qm[c + u * rr];
            aq[a + c * q] = t;
        }
    /* lam = aq' Th bq; alpha = Fz^-1 aq; beta = Gx^-1 bq. */
    for (size_t c = 0; c < rr; c++) {
        double t = 0.0;
        for (size_t a = 0; a < q; a++) {
            double tb = 0.0;
            for (size_t k = 0; k < K1; k++)
                tb += Th[a + k * q] * bq[k];
            t += aq[a + c * q] * tb;
        }
        lam[c] = t;
        memcpy(alpha + c * q, aq + c * q, q * sizeof(double));
        solve_r(q, Fz, alpha + c * q);
    }
    memcpy(beta, bq, K1 * sizeof(double));
    solve_r(K1, Gx, beta);
    *alpha_out = alpha;
    *beta_out = beta;
    *lam_out = lam;
    return 0;
}

/* Kleibergen-Paap rk statistics (robust variances): the Wald form kp_f from the first-stage
 * residuals and the LM form kp_lm from X1~, scaled to the absorbed degrees of freedom. */
static gw_status kleibergen_paap(const iv_work *w, const iv_mem *mm, size_t K1, size_t q, size_t L,
                                 const double *Pi, const gw_factor *cl, const wid_ws *s,
                                 gw_result *r)
{
    const size_t m = w->m, rr = q - K1 + 1;
    double *kp = gw_alloc_array(q * q + K1 * K1 + q * q + K1 * K1 + q * rr * 3 + rr * rr * 4 +
                                    K1 * 2 + rr + 16,
                                sizeof(double));
    double *Ub = gw_alloc_array(m * rr + 1, sizeof(double));
    if (kp == NULL || Ub == NULL) {
        gw_free(kp);
        gw_free(Ub);
        return gwi_fail(GW_ENOMEM, "cannot allocate the rank-test workspace");
    }
    const double *alpha = NULL, *beta = NULL, *lam = NULL;
    double stat_w = NAN, stat_lm = NAN;
    gw_status rc = GW_OK;
    if (kp_vectors(K1, q, Pi, s, kp, &alpha, &beta, &lam) == 0 &&
        ((rc = kp_stat(w, cl, mm->Zt, q, mm->E, K1, alpha, beta, lam, rr, Ub, s->wk, &stat_w)) !=
             GW_OK ||
         (rc = kp_stat(w, cl, mm->Zt, q, mm->Xt, K1, alpha, beta, lam, rr, Ub, s->wk, &stat_lm)) !=
             GW_OK)) {
        gw_free(kp);
        gw_free(Ub);
        return rc;
    }
    const double nn = (double)m;
    double fac;
    if (cl == NULL)
        fac = (nn - (double)L - w->Diid) / nn;
    else {
        const double G = (double)r->n_clusters[0];
        fac = (nn - (double)L - w->Dcl) / (nn - 1.0) * (G - 1.0) / G;
    }
    r->kp_f = stat_w * fac / (double)q;
    r->kp_lm = stat_lm;
    r->kp_lm_df = (double)rr;
    r->kp_lm_p = isfinite(stat_lm) ? gsl_cdf_chisq_Q(stat_lm, (double)rr) : (double)NAN;
    gw_free(kp);
    gw_free(Ub);
    return GW_OK;
}

/* Weak-identification statistics into r: the first stages' partial R^2, Cragg-Donald's cd_f,
 * and with a robust variance (one-way clusters at most) Kleibergen-Paap's kp_f and kp_lm. */
static gw_status weak_id(const iv_work *w, const gw_ols_opts *opts, iv_mem *mm, size_t K1, size_t q,
                         size_t L, const double *Pi, const gw_factor *cl, int robust_ok,
                         gw_result *r)
{
    const size_t m = w->m;
    gw_status rc;
    const size_t nsm = 8 * (q + K1) * (q + K1) + 8 * (q + K1) + 64;
    double *ws = gw_alloc_array(nsm, sizeof *ws);
    if (ws == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the diagnostics workspace");
    wid_ws s;
    s.ZZ = ws;
    s.XX = s.ZZ + q * q;
    s.EE = s.XX + K1 * K1;
    s.C = s.EE + K1 * K1;
    s.ev = s.C + K1 * K1;
    s.T = s.ev + q + K1;
    s.Th = s.T + (q + K1) * (q + K1);
    s.vec = s.Th + q * K1;
    s.wk = s.vec + (q + K1) * (q + K1);
    if ((rc = xprod(m, mm->Zt, q, mm->Zt, q, s.ZZ)) != GW_OK ||
        (rc = xprod(m, mm->Xt, K1, mm->Xt, K1, s.XX)) != GW_OK ||
        (rc = xprod(m, mm->E, K1, mm->E, K1, s.EE)) != GW_OK)
        goto done;
    for (size_t j = 0; j < K1; j++)
        r->fs_partial_r2[j] = 1.0 - s.EE[j + j * K1] / s.XX[j + j * K1];
    cragg_donald(w, opts, K1, q, L, Pi, &s, r);
    if (opts->vcov != GW_VCOV_IID && robust_ok)
        rc = kleibergen_paap(w, mm, K1, q, L, Pi, cl, &s, r);
done:
    gw_free(ws);
    return rc;
}

/* Sargan (iid) or Hansen's J (robust, one-way cluster) into r. Ak: m x L instruments kept. */
static gw_status overid(const iv_work *w, const gw_ols_opts *opts, const double *Ak, size_t L,
                        char **names, const double *Xk, size_t p, const double *e,
                        const gw_factor *cl, int robust_ok, double *scratch, gw_result *r)
{
    const size_t m = w->m;
    gw_status rc = GW_OK;
    if (opts->vcov == GW_VCOV_IID) {
        gw_design wd = w->base;
        wd.X = (double *)(uintptr_t)Ak;
        wd.p = L;
        wd.terms = names;
        wd.y = (double *)(uintptr_t)e;
        gw_ls_opts lo = opts->ls;
        lo.hook = NULL;
        gw_ls *ls = NULL;
        if ((rc = gw_ls_fit(&wd, lo, &ls)) != GW_OK)
            return gwi_fail_keep(rc);
        const double num = sumsq(m, gw_ls_fitted(ls)), den = sumsq(m, e);
        gw_ls_free(ls);
        r->overid_stat = (double)m * num / den;
        return gw_result_set_str(&r->overid_test, "sargan");
    }
    if ((rc = gw_result_set_str(&r->overid_test, "hansen")) != GW_OK || !robust_ok)
        return rc;
    /* S = meat of a_i e_i; C = Fs^-T A'X, dv = Fs^-T A'y; b_g = LS(C, dv). */
    double *Ue = gw_alloc_array(m * L + 1, sizeof(double));
    double *sm = gw_alloc_array(L * L + 2 * L * p + 4 * L + p + 8, sizeof(double));
    gw_ls *ls = NULL;
    if (Ue == NULL || sm == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the J workspace");
        goto done;
    }
    double *S = sm, *C = S + L * L, *dv = C + L * p, *g = dv + L, *bg = g + L;
    for (size_t j = 0; j < L; j++)
        for (size_t i = 0; i < m; i++)
            Ue[j * m + i] = Ak[j * m + i] * e[i];
    if ((rc = meat(m, Ue, L, cl, S)) != GW_OK || (rc = xprod(m, Ak, L, Xk, p, C)) != GW_OK ||
        (rc = xprod(m, Ak, L, w->y, 1, dv)) != GW_OK)
        goto done;
    if (chol_upper(L, S) != 0)
        goto done; /* singular S (e.g. fewer clusters than instruments): J undefined */
    for (size_t j = 0; j < p; j++)
        solve_rt(L, S, C + j * L);
    solve_rt(L, S, dv);
    {
        gw_design td = {0};
        td.n = L;
        td.p = p;
        td.X = C;
        td.y = dv;
        td.terms = names;
        gw_ls_opts lo = opts->ls;
        lo.hook = NULL;
        if ((rc = gw_ls_fit(&td, lo, &ls)) != GW_OK) {
            rc = gwi_fail_keep(rc);
            goto done;
        }
        memcpy(bg, gw_ls_coef(ls), p * sizeof(double));
    }
    for (size_t j = 0; j < p; j++)
        if (!isfinite(bg[j]))
            goto done;
    /* e2 = y - X b_g (scratch), g = A'e2, J = |Fs^-T g|^2 */
    for (size_t i = 0; i < m; i++) {
        double s = w->y[i];
        for (size_t j = 0; j < p; j++)
            s -= Xk[j * m + i] * bg[j];
        scratch[i] = s;
    }
    if ((rc = xprod(m, Ak, L, scratch, 1, g)) != GW_OK)
        goto done;
    solve_rt(L, S, g);
    {
        double J = 0.0;
        for (size_t j = 0; j < L; j++)
            J += g[j] * g[j];
        r->overid_stat = J;
    }
done:
    gw_ls_free(ls);
    gw_free(sm);
    gw_free(Ue);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* gw_iv_fit in phases: check, working data, first stages, second stage, variance, result,
 * diagnostics. The phases share one iv_fit; everything they allocate is in f->mm (or the name
 * lists below) and is released once, by gw_iv_fit, whatever phase failed. */

typedef struct {
    const gw_design *d;
    const gw_ols_opts *opts;
    gw_vcov_kind kind;
    size_t n, p, K1, pex, q, L0; /* design sizes: pex = p - K1 exogenous, L0 = pex + q */
    iv_mem mm;
    iv_work w;
    gw_factor cl[2];     /* cluster factors on the working rows */
    gwi_vcov_info info;  /* of the requested variance on the working rows */
    gw_hdfe_stats st;    /* of the demeaning (1 iteration, converged without effects) */
    double tss, tss_w;   /* of y, and of demeaned y with fixed effects */
    const double *yorig; /* y on the working rows before demeaning */
    size_t p2k, qk;      /* exogenous and excluded instruments kept by the first stage */
    size_t pk, L;        /* second-stage columns p2k + K1; instruments kept p2k + qk */
    char **knames;       /* pk second-stage names, then K1 names of the V^ (in mm.anames) */
    char **dnames;       /* ndropped names of the collinear columns of A dropped */
    size_t ndropped;
    char **Anames_k;   /* L names of the kept columns of A */
    double rss;        /* of the structural residuals */
    gw_vcov_kind keff; /* the variance computed: HC0 for HC2/HC3 (on scaled residuals) */
    gw_design wd2;     /* the second-stage working design (X^) */
} iv_fit;

static gw_status iv_nomem(void)
{
    return gwi_fail(GW_ENOMEM, "out of memory building the 2SLS result");
}

/* The total sum of squares of y[0..m) with weights wt (NULL: none), around the (weighted) mean
 * when centre, uncentred otherwise (AER's summary.ivreg). */
static double total_ss(const double *y, const double *wt, size_t m, int centre)
{
    double sw = 0.0, s = 0.0, t = 0.0;
    for (size_t i = 0; i < m; i++) {
        const double wi = wt != NULL ? wt[i] : 1.0;
        sw += wi;
        s += wi * y[i];
    }
    const double mu = centre && sw > 0.0 ? s / sw : 0.0;
    for (size_t i = 0; i < m; i++)
        t += (wt != NULL ? wt[i] : 1.0) * (y[i] - mu) * (y[i] - mu);
    return t;
}

/* Analytic weights: 2SLS with weights is 2SLS of the rows multiplied by sqrt(w_i) (the first
 * stages, the second stage, every sandwich, leverage and diagnostic then being the weighted
 * ones: AER's ivreg(weights =), Stata's ivreg2 [aw]). y, X, Z (f->w.m rows) into yd, Xd, Zd
 * (the same arrays allowed); the working data point at them, and wt, sw are kept for what is
 * reported on the data's own scale (residuals, TSS, the first stages' fit sums). */
static gw_status iv_weigh(iv_fit *f, const double *wt, const double *y, const double *X,
                          const double *Z, double *yd, double *Xd, double *Zd)
{
    const size_t m = f->w.m, p = f->p, q = f->q;
    if ((f->mm.sw = gw_alloc_array(m + 1, sizeof(double))) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu weights", m);
    double *sw = f->mm.sw;
    for (size_t i = 0; i < m; i++) {
        sw[i] = sqrt(wt[i]);
        yd[i] = sw[i] * y[i];
    }
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < m; i++)
            Xd[j * m + i] = sw[i] * X[j * m + i];
    for (size_t j = 0; j < q; j++)
        for (size_t i = 0; i < m; i++)
            Zd[j * m + i] = sw[i] * Z[j * m + i];
    f->w.y = yd;
    f->w.X = Xd;
    f->w.Z = Zd;
    f->w.wt = wt;
    f->w.sw = sw;
    f->w.icpt = f->d->has_intercept != 0 && f->d->nfe == 0;
    f->w.base.has_intercept = 0;
    return GW_OK;
}

/* With fixed effects the working data are compacted (singletons dropped) and demeaned copies of
 * y, X and Z; the TSS is taken around the mean of the compacted y, before demeaning, and the
 * cluster codes are compacted to the kept rows. */
static gw_status iv_work_fe(iv_fit *f)
{
    const gw_design *d = f->d;
    const gw_ols_opts *opts = f->opts;
    const size_t n = f->n, p = f->p, q = f->q;
    iv_mem *mm = &f->mm;
    gw_status rc;
    gw_hdfe_opts ho = {opts->fe_tol, opts->fe_maxiter,
                       (opts->flags & GW_OLS_KEEP_SINGLETONS) ? GW_HDFE_KEEP_SINGLETONS : 0u};
    if ((rc = gw_hdfe_new(d->fe, d->nfe, n, d->w, &ho, &mm->h)) != GW_OK)
        return gwi_fail_keep(rc);
    const size_t m = gw_hdfe_nobs(mm->h), ncol = 1 + p + q;
    if ((mm->buf = gw_alloc_array(m * (ncol + 1), sizeof(double))) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the %zu x %zu working copy", m, ncol);
    double *yw = mm->buf, *Xw = yw + m, *Zw = Xw + m * p, *yo = Zw + m * q;
    gw_hdfe_compact(mm->h, d->y, yw);
    for (size_t j = 0; j < p; j++)
        gw_hdfe_compact(mm->h, d->X + j * n, Xw + j * m);
    for (size_t j = 0; j < q; j++)
        gw_hdfe_compact(mm->h, d->Z + j * n, Zw + j * m);
    memcpy(yo, yw, m * sizeof *yo);
    f->yorig = yo;
    f->tss = total_ss(yo, gw_hdfe_weights(mm->h), m, 1);
    double **cols = gw_alloc_array(ncol, sizeof *cols);
    if (cols == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate column pointers");
    for (size_t j = 0; j < ncol; j++)
        cols[j] = yw + j * m;
    rc = gw_hdfe_demean(mm->h, cols, ncol, &f->st);
    gw_free(cols);
    if (rc != GW_OK)
        return rc;
    f->w.m = m;
    /* Weighted: the demeaning was weighted; sqrt(w) times the demeaned columns is then the
     * transformed data's projection off the transformed fixed effects (FWL). */
    if (d->w != NULL && (rc = iv_weigh(f, gw_hdfe_weights(mm->h), yw, Xw, Zw, yw, Xw, Zw)) != GW_OK)
        return rc;
    f->tss_w = sumsq(m, yw);
    for (size_t v = 0; v < d->ncluster && v < 2; v++) {
        f->cl[v] = d->cluster[v];
        if (m == n || d->cluster[v].codes == NULL)
            continue;
        if ((mm->clc[v] = gw_alloc_array(m, sizeof(int32_t))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu cluster codes", m);
        const size_t *rows = gw_hdfe_rows(mm->h);
        for (size_t i = 0; i < m; i++)
            mm->clc[v][i] = d->cluster[v].codes[rows[i]];
        f->cl[v].codes = mm->clc[v];
    }
    f->w.m = m;
    f->w.y = yw;
    f->w.X = Xw;
    f->w.Z = Zw;
    f->w.fe = 1;
    f->w.base.has_intercept = 0;
    return GW_OK;
}

/* The working data (the design's own arrays without fixed effects), the variance's check on
 * them, the absorbed degrees of freedom, the level sizes HC2/HC3 need with one absorbed set,
 * and the TSS. */
static gw_status iv_work_setup(iv_fit *f)
{
    const gw_design *d = f->d;
    const gw_vcov_kind kind = f->kind;
    iv_work *w = &f->w;
    gw_status rc;
    w->kind = kind;
    w->base.response = d->response;
    w->base.nobs_dropped_missing = d->nobs_dropped_missing;
    if (d->nfe > 0) {
        if ((rc = iv_work_fe(f)) != GW_OK)
            return rc;
    } else {
        w->m = f->n;
        w->y = d->y;
        w->X = d->X;
        w->Z = d->Z;
        w->base.has_intercept = d->has_intercept;
        for (size_t v = 0; v < d->ncluster && v < 2; v++)
            f->cl[v] = d->cluster[v];
        f->yorig = d->y;
        if (d->w != NULL) {
            const size_t ncol = 1 + f->p + f->q, m = f->n;
            if ((f->mm.buf = gw_alloc_array(m * ncol, sizeof(double))) == NULL)
                return gwi_fail(GW_ENOMEM, "cannot allocate the %zu x %zu weighted copy", m, ncol);
            double *b = f->mm.buf;
            if ((rc = iv_weigh(f, d->w, d->y, d->X, d->Z, b, b + m, b + m * (1 + f->p))) != GW_OK)
                return rc;
        }
    }
    const size_t m = w->m;
    w->base.n = m;
    w->base.cluster = d->ncluster ? f->cl : NULL;
    w->base.ncluster = d->ncluster;
    if ((rc = gwi_vcov_check(&w->base,
                             kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3 ? GW_VCOV_HC0 : kind,
                             &f->info)) != GW_OK)
        return rc;
    if (w->fe && (rc = fe_dof(d, f->mm.h, f->cl, f->opts, &w->Diid, &w->Dcl)) != GW_OK)
        return rc;
    if (w->fe && (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3)) {
        if ((f->mm.Wg = gw_calloc(gw_hdfe_levels(f->mm.h, 0) + 1, sizeof *f->mm.Wg)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate level sizes");
        w->gc = gw_hdfe_codes(f->mm.h, 0);
        for (size_t i = 0; i < m; i++)
            f->mm.Wg[w->gc[i]] += w->wt != NULL ? w->wt[i] : 1.0;
        w->Wg = f->mm.Wg;
    }
    if (!w->fe) /* TSS of y: around the mean with an intercept, uncentred without (AER) */
        f->tss = total_ss(d->y, d->w, m, d->has_intercept != 0);
    return GW_OK;
}

/* First stages: each endogenous X1_j on A = [X2, Z1], keeping residuals and fitted values (the
 * fitted values are X^, the residuals the V^ of Wu-Hausman and the weak-identification tests). */
static gw_status iv_first_stages(iv_fit *f)
{
    const gw_design *d = f->d;
    const size_t m = f->w.m, p = f->p, K1 = f->K1, pex = f->pex, q = f->q, L0 = f->L0;
    iv_mem *mm = &f->mm;
    gw_status rc;
    if ((mm->A = gw_alloc_array(m * L0, sizeof(double))) == NULL ||
        (mm->anames = gw_calloc(L0 + p + 2 * K1 + 1, sizeof(char *))) == NULL ||
        (mm->fs = gw_calloc(K1, sizeof *mm->fs)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the first-stage design (%zu x %zu)", m, L0);
    memcpy(mm->A, f->w.X, m * pex * sizeof(double));
    memcpy(mm->A + m * pex, f->w.Z, m * q * sizeof(double));
    for (size_t j = 0; j < pex; j++)
        mm->anames[j] = d->terms[j];
    for (size_t j = 0; j < q; j++)
        mm->anames[pex + j] = d->inst_terms[j];
    for (size_t j = 0; j < K1; j++)
        if ((rc = work_ols(&f->w, f->opts, mm->A, L0, mm->anames, f->w.X + (pex + j) * m,
                           GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED, &mm->fs[j])) != GW_OK)
            return rc;
    return GW_OK;
}

/* Which columns of A the first stage kept (its result lists them in design order): too few
 * instruments left is an error; A is compacted to the kept columns, and the names of the kept
 * (knames, Anames_k) and dropped (dnames) columns are set. */
static gw_status iv_keep_columns(iv_fit *f)
{
    const gw_design *d = f->d;
    const size_t m = f->w.m, K1 = f->K1, pex = f->pex, q = f->q, L0 = f->L0;
    iv_mem *mm = &f->mm;
    int *keptA = gw_calloc(L0 + 1, sizeof *keptA);
    if (keptA == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate flags");
    size_t p2k = 0, qk = 0;
    for (size_t j = 0, t = 0; j < L0; j++)
        if (t < mm->fs[0]->k && strcmp(mm->anames[j], mm->fs[0]->terms[t]) == 0) {
            keptA[j] = 1;
            t++;
            if (j < pex)
                p2k++;
            else
                qk++;
        }
    if (qk < K1) {
        gw_free(keptA);
        return gwi_fail(GW_ERANK,
                        "underidentified: %zu of the %zu excluded instruments remain after "
                        "dropping collinear ones, fewer than the endogenous regressors (%zu)",
                        qk, q, K1);
    }
    f->p2k = p2k;
    f->qk = qk;
    f->pk = p2k + K1;
    f->L = p2k + qk;
    /* Kept exogenous and instrument columns, compacted in A's order; names after them. */
    char **knames = mm->anames + L0;
    f->knames = knames;
    {
        size_t c = 0;
        for (size_t j = 0; j < L0; j++)
            if (keptA[j]) {
                if (c != j)
                    memcpy(mm->A + c * m, mm->A + j * m, m * sizeof(double));
                c++;
            } else
                f->ndropped++;
        /* names: knames = kept exog + endogenous (second-stage terms), then the V^ names */
        size_t t = 0;
        for (size_t j = 0; j < pex; j++)
            if (keptA[j])
                knames[t++] = d->terms[j];
        for (size_t j = 0; j < K1; j++)
            knames[t++] = d->terms[pex + j];
        for (size_t j = 0; j < K1; j++)
            knames[t++] = d->terms[pex + j];
    }
    if (f->ndropped > 0 && (f->dnames = gw_calloc(f->ndropped, sizeof *f->dnames)) == NULL) {
        gw_free(keptA);
        return gwi_fail(GW_ENOMEM, "cannot allocate names");
    }
    for (size_t j = 0, t = 0; j < L0; j++)
        if (!keptA[j])
            f->dnames[t++] = mm->anames[j];
    /* ... from here A = [X2k, Z1k] (m x L), compacted; anames[0..L0) still the original. */
    if ((f->Anames_k = gw_calloc(f->L + 1, sizeof *f->Anames_k)) == NULL) {
        gw_free(keptA);
        return gwi_fail(GW_ENOMEM, "cannot allocate names");
    }
    for (size_t j = 0, t = 0; j < L0; j++)
        if (keptA[j])
            f->Anames_k[t++] = mm->anames[j];
    gw_free(keptA);
    return GW_OK;
}

/* Second stage: y on X^ = [X2k, X1^] (a regressor aliased there is not identified), then the
 * structural residuals e = y - Xk b with the actual regressors Xk = [X2k, X1], and their RSS. */
static gw_status iv_second_stage(iv_fit *f)
{
    const size_t m = f->w.m, K1 = f->K1, pex = f->pex, p2k = f->p2k, pk = f->pk;
    iv_mem *mm = &f->mm;
    gw_status rc;
    mm->Xh = gw_alloc_array(m * pk, sizeof(double));
    mm->Xk = gw_alloc_array(m * pk, sizeof(double));
    mm->e = gw_alloc_array(m, sizeof(double));
    mm->V = gw_alloc_array(pk * pk, sizeof(double));
    if (mm->Xh == NULL || mm->Xk == NULL || mm->e == NULL || mm->V == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the second-stage design (%zu x %zu)", m, pk);
    memcpy(mm->Xh, mm->A, m * p2k * sizeof(double));
    memcpy(mm->Xk, mm->A, m * p2k * sizeof(double));
    for (size_t j = 0; j < K1; j++) {
        memcpy(mm->Xh + (p2k + j) * m, mm->fs[j]->fitted, m * sizeof(double));
        memcpy(mm->Xk + (p2k + j) * m, f->w.X + (pex + j) * m, m * sizeof(double));
    }
    {
        gw_design wd = f->w.base;
        wd.X = mm->Xh;
        wd.p = pk;
        wd.terms = f->knames;
        wd.y = (double *)(uintptr_t)f->w.y;
        gw_ls_opts lo = f->opts->ls;
        lo.hook = NULL;
        lo.flags |= GW_LS_NO_FITTED | GW_LS_NO_RESID;
        if ((rc = gw_ls_fit(&wd, lo, &mm->ls2)) != GW_OK)
            return gwi_fail_keep(rc);
    }
    if (gw_ls_rank(mm->ls2) < pk) {
        const int *al = gw_ls_aliased(mm->ls2);
        size_t j = 0;
        while (j < pk && !al[j])
            j++;
        return gwi_fail(GW_ERANK,
                        "'%s' is not identified: its first-stage fit is collinear with the other "
                        "regressors (instruments too weak or collinear)",
                        f->knames[j < pk ? j : pk - 1]);
    }
    const double *b = gw_ls_coef(mm->ls2);
    /* Structural residuals with the actual regressors (blocked, each row independent). */
    {
        const double *y = f->w.y, *Xk = mm->Xk;
        double *e = mm->e;
        const long nbl = (long)gw_nblocks(m);
#pragma omp parallel for schedule(static)
        for (long bb = 0; bb < nbl; bb++) {
            size_t first, count;
            gw_block_range(m, (size_t)bb, &first, &count);
            for (size_t i = first; i < first + count; i++) {
                double s = y[i];
                for (size_t j = 0; j < pk; j++)
                    s -= Xk[j * m + i] * b[j];
                e[i] = s;
            }
        }
    }
    f->rss = sumsq(m, mm->e);
    return GW_OK;
}

/* The IV sandwich: gwi_vcov on X^ with the structural residuals (for HC2/HC3: HC0 on the
 * residuals scaled by the 2SLS leverage), into mm.V. */
static gw_status iv_variance(iv_fit *f)
{
    const size_t m = f->w.m, pk = f->pk;
    const gw_vcov_kind kind = f->kind;
    iv_mem *mm = &f->mm;
    gw_status rc;
    f->wd2 = f->w.base;
    f->wd2.X = mm->Xh;
    f->wd2.p = pk;
    f->wd2.terms = f->knames;
    f->wd2.y = (double *)(uintptr_t)f->w.y;
    f->keff = (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3) ? GW_VCOV_HC0 : kind;
    const double *bread = gw_ls_bread(mm->ls2);
    const double *resid_v = mm->e;
    if (f->keff != kind) {
        if ((mm->radj = gw_alloc_array(m, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
        if ((rc = lev_resid(&f->w, mm->Xk, mm->Xh, pk, bread, mm->e,
                            kind == GW_VCOV_HC3 ? 1.0 : 0.5, mm->radj)) != GW_OK)
            return rc;
        resid_v = mm->radj;
    }
    int *noalias = gw_calloc(pk, sizeof *noalias);
    size_t *keep = gw_alloc_array(pk, sizeof *keep);
    if (noalias == NULL || keep == NULL) {
        gw_free(noalias);
        gw_free(keep);
        return gwi_fail(GW_ENOMEM, "cannot allocate indices");
    }
    for (size_t j = 0; j < pk; j++)
        keep[j] = j;
    {
        gwi_ls_view v = {m,
                         pk,
                         pk,
                         gw_ls_coef(mm->ls2),
                         resid_v,
                         NULL,
                         bread,
                         noalias,
                         f->rss,
                         gw_ls_rcond(mm->ls2),
                         gw_ls_near_singular(mm->ls2),
                         gw_ls_method_used(mm->ls2)};
        rc = gwi_vcov(&f->wd2, &v, f->keff, keep, pk, mm->V, &f->info);
    }
    gw_free(noalias);
    gw_free(keep);
    return rc;
}

/* The result's labels: estimator, variance and solver names, terms, dropped columns. */
static gw_status iv_result_labels(iv_fit *f, gw_result *r)
{
    const gw_vcov_kind kind = f->kind, keff = f->keff;
    char vname[512];
    gw_status rc;
    if ((rc = gwi_vcov_name(&f->wd2, keff, vname, sizeof vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->estimator, "2sls")) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, keff != kind ? (kind == GW_VCOV_HC2 ? "hc2" : "hc3")
                                                            : vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, f->d->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, gw_ls_method_used(f->mm.ls2))) != GW_OK)
        return rc;
    for (size_t j = 0; j < f->pk; j++)
        if ((r->terms[j] = gw_strdup(f->knames[j])) == NULL)
            return iv_nomem();
    if (f->ndropped > 0) {
        if ((r->dropped_collinear = gw_calloc(f->ndropped, sizeof(char *))) == NULL)
            return iv_nomem();
        r->ndropped = f->ndropped;
        for (size_t j = 0; j < f->ndropped; j++)
            if ((r->dropped_collinear[j] = gw_strdup(f->dnames[j])) == NULL)
                return iv_nomem();
    }
    return GW_OK;
}

/* The overall Wald F of the slopes (all coefficients with fixed effects; undefined with fewer
 * clusters than restrictions). */
static gw_status iv_overall_f(const iv_fit *f, gw_result *r)
{
    const size_t pk = f->pk;
    size_t *idx = gw_alloc_array(pk + 1, sizeof *idx);
    double *wk = gw_alloc_array(2 * pk * pk + pk + 1, sizeof *wk);
    if (idx == NULL || wk == NULL) {
        gw_free(idx);
        gw_free(wk);
        return iv_nomem();
    }
    size_t nq = 0;
    for (size_t j = 0; j < pk; j++)
        if (!(!f->w.fe && f->d->has_intercept && j == 0))
            idx[nq++] = j;
    r->f_df1 = (double)nq;
    r->f_df2 = r->df_inference;
    r->f_stat = (nq > 0 && !(f->kind == GW_VCOV_CLUSTER && (double)nq > r->df_inference))
                    ? gwi_wald_f(r, idx, nq, wk)
                    : (double)NAN;
    r->f_p_value = (isfinite(r->f_stat) && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, r->f_df2)
                       : (double)NAN;
    gw_free(idx);
    gw_free(wk);
    return GW_OK;
}

/* The absorbed effects' description, and the residuals and fitted values when asked for (the
 * fitted values on y's scale: y - e with the undemeaned y). */
static gw_status iv_result_fe_resid(const iv_fit *f, gw_result *r)
{
    const gw_design *d = f->d;
    const size_t m = f->w.m;
    gw_status rc;
    if (f->w.fe) {
        r->singletons_dropped = gw_hdfe_singletons(f->mm.h);
        if ((r->fixed_effects = gw_calloc(d->nfe, sizeof *r->fixed_effects)) == NULL)
            return iv_nomem();
        r->nfe = d->nfe;
        for (size_t g = 0; g < d->nfe; g++) {
            r->fixed_effects[g].levels = gw_hdfe_levels(f->mm.h, g);
            if ((rc = gw_result_set_str(&r->fixed_effects[g].name, d->fe[g].name)) != GW_OK)
                return rc;
        }
    }
    if (f->opts->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED)) {
        if ((r->residuals = gw_alloc_array(m, sizeof(double))) == NULL ||
            (r->fitted = gw_alloc_array(m, sizeof(double))) == NULL)
            return iv_nomem();
        for (size_t i = 0; i < m; i++) { /* weighted: e on the data's scale */
            r->residuals[i] = f->w.sw != NULL ? f->mm.e[i] / f->w.sw[i] : f->mm.e[i];
            r->fitted[i] = f->yorig[i] - r->residuals[i];
        }
        if (!(f->opts->flags & GW_OLS_KEEP_RESIDUALS)) {
            gw_free(r->residuals);
            r->residuals = NULL;
        }
        if (!(f->opts->flags & GW_OLS_KEEP_FITTED)) {
            gw_free(r->fitted);
            r->fitted = NULL;
        }
    }
    return GW_OK;
}

/* The result (mm.r): coefficients, variance rescaled to the absorbed degrees of freedom,
 * inference, fit statistics, the overall F, the fixed effects and the residuals. */
static gw_status iv_result(iv_fit *f)
{
    const gw_design *d = f->d;
    const size_t m = f->w.m, pk = f->pk;
    const double rss = f->rss;
    gw_status rc;
    if ((rc = gw_result_new(pk, &f->mm.r)) != GW_OK)
        return rc;
    gw_result *r = f->mm.r;
    if ((rc = iv_result_labels(f, r)) != GW_OK)
        return rc;
    const double nn = (double)m, kk = (double)pk, dfr = nn - kk - f->w.Diid;
    {
        const double c = dof_factor(&f->w, kk);
        const double *b = gw_ls_coef(f->mm.ls2);
        for (size_t j = 0; j < pk; j++)
            r->estimate[j] = b[j];
        for (size_t j = 0; j < pk * pk; j++)
            r->vcov[j] = f->mm.V[j] * (f->w.fe ? c : 1.0);
    }
    r->nobs = m;
    r->nobs_dropped_missing = d->nobs_dropped_missing;
    r->df_resid = dfr;
    r->n_cluster_vars = f->info.nvars;
    for (size_t v = 0; v < f->info.nvars; v++)
        r->n_clusters[v] = f->info.ngroups[v];
    r->conf_level = f->opts->conf_level != 0.0 ? f->opts->conf_level : 0.95;
    r->stat_is_z = 0;
    r->df_inference = f->kind == GW_VCOV_CLUSTER ? f->info.df : (dfr > 0.0 ? dfr : (double)NAN);
    gwi_fill_inference(r);
    r->rss = rss;
    r->tss = f->tss;
    r->r2 = 1.0 - rss / f->tss;
    {
        const double icpt = (f->w.fe || d->has_intercept) ? 1.0 : 0.0;
        r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - icpt) / dfr) : (double)NAN;
    }
    if (f->w.fe)
        r->r2_within = 1.0 - rss / f->tss_w;
    r->rmse = dfr > 0.0 ? sqrt(rss / dfr) : (double)NAN;
    r->rank = pk;
    r->rcond = gw_ls_rcond(f->mm.ls2);
    r->near_singular = gw_ls_near_singular(f->mm.ls2);
    r->iterations = f->st.iterations;
    r->converged = f->st.converged;
    if ((rc = iv_overall_f(f, r)) != GW_OK)
        return rc;
    return iv_result_fe_resid(f, r);
}

/* First-stage diagnostics: the IV fields of the result, each first stage's F of the excluded
 * instruments, then the weak-identification statistics on the exogenous-partialled X1~ and Z1~
 * (kept in mm.Xt, mm.Zt, with the first-stage residuals in mm.E for the later tests). */
static gw_status iv_first_stage_tests(iv_fit *f)
{
    const gw_design *d = f->d;
    const size_t m = f->w.m, K1 = f->K1, pex = f->pex, p2k = f->p2k, qk = f->qk, L = f->L;
    iv_mem *mm = &f->mm;
    gw_result *r = mm->r;
    gw_status rc;
    if ((rc = gw_result_alloc_iv(r, K1, qk)) != GW_OK)
        return rc;
    for (size_t j = 0; j < K1; j++)
        if ((r->endog_terms[j] = gw_strdup(d->terms[pex + j])) == NULL)
            return iv_nomem();
    for (size_t j = 0; j < qk; j++)
        if ((r->inst_terms[j] = gw_strdup(f->Anames_k[p2k + j])) == NULL)
            return iv_nomem();
    if ((mm->small = gw_alloc_array(2 * L * L + 4 * L + 16, sizeof(double))) == NULL)
        return iv_nomem();
    double *Pi = gw_alloc_array(qk * K1 + 1, sizeof(double));
    size_t *iidx = gw_alloc_array(qk + 1, sizeof(size_t));
    if (Pi == NULL || iidx == NULL) {
        gw_free(Pi);
        gw_free(iidx);
        return iv_nomem();
    }
    for (size_t t = 0; t < qk; t++)
        iidx[t] = p2k + t;
    for (size_t j = 0; j < K1; j++) {
        gw_result *fs = mm->fs[j];
        r->fs_f[j] = (!(f->kind == GW_VCOV_CLUSTER && (double)qk > fs->df_inference))
                         ? gwi_wald_f(fs, iidx, qk, mm->small)
                         : (double)NAN;
        r->fs_df1[j] = (double)qk;
        r->fs_df2[j] = fs->df_inference;
        r->fs_p[j] = (isfinite(r->fs_f[j]) && fs->df_inference > 0.0)
                         ? gsl_cdf_fdist_Q(r->fs_f[j], (double)qk, fs->df_inference)
                         : (double)NAN;
        for (size_t t = 0; t < qk; t++)
            Pi[t + j * qk] = fs->estimate[p2k + t];
    }
    gw_free(iidx);

    /* partialled X1~, Z1~ and the first-stage residuals */
    mm->Xt = gw_alloc_array(m * K1, sizeof(double));
    mm->Zt = gw_alloc_array(m * qk, sizeof(double));
    mm->E = gw_alloc_array(m * K1, sizeof(double));
    if (mm->Xt == NULL || mm->Zt == NULL || mm->E == NULL) {
        gw_free(Pi);
        return iv_nomem();
    }
    for (size_t j = 0; j < K1; j++) {
        memcpy(mm->Xt + j * m, f->w.X + (pex + j) * m, m * sizeof(double));
        memcpy(mm->E + j * m, mm->fs[j]->residuals, m * sizeof(double));
    }
    memcpy(mm->Zt, mm->A + p2k * m, m * qk * sizeof(double));
    if ((rc = partial_out(&f->w, f->opts, mm->A, p2k, f->Anames_k, mm->Xt, K1)) != GW_OK ||
        (rc = partial_out(&f->w, f->opts, mm->A, p2k, f->Anames_k, mm->Zt, qk)) != GW_OK) {
        gw_free(Pi);
        return rc;
    }
    const int robust_ok = f->kind == GW_VCOV_IID || d->ncluster <= 1;
    const gw_factor *cl1 = f->kind == GW_VCOV_CLUSTER ? &f->cl[0] : NULL;
    rc = weak_id(&f->w, f->opts, mm, K1, qk, L, Pi, cl1, robust_ok, r);
    gw_free(Pi);
    return rc;
}

/* Over-identification (Sargan or Hansen's J) when there are more instruments than endogenous
 * regressors; mm.Xt serves as scratch. */
static gw_status iv_overid(iv_fit *f)
{
    gw_result *r = f->mm.r;
    gw_status rc;
    if (!(f->qk > f->K1))
        return GW_OK;
    const int robust_ok = f->kind == GW_VCOV_IID || f->d->ncluster <= 1;
    const gw_factor *cl1 = f->kind == GW_VCOV_CLUSTER ? &f->cl[0] : NULL;
    if ((rc = overid(&f->w, f->opts, f->mm.A, f->L, f->Anames_k, f->mm.Xk, f->pk, f->mm.e, cl1,
                     robust_ok, f->mm.Xt, r)) != GW_OK)
        return rc;
    r->overid_df = (double)(f->qk - f->K1);
    r->overid_p =
        isfinite(r->overid_stat) ? gsl_cdf_chisq_Q(r->overid_stat, r->overid_df) : (double)NAN;
    return GW_OK;
}

/* Wu-Hausman: the joint Wald F of the first-stage residuals V^ in the OLS of y on [X, V^]
 * (with the fit's variance, so robust when it is). */
static gw_status iv_wu_hausman(iv_fit *f)
{
    const size_t m = f->w.m, pk = f->pk, K1 = f->K1;
    iv_mem *mm = &f->mm;
    gw_result *r = mm->r;
    gw_status rc;
    double *Aug = gw_alloc_array(m * (pk + K1), sizeof(double));
    if (Aug == NULL)
        return iv_nomem();
    memcpy(Aug, mm->Xk, m * pk * sizeof(double));
    memcpy(Aug + m * pk, mm->E, m * K1 * sizeof(double));
    rc = work_ols(&f->w, f->opts, Aug, pk + K1, f->knames, f->w.y, 0u, &mm->aug);
    gw_free(Aug);
    if (rc != GW_OK)
        return rc;
    gw_result *a = mm->aug;
    if (a->k == pk + K1) {
        size_t idx[64];
        double *wk = gw_alloc_array(2 * K1 * K1 + K1 + 1, sizeof(double));
        if (wk == NULL || K1 > 64) {
            gw_free(wk);
            return iv_nomem();
        }
        for (size_t j = 0; j < K1; j++)
            idx[j] = pk + j;
        r->endog_stat = (!(f->kind == GW_VCOV_CLUSTER && (double)K1 > a->df_inference))
                            ? gwi_wald_f(a, idx, K1, wk)
                            : (double)NAN;
        gw_free(wk);
    }
    r->endog_df1 = (double)K1;
    r->endog_df2 = a->df_inference;
    r->endog_p = (isfinite(r->endog_stat) && a->df_inference > 0.0)
                     ? gsl_cdf_fdist_Q(r->endog_stat, r->endog_df1, r->endog_df2)
                     : (double)NAN;
    return GW_OK;
}

/* The first stages move into the result (their residuals and fitted values are dropped). */
static gw_status iv_move_first_stages(iv_fit *f)
{
    gw_status rc;
    for (size_t j = 0; j < f->K1; j++) {
        gw_result *fs = f->mm.fs[j];
        gw_free(fs->residuals);
        gw_free(fs->fitted);
        fs->residuals = fs->fitted = NULL;
        if ((rc = gw_result_set_str(&fs->estimator, "ols")) != GW_OK)
            return rc;
        f->mm.r->first_stage[j] = fs;
        f->mm.fs[j] = NULL;
    }
    return GW_OK;
}

/* 2SLS of a checked design. */
static gw_status iv_fit_checked(const gw_design *d, const gw_ols_opts *opts, gw_result **out)
{
    gw_status rc;
    iv_fit f;
    memset(&f, 0, sizeof f);
    f.d = d;
    f.opts = opts;
    f.kind = opts->vcov;
    f.n = d->n;
    f.p = d->p;
    f.K1 = d->n_endog;
    f.pex = f.p - f.K1;
    f.q = d->q;
    f.L0 = f.pex + f.q;
    f.st = (gw_hdfe_stats){1, 0, 1};
    f.tss = NAN;
    f.tss_w = NAN;
    if ((rc = iv_work_setup(&f)) == GW_OK && (rc = iv_first_stages(&f)) == GW_OK &&
        (rc = iv_keep_columns(&f)) == GW_OK && (rc = iv_second_stage(&f)) == GW_OK &&
        (rc = iv_variance(&f)) == GW_OK && (rc = iv_result(&f)) == GW_OK &&
        (rc = iv_first_stage_tests(&f)) == GW_OK && (rc = iv_overid(&f)) == GW_OK &&
        (rc = iv_wu_hausman(&f)) == GW_OK && (rc = iv_move_first_stages(&f)) == GW_OK) {
        *out = f.mm.r;
        f.mm.r = NULL;
    }
    gw_free(f.Anames_k);
    gw_free(f.dnames);
    mem_free(&f.mm, f.K1);
    return rc;
}

/* gwi_scale_fit's callback: 2SLS of d (the design or its scaled copy); ctx is the options. */
static gw_status iv_fit_at(void *ctx, const gw_design *d, gw_design *own, int yexp, gw_result **out)
{
    (void)own;
    (void)yexp;
    return iv_fit_checked(d, ctx, out);
}

/* Extreme scales (gw_ols.h, "Scale"; scale.c): the first stages, the second stage, the demeaning
 * and the diagnostics all form sums of squares of the data, so the columns of X, y and the
 * instruments are scanned first (one pass, against the many of a 2SLS fit) and, when one is
 * outside the safe window, the fit runs on a copy scaled by powers of two. 2SLS is equivariant
 * under such scalings: coefficient j scales by 2^(ey - e_j), each first stage's by the
 * endogenous column's over the regressor's, and every diagnostic (F, partial R^2, Cragg-Donald,
 * Kleibergen-Paap, Sargan/Hansen, Wu-Hausman) is a ratio of like-scaled quantities. */
gw_status gw_iv_fit(const gw_design *d, const gw_ols_opts *opts_in, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    const gw_ols_opts *opts = opts_in ? opts_in : &defaults;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if ((rc = check(d, opts)) != GW_OK)
        return rc;
    (void)gw_threads_get();
    return gwi_scale_fit(d, 1, GWI_UNSCALE_LINEAR, iv_fit_at, (void *)(uintptr_t)opts, out);
}
