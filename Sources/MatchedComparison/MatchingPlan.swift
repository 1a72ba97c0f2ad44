import Matching
import Propensity

/// Everything that decides a matched comparison, validated once, shared by `counterfactual match`
/// (from its flags) and by evaluation plans (from the `[matching]` table): which method, how the
/// distance is obtained, and the method's settings. Every default is explicit and is MatchIt 4.7's
/// (`matchit()` with `method = "nearest"`, `distance = "glm"`, `link = "logit"`, `ratio = 1`, no
/// replacement, no caliper, `discard = "none"`), R's `glm` for the propensity model.
public struct MatchingPlan: Sendable, Equatable, Codable {
    /// The matching method (MatchIt's `method`); each is one type in `Methods/`.
    public enum Method: String, Sendable, Codable, CaseIterable {
        /// Greedy nearest-neighbour matching (`NearestNeighborMethod`).
        case nearest
        /// Exact matching on the covariates (`ExactMethod`).
        case exact
        /// Coarsened exact matching on the covariates (`CoarsenedExactMethod`).
        case cem
        /// Subclassification on the distance (`SubclassMethod`).
        case subclass
        /// psmatch2 radius matching: every control within `radius` (`RadiusMethod`).
        case radius
        /// psmatch2 kernel matching (`KernelMethod`).
        case kernel
        /// Inverse-probability weights from the propensity score, as WeightIt (`WeightingMethod`).
        case weighting
        /// Optimal pair (k:1 or variable-ratio) matching by minimum-cost flow (`OptimalMethod`).
        case optimal
        /// Optimal full matching by minimum-cost flow (`FullMethod`).
        case full
    }

    public var method: Method
    /// Propensity link and distance scale (ignored when `distanceColumn` is given).
    public var link: DistanceLink
    /// A column holding the user's own distance; `nil` = fit the propensity model.
    public var distanceColumn: String?
    public var estimand: Estimand
    /// Matching order; `nil` = MatchIt's default for the estimand.
    public var order: MatchOrder?
    public var discard: CommonSupport
    /// Controls per focal unit (k:1).
    public var ratio: Int
    public var replace: Bool
    /// Caliper in standard deviations of the distance; `nil` = none.
    public var caliper: Double?
    /// Columns to match exactly on (units are matched only within cells of equal values).
    public var exact: [String]
    /// Seed for `order = random`.
    public var seed: UInt64
    /// Fewest and most controls per focal unit: `optimal` with `max_controls` = variable-ratio
    /// matching (whole numbers, `ratio` the mean); `full` = bounds on every subclass (below 1: several
    /// focal units per control). `nil` = MatchIt's default.
    public var minControls: Double?
    public var maxControls: Double?
    /// optmatch's `tol` for `optimal` and `full`: the resolution to which distances are rounded
    /// (`Matching.FlowSubproblem`); `nil` = optmatch's default 0.001.
    public var flowTolerance: Double?
    /// Propensity model convergence tolerance on the relative deviance change (R's `glm` epsilon).
    public var tolerance: Double
    /// Maximum IRLS iterations of the propensity model (R's `glm` maxit).
    public var maxIterations: Int
    /// Radius matching: the window's half-width on the distance scale (psmatch2's `caliper()`, not
    /// in standard deviations); required by `radius`.
    public var radius: Double?
    /// Kernel matching: the kernel; `nil` = Epanechnikov (psmatch2's default).
    public var kernel: MatchingKernel?
    /// Kernel matching: the bandwidth on the distance scale; `nil` = 0.06 (psmatch2's default).
    public var bandwidth: Double?
    /// Weighting: trim weights above this quantile (WeightIt's `trim(at =)`); `nil` = no trimming.
    public var trim: Double?
    /// Weighting: also raise weights below the 1 − `trim` quantile (WeightIt's `lower = TRUE`).
    public var trimLower: Bool
    /// Nearest-neighbour matching: the distance between units; `nil` = the propensity distance.
    public var metric: DistanceMetric?
    /// Subclass settings (`exact`, `cem`, `subclass`; `nil` = not given, MatchIt's default):
    /// number of subclasses (`subclass`, default 6), minimum units of each group per subclass
    /// (`min.n`, default 1), CEM cut points (default Sturges), CEM groups of values merged, and CEM
    /// k-to-k pruning. See `MethodSettings.swift`.
    public var subclasses: Int?
    public var minN: Int?
    public var cutpoints: CutpointsChoice?
    public var grouping: [String: [[String]]]?
    public var k2k: Bool?

    public init(
        method: Method = .nearest, link: DistanceLink = .logit, distanceColumn: String? = nil,
        estimand: Estimand = .att, order: MatchOrder? = nil, discard: CommonSupport = .none, ratio: Int = 1,
        replace: Bool = false, caliper: Double? = nil, exact: [String] = [], seed: UInt64 = 42,
        tolerance: Double = 1e-8, maxIterations: Int = 25, radius: Double? = nil, kernel: MatchingKernel? = nil,
        bandwidth: Double? = nil, trim: Double? = nil, trimLower: Bool = false, metric: DistanceMetric? = nil,
        subclasses: Int? = nil, minN: Int? = nil,
        cutpoints: CutpointsChoice? = nil, grouping: [String: [[String]]]? = nil, k2k: Bool? = nil,
        minControls: Double? = nil, maxControls: Double? = nil, flowTolerance: Double? = nil
    ) {
        self.flowTolerance = flowTolerance
        self.minControls = minControls
        self.maxControls = maxControls
        self.method = method
        self.link = link
        self.distanceColumn = distanceColumn
        self.estimand = estimand
        self.order = order
        self.discard = discard
        self.ratio = ratio
        self.replace = replace
        self.caliper = caliper
        self.exact = exact
        self.seed = seed
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.radius = radius
        self.kernel = kernel
        self.bandwidth = bandwidth
        self.trim = trim
        self.trimLower = trimLower
        self.metric = metric
        self.subclasses = subclasses
        self.minN = minN
        self.cutpoints = cutpoints
        self.grouping = grouping
        self.k2k = k2k
    }

    /// The settings a plan or a command line can get wrong, by their plan key (`[matching] ratio`);
    /// the CLI maps them to its flags (`--ratio`).
    public enum Setting: String, Sendable, CaseIterable {
        case method, link, distance, estimand, order, discard, ratio, replace, caliper, exact, seed, tolerance
        case maxIterations = "max_iterations"
        case radius, kernel, bandwidth, trim
        case trimLower = "trim_lower"
        case metric
        case subclass, minN = "min_n", cutpoints, grouping, k2k
        case minControls = "min_controls", maxControls = "max_controls", flowTolerance = "flow_tolerance"
    }

    /// Valid ranges, stated once (docs/inputs.md lists them).
    public static let ratioRange = 1...1_000
    public static let maxIterationsRange = 1...10_000
    public static let toleranceRange = 1e-16...0.1
    public static let caliperRange = 0.0...100.0
    /// Radius and bandwidth, on the distance scale (above the lower bound).
    public static let radiusRange = 0.0...1_000.0
    public static let bandwidthRange = 0.0...1_000.0
    /// psmatch2's default bandwidth.
    public static let defaultBandwidth = 0.06
    /// Trimming quantile (above the lower bound, below the upper).
    public static let trimRange = 0.5...1.0
    /// `min_controls` / `max_controls`: whole numbers 1 to 1000 for `optimal`; for `full` any number
    /// above 0 up to 1000 (below 1 = several focal units per control).
    public static let controlsRange = 0.0...1_000.0
    /// `flow_tolerance` (optmatch's `tol`).
    public static let flowToleranceRange = 0.0...0.1

    /// Checks every setting against its documented range, before any data is read.
    public func validate() throws(MatchingPlanError) {
        guard Self.ratioRange.contains(ratio) else {
            throw MatchingPlanError(setting: .ratio, problem: "must be a whole number from \(Self.ratioRange.lowerBound) to \(Self.ratioRange.upperBound) (got \(ratio))")
        }
        if let caliper, !(caliper > 0 && caliper <= Self.caliperRange.upperBound) {
            throw MatchingPlanError(setting: .caliper, problem: "must be a positive number of standard deviations, at most \(Int(Self.caliperRange.upperBound)) (got \(caliper))")
        }
        guard tolerance.isFinite, Self.toleranceRange.contains(tolerance) else {
            throw MatchingPlanError(setting: .tolerance, problem: "must lie between 1e-16 and 0.1 (got \(tolerance))")
        }
        guard Self.maxIterationsRange.contains(maxIterations) else {
            throw MatchingPlanError(setting: .maxIterations, problem: "must be a whole number from 1 to \(Self.maxIterationsRange.upperBound) (got \(maxIterations))")
        }
        var seen = Set<String>()
        for name in exact where !seen.insert(name).inserted {
            throw MatchingPlanError(setting: .exact, problem: "names '\(name)' twice")
        }
        if let column = distanceColumn, column.isEmpty {
            throw MatchingPlanError(setting: .distance, problem: "is empty; name the column that holds the distance")
        }
        try validateMethodSettings()
        try validateSubclassSettings()
        try validateFlowSettings()
    }

    /// Ranges of the optimal/full settings (MatchIt's `process.ratio` rules); settings a method
    /// does not take are refused by `validateMethodSettings`.
    private func validateFlowSettings() throws(MatchingPlanError) {
        for (setting, value) in [(Setting.minControls, minControls), (.maxControls, maxControls)] {
            guard let value else { continue }
            guard value.isFinite, value > 0, value <= Self.controlsRange.upperBound else {
                throw MatchingPlanError(setting: setting, problem: "must be a number above 0, at most 1000 (got \(value))")
            }
        }
        if let tol = flowTolerance, !(tol.isFinite && Self.flowToleranceRange.contains(tol)) {
            throw MatchingPlanError(setting: .flowTolerance, problem: "must lie between 0 and 0.1 (got \(tol))")
        }
        switch method {
        case .optimal:
            if minControls != nil && maxControls == nil {
                throw MatchingPlanError(setting: .minControls, problem: "needs max_controls (variable-ratio matching) with method optimal")
            }
            if let mx = maxControls {
                for (setting, value) in [(Setting.maxControls, mx), (.minControls, minControls ?? 1)] where value != value.rounded() {
                    throw MatchingPlanError(setting: setting, problem: "must be a whole number with method optimal (got \(value))")
                }
                guard ratio > 1 else {
                    throw MatchingPlanError(setting: .ratio, problem: "must be greater than 1 for variable-ratio matching (max_controls given)")
                }
                guard mx > Double(ratio) else {
                    throw MatchingPlanError(setting: .maxControls, problem: "must be greater than ratio \(ratio) (got \(Int(mx)))")
                }
                if let mn = minControls, mn >= Double(ratio) {
                    throw MatchingPlanError(setting: .minControls, problem: "must be less than ratio \(ratio) (got \(Int(mn)))")
                }
            }
        case .full:
            if let mn = minControls, let mx = maxControls, mn > mx {
                throw MatchingPlanError(setting: .minControls, problem: "must not exceed max_controls (\(mn) > \(mx))")
            }
            if caliper != nil && minControls != nil {
                throw MatchingPlanError(setting: .caliper, problem: "cannot be used with method full when min_controls is given (as MatchIt)")
            }
        default:
            break
        }
    }

    /// The optimal/full matching settings of this plan.
    public var optimalMatching: OptimalMatchingSpecification {
        OptimalMatchingSpecification(ratio: ratio, minControls: minControls, maxControls: maxControls, caliper: caliper,
                                     discard: discard, estimand: estimand, tolerance: flowTolerance ?? 0.001)
    }

    /// The nearest-neighbour settings of this plan.
    public var nearestNeighbor: NearestNeighborSpecification {
        NearestNeighborSpecification(ratio: ratio, replace: replace, caliper: caliper, order: order, discard: discard,
                                     estimand: estimand, seed: seed)
    }
}

/// A matching setting outside its valid range, named by setting (not by CLI flag or plan key:
/// callers say where the setting came from).
public struct MatchingPlanError: Error, Equatable, CustomStringConvertible {
    public var setting: MatchingPlan.Setting
    /// What is wrong, as the end of a sentence ("must be at least 1 (got 0)").
    public var problem: String

    public init(setting: MatchingPlan.Setting, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "matching setting \(setting.rawValue) \(problem)." }
}
