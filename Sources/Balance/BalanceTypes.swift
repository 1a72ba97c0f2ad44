import Columns

// Public value types of the Balance module: the inputs to `summarizeBalance` and the tables it
// returns, shaped like the components of MatchIt 4.7's `summary.matchit()` result
// (`sum.all`, `sum.matched`, `nn`).

/// The estimand the match targets. It decides which group's spread standardises mean
/// differences: the treated group for the ATT, the control group for the ATC, both pooled for the
/// ATE (MatchIt's `s.d.denom = "pooled"`, as cobalt).
public enum BalanceEstimand: String, Sendable, Codable {
    /// Average treatment effect on the treated: standardise by the treated group's SD.
    case att = "ATT"
    /// Average treatment effect on the controls: standardise by the control group's SD.
    case atc = "ATC"
    /// Average treatment effect: standardise by √((s²_treated + s²_control) / 2).
    case ate = "ATE"
}

/// One column whose balance is summarised, such as `distance`, `age` or one indicator of a
/// factor level (`raceblack`).
public struct BalanceCovariate: Sendable {
    /// The row label in the balance tables.
    public var name: String
    /// One value per unit, in the same order as `treated` and `weights`: doubles, or a level's
    /// indicator over category codes (read tile by tile, never stored as doubles in full).
    public var column: NumericColumn

    /// One value per unit, as doubles (built on each call for an indicator).
    public var values: [Double] { column.values }

    /// Creates a covariate column.
    /// - Parameters:
    ///   - name: The row label in the balance tables.
    ///   - values: One value per unit.
    public init(name: String, values: [Double]) {
        self.init(name: name, column: .dense(values))
    }

    /// Creates a covariate column in either storage.
    public init(name: String, column: NumericColumn) {
        self.name = name
        self.column = column
    }
}

/// One row of a balance table (one covariate), with MatchIt's columns for
/// `summary(m, standardize = TRUE)`.
///
/// Optional statistics are `nil` where MatchIt reports `NA` (or `NaN`, which it also prints
/// as `.`).
public struct BalanceRow: Sendable, Equatable, Codable {
    /// The covariate name.
    public var name: String
    /// `Means Treated`: weighted mean in the treated group.
    public var meanTreated: Double
    /// `Means Control`: weighted mean in the control group.
    public var meanControl: Double
    /// `Std. Mean Diff.`: the mean difference divided by the full-sample SD of the focal group.
    /// When the mean difference is within `sqrt(.Machine$double.eps)` of zero, MatchIt reports the
    /// raw (unstandardised) difference. `nil` when both groups have fewer than two units with
    /// non-zero weight.
    public var standardizedMeanDifference: Double?
    /// `Var. Ratio`: weighted treated variance over weighted control variance; `nil` for binary
    /// variables and when both groups have fewer than two weighted units.
    public var varianceRatio: Double?
    /// `eCDF Mean`: mean absolute difference of the weighted empirical CDFs, over distinct values.
    public var ecdfMean: Double?
    /// `eCDF Max`: maximum absolute difference of the weighted empirical CDFs (Kolmogorov–Smirnov).
    public var ecdfMax: Double?
    /// `Std. Pair Dist.`: mean absolute within-pair difference divided by the same scale as the
    /// standardised mean difference; `nil` in the unmatched table and when no matched sets are known.
    public var standardizedPairDistance: Double?

    /// Creates a balance row.
    public init(
        name: String, meanTreated: Double, meanControl: Double, standardizedMeanDifference: Double?,
        varianceRatio: Double?, ecdfMean: Double?, ecdfMax: Double?, standardizedPairDistance: Double?
    ) {
        self.name = name
        self.meanTreated = meanTreated
        self.meanControl = meanControl
        self.standardizedMeanDifference = standardizedMeanDifference
        self.varianceRatio = varianceRatio
        self.ecdfMean = ecdfMean
        self.ecdfMax = ecdfMax
        self.standardizedPairDistance = standardizedPairDistance
    }
}

/// A pair of sample-size figures, one per treatment group (a row of MatchIt's `nn` table).
public struct GroupCounts: Sendable, Equatable, Codable {
    /// The control-group figure.
    public var control: Double
    /// The treated-group figure.
    public var treated: Double

    /// Creates a pair of figures.
    public init(control: Double, treated: Double) {
        self.control = control
        self.treated = treated
    }
}

/// MatchIt's sample-size table (`summary(m)$nn`).
public struct SampleSizes: Sendable, Equatable, Codable {
    /// `All (ESS)`: effective sample size of the sampling weights (all 1 here, so equal to `all`).
    public var allESS: GroupCounts
    /// `All`: number of units, including discarded ones.
    public var all: GroupCounts
    /// `Matched (ESS)`: effective sample size `(Σw)² / Σw²` of the matching weights.
    public var matchedESS: GroupCounts
    /// `Matched`: number of units with a positive matching weight.
    public var matched: GroupCounts
    /// `Unmatched`: units with zero weight that were not discarded.
    public var unmatched: GroupCounts
    /// `Discarded`: units outside common support.
    public var discarded: GroupCounts

    /// Creates a sample-size table.
    public init(
        allESS: GroupCounts, all: GroupCounts, matchedESS: GroupCounts, matched: GroupCounts,
        unmatched: GroupCounts, discarded: GroupCounts
    ) {
        self.allESS = allESS
        self.all = all
        self.matchedESS = matchedESS
        self.matched = matched
        self.unmatched = unmatched
        self.discarded = discarded
    }
}

/// The result of `summarizeBalance`: MatchIt's `sum.all`, `sum.matched` and `nn`.
public struct BalanceSummary: Sendable, Codable {
    /// Balance in the full (unmatched) sample, every unit with weight 1 — discarded units included.
    public var all: [BalanceRow]
    /// Balance in the matched sample, weighted by the matching weights.
    public var matched: [BalanceRow]
    /// The sample-size table.
    public var sampleSizes: SampleSizes

    /// Creates a summary.
    public init(all: [BalanceRow], matched: [BalanceRow], sampleSizes: SampleSizes) {
        self.all = all
        self.matched = matched
        self.sampleSizes = sampleSizes
    }
}

/// A match matrix (MatchIt's `match.matrix`): for each focal unit (treated for the ATT,
/// control for the ATC), the units matched to it. With matching *with* replacement matched sets
/// overlap, so there is no `subclass`; MatchIt then computes pair distances from this matrix.
public struct MatchMatrix: Sendable, Equatable {
    /// Row index (0-based, into the unit arrays) of each focal unit.
    public var focalUnits: [Int]
    /// For each focal unit, the row indices of its matches in the order they were made
    /// (empty for an unmatched focal unit).
    public var matches: [[Int]]

    /// Creates a match matrix; `matches` must have one entry per focal unit.
    public init(focalUnits: [Int], matches: [[Int]]) {
        precondition(focalUnits.count == matches.count, "MatchMatrix: one list of matches per focal unit")
        self.focalUnits = focalUnits
        self.matches = matches
    }
}

/// The two eCDF balance statistics of one variable.
public struct ECDFStatistics: Sendable, Equatable, Codable {
    /// Mean of the absolute eCDF differences taken at each distinct value of the variable.
    public var mean: Double
    /// Largest absolute eCDF difference (the Kolmogorov–Smirnov statistic).
    public var max: Double

    /// Creates the pair of statistics.
    public init(mean: Double, max: Double) {
        self.mean = mean
        self.max = max
    }
}
