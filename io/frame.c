/* frame.c -- the model frame builder (what it produces is specified in gw_frame.h).
 *
 * The build runs in passes, so that every error is found before the large allocation and the
 * only n x p block is the design's X:
 *   1. resolve every variable to a table column and check its type (GW_ENOVAR, GW_EINVAL);
 *   2. one n-byte mask marks the rows to drop (missing values, then zero weights), checking
 *      infinite values and negative weights on the rows that remain;
 *   3. the levels of every grouping column are found over the kept rows;
 *   4. terms are planned: each categorical factor gets its coding (R's contrast rule) and
 *      each term its column count, which gives p;
 *   5. the design is allocated and each term's columns are filled in one sweep over the rows:
 *      a row's levels select its column (mixed radix, first factor fastest) and its numeric
 *      part is computed once (in double-double when a power is involved), so the cost is
 *      O(n) per term whatever the number of levels. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_codes.h"
#include "gw_dd.h"
#include "gw_expr.h"
#include "gw_frame.h"
#include "io_int.h"

/* The levels of a table column used as a grouping (categorical dummies, factor(VAR), fixed
 * effects, clusters, panel id), over the kept rows. */
typedef struct {
    int ready;
    size_t nlev;
    int32_t *map; /* categorical: table code -> level index, or -1 when it does not occur */
    size_t *inv;  /* categorical: level index -> table code */
    double *vals; /* numeric: the distinct kept values, increasing */
    int32_t *kc;  /* numeric: the level of each kept row (gw_codes_from_double) */
    int kc_owned; /* kc is this struct's (else it was handed to a gw_factor, which owns it) */
} levels;

/* One factor of a planned term. */
typedef struct {
    const gw_formula_factor *ff;
    size_t col;          /* table column */
    const double *x;     /* numeric column values, or NULL */
    const int32_t *code; /* categorical column codes, or NULL */
    int cat;             /* expands to dummies */
    int full;            /* cat: 1 = one column per level, 0 = first level dropped */
    levels *lev;         /* cat: the column's levels */
    size_t size, stride; /* cat: columns contributed (L or L - 1); place value in the term */
    /* GW_FF_EXPR: the bound expression; its values and reasons (gw_expr_eval) per table row,
     * computed over the kept rows by fb_expr_values (x then points to the values); the table,
     * for messages. NULL for other kinds. */
    gw_expr_prog *prog;
    double *xv;
    unsigned char *why;
    const gw_table *tab;
    int32_t *lmap;       /* NULL, or level -> dummy (-1: none), for reference levels (owned) */
    size_t *linv;        /* with lmap: dummy -> level (owned)                               */
    double *derived;     /* GW_FF_LAG: the lagged values per table row (owned; x points here) */
} pfactor;

typedef struct {
    const gw_formula_term *t;
    pfactor *f;
    size_t m;
    size_t ncols;
    int dd; /* a power among the factors: the numeric part is carried in double-double */
} pterm;

typedef struct {
    const gw_table *t;
    const gw_formula *f;
    size_t nrows;
    levels *lev;  /* one per table column */
    size_t *rows; /* the kept rows (becomes d->row_index); NULL when every row is kept */
    size_t n;     /* kept rows */
    double seconds_codes; /* spent coding grouping columns (d->seconds_factorise) */
    gw_table *mut;        /* gw_frame_build_consume: the table whose columns are released */
    size_t *uses;         /* with mut: per table column, the fills that still read it */
    pfactor **lagf;       /* the nlag factors l(), f(), d(): their NaNs are missing values */
    size_t nlag;
    const gw_poly_coefs *poly_in; /* gw_frame_opts.poly: stored constants of poly() terms */
    size_t npoly_in;
    gw_design *d;                 /* being filled: fill_poly records poly()'s constants in it */
} frame;

/* The table row of kept row i. */
static inline size_t row_at(const frame *fr, size_t i)
{
    return fr->rows != NULL ? fr->rows[i] : i;
}

/* One fill that read column col is done: with gw_frame_build_consume, the column's values go
 * as soon as no later fill reads them, so the table and the design never both hold it. */
static void use_done(frame *fr, size_t col)
{
    if (fr->mut != NULL && fr->uses[col] > 0 && --fr->uses[col] == 0)
        gwi_table_release(fr->mut, col);
}

/* The table columns factor pf reads besides pf->col (its expression's other variables):
 * *n of them at the returned pointer. */
static const size_t *expr_cols(const pfactor *pf, size_t *n)
{
    *n = pf->prog != NULL ? gw_expr_prog_ncols(pf->prog) - 1 : 0;
    return pf->prog != NULL ? gw_expr_prog_cols(pf->prog) + 1 : NULL;
}

/* use_done for the columns of expression factor pf besides pf->col. */
static void expr_done(frame *fr, const pfactor *pf)
{
    size_t ne;
    const size_t *ec = expr_cols(pf, &ne);
    for (size_t e = 0; e < ne; e++)
        use_done(fr, ec[e]);
}

/* ---------------------------------------------------------------------------------------- */
/* Small helpers                                                                             */

/* The shortest decimal text of v that reads back to v (level names and error messages), in
 * the style of Python's repr: the fewest significant digits that round-trip, written in fixed
 * notation when the decimal exponent is in [-4, 16) ("2011", "0.25", "-1") and in scientific
 * notation otherwise ("1e+21", "1.5e-07"). buf needs 32 bytes. */
static void fmt_shortest(double v, char *buf, size_t size) { gwi_fmt_shortest(v, buf, size); }

/* The level of kept row i (table row r) of grouping column col. */
static int32_t level_of(const frame *fr, size_t col, size_t i, size_t r)
{
    const levels *L = &fr->lev[col];
    const int32_t *codes = gw_table_codes(fr->t, col);
    return codes != NULL ? L->map[codes[r]] : L->kc[i];
}

/* Finds the levels of column col over the kept rows (once per column). */
static gw_status make_levels(frame *fr, size_t col)
{
    levels *L = &fr->lev[col];
    if (L->ready)
        return GW_OK;
    const int32_t *codes = gw_table_codes(fr->t, col);
    if (codes != NULL) {
        size_t nl = gw_table_nlevels(fr->t, col);
        L->map = gw_alloc_array(nl ? nl : 1, sizeof *L->map);
        if (L->map == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the levels of '%s'",
                            gw_table_colname(fr->t, col));
        double t0 = gwi_seconds();
        int32_t *map = L->map;
        for (size_t l = 0; l < nl; l++)
            map[l] = -1;
        /* One thread: two threads writing the same lines of map made this 5x slower. */
        for (size_t i = 0; i < fr->n; i++)
            map[codes[row_at(fr, i)]] = 0;
        for (size_t l = 0; l < nl; l++)
            if (map[l] == 0)
                map[l] = (int32_t)L->nlev++;
        fr->seconds_codes += gwi_seconds() - t0;
        L->inv = gw_alloc_array(L->nlev ? L->nlev : 1, sizeof *L->inv);
        if (L->inv == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the levels of '%s'",
                            gw_table_colname(fr->t, col));
        for (size_t l = 0; l < nl; l++)
            if (L->map[l] >= 0)
                L->inv[L->map[l]] = l;
    } else {
        /* -0 and +0 are one level, named "0"; O(n) (gw_codes.h), no sort of the n values. */
        double t0 = gwi_seconds();
        L->kc = gw_alloc_array(fr->n ? fr->n : 1, sizeof *L->kc);
        if (L->kc == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the codes of '%s'",
                            gw_table_colname(fr->t, col));
        L->kc_owned = 1;
        gw_status rc = gw_codes_from_double(gw_table_numeric(fr->t, col), fr->rows, fr->n, L->kc,
                                            &L->vals, &L->nlev);
        fr->seconds_codes += gwi_seconds() - t0;
        if (rc == GW_EINVAL)
            return gwi_fail(GW_EINVAL, "'%s' has more than 2^31 distinct values",
                            gw_table_colname(fr->t, col));
        if (rc != GW_OK)
            return gwi_fail(rc, "cannot code the values of '%s'", gw_table_colname(fr->t, col));
    }
    L->ready = 1;
    return GW_OK;
}

/* Looks up a variable of the formula; GW_ENOVAR with a caret under it when absent. */
static gw_status find_formula_var(const frame *fr, const char *name, size_t pos, size_t *col)
{
    ptrdiff_t j = gw_table_find(fr->t, name);
    if (j < 0) {
        char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
        gw_formula_caret(fr->f, pos, caret, sizeof caret);
        return gwi_fail(GW_ENOVAR, "unknown variable '%.200s' in the formula\n%s", name, caret);
    }
    *col = (size_t)j;
    return GW_OK;
}

static gw_status find_option_var(const frame *fr, const char *name, const char *what, size_t *col)
{
    ptrdiff_t j = gw_table_find(fr->t, name);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown %s variable '%.200s'", what, name);
    *col = (size_t)j;
    return GW_OK;
}

/* Resolves a factor with arithmetic inside: binds its expression to the table (unknown
 * variables GW_ENOVAR, categorical ones in arithmetic GW_EINVAL, each with a caret in the
 * formula); col is its first variable's column (the others: expr_cols). */
static gw_status resolve_expr(const frame *fr, const gw_formula_factor *ff, pfactor *pf)
{
    gw_status rc = gw_expr_bind(ff->expr, fr->t, &pf->prog);
    if (rc != GW_OK)
        return rc;
    pf->ff = ff;
    pf->col = gw_expr_prog_cols(pf->prog)[0];
    pf->tab = fr->t;
    return GW_OK;
}

/* Resolves a factor: its column and whether it expands to dummies; a categorical column
 * where a number is needed is GW_EINVAL. */
static gw_status resolve_factor(frame *fr, const gw_formula_factor *ff, int response, pfactor *pf)
{
    if (ff->kind == GW_FF_EXPR)
        return resolve_expr(fr, ff, pf);
    gw_status rc = find_formula_var(fr, ff->var, ff->pos, &pf->col);
    if (rc != GW_OK)
        return rc;
    pf->ff = ff;
    pf->x = gw_table_numeric(fr->t, pf->col);
    pf->code = gw_table_codes(fr->t, pf->col);
    int categorical = gw_table_coltype(fr->t, pf->col) == GW_COL_CATEGORICAL;
    if (categorical && response)
        return gwi_fail(GW_EINVAL,
                        "the response '%.200s' is categorical; a numeric response "
                        "is needed",
                        ff->var);
    int takes_cat = ff->kind == GW_FF_VAR || ff->kind == GW_FF_FACTOR || ff->kind == GW_FF_I ||
                    ff->kind == GW_FF_I_BY;
    if (categorical && !takes_cat)
        return gwi_fail(GW_EINVAL, "'%.200s': '%.200s' is categorical, a number is needed",
                        ff->name, ff->var);
    pf->cat = ff->kind == GW_FF_FACTOR || ff->kind == GW_FF_I ||
              ((ff->kind == GW_FF_VAR || ff->kind == GW_FF_I_BY) && categorical);
    return GW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Coding of categorical factors (R's model.matrix rule; see gw_frame.h)                      */

static int term_has(const pterm *t, const char *name)
{
    for (size_t j = 0; j < t->m; j++)
        if (strcmp(t->f[j].ff->name, name) == 0)
            return 1;
    return 0;
}

/* 1 when term s contains every factor of term t other than factor skip. */
static int contains_margin(const pterm *s, const pterm *t, size_t skip)
{
    for (size_t j = 0; j < t->m; j++)
        if (j != skip && !term_has(s, t->f[j].ff->name))
            return 0;
    return 1;
}

/* Sets the coding of every categorical factor of the model's terms (model[0..nm), in formula
 * order), following R's TermCode: in the terms sorted stably by degree, a factor is coded by
 * contrasts when the rest of its term is empty or contained in an earlier term, and by
 * indicators otherwise; without a constant (no intercept, no absorbed effects) the first
 * categorical factor of the first such term gets indicators. `order` is scratch of nm. */
static void decide_coding(pterm **model, size_t nm, int spans_constant, size_t *order)
{
    size_t k = 0, maxdeg = 0;
    for (size_t j = 0; j < nm; j++)
        maxdeg = model[j]->m > maxdeg ? model[j]->m : maxdeg;
    for (size_t deg = 1; deg <= maxdeg; deg++)
        for (size_t j = 0; j < nm; j++)
            if (model[j]->m == deg)
                order[k++] = j;
    for (size_t s = 0; s < nm; s++) {
        pterm *t = model[order[s]];
        for (size_t j = 0; j < t->m; j++) {
            if (!t->f[j].cat)
                continue;
            int spanned = t->m == 1;
            for (size_t e = 0; e < s && !spanned; e++)
                spanned = contains_margin(model[order[e]], t, j);
            t->f[j].full = !spanned;
        }
    }
    if (!spans_constant) {
        for (size_t s = 0; s < nm; s++) {
            pterm *t = model[order[s]];
            for (size_t j = 0; j < t->m; j++)
                if (t->f[j].cat) {
                    t->f[j].full = 1;
                    return;
                }
        }
    }
}

/* Column count and place values of a term once its coding is known; GW_ENOMEM when the
 * count does not fit in size_t (factor(a):factor(b):... with millions of levels each). */
static gw_status size_term(pterm *t)
{
    size_t nc = 1;
    t->dd = 0;
    for (size_t j = 0; j < t->m; j++) {
        pfactor *pf = &t->f[j];
        t->dd |= pf->ff->kind == GW_FF_POWER || pf->ff->kind == GW_FF_I_POWER ||
                 (pf->ff->kind == GW_FF_POLY && pf->ff->raw);
        if (pf->ff->kind == GW_FF_POLY) /* alone in its term (the parser sees to it) */
            nc = pf->ff->exponent;
        if (!pf->cat)
            continue;
        size_t L = pf->lev->nlev;
        pf->size = pf->lmap != NULL ? pf->size : pf->full ? L : (L > 0 ? L - 1 : 0);
        pf->stride = nc;
        if (pf->size != 0 && nc > SIZE_MAX / pf->size)
            return gwi_fail(GW_ENOMEM, "the term '%.200s' has too many columns", t->t->name);
        nc *= pf->size;
    }
    t->ncols = nc;
    return GW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* The calls of issue 19: poly(), factor(x, ref = v), i(), l(), f(), d()                     */

static void free_calls(pfactor *pf)
{
    gw_free(pf->lmap);
    gw_free(pf->linv);
    gw_free(pf->derived);
    pf->lmap = NULL;
    pf->linv = NULL;
    pf->derived = NULL;
}

/* The level of pf's column that reference ref names (by its text for a categorical column, by
 * its value for a numeric one); GW_EINVAL with a caret under it when no kept row has it. */
static gw_status find_ref(const frame *fr, const pfactor *pf, const gw_formula_ref *ref,
                          size_t *lev)
{
    const levels *L = pf->lev;
    char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
    gw_formula_caret(fr->f, ref->pos, caret, sizeof caret);
    if (pf->code == NULL && ref->is_str)
        return gwi_fail(GW_EINVAL,
                        "the reference level \"%.200s\" of %.200s is a string, but '%.200s' is "
                        "numeric\n%s",
                        ref->text, pf->ff->name, pf->ff->var, caret);
    double v = pf->code == NULL ? strtod(ref->text, NULL) : 0.0;
    for (size_t l = 0; l < L->nlev; l++) {
        int hit = pf->code != NULL
                      ? strcmp(gw_table_level(fr->t, pf->col, L->inv[l]), ref->text) == 0
                      : L->vals[l] == v;
        if (hit) {
            *lev = l;
            return GW_OK;
        }
    }
    return gwi_fail(
        GW_EINVAL, "the reference level %s%.200s%s of %.200s does not occur in the rows used\n%s",
        ref->is_str ? "\"" : "", ref->text, ref->is_str ? "\"" : "", pf->ff->name, caret);
}

/* The coding of a categorical factor with reference levels: i() drops exactly its references
 * (fixest: no contrast rule), factor(x, ref = v) drops v where R's rule drops a level (full ==
 * 0) and nothing otherwise; a categorical by of i(x, by) keeps every level. */
static gw_status code_refs(const frame *fr, pfactor *pf)
{
    const gw_formula_factor *ff = pf->ff;
    int is_i = ff->kind == GW_FF_I;
    if (ff->kind == GW_FF_I_BY || is_i)
        pf->full = 1;
    if (ff->nref == 0 || !pf->cat)
        return GW_OK;
    size_t nl = pf->lev->nlev, lev = 0;
    if ((pf->lmap = gw_alloc_array(nl ? nl : 1, sizeof *pf->lmap)) == NULL ||
        (pf->linv = gw_alloc_array(nl ? nl : 1, sizeof *pf->linv)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the levels of %s", ff->name);
    for (size_t l = 0; l < nl; l++)
        pf->lmap[l] = 0;
    for (size_t k = 0; k < ff->nref; k++) {
        gw_status rc = find_ref(fr, pf, &ff->refs[k], &lev);
        if (rc != GW_OK)
            return rc;
        pf->lmap[lev] = -1;
    }
    if (!is_i && pf->full) { /* every level kept: the reference changes nothing */
        free_calls(pf);
        return GW_OK;
    }
    pf->size = 0;
    for (size_t l = 0; l < nl; l++)
        if (pf->lmap[l] == 0) {
            pf->linv[pf->size] = l;
            pf->lmap[l] = (int32_t)pf->size++;
        }
    return GW_OK;
}

/* The NaNs of the lagged values (a row whose (id, t - k) does not exist) are missing values:
 * marked in drop (1) and counted in *nmiss like those of the table's columns; then an infinite
 * lagged value on a row kept is GW_ENONFINITE. */
static gw_status mark_lagged(const frame *fr, unsigned char *drop, size_t *nmiss)
{
    for (size_t k = 0; k < fr->nlag; k++)
        for (size_t r = 0; r < fr->nrows; r++)
            if (drop[r] == 0 && isnan(fr->lagf[k]->derived[r])) {
                drop[r] = 1;
                ++*nmiss;
            }
    for (size_t k = 0; k < fr->nlag; k++)
        for (size_t r = 0; r < fr->nrows; r++)
            if (drop[r] == 0 && isinf(fr->lagf[k]->derived[r]))
                return gwi_fail(GW_ENONFINITE, "'%.200s' is infinite at row %zu",
                                fr->lagf[k]->ff->name, r + 1);
    return GW_OK;
}

/* The stored constants of the poly() term named term (gw_frame_opts.poly), or NULL. */
static const gw_poly_coefs *poly_stored(const frame *fr, const char *term)
{
    for (size_t i = 0; i < fr->npoly_in; i++)
        if (strcmp(fr->poly_in[i].term, term) == 0)
            return &fr->poly_in[i];
    return NULL;
}

/* Orthogonal poly() with stored constants c (R's predict.poly): Z_0 = 1, Z_1 = x - alpha_0,
 * Z_j = (x - alpha_{j-1}) Z_{j-1} - (norm2_j / norm2_{j-1}) Z_{j-2}, column j Z_j /
 * sqrt(norm2_{j+1}): the fit's basis at the kept rows' x, whatever rows these are. */
static gw_status poly_from_coefs(const frame *fr, const pfactor *pf, const gw_poly_coefs *c,
                                 double *dst, size_t ld)
{
    const unsigned d = pf->ff->exponent;
    if (c->degree != d)
        return gwi_fail(GW_EINVAL, "%.200s: the stored constants are of degree %u, not %u",
                        pf->ff->name, c->degree, d);
    for (size_t i = 0; i < fr->n; i++) {
        double x = pf->x[row_at(fr, i)], zpp = 1.0, zp = x - c->alpha[0];
        dst[i] = zp;
        for (unsigned j = 2; j <= d; j++) {
            double z = (x - c->alpha[j - 1]) * zp - (c->norm2[j] / c->norm2[j - 1]) * zpp;
            dst[(size_t)(j - 1) * ld + i] = z;
            zpp = zp;
            zp = z;
        }
    }
    for (unsigned j = 1; j <= d; j++) {
        double sc = 1.0 / sqrt(c->norm2[j + 1]);
        for (size_t i = 0; i < fr->n; i++)
            dst[(size_t)(j - 1) * ld + i] *= sc;
    }
    return GW_OK;
}

/* Records the constants of poly() term name in the design (once per name). alpha, norm2:
 * borrowed, d and d + 2 values. */
static gw_status poly_record(const frame *fr, const char *name, unsigned d, const double *alpha,
                             const double *norm2)
{
    gw_design *D = fr->d;
    for (size_t i = 0; i < D->npoly; i++)
        if (strcmp(D->poly[i].term, name) == 0)
            return GW_OK;
    gw_poly_coefs c = {(char *)(uintptr_t)name, d, (double *)(uintptr_t)alpha,
                       (double *)(uintptr_t)norm2},
                  *copy = NULL;
    gw_poly_coefs *v = gw_realloc(D->poly, (D->npoly + 1) * sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate poly()'s constants");
    D->poly = v;
    gw_status rc = gw_poly_coefs_copy(&c, 1, &copy);
    if (rc != GW_OK)
        return rc;
    D->poly[D->npoly++] = copy[0];
    gw_free(copy);
    return GW_OK;
}

/* poly(x, d): the d columns over the kept rows, orthogonal as R's poly() (gwi_poly_ortho), or
 * with raw = TRUE the powers x, ..., x^d in double-double (low parts in dstlo when not NULL).
 * With stored constants for the term (a prediction), the fit's polynomials instead. */
static gw_status fill_poly(const frame *fr, const pfactor *pf, double *dst, double *dstlo,
                           size_t ld)
{
    const size_t n = fr->n;
    const unsigned d = pf->ff->exponent;
    if (pf->ff->raw) {
        for (unsigned c = 0; c < d; c++)
            for (size_t i = 0; i < n; i++) {
                size_t r = row_at(fr, i);
                gw_dd v = gw_dd_pow_d(pf->x[r], c + 1);
                if (!isfinite(v.hi) || !isfinite(v.lo)) {
                    char num[32];
                    fmt_shortest(pf->x[r], num, sizeof num);
                    return gwi_fail(GW_EFORMAT, "%.200s overflows at row %zu (%.200s = %s)",
                                    pf->ff->name, r + 1, pf->ff->var, num);
                }
                dst[c * ld + i] = v.hi;
                if (dstlo != NULL)
                    dstlo[c * ld + i] = v.lo;
            }
        return GW_OK;
    }
    const gw_poly_coefs *stored = poly_stored(fr, pf->ff->name);
    if (stored != NULL)
        return poly_from_coefs(fr, pf, stored, dst, ld);
    double *x = gw_alloc_array(n + 2 * (size_t)d + 2, sizeof *x);
    if (x == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate poly()'s values of %zu rows", n);
    for (size_t i = 0; i < n; i++)
        x[i] = pf->x[row_at(fr, i)];
    gw_status rc = gwi_poly_ortho(x, n, d, dst, ld, x + n, x + n + d);
    if (rc == GW_OK && fr->d != NULL)
        rc = poly_record(fr, pf->ff->name, d, x + n, x + n + d);
    gw_free(x);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Values                                                                                    */

/* GW_EFORMAT for expression factor pf at table row r: "log(x+1) is undefined at row R (x = -2)",
 * with the value of every variable the expression reads. */
static gw_status expr_value_error(const pfactor *pf, size_t r)
{
    char vals[512], num[32];
    size_t o = 0, nc = gw_expr_prog_ncols(pf->prog);
    const size_t *cols = gw_expr_prog_cols(pf->prog);
    vals[0] = '\0';
    for (size_t k = 0; k < nc && o < sizeof vals; k++) {
        const double *x = gw_table_numeric(pf->tab, cols[k]);
        const int32_t *c = gw_table_codes(pf->tab, cols[k]);
        const char *v = num;
        if (x != NULL)
            fmt_shortest(x[r], num, sizeof num);
        else
            v = c != NULL && c[r] >= 0 ? gw_table_level(pf->tab, cols[k], (size_t)c[r]) : "NA";
        int w = snprintf(vals + o, sizeof vals - o, "%s%.100s = %.100s", k ? ", " : "",
                         gw_table_colname(pf->tab, cols[k]), v);
        o += w > 0 ? (size_t)w : 0;
    }
    const char *why = gw_expr_why_text(pf->why[r]);
    return gwi_fail(GW_EFORMAT, "%.200s %s at row %zu (%s)", pf->ff->name,
                    why[0] != '\0' ? why : "is undefined", r + 1, vals);
}

/* The value of numeric factor pf at table row r as a double-double (exact low part for
 * powers, zero otherwise); a value outside the transform's domain or an overflow is
 * GW_EFORMAT. */
static gw_status factor_value(const pfactor *pf, size_t r, gw_dd *v)
{
    const gw_formula_factor *ff = pf->ff;
    double x = pf->x[r], y = x;
    const char *bad = NULL;
    switch (ff->kind) {
    case GW_FF_POWER:
    case GW_FF_I_POWER:
        *v = gw_dd_pow_d(x, ff->exponent);
        if (!isfinite(v->hi) || !isfinite(v->lo))
            bad = "overflows";
        break;
    case GW_FF_FUNC:
        switch (ff->func) {
        case GW_FN_LOG:
            if (!(x > 0.0))
                bad = "is undefined";
            else
                y = log(x);
            break;
        case GW_FN_SQRT:
            if (x < 0.0)
                bad = "is undefined";
            else
                y = sqrt(x);
            break;
        case GW_FN_EXP:
            y = exp(x);
            if (!isfinite(y))
                bad = "overflows";
            break;
        default:
            y = fabs(x);
            break;
        }
        *v = gw_dd_from(y);
        break;
    case GW_FF_EXPR:
        if (pf->why[r] != GW_EXPR_OK || !isfinite(x))
            return expr_value_error(pf, r);
        *v = gw_dd_from(x);
        break;
    default:
        *v = gw_dd_from(x);
        break;
    }
    if (bad != NULL) {
        char num[32];
        fmt_shortest(x, num, sizeof num);
        return gwi_fail(GW_EFORMAT, "%.200s %s at row %zu (%.200s = %s)", ff->name, bad, r + 1,
                        ff->var, num);
    }
    return GW_OK;
}

/* Rows per block of the parallel fills: large enough that a block's overhead is nothing, small
 * enough that two threads share the work evenly. */
#define FILL_ROWS ((size_t)65536)

typedef gw_status (*rows_fn)(const void *ctx, size_t i0, size_t i1);

/* Runs fn over the kept rows [0, n) in blocks on the library's threads. A failing block's
 * message is set on a worker thread; the first failing block (in row order) is run again here
 * so that this thread reports the first offending row, exactly as a serial sweep would. */
static gw_status run_blocks(const void *ctx, rows_fn fn, size_t n)
{
    size_t nb = (n + FILL_ROWS - 1) / FILL_ROWS, bad = SIZE_MAX;
    if (nb < 2)
        return fn(ctx, 0, n);
#pragma omp parallel for schedule(dynamic)
    for (size_t b = 0; b < nb; b++) {
        size_t i1 = (b + 1) * FILL_ROWS < n ? (b + 1) * FILL_ROWS : n;
        if (fn(ctx, b * FILL_ROWS, i1) != GW_OK) {
#pragma omp critical(gw_frame_first_bad)
            bad = b < bad ? b : bad;
        }
    }
    if (bad == SIZE_MAX)
        return GW_OK;
    size_t i1 = (bad + 1) * FILL_ROWS < n ? (bad + 1) * FILL_ROWS : n;
    gw_status rc = fn(ctx, bad * FILL_ROWS, i1);
    return rc != GW_OK ? rc : gwi_fail(GW_EFORMAT, "a value could not be computed");
}

typedef struct {
    const frame *fr;
    const pterm *t;
    double *dst, *dstlo;
    size_t ld;
} term_job;

/* Kept rows [i0, i1) of fill_term. */
static gw_status fill_term_rows(const void *ctx, size_t i0, size_t i1)
{
    const term_job *J = ctx;
    const frame *fr = J->fr;
    const pterm *t = J->t;
    double *dst = J->dst, *dstlo = J->dstlo;
    size_t ld = J->ld;
    if (t->m == 1 && !t->f[0].cat && t->f[0].ff->kind == GW_FF_VAR) {
        const double *x = t->f[0].x; /* a plain variable: finite values checked already */
        if (fr->rows == NULL)
            memcpy(dst + i0, x + i0, (i1 - i0) * sizeof *dst);
        else
            for (size_t i = i0; i < i1; i++)
                dst[i] = x[fr->rows[i]];
        return GW_OK;
    }
    for (size_t i = i0; i < i1; i++) {
        size_t r = row_at(fr, i), off = 0;
        int zero = 0;
        gw_dd v = gw_dd_from(1.0);
        for (size_t j = 0; j < t->m; j++) {
            const pfactor *pf = &t->f[j];
            if (pf->cat) {
                int32_t l = level_of(fr, pf->col, i, r);
                if (pf->lmap != NULL)
                    l = pf->lmap[l];
                else if (!pf->full)
                    l--;
                if (l < 0)
                    zero = 1;
                else
                    off += (size_t)l * pf->stride;
            } else {
                gw_dd x;
                gw_status rc = factor_value(pf, r, &x);
                if (rc != GW_OK)
                    return rc;
                if (t->dd)
                    v = gw_dd_mul(v, x);
                else
                    v.hi *= x.hi;
            }
        }
        if (zero || t->ncols == 0)
            continue;
        if (!isfinite(v.hi) || !isfinite(v.lo))
            return gwi_fail(GW_EFORMAT, "the term '%.200s' overflows at row %zu", t->t->name,
                            r + 1);
        dst[off * ld + i] = v.hi;
        if (dstlo != NULL)
            dstlo[off * ld + i] = v.lo;
    }
    return GW_OK;
}

/* Fills the t->ncols columns of term t: column c of the term is dst + c*ld (and dstlo + c*ld
 * when dstlo is not NULL). Columns of a term with a categorical factor are zeroed here (a row
 * writes one of them); the others are written in full. */
static gw_status fill_term(const frame *fr, const pterm *t, double *dst, double *dstlo, size_t ld)
{
    int cat = 0;
    for (size_t j = 0; j < t->m; j++)
        cat |= t->f[j].cat;
    if (cat || t->ncols == 0) {
        size_t len = t->ncols * ld;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < len; i++)
            dst[i] = 0.0;
    }
    if (t->m == 1 && t->f[0].ff->kind == GW_FF_POLY)
        return fill_poly(fr, &t->f[0], dst, dstlo, ld);
    term_job J = {fr, t, dst, dstlo, ld};
    return run_blocks(&J, fill_term_rows, fr->n);
}

typedef struct {
    const frame *fr;
    const pfactor *resp;
    double *y;
} resp_job;

static gw_status fill_response_rows(const void *ctx, size_t i0, size_t i1)
{
    const resp_job *J = ctx;
    for (size_t i = i0; i < i1; i++) {
        gw_dd v;
        gw_status rc = factor_value(J->resp, row_at(J->fr, i), &v);
        if (rc != GW_OK)
            return rc;
        J->y[i] = gw_dd_to_double(v);
    }
    return GW_OK;
}

/* The name of column c of term t: factor names, "NAME=LEVEL" for categorical ones, joined by
 * ":". Returns a gw_malloc'd string or NULL. */
static char *column_name(const frame *fr, const pterm *t, size_t c)
{
    size_t len = 0;
    char num[32];
    for (int pass = 0; pass < 2; pass++) {
        char *s = pass ? gw_malloc(len + 1) : NULL;
        size_t o = 0;
        if (pass && s == NULL)
            return NULL;
        for (size_t j = 0; j < t->m; j++) {
            const pfactor *pf = &t->f[j];
            const char *parts[4] = {j ? ":" : "", pf->ff->name, "", ""};
            if (pf->ff->kind == GW_FF_POLY) { /* poly(x,2)1, poly(x,2)2: R's names */
                snprintf(num, sizeof num, "%zu", c + 1);
                parts[2] = num;
            }
            if (pf->cat) {
                size_t l = (c / pf->stride) % pf->size;
                l = pf->linv != NULL ? pf->linv[l] : l + (pf->full ? 0 : 1);
                int fx = pf->ff->kind == GW_FF_I || pf->ff->kind == GW_FF_I_BY;
                parts[1] = fx ? pf->ff->var : parts[1]; /* fixest's x::LEVEL */
                parts[2] = fx ? "::" : "=";
                if (pf->code != NULL) {
                    parts[3] = gw_table_level(fr->t, pf->col, fr->lev[pf->col].inv[l]);
                } else {
                    fmt_shortest(fr->lev[pf->col].vals[l], num, sizeof num);
                    parts[3] = num;
                }
            }
            for (int q = 0; q < 4; q++) {
                size_t pl = strlen(parts[q]);
                if (pass)
                    memcpy(s + o, parts[q], pl);
                o += pl;
            }
        }
        if (pass) {
            s[o] = '\0';
            return s;
        }
        len = o;
    }
    return NULL;
}

/* d->level_names: "NAME=LEVEL" for each level of each categorical factor of the main and
 * endogenous terms, each factor name once (gw_frame.h). */
static gw_status fb_level_names(const frame *fr, const pterm *pt, size_t nterm, gw_design *d)
{
    size_t total = 0;
    for (size_t k = 0; k < nterm; k++)
        for (size_t j = 0; j < pt[k].m; j++)
            total += pt[k].f[j].cat ? pt[k].f[j].lev->nlev : 0;
    if (total == 0)
        return GW_OK;
    if ((d->level_names = gw_calloc(total, sizeof *d->level_names)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu level names", total);
    char num[32];
    for (size_t k = 0; k < nterm; k++)
        for (size_t j = 0; j < pt[k].m; j++) {
            const pfactor *pf = &pt[k].f[j];
            int seen = !pf->cat;
            for (size_t e = 0; e <= k && !seen; e++)
                for (size_t i = 0; i < (e < k ? pt[e].m : j) && !seen; i++)
                    seen = pt[e].f[i].cat && strcmp(pt[e].f[i].ff->name, pf->ff->name) == 0;
            for (size_t l = 0; !seen && l < pf->lev->nlev; l++) {
                const char *lv = num;
                if (pf->code != NULL)
                    lv = gw_table_level(fr->t, pf->col, pf->lev->inv[l]);
                else
                    fmt_shortest(pf->lev->vals[l], num, sizeof num);
                size_t len = strlen(pf->ff->name) + strlen(lv) + 2;
                char *s = gw_malloc(len);
                if (s == NULL)
                    return gwi_fail(GW_ENOMEM, "cannot allocate a level name");
                snprintf(s, len, "%s=%s", pf->ff->name, lv);
                d->level_names[d->n_level_names++] = s;
            }
        }
    return GW_OK;
}

/* d->fe_levels: the level names of each absorbed fixed effect (gw_frame_opts.fe_levels). */
static gw_status fb_fe_levels(const frame *fr, const size_t *fecol, gw_design *d)
{
    if ((d->fe_levels = gw_calloc(d->nfe ? d->nfe : 1, sizeof *d->fe_levels)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the fixed effects' level names");
    char num[32];
    for (size_t g = 0; g < d->nfe; g++) {
        const levels *L = &fr->lev[fecol[g]];
        if ((d->fe_levels[g] = gw_calloc(L->nlev ? L->nlev : 1, sizeof(char *))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu level names", L->nlev);
        const int cat = gw_table_coltype(fr->t, fecol[g]) == GW_COL_CATEGORICAL;
        for (size_t l = 0; l < L->nlev; l++) {
            if (!cat)
                fmt_shortest(L->vals[l], num, sizeof num);
            d->fe_levels[g][l] = gw_strdup(cat ? gw_table_level(fr->t, fecol[g], L->inv[l]) : num);
            if (d->fe_levels[g][l] == NULL)
                return gwi_fail(GW_ENOMEM, "cannot allocate a level name");
        }
    }
    return GW_OK;
}

/* A gw_factor (codes over the kept rows) for grouping column col. */
static gw_status make_group(frame *fr, size_t col, gw_factor *g)
{
    gw_status rc = make_levels(fr, col);
    if (rc != GW_OK)
        return rc;
    levels *L = &fr->lev[col];
    g->name = gw_strdup(gw_table_colname(fr->t, col));
    if (L->kc_owned) { /* the codes move to the design; later users read them there */
        g->codes = L->kc;
        L->kc_owned = 0;
    } else if (fr->mut != NULL && fr->uses[col] == 1 && fr->rows == NULL &&
               gw_table_codes(fr->t, col) != NULL &&
               L->nlev == gw_table_nlevels(fr->t, col)) {
        /* Consuming, the last use, every row and every level present: the table's codes are
         * the group codes as they are (the map is the identity), so the design takes them. */
        g->codes = gwi_table_take_codes(fr->mut, col);
        g->nlevels = L->nlev;
        return g->name != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "cannot copy a name");
    } else {
        g->codes = gw_alloc_array(fr->n ? fr->n : 1, sizeof *g->codes);
    }
    if (g->name == NULL || g->codes == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the codes of '%s'",
                        gw_table_colname(fr->t, col));
    if (g->codes != L->kc) { /* a copy: L's codes went to an earlier group, or the map's */
        double t0 = gwi_seconds();
        const int32_t *tc = gw_table_codes(fr->t, col);
        int32_t *gc = g->codes;
        if (tc != NULL) {
#pragma omp parallel for schedule(static)
            for (size_t i = 0; i < fr->n; i++)
                gc[i] = L->map[tc[row_at(fr, i)]];
        } else {
            memcpy(gc, L->kc, fr->n * sizeof *gc);
        }
        fr->seconds_codes += gwi_seconds() - t0;
    }
    g->nlevels = L->nlev;
    return GW_OK;
}

/* The values of numeric column col over the kept rows, as a new array (weights, panel times). */
static gw_status gather_column(frame *fr, size_t col, double **out, const char *what)
{
    const double *x = gw_table_numeric(fr->t, col);
    if ((*out = gw_alloc_array(fr->n ? fr->n : 1, sizeof **out)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the %s", what);
    for (size_t i = 0; i < fr->n; i++)
        (*out)[i] = x[row_at(fr, i)];
    use_done(fr, col);
    return GW_OK;
}

/* The k groupings of columns cols[0..k) (fixed effects, clusters, panel id): *out is NULL when
 * k is 0. On failure *out holds what was made, for gw_design_free. */
static gw_status make_groups(frame *fr, const size_t *cols, size_t k, gw_factor **out,
                             const char *what)
{
    if (k == 0)
        return GW_OK;
    if ((*out = gw_calloc(k, sizeof **out)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the %s", what);
    for (size_t j = 0; j < k; j++) {
        gw_status rc = make_group(fr, cols[j], &(*out)[j]);
        if (rc != GW_OK)
            return rc;
        use_done(fr, cols[j]);
    }
    return GW_OK;
}

/* ---------------------------------------------------------------------------------------- */
/* Rows                                                                                      */

/* Rows per pass of mark_rows: a sub-block of every used column stays in the L2 cache between
 * the missing-value marks and the search for infinite values (one read of the data, not two). */
#define MARK_ROWS ((size_t)2048)

/* Marks rows with a missing value in any used column (drop[r] = 1; rows already left out, drop[r]
 * = 3, stay as they are) and counts them; then finds,
 * for each used column but `skip` (the weights, checked on their own), the first row not dropped
 * with an infinite value: inf[c] (SIZE_MAX when none). Row blocks on the library's threads.
 * Columns that their reader found clean (gwi_table_is_clean) are not read; when all are, drop
 * stays as it is (zeros) and nothing is read at all. */
static size_t mark_rows(const gw_table *t, const unsigned char *used, size_t skip,
                        unsigned char *drop, size_t *inf)
{
    size_t nr = gw_table_nrows(t), ncols = gw_table_ncols(t);
    size_t nb = (nr + MARK_ROWS - 1) / MARK_ROWS, nmiss = 0;
    unsigned char *look = gw_alloc_array(ncols ? ncols : 1, 1);
    int any = 0;
    for (size_t c = 0; c < ncols; c++) {
        inf[c] = SIZE_MAX;
        if (look != NULL)
            look[c] = used[c] && !gwi_table_is_clean(t, c);
        any |= look == NULL || look[c];
    }
    used = look != NULL ? look : used; /* without scratch: every used column is read */
    if (!any)
        nb = 0;
#pragma omp parallel for schedule(static) reduction(+ : nmiss)
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * MARK_ROWS, r1 = r0 + MARK_ROWS < nr ? r0 + MARK_ROWS : nr;
        for (size_t c = 0; c < ncols; c++) {
            if (!used[c])
                continue;
            const double *x = gw_table_numeric(t, c);
            const int32_t *k = gw_table_codes(t, c);
            for (size_t r = r0; r < r1; r++)
                if (drop[r] == 0 && (x != NULL ? isnan(x[r]) : k[r] == GW_CODE_MISSING))
                    drop[r] = 1;
        }
        for (size_t r = r0; r < r1; r++)
            nmiss += drop[r] == 1;
        for (size_t c = 0; c < ncols; c++) {
            const double *x = gw_table_numeric(t, c);
            if (!used[c] || c == skip || x == NULL)
                continue;
            for (size_t r = r0; r < r1; r++)
                if (!drop[r] && isinf(x[r])) {
                    /* the minimum over blocks: a rare event, so a critical section will do */
#pragma omp critical(gw_frame_inf)
                    inf[c] = r < inf[c] ? r : inf[c];
                    break;
                }
        }
    }
    gw_free(look);
    return nmiss;
}

/* The kept rows in increasing order (rows[0..n)): counts per block, then each block writes its
 * own stretch. */
static void kept_rows(const unsigned char *drop, size_t nr, size_t *rows)
{
    size_t nb = (nr + FILL_ROWS - 1) / FILL_ROWS;
    size_t *start = nb < 2 ? NULL : gw_alloc_array(nb, sizeof *start);
    if (start == NULL) { /* one block, or no scratch of nb words: one sweep does the same */
        for (size_t r = 0, i = 0; r < nr; r++)
            if (!drop[r])
                rows[i++] = r;
        return;
    }
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * FILL_ROWS, r1 = r0 + FILL_ROWS < nr ? r0 + FILL_ROWS : nr, c = 0;
        for (size_t r = r0; r < r1; r++)
            c += !drop[r];
        start[b] = c;
    }
    for (size_t b = 0, acc = 0; b < nb; b++) {
        size_t c = start[b];
        start[b] = acc;
        acc += c;
    }
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        size_t r0 = b * FILL_ROWS, r1 = r0 + FILL_ROWS < nr ? r0 + FILL_ROWS : nr, i = start[b];
        for (size_t r = r0; r < r1; r++)
            if (!drop[r])
                rows[i++] = r;
    }
    gw_free(start);
}

/* ---------------------------------------------------------------------------------------- */

/* Step 2 of the build: marks the rows to drop in drop (missing values 1, zero weights 2, left out
 * by keep 3), checks infinite values and negative weights on the rows kept, and sets fr->n and
 * fr->rows (NULL when every row is kept). weights: the weights variable's name, or NULL (then
 * wcol is unused). keep: gw_frame_opts.keep, or NULL. */
static gw_status frame_rows(frame *fr, const unsigned char *used, const char *weights, size_t wcol,
                            const unsigned char *keep, unsigned char *drop, size_t *ndrop)
{
    const gw_table *t = fr->t;
    size_t ncols = gw_table_ncols(t), *nmiss = &ndrop[0], *nzero = &ndrop[1], *nsub = &ndrop[2];
    gw_status rc0;
    *nsub = 0;
    if (keep != NULL)
        for (size_t r = 0; r < fr->nrows; r++)
            if (!keep[r]) {
                drop[r] = 3;
                ++*nsub;
            }
    size_t *inf = gw_alloc_array(ncols ? ncols : 1, sizeof *inf);
    if (inf == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu column marks", ncols);
    *nmiss = mark_rows(t, used, weights != NULL ? wcol : SIZE_MAX, drop, inf);
    *nzero = 0;
    for (size_t c = 0; c < ncols; c++)
        if (inf[c] != SIZE_MAX) {
            gw_status rc = gwi_fail(GW_ENONFINITE, "'%.200s' is infinite at row %zu",
                                    gw_table_colname(t, c), inf[c] + 1);
            gw_free(inf);
            return rc;
        }
    gw_free(inf);
    if (fr->nlag > 0 && (rc0 = mark_lagged(fr, drop, nmiss)) != GW_OK)
        return rc0;
    if (weights != NULL) {
        const double *w = gw_table_numeric(t, wcol);
        for (size_t r = 0; r < fr->nrows; r++) {
            if (drop[r])
                continue;
            if (!(w[r] >= 0.0) || isinf(w[r])) {
                char num[32];
                fmt_shortest(w[r], num, sizeof num);
                return gwi_fail(GW_EINVAL, "weight '%.200s' is %s at row %zu (%.200s = %s)",
                                weights, w[r] < 0.0 ? "negative" : "infinite", r + 1, weights,
                                num);
            }
            if (w[r] == 0.0) {
                drop[r] = 2;
                ++*nzero;
            }
        }
    }
    fr->n = fr->nrows - *nmiss - *nzero - *nsub;
    if (fr->n == 0 && *nsub > 0)
        return gwi_fail(GW_ENODATA,
                        "no observations left: of %zu rows, %zu are outside the subset, %zu have "
                        "a missing value and %zu a zero weight",
                        fr->nrows, *nsub, *nmiss, *nzero);
    if (fr->n == 0)
        return gwi_fail(GW_ENODATA,
                        "no observations left: of %zu rows, %zu have a missing value and %zu a "
                        "zero weight",
                        fr->nrows, *nmiss, *nzero);
    /* Every row kept (the usual large fit): no index at all, row_at(fr, i) is i. */
    if (fr->n < fr->nrows && (fr->rows = gw_alloc_array(fr->n, sizeof *fr->rows)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the row index of %zu rows", fr->n);
    if (fr->rows != NULL)
        kept_rows(drop, fr->nrows, fr->rows);
    return GW_OK;
}

/* Zero copy: with gw_frame_build_consume, when no row is dropped, no column has low parts, each
 * of the nx regressor terms is a plain numeric variable and they are consecutive columns of the
 * table's block in design order (after the block's gap slot when the model has an intercept),
 * and the response is a plain variable in the block too, the design takes the block
 * (gwi_table_block_take) as its X and y: no copy, and no fresh pages for them (page faults were
 * a third of a 10^7-row fit's system time). Returns the block with X's first slot and y's slot,
 * or NULL when the design must be filled as usual. */
static double *adoptable(const frame *fr, const pfactor *resp, const pterm *pt, size_t nx,
                         int intercept, int need_lo, size_t *xslot, size_t *yslot)
{
    size_t s0 = 0, s = 0, sy = 0;
    if (fr->mut == NULL || fr->rows != NULL || need_lo || resp->ff->kind != GW_FF_VAR ||
        resp->cat || gwi_table_block_of(fr->mut, resp->col, &sy) == NULL)
        return NULL;
    if (intercept && !gwi_table_block_gap(fr->mut))
        return NULL;
    for (size_t k = 0; k < nx; k++) {
        const pterm *t = &pt[k];
        if (t->m != 1 || t->f[0].cat || t->f[0].ff->kind != GW_FF_VAR || t->ncols != 1 ||
            gwi_table_block_of(fr->mut, t->f[0].col, &s) == NULL)
            return NULL;
        if (k == 0)
            s0 = s;
        if (s != s0 + k)
            return NULL;
    }
    /* The gap is slot 0, so with an intercept X must start at slot 1; y is not one of X's. */
    if (nx == 0 || (intercept && s0 != 1))
        return NULL;
    size_t first = s0 - (intercept ? 1u : 0u);
    if (sy >= first && sy < s0 + nx)
        return NULL;
    *xslot = first;
    *yslot = sy;
    return gwi_table_block_take(fr->mut);
}

/* The state of one frame_build, shared by its steps (the numbered steps of the file comment):
 * resolve the variables, mark the rows, code the terms, make the design and fill it, then the
 * groups. Everything but the design is released by fb_free; the design only on failure. */
typedef struct {
    frame fr;
    const gw_formula *f;
    const gw_frame_opts *opts;
    gw_design *d;
    unsigned char *drop, *used; /* per row: dropped (1 missing, 2 zero weight); per column */
    pterm *pt, **model;         /* nterm terms (main, endogenous, instruments); coding scratch */
    pfactor *pf, resp;          /* nfac factors of the terms; the response */
    size_t *order;              /* coding scratch */
    size_t nmain, nendog, ninst, nterm, nfac, nfe, ncl, ncols;
    size_t wcol, tcol, idcol, clcol[GW_FRAME_MAX_CLUSTER];
    size_t *fecol; /* nfe */
    int has_w, has_id, has_time, spans;
    size_t ndrop[4]; /* rows dropped for a missing value, a zero weight, by opts.keep, invalid */
    size_t p, q, n_endog;   /* columns of X (intercept included), of Z; endogenous of X */
    int need_lo, intercept; /* some term has low parts; X has an intercept column */
    int adopted;            /* X and y are the table's block (zero copy) */
} fbuild;

/* Releases what expression factor pf holds (NULL-safe fields). */
static void pfactor_free(pfactor *pf)
{
    gw_expr_prog_free(pf->prog);
    gw_free(pf->xv);
    gw_free(pf->why);
}

static void fb_free(fbuild *B)
{
    frame *fr = &B->fr;
    pfactor_free(&B->resp);
    for (size_t k = 0; B->pf != NULL && k < B->nfac; k++)
        pfactor_free(&B->pf[k]);
    if (fr->lev != NULL)
        for (size_t c = 0; c < B->ncols; c++) {
            gw_free(fr->lev[c].map);
            gw_free(fr->lev[c].inv);
            gw_free(fr->lev[c].vals);
            if (fr->lev[c].kc_owned)
                gw_free(fr->lev[c].kc);
        }
    gw_free(fr->lev);
    gw_free(fr->uses);
    gw_free(fr->lagf);
    for (size_t j = 0; B->pf != NULL && j < B->nfac; j++)
        free_calls(&B->pf[j]);
    free_calls(&B->resp);
    gw_free(fr->rows);
    gw_free(B->pt);
    gw_free(B->model);
    gw_free(B->order);
    gw_free(B->pf);
    gw_free(B->fecol);
    gw_free(B->drop);
    gw_free(B->used);
}

/* The formula's term k: main terms, then endogenous, then instruments. */
static const gw_formula_term *fb_term(const fbuild *B, size_t k)
{
    const gw_formula *f = B->f;
    const size_t nmain = B->nmain, nendog = B->nendog;
    return k < nmain            ? gw_formula_term_at(f, k)
           : k < nmain + nendog ? gw_formula_endog(f, k - nmain)
                                : gw_formula_inst(f, k - nmain - nendog);
}

/* The sizes from the formula and the options, and the workspace. */
static gw_status fb_init(fbuild *B)
{
    const gw_formula *f = B->f;
    const gw_frame_opts *opts = B->opts;
    frame *fr = &B->fr;
    B->ncols = gw_table_ncols(fr->t);
    B->nmain = gw_formula_nterms(f);
    B->nendog = gw_formula_nendog(f);
    B->ninst = gw_formula_ninst(f);
    B->nterm = B->nmain + B->nendog + B->ninst;
    B->nfe = gw_formula_nfe(f);
    B->has_w = opts->weights != NULL;
    B->has_id = opts->panel_id != NULL;
    B->has_time = opts->panel_time != NULL;
    B->spans = gw_formula_has_intercept(f) || B->nfe > 0;
    for (size_t k = 0; k < B->nterm; k++)
        B->nfac += fb_term(B, k)->nfactors;
    const size_t ncols = B->ncols, nterm = B->nterm, nfac = B->nfac, nfe = B->nfe;
    fr->lev = gw_calloc(ncols ? ncols : 1, sizeof *fr->lev);
    B->pt = gw_calloc(nterm ? nterm : 1, sizeof *B->pt);
    B->model = gw_calloc(nterm ? nterm : 1, sizeof *B->model);
    B->order = gw_calloc(nterm ? nterm : 1, sizeof *B->order);
    B->pf = gw_calloc(nfac ? nfac : 1, sizeof *B->pf);
    B->fecol = gw_calloc(nfe ? nfe : 1, sizeof *B->fecol);
    B->drop = gw_calloc(fr->nrows ? fr->nrows : 1, 1);
    B->used = gw_calloc(ncols ? ncols : 1, 1);
    if (fr->lev == NULL || B->pt == NULL || B->model == NULL || B->order == NULL || B->pf == NULL ||
        B->fecol == NULL || B->drop == NULL || B->used == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the model frame's workspace");
    return GW_OK;
}

/* 1. Variables and types of the formula: the response, each term's factors, the fixed
 * effects; each column used is marked. */
static gw_status fb_resolve_formula(fbuild *B)
{
    frame *fr = &B->fr;
    const gw_formula *f = B->f;
    gw_status rc;
    size_t ne;
    const size_t *ec;
    if ((rc = resolve_factor(fr, gw_formula_response(f), 1, &B->resp)) != GW_OK)
        return rc;
    B->used[B->resp.col] = gw_formula_response(f)->kind != GW_FF_LAG;
    ec = expr_cols(&B->resp, &ne);
    for (size_t e = 0; e < ne; e++)
        B->used[ec[e]] = 1;
    for (size_t k = 0, o = 0; k < B->nterm; k++) {
        const gw_formula_term *ft = fb_term(B, k);
        pterm *pt = &B->pt[k];
        pt->t = ft;
        pt->f = B->pf + o;
        pt->m = ft->nfactors;
        for (size_t j = 0; j < ft->nfactors; j++, o++) {
            if ((rc = resolve_factor(fr, &ft->factors[j], 0, &B->pf[o])) != GW_OK)
                return rc;
            /* A lag's own missing values are those of its lagged values (mark_lagged): x
             * missing at t does not hide l(x, 1) at t. */
            B->used[B->pf[o].col] |= ft->factors[j].kind != GW_FF_LAG;
            ec = expr_cols(&B->pf[o], &ne);
            for (size_t e = 0; e < ne; e++)
                B->used[ec[e]] = 1;
        }
    }
    for (size_t k = 0; k < B->nfe; k++) {
        if ((rc = find_formula_var(fr, gw_formula_fe(f, k), gw_formula_fe_pos(f, k),
                                   &B->fecol[k])) != GW_OK)
            return rc;
        B->used[B->fecol[k]] = 1;
    }
    return GW_OK;
}

/* 1. Variables and types of the options: weights (numeric), cluster variables (each once),
 * panel id and time (numeric); each column used is marked. */
static gw_status fb_resolve_options(fbuild *B)
{
    frame *fr = &B->fr;
    const gw_table *t = fr->t;
    const gw_frame_opts *opts = B->opts;
    gw_status rc;
    if (B->has_w) {
        if ((rc = find_option_var(fr, opts->weights, "weights", &B->wcol)) != GW_OK)
            return rc;
        if (gw_table_coltype(t, B->wcol) != GW_COL_NUMERIC)
            return gwi_fail(GW_EINVAL,
                            "the weights variable '%.200s' is categorical; weights "
                            "must be numeric",
                            opts->weights);
        B->used[B->wcol] = 1;
    }
    for (size_t k = 0; k < GW_FRAME_MAX_CLUSTER; k++) {
        if (opts->cluster[k] == NULL)
            continue;
        size_t *clcol = B->clcol, ncl = B->ncl;
        if ((rc = find_option_var(fr, opts->cluster[k], "cluster", &clcol[ncl])) != GW_OK)
            return rc;
        for (size_t e = 0; e < ncl; e++)
            if (clcol[e] == clcol[ncl])
                return gwi_fail(GW_EINVAL, "the cluster variable '%.200s' is given twice",
                                opts->cluster[k]);
        B->used[clcol[B->ncl++]] = 1;
    }
    if (B->has_id) {
        if ((rc = find_option_var(fr, opts->panel_id, "panel", &B->idcol)) != GW_OK)
            return rc;
        B->used[B->idcol] = 1;
    }
    if (B->has_time) {
        if ((rc = find_option_var(fr, opts->panel_time, "panel", &B->tcol)) != GW_OK)
            return rc;
        if (gw_table_coltype(t, B->tcol) != GW_COL_NUMERIC)
            return gwi_fail(GW_EINVAL,
                            "the panel time variable '%.200s' is categorical; it must "
                            "be numeric",
                            opts->panel_time);
        B->used[B->tcol] = 1;
    }
    return GW_OK;
}

/* 1b. Lags and leads (after the options: they need the panel): each l(), f(), d() factor's
 * values per table row, from one (id, time) order of the table's rows. Without --panel, an
 * error with a caret under the first of them. */
static gw_status fb_lags(fbuild *B)
{
    frame *fr = &B->fr;
    const gw_table *t = fr->t;
    gwi_panel_order *ord = NULL;
    gw_status rc = GW_OK;
    size_t nlag = B->resp.ff->kind == GW_FF_LAG;
    for (size_t j = 0; j < B->nfac; j++)
        nlag += B->pf[j].ff->kind == GW_FF_LAG;
    if (nlag == 0)
        return GW_OK;
    if (!B->has_id) {
        const gw_formula_factor *ff = B->resp.ff;
        for (size_t j = 0; ff->kind != GW_FF_LAG; j++)
            ff = B->pf[j].ff;
        char caret[2 * GW_FORMULA_CARET_WIDTH + 32];
        gw_formula_caret(fr->f, ff->pos, caret, sizeof caret);
        return gwi_fail(GW_EINVAL,
                        "%.200s needs --panel ID,TIME (lags and leads follow each panel id in "
                        "time)\n%s",
                        ff->name, caret);
    }
    if ((fr->lagf = gw_calloc(nlag, sizeof *fr->lagf)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the lags");
    if ((rc = gwi_panel_order_new(gw_table_numeric(t, B->idcol), gw_table_codes(t, B->idcol),
                                  gw_table_numeric(t, B->tcol), fr->nrows,
                                  gw_table_colname(t, B->idcol), &ord)) != GW_OK)
        return rc;
    for (size_t j = 0; j <= B->nfac && rc == GW_OK; j++) {
        pfactor *pf = j < B->nfac ? &B->pf[j] : &B->resp;
        if (pf->ff->kind != GW_FF_LAG)
            continue;
        if ((pf->derived = gw_alloc_array(fr->nrows ? fr->nrows : 1, sizeof *pf->derived)) ==
            NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %.200s", pf->ff->name);
            break;
        }
        gwi_panel_lag(ord, pf->x, fr->nrows, pf->ff->lag, pf->ff->diff, pf->derived);
        pf->x = pf->derived;
        fr->lagf[fr->nlag++] = pf;
    }
    gwi_panel_order_free(ord);
    return rc;
}

/* 3b. After R's coding rule: reference levels (code_refs) and poly()'s degree against the
 * distinct values of its variable (R: "'degree' must be less than number of unique points"). */
static gw_status fb_calls(fbuild *B)
{
    frame *fr = &B->fr;
    gw_status rc;
    for (size_t j = 0; j < B->nfac; j++) {
        pfactor *pf = &B->pf[j];
        /* A design for prediction codes every level (all_levels): no reference to drop. */
        if (pf->cat && !B->opts->all_levels && (rc = code_refs(fr, pf)) != GW_OK)
            return rc;
        if (pf->ff->kind == GW_FF_POLY && !pf->ff->raw && poly_stored(fr, pf->ff->name) == NULL) {
            /* Up to d + 1 distinct values are enough to know: O(n d) at worst, usually a few
             * rows (coding the whole column, as make_levels would, cost 1 s at 10^6 rows). */
            double seen[GW_FORMULA_MAX_EXPONENT + 1];
            size_t ns = 0, d = pf->ff->exponent;
            for (size_t i = 0; i < fr->n && ns <= d; i++) {
                double v = pf->x[row_at(fr, i)];
                size_t k = 0;
                while (k < ns && seen[k] != v)
                    k++;
                if (k == ns)
                    seen[ns++] = v;
            }
            if (ns <= d)
                return gwi_fail(GW_EINVAL,
                                "%.200s: the degree must be less than the number of distinct "
                                "values of '%.200s' in the rows used (%zu)",
                                pf->ff->name, pf->ff->var, ns);
        }
    }
    return GW_OK;
}

/* With gw_frame_build_consume: count the fills that read each column (use_done releases a
 * column after its last one). */
static gw_status fb_count_uses(fbuild *B, gw_table *mut)
{
    frame *fr = &B->fr;
    const size_t ncols = B->ncols;
    fr->mut = mut;
    if ((fr->uses = gw_calloc(ncols ? ncols : 1, sizeof *fr->uses)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu column counts", ncols);
    size_t ne;
    const size_t *ec = expr_cols(&B->resp, &ne);
    fr->uses[B->resp.col]++;
    for (size_t e = 0; e < ne; e++)
        fr->uses[ec[e]]++;
    for (size_t k = 0; k < B->nterm; k++)
        for (size_t j = 0; j < B->pt[k].m; j++) {
            fr->uses[B->pt[k].f[j].col]++;
            ec = expr_cols(&B->pt[k].f[j], &ne);
            for (size_t e = 0; e < ne; e++)
                fr->uses[ec[e]]++;
        }
    for (size_t k = 0; k < B->nfe; k++)
        fr->uses[B->fecol[k]]++;
    for (size_t k = 0; k < B->ncl; k++)
        fr->uses[B->clcol[k]]++;
    fr->uses[B->wcol] += (size_t)B->has_w;
    fr->uses[B->idcol] += (size_t)B->has_id;
    fr->uses[B->tcol] += (size_t)B->has_time;
    return GW_OK;
}

/* 3-4. Levels, coding and column counts: the levels of each categorical factor, the coding of
 * every term, then the columns of X (p, with the intercept) and of Z (q). */
static gw_status fb_code_terms(fbuild *B)
{
    frame *fr = &B->fr;
    pterm *pt = B->pt;
    const size_t nterm = B->nterm, nmain = B->nmain, nendog = B->nendog, ninst = B->ninst;
    gw_status rc;
    for (size_t k = 0; k < nterm; k++)
        for (size_t j = 0; j < pt[k].m; j++)
            if (pt[k].f[j].cat) {
                if ((rc = make_levels(fr, pt[k].f[j].col)) != GW_OK)
                    return rc;
                pt[k].f[j].lev = &fr->lev[pt[k].f[j].col];
            }
    /* Endogenous and instrument terms are coded within "main + their list"; the main-only
     * pass comes last so that the main terms keep their own coding. */
    for (int pass = 0; pass < 3; pass++) {
        size_t nm = 0, first = pass == 0 ? nmain : nmain + nendog;
        size_t cnt = pass == 0 ? nendog : pass == 1 ? ninst : 0;
        if (pass < 2 && cnt == 0)
            continue;
        for (size_t k = 0; k < nmain; k++)
            B->model[nm++] = &pt[k];
        for (size_t k = 0; k < cnt; k++)
            B->model[nm++] = &pt[first + k];
        decide_coding(B->model, nm, B->spans, B->order);
    }
    for (size_t k = 0; B->opts->all_levels && k < nterm; k++)
        for (size_t j = 0; j < pt[k].m; j++)
            pt[k].f[j].full = 1;
    if ((rc = fb_calls(B)) != GW_OK)
        return rc;
    size_t p = gw_formula_has_intercept(B->f) && B->nfe == 0 ? 1 : 0, q = 0, n_endog = 0;
    int need_lo = 0;
    for (size_t k = 0; k < nterm; k++) {
        if ((rc = size_term(&pt[k])) != GW_OK)
            return rc;
        if (p > SIZE_MAX - pt[k].ncols || q > SIZE_MAX - pt[k].ncols)
            return gwi_fail(GW_ENOMEM, "the model has too many columns");
        if (k < nmain + nendog) {
            p += pt[k].ncols;
            need_lo |= pt[k].dd;
        }
        if (k >= nmain && k < nmain + nendog)
            n_endog += pt[k].ncols;
        if (k >= nmain + nendog)
            q += pt[k].ncols;
    }
    B->p = p;
    B->q = q;
    B->n_endog = n_endog;
    B->need_lo = need_lo;
    return GW_OK;
}

/* 5. The design: y and X taken from the table's block when they lie there in order (else
 * filled); the response, the low parts, the intercept column and the instruments' storage. */
static gw_status fb_design(fbuild *B)
{
    frame *fr = &B->fr;
    const size_t n = fr->n, p = B->p, q = B->q;
    gw_status rc;
    size_t xslot = 0, yslot = 0;
    B->intercept = gw_formula_has_intercept(B->f) && B->nfe == 0;
    double *block = adoptable(fr, &B->resp, B->pt, B->nmain + B->nendog, B->intercept, B->need_lo,
                              &xslot, &yslot);
    B->adopted = block != NULL;
    if (B->adopted) {
        rc = gwi_design_new_adopt(n, p, block, block + yslot * n, block + xslot * n, &B->d);
        if (rc != GW_OK) /* the block is the table's again only if nobody took it: free it */
            gw_free(block);
    } else {
        rc = gwi_design_new_uninit(n, p, &B->d);
    }
    if (rc != GW_OK)
        return rc;
    gw_design *d = B->d;
    d->has_intercept = B->intercept;
    d->n_endog = B->n_endog;
    d->nobs_dropped_missing = B->ndrop[0];
    d->nobs_dropped_zero_weight = B->ndrop[1];
    d->nobs_dropped_subset = B->ndrop[2];
    d->nobs_dropped_invalid = B->ndrop[3];
    d->response = gw_strdup(B->resp.ff->name);
    if (d->response == NULL)
        return gwi_fail(GW_ENOMEM, "cannot copy the response's name");
    resp_job rj = {fr, &B->resp, d->y};
    if (!B->adopted && (rc = run_blocks(&rj, fill_response_rows, n)) != GW_OK)
        return rc;
    use_done(fr, B->resp.col);
    expr_done(fr, &B->resp);
    if (B->need_lo) {
        d->Xlo = gw_alloc_array(n * p, sizeof *d->Xlo);
        if (d->Xlo == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the low parts of %zu x %zu", n, p);
        memset(d->Xlo, 0, n * p * sizeof *d->Xlo);
    }
    if (d->has_intercept) {
        for (size_t i = 0; i < n; i++)
            d->X[i] = 1.0;
        d->terms[0] = gw_strdup("(Intercept)");
        if (d->terms[0] == NULL)
            return gwi_fail(GW_ENOMEM, "cannot copy a term name");
    }
    if (q > 0) {
        d->Z = gw_alloc_array(n * q, sizeof *d->Z);
        d->inst_terms = gw_calloc(q, sizeof *d->inst_terms);
        if (d->Z == NULL || d->inst_terms == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu instruments", n, q);
        d->q = q;
        memset(d->Z, 0, n * q * sizeof *d->Z);
    }
    return GW_OK;
}

/* 5. Each term's columns (into X, or Z for instruments; X is already there when adopted) and
 * names; the low parts are dropped when every one is zero. */
static gw_status fb_fill_terms(fbuild *B)
{
    frame *fr = &B->fr;
    gw_design *d = B->d;
    const size_t n = fr->n;
    gw_status rc;
    size_t c0 = d->has_intercept ? 1 : 0;
    fr->d = d;
    for (size_t k = 0, z0 = 0; k < B->nterm; k++) {
        pterm *pt = &B->pt[k];
        int inst = k >= B->nmain + B->nendog;
        double *dst = inst ? d->Z + z0 * n : d->X + c0 * n;
        double *lo = inst || d->Xlo == NULL ? NULL : d->Xlo + c0 * n;
        char **names = inst ? d->inst_terms + z0 : d->terms + c0;
        if (!(B->adopted && !inst) && (rc = fill_term(fr, pt, dst, lo, n)) != GW_OK)
            return rc;
        for (size_t c = 0; c < pt->ncols; c++) {
            names[c] = column_name(fr, pt, c);
            if (names[c] == NULL)
                return gwi_fail(GW_ENOMEM, "cannot allocate a term name");
        }
        for (size_t j = 0; j < pt->m; j++) {
            use_done(fr, pt->f[j].col);
            expr_done(fr, &pt->f[j]);
        }
        if (inst)
            z0 += pt->ncols;
        else
            c0 += pt->ncols;
    }
    if (d->Xlo != NULL) {
        size_t np = n * B->p, i = 0;
        while (i < np && d->Xlo[i] == 0.0)
            i++;
        if (i == np) {
            gw_free(d->Xlo);
            d->Xlo = NULL;
        }
    }
    return GW_OK;
}

/* 5, then: weights, fixed effects, clusters, panel id and time on the kept rows; the row index. */
static gw_status fb_groups(fbuild *B)
{
    frame *fr = &B->fr;
    gw_design *d = B->d;
    gw_status rc;
    d->nfe = B->nfe; /* set first: gw_design_free then releases whatever make_groups made */
    d->ncluster = B->ncl;
    if ((B->has_w && (rc = gather_column(fr, B->wcol, &d->w, "weights")) != GW_OK) ||
        (rc = make_groups(fr, B->fecol, B->nfe, &d->fe, "fixed effects")) != GW_OK ||
        (rc = make_groups(fr, B->clcol, B->ncl, &d->cluster, "clusters")) != GW_OK ||
        (B->has_id && (rc = make_groups(fr, &B->idcol, 1, &d->panel_id, "panel id")) != GW_OK) ||
        (B->has_time && (rc = gather_column(fr, B->tcol, &d->panel_time, "panel times")) != GW_OK))
        return rc;
    /* Every row kept: gw_frame_build_consume leaves the identity index out (NULL); the
     * ordinary build gives it, as gw_frame.h promises. */
    if (fr->rows == NULL && fr->mut == NULL) {
        if ((d->row_index = gw_alloc_array(fr->n, sizeof *d->row_index)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the row index of %zu rows", fr->n);
        for (size_t i = 0; i < fr->n; i++)
            d->row_index[i] = i;
    } else {
        d->row_index = fr->rows;
        fr->rows = NULL;
    }
    d->seconds_factorise = fr->seconds_codes;
    return GW_OK;
}

/* 2. The values of every expression factor over the kept rows, before any column is released
 * (gw_frame_build_consume) and before the rows are final (fb_drop_invalid reads them). */
static gw_status fb_expr_values(fbuild *B)
{
    frame *fr = &B->fr;
    const size_t nr = fr->nrows, n = fr->n;
    double *tmp = NULL;
    unsigned char *tw = NULL;
    gw_status rc = GW_OK;
    for (size_t k = 0; k <= B->nfac && rc == GW_OK; k++) {
        pfactor *pf = k < B->nfac ? &B->pf[k] : &B->resp;
        if (pf->prog == NULL)
            continue;
        pf->xv = gw_alloc_array(nr ? nr : 1, sizeof *pf->xv);
        pf->why = gw_calloc(nr ? nr : 1, 1);
        if (fr->rows != NULL && tmp == NULL) {
            tmp = gw_alloc_array(n ? n : 1, sizeof *tmp);
            tw = gw_alloc_array(n ? n : 1, 1);
        }
        if (pf->xv == NULL || pf->why == NULL ||
            (fr->rows != NULL && (tmp == NULL || tw == NULL))) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate the values of '%.200s'", pf->ff->name);
            break;
        }
        pf->x = pf->xv;
        if (fr->rows == NULL) { /* every row kept: straight into the per-row arrays */
            rc = gw_expr_eval(pf->prog, NULL, n, pf->xv, pf->why);
            continue;
        }
        if ((rc = gw_expr_eval(pf->prog, fr->rows, n, tmp, tw)) != GW_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            pf->xv[fr->rows[i]] = tmp[i];
            pf->why[fr->rows[i]] = tw[i];
        }
    }
    gw_free(tmp);
    gw_free(tw);
    return rc;
}

/* 1 when table row r has a value for the response and every numeric factor and term (the
 * checks fill_term and fill_response make, which would otherwise fail the build). */
static int row_valid(const fbuild *B, size_t r)
{
    gw_dd v;
    if (factor_value(&B->resp, r, &v) != GW_OK)
        return 0;
    for (size_t k = 0; k < B->nterm; k++) {
        const pterm *t = &B->pt[k];
        int dd = 0;
        for (size_t j = 0; j < t->m; j++)
            dd |= t->f[j].ff->kind == GW_FF_POWER || t->f[j].ff->kind == GW_FF_I_POWER;
        gw_dd prod = gw_dd_from(1.0);
        for (size_t j = 0; j < t->m; j++) {
            gw_dd x;
            if (t->f[j].cat)
                continue;
            if (factor_value(&t->f[j], r, &x) != GW_OK)
                return 0;
            if (dd)
                prod = gw_dd_mul(prod, x);
            else
                prod.hi *= x.hi;
        }
        if (!isfinite(prod.hi) || !isfinite(prod.lo))
            return 0;
    }
    return 1;
}

typedef struct {
    const fbuild *B;
    unsigned char *drop;
} invalid_job;

/* Kept rows [i0, i1): marks the invalid ones (drop 4). Each row writes only its own byte. */
static gw_status mark_invalid_rows(const void *ctx, size_t i0, size_t i1)
{
    const invalid_job *J = ctx;
    for (size_t i = i0; i < i1; i++) {
        size_t r = row_at(&J->B->fr, i);
        if (!row_valid(J->B, r))
            J->drop[r] = 4;
    }
    return GW_OK;
}

/* 2, with gw_frame_opts.drop_invalid: drops the kept rows where a transform is undefined,
 * counts them (ndrop[3]) and makes the kept rows again. */
static gw_status fb_drop_invalid(fbuild *B)
{
    frame *fr = &B->fr;
    invalid_job J = {B, B->drop};
    size_t nbad = 0;
    gw_status rc = run_blocks(&J, mark_invalid_rows, fr->n);
    if (rc != GW_OK)
        return rc;
    for (size_t r = 0; r < fr->nrows; r++)
        nbad += B->drop[r] == 4;
    gw_clear_error();
    B->ndrop[3] = nbad;
    if (nbad == 0)
        return GW_OK;
    fr->n -= nbad;
    if (fr->n == 0)
        return gwi_fail(GW_ENODATA,
                        "no observations left: of %zu rows, %zu are outside the subset, %zu have "
                        "a missing value, %zu a zero weight and %zu an undefined transform",
                        fr->nrows, B->ndrop[2], B->ndrop[0], B->ndrop[1], nbad);
    if (fr->rows == NULL && (fr->rows = gw_alloc_array(fr->n, sizeof *fr->rows)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the row index of %zu rows", fr->n);
    kept_rows(B->drop, fr->nrows, fr->rows);
    return GW_OK;
}

static gw_status frame_build(const gw_table *t, gw_table *mut, const gw_formula *f,
                             const gw_frame_opts *opts, gw_design **out)
{
    static const gw_frame_opts none = {.weights = NULL}; /* every field zero */
    gw_status rc = GW_OK;
    fbuild B;
    memset(&B, 0, sizeof B);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_frame_build: out is NULL");
    *out = NULL;
    if (t == NULL || f == NULL)
        return gwi_fail(GW_EINVAL, "gw_frame_build: the table or the formula is NULL");
    if (opts == NULL)
        opts = &none;
    B.fr.t = t;
    B.fr.f = f;
    B.fr.nrows = gw_table_nrows(t);
    B.fr.poly_in = opts->poly;
    B.fr.npoly_in = opts->poly != NULL ? opts->npoly : 0;
    B.f = f;
    B.opts = opts;
    if ((rc = fb_init(&B)) != GW_OK || (rc = fb_resolve_formula(&B)) != GW_OK ||
        (rc = fb_resolve_options(&B)) != GW_OK || (rc = fb_lags(&B)) != GW_OK ||
        (mut != NULL && (rc = fb_count_uses(&B, mut)) != GW_OK))
        goto done;
    /* 2. Rows: missing values, infinite values, weights. */
    if ((rc = frame_rows(&B.fr, B.used, B.has_w ? opts->weights : NULL, B.wcol, opts->keep, B.drop,
                         B.ndrop)) != GW_OK ||
        (rc = fb_expr_values(&B)) != GW_OK ||
        (opts->drop_invalid && (rc = fb_drop_invalid(&B)) != GW_OK))
        goto done;
    if ((rc = fb_code_terms(&B)) != GW_OK || (rc = fb_design(&B)) != GW_OK ||
        (rc = fb_fill_terms(&B)) != GW_OK || (rc = fb_groups(&B)) != GW_OK ||
        (rc = fb_level_names(&B.fr, B.pt, B.nmain + B.nendog, B.d)) != GW_OK ||
        (opts->fe_levels && B.nfe > 0 && (rc = fb_fe_levels(&B.fr, B.fecol, B.d)) != GW_OK))
        goto done;
done:
    fb_free(&B);
    if (rc != GW_OK) {
        gw_design_free(B.d);
        return rc;
    }
    *out = B.d;
    return GW_OK;
}

gw_status gw_frame_build(const gw_table *t, const gw_formula *f, const gw_frame_opts *opts,
                         gw_design **out)
{
    return frame_build(t, NULL, f, opts, out);
}

gw_status gw_frame_build_consume(gw_table *t, const gw_formula *f, const gw_frame_opts *opts,
                                 gw_design **out)
{
    return frame_build(t, t, f, opts, out);
}
