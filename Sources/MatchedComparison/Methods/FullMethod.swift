import Matching

/// `method = "full"`: optimal full matching as MatchIt 4.7 (`matchit2full.R`, optmatch's
/// `fullmatch`); the algorithm is `Matching.FullMatcher` on the min-cost flow solver of `NetworkFlow`.
public struct FullMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.caliper, .discard, .exact, .minControls, .maxControls, .flowTolerance] }
    public var estimands: Set<Estimand> { [.att, .atc, .ate] }
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try FullMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                              specification: plan.optimalMatching)
    }
}
