/* hdfe_int.h -- the within estimator's entry point for gw_ols_fit; never installed. */
#ifndef GW_HDFE_INT_H
#define GW_HDFE_INT_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_hdfe.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* gwi_ols_fit_fe -- gw_ols_fit of a design with absorbed fixed effects (d->nfe > 0), on a
 * working copy of the kept rows of X and y (d is not modified). Conventions and statuses:
 * gw_ols_fit_fe_inplace (gw_hdfe.h). */
gw_status gwi_ols_fit_fe(const gw_design *d, const gw_ols_opts *opts, gw_result **out);

/* gwi_fe_design_check -- the checks of an absorbed-FE design (d non-NULL) shared by the within
 * OLS and GLM fits: GW_ENODATA (no rows), GW_EDIM (no regressors), GW_EINVAL (no X, y or term
 * names, or an unnamed column). */
gw_status gwi_fe_design_check(const gw_design *d);

/* The nesting of the absorbed sets in the cluster variables, as the small-sample profiles need
 * it (gw_hdfe.h): sum of the levels, absorbed df of the sets not nested in a cluster, levels - 1
 * summed over the nested sets, whether any / all sets are nested. */
typedef struct {
    size_t sumL, Dn, nested_excess;
    int any_nested, all_nested;
} gwi_fe_nesting;

/* gwi_fe_ssc_df -- the absorbed degrees of freedom of profile ssc for S sets with D absorbed df
 * in all: *Diid for iid and HC1 variances, *Dcl for cluster variances. Pure arithmetic. */
void gwi_fe_ssc_df(gw_ssc ssc, size_t S, size_t D, const gwi_fe_nesting *nst, double *Diid,
                   double *Dcl);

/* gwi_fe_dof -- gwi_fe_ssc_df for the S sets of h, nesting checked against the ncluster
 * clusters cl when kind is GW_VCOV_CLUSTER (one pass over the codes per set and cluster).
 * GW_ENOMEM when the nesting check cannot allocate. */
gw_status gwi_fe_dof(const gw_hdfe *h, size_t S, gw_vcov_kind kind, const gw_factor *cl,
                     size_t ncluster, gw_ssc ssc, double *Diid, double *Dcl);

/* gwi_fe_rescale -- turn the within fit r (k = r->k; vcov, F and fit statistics computed with
 * nn - K residual degrees of freedom, r2 the within R^2) into the profile's: the variance scaled
 * by (N-K)/(N-K-D*) (D* = Diid for iid and HC1, Dcl for clusters; HC0/HC2/HC3 unscaled),
 * inference refilled (gwi_fill_inference), df_resid = N-K-Diid, rmse, r2_within, r2 and adj_r2
 * against tss (the full model's total sum of squares), and the F test rescaled. */
void gwi_fe_rescale(gw_result *r, gw_vcov_kind kind, double nn, double Diid, double Dcl,
                    double tss);

#endif
