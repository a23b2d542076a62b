/* gw_glm_stream.h -- out-of-core (and distributed) Poisson, logit and probit regressions with
 * absorbed fixed effects: PPML and the fixed-effects logit/probit of gw_glm.h, over the row
 * blocks of a gw_stream_source (gw_stream.h) instead of an in-memory design.
 *
 * The fit is the in-core one (models/glm/glm_fe.c, gw_glm.h) pass by pass: the same separation and
 * singleton rules, the same IRLS with step-halving and the same convergence criterion, the
 * variance at the converged coefficients, the same statistics and result fields. Each IRLS
 * step is one weighted within regression of the working response on X, run by the streaming
 * engine (gw_stream_fit) over a wrapper source that turns each block's rows into (z, W); the
 * next linear predictor comes from the engine's coefficients and fixed-effect coefficients
 * (gw_stream_opts.fe_coef), the demeaning is warm-started from the previous step's
 * (gw_stream_opts.fe_alpha). Nothing of size n is held: O(p^2 + levels (p + 4)) doubles plus
 * the engine's memory, and one bit per source row only when separation is found at
 * convergence (below).
 *
 * Passes: separation/singletons 1 (when nothing is dropped; otherwise 2 S + 2 per round and
 * one more per separating regressor), the start 1, per IRLS iteration the engine's passes
 * (gw_stream.h) + 1 (the deviance; + 1 per step-halving), then 1 (statistics and the check for
 * separation at convergence) and the engine's passes once more for the variance.
 *
 * Agreement with the in-core fit: the in-core demeaning is by conjugate gradients, the
 * streaming one by alternating projections; with a tight fe_tol (1e-14) and tol (1e-13) both
 * reach the same IRLS iterates and every estimate, standard error, statistic, deviance,
 * log-likelihood and information criterion agrees to 1.5e-12 relative (largest measured,
 * tests/models/test_glm_stream.c: Poisson iid, weighted HC1, two-way cluster, a separating
 * regressor; logit clustered). The
 * variance is computed from the engine's sandwich with the working residuals demeaned (the
 * in-core fit uses them raw): at convergence the two differ by the fixed effects' score,
 * which the convergence criterion makes negligible.
 *
 * Distributed use: pass so.reducer / row_begin / row_end as for gw_stream_fit; every rank
 * runs the same iterations (every decision is taken on reduced, identical numbers) and gets
 * the same result.
 *
 * Scale: as gw_stream_fit (gw_stream.h): when the result looks damaged by underflow or overflow,
 * or the fit failed on a numerical status or on a working weight that overflowed, one scanning
 * pass and, when a regressor (or, for Poisson, the response) is outside [2^-100, 2^100], the fit
 * again through a source that scales those columns by powers of two; the result maps back as
 * gw_glm_fit's does (gw_glm.h, "Scale"). Ordinary data cost no pass. */
#ifndef GW_GLM_STREAM_H
#define GW_GLM_STREAM_H

#include "gw_export.h"
#include "gw_glm.h"
#include "gw_result.h"
#include "gw_status.h"
#include "gw_stream.h"

/* gw_stream_glm_fit -- the GLM opts->kind of the source's response on its regressors with its
 * src->nfe >= 1 absorbed fixed-effect sets.
 *   src   in, borrowed for the call: y must be a valid response (Poisson y >= 0, binomial
 *         0 <= y <= 1); w, when src->weighted, are prior weights; has_intercept must be 0.
 *   opts  in, borrowed; NULL: defaults (gw_glm_opts: kind, vcov iid/HC0/HC1/cluster,
 *         conf_level, tol, maxiter, ssc goodwork/stata/statsmodels, fe_tol, fe_maxiter,
 *         GW_GLM_KEEP_SINGLETONS).
 *   so    in, borrowed; NULL: one process over all rows. so->fe_coef, fe_alpha, fe_warm are
 *         ignored (the fit uses its own); so->stats, when given, receives the whole fit's
 *         passes (the engine's entries for its runs, "separation", "start", "deviance",
 *         "statistics" for the others; npasses, read_seconds, rows_read, sweeps summed).
 *   out   out, owned (gw_result_free); NULL on failure.
 * The result has gw_glm_fit's fields for a fixed-effects GLM (gw_glm.h, glm_fe.c): estimator,
 * family, link, vcov_type, response, nobs, nobs_dropped_missing, singletons_dropped,
 * nobs_separated, dropped_separated, dropped_collinear, df_resid = N - K - D, the estimates
 * with z inference, vcov, loglik, deviance, null_deviance, pseudo_r2, aic, bic, dispersion 1,
 * iterations (IRLS), converged, rank, rcond, fixed_effects; solver "stream-tsqr".
 * Returns
 *   GW_OK
 *   GW_EINVAL        NULL src/out, src->nfe == 0 or has_intercept, opts out of range (as
 *                    gw_glm_fit), a weight <= 0, a bad code (as gw_stream_fit).
 *   GW_EUNSUPPORTED  HC2/HC3, the fixest profile, GW_GLM_AME, GW_GLM_KEEP_RESIDUALS/FITTED,
 *                    more than two cluster variables.
 *   GW_EFORMAT       a response outside the family's range.
 *   GW_ENODATA       no rows left after singletons and separation.
 *   GW_ERANK         every regressor separates the outcome, or is absorbed.
 *   GW_ENOCONV       IRLS or the demeaning did not converge; separation remaining after
 *                    4 rounds.
 *   GW_ENONFINITE, GW_ENOMEM, GW_EINTERNAL, and whatever the source or reducer returns.
 * Complexity: (number of passes above) x (one read of the blocks); per IRLS iteration the
 * engine's O(n p^2). */
GW_API gw_status gw_stream_glm_fit(const gw_stream_source *src, const gw_glm_opts *opts,
                                   const gw_stream_opts *so, gw_result **out);

#endif
