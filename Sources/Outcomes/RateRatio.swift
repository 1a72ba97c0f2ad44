import Distributions
import Foundation
import RArithmetic

// One inference on the contract's scale: the rate ratio RR = treated mean / comparison mean, and
// the reduction 1 − RR. The interval and the p-value come from one Wald test on log RR, so the
// interval excludes "no change" exactly when p < α, for a cohort and for the pool. The reasoning
// and the formulas are in docs/inference.md.

/// A Wald test of a log rate ratio with its interval: the one decision function of a cohort
/// (`RateRatioInference`) and of the pool (`PooledRateRatio`), and the one a design simulation
/// should call.
///
/// With `L` the log rate ratio, `SE` its standard error and `α` the significance level:
///
/// - `z = L / SE`, critical value `c = z_{1−α/2}` (`Normal.quantile(1 − α/2)`), `p = 2(1 − Φ(|z|))`
///   (`Normal.twoSidedPValue`, the same normal distribution);
/// - significant ⟺ `|z| > c` ⟺ `p < α` (strict: `|z| = c` is not significant);
/// - interval for the log ratio `L ± c·SE`, for the ratio `exp(L ± c·SE)`, for the reduction
///   `(1 − exp(L + c·SE), 1 − exp(L − c·SE))`.
///
/// Exactness at the boundary. The three readings of "significant" are made to agree in floating
/// point, not only in exact arithmetic:
/// - the log bounds are computed as `SE·(z − c)` and `SE·(z + c)`, whose signs are exactly those
///   of `z − c` and `z + c` (a floating-point difference is zero only for equal operands, and a
///   product with `SE > 0` keeps the sign), so the log interval excludes 0 exactly when `|z| > c`;
/// - the reduction bounds are `−expm1(·)` of the log bounds, which keeps their sign even for a
///   bound of 1e-17 (`1 − exp(x)` would round to 0 there);
/// - `p` is `Normal.twoSidedPValue(z)`; only where that function and `Normal.quantile` disagree by
///   rounding (|z| within a few ulps of `c`, so `p` within a few ulps of `α`) is `p` held on the
///   side of `α` that `|z| > c` decides: `α` itself when not significant, the double just below
///   `α` when significant. Elsewhere `p` is exactly the function's value.
///
/// The ratio bounds `exp(·)` are for display: within about 1e-16 of 1 they can round to 1.
public struct LogRatioWaldTest: Sendable, Equatable {
    /// `L`, the log rate ratio (treated over comparison).
    public let logRatio: Double
    /// `SE` of `L`.
    public let standardError: Double
    /// `z = L / SE`.
    public let statistic: Double
    /// `α`.
    public let significanceLevel: Double
    /// `c = z_{1−α/2}`.
    public let criticalValue: Double
    /// Two-sided normal p-value of `z` (see the type's notes on the boundary).
    public let pValue: Double
    /// `|z| > c`, equivalently `p < α`, equivalently the interval excludes no change.
    public let isSignificant: Bool
    /// `L − c·SE`, computed as `SE·(z − c)`.
    public let logLower: Double
    /// `L + c·SE`, computed as `SE·(z + c)`.
    public let logUpper: Double
    /// `1 − exp(logUpper)`: the lower end of the reduction interval.
    public let reductionLower: Double
    /// `1 − exp(logLower)`: the upper end of the reduction interval.
    public let reductionUpper: Double

    /// `1 − α`.
    public var confidenceLevel: Double { 1 - significanceLevel }
    /// `exp(L)`.
    public var rateRatio: Double { exp(logRatio) }
    /// `exp(L − c·SE)`.
    public var rateRatioLower: Double { exp(logLower) }
    /// `exp(L + c·SE)`.
    public var rateRatioUpper: Double { exp(logUpper) }
    /// `1 − exp(L)`: the reduction at the centre of the test (for a cohort, the reduction itself
    /// up to rounding; for the pool, not the contract's pooled reduction: see `PooledRateRatio`).
    public var centreReduction: Double { -expm1(logRatio) }
    /// Whether the reduction interval lies wholly above zero (a significant reduction).
    public var isSignificantReduction: Bool { reductionLower > 0 }
    /// Whether the reduction interval lies wholly below zero (a significant increase).
    public var isSignificantIncrease: Bool { reductionUpper < 0 }

    /// - Throws: `invalidArgument` unless `0 < α < 1` and `L` is finite; `zeroVariance` unless
    ///   `SE` is finite and positive and `z` finite.
    public init(logRatio: Double, standardError: Double, significanceLevel alpha: Double) throws {
        guard alpha > 0, alpha < 1 else { throw OutcomesError.invalidArgument("significance level \(alpha) is not in (0, 1)") }
        guard logRatio.isFinite else { throw OutcomesError.invalidArgument("log rate ratio \(logRatio) is not finite") }
        let z = logRatio / standardError
        guard standardError.isFinite, standardError > 0, z.isFinite else {
            throw OutcomesError.zeroVariance("log rate ratio (standard error \(standardError))")
        }
        let c = Normal.quantile(1 - alpha / 2)
        let significant = abs(z) > c
        var p = Normal.twoSidedPValue(z)
        if significant && !(p < alpha) { p = alpha.nextDown }
        if !significant && p < alpha { p = alpha }
        self.logRatio = logRatio
        self.standardError = standardError
        statistic = z
        significanceLevel = alpha
        criticalValue = c
        pValue = p
        isSignificant = significant
        logLower = Self.signExactProduct(standardError, z - c)
        logUpper = Self.signExactProduct(standardError, z + c)
        reductionLower = -expm1(logUpper)
        reductionUpper = -expm1(logLower)
    }

    /// `s·d` for `s > 0`, never rounded to zero when `d ≠ 0` (an underflow that cannot occur for
    /// a standard error of a rate ratio, but the sign is what the decision reads).
    static func signExactProduct(_ s: Double, _ d: Double) -> Double {
        let product = s * d
        return product == 0 && d != 0 ? (d > 0 ? Double.leastNonzeroMagnitude : -Double.leastNonzeroMagnitude) : product
    }
}

/// The rate ratio of one cohort and its test: a Wald test on `log RR` from the weighted regression
/// `y ~ treat` and its cluster-robust covariance.
///
/// From `LinearModelFit` (R's `lm(y ~ treat, weights = w)`), `b₀` = comparison mean,
/// `b₁` = treated − comparison, and `V` its cluster-robust covariance (`fit.clusterRobust`:
/// `sandwich::vcovCL(fit, cluster = ~subclass)` after matching without replacement;
/// `vcovCL(fit, cluster = ~subclass + id)` on `get_matches()` rows after matching with
/// replacement):
///
///     RR = (b₀ + b₁)/b₀,   reduction = 1 − RR,
///     log RR = log(b₀ + b₁) − log(b₀),
///     g = (1/(b₀ + b₁) − 1/b₀,  1/(b₀ + b₁)),   SE = √(gᵀ V g)   (delta method on the log scale),
///
/// then `LogRatioWaldTest(logRatio: log RR, standardError: SE, significanceLevel: α)`: `z`, `p`
/// and the interval `exp(log RR ± z_{1−α/2} SE)`, reported as the reduction interval
/// `(1 − upper, 1 − lower)`. Not estimable when either mean is ≤ 0 (`nonPositiveMean`: the
/// logarithm is undefined) or when `gᵀ V g` is not positive (`zeroVariance`).
///
/// Why the log ratio and not Fieller's interval for `(b₀ + b₁)/b₀`: the log-ratio interval is
/// always bounded and ordered (Fieller's is unbounded or the complement of an interval when the
/// comparison mean is not clearly away from zero); it keeps the ratio positive; independent
/// cohorts pool as a weighted sum of log ratios (`PooledRateRatio`); and it is the scale of the
/// Poisson and negative binomial rate ratios reported beside it. See docs/inference.md.
public struct RateRatioInference: Sendable, Equatable {
    /// `b₀`, the weighted comparison mean.
    public let comparisonMean: Double
    /// `b₀ + b₁`, the weighted treated mean.
    public let treatedMean: Double
    /// `RR = (b₀ + b₁)/b₀`.
    public let rateRatio: Double
    /// The Wald test on `log RR`.
    public let test: LogRatioWaldTest

    /// `1 − RR`, the relative reduction (the contract's exact reduction is computed elsewhere, in
    /// rational arithmetic; this one is in doubles).
    public var reduction: Double { 1 - rateRatio }

    /// The test from a fit's cluster-robust covariance.
    /// - Throws: see `init(intercept:effect:covariance:significanceLevel:)`.
    public init(fit: LinearModelFit, significanceLevel: Double) throws {
        try self.init(intercept: fit.intercept, effect: fit.effect, covariance: fit.clusterRobust.covariance,
                      significanceLevel: significanceLevel)
    }

    /// The test from the coefficients `b₀`, `b₁` of `y ~ treat` and their 2 × 2 covariance
    /// (row-major `[v₀₀, v₀₁, v₁₀, v₁₁]`).
    /// - Throws: `nonPositiveMean` when `b₀ ≤ 0` or `b₀ + b₁ ≤ 0`; `zeroVariance` when `gᵀ V g`
    ///   is not positive and finite; `invalidArgument` (significance level, covariance size).
    public init(intercept b0: Double, effect b1: Double, covariance v: [Double], significanceLevel: Double) throws {
        guard v.count == 4 else { throw OutcomesError.invalidArgument("a 2 x 2 covariance has 4 entries, got \(v.count)") }
        let treated = b0 + b1
        guard b0 > 0 else { throw OutcomesError.nonPositiveMean(.comparison, value: b0) }
        guard treated > 0 else { throw OutcomesError.nonPositiveMean(.treated, value: treated) }
        let g0 = 1 / treated - 1 / b0, g1 = 1 / treated
        let variance = g0 * g0 * v[0] + g0 * g1 * (v[1] + v[2]) + g1 * g1 * v[3]
        guard variance.isFinite, variance > 0 else { throw OutcomesError.zeroVariance("log rate ratio (variance \(variance))") }
        comparisonMean = b0
        treatedMean = treated
        rateRatio = treated / b0
        test = try LogRatioWaldTest(logRatio: log(treated) - log(b0), standardError: variance.squareRoot(),
                                    significanceLevel: significanceLevel)
    }
}

/// The pooled test across cohorts: a weighted sum of the cohorts' log rate ratios.
///
/// Cohorts are independent samples (different people released in different windows). With the
/// contract's weights `w_k = n_k / Σ n` (`n_k` = matched treated people of cohort `k`):
///
///     L = Σ w_k log RR_k,   Var(L) = Σ w_k² SE_k²,   SE = √Var(L),
///
/// then `LogRatioWaldTest(logRatio: L, standardError: SE, significanceLevel: α)`: `z = L/SE`,
/// `p`, and the interval `exp(L ± z_{1−α/2} SE)` shown as the reduction interval
/// `(1 − exp(L + z SE), 1 − exp(L − z SE))`. The sums are R's `sum()` (extended precision).
///
/// This is the significance test of the pooled result. Its centre `1 − exp(L)` (a weighted
/// geometric mean of the ratios) differs slightly from the contract's pooled reduction
/// `Σ w_k (1 − RR_k)` (a weighted arithmetic mean of the reductions, decided exactly elsewhere);
/// for reductions of 8-16% the two differ in the third decimal place. The trigger compares the
/// contract's pooled reduction with its threshold; this test says whether the pooled result is
/// distinguishable from no change.
public struct PooledRateRatio: Sendable, Equatable {
    /// `n_k`, in cohort order.
    public let matchedTreated: [Int]
    /// `w_k = n_k / Σ n`.
    public let weights: [Double]
    /// `log RR_k`.
    public let logRatios: [Double]
    /// `SE_k`.
    public let standardErrors: [Double]
    /// The Wald test of `L`.
    public let test: LogRatioWaldTest

    /// The pool of the cohorts' tests.
    /// - Throws: see `init(logRatios:standardErrors:matchedTreated:significanceLevel:)`.
    public init(cohorts: [RateRatioInference], matchedTreated: [Int], significanceLevel: Double) throws {
        try self.init(logRatios: cohorts.map(\.test.logRatio), standardErrors: cohorts.map(\.test.standardError),
                      matchedTreated: matchedTreated, significanceLevel: significanceLevel)
    }

    /// The pool of log ratios with their standard errors.
    /// - Throws: `lengthMismatch`; `invalidArgument` (no cohort, `n_k` ≤ 0, a non-finite log ratio
    ///   or significance level outside (0, 1)); `zeroVariance` (a standard error not positive).
    public init(logRatios: [Double], standardErrors: [Double], matchedTreated: [Int], significanceLevel: Double) throws {
        let k = logRatios.count
        guard standardErrors.count == k, matchedTreated.count == k else {
            throw OutcomesError.lengthMismatch("\(k) log ratios, \(standardErrors.count) standard errors, \(matchedTreated.count) cohort sizes")
        }
        guard k > 0 else { throw OutcomesError.invalidArgument("the pool needs at least one cohort") }
        for (i, n) in matchedTreated.enumerated() where n <= 0 {
            throw OutcomesError.invalidArgument("cohort \(i + 1) has \(n) matched treated people")
        }
        for (i, se) in standardErrors.enumerated() where !(se.isFinite && se > 0) {
            throw OutcomesError.zeroVariance("log rate ratio of cohort \(i + 1) (standard error \(se))")
        }
        let total = Double(matchedTreated.reduce(0, +))
        let w = matchedTreated.map { Double($0) / total }
        var sum: ExtendedSum = 0, variance: ExtendedSum = 0
        for i in 0..<k {
            sum += ExtendedSum(w[i] * logRatios[i])
            variance += ExtendedSum(w[i] * w[i] * (standardErrors[i] * standardErrors[i]))
        }
        self.matchedTreated = matchedTreated
        weights = w
        self.logRatios = logRatios
        self.standardErrors = standardErrors
        test = try LogRatioWaldTest(logRatio: Double(sum), standardError: Double(variance).squareRoot(),
                                    significanceLevel: significanceLevel)
    }
}
