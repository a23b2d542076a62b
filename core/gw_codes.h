/* gw_codes.h -- factorising a numeric column: distinct values and a code per row, in O(n).
 *
 * Fixed effects, clusters, panel identifiers and factor(VAR) over a numeric column number their
 * levels by increasing value. Sorting the n values (the old way) cost O(n log n) and was a
 * quarter of a 10^7-row fit; here the distinct values are found by a direct table (integer
 * values over a range of at most a few times n, the usual identifier) or by hashing, then only
 * the L distinct values are sorted, so the cost is O(n + L log L).
 *
 * Codes do not depend on the thread count: they are ranks of values in the sorted list of
 * distinct values, whichever thread met a value first. */
#ifndef GW_CODES_H
#define GW_CODES_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"

/* gw_codes_from_double -- code each of n values by its rank among the distinct values.
 *   x       in: the column; the values read are x[rows[i]] for i < n, or x[i] when rows is NULL.
 *           None may be NaN (missing rows are dropped before); -0 and +0 are one level (+0).
 *   codes   out: n codes, each in 0..*nlevels-1, by increasing value.
 *   levels  out, owned (gw_free), may be NULL: the *nlevels distinct values, increasing.
 *   nlevels out: the number of distinct values.
 * Returns GW_OK, GW_EINVAL (a NaN, or more than INT32_MAX distinct values; message names
 * neither column nor row: the caller adds them), GW_ENOMEM.
 * Threads: the passes over rows run on gw_threads_get() threads; results are identical for any
 * count. Memory: O(L) for hashing, O(range) (at most 4 bytes per row) for the direct table. */
GW_API gw_status gw_codes_from_double(const double *x, const size_t *rows, size_t n,
                                      int32_t *codes, double **levels, size_t *nlevels);

#endif
