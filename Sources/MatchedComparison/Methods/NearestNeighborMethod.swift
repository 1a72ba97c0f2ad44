import Matching

/// `method = "nearest"`: greedy nearest-neighbour matching exactly as MatchIt 4.7
/// (`matchit2nearest.R`); the algorithm is `Matching.NearestNeighborMatcher`.
public struct NearestNeighborMethod: MatchingMethod {
    public init() {}

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try NearestNeighborMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                                         specification: plan.nearestNeighbor)
    }
}
