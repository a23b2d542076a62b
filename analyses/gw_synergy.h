/* gw_synergy.h -- "synergies": how the dimensions of good work and wellbeing move together.
 *
 * Correlation matrices of p variables over a panel (rows = area-years): one per time value,
 * one per period (time ranges cut at configurable breaks, by default pre-2020, 2020-21 and
 * 2022+), partial correlations controlling for chosen variables, and correlations of first
 * differences within an area. Each matrix comes with Fisher-z confidence intervals and
 * t-test p-values. Links that switch sign between periods (significant in both, opposite
 * signs) are listed.
 *
 * Conventions (fixed; the CLI documents them to users):
 *  - Listwise deletion per matrix: a row enters a matrix when all p variables (and, for
 *    partial correlations, all controls) are present. n is that count.
 *  - Period matrices pool the years of the period. With demean_time (the default) each
 *    variable is first demeaned within each time value among the rows used, so that the
 *    pooled correlation is the average cross-sectional (within-year) association and common
 *    trends do not create spurious correlation; demean_time = -1 keeps raw values.
 *  - p-value: two-sided t test of r = 0, t = r sqrt(df / (1 - r^2)), df = n - 2 - k (k the
 *    number of controls; for period matrices with within-year demeaning the T - 1 extra means
 *    removed are NOT subtracted from df: with 360 areas the difference is negligible and the
 *    numbers then match a plain cor.test on the demeaned data).
 *  - Confidence interval: Fisher z, tanh(atanh(r) -+ q / sqrt(n - 3 - k)), q the normal
 *    quantile of (1 + conf_level) / 2.
 *  - Partial correlations: the correlation of the residuals of each variable regressed (OLS
 *    with intercept, gw_ls_fit) on the controls, within the same rows (and after the same
 *    within-year demeaning for periods).
 *  - Changes: dx_it = x_it - x_i,t-1 for the same id with time exactly one unit earlier (a
 *    gap gives no change); change matrices are by period, the change into year t belonging to
 *    t's period, demeaned within time like levels.
 *  - Clustered (gw_synergy_opts.cluster): rows without a cluster key are left out (listwise,
 *    as a variable). r is unchanged; its p-value and interval come from the regression of
 *    one standardised variable on the other (with an intercept; the slope is r), on the rows
 *    and values the matrix correlates (demeaned within time, residualised on the controls),
 *    with the CR1 variance of that slope, G/(G-1) (n-1)/(n-2) (sum_g s_g^2) / (x'x)^2
 *    (sandwich::vcovCL, type "HC1"; G the clusters among the rows used). The two directions
 *    (y on x, x on y) give the same slope but different errors: the larger is used, so the
 *    matrix stays symmetric and the order of the variables does not matter. p-value: two-sided
 *    t(G - 1) of r / se; interval r -+ t_{G-1} se, clipped to [-1, 1]; NaN with G < 2.
 * Undefined entries (n too small, a constant variable) are NaN. */
#ifndef GW_SYNERGY_H
#define GW_SYNERGY_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

/* Maximum number of period breaks (periods = breaks + 1). */
#define GW_SYNERGY_MAX_BREAKS 16

typedef struct {
    const double *breaks; /* borrowed, nbreaks ascending; period j covers [breaks[j-1],
                             breaks[j]) in time units. NULL/0: {2020, 2022}.               */
    size_t nbreaks;
    int demean_time;   /* 0 or 1: demean within time for pooled matrices; -1: raw       */
    double conf_level; /* 0: 0.95                                                        */
    int no_changes;    /* 1: skip the correlations of changes                           */
    const double *cluster; /* borrowed, n cluster keys (NaN: the row is not used), or NULL:
                            * clustered inference for every matrix (see "Clustered") */
} gw_synergy_opts;         /* all-zero means the documented defaults */

/* One correlation matrix: p x p arrays, row-major (element [i][j] at i*p + j), symmetric,
 * diagonal r = 1 (CI and p-value NaN on the diagonal). */
typedef struct {
    char label[48];  /* "2014", "pre-2020", "2020-2021", "2022+", "all"                */
    double from, to; /* time range covered (inclusive); NaN for unbounded ends          */
    size_t n;        /* rows used                                                       */
    size_t n_clusters; /* with a cluster variable: clusters among the rows used; else 0     */
    double *r, *ci_low, *ci_high, *p_value; /* owned, p*p each                               */
} gw_cormat;

/* A link that switched sign: variables i < j, periods a < b (indices into by_period). */
typedef struct {
    size_t i, j, a, b;
    double r_a, r_b, p_a, p_b;
} gw_sign_switch;

/* The result (transparent; every pointer owned, released by gw_synergy_free). */
typedef struct {
    size_t p, ncontrols;
    double conf_level;
    gw_cormat *by_time; /* one per distinct time value, ascending                          */
    size_t ntime;
    gw_cormat *by_period; /* nbreaks + 1 (periods without rows have n = 0 and NaN entries)   */
    size_t nperiod;
    gw_cormat all;            /* the whole panel, pooled (demeaned within time as periods)       */
    gw_cormat *partial;       /* per period, controlling for the controls; NULL if ncontrols = 0 */
    gw_cormat *changes;       /* per period, of first differences; NULL without ids/no_changes   */
    gw_sign_switch *switches; /* between by_period matrices, ordered by (i, j, a, b)         */
    size_t nswitches;
} gw_synergy;

/* gw_synergy_compute -- every correlation matrix described at the top of this header.
 *
 * in  n, p       rows and variables (p >= 2).
 * in  X          borrowed, n x p column-major (ld n); NaN = missing.
 * in  ncontrols, C  borrowed, n x ncontrols column-major controls for partial correlations
 *                (C NULL when ncontrols = 0).
 * in  id         borrowed, n area keys (any doubles; NaN = missing), or NULL (no changes).
 * in  time       borrowed, n time values (NaN = missing: the row is not used). Required.
 * in  opts       see gw_synergy_opts.
 * out out        owned, gw_synergy_free; NULL on failure.
 *
 * Returns GW_OK; GW_EINVAL (NULL X/time/out, C NULL with controls, breaks not ascending or
 * not finite, more than GW_SYNERGY_MAX_BREAKS, conf_level outside (0,1)); GW_EDIM (p < 2,
 * n == 0); GW_ENODATA (no row has all variables present); GW_ENOMEM; whatever gw_ls_fit
 * returns for the residualisation (only GW_ENOMEM in practice: collinear controls are
 * aliased, not errors).
 *
 * Numerical notes: two-pass centred cross-products (means first), r = s_ij / sqrt(s_ii s_jj),
 * clipped to [-1, 1]; t tail by gsl_cdf_tdist_Q, normal quantile by gsl_cdf_ugaussian_Pinv.
 * Complexity: O(n p^2) per matrix, O(n (p + k) k) for the residualisation; sequential (the
 * matrices are small), so the result cannot depend on the thread count. */
GW_API gw_status gw_synergy_compute(size_t n, size_t p, const double *X, size_t ncontrols,
                                    const double *C, const double *id, const double *time,
                                    const gw_synergy_opts *opts, gw_synergy **out);

/* gw_synergy_free -- release s; NULL-safe. */
GW_API void gw_synergy_free(gw_synergy *s);

/* gw_cor_test -- the p-value and Fisher-z interval of one correlation r from n rows with k
 * controls, as used above (NaN where n - 3 - k < 1 or r is NaN). */
GW_API void gw_cor_test(double r, size_t n, size_t k, double conf_level, double *p_value,
                        double *ci_low, double *ci_high);

#endif
