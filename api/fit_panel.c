/* fit_panel.c -- gw_fit_table's panel estimators and panel variances (fit_int.h).
 *
 * --estimator re|fd|between select GW_PANEL_RE, _FD, _BETWEEN of models/panel/gw_panel.h; "ols"
 * (or none) with --vcov dk:LAGS / nw:LAGS is pooled OLS with the Driscoll-Kraay or Newey-West
 * variance. Driscoll-Kraay and Newey-West use the default small-sample factor of gw_panel.h
 * (none: plm's vcovSCC / vcovNW default, type "HC0"). With absorbed fixed effects ("| fe")
 * --vcov dk:LAGS / nw:LAGS is the within fit with that variance (fit_fe_hac). --hausman adds
 * gw_panel_hausman_test's classical and cluster-robust regression-form statistics, and every
 * panel fit reports groups, rows per group and (re) the variance components and theta. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core_int.h"
#include "fit_int.h"
#include "gw_alloc.h"
#include "gw_hdfe.h"
#include "gw_linalg.h"
#include "gw_panel.h"
#include "gw_strbuf.h"
#include "gw_status.h"
#include "models_int.h"

static int is_panel_estimator(const char *e)
{
    return e != NULL && (!strcmp(e, "re") || !strcmp(e, "fd") || !strcmp(e, "between"));
}

int gwi_fit_is_hac(const char *v)
{
    return v != NULL && (!strncmp(v, "dk:", 3) || !strncmp(v, "nw:", 3));
}

int gwi_fit_panel_requested(const char *estimator, const char *vcov)
{
    return is_panel_estimator(estimator) || gwi_fit_is_hac(vcov);
}

int gwi_fit_parse_lags(const char *s, size_t *out)
{
    unsigned long long v;
    if (!gw_str_to_count(s, INT_MAX, &v))
        return 0;
    *out = (size_t)v;
    return 1;
}

gw_status gwi_fit_panel_check(const char *estimator, const char *vcov, int has_panel)
{
    size_t lags = 0;
    if (!gwi_fit_panel_requested(estimator, vcov))
        return GW_OK;
    if (estimator != NULL && strcmp(estimator, "ols") != 0 && !is_panel_estimator(estimator))
        return gwi_fail(GW_EINVAL, "--vcov %s needs a linear estimator (ols, re, fd), not '%s'",
                        vcov, estimator);
    if (gwi_fit_is_hac(vcov) && !gwi_fit_parse_lags(vcov + 3, &lags))
        return gwi_fail(GW_EINVAL, "bad --vcov '%s': LAGS must be a non-negative integer", vcov);
    if (!has_panel)
        return gwi_fail(GW_EINVAL, "%s needs --panel ID,TIME",
                        is_panel_estimator(estimator)
                            ? (!strcmp(estimator, "re")   ? "--estimator re"
                               : !strcmp(estimator, "fd") ? "--estimator fd"
                                                          : "--estimator between")
                            : vcov);
    if (estimator != NULL && !strcmp(estimator, "between") && vcov != NULL &&
        (gwi_fit_is_hac(vcov) || !strncmp(vcov, "cluster:", 8)))
        return gwi_fail(GW_EINVAL,
                        "--estimator between has one row per panel id: --vcov %s does not apply",
                        vcov);
    return GW_OK;
}

/* The panel fields of the result from the fit's gw_panel_info: the dimensions for every panel
 * fit with a panel id, the Swamy-Arora components and theta for random effects. */
static void fill_panel_info(const gw_panel_info *info, gw_result *r)
{
    if (info->n_groups > 0) {
        r->n_groups = info->n_groups;
        r->t_min = info->t_min;
        r->t_max = info->t_max;
    }
    if (info->model == GW_PANEL_RE) {
        r->sigma_u = info->sigma_u;
        r->sigma_e = info->sigma_e;
        r->rho = info->rho;
        r->theta_min = info->theta_min;
        r->theta_max = info->theta_max;
        r->theta = info->balanced ? info->theta_min : (double)NAN;
    }
}

/* The panel dimensions of the m rows used (ids id[0..m)) into r. GW_ENOMEM. */
static gw_status panel_dims(const gw_design *d, const int32_t *id, size_t m, gw_result *r)
{
    size_t *cnt = gw_calloc(d->panel_id->nlevels ? d->panel_id->nlevels : 1, sizeof *cnt);
    if (cnt == NULL)
        return gwi_fail(GW_ENOMEM, "cannot count panel ids");
    for (size_t i = 0; i < m; i++)
        cnt[id[i]]++;
    size_t g = 0, tmin = GW_RESULT_NA, tmax = 0;
    for (size_t l = 0; l < d->panel_id->nlevels; l++)
        if (cnt[l] > 0) {
            g++;
            tmin = cnt[l] < tmin ? cnt[l] : tmin;
            tmax = cnt[l] > tmax ? cnt[l] : tmax;
        }
    gw_free(cnt);
    r->n_groups = g;
    r->t_min = tmin;
    r->t_max = tmax;
    return GW_OK;
}

/* Driscoll-Kraay / Newey-West with absorbed fixed effects. The within fit is
 * gw_ols_fit_fe_inplace with the iid variance, which leaves d->X and d->y demeaned and
 * compacted to the rows kept after singletons (leading dimension N = result->nobs); those
 * rows are recovered by building the same gw_hdfe (gw_hdfe_new on the unchanged d->fe, d->w
 * and singleton option: the same rows). Least squares on the demeaned design gives the bread
 * (X~'WX~)^-1 and, by Frisch-Waugh-Lovell, the full model's residuals; gw_panel_vcov_hac
 * builds the variance from them with the demeaned regressors, as plm's vcovSCC / vcovNW on the
 * within model. Small-sample factor: none (HC0, plm's default; dof_k = K + D would only enter
 * HC1/SSS). Inference: t with the fit's df_resid = N - K - D (plm's within df.residual with one
 * set of effects); the F test becomes the Wald F of all slopes with that variance. */
static gw_status fit_fe_hac(gw_design *d, gw_panel_hac kind, size_t lags, const char *vcov,
                            const gw_ols_opts *oo, gw_result **out)
{
    gw_status s = GW_OK;
    gw_hdfe *h = NULL;
    gw_ls *ls = NULL;
    gw_result *r = NULL;
    double *time = NULL, *work = NULL;
    int32_t *id = NULL;
    size_t *keep = NULL;
    gwi_scale sc = {0};
    int scaled = 0;
    *out = NULL;
    if (d->panel_time == NULL || (kind == GW_PANEL_HAC_NW && d->panel_id == NULL))
        return gwi_fail(GW_EINVAL, "--vcov %s needs --panel ID,TIME", vcov);
    if (d->ncluster > 0)
        return gwi_fail(GW_EINVAL, "--vcov %s replaces clustering: no cluster variable expected",
                        vcov);
    gw_hdfe_opts ho = {oo->fe_tol, oo->fe_maxiter,
                       (oo->flags & GW_OLS_KEEP_SINGLETONS) ? GW_HDFE_KEEP_SINGLETONS : 0u};
    if ((s = gw_hdfe_new(d->fe, d->nfe, d->n, d->w, &ho, &h)) != GW_OK) {
        goto done;
    }
    const size_t m = gw_hdfe_nobs(h), p = d->p;
    const size_t *rows = gw_hdfe_rows(h);
    if ((time = gw_alloc_array(m, sizeof *time)) == NULL ||
        (d->panel_id != NULL && (id = gw_alloc_array(m, sizeof *id)) == NULL) ||
        (keep = gw_alloc_array(p, sizeof *keep)) == NULL) {
        s = gwi_fail(GW_ENOMEM, "cannot allocate %zu panel rows", m);
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        size_t src = rows ? rows[i] : i;
        time[i] = d->panel_time[src];
        if (id != NULL)
            id[i] = d->panel_id->codes[src];
    }
    gw_ols_opts o = *oo;
    o.vcov = GW_VCOV_IID; /* replaced below; its s^2 is not used */
    /* Extreme scales (models/scale.c): the variance below is computed from the demeaned columns
     * that the within fit leaves in d, so the scaling is done here, on d itself, and the whole
     * result, that variance included, is mapped back at the end (the within fit then finds
     * nothing left to scale). */
    if ((s = gwi_scale_plan(d, 1, &sc, &scaled)) != GW_OK)
        goto done;
    if (scaled)
        gwi_scale_inplace(d, &sc);
    if ((s = gw_ols_fit_fe_inplace(d, &o, &r)) != GW_OK) {
        goto done;
    }
    if (r->nobs != m || r->k == 0) {
        if (r->k == 0) { /* cmd_fit reports the all-collinear case */
            *out = r;
            r = NULL;
            goto done;
        }
        s = gwi_fail(GW_EINTERNAL, "the within fit kept %zu rows, not %zu", r->nobs, m);
        goto done;
    }
    /* The demeaned design: d->X's first m rows of each column (leading dimension m). */
    gw_design wd;
    memset(&wd, 0, sizeof wd);
    wd.n = m;
    wd.p = p;
    wd.X = d->X;
    wd.y = d->y;
    wd.w = (double *)(uintptr_t)gw_hdfe_weights(h); /* only read */
    wd.terms = d->terms;
    wd.response = d->response;
    if ((s = gw_ls_fit(&wd, oo->ls, &ls)) != GW_OK) {
        goto done;
    }
    const int *aliased = gw_ls_aliased(ls);
    size_t k = 0;
    for (size_t j = 0; j < p; j++)
        if (!aliased[j]) {
            if (k < r->k && strcmp(d->terms[j], r->terms[k]) != 0)
                break;
            keep[k++] = j;
        }
    if (k != r->k) {
        s = gwi_fail(GW_EINTERNAL, "the demeaned least squares keeps other columns than the fit");
        goto done;
    }
    const double D = (double)m - (double)k - r->df_resid;
    gw_panel_hac_data hd = {m,
                            p,
                            wd.X,
                            wd.w,
                            gw_ls_resid(ls),
                            gw_ls_bread(ls),
                            keep,
                            k,
                            id,
                            d->panel_id ? d->panel_id->nlevels : 0,
                            time,
                            (double)k + D};
    if ((s = gw_panel_vcov_hac(&hd, kind, lags, GW_PANEL_SSC_HC0, r->vcov, NULL)) != GW_OK) {
        goto done;
    }
    r->stat_is_z = 0;
    r->df_inference = r->df_resid;
    gwi_fill_inference(r);
    if ((work = gw_alloc_array(2 * k * k + k, sizeof *work)) == NULL) {
        s = gwi_fail(GW_ENOMEM, "cannot allocate the Wald test");
        goto done;
    }
    for (size_t j = 0; j < k; j++)
        keep[j] = j;
    r->f_stat = gwi_wald_f(r, keep, k, work);
    r->f_df1 = (double)k;
    r->f_df2 = r->df_inference;
    r->f_p_value = (isfinite(r->f_stat) && r->f_stat >= 0.0 && r->f_df2 > 0.0)
                       ? gsl_cdf_fdist_Q(r->f_stat, r->f_df1, r->f_df2)
                       : (double)NAN;
    if ((s = gw_result_set_str(&r->vcov_type, vcov)) != GW_OK) {
        goto done;
    }
    if (d->panel_id != NULL && (s = panel_dims(d, id, m, r)) != GW_OK)
        goto done;
    if (scaled && (s = gwi_scale_unscale(r, &sc, GWI_UNSCALE_LINEAR, d->has_intercept)) != GW_OK)
        goto done;
    *out = r;
    r = NULL;
done:
    gwi_scale_free(&sc);
    gw_result_free(r);
    gw_ls_free(ls);
    gw_hdfe_free(h);
    gw_free(time);
    gw_free(id);
    gw_free(keep);
    gw_free(work);
    return s;
}

gw_status gwi_fit_panel(gw_design *design, const char *estimator, const char *vcov,
                        const gw_ols_opts *oo, int hausman, gw_result **out)
{
    gw_panel_opts po = {0};
    gw_panel_info info;
    gw_panel_hausman ht;
    po.ols = *oo;
    po.model = GW_PANEL_POOLING;
    *out = NULL;
    if (estimator != NULL && !strcmp(estimator, "re"))
        po.model = GW_PANEL_RE;
    else if (estimator != NULL && !strcmp(estimator, "fd"))
        po.model = GW_PANEL_FD;
    else if (estimator != NULL && !strcmp(estimator, "between"))
        po.model = GW_PANEL_BETWEEN;
    if (gwi_fit_is_hac(vcov)) {
        po.hac = vcov[0] == 'd' ? GW_PANEL_HAC_DK : GW_PANEL_HAC_NW;
        if (!gwi_fit_parse_lags(vcov + 3, &po.lags))
            return gwi_fail(GW_EINVAL, "bad --vcov '%s': LAGS must be a non-negative integer",
                            vcov);
    }
    if (design->nfe > 0) {
        if (po.model != GW_PANEL_POOLING || po.hac == GW_PANEL_HAC_NONE || hausman)
            return gwi_fail(GW_EINVAL,
                            "%s with absorbed fixed effects is not supported (use --estimator ols "
                            "with \"| fe\" and --vcov dk:L / nw:L, or drop the fixed effects)",
                            hausman ? "--hausman" : "--estimator re/fd/between");
        return fit_fe_hac(design, po.hac, po.lags, vcov, oo, out);
    }
    if (hausman) {
        /* Before the fit, so that a failure leaves nothing allocated. */
        gw_status s = gw_panel_hausman_test(design, &po, &ht);
        if (s != GW_OK) {
            gwi_fail_keep(s);
            gwi_prefix_error("--hausman");
            return s;
        }
    }
    gw_status s = gw_panel_fit(design, &po, out, &info);
    if (s != GW_OK)
        return s;
    fill_panel_info(&info, *out);
    if (hausman) {
        (*out)->hausman_chi2 = ht.chisq;
        (*out)->hausman_df = ht.df;
        (*out)->hausman_p = ht.p_value;
        (*out)->hausman_robust_stat = ht.chisq_robust;
        (*out)->hausman_robust_df = ht.df_aux;
        (*out)->hausman_robust_p = ht.p_value_robust;
    }
    return GW_OK;
}
