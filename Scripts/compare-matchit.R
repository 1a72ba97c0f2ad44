# R side of Scripts/compare-matchit: times MatchIt end to end on one cohort file.
#
#   Rscript Scripts/compare-matchit.R COHORT.csv OUT_DIR
#
# Times, with proc.time() inside R: read.csv, matchit(...) (propensity glm + nearest-neighbour
# matching), summary(m). Writes OUT_DIR/r-timings.tsv (stage, elapsed seconds) and, after the timed
# part, OUT_DIR/r-matches.csv (one line per row: distance, weight, subclass; 17 significant
# digits, subclass empty when unmatched) for the comparison with Counterfactual's matches.csv.
#
# Exit status 3 when MatchIt (>= 4.7) is not installed, so the caller can skip cleanly.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript compare-matchit.R COHORT.csv OUT_DIR")
file <- args[[1]]
out <- args[[2]]

if (!requireNamespace("MatchIt", quietly = TRUE) || utils::packageVersion("MatchIt") < "4.7") {
  message("MatchIt >= 4.7 is not installed")
  quit(status = 3)
}
suppressPackageStartupMessages(library(MatchIt))

covariates <- c("age", "gender", "ethnicity", "offence_group", "sentence_months", "prior_convictions",
                "prior_custodial", "prior_breaches", "years_since_first", "employed", "housed", "risk_score")
f <- reformulate(covariates, response = "treat")

elapsed <- function(t) unname(t[["elapsed"]])
t0 <- proc.time()
data <- read.csv(file)
t1 <- proc.time()
m <- matchit(f, data = data, method = "nearest", distance = "glm", link = "linear.logit", caliper = 0.2)
t2 <- proc.time()
s <- summary(m)
t3 <- proc.time()
invisible(s)

timings <- data.frame(
  stage = c("read", "matchit", "summary", "total"),
  seconds = c(elapsed(t1 - t0), elapsed(t2 - t1), elapsed(t3 - t2), elapsed(t3 - t0)))
write.table(timings, file.path(out, "r-timings.tsv"), sep = "\t", row.names = FALSE, quote = FALSE)

# Not timed: the matched sets, for the comparison.
subclass <- as.character(m$subclass)
subclass[is.na(subclass)] <- ""
result <- data.frame(distance = sprintf("%.17g", m$distance), weight = sprintf("%.17g", m$weights),
                     subclass = subclass)
write.csv(result, file.path(out, "r-matches.csv"), row.names = FALSE, quote = FALSE)

info <- c(
  sprintf("R %s, MatchIt %s", paste(R.version$major, R.version$minor, sep = "."), utils::packageVersion("MatchIt")),
  sprintf("BLAS %s", extSoftVersion()[["BLAS"]]),
  sprintf("matched: %d treated, %d control; caliper width %.17g", sum(m$weights[m$treat == 1] > 0),
          sum(m$weights[m$treat == 0] > 0), m$caliper[[1]]))
writeLines(info, file.path(out, "r-info.txt"))
