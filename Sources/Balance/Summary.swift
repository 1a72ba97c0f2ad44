// `summarizeBalance`: MatchIt 4.7's `summary.matchit(m, interactions = FALSE, un = TRUE,
// standardize = TRUE, pair.dist = TRUE)` for a nearest-neighbour match without sampling weights.
//
// Two phases. What does not depend on the match (`BalancePreparation`): one pass over the rows
// accumulates, for four columns at a time, the full-sample moments of both groups (four columns'
// running sums are independent, so the processor overlaps them), and each non-binary column may be
// radix-sorted once for its eCDF statistics. Then, with the matching weights: a second pass adds the
// matched units' weighted moments, one scan per column over its sorted values gives the eCDF
// statistics of both tables, and the pair distance walks the matched sets, laid out once for all
// columns. Batches and columns are processed in parallel for large inputs; every sum sees its
// values in row (or sorted) order whichever thread runs it, so results do not depend on the number
// of threads, nor on whether the first phase ran beside the match.

import Columns
import Dispatch
import Foundation   // also links the C maths library (sqrt) on Linux
import Parallel
import RArithmetic
import Sorting

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
    subclass: SubclassNumbers?,
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
    subclass: SubclassNumbers?,
    discarded: [Bool],
    estimand: BalanceEstimand,
    matchMatrix: MatchMatrix?,
    parallelRowThreshold: Int
) -> BalanceSummary {
    let parallel = covariates.count > 1 && treated.count >= parallelRowThreshold
    let prepared = BalancePreparation(covariates: covariates, treated: treated, parallel: parallel, presort: false)
    return summarizeBalance(
        prepared: prepared, weights: weights, subclass: subclass, discarded: discarded, estimand: estimand,
        matchMatrix: matchMatrix, parallelRowThreshold: parallelRowThreshold)
}

/// The part of the balance tables that does not depend on the match: each column's full-sample
/// moments of both groups, MatchIt's binary rule, and (optionally) each non-binary column sorted
/// once for its eCDF statistics. It can be formed while the match runs (`ComparisonGroup` does so
/// on a second thread); `summarizeBalance(prepared:...)` then adds the matched sample. Each sum
/// sees its values in the same order as when both are formed together, so the tables are the
/// same bits either way.
public struct BalancePreparation: Sendable {
    /// Columns in display order.
    public let covariates: [BalanceCovariate]
    /// Treatment indicator per unit.
    public let treated: [Bool]
    /// Per column: the full-sample moments of both groups and the binary rule.
    let full: [FullSampleMoments]
    /// Which columns are dense and which are indicators, and the dense columns' batches.
    let kinds: ColumnKinds
    /// Per column: its values sorted with their rows, or nil (a binary column needs no eCDF scan;
    /// without `presort` every column is sorted when its table rows are built).
    private(set) var sorted: [PresortedColumn?]

    /// Takes `order`, the stable ascending order of dense column `j` formed elsewhere (the
    /// matcher ranks every unit by distance), and `sortedValues`, the column's values in that order
    /// (-0.0 as +0.0, as `RadixSort.ascending` returns them), instead of sorting the column again.
    /// Both are checked (`PresortedColumn(checkedOrder:values:of:)`: the values must ascend with ties
    /// in row order, which is what `RadixSort` gives and what makes a sort unique, and be the
    /// column's), so a wrong ranking stops the run instead of changing the tables.
    public mutating func adoptOrder(_ order: [Int32], sortedValues: [Double], ofColumn j: Int) {
        let column = covariates[j].column
        precondition(order.count == column.count, "adoptOrder: \(order.count) positions for \(column.count) rows")
        sorted[j] = column.withDenseValues { dense -> PresortedColumn in
            guard let dense else { preconditionFailure("adoptOrder: column \(covariates[j].name) is an indicator") }
            return PresortedColumn(checkedOrder: order, values: sortedValues, of: dense)
        }
    }

    /// Computes the full-sample moments (four columns a pass over the rows) and, with `presort`,
    /// the sort of every non-binary column.
    /// - Parameters:
    ///   - parallel: spread the pieces of work over the cores (`Parallel.map`); false runs them one
    ///     after another on the calling thread.
    ///   - presort: sort the non-binary columns now and keep them (4 bytes a row and 4 a run of
    ///     equal values each) until the tables are built.
    public init(covariates: [BalanceCovariate], treated: [Bool], parallel: Bool, presort: Bool) {
        let work = Work(covariates: covariates, treated: treated, presort: presort)
        let pieces = parallel ? Parallel.map(work.count) { work.run($0) } : (0..<work.count).map { work.run($0) }
        self.init(work, pieces: pieces)
    }

    /// Assembles a preparation from the results of `work.run(0), ..., work.run(work.count - 1)`,
    /// in index order (computed on any threads, e.g. with `Parallel.beside`).
    public init(_ work: Work, pieces: [Piece]) {
        precondition(pieces.count == work.count, "BalancePreparation: \(pieces.count) pieces for \(work.count) tasks")
        covariates = work.covariates
        treated = work.treated
        kinds = work.kinds
        var full = [FullSampleMoments?](repeating: nil, count: work.covariates.count)
        var sorted = [PresortedColumn?](repeating: nil, count: work.covariates.count)
        for piece in pieces {
            switch piece.content {
            case .moments(let m): for (j, moments) in m { full[j] = moments }
            case .sorted(let j, let column): sorted[j] = column
            }
        }
        self.full = full.enumerated().map { j, m in
            guard let m else { preconditionFailure("BalancePreparation: no moments for column \(j)") }
            return m
        }
        self.sorted = sorted
    }

    /// The independent pieces of a preparation: with `presort`, one sort per dense column (first,
    /// as the larger pieces), then one moment pass per batch of four dense columns (in column
    /// order), then one counting pass for all the indicators.
    public struct Work: Sendable {
        let covariates: [BalanceCovariate]
        let treated: [Bool]
        /// Columns to sort: the dense ones (an indicator is binary and needs no sort), except those
        /// whose order comes from elsewhere (`adoptOrder`).
        let sortColumns: [Int]
        let kinds: ColumnKinds

        /// - Parameter sortedElsewhere: columns not to sort, because their order will be given to
        ///   the preparation with `adoptOrder` (or, failing that, they are sorted when the tables
        ///   are built).
        public init(covariates: [BalanceCovariate], treated: [Bool], presort: Bool, sortedElsewhere: Set<Int> = []) {
            let n = treated.count
            for c in covariates {
                precondition(c.column.count == n, "summarizeBalance: covariate \(c.name) has \(c.column.count) values, treated has \(n)")
            }
            self.covariates = covariates
            self.treated = treated
            kinds = ColumnKinds(covariates)
            sortColumns = presort ? kinds.dense.filter { !sortedElsewhere.contains($0) } : []
        }

        /// Number of pieces.
        public var count: Int { sortColumns.count + kinds.momentPieces }

        /// Piece `k`.
        public func run(_ k: Int) -> Piece {
            if k < sortColumns.count {
                let j = sortColumns[k]
                let column: PresortedColumn? = covariates[j].column.withDenseValues { dense in
                    guard let dense else { return nil }
                    // MatchIt's binary rule, as the moment pass applies it: a binary column needs no eCDF scan.
                    return dense.allSatisfy(isZeroOrOne) ? nil : PresortedColumn(dense)
                }
                return Piece(content: .sorted(j, column))
            }
            let b = k - sortColumns.count
            if b < kinds.batches {
                let columns = kinds.batch(b)
                return Piece(content: .moments(Array(zip(columns, fullSampleMoments(of: columns.map { covariates[$0] }, treated: treated)))))
            }
            let moments = indicatorMoments(kinds.indicators.map { covariates[$0].column }, treated: treated)
            return Piece(content: .moments(Array(zip(kinds.indicators, moments))))
        }
    }

    /// The result of one piece of `Work`.
    public struct Piece: Sendable {
        enum Content: Sendable {
            /// (column, its moments).
            case moments([(Int, FullSampleMoments)])
            case sorted(Int, PresortedColumn?)
        }
        let content: Content
    }
}

/// Columns whose moments are accumulated in one pass over the rows.
let batchWidth = 4

/// The columns by kind: dense ones, whose moments are accumulated `batchWidth` at a time, and
/// indicators, whose moments are counts; the moment work is one piece per batch of dense columns
/// and one more for all the indicators.
struct ColumnKinds: Sendable {
    let dense: [Int]
    let indicators: [Int]

    init(_ covariates: [BalanceCovariate]) {
        dense = covariates.indices.filter { !covariates[$0].column.isIndicator }
        indicators = covariates.indices.filter { covariates[$0].column.isIndicator }
    }

    /// Number of batches of dense columns.
    var batches: Int { (dense.count + batchWidth - 1) / batchWidth }

    /// Batches, plus one piece for the indicators when there are any.
    var momentPieces: Int { batches + (indicators.isEmpty ? 0 : 1) }

    /// The dense columns of batch `b`.
    func batch(_ b: Int) -> [Int] { Array(dense[(b * batchWidth)..<min(dense.count, (b + 1) * batchWidth)]) }
}

/// Rows per tile of the moment passes.
let momentTileRows = 4096

/// The full-sample moments of one column: both groups, unit weights.
struct FullSampleMoments: Sendable {
    var treated = UnitMoments(), control = UnitMoments()
    /// Every value is 0 or 1 (MatchIt's binary rule).
    var binary = true
}

/// A column's rows in ascending order of value (stable: ties in row order), and where its runs of
/// equal values end.
struct PresortedColumn: Sendable {
    /// The lengths of the runs of equal values (`RadixSort.runLengths(ofSorted:)`): all the eCDF
    /// scan needs of the values, kept instead of them from the sort (in the match stage) to the
    /// tables: 4 bytes a run instead of 8 a row.
    let runs: [Int32]
    let rows: [Int32]

    init(_ x: UnsafeBufferPointer<Double>) {
        (rows, runs) = RadixSort.ascendingRuns(x)
    }

    /// The column `x` as `values` in the given `order`, both as `RadixSort.ascending` returned them
    /// elsewhere. Checked in one sequential pass: the values ascend with ties in row order, and
    /// every 64th value (and the last) is the column's value at its row. (Reading every row's value
    /// would be a gather from random rows, the cost this spares: 0.3 s of CPU at ten million rows.)
    init(checkedOrder order: [Int32], values sortedValues: [Double], of x: UnsafeBufferPointer<Double>) {
        let n = x.count
        precondition(order.count == n && sortedValues.count == n, "PresortedColumn: \(order.count) positions and \(sortedValues.count) values for \(n) rows")
        order.withUnsafeBufferPointer { order in
            sortedValues.withUnsafeBufferPointer { values in
                for k in 0..<n {
                    let i = Int(order[k])
                    precondition(i >= 0 && i < n, "PresortedColumn: position \(i) out of range")
                    if k > 0 {
                        let before = values[k - 1], v = values[k]
                        precondition(before < v || (before == v && Int(order[k - 1]) < i), "PresortedColumn: the order does not sort the column")
                    }
                    if k & 63 == 0 || k == n - 1 {
                        let v = x[i] == 0 ? 0 : x[i]
                        precondition(values[k].bitPattern == v.bitPattern, "PresortedColumn: the sorted values are not the column's")
                    }
                }
            }
        }
        runs = sortedValues.withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:))
        rows = order
    }

    /// The column sorted with each unit's row in `weights`' table (the form `ecdfScan` reads).
    func withWeights(_ weights: ECDFWeights) -> SortedColumn {
        let index = weights.index
        let carried = [UInt32](unsafeUninitializedCapacity: rows.count) { out, initialized in
            index.withUnsafeBufferPointer { index in
                rows.withUnsafeBufferPointer { rows in
                    for k in 0..<rows.count { out[k] = index[Int(rows[k])] }
                }
            }
            initialized = rows.count
        }
        return SortedColumn(runs: runs, weightIndex: carried)
    }
}

/// Calls `body` with each column of `batch` (one to four columns; a short batch repeats its first
/// column in the unused places) as pointers to tiles of `momentTileRows` rows: a dense column is
/// read where it is, an indicator's tile is written as doubles into a small buffer, so the rows
/// reach `body` in the same order either way.
private func forEachTile(
    of batch: [BalanceCovariate], rows n: Int,
    _ body: (Range<Int>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>) -> Void
) {
    precondition((1...batchWidth).contains(batch.count), "forEachTile: \(batch.count) columns")
    let pick = (0..<batchWidth).map { batch[$0 < batch.count ? $0 : 0].column }
    let tile = momentTileRows
    let buffers = UnsafeMutablePointer<Double>.allocate(capacity: batchWidth * tile)
    defer { buffers.deallocate() }
    pick[0].withDenseValues { d0 in
        pick[1].withDenseValues { d1 in
            pick[2].withDenseValues { d2 in
                pick[3].withDenseValues { d3 in
                    let dense = [d0, d1, d2, d3]
                    var x = [UnsafePointer<Double>](repeating: UnsafePointer(buffers), count: batchWidth)
                    var lo = 0
                    while lo < n {
                        let hi = min(n, lo + tile)
                        for k in 0..<batchWidth {
                            if let d = dense[k] {
                                x[k] = UnsafePointer(d.baseAddress! + lo)
                            } else {
                                pick[k].copy(rows: lo..<hi, into: buffers + k * tile)
                                x[k] = UnsafePointer(buffers + k * tile)
                            }
                        }
                        body(lo..<hi, x[0], x[1], x[2], x[3])
                        lo = hi
                    }
                }
            }
        }
    }
}

/// The full-sample moments of the one to four columns of `batch`, in one pass over the rows. Each
/// tile's rows are taken group by group (each group's rows in row order, as one pass would add them:
/// the groups' sums are independent), with the accumulators in local variables, and the binary
/// rule (every value 0 or 1) checked on the tile's values apart from the sums.
private func fullSampleMoments(of batch: [BalanceCovariate], treated: [Bool]) -> [FullSampleMoments] {
    var m0 = FullSampleMoments(), m1 = FullSampleMoments(), m2 = FullSampleMoments(), m3 = FullSampleMoments()
    // Every column of the batch has the same group counts so far.
    var treatedCount = 0.0, controlCount = 0.0
    let rowsOf = UnsafeMutablePointer<Int>.allocate(capacity: 2 * momentTileRows)
    defer { rowsOf.deallocate() }
    treated.withUnsafeBufferPointer { t in
        forEachTile(of: batch, rows: t.count) { range, x0, x1, x2, x3 in
            // The tile's treated rows from the front of `rowsOf` and its control rows from the
            // middle, each in row order.
            let treatedRows = rowsOf, controlRows = rowsOf + momentTileRows
            var nt = 0, nc = 0
            for i in range {
                let k = i - range.lowerBound
                treatedRows[nt] = k
                controlRows[nc] = k
                let isTreated = t[i] ? 1 : 0
                nt &+= isTreated
                nc &+= 1 &- isTreated
            }
            let x = (x0, x1, x2, x3)
            var group = (m0.treated, m1.treated, m2.treated, m3.treated)
            addUnits(to: &group, count: &treatedCount, x, at: treatedRows, units: nt)
            (m0.treated, m1.treated, m2.treated, m3.treated) = group
            group = (m0.control, m1.control, m2.control, m3.control)
            addUnits(to: &group, count: &controlCount, x, at: controlRows, units: nc)
            (m0.control, m1.control, m2.control, m3.control) = group
            let rows = range.count
            if m0.binary { m0.binary = allZeroOrOne(x0, rows) }
            if m1.binary { m1.binary = allZeroOrOne(x1, rows) }
            if m2.binary { m2.binary = allZeroOrOne(x2, rows) }
            if m3.binary { m3.binary = allZeroOrOne(x3, rows) }
        }
    }
    return Array([m0, m1, m2, m3].prefix(batch.count))
}

/// Adds the tile's rows at positions `at[0..<units]`, in order, to one group's moments of four
/// columns (`UnitMoments.add` each), `count` being the group's count so far. The accumulators are
/// local variables for the whole run.
@inline(__always)
private func addUnits(
    to moments: inout (UnitMoments, UnitMoments, UnitMoments, UnitMoments), count: inout Double,
    _ x: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>),
    at: UnsafeMutablePointer<Int>, units: Int
) {
    var (a0, a1, a2, a3) = moments
    var n = count
    for j in 0..<units {
        let k = at[j]
        n += 1
        let r = 1 / n
        a0.add(x.0[k], reciprocalOfNewCount: r); a1.add(x.1[k], reciprocalOfNewCount: r)
        a2.add(x.2[k], reciprocalOfNewCount: r); a3.add(x.3[k], reciprocalOfNewCount: r)
    }
    moments = (a0, a1, a2, a3)
    count = n
}

/// Whether each of the `count` values at `x` is 0 or 1 (`isZeroOrOne`).
@inline(__always)
private func allZeroOrOne(_ x: UnsafePointer<Double>, _ count: Int) -> Bool {
    var others = 0
    for k in 0..<count { others &+= isZeroOrOne(x[k]) ? 0 : 1 }
    return others == 0
}

/// The full-sample moments of indicator columns: the number of ones in each group. An indicator is
/// binary (MatchIt's rule), and for a binary column the tables read only each group's count and sum
/// (`wvar()` is p(1 - p); the pooled SD uses the sums), so West's running mean and squared
/// deviations are not formed (`UnitMoments(count:ones:)`). The extended-precision sum of zeros and
/// ones that the dense path forms is exact, so it is the same number as the count of ones. The
/// indicators of one categorical covariate share its codes, and are counted together in one pass
/// over them (`IndicatorGroup`): a count per level and group.
func indicatorMoments(_ columns: [NumericColumn], treated: [Bool]) -> [FullSampleMoments] {
    let n = treated.count
    let treatedCount = treated.reduce(0) { $0 + ($1 ? 1 : 0) }
    var moments = [FullSampleMoments](repeating: FullSampleMoments(), count: columns.count)
    treated.withUnsafeBufferPointer { t in
        for group in IndicatorGroup.groups(of: columns) {
            // counts[2 * code + (treated ? 1 : 0)], for the codes the group's columns test.
            var counts = [Int](repeating: 0, count: 2 * group.codeLimit)
            group.codes.withUnsafeBufferPointer { c in
                counts.withUnsafeMutableBufferPointer { counts in
                    let limit = UInt32(group.codeLimit)
                    for i in 0..<n where UInt32(bitPattern: c[i]) < limit {
                        counts[2 * Int(c[i]) + (t[i] ? 1 : 0)] &+= 1
                    }
                }
            }
            for (k, level) in group.members {
                let onesTreated = counts[2 * Int(level) + 1], ones = counts[2 * Int(level)] + onesTreated
                var m = FullSampleMoments()
                m.treated = UnitMoments(count: treatedCount, ones: onesTreated)
                m.control = UnitMoments(count: n - treatedCount, ones: ones - onesTreated)
                m.binary = true
                moments[k] = m
            }
        }
    }
    return moments
}

/// Indicator columns that test the same codes (the levels of one categorical covariate), counted in
/// one pass over the codes instead of one pass per level.
struct IndicatorGroup {
    /// The codes.
    let codes: [Int32]
    /// The group's columns: their index in the list given to `groups(of:)` and the level each tests.
    var members: [(index: Int, level: Int32)]
    /// One more than the largest level tested (codes at or above it, and negative ones, match no column).
    var codeLimit: Int

    /// The indicator columns of `columns` grouped by their codes array (the same storage), in order of
    /// first appearance. Every column must be an indicator with a non-negative level.
    static func groups(of columns: [NumericColumn]) -> [IndicatorGroup] {
        var groups: [IndicatorGroup] = []
        var groupOfStorage: [UnsafeRawPointer?: Int] = [:]
        for (k, column) in columns.enumerated() {
            guard case .indicator(let codes, let level) = column else {
                preconditionFailure("IndicatorGroup: a dense column")
            }
            precondition(level >= 0, "IndicatorGroup: negative level \(level)")
            let storage = codes.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
            if let g = groupOfStorage[storage], groups[g].codes.count == codes.count {
                groups[g].members.append((k, level))
                groups[g].codeLimit = max(groups[g].codeLimit, Int(level) + 1)
            } else {
                groupOfStorage[storage] = groups.count
                groups.append(IndicatorGroup(codes: codes, members: [(k, level)], codeLimit: Int(level) + 1))
            }
        }
        return groups
    }
}

/// The matched-sample moments of both groups of one column.
struct MatchedMoments: Sendable {
    var treated = WeightedMoments(), control = WeightedMoments()
}

/// The matched-sample moments of the one to four columns of `batch`, in one pass over the
/// matched units (`matchedRows`: the units of non-zero weight, in row order; a unit of zero weight
/// changes no sum, so leaving it out gives the same bits as passing over every row). Each tile's
/// units are taken group by group (each group's in row order, as one pass would add them: the
/// groups' sums are independent), with the accumulators in local variables (`BatchMoments`).
func matchedMoments(
    of batch: [BalanceCovariate], treated: [Bool], weights: [Double], matchedRows: [Int32]
) -> [MatchedMoments] {
    precondition((1...batchWidth).contains(batch.count), "matchedMoments: \(batch.count) columns")
    let pick = (0..<batchWidth).map { batch[$0 < batch.count ? $0 : 0].column }
    let tile = momentTileRows
    let buffers = UnsafeMutablePointer<Double>.allocate(capacity: batchWidth * tile)
    let positions = UnsafeMutablePointer<Int>.allocate(capacity: 2 * tile)
    defer { buffers.deallocate(); positions.deallocate() }
    var treatedMoments = BatchMoments(), controlMoments = BatchMoments()
    treated.withUnsafeBufferPointer { t in
        weights.withUnsafeBufferPointer { w in
            matchedRows.withUnsafeBufferPointer { rows in
                var inTreated = BatchMoments(), inControl = BatchMoments()
                var lo = 0
                while lo < rows.count {
                    let hi = min(rows.count, lo + tile)
                    let part = UnsafeBufferPointer(rebasing: rows[lo..<hi])
                    for k in 0..<batchWidth { pick[k].gather(rows: part, into: buffers + k * tile) }
                    let x = (buffers, buffers + tile, buffers + 2 * tile, buffers + 3 * tile)
                    // The tile's treated units from the front of `positions`, its control units
                    // from the middle, each in row order.
                    let treatedAt = positions, controlAt = positions + tile
                    var nt = 0, nc = 0
                    for k in 0..<part.count {
                        treatedAt[nt] = k
                        controlAt[nc] = k
                        let isTreated = t[Int(part[k])] ? 1 : 0
                        nt &+= isTreated
                        nc &+= 1 &- isTreated
                    }
                    inTreated.add(x, weights: w, rows: part, at: treatedAt, count: nt)
                    inControl.add(x, weights: w, rows: part, at: controlAt, count: nc)
                    lo = hi
                }
                treatedMoments = inTreated
                controlMoments = inControl
            }
        }
    }
    return (0..<batch.count).map { j in
        var m = MatchedMoments()
        m.treated = treatedMoments.column(j)
        m.control = controlMoments.column(j)
        return m
    }
}

/// One group's weighted moments of four columns, as `WeightedMoments.add` forms them column by
/// column: the numbers that do not depend on the column (the count, Σw, Σw², the running weight
/// total and w / total) once a unit, each column's Σw·x and West's running mean and squared
/// deviations in a lane of a vector. Every operation is the one `add` performs, on the same
/// operands, so every number is the same.
struct BatchMoments {
    var count = 0
    var sumW: ExtendedSum = 0, sumW2: ExtendedSum = 0
    var sumWX: (ExtendedSum, ExtendedSum, ExtendedSum, ExtendedSum) = (0, 0, 0, 0)
    var runW: Double = 0
    var runMean = SIMD4<Double>(repeating: 0), m2 = SIMD4<Double>(repeating: 0)

    /// Adds the units at tile positions `at[0..<count]` (rows `rows[at[j]]`, values `x.k[at[j]]`).
    @inline(__always)
    mutating func add(
        _ x: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>),
        weights: UnsafeBufferPointer<Double>, rows: UnsafeBufferPointer<Int32>, at: UnsafeMutablePointer<Int>, count units: Int
    ) {
        var a = self
        for j in 0..<units {
            let k = at[j]
            let w = weights[Int(rows[k])]
            if w == 0 { continue }
            let v = SIMD4(x.0[k], x.1[k], x.2[k], x.3[k])
            a.count &+= 1
            a.sumW += ExtendedSum(w)
            a.sumW2 += ExtendedSum(w * w)
            let vw = v * w
            a.sumWX.0 += ExtendedSum(vw[0]); a.sumWX.1 += ExtendedSum(vw[1])
            a.sumWX.2 += ExtendedSum(vw[2]); a.sumWX.3 += ExtendedSum(vw[3])
            a.runW += w
            let delta = v - a.runMean
            a.runMean += delta * (w / a.runW)
            a.m2 += w * delta * (v - a.runMean)
        }
        self = a
    }

    /// Column `j`'s moments.
    func column(_ j: Int) -> WeightedMoments {
        let wx = [sumWX.0, sumWX.1, sumWX.2, sumWX.3][j]
        return WeightedMoments(count: count, sumW: sumW, sumW2: sumW2, sumWX: wx, runW: runW, runMean: runMean[j], m2: m2[j])
    }
}

/// The matched-sample moments of indicator columns. Each group's count of units, Σw and Σw² do
/// not depend on the column and are formed once, in row order over the matched units as the dense
/// path forms them; Σw·x is the extended-precision sum, in row order, of the weights of the units
/// whose value is 1 (a unit whose value is 0 adds an exact zero to a non-negative-zero sum, which
/// changes nothing). West's running quantities are not formed: binary formulas do not read them
/// (see `indicatorMoments`).
func indicatorMatchedMoments(
    of columns: [NumericColumn], treated: [Bool], weights: [Double], matchedRows: [Int32]
) -> [MatchedMoments] {
    var count = (t: 0, c: 0)
    var sumW: (t: ExtendedSum, c: ExtendedSum) = (0, 0), sumW2: (t: ExtendedSum, c: ExtendedSum) = (0, 0)
    return treated.withUnsafeBufferPointer { t in
        weights.withUnsafeBufferPointer { w in
            matchedRows.withUnsafeBufferPointer { rows in
                for r in rows {
                    let i = Int(r), wi = w[i]
                    if wi == 0 { continue }
                    if t[i] {
                        count.t &+= 1; sumW.t += ExtendedSum(wi); sumW2.t += ExtendedSum(wi * wi)
                    } else {
                        count.c &+= 1; sumW.c += ExtendedSum(wi); sumW2.c += ExtendedSum(wi * wi)
                    }
                }
                // Σw·x of every column of a group in one pass over the matched units: for each
                // level tested and each group of units, the sum in row order of the weights of the
                // units holding that level (each column's sum is the same sequence of additions as
                // a pass of its own).
                var moments = [MatchedMoments](repeating: MatchedMoments(), count: columns.count)
                for group in IndicatorGroup.groups(of: columns) {
                    var sums = [ExtendedSum](repeating: 0, count: 2 * group.codeLimit)
                    group.codes.withUnsafeBufferPointer { c in
                        sums.withUnsafeMutableBufferPointer { sums in
                            let limit = UInt32(group.codeLimit)
                            for r in rows {
                                let i = Int(r)
                                guard UInt32(bitPattern: c[i]) < limit else { continue }
                                sums[2 * Int(c[i]) + (t[i] ? 1 : 0)] += ExtendedSum(w[i])
                            }
                        }
                    }
                    for (k, level) in group.members {
                        var m = MatchedMoments()
                        m.treated = WeightedMoments(binaryCount: count.t, sumW: sumW.t, sumW2: sumW2.t, sumWX: sums[2 * Int(level) + 1])
                        m.control = WeightedMoments(binaryCount: count.c, sumW: sumW.c, sumW2: sumW2.c, sumWX: sums[2 * Int(level)])
                        moments[k] = m
                    }
                }
                return moments
            }
        }
    }
}

extension NumericColumn {
    /// `destination[k] = self[rows[k]]` for every `k`.
    func gather(rows: UnsafeBufferPointer<Int32>, into destination: UnsafeMutablePointer<Double>) {
        switch self {
        case .dense(let v):
            v.withUnsafeBufferPointer { v in for k in 0..<rows.count { destination[k] = v[Int(rows[k])] } }
        case .indicator(let codes, let level):
            codes.withUnsafeBufferPointer { c in for k in 0..<rows.count { destination[k] = c[Int(rows[k])] == level ? 1 : 0 } }
        }
    }
}

/// The balance tables from a `BalancePreparation` and the match (see the public
/// `summarizeBalance(covariates:...)` for the arguments), with an explicit parallelism threshold.
public func summarizeBalance(
    prepared: BalancePreparation,
    weights: [Double],
    subclass: SubclassNumbers?,
    discarded: [Bool],
    estimand: BalanceEstimand = .att,
    matchMatrix: MatchMatrix? = nil
) -> BalanceSummary {
    summarizeBalance(prepared: prepared, weights: weights, subclass: subclass, discarded: discarded, estimand: estimand,
                     matchMatrix: matchMatrix, parallelRowThreshold: defaultParallelRowThreshold)
}

func summarizeBalance(
    prepared: BalancePreparation,
    weights: [Double],
    subclass: SubclassNumbers?,
    discarded: [Bool],
    estimand: BalanceEstimand,
    matchMatrix: MatchMatrix?,
    parallelRowThreshold: Int,
    serialRowThreshold: Int = serialRowsThreshold
) -> BalanceSummary {
    let covariates = prepared.covariates, treated = prepared.treated
    let n = treated.count
    precondition(weights.count == n, "summarizeBalance: weights has \(weights.count) entries, treated has \(n)")
    precondition(discarded.count == n, "summarizeBalance: discarded has \(discarded.count) entries, treated has \(n)")
    if let subclass {
        precondition(subclass.count == n, "summarizeBalance: subclass has \(subclass.count) entries, treated has \(n)")
    }
    if let matchMatrix {
        for r in matchMatrix.focalUnits { precondition(r >= 0 && r < n, "summarizeBalance: match matrix row out of range") }
        // By index, through a buffer pointer: no reference counting of each unit's list.
        matchMatrix.matches.withUnsafeBufferPointer { lists in
            for k in lists.indices {
                for j in 0..<lists[k].count {
                    precondition(lists[k][j] >= 0 && lists[k][j] < n, "summarizeBalance: match matrix row out of range")
                }
            }
        }
    }

    let columns = covariates.count
    let parallel = columns > 1 && n >= parallelRowThreshold
    // Matched-sample moments: four dense columns per pass over the matched units, and the
    // indicators' sums in one more piece.
    let kinds = prepared.kinds
    let matchedMomentPieces = { () -> [[(Int, MatchedMoments)]] in
        var nonzero: [Int32] = []
        for i in 0..<n where weights[i] != 0 { nonzero.append(Int32(i)) }
        let matchedRows = nonzero
        let pieces = kinds.momentPieces
        let piece: @Sendable (Int) -> [(Int, MatchedMoments)] = { b in
            if b < kinds.batches {
                let batch = kinds.batch(b)
                let m = matchedMoments(of: batch.map { covariates[$0] }, treated: treated, weights: weights, matchedRows: matchedRows)
                return Array(zip(batch, m))
            }
            let m = indicatorMatchedMoments(
                of: kinds.indicators.map { covariates[$0].column }, treated: treated, weights: weights, matchedRows: matchedRows)
            return Array(zip(kinds.indicators, m))
        }
        return parallel ? Parallel.map(pieces, piece) : (0..<pieces).map(piece)
    }
    // The matched sets' layout (serial passes over every unit) is formed beside the moments when
    // running in parallel; it does not depend on them.
    let layout: MatchedSetLayout?
    let matchedPieces: [[(Int, MatchedMoments)]]
    if let subclass, parallel {
        let (layouts, moments) = Parallel.beside(tasks: 1, { _ in MatchedSetLayout(subclass: subclass).withTreatment(treated) },
                                                 matchedMomentPieces)
        layout = layouts[0]
        matchedPieces = moments
    } else {
        layout = subclass.map { MatchedSetLayout(subclass: $0).withTreatment(treated) }
        matchedPieces = matchedMomentPieces()
    }
    let context = SummaryContext(
        treated: treated, weights: weights, estimand: estimand, layout: layout,
        matchMatrix: subclass == nil ? matchMatrix : nil)
    var matched = [MatchedMoments](repeating: MatchedMoments(), count: columns)
    for (j, m) in matchedPieces.joined() { matched[j] = m }
    let moments = (0..<columns).map { j in
        ColumnMoments(full: prepared.full[j], matched: matched[j])
    }
    // Table rows (sorts, eCDF scans and pair distances), in parallel by column; above
    // `serialRowsThreshold` rows one column at a time, except the pair distances (which hold only
    // the matched units' values), formed in parallel first.
    let sorted = prepared.sorted
    let rows: [ColumnRows]
    if parallel && n < serialRowThreshold {
        rows = Parallel.map(columns) { j in context.rows(for: covariates[j], moments: moments[j], presorted: sorted[j]) }
    } else {
        let pairDistances: [Double?]? = parallel
            ? Parallel.map(columns) { j in context.rawPairDistance(covariates[j].column) } : nil
        rows = (0..<columns).map { j in
            context.rows(for: covariates[j], moments: moments[j], presorted: sorted[j], rawPairDistance: pairDistances.map { $0[j] },
                         lanesInParallel: parallel)
        }
    }

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
    var allTreated: UnitMoments, allControl: UnitMoments
    var matchedTreated: WeightedMoments, matchedControl: WeightedMoments
    /// Every value is 0 or 1 (MatchIt's binary rule).
    var binary: Bool

    init(full: FullSampleMoments, matched: MatchedMoments) {
        allTreated = full.treated
        allControl = full.control
        matchedTreated = matched.treated
        matchedControl = matched.control
        binary = full.binary
    }
}

/// Column-independent inputs, prepared once and shared read-only by every column.
struct SummaryContext: Sendable {
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

    /// Both table rows for one column (MatchIt's `bal1var` for `ww = NULL` and `ww = weights`).
    /// - Parameter precomputed: the column's `rawPairDistance`, when it was formed already (nil:
    ///   form it here).
    /// - Parameter lanesInParallel: scan the full and the matched sample's eCDFs on two threads
    ///   (when the columns are taken one at a time).
    func rows(
        for covariate: BalanceCovariate, moments m: ColumnMoments, presorted: PresortedColumn?,
        rawPairDistance precomputed: Double?? = nil, lanesInParallel: Bool = false
    ) -> ColumnRows {
        let column = covariate.column
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
            // Only non-binary columns are scanned, and only dense columns can be non-binary; an
            // indicator's doubles would be built just for the sort.
            let sorted = presorted.map { $0.withWeights(signedWeights) } ?? column.withDenseValues { dense in
                dense.map { SortedColumn($0, weights: signedWeights) }
                    ?? column.values.withUnsafeBufferPointer { SortedColumn($0, weights: signedWeights) }
            }
            let e = ecdfScan(sorted, weights: signedWeights, lanesInParallel: lanesInParallel)
            cachedECDF = e
            return e
        }

        let all = balanceRow(
            name: covariate.name, treated: allT, control: allC, binary: binary, scale: scale,
            ecdf: { ecdf().0 }, pairDistance: nil)

        let rawPairDistance = precomputed ?? self.rawPairDistance(column)
        let matched = balanceRow(
            name: covariate.name, treated: matT, control: matC, binary: binary, scale: scale,
            ecdf: { ecdf().1 },
            pairDistance: { s in rawPairDistance.map { standardizedPairDistance($0, scale: s) } })
        return ColumnRows(all: all, matched: matched)
    }

    /// The mean within-set pair distance of `column` (before standardisation): from the matched
    /// sets when given, else from the match matrix, else nil.
    func rawPairDistance(_ column: NumericColumn) -> Double? {
        if let layout { return layout.meanPairDistance(column) }
        if let matchMatrix { return matchMatrix.meanPairDistance(column) }
        return nil
    }
}

