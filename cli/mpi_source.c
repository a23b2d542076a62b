/* mpi_source.c -- one rank's rows of an HDF5 table as design blocks (mpi_source.h).
 *
 * Why the in-core model frame is run per block: it is the one definition of what a formula
 * means (transforms, missing values, zero weights, the errors and their wording). Running it
 * on 4,096-row tables costs a copy of the block, small next to the read, and keeps the
 * distributed fit's design identical to the in-core one row for row. Its per-block fixed-effect
 * codes are not used (they are local): grouping columns enter the block table as numbers (a
 * categorical column's code, NaN when missing) so that the frame drops the same rows, and the
 * global code is taken from that number. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_design.h"
#include "gw_h5stream.h"
#include "gw_par.h"
#include "gw_table.h"
#include "mpi_source.h"

/* A cached block: the design rows of one block, as the source delivers them. */
typedef struct {
    int filled;
    size_t n, ndropped;
    double *vals;   /* owned: y (n), X (n p), w (n when weighted), column-major */
    int32_t *codes; /* owned: n per grouping variable */
} cblock;

struct mpi_source {
    gw_h5stream *h5;
    const gw_formula *f;
    gw_frame_opts fo;
    size_t nrows, begin, end;

    size_t ncol;        /* used columns */
    const char **names; /* borrowed from f / fo */
    size_t *h5col;      /* their index in the file */
    int *categ;         /* categorical in the file (grouping columns only) */

    size_t nfe, ncl, ng; /* grouping variables: the nfe fixed effects, then ncl clusters */
    size_t *gcol;        /* ng: index into the used columns */
    double *gmin;        /* ng: subtracted from a numeric column's values (0: categorical) */
    size_t *glevels;     /* ng: global codes 0..glevels-1 */
    const char **gnames; /* ng: their names (borrowed strings) */

    size_t p;
    int has_intercept;
    char **terms;   /* owned, p */
    char *response; /* owned */

    int32_t *scratch; /* GW_BLOCK_ROWS codes */
    cblock *cache;    /* blocks of [begin, end), or NULL */
    size_t ncache, cache_bytes, budget;
};

size_t mpi_source_nrows(const mpi_source *s) { return s->nrows; }
int mpi_source_cached(const mpi_source *s) { return s->cache != NULL; }

void mpi_source_range(const mpi_source *s, size_t *row_begin, size_t *row_end)
{
    *row_begin = s->begin;
    *row_end = s->end;
}

static void cache_drop(mpi_source *s)
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

void mpi_source_close(mpi_source *s)
{
    if (s == NULL)
        return;
    cache_drop(s);
    gw_h5stream_close(s->h5);
    gw_free(s->names);
    gw_free(s->h5col);
    gw_free(s->categ);
    gw_free(s->gcol);
    gw_free(s->gmin);
    gw_free(s->glevels);
    gw_free(s->gnames);
    for (size_t j = 0; s->terms != NULL && j < s->p; j++)
        gw_free(s->terms[j]);
    gw_free(s->terms);
    gw_free(s->response);
    gw_free(s->scratch);
    gw_free(s);
}

/* Index of name in the used columns, adding it; (size_t)-1 on allocation failure. */
static size_t add_col(mpi_source *s, const char *name, size_t *cap)
{
    for (size_t j = 0; j < s->ncol; j++)
        if (strcmp(s->names[j], name) == 0)
            return j;
    if (s->ncol == *cap) {
        size_t c = *cap ? 2 * *cap : 16;
        const char **nn = gw_realloc(s->names, c * sizeof *nn);
        if (nn == NULL)
            return (size_t)-1;
        s->names = nn;
        *cap = c;
    }
    s->names[s->ncol] = name;
    return s->ncol++;
}

/* The used columns, grouping variables last in s->gcol; the formula's unsupported parts. */
static gw_status list_columns(mpi_source *s)
{
    const gw_formula *f = s->f;
    size_t cap = 0;
    if (gw_formula_has_iv(f))
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables are not supported by "
                                         "distributed fits (run without mpirun)");
    if (add_col(s, gw_formula_response(f)->var, &cap) == (size_t)-1)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t k = 0; k < gw_formula_nterms(f); k++) {
        const gw_formula_term *t = gw_formula_term_at(f, k);
        for (size_t q = 0; q < t->nfactors; q++) {
            if (t->factors[q].kind == GW_FF_FACTOR)
                return gwi_fail(GW_EUNSUPPORTED,
                                "term '%s': factor() is not supported by distributed fits "
                                "(absorb the variable as a fixed effect: \"| %s\")",
                                t->name, t->factors[q].var);
            if (add_col(s, t->factors[q].var, &cap) == (size_t)-1)
                return gwi_fail(GW_ENOMEM, "out of memory");
        }
    }
    if (s->fo.weights != NULL && add_col(s, s->fo.weights, &cap) == (size_t)-1)
        return gwi_fail(GW_ENOMEM, "out of memory");
    s->nfe = gw_formula_nfe(f);
    s->ncl = 0;
    while (s->ncl < GW_FRAME_MAX_CLUSTER && s->fo.cluster[s->ncl] != NULL)
        s->ncl++;
    s->ng = s->nfe + s->ncl;
    size_t ng1 = s->ng ? s->ng : 1;
    s->gcol = gw_alloc_array(ng1, sizeof *s->gcol);
    s->gmin = gw_calloc(ng1, sizeof *s->gmin);
    s->glevels = gw_calloc(ng1, sizeof *s->glevels);
    if (s->gcol == NULL || s->gmin == NULL || s->glevels == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; g < s->ng; g++) {
        const char *name = g < s->nfe ? gw_formula_fe(f, g) : s->fo.cluster[g - s->nfe];
        if ((s->gcol[g] = add_col(s, name, &cap)) == (size_t)-1)
            return gwi_fail(GW_ENOMEM, "out of memory");
    }
    s->h5col = gw_alloc_array(s->ncol, sizeof *s->h5col);
    s->categ = gw_calloc(s->ncol, sizeof *s->categ);
    if (s->h5col == NULL || s->categ == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < s->ncol; j++) {
        ptrdiff_t c = gw_h5stream_find(s->h5, s->names[j]);
        if (c < 0)
            return gwi_fail(GW_ENOVAR, "unknown variable '%s' (not a column of the table)",
                            s->names[j]);
        s->h5col[j] = (size_t)c;
        s->categ[j] = gw_h5stream_coltype(s->h5, (size_t)c) == GW_COL_CATEGORICAL;
    }
    for (size_t j = 0; j < s->ncol; j++) {
        int grouping = 0;
        for (size_t g = 0; g < s->ng; g++)
            grouping |= s->gcol[g] == j;
        if (s->categ[j] && !grouping)
            return gwi_fail(GW_EUNSUPPORTED,
                            "categorical variable '%s' is only supported by distributed fits as "
                            "a fixed effect or cluster (\"| %s\")",
                            s->names[j], s->names[j]);
    }
    return GW_OK;
}

/* This rank's range: units of 2^20 rows when every rank gets at least one, else of blocks. */
static void take_range(mpi_source *s, int rank, int nranks)
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

/* Reads rows [a, e) of used column j as doubles into v (codes as numbers, NaN missing). */
static gw_status read_col(mpi_source *s, size_t j, size_t a, size_t e, double *v)
{
    if (!s->categ[j])
        return gw_h5stream_read_f64(s->h5, s->h5col[j], a, e, v);
    gw_status rc = gw_h5stream_read_codes(s->h5, s->h5col[j], a, e, s->scratch);
    if (rc != GW_OK)
        return rc;
    for (size_t i = 0; i < e - a; i++)
        v[i] = s->scratch[i] < 0 ? (double)NAN : (double)s->scratch[i];
    return GW_OK;
}

/* Local part of the global codes of numeric grouping columns: out[3g..3g+2] = max, -min and
 * 1 when a finite value is not an integer, over this rank's rows. */
static gw_status local_ranges(mpi_source *s, double *out)
{
    gw_status rc = GW_OK;
    double *v = gw_alloc_array(GW_BLOCK_ROWS, sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; g < s->ng; g++) {
        out[3 * g] = -INFINITY;
        out[3 * g + 1] = -INFINITY;
        out[3 * g + 2] = 0.0;
        if (s->categ[s->gcol[g]])
            continue;
        for (size_t a = s->begin; a < s->end; a += GW_BLOCK_ROWS) {
            size_t e = a + GW_BLOCK_ROWS < s->end ? a + GW_BLOCK_ROWS : s->end;
            if ((rc = read_col(s, s->gcol[g], a, e, v)) != GW_OK)
                goto done;
            for (size_t i = 0; i < e - a; i++) {
                double x = v[i];
                if (!isfinite(x))
                    continue;
                if (x != floor(x))
                    out[3 * g + 2] = 1.0;
                if (x > out[3 * g])
                    out[3 * g] = x;
                if (-x > out[3 * g + 1])
                    out[3 * g + 1] = -x;
            }
        }
    }
done:
    gw_free(v);
    return rc;
}

/* The design's shape from a one-row table of ones (no data needed: numeric terms only). */
static gw_status probe(mpi_source *s)
{
    gw_table *t = NULL;
    gw_design *d = NULL;
    gw_status rc = gw_table_new(1, &t);
    for (size_t j = 0; rc == GW_OK && j < s->ncol; j++) {
        double *one = gw_malloc(sizeof *one);
        if (one == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            break;
        }
        *one = 1.0;
        rc = gw_table_add_numeric_take(t, s->names[j], one);
    }
    if (rc == GW_OK)
        rc = gw_frame_build(t, s->f, &s->fo, &d);
    if (rc != GW_OK)
        goto done;
    if (d->p == 0) {
        rc = gwi_fail(GW_EINVAL, "the model has no regressors (\"%s\"): nothing to estimate",
                      gw_formula_text(s->f));
        goto done;
    }
    s->p = d->p;
    s->has_intercept = d->has_intercept;
    if ((s->terms = gw_calloc(d->p, sizeof *s->terms)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < d->p; j++) {
        size_t len = strlen(d->terms[j]) + 1;
        if ((s->terms[j] = gw_malloc(len)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(s->terms[j], d->terms[j], len);
    }
    size_t len = strlen(d->response) + 1;
    if ((s->response = gw_malloc(len)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(s->response, d->response, len);
done:
    gw_design_free(d);
    gw_table_free(t);
    return rc;
}

/* Builds block b (source rows [a, e)) into blk with the in-core frame. */
static gw_status build_block(mpi_source *s, size_t b, gw_stream_block *blk, gw_table **tout,
                             gw_design **dout)
{
    size_t a = b * GW_BLOCK_ROWS, e = a + GW_BLOCK_ROWS < s->nrows ? a + GW_BLOCK_ROWS : s->nrows;
    size_t m = e - a;
    gw_table *t = NULL;
    gw_design *d = NULL;
    gw_status rc = gw_table_new(m, &t);
    for (size_t j = 0; rc == GW_OK && j < s->ncol; j++) {
        double *v = gw_alloc_array(m ? m : 1, sizeof *v);
        if (v == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            break;
        }
        if ((rc = read_col(s, j, a, e, v)) != GW_OK) {
            gw_free(v);
            break;
        }
        rc = gw_table_add_numeric_take(t, s->names[j], v);
    }
    if (rc != GW_OK)
        goto done;
    rc = gw_frame_build(t, s->f, &s->fo, &d);
    blk->n = 0;
    blk->ndropped = 0;
    if (rc == GW_ENODATA) {
        /* Every row of the block dropped: count those with a missing value, as the frame
         * would (rows dropped only for a zero weight are not "missing", as in core). */
        for (size_t i = 0; i < m; i++) {
            int miss = 0;
            for (size_t j = 0; j < s->ncol && !miss; j++)
                miss = isnan(gw_table_numeric(t, j)[i]);
            blk->ndropped += miss ? 1u : 0u;
        }
        rc = GW_OK;
        goto done;
    }
    if (rc != GW_OK) {
        gwi_prefix_error("in table rows %zu-%zu (row R below is table row %zu + R)", a + 1, e, a);
        goto done;
    }
    size_t n = d->n;
    blk->n = n;
    blk->ndropped = d->nobs_dropped_missing; /* zero-weight rows are not counted, as in core */
    memcpy(blk->y, d->y, n * sizeof *d->y);
    for (size_t j = 0; j < s->p; j++)
        memcpy(blk->X + j * GW_BLOCK_ROWS, d->X + j * n, n * sizeof *d->X);
    if (blk->w != NULL && d->w != NULL)
        memcpy(blk->w, d->w, n * sizeof *d->w);
    for (size_t g = 0; g < s->ng; g++) {
        const double *v = gw_table_numeric(t, s->gcol[g]);
        int32_t *dst =
            g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS;
        for (size_t i = 0; i < n; i++)
            dst[i] = (int32_t)(v[d->row_index[i]] - s->gmin[g]);
    }
done:
    *tout = t;
    *dout = d;
    return rc;
}

/* Keeps a copy of blk as block b of the cache, or drops the cache beyond the budget. */
static void cache_put(mpi_source *s, size_t b, const gw_stream_block *blk, int weighted)
{
    cblock *c = &s->cache[b - s->begin / GW_BLOCK_ROWS];
    size_t nv = blk->n * (s->p + 1 + (weighted ? 1u : 0u)), nc = blk->n * s->ng;
    size_t bytes = nv * sizeof(double) + nc * sizeof(int32_t);
    if (s->cache_bytes + bytes > s->budget) {
        cache_drop(s);
        return;
    }
    c->vals = gw_alloc_array(nv ? nv : 1, sizeof *c->vals);
    c->codes = gw_alloc_array(nc ? nc : 1, sizeof *c->codes);
    if (c->vals == NULL || c->codes == NULL) { /* no cache: re-read instead */
        cache_drop(s);
        return;
    }
    size_t n = blk->n;
    memcpy(c->vals, blk->y, n * sizeof(double));
    for (size_t j = 0; j < s->p; j++)
        memcpy(c->vals + (1 + j) * n, blk->X + j * GW_BLOCK_ROWS, n * sizeof(double));
    if (weighted)
        memcpy(c->vals + (1 + s->p) * n, blk->w, n * sizeof(double));
    for (size_t g = 0; g < s->ng; g++)
        memcpy(c->codes + g * n,
               g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS
                          : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS,
               n * sizeof(int32_t));
    c->n = n;
    c->ndropped = blk->ndropped;
    c->filled = 1;
    s->cache_bytes += bytes;
}

static void cache_get(const mpi_source *s, const cblock *c, gw_stream_block *blk)
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

/* The engine's callback. Every block is built completely (whatever `need` asks), so that the
 * cache holds whole blocks. */
static gw_status source_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    mpi_source *s = ctx;
    (void)need;
    size_t b0 = s->begin / GW_BLOCK_ROWS;
    if (b < b0 || b * GW_BLOCK_ROWS >= s->end)
        return gwi_fail(GW_EINTERNAL, "block %zu is outside this rank's rows %zu-%zu", b, s->begin,
                        s->end);
    if (s->cache != NULL && s->cache[b - b0].filled) {
        cache_get(s, &s->cache[b - b0], blk);
        return GW_OK;
    }
    gw_table *t = NULL;
    gw_design *d = NULL;
    gw_status rc = build_block(s, b, blk, &t, &d);
    if (rc == GW_OK && s->cache != NULL)
        cache_put(s, b, blk, s->fo.weights != NULL);
    gw_design_free(d);
    gw_table_free(t);
    return rc;
}

/* The first, local part of opening: everything before the collective range reduction. */
static gw_status open_local(mpi_source *s, const char *path, const char *group, int rank,
                            int nranks, double *ranges)
{
    gw_status rc = gw_h5stream_open(path, group, &s->h5);
    if (rc != GW_OK)
        return rc;
    s->nrows = gw_h5stream_nrows(s->h5);
    take_range(s, rank, nranks);
    if ((s->scratch = gw_alloc_array(GW_BLOCK_ROWS, sizeof *s->scratch)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    if ((rc = list_columns(s)) != GW_OK || (rc = probe(s)) != GW_OK)
        return rc;
    return local_ranges(s, ranges);
}

gw_status mpi_source_open(const char *path, const char *group, const gw_formula *f,
                          const gw_frame_opts *fo, size_t budget, cli_mpi_red *red,
                          mpi_source **out, gw_stream_source *src)
{
    gw_status rc = GW_OK;
    double *ranges = NULL;
    *out = NULL;
    memset(src, 0, sizeof *src);
    mpi_source *s = gw_calloc(1, sizeof *s);
    /* Grouping variables: the fixed effects and at most GW_FRAME_MAX_CLUSTER clusters. */
    size_t ngmax = gw_formula_nfe(f) + GW_FRAME_MAX_CLUSTER;
    ranges = gw_alloc_array(3 * ngmax, sizeof *ranges);
    if (s == NULL || ranges == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    } else {
        s->f = f;
        s->fo = *fo;
        s->budget = budget;
        rc = open_local(s, path, group, red->rank, red->nranks, ranges);
    }
    /* The first collective step: a local failure is agreed here, instead of the reduction. */
    if (rc != GW_OK) {
        rc = cli_mpi_red_agree(red, rc);
        goto done;
    }
    if ((rc = cli_mpi_red_allmax(red, ranges, 3 * s->ng)) != GW_OK)
        goto done;
    for (size_t g = 0; g < s->ng; g++) {
        size_t j = s->gcol[g];
        if (s->categ[j]) {
            s->gmin[g] = 0.0;
            s->glevels[g] = gw_h5stream_nlevels(s->h5, s->h5col[j]);
        } else if (ranges[3 * g + 2] != 0.0) {
            rc = gwi_fail(GW_EUNSUPPORTED,
                          "'%s' has values that are not integers: distributed fits need "
                          "integer or categorical fixed-effect and cluster variables",
                          s->names[j]);
            goto done;
        } else if (ranges[3 * g] < -ranges[3 * g + 1]) { /* no finite value at all */
            s->gmin[g] = 0.0;
            s->glevels[g] = 1;
        } else {
            double span = ranges[3 * g] + ranges[3 * g + 1] + 1.0;
            if (span > (double)INT32_MAX || span > 4.0 * (double)s->nrows + 65536.0) {
                rc = gwi_fail(GW_EUNSUPPORTED,
                              "'%s' spans %.17g integer values for %zu rows: too sparse for "
                              "global codes (store it as a categorical column)",
                              s->names[j], span, s->nrows);
                goto done;
            }
            s->gmin[g] = -ranges[3 * g + 1];
            s->glevels[g] = (size_t)span;
        }
        if (s->glevels[g] == 0)
            s->glevels[g] = 1;
    }
    size_t nblk = (s->end - s->begin + GW_BLOCK_ROWS - 1) / GW_BLOCK_ROWS;
    if (budget > 0 && nblk > 0) {
        if ((s->cache = gw_calloc(nblk, sizeof *s->cache)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "out of memory");
            goto done;
        }
        s->ncache = nblk;
    }
    if ((s->gnames = gw_alloc_array(s->ng ? s->ng : 1, sizeof *s->gnames)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t g = 0; g < s->ng; g++)
        s->gnames[g] = s->names[s->gcol[g]];
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
    gw_free(ranges);
    if (rc != GW_OK) {
        mpi_source_close(s);
        memset(src, 0, sizeof *src);
        return rc;
    }
    *out = s;
    return rc;
}
