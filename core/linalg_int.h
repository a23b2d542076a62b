/* linalg_int.h -- internals shared by the core/linalg_*.c files; never installed.
 *
 * gw_ls_fit (linalg_ls.c) validates, then runs one of the solvers below, each of which fills
 * the coefficient, bread, rank and diagnostic fields of a gw_ls allocated by the caller, and
 * finally recomputes residuals from the data (gwi_ls_residuals). Every solver works over
 * GW_BLOCK_ROWS row blocks with per-block slots combined in block order, so that results do
 * not depend on the number of threads. Solvers record failures with gwi_fail on the calling
 * thread only (the detail message is thread-local). */
#ifndef GW_LINALG_INT_H
#define GW_LINALG_INT_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_linalg.h"
#include "gw_status.h"

struct gw_ls {
    size_t n, p, rank;
    double *coef;   /* p */
    double *resid;  /* n */
    double *fitted; /* n */
    double *bread;  /* p x p, column-major */
    int *aliased;   /* p */
    int *pivots;    /* p */
    double rss, rcond;
    int near_singular;
    const char *method; /* static text */
    size_t iterations;
};

/* gwi_ls_chol -- the blocked, centred, scaled normal equations. With forced == 0 (AUTO) a
 * Gram that is not positive definite, overflows or has rcond < GW_LS_CHOL_RCOND_MIN sets
 * *accepted = 0 and returns GW_OK (the caller falls back to QR); with forced != 0 those
 * cases return GW_ENOTPD / GW_EILLCOND (rcond < sqrt(eps)). GW_ENONFINITE when X holds a
 * NaN or infinity (detected during the pass), GW_ENOMEM, GW_EINTERNAL. */
gw_status gwi_ls_chol(const gw_design *d, int forced, gw_ls *ls, int *accepted);

/* gwi_ls_qr -- pivoted QR (dgeqp3 directly for n <= GW_BLOCK_ROWS, TSQR then dgeqp3 of the
 * combined R otherwise) with power-of-two column scaling. Sets *tsqr to whether TSQR ran.
 * GW_ENONFINITE (X non-finite, found during the pass), GW_ENOMEM, GW_EINTERNAL. */
gw_status gwi_ls_qr(const gw_design *d, double rank_tol, gw_ls *ls, int *tsqr);

/* gwi_ls_refine -- double-double iterative refinement of ls->coef over the non-aliased
 * columns and the double-double inverse Gram as the bread. Sets *done = 0 and leaves ls
 * unchanged when the double-double Gram is not positive definite. GW_ENONFINITE (Xlo
 * non-finite), GW_ENOMEM. */
gw_status gwi_ls_refine(const gw_design *d, gw_ls *ls, int *done);

/* gwi_ls_residuals -- fitted = Xb, resid = y - fitted, rss = sum w r^2 (double-double
 * accumulation), with Xb in double-double using Xlo when use_dd. Aliased (NaN) coefficients
 * count as zero. ls->fitted / ls->resid may be NULL (not kept: per-thread buffers instead).
 * hook (may be NULL): its block and merge callbacks run inside the pass (gw_ls_hook).
 * GW_ENOMEM. */
gw_status gwi_ls_residuals(const gw_design *d, gw_ls *ls, int use_dd, const gw_ls_hook *hook);

/* gwi_nonfinite_index -- index of the first non-finite value of x[0..len), or len. */
size_t gwi_nonfinite_index(const double *x, size_t len);

/* gwi_nthreads -- the OpenMP thread count gw_ls_fit's parallel regions will use (>= 1). */
int gwi_nthreads(void);

#endif
