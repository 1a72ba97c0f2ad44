/// The values of one column, stored contiguously.
public enum ColumnValues: Sendable, Equatable {
    /// Numbers; a missing cell (empty or `NA`) is stored as NaN. (Literal NaN and infinities in
    /// a numeric column are rejected at load time, so NaN always means missing.)
    case numeric([Double])
    /// Text, dictionary-encoded: `codes[i]` indexes `levels`, or is -1 for a missing cell.
    /// Levels are in order of first appearance.
    case text(codes: [Int32], levels: [String])
}

/// One column of a cohort table.
public struct Column: Sendable, Equatable {
    /// Header name.
    public let name: String
    /// The values.
    public let values: ColumnValues
    /// Number of missing cells.
    public let missingCount: Int
    /// For a text column: the first cell that is not a number (0-based row and text), which
    /// is what an error message needs when a number was expected.
    public let firstNonNumeric: (row: Int, text: String)?
    /// For a numeric column: the first non-finite literal (NaN, Inf), if any.
    public let firstNonFinite: (row: Int, text: String)?

    public init(
        name: String, values: ColumnValues, missingCount: Int,
        firstNonNumeric: (row: Int, text: String)? = nil,
        firstNonFinite: (row: Int, text: String)? = nil
    ) {
        self.name = name
        self.values = values
        self.missingCount = missingCount
        self.firstNonNumeric = firstNonNumeric
        self.firstNonFinite = firstNonFinite
    }

    public static func == (lhs: Column, rhs: Column) -> Bool {
        lhs.name == rhs.name && lhs.values == rhs.values && lhs.missingCount == rhs.missingCount
    }

    /// Whether cell `row` is missing.
    public func isMissing(_ row: Int) -> Bool {
        switch values {
        case .numeric(let v): return v[row].isNaN
        case .text(let codes, _): return codes[row] < 0
        }
    }

    /// The cell as text, as it appeared in the file (numbers re-rendered).
    public func text(at row: Int) -> String {
        switch values {
        case .numeric(let v): return v[row].isNaN ? "" : formatShortest(v[row])
        case .text(let codes, let levels): return codes[row] < 0 ? "" : levels[Int(codes[row])]
        }
    }
}

/// A cohort loaded from a CSV file: a set of named columns of equal length (struct of arrays).
public struct CohortTable: Sendable {
    /// Path of the source file, as given (used in every error message).
    public let file: String
    /// All column names in the file's header, in order.
    public let header: [String]
    /// The loaded columns (a subset of `header` when only some were requested), in header order.
    public let columns: [Column]
    /// Number of data rows.
    public let rowCount: Int
    /// Physical line (1-based) on which each data row starts; header is line 1.
    let rowLines: RowLines

    public init(file: String, header: [String], columns: [Column], rowCount: Int, rowLines: [Int32]) {
        self.init(file: file, header: header, columns: columns, rowCount: rowCount, rowLines: .listed(rowLines))
    }

    init(file: String, header: [String], columns: [Column], rowCount: Int, rowLines: RowLines) {
        precondition(rowLines.count == rowCount)
        self.file = file
        self.header = header
        self.columns = columns
        self.rowCount = rowCount
        self.rowLines = rowLines
    }

    /// Builds a table from in-memory columns (rows are taken to be on lines 2, 3, ...).
    public init(file: String, columns: [Column]) {
        let n = columns.first.map { c -> Int in
            switch c.values {
            case .numeric(let v): return v.count
            case .text(let codes, _): return codes.count
            }
        } ?? 0
        self.init(file: file, header: columns.map(\.name), columns: columns, rowCount: n,
                  rowLines: .consecutive(first: 2, count: n))
    }

    /// The 1-based line of the file on which data row `row` (0-based) starts.
    public func line(ofRow row: Int) -> Int { Int(rowLines[row]) }

    /// The named column.
    /// - Throws: `CohortDataError.missingColumn` when it is absent.
    public func column(_ name: String) throws -> Column {
        guard let c = columns.first(where: { $0.name == name }) else {
            throw CohortDataError.missingColumn(file: file, column: name, available: header)
        }
        return c
    }

    /// The named column as numbers (NaN = missing).
    /// - Throws: `missingColumn`, `nonNumeric` (naming the first offending line), or
    ///   `nonFinite` when the column holds a literal NaN or infinity.
    public func numeric(_ name: String) throws -> [Double] {
        let c = try column(name)
        switch c.values {
        case .numeric(let v):
            if let bad = c.firstNonFinite {
                throw CohortDataError.nonFinite(file: file, line: line(ofRow: bad.row), column: name, value: bad.text)
            }
            return v
        case .text:
            // A column read as text with no rows (e.g. declared text in a header-only file) holds
            // no cell that is not a number.
            guard rowCount > 0 else { return [] }
            let bad = c.firstNonNumeric ?? (row: 0, text: c.text(at: 0))
            throw CohortDataError.nonNumeric(file: file, line: line(ofRow: bad.row), column: name, value: bad.text)
        }
    }

    /// A copy holding only the given rows (in the given order).
    public func selecting(rows: [Int]) -> CohortTable {
        let cols = columns.map { c -> Column in
            let values: ColumnValues
            var missing = 0
            switch c.values {
            case .numeric(let v):
                let s = rows.map { v[$0] }
                missing = s.reduce(0) { $0 + ($1.isNaN ? 1 : 0) }
                values = .numeric(s)
            case .text(let codes, let levels):
                let s = rows.map { codes[$0] }
                missing = s.reduce(0) { $0 + ($1 < 0 ? 1 : 0) }
                values = .text(codes: s, levels: levels)
            }
            return Column(name: c.name, values: values, missingCount: missing)
        }
        return CohortTable(file: file, header: header, columns: cols, rowCount: rows.count,
                           rowLines: .listed(rows.map { rowLines[$0] }))
    }
}

/// The physical line (1-based) on which each data row starts: for the usual file (one record a
/// line, no blank lines) a first line and a count, 4 bytes a row fewer than the list (40 MB at ten
/// million rows); otherwise every row's line.
enum RowLines: Sendable, Equatable {
    /// Row `r` starts on line `first + r`.
    case consecutive(first: Int32, count: Int)
    /// Row `r` starts on line `lines[r]`.
    case listed([Int32])

    var count: Int {
        switch self {
        case .consecutive(_, let count): return count
        case .listed(let lines): return lines.count
        }
    }

    subscript(row: Int) -> Int32 {
        switch self {
        case .consecutive(let first, let count):
            precondition(row >= 0 && row < count, "RowLines: row \(row) of \(count)")
            return first + Int32(row)
        case .listed(let lines): return lines[row]
        }
    }

    /// Every row's line.
    var lines: [Int32] {
        switch self {
        case .consecutive(let first, let count): return (0..<count).map { first + Int32($0) }
        case .listed(let lines): return lines
        }
    }
}

/// Shortest decimal text that reads back to the same `Double` (Swift's description, without a
/// trailing ".0" for integral values, matching how R prints such numbers in CSV output).
public func formatShortest(_ x: Double) -> String {
    if x.isNaN { return "NA" }
    if x.isInfinite { return x > 0 ? "Inf" : "-Inf" }
    if x == x.rounded(), abs(x) < 1e15 {
        return String(Int64(x))
    }
    return "\(x)"
}
