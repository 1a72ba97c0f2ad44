/// The two arms of a matched comparison.
public enum Group: String, Sendable, Equatable, CaseIterable {
    /// The intervention cohort (`treated == true`).
    case treated
    /// The matched comparison group (`treated == false`).
    case comparison
}

/// Why an outcome statistic cannot be computed. Every analysis in this module throws one of these
/// instead of returning NaN or an infinite statistic.
public enum OutcomesError: Error, Equatable, CustomStringConvertible {
    /// Input arrays of different lengths.
    case lengthMismatch(String)
    /// A weight that is negative, NaN or infinite (`unit` is the 0-based input position).
    case invalidWeight(unit: Int, value: Double)
    /// A unit in the matched sample (weight > 0) with a NaN or infinite value.
    case nonFiniteValue(name: String, unit: Int)
    /// A unit in the matched sample has no cluster id although cluster ids were supplied.
    case missingCluster(unit: Int)
    /// No unit with positive weight in this group.
    case emptyGroup(Group)
    /// Too few units (with positive weight) in a group for the statistic.
    case tooFewUnits(Group, needed: Int, found: Int)
    /// Too few units in the whole matched sample (e.g. no residual degrees of freedom).
    case tooFewObservations(needed: Int, found: Int)
    /// A cluster-robust variance needs at least two clusters.
    case tooFewClusters(found: Int)
    /// The comparison-group mean is zero, so a relative reduction (or ratio) is undefined.
    case zeroComparisonMean
    /// A group mean that is zero or negative, so the rate ratio's logarithm is undefined.
    case nonPositiveMean(Group, value: Double)
    /// A standard error or variance is zero (constant outcome), so the test statistic is undefined.
    case zeroVariance(String)
    /// The matched-set bootstrap was asked for after matching with replacement.
    case bootstrapWithReplacement
    /// An outcome that must be 0/1 is not.
    case notBinary(unit: Int, value: Double)
    /// A count outcome that is negative.
    case negativeCount(unit: Int, value: Double)
    /// No events: in a group for a rate model, or at all for a survival test.
    case noEvents(String)
    /// An iterative fit did not converge.
    case notConverged(String, iterations: Int)
    /// An argument outside its domain (confidence level, number of replicates, …).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .lengthMismatch(let what):
            return "input arrays differ in length: \(what)."
        case .invalidWeight(let unit, let value):
            return "weight \(value) of unit \(unit) is not a finite non-negative number."
        case .nonFiniteValue(let name, let unit):
            return "\(name) of unit \(unit) is not a finite number; units in the matched sample (weight > 0) need finite values."
        case .missingCluster(let unit):
            return "unit \(unit) has a positive weight but no cluster id; give every matched unit a cluster (for example its own id)."
        case .emptyGroup(let group):
            return "the \(group.rawValue) group has no units with positive weight."
        case .tooFewUnits(let group, let needed, let found):
            return "the \(group.rawValue) group has \(found) units with positive weight; at least \(needed) are needed."
        case .tooFewObservations(let needed, let found):
            return "the matched sample has \(found) units with positive weight; at least \(needed) are needed."
        case .tooFewClusters(let found):
            return "a cluster-robust variance needs at least 2 clusters, found \(found)."
        case .zeroComparisonMean:
            return "the comparison-group mean is 0, so the relative reduction is undefined."
        case .nonPositiveMean(let group, let value):
            let why = value == 0
                ? (group == .treated ? "no events among the treated, so the rate ratio is 0" : "no events in the comparison group, so the rate ratio is unbounded")
                : "a negative mean has no rate ratio"
            return "the \(group.rawValue) group's weighted mean is \(value): \(why), and its logarithm, on which the test and interval are computed, is undefined."
        case .bootstrapWithReplacement:
            return "the matched-set bootstrap is not used after matching with replacement, because matched sets that share controls are not independent units to resample (Abadie and Imbens 2008); the two-way cluster-robust interval is reported instead."
        case .zeroVariance(let what):
            return "\(what): the variance is zero (the outcome is constant), so the statistic is undefined."
        case .notBinary(let unit, let value):
            return "outcome \(value) of unit \(unit) is not 0 or 1."
        case .negativeCount(let unit, let value):
            return "count outcome \(value) of unit \(unit) is negative."
        case .noEvents(let what):
            return "no events: \(what)."
        case .notConverged(let what, let iterations):
            return "\(what) did not converge in \(iterations) iterations."
        case .invalidArgument(let what):
            return "invalid argument: \(what)."
        }
    }
}
