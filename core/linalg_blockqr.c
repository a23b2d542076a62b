/* linalg_blockqr.c -- the R factor of one tall row block by LAPACK dgeqrf (gw_linalg.h,
 * gw_kernel_block_r), for code outside core/linalg_*.c (which alone may include <lapacke.h>,
 * style.md Layout), such as the out-of-core engine's TSQR (models/stream/stream_fold.c,
 * gwi_house_r).
 *
 * Why LAPACK rather than the engine's plain-C Householder loop: measured on the benchmark
 * machine (OpenBLAS 0.3 Haswell kernels, one thread, 4096 x r block in cache; bench/bench_tsqr.c)
 * dgeqrf is ~4-6x faster for r = 3..31 (r = 11: ~90 us against ~400 us). For the narrow blocks
 * of a model (min(m, n) < 128) dgeqrf runs the unblocked dgeqr2, whose reflector application is
 * OpenBLAS's vectorised dgemv + dger; the plain loop's dot products are sequential sums (strict
 * IEEE order) and do not vectorise. The workspace (tau and dgeqrf's work array) lives in R
 * itself, which is only written after the factorisation, so a call never allocates. */
#include <lapacke.h>
#include <limits.h>
#include <string.h>

#include "core_int.h"
#include "gw_linalg.h"

gw_status gw_kernel_block_r(double *A, size_t lda, size_t m, size_t n, double *R)
{
    if (n == 0)
        return GW_OK;
    if (A == NULL || R == NULL)
        return gwi_fail(GW_EINVAL, "gw_kernel_block_r: NULL matrix");
    if (m > INT_MAX || n > INT_MAX || lda > INT_MAX)
        return gwi_fail(GW_EINVAL, "gw_kernel_block_r: %zu x %zu block too large for LAPACK", m, n);
    if (lda < (m > 1 ? m : 1))
        return gwi_fail(GW_EINVAL, "gw_kernel_block_r: lda %zu < m %zu", lda, m);
    if (m > 0) {
        /* tau: n doubles; dgeqrf's work: the rest of R (n^2 - n >= n for n >= 2), or a local
         * pair for n == 1. */
        double small[2];
        double *tau = n > 1 ? R : small, *work = n > 1 ? R + n : small + 1;
        size_t lwork = n > 1 ? n * n - n : 1;
        if (lwork > INT_MAX)
            lwork = INT_MAX;
        lapack_int info = LAPACKE_dgeqrf_work(LAPACK_COL_MAJOR, (lapack_int)m, (lapack_int)n, A,
                                              (lapack_int)lda, tau, work, (lapack_int)lwork);
        if (info != 0)
            return gwi_fail(GW_EINTERNAL, "dgeqrf: info %d on a %zu x %zu block", (int)info, m, n);
    }
    memset(R, 0, n * n * sizeof *R);
    for (size_t i = 0; i < n && i < m; i++) {
        /* Row i of R, sign chosen so that R[i][i] >= 0 (LAPACK's sign convention is -sign of
         * the pivot; the result must not depend on it). -0.0 and NaN keep their sign bit. */
        const double s = A[i + i * lda] < 0.0 ? -1.0 : 1.0;
        for (size_t j = i; j < n; j++)
            R[i + j * n] = s * A[i + j * lda];
    }
    return GW_OK;
}
