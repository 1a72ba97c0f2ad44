import Balance
import CohortData
import Foundation
import Matching
import Outcomes
import PaymentRules
import Propensity

/// Why an evaluation could not be done (beyond data, model and matching errors, which keep their own types).
public enum EvaluationError: Error, Equatable, CustomStringConvertible {
    case duplicateID(file: String, line: Int, id: String)
    case unknownPerson(file: String, line: Int, id: String)
    case provenBeforeOffence(file: String, line: Int, offence: String, proven: String)
    case missingDate(file: String, line: Int, column: String)
    case emptyCohort(name: String, selection: String, treated: Int, controls: Int)
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .duplicateID(let file, let line, let id):
            return "\(file), line \(line): id '\(id)' appears more than once; every person needs a unique id."
        case .unknownPerson(let file, let line, let id):
            return "\(file), line \(line): id '\(id)' is not in the cohort file; check the event's id."
        case .provenBeforeOffence(let file, let line, let offence, let proven):
            return "\(file), line \(line): the offence was proven (\(proven)) before it was committed (\(offence)); correct the dates."
        case .missingDate(let file, let line, let column):
            return "\(file), line \(line), column '\(column)': the date is missing; every record needs it."
        case .emptyCohort(let name, let selection, let treated, let controls):
            return "cohort '\(name)' (\(selection)) has \(treated) treated and \(controls) comparison people; at least 2 of each are needed; check the cohort's definition."
        case .invalidSetting(let what):
            return "plan: \(what)"
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
    public var fit: GLMFit
    public var match: MatchResult
    public var balance: BalanceSummary
    /// Treated / comparison people in the cohort's rows, and matched.
    public var treatedInCohort: Int
    public var comparisonPool: Int
    public var rates: GroupRates
    /// The weighted totals behind `rates`, exactly (for the payment rule).
    public var exactTotals: ExactGroupTotals
    /// Difference in means by weighted least squares, with cluster-robust (matched-set) errors.
    public var linearModel: LinearModelFit
    public var relativeReduction: Estimate
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
    /// The p-value used for the significance requirement (cluster-robust difference in means).
    public var pValue: Double
}

/// A completed evaluation.
public struct Evaluation: Sendable {
    public var plan: ContractPlan
    public var derivation: ReoffendingCounts
    public var cohortRowsRead: Int
    public var eventRowsRead: Int
    public var cohorts: [CohortEvaluation]
    public var decision: PaymentDecision
    /// The pooled reduction's Wald test fed to the payment rule (nil when a standard error is unknown).
    public var pooledTest: PooledReductionTest?
    /// Rows of the cohort file in no cohort's release window (listed, not silently dropped).
    public var rowsOutsideCohorts: Int
}

/// Runs a plan end to end.
public enum Evaluator {
    public static func run(_ plan: ContractPlan, progress: ((String) -> Void)? = nil) throws -> Evaluation {
        // Cohort file.
        let cohortPath = plan.resolve(plan.data.cohort)
        var columns = [plan.data.id, plan.data.treatment, plan.data.releaseDate] + plan.data.covariates + plan.matching.exact
            + plan.cohorts.compactMap { $0.selection.column }
        columns = columns.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        progress?("loading \(cohortPath)")
        let table = try CSVReader.read(path: cohortPath, options: CSVReadOptions(
            columns: columns, textColumns: Set(plan.data.categorical), identifierColumns: [plan.data.id]))
        let idColumn = try table.column(plan.data.id)
        var rowOfID: [String: Int] = [:]
        rowOfID.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount {
            let id = idColumn.text(at: r)
            if id.isEmpty { throw EvaluationError.missingDate(file: table.file, line: table.line(ofRow: r), column: plan.data.id) }
            if rowOfID.updateValue(r, forKey: id) != nil {
                throw EvaluationError.duplicateID(file: table.file, line: table.line(ofRow: r), id: id)
            }
        }
        let releaseOptional = try table.dates(plan.data.releaseDate)
        var release = [Int](repeating: 0, count: table.rowCount)
        for r in 0..<table.rowCount {
            guard let d = releaseOptional[r] else {
                throw EvaluationError.missingDate(file: table.file, line: table.line(ofRow: r), column: plan.data.releaseDate)
            }
            release[r] = d
        }

        // Events.
        let eventsPath = plan.resolve(plan.data.events)
        progress?("loading \(eventsPath)")
        var eventColumns = [plan.events.id, plan.events.offenceDate, plan.events.provenDate]
        if let d = plan.events.disposal { eventColumns.append(d) }
        let events = try CSVReader.read(path: eventsPath, options: CSVReadOptions(
            columns: eventColumns, textColumns: Set([plan.events.id] + (plan.events.disposal.map { [$0] } ?? []))))
        let eventID = try events.column(plan.events.id)
        let offence = try events.dates(plan.events.offenceDate)
        let proven = try events.dates(plan.events.provenDate)
        let disposal = try plan.events.disposal.map { try events.column($0) }
        let cautions = Set(plan.events.cautionValues)
        var records: [OffenceRecord] = []
        records.reserveCapacity(events.rowCount)
        for r in 0..<events.rowCount {
            let id = eventID.text(at: r)
            guard let person = rowOfID[id] else {
                throw EvaluationError.unknownPerson(file: events.file, line: events.line(ofRow: r), id: id)
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
        let measures = ReoffendingMeasures(releaseDays: release, records: records, windows: windows)

        // Cohorts.
        var inSomeCohort = [Bool](repeating: false, count: table.rowCount)
        var evaluations: [CohortEvaluation] = []
        for cohort in plan.cohorts {
            progress?("evaluating \(cohort.name)")
            let rows: [Int]
            switch cohort.selection {
            case .released(let from, let to):
                rows = (0..<table.rowCount).filter { release[$0] >= from && release[$0] <= to }
            case .column(let name, let value):
                let c = try table.column(name)
                rows = (0..<table.rowCount).filter { c.text(at: $0) == value }
            }
            for r in rows { inSomeCohort[r] = true }
            evaluations.append(try evaluate(cohort: cohort, rows: rows, table: table, measures: measures, plan: plan))
        }

        let pooledTest = PooledReductionTest(
            reductions: evaluations.map { 1 - $0.rates.treatedMean / $0.rates.comparisonMean },
            standardErrors: evaluations.map { $0.relativeReduction.standardError }, sizes: evaluations.map(\.rates.treatedUnits))
        let decision = try plan.terms.decide(
            evaluations.map { $0.paymentInput(significanceLevel: plan.terms.significanceLevel) },
            pooledTest: pooledTest?.significanceTest(level: plan.terms.significanceLevel))
        return Evaluation(plan: plan, derivation: measures.counts, cohortRowsRead: table.rowCount, eventRowsRead: events.rowCount,
                          cohorts: evaluations, decision: decision, pooledTest: pooledTest,
                          rowsOutsideCohorts: inSomeCohort.filter { !$0 }.count)
    }

    static func evaluate(
        cohort: ContractPlan.Cohort, rows: [Int], table: CohortTable, measures: ReoffendingMeasures, plan: ContractPlan
    ) throws -> CohortEvaluation {
        let subset = table.selecting(rows: rows)
        let treatValues = try subset.numeric(plan.data.treatment)
        let treatedCount = treatValues.filter { $0 == 1 }.count, controlCount = treatValues.filter { $0 == 0 }.count
        if treatedCount < 2 || controlCount < 2 {
            throw EvaluationError.emptyCohort(name: cohort.name, selection: cohort.selection.description,
                                              treated: treatedCount, controls: controlCount)
        }
        let frame = try ModelFrame(table: subset, treatment: plan.data.treatment, covariates: plan.data.covariates,
                                   balanceOnly: plan.matching.exact, dropMissing: plan.data.dropMissing)
        guard let link = DistanceLink(rawValue: plan.matching.link) else {
            throw EvaluationError.invalidSetting("[matching] link must be one of \(DistanceLink.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        guard let estimand = Estimand(rawValue: plan.matching.estimand.uppercased()) else {
            throw EvaluationError.invalidSetting("[matching] estimand must be ATT or ATC.")
        }
        guard let discard = CommonSupport(rawValue: plan.matching.discard) else {
            throw EvaluationError.invalidSetting("[matching] discard must be none, treated, control or both.")
        }
        let order = try plan.matching.order.map { o -> MatchOrder in
            guard let m = MatchOrder(rawValue: o) else {
                throw EvaluationError.invalidSetting("[matching] order must be largest, smallest, data or random.")
            }
            return m
        }
        let fit = try BinomialGLM.fit(columns: frame.modelColumns.map(\.values), names: frame.modelColumns.map(\.name),
                                      response: frame.treatment, link: link.binomialLink)
        let distance = link.distance(from: fit)
        let treated = frame.treatment.map { $0 == 1 }
        var cells: [Int]? = nil
        if !plan.matching.exact.isEmpty {
            let exactColumns = try plan.matching.exact.map { try subset.column($0) }
            var ids: [[String]: Int] = [:]
            cells = frame.rows.map { r in
                let key = exactColumns.map { $0.text(at: r) }
                if let c = ids[key] { return c }
                ids[key] = ids.count
                return ids.count - 1
            }
        }
        let spec = NearestNeighborSpecification(ratio: plan.matching.ratio, replace: plan.matching.replace,
                                                caliper: plan.matching.caliper, order: order, discard: discard,
                                                estimand: estimand, seed: plan.matching.seed)
        let match = try NearestNeighborMatcher.match(treated: treated, distance: distance, exactCells: cells, specification: spec)
        let balance = summarizeBalance(
            covariates: [BalanceCovariate(name: "distance", values: distance)]
                + frame.balanceColumns.map { BalanceCovariate(name: $0.name, values: $0.values) },
            treated: treated, weights: match.weights, subclass: plan.matching.replace ? nil : match.subclass,
            discarded: match.discarded, estimand: estimand == .att ? .att : .atc,
            matchMatrix: MatchMatrix(focalUnits: match.focalUnits, matches: match.matches))

        // Outcomes of the frame's rows.
        let original = frame.rows.map { rows[$0] }
        let counts = original.map { measures.reconvictionEvents[$0] }
        let binary = original.map { measures.provenReoffending[$0] }
        let y = plan.outcome.measure == .reconvictionEvents ? counts : binary
        // Clusters: matched sets without replacement; each unit its own cluster with replacement.
        let clusters: [Int?]? = plan.matching.replace ? nil : match.subclass
        let level = plan.reporting.confidenceLevel
        let sample = try MatchedSample(outcome: y, treated: treated, weights: match.weights, cluster: clusters)
        let rates = try GroupRates(sample)
        let exactTotals = try ExactGroupTotals(outcome: y, treated: treated, focalUnits: match.focalUnits, matches: match.matches)
        let lm = try LinearModelFit(sample, level: level)
        let reduction = try lm.relativeReduction(.clusterRobust)
        func attempt<T>(_ body: () throws -> T) -> Result<T, NotEstimable> {
            do { return .success(try body()) } catch { return .failure(NotEstimable(reason: String(describing: error))) }
        }
        let countSample = try MatchedSample(outcome: counts, treated: treated, weights: match.weights, cluster: clusters)
        let poisson = attempt { try PoissonRegression.fit(countSample, level: level) }
        let negbin = attempt { try NegativeBinomialRegression.fit(countSample, level: level) }
        let welch = attempt { try WelchTest(sample, level: level) }
        var proportion: Result<ProportionTest, NotEstimable>? = nil
        if plan.outcome.measure == .provenReoffending {
            proportion = attempt { try ProportionTest(sample, level: level) }
        }
        var bootstrap: Result<BootstrapResult, NotEstimable>? = nil
        if plan.reporting.bootstrapReplicates > 0 {
            bootstrap = attempt {
                try ClusterBootstrap(replicates: plan.reporting.bootstrapReplicates, seed: plan.reporting.seed, level: level).run(sample)
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

        return CohortEvaluation(
            cohort: cohort, exclusions: frame.exclusions, fit: fit, match: match, balance: balance,
            treatedInCohort: treatedCount, comparisonPool: controlCount, rates: rates, exactTotals: exactTotals, linearModel: lm,
            relativeReduction: reduction, poisson: poisson, negativeBinomial: negbin, welch: welch, proportion: proportion,
            bootstrap: bootstrap, survival: survival, logRank: logRank, headlineWithheld: headlineWithheld,
            timeToReoffenceWithheld: timeWithheld, reoffenders: (reoffendersT, reoffendersC),
            pValue: lm.coefficients(.clusterRobust).treatment.pValue)
    }
}
