import Columns
import Foundation
import RArithmetic

/// Optimal full matching, reproducing MatchIt 4.7's `method = "full"` (`matchit2full.R`), which
/// hands the |d_focal - d_other| distance matrix of each exact cell (pairs beyond the caliper
/// forbidden) to `optmatch::fullmatch(min.controls, max.controls)` (defaults 0 and infinity).
///
/// Every matched set (subclass) has one focal unit and one or more others, or one other unit and
/// several focal units; the total distance within sets (sum over each set's focal-other links) is
/// minimised exactly on optmatch's rounded costs (`FlowSubproblem`). As optmatch's `fullmatch`:
/// 1. Orientation: with max_controls > 1/2 the focal units are the rows, with at most
///    ceil(min(max_controls, columns)) controls and at least max(1, floor(min_controls)) each, a control
///    shared by at most ceil(1 / max(min_controls, 1/rows)) focal units; otherwise the problem is
///    transposed with the bounds inverted.
/// 2. Every matchable unit (one with an allowed partner) is matched.
/// 3. Recovery: when max_controls x focal < others (or the problem is infeasible) and max_controls is
///    finite and at least 1, optmatch first matches with no upper bound, counts the others it can keep
///    (each set's others capped at max_controls), and matches again leaving the rest out
///    (omit fraction 1 - kept / others).
/// 4. Weights (MatchIt's `get_weights_from_subclass`, then normalised to mean 1 in each group): focal
///    units 1, others n_focal(s) / n_other(s) in their subclass s; for ATE (the treated are the
///    focal group, as MatchIt) focal 1 + n_other(s) / n_focal(s), others 1 + n_focal(s) / n_other(s).
///
/// Subclasses are numbered by their first unit in data order.
public enum FullMatcher {
    public static func match(
        treated: [Bool], distance: [Double], exactCells: [Int]? = nil, specification spec: OptimalMatchingSpecification
    ) throws -> MatchResult {
        let setup = try FlowSetup(treated: treated, distance: distance, exactCells: exactCells,
                                  caliper: spec.caliper, discard: spec.discard, estimand: spec.estimand)
        let n = treated.count
        let minControls = spec.minControls ?? 0
        let maxControls = spec.maxControls ?? .infinity
        var parent = Array(0..<n)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        var matched = Array(repeating: false, count: n)
        var objective = FlowObjective(totalDistance: 0, integerCost: 0, resolution: 0, bound: 0)
        for cell in setup.cells where !cell.focal.isEmpty && !cell.others.isEmpty {
            let solution = try solveCell(cell, distance: distance, caliper: setup.caliperWidth, minControls: minControls,
                                         maxControls: maxControls, tolerance: spec.tolerance)
            guard let solution else { continue }
            if !solution.feasible {
                throw OptimalMatchingError.fullInfeasible(cell: setup.cellLabel(cell), minControls: minControls,
                                                          maxControls: maxControls)
            }
            for link in solution.links {
                matched[link.row] = true
                matched[link.column] = true
                let a = find(link.row), b = find(link.column)
                if a != b { parent[max(a, b)] = min(a, b) }
            }
            objective.totalDistance += solution.totalDistance
            objective.integerCost += solution.integerCost
            objective.resolution = max(objective.resolution, solution.epsilon)
            objective.bound += spec.tolerance * Double(cell.focal.count + cell.others.count)
        }
        // Subclasses numbered by first unit in data order.
        var number = [Int: Int]()
        var subclass: [Int?] = Array(repeating: nil, count: n)
        for i in 0..<n where matched[i] {
            let root = find(i)
            if number[root] == nil { number[root] = number.count + 1 }
            subclass[i] = number[root]
        }
        guard subclass.contains(where: { $0 != nil }) else { throw MatchingError.noMatches(setup.groupNames.focal) }
        let weights = subclassWeights(subclass: subclass, focal: setup.focal, estimand: spec.estimand)
        var result = MatchResult(
            specification: NearestNeighborSpecification(ratio: 1, replace: false, caliper: spec.caliper, order: .data,
                                                        discard: spec.discard, estimand: spec.estimand),
            order: .data, caliperWidth: setup.caliperWidth, distance: distance, discarded: setup.discarded,
            focalUnits: [], matches: [], weights: weights, subclass: SubclassNumbers(subclass), warnings: [], treated: treated)
        result.weightBasis = .subclassCounts
        result.objective = objective
        return result
    }

    /// One exact cell, as optmatch's `fullmatch` (with its recovery) treats one subproblem; nil when
    /// no pair is allowed (every unit of the cell unmatched, as MatchIt skips such cells).
    static func solveCell(_ cell: FlowSetup.Cell, distance: [Double], caliper: Double?, minControls: Double,
                          maxControls: Double, tolerance: Double) throws -> FlowSubproblem.Solution? {
        let rows = cell.focal.count, columns = cell.others.count
        func attempt(max mx: Double, omit: Double?) -> FlowSubproblem.Solution {
            let o = oriented(focal: cell.focal, others: cell.others, distance: distance, caliper: caliper,
                             minControls: minControls, maxControls: mx, omit: omit)
            var solution = o.problem.solve(limits: o.limits, omitFraction: o.omit, tolerance: tolerance)
            if o.flipped { solution.links = solution.links.map { ($0.column, $0.row) } }
            return solution
        }
        let probe = FlowSubproblem(rows: cell.focal, columns: cell.others, distance: distance, caliper: caliper)
        if !probe.hasAllowedPair { return nil }

        var first: FlowSubproblem.Solution? = nil
        if maxControls * Double(rows) >= Double(columns) {
            let s = attempt(max: maxControls, omit: nil)
            if s.feasible { return s }
            first = s
        }
        guard maxControls.isFinite && maxControls >= 1 else { return first ?? attempt(max: maxControls, omit: nil) }
        // Recovery: match without an upper bound, keep at most max_controls others per set.
        let trial = attempt(max: .infinity, omit: nil)
        var kept = 0
        if trial.feasible {
            var perFocal = [Int: Int](), perOther = [Int: Int]()
            for link in trial.links { perFocal[link.row, default: 0] += 1; perOther[link.column, default: 0] += 1 }
            // A set rooted at a focal unit with m others (each other in no other set) keeps min(m, max);
            // a set of one other unit with several focal units keeps that one.
            var counted = Set<Int>()
            for link in trial.links where perOther[link.column] == 1 {
                counted.insert(link.row)
            }
            for f in counted { kept += min(perFocal[f] ?? 0, Int(maxControls)) }
            let sharedOthers = Set(trial.links.filter { perOther[$0.column]! > 1 }.map(\.column))
            kept += sharedOthers.count
        }
        if kept == 0 { return first ?? attempt(max: maxControls, omit: nil) }
        let omit = 1 - Double(kept) / Double(columns)
        return attempt(max: maxControls, omit: omit)
    }

    /// One subproblem as optmatch's `.fullmatch` sets it up for `fullmatch(min.controls,
    /// max.controls, omit.fraction)`: with `omit` >= 0 (or, without one, max_controls > 1/2) the focal
    /// units are the rows, at most ceil(min(max_controls, others)) and at least
    /// max(1, floor(max(min_controls, 1/focal))) others each, an other shared by at most
    /// ceil(1 / max(min_controls, 1/focal)) focal units; otherwise (`flipped`) the others are the rows
    /// and the bounds are inverted (most 1/min_controls, fewest 1/max_controls), the omit fraction
    /// negated. A flipped solution's links are (other, focal): the caller swaps them back.
    static func oriented(focal: [Int], others: [Int], distance: [Double], caliper: Double?, minControls: Double,
                         maxControls mx: Double, omit: Double?)
        -> (problem: FlowSubproblem, limits: FlowSubproblem.Limits, omit: Double?, flipped: Bool)
    {
        let rows = focal.count, columns = others.count
        let flipped = omit.map { $0 < 0 } ?? !(mx > 0.5)
        var sub = FlowSubproblem(rows: focal, columns: others, distance: distance, caliper: caliper)
        let maxc: Double, minc: Double
        if !flipped {
            maxc = min(mx, Double(columns))
            minc = max(minControls, 1 / Double(rows))
        } else {
            sub = FlowSubproblem(rows: others, columns: focal, distance: distance, caliper: caliper)
            // optmatch takes these dimensions before transposing.
            maxc = min(1 / minControls, Double(columns))
            minc = max(1 / mx, 1 / Double(rows))
        }
        // optmatch's intSolve and fmatch: whole-number bounds.
        let limits = FlowSubproblem.Limits(
            maxColumns: Int((maxc.rounded(.up)).rounded(.toNearestOrEven)),
            minColumns: Int(max(1, minc.rounded(.down)).rounded(.toNearestOrEven)),
            maxRows: Int((1 / minc).rounded(.up).rounded(.toNearestOrEven)))
        return (sub, limits, omit.map { flipped ? -$0 : $0 }, flipped)
    }

    /// MatchIt's `get_weights_from_subclass`, normalised to mean 1 among the matched units of each
    /// group (`matchit(normalize = TRUE)`): ATT/ATC focal 1, others n_focal(s) / n_other(s); ATE
    /// (focal = treated) focal 1 + n_other(s) / n_focal(s), others 1 + n_focal(s) / n_other(s).
    static func subclassWeights(subclass: [Int?], focal: [Bool], estimand: Estimand = .att) -> [Double] {
        let n = subclass.count
        var focalCount = [Int: Int](), otherCount = [Int: Int]()
        for i in 0..<n { if let s = subclass[i] { if focal[i] { focalCount[s, default: 0] += 1 } else { otherCount[s, default: 0] += 1 } } }
        var weights = Array(repeating: 0.0, count: n)
        for i in 0..<n {
            guard let s = subclass[i] else { continue }
            let f = Double(focalCount[s] ?? 0), o = Double(otherCount[s] ?? 1)
            if estimand == .ate {
                weights[i] = focal[i] ? 1 + o / f : 1 + f / o
            } else {
                weights[i] = focal[i] ? 1 : f / o
            }
        }
        for group in [true, false] {
            let members = (0..<n).filter { focal[$0] == group && weights[$0] > 0 }
            guard !members.isEmpty else { continue }
            let total = rSum(members.map { weights[$0] })
            let m = Double(members.count)
            for i in members { weights[i] = m * weights[i] / total }
        }
        return weights
    }
}
