/* diff.c -- what changed between two results files (gw_diff.h).
 *
 * Bit-for-bit equality of an object comes from gw_h5_compare_group (io/hdf5_compare.c, shared
 * with goodwork verify); only the objects it finds different are read as tidy tables
 * (api/tidy.c) and compared row by row to say what changed and by how much. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "gw_alloc.h"
#include "gw_diff.h"
#include "gw_filediff.h"
#include "gw_hdf5.h"
#include "gw_strbuf.h"
#include "tidy_int.h"

static const char *const ignored[] = {
    "goodwork_version", "created_utc", "command_line", "data_sha256", "blas", "seed", "results"};

gw_status gw_filediff_parse_tolerance(const char *text, gw_filediff_opts *o)
{
    if (text == NULL || o == NULL)
        return gwi_fail(GW_EINVAL, "gw_filediff_parse_tolerance: NULL argument");
    static const char *const names[] = {"rel:", "abs:", "ulps:"};
    const char *s = text;
    do {
        double *dst[] = {&o->rel, &o->abs, &o->ulps}, *to = NULL;
        size_t skip = 0;
        for (size_t k = 0; k < 3 && to == NULL; k++)
            if (strncmp(s, names[k], strlen(names[k])) == 0) {
                to = dst[k];
                skip = strlen(names[k]);
            }
        char *end = NULL;
        double v = to != NULL ? strtod(s + skip, &end) : (double)NAN;
        if (to == NULL || end == s + skip || !(v >= 0) || !isfinite(v) ||
            (*end != '\0' && (*end != ',' || end[1] == '\0')))
            return gwi_fail(GW_EINVAL,
                            "bad tolerance '%s' (expected rel:X, abs:X or ulps:N, each >= 0, "
                            "comma separated; e.g. rel:1e-9)",
                            text);
        *to = v;
        s = *end == ',' ? end + 1 : end;
    } while (*s != '\0');
    return GW_OK;
}

/* ---- rows and keys ------------------------------------------------------------------------ */

/* Text of cell (j, r): a level, "NA", or the number's shortest round-trip text. */
static void cell_text(const gw_table *t, size_t j, size_t r, char *buf, size_t size)
{
    if (gw_table_coltype(t, j) == GW_COL_CATEGORICAL) {
        int32_t c = gw_table_codes(t, j)[r];
        snprintf(buf, size, "%s", c < 0 ? "NA" : gw_table_level(t, j, (size_t)c));
    } else {
        double x = gw_table_numeric(t, j)[r];
        char num[GW_OUTPUT_NUMLEN];
        snprintf(buf, size, "%s", isnan(x) ? "NA" : gw_output_number(x, num));
    }
}

/* keys[r] = "k1=v1, k2=v2" over the nkey key columns, or "row R" (1-based) without keys. */
static char **row_keys(const gw_table *t, size_t nkey)
{
    size_t n = gw_table_nrows(t);
    char **k = gw_calloc(n + 1, sizeof *k);
    for (size_t r = 0; k != NULL && r < n; r++) {
        gw_strbuf b = {0};
        char cell[256];
        if (nkey == 0)
            gw_strbuf_printf(&b, "row %zu", r + 1);
        for (size_t j = 0; j < nkey; j++) {
            cell_text(t, j, r, cell, sizeof cell);
            gw_strbuf_printf(&b, "%s%s=%s", j ? ", " : "", gw_table_colname(t, j), cell);
        }
        if (gw_strbuf_finish(&b, &k[r]) != GW_OK) {
            gwi_strv_free(k, r);
            return NULL;
        }
    }
    return k;
}

typedef struct {
    const char *key;
    size_t row;
} keyed;

static int keyed_cmp(const void *x, const void *y)
{
    const keyed *a = x, *b = y;
    int c = strcmp(a->key, b->key);
    return c != 0 ? c : (a->row > b->row) - (a->row < b->row);
}

static keyed *sorted(char **keys, size_t n)
{
    keyed *s = gw_alloc_array(n + 1, sizeof *s);
    for (size_t i = 0; s != NULL && i < n; i++)
        s[i] = (keyed){keys[i], i};
    if (s != NULL)
        qsort(s, n, sizeof *s, keyed_cmp);
    return s;
}

/* ---- one table ---------------------------------------------------------------------------- */

/* Equal (bit for bit, or within o's tolerances)? *abs_d, *rel_d, *ulps_d: the differences. */
static int same_number(double a, double b, const gw_filediff_opts *o, double *abs_d, double *rel_d,
                       double *ulps_d)
{
    if (!isfinite(a) || !isfinite(b)) {
        int same = (isnan(a) && isnan(b)) || a == b;
        *abs_d = *rel_d = *ulps_d = same ? 0 : (double)INFINITY;
        return same;
    }
    double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
    *abs_d = d;
    *rel_d = m > 0 ? d / m : 0;
    *ulps_d = (double)gw_ulp_distance(a, b); /* core/gw_diff.h */
    if (memcmp(&a, &b, sizeof a) == 0)
        return 1;
    return (o->abs > 0 && d <= o->abs) || (o->rel > 0 && d <= o->rel * m) ||
           (o->ulps > 0 && *ulps_d <= o->ulps);
}

static gw_status set_str(char **dst, const char *s)
{
    gw_free(*dst);
    *dst = gw_strdup(s != NULL ? s : "");
    return *dst != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

/* Compares column ja of a with column jb of b over the matched rows (pa[m], pb[m]); adds a
 * gw_filediff_column to p when they differ. */
static gw_status diff_column(const gw_table *a, size_t ja, const gw_table *b, size_t jb,
                             const size_t *pa, const size_t *pb, size_t nm, char **keys,
                             const gw_filediff_opts *o, gw_filediff_part *p)
{
    gw_filediff_column c = {0};
    gw_status rc = GW_OK;
    c.numeric =
        gw_table_coltype(a, ja) == GW_COL_NUMERIC && gw_table_coltype(b, jb) == GW_COL_NUMERIC;
    c.max_abs = c.max_rel = c.max_ulps = NAN;
    for (size_t m = 0; m < nm && rc == GW_OK; m++) {
        if (c.numeric) {
            double x = gw_table_numeric(a, ja)[pa[m]], y = gw_table_numeric(b, jb)[pb[m]], da, dr,
                   du;
            if (same_number(x, y, o, &da, &dr, &du))
                continue;
            c.changed++;
            if (!(du <= c.max_ulps))
                c.max_ulps = du;
            if (!(da <= c.max_abs)) {
                c.max_abs = da;
                c.abs_a = x;
                c.abs_b = y;
                rc = set_str(&c.where_abs, keys[pa[m]]);
            }
            if (rc == GW_OK && !(dr <= c.max_rel)) {
                c.max_rel = dr;
                rc = set_str(&c.where_rel, keys[pa[m]]);
            }
        } else {
            char x[512], y[512];
            cell_text(a, ja, pa[m], x, sizeof x);
            cell_text(b, jb, pb[m], y, sizeof y);
            if (strcmp(x, y) == 0)
                continue;
            if (c.changed++ == 0 &&
                ((rc = set_str(&c.first_a, x)) != GW_OK || (rc = set_str(&c.first_b, y)) != GW_OK ||
                 (rc = set_str(&c.where_first, keys[pa[m]])) != GW_OK))
                break;
        }
    }
    if (rc == GW_OK && c.changed > 0) {
        gw_filediff_column *v = gw_realloc(p->cols, (p->ncols + 1) * sizeof *v);
        if (v == NULL || (c.column = gw_strdup(gw_table_colname(a, ja))) == NULL) {
            if (v != NULL)
                p->cols = v;
            rc = gwi_fail(GW_ENOMEM, "out of memory");
        } else {
            p->cols = v;
            p->cols[p->ncols++] = c;
            return GW_OK;
        }
    }
    gw_free(c.where_abs);
    gw_free(c.where_rel);
    gw_free(c.first_a);
    gw_free(c.first_b);
    gw_free(c.where_first);
    gw_free(c.column);
    return rc;
}

/* Same key columns (names, in order) in both tables? */
static int same_keys(const gw_table *a, size_t nka, const gw_table *b, size_t nkb)
{
    if (nka != nkb || nka == 0)
        return 0;
    for (size_t j = 0; j < nka; j++)
        if (strcmp(gw_table_colname(a, j), gw_table_colname(b, j)) != 0)
            return 0;
    return 1;
}

static gw_status push_str(char ***v, size_t *n, const char *s)
{
    char **p = gw_realloc(*v, (*n + 1) * sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    *v = p;
    if ((p[*n] = gw_strdup(s)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    (*n)++;
    return GW_OK;
}

typedef struct {
    size_t a, b;
} row_pair;

static int pair_cmp(const void *x, const void *y)
{
    const row_pair *p = x, *q = y;
    return (p->a > q->a) - (p->a < q->a);
}

/* Sorts the pairs (pa[m], pb[m]) by pa. */
static gw_status order_pairs(size_t *pa, size_t *pb, size_t m)
{
    row_pair *v = gw_alloc_array(m + 1, sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t q = 0; q < m; q++)
        v[q] = (row_pair){pa[q], pb[q]};
    qsort(v, m, sizeof *v, pair_cmp);
    for (size_t q = 0; q < m; q++) {
        pa[q] = v[q].a;
        pb[q] = v[q].b;
    }
    gw_free(v);
    return GW_OK;
}

/* Matches the rows of a and b by key (merge of the sorted keys): pa[m], pb[m] for m < *nm; rows
 * only in one file are counted in p with the first of each (in the file's order). */
static gw_status match_rows(char **ka, size_t na, char **kb, size_t nb, size_t *pa, size_t *pb,
                            size_t *nm, gw_filediff_part *p)
{
    keyed *sa = sorted(ka, na), *sb = sorted(kb, nb);
    size_t i = 0, j = 0, m = 0, first_a = na, first_b = nb;
    gw_status rc = GW_OK;
    if (sa == NULL || sb == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    while (i < na || j < nb) {
        int c = i == na ? 1 : j == nb ? -1 : strcmp(sa[i].key, sb[j].key);
        if (c == 0) {
            pa[m] = sa[i++].row;
            pb[m++] = sb[j++].row;
        } else if (c < 0) {
            p->only_a++;
            first_a = sa[i].row < first_a ? sa[i].row : first_a;
            i++;
        } else {
            p->only_b++;
            first_b = sb[j].row < first_b ? sb[j].row : first_b;
            j++;
        }
    }
    *nm = m;
    /* Visit the matched rows in A's order, so that "first" means first in file A. */
    rc = order_pairs(pa, pb, m);
    if (rc == GW_OK && first_a < na)
        rc = set_str(&p->first_only_a, ka[first_a]);
    if (rc == GW_OK && first_b < nb)
        rc = set_str(&p->first_only_b, kb[first_b]);
done:
    gw_free(sa);
    gw_free(sb);
    return rc;
}

/* Fills p (part name set) from tables a and b; *differs 1 when anything differs. */
static gw_status diff_table(const gw_table *a, size_t nka, const gw_table *b, size_t nkb,
                            const gw_filediff_opts *o, gw_filediff_part *p, int *differs)
{
    int keyed_rows = same_keys(a, nka, b, nkb);
    size_t na = gw_table_nrows(a), nb = gw_table_nrows(b), nm = 0, nk = keyed_rows ? nka : 0;
    char **ka = row_keys(a, nk), **kb = row_keys(b, nk);
    size_t *pa = gw_alloc_array(na + 1, sizeof *pa), *pb = gw_alloc_array(na + 1, sizeof *pb);
    gw_status rc = GW_OK;
    p->rows_a = na;
    p->rows_b = nb;
    if (ka == NULL || kb == NULL || pa == NULL || pb == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = match_rows(ka, na, kb, nb, pa, pb, &nm, p)) != GW_OK)
        goto done;
    for (size_t ja = nk; ja < gw_table_ncols(a) && rc == GW_OK; ja++) {
        ptrdiff_t jb = gw_table_find(b, gw_table_colname(a, ja));
        if (jb < (ptrdiff_t)nk)
            rc = push_str(&p->cols_only_a, &p->ncols_only_a, gw_table_colname(a, ja));
        else
            rc = diff_column(a, ja, b, (size_t)jb, pa, pb, nm, ka, o, p);
    }
    for (size_t jb = nk; jb < gw_table_ncols(b) && rc == GW_OK; jb++)
        if (gw_table_find(a, gw_table_colname(b, jb)) < (ptrdiff_t)nk)
            rc = push_str(&p->cols_only_b, &p->ncols_only_b, gw_table_colname(b, jb));
    *differs = p->only_a || p->only_b || p->ncols || p->ncols_only_a || p->ncols_only_b;
done:
    gwi_strv_free(ka, ka ? na : 0);
    gwi_strv_free(kb, kb ? nb : 0);
    gw_free(pa);
    gw_free(pb);
    return rc;
}

/* ---- objects ------------------------------------------------------------------------------ */

static void part_clear(gw_filediff_part *p)
{
    gw_free(p->part);
    gw_free(p->first_only_a);
    gw_free(p->first_only_b);
    gwi_strv_free(p->cols_only_a, p->ncols_only_a);
    gwi_strv_free(p->cols_only_b, p->ncols_only_b);
    for (size_t c = 0; c < p->ncols; c++) {
        gw_filediff_column *x = &p->cols[c];
        gw_free(x->column);
        gw_free(x->where_abs);
        gw_free(x->where_rel);
        gw_free(x->first_a);
        gw_free(x->first_b);
        gw_free(x->where_first);
    }
    gw_free(p->cols);
}

static void object_clear(gw_filediff_object *o)
{
    gw_free(o->name);
    gw_free(o->note);
    gwi_strv_free(o->provenance, o->nprovenance);
    for (size_t i = 0; i < o->nparts; i++)
        part_clear(&o->parts[i]);
    gw_free(o->parts);
}

/* Appends part to o->parts when it differs (takes it), else releases it. */
static gw_status keep_part(gw_filediff_object *o, gw_filediff_part *p, int differs)
{
    if (!differs) {
        part_clear(p);
        return GW_OK;
    }
    gw_filediff_part *v = gw_realloc(o->parts, (o->nparts + 1) * sizeof *v);
    if (v == NULL) {
        part_clear(p);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    o->parts = v;
    o->parts[o->nparts++] = *p;
    return GW_OK;
}

/* The union of the main table ("") and the parts of both groups, in order (A's first). */
static gw_status part_union(const gw_h5_group *ga, const gw_h5_group *gb, gw_tidy_kind ka,
                            gw_tidy_kind kb, char ***out, size_t *n)
{
    char **pa = NULL, **pb = NULL, **u = NULL;
    size_t na = 0, nb = 0, nu = 0;
    gw_status rc = gwi_tidy_parts(ga, ka, &pa, &na);
    if (rc == GW_OK)
        rc = gwi_tidy_parts(gb, kb, &pb, &nb);
    if (rc == GW_OK)
        rc = push_str(&u, &nu, "");
    for (size_t i = 0; i < na + nb && rc == GW_OK; i++) {
        const char *s = i < na ? pa[i] : pb[i - na];
        size_t k = 0;
        while (k < nu && strcmp(u[k], s) != 0)
            k++;
        if (k == nu)
            rc = push_str(&u, &nu, s);
    }
    gwi_strv_free(pa, na);
    gwi_strv_free(pb, nb);
    if (rc != GW_OK) {
        gwi_strv_free(u, nu);
        return rc;
    }
    *out = u;
    *n = nu;
    return GW_OK;
}

/* Compares table `part` of the two groups into o; *differs as diff_table. A part that one
 * file lacks (its table cannot be built there) is ONLY_A / ONLY_B. */
static gw_status diff_part(const gw_h5_group *ga, const gw_h5_group *gb, const char *group,
                           const char *part, const gw_filediff_opts *opts, gw_filediff_object *o,
                           int *differs)
{
    gw_table *ta = NULL, *tb = NULL;
    size_t nka = 0, nkb = 0;
    gw_filediff_part p = {0};
    gw_status sa = gwi_tidy_build(ga, group, part, &ta, &nka);
    gw_status sb = gwi_tidy_build(gb, group, part, &tb, &nkb);
    gw_status rc = GW_OK;
    *differs = 0;
    if ((sa != GW_OK && sa != GW_ENOVAR) || (sb != GW_OK && sb != GW_ENOVAR)) {
        rc = sa != GW_OK && sa != GW_ENOVAR ? sa : sb;
        if (sa == GW_OK || sb == GW_OK) /* the message is the failing side's: rebuild it */
            rc = sa != GW_OK ? gwi_tidy_build(ga, group, part, &(gw_table *){NULL}, NULL)
                             : gwi_tidy_build(gb, group, part, &(gw_table *){NULL}, NULL);
        goto done;
    }
    if ((p.part = gw_strdup(part)) == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if (ta != NULL && tb != NULL) {
        rc = diff_table(ta, nka, tb, nkb, opts, &p, differs);
    } else if (ta != NULL || tb != NULL) {
        p.state = ta != NULL ? GW_DIFF_ONLY_A : GW_DIFF_ONLY_B;
        p.rows_a = ta != NULL ? gw_table_nrows(ta) : 0;
        p.rows_b = tb != NULL ? gw_table_nrows(tb) : 0;
        *differs = 1;
    }
    if (part[0] == '\0') {
        o->rows_a = ta != NULL ? gw_table_nrows(ta) : 0;
        o->rows_b = tb != NULL ? gw_table_nrows(tb) : 0;
    }
    if (rc == GW_OK)
        rc = keep_part(o, &p, *differs);
    else
        part_clear(&p);
done:
    gw_table_free(ta);
    gw_table_free(tb);
    return rc;
}

/* Are attributes x and y (either may be NULL) different? */
static int attr_differs(const gw_h5_data *x, const gw_h5_data *y)
{
    if (x == NULL || y == NULL)
        return x != y;
    if (x->kind != y->kind || x->rows != y->rows || x->cols != y->cols)
        return 1;
    size_t n = x->cols ? x->rows * x->cols : x->rows;
    for (size_t i = 0; i < n; i++)
        if ((x->kind == GW_H5_STR && strcmp(x->str[i], y->str[i]) != 0) ||
            (x->kind == GW_H5_I64 && x->i64[i] != y->i64[i]) ||
            (x->kind == GW_H5_F64 && memcmp(&x->f64[i], &y->f64[i], sizeof(double)) != 0))
            return 1;
    return 0;
}

/* The provenance attributes that say something about the inputs or the build (not the time or
 * the command line) and differ between the two groups: o->provenance. */
static gw_status provenance_changes(const gw_h5_group *ga, const gw_h5_group *gb, gw_filediff_object *o)
{
    static const char *const names[] = {"data_sha256", "seed", "goodwork_version", "blas"};
    gw_status rc = GW_OK;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && rc == GW_OK; i++)
        if (attr_differs(gw_h5_group_attr(ga, names[i]), gw_h5_group_attr(gb, names[i])))
            rc = push_str(&o->provenance, &o->nprovenance, names[i]);
    return rc;
}

/* Compares object `group` present in both files. */
static gw_status diff_object(const gw_filediff *d, const char *group, gw_filediff_object *o)
{
    char where[1024];
    int equal = 0;
    gw_h5_group *ga = NULL, *gb = NULL;
    char **parts = NULL;
    size_t np = 0;
    gw_status rc =
        gw_h5_compare_group(d->path_a, d->path_b, group, ignored,
                            sizeof ignored / sizeof ignored[0], &equal, where, sizeof where);
    if (rc == GW_OK && (rc = gw_h5_group_read(d->path_a, group, &ga)) == GW_OK)
        rc = gw_h5_group_read(d->path_b, group, &gb);
    if (rc != GW_OK)
        goto done;
    o->kind = gwi_tidy_kind_of(ga, group);
    if ((rc = provenance_changes(ga, gb, o)) != GW_OK)
        goto done;
    if ((rc = part_union(ga, gb, o->kind, gwi_tidy_kind_of(gb, group), &parts, &np)) != GW_OK)
        goto done;
    int any = 0;
    for (size_t i = 0; i < np && rc == GW_OK; i++) {
        int differs = 0;
        if (equal && i > 0)
            break; /* equal bit for bit: only the main table's size is wanted */
        rc = diff_part(ga, gb, group, parts[i], &d->opts, o, &differs);
        any |= differs;
    }
    if (rc != GW_OK || equal)
        goto done;
    if (any) {
        o->state = GW_DIFF_CHANGED;
    } else if (d->opts.rel > 0 || d->opts.abs > 0 || d->opts.ulps > 0) {
        o->within_tolerance = 1;
    } else {
        o->state = GW_DIFF_CHANGED;
        rc = set_str(&o->note, where);
    }
done:
    gwi_strv_free(parts, np);
    gw_h5_group_free(ga);
    gw_h5_group_free(gb);
    return rc;
}

/* An object of one file only: its kind and the rows of its main table. */
static gw_status one_sided(const char *path, const char *group, int in_a, gw_filediff_object *o)
{
    gw_h5_group *g = NULL;
    gw_table *t = NULL;
    gw_status rc = gw_h5_group_read(path, group, &g);
    o->state = in_a ? GW_DIFF_ONLY_A : GW_DIFF_ONLY_B;
    if (rc == GW_OK) {
        o->kind = gwi_tidy_kind_of(g, group);
        rc = gwi_tidy_build(g, group, "", &t, NULL);
    }
    if (rc == GW_OK)
        *(in_a ? &o->rows_a : &o->rows_b) = gw_table_nrows(t);
    gw_table_free(t);
    gw_h5_group_free(g);
    return rc;
}

static int listed(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

gw_status gw_filediff_files(const char *a, const char *b, const gw_filediff_opts *opts, gw_filediff **out)
{
    if (out != NULL)
        *out = NULL;
    if (a == NULL || b == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_filediff_files: NULL argument");
    gw_filediff_opts o = opts != NULL ? *opts : (gw_filediff_opts){0};
    if (!(o.rel >= 0) || !(o.abs >= 0) || !(o.ulps >= 0) || !isfinite(o.rel) || !isfinite(o.abs) ||
        !isfinite(o.ulps))
        return gwi_fail(GW_EINVAL, "gw_filediff_files: tolerances must be finite and >= 0");
    char **ga = NULL, **gb = NULL;
    size_t na = 0, nb = 0;
    gw_filediff *d = gw_calloc(1, sizeof *d);
    gw_status rc = d != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
    if (rc == GW_OK && ((d->path_a = gw_strdup(a)) == NULL || (d->path_b = gw_strdup(b)) == NULL))
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    if (rc == GW_OK && (rc = gwi_tidy_list_groups(a, &ga, &na)) == GW_OK)
        rc = gwi_tidy_list_groups(b, &gb, &nb);
    if (rc == GW_OK && (d->objs = gw_calloc(na + nb + 1, sizeof *d->objs)) == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    if (rc == GW_OK)
        d->opts = o;
    for (size_t i = 0; i < na + nb && rc == GW_OK; i++) {
        const char *group = i < na ? ga[i] : gb[i - na];
        int in_a = i < na, in_b = listed(gb, nb, group);
        if (!in_a && listed(ga, na, group))
            continue;
        gw_filediff_object *x = &d->objs[d->nobjs++];
        if ((x->name = gw_strdup(group + 1)) == NULL)
            rc = gwi_fail(GW_ENOMEM, "out of memory");
        else if (in_a && in_b)
            rc = diff_object(d, group, x);
        else
            rc = one_sided(in_a ? a : b, group, in_a, x);
    }
    gwi_strv_free(ga, na);
    gwi_strv_free(gb, nb);
    if (rc != GW_OK) {
        gw_filediff_free(d);
        return rc;
    }
    d->equal = 1;
    for (size_t i = 0; i < d->nobjs; i++)
        d->equal &= d->objs[i].state == GW_DIFF_EQUAL;
    *out = d;
    return GW_OK;
}

void gw_filediff_free(gw_filediff *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->nobjs; i++)
        object_clear(&d->objs[i]);
    gw_free(d->objs);
    gw_free(d->path_a);
    gw_free(d->path_b);
    gw_free(d);
}

/* ---- rendering ---------------------------------------------------------------------------- */

static const char *state_name(gw_filediff_state s)
{
    static const char *const names[] = {"equal", "changed", "only_in_a", "only_in_b"};
    return names[s];
}

/* What the main table's rows are, by kind ("coefficients", "areas", ...). */
static const char *main_label(gw_tidy_kind k)
{
    switch (k) {
    case GW_TIDY_MODEL:
        return "coefficients";
    case GW_TIDY_INDEX:
    case GW_TIDY_CLUSTER:
        return "areas";
    case GW_TIDY_SCENARIO:
        return "areas x outcomes";
    case GW_TIDY_MEDIATE:
        return "effects";
    case GW_TIDY_SYNERGY:
        return "pairs";
    case GW_TIDY_PIPELINE:
        return "steps";
    default:
        return "rows";
    }
}

/* Appends s for one line of text: newlines escaped, cut to about 60 characters. */
static void text_short(gw_strbuf *b, const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0' && n < 60; n++) {
        if (s[n] == '\n')
            gw_strbuf_cat(b, "\\n");
        else
            gw_strbuf_put(b, &s[n], 1);
    }
    if (s[n] != '\0')
        gw_strbuf_cat(b, "...");
}

/* 'a' -> 'b', each shortened around the first character where they differ. */
static void text_pair(gw_strbuf *b, const char *x, const char *y)
{
    size_t k = 0;
    while (x[k] != '\0' && x[k] == y[k])
        k++;
    size_t from = k > 24 ? k - 16 : 0;
    gw_strbuf_printf(b, "'%s", from ? "..." : "");
    text_short(b, x + from);
    gw_strbuf_printf(b, "' -> '%s", from ? "..." : "");
    text_short(b, y + from);
    gw_strbuf_cat(b, "'");
}

static void text_column(gw_strbuf *b, const gw_filediff_column *c, size_t matched)
{
    gw_strbuf_printf(b, "    %s: ", c->column);
    char na[GW_OUTPUT_NUMLEN], nb[GW_OUTPUT_NUMLEN];
    if (c->numeric) { /* shortest round-trip texts: values that differ never print alike */
        gw_output_number(c->abs_a, na);
        gw_output_number(c->abs_b, nb);
        if (isnan(c->abs_a))
            strcpy(na, "NA");
        if (isnan(c->abs_b))
            strcpy(nb, "NA");
    }
    if (matched == 1 && c->numeric) { /* a one-row table (glance): just the two values */
        gw_strbuf_printf(b, "%s -> %s\n", na, nb);
        return;
    }
    if (matched == 1) {
        text_pair(b, c->first_a, c->first_b);
        gw_strbuf_cat(b, "\n");
        return;
    }
    gw_strbuf_printf(b, "%zu of %zu rows differ", c->changed, matched);
    if (c->numeric) {
        gw_strbuf_printf(b, "; largest |diff| %.3g at %s (%s -> %s)", c->max_abs, c->where_abs, na,
                         nb);
        gw_strbuf_printf(b, "; largest relative %.3g at %s\n", c->max_rel, c->where_rel);
        return;
    }
    gw_strbuf_printf(b, "; first at %s (", c->where_first);
    text_pair(b, c->first_a, c->first_b);
    gw_strbuf_cat(b, ")\n");
}

static void text_list(gw_strbuf *b, const char *what, char **v, size_t n)
{
    if (n == 0)
        return;
    gw_strbuf_printf(b, "    columns only in %s:", what);
    for (size_t i = 0; i < n; i++)
        gw_strbuf_printf(b, "%s %s", i ? "," : "", v[i]);
    gw_strbuf_cat(b, "\n");
}

/* One line for part p: its sizes, the columns that differ, the largest relative difference. */
static void brief_part(gw_strbuf *b, const char *label, const gw_filediff_part *p)
{
    const gw_filediff_column *big = NULL;
    gw_strbuf_printf(b, "  %s (%zu -> %zu", label, p->rows_a, p->rows_b);
    if (p->only_a)
        gw_strbuf_printf(b, ", %zu only in A", p->only_a);
    if (p->only_b)
        gw_strbuf_printf(b, ", %zu only in B", p->only_b);
    gw_strbuf_cat(b, ")");
    for (size_t c = 0; c < p->ncols; c++) {
        gw_strbuf_printf(b, "%s %s", c ? "," : ":", p->cols[c].column);
        if (p->cols[c].numeric && (big == NULL || p->cols[c].max_rel > big->max_rel))
            big = &p->cols[c];
    }
    if (p->ncols_only_a + p->ncols_only_b > 0)
        gw_strbuf_printf(b, "; %zu columns in one file only", p->ncols_only_a + p->ncols_only_b);
    if (big != NULL && p->rows_a - p->only_a > 1)
        gw_strbuf_printf(b, "; largest relative %.3g (%s at %s)", big->max_rel, big->column,
                         big->where_rel);
    gw_strbuf_cat(b, "\n");
}

static void text_part(gw_strbuf *b, const gw_filediff_object *o, const gw_filediff_part *p, int brief)
{
    const char *label = p->part[0] ? p->part : main_label(o->kind);
    if (p->state != GW_DIFF_EQUAL) {
        gw_strbuf_printf(b, "  %s: only in %s (%zu rows)\n", label,
                         p->state == GW_DIFF_ONLY_A ? "A" : "B",
                         p->state == GW_DIFF_ONLY_A ? p->rows_a : p->rows_b);
        return;
    }
    if (brief) {
        brief_part(b, label, p);
        return;
    }
    gw_strbuf_printf(b, "  %s: %zu -> %zu rows", label, p->rows_a, p->rows_b);
    if (p->only_a)
        gw_strbuf_printf(b, ", %zu only in A (first: %s)", p->only_a, p->first_only_a);
    if (p->only_b)
        gw_strbuf_printf(b, ", %zu only in B (first: %s)", p->only_b, p->first_only_b);
    gw_strbuf_cat(b, "\n");
    text_list(b, "A", p->cols_only_a, p->ncols_only_a);
    text_list(b, "B", p->cols_only_b, p->ncols_only_b);
    for (size_t c = 0; c < p->ncols; c++)
        text_column(b, &p->cols[c], p->rows_a - p->only_a);
}

static void render_text(const gw_filediff *d, gw_strbuf *b, int brief)
{
    size_t count[4] = {0}, nwithin = 0;
    gw_strbuf_printf(b, "A: %s\nB: %s\n", d->path_a, d->path_b);
    if (d->opts.rel > 0 || d->opts.abs > 0 || d->opts.ulps > 0)
        gw_strbuf_printf(b, "tolerance: rel %g, abs %g, ulps %g\n", d->opts.rel, d->opts.abs,
                         d->opts.ulps);
    for (size_t i = 0; i < d->nobjs; i++) {
        const gw_filediff_object *o = &d->objs[i];
        const char *kind = gw_tidy_kind_name(o->kind);
        count[o->state]++;
        nwithin += o->within_tolerance != 0;
        if (o->state == GW_DIFF_EQUAL)
            continue;
        if (o->state != GW_DIFF_CHANGED) {
            int a = o->state == GW_DIFF_ONLY_A;
            gw_strbuf_printf(b, "%s (%s): only in %s (%zu %s)\n", o->name, kind, a ? "A" : "B",
                             a ? o->rows_a : o->rows_b, main_label(o->kind));
            continue;
        }
        gw_strbuf_printf(b, "%s (%s): changed, %zu -> %zu %s\n", o->name, kind, o->rows_a,
                         o->rows_b, main_label(o->kind));
        for (size_t p = 0; p < o->nparts; p++)
            text_part(b, o, &o->parts[p], brief);
        if (o->note != NULL)
            gw_strbuf_printf(b, "  stored data differ outside the tables: %s\n", o->note);
        for (size_t q = 0; q < o->nprovenance; q++)
            gw_strbuf_printf(b, "%s%s%s", q ? ", " : "  provenance differs: ", o->provenance[q],
                             q + 1 == o->nprovenance ? "\n" : "");
    }
    if (count[GW_DIFF_EQUAL] > 0) {
        gw_strbuf_cat(b, "equal:");
        for (size_t i = 0, k = 0; i < d->nobjs; i++)
            if (d->objs[i].state == GW_DIFF_EQUAL)
                gw_strbuf_printf(b, "%s %s%s", k++ ? "," : "", d->objs[i].name,
                                 d->objs[i].within_tolerance ? " (within tolerance)" : "");
        gw_strbuf_cat(b, "\n");
    }
    gw_strbuf_printf(b,
                     "summary: %s; %zu objects: %zu equal (%zu within tolerance), %zu changed, "
                     "%zu only in A, %zu only in B\n",
                     d->equal ? "equal" : "different", d->nobjs, count[0], nwithin, count[1],
                     count[2], count[3]);
}

static cJSON *json_strs(char **v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

static cJSON *json_str_or_null(const char *s)
{
    return s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *json_part(const gw_filediff_part *p)
{
    cJSON *j = cJSON_CreateObject(), *cols = cJSON_CreateArray();
    cJSON_AddStringToObject(j, "part", p->part[0] ? p->part : "main");
    cJSON_AddStringToObject(j, "state",
                            p->state == GW_DIFF_EQUAL ? "changed" : state_name(p->state));
    cJSON_AddItemToObject(j, "rows_a", cJSON_CreateNumber((double)p->rows_a));
    cJSON_AddItemToObject(j, "rows_b", cJSON_CreateNumber((double)p->rows_b));
    cJSON_AddItemToObject(j, "rows_only_in_a", cJSON_CreateNumber((double)p->only_a));
    cJSON_AddItemToObject(j, "rows_only_in_b", cJSON_CreateNumber((double)p->only_b));
    cJSON_AddItemToObject(j, "first_only_in_a", json_str_or_null(p->first_only_a));
    cJSON_AddItemToObject(j, "first_only_in_b", json_str_or_null(p->first_only_b));
    cJSON_AddItemToObject(j, "columns_only_in_a", json_strs(p->cols_only_a, p->ncols_only_a));
    cJSON_AddItemToObject(j, "columns_only_in_b", json_strs(p->cols_only_b, p->ncols_only_b));
    for (size_t c = 0; c < p->ncols; c++) {
        const gw_filediff_column *x = &p->cols[c];
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "column", x->column);
        cJSON_AddItemToObject(k, "rows_changed", cJSON_CreateNumber((double)x->changed));
        if (x->numeric) {
            cJSON_AddItemToObject(k, "max_abs_diff", gwi_json_exact(x->max_abs));
            cJSON_AddItemToObject(k, "max_abs_where", json_str_or_null(x->where_abs));
            cJSON_AddItemToObject(k, "a", gwi_json_exact(x->abs_a));
            cJSON_AddItemToObject(k, "b", gwi_json_exact(x->abs_b));
            cJSON_AddItemToObject(k, "max_rel_diff", gwi_json_exact(x->max_rel));
            cJSON_AddItemToObject(k, "max_rel_where", json_str_or_null(x->where_rel));
            cJSON_AddItemToObject(k, "max_ulps", gwi_json_exact(x->max_ulps));
        } else {
            cJSON_AddItemToObject(k, "first_where", json_str_or_null(x->where_first));
            cJSON_AddItemToObject(k, "a", json_str_or_null(x->first_a));
            cJSON_AddItemToObject(k, "b", json_str_or_null(x->first_b));
        }
        cJSON_AddItemToArray(cols, k);
    }
    cJSON_AddItemToObject(j, "columns", cols);
    return j;
}

static cJSON *render_json(const gw_filediff *d)
{
    cJSON *root = cJSON_CreateObject(), *objs = cJSON_CreateArray(), *tol = cJSON_CreateObject();
    size_t count[4] = {0};
    cJSON_AddBoolToObject(root, "equal", d->equal);
    cJSON_AddStringToObject(root, "a", d->path_a);
    cJSON_AddStringToObject(root, "b", d->path_b);
    cJSON_AddItemToObject(tol, "rel", cJSON_CreateNumber(d->opts.rel));
    cJSON_AddItemToObject(tol, "abs", cJSON_CreateNumber(d->opts.abs));
    cJSON_AddItemToObject(tol, "ulps", cJSON_CreateNumber(d->opts.ulps));
    cJSON_AddItemToObject(root, "tolerance", tol);
    for (size_t i = 0; i < d->nobjs; i++) {
        const gw_filediff_object *o = &d->objs[i];
        cJSON *j = cJSON_CreateObject(), *parts = cJSON_CreateArray();
        count[o->state]++;
        cJSON_AddStringToObject(j, "name", o->name);
        cJSON_AddStringToObject(j, "kind", gw_tidy_kind_name(o->kind));
        cJSON_AddStringToObject(j, "state", state_name(o->state));
        cJSON_AddBoolToObject(j, "within_tolerance", o->within_tolerance);
        cJSON_AddItemToObject(j, "rows_a", cJSON_CreateNumber((double)o->rows_a));
        cJSON_AddItemToObject(j, "rows_b", cJSON_CreateNumber((double)o->rows_b));
        for (size_t p = 0; p < o->nparts; p++)
            cJSON_AddItemToArray(parts, json_part(&o->parts[p]));
        cJSON_AddItemToObject(j, "parts", parts);
        cJSON_AddItemToObject(j, "note", json_str_or_null(o->note));
        cJSON_AddItemToObject(j, "provenance_differs", json_strs(o->provenance, o->nprovenance));
        cJSON_AddItemToArray(objs, j);
    }
    cJSON *sum = cJSON_CreateObject();
    for (size_t s = 0; s < 4; s++)
        cJSON_AddItemToObject(sum, state_name((gw_filediff_state)s),
                              cJSON_CreateNumber((double)count[s]));
    cJSON_AddItemToObject(root, "summary", sum);
    cJSON_AddItemToObject(root, "objects", objs);
    return root;
}

gw_status gw_filediff_render(const gw_filediff *d, gw_output_format fmt, char **out)
{
    if (out != NULL)
        *out = NULL;
    if (d == NULL || out == NULL || (fmt != GW_OUT_TEXT && fmt != GW_OUT_JSON))
        return gwi_fail(GW_EINVAL, "gw_filediff_render: NULL argument or a format other than text "
                                   "or json");
    if (fmt == GW_OUT_JSON)
        return gwi_json_finish(render_json(d), out);
    gw_strbuf b = {0};
    render_text(d, &b, 0);
    gw_status rc = gw_strbuf_finish(&b, out);
    return rc == GW_OK ? GW_OK : gwi_fail(rc, "out of memory");
}

gw_status gw_filediff_render_brief(const gw_filediff *d, char **out)
{
    if (out != NULL)
        *out = NULL;
    if (d == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_filediff_render_brief: NULL argument");
    gw_strbuf b = {0};
    render_text(d, &b, 1);
    gw_status rc = gw_strbuf_finish(&b, out);
    return rc == GW_OK ? GW_OK : gwi_fail(rc, "out of memory");
}
