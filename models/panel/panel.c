/* panel.c -- panel estimators (gw_panel.h): pooled, random effects, first differences,
 * between and the one-way within helper.
 *
 * Each estimator builds a transformed design on the stack (its arrays owned here, names and
 * factors borrowed from the input design, never passed to gw_design_free) and fits it with
 * gw_ols_fit, whose result is then adjusted where the panel convention differs from plain OLS
 * (RE's R^2 and F test, the within degrees of freedom). Driscoll-Kraay and Newey-West replace
 * the variance afterwards (apply_hac), from a gw_ls_fit of the same transformed design.
 *
 * Group sums are taken in row order, one column (or one group) per task, so they never depend
 * on the number of threads. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_linalg.h"
#include "gw_panel.h"
#include "gw_par.h"
#include "models_int.h"
#include "panel_int.h"

/* ------------------------------------------------------------------------------------------ */
/* Checks and group helpers.                                                                  */

gw_status gwi_panel_check_id(const gw_design *d, const char *what)
{
    const gw_factor *f = d->panel_id;
    if (f == NULL)
        return gwi_fail(GW_EINVAL, "%s needs a panel identifier (--panel ID,TIME)", what);
    if (f->codes == NULL || f->nlevels == 0 || f->nlevels > (size_t)INT32_MAX)
        return gwi_fail(GW_EINVAL, "panel identifier %s has no codes or %zu levels",
                        f->name ? f->name : "(unnamed)", f->nlevels);
    for (size_t i = 0; i < d->n; i++)
        if (f->codes[i] < 0 || (size_t)f->codes[i] >= f->nlevels)
            return gwi_fail(GW_EINVAL,
                            "panel identifier %s: observation %zu has code %ld outside "
                            "0..%zu",
                            f->name ? f->name : "(unnamed)", i + 1, (long)f->codes[i],
                            f->nlevels - 1);
    return GW_OK;
}

void gwi_panel_group_means(const double *x, const int32_t *id, size_t n, size_t ng,
                           const size_t *Ti, double *m, double *c)
{
    memset(m, 0, ng * sizeof *m);
    memset(c, 0, ng * sizeof *c);
    for (size_t i = 0; i < n; i++)
        m[id[i]] += x[i];
    for (size_t g = 0; g < ng; g++)
        m[g] = Ti[g] ? m[g] / (double)Ti[g] : 0.0;
    for (size_t i = 0; i < n; i++)
        c[id[i]] += x[i] - m[id[i]];
    for (size_t g = 0; g < ng; g++)
        m[g] += Ti[g] ? c[g] / (double)Ti[g] : 0.0;
}

/* Rows per group (ng = nlevels). */
static gw_status group_counts(const gw_design *d, size_t **Ti)
{
    const size_t ng = d->panel_id->nlevels;
    *Ti = gw_calloc(ng, sizeof **Ti);
    if (*Ti == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu group counts", ng);
    for (size_t i = 0; i < d->n; i++)
        (*Ti)[d->panel_id->codes[i]]++;
    return GW_OK;
}

/* A design over n rows of arrays owned by the caller, with d's names and panel borrowed. */
static void tdesign(gw_design *td, const gw_design *d, size_t n, size_t p, double *X, double *y)
{
    memset(td, 0, sizeof *td);
    td->n = n;
    td->p = p;
    td->X = X;
    td->y = y;
    td->terms = d->terms;
    td->response = d->response;
    td->has_intercept = d->has_intercept;
    td->cluster = d->cluster;
    td->ncluster = d->ncluster;
    td->panel_id = d->panel_id;
    td->panel_time = d->panel_time;
    td->nobs_dropped_missing = d->nobs_dropped_missing;
}

/* ------------------------------------------------------------------------------------------ */
/* Random-effects transformation (Swamy-Arora; see gw_panel.h for the formulas).              */

void gwi_panel_re_free(gwi_panel_re *re)
{
    gw_free(re->Ti);
    gw_free(re->Xbar);
    gw_free(re->ybar);
    gw_free(re->varies);
    gw_free(re->Xs);
    gw_free(re->ys);
    gw_free(re->Xw);
    gw_free(re->yw);
    gw_free(re->theta);
    memset(re, 0, sizeof *re);
}

/* Group means of every column of X and of y, two-pass, one column per task. */
static gw_status all_means(const gw_design *d, gwi_panel_re *re)
{
    const size_t n = d->n, p = d->p, ng = re->ng;
    const int32_t *id = d->panel_id->codes;
    double *scratch = gw_alloc_array((p + 1) * ng, sizeof *scratch);
    if (scratch == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu group means", ng, p + 1);
#pragma omp parallel for schedule(dynamic, 1)
    for (size_t j = 0; j <= p; j++) {
        const double *x = j < p ? d->X + j * n : d->y;
        double *m = j < p ? re->Xbar + j * ng : re->ybar;
        gwi_panel_group_means(x, id, n, ng, re->Ti, m, scratch + j * ng);
    }
    gw_free(scratch);
    /* A column varies within groups unless every row equals its group's first row. */
    size_t *first = gw_alloc_array(ng, sizeof *first);
    if (first == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu group rows", ng);
    for (size_t g = 0; g < ng; g++)
        first[g] = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (first[id[i]] == SIZE_MAX)
            first[id[i]] = i;
    for (size_t j = 0; j < p; j++) {
        const double *x = d->X + j * n;
        re->varies[j] = 0;
        for (size_t i = 0; i < n && !re->varies[j]; i++)
            re->varies[j] = x[i] != x[first[id[i]]];
    }
    gw_free(first);
    return GW_OK;
}

/* Demeaned data x - xbar_i (columns that vary) into Xw, y - ybar_i into yw. */
static void within_data(const gw_design *d, gwi_panel_re *re)
{
    const size_t n = d->n, p = d->p, ng = re->ng;
    const int32_t *id = d->panel_id->codes;
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j <= p; j++) {
        const double *x = j < p ? d->X + j * n : d->y;
        const double *m = j < p ? re->Xbar + j * ng : re->ybar;
        double *o = j < p ? re->Xw + j * n : re->yw;
        for (size_t i = 0; i < n; i++)
            o[i] = x[i] - m[id[i]];
    }
}

/* Columns of the within regression: the varying ones, intercept excluded. */
static size_t within_columns(const gw_design *d, const gwi_panel_re *re, size_t *cols)
{
    size_t q = 0;
    for (size_t j = 0; j < d->p; j++)
        if (!(d->has_intercept && j == 0) && re->varies[j])
            cols[q++] = j;
    return q;
}

/* The idiosyncratic variance s2e = RSS_w / (N - n_g - K_w) from the within regression of the
 * demeaned y on the demeaned columns that vary (cols: p indices of scratch); sets re->kw. */
static gw_status re_sigma2_e(const gw_design *d, gw_ls_opts ls_opts, gwi_panel_re *re, size_t *cols,
                             double *s2e)
{
    const size_t n = d->n, ng = re->ng;
    gw_status rc = GW_OK;
    gw_ls *lw = NULL;
    double *Xw = NULL;
    const size_t q = within_columns(d, re, cols);
    double rss_w = 0.0;
    re->kw = 0;
    if (q > 0) {
        if ((Xw = gw_alloc_array(n * q, sizeof *Xw)) == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate the within regressors");
        for (size_t a = 0; a < q; a++)
            memcpy(Xw + a * n, re->Xw + cols[a] * n, n * sizeof *Xw);
        gw_design tw;
        tdesign(&tw, d, n, q, Xw, re->yw);
        tw.has_intercept = 0;
        if ((rc = gw_ls_fit(&tw, ls_opts, &lw)) != GW_OK) {
            rc = gwi_fail_keep(rc);
            goto done;
        }
        rss_w = gw_ls_rss(lw);
        re->kw = gw_ls_rank(lw);
    } else {
        for (size_t i = 0; i < n; i++)
            rss_w += re->yw[i] * re->yw[i];
    }
    const double O = (double)n, G = (double)ng;
    const double dfw = O - G - (double)re->kw;
    if (!(dfw > 0.0)) {
        rc = gwi_fail(GW_ENODATA,
                      "random effects: no degrees of freedom for the idiosyncratic "
                      "variance (%zu observations, %zu groups, %zu slopes)",
                      n, ng, re->kw);
        goto done;
    }
    *s2e = rss_w / dfw;
done:
    gw_ls_free(lw);
    gw_free(Xw);
    return rc;
}

/* The individual variance s2u (Swamy-Arora as plm, truncated at 0) from the between regression
 * on the group means weighted by T_i (plm's "Between"): (RSS_b - (n_g - K_b - 1) s2e) / (N - tr),
 * tr = tr(A^-1 C). keep (p) and wts (ng) are scratch. */
static gw_status re_sigma2_u(const gw_design *d, gw_ls_opts ls_opts, const gwi_panel_re *re,
                             double s2e, size_t *keep, double *wts, double *s2u_out)
{
    const size_t n = d->n, p = d->p, ng = re->ng;
    const double O = (double)n, G = (double)ng;
    gw_status rc = GW_OK;
    gw_ls *lb = NULL;
    for (size_t g = 0; g < ng; g++)
        wts[g] = (double)re->Ti[g];
    gw_design tb;
    tdesign(&tb, d, ng, p, re->Xbar, re->ybar);
    tb.w = wts;
    tb.has_intercept = 1;
    tb.cluster = NULL;
    tb.ncluster = 0;
    if ((rc = gw_ls_fit(&tb, ls_opts, &lb)) != GW_OK)
        return gwi_fail_keep(rc);
    const double rss_b = gw_ls_rss(lb);
    const double *Bb = gw_ls_bread(lb);
    const int *al = gw_ls_aliased(lb);
    size_t kb = 0;
    for (size_t j = 0; j < p; j++)
        if (!al[j])
            keep[kb++] = j;
    /* tr(A^-1 C), C = sum_i T_i^2 xbar_i xbar_i' over the kept columns. */
    double tr = 0.0;
    for (size_t b = 0; b < kb; b++)
        for (size_t a = 0; a < kb; a++) {
            const double *xa = re->Xbar + keep[a] * ng, *xb = re->Xbar + keep[b] * ng;
            double c = 0.0;
            for (size_t g = 0; g < ng; g++)
                c += wts[g] * wts[g] * xa[g] * xb[g];
            tr += Bb[keep[b] + keep[a] * p] * c;
        }
    const double dfb = G - (double)kb; /* n_g - K_b - 1 with K_b = kb - 1 slopes */
    if (!(dfb > 0.0) || !(O - tr > 0.0)) {
        rc = gwi_fail(GW_ENODATA,
                      "random effects: no degrees of freedom for the individual "
                      "variance (%zu groups, %zu between coefficients)",
                      ng, kb);
        goto done;
    }
    *s2u_out = (rss_b - dfb * s2e) / (O - tr);
done:
    gw_ls_free(lb);
    return rc;
}

/* Quasi-demeaned data x - theta_i xbar_i into Xs, ys. */
static void quasi_data(const gw_design *d, gwi_panel_re *re)
{
    const size_t n = d->n, p = d->p, ng = re->ng;
    const int32_t *id = d->panel_id->codes;
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j <= p; j++) {
        const double *x = j < p ? d->X + j * n : d->y;
        const double *m = j < p ? re->Xbar + j * ng : re->ybar;
        double *o = j < p ? re->Xs + j * n : re->ys;
        for (size_t i = 0; i < n; i++)
            o[i] = x[i] - re->theta[id[i]] * m[id[i]];
    }
}

gw_status gwi_panel_re_new(const gw_design *d, gw_ls_opts ls_opts, gw_panel_info *info,
                           gwi_panel_re *re)
{
    const size_t n = d->n, p = d->p;
    gw_status rc;
    double *wts = NULL;
    size_t *cols = NULL, *keep = NULL;
    memset(re, 0, sizeof *re);
    if ((rc = gwi_panel_check_id(d, "random effects")) != GW_OK)
        return rc;
    if (!d->has_intercept)
        return gwi_fail(GW_EINVAL, "random effects need an intercept (remove \"- 1\" / \"0 +\")");
    re->ng = d->panel_id->nlevels;
    const size_t ng = re->ng;
    if ((rc = group_counts(d, &re->Ti)) != GW_OK)
        goto done;
    re->Xbar = gw_alloc_array(ng * p, sizeof(double));
    re->ybar = gw_alloc_array(ng, sizeof(double));
    re->varies = gw_calloc(p, 1);
    re->Xw = gw_alloc_array(n * p, sizeof(double));
    re->yw = gw_alloc_array(n, sizeof(double));
    re->Xs = gw_alloc_array(n * p, sizeof(double));
    re->ys = gw_alloc_array(n, sizeof(double));
    re->theta = gw_alloc_array(ng, sizeof(double));
    cols = gw_alloc_array(p, sizeof *cols);
    keep = gw_alloc_array(p, sizeof *keep);
    wts = gw_alloc_array(ng, sizeof *wts);
    if (!re->Xbar || !re->ybar || !re->varies || !re->Xw || !re->yw || !re->Xs || !re->ys ||
        !re->theta || !cols || !keep || !wts) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the random-effects workspace (%zu x %zu)", n, p);
        goto done;
    }
    if ((rc = all_means(d, re)) != GW_OK)
        goto done;
    within_data(d, re);

    /* The variance components, from the within and the between regressions. */
    double s2e = 0.0, s2u = 0.0;
    if ((rc = re_sigma2_e(d, ls_opts, re, cols, &s2e)) != GW_OK ||
        (rc = re_sigma2_u(d, ls_opts, re, s2e, keep, wts, &s2u)) != GW_OK)
        goto done;
    if (!(s2u > 0.0))
        s2u = 0.0;
    info->sigma2_e = s2e;
    info->sigma2_u = s2u;
    info->sigma_e = sqrt(s2e);
    info->sigma_u = sqrt(s2u);
    info->rho = s2u / (s2u + s2e);
    info->theta_min = INFINITY;
    info->theta_max = -INFINITY;
    double tsum = 0.0;
    for (size_t g = 0; g < ng; g++) {
        double th = s2e > 0.0 ? 1.0 - sqrt(s2e / (s2e + (double)re->Ti[g] * s2u)) : 1.0;
        re->theta[g] = th;
        if (re->Ti[g] == 0)
            continue;
        info->theta_min = fmin(info->theta_min, th);
        info->theta_max = fmax(info->theta_max, th);
        tsum += (double)re->Ti[g] * th;
    }
    info->theta_mean = tsum / (double)n;

    quasi_data(d, re);
done:
    gw_free(wts);
    gw_free(keep);
    gw_free(cols);
    if (rc != GW_OK)
        gwi_panel_re_free(re);
    return rc;
}

double gw_panel_re_theta(const gw_panel_info *info, size_t T)
{
    if (info == NULL || info->model != GW_PANEL_RE || !(info->sigma2_e >= 0.0))
        return NAN;
    const double s2e = info->sigma2_e, s2u = info->sigma2_u;
    return s2e > 0.0 ? 1.0 - sqrt(s2e / (s2e + (double)T * s2u)) : 1.0;
}

/* ------------------------------------------------------------------------------------------ */
/* Result adjustments.                                                                        */

/* The Wald F test of every kept coefficient except the one of design column icol (SIZE_MAX:
 * none), with F(q, df_inference); NaN for a cluster variance with q > G - 1. */
static gw_status wald_slopes(gw_result *r, const size_t *keep, size_t icol, int clustered)
{
    const size_t k = r->k;
    size_t *idx = gw_alloc_array(k ? k : 1, sizeof *idx);
    double *work = gw_alloc_array(2 * k * k + k + 1, sizeof *work);
    gw_status rc = GW_OK;
    if (idx == NULL || work == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the F test workspace");
        goto done;
    }
    size_t q = 0;
    for (size_t j = 0; j < k; j++)
        if (keep[j] != icol)
            idx[q++] = j;
    double F = NAN;
    if (q > 0 && !(clustered && (double)q > r->df_inference))
        F = gwi_wald_f(r, idx, q, work);
    r->f_stat = F;
    r->f_df1 = (double)q;
    r->f_df2 = r->df_inference;
    r->f_p_value = (isfinite(F) && F >= 0.0 && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(F, (double)q, r->f_df2)
                       : (double)NAN;
done:
    gw_free(work);
    gw_free(idx);
    return rc;
}

/* Kept design columns of r (the non-aliased ones, in order), from gw_ls_fit of td. */
static gw_status kept_columns(const gw_design *td, const gw_ls *ls, size_t k, size_t *keep)
{
    const int *al = gw_ls_aliased(ls);
    size_t m = 0;
    for (size_t j = 0; j < td->p; j++)
        if (!al[j])
            keep[m++] = j;
    if (m != k)
        return gwi_fail(GW_EINTERNAL, "%zu kept columns but %zu coefficients", m, k);
    return GW_OK;
}

/* Replace r's variance by Driscoll-Kraay or Newey-West computed on td (whose panel_id and
 * panel_time are per row), recompute the inference and the Wald F of the slopes (all kept
 * coefficients but design column icol). */
static gw_status apply_hac(const gw_design *td, const gw_panel_opts *o, size_t icol, gw_result *r,
                           gw_panel_info *info)
{
    gw_ls *ls = NULL;
    size_t *keep = gw_alloc_array(td->p, sizeof *keep);
    gw_status rc = GW_OK;
    char name[64];
    if (keep == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu column indices", td->p);
        goto done;
    }
    if ((rc = gw_ls_fit(td, o->ols.ls, &ls)) != GW_OK) {
        rc = gwi_fail_keep(rc);
        goto done;
    }
    if ((rc = kept_columns(td, ls, r->k, keep)) != GW_OK)
        goto done;
    gw_panel_hac_data hd = {0};
    hd.n = td->n;
    hd.p = td->p;
    hd.X = td->X;
    hd.w = td->w;
    hd.resid = gw_ls_resid(ls);
    hd.bread = gw_ls_bread(ls);
    hd.keep = keep;
    hd.k = r->k;
    hd.id = td->panel_id ? td->panel_id->codes : NULL;
    hd.n_ids = td->panel_id ? td->panel_id->nlevels : 0;
    hd.time = td->panel_time;
    hd.dof_k = (double)r->k;
    size_t T = 0;
    if ((rc = gw_panel_vcov_hac(&hd, o->hac, o->lags, o->ssc, r->vcov, &T)) != GW_OK)
        goto done;
    info->n_periods = T;
    snprintf(name, sizeof name, "%s:%zu", o->hac == GW_PANEL_HAC_DK ? "dk" : "nw", o->lags);
    if ((rc = gw_result_set_str(&r->vcov_type, name)) != GW_OK)
        goto done;
    r->n_cluster_vars = 0;
    r->n_clusters[0] = r->n_clusters[1] = 0;
    r->df_inference = (double)td->n - (double)r->k;
    gwi_fill_inference(r);
    rc = wald_slopes(r, keep, icol, 0);
done:
    gw_ls_free(ls);
    gw_free(keep);
    return rc;
}

/* cor(y, f)^2 by two passes (plm's default R^2). */
static double cor2(const double *y, const double *f, size_t n)
{
    double my = 0.0, mf = 0.0, syy = 0.0, sff = 0.0, syf = 0.0;
    for (size_t i = 0; i < n; i++) {
        my += y[i];
        mf += f[i];
    }
    my /= (double)n;
    mf /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double a = y[i] - my, b = f[i] - mf;
        syy += a * a;
        sff += b * b;
        syf += a * b;
    }
    if (!(syy > 0.0) || !(sff > 0.0))
        return NAN;
    const double r = syf / sqrt(syy * sff);
    return r * r;
}

/* Sum of squares around the mean, two passes. */
static double css(const double *y, size_t n)
{
    double m = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++)
        m += y[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (y[i] - m) * (y[i] - m);
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Estimators.                                                                                */

/* Fit td with the caller's gw_ols options (variance kind replaced by iid under DK/NW), keeping
 * residuals and fitted values when `need_rf`. */
static gw_status ols_on(const gw_design *td, const gw_panel_opts *o, int need_rf, gw_result **r)
{
    gw_ols_opts oo = o->ols;
    if (o->hac != GW_PANEL_HAC_NONE)
        oo.vcov = GW_VCOV_IID;
    if (need_rf)
        oo.flags |= GW_OLS_KEEP_RESIDUALS | GW_OLS_KEEP_FITTED;
    gw_status rc = gw_ols_fit(td, &oo, r);
    return rc == GW_OK ? GW_OK : gwi_fail_keep(rc);
}

/* Drop the residuals and fitted values the caller did not ask for. */
static void trim_rf(gw_result *r, unsigned flags)
{
    if (!(flags & GW_OLS_KEEP_RESIDUALS)) {
        gw_free(r->residuals);
        r->residuals = NULL;
    }
    if (!(flags & GW_OLS_KEEP_FITTED)) {
        gw_free(r->fitted);
        r->fitted = NULL;
    }
}

/* Rejects two observations of one panel id at the same time, as first differences do (for
 * random effects and the between estimator, which would otherwise silently accept them). */
typedef struct {
    int32_t id;
    double t;
    size_t row;
} id_time_row;

static int cmp_id_time_row(const void *a, const void *b)
{
    const id_time_row *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->row > y->row) - (x->row < y->row);
}

static gw_status check_id_time_unique(const gw_design *d, const char *what)
{
    const size_t n = d->n;
    if (d->panel_id == NULL || d->panel_id->codes == NULL || d->panel_time == NULL)
        return GW_OK;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(d->panel_time[i]))
            return gwi_fail(GW_ENONFINITE, "panel time is %g at observation %zu", d->panel_time[i],
                            i + 1);
    id_time_row *q = gw_alloc_array(n, sizeof *q);
    if (q == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu (id, time) pairs", n);
    for (size_t i = 0; i < n; i++)
        q[i] = (id_time_row){d->panel_id->codes[i], d->panel_time[i], i};
    qsort(q, n, sizeof *q, cmp_id_time_row);
    gw_status rc = GW_OK;
    for (size_t a = 1; a < n; a++)
        if (q[a].id == q[a - 1].id && q[a].t == q[a - 1].t) {
            rc = gwi_fail(
                GW_EINVAL, "%s: panel id %s has two observations (%zu and %zu) at time %g", what,
                d->panel_id->name ? d->panel_id->name : "", q[a - 1].row + 1, q[a].row + 1, q[a].t);
            break;
        }
    gw_free(q);
    return rc;
}

static gw_status fit_re(const gw_design *d, const gw_panel_opts *o, gw_result **out,
                        gw_panel_info *info)
{
    gwi_panel_re re;
    gw_result *r = NULL;
    gw_ls *ls = NULL;
    size_t *keep = NULL;
    gw_status rc;
    if ((rc = gwi_panel_re_new(d, o->ols.ls, info, &re)) != GW_OK)
        return rc;
    gw_design td;
    tdesign(&td, d, d->n, d->p, re.Xs, re.ys);
    td.has_intercept = 0; /* column 0 is 1 - theta_i: not constant on unbalanced panels */
    if ((rc = ols_on(&td, o, 1, &r)) != GW_OK)
        goto done;
    if ((rc = gw_result_set_str(&r->estimator, "re")) != GW_OK)
        goto done;
    const size_t n = d->n, k = r->k;
    double *ys = re.ys;
    r->r2 = cor2(ys, r->fitted, n);
    r->adj_r2 = (double)n > (double)k
                    ? 1.0 - (1.0 - r->r2) * ((double)n - 1.0) / ((double)n - (double)k)
                    : (double)NAN;
    r->tss = css(ys, n);
    r->loglik = NAN;
    if (o->hac != GW_PANEL_HAC_NONE) {
        rc = apply_hac(&td, o, 0, r, info);
    } else {
        /* The F test of the slopes: column 0 is the (transformed) intercept. */
        if ((keep = gw_alloc_array(d->p, sizeof *keep)) == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu column indices", d->p);
            goto done;
        }
        size_t m = 0;
        for (size_t j = 0; j < d->p && m < k; j++) {
            int kept = 0;
            for (size_t a = 0; a < k && !kept; a++)
                kept = strcmp(r->terms[a], d->terms[j]) == 0;
            if (kept)
                keep[m++] = j;
        }
        rc = m == k ? wald_slopes(r, keep, 0, o->ols.vcov == GW_VCOV_CLUSTER)
                    : gwi_fail(GW_EINTERNAL, "term names of the random-effects fit do not match");
    }
    if (rc != GW_OK)
        goto done;
    trim_rf(r, o->ols.flags);
    *out = r;
    r = NULL;
done:
    gw_free(keep);
    gw_ls_free(ls);
    gw_result_free(r);
    gwi_panel_re_free(&re);
    return rc;
}

static gw_status fit_within(const gw_design *d, const gw_panel_opts *o, gw_result **out,
                            gw_panel_info *info)
{
    const size_t n = d->n, p = d->p;
    gwi_panel_re re;
    gw_result *r = NULL;
    double *Xw = NULL;
    char **terms = NULL;
    gw_status rc = GW_OK;
    memset(&re, 0, sizeof re);
    if ((rc = gwi_panel_check_id(d, "the within estimator")) != GW_OK)
        return rc;
    if (o->hac == GW_PANEL_HAC_NONE && o->ols.vcov != GW_VCOV_IID)
        return gwi_fail(GW_EUNSUPPORTED, "the panel within helper has iid, Driscoll-Kraay and "
                                         "Newey-West variances only (absorbed fixed effects "
                                         "have the others)");
    re.ng = d->panel_id->nlevels;
    const size_t ng = re.ng;
    re.Xbar = gw_alloc_array(ng * p, sizeof(double));
    re.ybar = gw_alloc_array(ng, sizeof(double));
    re.varies = gw_calloc(p, 1);
    re.Xw = gw_alloc_array(n * p, sizeof(double));
    re.yw = gw_alloc_array(n, sizeof(double));
    terms = gw_calloc(p ? p : 1, sizeof *terms);
    Xw = gw_alloc_array(n * p, sizeof *Xw);
    if (!re.Xbar || !re.ybar || !re.varies || !re.Xw || !re.yw || !terms || !Xw) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the within workspace (%zu x %zu)", n, p);
        goto done;
    }
    if ((rc = group_counts(d, &re.Ti)) != GW_OK || (rc = all_means(d, &re)) != GW_OK)
        goto done;
    within_data(d, &re);
    size_t q = 0;
    for (size_t j = 0; j < p; j++)
        if (!(d->has_intercept && j == 0) && re.varies[j]) {
            memcpy(Xw + q * n, re.Xw + j * n, n * sizeof *Xw);
            terms[q++] = d->terms[j];
        }
    if (q == 0) {
        rc = gwi_fail(GW_EINVAL, "the within estimator: no regressor varies within panel ids");
        goto done;
    }
    gw_design td;
    tdesign(&td, d, n, q, Xw, re.yw);
    td.terms = terms;
    td.has_intercept = 0;
    td.cluster = NULL;
    td.ncluster = 0;
    gw_panel_opts oo = *o;
    oo.ols.vcov = GW_VCOV_IID;
    if ((rc = ols_on(&td, &oo, 0, &r)) != GW_OK)
        goto done;
    if ((rc = gw_result_set_str(&r->estimator, "within")) != GW_OK)
        goto done;
    const double O = (double)n, K = (double)r->k, dfw = O - (double)ng - K;
    if (!(dfw > 0.0)) {
        rc = gwi_fail(GW_ENODATA,
                      "the within estimator: no residual degrees of freedom (%zu "
                      "observations, %zu groups, %zu slopes)",
                      n, ng, r->k);
        goto done;
    }
    /* From gw_ols_fit's N - K to the within N - n_g - K (the demeaned data have mean zero, so
     * its uncentred R^2 is the within R^2 and its F only needs the new s^2). */
    const double scale = (O - K) / dfw;
    for (size_t e = 0; e < r->k * r->k; e++)
        r->vcov[e] *= scale;
    r->df_resid = dfw;
    r->df_inference = dfw;
    r->rmse = sqrt(r->rss / dfw);
    r->r2_within = r->r2;
    r->adj_r2 = 1.0 - (1.0 - r->r2) * (O - 1.0) / dfw;
    r->loglik = NAN;
    r->f_stat = r->f_stat / scale;
    r->f_df2 = dfw;
    r->f_p_value = isfinite(r->f_stat) ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, dfw) : (double)NAN;
    gwi_fill_inference(r);
    if (o->hac != GW_PANEL_HAC_NONE && (rc = apply_hac(&td, o, SIZE_MAX, r, info)) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    gw_free(Xw);
    gw_free(terms);
    gwi_panel_re_free(&re);
    return rc;
}

typedef struct {
    double t;
    size_t row;
} time_row;

static int cmp_time_row(const void *a, const void *b)
{
    const time_row *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->row > y->row) - (x->row < y->row);
}

static gw_status fit_fd(const gw_design *d, const gw_panel_opts *o, gw_result **out,
                        gw_panel_info *info)
{
    const size_t n = d->n, p = d->p;
    gw_status rc;
    if ((rc = gwi_panel_check_id(d, "first differences")) != GW_OK)
        return rc;
    if (d->panel_time == NULL)
        return gwi_fail(GW_EINVAL, "first differences need a panel time (--panel ID,TIME)");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(d->panel_time[i]))
            return gwi_fail(GW_ENONFINITE, "panel time is %g at observation %zu", d->panel_time[i],
                            i + 1);
    const size_t ng = d->panel_id->nlevels, nc = d->ncluster;
    const int32_t *id = d->panel_id->codes;
    size_t *start = gw_calloc(ng + 1, sizeof *start);
    time_row *tr = gw_alloc_array(n, sizeof *tr);
    size_t *pa = gw_alloc_array(2 * n, sizeof *pa); /* pairs (later, earlier) */
    double *X = NULL, *y = NULL, *time = NULL;
    int32_t *codes = NULL;
    gw_factor *cl = NULL, pid;
    gw_result *r = NULL;
    if (start == NULL || tr == NULL || pa == NULL) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate the first-difference workspace (%zu rows)", n);
        goto done;
    }
    /* Rows by id (stable), then by time within id. */
    for (size_t i = 0; i < n; i++)
        start[(size_t)id[i] + 1]++;
    for (size_t g = 0; g < ng; g++)
        start[g + 1] += start[g];
    {
        size_t *cursor = gw_alloc_array(ng, sizeof *cursor);
        if (cursor == NULL) {
            rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu cursors", ng);
            goto done;
        }
        memcpy(cursor, start, ng * sizeof *cursor);
        for (size_t i = 0; i < n; i++) {
            time_row *t = &tr[cursor[id[i]]++];
            t->t = d->panel_time[i];
            t->row = i;
        }
        gw_free(cursor);
    }
    size_t m = 0, gaps = 0;
    for (size_t g = 0; g < ng; g++) {
        time_row *q = tr + start[g];
        size_t cnt = start[g + 1] - start[g];
        qsort(q, cnt, sizeof *q, cmp_time_row);
        for (size_t a = 1; a < cnt; a++) {
            if (q[a].t == q[a - 1].t) {
                rc = gwi_fail(GW_EINVAL,
                              "first differences: panel id %s has two observations "
                              "(%zu and %zu) at time %g",
                              d->panel_id->name ? d->panel_id->name : "", q[a - 1].row + 1,
                              q[a].row + 1, q[a].t);
                goto done;
            }
            if ((o->flags & GW_PANEL_FD_UNIT_GAP) && q[a].t - q[a - 1].t != 1.0) {
                gaps++;
                continue;
            }
            pa[2 * m] = q[a].row;
            pa[2 * m + 1] = q[a - 1].row;
            m++;
        }
    }
    info->fd_gaps = gaps;
    if (m == 0) {
        rc = gwi_fail(GW_ENODATA, "first differences: no id has two observations%s",
                      gaps ? " one period apart" : "");
        goto done;
    }
    X = gw_alloc_array(m * p, sizeof *X);
    y = gw_alloc_array(m, sizeof *y);
    time = gw_alloc_array(m, sizeof *time);
    codes = gw_alloc_array(m * (nc + 1), sizeof *codes);
    cl = gw_calloc(nc ? nc : 1, sizeof *cl);
    if (!X || !y || !time || !codes || !cl) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu x %zu differences", m, p);
        goto done;
    }
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j <= p; j++) {
        const double *x = j < p ? d->X + j * n : d->y;
        double *o2 = j < p ? X + j * m : y;
        if (j == 0 && d->has_intercept && p > 0) {
            for (size_t i = 0; i < m; i++)
                o2[i] = 1.0;
            continue;
        }
        for (size_t i = 0; i < m; i++)
            o2[i] = x[pa[2 * i]] - x[pa[2 * i + 1]];
    }
    for (size_t i = 0; i < m; i++) {
        time[i] = d->panel_time[pa[2 * i]];
        codes[i] = id[pa[2 * i]];
        for (size_t c = 0; c < nc; c++)
            codes[(c + 1) * m + i] = d->cluster[c].codes[pa[2 * i]];
    }
    pid = *d->panel_id;
    pid.codes = codes;
    for (size_t c = 0; c < nc; c++) {
        cl[c] = d->cluster[c];
        cl[c].codes = codes + (c + 1) * m;
    }
    gw_design td;
    tdesign(&td, d, m, p, X, y);
    td.panel_id = &pid;
    td.panel_time = time;
    td.cluster = nc ? cl : NULL;
    if ((rc = ols_on(&td, o, 0, &r)) != GW_OK)
        goto done;
    if ((rc = gw_result_set_str(&r->estimator, "fd")) != GW_OK)
        goto done;
    if (o->hac != GW_PANEL_HAC_NONE &&
        (rc = apply_hac(&td, o, d->has_intercept ? 0 : SIZE_MAX, r, info)) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    gw_free(cl);
    gw_free(codes);
    gw_free(time);
    gw_free(y);
    gw_free(X);
    gw_free(pa);
    gw_free(tr);
    gw_free(start);
    return rc;
}

static gw_status fit_between(const gw_design *d, const gw_panel_opts *o, gw_result **out)
{
    gw_status rc;
    gwi_panel_re re;
    gw_result *r = NULL;
    memset(&re, 0, sizeof re);
    if ((rc = gwi_panel_check_id(d, "the between estimator")) != GW_OK)
        return rc;
    if (o->hac != GW_PANEL_HAC_NONE || o->ols.vcov == GW_VCOV_CLUSTER)
        return gwi_fail(GW_EUNSUPPORTED, "the between estimator has one row per panel id: "
                                         "cluster, Driscoll-Kraay and Newey-West variances do "
                                         "not apply");
    const size_t p = d->p;
    re.ng = d->panel_id->nlevels;
    re.Xbar = gw_alloc_array(re.ng * p, sizeof(double));
    re.ybar = gw_alloc_array(re.ng, sizeof(double));
    re.varies = gw_calloc(p, 1);
    if (!re.Xbar || !re.ybar || !re.varies) {
        rc = gwi_fail(GW_ENOMEM, "cannot allocate %zu group means", re.ng);
        goto done;
    }
    if ((rc = group_counts(d, &re.Ti)) != GW_OK || (rc = all_means(d, &re)) != GW_OK)
        goto done;
    gw_design td;
    tdesign(&td, d, re.ng, p, re.Xbar, re.ybar);
    td.cluster = NULL;
    td.ncluster = 0;
    td.panel_time = NULL;
    td.panel_id = NULL;
    if ((rc = ols_on(&td, o, 0, &r)) != GW_OK)
        goto done;
    if ((rc = gw_result_set_str(&r->estimator, "between")) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    gw_result_free(r);
    gwi_panel_re_free(&re);
    return rc;
}

static gw_status fit_pooling(const gw_design *d, const gw_panel_opts *o, gw_result **out,
                             gw_panel_info *info)
{
    gw_result *r = NULL;
    gw_status rc = ols_on(d, o, 0, &r);
    if (rc == GW_OK && o->hac != GW_PANEL_HAC_NONE)
        rc = apply_hac(d, o, d->has_intercept ? 0 : SIZE_MAX, r, info);
    if (rc != GW_OK) {
        gw_result_free(r);
        return rc;
    }
    *out = r;
    return GW_OK;
}

/* Panel dimensions for info. */
static gw_status describe(const gw_design *d, gw_panel_info *info)
{
    info->nobs_input = d->n;
    if (d->panel_id != NULL && d->panel_id->codes != NULL) {
        size_t *Ti = NULL;
        gw_status rc = group_counts(d, &Ti);
        if (rc != GW_OK)
            return rc;
        size_t ng = 0, lo = SIZE_MAX, hi = 0;
        for (size_t g = 0; g < d->panel_id->nlevels; g++) {
            if (Ti[g] == 0)
                continue;
            ng++;
            lo = Ti[g] < lo ? Ti[g] : lo;
            hi = Ti[g] > hi ? Ti[g] : hi;
        }
        gw_free(Ti);
        info->n_groups = ng;
        info->t_min = ng ? lo : 0;
        info->t_max = hi;
        info->balanced = ng > 0 && lo == hi;
    }
    if (d->panel_time != NULL && info->n_periods == 0) {
        size_t *pos = gw_alloc_array(d->n, sizeof *pos);
        if (pos == NULL)
            return gwi_fail(GW_ENOMEM, "cannot allocate %zu time positions", d->n);
        gw_status rc = gwi_panel_time_pos(d->panel_time, d->n, pos, &info->n_periods);
        gw_free(pos);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* The estimator of a validated design (gwi_scale_fit's callback; ctx is a panel_ctx). Extreme
 * scales (gw_ols.h, "Scale"; models/scale.c): the columns are scanned first and a design with y
 * or a column outside the safe window is fitted as a copy scaled by powers of two; the
 * transformations (demeaning, differences, group means, quasi-demeaning with theta, which
 * depends only on ratios of variance components) are linear in each column, so they commute
 * with the scaling, and the result maps back exactly. The variance components of info are in
 * y's units: they are mapped back here (yexp). */
typedef struct {
    const gw_panel_opts *opts;
    gw_panel_info *info;
} panel_ctx;

static gw_status panel_fit_at(void *ctx, const gw_design *d, gw_design *own, int yexp,
                              gw_result **out)
{
    const panel_ctx *c = ctx;
    const gw_panel_opts *opts = c->opts;
    gw_panel_info *info = c->info;
    gw_status rc;
    (void)own;
    switch (opts->model) {
    case GW_PANEL_RE:
        if ((rc = check_id_time_unique(d, "random effects")) != GW_OK)
            return rc;
        rc = fit_re(d, opts, out, info);
        break;
    case GW_PANEL_FD:
        rc = fit_fd(d, opts, out, info);
        break;
    case GW_PANEL_BETWEEN:
        if ((rc = check_id_time_unique(d, "the between estimator")) != GW_OK)
            return rc;
        rc = fit_between(d, opts, out);
        break;
    case GW_PANEL_WITHIN:
        rc = fit_within(d, opts, out, info);
        break;
    default:
        rc = fit_pooling(d, opts, out, info);
        break;
    }
    if (rc == GW_OK && (rc = describe(d, info)) != GW_OK) {
        gw_result_free(*out);
        *out = NULL;
    }
    if (rc == GW_OK && yexp != 0) {
        info->sigma2_e = ldexp(info->sigma2_e, 2 * yexp);
        info->sigma2_u = ldexp(info->sigma2_u, 2 * yexp);
        info->sigma_e = ldexp(info->sigma_e, yexp);
        info->sigma_u = ldexp(info->sigma_u, yexp);
    }
    return rc;
}

gw_status gw_panel_fit(const gw_design *d, const gw_panel_opts *opts, gw_result **out,
                       gw_panel_info *info)
{
    const gw_panel_opts defaults = {0};
    gw_panel_info scratch;
    gw_status rc;
    if (out == NULL)
        return gwi_fail(GW_EINVAL, "no output pointer");
    *out = NULL;
    if (info == NULL)
        info = &scratch;
    memset(info, 0, sizeof *info);
    info->sigma2_e = info->sigma2_u = info->sigma_e = info->sigma_u = info->rho = NAN;
    info->theta_min = info->theta_max = info->theta_mean = NAN;
    if (opts == NULL)
        opts = &defaults;
    if (d == NULL)
        return gwi_fail(GW_EINVAL, "no design");
    if ((int)opts->model < 0 || opts->model >= GW_PANEL_NMODELS)
        return gwi_fail(GW_EINVAL, "unknown panel model %d", (int)opts->model);
    if ((int)opts->hac < 0 || opts->hac >= GW_PANEL_HAC_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown panel variance %d", (int)opts->hac);
    if ((int)opts->ssc < 0 || opts->ssc >= GW_PANEL_SSC_NKINDS)
        return gwi_fail(GW_EINVAL, "unknown small-sample correction %d", (int)opts->ssc);
    if (d->n == 0)
        return gwi_fail(GW_ENODATA, "no observations");
    if (d->nfe > 0)
        return gwi_fail(GW_EUNSUPPORTED, "absorbed fixed effects with a panel estimator: use "
                                         "the within estimator (ols with \"| fe\")");
    if (d->n_endog > 0 || d->Z != NULL)
        return gwi_fail(GW_EUNSUPPORTED, "instrumental variables with a panel estimator");
    if (d->w != NULL && opts->model != GW_PANEL_POOLING)
        return gwi_fail(GW_EUNSUPPORTED, "weights with %s are not supported",
                        opts->model == GW_PANEL_RE        ? "random effects"
                        : opts->model == GW_PANEL_FD      ? "first differences"
                        : opts->model == GW_PANEL_BETWEEN ? "the between estimator"
                                                          : "the within estimator");
    if (opts->hac != GW_PANEL_HAC_NONE) {
        if (d->panel_time == NULL)
            return gwi_fail(GW_EINVAL, "%s needs a panel time (--panel ID,TIME)",
                            opts->hac == GW_PANEL_HAC_DK ? "Driscoll-Kraay" : "Newey-West");
        if (opts->hac == GW_PANEL_HAC_NW && (rc = gwi_panel_check_id(d, "Newey-West")) != GW_OK)
            return rc;
    }
    if (d->panel_id != NULL && (rc = gwi_panel_check_id(d, "a panel")) != GW_OK)
        return rc;
    (void)gw_threads_get();
    info->model = opts->model;
    if (d->X == NULL || d->y == NULL || d->p == 0) /* gw_ols_fit's messages, unscanned */
        return panel_fit_at(&(panel_ctx){opts, info}, d, NULL, 0, out);
    panel_ctx c = {opts, info};
    return gwi_scale_fit(d, 1, GWI_UNSCALE_LINEAR, panel_fit_at, &c, out);
}
