/* gw_mvn.h -- a square-root factor of a covariance matrix, for multivariate normal draws.
 *
 * x = mu + L z with z ~ N(0, I) has covariance L L' = V. The factor is LAPACK's Cholesky
 * (dpotrf) when V is positive definite; otherwise (a stored vcov that is only positive
 * semi-definite, e.g. with exactly collinear or zero-variance coefficients, or slightly
 * indefinite from rounding) an eigenvalue clip: V = Q diag(w) Q', negative w set to zero,
 * L = Q diag(sqrt(max(w, 0))). Only core/linalg_*.c include <lapacke.h> (style.md), so callers
 * in models/ use this header. */
#ifndef GW_MVN_H
#define GW_MVN_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

/* How gw_mvn_factor obtained its factor. */
typedef enum {
    GW_MVN_ZERO = 0, /* V is exactly zero: L = 0 (draws equal the mean)                     */
    GW_MVN_CHOL,     /* V positive definite: L lower-triangular Cholesky factor            */
    GW_MVN_CLIPPED   /* V not positive definite: eigenvalue clip (see the file comment)    */
} gw_mvn_method;

/* gw_mvn_factor -- a factor L (p x p, column-major) with L L' = V (clipped, see above).
 *
 * in  V       borrowed, p x p column-major; symmetrised as (V + V')/2 before factoring.
 * out L       caller's p x p array: the factor (lower triangular for GW_MVN_CHOL).
 * out method  may be NULL: how L was obtained.
 * out nclip   may be NULL: eigenvalues set to zero (negative ones), 0 unless GW_MVN_CLIPPED.
 *
 * Returns GW_OK; GW_EINVAL (V or L NULL); GW_EDIM (p == 0 or too large for LAPACK);
 * GW_ENONFINITE (a NaN or infinity in V); GW_ENOCONV, GW_EINTERNAL (from the eigen solver);
 * GW_ENOMEM.
 * Numerical notes: dpotrf is backward stable; the clip changes V by at most the magnitude of
 * its most negative eigenvalue in the 2-norm. The result does not depend on the thread count
 * (single-threaded OpenBLAS, gw_threads_set). Complexity: O(p^3), O(p^2) memory. */
GW_API gw_status gw_mvn_factor(size_t p, const double *V, double *L, gw_mvn_method *method,
                               size_t *nclip);

#endif
