/* gw_eig.h -- eigenvalues and eigenvectors of a small dense symmetric matrix.
 *
 * A thin wrapper around LAPACK's dsyevr (MRRR), so that code outside core/linalg_*.c (which
 * alone may include <lapacke.h>, style.md Layout) can take principal components of a
 * correlation matrix. Meant for small matrices (p up to a few hundred): it allocates its own
 * workspace. */
#ifndef GW_EIG_H
#define GW_EIG_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

/* gw_eig_sym -- all eigenvalues (ascending) and orthonormal eigenvectors of the symmetric
 * p x p matrix A.
 *
 * in  A       borrowed, p x p column-major (ld p); only the lower triangle is read; not
 *             modified (a copy is factored).
 * out w       caller's array of p: the eigenvalues in ascending order.
 * out V       caller's p x p column-major array (ld p), or NULL when only eigenvalues are
 *             wanted: column j is the unit eigenvector of w[j]. The sign of each eigenvector
 *             is fixed so that its largest-magnitude entry (the first such) is positive, so
 *             that the result does not depend on LAPACK's arbitrary choice.
 *
 * Returns GW_OK; GW_EINVAL (A or w NULL); GW_EDIM (p == 0 or p > INT_MAX); GW_ENONFINITE (a
 * NaN or infinity in the lower triangle of A); GW_ENOCONV (dsyevr reported an internal
 * failure, info > 0); GW_EINTERNAL (an illegal argument, info < 0); GW_ENOMEM.
 *
 * Numerical notes: dsyevr with abstol 0 (LAPACK's default accuracy); eigenvalues have
 * absolute error about p*eps*||A||_2, eigenvectors are accurate in proportion to the gap to
 * the neighbouring eigenvalues. Single-threaded OpenBLAS (gw_threads_set) makes the result
 * independent of the thread count. Complexity: O(p^3) flops, O(p^2) memory. */
GW_API gw_status gw_eig_sym(size_t p, const double *A, double *w, double *V);

#endif
