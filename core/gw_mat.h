/* gw_mat.h -- strided dense matrix views (BLIS style) and owned column-major storage.
 *
 * A gw_mat is a transparent view: element (i, j) lives at data[i*rs + j*cs]. Column-major
 * storage with leading dimension ld is rs = 1, cs = ld; a gsl_matrix wraps as rs = tda, cs = 1
 * with no copy. Kernels that need unit row stride (LAPACK) copy into their workspace. */
#ifndef GW_MAT_H
#define GW_MAT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

typedef struct {
    double *data;
    size_t rows, cols;
    ptrdiff_t rs, cs; /* row and column strides, in elements */
} gw_mat;

#define GW_MAT_AT(m, i, j) ((m).data[(ptrdiff_t)(i) * (m).rs + (ptrdiff_t)(j) * (m).cs])

/* gw_mat_view -- a column-major view of caller memory (borrowed), leading dimension ld. */
static inline gw_mat gw_mat_view(double *data, size_t rows, size_t cols, size_t ld)
{
    gw_mat m = {data, rows, cols, 1, (ptrdiff_t)ld};
    return m;
}

/* gw_mat_new -- allocate a zeroed rows x cols column-major matrix (ld = rows), aligned to
 * GW_ALIGN. out: owned, release with gw_mat_free. GW_ENOMEM on failure (out->data NULL). */
GW_API gw_status gw_mat_new(size_t rows, size_t cols, gw_mat *out);

/* gw_mat_free -- release storage made by gw_mat_new and zero the view; NULL-safe. */
GW_API void gw_mat_free(gw_mat *m);

/* gw_mat_copy -- copy src into dst (same shape, any strides). GW_EDIM if shapes differ. */
GW_API gw_status gw_mat_copy(gw_mat dst, gw_mat src);

#endif
