/* gw_cluster.h -- "good work communities": k-means, Ward, silhouettes, stability, ARI.
 *
 * Data are n x p column-major arrays (ld n), usually standardised indicators (gw_standardise)
 * of one row per area. Cluster labels are 0..k-1 in canonical order: clusters are numbered by
 * the first row that belongs to them (row 0's cluster is 0), so that a partition has one
 * spelling whatever the algorithm's internal numbering, and two runs that find the same
 * partition print the same labels.
 *
 * Randomness: every random stream is a gsl_rng_mt19937 seeded with a value derived from the
 * caller's seed and the stream's index (splitmix64 of seed and index; restart r of k-means,
 * bootstrap replicate b), so work can be spread over OpenMP threads while the result depends
 * on the seed only: the best restart is chosen in restart order, ties to the lowest index. */
#ifndef GW_CLUSTER_H
#define GW_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

typedef struct {
    size_t restarts; /* 0: 50 independent k-means++ starts                                  */
    size_t max_iter; /* 0: 100 Lloyd iterations per start                                   */
    uint64_t seed;   /* base seed of the random streams                                     */
} gw_kmeans_opts;    /* all-zero means the documented defaults (seed 0 is a valid seed)     */

/* A k-means solution (transparent; arrays owned, released by gw_kmeans_free). */
typedef struct {
    size_t n, p, k;
    int *assign;         /* n labels, 0..k-1, canonical order                                */
    double *centers;     /* k x p column-major (ld k): cluster means                         */
    size_t *sizes;       /* k                                                                */
    double within_ss;    /* total within-cluster sum of squares of the best start            */
    double total_ss;     /* total sum of squares around the grand mean                       */
    size_t iterations;   /* Lloyd iterations of the best start                               */
    int converged;       /* 1 when the best start stopped because no label changed           */
    size_t n_converged;  /* starts that converged within max_iter                            */
    size_t best_restart; /* index of the best start (0-based)                                */
} gw_kmeans;

/* gw_kmeans_fit -- k-means (Lloyd) from R k-means++ starts; the start of least within-SS wins.
 *
 * in  X     borrowed, n x p column-major, finite.   in k  1 <= k <= n.
 * out out   owned, gw_kmeans_free; NULL on failure.
 * Returns GW_OK (non-convergence within max_iter is recorded, not an error); GW_EINVAL (NULL
 * argument, k == 0 or k > n); GW_EDIM (n == 0 or p == 0); GW_ENONFINITE (a NaN or infinity in
 * X); GW_ENOMEM.
 * Numerical notes: seeding by k-means++ (Arthur and Vassilvitskii 2007: first centre uniform,
 * each next one drawn with probability proportional to the squared distance to the nearest
 * chosen centre). Lloyd iterations: assign each row to its nearest centre (ties to the lower
 * label), recompute means; a cluster left empty takes the row farthest from its centre. Stops
 * when no label changes (converged) or after max_iter. Sums run in row order, so every start is
 * deterministic. Complexity: O(restarts * iterations * n k p); restarts run in parallel. */
GW_API gw_status gw_kmeans_fit(size_t n, size_t p, const double *X, size_t k,
                               const gw_kmeans_opts *opts, gw_kmeans **out);
GW_API void gw_kmeans_free(gw_kmeans *km); /* NULL-safe */

/* gw_ward -- Ward's minimum-variance hierarchical clustering cut into k clusters.
 * in X borrowed n x p column-major, finite; k in 1..n. out assign: caller's n labels
 * (canonical order). out heights: NULL or caller's n - 1 merge heights in merge order
 * (ascending), on the scale of R's hclust(dist(X), "ward.D2") heights.
 * Returns GW_OK; GW_EINVAL (NULL, k out of range); GW_EDIM (n == 0, p == 0, or n > 46340 so
 * that the n^2 distances would not fit a size_t-indexed triangle sensibly); GW_ENONFINITE;
 * GW_ENOMEM.
 * Numerical notes: Lance-Williams updates of squared Euclidean distances,
 * d(k, i+j) = ((n_i+n_k) d(k,i) + (n_j+n_k) d(k,j) - n_k d(i,j)) / (n_i+n_j+n_k), found by the
 * nearest-neighbour chain algorithm (exact for Ward, which is reducible); merges are then
 * sorted by height (stable) and the first n - k applied; height = sqrt(d). Ties between equal
 * distances go to the lower index. Complexity: O(n^2 p) time, n(n-1)/2 doubles of memory. */
GW_API gw_status gw_ward(size_t n, size_t p, const double *X, size_t k, int *assign,
                         double *heights);

/* gw_silhouette -- mean silhouette width (Rousseeuw 1987) of the partition assign (labels
 * 0..k-1) of X, Euclidean distance; a row alone in its cluster scores 0.
 * out mean: the mean over rows; s (NULL or caller's n): each row's width.
 * Returns GW_OK; GW_EINVAL (NULL, k < 2, a label outside 0..k-1); GW_EDIM (n == 0, p == 0);
 * GW_ENOMEM. Complexity: O(n^2 p) time, O(n k) memory; rows in parallel, each row's sums in
 * column order, so the result does not depend on the thread count. */
GW_API gw_status gw_silhouette(size_t n, size_t p, const double *X, const int *assign, size_t k,
                               double *mean, double *s);

/* gw_ari -- adjusted Rand index (Hubert and Arabie 1985) of two labelings of n items (labels
 * any non-negative ints; a negative label marks an item to leave out of both).
 * out ari: 1 for identical partitions (up to renaming); ~0 for independent ones; NaN when
 * both are a single cluster or fewer than 2 items are left. Returns GW_OK; GW_EINVAL (NULL);
 * GW_ENOMEM. Complexity O(n + ka kb). */
GW_API gw_status gw_ari(size_t n, const int *a, const int *b, double *ari);

/* gw_standardise -- z-scores of each column of X (n x p, NaN = missing, ignored): Z = (X -
 * mean) / sd, sd with n - 1. mean, sd: NULL or caller's p. Z may equal X (in place).
 * Returns GW_OK; GW_EINVAL (NULL X or Z); GW_ENODATA (a column with fewer than 2 values);
 * GW_EILLCOND (a constant column). Complexity O(n p). */
GW_API gw_status gw_standardise(size_t n, size_t p, const double *X, double *Z, double *mean,
                                double *sd);

/* gw_cluster_profiles -- sizes (caller's k) and means (caller's k x p column-major, ld k) of
 * each cluster of X's rows (NaN values skipped; a mean of no values is NaN). Labels outside
 * 0..k-1 are skipped. Returns GW_OK; GW_EINVAL (NULL). Complexity O(n p). */
GW_API gw_status gw_cluster_profiles(size_t n, size_t p, const double *X, const int *assign,
                                     size_t k, size_t *sizes, double *means);

/* gw_hungarian -- the assignment of k rows to k columns of minimum total cost (cost: k x k
 * row-major, finite): col[i] = the column given to row i. Kuhn-Munkres with potentials
 * (Jonker-Volgenant style shortest augmenting paths), O(k^3).
 * Returns GW_OK; GW_EINVAL (NULL, k == 0); GW_ENONFINITE; GW_ENOMEM. */
GW_API gw_status gw_hungarian(size_t k, const double *cost, int *col);

/* gw_cluster_match -- relabel a clustering to a reference: perm[c] = the reference label whose
 * centre is matched to centre c, minimising the total squared distance between matched
 * centres (gw_hungarian). centers, ref: k x p column-major (ld k). Statuses of gw_hungarian. */
GW_API gw_status gw_cluster_match(size_t k, size_t p, const double *ref, const double *centers,
                                  int *perm);

/* gw_cluster_bootstrap -- stability of a k-means partition (Hennig 2007, by resampling):
 * for b = 1..B, draw n rows with replacement (stream b of the seed), run gw_kmeans_fit on the
 * resample (opts, its seed derived from b), assign every original row to the nearest of the
 * resample's centres, and compare with the reference labels: the adjusted Rand index, and for
 * each reference cluster the best Jaccard similarity to a bootstrap cluster.
 * in ref: n labels 0..k-1 (the partition under study). out mean_ari: mean ARI over B;
 * jaccard: NULL or caller's k mean Jaccard similarities (>= 0.75 "stable", <= 0.5
 * "dissolved", Hennig's reading). Returns GW_OK; GW_EINVAL (NULL, B == 0, k out of range);
 * GW_EDIM; GW_ENONFINITE; GW_ENOMEM. Replicates run in parallel; results in replicate order.
 * Complexity: B times gw_kmeans_fit. */
GW_API gw_status gw_cluster_bootstrap(size_t n, size_t p, const double *X, size_t k, const int *ref,
                                      size_t B, const gw_kmeans_opts *opts, double *mean_ari,
                                      double *jaccard);

/* gw_canonical_labels -- renumber labels (0..k-1) in order of first appearance (in place). */
GW_API void gw_canonical_labels(size_t n, size_t k, int *assign);

/* gw_seed_stream -- the seed of stream `index` derived from `seed` (splitmix64, low 32 bits,
 * never 0: mt19937's usable seed range). */
GW_API unsigned long gw_seed_stream(uint64_t seed, uint64_t index);

#endif
