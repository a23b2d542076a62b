# synergy_cluster_ref.R -- reference values for `goodwork synergy --cluster VAR` (analyses/
# synergy.c, tests/analyses/test_synergy_cluster.c): the p-value and interval of a pooled
# correlation from lm of one standardised variable on the other with sandwich::vcovCL (type
# "HC1", by area), t(G - 1), the larger of the two directions' standard errors.
#
# Run from the repository root:  Rscript scripts/ref/synergy_cluster_ref.R
# Writes datasets/generated/synergy_cluster_ref.csv (model, vcov, quantity, term, value): model
# the matrix ("all", "2020-2021", "partial:pre-2020"), term the pair "a|b".
.libPaths(c("/work/rlib", .libPaths()))
suppressMessages(library(sandwich))
d <- read.csv("datasets/uk_la_panel.csv")
vars <- c("emp_rate", "life_sat", "autonomy_share")
rows <- list()
put <- function(model, quantity, term, value)
    rows[[length(rows) + 1L]] <<- data.frame(model = model, vcov = "cluster:la_id",
                                             quantity = quantity, term = term,
                                             value = sprintf("%.17g", value))
# The rows and values a matrix correlates: listwise, demeaned within year, residualised on the
# controls (with an intercept) after the same demeaning.
prep <- function(years, controls = character(0)) {
    s <- d[d$year %in% years, c(vars, controls, "year", "la_id")]
    s <- s[complete.cases(s), ]
    for (v in c(vars, controls)) s[[v]] <- s[[v]] - ave(s[[v]], s$year)
    if (length(controls))
        for (v in vars) s[[v]] <- residuals(lm(reformulate(controls, v), data = s))
    s
}
cl_test <- function(model, s, a, b, conf = 0.95) {
    za <- as.numeric(scale(s[[a]])); zb <- as.numeric(scale(s[[b]]))
    r <- cor(s[[a]], s[[b]])
    G <- length(unique(s$la_id))
    se <- function(y, x) sqrt(vcovCL(lm(y ~ x), cluster = s$la_id, type = "HC1")[2, 2])
    se1 <- se(zb, za); se2 <- se(za, zb)
    sd <- max(se1, se2)
    t <- r / sd
    q <- qt((1 + conf) / 2, G - 1)
    term <- paste0(a, "|", b)
    put(model, "r", term, r)
    put(model, "slope", term, coef(lm(zb ~ za))[[2]])
    put(model, "se", term, sd)
    put(model, "p_value", term, 2 * pt(-abs(t), G - 1))
    put(model, "ci_low", term, max(-1, r - q * sd))
    put(model, "ci_high", term, min(1, r + q * sd))
    put(model, "n", term, nrow(s))
    put(model, "n_clusters", term, G)
}
all <- prep(sort(unique(d$year)))
cl_test("all", all, "emp_rate", "life_sat")
cl_test("all", all, "life_sat", "autonomy_share")
cl_test("all", all, "emp_rate", "autonomy_share")
cl_test("2020-2021", prep(2020:2021), "emp_rate", "autonomy_share")
cl_test("partial:pre-2020", prep(min(d$year):2019, "share_prof"), "emp_rate", "life_sat")
res <- do.call(rbind, rows)
con <- file("datasets/generated/synergy_cluster_ref.csv", "w")
writeLines(sprintf("# made by scripts/ref/synergy_cluster_ref.R with %s, sandwich %s",
                   R.version.string, packageVersion("sandwich")), con)
write.csv(res, con, row.names = FALSE, quote = FALSE)
close(con)
