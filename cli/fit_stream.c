/* fit_stream.c -- goodwork fit --memory-limit SIZE: out-of-core fits of HDF5 tables.
 *
 * When --memory-limit is given and the in-core fit of the --data table would need more (the
 * estimate: rows x used columns x 8 bytes x 3, for the table, the design and the working
 * copy), the fit streams the table through gw_stream_fit (models/gw_stream.h) instead of
 * loading it. The source below reads the table in chunks of CHUNK_ROWS rows (16 row blocks,
 * the dataset chunk of `goodwork convert`), builds each chunk's model frame with the in-core
 * frame builder on a small table of the chunk's rows (so every regressor is computed exactly
 * as in core: powers, logs, products), and serves the engine's GW_BLOCK_ROWS blocks from it.
 * Fixed-effect and cluster codes are global: a categorical column's own codes, or for a
 * numeric grouping variable the index of its value in a map built by one read of that column
 * before the fit (in order of first occurrence; the engine counts the levels that occur).
 *
 * What streaming cannot do is a usage error when it is required: other estimators than ols,
 * instruments, panel variances and --panel, --save-residuals, --hausman, categorical
 * regressors (factor terms), HC2/HC3 with two or more fixed-effect sets, CSV input. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core_int.h"
#include "fit_ext.h"
#include "fit_stream.h"
#include "gw_alloc.h"
#include "gw_h5stream.h"
#include "gw_par.h"
#include "gw_stream.h"

#define CHUNK_ROWS (16 * GW_BLOCK_ROWS)
#define MAXG 4 /* fixed-effect sets + cluster variables handled by the source */

/* A map of the distinct values of a numeric grouping column to codes (open addressing). */
typedef struct {
    double *keys;
    int32_t *vals;
    unsigned char *used;
    size_t cap, count;
} vmap;

static uint64_t dbits(double v)
{
    uint64_t u;
    if (v == 0.0)
        v = 0.0; /* -0 and +0 are one level */
    memcpy(&u, &v, sizeof u);
    return u;
}

static size_t vhash(double v, size_t cap)
{
    return (size_t)((dbits(v) * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

static int vmap_grow(vmap *m)
{
    size_t nc = m->cap ? 2 * m->cap : 1024;
    double *k = gw_alloc_array(nc, sizeof *k);
    int32_t *v = gw_alloc_array(nc, sizeof *v);
    unsigned char *u = gw_calloc(nc, 1);
    if (k == NULL || v == NULL || u == NULL) {
        gw_free(k);
        gw_free(v);
        gw_free(u);
        return 0;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->used[i])
            continue;
        size_t h = vhash(m->keys[i], nc);
        while (u[h])
            h = (h + 1) & (nc - 1);
        u[h] = 1;
        k[h] = m->keys[i];
        v[h] = m->vals[i];
    }
    gw_free(m->keys);
    gw_free(m->vals);
    gw_free(m->used);
    m->keys = k;
    m->vals = v;
    m->used = u;
    m->cap = nc;
    return 1;
}

/* The code of v (added when new); -1 for NaN, -2 when memory fails. */
static int32_t vmap_code(vmap *m, double v, int add)
{
    if (isnan(v))
        return -1;
    if (v == 0.0)
        v = 0.0;
    if (add && 2 * (m->count + 1) > m->cap && !vmap_grow(m))
        return -2;
    if (m->cap == 0)
        return -1;
    size_t h = vhash(v, m->cap);
    while (m->used[h]) {
        if (dbits(m->keys[h]) == dbits(v))
            return m->vals[h];
        h = (h + 1) & (m->cap - 1);
    }
    if (!add)
        return -1;
    m->used[h] = 1;
    m->keys[h] = v;
    m->vals[h] = (int32_t)m->count++;
    return m->vals[h];
}

static void vmap_free(vmap *m)
{
    gw_free(m->keys);
    gw_free(m->vals);
    gw_free(m->used);
}

typedef struct {
    gw_h5stream *h;
    size_t nrows;
    gw_formula *f2; /* the formula without fixed effects (intercept removed when absorbed) */
    gw_frame_opts fo2;
    size_t ncols;    /* frame columns */
    char **names;    /* frame column names */
    ptrdiff_t *cidx; /* their table columns */
    const char *wname;
    /* grouping variables: nfe sets then ncl cluster variables */
    size_t ng;
    ptrdiff_t gidx[MAXG];
    int gcat[MAXG];
    vmap gmap[MAXG];
    size_t glevels[MAXG];
    /* the loaded chunk */
    int loaded;
    size_t c0, c1;
    gw_design *d;
    unsigned char *state; /* chunk rows: 0 kept, 1 missing, 2 dropped (zero weight) */
    int32_t *gc[MAXG];    /* chunk rows' grouping codes */
    double *tmp;
    size_t nfe;
} h5src;

static void h5src_unload(h5src *s)
{
    gw_design_free(s->d);
    s->d = NULL;
    s->loaded = 0;
}

/* Load the chunk [c0, c1): the frame of its rows, the states and grouping codes. */
static gw_status load_chunk(h5src *s, size_t c0, size_t c1)
{
    gw_status rc = GW_OK;
    gw_table *t = NULL;
    const size_t m = c1 - c0;
    h5src_unload(s);
    if ((rc = gw_table_new(m, &t)) != GW_OK)
        return rc;
    for (size_t j = 0; j < s->ncols; j++) {
        double *v = gw_alloc_array(m ? m : 1, sizeof *v);
        if (v == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu values", m);
            goto done;
        }
        if ((rc = gw_h5stream_read_f64(s->h, (size_t)s->cidx[j], c0, c1, v)) != GW_OK) {
            gw_free(v);
            goto done;
        }
        if ((rc = gw_table_add_numeric_take(t, s->names[j], v)) != GW_OK)
            goto done;
    }
    for (size_t g = 0; g < s->ng; g++) {
        if (s->gcat[g]) {
            if ((rc = gw_h5stream_read_codes(s->h, (size_t)s->gidx[g], c0, c1, s->gc[g])) != GW_OK)
                goto done;
        } else {
            if ((rc = gw_h5stream_read_f64(s->h, (size_t)s->gidx[g], c0, c1, s->tmp)) != GW_OK)
                goto done;
            for (size_t i = 0; i < m; i++)
                s->gc[g][i] = vmap_code(&s->gmap[g], s->tmp[i], 0);
        }
    }
    memset(s->state, 1, m);
    rc = gw_frame_build(t, s->f2, &s->fo2, &s->d);
    if (rc == GW_ENODATA) {
        rc = GW_OK; /* every row of the chunk dropped */
    } else if (rc != GW_OK) {
        gwi_prefix_error("in rows %zu..%zu of the table (row numbers below count from row %zu)",
                         c0 + 1, c1, c0 + 1);
        goto done;
    } else {
        for (size_t i = 0; i < s->d->n; i++) {
            size_t row = s->d->row_index[i];
            int miss = 0;
            for (size_t g = 0; g < s->ng; g++)
                miss |= s->gc[g][row] < 0;
            s->state[row] = miss ? 1 : 0;
        }
    }
    /* Rows with a zero weight are dropped but not counted as missing (as in core). */
    if (s->wname != NULL) {
        ptrdiff_t wc = gw_table_find(t, s->wname);
        const double *w = wc >= 0 ? gw_table_numeric(t, (size_t)wc) : NULL;
        for (size_t i = 0; w != NULL && i < m; i++)
            if (s->state[i] == 1 && w[i] == 0.0)
                s->state[i] = 2;
    }
    s->c0 = c0;
    s->c1 = c1;
    s->loaded = 1;
done:
    gw_table_free(t);
    return rc;
}

static gw_status h5src_read(void *ctx, size_t b, unsigned need, gw_stream_block *blk)
{
    h5src *s = ctx;
    gw_status rc;
    (void)need;
    const size_t a = b * GW_BLOCK_ROWS;
    const size_t e = a + GW_BLOCK_ROWS < s->nrows ? a + GW_BLOCK_ROWS : s->nrows;
    if (!s->loaded || a < s->c0 || a >= s->c1) {
        size_t c0 = a / CHUNK_ROWS * CHUNK_ROWS;
        size_t c1 = c0 + CHUNK_ROWS < s->nrows ? c0 + CHUNK_ROWS : s->nrows;
        if ((rc = load_chunk(s, c0, c1)) != GW_OK)
            return rc;
    }
    size_t m = 0, nd = 0;
    for (size_t r = a; r < e; r++)
        nd += s->state[r - s->c0] == 1;
    const gw_design *d = s->d;
    if (d != NULL) {
        /* the design rows of the block: row_index in [a - c0, e - c0) (increasing) */
        size_t lo = 0, hi = d->n, ra = a - s->c0, re = e - s->c0;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (d->row_index[mid] < ra)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (size_t i = lo; i < d->n && d->row_index[i] < re; i++) {
            size_t row = d->row_index[i];
            if (s->state[row] != 0)
                continue;
            blk->y[m] = d->y[i];
            for (size_t j = 0; j < d->p; j++)
                blk->X[j * GW_BLOCK_ROWS + m] = d->X[j * d->n + i];
            if (blk->w != NULL)
                blk->w[m] = d->w[i];
            for (size_t g = 0; g < s->ng; g++) {
                int32_t *dst = g < s->nfe ? blk->fe + g * GW_BLOCK_ROWS
                                          : blk->cluster + (g - s->nfe) * GW_BLOCK_ROWS;
                dst[m] = s->gc[g][row];
            }
            m++;
        }
    }
    blk->n = m;
    blk->ndropped = nd;
    return GW_OK;
}

static void h5src_free(h5src *s)
{
    h5src_unload(s);
    gw_h5stream_close(s->h);
    gw_formula_free(s->f2);
    if (s->names != NULL)
        for (size_t j = 0; j < s->ncols; j++)
            gw_free(s->names[j]);
    gw_free(s->names);
    gw_free(s->cidx);
    for (size_t g = 0; g < MAXG; g++) {
        vmap_free(&s->gmap[g]);
        gw_free(s->gc[g]);
    }
    gw_free(s->state);
    gw_free(s->tmp);
}

int cli_parse_memory_size(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno != 0 || !(v > 0.0) || !isfinite(v))
        return 0;
    double mult = 1.0;
    switch (*end) {
    case 'k':
    case 'K':
        mult = 1024.0;
        end++;
        break;
    case 'm':
    case 'M':
        mult = 1024.0 * 1024.0;
        end++;
        break;
    case 'g':
    case 'G':
        mult = 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    case 't':
    case 'T':
        mult = 1024.0 * 1024.0 * 1024.0 * 1024.0;
        end++;
        break;
    default:
        break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end != '\0')
        return 0;
    *out = v * mult;
    return 1;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    if (n < e)
        return 0;
    for (size_t i = 0; i < e; i++) {
        char c = path[n - e + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != ext[i])
            return 0;
    }
    return 1;
}

static int add_name(h5src *s, const char *name)
{
    for (size_t j = 0; j < s->ncols; j++)
        if (strcmp(s->names[j], name) == 0)
            return 1;
    char **nn = gw_realloc(s->names, (s->ncols + 1) * sizeof *nn);
    if (nn == NULL)
        return 0;
    s->names = nn;
    if ((s->names[s->ncols] = gw_strdup(name)) == NULL)
        return 0;
    s->ncols++;
    return 1;
}

/* The formula text without its fixed-effects part ("|" outside backquotes), with " - 1"
 * appended when effects are absorbed (the frame then builds no intercept column, as in core). */
static char *formula_without_fe(const char *text, size_t nfe)
{
    size_t n = strlen(text), cut = n;
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '`')
            quoted = !quoted;
        else if (text[i] == '|' && !quoted) {
            cut = i;
            break;
        }
    }
    char *t = gw_malloc(cut + 8);
    if (t == NULL)
        return NULL;
    memcpy(t, text, cut);
    strcpy(t + cut, nfe > 0 ? " - 1" : "");
    return t;
}

/* A usage error: print it, give exit code 2. */
#define usage(...) (cli_error(__VA_ARGS__), GW_EXIT_USAGE)

/* The state behind an open source (cli/fit_stream.h). */
struct cli_stream {
    h5src s;
    gw_design *proto;
    char *text2;
    const char *fe_names[MAXG], *cl_names[2];
    size_t fe_levels[MAXG], cl_levels[2];
};

void cli_stream_close(cli_stream *cs)
{
    if (cs == NULL)
        return;
    gw_design_free(cs->proto);
    gw_free(cs->text2);
    h5src_free(&cs->s);
    gw_free(cs);
}

/* The columns of the in-core fit (response, regressors, weights) into s->names. */
static int frame_names(h5src *s, const gw_formula *f, const gw_frame_opts *fo)
{
    if (!add_name(s, gw_formula_response(f)->var))
        return 0;
    for (size_t t = 0; t < gw_formula_nterms(f); t++) {
        const gw_formula_term *term = gw_formula_term_at(f, t);
        for (size_t q = 0; q < term->nfactors; q++)
            if (!add_name(s, term->factors[q].var))
                return 0;
    }
    return fo->weights == NULL || add_name(s, fo->weights);
}

int cli_stream_open(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                    const gw_ols_opts *oo, cli_stream **out, gw_stream_source *srcp)
{
    gw_status st;
    gw_table *one = NULL;
    int rc = GW_EXIT_OK;
    *out = NULL;
    cli_stream *cs = gw_calloc(1, sizeof *cs);
    if (cs == NULL) {
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    h5src *sp = &cs->s;
    if ((st = gw_h5stream_open(a->data, a->table, &sp->h)) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(st);
        goto done;
    }
    sp->nrows = gw_h5stream_nrows(sp->h);
    const size_t nfe = gw_formula_nfe(f);
    size_t ncl = 0;
    while (ncl < GW_FRAME_MAX_CLUSTER && fo->cluster[ncl] != NULL)
        ncl++;
    if (!frame_names(sp, f, fo))
        goto nomem;
    /* Streaming is required: refuse what it cannot do. */
    rc = GW_EXIT_USAGE;
    if (a->estimator != NULL && strcmp(a->estimator, "ols") != 0) {
        rc = usage("--estimator %s cannot run out of core (only ols); raise --memory-limit",
                   a->estimator);
        goto done;
    }
    if (gw_formula_has_iv(f)) {
        rc = usage("%s", "instrumental variables cannot run out of core; raise --memory-limit");
        goto done;
    }
    if (a->panel != NULL || a->hausman || a->save_residuals) {
        rc = usage("%s cannot be used out of core; raise --memory-limit",
                   a->panel != NULL ? "--panel"
                   : a->hausman     ? "--hausman"
                                    : "--save-residuals");
        goto done;
    }
    if (a->vcov != NULL && (strncmp(a->vcov, "dk", 2) == 0 || strncmp(a->vcov, "nw", 2) == 0)) {
        rc = usage("--vcov %s cannot run out of core; raise --memory-limit", a->vcov);
        goto done;
    }
    if (nfe + ncl > MAXG || nfe > MAXG) {
        rc = usage("%s", "too many fixed effects and cluster variables for an out-of-core fit");
        goto done;
    }
    if ((oo->vcov == GW_VCOV_HC2 || oo->vcov == GW_VCOV_HC3) && nfe > 1) {
        rc = usage("--vcov %s with two or more absorbed fixed effects is not available (use hc1 "
                   "or cluster)",
                   a->vcov);
        goto done;
    }
    for (size_t t = 0; t < gw_formula_nterms(f); t++) {
        const gw_formula_term *term = gw_formula_term_at(f, t);
        for (size_t q = 0; q < term->nfactors; q++) {
            ptrdiff_t j = gw_h5stream_find(sp->h, term->factors[q].var);
            if (term->factors[q].kind == GW_FF_FACTOR ||
                (j >= 0 && gw_h5stream_coltype(sp->h, (size_t)j) == GW_COL_CATEGORICAL)) {
                rc = usage("categorical regressor '%s' cannot be used out of core yet (recode it "
                           "as numeric dummies, or raise --memory-limit)",
                           term->name);
                goto done;
            }
        }
    }

    /* Frame columns (numeric) and grouping variables (codes). */
    rc = GW_EXIT_DATA;
    if ((sp->cidx = gw_calloc(sp->ncols + 1, sizeof *sp->cidx)) == NULL)
        goto nomem;
    for (size_t j = 0; j < sp->ncols; j++)
        sp->cidx[j] = gw_h5stream_find(sp->h, sp->names[j]);
    sp->nfe = nfe;
    sp->ng = nfe + ncl;
    for (size_t g = 0; g < sp->ng; g++) {
        const char *name = g < nfe ? gw_formula_fe(f, g) : fo->cluster[g - nfe];
        ptrdiff_t j = gw_h5stream_find(sp->h, name);
        if (j < 0) {
            cli_error("unknown %s variable '%s' (not in %s)", g < nfe ? "fixed-effect" : "cluster",
                      name, a->data);
            rc = GW_EXIT_USAGE;
            goto done;
        }
        sp->gidx[g] = j;
        sp->gcat[g] = gw_h5stream_coltype(sp->h, (size_t)j) == GW_COL_CATEGORICAL;
        if (g < nfe)
            cs->fe_names[g] = name;
        else
            cs->cl_names[g - nfe] = name;
    }
    if ((sp->state = gw_alloc_array(CHUNK_ROWS, 1)) == NULL ||
        (sp->tmp = gw_alloc_array(CHUNK_ROWS, sizeof(double))) == NULL)
        goto nomem;
    for (size_t g = 0; g < sp->ng; g++)
        if ((sp->gc[g] = gw_alloc_array(CHUNK_ROWS, sizeof(int32_t))) == NULL)
            goto nomem;
    /* Numeric grouping variables: one read of the column maps its values to codes. */
    for (size_t g = 0; g < sp->ng; g++) {
        if (sp->gcat[g]) {
            sp->glevels[g] = gw_h5stream_nlevels(sp->h, (size_t)sp->gidx[g]);
            continue;
        }
        for (size_t c0 = 0; c0 < sp->nrows; c0 += CHUNK_ROWS) {
            size_t c1 = c0 + CHUNK_ROWS < sp->nrows ? c0 + CHUNK_ROWS : sp->nrows;
            if ((st = gw_h5stream_read_f64(sp->h, (size_t)sp->gidx[g], c0, c1, sp->tmp)) != GW_OK) {
                cli_error("%s", gw_last_error());
                rc = cli_exit_code(st);
                goto done;
            }
            for (size_t i = 0; i < c1 - c0; i++)
                if (vmap_code(&sp->gmap[g], sp->tmp[i], 1) == -2)
                    goto nomem;
        }
        sp->glevels[g] = sp->gmap[g].count;
    }
    for (size_t g = 0; g < sp->ng; g++) {
        if (sp->glevels[g] == 0) {
            cli_error("no observations: %s has no values",
                      g < nfe ? cs->fe_names[g] : cs->cl_names[g - nfe]);
            rc = GW_EXIT_NUMERIC;
            goto done;
        }
        if (g < nfe)
            cs->fe_levels[g] = sp->glevels[g];
        else
            cs->cl_levels[g - nfe] = sp->glevels[g];
    }

    /* The frame of the regressors alone; its shape from a one-row table of ones (every
     * transform is defined at 1), which also reports unknown variables with a caret. */
    if ((cs->text2 = formula_without_fe(gw_formula_text(f), nfe)) == NULL)
        goto nomem;
    if ((st = gw_formula_parse(cs->text2, &sp->f2)) != GW_OK) {
        cli_error("bad --model: %s", gw_last_error());
        rc = GW_EXIT_USAGE;
        goto done;
    }
    sp->fo2.weights = fo->weights;
    sp->wname = fo->weights;
    if ((st = gw_table_new(1, &one)) != GW_OK)
        goto nomem;
    for (size_t j = 0; j < sp->ncols; j++) {
        if (sp->cidx[j] < 0)
            continue; /* the frame names it */
        double *v = gw_alloc_array(1, sizeof *v);
        if (v == NULL)
            goto nomem;
        v[0] = 1.0;
        if (gw_table_add_numeric_take(one, sp->names[j], v) != GW_OK)
            goto nomem;
    }
    if ((st = gw_frame_build(one, sp->f2, &sp->fo2, &cs->proto)) != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(st);
        goto done;
    }
    if (cs->proto->p == 0) {
        cli_error("the model has no regressors (\"%s\"): nothing to estimate", a->model);
        rc = GW_EXIT_USAGE;
        goto done;
    }

    gw_stream_source src;
    memset(&src, 0, sizeof src);
    src.nrows = sp->nrows;
    src.p = cs->proto->p;
    src.terms = (const char *const *)cs->proto->terms;
    src.response = cs->proto->response;
    src.has_intercept = cs->proto->has_intercept;
    src.weighted = fo->weights != NULL;
    src.nfe = nfe;
    src.fe_names = cs->fe_names;
    src.fe_levels = cs->fe_levels;
    src.ncluster = ncl;
    src.cluster_names = cs->cl_names;
    src.cluster_levels = cs->cl_levels;
    src.read = h5src_read;
    src.ctx = sp;
    *srcp = src;
    *out = cs;
    cs = NULL;
    rc = GW_EXIT_OK;
    goto done;
nomem:
    cli_error("out of memory");
    rc = GW_EXIT_OTHER;
done:
    gw_table_free(one);
    cli_stream_close(cs);
    return rc;
}

int cli_fit_stream(const fit_args *a, const gw_formula *f, const gw_frame_opts *fo,
                   const gw_ols_opts *oo, int *handled, gw_result **out)
{
    h5src s;
    gw_status st;
    cli_stream *cs = NULL;
    int rc = GW_EXIT_OK;
    memset(&s, 0, sizeof s);
    *handled = 0;
    *out = NULL;
    if (a->memory_limit == NULL)
        return GW_EXIT_OK;
    double limit = 0.0;
    if (!cli_parse_memory_size(a->memory_limit, &limit))
        return usage("bad --memory-limit '%s' (expected a size in bytes, e.g. 512M or 4G)",
                     a->memory_limit);
    if (a->scratch != NULL) {
        struct stat sb;
        if (stat(a->scratch, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return usage("--scratch '%s' is not a directory", a->scratch);
    }
    const int h5 = has_ext(a->data, ".h5") || has_ext(a->data, ".hdf5") || has_ext(a->data, ".he5");
    if (!h5) {
        /* A CSV is parsed whole: about three times its size in memory, as a table and a design. */
        struct stat sb;
        if (stat(a->data, &sb) == 0 && 3.0 * (double)sb.st_size > limit) {
            cli_error("%s needs about %.0f MiB in memory, more than --memory-limit %s; CSV files "
                      "are not streamed: convert it first (goodwork convert %s DATA.h5) and fit "
                      "the .h5 table",
                      a->data, 3.0 * (double)sb.st_size / 1048576.0, a->memory_limit, a->data);
            return GW_EXIT_USAGE;
        }
        return GW_EXIT_OK;
    }
    if ((st = gw_h5stream_open(a->data, a->table, &s.h)) != GW_OK) {
        cli_error("%s", gw_last_error());
        return cli_exit_code(st);
    }
    size_t ncl = 0;
    while (ncl < GW_FRAME_MAX_CLUSTER && fo->cluster[ncl] != NULL)
        ncl++;
    if (!frame_names(&s, f, fo)) {
        h5src_free(&s);
        cli_error("out of memory");
        return GW_EXIT_OTHER;
    }
    const double est =
        (double)gw_h5stream_nrows(s.h) * (double)(s.ncols + gw_formula_nfe(f) + ncl) * 8.0 * 3.0;
    h5src_free(&s);
    if (est <= limit)
        return GW_EXIT_OK; /* fits in memory: the in-core path follows */
    gw_stream_source src;
    if ((rc = cli_stream_open(a, f, fo, oo, &cs, &src)) != GW_EXIT_OK)
        return rc;
    st = gw_stream_fit(&src, oo, NULL, out);
    if (st != GW_OK) {
        cli_error("%s", gw_last_error());
        rc = cli_exit_code(st);
        goto done;
    }
    if ((*out)->k == 0) {
        cli_error("no estimable coefficient: every regressor is exactly collinear");
        gw_result_free(*out);
        *out = NULL;
        rc = GW_EXIT_NUMERIC;
        goto done;
    }
    *handled = 1;
done:
    cli_stream_close(cs);
    return rc;
}
