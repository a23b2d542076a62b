/* scenario_render.c -- gw_scenario_report_render (gw_scenario_run.h): a scenario's report as
 * the command line prints it, text or one line of JSON, so that the C API and the Python and R
 * packages print the same bytes as `goodwork scenario`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_scenario_run.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "scenario_joint_int.h"
#include "scenario_run_int.h"

/* A number, or null when it is not finite (JSON has no NaN). The command line's an_num (cli/
 * analysis_util.c), kept here because the library does not link the command line. */
/* Row i of column name of t as JSON: a number, a categorical level, or null when missing or when
 * t has no such column (the command line's an_key_json). */
static cJSON *key_json(const gw_table *t, const char *name, size_t i)
{
    ptrdiff_t j = gw_table_find(t, name);
    if (j < 0)
        return cJSON_CreateNull();
    const double *x = gw_table_numeric(t, (size_t)j);
    if (x != NULL)
        return gwi_json_num(x[i]);
    int32_t c = gw_table_codes(t, (size_t)j)[i];
    return c < 0 ? cJSON_CreateNull() : cJSON_CreateString(gw_table_level(t, (size_t)j, (size_t)c));
}

cJSON *gwi_scenario_stat_json(const gw_scenario_summary *g, size_t gi, size_t o)
{
    size_t at = gi * g->n_outcomes + o;
    cJSON *x = cJSON_CreateObject();
    cJSON_AddItemToObject(x, "mean_change", gwi_json_num(g->mean_change[at]));
    cJSON_AddItemToObject(x, "q05", gwi_json_num(g->q05[at]));
    cJSON_AddItemToObject(x, "q50", gwi_json_num(g->q50[at]));
    cJSON_AddItemToObject(x, "q95", gwi_json_num(g->q95[at]));
    cJSON_AddItemToObject(x, "point", gwi_json_num(g->point[at]));
    cJSON_AddNumberToObject(x, "n_areas", (double)g->n_areas[gi]);
    return x;
}

/* JSON "by" (keys LEVEL, or VAR=LEVEL with several variables) and "by_var" (VAR: LEVEL). */
static void by_json(const gw_scenario_report *rep, cJSON *bj, cJSON *bvj)
{
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    size_t nby = gw_scenario_report_nby(rep);
    for (size_t b = 0; b < nby; b++) {
        const char *var = gw_scenario_report_by_var(rep, b);
        const gw_scenario_summary *g = gw_scenario_report_by(rep, b);
        cJSON *vj = cJSON_AddObjectToObject(bvj, var);
        for (size_t gi = 0; gi < g->ngroups; gi++) {
            const char *level = gw_scenario_report_by_level(rep, b, gi);
            for (int twice = 0; twice < 2; twice++) {
                cJSON *gj = cJSON_CreateObject();
                for (size_t o = 0; o < r->n_outcomes; o++)
                    cJSON_AddItemToObject(gj, r->outcomes[o], gwi_scenario_stat_json(g, gi, o));
                if (twice == 0) {
                    cJSON_AddItemToObject(vj, level, gj);
                } else {
                    char key[300];
                    if (nby == 1)
                        snprintf(key, sizeof key, "%s", level);
                    else
                        snprintf(key, sizeof key, "%s=%s", var, level);
                    cJSON_AddItemToObject(bj, key, gj);
                }
            }
        }
    }
}

/* JSON "areas": each area's identifier, local shock and per-outcome results. */
static void areas_json(const gw_scenario_report *rep, cJSON *root)
{
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const gw_table *areas = gw_scenario_report_areas(rep);
    const char *idv = gw_scenario_report_settings(rep)->id;
    size_t n = r->n_areas;
    cJSON *aj = cJSON_AddArrayToObject(root, "areas");
    for (size_t i = 0; i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        cJSON_AddItemToObject(x, "id", key_json(areas, idv, i));
        cJSON_AddItemToObject(x, "local_shock", gwi_json_num(r->local_shock[i]));
        for (size_t o = 0; o < r->n_outcomes; o++) {
            size_t at = o * n + i;
            cJSON *y = cJSON_AddObjectToObject(x, r->outcomes[o]);
            cJSON_AddItemToObject(y, "base", gwi_json_num(r->base[at]));
            cJSON_AddItemToObject(y, "point", gwi_json_num(r->point[at]));
            cJSON_AddItemToObject(y, "mean", gwi_json_num(r->mean[at]));
            cJSON_AddItemToObject(y, "median", gwi_json_num(r->median[at]));
            cJSON_AddItemToObject(y, "q05", gwi_json_num(r->q05[at]));
            cJSON_AddItemToObject(y, "q95", gwi_json_num(r->q95[at]));
            cJSON_AddItemToObject(y, "rank_base", gwi_json_num(r->rank_base[at]));
            cJSON_AddItemToObject(y, "rank_after", gwi_json_num(r->rank_after[at]));
            cJSON_AddItemToObject(y, "rank_change", gwi_json_num(r->rank_change[at]));
        }
        cJSON_AddItemToArray(aj, x);
    }
}

/* JSON "plausibility": per outcome, its bounds (null: unbounded), the observed range, the
 * counts and the areas flagged, with their value after the shock. */
static void plaus_json(const gw_scenario_report *rep, cJSON *root)
{
    static const char *const why[] = {"below", "above", "outside_observed"};
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    size_t n = r->n_areas;
    cJSON *pj = cJSON_AddObjectToObject(root, "plausibility");
    for (size_t o = 0; o < r->n_outcomes; o++) {
        const gw_scenario_plausibility *p = gw_scenario_report_plausibility(rep, o);
        cJSON *x = cJSON_AddObjectToObject(pj, r->outcomes[o]);
        cJSON *b = cJSON_AddArrayToObject(x, "bounds"), *ob = cJSON_AddArrayToObject(x, "observed");
        cJSON_AddItemToArray(b, gwi_json_num(p->lo));
        cJSON_AddItemToArray(b, gwi_json_num(p->hi));
        cJSON_AddItemToArray(ob, gwi_json_num(p->observed_lo));
        cJSON_AddItemToArray(ob, gwi_json_num(p->observed_hi));
        cJSON_AddNumberToObject(x, "below", (double)p->below);
        cJSON_AddNumberToObject(x, "above", (double)p->above);
        cJSON_AddNumberToObject(x, "outside_observed", (double)p->outside);
        cJSON *aj = cJSON_AddArrayToObject(x, "areas");
        for (size_t i = 0; i < n; i++) {
            if (p->flag[i] == 0)
                continue;
            cJSON *a = cJSON_CreateObject(), *f = cJSON_CreateArray();
            cJSON_AddStringToObject(a, "area", gw_scenario_report_area(rep, i));
            double v = r->base[o * n + i] + r->point[o * n + i];
            cJSON_AddItemToObject(a, "value", gwi_json_num(v));
            for (unsigned k = 0; k < 3; k++)
                if (p->flag[i] & (1u << k))
                    cJSON_AddItemToArray(f, cJSON_CreateString(why[k]));
            cJSON_AddItemToObject(a, "flags", f);
            cJSON_AddItemToArray(aj, a);
        }
    }
}

/* Text: the outcomes whose value after the shock leaves their bounds or the observed range,
 * with up to eight of the areas concerned. */
static void plaus_text(const gw_scenario_report *rep, gw_strbuf *text)
{
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const char *idv = gw_scenario_report_settings(rep)->id;
    int any = 0;
    for (size_t o = 0; o < r->n_outcomes; o++) {
        const gw_scenario_plausibility *p = gw_scenario_report_plausibility(rep, o);
        if (p->below + p->above + p->outside == 0)
            continue;
        if (!any)
            gw_strbuf_printf(text, "\n  Plausibility (value after the shock = base + point "
                                   "change):\n");
        any = 1;
        gw_strbuf_printf(text,
                         "  %s: %zu area(s) below %g, %zu above %g, %zu outside the observed "
                         "range %.6g to %.6g:",
                         r->outcomes[o], p->below, p->lo, p->above, p->hi, p->outside,
                         p->observed_lo, p->observed_hi);
        size_t shown = 0;
        for (size_t i = 0; i < r->n_areas && shown < 8; i++)
            if (p->flag[i] != 0)
                gw_strbuf_printf(text, "%s %s %s", shown++ ? "," : "", idv,
                                 gw_scenario_report_area(rep, i));
        gw_strbuf_printf(text, "%s\n", p->below + p->above + p->outside > shown ? ", ..." : "");
    }
    if (!any)
        gw_strbuf_printf(text, "\n  Plausibility: every value after the shock is within its "
                               "bounds and the range observed in the data\n");
}

/* The report as one line of JSON into text; 0 when out of memory. */
static int render_json(const gw_scenario_report *rep, int areas, gw_strbuf *text)
{
    const gw_scenario_settings *st = gw_scenario_report_settings(rep);
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const gw_scenario_summary *nat = gw_scenario_report_national(rep);
    size_t neq = gw_scenario_report_nmodels(rep);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return 0;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "command", "scenario");
    cJSON *sj = cJSON_AddArrayToObject(root, "shock");
    for (size_t h = 0; h < gw_scenario_report_nshocks(rep); h++)
        cJSON_AddItemToArray(sj, cJSON_CreateString(gw_scenario_report_shock(rep, h)));
    cJSON *mj = cJSON_AddArrayToObject(root, "models");
    for (size_t q = 0; q < neq; q++)
        cJSON_AddItemToArray(mj, cJSON_CreateString(gw_scenario_report_model(rep, r->order[q])));
    cJSON_AddNumberToObject(root, "seed", (double)st->seed);
    cJSON_AddNumberToObject(root, "draws", (double)st->draws);
    cJSON_AddNumberToObject(root, "pass_through", st->pass_through);
    if (st->pass_through_dist != NULL)
        cJSON_AddStringToObject(root, "pass_through_distribution", st->pass_through_dist);
    cJSON_AddItemToObject(root, "year", gwi_json_num(st->year));
    cJSON_AddNumberToObject(root, "n_areas", (double)r->n_areas);
    cJSON_AddBoolToObject(root, "coefficient_draws", st->coefficient_draws);
    cJSON_AddBoolToObject(root, "residual_noise", st->residual_noise);
    if (st->weight != NULL)
        cJSON_AddStringToObject(root, "weight", st->weight);
    cJSON *cl = cJSON_AddObjectToObject(root, "vcov_clipped");
    for (size_t m = 0; m < neq; m++)
        cJSON_AddNumberToObject(cl, gw_scenario_report_model(rep, m), (double)r->clipped[m]);
    gwi_scenario_joint_json(root, st);
    cJSON *oj = cJSON_AddObjectToObject(root, "outcomes");
    for (size_t o = 0; o < r->n_outcomes; o++)
        cJSON_AddItemToObject(oj, r->outcomes[o], gwi_scenario_stat_json(nat, 0, o));
    cJSON *bj = cJSON_AddObjectToObject(root, "by");
    cJSON *bvj = cJSON_AddObjectToObject(root, "by_var");
    by_json(rep, bj, bvj);
    plaus_json(rep, root);
    if (areas)
        areas_json(rep, root);
    char *js = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (js == NULL)
        return 0;
    gw_strbuf_cat(text, js);
    gw_strbuf_cat(text, "\n");
    cJSON_free(js);
    return 1;
}

/* Text: the by-group tables, then the largest rank changes in the last outcome (the final
 * equation). */
static void text_by_and_ranks(const gw_scenario_report *rep, gw_strbuf *text)
{
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const char *idv = gw_scenario_report_settings(rep)->id;
    size_t n = r->n_areas, no = r->n_outcomes;
    for (size_t b = 0; b < gw_scenario_report_nby(rep); b++) {
        const char *var = gw_scenario_report_by_var(rep, b);
        const gw_scenario_summary *g = gw_scenario_report_by(rep, b);
        gw_strbuf_printf(text, "\n  By %s: mean change [q05, q95]\n  %-14s %5s", var, var, "areas");
        for (size_t o = 0; o < no; o++)
            gw_strbuf_printf(text, " %34s", r->outcomes[o]);
        gw_strbuf_printf(text, "\n");
        for (size_t gi = 0; gi < g->ngroups; gi++) {
            gw_strbuf_printf(text, "  %-14.14s %5zu", gw_scenario_report_by_level(rep, b, gi),
                             g->n_areas[gi]);
            for (size_t o = 0; o < no; o++) {
                size_t at = gi * no + o;
                gw_strbuf_printf(text, " %10.4g [%10.4g, %10.4g]", g->mean_change[at], g->q05[at],
                                 g->q95[at]);
            }
            gw_strbuf_printf(text, "\n");
        }
    }
    if (no == 0 || n == 0)
        return;
    size_t o = no - 1, up = SIZE_MAX, dn = SIZE_MAX;
    const double *rc = r->rank_change + o * n;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(rc[i]))
            continue;
        if (up == SIZE_MAX || rc[i] > rc[up])
            up = i;
        if (dn == SIZE_MAX || rc[i] < rc[dn])
            dn = i;
    }
    if (up != SIZE_MAX)
        gw_strbuf_printf(text,
                         "\n  Ranks in %s (1 = highest): largest rise %s %s (%+.0f), largest "
                         "fall %s %s (%+.0f)\n",
                         r->outcomes[o], idv, gw_scenario_report_area(rep, up), rc[up], idv,
                         gw_scenario_report_area(rep, dn), rc[dn]);
}

/* The report as the text summary. */
static void render_text(const gw_scenario_report *rep, gw_strbuf *text)
{
    const gw_scenario_settings *st = gw_scenario_report_settings(rep);
    const gw_scenario_result *r = gw_scenario_report_result(rep);
    const gw_scenario_summary *nat = gw_scenario_report_national(rep);
    size_t neq = gw_scenario_report_nmodels(rep);
    gw_strbuf_printf(text, "Scenario:");
    for (size_t h = 0; h < gw_scenario_report_nshocks(rep); h++)
        gw_strbuf_printf(text, "%s%s", h ? "; " : " ", gw_scenario_report_shock(rep, h));
    gw_strbuf_printf(text, "\n  models, in propagation order:");
    for (size_t q = 0; q < neq; q++)
        gw_strbuf_printf(text, "%s%s (%s)", q ? "," : " ",
                         gw_scenario_report_model(rep, r->order[q]),
                         gw_scenario_report_formula(rep, r->order[q]));
    gw_strbuf_printf(text,
                     "\n  areas: %zu (%s %s%.10g); draws %zu, seed %llu; pass-through %g; "
                     "%s%s\n",
                     r->n_areas, st->id, st->time ? "in " : "", st->time ? st->year : 0.0,
                     st->draws, (unsigned long long)st->seed, st->pass_through,
                     st->coefficient_draws ? "coefficients drawn from N(b, V)"
                                           : "point estimates only",
                     st->residual_noise ? " + residual noise" : "");
    if (st->pass_through_dist != NULL)
        gw_strbuf_printf(text, "  pass-through drawn from %s in each draw (point: its mean)\n",
                         st->pass_through_dist);
    if (st->coef_draws_joint)
        gw_strbuf_printf(text,
                         "  coefficients of the %zu models drawn jointly (covariance of the "
                         "stacked estimators, clustered by %s)%s\n",
                         neq, st->coef_draws_cluster,
                         st->coef_draws_clipped > 0 ? "; eigenvalue(s) clipped to zero" : "");
    for (size_t m = 0; m < neq; m++)
        if (r->clipped[m] > 0)
            gw_strbuf_printf(text,
                             "  note: the vcov of %s is not positive definite; %zu eigenvalue(s) "
                             "clipped to zero\n",
                             gw_scenario_report_model(rep, m), r->clipped[m]);
    if (st->weight != NULL && st->time != NULL)
        gw_strbuf_printf(text, "  means over areas weighted by %s (its value in %s %.10g)\n",
                         st->weight, st->time, st->year);
    else if (st->weight != NULL)
        gw_strbuf_printf(text, "  means over areas weighted by %s\n", st->weight);
    gw_strbuf_printf(text, "\n  Mean change over areas (mean over draws, 90%% interval):\n");
    gw_strbuf_printf(text, "  %-26s %12s %12s  %-27s\n", "outcome", "point", "mean", "[q05, q95]");
    for (size_t o = 0; o < r->n_outcomes; o++)
        gw_strbuf_printf(text, "  %-26s %12.5g %12.5g  [%11.5g, %11.5g]\n", r->outcomes[o],
                         nat->point[o], nat->mean_change[o], nat->q05[o], nat->q95[o]);
    plaus_text(rep, text);
    text_by_and_ranks(rep, text);
}

gw_status gw_scenario_report_render(const gw_scenario_report *rep, int json, int areas, char **out)
{
    if (out == NULL || rep == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_scenario_report_render: NULL argument");
    }
    gw_strbuf text = {0};
    if (json) {
        if (!render_json(rep, areas, &text))
            text.oom = 1;
    } else {
        render_text(rep, &text);
    }
    return gw_strbuf_finish(&text, out);
}
