import Matching

extension MatchingPlan {
    /// The method-specific settings this plan gives (differs from the default), in `Setting` order.
    public var givenSettings: [Setting] {
        Setting.allCases.filter { setting in
            switch setting {
            case .ratio: return ratio != 1
            case .replace: return replace
            case .caliper: return caliper != nil
            case .order: return order != nil
            case .discard: return discard != .none
            case .exact: return !exact.isEmpty
            case .radius: return radius != nil
            case .kernel: return kernel != nil
            case .bandwidth: return bandwidth != nil
            case .trim: return trim != nil
            case .trimLower: return trimLower
            case .metric: return metric != nil
            case .method, .link, .distance, .estimand, .seed, .tolerance, .maxIterations: return false
            }
        }
    }

    /// Checks the settings that belong to one method: each given setting must be one the method
    /// takes (a setting that would be silently ignored is a silent change of terms), the estimand
    /// one it can target, and the method's own values in range.
    func validateMethodSettings() throws(MatchingPlanError) {
        let implementation = method.implementation
        for setting in givenSettings where !implementation.settings.contains(setting) {
            throw MatchingPlanError(setting: setting, problem: "does not apply to method \(method.rawValue)")
        }
        if !implementation.estimands.contains(estimand) {
            let allowed = Estimand.allCases.filter(implementation.estimands.contains).map(\.rawValue)
            throw MatchingPlanError(setting: .estimand, problem: "must be \(allowed.joined(separator: " or ")) for method \(method.rawValue) (got \(estimand.rawValue))")
        }
        if method == .radius, radius == nil { throw MatchingPlanError(setting: .radius, problem: radiusRequired) }
        if let radius, !(radius > Self.radiusRange.lowerBound && radius <= Self.radiusRange.upperBound) {
            throw MatchingPlanError(setting: .radius, problem: "must be a positive number on the distance scale, at most \(Int(Self.radiusRange.upperBound)) (got \(radius))")
        }
        if let bandwidth, !(bandwidth > Self.bandwidthRange.lowerBound && bandwidth <= Self.bandwidthRange.upperBound) {
            throw MatchingPlanError(setting: .bandwidth, problem: "must be a positive number on the distance scale, at most \(Int(Self.bandwidthRange.upperBound)) (got \(bandwidth))")
        }
        if let trim, !(trim > Self.trimRange.lowerBound && trim < Self.trimRange.upperBound) {
            throw MatchingPlanError(setting: .trim, problem: "must be a quantile above 0.5 and below 1 (got \(trim))")
        }
        if trimLower, trim == nil {
            throw MatchingPlanError(setting: .trimLower, problem: "needs trim (the quantile whose mirror 1 - trim is the lower bound)")
        }
        if method == .weighting, distanceColumn == nil, link.usesLinearPredictor {
            throw MatchingPlanError(setting: .link, problem: "must be logit or probit for method weighting: the weights need the propensity score, not the linear predictor")
        }
    }
}
