import Distributions
import Foundation

/// Which alternative a significance test is designed against.
///
/// Designs here are always about a *reduction* (fewer events, or a lower proportion, in the
/// treated cohort than in its comparison group).
public enum Alternative: String, Sendable, Equatable, CaseIterable {
    /// `H₁: μ_T ≠ μ_C`, critical value `z_{1−α/2}`.
    case twoSided = "two-sided"
    /// `H₁: μ_T < μ_C`, critical value `z_{1−α}`.
    case oneSided = "one-sided"

    /// The critical value `z_{1−α/2}` (two-sided) or `z_{1−α}` (one-sided) of a z test at level `α`.
    public func criticalValue(_ alpha: Double) -> Double {
        Normal.quantile(1 - (self == .twoSided ? alpha / 2 : alpha))
    }

    /// The p-value of a z statistic that is positive when the treated cohort does better:
    /// `2(1 − Φ(|z|))` (two-sided) or `1 − Φ(z)` (one-sided).
    public func pValue(_ z: Double) -> Double {
        self == .twoSided ? Normal.twoSidedPValue(z) : Normal.survival(z)
    }
}

/// Why a design calculation could not be done.
public enum DesignError: Error, Equatable, CustomStringConvertible {
    /// An input outside its domain (the message names it).
    case invalidArgument(String)
    /// No relative reduction below 100% reaches the requested power with these sizes.
    case notDetectable(power: Double, maximumPower: Double)

    public var description: String {
        switch self {
        case .invalidArgument(let message):
            return message
        case .notDetectable(let power, let maximum):
            return "no reduction below 100% reaches power \(power) (power at a 100% reduction is \(maximum))"
        }
    }
}

/// Planning assumptions for a count outcome (reconviction events per person) compared between a
/// treated cohort and its comparison group.
///
/// Counts are negative binomial with mean `μ` and size (dispersion) `θ`, so a person's count has
/// variance `V(μ) = μ + μ²/θ`; `θ = .infinity` is the Poisson case `V(μ) = μ`. The comparison group
/// has mean `μ_C = baselineRate`; a true relative reduction `δ` gives the treated cohort mean
/// `μ_T = (1 − δ) μ_C`.
///
/// The test is the Wald (z) test of the difference in means `D = ȳ_C − ȳ_T` with
/// `SE(δ)² = V(μ_T)/n_T + V(μ_C)/n_C`, each variance evaluated at its own group's mean.
/// Its power against `δ` is
///
/// - one-sided, and two-sided with `strict == false` (the usual convention, R's default):
///   `Φ(Δ/SE − z)`, `Δ = δ μ_C`;
/// - two-sided with `strict == true`: `Φ(Δ/SE − z) + Φ(−Δ/SE − z)` (both rejection regions),
///
/// with `z` the critical value of `alternative` at `significanceLevel`.
public struct CountOutcomeAssumptions: Sendable, Equatable {
    /// Mean events per person in the comparison group, `μ_C` (Peterborough: 1.55).
    public var baselineRate: Double
    /// Negative binomial size `θ > 0`; `.infinity` for Poisson counts.
    public var dispersion: Double
    /// People in the treated cohort, `n_T`.
    public var cohortSize: Int
    /// People in the comparison group, `n_C` (with 1:k matching, `k n_T`).
    public var comparisonSize: Int
    /// Significance level `α` of the test.
    public var significanceLevel: Double
    /// Target power `1 − β` used by `minimumDetectableReduction()`.
    public var power: Double
    /// One- or two-sided test.
    public var alternative: Alternative
    /// Whether two-sided power counts the rejection region on the wrong side (R's `strict`).
    public var strict: Bool

    public init(baselineRate: Double, dispersion: Double, cohortSize: Int, comparisonSize: Int,
                significanceLevel: Double = 0.05, power: Double = 0.80,
                alternative: Alternative = .twoSided, strict: Bool = false) {
        self.baselineRate = baselineRate
        self.dispersion = dispersion
        self.cohortSize = cohortSize
        self.comparisonSize = comparisonSize
        self.significanceLevel = significanceLevel
        self.power = power
        self.alternative = alternative
        self.strict = strict
    }

    /// Checks every input's domain.
    public func validate() throws {
        guard baselineRate > 0, baselineRate.isFinite else {
            throw DesignError.invalidArgument("the baseline rate must be positive and finite, got \(baselineRate)")
        }
        guard dispersion > 0, !dispersion.isNaN else {
            throw DesignError.invalidArgument("the dispersion (size) must be positive or infinite, got \(dispersion)")
        }
        guard cohortSize >= 1, comparisonSize >= 1 else {
            throw DesignError.invalidArgument("group sizes must be at least 1, got \(cohortSize) and \(comparisonSize)")
        }
        try validateLevels(significanceLevel, power)
    }

    /// Variance of one person's count at mean `μ`: `μ + μ²/θ` (`μ` when `θ = ∞`).
    public func variance(mean mu: Double) -> Double {
        dispersion.isInfinite ? mu : mu + mu * mu / dispersion
    }

    /// `SE(δ) = √(V(μ_T)/n_T + V(μ_C)/n_C)` of the difference in means.
    public func standardError(relativeReduction delta: Double) -> Double {
        let muC = baselineRate, muT = (1 - delta) * baselineRate
        return (variance(mean: muT) / Double(cohortSize) + variance(mean: muC) / Double(comparisonSize)).squareRoot()
    }

    /// Power of the Wald test against a true relative reduction `δ` (formula in the type's notes).
    public func power(relativeReduction delta: Double) -> Double {
        let z = alternative.criticalValue(significanceLevel)
        let x = delta * baselineRate / standardError(relativeReduction: delta)
        return rejectionProbability(x: x, z: z, alternative: alternative, strict: strict)
    }

    /// The smallest true relative reduction `δ ∈ (0, 1)` whose power is `power`: the root of
    /// `power(relativeReduction:) − power`, found to full double precision by bisection (see
    /// `solveIncreasing`). Power increases with `δ` here (`Δ/SE` does: the numerator grows and
    /// `V(μ_T)` shrinks), so the root is unique.
    /// - Throws: `invalidArgument`; `notDetectable` when even `δ → 1` falls short.
    public func minimumDetectableReduction() throws -> Double {
        try validate()
        return try solveIncreasing(target: power) { self.power(relativeReduction: $0) }
    }

    /// The same minimum detectable reduction in closed form, valid for the one-sided rejection
    /// region (`strict == false` or a one-sided test): `Δ = K·SE(δ)` with `K = z + z_{power}`
    /// squared is the quadratic `A δ² + B δ + C = 0` in `δ`, with `g = 1/θ`, `a = μ_C`:
    ///
    /// `A = a (1 − K² g / n_T)`, `B = K² (1 + 2 a g) / n_T`, `C = −K² (1 + a g)(1/n_T + 1/n_C)`,
    ///
    /// and `δ = (−B + √(B² − 4AC)) / 2A`. Returns `nil` when that root is not in `(0, 1)`.
    public func closedFormMinimumDetectableReduction() -> Double? {
        let k = alternative.criticalValue(significanceLevel) + Normal.quantile(power)
        let k2 = k * k, a = baselineRate
        let g = dispersion.isInfinite ? 0 : 1 / dispersion
        let nT = Double(cohortSize), nC = Double(comparisonSize)
        let qa = a * (1 - k2 * g / nT)
        let qb = k2 * (1 + 2 * a * g) / nT
        let qc = -k2 * (1 + a * g) * (1 / nT + 1 / nC)
        let disc = qb * qb - 4 * qa * qc
        guard qa > 0, disc >= 0 else { return nil }
        // Stable form of (−B + √disc)/(2A) for C < 0: 2C / (−B − √disc).
        let root = 2 * qc / (-qb - disc.squareRoot())
        return root > 0 && root < 1 ? root : nil
    }

    /// The observed relative reduction `r̂ = 1 − ȳ_T/ȳ_C` that is just significant when there is no
    /// effect: `z · SE(0) / μ_C`, with `SE(0)² = V(μ_C)(1/n_T + 1/n_C)`.
    public var criticalReduction: Double {
        alternative.criticalValue(significanceLevel) * standardError(relativeReduction: 0) / baselineRate
    }

    /// Large-sample standard deviation of the estimated relative reduction `r̂ = 1 − ȳ_T/ȳ_C` under a
    /// true reduction `δ` (delta method):
    /// `Var(r̂) ≈ V(μ_T)/(n_T μ_C²) + μ_T² V(μ_C)/(n_C μ_C⁴)`.
    public func reductionStandardDeviation(relativeReduction delta: Double) -> Double {
        let muC = baselineRate, muT = (1 - delta) * baselineRate
        let v = variance(mean: muT) / (Double(cohortSize) * muC * muC)
            + muT * muT * variance(mean: muC) / (Double(comparisonSize) * muC * muC * muC * muC)
        return v.squareRoot()
    }

    /// Moments of the log ratio `L = log(ȳ_T/ȳ_C)` when each group mean is approximated by the
    /// lognormal with its exact mean `μ` and variance `V(μ)/n`: `log ȳ ~ N(log μ − σ²/2, σ²)`,
    /// `σ² = log(1 + V(μ)/(n μ²))`, so `L ~ N(log(μ_T/μ_C) − σ_T²/2 + σ_C²/2, σ_T² + σ_C²)`.
    /// (`nil` when `δ ≥ 1`: no events in the treated cohort.)
    public func logRatioMoments(relativeReduction delta: Double) -> (mean: Double, variance: Double)? {
        let muC = baselineRate, muT = (1 - delta) * baselineRate
        guard muT > 0 else { return nil }
        let s2T = log1p(variance(mean: muT) / (Double(cohortSize) * muT * muT))
        let s2C = log1p(variance(mean: muC) / (Double(comparisonSize) * muC * muC))
        return (log(muT / muC) - s2T / 2 + s2C / 2, s2T + s2C)
    }

    /// Approximate probability that the estimated relative reduction `r̂ = 1 − ȳ_T/ȳ_C` reaches
    /// `threshold` (a payment trigger such as 10%) when the true reduction is `δ`:
    /// `P(L ≤ log(1 − threshold)) = Φ((log(1 − threshold) − m)/s)` with `(m, s²)` from
    /// `logRatioMoments`. The lognormal form keeps the skewness of a ratio of means, which the
    /// symmetric delta-method normal on `r̂` misses (that overstates the chance of a spurious 10% by
    /// a fifth at Peterborough's sizes; against simulation this one is within Monte Carlo error).
    public func probabilityOfReaching(_ threshold: Double, relativeReduction delta: Double) -> Double {
        guard threshold < 1 else { return threshold == 1 && delta >= 1 ? 1 : 0 }
        guard let (m, v) = logRatioMoments(relativeReduction: delta) else { return 1 }
        return Normal.cdf((log1p(-threshold) - m) / v.squareRoot())
    }

    /// Assumptions for `k` equal cohorts pooled: sizes multiplied by `k`. For equal cohorts the
    /// Wald test of the size-weighted mean difference `Σ w_j D_j` has `SE² = Σ w_j² SE_j² = SE₁²/k`,
    /// exactly the single-cohort formula with `k n_T` and `k n_C`.
    public func pooled(cohorts k: Int) -> CountOutcomeAssumptions {
        var copy = self
        copy.cohortSize = k * cohortSize
        copy.comparisonSize = k * comparisonSize
        return copy
    }
}

/// How the variance of a difference in proportions is formed under the null hypothesis.
public enum NullVariance: String, Sendable, Equatable, CaseIterable {
    /// Pooled proportion `p̄ = (n_T p_T + n_C p_C)/(n_T + n_C)`:
    /// `SE₀² = p̄(1 − p̄)(1/n_T + 1/n_C)` (the score test; R's `power.prop.test` and `prop.test`).
    case pooled
    /// The unpooled (Wald) variance, the same as under the alternative.
    case unpooled
}

/// Planning assumptions for a binary outcome (reconvicted within a year or not).
///
/// The comparison group has proportion `p_C = baselineProportion`; a true relative reduction `δ`
/// gives `p_T = (1 − δ) p_C`. The test rejects when `(p̂_C − p̂_T)/SE₀ > z`, and its power is
///
/// `Φ((Δ − z SE₀)/SE₁)` [`+ Φ((−Δ − z SE₀)/SE₁)` two-sided with `strict`],
///
/// `Δ = p_C − p_T`, `SE₁² = p_T(1 − p_T)/n_T + p_C(1 − p_C)/n_C`, `SE₀` as `nullVariance` says.
/// With equal group sizes and `.pooled` this is R's `power.prop.test` exactly.
public struct BinaryOutcomeAssumptions: Sendable, Equatable {
    /// Proportion with the event in the comparison group, `p_C` (Peterborough designers: 0.60).
    public var baselineProportion: Double
    /// People in the treated cohort, `n_T`.
    public var cohortSize: Int
    /// People in the comparison group, `n_C`.
    public var comparisonSize: Int
    public var significanceLevel: Double
    public var power: Double
    public var alternative: Alternative
    public var strict: Bool
    public var nullVariance: NullVariance

    public init(baselineProportion: Double, cohortSize: Int, comparisonSize: Int,
                significanceLevel: Double = 0.05, power: Double = 0.80,
                alternative: Alternative = .twoSided, strict: Bool = false,
                nullVariance: NullVariance = .pooled) {
        self.baselineProportion = baselineProportion
        self.cohortSize = cohortSize
        self.comparisonSize = comparisonSize
        self.significanceLevel = significanceLevel
        self.power = power
        self.alternative = alternative
        self.strict = strict
        self.nullVariance = nullVariance
    }

    /// Checks every input's domain.
    public func validate() throws {
        guard baselineProportion > 0, baselineProportion < 1 else {
            throw DesignError.invalidArgument("the baseline proportion must be in (0, 1), got \(baselineProportion)")
        }
        guard cohortSize >= 1, comparisonSize >= 1 else {
            throw DesignError.invalidArgument("group sizes must be at least 1, got \(cohortSize) and \(comparisonSize)")
        }
        try validateLevels(significanceLevel, power)
    }

    /// Power against a true relative reduction `δ` (formula in the type's notes).
    public func power(relativeReduction delta: Double) -> Double {
        let pC = baselineProportion, pT = (1 - delta) * pC
        let nT = Double(cohortSize), nC = Double(comparisonSize)
        let d = pC - pT
        let se1 = (pT * (1 - pT) / nT + pC * (1 - pC) / nC).squareRoot()
        let se0: Double
        switch nullVariance {
        case .pooled:
            let pBar = (nT * pT + nC * pC) / (nT + nC)
            se0 = (pBar * (1 - pBar) * (1 / nT + 1 / nC)).squareRoot()
        case .unpooled:
            se0 = se1
        }
        let z = alternative.criticalValue(significanceLevel)
        var result = Normal.cdf((d - z * se0) / se1)
        if strict && alternative == .twoSided { result += Normal.survival((d + z * se0) / se1) }
        return result
    }

    /// The smallest true relative reduction `δ ∈ (0, 1)` with power `power`, to full double
    /// precision (see `solveIncreasing`: a grid finds the first crossing, bisection refines it).
    /// - Throws: `invalidArgument`; `notDetectable` when even `δ = 1` falls short.
    public func minimumDetectableReduction() throws -> Double {
        try validate()
        return try solveIncreasing(target: power) { self.power(relativeReduction: $0) }
    }

    /// Assumptions for `k` equal cohorts pooled (sizes multiplied by `k`).
    public func pooled(cohorts k: Int) -> BinaryOutcomeAssumptions {
        var copy = self
        copy.cohortSize = k * cohortSize
        copy.comparisonSize = k * comparisonSize
        return copy
    }
}

func validateLevels(_ alpha: Double, _ power: Double) throws {
    guard alpha > 0, alpha < 1 else {
        throw DesignError.invalidArgument("the significance level must be in (0, 1), got \(alpha)")
    }
    guard power > 0, power < 1 else {
        throw DesignError.invalidArgument("the power must be in (0, 1), got \(power)")
    }
}

/// Probability that a z test with critical value `z` rejects when the standardized true
/// difference is `x`: `Φ(x − z)`, plus `Φ(−x − z)` for a strict two-sided test.
func rejectionProbability(x: Double, z: Double, alternative: Alternative, strict: Bool) -> Double {
    var result = Normal.cdf(x - z)
    if strict && alternative == .twoSided { result += Normal.survival(x + z) }
    return result
}

/// The smallest `δ ∈ (0, 1)` with `f(δ) = target`, for `f` that increases through the target.
///
/// A grid of 256 points locates the first `δ` with `f(δ) ≥ target` (so that, should `f` not be
/// monotone, the smallest root is found), then bisection halves the bracket until its ends are
/// adjacent doubles (at most ~60 steps): the result is the exact root to within one ulp.
/// - Throws: `invalidArgument` when `f(0) ≥ target`; `notDetectable` when `f(1) < target` (`f` is evaluated at `1` itself, or at the largest
///   double below 1 when `f(1)` is not finite).
func solveIncreasing(target: Double, _ f: (Double) -> Double) throws -> Double {
    let atZero = f(0)
    guard atZero < target else {
        throw DesignError.invalidArgument("the power \(target) must exceed the test's rejection probability with no effect, \(atZero)")
    }
    let grid = 256
    var lo = 0.0, hi = -1.0
    for i in 1...grid {
        let x = i == grid ? 1.0 : Double(i) / Double(grid)
        var value = f(x)
        if i == grid && !value.isFinite { value = f(1.0.nextDown) }
        if value >= target { hi = x; break }
        lo = x
    }
    guard hi > 0 else {
        var top = f(1)
        if !top.isFinite { top = f(1.0.nextDown) }
        throw DesignError.notDetectable(power: target, maximumPower: top)
    }
    // Invariant: f(lo) < target <= f(hi).
    while true {
        let mid = lo + (hi - lo) / 2
        if mid <= lo || mid >= hi { break }
        if f(mid) >= target { hi = mid } else { lo = mid }
    }
    // Return whichever end is closer to the target.
    return abs(f(lo) - target) < abs(f(hi) - target) ? lo : hi
}
