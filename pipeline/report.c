/* report.c -- report.md with tables and plots (report_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_etable.h"
#include "gw_hdf5.h"
#include "gw_plot.h"
#include "report_int.h"

#define REPORT_MAX_ROWS 256
/* Areas listed per outcome when a scenario's values leave their bounds or observed range. */
#define SCENARIO_FLAGGED_SHOWN 10

/* The step's JSON output, parsed (owned; NULL when missing or malformed). */
static cJSON *step_json(const char *outdir, const pl_step *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/steps/%s.json", outdir, s->name);
    char *text = pl_slurp(path, NULL);
    cJSON *o = text ? cJSON_Parse(text) : NULL;
    gw_free(text);
    return o;
}

static double jnum(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(x) ? x->valuedouble : (double)NAN;
}

/* The value of a JSON number (NaN for anything else, NULL included). */
static double jval(const cJSON *x) { return cJSON_IsNumber(x) ? x->valuedouble : (double)NAN; }

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* A number in 4 significant digits ("" when not finite); rotating static buffers. */
static const char *fmt4(double v)
{
    static char buf[8][32];
    static int k;
    char *b = buf[k++ & 7];
    if (!isfinite(v))
        snprintf(b, 32, "–");
    else
        snprintf(b, 32, "%.4g", v);
    return b;
}

/* The text of a JSON id (number or string). */
static const char *jid(const cJSON *x)
{
    static char buf[4][64];
    static int k;
    char *b = buf[k++ & 3];
    if (cJSON_IsString(x))
        return x->valuestring;
    if (cJSON_IsNumber(x))
        snprintf(b, 64, "%.15g", x->valuedouble);
    else
        snprintf(b, 64, "?");
    return b;
}

static void plot_link(FILE *f, const char *outdir, const char *file, const char *alt, int ok)
{
    (void)outdir;
    if (ok == 0)
        fprintf(f, "\n![%s](%s)\n", alt, file);
    else
        fprintf(f, "\n(plot %s could not be drawn)\n", file);
}

static int svg_path(char *buf, size_t n, const char *outdir, const char *file)
{
    return snprintf(buf, n, "%s/%s", outdir, file) < (int)n;
}

/* ---- models ------------------------------------------------------------------------------ */

/* Terms more than this many times smaller than a model's largest go to a panel of their own: on
 * one axis a coefficient of 0.02 beside one of -40 is a dot on the zero line. */
#define COEF_SCALE_RATIO 10.0

/* One model's rows, regrouped by scale (owned arrays). */
typedef struct {
    const char **labels;
    double *est, *lo, *hi;
    size_t *group;
} coef_rows;

/* Adds the panels of one model (name, fit r) to panels[*np..] with their titles in
 * titles[*np..]: one per scale group of its terms, each with its own x axis; within a panel the
 * rows keep the model's order. */
static void coef_panels(const char *name, const gw_result *r, coef_rows *cr, plot_panel *panels,
                        char (*titles)[160], size_t *np)
{
    size_t k = r->k, at = 0;
    plot_panel whole = {name, k, (const char *const *)r->terms, r->estimate, r->ci_low, r->ci_high};
    size_t ng = plot_scale_groups(&whole, COEF_SCALE_RATIO, cr->group);
    for (size_t g = 0; g < ng && *np < REPORT_MAX_ROWS; g++) {
        size_t start = at;
        for (size_t i = 0; i < k; i++)
            if (cr->group[i] == g) {
                cr->labels[at] = r->terms[i];
                cr->est[at] = r->estimate[i];
                cr->lo[at] = r->ci_low[i];
                cr->hi[at++] = r->ci_high[i];
            }
        if (ng == 1)
            snprintf(titles[*np], 160, "%s", name);
        else
            snprintf(titles[*np], 160, "%s (scale %zu of %zu: own axis)", name, g + 1, ng);
        panels[*np] = (plot_panel){titles[*np],     at - start,     cr->labels + start,
                                   cr->est + start, cr->lo + start, cr->hi + start};
        (*np)++;
    }
}

/* coefficients.svg: the stored 95% intervals, one panel per model and scale of its terms. */
static void coef_plot(FILE *f, const char *outdir, const char *const *names,
                      gw_result *const *owned, size_t nm)
{
    plot_panel panels[REPORT_MAX_ROWS];
    char(*titles)[160] = gw_calloc(REPORT_MAX_ROWS, sizeof *titles);
    coef_rows *rows = gw_calloc(nm, sizeof *rows);
    size_t np = 0;
    int ok = rows != NULL && titles != NULL;
    for (size_t i = 0; ok && i < nm; i++) {
        if (owned[i] == NULL || owned[i]->k == 0)
            continue;
        size_t k = owned[i]->k;
        coef_rows *c = &rows[i];
        c->labels = gw_calloc(k, sizeof *c->labels);
        c->est = gw_calloc(3 * k, sizeof *c->est);
        c->group = gw_calloc(k, sizeof *c->group);
        ok = c->labels != NULL && c->est != NULL && c->group != NULL;
        if (ok) {
            c->lo = c->est + k;
            c->hi = c->est + 2 * k;
            coef_panels(names[i], owned[i], c, panels, titles, &np);
        }
    }
    char path[4096];
    if (!ok) {
        fprintf(f, "\n(the coefficient plot could not be drawn: out of memory)\n");
    } else if (np > 0 && svg_path(path, sizeof path, outdir, "coefficients.svg")) {
        int drawn = plot_intervals(path, "Coefficients with 95% confidence intervals", panels, np);
        plot_link(f, outdir, "coefficients.svg", "coefficient plot", drawn);
        if (drawn == 0 && np > nm)
            fprintf(f,
                    "\nA model's terms that differ in size by more than %g times are drawn in "
                    "panels of their own, each with its own x axis.\n",
                    COEF_SCALE_RATIO);
    }
    for (size_t i = 0; rows != NULL && i < nm; i++) {
        gw_free(rows[i].labels);
        gw_free(rows[i].est);
        gw_free(rows[i].group);
    }
    gw_free(rows);
    gw_free(titles);
}

static void models_section(FILE *f, const pl_pipeline *p, const char *outdir, const char *results)
{
    const gw_result *models[REPORT_MAX_ROWS];
    const char *names[REPORT_MAX_ROWS];
    gw_result *owned[REPORT_MAX_ROWS];
    size_t nm = 0;
    gw_results *res = NULL;
    for (size_t i = 0; i < p->nsteps; i++)
        if (strcmp(p->steps[i].kind, "fit") == 0 && nm < REPORT_MAX_ROWS)
            names[nm++] = p->steps[i].name;
    if (nm == 0)
        return;
    fprintf(f, "\n## Models\n\n");
    if (gw_results_open(results, &res) != GW_OK) {
        fprintf(f, "(the models could not be read back: %s)\n", gw_last_error());
        return;
    }
    size_t got = 0;
    for (size_t i = 0; i < nm; i++) {
        owned[i] = NULL;
        if (gw_results_get(res, names[i], &owned[i]) == GW_OK)
            models[got++] = owned[i];
    }
    char *table = NULL;
    if (got == nm && gw_etable_render(models, names, nm, GW_OUT_MARKDOWN, &table) == GW_OK)
        fprintf(f, "%s\n", table);
    else
        fprintf(f, "(the models table could not be rendered)\n");
    gw_free(table);
    coef_plot(f, outdir, names, owned, nm);
    for (size_t i = 0; i < nm; i++)
        gw_result_free(owned[i]);
    gw_results_close(res);
}

/* ---- index ------------------------------------------------------------------------------- */

typedef struct {
    const cJSON *e;
    double rank;
} idx_row;

static int by_rank(const void *a, const void *b)
{
    double x = ((const idx_row *)a)->rank, y = ((const idx_row *)b)->rank;
    return (x > y) - (x < y);
}

static void index_section(FILE *f, const pl_pipeline *p, const pl_step *s, const cJSON *o,
                          const char *outdir)
{
    const cJSON *idx = cJSON_GetObjectItemCaseSensitive(o, "index"), *e;
    const cJSON *w = cJSON_GetObjectItemCaseSensitive(o, "weights");
    fprintf(f, "\n## Good Work index: %s\n\n", s->name);
    if (cJSON_IsObject(w)) {
        fprintf(f, "Weights (%s, %s normalisation, %s aggregation): ",
                jstr(o, "weighting") ? jstr(o, "weighting") : "?",
                jstr(o, "normalise") ? jstr(o, "normalise") : "?",
                jstr(o, "aggregate") ? jstr(o, "aggregate") : "?");
        int first = 1;
        cJSON_ArrayForEach(e, w)
        {
            fprintf(f, "%s`%s` %s", first ? "" : ", ", e->string, fmt4(e->valuedouble));
            first = 0;
        }
        fprintf(f, ".\n");
    }
    if (!cJSON_IsArray(idx))
        return;
    double last = -INFINITY;
    int has_time = 0;
    cJSON_ArrayForEach(e, idx)
    {
        double t = jnum(e, "time");
        if (isfinite(t)) {
            has_time = 1;
            last = fmax(last, t);
        }
    }
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(idx);
    idx_row *rows = gw_calloc(cap ? cap : 1, sizeof *rows);
    if (rows == NULL)
        return;
    cJSON_ArrayForEach(e, idx)
    {
        if (has_time && jnum(e, "time") != last)
            continue;
        rows[n].e = e;
        rows[n++].rank = jnum(e, "rank");
    }
    qsort(rows, n, sizeof *rows, by_rank);
    size_t top = p->report.top < n / 2 ? p->report.top : n / 2;
    if (has_time)
        fprintf(f,
                "\nTop and bottom %zu areas in %.0f (rank 1 = best; change since the "
                "previous year):\n",
                top, last);
    /* Rank intervals of the sensitivity study (--sensitivity N): how far each rank moves when
     * the weights are perturbed. */
    int sens = n > 0 && isfinite(jnum(rows[0].e, "rank_median"));
    if (sens)
        fprintf(f,
                "\nRank intervals: the median and 5-95%% range of each area's rank over %.0f "
                "draws of Dirichlet-perturbed weights (concentration %s).\n",
                jnum(o, "sensitivity_draws"), fmt4(jnum(o, "concentration")));
    fprintf(f, "\n| rank | area | index | rank change |%s\n|---:|---|---:|---:|%s\n",
            sens ? " median rank | 5-95% rank |" : "", sens ? "---:|---:|" : "");
    const char *labels[2 * REPORT_MAX_ROWS];
    double vals[2 * REPORT_MAX_ROWS];
    size_t nb = 0;
    for (size_t part = 0; part < 2; part++)
        for (size_t j = 0; j < top && j < REPORT_MAX_ROWS; j++) {
            const cJSON *r = rows[part ? n - top + j : j].e;
            double ch = jnum(r, "rank_change");
            fprintf(f, "| %.0f | %s | %s | %s |", jnum(r, "rank"),
                    jid(cJSON_GetObjectItemCaseSensitive(r, "id")), fmt4(jnum(r, "value")),
                    isfinite(ch) ? fmt4(ch) : "");
            if (sens)
                fprintf(f, " %.6g | %.6g to %.6g |", jnum(r, "rank_median"), jnum(r, "rank_q05"),
                        jnum(r, "rank_q95"));
            fprintf(f, "\n");
            if (part == 0 && j + 1 == top && n > 2 * top)
                fprintf(f, "| … | | | |%s\n", sens ? " | |" : "");
            labels[nb] = jstr(r, "id") ? jstr(r, "id") : "?";
            vals[nb++] = jnum(r, "value");
        }
    char path[4096], file[512], title[256];
    snprintf(file, sizeof file, "index_%s.svg", s->name);
    snprintf(title, sizeof title, "Good Work index %s: top and bottom %zu areas", s->name, top);
    if (nb > 0 && svg_path(path, sizeof path, outdir, file))
        plot_link(f, outdir, file, "index ranking", plot_bars(path, title, nb, labels, vals));
    gw_free(rows);
}

/* ---- synergy ----------------------------------------------------------------------------- */

static void synergy_section(FILE *f, const pl_step *s, const cJSON *o, const char *outdir)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(o, "variables");
    const cJSON *all = cJSON_GetObjectItemCaseSensitive(o, "all");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(all, "r");
    size_t n = (size_t)cJSON_GetArraySize(vars);
    fprintf(f, "\n## Synergies: %s\n\n", s->name);
    if (n == 0 || n > 64 || !cJSON_IsArray(r)) {
        fprintf(f, "(no correlation matrix)\n");
        return;
    }
    const char *labels[64];
    double m[64 * 64];
    for (size_t i = 0; i < n; i++) {
        labels[i] = cJSON_GetArrayItem(vars, (int)i)->valuestring;
        const cJSON *row = cJSON_GetArrayItem(r, (int)i);
        for (size_t j = 0; j < n; j++) {
            const cJSON *x = cJSON_GetArrayItem(row, (int)j);
            m[i * n + j] = cJSON_IsNumber(x) ? x->valuedouble : (double)NAN;
        }
    }
    const char *pool = jstr(o, "pooling");
    fprintf(f, "Correlations over all years (%s, n = %.0f):\n\n|", pool ? pool : "pooled",
            jnum(all, "n"));
    for (size_t j = 0; j < n; j++)
        fprintf(f, " | %s", labels[j]);
    fprintf(f, " |\n|---|");
    for (size_t j = 0; j < n; j++)
        fprintf(f, "---:|");
    fprintf(f, "\n");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "| %s", labels[i]);
        for (size_t j = 0; j < n; j++)
            fprintf(f, " | %.2f", m[i * n + j]);
        fprintf(f, " |\n");
    }
    char path[4096], file[512];
    snprintf(file, sizeof file, "correlations_%s.svg", s->name);
    if (svg_path(path, sizeof path, outdir, file))
        plot_link(f, outdir, file, "correlation heat map",
                  plot_heatmap(path, "Correlations (all years)", n, labels, m));
}

/* ---- communities ------------------------------------------------------------------------- */

/* The silhouette by k ({"2": .., "3": ..}): a table (the chosen k marked) and a line plot. */
static void silhouette_curve(FILE *f, const pl_step *s, const cJSON *o, const char *outdir)
{
    const cJSON *sil = cJSON_GetObjectItemCaseSensitive(o, "silhouette"), *e;
    double ks[REPORT_MAX_ROWS], v[REPORT_MAX_ROWS], chosen = jnum(o, "k"), cy = (double)NAN;
    size_t n = 0;
    cJSON_ArrayForEach(e, sil)
    {
        if (n == REPORT_MAX_ROWS || !cJSON_IsNumber(e) || e->string == NULL)
            continue;
        ks[n] = strtod(e->string, NULL);
        v[n] = e->valuedouble;
        if (ks[n] == chosen)
            cy = v[n];
        n++;
    }
    if (n == 0)
        return;
    fprintf(f, "\nMean silhouette by number of communities k (higher: better separated):\n\n"
               "| k | mean silhouette | chosen |\n|---:|---:|---|\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "| %.0f | %s | %s |\n", ks[i], fmt4(v[i]), ks[i] == chosen ? "yes" : "");
    plot_series series[2] = {{"mean silhouette", n, ks, v}, {"chosen k", 1, &chosen, &cy}};
    char path[4096], file[512], title[256];
    snprintf(file, sizeof file, "silhouette_%s.svg", s->name);
    snprintf(title, sizeof title, "Good work communities %s: mean silhouette by k", s->name);
    if (svg_path(path, sizeof path, outdir, file))
        plot_link(f, outdir, file, "silhouette by k",
                  plot_lines(path, title, "k (number of communities)", "mean silhouette", series,
                             isfinite(cy) ? 2 : 1, 0, 0));
}

static void cluster_section(FILE *f, const pl_step *s, const cJSON *o, const char *outdir)
{
    const cJSON *prof = cJSON_GetObjectItemCaseSensitive(o, "profiles"), *pr, *v;
    fprintf(f, "\n## Good work communities: %s\n\n", s->name);
    fprintf(f, "k = %.0f (%s), %.0f areas", jnum(o, "k"),
            jstr(o, "method") ? jstr(o, "method") : "?", jnum(o, "n"));
    if (isfinite(jnum(o, "ari")))
        fprintf(f, "; adjusted Rand index against the true clusters %s", fmt4(jnum(o, "ari")));
    fprintf(f, ".\n\nCommunity profiles (means of the variables):\n\n");
    const cJSON *first = cJSON_GetArrayItem(prof, 0);
    const cJSON *means0 = cJSON_GetObjectItemCaseSensitive(first, "means");
    if (!cJSON_IsObject(means0))
        return;
    fprintf(f, "| community | size |");
    cJSON_ArrayForEach(v, means0) fprintf(f, " %s |", v->string);
    fprintf(f, "\n|---:|---:|");
    cJSON_ArrayForEach(v, means0) fprintf(f, "---:|");
    fprintf(f, "\n");
    cJSON_ArrayForEach(pr, prof)
    {
        fprintf(f, "| %.0f | %.0f |", jnum(pr, "cluster"), jnum(pr, "size"));
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(pr, "means"))
            fprintf(f, " %s |", fmt4(cJSON_IsNumber(v) ? v->valuedouble : (double)NAN));
        fprintf(f, "\n");
    }
    silhouette_curve(f, s, o, outdir);
}

/* ---- mediation --------------------------------------------------------------------------- */

static void mediate_section(FILE *f, const pl_step *s, const cJSON *o)
{
    static const char *const effects[] = {"indirect", "direct", "total", "proportion_mediated"};
    fprintf(f, "\n## Mediation: %s\n\n", s->name);
    fprintf(f, "%.0f bootstrap replications, %s intervals, %.0f observations, %.0f clusters.\n\n",
            jnum(o, "boot"), jstr(o, "method") ? jstr(o, "method") : "percentile", jnum(o, "nobs"),
            jnum(o, "n_clusters"));
    fprintf(f, "| effect | estimate | 95%% CI low | 95%% CI high |\n|---|---:|---:|---:|\n");
    for (size_t e = 0; e < 4; e++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, effects[e]);
        if (!cJSON_IsObject(x))
            continue;
        fprintf(f, "| %s | %s | %s | %s |\n", effects[e], fmt4(jnum(x, "estimate")),
                fmt4(jnum(x, "ci_low")), fmt4(jnum(x, "ci_high")));
    }
}

/* ---- scenarios --------------------------------------------------------------------------- */

/* Writes a table of outcome summaries {"life_sat": {"mean_change": ..}} keyed by group. */
static void scenario_table(FILE *f, const char *what, const cJSON *by, const char *outdir,
                           const char *file, const char *title)
{
    const cJSON *g, *oc;
    const char *labels[REPORT_MAX_ROWS];
    double est[REPORT_MAX_ROWS], lo[REPORT_MAX_ROWS], hi[REPORT_MAX_ROWS];
    plot_panel panels[16];
    char names[16][128];
    size_t np = 0, nl = 0;
    /* One row per group, one column per outcome: mean change [5%, 95%] over the draws. */
    const cJSON *g0 = by->child;
    if (g0 == NULL)
        return;
    fprintf(f, "\n| %s |", what);
    cJSON_ArrayForEach(oc, g0) if (cJSON_IsObject(oc)) fprintf(f, " %s |", oc->string);
    fprintf(f, "\n|---|");
    cJSON_ArrayForEach(oc, g0) if (cJSON_IsObject(oc)) fprintf(f, "---:|");
    fprintf(f, "\n");
    cJSON_ArrayForEach(g, by)
    {
        fprintf(f, "| %s |", g->string ? g->string : "all");
        cJSON_ArrayForEach(oc, g0)
        {
            if (!cJSON_IsObject(oc))
                continue;
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(g, oc->string);
            fprintf(f, " %s [%s, %s] |", fmt4(jnum(x, "mean_change")), fmt4(jnum(x, "q05")),
                    fmt4(jnum(x, "q95")));
        }
        fprintf(f, "\n");
    }
    /* One panel per outcome, one row per group: the 5-95% band and the median. */
    cJSON_ArrayForEach(oc, g0)
    {
        if (np == 16 || !cJSON_IsObject(oc))
            continue;
        size_t start = nl;
        cJSON_ArrayForEach(g, by)
        {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(g, oc->string);
            if (!cJSON_IsObject(x) || nl == REPORT_MAX_ROWS)
                continue;
            labels[nl] = g->string ? g->string : "all";
            est[nl] = jnum(x, "q50");
            lo[nl] = jnum(x, "q05");
            hi[nl++] = jnum(x, "q95");
        }
        snprintf(names[np], sizeof names[np], "%s", oc->string);
        panels[np] = (plot_panel){names[np],   nl - start, labels + start,
                                  est + start, lo + start, hi + start};
        np++;
    }
    char path[4096];
    if (np > 0 && svg_path(path, sizeof path, outdir, file))
        plot_link(f, outdir, file, title, plot_intervals(path, title, panels, np));
}

/* The unit of a change in a variable of the bundled panel (docs/reference/dataset.md); NULL for
 * a variable it does not know. */
static const char *var_unit(const char *var)
{
    static const char *const units[][2] = {
        {"emp_rate", "percentage points of the population aged 16-64"},
        {"econ_active_rate", "percentage points of the population aged 16-64"},
        {"unemp_rate", "percentage points of the economically active"},
        {"share_prof", "percentage points of the employed"},
        {"share_routine", "percentage points of the employed"},
        {"sat_hours", "percentage points of workers"},
        {"autonomy_share", "percentage points of workers"},
        {"median_hourly_pay", "pounds per hour (nominal)"},
        {"real_hourly_pay", "pounds per hour (2022 prices)"},
        {"life_sat", "points on the 0-10 scale"},
        {"anxiety", "points on the 0-10 scale"},
        {"job_sat", "points on the 1-7 scale"},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(var, units[i][0]) == 0)
            return units[i][1];
    return NULL;
}

/* The shocks as given: an array of specs, or {scenario: spec} for compared scenarios. */
static void scenario_shocks(FILE *f, const cJSON *o)
{
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "shock"), *e;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(o, "scenarios");
    if (!cJSON_IsArray(sh) && !cJSON_IsObject(sh) && cJSON_IsObject(sc)) {
        fprintf(f, "Scenarios and their shocks, as given:\n\n");
        cJSON_ArrayForEach(e, sc)
        {
            const cJSON *x;
            fprintf(f, "- %s:", e->string);
            int first = 1;
            cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(e, "shock"))
            {
                fprintf(f, "%s`%s`", first ? " " : ", ", cJSON_IsString(x) ? x->valuestring : "?");
                first = 0;
            }
            fprintf(f, "\n");
        }
        return;
    }
    fprintf(f, "Shocks, as given:\n\n");
    cJSON_ArrayForEach(e, sh)
    {
        if (e->string != NULL)
            fprintf(f, "- %s: `%s`\n", e->string, cJSON_IsString(e) ? e->valuestring : "?");
        else
            fprintf(f, "- `%s`\n", cJSON_IsString(e) ? e->valuestring : "?");
    }
}

/* The models in propagation order with their formulas (from the results file). */
static void scenario_models(FILE *f, const cJSON *o, const char *results)
{
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(o, "models"), *e;
    if (!cJSON_IsArray(models) || cJSON_GetArraySize(models) == 0)
        return;
    gw_results *res = NULL;
    if (gw_results_open(results, &res) != GW_OK)
        res = NULL;
    fprintf(f, "\nModels, in the order the shock propagates through them (each one's response "
               "feeds the models after it):\n\n| order | model | formula |\n|---:|---|---|\n");
    int k = 1;
    cJSON_ArrayForEach(e, models)
    {
        gw_result *m = NULL;
        const char *name = cJSON_IsString(e) ? e->valuestring : "?";
        if (res != NULL && gw_results_get(res, name, &m) != GW_OK)
            m = NULL;
        fprintf(f, "| %d | %s | `", k++, name);
        /* A '|' inside a table cell ends the cell unless escaped (fixed effects). */
        for (const char *c = m != NULL && m->formula ? m->formula : "?"; *c; c++)
            fprintf(f, *c == '|' ? "\\|" : "%c", *c);
        fprintf(f, "` |\n");
        gw_result_free(m);
    }
    gw_results_close(res);
}

/* Each outcome's unit and the plausibility of its values after the shock. */
static void scenario_units(FILE *f, const cJSON *o)
{
    const cJSON *pl = cJSON_GetObjectItemCaseSensitive(o, "plausibility"), *x, *a;
    const cJSON *outcomes = cJSON_GetObjectItemCaseSensitive(o, "outcomes");
    if (!cJSON_IsObject(outcomes) || outcomes->child == NULL)
        return;
    fprintf(f,
            "\nOutcomes: the unit of each change, and each area's value after the shock (base "
            "+ point change) against the outcome's bounds and the range observed in the "
            "data:\n\n| outcome | unit of the change | bounds | observed range | areas below | "
            "areas above | areas outside the observed range |\n|---|---|---|---|---:|---:|---:|\n");
    size_t flagged = 0;
    cJSON_ArrayForEach(x, outcomes)
    {
        const char *u = var_unit(x->string);
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(pl, x->string);
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(p, "bounds");
        const cJSON *ob = cJSON_GetObjectItemCaseSensitive(p, "observed");
        double b0 = jval(cJSON_GetArrayItem(b, 0)), b1 = jval(cJSON_GetArrayItem(b, 1));
        fprintf(f, "| %s | %s |", x->string, u ? u : "those of the variable");
        if (!cJSON_IsObject(p)) {
            fprintf(f, " | | | | |\n");
            continue;
        }
        if (isfinite(b0) || isfinite(b1))
            fprintf(f, " %s to %s |", isfinite(b0) ? fmt4(b0) : "no lower bound",
                    isfinite(b1) ? fmt4(b1) : "no upper bound");
        else
            fprintf(f, " none |");
        fprintf(f, " %s to %s | %.0f | %.0f | %.0f |\n", fmt4(jval(cJSON_GetArrayItem(ob, 0))),
                fmt4(jval(cJSON_GetArrayItem(ob, 1))), jnum(p, "below"), jnum(p, "above"),
                jnum(p, "outside_observed"));
        flagged += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p, "areas"));
    }
    if (!cJSON_IsObject(pl))
        return;
    if (flagged == 0) {
        fprintf(f, "\nEvery value after the shock is within its bounds and the observed range.\n");
        return;
    }
    /* Values in 6 digits: one just beyond the observed range must not print as its end. */
    fprintf(f,
            "\nAreas out of bounds or outside the observed range (the first %d of each "
            "outcome):\n\n| outcome | area | value after the shock | why |\n|---|---|---:|---|\n",
            SCENARIO_FLAGGED_SHOWN);
    cJSON_ArrayForEach(x, pl)
    {
        int shown = 0;
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(x, "areas"))
        {
            if (shown++ == SCENARIO_FLAGGED_SHOWN)
                break;
            const cJSON *w;
            fprintf(f, "| %s | %s | %.6g |", x->string,
                    jid(cJSON_GetObjectItemCaseSensitive(a, "area")), jnum(a, "value"));
            int first = 1;
            cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(a, "flags"))
            {
                fprintf(f, "%s%s", first ? " " : ", ", cJSON_IsString(w) ? w->valuestring : "?");
                first = 0;
            }
            fprintf(f, " |\n");
        }
    }
}

/* What a scenario assumed: shocks, pass-through, base year, models, units and plausibility. */
static void scenario_settings(FILE *f, const cJSON *o, const char *results)
{
    scenario_shocks(f, o);
    double pt = jnum(o, "pass_through");
    const char *dist = jstr(o, "pass_through_distribution");
    if (isfinite(pt)) {
        fprintf(f,
                "\nPass-through %s: the share of the jobs a shift-share shock removes that "
                "become non-employment, so that an area's employment rate E moves by "
                "P x E x L points for a share L of its jobs lost",
                fmt4(pt));
        if (dist != NULL)
            fprintf(f, "; drawn from %s in each draw (%s is its mean)", dist, fmt4(pt));
        fprintf(f, ".\n");
    }
    const cJSON *hz = cJSON_GetObjectItemCaseSensitive(o, "horizon");
    if (isfinite(jnum(o, "year")))
        fprintf(f,
                "\nBase year %.0f: the latest year of the data, to which the shock is "
                "applied.\n",
                jnum(o, "year"));
    else if (cJSON_GetArraySize(hz) == 2)
        fprintf(f, "\nHorizon %.0f-%.0f.\n", cJSON_GetArrayItem(hz, 0)->valuedouble,
                cJSON_GetArrayItem(hz, 1)->valuedouble);
    scenario_models(f, o, results);
    scenario_units(f, o);
}

static void scenario_section(FILE *f, const pl_step *s, const cJSON *o, const char *outdir,
                             const char *results)
{
    char file[512], title[256];
    fprintf(f, "\n## Scenario: %s\n\n", s->name);
    scenario_settings(f, o, results);
    const cJSON *outcomes = cJSON_GetObjectItemCaseSensitive(o, "outcomes");
    if (cJSON_IsObject(outcomes)) { /* compared scenarios and paths have no single outcome set */
        fprintf(f,
                "\nChange of each outcome in the latest year (%.0f areas, %.0f draws): mean over "
                "the Monte Carlo draws [5%%, 95%% quantiles].\n",
                jnum(o, "n_areas"), jnum(o, "draws"));
        cJSON *wrap = cJSON_CreateObject();
        if (wrap != NULL) {
            cJSON_AddItemReferenceToObject(wrap, "all areas", (cJSON *)(uintptr_t)outcomes);
            snprintf(file, sizeof file, "scenario_%s_all.svg", s->name);
            scenario_table(f, "scope", wrap, outdir, file, "Scenario: change, all areas");
            cJSON_Delete(wrap);
        }
    }
    const cJSON *by = cJSON_GetObjectItemCaseSensitive(o, "by"), *g;
    const cJSON *by_var = cJSON_GetObjectItemCaseSensitive(o, "by_var");
    if (cJSON_IsObject(by_var) && by_var->child != NULL) {
        /* {variable: {level: {outcome: ..}}}: one table and plot per grouping variable. */
        cJSON_ArrayForEach(g, by_var)
        {
            snprintf(file, sizeof file, "scenario_%s_%s.svg", s->name, g->string);
            /* A group of a stored analysis is "@NAME[:SELECTOR]": no '@' or ':' in file names
             * (scenario_NAME_communities.svg, scenario_NAME_good_work_decile.svg). */
            char *d = file;
            for (const char *c = file; *c; c++)
                if (*c != '@')
                    *d++ = *c == ':' ? '_' : *c;
            *d = '\0';
            snprintf(title, sizeof title, "Scenario %s by %s: median and 5-95%% range", s->name,
                     g->string);
            fprintf(f, "\nBy %s:\n", g->string);
            scenario_table(f, g->string, g, outdir, file, title);
        }
    } else if (cJSON_IsObject(by) && by->child != NULL) {
        snprintf(file, sizeof file, "scenario_%s_by.svg", s->name);
        snprintf(title, sizeof title, "Scenario %s: median and 5-95%% range by group", s->name);
        scenario_table(f, "group", by, outdir, file, title);
    }
}

/* ---- the report -------------------------------------------------------------------------- */

gw_status report_write(const pl_pipeline *p, const char *outdir, const char *shown,
                       const char *results, const double *seconds, double total)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/report.md", outdir);
    /* Written to a temporary name and renamed into place: a run killed while writing the
     * report leaves the previous report.md whole (as results.h5). */
    snprintf(tmp, sizeof tmp, "%s/.report.md.%ld.tmp", outdir, (long)getpid());
    int slot = gwi_cleanup_add_file(tmp); /* removed by gw_cleanup_on_signal */
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        gwi_cleanup_remove(slot);
        return gwi_fail(GW_EIO, "%s: cannot write", tmp);
    }
    fprintf(f, "# %s\n\n", p->report.title ? p->report.title : "goodwork report");
    fprintf(f,
            "Pipeline `%s`, data `%s` (sha256 `%s`), seed %llu. Results in `results.h5`; "
            "`goodwork verify %s/results.h5` re-runs every step and checks each stored "
            "number bit for bit. Whole run: %.1f s.\n\n",
            p->ini_path, p->data ? p->data : "(per step)",
            p->nsteps && p->steps[0].sha256 ? p->steps[0].sha256 : "?", (unsigned long long)p->seed,
            shown, total);
    fprintf(f, "| step | command | stored in | seed | seconds |\n|---|---|---|---:|---:|\n");
    for (size_t i = 0; i < p->nsteps; i++) {
        const pl_step *s = &p->steps[i];
        char seed[32] = "";
        if (s->has_seed)
            snprintf(seed, sizeof seed, "%llu", (unsigned long long)s->seed);
        fprintf(f, "| %s | %s | `%s` | %s | %.2f |\n", s->name, s->kind, s->group, seed,
                seconds ? seconds[i] : (double)NAN);
    }
    models_section(f, p, outdir, results);
    for (size_t i = 0; i < p->nsteps; i++) {
        const pl_step *s = &p->steps[i];
        if (strcmp(s->kind, "fit") == 0)
            continue;
        cJSON *o = step_json(outdir, s);
        if (o == NULL) {
            fprintf(f, "\n## %s\n\n(no output: see steps/%s.json)\n", s->name, s->name);
            continue;
        }
        if (strcmp(s->kind, "index") == 0)
            index_section(f, p, s, o, outdir);
        else if (strcmp(s->kind, "synergy") == 0)
            synergy_section(f, s, o, outdir);
        else if (strcmp(s->kind, "cluster") == 0)
            cluster_section(f, s, o, outdir);
        else if (strcmp(s->kind, "mediate") == 0)
            mediate_section(f, s, o);
        else if (strcmp(s->kind, "scenario") == 0)
            scenario_section(f, s, o, outdir, results);
        cJSON_Delete(o);
    }
    fprintf(f, "\n---\nEvery step's command line is in `results.h5` (`/pipeline`); its JSON "
               "output in `steps/`.\n");
    plot_shutdown();
    int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        gwi_cleanup_remove(slot);
        return gwi_fail(GW_EIO, "%s: cannot write", path);
    }
    gwi_cleanup_remove(slot);
    return GW_OK;
}
