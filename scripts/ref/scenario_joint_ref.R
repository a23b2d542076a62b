# scenario_joint_ref.R -- reference values for joint coefficient draws of goodwork scenario
# (api/scenario_joint.c, tests/api/test_scenario_joint.c).
#
# Usage (from the repository root):  Rscript scripts/ref/scenario_joint_ref.R
# Writes datasets/generated/scenario_joint_ref.csv, one value per line at 17 significant digits:
#     row,col,value
# row and col name a coefficient as MODEL:TERM; the models are the default pipeline's three
# equations (datasets/default.ini), two-way fixed effects la_id + year on
# datasets/uk_la_panel.csv, clustered by la_id, in that order:
#   life_sat ~ emp_rate + autonomy_share + log(median_hourly_pay) + auto_exposure | la_id + year
#   autonomy_share ~ share_prof + emp_rate + auto_exposure | la_id + year
#   log(median_hourly_pay) ~ emp_rate + share_prof | la_id + year
# Each equation is fitted on its own complete rows (life_sat has 30 rows fewer) as lm() with
# the fixed effects as dummies, then the slopes' within-transformed regressors X~ are taken from
# lm() residuals on the dummies (Frisch-Waugh-Lovell), and sandwich's estfun() and bread() of
# lm(y~ ~ X~ - 1) give the scores and (X~'X~)^-1. The stacked covariance is built by hand:
#   V_jl = sqrt(c_j c_l) B_j (sum_g s_jg s_lg') B_l,  s_jg = the sum of equation j's scores in
#   area g (zero where it has no row), c_j = G_j/(G_j-1) (N_j-1)/(N_j-K_j-D'), G_j the areas
#   with a row of equation j (life_sat lacks two areas: 358), D' = 14 (the year effects'
#   degrees of freedom; la_id is nested in the cluster and not counted).
# Checks written to the header: each diagonal block against sandwich::vcovCL(type = "HC1") of
# the within regression rescaled to goodwork's degrees of freedom, and the slopes against the
# dummy-variable lm.
suppressMessages({ library(sandwich) })
d0 <- read.csv("datasets/uk_la_panel.csv")
eqs <- list(
  life_sat = list(y = "life_sat",
                  x = c("emp_rate", "autonomy_share", "log(median_hourly_pay)", "auto_exposure")),
  autonomy = list(y = "autonomy_share", x = c("share_prof", "emp_rate", "auto_exposure")),
  log_pay = list(y = "log(median_hourly_pay)", x = c("emp_rate", "share_prof")))
ev <- function(d, s) eval(parse(text = s), d)
G <- length(unique(d0$la_id))
ids <- sort(unique(d0$la_id))
parts <- list(); check <- c()
for (nm in names(eqs)) {
  q <- eqs[[nm]]
  Y <- ev(d0, q$y)
  X <- sapply(q$x, function(s) ev(d0, s))
  ok <- is.finite(Y) & apply(is.finite(X), 1, all)
  d <- d0[ok, ]; Y <- Y[ok]; X <- X[ok, , drop = FALSE]
  stopifnot(all(table(d$la_id) > 1), all(table(d$year) > 1))  # no singletons
  fe <- model.matrix(~ factor(la_id) + factor(year), d)
  Yt <- as.numeric(lm.fit(fe, Y)$residuals)
  Xt <- apply(X, 2, function(x) as.numeric(lm.fit(fe, x)$residuals))
  colnames(Xt) <- q$x
  w <- lm(Yt ~ Xt - 1)
  N <- nrow(Xt); K <- ncol(Xt); D <- length(unique(d$year)) - 1
  S <- rowsum(estfun(w), d$la_id)                 # scores summed by area
  Sfull <- matrix(0, G, K); Sfull[match(rownames(S), ids), ] <- S
  B <- bread(w) / N                               # (X~'X~)^-1
  Gj <- length(unique(d$la_id))                  # areas with a row (358 for life_sat)
  cfac <- Gj / (Gj - 1) * (N - 1) / (N - K - D)
  lsdv <- lm(Y ~ X + factor(la_id) + factor(year), d)
  Vhc1 <- vcovCL(w, cluster = d$la_id, type = "HC1") * (N - K) / (N - K - D)
  Vown <- cfac * B %*% crossprod(Sfull) %*% B
  check <- c(check, sprintf("# %s: N = %d, max |coef - lsdv| = %.3g, max rel |V_jj - vcovCL| = %.3g",
                            nm, N, max(abs(coef(w) - coef(lsdv)[2:(K + 1)])),
                            max(abs(Vown - Vhc1) / sqrt(diag(Vhc1) %o% diag(Vhc1)))))
  parts[[nm]] <- list(S = Sfull, B = B, c = cfac, names = paste0(nm, ":", gsub(" ", "", q$x)))
}
rows <- c()
for (j in names(parts)) for (l in names(parts)) {
  Pj <- parts[[j]]; Pl <- parts[[l]]
  V <- sqrt(Pj$c * Pl$c) * Pj$B %*% crossprod(Pj$S, Pl$S) %*% Pl$B
  for (a in seq_along(Pj$names)) for (b in seq_along(Pl$names))
    rows <- c(rows, sprintf("%s,%s,%.17g", Pj$names[a], Pl$names[b], V[a, b]))
}
out <- "datasets/generated/scenario_joint_ref.csv"
writeLines(c("# scenario_joint_ref.csv -- made by scripts/ref/scenario_joint_ref.R",
             sprintf("# %s, sandwich %s", R.version.string, packageVersion("sandwich")),
             check, "row,col,value", rows), out)
cat(check, sep = "\n")
