/* gw_table.h -- an in-memory data table: named columns of equal length.
 *
 * A column is numeric (double, NaN = missing) or categorical (int32 codes 0..nlevels-1 into a
 * list of level strings, -1 = missing). Readers in io/ (CSV, HDF5) build tables; the model
 * frame builder reads them. Opaque: read through the accessors below. */
#ifndef GW_TABLE_H
#define GW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

typedef struct gw_table gw_table;

typedef enum { GW_COL_NUMERIC = 0, GW_COL_CATEGORICAL } gw_coltype;

/* Missing code of a categorical column. */
#define GW_CODE_MISSING ((int32_t)-1)

/* gw_table_new -- an empty table with nrows rows. out: owned, gw_table_free. GW_ENOMEM. */
GW_API gw_status gw_table_new(size_t nrows, gw_table **out);

/* gw_table_add_numeric_take -- append a numeric column; adopts values (allocated with gw_alloc,
 * length nrows) whether or not the call succeeds. GW_EINVAL for a duplicate or empty name,
 * GW_ENOMEM. */
GW_API gw_status gw_table_add_numeric_take(gw_table *t, const char *name, double *values);

/* gw_table_add_categorical_take -- append a categorical column; adopts codes (length nrows,
 * each -1 or < nlevels) and levels (an array of nlevels gw_alloc'd strings, itself gw_alloc'd)
 * whether or not the call succeeds. GW_EINVAL for a duplicate name or a code out of range. */
GW_API gw_status gw_table_add_categorical_take(gw_table *t, const char *name, int32_t *codes,
                                               char **levels, size_t nlevels);

GW_API size_t gw_table_nrows(const gw_table *t);
GW_API size_t gw_table_ncols(const gw_table *t);
GW_API const char *gw_table_colname(const gw_table *t, size_t j); /* borrowed */
GW_API gw_coltype gw_table_coltype(const gw_table *t, size_t j);

/* gw_table_find -- index of the column called name, or -1. */
GW_API ptrdiff_t gw_table_find(const gw_table *t, const char *name);

/* gw_table_numeric -- values of numeric column j (borrowed), NULL if categorical. */
GW_API const double *gw_table_numeric(const gw_table *t, size_t j);
/* gw_table_numeric_mut -- writable values of numeric column j (for readers filling it). */
GW_API double *gw_table_numeric_mut(gw_table *t, size_t j);

/* gw_table_codes -- codes of categorical column j (borrowed), NULL if numeric. */
GW_API const int32_t *gw_table_codes(const gw_table *t, size_t j);
GW_API size_t gw_table_nlevels(const gw_table *t, size_t j);   /* 0 if numeric */
GW_API const char *gw_table_level(const gw_table *t, size_t j, size_t level); /* borrowed */

/* gw_table_subset -- a new table (out: owned, gw_table_free) with the rows of t where keep[i] is
 * non-zero (keep NULL: every row), in order, and the columns named in cols[0..ncols-1], in that
 * order, leaving out names t does not have (cols NULL: every column of t, in its order).
 * Categorical columns keep all their levels. t is unchanged. Returns GW_OK; GW_EINVAL (NULL t or
 * out); GW_ENOMEM. O(rows x columns). */
GW_API gw_status gw_table_subset(const gw_table *t, const unsigned char *keep,
                                 const char *const *cols, size_t ncols, gw_table **out);

/* gw_table_free -- release t and all its columns; NULL-safe. */
GW_API void gw_table_free(gw_table *t);

#endif
