/* gw_panel.h -- panel-data estimators: pooled OLS, random effects (Swamy-Arora), first
 * differences, between, the one-way within (LSDV) helper, the Hausman test, and the
 * Driscoll-Kraay and Newey-West variance estimators for panels.
 *
 * Every estimator transforms the design (quasi-demeaning, differencing, averaging) and fits
 * the transformed regression with gw_ols_fit (models/linear/gw_ols.h), so the variance estimators
 * iid, HC0-HC3 and CR1 of gw_ols.h apply to the transformed regression unchanged (as R plm's
 * vcovHC does). Driscoll-Kraay and Newey-West are computed here (gw_panel_vcov_hac) from the
 * transformed regressors, the residuals and the bread of gw_ls_fit (core/gw_linalg.h).
 * Reference: R plm 2.6.2 on Grunfeld, balanced and unbalanced
 * (datasets/generated/grunfeld_panel_ref.csv, scripts/ref/grunfeld_panel_ref.R), pinned by
 * tests/models/test_panel.c.
 *
 * Notation: O = d->n rows (observations of the input design), id = d->panel_id (n_g groups,
 * group i with T_i rows), t = d->panel_time, K = the number of coefficients of the regression
 * actually run, N = its number of rows.
 *
 * Models (gw_panel_model):
 *   GW_PANEL_POOLING  OLS of y on X: exactly gw_ols_fit (estimator "ols"); the panel only
 *                     matters for Driscoll-Kraay / Newey-West.
 *   GW_PANEL_RE       random effects, Swamy-Arora variance components as R plm
 *                     (random.method = "swar", its default) for balanced and unbalanced panels:
 *                       s2_e = RSS_within / (O - n_g - K_w)     (K_w = slopes of the within fit)
 *                       s2_u = (RSS_B - (n_g - K_b - 1) s2_e) / (O - tr(A^-1 C)), set to 0 when
 *                              negative, where RSS_B = sum_i T_i (ybar_i - xbar_i'b_B)^2 is the
 *                              residual sum of squares of the between regression weighted by T_i
 *                              (plm's "Between"), K_b its slopes, A = sum_i T_i xbar_i xbar_i' and
 *                              C = sum_i T_i^2 xbar_i xbar_i' (xbar_i with the constant 1).
 *                     On a balanced panel this is the textbook s2_u = RSS_b/(T(n_g-K_b-1)) - s2_e/T
 *                     (plm's balanced formula, and Stata xtreg, re). theta_i = 1 - sqrt(s2_e /
 *                     (s2_e + T_i s2_u)); the regression is y_it - theta_i ybar_i on
 *                     x_it - theta_i xbar_i (the constant becomes 1 - theta_i). Its variance is
 *                     that of gw_ols_fit on the transformed data (iid: RSS* / (N-K) (X*'X*)^-1, as
 *                     plm's vcov). r2 is plm's summary R^2, cor(y*, X*b)^2, adj_r2 =
 *                     1 - (1 - r2)(N-1)/(N-K); tss = sum (y* - mean y*)^2; the F test is the Wald
 *                     F of the slopes (b_s' V_ss^-1 b_s / q, F(q, df_inference)), whatever the
 *                     variance; loglik NaN (not a likelihood estimator). Needs an intercept
 *                     (d->has_intercept). Estimator "re".
 *   GW_PANEL_FD       first differences of consecutive rows within each id, in increasing time
 *                     (plm model = "fd": a row whose predecessor in the same id is several
 *                     periods earlier is differenced with it; with GW_PANEL_FD_UNIT_GAP only
 *                     pairs whose times differ by exactly 1 are used, the others dropped and
 *                     counted in info->fd_gaps). The intercept column, if any, stays a column
 *                     of ones (a linear trend in levels), as plm. N = O - n_g (- gaps); the
 *                     first row of each id is lost. Estimator "fd".
 *   GW_PANEL_BETWEEN  OLS on the n_g group means, unweighted (plm model = "between"); N = n_g.
 *                     Cluster, Driscoll-Kraay and Newey-West variances are not defined (one row
 *                     per group): GW_EUNSUPPORTED. Estimator "between".
 *   GW_PANEL_WITHIN   the one-way within estimator by id, by exact demeaning (group means,
 *                     two-pass): the FE side of the Hausman test and of plm's vcovSCC(within).
 *                     Slopes only (the intercept, and columns constant within every id, are
 *                     dropped as collinear); iid variance s^2 = RSS/(O - n_g - K) (plm, Stata
 *                     xtreg, fe); other gw_ols kinds are GW_EUNSUPPORTED here (absorbed fixed
 *                     effects with every variance are models/fe/gw_hdfe.h's); Driscoll-Kraay and
 *                     Newey-West are allowed and use the demeaned data with plm's N - K. r2 is
 *                     the within R^2 (also in r2_within). Estimator "within".
 *
 * Driscoll-Kraay and Newey-West (opts->hac, opts->lags = L >= 0), with the scores
 * h_r = w_r e_r x_r (w_r = 1 without weights) of the regression run, and the bread
 * B = (X'WX)^-1:
 *   V = c B M B,   M = G_0 + sum_{l=1..L} (1 - l/(L+1)) (G_l + G_l'),
 *   DK: G_l = sum_s S_s S_{s-l}', S_s = sum_{r at period s} h_r (cross-sectional sums per
 *       period; Driscoll and Kraay 1998; Hoechle 2007, Stata xtscc);
 *   NW: G_l = sum_id sum_s h_{id,s} h_{id,s-l}' (within-id autocovariances only; Arellano-type
 *       panel Newey-West, plm vcovNW).
 * Periods and lags are positions in the sorted set of DISTINCT TIME VALUES OCCURRING in the rows
 * used (plm vcovSCC / vcovNW and sandwich vcovPL): period s - l is the l-th distinct time before
 * s. In an unbalanced panel a missing (id, period) simply contributes nothing: an id observed in
 * 1938 and 1941 but not between has a lag-3 pair, not a lag-1 pair; a period that no row has is
 * not a period at all (time values 1, 2, 5 give lag(5, 1) = 2). Lags >= the number of periods
 * add nothing. The Bartlett weight 1 - l/(L+1) is plm's and sandwich's; L = 0 gives the
 * period-clustered (DK) or HC0 (NW) meat.
 * The small-sample factor c (gw_panel_ssc): GW_PANEL_SSC_HC0 (the default) c = 1: plm
 * vcovSCC/vcovNW(type = "HC0"), their default, and sandwich vcovPL(adjust = FALSE);
 * GW_PANEL_SSC_HC1 c = N/(N-K): plm type = "HC1" and sandwich vcovPL(adjust = TRUE), sandwich's
 * default; GW_PANEL_SSC_SSS c = G/(G-1) (N-1)/(N-K), G = the number of periods (DK) or N (NW):
 * plm type = "sss". Inference uses t with N - K degrees of freedom (as plm's coeftest; Stata's
 * xtscc uses T - 1). vcov_type is "dk:L" or "nw:L".
 *
 * Not supported (GW_EUNSUPPORTED): absorbed fixed effects (d->nfe > 0), instruments, weights
 * with RE, FD, between and within (plm has none).
 * Determinism: group sums and means are sums over each group's rows in row order, computed in
 * parallel over columns or groups (never over rows), so every result is bit-identical for any
 * thread count; the regressions are gw_ols_fit's and gw_ls_fit's, equally deterministic. */
#ifndef GW_PANEL_H
#define GW_PANEL_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

typedef enum {
    GW_PANEL_POOLING = 0, /* pooled OLS                                        */
    GW_PANEL_RE,          /* random effects, Swamy-Arora                        */
    GW_PANEL_FD,          /* first differences                                  */
    GW_PANEL_BETWEEN,     /* OLS on group means                                 */
    GW_PANEL_WITHIN,      /* one-way within by panel id (Hausman's FE side)     */
    GW_PANEL_NMODELS
} gw_panel_model;

typedef enum {
    GW_PANEL_HAC_NONE = 0, /* the variance of opts->ols.vcov (iid, HC, cluster)  */
    GW_PANEL_HAC_DK,       /* Driscoll-Kraay                                      */
    GW_PANEL_HAC_NW,       /* Newey-West within panels                            */
    GW_PANEL_HAC_NKINDS
} gw_panel_hac;

typedef enum {
    GW_PANEL_SSC_HC0 = 0, /* c = 1 (plm default; sandwich vcovPL adjust = FALSE)      */
    GW_PANEL_SSC_HC1,     /* c = N/(N-K) (plm "HC1"; sandwich vcovPL adjust = TRUE)    */
    GW_PANEL_SSC_SSS,     /* c = G/(G-1) (N-1)/(N-K) (plm "sss")                        */
    GW_PANEL_SSC_NKINDS
} gw_panel_ssc;

/* Flags of gw_panel_opts. */
#define GW_PANEL_FD_UNIT_GAP 0x1u /* FD: difference only rows whose times differ by exactly 1 */

typedef struct {
    gw_panel_model model; /* 0: GW_PANEL_POOLING                                            */
    gw_ols_opts ols;      /* variance (when hac is NONE), conf_level, solver, KEEP_* flags
                             (residuals and fitted values of the regression run)            */
    gw_panel_hac hac;     /* 0: none, the variance is ols.vcov; DK/NW replace it             */
    size_t lags;          /* L of Driscoll-Kraay / Newey-West                                */
    gw_panel_ssc ssc;     /* small-sample factor of DK / NW; 0: GW_PANEL_SSC_HC0             */
    unsigned flags;       /* GW_PANEL_*                                                      */
} gw_panel_opts;          /* all-zero means pooled OLS with gw_ols_fit's defaults */

/* What a panel fit reports besides its gw_result. Doubles that do not apply are NaN. */
typedef struct {
    gw_panel_model model;
    size_t n_groups;     /* ids in the rows used (0 without d->panel_id)                     */
    size_t n_periods;    /* distinct times in the rows used (0 without d->panel_time)        */
    size_t t_min, t_max; /* rows per id, smallest and largest                              */
    int balanced;        /* every id has the same number of rows                              */
    size_t nobs_input;   /* rows of the input design (before differencing or averaging)       */
    size_t fd_gaps;      /* FD with GW_PANEL_FD_UNIT_GAP: pairs dropped for a time gap        */
    /* Random effects (Swamy-Arora).                                                        */
    double sigma2_e, sigma2_u;   /* idiosyncratic and individual variance components          */
    double sigma_e, sigma_u;     /* their square roots                                         */
    double rho;                  /* s2_u / (s2_u + s2_e)                                       */
    double theta_min, theta_max; /* over ids; equal on a balanced panel                      */
    double theta_mean;           /* over observations (plm's summary)                          */
} gw_panel_info;

/* gw_panel_fit -- fit the panel estimator opts->model of d->y on d->X.
 * d: in, borrowed, not retained: X, y, terms, has_intercept, response, nobs_dropped_missing;
 *    panel_id (required by RE, FD, between, within, and Newey-West), panel_time (required by
 *    FD, Driscoll-Kraay and Newey-West); cluster (for GW_VCOV_CLUSTER, of the rows of d: FD
 *    clusters each difference by its later row); w (pooled OLS only).
 * opts: in, borrowed; NULL means all defaults (pooled OLS, iid).
 * out: owned by the caller on success (gw_result_free); NULL on failure, nothing leaked. The
 *    result is gw_ols_fit's on the transformed regression, with estimator, vcov_type, nobs
 *    (rows of the regression run), r2, adj_r2, tss, F test and loglik as gw_panel.h's top
 *    comment says; formula NULL (the caller's).
 * info: out, may be NULL: the panel's dimensions and the RE variance components.
 * Returns:
 *   GW_EINVAL       d, out NULL; opts->model, hac or ssc out of range; a panel needed but
 *                   d->panel_id / d->panel_time NULL; a panel code outside 0..nlevels-1; two
 *                   rows with the same id and time (FD, Newey-West; RE and between when a panel
 *                   time is given); RE without intercept;
 *                   everything gw_ols_fit rejects (gw_ols.h).
 *   GW_ENONFINITE   a NaN or infinite panel time; from gw_ls_fit (NaN in X or y).
 *   GW_EUNSUPPORTED absorbed fixed effects, instruments; weights with RE/FD/between/within;
 *                   cluster/HC variances with within; cluster, DK or NW with between.
 *   GW_ENODATA      d->n == 0; nothing left after differencing; RE without degrees of freedom
 *                   for a variance component (O - n_g - K_w <= 0, n_g - K_b - 1 <= 0 or
 *                   O - tr <= 0).
 *   GW_EDIM, GW_EILLCOND, GW_ERANK, GW_EINTERNAL: from gw_ols_fit / gw_ls_fit.
 *   GW_ENOMEM.
 * Numerical notes: group means are two-pass (mean, then the mean of the deviations added as
 * a correction), sums in row order; the regressions are gw_ls_fit's (checked normal equations
 * or pivoted QR, see core/gw_linalg.h). DK/NW: see gw_panel_vcov_hac. With DK/NW the
 * transformed regression is solved twice (once by gw_ols_fit for the result, once by gw_ls_fit
 * for the pieces of the sandwich): both are deterministic and give the same solution.
 * Complexity: O(O p) for the transformations plus the regressions (O(N p^2)); RE solves three
 * (within, weighted between, transformed), FD and between one; DK/NW add O(O log O) for the
 * ordering of times and O(O p^2 (L+1)) (NW) or O(O p + T p^2 (L+1)) (DK).
 * Scale: y and the columns are scanned first (one pass); when one has a largest magnitude
 * outside [2^-100, 2^100] the fit runs on a copy with each such column scaled by a power of two
 * (the transformations are linear per column) and the result and info's variance components are
 * mapped back exactly (gw_ols.h, "Scale"; models/scale.c). gw_panel_hausman_test does not. */
GW_API gw_status gw_panel_fit(const gw_design *d, const gw_panel_opts *opts, gw_result **out,
                              gw_panel_info *info);

/* gw_panel_re_theta -- theta of an id with T rows under the variance components of info:
 * 1 - sqrt(s2_e / (s2_e + T s2_u)); NaN unless info is from a GW_PANEL_RE fit. */
GW_API double gw_panel_re_theta(const gw_panel_info *info, size_t T);

/* The pieces of a (transformed) least-squares fit that gw_panel_vcov_hac needs; all borrowed. */
typedef struct {
    size_t n, p;         /* rows; columns of X                                              */
    const double *X;     /* n x p column-major, leading dimension n                         */
    const double *w;     /* NULL or n weights (scores are w_r e_r x_r)                        */
    const double *resid; /* n residuals y - Xb                                               */
    const double *bread; /* p x p column-major (X'WX)^-1 (gw_ls_bread); only kept entries read */
    const size_t *keep;  /* k column indices of the coefficients (gw_ls non-aliased ones)    */
    size_t k;
    const int32_t *id;  /* n panel id codes (NW only; may be NULL for DK)                    */
    size_t n_ids;       /* codes are in 0..n_ids-1                                           */
    const double *time; /* n panel times                                                     */
    double dof_k;       /* K of the factors N/(N-K), (N-1)/(N-K): usually k; with absorbed
                           effects the caller decides (plm's within uses the slopes only)   */
} gw_panel_hac_data;

/* gw_panel_vcov_hac -- the k x k Driscoll-Kraay or Newey-West variance V (column-major,
 * exactly symmetric) of gw_panel.h's top comment, from the pieces of a fit.
 * in: borrowed. kind: GW_PANEL_HAC_DK or _NW. lags: L. ssc: the small-sample factor.
 * V: out, caller's k*k doubles. n_periods: out, may be NULL: the number of distinct times.
 * Returns GW_EINVAL (NULL pointers, kind or ssc out of range, a code outside 0..n_ids-1, NW
 * with two rows of the same id and time, k == 0, a keep index >= p), GW_ENONFINITE (a NaN or
 * infinite time), GW_ENOMEM. With N <= K (HC1, SSS) or a single period (SSS, DK) the factor
 * and so V are NaN (not an error).
 * Numerical notes: times are sorted (qsort, then distinct values); DK sums the scores of each
 * period over its rows in row order (parallel over periods), NW accumulates each id's
 * autocovariances over its rows sorted by time (parallel over fixed chunks of 64 ids, the
 * chunk partials added in chunk order): bit-identical for any thread count. V = c B M B with
 * the triangles averaged. Complexity: O(n log n + n k + T k^2 (L+1)) for DK, O(n log n +
 * n k^2 (L+1)) for NW; memory O(n + T k) (DK), O(n + k^2 n_ids / 64) (NW). */
GW_API gw_status gw_panel_vcov_hac(const gw_panel_hac_data *in, gw_panel_hac kind, size_t lags,
                                   gw_panel_ssc ssc, double *V, size_t *n_periods);

/* The Hausman test of fixed against random effects. */
typedef struct {
    /* Classical: H = (b_FE - b_RE)'(V_FE - V_RE)^-1 (b_FE - b_RE) over the slopes common to
     * the one-way within fit and the Swamy-Arora RE fit, both with iid variances (plm phtest,
     * Stata hausman). */
    double chisq, df, p_value; /* p from chi2(df); NaN when H < 0                              */
    int vdiff_not_pd;          /* V_FE - V_RE is not positive definite (H may be negative;
                                  plm reports |H|, Stata the negative value with a note)      */
    /* Regression (Mundlak / auxiliary) form, Wooldridge (2010) 10.7.3: OLS of
     * y_it - theta_i ybar_i on (1 - theta_i), x_it - theta_i xbar_i and the within-demeaned
     * time-varying regressors x_it - xbar_i; Wald chi2 that the last q coefficients are zero.
     * On a balanced panel this is plm phtest(method = "aux") (whose constant is 1; on an
     * unbalanced panel plm's constant 1 differs from the quasi-demeaned 1 - theta_i used here). */
    double chisq_aux, df_aux, p_value_aux; /* with the iid variance of that regression         */
    double chisq_robust, p_value_robust;   /* with CR1 clustered by panel id (the contract's
                                              cluster variance = plm vcovHC(method = "arellano",
                                              type = "sss"))                                    */
    size_t n_groups;
} gw_panel_hausman;

/* gw_panel_hausman -- both forms of the Hausman test on d (y, X with intercept, panel_id).
 * d: in, borrowed. opts: in, may be NULL: only opts->ols.ls (the solver) is used.
 * out: out, filled on success (NaN-filled on failure).
 * Returns GW_EINVAL (NULL d or out, no panel id, no intercept, no slope varying within ids),
 * GW_EUNSUPPORTED (weights, absorbed effects, instruments), GW_ENODATA (from the RE fit) and
 * everything gw_panel_fit returns for GW_PANEL_RE and GW_PANEL_WITHIN.
 * Numerical notes: the classical statistic solves (V_FE - V_RE) z = d by Gaussian elimination
 * with partial pivoting (as R's solve); vdiff_not_pd from a Cholesky attempt on the
 * correlation form. The regression form's Wald statistic is q times gwi_wald_f (Cholesky of
 * the correlation form; NaN when it is not numerically positive definite).
 * Complexity: four least-squares fits of O(O p^2). */
GW_API gw_status gw_panel_hausman_test(const gw_design *d, const gw_panel_opts *opts,
                                       gw_panel_hausman *out);

#endif
