import Columns
import RArithmetic
import Sorting

/// Radius matching as Stata's `psmatch2 ..., radius caliper(r)` (Leuven & Sianesi): every focal
/// unit is matched to *every* eligible control whose distance lies within `r` of its own, with
/// replacement.
///
/// Reference choices (docs/algorithms.md, "Radius matching"):
/// 1. `radius` is on the scale of the distance itself (the propensity score by default), as
///    psmatch2's `caliper()`; it is not in standard deviations (MatchIt's `caliper`).
/// 2. A control is within the radius when |d_c − d_f| ≤ r (MatchIt's caliper test, `<=`).
/// 3. Common support is `discard` (psmatch2's `common` is `discard = treated`); exact cells
///    restrict matches to the focal unit's cell.
/// 4. A focal unit with no control within the radius is unmatched (psmatch2: off support).
/// 5. Weights: focal unit 1; each control Σ over the sets it joins of 1/kᵢ (kᵢ = controls of
///    focal unit i), psmatch2's `_weight`; then scaled to mean 1 within each group among matched
///    units (MatchIt's normalisation). `weightBasis = .matchedSets`.
///
/// In R, for one focal unit i: `m <- which(!treat & abs(ps - ps[i]) <= r)`; weight `1/length(m)`.
public enum RadiusMatcher {
    /// Matches every focal unit to all controls within `radius`.
    /// - Parameters:
    ///   - radius: half-width of the window on the distance scale (> 0).
    ///   - specification: estimand (ATT or ATC) and `discard`; ratio, replace, caliper and order
    ///     do not apply and are recorded as given.
    public static func match(
        treated: [Bool], distance: [Double], exactCells: [Int]? = nil, radius: Double,
        specification spec: NearestNeighborSpecification
    ) throws -> MatchResult {
        let window = try ControlWindows(treated: treated, distance: distance, exactCells: exactCells,
                                        specification: spec, method: "radius")
        var matches = Array(repeating: [Int](), count: window.focalUnits.count)
        for (f, unit) in window.focalUnits.enumerated() where window.eligible[unit] {
            matches[f] = window.controls(near: unit, within: radius, inclusive: true).sorted()
        }
        let (weights, _) = try matchWeights(n: treated.count, focal: window.focal, focalUnits: window.focalUnits,
                                            matches: matches, withReplacement: true)
        if !window.focalUnits.contains(where: { weights[$0] > 0 }) {
            throw MatchingError.noMatches(spec.estimand == .att ? "treated" : "control")
        }
        var resolved = spec
        resolved.order = .data
        return MatchResult(specification: resolved, order: .data, caliperWidth: radius, distance: distance,
                           discarded: window.discarded, focalUnits: window.focalUnits, matches: matches,
                           weights: weights, subclass: SubclassNumbers(repeating: nil, count: treated.count), warnings: [],
                           weightBasis: .matchedSets, treated: treated)
    }
}

/// The eligible controls of each exact cell sorted by distance, so that the controls within a
/// window around a focal unit are found by two binary searches (radius and kernel matching).
struct ControlWindows {
    let focal: [Bool]
    let focalUnits: [Int]
    let discarded: [Bool]
    /// Not discarded, and in a cell with both groups.
    let eligible: [Bool]
    let cells: UnitCells
    /// Per cell: control units ascending by distance (ties in data order), and their distances.
    let unitsByCell: [[Int]]
    let distancesByCell: [[Double]]

    init(treated: [Bool], distance: [Double], exactCells: [Int]?, specification spec: NearestNeighborSpecification,
         method: String) throws {
        let n = treated.count
        guard distance.count == n else { throw MatchingError.lengthMismatch("\(distance.count) distances for \(n) units") }
        if let cells = exactCells, cells.count != n {
            throw MatchingError.lengthMismatch("\(cells.count) exact cells for \(n) units")
        }
        guard spec.estimand != .ate else { throw MatchingError.unsupportedEstimand(method: method, .ate) }
        for i in 0..<n where !distance[i].isFinite { throw MatchingError.nonFiniteDistance(row: i, value: distance[i]) }
        let focalIsTreated = spec.estimand == .att
        let focalFlags = treated.map { $0 == focalIsTreated }
        focal = focalFlags
        focalUnits = (0..<n).filter { focalFlags[$0] }
        discarded = NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: spec.discard)
        let (cells, cellCount) = NearestNeighborMatcher.denseCells(exactCells, count: n)
        var hasFocal = Array(repeating: false, count: cellCount), hasControl = Array(repeating: false, count: cellCount)
        for i in 0..<n where !discarded[i] { if focal[i] { hasFocal[cells[i]] = true } else { hasControl[cells[i]] = true } }
        if exactCells != nil, !(0..<cellCount).contains(where: { hasFocal[$0] && hasControl[$0] }) {
            throw MatchingError.noCommonCells
        }
        let discardedFlags = discarded
        eligible = (0..<n).map { !discardedFlags[$0] && hasFocal[cells[$0]] && hasControl[cells[$0]] }
        self.cells = cells
        var units = Array(repeating: [Int](), count: cellCount)
        for i in RadixSort.ascendingOrder(distance).map({ Int($0) }) where !focalFlags[i] && eligible[i] {
            units[cells[i]].append(i)
        }
        unitsByCell = units
        distancesByCell = units.map { $0.map { distance[$0] } }
        self.distance = distance
    }

    private let distance: [Double]

    /// The controls of `unit`'s cell with |d_c − d_unit| ≤ width (`inclusive`) or < width, ascending by distance.
    func controls(near unit: Int, within width: Double, inclusive: Bool) -> ArraySlice<Int> {
        let c = cells[unit], d = distance[unit]
        let ds = distancesByCell[c]
        // First index whose distance is within the window on the left, first beyond it on the right.
        let lower = firstIndex(ds) { inclusive ? d - $0 <= width : d - $0 < width }
        let upper = firstIndex(ds) { inclusive ? $0 - d > width : $0 - d >= width }
        return unitsByCell[c][lower..<max(lower, upper)]
    }

    /// First index where `predicate` (false, then true along `xs`) holds.
    private func firstIndex(_ xs: [Double], where predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = xs.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(xs[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }
}
