#!/usr/bin/env Rscript
# fixtures-methods-weights.R -- R references for the radius, kernel and weighting methods.
#
# Run from the repository root:   Rscript Scripts/fixtures-methods-weights.R
# Writes Tests/Fixtures/methods-weights/<case>.csv (one line per lalonde row: row, treat, ps,
# weight) and <case>_balance.csv for the weighting cases, plus VERSIONS.txt.
#
# Every reference is computed here from the published formulas, independently of the Swift code:
#   * propensity score: glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
#     binomial) on Datasets/lalonde.csv (race a factor, R treatment contrasts), fitted values;
#   * radius (psmatch2 radius caliper(r)): for each focal unit every control with
#     |ps_c - ps_f| <= r; control weight = sum over focal units of 1 / (controls of that unit);
#   * kernel (psmatch2 kernel kerneltype() bwidth(h)): K_fc = K((ps_c - ps_f) / h),
#     Epanechnikov 3/4 (1 - u^2) on |u| < 1 or Gaussian dnorm(u); control weight =
#     colSums(K / rowSums(K)) over focal units with rowSums(K) > 0;
#   * weighting (WeightIt 1.5.1 get_w_from_ps() and trim(); WeightIt itself is not installed:
#     its glm method fits the same binomial GLM with the same starting values, mustart =
#     .25 + .5 * treat): ATT treated 1, control ps / (1 - ps); ATE 1 / ps, 1 / (1 - ps);
#     trimming at quantile(w[trimmed group], at, type = 3), lower tail at 1 - at with lower = TRUE;
#   * every weight vector is then scaled to mean 1 within each group among positive weights
#     (MatchIt's normalisation), which is how the Swift methods report weights;
#   * balance for the weighting cases: MatchIt 4.7.2's summary.matchit() of a no-matching
#     matchit object (method = NULL, same estimand) whose weights are replaced by these weights,
#     so SMDs use MatchIt's standardisation (pooled SD for the ATE).
suppressPackageStartupMessages(library(MatchIt))
source(file.path("Scripts", "fixture-helpers.R"))
out_dir <- file.path("Tests", "Fixtures", "methods-weights")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

d <- read.csv(file.path("Datasets", "lalonde.csv"), stringsAsFactors = FALSE)
d$race <- factor(d$race)
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
ps <- unname(fitted(glm(f, data = d, family = binomial())))
treat <- d$treat

normalise <- function(w, t) {
  for (g in c(0, 1)) {
    k <- t == g & w > 0
    w[k] <- w[k] / mean(w[k])
  }
  w
}

focal_of <- function(estimand) if (estimand == "ATT") 1 else 0

discard_treated <- function(ps, t) {
  t == 1 & (ps < min(ps[t == 0]) | ps > max(ps[t == 0]))
}

radius_weights <- function(ps, t, r, estimand = "ATT", common = FALSE, cell = rep(1, length(t))) {
  fg <- focal_of(estimand)
  off <- if (common) discard_treated(ps, t) else rep(FALSE, length(t))
  w <- numeric(length(t)); n_matches <- rep(NA_integer_, length(t))
  for (i in which(t == fg & !off)) {
    m <- which(t != fg & !off & cell == cell[i] & abs(ps - ps[i]) <= r)
    n_matches[i] <- length(m)
    if (length(m) > 0) {
      w[i] <- 1
      w[m] <- w[m] + 1 / length(m)
    }
  }
  list(w = normalise(w, t), n = n_matches)
}

kernel_weights <- function(ps, t, h, kernel, estimand = "ATT", common = FALSE, cell = rep(1, length(t))) {
  k <- switch(kernel,
              epanechnikov = function(u) ifelse(abs(u) < 1, 0.75 * (1 - u^2), 0),
              gaussian = function(u) dnorm(u))
  fg <- focal_of(estimand)
  off <- if (common) discard_treated(ps, t) else rep(FALSE, length(t))
  fi <- which(t == fg & !off); ci <- which(t != fg & !off)
  K <- outer(ps[fi], ps[ci], function(a, b) k((b - a) / h)) * outer(cell[fi], cell[ci], "==")
  keep <- rowSums(K) > 0
  w <- numeric(length(t))
  w[fi[keep]] <- 1
  w[ci] <- colSums(K[keep, , drop = FALSE] / rowSums(K[keep, , drop = FALSE]))
  normalise(w, t)
}

quantile3 <- function(x, p) unname(quantile(x, p, type = 3))

ip_weights <- function(ps, t, estimand, at = NULL, lower = FALSE) {
  w <- switch(estimand,
              ATT = ifelse(t == 1, 1, ps / (1 - ps)),
              ATC = ifelse(t == 1, (1 - ps) / ps, 1),
              ATE = ifelse(t == 1, 1 / ps, 1 / (1 - ps)))
  if (!is.null(at)) {
    trimmed <- switch(estimand, ATT = t == 0, ATC = t == 1, ATE = rep(TRUE, length(t)))
    hi <- quantile3(w[trimmed], at)
    lo <- if (lower) quantile3(w[trimmed], 1 - at) else -Inf
    w[trimmed & w < lo] <- lo
    w[trimmed & w > hi] <- hi
  }
  normalise(w, t)
}

write_case <- function(name, w, n_matches = NULL) {
  df <- data.frame(row = seq_along(w), treat = treat, ps = ps, weight = w)
  if (!is.null(n_matches)) df$n_matches <- n_matches
  write_fixture(df, paste0(name, ".csv"))
}

bal_cols <- c(means_treated = "Means Treated", means_control = "Means Control",
              std_mean_diff = "Std. Mean Diff.", var_ratio = "Var. Ratio",
              ecdf_mean = "eCDF Mean", ecdf_max = "eCDF Max")
write_balance <- function(name, w, estimand) {
  m <- matchit(f, data = d, method = NULL, distance = "glm", estimand = estimand)
  stopifnot(isTRUE(all.equal(unname(m$distance), ps, tolerance = 1e-14)))
  m$weights <- w
  m$info$method <- "weighting"  # summary() reports the weighted table only when a method is set
  s <- summary(m, un = TRUE)
  tab <- s$sum.matched
  out <- data.frame(variable = rownames(tab), stringsAsFactors = FALSE)
  for (k in names(bal_cols)) out[[k]] <- unname(as.numeric(tab[, bal_cols[[k]]]))
  all <- s$sum.all
  out$std_mean_diff_all <- unname(as.numeric(all[, "Std. Mean Diff."]))
  ess <- function(g) sum(w[treat == g])^2 / sum(w[treat == g]^2)
  out$ess_control <- ess(0); out$ess_treated <- ess(1)
  write_fixture(out, paste0(name, "_balance.csv"))
}

r <- radius_weights(ps, treat, 0.01); write_case("radius_001", r$w, r$n)
r <- radius_weights(ps, treat, 0.05, common = TRUE); write_case("radius_005_common", r$w, r$n)
r <- radius_weights(ps, treat, 0.02, estimand = "ATC"); write_case("radius_002_atc", r$w, r$n)
write_case("kernel_epan_006", kernel_weights(ps, treat, 0.06, "epanechnikov"))
write_case("kernel_epan_002_common", kernel_weights(ps, treat, 0.02, "epanechnikov", common = TRUE))
write_case("kernel_gauss_006", kernel_weights(ps, treat, 0.06, "gaussian"))
r <- radius_weights(ps, treat, 0.02, cell = d$married); write_case("radius_002_exact_married", r$w, r$n)
write_case("kernel_gauss_010_exact_married", kernel_weights(ps, treat, 0.1, "gaussian", cell = d$married))
for (cs in list(list("weighting_att", "ATT", NULL, FALSE),
                list("weighting_ate", "ATE", NULL, FALSE),
                list("weighting_atc", "ATC", NULL, FALSE),
                list("weighting_att_trim090", "ATT", 0.9, FALSE),
                list("weighting_ate_trim095_lower", "ATE", 0.95, TRUE))) {
  w <- ip_weights(ps, treat, cs[[2]], cs[[3]], cs[[4]])
  write_case(cs[[1]], w)
  write_balance(cs[[1]], w, cs[[2]])
}

writeLines(c(paste("generated:", format(Sys.time(), tz = "UTC", usetz = TRUE)),
             paste("R:", R.version.string),
             paste("MatchIt:", packageVersion("MatchIt")),
             "script: Scripts/fixtures-methods-weights.R"),
           file.path(out_dir, "VERSIONS.txt"))

# --- Mahalanobis nearest-neighbour matching (MatchIt 4.7.2, mahvars) ----------------------------
# matchit(f, method = "nearest", distance = "glm", mahvars = <the same covariates>, ...): the
# propensity score gives the order, the caliper and common support; matching is on the
# Mahalanobis distance with MatchIt's pooled within-group covariance. Writes
# maha_<case>_match_matrix.csv (focal_row, c1..ck: 1-based rows, empty = none) and
# maha_<case>_weights.csv (row, weight).
write_matchit <- function(name, m) {
  mm <- m$match.matrix
  row_of <- function(x) as.integer(x)
  out <- data.frame(focal_row = as.integer(rownames(mm)))
  for (j in seq_len(ncol(mm))) out[[paste0("c", j)]] <- as.integer(unname(mm[, j]))
  write_fixture(out, paste0("maha_", name, "_match_matrix.csv"))
  write_fixture(data.frame(row = seq_along(m$weights), weight = unname(m$weights)),
                paste0("maha_", name, "_weights.csv"))
}
dl <- read.csv(file.path("Datasets", "lalonde.csv"), stringsAsFactors = FALSE)
rownames(dl) <- seq_len(nrow(dl))
mv <- ~ age + educ + race + married + nodegree + re74 + re75
maha <- function(data, formula, mahvars, ...) {
  suppressWarnings(matchit(formula, data = data, method = "nearest", distance = "glm", mahvars = mahvars, ...))
}
write_matchit("lalonde_1to1", maha(dl, f, mv))
write_matchit("lalonde_2to1", maha(dl, f, mv, ratio = 2))
write_matchit("lalonde_caliper02", maha(dl, f, mv, caliper = 0.2))
write_matchit("lalonde_replace_2to1", maha(dl, f, mv, ratio = 2, replace = TRUE))
write_matchit("lalonde_exact_married", maha(dl, f, mv, exact = ~ married))
write_matchit("lalonde_discard_both", maha(dl, f, mv, discard = "both"))
write_matchit("lalonde_atc", maha(dl, f, mv, estimand = "ATC"))

# A small synthetic cohort with duplicated control rows (exact distance ties) and a three-level
# factor: 24 treated, 48 controls.
set.seed(20261126)
n1 <- 24; n0 <- 48
syn <- data.frame(
  treat = c(rep(1L, n1), rep(0L, n0)),
  x1 = round(c(rnorm(n1, 0.5), rnorm(n0)), 1),
  x2 = round(c(runif(n1, 0, 2), runif(n0, 0, 1.5)), 2),
  g = sample(c("a", "b", "c"), n1 + n0, replace = TRUE),
  stringsAsFactors = FALSE)
dup <- n1 + c(3, 7, 11, 19)
syn[n1 + c(30, 31, 40, 41), c("x1", "x2", "g")] <- syn[dup, c("x1", "x2", "g")]
syn$id <- sprintf("S%02d", seq_len(nrow(syn)))
rownames(syn) <- seq_len(nrow(syn))
write_fixture(syn[, c("id", "treat", "x1", "x2", "g")], "maha_synthetic.csv")
fs <- treat ~ x1 + x2 + g
write_matchit("synthetic_1to1", maha(syn, fs, ~ x1 + x2 + g))
write_matchit("synthetic_3to1", maha(syn, fs, ~ x1 + x2 + g, ratio = 3))
write_matchit("synthetic_replace", maha(syn, fs, ~ x1 + x2 + g, replace = TRUE))
write_matchit("synthetic_caliper05", maha(syn, fs, ~ x1 + x2 + g, caliper = 0.5, ratio = 2))
