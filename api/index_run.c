/* index_run.c -- gw_index_run_table, gw_index_run_file and gw_index_run_store (gw_index_run.h).
 *
 * Order of work, as `goodwork index` has always reported failures: the spec (before touching a
 * file), the data (unknown variables, then indicators that are not numeric), then the
 * computation, whose messages carry the "index: " prefix. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_index_run.h"
#include "gw_load.h"
#include "index_int.h"

static const gw_index_run_opts no_opts;

const char *gw_index_norm_name(gw_index_norm n)
{
    return n == GW_NORM_Z ? "z" : n == GW_NORM_RANK ? "rank" : "minmax";
}

const char *gw_index_weighting_name(gw_index_weighting w)
{
    return w == GW_WEIGHTS_PCA ? "pca" : w == GW_WEIGHTS_USER ? "user" : "equal";
}

/* The goalposts' kind when no text was given (a caller that set index.goal itself). */
static const char *goal_kind(const gw_index *x)
{
    return x->goal == GW_GOAL_BASE ? "base" : "fixed";
}

const char *gw_index_agg_name(gw_index_agg a)
{
    return a == GW_AGG_GEOMETRIC ? "geometric" : "arithmetic";
}

gw_status gw_index_spec_check(const gw_index_spec *spec)
{
    if (spec == NULL || spec->id == NULL || spec->indicators == NULL || spec->p == 0)
        return gwi_fail(GW_EINVAL, "index: the indicators and the id variable must be given");
    for (size_t j = 0; j < spec->p; j++) {
        if (spec->indicators[j] == NULL)
            return gwi_fail(GW_EINVAL, "index: indicator %zu is NULL", j + 1);
        for (size_t k = 0; k < j; k++)
            if (strcmp(spec->indicators[j], spec->indicators[k]) == 0)
                return gwi_fail(GW_EINVAL, "indicator '%s' given twice", spec->indicators[j]);
    }
    return GW_OK;
}

void gw_index_run_free(gw_index_run *r)
{
    if (r == NULL)
        return;
    gw_index_free(r->index);
    gw_free(r->time);
    gw_var_keys_clear(&r->id);
    gw_free(r);
}

/* The column names of the spec's variables (bases, owned by *bases) in the order the command
 * line has always read them: indicators, id, time. */
static gw_status spec_columns(const gw_index_spec *spec, char ***bases, int **logs,
                              const char ***cols, size_t *nc)
{
    size_t p = spec->p;
    *bases = gw_calloc(p, sizeof **bases);
    *logs = gw_calloc(p, sizeof **logs);
    *cols = gw_calloc(p + 2, sizeof **cols);
    if (*bases == NULL || *logs == NULL || *cols == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < p; j++) {
        gw_status s = gw_var_parse(spec->indicators[j], &(*bases)[j], &(*logs)[j]);
        if (s != GW_OK)
            return s;
        (*cols)[j] = (*bases)[j];
    }
    *nc = p;
    (*cols)[(*nc)++] = spec->id;
    if (spec->time != NULL)
        (*cols)[(*nc)++] = spec->time;
    return GW_OK;
}

static void free_columns(char **bases, int *logs, const char **cols, size_t p)
{
    for (size_t j = 0; bases != NULL && j < p; j++)
        gw_free(bases[j]);
    gw_free(bases);
    gw_free(logs);
    gw_free(cols);
}

/* Reads the indicators, id and time of t into X (n x p), id and time; every indicator must
 * be a numeric column. */
static gw_status read_data(const gw_table *t, const gw_index_spec *spec, char *const *bases,
                           const int *logs, double *X, double *id, double *time)
{
    size_t n = gw_table_nrows(t), p = spec->p;
    gw_status s = GW_OK;
    for (size_t j = 0; j < p && s == GW_OK; j++)
        s = gw_var_column(t, bases[j], logs[j], X + j * n);
    if (s == GW_OK)
        s = gw_var_column(t, spec->id, 0, id);
    if (s == GW_OK && spec->time != NULL)
        s = gw_var_column(t, spec->time, 0, time);
    for (size_t j = 0; j < p && s == GW_OK; j++)
        if (gw_table_numeric(t, (size_t)gw_table_find(t, bases[j])) == NULL)
            s = gwi_fail(GW_EINVAL, "indicator '%s' is not numeric", bases[j]);
    return s;
}

static gw_status run_table(const gw_table *t, const gw_index_spec *spec, const gw_index_run_opts *o,
                           char *const *bases, const int *logs, gw_index_run **out)
{
    size_t n = gw_table_nrows(t), p = spec->p;
    gw_index_run *r = gw_calloc(1, sizeof *r);
    double *X = gw_alloc_array(n * p + 1, sizeof *X), *id = gw_alloc_array(n + 1, sizeof *id);
    double *time = gw_alloc_array(n + 1, sizeof *time);
    gw_status s = GW_OK;
    if (r == NULL || X == NULL || id == NULL || time == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    if (s == GW_OK)
        s = read_data(t, spec, bases, logs, X, id, time);
    if (s == GW_OK && (s = gw_index_compute(n, p, X, id, spec->time ? time : NULL, &o->index,
                                            &r->index)) != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("index");
    }
    if (s == GW_OK)
        s = gw_var_keys_take(t, spec->id, NULL, n, &r->id);
    if (s == GW_OK && spec->time != NULL) {
        r->time = time;
        time = NULL;
    }
    if (s == GW_OK) {
        *out = r;
        r = NULL;
    }
    gw_index_run_free(r);
    gw_free(X);
    gw_free(id);
    gw_free(time);
    return s;
}

/* Both entry points: spec, then (path != NULL) the file, then the index. */
static gw_status run_common(const gw_table *t, const char *path, const gw_index_spec *spec,
                            const gw_index_run_opts *opts, gw_index_run **out)
{
    char **bases = NULL;
    int *logs = NULL;
    const char **cols = NULL;
    size_t nc = 0;
    gw_table *own = NULL;
    double *ga = NULL, *gb = NULL;
    /* A copy, to add what the engine takes from the spec: the names in its messages and the
     * goalposts parsed from their text. */
    gw_index_run_opts o = opts != NULL ? *opts : no_opts;
    gw_status s = gw_index_spec_check(spec);
    if (s == GW_OK) {
        if (o.index.names == NULL)
            o.index.names = spec->indicators;
        s = spec_columns(spec, &bases, &logs, &cols, &nc);
    }
    if (s == GW_OK)
        s = gwi_index_goalposts(o.goalposts, spec, &o.index, &ga, &gb);
    if (s == GW_OK && path != NULL) {
        gw_load_opts lo = {cols, nc, o.group, o.delim};
        s = gw_data_load(path, &lo, &own);
        t = own;
    }
    if (s == GW_OK)
        s = run_table(t, spec, &o, bases, logs, out);
    gw_free(ga);
    gw_free(gb);
    gw_table_free(own);
    free_columns(bases, logs, cols, spec != NULL ? spec->p : 0);
    return s;
}

gw_status gw_index_run_table(const gw_table *t, const gw_index_spec *spec,
                             const gw_index_run_opts *opts, gw_index_run **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_run_table: out is NULL");
    *out = NULL;
    if (t == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_run_table: the table is NULL");
    return run_common(t, NULL, spec, opts, out);
}

gw_status gw_index_run_file(const char *path, const gw_index_spec *spec,
                            const gw_index_run_opts *opts, gw_index_run **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_run_file: out is NULL");
    *out = NULL;
    if (path == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_run_file: the path is NULL");
    return run_common(NULL, path, spec, opts, out);
}

gw_status gw_index_run_store(const gw_index_run *r, const gw_index_spec *spec,
                             const gw_index_run_opts *opts, const char *path, const char *group,
                             const gw_provenance *prov)
{
    if (r == NULL || spec == NULL)
        return gwi_fail(GW_EINVAL, "gw_index_run_store: NULL argument");
    const gw_index_run_opts *o = opts != NULL ? opts : &no_opts;
    const gw_index *x = r->index;
    size_t n = x->n, p = x->p;
    /* Identifiers as fixed-size texts: the results files have always cut them there. */
    const char **ids = gw_calloc(n + 1, sizeof *ids);
    char *idbuf = gw_malloc(n * GW_VAR_KEY_MAX + 1);
    if (ids == NULL || idbuf == NULL) {
        gw_free(ids);
        gw_free(idbuf);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        ids[i] = gw_var_keys_text(&r->id, i, idbuf + i * GW_VAR_KEY_MAX, GW_VAR_KEY_MAX);
    gw_h5_item items[12] = {
        {"indicators", GW_H5_STR, p, 0, NULL, NULL, spec->indicators},
        {"weights", GW_H5_F64, p, 0, x->weights, NULL, NULL},
        {"id", GW_H5_STR, n, 0, NULL, NULL, ids},
        {"value", GW_H5_F64, n, 0, x->value, NULL, NULL},
        {"rank", GW_H5_F64, n, 0, x->rank, NULL, NULL},
        {"rank_change", GW_H5_F64, n, 0, x->rank_change, NULL, NULL},
        {"time", GW_H5_F64, n, 0, r->time, NULL, NULL},
    };
    size_t ni = r->time != NULL ? 7 : 5;
    if (x->sens_median) {
        items[ni++] = (gw_h5_item){"rank_median", GW_H5_F64, n, 0, x->sens_median, NULL, NULL};
        items[ni++] = (gw_h5_item){"rank_q05", GW_H5_F64, n, 0, x->sens_q05, NULL, NULL};
        items[ni++] = (gw_h5_item){"rank_q95", GW_H5_F64, n, 0, x->sens_q95, NULL, NULL};
    }
    /* The goalposts used (minmax and z; rank's reference is the base period's values). */
    int z = o->index.norm == GW_NORM_Z;
    if (x->goal_a != NULL && !isnan(x->goal_a[0])) {
        items[ni++] = (gw_h5_item){
            z ? "goalpost_mean" : "goalpost_min", GW_H5_F64, p, 0, x->goal_a, NULL, NULL};
        items[ni++] = (gw_h5_item){
            z ? "goalpost_sd" : "goalpost_max", GW_H5_F64, p, 0, x->goal_b, NULL, NULL};
    }
    const char *wt =
        o->weights_text ? o->weights_text : gw_index_weighting_name(o->index.weighting);
    char *fixed = NULL;
    gw_status s = gwi_index_goalposts_text(x, spec, &fixed);
    gw_h5_attr at[10] = {
        {"analysis", GW_H5_STR, 0, 0, "index"},
        {"normalise", GW_H5_STR, 0, 0, gw_index_norm_name(o->index.norm)},
        {"normalise_over", GW_H5_STR, 0, 0, o->index.within_time ? "time" : "pooled"},
        {"weighting", GW_H5_STR, 0, 0, wt},
        {"aggregate", GW_H5_STR, 0, 0, gw_index_agg_name(o->index.agg)},
        {"sensitivity_draws", GW_H5_I64, 0, (int64_t)o->index.draws, NULL},
    };
    size_t na = 6;
    if (x->goal_a != NULL) {
        at[na++] =
            (gw_h5_attr){"goalposts", GW_H5_STR, 0, 0, o->goalposts ? o->goalposts : goal_kind(x)};
        if (fixed != NULL)
            at[na++] = (gw_h5_attr){"goalposts_fixed", GW_H5_STR, 0, 0, fixed};
        if (x->goal == GW_GOAL_BASE) {
            at[na++] = (gw_h5_attr){"goalposts_base_from", GW_H5_F64, x->base_from, 0, NULL};
            at[na++] = (gw_h5_attr){"goalposts_base_to", GW_H5_F64, x->base_to, 0, NULL};
        }
    }
    if (s == GW_OK)
        s = gw_results_append_group(path, group, items, ni, at, na, prov, GW_RESULTS_REPLACE);
    gw_free(fixed);
    gw_free(ids);
    gw_free(idbuf);
    return s;
}
