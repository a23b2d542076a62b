/* gw_iv.h -- instrumental variables: two-stage least squares (2SLS) with its diagnostics, with
 * or without absorbed fixed effects.
 *
 * Model: y = X b + e with X = [X2, X1]: X2 the p2 included exogenous columns (the design's first
 * d->p - d->n_endog columns, the intercept among them), X1 the K1 = d->n_endog endogenous ones
 * (the last columns); Z1 = d->Z the q excluded instruments; A = [X2, Z1] all L = p2 + q
 * instruments. N observations (after singletons with absorbed effects), K = p2 + K1 coefficients,
 * D = the degrees of freedom absorbed by fixed effects (0 without; gw_hdfe.h).
 *
 * Estimation (as R AER::ivreg, Stata ivregress 2sls / ivreg2):
 *   first stage  X1 on A by least squares (gw_ls_fit, one fit per endogenous column): fitted
 *                values X1^ and residuals V^;
 *   second stage y on X^ = [X2, X1^] by least squares: b, and the bread B = (X^'X^)^-1;
 *   residuals    the structural e = y - X b with the ACTUAL regressors; RSS = e'e.
 * With absorbed effects, y, X and Z are first demeaned (gw_hdfe_demean, singletons dropped unless
 * GW_OLS_KEEP_SINGLETONS) and the above runs on the demeaned data without an intercept; by
 * Frisch-Waugh-Lovell the slopes and residuals equal those of 2SLS with the fixed effects as
 * dummy variables that are both regressors and instruments (R ivreg with factor(firm) on both
 * sides), pinned to 1e-8 by tests/models/test_iv.c.
 *
 * Analytic weights (d->w, all > 0): weighted 2SLS is 2SLS of the rows multiplied by sqrt(w_i)
 * (after the weighted demeaning with absorbed effects), as R's AER::ivreg(weights =) and Stata's
 * ivreg2 [aw]: weighted first stages, b = (X^'W X^)^-1 X^'W y, RSS = sum w_i e_i^2, scores
 * w_i e_i x^_i in every sandwich, the weighted leverage h_i = w_i x_i'(X^'W X^)^-1 x^_i (+
 * w_i / W_g(i), W_g the level's weight total, with one absorbed set) for HC2/HC3 (AER's
 * hatvalues.ivreg ignores weights: R's vcovHC HC2/HC3 of a weighted ivreg use the unweighted
 * leverage), and every diagnostic on the transformed rows. The TSS is sum w_i (y_i - ybar_w)^2
 * (AER), the residuals are reported on the data's scale (y - X b), and each first stage reports
 * what gw_ols_fit with the weights would (r2, overall F, loglik with the weights' term).
 * Weights have no scale: w and c w give the same fit but for rmse.
 *
 * Variance (every estimator of gw_ols.h, applied to the second stage with the structural
 * residuals: sandwich::vcovHC / vcovCL of an AER ivreg fit, Stata ivregress):
 *   iid      V = s^2 B, s^2 = RSS / (N - K - D);
 *   HC0      V = B (sum e_i^2 x^_i x^_i') B; HC1 = HC0 N / (N - K - D);
 *   HC2/HC3  e_i^2 / (1 - h_i) and e_i^2 / (1 - h_i)^2 with the IV leverage h_i = x_i' B x^_i
 *            (the diagonal of X (X^'X^)^-1 X^', AER's hatvalues.ivreg); with one absorbed set
 *            the full model's, h_i + 1/N_g(i) (the projection on [X, D] is P_D plus that of
 *            the demeaned columns; the first stages and the Wu-Hausman regression likewise, as
 *            gw_ols_fit_fe_inplace), which is vcovHC of the dummy-variable ivreg; with two or
 *            more sets GW_EUNSUPPORTED;
 *   cluster  CR1 as gw_ols.h: G/(G-1) (N-1)/(N-K-D') B (sum_g s_g s_g') B, s_g = sum x^_i e_i,
 *            D' the absorbed degrees of freedom of the sets not nested in a cluster variable;
 *            two-way as gw_ols.h.
 * The --ssc profiles change D exactly as for the within estimator (gw_hdfe.h): D_iid for iid
 * and HC1, D_cl for clusters. Inference: t with N - K - D degrees of freedom, or G - 1 (the
 * smaller G) when clustered. The overall F is the Wald test of all slopes with V (also for
 * iid: AER's summary.ivreg), F(q, df_inference).
 * Goodness of fit (AER's summary.ivreg): r2 = 1 - RSS/TSS (TSS around the mean of y with an
 * intercept or absorbed effects, uncentred otherwise; it can be negative), adj_r2 =
 * 1 - (1 - r2)(N - i)/(N - K - D), i = 1 with an intercept or fixed effects; r2_within (fixed
 * effects) = 1 - RSS / (demeaned y)'(demeaned y); rmse = sqrt(RSS/(N - K - D)); loglik NaN.
 *
 * Diagnostics. X1~, Z1~ denote X1 and Z1 residualised on X2 (and demeaned), Pi the q x K1
 * first-stage coefficients of Z1, E = V^ the first-stage residuals. Each first stage is also
 * reported as a full OLS result (result->first_stage[j], the fit's variance estimator and
 * degrees of freedom, N - L - D).
 *   fs_f       per endogenous regressor: the Wald F that the q excluded instruments' first-stage
 *              coefficients are zero with the first stage's variance (iid: the classical F),
 *              F(q, N - L - D) or F(q, G - 1). Equals AER's "Weak instruments" test (with vcov.
 *              the same sandwich) and Stata's first-stage F.
 *   fs_partial_r2  1 - E_j'E_j / X1~_j'X1~_j (the partial R^2 of the excluded instruments).
 *   cd_f       Cragg-Donald Wald F (Stock-Yogo; ivreg2's "cdf"): lambda_min (N - L - D)/q,
 *              lambda_min the smallest eigenvalue of (E'E)^-1 Pi'Z1~'Z1~ Pi. Equals fs_f (iid)
 *              when K1 = 1. Reported for every variance estimator.
 *   kp_f       Kleibergen-Paap rk Wald F (robust and cluster fits; NaN for iid, where it reduces
 *              to cd_f): the rk statistic of Kleibergen and Paap (2006) for rank K1 - 1 of
 *              Pi, with Theta = F Pi G^-1 (F'F = Z1~'Z1~, G'G = X1~'X1~) and the HC0 (CR0) meat
 *              of the first-stage scores E_i (x) Z1~_i, divided by q and scaled as ivreg2's
 *              widstat: (N - L - D)/N for HC0..HC3, (N - L - D')/(N - 1) (G - 1)/G for one-way
 *              clusters; equal to fs_f when K1 = 1. NaN for two-way clustering.
 *   kp_lm      underidentification: the Kleibergen-Paap rk LM statistic (ranktest's LM form: the
 *              meat from X1~ instead of E; no small-sample factor) for robust/cluster fits; for
 *              iid the Anderson canonical-correlation LM N r^2 (r^2 = lambda_min /
 *              (1 + lambda_min)); chi^2(q - K1 + 1). (ivreg2's idstat.) NaN for two-way.
 *   overid     q > K1 only. iid: Sargan N e'P_A e / e'e ("sargan"; ivreg2's, and AER's
 *              N R^2 when the model has an intercept or fixed effects). Robust and cluster:
 *              Hansen's J ("hansen", ivreg2): J = g' S^-1 g at the two-step efficient GMM
 *              estimate b_g = (X'A S^-1 A'X)^-1 X'A S^-1 A'y, g = A'(y - X b_g), S = sum
 *              e_i^2 a_i a_i' (one-way: sum_g (A_g'e_g)(A_g'e_g)') from the 2SLS residuals; no
 *              small-sample factor (J does not depend on the scale of S with the 1/N
 *              normalisation). chi^2(q - K1). NaN for two-way clustering.
 *   endog      Wu-Hausman: y on [X, V^] by OLS, the F test that the K1 coefficients of V^ are
 *              zero: iid the classical F(K1, N - K - K1 - D) (AER's "Wu-Hausman"); robust and
 *              cluster the regression-based (control-function) Wald F with the fit's variance
 *              estimator, F(K1, N - K - K1 - D) or F(K1, G - 1).
 * With absorbed effects the diagnostics are computed on the demeaned data with N - L - D (and
 * N - L - D' for clusters) as above, which gives the dummy-variable model's values.
 *
 * Collinearity: exogenous regressors and excluded instruments that are exactly collinear with
 * earlier columns of A (exogenous first, then instruments in formula order) are dropped and
 * listed in dropped_collinear; inst_terms lists the instruments kept. An endogenous regressor
 * whose first-stage fit is collinear with the other second-stage columns is not identified:
 * GW_ERANK.
 *
 * Determinism: every pass over the rows is a reduction over GW_BLOCK_ROWS blocks combined in
 * block order (cluster sums in row order), so results are bit-identical for any thread count.
 *
 * Scale: y, the columns of X and the instruments are scanned first (one pass); when one has a
 * largest magnitude outside [2^-100, 2^100] (1e-300 or 1e300 data) the fit runs on a copy in
 * which each such column is scaled by a power of two (exact), and the result, first stages
 * included, is mapped back exactly (gw_ols.h, "Scale"; models/scale.c). Diagnostics are
 * scale-free. Data inside the window are fitted as they are. Memory: the copy, (p + q + 1) N
 * doubles, only in that case. */
#ifndef GW_IV_H
#define GW_IV_H

#include "gw_design.h"
#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* gw_iv_fit -- 2SLS of d (d->n_endog > 0 endogenous last columns of X, instruments d->Z) with
 * the inference of opts and the diagnostics above; absorbed fixed effects when d->nfe > 0.
 * d: in, borrowed, not retained. opts: in, NULL means defaults (vcov, conf_level, ssc, fe_tol,
 *    fe_maxiter, flags GW_OLS_KEEP_RESIDUALS / KEEP_FITTED (structural residuals; fitted =
 *    y - e) / KEEP_SINGLETONS; opts->ls is passed to every least-squares solve).
 * out: owned by the caller on success (gw_result_free), NULL on failure.
 * The result: estimator "2sls" (the contract's estimator field; the command line has no
 * --estimator value for it: the formula's IV part selects it), vcov_type as gw_ols_fit,
 * terms = the kept exogenous then endogenous terms, every field of gw_ols_fit plus
 * n_endog, endog_terms, n_inst, inst_terms, first_stage, fs_*, cd_f, kp_f, kp_lm*,
 * overid_test/stat/df/p, endog_stat/df1/df2/p (gw_result.h); with fixed effects also
 * singletons_dropped, fixed_effects, r2_within, iterations/converged of the demeaning.
 * Returns
 *   GW_EINVAL       d or out NULL; no endogenous regressor or no excluded instrument
 *                   (d->n_endog == 0 or d->Z NULL or d->q == 0); fewer excluded instruments
 *                   than endogenous regressors (d->q < d->n_endog: "underidentified");
 *                   a NULL term name; conf_level outside (0, 1); unknown vcov or ssc; cluster
 *                   errors (gw_ols.h).
 *   GW_ENODATA      no observations (or all singletons).
 *   GW_EDIM         d->p == 0 or n_endog > p.
 *   GW_EUNSUPPORTED HC2/HC3 with two or more absorbed sets; more
 *                   than two cluster variables; two-way clustering with the fixest profile.
 *   GW_ERANK        after dropping collinear instruments fewer remain than endogenous
 *                   regressors, or an endogenous regressor is not identified (its first-stage
 *                   fit collinear with the other regressors).
 *   GW_EILLCOND     HC2/HC3 with an observation of leverage 1 (1 - h_i <= sqrt(eps)) in the
 *                   second stage, a first stage or the Wu-Hausman regression.
 *   GW_ENOCONV      the demeaning did not converge.
 *   GW_ENONFINITE, GW_EINTERNAL: from gw_ls_fit.  GW_ENOMEM.
 * Complexity: (K1 + 1 + K1 + q + 2) least-squares fits of N rows with at most L + K1 columns
 * (first stages, second stage, partialling, Sargan, Wu-Hausman), plus O(N (L + K1)^2) for
 * the cross products and meats; memory O(N (L + 2 K1)) doubles. */
GW_API gw_status gw_iv_fit(const gw_design *d, const gw_ols_opts *opts, gw_result **out);

#endif
