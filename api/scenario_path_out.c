/* scenario_path_out.c -- a scenario path as text, JSON and an analysis group
 * (gw_scenario_path_render, gw_scenario_path_write; gw_scenario_run.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "scenario_joint_int.h"
#include "scenario_run_int.h"

static const gw_scenario_report *rep_at(const gw_scenario_path *p, size_t k, size_t s)
{
    return gw_scenario_comparison_report(gw_scenario_path_at(p, k), s);
}

/* The settings line: horizon, baseline, ramp, draws. */
static void head_text(const gw_scenario_path *p, const gw_scenario_horizon *h, gw_strbuf *t)
{
    const gw_scenario_settings *st = gw_scenario_report_settings(rep_at(p, 0, 0));
    gw_strbuf_printf(t, "Scenario paths %.10g-%.10g: deviations from the baseline (area trends ",
                     h->from, h->to);
    if (h->trend_years > 0)
        gw_strbuf_printf(t, "over the last %zu observed years", h->trend_years);
    else
        gw_strbuf_printf(t, "over every observed year");
    if (isnan(h->ramp))
        gw_strbuf_printf(t, "); shocks at full size from %.10g", h->from);
    else
        gw_strbuf_printf(t, "); shocks reach full size linearly in %.10g", h->ramp);
    gw_strbuf_printf(t, "\n  draws %zu, seed %llu, the same draws in every year and scenario\n",
                     st->draws, (unsigned long long)st->seed);
}

/* One table: years x outcomes of summary(k) (national), mean over draws, with the interval
 * when wide. */
static void table_text(const gw_scenario_path *p, size_t s, int diff, gw_strbuf *t)
{
    const gw_scenario_result *r = gw_scenario_report_result(rep_at(p, 0, s));
    gw_strbuf_printf(t, "  %-6s", "year");
    for (size_t o = 0; o < r->n_outcomes; o++)
        gw_strbuf_printf(t, diff ? " %34.34s" : " %14.14s", r->outcomes[o]);
    gw_strbuf_printf(t, "\n");
    for (size_t k = 0; k < gw_scenario_path_nyears(p); k++) {
        const gw_scenario_comparison *c = gw_scenario_path_at(p, k);
        const gw_scenario_summary *g =
            diff ? gw_scenario_comparison_diff(c, s) : gw_scenario_report_national(rep_at(p, k, s));
        gw_strbuf_printf(t, "  %-6.10g", gw_scenario_path_year(p, k));
        for (size_t o = 0; o < r->n_outcomes; o++) {
            if (diff)
                gw_strbuf_printf(t, " %10.4g [%10.4g, %10.4g]", g->mean_change[o], g->q05[o],
                                 g->q95[o]);
            else
                gw_strbuf_printf(t, " %14.5g", g->mean_change[o]);
        }
        gw_strbuf_printf(t, "\n");
    }
}

static void render_text(const gw_scenario_path *p, const gw_scenario_horizon *h, gw_strbuf *t)
{
    const gw_scenario_comparison *c0 = gw_scenario_path_at(p, 0);
    size_t n = gw_scenario_comparison_n(c0), ref = gw_scenario_comparison_reference(c0);
    head_text(p, h, t);
    for (size_t s = 0; s < n; s++) {
        gw_strbuf_printf(t, "\n  %s: %s", gw_scenario_comparison_name(c0, s),
                         gwi_scenario_path_spec(p, s));
        gw_strbuf_printf(t, "%s\n  national mean change from the baseline (mean over draws):\n",
                         n > 1 && s == ref ? " (reference)" : "");
        table_text(p, s, 0, t);
    }
    for (size_t s = 0; s < n; s++) {
        if (s == ref)
            continue;
        gw_strbuf_printf(t, "\n  %s minus %s (mean over draws, 90%% interval):\n",
                         gw_scenario_comparison_name(c0, s), gw_scenario_comparison_name(c0, ref));
        table_text(p, s, 1, t);
    }
}

static cJSON *render_json(const gw_scenario_path *p, const gw_scenario_horizon *h)
{
    const gw_scenario_comparison *c0 = gw_scenario_path_at(p, 0);
    const gw_scenario_settings *st = gw_scenario_report_settings(rep_at(p, 0, 0));
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "command", "scenario");
    cJSON *hj = cJSON_AddArrayToObject(root, "horizon");
    cJSON_AddItemToArray(hj, gwi_json_num(h->from));
    cJSON_AddItemToArray(hj, gwi_json_num(h->to));
    cJSON_AddItemToObject(root, "ramp", gwi_json_num(h->ramp));
    cJSON_AddNumberToObject(root, "trend_years", (double)h->trend_years);
    cJSON_AddStringToObject(root, "reference",
                            gw_scenario_comparison_name(c0, gw_scenario_comparison_reference(c0)));
    cJSON_AddNumberToObject(root, "seed", (double)st->seed);
    cJSON_AddNumberToObject(root, "draws", (double)st->draws);
    cJSON_AddNumberToObject(root, "pass_through", st->pass_through);
    cJSON_AddBoolToObject(root, "common_random_numbers", 1);
    gwi_scenario_joint_json(root, st);
    cJSON *sj = cJSON_AddObjectToObject(root, "shock");
    for (size_t s = 0; s < gw_scenario_comparison_n(c0); s++)
        cJSON_AddStringToObject(sj, gw_scenario_comparison_name(c0, s),
                                gwi_scenario_path_spec(p, s));
    cJSON *yj = cJSON_AddArrayToObject(root, "years");
    for (size_t k = 0; k < gw_scenario_path_nyears(p); k++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "year", gwi_json_num(gw_scenario_path_year(p, k)));
        cJSON_AddItemToObject(x, "scenarios",
                              gwi_scenario_comparison_json(gw_scenario_path_at(p, k)));
        cJSON_AddItemToArray(yj, x);
    }
    return root;
}

gw_status gw_scenario_path_render(const gw_scenario_path *p, int json, char **out)
{
    if (out == NULL || p == NULL)
        return gwi_render_null(out, "gw_scenario_path_render");
    const gw_scenario_horizon *h = gwi_scenario_path_horizon(p);
    if (json)
        return gwi_json_finish(render_json(p, h), out);
    gw_strbuf t = {0};
    render_text(p, h, &t);
    return gw_strbuf_finish(&t, out);
}

/* ---- storage ----------------------------------------------------------------------------- */

#define PW_PARTS 5

/* Years x outcomes arrays of scenario s (diff: its differences): part k of PW_PARTS. */
static void path_arrays(const gw_scenario_path *p, size_t s, int diff, size_t no, double *v)
{
    size_t ny = gw_scenario_path_nyears(p);
    for (size_t k = 0; k < ny; k++) {
        const gw_scenario_comparison *c = gw_scenario_path_at(p, k);
        const gw_scenario_summary *g =
            diff ? gw_scenario_comparison_diff(c, s) : gw_scenario_report_national(rep_at(p, k, s));
        const double *const src[PW_PARTS] = {g->mean_change, g->q05, g->q50, g->q95, g->point};
        for (size_t part = 0; part < PW_PARTS; part++)
            for (size_t o = 0; o < no; o++)
                v[(part * ny + k) * no + o] = src[part][o];
    }
}

typedef struct {
    gw_h5_item *it;
    char (*name)[200];
    double **data;
    size_t n;
} pw_items;

static gw_status add_path(pw_items *L, const gw_scenario_path *p, size_t s, int diff)
{
    static const char *const part[PW_PARTS] = {"mean_change", "q05", "q50", "q95", "point"};
    const gw_scenario_comparison *c0 = gw_scenario_path_at(p, 0);
    const gw_scenario_result *r = gw_scenario_report_result(rep_at(p, 0, s));
    size_t ny = gw_scenario_path_nyears(p), no = r->n_outcomes;
    double *v = gw_alloc_array(PW_PARTS * ny * (no ? no : 1), sizeof *v);
    if (v == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    L->data[L->n] = v;
    path_arrays(p, s, diff, no, v);
    if (!diff) {
        snprintf(L->name[L->n], 200, "scenarios/%s/outcome", gw_scenario_comparison_name(c0, s));
        L->it[L->n] = (gw_h5_item){.name = L->name[L->n],
                                   .kind = GW_H5_STR,
                                   .rows = no,
                                   .str = (const char *const *)r->outcomes};
        L->n++;
    }
    for (size_t k = 0; k < PW_PARTS; k++) {
        /* Under scenarios/ and diff/: a scenario named like a dataset of the group ("year", or
         * "scenario", the default name) would otherwise collide with it. */
        snprintf(L->name[L->n], 200, "%s/%s/path/%s", diff ? "diff" : "scenarios",
                 gw_scenario_comparison_name(c0, s), part[k]);
        L->it[L->n] = (gw_h5_item){.name = L->name[L->n],
                                   .kind = GW_H5_F64,
                                   .rows = ny,
                                   .cols = no,
                                   .f64 = v + k * ny * no};
        L->n++;
    }
    return GW_OK;
}

gw_status gw_scenario_path_write(const gw_scenario_path *p, const char *path, const char *group,
                                 const gw_provenance *prov)
{
    if (p == NULL || path == NULL || group == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_path_write: NULL argument");
    const gw_scenario_comparison *c0 = gw_scenario_path_at(p, 0);
    const gw_scenario_horizon *h = gwi_scenario_path_horizon(p);
    size_t n = gw_scenario_comparison_n(c0), ref = gw_scenario_comparison_reference(c0);
    size_t cap = 2 + 12 * n;
    pw_items L = {gw_calloc(cap, sizeof *L.it), gw_calloc(cap, sizeof *L.name),
                  gw_calloc(cap, sizeof *L.data), 0};
    const char **names = gw_calloc(n, sizeof *names);
    char horizon[64];
    gw_status s = L.it && L.name && L.data && names ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t q = 0; q < n && s == GW_OK; q++) {
        names[q] = gw_scenario_comparison_name(c0, q);
        s = add_path(&L, p, q, 0);
        if (s == GW_OK && q != ref)
            s = add_path(&L, p, q, 1);
    }
    if (s == GW_OK) {
        L.it[L.n++] = (gw_h5_item){.name = "year",
                                   .kind = GW_H5_F64,
                                   .rows = gw_scenario_path_nyears(p),
                                   .f64 = gwi_scenario_path_years(p)};
        L.it[L.n++] = (gw_h5_item){.name = "scenario", .kind = GW_H5_STR, .rows = n, .str = names};
        snprintf(horizon, sizeof horizon, "%.10g-%.10g", h->from, h->to);
        const gw_h5_attr at[] = {
            {.name = "reference", .kind = GW_H5_STR, .str = names[ref]},
            {.name = "horizon", .kind = GW_H5_STR, .str = horizon},
            {.name = "ramp", .kind = GW_H5_F64, .f64 = h->ramp},
            {.name = "trend_years", .kind = GW_H5_I64, .i64 = (int64_t)h->trend_years},
            {.name = "draws",
             .kind = GW_H5_I64,
             .i64 = (int64_t)gw_scenario_report_settings(rep_at(p, 0, 0))->draws},
        };
        s = gw_results_append_group(path, group, L.it, L.n, at, sizeof at / sizeof at[0], prov,
                                    GW_RESULTS_REPLACE);
    }
    for (size_t k = 0; L.data != NULL && k < cap; k++)
        gw_free(L.data[k]);
    gw_free(L.it);
    gw_free(L.name);
    gw_free(L.data);
    gw_free(names);
    return s;
}
