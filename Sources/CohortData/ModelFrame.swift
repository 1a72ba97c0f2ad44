import Columns
import HugePages

/// A covariate as the user named it, and how it enters a model.
public struct CovariateTerm: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Enters as itself.
        case numeric
        /// A categorical variable with these levels, sorted in byte (C-locale) order; the first
        /// is the reference level under treatment contrasts.
        case categorical(levels: [String])
    }
    /// Column name.
    public let name: String
    /// Numeric or categorical.
    public let kind: Kind
}

/// A column of a design matrix derived from a covariate.
public struct DesignColumn: Sendable, Equatable {
    /// R-style name: the covariate name, or covariate name + level for an indicator
    /// (`race` + `hispan` = `racehispan`).
    public let name: String
    /// The covariate it comes from.
    public let term: String
    /// Values for the rows of the frame: a numeric covariate's doubles (shared with the loaded
    /// table), or a level's indicator over the categorical covariate's codes (no doubles stored).
    public let column: NumericColumn

    /// Values for the rows of the frame, as doubles (built on each call for an indicator).
    public var values: [Double] { column.values }

    /// A column of doubles.
    public init(name: String, term: String, values: [Double]) {
        self.init(name: name, term: term, column: .dense(values))
    }

    /// A column in either storage.
    public init(name: String, term: String, column: NumericColumn) {
        self.name = name
        self.term = term
        self.column = column
    }
}

/// Rows excluded while building a model frame, and why. Nothing is dropped silently: callers
/// report this.
public struct ExclusionReport: Sendable, Equatable, Codable {
    /// Rows in the file.
    public var rowsRead: Int
    /// Rows kept.
    public var rowsUsed: Int
    /// Rows dropped for a missing value in a required column (with `dropMissing`).
    public var rowsDroppedForMissing: Int
    /// Missing cells per required column (among all rows read), for the report.
    public var missingByColumn: [String: Int]
}

/// The rows and columns a propensity model and a matching run use, validated.
///
/// Built from a `CohortTable`: the treatment column must hold only 0 and 1; each covariate is
/// numeric or categorical (a text column, or one listed as categorical when loading). Rows with a
/// missing value in any required column are rejected (error with the count and first line) or,
/// with `dropMissing`, excluded and counted.
public struct ModelFrame: Sendable {
    /// The source file.
    public let file: String
    /// Indices (0-based) into the source table of the rows used (every row, with nothing stored, when
    /// none is excluded).
    public let rows: RowSelection
    /// Treatment indicator (0 or 1) per row used.
    public let treatment: [Double]
    /// Covariates in the order given.
    public let terms: [CovariateTerm]
    /// Columns for a regression with an intercept: numeric covariates as they are, categorical
    /// ones as indicators of every level but the first (R's treatment contrasts).
    public let modelColumns: [DesignColumn]
    /// Columns for balance tables: numeric covariates, and an indicator for every level of each
    /// categorical covariate (as MatchIt's `summary()` shows them).
    public let balanceColumns: [DesignColumn]
    /// What was excluded.
    public let exclusions: ExclusionReport

    /// Number of rows used.
    public var count: Int { rows.count }

    /// Builds and validates a frame.
    /// - Parameters:
    ///   - table: the loaded cohort.
    ///   - treatment: the 0/1 treatment column.
    ///   - covariates: covariate columns, in model order.
    ///   - alsoRequired: other columns whose missing values exclude a row (e.g. a distance,
    ///     exact-matching or id column).
    ///   - balanceOnly: variables shown in balance tables but not in the model (MatchIt adds
    ///     exact-matching variables to its balance table this way); they are also required.
    ///   - dropMissing: exclude rows with missing values instead of failing.
    public init(
        table: CohortTable, treatment: String, covariates: [String],
        alsoRequired: [String] = [], balanceOnly: [String] = [], dropMissing: Bool = false
    ) throws {
        file = table.file
        let treatColumn = try table.column(treatment)
        let covariateColumns = try covariates.map { try table.column($0) }
        let balanceOnlyColumns = try balanceOnly.filter { !covariates.contains($0) }.map { try table.column($0) }
        var required = [treatColumn] + covariateColumns
        for name in alsoRequired + balanceOnly where !required.contains(where: { $0.name == name }) {
            required.append(try table.column(name))
        }

        // Missing values.
        var missingByColumn: [String: Int] = [:]
        var keep: [Bool]? = nil
        for column in required where column.missingCount > 0 {
            missingByColumn[column.name] = column.missingCount
            if !dropMissing {
                let first = (0..<table.rowCount).first(where: column.isMissing) ?? 0
                throw CohortDataError.missingValues(file: file, column: column.name, count: column.missingCount,
                                                    firstLine: table.line(ofRow: first))
            }
            if keep == nil { keep = Array(repeating: true, count: table.rowCount) }
            for r in 0..<table.rowCount where column.isMissing(r) { keep![r] = false }
        }
        // Every row when nothing is missing (no list); otherwise counted first, so the row list is
        // allocated once at its final size.
        let used: RowSelection
        if let keep {
            let usedCount = keep.reduce(0) { $0 + ($1 ? 1 : 0) }
            used = RowSelection([Int](hugePagesCapacity: usedCount) { buffer, initialized in
                var k = 0
                for r in 0..<table.rowCount where keep[r] { buffer[k] = r; k += 1 }
                initialized = k
            })
        } else {
            used = RowSelection(everyRowOf: table.rowCount)
        }
        rows = used
        exclusions = ExclusionReport(rowsRead: table.rowCount, rowsUsed: used.count,
                                     rowsDroppedForMissing: table.rowCount - used.count,
                                     missingByColumn: missingByColumn)
        if table.rowCount == 0 { throw CohortDataError.noRows(file: file) }

        // Treatment: exactly 0 or 1.
        var t = [Double]()
        switch treatColumn.values {
        case .numeric(let v):
            if let bad = treatColumn.firstNonFinite {
                throw CohortDataError.treatmentNotBinary(file: file, line: table.line(ofRow: bad.row), column: treatment, value: bad.text)
            }
            // (Every row when all are used: one pass along the column.)
            if let r = used.count == table.rowCount ? v.firstIndex(where: { $0 != 0 && $0 != 1 })
                                                    : used.first(where: { v[$0] != 0 && v[$0] != 1 }) {
                throw CohortDataError.treatmentNotBinary(file: file, line: table.line(ofRow: r), column: treatment,
                                                         value: treatColumn.text(at: r))
            }
            // The table's own array when every row is used (no copy).
            t = used.count == table.rowCount ? v : used.map { v[$0] }
        case .text:
            let r = used.first ?? 0
            let bad = treatColumn.firstNonNumeric ?? (row: r, text: treatColumn.text(at: r))
            throw CohortDataError.treatmentNotBinary(file: file, line: table.line(ofRow: bad.row), column: treatment, value: bad.text)
        }
        self.treatment = t
        let treatedCount = t.reduce(0) { $0 + Int($1) }
        if treatedCount < 2 { throw CohortDataError.tooFewUnits(file: file, group: "treated", count: treatedCount) }
        if t.count - treatedCount < 2 { throw CohortDataError.tooFewUnits(file: file, group: "control", count: t.count - treatedCount) }

        // Covariates.
        var terms: [CovariateTerm] = []
        var model: [DesignColumn] = []
        var balance: [DesignColumn] = []
        for (k, column) in (covariateColumns + balanceOnlyColumns).enumerated() {
            let inModel = k < covariateColumns.count
            switch column.values {
            case .numeric(let v):
                if let bad = column.firstNonFinite {
                    throw CohortDataError.nonFinite(file: file, line: table.line(ofRow: bad.row), column: column.name, value: bad.text)
                }
                let values = used.count == table.rowCount ? v : used.map { v[$0] }
                if let first = values.first, values.allSatisfy({ $0 == first }) {
                    throw CohortDataError.constantCovariate(file: file, column: column.name)
                }
                let d = DesignColumn(name: column.name, term: column.name, values: values)
                if inModel {
                    terms.append(CovariateTerm(name: column.name, kind: .numeric))
                    model.append(d)
                }
                balance.append(d)
            case .text(let codes, let levels):
                var present = Array(repeating: false, count: levels.count)
                if used.isEveryRow {
                    for code in codes { present[Int(code)] = true }
                } else {
                    for r in used { present[Int(codes[r])] = true }
                }
                let sortedLevels = levels.indices.filter { present[$0] }.map { levels[$0] }
                    .sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                if sortedLevels.count < 2 {
                    throw CohortDataError.constantCovariate(file: file, column: column.name)
                }
                if inModel { terms.append(CovariateTerm(name: column.name, kind: .categorical(levels: sortedLevels))) }
                // Indicators over the codes of the rows used (the table's own array when every row is).
                let usedCodes = used.count == table.rowCount ? codes : used.map { codes[$0] }
                for (k, level) in sortedLevels.enumerated() {
                    guard let code = levels.firstIndex(of: level) else { continue }
                    let d = DesignColumn(name: column.name + level, term: column.name,
                                         column: .indicator(codes: usedCodes, level: Int32(code)))
                    if k > 0, inModel { model.append(d) }
                    balance.append(d)
                }
            }
        }
        var names = Set<String>()
        for d in balance where !names.insert(d.name).inserted {
            throw CohortDataError.duplicateLevelName(file: file, name: d.name)
        }
        self.terms = terms
        self.modelColumns = model
        self.balanceColumns = balance
    }

    /// Number of treated rows.
    public var treatedCount: Int { treatment.reduce(0) { $0 + Int($1) } }
}
