import Foundation
import NetworkFlow

/// Optimal matching on the Mahalanobis distance of the covariates (MatchIt 4.7's `method =
/// "optimal"` with `distance = "mahalanobis"` or `mahvars`): the same network and rounding as
/// `FlowSubproblem.solve`, with the cost of a (row, column) pair the Euclidean distance between
/// the units' `MahalanobisTransform` coordinates,
///
///     e(r, c) = sqrt( sum_k (x_rk - x_ck)^2 ) = sqrt( (X_r - X_c)ᵀ Σ⁻¹ (X_r - X_c) ),
///
/// Σ the pooled within-group covariance of the standardised covariates over the units not
/// discarded, computed once over the whole sample (not within each exact cell), as
/// `matchit2optimal.R` computes it with `transform_covariates` and `eucdist_internal` before handing
/// the matrix to `optmatch::fullmatch`. The scalar distance (the propensity score) serves only for
/// the caliper: a pair is allowed when |d_r - d_c| <= caliper (MatchIt 4.7 ignores a caliper for
/// `optimal`; here it restricts the pairs as `match_on(mahalanobis) + caliper(match_on(ps), width)`
/// does in optmatch).
///
/// Rounding (optmatch's `doubleSolve`): each allowed pair costs ceil(0.5 + e / epsilon), with
/// epsilon = max(emax / (2^31 / 64 - 2), tolerance x (nRows + nCols) / (rowsMatchable +
/// colsMatchable - 2)), emax the largest allowed e; all costs are 1 when every e is below √ε.
///
/// Speed: e has no order on a line, so the candidate arcs are each row's `k` nearest allowed columns
/// by e (found by scanning its allowed columns), and the pricing step scans every allowed pair not in
/// the network for a negative reduced cost, adding those and solving again until none is left (the
/// result is the optimum over all allowed pairs). Each round costs O(rows x columns x covariates).
extension FlowSubproblem {
    /// Solves the subproblem on the Euclidean distance between `coordinates` (one row per unit, all
    /// units) with the given limits; `omitFraction` and `tolerance` as in `solve`.
    func solve(limits: Limits, omitFraction: Double?, tolerance: Double, coordinates: [[Double]]) -> Solution {
        let nRows = rows.count, nCols = columns.count
        func pairDistance(_ r: Int, _ c: Int) -> Double {
            let a = coordinates[rows[r]], b = coordinates[columns[c]]
            var s = 0.0
            for k in a.indices { let t = a[k] - b[k]; s += t * t }
            return s.squareRoot()
        }
        func allowed(_ r: Int, _ c: Int) -> Bool {
            guard let w = caliper else { return true }
            return abs(distance[rows[r]] - distance[columns[c]]) <= w
        }
        var rowMatchable = Array(repeating: false, count: nRows)
        var columnMatchable = Array(repeating: false, count: nCols)
        var emax = 0.0
        for r in 0..<nRows {
            for c in 0..<nCols where allowed(r, c) {
                rowMatchable[r] = true
                columnMatchable[c] = true
                emax = max(emax, pairDistance(r, c))
            }
        }
        let layout = FlowNetworkLayout(rowMatchable: rowMatchable, columnMatchable: columnMatchable, largestDistance: emax,
                                       allZero: emax < Double.ulpOfOne.squareRoot(), tolerance: tolerance, limits: limits,
                                       omitFraction: omitFraction)
        let noSolution = layout.noSolution
        if layout.recognisablyInfeasible { return noSolution }
        let rfeas = layout.matchableRows, cfeas = layout.matchableColumns, epsilon = layout.epsilon
        let m = layout.columnsToMatch, mxc = layout.maxColumns, mnc = layout.minColumns, mxr = layout.maxRows
        let rowNode = layout.rowNode, columnNode = layout.columnNode, end = layout.end, sink = layout.sink
        func cost(_ e: Double) -> Int64 { layout.cost(e) }

        var k = min(64, max(4, 2 * mnc + 2))
        var extra: [[Int]] = Array(repeating: [], count: nRows)
        while true {
            var candidate: [[Int]] = Array(repeating: [], count: nRows)
            for r in 0..<nRows where rowMatchable[r] {
                let near = (0..<nCols).filter { allowed(r, $0) }.map { (pairDistance(r, $0), $0) }
                    .sorted { $0 < $1 }.prefix(k).map(\.1)
                candidate[r] = Array(Set(near).union(extra[r])).sorted()
            }
            var problem = MinCostFlowProblem(nodeCount: sink + 1)
            problem.reserveArcs(candidate.reduce(0) { $0 + $1.count } + nRows + 2 * nCols)
            var arcs: [(row: Int, column: Int)] = []
            for r in 0..<nRows where rowMatchable[r] {
                for c in candidate[r] {
                    problem.addArc(from: rowNode[r], to: columnNode[c], capacity: 1, cost: cost(pairDistance(r, c)))
                    arcs.append((r, c))
                }
            }
            for r in 0..<nRows where rowMatchable[r] && mxc - mnc > 0 {
                problem.addArc(from: rowNode[r], to: end, capacity: mxc - mnc, cost: 0)
            }
            for c in 0..<nCols where columnMatchable[c] {
                if mxr - 1 > 0 { problem.addArc(from: columnNode[c], to: end, capacity: mxr - 1, cost: 0) }
                problem.addArc(from: columnNode[c], to: sink, capacity: 1, cost: 0)
            }
            for r in 0..<nRows where rowMatchable[r] { problem.setSupply(rowNode[r], mxc) }
            problem.setSupply(end, -(mxc * rfeas - m))
            problem.setSupply(sink, -m)
            let flow = problem.solve()
            if !flow.isFeasible {
                if k >= nCols { return noSolution }
                k *= 2
                continue
            }
            // Pricing over every allowed pair left out.
            var added = false
            for r in 0..<nRows where rowMatchable[r] {
                let present = Set(candidate[r])
                for c in 0..<nCols where allowed(r, c) && !present.contains(c) {
                    if flow.reducedCost(from: rowNode[r], to: columnNode[c], cost: cost(pairDistance(r, c))) < 0 {
                        extra[r].append(c)
                        added = true
                    }
                }
            }
            if added { continue }

            var links: [(row: Int, column: Int)] = []
            var total = 0.0
            var integerCost: Int64 = 0
            for (a, pair) in arcs.enumerated() where flow.flow[a] > 0 {
                links.append((rows[pair.row], columns[pair.column]))
                let e = pairDistance(pair.row, pair.column)
                total += e
                integerCost += cost(e)
            }
            return Solution(links: links, integerCost: integerCost, epsilon: epsilon, totalDistance: total, feasible: true,
                            matchableRows: rfeas, matchableColumns: cfeas)
        }
    }
}

extension FlowSubproblem {
    /// The number of columns to match (optmatch's `solve_reg_fm_prob`): round(cfeas x (1 - omit
    /// fraction)), the fraction first adjusted for columns that are unmatchable anyway (all
    /// matchable columns when `omitFraction` is nil). `solve` computes the same inline.
    static func columnsToMatch(matchable cfeas: Int, total nCols: Int, omitFraction: Double?) -> Int {
        var keep = 1.0
        if var omit = omitFraction {
            if cfeas < nCols && omit > 0 {
                omit = (omit * Double(nCols) - Double(nCols - cfeas)) / Double(cfeas)
                keep = omit <= 0 ? 1 : 1 - omit
            } else {
                keep = 1 - omit
            }
        }
        return Int((Double(cfeas) * keep).rounded(.toNearestOrEven))
    }
}
