import Foundation
import RArithmetic

/// Settings of an optimal pair (k:1) or full match; defaults are MatchIt 4.7's.
public struct OptimalMatchingSpecification: Sendable, Codable, Equatable {
    /// Controls per focal unit (pair matching; MatchIt's `ratio`).
    public var ratio: Int = 1
    /// Fewest / most controls per focal unit: variable-ratio pair matching (`optimal`, whole
    /// numbers, with `ratio` as the mean) or full matching's bounds (`full`, where values below 1
    /// mean several focal units per control, e.g. 0.5 = at most two). `nil` = MatchIt's default
    /// (optimal: `ratio`; full: 0 and infinity).
    public var minControls: Double? = nil
    public var maxControls: Double? = nil
    /// Caliper in standard deviations of the distance (non-discarded units, n - 1 denominator).
    public var caliper: Double? = nil
    public var discard: CommonSupport = .none
    public var estimand: Estimand = .att
    /// optmatch's `tol` (rounding resolution of the distances, see `FlowSubproblem`).
    public var tolerance: Double = 0.001

    public init(ratio: Int = 1, minControls: Double? = nil, maxControls: Double? = nil, caliper: Double? = nil,
                discard: CommonSupport = .none, estimand: Estimand = .att, tolerance: Double = 0.001) {
        self.ratio = ratio
        self.minControls = minControls
        self.maxControls = maxControls
        self.caliper = caliper
        self.discard = discard
        self.estimand = estimand
        self.tolerance = tolerance
    }
}

/// Why an optimal or full match cannot be made (one sentence each).
public enum OptimalMatchingError: Error, Equatable, CustomStringConvertible {
    /// Too few `other` units within the caliper: `unmatched` of `focal` units of `group` cannot get
    /// one (ratio 1), or only `places` of the `needed` places can be filled (ratio k). (In a cell with
    /// fewer others than focal units the roles are swapped, as MatchIt swaps them.)
    case caliperInfeasible(group: String, other: String, unmatched: Int, focal: Int, places: Int, needed: Int, ratio: Int,
                           cell: String)
    /// No solution in a cell although no caliper restricts it (the counts always allow one, so this
    /// would be a solver fault; reported rather than trusted).
    case infeasible(cell: String)
    /// The full-matching bounds cannot be met in a cell.
    case fullInfeasible(cell: String, minControls: Double, maxControls: Double)

    public var description: String {
        switch self {
        case let .caliperInfeasible(group, other, unmatched, focal, places, needed, ratio, cell):
            if ratio == 1 {
                return "optimal matching is infeasible\(cell): \(unmatched) of the \(focal) \(group) units have no \(other) left within the caliper; widen the caliper, use method nearest, or discard units."
            }
            return "optimal matching is infeasible\(cell): the caliper leaves only \(places) of the \(needed) \(other) places (\(ratio) for each of the \(focal) \(group) units) fillable; widen the caliper or lower the ratio."
        case let .infeasible(cell):
            return "optimal matching found no solution\(cell) although no caliper restricts it; please report this."
        case let .fullInfeasible(cell, minControls, maxControls):
            return "full matching with min_controls \(formatBound(minControls)) and max_controls \(formatBound(maxControls)) is infeasible\(cell); relax the bounds."
        }
    }
}

func formatBound(_ x: Double) -> String {
    x.isInfinite ? "Inf" : (x == x.rounded() ? String(Int(x)) : String(x))
}

/// Optimal pair matching (k:1, or variable ratio), reproducing MatchIt 4.7's `method = "optimal"`
/// (`matchit2optimal.R`), which hands the |d_focal - d_control| distance matrix of each exact cell
/// to `optmatch::fullmatch(min.controls = k, max.controls = k, mean.controls = k)`.
///
/// Algorithm:
/// 1. Common support (`discard`) and caliper width as for nearest-neighbour matching.
/// 2. Each exact cell holding both groups is one subproblem (`FlowSubproblem`) minimising the total
///    matched distance sum |d_focal - d_control| exactly, on optmatch's rounded costs: each focal
///    unit gets between `minControls` and `maxControls` controls (both `ratio` for k:1), ratio x
///    (focal units) controls in total, each control at most once.
/// 3. Too few controls in a cell (e = controls / focal units of the cell, MatchIt's `e_ratios`):
///    e < 1: matched 1:1 with the roles swapped, every control gets one focal unit and the rest go
///    unmatched, whatever the ratio; 1 <= e < ratio: the ratio is lowered for that cell, optmatch
///    getting mean.controls = e (so every control is matched), min.controls = min(min_controls,
///    floor(e)) and max.controls = max_controls (ratio when fixed), oriented as optmatch's
///    `fullmatch` does by the sign of its omit fraction 1 - e x focal / controls
///    (`FullMatcher.oriented`). MatchIt's warnings are kept (`availabilityWarnings`).
/// 4. Caliper: MatchIt 4.7 ignores a caliper for `optimal` (with a warning); here it restricts the
///    allowed pairs, as optmatch's `caliper()` would, and a cell where not every focal unit can get
///    its controls within it is an error saying how many cannot (counted on the swapped roles
///    in an e < 1 cell).
/// 5. Weights as nearest-neighbour matching without replacement (`matchWeights`).
/// 6. With Mahalanobis covariates the pair cost is their Mahalanobis distance (`MahalanobisFlow.swift`).
public enum OptimalPairMatcher {
    /// - Parameter mahalanobis: covariate columns (as `NearestNeighborMatcher.match`'s) to match on
    ///   their Mahalanobis distance (`MahalanobisFlow.swift`) instead of |d_focal - d_control|; the
    ///   distance then serves only for the caliper and common support.
    public static func match(
        treated: [Bool], distance: [Double], exactCells: [Int]? = nil, specification spec: OptimalMatchingSpecification,
        mahalanobis: [[Double]]? = nil
    ) throws -> MatchResult {
        let setup = try FlowSetup(treated: treated, distance: distance, exactCells: exactCells,
                                  caliper: spec.caliper, discard: spec.discard, estimand: spec.estimand)
        let n = treated.count
        for c in mahalanobis ?? [] where c.count != n { throw MatchingError.lengthMismatch("\(c.count) covariate values for \(n) units") }
        let coordinates = mahalanobis.map { MahalanobisTransform.transform(columns: $0, focal: setup.focal, discarded: setup.discarded) }
        let k = spec.ratio
        let variable = spec.maxControls != nil
        let minC = Int(spec.minControls ?? (variable ? 1 : Double(k)))
        let maxC = Int(spec.maxControls ?? Double(k))
        var matchesOf = [Int: [Int]]()
        var objective = FlowObjective(totalDistance: 0, integerCost: 0, resolution: 0, bound: 0)
        let names = setup.groupNames
        let warnings = availabilityWarnings(setup: setup, ratio: k, variable: variable)
        for cell in setup.cells {
            let focal = cell.focal, others = cell.others
            guard !focal.isEmpty, !others.isEmpty else { continue }
            let where_ = setup.cellLabel(cell)
            var sub = FlowSubproblem(rows: focal, columns: others, distance: distance, caliper: setup.caliperWidth)
            var limits = FlowSubproblem.Limits(maxColumns: maxC, minColumns: minC, maxRows: 1)
            var swapped = false, flipped = false
            var needed = minC
            // optmatch: mean.controls becomes omit.fraction = 1 - mean x rows / columns.
            var omit = 1 - Double(k) * Double(focal.count) / Double(others.count)
            if others.count < focal.count {
                // MatchIt: roles swapped, 1:1; every other unit gets one focal unit.
                sub = FlowSubproblem(rows: others, columns: focal, distance: distance, caliper: setup.caliperWidth)
                limits = .init(maxColumns: 1, minColumns: 1, maxRows: 1)
                swapped = true
                needed = 1
                omit = 1 - Double(others.count) / Double(focal.count)
            } else if others.count < k * focal.count {
                // MatchIt lowers the ratio: mean others/focal, fewest min(min_controls, floor(mean)),
                // most max_controls; optmatch orients the problem by the sign of the omit fraction.
                let mean = Double(others.count) / Double(focal.count)
                let fewest = min(minC, others.count / focal.count)
                let fraction = 1 - mean * Double(focal.count) / Double(others.count)
                let o = FullMatcher.oriented(focal: focal, others: others, distance: distance, caliper: setup.caliperWidth,
                                             minControls: Double(fewest), maxControls: Double(maxC), omit: fraction)
                sub = o.problem
                limits = o.limits
                omit = o.omit ?? fraction
                flipped = o.flipped
                needed = fewest
            }
            var solution = coordinates.map { sub.solve(limits: limits, omitFraction: omit, tolerance: spec.tolerance, coordinates: $0) }
                ?? sub.solve(limits: limits, omitFraction: omit, tolerance: spec.tolerance)
            if !solution.feasible {
                guard let width = setup.caliperWidth else { throw OptimalMatchingError.infeasible(cell: where_) }
                let (rows, columns) = swapped ? (others, focal) : (focal, others)
                let group = swapped ? (names.other, names.focal) : (names.focal, names.other)
                let places = maximumPlaces(rows: rows, columns: columns, distance: distance, width: width, ratio: needed)
                throw OptimalMatchingError.caliperInfeasible(group: group.0, other: group.1, unmatched: rows.count - places.fullRows,
                                                             focal: rows.count, places: places.filled,
                                                             needed: needed * rows.count, ratio: needed, cell: where_)
            }
            if flipped { solution.links = solution.links.map { ($0.column, $0.row) } }
            for link in solution.links {
                let (f, c) = swapped ? (link.column, link.row) : (link.row, link.column)
                matchesOf[f, default: []].append(c)
            }
            objective.totalDistance += solution.totalDistance
            objective.integerCost += solution.integerCost
            objective.resolution = max(objective.resolution, solution.epsilon)
            objective.bound += spec.tolerance * Double(focal.count + others.count)
        }
        let focalUnits = (0..<n).filter { setup.focal[$0] }
        let matches = focalUnits.map { (matchesOf[$0] ?? []).sorted() }
        let (weights, subclass) = try matchWeights(n: n, focal: setup.focal, focalUnits: focalUnits, matches: matches,
                                                   withReplacement: false)
        if !matches.contains(where: { !$0.isEmpty }) { throw MatchingError.noMatches(names.focal) }
        var result = MatchResult(
            specification: NearestNeighborSpecification(ratio: k, replace: false, caliper: spec.caliper, order: .data,
                                                        discard: spec.discard, estimand: spec.estimand),
            order: .data, caliperWidth: setup.caliperWidth, distance: distance, discarded: setup.discarded,
            focalUnits: focalUnits, matches: matches, weights: weights, subclass: subclass, warnings: warnings,
            treated: treated)
        result.weightBasis = .matchedSets
        result.objective = objective
        return result
    }

    /// MatchIt 4.7's availability warnings for `optimal` (`matchit2optimal.R`), issued once per match
    /// from the non-discarded counts of each exact cell holding focal units (e = others / focal):
    /// 1. some e < 1: "fewer control units than treated units[ in some exact cells]; not all treated
    ///    units will get a match";
    /// 2. ratio > 1 and some e < ratio (with exact cells also after 1; without, only when 1 did not
    ///    apply): fixed ratio "not all treated units will get k matches", variable ratio "not enough
    ///    control units for an average of k matches per treated unit[ in all exact cells]".
    /// (MatchIt says "`exact` strata" where this says "exact cells".)
    static func availabilityWarnings(setup: FlowSetup, ratio k: Int, variable: Bool) -> [String] {
        let (f, o) = setup.groupNames
        let cells = setup.cells.filter { !$0.focal.isEmpty }
        let belowOne = cells.contains { $0.others.count < $0.focal.count }
        let belowRatio = k > 1 && cells.contains { $0.others.count < k * $0.focal.count }
        var warnings: [String] = []
        if belowOne {
            warnings.append("fewer \(o) units than \(f) units\(setup.hasExactCells ? " in some exact cells" : ""); not all \(f) units will get a match")
            if !setup.hasExactCells { return warnings }
        }
        if belowRatio {
            warnings.append(variable
                ? "not enough \(o) units for an average of \(k) matches per \(f) unit\(setup.hasExactCells ? " in all exact cells" : "")"
                : "not all \(f) units will get \(k) matches")
        }
        return warnings
    }

    /// The largest number of control places (each focal unit taking at most `ratio`, each control
    /// once) that the caliper allows, and how many focal units get all `ratio`: focal units in order
    /// of the upper end of their caliper window each take the lowest free controls in their window
    /// (earliest-deadline greedy, optimal for intervals on a line).
    static func maximumPlaces(rows: [Int], columns: [Int], distance: [Double], width: Double, ratio: Int)
        -> (filled: Int, fullRows: Int)
    {
        let cols = columns.map { distance[$0] }.sorted()
        let order = rows.sorted { (distance[$0], $0) < (distance[$1], $1) }
        var nextFree = Array(0...cols.count)   // union-find "next free position at or after"
        func find(_ x: Int) -> Int {
            var x = x
            while nextFree[x] != x { nextFree[x] = nextFree[nextFree[x]]; x = nextFree[x] }
            return x
        }
        var filled = 0, full = 0
        for r in order {
            let d = distance[r]
            var lo = 0, hi = cols.count
            while lo < hi { let mid = (lo + hi) / 2; if d - cols[mid] > width { lo = mid + 1 } else { hi = mid } }
            var got = 0
            var p = find(lo)
            while got < ratio && p < cols.count && cols[p] - d <= width {
                nextFree[p] = p + 1
                got += 1
                p = find(p + 1)
            }
            filled += got
            if got == ratio { full += 1 }
        }
        return (filled, full)
    }
}

/// What optimal and full matching share: common support, the caliper on the distance scale, the
/// focal group, and the exact cells that hold both groups (MatchIt matches within each cell).
struct FlowSetup {
    struct Cell {
        var id: Int
        var focal: [Int]
        var others: [Int]
    }

    var discarded: [Bool]
    var focal: [Bool]
    var caliperWidth: Double?
    var cells: [Cell]
    var hasExactCells: Bool
    var groupNames: (focal: String, other: String)

    init(treated: [Bool], distance: [Double], exactCells: [Int]?, caliper: Double?, discard: CommonSupport,
         estimand: Estimand) throws {
        let n = treated.count
        guard distance.count == n else { throw MatchingError.lengthMismatch("\(distance.count) distances for \(n) units") }
        if let cells = exactCells, cells.count != n {
            throw MatchingError.lengthMismatch("\(cells.count) exact cells for \(n) units")
        }
        if let c = caliper, !(c > 0 && c.isFinite) { throw MatchingError.invalidCaliper(c) }
        for i in 0..<n where !distance[i].isFinite { throw MatchingError.nonFiniteDistance(row: i, value: distance[i]) }
        let discarded = NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: discard)
        self.discarded = discarded
        let focalIsTreated = estimand != .atc
        let focal = treated.map { $0 == focalIsTreated }
        self.focal = focal
        groupNames = focalIsTreated ? ("treated", "control") : ("control", "treated")
        caliperWidth = caliper.map { c in c * rStandardDeviation((0..<n).filter { !discarded[$0] }.map { distance[$0] }) }
        let (dense, count) = NearestNeighborMatcher.denseCells(exactCells, count: n)
        hasExactCells = exactCells != nil
        var byCell = (0..<count).map { Cell(id: $0, focal: [], others: []) }
        for i in 0..<n where !discarded[i] {
            if focal[i] { byCell[dense[i]].focal.append(i) } else { byCell[dense[i]].others.append(i) }
        }
        if hasExactCells && !byCell.contains(where: { !$0.focal.isEmpty && !$0.others.isEmpty }) {
            throw MatchingError.noCommonCells
        }
        cells = byCell
    }

    func cellLabel(_ cell: Cell) -> String {
        hasExactCells ? " in exact cell \(cell.id + 1)" : ""
    }
}
