import ArgumentParser
import Balance
import CohortData
import Foundation
import Matching
import Propensity
import Reporting
import TextFormatting

extension DistanceLink: ExpressibleByArgument {}
extension Estimand: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
extension MatchOrder: ExpressibleByArgument {}
extension CommonSupport: ExpressibleByArgument {}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a matched comparison group by nearest-neighbour matching on a propensity score.",
        discussion: """
        Fits a binomial GLM of the treatment on the covariates (or takes a score column with \
        --distance), matches each treated unit to its nearest control(s) exactly as R's MatchIt 4.7 \
        does, and reports covariate balance before and after matching as MatchIt's summary() does.

        Writes DIR/matches.csv (one line per input row: row, id, treat, distance, weight, subclass, \
        status) and DIR/summary.json (model, counts, balance, settings), and prints the balance table.

        Example:
          counterfactual match Datasets/lalonde.csv --treatment treat \\
            --covariates age,educ,race,married,nodegree,re74,re75 --id id --out out/lalonde
        """
    )

    @Argument(help: "Cohort CSV file (header row; RFC 4180 quoting; empty or NA = missing).")
    var data: String

    @Option(help: "Treatment column (0 = comparison, 1 = treated).")
    var treatment: String

    @Option(help: "Covariates, comma-separated. Text columns are categorical (R treatment contrasts: the first level in sorted order is the reference).")
    var covariates: String

    @Option(help: "Identifier column copied to matches.csv.")
    var id: String?

    @Option(help: "Numeric columns to treat as categorical, comma-separated.")
    var categorical: String?

    @Option(help: "Use this column as the distance (your own score) instead of fitting a model.")
    var distance: String?

    @Option(help: "Propensity link and distance scale: logit, linear.logit, probit, linear.probit (linear.* match on the linear predictor).")
    var link: DistanceLink = .logit

    @Option(help: "Estimand: ATT (match controls to treated units) or ATC (match treated units to controls).")
    var estimand: Estimand = .att

    @Option(help: "Number of controls per treated unit (k:1). Without replacement every treated unit gets its first control before any gets its second.")
    var ratio: Int = 1

    @Flag(help: "Match with replacement (controls may be reused).")
    var replace = false

    @Option(help: "Caliper, in standard deviations of the distance (SD over all units not discarded, n-1 denominator).")
    var caliper: Double?

    @Option(help: "Matching order: largest, smallest, data, random (default: largest for ATT, smallest for ATC; data with replacement).")
    var order: MatchOrder?

    @Option(help: "Seed for --order random.")
    var seed: UInt64 = 42

    @Option(help: "Match exactly on these columns (comma-separated): units are matched only within cells.")
    var exact: String?

    @Option(help: "Common support: none, treated, control, both (by the range of the distance in each group).")
    var discard: CommonSupport = .none

    @Flag(help: "Exclude rows with missing values in the columns used (counted and reported) instead of stopping.")
    var dropMissing = false

    @Option(help: "Propensity model convergence tolerance on the relative deviance change (R's glm epsilon).")
    var tolerance: Double = 1e-8

    @Option(help: "Maximum IRLS iterations for the propensity model (R's glm maxit).")
    var maxIterations: Int = 25

    @Option(help: "Output folder for matches.csv and summary.json.")
    var out: String

    @Flag(help: "Do not print the balance table.")
    var quiet = false

    @Flag(help: "Print the wall-clock time of each stage on standard error.")
    var timings = false

    @Flag(name: .customLong("report"), help: "Also write report.html and report.md (as `counterfactual report DIR`).")
    var writesReport = false

    func validate() throws {
        if ratio < 1 { throw ValidationError("--ratio must be at least 1.") }
        if let caliper, !(caliper > 0 && caliper.isFinite) {
            throw ValidationError("--caliper must be a positive number of standard deviations.")
        }
        if list(covariates).isEmpty { throw ValidationError("--covariates needs at least one column.") }
        if tolerance <= 0 { throw ValidationError("--tolerance must be positive.") }
        if maxIterations < 1 { throw ValidationError("--max-iterations must be at least 1.") }
    }

    func run() throws {
        do {
            try execute()
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }

    private func execute() throws {
        let covariateNames = list(covariates)
        let exactNames = list(exact ?? "")
        var needed = [treatment] + covariateNames + exactNames
        if let id { needed.append(id) }
        if let distance { needed.append(distance) }
        var unique: [String] = []
        for name in needed where !unique.contains(name) { unique.append(name) }

        var clock = StageClock()
        defer { if timings { clock.report() } }
        let progress = ProgressReporter(label: "match", total: 0)
        defer { progress.finish() }
        progress.note("loading \(data)")
        let textColumns = Set(list(categorical ?? ""))
        let table = try CSVReader.read(path: data, options: CSVReadOptions(
            columns: unique, textColumns: textColumns, identifierColumns: id.map { [$0] } ?? []))
        clock.lap("load")
        let frame = try ModelFrame(
            table: table, treatment: treatment, covariates: covariateNames,
            alsoRequired: distance.map { [$0] } ?? [], balanceOnly: exactNames, dropMissing: dropMissing)
        let treated = frame.treatment.map { $0 == 1 }
        clock.lap("frame")
        progress.note(distance == nil ? "fitting the propensity model" : "reading the distance")

        // Distance.
        let source: MatchReport.DistanceSource
        let distanceValues: [Double]
        if let distance {
            let values = try table.numeric(distance)
            distanceValues = frame.rows.map { values[$0] }
            source = .column(distance)
        } else {
            let fit = try BinomialGLM.fit(
                columns: frame.modelColumns.map(\.values), names: frame.modelColumns.map(\.name),
                response: frame.treatment, link: link.binomialLink, tolerance: tolerance,
                maxIterations: maxIterations)
            distanceValues = link.distance(from: fit)
            source = .model(fit, link)
        }

        clock.lap("propensity")
        progress.note("matching")

        // Exact cells.
        var cells: [Int]? = nil
        if !exactNames.isEmpty {
            let columns = try exactNames.map { try table.column($0) }
            var cellIDs: [[String]: Int] = [:]
            cells = frame.rows.map { r in
                let key = columns.map { $0.text(at: r) }
                if let c = cellIDs[key] { return c }
                let c = cellIDs.count
                cellIDs[key] = c
                return c
            }
        }

        let specification = NearestNeighborSpecification(
            ratio: ratio, replace: replace, caliper: caliper, order: order, discard: discard,
            estimand: estimand, seed: seed)
        let result = try NearestNeighborMatcher.match(
            treated: treated, distance: distanceValues, exactCells: cells, specification: specification)

        clock.lap("match")
        progress.note("balance")
        let balanceInputs = [BalanceCovariate(name: "distance", values: distanceValues)]
            + frame.balanceColumns.map { BalanceCovariate(name: $0.name, values: $0.values) }
        let balance = summarizeBalance(
            covariates: balanceInputs, treated: treated, weights: result.weights,
            subclass: replace ? nil : result.subclass, discarded: result.discarded,
            estimand: estimand == .att ? .att : .atc,
            matchMatrix: MatchMatrix(focalUnits: result.focalUnits, matches: result.matches))

        clock.lap("balance")
        progress.note("writing \(out)")
        var frameIndexOfRow: [Int?] = Array(repeating: nil, count: table.rowCount)
        for (k, r) in frame.rows.enumerated() { frameIndexOfRow[r] = k }
        let treatColumn = try table.column(treatment)
        let idColumn = try id.map { try table.column($0) }
        let report = MatchReport(
            programVersion: counterfactualVersion, file: data, treatment: treatment, covariates: covariateNames,
            idColumn: id, exactColumns: exactNames, exclusions: frame.exclusions, distanceSource: source,
            result: result, balance: balance, frameIndexOfRow: frameIndexOfRow,
            ids: idColumn, treatmentColumn: treatColumn,
            extraSettings: [
                ("tolerance", .number(tolerance)), ("max_iterations", .int(maxIterations)),
                ("drop_missing", .bool(dropMissing)),
                ("categorical", .array(list(categorical ?? "").map(JSONValue.string))),
            ])

        let folder = URL(fileURLWithPath: out, isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError(path: folder.path, reason: (error as NSError).localizedDescription)
        }
        do {
            try report.writeMatchesCSV(to: folder.appendingPathComponent("matches.csv").path)
        } catch let e as ReportWriteError {
            throw OutputError(path: e.path, reason: e.reason)
        }
        try write(report.summaryJSON().serialized(), to: folder.appendingPathComponent("summary.json"))
        clock.lap("write")
        try writeManifest(folder: folder, inputs: [(role: "data", path: data)],
                          outputs: [(role: "matches", file: "matches.csv"), (role: "summary", file: "summary.json")],
                          seeds: order == .random ? [("order", String(seed))] : [], timings: clock.stages)

        if writesReport { try writeReport(folder: folder) }
        if !quiet {
            var text = "counterfactual match: \(data)\n"
            let ex = frame.exclusions
            text += "Rows: \(ex.rowsRead) read, \(ex.rowsUsed) used, \(ex.rowsDroppedForMissing) excluded for missing values\n"
            switch source {
            case .model(let fit, let link):
                text += "Propensity model: binomial GLM (\(fit.link.rawValue)), \(fit.coefficients.count) coefficients, "
                text += "deviance \(formatFixed(fit.deviance, decimals: 4)), AIC \(formatFixed(fit.aic, decimals: 4)), "
                text += "\(fit.iterations) iterations; distance = \(link.usesLinearPredictor ? "linear predictor" : "probability")\n"
            case .column(let name):
                text += "Distance: column '\(name)' (user supplied)\n"
            }
            text += "Matching: nearest neighbour, \(ratio):1, \(replace ? "with" : "without") replacement, "
            text += "order \(result.order.rawValue)"
            if let w = result.caliperWidth, let c = caliper { text += ", caliper \(c) SD = \(w)" }
            if discard != .none { text += ", discard \(discard.rawValue)" }
            if !exactNames.isEmpty { text += ", exact on \(exactNames.joined(separator: ","))" }
            text += "\n"
            for w in result.warnings { text += "Warning: \(w)\n" }
            text += "\n" + report.balanceText()
            text += "\nWrote \(folder.appendingPathComponent("matches.csv").path) and \(folder.appendingPathComponent("summary.json").path)\n"
            print(text, terminator: "")
        }
    }
}

/// Splits a comma-separated option into trimmed, non-empty names.
func list(_ s: String) -> [String] {
    s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// Wall-clock time of successive stages.
struct StageClock {
    private var last = DispatchTime.now().uptimeNanoseconds
    private(set) var stages: [(String, Double)] = []

    /// Ends the current stage.
    mutating func lap(_ name: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        stages.append((name, Double(now - last) / 1e9))
        last = now
    }

    func report() {
        var text = "timings:"
        for (name, seconds) in stages { text += " \(name) \(formatFixed(seconds, decimals: 3))s" }
        text += " total \(formatFixed(stages.reduce(0) { $0 + $1.1 }, decimals: 3))s\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
