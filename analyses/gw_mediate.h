/* gw_mediate.h -- mediation analysis by the product of coefficients in the linear
 * fixed-effects framework, with cluster-bootstrap and delta-method intervals.
 *
 * Model. A treatment T acts on an outcome Y directly and through k >= 1 mediators M_1..M_k:
 *   mediator equations  M_j = a_j T + C_m'g_j + FE + u_j        (j = 1..k)
 *   outcome equation    Y   = c' T + sum_j b_j M_j + C_y'h + FE + e
 * with controls C (C_m those of the mediator equations, C_y those of the outcome equation;
 * the same set unless a skip mask says otherwise) and absorbed fixed effects FE (the design's
 * d->fe, the within estimator) or an intercept (d->has_intercept). Effects:
 *   indirect_j = a_j b_j,  indirect = sum_j indirect_j,  direct = c',
 *   total = direct + indirect,  proportion mediated = indirect / total.
 * When C_m == C_y and every equation uses the same rows, total equals exactly (up to rounding)
 * the coefficient of T in Y = c T + C'h + FE + e (reported as total_regression): the OLS
 * omitted-variable identity. With different control sets the two differ and the product of
 * coefficients is what total reports.
 *
 * Input. One design d (core/gw_design.h) holding every column the equations use: y = the
 * outcome, X = [(Intercept),] T, the mediators and the controls in any order; d->fe the fixed
 * effects; d->cluster[0] (optional) the cluster variable. The spec names the columns. Every
 * equation is fitted on the same rows (those of d, less singleton fixed-effect groups, which
 * are dropped as gw_ols_fit drops them).
 *
 * Bootstrap (the clusters of d->cluster[0], or the rows when d has no cluster variable): each
 * replication draws G clusters with replacement (G = the number of clusters), stacks their
 * rows and refits every equation. A fixed effect nested in the cluster variable (every level
 * inside one cluster, e.g. local authority within local authority) is re-labelled per drawn
 * copy, so a cluster drawn twice contributes two distinct groups (the standard cluster
 * bootstrap with unit effects); other fixed effects (year) keep their levels. Replication r
 * draws from its own GSL mt19937 generator seeded with gw_mediate_stream_seed(seed, r), so the
 * replicates, stored by index, are the same bytes for any thread count. A replication whose
 * equations cannot be estimated (T or a mediator aliased, every row a singleton) is recorded as
 * NaN, counted in boot_failed and left out of the intervals.
 *   Percentile interval: the alpha/2 and 1 - alpha/2 quantiles of the valid replicates
 *     (linear interpolation between order statistics, R's type 7 / numpy's default).
 *   BCa (Efron 1987; Efron and Tibshirani 1993, ch. 14): z0 = Phi^-1(#{theta*_r < theta} / B)
 *     (replicates within sqrt(DBL_EPSILON) |theta| of theta are ties and count as half),
 *     acceleration a = sum d_g^3 / (6 (sum d_g^2)^(3/2)), d_g = mean_h theta_(h) - theta_(g),
 *     theta_(g) the estimate without cluster g (the delete-one-cluster jackknife, G refits);
 *     the interval is the percentile interval at Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q))) for
 *     z_q = Phi^-1(alpha/2) and Phi^-1(1 - alpha/2). NaN when every replicate is on one side.
 * Delta method ("Sobel" generalised): the joint cluster-robust covariance of (a_1..a_k,
 * b_1..b_k, c') from the equations' cluster scores, V[u][v] = sqrt(c_u c_v) sum_g psi_gu psi_gv
 * with psi_g = row of the bread times the score of cluster g, c_e = G/(G-1) (N-1)/(N-K_e-D')
 * (the contract's CR1 factor of the equation: its diagonal blocks are gw_ols_fit's cluster
 * vcovs); gradients of each effect; interval estimate -/+ t(G-1) SE. Without a cluster
 * variable each row is a cluster (HC1). Cross-equation covariances are included, so the SE of
 * the total and of the proportion are proper delta-method SEs.
 *
 * Threads: replications (and jackknife refits) run in parallel over OpenMP, each on its own
 * data; results do not depend on the thread count (gw_threads_set). */
#ifndef GW_MEDIATE_H
#define GW_MEDIATE_H

#include <stddef.h>
#include <stdint.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_status.h"

/* Default number of bootstrap replications: 999 makes (B + 1) alpha an integer at the usual
 * levels, and the BCa endpoints' Monte Carlo error small (Efron and Tibshirani 1993, 14.7). */
#define GW_MEDIATE_DEFAULT_BOOT ((size_t)999)

/* Which bootstrap interval fills gw_mediate_effect.ci_low / ci_high. */
typedef enum { GW_MED_CI_PERCENTILE = 0, GW_MED_CI_BCA, GW_MED_CI_DELTA } gw_mediate_ci;

/* Flags of gw_mediate_opts. */
#define GW_MED_NO_BOOT 0x1u         /* no bootstrap: delta-method intervals only (ci DELTA)  */
#define GW_MED_KEEP_REPLICATES 0x2u /* keep every replicate in result->replicates          */
#define GW_MED_KEEP_SINGLETONS 0x4u /* do not drop singleton fixed-effect groups            */

/* What the columns of the design are. Borrowed; indexes into d->X's columns (0..p-1). */
typedef struct {
    size_t treatment;        /* the column of T                                          */
    const size_t *mediators; /* nmediators columns, distinct, none of them T             */
    size_t nmediators;       /* >= 1                                                     */
    const unsigned char *skip_mediator; /* NULL, or p flags: 1 = leave this control out of
                                           the mediator equations (T, mediators, intercept
                                           must be 0)                                    */
    const unsigned char *skip_outcome;  /* NULL, or p flags: 1 = leave this control out of
                                           the outcome equation                          */
} gw_mediate_spec;

typedef struct {
    size_t boot;       /* replications B; 0: GW_MEDIATE_DEFAULT_BOOT                     */
    uint64_t seed;     /* the seed of the replications (0 is a valid seed)               */
    gw_mediate_ci ci;  /* which interval ci_low/ci_high report; 0: percentile            */
    double conf_level; /* 0: 0.95; otherwise in (0, 1)                                   */
    unsigned flags;    /* GW_MED_*                                                       */
    double fe_tol;     /* demeaning tolerance; 0: GW_HDFE_TOL                            */
    size_t fe_maxiter; /* demeaning iteration limit; 0: GW_HDFE_MAXITER                  */
    /* Called on the calling thread after each batch of replications (and once after the
     * jackknife with done == total), for progress reports; NULL: none. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} gw_mediate_opts; /* all-zero means the documented defaults */

/* One effect: its estimate and every interval computed. NaN where not computed. */
typedef struct {
    double estimate;
    double se_delta;              /* delta-method SE (joint cluster-robust vcov)            */
    double delta_low, delta_high; /* estimate -/+ t(G-1) se_delta                           */
    double boot_se;               /* SD of the valid replicates                             */
    double pct_low, pct_high;     /* percentile interval                                    */
    double bca_low, bca_high;     /* BCa interval                                           */
    double z0, accel;             /* BCa bias correction and acceleration                   */
    double ci_low, ci_high;       /* the interval of opts.ci                                */
} gw_mediate_effect;

/* Effect indexes of the replicates and jackknife matrices (then GW_MED_NFIXED + j for the
 * indirect effect through mediator j). */
enum { GW_MED_INDIRECT = 0, GW_MED_DIRECT, GW_MED_TOTAL, GW_MED_PROPORTION, GW_MED_NFIXED };

/* The result: a plain record (like gw_result) read by the renderers; gw_mediate_free. */
typedef struct gw_mediate_result {
    size_t nmediators;
    gw_mediate_effect indirect, direct, total, proportion;
    gw_mediate_effect *indirect_by; /* nmediators, in spec order                             */
    double *a, *a_se;               /* nmediators: coefficient of T in mediator equation j   */
    double *b, *b_se;               /* nmediators: coefficient of M_j in the outcome eq.     */
    double c_prime, c_prime_se;     /* coefficient of T in the outcome equation              */
    double total_regression;        /* coefficient of T in Y ~ T + outcome controls (+ FE)   */
    double total_regression_se;     /* its cluster-robust SE (CR1)                           */
    size_t nobs;                    /* rows used (after singletons)                          */
    size_t singletons_dropped;
    size_t nclusters;    /* G (rows when unclustered)                             */
    double df_inference; /* G - 1                                                 */
    size_t boot;         /* replications run (0 with GW_MED_NO_BOOT)              */
    size_t boot_failed;  /* replications left out (NaN)                           */
    uint64_t seed;
    double conf_level;
    gw_mediate_ci ci;
    size_t neffects;    /* GW_MED_NFIXED + nmediators                           */
    double *replicates; /* NULL, or boot x neffects, row-major by replication   */
    double *jackknife;  /* NULL, or nclusters x neffects (BCa only)              */
} gw_mediate_result;

/* gw_mediate_fit -- mediation of spec->treatment through spec->mediators to d->y.
 * d: in, borrowed, not retained (X, y, terms, has_intercept, fe, cluster[0]). spec, opts: in,
 * borrowed (opts NULL: defaults). out: owned (gw_mediate_free); NULL on failure.
 * Returns GW_OK, or:
 *   GW_EINVAL       NULL arguments; a column index >= p; T among the mediators; a mediator
 *                   twice; nmediators == 0; a skip flag on T, a mediator or the intercept;
 *                   conf_level outside (0, 1); opts.ci unknown; fewer than 2 clusters.
 *   GW_EUNSUPPORTED weights (d->w), instruments, two cluster variables.
 *   GW_ENODATA      no rows (or every row a singleton).
 *   GW_ERANK        T or a mediator is collinear with the other regressors (or absorbed by the
 *                   fixed effects) in the full sample.
 *   GW_ENOCONV      the demeaning did not converge; GW_ENONFINITE (NaN/Inf in the data);
 *                   GW_ENOMEM.
 * Complexity: (1 + B + G [BCa]) x (demeaning of p + 1 columns + (k + 1) least-squares fits of
 * n rows); memory O(n p) per thread in flight plus B x (4 + k) replicates. */
GW_API gw_status gw_mediate_fit(const gw_design *d, const gw_mediate_spec *spec,
                                const gw_mediate_opts *opts, gw_mediate_result **out);

/* gw_mediate_effect_at -- effect e of r: GW_MED_INDIRECT, GW_MED_DIRECT, GW_MED_TOTAL,
 * GW_MED_PROPORTION, then GW_MED_NFIXED + j for the indirect effect through mediator j (the
 * order of the replicates' columns); e < r->neffects. Borrowed, valid until gw_mediate_free. */
GW_API const gw_mediate_effect *gw_mediate_effect_at(const gw_mediate_result *r, size_t e);

/* gw_mediate_free -- release r; NULL-safe. */
GW_API void gw_mediate_free(gw_mediate_result *r);

/* gw_mediate_stream_seed -- the 32-bit mt19937 seed of replication r: the low 32 bits of
 * splitmix64(splitmix64(seed) + r) (Steele, Lea and Flood 2014), so that each replication's
 * stream depends on (seed, r) only. GSL maps a seed of 0 to 4357. */
GW_API uint32_t gw_mediate_stream_seed(uint64_t seed, uint64_t r);

/* gw_mediate_quantile -- the type-7 quantile (linear interpolation between order statistics,
 * h = (n - 1) q) of the n values of sorted (ascending, no NaN); NaN when n == 0 or q outside
 * [0, 1]. O(1). */
GW_API double gw_mediate_quantile(const double *sorted, size_t n, double q);

/* gw_mediate_bca -- the BCa interval at conf_level from the estimate theta, the B replicates
 * reps (any order, NaN entries skipped) and the G jackknife estimates jack (NaN skipped).
 * Writes lo, hi, z0 and accel (NaN when undefined: no valid replicate, every replicate on
 * one side of theta, or 1 - a (z0 + z_q) <= 0). Returns GW_OK, GW_EINVAL (NULL pointers,
 * conf_level outside (0, 1)), GW_ENOMEM. O(B log B + G). */
GW_API gw_status gw_mediate_bca(double theta, const double *reps, size_t B, const double *jack,
                                size_t G, double conf_level, double *lo, double *hi, double *z0,
                                double *accel);

#endif
