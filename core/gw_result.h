/* gw_result.h -- the record of one fitted model, as every output format shows it.
 *
 * Estimators (models/) fill a gw_result; renderers (io/gw_output.h: text, JSON, Markdown,
 * LaTeX, CSV), the HDF5 results store and the side-by-side table read it. It is a plain data
 * record, transparent on purpose so that io/ needs nothing from models/: it mirrors the JSON
 * object of ../shared/interface.md field by field. Every pointer is owned by the record and
 * released by gw_result_free. A double that does not apply is NaN (printed as null or
 * omitted, never invented); a count that does not apply is GW_RESULT_NA. */
#ifndef GW_RESULT_H
#define GW_RESULT_H

#include <stddef.h>

#include "gw_export.h"
#include "gw_status.h"

#define GW_RESULT_NA ((size_t)-1)

typedef struct {
    char *name;     /* owned */
    size_t levels;  /* levels after dropping singletons and missing values */
} gw_result_fe;

typedef struct gw_result {
    char *estimator;   /* "ols", "re", "fd", "logit", ...                                       */
    char *formula;     /* as the user wrote it                                                 */
    char *vcov_type;   /* "iid", "hc1", "cluster:firm", ...                                    */
    char *response;
    char *weights;     /* NULL, or the name of the analytic-weights variable (WLS)             */

    size_t nobs, nobs_dropped_missing, singletons_dropped;
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

    /* Panel estimators (models/gw_panel.h): NA / NaN for other estimators.                    */
    size_t n_groups;               /* panel ids in the rows used                                */
    size_t t_min, t_max;           /* rows per panel id, smallest and largest                   */
    double sigma_u, sigma_e, rho;  /* random effects: Swamy-Arora sigmas, s2_u / (s2_u + s2_e) */
    double theta;                  /* random effects: theta of a balanced panel (else NaN)      */
    double theta_min, theta_max;   /* random effects: smallest and largest theta over ids       */
    /* Hausman test of fixed against random effects (fit --hausman); NaN when not run.          */
    double hausman_chi2, hausman_df, hausman_p;       /* classical (iid variances)             */
    double hausman_robust_stat, hausman_robust_df;    /* regression form, CR1 by panel id      */
    double hausman_robust_p;                          /* its chi2(hausman_robust_df) p-value   */

    double *residuals, *fitted;    /* NULL, or nobs each (kept on request)                     */
} gw_result;

/* gw_result_new -- a record for k coefficients: every double NaN, counts GW_RESULT_NA, arrays
 * allocated (terms NULL-filled). out: owned, gw_result_free. GW_ENOMEM. */
GW_API gw_status gw_result_new(size_t k, gw_result **out);

/* gw_result_set_str -- replace *field with a copy of value (NULL allowed). GW_ENOMEM. */
GW_API gw_status gw_result_set_str(char **field, const char *value);

/* gw_result_free -- release r and everything it owns; NULL-safe. */
GW_API void gw_result_free(gw_result *r);

#endif
