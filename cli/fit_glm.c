/* fit_glm.c -- the GLM options of the out-of-core and distributed fits of goodwork fit
 * --estimator logit | probit | poisson, as the library resolved them (api/gw_fit.h); the
 * in-core fit is gw_fit_file's. */
#include <string.h>

#include "cli.h"
#include "fit_ext.h"
#include "gw_glm.h"

int cli_glm_requested(const char *estimator)
{
    return estimator != NULL &&
           (strcmp(estimator, "logit") == 0 || strcmp(estimator, "probit") == 0 ||
            strcmp(estimator, "poisson") == 0);
}

int cli_glm_opts(const fit_args *a, const gw_ols_opts *oo, gw_glm_opts *o)
{
    (void)oo;
    *o = a->prep->glm;
    return GW_EXIT_OK;
}
