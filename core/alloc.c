/* alloc.c -- allocation with optional fault injection (SQLite's test_malloc.c idea). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_alloc.h"

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
    return malloc(size ? size : 1);
}

void *gw_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    if (inject())
        return NULL;
    return calloc(count ? count : 1, size ? size : 1);
}

void *gw_realloc(void *ptr, size_t size)
{
    if (inject())
        return NULL;
    return realloc(ptr, size ? size : 1);
}

void *gw_aligned_alloc(size_t size)
{
    void *p = NULL;
    if (inject())
        return NULL;
    if (posix_memalign(&p, GW_ALIGN, size ? size : 1) != 0)
        return NULL;
    return p;
}

void *gw_alloc_array(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    return gw_aligned_alloc(count * size);
}

void gw_free(void *ptr) { free(ptr); }

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
