import Balance
import Columns
import CohortData
import Matching
import Parallel
import Propensity

/// How the matching distance was obtained.
public enum DistanceSource: Sendable, Codable {
    /// A binomial GLM of the treatment on the covariates, and the link that turns it into a distance.
    /// The fit's per-row arrays are empty (`GLMFit.withoutRowValues()`): the distances are the
    /// match result's.
    case model(GLMFit, DistanceLink)
    /// A column of the input supplied by the user.
    case column(String)
}

/// A matched comparison group and everything needed to explain it. `ComparisonGroup.match` is the
/// one pipeline behind `counterfactual match` and every cohort of `counterfactual evaluate`, as
/// MatchIt's `matchit()` is the one entry point of every method. (Module convention: a procedure is
/// a static function on the type it produces.)
///
/// Stages, in order (`match` reports the end of each through `stage`):
/// 1. **frame**: the model frame of the rows given (treatment 0/1, covariates with R treatment
///    contrasts, the distance and exact columns required; missing values fail or are excluded and
///    counted, by `dropMissing`);
/// 2. **distance**: the propensity model (binomial GLM by IRLS, as R's `glm`) and the distance on
///    its link scale, or the user's distance column;
/// 3. **match**: exact cells (one cell per distinct combination of the exact columns' values, in
///    order of first appearance), then the plan's method (`MatchingMethod`); `exact` and `cem`
///    also receive the covariates' values;
/// 4. **balance**: MatchIt `summary()` statistics before and after matching, for the distance and
///    every covariate (exact columns included); subclasses are used for pair distances only when
///    matching without replacement.
///
/// The value is `Codable` (every number round-trips exactly through JSON written in shortest form),
/// so a matching stage can be frozen and its matched sets scored later without re-matching.
public struct ComparisonGroup: Sendable, Codable {
    public enum Stage: String, Sendable {
        case frame, distance, match, balance
    }

    public var plan: MatchingPlan
    /// The input rows used (indices into the table given to `match`), in order; frame row `k` is input row `rows[k]`.
    public var rows: RowSelection
    /// Rows read, used and excluded for missing values (by column).
    public var exclusions: ExclusionReport
    /// Rows of the input table.
    public var inputRowCount: Int
    public var distanceSource: DistanceSource
    /// Treatment indicator per frame row.
    public var treated: [Bool]
    /// The match (distance, weights, subclasses and match matrix per frame row).
    public var result: MatchResult
    public var balance: BalanceSummary
    /// For each row of the input table: its index in the frame, or nil when it was excluded.
    public var frameIndexOfRow: [Int?] {
        var index: [Int?] = Array(repeating: nil, count: inputRowCount)
        for (k, r) in rows.enumerated() { index[r] = k }
        return index
    }

    /// `frameIndexOfRow` in 4 bytes a row (the frame index, or -1 for an excluded row), or nothing
    /// stored when every input row is used.
    public var compactFrameIndexOfRow: RowSelection.Positions {
        rows.positions(inTableOf: inputRowCount)
    }

    /// The propensity model, when the distance came from one.
    public var fit: GLMFit? {
        if case .model(let fit, _) = distanceSource { return fit }
        return nil
    }

    /// Runs the pipeline on `table`.
    /// - Parameters:
    ///   - table: the rows to match (a whole file, or one cohort's rows).
    ///   - treatment: the 0/1 treatment column.
    ///   - covariates: the propensity model's covariates, in model order.
    ///   - dropMissing: exclude rows with missing values (counted) instead of failing.
    ///   - plan: the matching plan (validated here again, so a library caller cannot skip it).
    ///   - stage: called at the end of each stage, with the next stage's work still to do.
    public static func match(
        table: CohortTable, treatment: String, covariates: [String], dropMissing: Bool, plan: MatchingPlan,
        stage: (Stage) -> Void = { _ in }
    ) throws -> ComparisonGroup {
        try plan.validate()
        let frame = try ModelFrame(
            table: table, treatment: treatment, covariates: covariates,
            alsoRequired: plan.distanceColumn.map { [$0] } ?? [], balanceOnly: plan.exact, dropMissing: dropMissing)
        let treated = frame.treatment.map { $0 == 1 }
        stage(.frame)

        let source: DistanceSource
        let distance: [Double]
        if let column = plan.distanceColumn {
            let values = try table.numeric(column)
            distance = frame.rows.map { values[$0] }
            source = .column(column)
        } else {
            let fit = try BinomialGLM.fit(
                design: frame.modelColumns.map(\.column), names: frame.modelColumns.map(\.name),
                response: frame.treatment, link: plan.link.binomialLink, tolerance: plan.tolerance,
                maxIterations: plan.maxIterations)
            distance = plan.link.distance(from: fit)
            // The model's table only: the distances are kept once (in the result), and the other
            // per-row array is freed before the match and balance need memory.
            source = .model(fit.withoutRowValues(), plan.link)
        }
        stage(.distance)

        let cells = try exactCells(table: table, rows: frame.rows, columns: plan.exact)
        let variables = plan.method == .exact || plan.method == .cem
            ? try stratumVariables(table: table, rows: frame.rows, columns: covariates) : []
        let input = MatchingInput(
            treated: treated, distance: distance, exactCells: cells,
            covariates: plan.metric == .mahalanobis || (plan.method == .cem && plan.k2k == true) ? distanceCovariates(frame) : [],
            stratumVariables: variables)
        let balanceCovariates = [BalanceCovariate(name: "distance", values: distance)]
            + frame.balanceColumns.map { BalanceCovariate(name: $0.name, column: $0.column) }
        let (result, prepared) = try matchBesideBalancePreparation(
            input, plan: plan, balanceCovariates: balanceCovariates, treated: treated)
        stage(.match)

        let balance = summarizeBalance(
            prepared: prepared, weights: result.weights,
            subclass: plan.replace || !result.subclass.contains { $0 != nil } ? nil : result.subclass,
            discarded: result.discarded, estimand: BalanceEstimand(plan.estimand),
            matchMatrix: result.focalUnits.isEmpty ? nil : MatchMatrix(focalUnits: result.focalUnits, matches: result.matches))
        stage(.balance)

        return ComparisonGroup(plan: plan, rows: frame.rows, exclusions: frame.exclusions, inputRowCount: table.rowCount,
                               distanceSource: source, treated: treated, result: result, balance: balance)
    }

    /// Below this many rows the balance columns are sorted beside the match and kept until the
    /// tables are built (12 bytes a row for each non-binary column: about 100 MB at a million rows
    /// with the synthetic cohort's 8 such columns); above it each is sorted when its rows are built,
    /// one at a time, to bound the memory of national cohorts.
    static let presortRowLimit = 2_000_000

    /// Runs the match on this thread and, beside it on a second one, the part of the balance
    /// tables that does not depend on the match (`BalancePreparation`: the full-sample moments and
    /// the sorts of the eCDF statistics), which would otherwise wait for it; this thread joins in
    /// once the match is done. Nearest-neighbour matching without replacement is serial, so this
    /// fills the idle core; the tables are the same bits as when everything runs after the match.
    @inline(never)  // a stage boundary of Benchmarks/instruction-counts
    static func matchBesideBalancePreparation(
        _ input: MatchingInput, plan: MatchingPlan, balanceCovariates: [BalanceCovariate], treated: [Bool]
    ) throws -> (MatchResult, BalancePreparation) {
        // The distance (column 0) is ranked by the matcher itself when the method does so: its
        // order is taken over afterwards instead of sorting the distance a second time.
        let method = plan.method.implementation
        let work = BalancePreparation.Work(
            covariates: balanceCovariates, treated: treated, presort: treated.count < presortRowLimit,
            sortedElsewhere: method.returnsDistanceRanking ? [0] : [])
        let (pieces, matched) = try Parallel.beside(tasks: work.count, { work.run($0) }, {
            try method.match(input, plan: plan)
        })
        var result = matched
        var prepared = BalancePreparation(work, pieces: pieces)
        // Only a method that says it returns the order had column 0 left out of the sorts (CEM's
        // k2k matcher forms one too, for its own purposes; it is not used).
        if method.returnsDistanceRanking, let ranking = result.distanceRanking {
            prepared.adoptOrder(ranking.order, sortedValues: ranking.values, ofColumn: 0)
        }
        result.distanceRanking = nil
        return (result, prepared)
    }

    /// The model's covariates as MatchIt codes them for distances (`get_covs_matrix_for_dist`):
    /// numeric columns as they are; every level of a categorical covariate as an indicator / √2.
    static func distanceCovariates(_ frame: ModelFrame) -> [[Double]] {
        frame.terms.flatMap { term -> [[Double]] in
            let columns = frame.balanceColumns.filter { $0.term == term.name }
            switch term.kind {
            case .numeric: return columns.map(\.values)
            case .categorical: return columns.map { $0.values.map { $0 / 2.0.squareRoot() } }
            }
        }
    }

    /// The covariates' values on the frame rows, numbers as numbers and text columns as categories
    /// (what `exact` and `cem` match on).
    static func stratumVariables(table: CohortTable, rows: RowSelection, columns names: [String]) throws -> [StratumVariable] {
        try names.map { name in
            switch try table.column(name).values {
            case .numeric(let v):
                return StratumVariable(name: name, values: .numeric(rows.map { v[$0] }))
            case .text(let codes, let levels):
                return StratumVariable(name: name, values: .categorical(codes: rows.map { Int(codes[$0]) }, levels: levels))
            }
        }
    }

    /// One cell number per frame row: rows with equal text in every exact column share a cell;
    /// cells are numbered by first appearance. `nil` without exact columns.
    static func exactCells(table: CohortTable, rows: RowSelection, columns names: [String]) throws -> [Int]? {
        guard !names.isEmpty else { return nil }
        let columns = try names.map { try table.column($0) }
        var cellOfKey: [[String]: Int] = [:]
        return rows.map { r in
            let key = columns.map { $0.text(at: r) }
            if let c = cellOfKey[key] { return c }
            let c = cellOfKey.count
            cellOfKey[key] = c
            return c
        }
    }
}

extension BalanceEstimand {
    /// The balance tables' standardisation for a matching estimand.
    init(_ estimand: Estimand) {
        switch estimand {
        case .att: self = .att
        case .atc: self = .atc
        case .ate: self = .ate
        }
    }
}
