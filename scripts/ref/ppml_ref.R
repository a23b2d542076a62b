# ppml_ref.R -- reference values for the GLMs with absorbed fixed effects (models/glm/glm_fe.c,
# tests/models/test_glm_fe.c): R glm on the explicit dummy-variable design.
#
#   Rscript scripts/ref/ppml_ref.R        (from the repository root; takes a few minutes)
#
# Writes datasets/generated/ppml_ref_pois.csv   (Poisson, two fixed effects a (1,500 levels)
#        and b (500 levels): 2,000 groups, 5,000 rows; y, x1, x2, a, b),
#        datasets/generated/ppml_ref_logit.csv  (logit and probit, one fixed effect g (300
#        levels), 3,000 rows; y, x1, x2, g),
#        datasets/generated/ppml_ref.csv        (model, quantity, term, value: coefficients and
#        iid standard errors from glm's Fisher information -- as glm reports them, and at the
#        converged estimate --, loglik, deviance, null deviance, aic, nobs, rank).
# Every fixed-effect level has at least two rows and both outcomes where it matters (no
# singletons, no all-zero (Poisson) or all-0/all-1 (logit) groups), so the sample used by the
# absorbed fit is the whole data set. glm.control(epsilon = 1e-13, maxit = 200) so that the
# reference carries more than the 1e-8 the test asks for.
set.seed(20261128)
out <- "datasets/generated"
fmt <- function(v) trimws(formatC(v, digits = 17, format = "g"))

## Poisson, two-way.
n <- 5000; La <- 1500; Lb <- 500
a <- sample(rep(seq_len(La), length.out = n))
b <- sample(rep(seq_len(Lb), length.out = n))
x1 <- rnorm(n); x2 <- rnorm(n) + 0.3 * x1
alpha <- rnorm(La, 0, 0.4); beta <- rnorm(Lb, 0, 0.4)
x1 <- x1 + 0.5 * alpha[a]           # regressors correlated with the effects
y <- rpois(n, exp(0.4 + 0.3 * x1 - 0.2 * x2 + alpha[a] + beta[b]))
repeat {                            # no all-zero group in either set
  za <- tapply(y, a, sum) == 0; zb <- tapply(y, b, sum) == 0
  if (!any(za) && !any(zb)) break
  for (l in which(za)) y[which(a == l)[1]] <- 1
  for (l in which(zb)) y[which(b == l)[1]] <- 1
}
stopifnot(min(table(a)) >= 2, min(table(b)) >= 2)
write.csv(data.frame(y = y, x1 = fmt(x1), x2 = fmt(x2), a = a - 1, b = b - 1),
          file.path(out, "ppml_ref_pois.csv"), row.names = FALSE, quote = FALSE)
gp <- glm(y ~ x1 + x2 + factor(a) + factor(b), family = poisson,
          control = glm.control(epsilon = 1e-13, maxit = 200))
stopifnot(gp$converged)

## Logit, one-way.
n2 <- 3000; Lg <- 300
g <- sample(rep(seq_len(Lg), length.out = n2))
u1 <- rnorm(n2); u2 <- rnorm(n2)
gam <- rnorm(Lg, 0, 0.8)
u1 <- u1 + 0.5 * gam[g]
yl <- rbinom(n2, 1, plogis(0.5 * u1 - 0.7 * u2 + gam[g]))
repeat {                            # every group has both outcomes
  s <- tapply(yl, g, mean); bad <- which(s == 0 | s == 1)
  if (length(bad) == 0) break
  for (l in bad) { i <- which(g == l)[1]; yl[i] <- 1 - yl[i] }
}
write.csv(data.frame(y = yl, x1 = fmt(u1), x2 = fmt(u2), g = g - 1),
          file.path(out, "ppml_ref_logit.csv"), row.names = FALSE, quote = FALSE)
gl <- glm(yl ~ u1 + u2 + factor(g), family = binomial,
          control = glm.control(epsilon = 1e-13, maxit = 200))
stopifnot(gl$converged)
gr <- glm(yl ~ u1 + u2 + factor(g), family = binomial(link = "probit"),
          control = glm.control(epsilon = 1e-13, maxit = 200))
stopifnot(gr$converged)

# glm's standard errors use the working weights of its last iteration, one step behind the
# reported coefficients; std_error_at_estimate is sqrt(diag((X'WX)^-1)) with W evaluated at the
# converged linear predictor (what goodwork reports). They differ by about the last step.
se_at_estimate <- function(fit, terms) {
  X <- model.matrix(fit); fam <- family(fit); eta <- fit$linear.predictors
  mu <- fam$linkinv(eta); W <- fam$mu.eta(eta)^2 / fam$variance(mu)
  V <- chol2inv(qr.R(qr(X * sqrt(W))))
  sqrt(diag(V))[match(terms, colnames(X))]
}
rows <- function(model, fit, terms, names) {
  s <- summary(fit)$coefficients
  rbind(data.frame(model = model, quantity = "estimate", term = names, value = fmt(s[terms, 1])),
        data.frame(model = model, quantity = "std_error", term = names, value = fmt(s[terms, 2])),
        data.frame(model = model, quantity = "std_error_at_estimate", term = names,
                   value = fmt(se_at_estimate(fit, terms))),
        data.frame(model = model, quantity = c("loglik", "deviance", "null_deviance", "aic",
                                               "nobs", "rank", "iter"), term = "",
                   value = fmt(c(as.numeric(logLik(fit)), deviance(fit), fit$null.deviance,
                                 AIC(fit), nobs(fit), fit$rank, fit$iter))))
}
ref <- rbind(rows("poisson2", gp, c("x1", "x2"), c("x1", "x2")),
             rows("logit1", gl, c("u1", "u2"), c("x1", "x2")),
             rows("probit1", gr, c("u1", "u2"), c("x1", "x2")))
con <- file(file.path(out, "ppml_ref.csv"), "w")
writeLines(sprintf("# %s; glm(family = poisson | binomial) on the dummy-variable design; %s",
                   R.version.string, "scripts/ref/ppml_ref.R"), con)
write.csv(ref, con, row.names = FALSE, quote = FALSE)
close(con)
