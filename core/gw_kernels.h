/* gw_kernels.h -- small dense kernels for blocked reductions (the "meat" of sandwich variances).
 *
 * These are thin, single-threaded wrappers around BLAS level-3 calls, so that code outside
 * core/linalg_*.c (which alone may include <cblas.h>, style.md Layout) can accumulate
 * cross-products of one row block at BLAS speed. They are meant to be called from inside an
 * OpenMP region, once per block, each call writing its own partial: OpenBLAS is kept at one
 * thread (gw_threads_set), so a call's result depends only on its arguments and never on the
 * number of threads. */
#ifndef GW_KERNELS_H
#define GW_KERNELS_H

#include <stddef.h>

#include "gw_export.h"

/* gw_kernel_syrk_tn -- C += A'A on the lower triangle of C.
 * A: in, borrowed, m x k column-major with leading dimension lda >= max(1, m) (the rows of A
 *    are observations). C: in/out, k x k column-major, ld = k; only the lower triangle
 *    (i >= j) is read and written.
 * Preconditions (callers' invariants, not checked): m, k, lda <= INT_MAX; C does not alias A.
 * No status: it cannot fail. Numerical notes: dsyrk (OpenBLAS), one thread; m == 0 or k == 0
 * leaves C unchanged. Complexity: m k (k+1) / 2 multiply-adds. */
GW_API void gw_kernel_syrk_tn(size_t m, size_t k, const double *A, size_t lda, double *C);

/* gw_kernel_syrk_nt -- C += A A' on the lower triangle of C.
 * A: in, borrowed, k x m column-major with leading dimension lda >= max(1, k) (the columns of A
 *    are observations or groups: a row-major m x k array is this with lda = k). C as above.
 * Preconditions, status and numerical notes as gw_kernel_syrk_tn. Complexity: m k (k+1) / 2. */
GW_API void gw_kernel_syrk_nt(size_t m, size_t k, const double *A, size_t lda, double *C);

/* gw_kernel_gemm_nn -- C += A B, all m x m column-major (ld = m): the square DGEMM whose speed
 * is the BLAS's practical peak, the ceiling the benchmark suite measures level-3 work against.
 * Preconditions, status and numerical notes as gw_kernel_syrk_tn. Complexity: 2 m^3 flops. */
GW_API void gw_kernel_gemm_nn(size_t m, const double *A, const double *B, double *C);

#endif
