import LinearAlgebra
import RArithmetic

/// Weighted linear regression of the outcome on treatment, `y ~ treat`, as R's
/// `lm(y ~ treat, weights = w)` on the matched sample.
///
/// - Coefficients: weighted least squares `β = (X'WX)⁻¹ X'Wy`, which with one binary regressor
///   is `β₀ = m_C`, `β₁ = m_T − m_C` (the weighted means, computed as such).
/// - Model-based (classical) covariance: `σ̂² (X'WX)⁻¹`, `σ̂² = Σ wᵢ rᵢ² / (n − 2)`, t reference
///   with `n − 2` degrees of freedom (R's `summary.lm`, `confint.lm`).
/// - Cluster-robust covariance: `sandwich::vcovCL(fit, cluster = ~cluster)` defaults, type HC1:
///   `G/(G − 1) · (n − 1)/(n − 2) · B (Σ_g u_g u_gᵀ) B`, `u_g = Σ_{i∈g} wᵢ rᵢ xᵢ`,
///   `B = (X'WX)⁻¹`; statistics as `lmtest::coeftest(fit, vcov. = V)` and
///   `lmtest::coefci(fit, vcov. = V)`, which use the t distribution with the residual degrees of
///   freedom `n − 2` of the `lm`.
public struct LinearModelFit: Sendable {
    /// `β₀`, the weighted comparison mean.
    public let intercept: Double
    /// `β₁`, the weighted difference treated − comparison.
    public let effect: Double
    /// Units with positive weight.
    public let observations: Int
    /// `n − 2`.
    public let residualDegreesOfFreedom: Int
    /// Residual standard error `σ̂` (R's `summary(fit)$sigma`).
    public let sigma: Double
    /// Number of clusters behind `clusterRobust`.
    public let clusterCount: Int
    /// Classical inference.
    public let modelBased: CoefficientTable
    /// Cluster-robust inference.
    public let clusterRobust: CoefficientTable

    /// Inference under the chosen covariance.
    public func coefficients(_ estimator: VarianceEstimator) -> CoefficientTable {
        estimator == .modelBased ? modelBased : clusterRobust
    }

    /// The relative reduction `1 − m_T/m_C = −β₁/β₀` with a delta-method interval.
    ///
    /// `Var(−β₁/β₀) ≈ gᵀ V g` with gradient `g = (β₁/β₀², −1/β₀)` and `V` the chosen 2 × 2
    /// covariance; the interval is `RR ± t_{(1+level)/2, n−2} · SE` (the same t reference as the
    /// coefficients) and the statistic tests `RR = 0`.
    /// - Throws: `zeroComparisonMean` when `β₀ = 0`; `zeroVariance` when the SE is 0.
    public func relativeReduction(_ estimator: VarianceEstimator) throws -> Estimate {
        guard intercept != 0 else { throw OutcomesError.zeroComparisonMean }
        let table = coefficients(estimator)
        let v = table.covariance
        let g0 = effect / (intercept * intercept), g1 = -1 / intercept
        let variance = g0 * g0 * v[0] + g0 * g1 * (v[1] + v[2]) + g1 * g1 * v[3]
        return try Estimate(estimate: -effect / intercept, standardError: variance.squareRoot(),
                            reference: table.treatment.reference, level: table.treatment.level,
                            what: "relative reduction")
    }

    /// Fits `y ~ treat` with the matching weights.
    /// - Throws: `emptyGroup`; `tooFewObservations` (fewer than 3 units); `tooFewClusters`;
    ///   `zeroVariance` (constant outcome within groups); `invalidArgument` (level).
    public init(_ sample: MatchedSample, level: Double = 0.95) throws {
        try validateLevel(level)
        try sample.requireBothGroups()
        let n = sample.count
        guard n >= 3 else { throw OutcomesError.tooFewObservations(needed: 3, found: n) }
        guard sample.clusterCount >= 2 else { throw OutcomesError.tooFewClusters(found: sample.clusterCount) }
        let x = treatmentDesign(sample.treated)
        var scratch: [Double] = []
        let (_, cholesky) = try weightedInformation(x, weights: sample.weights, scratch: &scratch)
        let inverse = try cholesky.inverse()
        // The normal equations' solution in closed form, from extended-precision weighted sums:
        // β₀ = m_C, β₁ = m_T − m_C (exact where the arithmetic allows; a QR or Cholesky solve
        // would leave rounding noise of order ε·|m| in a zero effect).
        let (t, c) = sample.totals()
        let beta = [c.mean, t.mean - c.mean]
        let fitted = try multiply(x, beta)
        var scores = [Double](repeating: 0, count: n)
        var rss: ExtendedSum = 0
        for i in 0..<n {
            let r = sample.outcome[i] - fitted[i]
            scores[i] = sample.weights[i] * r
            rss += ExtendedSum(sample.weights[i] * r * r)
        }
        let df = n - 2
        let sigma2 = Double(rss) / Double(df)
        let reference = ReferenceDistribution.studentT(degreesOfFreedom: Double(df))
        intercept = beta[0]
        effect = beta[1]
        observations = n
        residualDegreesOfFreedom = df
        sigma = sigma2.squareRoot()
        clusterCount = sample.clusterCount
        modelBased = try coefficientTable(coefficients: beta, covariance: rowMajor(inverse, scaledBy: sigma2),
                                          reference: reference, level: level, model: "linear model")
        let g = Double(sample.clusterCount)
        let adjustment = g / (g - 1) * Double(n - 1) / Double(n - 2)
        let robust = try clusterRobustCovariance(design: x, scores: scores, inverseInformation: inverse,
                                                 clusterCode: sample.clusterCode, clusterCount: sample.clusterCount,
                                                 adjustment: adjustment)
        clusterRobust = try coefficientTable(coefficients: beta, covariance: robust, reference: reference,
                                             level: level, model: "linear model (cluster-robust)")
    }
}
