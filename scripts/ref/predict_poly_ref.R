# predict_poly_ref.R -- reference values for goodwork predict with an orthogonal poly() term
# (tests/cli/test_predict_poly_cli.c): R's predict() evaluates poly(experience, 2) on new rows
# with the fit's recurrence constants (poly()'s "coefs", through makepredictcall).
# The fit uses the complete rows of (lwage, experience, education): goodwork computes poly()
# over the rows the model uses, R over the rows where experience is present (formula.md).
# usage: Rscript scripts/ref/predict_poly_ref.R   (from the repository root)
d <- read.csv("datasets/psid7682.csv")
d <- d[complete.cases(d[, c("lwage", "experience", "education")]), ]
m <- lm(lwage ~ poly(experience, 2) + education, d)
# New rows: inside the range, between observed values, below and beyond it.
nd <- data.frame(experience = c(1, 7.5, 20, 45, 60, 0),
                 education = c(12, 16, 9, 14, 11, 4))
p <- predict(m, nd, se.fit = TRUE)
cat(sprintf("nobs %d\n", nrow(d)))
for (i in seq_len(nrow(nd)))
  cat(sprintf("{%.17g, %.17g, %.17g, %.17g},\n", nd$experience[i], nd$education[i],
              p$fit[i], p$se.fit[i]))
