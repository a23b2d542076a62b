/* gw_par.h -- threads and deterministic block reductions.
 *
 * Every long computation in libgoodwork is a reduction over fixed-size row blocks of
 * GW_BLOCK_ROWS rows: block b covers rows [b*GW_BLOCK_ROWS, min(n, (b+1)*GW_BLOCK_ROWS)).
 * Each block's partial result goes into its own slot, and the slots are combined in block
 * order by one thread, never in the order threads finish. The result therefore depends on n
 * and the data only, never on the thread count, and the same reduction streams from HDF5
 * chunks and combines across MPI ranks unchanged.
 *
 * Parallelism is OpenMP over blocks. OpenBLAS is kept single-threaded (gw_threads_set) so that
 * BLAS calls inside blocks neither oversubscribe nor change their summation order. */
#ifndef GW_PAR_H
#define GW_PAR_H

#include <stddef.h>

#include "gw_export.h"

/* Rows per block: 4,096 rows of 10-20 doubles fit in L2 cache (style.md, Numerics, TSQR). */
#define GW_BLOCK_ROWS ((size_t)4096)

/* gw_nblocks -- number of row blocks covering n rows (0 for n == 0). */
static inline size_t gw_nblocks(size_t n) { return (n + GW_BLOCK_ROWS - 1) / GW_BLOCK_ROWS; }

/* gw_block_range -- first row and row count of block b of n rows. */
static inline void gw_block_range(size_t n, size_t b, size_t *first, size_t *count)
{
    size_t f = b * GW_BLOCK_ROWS;
    *first = f;
    *count = (n - f < GW_BLOCK_ROWS) ? n - f : GW_BLOCK_ROWS;
}

/* gw_threads_set -- use n worker threads for OpenMP regions of libgoodwork (n <= 0: all
 * cores) and pin OpenBLAS to one thread. Process-wide, like omp_set_num_threads; call it
 * before starting work, not concurrently with it. */
GW_API void gw_threads_set(int n);

/* gw_threads_get -- the number of worker threads in use. */
GW_API int gw_threads_get(void);

/* gw_blas_info -- static text naming the BLAS library, its core type and thread count (for
 * provenance), e.g. "OpenBLAS 0.3.21 Haswell MAX_THREADS=64; threads=2". Thread-local buffer. */
GW_API const char *gw_blas_info(void);

#endif
