/* codes.c -- factorising a numeric column in O(n) (gw_codes.h).
 *
 * Written by hand: the libraries at hand (GSL's sort, qsort) sort all n values; bench_fit's
 * factorisation case and a perf profile of a 10^7-row fit (24% in qsort's merge sort and its
 * comparison) showed that O(n log n) sort to be the largest single cost of reading a fit's data.
 * Two passes replace it: a direct table indexed by value - min for integer identifiers over a
 * range of at most a few times n, else a hash table of the distinct values; only the distinct
 * values are then sorted. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"

/* Integers up to 2^53 are exact doubles; beyond that "integral" says nothing useful. */
#define EXACT_INT 9007199254740992.0
/* The direct table is used when the range of integer values is at most this many times n (plus
 * a floor for small n): 4 bytes per slot, so at most 8 bytes per row. */
#define DENSE_FACTOR 2u
#define DENSE_FLOOR ((size_t)1 << 16)

static double value_at(const double *x, const size_t *rows, size_t i)
{
    double v = rows != NULL ? x[rows[i]] : x[i];
    return v == 0.0 ? 0.0 : v; /* -0 and +0: one level, +0 */
}

typedef struct {
    double lo, hi;
    int allint, nan;
} scan;

static scan scan_values(const double *x, const size_t *rows, size_t n)
{
    double lo = INFINITY, hi = -INFINITY;
    int allint = 1, nan = 0;
#pragma omp parallel for schedule(static) reduction(min : lo) reduction(max : hi)              \
    reduction(&& : allint) reduction(|| : nan)
    for (size_t i = 0; i < n; i++) {
        double v = value_at(x, rows, i);
        if (isnan(v)) {
            nan = 1;
            continue;
        }
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        allint = allint && fabs(v) <= EXACT_INT && v == floor(v);
    }
    scan s = {lo, hi, allint, nan};
    return s;
}

/* Integer values over [lo, lo + range): a table of range slots. One pass writes v - lo as the
 * code and marks the slot; when every slot is taken (identifiers 0..L-1 or 1..L, the usual
 * case) those are the codes, else a second pass renumbers them past the gaps. */
static gw_status codes_dense(const double *x, const size_t *rows, size_t n, double lo,
                             size_t range, int32_t *codes, double **levels, size_t *nlevels)
{
    if (range > (size_t)INT32_MAX)
        return gwi_fail(GW_EINVAL, "more than 2^31 distinct values");
    int32_t *slot = gw_calloc(range, sizeof *slot);
    if (slot == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a table of %zu values", range);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        int32_t k = (int32_t)(value_at(x, rows, i) - lo);
        codes[i] = k;
#pragma omp atomic write
        slot[k] = 1;
    }
    size_t L = 0;
    for (size_t k = 0; k < range; k++) {
        int32_t seen = slot[k];
        slot[k] = (int32_t)L;
        L += (size_t)seen;
    }
    if (levels != NULL) {
        double *lv = gw_alloc_array(L ? L : 1, sizeof *lv);
        if (lv == NULL) {
            gw_free(slot);
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu levels", L);
        }
        for (size_t k = 0, c = 0; k < range && c < L; k++)
            if ((k + 1 < range ? slot[k + 1] : (int32_t)L) != slot[k])
                lv[c++] = lo + (double)k;
        *levels = lv;
    }
    if (L < range) {
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            codes[i] = slot[codes[i]];
    }
    gw_free(slot);
    *nlevels = L;
    return GW_OK;
}

/* ---- the hash path ------------------------------------------------------------------------ */

typedef struct {
    uint64_t *key; /* bit patterns of the values; EMPTY marks a free slot */
    int32_t *id;   /* provisional id (order of first occurrence) */
    size_t cap, count;
    double *vals; /* the distinct values by provisional id */
    size_t vcap;
} htab;

/* The bit pattern of a NaN: never a value here (NaN is refused), so it can mark empty slots. */
#define EMPTY UINT64_C(0x7ff8dead0000beef)

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static size_t slot_of(uint64_t key, size_t cap)
{
    uint64_t h = key ^ (key >> 29);
    h *= UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 20) & (cap - 1);
}

static gw_status htab_grow(htab *t)
{
    size_t cap = t->cap ? 2 * t->cap : 1024;
    uint64_t *key = gw_alloc_array(cap, sizeof *key);
    int32_t *id = gw_alloc_array(cap, sizeof *id);
    if (key == NULL || id == NULL) {
        gw_free(key);
        gw_free(id);
        return gwi_fail(GW_ENOMEM, "cannot allocate a hash table of %zu values", cap);
    }
    for (size_t s = 0; s < cap; s++)
        key[s] = EMPTY;
    for (size_t s = 0; s < t->cap; s++) {
        if (t->key[s] == EMPTY)
            continue;
        size_t h = slot_of(t->key[s], cap);
        while (key[h] != EMPTY)
            h = (h + 1) & (cap - 1);
        key[h] = t->key[s];
        id[h] = t->id[s];
    }
    gw_free(t->key);
    gw_free(t->id);
    t->key = key;
    t->id = id;
    t->cap = cap;
    return GW_OK;
}

/* The provisional id of v, inserting it when new. */
static gw_status htab_id(htab *t, double v, int32_t *out)
{
    uint64_t k = bits_of(v);
    size_t h = slot_of(k, t->cap);
    while (t->key[h] != EMPTY) {
        if (t->key[h] == k) {
            *out = t->id[h];
            return GW_OK;
        }
        h = (h + 1) & (t->cap - 1);
    }
    if (t->count >= (size_t)INT32_MAX)
        return gwi_fail(GW_EINVAL, "more than 2^31 distinct values");
    if (t->count == t->vcap) {
        size_t vcap = t->vcap ? 2 * t->vcap : 1024;
        double *vals = gw_realloc(t->vals, vcap * sizeof *vals);
        if (vals == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu levels", vcap);
        t->vals = vals;
        t->vcap = vcap;
    }
    t->key[h] = k;
    t->id[h] = (int32_t)t->count;
    t->vals[t->count] = v;
    *out = (int32_t)t->count++;
    if (2 * t->count > t->cap)
        return htab_grow(t);
    return GW_OK;
}

typedef struct {
    double v;
    int32_t id;
} vref;

static int cmp_vref(const void *a, const void *b)
{
    double x = ((const vref *)a)->v, y = ((const vref *)b)->v;
    return (x > y) - (x < y);
}

static gw_status codes_hash(const double *x, const size_t *rows, size_t n, int32_t *codes,
                            double **levels, size_t *nlevels)
{
    htab t = {0};
    vref *ref = NULL;
    int32_t *rank = NULL;
    gw_status rc = htab_grow(&t);
    for (size_t i = 0; i < n && rc == GW_OK; i++)
        rc = htab_id(&t, value_at(x, rows, i), &codes[i]);
    size_t L = t.count;
    if (rc == GW_OK) {
        ref = gw_alloc_array(L ? L : 1, sizeof *ref);
        rank = gw_alloc_array(L ? L : 1, sizeof *rank);
        if (ref == NULL || rank == NULL)
            rc = gwi_fail(GW_ENOMEM, "cannot sort %zu levels", L);
    }
    if (rc == GW_OK) {
        for (size_t l = 0; l < L; l++) {
            ref[l].v = t.vals[l];
            ref[l].id = (int32_t)l;
        }
        qsort(ref, L, sizeof *ref, cmp_vref); /* L log L: distinct values only */
        for (size_t l = 0; l < L; l++) {
            rank[ref[l].id] = (int32_t)l;
            t.vals[l] = ref[l].v;
        }
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++)
            codes[i] = rank[codes[i]];
        *nlevels = L;
        if (levels != NULL) {
            *levels = t.vals;
            t.vals = NULL;
        }
    }
    gw_free(ref);
    gw_free(rank);
    gw_free(t.key);
    gw_free(t.id);
    gw_free(t.vals);
    return rc;
}

gw_status gw_codes_from_double(const double *x, const size_t *rows, size_t n, int32_t *codes,
                               double **levels, size_t *nlevels)
{
    if (levels != NULL)
        *levels = NULL;
    if (nlevels == NULL || (n > 0 && (x == NULL || codes == NULL)))
        return gwi_fail(GW_EINVAL, "gw_codes_from_double: NULL argument");
    *nlevels = 0;
    if (n == 0) {
        if (levels != NULL && (*levels = gw_alloc_array(1, sizeof **levels)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the levels");
        return GW_OK;
    }
    scan s = scan_values(x, rows, n);
    if (s.nan)
        return gwi_fail(GW_EINVAL, "a missing value (NaN) among the values to code");
    size_t limit = n > SIZE_MAX / DENSE_FACTOR ? SIZE_MAX : DENSE_FACTOR * n;
    limit = limit < DENSE_FLOOR ? DENSE_FLOOR : limit;
    if (s.allint && s.hi - s.lo < (double)limit)
        return codes_dense(x, rows, n, s.lo, (size_t)(s.hi - s.lo) + 1, codes, levels,
                           nlevels);
    return codes_hash(x, rows, n, codes, levels, nlevels);
}
