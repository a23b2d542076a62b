/* gw_stream.h -- out-of-core (streaming) least squares with absorbed fixed effects.
 *
 * gw_stream_fit fits the same models as gw_ols_fit / gw_ols_fit_fe_inplace (gw_ols.h,
 * gw_hdfe.h) -- OLS/WLS with the iid, HC0-HC3 and one- or two-way cluster variances, and the
 * within estimator with one or more absorbed fixed-effect sets -- without ever holding the
 * n rows: the rows come from a "row-block source" (gw_stream_source), a callback that fills
 * one block of GW_BLOCK_ROWS source rows at a time with the design's columns (y, X, w,
 * fixed-effect codes, cluster codes). Memory is O(GW_BLOCK_ROWS p + p^2 + levels p) plus
 * small per-block slots (see "Memory"), whatever n is. The result record is filled exactly
 * as the in-core fit fills it (same fields, conventions, names and statuses).
 *
 * Blocks. Block b covers SOURCE rows [b GW_BLOCK_ROWS, min(nrows, (b+1) GW_BLOCK_ROWS)); the
 * source fills it with the design rows among them (rows with a missing value or a zero weight
 * are left out and counted in gw_stream_block.ndropped), so a block holds 0..GW_BLOCK_ROWS
 * rows. The engine reads the blocks of its range in increasing order, once per pass, and asks
 * for the same block several times (once per pass): the source must return the same rows
 * each time. Fixed-effect and cluster codes are GLOBAL codes in 0..levels-1 (the same level
 * has the same code in every block; levels need not all occur: the engine counts the ones
 * that occur, as the in-core fit does).
 *
 * Passes (r = p + 1 columns [y, X]):
 *   OLS:   (with an intercept, block 0 is read once more first: its column means shift the
 *          columns before the QR, undone exactly afterwards)
 *          1 TSQR (per-block Householder QR of [sqrt(w) X, sqrt(w) y], R factors combined in
 *          block order), 2 residuals (RSS, fit sums, the meat: HC scores with leverage from the
 *          bread, cluster scores G x k). The small solve is gw_ls_fit (pivoted QR, power-of-two
 *          column scaling, R's limited pivoting) on the combined (p+1) x p R: the same rank
 *          rule, tolerance max(N, p) eps, aliasing order and bread as the in-core TSQR path.
 *   FE:    1 level counts (+1 pass per round of singleton dropping, only when singletons exist,
 *          with a bitmap of n bits for the dropped rows), 1 group sums / degrees of freedom /
 *          nestedness, then one set: 1 correcting pass (corrected two-pass means); two or
 *          more sets: S passes per alternating-projection sweep (the fixed-effect coefficients
 *          alpha_g, L_g x (p+1), are updated in place; the demeaned columns are recomputed as
 *          x - sum_g alpha_g[code_g] on the fly, never stored), then TSQR and residual passes
 *          over the demeaned columns as for OLS.
 * Bytes read per pass: whatever the source reads for a block (the CLI source: the used
 * columns of the block's rows, 8 bytes per numeric value, 4 per code).
 *
 * Equality with the in-core fit (tests/models/test_stream.c): coefficients, standard errors,
 * R^2, F, ... agree to about 5e-13 relative on well-conditioned problems (the in-core fit may
 * take the Cholesky path or double-double refinement; both are accurate to a few ulps times
 * the condition number). With two or more fixed-effect sets the demeaning is iterative in
 * both: results agree to the demeaning tolerance (compare with a tight fe_tol), and
 * `iterations` counts sweeps here, CG steps in core.
 *
 * Distributed use (MPI, cli/fit_mpi.c): every reduction is "partial over a contiguous range
 * of blocks" + "combine". A process owns source rows [row_begin, row_end) (block-aligned) and
 * gives a gw_stream_reducer whose sum turns its partial into the global total, identical on
 * every rank. Bit-identical for any number of processes when every range boundary is a
 * multiple of GW_STREAM_GROUP_ROWS: the TSQR R and the HC/iid block sums (ordered folds:
 * each group of GW_STREAM_GROUP_BLOCKS blocks is folded in block order by the process that
 * owns it, and the groups' results, gathered with the reducer, are folded in group order);
 * other boundaries move only where the folds are cut (rounding; < 1e-12 in the results). Sums over
 * levels or clusters (group sums of the fixed effects, cluster scores, counts) are per-process
 * sums added by the reducer: equal for any P up to the rounding of that last addition, which
 * depends on the reducer (document yours); counts are exact. Every reduced buffer carries one
 * trailing status slot, so that a failure on one rank makes every rank fail instead of leaving
 * the others waiting in a collective.
 *
 * Memory (per process): block buffers GW_BLOCK_ROWS (p + 2 + nfe + ncluster) values; O(p^2)
 * for the R factors and the solve; (nblocks / GW_STREAM_GROUP_BLOCKS + nranks) (p+1)^2 for
 * the ordered folds; fixed effects: levels (p + 3) doubles + the union-find; one cluster
 * variable: G p doubles; two-way clustering also the non-empty intersections (cells p
 * doubles each, in a hash table; single process only); the singleton bitmap n/8 bytes when
 * singletons exist. */
#ifndef GW_STREAM_H
#define GW_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* Blocks per group of the ordered folds (see above): 256 blocks, 2^20 rows. */
#define GW_STREAM_GROUP_BLOCKS ((size_t)256)
#define GW_STREAM_GROUP_ROWS (GW_STREAM_GROUP_BLOCKS * GW_BLOCK_ROWS)

/* What a pass needs from a block (the source may fill more; the engine allocates every
 * buffer of gw_stream_block whatever it asks for). */
#define GW_STREAM_NEED_Y 0x1u        /* y                                                    */
#define GW_STREAM_NEED_X 0x2u        /* X                                                    */
#define GW_STREAM_NEED_W 0x4u        /* w (weighted sources)                                 */
#define GW_STREAM_NEED_FE 0x8u       /* fixed-effect codes                                   */
#define GW_STREAM_NEED_CLUSTER 0x10u /* cluster codes                                       */
#define GW_STREAM_NEED_ALL 0x1fu

/* One block as the source fills it. The buffers are the engine's (allocated for
 * GW_BLOCK_ROWS rows); the source writes the first n entries of each column. */
typedef struct {
    size_t n;         /* out: design rows of the block, 0..GW_BLOCK_ROWS                     */
    size_t ndropped;  /* out: source rows of the block dropped (missing values, zero weight) */
    double *y;        /* n values                                                           */
    double *X;        /* p columns, column j at X + j GW_BLOCK_ROWS                          */
    double *w;        /* n weights > 0; NULL when the source is unweighted                   */
    int32_t *fe;      /* nfe columns of global codes, column g at fe + g GW_BLOCK_ROWS       */
    int32_t *cluster; /* ncluster columns of global codes, likewise                          */
} gw_stream_block;

/* The source: the design's shape and the block callback. Strings borrowed for the call. */
typedef struct {
    size_t nrows;             /* source rows: blocks cover [0, nrows)                        */
    size_t p;                 /* columns of X (>= 1)                                         */
    const char *const *terms; /* p term names                                                */
    const char *response;     /* the response's name                                         */
    int has_intercept;        /* column 0 is the constant (never with fixed effects)         */
    int weighted;             /* 1: blocks carry weights                                      */
    size_t nfe;               /* absorbed fixed-effect sets (0: OLS)                          */
    const char *const *fe_names;
    const size_t *fe_levels; /* nfe: codes of set g are in 0..fe_levels[g]-1                */
    size_t ncluster;         /* cluster variables (0, 1 or 2; GW_VCOV_CLUSTER)               */
    const char *const *cluster_names;
    const size_t *cluster_levels;
    /* read -- fill blk (n, ndropped and the columns of `need`) with block b. Called from the
     * calling thread only, blocks in increasing order within a pass. A status other than GW_OK
     * (with a gwi_fail-style detail message, gw_last_error) stops the fit, which returns it. */
    gw_status (*read)(void *ctx, size_t b, unsigned need, gw_stream_block *blk);
    void *ctx;
} gw_stream_source;

/* A reducer: sum turns this process's partial buf[0..n) into the global sum over processes,
 * in place, identical on every rank (e.g. MPI_Allreduce(MPI_SUM) with a fixed reduction
 * order, or a rank-ordered gather-and-add). NULL sum or nranks <= 1: single process. */
typedef struct {
    gw_status (*sum)(void *ctx, double *buf, size_t n);
    void *ctx;
    int rank, nranks;
} gw_stream_reducer;

/* Per-pass timings and counts (optional output). */
#define GW_STREAM_MAX_PASSES 64
typedef struct {
    size_t npasses;                              /* passes over the blocks                      */
    const char *pass_name[GW_STREAM_MAX_PASSES]; /* static text: "counts", "tsqr", ...      */
    double pass_seconds[GW_STREAM_MAX_PASSES];   /* wall time (passes beyond the limit are
                                                    added to the last entry)                */
    double pass_cpu[GW_STREAM_MAX_PASSES];       /* process CPU time (all threads) likewise    */
    double read_seconds;                         /* time spent inside the source's read        */
    size_t rows_read;                            /* design rows delivered, summed over passes  */
    size_t sweeps;                               /* alternating-projection sweeps (FE, S >= 2) */
} gw_stream_stats;

typedef struct {
    size_t row_begin, row_end;        /* source rows owned (block-aligned); both 0: all rows */
    const gw_stream_reducer *reducer; /* NULL: single process                                */
    gw_stream_stats *stats;           /* NULL, or filled                                      */
} gw_stream_opts;                     /* all-zero means a single process over all rows */

/* gw_stream_fit -- least squares (OLS/WLS, or the within estimator when src->nfe > 0) over the
 * blocks of src, with the inference of opts.
 *   src   in, borrowed for the call.
 *   opts  in, borrowed; NULL means all defaults (gw_ols_opts: vcov, conf_level, ls.rank_tol,
 *         ls.flags GW_LS_STRICT_RANK, ssc, fe_tol, fe_maxiter, GW_OLS_KEEP_SINGLETONS).
 *   so    in, borrowed; NULL means a single process over all rows.
 *   out   out, owned (gw_result_free); NULL on failure, nothing leaked. Every rank gets the
 *         same result.
 * The result is gw_ols_fit's (no fixed effects) or gw_ols_fit_fe_inplace's (with them):
 * estimator "ols", vcov_type, response, nobs, nobs_dropped_missing (sum of ndropped),
 * df_resid, clusters, the kept coefficients and their inference, vcov, r2, adj_r2, rmse, rss,
 * tss, loglik (OLS), F test, dropped_collinear, rank, rcond, near_singular; with fixed effects
 * also singletons_dropped, fixed_effects, r2_within, iterations and converged. solver is
 * "stream-tsqr". formula and weights are left NULL (the caller's).
 * Returns
 *   GW_OK
 *   GW_EINVAL       NULL src/out/read, p == 0, a term name NULL, nfe or ncluster names/levels
 *                   missing, opts out of range (as gw_ols_fit), GW_VCOV_CLUSTER without
 *                   cluster variables, a code outside 0..levels-1 or a weight <= 0 in a block,
 *                   a cluster variable with fewer than 2 clusters, a bad row range.
 *   GW_EUNSUPPORTED GW_OLS_KEEP_RESIDUALS / KEEP_FITTED (out of core: n values), HC2/HC3 with
 *                   two or more fixed-effect sets, more than two cluster variables, two-way
 *                   clustering or multi-set fixed effects with nranks > 1 where noted above,
 *                   the fixest profile with two-way clustering.
 *   GW_ENODATA      no design rows (or every row a singleton).
 *   GW_ENONFINITE   a NaN or infinity in a block's y, X or w.
 *   GW_EILLCOND     HC2/HC3 with an observation of leverage one.
 *   GW_ENOCONV      the demeaning (two or more sets) did not meet its criterion in fe_maxiter
 *                   sweeps.
 *   GW_ERANK        rank deficient under GW_LS_STRICT_RANK.
 *   GW_ENOMEM, GW_EINTERNAL; whatever src->read or the reducer returns.
 * Numerical notes: see the file comment. Complexity: O(n p^2) flops per TSQR pass, O(n p)
 * per other pass; the number of passes is listed above. */
GW_API gw_status gw_stream_fit(const gw_stream_source *src, const gw_ols_opts *opts,
                               const gw_stream_opts *so, gw_result **out);

#endif
