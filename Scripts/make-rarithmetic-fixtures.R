# R's sum(), mean() and sd() on vectors where extended-precision accumulation shows, for
# Tests/RArithmeticTests. Run from the repository root: Rscript Scripts/make-rarithmetic-fixtures.R
# Writes Tests/Fixtures/rarithmetic/vectors.csv (vector, index, x) and results.csv (vector, n, sum,
# mean, sd). R on x86-64 accumulates in 80-bit long double; the values below differ from plain
# double summation in the last bits (and, for "cancel", entirely).
source(file.path("Scripts", "fixture-helpers.R"))
out_dir <- file.path("Tests", "Fixtures", "rarithmetic")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
set.seed(20261126)
vectors <- list(
  cancel = c(1e16, 1, 1, -1e16),
  tenths = c(0.1, 0.2, 0.3),
  repeated = rep(0.1, 10),
  weights = rep(c(1, 1/3, 1/3, 1/3, 0.5, 0.5), 50),
  uniform = runif(1000) * 1e6 + 0.1,
  lognormal = exp(rnorm(5000, 3, 2)),
  mixed_sign = rnorm(2000) * 10^sample(-8:8, 2000, replace = TRUE)
)
long <- do.call(rbind, lapply(names(vectors), function(v) {
  data.frame(vector = v, index = seq_along(vectors[[v]]), x = vectors[[v]])
}))
write_fixture(long, "vectors.csv")
results <- do.call(rbind, lapply(names(vectors), function(v) {
  x <- vectors[[v]]
  data.frame(vector = v, n = length(x), sum = sum(x), mean = mean(x), sd = sd(x))
}))
write_fixture(results, "results.csv")
cat("R", R.version$major, ".", R.version$minor, "on", R.version$arch, "\n")
