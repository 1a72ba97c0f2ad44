#!/usr/bin/env Rscript
# =============================================================================
# make-outcome-fixtures.R -- R reference values for the Distributions and
# Outcomes modules of Counterfactual.
#
# Run from the repository root:
#
#     Rscript Scripts/make-outcome-fixtures.R
#
# Writes (overwriting) Tests/Fixtures/outcomes/:
#   VERSIONS.txt             R and package versions, generation date
#   distributions.csv        pnorm/qnorm/pt/qt/pchisq/qchisq/lgamma/... values
#   <design>_data.csv        the matched-sample inputs, one row per lalonde unit
#   <design>_<result>.csv    R results on that design (see below)
# where <design> is
#   nn_1to1          matchit(treat ~ ..., data = lalonde)                 (weights 1)
#   nn_2to1_replace  matchit(treat ~ ..., ratio = 2, replace = TRUE)      (weights not all 1)
#
# Inputs. Every <design>_data.csv has one row per lalonde row (614), in the
# order of Datasets/lalonde.csv: row, id, treat, weight (0 = not in the
# matched sample), subclass (NA when unmatched or with replacement),
# cluster (the cluster id used for the cluster-robust results: the subclass
# for nn_1to1, the row number for nn_2to1_replace, NA when weight = 0),
# cluster_alt (a second, coarser clustering: (row %% 37) + 1 for matched
# units), re78, employed (re78 > 0), count, time, event.
# `count`, `time` and `event` are SIMULATED ONCE here with set.seed() (one
# value per lalonde row, so both designs share them) and written out: the
# Swift tests read them and never re-simulate.
#
# Models are fitted on match.data(m), i.e. on the units with weight > 0,
# which is what the Swift code does (it drops weight-0 units first).
#
# Conventions: CSV with header, "\n" line endings, doubles as
# sprintf("%.17g"), NA as an empty field, logicals as 0/1.
#
# Requires MatchIt >= 4.7.0, sandwich, lmtest, survival, MASS (Debian:
# r-cran-sandwich r-cran-lmtest r-cran-survival r-cran-mass; MatchIt 4.7.2 as
# in Scripts/README.md).
# =============================================================================

suppressPackageStartupMessages({
  library(MatchIt)
  library(sandwich)
  library(lmtest)
  library(survival)
  library(MASS)
})

stopifnot(packageVersion("MatchIt") >= "4.7.0")

out_dir <- file.path("Tests", "Fixtures", "outcomes")
if (!dir.exists(file.path("Tests", "Fixtures"))) {
  stop("run this script from the repository root")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------- writers ---
source(file.path("Scripts", "fixture-helpers.R"))   # fmt_col, write_fixture

# ----------------------------------------------------------- distributions ---
dist_rows <- list()
add <- function(fun, x, a = NA_real_, b = NA_real_, value) {
  dist_rows[[length(dist_rows) + 1L]] <<- data.frame(
    fun = fun, x = x, a = a, b = b, value = value, stringsAsFactors = FALSE)
}

xs_norm <- c(seq(-37.5, 8.5, by = 0.25), -1e-3, 1e-3, 1.959963984540054)
add("pnorm", xs_norm, value = pnorm(xs_norm))
add("pnorm_upper", -xs_norm, value = pnorm(-xs_norm, lower.tail = FALSE))
ps_norm <- c(10^-(seq(1, 300, by = 7)), seq(0.01, 0.99, by = 0.01), 0.975, 0.995,
             1 - 10^-(1:15))
add("qnorm", ps_norm, value = qnorm(ps_norm))

dfs_t <- c(0.7, 1, 2, 3, 4.5, 5, 7.25, 10, 29.5, 30, 100, 367.8, 1000, 1e5, 5e5)
xs_t <- c(-1e120, -1e8, -1000, -50, -10, -5, -3, -2.5, -2, -1.96, -1, -0.5, -0.1, 0,
          0.1, 0.5, 1, 1.96, 2, 2.5, 3, 5, 10, 50, 1000, 1e8)
for (df in dfs_t) {
  add("pt", xs_t, df, value = pt(xs_t, df))
  add("pt_upper", xs_t, df, value = pt(xs_t, df, lower.tail = FALSE))
  add("pt_two_sided", xs_t, df, value = 2 * pt(-abs(xs_t), df))
}
ps_t <- c(1e-300, 1e-100, 1e-12, 1e-8, 1e-4, 0.001, 0.01, 0.025, 0.05, 0.1, 0.3, 0.45,
          0.5, 0.55, 0.7, 0.9, 0.95, 0.975, 0.99, 0.999999)
for (df in dfs_t) add("qt", ps_t, df, value = qt(ps_t, df))

dfs_chi <- c(0.5, 1, 2, 3, 4, 5, 7.5, 10, 30, 100, 1000)
for (df in dfs_chi) {
  xs <- sort(unique(c(1e-10, 1e-4, 0.01, 0.1, 0.5, 1, 2, 3.841458820694124,
                      5, 10, 20, 50, 100, 300, df * c(0.5, 0.9, 1, 1.1, 1.5, 2))))
  add("pchisq", xs, df, value = pchisq(xs, df))
  add("pchisq_upper", xs, df, value = pchisq(xs, df, lower.tail = FALSE))
}
ps_chi <- c(1e-100, 1e-10, 1e-4, 0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1 - 1e-10)
for (df in dfs_chi) add("qchisq", ps_chi, df, value = qchisq(ps_chi, df))

xs_g <- c(1e-8, 0.01, 0.1, 0.5, 0.9, 1, 1.5, 2, 2.5, 3.7, 5, 9.99, 10, 10.5, 25.3,
          100, 1234.5, 1e6)
add("lgamma", xs_g, value = lgamma(xs_g))
add("digamma", xs_g, value = digamma(xs_g))
add("trigamma", xs_g, value = trigamma(xs_g))
ab <- expand.grid(a = c(0.5, 1, 2.5, 9.5, 10, 50, 1000), b = c(0.5, 3, 12, 400))
add("lbeta", NA_real_, ab$a, ab$b, value = lbeta(ab$a, ab$b))
for (k in seq_len(nrow(ab))) {
  xs <- c(1e-6, 0.01, 0.2, 0.5, 0.8, 0.99)
  add("pbeta", xs, ab$a[k], ab$b[k], value = pbeta(xs, ab$a[k], ab$b[k]))
  add("pbeta_upper", xs, ab$a[k], ab$b[k],
      value = pbeta(xs, ab$a[k], ab$b[k], lower.tail = FALSE))
}
# Large first shape, small second (the t distribution with many degrees of freedom).
ab2 <- expand.grid(a = c(60, 500, 5e4), b = c(0.2, 0.5, 1))
for (k in seq_len(nrow(ab2))) {
  xs <- c(0.3, 0.5, 0.9, 0.99, 0.999, 1 - 1e-5, 1 - 1e-7)
  add("pbeta", xs, ab2$a[k], ab2$b[k], value = pbeta(xs, ab2$a[k], ab2$b[k]))
  add("pbeta_upper", xs, ab2$a[k], ab2$b[k],
      value = pbeta(xs, ab2$a[k], ab2$b[k], lower.tail = FALSE))
  add("pbeta", 1 - xs, ab2$b[k], ab2$a[k], value = pbeta(1 - xs, ab2$b[k], ab2$a[k]))
  add("pbeta_upper", 1 - xs, ab2$b[k], ab2$a[k],
      value = pbeta(1 - xs, ab2$b[k], ab2$a[k], lower.tail = FALSE))
}
for (shape in c(0.5, 1, 3, 12.5, 150)) {
  xs <- c(0.001, 0.5, 1, 2, 5, 12, 40, 150, 200)
  add("pgamma", xs, shape, value = pgamma(xs, shape))
  add("pgamma_upper", xs, shape, value = pgamma(xs, shape, lower.tail = FALSE))
}
write_fixture(do.call(rbind, dist_rows), "distributions.csv")

# ------------------------------------------------------------ the cohort ---
data("lalonde", package = "MatchIt")
n <- nrow(lalonde)
covs <- treat ~ age + educ + race + married + nodegree + re74 + re75

# Simulated outcomes, drawn ONCE per lalonde row (both designs share them).
set.seed(20251123)
# Count of reconviction events: negative binomial, fewer for the treated.
count <- rnbinom(n, size = 1.3,
                 mu = exp(0.45 - 0.3 * lalonde$treat + 0.015 * (lalonde$age - 25)))
# Days to first reconviction, follow-up up to 730 days, random censoring;
# whole days, so there are ties.
t_event <- ceiling(rexp(n, rate = exp(-6.4 - 0.35 * lalonde$treat +
                                        0.01 * (lalonde$age - 25))))
t_censor <- ceiling(runif(n, 150, 1000))
time <- pmin(t_event, t_censor, 730)
event <- as.integer(t_event <= pmin(t_censor, 730))

designs <- list(
  nn_1to1 = matchit(covs, data = lalonde),
  nn_2to1_replace = matchit(covs, data = lalonde, ratio = 2, replace = TRUE)
)

for (design in names(designs)) {
  m <- designs[[design]]
  w <- as.numeric(m$weights)
  subclass <- if (is.null(m$subclass)) rep(NA_integer_, n) else as.integer(as.character(m$subclass))
  cluster <- if (design == "nn_1to1") subclass else seq_len(n)
  cluster[w == 0] <- NA
  cluster_alt <- ifelse(w > 0, (seq_len(n) %% 37L) + 1L, NA_integer_)
  d <- data.frame(row = seq_len(n), id = rownames(lalonde), treat = lalonde$treat,
                  weight = w, subclass = subclass, cluster = as.integer(cluster),
                  cluster_alt = as.integer(cluster_alt), re78 = lalonde$re78,
                  employed = as.integer(lalonde$re78 > 0), count = as.integer(count),
                  time = time, event = event, stringsAsFactors = FALSE)
  write_fixture(d, paste0(design, "_data.csv"))

  md <- d[d$weight > 0, ]   # the matched sample (what match.data() returns)
  tr <- md$treat == 1

  # -- group rates ------------------------------------------------------
  rates <- do.call(rbind, lapply(c("re78", "employed", "count"), function(v) {
    y <- md[[v]]
    tm <- sum(md$weight[tr] * y[tr]) / sum(md$weight[tr])
    cm <- sum(md$weight[!tr] * y[!tr]) / sum(md$weight[!tr])
    data.frame(outcome = v, treated_mean = tm, comparison_mean = cm,
               difference = tm - cm, relative_reduction = 1 - tm / cm,
               n_treated = sum(tr), n_comparison = sum(!tr),
               weight_treated = sum(md$weight[tr]), weight_comparison = sum(md$weight[!tr]))
  }))
  write_fixture(rates, paste0(design, "_rates.csv"))

  # -- weighted linear model ----------------------------------------------
  lm_rows <- list(); rr_rows <- list()
  for (v in c("re78", "employed", "count")) {
    md$y <- md[[v]]
    fit <- lm(y ~ treat, data = md, weights = weight)
    b <- coef(fit)
    vc <- list(classical = vcov(fit),
               cluster = vcovCL(fit, cluster = ~cluster),
               cluster_alt = vcovCL(fit, cluster = ~cluster_alt),
               none = vcovCL(fit))
    for (k in names(vc)) {
      ct <- coeftest(fit, vcov. = vc[[k]])
      ci <- coefci(fit, vcov. = vc[[k]])
      lm_rows[[length(lm_rows) + 1L]] <- data.frame(
        outcome = v, vcov = k, term = rownames(ct), estimate = ct[, 1],
        std_error = ct[, 2], statistic = ct[, 3], df = df.residual(fit),
        p_value = ct[, 4], ci_lower = ci[, 1], ci_upper = ci[, 2],
        sigma = summary(fit)$sigma, stringsAsFactors = FALSE)
      # Relative reduction 1 - (b0 + b1)/b0 = -b1/b0 by the delta method.
      g <- c(b[2] / b[1]^2, -1 / b[1])
      se <- sqrt(drop(t(g) %*% vc[[k]] %*% g))
      rr <- -b[2] / b[1]
      q <- qt(0.975, df.residual(fit))
      rr_rows[[length(rr_rows) + 1L]] <- data.frame(
        outcome = v, vcov = k, relative_reduction = unname(rr), std_error = se,
        ci_lower = unname(rr - q * se), ci_upper = unname(rr + q * se))
    }
  }
  write_fixture(do.call(rbind, lm_rows), paste0(design, "_lm.csv"))
  write_fixture(do.call(rbind, rr_rows), paste0(design, "_lm_relative_reduction.csv"))

  # -- two-sample tests -----------------------------------------------------
  welch <- do.call(rbind, lapply(c("re78", "count"), function(v) {
    tt <- t.test(md[[v]][tr], md[[v]][!tr])
    data.frame(outcome = v, mean_treated = unname(tt$estimate[1]),
               mean_comparison = unname(tt$estimate[2]), statistic = unname(tt$statistic),
               df = unname(tt$parameter), p_value = tt$p.value,
               ci_lower = tt$conf.int[1], ci_upper = tt$conf.int[2], std_error = tt$stderr)
  }))
  write_fixture(welch, paste0(design, "_welch.csv"))

  x <- c(sum(md$employed[tr]), sum(md$employed[!tr]))
  nn <- c(sum(tr), sum(!tr))
  pt2 <- prop.test(x, nn)
  write_fixture(data.frame(successes_treated = x[1], successes_comparison = x[2],
                           n_treated = nn[1], n_comparison = nn[2],
                           prop_treated = unname(pt2$estimate[1]),
                           prop_comparison = unname(pt2$estimate[2]),
                           statistic = unname(pt2$statistic), df = unname(pt2$parameter),
                           p_value = pt2$p.value, ci_lower = pt2$conf.int[1],
                           ci_upper = pt2$conf.int[2]),
                paste0(design, "_prop_test.csv"))

  # Weighted z-test = weighted lm with the HC0 sandwich and a normal reference.
  z_rows <- lapply(c("re78", "employed", "count"), function(v) {
    md$y <- md[[v]]
    fit <- lm(y ~ treat, data = md, weights = weight)
    V <- vcovHC(fit, type = "HC0")
    ct <- coeftest(fit, vcov. = V, df = Inf)
    ci <- coefci(fit, vcov. = V, df = Inf)
    data.frame(outcome = v, difference = ct[2, 1], std_error = ct[2, 2],
               statistic = ct[2, 3], p_value = ct[2, 4],
               ci_lower = ci[2, 1], ci_upper = ci[2, 2])
  })
  write_fixture(do.call(rbind, z_rows), paste0(design, "_ztest.csv"))

  # -- count models -----------------------------------------------------------
  pois <- glm(count ~ treat, family = poisson, data = md, weights = weight)
  nb <- glm.nb(count ~ treat, data = md, weights = weight)
  count_rows <- list()
  for (model in c("poisson", "negbin")) {
    fit <- if (model == "poisson") pois else nb
    vc <- list(model = vcov(fit), cluster = vcovCL(fit, cluster = ~cluster),
               cluster_alt = vcovCL(fit, cluster = ~cluster_alt), none = vcovCL(fit))
    for (k in names(vc)) {
      ct <- coeftest(fit, vcov. = vc[[k]])
      ci <- coefci(fit, vcov. = vc[[k]])
      count_rows[[length(count_rows) + 1L]] <- data.frame(
        model = model, vcov = k, term = rownames(ct), estimate = ct[, 1],
        std_error = ct[, 2], statistic = ct[, 3], p_value = ct[, 4],
        ci_lower = ci[, 1], ci_upper = ci[, 2],
        rate_ratio = exp(ct[, 1]), rr_lower = exp(ci[, 1]), rr_upper = exp(ci[, 2]),
        deviance = fit$deviance, null_deviance = fit$null.deviance,
        iterations = fit$iter, df_residual = fit$df.residual,
        theta = if (model == "negbin") fit$theta else NA_real_,
        theta_se = if (model == "negbin") fit$SE.theta else NA_real_,
        two_log_lik = if (model == "negbin") fit$twologlik else NA_real_,
        stringsAsFactors = FALSE)
    }
  }
  write_fixture(do.call(rbind, count_rows), paste0(design, "_count_models.csv"))

  # -- survival -----------------------------------------------------------------
  km_rows <- list()
  for (variant in c("default", "greenwood", "robust")) {
    sf <- switch(variant,
      default = survfit(Surv(time, event) ~ treat, data = md, weights = weight),
      greenwood = survfit(Surv(time, event) ~ treat, data = md, weights = weight, robust = FALSE),
      robust = survfit(Surv(time, event) ~ treat, data = md, weights = weight, robust = TRUE))
    strata <- rep(c(0L, 1L), sf$strata)
    km_rows[[length(km_rows) + 1L]] <- data.frame(
      variant = variant, treat = strata, time = sf$time, n_risk = sf$n.risk,
      n_event = sf$n.event, n_censor = sf$n.censor, surv = sf$surv,
      std_err = sf$std.err, logse = as.integer(sf$logse), stringsAsFactors = FALSE)
  }
  write_fixture(do.call(rbind, km_rows), paste0(design, "_kaplan_meier.csv"))

  sd <- survdiff(Surv(time, event) ~ treat, data = md)
  write_fixture(data.frame(group = c(0L, 1L), n = as.integer(sd$n), observed = sd$obs,
                           expected = sd$exp, variance = sd$var[1, 1],
                           chisq = sd$chisq,
                           p_value = pchisq(sd$chisq, 1, lower.tail = FALSE)),
                paste0(design, "_logrank.csv"))
}

# ---------------------------------------------------------------- versions ---
pv <- function(p) as.character(packageVersion(p))
writeLines(c(
  paste("generated:", format(Sys.time(), "%Y-%m-%d %H:%M:%S", tz = "UTC"), "UTC"),
  paste("R:", R.version.string),
  paste("platform:", R.version$platform),
  paste("MatchIt:", pv("MatchIt")),
  paste("sandwich:", pv("sandwich")),
  paste("lmtest:", pv("lmtest")),
  paste("survival:", pv("survival")),
  paste("MASS:", pv("MASS")),
  "script: Scripts/make-outcome-fixtures.R"
), file.path(out_dir, "VERSIONS.txt"))
