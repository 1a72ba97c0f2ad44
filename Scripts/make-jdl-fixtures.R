#!/usr/bin/env Rscript
# =============================================================================
# make-jdl-fixtures.R -- an independent R reference for the Justice Data Lab
# replica (`[outcome] measure = "jdl"`) on the bundled synthetic data.
#
# Run from the repository root:
#
#     Rscript Scripts/make-jdl-fixtures.R
#
# Writes (overwriting) Tests/Fixtures/jdl/:
#   VERSIONS.txt        R and package versions
#   measures.csv        cohort, measure, treated_people, comparison_people,
#                       treated, comparison, difference, lower, upper,
#                       standard_error, p_value
#   match_quality.csv   cohort, covariate, before, after
#
# What it does, from the raw files Datasets/peterborough/cohort.csv and
# events.csv and the settings of Datasets/peterborough/plan-jdl.toml, written
# here from the definitions and not from the Swift code:
#   1. cohorts by release date (2010-09-09..2011-09-08, 2011-09-09..2012-09-07);
#   2. in each cohort, MatchIt 4.7 nearest-neighbour matching, logit
#      propensity score on the 12 covariates, 1:1 without replacement,
#      caliper 0.2 SD (the Swift matcher equals MatchIt here: other fixtures);
#   3. per person: an offence qualifies when committed on or after release and
#      before release + 12 calendar months, and proven (conviction or caution:
#      the JDL counts cautions) before release + 18 calendar months; a month
#      added to the 29th-31st lands on the last day of a shorter month;
#      reoffended = any qualifying offence; offences = their number;
#      days = first qualifying offence date - release date;
#   4. rate and frequency per 100 people on match.data(m) with the matching
#      weights, time to first among the reoffenders; each difference, with the
#      HC0 sandwich standard error of the weighted lm(y ~ treat) and a normal
#      reference: lmtest::coeftest(fit, vcov. = vcovHC(fit, "HC0"), df = Inf);
#   5. the JDL standardised differences: 100 * (m_T - m_C) /
#      sqrt((v_T + v_C) / 2), v = p(1 - p) for 0/1 columns, otherwise
#      cov.wt(..., method = "unbiased") (the reliability-weights variance),
#      on model.matrix columns with every factor level (as the balance table).
#
# Requires MatchIt >= 4.7.0, sandwich, lmtest (Debian: r-cran-sandwich
# r-cran-lmtest; MatchIt 4.7.2 as in Scripts/README.md).
# =============================================================================

suppressPackageStartupMessages({
  library(MatchIt)
  library(sandwich)
  library(lmtest)
})
stopifnot(packageVersion("MatchIt") >= "4.7.0")
if (!dir.exists(file.path("Tests", "Fixtures"))) stop("run this script from the repository root")
out_dir <- file.path("Tests", "Fixtures", "jdl")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
source(file.path("Scripts", "fixture-helpers.R"))

cohort <- read.csv(file.path("Datasets", "peterborough", "cohort.csv"), stringsAsFactors = FALSE)
events <- read.csv(file.path("Datasets", "peterborough", "events.csv"), stringsAsFactors = FALSE)
cohort$release <- as.Date(cohort$release_date)
events$offence <- as.Date(events$offence_date)
events$proven <- as.Date(events$conviction_date)

# Calendar months, clamped to the end of a shorter month.
add_months <- function(d, k) {
  lt <- as.POSIXlt(d)
  m <- lt$year * 12 + lt$mon + k
  y <- m %/% 12; mo <- m %% 12
  first <- as.Date(sprintf("%04d-%02d-01", y + 1900, mo + 1))
  nxt <- as.Date(sprintf("%04d-%02d-01", (m + 1) %/% 12 + 1900, (m + 1) %% 12 + 1))
  last_day <- as.integer(format(nxt - 1, "%d"))
  first + pmin(lt$mday, last_day) - 1
}

# Per-person measures (every cohort row; the JDL counts cautions).
e <- merge(events, cohort[, c("id", "release")], by = "id")
e$follow_end <- add_months(e$release, 12)
e$lag_end <- add_months(e$release, 18)
q <- e[e$offence >= e$release & e$offence < e$follow_end & e$proven < e$lag_end, ]
offences <- table(factor(q$id, levels = cohort$id))
first <- tapply(as.numeric(q$offence), factor(q$id, levels = cohort$id), min)
cohort$offences <- as.numeric(offences[cohort$id])
cohort$reoffended <- as.numeric(cohort$offences > 0)
cohort$days <- ifelse(cohort$reoffended == 1, as.numeric(first[cohort$id]) - as.numeric(cohort$release), NA)

covariates <- c("age", "gender", "ethnicity", "offence_group", "sentence_months", "prior_convictions",
                "prior_custodial", "prior_breaches", "years_since_first", "employed", "housed", "risk_score")
f <- reformulate(covariates, response = "treat")
cohorts <- list("Cohort 1" = c("2010-09-09", "2011-09-08"), "Cohort 2" = c("2011-09-09", "2012-09-07"))

z_test <- function(y, treat, w) {
  fit <- lm(y ~ treat, weights = w)
  ct <- coeftest(fit, vcov. = vcovHC(fit, type = "HC0"), df = Inf)
  est <- ct["treat", "Estimate"]; se <- ct["treat", "Std. Error"]
  c(est = est, se = se, p = ct["treat", "Pr(>|z|)"],
    lower = est - qnorm(0.975) * se, upper = est + qnorm(0.975) * se)
}

wvar <- function(x, w) {
  if (all(x == 0 | x == 1)) { p <- sum(w * x) / sum(w); return(p * (1 - p)) }
  cov.wt(matrix(x, ncol = 1), wt = w / sum(w), method = "unbiased")$cov[1, 1]
}

measures <- list(); quality <- list()
for (name in names(cohorts)) {
  r <- cohorts[[name]]
  d <- cohort[cohort$release >= as.Date(r[1]) & cohort$release <= as.Date(r[2]), ]
  d$gender <- factor(d$gender); d$ethnicity <- factor(d$ethnicity); d$offence_group <- factor(d$offence_group)
  m <- matchit(f, data = d, method = "nearest", distance = "glm", link = "logit", caliper = 0.2,
               ratio = 1, replace = FALSE)
  md <- match.data(m)
  rows <- list(
    one_year_proven_reoffending_rate = list(y = 100 * md$reoffended, keep = rep(TRUE, nrow(md))),
    frequency_of_proven_reoffences = list(y = 100 * md$offences, keep = rep(TRUE, nrow(md))),
    days_to_first_proven_reoffence = list(y = md$days, keep = md$reoffended == 1))
  for (k in names(rows)) {
    keep <- rows[[k]]$keep
    y <- rows[[k]]$y[keep]; t <- md$treat[keep]; w <- md$weights[keep]
    zt <- z_test(y, t, w)
    measures[[length(measures) + 1]] <- data.frame(
      cohort = name, measure = k, treated_people = sum(t == 1), comparison_people = sum(t == 0),
      treated = sum(w[t == 1] * y[t == 1]) / sum(w[t == 1]), comparison = sum(w[t == 0] * y[t == 0]) / sum(w[t == 0]),
      difference = unname(zt["est"]), lower = unname(zt["lower"]), upper = unname(zt["upper"]),
      standard_error = unname(zt["se"]), p_value = unname(zt["p"]))
  }
  # Balance columns: every level of every factor, as MatchIt's summary() shows them.
  X <- model.matrix(reformulate(covariates), data = d,
                    contrasts.arg = lapply(d[, c("gender", "ethnicity", "offence_group")], contrasts, contrasts = FALSE))[, -1]
  w_all <- rep(1, nrow(d)); w_after <- m$weights
  for (j in colnames(X)) {
    x <- X[, j]
    sd_diff <- function(w) {
      tt <- d$treat == 1 & w > 0; cc <- d$treat == 0 & w > 0
      mt <- sum(w[tt] * x[tt]) / sum(w[tt]); mc <- sum(w[cc] * x[cc]) / sum(w[cc])
      s <- sqrt((wvar(x[tt], w[tt]) + wvar(x[cc], w[cc])) / 2)
      if (!is.finite(s) || s == 0) NA else 100 * (mt - mc) / s
    }
    quality[[length(quality) + 1]] <- data.frame(cohort = name, covariate = j, before = sd_diff(w_all), after = sd_diff(w_after))
  }
}

write_fixture(do.call(rbind, measures), "measures.csv")
write_fixture(do.call(rbind, quality), "match_quality.csv")
writeLines(c(R.version.string, paste("MatchIt", packageVersion("MatchIt")), paste("sandwich", packageVersion("sandwich")),
             paste("lmtest", packageVersion("lmtest"))), file.path(out_dir, "VERSIONS.txt"))
cat("wrote", out_dir, "\n")
