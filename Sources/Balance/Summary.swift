// `summarizeBalance`: MatchIt 4.7's `summary.matchit(m, interactions = FALSE, un = TRUE,
// standardize = TRUE, pair.dist = TRUE)` for a nearest-neighbour match without sampling weights.
//
// One pass over the rows accumulates, for four columns at a time, the moments of both groups in
// both samples (unit weights for the full sample, matching weights for the matched one): four
// columns' running sums are independent, so the processor overlaps them. Then per column one radix
// sort (non-binary columns only) and one scan give the eCDF statistics of both tables, and the pair
// distance walks the matched sets, laid out once for all columns. Batches and columns are processed
// in parallel for large inputs; every sum sees its values in row (or sorted) order whichever thread
// runs it, so results do not depend on the number of threads.

import Columns
import Dispatch
import Foundation   // also links the C maths library (sqrt) on Linux
import Parallel
import RArithmetic

/// Computes MatchIt's balance tables and sample-size table.
///
/// - `all` (MatchIt's `sum.all`): every unit has weight 1 — discarded and unmatched units
///   included.
/// - `matched` (`sum.matched`): units are weighted by `weights`, so unmatched and discarded units
///   (weight 0) drop out.
/// - Both tables standardise by the focal group's standard deviation in the *full* sample.
/// - `Std. Pair Dist.` is reported in `matched` only, from `subclass` when given, otherwise from
///   `matchMatrix` when given (MatchIt's order of preference); otherwise it is `nil`.
///
/// - Parameters:
///   - covariates: Columns in display order (the caller puts `distance` first, then covariates,
///     factors expanded to one 0/1 indicator per level). Values must be finite (MatchIt rejects
///     missing and non-finite values).
///   - treated: Treatment indicator per unit.
///   - weights: Matching weights (0 for unmatched units), normalised as MatchIt does.
///   - subclass: Matched-set id per unit (`nil` for units not in a set); pass `nil` after matching
///     with replacement, where sets overlap.
///   - discarded: Whether each unit was discarded for lack of common support.
///   - estimand: `.att` standardises by the treated group, `.atc` by the control group.
///   - matchMatrix: Optional match matrix; used for pair distances when `subclass` is `nil`
///     (after matching with replacement, as MatchIt does with `match.matrix`).
/// - Returns: The two balance tables (rows in the order of `covariates`) and the sample sizes.
public func summarizeBalance(
    covariates: [BalanceCovariate],
    treated: [Bool],
    weights: [Double],
    subclass: [Int?]?,
    discarded: [Bool],
    estimand: BalanceEstimand = .att,
    matchMatrix: MatchMatrix? = nil
) -> BalanceSummary {
    summarizeBalance(
        covariates: covariates, treated: treated, weights: weights, subclass: subclass,
        discarded: discarded, estimand: estimand, matchMatrix: matchMatrix,
        parallelRowThreshold: defaultParallelRowThreshold)
}

/// Inputs with at least this many rows (and more than one column) are summarised column-parallel.
let defaultParallelRowThreshold = 20_000

/// Above this many rows the table rows (one radix sort of 24-32 bytes a unit per non-binary
/// column, and an indicator's doubles while its pair distances are formed) are built one column at
/// a time, so that at most one column's sort is in memory: at ten million rows that is 240-320 MB
/// less at the peak of the whole run, paid for by the sorts no longer running two at a time. The
/// moments stay parallel. (Serial and parallel give the same bits; only time and memory differ.)
let serialRowsThreshold = 4_000_000

/// `summarizeBalance` with an explicit parallelism threshold (0 = always parallel; `Int.max` =
/// never), so tests can check that parallel and serial runs agree exactly.
func summarizeBalance(
    covariates: [BalanceCovariate],
    treated: [Bool],
    weights: [Double],
    subclass: [Int?]?,
    discarded: [Bool],
    estimand: BalanceEstimand,
    matchMatrix: MatchMatrix?,
    parallelRowThreshold: Int
) -> BalanceSummary {
    let n = treated.count
    precondition(weights.count == n, "summarizeBalance: weights has \(weights.count) entries, treated has \(n)")
    precondition(discarded.count == n, "summarizeBalance: discarded has \(discarded.count) entries, treated has \(n)")
    if let subclass {
        precondition(subclass.count == n, "summarizeBalance: subclass has \(subclass.count) entries, treated has \(n)")
    }
    for c in covariates {
        precondition(c.column.count == n, "summarizeBalance: covariate \(c.name) has \(c.column.count) values, treated has \(n)")
    }
    if let matchMatrix {
        for r in matchMatrix.focalUnits { precondition(r >= 0 && r < n, "summarizeBalance: match matrix row out of range") }
        for list in matchMatrix.matches {
            for r in list { precondition(r >= 0 && r < n, "summarizeBalance: match matrix row out of range") }
        }
    }

    let context = SummaryContext(
        treated: treated, weights: weights, estimand: estimand,
        layout: subclass.map { MatchedSetLayout(subclass: $0) },
        matchMatrix: subclass == nil ? matchMatrix : nil)

    let columns = covariates.count
    let parallel = columns > 1 && n >= parallelRowThreshold
    // Moments, four columns per pass over the rows.
    let batches = (columns + SummaryContext.batchWidth - 1) / SummaryContext.batchWidth
    let momentBatches: [[ColumnMoments]] = parallel
        ? Parallel.map(batches) { b in context.moments(of: covariates, batch: b) }
        : (0..<batches).map { b in context.moments(of: covariates, batch: b) }
    let moments = momentBatches.flatMap { $0 }
    // Table rows (sorts, eCDF scans and pair distances), one column at a time.
    let rows: [ColumnRows] = parallel && n < serialRowsThreshold
        ? Parallel.map(columns) { j in context.rows(for: covariates[j], moments: moments[j]) }
        : (0..<columns).map { j in context.rows(for: covariates[j], moments: moments[j]) }

    return BalanceSummary(
        all: rows.map(\.all), matched: rows.map(\.matched),
        sampleSizes: sampleSizes(treated: treated, weights: weights, discarded: discarded))
}

/// MatchIt's `nn()` table without sampling weights.
func sampleSizes(treated: [Bool], weights: [Double], discarded: [Bool]) -> SampleSizes {
    var all = (c: 0, t: 0), matched = (c: 0, t: 0), unmatched = (c: 0, t: 0), dropped = (c: 0, t: 0)
    var sumW: (c: ExtendedSum, t: ExtendedSum) = (0, 0)
    var sumW2: (c: ExtendedSum, t: ExtendedSum) = (0, 0)
    for i in 0..<treated.count {
        let w = weights[i]
        if treated[i] {
            all.t += 1
            sumW.t += ExtendedSum(w); sumW2.t += ExtendedSum(w * w)
            if w > 0 { matched.t += 1 }
            if w == 0 && !discarded[i] { unmatched.t += 1 }
            if discarded[i] { dropped.t += 1 }
        } else {
            all.c += 1
            sumW.c += ExtendedSum(w); sumW2.c += ExtendedSum(w * w)
            if w > 0 { matched.c += 1 }
            if w == 0 && !discarded[i] { unmatched.c += 1 }
            if discarded[i] { dropped.c += 1 }
        }
    }
    func ess(_ s: ExtendedSum, _ s2: ExtendedSum) -> Double {
        if s2 == 0 { return 0 }
        let sum = Double(s)
        return sum * sum / Double(s2)
    }
    func counts(_ p: (c: Int, t: Int)) -> GroupCounts { GroupCounts(control: Double(p.c), treated: Double(p.t)) }
    return SampleSizes(
        // All sampling weights are 1, so the ESS of the full sample is the count itself.
        allESS: counts(all), all: counts(all),
        matchedESS: GroupCounts(control: ess(sumW.c, sumW2.c), treated: ess(sumW.t, sumW2.t)),
        matched: counts(matched), unmatched: counts(unmatched), discarded: counts(dropped))
}

/// The two table rows of one column.
struct ColumnRows: Sendable {
    var all: BalanceRow
    var matched: BalanceRow
}

/// The moments of one column: both groups, in the full sample (unit weights) and the matched one.
struct ColumnMoments: Sendable {
    var allTreated = UnitMoments(), allControl = UnitMoments()
    var matchedTreated = WeightedMoments(), matchedControl = WeightedMoments()
    /// Every value is 0 or 1 so far (MatchIt's binary rule).
    var binary = true

    /// Adds one unit; `reciprocal` is `1 / n` for the unit's group, `n` counting this unit.
    @inline(__always)
    mutating func add(_ x: Double, treated: Bool, weight w: Double, reciprocalOfGroupCount reciprocal: Double) {
        if binary && !isZeroOrOne(x) { binary = false }
        if treated {
            allTreated.add(x, reciprocalOfNewCount: reciprocal)
            matchedTreated.add(x, weight: w)
        } else {
            allControl.add(x, reciprocalOfNewCount: reciprocal)
            matchedControl.add(x, weight: w)
        }
    }
}

/// Column-independent inputs, prepared once and shared read-only by every column.
struct SummaryContext: Sendable {
    /// Columns whose moments are accumulated in one pass over the rows.
    static let batchWidth = 4

    let treated: [Bool]
    let weights: [Double]
    let estimand: BalanceEstimand
    let layout: MatchedSetLayout?
    let matchMatrix: MatchMatrix?
    /// Per unit: (unit weight, matching weight), each scaled to sum to 1 per group, controls negated
    /// (the full-sample and matched-sample eCDFs, scanned together).
    let signedWeights: ECDFWeights

    init(treated: [Bool], weights: [Double], estimand: BalanceEstimand, layout: MatchedSetLayout?, matchMatrix: MatchMatrix?) {
        self.treated = treated
        self.weights = weights
        self.estimand = estimand
        self.layout = layout
        self.matchMatrix = matchMatrix
        // Lane 0 with unit weights (each group's total is its count, as the extended-precision sum
        // of ones gives it), lane 1 with the matching weights; formed unit by unit, not stored.
        let counts = treated.reduce(into: (treated: 0.0, control: 0.0)) { c, t in if t { c.treated += 1 } else { c.control += 1 } }
        signedWeights = treated.withUnsafeBufferPointer { t in
            weights.withUnsafeBufferPointer { w in
                let totals = groupWeightTotals(treated: t, weights: w)
                return ECDFWeights(count: t.count) { i in
                    SIMD2(signedGroupWeight(1, treated: t[i], totals: counts), signedGroupWeight(w[i], treated: t[i], totals: totals))
                }
            }
        }
    }

    /// The moments of the columns of batch `b` (columns `4b ..< 4b + 4`), in one pass over the rows.
    func moments(of covariates: [BalanceCovariate], batch b: Int) -> [ColumnMoments] {
        let first = b * Self.batchWidth, count = min(Self.batchWidth, covariates.count - first)
        let n = treated.count
        // Four accumulators always; a short batch repeats its first column in the unused ones.
        let pick = (0..<Self.batchWidth).map { covariates[first + ($0 < count ? $0 : 0)].column }
        var m0 = ColumnMoments(), m1 = ColumnMoments(), m2 = ColumnMoments(), m3 = ColumnMoments()
        // Rows in tiles: an indicator column's tile is written as doubles into a small buffer (a dense
        // column is read where it is), so the rows are added in the same order either way.
        let tile = Self.momentTileRows
        let buffers = UnsafeMutablePointer<Double>.allocate(capacity: Self.batchWidth * tile)
        defer { buffers.deallocate() }
        pick[0].withDenseValues { d0 in
            pick[1].withDenseValues { d1 in
                pick[2].withDenseValues { d2 in
                    pick[3].withDenseValues { d3 in
                        treated.withUnsafeBufferPointer { t in
                            weights.withUnsafeBufferPointer { w in
                                let dense = [d0, d1, d2, d3]
                                // Every column of the batch has the same group counts so far.
                                var treatedCount = 0.0, controlCount = 0.0
                                var lo = 0
                                while lo < n {
                                    let hi = min(n, lo + tile)
                                    var x = [UnsafePointer<Double>](repeating: UnsafePointer(buffers), count: Self.batchWidth)
                                    for k in 0..<Self.batchWidth {
                                        if let d = dense[k] {
                                            x[k] = d.baseAddress! + lo
                                        } else {
                                            pick[k].copy(rows: lo..<hi, into: buffers + k * tile)
                                            x[k] = UnsafePointer(buffers + k * tile)
                                        }
                                    }
                                    let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3]
                                    for i in lo..<hi {
                                        let ti = t[i], wi = w[i], k = i - lo
                                        let r: Double
                                        if ti { treatedCount += 1; r = 1 / treatedCount } else { controlCount += 1; r = 1 / controlCount }
                                        m0.add(x0[k], treated: ti, weight: wi, reciprocalOfGroupCount: r)
                                        m1.add(x1[k], treated: ti, weight: wi, reciprocalOfGroupCount: r)
                                        m2.add(x2[k], treated: ti, weight: wi, reciprocalOfGroupCount: r)
                                        m3.add(x3[k], treated: ti, weight: wi, reciprocalOfGroupCount: r)
                                    }
                                    lo = hi
                                }
                            }
                        }
                    }
                }
            }
        }
        return Array([m0, m1, m2, m3].prefix(count))
    }

    /// Rows per tile of the moment passes.
    static let momentTileRows = 4096

    /// Both table rows for one column (MatchIt's `bal1var` for `ww = NULL` and `ww = weights`).
    func rows(for covariate: BalanceCovariate, moments m: ColumnMoments) -> ColumnRows {
        // An indicator's doubles exist only while its rows are built.
        covariate.values.withUnsafeBufferPointer { x in
            treated.withUnsafeBufferPointer { t in
                rows(name: covariate.name, x: x, t: t, moments: m)
            }
        }
    }

    private func rows(name: String, x: UnsafeBufferPointer<Double>, t: UnsafeBufferPointer<Bool>, moments m: ColumnMoments) -> ColumnRows {
        let allT = m.allTreated.weighted, allC = m.allControl.weighted
        let matT = m.matchedTreated, matC = m.matchedControl
        let binary = m.binary
        var cachedScale: Double? = nil
        let scale = { () -> Double in
            if let s = cachedScale { return s }
            let s = standardizationScale(treated: allT, control: allC, binary: binary, estimand: estimand)
            cachedScale = s
            return s
        }
        // One sort and one scan give both tables' eCDF statistics, when either table needs them.
        var cachedECDF: (ECDFStatistics, ECDFStatistics)? = nil
        func ecdf() -> (ECDFStatistics, ECDFStatistics) {
            if let e = cachedECDF { return e }
            let e = ecdfScan(SortedColumn(x, weights: signedWeights), weights: signedWeights)
            cachedECDF = e
            return e
        }

        let all = balanceRow(
            name: name, treated: allT, control: allC, binary: binary, scale: scale,
            ecdf: { ecdf().0 }, pairDistance: nil)

        let rawPairDistance: Double?
        if let layout {
            rawPairDistance = layout.meanPairDistance(x, treated: t)
        } else if let matchMatrix {
            rawPairDistance = matchMatrix.meanPairDistance(x)
        } else {
            rawPairDistance = nil
        }
        let matched = balanceRow(
            name: name, treated: matT, control: matC, binary: binary, scale: scale,
            ecdf: { ecdf().1 },
            pairDistance: { s in rawPairDistance.map { standardizedPairDistance($0, scale: s) } })
        return ColumnRows(all: all, matched: matched)
    }
}
