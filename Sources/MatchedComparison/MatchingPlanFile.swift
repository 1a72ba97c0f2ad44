import Matching
import PlanFiles
import Propensity

extension MatchingPlan {
    /// The keys of a plan's `[matching]` table (each a `Setting`).
    public static let planKeys = Setting.allCases.map(\.rawValue)

    /// Reads a plan's `[matching]` table (an absent table or key takes MatchIt's default). A bad
    /// value fails here, naming the plan file and the key, before any data is loaded.
    public init(table t: PlanTable) throws {
        try t.allow(Self.planKeys)
        let estimandText = try t.string(Setting.estimand.rawValue, default: Estimand.att.rawValue)
        guard let estimand = Estimand(rawValue: estimandText.uppercased()) else {
            throw t.error(Setting.estimand.rawValue, "must be one of \(Estimand.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let order: MatchOrder? = try t.optionalString(Setting.order.rawValue) == nil
            ? nil : try t.enumeration(Setting.order.rawValue, default: MatchOrder.largest)
        self.init(
            method: try t.enumeration(Setting.method.rawValue, default: Method.nearest),
            link: try t.enumeration(Setting.link.rawValue, default: DistanceLink.logit),
            distanceColumn: try t.optionalString(Setting.distance.rawValue),
            estimand: estimand, order: order,
            discard: try t.enumeration(Setting.discard.rawValue, default: CommonSupport.none),
            ratio: try t.int(Setting.ratio.rawValue, default: 1),
            replace: try t.bool(Setting.replace.rawValue, default: false),
            caliper: try t.optionalDouble(Setting.caliper.rawValue),
            exact: try t.strings(Setting.exact.rawValue, default: []),
            seed: try t.seed(Setting.seed.rawValue, default: 42),
            tolerance: try t.double(Setting.tolerance.rawValue, default: 1e-8),
            maxIterations: try t.int(Setting.maxIterations.rawValue, default: 25),
            radius: try t.optionalDouble(Setting.radius.rawValue),
            kernel: try t.optionalString(Setting.kernel.rawValue) == nil
                ? nil : try t.enumeration(Setting.kernel.rawValue, default: MatchingKernel.epanechnikov),
            bandwidth: try t.optionalDouble(Setting.bandwidth.rawValue),
            trim: try t.optionalDouble(Setting.trim.rawValue),
            trimLower: try t.bool(Setting.trimLower.rawValue, default: false),
            metric: try t.optionalString(Setting.metric.rawValue) == nil
                ? nil : try t.enumeration(Setting.metric.rawValue, default: DistanceMetric.distance),
            subclasses: try t.optionalWholeNumber(Setting.subclass.rawValue),
            minN: try t.optionalWholeNumber(Setting.minN.rawValue),
            cutpoints: try Self.cutpoints(t), grouping: try Self.grouping(t),
            k2k: t.table?[Setting.k2k.rawValue] == nil ? nil : try t.bool(Setting.k2k.rawValue, default: false),
            minControls: try t.optionalDouble(Setting.minControls.rawValue),
            maxControls: try t.optionalDouble(Setting.maxControls.rawValue),
            flowTolerance: try t.optionalDouble(Setting.flowTolerance.rawValue))
        do { try validate() } catch { throw t.error(error.setting.rawValue, error.problem) }
    }
}

extension MatchingPlan {
    /// `cutpoints`: one rule for every numeric covariate (`"sturges"`, `"scott"`, `"fd"`, a number of
    /// bins, or a list of cut points), or a table of rules by covariate (`[matching.cutpoints]`).
    static func cutpoints(_ t: PlanTable) throws -> CutpointsChoice? {
        let key = Setting.cutpoints.rawValue
        guard let value = t.value(key) else { return nil }
        if case .table(let rules) = value {
            var byName: [String: Cutpoints] = [:]
            for name in rules.keys { byName[name] = try rule(rules.value(name)!, in: rules, key: name) }
            return .byVariable(byName)
        }
        return .all(try rule(value, in: t, key: key))
    }

    private static func rule(_ value: PlanValue, in t: PlanTable, key: String) throws -> Cutpoints {
        let problem = "must be \"sturges\", \"scott\", \"fd\", a whole number of bins or a list of cut points"
        switch value {
        case .string(let text):
            guard !text.contains(","), let rule = Cutpoints(text: text) else { throw t.error(key, problem) }
            return rule
        case .int(let k):
            return .bins(k)
        case .array(let items):
            return .points(try items.map { item in
                switch item {
                case .int(let i): return Double(i)
                case .double(let d): return d
                default: throw t.error(key, problem)
                }
            })
        default:
            throw t.error(key, problem)
        }
    }

    /// `[matching.grouping]`: by covariate, a list of lists of values (as text) to merge.
    static func grouping(_ t: PlanTable) throws -> [String: [[String]]]? {
        let key = Setting.grouping.rawValue
        guard let value = t.value(key) else { return nil }
        guard case .table(let groups) = value else {
            throw t.error(key, "must be a table of lists of lists of values ([matching.grouping])")
        }
        var result: [String: [[String]]] = [:]
        for name in groups.keys {
            let problem = groups.error(name, "must be a list of lists of values, such as [[\"black\", \"hispan\"]]")
            guard case .array(let outer)? = groups.value(name) else { throw problem }
            result[name] = try outer.map { group in
                guard case .array(let inner) = group else { throw problem }
                return try inner.map { item in
                    switch item {
                    case .string(let s): return s
                    case .int(let i): return String(i)
                    case .double(let d): return String(d)
                    default: throw problem
                    }
                }
            }
        }
        return result
    }
}
