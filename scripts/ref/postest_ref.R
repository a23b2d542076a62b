# postest_ref.R -- reference values for goodwork's post-estimation (issue 19): joint Wald tests
# and linear combinations (`goodwork test`, api/gw_wald.h; tests/api/test_wald.c and
# tests/cli/test_postest_cli.c), computed by hand in base R from each fit's coefficients b and
# variance V (car is not installed): W = (R b - q)' (R V R')^-1 (R b - q), F = W / m on
# (m, df) with the fit's residual df (G - 1 when clustered), chi2(m) for a GLM; a combination
# a' b + c with SE sqrt(a' V a), t(df) or normal p-value and interval.
#
# Data: datasets/psid7682.csv (the worker panel with string ids, missing values and weights).
# Rows with a missing value in a used column are dropped, as goodwork does.
#
# Run from the repository root:  Rscript scripts/ref/postest_ref.R
# Writes datasets/generated/postest_ref.csv (model,vcov,what,term,value).
d <- read.csv("datasets/psid7682.csv", stringsAsFactors = FALSE)
out <- list()
put <- function(model, vcov, what, term, value) {
  out[[length(out) + 1]] <<- data.frame(model = model, vcov = vcov, what = what, term = term,
                                        value = sprintf("%.17g", value))
}

# Restriction rows over the coefficient names nm: a named numeric vector of weights.
rrow <- function(nm, w) { r <- setNames(numeric(length(nm)), nm); r[names(w)] <- w; r }

wald <- function(model, vcov, b, V, df, R, q, is_f) {
  d <- R %*% b - q
  W <- drop(t(d) %*% solve(R %*% V %*% t(R), d))
  m <- nrow(R)
  if (is_f) {
    put(model, vcov, "wald_stat", "F", W / m)
    put(model, vcov, "wald_p", "F", pf(W / m, m, df, lower.tail = FALSE))
  } else {
    put(model, vcov, "wald_stat", "chi2", W)
    put(model, vcov, "wald_p", "chi2", pchisq(W, m, lower.tail = FALSE))
  }
}

lincom <- function(model, vcov, b, V, df, a, c, level, is_z) {
  est <- sum(a * b) + c
  se <- sqrt(drop(t(a) %*% V %*% a))
  tt <- est / se
  crit <- if (is_z) qnorm(1 - (1 - level) / 2) else qt(1 - (1 - level) / 2, df)
  p <- if (is_z) 2 * pnorm(-abs(tt)) else 2 * pt(-abs(tt), df)
  put(model, vcov, "lincom", "estimate", est)
  put(model, vcov, "lincom", "std_error", se)
  put(model, vcov, "lincom", "statistic", tt)
  put(model, vcov, "lincom", "p_value", p)
  put(model, vcov, "lincom", "ci_low", est - crit * se)
  put(model, vcov, "lincom", "ci_high", est + crit * se)
}

# 1. OLS, iid and CR1 clustered by worker:
#    lwage ~ experience + education + weeks + factor(south)
#    restrictions: experience = weeks; factor(south)=yes = 0;
#    combination: experience + 2*education - 1 at level 0.90.
s <- na.omit(d[, c("lwage", "experience", "education", "weeks", "south", "worker")])
m1 <- lm(lwage ~ experience + education + weeks + factor(south), data = s)
b <- coef(m1)
nm <- names(b)
R <- rbind(rrow(nm, c(experience = 1, weeks = -1)), rrow(nm, c("factor(south)yes" = 1)))
q <- c(0, 0)
a <- rrow(nm, c(experience = 1, education = 2))
wald("ols", "iid", b, vcov(m1), df.residual(m1), R, q, TRUE)
lincom("ols", "iid", b, vcov(m1), df.residual(m1), a, -1, 0.90, FALSE)
X <- model.matrix(m1); e <- resid(m1); n <- nrow(X); k <- ncol(X)
B <- solve(crossprod(X))
g <- factor(s$worker); G <- nlevels(g)
S <- rowsum(X * e, g)
Vc <- G / (G - 1) * (n - 1) / (n - k) * B %*% crossprod(S) %*% B
wald("ols", "cluster", b, Vc, G - 1, R, q, TRUE)
# fit --level 0.9: the clustered fit's 90% intervals, t(G - 1).
se <- sqrt(diag(Vc))
for (j in seq_along(b)) {
  put("ols", "cluster", "ci90_low", names(b)[j], b[j] - qt(0.95, G - 1) * se[j])
  put("ols", "cluster", "ci90_high", names(b)[j], b[j] + qt(0.95, G - 1) * se[j])
}
lincom("ols", "cluster", b, Vc, G - 1, a, -1, 0.90, FALSE)

# 2. Weighted within fit, iid: lwage ~ experience + weeks | worker, weights weight, as the
#    dummy-variable regression (worker dummies); the residual df N - K - D is lm's.
#    restriction: experience = 10*weeks; combination: experience - weeks at 0.95.
s <- na.omit(d[, c("lwage", "experience", "weeks", "worker", "weight")])
# goodwork drops singleton workers (they fit exactly and change neither b nor V).
s <- s[s$worker %in% names(which(table(s$worker) > 1)), ]
m2 <- lm(lwage ~ experience + weeks + factor(worker), data = s, weights = weight)
b <- coef(m2)[c("experience", "weeks")]
V <- vcov(m2)[c("experience", "weeks"), c("experience", "weeks")]
nm <- names(b)
wald("fe_w", "iid", b, V, df.residual(m2), rbind(rrow(nm, c(experience = 1, weeks = -10))), 0,
     TRUE)
lincom("fe_w", "iid", b, V, df.residual(m2), rrow(nm, c(experience = 1, weeks = -1)), 0, 0.95,
       FALSE)

# 3. Poisson (z inference, chi2 test): weeks ~ experience + education.
#    restrictions: experience = 0; education = 0.05; combination: experience + education.
s <- na.omit(d[, c("weeks", "experience", "education")])
m3 <- glm(weeks ~ experience + education, family = poisson, data = s,
          control = glm.control(epsilon = 1e-14, maxit = 100))
b <- coef(m3); nm <- names(b)
# The Fisher information at the MLE itself: vcov.glm uses the working weights of the last IRLS
# step before the final update, which differ from those at the MLE in the 10th digit.
X <- model.matrix(m3)
V <- solve(crossprod(X, X * fitted(m3)))
R <- rbind(rrow(nm, c(experience = 1)), rrow(nm, c(education = 1)))
wald("pois", "iid", b, V, NA, R, c(0, 0.05), FALSE)
lincom("pois", "iid", b, V, NA, rrow(nm, c(experience = 1, education = 1)), 0, 0.95, TRUE)

# 4. Predictions on new data (`goodwork predict`, api/gw_predict.h): new rows made from the
#    panel so that the levels differ from the fit's: occupation only "white" in the first rows
#    (the fit's reference "blue" absent there), south only "yes", years 1979-1982 only, one row
#    with a missing weeks (no prediction), one with an occupation the fit never saw ("pink") and
#    one with a year it never saw (1990): both get no prediction (R's predict stops on them, so
#    they are left out of its newdata). Written to datasets/generated/postest_new.csv.
nd <- d[d$year >= 1979 & d$year <= 1982 & d$south == "yes", ][1:40, ]
nd$occupation[1:12] <- "white"
nd$weeks[5] <- NA
nd$occupation[7] <- "pink"
nd$year[9] <- 1990
nd$worker[11] <- "w9999" # a worker the fit never saw: no prediction with worker effects
write.csv(nd, "datasets/generated/postest_new.csv", row.names = FALSE, na = "")
nd <- read.csv("datasets/generated/postest_new.csv", stringsAsFactors = FALSE)
ok <- !is.na(nd$weeks) & nd$occupation != "pink" & nd$year != 1990
s <- na.omit(d[, c("lwage", "experience", "education", "weeks", "south", "occupation", "year")])
m4 <- lm(lwage ~ experience + I(experience^2) + education * weeks + factor(south) + occupation +
           factor(year), data = s)
pr <- predict(m4, newdata = nd[ok, ], se.fit = TRUE, interval = "confidence", level = 0.9)
rows <- which(ok)
for (i in seq_along(rows)) {
  put("p_ols", "iid", "fit", rows[i], pr$fit[i, "fit"])
  put("p_ols", "iid", "se", rows[i], pr$se.fit[i])
  put("p_ols", "iid", "ci_low", rows[i], pr$fit[i, "lwr"])
  put("p_ols", "iid", "ci_high", rows[i], pr$fit[i, "upr"])
}
# Poisson on the response scale: R's predict.glm(type = "response", se.fit = TRUE) (delta
# method), the interval exp() of the link-scale one; V as in 3 (the information at the MLE).
s <- na.omit(d[, c("weeks", "experience", "education", "occupation")])
m5 <- glm(weeks ~ experience + education + occupation, family = poisson, data = s,
          control = glm.control(epsilon = 1e-14, maxit = 100))
X <- model.matrix(m5)
V <- solve(crossprod(X, X * fitted(m5)))
ok5 <- nd$occupation != "pink"
Xn <- model.matrix(~ experience + education + occupation, data = nd[ok5, ])
eta <- drop(Xn %*% coef(m5))
se_eta <- sqrt(rowSums((Xn %*% V) * Xn))
z <- qnorm(0.975)
rows <- which(ok5)
for (i in seq_along(rows)) {
  put("p_pois", "iid", "fit", rows[i], exp(eta[i]))
  put("p_pois", "iid", "se", rows[i], exp(eta[i]) * se_eta[i])
  put("p_pois", "iid", "ci_low", rows[i], exp(eta[i] - z * se_eta[i]))
  put("p_pois", "iid", "ci_high", rows[i], exp(eta[i] + z * se_eta[i]))
  put("p_pois", "iid", "link", rows[i], eta[i])
}

# 5. Fixed-effect estimates (`fit --save-fe`, api/gw_fixef.h) and predictions through them:
#    lwage ~ weeks + I(experience^2) | worker + year, weights weight, as the dummy-variable
#    regression without intercept: every worker level, the first year (1976) as reference,
#    which is goodwork's normalisation. Singletons are dropped first, as goodwork does.
s <- na.omit(d[, c("lwage", "weeks", "experience", "worker", "year", "weight")])
repeat {
  keep <- s$worker %in% names(which(table(s$worker) > 1)) &
    s$year %in% names(which(table(s$year) > 1))
  if (all(keep)) break
  s <- s[keep, ]
}
m6 <- lm(lwage ~ weeks + I(experience^2) + factor(worker) + factor(year) - 1, data = s,
         weights = weight)
cf <- coef(m6)
for (w in sort(unique(s$worker))[1:5])
  put("fe2", "iid", "fixef_worker", w, cf[paste0("factor(worker)", w)])
for (y in sort(unique(s$year)))
  put("fe2", "iid", "fixef_year", y, if (y == min(s$year)) 0 else cf[paste0("factor(year)", y)])
ok6 <- !is.na(nd$weeks) & nd$year != 1990 & nd$worker %in% s$worker
pr6 <- predict(m6, newdata = nd[ok6, ])
rows <- which(ok6)
for (i in seq_along(rows)) put("p_fe", "iid", "fit", rows[i], pr6[i])

# 6. A transformed response and arithmetic regressors, weighted, with the HC1 variance
#    (sandwich): predict gives the linear index x'b of log(wage + 1) and its SE sqrt(x' V x);
#    nothing about the response is read from the new data.
suppressPackageStartupMessages(library(sandwich))
s <- d[, c("wage", "weeks", "experience", "union", "weight")]
s$union[s$union == ""] <- NA # read.csv keeps an empty string as a level; goodwork reads missing
s <- na.omit(s)
m7 <- lm(log(wage + 1) ~ log(weeks + 1) + I(experience / 10) + union, data = s, weights = weight)
V7 <- vcovHC(m7, type = "HC1")
ok7 <- !is.na(nd$weeks) & nd$union != ""
nd7 <- nd[ok7, ]
nd7$union <- factor(nd7$union, levels = c("no", "yes")) # the fit's levels, whatever nd holds
Xn <- model.matrix(~ log(weeks + 1) + I(experience / 10) + union, data = nd7)
eta <- drop(Xn %*% coef(m7))
se7 <- sqrt(rowSums((Xn %*% V7) * Xn))
crit <- qt(0.95, df.residual(m7))
rows <- which(ok7)
for (i in seq_along(rows)) {
  put("p_expr", "iid", "fit", rows[i], eta[i])
  put("p_expr", "iid", "se", rows[i], se7[i])
  put("p_expr", "iid", "ci_low", rows[i], eta[i] - crit * se7[i])
  put("p_expr", "iid", "ci_high", rows[i], eta[i] + crit * se7[i])
}

res <- do.call(rbind, out)
f <- "datasets/generated/postest_ref.csv"
writeLines(c("# Reference values for goodwork test / predict (issue 19), made by scripts/ref/postest_ref.R",
             paste0("# ", R.version.string)), f)
suppressWarnings(write.table(res, f, append = TRUE, sep = ",", quote = FALSE, row.names = FALSE))
