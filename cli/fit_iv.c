/* fit_iv.c -- goodwork fit with an IV part ("y ~ x | fe | endog ~ instruments"). */
#include "cli.h"
#include "fit_ext.h"

int cli_fit_iv(gw_design *design, const fit_args *a, const gw_ols_opts *oo, gw_result **out)
{
    (void)design;
    (void)a;
    (void)oo;
    *out = NULL;
    cli_error("instrumental variables (\"| endog ~ inst\") are not supported yet");
    return GW_EXIT_USAGE;
}
