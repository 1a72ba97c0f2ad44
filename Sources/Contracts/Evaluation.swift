import Balance
import CohortData
import Foundation
import MatchedComparison
import Matching
import Outcomes
import PaymentRules
import Propensity
import Sensitivity

/// Why an evaluation could not be done (beyond data, model and matching errors, which keep their own types).
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case rowInTwoCohorts(file: String, line: Int, first: String, second: String)
    case badFlag(file: String, line: Int, column: String, value: String)
    case provenBeforeOffence(file: String, line: Int, offence: String, proven: String)
    case missingDate(file: String, line: Int, column: String)
    case emptyCohort(name: String, selection: String, treated: Int, controls: Int)
    case frozenMismatch(String)
    /// An `[effects] covariates` name that is not a column of the cohort file (the reading error).
    case unknownEffectCovariate(CohortDataError)

    public var description: String {
        switch self {
        case .unknownEffectCovariate(let error):
            return "[effects] covariates: \(error)"
        case .frozenMismatch(let what):
            return "the frozen matched sets no longer fit the data: \(what); re-run the matching stage."
        case .rowInTwoCohorts(let file, let line, let first, let second):
            return "\(CellLocation.describe(file: file, line: line)): the person is in both cohort '\(first)' and cohort '\(second)'; cohorts must not overlap, or the same people would be paid for twice."
        case .badFlag(let file, let line, let column, let value):
            return "\(CellLocation.describe(file: file, line: line, column: column)): '\(value)' is not 1/0, true/false or yes/no."
        case .provenBeforeOffence(let file, let line, let offence, let proven):
            return "\(CellLocation.describe(file: file, line: line)): the offence was proven (\(proven)) before it was committed (\(offence)); correct the dates."
        case .missingDate(let file, let line, let column):
            return "\(CellLocation.describe(file: file, line: line, column: column)): the date is missing; every record needs it."
        case .emptyCohort(let name, let selection, let treated, let controls):
            return "cohort '\(name)' (\(selection)) has \(treated) treated and \(controls) comparison people; at least 2 of each are needed; check the cohort's definition."
        }
    }
}

/// A statistic that could not be estimated, with the reason (reported instead of a number).
public struct NotEstimable: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Everything computed for one cohort.
public struct CohortEvaluation: Sendable {
    public var cohort: ContractPlan.Cohort
    public var exclusions: ExclusionReport
    /// The matched comparison group (propensity model or user distance, match, balance).
    public var comparison: ComparisonGroup
    public var match: MatchResult { comparison.result }
    public var balance: BalanceSummary { comparison.balance }
    /// Treated / comparison people in the cohort's rows, and matched.
    public var treatedInCohort: Int
    public var comparisonPool: Int
    public var rates: GroupRates
    /// The weighted totals behind `rates`, exactly (for the payment rule).
    public var exactTotals: ExactGroupTotals
    /// Difference in means by weighted least squares, with cluster-robust errors: by matched set
    /// without replacement; by matched set and unit (two-way, on get_matches()-style rows) with
    /// replacement.
    public var linearModel: LinearModelFit
    /// The contract's inference: a Wald test of the log rate ratio from `linearModel`'s
    /// covariance, whose interval excludes no change exactly when p < alpha (docs/inference.md).
    public var rateRatio: Result<RateRatioInference, NotEstimable>
    /// Whether the rate-ratio test is significant at the plan's level (false when not estimable).
    public var significant: Bool
    /// The Justice Data Lab style statement (or why it is withheld), from the same test.
    public var statement: String
    public var poisson: Result<CountModelFit, NotEstimable>
    public var negativeBinomial: Result<CountModelFit, NotEstimable>
    public var welch: Result<WelchTest, NotEstimable>
    public var proportion: Result<ProportionTest, NotEstimable>?
    public var bootstrap: Result<BootstrapResult, NotEstimable>?
    public var survival: Result<(treated: KaplanMeierCurve, comparison: KaplanMeierCurve), NotEstimable>
    public var logRank: Result<LogRankTest, NotEstimable>
    /// Justice Data Lab reporting rules: reasons the headline or the time-to-reoffence result is withheld.
    public var headlineWithheld: String?
    public var timeToReoffenceWithheld: String?
    public var reoffenders: (treated: Int, comparison: Int)
    /// The p-value of the rate-ratio test (NaN when not estimable).
    public var pValue: Double
    /// Sensitivity to hidden bias (Sensitivity module): Rosenbaum bounds on the matched sets,
    /// one-sided at α/2 towards a reduction; not estimable when matched with replacement.
    public var hiddenBias: Result<MatchedOutcomeSensitivity, NotEstimable>
    /// The E-value of the rate ratio and of its interval's limit nearer 1 (VanderWeele & Ding 2017).
    public var eValue: Result<EValue, NotEstimable>
    /// The Justice Data Lab replica's three measures (`measure = "jdl"` only).
    public var justiceDataLab: Result<JusticeDataLabReplica, NotEstimable>? = nil
    /// The Justice Data Lab's match-quality table (`measure = "jdl"` only).
    public var standardisedDifferences: [StandardisedDifference]? = nil
    /// The g-computation effect of the matching estimand (`[effects]` only): beside the contract's
    /// test, never used by it.
    public var effect: Result<CohortEffect, NotEstimable>? = nil
}

/// The effect of the matching estimand on the plan's outcome by g-computation
/// (`Outcomes.GComputation`, MatchIt's vignette "Estimating Effects After Matching"): the outcome
/// model `y ~ treat` (`y ~ treat * (covariates)` with `[effects] covariates`) fitted with the
/// matching weights, delta-method standard errors from the covariance MatchIt's vignette advises
/// for the matching (`CohortEffect.covariance(for:)`).
public struct CohortEffect: Sendable {
    public var result: GComputationResult
    /// Why this covariance (which rule chose it).
    public var covarianceReason: String

    /// The covariance for a match, as `counterfactual effect --vcov auto` chooses it: two-way by
    /// matched set and unit when matched sets overlap (matching with replacement, on
    /// `get_matches()` rows); by matched set or subclass where the method forms them (nearest and
    /// optimal pairs, full matching's subclasses); HC3 otherwise (exact, cem and subclass, whose
    /// few large subclasses make poor clusters, and weights without sets: kernel, weighting).
    public static func covariance(for match: MatchResult, method: MatchingPlan.Method) -> (GComputation.Covariance, String) {
        if match.setsOverlap {
            return (.setAndUnit, "matched with replacement: two-way cluster-robust by matched set and unit on get_matches() rows, as MatchIt's vignette advises")
        }
        if [.exact, .cem, .subclass].contains(method) {
            return (.hc3, "method \(method.rawValue) forms no pairs (or few subclasses): robust HC3, as MatchIt's vignette advises")
        }
        if match.clusters != nil {
            return (.clusterRobust, "matching without replacement: cluster-robust by matched set (subclass), as MatchIt's vignette advises")
        }
        return (.hc3, "the matching records no matched sets: robust HC3")
    }

    /// Estimates the effect on `outcome` (indexed like the match's units, whose arms are `treated`).
    /// `covariates`: the outcome model's columns indexed like the match's units
    /// (`Evaluator.effectCovariates`), empty for `y ~ treat`.
    static func estimate(outcome y: [Double], treated: [Bool], match: MatchResult, method: MatchingPlan.Method, family: OutcomeFamily,
                         covariates: [EffectCovariate] = [], estimand: Estimand, level: Double) throws -> CohortEffect {
        guard let target = GComputation.Target(rawValue: estimand.rawValue) else {
            throw OutcomesError.invalidArgument("the estimand \(estimand.rawValue) has no g-computation target")
        }
        let (covariance, reason) = covariance(for: match, method: method)
        let procedure: GComputation
        if covariance == .setAndUnit {
            let rows = try MatchedSetRows(outcome: y, treated: treated, focalUnits: match.focalUnits, matches: match.matches)
            procedure = try GComputation(rows: rows, covariates: covariates, family: family, target: target)
        } else {
            let sample = try MatchedSample(outcome: y, treated: treated, weights: match.weights,
                                           cluster: covariance == .clusterRobust ? match.clusters : nil)
            procedure = try GComputation(sample: sample, covariates: covariates, family: family, target: target)
        }
        return CohortEffect(result: try procedure.estimate(covariance: covariance, level: level), covarianceReason: reason)
    }
}

/// A completed evaluation.
public struct Evaluation: Sendable {
    public var plan: ContractPlan
    public var derivation: ReoffendingCounts
    public var cohortRowsRead: Int
    public var eventRowsRead: Int
    public var cohorts: [CohortEvaluation]
    public var decision: PaymentDecision
    /// The pooled log rate-ratio test (nil for a single cohort; not estimable when a cohort's is not).
    public var pooledTest: Result<PooledRateRatio, NotEstimable>?
    /// Which rows were evaluated in which cohort, and the count of every row that was not.
    public var assignment: CohortAssignment
    /// Offence records whose id is not in the cohort file (extracts are wider than cohorts: counted, not an error).
    public var eventsOfUnknownIDs: Int
    /// Offence records of people in the cohort file who are not evaluated (outside every cohort, or
    /// their index release is another row).
    public var eventsOfPeopleNotEvaluated: Int
    /// Columns of the cohort file the plan does not use (read past, not an error), in file order.
    public var unusedCohortColumns: [String]
    /// Columns of the events file the plan does not use, in file order.
    public var unusedEventColumns: [String]
    /// Rows of the cohort file in no cohort's release window (listed, not silently dropped).
    public var rowsOutsideCohorts: Int { assignment.outsideCohorts }
}

/// Reads a traced column: 1/0, true/false or yes/no (any case); anything else is an error naming
/// the line.
func tracedFlags(table: CohortTable, column name: String) throws -> [Bool] {
    let column = try table.column(name)
    return try (0..<table.rowCount).map { r in
        switch column.text(at: r).lowercased() {
        case "1", "true", "yes": return true
        case "0", "false", "no": return false
        case let other:
            throw EvaluationError.badFlag(file: table.file, line: table.line(ofRow: r), column: name, value: other)
        }
    }
}

/// One cohort's matched comparison, as the matching stage leaves it (no outcome data needed).
public struct MatchedCohort: Sendable, Codable {
    public var name: String
    /// The cohort file's rows evaluated in this cohort (0-based, file order); the comparison
    /// group's input row `k` is file row `rows[k]`.
    public var rows: [Int]
    /// Treated and comparison people among `rows`.
    public var treatedInCohort: Int
    public var comparisonPool: Int
    public var group: ComparisonGroup
    /// The Justice Data Lab's match-quality table (standardised differences before and after
    /// matching, graded), computed for `measure = "jdl"` only.
    public var standardisedDifferences: [StandardisedDifference]? = nil
}

/// The matching stage of an evaluation: the cohort file read, people assigned to cohorts and every
/// cohort's comparison group built, without opening the events file (outcome-blind matching, as in
/// Peterborough, where matching was done on data without reoffending).
public struct MatchedCohorts: Sendable {
    public var plan: ContractPlan
    public var cohortRowsRead: Int
    /// Release date of every row of the cohort file (days since 1970-01-01).
    public var release: [Int]
    /// The id of every row of the cohort file.
    public var ids: [String]
    public var assignment: CohortAssignment
    public var cohorts: [MatchedCohort]
    /// Columns of the cohort file the plan does not use, in file order.
    public var unusedCohortColumns: [String]
    /// Per cohort, the `[effects] covariates` of its comparison group's units as outcome-model
    /// columns (`Evaluator.effectCovariates`), or why they cannot be formed; empty when the plan
    /// has none.
    public var effectCovariates: [Result<[EffectCovariate], NotEstimable>] = []
}

/// One column of the g-computation outcome model (a number, or an indicator of a categorical
/// level), indexed like a comparison group's units.
public typealias EffectCovariate = (name: String, values: [Double])

/// Runs a plan: `matchCohorts` (the matching stage), then `score` (outcomes, inference, payment).
public enum Evaluator {
    /// Both stages.
    public static func run(_ plan: ContractPlan, progress: ((String) -> Void)? = nil) throws -> Evaluation {
        try score(try matchCohorts(plan, progress: progress), progress: progress)
    }

    /// The cohort file, read and assigned to cohorts (no matching).
    struct CohortFile {
        var table: CohortTable
        var ids: [String]
        var release: [Int]
        var assignment: CohortAssignment
        /// Header columns not loaded (the plan does not name them).
        var unusedColumns: [String]
    }

    static func readCohortFile(_ plan: ContractPlan, progress: ((String) -> Void)?) throws -> CohortFile {
        let cohortPath = plan.resolve(plan.data.cohort)
        var columns = [plan.data.id, plan.data.treatment, plan.data.releaseDate] + plan.data.covariates + plan.matching.exact
            + (plan.matching.distanceColumn.map { [$0] } ?? []) + plan.cohorts.compactMap { $0.selection.column }
            + (plan.data.traced.map { [$0] } ?? [])
        let effectOnly = (plan.effects?.covariates ?? []).filter { !columns.contains($0) }
        columns = (columns + effectOnly).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        progress?("loading \(cohortPath)")
        let table: CohortTable
        do {
            table = try TableReader.read(path: cohortPath, options: CSVReadOptions(
                columns: columns, textColumns: Set(plan.data.categorical), identifierColumns: [plan.data.id]))
        } catch let error as CohortDataError {
            // A missing column named only by [effects] covariates: say which plan key names it.
            if case .missingColumn(_, let column, _) = error, effectOnly.contains(column) {
                throw EvaluationError.unknownEffectCovariate(error)
            }
            throw error
        }
        let idColumn = try table.column(plan.data.id)
        var ids = [String]()
        ids.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount {
            let id = idColumn.text(at: r)
            if id.isEmpty { throw EvaluationError.missingDate(file: table.file, line: table.line(ofRow: r), column: plan.data.id) }
            ids.append(id)
        }
        let releaseOptional = try table.dates(plan.data.releaseDate)
        var release = [Int](repeating: 0, count: table.rowCount)
        for r in 0..<table.rowCount {
            guard let d = releaseOptional[r] else {
                throw EvaluationError.missingDate(file: table.file, line: table.line(ofRow: r), column: plan.data.releaseDate)
            }
            release[r] = d
        }
        let membership = try plan.cohorts.map { cohort -> [Bool] in
            switch cohort.selection {
            case .released(let from, let to):
                return release.map { $0 >= from && $0 <= to }
            case .column(let name, let value):
                let c = try table.column(name)
                return (0..<table.rowCount).map { c.text(at: $0) == value }
            }
        }
        let traced = try plan.data.traced.map { try tracedFlags(table: table, column: $0) }
        let assignment = try CohortAssignment(
            ids: ids, release: release, membership: membership, traced: traced, extractDate: plan.data.extractDate,
            outcomeMonths: plan.outcome.followUpMonths + plan.outcome.courtLagMonths, file: table.file,
            line: table.line(ofRow:), cohortNames: plan.cohorts.map(\.name))
        return CohortFile(table: table, ids: ids, release: release, assignment: assignment,
                          unusedColumns: table.header.filter { !columns.contains($0) })
    }

    /// The matching stage: reads the cohort file (never the events file), assigns people to
    /// cohorts and matches each cohort.
    public static func matchCohorts(_ plan: ContractPlan, progress: ((String) -> Void)? = nil) throws -> MatchedCohorts {
        let file = try readCohortFile(plan, progress: progress)
        var cohorts: [MatchedCohort] = []
        for (k, cohort) in plan.cohorts.enumerated() {
            progress?("matching \(cohort.name)")
            let rows = file.assignment.rows[k]
            let subset = file.table.selecting(rows: rows)
            let treatValues = try subset.numeric(plan.data.treatment)
            let treatedCount = treatValues.filter { $0 == 1 }.count, controlCount = treatValues.filter { $0 == 0 }.count
            if treatedCount < 2 || controlCount < 2 {
                throw EvaluationError.emptyCohort(name: cohort.name, selection: cohort.selection.description,
                                                  treated: treatedCount, controls: controlCount)
            }
            let group = try ComparisonGroup.match(table: subset, treatment: plan.data.treatment, covariates: plan.data.covariates,
                                                  dropMissing: plan.data.dropMissing, plan: plan.matching)
            var matchedCohort = MatchedCohort(name: cohort.name, rows: rows, treatedInCohort: treatedCount,
                                              comparisonPool: controlCount, group: group)
            if plan.outcome.measure == .jdl {
                // The same model frame as the match (same rows, same balance columns).
                let frame = try ModelFrame(
                    table: subset, treatment: plan.data.treatment, covariates: plan.data.covariates,
                    alsoRequired: plan.matching.distanceColumn.map { [$0] } ?? [], balanceOnly: plan.matching.exact,
                    dropMissing: plan.data.dropMissing)
                matchedCohort.standardisedDifferences = StandardisedDifference.table(
                    covariates: frame.balanceColumns.map { BalanceCovariate(name: $0.name, column: $0.column) },
                    treated: group.treated, weights: group.result.weights)
            }
            cohorts.append(matchedCohort)
        }
        return MatchedCohorts(plan: plan, cohortRowsRead: file.table.rowCount, release: file.release,
                              ids: file.ids, assignment: file.assignment, cohorts: cohorts, unusedCohortColumns: file.unusedColumns,
                              effectCovariates: cohorts.map { effectCovariates(table: file.table, cohort: $0, plan: plan) })
    }

    /// The `[effects] covariates` of a cohort's comparison group, as `counterfactual effect
    /// --covariates` forms them: a model frame (`ModelFrame.modelColumns`: numeric columns as they
    /// are, categorical ones as indicators of every level but the first) over the matched people
    /// (weight above 0) in the group's order, spread back over the group's units (0 for the
    /// unmatched, whose weight keeps them out of the model). A missing value or a constant column
    /// among the matched people makes the effect not estimable, with the reading error as reason.
    static func effectCovariates(table: CohortTable, cohort: MatchedCohort, plan: ContractPlan) -> Result<[EffectCovariate], NotEstimable> {
        let names = plan.effects?.covariates ?? []
        guard !names.isEmpty else { return .success([]) }
        let group = cohort.group
        let matched = group.rows.indices.filter { group.result.weights[$0] > 0 }
        do {
            let selected = table.selecting(rows: matched.map { cohort.rows[group.rows[$0]] })
            let frame = try ModelFrame(table: selected, treatment: plan.data.treatment, covariates: names)
            return .success(frame.modelColumns.map { column in
                var values = [Double](repeating: 0, count: group.rows.count)
                for (k, unit) in matched.enumerated() { values[unit] = column.values[k] }
                return (name: column.name, values: values)
            })
        } catch CohortDataError.missingValues(let file, let column, let count, let firstLine) {
            // The matched people are fixed by the matching: drop_missing cannot leave them out.
            return .failure(NotEstimable(reason: "[effects] covariates: \(file), column '\(column)': \(count) missing value\(count == 1 ? "" : "s") among the matched people (first at \(CellLocation.position(file: file, line: firstLine))); the outcome model needs every matched person's values"))
        } catch {
            return .failure(NotEstimable(reason: "[effects] covariates: \(error)"))
        }
    }

    /// The matching stage restored from frozen matched sets: the cohort file is read and assigned
    /// again (no matching) and must give exactly the rows each frozen cohort was matched on;
    /// otherwise this throws, naming the first cohort that differs.
    public static func restore(_ plan: ContractPlan, frozen: [MatchedCohort], progress: ((String) -> Void)? = nil) throws -> MatchedCohorts {
        let file = try readCohortFile(plan, progress: progress)
        guard frozen.map(\.name) == plan.cohorts.map(\.name) else {
            throw EvaluationError.frozenMismatch("the plan's cohorts (\(plan.cohorts.map(\.name).joined(separator: ", "))) are not the frozen ones (\(frozen.map(\.name).joined(separator: ", ")))")
        }
        for (k, cohort) in frozen.enumerated() where cohort.rows != file.assignment.rows[k] {
            throw EvaluationError.frozenMismatch("cohort '\(cohort.name)' now holds \(file.assignment.rows[k].count) people, not the \(cohort.rows.count) it was matched on")
        }
        return MatchedCohorts(plan: plan, cohortRowsRead: file.table.rowCount, release: file.release,
                              ids: file.ids, assignment: file.assignment, cohorts: frozen, unusedCohortColumns: file.unusedColumns,
                              effectCovariates: frozen.map { effectCovariates(table: file.table, cohort: $0, plan: plan) })
    }

    /// The scoring stage: reads the events file, derives the outcome measures from each person's
    /// index release, compares the matched groups and decides the payments.
    public static func score(_ matched: MatchedCohorts, progress: ((String) -> Void)? = nil) throws -> Evaluation {
        let plan = matched.plan
        let assignment = matched.assignment
        let eventsPath = plan.resolve(plan.data.events)
        progress?("loading \(eventsPath)")
        var eventColumns = [plan.events.id, plan.events.offenceDate, plan.events.provenDate]
        if let d = plan.events.disposal { eventColumns.append(d) }
        let events = try TableReader.read(path: eventsPath, options: CSVReadOptions(
            columns: eventColumns, textColumns: Set([plan.events.id] + (plan.events.disposal.map { [$0] } ?? []))))
        let eventID = try events.column(plan.events.id)
        let offence = try events.dates(plan.events.offenceDate)
        let proven = try events.dates(plan.events.provenDate)
        let disposal = try plan.events.disposal.map { try events.column($0) }
        let cautions = Set(plan.events.cautionValues)
        var records: [OffenceRecord] = []
        records.reserveCapacity(events.rowCount)
        var eventsOfUnknownIDs = 0, eventsOfPeopleNotEvaluated = 0
        let knownIDs = Set(matched.ids)
        for r in 0..<events.rowCount {
            let id = eventID.text(at: r)
            guard let person = assignment.indexRowOfID[id] else {
                if knownIDs.contains(id) { eventsOfPeopleNotEvaluated += 1 } else { eventsOfUnknownIDs += 1 }
                continue
            }
            guard let o = offence[r] else {
                throw EvaluationError.missingDate(file: events.file, line: events.line(ofRow: r), column: plan.events.offenceDate)
            }
            guard let p = proven[r] else {
                throw EvaluationError.missingDate(file: events.file, line: events.line(ofRow: r), column: plan.events.provenDate)
            }
            if p < o {
                throw EvaluationError.provenBeforeOffence(file: events.file, line: events.line(ofRow: r),
                                                          offence: CalendarDate.format(o), proven: CalendarDate.format(p))
            }
            records.append(OffenceRecord(person: person, offenceDay: o, provenDay: p,
                                         isCaution: disposal.map { cautions.contains($0.text(at: r)) } ?? false))
        }
        let windows = ReoffendingWindows(followUpMonths: plan.outcome.followUpMonths, courtLagMonths: plan.outcome.courtLagMonths,
                                         countCautions: plan.outcome.countCautions)
        let measures = ReoffendingMeasures(releaseDays: matched.release, records: records, windows: windows)

        var evaluations: [CohortEvaluation] = []
        for (k, (cohort, m)) in zip(plan.cohorts, matched.cohorts).enumerated() {
            progress?("scoring \(cohort.name)")
            let covariates: Result<[EffectCovariate], NotEstimable> = k < matched.effectCovariates.count ? matched.effectCovariates[k]
                : (plan.effects?.covariates ?? []).isEmpty ? .success([])
                : .failure(NotEstimable(reason: "the [effects] covariates were not read with the cohort file"))
            evaluations.append(try evaluate(cohort: cohort, matched: m, measures: measures, plan: plan, effectCovariates: covariates))
        }

        // The pooled test: cohorts are independent; their log rate ratios are pooled with the
        // contract's weights (matched treated people), Var = sum of w_k^2 SE_k^2 (docs/inference.md).
        var pooledTest: Result<PooledRateRatio, NotEstimable>? = nil
        if evaluations.count >= 2 {
            pooledTest = Result {
                try PooledRateRatio(cohorts: evaluations.map { try $0.rateRatio.get() },
                                    matchedTreated: evaluations.map(\.rates.treatedUnits),
                                    significanceLevel: plan.terms.significanceLevel)
            }.mapError { NotEstimable(reason: String(describing: $0)) }
        }
        let pooledSignificance = (try? pooledTest?.get()).map { SignificanceTest(pValue: $0.test.pValue, significant: $0.test.isSignificant) }
        let decision = try plan.terms.decide(evaluations.map { $0.paymentInput() }, pooledTest: pooledSignificance)
        return Evaluation(plan: plan, derivation: measures.counts, cohortRowsRead: matched.cohortRowsRead,
                          eventRowsRead: events.rowCount, cohorts: evaluations, decision: decision,
                          pooledTest: pooledTest, assignment: assignment,
                          eventsOfUnknownIDs: eventsOfUnknownIDs, eventsOfPeopleNotEvaluated: eventsOfPeopleNotEvaluated,
                          unusedCohortColumns: matched.unusedCohortColumns,
                          unusedEventColumns: events.header.filter { !eventColumns.contains($0) })
    }

    /// The matched sets Rosenbaum bounds are computed from: a pair-type method's sets (each treated
    /// person with their matches); for a method with subclasses and no sets of its own (full,
    /// exact, cem, subclass), each subclass, which must then hold exactly one treated person with
    /// one or more comparison people (full matching with `min_controls` of 1 or more does).
    static func matchedSetsForBounds(match: MatchResult, treated: [Bool]) throws -> (focalUnits: [Int], matches: [[Int]]) {
        if !match.focalUnits.isEmpty || !match.subclass.contains(where: { $0 != nil }) {
            return (match.focalUnits, match.matches)
        }
        var treatedOf: [Int: [Int]] = [:], controlsOf: [Int: [Int]] = [:]
        for (unit, s) in match.subclass.enumerated() {
            guard let s, match.weights[unit] > 0 else { continue }
            if treated[unit] { treatedOf[s, default: []].append(unit) } else { controlsOf[s, default: []].append(unit) }
        }
        let subclasses = Set(treatedOf.keys).union(controlsOf.keys).sorted()
        let several = subclasses.filter { (treatedOf[$0]?.count ?? 0) > 1 }.count
        if several > 0 {
            throw SensitivityError.invalidArgument(
                "\(several) of the \(subclasses.count) subclasses hold more than one treated person; the bounds here need one treated person per matched set (full matching with min_controls = 1 forms such sets)")
        }
        let complete = subclasses.filter { treatedOf[$0]?.count == 1 && !(controlsOf[$0] ?? []).isEmpty }
        return (complete.map { treatedOf[$0]![0] }, complete.map { controlsOf[$0]! })
    }

    static func evaluate(
        cohort: ContractPlan.Cohort, matched: MatchedCohort, measures: ReoffendingMeasures, plan: ContractPlan,
        effectCovariates: Result<[EffectCovariate], NotEstimable> = .success([])
    ) throws -> CohortEvaluation {
        let group = matched.group, rows = matched.rows
        let match = group.result, treated = group.treated
        let treatedCount = matched.treatedInCohort, controlCount = matched.comparisonPool

        // Outcomes of the frame's rows.
        let original = group.rows.map { rows[$0] }
        let counts = original.map { measures.reconvictionEvents[$0] }
        let binary = original.map { measures.provenReoffending[$0] }
        let y = plan.outcome.measure.isBinary ? binary : counts
        // Clusters: subclasses (matched sets) where they exist and do not overlap; otherwise each
        // unit is its own cluster (overlapping sets add the set as a second way below).
        let clusters = match.clusters
        let level = plan.reporting.confidenceLevel
        let sample = try MatchedSample(outcome: y, treated: treated, weights: match.weights, cluster: clusters)
        let rates = try GroupRates(sample)
        let exactTotals = try ExactGroupTotals(outcome: y, match: match)
        // One test for the contract: the plan ties its confidence level to 1 - significance level.
        let alpha = plan.terms.significanceLevel
        let lm = match.setsOverlap
            ? try LinearModelFit(try MatchedSetRows(outcome: y, treated: treated, focalUnits: match.focalUnits, matches: match.matches),
                                 level: level)
            : try LinearModelFit(sample, level: level)
        func attempt<T>(_ body: () throws -> T) -> Result<T, NotEstimable> {
            do { return .success(try body()) } catch { return .failure(NotEstimable(reason: String(describing: error))) }
        }
        let rateRatio = attempt { try RateRatioInference(fit: lm, significanceLevel: alpha) }
        let countSample = try MatchedSample(outcome: counts, treated: treated, weights: match.weights, cluster: clusters)
        let poisson = attempt { try PoissonRegression.fit(countSample, level: level) }
        let negbin = attempt { try NegativeBinomialRegression.fit(countSample, level: level) }
        let welch = attempt { try WelchTest(sample, level: level) }
        var proportion: Result<ProportionTest, NotEstimable>? = nil
        if plan.outcome.measure.isBinary {
            proportion = attempt { try ProportionTest(sample, level: level) }
        }
        var bootstrap: Result<BootstrapResult, NotEstimable>? = nil
        if plan.reporting.bootstrapReplicates > 0 {
            bootstrap = attempt {
                try ClusterBootstrap(replicates: plan.reporting.bootstrapReplicates, seed: plan.reporting.seed, level: level)
                    .run(sample, matchedWithReplacement: match.setsOverlap)
            }
        }
        let times = original.map { measures.daysToFirstReoffence[$0] }
        let observed = original.map { measures.reoffended[$0] }
        let survivalSample = attempt { try SurvivalSample(time: times, event: observed, treated: treated, weights: match.weights) }
        let survival = survivalSample.flatMap { s in attempt { try KaplanMeier.fit(s) } }
        let logRank = survivalSample.flatMap { s in attempt { try LogRankTest(s) } }

        // Justice Data Lab reporting rules.
        var reoffendersT = 0, reoffendersC = 0
        for i in 0..<treated.count where match.weights[i] > 0 && observed[i] {
            if treated[i] { reoffendersT += 1 } else { reoffendersC += 1 }
        }
        let minimum = plan.reporting.minimumGroupSize
        let headlineWithheld: String? = rates.treatedUnits < minimum
            ? "only \(rates.treatedUnits) people in the treatment group (the minimum is \(minimum))" : nil
        let timeWithheld: String? = min(reoffendersT, reoffendersC) < plan.reporting.minimumReoffenders
            ? "fewer than \(plan.reporting.minimumReoffenders) reoffenders in a group (treatment \(reoffendersT), comparison \(reoffendersC))" : nil
        let statement: String
        switch (headlineWithheld, rateRatio) {
        case (let reason?, _):
            statement = "Result withheld: \(reason)."
        case (nil, .failure(let e)):
            statement = "No statement: the rate ratio cannot be estimated (\(e.reason))."
        case (nil, .success(let r)):
            let words = plan.outcome.measure == .reconvictionEvents ? "reconviction events" : "people proven to reoffend"
            do {
                statement = try JusticeDataLabStatement(
                    treatedPer100: rates.treatedPer100, comparisonPer100: rates.comparisonPer100, test: r.test,
                    followUpMonths: plan.outcome.followUpMonths, courtLagMonths: plan.outcome.courtLagMonths, measure: words).text
            } catch {
                statement = "No statement: \(error)."
            }
        }
        let test = try? rateRatio.get().test
        var justiceDataLab: Result<JusticeDataLabReplica, NotEstimable>? = nil
        if plan.outcome.measure == .jdl {
            justiceDataLab = attempt {
                try JusticeDataLabReplica(
                    reoffended: binary, offences: original.map { measures.provenReoffences[$0] }, daysToFirst: times,
                    treated: treated, weights: match.weights, significanceLevel: alpha,
                    minimumTreated: plan.reporting.minimumGroupSize, minimumReoffenders: plan.reporting.minimumReoffenders,
                    followUpMonths: plan.outcome.followUpMonths)
            }
        }

        // Sensitivity to hidden bias: Rosenbaum bounds need disjoint matched sets; the one-sided
        // level α/2 matches the two-sided test at α in the direction of a reduction.
        let hiddenBias: Result<MatchedOutcomeSensitivity, NotEstimable> = plan.matching.replace
            ? .failure(NotEstimable(reason: "matched with replacement: matched sets share comparison people, so Rosenbaum bounds do not apply"))
            : attempt {
                let sets = try Self.matchedSetsForBounds(match: match, treated: treated)
                return try MatchedOutcomeSensitivity(outcome: y, treated: treated, focalUnits: sets.focalUnits, matches: sets.matches,
                                                     binary: plan.outcome.measure.isBinary, oneSidedLevel: alpha / 2)
            }
        let effect = plan.effects.map { settings in
            effectCovariates.flatMap { covariates in
                attempt {
                    try CohortEffect.estimate(outcome: y, treated: treated, match: match, method: plan.matching.method, family: settings.family,
                                              covariates: covariates, estimand: plan.matching.estimand, level: level)
                }
            }
        }
        let eValue = rateRatio.flatMap { r in
            attempt { try EValue(estimate: r.rateRatio, lower: r.test.rateRatioLower, upper: r.test.rateRatioUpper, scale: .rateRatio) }
        }

        return CohortEvaluation(
            cohort: cohort, exclusions: group.exclusions, comparison: group,
            treatedInCohort: treatedCount, comparisonPool: controlCount, rates: rates, exactTotals: exactTotals, linearModel: lm,
            rateRatio: rateRatio, significant: test?.isSignificant ?? false, statement: statement,
            poisson: poisson, negativeBinomial: negbin, welch: welch, proportion: proportion,
            bootstrap: bootstrap, survival: survival, logRank: logRank, headlineWithheld: headlineWithheld,
            timeToReoffenceWithheld: timeWithheld, reoffenders: (reoffendersT, reoffendersC),
            pValue: test?.pValue ?? .nan, hiddenBias: hiddenBias, eValue: eValue, justiceDataLab: justiceDataLab,
            standardisedDifferences: matched.standardisedDifferences, effect: effect)
    }
}
