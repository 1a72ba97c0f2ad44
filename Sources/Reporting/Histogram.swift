/// Overlaid histograms of the distance (propensity score) per group, before matching (every unit,
/// weight 1) and after (matching weights), as proportions of each group's total weight, on shared
/// bins: the data behind a common-support plot.
public func distanceHistogram(distance: [Double], treated: [Bool], weights: [Double], bins: Int = 30) -> JSONValue {
    guard let lo = distance.min(), let hi = distance.max(), bins > 0 else { return .null }
    let width = hi > lo ? (hi - lo) / Double(bins) : 1
    var counts = Array(repeating: Array(repeating: 0.0, count: bins), count: 4)  // tB, cB, tA, cA
    for i in distance.indices {
        let b = min(bins - 1, max(0, Int((distance[i] - lo) / width)))
        counts[treated[i] ? 0 : 1][b] += 1
        counts[treated[i] ? 2 : 3][b] += weights[i]
    }
    func shares(_ c: [Double]) -> JSONValue {
        let total = c.reduce(0, +)
        return .array(c.map { .number(total > 0 ? $0 / total : 0) })
    }
    return .object([
        ("edges", .array((0...bins).map { .number(lo + Double($0) * width) })),
        ("treated_before", shares(counts[0])), ("control_before", shares(counts[1])),
        ("treated_after", shares(counts[2])), ("control_after", shares(counts[3])),
    ])
}
