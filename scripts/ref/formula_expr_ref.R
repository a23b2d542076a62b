# formula_expr_ref.R -- reference values for formula arithmetic and fit --subset (issue 19):
# base R lm() with subset=, log(x + 1), exp(-x/10), I(x/10), I(a*b), weights, on the worker panel
# datasets/psid7682.csv; standard errors iid (lm) and HC1 (sandwich::vcovHC).
#
# Usage (from the repository root):  Rscript scripts/ref/formula_expr_ref.R
# Prints, for each model, C initialisers of the coefficients and standard errors in goodwork's
# term order (R's, as the formulas are written) at 17 significant digits, and the counts of rows
# outside the subset and dropped for missing values; tests/cli/test_subset_cli.c holds them.
# R's subset drops rows whose condition is FALSE or NA (goodwork's --subset does the same).
.libPaths(c("/work/rlib", .libPaths()))
suppressMessages(library(sandwich))
d <- read.csv("datasets/psid7682.csv", stringsAsFactors = TRUE)
show <- function(name, m, cond, used) {
  out <- sum(!(cond & !is.na(cond)))
  cat(sprintf("/* %s: R %s, sandwich %s; nobs %d, outside the subset %d, missing %d */\n", name,
              getRversion(), packageVersion("sandwich"), nobs(m), out,
              nrow(d) - out - nobs(m)))
  f <- function(v) paste(sprintf("%.17g", v), collapse = ", ")
  cat(sprintf("static const double %s_B[] = {%s};\n", name, f(coef(m))))
  cat(sprintf("static const double %s_SE[] = {%s};\n", name, f(sqrt(diag(vcov(m))))))
  cat(sprintf("static const double %s_HC1[] = {%s};\n", name,
              f(sqrt(diag(vcovHC(m, type = "HC1"))))))
}
c1 <- with(d, year >= 1978 & union == "yes")
m1 <- lm(log(wage + 1) ~ I(experience/10) + I(experience^2) + weeks, data = d,
         subset = year >= 1978 & union == "yes", weights = weight)
show("M1", m1, c1)
c2 <- with(d, occupation %in% c("white") | year %in% c(1976, 1982))
m2 <- lm(lwage ~ log(weeks + 1) + exp(-experience/10) + I(education * experience) + south,
         data = d, subset = occupation %in% c("white") | year %in% c(1976, 1982))
show("M2", m2, c2)
# fit --drop-invalid: log(weeks - 10) is undefined where weeks <= 10; goodwork drops those rows
# and counts them apart from the missing ones: R's fit on the rows where it is defined.
ok <- with(d, !is.na(lwage) & !is.na(weeks) & !is.na(experience))
cat(sprintf("/* M3: rows with an undefined log(weeks - 10): %d; first (1-based data row): %d */\n",
            sum(ok & d$weeks <= 10), which(ok & d$weeks <= 10)[1]))
m3 <- suppressWarnings(lm(lwage ~ log(weeks - 10) + experience, data = d, subset = weeks > 10))
show("M3", m3, with(d, weeks > 10 | !ok))
