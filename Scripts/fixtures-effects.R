#!/usr/bin/env Rscript
# =============================================================================
# fixtures-effects.R -- R reference values for g-computation after matching
# (Outcomes/GComputation.swift, `counterfactual effect`).
#
# Run from the repository root:
#
#     Rscript Scripts/fixtures-effects.R
#
# Writes (overwriting) Tests/Fixtures/effects/:
#   VERSIONS.txt            R and package versions
#   lalonde_outcomes.csv    Datasets/lalonde.csv plus employed78 (re78 > 0) and
#                           count78 (floor(re78 / 2000)), for the CLI tests
#   <design>_sample.csv     one row per unit of the matched sample (weight > 0):
#                           treat, weight, subclass, y_gaussian, y_binomial,
#                           y_poisson, then the covariate columns of the
#                           outcome model (R's model.matrix without intercept)
#   <design>_results.csv    design, family, formula (treat | interaction),
#                           vcov (cluster | HC3), quantity, estimate, se
#   bootstrap_intervals.csv boot::boot.ci percentile and BCa limits for given
#                           replicates (bootstrap_replicates.csv) and influence
#                           values (bootstrap_influence.csv)
#   ai_pairs.csv, ai_results.csv  Matching::Match pairs and Abadie-Imbens SEs
# where <design> is
#   lalonde_att   matchit(treat ~ age + educ + race + married + nodegree + re74
#                 + re75, data = lalonde): 1:1 nearest, ATT, cluster by subclass
#   synth_att2    a synthetic cohort (below), 2:1 nearest without replacement,
#                 ATT, cluster by subclass
#   synth_atc     the same cohort, 1:1 nearest for the ATC (controls focal), cluster
#   synth_ate_sub the same cohort, method = "subclass" (6 subclasses), ATE, HC3
#
# The computation (MatchIt vignette "Estimating Effects After Matching"):
#   fit  <- lm / glm(y ~ treat [* (covariates)], weights = weights)  on match_data()
#   V    <- sandwich::vcovCL(fit, cluster = ~subclass)   (lm: HC1, glm: HC0), or
#           sandwich::vcovHC(fit, type = "HC3")
#   p_a  <- weighted.mean(predict(fit, newdata = focal with treat = a, type = "response"), w)
#           over the focal units (treated for ATT, all for ATE), weights = matching weights
#   J_a  <- sum_i w_i mu'(eta_ia) x_ia / sum_i w_i  (analytic Jacobian)
#   SE(f(p1, p0)) = sqrt(g' V g), g = df/dp1 J_1 + df/dp0 J_0 (delta method), for
#   difference p1 - p0, log ratio log(p1/p0), log odds ratio logit(p1) - logit(p0).
# Gaussian models are lm() (as the vignette), binomial quasibinomial(), poisson
# poisson().
#
# Requires MatchIt 4.7.2 (Scripts/README.md), sandwich, boot, Matching (Debian
# r-cran-sandwich, r-cran-boot, r-cran-matching).
# =============================================================================

suppressPackageStartupMessages({
  library(MatchIt)
  library(sandwich)
  library(boot)
})
source(file.path("Scripts", "fixture-helpers.R"))
out_dir <- file.path("Tests", "Fixtures", "effects")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

writeLines(c(R.version.string,
             paste("MatchIt", packageVersion("MatchIt")),
             paste("sandwich", packageVersion("sandwich")),
             paste("boot", packageVersion("boot")),
             paste("Matching", packageVersion("Matching"))),
           file.path(out_dir, "VERSIONS.txt"))

# ---- data -------------------------------------------------------------------
lalonde <- read.csv(file.path("Datasets", "lalonde.csv"), stringsAsFactors = FALSE)
lalonde$employed78 <- as.integer(lalonde$re78 > 0)
lalonde$count78 <- floor(lalonde$re78 / 2000)
write_fixture(lalonde, "lalonde_outcomes.csv")

synth <- effects_synthetic_cohort()
n <- nrow(synth)

# ---- g-computation with the delta method -----------------------------------
gcomp <- function(fit, data, focal, w, vcov_matrix, family) {
  tt <- delete.response(terms(fit))
  make <- function(a) {
    nd <- data[focal, , drop = FALSE]
    nd$treat <- a
    model.matrix(tt, nd)
  }
  beta <- coef(fit)
  wf <- w[focal]
  out <- list()
  J <- list()
  for (a in c(1, 0)) {
    X <- make(a)
    eta <- drop(X %*% beta)
    mu <- switch(family, gaussian = eta, binomial = plogis(eta), poisson = exp(eta))
    dmu <- switch(family, gaussian = rep(1, length(eta)), binomial = plogis(eta) * (1 - plogis(eta)), poisson = exp(eta))
    out[[as.character(a)]] <- sum(wf * mu) / sum(wf)
    J[[as.character(a)]] <- colSums(wf * dmu * X) / sum(wf)
  }
  p1 <- out[["1"]]; p0 <- out[["0"]]; J1 <- J[["1"]]; J0 <- J[["0"]]
  se <- function(g) sqrt(drop(t(g) %*% vcov_matrix %*% g))
  rows <- data.frame(
    quantity = c("p1", "p0", "difference"),
    estimate = c(p1, p0, p1 - p0),
    se = c(se(J1), se(J0), se(J1 - J0)), stringsAsFactors = FALSE)
  if (family != "gaussian") {
    rows <- rbind(rows, data.frame(quantity = "log_ratio", estimate = log(p1 / p0),
                                   se = se(J1 / p1 - J0 / p0)))
  }
  if (family == "binomial") {
    rows <- rbind(rows, data.frame(quantity = "log_odds_ratio",
                                   estimate = qlogis(p1) - qlogis(p0),
                                   se = se(J1 / (p1 * (1 - p1)) - J0 / (p0 * (1 - p0)))))
  }
  rows
}

fit_model <- function(formula, md, family) {
  if (family == "gaussian") {
    lm(formula, data = md, weights = weights)
  } else if (family == "binomial") {
    glm(formula, data = md, weights = weights, family = quasibinomial())
  } else {
    glm(formula, data = md, weights = weights, family = poisson())
  }
}

design_fixture <- function(name, m, data, covs, estimand, vcovs, outcomes) {
  md <- match_data(m, data = data)
  # Rows in data order, as the matched sample the Swift code builds.
  md <- md[order(as.integer(rownames(md))), ]
  # Text covariates as factors, so that every level keeps its column in the focal subset.
  for (v in covs) if (is.character(md[[v]])) md[[v]] <- factor(md[[v]])
  mm <- model.matrix(as.formula(paste("~", paste(covs, collapse = " + "))), md)[, -1, drop = FALSE]
  sample <- data.frame(treat = md$treat, weight = md$weights,
                       subclass = as.integer(as.character(md$subclass)),
                       y_gaussian = as.numeric(md[[outcomes[1]]]),
                       y_binomial = as.numeric(md[[outcomes[2]]]),
                       y_poisson = as.numeric(md[[outcomes[3]]]))
  sample <- cbind(sample, as.data.frame(mm))
  write_fixture(sample, paste0(name, "_sample.csv"))
  focal <- if (estimand == "ATT") md$treat == 1 else if (estimand == "ATC") md$treat == 0 else rep(TRUE, nrow(md))
  results <- NULL
  for (family in c("gaussian", "binomial", "poisson")) {
    y <- outcomes[match(family, c("gaussian", "binomial", "poisson"))]
    for (form in c("treat", "interaction")) {
      rhs <- if (form == "treat") "treat" else paste0("treat * (", paste(covs, collapse = " + "), ")")
      fit <- fit_model(as.formula(paste(y, "~", rhs)), md, family)
      for (v in vcovs) {
        V <- if (v == "cluster") vcovCL(fit, cluster = ~subclass) else vcovHC(fit, type = "HC3")
        r <- gcomp(fit, md, focal, md$weights, V, family)
        results <- rbind(results, data.frame(design = name, family = family, formula = form, vcov = v, r,
                                             stringsAsFactors = FALSE))
      }
    }
  }
  write_fixture(results, paste0(name, "_results.csv"))
  invisible(list(md = md, focal = focal))
}

lalonde_covs <- c("age", "educ", "race", "married", "nodegree", "re74", "re75")
m1 <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde)
d1 <- design_fixture("lalonde_att", m1, lalonde, lalonde_covs, "ATT", c("cluster", "HC3"),
                     c("re78", "employed78", "count78"))

synth_covs <- c("x1", "x2", "g")
m2c <- matchit(treat ~ x1 + x2 + g, data = synth, estimand = "ATC")
design_fixture("synth_atc", m2c, synth, synth_covs, "ATC", c("cluster", "HC3"),
               c("y_gaussian", "y_binomial", "y_poisson"))
m2 <- matchit(treat ~ x1 + x2 + g, data = synth, ratio = 2)
design_fixture("synth_att2", m2, synth, synth_covs, "ATT", c("cluster", "HC3"),
               c("y_gaussian", "y_binomial", "y_poisson"))
m3 <- matchit(treat ~ x1 + x2 + g, data = synth, method = "subclass", subclass = 6, estimand = "ATE")
design_fixture("synth_ate_sub", m3, synth, synth_covs, "ATE", c("HC3"),
               c("y_gaussian", "y_binomial", "y_poisson"))

# ---- Abadie-Imbens standard errors (Matching::Match) ------------------------
# Nearest-neighbour matching with replacement on MatchIt's propensity score (M = 1, 2; ATT, ATC),
# exact ties only (distance.tolerance = 0, ties = TRUE: tied controls share the set's weight), no
# bias adjustment, Var.calc = 0; Match's se with sample = FALSE and TRUE. The pairs Match made and
# their weights are written (ai_pairs.csv) with whether they are MatchIt's own sets
# (same_as_matchit; MatchIt keeps one of tied controls), and the Swift code computes the SE from them.
suppressPackageStartupMessages(library(Matching))
ai_results <- NULL
ai_pairs <- NULL
for (M in c(1, 2)) for (est in c("ATT", "ATC")) {
  mi <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
                replace = TRUE, ratio = M, estimand = est)
  run <- function(sample) Match(Y = lalonde$re78, Tr = lalonde$treat, X = mi$distance, M = M, estimand = est,
                                replace = TRUE, ties = TRUE, distance.tolerance = 0, BiasAdjust = FALSE,
                                Var.calc = 0, sample = sample)
  mp <- run(FALSE); ms <- run(TRUE)
  focal <- if (est == "ATT") mp$index.treated else mp$index.control
  other <- if (est == "ATT") mp$index.control else mp$index.treated
  mm <- mi$match.matrix
  # MatchIt's sets: rows of match.matrix named by focal unit, entries the matched row names.
  mi_sets <- lapply(seq_len(nrow(mm)), function(r) sort(as.integer(mm[r, !is.na(mm[r, ])])))
  names(mi_sets) <- rownames(mm)
  mt_sets <- lapply(split(other, focal), sort)
  same <- identical(unname(mt_sets[names(mi_sets)]), unname(mi_sets))
  design <- paste0(est, "_M", M)
  ai_pairs <- rbind(ai_pairs, data.frame(design = design, focal = focal, match = other, weight = mp$weights))
  ai_results <- rbind(ai_results, data.frame(design = design, estimate = mp$est[1, 1], se = mp$se,
                                             se_sample = ms$se, same_as_matchit = same))
}
write_fixture(ai_pairs, "ai_pairs.csv")
write_fixture(ai_results, "ai_results.csv")

# ---- bootstrap intervals: boot.ci on given replicates -----------------------
# A cluster bootstrap (by subclass) of the lalonde risk difference of employment
# with the interaction model, R = 999, and jackknife influence values (leave one
# subclass out: boot's usual.jack, L_j = (G - 1)(t0 - t_(-j))). The Swift test
# feeds these replicates and influence values to its interval code and compares
# with boot.ci's percentile and BCa limits (norm.inter interpolation).
md <- d1$md
rd <- function(md) {
  fit <- glm(employed78 ~ treat * (age + educ + race + married + nodegree + re74 + re75),
             data = md, weights = weights, family = quasibinomial())
  f <- md$treat == 1
  n1 <- md[f, ]; n1$treat <- 1
  n0 <- md[f, ]; n0$treat <- 0
  w <- md$weights[f]
  sum(w * predict(fit, n1, type = "response")) / sum(w) - sum(w * predict(fit, n0, type = "response")) / sum(w)
}
subclasses <- levels(md$subclass)
pair_boot <- function(pairs, i) {
  ids <- unlist(lapply(pairs[i], function(s) which(md$subclass == s)))
  rd(md[ids, ])
}
set.seed(99)
b <- boot(subclasses, pair_boot, R = 999)
t0 <- rd(md)
G <- length(subclasses)
jack <- vapply(subclasses, function(s) rd(md[md$subclass != s, ]), numeric(1))
L <- (G - 1) * (t0 - jack)
write_fixture(data.frame(replicate = b$t[, 1]), "bootstrap_replicates.csv")
write_fixture(data.frame(influence = unname(L), leave_out = as.integer(subclasses), t_minus = unname(jack)),
              "bootstrap_influence.csv")
ci <- boot.ci(b, conf = c(0.95, 0.9), type = c("perc", "bca"), L = L)
write_fixture(data.frame(
  estimate = t0,
  level = c(0.95, 0.9),
  percentile_lower = ci$percent[, 4], percentile_upper = ci$percent[, 5],
  bca_lower = ci$bca[, 4], bca_upper = ci$bca[, 5]), "bootstrap_intervals.csv")
cat("wrote", out_dir, "\n")
