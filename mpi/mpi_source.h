/* mpi_source.h -- the row-block source of a distributed fit (mpi/mpi_fit.c, gw_mpi.h): one rank's
 * row range of an HDF5 data table, made into design blocks for gw_stream_fit (stream/gw_stream.h).
 *
 * A thin layer over the shared row-range source (io/gw_h5source.h, which documents the design):
 * chunks of up to 65,536 of the rank's rows built by the in-core model frame, so that terms,
 * transforms, missing values, zero weights and their errors are exactly the in-core fit's;
 * categorical regressors and factor() with the whole table's levels (their occurrence over
 * every rank's kept rows combined by the reducer); fixed effects and clusters with GLOBAL
 * codes: a categorical column's stored codes, a numeric column's integer values minus their
 * global minimum (found on every rank's rows, combined with gwi_mpi_red_allmax), or, for
 * non-integer or sparse values, the index among the column's sorted distinct values (every
 * rank reads that whole column).
 *
 * Cache: unless the rank's blocks exceed the memory budget, the first pass keeps every built
 * block (y, X, w, codes) in memory and later passes read it from there: each rank then holds
 * its n/P rows, the in-memory distributed fit (docs/scale.md). With a budget too small, every
 * pass re-reads the file. */
#ifndef GW_MPI_SOURCE_H
#define GW_MPI_SOURCE_H

#include <stddef.h>

#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_status.h"
#include "gw_stream.h"
#include "mpi_reduce.h"

typedef struct gwi_mpi_source gwi_mpi_source;

/* gwi_mpi_source_open -- open table `group` of path, take this rank's share of its rows (see
 * gwi_mpi_source_range), check the formula's columns, find the grouping columns' global codes
 * (collective through red: every rank must call it), and fill src (its strings and arrays are
 * owned by *out). budget: bytes allowed for the block cache (0: no cache); scratch: NULL, or
 * the directory of this rank's spill file for the blocks beyond the budget (gw_h5source.h).
 * Returns GW_OK, or what gw_h5source_open returns (GW_ENOVAR, GW_EINVAL, GW_EUNSUPPORTED: an IV
 * part, a factor with too many levels; GW_EIO / GW_EFORMAT: the file; GW_ENOMEM); a failure
 * before or during the collective steps is agreed across ranks (the same status on every rank,
 * the first failing rank's message); a later one (the same on every rank) is left to the
 * caller's gwi_mpi_red_agree. */
gw_status gwi_mpi_source_open(const char *path, const char *group, const gw_formula *f,
                              const gw_frame_opts *fo, size_t budget, const char *scratch,
                              gwi_mpi_red *red, gwi_mpi_source **out, gw_stream_source *src);

/* gwi_mpi_source_range -- this rank's source rows [*row_begin, *row_end). The table's rows are
 * split into units of GW_STREAM_GROUP_ROWS (2^20) when there are at least that many per rank,
 * so that the fit is bit-identical for any P (gw_stream.h), else of GW_BLOCK_ROWS; rank r gets
 * units [ceil(r U / P), ceil((r+1) U / P)) of the U units (rank 0 is never empty; later ranks
 * may be). */
void gwi_mpi_source_range(const gwi_mpi_source *s, size_t *row_begin, size_t *row_end);

/* gwi_mpi_source_nrows -- rows of the whole table (known after open). */
size_t gwi_mpi_source_nrows(const gwi_mpi_source *s);

/* gwi_mpi_source_cached -- 1 when the blocks are kept in memory after the first pass. */
int gwi_mpi_source_cached(const gwi_mpi_source *s);

/* gwi_mpi_source_close -- release s; NULL-safe. */
void gwi_mpi_source_close(gwi_mpi_source *s);

#endif
