# Writes datasets/psid7682.csv: AER's PSID7682 (Cornwell and Rupert 1988; 595 workers, 1976-1982,
# 4,165 rows) as a worker panel of the kind issue 19 is about: string worker ids ("w0001"...),
# factors as their labels, a sampling weight and a few missing values, all made deterministically
# from the row number (no random numbers), so the file is the same on every machine.
#   Rscript scripts/ref/psid7682_data.R datasets/psid7682.csv
suppressPackageStartupMessages(library(AER))
data(PSID7682)
d <- PSID7682
out <- data.frame(
  worker = sprintf("w%04d", as.integer(as.character(d$id))),
  year = as.integer(as.character(d$year)),
  wage = d$wage, lwage = log(d$wage), experience = d$experience, weeks = d$weeks,
  education = d$education,
  occupation = as.character(d$occupation), industry = as.character(d$industry),
  south = as.character(d$south), smsa = as.character(d$smsa),
  married = as.character(d$married), gender = as.character(d$gender),
  union = as.character(d$union), ethnicity = as.character(d$ethnicity))
i <- seq_len(nrow(out))
# A sampling weight between 0.5 and 2, a function of the worker id only.
wid <- as.integer(as.character(d$id))
out$weight <- 0.5 + ((wid * 37) %% 16) / 10
# Missing values: weeks on every 97th row, union on every 131st, wage (and lwage) on every 211th.
out$weeks[i %% 97 == 0] <- NA
out$union[i %% 131 == 0] <- NA
out$wage[i %% 211 == 0] <- NA
out$lwage[i %% 211 == 0] <- NA
args <- commandArgs(trailingOnly = TRUE)
write.csv(out, if (length(args)) args[1] else "psid7682.csv", row.names = FALSE, na = "")
