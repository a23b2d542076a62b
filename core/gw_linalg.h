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

typedef struct {
    gw_ls_method method; /* 0: GW_LS_AUTO                                                   */
    double rank_tol;     /* 0: max(n,p)*DBL_EPSILON relative to |R11| of the scaled R        */
    unsigned flags;      /* GW_LS_* above                                                    */
} gw_ls_opts;            /* all-zero means the documented defaults */

typedef struct gw_ls gw_ls; /* opaque; made by gw_ls_fit, freed by gw_ls_free */

/* gw_ls_fit -- least squares of d->y on d->X with weights d->w (NULL: unweighted), using
 * d->Xlo where present for exact residuals. d: borrowed, not retained. out: owned.
 * Returns GW_EDIM (n == 0, p == 0), GW_ENONFINITE (NaN/Inf in X, y or w), GW_EINVAL (a weight
 * <= 0), GW_ERANK (rank deficient with GW_LS_STRICT_RANK), GW_ENODATA (n < rank... no
 * residual degrees of freedom are not an error: df may be 0), GW_ENOMEM, GW_EINTERNAL. */
GW_API gw_status gw_ls_fit(const gw_design *d, gw_ls_opts opts, gw_ls **out);

GW_API size_t gw_ls_n(const gw_ls *ls);
GW_API size_t gw_ls_p(const gw_ls *ls);
GW_API size_t gw_ls_rank(const gw_ls *ls);
/* Borrowed pointers, valid until gw_ls_free. */
GW_API const double *gw_ls_coef(const gw_ls *ls);   /* p; NaN where aliased               */
GW_API const double *gw_ls_resid(const gw_ls *ls);  /* n; y - Xb, unweighted               */
GW_API const double *gw_ls_fitted(const gw_ls *ls); /* n; Xb                               */
GW_API const double *gw_ls_bread(const gw_ls *ls);  /* p x p (X'WX)^-1, column-major; NaN
                                                       rows and columns where aliased      */
GW_API const int *gw_ls_aliased(const gw_ls *ls);   /* p flags: 1 where aliased            */
GW_API double gw_ls_rss(const gw_ls *ls);           /* sum w_i r_i^2, accurately summed    */
GW_API double gw_ls_rcond(const gw_ls *ls);         /* reciprocal condition of scaled R    */
GW_API int gw_ls_near_singular(const gw_ls *ls);    /* rcond < sqrt(DBL_EPSILON)            */
GW_API const char *gw_ls_method_used(const gw_ls *ls); /* "chol", "qrp", "qrp+dd", ...    */
GW_API size_t gw_ls_refine_iterations(const gw_ls *ls);
GW_API void gw_ls_free(gw_ls *ls); /* NULL-safe */

#endif
