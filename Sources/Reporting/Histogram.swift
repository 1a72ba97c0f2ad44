/// Overlaid histograms of the distance (propensity score) per group, before matching (every unit,
/// weight 1) and after (matching weights), as shares of each group's total weight on shared bins:
/// the data behind a common-support plot. Written as `common_support` in summary.json and
/// evaluation.json.
public struct DistanceHistogram: Codable, Sendable, Equatable {
    /// Bin edges on the distance scale (bins + 1 values, equally spaced from the smallest to the largest distance).
    public var edges: [Double]
    public var treatedBefore: [Double]
    public var controlBefore: [Double]
    public var treatedAfter: [Double]
    public var controlAfter: [Double]
}

/// The common-support histogram of a matched sample on `bins` shared bins; nil without units.
public func distanceHistogram(distance: [Double], treated: [Bool], weights: [Double], bins: Int = 30) -> DistanceHistogram? {
    precondition(treated.count == distance.count && weights.count == distance.count,
                 "distanceHistogram: \(distance.count) distances, \(treated.count) groups, \(weights.count) weights")
    guard let lo = distance.min(), let hi = distance.max(), bins > 0 else { return nil }
    // A user-supplied distance may span more than the largest double (-1e308 to 1e308): then the
    // width and positions are computed from scaled values, so that no position is NaN or infinite
    // (converting one to Int would trap). Finite spans keep the plain formula, bin for bin.
    let span = hi - lo
    let width = hi > lo ? (span.isFinite ? span / Double(bins) : hi / Double(bins) - lo / Double(bins)) : 1
    // tB, cB, tA, cA: four rows of `bins` sums, added to in row order (one flat buffer, so the
    // loop does no per-row copy check).
    var flat = [Double](repeating: 0, count: 4 * bins)
    flat.withUnsafeMutableBufferPointer { sums in
        distance.withUnsafeBufferPointer { distance in
            treated.withUnsafeBufferPointer { treated in
                weights.withUnsafeBufferPointer { weights in
                    for i in 0..<distance.count {
                        let position = span.isFinite ? (distance[i] - lo) / width : distance[i] / width - lo / width
                        let b = position.isNaN ? 0 : min(bins - 1, Int(max(0, min(position, Double(bins)))))
                        let t = treated[i] ? 0 : 1
                        sums[t * bins + b] += 1
                        sums[(t + 2) * bins + b] += weights[i]
                    }
                }
            }
        }
    }
    let counts = (0..<4).map { Array(flat[($0 * bins)..<(($0 + 1) * bins)]) }
    func shares(_ c: [Double]) -> [Double] {
        let total = c.reduce(0, +)
        return c.map { total > 0 ? $0 / total : 0 }
    }
    return DistanceHistogram(
        edges: (0...bins).map { lo + Double($0) * width },
        treatedBefore: shares(counts[0]), controlBefore: shares(counts[1]),
        treatedAfter: shares(counts[2]), controlAfter: shares(counts[3]))
}
