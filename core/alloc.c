/* alloc.c -- allocation with optional fault injection (SQLite's test_malloc.c idea) and a
 * count of live and peak bytes (gw_alloc_peak_bytes), kept with relaxed atomics: one atomic add
 * per allocation and per free, against the thousands of flops each allocation serves. The sizes
 * are the allocator's usable sizes (glibc malloc_usable_size), so a free subtracts exactly what
 * its allocation added; elsewhere the counters stay 0. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__GLIBC__)
#include <malloc.h>
#define GW_USABLE(p) malloc_usable_size(p)
#else
#define GW_USABLE(p) ((size_t)0 * (size_t)((p) != NULL))
#endif

#include "core_int.h"
#include "gw_alloc.h"

static atomic_size_t live_bytes, peak_bytes;
static atomic_ulong nallocs;

static void *counted(void *p)
{
    if (p != NULL) {
        size_t now = atomic_fetch_add_explicit(&live_bytes, GW_USABLE(p), memory_order_relaxed) +
                     GW_USABLE(p);
        size_t peak = atomic_load_explicit(&peak_bytes, memory_order_relaxed);
        while (now > peak &&
               !atomic_compare_exchange_weak_explicit(&peak_bytes, &peak, now, memory_order_relaxed,
                                                      memory_order_relaxed))
            ;
        atomic_fetch_add_explicit(&nallocs, 1, memory_order_relaxed);
    }
    return p;
}

static void uncounted(void *p)
{
    if (p != NULL)
        atomic_fetch_sub_explicit(&live_bytes, GW_USABLE(p), memory_order_relaxed);
}

size_t gw_alloc_live_bytes(void) { return atomic_load(&live_bytes); }
size_t gw_alloc_peak_bytes(void) { return atomic_load(&peak_bytes); }
unsigned long gw_alloc_count(void) { return atomic_load(&nallocs); }
void gw_alloc_peak_reset(void) { atomic_store(&peak_bytes, atomic_load(&live_bytes)); }

#ifdef GW_FAULT_INJECTION
static _Thread_local long fail_countdown = -1;
static _Thread_local int fail_happened;

/* Returns 1 when this allocation must fail. */
static int inject(void)
{
    if (fail_countdown < 0)
        return 0;
    if (fail_countdown == 0) {
        fail_happened = 1;
        return 1;
    }
    fail_countdown--;
    return 0;
}
void gw_alloc_fail_after(long countdown)
{
    fail_countdown = countdown;
    fail_happened = 0;
}
int gw_alloc_failed(void) { return fail_happened; }
#else
static int inject(void) { return 0; }
void gw_alloc_fail_after(long countdown) { (void)countdown; }
int gw_alloc_failed(void) { return 0; }
#endif

void *gw_malloc(size_t size)
{
    if (inject())
        return NULL;
    return counted(malloc(size ? size : 1));
}

void *gw_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    if (inject())
        return NULL;
    return counted(calloc(count ? count : 1, size ? size : 1));
}

void *gw_realloc(void *ptr, size_t size)
{
    if (inject())
        return NULL;
    size_t old = ptr != NULL ? GW_USABLE(ptr) : 0;
    void *p = realloc(ptr, size ? size : 1);
    if (p == NULL)
        return NULL; /* ptr is still live and still counted */
    atomic_fetch_sub_explicit(&live_bytes, old, memory_order_relaxed);
    return counted(p);
}

void *gw_aligned_alloc(size_t size)
{
    void *p = NULL;
    if (inject())
        return NULL;
    if (posix_memalign(&p, GW_ALIGN, size ? size : 1) != 0)
        return NULL;
    return counted(p);
}

void *gw_alloc_array(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return gw_aligned_alloc(count * size);
}

void gw_free(void *ptr)
{
    uncounted(ptr);
    free(ptr);
}

char *gw_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = gw_malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void gwi_strv_free(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        gw_free(v[i]);
    gw_free(v);
}
