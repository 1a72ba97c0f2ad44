import Matching

/// `method = "weighting"`: inverse-probability weights for the ATT (odds weights), ATC or ATE from
/// the propensity score, with optional trimming, as WeightIt's `method = "glm"`; the algorithm is
/// `Matching.InverseProbabilityWeighting`. The distance must be the propensity score itself (link
/// `logit` or `probit`, or a column of probabilities).
public struct WeightingMethod: MatchingMethod {
    public init() {}

    public var settings: Set<MatchingPlan.Setting> { [.trim, .trimLower] }
    public var estimands: Set<Estimand> { [.att, .atc, .ate] }

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try InverseProbabilityWeighting.weigh(treated: input.treated, propensity: input.distance, trim: plan.trim,
                                              trimLower: plan.trimLower, specification: plan.nearestNeighbor)
    }
}
