import Matching

/// `method = "cem"`: coarsened exact matching as MatchIt 4.7's own implementation
/// (`cem_matchit` in `matchit2cem.R`): numeric covariates cut into bins (`cutpoints`, Sturges by
/// default), listed values merged (`grouping`), then exact subclasses on the coarsened values and
/// subclass weights (`Strata`); the algorithm is `Matching.CoarsenedExactMatching.subclasses`.
public struct CoarsenedExactMethod: MatchingMethod {
    public var settings: Set<MatchingPlan.Setting> { [.cutpoints, .grouping, .k2k] }
    public var estimands: Set<Estimand> { [.att, .atc, .ate] }
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        let rules = plan.cutpoints?.resolved ?? ([:], .sturges)
        let subclass = try CoarsenedExactMatching.subclasses(
            variables: input.stratumVariables, treated: input.treated, cutpoints: rules.byVariable,
            defaultCutpoints: rules.others, grouping: plan.grouping ?? [:])
        if plan.k2k == true { return try kToK(subclass: subclass, input: input, plan: plan) }
        return try Strata.result(
            subclass: subclass, treated: input.treated, distance: input.distance,
            discarded: Array(repeating: false, count: input.treated.count), estimand: plan.estimand,
            specification: plan.nearestNeighbor)
    }

    /// `k2k = true`: within each stratum, 1:1 nearest-neighbour matching without replacement on the
    /// Mahalanobis distance of the covariates, in data order, as MatchIt 4.7's `do_k2k` with its
    /// defaults (`k2k.method = "mahalanobis"`, `m.order = "data"`): the strata act as exact-matching
    /// cells (a unit in no stratum is alone in its cell, so it cannot be matched), the covariance is
    /// pooled within groups over every unit (`transform_covariates` without `discarded`), and the
    /// result is matched pairs with pair weights, as MatchIt's `match.matrix` (for ATE too: MatchIt's
    /// focal group is then the treated).
    func kToK(subclass: [Int?], input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        let n = input.treated.count
        guard !input.covariates.isEmpty else {
            throw MatchingError.lengthMismatch("k2k needs the covariates for the Mahalanobis distance")
        }
        let cells = (0..<n).map { i in subclass[i] ?? (Int(Int32.max) + i) }
        var specification = plan.nearestNeighbor
        specification.ratio = 1
        specification.replace = false
        specification.caliper = nil
        specification.order = .data
        specification.discard = .none
        // MatchIt's do_k2k matches the treated units for ATE as for ATT (focal = 1); the weights are
        // then pair weights, whatever the estimand.
        if specification.estimand == .ate { specification.estimand = .att }
        return try NearestNeighborMatcher.match(
            treated: input.treated, distance: input.distance, exactCells: cells, specification: specification,
            mahalanobis: input.covariates)
    }
}
