# grunfeld_panel_ref.R -- reference values for goodwork's panel estimators
# (models/panel/gw_panel.h; tests/models/test_panel.c, tests/cli/test_panel_cli.c).
#
# Usage (from the repository root):  Rscript scripts/ref/grunfeld_panel_ref.R
# Reads datasets/grunfeld.csv (plm's Grunfeld: 10 firms x 20 years, written by
# scripts/ref/grunfeld_ref.R) and writes datasets/generated/grunfeld_panel_ref.csv, one value
# per line at 17 significant digits:  model,vcov,what,term,value
# (`term` empty for scalars, "a|b" for vcov entries, the firm code for per-firm theta).
#
# Models (R plm 2.6.2 unless stated):
#   pool     plm(model = "pooling")                        = lm
#   re       plm(model = "random", random.method = "swar") Swamy-Arora (plm's default)
#   fd       plm(model = "fd")     (first differences of consecutive rows within firm)
#   between  plm(model = "between")(OLS on the 10 firm means, unweighted)
#   within   plm(model = "within") (one-way, firm)
#   hausman  phtest(within, random) (classical); phtest(method = "aux") with vcov(auxmod)
#            ("aux") and with vcovHC(method = "arellano", type = "sss") ("aux_cluster").
# The suffix _u marks the unbalanced panel: Grunfeld without rows 5, 6, 47, 100, 101, 102, 170
# (1-based rows of datasets/grunfeld.csv): firm 1 loses 1939-1940 (a gap), firm 3 loses 1941,
# firm 5 its last year, firm 6 its first two, firm 9 1944.
# Variances: "iid" plm's vcov(); "cluster:firm" vcovHC(method = "arellano", type = "sss")
#   (= the contract's CR1); "dkL" vcovSCC(maxlag = L, type = "HC0") (Driscoll-Kraay, plm's
#   default type); "dkL_sss" vcovSCC(type = "sss"); "dkL_hc1" vcovSCC(type = "HC1"), which
#   equals sandwich::vcovPL(cluster = ~firm, order.by = ~year, lag = L, adjust = TRUE) (checked
#   below); "nwL" vcovNW(maxlag = L, type = "HC0"); "nwL_sss" vcovNW(type = "sss").
# Cross-checks written to the header: vcovSCC against sandwich::vcovPL (aggregate = TRUE) and
# vcovNW against vcovPL(aggregate = FALSE), and RE variance components against the explicit
# Swamy-Arora formulas.
suppressMessages({
  library(plm)
  library(sandwich)
})
options(digits = 17)
G <- read.csv("datasets/grunfeld.csv")
drop_rows <- c(5, 6, 47, 100, 101, 102, 170)
Gu <- G[-drop_rows, ]

out <- character(0)
notes <- character(0)
emit <- function(model, vcov, what, term, value) {
  out <<- c(out, sprintf("%s,%s,%s,%s,%s", model, vcov, what, term,
                         trimws(formatC(value, digits = 17, format = "g"))))
}
reldiff <- function(a, b) max(abs(a - b) / sqrt(outer(diag(b), diag(b))))

emit_vcov <- function(model, vname, b, V) {
  terms <- names(b)
  V <- matrix(as.vector(V), length(b))
  for (j in seq_along(b)) {
    emit(model, vname, "std_error", terms[j], sqrt(V[j, j]))
    for (i in seq_along(b)) emit(model, vname, "vcov", paste0(terms[i], "|", terms[j]), V[i, j])
  }
}

fit_all <- function(sfx, data) {
  pd <- pdata.frame(data, index = c("firm", "year"))
  fm <- inv ~ value + capital
  mods <- list(pool = plm(fm, pd, model = "pooling"),
               re = plm(fm, pd, model = "random", random.method = "swar"),
               fd = plm(fm, pd, model = "fd"),
               between = plm(fm, pd, model = "between"),
               within = plm(fm, pd, model = "within"))
  for (nm in names(mods)) {
    m <- mods[[nm]]
    name <- paste0(nm, sfx)
    b <- coef(m)
    for (j in seq_along(b)) emit(name, "iid", "estimate", names(b)[j], b[j])
    emit_vcov(name, "iid", b, vcov(m))
    s <- summary(m)
    emit(name, "iid", "nobs", "", nobs(m))
    emit(name, "iid", "df_resid", "", df.residual(m))
    emit(name, "iid", "rss", "", sum(residuals(m)^2))
    emit(name, "iid", "r2", "", s$r.squared[["rsq"]])
    emit(name, "iid", "adj_r2", "", s$r.squared[["adjrsq"]])
    if (nm %in% c("pool", "re", "fd", "within")) {
      for (L in c(0, 2, 4)) {
        emit_vcov(name, paste0("dk", L), b, vcovSCC(m, maxlag = L, type = "HC0"))
        emit_vcov(name, paste0("nw", L), b, vcovNW(m, maxlag = L, type = "HC0"))
      }
      emit_vcov(name, "dk2_sss", b, vcovSCC(m, maxlag = 2, type = "sss"))
      emit_vcov(name, "nw2_sss", b, vcovNW(m, maxlag = 2, type = "sss"))
      if (nm == "fd") {
        # plm's HC1 for "fd" takes df = (rows before differencing) - K but N = the differenced
        # rows (vcovG computes df before dropping the first row of each id), so it is not
        # N/(N-K); the contract's N/(N-K) of the FD regression is recorded instead: HC0 times
        # N/(N-K), and plm's value's ratio to it is written to the header.
        nn <- nobs(m); kk <- length(b)
        for (v in c("dk", "nw")) {
          f <- if (v == "dk") vcovSCC else vcovNW
          V0 <- f(m, maxlag = 2, type = "HC0") * nn / (nn - kk)
          emit_vcov(name, paste0(v, "2_hc1"), b, V0)
          notes <<- c(notes, sprintf("%s %s2 HC1: plm / (HC0 * N/(N-K)) = %.6f (plm uses N/(N_levels-K))",
                                     name, v, f(m, maxlag = 2, type = "HC1")[1, 1] / V0[1, 1]))
        }
      } else {
        emit_vcov(name, "dk2_hc1", b, vcovSCC(m, maxlag = 2, type = "HC1"))
        emit_vcov(name, "nw2_hc1", b, vcovNW(m, maxlag = 2, type = "HC1"))
      }
    }
    if (nm %in% c("pool", "re", "fd"))
      emit_vcov(name, "cluster:firm", b, vcovHC(m, method = "arellano", type = "sss",
                                                cluster = "group"))
  }
  # sandwich cross-checks on the pooled fit (lm): vcovPL aggregate = TRUE is Driscoll-Kraay,
  # aggregate = FALSE the panel Newey-West.
  lmf <- lm(inv ~ value + capital, data)
  for (L in c(0, 2, 4)) {
    d1 <- reldiff(vcovPL(lmf, cluster = ~firm, order.by = ~year, lag = L, adjust = FALSE),
                  vcovSCC(mods$pool, maxlag = L, type = "HC0"))
    d2 <- reldiff(vcovPL(lmf, cluster = ~firm, order.by = ~year, lag = L, adjust = FALSE,
                         aggregate = FALSE), vcovNW(mods$pool, maxlag = L, type = "HC0"))
    d3 <- reldiff(vcovPL(lmf, cluster = ~firm, order.by = ~year, lag = L, adjust = TRUE),
                  vcovSCC(mods$pool, maxlag = L, type = "HC1"))
    notes <<- c(notes, sprintf("pool%s lag %d: |vcovPL - vcovSCC| %.1e, |vcovPL(aggregate=F) - vcovNW| %.1e, |vcovPL(adjust=T) - vcovSCC(HC1)| %.1e",
                               sfx, L, d1, d2, d3))
  }
  # Random effects: variance components, theta, and the Swamy-Arora formulas by hand.
  re <- mods$re
  ec <- ercomp(re)
  emit(paste0("re", sfx), "iid", "sigma2_e", "", ec$sigma2[["idios"]])
  emit(paste0("re", sfx), "iid", "sigma2_u", "", ec$sigma2[["id"]])
  th <- ec$theta
  if (length(th) == 1) {
    emit(paste0("re", sfx), "iid", "theta", "", th)
  } else {
    firm <- index(re)[[1]]
    tf <- tapply(as.numeric(th), firm, function(v) v[1])
    for (f in names(tf)) emit(paste0("re", sfx), "iid", "theta", f, tf[[f]])
  }
  wi <- mods$within
  Ti <- as.numeric(table(data$firm))
  O <- nrow(data); n <- length(Ti); K <- 2
  s2e <- sum(residuals(wi)^2) / (O - n - K)
  mb <- aggregate(cbind(inv, value, capital) ~ firm, data, mean)
  bw <- lm(inv ~ value + capital, mb, weights = Ti)
  quad2 <- sum(Ti * residuals(bw)^2)
  Z <- cbind(1, mb$value, mb$capital)
  tr <- sum(diag(solve(crossprod(Z * sqrt(Ti))) %*% crossprod(Z * Ti)))
  s2u <- max(0, (quad2 - (n - K - 1) * s2e) / (O - tr))
  notes <<- c(notes, sprintf("re%s: Swamy-Arora by hand vs ercomp: sigma2_e %.1e, sigma2_u %.1e", sfx,
                             abs(s2e / ec$sigma2[["idios"]] - 1), abs(s2u / ec$sigma2[["id"]] - 1)))
  # Hausman tests.
  h <- phtest(wi, re)
  emit(paste0("hausman", sfx), "iid", "chisq", "", h$statistic)
  emit(paste0("hausman", sfx), "iid", "df", "", h$parameter)
  emit(paste0("hausman", sfx), "iid", "p_value", "", h$p.value)
  ha <- phtest(fm, pd, method = "aux")
  emit(paste0("hausman", sfx), "aux", "chisq", "", ha$statistic)
  emit(paste0("hausman", sfx), "aux", "df", "", ha$parameter)
  emit(paste0("hausman", sfx), "aux", "p_value", "", ha$p.value)
  hc <- phtest(fm, pd, method = "aux",
               vcov = function(x) vcovHC(x, method = "arellano", type = "sss"))
  emit(paste0("hausman", sfx), "aux_cluster", "chisq", "", hc$statistic)
  emit(paste0("hausman", sfx), "aux_cluster", "df", "", hc$parameter)
  emit(paste0("hausman", sfx), "aux_cluster", "p_value", "", hc$p.value)
  # The regression form with the quasi-demeaned intercept column (1 - theta_i), as goodwork
  # computes it (Wooldridge 2010, 10.7.3); plm's aux regression uses a constant 1 instead,
  # which is the same column up to scale only when the panel is balanced.
  thv <- if (length(th) == 1) rep(th, O) else as.numeric(th)
  firmf <- factor(data$firm)
  qd <- function(v) v - thv * ave(v, firmf)
  wd <- function(v) v - ave(v, firmf)
  aux <- data.frame(y = qd(data$inv), c1 = 1 - thv, v = qd(data$value), k = qd(data$capital),
                    vt = wd(data$value), kt = wd(data$capital), firm = data$firm)
  am <- lm(y ~ 0 + c1 + v + k + vt + kt, aux)
  ix <- 4:5
  bb <- coef(am)[ix]
  Va <- vcov(am)[ix, ix]
  Vc <- vcovCL(am, cluster = ~firm, type = "HC1", cadjust = TRUE)[ix, ix]
  emit(paste0("hausman", sfx), "aux_theta", "chisq", "", as.numeric(t(bb) %*% solve(Va, bb)))
  emit(paste0("hausman", sfx), "aux_theta_cluster", "chisq", "",
       as.numeric(t(bb) %*% solve(Vc, bb)))
}

fit_all("", G)
fit_all("_u", Gu)

hdr <- c(
  "# Reference values for tests/models/test_panel.c, made by scripts/ref/grunfeld_panel_ref.R",
  paste0("# ", R.version.string, "; plm ", packageVersion("plm"), "; sandwich ",
         packageVersion("sandwich"), "; data datasets/grunfeld.csv; _u = without rows ",
         paste(drop_rows, collapse = " ")),
  paste0("# ", notes),
  "model,vcov,what,term,value")
writeLines(c(hdr, out), "datasets/generated/grunfeld_panel_ref.csv")
cat(notes, sep = "\n")
