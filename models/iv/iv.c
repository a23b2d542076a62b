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
    const double *Wg;  /* ... and the size of each level                              */
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
        const double om = 1.0 - h - (w->Wg != NULL ? 1.0 / w->Wg[w->gc[i]] : 0.0);
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
    if (d->w != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "analytic weights with 2SLS are not supported");
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
} iv_mem;

static void mem_free(iv_mem *mm, size_t K1)
{
    gw_result_free(mm->r);
    gw_result_free(mm->aug);
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

/* Weak-identification statistics (cd_f, kp_f, kp_lm) into r. */
static gw_status weak_id(const iv_work *w, const gw_ols_opts *opts, iv_mem *mm, size_t K1, size_t q,
                         size_t p2k, size_t L, const double *Pi, const gw_factor *cl, int robust_ok,
                         gw_result *r)
{
    const size_t m = w->m;
    gw_status rc;
    const size_t nsm = 8 * (q + K1) * (q + K1) + 8 * (q + K1) + 64;
    double *ws = gw_alloc_array(nsm, sizeof *ws);
    if (ws == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the diagnostics workspace");
    double *ZZ = ws, *XX = ZZ + q * q, *EE = XX + K1 * K1, *C = EE + K1 * K1, *ev = C + K1 * K1,
           *T = ev + q + K1, *Th = T + (q + K1) * (q + K1), *vec = Th + q * K1,
           *wk = vec + (q + K1) * (q + K1);
    if ((rc = xprod(m, mm->Zt, q, mm->Zt, q, ZZ)) != GW_OK ||
        (rc = xprod(m, mm->Xt, K1, mm->Xt, K1, XX)) != GW_OK ||
        (rc = xprod(m, mm->E, K1, mm->E, K1, EE)) != GW_OK)
        goto done;
    for (size_t j = 0; j < K1; j++)
        r->fs_partial_r2[j] = 1.0 - EE[j + j * K1] / XX[j + j * K1];

    /* Cragg-Donald: C = R^-T (Pi'ZZ Pi) R^-1 with E'E = R'R. */
    {
        double *ZP = T; /* q x K1: ZZ Pi */
        for (size_t b = 0; b < K1; b++)
            for (size_t a = 0; a < q; a++) {
                double s = 0.0;
                for (size_t t = 0; t < q; t++)
                    s += ZZ[a + t * q] * Pi[t + b * q];
                ZP[a + b * q] = s;
            }
        for (size_t b = 0; b < K1; b++)
            for (size_t a = 0; a < K1; a++) {
                double s = 0.0;
                for (size_t t = 0; t < q; t++)
                    s += Pi[t + a * q] * ZP[t + b * q];
                C[a + b * K1] = s;
            }
        double *R = vec;
        memcpy(R, EE, K1 * K1 * sizeof *R);
        if (chol_upper(K1, R) == 0) {
            for (size_t b = 0; b < K1; b++) /* columns: R^-T C */
                solve_rt(K1, R, C + b * K1);
            for (size_t a = 0; a < K1; a++) { /* rows: (R^-T C) R^-1 */
                for (size_t b = 0; b < K1; b++)
                    wk[b] = C[a + b * K1];
                solve_rt(K1, R, wk); /* (row R^-1) = (R^-T row')' */
                for (size_t b = 0; b < K1; b++)
                    C[a + b * K1] = wk[b];
            }
            if (gw_eig_sym(K1, C, ev, NULL) == GW_OK) {
                const double lmin = ev[0], dfc = (double)m - (double)L - w->Diid;
                r->cd_f = lmin * dfc / (double)q;
                if (opts->vcov == GW_VCOV_IID) {
                    r->kp_lm = (double)m * lmin / (1.0 + lmin);
                    r->kp_lm_df = (double)(q - K1 + 1);
                    r->kp_lm_p = gsl_cdf_chisq_Q(r->kp_lm, r->kp_lm_df);
                }
            }
        }
    }
    (void)p2k;
    if (opts->vcov == GW_VCOV_IID || !robust_ok)
        goto done;

    /* Kleibergen-Paap. Theta = Fz Pi Gx^-1. */
    {
        const size_t rr = q - K1 + 1;
        double *Fz = gw_alloc_array(q * q + K1 * K1 + q * q + K1 * K1 + q * rr * 3 + rr * rr * 4 +
                                        K1 * 2 + rr + 16,
                                    sizeof(double));
        double *Ub = gw_alloc_array(m * rr + 1, sizeof(double));
        if (Fz == NULL || Ub == NULL) {
            gw_free(Fz);
            gw_free(Ub);
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the rank-test workspace");
            goto done;
        }
        double *Gx = Fz + q * q, *Uq = Gx + K1 * K1, *Vk = Uq + q * q, *aq = Vk + K1 * K1,
               *alpha = aq + q * rr, *U2 = alpha + q * rr, *U22 = U2 + q * rr, *Tm = U22 + rr * rr,
               *Wv = Tm + rr * rr, *Qm = Wv + rr * rr, *bq = Qm + rr * rr, *beta = bq + K1,
               *lam = beta + K1;
        double stat_w = NAN, stat_lm = NAN;
        memcpy(Fz, ZZ, q * q * sizeof *Fz);
        memcpy(Gx, XX, K1 * K1 * sizeof *Gx);
        if (chol_upper(q, Fz) != 0 || chol_upper(K1, Gx) != 0)
            goto kp_end;
        /* Th = Fz Pi, then right-multiply by Gx^-1 row by row. */
        for (size_t b = 0; b < K1; b++)
            for (size_t a = 0; a < q; a++) {
                double s = 0.0;
                for (size_t t = a; t < q; t++)
                    s += Fz[a + t * q] * Pi[t + b * q];
                Th[a + b * q] = s;
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
                double s = 0.0;
                for (size_t t = 0; t < q; t++)
                    s += Th[t + a * q] * Th[t + b * q];
                T[a + b * K1] = s;
            }
        if (gw_eig_sym(K1, T, ev, Vk) != GW_OK)
            goto kp_end;
        const double sgn = Vk[K1 - 1] < 0.0 ? -1.0 : 1.0;
        for (size_t k = 0; k < K1; k++)
            bq[k] = sgn * Vk[k];
        /* Left singular vectors: the rr smallest eigenvectors of Th Th' span the complement of
         * the K1 - 1 largest left singular vectors. */
        for (size_t b = 0; b < q; b++)
            for (size_t a = 0; a < q; a++) {
                double s = 0.0;
                for (size_t t = 0; t < K1; t++)
                    s += Th[a + t * q] * Th[b + t * q];
                T[a + b * q] = s;
            }
        if (gw_eig_sym(q, T, ev, Uq) != GW_OK)
            goto kp_end;
        for (size_t c = 0; c < rr; c++)
            for (size_t a = 0; a < q; a++)
                U2[a + c * q] = Uq[a + c * q];
        for (size_t c = 0; c < rr; c++)
            for (size_t a = 0; a < rr; a++)
                U22[a + c * rr] = U2[(K1 - 1 + a) + c * q];
        /* aq = U2 Q', Q = (U22 U22')^-1/2 U22 (the orthogonal polar factor of U22). */
        for (size_t b = 0; b < rr; b++)
            for (size_t a = 0; a < rr; a++) {
                double s = 0.0;
                for (size_t t = 0; t < rr; t++)
                    s += U22[a + t * rr] * U22[b + t * rr];
                Tm[a + b * rr] = s;
            }
        if (gw_eig_sym(rr, Tm, ev, Wv) != GW_OK || !(ev[0] > 0.0))
            goto kp_end;
        for (size_t b = 0; b < rr; b++) /* Tm <- W diag(ev^-1/2) W' */
            for (size_t a = 0; a < rr; a++) {
                double s = 0.0;
                for (size_t t = 0; t < rr; t++)
                    s += Wv[a + t * rr] * Wv[b + t * rr] / sqrt(ev[t]);
                Tm[a + b * rr] = s;
            }
        for (size_t b = 0; b < rr; b++)
            for (size_t a = 0; a < rr; a++) {
                double s = 0.0;
                for (size_t t = 0; t < rr; t++)
                    s += Tm[a + t * rr] * U22[t + b * rr];
                Qm[a + b * rr] = s;
            }
        for (size_t c = 0; c < rr; c++)
            for (size_t a = 0; a < q; a++) {
                double s = 0.0;
                for (size_t t = 0; t < rr; t++)
                    s += U2[a + t * q] * Qm[c + t * rr];
                aq[a + c * q] = s;
            }
        /* lam = aq' Th bq; alpha = Fz^-1 aq; beta = Gx^-1 bq. */
        for (size_t c = 0; c < rr; c++) {
            double s = 0.0;
            for (size_t a = 0; a < q; a++) {
                double tb = 0.0;
                for (size_t k = 0; k < K1; k++)
                    tb += Th[a + k * q] * bq[k];
                s += aq[a + c * q] * tb;
            }
            lam[c] = s;
            memcpy(alpha + c * q, aq + c * q, q * sizeof(double));
            solve_r(q, Fz, alpha + c * q);
        }
        memcpy(beta, bq, K1 * sizeof(double));
        solve_r(K1, Gx, beta);
        if ((rc = kp_stat(w, cl, mm->Zt, q, mm->E, K1, alpha, beta, lam, rr, Ub, wk, &stat_w)) !=
                GW_OK ||
            (rc = kp_stat(w, cl, mm->Zt, q, mm->Xt, K1, alpha, beta, lam, rr, Ub, wk, &stat_lm)) !=
                GW_OK) {
            gw_free(Fz);
            gw_free(Ub);
            goto done;
        }
    kp_end:;
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
        gw_free(Fz);
        gw_free(Ub);
    }
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

gw_status gw_iv_fit(const gw_design *d, const gw_ols_opts *opts_in, gw_result **out)
{
    const gw_ols_opts defaults = {0};
    const gw_ols_opts *opts = opts_in ? opts_in : &defaults;
    gw_status rc;
    iv_mem mm;
    iv_work w;
    gw_factor cl[2];
    gwi_vcov_info info;
    gw_hdfe_stats st = {1, 0, 1};
    double tss = NAN, tss_w = NAN;
    const double *yorig = NULL;
    memset(&mm, 0, sizeof mm);
    memset(&w, 0, sizeof w);
    memset(cl, 0, sizeof cl);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if ((rc = check(d, opts)) != GW_OK)
        return rc;
    (void)gw_threads_get();
    const size_t n = d->n, p = d->p, K1 = d->n_endog, pex = p - K1, q = d->q, L0 = pex + q;
    const gw_vcov_kind kind = opts->vcov;

    /* ---- the working data ---- */
    w.kind = kind;
    w.base.response = d->response;
    w.base.nobs_dropped_missing = d->nobs_dropped_missing;
    if (d->nfe > 0) {
        gw_hdfe_opts ho = {opts->fe_tol, opts->fe_maxiter,
                           (opts->flags & GW_OLS_KEEP_SINGLETONS) ? GW_HDFE_KEEP_SINGLETONS : 0u};
        if ((rc = gw_hdfe_new(d->fe, d->nfe, n, NULL, &ho, &mm.h)) != GW_OK)
            return gwi_fail_keep(rc);
        const size_t m = gw_hdfe_nobs(mm.h), ncol = 1 + p + q;
        if ((mm.buf = gw_alloc_array(m * (ncol + 1), sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the %zu x %zu working copy", m, ncol);
            goto done;
        }
        double *yw = mm.buf, *Xw = yw + m, *Zw = Xw + m * p, *yo = Zw + m * q;
        gw_hdfe_compact(mm.h, d->y, yw);
        for (size_t j = 0; j < p; j++)
            gw_hdfe_compact(mm.h, d->X + j * n, Xw + j * m);
        for (size_t j = 0; j < q; j++)
            gw_hdfe_compact(mm.h, d->Z + j * n, Zw + j * m);
        memcpy(yo, yw, m * sizeof *yo);
        yorig = yo;
        {
            double s = 0.0;
            for (size_t i = 0; i < m; i++)
                s += yo[i];
            const double mu = s / (double)m;
            double t = 0.0;
            for (size_t i = 0; i < m; i++)
                t += (yo[i] - mu) * (yo[i] - mu);
            tss = t;
        }
        double **cols = gw_alloc_array(ncol, sizeof *cols);
        if (cols == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate column pointers");
            goto done;
        }
        for (size_t j = 0; j < ncol; j++)
            cols[j] = yw + j * m;
        rc = gw_hdfe_demean(mm.h, cols, ncol, &st);
        gw_free(cols);
        if (rc != GW_OK)
            goto done;
        tss_w = sumsq(m, yw);
        for (size_t v = 0; v < d->ncluster && v < 2; v++) {
            cl[v] = d->cluster[v];
            if (m == n || d->cluster[v].codes == NULL)
                continue;
            if ((mm.clc[v] = gw_alloc_array(m, sizeof(int32_t))) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu cluster codes", m);
                goto done;
            }
            const size_t *rows = gw_hdfe_rows(mm.h);
            for (size_t i = 0; i < m; i++)
                mm.clc[v][i] = d->cluster[v].codes[rows[i]];
            cl[v].codes = mm.clc[v];
        }
        w.m = m;
        w.y = yw;
        w.X = Xw;
        w.Z = Zw;
        w.fe = 1;
        w.base.has_intercept = 0;
    } else {
        w.m = n;
        w.y = d->y;
        w.X = d->X;
        w.Z = d->Z;
        w.base.has_intercept = d->has_intercept;
        for (size_t v = 0; v < d->ncluster && v < 2; v++)
            cl[v] = d->cluster[v];
        yorig = d->y;
    }
    const size_t m = w.m;
    w.base.n = m;
    w.base.cluster = d->ncluster ? cl : NULL;
    w.base.ncluster = d->ncluster;
    if ((rc = gwi_vcov_check(&w.base,
                             kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3 ? GW_VCOV_HC0 : kind,
                             &info)) != GW_OK)
        goto done;
    if (w.fe && (rc = fe_dof(d, mm.h, cl, opts, &w.Diid, &w.Dcl)) != GW_OK)
        goto done;
    if (w.fe && (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3)) {
        if ((mm.Wg = gw_calloc(gw_hdfe_levels(mm.h, 0) + 1, sizeof *mm.Wg)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate level sizes");
            goto done;
        }
        w.gc = gw_hdfe_codes(mm.h, 0);
        for (size_t i = 0; i < m; i++)
            mm.Wg[w.gc[i]] += 1.0;
        w.Wg = mm.Wg;
    }
    if (!w.fe) {
        /* TSS of y: around the mean with an intercept, uncentred without (AER). */
        double s = 0.0, t = 0.0;
        for (size_t i = 0; i < m; i++)
            s += d->y[i];
        const double mu = d->has_intercept ? s / (double)m : 0.0;
        for (size_t i = 0; i < m; i++)
            t += (d->y[i] - mu) * (d->y[i] - mu);
        tss = t;
    }

    /* ---- first stages: X1_j on A = [X2, Z1] ---- */
    if ((mm.A = gw_alloc_array(m * L0, sizeof(double))) == NULL ||
        (mm.anames = gw_calloc(L0 + p + 2 * K1 + 1, sizeof(char *))) == NULL ||
        (mm.fs = gw_calloc(K1, sizeof *mm.fs)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the first-stage design (%zu x %zu)", m, L0);
        goto done;
    }
    memcpy(mm.A, w.X, m * pex * sizeof(double));
    memcpy(mm.A + m * pex, w.Z, m * q * sizeof(double));
    for (size_t j = 0; j < pex; j++)
        mm.anames[j] = d->terms[j];
    for (size_t j = 0; j < q; j++)
        mm.anames[pex + j] = d->inst_terms[j];
    for (size_t j = 0; j < K1; j++)
        if ((rc = work_ols(&w, opts, mm.A, L0, mm.anames, w.X + (pex + j) * m,
                           GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED, &mm.fs[j])) != GW_OK)
            goto done;
    /* Which columns of A were kept: the result lists them in design order. */
    int *keptA = gw_calloc(L0 + 1, sizeof *keptA);
    if (keptA == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate flags");
        goto done;
    }
    size_t p2k = 0, qk = 0;
    for (size_t j = 0, t = 0; j < L0; j++)
        if (t < mm.fs[0]->k && strcmp(mm.anames[j], mm.fs[0]->terms[t]) == 0) {
            keptA[j] = 1;
            t++;
            if (j < pex)
                p2k++;
            else
                qk++;
        }
    if (qk < K1) {
        gw_free(keptA);
        rc = gwi_fail(GW_ERANK,
                      "underidentified: %zu of the %zu excluded instruments remain after "
                      "dropping collinear ones, fewer than the endogenous regressors (%zu)",
                      qk, q, K1);
        goto done;
    }
    const size_t pk = p2k + K1, L = p2k + qk;
    /* Kept exogenous and instrument columns, compacted in A's order; names after them. */
    char **knames = mm.anames + L0, **dnames = NULL;
    size_t ndropped = 0;
    {
        size_t c = 0;
        for (size_t j = 0; j < L0; j++)
            if (keptA[j]) {
                if (c != j)
                    memcpy(mm.A + c * m, mm.A + j * m, m * sizeof(double));
                c++;
            } else
                ndropped++;
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
    if (ndropped > 0 && (dnames = gw_calloc(ndropped, sizeof *dnames)) == NULL) {
        gw_free(keptA);
        rc = gwi_fail(GW_ENOMEM, "cannot allocate names");
        goto done;
    }
    for (size_t j = 0, t = 0; j < L0; j++)
        if (!keptA[j])
            dnames[t++] = mm.anames[j];
    /* ... from here A = [X2k, Z1k] (m x L), compacted; anames[0..L0) still the original. */
    char **Anames_k = NULL;
    if ((Anames_k = gw_calloc(L + 1, sizeof *Anames_k)) == NULL) {
        gw_free(keptA);
        gw_free(dnames);
        rc = gwi_fail(GW_ENOMEM, "cannot allocate names");
        goto done;
    }
    for (size_t j = 0, t = 0; j < L0; j++)
        if (keptA[j])
            Anames_k[t++] = mm.anames[j];
    gw_free(keptA);

    /* ---- second stage: y on X^ = [X2k, X1^] ---- */
    mm.Xh = gw_alloc_array(m * pk, sizeof(double));
    mm.Xk = gw_alloc_array(m * pk, sizeof(double));
    mm.e = gw_alloc_array(m, sizeof(double));
    mm.V = gw_alloc_array(pk * pk, sizeof(double));
    if (mm.Xh == NULL || mm.Xk == NULL || mm.e == NULL || mm.V == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the second-stage design (%zu x %zu)", m, pk);
        goto names_done;
    }
    memcpy(mm.Xh, mm.A, m * p2k * sizeof(double));
    memcpy(mm.Xk, mm.A, m * p2k * sizeof(double));
    for (size_t j = 0; j < K1; j++) {
        memcpy(mm.Xh + (p2k + j) * m, mm.fs[j]->fitted, m * sizeof(double));
        memcpy(mm.Xk + (p2k + j) * m, w.X + (pex + j) * m, m * sizeof(double));
    }
    {
        gw_design wd = w.base;
        wd.X = mm.Xh;
        wd.p = pk;
        wd.terms = knames;
        wd.y = (double *)(uintptr_t)w.y;
        gw_ls_opts lo = opts->ls;
        lo.hook = NULL;
        lo.flags |= GW_LS_NO_FITTED | GW_LS_NO_RESID;
        if ((rc = gw_ls_fit(&wd, lo, &mm.ls2)) != GW_OK) {
            rc = gwi_fail_keep(rc);
            goto names_done;
        }
    }
    if (gw_ls_rank(mm.ls2) < pk) {
        const int *al = gw_ls_aliased(mm.ls2);
        size_t j = 0;
        while (j < pk && !al[j])
            j++;
        rc = gwi_fail(GW_ERANK,
                      "'%s' is not identified: its first-stage fit is collinear with the other "
                      "regressors (instruments too weak or collinear)",
                      knames[j < pk ? j : pk - 1]);
        goto names_done;
    }
    const double *b = gw_ls_coef(mm.ls2);
    /* Structural residuals with the actual regressors (blocked, each row independent). */
    {
        const long nbl = (long)gw_nblocks(m);
#pragma omp parallel for schedule(static)
        for (long bb = 0; bb < nbl; bb++) {
            size_t first, count;
            gw_block_range(m, (size_t)bb, &first, &count);
            for (size_t i = first; i < first + count; i++) {
                double s = w.y[i];
                for (size_t j = 0; j < pk; j++)
                    s -= mm.Xk[j * m + i] * b[j];
                mm.e[i] = s;
            }
        }
    }
    const double rss = sumsq(m, mm.e);

    /* ---- variance ---- */
    gw_design wd2 = w.base;
    wd2.X = mm.Xh;
    wd2.p = pk;
    wd2.terms = knames;
    wd2.y = (double *)(uintptr_t)w.y;
    const gw_vcov_kind keff = (kind == GW_VCOV_HC2 || kind == GW_VCOV_HC3) ? GW_VCOV_HC0 : kind;
    const double *bread = gw_ls_bread(mm.ls2);
    const double *resid_v = mm.e;
    if (keff != kind) {
        if ((mm.radj = gw_alloc_array(m, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu residuals", m);
            goto names_done;
        }
        if ((rc = lev_resid(&w, mm.Xk, mm.Xh, pk, bread, mm.e, kind == GW_VCOV_HC3 ? 1.0 : 0.5,
                            mm.radj)) != GW_OK)
            goto names_done;
        resid_v = mm.radj;
    }
    int *noalias = gw_calloc(pk, sizeof *noalias);
    size_t *keep = gw_alloc_array(pk, sizeof *keep);
    if (noalias == NULL || keep == NULL) {
        gw_free(noalias);
        gw_free(keep);
        rc = gwi_fail(GW_ENOMEM, "cannot allocate indices");
        goto names_done;
    }
    for (size_t j = 0; j < pk; j++)
        keep[j] = j;
    {
        gwi_ls_view v = {m,
                         pk,
                         pk,
                         b,
                         resid_v,
                         NULL,
                         bread,
                         noalias,
                         rss,
                         gw_ls_rcond(mm.ls2),
                         gw_ls_near_singular(mm.ls2),
                         gw_ls_method_used(mm.ls2)};
        rc = gwi_vcov(&wd2, &v, keff, keep, pk, mm.V, &info);
    }
    gw_free(noalias);
    gw_free(keep);
    if (rc != GW_OK)
        goto names_done;

    /* ---- the result ---- */
    char vname[512];
    gw_result *r = NULL;
    if ((rc = gw_result_new(pk, &mm.r)) != GW_OK)
        goto names_done;
    r = mm.r;
    if ((rc = gwi_vcov_name(&wd2, keff, vname, sizeof vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->estimator, "2sls")) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, keff != kind ? (kind == GW_VCOV_HC2 ? "hc2" : "hc3")
                                                            : vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, d->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, gw_ls_method_used(mm.ls2))) != GW_OK)
        goto names_done;
    for (size_t j = 0; j < pk; j++)
        if ((r->terms[j] = gw_strdup(knames[j])) == NULL)
            goto nomem;
    if (ndropped > 0) {
        if ((r->dropped_collinear = gw_calloc(ndropped, sizeof(char *))) == NULL)
            goto nomem;
        r->ndropped = ndropped;
        for (size_t j = 0; j < ndropped; j++)
            if ((r->dropped_collinear[j] = gw_strdup(dnames[j])) == NULL)
                goto nomem;
    }
    const double nn = (double)m, kk = (double)pk, dfr0 = nn - kk, dfr = nn - kk - w.Diid;
    {
        const double c = dof_factor(&w, kk);
        for (size_t j = 0; j < pk; j++)
            r->estimate[j] = b[j];
        for (size_t j = 0; j < pk * pk; j++)
            r->vcov[j] = mm.V[j] * (w.fe ? c : 1.0);
    }
    r->nobs = m;
    r->nobs_dropped_missing = d->nobs_dropped_missing;
    r->df_resid = dfr;
    r->n_cluster_vars = info.nvars;
    for (size_t v = 0; v < info.nvars; v++)
        r->n_clusters[v] = info.ngroups[v];
    r->conf_level = opts->conf_level != 0.0 ? opts->conf_level : 0.95;
    r->stat_is_z = 0;
    r->df_inference = kind == GW_VCOV_CLUSTER ? info.df : (dfr > 0.0 ? dfr : (double)NAN);
    gwi_fill_inference(r);
    r->rss = rss;
    r->tss = tss;
    r->r2 = 1.0 - rss / tss;
    {
        const double icpt = (w.fe || d->has_intercept) ? 1.0 : 0.0;
        r->adj_r2 = dfr > 0.0 ? 1.0 - (1.0 - r->r2) * ((nn - icpt) / dfr) : (double)NAN;
    }
    if (w.fe)
        r->r2_within = 1.0 - rss / tss_w;
    r->rmse = dfr > 0.0 ? sqrt(rss / dfr) : (double)NAN;
    (void)dfr0;
    r->rank = pk;
    r->rcond = gw_ls_rcond(mm.ls2);
    r->near_singular = gw_ls_near_singular(mm.ls2);
    r->iterations = st.iterations;
    r->converged = st.converged;
    /* Overall Wald F of the slopes. */
    {
        size_t *idx = gw_alloc_array(pk + 1, sizeof *idx);
        double *wk = gw_alloc_array(2 * pk * pk + pk + 1, sizeof *wk);
        if (idx == NULL || wk == NULL) {
            gw_free(idx);
            gw_free(wk);
            goto nomem;
        }
        size_t nq = 0;
        for (size_t j = 0; j < pk; j++)
            if (!(!w.fe && d->has_intercept && j == 0))
                idx[nq++] = j;
        r->f_df1 = (double)nq;
        r->f_df2 = r->df_inference;
        r->f_stat = (nq > 0 && !(kind == GW_VCOV_CLUSTER && (double)nq > r->df_inference))
                        ? gwi_wald_f(r, idx, nq, wk)
                        : (double)NAN;
        r->f_p_value = (isfinite(r->f_stat) && r->f_df2 > 0.0)
                           ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, r->f_df2)
                           : (double)NAN;
        gw_free(idx);
        gw_free(wk);
    }
    if (w.fe) {
        r->singletons_dropped = gw_hdfe_singletons(mm.h);
        if ((r->fixed_effects = gw_calloc(d->nfe, sizeof *r->fixed_effects)) == NULL)
            goto nomem;
        r->nfe = d->nfe;
        for (size_t g = 0; g < d->nfe; g++) {
            r->fixed_effects[g].levels = gw_hdfe_levels(mm.h, g);
            if ((rc = gw_result_set_str(&r->fixed_effects[g].name, d->fe[g].name)) != GW_OK)
                goto names_done;
        }
    }
    if (opts->flags & (GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED)) {
        if ((r->residuals = gw_alloc_array(m, sizeof(double))) == NULL ||
            (r->fitted = gw_alloc_array(m, sizeof(double))) == NULL)
            goto nomem;
        for (size_t i = 0; i < m; i++) {
            r->residuals[i] = mm.e[i];
            r->fitted[i] = yorig[i] - mm.e[i];
        }
        if (!(opts->flags & GW_OLS_KEEP_RESIDUALS)) {
            gw_free(r->residuals);
            r->residuals = NULL;
        }
        if (!(opts->flags & GW_OLS_KEEP_FITTED)) {
            gw_free(r->fitted);
            r->fitted = NULL;
        }
    }

    /* ---- IV fields and first stages ---- */
    if ((rc = gw_result_alloc_iv(r, K1, qk)) != GW_OK)
        goto names_done;
    for (size_t j = 0; j < K1; j++)
        if ((r->endog_terms[j] = gw_strdup(d->terms[pex + j])) == NULL)
            goto nomem;
    for (size_t j = 0; j < qk; j++)
        if ((r->inst_terms[j] = gw_strdup(Anames_k[p2k + j])) == NULL)
            goto nomem;
    if ((mm.small = gw_alloc_array(2 * L * L + 4 * L + 16, sizeof(double))) == NULL)
        goto nomem;
    double *Pi = gw_alloc_array(qk * K1 + 1, sizeof(double));
    size_t *iidx = gw_alloc_array(qk + 1, sizeof(size_t));
    if (Pi == NULL || iidx == NULL) {
        gw_free(Pi);
        gw_free(iidx);
        goto nomem;
    }
    for (size_t t = 0; t < qk; t++)
        iidx[t] = p2k + t;
    for (size_t j = 0; j < K1; j++) {
        gw_result *f = mm.fs[j];
        r->fs_f[j] = (!(kind == GW_VCOV_CLUSTER && (double)qk > f->df_inference))
                         ? gwi_wald_f(f, iidx, qk, mm.small)
                         : (double)NAN;
        r->fs_df1[j] = (double)qk;
        r->fs_df2[j] = f->df_inference;
        r->fs_p[j] = (isfinite(r->fs_f[j]) && f->df_inference > 0.0)
                         ? gsl_cdf_fdist_Q(r->fs_f[j], (double)qk, f->df_inference)
                         : (double)NAN;
        for (size_t t = 0; t < qk; t++)
            Pi[t + j * qk] = f->estimate[p2k + t];
    }
    gw_free(iidx);

    /* ---- partialled X1~, Z1~ and the first-stage residuals ---- */
    mm.Xt = gw_alloc_array(m * K1, sizeof(double));
    mm.Zt = gw_alloc_array(m * qk, sizeof(double));
    mm.E = gw_alloc_array(m * K1, sizeof(double));
    if (mm.Xt == NULL || mm.Zt == NULL || mm.E == NULL) {
        gw_free(Pi);
        goto nomem;
    }
    for (size_t j = 0; j < K1; j++) {
        memcpy(mm.Xt + j * m, w.X + (pex + j) * m, m * sizeof(double));
        memcpy(mm.E + j * m, mm.fs[j]->residuals, m * sizeof(double));
    }
    memcpy(mm.Zt, mm.A + p2k * m, m * qk * sizeof(double));
    if ((rc = partial_out(&w, opts, mm.A, p2k, Anames_k, mm.Xt, K1)) != GW_OK ||
        (rc = partial_out(&w, opts, mm.A, p2k, Anames_k, mm.Zt, qk)) != GW_OK) {
        gw_free(Pi);
        goto names_done;
    }
    const int robust_ok = kind == GW_VCOV_IID || d->ncluster <= 1;
    const gw_factor *cl1 = kind == GW_VCOV_CLUSTER ? &cl[0] : NULL;
    rc = weak_id(&w, opts, &mm, K1, qk, p2k, L, Pi, cl1, robust_ok, r);
    gw_free(Pi);
    if (rc != GW_OK)
        goto names_done;

    /* ---- over-identification ---- */
    if (qk > K1) {
        if ((rc = overid(&w, opts, mm.A, L, Anames_k, mm.Xk, pk, mm.e, cl1, robust_ok, mm.Xt, r)) !=
            GW_OK)
            goto names_done;
        r->overid_df = (double)(qk - K1);
        r->overid_p =
            isfinite(r->overid_stat) ? gsl_cdf_chisq_Q(r->overid_stat, r->overid_df) : (double)NAN;
    }

    /* ---- Wu-Hausman: y on [X, V^] ---- */
    {
        double *Aug = gw_alloc_array(m * (pk + K1), sizeof(double));
        if (Aug == NULL)
            goto nomem;
        memcpy(Aug, mm.Xk, m * pk * sizeof(double));
        memcpy(Aug + m * pk, mm.E, m * K1 * sizeof(double));
        rc = work_ols(&w, opts, Aug, pk + K1, knames, w.y, 0u, &mm.aug);
        gw_free(Aug);
        if (rc != GW_OK)
            goto names_done;
        gw_result *a = mm.aug;
        if (a->k == pk + K1) {
            size_t idx[64];
            double *wk = gw_alloc_array(2 * K1 * K1 + K1 + 1, sizeof(double));
            if (wk == NULL || K1 > 64) {
                gw_free(wk);
                goto nomem;
            }
            for (size_t j = 0; j < K1; j++)
                idx[j] = pk + j;
            r->endog_stat = (!(kind == GW_VCOV_CLUSTER && (double)K1 > a->df_inference))
                                ? gwi_wald_f(a, idx, K1, wk)
                                : (double)NAN;
            gw_free(wk);
        }
        r->endog_df1 = (double)K1;
        r->endog_df2 = a->df_inference;
        r->endog_p = (isfinite(r->endog_stat) && a->df_inference > 0.0)
                         ? gsl_cdf_fdist_Q(r->endog_stat, r->endog_df1, r->endog_df2)
                         : (double)NAN;
    }

    /* The first stages move into the result (their residuals and fitted values are dropped). */
    for (size_t j = 0; j < K1; j++) {
        gw_result *f = mm.fs[j];
        gw_free(f->residuals);
        gw_free(f->fitted);
        f->residuals = f->fitted = NULL;
        if ((rc = gw_result_set_str(&f->estimator, "ols")) != GW_OK)
            goto names_done;
        r->first_stage[j] = f;
        mm.fs[j] = NULL;
    }
    *out = r;
    mm.r = NULL;
    rc = GW_OK;
    goto names_done;
nomem:
    rc = gwi_fail(GW_ENOMEM, "out of memory building the 2SLS result");
names_done:
    gw_free(Anames_k);
    gw_free(dnames);
done:
    mem_free(&mm, K1);
    return rc;
}
