#!/usr/bin/env Rscript
# =============================================================================
# fixtures-methods-subclass.R -- R reference subclasses and weights for the
# stratification methods of Counterfactual: MatchIt 4.7.2's method = "exact",
# "cem" (MatchIt's own CEM) and "subclass" (Sources/Matching/Strata.swift,
# CoarsenedExactMatching.swift, PropensitySubclassification.swift).
#
# Run from the repository root:
#
#     Rscript Scripts/fixtures-methods-subclass.R
#
# Needs R with MatchIt 4.7.2 (Scripts/README.md says how it was installed).
#
# Inputs:
#   MatchIt's own lalonde (614 rows; the same rows as Datasets/lalonde.csv)
#   Tests/Fixtures/strata/offenders.csv: the first 3,000 rows of the synthetic
#     offender cohort Datasets/peterborough/cohort.csv (made by `counterfactual
#     synthesize`), ten of its columns; committed, not written here.
#
# Writes (overwriting) Tests/Fixtures/strata/:
#   VERSIONS.txt              R and MatchIt versions, generation date
#   designs.csv               one line per design: name, data, method, estimand,
#                             covariates (";"-separated), settings as Swift reads
#                             them (subclass, min_n, cutpoints, grouping, discard,
#                             link), and the R call
#   <design>.csv              one line per unit: row (1-based), treat, distance
#                             (R's propensity score; empty for exact and cem),
#                             subclass (MatchIt's label; empty = unmatched),
#                             weight (matchit()$weights, normalised)
#
# Subclass labels are MatchIt's own numbering (exact/cem: order of first
# appearance in the first unit's treatment group; subclass: quantile order), so
# the Swift tests compare them exactly, not up to relabelling.
#
# Conventions: CSV with header, "\n" line endings, doubles as sprintf("%.17g"),
# NA as an empty field (Scripts/fixture-helpers.R).
# =============================================================================

suppressPackageStartupMessages(library(MatchIt))
stopifnot(packageVersion("MatchIt") == "4.7.2")

out_dir <- file.path("Tests", "Fixtures", "strata")
if (!dir.exists(file.path("Tests", "Fixtures"))) {
  stop("run this script from the repository root")
}
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
source(file.path("Scripts", "fixture-helpers.R"))   # fmt_col, write_fixture

data("lalonde", package = "MatchIt", envir = environment())
stopifnot(nrow(lalonde) == 614L)
offenders <- read.csv(file.path(out_dir, "offenders.csv"), stringsAsFactors = FALSE)
stopifnot(nrow(offenders) == 3000L)

lalonde_all <- c("age", "educ", "race", "married", "nodegree", "re74", "re75")
lalonde_cells <- c("educ", "race", "married", "nodegree")
offender_all <- c("age", "gender", "ethnicity", "offence_group", "sentence_months",
                  "prior_convictions", "employed", "housed")
offender_cells <- c("gender", "ethnicity", "offence_group", "employed", "housed")

designs <- list()

# name, data, method, covariates, matchit() arguments beyond formula/data/method,
# and the same settings as the Swift plan spells them.
design <- function(name, data, method, covariates, args = list(), estimand = "ATT",
                   subclass = "", min_n = "", cutpoints = "", grouping = "",
                   discard = "none", link = "logit", k2k = "") {
  designs[[length(designs) + 1L]] <<- list(
    name = name, data = data, method = method, covariates = covariates, args = args,
    estimand = estimand, subclass = subclass, min_n = min_n, cutpoints = cutpoints,
    grouping = grouping, discard = discard, link = link, k2k = k2k)
}

# ---- exact ----------------------------------------------------------------------
design("lalonde_exact_att", "lalonde", "exact", lalonde_cells)
design("lalonde_exact_atc", "lalonde", "exact", lalonde_cells, list(estimand = "ATC"), estimand = "ATC")
design("lalonde_exact_age", "lalonde", "exact", c("age", "race", "married"))
design("offenders_exact_att", "offenders", "exact", offender_cells)
design("offenders_exact_atc", "offenders", "exact", offender_cells, list(estimand = "ATC"), estimand = "ATC")

# ---- cem ------------------------------------------------------------------------
design("lalonde_cem_default", "lalonde", "cem", lalonde_all)
design("lalonde_cem_atc", "lalonde", "cem", lalonde_all, list(estimand = "ATC"), estimand = "ATC")
design("lalonde_cem_cutpoints", "lalonde", "cem", lalonde_all,
       list(cutpoints = list(age = 4, re74 = c(0, 5000, 10000), educ = "scott", re75 = "fd", married = 0)),
       cutpoints = "age=4|re74=0,5000,10000|educ=scott|re75=fd|married=0")
design("lalonde_cem_all3_grouping", "lalonde", "cem", lalonde_all,
       list(cutpoints = 3, grouping = list(race = list(c("black", "hispan")))),
       cutpoints = "3", grouping = "race=black,hispan")
design("lalonde_cem_scott_drop", "lalonde", "cem", lalonde_all,
       list(cutpoints = list(age = "scott", re75 = 1, re74 = "fd")),
       cutpoints = "age=scott|re75=1|re74=fd")
design("lalonde_cem_grouping_educ", "lalonde", "cem", lalonde_all,
       list(grouping = list(educ = list(c(0, 1, 2, 3, 4, 5, 6, 7, 8), c(13, 14, 15, 16, 17, 18)))),
       grouping = "educ=0,1,2,3,4,5,6,7,8|educ=13,14,15,16,17,18")
design("lalonde_cem_quantiles", "lalonde", "cem", lalonde_all,
       list(cutpoints = list(age = "q3", re74 = "q4", re75 = "q5", educ = "q3")),
       cutpoints = "age=q3|re74=q4|re75=q5|educ=q3")
design("offenders_cem_default", "offenders", "cem", offender_all)
design("offenders_cem_quantiles", "offenders", "cem", offender_all,
       list(cutpoints = list(sentence_months = "q5", age = "q7", prior_convictions = "q3")),
       cutpoints = "sentence_months=q5|age=q7|prior_convictions=q3")
design("offenders_cem_atc_fd", "offenders", "cem", offender_all,
       list(estimand = "ATC", cutpoints = "fd"), estimand = "ATC", cutpoints = "fd")
design("offenders_cem_grouping", "offenders", "cem", offender_all,
       list(cutpoints = list(age = c(25, 35, 45), sentence_months = 5),
            grouping = list(offence_group = list(c("theft", "fraud")))),
       cutpoints = "age=25,35,45|sentence_months=5", grouping = "offence_group=theft,fraud")
# k2k: 1:1 nearest neighbour on the Mahalanobis distance of the covariates within each stratum
# (MatchIt's k2k.method = "mahalanobis" default, m.order = "data").
design("lalonde_cem_k2k", "lalonde", "cem", lalonde_all, list(k2k = TRUE), k2k = "true")
design("lalonde_cem_k2k_atc", "lalonde", "cem", lalonde_all, list(k2k = TRUE, estimand = "ATC"),
       estimand = "ATC", k2k = "true")
design("offenders_cem_k2k", "offenders", "cem", offender_all, list(k2k = TRUE), k2k = "true")
design("offenders_cem_k2k_quantiles", "offenders", "cem", offender_all,
       list(k2k = TRUE, cutpoints = list(sentence_months = "q5", age = "q7", prior_convictions = "q3")),
       cutpoints = "sentence_months=q5|age=q7|prior_convictions=q3", k2k = "true")

# ---- subclass -------------------------------------------------------------------
design("lalonde_subclass_default", "lalonde", "subclass", lalonde_all)
design("lalonde_subclass_atc10", "lalonde", "subclass", lalonde_all,
       list(estimand = "ATC", subclass = 10), estimand = "ATC", subclass = "10")
design("lalonde_subclass_20_min3", "lalonde", "subclass", lalonde_all,
       list(subclass = 20, min.n = 3), subclass = "20", min_n = "3")
design("lalonde_subclass_atc_min0", "lalonde", "subclass", lalonde_all,
       list(estimand = "ATC", subclass = 12, min.n = 0), estimand = "ATC", subclass = "12", min_n = "0")
design("lalonde_subclass_discard_linear", "lalonde", "subclass", lalonde_all,
       list(subclass = 8, discard = "both", link = "linear.logit"),
       subclass = "8", discard = "both", link = "linear.logit")
design("offenders_subclass_default", "offenders", "subclass", offender_all)
design("offenders_subclass_atc40_min6", "offenders", "subclass", offender_all,
       list(estimand = "ATC", subclass = 40, min.n = 6), estimand = "ATC", subclass = "40", min_n = "6")
design("offenders_subclass_atc_30", "offenders", "subclass", offender_all,
       list(estimand = "ATC", subclass = 30, min.n = 2), estimand = "ATC", subclass = "30", min_n = "2")

# ---- ATE (weights 1 + c(s)/t(s) for treated, 1 + t(s)/c(s) for controls; subclass: quantiles
# of every unit's distance) -------------------------------------------------------
design("lalonde_exact_ate", "lalonde", "exact", lalonde_cells, list(estimand = "ATE"), estimand = "ATE")
design("offenders_exact_ate", "offenders", "exact", offender_cells, list(estimand = "ATE"), estimand = "ATE")
design("lalonde_cem_ate", "lalonde", "cem", lalonde_all, list(estimand = "ATE"), estimand = "ATE")
design("offenders_cem_ate_quantiles", "offenders", "cem", offender_all,
       list(estimand = "ATE", cutpoints = list(sentence_months = "q5", age = "q7", prior_convictions = "q3")),
       estimand = "ATE", cutpoints = "sentence_months=q5|age=q7|prior_convictions=q3")
design("lalonde_cem_k2k_ate", "lalonde", "cem", lalonde_all, list(k2k = TRUE, estimand = "ATE"),
       estimand = "ATE", k2k = "true")
design("lalonde_subclass_ate", "lalonde", "subclass", lalonde_all, list(estimand = "ATE"), estimand = "ATE")
design("lalonde_subclass_ate_min0", "lalonde", "subclass", lalonde_all,
       list(estimand = "ATE", subclass = 10, min.n = 0), estimand = "ATE", subclass = "10", min_n = "0")
design("lalonde_subclass_ate_discard", "lalonde", "subclass", lalonde_all,
       list(estimand = "ATE", subclass = 8, discard = "both"), estimand = "ATE", subclass = "8", discard = "both")
design("offenders_subclass_ate_min3", "offenders", "subclass", offender_all,
       list(estimand = "ATE", subclass = 25, min.n = 3), estimand = "ATE", subclass = "25", min_n = "3")

index <- list()
for (d in designs) {
  data <- if (d$data == "lalonde") lalonde else offenders
  formula <- reformulate(d$covariates, response = "treat")
  call_args <- c(list(formula = formula, data = data, method = d$method), d$args)
  m <- do.call(matchit, call_args)
  sub <- m$subclass
  units <- data.frame(
    row = seq_len(nrow(data)),
    treat = as.integer(data$treat),
    distance = if (is.null(m$distance)) rep(NA_real_, nrow(data)) else unname(m$distance),
    subclass = if (is.null(sub)) NA_integer_ else as.integer(as.character(sub)),
    weight = unname(m$weights))
  write_fixture(units, paste0(d$name, ".csv"))
  shown <- paste(deparse(c(list(formula = formula, method = d$method), d$args), width.cutoff = 500L),
                 collapse = " ")
  index[[length(index) + 1L]] <- data.frame(
    name = d$name, data = d$data, method = d$method, estimand = d$estimand,
    covariates = paste(d$covariates, collapse = ";"), subclass = d$subclass, min_n = d$min_n,
    cutpoints = d$cutpoints, grouping = d$grouping, discard = d$discard, link = d$link,
    matched_treated = sum(m$weights[data$treat == 1] > 0),
    matched_control = sum(m$weights[data$treat == 0] > 0),
    subclasses = length(unique(na.omit(units$subclass))),
    k2k = d$k2k, call = shown, stringsAsFactors = FALSE)
}
write_fixture(do.call(rbind, index), "designs.csv")

writeLines(c(R.version.string, paste("MatchIt", packageVersion("MatchIt")),
             paste("generated", format(Sys.Date()))),
           file.path(out_dir, "VERSIONS.txt"))
cat("wrote", length(designs), "designs to", out_dir, "\n")
