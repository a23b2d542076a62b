/* glm_int.h -- the exponential-family pieces shared by the GLM estimators (models/glm*.c):
 * links, variance functions, unit deviances, log-likelihood contributions and starting values
 * for the binomial (logit, probit) and Poisson (log) families, evaluated one observation at a
 * time with the same guards as R's glm (binomial()$linkinv, make.link("probit"), poisson()).
 *
 * Guards (as R): logit eta is clamped to [-30, 30] before exp, mu to [eps, 1 - eps]; probit
 * eta to [-t, t], t = -qnorm(eps) = 8.1258906647..., mu to [eps, 1 - eps]; log: mu =
 * max(exp(eta), eps); dmu/deta is never below eps (eps = DBL_EPSILON). */
#ifndef GW_GLM_INT_H
#define GW_GLM_INT_H

typedef enum { GWI_GLM_LOGIT = 0, GWI_GLM_PROBIT, GWI_GLM_POISSON } gwi_glm_link;

/* One observation's quantities at linear predictor eta. */
typedef struct {
    double mu;  /* the mean, g^-1(eta)                              */
    double dmu; /* d mu / d eta                                     */
    double var; /* V(mu): mu (1 - mu) or mu                         */
} gwi_glm_point;

/* gwi_glm_eval -- mu, dmu/deta and V(mu) at eta (eta finite). */
gwi_glm_point gwi_glm_eval(gwi_glm_link link, double eta);

/* gwi_glm_dev -- the unit deviance d(y, mu) >= 0 (2 [y log(y/mu) + ...], with 0 log 0 = 0). */
double gwi_glm_dev(gwi_glm_link link, double y, double mu);

/* gwi_glm_loglik -- one observation's log-likelihood: binomial y log mu + (1 - y) log(1 - mu)
 * (y in [0, 1]); Poisson y log mu - mu - lgamma(y + 1). */
double gwi_glm_loglik(gwi_glm_link link, double y, double mu);
/* gwi_glm_loglik_at -- gwi_glm_loglik of 2^yexp y and 2^yexp mu, for a fit run on a response
 * scaled by 2^-yexp (scale.c; Poisson only: a binary response is never scaled). Exactly
 * gwi_glm_loglik when yexp == 0. */
double gwi_glm_loglik_at(gwi_glm_link link, double y, double mu, int yexp);

/* gwi_glm_mustart -- R's starting mean: binomial (y + 0.5) / 2, Poisson y + 0.1. */
double gwi_glm_mustart(gwi_glm_link link, double y);

/* gwi_glm_link_eta -- g(mu): log(mu / (1 - mu)), qnorm(mu) or log(mu). */
double gwi_glm_link_eta(gwi_glm_link link, double mu);

/* gwi_glm_valid_y -- 1 when y is a valid response: binomial 0 <= y <= 1, Poisson y >= 0. */
int gwi_glm_valid_y(gwi_glm_link link, double y);

/* ---- Shared by gw_glm_fit (glm/glm.c) and the fixed-effects GLM (glm/glm_fe.c). ---- */

#include <stddef.h>

#include "gw_glm.h"
#include "models_int.h"

/* gwi_glm_fit_fe -- the GLM with absorbed fixed effects (d->nfe > 0): PPML, logit with fixed
 * effects. Defined in models/glm/glm_fe.c (the fixed-effects engineer's); gw_glm_fit dispatches to
 * it. Same contract as gw_glm_fit (gw_glm.h) plus the fixed-effects conventions documented in
 * glm_fe.c. */
gw_status gwi_glm_fit_fe(const gw_design *d, const gw_glm_opts *opts, gw_result **out);

/* gwi_glm_set_str_list -- *dst = copies of names[j] for the flagged j (flag[j] != 0, j < p),
 * *count their number (nothing allocated when none). GW_ENOMEM (what was copied stays in *dst
 * for the result's free). */
gw_status gwi_glm_set_str_list(char ***dst, size_t *count, const char *const *names,
                               const unsigned char *flag, size_t p);

/* gwi_glm_fe_check_opts -- the option checks of the fixed-effects GLM (kind, vcov: no HC2/HC3,
 * ssc, conf_level, tol, fe_tol, at most two cluster variables; the fixest profile with two-way
 * clustering), shared by glm_fe.c and the out-of-core fit glm_stream.c. GW_EINVAL or
 * GW_EUNSUPPORTED with a message. */
gw_status gwi_glm_fe_check_opts(const gw_glm_opts *o, size_t ncluster);

/* gwi_glm_link_of -- the family link of a gw_glm_kind. */
gwi_glm_link gwi_glm_link_of(gw_glm_kind kind);

/* gwi_glm_check -- the argument validation of gw_glm_fit that does not depend on absorbed
 * effects: d, out, opts ranges (kind, vcov incl. gwi_vcov_check, conf_level, tol), terms,
 * instruments, response range (GW_EFORMAT naming the data row), finiteness. Fills info. */
gw_status gwi_glm_check(const gw_design *d, const gw_glm_opts *opts, gwi_vcov_info *info);

/* What the GLM variance estimators need from a converged IRLS fit (all borrowed). */
typedef struct {
    size_t n, p;          /* observations and columns of the working design                 */
    const double *bread;  /* p x p column-major (X'WX)^-1 at the final working weights; NaN
                             rows/columns where aliased (gw_ls_bread of the last WLS)       */
    const double *work_w; /* n working weights W_i = a_i mu'_i^2 / V(mu_i)                    */
    const double *work_r; /* n working residuals r_i = (y_i - mu_i) / mu'_i                  */
} gwi_glm_view;

/* gwi_glm_vcov -- the k x k variance V (column-major, symmetric) of the kept coefficients
 * keep[0..k) by kind (gw_glm.h): IID V = B; HC0-HC3 and cluster the sandwich of the scores
 * x_i W_i r_i, with x_i from dx->X (the regressors the last WLS used: demeaned ones for
 * absorbed effects) and dx->cluster. HC1 and cluster use N - df_k in place of N - K (df_k = K
 * without absorbed effects; K plus the absorbed degrees of freedom the caller's convention
 * counts otherwise). dx->w is ignored (the working weights are v->work_w). info: as filled by
 * gwi_vcov_check(dx, kind); out: info->df. GW_EILLCOND (HC2/HC3 hat value one), GW_ENOMEM. */
gw_status gwi_glm_vcov(const gw_design *dx, const gwi_glm_view *v, gw_vcov_kind kind,
                       const size_t *keep, size_t k, double df_k, double *V, gwi_vcov_info *info);

/* gwi_glm_sums -- loglik = sum a_i l(y_i, mu_i) and deviance = sum a_i d(y_i, mu_i) over n
 * observations (a NULL: all 1), as block reductions combined in block order. yexp: y and mu
 * are the model's times 2^-yexp (the rescaling of scale.c; 0 normally): the loglik is that of
 * 2^yexp y and 2^yexp mu, the deviance that of y and mu (the caller scales it back). */
void gwi_glm_sums(gwi_glm_link link, size_t n, const double *y, const double *mu, const double *a,
                  int yexp, double *loglik, double *deviance);

/* gwi_glm_set_labels -- r->estimator, family, link, dispersion = 1, stat_is_z = 1,
 * df_inference = NaN, conf_level (0: 0.95). GW_ENOMEM. */
gw_status gwi_glm_set_labels(gw_result *r, gw_glm_kind kind, double conf_level);

/* gwi_glm_finish -- from r->loglik, r->nobs, r->k and the null model's log-likelihood: aic,
 * bic, pseudo_r2; then standard errors, z, p-values and intervals from r->estimate and
 * r->vcov (gwi_fill_inference with the normal). Never fails. */
void gwi_glm_finish(gw_result *r, double loglik_null);

/* gwi_glm_ame -- average marginal effects (gw_glm.h) into a new r->margins: X (n x p, ld n:
 * the original, not demeaned, regressors), terms (p names; "factor(v)=level" columns get the
 * discrete change), eta (n: the full linear predictor, fixed effects included), a (n prior
 * weights or NULL), keep[0..r->k) the design columns of r's coefficients, intercept_col (the
 * design column of the intercept, or (size_t)-1). Uses r->estimate and r->vcov.
 * GW_ENOMEM. */
gw_status gwi_glm_ame(gw_glm_kind kind, size_t n, size_t p, const double *X,
                      const char *const *terms, const double *eta, const double *a,
                      const size_t *keep, size_t intercept_col, gw_result *r);

/* What gwi_glm_fit_fe_ex did besides the result (for benchmarks and tests). */
typedef struct {
    size_t irls_iterations;   /* IRLS iterations (result->iterations)                         */
    size_t demean_iterations; /* demeaning (CG) iterations summed over IRLS iterations, each the
                                 largest over the columns of that iteration, plus the final
                                 demeaning for the variance                                  */
    size_t demean_first;      /* those of the first (cold-started) demeaning: the others start
                                 from the previous solution (warm start)                     */
} gwi_glm_fe_stats;

/* gwi_glm_fit_fe_ex -- gwi_glm_fit_fe (conventions: models/glm/glm_fe.c) also filling stats (may be
 * NULL; zeroed first). Same statuses. */
gw_status gwi_glm_fit_fe_ex(const gw_design *d, const gw_glm_opts *opts, gw_result **out,
                            gwi_glm_fe_stats *stats);
/* gwi_glm_fit_fe_scaled -- gwi_glm_fit_fe of a design whose response is the model's times
 * 2^-yexp (scale.c): the log-likelihoods, AIC, BIC and pseudo-R^2 are those of the model's
 * response (gwi_glm_sums); everything else is in the scaled units. */
gw_status gwi_glm_fit_fe_scaled(const gw_design *d, const gw_glm_opts *opts, int yexp,
                                gw_result **out);

#endif
