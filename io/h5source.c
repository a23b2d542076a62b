/* h5source.c -- a row range of an HDF5 table as design blocks (gw_h5source.h: the design of
 * the chunks, the factors' level rows, the global grouping codes and the cache).
 *
 * Opening runs: (1) the used columns, their types and roles, and a frame of one row of ones
 * that reports unknown variables and type errors with the frame's own messages; (2) a pre-pass
 * over the owned rows: numeric grouping columns' ranges and, when the model has factors, the
 * kept rows' levels; (3) the collective combination (comm) of both; (4) the grouping codes'
 * maps for non-integer or sparse numeric columns (whole-column reads); (5) the design's shape
 * from a table of the level rows alone.
 *
 * The spill file (scratch != NULL). A block is built once: the first request of block b builds
 * it from its chunk's frame and, unless the memory cache keeps it, appends it to an unlinked
 * mkstemp file in the scratch directory as one record -- n and ndropped (two uint64), then the
 * cache's layout: y, the p columns of X and w (weighted) as n doubles each, the grouping codes
 * as n int32 each -- at the offset soff[b - b0]; later requests pread the record back and copy it
 * into the block exactly as built (the same bytes, so a fit is bit-identical with and without a
 * spill file). When the memory cache outgrows its budget, its blocks are written to the file
 * before it is dropped. A failed write or read is GW_EIO naming the file and the system's
 * reason; the descriptor is closed by gw_h5source_close (the file has no name after opening, so
 * nothing is left on disk even after a crash). */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_design.h"
#include "gw_h5source.h"
#include "gw_h5stream.h"
#include "gw_par.h"
#include "gw_table.h"

#define CHUNK GW_H5SOURCE_CHUNK_ROWS
#define MAXG 4 /* fixed-effect sets + cluster variables */

/* A used column (response, regressors, weights, fixed effects, clusters). */
typedef struct {
    const char *name; /* borrowed from the formula or the options */
    ptrdiff_t h5;     /* its file column, -1 when the table has none */
    int cat;          /* categorical in the file */
    int full;         /* enters the chunk tables with its values (else a one-level stand-in) */
    int factor;       /* a categorical factor of some term: its global levels are needed */
    size_t nlev;      /* factors: the levels that occur in the kept rows of the table */
    int32_t *lcode;   /* categorical factor: their file codes, in file order */
    double *lval;     /* numeric factor: its distinct values, increasing */
    void *buf;        /* pre-pass scratch: CHUNK doubles or codes */
} ucol;

/* A grouping variable's global codes. */
typedef struct {
    size_t col;  /* its used column */
    double gmin; /* numeric, map == NULL: code = value - gmin */
    double *map; /* numeric: sorted distinct values (code = index), or NULL */
    size_t nmap;
} grp;

/* A cached block: its design rows as the source delivers them. */
typedef struct {
    int filled;
    size_t n, ndropped;
    double *vals;   /* owned: y (n), X (n p), w (n when weighted), column-major */
    int32_t *codes; /* owned: n per grouping variable */
} cblock;

struct gw_h5source {
    gw_h5stream *h5;
    const gw_formula *f;
    gw_frame_opts fo; /* weights and clusters only */
    size_t nrows, begin, end;
    ucol *cols;
    size_t ncol, capcol;
    size_t nfe, ncl, ng;
    grp g[MAXG];
    const char *gnames[MAXG];
    size_t glevels[MAXG];
    size_t nlevrows; /* level rows appended to every chunk table (>= 1) */
    size_t p;
    int has_intercept;
    char **terms;   /* owned, p */
    char *response; /* owned */
    /* the loaded chunk [c0, c1) */
    int loaded;
    size_t c0, c1;
    gw_design *d;        /* its frame (NULL when no row is kept) */
    unsigned char *miss; /* CHUNK: 1 when the row has a missing value */
    int32_t *gc;         /* ng x CHUNK: the rows' global codes */
    double *vtmp;        /* CHUNK scratch */
    cblock *cache;
    size_t ncache, cache_bytes, budget;
    /* the spill file (scratch != NULL) */
    int sfd;             /* its descriptor, -1 when none */
    char *spath;         /* owned: its (unlinked) name, for messages */
    int64_t *soff;       /* nblk: the block's record offset, -1 until written */
    size_t *sn;          /* nblk: the block's rows (its record's length) */
    size_t nblk;         /* blocks of the owned range */
    uint64_t sbytes;     /* bytes written */
    int sfailed;         /* a write or read of it failed */
    unsigned char *sbuf; /* one record */
};

size_t gw_h5source_nrows(const gw_h5source *s) { return s->nrows; }
int gw_h5source_cached(const gw_h5source *s) { return s->cache != NULL; }
size_t gw_h5source_scratch_bytes(const gw_h5source *s) { return (size_t)s->sbytes; }
int gw_h5source_scratch_failed(const gw_h5source *s) { return s->sfailed; }

void gw_h5source_range(const gw_h5source *s, size_t *row_begin, size_t *row_end)
{
    *row_begin = s->begin;
    *row_end = s->end;
}

static void cache_drop(gw_h5source *s)
{
    for (size_t i = 0; s->cache != NULL && i < s->ncache; i++) {
        gw_free(s->cache[i].vals);
        gw_free(s->cache[i].codes);
    }
    gw_free(s->cache);
    s->cache = NULL;
    s->ncache = 0;
    s->cache_bytes = 0;
}

void gw_h5source_close(gw_h5source *s)
{
    if (s == NULL)
        return;
    cache_drop(s);
    if (s->sfd >= 0)
        close(s->sfd);
    gw_free(s->spath);
    gw_free(s->soff);
    gw_free(s->sn);
    gw_free(s->sbuf);
    gw_design_free(s->d);
    gw_h5stream_close(s->h5);
    for (size_t j = 0; j < s->ncol; j++) {
        gw_free(s->cols[j].lcode);
        gw_free(s->cols[j].lval);
        gw_free(s->cols[j].buf);
    }
    gw_free(s->cols);
    for (size_t g = 0; g < MAXG; g++)
        gw_free(s->g[g].map);
    for (size_t j = 0; s->terms != NULL && j < s->p; j++)
        gw_free(s->terms[j]);
    gw_free(s->terms);
    gw_free(s->response);
    gw_free(s->miss);
    gw_free(s->gc);
    gw_free(s->vtmp);
    gw_free(s);
}

/* Index of name among the used columns, adding it; (size_t)-1 when memory fails. */
static size_t add_col(gw_h5source *s, const char *name, int full)
{
    for (size_t j = 0; j < s->ncol; j++)
        if (strcmp(s->cols[j].name, name) == 0) {
            s->cols[j].full |= full;
            return j;
        }
    if (s->ncol == s->capcol) {
        size_t c = s->capcol ? 2 * s->capcol : 16;
        ucol *nc = gw_realloc(s->cols, c * sizeof *nc);
        if (nc == NULL)
            return (size_t)-1;
        s->cols = nc;
        s->capcol = c;
    }
    memset(&s->cols[s->ncol], 0, sizeof s->cols[s->ncol]);
    s->cols[s->ncol].name = name;
    s->cols[s->ncol].full = full;
    s->cols[s->ncol].h5 = -1;
    return s->ncol++;
}

/* Merges the finite values v[0..m) (v is scratch; -0 as 0) into the increasing distinct set
 * *set of *n values. At most cap values (else GW_EUNSUPPORTED naming what). */
static gw_status merge_distinct(double **set, size_t *n, double *v, size_t m, size_t cap,
                                const char *what)
{
    size_t k = 0, u = 0;
    for (size_t i = 0; i < m; i++)
        if (isfinite(v[i]))
            v[k++] = v[i];
    if (k == 0)
        return GW_OK;
    /* The distinct values, increasing (-0 as 0), in O(k + u log u) (gw_codes.h), not a sort. */
    int32_t *codes = gw_alloc_array(k, sizeof *codes);
    double *dist = NULL;
    gw_status rc = codes == NULL ? gwi_fail(GW_ENOMEM, "cannot allocate %zu codes", k)
                                 : gw_codes_from_double(v, NULL, k, codes, &dist, &u);
    gw_free(codes);
    if (rc != GW_OK)
        return rc;
    v = dist;
    double *out = gw_alloc_array(*n + u, sizeof *out);
    if (out == NULL) {
        gw_free(dist);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu distinct values", *n + u);
    }
    const double *a = *set;
    size_t i = 0, j = 0, o = 0;
    while (i < *n || j < u) {
        double x;
        if (j == u || (i < *n && a[i] < v[j]))
            x = a[i++];
        else if (i == *n || v[j] < a[i])
            x = v[j++];
        else {
            x = a[i++];
            j++;
        }
        out[o++] = x;
    }
    gw_free(dist);
    if (o > cap) {
        gw_free(out);
        return gwi_fail(GW_EUNSUPPORTED,
                        "%s has more than %zu distinct values: too many dummy columns for a "
                        "streamed fit (absorb it as a fixed effect: \"| VAR\")",
                        what, cap);
    }
    gw_free(*set);
    *set = out;
    *n = o;
    return GW_OK;
}

/* Reads rows [a, e) of used column j into dst: doubles (numeric) or codes (categorical). */
static gw_status read_raw(gw_h5source *s, size_t j, size_t a, size_t e, void *dst)
{
    if (s->cols[j].cat)
        return gw_h5stream_read_codes(s->h5, (size_t)s->cols[j].h5, a, e, dst);
    return gw_h5stream_read_f64(s->h5, (size_t)s->cols[j].h5, a, e, dst);
}

/* The global code of numeric grouping value x (NaN: -1). */
static int32_t num_code(const grp *g, double x)
{
    if (isnan(x))
        return -1;
    if (g->map == NULL)
        return (int32_t)(x - g->gmin);
    if (x == 0.0)
        x = 0.0;
    size_t lo = 0, hi = g->nmap;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->map[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->nmap && g->map[lo] == x ? (int32_t)lo : -1;
}

/* The table of rows [c0, c1) followed by the level rows. With codes (a loaded chunk) also the
 * rows' missing flags and global codes. */
static gw_status build_table(gw_h5source *s, size_t c0, size_t c1, int codes, gw_table **out)
{
    const size_t m = c1 - c0, L = s->nlevrows, nt = m + L;
    gw_table *t = NULL;
    gw_status rc = gw_table_new(nt, &t);
    if (rc != GW_OK)
        return rc;
    if (codes)
        memset(s->miss, 0, m);
    for (size_t j = 0; j < s->ncol; j++) {
        const ucol *c = &s->cols[j];
        if (c->h5 < 0)
            continue; /* the frame reports it */
        const size_t nfile = c->cat ? gw_h5stream_nlevels(s->h5, (size_t)c->h5) : 0;
        const int standin = !c->full;
        if (!c->cat && !standin) { /* numeric values */
            double *v = gw_alloc_array(nt, sizeof *v);
            if (v == NULL) {
                rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu values", nt);
                goto done;
            }
            if (m > 0 && (rc = gw_h5stream_read_f64(s->h5, (size_t)c->h5, c0, c1, v)) != GW_OK) {
                gw_free(v);
                goto done;
            }
            for (size_t i = 0; i < L; i++)
                v[m + i] = c->factor && c->nlev > 0 ? c->lval[i % c->nlev] : 1.0;
            if (codes) {
                for (size_t i = 0; i < m; i++)
                    if (isnan(v[i]))
                        s->miss[i] = 1;
                for (size_t g = 0; g < s->ng; g++)
                    if (s->g[g].col == j)
                        for (size_t i = 0; i < m; i++)
                            s->gc[g * CHUNK + i] = isinf(v[i]) ? -1 : num_code(&s->g[g], v[i]);
            }
            if ((rc = gw_table_add_numeric_take(t, c->name, v)) != GW_OK)
                goto done;
            continue;
        }
        /* categorical: the file's codes and levels, or a one-level stand-in */
        int32_t *k = gw_alloc_array(nt, sizeof *k);
        size_t nl = standin ? 1 : nfile;
        char **lev = gw_calloc(nl ? nl : 1, sizeof *lev);
        if (k == NULL || lev == NULL) {
            gw_free(k);
            gw_free(lev);
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu codes", nt);
            goto done;
        }
        const char *const *fl = c->cat ? gw_h5stream_levels(s->h5, (size_t)c->h5) : NULL;
        for (size_t l = 0; l < nl; l++)
            if ((lev[l] = gw_strdup(standin ? "1" : fl[l])) == NULL)
                break;
        if (nl > 0 && lev[nl - 1] == NULL) {
            for (size_t l = 0; l < nl; l++)
                gw_free(lev[l]);
            gw_free(lev);
            gw_free(k);
            rc = gwi_fail(GW_ENOMEM, "cannot copy the levels of '%s'", c->name);
            goto done;
        }
        if (m > 0 && c->cat) {
            rc = gw_h5stream_read_codes(s->h5, (size_t)c->h5, c0, c1, k);
        } else if (m > 0) { /* numeric grouping column: its values, then present / missing */
            if ((rc = gw_h5stream_read_f64(s->h5, (size_t)c->h5, c0, c1, s->vtmp)) == GW_OK)
                for (size_t i = 0; i < m; i++) {
                    if (isinf(s->vtmp[i])) {
                        rc = gwi_fail(GW_ENONFINITE, "'%.200s' is infinite at row %zu", c->name,
                                      c0 + i + 1);
                        break;
                    }
                    k[i] = isnan(s->vtmp[i]) ? -1 : 0;
                }
        }
        if (rc == GW_OK && codes) {
            for (size_t i = 0; i < m; i++)
                if (k[i] < 0)
                    s->miss[i] = 1;
            for (size_t g = 0; g < s->ng; g++)
                if (s->g[g].col == j)
                    for (size_t i = 0; i < m; i++)
                        s->gc[g * CHUNK + i] = c->cat ? k[i] : num_code(&s->g[g], s->vtmp[i]);
        }
        if (rc == GW_OK && standin)
            for (size_t i = 0; c->cat && i < m; i++)
                k[i] = k[i] < 0 ? -1 : 0;
        for (size_t i = 0; i < L; i++)
            k[m + i] = c->factor && c->nlev > 0 ? c->lcode[i % c->nlev] : nl > 0 ? 0 : -1;
        if (rc != GW_OK) {
            gw_free(k);
            for (size_t l = 0; l < nl; l++)
                gw_free(lev[l]);
            gw_free(lev);
            goto done;
        }
        if ((rc = gw_table_add_categorical_take(t, c->name, k, lev, nl)) != GW_OK)
            goto done;
    }
done:
    if (rc != GW_OK) {
        gw_table_free(t);
        t = NULL;
    }
    *out = t;
    return rc;
}

/* The frame of the level rows alone: the design's shape (and the frame's errors about
 * variables and types, before any data are read). keep: record p, terms and response. */
static gw_status probe(gw_h5source *s, int keep)
{
    gw_table *t = NULL;
    gw_design *d = NULL;
    gw_status rc = build_table(s, 0, 0, 0, &t);
    if (rc == GW_OK)
        rc = gw_frame_build(t, s->f, &s->fo, &d);
    if (rc == GW_OK) {
        for (size_t j = 0; j < s->ncol; j++)
            if (s->cols[j].h5 < 0) { /* not reported by the frame (should not happen) */
                rc = gwi_fail(GW_ENOVAR, "unknown variable '%.200s' (not a column of the table)",
                              s->cols[j].name);
                goto done;
            }
    }
    if (rc != GW_OK || !keep)
        goto done;
    if (d->p == 0) {
        rc = gwi_fail(GW_EINVAL, "the model has no regressors (\"%s\"): nothing to estimate",
                      gw_formula_text(s->f));
        goto done;
    }
    s->p = d->p;
    s->has_intercept = d->has_intercept;
    if ((s->terms = gw_calloc(d->p, sizeof *s->terms)) == NULL ||
        (s->response = gw_strdup(d->response)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < d->p; j++)
        if ((s->terms[j] = gw_strdup(d->terms[j])) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            goto done;
        }
done:
    gw_design_free(d);
    gw_table_free(t);
    return rc;
}

/* The used columns and their roles; the formula's unsupported parts. */
static gw_status list_columns(gw_h5source *s)
{
    const gw_formula *f = s->f;
    if (gw_formula_has_iv(f))
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables cannot be fitted by streaming");
    s->nfe = gw_formula_nfe(f);
    s->ncl = 0;
    while (s->ncl < GW_FRAME_MAX_CLUSTER && s->fo.cluster[s->ncl] != NULL)
        s->ncl++;
    s->ng = s->nfe + s->ncl;
    if (s->ng > MAXG)
        return gwi_fail(GW_EUNSUPPORTED,
                        "more than %d fixed-effect and cluster variables cannot "
                        "be fitted by streaming",
                        MAXG);
    if (add_col(s, gw_formula_response(f)->var, 1) == (size_t)-1)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t k = 0; k < gw_formula_nterms(f); k++) {
        const gw_formula_term *t = gw_formula_term_at(f, k);
        for (size_t q = 0; q < t->nfactors; q++)
            if (add_col(s, t->factors[q].var, 1) == (size_t)-1)
                return gwi_fail(GW_ENOMEM, "out of memory");
    }
    if (s->fo.weights != NULL && add_col(s, s->fo.weights, 1) == (size_t)-1)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; g < s->ng; g++) {
        const char *name = g < s->nfe ? gw_formula_fe(f, g) : s->fo.cluster[g - s->nfe];
        if ((s->g[g].col = add_col(s, name, 0)) == (size_t)-1)
            return gwi_fail(GW_ENOMEM, "out of memory");
        s->gnames[g] = name;
    }
    for (size_t j = 0; j < s->ncol; j++) {
        ucol *c = &s->cols[j];
        c->h5 = gw_h5stream_find(s->h5, c->name);
        c->cat = c->h5 >= 0 && gw_h5stream_coltype(s->h5, (size_t)c->h5) == GW_COL_CATEGORICAL;
    }
    for (size_t k = 0; k < gw_formula_nterms(f); k++) {
        const gw_formula_term *t = gw_formula_term_at(f, k);
        for (size_t q = 0; q < t->nfactors; q++) {
            size_t j = add_col(s, t->factors[q].var, 1);
            if (j == (size_t)-1)
                return gwi_fail(GW_ENOMEM, "out of memory");
            if (t->factors[q].kind == GW_FF_FACTOR ||
                (t->factors[q].kind == GW_FF_VAR && s->cols[j].cat))
                s->cols[j].factor = 1;
        }
    }
    s->nlevrows = 1;
    return probe(s, 0); /* unknown variables and types: the frame's messages */
}

/* This rank's range: units of 2^20 rows when every rank gets at least one, else of blocks. */
static void take_range(gw_h5source *s, int rank, int nranks)
{
    size_t unit =
        s->nrows >= (size_t)nranks * GW_STREAM_GROUP_ROWS ? GW_STREAM_GROUP_ROWS : GW_BLOCK_ROWS;
    size_t units = (s->nrows + unit - 1) / unit, P = (size_t)nranks, r = (size_t)rank;
    size_t u0 = (r * units + P - 1) / P, u1 = ((r + 1) * units + P - 1) / P;
    s->begin = u0 * unit < s->nrows ? u0 * unit : s->nrows;
    s->end = u1 * unit < s->nrows ? u1 * unit : s->nrows;
    if (u0 >= u1) { /* an empty range (P > units), kept block-aligned: [B k, B k) */
        size_t last = s->nrows / GW_BLOCK_ROWS * GW_BLOCK_ROWS;
        s->begin = s->end = u0 * unit < last ? u0 * unit : last;
    }
}

/* Layout of the first collective vector: 3 per grouping variable (max, -min, 1 when a finite
 * value is not an integer), then per categorical factor its file levels' occurrence flags,
 * then per numeric factor its count of distinct values on this rank. */
static size_t red1_len(const gw_h5source *s)
{
    size_t n = 3 * s->ng;
    for (size_t j = 0; j < s->ncol; j++)
        if (s->cols[j].factor)
            n += s->cols[j].cat ? gw_h5stream_nlevels(s->h5, (size_t)s->cols[j].h5) : 1;
    return n;
}

/* The pre-pass over the owned rows: fills v (red1_len) and the numeric factors' local sets. */
static gw_status prepass(gw_h5source *s, double *v)
{
    gw_status rc = GW_OK;
    size_t nfac = 0;
    unsigned char *kept = NULL;
    for (size_t j = 0; j < s->ncol; j++)
        nfac += s->cols[j].factor ? 1u : 0u;
    for (size_t g = 0; g < s->ng; g++) {
        v[3 * g] = -INFINITY;
        v[3 * g + 1] = -INFINITY;
        v[3 * g + 2] = 0.0;
    }
    size_t flag0 = 3 * s->ng;
    memset(v + flag0, 0, (red1_len(s) - flag0) * sizeof *v);
    int need_num_groups = 0;
    for (size_t g = 0; g < s->ng; g++)
        need_num_groups |= !s->cols[s->g[g].col].cat;
    if (nfac == 0 && !need_num_groups)
        return GW_OK;
    if ((kept = gw_malloc(CHUNK)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < s->ncol; j++) {
        int grouping = 0; /* a numeric grouping column (its range is needed) */
        for (size_t g = 0; g < s->ng; g++)
            grouping |= s->g[g].col == j && !s->cols[j].cat;
        if ((nfac > 0 || grouping) &&
            (s->cols[j].buf = gw_alloc_array(CHUNK, sizeof(double))) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            goto done;
        }
    }
    for (size_t a = s->begin; a < s->end;) {
        size_t e = (a / CHUNK + 1) * CHUNK < s->end ? (a / CHUNK + 1) * CHUNK : s->end, m = e - a;
        for (size_t j = 0; j < s->ncol; j++)
            if (s->cols[j].buf != NULL && (rc = read_raw(s, j, a, e, s->cols[j].buf)) != GW_OK)
                goto done;
        for (size_t g = 0; g < s->ng; g++) {
            if (s->cols[s->g[g].col].cat)
                continue;
            const double *x = s->cols[s->g[g].col].buf;
            for (size_t i = 0; i < m; i++) {
                if (!isfinite(x[i]))
                    continue;
                if (x[i] != floor(x[i]))
                    v[3 * g + 2] = 1.0;
                if (x[i] > v[3 * g])
                    v[3 * g] = x[i];
                if (-x[i] > v[3 * g + 1])
                    v[3 * g + 1] = -x[i];
            }
        }
        if (nfac == 0) {
            a = e;
            continue;
        }
        /* kept rows, as the frame decides: no missing value, a nonzero weight */
        memset(kept, 1, m);
        for (size_t j = 0; j < s->ncol; j++) {
            if (s->cols[j].cat) {
                const int32_t *k = s->cols[j].buf;
                for (size_t i = 0; i < m; i++)
                    kept[i] &= k[i] >= 0;
            } else {
                const double *x = s->cols[j].buf;
                int w = s->fo.weights != NULL && strcmp(s->fo.weights, s->cols[j].name) == 0;
                for (size_t i = 0; i < m; i++)
                    kept[i] &= !isnan(x[i]) && !(w && x[i] == 0.0);
            }
        }
        size_t o = flag0;
        for (size_t j = 0; j < s->ncol; j++) {
            ucol *c = &s->cols[j];
            if (!c->factor)
                continue;
            if (c->cat) {
                const int32_t *k = c->buf;
                for (size_t i = 0; i < m; i++)
                    if (kept[i])
                        v[o + (size_t)k[i]] = 1.0;
                o += gw_h5stream_nlevels(s->h5, (size_t)c->h5);
                continue;
            }
            double *x = c->buf;
            size_t q = 0;
            for (size_t i = 0; i < m; i++)
                if (kept[i])
                    x[q++] = x[i]; /* the column is not needed again in this chunk */
            char what[256];
            snprintf(what, sizeof what, "factor(%.200s)", c->name);
            if ((rc = merge_distinct(&c->lval, &c->nlev, x, q, GW_H5SOURCE_MAX_LEVELS, what)) !=
                GW_OK)
                goto done;
            v[o++] = (double)c->nlev;
        }
        a = e;
    }
done:
    for (size_t j = 0; j < s->ncol; j++) {
        gw_free(s->cols[j].buf);
        s->cols[j].buf = NULL;
    }
    gw_free(kept);
    return rc;
}

/* After the first reduction: the categorical factors' levels from the flags. */
static gw_status cat_levels(gw_h5source *s, const double *v)
{
    size_t o = 3 * s->ng;
    for (size_t j = 0; j < s->ncol; j++) {
        ucol *c = &s->cols[j];
        if (!c->factor)
            continue;
        if (!c->cat) {
            o++;
            continue;
        }
        size_t nl = gw_h5stream_nlevels(s->h5, (size_t)c->h5);
        if ((c->lcode = gw_alloc_array(nl ? nl : 1, sizeof *c->lcode)) == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        c->nlev = 0;
        for (size_t l = 0; l < nl; l++)
            if (v[o + l] != 0.0)
                c->lcode[c->nlev++] = (int32_t)l;
        o += nl;
    }
    return GW_OK;
}

/* The numeric factors' union over ranks: each rank's values in its slot of P x D, summed. */
static gw_status num_levels_union(gw_h5source *s, const gw_h5source_comm *comm, const double *v1)
{
    size_t P = (size_t)comm->nranks, r = (size_t)comm->rank, len = 0, o = 3 * s->ng;
    size_t dmax[64];
    size_t nnum = 0;
    for (size_t j = 0; j < s->ncol; j++) {
        const ucol *c = &s->cols[j];
        if (!c->factor)
            continue;
        if (c->cat) {
            o += gw_h5stream_nlevels(s->h5, (size_t)c->h5);
            continue;
        }
        if (nnum == 64)
            return comm->agree(comm->ctx, gwi_fail(GW_EUNSUPPORTED, "too many factors"));
        dmax[nnum] = (size_t)v1[o++];
        len += P + P * dmax[nnum];
        nnum++;
    }
    if (nnum == 0)
        return GW_OK;
    double *buf = gw_calloc(len ? len : 1, sizeof *buf);
    if (buf == NULL)
        return comm->agree(comm->ctx, gwi_fail(GW_ENOMEM, "out of memory"));
    size_t q = 0, off = 0;
    for (size_t j = 0; j < s->ncol; j++) {
        const ucol *c = &s->cols[j];
        if (!c->factor || c->cat)
            continue;
        buf[off + r] = (double)c->nlev;
        if (c->nlev > 0)
            memcpy(buf + off + P + r * dmax[q], c->lval, c->nlev * sizeof *buf);
        off += P + P * dmax[q++];
    }
    gw_status rc = comm->sum(comm->ctx, buf, len);
    q = 0;
    off = 0;
    for (size_t j = 0; rc == GW_OK && j < s->ncol; j++) {
        ucol *c = &s->cols[j];
        if (!c->factor || c->cat)
            continue;
        gw_free(c->lval);
        c->lval = NULL;
        c->nlev = 0;
        for (size_t k = 0; k < P && rc == GW_OK; k++) {
            char what[256];
            snprintf(what, sizeof what, "factor(%.200s)", c->name);
            rc = merge_distinct(&c->lval, &c->nlev, buf + off + P + k * dmax[q],
                                (size_t)buf[off + k], GW_H5SOURCE_MAX_LEVELS, what);
        }
        off += P + P * dmax[q++];
    }
    gw_free(buf);
    return rc;
}

/* The grouping codes from the combined ranges (a whole-column read for a map). */
static gw_status group_codes(gw_h5source *s, const double *v)
{
    for (size_t g = 0; g < s->ng; g++) {
        const ucol *c = &s->cols[s->g[g].col];
        grp *G = &s->g[g];
        if (c->cat) {
            size_t nl = gw_h5stream_nlevels(s->h5, (size_t)c->h5);
            s->glevels[g] = nl ? nl : 1;
            continue;
        }
        double hi = v[3 * g], lo = -v[3 * g + 1];
        if (hi < lo) { /* no finite value */
            G->gmin = 0.0;
            s->glevels[g] = 1;
            continue;
        }
        double span = hi - lo + 1.0;
        if (v[3 * g + 2] == 0.0 && span <= (double)INT32_MAX &&
            span <= 4.0 * (double)s->nrows + 65536.0) {
            G->gmin = lo;
            s->glevels[g] = (size_t)span;
            continue;
        }
        /* the distinct values: chunks gathered in a pending list, merged when it outgrows
         * the set (O(n log n) overall) */
        double *pend = NULL;
        size_t npend = 0, cap = 0;
        gw_status rc = GW_OK;
        for (size_t a = 0; a < s->nrows && rc == GW_OK; a += CHUNK) {
            size_t e = a + CHUNK < s->nrows ? a + CHUNK : s->nrows;
            if (npend + (e - a) > cap) {
                size_t nc = 2 * (npend + (e - a));
                double *np = gw_realloc(pend, nc * sizeof *np);
                if (np == NULL) {
                    rc = gwi_fail(GW_ENOMEM, "out of memory");
                    break;
                }
                pend = np;
                cap = nc;
            }
            if ((rc = gw_h5stream_read_f64(s->h5, (size_t)c->h5, a, e, pend + npend)) != GW_OK)
                break;
            npend += e - a;
            if (e == s->nrows || (npend >= 16 * CHUNK && npend >= G->nmap)) {
                rc = merge_distinct(&G->map, &G->nmap, pend, npend, (size_t)INT32_MAX, c->name);
                npend = 0;
            }
        }
        gw_free(pend);
        if (rc != GW_OK)
            return rc;
        s->glevels[g] = G->nmap ? G->nmap : 1;
    }
    return GW_OK;
}

/* Loads the chunk [c0, c1): its frame, missing flags and global codes. */
static gw_status load_chunk(gw_h5source *s, size_t c0, size_t c1)
{
    gw_table *t = NULL;
    gw_design_free(s->d);
    s->d = NULL;
    s->loaded = 0;
    gw_status rc = build_table(s, c0, c1, 1, &t);
    if (rc != GW_OK)
        return rc;
    rc = gw_frame_build(t, s->f, &s->fo, &s->d);
    if (rc == GW_ENODATA) {
        rc = GW_OK; /* no row kept */
        s->d = NULL;
    } else if (rc != GW_OK) {
        gwi_prefix_error("in rows %zu..%zu of the table (row R below is table row %zu + R)", c0 + 1,
                         c1, c0);
    }
    gw_table_free(t);
    if (rc == GW_OK) {
        s->c0 = c0;
        s->c1 = c1;
        s->loaded = 1;
    }
    return rc;
}

/* The doubles of a block of n rows: y, X, w (weighted). */
static size_t nvals(const gw_h5source *s, size_t n)
{
    return n * (s->p + 1 + (s->fo.weights != NULL ? 1u : 0u));
}

/* Copies blk's rows to vals (y, X, w: n each) and codes (n per grouping variable). */
static void blk_pack(const gw_h5source *s, const gw_stream_block *blk, double *vals, int32_t *codes)
{
    size_t n = blk->n;
    memcpy(vals, blk->y, n * sizeof(double));
    for (size_t j = 0; j < s->p; j++)
        memcpy(vals + (1 + j) * n, blk->X + j * GW_BLOCK_ROWS, n * sizeof(double));
    if (s->fo.weights != NULL)
        memcpy(vals + (1 + s->p) * n, blk->w, n * sizeof(double));
    for (size_t g = 0; g < s->ng; g++)
        memcpy(codes + g * n,
               g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS
                          : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS,
               n * sizeof(int32_t));
}

/* The record of a block of n rows in s->sbuf: its length; *vals and *codes point into it. */
static size_t rec_layout(gw_h5source *s, size_t n, double **vals, int32_t **codes)
{
    *vals = (double *)(void *)(s->sbuf + 2 * sizeof(uint64_t));
    *codes = (int32_t *)(void *)(*vals + nvals(s, n));
    return 2 * sizeof(uint64_t) + nvals(s, n) * sizeof(double) + n * s->ng * sizeof(int32_t);
}

/* Appends the record in s->sbuf (len bytes, n rows) as block b's. */
static gw_status spill_write(gw_h5source *s, size_t b, size_t n, size_t len)
{
    const unsigned char *p = s->sbuf;
    size_t left = len;
    uint64_t at = s->sbytes;
    while (left > 0) {
        ssize_t w = pwrite(s->sfd, p, left, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->sfailed = 1;
            return gwi_fail(GW_EIO, "cannot write the scratch file %s (--scratch): %s", s->spath,
                            strerror(w < 0 ? errno : ENOSPC));
        }
        p += w;
        left -= (size_t)w;
        at += (uint64_t)w;
    }
    s->soff[b - s->begin / GW_BLOCK_ROWS] = (int64_t)s->sbytes;
    s->sn[b - s->begin / GW_BLOCK_ROWS] = n;
    s->sbytes = at;
    return GW_OK;
}

/* Appends block b as delivered in blk. */
static gw_status spill_put(gw_h5source *s, size_t b, const gw_stream_block *blk)
{
    double *vals;
    int32_t *codes;
    size_t len = rec_layout(s, blk->n, &vals, &codes);
    uint64_t hdr[2] = {(uint64_t)blk->n, (uint64_t)blk->ndropped};
    memcpy(s->sbuf, hdr, sizeof hdr);
    blk_pack(s, blk, vals, codes);
    return spill_write(s, b, blk->n, len);
}

/* Drops the cache; with a spill file its blocks are written there first. */
static gw_status cache_spill_drop(gw_h5source *s)
{
    gw_status rc = GW_OK;
    for (size_t i = 0; s->sfd >= 0 && s->cache != NULL && i < s->ncache && rc == GW_OK; i++) {
        const cblock *c = &s->cache[i];
        if (!c->filled)
            continue;
        double *vals;
        int32_t *codes;
        size_t len = rec_layout(s, c->n, &vals, &codes);
        uint64_t hdr[2] = {(uint64_t)c->n, (uint64_t)c->ndropped};
        memcpy(s->sbuf, hdr, sizeof hdr);
        memcpy(vals, c->vals, nvals(s, c->n) * sizeof(double));
        memcpy(codes, c->codes, c->n * s->ng * sizeof(int32_t));
        rc = spill_write(s, s->begin / GW_BLOCK_ROWS + i, c->n, len);
    }
    cache_drop(s);
    return rc;
}

/* Keeps a copy of blk as block b of the cache, or drops the cache beyond the budget. */
static gw_status cache_put(gw_h5source *s, size_t b, const gw_stream_block *blk)
{
    cblock *c = &s->cache[b - s->begin / GW_BLOCK_ROWS];
    size_t nv = nvals(s, blk->n), nc = blk->n * s->ng;
    size_t bytes = nv * sizeof(double) + nc * sizeof(int32_t);
    if (s->cache_bytes + bytes > s->budget)
        return cache_spill_drop(s);
    c->vals = gw_alloc_array(nv ? nv : 1, sizeof *c->vals);
    c->codes = gw_alloc_array(nc ? nc : 1, sizeof *c->codes);
    if (c->vals == NULL || c->codes == NULL) /* no cache: re-read (or spill) instead */
        return cache_spill_drop(s);
    blk_pack(s, blk, c->vals, c->codes);
    c->n = blk->n;
    c->ndropped = blk->ndropped;
    c->filled = 1;
    s->cache_bytes += bytes;
    return GW_OK;
}

static void cache_get(const gw_h5source *s, const cblock *c, gw_stream_block *blk)
{
    size_t n = c->n;
    blk->n = n;
    blk->ndropped = c->ndropped;
    memcpy(blk->y, c->vals, n * sizeof(double));
    for (size_t j = 0; j < s->p; j++)
        memcpy(blk->X + j * GW_BLOCK_ROWS, c->vals + (1 + j) * n, n * sizeof(double));
    if (blk->w != NULL && s->fo.weights != NULL)
        memcpy(blk->w, c->vals + (1 + s->p) * n, n * sizeof(double));
    for (size_t g = 0; g < s->ng; g++)
        memcpy(g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS
                          : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS,
               c->codes + g * n, n * sizeof(int32_t));
}

/* Reads block b's record back into blk. */
static gw_status spill_get(gw_h5source *s, size_t b, gw_stream_block *blk)
{
    const size_t i = b - s->begin / GW_BLOCK_ROWS, n = s->sn[i];
    double *vals;
    int32_t *codes;
    size_t len = rec_layout(s, n, &vals, &codes), got = 0;
    while (got < len) {
        ssize_t r = pread(s->sfd, s->sbuf + got, len - got, (off_t)s->soff[i] + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            s->sfailed = 1;
            return gwi_fail(GW_EIO, "cannot read the scratch file %s (--scratch): %s", s->spath,
                            r < 0 ? strerror(errno) : "unexpected end of file");
        }
        got += (size_t)r;
    }
    uint64_t hdr[2];
    memcpy(hdr, s->sbuf, sizeof hdr);
    if (hdr[0] != (uint64_t)n) {
        s->sfailed = 1;
        return gwi_fail(GW_EIO, "the scratch file %s (--scratch) is corrupt at block %zu", s->spath,
                        b);
    }
    cblock c = {1, n, (size_t)hdr[1], vals, codes};
    cache_get(s, &c, blk);
    return GW_OK;
}

/* The engine's callback: every block is built completely (whatever `need` asks), so that the
 * cache and the spill file hold whole blocks. */
static gw_status source_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    gw_h5source *s = ctx;
    (void)need;
    const size_t b0 = s->begin / GW_BLOCK_ROWS, a = b * GW_BLOCK_ROWS;
    if (b < b0 || a >= s->end)
        return gwi_fail(GW_EINTERNAL, "block %zu is outside the rows %zu-%zu", b, s->begin, s->end);
    if (s->cache != NULL && s->cache[b - b0].filled) {
        cache_get(s, &s->cache[b - b0], blk);
        return GW_OK;
    }
    if (s->sfd >= 0 && s->soff[b - b0] >= 0)
        return spill_get(s, b, blk);
    const size_t e = a + GW_BLOCK_ROWS < s->end ? a + GW_BLOCK_ROWS : s->end;
    if (!s->loaded || a < s->c0 || a >= s->c1) {
        size_t c0 = a / CHUNK * CHUNK, c1 = c0 + CHUNK;
        c0 = c0 > s->begin ? c0 : s->begin;
        c1 = c1 < s->end ? c1 : s->end;
        gw_status rc = load_chunk(s, c0, c1);
        if (rc != GW_OK)
            return rc;
    }
    size_t m = 0, nd = 0;
    const size_t ra = a - s->c0, re = e - s->c0;
    for (size_t r = ra; r < re; r++)
        nd += s->miss[r];
    const gw_design *d = s->d;
    if (d != NULL) {
        size_t lo = 0, hi = d->n; /* the first design row with row_index >= ra */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (d->row_index[mid] < ra)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t n = 0;
        while (lo + n < d->n && d->row_index[lo + n] < re)
            n++;
        memcpy(blk->y, d->y + lo, n * sizeof *d->y);
        for (size_t j = 0; j < s->p; j++)
            memcpy(blk->X + j * GW_BLOCK_ROWS, d->X + j * d->n + lo, n * sizeof *d->X);
        if (blk->w != NULL && d->w != NULL)
            memcpy(blk->w, d->w + lo, n * sizeof *d->w);
        for (size_t g = 0; g < s->ng; g++) {
            int32_t *dst = g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS
                                      : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS;
            for (size_t i = 0; i < n; i++)
                dst[i] = s->gc[g * CHUNK + d->row_index[lo + i]];
        }
        m = n;
    }
    blk->n = m;
    blk->ndropped = nd;
    gw_status rc = GW_OK;
    if (s->cache != NULL)
        rc = cache_put(s, b, blk);
    if (rc == GW_OK && s->cache == NULL && s->sfd >= 0)
        rc = spill_put(s, b, blk);
    return rc;
}

/* Creates the spill file in directory dir (unlinked at once) and its block table. */
static gw_status spill_open(gw_h5source *s, const char *dir)
{
    size_t nb = s->nblk ? s->nblk : 1;
    size_t len = strlen(dir) + sizeof "/goodwork-scratch-XXXXXX";
    if ((s->spath = gw_malloc(len)) == NULL ||
        (s->soff = gw_alloc_array(nb, sizeof *s->soff)) == NULL ||
        (s->sn = gw_alloc_array(nb, sizeof *s->sn)) == NULL ||
        (s->sbuf = gw_malloc(2 * sizeof(uint64_t) + GW_BLOCK_ROWS * ((s->p + 2) * sizeof(double) +
                                                                     s->ng * sizeof(int32_t)))) ==
            NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < nb; i++)
        s->soff[i] = -1;
    snprintf(s->spath, len, "%s/goodwork-scratch-XXXXXX", dir);
    s->sfd = mkstemp(s->spath);
    if (s->sfd < 0)
        return gwi_fail(GW_EIO, "cannot create a scratch file in %s (--scratch): %s", dir,
                        strerror(errno));
    if (unlink(s->spath) != 0)
        return gwi_fail(GW_EIO, "cannot unlink the scratch file %s (--scratch): %s", s->spath,
                        strerror(errno));
    return GW_OK;
}

/* Opening's local steps before the first collective one. */
static gw_status open_local(gw_h5source *s, const char *path, const char *group, int rank,
                            int nranks, double **v1)
{
    gw_status rc = gw_h5stream_open(path, group, &s->h5);
    if (rc != GW_OK)
        return rc;
    s->nrows = gw_h5stream_nrows(s->h5);
    take_range(s, rank, nranks);
    if ((s->miss = gw_malloc(CHUNK)) == NULL ||
        (s->vtmp = gw_alloc_array(CHUNK, sizeof *s->vtmp)) == NULL ||
        (s->gc = gw_alloc_array(CHUNK * MAXG, sizeof *s->gc)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    if ((rc = list_columns(s)) != GW_OK)
        return rc;
    size_t n1 = red1_len(s);
    if ((*v1 = gw_alloc_array(n1 ? n1 : 1, sizeof **v1)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return prepass(s, *v1);
}

gw_status gw_h5source_open(const char *path, const char *group, const gw_formula *f,
                           const gw_frame_opts *fo, size_t budget, const char *scratch,
                           const gw_h5source_comm *comm, gw_h5source **out, gw_stream_source *src)
{
    gw_status rc = GW_OK;
    double *v1 = NULL;
    *out = NULL;
    memset(src, 0, sizeof *src);
    gw_h5source *s = gw_calloc(1, sizeof *s);
    if (s == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    } else {
        s->sfd = -1;
        s->f = f;
        s->fo.weights = fo->weights;
        for (size_t k = 0; k < GW_FRAME_MAX_CLUSTER; k++)
            s->fo.cluster[k] = fo->cluster[k];
        s->budget = budget;
        rc = open_local(s, path, group, comm ? comm->rank : 0, comm ? comm->nranks : 1, &v1);
    }
    if (comm != NULL) {
        /* the first collective step: a local failure is agreed instead of the reduction */
        if (rc != GW_OK) {
            rc = comm->agree(comm->ctx, rc);
            goto done;
        }
        if ((rc = comm->allmax(comm->ctx, v1, red1_len(s))) != GW_OK)
            goto done;
    }
    if (rc != GW_OK)
        goto done;
    if ((rc = cat_levels(s, v1)) != GW_OK) {
        if (comm != NULL)
            rc = comm->agree(comm->ctx, rc);
        goto done;
    }
    if (comm != NULL && comm->nranks > 1 && (rc = num_levels_union(s, comm, v1)) != GW_OK)
        goto done;
    /* No collective step below: failures are agreed by the caller. */
    for (size_t j = 0; j < s->ncol; j++)
        if (s->cols[j].factor && s->cols[j].nlev > s->nlevrows)
            s->nlevrows = s->cols[j].nlev;
    if ((rc = group_codes(s, v1)) != GW_OK || (rc = probe(s, 1)) != GW_OK)
        goto done;
    size_t nblk = (s->end - s->begin + GW_BLOCK_ROWS - 1) / GW_BLOCK_ROWS;
    if (budget > 0 && nblk > 0) {
        if ((s->cache = gw_calloc(nblk, sizeof *s->cache)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            goto done;
        }
        s->ncache = nblk;
    }
    s->nblk = nblk;
    if (scratch != NULL && (rc = spill_open(s, scratch)) != GW_OK)
        goto done;
    src->nrows = s->nrows;
    src->p = s->p;
    src->terms = (const char *const *)s->terms;
    src->response = s->response;
    src->has_intercept = s->has_intercept;
    src->weighted = s->fo.weights != NULL;
    src->nfe = s->nfe;
    src->fe_names = s->gnames;
    src->fe_levels = s->glevels;
    src->ncluster = s->ncl;
    src->cluster_names = s->gnames + s->nfe;
    src->cluster_levels = s->glevels + s->nfe;
    src->read = source_read;
    src->ctx = s;
done:
    gw_free(v1);
    if (rc != GW_OK) {
        gw_h5source_close(s);
        memset(src, 0, sizeof *src);
        return rc;
    }
    *out = s;
    return rc;
}
