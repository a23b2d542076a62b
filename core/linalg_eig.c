/* linalg_eig.c -- symmetric eigen-decomposition (gw_eig.h) by LAPACK's dsyevr.
 *
 * Why a copy: dsyevr destroys its input, and the callers (principal components of a
 * correlation matrix) keep theirs. Why the sign normalisation: an eigenvector is defined up to
 * sign, and LAPACK's choice can change with the library version or build; fixing the largest
 * entry positive makes stored results reproducible across BLAS builds. */
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eig.h"

gw_status gw_eig_sym(size_t p, const double *A, double *w, double *V)
{
    gw_status rc = GW_OK;
    double *a = NULL, *z = NULL;
    lapack_int *isuppz = NULL;
    if (A == NULL || w == NULL)
        return gwi_fail(GW_EINVAL, "gw_eig_sym: NULL argument");
    if (p == 0 || p > (size_t)INT_MAX / 2)
        return gwi_fail(GW_EDIM, "gw_eig_sym: order %zu out of range", p);
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++)
            if (!isfinite(A[i + j * p]))
                return gwi_fail(GW_ENONFINITE, "gw_eig_sym: A(%zu,%zu) is not finite", i, j);
    a = gw_alloc_array(p * p, sizeof *a);
    z = gw_alloc_array(p * p, sizeof *z);
    isuppz = gw_alloc_array(2 * p, sizeof *isuppz);
    if (a == NULL || z == NULL || isuppz == NULL) {
        rc = gwi_fail(GW_ENOMEM, "gw_eig_sym: out of memory (order %zu)", p);
        goto done;
    }
    memcpy(a, A, p * p * sizeof *a);
    lapack_int n = (lapack_int)p, m = 0;
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, V != NULL ? 'V' : 'N', 'A', 'L', n, a, n,
                                     0.0, 0.0, 0, 0, 0.0, &m, w, z, n, isuppz);
    if (info == LAPACK_WORK_MEMORY_ERROR) {
        rc = gwi_fail(GW_ENOMEM, "gw_eig_sym: out of memory for LAPACK workspace");
        goto done;
    }
    if (info < 0) {
        rc = gwi_fail(GW_EINTERNAL, "gw_eig_sym: dsyevr argument %d is illegal", (int)-info);
        goto done;
    }
    if (info > 0 || (size_t)m != p) {
        rc = gwi_fail(GW_ENOCONV, "gw_eig_sym: dsyevr failed (info %d)", (int)info);
        goto done;
    }
    if (V != NULL) {
        for (size_t j = 0; j < p; j++) {
            double *v = z + j * p, big = 0.0;
            size_t at = 0;
            for (size_t i = 0; i < p; i++)
                if (fabs(v[i]) > big) {
                    big = fabs(v[i]);
                    at = i;
                }
            double s = v[at] < 0.0 ? -1.0 : 1.0;
            for (size_t i = 0; i < p; i++)
                V[i + j * p] = s * v[i];
        }
    }
done:
    gw_free(isuppz);
    gw_free(z);
    gw_free(a);
    return rc;
}
