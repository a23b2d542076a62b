# stepwise_fixest.R -- the order and formulas fixest gives for several models in one call, the
# reference for tests/io/test_stepwise.c (expected texts) and tests/cli/test_multi_cli.c
# (samples outermost, then responses, then the stepwise models).
# Run: Rscript scripts/ref/stepwise_fixest.R   (fixest in /work/rlib or the default library)
.libPaths(c("/work/rlib", .libPaths()))
suppressMessages(library(fixest))
d <- read.csv("datasets/grunfeld.csv")
d$big <- ifelse(d$firm > 5, "yes", "no")
show <- function(m) {
  for (i in seq_along(m)) {
    s <- m[[i]]$model_info$sample
    cat(if (is.null(s)) "-" else s$value, ":", deparse(formula(m[[i]])), "\n")
  }
}
# Output: "Full sample : inv ~ 1", "... inv ~ value", "... inv ~ value + firm",
# then capital's three, then the same six for big = no and for big = yes.
show(feols(c(inv, capital) ~ csw0(value, firm), d, fsplit = ~big))
# inv ~ value | firm, then inv ~ value | firm + year
show(feols(inv ~ value | csw(firm, year), d))
# inv ~ value + capital, inv ~ value + year (sw: one argument at a time)
show(feols(inv ~ value + sw(capital, year), d))
