/* scenario_variants.c -- specification uncertainty (gw_scenario_variants_file,
 * gw_scenario_run.h): one scenario run under several specifications of the system (named sets
 * of models), with the same seed and draws, and their national draws pooled. A single
 * specification's interval covers only its coefficients' sampling error; on the bundled panel
 * the two-way FE and year-FE-only systems give intervals that do not overlap, which is the
 * uncertainty an analyst most needs to see. The pooled variance is split into within and
 * between specifications (the law of total variance over equally weighted specifications). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_strbuf.h"
#include "gw_version.h"
#include "scenario_run_int.h"

struct gw_scenario_variants {
    size_t n;
    char **names;
    gw_scenario_report **reps;
    gw_scenario_pooled pool;
};

/* National draws of outcome `name` in report r (NULL when r lacks it). */
static const double *draws_of(const gw_scenario_report *r, const char *name)
{
    const gw_scenario_result *res = gw_scenario_report_result(r);
    const gw_scenario_summary *nat = gw_scenario_report_national(r);
    for (size_t o = 0; o < res->n_outcomes; o++)
        if (strcmp(res->outcomes[o], name) == 0)
            return nat->draw_mean + o * nat->draws;
    return NULL;
}

/* Outcome o of the pool: the nvar x D draws, their moments and quantiles. */
static void pool_outcome(gw_scenario_variants *v, size_t o, double *buf)
{
    gw_scenario_pooled *p = &v->pool;
    size_t D = gw_scenario_report_national(v->reps[0])->draws, m = 0;
    double within = 0.0, gm = 0.0, *means = buf + v->n * D;
    int complete = 1;
    for (size_t k = 0; k < v->n; k++) {
        const double *x = draws_of(v->reps[k], p->outcomes[o]);
        complete = complete && x != NULL;
        for (size_t d = 0; x != NULL && d < D; d++)
            buf[m++] = x[d];
        means[k] = x != NULL ? gsl_stats_mean(x, 1, D) : (double)NAN;
        within += x != NULL && D > 1
                      ? gsl_stats_variance_m(x, 1, D, means[k]) * (double)(D - 1) / (double)D
                      : 0.0;
        gm += means[k];
    }
    gm /= (double)v->n;
    double between = 0.0;
    for (size_t k = 0; k < v->n; k++)
        between += (means[k] - gm) * (means[k] - gm) / (double)v->n;
    gsl_sort(buf, 1, m);
    p->mean[o] = complete ? gm : (double)NAN;
    p->q05[o] = complete ? gsl_stats_quantile_from_sorted_data(buf, 1, m, 0.05) : (double)NAN;
    p->q50[o] = complete ? gsl_stats_quantile_from_sorted_data(buf, 1, m, 0.50) : (double)NAN;
    p->q95[o] = complete ? gsl_stats_quantile_from_sorted_data(buf, 1, m, 0.95) : (double)NAN;
    p->var_within[o] = complete ? within / (double)v->n : (double)NAN;
    p->var_between[o] = complete ? between : (double)NAN;
}

static gw_status pool(gw_scenario_variants *v)
{
    gw_scenario_pooled *p = &v->pool;
    const gw_scenario_result *r0 = gw_scenario_report_result(v->reps[0]);
    size_t no = r0->n_outcomes, D = gw_scenario_report_national(v->reps[0])->draws;
    p->nvar = v->n;
    p->n_outcomes = no;
    p->outcomes = r0->outcomes; /* borrowed from the first report */
    p->mean = gw_alloc_array(6 * (no ? no : 1), sizeof(double));
    double *buf = gw_alloc_array(v->n * D + v->n, sizeof *buf);
    if (p->mean == NULL || buf == NULL) {
        gw_free(buf);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    p->q05 = p->mean + no;
    p->q50 = p->q05 + no;
    p->q95 = p->q50 + no;
    p->var_within = p->q95 + no;
    p->var_between = p->var_within + no;
    for (size_t o = 0; o < no; o++)
        pool_outcome(v, o, buf);
    gw_free(buf);
    return GW_OK;
}

gw_status gw_scenario_variants_file(const char *results, const char *data,
                                    const char *const *shocks, size_t nshocks,
                                    const gw_scenario_variant *var, size_t nvar,
                                    const gw_scenario_run_opts *opts, gw_scenario_variants **out)
{
    static const gw_scenario_run_opts no_opts;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_variants_file: NULL out");
    *out = NULL;
    if (results == NULL || data == NULL || var == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_variants_file: NULL argument");
    if (nvar < 2)
        return gwi_fail(GW_EINVAL, "specification uncertainty needs at least two variants");
    gw_scenario_run_opts o = opts != NULL ? *opts : no_opts;
    if (o.models != NULL)
        return gwi_fail(GW_EINVAL, "each variant names its models (opts->models must be NULL)");
    gw_scenario_variants *v = gw_calloc(1, sizeof *v);
    gw_scenario_cache *cache = NULL; /* the draws buffer, reused from variant to variant */
    gw_status s = v != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
    if (s == GW_OK && o.cache == NULL && (s = gw_scenario_cache_new(&cache)) == GW_OK)
        o.cache = cache;
    if (s == GW_OK) {
        v->names = gw_calloc(nvar, sizeof *v->names);
        v->reps = gw_calloc(nvar, sizeof *v->reps);
        v->n = nvar;
        if (v->names == NULL || v->reps == NULL)
            s = gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nvar && s == GW_OK; k++) {
        for (size_t q = 0; q < k && s == GW_OK; q++)
            if (var[k].name == NULL || strcmp(var[k].name, var[q].name) == 0)
                s = gwi_fail(GW_EINVAL, "variant '%s' given twice", var[k].name);
        if (s != GW_OK || var[k].name == NULL || var[k].models == NULL) {
            s = s != GW_OK ? s : gwi_fail(GW_EINVAL, "variant %zu without a name or models", k);
            break;
        }
        o.models = var[k].models;
        s = gw_scenario_file(results, data, shocks, nshocks, &o, &v->reps[k]);
        if (s != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("variant %s", var[k].name);
        } else if ((v->names[k] = gw_strdup(var[k].name)) == NULL) {
            s = gwi_fail(GW_ENOMEM, "out of memory");
        }
    }
    gw_scenario_cache_free(cache);
    if (s == GW_OK)
        s = pool(v);
    if (s != GW_OK) {
        gw_scenario_variants_free(v);
        return gwi_fail_keep(s);
    }
    *out = v;
    return GW_OK;
}

size_t gw_scenario_variants_n(const gw_scenario_variants *v) { return v->n; }

const char *gw_scenario_variants_name(const gw_scenario_variants *v, size_t k)
{
    return v->names[k];
}

const gw_scenario_report *gw_scenario_variants_report(const gw_scenario_variants *v, size_t k)
{
    return v->reps[k];
}

const gw_scenario_pooled *gw_scenario_variants_pooled(const gw_scenario_variants *v)
{
    return &v->pool;
}

void gw_scenario_variants_free(gw_scenario_variants *v)
{
    if (v == NULL)
        return;
    for (size_t k = 0; k < v->n; k++)
        gw_scenario_report_free(v->reps != NULL ? v->reps[k] : NULL);
    gwi_scenario_free_strs(v->names, v->n);
    gw_free(v->reps);
    gw_free(v->pool.mean);
    gw_free(v);
}

/* ---- output ------------------------------------------------------------------------------ */

static cJSON *pooled_json(const gw_scenario_pooled *p, size_t o)
{
    cJSON *x = cJSON_CreateObject();
    cJSON_AddItemToObject(x, "mean_change", gwi_json_num(p->mean[o]));
    cJSON_AddItemToObject(x, "q05", gwi_json_num(p->q05[o]));
    cJSON_AddItemToObject(x, "q50", gwi_json_num(p->q50[o]));
    cJSON_AddItemToObject(x, "q95", gwi_json_num(p->q95[o]));
    cJSON_AddItemToObject(x, "var_within", gwi_json_num(p->var_within[o]));
    cJSON_AddItemToObject(x, "var_between", gwi_json_num(p->var_between[o]));
    return x;
}

static cJSON *render_json(const gw_scenario_variants *v)
{
    const gw_scenario_pooled *p = &v->pool;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "command", "scenario");
    cJSON *vj = cJSON_AddObjectToObject(root, "variants");
    for (size_t k = 0; k < v->n; k++) {
        const gw_scenario_report *r = v->reps[k];
        const gw_scenario_result *res = gw_scenario_report_result(r);
        cJSON *x = cJSON_AddObjectToObject(vj, v->names[k]),
              *mj = cJSON_AddArrayToObject(x, "models");
        for (size_t m = 0; m < gw_scenario_report_nmodels(r); m++)
            cJSON_AddItemToArray(mj, cJSON_CreateString(gw_scenario_report_model(r, m)));
        cJSON *oj = cJSON_AddObjectToObject(x, "outcomes");
        for (size_t o = 0; o < res->n_outcomes; o++)
            cJSON_AddItemToObject(oj, res->outcomes[o],
                                  gwi_scenario_stat_json(gw_scenario_report_national(r), 0, o));
    }
    cJSON *pj = cJSON_AddObjectToObject(root, "pooled");
    for (size_t o = 0; o < p->n_outcomes; o++)
        cJSON_AddItemToObject(pj, p->outcomes[o], pooled_json(p, o));
    return root;
}

static void render_text(const gw_scenario_variants *v, gw_strbuf *t)
{
    const gw_scenario_pooled *p = &v->pool;
    gw_strbuf_printf(t, "Specification uncertainty: %zu variants, the same draws in each\n", v->n);
    for (size_t k = 0; k < v->n; k++) {
        const gw_scenario_report *r = v->reps[k];
        gw_strbuf_printf(t, "  %s:", v->names[k]);
        for (size_t m = 0; m < gw_scenario_report_nmodels(r); m++)
            gw_strbuf_printf(t, "%s%s", m ? "; " : " ", gw_scenario_report_formula(r, m));
        gw_strbuf_printf(t, "\n");
    }
    gw_strbuf_printf(t, "\n  National mean change (mean over draws, 90%% interval):\n");
    for (size_t o = 0; o < p->n_outcomes; o++) {
        gw_strbuf_printf(t, "  %s\n", p->outcomes[o]);
        for (size_t k = 0; k < v->n; k++) {
            const gw_scenario_result *res = gw_scenario_report_result(v->reps[k]);
            const gw_scenario_summary *g = gw_scenario_report_national(v->reps[k]);
            for (size_t q = 0; q < res->n_outcomes; q++)
                if (strcmp(res->outcomes[q], p->outcomes[o]) == 0)
                    gw_strbuf_printf(t, "    %-20.20s %12.5g  [%11.5g, %11.5g]\n", v->names[k],
                                     g->mean_change[q], g->q05[q], g->q95[q]);
        }
        double tot = p->var_within[o] + p->var_between[o];
        gw_strbuf_printf(t,
                         "    %-20s %12.5g  [%11.5g, %11.5g]  variance: within %.3g, between "
                         "%.3g (%.0f%% between specifications)\n",
                         "pooled", p->mean[o], p->q05[o], p->q95[o], p->var_within[o],
                         p->var_between[o], tot > 0.0 ? 100.0 * p->var_between[o] / tot : 0.0);
    }
}

gw_status gw_scenario_variants_render(const gw_scenario_variants *v, int json, char **out)
{
    if (out == NULL || v == NULL)
        return gwi_render_null(out, "gw_scenario_variants_render");
    if (json)
        return gwi_json_finish(render_json(v), out);
    gw_strbuf t = {0};
    render_text(v, &t);
    return gw_strbuf_finish(&t, out);
}
