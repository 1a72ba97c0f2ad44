#!/usr/bin/env Rscript
# =============================================================================
# make-ratio-fixtures.R -- R reference values for the rate-ratio inference of
# Counterfactual (Sources/Outcomes/RateRatio.swift, the two-way cluster-robust
# covariance of LinearModelFit(MatchedSetRows), docs/inference.md).
#
# Run from the repository root:
#
#     Rscript Scripts/make-ratio-fixtures.R
#
# Needs only R and sandwich (Debian: r-base-core r-cran-sandwich); no MatchIt:
# the lalonde matches are read from the committed MatchIt 4.7.2 fixtures, and
# the get_matches() layout is built here, written out, by MatchIt's rule.
#
# Writes (overwriting) Tests/Fixtures/ratio/:
#   VERSIONS.txt                 R and package versions, generation date
#   <design>_units.csv           inputs, one row per unit: row (1-based), treat,
#                                weight (match.data() weight, 0 = unmatched),
#                                subclass (NA with replacement), count, amount
#   <design>_match_matrix.csv    with replacement only: focal_row, c1, c2, ...
#                                (rows; empty = no match), as MatchIt's
#                                match.matrix
#   <design>_get_matches.csv     with replacement only: the get_matches() rows
#                                built below (subclass, id, treat, weight)
#   cohorts.csv                  per design, outcome and alpha: coefficients,
#                                cluster-robust covariance, log RR, SE, z, p,
#                                interval (see ratio_inference below)
#   pooled.csv                   pooled log RR tests of 2-3 cohorts
#
# Designs:
#   nn_1to1             lalonde, MatchIt 1:1 without replacement (pairs)
#   nn_3to1_caliper01   lalonde, 3:1 with caliper 0.1: sets of 1-3 controls
#   nn_2to1_replace     lalonde, 2:1 with replacement (controls reused)
#   nn_replace_caliper  lalonde, 1:1 with replacement, caliper (unmatched focal units)
#   syn_pairs           synthetic, 60 pairs, seeded
#   syn_3to1            synthetic, 40 sets of 1-3 controls, seeded
#   syn_replace         synthetic, 30 treated matched to 1-2 of 25 controls with
#                       reuse (2 treated unmatched), seeded
# Outcomes: count (lalonde: the simulated count of Tests/Fixtures/outcomes/
# nn_1to1_data.csv; synthetic: negative binomial) and amount (lalonde: re78;
# synthetic: gamma).
#
# Covariances, as the Swift code computes them:
#   without replacement: lm(y ~ treat, data = match.data, weights = weight) and
#     sandwich::vcovCL(fit, cluster = ~subclass)   (type "HC1", its default for lm)
#   with replacement:    lm(y ~ treat, data = get_matches rows, weights = weights)
#     and sandwich::vcovCL(fit, cluster = ~subclass + id)  (two-way, "HC1")
#
# Conventions: CSV with header, "\n" line endings, doubles as sprintf("%.17g"),
# NA as an empty field, logicals as 0/1 (Scripts/fixture-helpers.R).
# =============================================================================

suppressPackageStartupMessages(library(sandwich))

out_dir <- file.path("Tests", "Fixtures", "ratio")
if (!dir.exists(file.path("Tests", "Fixtures"))) {
  stop("run this script from the repository root")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
source(file.path("Scripts", "fixture-helpers.R"))   # fmt_col, write_fixture

read_fixture <- function(path) read.csv(path, stringsAsFactors = FALSE, na.strings = "")

# ----------------------------------------------------- the inference itself ---
# The Wald test on log RR, written out (docs/inference.md):
#   RR = (b0 + b1)/b0, log RR = log(b0 + b1) - log(b0),
#   g = (1/(b0 + b1) - 1/b0, 1/(b0 + b1)), SE = sqrt(g' V g), z = log RR / SE,
#   p = 2 (1 - pnorm(|z|)), c = qnorm(1 - alpha/2),
#   interval exp(log RR -/+ c SE), reduction interval (1 - upper, 1 - lower),
#   significant = |z| > c.
wald_log_ratio <- function(lrr, se, alpha) {
  z <- lrr / se
  crit <- qnorm(1 - alpha / 2)
  lower <- lrr - crit * se
  upper <- lrr + crit * se
  data.frame(log_rr = lrr, se = se, z = z, crit = crit, p_value = 2 * pnorm(-abs(z)),
             significant = abs(z) > crit,
             log_lower = lower, log_upper = upper,
             rr_lower = exp(lower), rr_upper = exp(upper),
             # 1 - exp(x), written as -expm1(x) so a bound near 0 keeps its digits
             reduction_lower = -expm1(upper), reduction_upper = -expm1(lower))
}

ratio_inference <- function(b, V, alpha) {
  b0 <- unname(b[1]); b1 <- unname(b[2]); tm <- b0 + b1
  lrr <- log(tm) - log(b0)
  g <- c(1 / tm - 1 / b0, 1 / tm)
  se <- sqrt(drop(t(g) %*% V %*% g))
  cbind(data.frame(treated_mean = tm, comparison_mean = b0, rate_ratio = tm / b0),
        wald_log_ratio(lrr, se, alpha))
}

# ------------------------------------------------------------- the designs ---
# get_matches() rows from a match matrix (MatchIt's rule, R/match_data.R):
# subclasses number the focal units with at least one match, in match-matrix
# order; the focal unit gets weight 1, each of its k matches 1/k; rows sorted by
# subclass, treated first.
get_matches_rows <- function(mm, treat) {
  matched <- which(!is.na(mm[, 2]))
  rows <- do.call(rbind, lapply(seq_along(matched), function(s) {
    r <- matched[s]
    found <- as.integer(mm[r, -1]); found <- found[!is.na(found)]
    data.frame(subclass = s, id = c(mm[r, 1], found),
               weight = c(1, rep(1 / length(found), length(found))))
  }))
  rows$treat <- treat[rows$id]
  rows <- rows[order(rows$subclass, -rows$treat, method = "radix"), ]
  rownames(rows) <- NULL
  rows
}

# match.data() weights from a match matrix with replacement: focal units 1,
# matches the sum of 1/k over their sets, then each group scaled to mean 1
# over its matched units (MatchIt's normalize = TRUE).
unit_weights <- function(mm, n, treat) {
  w <- numeric(n)
  for (r in seq_len(nrow(mm))) {
    found <- as.integer(mm[r, -1]); found <- found[!is.na(found)]
    if (length(found) == 0) next
    w[mm[r, 1]] <- w[mm[r, 1]] + 1
    w[found] <- w[found] + 1 / length(found)
  }
  for (g in c(0, 1)) {
    k <- treat == g & w > 0
    w[k] <- w[k] * sum(k) / sum(w[k])
  }
  w
}

lalonde_outcomes <- read_fixture(file.path("Tests", "Fixtures", "outcomes", "nn_1to1_data.csv"))
designs <- list()

for (name in c("nn_1to1", "nn_3to1_caliper01")) {
  m <- read_fixture(file.path("Tests", "Fixtures", "matchit", name, "matches.csv"))
  designs[[name]] <- list(
    units = data.frame(row = m$row, treat = m$treat, weight = m$weight,
                       subclass = as.integer(m$subclass),
                       count = lalonde_outcomes$count, amount = lalonde_outcomes$re78),
    mm = NULL)
}
for (name in c("nn_2to1_replace", "nn_replace_caliper")) {
  m <- read_fixture(file.path("Tests", "Fixtures", "matchit", name, "matches.csv"))
  mm <- as.matrix(read_fixture(file.path("Tests", "Fixtures", "matchit", name, "match_matrix.csv")))
  designs[[name]] <- list(
    units = data.frame(row = m$row, treat = m$treat, weight = m$weight,
                       subclass = NA_integer_,
                       count = lalonde_outcomes$count, amount = lalonde_outcomes$re78),
    mm = mm)
}

set.seed(20260315)
# syn_pairs: 60 pairs, treated then control.
g <- 60
treat <- rep(c(1L, 0L), g)
designs$syn_pairs <- list(
  units = data.frame(row = seq_len(2 * g), treat = treat, weight = 1, subclass = rep(seq_len(g), each = 2),
                     count = rnbinom(2 * g, size = 1.2, mu = ifelse(treat == 1, 1.3, 1.55)),
                     amount = rgamma(2 * g, shape = 2, scale = ifelse(treat == 1, 450, 500))),
  mm = NULL)
# syn_3to1: 40 sets of one treated and 1-3 controls (MatchIt weights: 1/k, normalised).
g <- 40
k <- sample(1:3, g, replace = TRUE)
subclass <- rep(seq_len(g), k + 1)
treat <- unlist(lapply(k, function(kk) c(1L, rep(0L, kk))))
w <- unlist(lapply(k, function(kk) c(1, rep(1 / kk, kk))))
w[treat == 0] <- w[treat == 0] * sum(treat == 0) / sum(w[treat == 0])
nu <- length(treat)
designs$syn_3to1 <- list(
  units = data.frame(row = seq_len(nu), treat = treat, weight = w, subclass = subclass,
                     count = rnbinom(nu, size = 1.5, mu = ifelse(treat == 1, 1.2, 1.5)),
                     amount = rgamma(nu, shape = 3, scale = ifelse(treat == 1, 300, 330))),
  mm = NULL)
# syn_replace: treated rows 1-30, controls 31-55; treated 1-28 get 1 or 2 distinct
# controls drawn with reuse across sets; treated 29 and 30 get none.
nt <- 30; nc <- 25; nu <- nt + nc
treat <- c(rep(1L, nt), rep(0L, nc))
mm <- matrix(NA_integer_, nrow = nt, ncol = 3, dimnames = list(NULL, c("focal_row", "c1", "c2")))
mm[, 1] <- seq_len(nt)
for (r in seq_len(nt - 2)) {
  kk <- sample(c(1L, 2L, 2L), 1)
  mm[r, 1 + seq_len(kk)] <- nt + sample.int(nc, kk)
}
designs$syn_replace <- list(
  units = data.frame(row = seq_len(nu), treat = treat, weight = unit_weights(mm, nu, treat),
                     subclass = NA_integer_,
                     count = rnbinom(nu, size = 1.4, mu = ifelse(treat == 1, 1.25, 1.5)),
                     amount = rgamma(nu, shape = 2.5, scale = ifelse(treat == 1, 380, 400))),
  mm = mm)

# ---------------------------------------------------------------- results ---
alphas <- c(0.05, 0.10)
cohort_rows <- list()
fits <- list()   # log RR and SE per design:outcome (alpha does not change them)
for (name in names(designs)) {
  d <- designs[[name]]
  write_fixture(d$units, paste0(name, "_units.csv"))
  if (is.null(d$mm)) {
    md <- d$units[d$units$weight > 0, ]   # match.data()
    clustering <- "subclass"
  } else {
    mm <- d$mm
    mm_out <- as.data.frame(mm)
    names(mm_out) <- c("focal_row", paste0("c", seq_len(ncol(mm) - 1)))
    for (j in seq_along(mm_out)) mm_out[[j]] <- as.integer(mm_out[[j]])
    write_fixture(mm_out, paste0(name, "_match_matrix.csv"))
    gm <- get_matches_rows(mm, d$units$treat)
    write_fixture(data.frame(subclass = gm$subclass, id = as.integer(gm$id), treat = gm$treat,
                             weight = gm$weight), paste0(name, "_get_matches.csv"))
    md <- data.frame(subclass = factor(gm$subclass), id = as.character(gm$id), treat = gm$treat,
                     weight = gm$weight, count = d$units$count[gm$id], amount = d$units$amount[gm$id],
                     stringsAsFactors = FALSE)
    clustering <- "subclass+id"
  }
  matched_treated <- if (is.null(d$mm)) sum(md$treat == 1) else length(unique(md$id[md$treat == 1]))
  for (v in c("count", "amount")) {
    md$y <- md[[v]]
    fit <- lm(y ~ treat, data = md, weights = weight)
    V <- if (clustering == "subclass") vcovCL(fit, cluster = ~subclass) else vcovCL(fit, cluster = ~subclass + id)
    b <- coef(fit)
    for (alpha in alphas) {
      r <- ratio_inference(b, V, alpha)
      cohort_rows[[length(cohort_rows) + 1L]] <- cbind(
        data.frame(design = name, outcome = v, clustering = clustering, alpha = alpha,
                   rows = nrow(md), matched_treated = matched_treated,
                   b0 = unname(b[1]), b1 = unname(b[2]),
                   v00 = V[1, 1], v01 = V[1, 2], v11 = V[2, 2], stringsAsFactors = FALSE),
        r)
    }
    fits[[paste(name, v, sep = ":")]] <- list(lrr = r$log_rr, se = r$se, n = matched_treated)
  }
}
write_fixture(do.call(rbind, cohort_rows), "cohorts.csv")

# Pooled: cohorts are independent; w_k = n_k / sum(n), L = sum(w_k log RR_k),
# Var = sum(w_k^2 SE_k^2), then the same Wald test.
pools <- list(
  lalonde_count = c("nn_1to1:count", "nn_3to1_caliper01:count", "nn_2to1_replace:count"),
  synthetic_count = c("syn_pairs:count", "syn_3to1:count", "syn_replace:count"),
  mixed_amount = c("nn_replace_caliper:amount", "syn_pairs:amount")
)
pooled_rows <- list()
for (pool in names(pools)) {
  members <- fits[pools[[pool]]]
  n <- sapply(members, `[[`, "n")
  lrr <- sapply(members, `[[`, "lrr")
  se <- sapply(members, `[[`, "se")
  w <- n / sum(n)
  L <- sum(w * lrr)
  s <- sqrt(sum(w^2 * se^2))
  for (alpha in alphas) {
    pooled_rows[[length(pooled_rows) + 1L]] <- cbind(
      data.frame(pool = pool, members = paste(pools[[pool]], collapse = ";"),
                 matched_treated = paste(n, collapse = ";"), alpha = alpha, stringsAsFactors = FALSE),
      wald_log_ratio(L, s, alpha))
  }
}
write_fixture(do.call(rbind, pooled_rows), "pooled.csv")

writeLines(c(
  paste("generated:", format(Sys.time(), "%Y-%m-%d %H:%M:%S UTC", tz = "UTC")),
  paste("R:", R.version.string),
  paste("platform:", R.version$platform),
  paste("sandwich:", packageVersion("sandwich")),
  "script: Scripts/make-ratio-fixtures.R"
), file.path(out_dir, "VERSIONS.txt"))
cat("wrote", out_dir, "\n")
