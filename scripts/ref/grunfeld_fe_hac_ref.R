# grunfeld_fe_hac_ref.R -- reference values for `goodwork fit` with absorbed fixed effects and
# Driscoll-Kraay / Newey-West variances (tests/cli/test_fe_cli.c): R plm's vcovSCC / vcovNW
# (type = "HC0", plm's default) on the one-way within model inv ~ value + capital by firm.
# Models: "fe" = datasets/grunfeld.csv (balanced, 10 firms x 20 years); "fe_s" = the same
# without firm 10's rows after its first (1935), so firm 10 is a singleton: goodwork drops it
# before demeaning, plm keeps it with a zero demeaned row, which contributes nothing to the
# scores of either estimator (the variances agree; the residual df N - n - K too).
# Run from the repository root: Rscript scripts/ref/grunfeld_fe_hac_ref.R
# > datasets/generated/grunfeld_fe_hac_ref.csv
suppressMessages(library(plm))
options(digits = 17)
G <- read.csv("datasets/grunfeld.csv")
Gs <- G[!(G$firm == 10 & G$year > 1935), ]
cat(sprintf("# Made by scripts/ref/grunfeld_fe_hac_ref.R; %s; plm %s; data datasets/grunfeld.csv\n",
            R.version.string, packageVersion("plm")))
cat("model,vcov,what,term,value\n")
emit <- function(model, vcov, what, term, value)
  cat(sprintf("%s,%s,%s,%s,%s\n", model, vcov, what, term,
              trimws(formatC(value, digits = 17, format = "g"))))
for (m in list(list("fe", G), list("fe_s", Gs))) {
  pd <- pdata.frame(m[[2]], index = c("firm", "year"))
  wi <- plm(inv ~ value + capital, pd, model = "within")
  b <- coef(wi)
  emit(m[[1]], "iid", "df_resid", "", df.residual(wi))
  for (j in names(b)) emit(m[[1]], "iid", "estimate", j, b[[j]])
  for (L in c(0, 2)) {
    for (v in c("dk", "nw")) {
      V <- if (v == "dk") vcovSCC(wi, maxlag = L, type = "HC0") else
        vcovNW(wi, maxlag = L, type = "HC0")
      for (j in names(b)) {
        emit(m[[1]], paste0(v, L), "std_error", j, sqrt(V[j, j]))
        for (i in names(b)) emit(m[[1]], paste0(v, L), "vcov", paste0(i, "|", j), V[i, j])
      }
    }
  }
}
