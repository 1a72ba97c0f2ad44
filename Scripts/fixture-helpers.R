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
