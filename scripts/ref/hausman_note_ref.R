# hausman_note_ref.R -- reference values for a Hausman test whose classical statistic is
# negative (V_fe - V_re not positive definite), on the bundled area panel: plm's phtest
# (classical) and its regression form with the cluster-robust variance (method = "aux",
# vcovHC arellano / sss = CR1 by id), which goodwork reports as the valid alternative
# (tests/cli/test_fit_small_cli.c). The panel is balanced, so plm's aux regression (a
# constant 1) and goodwork's (the quasi-demeaned intercept 1 - theta) are the same model.
#
# Run from the repository root:  Rscript scripts/ref/hausman_note_ref.R
# Writes datasets/generated/hausman_note_ref.csv (model, vcov, quantity, term, value).
.libPaths(c("/work/rlib", .libPaths()))
suppressMessages({ library(plm); library(sandwich) })
d <- read.csv("datasets/uk_la_panel.csv")
pd <- pdata.frame(d, index = c("la_id", "year"))
fm <- emp_rate ~ autonomy_share + median_hourly_pay
wi <- plm(fm, pd, model = "within")
re <- plm(fm, pd, model = "random")
h <- suppressWarnings(phtest(wi, re))
hc <- phtest(fm, pd, method = "aux",
             vcov = function(x) vcovHC(x, method = "arellano", type = "sss"))
rows <- data.frame(model = "la_emp", vcov = c("iid", "iid", "aux_cluster", "aux_cluster",
                                              "aux_cluster"),
                   quantity = c("chisq", "df", "chisq", "df", "p_value"), term = "",
                   value = sprintf("%.17g", c(h$statistic, h$parameter, hc$statistic,
                                              hc$parameter, hc$p.value)))
con <- file("datasets/generated/hausman_note_ref.csv", "w")
writeLines(sprintf("# made by scripts/ref/hausman_note_ref.R with %s, plm %s, sandwich %s",
                   R.version.string, packageVersion("plm"), packageVersion("sandwich")), con)
write.csv(rows, con, row.names = FALSE, quote = FALSE)
close(con)
