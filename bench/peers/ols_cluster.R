# Peer timing: R's lm + sandwich::vcovCL (CR1, the contract's convention) and data.table::fread
# on the same CSV that goodwork reads. Usage: Rscript ols_cluster.R FILE.csv [REPS]
# Prints lines in bench format: case=<name> median_s=<s> plus the coefficient and SE of x1 so
# that the caller can check agreement with goodwork.
suppressMessages({library(data.table); library(sandwich)})
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]
reps <- if (length(args) > 1) as.integer(args[2]) else 3L
setDTthreads(2L)
med <- function(ts) median(ts)
t_read <- numeric(reps)
for (r in seq_len(reps)) t_read[r] <- system.time(d <- fread(file))[["elapsed"]]
cat(sprintf("case=R_fread rows=%d median_s=%.4f\n", nrow(d), med(t_read)))
xs <- grep("^x", names(d), value = TRUE)
f <- as.formula(paste("y ~", paste(xs, collapse = " + ")))
t_fit <- numeric(reps)
for (r in seq_len(reps)) {
  t_fit[r] <- system.time({
    m <- lm(f, data = d)
    v <- vcovCL(m, cluster = ~cid, type = "HC1")
  })[["elapsed"]]
}
cat(sprintf("case=R_lm_vcovCL median_s=%.4f b_x1=%.17g se_x1=%.17g\n", med(t_fit),
            coef(m)[["x1"]], sqrt(diag(v))[["x1"]]))
