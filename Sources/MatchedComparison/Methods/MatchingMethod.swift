import Matching

/// What every matching method receives: one entry per frame row.
public struct MatchingInput: Sendable {
    public var treated: [Bool]
    public var distance: [Double]
    /// Exact-matching cell per row (`nil`: one cell).
    public var exactCells: [Int]?
    /// The propensity model's covariates as MatchIt codes them for distances
    /// (`get_covs_matrix_for_dist`): numeric columns as they are, every level of a categorical one
    /// as an indicator divided by √2; one array per column. Filled only for methods that use it
    /// (`metric = mahalanobis`), empty otherwise.
    public var covariates: [[Double]]
    /// The covariates as they were given (numbers, or categories), for methods that match on the
    /// covariates themselves (`exact`, `cem`); empty otherwise.
    public var stratumVariables: [StratumVariable]

    public init(treated: [Bool], distance: [Double], exactCells: [Int]?, covariates: [[Double]] = [],
                stratumVariables: [StratumVariable] = []) {
        self.treated = treated
        self.distance = distance
        self.exactCells = exactCells
        self.covariates = covariates
        self.stratumVariables = stratumVariables
    }
}

/// One matching method, as MatchIt has one `matchit2<method>.R` per method: it takes the
/// distance, treatment and exact cells and returns matched sets and weights. New methods
/// (optimal, full, subclassification, CEM, radius, kernel, weighting) are new conforming types,
/// registered in `MatchingPlan.Method.implementation`.
public protocol MatchingMethod: Sendable {
    func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult
    /// The method's own settings; any other method-specific setting given with it is refused
    /// (`MatchingPlan.validate`). Default: nearest neighbour's (ratio, replace, caliper, order,
    /// discard, exact).
    var settings: Set<MatchingPlan.Setting> { get }
    /// The estimands the method can target. Default: ATT and ATC.
    var estimands: Set<Estimand> { get }
    /// Whether a successful match returns `MatchResult.distanceRanking` (so the balance tables need
    /// not sort the distance themselves). Default: false.
    var returnsDistanceRanking: Bool { get }
}

extension MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.ratio, .replace, .caliper, .order, .discard, .exact] }
    public var estimands: Set<Estimand> { [.att, .atc] }
    public var returnsDistanceRanking: Bool { false }
}

extension MatchingPlan.Method {
    /// The type that carries out this method.
    public var implementation: any MatchingMethod {
        switch self {
        case .nearest: return NearestNeighborMethod()
        case .exact: return ExactMethod()
        case .cem: return CoarsenedExactMethod()
        case .subclass: return SubclassMethod()
        case .radius: return RadiusMethod()
        case .kernel: return KernelMethod()
        case .weighting: return WeightingMethod()
        case .optimal: return OptimalMethod()
        case .full: return FullMethod()
        }
    }
}
