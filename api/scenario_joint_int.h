/* scenario_joint_int.h -- joint coefficient draws of a scenario's equations (api/scenario_joint.c):
 * the covariance of the stacked estimators of equations fitted on the same panel and clustered
 * on the same variable, and the decision between joint and independent draws (docs/scenario.md,
 * "Uncertainty"); never installed.
 *
 * Equations j = 1..M fitted on the same rows (after missing values and singletons) with CR1
 * variances clustered by the same variable have the joint sandwich
 *   Cov(b_j, b_k) = sqrt(c_j c_k) B_j (sum_g s_jg s_kg') B_k,
 * B_j = (X~_j' W X~_j)^-1 over the equation's kept columns (X~: demeaned by its absorbed fixed
 * effects, else X itself), s_jg = sum_{i in g} w_i e_ji x~_ji its cluster scores (e the residuals
 * with the estimates), c_j = G/(G-1) (N-1)/(N-K_j-D'_j) the equation's own CR1 factor (D'_j:
 * the absorbed degrees of freedom of the sets not nested in the cluster, gw_hdfe.h, the goodwork
 * profile). The diagonal block j is then exactly equation j's CR1 variance; the cross blocks
 * carry the geometric mean of the two factors, so the stacked matrix is
 * diag(sqrt c) (B S'S B) diag(sqrt c), positive semi-definite by construction. */
#ifndef GW_SCENARIO_JOINT_INT_H
#define GW_SCENARIO_JOINT_INT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "gw_result.h"
#include "gw_scenario.h"
#include "gw_scenario_run.h"
#include "gw_status.h"
#include "gw_table.h"

struct gw_scenario_report;

/* Largest relative difference (entry over sqrt(V_aa V_bb)) allowed between an equation's
 * diagonal block rebuilt from the data and its stored vcov before the data are taken to be the
 * fit's: sqrt(DBL_EPSILON), far above rounding (about 1e-13 on the bundled panel) and far below
 * what another data set or small-sample profile gives. */
#define GWI_JOINT_TOL 1.4901161193847656e-08

/* What gwi_scenario_joint_vcov found. */
typedef struct {
    int ok;            /* 1: V is the joint covariance; 0: see why */
    char why[512];     /* when not ok: the reason, a clause ("model pay has vcov iid") */
    char cluster[128]; /* the common cluster variable */
    size_t K;          /* coefficients in all: sum of fits[m]->k */
    size_t nobs, G;    /* rows used (the same for every equation) and clusters */
    double diag_rel;   /* largest relative difference of a diagonal block from its stored vcov */
} gwi_joint_info;

/* gwi_scenario_joint_vcov -- the joint covariance (file comment) of the coefficients of nfits
 * linear fits, rebuilt from their stored formulas, cluster variable and weights over data (the
 * table the fits were made on). *V: owned (gw_free), K x K column-major, rows and columns in
 * the fits' order, each fit's coefficients in its stored order; NULL when info->ok is 0.
 * Everything that makes joint draws impossible (a model that is not OLS/within, IV, not
 * clustered, clustered otherwise than the first, a formula the data cannot rebuild, other rows
 * than the first's, a count of rows or a diagonal block that differ from the stored ones) gives
 * GW_OK with info->ok 0 and the reason. Returns GW_ENOMEM (or GW_EINVAL for NULL arguments).
 * The scores are summed over fixed GW_BLOCK_ROWS-row blocks in block order: the bytes do not
 * depend on the thread count. Complexity: per fit a model frame, its demeaning and least
 * squares (as the fit itself), then O(N K) for the scores and O(G K^2) for the cross
 * products. */
gw_status gwi_scenario_joint_vcov(const gw_table *data, const gw_result *const *fits,
                                  const char *const *names, size_t nfits, double **V,
                                  gwi_joint_info *info);

/* A plan made once for several runs with the same models, data and flags (the years of a
 * path): the first run fills it, the others copy it instead of rebuilding the equations. */
typedef struct {
    int done;
    double *L; /* K x K factor, or NULL: independent draws */
    size_t K, clipped;
    char *cluster, *note;
} gwi_joint_cache;

/* gwi_joint_cache_clear -- free what c holds and zero it; NULL-safe. */
void gwi_joint_cache_clear(gwi_joint_cache *c);

/* gwi_scenario_joint_plan -- how run r draws coefficients. Independent draws (*L NULL, nothing
 * recorded) without coefficient draws, with one equation, or with GW_SCENARIO_INDEPENDENT_DRAWS
 * in flags. Otherwise the joint covariance of the equations over data (the rows the fits were
 * made on): when it exists, *L (owned, K x K column-major, K = sum of the equations' k in input
 * order) is a factor of it with the stored vcovs as its diagonal blocks (gw_mvn_factor), and
 * r->set.coef_draws_joint, coef_draws_cluster and coef_draws_clipped say so; when not,
 * independent draws with the reason in r->set.coef_draws_note, or with GW_SCENARIO_JOINT_DRAWS
 * GW_EINVAL "--coef-draws joint: REASON". cache: NULL, or a plan shared by runs with the same
 * eqs, data and flags. GW_ENOMEM; gw_mvn_factor's statuses. */
gw_status gwi_scenario_joint_plan(struct gw_scenario_report *r, const gw_table *data,
                                  const gw_scenario_eq *eqs, size_t neq, unsigned flags,
                                  gwi_joint_cache *cache, double **L);

/* gwi_scenario_joint_json -- with joint draws (st->coef_draws_joint), root gets
 * "coefficient_draws_joint": {"cluster", "clipped"}; otherwise nothing, so that the JSON of runs
 * without them keeps its bytes. */
void gwi_scenario_joint_json(cJSON *root, const gw_scenario_settings *st);

/* gwi_scenario_table_cached -- gw_scenario_table with a shared plan (see gwi_joint_cache). */
gw_status gwi_scenario_table_cached(const gw_scenario_data *data, const gw_result *const *fits,
                                    const char *const *names, size_t nfits,
                                    const char *const *shocks, size_t nshocks,
                                    const gw_scenario_run_opts *opts, gwi_joint_cache *cache,
                                    struct gw_scenario_report **out);

#endif
