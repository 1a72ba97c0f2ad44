#!/usr/bin/env Rscript
# =============================================================================
# make-fixtures.R -- generate the bundled dataset and the R reference fixtures
# for Counterfactual.
#
# Run from the repository root:
#
#     Rscript Scripts/make-fixtures.R
#
# Writes (overwriting; Tests/Fixtures/glm and Tests/Fixtures/matchit are
# deleted and recreated so that no stale case folders survive):
#   Datasets/lalonde.csv
#   Tests/Fixtures/VERSIONS.txt
#   Tests/Fixtures/glm/lalonde_{logit,probit}_{coefficients,fit,fitted}.csv
#   Tests/Fixtures/matchit/<case>/{call.txt,matches.csv,match_matrix.csv,
#       balance_all.csv,balance_matched.csv,sample_sizes.csv,propensity.csv}
#
# Requires MatchIt >= 4.7.0 (4.7.x changed the nearest-neighbour search
# relative to 4.5.x, so fixtures from older versions are NOT comparable).
#
# -----------------------------------------------------------------------------
# How R + MatchIt 4.7.2 were installed (Debian bookworm, as root, no CRAN):
#
#   1. Debian packages (R 4.2.2; brings MatchIt 4.5.1, rlang 1.0.6, Rcpp 1.0.10,
#      RcppProgress 0.4.2, lifecycle 1.0.3, backports 1.4.1, sandwich 3.0-2,
#      survival 3.5-3, cli, glue, vctrs, ...):
#        apt-get install -y r-base-core r-base-dev r-cran-matchit r-cran-rcpp \
#          r-cran-backports r-cran-rlang r-cran-sandwich r-cran-survival \
#          r-cran-lifecycle
#
#   2. MatchIt 4.7.2 needs chk (>= 0.10.0; not in Debian) and rlang (>= 1.1.0;
#      Debian has 1.0.6). Build these from GitHub source at release commits:
#        rlang   1.1.6   github.com/r-lib/rlang              tag v1.1.6
#                        830745e8798b7f2ef7c4afd96ed40d4adfe2fdf0
#        chk     0.10.0  github.com/poissonconsulting/chk
#                        2bb4ce8729613f91cf1072232275a2bee04eb41c
#                        ("fledge: Bump version to 0.10.0")
#        MatchIt 4.7.2   github.com/kosukeimai/MatchIt
#                        14a3cabb76a2a359803014bd379ed5d8691f1bf4
#                        (last code commit with Version 4.7.2; later commits
#                        only touch README)
#      For each package, in the order rlang, chk, MatchIt:
#        mkdir -p src/<pkg>
#        git -C <clone> archive <commit> | tar -x -C src/<pkg>
#        (cd src && R CMD build --no-build-vignettes --no-manual <pkg>)
#        R CMD INSTALL src/<pkg>_<version>.tar.gz
#      They land in /usr/local/lib/R/site-library, which precedes
#      /usr/lib/R/site-library in .libPaths() and so shadows Debian's
#      MatchIt 4.5.1 and rlang 1.0.6.
#
#   3. Check:  Rscript -e 'packageVersion("MatchIt")'   # -> 4.7.2
#
#   (Where CRAN is reachable, install.packages("MatchIt") is the simple route,
#   but check that it still gives 4.7.x.)
# -----------------------------------------------------------------------------
#
# Output conventions (all CSV files):
#   * header row, no row names, "\n" line endings;
#   * doubles written with sprintf("%.17g", x) (exact round trip), except
#     Datasets/lalonde.csv which uses the shortest round-tripping text;
#   * integers written as plain integers, logicals as 0/1;
#   * NA (and NaN) written as an empty field;
#   * strings quoted (RFC 4180 style) only when they contain a comma, a double
#     quote or a line break.
# =============================================================================

# ---- Preconditions ----------------------------------------------------------

if (!requireNamespace("MatchIt", quietly = TRUE) ||
    packageVersion("MatchIt") < "4.7.0") {
  have <- if (requireNamespace("MatchIt", quietly = TRUE)) {
    as.character(packageVersion("MatchIt"))
  } else {
    "not installed"
  }
  stop("MatchIt >= 4.7.0 is required (found: ", have, "). ",
       "See the install notes at the top of Scripts/make-fixtures.R ",
       "or Scripts/README.md.", call. = FALSE)
}

suppressPackageStartupMessages(library(MatchIt))

# Locate the repository root: the parent of the directory holding this script
# when run via Rscript, otherwise the working directory.
repo_root <- local({
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file_arg) == 1L) {
    normalizePath(file.path(dirname(sub("^--file=", "", file_arg)), ".."))
  } else {
    normalizePath(".")
  }
})

path <- function(...) file.path(repo_root, ...)

# ---- CSV helpers ------------------------------------------------------------

# Format a double with full round-trip precision; NA/NaN -> "".
fmt_double <- function(x) {
  out <- sprintf("%.17g", x)
  out[is.na(x)] <- ""
  out
}

# Format one column according to its type.
fmt_column <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) {
    out <- as.character(as.integer(x))
  } else if (is.integer(x)) {
    out <- as.character(x)
  } else if (is.double(x)) {
    out <- fmt_double(x)
  } else if (is.character(x)) {
    out <- x
  } else {
    stop("unsupported column type: ", class(x)[1L])
  }
  out[is.na(x)] <- ""
  out
}

# Quote a field only when needed.
csv_quote <- function(s) {
  needs <- grepl("[\",\r\n]", s)
  s[needs] <- paste0("\"", gsub("\"", "\"\"", s[needs], fixed = TRUE), "\"")
  s
}

# Write a data frame whose columns are already character vectors (use
# fmt_column() or a custom formatter first).
write_csv_text <- function(df_chr, file) {
  stopifnot(all(vapply(df_chr, is.character, logical(1L))))
  header <- paste(csv_quote(names(df_chr)), collapse = ",")
  body <- if (nrow(df_chr) > 0L) {
    do.call(paste, c(lapply(df_chr, csv_quote), sep = ","))
  } else {
    character(0L)
  }
  dir.create(dirname(file), recursive = TRUE, showWarnings = FALSE)
  con <- file(file, open = "wb")
  on.exit(close(con))
  writeLines(c(header, body), con, sep = "\n")
  invisible(file)
}

# Write a data frame with the standard formatting (%.17g for doubles).
write_csv <- function(df, file) {
  df_chr <- as.data.frame(lapply(df, fmt_column), stringsAsFactors = FALSE,
                          optional = TRUE)
  names(df_chr) <- names(df)
  write_csv_text(df_chr, file)
}

# Shortest text for a double that parses back to exactly the same value.
# Tries as.character() first (what a human expects, e.g. "21787.05"); if that
# does not round-trip or uses scientific notation, tries 1..17 significant
# digits in fixed notation; %.17g is the final fallback.
fmt_shortest <- function(x) {
  out <- as.character(x)
  bad <- !is.na(x) & (is.na(suppressWarnings(as.numeric(out))) |
                        as.numeric(out) != x | grepl("e", out, fixed = TRUE))
  for (i in which(bad)) {
    s <- NA_character_
    for (d in 1:17) {
      cand <- formatC(x[i], digits = d, format = "fg")
      cand <- trimws(cand)
      if (as.numeric(cand) == x[i]) { s <- cand; break }
    }
    if (is.na(s)) s <- sprintf("%.17g", x[i])
    out[i] <- s
  }
  out[is.na(x)] <- ""
  # Round-trip assertion for every value.
  ok <- is.na(x) | as.numeric(out) == x
  if (!all(ok)) stop("fmt_shortest: value(s) do not round-trip: ",
                     paste(x[!ok], collapse = ", "))
  out
}

# Deparse with 17 significant digits (for doubles in call.txt).
deparse17 <- function(x) {
  paste(deparse(x, width.cutoff = 500L,
                control = c("keepNA", "keepInteger", "niceNames",
                            "showAttributes", "digits17")),
        collapse = " ")
}

deparse1l <- function(x) paste(deparse(x, width.cutoff = 500L), collapse = " ")

# ---- Data -------------------------------------------------------------------

data("lalonde", package = "MatchIt", envir = environment())
stopifnot(nrow(lalonde) == 614L)

# Convert MatchIt's row names (e.g. "NSW1", "PSID12") to 1-based row numbers.
row_of <- function(names) {
  idx <- match(names, rownames(lalonde))
  stopifnot(all(is.na(idx) == is.na(names)))
  idx
}

# ---- 1. Datasets/lalonde.csv --------------------------------------------------

local({
  d <- lalonde
  out <- list(id = rownames(d))
  for (v in c("treat", "age", "educ", "race", "married", "nodegree",
              "re74", "re75", "re78")) {
    x <- d[[v]]
    out[[v]] <- if (is.factor(x) || is.character(x)) {
      as.character(x)
    } else if (is.integer(x)) {
      as.character(x)
    } else {
      fmt_shortest(x)
    }
  }
  out <- as.data.frame(out, stringsAsFactors = FALSE)
  write_csv_text(out, path("Datasets", "lalonde.csv"))

  # Paranoia: read it back and compare with the original.
  back <- read.csv(path("Datasets", "lalonde.csv"), stringsAsFactors = FALSE)
  stopifnot(identical(back$id, rownames(d)),
            identical(back$race, as.character(d$race)))
  for (v in c("treat", "age", "educ", "married", "nodegree",
              "re74", "re75", "re78")) {
    stopifnot(all(as.numeric(back[[v]]) == as.numeric(d[[v]])))
  }
})

# ---- Output folders -----------------------------------------------------------

fixtures <- path("Tests", "Fixtures")
dir.create(fixtures, recursive = TRUE, showWarnings = FALSE)
for (sub in c("glm", "matchit")) {
  unlink(file.path(fixtures, sub), recursive = TRUE)
  dir.create(file.path(fixtures, sub), recursive = TRUE)
}

# ---- 2. VERSIONS.txt ----------------------------------------------------------

pkg_ver <- function(p) {
  # packageDescription() keeps the original spelling, e.g. "3.0-2".
  if (requireNamespace(p, quietly = TRUE)) packageDescription(p)$Version
  else "not installed"
}

writeLines(c(
  paste0("generated: ", format(Sys.time(), "%Y-%m-%d %H:%M:%S %Z")),
  paste0("R: ", R.version.string),
  paste0("platform: ", R.version$platform),
  paste0("MatchIt: ", pkg_ver("MatchIt")),
  paste0("chk: ", pkg_ver("chk")),
  paste0("rlang: ", pkg_ver("rlang")),
  paste0("sandwich: ", pkg_ver("sandwich")),
  paste0("survival: ", pkg_ver("survival")),
  paste0("Rcpp: ", pkg_ver("Rcpp")),
  "script: Scripts/make-fixtures.R"
), file.path(fixtures, "VERSIONS.txt"))

# ---- 3. GLM fixtures ----------------------------------------------------------

ps_formula <- treat ~ age + educ + race + married + nodegree + re74 + re75

glm_fits <- list()
for (lnk in c("logit", "probit")) {
  fit <- glm(ps_formula, data = lalonde, family = binomial(link = lnk))
  glm_fits[[lnk]] <- fit
  prefix <- file.path(fixtures, "glm", paste0("lalonde_", lnk, "_"))

  co <- summary(fit)$coefficients
  write_csv(data.frame(term = rownames(co),
                       estimate = unname(co[, "Estimate"]),
                       std_error = unname(co[, "Std. Error"]),
                       z_value = unname(co[, "z value"]),
                       p_value = unname(co[, "Pr(>|z|)"]),
                       stringsAsFactors = FALSE),
            paste0(prefix, "coefficients.csv"))

  write_csv(data.frame(deviance = fit$deviance,
                       null_deviance = fit$null.deviance,
                       aic = fit$aic,
                       df_residual = as.integer(fit$df.residual),
                       df_null = as.integer(fit$df.null),
                       iterations = as.integer(fit$iter),
                       converged = fit$converged),
            paste0(prefix, "fit.csv"))

  write_csv(data.frame(row = seq_len(nrow(lalonde)),
                       linear_predictor = unname(fit$linear.predictors),
                       fitted = unname(fit$fitted.values)),
            paste0(prefix, "fitted.csv"))
}

# User-supplied distance for the nn_user_distance case.
ps <- unname(glm_fits[["logit"]]$fitted.values)

# ---- 4. MatchIt fixtures ------------------------------------------------------

# Each case: extra arguments to matchit() (as an unevaluated-friendly list;
# `distance = quote(ps)` keeps the call readable).
cases <- list(
  nn_1to1             = list(),
  nn_3to1             = list(ratio = 3),
  nn_caliper02_linear = list(caliper = 0.2, link = "linear.logit"),
  nn_2to1_replace     = list(ratio = 2, replace = TRUE),
  nn_3to1_caliper01   = list(ratio = 3, caliper = 0.1),
  nn_discard_both     = list(discard = "both"),
  nn_exact_married    = list(exact = ~married),
  nn_smallest         = list(m.order = "smallest"),
  nn_data_order       = list(m.order = "data"),
  nn_atc              = list(estimand = "ATC"),
  nn_probit           = list(link = "probit"),
  nn_replace_caliper  = list(replace = TRUE, caliper = 0.05,
                             link = "linear.logit"),
  nn_user_distance    = list(distance = quote(ps))
)

# The m.order that matchit() resolves internally is not stored in the output
# object. Reproduce MatchIt 4.7.x's rule (R/matchit2nearest.R):
#   * if matching with replacement and reuse.max >= number of focal units
#     (the default for replace = TRUE), m.order is forced to "data";
#   * else if m.order is NULL and a distance vector exists (estimated OR
#     user-supplied): "smallest" for estimand = "ATC", otherwise "largest".
# The rule is then verified by re-running with the explicit m.order.
resolve_m_order <- function(args, m) {
  n_focal <- if (m$estimand == "ATC") sum(m$treat == 0) else sum(m$treat == 1)
  reuse_max <- attr(m$info$replace, "reuse.max")
  if (!is.null(reuse_max) && reuse_max >= n_focal) return("data")
  if (!is.null(args$m.order)) return(args$m.order)
  if (identical(m$estimand, "ATC")) "smallest" else "largest"
}

run_matchit <- function(args) {
  cl <- as.call(c(list(quote(matchit),
                       formula = ps_formula,
                       data = quote(lalonde)),
                  args))
  list(call = cl, m = suppressWarnings(eval(cl)))
}

for (case in names(cases)) {
  args <- cases[[case]]
  run <- run_matchit(args)
  m <- run$m
  dir <- file.path(fixtures, "matchit", case)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  n <- nrow(lalonde)

  # --- resolved m.order, verified --------------------------------------------
  m_order <- resolve_m_order(args, m)
  check_args <- args
  check_args$m.order <- m_order
  m_check <- run_matchit(check_args)$m
  if (!identical(m_check$match.matrix, m$match.matrix) ||
      !identical(m_check$weights, m$weights)) {
    stop(case, ": re-running with m.order = \"", m_order,
         "\" did not reproduce the default match")
  }

  # --- call.txt ----------------------------------------------------------------
  info <- m$info
  lines <- c(
    paste0("# MatchIt ", packageVersion("MatchIt"), " fixture case: ", case),
    paste0("call: ", deparse1l(run$call)),
    paste0("m$call: ", deparse1l(m$call))
  )
  if (identical(case, "nn_user_distance")) {
    lines <- c(lines, paste0(
      "ps: fitted values of glm(", deparse1l(ps_formula),
      ", data = lalonde, family = binomial(link = \"logit\")) ",
      "(= Tests/Fixtures/glm/lalonde_logit_fitted.csv$fitted)"))
  }
  lines <- c(lines,
    "# resolved settings",
    paste0("method: ", deparse1l(info$method)),
    paste0("distance: ", deparse1l(info$distance)),
    paste0("link: ", deparse1l(info$link)),
    paste0("m.order: ", deparse1l(m_order),
           if (is.null(args$m.order)) "  # MatchIt default (not stored in m; verified by re-running)"
           else "  # as supplied"),
    paste0("caliper: ", deparse17(m$caliper),
           if (!is.null(m$caliper)) "  # m$caliper, on the scale of m$distance (= caliper * sd(distance[!discarded]))" else ""),
    paste0("estimand: ", deparse1l(m$estimand)),
    paste0("replace: ", deparse1l(as.vector(info$replace))),
    paste0("reuse.max: ", deparse1l(attr(info$replace, "reuse.max"))),
    paste0("ratio: ", deparse17(info$ratio)),
    paste0("discard: ", deparse1l(info$discard)),
    paste0("exact: ", if (is.null(args$exact)) "NULL" else deparse1l(args$exact))
  )
  writeLines(lines, file.path(dir, "call.txt"))

  # --- matches.csv ---------------------------------------------------------------
  subclass <- if (is.null(m$subclass)) {
    rep(NA_integer_, n)
  } else {
    as.integer(as.character(m$subclass))
  }
  discarded <- if (is.null(m$discarded)) rep(FALSE, n) else m$discarded
  write_csv(data.frame(row = seq_len(n),
                       treat = as.integer(m$treat),
                       distance = unname(as.numeric(m$distance)),
                       weight = unname(as.numeric(m$weights)),
                       subclass = subclass,
                       discarded = unname(as.logical(discarded))),
            file.path(dir, "matches.csv"))

  # --- match_matrix.csv ------------------------------------------------------------
  mm <- m$match.matrix
  mm_df <- data.frame(focal_row = row_of(rownames(mm)))
  for (j in seq_len(ncol(mm))) {
    mm_df[[paste0("c", j)]] <- row_of(unname(mm[, j]))
  }
  write_csv(mm_df, file.path(dir, "match_matrix.csv"))

  # --- balance -------------------------------------------------------------------------
  s <- summary(m, un = TRUE)
  bal_cols <- c(means_treated = "Means Treated",
                means_control = "Means Control",
                std_mean_diff = "Std. Mean Diff.",
                var_ratio = "Var. Ratio",
                ecdf_mean = "eCDF Mean",
                ecdf_max = "eCDF Max",
                std_pair_dist = "Std. Pair Dist.")
  bal_df <- function(tab) {
    out <- data.frame(variable = rownames(tab), stringsAsFactors = FALSE)
    for (k in names(bal_cols)) {
      out[[k]] <- if (bal_cols[[k]] %in% colnames(tab)) {
        unname(as.numeric(tab[, bal_cols[[k]]]))
      } else {
        rep(NA_real_, nrow(tab))
      }
    }
    out
  }
  write_csv(bal_df(s$sum.all), file.path(dir, "balance_all.csv"))
  write_csv(bal_df(s$sum.matched), file.path(dir, "balance_matched.csv"))

  # --- sample_sizes.csv ----------------------------------------------------------------
  nn <- s$nn
  stopifnot(identical(rownames(nn), c("All (ESS)", "All", "Matched (ESS)",
                                      "Matched", "Unmatched", "Discarded")))
  write_csv(data.frame(row = rownames(nn),
                       control = unname(nn[, "Control"]),
                       treated = unname(nn[, "Treated"]),
                       stringsAsFactors = FALSE),
            file.path(dir, "sample_sizes.csv"))

  # --- propensity.csv (estimated distance only) --------------------------------------------
  if (identical(info$distance, "glm")) {
    stopifnot(inherits(m$model, "glm"))
    write_csv(data.frame(row = seq_len(n),
                         linear_predictor = unname(m$model$linear.predictors),
                         fitted = unname(m$model$fitted.values)),
              file.path(dir, "propensity.csv"))
  }

  cat(sprintf("%-22s m.order=%-8s matched control=%3d treated=%3d\n", case,
              m_order, as.integer(nn["Matched", "Control"]),
              as.integer(nn["Matched", "Treated"])))
}

# ---- Sanity checks ------------------------------------------------------------

local({
  ss <- read.csv(file.path(fixtures, "matchit", "nn_1to1", "sample_sizes.csv"),
                 check.names = FALSE, stringsAsFactors = FALSE)
  matched <- ss[ss$row == "Matched", ]
  stopifnot(matched$treated == 185, matched$control == 185)
})

cat("Fixtures written under", fixtures, "\n")
