/* table.c -- the in-memory data table. */
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif
#include "gw_table.h"

typedef struct {
    char *name;
    gw_coltype type;
    double *values;  /* numeric */
    int32_t *codes;  /* categorical */
    char **levels;   /* categorical */
    size_t nlevels;
    size_t slot;     /* numeric in the block: its slot + 1; 0 = its own allocation */
    int clean;       /* numeric: every value finite; categorical: no missing code (a hint) */
} column;

/* Column lookup by name is a hash table (open addressing, linear probing, power-of-two size,
 * at most half full) so that building a table of 100,000 columns stays linear: a linear search
 * per added column made reading a 100,000-column CSV take 25 s. Slots hold index + 1; 0 = empty. */
struct gw_table {
    size_t nrows, ncols, cap;
    column *cols;
    size_t *slots;
    size_t nslots;
    double *block;      /* NULL, or nrows x block_k numeric columns in one allocation */
    size_t block_k, block_used;
    int block_gap;      /* slot 0 is a gap (no column): room for an intercept column */
    int block_owned;    /* 0 once a design has taken the block (gwi_table_block_take) */
};

/* FNV-1a: short names, no adversary worth a keyed hash here. */
static size_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static ptrdiff_t index_find(const gw_table *t, const char *name)
{
    if (t->nslots == 0)
        return -1;
    for (size_t k = name_hash(name) & (t->nslots - 1);; k = (k + 1) & (t->nslots - 1)) {
        size_t v = t->slots[k];
        if (v == 0)
            return -1;
        if (strcmp(t->cols[v - 1].name, name) == 0)
            return (ptrdiff_t)(v - 1);
    }
}

static void index_put(gw_table *t, size_t j)
{
    size_t k = name_hash(t->cols[j].name) & (t->nslots - 1);
    while (t->slots[k] != 0)
        k = (k + 1) & (t->nslots - 1);
    t->slots[k] = j + 1;
}

/* Makes room for one more name in the index, rehashing when it would pass half full. */
static gw_status index_reserve(gw_table *t)
{
    if (2 * (t->ncols + 1) <= t->nslots)
        return GW_OK;
    size_t n = t->nslots ? 2 * t->nslots : 32;
    size_t *slots = gw_calloc(n, sizeof *slots);
    if (slots == NULL)
        return gwi_fail(GW_ENOMEM, "cannot grow the column index to %zu slots", n);
    gw_free(t->slots);
    t->slots = slots;
    t->nslots = n;
    for (size_t j = 0; j < t->ncols; j++)
        index_put(t, j);
    return GW_OK;
}

gw_status gw_table_new(size_t nrows, gw_table **out)
{
    gw_table *t = gw_calloc(1, sizeof *t);
    *out = NULL;
    if (t == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a table");
    t->nrows = nrows;
    *out = t;
    return GW_OK;
}

/* Appends a column slot named name; the caller fills the rest. */
static gw_status add_slot(gw_table *t, const char *name, column **slot)
{
    if (name == NULL || name[0] == '\0')
        return gwi_fail(GW_EINVAL, "empty column name");
    if (gw_table_find(t, name) >= 0)
        return gwi_fail(GW_EINVAL, "duplicate column name '%s'", name);
    if (index_reserve(t) != GW_OK)
        return GW_ENOMEM;
    if (t->ncols == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        column *c = gw_realloc(t->cols, cap * sizeof *c);
        if (c == NULL)
            return gwi_fail(GW_ENOMEM, "cannot grow the table to %zu columns", cap);
        t->cols = c;
        t->cap = cap;
    }
    column *c = &t->cols[t->ncols];
    memset(c, 0, sizeof *c);
    c->name = gw_strdup(name);
    if (c->name == NULL)
        return gwi_fail(GW_ENOMEM, "cannot copy a column name");
    *slot = c;
    return GW_OK;
}

gw_status gw_table_add_numeric_take(gw_table *t, const char *name, double *values)
{
    column *c = NULL;
    gw_status rc = add_slot(t, name, &c);
    if (rc != GW_OK) {
        gw_free(values);
        return rc;
    }
    c->type = GW_COL_NUMERIC;
    c->values = values;
    index_put(t, t->ncols++);
    return GW_OK;
}

gw_status gw_table_add_categorical_take(gw_table *t, const char *name, int32_t *codes,
                                        char **levels, size_t nlevels)
{
    column *c = NULL;
    gw_status rc = GW_OK;
    size_t bad = SIZE_MAX; /* the first row with a code out of range */
    int missing = 0;
#pragma omp parallel for schedule(static) reduction(min : bad) reduction(| : missing)
    for (size_t i = 0; i < t->nrows; i++) {
        if ((codes[i] < -1 || (codes[i] >= 0 && (size_t)codes[i] >= nlevels)) && i < bad)
            bad = i;
        missing |= codes[i] == GW_CODE_MISSING;
    }
    if (bad != SIZE_MAX) {
        rc = gwi_fail(GW_EINVAL, "column '%s': code %d at row %zu is outside 0..%zu", name,
                      (int)codes[bad], bad, nlevels);
        goto fail;
    }
    rc = add_slot(t, name, &c);
    if (rc != GW_OK)
        goto fail;
    c->type = GW_COL_CATEGORICAL;
    c->clean = !missing;
    c->codes = codes;
    c->levels = levels;
    c->nlevels = nlevels;
    index_put(t, t->ncols++);
    return GW_OK;
fail:
    gw_free(codes);
    gwi_strv_free(levels, nlevels);
    return rc;
}

size_t gw_table_nrows(const gw_table *t) { return t->nrows; }
size_t gw_table_ncols(const gw_table *t) { return t->ncols; }
const char *gw_table_colname(const gw_table *t, size_t j) { return t->cols[j].name; }
gw_coltype gw_table_coltype(const gw_table *t, size_t j) { return t->cols[j].type; }

ptrdiff_t gw_table_find(const gw_table *t, const char *name) { return index_find(t, name); }

const double *gw_table_numeric(const gw_table *t, size_t j) { return t->cols[j].values; }
double *gw_table_numeric_mut(gw_table *t, size_t j)
{
    t->cols[j].clean = 0; /* the caller may write anything */
    return t->cols[j].values;
}

void gwi_table_set_clean(gw_table *t, size_t j) { t->cols[j].clean = 1; }
int gwi_table_is_clean(const gw_table *t, size_t j) { return t->cols[j].clean; }
const int32_t *gw_table_codes(const gw_table *t, size_t j) { return t->cols[j].codes; }
size_t gw_table_nlevels(const gw_table *t, size_t j) { return t->cols[j].nlevels; }
const char *gw_table_level(const gw_table *t, size_t j, size_t level)
{
    return t->cols[j].levels[level];
}

/* Returns the whole pages inside [p, p + n) to the system (their contents are not needed
 * again): a block column released by gw_frame_build_consume frees its memory like a column of
 * its own would. Advice only; without it the memory goes with the block. */
static void release_pages(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_DONTNEED)
    const uintptr_t pg = 4096;
    uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1), b = ((uintptr_t)p + n) & ~(pg - 1);
    if (b > a)
        (void)madvise((void *)a, (size_t)(b - a), MADV_DONTNEED);
#else
    (void)p;
    (void)n;
#endif
}

gw_status gwi_table_block_reserve(gw_table *t, size_t k, int gap)
{
    size_t slots = k + (gap ? 1u : 0u);
    if (t->block != NULL || k == 0)
        return gwi_fail(GW_EINVAL, "gwi_table_block_reserve: a block exists or k is 0");
    if (t->nrows > 0 && slots > SIZE_MAX / sizeof(double) / t->nrows)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu columns of %zu rows", slots, t->nrows);
    /* Not touched here: pages of slots never filled cost no memory. */
    if ((t->block = gw_alloc_array(t->nrows ? t->nrows * slots : 1, sizeof(double))) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu columns of %zu rows", slots, t->nrows);
    t->block_k = slots;
    t->block_gap = gap != 0;
    t->block_used = t->block_gap ? 1u : 0u;
    t->block_owned = 1;
    return GW_OK;
}

int gwi_table_block_gap(const gw_table *t) { return t->block != NULL && t->block_gap; }

double *gwi_table_block_next(gw_table *t)
{
    if (t->block == NULL || !t->block_owned || t->block_used == t->block_k)
        return NULL;
    return t->block + t->block_used * t->nrows;
}

gw_status gwi_table_add_numeric_block(gw_table *t, const char *name)
{
    column *c = NULL;
    if (gwi_table_block_next(t) == NULL)
        return gwi_fail(GW_EINVAL, "gwi_table_add_numeric_block: no free slot");
    gw_status rc = add_slot(t, name, &c);
    if (rc != GW_OK)
        return rc;
    c->type = GW_COL_NUMERIC;
    c->values = t->block + t->block_used * t->nrows;
    c->slot = ++t->block_used;
    index_put(t, t->ncols++);
    return GW_OK;
}

gw_status gwi_table_block_adopt(gw_table *t, double *block, size_t slots, int gap)
{
    if (t->block != NULL || block == NULL || slots == 0) {
        gw_free(block);
        return gwi_fail(GW_EINVAL, "gwi_table_block_adopt: a block exists or none is given");
    }
    t->block = block;
    t->block_k = slots;
    t->block_gap = gap != 0;
    t->block_used = slots; /* filled by the caller: gwi_table_block_next has nothing to give */
    t->block_owned = 1;
    return GW_OK;
}

gw_status gwi_table_add_numeric_slot(gw_table *t, const char *name, size_t slot)
{
    column *c = NULL;
    if (t->block == NULL || !t->block_owned || slot >= t->block_k || (t->block_gap && slot == 0))
        return gwi_fail(GW_EINVAL, "gwi_table_add_numeric_slot: no slot %zu", slot);
    gw_status rc = add_slot(t, name, &c);
    if (rc != GW_OK)
        return rc;
    c->type = GW_COL_NUMERIC;
    c->values = t->block + slot * t->nrows;
    c->slot = slot + 1;
    index_put(t, t->ncols++);
    return GW_OK;
}

double *gwi_table_block_of(const gw_table *t, size_t j, size_t *slot)
{
    if (j >= t->ncols || t->cols[j].slot == 0 || !t->block_owned || t->cols[j].values == NULL)
        return NULL;
    *slot = t->cols[j].slot - 1;
    return t->block;
}

double *gwi_table_block_take(gw_table *t)
{
    if (t->block == NULL || !t->block_owned)
        return NULL;
    t->block_owned = 0;
    return t->block;
}

int32_t *gwi_table_take_codes(gw_table *t, size_t j)
{
    if (t == NULL || j >= t->ncols)
        return NULL;
    int32_t *c = t->cols[j].codes;
    t->cols[j].codes = NULL;
    return c;
}

void gwi_table_release(gw_table *t, size_t j)
{
    if (t == NULL || j >= t->ncols)
        return;
    if (t->cols[j].slot == 0)
        gw_free(t->cols[j].values);
    else if (t->block_owned && t->cols[j].values != NULL) /* give its pages back to the system */
        release_pages(t->cols[j].values, t->nrows * sizeof(double));
    gw_free(t->cols[j].codes);
    t->cols[j].values = NULL;
    t->cols[j].codes = NULL;
}

/* Appends to dst the rows of column j of t where keep[i] (keep NULL: every row); n rows kept. */
static gw_status copy_column(const gw_table *t, size_t j, const unsigned char *keep, size_t n,
                             gw_table *dst)
{
    const column *c = &t->cols[j];
    size_t m = 0;
    if (c->type == GW_COL_NUMERIC) {
        double *v = gw_alloc_array(n ? n : 1, sizeof *v);
        if (v == NULL)
            return gwi_fail(GW_ENOMEM, "cannot copy column '%s'", c->name);
        for (size_t i = 0; i < t->nrows; i++)
            if (keep == NULL || keep[i])
                v[m++] = c->values[i];
        return gw_table_add_numeric_take(dst, c->name, v);
    }
    int32_t *codes = gw_alloc_array(n ? n : 1, sizeof *codes);
    char **lev = gw_calloc(c->nlevels ? c->nlevels : 1, sizeof *lev);
    int bad = codes == NULL || lev == NULL;
    for (size_t l = 0; l < c->nlevels && !bad; l++)
        bad = (lev[l] = gw_strdup(c->levels[l])) == NULL;
    if (bad) {
        gw_free(codes);
        gwi_strv_free(lev, c->nlevels);
        return gwi_fail(GW_ENOMEM, "cannot copy column '%s'", c->name);
    }
    for (size_t i = 0; i < t->nrows; i++)
        if (keep == NULL || keep[i])
            codes[m++] = c->codes[i];
    return gw_table_add_categorical_take(dst, c->name, codes, lev, c->nlevels);
}

gw_status gw_table_subset(const gw_table *t, const unsigned char *keep, const char *const *cols,
                          size_t ncols, gw_table **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_table_subset: NULL out");
    *out = NULL;
    if (t == NULL)
        return gwi_fail(GW_EINVAL, "gw_table_subset: NULL table");
    size_t n = 0, nc = cols != NULL ? ncols : t->ncols;
    for (size_t i = 0; i < t->nrows; i++)
        n += keep == NULL || keep[i];
    gw_table *a = NULL;
    gw_status s = gw_table_new(n, &a);
    for (size_t k = 0; k < nc && s == GW_OK; k++) {
        ptrdiff_t j = cols != NULL ? gw_table_find(t, cols[k]) : (ptrdiff_t)k;
        if (j >= 0)
            s = copy_column(t, (size_t)j, keep, n, a);
    }
    if (s != GW_OK) {
        gw_table_free(a);
        return s;
    }
    *out = a;
    return GW_OK;
}

void gw_table_free(gw_table *t)
{
    if (t == NULL)
        return;
    for (size_t j = 0; j < t->ncols; j++) {
        gw_free(t->cols[j].name);
        if (t->cols[j].slot == 0)
            gw_free(t->cols[j].values);
        gw_free(t->cols[j].codes);
        gwi_strv_free(t->cols[j].levels, t->cols[j].nlevels);
    }
    gw_free(t->cols);
    gw_free(t->slots);
    if (t->block_owned)
        gw_free(t->block);
    gw_free(t);
}
