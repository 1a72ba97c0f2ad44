import Matching

/// `method = "nearest"`: greedy nearest-neighbour matching exactly as MatchIt 4.7
/// (`matchit2nearest.R`); the algorithm is `Matching.NearestNeighborMatcher`. With
/// `metric = mahalanobis` it matches on the Mahalanobis distance of the covariates, as MatchIt's
/// `mahvars` (the propensity distance then gives only the caliper, the order and common support).
public struct NearestNeighborMethod: MatchingMethod {
    public init() {}

    public var settings: Set<MatchingPlan.Setting> { [.ratio, .replace, .caliper, .order, .discard, .exact, .metric] }

    /// `NearestNeighborMatcher` ranks every unit by distance and returns that order.
    public var returnsDistanceRanking: Bool { true }

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try NearestNeighborMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                                         specification: plan.nearestNeighbor,
                                         mahalanobis: plan.metric == .mahalanobis ? input.covariates : nil)
    }
}
