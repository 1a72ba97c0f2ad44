#!/usr/bin/env Rscript
# =============================================================================
# fixtures-ai2016.R -- R reference values for the Abadie-Imbens (2016)
# adjustment of the matching estimator's variance for an estimated propensity
# score (Outcomes/AbadieImbens.swift, `estimatedScoreAdjustment`).
#
# Run from the repository root:
#
#     Rscript Scripts/fixtures-ai2016.R
#
# Writes (overwriting) Tests/Fixtures/effects/:
#   ai2016_units.csv      the synthetic cohort of fixtures-effects.R (same seed,
#                         same code): treat, y, the fitted propensity score p and
#                         the logit model's design columns (model.matrix)
#   ai2016_vcov.csv       vcov() of the logit model (row-major: row, column, value)
#   ai2016_pairs.csv      the pairs Matching::Match made for the ATE (focal, match,
#                         weight; 0-based), from Match's MatchLoopC
#   ai2016_results.csv    the estimate, Match's Abadie-Imbens (2006) se, the
#                         adjustment c (by design column), c' V c, and the adjusted
#                         standard error
#   ai2016_c.csv          c by design column, and its two group terms
#
# The formulas (Abadie and Imbens 2016, "Matching on the estimated propensity
# score", Econometrica 84(2), 781-807, Theorem 1 and Section 4), written fresh
# here for nearest-neighbour matching with replacement on a logit score
# p(x) = F(x'theta), F the logistic cdf, f = F(1 - F) its density, for the ATE:
#
#   V_adj = V_AI2006 - c' V_theta c
#   c     = (1/N) sum_i [ cov_1(i) / p_i + cov_0(i) / (1 - p_i) ] f(x_i'theta)
#         = (1/N) sum_i [ (1 - p_i) cov_1(i) + p_i cov_0(i) ]          (logit)
#
# V_AI2006 the variance of matching on the known score (Match's se^2 with
# sample = FALSE), V_theta = vcov(glm) = I_theta^{-1} / N, and cov_w(i) the
# covariance of the design row x and the outcome y among the L = 2 units of group
# w nearest to i in the estimated score: for i in group w, i itself and its
# nearest other unit of group w; otherwise the two nearest units of group w
# (ties in |p_j - p_i| broken by the lower index; the synthetic cohort has none):
#
#   cov_w(i) = 1/(L - 1) sum_{j in H_w(i)} (x_j - xbar)(y_j - ybar).
#
# L and the sets are those of the CRAN package multilevelMatching 1.0.0 (Yang et
# al. 2016), the one R implementation found of this adjustment (for multinomial
# treatments). It is not a reference here: its `multinom` route stops for two
# treatment levels (nnet's fitted() is then a vector, indexed as a matrix), and
# its group terms would combine as (1 - p) cov_1 - p cov_0 for two levels (it
# adds the derivatives of each level's own score, the control's being -f),
# where the theorem's c has + p cov_0.
#
# Requires Matching (Debian r-cran-matching).
# =============================================================================

suppressPackageStartupMessages({
  library(Matching)
})
source(file.path("Scripts", "fixture-helpers.R"))
out_dir <- file.path("Tests", "Fixtures", "effects")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# The synthetic cohort of fixtures-effects.R (the same draws).
synth <- effects_synthetic_cohort()
n <- nrow(synth)

ps <- glm(treat ~ x1 + x2 + g, data = synth, family = binomial())
p <- unname(fitted(ps))
X <- model.matrix(ps)
V <- vcov(ps)
y <- synth$y_gaussian
w <- synth$treat
stopifnot(!any(duplicated(p)))

units <- data.frame(treat = w, y = y, p = p)
units <- cbind(units, as.data.frame(X))
names(units)[4] <- "intercept"
write_fixture(units, "ai2016_units.csv")
write_fixture(data.frame(row = rep(seq_len(ncol(X)) - 1L, each = ncol(X)),
                         column = rep(seq_len(ncol(X)) - 1L, times = ncol(X)),
                         value = as.vector(t(V))), "ai2016_vcov.csv")

# ---- matching on the estimated score, ATE, and Match's AI (2006) se ---------
m <- Match(Y = y, Tr = w, X = p, M = 1, estimand = "ATE", replace = TRUE, ties = TRUE,
           distance.tolerance = 0, BiasAdjust = FALSE, Var.calc = 0)
loop <- m$MatchLoopC
write_fixture(data.frame(focal = as.integer(loop[, 1]) - 1L, match = as.integer(loop[, 2]) - 1L,
                         weight = loop[, 3]), "ai2016_pairs.csv")

# ---- the adjustment ----------------------------------------------------------
nearest <- function(i, group, k) {
  pool <- which(w == group & seq_len(n) != i)
  d <- abs(p[pool] - p[i])
  pool[order(d, pool)][seq_len(k)]
}
L <- 2
group_cov <- function(i, group) {
  H <- if (w[i] == group) c(i, nearest(i, group, 1)) else nearest(i, group, 2)
  xs <- X[H, , drop = FALSE]
  ys <- y[H]
  colSums(sweep(xs, 2, colMeans(xs)) * (ys - mean(ys))) / (L - 1)
}
cov1 <- t(vapply(seq_len(n), group_cov, numeric(ncol(X)), group = 1))
cov0 <- t(vapply(seq_len(n), group_cov, numeric(ncol(X)), group = 0))
c1 <- colMeans((1 - p) * cov1)
c0 <- colMeans(p * cov0)
cvec <- c1 + c0
correction <- drop(t(cvec) %*% V %*% cvec)
v_adj <- m$se^2 - correction
write_fixture(data.frame(estimate = m$est[1, 1], se_ai2006 = m$se, correction = correction,
                         se_ai2016 = sqrt(v_adj), matched_units = n), "ai2016_results.csv")
write_fixture(data.frame(column = colnames(X), c = cvec, c_treated = c1, c_control = c0),
              "ai2016_c.csv")

cat("AI 2006 se", m$se, " AI 2016 se", sqrt(v_adj), " correction", correction, "\n")
cat("wrote", out_dir, "\n")
