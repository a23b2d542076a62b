# glm_ref.R -- reference values for tests/models/test_glm.c and tests/cli/test_glm_cli.c:
# logit, probit and Poisson fits by R's glm (epsilon 1e-14, i.e. the exact MLE to double
# precision) with iid (summary.glm), HC0-HC3 (sandwich::vcovHC) and CR1 cluster
# (sandwich::vcovCL(type = "HC1", cadjust = TRUE)) standard errors, log-likelihood, deviance,
# AIC/BIC, McFadden pseudo R2 and average marginal effects hand-coded with the delta method
# (analytic Jacobian; the `margins` package is not packaged for Debian).
#
# Data: AER's PSID1976 (Mroz 1987; 753 married women) -> datasets/psid1976.csv with numeric
# 0/1 columns, nwifeinc = (fincome - hours * wage) / 1000 (Wooldridge, Example 17.1) and kidcat
# (0 no children under 18, 1 children under 6, 2 only children 6-18); AER's DoctorVisits
# (Cameron and Trivedi; 5190 adults) -> datasets/doctorvisits.csv with 0/1 columns and
# agegrp = round(100 * age). The fits use the CSV files as written and read back, so R and
# goodwork see the same numbers.
#
# Run from the repository root:  Rscript scripts/ref/glm_ref.R
suppressPackageStartupMessages({ library(AER); library(sandwich) })

# Numbers as R's shortest 15-significant-digit text (as.character): what is written is what
# both R and goodwork read back.
as_text <- function(df) as.data.frame(lapply(df, as.character))

data("PSID1976", package = "AER")
p <- PSID1976
yn <- function(f) as.integer(f == "yes")
psid <- data.frame(
  participation = yn(p$participation), hours = p$hours, youngkids = p$youngkids,
  oldkids = p$oldkids, age = p$age, education = p$education, wage = p$wage,
  repwage = p$repwage, hhours = p$hhours, hage = p$hage, heducation = p$heducation,
  hwage = p$hwage, fincome = p$fincome, tax = p$tax, meducation = p$meducation,
  feducation = p$feducation, unemp = p$unemp, city = yn(p$city), experience = p$experience,
  college = yn(p$college), hcollege = yn(p$hcollege),
  nwifeinc = (p$fincome - p$hours * p$wage) / 1000,
  kidcat = ifelse(p$youngkids > 0, 1L, ifelse(p$oldkids > 0, 2L, 0L)))
write.csv(as_text(psid), "datasets/psid1976.csv", row.names = FALSE, quote = FALSE)

data("DoctorVisits", package = "AER")
d <- DoctorVisits
dv <- data.frame(visits = d$visits, female = as.integer(d$gender == "female"), age = d$age,
                 income = d$income, illness = d$illness, reduced = d$reduced,
                 health = d$health, private = yn(d$private), freepoor = yn(d$freepoor),
                 freerepat = yn(d$freerepat), nchronic = yn(d$nchronic),
                 lchronic = yn(d$lchronic), agegrp = round(100 * d$age))
write.csv(as_text(dv), "datasets/doctorvisits.csv", row.names = FALSE, quote = FALSE)

psid <- read.csv("datasets/psid1976.csv")
dv <- read.csv("datasets/doctorvisits.csv")
stopifnot(nrow(psid) == 753, nrow(dv) == 5190)

ctl <- glm.control(epsilon = 1e-14, maxit = 100)
# glm.fit's final weights (hence vcov, hatvalues and estfun) are those of the iteration before
# the last, one step behind the reported coefficients; with a deviance criterion that step is
# ~sqrt(epsilon) in standard-error units, which moves robust standard errors in the 7th
# digit. Refitting from the converged coefficients makes the final weights those of the MLE.
# (Three refits: probit's Fisher scoring converges linearly, each refit gains a few digits.)
refit <- function(m) {
  m2 <- m
  for (r in 1:3) m2 <- update(m2, start = coef(m2))
  m2$iter_first <- m$iter
  m2
}
f_lfp <- participation ~ nwifeinc + education + experience + I(experience^2) + age +
  youngkids + oldkids
f_fac <- participation ~ education + age + factor(kidcat) + city
f_sep <- participation ~ education + age + factor(youngkids)
f_dv <- visits ~ female + age + I(age^2) + income + illness + reduced + health + private +
  freepoor + freerepat + nchronic + lchronic

# goodwork's names for R's coefficient names.
gwname <- function(n) {
  n <- sub("^factor\\(([a-z]+)\\)([0-9]+)$", "factor(\\1)=\\2", n)
  n
}

rows <- list()
add <- function(model, vcov, what, term, value)
  rows[[length(rows) + 1]] <<- data.frame(model = model, vcov = vcov, what = what,
                                          term = term, value = sprintf("%.17g", value))

# AMEs with the delta method: continuous columns g'(eta) b_j averaged; factor(v)=l columns the
# average discrete change against the base level with the factor's other dummies zero.
ame <- function(fit, V, fam) {
  X <- model.matrix(fit); b <- coef(fit); eta <- drop(X %*% b)
  link <- fam
  F <- switch(link, logit = plogis, probit = pnorm, log = exp)
  f1 <- switch(link, logit = function(e) dlogis(e), probit = dnorm, log = exp)
  f2 <- switch(link, logit = function(e) { m <- plogis(e); m * (1 - m) * (1 - 2 * m) },
               probit = function(e) -e * dnorm(e), log = exp)
  nm <- colnames(X); out <- list()
  isfac <- grepl("^factor\\(", nm)
  for (j in which(nm != "(Intercept)")) {
    if (isfac[j]) {
      grp <- which(sub("\\)[0-9]+$", "", nm) == sub("\\)[0-9]+$", "", nm[j]))
      eta0 <- eta - drop(X[, grp, drop = FALSE] %*% b[grp])
      eta1 <- eta0 + b[j]
      est <- mean(F(eta1) - F(eta0))
      X0 <- X; X0[, grp] <- 0; X1 <- X0; X1[, j] <- 1
      g <- colMeans(f1(eta1) * X1 - f1(eta0) * X0)
    } else {
      est <- mean(f1(eta) * b[j])
      g <- colMeans(f2(eta) * b[j] * X); g[j] <- g[j] + mean(f1(eta))
    }
    out[[gwname(nm[j])]] <- c(est, sqrt(drop(t(g) %*% V %*% g)))
  }
  out
}

record <- function(model, fit, vcovs, linkname, clname, ame_vcovs = c("iid")) {
  b <- coef(fit); nm <- gwname(names(b))
  ll <- as.numeric(logLik(fit))
  null <- update(fit, . ~ 1, start = NULL)
  ll0 <- as.numeric(logLik(null))
  for (i in seq_along(b)) add(model, "", "estimate", nm[i], b[i])
  add(model, "", "loglik", "", ll)
  add(model, "", "deviance", "", deviance(fit))
  add(model, "", "null_deviance", "", fit$null.deviance)
  add(model, "", "aic", "", -2 * ll + 2 * length(b))
  add(model, "", "bic", "", -2 * ll + length(b) * log(nobs(fit)))
  add(model, "", "pseudo_r2", "", 1 - ll / ll0)
  add(model, "", "nobs", "", nobs(fit))
  add(model, "", "iterations", "", fit$iter_first)
  for (v in vcovs) {
    V <- switch(v, iid = vcov(fit), hc0 = vcovHC(fit, type = "HC0"),
                hc1 = vcovHC(fit, type = "HC1"), hc2 = vcovHC(fit, type = "HC2"),
                hc3 = vcovHC(fit, type = "HC3"),
                cluster = vcovCL(fit, cluster = fit$data[[clname]][as.integer(rownames(model.frame(fit)))],
                                 type = "HC1", cadjust = TRUE))
    se <- sqrt(diag(V))
    vn <- if (v == "cluster") paste0("cluster:", clname) else v
    for (i in seq_along(b)) add(model, vn, "std_error", nm[i], se[i])
    if (v %in% ame_vcovs) {
      a <- ame(fit, V, linkname)
      for (t in names(a)) {
        add(model, vn, "ame", t, a[[t]][1]); add(model, vn, "ame_se", t, a[[t]][2])
      }
    }
  }
}

all_v <- c("iid", "hc0", "hc1", "hc2", "hc3", "cluster")
m <- refit(glm(f_lfp, family = binomial("logit"), data = psid, control = ctl))
record("logit_lfp", m, all_v, "logit", "age", c("iid", "hc1", "cluster"))
m <- refit(glm(f_lfp, family = binomial("probit"), data = psid, control = ctl))
record("probit_lfp", m, all_v, "probit", "age", c("iid", "hc1", "cluster"))
m <- refit(glm(f_fac, family = binomial("logit"), data = psid, control = ctl))
record("logit_fac", m, c("iid", "hc1"), "logit", "age", c("iid", "hc1"))
m <- refit(glm(f_fac, family = binomial("probit"), data = psid, control = ctl))
record("probit_fac", m, c("iid"), "probit", "age", c("iid"))
# Separation: factor(youngkids)=3 (3 women, none participating) is dropped with its rows.
sub <- psid[psid$youngkids != 3, ]
m <- refit(glm(participation ~ education + age + factor(youngkids), family = binomial("logit"),
               data = sub, control = ctl))
record("logit_sep", m, c("iid", "hc1"), "logit", "age", c())
m <- refit(glm(f_dv, family = poisson, data = dv, control = ctl))
record("poisson_dv", m, all_v, "log", "agegrp", c("iid", "hc1", "cluster"))
# Weighted logit: prior weights hhours / 1000 (analytic weights).
psid$w <- psid$hhours / 1000
m <- suppressWarnings(refit(glm(f_lfp, family = binomial("logit"), data = psid, control = ctl,
                                weights = w)))
b <- coef(m)
for (i in seq_along(b)) add("logit_w", "", "estimate", gwname(names(b))[i], b[i])
for (i in seq_along(b)) add("logit_w", "iid", "std_error", gwname(names(b))[i], sqrt(diag(vcov(m)))[i])
Vw <- vcovHC(m, type = "HC1")
for (i in seq_along(b)) add("logit_w", "hc1", "std_error", gwname(names(b))[i], sqrt(diag(Vw))[i])
add("logit_w", "", "deviance", "", deviance(m))
add("logit_w", "", "null_deviance", "", m$null.deviance)

out <- do.call(rbind, rows)
con <- file("datasets/generated/glm_ref.csv", "w")
writeLines(c("# Reference values for tests/models/test_glm.c, made by scripts/ref/glm_ref.R",
             paste0("# ", R.version.string, "; AER ", packageVersion("AER"), "; sandwich ",
                    packageVersion("sandwich")),
             "# glm(control = glm.control(epsilon = 1e-14, maxit = 100)); AMEs by hand (delta method)",
             "model,vcov,what,term,value"), con)
write.table(out, con, sep = ",", quote = FALSE, row.names = FALSE, col.names = FALSE)
close(con)
cat("wrote", nrow(out), "reference values\n")
