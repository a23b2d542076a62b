/* gw_result.h -- the record of one fitted model, as every output format shows it.
 *
 * Estimators (models/) fill a gw_result; renderers (io/gw_output.h: text, JSON, Markdown,
 * LaTeX, CSV), the HDF5 results store and the side-by-side table read it. It is a plain data
 * record, transparent on purpose so that io/ needs nothing from models/: it mirrors the JSON
 * object of docs/reference/output.md field by field. Every pointer is owned by the record and
 * released by gw_result_free. A double that does not apply is NaN (printed as null or
 * omitted, never invented); a count that does not apply is GW_RESULT_NA. */
#ifndef GW_RESULT_H
#define GW_RESULT_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_export.h"
#include "gw_status.h"

#define GW_RESULT_NA ((size_t)-1)

typedef struct {
    char *name;     /* owned */
    size_t levels;  /* levels after dropping singletons and missing values */
    /* The estimated effects (fit --save-fe; NULL otherwise): neffects levels, in the order of
     * the fixed effect's levels (categorical level order, or increasing values), with their
     * names (owned) and effects (owned); gw_fixef.h says how they are normalised.            */
    size_t neffects;
    char **level_names;
    double *effects;
} gw_result_fe;

typedef struct gw_result {
    char *estimator;   /* "ols", "re", "fd", "logit", ...                                       */
    char *formula;     /* as the user wrote it                                                 */
    char *vcov_type;   /* "iid", "hc1", "cluster:firm", ...                                    */
    char *response;
    char *weights;     /* NULL, or the name of the analytic-weights variable (WLS)             */

    size_t nobs, nobs_dropped_missing, singletons_dropped;
    /* fit --subset / --drop-invalid: rows outside the subset, rows with an undefined transform
     * (GW_RESULT_NA when the option was not given); the subset's text (NULL: none). */
    size_t nobs_dropped_subset, nobs_dropped_invalid;
    char *subset;
    double df_resid;               /* N - K (- D with absorbed effects)                        */
    size_t n_clusters[2];          /* clusters per cluster variable                            */
    size_t n_cluster_vars;         /* 0, 1 or 2                                                */

    size_t k;                      /* coefficients reported                                    */
    char **terms;                  /* k names                                                  */
    double *estimate, *std_error, *statistic, *p_value, *ci_low, *ci_high; /* k each           */
    double *vcov;                  /* k x k, column-major                                      */
    double conf_level;             /* of ci_low/ci_high, 0.95 by default                       */
    int stat_is_z;                 /* 1: statistic is z (normal); 0: t with df_inference       */
    double df_inference;           /* degrees of freedom of t tests (df_resid or G-1)          */

    double r2, adj_r2, r2_within, rmse, rss, tss, loglik, f_stat, f_p_value;
    double f_df1, f_df2;
    double mean_y;                 /* unweighted mean of the response over the rows used (NaN
                                      where rows are left out unmarked: separation, FD)       */

    gw_result_fe *fixed_effects;   /* nfe entries                                               */
    size_t nfe;
    char **dropped_collinear;      /* ndropped names                                           */
    size_t ndropped;

    size_t iterations;
    int converged;
    size_t rank;                   /* numerical rank of the regressor matrix                   */
    double rcond;                  /* reciprocal condition estimate of the scaled R            */
    int near_singular;             /* rcond < sqrt(DBL_EPSILON)                                */
    char *solver;                  /* "qrp", "qrp+dd-refine", "chol", ...                       */

    /* Panel estimators (models/panel/gw_panel.h): NA / NaN for other estimators.              */
    size_t n_groups;               /* panel ids in the rows used                                */
    size_t t_min, t_max;           /* rows per panel id, smallest and largest                   */
    double sigma_u, sigma_e, rho;  /* random effects: Swamy-Arora sigmas, s2_u / (s2_u + s2_e) */
    double theta;                  /* random effects: theta of a balanced panel (else NaN)      */
    double theta_min, theta_max;   /* random effects: smallest and largest theta over ids       */
    /* Hausman test of fixed against random effects (fit --hausman); NaN when not run.          */
    double hausman_chi2, hausman_df, hausman_p;       /* classical (iid variances)             */
    double hausman_robust_stat, hausman_robust_df;    /* regression form, CR1 by panel id      */
    double hausman_robust_p;                          /* its chi2(hausman_robust_df) p-value   */

    /* Instrumental variables (2SLS, models/iv/gw_iv.h): 0 / NULL / NaN for other estimators.     */
    size_t n_endog;                /* endogenous regressors (the last n_endog terms)           */
    char **endog_terms;            /* n_endog names                                             */
    size_t n_inst;                 /* excluded instruments                                      */
    char **inst_terms;             /* n_inst names                                              */
    /* Per endogenous regressor: the first-stage test that the excluded instruments' coefficients
     * are all zero (Wald F with the fit's variance estimator), its degrees of freedom and
     * p-value, and the partial R2 of the excluded instruments. NULL when n_endog == 0.        */
    double *fs_f, *fs_df1, *fs_df2, *fs_p, *fs_partial_r2;
    struct gw_result **first_stage; /* NULL, or n_endog first-stage regressions (owned)        */
    double cd_f;                   /* Cragg-Donald Wald F (weak identification, iid)            */
    double kp_f;                   /* Kleibergen-Paap rk Wald F (robust/cluster fits)           */
    double kp_lm, kp_lm_df, kp_lm_p; /* Kleibergen-Paap rk LM underidentification test       */
    char *overid_test;             /* "sargan" (iid) or "hansen" (robust/cluster), or NULL      */
    double overid_stat, overid_df, overid_p;          /* chi2(#inst - #endog)                  */
    double endog_stat, endog_df1, endog_df2, endog_p; /* Wu-Hausman F test of exogeneity      */

    /* Generalised linear models (models/glm/gw_glm.h): NaN / 0 / NULL for linear fits.        */
    char *family;                  /* "binomial" or "poisson"                                   */
    char *link;                    /* "logit", "probit" or "log"                                */
    double deviance, null_deviance;
    double pseudo_r2;              /* McFadden: 1 - loglik / loglik of the null model           */
    double aic, bic;               /* -2 loglik + 2 K, -2 loglik + K log N                      */
    double dispersion;             /* 1 for binomial and poisson                                */
    size_t nobs_separated;         /* observations dropped as separated (GW_RESULT_NA: n/a)    */
    char **dropped_separated;      /* regressors dropped as perfectly separating               */
    size_t ndropped_separated;
    struct gw_result *margins;     /* NULL, or the average marginal effects (--ame): terms,
                                      estimate, std_error (delta method), statistic, p_value,
                                      ci_low, ci_high, vcov (owned)                            */

    double *residuals, *fitted;    /* NULL, or nobs each (kept on request)                     */
    /* NULL, or nobs: the 1-based row of the input data table (the CSV's data row, line - 1
     * with a header line) that each residual and fitted value belongs to, set with them
     * (gw_fit_file / gw_fit_table; stored as "row_index"). NULL where an observation is not one
     * input row (first differences).                                                          */
    size_t *row_index;
    /* NULL, or nfactor_levels "NAME=LEVEL" texts: every level of the categorical regressors in
     * the rows used (gw_design.level_names; stored as "factor_levels"), which tells a
     * prediction a level the fit never saw from the reference level (gw_predict.h).            */
    char **factor_levels;
    size_t nfactor_levels;
    /* NULL, or npoly: the constants of the orthogonal poly() terms over the rows used
     * (gw_design.poly; stored as "poly_terms", "poly_degree", "poly_coefs"), with which a
     * prediction evaluates the fit's polynomials on new data (gw_predict.h).                  */
    gw_poly_coefs *poly;
    size_t npoly;
} gw_result;

/* gw_result_new -- a record for k coefficients: every double NaN, counts GW_RESULT_NA, arrays
 * allocated (terms NULL-filled). out: owned, gw_result_free. GW_ENOMEM. */
GW_API gw_status gw_result_new(size_t k, gw_result **out);

/* gw_result_set_str -- replace *field with a copy of value (NULL allowed). GW_ENOMEM. */
GW_API gw_status gw_result_set_str(char **field, const char *value);

/* gw_result_alloc_iv -- allocate r's IV arrays for n_endog endogenous regressors and n_inst
 * instruments: endog_terms, inst_terms and first_stage NULL-filled, fs_* NaN-filled (any
 * previous ones are released). GW_ENOMEM (r keeps no half-allocated arrays). */
GW_API gw_status gw_result_alloc_iv(gw_result *r, size_t n_endog, size_t n_inst);

/* Lookups by name. Names are those of the JSON output (docs/reference/output.md): scalars
 * such as "r2", "adj_r2", "r2_within", "rmse", "f_stat", "loglik", "nobs", "df_resid",
 * "sigma_u", "hausman_p", "cragg_donald_f", "pseudo_r2", "aic" (and "k"); strings such as
 * "estimator", "formula", "vcov_type", "response", "family"; coefficient columns "estimate",
 * "std_error", "statistic", "p_value", "ci_low", "ci_high".
 *
 * gw_result_scalar -- *out = the statistic called name. GW_ENODATA when it does not apply to
 * this fit (*out NaN), GW_EINVAL for a name no fit has. */
GW_API gw_status gw_result_scalar(const gw_result *r, const char *name, double *out);
/* gw_result_string -- the string field called name (borrowed), or NULL (unset, or no such). */
GW_API const char *gw_result_string(const gw_result *r, const char *name);
/* gw_result_term -- the index of coefficient term in r->terms, or -1. */
GW_API ptrdiff_t gw_result_term(const gw_result *r, const char *term);
/* gw_result_coef -- *out = column what ("estimate", "std_error", ...) of coefficient term.
 * GW_ENOVAR (no such term), GW_EINVAL (no such column). */
GW_API gw_status gw_result_coef(const gw_result *r, const char *term, const char *what,
                                double *out);
/* gw_result_vcov_at -- *out = the covariance of the estimates of terms a and b. GW_ENOVAR. */
GW_API gw_status gw_result_vcov_at(const gw_result *r, const char *a, const char *b, double *out);
/* gw_result_first_stage -- the first-stage regression of endogenous regressor endog of an IV
 * fit (borrowed), or NULL. The average marginal effects of a GLM are r->margins, a gw_result
 * answering the same lookups. */
GW_API const gw_result *gw_result_first_stage(const gw_result *r, const char *endog);

/* gw_result_free -- release r and everything it owns; NULL-safe. */
GW_API void gw_result_free(gw_result *r);

#endif
