import Sorting

/// Nearest-neighbour matching on the Mahalanobis distance, exactly as MatchIt 4.7's
/// `nn_matchC_mahcovs` and `find_control_mahcovs` (`src/nn_matchC_mahcovs.cpp`, `src/internal.cpp`)
/// for `mahvars` with a propensity-score distance:
///
/// - Units of one exact cell are sorted by the first transformed coordinate (R's `order`, ties in
///   data order). A search walks outward from the focal unit alternating left and right (left
///   first), skipping units that are not eligible controls or (in later rounds) already its matches.
/// - The squared gap in the first coordinate bounds the squared distance from below: once `ratio`
///   candidates are held and the gap exceeds the worst of them, that side stops.
/// - A candidate must be within the caliper on the propensity distance (|d_f − d_c| ≤ width), if
///   any; the distance is the squared Euclidean distance of the transformed rows.
/// - Candidates are kept sorted; with `ratio = 1` a candidate at least as close replaces the one
///   held, otherwise a new one is inserted before those at equal distance (`std::lower_bound`).
/// - Without replacement (unless a cell has no more focal units than uses allowed), matching runs
///   in rounds: in round r each focal unit still eligible, in the matching order, takes one more
///   control; a focal unit that finds none becomes ineligible, and a control used once is used up.
///   Otherwise each focal unit takes its `ratio` nearest at once.
struct MahalanobisSearch {
    /// Transformed coordinates per unit (global index).
    let coordinates: [[Double]]
    let distance: [Double]
    let caliper: Double?
    let ratio: Int

    /// Matches the focal units of one exact cell.
    /// - Parameters:
    ///   - units: the cell's units (global indices) in data order, both groups.
    ///   - focal: group per global unit.
    ///   - eligible: per global unit, not discarded.
    ///   - focalOrder: the cell's focal units (global indices) in matching order.
    ///   - withReplacement: controls may be reused.
    /// - Returns: the matches of each focal unit of `focalOrder` that found any, keyed by unit.
    func matchCell(units: [Int], focal: [Bool], eligible initial: [Bool], focalOrder: [Int], withReplacement: Bool) -> [Int: [Int]] {
        let n = units.count
        let firstCoordinate = units.map { coordinates[$0].first ?? 0 }
        let sorted = RadixSort.ascendingOrder(firstCoordinate).map { Int($0) }  // positions in `units`
        var rank = Array(repeating: 0, count: n)
        for (r, k) in sorted.enumerated() { rank[k] = r }
        var position: [Int: Int] = [:]
        for (k, u) in units.enumerated() { position[u] = k }
        var eligible = units.map { initial[$0] }
        let focalCount = units.filter { focal[$0] }.count
        var eligibleControls = units.indices.filter { !focal[units[$0]] && eligible[$0] }.count
        var found: [Int: [Int]] = [:]

        // reuse_max is 1 without replacement (MatchIt: use_reuse_max = reuse_max < nf).
        if !withReplacement && 1 < focalCount {
            var timesMatched = Array(repeating: 0, count: n)
            for round in 1...ratio {
                for unit in focalOrder {
                    if eligibleControls == 0 { break }
                    let f = position[unit]!
                    guard eligible[f] else { continue }
                    let k = search(from: f, units: units, sorted: sorted, rank: rank, firstCoordinate: firstCoordinate,
                                   focal: focal, eligible: eligible, round: round, held: found[unit] ?? [], ratio: 1)
                    guard let chosen = k.first else {
                        eligible[f] = false
                        continue
                    }
                    found[unit, default: []].append(units[chosen])
                    for c in [chosen, f] where eligible[c] {
                        timesMatched[c] += 1
                        if timesMatched[c] >= (c == f ? ratio : 1) {
                            eligible[c] = false
                            if c != f { eligibleControls -= 1 }
                        }
                    }
                }
            }
        } else {
            for unit in focalOrder {
                let f = position[unit]!
                guard eligible[f] else { continue }
                let k = search(from: f, units: units, sorted: sorted, rank: rank, firstCoordinate: firstCoordinate,
                               focal: focal, eligible: eligible, round: 1, held: [], ratio: ratio)
                if !k.isEmpty { found[unit] = k.map { units[$0] } }
            }
        }
        return found
    }

    /// `find_control_mahcovs`: up to `ratio` nearest eligible controls of the unit at position `f`
    /// (positions in `units`), closest first.
    func search(from f: Int, units: [Int], sorted: [Int], rank: [Int], firstCoordinate: [Double], focal: [Bool],
                eligible: [Bool], round: Int, held: [Int], ratio: Int) -> [Int] {
        let unit = units[f]
        var left = rank[f], right = rank[f]
        var leftStopped = false, rightStopped = false
        var goLeft = false
        var candidates: [(position: Int, distance: Double)] = []
        let focalCoordinates = coordinates[unit]
        while !leftStopped || !rightStopped {
            if leftStopped { goLeft = false } else if rightStopped { goLeft = true } else { goLeft.toggle() }
            let z: Int
            if goLeft {
                if left <= 0 { leftStopped = true; continue }
                left -= 1
                z = sorted[left]
            } else {
                if right >= units.count - 1 { rightStopped = true; continue }
                right += 1
                z = sorted[right]
            }
            let candidate = units[z]
            if !eligible[z] || focal[candidate] { continue }
            if round > 1, held.contains(candidate) { continue }
            let gap = firstCoordinate[f] - firstCoordinate[z]
            let gapSquared = abs(gap) * abs(gap)
            if candidates.count == ratio, candidates[candidates.count - 1].distance < gapSquared {
                if goLeft { leftStopped = true } else { rightStopped = true }
                continue
            }
            if let caliper, !(abs(distance[unit] - distance[candidate]) <= caliper) { continue }
            var d = 0.0
            let row = coordinates[candidate]
            for k in row.indices {
                let t = focalCoordinates[k] - row[k]
                d += t * t
            }
            if !d.isFinite { continue }
            let new = (position: z, distance: d)
            if candidates.isEmpty {
                candidates.append(new)
            } else if d > candidates[candidates.count - 1].distance {
                if candidates.count == ratio { continue }
                candidates.append(new)
            } else if ratio == 1 {
                candidates[0] = new
            } else {
                if candidates.count == ratio { candidates.removeLast() }
                if d > candidates[candidates.count - 1].distance {
                    candidates.append(new)
                } else {
                    let at = candidates.firstIndex { !($0.distance < d) } ?? candidates.count
                    candidates.insert(new, at: at)
                }
            }
        }
        return candidates.map(\.position)
    }
}
