/* fit_iv.c -- goodwork fit with an IV part ("y ~ x | fe | endog ~ instruments"): 2SLS through
 * gw_iv_fit (models/gw_iv.h), with or without absorbed fixed effects. Library statuses map to
 * the contract's exit codes (usage 2: no or too few instruments, weights, unsupported variance;
 * numerical 4: underidentified after dropping collinear instruments, no convergence). */
#include <string.h>

#include "cli.h"
#include "fit_ext.h"
#include "gw_iv.h"

int cli_fit_iv(gw_design *design, const fit_args *a, const gw_ols_opts *oo, gw_result **out)
{
    *out = NULL;
    if (a->estimator != NULL && strcmp(a->estimator, "ols") != 0) {
        cli_error("--estimator %s cannot be combined with instruments (\"| endog ~ inst\"): the IV "
                  "part selects two-stage least squares",
                  a->estimator);
        return GW_EXIT_USAGE;
    }
    gw_status s = gw_iv_fit(design, oo, out);
    if (s != GW_OK) {
        const char *msg = gw_last_error();
        cli_error("2SLS: %s", msg != NULL && msg[0] != '\0' ? msg : gw_status_str(s));
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}
