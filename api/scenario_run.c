/* scenario_run.c -- gw_scenario_file and gw_scenario_table (gw_scenario_run.h).
 *
 * Order of work, so that a failure is reported before any later, costlier step and always the
 * same one for the same inputs (the command line prints the first failure): the options, the
 * shock specifications, the --models and --by lists (no file touched yet); the models, each
 * read, checked and parsed before the next; the data and the areas; the occupation data of
 * shift-share shocks; the draws; the summaries. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "fit_int.h"
#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_strbuf.h"
#include "scenario_joint_int.h"
#include "scenario_run_int.h"

#define SR_NAN ((double)NAN)

/* The state of one call, released when it returns; the report is what it hands over. */
typedef struct {
    const gw_scenario_run_opts *o;
    gw_scenario_report *rep;
    gw_shock *shocks; /* rep->nshocks parsed specifications */
    int any_ss, any_ai, any_auto; /* shift-share or per-occupation; ai:; displacement: or ai: */
    char **models; /* opts->models split at commas */
    size_t nmodels;
    gw_result **owned; /* gw_scenario_file: the fits read from the results file */
    gw_eqframe **ef;
    gw_scenario_eq *eqs;
    size_t neq;
    gw_table *data, *occt, *sht; /* gw_scenario_file: the tables read */
    const gw_table *all;         /* the data, every row (observed ranges) */
    double *shares;              /* areas x occupations, row-major */
    const double *p_auto, *ai;
    const gw_table *occ_names; /* the occupation table (soc, occupation) */
    size_t nocc;
    double **byval; /* per grouping variable: the stored groups of "@NAME" (else NULL) */
    double *coef_L; /* joint coefficient draws: the factor of the joint vcov (else NULL) */
    gwi_joint_cache *jcache; /* NULL, or the plan shared with other runs (a path's years) */
} job;

static gw_status oom(void) { return gwi_fail(GW_ENOMEM, "out of memory"); }

/* Splits text at commas, appending the items to *list (owned strings); an empty item is
 * GW_EINVAL naming the option `what`. */
gw_status gwi_scenario_split_list(const char *text, const char *what, char ***list, size_t *n)
{
    size_t cnt = 1;
    for (const char *c = text; *c; c++)
        cnt += *c == ',';
    char **p = gw_realloc(*list, (*n + cnt) * sizeof *p);
    if (p == NULL)
        return oom();
    *list = p;
    for (const char *q = text;;) {
        const char *e = strchr(q, ',');
        size_t len = e ? (size_t)(e - q) : strlen(q);
        if (len == 0)
            return gwi_fail(GW_EINVAL, "bad %s '%s': empty item", what, text);
        if ((p[*n] = gw_malloc(len + 1)) == NULL)
            return oom();
        memcpy(p[*n], q, len);
        p[(*n)++][len] = '\0';
        if (e == NULL)
            return GW_OK;
        q = e + 1;
    }
}

/* The option checks that need no data; the command line makes the same ones first, with
 * messages quoting its arguments, so these guard the other callers. */
static gw_status check_opts(const gw_scenario_run_opts *o)
{
    if (o->draws > GW_SCENARIO_MAX_DRAWS)
        return gwi_fail(GW_EINVAL, "bad --draws %zu (expected 1 to %u)", o->draws,
                        GW_SCENARIO_MAX_DRAWS);
    if ((o->flags & GW_SCENARIO_PASS_THROUGH_SET) &&
        !(o->pass_through >= 0.0 && isfinite(o->pass_through)))
        return gwi_fail(GW_EINVAL, "bad --pass-through %g (expected a number >= 0)",
                        o->pass_through);
    if ((o->flags & GW_SCENARIO_YEAR_SET) && !isfinite(o->year))
        return gwi_fail(GW_EINVAL, "bad --year %g (expected a number)", o->year);
    int kind;
    double a, b;
    if (o->pass_through_dist != NULL &&
        gwi_scenario_parse_dist(o->pass_through_dist, &kind, &a, &b) != GW_OK)
        return GW_EINVAL;
    if (o->pass_through_dist != NULL && (o->flags & GW_SCENARIO_PASS_THROUGH_SET))
        return gwi_fail(GW_EINVAL, "a fixed pass-through and a distribution of it do not go "
                                   "together");
    if ((o->flags & GW_SCENARIO_JOINT_DRAWS) && (o->flags & GW_SCENARIO_INDEPENDENT_DRAWS))
        return gwi_fail(GW_EINVAL, "joint and independent coefficient draws do not go together");
    return gwi_scenario_bounds_check(o->bounds, o->nbounds);
}

/* The settings with their defaults, the shocks (copied and parsed) and the --models and --by
 * lists: everything before the first file is read. */
static gw_status job_begin(job *j, const char *const *shocks, size_t nshocks)
{
    const gw_scenario_run_opts *o = j->o;
    gw_status s = check_opts(o);
    if (s != GW_OK || (s = gwi_scenario_report_new(&j->rep)) != GW_OK)
        return s;
    gw_scenario_report *r = j->rep;
    r->set.seed = (o->flags & GW_SCENARIO_SEED_SET) ? o->seed : GW_SCENARIO_DEFAULT_SEED;
    r->set.draws = o->draws ? o->draws : GW_SCENARIO_DEFAULT_DRAWS;
    r->set.pass_through = (o->flags & GW_SCENARIO_PASS_THROUGH_SET)
                              ? o->pass_through
                              : GW_SCENARIO_DEFAULT_PASS_THROUGH;
    r->set.year = SR_NAN;
    r->set.coefficient_draws = !(o->flags & GW_SCENARIO_NO_COEF_DRAWS);
    r->set.residual_noise = (o->flags & GW_SCENARIO_RESIDUAL_NOISE) != 0;
    if (o->pass_through_dist != NULL) {
        (void)gwi_scenario_parse_dist(o->pass_through_dist, &r->pt_dist, &r->pt_a, &r->pt_b);
        if ((r->pt_dist_text = gw_strdup(o->pass_through_dist)) == NULL)
            return oom();
        r->set.pass_through_dist = r->pt_dist_text;
        r->set.pass_through = r->pt_dist == GW_DIST_BETA ? r->pt_a / (r->pt_a + r->pt_b)
                                                         : 0.5 * (r->pt_a + r->pt_b);
    }
    if (nshocks > 0 && shocks == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario: NULL shocks");
    r->shocks = gw_calloc(nshocks ? nshocks : 1, sizeof *r->shocks);
    j->shocks = gw_calloc(nshocks ? nshocks : 1, sizeof *j->shocks);
    if (r->shocks == NULL || j->shocks == NULL)
        return oom();
    for (size_t h = 0; h < nshocks; h++) {
        if ((s = gw_shock_parse(shocks[h], &j->shocks[h])) != GW_OK)
            return s;
        if ((r->shocks[h] = gw_strdup(shocks[h])) == NULL)
            return oom();
        r->nshocks = h + 1;
        j->any_ss |= j->shocks[h].kind != GW_SHOCK_DIRECT;
        j->any_ai |= j->shocks[h].kind == GW_SHOCK_AI;
        j->any_auto |=
            j->shocks[h].kind == GW_SHOCK_AI || j->shocks[h].kind == GW_SHOCK_DISPLACEMENT;
    }
    if (o->models != NULL &&
        (s = gwi_scenario_split_list(o->models, "--models", &j->models, &j->nmodels)) != GW_OK)
        return s;
    if (o->nby > 0 && o->by == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario: NULL by");
    for (size_t b = 0; b < o->nby; b++)
        if ((s = gwi_scenario_split_list(o->by[b], "--by", &r->by_var, &r->nby)) != GW_OK)
            return s;
    for (size_t b = 0; b < r->nby; b++)
        if (r->by_var[b][0] == '@' && (s = gwi_scenario_by_ref_check(r->by_var[b])) != GW_OK)
            return s;
    if (o->weight != NULL && o->weight[0] == '\0')
        return gwi_fail(GW_EINVAL, "bad --weight '' (expected a numeric column of the data)");
    return GW_OK;
}

static gw_status alloc_eqs(job *j, size_t neq, int owned)
{
    j->neq = neq;
    j->ef = gw_calloc(neq, sizeof *j->ef);
    j->eqs = gw_calloc(neq, sizeof *j->eqs);
    j->rep->models = gw_calloc(neq, sizeof *j->rep->models);
    j->rep->formulas = gw_calloc(neq, sizeof *j->rep->formulas);
    j->rep->nmodels = neq;
    if (owned)
        j->owned = gw_calloc(neq, sizeof *j->owned);
    if (!j->ef || !j->eqs || !j->rep->models || !j->rep->formulas || (owned && !j->owned))
        return oom();
    return GW_OK;
}

/* Model m of the system: a linear fit with a stored formula, whose regressors are rebuilt by
 * an eqframe (io/gw_eqframe.h) and whose name and formula the report keeps. */
static gw_status add_model(job *j, size_t m, const char *name, const gw_result *fit)
{
    const char *est = fit->estimator ? fit->estimator : "ols";
    if (gwi_fit_is_glm(est))
        return gwi_fail(GW_EINVAL,
                        "model %s: estimator %s is not linear; a scenario propagates linear "
                        "models only",
                        name, est);
    if (fit->formula == NULL)
        return gwi_fail(GW_EINVAL, "model %s has no stored formula", name);
    gw_status s = gw_eqframe_new(fit->formula, &j->ef[m]);
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("%s", name);
        return s;
    }
    size_t nv = gw_eqframe_nvars(j->ef[m]);
    const char **uses = gw_calloc(nv + 1, sizeof *uses);
    if (uses == NULL)
        return oom();
    for (size_t v = 0; v < nv; v++)
        uses[v] = gw_eqframe_var(j->ef[m], v);
    j->eqs[m].uses = uses;
    j->eqs[m].nuses = nv;
    if ((j->rep->models[m] = gw_strdup(name)) == NULL ||
        (j->rep->formulas[m] = gw_strdup(fit->formula)) == NULL)
        return oom();
    j->eqs[m].name = j->rep->models[m];
    j->eqs[m].fit = fit;
    j->eqs[m].response = gw_eqframe_response(j->ef[m]);
    j->eqs[m].response_log = gw_eqframe_response_log(j->ef[m]);
    return GW_OK;
}

gw_status gwi_scenario_get_fit(const gw_results *res, const char *path, const char *name,
                               gw_result **out)
{
    gw_status s = gw_results_get(res, name, out);
    if (s == GW_ENOVAR) {
        gw_strbuf av = {0};
        for (size_t k = 0; k < gw_results_nmodels(res); k++)
            gw_strbuf_printf(&av, "%s%s", k ? ", " : "", gw_results_model_name(res, k));
        s = gwi_fail(GW_ENOVAR, "no model '%s' in %s (models: %s)", name, path,
                     av.s ? av.s : "none");
        gw_strbuf_free(&av);
    } else if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("%s", path);
    }
    return s;
}

/* The models of the results file path: those of --models, or every one in the file's order. */
static gw_status models_from_file(job *j, const char *path)
{
    gw_results *res = NULL;
    gw_status s = gw_results_open(path, &res);
    if (s != GW_OK)
        return s;
    size_t neq = j->nmodels ? j->nmodels : gw_results_nmodels(res);
    if (neq == 0) {
        s = gwi_fail(GW_EINVAL, "%s holds no model (fit some with goodwork fit --out)", path);
        goto done;
    }
    if ((s = alloc_eqs(j, neq, 1)) != GW_OK)
        goto done;
    for (size_t m = 0; m < neq && s == GW_OK; m++) {
        const char *nm = j->nmodels ? j->models[m] : gw_results_model_name(res, m);
        s = gwi_scenario_get_fit(res, path, nm, &j->owned[m]);
        if (s == GW_OK)
            s = add_model(j, m, nm, j->owned[m]);
    }
done:
    gw_results_close(res);
    return s;
}

/* The areas: the rows of data in the scenario year (--year, or the latest finite one), or
 * every row when there is no time variable. src names the data in messages. */
static gw_status choose_areas(job *j, const gw_table *data, const char *src)
{
    gw_scenario_report *r = j->rep;
    const char *idv = j->o->id ? j->o->id : "la_id";
    const char *tv = j->o->time ? j->o->time : "year";
    double year = (j->o->flags & GW_SCENARIO_YEAR_SET) ? j->o->year : SR_NAN;
    ptrdiff_t jid = gw_table_find(data, idv), jt = gw_table_find(data, tv);
    if (jid < 0)
        return gwi_fail(GW_ENOVAR, "unknown --id variable '%s' in %s", idv, src);
    if (jt < 0 && j->o->time != NULL)
        return gwi_fail(GW_ENOVAR, "unknown --time variable '%s' in %s", tv, src);
    if (jt >= 0 && gw_table_coltype(data, (size_t)jt) != GW_COL_NUMERIC)
        return gwi_fail(GW_EINVAL, "--time variable '%s' must be numeric", tv);
    size_t nr = gw_table_nrows(data), nkeep = 0;
    unsigned char *keep = gw_calloc(nr ? nr : 1, 1);
    if (keep == NULL)
        return oom();
    if (jt >= 0) {
        const double *tt = gw_table_numeric(data, (size_t)jt);
        if (!(j->o->flags & GW_SCENARIO_YEAR_SET)) {
            year = -INFINITY;
            for (size_t i = 0; i < nr; i++)
                if (isfinite(tt[i]) && tt[i] > year)
                    year = tt[i];
        }
        for (size_t i = 0; i < nr; i++)
            keep[i] = tt[i] == year;
    } else {
        memset(keep, 1, nr);
        tv = NULL;
    }
    for (size_t i = 0; i < nr; i++)
        nkeep += keep[i];
    gw_status s = GW_OK;
    if (nkeep == 0)
        s = gwi_fail(GW_EFORMAT, "no rows of %s in %s %.10g", src, tv ? tv : "the data", year);
    else
        s = gw_table_subset(data, keep, NULL, 0, &r->areas) == GW_OK ? GW_OK : oom();
    gw_free(keep);
    if (s != GW_OK)
        return s;
    r->set.year = tv ? year : SR_NAN;
    if ((r->id = gw_strdup(idv)) == NULL || (tv && (r->time = gw_strdup(tv)) == NULL))
        return oom();
    r->set.id = r->id;
    r->set.time = r->time;
    return GW_OK;
}

/* Shares of the areas (n x nocc, row-major, *out) from the shares table sh, matched on the
 * identifier (and the time variable when both tables have it). */
static gw_status align_shares(const gw_table *areas, const gw_table *sh, const char *id,
                              const char *time, const char *src, size_t *nocc_out, double **out)
{
    size_t n = gw_table_nrows(areas), ns = gw_table_nrows(sh), nc = gw_table_ncols(sh);
    ptrdiff_t ja = gw_table_find(areas, id), js = gw_table_find(sh, id);
    ptrdiff_t ta = time ? gw_table_find(areas, time) : -1;
    ptrdiff_t ts = time ? gw_table_find(sh, time) : -1;
    if (js < 0 || gw_table_coltype(sh, (size_t)js) != GW_COL_NUMERIC ||
        gw_table_coltype(areas, (size_t)ja) != GW_COL_NUMERIC)
        return gwi_fail(GW_EFORMAT,
                        "%s: the shares table needs a numeric '%s' column like the data", src, id);
    size_t nocc = 0;
    for (size_t j = 0; j < nc; j++)
        if ((ptrdiff_t)j != js && (ptrdiff_t)j != ts)
            nocc++;
    double *s = gw_alloc_array(n * nocc > 0 ? n * nocc : 1, sizeof *s);
    if (s == NULL)
        return oom();
    const double *ida = gw_table_numeric(areas, (size_t)ja),
                 *ids = gw_table_numeric(sh, (size_t)js);
    const double *tma = ta >= 0 ? gw_table_numeric(areas, (size_t)ta) : NULL;
    const double *tms = ts >= 0 ? gw_table_numeric(sh, (size_t)ts) : NULL;
    for (size_t i = 0; i < n; i++) {
        size_t hit = SIZE_MAX;
        for (size_t r = 0; r < ns && hit == SIZE_MAX; r++)
            if (ids[r] == ida[i] && (tma == NULL || tms == NULL || tms[r] == tma[i]))
                hit = r;
        if (hit == SIZE_MAX) {
            gw_free(s);
            return gwi_fail(GW_EFORMAT, "%s: no occupation shares for %s %.10g%s", src, id, ida[i],
                            tma ? " in the scenario year" : "");
        }
        size_t o = 0;
        for (size_t j = 0; j < nc; j++) {
            if ((ptrdiff_t)j == js || (ptrdiff_t)j == ts)
                continue;
            const double *v = gw_table_numeric(sh, j);
            s[i * nocc + o++] = v != NULL ? v[hit] : SR_NAN;
        }
    }
    *nocc_out = nocc;
    *out = s;
    return GW_OK;
}

/* The occupation data of shift-share and per-occupation shocks: p_auto (and ai_exposure)
 * from occt when a displacement or AI shock needs them, named "src what" in messages, and the
 * areas' shares from sht, one column per occupation; occt also names the occupations. */
static gw_status occupation_data(job *j, const gw_table *occt, const gw_table *sht, const char *src,
                                 const char *what)
{
    ptrdiff_t jp = gw_table_find(occt, "p_auto"), jai = gw_table_find(occt, "ai_exposure");
    if ((j->any_auto && (jp < 0 || gw_table_coltype(occt, (size_t)jp) != GW_COL_NUMERIC)) ||
        (j->any_ai && (jai < 0 || gw_table_coltype(occt, (size_t)jai) != GW_COL_NUMERIC)))
        return gwi_fail(GW_EFORMAT, "%s %s: needs numeric columns p_auto%s", src, what,
                        j->any_ai ? " and ai_exposure" : "");
    gw_status s =
        align_shares(j->rep->areas, sht, j->rep->id, j->rep->time, src, &j->nocc, &j->shares);
    if (s != GW_OK)
        return s;
    if (j->nocc != gw_table_nrows(occt))
        return gwi_fail(GW_EFORMAT, "%s: %zu share columns but %zu occupations", src, j->nocc,
                        gw_table_nrows(occt));
    j->p_auto = jp >= 0 && gw_table_coltype(occt, (size_t)jp) == GW_COL_NUMERIC
                    ? gw_table_numeric(occt, (size_t)jp)
                    : NULL;
    j->occ_names = occt;
    j->ai = jai >= 0 && gw_table_coltype(occt, (size_t)jai) == GW_COL_NUMERIC
                ? gw_table_numeric(occt, (size_t)jai)
                : NULL;
    return GW_OK;
}

static gw_status build_cb(void *ctx, size_t eq, const gw_table *t, gw_design **out)
{
    gw_eqframe **ef = ctx;
    return gw_eqframe_build(ef[eq], t, out);
}

/* The draws (gw_scenario_run), between the caller's progress calls. */
static gw_status run_draws(job *j)
{
    const gw_scenario_run_opts *o = j->o;
    gw_scenario_report *r = j->rep;
    gw_scenario_occ occ = {j->nocc, j->p_auto, j->ai, j->shares, j->occ_names};
    gw_scenario_opts so;
    memset(&so, 0, sizeof so);
    gw_status s = gwi_scenario_joint_plan(r, j->all, j->eqs, j->neq, o->flags, j->jcache,
                                          &j->coef_L);
    if (s != GW_OK)
        return s;
    so.coef_factor = j->coef_L;
    so.draws = r->set.draws;
    so.seed = r->set.seed;
    so.no_coef_draws = !r->set.coefficient_draws;
    so.residual_noise = r->set.residual_noise;
    so.pass_through = r->set.pass_through;
    so.emp_var = o->emp;
    so.pt_dist = r->pt_dist;
    so.pt_a = r->pt_a;
    so.pt_b = r->pt_b;
    so.progress = o->progress;
    so.progress_ctx = o->progress_ctx;
    so.cache = o->cache;
    if (o->progress != NULL)
        o->progress(o->progress_ctx, 0, so.draws);
    double t0 = gwi_seconds();
    s = gw_scenario_run(r->areas, j->eqs, j->neq, build_cb, j->ef, j->shocks, r->nshocks,
                        j->any_ss ? &occ : NULL, &so, &r->result);
    double seconds = gwi_seconds() - t0;
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("scenario");
    }
    if (o->draws_done != NULL)
        o->draws_done(o->progress_ctx, s, seconds);
    return s;
}

static gw_status value_codes(const double *x, size_t n, int32_t *codes, char ***names, size_t *ng);

/* Group codes of column var over the areas: categorical levels, or the distinct numeric values
 * in increasing order (*names: owned texts, *ng of them, set before they are filled so that a
 * failure frees what was made). */
static gw_status group_codes(const gw_table *t, const char *var, int32_t *codes, char ***names,
                             size_t *ng)
{
    ptrdiff_t j = gw_table_find(t, var);
    size_t n = gw_table_nrows(t);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "unknown --by variable '%s'", var);
    if (gw_table_coltype(t, (size_t)j) == GW_COL_CATEGORICAL) {
        size_t nl = gw_table_nlevels(t, (size_t)j);
        if ((*names = gw_calloc(nl ? nl : 1, sizeof **names)) == NULL)
            return oom();
        *ng = nl;
        for (size_t l = 0; l < nl; l++)
            if (((*names)[l] = gw_strdup(gw_table_level(t, (size_t)j, l))) == NULL)
                return oom();
        memcpy(codes, gw_table_codes(t, (size_t)j), n * sizeof *codes);
        return GW_OK;
    }
    return value_codes(gw_table_numeric(t, (size_t)j), n, codes, names, ng);
}

/* Group codes of the values x[0..n-1]: the distinct finite values in increasing order (names
 * "%.10g"), -1 for a missing value; *names and *ng as group_codes. */
static gw_status value_codes(const double *x, size_t n, int32_t *codes, char ***names, size_t *ng)
{
    double *u = gw_alloc_array(n ? n : 1, sizeof *u);
    if (u == NULL)
        return oom();
    size_t m = 0, g = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i]))
            u[m++] = x[i];
    for (size_t i = 1; i < m; i++) /* insertion sort: a few hundred areas */
        for (size_t k = i; k > 0 && u[k - 1] > u[k]; k--) {
            double tt = u[k];
            u[k] = u[k - 1];
            u[k - 1] = tt;
        }
    for (size_t i = 0; i < m; i++)
        if (g == 0 || u[i] != u[g - 1])
            u[g++] = u[i];
    gw_status s = GW_OK;
    if ((*names = gw_calloc(g ? g : 1, sizeof **names)) == NULL)
        s = oom();
    else
        *ng = g;
    for (size_t k = 0; k < g && s == GW_OK; k++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%.10g", u[k]);
        if (((*names)[k] = gw_strdup(buf)) == NULL)
            s = oom();
    }
    for (size_t i = 0; i < n && s == GW_OK; i++) {
        codes[i] = -1;
        for (size_t k = 0; k < g && isfinite(x[i]); k++)
            if (u[k] == x[i])
                codes[i] = (int32_t)k;
    }
    gw_free(u);
    return s;
}

/* What the summaries take from outside the data's columns, before the draws so that a bad
 * --weight or --by @NAME costs none: the weights and the groups of stored analyses. */
static gw_status linked_groups(job *j)
{
    gw_scenario_report *r = j->rep;
    size_t n = gw_table_nrows(r->areas);
    gw_status s = GW_OK;
    if (j->o->weight != NULL) {
        if ((s = gwi_scenario_weights(r, j->o->weight, &r->w)) != GW_OK)
            return s;
        if ((r->weight = gw_strdup(j->o->weight)) == NULL)
            return oom();
        r->set.weight = r->weight;
    }
    const char *path = j->o->analyses ? j->o->analyses : r->results;
    if ((j->byval = gw_calloc(r->nby + 1, sizeof *j->byval)) == NULL)
        return oom();
    for (size_t b = 0; b < r->nby && s == GW_OK; b++) {
        if (r->by_var[b][0] != '@')
            continue;
        if ((j->byval[b] = gw_alloc_array(n ? n : 1, sizeof **j->byval)) == NULL)
            return oom();
        s = gwi_scenario_by_ref(r, j->all, path, r->by_var[b], j->byval[b]);
    }
    return s;
}

/* The national summary and one summary per grouping variable. */
static gw_status summarise(job *j)
{
    gw_scenario_report *r = j->rep;
    gw_status s = gw_scenario_summarise_ex(r->result, NULL, 1, r->w, &r->national);
    if (s != GW_OK)
        return s;
    size_t n = r->result->n_areas, nby = r->nby;
    r->by = gw_calloc(nby + 1, sizeof *r->by);
    r->by_level = gw_calloc(nby + 1, sizeof *r->by_level);
    r->by_nlevels = gw_calloc(nby + 1, sizeof *r->by_nlevels);
    int32_t *codes = gw_alloc_array(n ? n : 1, sizeof *codes);
    if (!r->by || !r->by_level || !r->by_nlevels || !codes)
        s = oom();
    for (size_t b = 0; b < nby && s == GW_OK; b++) {
        s = j->byval[b] != NULL
                ? value_codes(j->byval[b], n, codes, &r->by_level[b], &r->by_nlevels[b])
                : group_codes(r->areas, r->by_var[b], codes, &r->by_level[b], &r->by_nlevels[b]);
        if (s == GW_OK && r->by_nlevels[b] == 0)
            s = gwi_fail(GW_EFORMAT, "--by %s: every value is missing", r->by_var[b]);
        if (s == GW_OK)
            s = gw_scenario_summarise_ex(r->result, codes, r->by_nlevels[b], r->w, &r->by[b]);
    }
    gw_free(codes);
    if (s == GW_OK) /* summarised: the next run of the cache's reuses the buffer */
        gw_scenario_cache_recycle(j->o->cache, r->result);
    return s;
}

/* From the areas on, the same for both doors: occupation data (when shift-share shocks ask
 * for it; occt/sht NULL then means they are missing), draws, summaries, area labels. */
static gw_status job_finish(job *j, const gw_table *occt, const gw_table *sht, const char *src,
                            const char *what)
{
    gw_status s;
    if (j->any_ss) {
        if (occt == NULL || sht == NULL)
            return gwi_fail(GW_EINVAL, "shift-share shocks need the occupation table and shares");
        if ((s = occupation_data(j, occt, sht, src, what)) != GW_OK)
            return s;
    }
    if ((s = gwi_scenario_area_labels(j->rep)) != GW_OK || (s = linked_groups(j)) != GW_OK ||
        (s = run_draws(j)) != GW_OK || (s = summarise(j)) != GW_OK)
        return s;
    return gwi_scenario_plausibility(j->rep, j->all, j->o->bounds, j->o->nbounds,
                                     (j->o->flags & GW_SCENARIO_STRICT) != 0);
}

/* Releases the call's state; hands the report to *out on success, frees it otherwise. */
static gw_status job_end(job *j, gw_status s, gw_scenario_report **out)
{
    for (size_t m = 0; m < j->neq; m++) {
        if (j->eqs != NULL)
            gw_free((void *)(uintptr_t)j->eqs[m].uses);
        if (j->ef != NULL)
            gw_eqframe_free(j->ef[m]);
        if (j->owned != NULL)
            gw_result_free(j->owned[m]);
    }
    gw_free(j->eqs);
    gw_free(j->ef);
    gw_free(j->owned);
    gw_free(j->shocks);
    gwi_scenario_free_strs(j->models, j->nmodels);
    gw_table_free(j->data);
    gw_table_free(j->occt);
    gw_table_free(j->sht);
    gw_free(j->shares);
    gw_free(j->coef_L);
    for (size_t b = 0; j->byval != NULL && b < j->rep->nby; b++)
        gw_free(j->byval[b]);
    gw_free(j->byval);
    if (s == GW_OK) {
        *out = j->rep;
    } else {
        gw_scenario_report_free(j->rep);
        gwi_fail_keep(s);
    }
    return s;
}

static const gw_scenario_run_opts no_opts;

gw_status gw_scenario_file(const char *results, const char *data, const char *const *shocks,
                           size_t nshocks, const gw_scenario_run_opts *opts,
                           gw_scenario_report **out)
{
    job j;
    memset(&j, 0, sizeof j);
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_file: NULL out");
    *out = NULL;
    if (results == NULL || data == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_file: NULL results or data");
    j.o = opts != NULL ? opts : &no_opts;
    gw_status s = job_begin(&j, shocks, nshocks);
    if (s == GW_OK)
        s = models_from_file(&j, results);
    if (s == GW_OK && (j.rep->results = gw_strdup(results)) == NULL)
        s = oom();
    if (s == GW_OK)
        j.rep->set.results = j.rep->results;
    gw_load_opts lo = {NULL, 0, j.o->table, j.o->delim};
    if (s == GW_OK)
        s = gw_data_load(data, &lo, &j.data);
    j.all = j.data;
    if (s == GW_OK)
        s = choose_areas(&j, j.data, data);
    const char *og = j.o->occupation ? j.o->occupation : "/occupation";
    const char *sg = j.o->shares ? j.o->shares : "/shares";
    if (s == GW_OK && j.any_ss) {
        s = gw_h5_table_read(data, og, NULL, 0, &j.occt);
        if (s == GW_OK)
            s = gw_h5_table_read(data, sg, NULL, 0, &j.sht);
        if (s != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("shift-share shocks need the occupation table and shares");
        }
    }
    if (s == GW_OK)
        s = job_finish(&j, j.occt, j.sht, data, og);
    return job_end(&j, s, out);
}

gw_status gw_scenario_table(const gw_scenario_data *data, const gw_result *const *fits,
                            const char *const *names, size_t nfits, const char *const *shocks,
                            size_t nshocks, const gw_scenario_run_opts *opts,
                            gw_scenario_report **out)
{
    return gwi_scenario_table_cached(data, fits, names, nfits, shocks, nshocks, opts, NULL, out);
}

gw_status gwi_scenario_table_cached(const gw_scenario_data *data, const gw_result *const *fits,
                                    const char *const *names, size_t nfits,
                                    const char *const *shocks, size_t nshocks,
                                    const gw_scenario_run_opts *opts, gwi_joint_cache *cache,
                                    gw_scenario_report **out)
{
    job j;
    memset(&j, 0, sizeof j);
    j.jcache = cache;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_table: NULL out");
    *out = NULL;
    if (data == NULL || data->table == NULL || (nfits > 0 && (fits == NULL || names == NULL)))
        return gwi_fail(GW_EINVAL, "gw_scenario_table: NULL data, fits or names");
    j.o = opts != NULL ? opts : &no_opts;
    gw_status s = job_begin(&j, shocks, nshocks);
    if (s == GW_OK && j.o->models != NULL)
        s = gwi_fail(GW_EINVAL, "gw_scenario_table: opts->models is for gw_scenario_file; "
                                "pass the fits to use");
    if (s == GW_OK && nfits == 0)
        s = gwi_fail(GW_EINVAL, "gw_scenario_table: no model");
    if (s == GW_OK)
        s = alloc_eqs(&j, nfits, 0);
    for (size_t m = 0; m < nfits && s == GW_OK; m++)
        s = fits[m] == NULL || names[m] == NULL
                ? gwi_fail(GW_EINVAL, "gw_scenario_table: model %zu is NULL or unnamed", m)
                : add_model(&j, m, names[m], fits[m]);
    j.all = data->observed != NULL ? data->observed : data->table;
    if (s == GW_OK)
        s = choose_areas(&j, data->table, "the data");
    if (s == GW_OK)
        s = job_finish(&j, data->occupation, data->shares, "the data", "occupation table");
    return job_end(&j, s, out);
}

gw_status gwi_scenario_parse_dist(const char *text, int *kind, double *a, double *b)
{
    char name[16], close = 0;
    int used = 0;
    if (sscanf(text, "%15[a-z](%lf,%lf%c%n", name, a, b, &close, &used) == 4 && close == ')' &&
        text[used] == '\0') {
        *kind = strcmp(name, "beta") == 0      ? GW_DIST_BETA
                : strcmp(name, "uniform") == 0 ? GW_DIST_UNIFORM
                                               : GW_DIST_NONE;
        int ok = *kind == GW_DIST_BETA ? *a > 0.0 && *b > 0.0 && isfinite(*a) && isfinite(*b)
                                       : *a >= 0.0 && *a < *b && isfinite(*b);
        if (*kind != GW_DIST_NONE && ok)
            return GW_OK;
    }
    return gwi_fail(GW_EINVAL,
                    "bad pass-through distribution '%s' (expected beta(A,B) with A, B > 0 or "
                    "uniform(LO,HI) with 0 <= LO < HI)",
                    text);
}
