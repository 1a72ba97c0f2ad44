import Balance
import Dispatch
import Foundation
import Parallel
import CohortData
import MatchedComparison
import Matching
import Propensity

/// Everything a `match` run produced, with the inputs that produced it, ready to be written out.
public struct MatchReport: Sendable {
    /// How the distance was obtained (the matching pipeline's `DistanceSource`).
    public typealias DistanceSource = MatchedComparison.DistanceSource

    public var programVersion: String
    public var file: String
    public var treatment: String
    public var covariates: [String]
    public var idColumn: String?
    public var exactColumns: [String]
    public var exclusions: ExclusionReport
    public var distanceSource: DistanceSource
    public var result: MatchResult
    public var balance: BalanceSummary
    /// For each input row: its index in the frame, or nil when it was excluded.
    public var frameIndexOfRow: [Int?]
    /// The id column, if any (its text is copied into matches.csv).
    public var ids: Column?
    /// The treatment column as read (for excluded rows too).
    public var treatmentColumn: Column
    /// Extra settings to record (model tolerance, iterations, ...).
    public var extraSettings: [(String, JSONValue)]

    public init(
        programVersion: String, file: String, treatment: String, covariates: [String], idColumn: String?,
        exactColumns: [String], exclusions: ExclusionReport, distanceSource: DistanceSource,
        result: MatchResult, balance: BalanceSummary, frameIndexOfRow: [Int?], ids: Column?,
        treatmentColumn: Column, extraSettings: [(String, JSONValue)] = []
    ) {
        self.programVersion = programVersion
        self.file = file
        self.treatment = treatment
        self.covariates = covariates
        self.idColumn = idColumn
        self.exactColumns = exactColumns
        self.exclusions = exclusions
        self.distanceSource = distanceSource
        self.result = result
        self.balance = balance
        self.frameIndexOfRow = frameIndexOfRow
        self.ids = ids
        self.treatmentColumn = treatmentColumn
        self.extraSettings = extraSettings
    }

    // MARK: matches.csv

    /// `matches.csv`: one line per input row — `row` (1-based input row), `id` (with `--id`),
    /// `treat`, `distance`, `weight`, `subclass` (empty when unmatched or with replacement), and
    /// `status` (`matched`, `unmatched`, `discarded` for common support, `excluded` for rows
    /// dropped for missing values).
    public func matchesCSV() -> [UInt8] {
        var out: [UInt8] = []
        forEachMatchesChunk { out.append(contentsOf: $0) }
        return out
    }

    /// Streams `matches.csv` to a file: chunks of rows are formatted in parallel and written in
    /// order, so memory stays bounded at any size.
    public func writeMatchesCSV(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw ReportWriteError(path: path, reason: "cannot create the file")
        }
        var failure: Error?
        forEachMatchesChunk { bytes in
            guard failure == nil else { return }
            do { try handle.write(contentsOf: bytes) } catch { failure = error }
        }
        do { try handle.close() } catch { failure = failure ?? error }
        if let failure { throw ReportWriteError(path: path, reason: (failure as NSError).localizedDescription) }
    }

    /// Calls `body` with the header and then each formatted chunk of lines, in order.
    func forEachMatchesChunk(_ body: ([UInt8]) -> Void) {
        var header = "row"
        if idColumn != nil { header += ",id" }
        header += ",treat,distance,weight,subclass,status\n"
        body(Array(header.utf8))
        let rows = frameIndexOfRow.count
        let chunk = 65_536
        let chunks = (rows + chunk - 1) / chunk
        let batch = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        let report = self
        var first = 0
        while first < chunks {
            let count = min(batch, chunks - first)
            let start = first
            let parts = Parallel.map(count) { k -> [UInt8] in
                let c = start + k
                var out: [UInt8] = []
                out.reserveCapacity(chunk * 48)
                for row in (c * chunk)..<min(rows, (c + 1) * chunk) {
                    report.appendMatchLine(row: row, to: &out)
                }
                return out
            }
            for part in parts { body(part) }
            first += count
        }
    }

    private func appendMatchLine(row: Int, to out: inout [UInt8]) {
        out.append(contentsOf: String(row + 1).utf8)
        if let ids { out.append(0x2C); out.append(contentsOf: csvField(ids.text(at: row)).utf8) }
        out.append(0x2C); out.append(contentsOf: csvField(treatmentColumn.text(at: row)).utf8)
        if let i = frameIndexOfRow[row] {
            let w = result.weights[i]
            let status = w > 0 ? "matched" : (result.discarded[i] ? "discarded" : "unmatched")
            out.append(0x2C); out.append(contentsOf: JSONValue.format(result.distance[i]).utf8)
            out.append(0x2C); out.append(contentsOf: JSONValue.format(w).utf8)
            out.append(0x2C); if let s = result.subclass[i] { out.append(contentsOf: String(s).utf8) }
            out.append(0x2C); out.append(contentsOf: status.utf8)
        } else {
            out.append(contentsOf: ",,0,,excluded".utf8)
        }
        out.append(0x0A)
    }

    // MARK: summary.json

    /// The full machine-readable summary.
    public func summaryJSON() -> JSONValue {
        let spec = result.specification
        var settings: [(String, JSONValue)] = [
            ("treatment", .string(treatment)),
            ("covariates", .array(covariates.map(JSONValue.string))),
            ("id", idColumn.map(JSONValue.string) ?? .null),
            ("method", .string("nearest")),
        ]
        switch distanceSource {
        case .model(_, let link):
            settings.append(("distance", .string("glm")))
            settings.append(("link", .string(link.rawValue)))
        case .column(let name):
            settings.append(("distance", .string("column:" + name)))
            settings.append(("link", .null))
        }
        settings += [
            ("estimand", .string(spec.estimand.rawValue)),
            ("ratio", .int(spec.ratio)),
            ("replace", .bool(spec.replace)),
            ("caliper_sd", .number(spec.caliper)),
            ("caliper_width", .number(result.caliperWidth)),
            ("order", .string(result.order.rawValue)),
            ("seed", result.order == .random ? .string(String(spec.seed)) : .null),
            ("discard", .string(spec.discard.rawValue)),
            ("exact", .array(exactColumns.map(JSONValue.string))),
        ]
        settings += extraSettings

        var propensity: JSONValue = .null
        if case .model(let fit, _) = distanceSource {
            func byName(_ value: (Coefficient) -> Double) -> JSONValue {
                .object(fit.coefficients.map { ($0.name, .number(value($0))) })
            }
            propensity = .object([
                ("family", .string("binomial")),
                ("link", .string(fit.link.rawValue)),
                ("coefficients", byName(\.estimate)),
                ("standard_errors", byName(\.standardError)),
                ("z_values", byName(\.zValue)),
                ("p_values", byName(\.pValue)),
                ("deviance", .number(fit.deviance)),
                ("null_deviance", .number(fit.nullDeviance)),
                ("aic", .number(fit.aic)),
                ("df_residual", .int(fit.dfResidual)),
                ("df_null", .int(fit.dfNull)),
                ("iterations", .int(fit.iterations)),
            ])
        }

        let s = balance.sampleSizes
        func pair(_ g: GroupCounts) -> JSONValue {
            .object([("control", .number(g.control)), ("treated", .number(g.treated))])
        }
        let counts: JSONValue = .object([
            ("all", pair(s.all)), ("all_ess", pair(s.allESS)),
            ("matched", pair(s.matched)), ("matched_ess", pair(s.matchedESS)),
            ("unmatched", pair(s.unmatched)), ("discarded", pair(s.discarded)),
        ])

        let rows = zip(balance.all, balance.matched).map { before, after -> JSONValue in
            .object([
                ("covariate", .string(before.name)),
                ("mean_treated_before", .number(before.meanTreated)),
                ("mean_control_before", .number(before.meanControl)),
                ("mean_treated_after", .number(after.meanTreated)),
                ("mean_control_after", .number(after.meanControl)),
                ("smd_before", .number(before.standardizedMeanDifference)),
                ("smd_after", .number(after.standardizedMeanDifference)),
                ("variance_ratio_before", .number(before.varianceRatio)),
                ("variance_ratio_after", .number(after.varianceRatio)),
                ("ecdf_mean_before", .number(before.ecdfMean)),
                ("ecdf_mean_after", .number(after.ecdfMean)),
                ("ecdf_max_before", .number(before.ecdfMax)),
                ("ecdf_max_after", .number(after.ecdfMax)),
                ("std_pair_dist_after", .number(after.standardizedPairDistance)),
            ])
        }

        var missing: [(String, JSONValue)] = []
        for name in exclusions.missingByColumn.keys.sorted() {
            missing.append((name, .int(exclusions.missingByColumn[name] ?? 0)))
        }
        let data: JSONValue = .object([
            ("file", .string(file)),
            ("rows_read", .int(exclusions.rowsRead)),
            ("rows_used", .int(exclusions.rowsUsed)),
            ("rows_excluded_missing", .int(exclusions.rowsDroppedForMissing)),
            ("missing_by_column", .object(missing)),
        ])

        return .object([
            ("program", .object([("name", .string("counterfactual")), ("version", .string(programVersion))])),
            ("data", data),
            ("settings", .object(settings)),
            ("propensity", propensity),
            ("counts", counts),
            ("balance", .array(rows)),
            ("common_support", distanceHistogram(distance: result.distance, treated: result.treated, weights: result.weights)),
            ("warnings", .array(result.warnings.map(JSONValue.string))),
        ])
    }

    // MARK: readable text

    /// The sample-size and balance tables as aligned text.
    public func balanceText() -> String {
        var out = ""
        let s = balance.sampleSizes
        out += "Sample sizes\n"
        let sizeRows: [(String, GroupCounts)] = [
            ("All (ESS)", s.allESS), ("All", s.all), ("Matched (ESS)", s.matchedESS),
            ("Matched", s.matched), ("Unmatched", s.unmatched), ("Discarded", s.discarded),
        ]
        out += TextTable(
            header: ["", "Control", "Treated"],
            rows: sizeRows.map { [$0.0, formatCount($0.1.control), formatCount($0.1.treated)] }
        ).render()
        out += "\nBalance (before -> after matching)\n"
        let rows = zip(balance.all, balance.matched).map { b, a -> [String] in
            [b.name,
             fixed(b.meanTreated), fixed(b.meanControl), fixed(a.meanTreated), fixed(a.meanControl),
             fixed(b.standardizedMeanDifference), fixed(a.standardizedMeanDifference),
             fixed(b.varianceRatio), fixed(a.varianceRatio),
             fixed(b.ecdfMax), fixed(a.ecdfMax)]
        }
        out += TextTable(
            header: ["Covariate", "Mean T", "Mean C", "Mean T (m)", "Mean C (m)", "SMD", "SMD (m)", "VR", "VR (m)",
                     "eCDF max", "eCDF max (m)"],
            rows: rows
        ).render()
        let focal = result.specification.estimand == .att ? "treated" : "control"
        out += "(m) = after matching (weighted); SMD = standardised mean difference, scaled by the SD of the \(focal) "
        out += "group before matching; VR = variance ratio (treated/control); eCDF max = largest gap between the "
        out += "groups' empirical distribution functions; '.' = not applicable (binary variable).\n"
        return out
    }
}

/// A field quoted for CSV when it needs it (RFC 4180).
func csvField(_ s: String) -> String {
    if s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) {
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return s
}

/// A number with four decimals, or a dot for "not applicable".
func fixed(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "." }
    return formatFixed(x, decimals: 4)
}

/// Whole numbers as integers, others with two decimals (effective sample sizes).
func formatCount(_ x: Double) -> String {
    x == x.rounded() ? String(Int(x)) : formatFixed(x, decimals: 2)
}

/// Fixed-point formatting without Foundation's locale dependence.
public func formatFixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    if scaled >= 9.0e15 { return "\(x)" }
    let integer = Int64(scaled)
    let whole = integer / Int64(scale)
    let fraction = integer % Int64(scale)
    var f = String(fraction)
    while f.count < decimals { f = "0" + f }
    let sign = (x < 0 && integer != 0) ? "-" : ""
    return decimals > 0 ? "\(sign)\(whole).\(f)" : "\(sign)\(whole)"
}

/// A right-aligned text table with a left-aligned first column.
public struct TextTable {
    public var header: [String]
    public var rows: [[String]]

    public init(header: [String], rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    public func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { j in all.map { $0.count > j ? $0[j].count : 0 }.max() ?? 0 }
        var out = ""
        for (k, row) in all.enumerated() {
            var line = ""
            for j in header.indices {
                let cell = j < row.count ? row[j] : ""
                let pad = String(repeating: " ", count: widths[j] - cell.count)
                line += j == 0 ? cell + pad : "  " + pad + cell
            }
            out += line + "\n"
            if k == 0 { out += String(repeating: "-", count: line.count) + "\n" }
        }
        return out
    }
}

/// An output file could not be written.
public struct ReportWriteError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): cannot write the output (\(reason)); check that the folder is writable." }
}
