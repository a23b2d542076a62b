/* gw_index.h -- a composite Good Work index per area and time from chosen indicators.
 *
 * Steps (OECD/JRC Handbook on Constructing Composite Indicators, 2008):
 *  1. Direction: indicators flagged in `invert` are "lower is better"; they are turned round
 *     after normalisation (minmax and rank: 1 - v; z: -v), so that higher is always better.
 *  2. Normalisation of each indicator, over the pooled panel (default: all area-years
 *     together, so that changes over time show in the index) or within each time value
 *     (within_time = 1: each year's cross-section on its own scale, trends removed):
 *       minmax  (x - min) / (max - min), in [0, 1];
 *       z       (x - mean) / sd (sd with n - 1);
 *       rank    (average rank - 1) / (m - 1), in [0, 1] (ties share their average rank).
 *     Only rows with every indicator present take part (listwise), so that every indicator is
 *     normalised over the same rows.
 *  3. Weights: equal (1/p), user-given (normalised to sum to 1), or pca: the eigenvector of
 *     the largest eigenvalue of the correlation matrix of the normalised indicators (over the
 *     rows used), sign fixed so that the weights sum to a positive number, divided by their
 *     sum (so they sum to 1; single weights can be negative when an indicator runs against
 *     the others).
 *  4. Aggregation: arithmetic  I = sum_j w_j v_j;
 *                  geometric   I = prod_j y_j^w_j with y_j = 1 + v_j - min_j(v_j) (the
 *     indicator shifted so that its smallest value over the rows used is 1; for minmax and
 *     rank y is in [1, 2]). Geometric needs weights >= 0.
 *  5. Ranks within each time value, 1 = best (highest index); ties get the smallest rank of
 *     the tie (competition ranking). rank_change = rank(t - 1) - rank(t) for the same id (so
 *     positive = moved up); NaN where the id has no index at exactly t - 1.
 *  6. Sensitivity (draws > 0): D weight vectors are drawn from a Dirichlet distribution with
 *     mean w and concentration c (alpha_j = c w_j; default c = 20: a weight of 0.2 then has a
 *     standard deviation of 0.087), the index and ranks recomputed for each, and each
 *     area-year's median rank and 5%/95% rank quantiles (GSL's interpolated quantiles of the
 *     D ranks) reported. The draws come from one gsl_rng_mt19937 seeded with `seed`, drawn in
 *     order before the (parallel) recomputation, so the result depends on seed and D only,
 *     never on the thread count. Needs weights >= 0 (a zero weight stays zero).
 *  7. Goalposts (goal != GW_GOAL_NONE): by default every quantity taken from the data (the
 *     normalisation's min/max, mean/sd or rank distribution, the PCA correlations, the
 *     geometric shift) comes from all the rows used, so adding a year moves every earlier
 *     value and rank. With goalposts they come from a fixed reference instead, and a row's
 *     index depends only on its own indicators (and the reference), never on other years:
 *       GW_GOAL_BASE   the rows of a base period (time values in [base_from, base_to]):
 *                      minmax (x - min_B) / (max_B - min_B); z (x - mean_B) / sd_B; rank
 *                      the mid-rank of x among the base values, (#{b < x} + #{b <= x} - 1) /
 *                      (2 (m_B - 1)): equal to step 2 on the base rows, -0.5 / (m_B - 1)
 *                      below all of them, (m_B - 0.5) / (m_B - 1) above. pca weights from
 *                      the correlations over the base rows.
 *       GW_GOAL_FIXED  given goalposts per indicator (goal_a, goal_b): minmax min and max
 *                      (as the UN HDI's), z mean and sd; not rank; not pca weights.
 *     Values are not capped: beyond the goalposts minmax goes below 0 or above 1, so that
 *     progress past them still shows. The geometric mean uses y = 1 + v (the goalposts' own
 *     minimum is 1), and fails when a value is so far below the goalposts that y <= 0; z with
 *     goalposts has no such minimum and is refused with geometric aggregation. Goalposts and
 *     within_time exclude each other (within-time normalisation never looks at other years).
 *     With a base period covering every time value the result equals step 2's, bit for bit.
 * Missing values: an area-year with any indicator missing gets a NaN (null) index and no
 * rank; it is never imputed. */
#ifndef GW_INDEX_H
#define GW_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

typedef enum { GW_NORM_MINMAX = 0, GW_NORM_Z, GW_NORM_RANK } gw_index_norm;
typedef enum { GW_WEIGHTS_EQUAL = 0, GW_WEIGHTS_PCA, GW_WEIGHTS_USER } gw_index_weighting;
typedef enum { GW_AGG_ARITHMETIC = 0, GW_AGG_GEOMETRIC } gw_index_agg;
typedef enum { GW_GOAL_NONE = 0, GW_GOAL_BASE, GW_GOAL_FIXED } gw_index_goal;

typedef struct {
    gw_index_norm norm;           /* 0: minmax                                               */
    int within_time;              /* 1: normalise within each time value; 0: pooled          */
    gw_index_weighting weighting; /* 0: equal                                                */
    const double *user_weights;   /* p weights for GW_WEIGHTS_USER (borrowed), not all zero  */
    gw_index_agg agg;             /* 0: arithmetic                                           */
    const int *invert;            /* NULL or p flags: 1 = lower is better                    */
    size_t draws;                 /* sensitivity draws; 0: none                              */
    uint64_t seed;                /* RNG seed of the sensitivity analysis                    */
    double concentration;         /* Dirichlet concentration c; 0: 20                        */
    gw_index_goal goal;           /* 0: none (normalise over the rows used); step 7          */
    double base_from, base_to;    /* GW_GOAL_BASE: the base period, time values [from, to]   */
    const double *goal_a;         /* GW_GOAL_FIXED: p (borrowed): minmax min, z mean         */
    const double *goal_b;         /* GW_GOAL_FIXED: p (borrowed): minmax max, z sd           */
    const char *const *names;     /* NULL or p indicator names for messages (borrowed)       */
} gw_index_opts;                  /* all-zero means the documented defaults */

/* The result (transparent; arrays owned, released by gw_index_free). Row arrays have n
 * entries in the input's row order. */
typedef struct {
    size_t n, p;
    double *weights;     /* p, summing to 1                                                 */
    double pca_share;    /* pca: largest eigenvalue / p (variance share); else NaN          */
    double *value;       /* n: the index (NaN = missing)                                    */
    double *rank;        /* n: rank within time, 1 = best (NaN = missing)                   */
    double *rank_change; /* n: rank(t-1) - rank(t) (NaN where undefined)                    */
    double *norm;        /* n x p column-major normalised indicators (after direction)     */
    double *sens_median, *sens_q05, *sens_q95; /* n each when draws > 0, else NULL           */
    size_t nused;              /* rows with an index                                              */
    double *goal_a, *goal_b;   /* p each with goalposts, the ones used (minmax min and max, z
                                * mean and sd; rank NaN: its reference is the base's values);
                                * NULL without goalposts */
    gw_index_goal goal;        /* the goalposts' kind (opts->goal)                            */
    double base_from, base_to; /* GW_GOAL_BASE: the base period; else NaN                     */
} gw_index;

/* gw_index_compute -- the composite index of the n x p indicators X.
 *
 * in  X      borrowed, n x p column-major (ld n), NaN = missing.
 * in  id     borrowed, n area keys (NaN = missing: no rank change), or NULL.
 * in  time   borrowed, n time values, or NULL (one cross-section: all rows are one time).
 * in  opts   see gw_index_opts (NULL: defaults).
 * out out    owned, gw_index_free; NULL on failure.
 *
 * Returns GW_OK; GW_EINVAL (NULL X/out, unknown enum values, user weights missing, negative
 * sum or not finite, negative weights with geometric aggregation or with draws > 0,
 * concentration < 0; goalposts with within_time, a base period without time or with from >
 * to, fixed goalposts missing, not finite, min >= max or sd <= 0, or with rank normalisation
 * or pca weights, z goalposts with geometric aggregation); GW_EDIM (n == 0 or p == 0);
 * GW_ENODATA (fewer than 2 rows with every indicator, within a time value when within_time,
 * in the base period); GW_EILLCOND (an indicator is constant over the rows used, within a
 * time value, or in the base period, so it cannot be normalised; or the PCA weights sum to
 * ~0, so that the first component has no direction to give; or, geometric with goalposts, a
 * value so far below them that 1 + v <= 0); GW_ENOMEM; gw_eig_sym's statuses. Messages name
 * the indicator (opts->names, else "indicator j") and the time value.
 *
 * Complexity: O(n p + n log n) without sensitivity; O(draws (n p + n log n)) with it, the
 * draws spread over OpenMP threads (one slot per draw). Memory O(n draws) for the ranks. */
GW_API gw_status gw_index_compute(size_t n, size_t p, const double *X, const double *id,
                                  const double *time, const gw_index_opts *opts, gw_index **out);

/* gw_index_free -- release x; NULL-safe. */
GW_API void gw_index_free(gw_index *x);

#endif
