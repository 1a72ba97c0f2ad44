import Matching

/// `method = "kernel"`: psmatch2 kernel matching (Epanechnikov or Gaussian kernel, bandwidth on the
/// distance scale, default 0.06); the algorithm is `Matching.KernelMatcher`.
public struct KernelMethod: MatchingMethod {
    public init() {}

    public var settings: Set<MatchingPlan.Setting> { [.kernel, .bandwidth, .discard, .exact] }

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        try KernelMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                                kernel: plan.kernel ?? .epanechnikov,
                                bandwidth: plan.bandwidth ?? MatchingPlan.defaultBandwidth,
                                specification: plan.nearestNeighbor)
    }
}
