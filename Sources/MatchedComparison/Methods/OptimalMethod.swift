import Matching

/// `method = "optimal"`: optimal pair matching as MatchIt 4.7 (`matchit2optimal.R`, optmatch's
/// `fullmatch` with min = max = mean controls = ratio); the algorithm is
/// `Matching.OptimalPairMatcher` on the min-cost flow solver of `NetworkFlow`. With
/// `metric = mahalanobis` it matches on the Mahalanobis distance of the covariates, as MatchIt's
/// `distance = "mahalanobis"` or `mahvars` (the propensity distance then serves only for the caliper
/// and common support).
public struct OptimalMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.ratio, .caliper, .discard, .exact, .minControls, .maxControls, .flowTolerance, .metric] }
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try OptimalPairMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                                     specification: plan.optimalMatching,
                                     mahalanobis: plan.metric == .mahalanobis ? input.covariates : nil)
    }
}
