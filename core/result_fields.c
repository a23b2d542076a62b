/* result_fields.c -- the names of a gw_result's fields: the JSON names (or the member's name
 * where the JSON output has none), one table per kind of field. They drive the results file in
 * both directions (io/hdf5_results.c) and the lookups by name of gw_result.h, so that a field
 * has one name everywhere. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "core_int.h"
#include "gw_result.h"

/* Doubles: absent when NaN ("does not apply"). */
const gwi_result_field gwi_result_dbl[] = {
    {"df_resid", offsetof(gw_result, df_resid)},
    {"conf_level", offsetof(gw_result, conf_level)},
    {"df_inference", offsetof(gw_result, df_inference)},
    {"r2", offsetof(gw_result, r2)},
    {"adj_r2", offsetof(gw_result, adj_r2)},
    {"r2_within", offsetof(gw_result, r2_within)},
    {"rmse", offsetof(gw_result, rmse)},
    {"rss", offsetof(gw_result, rss)},
    {"tss", offsetof(gw_result, tss)},
    {"loglik", offsetof(gw_result, loglik)},
    {"f_stat", offsetof(gw_result, f_stat)},
    {"f_p_value", offsetof(gw_result, f_p_value)},
    {"f_df1", offsetof(gw_result, f_df1)},
    {"f_df2", offsetof(gw_result, f_df2)},
    {"rcond", offsetof(gw_result, rcond)},
    {"sigma_u", offsetof(gw_result, sigma_u)},
    {"sigma_e", offsetof(gw_result, sigma_e)},
    {"rho", offsetof(gw_result, rho)},
    {"theta", offsetof(gw_result, theta)},
    {"theta_min", offsetof(gw_result, theta_min)},
    {"theta_max", offsetof(gw_result, theta_max)},
    {"hausman_chi2", offsetof(gw_result, hausman_chi2)},
    {"hausman_df", offsetof(gw_result, hausman_df)},
    {"hausman_p", offsetof(gw_result, hausman_p)},
    {"hausman_robust_stat", offsetof(gw_result, hausman_robust_stat)},
    {"hausman_robust_df", offsetof(gw_result, hausman_robust_df)},
    {"hausman_robust_p", offsetof(gw_result, hausman_robust_p)},
    {"cragg_donald_f", offsetof(gw_result, cd_f)},
    {"kleibergen_paap_f", offsetof(gw_result, kp_f)},
    {"kleibergen_paap_lm", offsetof(gw_result, kp_lm)},
    {"kleibergen_paap_lm_df", offsetof(gw_result, kp_lm_df)},
    {"kleibergen_paap_lm_p", offsetof(gw_result, kp_lm_p)},
    {"overid_stat", offsetof(gw_result, overid_stat)},
    {"overid_df", offsetof(gw_result, overid_df)},
    {"overid_p", offsetof(gw_result, overid_p)},
    {"endog_stat", offsetof(gw_result, endog_stat)},
    {"endog_df1", offsetof(gw_result, endog_df1)},
    {"endog_df2", offsetof(gw_result, endog_df2)},
    {"endog_p", offsetof(gw_result, endog_p)},
    {"deviance", offsetof(gw_result, deviance)},
    {"null_deviance", offsetof(gw_result, null_deviance)},
    {"pseudo_r2", offsetof(gw_result, pseudo_r2)},
    {"aic", offsetof(gw_result, aic)},
    {"bic", offsetof(gw_result, bic)},
    {"dispersion", offsetof(gw_result, dispersion)},
    {"mean_y", offsetof(gw_result, mean_y)},
};

/* Counts (size_t, stored as uint64): absent when GW_RESULT_NA. */
const gwi_result_field gwi_result_cnt[] = {
    {"nobs", offsetof(gw_result, nobs)},
    {"nobs_dropped_missing", offsetof(gw_result, nobs_dropped_missing)},
    {"nobs_dropped_subset", offsetof(gw_result, nobs_dropped_subset)},
    {"nobs_dropped_invalid", offsetof(gw_result, nobs_dropped_invalid)},
    {"singletons_dropped", offsetof(gw_result, singletons_dropped)},
    {"iterations", offsetof(gw_result, iterations)},
    {"rank", offsetof(gw_result, rank)},
    {"n_groups", offsetof(gw_result, n_groups)},
    {"t_min", offsetof(gw_result, t_min)},
    {"t_max", offsetof(gw_result, t_max)},
    {"nobs_separated", offsetof(gw_result, nobs_separated)},
};

/* Strings: absent when NULL. */
const gwi_result_field gwi_result_str[] = {
    {"estimator", offsetof(gw_result, estimator)},
    {"formula", offsetof(gw_result, formula)},
    {"vcov_type", offsetof(gw_result, vcov_type)},
    {"response", offsetof(gw_result, response)},
    {"solver", offsetof(gw_result, solver)},
    {"weights", offsetof(gw_result, weights)},
    {"subset", offsetof(gw_result, subset)},
    {"overid_test", offsetof(gw_result, overid_test)},
    {"family", offsetof(gw_result, family)},
    {"link", offsetof(gw_result, link)},
};

/* Per-coefficient arrays (k each), under their JSON names. */
const gwi_result_field gwi_result_coef[] = {
    {"estimate", offsetof(gw_result, estimate)},   {"std_error", offsetof(gw_result, std_error)},
    {"statistic", offsetof(gw_result, statistic)}, {"p_value", offsetof(gw_result, p_value)},
    {"ci_low", offsetof(gw_result, ci_low)},       {"ci_high", offsetof(gw_result, ci_high)},
};

/* IV: per-endogenous arrays (n_endog each). */
const gwi_result_field gwi_result_fs[] = {
    {"first_stage_f", offsetof(gw_result, fs_f)},
    {"first_stage_df1", offsetof(gw_result, fs_df1)},
    {"first_stage_df2", offsetof(gw_result, fs_df2)},
    {"first_stage_p", offsetof(gw_result, fs_p)},
    {"first_stage_partial_r2", offsetof(gw_result, fs_partial_r2)},
};

const size_t gwi_result_ndbl = sizeof gwi_result_dbl / sizeof gwi_result_dbl[0];
const size_t gwi_result_ncnt = sizeof gwi_result_cnt / sizeof gwi_result_cnt[0];
const size_t gwi_result_nstr = sizeof gwi_result_str / sizeof gwi_result_str[0];
const size_t gwi_result_ncoef = sizeof gwi_result_coef / sizeof gwi_result_coef[0];
const size_t gwi_result_nfs = sizeof gwi_result_fs / sizeof gwi_result_fs[0];

/* The field called name in the table f of n entries, or NULL. */
static const gwi_result_field *find(const gwi_result_field *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

/* Pointer members through these names, so that const lands on the pointer (char *const *). */
typedef char *str_ptr;
typedef double *dbl_ptr;
#define AT(r, type, f) (*(const type *)(const void *)((const char *)(r) + (f)->off))

gw_status gw_result_scalar(const gw_result *r, const char *name, double *out)
{
    const gwi_result_field *f;
    if (r == NULL || name == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_result_scalar: NULL argument");
    *out = (double)NAN;
    if ((f = find(gwi_result_dbl, gwi_result_ndbl, name)) != NULL) {
        *out = AT(r, double, f);
        return isnan(*out) ? gwi_fail(GW_ENODATA, "'%s' does not apply to this fit", name) : GW_OK;
    }
    if ((f = find(gwi_result_cnt, gwi_result_ncnt, name)) != NULL) {
        size_t v = AT(r, size_t, f);
        if (v == GW_RESULT_NA)
            return gwi_fail(GW_ENODATA, "'%s' does not apply to this fit", name);
        *out = (double)v;
        return GW_OK;
    }
    if (strcmp(name, "k") == 0) {
        *out = (double)r->k;
        return GW_OK;
    }
    return gwi_fail(GW_EINVAL, "no statistic named '%s'", name);
}

const char *gw_result_string(const gw_result *r, const char *name)
{
    const gwi_result_field *f =
        r != NULL && name != NULL ? find(gwi_result_str, gwi_result_nstr, name) : NULL;
    return f != NULL ? AT(r, str_ptr, f) : NULL;
}

ptrdiff_t gw_result_term(const gw_result *r, const char *term)
{
    for (size_t j = 0; r != NULL && term != NULL && j < r->k; j++)
        if (r->terms[j] != NULL && strcmp(r->terms[j], term) == 0)
            return (ptrdiff_t)j;
    return -1;
}

gw_status gw_result_coef(const gw_result *r, const char *term, const char *what, double *out)
{
    if (r == NULL || term == NULL || what == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_result_coef: NULL argument");
    const gwi_result_field *f = find(gwi_result_coef, gwi_result_ncoef, what);
    ptrdiff_t j = gw_result_term(r, term);
    if (f == NULL)
        return gwi_fail(GW_EINVAL,
                        "no coefficient column named '%s' (estimate, std_error, statistic, "
                        "p_value, ci_low, ci_high)",
                        what);
    if (j < 0)
        return gwi_fail(GW_ENOVAR, "no coefficient named '%s' in this fit", term);
    *out = AT(r, dbl_ptr, f)[j];
    return GW_OK;
}

gw_status gw_result_vcov_at(const gw_result *r, const char *a, const char *b, double *out)
{
    if (r == NULL || a == NULL || b == NULL || out == NULL)
        return gwi_fail(GW_EINVAL, "gw_result_vcov_at: NULL argument");
    ptrdiff_t i = gw_result_term(r, a), j = gw_result_term(r, b);
    if (i < 0 || j < 0)
        return gwi_fail(GW_ENOVAR, "no coefficient named '%s' in this fit", i < 0 ? a : b);
    *out = r->vcov[(size_t)i + (size_t)j * r->k];
    return GW_OK;
}

const gw_result *gw_result_first_stage(const gw_result *r, const char *endog)
{
    for (size_t e = 0; r != NULL && endog != NULL && r->first_stage != NULL && e < r->n_endog; e++)
        if (r->endog_terms[e] != NULL && strcmp(r->endog_terms[e], endog) == 0)
            return r->first_stage[e];
    return NULL;
}
