/* fit_glm.c -- goodwork fit --estimator logit | probit | poisson. */
#include <string.h>

#include "cli.h"
#include "fit_ext.h"

int cli_glm_requested(const char *estimator)
{
    return estimator != NULL &&
           (strcmp(estimator, "logit") == 0 || strcmp(estimator, "probit") == 0 ||
            strcmp(estimator, "poisson") == 0);
}

int cli_fit_glm(gw_design *design, const fit_args *a, const gw_ols_opts *oo, gw_result **out)
{
    (void)design;
    (void)oo;
    *out = NULL;
    cli_error("--estimator %s is not supported yet", a->estimator);
    return GW_EXIT_USAGE;
}
