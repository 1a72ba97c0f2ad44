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
            case .subclass: return subclasses != nil
            case .minN: return minN != nil
            case .cutpoints: return cutpoints != nil
            case .grouping: return grouping != nil
            case .k2k: return k2k != nil
            case .minControls: return minControls != nil
            case .maxControls: return maxControls != nil
            case .flowTolerance: return flowTolerance != nil
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
            throw MatchingPlanError(setting: setting, problem: "is not used by method \(method.rawValue); remove it")
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


/// Which settings each matching method takes, and the ranges of the subclass methods' settings.
///
/// A setting given to a method that does not use it is an error, not a silent no-op (MatchIt only
/// warns): in a payment plan a setting that does nothing is a misunderstanding of the terms. A
/// setting counts as given when it differs from its default (`ratio = 1` is the default, so it is
/// accepted everywhere).
extension MatchingPlan {
    /// Valid ranges of the subclass methods' settings (docs/inputs.md lists them).
    public static let subclassRange = 2...1_000
    public static let minNRange = 0...100_000
    public static let cutpointBinsRange = 0...10_000

    /// Checks the subclass methods' settings and that every setting given is one the method takes.
    func validateSubclassSettings() throws(MatchingPlanError) {
        if let subclasses, !Self.subclassRange.contains(subclasses) {
            throw MatchingPlanError(setting: .subclass, problem: "must be a whole number of subclasses from \(Self.subclassRange.lowerBound) to \(Self.subclassRange.upperBound) (got \(subclasses))")
        }
        if let minN, !Self.minNRange.contains(minN) {
            throw MatchingPlanError(setting: .minN, problem: "must be a whole number from \(Self.minNRange.lowerBound) to \(Self.minNRange.upperBound) (got \(minN))")
        }
        if let cutpoints {
            let rules: [(String?, Cutpoints)]
            switch cutpoints {
            case .all(let rule): rules = [(nil, rule)]
            case .byVariable(let byName): rules = byName.keys.sorted().map { ($0, byName[$0]!) }
            }
            for (name, rule) in rules {
                let whose = name.map { " for '\($0)'" } ?? ""
                if name?.isEmpty == true {
                    throw MatchingPlanError(setting: .cutpoints, problem: "names an empty variable")
                }
                switch rule {
                case .bins(let k) where !Self.cutpointBinsRange.contains(k):
                    throw MatchingPlanError(setting: .cutpoints, problem: "\(whose) must be sturges, scott, fd, q<number of quantile bins>, a number of bins from 0 to \(Self.cutpointBinsRange.upperBound) or a list of cut points (got \(k))")
                case .quantiles(let q) where !(3...Self.cutpointBinsRange.upperBound).contains(q):
                    throw MatchingPlanError(setting: .cutpoints, problem: "\(whose) must use q3 to q\(Self.cutpointBinsRange.upperBound) for quantile bins (got q\(q))")
                case .points(let p) where p.isEmpty || !p.allSatisfy(\.isFinite):
                    throw MatchingPlanError(setting: .cutpoints, problem: "\(whose) must list finite cut points")
                default: break
                }
            }
        }
        if let grouping {
            for name in grouping.keys.sorted() {
                let groups = grouping[name]!
                if groups.isEmpty || groups.contains(where: \.isEmpty) {
                    throw MatchingPlanError(setting: .grouping, problem: "for '\(name)' must be a list of non-empty lists of values")
                }
                var seen = Set<String>()
                for value in groups.joined() where !seen.insert(value).inserted {
                    throw MatchingPlanError(setting: .grouping, problem: "for '\(name)' lists the value '\(value)' twice")
                }
            }
        }
    }
}

extension MatchingPlan {
    /// The CEM cut-point rules in words: "sturges" or "age 4, re74 [0, 5000], others sturges".
    public var cutpointsDescription: String {
        let (byName, others) = (cutpoints ?? .all(.sturges)).resolved
        let named = byName.keys.sorted().map { "\($0) \(byName[$0]!)" }
        return named.isEmpty ? others.description : (named + ["others \(others)"]).joined(separator: ", ")
    }

    /// One line naming a subclass method and its settings, for terminal summaries and reports
    /// ("subclassification on the distance, 6 subclasses, min_n 1").
    public func subclassMethodDescription(subclassCount: Int) -> String {
        switch method {
        case .exact:
            return "exact matching on the covariates, \(subclassCount) subclasses"
        case .cem:
            var text = "coarsened exact matching, cutpoints \(cutpointsDescription)"
            if let grouping, !grouping.isEmpty { text += ", grouping on \(grouping.keys.sorted().joined(separator: ","))" }
            return text + ", \(subclassCount) subclasses"
        case .subclass:
            var text = "subclassification on the distance, \(subclassCount) of \(subclasses ?? SubclassMethod.defaultSubclasses) subclasses, min_n \(minN ?? SubclassMethod.defaultMinN)"
            if discard != .none { text += ", discard \(discard.rawValue)" }
            return text
        case .nearest:
            return "nearest neighbour"
        case .radius, .kernel, .weighting, .optimal, .full:
            return method.rawValue
        }
    }
}
