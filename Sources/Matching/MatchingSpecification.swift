/// The causal quantity matching targets, which decides the focal group.
public enum Estimand: String, Sendable, Codable, CaseIterable {
    /// Average treatment effect on the treated: each treated unit is matched to controls.
    case att = "ATT"
    /// Average treatment effect on the controls: each control unit is matched to treated units.
    case atc = "ATC"
    /// Average treatment effect in the whole sample: only weighting methods target it (MatchIt's
    /// nearest-neighbour matching refuses it, as this package's does).
    case ate = "ATE"
}

/// The order in which focal units are matched (MatchIt's `m.order`).
public enum MatchOrder: String, Sendable, Codable, CaseIterable {
    /// Largest distance first (MatchIt's default for ATT with a propensity score).
    case largest
    /// Smallest distance first (default for ATC).
    case smallest
    /// Data order.
    case data
    /// A seeded random permutation (Fisher-Yates on a xoshiro256** stream: not comparable with R's `sample`).
    case random
}

/// Common-support restriction on the distance (MatchIt's `discard`).
public enum CommonSupport: String, Sendable, Codable, CaseIterable {
    /// Keep everyone.
    case none
    /// Drop treated units outside the range of control scores.
    case treated
    /// Drop control units outside the range of treated scores.
    case control
    /// Drop units of either group outside the overlap of the two ranges.
    case both
}

/// Settings of a nearest-neighbour match; defaults are MatchIt 4.7's.
public struct NearestNeighborSpecification: Sendable, Codable, Equatable {
    /// Number of controls per focal unit (k:1).
    public var ratio: Int = 1
    /// Whether a control may be matched to several focal units.
    public var replace: Bool = false
    /// Caliper width in standard deviations of the distance (over non-discarded units, n-1
    /// denominator); `nil` for none.
    public var caliper: Double? = nil
    /// Matching order; `nil` means MatchIt's default (largest for ATT, smallest for ATC; data
    /// order whenever matching with replacement, where order cannot matter).
    public var order: MatchOrder? = nil
    /// Common-support rule.
    public var discard: CommonSupport = .none
    /// Estimand.
    public var estimand: Estimand = .att
    /// Seed for `order = .random`.
    public var seed: UInt64 = 0

    public init(
        ratio: Int = 1, replace: Bool = false, caliper: Double? = nil, order: MatchOrder? = nil,
        discard: CommonSupport = .none, estimand: Estimand = .att, seed: UInt64 = 0
    ) {
        self.ratio = ratio
        self.replace = replace
        self.caliper = caliper
        self.order = order
        self.discard = discard
        self.estimand = estimand
        self.seed = seed
    }
}

/// Why matching could not be done.
public enum MatchingError: Error, Equatable, CustomStringConvertible {
    case invalidRatio(Int)
    case invalidCaliper(Double)
    case lengthMismatch(String)
    case nonFiniteDistance(row: Int, value: Double)
    case noCommonCells
    case noMatches(String)
    /// The method cannot target this estimand (`method`, the estimand).
    case unsupportedEstimand(method: String, Estimand)
    /// A propensity score outside (0, 1), which inverse-probability weights cannot use.
    case propensityOutOfRange(row: Int, value: Double)

    public var description: String {
        switch self {
        case .invalidRatio(let k):
            return "matching setting ratio must be a whole number of at least 1 (got \(k))."
        case .invalidCaliper(let c):
            return "matching setting caliper must be a positive, finite number of standard deviations (got \(c))."
        case .lengthMismatch(let what):
            return "inputs have different lengths: \(what)."
        case .nonFiniteDistance(let row, let value):
            return "the distance of row \(row + 1) is \(value); every unit needs a finite distance."
        case .noCommonCells:
            return "no exact-matching cell contains both treated and control units, so no matches can be made; match exactly on fewer columns."
        case .noMatches(let group):
            return "no \(group) units were matched; widen the caliper, or match exactly on fewer columns, or discard less."
        case .unsupportedEstimand(let method, let estimand):
            return "method \(method) does not support the estimand \(estimand.rawValue)."
        case .propensityOutOfRange(let row, let value):
            return "the propensity score of row \(row + 1) is \(value); inverse-probability weights need every score strictly between 0 and 1."
        }
    }
}
