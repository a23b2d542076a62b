# grunfeld_fe_ref.R -- reference values for the within estimator (tests/models/test_hdfe.c).
#
# Usage (from the repository root):  Rscript scripts/ref/grunfeld_fe_ref.R
# Writes datasets/generated/grunfeld_fe_ref.csv, one value per line at 17 significant digits:
#     profile,vcov,what,term,value
# Model: inv ~ value + capital with firm fixed effects (plm's Grunfeld, 10 firms x 20 years).
#  - profile "plm": plm(model = "within") coefficients and its default (iid) standard errors,
#    r.squared (the within R^2), and the full-model R^2 of the dummy-variable lm.
#  - profiles goodwork, stata, fixest, statsmodels: the variance of each small-sample profile
#    (models/fe/gw_hdfe.h) computed BY HAND from the plm pieces (within-transformed X, residuals)
#    with that profile's documented factors. fixest and Stata are not available here, so their
#    values are their documented formulas, not their output. The statsmodels profile is also
#    checked against sandwich on the dummy-variable lm (vcovCL type HC1, vcovHC HC1/HC3), whose
#    conventions are statsmodels' (N - K_lsdv, G/(G-1)); the largest relative difference is
#    written to the header.
suppressMessages({ library(plm); library(sandwich) })
data(Grunfeld, package = "plm")
G0 <- Grunfeld
pm <- plm(inv ~ value + capital, data = G0, index = c("firm", "year"), model = "within")
lsdv <- lm(inv ~ value + capital + factor(firm), data = G0)
Xt <- model.matrix(pm)                       # within-transformed regressors
e <- as.numeric(residuals(pm))
N <- nrow(Xt); K <- ncol(Xt); L <- 10; D <- L
B <- solve(crossprod(Xt))
rss <- sum(e^2)
out <- character(0)
emit <- function(profile, vcov, what, term, value)
  out <<- c(out, sprintf("%s,%s,%s,%s,%s", profile, vcov, what, term,
                         trimws(formatC(value, digits = 17, format = "g"))))
terms <- colnames(Xt)
for (j in 1:K) {
  emit("plm", "iid", "estimate", terms[j], coef(pm)[j])
  emit("plm", "iid", "std_error", terms[j], sqrt(diag(vcov(pm)))[j])
}
emit("plm", "iid", "r2_within", "", summary(pm)$r.squared[["rsq"]])
emit("plm", "iid", "r2", "", summary(lsdv)$r.squared)
emit("plm", "iid", "rss", "", rss)
emit("plm", "iid", "f_stat", "", summary(pm)$fstatistic$statistic[[1]])
emit("plm", "iid", "adj_r2", "", summary(lsdv)$adj.r.squared)
emit("plm", "iid", "rmse", "", summary(lsdv)$sigma)

meat_cl <- function(g) { S <- rowsum(Xt * e, g); list(M = crossprod(S), G = nrow(S)) }
sand <- function(M) B %*% M %*% B
ng <- as.numeric(table(G0$firm))[as.integer(factor(G0$firm))]
hfull <- rowSums((Xt %*% B) * Xt) + 1 / ng
V_hc0 <- sand(crossprod(Xt * e))
V_hc3 <- sand(crossprod(Xt * (e / (1 - hfull))))
cl1 <- meat_cl(G0$firm); cl2 <- meat_cl(G0$year)
cl12 <- meat_cl(interaction(G0$firm, G0$year, drop = TRUE))
a <- function(cl) cl$G / (cl$G - 1)
# D_iid and D_cl per profile and clustering (firm is nested in firm, not in year).
prof <- list(
  goodwork    = list(iid = D, firm = 0, year = D, twoway = 0),
  stata       = list(iid = D, firm = 1, year = D, twoway = 1),
  fixest      = list(iid = D, firm = 1, year = D, twoway = NA),
  statsmodels = list(iid = D, firm = D, year = D, twoway = D))
maxdiff <- 0
for (p in names(prof)) {
  P <- prof[[p]]
  V <- list(
    iid = rss / (N - K - P$iid) * B,
    hc1 = N / (N - K - P$iid) * V_hc0,
    hc3 = V_hc3,
    "cluster:firm" = (N - 1) / (N - K - P$firm) * a(cl1) * sand(cl1$M),
    "cluster:year" = (N - 1) / (N - K - P$year) * a(cl2) * sand(cl2$M))
  if (!is.na(P$twoway))
    V[["cluster:firm+year"]] <- (N - 1) / (N - K - P$twoway) *
      sand(a(cl1) * cl1$M + a(cl2) * cl2$M - a(cl12) * cl12$M)
  for (v in names(V)) for (j in 1:K) emit(p, v, "std_error", terms[j], sqrt(V[[v]][j, j]))
  if (p == "statsmodels") {
    rel <- function(x, y) max(abs(x - y) / abs(y))
    maxdiff <- max(maxdiff,
      rel(V$iid, vcov(lsdv)[terms, terms]),
      rel(V$hc1, vcovHC(lsdv, type = "HC1")[terms, terms]),
      rel(V$hc3, vcovHC(lsdv, type = "HC3")[terms, terms]),
      rel(V[["cluster:firm"]], vcovCL(lsdv, cluster = ~firm, type = "HC1")[terms, terms]),
      rel(V[["cluster:firm+year"]], vcovCL(lsdv, cluster = ~firm + year, type = "HC1",
                                            multi0 = FALSE)[terms, terms]))
  }
}
hdr <- c("# Reference values for tests/models/test_hdfe.c, made by scripts/ref/grunfeld_fe_ref.R",
         sprintf("# %s; plm %s; sandwich %s", R.version.string, packageVersion("plm"),
                 packageVersion("sandwich")),
         sprintf("# statsmodels profile vs sandwich on the LSDV lm: max relative difference %.2e",
                 maxdiff),
         "profile,vcov,what,term,value")
writeLines(c(hdr, out), "datasets/generated/grunfeld_fe_ref.csv")
