/* mediate_run.c -- gw_mediate_run_table, gw_mediate_run_file and gw_mediate_run_save
 * (gw_mediate_run.h): from variables in their roles to the engine's column spec, and the
 * results-file layout of a mediation.
 *
 * The roles become one formula, so that the model frame does what it does for `goodwork fit`
 * (transforms, factor dummies, missing rows, absorbed fixed effects); the engine then needs
 * only which columns of that one design are the treatment and the mediators, and which
 * controls each equation leaves out. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "analysis_int.h"
#include "core_int.h"
#include "gw_alloc.h"
#include "gw_formula.h"
#include "gw_frame.h"
#include "gw_load.h"
#include "gw_mediate_run.h"
#include "gw_strbuf.h"

/* Copy of s without white space (term names are written without it). Owned; NULL: no memory. */
static char *squeeze(const char *s)
{
    char *t = gw_malloc(strlen(s) + 1);
    size_t n = 0;
    if (t == NULL)
        return NULL;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            t[n++] = *s;
    t[n] = '\0';
    return t;
}

/* Owned copies of s[0..n-1], white space removed when squeezed; NULL: no memory. */
static char **strv_copy(const char *const *s, size_t n, int squeezed)
{
    char **v = gw_calloc(n + 1, sizeof *v);
    for (size_t i = 0; v != NULL && i < n; i++)
        if ((v[i] = squeezed ? squeeze(s[i]) : gw_strdup(s[i])) == NULL) {
            gwi_strv_free(v, n);
            return NULL;
        }
    return v;
}

/* s[0..n-1] joined by sep: the list as the command line's flag gave it. Owned. */
static char *join_sep(const char *const *s, size_t n, const char *sep)
{
    gw_strbuf b = {0};
    char *out = NULL;
    for (size_t i = 0; i < n; i++)
        gw_strbuf_printf(&b, "%s%s", i ? sep : "", s[i]);
    return gw_strbuf_finish(&b, &out) == GW_OK ? out : NULL;
}

static char *join(const char *const *s, size_t n) { return join_sep(s, n, ","); }

void gw_mediate_run_free(gw_mediate_run *r)
{
    if (r == NULL)
        return;
    gw_mediate_free(r->fit);
    gw_free(r->formula);
    gw_free(r->treatment);
    gw_free(r->outcome);
    gwi_strv_free(r->mediators, r->nmediators);
    gwi_strv_free(r->controls, r->ncontrols);
    gwi_strv_free(r->mediator_controls, r->nmediator_controls);
    gwi_strv_free(r->fe, r->nfe);
    gw_free(r->cluster);
    gw_free(r->mediator_list);
    gw_free(r->mediator_control_list);
    gw_free(r->control_list);
    gw_free(r->fe_list);
    gw_free(r);
}

/* The names of every role into r (terms squeezed, fixed effects as given). GW_ENOMEM. */
static gw_status take_names(const gw_mediate_run_spec *sp, gw_mediate_run *r)
{
    const char *cluster = sp->cluster ? sp->cluster : (sp->nfe > 0 ? sp->fe[0] : NULL);
    r->nmediators = sp->nmediators;
    r->ncontrols = sp->ncontrols;
    r->separate_mediator_controls = sp->separate_mediator_controls != 0;
    r->nmediator_controls = r->separate_mediator_controls ? sp->nmediator_controls : 0;
    r->nfe = sp->nfe;
    r->treatment = squeeze(sp->treatment);
    r->outcome = squeeze(sp->outcome);
    r->mediators = strv_copy(sp->mediators, r->nmediators, 1);
    r->controls = strv_copy(sp->controls, r->ncontrols, 1);
    r->mediator_controls = strv_copy(sp->mediator_controls, r->nmediator_controls, 1);
    r->fe = strv_copy(sp->fe, r->nfe, 0);
    r->mediator_list = join(sp->mediators, sp->nmediators);
    if (r->separate_mediator_controls)
        r->mediator_control_list = join(sp->mediator_controls, r->nmediator_controls);
    r->control_list = join(sp->controls, sp->ncontrols);
    r->fe_list = sp->fe_text ? gw_strdup(sp->fe_text) : join_sep(sp->fe, sp->nfe, "+");
    if (cluster != NULL)
        r->cluster = gw_strdup(cluster);
    if (!r->treatment || !r->outcome || !r->mediators || !r->controls || !r->mediator_controls ||
        !r->fe || !r->mediator_list || !r->control_list || !r->fe_list ||
        (r->separate_mediator_controls && !r->mediator_control_list) ||
        (cluster != NULL && !r->cluster))
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* Every role distinct, and mediator controls that are controls (GW_EINVAL). */
static gw_status check_roles(const gw_mediate_run *r)
{
    const size_t nall = 2 + r->nmediators + r->ncontrols;
    const char **all = gw_calloc(nall, sizeof *all);
    if (all == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    size_t m = 0;
    all[m++] = r->outcome;
    all[m++] = r->treatment;
    for (size_t i = 0; i < r->nmediators; i++)
        all[m++] = r->mediators[i];
    for (size_t i = 0; i < r->ncontrols; i++)
        all[m++] = r->controls[i];
    const char *dup = NULL;
    for (size_t i = 0; i < m && !dup; i++)
        for (size_t j = 0; j < i && !dup; j++)
            if (strcmp(all[i], all[j]) == 0)
                dup = all[i];
    gw_free(all);
    if (dup != NULL)
        return gwi_fail(GW_EINVAL,
                        "'%s' has two roles (outcome, treatment, mediators and controls must be "
                        "distinct)",
                        dup);
    for (size_t i = 0; i < r->nmediator_controls; i++) {
        const char *mc = r->mediator_controls[i];
        int bad = strcmp(mc, r->treatment) == 0 || strcmp(mc, r->outcome) == 0;
        for (size_t j = 0; j < r->nmediators; j++)
            bad |= strcmp(mc, r->mediators[j]) == 0;
        if (bad)
            return gwi_fail(GW_EINVAL, "--mediator-controls: '%s' is not a control", mc);
    }
    return GW_OK;
}

/* The formula: outcome ~ T + mediators + controls (+ mediator-only controls) | FE, into
 * r->formula. GW_ENOMEM. */
static gw_status write_formula(gw_mediate_run *r)
{
    gw_strbuf b = {0};
    gw_strbuf_printf(&b, "%s ~ %s", r->outcome, r->treatment);
    for (size_t i = 0; i < r->nmediators; i++)
        gw_strbuf_printf(&b, " + %s", r->mediators[i]);
    for (size_t i = 0; i < r->ncontrols; i++)
        gw_strbuf_printf(&b, " + %s", r->controls[i]);
    for (size_t i = 0; i < r->nmediator_controls; i++) {
        int seen = 0;
        for (size_t j = 0; j < r->ncontrols; j++)
            seen |= strcmp(r->mediator_controls[i], r->controls[j]) == 0;
        if (!seen)
            gw_strbuf_printf(&b, " + %s", r->mediator_controls[i]);
    }
    for (size_t i = 0; i < r->nfe; i++)
        gw_strbuf_printf(&b, "%s%s", i ? " + " : " | ", r->fe[i]);
    if (gw_strbuf_finish(&b, &r->formula) != GW_OK)
        return gwi_fail(GW_ENOMEM, "out of memory");
    return GW_OK;
}

/* Adds name to a list of distinct column names (borrowed strings); 0 on allocation failure. */
static int add_name(const char ***names, size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*names)[i], name) == 0)
            return 1;
    const char **p = gw_realloc(*names, (*n + 1) * sizeof *p);
    if (p == NULL)
        return 0;
    p[(*n)++] = name;
    *names = p;
    return 1;
}

/* The columns the analysis reads: the formula's variables and the cluster variable. *names:
 * owned array of borrowed strings. GW_ENOMEM. */
static gw_status columns(const gw_formula *f, const char *cluster, const char ***names, size_t *n)
{
    int ok = add_name(names, n, gw_formula_response(f)->var);
    for (size_t t = 0; ok && t < gw_formula_nterms(f); t++) {
        const gw_formula_term *term = gw_formula_term_at(f, t);
        for (size_t q = 0; ok && q < term->nfactors; q++)
            ok = add_name(names, n, term->factors[q].var);
    }
    for (size_t g = 0; ok && g < gw_formula_nfe(f); g++)
        ok = add_name(names, n, gw_formula_fe(f, g));
    if (ok && cluster != NULL)
        ok = add_name(names, n, cluster);
    return ok ? GW_OK : gwi_fail(GW_ENOMEM, "out of memory");
}

/* Index of the column named term, or -1 (-2 when the term expands to several columns). */
static long find_column(const gw_design *d, const char *term)
{
    long hit = -1;
    size_t tl = strlen(term);
    for (size_t j = 0; j < d->p; j++) {
        if (strcmp(d->terms[j], term) == 0)
            return (long)j;
        if (strncmp(d->terms[j], term, tl) == 0 && d->terms[j][tl] == '=')
            hit = -2;
    }
    return hit;
}

/* 1 when column name col belongs to the control term `term` (itself or "term=LEVEL"). */
static int column_of(const char *col, const char *term)
{
    size_t tl = strlen(term);
    return strcmp(col, term) == 0 || (strncmp(col, term, tl) == 0 && col[tl] == '=');
}

/* The engine's column spec (what it points to is in *mcol, *skip_m, *skip_o, owned by the
 * caller): the treatment's and mediators' columns, and with separate mediator controls which
 * controls each equation leaves out. GW_EINVAL (not a single numeric column), GW_ENOMEM. */
static gw_status column_spec(const gw_mediate_run *r, const gw_design *d, gw_mediate_spec *spec,
                             size_t **mcol, unsigned char **skip_m, unsigned char **skip_o)
{
    long tc = find_column(d, r->treatment);
    if (tc < 0)
        return gwi_fail(GW_EINVAL, "the treatment '%s' must be a single numeric column%s",
                        r->treatment, tc == -2 ? " (it is categorical)" : "");
    if ((*mcol = gw_alloc_array(r->nmediators + 1, sizeof **mcol)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->nmediators; i++) {
        long mc = find_column(d, r->mediators[i]);
        if (mc < 0)
            return gwi_fail(GW_EINVAL, "the mediator '%s' must be a single numeric column%s",
                            r->mediators[i], mc == -2 ? " (it is categorical)" : "");
        (*mcol)[i] = (size_t)mc;
    }
    spec->treatment = (size_t)tc;
    spec->mediators = *mcol;
    spec->nmediators = r->nmediators;
    if (!r->separate_mediator_controls)
        return GW_OK;
    *skip_m = gw_calloc(d->p + 1, 1);
    *skip_o = gw_calloc(d->p + 1, 1);
    if (*skip_m == NULL || *skip_o == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t j = 0; j < d->p; j++) {
        if ((long)j == tc || strcmp(d->terms[j], "(Intercept)") == 0)
            continue;
        int is_med = 0, in_c = 0, in_mc = 0;
        for (size_t i = 0; i < r->nmediators; i++)
            is_med |= (*mcol)[i] == j;
        if (is_med)
            continue;
        for (size_t i = 0; i < r->ncontrols; i++)
            in_c |= column_of(d->terms[j], r->controls[i]);
        for (size_t i = 0; i < r->nmediator_controls; i++)
            in_mc |= column_of(d->terms[j], r->mediator_controls[i]);
        (*skip_m)[j] = (unsigned char)!in_mc;
        (*skip_o)[j] = (unsigned char)!in_c;
    }
    spec->skip_mediator = *skip_m;
    spec->skip_outcome = *skip_o;
    return GW_OK;
}

/* The engine's options from the run's. */
static gw_mediate_opts engine_opts(const gw_mediate_run_opts *o)
{
    gw_mediate_opts mo = {0};
    mo.boot = o->boot;
    mo.seed = o->seed_set ? o->seed : GW_MEDIATE_RUN_DEFAULT_SEED;
    mo.ci = o->ci;
    mo.conf_level = o->conf_level;
    mo.flags = o->flags & (GW_MED_KEEP_SINGLETONS | GW_MED_KEEP_REPLICATES);
    /* Delta-method intervals need no bootstrap: one runs only when asked for by its size. */
    if (o->ci == GW_MED_CI_DELTA && o->boot == 0)
        mo.flags |= GW_MED_NO_BOOT;
    mo.progress = o->progress;
    mo.progress_ctx = o->progress_ctx;
    return mo;
}

/* Frame, columns and fit on the loaded table t; fills r->fit. */
static gw_status fit_table(const gw_table *t, const gw_formula *f, const gw_mediate_run_opts *o,
                           gw_mediate_run *r)
{
    gw_design *d = NULL;
    size_t *mcol = NULL;
    unsigned char *skip_m = NULL, *skip_o = NULL;
    gw_mediate_spec spec = {0};
    gw_frame_opts fo = {0};
    fo.cluster[0] = r->cluster;
    gw_status s = gw_frame_build(t, f, &fo, &d);
    if (s == GW_OK)
        s = column_spec(r, d, &spec, &mcol, &skip_m, &skip_o);
    if (s == GW_OK) {
        gw_mediate_opts mo = engine_opts(o);
        r->nobs_dropped_missing = d->nobs_dropped_missing;
        if ((s = gw_mediate_fit(d, &spec, &mo, &r->fit)) != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("mediation");
        }
    }
    gw_free(skip_m);
    gw_free(skip_o);
    gw_free(mcol);
    gw_design_free(d);
    return s;
}

/* What both entry points share: names, checks, formula, then data (t, or read from path). */
static gw_status run(const gw_table *t, const char *path, const gw_mediate_run_spec *sp,
                     const gw_mediate_run_opts *o, gw_mediate_run **out)
{
    static const gw_mediate_run_opts none;
    gw_mediate_run *r = NULL;
    gw_formula *f = NULL;
    gw_table *own = NULL;
    const char **cols = NULL;
    size_t ncols = 0;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_mediate_run: out is NULL");
    *out = NULL;
    if (sp == NULL || sp->outcome == NULL || sp->treatment == NULL || sp->nmediators == 0 ||
        sp->mediators == NULL || (sp->ncontrols > 0 && sp->controls == NULL) ||
        (sp->nmediator_controls > 0 && sp->mediator_controls == NULL) ||
        (sp->nfe > 0 && sp->fe == NULL))
        return gwi_fail(GW_EINVAL, "gw_mediate_run: no spec, outcome, treatment or mediator");
    if (o == NULL)
        o = &none;
    if ((r = gw_calloc(1, sizeof *r)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    gw_status s = take_names(sp, r);
    if (s == GW_OK && (s = check_roles(r)) == GW_OK && (s = write_formula(r)) == GW_OK &&
        (s = gw_formula_parse(r->formula, &f)) != GW_OK)
        gwi_prefix_error("bad variable specification");
    if (s == GW_OK && path != NULL && (s = columns(f, r->cluster, &cols, &ncols)) == GW_OK) {
        gw_load_opts lo = {cols, ncols, o->group, o->delim};
        s = gw_data_load(path, &lo, &own);
        t = own;
    }
    if (s == GW_OK)
        s = fit_table(t, f, o, r);
    gw_table_free(own);
    gw_free(cols);
    gw_formula_free(f);
    if (s != GW_OK) {
        gw_mediate_run_free(r);
        return s;
    }
    *out = r;
    return GW_OK;
}

gw_status gw_mediate_run_table(const gw_table *t, const gw_mediate_run_spec *spec,
                               const gw_mediate_run_opts *opts, gw_mediate_run **out)
{
    if (t == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_mediate_run_table: the table is NULL");
    }
    return run(t, NULL, spec, opts, out);
}

gw_status gw_mediate_run_file(const char *path, const gw_mediate_run_spec *spec,
                              const gw_mediate_run_opts *opts, gw_mediate_run **out)
{
    if (path == NULL) {
        if (out != NULL)
            *out = NULL;
        return gwi_fail(GW_EINVAL, "gw_mediate_run_file: the path is NULL");
    }
    return run(NULL, path, spec, opts, out);
}

const char *gw_mediate_run_ci_name(gw_mediate_ci ci)
{
    return ci == GW_MED_CI_BCA ? "bca" : ci == GW_MED_CI_DELTA ? "delta" : "percentile";
}

/* The columns of the effect table, in the order of the results file. */
#define NSTAT 11
static const char *const stat_names[NSTAT] = {"estimate", "ci_low",    "ci_high",   "se_delta",
                                              "boot_se",  "pct_low",   "pct_high",  "bca_low",
                                              "bca_high", "delta_low", "delta_high"};

/* The effect table: tab (NSTAT x ne, column-major by statistic) and the effects' names
 * (names[e] borrowed or, for "indirect:M", owned by own[e]). 0 on allocation failure. */
static int effect_table(const gw_mediate_run *r, double *tab, const char **names, char **own)
{
    static const char *const fixed[] = {"indirect", "direct", "total", "proportion_mediated"};
    const gw_mediate_result *res = r->fit;
    const size_t ne = res->neffects;
    for (size_t e = 0; e < ne; e++) {
        const gw_mediate_effect *ef = gw_mediate_effect_at(res, e);
        if (e < GW_MED_NFIXED) {
            names[e] = fixed[e];
        } else {
            const char *m = r->mediators[e - GW_MED_NFIXED];
            size_t len = strlen(m) + 10;
            if ((own[e] = gw_malloc(len)) == NULL)
                return 0;
            snprintf(own[e], len, "indirect:%s", m);
            names[e] = own[e];
        }
        const double v[NSTAT] = {ef->estimate, ef->ci_low,    ef->ci_high,   ef->se_delta,
                                 ef->boot_se,  ef->pct_low,   ef->pct_high,  ef->bca_low,
                                 ef->bca_high, ef->delta_low, ef->delta_high};
        for (size_t q = 0; q < NSTAT; q++)
            tab[q * ne + e] = v[q];
    }
    return 1;
}

/* The group's attributes (at: room for 12); returns how many. */
static size_t group_attrs(const gw_mediate_run *r, gw_h5_attr *at)
{
    const gw_mediate_result *res = r->fit;
    const struct {
        const char *name;
        const char *str;
    } strs[] = {{"formula", r->formula},
                {"treatment", r->treatment},
                {"outcome", r->outcome},
                {"mediators", r->mediator_list},
                {"cluster", r->cluster ? r->cluster : "(observations)"},
                {"method", gw_mediate_run_ci_name(res->ci)}};
    const struct {
        const char *name;
        size_t v;
    } counts[] = {{"boot", res->boot},
                  {"boot_failed", res->boot_failed},
                  {"nobs", res->nobs},
                  {"n_clusters", res->nclusters}};
    size_t na = 0;
    memset(at, 0, 12 * sizeof *at);
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        at[na++] = (gw_h5_attr){.name = strs[i].name, .kind = GW_H5_STR, .str = strs[i].str};
    at[na++] = (gw_h5_attr){.name = "conf_level", .kind = GW_H5_F64, .f64 = res->conf_level};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        at[na++] =
            (gw_h5_attr){.name = counts[i].name, .kind = GW_H5_I64, .i64 = (int64_t)counts[i].v};
    if (r->separate_mediator_controls)
        at[na++] = (gw_h5_attr){
            .name = "mediator_controls", .kind = GW_H5_STR, .str = r->mediator_control_list};
    return na;
}

gw_status gw_mediate_run_save(const gw_mediate_run *r, const char *path, const char *name,
                              const gw_provenance *prov)
{
    if (r == NULL || r->fit == NULL || path == NULL)
        return gwi_fail(GW_EINVAL, "gw_mediate_run_save: NULL result or path");
    const gw_mediate_result *res = r->fit;
    const size_t ne = res->neffects;
    char group[300];
    snprintf(group, sizeof group, "/analyses/%s", name ? name : "mediate");
    double *tab = gw_alloc_array(ne * NSTAT + 1, sizeof *tab);
    const char **names = gw_calloc(ne, sizeof *names);
    char **own = gw_calloc(ne, sizeof *own);
    gw_status s = GW_OK;
    if (!tab || !names || !own || !effect_table(r, tab, names, own)) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
    } else {
        gw_h5_item items[NSTAT + 2];
        gw_h5_attr at[12];
        size_t ni = 0;
        memset(items, 0, sizeof items);
        items[ni++] = (gw_h5_item){.name = "effect", .kind = GW_H5_STR, .rows = ne, .str = names};
        for (size_t q = 0; q < NSTAT; q++)
            items[ni++] = (gw_h5_item){
                .name = stat_names[q], .kind = GW_H5_F64, .rows = ne, .f64 = tab + q * ne};
        if (res->replicates != NULL && res->boot > 0)
            items[ni++] = (gw_h5_item){.name = "replicates",
                                       .kind = GW_H5_F64,
                                       .rows = res->boot,
                                       .cols = ne,
                                       .f64 = res->replicates};
        size_t na = group_attrs(r, at);
        s = gw_results_append_group(path, group, items, ni, at, na, prov, GW_RESULTS_REPLACE);
    }
    for (size_t e = 0; own != NULL && e < ne; e++)
        gw_free(own[e]);
    gw_free(own);
    gw_free(names);
    gw_free(tab);
    return s;
}
