import Columns
import Dispatch
import Foundation
import Parallel
import RArithmetic
import Randomness
import Sorting
import HugePages

/// The units in ascending order of distance, ties in row order (R's `order(distance)`), with the
/// distances in that order (-0.0 as +0.0), as `RadixSort.ascending` returns them: what the
/// nearest-neighbour matcher searches, handed on so that the balance tables need not sort the
/// distance again nor gather its values.
public struct DistanceRanking: Sendable {
    /// Unit indices, by ascending distance.
    public var order: [Int32]
    /// `distance[order[k]]` for each k, -0.0 stored as +0.0.
    public var values: [Double]

    public init(order: [Int32], values: [Double]) {
        precondition(order.count == values.count, "DistanceRanking: \(order.count) units and \(values.count) values")
        self.order = order
        self.values = values
    }
}

/// The outcome of a nearest-neighbour match.
public struct MatchResult: Sendable, Codable {
    /// The specification used, with the order resolved.
    public var specification: NearestNeighborSpecification
    /// The order actually used (MatchIt's default resolution applied).
    public var order: MatchOrder
    /// Caliper on the distance scale (`caliper x SD`), if any.
    public var caliperWidth: Double?
    /// Distance per unit.
    public var distance: [Double]
    /// Units outside common support (`discard`); exact-cell exclusions are not included, as in MatchIt.
    public var discarded: [Bool]
    /// Focal units (treated for ATT, controls for ATC), in data order.
    public var focalUnits: [Int]
    /// Matched controls of each focal unit, in the order they were matched (MatchIt's `match.matrix` row).
    public var matches: [[Int]]
    /// Matching weights, normalised to mean 1 within each group among matched units; 0 = unmatched.
    public var weights: [Double]
    /// Matched-set number (1-based, numbered by focal units in data order) per unit; `nil` for
    /// unmatched units and whenever matching is with replacement (sets then overlap).
    public var subclass: SubclassNumbers
    /// Warnings of the kind MatchIt gives (e.g. not enough controls for every focal unit).
    public var warnings: [String]
    /// How `weights` arise, so that payment totals can be recomputed in exact rational arithmetic
    /// rather than from the rounded doubles (see `WeightBasis`).
    public var weightBasis: WeightBasis = .matchedSets
    /// The minimised total distance of an optimal or full match (`nil` for other methods).
    public var objective: FlowObjective? = nil

    /// Treatment indicator per unit (as given).
    public var treated: [Bool]

    /// Every unit ranked by distance (`DistanceRanking`), when the method formed that ranking anyway
    /// (nearest neighbour); `nil` otherwise. The balance tables take it instead of sorting the
    /// distance again. Not part of the match itself: a caller may drop it once used.
    public var distanceRanking: DistanceRanking? = nil

    /// Every member except `distanceRanking`, a by-product of the computation, not part of the
    /// match (decoding leaves it nil).
    enum CodingKeys: String, CodingKey {
        case specification, order, caliperWidth, distance, discarded, focalUnits, matches, weights, subclass, warnings
        case weightBasis, objective, treated
    }

    /// Whether matched sets share units (matching with replacement; radius matching): inference
    /// then clusters by matched set and unit (two-way) on one row per set member.
    public var setsOverlap: Bool { weightBasis == .matchedSets && specification.replace }

    /// The cluster of each unit for robust standard errors, as MatchIt's guidance says: the
    /// subclass (matched set) where the method has subclasses and sets do not overlap; `nil`
    /// otherwise, meaning each unit is its own cluster.
    public var clusters: [Int?]? {
        guard !setsOverlap, subclass.contains(where: { $0 != nil }) else { return nil }
        return subclass.array
    }

    /// Number of matched units (weight > 0) in each group.
    public var matchedCounts: (treated: Int, control: Int) {
        var t = 0, c = 0
        for i in weights.indices where weights[i] > 0 {
            if treated[i] { t += 1 } else { c += 1 }
        }
        return (t, c)
    }
}

/// The exact origin of a method's matching weights (before MatchIt's normalisation, which scales
/// each group by a constant and cancels in weighted means). Payment decisions recompute group
/// totals from this in exact rational arithmetic (`Contracts.ExactGroupTotals`).
public enum WeightBasis: String, Sendable, Codable, Equatable {
    /// `focalUnits`/`matches` are the matched sets: each set gives its focal unit 1 and each of
    /// its `k` other members `1/k` (summed over sets when units are reused): nearest, optimal, radius.
    case matchedSets
    /// `subclass` holds every matched unit's subclass; within subclass `s` a focal unit weighs 1 and
    /// an other unit `n_focal(s)/n_other(s)` (ATT/ATC); for ATE a unit weighs
    /// `n(s)/n_group(s)`: exact, cem, subclass, full.
    case subclassCounts
    /// The weights are the method's own real numbers (kernel, inverse probability): exact totals
    /// take each stored double at its exact binary value.
    case realNumbers
}

/// Nearest-neighbour matching on a scalar distance, reproducing MatchIt 4.7's `method = "nearest"`.
///
/// Algorithm (see README, "Algorithm notes"):
/// 1. Common support: `discard` drops units outside the score range of the other group (or the
///    overlap of both ranges).
/// 2. The caliper in SD units is multiplied by the SD (n - 1 denominator) of the distance over all
///    non-discarded units.
/// 3. With exact cells, units in cells lacking either group cannot be matched.
/// 4. All units are ranked by distance once (ascending, ties in data order).
/// 5. Without replacement, matching runs in rounds: in round r every focal unit still in play, in
///    the matching order, takes its r-th control; a focal unit that finds none drops out. With
///    replacement each focal unit takes its k nearest controls at once, in data order.
/// 6. Each search walks outward from the focal unit through a skip structure of available controls
///    (`findNearestControls`), honouring the caliper and ties exactly as MatchIt.
/// 7. Weights: focal units 1; each control 1/k per matched set it belongs to (k = the set's number
///    of controls), summed over sets; then scaled to mean 1 within each group among matched units.
public enum NearestNeighborMatcher {
    /// Matches.
    /// - Parameters:
    ///   - treated: treatment indicator per unit.
    ///   - distance: the matching distance per unit (a propensity score or linear predictor).
    ///   - exactCells: optional cell id per unit; units are only matched within their cell.
    ///   - specification: settings.
    ///   - mahalanobis: covariate columns (numeric as they are, factor levels as full indicators
    ///     divided by √2) to match on by Mahalanobis distance, as MatchIt's `mahvars`
    ///   (`MahalanobisTransform`, `MahalanobisSearch`); `distance` then serves only for common
    ///     support, the caliper and the matching order. `nil`: match on `distance`.
    public static func match(
        treated: [Bool], distance: [Double], exactCells: [Int]? = nil,
        specification spec: NearestNeighborSpecification, mahalanobis: [[Double]]? = nil
    ) throws -> MatchResult {
        let n = treated.count
        guard distance.count == n else {
            throw MatchingError.lengthMismatch("\(distance.count) distances for \(n) units")
        }
        if let cells = exactCells, cells.count != n {
            throw MatchingError.lengthMismatch("\(cells.count) exact cells for \(n) units")
        }
        guard spec.estimand != .ate else { throw MatchingError.unsupportedEstimand(method: "nearest", .ate) }
        guard spec.ratio >= 1 else { throw MatchingError.invalidRatio(spec.ratio) }
        if let c = spec.caliper, !(c > 0 && c.isFinite) { throw MatchingError.invalidCaliper(c) }
        for i in 0..<n where !distance[i].isFinite {
            throw MatchingError.nonFiniteDistance(row: i, value: distance[i])
        }

        let discarded = commonSupport(treated: treated, distance: distance, rule: spec.discard)
        let focalIsTreated = spec.estimand == .att
        let focal = treated.map { $0 == focalIsTreated }
        let focalUnits = (0..<n).filter { focal[$0] }
        let nFocal = focalUnits.count

        // Caliper on the distance scale.
        var caliperWidth: Double? = nil
        if let c = spec.caliper {
            // With nothing discarded the kept distances are all of them (no copy).
            let kept = discarded.contains(true) ? (0..<n).filter { !discarded[$0] }.map { distance[$0] } : distance
            caliperWidth = c * rStandardDeviation(kept)
        }

        // Eligibility, with exact-cell exclusions.
        var eligible = discarded.map { !$0 }
        let (cells, cellCount) = denseCells(exactCells, count: n)
        var warnings: [String] = []
        if exactCells != nil {
            var hasFocal = Array(repeating: false, count: cellCount), hasControl = Array(repeating: false, count: cellCount)
            for i in 0..<n { if focal[i] { hasFocal[cells[i]] = true } else { hasControl[cells[i]] = true } }
            let common = (0..<cellCount).map { hasFocal[$0] && hasControl[$0] }
            if !common.contains(true) { throw MatchingError.noCommonCells }
            for i in 0..<n where !common[cells[i]] { eligible[i] = false }
        }

        let reuseMax = spec.replace ? Int(Int32.max) : 1
        let order: MatchOrder = reuseMax >= nFocal ? .data
            : (spec.order ?? (spec.estimand == .atc ? .smallest : .largest))

        // Availability warnings (as MatchIt's).
        if reuseMax < nFocal {
            let groupName = focalIsTreated ? ("treated", "control") : ("control", "treated")
            var byCell = Array(repeating: (f: 0, c: 0), count: cellCount)
            for i in 0..<n where eligible[i] || exactCells == nil {
                if focal[i] { byCell[cells[i]].f += 1 } else { byCell[cells[i]].c += 1 }
            }
            if byCell.contains(where: { $0.f > 0 && $0.c < $0.f }) {
                warnings.append("fewer \(groupName.1) units than \(groupName.0) units\(exactCells == nil ? "" : " in some exact cells"); not all \(groupName.0) units will get a match")
            } else if spec.ratio > 1, byCell.contains(where: { $0.f > 0 && $0.c < spec.ratio * $0.f }) {
                warnings.append("not all \(groupName.0) units will get \(spec.ratio) matches")
            }
        }

        // Rank all units by distance once (ascending, ties in data order), keeping the distances in
        // that order too: the searches then read distances near the focal unit's rank (in cache),
        // not at the units' rows (at random).
        let (ranked, sortedDistance) = distance.withUnsafeBufferPointer { RadixSort.ascending($0) }
        let rank = InversePermutation.of(ranked)

        // Controls of each cell in rank order, with their ranks (one run per cell that has controls
        // to offer).
        let usable = (0..<n).map { !focal[$0] && eligible[$0] }
        let (runUnits, runPositions) = Self.controlsInRankOrder(
            ranked: ranked, usable: usable, cells: cells, cellCount: cellCount,
            pieces: n >= Self.parallelSweepUnits ? 8 : 1)
        // Matched in rounds (below), each run is copied by the worker that uses it up, and linked there.
        let runs = (0..<cellCount).map { ControlRun(units: runUnits[$0], positions: runPositions[$0], linked: reuseMax >= nFocal) }
        let runIndexOfCell: [Int?] = runs.indices.map { runs[$0].count > 0 ? $0 : nil }

        // Focal order.
        let focalPositions = Array(0..<nFocal)
        let focalOrder: [Int]
        switch order {
        case .largest:
            focalOrder = RadixSort.descendingOrder(focalUnits.map { distance[$0] }).map { Int($0) }
        case .smallest:
            focalOrder = RadixSort.ascendingOrder(focalUnits.map { distance[$0] }).map { Int($0) }
        case .data:
            focalOrder = focalPositions.filter { !discarded[focalUnits[$0]] }
        case .random:
            var rng = RandomStream(seed: spec.seed)
            var kept = focalPositions.filter { !discarded[focalUnits[$0]] }
            kept.shuffleDeterministically(using: &rng)
            focalOrder = kept
        }

        // Match. Exact cells never share controls, and with replacement nothing is used up, so the
        // work is split across cores (by cell, or by blocks of focal units) without changing any result.
        let matches: [[Int]]
        let search = SearchContext(sortedDistance: sortedDistance, rank: rank, focalUnits: focalUnits,
                                   cells: cells, runIndexOfCell: runIndexOfCell, caliper: caliperWidth, ratio: spec.ratio)
        if let columns = mahalanobis {
            for c in columns where c.count != n { throw MatchingError.lengthMismatch("\(c.count) covariate values for \(n) units") }
            let search = MahalanobisSearch(
                coordinates: MahalanobisTransform.transform(columns: columns, focal: focal, discarded: discarded),
                distance: distance, caliper: caliperWidth, ratio: spec.ratio)
            // MatchIt matches each exact cell with both groups on its own, discarded units included.
            var hasGroup = Array(repeating: (focal: false, control: false), count: cellCount)
            for i in 0..<n { if focal[i] { hasGroup[cells[i]].focal = true } else { hasGroup[cells[i]].control = true } }
            let inCommonCell = (0..<n).map { hasGroup[cells[$0]].focal && hasGroup[cells[$0]].control }
            var unitsOfCell = Array(repeating: [Int](), count: cellCount)
            for i in 0..<n where inCommonCell[i] { unitsOfCell[cells[i]].append(i) }
            var orderOfCell = Array(repeating: [Int](), count: cellCount)
            for f in focalOrder where inCommonCell[focalUnits[f]] { orderOfCell[cells[focalUnits[f]]].append(focalUnits[f]) }
            let eligibleUnits = eligible, cellUnits = unitsOfCell, cellOrders = orderOfCell
            let found = Parallel.map(cellCount) { c in
                search.matchCell(units: cellUnits[c], focal: focal, eligible: eligibleUnits, focalOrder: cellOrders[c],
                                 withReplacement: spec.replace)
            }
            matches = focalUnits.map { unit in found[cells[unit]][unit] ?? [] }
        } else if reuseMax < nFocal {
            // Without replacement: rounds, within each cell, in the global matching order. Each
            // focal unit's run (-1: none) is read off in data order first (sequential reads of the
            // units' rows), so that the pass in matching order reads 4 bytes a unit at random.
            let runOfFocal = [Int32](hugePagesCapacity: nFocal) { out, initialized in
                for (f, unit) in focalUnits.enumerated() {
                    out[f] = eligible[unit] ? Int32(runIndexOfCell[cells[unit]] ?? -1) : -1
                }
                initialized = nFocal
            }
            var focalByRun = Array(repeating: [Int](), count: runs.count)
            if runs.count == 1 {
                focalByRun[0] = focalOrder.filter { runOfFocal[$0] >= 0 }
            } else {
                for f in focalOrder where runOfFocal[f] >= 0 { focalByRun[Int(runOfFocal[f])].append(f) }
            }
            let shared = SharedRuns(runs)
            let byRun = focalByRun
            let found = Parallel.map(runs.count) { r in
                search.matchWithoutReplacement(run: shared.runs[r], focalOrder: byRun[r])
            }
            // The controls scattered to the focal units' places in data order (stores at random,
            // which do not wait for memory as loads do), then read off in data order.
            let ratio = spec.ratio
            var takenOfFocal = [Int32](hugePagesRepeating: 0, count: nFocal)
            var controlsOfFocal = [Int32](hugePagesRepeating: -1, count: nFocal * ratio)
            // Through buffer pointers: element assignment to the arrays would check their
            // uniqueness on every store.
            takenOfFocal.withUnsafeMutableBufferPointer { takenOfFocal in
                controlsOfFocal.withUnsafeMutableBufferPointer { controlsOfFocal in
                    for r in 0..<runs.count {
                        found[r].taken.withUnsafeBufferPointer { taken in
                            found[r].controls.withUnsafeBufferPointer { controls in
                                for (k, f) in byRun[r].enumerated() {
                                    let count = Int(taken[k])
                                    takenOfFocal[f] = Int32(count)
                                    for j in 0..<count { controlsOfFocal[f * ratio + j] = controls[k * ratio + j] }
                                }
                            }
                        }
                    }
                }
            }
            matches = (0..<nFocal).map { f in
                let taken = Int(takenOfFocal[f])
                return [Int](unsafeUninitializedCapacity: taken) { out, initialized in
                    for j in 0..<taken { out[j] = Int(controlsOfFocal[f * ratio + j]) }
                    initialized = taken
                }
            }
        } else {
            // With replacement: every focal unit takes its k nearest at once.
            let candidates = focalOrder.filter { eligible[focalUnits[$0]] && runIndexOfCell[cells[focalUnits[$0]]] != nil }
            let shared = SharedRuns(runs)
            let block = 2048
            let found = Parallel.map((candidates.count + block - 1) / block) { b -> [[Int]] in
                // One scratch storage for the block's searches (no allocation per search).
                var scratch = SearchScratch()
                return candidates[(b * block)..<min(candidates.count, (b + 1) * block)].map { f -> [Int] in
                    let unit = search.focalUnits[f]
                    var run = shared.runs[search.runIndexOfCell[search.cells[unit]]!]
                    let own = Int(search.rank[unit])
                    search.sortedDistance.withUnsafeBufferPointer { sorted in
                        findNearestControls(
                            run: &run, sortedDistance: sorted, focalDistance: sorted[own],
                            leftStart: own, rightStart: own, minimumDistance: 0,
                            caliper: search.caliper, ratio: search.ratio, excluded: UnsafeBufferPointer<Int32>(start: nil, count: 0),
                            into: &scratch)
                    }
                    return scratch.found.map(\.unit)
                }
            }
            var matched = Array(repeating: [Int](), count: nFocal)
            for (k, f) in candidates.enumerated() { matched[f] = found[k / block][k % block] }
            matches = matched
        }

        let (weights, subclass) = try matchWeights(
            n: n, focal: focal, focalUnits: focalUnits, matches: matches, withReplacement: spec.replace)
        if weights.indices.allSatisfy({ !focal[$0] || weights[$0] == 0 }) {
            throw MatchingError.noMatches(focalIsTreated ? "treated" : "control")
        }
        var resolved = spec
        resolved.order = order
        var result = MatchResult(specification: resolved, order: order, caliperWidth: caliperWidth, distance: distance,
                                 discarded: discarded, focalUnits: focalUnits, matches: matches, weights: weights,
                                 subclass: subclass, warnings: warnings, treated: treated)
        result.distanceRanking = DistanceRanking(order: ranked, values: sortedDistance)
        return result
    }

    /// The controls of each exact-matching cell in rank order, with their ranks: the units of
    /// `ranked` (every unit, by ascending distance) whose `usable` flag is set (an eligible
    /// control), split by `cells`. The ranks are worked in `pieces` runs in parallel (with one cell,
    /// each piece also writes its controls at its own offset); the result is the same for any
    /// number of pieces.
    static func controlsInRankOrder(
        ranked: [Int32], usable: [Bool], cells: UnitCells, cellCount: Int, pieces: Int
    ) -> (units: [[Int32]], positions: [[Int32]]) {
        // One flag per unit is first gathered into rank order, the one pass that reads at random,
        // in parallel pieces (each its own ranks); the sweep then reads the flags in order.
        let n = ranked.count
        precondition(usable.count == n, "controlsInRankOrder: \(usable.count) flags for \(n) units")
        precondition(pieces >= 1, "controlsInRankOrder: \(pieces) pieces")
        var usableInPiece = [Int](repeating: 0, count: pieces)
        let usableInRank = [Bool](hugePagesCapacity: n) { out, initialized in
            if let base = out.baseAddress {
                let target = SharedPointer(base)
                usableInPiece = Parallel.map(pieces) { piece in
                    let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
                    var count = 0
                    ranked.withUnsafeBufferPointer { ranked in
                        usable.withUnsafeBufferPointer { usable in
                            for r in lo..<hi {
                                let flag = usable[Int(ranked[r])]
                                (target.pointer + r).initialize(to: flag)
                                if flag { count += 1 }
                            }
                        }
                    }
                    return count
                }
            }
            initialized = n
        }
        var runUnits = Array(repeating: [Int32](), count: cellCount)
        var runPositions = Array(repeating: [Int32](), count: cellCount)
        if cellCount == 1 {
            // Each piece of ranks writes its controls at its own offset, in place (the arrays are
            // large: huge pages, no growth checks).
            var offsets = [0]
            for count in usableInPiece { offsets.append(offsets[offsets.count - 1] + count) }
            let found = offsets[pieces], starts = offsets
            if found > 0 {
                runPositions[0] = [Int32](hugePagesCapacity: found) { positions, positionCount in
                    runUnits[0] = [Int32](hugePagesCapacity: found) { units, unitCount in
                        let unitsOut = SharedPointer(units.baseAddress!), positionsOut = SharedPointer(positions.baseAddress!)
                        Parallel.forEach(pieces) { piece in
                            let lo = n * piece / pieces, hi = n * (piece + 1) / pieces
                            var k = starts[piece]
                            ranked.withUnsafeBufferPointer { ranked in
                                usableInRank.withUnsafeBufferPointer { flags in
                                    for r in lo..<hi where flags[r] {
                                        (unitsOut.pointer + k).initialize(to: ranked[r])
                                        (positionsOut.pointer + k).initialize(to: Int32(r))
                                        k += 1
                                    }
                                }
                            }
                        }
                        unitCount = found
                    }
                    positionCount = found
                }
            }
        } else {
            for (r, u) in ranked.enumerated() where usableInRank[r] {
                let i = Int(u)
                runUnits[cells[i]].append(u)
                runPositions[cells[i]].append(Int32(r))
            }
        }
        return (runUnits, runPositions)
    }

    /// From this many units on, the flags of the ranking sweep are gathered and the runs filled in
    /// parallel pieces.
    static let parallelSweepUnits = 1 << 18

    /// Cell ids renumbered densely 0..<k in order of first appearance (all 0 without exact matching,
    /// with no array behind them).
    static func denseCells(_ cells: [Int]?, count n: Int) -> (UnitCells, Int) {
        guard let cells else { return (UnitCells(dense: []), 1) }
        var ids: [Int: Int] = [:]
        let dense = cells.map { c -> Int in
            if let d = ids[c] { return d }
            let d = ids.count
            ids[c] = d
            return d
        }
        return (UnitCells(dense: dense), max(ids.count, 1))
    }

    /// Common support (MatchIt's `discard`): which units fall outside the range of the other group's
    /// distances (`treated`, `control`) or outside the overlap of both ranges (`both`).
    public static func commonSupport(treated: [Bool], distance: [Double], rule: CommonSupport) -> [Bool] {
        guard rule != .none else { return Array(repeating: false, count: treated.count) }
        var min0 = Double.infinity, max0 = -Double.infinity, min1 = Double.infinity, max1 = -Double.infinity
        for i in treated.indices {
            if treated[i] { min1 = min(min1, distance[i]); max1 = max(max1, distance[i]) }
            else { min0 = min(min0, distance[i]); max0 = max(max0, distance[i]) }
        }
        return treated.indices.map { i in
            let d = distance[i]
            switch rule {
            case .none: return false
            case .both: return d < max(min0, min1) || d > min(max0, max1)
            case .control: return !treated[i] && (d < min1 || d > max1)
            case .treated: return treated[i] && (d < min0 || d > max0)
            }
        }
    }
}

/// Matching weights and matched-set numbers from the matched sets.
///
/// Without replacement sets are disjoint: set s (numbered by focal units in data order) gives its
/// focal unit weight 1 and each of its k controls weight 1/k. With replacement a control's weight is
/// the sum of 1/k over every set it joins, and no set numbers are reported. Weights are then scaled
/// to sum to the number of matched units within each group, as MatchIt's `normalize = TRUE`.
func matchWeights(
    n: Int, focal: [Bool], focalUnits: [Int], matches: [[Int]], withReplacement: Bool
) throws -> (weights: [Double], subclass: SubclassNumbers) {
    var weights = [Double](hugePagesRepeating: 0, count: n)
    var subclass = [Int32](hugePagesRepeating: SubclassNumbers.noSet, count: n)
    // The sets are read through a buffer pointer and by index (no iterator): no reference counting
    // of a million small arrays; the weights and sets are written through buffer pointers (element
    // assignment would check the arrays' uniqueness on every store).
    matches.withUnsafeBufferPointer { matches in
        weights.withUnsafeMutableBufferPointer { weights in
            subclass.withUnsafeMutableBufferPointer { subclass in
                if withReplacement {
                    for f in matches.indices where !matches[f].isEmpty {
                        let share = 1.0 / Double(matches[f].count)
                        for j in 0..<matches[f].count { weights[matches[f][j]] += share }
                        weights[focalUnits[f]] += 1
                    }
                } else {
                    var s: Int32 = 0
                    for f in matches.indices where !matches[f].isEmpty {
                        s += 1
                        subclass[focalUnits[f]] = s
                        for j in 0..<matches[f].count { subclass[matches[f][j]] = s }
                        weights[focalUnits[f]] = 1
                        let share = 1.0 / Double(matches[f].count)
                        for j in 0..<matches[f].count { weights[matches[f][j]] = share }
                    }
                }
            }
        }
    }
    // Normalise within each group among matched units: w * m / sum(w).
    return (normalizedWithinGroups(consume weights, treated: focal), SubclassNumbers(codes: subclass))
}

extension Array {
    /// Fisher-Yates shuffle with an explicit algorithm (so results never depend on the standard
    /// library's implementation).
    mutating func shuffleDeterministically(using rng: inout RandomStream) {
        guard count > 1 else { return }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = rng.integer(below: i + 1)
            swapAt(i, j)
        }
    }
}

/// The fixed inputs of the outward searches, shared read-only by the workers.
struct SearchContext: Sendable {
    /// The distances in ascending order (`sortedDistance[rank[u]]` is unit u's distance, -0.0 read
    /// as +0.0, which no |difference| tells apart).
    let sortedDistance: [Double]
    /// Each unit's position in the ascending order of `distance`.
    let rank: [Int32]
    let focalUnits: [Int]
    let cells: UnitCells
    let runIndexOfCell: [Int?]
    let caliper: Double?
    let ratio: Int

    /// MatchIt's rounds without replacement for the focal units of one cell (in matching order):
    /// in round r each focal unit still in play takes its r-th control; one that finds none drops out.
    /// Returns the controls found for each focal unit, in `focalOrder`.
    ///
    /// The focal units' ranks are gathered first, in one tight loop (their rows are at random in
    /// memory, so the loads overlap there instead of stalling the searches one by one); each search
    /// then reads only the run and the sorted distances around its rank, which the previous search
    /// in the matching order (ordered by distance) has mostly brought into cache. The controls are
    /// kept in `ratio` slots a focal unit of one flat array (no array per focal unit).
    func matchWithoutReplacement(run initial: ControlRun, focalOrder: [Int]) -> RunMatches {
        var run = initial
        run.link()
        var available = run.count
        let count = focalOrder.count
        var inPlay = Array(repeating: true, count: count)
        var taken = [Int32](repeating: 0, count: count)
        var chosen = [Int32](repeating: -1, count: count * ratio)
        let ranks = [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            for (k, f) in focalOrder.enumerated() { out[k] = rank[focalUnits[f]] }
            initialized = count
        }
        var scratch = SearchScratch()
        sortedDistance.withUnsafeBufferPointer { sorted in
            chosen.withUnsafeMutableBufferPointer { chosen in
                for round in 1...ratio {
                    for k in 0..<count {
                        if available == 0 { break }
                        guard inPlay[k] else { continue }
                        let own = Int(ranks[k])
                        let earlier = UnsafeBufferPointer(rebasing: chosen[(k * ratio)..<(k * ratio + Int(taken[k]))])
                        var leftStart = own, rightStart = own
                        var minimum = 0.0
                        if round > 1, !earlier.isEmpty {
                            for m in earlier {
                                leftStart = min(leftStart, Int(rank[Int(m)]))
                                rightStart = max(rightStart, Int(rank[Int(m)]))
                            }
                            let dl = abs(sorted[own] - sorted[leftStart])
                            let dr = abs(sorted[own] - sorted[rightStart])
                            if leftStart == own { minimum = dr }
                            else if rightStart == own { minimum = dl }
                            else { minimum = max(dl, dr) }
                        }
                        findNearestControls(
                            run: &run, sortedDistance: sorted, focalDistance: sorted[own],
                            leftStart: leftStart, rightStart: rightStart, minimumDistance: minimum,
                            caliper: caliper, ratio: 1, excluded: earlier, into: &scratch)
                        guard let best = scratch.found.first else {
                            inPlay[k] = false
                            continue
                        }
                        chosen[k * ratio + Int(taken[k])] = Int32(best.unit)
                        taken[k] += 1
                        run.remove(best.index)
                        available -= 1
                        if Int(taken[k]) >= ratio { inPlay[k] = false }
                    }
                }
            }
        }
        return RunMatches(controls: chosen, taken: taken)
    }
}

/// The controls taken by the focal units of one run without replacement: `ratio` slots a focal
/// unit (in the run's matching order), of which the first `taken[k]` are used, in the order taken.
struct RunMatches: Sendable {
    let controls: [Int32]
    let taken: [Int32]
}

/// Each unit's exact-matching cell: `dense[i]`, or 0 for every unit when `dense` is empty (no exact
/// matching), which spares a large array of zeros (80 MB at ten million units).
struct UnitCells: Sendable {
    let dense: [Int]
    @inline(__always)
    subscript(i: Int) -> Int { dense.isEmpty ? 0 : dense[i] }
}

/// Control runs shared read-only by workers (each worker copies the run it mutates).
final class SharedRuns: @unchecked Sendable {
    let runs: [ControlRun]
    init(_ runs: [ControlRun]) { self.runs = runs }
}
