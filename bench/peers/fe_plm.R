# Peer timing: R plm's within (one-way fixed effects) estimator with cluster-robust standard
# errors by the effect (vcovHC, method "arellano", type "HC1"), on generated data of the
# bench_hdfe design. Usage: Rscript fe_plm.R N   Prints one "case=..." line.
suppressMessages(library(plm))
args <- commandArgs(trailingOnly = TRUE)
n <- as.integer(args[1]); p <- 10L
set.seed(1)
L1 <- n %/% 100L; L2 <- 1000L
fe1 <- sample.int(L1, n, replace = TRUE); fe2 <- sample.int(L2, n, replace = TRUE)
a1 <- rnorm(L1); a2 <- rnorm(L2)
X <- matrix(rnorm(n * p), n, p) + 0.5 * a1[fe1] + 0.3 * a2[fe2]
colnames(X) <- paste0("x", 1:p)
y <- drop(X %*% (0.1 * (0:(p - 1)) - 0.4)) + a1[fe1] + a2[fe2] + rnorm(n)
d <- data.frame(fe1 = fe1, t = ave(fe1, fe1, FUN = seq_along), y = y, X)
f <- as.formula(paste("y ~", paste(colnames(X), collapse = " + ")))
t <- system.time({
  pd <- pdata.frame(d, index = c("fe1", "t"))
  m <- plm(f, data = pd, model = "within")
  v <- vcovHC(m, method = "arellano", type = "HC1", cluster = "group")
})[["elapsed"]]
cat(sprintf("case=R_plm_within_1fe n=%d p=%d L1=%d fit_s=%.3f b_x1=%.10g se_x1=%.6g plm=%s\n",
            n, p, L1, t, coef(m)[["x1"]], sqrt(diag(v))[["x1"]], packageVersion("plm")))
