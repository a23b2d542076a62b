/* gw_alloc.h -- the one allocator of libgoodwork.
 *
 * Every allocation in core/, models/ and io/ goes through these functions so that allocation
 * failure can be injected in tests (built with -DGW_FAULT_INJECTION=ON) and every result is
 * reported as GW_ENOMEM rather than a crash. Memory from gw_malloc/gw_calloc/gw_realloc and
 * gw_aligned_alloc is released with gw_free (NULL-safe). */
#ifndef GW_ALLOC_H
#define GW_ALLOC_H

#include <stddef.h>

#include "gw_export.h"

/* Alignment of gw_aligned_alloc blocks: one cache line, which also suits AVX-512 loads. */
#define GW_ALIGN 64

GW_API void *gw_malloc(size_t size);
GW_API void *gw_calloc(size_t count, size_t size); /* checks count*size for overflow */
GW_API void *gw_realloc(void *ptr, size_t size);
/* gw_aligned_alloc -- size bytes aligned to GW_ALIGN; release with gw_free. */
GW_API void *gw_aligned_alloc(size_t size);
/* gw_alloc_array -- count*size bytes, aligned to GW_ALIGN, NULL on overflow or failure. */
GW_API void *gw_alloc_array(size_t count, size_t size);
GW_API void gw_free(void *ptr);
/* gw_strdup -- a gw_malloc'd copy of s (NULL if s is NULL or allocation fails). */
GW_API char *gw_strdup(const char *s);

/* Fault injection (tests only; no effect unless built with GW_FAULT_INJECTION): after
 * `countdown` more successful allocations on the calling thread, every allocation fails
 * until gw_alloc_fail_after(-1) resets it. gw_alloc_failed() tells whether one failed. */
GW_API void gw_alloc_fail_after(long countdown);
GW_API int gw_alloc_failed(void);

/* Allocation statistics (always on; glibc only, 0 elsewhere): bytes currently allocated
 * through this allocator and not yet freed (usable sizes, so slightly above the sizes asked
 * for), the highest that figure reached since the last gw_alloc_peak_reset (which sets the peak
 * to the live figure), and the number of successful allocations so far. Process-wide, updated
 * atomically; memory of BLAS, HDF5 and other libraries is not included. Used by the tests that
 * pin the memory use of the estimators (tests/models/test_reliab_memory.c). */
GW_API size_t gw_alloc_live_bytes(void);
GW_API size_t gw_alloc_peak_bytes(void);
GW_API void gw_alloc_peak_reset(void);
GW_API unsigned long gw_alloc_count(void);

#endif
