/* linalg_mvn.c -- covariance square roots for multivariate normal draws (gw_mvn.h): LAPACK
 * Cholesky, with an eigenvalue clip for matrices that are not positive definite. */
#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eig.h"
#include "gw_mvn.h"

gw_status gw_mvn_factor(size_t p, const double *V, double *L, gw_mvn_method *method, size_t *nclip)
{
    gw_status rc = GW_OK;
    double *a = NULL, *w = NULL, *q = NULL;
    int allzero = 1;
    if (method != NULL)
        *method = GW_MVN_ZERO;
    if (nclip != NULL)
        *nclip = 0;
    if (V == NULL || L == NULL)
        return gwi_fail(GW_EINVAL, "gw_mvn_factor: NULL argument");
    if (p == 0 || p > (size_t)INT_MAX / 2)
        return gwi_fail(GW_EDIM, "gw_mvn_factor: order %zu out of range", p);
    for (size_t j = 0; j < p * p; j++) {
        if (!isfinite(V[j]))
            return gwi_fail(GW_ENONFINITE, "gw_mvn_factor: V(%zu,%zu) is not finite", j % p, j / p);
        if (V[j] != 0.0)
            allzero = 0;
    }
    memset(L, 0, p * p * sizeof *L);
    if (allzero)
        return GW_OK;
    a = gw_alloc_array(p * p, sizeof *a);
    if (a == NULL) {
        rc = gwi_fail(GW_ENOMEM, "gw_mvn_factor: out of memory (order %zu)", p);
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++)
            a[i + j * p] = 0.5 * (V[i + j * p] + V[j + i * p]);
    lapack_int n = (lapack_int)p;
    lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, a, n);
    if (info == 0) {
        for (size_t j = 0; j < p; j++)
            for (size_t i = j; i < p; i++)
                L[i + j * p] = a[i + j * p];
        if (method != NULL)
            *method = GW_MVN_CHOL;
        goto done;
    }
    if (info < 0) {
        rc = gwi_fail(GW_EINTERNAL, "gw_mvn_factor: dpotrf argument %d illegal", (int)-info);
        goto done;
    }
    /* Not positive definite: eigenvalue clip. */
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++)
            a[i + j * p] = 0.5 * (V[i + j * p] + V[j + i * p]);
    w = gw_alloc_array(p, sizeof *w);
    q = gw_alloc_array(p * p, sizeof *q);
    if (w == NULL || q == NULL) {
        rc = gwi_fail(GW_ENOMEM, "gw_mvn_factor: out of memory (order %zu)", p);
        goto done;
    }
    if ((rc = gw_eig_sym(p, a, w, q)) != GW_OK) {
        gwi_prefix_error("gw_mvn_factor");
        goto done;
    }
    size_t clipped = 0;
    for (size_t j = 0; j < p; j++) {
        double s = 0.0;
        if (w[j] > 0.0)
            s = sqrt(w[j]);
        else
            clipped++;
        for (size_t i = 0; i < p; i++)
            L[i + j * p] = q[i + j * p] * s;
    }
    if (method != NULL)
        *method = GW_MVN_CLIPPED;
    if (nclip != NULL)
        *nclip = clipped;
done:
    gw_free(a);
    gw_free(w);
    gw_free(q);
    return rc;
}
