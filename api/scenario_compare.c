/* scenario_compare.c -- several scenarios compared with common random numbers
 * (gw_scenario_compare_file, gw_scenario_run.h).
 *
 * Every scenario runs through gw_scenario_file with the same options, so with the same seed:
 * draw d of each uses the same coefficients (drawn per model before any shock is applied, in a
 * stream that depends only on the seed and d) and the same residual noise. The difference of
 * two scenarios is then taken draw by draw, and its spread is that of the difference alone;
 * with independent streams (two separate runs with different seeds, as two pipeline steps had)
 * the interval of "policy minus displacement" was about three times wider. */
#include <ctype.h>
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

struct gw_scenario_comparison {
    size_t n, ref, nby;
    char **names;
    gw_scenario_report **reps;
    gw_scenario_summary **dnat; /* n (NULL at ref) */
    gw_scenario_summary **dby;  /* n x nby, [s * nby + b] */
};

/* Scenario names become dataset paths (SNAME/national/...): short and plain. */
static int good_name(const char *s)
{
    if (s == NULL || *s == '\0' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    return 1;
}

gw_status gwi_scenario_check_defs(const gw_scenario_def *defs, size_t nscen, size_t reference)
{
    if (defs == NULL || nscen == 0)
        return gwi_fail(GW_EINVAL, "no scenario");
    if (reference >= nscen)
        return gwi_fail(GW_EINVAL, "reference scenario %zu out of range (%zu scenarios)", reference,
                        nscen);
    for (size_t s = 0; s < nscen; s++) {
        if (!good_name(defs[s].name))
            return gwi_fail(GW_EINVAL,
                            "bad scenario name '%s' (up to 64 letters, digits, '_', '-' and '.')",
                            defs[s].name ? defs[s].name : "(null)");
        for (size_t t = 0; t < s; t++)
            if (strcmp(defs[s].name, defs[t].name) == 0)
                return gwi_fail(GW_EINVAL, "scenario '%s' given twice", defs[s].name);
    }
    return GW_OK;
}

/* Index in ref's outcomes of each of r's outcomes (SIZE_MAX: none). */
static void outcome_map(const gw_scenario_result *r, const gw_scenario_result *ref, size_t *map)
{
    for (size_t o = 0; o < r->n_outcomes; o++) {
        map[o] = SIZE_MAX;
        for (size_t q = 0; q < ref->n_outcomes && map[o] == SIZE_MAX; q++)
            if (strcmp(r->outcomes[o], ref->outcomes[q]) == 0)
                map[o] = q;
    }
}

/* The differences of scenario s from the reference, national and by group. */
static gw_status diffs_of(gw_scenario_comparison *c, size_t s)
{
    const gw_scenario_report *a = c->reps[s], *ref = c->reps[c->ref];
    const gw_scenario_result *ra = gw_scenario_report_result(a);
    size_t *map = gw_alloc_array(ra->n_outcomes ? ra->n_outcomes : 1, sizeof *map);
    if (map == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    outcome_map(ra, gw_scenario_report_result(ref), map);
    gw_status st = gw_scenario_diff(gw_scenario_report_national(a),
                                    gw_scenario_report_national(ref), map, &c->dnat[s]);
    for (size_t b = 0; b < c->nby && st == GW_OK; b++)
        st = gw_scenario_diff(gw_scenario_report_by(a, b), gw_scenario_report_by(ref, b), map,
                              &c->dby[s * c->nby + b]);
    gw_free(map);
    return st;
}

/* c's differences, once its n reports are in: every scenario but the reference against it. */
gw_status gwi_scenario_comparison_finish(gw_scenario_comparison *c)
{
    c->nby = gw_scenario_report_nby(c->reps[0]);
    if ((c->dby = gw_calloc(c->n * c->nby + 1, sizeof *c->dby)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    gw_status st = GW_OK;
    for (size_t s = 0; s < c->n && st == GW_OK; s++)
        if (s != c->ref)
            st = diffs_of(c, s);
    return st;
}

gw_status gwi_scenario_comparison_new(const gw_scenario_def *defs, size_t nscen, size_t reference,
                                      gw_scenario_comparison **out)
{
    gw_status st = gwi_scenario_check_defs(defs, nscen, reference);
    *out = NULL;
    if (st != GW_OK)
        return st;
    gw_scenario_comparison *c = gw_calloc(1, sizeof *c);
    if (c == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    c->n = nscen;
    c->ref = reference;
    c->names = gw_calloc(nscen, sizeof *c->names);
    c->reps = gw_calloc(nscen, sizeof *c->reps);
    c->dnat = gw_calloc(nscen, sizeof *c->dnat);
    if (!c->names || !c->reps || !c->dnat)
        st = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t s = 0; s < nscen && st == GW_OK; s++)
        if ((c->names[s] = gw_strdup(defs[s].name)) == NULL)
            st = gwi_fail(GW_ENOMEM, "out of memory");
    if (st != GW_OK) {
        gw_scenario_comparison_free(c);
        return st;
    }
    *out = c;
    return GW_OK;
}

gw_scenario_report **gwi_scenario_comparison_slots(gw_scenario_comparison *c) { return c->reps; }

gw_status gw_scenario_compare_file(const char *results, const char *data,
                                   const gw_scenario_def *defs, size_t nscen, size_t reference,
                                   const gw_scenario_run_opts *opts, gw_scenario_comparison **out)
{
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_compare_file: NULL out");
    *out = NULL;
    if (defs == NULL || results == NULL || data == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_compare_file: NULL argument");
    if (nscen < 2)
        return gwi_fail(GW_EINVAL, "a comparison needs at least two scenarios (got %zu)", nscen);
    gw_scenario_comparison *c = NULL;
    static const gw_scenario_run_opts no_opts;
    gw_scenario_run_opts o = opts != NULL ? *opts : no_opts;
    gw_scenario_cache *cache = NULL; /* the scenarios draw the same coefficients */
    gw_status st = gwi_scenario_comparison_new(defs, nscen, reference, &c);
    if (st == GW_OK && o.cache == NULL && (st = gw_scenario_cache_new(&cache)) == GW_OK)
        o.cache = cache;
    for (size_t s = 0; s < nscen && st == GW_OK; s++) {
        st = gw_scenario_file(results, data, defs[s].shocks, defs[s].nshocks, &o, &c->reps[s]);
        if (st != GW_OK) {
            gwi_fail_keep(st);
            gwi_prefix_error("scenario %s", defs[s].name);
        }
    }
    gw_scenario_cache_free(cache);
    if (st == GW_OK)
        st = gwi_scenario_comparison_finish(c);
    if (st != GW_OK) {
        gw_scenario_comparison_free(c);
        return gwi_fail_keep(st);
    }
    *out = c;
    return GW_OK;
}

size_t gw_scenario_comparison_n(const gw_scenario_comparison *c) { return c->n; }

size_t gw_scenario_comparison_reference(const gw_scenario_comparison *c) { return c->ref; }

const char *gw_scenario_comparison_name(const gw_scenario_comparison *c, size_t s)
{
    return c->names[s];
}

const gw_scenario_report *gw_scenario_comparison_report(const gw_scenario_comparison *c, size_t s)
{
    return c->reps[s];
}

const gw_scenario_summary *gw_scenario_comparison_diff(const gw_scenario_comparison *c, size_t s)
{
    return c->dnat[s];
}

const gw_scenario_summary *gw_scenario_comparison_diff_by(const gw_scenario_comparison *c, size_t s,
                                                          size_t b)
{
    return c->dby[s * c->nby + b];
}

void gw_scenario_comparison_free(gw_scenario_comparison *c)
{
    if (c == NULL)
        return;
    for (size_t s = 0; s < c->n; s++) {
        if (c->reps != NULL)
            gw_scenario_report_free(c->reps[s]);
        if (c->dnat != NULL)
            gw_scenario_summary_free(c->dnat[s]);
        for (size_t b = 0; c->dby != NULL && b < c->nby; b++)
            gw_scenario_summary_free(c->dby[s * c->nby + b]);
    }
    gwi_scenario_free_strs(c->names, c->n);
    gw_free(c->reps);
    gw_free(c->dnat);
    gw_free(c->dby);
    gw_free(c);
}

/* ---- output ------------------------------------------------------------------------------ */

/* "NAME: SPEC; SPEC" of scenario s. */
static void shocks_text(const gw_scenario_comparison *c, size_t s, gw_strbuf *t)
{
    const gw_scenario_report *r = c->reps[s];
    gw_strbuf_printf(t, "%s:", c->names[s]);
    for (size_t h = 0; h < gw_scenario_report_nshocks(r); h++)
        gw_strbuf_printf(t, "%s%s", h ? "; " : " ", gw_scenario_report_shock(r, h));
}

static cJSON *scenario_json(const gw_scenario_comparison *c, size_t s)
{
    const gw_scenario_report *r = c->reps[s];
    const gw_scenario_result *res = gw_scenario_report_result(r);
    const gw_scenario_summary *nat = gw_scenario_report_national(r), *dn = c->dnat[s];
    cJSON *x = cJSON_CreateObject(), *sh = cJSON_AddArrayToObject(x, "shock");
    for (size_t h = 0; h < gw_scenario_report_nshocks(r); h++)
        cJSON_AddItemToArray(sh, cJSON_CreateString(gw_scenario_report_shock(r, h)));
    cJSON *oj = cJSON_AddObjectToObject(x, "outcomes");
    for (size_t o = 0; o < res->n_outcomes; o++)
        cJSON_AddItemToObject(oj, res->outcomes[o], gwi_scenario_stat_json(nat, 0, o));
    if (dn == NULL)
        return x;
    cJSON *dj = cJSON_AddObjectToObject(x, "difference");
    for (size_t o = 0; o < res->n_outcomes; o++)
        cJSON_AddItemToObject(dj, res->outcomes[o], gwi_scenario_stat_json(dn, 0, o));
    cJSON *bj = cJSON_AddObjectToObject(x, "difference_by_var");
    for (size_t b = 0; b < c->nby; b++) {
        const gw_scenario_summary *g = c->dby[s * c->nby + b];
        cJSON *vj = cJSON_AddObjectToObject(bj, gw_scenario_report_by_var(r, b));
        for (size_t gi = 0; gi < g->ngroups; gi++) {
            cJSON *gj = cJSON_AddObjectToObject(vj, gw_scenario_report_by_level(r, b, gi));
            for (size_t o = 0; o < res->n_outcomes; o++)
                cJSON_AddItemToObject(gj, res->outcomes[o], gwi_scenario_stat_json(g, gi, o));
        }
    }
    return x;
}

cJSON *gwi_scenario_comparison_json(const gw_scenario_comparison *c)
{
    cJSON *sj = cJSON_CreateObject();
    for (size_t s = 0; sj != NULL && s < c->n; s++)
        cJSON_AddItemToObject(sj, c->names[s], scenario_json(c, s));
    return sj;
}

static cJSON *render_json(const gw_scenario_comparison *c)
{
    const gw_scenario_settings *st = gw_scenario_report_settings(c->reps[0]);
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    cJSON_AddStringToObject(root, "goodwork_version", gw_version());
    cJSON_AddStringToObject(root, "command", "scenario");
    cJSON_AddStringToObject(root, "reference", c->names[c->ref]);
    cJSON_AddNumberToObject(root, "seed", (double)st->seed);
    cJSON_AddNumberToObject(root, "draws", (double)st->draws);
    cJSON_AddNumberToObject(root, "pass_through", st->pass_through);
    cJSON_AddItemToObject(root, "year", gwi_json_num(st->year));
    cJSON_AddBoolToObject(root, "common_random_numbers", 1);
    gwi_scenario_joint_json(root, st);
    cJSON_AddItemToObject(root, "scenarios", gwi_scenario_comparison_json(c));
    return root;
}

/* Text: the scenarios, each one's national mean change, and the differences from the
 * reference with their 90% intervals (common draws). */
static void render_text(const gw_scenario_comparison *c, gw_strbuf *t)
{
    const gw_scenario_settings *st = gw_scenario_report_settings(c->reps[0]);
    const gw_scenario_result *rr = gw_scenario_report_result(c->reps[c->ref]);
    gw_strbuf_printf(t, "Scenarios compared with common random numbers (seed %llu, %zu draws):\n",
                     (unsigned long long)st->seed, st->draws);
    for (size_t s = 0; s < c->n; s++) {
        gw_strbuf_printf(t, "  ");
        shocks_text(c, s, t);
        gw_strbuf_printf(t, "%s\n", s == c->ref ? "   (reference)" : "");
    }
    gw_strbuf_printf(t, "\n  National mean change (mean over draws):\n  %-22s", "outcome");
    for (size_t s = 0; s < c->n; s++)
        gw_strbuf_printf(t, " %14.14s", c->names[s]);
    for (size_t o = 0; o < rr->n_outcomes; o++) {
        gw_strbuf_printf(t, "\n  %-22.22s", rr->outcomes[o]);
        for (size_t s = 0; s < c->n; s++) {
            const gw_scenario_result *r = gw_scenario_report_result(c->reps[s]);
            double v = (double)NAN;
            for (size_t q = 0; q < r->n_outcomes; q++)
                if (strcmp(r->outcomes[q], rr->outcomes[o]) == 0)
                    v = gw_scenario_report_national(c->reps[s])->mean_change[q];
            gw_strbuf_printf(t, " %14.5g", v);
        }
    }
    gw_strbuf_printf(t, "\n");
    for (size_t s = 0; s < c->n; s++) {
        if (s == c->ref)
            continue;
        const gw_scenario_result *r = gw_scenario_report_result(c->reps[s]);
        const gw_scenario_summary *d = c->dnat[s];
        gw_strbuf_printf(t, "\n  %s minus %s (mean over draws, 90%% interval):\n", c->names[s],
                         c->names[c->ref]);
        for (size_t o = 0; o < r->n_outcomes; o++)
            gw_strbuf_printf(t, "  %-22.22s %12.5g  [%11.5g, %11.5g]\n", r->outcomes[o],
                             d->mean_change[o], d->q05[o], d->q95[o]);
    }
}

gw_status gw_scenario_comparison_render(const gw_scenario_comparison *c, int json, char **out)
{
    if (out == NULL || c == NULL)
        return gwi_render_null(out, "gw_scenario_comparison_render");
    if (json)
        return gwi_json_finish(render_json(c), out);
    gw_strbuf t = {0};
    render_text(c, &t);
    return gw_strbuf_finish(&t, out);
}

/* ---- storage ----------------------------------------------------------------------------- */

/* The datasets of a comparison group; names[k] holds item k's name. */
typedef struct {
    gw_h5_item *items;
    char (*names)[224];
    size_t n, cap;
} item_list;

static void add_f64(item_list *L, const char *name, size_t rows, size_t cols, const double *p)
{
    if (L->n == L->cap)
        return; /* sized in advance: cannot happen */
    snprintf(L->names[L->n], sizeof L->names[L->n], "%s", name);
    gw_h5_item *it = &L->items[L->n];
    memset(it, 0, sizeof *it);
    it->name = L->names[L->n++];
    it->kind = GW_H5_F64;
    it->rows = rows;
    it->cols = cols;
    it->f64 = p;
}

/* PREFIX/{mean_change, q05, q50, q95, point} of a summary (groups x outcomes) and, with draws,
 * PREFIX_draws... as national_draws: (groups x outcomes) x draws. */
static void add_summary(item_list *L, const char *prefix, const gw_scenario_summary *g,
                        const char *draws_name)
{
    static const char *const part[] = {"mean_change", "q05", "q50", "q95", "point"};
    const double *const v[] = {g->mean_change, g->q05, g->q50, g->q95, g->point};
    size_t G = g->ngroups, no = g->n_outcomes;
    char name[200];
    for (size_t k = 0; k < 5; k++) {
        snprintf(name, sizeof name, "%s/%s", prefix, part[k]);
        add_f64(L, name, G == 1 ? no : G, G == 1 ? 0 : no, v[k]);
    }
    if (draws_name != NULL)
        add_f64(L, draws_name, G * no, g->draws, g->draw_mean);
}

static void comparison_items(const gw_scenario_comparison *c, item_list *L)
{
    char p[160], d[160];
    for (size_t s = 0; s < c->n; s++) {
        snprintf(p, sizeof p, "%s/national", c->names[s]);
        snprintf(d, sizeof d, "%s/national_draws", c->names[s]);
        add_summary(L, p, gw_scenario_report_national(c->reps[s]), d);
        if (s == c->ref)
            continue;
        snprintf(p, sizeof p, "diff/%s/national", c->names[s]);
        snprintf(d, sizeof d, "diff/%s/national_draws", c->names[s]);
        add_summary(L, p, c->dnat[s], d);
        for (size_t b = 0; b < c->nby; b++) {
            snprintf(p, sizeof p, "diff/%s/by/%s", c->names[s],
                     gw_scenario_report_by_var(c->reps[s], b));
            add_summary(L, p, c->dby[s * c->nby + b], NULL);
        }
    }
}

/* The attribute texts: per scenario "NAME: SPEC; SPEC" joined by " | ", and the models. */
static gw_status comparison_texts(const gw_scenario_comparison *c, char **shocks, char **models)
{
    gw_strbuf sb = {0}, mb = {0};
    const gw_scenario_report *r = c->reps[c->ref];
    for (size_t s = 0; s < c->n; s++) {
        gw_strbuf_printf(&sb, "%s", s ? " | " : "");
        shocks_text(c, s, &sb);
    }
    for (size_t q = 0; q < gw_scenario_report_nmodels(r); q++)
        gw_strbuf_printf(&mb, "%s%s", q ? "," : "",
                         gw_scenario_report_model(r, gw_scenario_report_result(r)->order[q]));
    gw_status st = gw_strbuf_finish(&sb, shocks);
    gw_status st2 = gw_strbuf_finish(&mb, models);
    return st != GW_OK ? st : st2;
}

gw_status gw_scenario_comparison_write(const gw_scenario_comparison *c, const char *path,
                                       const char *group, const gw_provenance *prov)
{
    if (c == NULL || path == NULL || group == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_comparison_write: NULL argument");
    const gw_scenario_report *r = c->reps[c->ref];
    const gw_scenario_settings *st = gw_scenario_report_settings(r);
    const gw_scenario_result *rr = gw_scenario_report_result(r);
    item_list L = {0};
    char *shocks = NULL, *models = NULL;
    L.cap = 2 + c->n * 12 + c->n * c->nby * 5;
    L.items = gw_calloc(L.cap, sizeof *L.items);
    L.names = gw_calloc(L.cap, sizeof *L.names);
    gw_status s = comparison_texts(c, &shocks, &models);
    if (L.items == NULL || L.names == NULL || s != GW_OK) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    gw_h5_item *it = &L.items[L.n++];
    *it = (gw_h5_item){
        .name = "scenario", .kind = GW_H5_STR, .rows = c->n, .str = (const char *const *)c->names};
    it = &L.items[L.n++];
    *it = (gw_h5_item){.name = "outcome",
                       .kind = GW_H5_STR,
                       .rows = rr->n_outcomes,
                       .str = (const char *const *)rr->outcomes};
    comparison_items(c, &L);
    gw_h5_attr at[] = {
        {.name = "reference", .kind = GW_H5_STR, .str = c->names[c->ref]},
        {.name = "shock", .kind = GW_H5_STR, .str = shocks},
        {.name = "models", .kind = GW_H5_STR, .str = models},
        {.name = "draws", .kind = GW_H5_I64, .i64 = (int64_t)st->draws},
        {.name = "pass_through", .kind = GW_H5_F64, .f64 = st->pass_through},
        {.name = "year", .kind = GW_H5_F64, .f64 = st->year},
        {.name = "id", .kind = GW_H5_STR, .str = st->id},
    };
    s = gw_results_append_group(path, group, L.items, L.n, at, sizeof at / sizeof at[0], prov,
                                GW_RESULTS_REPLACE);
done:
    gw_free(L.items);
    gw_free(L.names);
    gw_free(shocks);
    gw_free(models);
    return s;
}
