/* predict.c -- fitted values of a stored model on new data (gw_predict.h).
 *
 * Columns are matched by name rather than by position because the new data's levels decide
 * which dummy columns the frame makes; coding every level (all_levels) makes the match exact:
 * each fit column is an indicator product that equals the new column of the same name, and a
 * fit column the new data lacks is a level no new row has, so it is zero on every row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_eqframe.h"
#include "gw_formula.h"
#include "gw_predict.h"
#include "gw_strbuf.h"
#include "io_int.h"

void gw_prediction_free(gw_prediction *p)
{
    if (p == NULL)
        return;
    gw_free(p->fit);
    gw_free(p->se);
    gw_free(p->lo);
    gw_free(p->hi);
    gwi_strv_free(p->unseen, p->n_unseen_names);
    gw_free(p);
}

/* 1 when comp is one of the ':'-separated parts of name, matched as a whole run of parts (a
 * level text may itself hold ':'). */
static int has_part(const char *name, const char *comp)
{
    size_t n = strlen(name), c = strlen(comp);
    for (const char *p = strstr(name, comp); p != NULL; p = strstr(p + 1, comp)) {
        size_t at = (size_t)(p - name);
        if ((at == 0 || name[at - 1] == ':') && (at + c == n || name[at + c] == ':'))
            return 1;
    }
    return 0;
}

static int in_list(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return 1;
    return 0;
}

static ptrdiff_t find_col(const gw_design *d, const char *name)
{
    for (size_t c = 0; c < d->p; c++)
        if (strcmp(d->terms[c], name) == 0)
            return (ptrdiff_t)c;
    return -1;
}

/* A coefficient the new design has no column for must be a level dummy (a level no new row
 * has); anything else (a numeric variable that became categorical) is an error. */
static int is_level_term(const gw_result *r, const char *term)
{
    if (r->factor_levels == NULL)
        return strchr(term, '=') != NULL;
    for (size_t i = 0; i < r->nfactor_levels; i++)
        if (has_part(term, r->factor_levels[i]))
            return 1;
    return 0;
}

/* One absorbed set's estimates, sorted by level name for the lookups of the new rows. */
typedef struct {
    const char *name;
    double effect;
} fe_level;

typedef struct {
    fe_level *lev; /* sorted by name */
    size_t n;
    size_t col; /* the new table's column */
} fe_set;

static int cmp_level(const void *a, const void *b)
{
    return strcmp(((const fe_level *)a)->name, ((const fe_level *)b)->name);
}

typedef struct {
    const gw_result *r;
    const gw_table *t;
    fe_set *fe; /* r->nfe */
    gw_design *d;
    ptrdiff_t *col;        /* k: the design column of each coefficient, or -1 */
    unsigned char *unseen; /* d->n: the row has a level the fit never saw */
    gw_prediction *p;
} pjob;

/* The columns of the coefficients, and the rows with unseen levels (gw_predict.h). */
static gw_status match(pjob *J)
{
    const gw_result *r = J->r;
    const gw_design *d = J->d;
    for (size_t j = 0; j < r->k; j++) {
        J->col[j] = find_col(d, r->terms[j]);
        if (J->col[j] < 0 && !is_level_term(r, r->terms[j]))
            return gwi_fail(GW_EINVAL,
                            "the new data gives no column '%s' (is a variable categorical in the "
                            "new data but numeric in the fit?)",
                            r->terms[j]);
    }
    if (r->factor_levels == NULL)
        return GW_OK;
    gw_prediction *p = J->p;
    for (size_t i = 0; i < d->n_level_names; i++) {
        const char *lv = d->level_names[i];
        if (in_list(r->factor_levels, r->nfactor_levels, lv))
            continue;
        char *copy = gw_strdup(lv);
        char **v = gw_realloc(p->unseen, (p->n_unseen_names + 1) * sizeof *v);
        if (copy == NULL || v == NULL) {
            gw_free(copy);
            return gwi_fail(GW_ENOMEM, "out of memory");
        }
        p->unseen = v;
        p->unseen[p->n_unseen_names++] = copy;
        for (size_t c = 0; c < d->p; c++) {
            if (!has_part(d->terms[c], lv))
                continue;
            for (size_t row = 0; row < d->n; row++)
                if (d->X[row + c * d->n] != 0.0)
                    J->unseen[row] = 1;
        }
    }
    return GW_OK;
}

/* The mean and dmu/deta of link at eta (identity for a linear model). */
static void inverse_link(const char *link, double eta, double *mu, double *dmu)
{
    if (link != NULL && strcmp(link, "logit") == 0) {
        *mu = eta >= 0.0 ? 1.0 / (1.0 + exp(-eta)) : exp(eta) / (1.0 + exp(eta));
        *dmu = *mu * (1.0 - *mu);
    } else if (link != NULL && strcmp(link, "probit") == 0) {
        *mu = gsl_cdf_ugaussian_P(eta);
        *dmu = gsl_ran_ugaussian_pdf(eta);
    } else if (link != NULL && strcmp(link, "log") == 0) {
        *mu = exp(eta);
        *dmu = *mu;
    } else {
        *mu = eta;
        *dmu = 1.0;
    }
}

/* The stored estimates of each absorbed set (fit --save-fe), sorted, and its column of t. */
static gw_status fe_prepare(pjob *J)
{
    const gw_result *r = J->r;
    if (r->nfe == 0)
        return GW_OK;
    if ((J->fe = gw_calloc(r->nfe, sizeof *J->fe)) == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t g = 0; g < r->nfe; g++) {
        const gw_result_fe *e = &r->fixed_effects[g];
        ptrdiff_t col = gw_table_find(J->t, e->name);
        if (col < 0)
            return gwi_fail(GW_ENOVAR, "the new data has no column '%s' (a fixed effect)", e->name);
        fe_set *S = &J->fe[g];
        S->col = (size_t)col;
        S->n = e->neffects;
        if ((S->lev = gw_alloc_array(S->n ? S->n : 1, sizeof *S->lev)) == NULL)
            return gwi_fail(GW_ENOMEM, "out of memory");
        for (size_t l = 0; l < S->n; l++)
            S->lev[l] = (fe_level){e->level_names[l], e->effects[l]};
        qsort(S->lev, S->n, sizeof *S->lev, cmp_level);
    }
    return GW_OK;
}

/* The sum of the fixed effects of table row row: 0 without any; NaN with *missing set when a
 * fixed effect's value is missing, NaN with *unseen set when a level has no estimate. */
static double fe_sum(const pjob *J, size_t row, int *missing, int *unseen)
{
    double s = 0.0;
    char num[32];
    for (size_t g = 0; g < J->r->nfe; g++) {
        const fe_set *S = &J->fe[g];
        const int32_t *codes = gw_table_codes(J->t, S->col);
        const char *lv = num;
        if (codes != NULL) {
            if (codes[row] < 0) {
                *missing = 1;
                return NAN;
            }
            lv = gw_table_level(J->t, S->col, (size_t)codes[row]);
        } else {
            double v = gw_table_numeric(J->t, S->col)[row];
            if (isnan(v)) {
                *missing = 1;
                return NAN;
            }
            gwi_fmt_shortest(v == 0.0 ? 0.0 : v, num, sizeof num);
        }
        fe_level key = {lv, 0.0};
        const fe_level *hit = bsearch(&key, S->lev, S->n, sizeof *S->lev, cmp_level);
        if (hit == NULL) {
            *unseen = 1;
            return NAN;
        }
        s += hit->effect;
    }
    return s;
}

/* Every kept row: x' b, and with standard errors sqrt(x' V x) and the interval. */
static gw_status compute(pjob *J, const gw_predict_opts *o)
{
    const gw_result *r = J->r;
    const gw_design *d = J->d;
    gw_prediction *p = J->p;
    const size_t k = r->k, n = d->n;
    const int want_se = (o->flags & GW_PREDICT_SE) != 0;
    const int resp = (o->flags & GW_PREDICT_RESPONSE) != 0;
    double crit = NAN;
    if (want_se)
        crit = r->stat_is_z ? gsl_cdf_ugaussian_Qinv((1.0 - p->level) / 2.0)
               : (r->df_inference > 0.0 && isfinite(r->df_inference))
                   ? gsl_cdf_tdist_Qinv((1.0 - p->level) / 2.0, r->df_inference)
                   : (double)NAN;
    double *x = gw_alloc_array(k ? k : 1, sizeof *x);
    if (x == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        size_t row = d->row_index != NULL ? d->row_index[i] : i;
        int fe_missing = 0, fe_unseen = 0;
        double eta = fe_sum(J, row, &fe_missing, &fe_unseen);
        if (fe_missing) {
            p->n_missing++;
            continue;
        }
        if (J->unseen[i] || fe_unseen) {
            p->n_unseen++;
            p->n_unseen_fe += fe_unseen && !J->unseen[i];
            continue;
        }
        for (size_t j = 0; j < k; j++) {
            x[j] = J->col[j] >= 0 ? d->X[i + (size_t)J->col[j] * n] : 0.0;
            eta += x[j] * r->estimate[j];
        }
        double mu, dmu;
        inverse_link(resp ? r->link : NULL, eta, &mu, &dmu);
        p->fit[row] = mu;
        if (!want_se)
            continue;
        double q = 0.0;
        for (size_t a = 0; a < k; a++) {
            if (x[a] == 0.0)
                continue;
            double s = 0.0;
            for (size_t b = 0; b < k; b++)
                s += r->vcov[a + b * k] * x[b];
            q += x[a] * s;
        }
        double se = q >= 0.0 ? sqrt(q) : (double)NAN, lo, hi, dlo, dhi;
        inverse_link(resp ? r->link : NULL, eta - crit * se, &lo, &dlo);
        inverse_link(resp ? r->link : NULL, eta + crit * se, &hi, &dhi);
        p->se[row] = fabs(dmu) * se;
        p->lo[row] = lo;
        p->hi[row] = hi;
    }
    gw_free(x);
    return GW_OK;
}

static gw_status alloc_prediction(size_t n, int se, gw_prediction **out)
{
    gw_prediction *p = gw_calloc(1, sizeof *p);
    if (p == NULL)
        return gwi_fail(GW_ENOMEM, "out of memory");
    *out = p;
    p->n = n;
    double **arr[4] = {&p->fit, &p->se, &p->lo, &p->hi};
    for (size_t a = 0; a < (se ? 4u : 1u); a++) {
        if ((*arr[a] = gw_alloc_array(n ? n : 1, sizeof(double))) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu predictions", n);
        for (size_t i = 0; i < n; i++)
            (*arr[a])[i] = NAN;
    }
    return GW_OK;
}

/* Every orthogonal poly() term of model r must come with the fit's constants: computed over
 * the new rows it would be another basis, and the coefficients would not apply to it. */
static gw_status check_poly(const gw_result *r)
{
    gw_formula *f = NULL;
    gw_status s = gw_formula_parse(r->formula, &f);
    if (s != GW_OK)
        return s;
    for (size_t k = 0; k < gw_formula_nterms(f) + gw_formula_nendog(f) && s == GW_OK; k++) {
        const gw_formula_term *t = k < gw_formula_nterms(f)
                                       ? gw_formula_term_at(f, k)
                                       : gw_formula_endog(f, k - gw_formula_nterms(f));
        const gw_formula_factor *ff = &t->factors[0];
        int stored = 0;
        if (t->nfactors != 1 || ff->kind != GW_FF_POLY || ff->raw)
            continue;
        for (size_t i = 0; i < r->npoly; i++)
            stored |= strcmp(r->poly[i].term, ff->name) == 0;
        if (!stored)
            s = gwi_fail(GW_EUNSUPPORTED,
                         "the model's %s has no stored constants (results written before they "
                         "were stored): refit it, or use poly(%s, %u, raw = TRUE)",
                         ff->name, ff->var, ff->exponent);
    }
    gw_formula_free(f);
    return s;
}

static gw_status check_args(const gw_result *r, const gw_table *t, const gw_predict_opts *o,
                            gw_prediction **out)
{
    if (out == NULL || r == NULL || t == NULL)
        return gwi_fail(GW_EINVAL, "gw_predict_table: NULL argument");
    if (o->level != 0.0 && !(o->level > 0.0 && o->level < 1.0))
        return gwi_fail(GW_EINVAL, "bad level %g (expected a number between 0 and 1)", o->level);
    if ((o->flags & GW_PREDICT_RESPONSE) && r->link == NULL)
        return gwi_fail(GW_EINVAL,
                        "the response scale applies to logit, probit and poisson fits; this is "
                        "a linear model (its prediction is on the response's scale already)");
    for (size_t g = 0; g < r->nfe; g++)
        if (r->fixed_effects[g].effects == NULL)
            return gwi_fail(GW_EUNSUPPORTED,
                            "predictions of a model with absorbed fixed effects (\"| %s\") need "
                            "their estimates: fit it with --save-fe",
                            r->fixed_effects[g].name);
    if (r->nfe > 0 && (o->flags & GW_PREDICT_SE))
        return gwi_fail(GW_EUNSUPPORTED,
                        "standard errors of predictions with absorbed fixed effects are not "
                        "available (the fixed-effect estimates have no stored variance)");
    if (r->formula == NULL)
        return gwi_fail(GW_EINVAL, "the model has no formula to rebuild its regressors");
    return GW_OK;
}

gw_status gw_predict_table(const gw_result *r, const gw_table *t, const gw_predict_opts *opts,
                           gw_prediction **out)
{
    static const gw_predict_opts none;
    const gw_predict_opts *o = opts != NULL ? opts : &none;
    if (out != NULL)
        *out = NULL;
    gw_status s = check_args(r, t, o, out);
    if (s != GW_OK)
        return s;
    gw_eqframe *e = NULL;
    pjob J = {r, t, NULL, NULL, NULL, NULL, NULL};
    gw_frame_opts fo = {0};
    fo.all_levels = 1;
    fo.poly = r->poly; /* new rows get the fit's orthogonal polynomials (R's predict.poly) */
    fo.npoly = r->npoly;
    const int se = (o->flags & GW_PREDICT_SE) != 0;
    if ((s = alloc_prediction(gw_table_nrows(t), se, &J.p)) != GW_OK)
        goto done;
    J.p->level = o->level != 0.0 ? o->level : 0.95;
    J.p->df = r->stat_is_z ? (double)NAN : r->df_inference;
    J.p->response = (o->flags & GW_PREDICT_RESPONSE) != 0;
    if ((s = check_poly(r)) != GW_OK ||
        (s = gw_eqframe_new_ex(r->formula, GW_EQFRAME_POLY | GW_EQFRAME_ANY_RESPONSE, &e)) !=
            GW_OK ||
        (s = gw_eqframe_build_ex(e, t, &fo, &J.d)) != GW_OK)
        goto done;
    J.p->n_missing = gw_table_nrows(t) - J.d->n;
    J.col = gw_alloc_array(r->k ? r->k : 1, sizeof *J.col);
    J.unseen = gw_calloc(J.d->n ? J.d->n : 1, 1);
    if (J.col == NULL || J.unseen == NULL) {
        s = gwi_fail(GW_ENOMEM, "out of memory");
        goto done;
    }
    if ((s = fe_prepare(&J)) != GW_OK || (s = match(&J)) != GW_OK || (s = compute(&J, o)) != GW_OK)
        goto done;
    *out = J.p;
    J.p = NULL;
done:
    gw_prediction_free(J.p);
    for (size_t g = 0; J.fe != NULL && g < r->nfe; g++)
        gw_free(J.fe[g].lev);
    gw_free(J.fe);
    gw_free(J.col);
    gw_free(J.unseen);
    gw_design_free(J.d);
    gw_eqframe_free(e);
    return s;
}

static void csv_num(gw_strbuf *b, double v)
{
    if (isfinite(v))
        gw_strbuf_printf(b, ",%.17g", v);
    else
        gw_strbuf_cat(b, ",");
}

gw_status gw_predict_render_csv(const gw_prediction *p, char **out)
{
    if (p == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_predict_render_csv: NULL argument");
    gw_strbuf b = {0};
    gw_strbuf_cat(&b, p->se != NULL ? "row,fit,se,ci_low,ci_high\n" : "row,fit\n");
    for (size_t i = 0; i < p->n; i++) {
        gw_strbuf_printf(&b, "%zu", i + 1);
        csv_num(&b, p->fit[i]);
        if (p->se != NULL) {
            csv_num(&b, p->se[i]);
            csv_num(&b, p->lo[i]);
            csv_num(&b, p->hi[i]);
        }
        gw_strbuf_cat(&b, "\n");
    }
    gw_status s = gw_strbuf_finish(&b, out);
    return s == GW_OK ? GW_OK : gwi_fail(s, "out of memory");
}
