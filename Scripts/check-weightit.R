#!/usr/bin/env Rscript
# check-weightit.R -- checks the `weighting` fixtures against WeightIt itself.
#
# Run from the repository root, with WeightIt and cobalt built from source into a private library
# (steps in Scripts/README.md, "WeightIt"):
#   R_LIBS=/work/rlib-weightit Rscript Scripts/check-weightit.R
#
# Tests/Fixtures/methods-weights/weighting_*.csv hold the weights computed by
# Scripts/fixtures-methods-weights.R from WeightIt's formulas (get_w_from_ps() and trim()), scaled
# to mean 1 within each group among positive weights; the Swift tests compare the `weighting`
# method with them. This script fits the same cases with WeightIt::weightit(method = "glm") and
# WeightIt::trim(), applies the same scaling, and prints the largest difference from the fixture
# in the weights and in each group's effective sample size (sum(w)^2 / sum(w^2)). It writes
# nothing and exits 1 when a difference exceeds 1e-10 (relative for the ESS).
suppressPackageStartupMessages(library(WeightIt))
d <- read.csv(file.path("Datasets", "lalonde.csv"), stringsAsFactors = FALSE)
d$race <- factor(d$race)
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
normalise <- function(w, t) {
  for (g in c(0, 1)) {
    k <- t == g & w > 0
    w[k] <- w[k] / mean(w[k])
  }
  w
}
ess <- function(w, t) sapply(c(0, 1), function(g) sum(w[t == g])^2 / sum(w[t == g]^2))
cases <- list(list("weighting_att", "ATT", NULL, FALSE),
              list("weighting_ate", "ATE", NULL, FALSE),
              list("weighting_atc", "ATC", NULL, FALSE),
              list("weighting_att_trim090", "ATT", 0.9, FALSE),
              list("weighting_ate_trim095_lower", "ATE", 0.95, TRUE))
worst <- 0
cat(sprintf("WeightIt %s, cobalt %s, R %s\n", packageVersion("WeightIt"), packageVersion("cobalt"),
            getRversion()))
for (cs in cases) {
  W <- weightit(f, data = d, method = "glm", estimand = cs[[2]])
  if (!is.null(cs[[3]])) W <- trim(W, at = cs[[3]], lower = cs[[4]])
  w <- normalise(W$weights, d$treat)
  fixture <- read.csv(file.path("Tests", "Fixtures", "methods-weights", paste0(cs[[1]], ".csv")))
  dw <- max(abs(w - fixture$weight))
  de <- max(abs(ess(w, d$treat) / ess(fixture$weight, d$treat) - 1))
  worst <- max(worst, dw, de)
  cat(sprintf("%-30s max |weight difference| %.3g, max relative ESS difference %.3g\n", cs[[1]], dw, de))
}
if (worst > 1e-10) { cat("DIFFERENT\n"); quit(status = 1) }
cat("every weighting fixture equals WeightIt within 1e-10\n")
