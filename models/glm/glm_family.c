/* glm_family.c -- links, variances, deviances and likelihoods of the GLM families
 * (models/glm/glm_int.h), with R glm's numerical guards. */
#include <float.h>
#include <math.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>

#include "glm_int.h"

#define LOGIT_THRESH 30.0
/* -qnorm(DBL_EPSILON): R's probit threshold. */
#define PROBIT_THRESH 8.125890664701906

static double clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

gwi_glm_point gwi_glm_eval(gwi_glm_link link, double eta)
{
    gwi_glm_point p;
    switch (link) {
    case GWI_GLM_LOGIT: {
        double e = exp(clamp(eta, -LOGIT_THRESH, LOGIT_THRESH));
        double opexp = 1.0 + e;
        p.mu = clamp(e / opexp, DBL_EPSILON, 1.0 - DBL_EPSILON);
        p.dmu = fmax(e / (opexp * opexp), DBL_EPSILON);
        p.var = p.mu * (1.0 - p.mu);
        break;
    }
    case GWI_GLM_PROBIT: {
        double t = clamp(eta, -PROBIT_THRESH, PROBIT_THRESH);
        p.mu = clamp(gsl_cdf_ugaussian_P(t), DBL_EPSILON, 1.0 - DBL_EPSILON);
        p.dmu = fmax(gsl_ran_ugaussian_pdf(eta), DBL_EPSILON);
        p.var = p.mu * (1.0 - p.mu);
        break;
    }
    case GWI_GLM_POISSON:
    default:
        p.mu = fmax(exp(eta), DBL_EPSILON);
        p.dmu = p.mu;
        p.var = p.mu;
        break;
    }
    return p;
}

/* y log(y / mu), 0 at y = 0. */
static double ylogy(double y, double mu) { return y > 0.0 ? y * log(y / mu) : 0.0; }

double gwi_glm_dev(gwi_glm_link link, double y, double mu)
{
    if (link == GWI_GLM_POISSON)
        return 2.0 * (ylogy(y, mu) - (y - mu));
    return 2.0 * (ylogy(y, mu) + ylogy(1.0 - y, 1.0 - mu));
}

double gwi_glm_loglik(gwi_glm_link link, double y, double mu)
{
    if (link == GWI_GLM_POISSON)
        return (y > 0.0 ? y * log(mu) : 0.0) - mu - gsl_sf_lngamma(y + 1.0);
    return (y > 0.0 ? y * log(mu) : 0.0) + (y < 1.0 ? (1.0 - y) * log1p(-mu) : 0.0);
}

double gwi_glm_loglik_at(gwi_glm_link link, double y, double mu, int yexp)
{
    if (yexp == 0 || link != GWI_GLM_POISSON)
        return gwi_glm_loglik(link, y, mu);
    /* log(2^e mu) as log(mu) + e log 2: mu itself may be the representable one of the two. */
    const double Y = ldexp(y, yexp), M = ldexp(mu, yexp);
    return (Y > 0.0 ? Y * (log(mu) + (double)yexp * 0.693147180559945309417232121458176568) : 0.0) -
           M - gsl_sf_lngamma(Y + 1.0);
}

double gwi_glm_mustart(gwi_glm_link link, double y)
{
    return link == GWI_GLM_POISSON ? y + 0.1 : (y + 0.5) / 2.0;
}

double gwi_glm_link_eta(gwi_glm_link link, double mu)
{
    switch (link) {
    case GWI_GLM_LOGIT:
        return log(mu / (1.0 - mu));
    case GWI_GLM_PROBIT:
        return gsl_cdf_ugaussian_Pinv(mu);
    case GWI_GLM_POISSON:
    default:
        return log(mu);
    }
}

int gwi_glm_valid_y(gwi_glm_link link, double y)
{
    if (!isfinite(y))
        return 0;
    return link == GWI_GLM_POISSON ? y >= 0.0 : (y >= 0.0 && y <= 1.0);
}
