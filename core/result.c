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
    r->nobs_dropped_subset = r->nobs_dropped_invalid = GW_RESULT_NA;
    r->iterations = GW_RESULT_NA;
    r->rank = GW_RESULT_NA;
    r->converged = -1;
    r->conf_level = 0.95;
    r->df_resid = r->df_inference = NAN;
    r->r2 = r->adj_r2 = r->r2_within = r->rmse = r->rss = r->tss = NAN;
    r->loglik = r->f_stat = r->f_p_value = r->f_df1 = r->f_df2 = NAN;
    r->mean_y = NAN;
    r->rcond = NAN;
    r->n_groups = r->t_min = r->t_max = GW_RESULT_NA;
    r->sigma_u = r->sigma_e = r->rho = r->theta = r->theta_min = r->theta_max = NAN;
    r->hausman_chi2 = r->hausman_df = r->hausman_p = NAN;
    r->hausman_robust_stat = r->hausman_robust_df = r->hausman_robust_p = NAN;
    r->cd_f = r->kp_f = r->kp_lm = r->kp_lm_df = r->kp_lm_p = NAN;
    r->overid_stat = r->overid_df = r->overid_p = NAN;
    r->endog_stat = r->endog_df1 = r->endog_df2 = r->endog_p = NAN;
    r->deviance = r->null_deviance = r->pseudo_r2 = r->aic = r->bic = r->dispersion = NAN;
    r->nobs_separated = GW_RESULT_NA;
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

/* Releases r's IV arrays and sets them to NULL / 0. */
static void free_iv(gw_result *r)
{
    for (size_t j = 0; j < r->n_endog; j++) {
        if (r->endog_terms)
            gw_free(r->endog_terms[j]);
        if (r->first_stage)
            gw_result_free(r->first_stage[j]);
    }
    gw_free(r->endog_terms);
    gw_free(r->first_stage);
    for (size_t j = 0; r->inst_terms && j < r->n_inst; j++)
        gw_free(r->inst_terms[j]);
    gw_free(r->inst_terms);
    double **fs[] = {&r->fs_f, &r->fs_df1, &r->fs_df2, &r->fs_p, &r->fs_partial_r2};
    for (size_t a = 0; a < sizeof fs / sizeof fs[0]; a++) {
        gw_free(*fs[a]);
        *fs[a] = NULL;
    }
    r->endog_terms = r->inst_terms = NULL;
    r->first_stage = NULL;
    r->n_endog = r->n_inst = 0;
}

gw_status gw_result_alloc_iv(gw_result *r, size_t n_endog, size_t n_inst)
{
    free_iv(r);
    size_t ne = n_endog ? n_endog : 1;
    r->endog_terms = gw_calloc(ne, sizeof *r->endog_terms);
    r->first_stage = gw_calloc(ne, sizeof *r->first_stage);
    r->inst_terms = gw_calloc(n_inst ? n_inst : 1, sizeof *r->inst_terms);
    double **fs[] = {&r->fs_f, &r->fs_df1, &r->fs_df2, &r->fs_p, &r->fs_partial_r2};
    int ok = r->endog_terms != NULL && r->first_stage != NULL && r->inst_terms != NULL;
    for (size_t a = 0; a < sizeof fs / sizeof fs[0]; a++) {
        *fs[a] = gw_alloc_array(ne, sizeof(double));
        ok = ok && *fs[a] != NULL;
        for (size_t j = 0; *fs[a] != NULL && j < ne; j++)
            (*fs[a])[j] = NAN;
    }
    r->n_endog = n_endog;
    r->n_inst = n_inst;
    if (!ok) {
        free_iv(r);
        return gwi_fail(GW_ENOMEM, "cannot allocate %zu endogenous regressors", n_endog);
    }
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
    gw_free(r->subset);
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
    for (size_t j = 0; j < r->nfe; j++) {
        gw_free(r->fixed_effects[j].name);
        gwi_strv_free(r->fixed_effects[j].level_names, r->fixed_effects[j].neffects);
        gw_free(r->fixed_effects[j].effects);
    }
    gw_free(r->fixed_effects);
    for (size_t j = 0; j < r->ndropped; j++)
        gw_free(r->dropped_collinear[j]);
    gw_free(r->dropped_collinear);
    gw_free(r->solver);
    free_iv(r);
    gw_free(r->overid_test);
    gw_free(r->family);
    gw_free(r->link);
    for (size_t j = 0; j < r->ndropped_separated; j++)
        gw_free(r->dropped_separated[j]);
    gw_free(r->dropped_separated);
    gw_result_free(r->margins);
    gw_free(r->residuals);
    gw_free(r->fitted);
    gw_free(r->row_index);
    gwi_strv_free(r->factor_levels, r->nfactor_levels);
    gw_poly_coefs_free(r->poly, r->npoly);
    gw_free(r);
}

gw_status gwi_result_set_rows(gw_result *r, const size_t *design_rows, const size_t *sel, size_t m)
{
    size_t *ix = gw_alloc_array(m ? m : 1, sizeof *ix);
    if (ix == NULL)
        return gwi_fail(GW_ENOMEM, "cannot allocate the row index of %zu observations", m);
    for (size_t i = 0; i < m; i++) {
        size_t row = sel != NULL ? sel[i] : i;
        ix[i] = (design_rows != NULL ? design_rows[row] : row) + 1;
    }
    gw_free(r->row_index);
    r->row_index = ix;
    return GW_OK;
}
