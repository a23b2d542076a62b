/* fit_panel.h -- the panel estimators of `goodwork fit` (cli/fit_panel.c): --estimator
 * re | fd | between, --vcov dk:LAGS | nw:LAGS with any linear estimator (pooled OLS included;
 * with absorbed fixed effects, the within fit) and --hausman. cmd_fit.c calls these three
 * functions. */
#ifndef GW_FIT_PANEL_H
#define GW_FIT_PANEL_H

#include "gw_design.h"
#include "gw_ols.h"
#include "gw_result.h"

/* cli_panel_requested -- 1 when the command needs the panel path: estimator "re", "fd" or
 * "between", or a vcov "dk:..." / "nw:..."; 0 otherwise (estimator and vcov may be NULL). */
int cli_panel_requested(const char *estimator, const char *vcov);

/* cli_panel_check -- the usage checks of the panel path, before any data is read: a known
 * panel estimator, LAGS a non-negative integer, --panel given where the estimator or variance
 * needs it (re, fd, between, dk, nw), between without cluster/dk/nw. Prints the error and
 * returns GW_EXIT_USAGE, or returns GW_EXIT_OK (also when the panel path is not requested). */
int cli_panel_check(const char *estimator, const char *vcov, const char *panel);

/* cli_fit_panel -- fit design with gw_panel_fit for estimator/vcov (as checked by
 * cli_panel_check); oo carries the gw_ols options cmd_fit built (vcov kind for iid/HC/cluster,
 * KEEP_* flags). The result also carries n_groups, t_min, t_max (with a panel id) and, for re,
 * sigma_u, sigma_e, rho, theta (balanced) / theta_min, theta_max. hausman: also run
 * gw_panel_hausman_test (hausman_chi2/df/p classical, hausman_robust_* the regression form with
 * CR1 by id). With absorbed fixed effects (design->nfe > 0) only --vcov dk:L / nw:L with the
 * ols estimator is accepted: the within fit of gw_ols_fit_fe_inplace (design's X and y are
 * then demeaned in place, unspecified afterwards) with the HAC variance of the demeaned
 * regression; anything else is a usage error. On success returns GW_EXIT_OK and *out is the
 * caller's (gw_result_free); on failure prints "goodwork: error: ..." and returns the exit
 * code (2 usage, 4 numerical, 1). */
int cli_fit_panel(gw_design *design, const char *estimator, const char *vcov, const gw_ols_opts *oo,
                  int hausman, gw_result **out);

#endif
