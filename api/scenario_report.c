/* scenario_report.c -- the report of a scenario (gw_scenario_run.h): accessors, the area
 * labels, storage as an analysis group of a results file, release. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_strbuf.h"
#include "scenario_run_int.h"

gw_status gwi_scenario_report_new(gw_scenario_report **out)
{
    if ((*out = gw_calloc(1, sizeof **out)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* Labels are cut at 127 bytes: the width the command line has always printed and stored. */
gw_status gwi_scenario_area_labels(gw_scenario_report *r)
{
    size_t n = gw_table_nrows(r->areas);
    ptrdiff_t j = gw_table_find(r->areas, r->id);
    if ((r->area = gw_calloc(n ? n : 1, sizeof *r->area)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char b[128] = "";
        const double *x = j >= 0 ? gw_table_numeric(r->areas, (size_t)j) : NULL;
        if (x != NULL) {
            snprintf(b, sizeof b, "%.10g", x[i]);
        } else if (j >= 0) {
            int32_t c = gw_table_codes(r->areas, (size_t)j)[i];
            snprintf(b, sizeof b, "%s",
                     c < 0 ? "NA" : gw_table_level(r->areas, (size_t)j, (size_t)c));
        }
        if ((r->area[i] = gw_strdup(b)) == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
    }
    return GW_OK;
}

const gw_scenario_settings *gw_scenario_report_settings(const gw_scenario_report *r)
{
    return &r->set;
}

size_t gw_scenario_report_nshocks(const gw_scenario_report *r) { return r->nshocks; }

const char *gw_scenario_report_shock(const gw_scenario_report *r, size_t h) { return r->shocks[h]; }

size_t gw_scenario_report_nmodels(const gw_scenario_report *r) { return r->nmodels; }

const char *gw_scenario_report_model(const gw_scenario_report *r, size_t m) { return r->models[m]; }

const char *gw_scenario_report_formula(const gw_scenario_report *r, size_t m)
{
    return r->formulas[m];
}

const gw_scenario_result *gw_scenario_report_result(const gw_scenario_report *r)
{
    return r->result;
}

const gw_table *gw_scenario_report_areas(const gw_scenario_report *r) { return r->areas; }

const char *gw_scenario_report_area(const gw_scenario_report *r, size_t i) { return r->area[i]; }

const gw_scenario_summary *gw_scenario_report_national(const gw_scenario_report *r)
{
    return r->national;
}

size_t gw_scenario_report_nby(const gw_scenario_report *r) { return r->nby; }

const char *gw_scenario_report_by_var(const gw_scenario_report *r, size_t b)
{
    return r->by_var[b];
}

const gw_scenario_summary *gw_scenario_report_by(const gw_scenario_report *r, size_t b)
{
    return r->by[b];
}

const char *gw_scenario_report_by_level(const gw_scenario_report *r, size_t b, size_t g)
{
    return r->by_level[b][g];
}

/* The layout of the group is the one results files have always had (docs/scenario.md): a fixed
 * table of 64 datasets, of which the by-group ones take 7 per variable after the 18 others, so
 * only the first six grouping variables are stored. */
#define SR_MAX_ITEMS 64

typedef struct {
    gw_h5_item items[SR_MAX_ITEMS];
    size_t ni;
    gw_h5_attr at[16];
    size_t na;
} group_spec;

static void item_str(group_spec *g, const char *name, size_t rows, const char *const *p)
{
    gw_h5_item *it = &g->items[g->ni++];
    it->name = name;
    it->kind = GW_H5_STR;
    it->rows = rows;
    it->str = p;
}

static void item_f64(group_spec *g, const char *name, size_t rows, size_t cols, const double *p)
{
    gw_h5_item *it = &g->items[g->ni++];
    it->name = name;
    it->kind = GW_H5_F64;
    it->rows = rows;
    it->cols = cols;
    it->f64 = p;
}

static void attr_str(group_spec *g, const char *name, const char *v)
{
    g->at[g->na].name = name;
    g->at[g->na].kind = GW_H5_STR;
    g->at[g->na++].str = v;
}

static void attr_i64(group_spec *g, const char *name, int64_t v)
{
    g->at[g->na].name = name;
    g->at[g->na].kind = GW_H5_I64;
    g->at[g->na++].i64 = v;
}

/* The datasets of the areas, national summary and groups; names: nby * 12 + 1 buffers for the
 * by-group dataset names. */
static void group_items(const gw_scenario_report *rep, group_spec *g, char (*names)[96],
                        const double *plaus, const double *bounds)
{
    const gw_scenario_result *r = rep->result;
    const gw_scenario_summary *nat = rep->national;
    size_t n = r->n_areas, no = r->n_outcomes, draws = rep->set.draws;
    item_str(g, "area", n, (const char *const *)rep->area);
    item_str(g, "outcome", no, (const char *const *)r->outcomes);
    item_f64(g, "local_shock", n, 0, r->local_shock);
    item_f64(g, "base", no, n, r->base);
    item_f64(g, "point", no, n, r->point);
    item_f64(g, "mean", no, n, r->mean);
    item_f64(g, "median", no, n, r->median);
    item_f64(g, "q05", no, n, r->q05);
    item_f64(g, "q95", no, n, r->q95);
    item_f64(g, "rank_base", no, n, r->rank_base);
    item_f64(g, "rank_after", no, n, r->rank_after);
    item_f64(g, "rank_change", no, n, r->rank_change);
    item_f64(g, "national/mean_change", no, 0, nat->mean_change);
    item_f64(g, "national/q05", no, 0, nat->q05);
    item_f64(g, "national/q50", no, 0, nat->q50);
    item_f64(g, "national/q95", no, 0, nat->q95);
    item_f64(g, "national/point", no, 0, nat->point);
    item_f64(g, "national_draws", no, draws, nat->draw_mean);
    item_f64(g, "plausibility", no, n, plaus);
    item_f64(g, "bounds", no, 4, bounds);
    for (size_t b = 0; b < rep->nby && g->ni + 8 <= SR_MAX_ITEMS; b++) {
        static const char *const parts[] = {"levels", "mean_change", "q05",  "q50",
                                            "q95",    "point",       "draws"};
        const gw_scenario_summary *s = rep->by[b];
        size_t G = rep->by_nlevels[b];
        for (size_t k = 0; k < 7; k++)
            snprintf(names[b * 12 + k], 96, "by/%s/%s", rep->by_var[b], parts[k]);
        item_str(g, names[b * 12 + 0], G, (const char *const *)rep->by_level[b]);
        item_f64(g, names[b * 12 + 1], G, no, s->mean_change);
        item_f64(g, names[b * 12 + 2], G, no, s->q05);
        item_f64(g, names[b * 12 + 3], G, no, s->q50);
        item_f64(g, names[b * 12 + 4], G, no, s->q95);
        item_f64(g, names[b * 12 + 5], G, no, s->point);
        item_f64(g, names[b * 12 + 6], G * no, draws, s->draw_mean);
    }
}

gw_status gw_scenario_report_write(const gw_scenario_report *rep, const char *path,
                                   const char *group, const gw_provenance *prov)
{
    if (rep == NULL || path == NULL || group == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_report_write: NULL argument");
    group_spec g;
    gw_strbuf sb = {0}, mb = {0};
    char *shocks = NULL, *models = NULL;
    double *plaus = NULL, *bounds = NULL;
    char(*names)[96] = gw_calloc(rep->nby * 12 + 1, sizeof *names);
    memset(&g, 0, sizeof g);
    for (size_t h = 0; h < rep->nshocks; h++)
        gw_strbuf_printf(&sb, "%s%s", h ? "; " : "", rep->shocks[h]);
    for (size_t q = 0; q < rep->nmodels; q++)
        gw_strbuf_printf(&mb, "%s%s", q ? "," : "", rep->models[rep->result->order[q]]);
    gw_status s = gw_strbuf_finish(&sb, &shocks);
    if (s == GW_OK)
        s = gw_strbuf_finish(&mb, &models);
    if (s != GW_OK || names == NULL) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    size_t no = rep->result->n_outcomes, n = rep->result->n_areas;
    plaus = gw_alloc_array(no * n > 0 ? no * n : 1, sizeof *plaus);
    bounds = gw_alloc_array(no > 0 ? 4 * no : 1, sizeof *bounds);
    if (plaus == NULL || bounds == NULL) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t o = 0; o < no; o++) {
        const gw_scenario_plausibility *p = &rep->plaus[o];
        for (size_t i = 0; i < n; i++)
            plaus[o * n + i] = p->flag[i];
        bounds[4 * o] = p->lo;
        bounds[4 * o + 1] = p->hi;
        bounds[4 * o + 2] = p->observed_lo;
        bounds[4 * o + 3] = p->observed_hi;
    }
    group_items(rep, &g, names, plaus, bounds);
    attr_str(&g, "shock", shocks);
    attr_str(&g, "models", models);
    if (rep->results != NULL)
        attr_str(&g, "results", rep->results);
    attr_i64(&g, "draws", (int64_t)rep->set.draws);
    g.at[g.na].name = "pass_through";
    g.at[g.na].kind = GW_H5_F64;
    g.at[g.na++].f64 = rep->set.pass_through;
    g.at[g.na].name = "year";
    g.at[g.na].kind = GW_H5_F64;
    g.at[g.na++].f64 = rep->set.year;
    attr_str(&g, "id", rep->set.id);
    attr_i64(&g, "coefficient_draws", rep->set.coefficient_draws);
    attr_i64(&g, "residual_noise", rep->set.residual_noise);
    if (rep->weight != NULL) /* only when weighted: unweighted files keep their bytes */
        attr_str(&g, "weight", rep->weight);
    if (rep->set.coef_draws_joint) { /* likewise only with joint draws */
        attr_str(&g, "coef_draws", "joint");
        attr_str(&g, "coef_draws_cluster", rep->joint_cluster);
    }
    s = gw_results_append_group(path, group, g.items, g.ni, g.at, g.na, prov, GW_RESULTS_REPLACE);
done:
    gw_strbuf_free(&sb);
    gw_strbuf_free(&mb);
    gw_free(shocks);
    gw_free(models);
    gw_free(names);
    gw_free(plaus);
    gw_free(bounds);
    return s;
}

void gwi_scenario_free_strs(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        gw_free(s[i]);
    gw_free(s);
}

void gw_scenario_report_free(gw_scenario_report *r)
{
    if (r == NULL)
        return;
    size_t n = r->areas != NULL ? gw_table_nrows(r->areas) : 0;
    gw_free(r->id);
    gw_free(r->time);
    gw_free(r->results);
    gw_free(r->pt_dist_text);
    gw_free(r->weight);
    gw_free(r->w);
    gwi_scenario_free_strs(r->shocks, r->nshocks);
    gwi_scenario_free_strs(r->models, r->nmodels);
    gwi_scenario_free_strs(r->formulas, r->nmodels);
    gwi_scenario_free_strs(r->area, r->area != NULL ? n : 0);
    gw_table_free(r->areas);
    gw_scenario_free(r->result);
    gw_scenario_summary_free(r->national);
    for (size_t b = 0; b < r->nby; b++) {
        if (r->by != NULL)
            gw_scenario_summary_free(r->by[b]);
        if (r->by_level != NULL && r->by_nlevels != NULL)
            gwi_scenario_free_strs(r->by_level[b], r->by_nlevels[b]);
    }
    gwi_scenario_free_strs(r->by_var, r->nby);
    gw_free(r->by);
    gw_free(r->by_level);
    gw_free(r->by_nlevels);
    gw_free(r->plaus);
    gw_free(r->plaus_flag);
    gw_free(r->joint_cluster);
    gw_free(r->coef_note);
    gw_free(r);
}
