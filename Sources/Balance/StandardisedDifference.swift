/// The Justice Data Lab's match-quality table: for each covariate, the standardised difference
/// between the treatment and comparison groups before and after matching, graded.
///
/// `d = 100 · (m_T − m_C) / √((s_T² + s_C²)/2)` (Rosenbaum & Rubin 1985; Austin 2009), with
/// weighted means `m` and variances `s²` of each group: before matching every unit of the frame
/// with weight 1, after matching the matching weights. Variances are MatchIt's `wvar()`
/// (`p(1 − p)` for a 0/1 variable, the reliability-weights variance otherwise), so a 1:1 match
/// without weights gives the textbook sample variances. Unlike MatchIt's `summary()`, which divides
/// by the focal group's standard deviation before matching, the JDL pools both groups' own
/// variances; the two tables can therefore differ, and both are reported.
///
/// Grading (the JDL's match-quality convention): `|d| < 5` good, `5 ≤ |d| < 10` reasonable,
/// `|d| ≥ 10` poor. A covariate constant in both groups has no standardised difference (nil) and
/// is graded good when its means agree.
public struct StandardisedDifference: Sendable, Equatable, Codable {
    public enum Grade: String, Sendable, Equatable, Codable, CaseIterable {
        case good, reasonable, poor

        /// The grade of a standardised difference in percent.
        public init(_ d: Double?) {
            guard let d, d.isFinite else { self = .poor; return }
            let a = abs(d)
            self = a < 5 ? .good : a < 10 ? .reasonable : .poor
        }
    }

    public var covariate: String
    /// Percent, before matching (all units of the frame, unweighted).
    public var before: Double?
    /// Percent, after matching (matching weights).
    public var after: Double?
    /// The grade of `after`.
    public var grade: Grade

    public init(covariate: String, before: Double?, after: Double?, grade: Grade) {
        self.covariate = covariate
        self.before = before
        self.after = after
        self.grade = grade
    }

    /// The table for `covariates` (one value per unit each), the treatment indicator and the
    /// matching weights (0 = not matched).
    public static func table(covariates: [BalanceCovariate], treated: [Bool], weights: [Double]) -> [StandardisedDifference] {
        precondition(treated.count == weights.count, "StandardisedDifference: one weight per unit")
        return covariates.map { column in
            let values = column.values
            precondition(values.count == treated.count, "StandardisedDifference: one value per unit")
            let binary = values.allSatisfy(isZeroOrOne)
            func difference(_ weight: (Int) -> Double) -> (Double?, Bool) {
                var t = WeightedMoments(), c = WeightedMoments()
                for i in values.indices {
                    if treated[i] { t.add(values[i], weight: weight(i)) } else { c.add(values[i], weight: weight(i)) }
                }
                guard t.count > 0, c.count > 0 else { return (nil, false) }
                let gap = t.mean - c.mean
                let scale = ((t.variance(binary: binary) + c.variance(binary: binary)) / 2).squareRoot()
                guard scale.isFinite, scale > 0 else { return (nil, gap == 0) }
                return (100 * gap / scale, false)
            }
            let (before, _) = difference { _ in 1 }
            let (after, equalConstant) = difference { weights[$0] }
            return StandardisedDifference(covariate: column.name, before: before, after: after,
                                          grade: equalConstant ? .good : Grade(after))
        }
    }
}
