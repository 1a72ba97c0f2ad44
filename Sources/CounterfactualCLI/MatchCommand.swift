import ArgumentParser
import Balance
import CohortData
import Foundation
import MatchedComparison
import Matching
import Parallel
import Propensity
import Reporting
import Spreadsheets
import TextFormatting

extension MatchingPlan.Method: ExpressibleByArgument {}
extension DistanceLink: ExpressibleByArgument {}
extension Estimand: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
}
extension MatchOrder: ExpressibleByArgument {}
extension CommonSupport: ExpressibleByArgument {}
extension MatchingKernel: ExpressibleByArgument {}
extension DistanceMetric: ExpressibleByArgument {}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a matched (or weighted) comparison group on a propensity score: nearest neighbour, exact, coarsened exact, subclassification, radius, kernel or inverse-probability weights.",
        discussion: """
        Fits a binomial GLM of the treatment on the covariates (or takes a score column with \
        --distance), matches each treated unit to its nearest control(s) exactly as R's MatchIt 4.7 \
        does, and reports covariate balance before and after matching as MatchIt's summary() does. \
        --method exact, cem or subclass forms subclasses instead (on the covariates' values, on \
        their coarsened values, or on quantiles of the distance) and weights each subclass's \
        comparison units to stand in for its treated units, as MatchIt 4.7 does. \
        --method radius or kernel matches as Stata's psmatch2; --method weighting gives \
        inverse-probability weights as R's WeightIt (ATT, ATC or ATE); --metric mahalanobis matches \
        nearest neighbours or optimal pairs on the Mahalanobis distance of the covariates (MatchIt's mahvars).

        Writes DIR/matches.csv (one line per input row: row, id, treat, distance, weight, subclass, \
        status) and DIR/summary.json (model, counts, balance, settings), and prints the balance table. \
        With --replace, matched sets overlap and subclass is empty; DIR/pairs.csv then lists them \
        (subclass, focal_row, match_row), for `counterfactual effect`.

        Example:
          counterfactual match Datasets/lalonde.csv --treatment treat \\
            --covariates age,educ,race,married,nodegree,re74,re75 \\
            --id id --out out/lalonde
        """
    )

    @Argument(help: "Cohort file: CSV (header row; RFC 4180 quoting; empty or NA = missing), .csv.gz, Stata .dta, SPSS .sav, SAS .sas7bdat or .xpt (chosen by extension).")
    var data: String

    @Option(help: "Treatment column (0 = comparison, 1 = treated).")
    var treatment: String

    @Option(help: "Covariates, comma-separated. Text columns are categorical (R treatment contrasts: the first level in sorted order is the reference).")
    var covariates: String

    @Option(help: "Identifier column copied to matches.csv.")
    var id: String?

    @Option(help: "Numeric columns to treat as categorical, comma-separated.")
    var categorical: String?

    @Option(help: "Matching method: nearest (MatchIt), exact (on the covariates' values), cem (coarsened exact), subclass (quantile subclasses of the distance), optimal (optimal pair matching), full (optimal full matching), radius or kernel (psmatch2), weighting (inverse-probability weights, as WeightIt).")
    var method: MatchingPlan.Method = .nearest

    @Option(help: "Use this column as the distance (your own score) instead of fitting a model.")
    var distance: String?

    @Option(help: "Propensity link and distance scale: logit, linear.logit, probit, linear.probit (linear.* match on the linear predictor).")
    var link: DistanceLink = .logit

    @Option(help: "Estimand: ATT (match controls to treated units) or ATC (match treated units to controls); ATE with --method weighting, exact, cem, subclass or full only.")
    var estimand: Estimand = .att

    @Option(help: "Number of controls per treated unit (k:1), 1 to 1000. Without replacement every treated unit gets its first control before any gets its second.")
    var ratio: Int = 1

    @Flag(help: "Match with replacement (controls may be reused).")
    var replace = false

    @Option(help: "Caliper, in standard deviations of the distance (SD over all units not discarded, n-1 denominator); above 0, at most 100.")
    var caliper: Double?

    @Option(help: "Fewest controls per treated unit: optimal with --max-controls (variable ratio, whole number below --ratio); full (above 0; below 1 = several treated per control). At most 1000.")
    var minControls: Double?

    @Option(help: "Most controls per treated unit: optimal (variable ratio, whole number above --ratio); full (above 0, default no limit). At most 1000.")
    var maxControls: Double?

    @Option(help: "optimal, full: optmatch's tol, the resolution to which distances are rounded before the exact solve, 0 to 0.1 (default 0.001, as MatchIt).")
    var flowTolerance: Double?

    @Option(help: "Matching order: largest, smallest, data, random (default: largest for ATT, smallest for ATC; data with replacement).")
    var order: MatchOrder?

    @Option(help: "Seed for --order random.")
    var seed: UInt64 = 42

    @Option(help: "Match exactly on these columns (comma-separated): units are matched only within cells.")
    var exact: String?

    @Option(help: "Common support: none, treated, control, both (by the range of the distance in each group).")
    var discard: CommonSupport = .none

    @Option(help: "Nearest neighbour and optimal: match on the distance (default) or on the mahalanobis distance of the covariates (pooled within-group covariance, as MatchIt's mahvars; the distance then serves only for --caliper, --order and --discard).")
    var metric: DistanceMetric?

    @Option(help: "Radius matching: every control within this distance of a focal unit, on the distance scale (propensity-score units by default, as psmatch2's caliper; not SDs); above 0, at most 1000. Required by --method radius.")
    var radius: Double?

    @Option(help: "Kernel matching: epanechnikov (default) or gaussian.")
    var kernel: MatchingKernel?

    @Option(help: "Kernel matching: bandwidth on the distance scale (default 0.06, as psmatch2); above 0, at most 1000.")
    var bandwidth: Double?

    @Option(help: "Weighting: trim weights above this quantile of the trimmed group's weights (WeightIt's trim(at =)); above 0.5, below 1.")
    var trim: Double?

    @Flag(help: "Weighting: also raise weights below the 1 - trim quantile (WeightIt's lower = TRUE).")
    var trimLower = false

    @Option(help: "--method subclass: number of subclasses, 2 to 1000 (default 6).")
    var subclass: Int?

    @Option(help: "--method subclass: at least this many units of each group in every subclass, 0 to 100000 (default 1; 0 drops subclasses lacking a group).")
    var minN: Int?

    @Option(help: ArgumentHelp("--method cem: how numeric covariates are cut: sturges (default), scott, fd, a number of bins (0 = exact values, 1 = ignore), or cut points 0,5000,10000; NAME=RULE for one covariate (repeatable).", valueName: "rule"))
    var cutpoints: [String] = []

    @Option(help: ArgumentHelp("--method cem: merge values of a covariate before matching, NAME=VALUE,VALUE,... (repeatable; each is one group).", valueName: "name=values"))
    var grouping: [String] = []

    @Flag(name: .customLong("k2k"), help: "--method cem: k-to-k matching: within each stratum, 1:1 nearest neighbours on the Mahalanobis distance of the covariates, in data order (MatchIt's k2k = TRUE).")
    var k2k = false

    @Flag(help: "Exclude rows with missing values in the columns used (counted and reported) instead of stopping.")
    var dropMissing = false

    @Option(help: "Propensity model convergence tolerance on the relative deviance change (R's glm epsilon), 1e-16 to 0.1.")
    var tolerance: Double = 1e-8

    @Option(help: "Maximum IRLS iterations for the propensity model (R's glm maxit), 1 to 10000.")
    var maxIterations: Int = 25

    @Option(help: "Output folder for matches.csv and summary.json.")
    var out: String

    @Flag(help: "Do not print the balance table.")
    var quiet = false

    @Flag(help: "Print the wall-clock time of each stage on standard error.")
    var timings = false

    @Flag(name: .customLong("report"), help: "Also write report.html and report.md (as `counterfactual report DIR`).")
    var writesReport = false

    @Flag(name: .customLong("with-data"), help: "Copy every column of the input into matches.csv after its own columns (as MatchIt's match.data()); a name clashing with one of matches.csv's own columns gets the prefix input_.")
    var withData = false

    @Flag(name: .customLong("xlsx"), help: "Also write workbook.xlsx: the balance table as a spreadsheet (numbers as typed cells).")
    var writesWorkbook = false

    /// The matching plan these flags describe.
    var matchingPlan: MatchingPlan {
        MatchingPlan(method: method, link: link, distanceColumn: distance, estimand: estimand, order: order,
                     discard: discard, ratio: ratio, replace: replace, caliper: caliper, exact: list(exact ?? ""),
                     seed: seed, tolerance: tolerance, maxIterations: maxIterations, radius: radius, kernel: kernel,
                     bandwidth: bandwidth, trim: trim, trimLower: trimLower, metric: metric, subclasses: subclass, minN: minN,
                     cutpoints: (try? parsedCutpoints()) ?? nil, grouping: parsedGrouping(), k2k: k2k ? true : nil,
                     minControls: minControls, maxControls: maxControls, flowTolerance: flowTolerance)
    }

    /// `--cutpoints`: one RULE for every numeric covariate, or NAME=RULE entries.
    func parsedCutpoints() throws -> CutpointsChoice? {
        guard !cutpoints.isEmpty else { return nil }
        if cutpoints.count == 1, !cutpoints[0].contains("=") {
            guard let rule = Cutpoints(text: cutpoints[0]) else { throw ValidationError(Self.cutpointsProblem(cutpoints[0])) }
            return .all(rule)
        }
        var byName: [String: Cutpoints] = [:]
        for entry in cutpoints {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let rule = Cutpoints(text: parts[1]) else {
                throw ValidationError(Self.cutpointsProblem(entry))
            }
            guard byName[parts[0]] == nil else { throw ValidationError("--cutpoints names '\(parts[0])' twice; give one rule per covariate.") }
            byName[parts[0]] = rule
        }
        return .byVariable(byName)
    }

    static func cutpointsProblem(_ entry: String) -> String {
        "--cutpoints '\(entry)' must be RULE or NAME=RULE, RULE being sturges, scott, fd, a whole number of bins or cut points such as 0,5000,10000 (one RULE alone applies to every numeric covariate)."
    }

    /// `--grouping NAME=VALUE,VALUE,...`, each one group.
    func parsedGrouping() -> [String: [[String]]]? {
        guard !grouping.isEmpty else { return nil }
        var groups: [String: [[String]]] = [:]
        for entry in grouping {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            groups[parts[0], default: []].append(parts.count == 2 ? list(parts[1]) : [])
        }
        return groups
    }

    func validate() throws {
        if list(covariates).isEmpty { throw ValidationError("--covariates needs at least one column.") }
        for (k, name) in list(covariates).enumerated() where list(covariates)[..<k].contains(name) {
            throw ValidationError("--covariates names '\(name)' twice; list each covariate once.")
        }
        for (option, names) in [("--covariates", list(covariates)), ("--exact", list(exact ?? "")), ("--id", id.map { [$0] } ?? [])]
        where names.contains(treatment) {
            throw ValidationError("\(option) names the treatment column '\(treatment)'; the treatment cannot be matched on or be the id.")
        }
        for name in list(categorical ?? "") where !(list(covariates) + list(exact ?? "")).contains(name) {
            throw ValidationError("--categorical names '\(name)', which is not among --covariates or --exact; a categorical column must be one of them.")
        }
        for entry in grouping where !entry.contains("=") || entry.hasPrefix("=") {
            throw ValidationError("--grouping '\(entry)' must be NAME=VALUE,VALUE,... (one group of values of covariate NAME to merge).")
        }
        if case .byVariable(let rules)? = try parsedCutpoints() {
            for name in rules.keys.sorted() where !list(covariates).contains(name) {
                throw ValidationError("--cutpoints names '\(name)', which is not among --covariates.")
            }
        }
        for name in (parsedGrouping() ?? [:]).keys.sorted() where !list(covariates).contains(name) {
            throw ValidationError("--grouping names '\(name)', which is not among --covariates.")
        }
        do { try matchingPlan.validate() } catch {
            throw ValidationError("\(error.setting.flag) \(error.problem).")
        }
    }

    func run() throws {
        try runReportingErrors(execute)
    }

    private func execute() throws {
        let plan = matchingPlan
        let covariateNames = list(covariates)
        var needed = [treatment] + covariateNames + plan.exact
        if let id { needed.append(id) }
        if let distance { needed.append(distance) }
        var unique: [String] = []
        for name in needed where !unique.contains(name) { unique.append(name) }

        let output = try OutputFolder(path: out, inputs: [data])
        var clock = StageClock()
        defer { if timings { clock.report() } }
        let progress = ProgressReporter(label: "match", total: 0)
        defer { progress.finish() }
        progress.note("loading \(data)")
        let textColumns = Set(list(categorical ?? ""))
        // The input's SHA-256 for the manifest is taken from the bytes being parsed, on another
        // thread (plain CSV); other formats are hashed from disk when the manifest is written.
        let inputDigest = DigestSlot()
        let options = CSVReadOptions(columns: unique, textColumns: textColumns, identifierColumns: id.map { [$0] } ?? [])
        let table = CohortFileFormat(path: data) == .csv
            ? try CSVReader.read(path: data, options: options, alsoReading: { inputDigest.update($0) })
            : try TableReader.read(path: data, options: options)
        if let id { try table.checkUniqueIdentifiers(id) }
        clock.lap("load")
        let group = try ComparisonGroup.match(
            table: table, treatment: treatment, covariates: covariateNames, dropMissing: dropMissing, plan: plan
        ) { stage in
            switch stage {
            case .frame:
                clock.lap("frame")
                progress.note(distance == nil ? "fitting the propensity model" : "reading the distance")
            case .distance:
                clock.lap("propensity")
                progress.note("matching")
            case .match:
                clock.lap("match")
                progress.note("balance")
            case .balance:
                clock.lap("balance")
            }
        }
        let result = group.result

        progress.note("writing \(out)")
        let treatColumn = try table.column(treatment)
        let idColumn = try id.map { try table.column($0) }
        var report = MatchReport(
            programVersion: counterfactualVersion, file: data, treatment: treatment, covariates: covariateNames,
            idColumn: id, exactColumns: plan.exact, exclusions: group.exclusions, distanceSource: group.distanceSource,
            result: result, balance: group.balance, frameIndexOfRow: group.compactFrameIndexOfRow,
            ids: idColumn, treatmentColumn: treatColumn,
            extraSettings: [
                ("tolerance", .number(tolerance)), ("max_iterations", .int(maxIterations)),
                ("drop_missing", .bool(dropMissing)),
                ("categorical", .array(list(categorical ?? "").map(JSONValue.string))),
            ] + plan.methodSettingsForSummary + subclassSettingsRecord(plan) + flowSettings(result))
        report.method = plan.method.rawValue

        if withData {
            // Every column as text, so each cell is copied as written (missing cells, empty or NA, are empty).
            let all = try TableReader.read(path: data, options: CSVReadOptions(textColumns: Set(table.header)))
            report.inputColumns = all.columns
        }
        let folder = output.staging
        // summary.json (its distance histogram reads every row) is formed on a second thread while
        // matches.csv is written, and written after it.
        let finished = report
        let (summaries, matchesDigest) = try Parallel.beside(tasks: 1, { _ in finished.summaryJSON().serialized() }) {
            try finished.writeMatchesCSV(to: folder.appendingPathComponent("matches.csv").path)
        }
        try write(summaries[0], to: folder.appendingPathComponent("summary.json"))
        if let pairs = report.pairsCSV() { try write(pairs, to: folder.appendingPathComponent("pairs.csv")) }
        if writesWorkbook {
            try Workbook.write([WorkbookTables.balance([(cohort: nil, balance: group.balance)])], to: output.url("workbook.xlsx").path)
        }
        clock.lap("write")
        if writesReport { try writeReport(folder: folder) }
        try writeManifest(folder: folder, inputs: [(role: "data", path: data)],
                          outputs: [(role: "matches", file: "matches.csv"), (role: "summary", file: "summary.json"),
                                    (role: "pairs", file: "pairs.csv"), (role: "workbook", file: "workbook.xlsx")],
                          seeds: result.order == .random ? [("order", String(seed))] : [], timings: clock.stages,
                          digests: (inputs: inputDigest.value.map { [data: $0] } ?? [:], outputs: ["matches.csv": matchesDigest]))
        try output.commit()
        if !quiet {
            let folder = output.destination
            var text = "counterfactual match: \(data)\n"
            let ex = group.exclusions
            text += "Rows: \(ex.rowsRead) read, \(ex.rowsUsed) used, \(ex.rowsDroppedForMissing) excluded for missing values\n"
            switch group.distanceSource {
            case .model(let fit, let link):
                text += "Propensity model: binomial GLM (\(fit.link.rawValue)), \(fit.coefficients.count) coefficients, "
                text += "deviance \(formatFixed(fit.deviance, decimals: 4)), AIC \(formatFixed(fit.aic, decimals: 4)), "
                text += "\(fit.iterations) iterations; distance = \(link.usesLinearPredictor ? "linear predictor" : "probability")\n"
            case .column(let name):
                text += "Distance: column '\(name)' (user supplied)\n"
            }
            switch plan.method {
            case .nearest:
                text += "Matching: nearest neighbour, \(ratio):1, \(replace ? "with" : "without") replacement, "
                text += "order \(result.order.rawValue)"
                if metric == .mahalanobis { text += ", Mahalanobis distance on the covariates" }
                if let w = result.caliperWidth, let c = caliper { text += ", caliper \(c) SD = \(w)" }
            case .radius:
                text += "Matching: radius (psmatch2), every control within \(plan.radius ?? 0) of the distance, with replacement"
            case .kernel:
                text += "Matching: kernel (psmatch2), \((plan.kernel ?? .epanechnikov).rawValue) kernel, bandwidth "
                text += "\(plan.bandwidth ?? MatchingPlan.defaultBandwidth)"
            case .weighting:
                text += "Weighting: inverse-probability weights for the \(plan.estimand.rawValue) (WeightIt, glm)"
                if let trim { text += ", trimmed at the \(trim) quantile\(trimLower ? " (both tails)" : "")" }
                let ess = group.balance.sampleSizes.matchedESS
                text += "; effective sample size: treated \(formatFixed(ess.treated, decimals: 2)), "
                text += "control \(formatFixed(ess.control, decimals: 2))"
            case .optimal:
                text += "Matching: optimal pair, \(ratio):1"
                if let mx = maxControls { text += " (\(Int(minControls ?? 1)) to \(Int(mx)) controls)" }
                if metric == .mahalanobis { text += ", Mahalanobis distance on the covariates" }
                if let w = result.caliperWidth, let c = caliper { text += ", caliper \(c) SD = \(w)" }
            case .full:
                text += "Matching: optimal full, controls per subclass \(minControls.map { "\($0)" } ?? "0") to \(maxControls.map { "\($0)" } ?? "Inf")"
                if let w = result.caliperWidth, let c = caliper { text += ", caliper \(c) SD = \(w)" }
            case .exact, .cem, .subclass:
                text += "Matching: \(plan.subclassMethodDescription(subclassCount: Set(result.subclass.compactMap { $0 }).count))"
            }
            if plan.method != .subclass, discard != .none { text += ", discard \(discard.rawValue)" }
            if !plan.exact.isEmpty { text += ", exact on \(plan.exact.joined(separator: ","))" }
            text += "\n"
            if let objective = result.objective {
                text += "Objective: total matched distance \(formatFixed(objective.totalDistance, decimals: 6)) "
                text += "(exact optimum of optmatch's rounded problem, resolution \(objective.resolution); within \(formatFixed(objective.bound, decimals: 6)) of the real optimum)\n"
            }
            for w in result.warnings { text += "Warning: \(w)\n" }
            text += "\n" + report.balanceText()
            text += "\nWrote \(folder.appendingPathComponent("matches.csv").path) and \(folder.appendingPathComponent("summary.json").path)\n"
            print(text, terminator: "")
        }
        // Everything is written, flushed and in place: end the process here instead of first
        // handing back, array by array, the memory of the table, the match and the report.
        progress.finish()
        if timings { clock.report() }
        endProcessWithoutTeardown()
    }
}

/// The subclass methods' settings for summary.json (as resolved, defaults included).
func subclassSettingsRecord(_ plan: MatchingPlan) -> [(String, JSONValue)] {
    switch plan.method {
    case .subclass:
        return [("subclass", .int(plan.subclasses ?? SubclassMethod.defaultSubclasses)),
                ("min_n", .int(plan.minN ?? SubclassMethod.defaultMinN))]
    case .cem:
        return [("cutpoints", .string(plan.cutpointsDescription)),
                ("grouping", .object((plan.grouping ?? [:]).sorted { $0.key < $1.key }.map { name, groups in
                    (name, .array(groups.map { .array($0.map(JSONValue.string)) })) }))]
    default:
        return []
    }
}

extension Match {
    /// The settings and the objective of an optimal or full match, for summary.json (none for
    /// nearest, whose summary stays as it was).
    func flowSettings(_ result: MatchResult) -> [(String, JSONValue)] {
        guard method == .optimal || method == .full else { return [] }
        var out: [(String, JSONValue)] = [
            ("min_controls", minControls.map(JSONValue.number) ?? .null),
            ("max_controls", maxControls.map(JSONValue.number) ?? .null),
            ("flow_tolerance", .number(flowTolerance ?? 0.001)),
        ]
        if let o = result.objective {
            out.append(("objective", .object([
                ("total_distance", .number(o.totalDistance)), ("integer_cost", .int(Int(o.integerCost))),
                ("resolution", .number(o.resolution)), ("bound", .number(o.bound)),
            ])))
        }
        return out
    }
}

extension MatchingPlan.Setting {
    /// The `match` flag that sets this.
    var flag: String { "--" + rawValue.replacingOccurrences(of: "_", with: "-") }
}

/// Splits a comma-separated option into trimmed, non-empty names.
func list(_ s: String) -> [String] {
    s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

/// A value written by one thread before another waits for it (the group's wait orders the two).
/// The SHA-256 of an input, fed piece by piece (in order, from one thread) while it is parsed.
final class DigestSlot: @unchecked Sendable {
    private var stream: SHA256Stream?

    /// Adds the next piece of the input.
    func update(_ bytes: UnsafeRawBufferPointer) {
        if stream == nil { stream = SHA256Stream() }
        stream!.update(bytes)
    }

    /// The digest of every piece given, or nil when none was (the input was not read this way).
    var value: String? { stream?.hexDigest() }
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

extension MatchingPlan {
    /// The method's own settings as summary.json's extra settings (defaults resolved); for nearest and optimal only a metric given.
    var methodSettingsForSummary: [(String, JSONValue)] {
        switch method {
        case .nearest, .optimal: return metric.map { [(Setting.metric.rawValue, .string($0.rawValue))] } ?? []
        case .radius: return [(Setting.radius.rawValue, radius.map(JSONValue.number) ?? .null)]
        case .kernel:
            return [(Setting.kernel.rawValue, .string((kernel ?? .epanechnikov).rawValue)),
                    (Setting.bandwidth.rawValue, .number(bandwidth ?? MatchingPlan.defaultBandwidth))]
        case .weighting:
            return [(Setting.trim.rawValue, trim.map(JSONValue.number) ?? .null),
                    (Setting.trimLower.rawValue, .bool(trimLower))]
        case .exact, .cem, .subclass, .full:
            return []
        }
    }
}
