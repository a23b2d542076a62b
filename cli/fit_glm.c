/* fit_glm.c -- goodwork fit --estimator logit | probit | poisson (models/gw_glm.h).
 *
 * Checks the options only GLMs understand (--maxiter, --tol, --ame, and which --vcov kinds
 * apply), builds the gw_glm_opts from cmd_fit's gw_ols_opts and maps library statuses to the
 * contract's exit codes (no convergence and separation: 4; a response out of range: 3). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fit_ext.h"
#include "gw_glm.h"

/* Largest --maxiter accepted: far beyond what IRLS ever needs (it converges quadratically),
 * small enough that a typo cannot make the program spin for hours. */
#define MAXITER_CAP 100000UL

int cli_glm_requested(const char *estimator)
{
    return estimator != NULL &&
           (strcmp(estimator, "logit") == 0 || strcmp(estimator, "probit") == 0 ||
            strcmp(estimator, "poisson") == 0);
}

/* Parses --maxiter: a decimal integer in [1, MAXITER_CAP]. */
static int parse_maxiter(const char *text, size_t *out)
{
    char *end = NULL;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || v < 1 || v > MAXITER_CAP)
        return 0;
    *out = (size_t)v;
    return 1;
}

/* Parses --tol: a finite number in (0, 1). */
static int parse_tol(const char *text, double *out)
{
    char *end = NULL;
    if (text == NULL || *text == '\0')
        return 0;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(v) || !(v > 0.0 && v < 1.0))
        return 0;
    *out = v;
    return 1;
}

int cli_glm_opts(const fit_args *a, const gw_ols_opts *oo, gw_glm_opts *o)
{
    gw_glm_opts go = {0};
    if (strcmp(a->estimator, "logit") == 0)
        go.kind = GW_GLM_LOGIT;
    else if (strcmp(a->estimator, "probit") == 0)
        go.kind = GW_GLM_PROBIT;
    else if (strcmp(a->estimator, "poisson") == 0)
        go.kind = GW_GLM_POISSON;
    else {
        cli_error("--estimator %s is not a generalised linear model", a->estimator);
        return GW_EXIT_USAGE;
    }
    if (a->maxiter != NULL && !parse_maxiter(a->maxiter, &go.maxiter)) {
        cli_error("bad --maxiter '%s' (expected an integer from 1 to %lu)", a->maxiter,
                  MAXITER_CAP);
        return GW_EXIT_USAGE;
    }
    if (a->tol != NULL && !parse_tol(a->tol, &go.tol)) {
        cli_error("bad --tol '%s' (expected a number between 0 and 1, e.g. 1e-10)", a->tol);
        return GW_EXIT_USAGE;
    }
    if (a->vcov != NULL && (strncmp(a->vcov, "dk:", 3) == 0 || strncmp(a->vcov, "nw:", 3) == 0)) {
        cli_error("--vcov %s is not available for --estimator %s (use iid, hc0-hc3 or "
                  "cluster:VAR)",
                  a->vcov, a->estimator);
        return GW_EXIT_USAGE;
    }
    go.vcov = oo->vcov;
    go.ssc = oo->ssc;
    go.fe_tol = oo->fe_tol;
    go.fe_maxiter = oo->fe_maxiter;
    if (oo->flags & GW_OLS_KEEP_SINGLETONS)
        go.flags |= GW_GLM_KEEP_SINGLETONS;
    if (oo->flags & GW_OLS_KEEP_RESIDUALS)
        go.flags |= GW_GLM_KEEP_RESIDUALS;
    if (oo->flags & GW_OLS_KEEP_FITTED)
        go.flags |= GW_GLM_KEEP_FITTED;
    if (a->ame)
        go.flags |= GW_GLM_AME;
    *o = go;
    return GW_EXIT_OK;
}

int cli_fit_glm(gw_design *design, const fit_args *a, const gw_ols_opts *oo, gw_result **out)
{
    gw_glm_opts go;
    *out = NULL;
    int rc = cli_glm_opts(a, oo, &go);
    if (rc != GW_EXIT_OK)
        return rc;
    gw_status s = gw_glm_fit(design, &go, out);
    if (s != GW_OK) {
        const char *detail = gw_last_error();
        cli_error("%s", detail[0] ? detail : gw_status_str(s));
        *out = NULL;
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}
