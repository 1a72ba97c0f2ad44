import Distributions
import RArithmetic

/// Welch's two-sample t test of the treated against the comparison group, unweighted, on the
/// units with positive weight: R's `t.test(y[treat], y[!treat])` (`var.equal = FALSE`).
///
/// `SE = √(s_T²/n_T + s_C²/n_C)` (sample variances), `t = (ȳ_T − ȳ_C)/SE`, Welch–Satterthwaite
/// `df = SE⁴ / (s_T⁴/(n_T²(n_T−1)) + s_C⁴/(n_C²(n_C−1)))`, `p = 2 P(T_df > |t|)`,
/// interval `(t ∓ t_{(1+level)/2, df}) · SE` as R forms it.
public struct WelchTest: Sendable, Equatable {
    public let treatedMean: Double
    public let comparisonMean: Double
    /// `ȳ_T − ȳ_C`.
    public let difference: Double
    public let standardError: Double
    public let statistic: Double
    public let degreesOfFreedom: Double
    public let pValue: Double
    public let lower: Double
    public let upper: Double
    public let level: Double

    /// - Throws: `tooFewUnits` (fewer than 2 units in a group); `zeroVariance` when R stops with
    ///   "data are essentially constant" (`SE < 10 ε max(|ȳ_T|, |ȳ_C|)`); `invalidArgument`.
    public init(_ sample: MatchedSample, level: Double = 0.95) throws {
        try validateLevel(level)
        var groups: [(mean: Double, variance: Double, n: Int)] = []
        for group in [Group.treated, .comparison] {
            let flag = group == .treated
            var values: [Double] = []
            for i in 0..<sample.count where sample.treated[i] == flag { values.append(sample.outcome[i]) }
            guard values.count >= 2 else { throw OutcomesError.tooFewUnits(group, needed: 2, found: values.count) }
            // Two-pass mean and variance, as R's mean() (with its refinement) and var().
            var s: ExtendedSum = 0
            for v in values { s += ExtendedSum(v) }
            var mean = s / ExtendedSum(values.count)
            var correction: ExtendedSum = 0
            for v in values { correction += ExtendedSum(v) - mean }
            mean += correction / ExtendedSum(values.count)
            let m = Double(mean)
            var ss: ExtendedSum = 0
            for v in values { ss += ExtendedSum((v - m) * (v - m)) }
            groups.append((m, Double(ss) / Double(values.count - 1), values.count))
        }
        let (mx, vx, nx) = groups[0], (my, vy, ny) = groups[1]
        let sex2 = vx / Double(nx), sey2 = vy / Double(ny)
        let stderr = (sex2 + sey2).squareRoot()
        guard stderr >= 10 * Double.ulpOfOne * max(abs(mx), abs(my)), stderr > 0 else {
            throw OutcomesError.zeroVariance("Welch t test (data are essentially constant)")
        }
        let df = stderr * stderr * stderr * stderr / (sex2 * sex2 / Double(nx - 1) + sey2 * sey2 / Double(ny - 1))
        let t = (mx - my) / stderr
        let q = StudentT.quantile((1 + level) / 2, degreesOfFreedom: df)
        treatedMean = mx
        comparisonMean = my
        difference = mx - my
        standardError = stderr
        statistic = t
        degreesOfFreedom = df
        pValue = StudentT.twoSidedPValue(t, degreesOfFreedom: df)
        lower = (t - q) * stderr
        upper = (t + q) * stderr
        self.level = level
    }
}

/// Two-sample test for equality of proportions of a 0/1 outcome, unweighted, on the units with
/// positive weight, with Yates' continuity correction: R's `prop.test(x, n)` with its defaults.
///
/// With `p̂ = (x_T + x_C)/(n_T + n_C)`, expected counts `E = (n p̂, n(1 − p̂))` per group and
/// `Y = min(½, |p̂_T − p̂_C| / (1/n_T + 1/n_C))`:
/// `X² = Σ (|O − E| − Y)² / E` on 1 df, `p = P(χ²₁ > X²)`; interval for `p̂_T − p̂_C`:
/// `± [z √(Σ p̂(1 − p̂)/n) + Y (1/n_T + 1/n_C)]`, clipped to `[−1, 1]`.
public struct ProportionTest: Sendable, Equatable {
    public let treatedSuccesses: Int
    public let comparisonSuccesses: Int
    public let treatedUnits: Int
    public let comparisonUnits: Int
    public let treatedProportion: Double
    public let comparisonProportion: Double
    /// `p̂_T − p̂_C`.
    public let difference: Double
    /// `X²`.
    public let statistic: Double
    public let degreesOfFreedom: Double
    public let pValue: Double
    public let lower: Double
    public let upper: Double
    public let level: Double

    /// - Throws: `notBinary`; `emptyGroup`; `zeroVariance` when every outcome is 0 or every
    ///   outcome is 1 (R's statistic is NaN there); `invalidArgument`.
    public init(_ sample: MatchedSample, level: Double = 0.95) throws {
        try validateLevel(level)
        try sample.requireBothGroups()
        var x = [0, 0], n = [0, 0]
        for i in 0..<sample.count {
            let y = sample.outcome[i]
            guard y == 0 || y == 1 else { throw OutcomesError.notBinary(unit: sample.sourceIndex[i], value: y) }
            let k = sample.treated[i] ? 0 : 1
            n[k] += 1
            if y == 1 { x[k] += 1 }
        }
        let total = Double(x[0] + x[1]) / Double(n[0] + n[1])
        guard total > 0, total < 1 else {
            throw OutcomesError.zeroVariance("proportion test (every outcome is \(total == 0 ? 0 : 1))")
        }
        let est = [Double(x[0]) / Double(n[0]), Double(x[1]) / Double(n[1])]
        let delta = est[0] - est[1]
        let sumInverse = 1 / Double(n[0]) + 1 / Double(n[1])
        let yates = min(0.5, abs(delta) / sumInverse)
        let z = Normal.quantile((1 + level) / 2)
        let width = z * (est[0] * (1 - est[0]) / Double(n[0]) + est[1] * (1 - est[1]) / Double(n[1])).squareRoot()
            + yates * sumInverse
        var stat = 0.0
        for k in 0..<2 {
            let observed = [Double(x[k]), Double(n[k] - x[k])]
            let expected = [Double(n[k]) * total, Double(n[k]) * (1 - total)]
            for j in 0..<2 {
                let d = abs(observed[j] - expected[j]) - yates
                stat += d * d / expected[j]
            }
        }
        treatedSuccesses = x[0]; comparisonSuccesses = x[1]
        treatedUnits = n[0]; comparisonUnits = n[1]
        treatedProportion = est[0]; comparisonProportion = est[1]
        difference = delta
        statistic = stat
        degreesOfFreedom = 1
        pValue = ChiSquare.survival(stat, degreesOfFreedom: 1)
        lower = max(delta - width, -1)
        upper = min(delta + width, 1)
        self.level = level
    }
}

/// Weighted z test of the difference in weighted means `m_T − m_C` (closed form).
///
/// Variance: the linearisation (sandwich) variance of each weighted mean,
/// `Var(m_g) = Σ_{i∈g} wᵢ² (yᵢ − m_g)² / (Σ_{i∈g} wᵢ)²`, summed over the two independent groups.
/// This equals the HC0 heteroskedasticity-robust variance of the treatment coefficient of the
/// weighted `lm(y ~ treat, weights = w)`, so the test reproduces R's
/// `lmtest::coeftest(fit, vcov. = sandwich::vcovHC(fit, type = "HC0"), df = Inf)`:
/// `z = (m_T − m_C)/SE`, `p = 2(1 − Φ(|z|))`, interval `± z_{(1+level)/2} SE`.
public struct WeightedZTest: Sendable, Equatable {
    public let difference: Double
    public let standardError: Double
    public let statistic: Double
    public let pValue: Double
    public let lower: Double
    public let upper: Double
    public let level: Double

    /// - Throws: `emptyGroup`; `zeroVariance` (both groups constant); `invalidArgument`.
    public init(_ sample: MatchedSample, level: Double = 0.95) throws {
        try validateLevel(level)
        try sample.requireBothGroups()
        let (t, c) = sample.totals()
        let mt = t.mean, mc = c.mean
        var st = 0.0, sc = 0.0
        for i in 0..<sample.count {
            let w = sample.weights[i]
            if sample.treated[i] {
                let d = w * (sample.outcome[i] - mt); st += d * d
            } else {
                let d = w * (sample.outcome[i] - mc); sc += d * d
            }
        }
        let variance = st / (t.weight * t.weight) + sc / (c.weight * c.weight)
        let estimate = try Estimate(estimate: mt - mc, standardError: variance.squareRoot(), reference: .normal,
                                    level: level, what: "weighted z test")
        difference = estimate.estimate
        standardError = estimate.standardError
        statistic = estimate.statistic
        pValue = estimate.pValue
        lower = estimate.lower
        upper = estimate.upper
        self.level = level
    }
}
