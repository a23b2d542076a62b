/* scenario_groups.c -- what a scenario's summaries take from outside its data table: groups
 * stored by an earlier step (`--by @NAME`: the communities of a cluster analysis, the quintiles
 * of an index) and area weights (`--weight VAR`) (gw_scenario_run.h, docs/scenario.md,
 * "Linking steps").
 *
 * A stored analysis names its areas by its own identifier (its `id` dataset: "%.10g" of a
 * number or a categorical level, as io/gw_vars.h writes keys), which need not be the scenario's
 * --id: the bundled pipeline's index uses la_code and the scenario la_id. Both are columns of
 * the data, and the rows of one area carry both, so the areas are matched through the data:
 * --id, or another identifier of the areas (a column whose value is fixed within each area over
 * every row of the data and differs between areas) when it finds more of the stored ids. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_h5read.h"
#include "gw_strbuf.h"
#include "gw_vars.h"
#include "scenario_run_int.h"
#include "tidy_int.h"

enum { SEL_CLUSTER = 1, SEL_WARD, SEL_NTILE };

static gw_status oom(void) { return gwi_fail(GW_ENOMEM, "out of memory"); }

/* "@NAME" or "@NAME:SEL" into the analysis name and the selector (*ntile for quantile groups;
 * 0: the analysis's default). */
static gw_status parse_ref(const char *spec, char *name, size_t cap, int *sel, int *ntile)
{
    static const struct {
        const char *word;
        int sel, ntile;
    } sels[] = {{"cluster", SEL_CLUSTER, 0},
                {"ward", SEL_WARD, 0},
                {"quartile", SEL_NTILE, 4},
                {"quintile", SEL_NTILE, 5},
                {"decile", SEL_NTILE, 10}};
    const char *colon = strchr(spec + 1, ':');
    size_t len = colon ? (size_t)(colon - spec - 1) : strlen(spec + 1);
    *sel = 0;
    *ntile = 0;
    if (len == 0 || len >= cap || memchr(spec + 1, '/', len) != NULL)
        return gwi_fail(GW_EINVAL,
                        "bad --by '%s' (expected @NAME or @NAME:SELECTOR, NAME an analysis of "
                        "the results file)",
                        spec);
    memcpy(name, spec + 1, len);
    name[len] = '\0';
    if (colon == NULL)
        return GW_OK;
    for (size_t k = 0; k < sizeof sels / sizeof sels[0]; k++)
        if (strcmp(colon + 1, sels[k].word) == 0) {
            *sel = sels[k].sel;
            *ntile = sels[k].ntile;
            return GW_OK;
        }
    return gwi_fail(GW_EINVAL,
                    "bad --by '%s': unknown selector '%s' (cluster or ward for communities; "
                    "quartile, quintile or decile for an index)",
                    spec, colon + 1);
}

gw_status gwi_scenario_by_ref_check(const char *spec)
{
    char name[GW_VAR_KEY_MAX];
    int sel, nt;
    return parse_ref(spec, name, sizeof name, &sel, &nt);
}

typedef struct {
    const char *id; /* a stored identifier */
    size_t at;      /* its row in the analysis */
} key_at;

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const key_at *)a)->id, ((const key_at *)b)->id);
}

/* Key of area i in column j of the areas (NULL when missing), in buf. */
static const char *area_key(const gw_table *t, size_t j, size_t i, char *buf, size_t cap)
{
    const double *x = gw_table_numeric(t, j);
    if (x != NULL) {
        if (isnan(x[i]))
            return NULL;
        snprintf(buf, cap, "%.10g", x[i]);
        return buf;
    }
    int32_t c = gw_table_codes(t, j)[i];
    if (c < 0)
        return NULL;
    snprintf(buf, cap, "%s", gw_table_level(t, j, (size_t)c));
    return buf;
}

/* The stored rows of the areas through column j (row[i], SIZE_MAX when not found); the count
 * matched, or 0 when two areas would take the same stored row (not an identifier). */
static size_t match_column(const gw_table *t, size_t j, const key_at *keys, size_t nk,
                           unsigned char *used, size_t *row)
{
    size_t n = gw_table_nrows(t), hits = 0;
    memset(used, 0, nk ? nk : 1);
    for (size_t i = 0; i < n; i++) {
        char buf[GW_VAR_KEY_MAX];
        key_at q = {area_key(t, j, i, buf, sizeof buf), 0};
        const key_at *k = q.id ? bsearch(&q, keys, nk, sizeof *keys, cmp_key) : NULL;
        row[i] = SIZE_MAX;
        if (k == NULL)
            continue;
        if (used[k - keys]++)
            return 0;
        row[i] = k->at;
        hits++;
    }
    return hits;
}

/* at[k]: the scenario area of row k of the data `all` (its --id key among the area labels),
 * SIZE_MAX for a row of no scenario area. */
static gw_status areas_of_rows(const gw_scenario_report *r, const gw_table *all, size_t *at)
{
    size_t n = gw_table_nrows(r->areas), nr = gw_table_nrows(all);
    ptrdiff_t jid = gw_table_find(all, r->id);
    key_at *lab = gw_alloc_array(n ? n : 1, sizeof *lab);
    if (lab == NULL)
        return oom();
    for (size_t i = 0; i < n; i++)
        lab[i] = (key_at){r->area[i], i};
    qsort(lab, n, sizeof *lab, cmp_key);
    for (size_t k = 0; k < nr; k++) {
        char buf[GW_VAR_KEY_MAX];
        key_at q = {jid >= 0 ? area_key(all, (size_t)jid, k, buf, sizeof buf) : NULL, 0};
        const key_at *hit = q.id ? bsearch(&q, lab, n, sizeof *lab, cmp_key) : NULL;
        at[k] = hit ? hit->at : SIZE_MAX;
    }
    gw_free(lab);
    return GW_OK;
}

/* 1 when column j of the areas is an identifier of them over every year of the data: each row
 * of `all` holds its area's value (areas of rows: at). A value that changes over the years
 * (a survey count, a rate) is no identifier, however distinct it is in one year. */
static int fixed_per_area(const gw_table *t, size_t j, const gw_table *all, const size_t *at)
{
    ptrdiff_t ja = gw_table_find(all, gw_table_colname(t, j));
    if (ja < 0 || gw_table_coltype(all, (size_t)ja) != gw_table_coltype(t, j))
        return 0;
    const double *x = gw_table_numeric(t, j), *y = gw_table_numeric(all, (size_t)ja);
    for (size_t k = 0; k < gw_table_nrows(all); k++) {
        size_t i = at[k];
        if (i == SIZE_MAX)
            continue;
        if (x != NULL && !(x[i] == y[k] || (isnan(x[i]) && isnan(y[k]))))
            return 0;
        if (x == NULL) {
            int32_t ci = gw_table_codes(t, j)[i], ck = gw_table_codes(all, (size_t)ja)[k];
            if ((ci < 0) != (ck < 0) ||
                (ci >= 0 && strcmp(gw_table_level(t, j, (size_t)ci),
                                   gw_table_level(all, (size_t)ja, (size_t)ck)) != 0))
                return 0;
        }
    }
    return 1;
}

/* row[i]: the stored row (among the nk ids, keys[].at) of scenario area i, SIZE_MAX when the
 * analysis lacks it. The column used: --id, or, when another identifier of the areas (a column
 * fixed within each area over the data `all`) matches more areas, that one. */
static gw_status match_areas(const gw_scenario_report *r, const gw_table *all, const char *spec,
                             const char *where, key_at *keys, size_t nk, size_t *row)
{
    const gw_table *t = r->areas;
    size_t n = gw_table_nrows(t), nc = gw_table_ncols(t), best = 0, nr = gw_table_nrows(all);
    size_t *tmp = gw_alloc_array(n ? n : 1, sizeof *tmp);
    size_t *at = gw_alloc_array(nr ? nr : 1, sizeof *at);
    unsigned char *used = gw_malloc(nk ? nk : 1);
    gw_status s = tmp && at && used ? areas_of_rows(r, all, at) : oom();
    if (s != GW_OK) {
        gw_free(tmp);
        gw_free(at);
        gw_free(used);
        return s;
    }
    qsort(keys, nk, sizeof *keys, cmp_key);
    ptrdiff_t jid = gw_table_find(t, r->id);
    for (size_t c = 0; c <= nc; c++) {
        /* c == 0: --id; then every other column in order. */
        size_t j = c == 0 ? (size_t)jid : c - 1;
        if ((c == 0 && jid < 0) || (c > 0 && (ptrdiff_t)j == jid))
            continue;
        size_t h = match_column(t, j, keys, nk, used, tmp);
        if (h > best && (c == 0 || fixed_per_area(t, j, all, at))) {
            best = h;
            memcpy(row, tmp, n * sizeof *row);
        }
    }
    gw_free(tmp);
    gw_free(at);
    gw_free(used);
    if (best > 0)
        return GW_OK;
    return gwi_fail(GW_EFORMAT,
                    "--by %s: no area of the scenario is in %s (its ids, e.g. '%s', "
                    "match neither --id %s, e.g. '%s', nor another identifier of the areas in the "
                    "data)",
                    spec, where, nk ? keys[0].id : "none", r->id, n ? r->area[0] : "none");
}

/* The rows of the index in the year it takes: the latest of its years not after the
 * scenario year (any year when the scenario has none); every row without a time. */
static gw_status index_rows(const gw_scenario_report *r, const char *spec, const gw_h5_data *tm,
                            size_t m, unsigned char *keep)
{
    double y = -INFINITY, lo = INFINITY;
    for (size_t k = 0; tm != NULL && k < m; k++) {
        double v = tm->f64[k];
        lo = v < lo ? v : lo;
        if (v > y && (isnan(r->set.year) || v <= r->set.year))
            y = v;
    }
    if (tm != NULL && !isfinite(y))
        return gwi_fail(GW_EFORMAT,
                        "--by %s: the index has no year at or before %.10g (its first "
                        "is %.10g)",
                        spec, r->set.year, lo);
    for (size_t k = 0; k < m; k++)
        keep[k] = tm == NULL || tm->f64[k] == y;
    return GW_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* group[k] of the index's kept rows: 1 + floor(q * (values below) / count), by value over the
 * kept rows with a finite value (ties share the lower group; 1 = the lowest values). */
static gw_status ntile_groups(const double *v, const unsigned char *keep, size_t m, int q,
                              double *group)
{
    double *s = gw_alloc_array(m ? m : 1, sizeof *s);
    size_t cnt = 0;
    if (s == NULL)
        return oom();
    for (size_t k = 0; k < m; k++)
        if (keep[k] && isfinite(v[k]))
            s[cnt++] = v[k];
    qsort(s, cnt, sizeof *s, cmp_double);
    for (size_t k = 0; k < m; k++) {
        group[k] = (double)NAN;
        if (!keep[k] || !isfinite(v[k]))
            continue;
        size_t lo = 0, hi = cnt; /* first position with s >= v[k] */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s[mid] < v[k])
                lo = mid + 1;
            else
                hi = mid;
        }
        group[k] = 1.0 + floor((double)q * (double)lo / (double)cnt);
    }
    gw_free(s);
    return GW_OK;
}

/* No analysis NAME in path: the message lists those there are. */
static gw_status no_analysis(const char *spec, const char *path, const char *name)
{
    char **names = NULL;
    size_t n = 0;
    gw_strbuf sb = {0};
    if (gw_h5_list_groups(path, "/analyses", &names, &n) != GW_OK)
        n = 0;
    for (size_t k = 0; k < n; k++)
        gw_strbuf_printf(&sb, "%s%s", k ? ", " : "", names[k]);
    gw_status s = gwi_fail(GW_ENOVAR, "--by %s: %s has no analysis /analyses/%s (analyses: %s)",
                           spec, path, name, sb.s && sb.s[0] ? sb.s : "none");
    gw_strbuf_free(&sb);
    gw_h5_strings_free(names, n);
    return s;
}

/* The stored group of each row of analysis g (a cluster's community, an index's n-tile), into
 * *group (m rows, NaN: none) and keep (the rows that take part). */
static gw_status stored_groups(const gw_scenario_report *r, const char *spec, const char *gname,
                               const gw_h5_group *g, int sel, int ntile, size_t m,
                               unsigned char *keep, double *group)
{
    gw_tidy_kind kind = gwi_tidy_kind_of(g, gname); /* as goodwork export sees it */
    const char *kname = gw_tidy_kind_name(kind);
    if (kind == GW_TIDY_CLUSTER && sel != SEL_NTILE) {
        const gw_h5_data *c = gw_h5_group_item(g, sel == SEL_WARD ? "cluster_ward" : "cluster");
        if (c == NULL || c->kind != GW_H5_I64 || c->rows != m || c->cols != 0)
            return gwi_fail(GW_EFORMAT, "--by %s: the analysis has no %s assignment per area", spec,
                            sel == SEL_WARD ? "cluster_ward" : "cluster");
        for (size_t k = 0; k < m; k++) {
            keep[k] = 1;
            group[k] = (double)c->i64[k];
        }
        return GW_OK;
    }
    if (kind == GW_TIDY_INDEX && (sel == 0 || sel == SEL_NTILE)) {
        const gw_h5_data *v = gw_h5_group_item(g, "value"), *tm = gw_h5_group_item(g, "time");
        if (v == NULL || v->kind != GW_H5_F64 || v->rows != m || v->cols != 0 ||
            (tm != NULL && (tm->kind != GW_H5_F64 || tm->rows != m)))
            return gwi_fail(GW_EFORMAT, "--by %s: the index has no value per area", spec);
        gw_status s = index_rows(r, spec, tm, m, keep);
        return s == GW_OK ? ntile_groups(v->f64, keep, m, ntile ? ntile : 5, group) : s;
    }
    return gwi_fail(GW_EINVAL,
                    "--by %s: %s is a%s %s analysis; @NAME takes the communities of "
                    "a cluster analysis (@NAME, @NAME:ward) or the quantile groups of an index "
                    "(@NAME, @NAME:quartile, :quintile, :decile)",
                    spec, gname, strchr("aeiou", kname[0]) ? "n" : "", kname);
}

gw_status gwi_scenario_by_ref(const gw_scenario_report *r, const gw_table *all, const char *path,
                              const char *spec, double *val)
{
    char name[GW_VAR_KEY_MAX], group[GW_VAR_KEY_MAX + 16], where[GW_VAR_KEY_MAX + 4200];
    int sel, ntile;
    gw_status s = parse_ref(spec, name, sizeof name, &sel, &ntile);
    if (s != GW_OK)
        return s;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "--by %s needs a results file to read the analysis from", spec);
    snprintf(group, sizeof group, "/analyses/%s", name);
    snprintf(where, sizeof where, "%s %s", path, group);
    gw_h5_group *g = NULL;
    s = gw_h5_group_read(path, group, &g);
    if (s == GW_ENOVAR)
        return no_analysis(spec, path, name);
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("--by %s: %s", spec, path);
        return s;
    }
    const gw_h5_data *id = gw_h5_group_item(g, "id");
    size_t m = id != NULL ? id->rows : 0, n = gw_table_nrows(r->areas), nk = 0;
    unsigned char *keep = gw_malloc(m ? m : 1);
    double *grp = gw_alloc_array(m ? m : 1, sizeof *grp);
    key_at *keys = gw_alloc_array(m ? m : 1, sizeof *keys);
    size_t *row = gw_alloc_array(n ? n : 1, sizeof *row);
    if (keep == NULL || grp == NULL || keys == NULL || row == NULL)
        s = oom();
    else if (id == NULL || id->kind != GW_H5_STR || id->cols != 0)
        s = gwi_fail(GW_EFORMAT, "--by %s: %s /analyses/%s has no area ids", spec, path, name);
    else
        s = stored_groups(r, spec, group, g, sel, ntile, m, keep, grp);
    for (size_t k = 0; s == GW_OK && k < m; k++)
        if (keep[k])
            keys[nk++] = (key_at){id->str[k], k};
    if (s == GW_OK)
        s = match_areas(r, all != NULL ? all : r->areas, spec, where, keys, nk, row);
    for (size_t i = 0; s == GW_OK && i < n; i++)
        val[i] = row[i] == SIZE_MAX ? (double)NAN : grp[row[i]];
    gw_free(keep);
    gw_free(grp);
    gw_free(keys);
    gw_free(row);
    gw_h5_group_free(g);
    return s;
}

gw_status gwi_scenario_weights(const gw_scenario_report *r, const char *var, double **out)
{
    const gw_table *t = r->areas;
    ptrdiff_t j = gw_table_find(t, var);
    size_t n = gw_table_nrows(t), pos = 0;
    *out = NULL;
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown --weight variable '%s'", var);
    const double *x = gw_table_numeric(t, (size_t)j);
    if (x == NULL)
        return gwi_fail(GW_EINVAL, "--weight %s is categorical (a number is needed)", var);
    for (size_t i = 0; i < n; i++) {
        if (x[i] < 0.0 || isinf(x[i]))
            return gwi_fail(GW_EINVAL, "weight '%s' is %s in %s %s (%s = %g)", var,
                            x[i] < 0.0 ? "negative" : "infinite", r->id, r->area[i], var, x[i]);
        pos += x[i] > 0.0;
    }
    if (pos == 0)
        return gwi_fail(GW_EFORMAT, "--weight %s: no area has a positive weight", var);
    if ((*out = gw_alloc_array(n ? n : 1, sizeof **out)) == NULL)
        return oom();
    memcpy(*out, x, n * sizeof **out);
    return GW_OK;
}
