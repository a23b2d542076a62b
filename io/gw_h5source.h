/* gw_h5source.h -- the row-block source of every streamed fit: a row range of an HDF5 data table
 * made into design blocks (core/gw_rowblock.h) for gw_stream_fit (models/stream/gw_stream.h) and
 * gw_stream_glm_fit. The single-process out-of-core fit (gw_fit_file with a memory limit,
 * api/gw_fit.h; goodwork fit --memory-limit) owns all rows; a distributed fit (mpi/mpi_source.c,
 * mpirun -np P) owns one rank's range and passes a gw_h5source_comm.
 *
 * Design rows. Rows are read in chunks of GW_H5SOURCE_CHUNK_ROWS (65,536: the dataset chunk of
 * `goodwork convert`), clipped to the owned range, and each chunk is made into design rows by
 * the in-core model frame (gw_frame_build on a table of the chunk's rows), so that terms,
 * transforms, missing values, zero weights and their errors are exactly the in-core fit's.
 *
 * Factors (categorical regressors, factor(VAR), their interactions). The frame codes a factor
 * by the levels that occur in the rows it is given, so each chunk's table gets, after its
 * rows, a few "level rows" (as many as the largest factor has levels; every other column 1,
 * which every transform accepts), which carry every level of every factor that occurs in the
 * kept rows of the WHOLE table: the frame then builds exactly the dummy columns (reference
 * level, order, names such as `region=North` or `factor(k)=3`) of the in-core fit, also for a
 * level absent from the chunk (its column is zero there), and the level rows are not served.
 * The global levels come from a pre-pass over the owned rows (kept = no missing value in a
 * used column and a nonzero weight, as the frame decides): a categorical column's occurring
 * levels as flags over its file levels, factor(VAR) of a numeric VAR as its sorted distinct
 * values; ranks combine them with comm->allmax (flags) and comm->sum (each rank's values in its
 * own slot of a P x D vector, zeros elsewhere, so the sum is exact). A factor with more than
 * GW_H5SOURCE_MAX_LEVELS levels is GW_EUNSUPPORTED (absorb it as a fixed effect).
 *
 * Fixed-effect and cluster codes are GLOBAL and increase with the value: a categorical column's
 * codes as stored; a numeric column whose finite values are all integers spanning at most
 * min(2^31 - 1, 4 nrows + 65,536) values gets value - (global minimum) (the range is found on
 * the owned rows and combined with comm->allmax; levels that do not occur are allowed: the
 * engine counts the ones that occur); any other numeric column (non-integer values, a sparse
 * span) gets the index of its value among the column's sorted distinct values, every rank
 * reading the whole column (the same codes on every rank without communication; memory: the
 * distinct values). The frame sees a grouping-only column as a one-level stand-in (present or
 * missing), so it does not sort it per chunk; an infinite value is the frame's error.
 *
 * Cache: with budget > 0 the first pass keeps every built block (y, X, w, codes) in memory
 * while their bytes stay within budget, and later passes read it from there (a distributed fit
 * then holds its n/P rows); beyond the budget the cache is dropped and every pass re-reads,
 * unless there is a spill file.
 *
 * Spill file (scratch directory given, goodwork fit --scratch DIR): a block that the memory
 * cache does not keep is written, as built in the first pass, to an unlinked temporary file in
 * DIR (each rank its own), and later passes read it back instead of rebuilding the chunk's
 * frame (about n (p + 2 + weighted) x 8 + n x 4 x (fixed effects + clusters) bytes on disk for
 * n owned rows). The blocks served are the same bytes either way: a fit is bit-identical with
 * and without a spill file. A failed write or read (disk full) is GW_EIO naming the file.
 *
 * Not thread-safe: one source per thread. */
#ifndef GW_H5SOURCE_H
#define GW_H5SOURCE_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_rowblock.h"
#include "gw_status.h"

#define GW_H5SOURCE_CHUNK_ROWS ((size_t)16 * GW_BLOCK_ROWS)
#define GW_H5SOURCE_MAX_LEVELS ((size_t)100000)

typedef struct gw_h5source gw_h5source;

/* The collective operations of a distributed open (e.g. mpi/mpi_reduce.h wrapped): allmax and sum
 * make v[0..n) the element-wise maximum / sum over ranks (identical on every rank; a failure
 * is returned on every rank); agree is called by a rank that failed on its own INSTEAD of its
 * next allmax/sum, and returns the agreed failure. rank in 0..nranks-1. */
typedef struct {
    gw_status (*allmax)(void *ctx, double *v, size_t n);
    gw_status (*sum)(void *ctx, double *v, size_t n);
    gw_status (*agree)(void *ctx, gw_status local);
    void *ctx;
    int rank, nranks;
} gw_h5source_comm;

/* gw_h5source_open -- open table `group` (NULL: "/data") of path, take this rank's share of its
 * rows (all rows when comm is NULL; see gw_h5source_range), find the factors' levels and the
 * grouping columns' global codes, and fill *src (its strings and arrays owned by *out: keep it
 * open while fitting).
 *   f, fo  in, borrowed until close: the formula and frame options (weights, clusters; the
 *          panel options are ignored).
 *   budget bytes for the block cache (0: no cache).
 *   scratch NULL, or a directory for the spill file (created there with mkstemp and unlinked at
 *          once; closed by gw_h5source_close).
 *   comm   NULL (one process), or the collective operations; then every rank must call.
 * Returns GW_OK; GW_ENOVAR (a used column is not in the table: the frame's message with a
 * caret); GW_EINVAL (the frame's type errors; no regressors); GW_EUNSUPPORTED (instruments,
 * more than 4 grouping variables, a factor with too many levels); GW_ENODATA (a grouping
 * variable without a value); GW_EIO / GW_EFORMAT (the file; the spill file cannot be
 * created in scratch); GW_ENOMEM; with comm every
 * failure is agreed (or reported by a reduction) on every rank. */
GW_API gw_status gw_h5source_open(const char *path, const char *group, const gw_formula *f,
                                  const gw_frame_opts *fo, size_t budget, const char *scratch,
                                  const gw_h5source_comm *comm, gw_h5source **out,
                                  gw_stream_source *src);

/* gw_h5source_range -- the owned source rows [*row_begin, *row_end): all rows for one process;
 * for P ranks the rows are split into units of GW_STREAM_GROUP_ROWS (2^20) when there are at
 * least that many per rank, so that the fit is bit-identical for any P (stream/gw_stream.h), else
 * of GW_BLOCK_ROWS; rank r gets units [ceil(r U / P), ceil((r+1) U / P)) of the U units (rank 0 is
 * never empty; later ranks may be). */
GW_API void gw_h5source_range(const gw_h5source *s, size_t *row_begin, size_t *row_end);

/* gw_h5source_nrows -- rows of the whole table. */
GW_API size_t gw_h5source_nrows(const gw_h5source *s);

/* gw_h5source_cached -- 1 while the blocks are kept in memory (budget not exceeded). */
GW_API int gw_h5source_cached(const gw_h5source *s);

/* gw_h5source_scratch_bytes -- bytes written to the spill file so far (0 without one). */
GW_API size_t gw_h5source_scratch_bytes(const gw_h5source *s);

/* gw_h5source_scratch_failed -- 1 when a write or read of the spill file failed (the GW_EIO
 * of a fit is then an I/O failure of the machine, not of the data). */
GW_API int gw_h5source_scratch_failed(const gw_h5source *s);

/* gw_h5source_close -- release s (and close its spill file); NULL-safe. */
GW_API void gw_h5source_close(gw_h5source *s);

#endif
