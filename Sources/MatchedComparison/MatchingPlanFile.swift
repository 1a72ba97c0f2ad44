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
            minControls: try t.optionalDouble(Setting.minControls.rawValue),
            maxControls: try t.optionalDouble(Setting.maxControls.rawValue),
            flowTolerance: try t.optionalDouble(Setting.flowTolerance.rawValue))
        do { try validate() } catch { throw t.error(error.setting.rawValue, error.problem) }
    }
}
