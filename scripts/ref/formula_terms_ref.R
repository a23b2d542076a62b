# formula_terms_ref.R -- reference values for the formula calls of issue 19: poly(), factor(x,
# ref = v), i() and the lags l(), f(), d() (io/formula.c, io/frame.c; tests/cli/test_terms_cli.c).
#
# Usage (from the repository root):  Rscript scripts/ref/formula_terms_ref.R
# Reads datasets/psid7682.csv and datasets/uk_la_panel.csv; writes
#   datasets/generated/psid7682_gaps.csv   psid7682 without every 9th row (1-based rows 9, 18,
#                                          ...): workers with gaps in time, for the lags
#   datasets/generated/formula_terms_ref.csv  one value per line at 17 significant digits:
#                                          model,vcov,what,term,value
# Terms are goodwork's names with "," written ";" (the reference reader splits on commas).
# Only base R (lm, poly, relevel, merge): every column is built here by hand, so that the
# reference does not share goodwork's reading of the formula.
#
# Models (each fitted by lm on its complete rows, iid standard errors):
#   poly      lwage ~ poly(experience, 2) + education                    (psid7682)
#   polyraw   lwage ~ poly(experience, 3, raw = TRUE)                    (psid7682)
#   relevel   lwage ~ education + factor(year, ref = 1979)               (psid7682)
#   relevels  emp_rate ~ share_prof + factor(nation, ref = "W")          (uk_la_panel)
#   event     emp_rate ~ i(year, ai_exposure, ref = 2015) | la_id + year (uk_la_panel; two-way
#             fixed effects as factor dummies in lm: the same slopes and iid errors, with the
#             residual degrees of freedom of the within fit)
#   event2    emp_rate ~ share_prof + i(year, ref = c(2010, 2015)) | la_id (uk_la_panel)
#   lags      lwage ~ l(lwage, 1) + f(weeks) + d(weeks) + l(weeks, 2) + experience
#             --panel worker,year on psid7682_gaps.csv: l(x, k) at (i, t) is x at (i, t - k)
#             found by merge(), NA when that row is absent (a gap) or x is missing there
#   lagrange  lwage ~ l(weeks, 0:2), the same panel
# Poly is computed by R over the rows the model uses (the complete rows are selected first;
# R's poly() on the full column would include rows that lm drops afterwards).
options(digits = 17)
out <- character(0)
emit <- function(model, what, term, value)
  out <<- c(out, sprintf("%s,iid,%s,%s,%s", model, what, gsub(",", ";", term),
                         trimws(formatC(value, digits = 17, format = "g"))))
emit_fit <- function(model, m, names, keep = NULL) {
  cf <- summary(m)$coefficients
  if (!is.null(keep)) cf <- cf[keep, , drop = FALSE]
  stopifnot(nrow(cf) == length(names))
  for (j in seq_along(names)) {
    emit(model, "estimate", names[j], cf[j, 1])
    emit(model, "std_error", names[j], cf[j, 2])
  }
  emit(model, "nobs", "", nobs(m))
}

P <- read.csv("datasets/psid7682.csv", stringsAsFactors = FALSE)
U <- read.csv("datasets/uk_la_panel.csv", stringsAsFactors = FALSE)

# poly: complete rows first.
d <- P[complete.cases(P[, c("lwage", "experience", "education")]), ]
m <- lm(lwage ~ poly(experience, 2) + education, data = d)
emit_fit("poly", m, c("(Intercept)", "poly(experience,2)1", "poly(experience,2)2", "education"))
m <- lm(lwage ~ poly(experience, 3, raw = TRUE), data = d)
emit_fit("polyraw", m, c("(Intercept)", paste0("poly(experience,3,raw=TRUE)", 1:3)))

# relevel: the dummies of every year but 1979 (R: relevel, then treatment contrasts).
d$fy <- relevel(factor(d$year), ref = "1979")
m <- lm(lwage ~ education + fy, data = d)
yrs <- setdiff(sort(unique(d$year)), 1979)
emit_fit("relevel", m, c("(Intercept)", "education", paste0("factor(year)=", yrs)))
u <- U[complete.cases(U[, c("emp_rate", "share_prof", "nation")]), ]
u$fn <- relevel(factor(u$nation), ref = "W")
m <- lm(emp_rate ~ share_prof + fn, data = u)
emit_fit("relevels", m, c("(Intercept)", "share_prof", "factor(nation)=E", "factor(nation)=S"))

# event: year dummies (2015 left out) times ai_exposure, with la_id and year dummies.
u <- U[complete.cases(U[, c("emp_rate", "ai_exposure")]), ]
ev <- setdiff(sort(unique(u$year)), 2015)
X <- sapply(ev, function(y) (u$year == y) * u$ai_exposure)
colnames(X) <- paste0("ev", ev)
m <- lm(u$emp_rate ~ X + factor(u$la_id) + factor(u$year))
emit_fit("event", m, paste0("year::", ev, ":ai_exposure"), keep = paste0("X", colnames(X)))
u <- U[complete.cases(U[, c("emp_rate", "share_prof")]), ]
ev <- setdiff(sort(unique(u$year)), c(2010, 2015))
X <- sapply(ev, function(y) as.numeric(u$year == y))
colnames(X) <- paste0("ev", ev)
m <- lm(u$emp_rate ~ u$share_prof + X + factor(u$la_id))
emit_fit("event2", m, c("share_prof", paste0("year::", ev)),
         keep = c("u$share_prof", paste0("X", colnames(X))))

# lags: a panel with gaps, lags by merge on (worker, year - k).
G <- P[-seq(9, nrow(P), by = 9), ]
write.csv(G, "datasets/generated/psid7682_gaps.csv", row.names = FALSE, na = "")
G$row <- seq_len(nrow(G))
lagk <- function(x, k) {
  src <- data.frame(worker = G$worker, year = G$year + k, v = x)
  mm <- merge(G[, c("worker", "year", "row")], src, by = c("worker", "year"), all.x = TRUE)
  mm$v[order(mm$row)]
}
G$l1_lwage <- lagk(G$lwage, 1)
G$f1_weeks <- lagk(G$weeks, -1)
G$d_weeks <- G$weeks - lagk(G$weeks, 1)
G$l2_weeks <- lagk(G$weeks, 2)
m <- lm(lwage ~ l1_lwage + f1_weeks + d_weeks + l2_weeks + experience, data = G)
emit_fit("lags", m, c("(Intercept)", "l(lwage,1)", "f(weeks,1)", "d(weeks)", "l(weeks,2)",
                      "experience"))
emit("lags", "nobs_dropped_missing", "", nrow(G) - nobs(m))
G$l1_weeks <- lagk(G$weeks, 1)
m <- lm(lwage ~ weeks + l1_weeks + l2_weeks, data = G)
emit_fit("lagrange", m, c("(Intercept)", "l(weeks,0)", "l(weeks,1)", "l(weeks,2)"))

hdr <- c("# Reference values for tests/cli/test_terms_cli.c, made by scripts/ref/formula_terms_ref.R",
         paste0("# ", R.version.string, "; data datasets/psid7682.csv, datasets/uk_la_panel.csv"),
         "model,vcov,what,term,value")
writeLines(c(hdr, out), "datasets/generated/formula_terms_ref.csv")
