/* result.c -- allocation of fitted-model records. */
#include <math.h>
#include <string.h>

#include "core_int.h"
#include "gw_alloc.h"
#include "gw_result.h"

gw_status gw_result_new(size_t k, gw_result **out)
{
    gw_result *r = gw_calloc(1, sizeof *r);
    size_t kk = k ? k : 1;
    *out = NULL;
    if (r == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate a result");
    r->k = k;
    r->terms = gw_calloc(kk, sizeof(char *));
    double **arrays[] = {&r->estimate, &r->std_error, &r->statistic,
                         &r->p_value,  &r->ci_low,    &r->ci_high};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        *arrays[a] = gw_alloc_array(kk, sizeof(double));
    r->vcov = gw_alloc_array(kk * kk, sizeof(double));
    if (r->terms == NULL || r->estimate == NULL || r->std_error == NULL || r->statistic == NULL ||
        r->p_value == NULL || r->ci_low == NULL || r->ci_high == NULL || r->vcov == NULL) {
        gw_result_free(r);
        return gwi_fail(GW_ENOMEM, "cannot allocate a result of %zu coefficients", k);
    }
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++)
        for (size_t j = 0; j < kk; j++)
            (*arrays[a])[j] = NAN;
    for (size_t j = 0; j < kk * kk; j++)
        r->vcov[j] = NAN;
    r->nobs = r->nobs_dropped_missing = r->singletons_dropped = GW_RESULT_NA;
    r->iterations = GW_RESULT_NA;
    r->rank = GW_RESULT_NA;
    r->converged = -1;
    r->conf_level = 0.95;
    r->df_resid = r->df_inference = NAN;
    r->r2 = r->adj_r2 = r->r2_within = r->rmse = r->rss = r->tss = NAN;
    r->loglik = r->f_stat = r->f_p_value = r->f_df1 = r->f_df2 = NAN;
    r->rcond = NAN;
    r->n_groups = r->t_min = r->t_max = GW_RESULT_NA;
    r->sigma_u = r->sigma_e = r->rho = r->theta = r->theta_min = r->theta_max = NAN;
    r->hausman_chi2 = r->hausman_df = r->hausman_p = NAN;
    r->hausman_robust_stat = r->hausman_robust_df = r->hausman_robust_p = NAN;
    *out = r;
    return GW_OK;
}

gw_status gw_result_set_str(char **field, const char *value)
{
    char *copy = NULL;
    if (value != NULL && (copy = gw_strdup(value)) == NULL)
        return gwi_fail(GW_ENOMEM, "cannot copy a string");
    gw_free(*field);
    *field = copy;
    return GW_OK;
}

void gw_result_free(gw_result *r)
{
    if (r == NULL)
        return;
    gw_free(r->estimator);
    gw_free(r->formula);
    gw_free(r->vcov_type);
    gw_free(r->response);
    gw_free(r->weights);
    if (r->terms)
        for (size_t j = 0; j < r->k; j++)
            gw_free(r->terms[j]);
    gw_free(r->terms);
    gw_free(r->estimate);
    gw_free(r->std_error);
    gw_free(r->statistic);
    gw_free(r->p_value);
    gw_free(r->ci_low);
    gw_free(r->ci_high);
    gw_free(r->vcov);
    for (size_t j = 0; j < r->nfe; j++)
        gw_free(r->fixed_effects[j].name);
    gw_free(r->fixed_effects);
    for (size_t j = 0; j < r->ndropped; j++)
        gw_free(r->dropped_collinear[j]);
    gw_free(r->dropped_collinear);
    gw_free(r->solver);
    gw_free(r->residuals);
    gw_free(r->fitted);
    gw_free(r);
}
