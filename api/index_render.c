/* index_render.c -- gw_index_run_render (gw_index_run.h): the text and JSON `goodwork index`
 * prints, so that the Python and R packages print the same. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_index_run.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "index_int.h"

/* The time value whose rows the text summary lists: the latest. */
static double latest_time(size_t n, const double *time)
{
    double t = NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(time[i]) && (isnan(t) || time[i] > t))
            t = time[i];
    return t;
}

typedef struct {
    double rank;
    size_t row;
} rank_row;

static int cmp_rank_row(const void *a, const void *b)
{
    const rank_row *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* The header: methods, rows with an index, the weights. */
static void put_header(gw_strbuf *sb, const gw_index_run *r, const gw_index_spec *spec,
                       const gw_index_opts *io)
{
    const gw_index *x = r->index;
    gw_strbuf_printf(sb,
                     "Good Work index: %zu indicators, %s normalisation (%s), %s weights, %s "
                     "mean\n",
                     x->p, gw_index_norm_name(io->norm),
                     io->within_time ? "within time" : "pooled panel",
                     gw_index_weighting_name(io->weighting), gw_index_agg_name(io->agg));
    gw_strbuf_printf(sb,
                     "%zu of %zu rows have an index (the rest miss an indicator: null index)\n\n",
                     x->nused, x->n);
    gw_strbuf_printf(sb, "%-32s %10s\n", "indicator", "weight");
    for (size_t j = 0; j < x->p; j++)
        gw_strbuf_printf(sb, "%-32s %10.4f\n", spec->indicators[j], x->weights[j]);
    if (!isnan(x->pca_share))
        gw_strbuf_printf(sb, "(first principal component explains %.1f%% of the variance)\n",
                         100.0 * x->pca_share);
}

/* The goalposts' description and per-indicator values (text report, with goalposts only). */
static void put_goalposts(gw_strbuf *sb, const gw_index *x, const gw_index_spec *spec,
                          const gw_index_run_opts *o)
{
    const gw_index_opts *io = &o->index;
    if (x->goal_a == NULL)
        return;
    if (x->goal == GW_GOAL_BASE && x->base_from == x->base_to)
        gw_strbuf_printf(sb, "\ngoalposts: base period %.10g", x->base_from);
    else if (x->goal == GW_GOAL_BASE)
        gw_strbuf_printf(sb, "\ngoalposts: base period %.10g-%.10g", x->base_from, x->base_to);
    else
        gw_strbuf_printf(sb, "\ngoalposts: fixed");
    gw_strbuf_printf(sb, " (earlier values do not change when a time value is added)\n");
    if (isnan(x->goal_a[0])) {
        gw_strbuf_printf(sb, "(rank: each value placed among the base period's values)\n");
        return;
    }
    int z = io->norm == GW_NORM_Z;
    gw_strbuf_printf(sb, "%-32s %12s %12s\n", "indicator", z ? "mean" : "min", z ? "sd" : "max");
    for (size_t j = 0; j < x->p; j++)
        gw_strbuf_printf(sb, "%-32s %12.6g %12.6g\n", spec->indicators[j], x->goal_a[j],
                         x->goal_b[j]);
}

/* The text report: weights, then the top and bottom 10 of the latest time value. */
static gw_status render_text(const gw_index_run *r, const gw_index_spec *spec,
                             const gw_index_run_opts *o, char **out)
{
    const gw_index_opts *io = &o->index;
    const gw_index *x = r->index;
    const double *time = r->time;
    int has_time = time != NULL;
    size_t n = x->n;
    char key[GW_VAR_KEY_MAX];
    rank_row *rr = gw_alloc_array(n ? n : 1, sizeof *rr);
    if (rr == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    gw_strbuf sb = {0};
    put_header(&sb, r, spec, io);
    put_goalposts(&sb, x, spec, o);
    double tl = has_time ? latest_time(n, time) : (double)NAN;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x->rank[i]) && (!has_time || time[i] == tl))
            rr[m++] = (rank_row){x->rank[i], i};
    qsort(rr, m, sizeof *rr, cmp_rank_row);
    for (int part = 0; part < 2; part++) {
        if (has_time)
            gw_strbuf_printf(&sb, "\n%s 10 in %.10g\n", part == 0 ? "Top" : "Bottom", tl);
        else
            gw_strbuf_printf(&sb, "\n%s 10\n", part == 0 ? "Top" : "Bottom");
        gw_strbuf_printf(&sb, "%5s  %-20s %10s %8s%s\n", "rank", "id", "index",
                         has_time ? "change" : "",
                         x->sens_median ? "   median [5%, 95%] rank" : "");
        size_t from = part == 0 ? 0 : (m > 10 ? m - 10 : 0), to = part == 0 ? (m < 10 ? m : 10) : m;
        for (size_t q = from; q < to; q++) {
            size_t i = rr[q].row;
            char ch[32] = "";
            if (has_time && !isnan(x->rank_change[i]))
                snprintf(ch, sizeof ch, "%+.0f", x->rank_change[i]);
            gw_strbuf_printf(&sb, "%5.0f  %-20s %10.4f %8s", x->rank[i],
                             gw_var_keys_text(&r->id, i, key, sizeof key), x->value[i], ch);
            if (x->sens_median)
                gw_strbuf_printf(&sb, "   %6.1f [%.1f, %.1f]", x->sens_median[i], x->sens_q05[i],
                                 x->sens_q95[i]);
            gw_strbuf_printf(&sb, "\n");
        }
    }
    gw_free(rr);
    return gw_strbuf_finish(&sb, out) == GW_OK ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

/* One row of the JSON "index" array. */
static cJSON *row_json(const gw_index_run *r, size_t i)
{
    const gw_index *x = r->index;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddItemToObject(o, "id", gwi_json_key(&r->id, i));
    if (r->time)
        cJSON_AddItemToObject(o, "time", gwi_json_num(r->time[i]));
    cJSON_AddItemToObject(o, "value", gwi_json_num(x->value[i]));
    cJSON_AddItemToObject(o, "rank", gwi_json_num(x->rank[i]));
    if (r->time)
        cJSON_AddItemToObject(o, "rank_change", gwi_json_num(x->rank_change[i]));
    if (x->sens_median) {
        cJSON_AddItemToObject(o, "rank_median", gwi_json_num(x->sens_median[i]));
        cJSON_AddItemToObject(o, "rank_q05", gwi_json_num(x->sens_q05[i]));
        cJSON_AddItemToObject(o, "rank_q95", gwi_json_num(x->sens_q95[i]));
    }
    return o;
}

/* The JSON "goalposts" object (with goalposts only): the text given, the base period, the
 * list that "fixed:" takes back exactly (null for rank) and the values per indicator. */
static gw_status json_goalposts(cJSON *root, const gw_index_run *r, const gw_index_spec *spec,
                                const gw_index_run_opts *o)
{
    const gw_index *x = r->index;
    const gw_index_opts *io = &o->index;
    char *fixed = NULL;
    if (x->goal_a == NULL)
        return GW_OK;
    if (gwi_index_goalposts_text(x, spec, &fixed) != GW_OK)
        return GW_ENOMEM;
    cJSON *g = cJSON_AddObjectToObject(root, "goalposts");
    if (g != NULL) {
        cJSON_AddStringToObject(g, "kind", x->goal == GW_GOAL_BASE ? "base" : "fixed");
        if (o->goalposts != NULL)
            cJSON_AddStringToObject(g, "spec", o->goalposts);
        if (x->goal == GW_GOAL_BASE) {
            cJSON_AddItemToObject(g, "base_from", gwi_json_num(x->base_from));
            cJSON_AddItemToObject(g, "base_to", gwi_json_num(x->base_to));
        }
        cJSON_AddItemToObject(g, "fixed", fixed ? cJSON_CreateString(fixed) : cJSON_CreateNull());
        cJSON *v = isnan(x->goal_a[0]) ? NULL : cJSON_AddObjectToObject(g, "indicators");
        int z = io->norm == GW_NORM_Z;
        for (size_t j = 0; v != NULL && j < x->p; j++) {
            cJSON *e = cJSON_AddObjectToObject(v, spec->indicators[j]);
            cJSON_AddItemToObject(e, z ? "mean" : "min", gwi_json_num(x->goal_a[j]));
            cJSON_AddItemToObject(e, z ? "sd" : "max", gwi_json_num(x->goal_b[j]));
        }
    }
    gw_free(fixed);
    return g != NULL ? GW_OK : GW_ENOMEM;
}

/* The JSON report's fields before the rows: weights, methods, counts, the sensitivity. */
static void json_head(cJSON *root, const gw_index_run *r, const gw_index_spec *spec,
                      const gw_index_opts *io)
{
    const gw_index *x = r->index;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON *w = cJSON_AddObjectToObject(root, "weights");
    for (size_t j = 0; w && j < x->p; j++)
        cJSON_AddItemToObject(w, spec->indicators[j], gwi_json_num(x->weights[j]));
    cJSON_AddStringToObject(root, "normalise", gw_index_norm_name(io->norm));
    cJSON_AddStringToObject(root, "normalise_over", io->within_time ? "time" : "pooled");
    cJSON_AddStringToObject(root, "weighting", gw_index_weighting_name(io->weighting));
    cJSON_AddStringToObject(root, "aggregate", gw_index_agg_name(io->agg));
    cJSON_AddItemToObject(root, "pca_variance_share", gwi_json_num(x->pca_share));
    cJSON *invj = cJSON_AddArrayToObject(root, "inverted");
    for (size_t j = 0; invj && io->invert && j < x->p; j++)
        if (io->invert[j])
            cJSON_AddItemToArray(invj, cJSON_CreateString(spec->indicators[j]));
    cJSON_AddNumberToObject(root, "nobs", (double)x->nused);
    cJSON_AddNumberToObject(root, "nobs_missing", (double)(x->n - x->nused));
    if (io->draws > 0) {
        cJSON_AddNumberToObject(root, "sensitivity_draws", (double)io->draws);
        cJSON_AddNumberToObject(root, "seed", (double)io->seed);
        cJSON_AddNumberToObject(root, "concentration",
                                io->concentration > 0 ? io->concentration : 20.0);
    }
}

/* The JSON report (one line, newline-terminated). */
static gw_status render_json(const gw_index_run *r, const gw_index_spec *spec,
                             const gw_index_run_opts *ro, char **out)
{
    cJSON *root = cJSON_CreateObject(), *arr = cJSON_CreateArray();
    int ok = root && arr;
    if (ok) {
        json_head(root, r, spec, &ro->index);
        ok = json_goalposts(root, r, spec, ro) == GW_OK;
    }
    if (ok) {
        for (size_t i = 0; i < r->index->n && ok; i++) {
            cJSON *o = row_json(r, i);
            ok = o != NULL;
            if (ok)
                cJSON_AddItemToArray(arr, o);
        }
        cJSON_AddItemToObject(root, "index", arr);
        arr = NULL;
    }
    cJSON_Delete(arr);
    if (!ok) {
        cJSON_Delete(root);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    return gwi_json_finish(root, out);
}

gw_status gw_index_run_render(const gw_index_run *r, const gw_index_spec *spec,
                              const gw_index_run_opts *opts, gw_output_format fmt, char **out)
{
    gw_status s = gwi_render_check(r, fmt, out, "index");
    if (s != GW_OK)
        return s;
    if (spec == NULL || spec->indicators == NULL || r->index == NULL || spec->p != r->index->p)
        return gwi_fail(GW_EINVAL, "index: the spec is not the run's (%zu indicators)",
                        r->index ? r->index->p : 0);
    gw_index_run_opts defaults = {0};
    const gw_index_run_opts *o = opts != NULL ? opts : &defaults;
    return fmt == GW_OUT_JSON ? render_json(r, spec, o, out) : render_text(r, spec, o, out);
}
