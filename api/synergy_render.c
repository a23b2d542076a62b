/* synergy_render.c -- gw_synergy_run_render (gw_synergy_run.h): the text and JSON
 * `goodwork synergy` prints, so that the Python and R packages print the same. */
#include <math.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_etable.h"
#include "gw_strbuf.h"
#include "gw_synergy_run.h"
#include "gw_version.h"

static cJSON *mat_json(const double *m, size_t p)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < p; i++) {
        cJSON *row = cJSON_CreateArray();
        for (size_t j = 0; row && j < p; j++)
            cJSON_AddItemToArray(row, gwi_json_num(m[i * p + j]));
        cJSON_AddItemToArray(a, row);
    }
    return a;
}

static cJSON *cormat_json(const gw_cormat *c, size_t p)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "label", c->label);
    cJSON_AddItemToObject(o, "from", gwi_json_num(c->from));
    cJSON_AddItemToObject(o, "to", gwi_json_num(c->to));
    cJSON_AddNumberToObject(o, "n", (double)c->n);
    cJSON_AddItemToObject(o, "r", mat_json(c->r, p));
    cJSON_AddItemToObject(o, "ci_low", mat_json(c->ci_low, p));
    cJSON_AddItemToObject(o, "ci_high", mat_json(c->ci_high, p));
    cJSON_AddItemToObject(o, "p_value", mat_json(c->p_value, p));
    if (c->n_clusters > 0)
        cJSON_AddNumberToObject(o, "n_clusters", (double)c->n_clusters);
    return o;
}

static cJSON *cormats_json(const gw_cormat *c, size_t m, size_t p)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < m; i++)
        cJSON_AddItemToArray(a, cormat_json(&c[i], p));
    return a;
}

/* The JSON document of r (owned by the caller, cJSON_Delete); NULL on allocation failure. */
static cJSON *result_json(const gw_synergy_run *r)
{
    const gw_synergy *s = r->cor;
    const size_t p = r->nvars;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON *vars = cJSON_AddArrayToObject(root, "variables");
    for (size_t j = 0; vars && j < p; j++)
        cJSON_AddItemToArray(vars, cJSON_CreateString(r->vars[j]));
    cJSON *ctl = cJSON_AddArrayToObject(root, "controls");
    for (size_t j = 0; ctl && j < r->ncontrols; j++)
        cJSON_AddItemToArray(ctl, cJSON_CreateString(r->controls[j]));
    cJSON_AddNumberToObject(root, "conf_level", s->conf_level);
    cJSON_AddStringToObject(root, "pooling", gw_synergy_run_pooling(r));
    if (r->cluster != NULL)
        cJSON_AddStringToObject(root, "cluster", r->cluster);
    cJSON_AddItemToObject(root, "all", cormat_json(&s->all, p));
    cJSON_AddItemToObject(root, "by_year", cormats_json(s->by_time, s->ntime, p));
    cJSON_AddItemToObject(root, "by_period", cormats_json(s->by_period, s->nperiod, p));
    if (s->partial)
        cJSON_AddItemToObject(root, "partial", cormats_json(s->partial, s->nperiod, p));
    if (s->changes)
        cJSON_AddItemToObject(root, "changes", cormats_json(s->changes, s->nperiod, p));
    cJSON *sw = cJSON_AddArrayToObject(root, "sign_switches");
    for (size_t q = 0; sw && q < s->nswitches; q++) {
        const gw_sign_switch *w = &s->switches[q];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "a", r->vars[w->i]);
        cJSON_AddStringToObject(o, "b", r->vars[w->j]);
        cJSON_AddStringToObject(o, "period_a", s->by_period[w->a].label);
        cJSON_AddStringToObject(o, "period_b", s->by_period[w->b].label);
        cJSON_AddItemToObject(o, "r_a", gwi_json_num(w->r_a));
        cJSON_AddItemToObject(o, "r_b", gwi_json_num(w->r_b));
        cJSON_AddItemToObject(o, "p_a", gwi_json_num(w->p_a));
        cJSON_AddItemToObject(o, "p_b", gwi_json_num(w->p_b));
        cJSON_AddItemToArray(sw, o);
    }
    return root;
}

/* The star thresholds of a text rendering (gw_etable_stars_parse's order). */
typedef struct {
    const double *thr;
    size_t n;
} star_set;

/* One lower-triangular table with stars. */
static void put_matrix(gw_strbuf *b, const char *title, const gw_cormat *c, char *const *v,
                       size_t p, star_set st)
{
    gw_strbuf_printf(b, "\n%s [%s] (n = %zu)\n", title, c->label, c->n);
    gw_strbuf_printf(b, "%-28s", "");
    for (size_t j = 0; j + 1 < p; j++)
        gw_strbuf_printf(b, " %11.11s", v[j]);
    gw_strbuf_printf(b, "\n");
    for (size_t i = 1; i < p; i++) {
        gw_strbuf_printf(b, "%-28.28s", v[i]);
        for (size_t j = 0; j < i; j++) {
            double r = c->r[i * p + j];
            if (isnan(r))
                gw_strbuf_printf(b, " %11s", ".");
            else
                gw_strbuf_printf(b, " %8.3f%-3s", r,
                                 gw_etable_stars_ex(c->p_value[i * p + j], st.thr, st.n));
        }
        gw_strbuf_printf(b, "\n");
    }
}

/* The text tables of r (every year's matrix too with by_year). */
static void result_text(const gw_synergy_run *r, int by_year, star_set st, gw_strbuf *sb)
{
    char legend[128];
    const gw_synergy *s = r->cor;
    char *const *v = r->vars;
    const size_t p = r->nvars;
    gw_strbuf_printf(sb,
                     "Synergies: correlations of %zu variables; periods pooled %s; %.0f%% "
                     "%s intervals in JSON/HDF5 output\n",
                     p, r->raw ? "on raw values" : "within-year demeaned", 100.0 * s->conf_level,
                     r->cluster == NULL ? "Fisher-z" : "cluster-robust");
    if (st.n > 0 && r->cluster == NULL)
        gw_strbuf_printf(sb, "Signif. codes: %s (t test of r = 0)\n",
                         gw_etable_stars_legend(st.thr, st.n, legend, sizeof legend));
    else if (st.n > 0)
        gw_strbuf_printf(sb,
                         "Signif. codes: %s (t test of r = 0, cluster-robust by %s: t(G - 1) "
                         "with the CR1 error of the standardised regression)\n",
                         gw_etable_stars_legend(st.thr, st.n, legend, sizeof legend), r->cluster);
    for (size_t q = 0; q < s->nperiod; q++)
        put_matrix(sb, "Correlations", &s->by_period[q], v, p, st);
    for (size_t q = 0; s->partial && q < s->nperiod; q++)
        put_matrix(sb, "Partial correlations", &s->partial[q], v, p, st);
    for (size_t q = 0; s->changes && q < s->nperiod; q++)
        put_matrix(sb, "Correlations of year-on-year changes", &s->changes[q], v, p, st);
    for (size_t q = 0; by_year && q < s->ntime; q++)
        put_matrix(sb, "Correlations", &s->by_time[q], v, p, st);
    gw_strbuf_printf(sb, "\nLinks that switched sign between periods (significant in both): %zu\n",
                     s->nswitches);
    for (size_t q = 0; q < s->nswitches; q++) {
        const gw_sign_switch *w = &s->switches[q];
        gw_strbuf_printf(sb, "  %s ~ %s: %+.3f (%s) -> %+.3f (%s)\n", v[w->i], v[w->j], w->r_a,
                         s->by_period[w->a].label, w->r_b, s->by_period[w->b].label);
    }
}

gw_status gw_synergy_run_render(const gw_synergy_run *r, gw_output_format fmt, int by_year,
                                char **out)
{
    return gw_synergy_run_render_stars(r, fmt, by_year, NULL, 0, out);
}

gw_status gw_synergy_run_render_stars(const gw_synergy_run *r, gw_output_format fmt, int by_year,
                                      const double *stars, size_t nstars, char **out)
{
    static const double default_stars[3] = {0.1, 0.05, 0.01};
    star_set st = {stars ? stars : default_stars, stars ? nstars : 3};
    gw_status s = gwi_render_check(r, fmt, out, "synergy");
    if (s != GW_OK)
        return s;
    if (r->cor == NULL)
        return gwi_fail(GW_EINVAL, "synergy: the run has no matrices");
    if (fmt == GW_OUT_JSON)
        return gwi_json_finish(result_json(r), out);
    gw_strbuf sb = {0};
    result_text(r, by_year, st, &sb);
    return gw_strbuf_finish(&sb, out) == GW_OK ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}
