/* mat.c -- owned matrix storage and strided copies. */
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_mat.h"

gw_status gw_mat_new(size_t rows, size_t cols, gw_mat *out)
{
    gw_mat m = {NULL, rows, cols, 1, (ptrdiff_t)rows};
    size_t count = rows * cols;
    if (cols && count / cols != rows)
        return gwi_fail(GW_ENOMEM, "matrix of %zu x %zu elements overflows", rows, cols);
    m.data = gw_alloc_array(count, sizeof(double));
    if (m.data == NULL) {
        *out = (gw_mat){0};
        return gwi_fail(GW_ENOMEM, "cannot allocate a %zu x %zu matrix", rows, cols);
    }
    memset(m.data, 0, count * sizeof(double));
    *out = m;
    return GW_OK;
}

void gw_mat_free(gw_mat *m)
{
    if (m == NULL)
        return;
    gw_free(m->data);
    *m = (gw_mat){0};
}

gw_status gw_mat_copy(gw_mat dst, gw_mat src)
{
    if (dst.rows != src.rows || dst.cols != src.cols)
        return gwi_fail(GW_EDIM, "copy of a %zu x %zu matrix into %zu x %zu", src.rows,
                        src.cols, dst.rows, dst.cols);
    for (size_t j = 0; j < src.cols; j++)
        for (size_t i = 0; i < src.rows; i++)
            GW_MAT_AT(dst, i, j) = GW_MAT_AT(src, i, j);
    return GW_OK;
}
