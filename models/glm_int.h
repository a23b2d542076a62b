/* glm_int.h -- the exponential-family pieces shared by the GLM estimators (models/glm*.c):
 * links, variance functions, unit deviances, log-likelihood contributions and starting values
 * for the binomial (logit, probit) and Poisson (log) families, evaluated one observation at a
 * time with the same guards as R's glm (binomial()$linkinv, make.link("probit"), poisson()).
 *
 * Guards (as R): logit eta is clamped to [-30, 30] before exp, mu to [eps, 1 - eps]; probit
 * eta to [-t, t], t = -qnorm(eps) = 8.1258906647..., mu to [eps, 1 - eps]; log: mu =
 * max(exp(eta), eps); dmu/deta is never below eps (eps = DBL_EPSILON). */
#ifndef GW_GLM_INT_H
#define GW_GLM_INT_H

typedef enum { GWI_GLM_LOGIT = 0, GWI_GLM_PROBIT, GWI_GLM_POISSON } gwi_glm_link;

/* One observation's quantities at linear predictor eta. */
typedef struct {
    double mu;  /* the mean, g^-1(eta)                              */
    double dmu; /* d mu / d eta                                     */
    double var; /* V(mu): mu (1 - mu) or mu                         */
} gwi_glm_point;

/* gwi_glm_eval -- mu, dmu/deta and V(mu) at eta (eta finite). */
gwi_glm_point gwi_glm_eval(gwi_glm_link link, double eta);

/* gwi_glm_dev -- the unit deviance d(y, mu) >= 0 (2 [y log(y/mu) + ...], with 0 log 0 = 0). */
double gwi_glm_dev(gwi_glm_link link, double y, double mu);

/* gwi_glm_loglik -- one observation's log-likelihood: binomial y log mu + (1 - y) log(1 - mu)
 * (y in [0, 1]); Poisson y log mu - mu - lgamma(y + 1). */
double gwi_glm_loglik(gwi_glm_link link, double y, double mu);

/* gwi_glm_mustart -- R's starting mean: binomial (y + 0.5) / 2, Poisson y + 0.1. */
double gwi_glm_mustart(gwi_glm_link link, double y);

/* gwi_glm_link_eta -- g(mu): log(mu / (1 - mu)), qnorm(mu) or log(mu). */
double gwi_glm_link_eta(gwi_glm_link link, double mu);

/* gwi_glm_valid_y -- 1 when y is a valid response: binomial 0 <= y <= 1, Poisson y >= 0. */
int gwi_glm_valid_y(gwi_glm_link link, double y);

#endif
