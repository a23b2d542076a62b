# grunfeld_ref.R -- reference values for goodwork's OLS/WLS estimator (tests/models/test_ols.c).
#
# Usage (from the repository root):  Rscript scripts/ref/grunfeld_ref.R
# Writes datasets/grunfeld.csv (plm's Grunfeld: 10 firms x 20 years) and
# datasets/generated/grunfeld_ref.csv: one value per line at 17 significant digits,
#     model,vcov,what,term,value
# where `term` is empty for scalars and "a|b" for vcov entries. Terms are named as the
# goodwork contract prints them ("factor(firm)=2" where R says "factor(firm)2").
#
# Variances: lm + sandwich (vcovHC HC0..HC3; vcovCL type = "HC1", cadjust = TRUE, one-way by
# firm and two-way by firm + year with multi0 = FALSE, fix = FALSE). Each is also computed by
# hand from the lm pieces with the formulas of docs/reference/statistics.md ("Statistical
# conventions"); the largest relative difference between the two is written to the header, and
# the hand-computed (contract) value is the one recorded. Robust/cluster F statistics are Wald
# tests of all slopes, F = b' V^-1 b / q with F(q, df) and df = N-K (HC) or min(G)-1 (cluster);
# cluster p-values and intervals use t with min(G)-1 degrees of freedom.
suppressMessages({
  library(plm)
  library(sandwich)
})
options(digits = 17)
data(Grunfeld, package = "plm")
G0 <- Grunfeld[, c("firm", "year", "inv", "value", "capital")]
write.csv(G0, "datasets/grunfeld.csv", row.names = FALSE, quote = FALSE)

out <- character(0)
maxdiff <- 0
emit <- function(model, vcov, what, term, value) {
  out <<- c(out, sprintf("%s,%s,%s,%s,%s", model, vcov, what, term,
                         trimws(formatC(value, digits = 17, format = "g"))))
}
rename <- function(nm) {
  nm <- sub("^factor\\(firm\\)", "factor(firm)=", nm)
  nm
}
# Difference of two covariance matrices relative to the scale of each entry, sqrt(Vii Vjj).
reldiff <- function(a, b) max(abs(a - b) / sqrt(outer(diag(b), diag(b))))
diffs <- character(0)

# The contract's variance estimators, by hand.
contract_vcov <- function(m, kind, data) {
  X <- model.matrix(m)
  X <- X[, !is.na(coef(m)), drop = FALSE]
  n <- nrow(X); k <- ncol(X)
  w <- if (is.null(weights(m))) rep(1, n) else weights(m)
  e <- residuals(m)
  B <- chol2inv(qr.R(qr(X * sqrt(w))))  # (X'WX)^-1 from the QR, not from X'WX
  u <- w * e                      # scores are w_i x_i e_i
  if (kind == "iid") return(sum(w * e^2) / (n - k) * B)
  h <- w * rowSums((X %*% B) * X)
  meat_of <- function(uu) crossprod(X * uu)
  if (kind == "hc0") return(B %*% meat_of(u) %*% B)
  if (kind == "hc1") return(n / (n - k) * B %*% meat_of(u) %*% B)
  if (kind == "hc2") return(B %*% meat_of(u / sqrt(1 - h)) %*% B)
  if (kind == "hc3") return(B %*% meat_of(u / (1 - h)) %*% B)
  cl <- function(g) {
    S <- rowsum(X * u, g, reorder = TRUE)
    G <- nrow(S)
    list(V = G / (G - 1) * B %*% crossprod(S) %*% B, G = G)
  }
  vars <- strsplit(sub("^cluster:", "", kind), "+", fixed = TRUE)[[1]]
  c0 <- (n - 1) / (n - k)
  if (length(vars) == 1) {
    r <- cl(data[[vars[1]]])
    return(structure(c0 * r$V, G = r$G))
  }
  g1 <- data[[vars[1]]]; g2 <- data[[vars[2]]]
  r1 <- cl(g1); r2 <- cl(g2); r12 <- cl(interaction(g1, g2, drop = TRUE))
  structure(c0 * (r1$V + r2$V - r12$V), G = c(r1$G, r2$G))
}

sandwich_vcov <- function(m, kind, data) {
  if (kind == "iid") return(vcov(m))
  if (kind %in% c("hc0", "hc1", "hc2", "hc3")) return(vcovHC(m, type = toupper(kind)))
  vars <- strsplit(sub("^cluster:", "", kind), "+", fixed = TRUE)[[1]]
  vcovCL(m, cluster = data[, vars, drop = FALSE], type = "HC1", cadjust = TRUE, multi0 = FALSE, fix = FALSE)
}

fit_and_emit <- function(name, formula, data, kinds, weights = NULL) {
  data$.w <- if (is.null(weights)) 1 else data[[weights]]
  m <- if (is.null(weights)) lm(formula, data = data) else lm(formula, data = data, weights = .w)
  s <- summary(m)
  used <- rownames(model.frame(m))
  dat <- data[used, ]
  b <- coef(m)
  b <- b[!is.na(b)]
  terms <- rename(names(b))
  n <- nobs(m); k <- length(b)
  w <- if (is.null(weights)) rep(1, n) else dat[[weights]]
  y <- model.response(model.frame(m))
  e <- residuals(m)
  rss <- sum(w * e^2)
  icpt <- attr(terms(m), "intercept") == 1
  tss <- if (icpt) sum(w * (y - sum(w * y) / sum(w))^2) else sum(w * y^2)
  for (kind in kinds) {
    V <- contract_vcov(m, kind, dat)
    Vs <- sandwich_vcov(m, kind, dat)
    Vm <- matrix(as.vector(V), k, k)
    dd <- reldiff(matrix(as.vector(Vs), k, k), Vm)
    maxdiff <<- max(maxdiff, dd)
    diffs <<- c(diffs, sprintf("%s/%s %.1e", name, kind, dd))
    if (startsWith(kind, "cluster")) { G <- attr(V, "G"); df <- min(G) - 1 }
    else { G <- NULL; df <- n - k }
    V <- matrix(as.vector(V), k, k)
    se <- sqrt(diag(V))
    tt <- b / se
    p <- 2 * pt(-abs(tt), df)
    q <- qt(0.975, df)
    for (j in seq_len(k)) {
      emit(name, kind, "estimate", terms[j], b[j])
      emit(name, kind, "std_error", terms[j], se[j])
      emit(name, kind, "statistic", terms[j], tt[j])
      emit(name, kind, "p_value", terms[j], p[j])
      emit(name, kind, "ci_low", terms[j], b[j] - q * se[j])
      emit(name, kind, "ci_high", terms[j], b[j] + q * se[j])
      for (i in seq_len(k))
        emit(name, kind, "vcov", paste0(terms[i], "|", terms[j]), V[i, j])
    }
    emit(name, kind, "nobs", "", n)
    emit(name, kind, "df_resid", "", n - k)
    emit(name, kind, "df_inference", "", df)
    if (!is.null(G)) for (g in seq_along(G)) emit(name, kind, "n_clusters", g - 1, G[g])
    emit(name, kind, "rss", "", rss)
    emit(name, kind, "tss", "", tss)
    emit(name, kind, "r2", "", s$r.squared)
    emit(name, kind, "adj_r2", "", s$adj.r.squared)
    emit(name, kind, "rmse", "", s$sigma)
    emit(name, kind, "loglik", "", as.numeric(logLik(m)))
    slopes <- if (icpt) seq_len(k)[-1] else seq_len(k)
    nq <- length(slopes)
    if (kind == "iid") {
      fs <- s$fstatistic
      emit(name, kind, "f_stat", "", fs[["value"]])
      emit(name, kind, "f_df1", "", fs[["numdf"]])
      emit(name, kind, "f_df2", "", fs[["dendf"]])
      emit(name, kind, "f_p_value", "", pf(fs[["value"]], fs[["numdf"]], fs[["dendf"]],
                                           lower.tail = FALSE))
    } else {
      bs <- b[slopes]
      Fw <- as.numeric(t(bs) %*% solve(V[slopes, slopes, drop = FALSE], bs)) / nq
      if (nq > df) Fw <- NA  # the Wald test needs q <= df (rank of a cluster meat <= G-1)
      emit(name, kind, "f_stat", "", Fw)
      emit(name, kind, "f_df1", "", nq)
      emit(name, kind, "f_df2", "", df)
      emit(name, kind, "f_p_value", "", pf(Fw, nq, df, lower.tail = FALSE))
    }
  }
}

G <- G0
fit_and_emit("m1", inv ~ value + capital, G,
             c("iid", "hc0", "hc1", "hc2", "hc3", "cluster:firm", "cluster:firm+year",
               "cluster:year"))
Gna <- G0
Gna$inv[c(3, 50, 77, 140)] <- NA
fit_and_emit("m1na", inv ~ value + capital, Gna, c("iid", "hc1", "cluster:firm"))
fit_and_emit("wls", inv ~ value + capital, G, c("iid", "hc0", "hc1", "hc2", "hc3",
                                                "cluster:firm", "cluster:firm+year"),
             weights = "capital")
fit_and_emit("tr", inv ~ log(value) + capital + I(capital^2) + factor(firm), G,
             c("iid", "hc1", "hc3", "cluster:year"))
fit_and_emit("noint", inv ~ 0 + value + capital, G, c("iid", "hc1", "cluster:firm"))

hdr <- c(
  "# Reference values for tests/models/test_ols.c, made by scripts/ref/grunfeld_ref.R",
  paste0("# ", R.version.string, "; sandwich ", packageVersion("sandwich"), "; plm ",
         packageVersion("plm"), " (Grunfeld data)"),
  paste0("# max |sandwich - contract| / sqrt(Vii Vjj) over all vcov entries: ",
         formatC(maxdiff, digits = 3, format = "g")),
  paste0("#   per fit: ", diffs),
  "model,vcov,what,term,value")
writeLines(c(hdr, out), "datasets/generated/grunfeld_ref.csv")
cat("max rel diff sandwich vs contract:", maxdiff, "\n")
