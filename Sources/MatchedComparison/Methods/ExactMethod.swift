import Matching

/// `method = "exact"`: exact matching on the covariates as MatchIt 4.7 (`matchit2exact.R`): one
/// subclass per combination of covariate values that occurs in both groups, subclass weights
/// (`Strata`); the algorithm is `Matching.CoarsenedExactMatching.exactSubclasses`.
public struct ExactMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [] }
    public var estimands: Set<Estimand> { [.att, .atc, .ate] }
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        let subclass = CoarsenedExactMatching.exactSubclasses(variables: input.stratumVariables, treated: input.treated)
        return try Strata.result(
            subclass: subclass, treated: input.treated, distance: input.distance,
            discarded: Array(repeating: false, count: input.treated.count), estimand: plan.estimand,
            specification: plan.nearestNeighbor)
    }
}
