#!/usr/bin/env Rscript
# =============================================================================
# make-design-fixtures.R -- R reference values for the Design module of
# Counterfactual (contract thresholds and power).
#
# Run from the repository root:
#
#     Rscript Scripts/make-design-fixtures.R
#
# Writes (overwriting) Tests/Fixtures/design/:
#   VERSIONS.txt         R and package versions, generation date
#   count_mde.csv        count outcome (negative binomial / Poisson): power at
#                        given reductions, and the minimum detectable relative
#                        reduction by uniroot on the same power formula
#   proportion_mde.csv   binary outcome: power.prop.test (equal groups, pooled
#                        null variance), and the general formula with uniroot
#                        (unequal groups, pooled or unpooled null variance)
#   pilot_counts.csv     per-person pilot counts simulated ONCE here (rnbinom,
#                        set.seed) and written out; the Swift tests read them
#   pilot_estimates.csv  mean, var, method-of-moments theta and
#                        MASS::theta.mm(y, mean(y), n - 1) for each pilot
#   zero_fraction.csv    NB size theta with P(Y = 0) = p0 at mean mu (uniroot)
#
# Formulas (the same as Sources/Design/Assumptions.swift):
#   counts: mu_T = (1 - delta) mu_C, V(mu) = mu + mu^2 / theta (mu if Poisson),
#           SE = sqrt(V(mu_T)/n_T + V(mu_C)/n_C), x = delta mu_C / SE,
#           power = pnorm(x - z) [+ pnorm(-x - z) two-sided strict],
#           z = qnorm(1 - alpha/2) two-sided, qnorm(1 - alpha) one-sided.
#   proportions: p_T = (1 - delta) p_C, SE1^2 = p_T q_T/n_T + p_C q_C/n_C,
#           SE0^2 = pbar qbar (1/n_T + 1/n_C), pbar = (n_T p_T + n_C p_C)/(n_T + n_C)
#           (pooled) or SE0 = SE1 (unpooled);
#           power = pnorm((d - z SE0)/SE1) [+ pnorm((-d - z SE0)/SE1) strict].
#
# uniroot is run with tol = 1e-15 (the default .Machine$double.eps^0.25 is far
# too loose for a 1e-8 comparison); power.prop.test likewise gets tol = 1e-15.
#
# Conventions: CSV with header, "\n" line endings, doubles as
# sprintf("%.17g") (Inf for an infinite theta), logicals as 0/1.
#
# Requires MASS (Debian: r-cran-mass). No network access is needed.
# =============================================================================

suppressPackageStartupMessages(library(MASS))

out_dir <- file.path("Tests", "Fixtures", "design")
if (!dir.exists(file.path("Tests", "Fixtures"))) {
  stop("run this script from the repository root")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# ---------------------------------------------------------------- writers ---
source(file.path("Scripts", "fixture-helpers.R"))   # fmt_col, write_fixture

TOL <- 1e-15
crit <- function(alpha, alternative) {
  if (alternative == "two.sided") qnorm(alpha / 2, lower.tail = FALSE) else qnorm(alpha, lower.tail = FALSE)
}

# ------------------------------------------------------------------ counts ---
count_power <- function(delta, mu, theta, nT, nC, alpha, alternative, strict) {
  V <- function(m) if (is.infinite(theta)) m else m + m^2 / theta
  muT <- (1 - delta) * mu
  se <- sqrt(V(muT) / nT + V(mu) / nC)
  x <- delta * mu / se
  z <- crit(alpha, alternative)
  p <- pnorm(x - z)
  if (strict && alternative == "two.sided") p <- p + pnorm(x + z, lower.tail = FALSE)
  p
}

count_cases <- expand.grid(
  mu = c(1.55, 0.6, 3.2),
  theta = c(0.941656873876177, 1.5, 4, Inf),
  sizes = c("1000:1000", "1000:10000", "250:500", "3000:3000"),
  alpha = c(0.05, 0.1),
  power = c(0.8, 0.9),
  alternative = c("two.sided", "one.sided"),
  strict = c(FALSE, TRUE),
  stringsAsFactors = FALSE)
count_cases <- count_cases[!(count_cases$strict & count_cases$alternative == "one.sided"), ]

count_rows <- lapply(seq_len(nrow(count_cases)), function(i) {
  cs <- count_cases[i, ]
  n <- as.integer(strsplit(cs$sizes, ":")[[1]])
  f <- function(d) count_power(d, cs$mu, cs$theta, n[1], n[2], cs$alpha, cs$alternative, cs$strict)
  top <- f(1)
  mde <- if (top > cs$power) uniroot(function(d) f(d) - cs$power, c(0, 1), tol = TOL, maxiter = 10000)$root else NA_real_
  data.frame(case = i, mu = cs$mu, theta = cs$theta, n_treated = n[1], n_comparison = n[2],
             alpha = cs$alpha, power = cs$power, alternative = cs$alternative, strict = cs$strict,
             power_at_0.05 = f(0.05), power_at_0.10 = f(0.10), power_at_0.20 = f(0.20),
             mde = mde, stringsAsFactors = FALSE)
})
write_fixture(do.call(rbind, count_rows), "count_mde.csv")

# ------------------------------------------------------------- proportions ---
prop_power <- function(delta, pC, nT, nC, alpha, alternative, strict, pooled) {
  pT <- (1 - delta) * pC
  d <- pC - pT
  se1 <- sqrt(pT * (1 - pT) / nT + pC * (1 - pC) / nC)
  se0 <- if (pooled) {
    pbar <- (nT * pT + nC * pC) / (nT + nC)
    sqrt(pbar * (1 - pbar) * (1 / nT + 1 / nC))
  } else se1
  z <- crit(alpha, alternative)
  p <- pnorm((d - z * se0) / se1)
  if (strict && alternative == "two.sided") p <- p + pnorm((d + z * se0) / se1, lower.tail = FALSE)
  p
}

prop_cases <- expand.grid(
  pC = c(0.60, 0.25, 0.85),
  sizes = c("1000:1000", "2000:2000", "300:300", "1000:5000", "800:1200"),
  alpha = c(0.05, 0.01),
  power = c(0.8, 0.9),
  alternative = c("two.sided", "one.sided"),
  strict = c(FALSE, TRUE),
  pooled = c(TRUE, FALSE),
  stringsAsFactors = FALSE)
prop_cases <- prop_cases[!(prop_cases$strict & prop_cases$alternative == "one.sided"), ]

prop_rows <- lapply(seq_len(nrow(prop_cases)), function(i) {
  cs <- prop_cases[i, ]
  n <- as.integer(strsplit(cs$sizes, ":")[[1]])
  f <- function(d) prop_power(d, cs$pC, n[1], n[2], cs$alpha, cs$alternative, cs$strict, cs$pooled)
  equal_pooled <- n[1] == n[2] && cs$pooled
  if (equal_pooled) {
    # R's own function: p2 = comparison proportion, solve for p1 = treated.
    sol <- power.prop.test(n = n[1], p2 = cs$pC, power = cs$power, sig.level = cs$alpha,
                           alternative = cs$alternative, strict = cs$strict, tol = TOL)
    mde <- 1 - sol$p1 / cs$pC
    pw <- function(d) power.prop.test(n = n[1], p1 = (1 - d) * cs$pC, p2 = cs$pC, sig.level = cs$alpha,
                                      alternative = cs$alternative, strict = cs$strict)$power
    source <- "power.prop.test"
  } else {
    mde <- uniroot(function(d) f(d) - cs$power, c(0, 1), tol = TOL, maxiter = 10000)$root
    pw <- f
    source <- "uniroot"
  }
  data.frame(case = i, p_comparison = cs$pC, n_treated = n[1], n_comparison = n[2], alpha = cs$alpha,
             power = cs$power, alternative = cs$alternative, strict = cs$strict, pooled = cs$pooled,
             source = source, power_at_0.05 = pw(0.05), power_at_0.10 = pw(0.10), power_at_0.20 = pw(0.20),
             mde = mde, stringsAsFactors = FALSE)
})
write_fixture(do.call(rbind, prop_rows), "proportion_mde.csv")

# ------------------------------------------------------------------- pilot ---
set.seed(20100909)
pilots <- list(
  list(name = "nb_peterborough", y = rnbinom(500, size = 0.94, mu = 1.55)),
  list(name = "nb_small", y = rnbinom(60, size = 2.5, mu = 0.8)),
  list(name = "nb_large_theta", y = rnbinom(2000, size = 12, mu = 3)),
  list(name = "underdispersed", y = rep(c(1L, 2L, 1L, 2L, 3L), 20))
)
write_fixture(do.call(rbind, lapply(pilots, function(p)
  data.frame(pilot = p$name, y = as.integer(p$y), stringsAsFactors = FALSE))), "pilot_counts.csv")
write_fixture(do.call(rbind, lapply(pilots, function(p) {
  y <- p$y; m <- mean(y); s2 <- var(y); n <- length(y)
  mom <- if (s2 > m) m^2 / (s2 - m) else Inf
  tmm <- if (s2 > m) suppressWarnings(theta.mm(y, mu = rep(m, n), dfr = n - 1, limit = 100, eps = 1e-14)) else Inf
  data.frame(pilot = p$name, n = n, mean = m, variance = s2, theta_mom = mom, theta_mm = as.numeric(tmm),
             zero_fraction = mean(y == 0), stringsAsFactors = FALSE)
})), "pilot_estimates.csv")

# ----------------------------------------------------------- zero fraction ---
zf <- expand.grid(p0 = c(0.40, 0.30, 0.55, 0.90), mu = c(1.55, 1.70, 0.8, 4))
zf <- zf[zf$p0 > exp(-zf$mu), ]
zf$theta <- mapply(function(p0, mu) {
  g <- function(t) { th <- exp(t); -th * log1p(mu / th) - log(p0) }
  exp(uniroot(g, c(-40, 40), tol = TOL, maxiter = 10000)$root)
}, zf$p0, zf$mu)
write_fixture(zf, "zero_fraction.csv")

# ---------------------------------------------------------------- versions ---
writeLines(c(
  paste("generated:", format(Sys.time(), tz = "UTC", usetz = TRUE)),
  paste("R:", R.version.string),
  paste("platform:", R.version$platform),
  paste("MASS:", as.character(packageVersion("MASS"))),
  "script: Scripts/make-design-fixtures.R"
), file.path(out_dir, "VERSIONS.txt"))
