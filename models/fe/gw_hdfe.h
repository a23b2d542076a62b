/* gw_hdfe.h -- absorbed high-dimensional fixed effects: singletons, the within transformation,
 * the degrees of freedom they absorb, and least squares with them (the within estimator).
 *
 * A gw_hdfe is built once from the fixed-effect factors of a design (d->fe) and then demeans
 * any number of columns in place. It owns compacted copies of the codes (rows kept after
 * dropping singletons, levels renumbered 0..L_g-1 in their original order), the kept weights,
 * and the weight of every level.
 *
 * Singletons (gw_hdfe_new). An observation whose level of some fixed effect occurs in no other
 * kept observation is dropped; dropping it can make another level a singleton, so passes over
 * all sets repeat until a pass drops nothing (the result is the largest subset in which every
 * level of every set has at least two observations, whatever the order of the passes).
 * GW_HDFE_KEEP_SINGLETONS keeps them.
 *
 * Within transformation (gw_hdfe_demean). For a column y the demeaned column is
 * y~ = y - D g, where D is the n x L dummy matrix of all sets and g solves the weighted normal
 * equations A g = D'W y, A = D'W D. The solver works on the L coefficients, never on dense
 * dummies or copies of the data:
 *  - one set: g = group means (weighted), exactly, then one correcting pass (the corrected
 *    two-pass mean): iterations = 1;
 *  - two or more sets: conjugate gradients on A g = D'W y preconditioned by diag(A) (the level
 *    weights; block Jacobi, as reghdfe's CG acceleration of alternating projections), with the
 *    column updated in place by y <- y - D g after each solve and the solve repeated on the
 *    updated column while the criterion fails (iterative refinement; each refinement restarts
 *    CG from the true residual D'W y~ computed from the data).
 * Convergence criterion (relative, on the data): sqrt(sum_g ||P_g y~||_W^2) <=
 * max(tol ||y~||_W, 16 S eps ||y||_W), with P_g the weighted projection on set g (the group
 * means), S the number of sets, eps = DBL_EPSILON; the second term is the rounding floor of
 * computing y~ from y. A column whose demeaned norm falls below GW_HDFE_COLLIN ||y||_W is
 * absorbed by the fixed effects (constant within groups): it is set to exactly zero, so that
 * least squares finds it collinear and drops it. Iterations count CG steps (summed over
 * refinements), the maximum over columns is reported. No convergence within maxiter steps is
 * GW_ENOCONV, never silent.
 * Threads: OpenMP over columns; each column is demeaned by one thread in row order, so the
 * result is bit-identical for any thread count.
 *
 * Degrees of freedom absorbed (D, gw_hdfe_df). The set contributions d_g add up to D:
 *   d_1 = L_1; for g >= 2, d_g = L_g - max_{h<g} C(h, g), C(h, g) = the number of connected
 * components of the bipartite graph whose edges are the observed pairs (level of h, level of g).
 * Exact for one and two sets (D = L_1 + L_2 - C(1,2), Abowd, Creecy and Kramarz 2002). For
 * three or more it is the "pairwise" rule: each further set loses the redundancies it has with
 * the earlier set that shares the most with it, an upper bound on the exact rank (so variances
 * are conservative), equal to it when the sets' redundancies are only the common constant.
 *
 * Nestedness (gw_hdfe_nested): set g is nested in a cluster variable when every level of g
 * lies within a single cluster. Nested sets are left out of the cluster variance's D'.
 *
 * Small-sample profiles (gw_ssc of gw_ols.h), with N observations after singletons, K slopes
 * (the rank of the demeaned regressors), D as above, D' = the sum of d_g over the sets NOT
 * nested in any cluster variable, S sets, L_g levels:
 *   goodwork (the contract): iid s^2 = RSS/(N-K-D); HC1 N/(N-K-D); HC2/HC3 full leverage;
 *     cluster G/(G-1) (N-1)/(N-K-D') (two-way: each term its own G/(G-1)); t df N-K-D, or
 *     min(G)-1 when clustered.
 *   stata (reghdfe, xtreg fe): as goodwork, except cluster (N-1)/(N-K-D'-1) when some set is
 *     nested in a cluster variable (Stata keeps the reported _cons in K once the nested fixed
 *     effects are dropped from the count: xtreg, fe vce(cluster id) uses (N-1)/(N-K-1)).
 *   fixest (feols defaults ssc(adj = TRUE, fixef.K = "nested", cluster.adj = TRUE,
 *     cluster.df = "min", t.df = "min"), computed from fixest's documented rules, fixest not
 *     being available here): K_f = K + sum_g L_g - (S-1) (no connected-component check:
 *     fixef.force_exact = FALSE); iid s^2 = RSS/(N-K_f); HC1 N/(N-K_f) (fixest's "hetero");
 *     cluster (N-1)/(N-K_n) G/(G-1), K_n = K_f - sum_{nested g}(L_g - 1), or K + 1 when every
 *     set is nested; two-way clustering multiplies all three terms by min(G)/(min(G)-1);
 *     t df N-K_f, or min(G)-1 when clustered.
 *   statsmodels (OLS on the dummy-variable design, LSDV; it has no absorption): every fixed
 *     effect counted, no nesting rule: iid RSS/(N-K-D), HC1 N/(N-K-D), HC2/HC3 full leverage,
 *     cluster G/(G-1) (N-1)/(N-K-D); t df as goodwork.
 * HC0, HC2 and HC3 carry no degrees-of-freedom factor in any profile. */
#ifndef GW_HDFE_H
#define GW_HDFE_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* Default relative tolerance of the demeaning criterion (2^-33, about 1.2e-10): slopes then
 * agree with the dummy-variable regression to about 1e-9 relative on the generated panels of
 * tests/models/test_hdfe.c, which pins it. reghdfe's default is 1e-8. */
#define GW_HDFE_TOL 1.16415321826934814453125e-10
/* Default limit on CG iterations per column (fixest's fixef.iter is 10,000). */
#define GW_HDFE_MAXITER ((size_t)10000)
/* Relative norm below which a demeaned column counts as absorbed (2^-33 as well: fewer than
 * about 6 of its digits would survive the subtraction). */
#define GW_HDFE_COLLIN 1.16415321826934814453125e-10

#define GW_HDFE_KEEP_SINGLETONS 0x1u /* do not drop singleton groups */

typedef struct {
    double tol;     /* 0: GW_HDFE_TOL; otherwise in (0, 1)                      */
    size_t maxiter; /* 0: GW_HDFE_MAXITER                                       */
    unsigned flags; /* GW_HDFE_*                                                */
} gw_hdfe_opts;     /* all-zero means the documented defaults */

/* What one gw_hdfe_demean call did. */
typedef struct {
    size_t iterations; /* the largest number of iterations over the columns          */
    size_t absorbed;   /* columns found absorbed (set to zero)                       */
    int converged;     /* 1 when every column met the criterion                       */
} gw_hdfe_stats;

typedef struct gw_hdfe gw_hdfe; /* opaque; gw_hdfe_new / gw_hdfe_free */

/* gw_hdfe_new -- prepare the fixed effects fe[0..nfe-1] over n rows.
 * fe: in, borrowed (codes in 0..nlevels-1). w: in, borrowed, NULL or n weights > 0. When no
 * row is dropped, w and the codes of every set whose levels all occur are used in place (not
 * copied), so they must then outlive h and stay unchanged; otherwise the kept rows are copied.
 * opts: NULL means the defaults. out: owned (gw_hdfe_free); NULL on failure. Returns GW_EINVAL
 * (NULL arguments, nfe == 0, a factor without codes, a code out of range, tol outside (0, 1), a
 * weight <= 0 or not finite), GW_ENODATA (n == 0, or every row is a singleton), GW_ENOMEM.
 * Complexity: O(n S) per singleton pass (usually one or two), O(n S^2) union-find for the
 * degrees of freedom (near-linear), O(n S) memory for the compacted codes. */
GW_API gw_status gw_hdfe_new(const gw_factor *fe, size_t nfe, size_t n, const double *w,
                             const gw_hdfe_opts *opts, gw_hdfe **out);

/* gw_hdfe_set_weights -- replace the weights of h (IRLS: the working weights change every
 * iteration while the rows, codes, singletons and degrees of freedom do not). w: in, borrowed,
 * gw_hdfe_nobs(h) weights > 0 over the KEPT rows (compacted order), copied into storage owned
 * by h (caller's arrays given to gw_hdfe_new are never written). The level weights and the
 * product's sorted weights are recomputed; gw_hdfe_weights then returns h's copy. An
 * unweighted h becomes weighted. Returns GW_EINVAL (h or w NULL, a weight <= 0 or not finite:
 * h unchanged), GW_ENOMEM (h unchanged). Complexity: O(n S) time, O(n) memory on the first
 * call (and O(n) more for the sorted copy when it was unweighted with two or more sets). */
GW_API gw_status gw_hdfe_set_weights(gw_hdfe *h, const double *w);

/* gw_hdfe_free -- release h; NULL-safe. */
GW_API void gw_hdfe_free(gw_hdfe *h);

GW_API size_t gw_hdfe_nobs(const gw_hdfe *h);             /* rows kept                           */
GW_API size_t gw_hdfe_singletons(const gw_hdfe *h);       /* rows dropped as singletons          */
GW_API size_t gw_hdfe_singleton_passes(const gw_hdfe *h); /* passes that dropped rows    */
GW_API size_t gw_hdfe_nfe(const gw_hdfe *h);
GW_API size_t gw_hdfe_levels(const gw_hdfe *h, size_t g); /* L_g after singletons        */
GW_API size_t gw_hdfe_df(const gw_hdfe *h);               /* D                            */
GW_API size_t gw_hdfe_df_set(const gw_hdfe *h, size_t g); /* d_g                          */
/* Borrowed, valid until gw_hdfe_free: the kept rows' indices into the original n rows
 * (increasing; NULL when every row is kept), the compacted codes of set g, the compacted weights
 * (NULL if unweighted). */
GW_API const size_t *gw_hdfe_rows(const gw_hdfe *h);
GW_API const int32_t *gw_hdfe_codes(const gw_hdfe *h, size_t g);
GW_API const double *gw_hdfe_weights(const gw_hdfe *h);

/* gw_hdfe_compact -- dst[i] = src[rows[i]] for the kept rows; dst == src is allowed (stable
 * in place). */
GW_API void gw_hdfe_compact(const gw_hdfe *h, const double *src, double *dst);

/* gw_hdfe_demean -- demean ncol columns in place: cols[j] points at gw_hdfe_nobs(h) doubles
 * (kept rows). stats: out, may be NULL.
 * Returns GW_ENONFINITE (a NaN or infinity in a column), GW_ENOCONV (some column did not meet
 * the criterion within maxiter iterations: "column j: no convergence after M iterations
 * (criterion c)"; the columns are then partly demeaned), GW_ENOMEM.
 * Complexity: per column, 2 passes over the data (3 for one set) plus one pass over the
 * codes per iteration; memory 6 L doubles per thread (L = total levels). */
GW_API gw_status gw_hdfe_demean(const gw_hdfe *h, double *const *cols, size_t ncol,
                                gw_hdfe_stats *stats);

/* gw_hdfe_nested -- 1 when every level of set g lies in a single cluster of codes (over the
 * kept rows, values in 0..nlevels-1), else 0; -1 if memory fails. O(n). */
GW_API int gw_hdfe_nested(const gw_hdfe *h, size_t g, const int32_t *codes, size_t nlevels);

/* gw_ols_fit_fe_inplace -- gw_ols_fit for a design with absorbed fixed effects (d->nfe > 0),
 * demeaning d's own X and y in place so that no copy of the regressors is made (peak memory
 * about the design plus O(n) vectors).
 * d: in/out, borrowed: on return (success or failure) d->X and d->y hold unspecified values
 *    (demeaned, compacted); everything else in d is unchanged. Free it with gw_design_free.
 * opts, out: as gw_ols_fit. The result (conventions: the file comment and gw_ols.h) adds:
 *    nobs after singletons, singletons_dropped, fixed_effects (name, levels after singletons),
 *    r2 (full model, fixed effects included: 1 - RSS/TSS around the weighted mean of y),
 *    r2_within (R^2 of the demeaned regression), adj_r2 = 1 - (1-r2)(N-1)/(N-K-D),
 *    df_resid = N-K-D, rmse = sqrt(RSS/(N-K-D)), iterations and converged of the demeaning;
 *    the F test of all slopes (iid: (MSS_within/K) / (RSS/(N-K-D)); otherwise Wald).
 *    Residuals (GW_OLS_KEEP_RESIDUALS) are those of the full model, fitted values (KEEP_FITTED)
 *    y - e, both over the kept rows. d->Xlo (double-double low parts of powers) is not used:
 *    the demeaned columns are ordinary doubles.
 * Scale: y and the columns are scanned first (one pass); when one has a largest magnitude outside
 * [2^-100, 2^100] (1e-300 or 1e300 data, whose demeaning sums of squares overflow or underflow)
 * each such column is scaled by a power of two before the demeaning (which is linear, so this is
 * exact up to rounding) and the result is mapped back exactly (gw_ols.h, "Scale"); the in-place
 * variant scales d's own arrays, gw_ols_fit with fixed effects a copy.
 * Returns gw_ols_fit's statuses and GW_ENOCONV (demeaning), GW_EUNSUPPORTED (HC2/HC3 with two
 * or more sets: their full-model leverage is not computed; an ssc profile combination that is
 * not implemented), GW_ENODATA (every row a singleton), GW_EINVAL (opts.ssc unknown, fe_tol
 * outside (0, 1)). */
GW_API gw_status gw_ols_fit_fe_inplace(gw_design *d, const gw_ols_opts *opts, gw_result **out);

#endif
