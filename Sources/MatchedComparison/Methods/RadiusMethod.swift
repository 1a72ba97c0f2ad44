import Matching

/// `method = "radius"`: psmatch2 radius matching, every control within `radius` of a focal unit
/// (on the distance scale), with replacement; the algorithm is `Matching.RadiusMatcher`.
public struct RadiusMethod: MatchingMethod {
    public init() {}

    public var settings: Set<MatchingPlan.Setting> { [.radius, .discard, .exact] }

    public func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult {
        guard let radius = plan.radius else { throw MatchingPlanError(setting: .radius, problem: radiusRequired) }
        // Radius matching is with replacement: a control may fall in several windows, so the
        // matched sets overlap (inference then clusters by set and unit).
        var specification = plan.nearestNeighbor
        specification.replace = true
        return try RadiusMatcher.match(treated: input.treated, distance: input.distance, exactCells: input.exactCells,
                                       radius: radius, specification: specification)
    }
}

/// The sentence end that says `radius` is missing.
let radiusRequired = "is required by method radius (the window's half-width on the distance scale, as psmatch2's caliper)"
