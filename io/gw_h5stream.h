/* gw_h5stream.h -- chunked reading of an HDF5 data table (out-of-core fits).
 *
 * A goodwork data table (docs/reference/output.md, "HDF5 data tables") is a group of 1-D
 * datasets of equal length: float64 for numbers, int32 codes with a `levels` attribute for
 * categorical columns.
 * gw_h5stream opens the table once, lists its columns and their types, reads every categorical
 * column's levels once, and then reads rows [a, b) of any column (a hyperslab) into caller
 * buffers, so that a fit can stream a table far larger than memory. The datasets stay open
 * between reads; HDF5's chunk cache (1 MiB per column: one 65,536-row float64 chunk) makes
 * consecutive reads within a chunk cheap. Reading whole dataset chunks at a time (see
 * gw_h5stream_chunk_rows; `goodwork convert` writes GW_H5_CHUNK_ROWS = 65,536-row chunks) is
 * fastest: each chunk is then decompressed once per pass.
 *
 * Types as gw_h5_table_read reads them: float datasets of any width as double; integer
 * datasets with `levels` as categorical codes (-1 missing, else < nlevels, checked on every
 * read); integer datasets without `levels` as numbers. Not thread-safe: one handle per thread.
 */
#ifndef GW_H5STREAM_H
#define GW_H5STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "gw_export.h"
#include "gw_status.h"
#include "gw_table.h"

typedef struct gw_h5stream gw_h5stream;

/* gw_h5stream_open -- open the data table `group` (NULL: "/data") of the HDF5 file path.
 * out: owned, gw_h5stream_close; NULL on failure. Returns GW_EIO (cannot open the file),
 * GW_EFORMAT (not HDF5, no such group, a dataset that is not 1-D, lengths that differ, a
 * non-numeric dataset, unreadable `levels`, "<file>: corrupt global heap (variable-length
 * strings) at byte N": a collection on which libhdf5 1.10.8 would loop forever), GW_EINVAL
 * (NULL path or out), GW_ENOMEM.
 * Complexity: O(columns + levels + chunks) HDF5 calls (levels are read here, once), plus a
 * scan for global heap collections of the file's bytes outside the table's numeric chunks
 * (metadata and strings: about 1 MB and 3 ms for 2e6 rows x 13 columns with 20,000 levels),
 * independent of the amount of numeric data. */
GW_API gw_status gw_h5stream_open(const char *path, const char *group, gw_h5stream **out);

/* gw_h5stream_close -- close every dataset and the file; NULL-safe. */
GW_API void gw_h5stream_close(gw_h5stream *s);

GW_API size_t gw_h5stream_nrows(const gw_h5stream *s);
GW_API size_t gw_h5stream_ncols(const gw_h5stream *s);
/* gw_h5stream_colname -- name of column j (borrowed, valid until close). */
GW_API const char *gw_h5stream_colname(const gw_h5stream *s, size_t j);
/* gw_h5stream_find -- index of column `name`, or -1. */
GW_API ptrdiff_t gw_h5stream_find(const gw_h5stream *s, const char *name);
GW_API gw_coltype gw_h5stream_coltype(const gw_h5stream *s, size_t j);
/* Levels of categorical column j (0 / NULL for numeric columns); borrowed until close. */
GW_API size_t gw_h5stream_nlevels(const gw_h5stream *s, size_t j);
GW_API const char *const *gw_h5stream_levels(const gw_h5stream *s, size_t j);
/* gw_h5stream_chunk_rows -- the dataset's chunk length in rows (0: contiguous storage). */
GW_API size_t gw_h5stream_chunk_rows(const gw_h5stream *s, size_t j);
/* gw_h5stream_file_bytes -- bytes of the file on disk (for read-rate reports). */
GW_API size_t gw_h5stream_file_bytes(const gw_h5stream *s);

/* gw_h5stream_read_f64 -- rows [a, b) of numeric column j into dst[0..b-a) (NaN = missing).
 * GW_EINVAL (j out of range, a categorical column, a > b or b > nrows), GW_EIO (the read
 * failed: truncated or corrupt data, with the HDF5 detail). */
GW_API gw_status gw_h5stream_read_f64(gw_h5stream *s, size_t j, size_t a, size_t b, double *dst);

/* gw_h5stream_read_codes -- rows [a, b) of categorical column j into dst (-1 = missing).
 * GW_EINVAL (j out of range, a numeric column, bad range), GW_EFORMAT (a code outside
 * -1..nlevels-1: "<table>/<col>: row R has code C outside ..."), GW_EIO. */
GW_API gw_status gw_h5stream_read_codes(gw_h5stream *s, size_t j, size_t a, size_t b, int32_t *dst);

/* A chunked writer of a data table too large for memory (benchmarks, converters): the
 * datasets are created with their final length, chunked by GW_H5_CHUNK_ROWS rows like
 * `goodwork convert`'s, and filled by row ranges. Not atomic (the caller owns the file). */
typedef struct gw_h5writer gw_h5writer;

/* gw_h5writer_create -- create path (truncating it) with the table `group` (NULL: "/data") of
 * nrows rows and ncols columns: names[j], categorical when levels[j] != NULL (nlevels[j] level
 * strings, int32 codes), float64 otherwise. deflate: 0 none, 1-9 shuffle + deflate level.
 * GW_EIO, GW_EINVAL, GW_ENOMEM. */
GW_API gw_status gw_h5writer_create(const char *path, const char *group, size_t nrows, size_t ncols,
                                    const char *const *names, const char *const *const *levels,
                                    const size_t *nlevels, unsigned deflate, gw_h5writer **out);
/* Rows [a, b) of column j (numeric / categorical). GW_EINVAL (type or range), GW_EIO. */
GW_API gw_status gw_h5writer_f64(gw_h5writer *w, size_t j, size_t a, size_t b, const double *src);
GW_API gw_status gw_h5writer_codes(gw_h5writer *w, size_t j, size_t a, size_t b,
                                   const int32_t *src);
/* gw_h5writer_close -- flush and close; GW_EIO when the final flush fails. NULL-safe. */
GW_API gw_status gw_h5writer_close(gw_h5writer *w);

#endif
