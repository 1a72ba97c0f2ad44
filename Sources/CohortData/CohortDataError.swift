/// Why a cohort file could not be used. Every case names the file and, where one exists, the
/// line (1-based, header = line 1) and column, and `description` is one sentence plus a hint.
/// In a statistical file (Stata, SPSS, SAS), which has no lines, `line` is the row (1-based
/// observation number) and the column is a variable (`CellLocation`).
public enum CohortDataError: Error, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case empty(file: String)
    case duplicateColumn(file: String, column: String)
    case missingColumn(file: String, column: String, available: [String])
    case raggedRow(file: String, line: Int, expected: Int, found: Int)
    case unterminatedQuote(file: String, line: Int)
    case nonNumeric(file: String, line: Int, column: String, value: String)
    case nonFinite(file: String, line: Int, column: String, value: String)
    case treatmentNotBinary(file: String, line: Int, column: String, value: String)
    case missingValues(file: String, column: String, count: Int, firstLine: Int)
    case constantCovariate(file: String, column: String)
    case tooFewUnits(file: String, group: String, count: Int)
    case noRows(file: String)
    case duplicateLevelName(file: String, name: String)
    case invalidDate(file: String, line: Int, column: String, value: String)
    case invalidUTF8(file: String, line: Int, column: String, byteOffset: Int)
    /// An identifier repeats the one on `firstLine`.
    case duplicateIdentifier(file: String, line: Int, column: String, value: String, firstLine: Int)
    /// ReadStat rejected a Stata, SPSS or SAS file's content (damaged, truncated, or not that format).
    case unreadableStatisticalFile(file: String, reason: String)
    /// A `.csv.gz` file is not gzip data, is damaged, or ends early.
    case corruptCompressedFile(file: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read the file (\(reason)); check the path and permissions."
        case .empty(let file):
            return "\(file): the file is empty; a header row naming the columns is required."
        case .duplicateColumn(let file, let column):
            return "\(file), line 1: column '\(column)' appears more than once in the header; rename one of them."
        case .missingColumn(let file, let column, let available):
            // Only a name close to the one asked for is quoted, never the header itself: the file may
            // be anything a plan points to, and its first line is not ours to print.
            if let near = Self.closest(to: column, in: available) {
                return "\(file): no column named '\(column)' among the header's \(available.count) columns; did you mean '\(near)'?"
            }
            return "\(file): no column named '\(column)' among the header's \(available.count) columns; check the spelling and the file."
        case .raggedRow(let file, let line, let expected, let found):
            return "\(file), line \(line): expected \(expected) fields as in the header but found \(found); check for an unquoted comma or a missing field."
        case .unterminatedQuote(let file, let line):
            return "\(file), line \(line): a quoted field is never closed; add the closing double quote."
        case .nonNumeric(let file, let line, let column, let value):
            if CohortFileFormat(path: file).isStatistical {
                return "\(CellLocation.describe(file: file, line: line, column: column)): '\(value)' is not a number; the variable must be stored as numeric (not as a string, a date or with value labels), or be declared categorical if it is."
            }
            return "\(file), line \(line), column '\(column)': '\(value)' is not a number; fix the value, mark it missing (empty or NA), or declare the column categorical if it is."
        case .nonFinite(let file, let line, let column, let value):
            return "\(CellLocation.describe(file: file, line: line, column: column)): '\(value)' is not a finite number; infinite and NaN values cannot be used."
        case .treatmentNotBinary(let file, let line, let column, let value):
            return "\(CellLocation.describe(file: file, line: line, column: column)): treatment must be 0 or 1 but is '\(value)'; recode the treatment column."
        case .missingValues(let file, let column, let count, let firstLine):
            return "\(file), column '\(column)': \(count) missing value\(count == 1 ? "" : "s") (first at \(CellLocation.position(file: file, line: firstLine))); fill them in, or exclude those rows and count them (match --drop-missing; drop_missing = true in a plan's [data])."
        case .constantCovariate(let file, let column):
            return "\(file), column '\(column)': the covariate takes a single value in the rows used, so it cannot enter the model; remove it from --covariates."
        case .tooFewUnits(let file, let group, let count):
            return "\(file): only \(count) \(group) unit\(count == 1 ? "" : "s") in the rows used; at least 2 are needed in each group."
        case .noRows(let file):
            return "\(file): the file has a header but no data rows."
        case .invalidDate(let file, let line, let column, let value):
            return "\(CellLocation.describe(file: file, line: line, column: column)): '\(value)' is not a date; write dates as YYYY-MM-DD\(CohortFileFormat(path: file).isStatistical ? " (in a Stata, SPSS or SAS file: a numeric variable with a date format)" : "")."
        case .duplicateIdentifier(let file, let line, let column, let value, let firstLine):
            return "\(file), line \(line), column '\(column)': the id '\(value)' is already on line \(firstLine); ids must be unique (two rows with one id would be read as one person)."
        case .invalidUTF8(let file, let line, let column, let byteOffset):
            return "\(file), line \(line), column '\(column)': byte \(byteOffset) of the file is not valid UTF-8; save the file as UTF-8 (identifiers that differ only in such bytes would otherwise be read as the same)."
        case .unreadableStatisticalFile(let file, let reason):
            return "\(file): cannot read the file as \(CohortFileFormat(path: file).displayName) (\(reason)); check that the file is complete and is in the format its extension says."
        case .corruptCompressedFile(let file, let reason):
            return "\(file): cannot decompress the file: \(reason); copy or download it again, or check it with gzip -t."
        case .duplicateLevelName(let file, let name):
            return "\(file): expanding categorical covariates produces the column name '\(name)' twice; rename a column or a level."
        }
    }

    /// The header name nearest to `name` (case-insensitive edit distance at most 2, or a
    /// case-only difference), if there is exactly one such best name.
    static func closest(to name: String, in names: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            if a.isEmpty { return b.count }
            var previous = Array(0...b.count)
            for (i, x) in a.enumerated() {
                var current = [i + 1] + Array(repeating: 0, count: b.count)
                for (j, y) in b.enumerated() {
                    current[j + 1] = Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
        let target = Array(name.lowercased())
        let scored = names.filter { $0.count <= 64 }.map { ($0, distance(target, Array($0.lowercased()))) }
        guard let best = scored.map(\.1).min(), best <= Swift.min(2, Swift.max(1, target.count / 3)) else { return nil }
        let winners = scored.filter { $0.1 == best }
        return winners.count == 1 ? winners[0].0 : nil
    }
}
