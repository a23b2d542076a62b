/* fit_panel.c -- `goodwork fit` with panel estimators and panel variances (fit_panel.h).
 *
 * --estimator re|fd|between select GW_PANEL_RE, _FD, _BETWEEN of models/gw_panel.h; "ols"
 * (or none) with --vcov dk:LAGS / nw:LAGS is pooled OLS with the Driscoll-Kraay or Newey-West
 * variance. Driscoll-Kraay and Newey-West use the default small-sample factor of gw_panel.h
 * (none: plm's vcovSCC / vcovNW default, type "HC0"). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fit_panel.h"
#include "gw_panel.h"
#include "gw_status.h"

static int is_panel_estimator(const char *e)
{
    return e != NULL && (!strcmp(e, "re") || !strcmp(e, "fd") || !strcmp(e, "between"));
}

static int is_hac(const char *v)
{
    return v != NULL && (!strncmp(v, "dk:", 3) || !strncmp(v, "nw:", 3));
}

int cli_panel_requested(const char *estimator, const char *vcov)
{
    return is_panel_estimator(estimator) || is_hac(vcov);
}

/* LAGS: a non-negative decimal integer that fits an int. */
static int parse_lags(const char *s, size_t *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > INT_MAX)
        return 0;
    *out = (size_t)v;
    return 1;
}

int cli_panel_check(const char *estimator, const char *vcov, const char *panel)
{
    size_t lags = 0;
    if (!cli_panel_requested(estimator, vcov))
        return GW_EXIT_OK;
    if (estimator != NULL && strcmp(estimator, "ols") != 0 && !is_panel_estimator(estimator)) {
        cli_error("--vcov %s needs a linear estimator (ols, re, fd), not '%s'", vcov, estimator);
        return GW_EXIT_USAGE;
    }
    if (is_hac(vcov) && !parse_lags(vcov + 3, &lags)) {
        cli_error("bad --vcov '%s': LAGS must be a non-negative integer", vcov);
        return GW_EXIT_USAGE;
    }
    if (panel == NULL) {
        cli_error("%s needs --panel ID,TIME",
                  is_panel_estimator(estimator)
                      ? (!strcmp(estimator, "re")   ? "--estimator re"
                         : !strcmp(estimator, "fd") ? "--estimator fd"
                                                    : "--estimator between")
                      : vcov);
        return GW_EXIT_USAGE;
    }
    if (estimator != NULL && !strcmp(estimator, "between") && vcov != NULL &&
        (is_hac(vcov) || !strncmp(vcov, "cluster:", 8))) {
        cli_error("--estimator between has one row per panel id: --vcov %s does not apply", vcov);
        return GW_EXIT_USAGE;
    }
    return GW_EXIT_OK;
}

int cli_fit_panel(const gw_design *design, const char *estimator, const char *vcov,
                  const gw_ols_opts *oo, gw_result **out)
{
    gw_panel_opts po = {0};
    po.ols = *oo;
    po.model = GW_PANEL_POOLING;
    if (estimator != NULL && !strcmp(estimator, "re"))
        po.model = GW_PANEL_RE;
    else if (estimator != NULL && !strcmp(estimator, "fd"))
        po.model = GW_PANEL_FD;
    else if (estimator != NULL && !strcmp(estimator, "between"))
        po.model = GW_PANEL_BETWEEN;
    if (is_hac(vcov)) {
        po.hac = vcov[0] == 'd' ? GW_PANEL_HAC_DK : GW_PANEL_HAC_NW;
        if (!parse_lags(vcov + 3, &po.lags)) {
            cli_error("bad --vcov '%s': LAGS must be a non-negative integer", vcov);
            return GW_EXIT_USAGE;
        }
    }
    gw_status s = gw_panel_fit(design, &po, out, NULL);
    if (s != GW_OK) {
        const char *detail = gw_last_error();
        cli_error("%s", detail[0] ? detail : gw_status_str(s));
        return cli_exit_code(s);
    }
    return GW_EXIT_OK;
}
