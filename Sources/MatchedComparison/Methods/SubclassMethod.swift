import Matching

/// `method = "subclass"`: subclassification on the distance as MatchIt 4.7
/// (`matchit2subclass.R`): `subclass` quantile subclasses of the target group's distance, at least
/// `min_n` units of each group per subclass, subclass weights (`Strata`); the algorithm is
/// `Matching.PropensitySubclassification`. Defaults: 6 subclasses, `min_n` 1.
public struct SubclassMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.subclass, .minN, .discard] }
    public var estimands: Set<Estimand> { [.att, .atc, .ate] }
    public static let defaultSubclasses = 6
    public static let defaultMinN = 1

    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        for (i, d) in input.distance.enumerated() where !d.isFinite {
            throw MatchingError.nonFiniteDistance(row: i, value: d)
        }
        let discarded = NearestNeighborMatcher.commonSupport(
            treated: input.treated, distance: input.distance, rule: plan.discard)
        let assignment = try PropensitySubclassification.assign(
            treated: input.treated, distance: input.distance, discarded: discarded, estimand: plan.estimand,
            count: plan.subclasses ?? Self.defaultSubclasses, minimumPerGroup: plan.minN ?? Self.defaultMinN)
        return try Strata.result(
            subclass: assignment.subclass, treated: input.treated, distance: input.distance, discarded: discarded,
            estimand: plan.estimand, specification: plan.nearestNeighbor, warnings: assignment.warnings)
    }
}
