#!/usr/bin/env Rscript
# =============================================================================
# fixtures-methods-flow.R -- R reference values for optimal pair matching and
# optimal full matching (Sources/Matching/OptimalPairMatcher.swift,
# FullMatcher.swift, FlowSubproblem.swift; Sources/NetworkFlow).
#
# Run from the repository root, after building optmatch (Scripts/README.md):
#
#     Rscript Scripts/fixtures-methods-flow.R
#
# Needs R 4.2, MatchIt 4.7.2 and optmatch 0.10.8 (with rlemon; no rrelaxiv, so
# optmatch's solver is LEMON's cycle cancelling).
#
# Inputs:
#   MatchIt's lalonde (614 rows)
#   Tests/Fixtures/flow/synthetic_cohort.csv, made by
#     counterfactual synthesize --rows 400 --treated-share 0.25 --seed 11 \
#       --out Tests/Fixtures/flow/synthetic_cohort.csv
#
# Writes (overwriting) Tests/Fixtures/flow/:
#   VERSIONS.txt          R, MatchIt, optmatch versions, generation date
#   cases.csv             one row per case: case, data, source (matchit, or
#                         optmatch called directly), method, estimand,
#                         ratio, min_controls, max_controls, caliper (SD),
#                         exact column, tol (optmatch's), total_distance,
#                         integer_cost (optmatch's rounded objective, below),
#                         matched_treated, matched_control
#   ratio_cases.csv       as cases.csv plus `warnings` (MatchIt's), for designs with
#                         too few controls in some exact cell (below)
#   <case>_units.csv      one row per unit: row (1-based), treat, distance,
#                         cell (exact cell label or "_"), weight (MatchIt's,
#                         normalised), subclass (NA = unmatched)
#
# The distance is the propensity score of MatchIt's default glm, given back to
# matchit() as a numeric vector, so the Swift tests match on exactly the same
# numbers. total_distance = sum over subclasses of |d_t - d_c| over every
# treated-control pair in the subclass (every subclass of a pair or full match
# is a star, so these pairs are exactly the matched links).
#
# tol: most cases pass tol = 1e-7 (through matchit's `...` to optmatch), so the
# rounded problem has a unique optimum and the totals, matched units and
# subclasses can be compared exactly; the *_tol_default cases keep optmatch's
# 0.001, where equal-cost solutions abound, and are compared on integer_cost.
#
# MatchIt's optimal 1:1 without exact cells first prunes the distance matrix to
# the pairs an optimal 1:1 match on a line can use (Savje 2020,
# preprocess_matchC). On optmatch's rounded costs that pruning can cut every
# optimum of the rounded problem (opt_1to1: integer objective 395635249 against
# 395635177 without it), so *_unpruned cases give the same problem to optmatch
# directly (source = optmatch), and the Swift tests require only that their
# objective is not above MatchIt's for the pruned ones.
#
# Cases with a caliper for method "optimal": MatchIt 4.7 ignores a caliper for
# optimal matching (it warns); these cases call optmatch::fullmatch directly as
# matchit2optimal.R would if it kept the caliper: x = match_on(|d_t - d_c|) +
# caliper(x, width), min = max = mean controls = ratio, width = caliper x
# sd(distance).
#
# Conventions: Scripts/fixture-helpers.R.
# =============================================================================

suppressPackageStartupMessages({
  library(MatchIt)
  library(optmatch)
})
source(file.path("Scripts", "fixture-helpers.R"))

# MatchIt's ATT weights from subclasses (treated 1, control n_treated / n_control in its subclass,
# 0 outside any subclass), scaled to mean 1 within each group among positive weights.
att_subclass_weights <- function(subclass, treat) {
  w <- numeric(length(treat))
  for (i in seq_along(w)) {
    if (is.na(subclass[i])) next
    nt <- sum(subclass == subclass[i] & treat == 1, na.rm = TRUE)
    nc <- sum(subclass == subclass[i] & treat == 0, na.rm = TRUE)
    w[i] <- if (treat[i] == 1) 1 else nt / nc
  }
  for (g in 0:1) {
    j <- which(w > 0 & treat == g)
    w[j] <- w[j] * length(j) / sum(w[j])
  }
  w
}

out_dir <- file.path("Tests", "Fixtures", "flow")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

data("lalonde", package = "MatchIt", envir = environment())
stopifnot(nrow(lalonde) == 614L)
lalonde_ps <- glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
                  data = lalonde, family = binomial)$fitted.values

syn <- read.csv(file.path(out_dir, "synthetic_cohort.csv"))
syn_ps <- glm(treat ~ age + gender + prior_convictions + employed + risk_score,
              data = syn, family = binomial)$fitted.values

total_distance <- function(subclass, treat, d) {
  s <- 0
  for (k in unique(subclass[!is.na(subclass)])) {
    i <- which(subclass == k)
    t <- d[i][treat[i] == 1]
    c <- d[i][treat[i] == 0]
    s <- s + sum(abs(outer(t, c, "-")))
  }
  s
}

cases <- list()

# optmatch's rounding (fullmatch -> solve_reg_fm_prob -> doubleSolve): per cell,
# eps = max(dmax / (integer.max / 64 - 2), tol x (rows + cols) / (matchable rows +
# matchable cols - 2)) and each link costs ceiling(0.5 + d / eps); returns the sum
# over the matched links of the solution (the integer objective optmatch minimised).
integer_cost <- function(subclass, treat, d, cell, width, tol) {
  total <- 0
  for (e in unique(cell)) {
    inc <- cell == e
    dt <- d[inc & treat == 1]
    dc <- d[inc & treat == 0]
    if (!length(dt) || !length(dc)) next
    dd <- abs(outer(dt, dc, "-"))
    ok <- if (is.null(width)) dd == dd else dd <= width
    if (!any(ok)) next
    rfeas <- sum(rowSums(ok) > 0)
    cfeas <- sum(colSums(ok) > 0)
    floor_ <- max(dd[ok]) / (.Machine$integer.max / 64 - 2)
    eps <- if (tol > 0 && rfeas > 1 && cfeas > 1) {
      max(floor_, tol * (length(dt) + length(dc)) / (rfeas + cfeas - 2))
    } else floor_
    for (k in unique(subclass[inc & !is.na(subclass)])) {
      i <- which(inc & subclass == k)
      t <- d[i][treat[i] == 1]
      c <- d[i][treat[i] == 0]
      total <- total + sum(ceiling(0.5 + abs(outer(t, c, "-")) / eps))
    }
  }
  total
}

run_case <- function(name, data_name, method, estimand = "ATT", ratio = 1,
                     min.controls = NULL, max.controls = NULL, caliper = NULL,
                     exact = NULL, direct_caliper = FALSE, tol = 1e-7) {
  df <- if (data_name == "lalonde") lalonde else syn
  d <- if (data_name == "lalonde") lalonde_ps else syn_ps
  treat <- df$treat
  cell <- if (is.null(exact)) rep("_", nrow(df)) else as.character(df[[exact]])
  if (direct_caliper) {
    # optmatch directly (MatchIt would drop the caliper), ATT, no exact cells.
    stopifnot(estimand == "ATT", is.null(exact))
    names(d) <- rownames(df) <- as.character(seq_len(nrow(df)))
    mo <- outer(d[treat == 1], d[treat == 0], function(a, b) abs(a - b))
    dimnames(mo) <- list(names(d)[treat == 1], names(d)[treat == 0])
    mo <- optmatch::as.InfinitySparseMatrix(optmatch::match_on(mo))
    if (!is.null(caliper)) mo <- mo + optmatch::caliper(mo, caliper * sd(d))
    options(optmatch_max_problem_size = Inf)
    fm <- optmatch::fullmatch(mo, min.controls = ratio, max.controls = ratio,
                              mean.controls = ratio, tol = tol,
                              data = data.frame(treat, row.names = names(d)))
    sub <- as.character(fm[names(d)])
    subclass <- as.integer(factor(sub))
    tb <- table(subclass[treat == 1])
    weights <- att_subclass_weights(subclass, treat)
  } else {
    args <- list(formula = treat ~ 1, data = df, method = method, distance = d,
                 estimand = estimand, ratio = ratio, tol = tol)
    if (!is.null(min.controls)) args$min.controls <- min.controls
    if (!is.null(max.controls)) args$max.controls <- max.controls
    if (!is.null(caliper)) args$caliper <- caliper
    if (!is.null(exact)) args$exact <- reformulate(exact)
    m <- do.call(matchit, args)
    subclass <- as.integer(m$subclass)
    weights <- m$weights
  }
  write_fixture(data.frame(row = seq_len(nrow(df)), treat = treat, distance = d,
                           cell = cell, weight = weights, subclass = subclass),
                paste0(name, "_units.csv"))
  cases[[length(cases) + 1L]] <<- data.frame(
    case = name, data = data_name, source = if (direct_caliper) "optmatch" else "matchit",
    method = method, estimand = estimand,
    ratio = ratio,
    min_controls = if (is.null(min.controls)) NA_real_ else min.controls,
    max_controls = if (is.null(max.controls)) NA_real_ else max.controls,
    caliper = if (is.null(caliper)) NA_real_ else caliper,
    exact = if (is.null(exact)) "" else exact,
    tol = tol,
    total_distance = total_distance(subclass, treat, d),
    integer_cost = integer_cost(subclass, if (estimand == "ATC") 1 - treat else treat, d, cell,
                                if (is.null(caliper)) NULL else caliper * sd(d), tol),
    matched_treated = sum(weights > 0 & treat == 1),
    matched_control = sum(weights > 0 & treat == 0))
}

# ---- lalonde ----
run_case("opt_1to1", "lalonde", "optimal")
run_case("opt_1to1_unpruned", "lalonde", "optimal", direct_caliper = TRUE)
run_case("opt_2to1", "lalonde", "optimal", ratio = 2)
run_case("opt_atc", "lalonde", "optimal", estimand = "ATC")
run_case("opt_exact_married", "lalonde", "optimal", exact = "married")
run_case("opt_variable", "lalonde", "optimal", ratio = 2, max.controls = 3)
run_case("opt_caliper", "lalonde", "optimal", caliper = 2, direct_caliper = TRUE)
run_case("full_default", "lalonde", "full")
run_case("full_atc", "lalonde", "full", estimand = "ATC")
run_case("full_caliper", "lalonde", "full", caliper = 0.1)
run_case("full_min1_max3", "lalonde", "full", min.controls = 1, max.controls = 3)
run_case("full_max2", "lalonde", "full", max.controls = 2)
run_case("full_min_half", "lalonde", "full", min.controls = 0.5)
run_case("full_exact_married", "lalonde", "full", exact = "married")
# ATE (MatchIt: the treated are the focal group, weights 1 + c(s)/t(s) and 1 + t(s)/c(s))
run_case("full_ate", "lalonde", "full", estimand = "ATE")
run_case("full_ate_caliper", "lalonde", "full", estimand = "ATE", caliper = 0.1)
# optmatch's default tol = 0.001: many equal-cost solutions, so only the
# integer objective is compared
run_case("opt_1to1_tol_default", "lalonde", "optimal", tol = 0.001)
run_case("full_tol_default", "lalonde", "full", tol = 0.001)
# ---- synthetic offender cohort ----
run_case("syn_opt_1to1", "synthetic", "optimal")
run_case("syn_opt_1to1_unpruned", "synthetic", "optimal", direct_caliper = TRUE)
run_case("syn_opt_caliper", "synthetic", "optimal", caliper = 0.5, direct_caliper = TRUE)
run_case("syn_opt_2to1_exact", "synthetic", "optimal", ratio = 2, exact = "gender")
run_case("syn_full_default", "synthetic", "full")
run_case("syn_full_caliper", "synthetic", "full", caliper = 0.05)
run_case("syn_full_max4", "synthetic", "full", min.controls = 1, max.controls = 4)
run_case("syn_full_ate", "synthetic", "full", estimand = "ATE")
run_case("syn_opt_1to1_tol_default", "synthetic", "optimal", tol = 0.001)

write_fixture(do.call(rbind, cases), "cases.csv")

# ---- too few controls in an exact cell (MatchIt lowers the ratio) ----
# matchit2optimal.R, per exact cell with e = controls / treated (non-discarded): e < 1 swaps the
# roles and matches 1:1; 1 <= e < ratio gives optmatch mean.controls = e, min.controls =
# min(min.controls, floor(e)), max.controls unchanged. Its warnings are recorded (as chk prints
# them, line breaks undone, joined by " | ") in ratio_cases.csv, which has the columns of cases.csv and `warnings`.
# Cells (treated / controls): lalonde nodegree 0: 54/173, 1: 131/256; race black 156/87,
# hispan 11/61, white 18/281; synthetic offence_group acquisitive 42/103, drugs 12/41, others
# above 4 controls per treated unit.
ratio_cases <- list()
run_ratio_case <- function(name, ...) {
  msgs <- character()
  withCallingHandlers(run_case(name, ...), warning = function(w) {
    msgs <<- c(msgs, gsub("\\s*\n\\s*", " ", conditionMessage(w)))   # chk's line wrapping undone
    invokeRestart("muffleWarning")
  })
  row <- cases[[length(cases)]]
  cases[[length(cases)]] <<- NULL
  row$warnings <- paste(msgs, collapse = " | ")
  ratio_cases[[length(ratio_cases) + 1L]] <<- row
}
run_ratio_case("opt_2to1_exact_nodegree", "lalonde", "optimal", ratio = 2, exact = "nodegree")
run_ratio_case("opt_3to1_exact_race", "lalonde", "optimal", ratio = 3, exact = "race")
run_ratio_case("opt_variable_exact_nodegree", "lalonde", "optimal", ratio = 2, max.controls = 3,
               exact = "nodegree")
run_ratio_case("syn_opt_4to1_exact_offence", "synthetic", "optimal", ratio = 4, exact = "offence_group")
write_fixture(do.call(rbind, ratio_cases), "ratio_cases.csv")

# ---- Mahalanobis distance (metric = mahalanobis) ----
# matchit2optimal.R with distance = "mahalanobis" or mahvars: transform_covariates(method =
# "mahalanobis", treat, discarded) over the whole sample (covariates standardised, pooled
# within-group covariance), eucdist_internal() gives the treated x control Euclidean distances of
# the transformed covariates, and that matrix goes to optmatch::fullmatch. No pruning (MatchIt
# prunes only for a scalar distance). Cases with a caliper on the propensity score call optmatch
# directly (MatchIt 4.7 ignores a caliper for optimal): x = match_on(mahalanobis matrix) +
# caliper(match_on(|ps_t - ps_c|), caliper x sd(ps)), min = max = mean controls = ratio.
# Writes mahalanobis_cases.csv (as cases.csv, integer_cost on the Mahalanobis matrix) and
# maha_<case>_units.csv (as <case>_units.csv; distance = the propensity score).
lalonde_covs <- ~ age + educ + race + married + nodegree + re74 + re75
syn_covs <- ~ age + gender + prior_convictions + employed + risk_score

# Treated x control Mahalanobis matrix as matchit2optimal.R builds it (no unit discarded).
maha_matrix <- function(df, covs) {
  X <- MatchIt:::transform_covariates(covs, data = df, method = "mahalanobis",
                                      treat = df$treat, discarded = rep(FALSE, nrow(df)))
  D <- MatchIt:::eucdist_internal(X, df$treat)
  dimnames(D) <- list(which(df$treat == 1), which(df$treat == 0))
  D
}

maha_cases <- list()
run_maha_case <- function(name, data_name, ratio = 1, caliper = NULL, via = "mahvars", tol = 1e-7) {
  df <- if (data_name == "lalonde") lalonde else syn
  d <- if (data_name == "lalonde") lalonde_ps else syn_ps
  covs <- if (data_name == "lalonde") lalonde_covs else syn_covs
  treat <- df$treat
  D <- maha_matrix(df, covs)
  if (via == "optmatch") {
    names(d) <- rownames(df) <- as.character(seq_len(nrow(df)))
    mo <- optmatch::as.InfinitySparseMatrix(optmatch::match_on(D))
    if (!is.null(caliper)) {
      ps <- outer(d[treat == 1], d[treat == 0], function(a, b) abs(a - b))
      dimnames(ps) <- dimnames(D)
      mo <- mo + optmatch::caliper(optmatch::match_on(ps), caliper * sd(d))
    }
    options(optmatch_max_problem_size = Inf)
    fm <- optmatch::fullmatch(mo, min.controls = ratio, max.controls = ratio,
                              mean.controls = ratio, tol = tol,
                              data = data.frame(treat, row.names = names(d)))
    subclass <- as.integer(factor(as.character(fm[names(d)])))
    weights <- att_subclass_weights(subclass, treat)
  } else {
    f <- update(covs, treat ~ .)
    m <- if (via == "distance") {
      matchit(f, data = df, method = "optimal", distance = "mahalanobis", ratio = ratio, tol = tol)
    } else {
      matchit(f, data = df, method = "optimal", distance = d, mahvars = covs, ratio = ratio, tol = tol)
    }
    subclass <- as.integer(m$subclass)
    weights <- m$weights
  }
  # Matched links: every subclass is one treated unit with its controls.
  ti <- match(seq_len(nrow(df)), which(treat == 1))
  ci <- match(seq_len(nrow(df)), which(treat == 0))
  total <- 0
  links <- list()
  for (k in unique(subclass[!is.na(subclass)])) {
    i <- which(subclass == k)
    for (t in i[treat[i] == 1]) for (c in i[treat[i] == 0]) {
      total <- total + D[ti[t], ci[c]]
      links[[length(links) + 1L]] <- D[ti[t], ci[c]]
    }
  }
  # optmatch's integer objective: eps from the largest allowed distance and the matchable counts.
  ok <- if (is.null(caliper)) D == D else abs(outer(d[treat == 1], d[treat == 0], "-")) <= caliper * sd(d)
  rfeas <- sum(rowSums(ok) > 0)
  cfeas <- sum(colSums(ok) > 0)
  floor_ <- max(D[ok]) / (.Machine$integer.max / 64 - 2)
  eps <- if (tol > 0 && rfeas > 1 && cfeas > 1) {
    max(floor_, tol * nrow(df) / (rfeas + cfeas - 2))
  } else floor_
  write_fixture(data.frame(row = seq_len(nrow(df)), treat = treat, distance = d, cell = "_",
                           weight = weights, subclass = subclass),
                paste0("maha_", name, "_units.csv"))
  maha_cases[[length(maha_cases) + 1L]] <<- data.frame(
    case = name, data = data_name, source = if (via == "optmatch") "optmatch" else "matchit",
    via = via, ratio = ratio, caliper = if (is.null(caliper)) NA_real_ else caliper, tol = tol,
    total_distance = total, integer_cost = sum(ceiling(0.5 + unlist(links) / eps)),
    matched_treated = sum(weights > 0 & treat == 1),
    matched_control = sum(weights > 0 & treat == 0))
}

run_maha_case("lalonde_1to1", "lalonde", via = "distance")
run_maha_case("lalonde_1to1_mahvars", "lalonde", via = "mahvars")
run_maha_case("lalonde_1to1_optmatch", "lalonde", via = "optmatch")
run_maha_case("lalonde_2to1", "lalonde", ratio = 2, via = "mahvars")
run_maha_case("lalonde_caliper", "lalonde", caliper = 2, via = "optmatch")
run_maha_case("lalonde_2to1_caliper", "lalonde", ratio = 2, caliper = 2.5, via = "optmatch")
run_maha_case("syn_1to1", "synthetic", via = "distance")
run_maha_case("syn_2to1", "synthetic", ratio = 2, via = "mahvars")
run_maha_case("syn_caliper", "synthetic", caliper = 0.5, via = "optmatch")
run_maha_case("syn_2to1_caliper", "synthetic", ratio = 2, caliper = 1, via = "optmatch")
write_fixture(do.call(rbind, maha_cases), "mahalanobis_cases.csv")
writeLines(c(
  paste("R", R.version$major, ".", R.version$minor, sep = ""),
  paste("MatchIt", packageVersion("MatchIt")),
  paste("optmatch", packageVersion("optmatch")),
  paste("rlemon", packageVersion("rlemon")),
  paste("rrelaxiv installed:", requireNamespace("rrelaxiv", quietly = TRUE)),
  paste("generated", format(Sys.Date()))), file.path(out_dir, "VERSIONS.txt"))

# ---- summary() after full matching (pair distances from subclasses) ----
# MatchIt's summary(m, un = TRUE) of a full match on the lalonde covariates (the distance again
# R's glm propensity score, given as a vector): its Std. Pair Dist. column comes from the
# subclasses (pair.dist -> pairdistsubC: the mean |x_t - x_c| over every treated-control pair
# within each subclass, standardised as the SMD). Writes summary_full_<estimand>_units.csv (row,
# treat, distance, weight, subclass) and summary_full_<estimand>_{all,matched}.csv (as
# Tests/Fixtures/matchit/*/balance_*.csv).
bal_cols <- c(means_treated = "Means Treated", means_control = "Means Control",
              std_mean_diff = "Std. Mean Diff.", var_ratio = "Var. Ratio",
              ecdf_mean = "eCDF Mean", ecdf_max = "eCDF Max", std_pair_dist = "Std. Pair Dist.")
bal_df <- function(tab) {
  out <- data.frame(variable = rownames(tab), stringsAsFactors = FALSE)
  for (k in names(bal_cols)) {
    out[[k]] <- if (bal_cols[[k]] %in% colnames(tab)) unname(as.numeric(tab[, bal_cols[[k]]])) else NA_real_
  }
  out
}
for (e in c("ATT", "ATC", "ATE")) {
  m <- matchit(treat ~ age + educ + race + married + nodegree + re74 + re75, data = lalonde,
               method = "full", distance = lalonde_ps, estimand = e, tol = 1e-7)
  s <- summary(m, un = TRUE)
  tag <- paste0("summary_full_", tolower(e))
  write_fixture(data.frame(row = seq_len(nrow(lalonde)), treat = lalonde$treat, distance = lalonde_ps,
                           weight = unname(m$weights), subclass = as.integer(as.character(m$subclass))),
                paste0(tag, "_units.csv"))
  write_fixture(bal_df(s$sum.all), paste0(tag, "_all.csv"))
  write_fixture(bal_df(s$sum.matched), paste0(tag, "_matched.csv"))
}
