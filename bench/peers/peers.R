# Peer timings for bench/peers/peers.sh: R lm + sandwich (OLS, HC1), plm (one-way and two-way
# within estimators, cluster-robust by firm: vcovHC arellano HC1) and, when installed, fixest
# (feols, clustered by firm), on the CSV that goodwork reads.
# Usage: Rscript peers.R FILE.csv REPS MODELS   (MODELS: comma list of ols_hc1, fe1_cluster,
# fe2_cluster). Prints one line per tool and model:
#   tool=<t> model=<m> load_s=<s> est_s=<s> coef=x1:<b>,...,x10:<b>
# load_s: data.table::fread of the file (median of REPS); est_s: the estimation with its
# variance matrix (median of REPS), including plm's pdata.frame.
suppressMessages({library(data.table); library(sandwich); library(plm)})
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]; reps <- as.integer(args[2]); models <- strsplit(args[3], ",")[[1]]
setDTthreads(2L)
tl <- numeric(reps)
for (r in seq_len(reps)) tl[r] <- system.time(d <- fread(file))[["elapsed"]]
xs <- paste0("x", 1:10)
f <- as.formula(paste("y ~", paste(xs, collapse = " + ")))
out <- function(tool, model, te, co) {
  cat(sprintf("tool=%s model=%s load_s=%.4f est_s=%.4f coef=%s\n", tool, model, median(tl),
              median(te), paste(sprintf("%s:%.17g", xs, co[xs]), collapse = ",")))
}
timed <- function(expr) {
  te <- numeric(reps)
  for (r in seq_len(reps)) te[r] <- system.time(res <- eval.parent(substitute(expr)))[["elapsed"]]
  list(te = te, res = res)
}
if ("ols_hc1" %in% models) {
  z <- timed({m <- lm(f, data = d); v <- vcovHC(m, type = "HC1"); m})
  out("R_lm_sandwich", "ols_hc1", z$te, coef(z$res))
}
if ("fe1_cluster" %in% models) {
  z <- timed({pd <- pdata.frame(d, index = c("firm", "year"))
              m <- plm(f, data = pd, model = "within")
              v <- vcovHC(m, method = "arellano", type = "HC1", cluster = "group"); m})
  out("R_plm", "fe1_cluster", z$te, coef(z$res))
}
if ("fe2_cluster" %in% models) {
  z <- timed({pd <- pdata.frame(d, index = c("firm", "year"))
              m <- plm(f, data = pd, model = "within", effect = "twoways")
              v <- vcovHC(m, method = "arellano", type = "HC1", cluster = "group"); m})
  out("R_plm", "fe2_cluster", z$te, coef(z$res))
}
if (requireNamespace("fixest", quietly = TRUE)) {
  suppressMessages(library(fixest))
  setFixest_nthreads(2)
  fx <- list(ols_hc1 = list(f, "hetero"),
             fe1_cluster = list(as.formula(paste("y ~", paste(xs, collapse = " + "), "| firm")), ~firm),
             fe2_cluster = list(as.formula(paste("y ~", paste(xs, collapse = " + "), "| firm + year")), ~firm))
  for (mm in intersect(models, names(fx))) {
    z <- timed({feols(fx[[mm]][[1]], data = d, vcov = fx[[mm]][[2]])})
    out("R_fixest", mm, z$te, coef(z$res))
  }
}
