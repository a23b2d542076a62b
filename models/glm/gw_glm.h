/* gw_glm.h -- generalised linear models: logit, probit and Poisson by maximum likelihood.
 *
 * gw_glm_fit fits a binomial (logit or probit link) or Poisson (log link) GLM of d->y on d->X
 * by iteratively reweighted least squares (Fisher scoring; for the canonical logit and log
 * links this is Newton's method) and fills a gw_result (core/gw_result.h) completely:
 * coefficients with standard errors, z statistics, p-values and normal intervals, the variance
 * matrix, log-likelihood, deviance, null deviance, McFadden pseudo R2, AIC, BIC, iterations
 * and convergence, and optionally the average marginal effects (GW_GLM_AME). Models with
 * absorbed fixed effects (d->nfe > 0) are dispatched to the fixed-effects GLM (PPML, FE logit;
 * models/glm/glm_fe.c) whose conventions are documented there. Pinned against R (glm + sandwich)
 * and statsmodels by tests/models/test_glm.c (datasets/generated/glm_ref*.csv).
 *
 * Notation: N = d->n observations used, K = the number of coefficients reported (the rank),
 * a_i the prior weights (d->w, analytic weights; 1 when d->w is NULL), eta_i = x_i'b,
 * mu_i = g^-1(eta_i), V(mu) = mu (1 - mu) (binomial) or mu (Poisson), mu'_i = dmu/deta.
 *
 * Estimation (as R's glm.fit): start at R's mustart ((y + 1/2)/2 binomial, y + 0.1 Poisson),
 * eta = g(mustart). Each iteration solves the weighted least squares of the working response
 * z_i = eta_i + (y_i - mu_i)/mu'_i on X with working weights W_i = a_i mu'_i^2 / V(mu_i)
 * through gw_ls_fit (core/gw_linalg.h: checked Cholesky or pivoted QR; exactly collinear
 * columns are dropped in formula order, as gw_ols_fit does, and listed in dropped_collinear).
 * When the deviance of the new coefficients is not finite or has increased (relative increase
 * >= tol), the step is halved toward the previous coefficients (at most GW_GLM_MAXHALF
 * times; R's glm.fit rule). Convergence: |dev - dev_old| / (|dev| + 0.1) < tol (R's
 * criterion; R's default epsilon is 1e-8, ours GW_GLM_TOL = 1e-10 for accuracy), with at most
 * maxiter iterations (R: 25; ours GW_GLM_MAXITER = 100). A deviance criterion leaves the
 * coefficients about sqrt(tol) standard errors from the optimum (the deviance is quadratic
 * near it), and R's final weights -- hence its vcov, hat values and scores -- one step behind
 * them, which moves robust standard errors in the 7th digit. So after convergence scoring
 * steps continue ("polishing", at most GW_GLM_MAXPOLISH) until the largest coefficient step is
 * below GW_GLM_STEP_TOL of its standard error: usually one or two steps for logit and Poisson
 * (Newton converges quadratically), more for probit (Fisher scoring converges linearly). The
 * bread (X'WX)^-1 and the scores are then those of the reported coefficients. `iterations`
 * counts every weighted least-squares solve, polishing included, so it exceeds R's iter by
 * those steps; maxiter bounds the iterations before polishing. R's numerical guards are kept
 * (glm_int.h).
 *
 * Variance estimators (gw_vcov_kind of gw_ols.h), with B = (X'WX)^-1 at convergence and the
 * score contributions s_i = x_i a_i (y_i - mu_i) mu'_i / V(mu_i) = x_i W_i r_i, where
 * r_i = (y_i - mu_i)/mu'_i is the working residual:
 *   GW_VCOV_IID      V = B (dispersion 1; the inverse Fisher information, as R's
 *                    summary.glm for binomial and poisson; Stata's default for logit and
 *                    poisson, whose observed information is the same -- see below).
 *   GW_VCOV_HC0..3   V = B (sum_i c_i s_i s_i') B: HC0 c_i = 1; HC1 N/(N-K) (as
 *                    sandwich::vcovHC(type = "HC1") for glm; Stata's vce(robust) uses
 *                    N/(N-1) instead); HC2 1/(1-h_i); HC3 1/(1-h_i)^2 with the GLM hat values
 *                    h_i = W_i x_i' B x_i (R's hatvalues(glm), as vcovHC uses them).
 *   GW_VCOV_CLUSTER  CR1: s_g = sum_{i in g} s_i, one-way V = G/(G-1) (N-1)/(N-K) B
 *                    (sum_g s_g s_g') B (sandwich::vcovCL(type = "HC1"); Stata's
 *                    vce(cluster) uses G/(G-1) only, without (N-1)/(N-K)); two-way as in
 *                    gw_ols.h (Cameron, Gelbach and Miller; each term its own G/(G-1)).
 *   Driscoll-Kraay and Newey-West are not available for GLMs (the CLI refuses them).
 * The bread is the expected (Fisher) information at the MLE, as R's glm/sandwich. For the
 * canonical logit and log links it equals the observed information, so logit and Poisson
 * agree with Stata (logit, poisson) and statsmodels too, up to the small-sample factors noted
 * above. For probit they differ: Stata's probit (default vce(oim)) and statsmodels' robust and
 * cluster variances use the observed Hessian; here, as in R, the expected information (the
 * iid standard errors of tests/models/test_glm.c agree with R to 15 digits, while statsmodels'
 * probit HC0 differs in the 2nd digit).
 * Measured agreement (tests/models/test_glm.c, PSID1976 logit/probit and DoctorVisits Poisson,
 * iid, HC0-HC3, CR1): estimates and standard errors >= 10.7 significant digits against R,
 * AMEs and their delta-method errors >= 10.7; statsmodels >= 8.8 (its convergence).
 * Inference uses the normal distribution for every variance estimator (stat_is_z = 1,
 * df_inference NaN): z = b / se, p = 2 Q(|z|), intervals b -/+ z_{1-alpha/2} se.
 *
 * Fit statistics: loglik = sum_i a_i l_i (binomial l_i = y log mu + (1 - y) log(1 - mu);
 * Poisson y log mu - mu - log y!) -- with weights the prior weights act as frequency weights
 * (Stata's fweight; R's Poisson logLik with weights; R's binomial logLik instead reads the
 * weights as numbers of trials and adds log choose(a_i, a_i y_i)); deviance =
 * sum_i a_i d(y_i, mu_i), as R for both families;
 * null_deviance and the null log-likelihood of the intercept-only model (mu = weighted mean
 * of y) with an intercept, or of mu = g^-1(0) (1/2 binomial, 1 Poisson) without one, as R;
 * pseudo_r2 = 1 - loglik / loglik_null (McFadden; NaN when loglik_null == 0);
 * aic = -2 loglik + 2K; bic = -2 loglik + K log N; dispersion = 1; df_resid = N - K.
 *
 * Responses: binomial y must lie in [0, 1] (fractional y is accepted, as quasi-binomial
 * estimation with R's binomial deviance); Poisson y >= 0 (non-integer accepted, as PPML).
 * Otherwise GW_EFORMAT naming the source row (d->row_index + 1, 1-based data row).
 *
 * Separation (binomial and Poisson): before fitting, every regressor other than the intercept
 * that takes exactly two distinct values is checked: when all observations at one of its
 * values have the same response (binomial: all 0 or all 1; Poisson: all 0), its coefficient
 * would diverge. That regressor is dropped (listed in dropped_separated) and the observations
 * at that value are dropped (counted in nobs_separated; the result's nobs excludes them),
 * repeatedly until no such regressor remains (as Stata's logit "x != 0 predicts failure
 * perfectly; x dropped and n obs not used"). A regressor with more than two values that
 * completely separates the outcome (binomial: max over y = 0 below min over y = 1, or the
 * reverse), and a fit that ends with fitted probabilities 0 or 1 (or a Poisson mean 0) at R's
 * clamps (|eta| beyond the link's guard) for some observation -- separation by a combination
 * of regressors -- are GW_ENOCONV: the maximum likelihood estimate does not exist.
 * nobs_separated is 0 when nothing was dropped.
 *
 * Average marginal effects (GW_GLM_AME; logit, probit and Poisson): for every reported
 * coefficient j except the intercept, with weights a_i (equal without d->w),
 *   continuous column:   AME_j = sum_i a_i g'(eta_i) b_j / sum_i a_i  (g' = dmu/deta without
 *                        R's lower guard), the derivative with respect to that column holding
 *                        the other columns fixed (as R's margins / Stata's margins, dydx() for
 *                        a regressor entered once; for x with x^2 or interactions, the effect
 *                        of each column separately -- no chain rule across columns);
 *   factor(v)=level:     the average discrete change sum_i a_i [g^-1(eta_i1) - g^-1(eta_i0)]
 *                        / sum_i a_i, eta_i1 with this dummy 1 and the other dummies of v 0,
 *                        eta_i0 with all dummies of v 0 (Stata's margins, dydx(i.v); R margins
 *                        for factors). A numeric 0/1 regressor is treated as continuous (as
 *                        R margins and Stata's dydx() of a c. variable).
 * Standard errors by the delta method, V_AME = J V J' with J the Jacobian of the AMEs with
 * respect to b (analytic, g'' of each link), V the fit's variance (so robust and cluster fits
 * give robust AME errors, as margins with vce(robust)); z tests and normal intervals.
 * result->margins holds them (terms, estimate, std_error, statistic, p_value, ci_low, ci_high,
 * vcov; estimator "ame", nobs).
 *
 * Determinism: every O(N) step is a reduction over GW_BLOCK_ROWS-row blocks combined in block
 * order, so the result is bit-identical for any thread count.
 *
 * Scale: the regressors (and, for Poisson with an intercept or absorbed effects, the response)
 * are scanned first (one pass); when one has a largest magnitude outside [2^-100, 2^100] the
 * fit runs on a copy in which each such column is scaled by a power of two, and the result is
 * mapped back (models/scale.c): slope j and its standard error by 2^-e_j; Poisson counts times
 * 2^e move the intercept by e log 2, leave sandwich variances unchanged and scale the
 * model-based (iid) variance by 2^-e and the deviances by 2^e; loglik, AIC, BIC and pseudo-R^2
 * are computed for the counts as given. A binary response is never scaled. */
#ifndef GW_GLM_H
#define GW_GLM_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

typedef enum { GW_GLM_LOGIT = 0, GW_GLM_PROBIT, GW_GLM_POISSON, GW_GLM_NKINDS } gw_glm_kind;

/* Flags of gw_glm_opts. */
#define GW_GLM_AME 0x1u             /* fill result->margins (average marginal effects)      */
#define GW_GLM_KEEP_SINGLETONS 0x2u /* absorbed FE: do not drop singleton groups              */
#define GW_GLM_KEEP_RESIDUALS 0x4u  /* fill result->residuals (response residuals y - mu)     */
#define GW_GLM_KEEP_FITTED 0x8u     /* fill result->fitted (mu)                               */

/* Defaults: convergence tolerance on the relative change of the deviance, and the iteration
 * limit (R's glm.control uses 1e-8 and 25; tighter and longer here so that estimates and
 * standard errors carry more than 8 significant digits, pinned by tests/models/test_glm.c). */
#define GW_GLM_TOL 1e-10
#define GW_GLM_MAXITER ((size_t)100)
/* Step-halvings allowed per iteration when the deviance is not finite or increases. */
#define GW_GLM_MAXHALF 30
/* Polishing after convergence: stop when max_j |step_j| / se_j < GW_GLM_STEP_TOL
 * (sqrt(DBL_EPSILON) / 16: below it the step no longer changes 8 significant digits of any
 * standard error), after at most GW_GLM_MAXPOLISH steps. */
#define GW_GLM_STEP_TOL 9.313225746154785e-10
#define GW_GLM_MAXPOLISH ((size_t)50)

typedef struct {
    gw_glm_kind kind;  /* GW_GLM_LOGIT (0), GW_GLM_PROBIT or GW_GLM_POISSON                     */
    gw_vcov_kind vcov; /* 0: GW_VCOV_IID; HC0..HC3 and CLUSTER as documented above          */
    double conf_level; /* of ci_low/ci_high; 0: 0.95; otherwise in (0, 1)                   */
    double tol;        /* 0: GW_GLM_TOL; otherwise in (0, 1)                                 */
    size_t maxiter;    /* 0: GW_GLM_MAXITER                                                  */
    unsigned flags;    /* GW_GLM_*                                                           */
    gw_ssc ssc;        /* absorbed FE only: small-sample profile; 0: GW_SSC_GOODWORK         */
    double fe_tol;     /* absorbed FE only: demeaning tolerance; 0: the FE fit's default     */
    size_t fe_maxiter; /* absorbed FE only: demeaning iteration limit; 0: its default        */
} gw_glm_opts;         /* all-zero means the documented defaults (a logit with iid errors) */

/* gw_glm_fit -- maximum likelihood logit, probit or Poisson regression of d->y on d->X.
 * d: in, borrowed, not retained: X, y, w (NULL: no prior weights), terms, has_intercept,
 *    nobs_dropped_missing, row_index (optional, for messages), cluster (GW_VCOV_CLUSTER), fe
 *    (absorbed fixed effects: dispatched to the fixed-effects GLM).
 * opts: in, borrowed; NULL means all defaults. out: owned by the caller on success
 *    (gw_result_free); NULL on failure, and nothing is leaked.
 * The result: estimator "logit"/"probit"/"poisson"; family "binomial"/"poisson"; link
 * "logit"/"probit"/"log"; vcov_type; response; nobs (after separated observations);
 * nobs_dropped_missing; df_resid = N - K; the K kept coefficients with estimate, std_error,
 * statistic (z), p_value, ci_low, ci_high and the K x K vcov; stat_is_z = 1; loglik, deviance,
 * null_deviance, pseudo_r2, aic, bic, dispersion; nobs_separated, dropped_separated;
 * dropped_collinear; iterations, converged = 1; rank, rcond, near_singular, solver (of the
 * final weighted least squares); margins with GW_GLM_AME. formula is left NULL.
 * Returns:
 *   GW_EINVAL       d or out NULL; opts.kind, opts.vcov out of range; conf_level outside
 *                   (0, 1); tol not in (0, 1); a term name NULL; cluster problems (as
 *                   gw_ols_fit); a weight <= 0.
 *   GW_EUNSUPPORTED instruments (d->n_endog > 0 or d->Z); more than two cluster variables;
 *                   a variance kind beyond GW_VCOV_CLUSTER (HAC kinds);
 *                   absorbed fixed effects while the fixed-effects GLM is not available.
 *   GW_ENODATA      d->n == 0, or no observation left after removing separated ones.
 *   GW_EDIM         d->p == 0.
 *   GW_EFORMAT      a response outside the family's range (message names the data row).
 *   GW_ENONFINITE   NaN or infinity in X, y or w.
 *   GW_ENOCONV      no convergence within maxiter iterations, the deviance not finite after
 *                   GW_GLM_MAXHALF halvings, or perfect separation that cannot be resolved
 *                   by dropping a regressor (see above); the message says which.
 *   GW_EILLCOND     HC2/HC3 with an observation of hat value one.
 *   GW_ERANK        every column aliased (nothing to estimate).
 *   GW_ENOMEM, GW_EINTERNAL (from gw_ls_fit).
 * Complexity: per iteration one gw_ls_fit (O(N K^2)) and O(N K) passes; the sandwich as
 * gw_ols_fit; AMEs O(N K^2) (the Jacobian). Memory O(N) working vectors plus gw_ls_fit's. */
GW_API gw_status gw_glm_fit(const gw_design *d, const gw_glm_opts *opts, gw_result **out);

#endif
