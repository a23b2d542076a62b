/* glm.c -- logit, probit and Poisson regression by IRLS with step-halving (gw_glm.h), and the
 * inference helpers shared with the fixed-effects GLM (glm_int.h).
 *
 * Why IRLS through gw_ls_fit rather than a hand-written Newton solver: each scoring step is a
 * weighted least-squares problem, and gw_ls_fit already solves it with the accuracy guarantees
 * of the linear models (checked Cholesky, pivoted QR, double-double refinement), drops exactly
 * collinear columns in formula order and returns the bread (X'WX)^-1 that the variance
 * estimators need. The sandwich estimators of vcov.c are reused unchanged: with the working
 * weights W_i as "analytic weights" and the working residuals r_i as "residuals" its score
 * u_i x_i = W_i r_i x_i is exactly the GLM score a_i (y_i - mu_i) mu'_i / V(mu_i) x_i, and its
 * leverage W_i x_i' B x_i is the GLM hat value. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <omp.h>

#include "core_int.h"
#include "glm_int.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_par.h"
#include "models_int.h"

/* R's link guards (glm_family.c): beyond these |eta| the fitted mean sits at its clamp, which
 * at convergence means the likelihood is still increasing toward a boundary (separation). */
#define LOGIT_GUARD 30.0
#define PROBIT_GUARD 8.125890664701906
/* log(DBL_EPSILON): exp(eta) below DBL_EPSILON is clamped by the log link. */
#define LOG_GUARD (-36.04365338911715)
/* 1/sqrt(2 pi) and sqrt(2) (C11 has no M_PI). */
#define INV_SQRT_2PI 0.398942280401432677939946059934
#define SQRT2 1.41421356237309504880168872421

gwi_glm_link gwi_glm_link_of(gw_glm_kind kind)
{
    return kind == GW_GLM_PROBIT    ? GWI_GLM_PROBIT
           : kind == GW_GLM_POISSON ? GWI_GLM_POISSON
                                    : GWI_GLM_LOGIT;
}

/* ---- Blocked helpers ------------------------------------------------------------------- */

/* eta = X b over the columns with finite b (aliased columns carry NaN and are skipped), row by
 * row in column order: the same bits for any thread count. */
static void x_times_b(size_t n, size_t p, const double *X, const double *b, double *eta)
{
    const long nb = (long)gw_nblocks(n);
#pragma omp parallel for schedule(static)
    for (long blk = 0; blk < nb; blk++) {
        size_t first, count;
        gw_block_range(n, (size_t)blk, &first, &count);
        double *e = eta + first;
        memset(e, 0, count * sizeof *e);
        for (size_t j = 0; j < p; j++) {
            if (!isfinite(b[j]))
                continue;
            const double *xj = X + j * n + first;
            const double bj = b[j];
            for (size_t i = 0; i < count; i++)
                e[i] += xj[i] * bj;
        }
    }
}

/* Neumaier-compensated sum of one block's values into (s, c). */
static void neumaier_add(double *s, double *c, double v)
{
    double t = *s + v;
    if (fabs(*s) >= fabs(v))
        *c += (*s - t) + v;
    else
        *c += (v - t) + *s;
    *s = t;
}

/* The blocked sums of gwi_glm_sums; with want_ll == 0 the log-likelihood (lgamma for Poisson,
 * the costliest term) is skipped, as IRLS needs only the deviance. */
static void glm_sums(gwi_glm_link link, size_t n, const double *y, const double *mu,
                     const double *a, int want_ll, int yexp, double *loglik, double *deviance)
{
    const size_t nb = gw_nblocks(n);
    double part[2 * 64];
    double *slots = nb <= 64 ? part : gw_alloc_array(2 * nb, sizeof *slots);
    if (slots == NULL) {
        /* Only reachable for n > 64 blocks under memory exhaustion: sum serially (still one
         * fixed order, so still deterministic). */
        double ll = 0.0, dv = 0.0, cl = 0.0, cd = 0.0;
        for (size_t i = 0; i < n; i++) {
            double ai = a ? a[i] : 1.0;
            if (want_ll)
                neumaier_add(&ll, &cl, ai * gwi_glm_loglik_at(link, y[i], mu[i], yexp));
            neumaier_add(&dv, &cd, ai * gwi_glm_dev(link, y[i], mu[i]));
        }
        *loglik = ll + cl;
        *deviance = dv + cd;
        return;
    }
#pragma omp parallel for schedule(static)
    for (long blk = 0; blk < (long)nb; blk++) {
        size_t first, count;
        gw_block_range(n, (size_t)blk, &first, &count);
        double ll = 0.0, dv = 0.0, cl = 0.0, cd = 0.0;
        for (size_t i = first; i < first + count; i++) {
            double ai = a ? a[i] : 1.0;
            if (want_ll)
                neumaier_add(&ll, &cl, ai * gwi_glm_loglik_at(link, y[i], mu[i], yexp));
            neumaier_add(&dv, &cd, ai * gwi_glm_dev(link, y[i], mu[i]));
        }
        slots[2 * (size_t)blk] = ll + cl;
        slots[2 * (size_t)blk + 1] = dv + cd;
    }
    double ll = 0.0, dv = 0.0, cl = 0.0, cd = 0.0;
    for (size_t b = 0; b < nb; b++) {
        neumaier_add(&ll, &cl, slots[2 * b]);
        neumaier_add(&dv, &cd, slots[2 * b + 1]);
    }
    *loglik = ll + cl;
    *deviance = dv + cd;
    if (slots != part)
        gw_free(slots);
}

void gwi_glm_sums(gwi_glm_link link, size_t n, const double *y, const double *mu, const double *a,
                  int yexp, double *loglik, double *deviance)
{
    glm_sums(link, n, y, mu, a, 1, yexp, loglik, deviance);
}

/* mu_i from eta_i, and the deviance (loglik optional) of the fit. */
static void eval_mu(gwi_glm_link link, size_t n, const double *eta, double *mu)
{
#pragma omp parallel for schedule(static)
    for (long i = 0; i < (long)n; i++)
        mu[i] = gwi_glm_eval(link, eta[i]).mu;
}

static double deviance_of(gwi_glm_link link, size_t n, const double *y, const double *mu,
                          const double *a)
{
    double ll, dv;
    glm_sums(link, n, y, mu, a, 0, 0, &ll, &dv);
    return dv;
}

/* ---- Labels, statistics, inference ----------------------------------------------------- */

gw_status gwi_glm_set_labels(gw_result *r, gw_glm_kind kind, double conf_level)
{
    static const char *const est[] = {"logit", "probit", "poisson"};
    static const char *const fam[] = {"binomial", "binomial", "poisson"};
    static const char *const lnk[] = {"logit", "probit", "log"};
    size_t k = (size_t)kind < 3 ? (size_t)kind : 0;
    if (gw_result_set_str(&r->estimator, est[k]) != GW_OK ||
        gw_result_set_str(&r->family, fam[k]) != GW_OK ||
        gw_result_set_str(&r->link, lnk[k]) != GW_OK)
        return gwi_fail(GW_ENOMEM, "cannot allocate the result's labels");
    r->dispersion = 1.0;
    r->stat_is_z = 1;
    r->df_inference = NAN;
    r->conf_level = conf_level > 0.0 ? conf_level : 0.95;
    return GW_OK;
}

void gwi_glm_finish(gw_result *r, double loglik_null)
{
    const double K = (double)r->k, N = (double)r->nobs;
    r->aic = -2.0 * r->loglik + 2.0 * K;
    r->bic = -2.0 * r->loglik + K * log(N);
    r->pseudo_r2 = loglik_null != 0.0 ? 1.0 - r->loglik / loglik_null : (double)NAN;
    gwi_fill_inference(r);
}

gw_status gwi_glm_vcov(const gw_design *dx, const gwi_glm_view *v, gw_vcov_kind kind,
                       const size_t *keep, size_t k, double df_k, double *V, gwi_vcov_info *info)
{
    const size_t n = v->n, p = v->p;
    if (kind == GW_VCOV_IID) {
        info->df = (double)n - df_k;
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < k; i++)
                V[i + j * k] = v->bread[keep[i] + keep[j] * p];
        for (size_t j = 0; j < k; j++) /* the bread may carry rounding asymmetry */
            for (size_t i = j + 1; i < k; i++)
                V[j + i * k] = V[i + j * k];
        return GW_OK;
    }
    /* The working weights play the analytic weights and the working residuals the residuals:
     * vcov.c's score w_i e_i x_i is then the GLM score, its leverage the GLM hat value. */
    gw_design wd = *dx;
    wd.w = (double *)(uintptr_t)v->work_w; /* read only: vcov.c never writes d->w */
    gwi_ls_view lv = {0};
    lv.n = n;
    lv.p = p;
    lv.rank = k;
    lv.resid = v->work_r;
    lv.bread = v->bread;
    gw_status rc = gwi_vcov(&wd, &lv, kind, keep, k, V, info);
    if (rc != GW_OK)
        return rc;
    /* gwi_vcov applies N/(N-K) (HC1) and (N-1)/(N-K) (cluster) with K = k; rescale to the
     * caller's N - df_k (absorbed effects). */
    if ((kind == GW_VCOV_HC1 || kind == GW_VCOV_CLUSTER) && df_k != (double)k && (double)n > df_k) {
        double c = ((double)n - (double)k) / ((double)n - df_k);
        for (size_t j = 0; j < k * k; j++)
            V[j] *= c;
    }
    if (kind != GW_VCOV_CLUSTER)
        info->df = (double)n - df_k;
    return GW_OK;
}

/* ---- Average marginal effects ---------------------------------------------------------- */

/* g'(eta) and g''(eta) of the inverse link, without R's guards (the derivative of the model,
 * not of the clamped IRLS quantities). */
static void link_derivs(gw_glm_kind kind, double eta, double *mu, double *d1, double *d2)
{
    if (kind == GW_GLM_PROBIT) {
        double phi = INV_SQRT_2PI * exp(-0.5 * eta * eta);
        *mu = 0.5 * erfc(-eta / SQRT2);
        *d1 = phi;
        *d2 = -eta * phi;
    } else if (kind == GW_GLM_POISSON) {
        double m = exp(eta);
        *mu = m;
        *d1 = m;
        *d2 = m;
    } else {
        /* Logistic, in the form that does not overflow for large |eta|. */
        double e = exp(-fabs(eta));
        double m = eta >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        *mu = m;
        *d1 = m * (1.0 - m);
        *d2 = m * (1.0 - m) * (1.0 - 2.0 * m);
    }
}

/* Length of the "factor(v)=" prefix of a factor dummy term name, or 0. */
static size_t factor_prefix(const char *t)
{
    if (t == NULL || strncmp(t, "factor(", 7) != 0)
        return 0;
    const char *close = strchr(t, ')');
    if (close == NULL || close[1] != '=' || strchr(close + 2, ':') != NULL)
        return 0;
    return (size_t)(close + 2 - t);
}

gw_status gwi_glm_ame(gw_glm_kind kind, size_t n, size_t p, const double *X,
                      const char *const *terms, const double *eta, const double *a,
                      const size_t *keep, size_t intercept_col, gw_result *r)
{
    const size_t k = r->k;
    gw_status rc = GW_OK;
    gw_result *m = NULL;
    size_t q = 0;
    size_t *idx = NULL;   /* q: positions in r of the effects                              */
    size_t *group = NULL; /* k: for factor dummies, the first position of the same factor  */
    double *J = NULL, *T = NULL, *ame = NULL;
    const size_t nb = gw_nblocks(n);
    double *slots = NULL; /* per block: q AMEs and q x k Jacobian, plus the weight sum */
    (void)p;
    idx = gw_alloc_array(k ? k : 1, sizeof *idx);
    group = gw_alloc_array(k ? k : 1, sizeof *group);
    if (idx == NULL || group == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the marginal effects");
        goto done;
    }
    for (size_t j = 0; j < k; j++) {
        group[j] = SIZE_MAX;
        if (keep[j] == intercept_col)
            continue;
        idx[q++] = j;
        size_t lp = factor_prefix(terms[keep[j]]);
        if (lp == 0)
            continue;
        for (size_t l = 0; l < k; l++)
            if (factor_prefix(terms[keep[l]]) == lp &&
                strncmp(terms[keep[l]], terms[keep[j]], lp) == 0) {
                group[j] = l;
                break;
            }
    }
    const size_t slot = q + q * k + 1;
    J = gw_calloc(q * k + 1, sizeof *J);
    T = gw_calloc(q * k + 1, sizeof *T);
    ame = gw_calloc(q + 1, sizeof *ame);
    slots = gw_calloc(nb * slot + 1, sizeof *slots);
    if (J == NULL || T == NULL || ame == NULL || slots == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the marginal effects");
        goto done;
    }
    const double *b = r->estimate;
#pragma omp parallel for schedule(static)
    for (long blk = 0; blk < (long)nb; blk++) {
        size_t first, count;
        gw_block_range(n, (size_t)blk, &first, &count);
        double *s = slots + (size_t)blk * slot; /* s[0..q) AMEs, s[q..q+qk) J, s[q+qk] sum a */
        for (size_t i = first; i < first + count; i++) {
            const double ai = a ? a[i] : 1.0;
            double mu, d1, d2;
            link_derivs(kind, eta[i], &mu, &d1, &d2);
            s[q + q * k] += ai;
            for (size_t e = 0; e < q; e++) {
                const size_t j = idx[e];
                double *Je = s + q + e * k;
                if (group[j] == SIZE_MAX) {
                    /* d/db of g'(eta) b_j: g'(eta) on b_j, g''(eta) b_j x_l on every b_l. */
                    s[e] += ai * d1 * b[j];
                    for (size_t l = 0; l < k; l++)
                        Je[l] += ai * d2 * b[j] * X[keep[l] * n + i];
                    Je[j] += ai * d1;
                    continue;
                }
                /* Discrete change: eta0 without this factor's dummies, eta1 = eta0 + b_j. */
                double eta0 = eta[i];
                for (size_t l = 0; l < k; l++)
                    if (group[l] == group[j])
                        eta0 -= b[l] * X[keep[l] * n + i];
                double mu0, f0, g0, mu1, f1, g1;
                link_derivs(kind, eta0, &mu0, &f0, &g0);
                link_derivs(kind, eta0 + b[j], &mu1, &f1, &g1);
                s[e] += ai * (mu1 - mu0);
                for (size_t l = 0; l < k; l++) {
                    if (group[l] == group[j]) /* x_l is 0 in both counterfactuals but x_j */
                        continue;
                    Je[l] += ai * (f1 - f0) * X[keep[l] * n + i];
                }
                Je[j] += ai * f1;
            }
        }
    }
    double wsum = 0.0;
    for (size_t blk = 0; blk < nb; blk++) {
        const double *s = slots + blk * slot;
        for (size_t e = 0; e < q; e++)
            ame[e] += s[e];
        for (size_t l = 0; l < q * k; l++)
            J[l] += s[q + l];
        wsum += s[q + q * k];
    }
    for (size_t e = 0; e < q; e++)
        ame[e] /= wsum;
    for (size_t l = 0; l < q * k; l++)
        J[l] /= wsum;
    if ((rc = gw_result_new(q, &m)) != GW_OK)
        goto done;
    /* V_AME = J V J' (J is q x k stored row e at J + e k). T = J V (q x k). */
    for (size_t e = 0; e < q; e++)
        for (size_t l = 0; l < k; l++) {
            double t = 0.0;
            for (size_t c = 0; c < k; c++)
                t += J[e * k + c] * r->vcov[c + l * k];
            T[e * k + l] = t;
        }
    for (size_t e = 0; e < q; e++)
        for (size_t f = 0; f <= e; f++) {
            double v = 0.0;
            for (size_t l = 0; l < k; l++)
                v += T[e * k + l] * J[f * k + l];
            m->vcov[e + f * q] = v;
            m->vcov[f + e * q] = v;
        }
    for (size_t e = 0; e < q; e++) {
        m->estimate[e] = ame[e];
        if ((rc = gw_result_set_str(&m->terms[e], r->terms[idx[e]])) != GW_OK)
            goto done;
    }
    if ((rc = gw_result_set_str(&m->estimator, "ame")) != GW_OK ||
        (rc = gw_result_set_str(&m->vcov_type, r->vcov_type)) != GW_OK ||
        (rc = gw_result_set_str(&m->response, r->response)) != GW_OK)
        goto done;
    m->nobs = r->nobs;
    m->conf_level = r->conf_level;
    m->stat_is_z = 1;
    m->df_inference = NAN;
    gwi_fill_inference(m);
    gw_result_free(r->margins);
    r->margins = m;
    m = NULL;
done:
    gw_result_free(m);
    gw_free(slots);
    gw_free(ame);
    gw_free(T);
    gw_free(J);
    gw_free(group);
    gw_free(idx);
    return rc;
}

/* ---- Validation ------------------------------------------------------------------------ */

gw_status gwi_glm_check(const gw_design *d, const gw_glm_opts *opts, gwi_vcov_info *info)
{
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (d->p == 0)
        return gwi_fail(GW_EDIM, "no regressors");
    if (d->X == NULL || d->y == NULL)
        return gwi_fail(GW_EINVAL, "the design has no X or y");
    if ((unsigned)opts->kind >= (unsigned)GW_GLM_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown GLM kind %d", (int)opts->kind);
    if ((unsigned)opts->vcov >= (unsigned)GW_VCOV_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown variance estimator %d", (int)opts->vcov);
    if (opts->vcov > GW_VCOV_CLUSTER)
        return gwi_fail(GW_EUNSUPPORTED, "this variance estimator is not available for GLMs");
    if (opts->conf_level != 0.0 && !(opts->conf_level > 0.0 && opts->conf_level < 1.0))
        return gwi_fail(GW_EINVAL, "confidence level %g is not in (0, 1)", opts->conf_level);
    if (opts->tol != 0.0 && !(opts->tol > 0.0 && opts->tol < 1.0))
        return gwi_fail(GW_EINVAL, "convergence tolerance %g is not in (0, 1)", opts->tol);
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables are not available for GLMs");
    for (size_t j = 0; j < d->p; j++)
        if (d->terms == NULL || d->terms[j] == NULL)
            return gwi_fail(GW_EINVAL, "regressor %zu has no name", j);
    const gwi_glm_link link = gwi_glm_link_of(opts->kind);
    for (size_t i = 0; i < d->n; i++) {
        const double yi = d->y[i];
        if (!isfinite(yi))
            return gwi_fail(GW_ENONFINITE, "the response %s is not finite in data row %zu",
                            d->response ? d->response : "y",
                            d->row_index ? d->row_index[i] + 1 : i + 1);
        if (!gwi_glm_valid_y(link, yi))
            return gwi_fail(GW_EFORMAT, "%s: the response %s = %.17g in data row %zu is %s",
                            opts->kind == GW_GLM_POISSON ? "poisson" : "binary model",
                            d->response ? d->response : "y", yi,
                            d->row_index ? d->row_index[i] + 1 : i + 1,
                            opts->kind == GW_GLM_POISSON ? "negative (a count must be >= 0)"
                                                         : "outside [0, 1]");
        if (d->w != NULL && !(d->w[i] > 0.0 && isfinite(d->w[i])))
            return gwi_fail(d->w[i] > 0.0 ? GW_ENONFINITE : GW_EINVAL,
                            "weight %g in data row %zu is not positive and finite", d->w[i],
                            d->row_index ? d->row_index[i] + 1 : i + 1);
    }
    for (size_t l = 0; l < d->n * d->p; l++)
        if (!isfinite(d->X[l]))
            return gwi_fail(GW_ENONFINITE, "regressor %s is not finite in data row %zu",
                            d->terms[l / d->n],
                            d->row_index ? d->row_index[l % d->n] + 1 : l % d->n + 1);
    return gwi_vcov_check(d, opts->vcov, info);
}

/* ---- Separation ------------------------------------------------------------------------ */

/* A working copy of the design restricted to the rows with keep_row[i] and the columns with
 * keep_col[j]: X, y, w, Xlo, cluster codes and row_index are owned by the copy, names are
 * borrowed from the source. */
typedef struct {
    gw_design d;
    gw_factor cl[2];
} sub_design;

static void sub_free(sub_design *s)
{
    gw_free(s->d.X);
    gw_free(s->d.Xlo);
    gw_free(s->d.y);
    gw_free(s->d.w);
    gw_free(s->d.terms);
    gw_free(s->d.row_index);
    for (size_t c = 0; c < 2; c++)
        gw_free(s->cl[c].codes);
    memset(s, 0, sizeof *s);
}

static gw_status sub_make(const gw_design *d, const unsigned char *keep_row,
                          const unsigned char *keep_col, sub_design *s)
{
    size_t n = 0, p = 0;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < d->n; i++)
        n += keep_row[i] != 0;
    for (size_t j = 0; j < d->p; j++)
        p += keep_col[j] != 0;
    if (n == 0)
        return gwi_fail(GW_ENODATA, "no observations left after removing separated ones");
    s->d = *d;
    s->d.n = n;
    s->d.p = p;
    s->d.X = gw_alloc_array(n * (p ? p : 1), sizeof *s->d.X);
    s->d.y = gw_alloc_array(n, sizeof *s->d.y);
    s->d.terms = gw_alloc_array(p ? p : 1, sizeof *s->d.terms);
    s->d.Xlo = d->Xlo ? gw_alloc_array(n * (p ? p : 1), sizeof *s->d.Xlo) : NULL;
    s->d.w = d->w ? gw_alloc_array(n, sizeof *s->d.w) : NULL;
    s->d.row_index = d->row_index ? gw_alloc_array(n, sizeof *s->d.row_index) : NULL;
    s->d.cluster = d->ncluster ? s->cl : NULL;
    int bad = s->d.X == NULL || s->d.y == NULL || s->d.terms == NULL ||
              (d->Xlo && s->d.Xlo == NULL) || (d->w && s->d.w == NULL) ||
              (d->row_index && s->d.row_index == NULL);
    for (size_t c = 0; c < d->ncluster && c < 2; c++) {
        s->cl[c] = d->cluster[c];
        s->cl[c].codes = gw_alloc_array(n, sizeof *s->cl[c].codes);
        bad |= s->cl[c].codes == NULL;
    }
    if (bad) {
        /* The owned pointers are NULL or allocated; the borrowed ones must not be freed. */
        s->d.cluster = NULL;
        sub_free(s);
        return gwi_fail(GW_ENOMEM, "cannot allocate a working copy of %zu x %zu", n, p);
    }
    size_t jj = 0;
    for (size_t j = 0; j < d->p; j++) {
        if (!keep_col[j])
            continue;
        s->d.terms[jj] = d->terms[j];
        size_t ii = 0;
        for (size_t i = 0; i < d->n; i++)
            if (keep_row[i]) {
                s->d.X[ii + jj * n] = d->X[i + j * d->n];
                if (d->Xlo)
                    s->d.Xlo[ii + jj * n] = d->Xlo[i + j * d->n];
                ii++;
            }
        jj++;
    }
    size_t ii = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (!keep_row[i])
            continue;
        s->d.y[ii] = d->y[i];
        if (d->w)
            s->d.w[ii] = d->w[i];
        if (d->row_index)
            s->d.row_index[ii] = d->row_index[i];
        for (size_t c = 0; c < d->ncluster && c < 2; c++)
            s->cl[c].codes[ii] = d->cluster[c].codes[i];
        ii++;
    }
    s->d.has_intercept = d->has_intercept && keep_col[0];
    return GW_OK;
}

/* Whether every kept observation at which column j equals v has a response that makes the
 * coefficient diverge: binomial all 0 or all 1; Poisson all 0. */
static int value_separates(const gw_design *d, gw_glm_kind kind, size_t j, double v,
                           const unsigned char *keep_row, size_t *count)
{
    size_t c = 0, zeros = 0, ones = 0;
    const double *x = d->X + j * d->n;
    for (size_t i = 0; i < d->n; i++) {
        if (!keep_row[i] || x[i] != v)
            continue;
        c++;
        zeros += d->y[i] == 0.0;
        ones += d->y[i] == 1.0;
    }
    *count = c;
    if (c == 0)
        return 0;
    return kind == GW_GLM_POISSON ? zeros == c : (zeros == c || ones == c);
}

/* The pre-fit separation check (gw_glm.h): marks dropped columns and rows; returns
 * GW_ENOCONV for complete separation by a many-valued regressor or a constant response. */
static gw_status separation_check(const gw_design *d, gw_glm_kind kind, unsigned char *keep_row,
                                  unsigned char *keep_col, size_t *nsep, size_t *ncolsep)
{
    const size_t n = d->n, p = d->p;
    *nsep = 0;
    *ncolsep = 0;
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t j = 0; j < p; j++) {
            if (!keep_col[j] || (d->has_intercept && j == 0))
                continue;
            const double *x = d->X + j * n;
            double v1 = NAN, v2 = NAN;
            int many = 0;
            double max0 = -INFINITY, min0 = INFINITY, max1 = -INFINITY, min1 = INFINITY;
            size_t n0 = 0, n1 = 0, nk = 0;
            for (size_t i = 0; i < n; i++) {
                if (!keep_row[i])
                    continue;
                nk++;
                if (isnan(v1))
                    v1 = x[i];
                else if (x[i] != v1 && isnan(v2))
                    v2 = x[i];
                else if (x[i] != v1 && x[i] != v2)
                    many = 1;
                if (d->y[i] == 0.0) {
                    n0++;
                    max0 = fmax(max0, x[i]);
                    min0 = fmin(min0, x[i]);
                } else if (d->y[i] == 1.0) {
                    n1++;
                    max1 = fmax(max1, x[i]);
                    min1 = fmin(min1, x[i]);
                }
            }
            if (isnan(v2))
                continue; /* constant: the least squares will alias it */
            if (!many) {
                if (!d->has_intercept)
                    continue; /* the column may be the only level; leave it to the fit */
                size_t c1, c2;
                double vsep = NAN;
                if (value_separates(d, kind, j, v1, keep_row, &c1))
                    vsep = v1;
                else if (value_separates(d, kind, j, v2, keep_row, &c2))
                    vsep = v2;
                if (isnan(vsep))
                    continue;
                keep_col[j] = 0;
                (*ncolsep)++;
                for (size_t i = 0; i < n; i++)
                    if (keep_row[i] && x[i] == vsep) {
                        keep_row[i] = 0;
                        (*nsep)++;
                    }
                changed = 1;
                continue;
            }
            /* Binomial only (fractional responses count neither way): a many-valued
             * regressor that orders the zeros below (or above) the ones. */
            if (kind != GW_GLM_POISSON && n0 > 0 && n1 > 0 && n0 + n1 == nk &&
                (max0 <= min1 || max1 <= min0))
                return gwi_fail(GW_ENOCONV,
                                "%s perfectly separates the outcome (%s <= %.6g for every "
                                "%s = %d and >= %.6g for every %s = %d): the maximum "
                                "likelihood estimate does not exist",
                                d->terms[j], d->terms[j], max0 <= min1 ? max0 : max1,
                                d->response ? d->response : "y", max0 <= min1 ? 0 : 1,
                                max0 <= min1 ? min1 : min0, d->response ? d->response : "y",
                                max0 <= min1 ? 1 : 0);
        }
    }
    /* A constant response is "separated" by the intercept. */
    size_t c = 0, zeros = 0, ones = 0;
    for (size_t i = 0; i < n; i++) {
        if (!keep_row[i])
            continue;
        c++;
        zeros += d->y[i] == 0.0;
        ones += d->y[i] == 1.0;
    }
    if (c > 0 && (zeros == c || (kind != GW_GLM_POISSON && ones == c)))
        return gwi_fail(GW_ENOCONV,
                        "the response %s is %s for every observation used: the maximum "
                        "likelihood estimate does not exist",
                        d->response ? d->response : "y", zeros == c ? "0" : "1");
    return GW_OK;
}

/* ---- IRLS ------------------------------------------------------------------------------ */

/* Working response z and weights W at eta (block-parallel, elementwise). */
static void working(gwi_glm_link link, size_t n, const double *y, const double *a,
                    const double *eta, double *z, double *W, double *mu, double *r)
{
#pragma omp parallel for schedule(static)
    for (long li = 0; li < (long)n; li++) {
        size_t i = (size_t)li;
        gwi_glm_point pt = gwi_glm_eval(link, eta[i]);
        double ri = (y[i] - pt.mu) / pt.dmu;
        if (z != NULL)
            z[i] = eta[i] + ri;
        if (r != NULL)
            r[i] = ri;
        if (mu != NULL)
            mu[i] = pt.mu;
        W[i] = (a ? a[i] : 1.0) * pt.dmu * pt.dmu / pt.var;
    }
}

/* One weighted least-squares step of the working response: new coefficients (0 where
 * aliased, through NaN -> skipped in x_times_b) and eta. The solve is owned by *ls. */
static gw_status wls_step(const gw_design *d, const double *z, const double *W, gw_ls **ls)
{
    gw_design wd = *d;
    wd.y = (double *)(uintptr_t)z;
    wd.w = (double *)(uintptr_t)W;
    gw_ls_free(*ls);
    *ls = NULL;
    gw_ls_opts lo = {0};
    lo.flags = GW_LS_NO_RESID;
    return gw_ls_fit(&wd, lo, ls);
}

/* The state of one IRLS fit (glm_irls), shared by its phases: iterate, polish, check for
 * separation at the clamp, build the result. The vectors are n (eta, mu, z, W) or p long. */
typedef struct {
    const gw_design *d;
    const gw_glm_opts *opts;
    gwi_glm_link link;
    double tol;
    size_t maxiter;
    size_t n, p;
    const double *y, *a; /* the response and the prior weights (NULL: none) */
    gw_ls *ls;           /* the last weighted least-squares solve */
    double *eta, *mu, *z, *W, *coef, *cold;
    size_t iter;  /* IRLS iterations plus polishing steps */
    size_t *keep; /* k: the columns not aliased */
    int yexp;     /* y is the response times 2^-yexp (scale.c): the loglik is of 2^yexp y */
} irls_state;

/* IRLS (R's glm.fit) from mustart until the relative change of the deviance is below tol, with
 * step-halving toward the previous coefficients while the deviance is not finite or, after the
 * first iteration, has increased. */
static gw_status irls_iterate(irls_state *S)
{
    const gw_design *d = S->d;
    const gwi_glm_link link = S->link;
    const size_t n = S->n, p = S->p, maxiter = S->maxiter;
    const double tol = S->tol, *y = S->y, *a = S->a;
    double *eta = S->eta, *mu = S->mu, *z = S->z, *W = S->W, *coef = S->coef, *cold = S->cold;
    gw_status rc;
    for (size_t i = 0; i < n; i++) {
        mu[i] = gwi_glm_mustart(link, y[i]);
        eta[i] = gwi_glm_link_eta(link, mu[i]);
    }
    double devold = deviance_of(link, n, y, mu, a), dev = devold;
    int converged = 0, have_old = 0;
    size_t iter = 0;
    double change = NAN; /* the last relative change of the deviance */
    for (iter = 1; iter <= maxiter; iter++) {
        working(link, n, y, a, eta, z, W, NULL, NULL);
        if ((rc = wls_step(d, z, W, &S->ls)) != GW_OK)
            return rc;
        memcpy(coef, gw_ls_coef(S->ls), p * sizeof *coef);
        memcpy(eta, gw_ls_fitted(S->ls), n * sizeof *eta);
        eval_mu(link, n, eta, mu);
        dev = deviance_of(link, n, y, mu, a);
        /* Step-halving (R's glm.fit): toward the previous coefficients while the deviance is
         * not finite or, after the first iteration, has increased. */
        int half = 0;
        while (!isfinite(dev) || (have_old && (dev - devold) / (0.1 + fabs(dev)) >= tol)) {
            if (!have_old || half >= GW_GLM_MAXHALF)
                return gwi_fail(GW_ENOCONV,
                                "IRLS could not reduce the deviance at iteration %zu (%s after "
                                "%d step halvings): no convergence",
                                iter, isfinite(dev) ? "it increased" : "not finite", half);
            for (size_t j = 0; j < p; j++)
                coef[j] = isfinite(coef[j]) ? 0.5 * (coef[j] + cold[j]) : coef[j];
            x_times_b(n, p, d->X, coef, eta);
            eval_mu(link, n, eta, mu);
            dev = deviance_of(link, n, y, mu, a);
            half++;
        }
        change = fabs(dev - devold) / (fabs(dev) + 0.1);
        if (change < tol) {
            converged = 1;
            break;
        }
        devold = dev;
        for (size_t j = 0; j < p; j++)
            cold[j] = isfinite(coef[j]) ? coef[j] : 0.0;
        have_old = 1;
    }
    if (!converged) {
        const gw_glm_kind kind = S->opts->kind;
        S->iter = maxiter;
        return gwi_fail(GW_ENOCONV,
                        "%s did not converge in %zu iterations (relative change of the deviance "
                        "%.3g, tolerance %.3g); raise the iteration limit",
                        kind == GW_GLM_LOGIT    ? "logit"
                        : kind == GW_GLM_PROBIT ? "probit"
                                                : "poisson",
                        maxiter, change, tol);
    }
    S->iter = iter;
    return GW_OK;
}

/* Polishing (gw_glm.h): a deviance criterion leaves the coefficients about sqrt(tol)
 * standard errors from the optimum, and the bread one step behind them. Scoring steps
 * continue until the largest step is below GW_GLM_STEP_TOL standard errors: one or two
 * steps for the canonical links (Newton, quadratic), more for probit (Fisher scoring
 * converges linearly). */
static gw_status irls_polish(irls_state *S)
{
    const size_t n = S->n, p = S->p;
    double *coef = S->coef;
    gw_status rc;
    for (size_t np = 0;; np++) {
        working(S->link, n, S->y, S->a, S->eta, S->z, S->W, NULL, NULL);
        if ((rc = wls_step(S->d, S->z, S->W, &S->ls)) != GW_OK)
            return rc;
        const double *nb = gw_ls_coef(S->ls), *B = gw_ls_bread(S->ls);
        double crit = 0.0;
        for (size_t j = 0; j < p; j++) {
            if (!isfinite(nb[j]))
                continue;
            double sej = sqrt(B[j + j * p]);
            double step = fabs(nb[j] - (isfinite(coef[j]) ? coef[j] : 0.0));
            crit = fmax(crit, sej > 0.0 ? step / sej : step);
        }
        memcpy(coef, nb, p * sizeof *coef);
        memcpy(S->eta, gw_ls_fitted(S->ls), n * sizeof *S->eta);
        S->iter++;
        if (crit < GW_GLM_STEP_TOL || np + 1 >= GW_GLM_MAXPOLISH)
            break;
    }
    return GW_OK;
}

/* Separation by a combination of regressors: a fitted mean at the link's clamp. */
static gw_status irls_clamp_check(const irls_state *S)
{
    const gwi_glm_link link = S->link;
    const double *eta = S->eta;
    const double guard = link == GWI_GLM_LOGIT ? LOGIT_GUARD : PROBIT_GUARD;
    size_t nclamp = 0, first = SIZE_MAX;
    for (size_t i = 0; i < S->n; i++) {
        int c = link == GWI_GLM_POISSON ? eta[i] < LOG_GUARD : fabs(eta[i]) > guard;
        if (c) {
            nclamp++;
            if (first == SIZE_MAX)
                first = i;
        }
    }
    if (nclamp > 0)
        return gwi_fail(GW_ENOCONV,
                        "%zu observation(s) have fitted %s numerically %s (first: data row "
                        "%zu): the outcome is perfectly separated by a combination of the "
                        "regressors and the maximum likelihood estimate does not exist",
                        nclamp, link == GWI_GLM_POISSON ? "means" : "probabilities",
                        link == GWI_GLM_POISSON ? "0" : "0 or 1",
                        S->d->row_index ? S->d->row_index[first] + 1 : first + 1);
    return GW_OK;
}

/* The result's coefficients at the reported estimates: labels, the estimates of the columns
 * not aliased (the aliased ones listed as dropped), the variance and the fit's counts. mu, W
 * and the working residuals (in z) are those at the reported coefficients. */
static gw_status irls_result_coefs(irls_state *S, gwi_vcov_info *info, gw_result **rp)
{
    const gw_design *d = S->d;
    const gw_glm_opts *opts = S->opts;
    const size_t n = S->n, p = S->p;
    gw_status rc;
    const size_t k = gw_ls_rank(S->ls);
    if (k == 0)
        return gwi_fail(GW_ERANK, "every regressor is exactly collinear: nothing to estimate");
    const int *aliased = gw_ls_aliased(S->ls);
    size_t *keep = S->keep = gw_alloc_array(k, sizeof *keep);
    if (keep == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu indices", k);
    size_t kk = 0, nal = p - k;
    for (size_t j = 0; j < p; j++)
        if (!aliased[j])
            keep[kk++] = j;
    if ((rc = gw_result_new(k, rp)) != GW_OK)
        return rc;
    gw_result *r = *rp;
    if ((rc = gwi_glm_set_labels(r, opts->kind, opts->conf_level)) != GW_OK)
        return rc;
    {
        char vname[256];
        if ((rc = gwi_vcov_name(d, opts->vcov, vname, sizeof vname)) != GW_OK ||
            (rc = gw_result_set_str(&r->vcov_type, vname)) != GW_OK ||
            (rc = gw_result_set_str(&r->response, d->response)) != GW_OK)
            return rc;
    }
    for (size_t j = 0; j < k; j++) {
        r->estimate[j] = S->coef[keep[j]];
        if ((rc = gw_result_set_str(&r->terms[j], d->terms[keep[j]])) != GW_OK)
            return rc;
    }
    if (nal > 0) {
        r->dropped_collinear = gw_calloc(nal, sizeof *r->dropped_collinear);
        if (r->dropped_collinear == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the dropped-column list");
        for (size_t j = 0; j < p; j++)
            if (aliased[j] && (rc = gw_result_set_str(&r->dropped_collinear[r->ndropped++],
                                                      d->terms[j])) != GW_OK)
                return rc;
    }
    {
        gwi_glm_view v = {n, p, gw_ls_bread(S->ls), S->W, S->z};
        if ((rc = gwi_glm_vcov(d, &v, opts->vcov, keep, k, (double)k, r->vcov, info)) != GW_OK)
            return rc;
    }
    if (info->nvars > 0) {
        r->n_cluster_vars = info->nvars;
        for (size_t c = 0; c < info->nvars; c++)
            r->n_clusters[c] = info->ngroups[c];
    }
    r->nobs = n;
    r->nobs_dropped_missing = d->nobs_dropped_missing;
    r->df_resid = (double)n - (double)k;
    r->iterations = S->iter;
    r->converged = 1;
    r->rank = k;
    r->rcond = gw_ls_rcond(S->ls);
    r->near_singular = gw_ls_near_singular(S->ls);
    return gw_result_set_str(&r->solver, gw_ls_method_used(S->ls));
}

/* The result's statistics: log-likelihood and deviance, those of the null model (intercept
 * only: mu = the weighted mean of y; g^-1(0) without an intercept), the fitted values and
 * residuals when asked for, and the average marginal effects. */
static gw_status irls_result_stats(irls_state *S, gw_result *r)
{
    const gw_design *d = S->d;
    const gw_glm_opts *opts = S->opts;
    const gwi_glm_link link = S->link;
    const size_t n = S->n, p = S->p;
    const double *y = S->y, *a = S->a, *mu = S->mu;
    double *z = S->z;
    gw_status rc;
    gwi_glm_sums(link, n, y, mu, a, S->yexp, &r->loglik, &r->deviance);
    /* The null model: intercept only (mu = weighted mean of y), or g^-1(0) without one. */
    double ll0, dev0;
    {
        double sw = 0.0, swy = 0.0, csw = 0.0, cswy = 0.0;
        for (size_t i = 0; i < n; i++) {
            double ai = a ? a[i] : 1.0;
            neumaier_add(&sw, &csw, ai);
            neumaier_add(&swy, &cswy, ai * y[i]);
        }
        double mu0 = d->has_intercept ? (swy + cswy) / (sw + csw) : gwi_glm_eval(link, 0.0).mu;
        for (size_t i = 0; i < n; i++)
            z[i] = mu0; /* z is free again */
        gwi_glm_sums(link, n, y, z, a, S->yexp, &ll0, &dev0);
    }
    r->null_deviance = dev0;
    gwi_glm_finish(r, ll0);
    if (opts->flags & (GW_GLM_KEEP_RESIDUALS | GW_GLM_KEEP_FITTED)) {
        if (opts->flags & GW_GLM_KEEP_FITTED) {
            r->fitted = gw_alloc_array(n, sizeof *r->fitted);
            if (r->fitted == NULL)
                return gwi_fail(GW_ENOMEM, "cannot allocate fitted values");
            memcpy(r->fitted, mu, n * sizeof *mu);
        }
        if (opts->flags & GW_GLM_KEEP_RESIDUALS) {
            r->residuals = gw_alloc_array(n, sizeof *r->residuals);
            if (r->residuals == NULL)
                return gwi_fail(GW_ENOMEM, "cannot allocate residuals");
            for (size_t i = 0; i < n; i++)
                r->residuals[i] = y[i] - mu[i];
        }
        /* d is the working copy without separated rows: its row_index goes with them. */
        if ((rc = gwi_result_set_rows(r, d->row_index, NULL, n)) != GW_OK)
            return rc;
    }
    if (opts->flags & GW_GLM_AME) {
        const int *aliased = gw_ls_aliased(S->ls);
        size_t icol = d->has_intercept && !aliased[0] ? 0 : SIZE_MAX;
        if ((rc = gwi_glm_ame(opts->kind, n, p, d->X, (const char *const *)d->terms, S->eta, a,
                              S->keep, icol, r)) != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* The fit proper on a design already checked and cleared of separated regressors. */
static gw_status glm_irls(const gw_design *d, const gw_glm_opts *opts, const gwi_vcov_info *info0,
                          int yexp, gw_result **out)
{
    const size_t n = d->n, p = d->p;
    gw_status rc = GW_OK;
    gw_result *r = NULL;
    gwi_vcov_info info = *info0;
    irls_state S;
    memset(&S, 0, sizeof S);
    S.d = d;
    S.opts = opts;
    S.yexp = yexp;
    S.link = gwi_glm_link_of(opts->kind);
    S.tol = opts->tol > 0.0 ? opts->tol : GW_GLM_TOL;
    S.maxiter = opts->maxiter > 0 ? opts->maxiter : GW_GLM_MAXITER;
    S.n = n;
    S.p = p;
    S.y = d->y;
    S.a = d->w;
    S.eta = gw_alloc_array(n, sizeof *S.eta);
    S.mu = gw_alloc_array(n, sizeof *S.mu);
    S.z = gw_alloc_array(n, sizeof *S.z);
    S.W = gw_alloc_array(n, sizeof *S.W);
    S.coef = gw_alloc_array(p, sizeof *S.coef);
    S.cold = gw_alloc_array(p, sizeof *S.cold);
    *out = NULL;
    if (S.eta == NULL || S.mu == NULL || S.z == NULL || S.W == NULL || S.coef == NULL ||
        S.cold == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the IRLS working vectors (n = %zu)", n);
        goto done;
    }
    if ((rc = irls_iterate(&S)) != GW_OK || (rc = irls_polish(&S)) != GW_OK ||
        (rc = irls_clamp_check(&S)) != GW_OK)
        goto done;
    /* Final quantities at the reported coefficients: mu, the working residuals for the
     * score (z reused), the working weights W. */
    working(S.link, n, S.y, S.a, S.eta, NULL, S.W, S.mu, S.z);
    if ((rc = irls_result_coefs(&S, &info, &r)) != GW_OK ||
        (rc = irls_result_stats(&S, r)) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    gw_free(S.keep);
    gw_ls_free(S.ls);
    gw_free(S.cold);
    gw_free(S.coef);
    gw_free(S.W);
    gw_free(S.z);
    gw_free(S.mu);
    gw_free(S.eta);
    return rc;
}

/* The fit without absorbed effects; y is the response times 2^-yexp (scale.c). */
static gw_status glm_fit_plain(const gw_design *d, const gw_glm_opts *opts, int yexp,
                               gw_result **out)
{
    gw_glm_opts o = *opts;
    gwi_vcov_info info = {0};
    gw_status rc = GW_OK;
    unsigned char *keep_row = NULL, *keep_col = NULL;
    sub_design sub;
    int have_sub = 0;
    gw_result *r = NULL;
    if ((rc = gwi_glm_check(d, &o, &info)) != GW_OK)
        return rc;
    keep_row = gw_alloc_array(d->n, 1);
    keep_col = gw_alloc_array(d->p, 1);
    if (keep_row == NULL || keep_col == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu flags", d->n);
        goto done;
    }
    memset(keep_row, 1, d->n);
    memset(keep_col, 1, d->p);
    size_t nsep = 0, ncolsep = 0;
    if ((rc = separation_check(d, o.kind, keep_row, keep_col, &nsep, &ncolsep)) != GW_OK)
        goto done;
    const gw_design *fd = d;
    if (ncolsep > 0) {
        if ((rc = sub_make(d, keep_row, keep_col, &sub)) != GW_OK)
            goto done;
        have_sub = 1;
        fd = &sub.d;
        if ((rc = gwi_vcov_check(fd, o.vcov, &info)) != GW_OK)
            goto done;
    }
    if ((rc = glm_irls(fd, &o, &info, yexp, &r)) != GW_OK)
        goto done;
    r->nobs_separated = nsep;
    if (ncolsep > 0) {
        r->dropped_separated = gw_calloc(ncolsep, sizeof *r->dropped_separated);
        if (r->dropped_separated == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the separated-column list");
            goto done;
        }
        for (size_t j = 0; j < d->p; j++)
            if (!keep_col[j] &&
                (rc = gw_result_set_str(&r->dropped_separated[r->ndropped_separated++],
                                        d->terms[j])) != GW_OK)
                goto done;
    }
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    if (have_sub) {
        sub.d.cluster = NULL;
        sub_free(&sub);
    }
    gw_free(keep_col);
    gw_free(keep_row);
    return rc;
}

/* The fit of a design whose response is scaled by 2^-yexp (gwi_scale_fit's callback; ctx is the
 * options). */
static gw_status glm_fit_at(void *ctx, const gw_design *d, gw_design *own, int yexp,
                            gw_result **out)
{
    const gw_glm_opts *o = ctx;
    (void)own;
    if (d != NULL && d->nfe > 0)
        return gwi_glm_fit_fe_scaled(d, o, yexp, out);
    return glm_fit_plain(d, o, yexp, out);
}

/* Extreme scales (gw_ols.h, "Scale"; scale.c): each IRLS step is a weighted least-squares fit
 * whose weights are the means (Poisson) and whose scores, meats and deviances are products of
 * the data, so a regressor or a count at 1e+-300 loses the variance (zero or null standard
 * errors) or the fit. The columns are scanned first (one pass, against the IRLS iterations'
 * many) and, when one is outside the safe window, the fit runs on a copy scaled by powers of
 * two. Regressors always can be (coefficient j scales by 2^e_j); the response only for Poisson
 * with an intercept or absorbed effects, which take up its scale through the log link (scale.c),
 * never for logit and probit, whose 0/1 response has no scale. */
gw_status gw_glm_fit(const gw_design *d, const gw_glm_opts *opts, gw_result **out)
{
    gw_glm_opts o = {0};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (opts != NULL)
        o = *opts;
    if (d != NULL && d->nfe > 0 && d->fe == NULL)
        return gwi_fail(GW_EINVAL, "the design has %zu fixed effects but none given", d->nfe);
    /* A design the fit would reject is passed on unscanned, for its message. */
    if (d == NULL || d->n == 0 || d->p == 0 || d->X == NULL || d->y == NULL || d->n_endog > 0 ||
        d->Z != NULL)
        return glm_fit_at(&o, d, NULL, 0, out);
    const int poisson = o.kind == GW_GLM_POISSON;
    return gwi_scale_fit(d, poisson && (d->has_intercept || d->nfe > 0),
                         poisson ? GWI_UNSCALE_LOGLINK : GWI_UNSCALE_LINEAR, glm_fit_at, &o, out);
}
