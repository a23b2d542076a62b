/* glm_fe.c -- GLMs with absorbed fixed effects: Poisson pseudo-maximum likelihood (PPML, as R
 * fixest's fepois and Stata's ppmlhdfe), logit and probit with fixed effects (fixest's feglm).
 *
 * Model: g(mu_i) = eta_i = x_i'b + sum_g alpha_g[l_g(i)], the alphas absorbed (never reported).
 * Notation as gw_glm.h: a_i prior weights, W_i = a_i mu'_i^2 / V(mu_i) working weights,
 * r_i = (y_i - mu_i) / mu'_i working residuals, z_i = eta_i + r_i the working response.
 *
 * 1. Separation and singletons (before fitting, on the rows of the design). Repeated until a
 *    pass changes nothing, in this order within a pass:
 *    a. singletons: rows whose level of some set occurs once among the rows kept (unless
 *       GW_GLM_KEEP_SINGLETONS); counted in singletons_dropped;
 *    b. fixed-effect separation: rows in a level of some set whose kept responses are all 0
 *       (Poisson and binomial) or all 1 (binomial): that level's alpha diverges to -inf (+inf)
 *       and the rows are fitted exactly; counted in nobs_separated (as ppmlhdfe and fixest,
 *       which drop them; the regressors are not involved, so dropped_separated lists nothing);
 *    c. regressor separation (the certificate z = x_j of Correia, Guimaraes and Zylkin 2021,
 *       for a single regressor): Poisson: x_j is 0 on every kept row with y > 0, of one sign
 *       on the others, and not all 0; binomial: x_j > 0 only where y = 1 and x_j < 0 only
 *       where y = 0 (or the reverse), not all 0. Then b_j diverges and the rows with
 *       x_j != 0 are fitted exactly: they are dropped (counted in nobs_separated) and x_j,
 *       now all 0, is dropped and named in dropped_separated (as ppmlhdfe: separated rows
 *       dropped, the regressor then collinear).
 *    d. separation by a combination of regressors and fixed effects (which ppmlhdfe finds
 *       with its simplex/ReLU methods, not implemented here) is caught at convergence, as
 *       ppmlhdfe's "mu" check: the separated rows' means drift to the boundary while the
 *       deviance converges (with the default tol their mu is ~1e-8), so rows with y = 0 and
 *       mu < 1e-6 ybar (Poisson; ybar the weighted mean of y) or mu < 1e-6 (binomial), and
 *       binomial y = 1 with 1 - mu < 1e-6, are dropped as separated (nobs_separated) and the
 *       model is fitted again from the start (at most 4 rounds; a fit that still has such rows
 *       is GW_ENOCONV "separation"). The combination is then exactly collinear on the rows
 *       left, and its last regressor is dropped as collinear (dropped_collinear), never
 *       reported with a huge coefficient. Rows dropped this way that were not truly separated
 *       (a legitimate mean below the threshold) carry scores below 1e-6 ybar, so dropping them
 *       changes the estimates negligibly. With a looser user tolerance the separated means
 *       may stay above the threshold (documented risk).
 * 2. IRLS (Fisher scoring) with the fixed effects concentrated out (Frisch-Waugh-Lovell, as
 *    ppmlhdfe and fixest): each iteration sets the working weights W of a gw_hdfe built once
 *    on the kept rows (gw_hdfe_set_weights), demeans z and X with those weights, and solves
 *    the weighted least squares of z~ on X~ (gw_ls_fit). The new linear predictor follows
 *    without the fixed-effect coefficients or X itself: eta = z - z~ + X~b (z - z~ is the
 *    weighted projection of z on the dummies, and z~ - X~b the residual of the full WLS).
 *    Warm start (as ppmlhdfe): X~ is demeaned in place from the previous iteration's X~
 *    (M_W X = M_W X~_old because X - X~_old lies in the span of the dummies), and z~ from
 *    z~_old + (z - z_old); the demeaning then starts next to its solution and takes few steps.
 *    Step-halving toward the previous iterate when the deviance is not finite or increases
 *    (relative increase >= tol; not on the first iteration, whose starting point -- R's
 *    mustart -- is not a point of the model), at most GW_GLM_MAXHALF times. Convergence
 *    |dev - dev_old| / (0.1 + |dev|) < tol (fixest's and R's criterion; tol = opts.tol or
 *    GW_GLM_TOL = 1e-10). Demeaning tolerance opts.fe_tol or GW_HDFE_TOL (~1.2e-10).
 *    The default start is R's mustart (y + 0.1, (y + 1/2)/2), as glm.
 * 3. Variances, at the converged coefficients: one more weighted demeaning of X~ with the
 *    converged W (not counted in `iterations`) gives B = (X~'WX~)^-1 (FWL: the slopes' block
 *    of the inverse information of the full model with dummies).
 *    iid: V = B (dispersion 1), as R glm on the dummy-variable design, fixest's "iid"
 *      without its small-sample factor (see profiles), and ppmlhdfe's vce(ols).
 *    HC0/HC1 and cluster: the sandwich B (sum s s') B of the scores s_i = x~_i W_i r_i (demeaned
 *      regressors, as fixest and ppmlhdfe), through the linear models' variance code with the
 *      fixed-effect degrees of freedom of gw_hdfe.h: HC1 N/(N-K-D*), cluster
 *      G/(G-1) (N-1)/(N-K-D*) (two-way: each term its own G/(G-1)), D* per opts.ssc:
 *        goodwork (default)  iid D; cluster D' = the sets not nested in a cluster variable;
 *        stata               as goodwork, cluster D' + 1 when some set is nested;
 *        statsmodels         D everywhere (dummy-variable design);
 *        fixest              K_f = K + sum L_g - (S - 1) for HC1, K_n (nested rule) for
 *                            cluster, and the iid V multiplied by (N-1)/(N-K_f) (fixest
 *                            applies its adj = (n-1)/(n-K) to every GLM variance; derived
 *                            from fixest's documented rules, not run against fixest here).
 *      HC2/HC3 are GW_EUNSUPPORTED (the full model's GLM hat values are not computed).
 *    fixest's fepois clusters by the first fixed effect by default; ours is iid (the contract)
 *    and clustering is asked for explicitly (--vcov cluster:VAR).
 *    Inference with the normal (z tests), as every GLM.
 * 4. Statistics: loglik = sum a_i l_i at the full mu (fixed effects included); deviance;
 *    null_deviance and the null log-likelihood of the intercept-only model (mu = the weighted
 *    mean of y over the rows used), as R glm on the dummy design and fixest's pseudo R2:
 *    pseudo_r2 = 1 - loglik / loglik_null (McFadden). fixest also reports a "within" pseudo
 *    R2 against the fixed-effects-only model; that model is not fitted here. aic = -2 loglik +
 *    2 (K + D), bic = -2 loglik + (K + D) log N (D = gw_hdfe_df: the absorbed parameters,
 *    as the rank of R glm's dummy-variable design); df_resid = N - K - D; dispersion 1.
 *    Average marginal effects (GW_GLM_AME) as gw_glm.h, over the rows used, at the full
 *    linear predictor (fixed effects included) with the original regressors.
 *
 * Determinism: separation passes are serial integer counts; every sum over rows is a
 * reduction over GW_BLOCK_ROWS blocks combined in block order; the demeaning and gw_ls_fit
 * are thread-count invariant: the result is bit-identical for any number of threads. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core_int.h"
#include "glm_int.h"
#include "gw_alloc.h"
#include "gw_glm.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "hdfe_int.h"
#include "models_int.h"

static gwi_glm_link link_of(gw_glm_kind kind)
{
    return kind == GW_GLM_LOGIT    ? GWI_GLM_LOGIT
           : kind == GW_GLM_PROBIT ? GWI_GLM_PROBIT
                                   : GWI_GLM_POISSON;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation.                                                                                */

gw_status gwi_glm_fe_check_opts(const gw_glm_opts *o, size_t ncluster)
{
    if ((int)o->kind < 0 || o->kind >= GW_GLM_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown GLM kind %d", (int)o->kind);
    if ((int)o->vcov < 0 || o->vcov >= GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)o->vcov);
    if (o->vcov == GW_VCOV_HC2 || o->vcov == GW_VCOV_HC3)
        return gwi_fail(GW_EUNSUPPORTED,
                        "HC2/HC3 with absorbed fixed effects in a GLM: the full model's hat "
                        "values are not computed (use hc1 or cluster)");
    if ((int)o->ssc < 0 || o->ssc >= GW_SSC_NPROFILES)
        return gwi_fail(GW_EINVAL, "unknown small-sample profile %d", (int)o->ssc);
    if (o->vcov == GW_VCOV_CLUSTER && o->ssc == GW_SSC_FIXEST && ncluster == 2)
        return gwi_fail(GW_EUNSUPPORTED,
                        "two-way clustering with the fixest profile (min(G) adjustment) is not "
                        "implemented");
    if (o->conf_level != 0.0 && !(o->conf_level > 0.0 && o->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", o->conf_level);
    if (o->tol != 0.0 && !(o->tol > 0.0 && o->tol < 1.0))
        return gwi_fail(GW_EINVAL, "tolerance %g is not in (0, 1)", o->tol);
    if (o->fe_tol != 0.0 && !(o->fe_tol > 0.0 && o->fe_tol < 1.0))
        return gwi_fail(GW_EINVAL, "fixed-effect tolerance %g is not in (0, 1)", o->fe_tol);
    if (ncluster > 2)
        return gwi_fail(GW_EUNSUPPORTED, "%zu cluster variables; at most 2 are supported",
                        ncluster);
    return GW_OK;
}

static gw_status fe_check(const gw_design *d, const gw_glm_opts *o)
{
    gw_status rc = gwi_fe_design_check(d);
    if (rc != GW_OK)
        return rc;
    if (d->nfe == 0 || d->fe == NULL)
        return gwi_fail(GW_EINVAL, "the design has no absorbed fixed effects");
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables are not available for GLMs");
    if ((rc = gwi_glm_fe_check_opts(o, d->ncluster)) != GW_OK)
        return rc;
    for (size_t g = 0; g < d->nfe; g++) {
        const gw_factor *f = &d->fe[g];
        if (f->codes == NULL || f->nlevels == 0 || f->nlevels > (size_t)INT32_MAX / 2)
            return gwi_fail(GW_EINVAL, "fixed effect %s has no codes or %zu levels",
                            f->name ? f->name : "?", f->nlevels);
        for (size_t i = 0; i < d->n; i++)
            if (f->codes[i] < 0 || (size_t)f->codes[i] >= f->nlevels)
                return gwi_fail(GW_EINVAL, "fixed effect %s: row %zu has code %ld outside 0..%zu",
                                f->name ? f->name : "?", i, (long)f->codes[i], f->nlevels - 1);
    }
    const gwi_glm_link link = link_of(o->kind);
    for (size_t i = 0; i < d->n; i++) {
        size_t row = d->row_index ? d->row_index[i] + 1 : i + 1;
        if (!isfinite(d->y[i]))
            return gwi_fail(GW_ENONFINITE, "the response is not finite at data row %zu", row);
        if (!gwi_glm_valid_y(link, d->y[i]))
            return gwi_fail(GW_EFORMAT, "data row %zu: response %g is outside the %s range", row,
                            d->y[i],
                            link == GWI_GLM_POISSON ? "Poisson [0, inf)" : "binomial [0, 1]");
        if (d->w != NULL && (!(d->w[i] > 0.0) || !isfinite(d->w[i])))
            return gwi_fail(GW_EINVAL, "weight %g at data row %zu is not positive and finite",
                            d->w[i], row);
    }
    for (size_t j = 0; j < d->p; j++)
        for (size_t i = 0; i < d->n; i++)
            if (!isfinite(d->X[j * d->n + i]))
                return gwi_fail(GW_ENONFINITE, "regressor %s is not finite at data row %zu",
                                d->terms[j], d->row_index ? d->row_index[i] + 1 : i + 1);
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Separation (file comment, 1).                                                              */

typedef struct {
    size_t singletons, separated;
    unsigned char *keep;   /* n row flags                            */
    unsigned char *sepcol; /* p flags: regressor dropped as separating */
} sep_out;

/* One set's pass: drop singleton rows (sing) or separated rows (!sing); returns rows dropped. */
static size_t drop_levels(const gw_factor *f, const double *y, size_t n, int binom, int sing,
                          unsigned char *keep, size_t *cnt, size_t *npos, size_t *none)
{
    size_t dropped = 0;
    memset(cnt, 0, f->nlevels * sizeof *cnt);
    memset(npos, 0, f->nlevels * sizeof *npos);
    memset(none, 0, f->nlevels * sizeof *none);
    for (size_t i = 0; i < n; i++)
        if (keep[i]) {
            size_t l = (size_t)f->codes[i];
            cnt[l]++;
            npos[l] += y[i] > 0.0;
            none[l] += y[i] >= 1.0;
        }
    for (size_t i = 0; i < n; i++) {
        if (!keep[i])
            continue;
        size_t l = (size_t)f->codes[i];
        int drop = sing ? cnt[l] == 1 : (npos[l] == 0 || (binom && none[l] == cnt[l]));
        if (drop) {
            keep[i] = 0;
            dropped++;
        }
    }
    return dropped;
}

/* The single-regressor certificate of file comment 1c for column x over the kept rows. */
static int separates(const double *x, const double *y, const unsigned char *keep, size_t n,
                     int binom)
{
    int pos = 0, neg = 0, a_ok = 1, b_ok = 1;
    for (size_t i = 0; i < n; i++) {
        if (!keep[i] || x[i] == 0.0)
            continue;
        pos |= x[i] > 0.0;
        neg |= x[i] < 0.0;
        if (!binom) {
            if (y[i] != 0.0)
                return 0;
        } else {
            /* a: x > 0 => y = 1, x < 0 => y = 0; b: the reverse. */
            if (!((x[i] > 0.0 && y[i] == 1.0) || (x[i] < 0.0 && y[i] == 0.0)))
                a_ok = 0;
            if (!((x[i] > 0.0 && y[i] == 0.0) || (x[i] < 0.0 && y[i] == 1.0)))
                b_ok = 0;
            if (!a_ok && !b_ok)
                return 0;
        }
    }
    if (!pos && !neg)
        return 0; /* all zero: collinear, not separating */
    return binom ? 1 : !(pos && neg);
}

static gw_status separate(const gw_design *d, int binom, int keep_singletons,
                          const unsigned char *pre, sep_out *s)
{
    const size_t n = d->n, p = d->p;
    size_t maxl = 1;
    for (size_t g = 0; g < d->nfe; g++)
        if (d->fe[g].nlevels > maxl)
            maxl = d->fe[g].nlevels;
    size_t *cnt = gw_alloc_array(3 * maxl, sizeof *cnt);
    if (cnt == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu level counts", 3 * maxl);
    memset(s->sepcol, 0, p);
    for (size_t i = 0; i < n; i++) {
        s->keep[i] = !(pre && pre[i]);
        s->separated += (size_t)(pre && pre[i]);
    }
    for (;;) {
        size_t now = 0;
        if (!keep_singletons)
            for (size_t g = 0; g < d->nfe; g++) {
                size_t k = drop_levels(&d->fe[g], d->y, n, binom, 1, s->keep, cnt, cnt + maxl,
                                       cnt + 2 * maxl);
                s->singletons += k;
                now += k;
            }
        for (size_t g = 0; g < d->nfe; g++) {
            size_t k =
                drop_levels(&d->fe[g], d->y, n, binom, 0, s->keep, cnt, cnt + maxl, cnt + 2 * maxl);
            s->separated += k;
            now += k;
        }
        for (size_t j = 0; j < p; j++) {
            const double *x = d->X + j * n;
            if (s->sepcol[j] || !separates(x, d->y, s->keep, n, binom))
                continue;
            s->sepcol[j] = 1;
            for (size_t i = 0; i < n; i++)
                if (s->keep[i] && x[i] != 0.0) {
                    s->keep[i] = 0;
                    s->separated++;
                    now++;
                }
        }
        if (now == 0)
            break;
    }
    gw_free(cnt);
    return GW_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Row loops: elementwise ones in parallel, sums as block reductions in block order.           */

/* mu_i and the deviance sum at eta (a: prior weights or NULL); part: nblocks doubles. Returns
 * the deviance (NaN or inf if some eta is not finite). */
static double deviance_at(gwi_glm_link link, size_t n, const double *y, const double *a,
                          const double *eta, double *mu, double *part)
{
    const size_t nb = gw_nblocks(n);
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double s = 0.0;
        for (size_t i = first; i < first + count; i++) {
            if (!isfinite(eta[i])) {
                s = (double)NAN;
                mu[i] = (double)NAN;
                continue;
            }
            double m = gwi_glm_eval(link, eta[i]).mu;
            mu[i] = m;
            s += (a ? a[i] : 1.0) * gwi_glm_dev(link, y[i], m);
        }
        part[b] = s;
    }
    double dev = 0.0;
    for (size_t b = 0; b < nb; b++)
        dev += part[b];
    return dev;
}

/* Working weights wt, working residuals r (may be NULL) and response z (may be NULL) at eta. */
static void working(gwi_glm_link link, size_t n, const double *y, const double *a,
                    const double *eta, double *wt, double *r, double *z)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        gwi_glm_point pt = gwi_glm_eval(link, eta[i]);
        double e = (y[i] - pt.mu) / pt.dmu;
        wt[i] = (a ? a[i] : 1.0) * pt.dmu * pt.dmu / pt.var;
        if (r)
            r[i] = e;
        if (z)
            z[i] = eta[i] + e;
    }
}

/* sum a_i f(y_i) over blocks in order: loglik (which = 0) or deviance (which = 1) at the
 * constant mean m. */
static double const_sum(gwi_glm_link link, size_t n, const double *y, const double *a, double m,
                        int which, int yexp, double *part)
{
    const size_t nb = gw_nblocks(n);
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double s = 0.0;
        for (size_t i = first; i < first + count; i++)
            s += (a ? a[i] : 1.0) *
                 (which ? gwi_glm_dev(link, y[i], m) : gwi_glm_loglik_at(link, y[i], m, yexp));
        part[b] = s;
    }
    double t = 0.0;
    for (size_t b = 0; b < nb; b++)
        t += part[b];
    return t;
}

/* loglik at mu (blocks in order). */
static double loglik_at(gwi_glm_link link, size_t n, const double *y, const double *a,
                        const double *mu, int yexp, double *part)
{
    const size_t nb = gw_nblocks(n);
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t first, count;
        gw_block_range(n, b, &first, &count);
        double s = 0.0;
        for (size_t i = first; i < first + count; i++)
            s += (a ? a[i] : 1.0) * gwi_glm_loglik_at(link, y[i], mu[i], yexp);
        part[b] = s;
    }
    double t = 0.0;
    for (size_t b = 0; b < nb; b++)
        t += part[b];
    return t;
}

/* Rows separated by a combination of regressors and fixed effects that step 1 does not find
 * (file comment, 1d): at convergence their mean has drifted to the boundary. Flags (over the
 * kept rows) y = 0 with mu < GLM_FE_MU_TOL * ybar (Poisson) or mu < GLM_FE_MU_TOL (binomial),
 * and binomial y = 1 with 1 - mu < GLM_FE_MU_TOL; returns how many. */
#define GLM_FE_MU_TOL 1e-6
static size_t vanishing_rows(gwi_glm_link link, size_t n, const double *y, const double *mu,
                             double ybar, unsigned char *flag)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        int f;
        if (link == GWI_GLM_POISSON)
            f = y[i] == 0.0 && mu[i] < GLM_FE_MU_TOL * ybar;
        else
            f = (y[i] == 0.0 && mu[i] < GLM_FE_MU_TOL) ||
                (y[i] == 1.0 && 1.0 - mu[i] < GLM_FE_MU_TOL);
        flag[i] = (unsigned char)f;
        c += (size_t)f;
    }
    return c;
}

/* ------------------------------------------------------------------------------------------ */
/* The fit.                                                                                   */

gw_status gwi_glm_set_str_list(char ***dst, size_t *count, const char *const *names,
                               const unsigned char *flag, size_t p)
{
    size_t c = 0;
    for (size_t j = 0; j < p; j++)
        c += flag[j] != 0;
    *count = 0;
    if (c == 0)
        return GW_OK;
    if ((*dst = gw_calloc(c, sizeof **dst)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu names", c);
    for (size_t j = 0; j < p; j++)
        if (flag[j]) {
            gw_status rc = gw_result_set_str(&(*dst)[*count], names[j]);
            ++*count;
            if (rc != GW_OK)
                return rc;
        }
    return GW_OK;
}

/* One fit pass (fit_pass) in phases: select the rows and columns (separation), set up the
 * working storage, IRLS, the vanishing-means check, the bread and variance, the labels, the
 * statistics. The phases share one fe_pass; everything it owns is released by pass_free. */
typedef struct {
    const gw_design *d;
    const gw_glm_opts *opts;
    gwi_glm_link link;
    int binom;
    double tol;     /* IRLS: relative deviance change */
    size_t maxiter; /* IRLS */
    size_t n, p, S; /* the design's rows, columns and fixed-effect sets */
    sep_out sp;
    size_t m, K0;   /* rows kept, regressors not separating */
    size_t *rows;   /* m: the kept rows of the design */
    size_t *cols;   /* K0: the regressors not separating */
    size_t *keepc;  /* k: the columns of X~ not aliased */
    size_t *keepd;  /* k: the same as design columns (AME) */
    int32_t *codes; /* m x (S + ncluster): compacted fixed-effect and cluster codes */
    gw_factor *fec, cl[2];
    unsigned char *aliased_flag; /* p */
    gw_hdfe *h;
    gw_ls *ls;
    gw_result *r;
    double *buf, *part, *dv, **dcols, *Xc;
    /* in buf: y, a (NULL without weights), eta, eta_new, mu, W, z, z_old, z~ (m each), X~ */
    double *y, *a, *eta, *eta1, *mu, *wt, *z, *zold, *zt, *Xt;
    double *b, *b1; /* in dv: coefficients, new coefficients */
    gw_design wd;   /* the working WLS design: X~, z~, W over the kept rows */
    gwi_vcov_info info;
    double dev;
    size_t iter, demean_iter, demean_first;
    size_t k; /* rank */
    int yexp; /* y is the response times 2^-yexp (scale.c): the loglik is of 2^yexp y */
} fe_pass;

static gw_status pass_nomem(const fe_pass *P)
{
    return gwi_fail(GW_ENOMEM, "cannot allocate the fixed-effects GLM's work space (%zu rows)",
                    P->n);
}

static void pass_free(fe_pass *P)
{
    gw_result_free(P->r);
    gw_ls_free(P->ls);
    gw_hdfe_free(P->h);
    gw_free(P->Xc);
    gw_free(P->keepd);
    gw_free(P->dcols);
    gw_free(P->dv);
    gw_free(P->part);
    gw_free(P->buf);
    gw_free(P->aliased_flag);
    gw_free(P->fec);
    gw_free(P->codes);
    gw_free(P->keepc);
    gw_free(P->cols);
    gw_free(P->rows);
    gw_free(P->sp.sepcol);
    gw_free(P->sp.keep);
}

/* 1. Separation and singletons: the rows and regressors kept, the fixed-effect and cluster codes
 * compacted to those rows, and the gw_hdfe on them (singletons are already dropped). */
static gw_status pass_select(fe_pass *P, const unsigned char *pre)
{
    const gw_design *d = P->d;
    const size_t n = P->n, p = P->p, S = P->S;
    gw_status rc;
    P->sp.keep = gw_alloc_array(n, 1);
    P->sp.sepcol = gw_alloc_array(p, 1);
    if (P->sp.keep == NULL || P->sp.sepcol == NULL)
        return pass_nomem(P);
    if ((rc = separate(d, P->binom, (P->opts->flags & GW_GLM_KEEP_SINGLETONS) != 0, pre, &P->sp)) !=
        GW_OK)
        return rc;
    size_t m = 0, K0 = 0;
    for (size_t i = 0; i < n; i++)
        m += P->sp.keep[i];
    for (size_t j = 0; j < p; j++)
        K0 += !P->sp.sepcol[j];
    if (m == 0)
        return gwi_fail(GW_ENODATA,
                        "no observations left after dropping %zu singletons and %zu separated "
                        "observations",
                        P->sp.singletons, P->sp.separated);
    if (K0 == 0)
        return gwi_fail(GW_ERANK, "every regressor separates the outcome; nothing to estimate");
    P->m = m;
    P->K0 = K0;
    P->rows = gw_alloc_array(m, sizeof *P->rows);
    P->cols = gw_alloc_array(K0, sizeof *P->cols);
    P->keepc = gw_alloc_array(K0, sizeof *P->keepc);
    P->codes = gw_alloc_array(m * (S + (size_t)(d->ncluster)), sizeof *P->codes);
    P->fec = gw_calloc(S, sizeof *P->fec);
    P->aliased_flag = gw_calloc(p, 1);
    if (P->rows == NULL || P->cols == NULL || P->keepc == NULL || P->codes == NULL ||
        P->fec == NULL || P->aliased_flag == NULL)
        return pass_nomem(P);
    for (size_t i = 0, t = 0; i < n; i++)
        if (P->sp.keep[i])
            P->rows[t++] = i;
    for (size_t j = 0, t = 0; j < p; j++)
        if (!P->sp.sepcol[j])
            P->cols[t++] = j;
    for (size_t g = 0; g < S; g++) {
        P->fec[g].name = d->fe[g].name;
        P->fec[g].nlevels = d->fe[g].nlevels;
        P->fec[g].codes = P->codes + g * m;
        for (size_t i = 0; i < m; i++)
            P->fec[g].codes[i] = d->fe[g].codes[P->rows[i]];
    }
    int32_t *clcodes = P->codes + S * m;
    for (size_t v = 0; v < d->ncluster; v++) {
        P->cl[v].name = d->cluster[v].name;
        P->cl[v].nlevels = d->cluster[v].nlevels;
        P->cl[v].codes = clcodes + v * m;
        for (size_t i = 0; i < m; i++)
            P->cl[v].codes[i] = d->cluster[v].codes ? d->cluster[v].codes[P->rows[i]] : -1;
    }
    gw_hdfe_opts ho = {P->opts->fe_tol, P->opts->fe_maxiter, GW_HDFE_KEEP_SINGLETONS};
    if ((rc = gw_hdfe_new(P->fec, S, m, NULL, &ho, &P->h)) != GW_OK)
        return gwi_fail_keep(rc);
    return GW_OK;
}

/* The working storage over the kept rows (y, prior weights, X~ = the kept regressors, to be
 * demeaned in place), the columns the demeaning works on ([z~, X~]) and the working WLS design,
 * whose variance request is checked here, before iterating. */
static gw_status pass_storage(fe_pass *P)
{
    const gw_design *d = P->d;
    const size_t n = P->n, m = P->m, K0 = P->K0;
    const size_t nvec = 9;
    if ((P->buf = gw_alloc_array(m * (nvec + K0), sizeof *P->buf)) == NULL ||
        (P->part = gw_alloc_array(gw_nblocks(m) + 1, sizeof *P->part)) == NULL ||
        (P->dv = gw_alloc_array(2 * K0, sizeof *P->dv)) == NULL ||
        (P->dcols = gw_alloc_array(K0 + 1, sizeof *P->dcols)) == NULL)
        return pass_nomem(P);
    double *buf = P->buf;
    P->y = buf;
    P->a = buf + m;
    P->eta = buf + 2 * m;
    P->eta1 = buf + 3 * m;
    P->mu = buf + 4 * m;
    P->wt = buf + 5 * m;
    P->z = buf + 6 * m;
    P->zold = buf + 7 * m;
    P->zt = buf + 8 * m;
    P->Xt = buf + nvec * m;
    P->b = P->dv;
    P->b1 = P->dv + K0;
    for (size_t i = 0; i < m; i++)
        P->y[i] = d->y[P->rows[i]];
    if (d->w != NULL) {
        for (size_t i = 0; i < m; i++)
            P->a[i] = d->w[P->rows[i]];
    } else {
        P->a = NULL;
    }
    for (size_t t = 0; t < K0; t++)
        for (size_t i = 0; i < m; i++)
            P->Xt[t * m + i] = d->X[P->cols[t] * n + P->rows[i]];
    P->dcols[0] = P->zt;
    for (size_t t = 0; t < K0; t++)
        P->dcols[t + 1] = P->Xt + t * m;

    gw_design *wd = &P->wd;
    memset(wd, 0, sizeof *wd);
    wd->n = m;
    wd->p = K0;
    wd->X = P->Xt;
    wd->y = P->zt;
    wd->w = P->wt;
    wd->terms = d->terms; /* only read by the variance code for messages */
    wd->response = d->response;
    wd->cluster = d->ncluster ? P->cl : NULL;
    wd->ncluster = d->ncluster;
    return gwi_vcov_check(wd, P->opts->vcov, &P->info);
}

/* One IRLS step after the WLS (file comment, 2): eta1 from the WLS fit, then step-halving
 * toward the previous iterate while the deviance is not finite or increases (not on the first
 * iteration). Returns the new deviance in *dev1. */
static gw_status irls_halve(fe_pass *P, size_t iter, double *dev1_out)
{
    const gwi_glm_link link = P->link;
    const size_t m = P->m, K0 = P->K0;
    const double *y = P->y, *a = P->a, *eta = P->eta, *b = P->b, dev = P->dev;
    double *eta1 = P->eta1, *b1 = P->b1, *mu = P->mu, *part = P->part;
    double dev1 = deviance_at(link, m, y, a, eta1, mu, part);
    int halvings = 0;
    while (iter > 1 && !(isfinite(dev1) && (dev1 - dev) / (0.1 + fabs(dev1)) < P->tol)) {
        if (++halvings > GW_GLM_MAXHALF)
            return gwi_fail(GW_ENOCONV,
                            "iteration %zu: the deviance (%g) did not decrease after %d "
                            "step-halvings",
                            iter, dev1, GW_GLM_MAXHALF);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < m; i++)
            eta1[i] = 0.5 * (eta1[i] + eta[i]);
        for (size_t t = 0; t < K0; t++)
            b1[t] = 0.5 * (b1[t] + b[t]);
        dev1 = deviance_at(link, m, y, a, eta1, mu, part);
    }
    if (!isfinite(dev1))
        return gwi_fail(GW_ENOCONV, "the deviance is not finite after the first iteration");
    *dev1_out = dev1;
    return GW_OK;
}

/* 2. IRLS with the fixed effects concentrated out, from R's mustart (file comment, 2): leaves
 * the converged eta, mu, b and deviance, and the iteration counts. */
static gw_status pass_irls(fe_pass *P)
{
    const gwi_glm_link link = P->link;
    const size_t m = P->m, K0 = P->K0;
    const double *y = P->y, *a = P->a;
    double *eta = P->eta, *eta1 = P->eta1, *mu = P->mu, *wt = P->wt, *z = P->z, *zold = P->zold,
           *zt = P->zt, *b = P->b, *b1 = P->b1;
    gw_status rc;
    for (size_t i = 0; i < m; i++) {
        double m0 = gwi_glm_mustart(link, y[i]);
        eta[i] = gwi_glm_link_eta(link, m0);
        mu[i] = m0;
    }
    double dev = 0.0;
    for (size_t i = 0; i < m; i++) /* the start's deviance (only for the first criterion) */
        dev += (a ? a[i] : 1.0) * gwi_glm_dev(link, y[i], mu[i]);
    P->dev = dev;
    memset(b, 0, K0 * sizeof *b);
    size_t iter = 0;
    int converged = 0;
    gw_ls_opts lo = {GW_LS_AUTO, 0.0, GW_LS_NO_RESID, NULL};
    for (iter = 1; iter <= P->maxiter && !converged; iter++) {
        working(link, m, y, a, eta, wt, NULL, z);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < m; i++) {
            zt[i] = iter == 1 ? z[i] : zt[i] + (z[i] - zold[i]);
            zold[i] = z[i];
        }
        gw_hdfe_stats st;
        if ((rc = gw_hdfe_set_weights(P->h, wt)) != GW_OK ||
            (rc = gw_hdfe_demean(P->h, P->dcols, K0 + 1, &st)) != GW_OK)
            return gwi_fail_keep(rc);
        P->demean_iter += st.iterations;
        if (iter == 1)
            P->demean_first = st.iterations;
        gw_ls_free(P->ls);
        P->ls = NULL;
        if ((rc = gw_ls_fit(&P->wd, lo, &P->ls)) != GW_OK)
            return gwi_fail_keep(rc);
        const double *coef = gw_ls_coef(P->ls), *f = gw_ls_fitted(P->ls);
        for (size_t t = 0; t < K0; t++)
            b1[t] = isnan(coef[t]) ? 0.0 : coef[t];
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < m; i++)
            eta1[i] = z[i] - zt[i] + f[i];
        double dev1 = 0.0; /* set by irls_halve on success */
        if ((rc = irls_halve(P, iter, &dev1)) != GW_OK)
            return rc;
        converged = fabs(dev1 - P->dev) / (0.1 + fabs(dev1)) < P->tol;
        P->dev = dev1;
        memcpy(eta, eta1, m * sizeof *eta);
        memcpy(b, b1, K0 * sizeof *b);
    }
    iter--;
    P->iter = iter;
    if (!converged)
        return gwi_fail(GW_ENOCONV, "no convergence after %zu iterations (deviance %.17g)", iter,
                        P->dev);
    return GW_OK;
}

/* Separation found only at convergence (file comment, 1d): the rows with vanishing means are
 * flagged in vanish (over the design's rows) and the pass fails with GW_ENOCONV. */
static gw_status pass_vanishing(fe_pass *P, unsigned char *vanish, size_t *nvanish)
{
    const size_t m = P->m;
    const double *y = P->y, *a = P->a;
    double sa = 0.0, say = 0.0;
    for (size_t i = 0; i < m; i++) {
        sa += a ? a[i] : 1.0;
        say += (a ? a[i] : 1.0) * y[i];
    }
    unsigned char *fl = (unsigned char *)P->wt; /* W is recomputed below */
    size_t nv = vanishing_rows(P->link, m, y, P->mu, say / sa, fl);
    if (nv == 0)
        return GW_OK;
    memset(vanish, 0, P->n);
    for (size_t i = 0; i < m; i++)
        vanish[P->rows[i]] = fl[i];
    *nvanish = nv;
    return gwi_fail(GW_ENOCONV,
                    "separation: %zu observations are fitted exactly (means below %g); the "
                    "maximum likelihood estimate does not exist with them",
                    nv, GLM_FE_MU_TOL);
}

/* 3. The bread at the converged coefficients: W and r there (z holds r), X~ demeaned with that
 * W, the WLS of r on X~; the aliased regressors are dropped as collinear and the result is
 * created with the estimates of the others. */
static gw_status pass_bread(fe_pass *P)
{
    const gw_design *d = P->d;
    const size_t K0 = P->K0;
    gw_status rc;
    working(P->link, P->m, P->y, P->a, P->eta, P->wt, P->z, NULL);
    {
        gw_hdfe_stats st;
        if ((rc = gw_hdfe_set_weights(P->h, P->wt)) != GW_OK ||
            (rc = gw_hdfe_demean(P->h, P->dcols + 1, K0, &st)) != GW_OK)
            return gwi_fail_keep(rc);
        P->demean_iter += st.iterations;
    }
    gw_ls_free(P->ls);
    P->ls = NULL;
    P->wd.y = P->z;
    gw_ls_opts lo = {GW_LS_AUTO, 0.0, GW_LS_NO_RESID | GW_LS_NO_FITTED, NULL};
    if ((rc = gw_ls_fit(&P->wd, lo, &P->ls)) != GW_OK)
        return gwi_fail_keep(rc);
    const int *al = gw_ls_aliased(P->ls);
    const size_t k = gw_ls_rank(P->ls);
    if (k == 0)
        return gwi_fail(GW_ERANK, "every regressor is absorbed by the fixed effects");
    P->k = k;
    for (size_t t = 0, q = 0; t < K0; t++) {
        if (al[t])
            P->aliased_flag[P->cols[t]] = 1;
        else
            P->keepc[q++] = t;
    }
    if ((rc = gw_result_new(k, &P->r)) != GW_OK)
        return rc;
    for (size_t q = 0; q < k; q++) {
        P->r->estimate[q] = P->b[P->keepc[q]];
        if ((rc = gw_result_set_str(&P->r->terms[q], d->terms[P->cols[P->keepc[q]]])) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* The variance (file comment, 3): the bread itself (iid) or the sandwich of the linear models'
 * code, then the small-sample profile's factor (gwi_vcov used N - K). */
static gw_status pass_vcov(fe_pass *P)
{
    const gw_glm_opts *opts = P->opts;
    const size_t k = P->k, K0 = P->K0;
    const double nn = (double)P->m, kk = (double)k;
    gw_result *r = P->r;
    gw_status rc;
    if (opts->vcov == GW_VCOV_IID) {
        const double *B = gw_ls_bread(P->ls);
        const size_t *keepc = P->keepc;
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < k; i++)
                r->vcov[i + j * k] = B[keepc[i] + keepc[j] * K0];
        for (size_t j = 0; j < k; j++)
            for (size_t i = j + 1; i < k; i++)
                r->vcov[j + i * k] = r->vcov[i + j * k];
    } else {
        gwi_ls_view v = {P->m,
                         K0,
                         k,
                         P->b,
                         P->z,
                         NULL,
                         gw_ls_bread(P->ls),
                         gw_ls_aliased(P->ls),
                         (double)NAN,
                         gw_ls_rcond(P->ls),
                         gw_ls_near_singular(P->ls),
                         gw_ls_method_used(P->ls)};
        if ((rc = gwi_vcov(&P->wd, &v, opts->vcov, P->keepc, k, r->vcov, &P->info)) != GW_OK)
            return rc;
    }
    /* Small-sample profile (file comment, 3; gw_hdfe.h). gwi_vcov used N - K. */
    double Dh = 0.0, Dcl = 0.0, ciid = 1.0;
    if ((rc = gwi_fe_dof(P->h, P->S, opts->vcov, P->cl, P->d->ncluster, opts->ssc, &Dh, &Dcl)) !=
        GW_OK)
        return rc;
    if (opts->ssc == GW_SSC_FIXEST)
        ciid = nn - kk - Dh > 0.0 ? (nn - 1.0) / (nn - kk - Dh) : (double)NAN;
    double c = 1.0;
    if (opts->vcov == GW_VCOV_IID) {
        c = ciid;
    } else if (opts->vcov == GW_VCOV_HC1 || opts->vcov == GW_VCOV_CLUSTER) {
        double dfD = nn - kk - (opts->vcov == GW_VCOV_CLUSTER ? Dcl : Dh);
        c = dfD > 0.0 ? (nn - kk) / dfD : (double)NAN;
    }
    for (size_t j = 0; j < k * k; j++)
        r->vcov[j] *= c;
    return GW_OK;
}

/* Labels and counts: names of the estimator, family, link, variance and solver, inference,
 * sample sizes, the dropped regressors and the absorbed effects. */
static gw_status pass_labels(fe_pass *P)
{
    static const char *const est[] = {"logit", "probit", "poisson"};
    static const char *const lnk[] = {"logit", "probit", "log"};
    const gw_design *d = P->d;
    const gw_glm_opts *opts = P->opts;
    const size_t S = P->S;
    gw_result *r = P->r;
    gw_status rc;
    char vname[256];
    if ((rc = gwi_vcov_name(&P->wd, opts->vcov, vname, sizeof vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->estimator, est[opts->kind])) != GW_OK ||
        (rc = gw_result_set_str(&r->family, P->binom ? "binomial" : "poisson")) != GW_OK ||
        (rc = gw_result_set_str(&r->link, lnk[opts->kind])) != GW_OK ||
        (rc = gw_result_set_str(&r->vcov_type, vname)) != GW_OK ||
        (rc = gw_result_set_str(&r->response, d->response)) != GW_OK ||
        (rc = gw_result_set_str(&r->solver, gw_ls_method_used(P->ls))) != GW_OK)
        return rc;
    r->conf_level = opts->conf_level != 0.0 ? opts->conf_level : 0.95;
    r->stat_is_z = 1;
    r->df_inference = (double)NAN;
    gwi_fill_inference(r);
    r->nobs = P->m;
    r->nobs_dropped_missing = d->nobs_dropped_missing;
    r->singletons_dropped = P->sp.singletons;
    r->nobs_separated = P->sp.separated;
    r->df_resid = (double)P->m - (double)P->k - (double)gw_hdfe_df(P->h);
    if (opts->vcov == GW_VCOV_CLUSTER) {
        r->n_cluster_vars = P->info.nvars;
        for (size_t v = 0; v < P->info.nvars; v++)
            r->n_clusters[v] = P->info.ngroups[v];
    }
    r->iterations = P->iter;
    r->converged = 1;
    r->rank = P->k;
    r->rcond = gw_ls_rcond(P->ls);
    r->near_singular = gw_ls_near_singular(P->ls);
    r->dispersion = 1.0;
    if ((rc = gwi_glm_set_str_list(&r->dropped_collinear, &r->ndropped,
                                   (const char *const *)d->terms, P->aliased_flag, P->p)) !=
            GW_OK ||
        (rc = gwi_glm_set_str_list(&r->dropped_separated, &r->ndropped_separated,
                                   (const char *const *)d->terms, P->sp.sepcol, P->p)) != GW_OK)
        return rc;
    if ((r->fixed_effects = gw_calloc(S, sizeof *r->fixed_effects)) == NULL)
        return pass_nomem(P);
    r->nfe = S;
    for (size_t g = 0; g < S; g++) {
        r->fixed_effects[g].levels = gw_hdfe_levels(P->h, g);
        if ((rc = gw_result_set_str(&r->fixed_effects[g].name, d->fe[g].name)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* 4. Statistics at the converged means (file comment, 4), the fitted values and residuals when
 * asked for, and the average marginal effects. */
static gw_status pass_stats(fe_pass *P)
{
    const gw_design *d = P->d;
    const gw_glm_opts *opts = P->opts;
    const gwi_glm_link link = P->link;
    const size_t m = P->m, n = P->n, p = P->p, k = P->k;
    const double *y = P->y, *a = P->a, *mu = P->mu;
    double *part = P->part;
    gw_result *r = P->r;
    const double nn = (double)m, kk = (double)k;
    double sa = 0.0, say = 0.0;
    for (size_t i = 0; i < m; i++) {
        sa += a ? a[i] : 1.0;
        say += (a ? a[i] : 1.0) * y[i];
    }
    const double ybar = say / sa;
    r->deviance = P->dev;
    r->loglik = loglik_at(link, m, y, a, mu, P->yexp, part);
    r->null_deviance = const_sum(link, m, y, a, ybar, 1, 0, part);
    const double ll0 = const_sum(link, m, y, a, ybar, 0, P->yexp, part);
    const double npar = kk + (double)gw_hdfe_df(P->h);
    r->pseudo_r2 = ll0 != 0.0 ? 1.0 - r->loglik / ll0 : (double)NAN;
    r->aic = -2.0 * r->loglik + 2.0 * npar;
    r->bic = -2.0 * r->loglik + npar * log(nn);
    if (opts->flags & (GW_GLM_KEEP_FITTED | GW_GLM_KEEP_RESIDUALS)) {
        if ((opts->flags & GW_GLM_KEEP_FITTED) &&
            (r->fitted = gw_alloc_array(m, sizeof(double))) == NULL)
            return pass_nomem(P);
        if ((opts->flags & GW_GLM_KEEP_RESIDUALS) &&
            (r->residuals = gw_alloc_array(m, sizeof(double))) == NULL)
            return pass_nomem(P);
        for (size_t i = 0; i < m; i++) {
            if (r->fitted)
                r->fitted[i] = mu[i];
            if (r->residuals)
                r->residuals[i] = y[i] - mu[i];
        }
        /* Singletons and separated rows dropped: the kept rows' input rows. */
        gw_status rc = gwi_result_set_rows(r, d->row_index, P->rows, m);
        if (rc != GW_OK)
            return rc;
    }
    if (opts->flags & GW_GLM_AME) {
        /* Average marginal effects over the rows used, at the full eta (fixed effects
         * included), with the original (not demeaned) regressors. */
        P->Xc = gw_alloc_array(m * p, sizeof *P->Xc);
        P->keepd = gw_alloc_array(k, sizeof *P->keepd);
        if (P->Xc == NULL || P->keepd == NULL)
            return pass_nomem(P);
        for (size_t j = 0; j < p; j++)
            for (size_t i = 0; i < m; i++)
                P->Xc[j * m + i] = d->X[j * n + P->rows[i]];
        for (size_t q = 0; q < k; q++)
            P->keepd[q] = P->cols[P->keepc[q]];
        return gwi_glm_ame(opts->kind, m, p, P->Xc, (const char *const *)d->terms, P->eta, a,
                           P->keepd, SIZE_MAX, r);
    }
    return GW_OK;
}

/* One fit with the rows flagged in pre (NULL: none) dropped as separated beforehand. When rows
 * with vanishing means remain at convergence, returns GW_ENOCONV and sets them in vanish (n
 * flags over the design's rows), *nvanish their number; otherwise *nvanish = 0. */
static gw_status fit_pass(const gw_design *d, const gw_glm_opts *opts, int yexp,
                          const unsigned char *pre, gw_result **out, gwi_glm_fe_stats *stats,
                          unsigned char *vanish, size_t *nvanish)
{
    fe_pass P;
    memset(&P, 0, sizeof P);
    *nvanish = 0;
    P.yexp = yexp;
    P.d = d;
    P.opts = opts;
    P.link = link_of(opts->kind);
    P.binom = P.link != GWI_GLM_POISSON;
    P.tol = opts->tol != 0.0 ? opts->tol : GW_GLM_TOL;
    P.maxiter = opts->maxiter != 0 ? opts->maxiter : GW_GLM_MAXITER;
    P.n = d->n;
    P.p = d->p;
    P.S = d->nfe;
    gw_status rc;
    if ((rc = pass_select(&P, pre)) == GW_OK && (rc = pass_storage(&P)) == GW_OK &&
        (rc = pass_irls(&P)) == GW_OK && (rc = pass_vanishing(&P, vanish, nvanish)) == GW_OK &&
        (rc = pass_bread(&P)) == GW_OK && (rc = pass_vcov(&P)) == GW_OK &&
        (rc = pass_labels(&P)) == GW_OK && (rc = pass_stats(&P)) == GW_OK) {
        if (stats) {
            stats->irls_iterations = P.iter;
            stats->demean_iterations = P.demean_iter;
            stats->demean_first = P.demean_first;
        }
        *out = P.r;
        P.r = NULL;
    }
    pass_free(&P);
    return rc;
}

/* Separation found only at convergence (file comment, 1d) drops those rows and fits again, at
 * most GLM_FE_ROUNDS times. */
#define GLM_FE_ROUNDS 4
static gw_status fit_rounds(const gw_design *d, const gw_glm_opts *opts, int yexp, gw_result **out,
                            gwi_glm_fe_stats *stats)
{
    const gw_glm_opts defaults = {0};
    gw_status rc;
    unsigned char *pre = NULL, *vanish = NULL;
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if (opts == NULL)
        opts = &defaults;
    if ((rc = fe_check(d, opts)) != GW_OK)
        return rc;
    if ((vanish = gw_alloc_array(d->n, 1)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu row flags", d->n);
    for (int round = 0;; round++) {
        size_t nv = 0;
        rc = fit_pass(d, opts, yexp, pre, out, stats, vanish, &nv);
        if (nv == 0 || round + 1 >= GLM_FE_ROUNDS)
            break;
        if (pre == NULL && (pre = gw_calloc(d->n, 1)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu row flags", d->n);
            break;
        }
        for (size_t i = 0; i < d->n; i++)
            pre[i] |= vanish[i];
    }
    gw_free(vanish);
    gw_free(pre);
    return rc;
}

gw_status gwi_glm_fit_fe_ex(const gw_design *d, const gw_glm_opts *opts, gw_result **out,
                            gwi_glm_fe_stats *stats)
{
    return fit_rounds(d, opts, 0, out, stats);
}

gw_status gwi_glm_fit_fe_scaled(const gw_design *d, const gw_glm_opts *opts, int yexp,
                                gw_result **out)
{
    return fit_rounds(d, opts, yexp, out, NULL);
}

gw_status gwi_glm_fit_fe(const gw_design *d, const gw_glm_opts *opts, gw_result **out)
{
    return gwi_glm_fit_fe_ex(d, opts, out, NULL);
}
