/* hdfe_int.h -- the within estimator's entry point for gw_ols_fit; never installed. */
#ifndef GW_HDFE_INT_H
#define GW_HDFE_INT_H

#include "gw_design.h"
#include "gw_ols.h"
#include "gw_result.h"
#include "gw_status.h"

/* gwi_ols_fit_fe -- gw_ols_fit of a design with absorbed fixed effects (d->nfe > 0), on a
 * working copy of the kept rows of X and y (d is not modified). Conventions and statuses:
 * gw_ols_fit_fe_inplace (gw_hdfe.h). */
gw_status gwi_ols_fit_fe(const gw_design *d, const gw_ols_opts *opts, gw_result **out);

#endif
