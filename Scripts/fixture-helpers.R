# Shared by the fixture scripts (source from the repository root):
#   source(file.path("Scripts", "fixture-helpers.R"))
# Writes CSV fixtures: header row, no row names, "\n" line endings, doubles as %.17g (they parse
# back exactly), integers and logicals (0/1) plain, NA as an empty field, strings quoted only when
# they contain a comma, a quote or a line break.

fmt_col <- function(x) {
  if (is.factor(x)) x <- as.character(x)
  if (is.logical(x)) x <- as.integer(x)
  if (is.integer(x)) {
    s <- as.character(x)
  } else if (is.double(x)) {
    s <- sprintf("%.17g", x)
  } else {
    s <- as.character(x)
    needs <- grepl("[\",\n]", s)
    s[needs] <- paste0("\"", gsub("\"", "\"\"", s[needs]), "\"")
  }
  s[is.na(x)] <- ""
  s
}

# Writes `df` to `dir/name` (dir defaults to the calling script's `out_dir`).
write_fixture <- function(df, name, dir = out_dir) {
  cols <- lapply(df, fmt_col)
  lines <- do.call(paste, c(cols, sep = ","))
  con <- file(file.path(dir, name), open = "wb")
  writeLines(c(paste(names(df), collapse = ","), lines), con, sep = "\n")
  close(con)
}

# The synthetic cohort of the effects fixtures (fixtures-effects.R, fixtures-effects-replace.R,
# fixtures-ai2016.R): 400 units, covariates x1, x2 and a factor g (as text), a logit treatment and
# three outcomes, from one seed. Every script draws the same numbers.
effects_synthetic_cohort <- function() {
  set.seed(20240612)
  n <- 400
  synth <- data.frame(
    x1 = round(rnorm(n), 3),
    x2 = round(runif(n, 0, 10), 2),
    g = sample(c("a", "b", "c"), n, replace = TRUE),
    stringsAsFactors = FALSE)
  lp <- -1 + 0.6 * synth$x1 + 0.08 * synth$x2 + ifelse(synth$g == "b", 0.4, 0)
  synth$treat <- rbinom(n, 1, plogis(lp))
  mu_y <- 1 + synth$treat * (0.5 + 0.3 * synth$x1) + 0.2 * synth$x2
  synth$y_gaussian <- round(mu_y + rnorm(n), 4)
  synth$y_binomial <- rbinom(n, 1, plogis(-0.5 + 0.4 * synth$treat + 0.3 * synth$x1 + 0.05 * synth$x2))
  synth$y_poisson <- rpois(n, exp(0.2 + 0.3 * synth$treat + 0.2 * synth$x1 + 0.03 * synth$x2))
  synth
}
