# iv_weights_ref.R -- reference values for 2SLS with analytic weights (models/iv/iv.c,
# tests/models/test_iv_weights.c): AER::ivreg(..., weights = population) on the cigarette
# panel (datasets/cigarettes_sw.csv, both years), with the variances of sandwich (vcovHC HC0-HC3,
# vcovCL by state, type HC1) and AER's summary (R2 with weights, the weak-instrument F,
# Wu-Hausman and Sargan of its ivdiag); and with state effects as dummy variables, the model
# goodwork fits with "| state" absorbed.
#
# Run from the repository root:  Rscript scripts/ref/iv_weights_ref.R
# Writes datasets/generated/iv_weights_ref.csv (model, vcov, quantity, term, value).
.libPaths(c("/work/rlib", .libPaths()))
suppressMessages({ library(AER); library(sandwich) })
cig <- read.csv("datasets/cigarettes_sw.csv")
rows <- list()
put <- function(model, vcov, quantity, term, value)
    rows[[length(rows) + 1L]] <<- data.frame(model = model, vcov = vcov, quantity = quantity,
                                             term = term, value = sprintf("%.17g", value))
emit <- function(model, vname, m, V, terms = names(coef(m)), diag = NULL) {
    for (t in terms) {
        put(model, vname, "estimate", t, coef(m)[t])
        put(model, vname, "std_error", t, sqrt(V[t, t]))
    }
    if (!is.null(diag)) {
        nd <- nrow(diag)
        put(model, vname, "fs_f", "", diag[1, 3])
        put(model, vname, "wu_hausman", "", diag[nd - 1, 3])
        put(model, vname, "sargan", "", diag[nd, 3])
    }
}

# ---- cigw: pooled, weighted by population ----------------------------------------------
m <- ivreg(lpacks ~ lrincome + lrprice | lrincome + tdiff + rtax, data = cig,
           weights = population)
s <- summary(m, diagnostics = TRUE)
emit("cigw", "iid", m, vcov(m), diag = s$diagnostics)
put("cigw", "iid", "rss", "", sum(weights(m) * residuals(m)^2))
put("cigw", "iid", "r2", "", s$r.squared)
put("cigw", "iid", "adj_r2", "", s$adj.r.squared)
put("cigw", "iid", "sigma", "", s$sigma)
put("cigw", "iid", "residual", "1", residuals(m)[1])
for (h in c("HC0", "HC1")) {
    vf <- function(x) vcovHC(x, type = h)
    emit("cigw", tolower(h), m, vf(m),
         diag = summary(m, vcov. = vf, diagnostics = TRUE)$diagnostics)
}
vf <- function(x) vcovCL(x, cluster = cig$state, type = "HC1")
emit("cigw", "cluster:state", m, vf(m),
     diag = summary(m, vcov. = vf, diagnostics = TRUE)$diagnostics)
# HC2/HC3: AER's hatvalues.ivreg ignores the weights (the leverage of the unweighted
# projections), unlike lm's for weighted OLS. goodwork uses the weighted leverage
# h_i = w_i x_i' (X^'W X^)^-1 x^_i, the one of 2SLS on the rows multiplied by sqrt(w_i), so the
# reference is vcovHC of that unweighted ivreg (intercept column sqrt(w)).
tr <- function(data, sw, y, X, Z) {
    Ys <- sw * y; Xs <- sw * X; Zs <- sw * Z
    ivreg(Ys ~ 0 + Xs | 0 + Zs)
}
sw <- sqrt(cig$population)
mt <- tr(cig, sw, cig$lpacks, cbind(`(Intercept)` = 1, lrincome = cig$lrincome,
                                    lrprice = cig$lrprice),
         cbind(1, cig$lrincome, cig$tdiff, cig$rtax))
names(mt$coefficients) <- sub("^Xs", "", names(mt$coefficients))
for (h in c("HC2", "HC3")) {
    V <- vcovHC(mt, type = h); dimnames(V) <- list(names(coef(mt)), names(coef(mt)))
    emit("cigw", tolower(h), mt, V)
}
put("cigw", "check", "transformed_vs_weighted_hc1", "",
    max(abs(vcovHC(mt, type = "HC1") - vcovHC(m, type = "HC1"))))
# The first stage (weighted lm), as goodwork reports it.
fs <- lm(lrprice ~ lrincome + tdiff + rtax, data = cig, weights = population)
put("cigw", "iid", "fs_r2", "", summary(fs)$r.squared)
put("cigw", "iid", "fs_overall_f", "", summary(fs)$fstatistic[["value"]])
put("cigw", "iid", "fs_loglik", "", as.numeric(logLik(fs)))

# ---- cigwfe: state effects (dummies here, absorbed in goodwork) ---------------------------
m <- ivreg(lpacks ~ lrincome + lrprice + factor(state) | lrincome + tdiff + rtax + factor(state),
           data = cig, weights = population)
sl <- c("lrincome", "lrprice")
emit("cigwfe", "iid", m, vcov(m), sl)
put("cigwfe", "iid", "rss", "", sum(weights(m) * residuals(m)^2))
emit("cigwfe", "hc1", m, vcovHC(m, type = "HC1"), sl)
D <- model.matrix(~ factor(state), cig)
mt <- tr(cig, sw, cig$lpacks, cbind(D, lrincome = cig$lrincome, lrprice = cig$lrprice),
         cbind(D, cig$lrincome, cig$tdiff, cig$rtax))
names(mt$coefficients) <- sub("^Xs", "", names(mt$coefficients))
for (h in c("HC2", "HC3")) {
    V <- vcovHC(mt, type = h); dimnames(V) <- list(names(coef(mt)), names(coef(mt)))
    emit("cigwfe", tolower(h), mt, V, sl)
}
# Clustered by state: the state effects are nested in the clusters, so goodwork's (N-1)/(N-K)
# counts only the slopes: CR0 * G/(G-1) * (N-1)/(N-2).
N <- nrow(cig); G <- length(unique(cig$state))
emit("cigwfe", "cluster:state", m,
     vcovCL(m, cluster = ~state, type = "HC0", cadjust = FALSE) * G / (G - 1) * (N - 1) / (N - 2),
     sl)

res <- do.call(rbind, rows)
con <- file("datasets/generated/iv_weights_ref.csv", "w")
writeLines(sprintf("# made by scripts/ref/iv_weights_ref.R with %s, AER %s, sandwich %s",
                   R.version.string, packageVersion("AER"), packageVersion("sandwich")), con)
write.csv(res, con, row.names = FALSE, quote = FALSE)
close(con)
