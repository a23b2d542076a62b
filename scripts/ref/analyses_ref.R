# analyses_ref.R -- reference values for goodwork synergy and cluster on the bundled panel,
# computed independently in base R (no packages): within-year demeaned period correlations,
# cor.test p-values and Fisher-z intervals, a partial correlation by residualisation, and Ward
# clustering (hclust ward.D2) of the standardised area means with its adjusted Rand index.
# Run from the repository root: Rscript scripts/ref/analyses_ref.R
# Output: datasets/generated/analyses_ref.csv (name,value), full precision.
d <- read.csv("datasets/uk_la_panel.csv")
d$lpay <- log(d$median_hourly_pay)
out <- list()
put <- function(name, value) out[[name]] <<- value
dm <- function(x, g) x - ave(x, g)
period <- function(y) ifelse(y < 2020, "pre", ifelse(y < 2022, "covid", "post"))
for (per in c("pre", "covid", "post")) {
  s <- d[period(d$year) == per, ]
  x <- dm(s$emp_rate, s$year); y <- dm(s$lpay, s$year)
  ct <- cor.test(x, y)
  put(paste0("period_", per, "_emp_lpay_r"), unname(ct$estimate))
  put(paste0("period_", per, "_emp_lpay_p"), ct$p.value)
  put(paste0("period_", per, "_emp_lpay_ci_low"), ct$conf.int[1])
  put(paste0("period_", per, "_emp_lpay_ci_high"), ct$conf.int[2])
  put(paste0("period_", per, "_n"), nrow(s))
  # life_sat has missing values: listwise over the variables of the matrix (emp, lpay, aut, life)
  s2 <- s[complete.cases(s[, c("emp_rate", "lpay", "autonomy_share", "life_sat")]), ]
  put(paste0("period4_", per, "_n"), nrow(s2))
  put(paste0("period4_", per, "_aut_life_r"),
      cor(dm(s2$autonomy_share, s2$year), dm(s2$life_sat, s2$year)))
  # partial correlation of emp and lpay given share_prof (after within-year demeaning)
  e1 <- resid(lm(dm(s$emp_rate, s$year) ~ dm(s$share_prof, s$year)))
  e2 <- resid(lm(dm(s$lpay, s$year) ~ dm(s$share_prof, s$year)))
  put(paste0("partial_", per, "_emp_lpay_r"), cor(e1, e2))
}
for (yr in c(2015, 2020)) {
  s <- d[d$year == yr, ]
  ct <- cor.test(s$emp_rate, s$lpay)
  put(paste0("year_", yr, "_emp_lpay_r"), unname(ct$estimate))
  put(paste0("year_", yr, "_emp_lpay_p"), ct$p.value)
}
# changes: first differences within la_id (consecutive years), demeaned within year, pre-2020
o <- d[order(d$la_id, d$year), ]
dx <- function(v) c(NA, diff(v)) * c(NA, ifelse(diff(o$la_id) == 0 & diff(o$year) == 1, 1, NA))
o$demp <- dx(o$emp_rate); o$dlpay <- dx(o$lpay)
s <- o[period(o$year) == "pre" & !is.na(o$demp), ]
put("changes_pre_emp_lpay_r", cor(dm(s$demp, s$year), dm(s$dlpay, s$year)))
put("changes_pre_n", nrow(s))
# Ward on standardised area means (7 indicators; areas with any all-missing indicator dropped)
v <- c("emp_rate", "share_prof", "lpay", "autonomy_share", "sat_hours", "unemp_rate", "life_sat")
m <- aggregate(d[, v], by = list(la_id = d$la_id), FUN = function(x) mean(x, na.rm = TRUE))
tr <- aggregate(d$cluster_true, by = list(la_id = d$la_id), FUN = function(x) x[1])
m$truth <- tr$x
m <- m[complete.cases(m[, v]), ]
z <- scale(as.matrix(m[, v]))
h <- hclust(dist(z), method = "ward.D2")
ari <- function(a, b) {
  t <- table(a, b); n <- sum(t); s <- sum(choose(t, 2))
  sa <- sum(choose(rowSums(t), 2)); sb <- sum(choose(colSums(t), 2))
  e <- sa * sb / choose(n, 2); (s - e) / ((sa + sb) / 2 - e)
}
put("ward_k5_n", nrow(m))
put("ward_k5_ari_truth", ari(m$truth, cutree(h, 5)))
put("ward_top_height", max(h$height))
put("ari_hand_example", ari(c(1, 1, 1, 2, 2, 2), c(1, 1, 2, 2, 3, 3)))
# PCA weights (goodwork index --weights pca): first eigenvector of the correlation matrix of the
# indicators (minmax normalisation does not change correlations), sign so that the sum is
# positive, divided by the sum.
ind <- c("emp_rate", "share_prof", "sat_hours", "lpay", "autonomy_share", "deroutinisation")
e <- eigen(cor(d[, ind]), symmetric = TRUE)
w <- e$vectors[, 1]; w <- w / sum(w)
for (j in seq_along(ind)) put(paste0("pca_w_", ind[j]), w[j])
put("pca_share", e$values[1] / length(ind))
res <- data.frame(name = names(out), value = sprintf("%.17g", unlist(out)))
writeLines(c(paste0("# ", R.version.string, "; scripts/ref/analyses_ref.R"),
             "name,value", paste(res$name, res$value, sep = ",")),
           "datasets/generated/analyses_ref.csv")
