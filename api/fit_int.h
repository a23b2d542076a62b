/* fit_int.h -- declarations shared by api/fit.c and api/fit_panel.c; never installed. */
#ifndef GW_FIT_INT_H
#define GW_FIT_INT_H

#include <stddef.h>

#include "gw_design.h"
#include "gw_fit.h"
#include "gw_formula.h"
#include "gw_ols.h"
#include "gw_result.h"

/* gwi_fit_is_glm -- 1 for estimator "logit", "probit" or "poisson" (NULL: 0). gwi_fit_is_hac --
 * 1 for a vcov text "dk:..." or "nw:..." (Driscoll-Kraay, Newey-West; NULL: 0). */
int gwi_fit_is_glm(const char *estimator);
int gwi_fit_is_hac(const char *vcov);

/* gwi_fit_parse_lags -- LAGS of dk:LAGS / nw:LAGS: a non-negative decimal integer that fits an
 * int, nothing else. 1 on success. */
int gwi_fit_parse_lags(const char *s, size_t *out);

/* gwi_fit_panel_requested -- 1 when the fit needs the panel path: estimator "re", "fd" or
 * "between", or a vcov "dk:..." / "nw:..."; 0 otherwise (estimator and vcov may be NULL). */
int gwi_fit_panel_requested(const char *estimator, const char *vcov);

/* gwi_fit_panel_check -- the option checks of the panel path, before any data is read: a
 * linear estimator, LAGS a non-negative integer, a panel given where the estimator or variance
 * needs it (has_panel), between without cluster/dk/nw. GW_EINVAL with the message, or GW_OK
 * (also when the panel path is not requested). */
gw_status gwi_fit_panel_check(const char *estimator, const char *vcov, int has_panel);

/* gwi_fit_panel -- fit design with gw_panel_fit for estimator/vcov (as checked); oo carries the
 * variance kind for iid/HC/cluster and the KEEP_* flags. The result also carries n_groups,
 * t_min, t_max (with a panel id) and, for re, sigma_u, sigma_e, rho, theta (balanced) /
 * theta_min, theta_max. hausman: also gw_panel_hausman_test (hausman_chi2/df/p classical,
 * hausman_robust_* the regression form with CR1 by id). With absorbed fixed effects only
 * dk:L / nw:L with the ols estimator is accepted: the within fit with the HAC variance of the
 * demeaned regression (design's X and y are then demeaned in place). */
gw_status gwi_fit_panel(gw_design *design, const char *estimator, const char *vcov,
                        const gw_ols_opts *oo, int hausman, gw_result **out);

/* gwi_fit_stream -- gw_fit_file's out-of-core path (api/fit_stream.c), run when
 * opts->memory_limit > 0 after the options and the formula are checked: the checks of
 * opts->scratch; a CSV file whose in-core fit would exceed the limit is GW_EUNSUPPORTED; an
 * HDF5 table whose in-core fit would exceed it is fitted streamed into *out (not yet labelled,
 * gw_fit_label) with st->streamed set; otherwise GW_OK with *out NULL and st->streamed 0 (the
 * in-core fit follows). st->streamed is also set by a failure of the out-of-core path (the
 * table's size read, the checks of what streaming cannot do, the fit), st->scratch_failed when
 * the fit failed on its scratch file. */
gw_status gwi_fit_stream(const char *path, const gw_formula *f, const gw_fit_opts *opts,
                         const gw_fit_prep *p, gw_result **out, gw_fit_timings *st);

#endif
