/* gw_linalg.h -- least squares and the dense kernels behind it.
 *
 * gw_ls_fit solves the (weighted) least-squares problem of a gw_design,
 *     b = argmin_b  sum_i w_i (y_i - x_i'b)^2,
 * and keeps what the variance estimators need: coefficients, residuals r = y - Xb computed
 * from the data (never from the solver's ||Q2'y||), the "bread" (X'WX)^-1, the rank and the
 * diagnostics. Aliased (exactly collinear) columns get NaN coefficients and NaN rows/columns
 * of the bread; which columns are aliased is decided on power-of-two-scaled columns so that
 * the decision does not depend on units.
 *
 * Methods (style.md, Numerics): blocked checked normal equations (centred, scaled, Cholesky,
 * condition estimate) where the estimate proves them safe; column-pivoted Householder QR
 * (TSQR over GW_BLOCK_ROWS row blocks for tall data) otherwise; and, for ill-conditioned
 * problems, iterative refinement with residuals in double-double arithmetic so that the
 * solution keeps its digits. The result never depends on the thread count. */
#ifndef GW_LINALG_H
#define GW_LINALG_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_status.h"

typedef enum {
    GW_LS_AUTO = 0, /* choose by a condition estimate (the default)                       */
    GW_LS_QRP,      /* column-pivoted Householder QR (TSQR for tall data)                  */
    GW_LS_CHOL      /* normal equations + Cholesky, centred and scaled (fast; may lose digits) */
} gw_ls_method;

/* Flags of gw_ls_opts. */
#define GW_LS_STRICT_RANK 0x1u /* GW_ERANK instead of aliased (NaN) coefficients          */
#define GW_LS_NO_REFINE 0x2u   /* never run double-double refinement                       */
#define GW_LS_REFINE 0x4u      /* always run double-double refinement                      */
#define GW_LS_NO_FITTED 0x8u   /* do not keep fitted values: gw_ls_fitted returns NULL      */
#define GW_LS_NO_RESID 0x10u   /* do not keep residuals: gw_ls_resid returns NULL           */

/* Acceptance bound of the normal equations and trigger of refinement: DBL_EPSILON^(1/3)
 * (see gw_ls_fit). Pinned by the NIST StRD test (tests/core/test_linalg.c). */
#define GW_LS_CHOL_RCOND_MIN 6.055454452393343e-06
/* Maximum number of double-double refinement steps (2-3 are typical: each step gains about
 * -log10(kappa^2 * 2^-104) digits). */
#define GW_LS_MAXREFINE 10

typedef struct gw_ls gw_ls; /* opaque; made by gw_ls_fit, freed by gw_ls_free */

/* gw_ls_hook -- work fused into gw_ls_fit's residual pass (the last pass over the rows), so
 * that a caller (a variance estimator, fit statistics) sees each row block while it is still
 * in cache instead of reading X again. Every member may be NULL.
 *  begin  called once on the calling thread after the solution is known and before the pass;
 *         ls is complete except rss, resid and fitted. A status other than GW_OK (recorded
 *         with the caller's detail message) stops gw_ls_fit, which returns it.
 *  block  called once per row block b (rows [first, first + count), GW_BLOCK_ROWS blocks),
 *         from inside an OpenMP region: calls for different blocks run concurrently, on
 *         thread tid in [0, omp_get_max_threads()) of the caller. fitted and resid hold the
 *         block's count values (borrowed, valid during the call; they are per-thread buffers
 *         when GW_LS_NO_FITTED / GW_LS_NO_RESID). It must write only block- or thread-owned
 *         memory and cannot fail (record failures in the block's slot and report them after).
 *  merge  if set, called once per block in block order b = 0, 1, ... after that block's
 *         `block` call, serialised (an OpenMP ordered pipeline): the place to add per-thread
 *         partials into a shared total deterministically.
 * The pass is the same for every solver path (Cholesky, QR, refinement), so the block
 * callbacks see exactly the residuals that gw_ls_resid would return. */
typedef struct {
    gw_status (*begin)(void *ctx, const gw_ls *ls);
    void (*block)(void *ctx, const gw_ls *ls, size_t b, size_t first, size_t count,
                  const double *fitted, const double *resid, int tid);
    void (*merge)(void *ctx, size_t b, int tid);
    void *ctx;
} gw_ls_hook;

typedef struct {
    gw_ls_method method;    /* 0: GW_LS_AUTO                                                */
    double rank_tol;        /* 0: max(n,p)*DBL_EPSILON relative to |R11| of the scaled R     */
    unsigned flags;         /* GW_LS_* above                                                 */
    const gw_ls_hook *hook; /* NULL: none; borrowed for the call (see gw_ls_hook)            */
} gw_ls_opts;               /* all-zero means the documented defaults */

/* gw_ls_fit -- weighted least squares of d->y on d->X.
 *
 * in  d     borrowed, not retained: d->n x d->p column-major X (ld n), d->y, optional d->w
 *           (NULL: unweighted; rows are scaled by sqrt(w_i)), optional d->Xlo (low parts: the
 *           column X + Xlo to double-double precision, used only when refining; it is then
 *           checked for finiteness), d->has_intercept (column 0 must then be constant; it
 *           enables the centred normal equations).
 * in  opts  gw_ls_opts; all-zero means GW_LS_AUTO, default rank tolerance, automatic
 *           refinement.
 * out out   owned, release with gw_ls_free; NULL on every failure (nothing is leaked).
 *
 * Returns
 *   GW_OK          success; rank deficiency and near-singularity are recorded, not errors.
 *   GW_EINVAL      d or out NULL, d->X or d->y NULL, a weight <= 0, opts.method unknown,
 *                  opts.rank_tol negative or not finite, has_intercept set but column 0 is
 *                  not constant.
 *   GW_EDIM        n == 0 or p == 0.
 *   GW_ENONFINITE  a NaN or infinity in X, y or w (or in Xlo when it is used).
 *   GW_ERANK       rank < p and GW_LS_STRICT_RANK is set.
 *   GW_ENOTPD      method GW_LS_CHOL and the centred, scaled X'WX is not positive definite.
 *   GW_EILLCOND    method GW_LS_CHOL and rcond(centred scaled X'WX) < sqrt(DBL_EPSILON)
 *                  (fewer than ~8 correct digits are guaranteed; use GW_LS_AUTO or QRP).
 *   GW_ENOMEM      an allocation failed.
 *   GW_EINTERNAL   LAPACK reported an illegal argument (a bug).
 * Validation runs in the order dims, finiteness, weights, options; the status returned is
 * the one that order gives even though the finiteness of X is checked during the first pass
 * over X (so that validation does not cost a pass of its own).
 * n < p is allowed: the surplus columns are aliased. Zero residual degrees of freedom are
 * not an error.
 *
 * Numerical notes (style.md, Numerics). Let kappa be the condition number of the problem
 * after scaling; digits lost by normal equations ~ log10(kappa^2).
 *  - GW_LS_AUTO first forms the centred (has_intercept) or uncentred X'WX over GW_BLOCK_ROWS
 *    row blocks (per-block two-pass centred co-moments merged in block order with the
 *    pairwise update of Chan, Golub and LeVeque), scales it to unit diagonal (Higham), and
 *    runs dpotrf + dpocon. The result is accepted when rcond >= GW_LS_CHOL_RCOND_MIN =
 *    DBL_EPSILON^(1/3) (~6.1e-6): the forward error bound kappa*eps is then <= eps^(2/3),
 *    i.e. more than 10 significant digits in coefficients and bread. Otherwise:
 *  - column-pivoted Householder QR (dgeqp3) of sqrt(W)X with columns scaled by powers of two
 *    to unit norm; for n > GW_BLOCK_ROWS first a TSQR (Householder QR of each row block,
 *    the R factors combined in block order) and dgeqp3 of the combined R. Rank = number of
 *    |R_kk| > tol*|R_11|, tol = rank_tol or max(n,p)*DBL_EPSILON. Aliased columns get NaN.
 *    Solution by dormqr + dtrtrs on R11; bread = R11^-1 R11^-T (dtrtri + dlauum), unscaled
 *    and unpermuted. rcond = dtrcon of R11 (1-norm).
 *  - iterative refinement in double-double when rcond(R11)^2 < GW_LS_CHOL_RCOND_MIN (the QR
 *    error term kappa^2*eps would exceed eps^(2/3)), or always with GW_LS_REFINE, never with
 *    GW_LS_NO_REFINE: X'WX of the non-aliased columns is accumulated exactly-rounded in
 *    double-double from X + Xlo, factored by a double-double Cholesky, and the solution is
 *    corrected with residuals y - (X+Xlo)b and X'W r computed in double-double until the
 *    correction is below 2^-60 relative (at most GW_LS_MAXREFINE steps). The bread is then
 *    the double-double inverse of X'WX. Accuracy ~ kappa^2 * 2^-104 relative.
 *  - residuals r = y - Xb and fitted values are recomputed from the data in a blocked pass
 *    (in double-double with Xlo after refinement); rss = sum w r^2, summed pairwise within
 *    a block (relative error ~12 eps; double-double after refinement), block sums added in
 *    double-double in block order.
 * Every result is bit-identical for any thread count (gw_threads_set).
 *
 *  - opts.hook (gw_ls_hook) runs caller work inside the residual pass, block by block;
 *    GW_LS_NO_FITTED / GW_LS_NO_RESID avoid storing the n-vectors (each is 8n bytes of fresh
 *    memory whose first touch costs page faults).
 * Also returns whatever status opts.hook->begin returns.
 *
 * Aliasing order: when rank r < p, the aliased columns are the ones numerically in the span
 * of EARLIER columns (R's dqrdc2 "limited pivoting"): after the pivoted QR has found r < p,
 * the columns are taken in their original order, each orthogonalised (Householder) against
 * the columns kept before it, and dropped when what remains has norm <= tol*|R11| (same
 * scaled columns and tolerance as the rank decision, so it ignores units). The solution,
 * bread and rcond are then those of the QR of the kept columns in original order, and
 * gw_ls_rank is the number kept. So a duplicate placed after its original is the one dropped.
 *
 * Complexity: O(n p^2) flops; the AUTO fast path reads X twice (Gram pass, residual pass).
 * QR/TSQR costs about 3x the Gram; each refinement step O(n p) double-double operations.
 * Memory: O(p^2 * n / GW_BLOCK_ROWS) slots plus per-thread block buffers; a full copy of X
 * only when n <= GW_BLOCK_ROWS. */
GW_API gw_status gw_ls_fit(const gw_design *d, gw_ls_opts opts, gw_ls **out);

GW_API size_t gw_ls_n(const gw_ls *ls);
GW_API size_t gw_ls_p(const gw_ls *ls);
GW_API size_t gw_ls_rank(const gw_ls *ls);
/* Borrowed pointers, valid until gw_ls_free. */
GW_API const double *gw_ls_coef(const gw_ls *ls);   /* p; NaN where aliased               */
GW_API const double *gw_ls_resid(const gw_ls *ls);  /* n; y - Xb, unweighted; NULL with
                                                       GW_LS_NO_RESID                      */
GW_API const double *gw_ls_fitted(const gw_ls *ls); /* n; Xb; NULL with GW_LS_NO_FITTED     */
GW_API const double *gw_ls_bread(const gw_ls *ls);  /* p x p (X'WX)^-1, column-major; NaN
                                                       rows and columns where aliased      */
GW_API const int *gw_ls_aliased(const gw_ls *ls);   /* p flags: 1 where aliased            */
GW_API double gw_ls_rss(const gw_ls *ls);           /* sum w_i r_i^2, accurately summed    */
/* gw_ls_rcond -- reciprocal condition (1-norm estimate) of the scaled R11: dtrcon for the QR
 * paths; for "chol", sqrt of dpocon's estimate for the centred, scaled X'WX (the rcond of its
 * Cholesky factor), which describes the centred problem. */
GW_API double gw_ls_rcond(const gw_ls *ls);
GW_API int gw_ls_near_singular(const gw_ls *ls); /* rcond < sqrt(DBL_EPSILON)            */
/* gw_ls_method_used -- static text: "chol" (blocked normal equations), "qrp" (dgeqp3 on the
 * scaled copy, n <= GW_BLOCK_ROWS), "tsqr" (TSQR then dgeqp3 of R), each with "+dd" when the
 * double-double refinement ran ("chol+dd", "qrp+dd", "tsqr+dd"). */
GW_API const char *gw_ls_method_used(const gw_ls *ls);
GW_API size_t gw_ls_refine_iterations(const gw_ls *ls);
/* gw_ls_pivots -- p column indices (0-based) in pivot order: the first gw_ls_rank of them
 * are the columns kept, the rest are aliased. Identity for the Cholesky path. Borrowed. */
GW_API const int *gw_ls_pivots(const gw_ls *ls);
GW_API void gw_ls_free(gw_ls *ls); /* NULL-safe */

/* gw_kernel_block_r -- the R factor of the QR decomposition of one row block: R (n x n, upper
 * triangular) with A = Q R, Q'Q = I, for code outside core/linalg_*.c (which alone may call
 * LAPACK) that reduces tall data block by block (e.g. the TSQR of models/stream/stream_fold.c).
 *
 * in/out A  borrowed, m x n column-major with leading dimension lda >= max(1, m); destroyed
 *           (holds dgeqrf's reflectors on return).
 * out    R  borrowed, n x n column-major (ld n), must not overlap A: the upper triangle is R,
 *           everything below the diagonal is 0, and so are rows i >= m when m < n. Each row is
 *           multiplied by -1 where needed so that diag(R) >= 0: the result does not depend on
 *           LAPACK's sign convention (R is then unique when A has full column rank).
 * R doubles as the workspace during the factorisation: a call never allocates.
 *
 * Returns
 *   GW_OK        success (m == 0 gives R = 0; n == 0 does nothing).
 *   GW_EINVAL    A or R NULL (n > 0), lda < max(1, m), or m, n or lda above INT_MAX.
 *   GW_EINTERNAL dgeqrf reported an illegal argument (a bug).
 * Numerical notes: Householder QR (LAPACK dgeqrf; for min(m, n) < 128 the unblocked dgeqr2),
 * backward stable: R is the exact R of A + E with ||E|| ~ m n eps ||A||. No check for NaN or
 * infinity (they propagate into R). Single-threaded as OpenBLAS is kept (gw_threads_set): the
 * result depends only on the arguments (and on the machine's OpenBLAS kernels), never on the
 * thread count, so callers may use it per block inside OpenMP regions.
 * Complexity: 2 n^2 (m - n/3) flops; one pass over A per column for narrow blocks. */
GW_API gw_status gw_kernel_block_r(double *A, size_t lda, size_t m, size_t n, double *R);

#endif
