import RArithmetic

/// A matched sample: one outcome per unit, the arm, the matching weight and the matched-set id.
///
/// Units with weight 0 are not in the matched sample and are dropped on construction, so every
/// analysis equals R run on `MatchIt::match.data(m)` (which omits them). The retained units keep
/// their input order (`sourceIndex`), which fixes the order of sums.
///
/// Clusters: `cluster[i]` is the matched-set id of unit `i` (MatchIt's `subclass` for matching
/// without replacement; for matching with replacement, whatever the caller deems a cluster, e.g.
/// the unit's own id). Any integers will do; they are coded `0..<clusterCount` in order of first
/// appearance. When `cluster` is omitted, every unit is its own cluster, which is what
/// `sandwich::vcovCL` does without a `cluster` argument. When it is given, every unit with
/// positive weight needs an id (`OutcomesError.missingCluster` otherwise); units with weight 0
/// may have `nil`.
public struct MatchedSample: Sendable {
    /// Outcome of each retained unit.
    public let outcome: [Double]
    /// Arm of each retained unit.
    public let treated: [Bool]
    /// Matching weight (> 0) of each retained unit.
    public let weights: [Double]
    /// Cluster code (`0..<clusterCount`) of each retained unit.
    public let clusterCode: [Int]
    /// Number of distinct clusters.
    public let clusterCount: Int
    /// Whether the caller supplied cluster ids (otherwise each unit is its own cluster).
    public let hasClusterIDs: Bool
    /// Position of each retained unit in the input arrays.
    public let sourceIndex: [Int]

    /// Validates the inputs and keeps the units with positive weight.
    /// - Throws: `OutcomesError.lengthMismatch`, `.invalidWeight`, `.nonFiniteValue` (outcome of a
    ///   retained unit), `.missingCluster`.
    public init(outcome: [Double], treated: [Bool], weights: [Double], cluster: [Int?]? = nil) throws {
        let n = outcome.count
        guard treated.count == n, weights.count == n else {
            throw OutcomesError.lengthMismatch("\(n) outcomes, \(treated.count) treatment flags, \(weights.count) weights")
        }
        if let cluster, cluster.count != n {
            throw OutcomesError.lengthMismatch("\(n) outcomes, \(cluster.count) cluster ids")
        }
        var y: [Double] = [], t: [Bool] = [], w: [Double] = [], source: [Int] = []
        var codes: [Int] = []
        var dictionary: [Int: Int] = [:]
        for i in 0..<n {
            let wi = weights[i]
            guard wi.isFinite, wi >= 0 else { throw OutcomesError.invalidWeight(unit: i, value: wi) }
            if wi == 0 { continue }
            guard outcome[i].isFinite else { throw OutcomesError.nonFiniteValue(name: "outcome", unit: i) }
            if let cluster {
                guard let id = cluster[i] else { throw OutcomesError.missingCluster(unit: i) }
                if let code = dictionary[id] {
                    codes.append(code)
                } else {
                    dictionary[id] = dictionary.count
                    codes.append(dictionary.count - 1)
                }
            } else {
                codes.append(source.count)
            }
            y.append(outcome[i]); t.append(treated[i]); w.append(wi); source.append(i)
        }
        self.outcome = y
        self.treated = t
        self.weights = w
        self.sourceIndex = source
        self.clusterCode = codes
        self.clusterCount = cluster == nil ? source.count : dictionary.count
        self.hasClusterIDs = cluster != nil
    }

    /// Number of retained units (weight > 0).
    public var count: Int { outcome.count }

    /// Number of retained units in a group.
    public func count(_ group: Group) -> Int {
        let flag = group == .treated
        return treated.reduce(0) { $0 + ($1 == flag ? 1 : 0) }
    }

    /// Throws `emptyGroup` unless both groups have at least one retained unit.
    func requireBothGroups() throws {
        for g in Group.allCases where count(g) == 0 { throw OutcomesError.emptyGroup(g) }
    }
}

/// Weighted totals of one group: Σw and Σw·y, accumulated in extended precision as R's `sum()`.
struct WeightedTotals {
    var units = 0
    var sumW: ExtendedSum = 0
    var sumWY: ExtendedSum = 0

    mutating func add(_ y: Double, weight w: Double) {
        units += 1
        sumW += ExtendedSum(w)
        sumWY += ExtendedSum(w * y)
    }

    /// Σw·y / Σw.
    var mean: Double { Double(sumWY) / Double(sumW) }
    var weight: Double { Double(sumW) }
}

extension MatchedSample {
    /// Weighted totals per group.
    func totals() -> (treated: WeightedTotals, comparison: WeightedTotals) {
        var t = WeightedTotals(), c = WeightedTotals()
        for i in 0..<count {
            if treated[i] { t.add(outcome[i], weight: weights[i]) } else { c.add(outcome[i], weight: weights[i]) }
        }
        return (t, c)
    }
}

/// Checks a confidence level.
func validateLevel(_ level: Double) throws {
    guard level > 0, level < 1 else { throw OutcomesError.invalidArgument("confidence level \(level) is not in (0, 1)") }
}
