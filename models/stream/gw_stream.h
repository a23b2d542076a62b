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
 *          over the demeaned columns as for OLS. Cold start: alpha of set 0 = its group means
 *          (from the statistics pass), sweep 1 runs sets 1..S-1 and convergence is tested
 *          from sweep 2 (sweep 1 is incomplete). Warm start (gw_stream_opts.fe_warm): alpha =
 *          the caller's fe_alpha, every sweep runs sets 0..S-1 and convergence is tested from
 *          sweep 1 (a full sweep's update is the criterion), so an already converged start
 *          costs one sweep (S passes). Any start converges to the same demeaned columns
 *          (Gauss-Seidel on the normal equations of the fixed effects): a start close to the
 *          answer (the previous IRLS iterate's alpha) cuts the sweeps, measured 50 -> 42 for
 *          a 5% change of the weights on strongly correlated sets (tests/models/test_stream.c).
 *          gw_stream_opts.fe_coef / fe_alpha read the converged alpha out: no extra pass.
 * Bytes read per pass: whatever the source reads for a block (the CLI source: the used
 * columns of the block's rows, 8 bytes per numeric value, 4 per code).
 *
 * Equality with the in-core fit (tests/models/test_stream.c): coefficients, standard errors,
 * R^2, F, ... agree to about 7e-13 relative on well-conditioned problems (the in-core fit may
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
 * depends on the reducer (document yours); counts are exact. The cluster score sums are
 * accumulated in double-double (high and low parts reduced separately), so they are accurate
 * to about eps whatever the split. Two-way clustering needs the reducer's gather: every
 * process sends its intersection cells ((cluster-1 code, cluster-2 code) -> k score sums,
 * plain sums), all gather, and every process merges all cells in rank order (the sums of a
 * cell held by several processes added in rank order) into one table, the same on every rank;
 * with ranks owning increasing row ranges the cells are in the order of their first row, as
 * with one process. The two-way meat M_1 + M_2 - M_12, whose terms nearly cancel, agrees
 * across P to 7e-14 relative with group-aligned ranges and 5e-13 with unaligned ones (where the
 * coefficients themselves move by ~1e-14), measured in tests/models/test_stream.c. Every reduced
 * buffer carries one trailing status slot, and every gathered buffer a status header, so that
 * a failure on one rank makes every rank fail instead of leaving the others waiting in a
 * collective.
 *
 * Memory (per process): block buffers GW_BLOCK_ROWS (p + 2 + nfe + ncluster) values; O(p^2)
 * for the R factors and the solve; (nblocks / GW_STREAM_GROUP_BLOCKS + nranks) (p+1)^2 for
 * the ordered folds; fixed effects: levels (p + 3) doubles + the union-find; cluster
 * variables: G 2p doubles each (double-double sums); two-way clustering also the non-empty
 * intersections ("cells"): about cells (p + 2) values in a hash table (p sums, key, index; the
 * capacity grows by doubling, so up to twice the key and index part). With nranks > 1 that is
 * the GLOBAL number of cells on EVERY process (each holds every cell after the gather), plus,
 * during the gather, this process's cells (p + 1) doubles to send and (sum over processes of
 * their cells) (p + 1) doubles received (the local table is freed before the gather). The
 * singleton bitmap n/8 bytes when singletons exist. */
#ifndef GW_STREAM_H
#define GW_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_rowblock.h" /* gw_stream_source, gw_stream_block */
#include "gw_status.h"

/* A reducer: the collective operations of a team of nranks processes (rank 0..nranks-1).
 * Every process of the team makes the same sequence of calls with the same sizes (sum) and
 * the engine calls them even after a local failure, carrying the failure in the data (the
 * status slot of sum, a header of gather), so that one failing rank makes every rank fail
 * instead of leaving the others waiting in a collective. NULL sum or nranks <= 1: single
 * process (gather is then never called).
 * sum    -- this process's partial buf[0..n) becomes the global sum over processes, in place,
 *           identical on every rank (e.g. MPI_Allreduce(MPI_SUM) with a fixed reduction order,
 *           or a rank-ordered gather-and-add). n is the same on every rank.
 * gather -- all-gather of variable-sized byte buffers: *recv (allocated with gw_malloc, the
 *           engine frees it with gw_free; NULL allowed when every count is 0) receives every
 *           process's send[0..nbytes) concatenated in rank order, counts[q] (nranks entries,
 *           the engine's array) the bytes from process q; identical on every rank. nbytes may
 *           differ between ranks. A failure must be returned on every rank alike (or make the
 *           other ranks' next collective fail), never leave a rank waiting. NULL: what needs a
 *           gather is unavailable: two-way clustering with nranks > 1 is GW_EUNSUPPORTED.
 * A status other than GW_OK (with a detail message) stops the fit, which returns it. */
typedef struct {
    gw_status (*sum)(void *ctx, double *buf, size_t n);
    void *ctx;
    int rank, nranks;
    gw_status (*gather)(void *ctx, const void *send, size_t nbytes, void **recv, size_t *counts);
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
    /* Fixed effects in and out (src->nfe > 0; ignored otherwise). Written only when the fit
     * returns GW_OK (untouched otherwise); identical on every rank. */
    double *const *fe_coef; /* NULL, or src->nfe caller arrays, fe_coef[g] holding
                               src->fe_levels[g] doubles: out, the fixed-effect coefficients by
                               GLOBAL code, d_g[c] = alpha_g[c][y] - sum_j alpha_g[c][x_j] b_j
                               (b_j = 0 for aliased columns), so that the fitted value of a kept
                               row is x'b + sum_g d_g[code_g] (its residual y - that); NaN for
                               codes with no kept row (absent, or only singleton rows). Only the
                               sum over sets is identified (with two or more sets the split
                               between them is whatever the demeaning converged to). */
    double *fe_alpha;       /* NULL, or in/out: sum_g fe_levels[g] (p + 1) doubles, by GLOBAL
                               code: set g starts at (sum_{h<g} fe_levels[h]) (p + 1), level c
                               of set g at that offset + c (p + 1), columns in the order
                               [y, x_1..x_p] (the engine keeps [x_1..x_p, y] internally and
                               permutes). Out: the converged demeaning coefficients alpha (the
                               demeaned columns are x - sum_g alpha_g[code_g]; NaN for codes
                               with no kept row; for an absorbed column, the values when it was
                               found absorbed). In, when fe_warm != 0: the starting point of the
                               alternating projections (two or more sets; one set uses the exact
                               means anyway); entries that are NaN or not finite start at 0.
                               With nranks > 1 it must be the same on every rank (as the
                               output of a previous distributed fit is). */
    int fe_warm;            /* 1: start the demeaning from fe_alpha (must be non-NULL)         */
} gw_stream_opts;           /* all-zero means a single process over all rows */

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
 * also singletons_dropped, fixed_effects, r2_within, iterations (sweeps of the alternating
 * projections; 1 or 2 with one set) and converged. solver is "stream-tsqr". formula and weights
 * are left NULL (the caller's). With fixed effects, so->fe_coef and so->fe_alpha (when not
 * NULL) receive the fixed-effect coefficients and the demeaning coefficients (gw_stream_opts),
 * on GW_OK only; so->fe_alpha is also read first when so->fe_warm is set.
 * Returns
 *   GW_OK
 *   GW_EINVAL       NULL src/out/read, p == 0, a term name NULL, nfe or ncluster names/levels
 *                   missing, opts out of range (as gw_ols_fit), GW_VCOV_CLUSTER without
 *                   cluster variables, a code outside 0..levels-1 or a weight <= 0 in a block,
 *                   a cluster variable with fewer than 2 clusters, a bad row range, fe_warm
 *                   with fe_alpha NULL (fixed effects).
 *   GW_EUNSUPPORTED GW_OLS_KEEP_RESIDUALS / KEEP_FITTED (out of core: n values; use fe_coef
 *                   and the coefficients for fitted values), HC2/HC3 with two or more
 *                   fixed-effect sets, more than two cluster variables, two-way clustering
 *                   with nranks > 1 and a reducer without gather, the fixest profile with
 *                   two-way clustering and fixed effects.
 *   GW_ENODATA      no design rows (or every row a singleton).
 *   GW_ENONFINITE   a NaN or infinity in a block's y, X or w.
 *   GW_EILLCOND     HC2/HC3 with an observation of leverage one.
 *   GW_ENOCONV      the demeaning (two or more sets) did not meet its criterion in fe_maxiter
 *                   sweeps.
 *   GW_ERANK        rank deficient under GW_LS_STRICT_RANK.
 *   GW_EIO          "the fit failed on another process" (nranks > 1: another rank failed).
 *   GW_ENOMEM, GW_EINTERNAL; whatever src->read or the reducer returns.
 * Numerical notes: see the file comment. Complexity: O(n p^2) flops per TSQR pass, O(n p)
 * per other pass; the number of passes is listed above.
 * Scale: as gw_ols_fit (gw_ols.h, "Scale"): when the result looks damaged by underflow or
 * overflow (or the fit failed on a numerical status), one more pass finds the largest magnitude
 * of y and of each column (the maximum over processes, through the reducer's sum), and when one
 * is outside [2^-100, 2^100] the whole fit is run again through a source that scales those
 * columns of every block by powers of two; the result, fe_coef and fe_alpha are mapped back
 * exactly (a warm start is not used by that second fit). Ordinary data cost no pass. */
GW_API gw_status gw_stream_fit(const gw_stream_source *src, const gw_ols_opts *opts,
                               const gw_stream_opts *so, gw_result **out);

#endif
