import Matching

/// `method = "cem"`: coarsened exact matching as MatchIt 4.7's own implementation
/// (`cem_matchit` in `matchit2cem.R`): numeric covariates cut into bins (`cutpoints`, Sturges by
/// default), listed values merged (`grouping`), then exact subclasses on the coarsened values and
/// subclass weights (`Strata`); the algorithm is `Matching.CoarsenedExactMatching.subclasses`.
public struct CoarsenedExactMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.cutpoints, .grouping, .k2k] }
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        let rules = plan.cutpoints?.resolved ?? ([:], .sturges)
        let subclass = try CoarsenedExactMatching.subclasses(
            variables: input.stratumVariables, treated: input.treated, cutpoints: rules.byVariable,
            defaultCutpoints: rules.others, grouping: plan.grouping ?? [:])
        return try Strata.result(
            subclass: subclass, treated: input.treated, distance: input.distance,
            discarded: Array(repeating: false, count: input.treated.count), estimand: plan.estimand,
            specification: plan.nearestNeighbor)
    }
}
