/* gw_fixef.h -- estimates of the absorbed fixed effects of a within fit (`fit --save-fe`).
 *
 * The within estimator gives the slopes b without the fixed effects; their estimates alpha
 * solve the least-squares problem D alpha ~ v over the rows the fit used (after singletons),
 * v = y - X b, D the dummies of every set: alpha_g[l] is the (weighted) mean over the rows of
 * level l of set g of v minus the other sets' effects. One set: the group means, exactly.
 * Several sets: alternating projections (Gauss-Seidel over the sets) until no effect moves by
 * more than GW_FIXEF_TOL times the largest |v|, at most GW_FIXEF_MAXITER sweeps (GW_ENOCONV).
 *
 * Normalisation: with one set the effects are unique (no intercept is reported). With S > 1 sets
 * D has S - 1 redundant directions (more with several connected components); every set after
 * the first is shifted so that its first level (in level order: categorical level order, or
 * increasing values) is 0, the first set absorbing the shifts: R's lm(y ~ x + factor(a) +
 * factor(b) - 1) and fixest::fixef() for two sets in one connected component. What is
 * identified in every case, and what predictions use, is the sum over the sets (D alpha): the
 * fitted values x'b + sum_g alpha_g agree with the dummy-variable regression's.
 *
 * Thread-safety: safe from several threads at once on different results. */
#ifndef GW_FIXEF_H
#define GW_FIXEF_H

#include "gw_design.h"
#include "gw_export.h"
#include "gw_result.h"
#include "gw_status.h"

/* Convergence of the alternating projections: 2^-43 (about 1.1e-13) of the largest |v|, so that
 * fitted values agree with the dummy-variable regression to about 1e-12 relative
 * (tests/cli/test_postest_cli.c pins them to 1e-10 against R's lm). */
#define GW_FIXEF_TOL 1.1368683772161603e-13
#define GW_FIXEF_MAXITER ((size_t)100000)

/* gw_fixef_estimate -- the fixed-effect estimates of the within fit r (slopes by term name) on
 * its design d (borrowed: the original, not demeaned, X and y, its weights, fixed effects and
 * d->fe_levels, gw_frame_opts.fe_levels), into r->fixed_effects[g] (neffects, level_names,
 * effects: the levels with at least one row used). keep_singletons: as the fit (singleton rows
 * then count). Returns GW_OK; GW_EINVAL (NULL arguments, d without fixed effects or level names,
 * r with another number of sets); GW_ENOCONV (above); gw_hdfe_new's statuses; GW_ENOMEM.
 * Complexity: O(n (p + S)) per sweep; memory O(n + levels). */
GW_API gw_status gw_fixef_estimate(const gw_design *d, gw_result *r, int keep_singletons);

#endif
