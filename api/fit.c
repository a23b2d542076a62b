/* fit.c -- gw_fit_table and gw_fit_file (gw_fit.h): options, the columns a model reads, and the
 * dispatch from a model frame to the estimators.
 *
 * Order of work, so that every failure is reported before anything is computed: options
 * (gw_fit_prepare: usage errors before touching a file), formula (syntax errors before reading
 * data), data, model frame (unknown variables, bad values, nothing left), estimation. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "fit_int.h"
#include "gw_alloc.h"
#include "gw_expr.h"
#include "gw_fit.h"
#include "gw_fixef.h"
#include "gw_formula.h"
#include "gw_hdfe.h"
#include "gw_iv.h"
#include "gw_load.h"

int gwi_fit_is_glm(const char *e)
{
    return e != NULL && (!strcmp(e, "logit") || !strcmp(e, "probit") || !strcmp(e, "poisson"));
}

/* 1 when text starts with prefix (lower case) in any case. */
static int prefix_nocase(const char *text, const char *prefix)
{
    for (; *prefix != '\0'; text++, prefix++)
        if (*text == '\0' || (*text >= 'A' && *text <= 'Z' ? *text - 'A' + 'a' : *text) != *prefix)
            return 0;
    return 1;
}

gw_status gw_fit_vcov_canonical(const char *text, char **out)
{
    static const char *const names[] = {"iid", "hc0", "hc1", "hc2", "hc3", "robust", "hetero"};
    static const char *const prefixes[] = {"cluster:", "dk:", "nw:"};
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_vcov_canonical: out is NULL");
    *out = NULL;
    if (text == NULL)
        return GW_OK;
    const size_t len = strlen(text);
    char *c = gw_malloc(len + 1);
    if (c == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    memcpy(c, text, len + 1);
    *out = c;
    /* Only the kind is case-insensitive: a cluster variable keeps its name as written. */
    size_t kind_len = len;
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++)
        if (prefix_nocase(text, prefixes[k])) {
            kind_len = strlen(prefixes[k]);
            break;
        }
    for (size_t i = 0; i < kind_len; i++)
        c[i] = (char)((c[i] >= 'A' && c[i] <= 'Z') ? c[i] - 'A' + 'a' : c[i]);
    for (size_t k = 0; kind_len == len && k < sizeof names / sizeof names[0]; k++)
        if (strcmp(c, names[k]) == 0) {
            if (k >= 5) /* Stata's "robust" and fixest's "hetero" are HC1 */
                memcpy(c, "hc1", 4);
            return GW_OK;
        }
    if (kind_len == len) /* not a known name: as written, for the message that names it */
        memcpy(c, text, len + 1);
    return GW_OK;
}

/* The variance kind and cluster names of a --vcov text (dk:/nw: leave the kind iid: the panel
 * path reads the text). */
static gw_status parse_vcov(const char *text, gw_fit_prep *p)
{
    static const char expected[] =
        "(expected iid, hc0, hc1, hc2, hc3, cluster:VAR, cluster:VAR1+VAR2, dk:LAGS or nw:LAGS)";
    static const struct {
        const char *name;
        gw_vcov_kind kind;
    } simple[] = {{"iid", GW_VCOV_IID},
                  {"hc0", GW_VCOV_HC0},
                  {"hc1", GW_VCOV_HC1},
                  {"hc2", GW_VCOV_HC2},
                  {"hc3", GW_VCOV_HC3}};
    for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++)
        if (strcmp(text, simple[k].name) == 0) {
            p->ols.vcov = simple[k].kind;
            return GW_OK;
        }
    if (strncmp(text, "cluster:", 8) == 0) {
        size_t nc = 0;
        for (const char *q = text + 8;;) {
            const char *plus = strchr(q, '+');
            size_t len = plus ? (size_t)(plus - q) : strlen(q);
            if (len == 0 || nc == GW_FRAME_MAX_CLUSTER)
                return gwi_fail(GW_EINVAL, "bad --vcov '%s': %s %s", text,
                                len == 0 ? "empty cluster variable name"
                                         : "at most two cluster variables",
                                expected);
            if ((p->cluster[nc] = gw_malloc(len + 1)) == NULL)
                return gwi_fail(GW_ENOMEM, "out of memory");
            memcpy(p->cluster[nc], q, len);
            p->cluster[nc++][len] = '\0';
            if (plus == NULL)
                break;
            q = plus + 1;
        }
        if (nc == 2 && strcmp(p->cluster[0], p->cluster[1]) == 0)
            return gwi_fail(GW_EINVAL, "bad --vcov '%s': the same cluster variable twice", text);
        p->ols.vcov = GW_VCOV_CLUSTER;
        return GW_OK;
    }
    if (gwi_fit_is_hac(text)) {
        size_t lags;
        if (!gwi_fit_parse_lags(text + 3, &lags))
            return gwi_fail(GW_EINVAL, "bad --vcov '%s': LAGS must be a non-negative integer",
                            text);
        return GW_OK;
    }
    return gwi_fail(GW_EINVAL, "bad --vcov '%s' %s", text, expected);
}

/* The checks of single options and of options against each other. */
static gw_status check_opts(const gw_fit_opts *o)
{
    const char *e = o->estimator;
    int glm = gwi_fit_is_glm(e);
    if (e != NULL && strcmp(e, "ols") != 0 && !glm && !gwi_fit_panel_requested(e, NULL))
        return gwi_fail(GW_EINVAL,
                        "unknown --estimator '%s' (expected ols, re, fd, between, logit, probit "
                        "or poisson)",
                        e);
    if (!glm && ((o->flags & GW_FIT_AME) || o->maxiter != 0 || o->tol != 0.0))
        return gwi_fail(GW_EINVAL, "%s applies only to --estimator logit, probit or poisson",
                        (o->flags & GW_FIT_AME) ? "--ame"
                        : o->maxiter != 0       ? "--maxiter"
                                                : "--tol");
    if (o->fe_tol != 0.0 && !(o->fe_tol > 0.0 && o->fe_tol < 1.0))
        return gwi_fail(GW_EINVAL, "bad --fe-tol %g (expected a number between 0 and 1)",
                        o->fe_tol);
    if (o->tol != 0.0 && !(o->tol > 0.0 && o->tol < 1.0))
        return gwi_fail(GW_EINVAL, "bad --tol %g (expected a number between 0 and 1)", o->tol);
    if (o->maxiter > GW_FIT_MAXITER_CAP)
        return gwi_fail(GW_EINVAL, "bad --maxiter %zu (expected an integer from 1 to %lu)",
                        o->maxiter, GW_FIT_MAXITER_CAP);
    if (o->weights != NULL && o->weights[0] == '\0')
        return gwi_fail(GW_EINVAL, "empty --weights variable name");
    if ((o->panel_id == NULL) != (o->panel_time == NULL) ||
        (o->panel_id != NULL && (o->panel_id[0] == '\0' || o->panel_time[0] == '\0')))
        return gwi_fail(GW_EINVAL, "a panel needs both an identifier and a time variable");
    if (!(o->memory_limit >= 0.0))
        return gwi_fail(GW_EINVAL, "bad --memory-limit %g (expected a number of bytes, 0: none)",
                        o->memory_limit);
    if (o->level != 0.0 && !(o->level > 0.0 && o->level < 1.0))
        return gwi_fail(GW_EINVAL, "bad --level %g (expected a number between 0 and 1)", o->level);
    if ((unsigned)o->ssc > (unsigned)GW_SSC_STATSMODELS)
        return gwi_fail(GW_EINVAL, "unknown small-sample profile %d", (int)o->ssc);
    return GW_OK;
}

/* The GLM options of p from o (o checked). */
static void glm_opts(const gw_fit_opts *o, gw_fit_prep *p)
{
    gw_glm_opts *g = &p->glm;
    g->kind = !strcmp(o->estimator, "logit")    ? GW_GLM_LOGIT
              : !strcmp(o->estimator, "probit") ? GW_GLM_PROBIT
                                                : GW_GLM_POISSON;
    g->maxiter = o->maxiter;
    g->tol = o->tol;
    g->vcov = p->ols.vcov;
    g->ssc = p->ols.ssc;
    g->fe_tol = p->ols.fe_tol;
    g->fe_maxiter = p->ols.fe_maxiter;
    if (o->flags & GW_FIT_KEEP_SINGLETONS)
        g->flags |= GW_GLM_KEEP_SINGLETONS;
    if (o->flags & GW_FIT_KEEP_RESIDUALS)
        g->flags |= GW_GLM_KEEP_RESIDUALS | GW_GLM_KEEP_FITTED;
    if (o->flags & GW_FIT_AME)
        g->flags |= GW_GLM_AME;
}

gw_status gw_fit_prepare(const gw_fit_opts *opts, gw_fit_prep *p)
{
    static const gw_fit_opts none;
    if (p == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_prepare: p is NULL");
    memset(p, 0, sizeof *p);
    const gw_fit_opts *o = opts != NULL ? opts : &none;
    gw_status s = check_opts(o);
    if (s == GW_OK)
        s = gw_fit_vcov_canonical(o->vcov, &p->vcov);
    const char *vcov = p->vcov; /* the canonical text from here on */
    if (s == GW_OK)
        s = parse_vcov(vcov ? vcov : "iid", p);
    if (s == GW_OK)
        s = gwi_fit_panel_check(o->estimator, vcov, o->panel_id != NULL);
    if (s == GW_OK && (o->flags & GW_FIT_HAUSMAN) && o->panel_id == NULL)
        s = gwi_fail(GW_EINVAL, "--hausman needs --panel ID,TIME");
    if (s == GW_OK && (o->flags & GW_FIT_SAVE_FE) &&
        (gwi_fit_is_glm(o->estimator) || gwi_fit_panel_requested(o->estimator, o->vcov) ||
         o->memory_limit > 0.0))
        s = gwi_fail(GW_EUNSUPPORTED,
                     "--save-fe applies to OLS/WLS fits with absorbed fixed effects (not GLMs, "
                     "panel estimators, dk/nw variances or --memory-limit)");
    if (s != GW_OK)
        return s;
    p->ols.ssc = o->ssc;
    p->ols.fe_tol = o->fe_tol;         /* 0: GW_HDFE_TOL */
    p->ols.fe_maxiter = o->fe_maxiter; /* 0: GW_HDFE_MAXITER */
    if (o->flags & GW_FIT_KEEP_SINGLETONS)
        p->ols.flags |= GW_OLS_KEEP_SINGLETONS;
    if (o->flags & GW_FIT_KEEP_RESIDUALS)
        p->ols.flags |= GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED;
    if (o->subset != NULL && (s = gw_expr_parse_named(o->subset, "subset", &p->subset)) != GW_OK) {
        gwi_prefix_error("bad --subset");
        return s;
    }
    p->frame.drop_invalid = (o->flags & GW_FIT_DROP_INVALID) != 0;
    p->frame.weights = o->weights;
    p->frame.panel_id = o->panel_id;
    p->frame.panel_time = o->panel_time;
    p->frame.keep = o->keep;
    p->frame.fe_levels = (o->flags & GW_FIT_SAVE_FE) != 0;
    for (size_t c = 0; c < GW_FRAME_MAX_CLUSTER; c++)
        p->frame.cluster[c] = p->cluster[c];
    p->is_glm = gwi_fit_is_glm(o->estimator);
    p->is_panel = gwi_fit_panel_requested(o->estimator, vcov) || (o->flags & GW_FIT_HAUSMAN);
    if (p->is_glm) {
        if (gwi_fit_is_hac(vcov))
            return gwi_fail(GW_EINVAL,
                            "--vcov %s is not available for --estimator %s (use iid, hc0-hc3 or "
                            "cluster:VAR)",
                            vcov, o->estimator);
        glm_opts(o, p);
    }
    return GW_OK;
}

void gw_fit_prep_clear(gw_fit_prep *p)
{
    if (p == NULL)
        return;
    for (size_t c = 0; c < GW_FRAME_MAX_CLUSTER; c++)
        gw_free(p->cluster[c]);
    gw_expr_free(p->subset);
    gw_free(p->vcov);
    memset(p, 0, sizeof *p);
}

gw_status gw_fit_check_formula(const gw_formula *f, const gw_fit_opts *o)
{
    /* The demeaning options mean nothing without absorbed fixed effects: refused like --tol
     * outside GLMs, rather than silently ignored. */
    if (o != NULL && (o->fe_tol != 0.0 || o->fe_maxiter != 0) && gw_formula_nfe(f) == 0)
        return gwi_fail(GW_EINVAL,
                        "%s applies only to models with absorbed fixed effects (\"y ~ x | fe\")",
                        o->fe_tol != 0.0 ? "--fe-tol" : "--fe-maxiter");
    return GW_OK;
}

/* A growing list of distinct column names (borrowed strings). */
typedef struct {
    const char **names;
    size_t n, cap;
} name_list;

static int names_add(name_list *l, const char *name)
{
    if (name == NULL)
        return 1;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->names[i], name) == 0)
            return 1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        const char **q = gw_realloc(l->names, cap * sizeof *q);
        if (q == NULL)
            return 0;
        l->names = q;
        l->cap = cap;
    }
    l->names[l->n++] = name;
    return 1;
}

/* The variables of expression e (a subset, or arithmetic inside a factor); NULL: none. */
static int names_add_expr(name_list *l, const gw_expr *e)
{
    for (size_t k = 0; e != NULL && k < gw_expr_nvars(e); k++)
        if (!names_add(l, gw_expr_var(e, k)))
            return 0;
    return 1;
}

static int names_add_term(name_list *l, const gw_formula_term *t)
{
    for (size_t k = 0; k < t->nfactors; k++)
        if (!names_add(l, t->factors[k].var) || !names_add_expr(l, t->factors[k].expr))
            return 0;
    return 1;
}

gw_status gw_fit_columns(const gw_formula *f, const gw_fit_prep *p, const char ***names, size_t *n)
{
    name_list l = {0};
    const gw_frame_opts *fo = &p->frame;
    int ok = 1;
    for (size_t k = 0; ok && k < gw_formula_nterms(f); k++)
        ok = names_add_term(&l, gw_formula_term_at(f, k));
    for (size_t k = 0; ok && k < gw_formula_nendog(f); k++)
        ok = names_add_term(&l, gw_formula_endog(f, k));
    ok = ok && names_add(&l, gw_formula_response(f)->var) &&
         names_add_expr(&l, gw_formula_response(f)->expr);
    for (size_t k = 0; ok && k < gw_formula_nfe(f); k++)
        ok = names_add(&l, gw_formula_fe(f, k));
    for (size_t k = 0; ok && k < gw_formula_ninst(f); k++)
        ok = names_add_term(&l, gw_formula_inst(f, k));
    ok = ok && names_add(&l, fo->weights);
    for (size_t c = 0; ok && c < GW_FRAME_MAX_CLUSTER; c++)
        ok = names_add(&l, fo->cluster[c]);
    ok = ok && names_add(&l, fo->panel_id) && names_add(&l, fo->panel_time);
    ok = ok && names_add_expr(&l, p->subset);
    if (!ok) {
        gw_free(l.names);
        return gwi_fail(GW_ENOMEM, "out of memory");
    }
    *names = l.names;
    *n = l.n;
    return GW_OK;
}

/* 2SLS: the IV part selects it; any other estimator is refused. */
static gw_status fit_iv(gw_design *d, const gw_fit_opts *o, const gw_fit_prep *p, gw_result **out)
{
    if (o->estimator != NULL && strcmp(o->estimator, "ols") != 0)
        return gwi_fail(GW_EINVAL,
                        "--estimator %s cannot be combined with instruments (\"| endog ~ "
                        "inst\"): the IV part selects two-stage least squares",
                        o->estimator);
    gw_status s = gw_iv_fit(d, &p->ols, out);
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("2SLS");
    }
    return s;
}

/* The estimator's failure when every regressor is exactly collinear: the library reports every
 * column as aliased and returns; for a fit that was asked for estimates this is singular. */
static gw_status all_collinear(const gw_result *r)
{
    char list[512] = "";
    size_t used = 0;
    for (size_t j = 0; j < r->ndropped && used + 1 < sizeof list; j++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", j ? ", " : "",
                         r->dropped_collinear[j]);
        used += w > 0 ? (size_t)w : 0;
    }
    return gwi_fail(GW_ERANK,
                    "no estimable coefficient: every regressor is exactly collinear (dropped: %s)",
                    list);
}

/* Kept residuals carry their input rows (gw_result.row_index): estimators that drop rows
 * (singletons, separation) map them through d->row_index, so the identity index a consuming
 * build leaves out is made first; the others keep every design row, mapped here after the
 * fit. */
static gw_status rows_before(gw_design *d, const gw_fit_opts *o)
{
    if (!(o->flags & GW_FIT_KEEP_RESIDUALS) || d->row_index != NULL)
        return GW_OK;
    if ((d->row_index = gw_alloc_array(d->n ? d->n : 1, sizeof *d->row_index)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the row index of %zu rows", d->n);
    for (size_t i = 0; i < d->n; i++)
        d->row_index[i] = i;
    return GW_OK;
}

/* The levels the fit saw (gw_result.factor_levels), for predictions on new data. */
static gw_status copy_levels(const gw_design *d, gw_result *r)
{
    if (d->n_level_names == 0 || r->factor_levels != NULL)
        return GW_OK;
    if ((r->factor_levels = gw_calloc(d->n_level_names, sizeof *r->factor_levels)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->n_level_names; i++) {
        if ((r->factor_levels[i] = gw_strdup(d->level_names[i])) == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        r->nfactor_levels = i + 1;
    }
    return GW_OK;
}

static gw_status rows_after(const gw_design *d, gw_result *r)
{
    if ((r->residuals == NULL && r->fitted == NULL) || r->row_index != NULL || r->nobs != d->n)
        return GW_OK;
    return gwi_result_set_rows(r, d->row_index, NULL, d->n);
}

/* --save-fe: the within fit on a copy (gw_ols_fit), so that d keeps the original X and y that
 * the fixed-effect estimates need (gw_fixef.h), then those estimates. */
static gw_status fit_save_fe(gw_design *d, const gw_fit_opts *o, const gw_fit_prep *p,
                             gw_result **out)
{
    if (d->nfe == 0)
        return gwi_fail(GW_EINVAL,
                        "--save-fe applies to models with absorbed fixed effects (\"y ~ x | fe\")");
    gw_status s = gw_ols_fit(d, &p->ols, out);
    if (s == GW_OK && (*out)->k > 0)
        s = gw_fixef_estimate(d, *out, (o->flags & GW_FIT_KEEP_SINGLETONS) != 0);
    return s;
}

/* gw_fit_design with the formula's text for the message of a model without regressors. */
static gw_status fit_frame(gw_design *d, const char *formula, const gw_fit_opts *o,
                           const gw_fit_prep *p, gw_result **out)
{
    gw_status s;
    *out = NULL;
    if (d->p == 0)
        return formula != NULL ? gwi_fail(GW_EINVAL,
                                          "the model has no regressors (\"%s\"): nothing to "
                                          "estimate",
                                          formula)
                               : gwi_fail(GW_EINVAL, "the model has no regressors");
    if ((s = rows_before(d, o)) != GW_OK)
        return s;
    if ((o->flags & GW_FIT_SAVE_FE) && (d->n_endog > 0 || d->Z != NULL))
        return gwi_fail(GW_EUNSUPPORTED, "--save-fe is not available with instruments");
    /* The mean of the response for tables (mean_y), taken before a within fit demeans y in
     * place; kept when the estimator used every row. The within fit sets it itself on the rows
     * it keeps after dropping singletons; after separated observations or first periods are
     * left out (rows the design does not mark) it stays NaN. */
    double ysum = 0.0;
    size_t nrows = d->n;
    for (size_t i = 0; i < nrows; i++)
        ysum += d->y[i];
    if (d->n_endog > 0 || d->Z != NULL)
        s = fit_iv(d, o, p, out);
    else if (p->is_glm)
        s = gw_glm_fit(d, &p->glm, out);
    else if (p->is_panel)
        s = gwi_fit_panel(d, o->estimator, p->vcov, &p->ols, (o->flags & GW_FIT_HAUSMAN) != 0, out);
    else if (o->flags & GW_FIT_SAVE_FE)
        s = fit_save_fe(d, o, p, out);
    else
        s = d->nfe > 0 ? gw_ols_fit_fe_inplace(d, &p->ols, out) : gw_ols_fit(d, &p->ols, out);
    if (s != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
        return s;
    }
    if ((*out)->nobs == nrows && nrows > 0)
        (*out)->mean_y = ysum / (double)nrows;
    if ((*out)->k == 0)
        s = all_collinear(*out);
    else if ((s = rows_after(d, *out)) == GW_OK && (s = copy_levels(d, *out)) == GW_OK &&
             (*out)->poly == NULL &&
             (s = gw_poly_coefs_copy(d->poly, d->npoly, &(*out)->poly)) == GW_OK)
        (*out)->npoly = d->npoly; /* poly()'s constants, for predictions on new data */
    if (s != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    return s;
}

gw_status gw_fit_design(gw_design *d, const gw_fit_opts *opts, const gw_fit_prep *p,
                        gw_result **out)
{
    static const gw_fit_opts none;
    if (d == NULL || p == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_design: NULL argument");
    return fit_frame(d, NULL, opts != NULL ? opts : &none, p, out);
}

/* --level: the intervals of r (and of its marginal effects) at level, from the estimates and
 * standard errors with the fit's critical value (t with df_inference, or the normal), as
 * gwi_fill_inference computes them at 0.95. Nothing changes at the default level, so the
 * default output stays what it was bit for bit. */
static void set_level(gw_result *r, double level)
{
    if (r == NULL || level == 0.0 || level == r->conf_level)
        return;
    const double alpha = 1.0 - level;
    const int t_ok = !r->stat_is_z && r->df_inference > 0.0 && isfinite(r->df_inference);
    double crit = r->stat_is_z ? gsl_cdf_ugaussian_Qinv(alpha / 2.0)
                  : t_ok       ? gsl_cdf_tdist_Qinv(alpha / 2.0, r->df_inference)
                               : (double)NAN;
    r->conf_level = level;
    for (size_t j = 0; j < r->k; j++) {
        r->ci_low[j] = r->estimate[j] - crit * r->std_error[j];
        r->ci_high[j] = r->estimate[j] + crit * r->std_error[j];
    }
    set_level(r->margins, level);
}

gw_status gw_fit_label(gw_result *r, const char *formula, const gw_fit_opts *o)
{
    set_level(r, o->level);
    /* What only the caller knows: the formula as written and the variance (canonical). */
    char *vcov = NULL;
    int bad =
        gw_fit_vcov_canonical(o->vcov, &vcov) != GW_OK ||
        gw_result_set_str(&r->formula, formula) != GW_OK ||
        (r->vcov_type == NULL && gw_result_set_str(&r->vcov_type, vcov ? vcov : "iid") != GW_OK) ||
        (r->estimator == NULL && gw_result_set_str(&r->estimator, "ols") != GW_OK) ||
        (o->weights != NULL && gw_result_set_str(&r->weights, o->weights) != GW_OK);
    gw_free(vcov);
    return bad ? gwi_fail(GW_ENOMEM, "out of memory") : GW_OK;
}

/* The rows of t where the subset e holds, as the frame's keep mask (*keep: owned); and-ed with
 * the caller's mask (gw_fit_opts.keep, e.g. one group of --split) when there is one. */
static gw_status subset_rows(const gw_table *t, const gw_expr *e, unsigned char **keep,
                             gw_frame_opts *fo)
{
    size_t n = gw_table_nrows(t);
    if ((*keep = gw_malloc(n ? n : 1)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the subset of %zu rows", n);
    gw_status s = gw_expr_subset(e, t, *keep, NULL);
    if (s != GW_OK) {
        gwi_fail_keep(s);
        gwi_prefix_error("--subset");
        return s;
    }
    if (fo->keep != NULL)
        for (size_t r = 0; r < n; r++)
            (*keep)[r] = (unsigned char)((*keep)[r] && fo->keep[r]);
    fo->keep = *keep;
    return GW_OK;
}

/* The counts only --subset and --drop-invalid ask for (absent otherwise, so that every other
 * output stays as it was) and the subset's text. */
static gw_status label_rows(gw_result *r, const gw_design *d, const gw_fit_opts *o)
{
    if (o->subset != NULL || o->keep != NULL)
        r->nobs_dropped_subset = d->nobs_dropped_subset;
    if (o->subset != NULL) {
        if (gw_result_set_str(&r->subset, o->subset) != GW_OK)
            return gwi_fail(GW_ENOMEM, "out of memory");
    }
    if (o->flags & GW_FIT_DROP_INVALID)
        r->nobs_dropped_invalid = d->nobs_dropped_invalid;
    return GW_OK;
}

/* The steps both entry points share: options, formula, then fit (consume: the frame may take
 * the table's columns; t is then freed here). */
static gw_status fit_common(gw_table *t, int consume, const char *path, const char *formula,
                            const gw_fit_opts *o, gw_result **out, gw_fit_timings *tm)
{
    gw_fit_prep p;
    gw_fit_timings ooc = {0}; /* the out-of-core path's flags */
    gw_formula *f = NULL;
    gw_design *d = NULL;
    const char **cols = NULL;
    unsigned char *keep = NULL;
    size_t ncols = 0;
    double t0 = gwi_seconds(), t1 = t0, t2 = t0;
    gw_status s = gw_fit_prepare(o, &p);
    if (s == GW_OK && (s = gw_formula_parse(formula, &f)) != GW_OK)
        gwi_prefix_error("bad --model");
    if (s == GW_OK)
        s = gw_fit_check_formula(f, o);
    if (s == GW_OK && path != NULL && o->memory_limit > 0.0)
        s = gwi_fit_stream(path, f, o, &p, out, &ooc);
    /* Streamed, reading and the frame are interleaved with estimation: all counted there. */
    const int in_core = !ooc.streamed;
    if (s == GW_OK && in_core && path != NULL &&
        (s = gw_fit_columns(f, &p, &cols, &ncols)) == GW_OK) {
        gw_load_opts lo = {cols, ncols, o->group, o->delim};
        s = gw_data_load(path, &lo, &t);
        consume = 1;
    }
    t1 = in_core ? gwi_seconds() : t0;
    if (s == GW_OK && in_core && p.subset != NULL)
        s = subset_rows(t, p.subset, &keep, &p.frame);
    if (s == GW_OK && in_core)
        s = consume ? gw_frame_build_consume(t, f, &p.frame, &d)
                    : gw_frame_build(t, f, &p.frame, &d);
    if (consume) {
        gw_table_free(t);
        t = NULL;
    }
    t2 = in_core ? gwi_seconds() : t0;
    if (s == GW_OK && in_core)
        s = fit_frame(d, formula, o, &p, out);
    if (s == GW_OK && in_core)
        s = label_rows(*out, d, o);
    if (s == GW_OK && (s = gw_fit_label(*out, formula, o)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    if (tm != NULL) {
        double fz = d != NULL ? d->seconds_factorise : 0.0;
        tm->read = t1 - t0;
        tm->factorise = fz;
        tm->frame = t2 - t1 - fz > 0.0 ? t2 - t1 - fz : 0.0;
        tm->estimate = gwi_seconds() - t2;
        tm->streamed = ooc.streamed;
        tm->scratch_failed = ooc.scratch_failed;
    }
    gw_design_free(d);
    gw_formula_free(f);
    gw_free(cols);
    gw_free(keep);
    gw_fit_prep_clear(&p);
    return s;
}

gw_status gw_fit_table(const gw_table *t, const char *formula, const gw_fit_opts *opts,
                       gw_result **out)
{
    static const gw_fit_opts none;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_table: out is NULL");
    *out = NULL;
    if (t == NULL || formula == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_table: the table or the formula is NULL");
    return fit_common((gw_table *)(uintptr_t)t, 0, NULL, formula, opts ? opts : &none, out, NULL);
}

gw_status gw_fit_file(const char *path, const char *formula, const gw_fit_opts *opts,
                      gw_result **out, gw_fit_timings *tm)
{
    static const gw_fit_opts none;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_file: out is NULL");
    *out = NULL;
    if (formula == NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_file: the formula is NULL");
    if (tm != NULL)
        memset(tm, 0, sizeof *tm);
    if (opts != NULL && opts->keep != NULL)
        return gwi_fail(GW_EINVAL, "gw_fit_file: keep applies to gw_fit_table only (read the "
                                   "table first)");
    return fit_common(NULL, 1, path, formula, opts ? opts : &none, out, tm);
}
