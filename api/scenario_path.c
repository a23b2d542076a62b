/* scenario_path.c -- scenarios over a horizon (gw_scenario_path_file, gw_scenario_run.h).
 *
 * A year after the data's last gets a baseline (the panel projected by area trends,
 * scenario_baseline.c); every year of the horizon is then the static scenario of
 * gw_scenario_table on that year, with the shocks scaled by the ramp, the same seed (so the same
 * coefficient draws in every year and scenario) and, for several scenarios, the paired
 * differences of gw_scenario_comparison. Scaled shocks are passed as specifications: the kind's
 * numbers rewritten with %.17g (exact) and any condition kept as written; a shock at full size
 * is passed unchanged, so the last ramped year equals the static run bit for bit. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_hdf5.h"
#include "gw_load.h"
#include "gw_strbuf.h"
#include "scenario_joint_int.h"
#include "scenario_run_int.h"

#define SP_MAX_YEARS 200
#define SP_SPEC 640

struct gw_scenario_path {
    size_t ny;
    double *years;
    gw_scenario_comparison **cmp;
    gw_scenario_horizon h;
    char **spec; /* per scenario, its shocks as given, joined by "; " */
    size_t nscen;
};

/* The inputs every year shares. */
typedef struct {
    gw_result **fits;
    char **names;
    size_t nfits;
    gw_table *panel, *occt, *sht, *ext, *shext;
    int any_ss;
    gwi_joint_cache *jc; /* the coefficient-draw plan, made by the first year's run */
} path_in;

static gw_status check_horizon(const gw_scenario_horizon *h)
{
    if (!(isfinite(h->from) && isfinite(h->to) && h->from <= h->to &&
          h->to - h->from < SP_MAX_YEARS && floor(h->from) == h->from && floor(h->to) == h->to))
        return gwi_fail(GW_EINVAL,
                        "bad --horizon %.10g-%.10g (expected whole years FROM-TO, FROM <= TO, at "
                        "most %d years)",
                        h->from, h->to, SP_MAX_YEARS);
    if (!isnan(h->ramp) && !(h->ramp >= h->from && h->ramp <= h->to))
        return gwi_fail(GW_EINVAL, "bad --ramp %.10g (expected a year in the horizon %.10g-%.10g)",
                        h->ramp, h->from, h->to);
    return GW_OK;
}

/* The fits of the results file: those named in models ("a,b,c") or all, in order, read and
 * named as gw_scenario_file reads them. */
static gw_status read_fits(const char *path, const char *models, path_in *in)
{
    gw_results *res = NULL;
    char **list = NULL;
    size_t nlist = 0;
    gw_status s = models != NULL ? gwi_scenario_split_list(models, "--models", &list, &nlist)
                                 : GW_OK;
    if (s == GW_OK)
        s = gw_results_open(path, &res);
    size_t n = s == GW_OK ? (models != NULL ? nlist : gw_results_nmodels(res)) : 0;
    if (s == GW_OK && n == 0)
        s = gwi_fail(GW_EINVAL, "%s holds no model (fit some with goodwork fit --out)", path);
    if (s == GW_OK && ((in->fits = gw_calloc(n, sizeof *in->fits)) == NULL ||
                       (in->names = gw_calloc(n, sizeof *in->names)) == NULL))
        s = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t m = 0; m < n && s == GW_OK; m++) {
        const char *nm = models != NULL ? list[m] : gw_results_model_name(res, m);
        s = gwi_scenario_get_fit(res, path, nm, &in->fits[m]);
        if (s == GW_OK && (in->names[m] = gw_strdup(nm)) == NULL)
            s = gwi_fail(GW_ENOMEM, "out of memory");
        in->nfits = m + 1;
    }
    gwi_scenario_free_strs(list, nlist);
    gw_results_close(res);
    return s;
}

/* The condition of spec as written ("@..." or "where ..."), or "" without one. "where" is the
 * keyword only between blanks, as gw_shock_parse reads it (a name such as nowhere_x may hold
 * the letters); a name never holds '@' or a blank. */
static const char *cond_of(const char *spec)
{
    const char *at = strchr(spec, '@');
    if (at != NULL)
        return at;
    for (const char *p = spec; *p; p++)
        if (p > spec && isspace((unsigned char)p[-1]) && strncmp(p, "where", 5) == 0 &&
            isspace((unsigned char)p[5]))
            return p;
    return "";
}

/* Specifications of shock spec at the fraction f of its size into out[0..*n): the spec itself
 * at f == 1; otherwise the kind's numbers scaled (kappa and rho, G, the NUMBER of a direct
 * value, also in NUMBER*VAR) with the condition kept as written; "VAR=V" ramps from the
 * baseline as VAR*=(1-f) then VAR+=f*V. */
static gw_status scale_spec(const char *spec, double f, char (*out)[SP_SPEC], size_t *n)
{
    gw_shock sh;
    char val[GW_SHOCK_NAME_MAX + 32];
    gw_status s = gw_shock_parse(spec, &sh);
    if (s != GW_OK)
        return s;
    const char *cond = cond_of(spec), *sep = *cond == 'w' ? " " : "";
    /* The scaled value of a direct shock: NUMBER, or NUMBER*VAR. */
    if (sh.expr_var[0] != '\0')
        snprintf(val, sizeof val, "%.17g*%s", sh.value * f, sh.expr_var);
    else
        snprintf(val, sizeof val, "%.17g", sh.value * f);
    *n = 1;
    if (f == 1.0)
        snprintf(out[0], SP_SPEC, "%s", spec);
    else if (sh.kind == GW_SHOCK_DISPLACEMENT)
        snprintf(out[0], SP_SPEC, "displacement:%.17g%s%s", sh.kappa * f, sep, cond);
    else if (sh.kind == GW_SHOCK_AI)
        snprintf(out[0], SP_SPEC, "ai:%.17g,%.17g%s%s", sh.kappa * f, sh.rho * f, sep, cond);
    else if (sh.kind == GW_SHOCK_OCCUPATION)
        snprintf(out[0], SP_SPEC, "occupation:%s=%.17g%s%s", sh.occ, sh.value * f, sep, cond);
    else if (sh.op == GW_SHOCK_ADD)
        snprintf(out[0], SP_SPEC, "%s+=%s%s%s", sh.var, val, sep, cond);
    else if (sh.op == GW_SHOCK_MUL) /* a number only: *= takes no expression */
        snprintf(out[0], SP_SPEC, "%s*=%.17g%s%s", sh.var, pow(sh.value, f), sep, cond);
    else {
        snprintf(out[0], SP_SPEC, "%s*=%.17g%s%s", sh.var, 1.0 - f, sep, cond);
        snprintf(out[1], SP_SPEC, "%s+=%s%s%s", sh.var, val, sep, cond);
        *n = 2;
    }
    return GW_OK;
}

/* Scenario def in year y: its shocks scaled by the ramp and run on the baseline. */
static gw_status run_year_scenario(const path_in *in, const gw_scenario_def *def,
                                   const gw_scenario_horizon *h, double y,
                                   const gw_scenario_run_opts *o, gw_scenario_report **out)
{
    double f = isnan(h->ramp) ? 1.0 : fmin(1.0, (y - h->from + 1.0) / (h->ramp - h->from + 1.0));
    size_t cap = 2 * def->nshocks + 1, ns = 0;
    char(*buf)[SP_SPEC] = gw_calloc(cap, sizeof *buf);
    const char **specs = gw_calloc(cap, sizeof *specs);
    gw_status s = buf != NULL && specs != NULL ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t k = 0; k < def->nshocks && s == GW_OK; k++) {
        size_t m = 0;
        s = scale_spec(def->shocks[k], f, buf + ns, &m);
        for (size_t q = 0; q < m; q++, ns++)
            specs[ns] = buf[ns];
    }
    gw_scenario_run_opts oy = *o;
    oy.models = NULL;
    oy.year = y;
    oy.flags |= GW_SCENARIO_YEAR_SET;
    gw_scenario_data d = {in->ext ? in->ext : in->panel, in->occt, in->shext ? in->shext : in->sht,
                          in->panel};
    if (s == GW_OK)
        s = gwi_scenario_table_cached(&d, (const gw_result *const *)in->fits,
                                      (const char *const *)in->names, in->nfits, specs, ns, &oy,
                                      in->jc, out);
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("%.10g scenario %s", y, def->name);
    }
    gw_free(buf);
    gw_free(specs);
    return s;
}

/* The panel (and occupation tables when a scenario has shift-share shocks) and its baseline for
 * the horizon's years after the last observed one. */
static gw_status load_inputs(const char *data, const gw_scenario_def *defs, size_t nscen,
                             const gw_scenario_horizon *h, const gw_scenario_run_opts *o,
                             path_in *in)
{
    const char *idv = o->id ? o->id : "la_id", *tv = o->time ? o->time : "year";
    gw_load_opts lo = {NULL, 0, o->table, o->delim};
    gw_status s = gw_data_load(data, &lo, &in->panel);
    for (size_t k = 0; k < nscen && s == GW_OK; k++)
        for (size_t q = 0; q < defs[k].nshocks && s == GW_OK; q++) {
            gw_shock sh;
            s = gw_shock_parse(defs[k].shocks[q], &sh);
            in->any_ss |= s == GW_OK && sh.kind != GW_SHOCK_DIRECT;
        }
    if (s == GW_OK && in->any_ss) {
        s = gw_h5_table_read(data, o->occupation ? o->occupation : "/occupation", NULL, 0,
                             &in->occt);
        if (s == GW_OK)
            s = gw_h5_table_read(data, o->shares ? o->shares : "/shares", NULL, 0, &in->sht);
        if (s != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("shift-share shocks need the occupation table and shares");
        }
    }
    if (s != GW_OK)
        return s;
    ptrdiff_t jt = gw_table_find(in->panel, tv);
    if (jt < 0 || gw_table_coltype(in->panel, (size_t)jt) != GW_COL_NUMERIC)
        return gwi_fail(GW_EINVAL, "a horizon needs the numeric time variable '%s'", tv);
    const double *t = gw_table_numeric(in->panel, (size_t)jt);
    double last = -INFINITY, years[SP_MAX_YEARS];
    for (size_t r = 0; r < gw_table_nrows(in->panel); r++)
        last = isfinite(t[r]) && t[r] > last ? t[r] : last;
    size_t ny = 0;
    for (double y = h->from; y <= h->to; y += 1.0)
        if (y > last)
            years[ny++] = y;
    if (ny == 0)
        return GW_OK; /* every year observed */
    s = gwi_scenario_baseline(in->panel, idv, tv, years, ny, h->trend_years, 1, &in->ext);
    if (s == GW_OK && in->sht != NULL)
        s = gwi_scenario_baseline(in->sht, idv, tv, years, ny, 0, 0, &in->shext);
    return s;
}

static void inputs_free(path_in *in)
{
    for (size_t m = 0; m < in->nfits; m++) {
        gw_result_free(in->fits[m]);
        gw_free(in->names[m]);
    }
    gw_free(in->fits);
    gw_free(in->names);
    gw_table_free(in->panel);
    gw_table_free(in->occt);
    gw_table_free(in->sht);
    gw_table_free(in->ext);
    gw_table_free(in->shext);
}

gw_status gw_scenario_path_file(const char *results, const char *data, const gw_scenario_def *defs,
                                size_t nscen, size_t reference, const gw_scenario_horizon *h,
                                const gw_scenario_run_opts *opts, gw_scenario_path **out)
{
    static const gw_scenario_run_opts no_opts;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_path_file: NULL out");
    *out = NULL;
    if (results == NULL || data == NULL || defs == NULL || h == NULL)
        return gwi_fail(GW_EINVAL, "gw_scenario_path_file: NULL argument");
    /* Every year runs through gw_scenario_table: `--by @NAME` reads the models' results file. */
    gw_scenario_run_opts oa = opts != NULL ? *opts : no_opts;
    if (oa.analyses == NULL)
        oa.analyses = results;
    const gw_scenario_run_opts *o = &oa;
    gw_status s = check_horizon(h);
    if (s == GW_OK) /* the names, before any file is read */
        s = gwi_scenario_check_defs(defs, nscen, reference);
    path_in in;
    gwi_joint_cache jc;
    memset(&in, 0, sizeof in);
    memset(&jc, 0, sizeof jc);
    in.jc = &jc;
    gw_scenario_path *p = gw_calloc(1, sizeof *p);
    gw_scenario_cache *cache = NULL; /* every year and scenario draws the same coefficients */
    if (s == GW_OK && p == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    if (s == GW_OK && oa.cache == NULL && (s = gw_scenario_cache_new(&cache)) == GW_OK)
        oa.cache = cache;
    if (s == GW_OK && (s = read_fits(results, o->models, &in)) == GW_OK)
        s = load_inputs(data, defs, nscen, h, o, &in);
    if (s == GW_OK && (p->spec = gw_calloc(nscen, sizeof *p->spec)) == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t q = 0; q < nscen && s == GW_OK; q++) {
        gw_strbuf b = {0};
        p->nscen = q + 1;
        for (size_t k = 0; k < defs[q].nshocks; k++)
            gw_strbuf_printf(&b, "%s%s", k ? "; " : "", defs[q].shocks[k]);
        s = gw_strbuf_finish(&b, &p->spec[q]);
    }
    if (s == GW_OK) {
        p->h = *h;
        p->ny = (size_t)(h->to - h->from) + 1;
        p->years = gw_alloc_array(p->ny, sizeof *p->years);
        p->cmp = gw_calloc(p->ny, sizeof *p->cmp);
        if (p->years == NULL || p->cmp == NULL)
            s = gwi_fail(GW_ENOMEM, "out of memory");
    }
    for (size_t k = 0; s == GW_OK && k < p->ny; k++) {
        p->years[k] = h->from + (double)k;
        s = gwi_scenario_comparison_new(defs, nscen, reference, &p->cmp[k]);
        gw_scenario_report **slot = s == GW_OK ? gwi_scenario_comparison_slots(p->cmp[k]) : NULL;
        for (size_t q = 0; q < nscen && s == GW_OK; q++)
            s = run_year_scenario(&in, &defs[q], h, p->years[k], o, &slot[q]);
        if (s == GW_OK)
            s = gwi_scenario_comparison_finish(p->cmp[k]);
    }
    inputs_free(&in);
    gw_scenario_cache_free(cache);
    gwi_joint_cache_clear(&jc);
    if (s != GW_OK) {
        gw_scenario_path_free(p);
        return gwi_fail_keep(s);
    }
    *out = p;
    return GW_OK;
}

size_t gw_scenario_path_nyears(const gw_scenario_path *p) { return p->ny; }

const gw_scenario_horizon *gwi_scenario_path_horizon(const gw_scenario_path *p) { return &p->h; }

const double *gwi_scenario_path_years(const gw_scenario_path *p) { return p->years; }

const char *gwi_scenario_path_spec(const gw_scenario_path *p, size_t s) { return p->spec[s]; }

double gw_scenario_path_year(const gw_scenario_path *p, size_t k) { return p->years[k]; }

const gw_scenario_comparison *gw_scenario_path_at(const gw_scenario_path *p, size_t k)
{
    return p->cmp[k];
}

void gw_scenario_path_free(gw_scenario_path *p)
{
    if (p == NULL)
        return;
    for (size_t k = 0; p->cmp != NULL && k < p->ny; k++)
        gw_scenario_comparison_free(p->cmp[k]);
    gw_free(p->cmp);
    gw_free(p->years);
    for (size_t q = 0; p->spec != NULL && q < p->nscen; q++)
        gw_free(p->spec[q]);
    gw_free(p->spec);
    gw_free(p);
}
