#!/usr/bin/env Rscript
# =============================================================================
# make-sensitivity-fixtures.R -- R reference values for Sources/Sensitivity:
# Rosenbaum bounds (rbounds 2.2: binarysens, psens, hlsens, mcontrol) and
# E-values (EValue 4.1.4: evalues.RR, evalues.OR, evalues.HR).
#
# Run from the repository root:
#
#     Rscript Scripts/make-sensitivity-fixtures.R
#
# Needs MatchIt 4.7.2, rbounds 2.2, EValue 4.1.4 (with MetaUtility 2.1.2 for
# EValue's imports), all built from source as Scripts/README.md describes.
#
# rbounds rounds what it returns (round(p, 4) or round(p, 5), signif(., 5)).
# The unrounded numbers come from rbounds' own functions run with `round` and
# `signif` replaced by the identity in their environment (unrounded() below),
# so the code that runs is the package's; the rounded tables are written too.
#
# Writes (overwriting) Tests/Fixtures/sensitivity/:
#   VERSIONS.txt          R and package versions, generation date
#   lead_pairs.csv        rbounds' psens/hlsens example (Rosenbaum 2002 ch. 4)
#   lalonde_pairs.csv     MatchIt nearest 1:1 on lalonde: treated and control
#                         re78 per pair (pair order = match.matrix rows)
#   lalonde_sets.csv      MatchIt nearest 2:1: set, treat, re78 (treated first)
#   mcontrol_example.csv  rbounds' mcontrol example: set, treat, score
#   binary.csv            per case and Gamma: d (= max(x, y)), n, the correct
#                         P(X >= d) bounds and binarysens' P(X > d) bounds
#   signed_rank.csv       per case and Gamma: T, E+, E-, V, psens' unrounded
#                         and rounded bounds, upper tails by pnorm(lower = FALSE)
#   hodges_lehmann.csv    per case and Gamma: hlsens' unrounded bounds, its
#                         start (wilcox.test estimate) and step pr (0.1;
#                         10 for re78 in dollars), and the
#                         exact Walsh-average crossings (Rosenbaum 1993)
#   matched_sets.csv      per case and Gamma: mcontrol's unrounded and rounded
#                         bounds, and the Gastwirth-Krieger-Rosenbaum bounds
#                         (variance at the maximiser of the mean), written out
#   critical_gamma.csv    per case: the Gamma where the upper bound reaches
#                         alpha, by uniroot (tol 1e-14) on the correct tests
#                         (NA: not significant at Gamma = 1)
#   evalues.csv           E-values for RR/OR/HR cases
#   peterborough.csv      the bundled evaluation's cohorts matched by MatchIt,
#                         outcomes by the plan's rule: per measure and Gamma,
#                         the upper bound, psens' (events) and the critical
#                         Gamma at alpha/2
# =============================================================================

suppressPackageStartupMessages({ library(MatchIt); library(rbounds); library(EValue) })

out_dir <- file.path("Tests", "Fixtures", "sensitivity")
if (!dir.exists(file.path("Tests", "Fixtures"))) stop("run this script from the repository root")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
source(file.path("Scripts", "fixture-helpers.R"))   # fmt_col, write_fixture

unrounded <- function(f) {
  environment(f) <- list2env(list(round = function(x, digits = 0) x, signif = function(x, digits = 6) x),
                             parent = asNamespace("rbounds"))
  f
}
gammas <- seq(1, 6, by = 0.5)

# ------------------------------------------------------------------ data ---
lead_trt <- c(38, 23, 41, 18, 37, 36, 23, 62, 31, 34, 24, 14, 21, 17, 16, 20,
              15, 10, 45, 39, 22, 35, 49, 48, 44, 35, 43, 39, 34, 13, 73, 25, 27)
lead_ctrl <- c(16, 18, 18, 24, 19, 11, 10, 15, 16, 18, 18, 13, 19, 10, 16,
               16, 24, 13, 9, 14, 21, 19, 7, 18, 19, 12, 11, 22, 25, 16, 13, 11, 13)
write_fixture(data.frame(treated = lead_trt, control = lead_ctrl), "lead_pairs.csv")

data("lalonde", package = "MatchIt")
f <- treat ~ age + educ + race + married + nodegree + re74 + re75
m1 <- matchit(f, data = lalonde, method = "nearest")
mm1 <- m1$match.matrix
lal_trt <- lalonde[rownames(mm1), "re78"]
lal_ctrl <- lalonde[mm1[, 1], "re78"]
write_fixture(data.frame(treated = lal_trt, control = lal_ctrl), "lalonde_pairs.csv")

m2 <- matchit(f, data = lalonde, method = "nearest", ratio = 2)
mm2 <- m2$match.matrix
stopifnot(!anyNA(mm2))
sets <- do.call(rbind, lapply(seq_len(nrow(mm2)), function(k)
  data.frame(set = k, treat = c(1L, 0L, 0L), re78 = lalonde[c(rownames(mm2)[k], mm2[k, ]), "re78"])))
write_fixture(sets, "lalonde_sets.csv")

mc_grp <- rep(1:12, each = 3)
mc_trt <- rep(c(1L, 0L, 0L), 12)
mc_score <- c(-11.39,-8.45, -19.57,-8.33, 3.06, -19.93,-18.73,-11.99,-7.55,
              11.94, 9.4, -25.16,-0.77, -10.46,-7.27, 24.03, -8.23, 2.67,
              -4.04, -6.67, -1.12, -14.4, -26.21,5, -1.7, -15.3, -7.73,
              -0.87, -19.71,-12.69, -3.36, -11.21,-35.83,5.89, -10.79,2)
write_fixture(data.frame(set = mc_grp, treat = mc_trt, score = mc_score), "mcontrol_example.csv")

# ------------------------------------------------------- binary (McNemar) ---
# Correct: P(X >= d) = pbinom(d - 1, n, p, lower.tail = FALSE); binarysens: 1 - pbinom(d, n, p).
binary_case <- function(name, x, y) {
  d <- max(x, y); n <- x + y
  rb <- unrounded(binarysens)(x, y, Gamma = 6, GammaInc = 0.5)$bounds
  rr <- binarysens(x, y, Gamma = 6, GammaInc = 0.5)$bounds
  data.frame(case = name, x = x, y = y, d = d, n = n, gamma = gammas,
             lower = pbinom(d - 1, n, 1 / (1 + gammas), lower.tail = FALSE),
             upper = pbinom(d - 1, n, gammas / (1 + gammas), lower.tail = FALSE),
             rbounds_lower = rb[, 2], rbounds_upper = rb[, 3],
             rbounds_lower_rounded = rr[, 2], rbounds_upper_rounded = rr[, 3])
}
lal_bin_x <- sum(lal_trt > 0 & lal_ctrl == 0); lal_bin_y <- sum(lal_trt == 0 & lal_ctrl > 0)
binary <- rbind(binary_case("rosenbaum_p112", 12, 110),
                binary_case("lalonde_employed", lal_bin_x, lal_bin_y),
                binary_case("small_5_0", 5, 0),
                binary_case("small_7_3", 7, 3))
write_fixture(binary, "binary.csv")

# ---------------------------------------------------- Wilcoxon signed rank ---
signed_rank_case <- function(name, trt, ctrl) {
  d <- trt - ctrl; d <- d[d != 0]
  q <- rank(abs(d)); T <- sum(q[d > 0])
  pp <- gammas / (1 + gammas); pm <- 1 / (1 + gammas)
  V <- sum(q^2) * pp * (1 - pp)
  rb <- unrounded(psens)(trt, ctrl, Gamma = 6, GammaInc = 0.5)$bounds
  rr <- psens(trt, ctrl, Gamma = 6, GammaInc = 0.5)$bounds
  data.frame(case = name, gamma = gammas, T = T, e_plus = sum(q) * pp, e_minus = sum(q) * pm, v = V,
             rbounds_lower = rb[, 2], rbounds_upper = rb[, 3],
             rbounds_lower_rounded = rr[, 2], rbounds_upper_rounded = rr[, 3],
             lower_tail = pnorm((T - sum(q) * pm) / sqrt(V), lower.tail = FALSE),
             upper_tail = pnorm((T - sum(q) * pp) / sqrt(V), lower.tail = FALSE))
}
signed_rank <- rbind(signed_rank_case("lead", lead_trt, lead_ctrl),
                     signed_rank_case("lalonde_re78", lal_trt, lal_ctrl))
write_fixture(signed_rank, "signed_rank.csv")

# -------------------------------------------------------- Hodges-Lehmann ---
hl_case <- function(name, x, y, pr) {
  rb <- unrounded(hlsens)(x, y, pr = pr, Gamma = 6, GammaInc = 0.5)$bounds
  rr <- hlsens(x, y, pr = pr, Gamma = 6, GammaInc = 0.5)$bounds
  if (mean(x) - mean(y) > 0) { trt <- x; ctrl <- y } else { trt <- y; ctrl <- x }
  d <- trt - ctrl
  w <- outer(d, d, "+") / 2; w <- sort(w[upper.tri(w, diag = TRUE)], decreasing = TRUE)
  M <- length(w)
  crossing <- function(mu) (w[floor(mu) + 1] + w[ceiling(mu)]) / 2
  start <- wilcox.test(trt, ctrl, paired = TRUE, conf.int = TRUE, exact = FALSE)$estimate
  data.frame(case = name, gamma = gammas, pr = pr, start = unname(start),
             rbounds_lower = rb[, 2], rbounds_upper = rb[, 3],
             rbounds_lower_rounded = rr[, 2], rbounds_upper_rounded = rr[, 3],
             exact_lower = sapply(gammas, function(g) crossing(M * g / (1 + g))),
             exact_upper = sapply(gammas, function(g) crossing(M / (1 + g))),
             walsh_median = median(w))
}
# pr: hlsens' step, its default 0.1 for the lead data; 10 dollars for re78
# (0.1 dollars would take hundreds of thousands of steps).
hodges_lehmann <- rbind(hl_case("lead", lead_trt, lead_ctrl, 0.1),
                        hl_case("lalonde_re78", lal_trt, lal_ctrl, 10))
write_fixture(hodges_lehmann, "hodges_lehmann.csv")

# ---------------------------------------------------------- matched sets ---
# Gastwirth, Krieger & Rosenbaum (2000): per set, the largest mean over the
# configurations (0,..,0,1,..,1) and the largest variance among its maximisers.
gkr <- function(y, grp, trt, g, largest) {
  a <- rank(y - ave(y, grp)); T <- sum(a[trt == 1])
  mu <- 0; V <- 0
  for (s in unique(grp)) {
    q <- sort(a[grp == s]); n <- length(q)
    m <- sapply(1:(n - 1), function(i) (sum(q[1:i]) + g * sum(q[(i + 1):n])) / (i + g * (n - i)))
    s2 <- sapply(1:(n - 1), function(i) (sum(q[1:i]^2) + g * sum(q[(i + 1):n]^2)) / (i + g * (n - i)))
    e <- if (largest) max(m) else min(m); k <- which(m == e)
    mu <- mu + e; V <- V + max(s2[k] - m[k]^2)
  }
  pnorm((T - mu) / sqrt(V), lower.tail = FALSE)
}
sets_case <- function(name, y, grp, trt) {
  rb <- unrounded(mcontrol)(y, grp, trt, group.size = 3, Gamma = 6, GammaInc = 0.5)$bounds
  rr <- mcontrol(y, grp, trt, group.size = 3, Gamma = 6, GammaInc = 0.5)$bounds
  data.frame(case = name, gamma = gammas, T = sum(rank(y - ave(y, grp))[trt == 1]),
             rbounds_lower = rb[, 2], rbounds_upper = rb[, 3],
             rbounds_lower_rounded = rr[, 2], rbounds_upper_rounded = rr[, 3],
             gkr_lower = sapply(gammas, function(g) gkr(y, grp, trt, 1 / g, FALSE)),
             gkr_upper = sapply(gammas, function(g) gkr(y, grp, trt, g, TRUE)))
}
matched_sets <- rbind(sets_case("mcontrol_example", mc_score, mc_grp, mc_trt),
                      sets_case("lalonde_re78_2to1", sets$re78, sets$set, sets$treat))
write_fixture(matched_sets, "matched_sets.csv")

# -------------------------------------------------------- critical Gamma ---
# NA when not significant at Gamma = 1 (log Gamma = 0).
crit <- function(p_upper, alpha) {
  if (p_upper(1) >= alpha) return(NA_real_)
  uniroot(function(lg) p_upper(exp(lg)) - alpha, c(0, log(1e3)), tol = 1e-14)$root
}
sr_upper <- function(trt, ctrl) function(g) {
  d <- trt - ctrl; d <- d[d != 0]; q <- rank(abs(d)); T <- sum(q[d > 0]); p <- g / (1 + g)
  pnorm((T - sum(q) * p) / sqrt(sum(q^2) * p * (1 - p)), lower.tail = FALSE)
}
bin_upper <- function(d, n) function(g) pbinom(d - 1, n, g / (1 + g), lower.tail = FALSE)
critical <- do.call(rbind, lapply(c(0.05, 0.025), function(alpha) rbind(
  data.frame(case = "binary_rosenbaum_p112", alpha = alpha, gamma = exp(crit(bin_upper(110, 122), alpha))),
  data.frame(case = "binary_lalonde_employed", alpha = alpha,
             gamma = exp(crit(bin_upper(max(lal_bin_x, lal_bin_y), lal_bin_x + lal_bin_y), alpha))),
  data.frame(case = "signed_rank_lead", alpha = alpha, gamma = exp(crit(sr_upper(lead_trt, lead_ctrl), alpha))),
  data.frame(case = "signed_rank_lalonde_re78", alpha = alpha, gamma = exp(crit(sr_upper(lal_trt, lal_ctrl), alpha))),
  data.frame(case = "matched_sets_mcontrol_example", alpha = alpha,
             gamma = exp(crit(function(g) gkr(mc_score, mc_grp, mc_trt, g, TRUE), alpha))))))
write_fixture(critical, "critical_gamma.csv")

# --------------------------------------------------------------- E-values ---
ev <- function(name, scale, est, lo, hi, rare = NA) {
  r <- switch(scale,
              RR = evalues.RR(est, lo, hi),
              OR = evalues.OR(est, lo, hi, rare = rare),
              HR = evalues.HR(est, lo, hi, rare = rare))
  data.frame(case = name, scale = scale, rare = rare, est = est, lo = lo, hi = hi,
             rr_point = r[1, 1], rr_lower = r[1, 2], rr_upper = r[1, 3],
             e_point = r[2, 1], e_lower = r[2, 2], e_upper = r[2, 3])
}
evalues <- suppressMessages(rbind(
  ev("leukemia", "RR", 0.80, 0.71, 0.91),
  ev("symmetry", "RR", 1 / 0.80, NA, NA),
  ev("hammond_holl", "RR", 10.729780, 8.017457, 14.359688),
  ev("crosses_null", "RR", 1.2, 0.9, 1.6),
  ev("crosses_null_below", "RR", 0.85, 0.7, 1.03),
  ev("point_only_below", "RR", 0.62, NA, NA),
  ev("null_estimate", "RR", 1, 0.8, 1.25),
  ev("hr_common", "HR", 0.56, 0.46, 0.69, rare = FALSE),
  ev("hr_rare", "HR", 0.56, 0.46, 0.69, rare = TRUE),
  ev("or_common", "OR", 0.86, 0.75, 0.99, rare = FALSE),
  ev("or_rare", "OR", 2.5, 1.4, 4.2, rare = TRUE),
  ev("or_common_above", "OR", 2.5, 1.4, 4.2, rare = FALSE)))
write_fixture(evalues, "evalues.csv")

# ------------------------------------------- the bundled evaluation, end to end ---
# Datasets/peterborough matched as the plan says (MatchIt nearest, logit, caliper 0.2, largest
# first: the same pairs as `counterfactual evaluate`), outcomes by the plan's rule written out
# here (offence on or after release and before release + 12 months, convicted before release +
# 18 months, cautions excluded; events = distinct conviction dates; binary = any), then
# psens (events, alpha 0.05) and the exact sign test (binary, alpha 0.2 as in the CLI test).
pb <- read.csv(file.path("Datasets", "peterborough", "cohort.csv"), stringsAsFactors = FALSE)
pe <- read.csv(file.path("Datasets", "peterborough", "events.csv"), stringsAsFactors = FALSE)
pb$rd <- as.Date(pb$release_date)
add_months <- function(d, m) as.Date(vapply(d, function(x) as.character(seq(x, by = paste(m, "months"), length.out = 2)[2]), ""))
pe <- pe[pe$disposal != "caution", ]
rel <- setNames(pb$rd, pb$id)[pe$id]
off <- as.Date(pe$offence_date); conv <- as.Date(pe$conviction_date)
q <- pe[off >= rel & off < add_months(rel, 12) & conv < add_months(rel, 18), ]
events <- setNames(rep(0, nrow(pb)), pb$id)
cnt <- tapply(q$conviction_date, q$id, function(x) length(unique(x)))
events[names(cnt)] <- cnt
pf <- treat ~ age + gender + ethnicity + offence_group + sentence_months + prior_convictions +
  prior_custodial + prior_breaches + years_since_first + employed + housed + risk_score
pgrid <- seq(1, 2, by = 0.05)
peterborough <- do.call(rbind, lapply(list(c("Cohort 1", "2010-09-09", "2011-09-08"), c("Cohort 2", "2011-09-09", "2012-09-07")), function(k) {
  d <- pb[pb$rd >= as.Date(k[2]) & pb$rd <= as.Date(k[3]), ]
  m <- matchit(pf, data = d, method = "nearest", caliper = 0.2, m.order = "largest")
  mm <- m$match.matrix; mm <- mm[!is.na(mm[, 1]), , drop = FALSE]
  yt <- events[pb$id[as.integer(rownames(mm))]]; yc <- events[pb$id[as.integer(mm[, 1])]]
  sr <- unrounded(psens)(yc, yt, Gamma = 2, GammaInc = 0.05)$bounds   # reduction: control - treated
  dd <- yc - yt; dd <- dd[dd != 0]; qq <- rank(abs(dd))
  up <- function(g) { p <- g / (1 + g); pnorm((sum(qq[dd > 0]) - sum(qq) * p) / sqrt(sum(qq^2) * p * (1 - p)), lower.tail = FALSE) }
  fav <- sum(yt == 0 & yc > 0); unf <- sum(yt > 0 & yc == 0)
  bin_up <- bin_upper(fav, fav + unf)
  rbind(data.frame(cohort = k[1], measure = "reconviction_events", alpha = 0.05, pairs = nrow(mm),
                   statistic = sum(qq[dd > 0]), gamma = pgrid, p_upper = sapply(pgrid, up),
                   rbounds_upper = sr[, 3], critical_gamma = exp(crit(up, 0.025))),
        data.frame(cohort = k[1], measure = "proven_reoffending", alpha = 0.2, pairs = nrow(mm),
                   statistic = fav, gamma = pgrid, p_upper = sapply(pgrid, bin_up),
                   rbounds_upper = NA_real_, critical_gamma = exp(crit(bin_up, 0.1))))
}))
write_fixture(peterborough, "peterborough.csv")

writeLines(c(
  paste("generated:", format(Sys.time(), tz = "UTC", usetz = TRUE)),
  paste("R:", R.version.string),
  paste("platform:", R.version$platform),
  paste("MatchIt:", packageVersion("MatchIt")),
  paste("rbounds:", packageVersion("rbounds")),
  paste("EValue:", packageVersion("EValue")),
  paste("MetaUtility:", packageVersion("MetaUtility")),
  "script: Scripts/make-sensitivity-fixtures.R"
), file.path(out_dir, "VERSIONS.txt"))
