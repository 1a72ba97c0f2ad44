#!/usr/bin/env Rscript
# =============================================================================
# fixtures-effects-replace.R -- R reference values for g-computation after
# matching WITH replacement (Outcomes/GComputation.swift `init(rows:...)`, the
# effects of `counterfactual evaluate` with `[effects]` and `replace = true`).
#
# Run from the repository root:
#
#     Rscript Scripts/fixtures-effects-replace.R
#
# Writes (overwriting) Tests/Fixtures/effects/:
#   synth_replace_units.csv    every unit of the synthetic cohort of
#                              fixtures-effects.R (same seed, same code), in data
#                              order: treat, y_gaussian, y_binomial, y_poisson and
#                              the outcome model's covariate columns (model.matrix
#                              without intercept)
#   synth_replace_pairs.csv    MatchIt's match.matrix as (focal, match, position),
#                              0-based unit indices, focal units in data order and
#                              matches in the order they were made
#   synth_replace_results.csv  family, formula (treat | interaction), vcov
#                              (set_and_unit | HC3), quantity, estimate, se
#
# The computation is the MatchIt vignette's for matching with replacement:
#   m   <- matchit(treat ~ x1 + x2 + g, data = synth, replace = TRUE, ratio = 2)
#   gm  <- get_matches(m, id = "id")          one row per unit per matched set
#   fit <- lm / glm(y ~ treat [* (x1 + x2 + g)], data = gm, weights = weights)
#   V   <- sandwich::vcovCL(fit, cluster = ~subclass + id)   (lm: HC1, glm: HC0)
#          or sandwich::vcovHC(fit, type = "HC3")
# and the delta method of fixtures-effects.R over the focal (treated) rows of gm.
# =============================================================================

suppressPackageStartupMessages({
  library(MatchIt)
  library(sandwich)
})
source(file.path("Scripts", "fixture-helpers.R"))
out_dir <- file.path("Tests", "Fixtures", "effects")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# The synthetic cohort of fixtures-effects.R (the same draws).
synth <- effects_synthetic_cohort()
n <- nrow(synth)
synth$g <- factor(synth$g)

mm_all <- model.matrix(~ x1 + x2 + g, synth)[, -1, drop = FALSE]
write_fixture(cbind(data.frame(treat = synth$treat, y_gaussian = synth$y_gaussian,
                               y_binomial = synth$y_binomial, y_poisson = synth$y_poisson),
                    as.data.frame(mm_all)), "synth_replace_units.csv")

m <- matchit(treat ~ x1 + x2 + g, data = synth, replace = TRUE, ratio = 2)
mm <- m$match.matrix
pairs <- NULL
for (r in seq_len(nrow(mm))) {
  for (k in seq_len(ncol(mm))) {
    if (!is.na(mm[r, k])) {
      pairs <- rbind(pairs, data.frame(focal = as.integer(rownames(mm)[r]) - 1L,
                                       match = as.integer(mm[r, k]) - 1L, position = k - 1L))
    }
  }
}
write_fixture(pairs, "synth_replace_pairs.csv")

gm <- get_matches(m, id = "id")
focal <- gm$treat == 1

gcomp <- function(fit, data, focal, w, V, family) {
  tt <- delete.response(terms(fit))
  beta <- coef(fit)
  wf <- w[focal]
  p <- list(); J <- list()
  for (a in c(1, 0)) {
    nd <- data[focal, , drop = FALSE]
    nd$treat <- a
    X <- model.matrix(tt, nd)
    eta <- drop(X %*% beta)
    mu <- switch(family, gaussian = eta, binomial = plogis(eta), poisson = exp(eta))
    dmu <- switch(family, gaussian = rep(1, length(eta)), binomial = plogis(eta) * (1 - plogis(eta)), poisson = exp(eta))
    p[[as.character(a)]] <- sum(wf * mu) / sum(wf)
    J[[as.character(a)]] <- colSums(wf * dmu * X) / sum(wf)
  }
  p1 <- p[["1"]]; p0 <- p[["0"]]; J1 <- J[["1"]]; J0 <- J[["0"]]
  se <- function(g) sqrt(drop(t(g) %*% V %*% g))
  rows <- data.frame(quantity = c("p1", "p0", "difference"), estimate = c(p1, p0, p1 - p0),
                     se = c(se(J1), se(J0), se(J1 - J0)), stringsAsFactors = FALSE)
  if (family != "gaussian")
    rows <- rbind(rows, data.frame(quantity = "log_ratio", estimate = log(p1 / p0), se = se(J1 / p1 - J0 / p0)))
  if (family == "binomial")
    rows <- rbind(rows, data.frame(quantity = "log_odds_ratio", estimate = qlogis(p1) - qlogis(p0),
                                   se = se(J1 / (p1 * (1 - p1)) - J0 / (p0 * (1 - p0)))))
  rows
}

results <- NULL
for (family in c("gaussian", "binomial", "poisson")) {
  y <- paste0("y_", family)
  for (form in c("treat", "interaction")) {
    rhs <- if (form == "treat") "treat" else "treat * (x1 + x2 + g)"
    f <- as.formula(paste(y, "~", rhs))
    fit <- switch(family,
                  gaussian = lm(f, data = gm, weights = weights),
                  binomial = glm(f, data = gm, weights = weights, family = quasibinomial()),
                  poisson = glm(f, data = gm, weights = weights, family = poisson()))
    for (v in c("set_and_unit", "HC3")) {
      V <- if (v == "set_and_unit") vcovCL(fit, cluster = ~subclass + id) else vcovHC(fit, type = "HC3")
      results <- rbind(results, data.frame(family = family, formula = form, vcov = v,
                                           gcomp(fit, gm, focal, gm$weights, V, family),
                                           stringsAsFactors = FALSE))
    }
  }
}
write_fixture(results, "synth_replace_results.csv")
cat("wrote", out_dir, "\n")
