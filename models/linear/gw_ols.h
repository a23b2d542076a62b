/* gw_ols.h -- ordinary and weighted least squares with full inference.
 *
 * gw_ols_fit fits y = Xb + e by (weighted) least squares through gw_ls_fit (core/gw_linalg.h)
 * and fills a gw_result (core/gw_result.h) completely: coefficients with standard errors,
 * t statistics, p-values and confidence intervals, the variance matrix, goodness of fit and
 * the overall F test, with the variance estimator chosen in gw_ols_opts. Every formula is the
 * one of docs/reference/statistics.md; the details the contract leaves
 * open are fixed below and pinned by tests/models/test_ols.c against R (lm + sandwich) and
 * statsmodels on the Grunfeld data (datasets/generated/grunfeld_ref*.csv).
 *
 * Notation: N = d->n observations, K = rank (the coefficients reported), w_i the analytic
 * weights (1 when d->w is NULL), e_i = y_i - x_i'b the (unweighted) residuals,
 * B = (X'WX)^-1 over the non-aliased columns (the "bread"), RSS = sum w_i e_i^2.
 *
 * Variance estimators (gw_vcov_kind):
 *   GW_VCOV_IID      V = s^2 B, s^2 = RSS / (N - K).
 *   GW_VCOV_HC0..3   V = B (sum_i u_i^2 x_i x_i') B with the scores u_i x_i, u_i = w_i e_i
 *                    (as R's sandwich does for lm with weights): HC0 u_i; HC1 HC0 * N/(N-K);
 *                    HC2 u_i / sqrt(1 - h_i); HC3 u_i / (1 - h_i); leverage
 *                    h_i = w_i x_i' B x_i (MacKinnon and White 1985).
 *   GW_VCOV_CLUSTER  CR1 by the one or two factors in d->cluster:
 *                    V_g = G/(G-1) B (sum_g s_g s_g') B, s_g = sum_{i in g} w_i e_i x_i;
 *                    one-way V = (N-1)/(N-K) V_1; two-way
 *                    V = (N-1)/(N-K) (V_1 + V_2 - V_12), where V_12 clusters by the non-empty
 *                    intersections of the two factors and each term has its own G/(G-1)
 *                    (Cameron, Gelbach and Miller 2011; sandwich::vcovCL(type = "HC1",
 *                    multi0 = FALSE)). A two-way V that is not positive semi-definite is
 *                    reported as it is: no eigenvalue fix; a negative diagonal element gives
 *                    a NaN standard error (and NaN statistic, p-value and interval).
 *   (Driscoll-Kraay and Newey-West are not kinds of gw_ols_fit: models/panel/gw_panel.h computes
 *   them (gw_panel_opts.hac, gw_panel_vcov_hac) for pooled, within, RE and FD fits.)
 *
 * Inference: t tests with N - K degrees of freedom, or G - 1 for cluster variances (the
 * smaller G for two-way); result->df_inference says which, stat_is_z is 0. The overall F test
 * is of every slope (every reported coefficient but the intercept) being zero:
 *   iid: the classical F = (MSS / q) / s^2 with F(q, N - K), MSS = sum w_i (f_i - fbar_w)^2
 *        around the weighted mean of the fitted values f (around 0 without an intercept), as
 *        R's summary.lm;
 *   robust and cluster: the Wald F = b_s' V_ss^-1 b_s / q with F(q, N - K) or F(q, G - 1)
 *        (as Stata). It is NaN when q > G - 1 (a cluster meat has rank at most G - 1) or when
 *        V_ss is not numerically positive definite (Cholesky of its correlation form with
 *        pivots below 64 q DBL_EPSILON), and with q == 0.
 *
 * Goodness of fit: r2 = MSS / (MSS + RSS) (centred, with weights around the weighted mean,
 * when d->has_intercept; uncentred, MSS = sum w_i f_i^2, without: the NIST NoInt convention
 * and R's); adj_r2 = 1 - (1 - r2) (N - i) / (N - K), i = 1 with an intercept and 0 without;
 * rmse = sqrt(RSS / (N - K)), the residual standard error (Stata's "Root MSE", R's sigma;
 * the weighted one with weights); tss = sum w_i (y_i - ybar_w)^2 by two passes (sum w_i y_i^2
 * without an intercept); loglik is the Gaussian log-likelihood at the ML variance RSS/N,
 * -N/2 (log(2 pi) + 1 - log N + log RSS) + 1/2 sum log w_i (R's logLik.lm with weights).
 *
 * Weights: the estimator is still named "ols" (the contract's estimator names are fixed) and
 * the result does not name the weight variable, which the design does not carry: the caller
 * (the CLI, which knows --weights VAR) records it. With no residual degrees of freedom
 * (N == K) every variance, standard error and test is NaN; the estimates are still reported.
 *
 * Collinearity: columns that gw_ls_fit finds exactly collinear are DROPPED: result->k is the
 * rank, result->terms lists the kept columns in design order, result->dropped_collinear the
 * dropped ones (GW_ERANK instead with GW_LS_STRICT_RANK in opts.ls.flags).
 *
 * Determinism: every O(N) step is a reduction over GW_BLOCK_ROWS-row blocks combined in block
 * order, so the result is bit-identical for any thread count (gw_threads_set). */
#ifndef GW_OLS_H
#define GW_OLS_H

#include "gw_design.h"
#include "gw_export.h"
#include "gw_linalg.h"
#include "gw_result.h"
#include "gw_status.h"

typedef enum {
    GW_VCOV_IID = 0, /* classical s^2 (X'WX)^-1 (the default)                     */
    GW_VCOV_HC0,     /* White                                                      */
    GW_VCOV_HC1,     /* HC0 * N/(N-K) (Stata's "robust")                           */
    GW_VCOV_HC2,     /* e^2/(1-h)                                                  */
    GW_VCOV_HC3,     /* e^2/(1-h)^2                                                */
    GW_VCOV_CLUSTER, /* CR1, one- or two-way by d->cluster[0] (and d->cluster[1])   */
    GW_VCOV_NKINDS   /* number of kinds (DK and NW: gw_panel_hac of gw_panel.h)     */
} gw_vcov_kind;

/* Flags of gw_ols_opts. */
#define GW_OLS_KEEP_RESIDUALS 0x1u  /* fill result->residuals (N, unweighted y - Xb) */
#define GW_OLS_KEEP_FITTED 0x2u     /* fill result->fitted (N, Xb)                   */
#define GW_OLS_KEEP_SINGLETONS 0x4u /* absorbed FE: do not drop singleton groups      */

/* Small-sample conventions of models with absorbed fixed effects (d->nfe > 0): which degrees
 * of freedom the variance estimators subtract. models/fe/gw_hdfe.h documents each profile's
 * factors exactly; without absorbed effects every profile gives the contract's numbers. */
typedef enum {
    GW_SSC_GOODWORK = 0, /* docs/reference/statistics.md (the default)                       */
    GW_SSC_STATA,        /* reghdfe / xtreg, fe                                               */
    GW_SSC_FIXEST,       /* R fixest defaults: ssc(adj = TRUE, fixef.K = "nested", ...)      */
    GW_SSC_STATSMODELS,  /* statsmodels OLS with dummy variables (LSDV)                       */
    GW_SSC_NPROFILES
} gw_ssc;

typedef struct {
    gw_vcov_kind vcov; /* 0: GW_VCOV_IID                                                 */
    double conf_level; /* of ci_low/ci_high; 0: 0.95; otherwise in (0, 1)               */
    gw_ls_opts ls;     /* passed to gw_ls_fit; all-zero: its defaults                    */
    unsigned flags;    /* GW_OLS_KEEP_*                                                  */
    gw_ssc ssc;        /* absorbed FE only: small-sample profile; 0: GW_SSC_GOODWORK     */
    double fe_tol;     /* absorbed FE only: demeaning tolerance; 0: GW_HDFE_TOL          */
    size_t fe_maxiter; /* absorbed FE only: iteration limit; 0: GW_HDFE_MAXITER          */
} gw_ols_opts;         /* all-zero means the documented defaults */

/* gw_ols_fit -- (weighted) least squares of d->y on d->X with the inference of opts.
 * d: in, borrowed, not retained: X, y, w (NULL: unweighted), terms (all non-NULL),
 *    has_intercept, nobs_dropped_missing and, for GW_VCOV_CLUSTER, cluster[0..ncluster-1]
 *    (codes in 0..nlevels-1; the number of clusters G is the number of codes that occur).
 * opts: in, borrowed; NULL means all defaults. out: owned by the caller on success
 *    (gw_result_free); set to NULL on failure, and nothing is leaked.
 * The result: estimator "ols"; vcov_type "iid", "hc0".."hc3", "cluster:A" or "cluster:A+B";
 * response = d->response; nobs, nobs_dropped_missing, df_resid = N - K; n_clusters and
 * n_cluster_vars (cluster only); the k = rank kept coefficients with estimate, std_error,
 * statistic, p_value, ci_low, ci_high and the k x k vcov; r2, adj_r2, rmse, rss, tss, loglik,
 * f_stat, f_p_value, f_df1, f_df2; dropped_collinear; rank, rcond, near_singular, solver
 * (gw_ls_method_used); iterations 1, converged 1. formula is left NULL (the caller's);
 * r2_within, singletons_dropped and fixed_effects do not apply (NaN / GW_RESULT_NA / none).
 * Returns:
 *   GW_EINVAL       d or out NULL; a term name NULL; opts.vcov not a gw_vcov_kind;
 *                   conf_level outside (0, 1); GW_VCOV_CLUSTER without d->cluster; a cluster
 *                   code outside 0..nlevels-1; fewer than 2 clusters; a weight <= 0
 *                   (from gw_ls_fit).
 *   GW_ENODATA      d->n == 0.
 *   GW_EDIM         d->p == 0, or dimensions beyond INT_MAX columns.
 *   GW_EUNSUPPORTED instruments (d->n_endog > 0 or d->Z), or more than two cluster variables.
 * Absorbed fixed effects (d->nfe > 0): the within estimator on a working copy of the kept rows
 * of X and y, with opts.ssc, fe_tol, fe_maxiter and GW_OLS_KEEP_SINGLETONS; its conventions,
 * results and further statuses (GW_ENOCONV, ...) are gw_ols_fit_fe_inplace's (gw_hdfe.h).
 *   GW_EILLCOND     HC2/HC3 with an observation of leverage one (h_i >= 1 - sqrt(DBL_EPSILON),
 *                   where (1 - h_i) has lost half its digits): "observation i has leverage 1;
 *                   HC2/HC3 undefined" (i is the 0-based row of the design).
 *   GW_ENONFINITE, GW_ERANK, GW_EINTERNAL: from gw_ls_fit (NaN/Inf in X, y or w; rank
 *                   deficient under GW_LS_STRICT_RANK; a LAPACK argument error).
 *   GW_ENOMEM.
 * Numerical notes: the solution, residuals and bread are gw_ls_fit's (pivoted QR or checked
 * Cholesky, see core/gw_linalg.h). Meats are blocked sums: HC meats accumulate
 * Z_b'Z_b (Z_b = the block's rows scaled by the score weight) with dsyrk per block; cluster
 * scores are summed per block and group, partials added in block order (see vcov.c), and the
 * meat S'S again by dsyrk over blocks of groups. V = B M B is formed explicitly and made exactly
 * symmetric. P-values and quantiles from GSL (gsl_cdf_tdist_Q, gsl_cdf_tdist_Qinv,
 * gsl_cdf_fdist_Q).
 * Complexity: gw_ls_fit plus one pass over X for HC0/HC1 and cluster (N K^2 / 2 flops for HC,
 * N K adds for cluster scores), two for HC2/HC3 (leverage, N K^2), and O(K^3) for the
 * sandwich.
 * Memory (beyond the design, which is borrowed and never copied): at most
 *    c N K 8 + 40 N + 8 T B (5 K + 8) + 16 (N / B) (K + 2)^2 + 16 G K + 256 KiB bytes,
 * c = 0.1, T threads, B = GW_BLOCK_ROWS, G the clusters of every term (for two-way
 * clustering the G12 non-empty cells of the intersection count too): no copy of X, O(N)
 * vectors (HC2/HC3 leverage, two-way intersection codes), per-thread block buffers and per-block
 * K x K partials. Data at extreme scales (see Scale) add one scaled copy of X and y: c = 1.1.
 * Measured with the counted allocator (gw_alloc_peak_bytes) by
 * tests/models/test_reliab_memory.c for iid, HC1, HC3, one- and two-way cluster at N = 100000,
 * K = 40: 0.10, 0.52, 0.52, 0.53, 0.76 copies of X (the per-thread buffers, independent of N,
 * dominate at this N), 1.12 to 1.78 with scaling.
 * Scale: when a first fit looks damaged by underflow or overflow (RSS or TSS outside
 * [2^-900, 2^900], or an estimate, standard error or variance not finite or zero) or fails on a
 * numerical status, and the largest magnitude of y or of a column of X has a binary exponent
 * outside [-100, 100] (1e-300 or 1e300 data, whose squares and Gram, meat and RSS entries
 * underflow or overflow), the fit is redone on a copy in which y and every such column are
 * scaled by powers of two (exact: ldexp; one O(N K) scan decides, run only in that case; the
 * helpers are models/scale.c's, shared by every estimator), and estimates,
 * standard errors, intervals, the variance matrix, RSS, TSS, rmse, loglik, residuals and fitted
 * values are unscaled exactly; t statistics, p-values, R^2 and F are scale-free. So a fit of (s y,
 * s X) equals the s = 1 fit scaled (to about 1e-15 relative; bit-identical for s a power of two).
 * RSS and TSS can still be outside the double range (reported as 0 or infinity) when the data are.
 */
GW_API gw_status gw_ols_fit(const gw_design *d, const gw_ols_opts *opts, gw_result **out);

#endif
