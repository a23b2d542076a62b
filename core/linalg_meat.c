/* linalg_meat.c -- BLAS wrappers of gw_kernels.h (the cross-products of sandwich meats).
 *
 * The only reason these exist is the layering rule that keeps <cblas.h> inside
 * core/linalg_*.c; the functions add nothing but the size_t -> int conversion. */
#include <cblas.h>

#include "gw_kernels.h"

void gw_kernel_syrk_tn(size_t m, size_t k, const double *A, size_t lda, double *C)
{
    if (m == 0 || k == 0)
        return;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, (int)k, (int)m, 1.0, A, (int)lda, 1.0, C,
                (int)k);
}

void gw_kernel_syrk_nt(size_t m, size_t k, const double *A, size_t lda, double *C)
{
    if (m == 0 || k == 0)
        return;
    cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, (int)k, (int)m, 1.0, A, (int)lda, 1.0, C,
                (int)k);
}
