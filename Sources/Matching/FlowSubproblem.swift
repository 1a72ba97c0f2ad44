import Foundation
import NetworkFlow

/// The objective an optimal (flow-based) match reached, for reports.
public struct FlowObjective: Sendable, Codable, Equatable {
    /// Sum over every matched focal-other link of |d_focal - d_other| on the distance's own scale
    /// (pair matching: over the pairs; full matching: within each subclass, between its one unit of
    /// one group and each unit of the other); with the Mahalanobis metric, the Mahalanobis distances.
    public var totalDistance: Double
    /// The whole-number objective the solver minimised exactly (sum of the rounded costs below).
    public var integerCost: Int64
    /// The largest rounding resolution epsilon used in any subproblem (costs are
    /// ceil(0.5 + d / epsilon)); the real-scale total is within `bound` of the real optimum.
    public var resolution: Double
    /// optmatch's guarantee: tolerance x (units in the subproblem), summed over subproblems.
    public var bound: Double
}

/// One matching subproblem (an exact cell) in optmatch's network form (Hansen & Klopfer 2006,
/// "Optimal full matching and related designs via network flows", JCGS 15(3); optmatch's `fmatch`),
/// solved exactly by `NetworkFlow.MinCostFlowProblem`.
///
/// Rows are the units that root matched sets with several members of the other group (treated
/// for ATT), columns the others. With `mxc` = most columns per row, `mnc` = fewest columns per row,
/// `mxr` = most rows per column and `m` = columns to be matched, the network is
///
///     row r (supply mxc) --cost(r,c), cap 1--> column c --cap 1--> Sink (demand m)
///     row r --cap mxc - mnc--> End;  column c --cap mxr - 1--> End  (End demand mxc x rows - m)
///
/// so every row sends between mnc and mxc units to columns, m columns receive at least one unit,
/// and a column shared by several rows passes the extra units to End. With costs >= 1 every optimal
/// flow is a union of stars (one row with several columns, or one column with several rows), which
/// are the matched sets. Rows and columns without any allowed partner are left out (optmatch's
/// "unmatchable" units) and count neither in `rows` nor in `m`.
///
/// Costs: optmatch rounds each distance d to the whole number ceil(0.5 + d / epsilon), with
/// epsilon = max(dmax / (2^31 / 64 - 2), tolerance x (nRows + nCols) / (rowsMatchable +
/// colsMatchable - 2)), tolerance = MatchIt's and optmatch's `tol` (0.001), nRows, nCols the
/// subproblem's dimensions and dmax the largest allowed distance (optmatch's `doubleSolve`). The
/// flow problem on those whole numbers is solved exactly, so the matched sets are those of an
/// optimum of optmatch's own integer problem; the real-scale total is within tolerance x (nRows +
/// nCols) of the real optimum (optmatch's documented bound). When every distance is 0 all costs are 1.
///
/// Speed: the arcs are the allowed (row, column) pairs; only the `candidates` nearest of each row
/// and of each column (on the scalar distance) are put in the network at first. The solved flow's
/// node prices then certify optimality over all allowed pairs: any omitted pair with a negative
/// reduced cost is added and the problem solved again (column generation); an infeasible restricted
/// problem doubles `candidates` and the enlarged network is solved from the infeasible one's flow
/// and prices (`MinCostFlowProblem.solve(startingFrom:)`), so that round costs only the repairs the
/// new pairs allow instead of a solve from scratch. The result is the optimum over all allowed pairs.
struct FlowSubproblem {
    /// Unit numbers of the rows and columns (data order).
    var rows: [Int]
    var columns: [Int]
    /// The scalar distance per unit (all units).
    var distance: [Double]
    /// Largest allowed |d_row - d_column|; nil = every pair allowed.
    var caliper: Double?

    /// optmatch's `max.col.units`, `min.col.units`, `max.row.units` before its rounding.
    struct Limits {
        var maxColumns: Int
        var minColumns: Int
        var maxRows: Int
    }

    struct Solution {
        /// Matched (row unit, column unit) links.
        var links: [(row: Int, column: Int)]
        var integerCost: Int64
        var epsilon: Double
        var totalDistance: Double
        /// Whether the constraints could be met (optmatch returns no match otherwise).
        var feasible: Bool
        var matchableRows: Int
        var matchableColumns: Int
    }

    /// Columns sorted by distance (ties in data order), and each row's window of allowed columns.
    private func columnOrder() -> [Int] {
        columns.sorted { (distance[$0], $0) < (distance[$1], $1) }
    }

    private func window(_ d: Double, in sorted: [Double]) -> Range<Int> {
        guard let w = caliper else { return 0..<sorted.count }
        // |d - x| <= w  <=>  d - w <= x <= d + w (as optmatch's caliper compares the difference).
        var lo = 0, hi = sorted.count
        while lo < hi { let mid = (lo + hi) / 2; if d - sorted[mid] > w { lo = mid + 1 } else { hi = mid } }
        var lo2 = lo, hi2 = sorted.count
        while lo2 < hi2 { let mid = (lo2 + hi2) / 2; if sorted[mid] - d <= w { lo2 = mid + 1 } else { hi2 = mid } }
        return lo..<lo2
    }

    /// Whether any (row, column) pair lies within the caliper.
    var hasAllowedPair: Bool {
        let sortedValues = columnOrder().map { distance[$0] }
        return rows.contains { !window(distance[$0], in: sortedValues).isEmpty }
    }

    /// Solves with the given limits and `omitFraction` (optmatch's `omit.fraction`; nil = every
    /// matchable column is matched). `tolerance` is optmatch's `tol`.
    func solve(limits: Limits, omitFraction: Double?, tolerance: Double) -> Solution {
        let sortedColumns = columnOrder()
        let sortedValues = sortedColumns.map { distance[$0] }
        let windows = rows.map { window(distance[$0], in: sortedValues) }
        // Matchable rows and columns (at least one allowed partner).
        var columnMatchable = Array(repeating: false, count: sortedColumns.count)
        var rowMatchable = Array(repeating: false, count: rows.count)
        var dmax = 0.0
        var allZero = true
        for (i, w) in windows.enumerated() where !w.isEmpty {
            rowMatchable[i] = true
            // Differences extend from the ends of the window.
            let d = distance[rows[i]]
            dmax = max(dmax, abs(d - sortedValues[w.lowerBound]), abs(d - sortedValues[w.upperBound - 1]))
        }
        if dmax >= Double.ulpOfOne.squareRoot() { allZero = false }
        // Mark matchable columns by a difference array over windows.
        var cover = Array(repeating: 0, count: sortedColumns.count + 1)
        for w in windows where !w.isEmpty { cover[w.lowerBound] += 1; cover[w.upperBound] -= 1 }
        var running = 0
        for j in 0..<sortedColumns.count { running += cover[j]; columnMatchable[j] = running > 0 }
        let nRows = rows.count
        let layout = FlowNetworkLayout(rowMatchable: rowMatchable, columnMatchable: columnMatchable, largestDistance: dmax,
                                       allZero: allZero, tolerance: tolerance, limits: limits, omitFraction: omitFraction)
        let noSolution = layout.noSolution
        if layout.recognisablyInfeasible { return noSolution }
        let rfeas = layout.matchableRows, cfeas = layout.matchableColumns, epsilon = layout.epsilon
        let m = layout.columnsToMatch, mxc = layout.maxColumns, mnc = layout.minColumns, mxr = layout.maxRows
        let rowNode = layout.rowNode, columnNode = layout.columnNode, end = layout.end, sink = layout.sink
        func cost(_ d: Double) -> Int64 { layout.cost(d) }

        // Candidate pairs: each row's and each column's `k` nearest allowed partners.
        let rowOrder = (0..<nRows).filter { rowMatchable[$0] }.sorted { (distance[rows[$0]], rows[$0]) < (distance[rows[$1]], rows[$1]) }
        let rowValues = rowOrder.map { distance[rows[$0]] }
        var k = min(64, max(4, 2 * mnc + 2))
        var extra: [[Int]] = Array(repeating: [], count: nRows)   // added by pricing, per row
        var previous: (problem: MinCostFlowProblem, flow: MinCostFlowSolution)? = nil
        while true {
            var candidate: [[Int]] = Array(repeating: [], count: nRows)
            for i in 0..<nRows where rowMatchable[i] {
                candidate[i] = nearest(distance[rows[i]], in: sortedValues, window: windows[i], count: k)
            }
            // Columns that must all be matched (full matching) also bring their nearest rows.
            for j in 0..<sortedColumns.count where columnMatchable[j] && m == cfeas {
                let d = sortedValues[j]
                var lo = 0, hi = rowValues.count
                while lo < hi { let mid = (lo + hi) / 2; if rowValues[mid] < d { lo = mid + 1 } else { hi = mid } }
                // Walk outward from the insertion point, keeping rows whose window holds column j.
                var left = lo - 1, right = lo, taken = 0
                while taken < k && (left >= 0 || right < rowValues.count) {
                    let useLeft: Bool
                    if left < 0 { useLeft = false } else if right >= rowValues.count { useLeft = true }
                    else { useLeft = d - rowValues[left] <= rowValues[right] - d }
                    let r = useLeft ? rowOrder[left] : rowOrder[right]
                    if useLeft { left -= 1 } else { right += 1 }
                    if windows[r].contains(j) { candidate[r].append(j); taken += 1 }
                    else if caliper != nil { if useLeft { left = -1 } else { right = rowValues.count } }
                }
            }
            for i in 0..<nRows where !candidate[i].isEmpty || !extra[i].isEmpty {
                var list = candidate[i] + extra[i]
                list.sort()
                var unique: [Int] = []
                unique.reserveCapacity(list.count)
                for j in list where unique.last != j { unique.append(j) }
                candidate[i] = unique
            }

            var problem = MinCostFlowProblem(nodeCount: sink + 1)
            problem.reserveArcs(candidate.reduce(0) { $0 + $1.count } + nRows + 2 * sortedColumns.count)
            var arcs: [(row: Int, column: Int)] = []
            for i in 0..<nRows where rowMatchable[i] {
                for j in candidate[i] {
                    problem.addArc(from: rowNode[i], to: columnNode[j], capacity: 1,
                                   cost: cost(abs(distance[rows[i]] - sortedValues[j])))
                    arcs.append((i, j))
                }
            }
            for i in 0..<nRows where rowMatchable[i] && mxc - mnc > 0 {
                problem.addArc(from: rowNode[i], to: end, capacity: mxc - mnc, cost: 0)
            }
            for j in 0..<sortedColumns.count where columnMatchable[j] {
                if mxr - 1 > 0 { problem.addArc(from: columnNode[j], to: end, capacity: mxr - 1, cost: 0) }
                problem.addArc(from: columnNode[j], to: sink, capacity: 1, cost: 0)
            }
            for i in 0..<nRows where rowMatchable[i] { problem.setSupply(rowNode[i], mxc) }
            problem.setSupply(end, -(mxc * rfeas - m))
            problem.setSupply(sink, -m)
            // A network enlarged because the last one was infeasible starts from that one's flow and
            // prices when every column is to be matched (exact either way; a cold solve would redo
            // all the shipping it did). Pair matching, which leaves columns out, measured slower
            // with a warm start (Benchmarks/README.md), so it keeps solving from scratch.
            let flow = problem.solve(startingFrom: previous.map { problem.warmStart(from: $0.problem, solution: $0.flow) })
            previous = flow.isFeasible || m < cfeas ? nil : (problem, flow)

            if !flow.isFeasible {
                if k >= max(nRows, sortedColumns.count) { return noSolution }
                k *= 2
                continue
            }
            // Pricing: any allowed pair left out with a negative reduced cost joins the network.
            // Reduced costs cost(|d_r - d_c|) + pi(r) - pi(c) are at least cost + pi(r) - max_c pi(c),
            // and cost grows with the distance, so each row's scan walks outward from its own
            // distance and stops on each side once that lower bound is non-negative.
            var added = false
            var highest = Int64.min
            for j in 0..<sortedColumns.count where columnMatchable[j] { highest = max(highest, flow.potential[columnNode[j]]) }
            for i in 0..<nRows where rowMatchable[i] {
                let present = Set(candidate[i])
                let d = distance[rows[i]]
                let node = rowNode[i]
                let limit = highest - flow.potential[node]   // a pair can only help if cost < limit
                var lo = windows[i].lowerBound, hi = windows[i].upperBound
                while lo < hi { let mid = (lo + hi) / 2; if sortedValues[mid] < d { lo = mid + 1 } else { hi = mid } }
                for step in [-1, 1] {
                    var j = step < 0 ? lo - 1 : lo
                    while windows[i].contains(j) {
                        let c = cost(abs(d - sortedValues[j]))
                        if c >= limit { break }
                        if !present.contains(j), flow.reducedCost(from: node, to: columnNode[j], cost: c) < 0 {
                            extra[i].append(j)
                            added = true
                        }
                        j += step
                    }
                }
            }
            if added { continue }

            var links: [(row: Int, column: Int)] = []
            var total = 0.0
            var integerCost: Int64 = 0
            for (a, pair) in arcs.enumerated() where flow.flow[a] > 0 {
                let r = rows[pair.row], c = sortedColumns[pair.column]
                links.append((r, c))
                total += abs(distance[r] - distance[c])
                integerCost += cost(abs(distance[r] - distance[c]))
            }
            return Solution(links: links, integerCost: integerCost, epsilon: epsilon, totalDistance: total, feasible: true,
                            matchableRows: rfeas, matchableColumns: cfeas)
        }
    }

    /// Positions (in `sorted`) of the `count` values nearest to `d` inside `window`, ties to the left.
    private func nearest(_ d: Double, in sorted: [Double], window: Range<Int>, count: Int) -> [Int] {
        var lo = window.lowerBound, hi = window.upperBound
        while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < d { lo = mid + 1 } else { hi = mid } }
        var left = lo - 1, right = lo
        var out: [Int] = []
        out.reserveCapacity(count)
        while out.count < count && (left >= window.lowerBound || right < window.upperBound) {
            if left < window.lowerBound { out.append(right); right += 1 }
            else if right >= window.upperBound { out.append(left); left -= 1 }
            else if d - sorted[left] <= sorted[right] - d { out.append(left); left -= 1 }
            else { out.append(right); right += 1 }
        }
        return out
    }
}

/// What `FlowSubproblem.solve` and its Mahalanobis variant share before building the network
/// (optmatch's `doubleSolve` set-up): the rounding resolution and integer costs, the number of
/// columns to match, the limits as the network uses them, whether optmatch would recognise the
/// problem as infeasible without solving, and the node numbers (matchable rows, then matchable
/// columns, in the order of the flags given, then End and Sink).
struct FlowNetworkLayout {
    let matchableRows: Int, matchableColumns: Int
    /// Resolution: a distance d costs ceil(0.5 + d / epsilon).
    let epsilon: Double
    /// Every allowed distance is below √ε (every cost is then 1).
    let allZero: Bool
    /// Columns to be matched (`m`), and the limits: most and fewest columns per row, most rows per column.
    let columnsToMatch: Int, maxColumns: Int, minColumns: Int, maxRows: Int
    /// No solution can exist (no matchable row or column, or optmatch's recognisably infeasible counts).
    let recognisablyInfeasible: Bool
    let rowNode: [Int], columnNode: [Int], end: Int, sink: Int

    /// - Parameters:
    ///   - largestDistance: the largest allowed pair distance (`dmax`).
    ///   - allZero: every allowed distance is below √ε.
    ///   - tolerance: optmatch's `tol`.
    init(rowMatchable: [Bool], columnMatchable: [Bool], largestDistance dmax: Double, allZero: Bool, tolerance: Double,
         limits: FlowSubproblem.Limits, omitFraction: Double?) {
        let nRows = rowMatchable.count, nCols = columnMatchable.count
        let rfeas = rowMatchable.filter { $0 }.count
        let cfeas = columnMatchable.filter { $0 }.count
        matchableRows = rfeas
        matchableColumns = cfeas
        let epsilonFloor = dmax / (Double(Int32.max) / 64 - 2)
        let tol = tolerance * Double(nRows + nCols)
        epsilon = (tol > 0 && rfeas > 1 && cfeas > 1) ? max(epsilonFloor, tol / Double(rfeas + cfeas - 2)) : epsilonFloor
        self.allZero = allZero
        let m = FlowSubproblem.columnsToMatch(matchable: cfeas, total: nCols, omitFraction: omitFraction)
        let mxc = limits.maxColumns, mnc = limits.minColumns
        let mxr = mnc > 1 ? 1 : limits.maxRows
        columnsToMatch = m
        maxColumns = mxc
        minColumns = mnc
        maxRows = mxr
        recognisablyInfeasible = rfeas == 0 || cfeas == 0
            || (mxr > 1 && Double(rfeas) / Double(mxr) > Double(m)) || (mxr == 1 && rfeas * mnc > m) || (rfeas * mxc < m)
        var rowNode = Array(repeating: -1, count: nRows)
        var next = 0
        for i in 0..<nRows where rowMatchable[i] { rowNode[i] = next; next += 1 }
        var columnNode = Array(repeating: -1, count: nCols)
        for j in 0..<nCols where columnMatchable[j] { columnNode[j] = next; next += 1 }
        self.rowNode = rowNode
        self.columnNode = columnNode
        end = next
        sink = next + 1
    }

    /// The integer cost of a pair at distance `d`.
    @inline(__always)
    func cost(_ d: Double) -> Int64 {
        if allZero { return 1 }
        return Int64((0.5 + d / epsilon).rounded(.up))
    }

    /// The answer when no solution exists.
    var noSolution: FlowSubproblem.Solution {
        FlowSubproblem.Solution(links: [], integerCost: 0, epsilon: epsilon, totalDistance: 0, feasible: false,
                                matchableRows: matchableRows, matchableColumns: matchableColumns)
    }
}
