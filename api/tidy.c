/* tidy.c -- the objects of a results file as tidy tables (gw_tidy.h).
 *
 * Each object's group is read whole (gw_h5_group_read) and reshaped by its kind: the layouts are
 * those the writers in api/ store (docs/reference/output.md). A part is built from the datasets
 * it names; a dataset of the wrong length for the layout is a format error, not a guess. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis_int.h"
#include "gw_alloc.h"
#include "gw_csv.h"
#include "gw_h5read.h"
#include "gw_hdf5.h"
#include "gw_strbuf.h"
#include "gw_tidy.h"
#include "tidy_int.h"

/* Attributes that describe a write rather than its result (docs/reference/output.md, "Root
 * attributes"); the scenario's `results` names the file it read, which moves with the folder. */
static const char *const provenance[] = {
    "goodwork_version", "created_utc", "command_line", "data_sha256", "blas", "seed", "results"};

int gwi_tidy_is_provenance(const char *attr)
{
    for (size_t i = 0; i < sizeof provenance / sizeof provenance[0]; i++)
        if (strcmp(attr, provenance[i]) == 0)
            return 1;
    return 0;
}

const char *gw_tidy_kind_name(gw_tidy_kind k)
{
    static const char *const names[] = {"model",   "index",   "cluster",  "scenario",
                                        "mediate", "synergy", "pipeline", "other"};
    return (unsigned)k <= GW_TIDY_OTHER ? names[k] : "other";
}

/* ---- columns ------------------------------------------------------------------------------ */

static size_t nvals(const gw_h5_data *d) { return d->cols ? d->rows * d->cols : d->rows; }

static double dval(const gw_h5_data *d, size_t k)
{
    if (d->kind == GW_H5_F64)
        return d->f64[k];
    return d->kind == GW_H5_I64 ? (double)d->i64[k] : (double)NAN;
}

/* buf = a b c (truncated to size - 1 bytes; names here are far shorter). */
static void join(char *buf, size_t size, const char *a, const char *b, const char *c)
{
    size_t n = 0;
    const char *parts[3] = {a, b, c};
    for (size_t i = 0; i < 3; i++)
        for (const char *q = parts[i]; q != NULL && *q != '\0' && n + 1 < size; q++)
            buf[n++] = *q;
    buf[n] = '\0';
}

/* A 1-D dataset of n values at name, else NULL. */
static const gw_h5_data *vec(const gw_h5_group *g, const char *name, size_t n)
{
    const gw_h5_data *d = gw_h5_group_item(g, name);
    return d != NULL && d->cols == 0 && d->rows == n ? d : NULL;
}

/* Adds the numeric column name: value r is d[idx[r]] (idx NULL: d[r]). */
static gw_status add_num(gw_table *t, const char *name, const gw_h5_data *d, const size_t *idx)
{
    size_t n = gw_table_nrows(t);
    double *v = gw_alloc_array(n ? n : 1, sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t r = 0; r < n; r++)
        v[r] = dval(d, idx ? idx[r] : r);
    return gw_table_add_numeric_take(t, name, v);
}

/* Adds a numeric column of computed values (adopts v). */
static gw_status add_vals(gw_table *t, const char *name, double *v)
{
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return gw_table_add_numeric_take(t, name, v);
}

/* Adds the categorical column name: row r is s[idx[r]] (idx NULL: s[r]); levels in order of
 * first appearance. */
static gw_status add_str(gw_table *t, const char *name, char *const *s, const size_t *idx)
{
    size_t n = gw_table_nrows(t), nl = 0;
    int32_t *codes = gw_alloc_array(n ? n : 1, sizeof *codes);
    char **lv = gw_calloc(n ? n : 1, sizeof *lv);
    if (codes == NULL || lv == NULL) {
        gw_free(codes);
        gw_free(lv);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t r = 0; r < n; r++) {
        const char *v = s[idx ? idx[r] : r];
        size_t c = 0;
        while (c < nl && strcmp(lv[c], v) != 0)
            c++;
        if (c == nl && (lv[nl++] = gw_strdup(v)) == NULL) {
            gw_free(codes);
            gwi_strv_free(lv, nl);
            return gwi_fail(GW_ENOMEM, "out of memory");
        }
        codes[r] = (int32_t)c;
    }
    return gw_table_add_categorical_take(t, name, codes, lv, nl);
}

/* Adds dataset d as a column (strings categorical), rows through idx. */
static gw_status add_any(gw_table *t, const char *name, const gw_h5_data *d, const size_t *idx)
{
    return d->kind == GW_H5_STR ? add_str(t, name, d->str, idx) : add_num(t, name, d, idx);
}

/* The last component of a dataset path. */
static const char *leaf(const char *name)
{
    const char *s = strrchr(name, '/');
    return s ? s + 1 : name;
}

/* Does the dataset name lie directly in prefix ("" the top; "national/")? */
static int directly_in(const char *name, const char *prefix)
{
    size_t lp = strlen(prefix);
    return strncmp(name, prefix, lp) == 0 && strchr(name + lp, '/') == NULL;
}

/* Index arrays of a long table of a x b rows, row r = i * b + j: *ia = i, *ib = j, and *iab =
 * the element [j][i] of a b x a matrix (transposed: j * a + i) when transpose, else i * b + j. */
static gw_status long_index(size_t a, size_t b, int transpose, size_t **ia, size_t **ib,
                            size_t **iab)
{
    size_t n = a * b;
    *ia = gw_alloc_array(n ? n : 1, sizeof **ia);
    *ib = gw_alloc_array(n ? n : 1, sizeof **ib);
    *iab = gw_alloc_array(n ? n : 1, sizeof **iab);
    if (*ia == NULL || *ib == NULL || *iab == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < a; i++)
        for (size_t j = 0; j < b; j++) {
            (*ia)[i * b + j] = i;
            (*ib)[i * b + j] = j;
            (*iab)[i * b + j] = transpose ? j * a + i : i * b + j;
        }
    return GW_OK;
}

static void free3(size_t *a, size_t *b, size_t *c)
{
    gw_free(a);
    gw_free(b);
    gw_free(c);
}

/* ---- kinds -------------------------------------------------------------------------------- */

static const char *str_attr(const gw_h5_group *g, const char *name)
{
    const gw_h5_data *a = gw_h5_group_attr(g, name);
    return a != NULL && a->kind == GW_H5_STR && a->rows == 1 ? a->str[0] : NULL;
}

gw_tidy_kind gwi_tidy_kind_of(const gw_h5_group *g, const char *group)
{
    const char *an = str_attr(g, "analysis");
    if (strncmp(group, "/models/", 8) == 0 ||
        (gw_h5_group_item(g, "terms") && gw_h5_group_item(g, "estimate")))
        return GW_TIDY_MODEL;
    if ((an && strcmp(an, "index") == 0) ||
        (gw_h5_group_item(g, "id") && gw_h5_group_item(g, "value") && gw_h5_group_item(g, "rank")))
        return GW_TIDY_INDEX;
    if ((an && strcmp(an, "cluster") == 0) ||
        (gw_h5_group_item(g, "id") && gw_h5_group_item(g, "cluster")))
        return GW_TIDY_CLUSTER;
    if ((an && strcmp(an, "synergy") == 0) ||
        (gw_h5_group_item(g, "variables") && gw_h5_group_item(g, "all/r")))
        return GW_TIDY_SYNERGY;
    if (gw_h5_group_item(g, "area") && gw_h5_group_item(g, "outcome") &&
        gw_h5_group_item(g, "point"))
        return GW_TIDY_SCENARIO;
    if (gw_h5_group_item(g, "effect") && gw_h5_group_item(g, "estimate"))
        return GW_TIDY_MEDIATE;
    if (strcmp(group, "/pipeline") == 0 || gw_h5_group_item(g, "step_name"))
        return GW_TIDY_PIPELINE;
    return GW_TIDY_OTHER;
}

/* Columns: the keys present (1-D, n rows, directly in prefix), then the names in order, then
 * every other 1-D dataset of n rows directly in prefix (name order). */
static gw_status assemble(const gw_h5_group *g, const char *prefix, const char *const *keys,
                          size_t nk, const char *const *order, size_t n, gw_table *t, size_t *nkey)
{
    char name[512];
    gw_status rc = GW_OK;
    *nkey = 0;
    for (size_t pass = 0; pass < 3 && rc == GW_OK; pass++) {
        const char *const *list = pass == 0 ? keys : order;
        for (size_t i = 0; pass < 2 && list != NULL && list[i] != NULL && rc == GW_OK; i++) {
            if (pass == 0 && i >= nk)
                break;
            join(name, sizeof name, prefix, list[i], NULL);
            const gw_h5_data *d = vec(g, name, n);
            if (d == NULL && gw_h5_group_item(g, name) != NULL && n > 0) {
                rc = gwi_fail(GW_EFORMAT, "%s is not a list of %zu values", name, n);
                break;
            }
            if (d != NULL && gw_table_find(t, list[i]) < 0) {
                rc = add_any(t, list[i], d, NULL);
                *nkey += pass == 0;
            }
        }
        for (size_t i = 0; pass == 2 && i < g->nitems && rc == GW_OK; i++) {
            const gw_h5_data *d = &g->items[i];
            if (d->cols == 0 && d->rows == n && directly_in(d->name, prefix) &&
                gw_table_find(t, leaf(d->name)) < 0)
                rc = add_any(t, leaf(d->name), d, NULL);
        }
    }
    return rc;
}

/* A model (prefix "" or a sub-model such as "marginal_effects/"): one row per term. */
static gw_status model_main(const gw_h5_group *g, const char *prefix, gw_table *t, size_t *nkey)
{
    static const char *const key[] = {"terms"};
    static const char *const order[] = {"estimate", "std_error", "statistic", "p_value",
                                        "ci_low",   "ci_high",   NULL};
    char name[512];
    join(name, sizeof name, prefix, "terms", NULL);
    const gw_h5_data *terms = gw_h5_group_item(g, name);
    size_t k = terms ? terms->rows : 0;
    gw_status rc = GW_OK;
    if (terms == NULL || terms->kind != GW_H5_STR)
        return gwi_fail(GW_EFORMAT, "no terms (a list of strings)");
    (void)key;
    if ((rc = add_str(t, "term", terms->str, NULL)) != GW_OK)
        return rc;
    *nkey = 1;
    for (size_t i = 0; order[i] != NULL && rc == GW_OK; i++) {
        join(name, sizeof name, prefix, order[i], NULL);
        const gw_h5_data *d = gw_h5_group_item(g, name);
        if (d != NULL && (d->cols != 0 || d->rows != k || d->kind == GW_H5_STR))
            rc = gwi_fail(GW_EFORMAT, "%s is not %zu numbers (one per term)", name, k);
        else if (d != NULL)
            rc = add_num(t, order[i], d, NULL);
    }
    return rc;
}

static gw_status model_vcov(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    const gw_h5_data *terms = gw_h5_group_item(g, "terms"), *v = gw_h5_group_item(g, "vcov");
    size_t k = gw_table_nrows(t), *ia = NULL, *ib = NULL, *iab = NULL;
    if (terms == NULL || v == NULL || terms->kind != GW_H5_STR || k != terms->rows * terms->rows ||
        v->rows != terms->rows || (v->cols != terms->rows && terms->rows > 0))
        return gwi_fail(GW_EFORMAT, "vcov is not terms x terms");
    gw_status rc = long_index(terms->rows, terms->rows, 0, &ia, &ib, &iab);
    if (rc == GW_OK && (rc = add_str(t, "term", terms->str, ia)) == GW_OK &&
        (rc = add_str(t, "term2", terms->str, ib)) == GW_OK)
        rc = add_num(t, "covariance", v, iab);
    *nkey = 2;
    free3(ia, ib, iab);
    return rc;
}

/* One row: every attribute but the provenance; a list of m values gives NAME_1 .. NAME_m. */
static gw_status glance(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    gw_status rc = GW_OK;
    *nkey = 0;
    for (size_t a = 0; a < g->nattrs && rc == GW_OK; a++) {
        const gw_h5_data *d = &g->attrs[a];
        size_t m = nvals(d);
        if (gwi_tidy_is_provenance(d->name))
            continue;
        for (size_t j = 0; j < m && rc == GW_OK; j++) {
            char name[300];
            size_t one = j;
            if (m == 1)
                snprintf(name, sizeof name, "%s", d->name);
            else
                snprintf(name, sizeof name, "%s_%zu", d->name, j + 1);
            rc = add_any(t, name, d, &one);
        }
    }
    return rc;
}

static gw_status index_weights(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    size_t p = gw_table_nrows(t);
    const gw_h5_data *ind = vec(g, "indicators", p), *w = vec(g, "weights", p);
    if (ind == NULL || w == NULL || ind->kind != GW_H5_STR)
        return gwi_fail(GW_EFORMAT, "indicators and weights of different lengths");
    gw_status rc = add_str(t, "indicator", ind->str, NULL);
    *nkey = 1;
    return rc == GW_OK ? add_num(t, "weight", w, NULL) : rc;
}

static gw_status cluster_profiles(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    size_t k = gw_table_nrows(t);
    const gw_h5_data *var = gw_h5_group_item(g, "variables"), *pr = gw_h5_group_item(g, "profiles"),
                     *sz = vec(g, "sizes", k);
    if (var == NULL || pr == NULL || var->kind != GW_H5_STR || pr->rows != k ||
        (pr->cols != var->rows && k > 0))
        return gwi_fail(GW_EFORMAT, "profiles are not communities x variables");
    double *c = gw_alloc_array(k ? k : 1, sizeof *c);
    for (size_t i = 0; c != NULL && i < k; i++)
        c[i] = (double)(i + 1);
    gw_status rc = add_vals(t, "cluster", c);
    *nkey = 1;
    if (rc == GW_OK && sz != NULL)
        rc = add_num(t, "size", sz, NULL);
    size_t *idx = gw_alloc_array(k ? k : 1, sizeof *idx);
    if (idx == NULL && rc == GW_OK)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < var->rows && rc == GW_OK; j++) {
        for (size_t i = 0; i < k; i++)
            idx[i] = i * pr->cols + j;
        rc = add_num(t, var->str[j], pr, idx);
    }
    gw_free(idx);
    return rc;
}

static gw_status cluster_silhouette(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    size_t n = gw_table_nrows(t);
    const gw_h5_data *s = vec(g, "silhouette", n + 2);
    if (s == NULL)
        return gwi_fail(GW_EFORMAT, "silhouette: unexpected length");
    double *k = gw_alloc_array(n ? n : 1, sizeof *k);
    size_t *idx = gw_alloc_array(n ? n : 1, sizeof *idx);
    for (size_t i = 0; k != NULL && idx != NULL && i < n; i++) {
        k[i] = (double)(i + 2);
        idx[i] = i + 2;
    }
    gw_status rc = idx != NULL ? add_vals(t, "k", k) : gwi_fail(GW_ENOMEM, "out of memory");
    if (idx == NULL)
        gw_free(k);
    *nkey = 1;
    if (rc == GW_OK)
        rc = add_num(t, "silhouette", s, idx);
    gw_free(idx);
    return rc;
}

static gw_status cluster_transitions(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    const gw_h5_data *ts = gw_h5_group_item(g, "transition_times"),
                     *tr = gw_h5_group_item(g, "transitions");
    size_t k = tr != NULL ? tr->cols : 0, nts = ts != NULL ? ts->rows : 0;
    size_t n = gw_table_nrows(t);
    if (ts == NULL || tr == NULL || nts < 2 || tr->rows != (nts - 1) * k || n != tr->rows * k)
        return gwi_fail(GW_EFORMAT, "transitions are not (times - 1) x k by k");
    double *c[4];
    gw_status rc = GW_OK;
    for (size_t j = 0; j < 4; j++)
        c[j] = gw_alloc_array(n ? n : 1, sizeof(double));
    for (size_t q = 0; q + 1 < nts && c[0] && c[1] && c[2] && c[3]; q++)
        for (size_t from = 0; from < k; from++)
            for (size_t to = 0; to < k; to++) {
                size_t r = (q * k + from) * k + to;
                c[0][r] = dval(ts, q);
                c[1][r] = dval(ts, q + 1);
                c[2][r] = (double)(from + 1);
                c[3][r] = (double)(to + 1);
            }
    static const char *const names[] = {"from_time", "to_time", "from_cluster", "to_cluster"};
    for (size_t j = 0; j < 4; j++) {
        if (rc == GW_OK)
            rc = add_vals(t, names[j], c[j]);
        else
            gw_free(c[j]);
    }
    *nkey = 4;
    return rc == GW_OK ? add_num(t, "count", tr, NULL) : rc;
}

/* Scenario areas: area x outcome rows, per-area datasets repeated over outcomes. */
static gw_status scenario_main(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    static const char *const order[] = {"base", "point",     "mean",       "median",     "q05",
                                        "q95",  "rank_base", "rank_after", "rank_change"};
    const gw_h5_data *area = gw_h5_group_item(g, "area"), *out = gw_h5_group_item(g, "outcome");
    size_t n = area->rows, no = out->rows, *ia = NULL, *io = NULL, *iv = NULL;
    gw_status rc = long_index(n, no, 1, &ia, &io, &iv);
    if (rc == GW_OK && (rc = add_any(t, "area", area, ia)) == GW_OK)
        rc = add_any(t, "outcome", out, io);
    *nkey = 2;
    for (size_t i = 0; i < g->nitems && rc == GW_OK; i++) {
        const gw_h5_data *d = &g->items[i];
        if (d != area && d != out && d->cols == 0 && d->rows == n && directly_in(d->name, "") &&
            gw_table_find(t, d->name) < 0)
            rc = add_any(t, d->name, d, ia);
    }
    /* The documented statistics in their order, then any other outcomes x areas dataset. */
    for (size_t o = 0; o < sizeof order / sizeof order[0] && rc == GW_OK; o++) {
        const gw_h5_data *d = gw_h5_group_item(g, order[o]);
        if (d != NULL && (d->cols != n || d->rows != no || d->kind == GW_H5_STR))
            rc = gwi_fail(GW_EFORMAT, "%s is not numbers of outcomes x areas (%zu x %zu)", d->name,
                          no, n);
        else if (d != NULL)
            rc = add_num(t, d->name, d, iv);
    }
    for (size_t i = 0; i < g->nitems && rc == GW_OK; i++) {
        const gw_h5_data *d = &g->items[i];
        if (d->cols == n && d->rows == no && directly_in(d->name, "") && d->kind != GW_H5_STR &&
            gw_table_find(t, d->name) < 0)
            rc = add_num(t, d->name, d, iv);
    }
    free3(ia, io, iv);
    return rc;
}

/* by/VAR (prefix "by/VAR/") or national ("national/"): level x outcome rows. */
static gw_status scenario_summary(const gw_h5_group *g, const char *prefix, const char *var,
                                  gw_table *t, size_t *nkey)
{
    static const char *const order[] = {"mean_change", "q05", "q50", "q95", "point"};
    const gw_h5_data *out = gw_h5_group_item(g, "outcome"), *lv = NULL;
    char name[512];
    size_t no = out->rows, G = 1, *ig = NULL, *io = NULL, *iv = NULL;
    if (var != NULL) {
        join(name, sizeof name, prefix, "levels", NULL);
        if ((lv = gw_h5_group_item(g, name)) == NULL)
            return gwi_fail(GW_EFORMAT, "%slevels is missing", prefix);
        G = lv->rows;
    }
    gw_status rc = long_index(G, no, 0, &ig, &io, &iv);
    *nkey = var != NULL ? 2 : 1;
    if (rc == GW_OK && var != NULL)
        rc = add_any(t, var, lv, ig);
    if (rc == GW_OK)
        rc = add_any(t, "outcome", out, io);
    for (size_t o = 0; o < sizeof order / sizeof order[0] && rc == GW_OK; o++) {
        join(name, sizeof name, prefix, order[o], NULL);
        const gw_h5_data *d = gw_h5_group_item(g, name);
        if (d != NULL && (nvals(d) != G * no || d->kind == GW_H5_STR))
            rc = gwi_fail(GW_EFORMAT, "%s is not numbers of levels x outcomes (%zu x %zu)", name, G,
                          no);
        else if (d != NULL)
            rc = add_num(t, order[o], d, iv);
    }
    free3(ig, io, iv);
    return rc;
}

/* A matrix dataset m (a x b) with labels of its columns: rows (draw or replicate, label). */
static gw_status long_matrix(const gw_h5_data *m, const char *rowname, const gw_h5_data *labels,
                             const char *labname, int transpose, const char *valname, gw_table *t,
                             size_t *nkey)
{
    size_t a = transpose ? m->cols : m->rows, b = labels->rows, *ia = NULL, *ib = NULL, *iab = NULL;
    gw_status rc = long_index(a, b, transpose, &ia, &ib, &iab);
    double *r = gw_alloc_array(a * b > 0 ? a * b : 1, sizeof *r);
    for (size_t q = 0; rc == GW_OK && r != NULL && q < a * b; q++)
        r[q] = (double)(ia[q] + 1);
    if (rc == GW_OK)
        rc = add_vals(t, rowname, r);
    else
        gw_free(r);
    if (rc == GW_OK)
        rc = add_any(t, labname, labels, ib);
    if (rc == GW_OK)
        rc = add_num(t, valname, m, iab);
    *nkey = 2;
    free3(ia, ib, iab);
    return rc;
}

/* Synergy: scope x (var1 < var2) rows; a scope is a group holding r (p x p). */
static gw_status synergy_main(const gw_h5_group *g, gw_table *t, size_t *nkey)
{
    static const char *const stats[] = {"r", "ci_low", "ci_high", "p_value"};
    const gw_h5_data *var = gw_h5_group_item(g, "variables");
    if (var == NULL || var->kind != GW_H5_STR)
        return gwi_fail(GW_EFORMAT, "no variables (a list of strings)");
    size_t p = var->rows, np = p * (p - (p > 0)) / 2, ns = 0, n = gw_table_nrows(t);
    const gw_h5_data **scope = gw_calloc(g->nitems + 1, sizeof *scope);
    size_t *is = gw_alloc_array(n ? n : 1, sizeof *is), *i1 = gw_alloc_array(n ? n : 1, sizeof *i1),
           *i2 = gw_alloc_array(n ? n : 1, sizeof *i2);
    char **sname = gw_calloc(g->nitems + 1, sizeof *sname);
    gw_status rc = GW_OK;
    if (scope == NULL || is == NULL || i1 == NULL || i2 == NULL || sname == NULL) {
        rc = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < g->nitems; i++) {
        const gw_h5_data *d = &g->items[i];
        size_t L = strlen(d->name);
        if (L > 2 && strcmp(d->name + L - 2, "/r") == 0 && d->rows == p && d->cols == p) {
            scope[ns] = d;
            if ((sname[ns] = gw_strdup(d->name)) == NULL) {
                rc = gwi_fail(GW_ENOMEM, "out of memory");
                goto done;
            }
            sname[ns++][L - 2] = '\0';
        }
    }
    if (ns * np != n) {
        rc = gwi_fail(GW_EFORMAT, "correlation matrices of different sizes");
        goto done;
    }
    for (size_t s = 0, r = 0; s < ns; s++)
        for (size_t i = 0; i < p; i++)
            for (size_t j = i + 1; j < p; j++, r++) {
                is[r] = s;
                i1[r] = i;
                i2[r] = j;
            }
    *nkey = 3;
    if ((rc = add_str(t, "scope", sname, is)) != GW_OK ||
        (rc = add_str(t, "var1", var->str, i1)) != GW_OK ||
        (rc = add_str(t, "var2", var->str, i2)) != GW_OK)
        goto done;
    for (size_t c = 0; c < 5 && rc == GW_OK; c++) {
        double *v = gw_alloc_array(n ? n : 1, sizeof *v);
        for (size_t r = 0; v != NULL && r < n; r++) {
            char name[600];
            join(name, sizeof name, sname[is[r]], "/", c < 4 ? stats[c] : "n");
            const gw_h5_data *d = gw_h5_group_item(g, name);
            size_t at = c < 4 ? i1[r] * p + i2[r] : 0;
            v[r] = d != NULL && nvals(d) > at ? dval(d, at) : (double)NAN;
        }
        rc = add_vals(t, c < 4 ? stats[c] : "n", v);
    }
done:
    gw_free(scope);
    free3(is, i1, i2);
    gwi_strv_free(sname, ns);
    return rc;
}

/* ---- parts -------------------------------------------------------------------------------- */

/* The most common length of the 1-D datasets at the top of g (0 when none), and the first
 * string dataset of that length (the key of an unknown kind). */
static size_t common_rows(const gw_h5_group *g, const char **key)
{
    size_t best = 0, bestc = 0;
    *key = NULL;
    for (size_t i = 0; i < g->nitems; i++) {
        const gw_h5_data *d = &g->items[i];
        size_t c = 0;
        if (d->cols != 0 || !directly_in(d->name, ""))
            continue;
        for (size_t j = 0; j < g->nitems; j++)
            c += g->items[j].cols == 0 && g->items[j].rows == d->rows &&
                 directly_in(g->items[j].name, "");
        if (c > bestc) {
            bestc = c;
            best = d->rows;
        }
    }
    for (size_t i = 0; i < g->nitems && *key == NULL; i++)
        if (g->items[i].kind == GW_H5_STR && g->items[i].cols == 0 && g->items[i].rows == best &&
            directly_in(g->items[i].name, ""))
            *key = g->items[i].name;
    return best;
}

static size_t rows_of(const gw_h5_group *g, const char *name)
{
    const gw_h5_data *d = gw_h5_group_item(g, name);
    return d != NULL ? d->rows : 0;
}

static size_t synergy_rows(const gw_h5_group *g)
{
    size_t p = rows_of(g, "variables"), ns = 0;
    for (size_t i = 0; i < g->nitems; i++) {
        size_t L = strlen(g->items[i].name);
        ns += L > 2 && strcmp(g->items[i].name + L - 2, "/r") == 0 && g->items[i].rows == p &&
              g->items[i].cols == p;
    }
    return ns * (p * (p - (p > 0)) / 2);
}

/* A growing list of part names. */
typedef struct {
    char **v;
    size_t n;
    gw_status rc;
} name_list;

static void push_name(name_list *l, const char *prefix, const char *arg)
{
    char buf[512];
    if (l->rc != GW_OK)
        return;
    join(buf, sizeof buf, prefix, arg, NULL);
    char **p = gw_realloc(l->v, (l->n + 1) * sizeof *p);
    if (p == NULL || (p[l->n] = gw_strdup(buf)) == NULL) {
        if (p != NULL)
            l->v = p;
        l->rc = gwi_fail(GW_ENOMEM, "out of memory");
        return;
    }
    l->v = p;
    l->n++;
}

gw_status gwi_tidy_parts(const gw_h5_group *g, gw_tidy_kind kind, char ***parts, size_t *n)
{
    name_list l = {NULL, 0, GW_OK};
    if (kind == GW_TIDY_MODEL && gw_h5_group_item(g, "vcov"))
        push_name(&l, "", "vcov");
    for (size_t i = 0; kind == GW_TIDY_MODEL && i < g->nitems; i++) {
        const char *s = g->items[i].name, *slash = strchr(s, '/');
        if (slash != NULL && strcmp(slash, "/terms") == 0) {
            char sub[256];
            snprintf(sub, sizeof sub, "%.*s", (int)(slash - s), s);
            push_name(&l, "", sub);
        }
    }
    if (kind == GW_TIDY_INDEX && gw_h5_group_item(g, "weights"))
        push_name(&l, "", "weights");
    if (kind == GW_TIDY_CLUSTER) {
        if (gw_h5_group_item(g, "profiles"))
            push_name(&l, "", "profiles");
        if (rows_of(g, "silhouette") > 2)
            push_name(&l, "", "silhouette");
        if (rows_of(g, "transition_times") > 1 && gw_h5_group_item(g, "transitions"))
            push_name(&l, "", "transitions");
    }
    if (kind == GW_TIDY_SCENARIO) {
        if (gw_h5_group_item(g, "national/mean_change"))
            push_name(&l, "", "national");
        for (size_t i = 0; i < g->nitems; i++) {
            const char *s = g->items[i].name;
            size_t L = strlen(s);
            if (strncmp(s, "by/", 3) == 0 && L > 10 && strcmp(s + L - 7, "/levels") == 0) {
                char var[256];
                snprintf(var, sizeof var, "%.*s", (int)(L - 7), s);
                push_name(&l, "", var);
            }
        }
        if (gw_h5_group_item(g, "national_draws"))
            push_name(&l, "", "draws");
    }
    if (kind == GW_TIDY_MEDIATE && gw_h5_group_item(g, "replicates"))
        push_name(&l, "", "replicates");
    push_name(&l, "", "glance");
    if (l.rc != GW_OK) {
        gwi_strv_free(l.v, l.n);
        return l.rc;
    }
    *parts = l.v;
    *n = l.n;
    return GW_OK;
}

/* Rows of part (NULL or "": the main table) of g; 0 also when the part does not exist. */
static size_t part_rows(const gw_h5_group *g, gw_tidy_kind kind, const char *part)
{
    const char *key;
    char name[512];
    if (strcmp(part, "glance") == 0)
        return 1;
    switch (kind) {
    case GW_TIDY_MODEL:
        if (part[0] == '\0')
            return rows_of(g, "terms");
        if (strcmp(part, "vcov") == 0)
            return rows_of(g, "terms") * rows_of(g, "terms");
        join(name, sizeof name, part, "/terms", NULL);
        return rows_of(g, name);
    case GW_TIDY_INDEX:
        return rows_of(g, part[0] ? "indicators" : "id");
    case GW_TIDY_CLUSTER:
        if (strcmp(part, "silhouette") == 0)
            return rows_of(g, "silhouette") - 2;
        if (strcmp(part, "transitions") == 0) {
            const gw_h5_data *tr = gw_h5_group_item(g, "transitions");
            return tr != NULL ? tr->rows * tr->cols : 0;
        }
        return rows_of(g, part[0] ? "profiles" : "id");
    case GW_TIDY_SCENARIO:
        if (part[0] == '\0')
            return rows_of(g, "area") * rows_of(g, "outcome");
        if (strcmp(part, "national") == 0)
            return rows_of(g, "outcome");
        if (strcmp(part, "draws") == 0) {
            const gw_h5_data *d = gw_h5_group_item(g, "national_draws");
            return d != NULL ? nvals(d) : 0;
        }
        join(name, sizeof name, part, "/levels", NULL);
        return rows_of(g, name) * rows_of(g, "outcome");
    case GW_TIDY_MEDIATE:
        if (part[0] == '\0')
            return rows_of(g, "effect");
        return gw_h5_group_item(g, "replicates") ? nvals(gw_h5_group_item(g, "replicates")) : 0;
    case GW_TIDY_SYNERGY:
        return synergy_rows(g);
    case GW_TIDY_PIPELINE:
        return rows_of(g, "step_name");
    default:
        return common_rows(g, &key);
    }
}

/* Fills t (part_rows rows) with part of g. */
static gw_status build(const gw_h5_group *g, gw_tidy_kind kind, const char *part, gw_table *t,
                       size_t *nkey)
{
    static const char *const ikeys[] = {"id", "time", NULL};
    static const char *const iorder[] = {"value",    "rank",     "rank_change", "rank_median",
                                         "rank_q05", "rank_q95", NULL};
    static const char *const ckeys[] = {"id", NULL}, *const corder[] = {"cluster", "cluster_ward",
                                                                        NULL};
    static const char *const mkeys[] = {"effect", NULL}, *const pkeys[] = {"step_name", NULL};
    static const char *const morder[] = {"estimate", "ci_low",    "ci_high",    "se_delta",
                                         "boot_se",  "pct_low",   "pct_high",   "bca_low",
                                         "bca_high", "delta_low", "delta_high", NULL};
    static const char *const porder[] = {"step_kind",  "step_group",        "step_argv",
                                         "step_input", "step_input_sha256", "step_seed",
                                         NULL};
    size_t n = gw_table_nrows(t);
    char prefix[512];
    if (strcmp(part, "glance") == 0)
        return glance(g, t, nkey);
    switch (kind) {
    case GW_TIDY_MODEL:
        if (strcmp(part, "vcov") == 0)
            return model_vcov(g, t, nkey);
        join(prefix, sizeof prefix, part, part[0] ? "/" : "", NULL);
        return model_main(g, prefix, t, nkey);
    case GW_TIDY_INDEX:
        return part[0] ? index_weights(g, t, nkey) : assemble(g, "", ikeys, 2, iorder, n, t, nkey);
    case GW_TIDY_CLUSTER:
        if (strcmp(part, "profiles") == 0)
            return cluster_profiles(g, t, nkey);
        if (strcmp(part, "silhouette") == 0)
            return cluster_silhouette(g, t, nkey);
        if (strcmp(part, "transitions") == 0)
            return cluster_transitions(g, t, nkey);
        return assemble(g, "", ckeys, 1, corder, n, t, nkey);
    case GW_TIDY_SCENARIO:
        if (part[0] == '\0')
            return scenario_main(g, t, nkey);
        if (strcmp(part, "draws") == 0)
            return long_matrix(gw_h5_group_item(g, "national_draws"), "draw",
                               gw_h5_group_item(g, "outcome"), "outcome", 1, "mean_change", t,
                               nkey);
        join(prefix, sizeof prefix, part, "/", NULL);
        return scenario_summary(g, prefix, strcmp(part, "national") ? leaf(part) : NULL, t, nkey);
    case GW_TIDY_MEDIATE:
        if (part[0] == '\0')
            return assemble(g, "", mkeys, 1, morder, n, t, nkey);
        return long_matrix(gw_h5_group_item(g, "replicates"), "replicate",
                           gw_h5_group_item(g, "effect"), "effect", 0, "estimate", t, nkey);
    case GW_TIDY_SYNERGY:
        return synergy_main(g, t, nkey);
    case GW_TIDY_PIPELINE:
        return assemble(g, "", pkeys, 1, porder, n, t, nkey);
    default: {
        const char *key = NULL;
        common_rows(g, &key);
        const char *const okeys[] = {key, NULL};
        return assemble(g, "", okeys, key != NULL, NULL, n, t, nkey);
    }
    }
}

/* Is part one of the parts of g (or the main table)? */
static int has_part(const gw_h5_group *g, gw_tidy_kind kind, const char *part, char **parts,
                    size_t np)
{
    (void)g;
    (void)kind;
    if (part[0] == '\0')
        return 1;
    for (size_t i = 0; i < np; i++)
        if (strcmp(parts[i], part) == 0)
            return 1;
    return 0;
}

gw_status gwi_tidy_build(const gw_h5_group *g, const char *group, const char *part, gw_table **out,
                         size_t *nkey)
{
    gw_tidy_kind kind = gwi_tidy_kind_of(g, group);
    char **parts = NULL;
    size_t np = 0, nk = 0;
    gw_table *t = NULL;
    *out = NULL;
    if (part == NULL)
        part = "";
    gw_status rc = gwi_tidy_parts(g, kind, &parts, &np);
    if (rc != GW_OK)
        return rc;
    if (!has_part(g, kind, part, parts, np)) {
        gw_strbuf b = {0};
        for (size_t i = 0; i < np; i++)
            gw_strbuf_printf(&b, "%s%s", i ? ", " : "", parts[i]);
        rc = gwi_fail(GW_ENOVAR, "%s (%s) has no part '%s' (it has: %s)", group,
                      gw_tidy_kind_name(kind), part, b.s != NULL ? b.s : "");
        gw_strbuf_free(&b);
        gwi_strv_free(parts, np);
        return rc;
    }
    gwi_strv_free(parts, np);
    if ((rc = gw_table_new(part_rows(g, kind, part), &t)) != GW_OK)
        return rc;
    rc = build(g, kind, part, t, &nk);
    if (rc != GW_OK) {
        if (rc == GW_EFORMAT) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", gw_last_error());
            rc = gwi_fail(GW_EFORMAT, "%s: %s", group, msg);
        }
        gw_table_free(t);
        return rc;
    }
    *out = t;
    if (nkey != NULL)
        *nkey = nk;
    return GW_OK;
}

/* ---- files -------------------------------------------------------------------------------- */

gw_status gwi_tidy_list_groups(const char *path, char ***groups, size_t *n)
{
    static const char *const tops[] = {"models", "analyses"};
    name_list l = {NULL, 0, GW_OK};
    char **root = NULL, **sub = NULL;
    size_t nroot = 0, nsub = 0;
    *groups = NULL;
    *n = 0;
    gw_status rc = gw_h5_list_groups(path, "/", &root, &nroot);
    for (size_t t = 0; t < 2 && rc == GW_OK; t++) {
        char top[32];
        snprintf(top, sizeof top, "/%s", tops[t]);
        if ((rc = gw_h5_list_groups(path, top, &sub, &nsub)) != GW_OK)
            break;
        for (size_t i = 0; i < nsub; i++) {
            char g[600];
            join(g, sizeof g, top, "/", sub[i]);
            push_name(&l, "", g);
        }
        gwi_strv_free(sub, nsub);
    }
    for (size_t i = 0; i < nroot && rc == GW_OK; i++)
        if (strcmp(root[i], "models") != 0 && strcmp(root[i], "analyses") != 0)
            push_name(&l, "/", root[i]);
    gwi_strv_free(root, nroot);
    if (rc == GW_OK)
        rc = l.rc;
    if (rc != GW_OK) {
        gwi_strv_free(l.v, l.n);
        return rc;
    }
    *groups = l.v;
    *n = l.n;
    return GW_OK;
}

/* Position of name (as the user typed it) among the object names (groups without the leading
 * slash), or a GW_ENOVAR message listing them. */
static gw_status resolve(char *const *names, size_t n, const char *name, size_t *index)
{
    size_t hit = n, hits = 0;
    while (name[0] == '/')
        name++;
    for (size_t i = 0; i < n; i++) {
        const char *s = names[i];
        while (s[0] == '/')
            s++;
        if (strcmp(s, name) == 0) {
            *index = i;
            return GW_OK;
        }
        const char *slash = strchr(s, '/');
        if (slash != NULL && strcmp(slash + 1, name) == 0 && strchr(name, '/') == NULL) {
            if (hits++ == 0)
                hit = i;
        }
    }
    if (hits == 1) {
        *index = hit;
        return GW_OK;
    }
    gw_strbuf b = {0};
    for (size_t i = 0; i < n; i++)
        gw_strbuf_printf(&b, "%s%s", i ? ", " : "", names[i] + (names[i][0] == '/'));
    gw_status rc = hits > 1
                       ? gwi_fail(GW_ENOVAR, "'%s' is ambiguous: say models/%s or analyses/%s",
                                  name, name, name)
                       : gwi_fail(GW_ENOVAR, "no object '%s' (the file holds: %s)", name,
                                  n ? (b.s != NULL ? b.s : "") : "nothing goodwork can export");
    gw_strbuf_free(&b);
    return rc;
}

gw_status gw_tidy_find(const gw_tidy_object *objs, size_t n, const char *name, size_t *index)
{
    if ((objs == NULL && n > 0) || name == NULL || index == NULL)
        return gwi_fail(GW_EINVAL, "gw_tidy_find: NULL argument");
    char **names = gw_calloc(n + 1, sizeof *names);
    if (names == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = objs[i].name;
    gw_status rc = resolve(names, n, name, index);
    gw_free(names);
    return rc;
}

void gw_tidy_list_free(gw_tidy_object *objs, size_t n)
{
    for (size_t i = 0; objs != NULL && i < n; i++) {
        gw_free(objs[i].name);
        gw_free(objs[i].group);
        gwi_strv_free(objs[i].parts, objs[i].nparts);
    }
    gw_free(objs);
}

gw_status gw_tidy_list(const char *path, gw_tidy_object **objs, size_t *n)
{
    if (objs != NULL)
        *objs = NULL;
    if (n != NULL)
        *n = 0;
    if (path == NULL || objs == NULL || n == NULL)
        return gwi_fail(GW_EINVAL, "gw_tidy_list: NULL argument");
    char **groups = NULL;
    size_t ng = 0, done = 0;
    gw_status rc = gwi_tidy_list_groups(path, &groups, &ng);
    if (rc != GW_OK)
        return rc;
    gw_tidy_object *o = gw_calloc(ng + 1, sizeof *o);
    if (o == NULL)
        rc = gwi_fail(GW_ENOMEM, "out of memory");
    for (; rc == GW_OK && done < ng; done++) {
        gw_h5_group *g = NULL;
        gw_tidy_object *x = &o[done];
        if ((rc = gw_h5_group_read(path, groups[done], &g)) != GW_OK)
            break;
        x->kind = gwi_tidy_kind_of(g, groups[done]);
        x->rows = part_rows(g, x->kind, "");
        x->group = gw_strdup(groups[done]);
        x->name = gw_strdup(groups[done] + 1);
        rc = gwi_tidy_parts(g, x->kind, &x->parts, &x->nparts);
        if (rc == GW_OK && (x->group == NULL || x->name == NULL))
            rc = gwi_fail(GW_ENOMEM, "out of memory");
        gw_h5_group_free(g);
    }
    gwi_strv_free(groups, ng);
    if (rc != GW_OK) {
        gw_tidy_list_free(o, done + (o != NULL && done < ng));
        return rc;
    }
    *objs = o;
    *n = ng;
    return GW_OK;
}

gw_status gw_tidy_read(const char *path, const char *name, const char *part, gw_table **out,
                       size_t *nkey)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || name == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_tidy_read: NULL argument");
    char **groups = NULL;
    size_t ng = 0, at = 0;
    gw_h5_group *g = NULL;
    gw_status rc = gwi_tidy_list_groups(path, &groups, &ng);
    if (rc == GW_OK && (rc = resolve(groups, ng, name, &at)) != GW_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", gw_last_error());
        rc = gwi_fail(rc, "%s: %s", path, msg);
    }
    if (rc == GW_OK && (rc = gw_h5_group_read(path, groups[at], &g)) == GW_OK) {
        /* A goodwork data table (its `columns` attribute): read as `convert` does, with its
         * column order and categorical levels, which the generic layout cannot see. */
        if (gwi_tidy_kind_of(g, groups[at]) == GW_TIDY_OTHER && gw_h5_group_attr(g, "columns") &&
            (part == NULL || part[0] == '\0')) {
            rc = gw_h5_table_read(path, groups[at], NULL, 0, out);
            if (rc == GW_OK && nkey != NULL)
                *nkey = 0;
        } else {
            rc = gwi_tidy_build(g, groups[at], part, out, nkey);
        }
    }
    gw_h5_group_free(g);
    gwi_strv_free(groups, ng);
    return rc;
}

cJSON *gwi_json_exact(double v)
{
    char buf[GW_OUTPUT_NUMLEN];
    return isfinite(v) ? cJSON_CreateRaw(gw_output_number(v, buf)) : cJSON_CreateNull();
}

gw_status gw_tidy_render(const gw_table *t, gw_output_format fmt, char **out)
{
    if (out != NULL)
        *out = NULL;
    if (t == NULL || out == NULL || (fmt != GW_OUT_CSV && fmt != GW_OUT_JSON))
        return gwi_fail(GW_EINVAL, "gw_tidy_render: NULL argument or a format other than csv "
                                   "or json");
    if (fmt == GW_OUT_CSV)
        return gw_csv_write_text(t, out);
    size_t nr = gw_table_nrows(t), nc = gw_table_ncols(t);
    cJSON *root = cJSON_CreateArray();
    for (size_t r = 0; root != NULL && r < nr; r++) {
        cJSON *row = cJSON_CreateObject();
        if (row == NULL || !cJSON_AddItemToArray(root, row)) {
            cJSON_Delete(row);
            cJSON_Delete(root);
            root = NULL;
            break;
        }
        for (size_t j = 0; j < nc; j++) {
            cJSON *v;
            if (gw_table_coltype(t, j) == GW_COL_NUMERIC) {
                v = gwi_json_exact(gw_table_numeric(t, j)[r]);
            } else {
                int32_t c = gw_table_codes(t, j)[r];
                v = c < 0 ? cJSON_CreateNull()
                          : cJSON_CreateString(gw_table_level(t, j, (size_t)c));
            }
            cJSON_AddItemToObject(row, gw_table_colname(t, j), v);
        }
    }
    return gwi_json_finish(root, out);
}
