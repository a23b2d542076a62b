/* synergy_run.c -- gw_synergy_run_table, gw_synergy_run_file and gw_synergy_run_save
 * (gw_synergy_run.h): the columns of a synergy analysis read from a table or a file, and its
 * results-file layout. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_load.h"
#include "gw_synergy_run.h"
#include "gw_vars.h"

void gw_synergy_run_free(gw_synergy_run *r)
{
    if (r == NULL)
        return;
    gw_synergy_free(r->cor);
    gwi_strv_free(r->vars, r->nvars);
    gwi_strv_free(r->controls, r->ncontrols);
    gw_free(r->cluster);
    gw_free(r);
}

const char *gw_synergy_run_pooling(const gw_synergy_run *r)
{
    return r != NULL && r->raw ? "raw" : "demeaned_within_time";
}

/* The columns of n variable specs: names as given into *names, their columns into *base and
 * whether logs are taken into *take_log (all owned, n + 1 entries). GW_ENOMEM. */
typedef struct {
    char **names, **base;
    int *take_log;
    size_t n;
} var_list;

static void vars_free(var_list *v)
{
    gwi_strv_free(v->base, v->n);
    gw_free(v->take_log);
    v->base = NULL;
    v->take_log = NULL;
}

static gw_status vars_parse(const char *const *specs, size_t n, var_list *v)
{
    v->n = n;
    v->names = gw_calloc(n + 1, sizeof *v->names);
    v->base = gw_calloc(n + 1, sizeof *v->base);
    v->take_log = gw_calloc(n + 1, sizeof *v->take_log);
    if (v->names == NULL || v->base == NULL || v->take_log == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if ((v->names[i] = gw_strdup(specs[i])) == NULL ||
            gw_var_parse(specs[i], &v->base[i], &v->take_log[i]) != GW_OK)
            return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* The columns to read from a file: the variables', the controls', time and id (a borrowed
 * list, owned array). GW_ENOMEM. */
static gw_status file_columns(const var_list *v, const var_list *c, const gw_synergy_run_spec *sp,
                              const char *cluster, const char ***cols, size_t *nc)
{
    if ((*cols = gw_calloc(v->n + c->n + 3, sizeof **cols)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    *nc = 0;
    for (size_t j = 0; j < v->n; j++)
        (*cols)[(*nc)++] = v->base[j];
    for (size_t j = 0; j < c->n; j++)
        (*cols)[(*nc)++] = c->base[j];
    (*cols)[(*nc)++] = sp->time;
    if (sp->id)
        (*cols)[(*nc)++] = sp->id;
    if (cluster)
        (*cols)[(*nc)++] = cluster;
    return GW_OK;
}

/* Reads the columns of t (variables, controls, time, id: in that order, so that the first
 * unknown one is reported) and computes the matrices into r->cor. */
static gw_status compute(const gw_table *t, const var_list *v, const var_list *c,
                         const gw_synergy_run_spec *sp, const gw_synergy_run_opts *o,
                         gw_synergy_run *r)
{
    const size_t n = gw_table_nrows(t), p = v->n, k = c->n;
    double *X = gw_alloc_array(n * p + 1, sizeof *X);
    double *C = gw_alloc_array(n * k + 1, sizeof *C);
    double *id = gw_alloc_array(n + 1, sizeof *id);
    double *time = gw_alloc_array(n + 1, sizeof *time);
    double *cl = o->cluster ? gw_alloc_array(n + 1, sizeof *cl) : NULL;
    gw_status s = GW_OK;
    if (X == NULL || C == NULL || id == NULL || time == NULL || (o->cluster && cl == NULL))
        s = gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; s == GW_OK && j < p; j++)
        s = gw_var_column(t, v->base[j], v->take_log[j], X + j * n);
    for (size_t j = 0; s == GW_OK && j < k; j++)
        s = gw_var_column(t, c->base[j], c->take_log[j], C + j * n);
    if (s == GW_OK)
        s = gw_var_column(t, sp->time, 0, time);
    if (s == GW_OK && sp->id)
        s = gw_var_column(t, sp->id, 0, id);
    if (s == GW_OK && o->cluster)
        s = gw_var_column(t, o->cluster, 0, cl);
    if (s == GW_OK) {
        gw_synergy_opts so = {0};
        so.breaks = o->breaks;
        so.nbreaks = o->nbreaks;
        so.demean_time = o->raw ? -1 : 1;
        so.conf_level = o->conf_level;
        so.cluster = cl;
        s = gw_synergy_compute(n, p, X, k, k ? C : NULL, sp->id ? id : NULL, time, &so, &r->cor);
        if (s != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("synergy");
        }
    }
    gw_free(X);
    gw_free(C);
    gw_free(id);
    gw_free(time);
    gw_free(cl);
    return s;
}

/* What both entry points share: the spec, then data (t, or read from path). */
static gw_status run(const gw_table *t, const char *path, const gw_synergy_run_spec *sp,
                     const gw_synergy_run_opts *o, gw_synergy_run **out)
{
    static const gw_synergy_run_opts none;
    var_list v = {0}, c = {0};
    gw_table *own = NULL;
    const char **cols = NULL;
    size_t nc = 0;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_synergy_run: out is NULL");
    *out = NULL;
    if (sp == NULL || sp->vars == NULL || sp->time == NULL ||
        (sp->ncontrols > 0 && sp->controls == NULL))
        return gwi_fail(GW_EINVAL, "gw_synergy_run: no spec, variables or time variable");
    if (sp->nvars < 2)
        return gwi_fail(GW_EINVAL, "--vars needs at least 2 variables");
    if (o == NULL)
        o = &none;
    gw_synergy_run *r = gw_calloc(1, sizeof *r);
    if (r == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    r->raw = o->raw != 0;
    gw_status s = vars_parse(sp->vars, sp->nvars, &v);
    if (s == GW_OK && o->cluster != NULL && (r->cluster = gw_strdup(o->cluster)) == NULL)
        s = gwi_fail(GW_ENOMEM, "out of memory");
    r->vars = v.names;
    r->nvars = v.n;
    if (s == GW_OK)
        s = vars_parse(sp->controls, sp->ncontrols, &c);
    r->controls = c.names;
    r->ncontrols = c.n;
    if (s == GW_OK && path != NULL && (s = file_columns(&v, &c, sp, o->cluster, &cols, &nc)) == GW_OK) {
        gw_load_opts lo = {cols, nc, o->group, o->delim};
        s = gw_data_load(path, &lo, &own);
        t = own;
    }
    if (s == GW_OK)
        s = compute(t, &v, &c, sp, o, r);
    gw_table_free(own);
    gw_free(cols);
    vars_free(&v);
    vars_free(&c);
    if (s != GW_OK) {
        gw_synergy_run_free(r);
        return s;
    }
    *out = r;
    return GW_OK;
}

gw_status gw_synergy_run_table(const gw_table *t, const gw_synergy_run_spec *spec,
                               const gw_synergy_run_opts *opts, gw_synergy_run **out)
{
    if (t == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_synergy_run_table: the table is NULL");
    }
    return run(t, NULL, spec, opts, out);
}

gw_status gw_synergy_run_file(const char *path, const gw_synergy_run_spec *spec,
                              const gw_synergy_run_opts *opts, gw_synergy_run **out)
{
    if (path == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_synergy_run_file: the path is NULL");
    }
    return run(NULL, path, spec, opts, out);
}

/* Room for one dataset name: "changes/" + a label of at most 47 characters + "/ci_high". */
#define NAME_LEN 96

/* The datasets of every matrix (5 per matrix: r, ci_low, ci_high, p_value, n) appended to
 * items from *ni on; names: room for NAME_LEN bytes per item, nn: one n per matrix. */
static void matrix_items(const gw_synergy *s, gw_h5_item *items, size_t *ni, char *names,
                         double *nn)
{
    const size_t p = s->p;
    const struct {
        const char *dir;
        const gw_cormat *m;
        size_t cnt;
    } sets[] = {{"all", &s->all, 1},
                {"by_year", s->by_time, s->ntime},
                {"by_period", s->by_period, s->nperiod},
                {"partial", s->partial, s->partial ? s->nperiod : 0},
                {"changes", s->changes, s->changes ? s->nperiod : 0}};
    static const char *const sn[4] = {"r", "ci_low", "ci_high", "p_value"};
    size_t mi = 0;
    for (size_t q = 0; q < sizeof sets / sizeof sets[0]; q++)
        for (size_t i = 0; i < sets[q].cnt; i++) {
            const gw_cormat *c = &sets[q].m[i];
            const double *stat[4] = {c->r, c->ci_low, c->ci_high, c->p_value};
            for (int z = 0; z < 4; z++) {
                char *nm = names + *ni * NAME_LEN;
                if (q == 0)
                    snprintf(nm, NAME_LEN, "all/%s", sn[z]);
                else
                    snprintf(nm, NAME_LEN, "%s/%s/%s", sets[q].dir, c->label, sn[z]);
                items[(*ni)++] = (gw_h5_item){nm, GW_H5_F64, p, p, stat[z], NULL, NULL};
            }
            char *nm = names + *ni * NAME_LEN;
            nn[mi] = (double)c->n;
            if (q == 0)
                snprintf(nm, NAME_LEN, "all/n");
            else
                snprintf(nm, NAME_LEN, "%s/%s/n", sets[q].dir, c->label);
            items[(*ni)++] = (gw_h5_item){nm, GW_H5_F64, 1, 0, &nn[mi++], NULL, NULL};
        }
}

gw_status gw_synergy_run_save(const gw_synergy_run *r, const char *path, const char *name,
                              const gw_provenance *prov)
{
    if (r == NULL || r->cor == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_synergy_run_save: NULL result or path");
    const gw_synergy *s = r->cor;
    const size_t p = r->nvars, k = r->ncontrols;
    size_t nm = 1 + s->ntime +
                s->nperiod * (1 + (size_t)(s->partial != NULL) + (size_t)(s->changes != NULL));
    gw_h5_item *items = gw_calloc(nm * 5 + 2, sizeof *items);
    char *names = gw_malloc((nm * 5 + 2) * NAME_LEN);
    const char **vn = gw_calloc(p + k + 1, sizeof *vn);
    double *nn = gw_calloc(nm, sizeof *nn);
    gw_status st;
    if (items == NULL || names == NULL || vn == NULL || nn == NULL) {
        st = gwi_fail(GW_ENOMEM, "out of memory");
    } else {
        size_t ni = 0;
        for (size_t j = 0; j < p; j++)
            vn[j] = r->vars[j];
        for (size_t j = 0; j < k; j++)
            vn[p + j] = r->controls[j];
        items[ni++] = (gw_h5_item){"variables", GW_H5_STR, p, 0, NULL, NULL, vn};
        items[ni++] = (gw_h5_item){"controls", GW_H5_STR, k, 0, NULL, NULL, vn + p};
        matrix_items(s, items, &ni, names, nn);
        char group[300];
        snprintf(group, sizeof group, "/analyses/%s", name ? name : "synergy");
        gw_h5_attr at[5] = {
            {"analysis", GW_H5_STR, 0, 0, "synergy"},
            {"conf_level", GW_H5_F64, s->conf_level, 0, NULL},
            {"pooling", GW_H5_STR, 0, 0, gw_synergy_run_pooling(r)},
            {"sign_switches", GW_H5_I64, 0, (int64_t)s->nswitches, NULL},
            {"cluster", GW_H5_STR, 0, 0, r->cluster},
        };
        const size_t na = r->cluster != NULL ? 5 : 4;
        st = gw_results_append_group(path, group, items, ni, at, na, prov, GW_RESULTS_REPLACE);
    }
    gw_free(items);
    gw_free(names);
    gw_free(vn);
    gw_free(nn);
    return st;
}
