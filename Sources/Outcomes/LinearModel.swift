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
/// - After matching with replacement (`init(_: MatchedSetRows, level:)`): the same model on
///   MatchIt's `get_matches()` rows, with the two-way cluster-robust covariance
///   `sandwich::vcovCL(fit, cluster = ~subclass + id)` (matched set and unit; see
///   `multiwayClusterRobustCovariance`).
public struct LinearModelFit: Sendable {
    /// The clustering behind `clusterRobust`.
    public enum Clustering: Sendable, Equatable {
        /// One-way, by the sample's clusters (matched sets, or each unit alone).
        case oneWay(clusters: Int)
        /// Two-way, by matched set and by unit (`get_matches()` rows after matching with
        /// replacement); `rows` is the number of (set, unit) pairs.
        case setAndUnit(sets: Int, units: Int, rows: Int)
    }

    /// `β₀`, the weighted comparison mean.
    public let intercept: Double
    /// `β₁`, the weighted difference treated − comparison.
    public let effect: Double
    /// Units with positive weight (rows of the `get_matches()` data for a two-way fit).
    public let observations: Int
    /// `n − 2`.
    public let residualDegreesOfFreedom: Int
    /// Residual standard error `σ̂` (R's `summary(fit)$sigma`).
    public let sigma: Double
    /// Number of clusters behind `clusterRobust` (matched sets for a two-way fit).
    public let clusterCount: Int
    /// The clustering behind `clusterRobust`.
    public let clustering: Clustering
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
    /// Its interval (on the ratio) and the coefficient table's p-value (on the difference) are two
    /// different tests that can disagree; for a decision use `RateRatioInference`, one Wald test
    /// on the log rate ratio (docs/inference.md).
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
        try self.init(sample, level: level, clustering: .oneWay(clusters: sample.clusterCount), minimumClusters: {
            guard sample.clusterCount >= 2 else { throw OutcomesError.tooFewClusters(found: sample.clusterCount) }
        }) { x, scores, inverse in
            let n = Double(sample.count), g = Double(sample.clusterCount)
            let adjustment = g / (g - 1) * (n - 1) / (n - 2)
            return try clusterRobustCovariance(design: x, scores: scores, inverseInformation: inverse,
                                               clusterCode: sample.clusterCode, clusterCount: sample.clusterCount,
                                               adjustment: adjustment)
        }
    }

    /// Fits `y ~ treat` on the `get_matches()` rows of a match with replacement, with the two-way
    /// cluster-robust covariance by matched set and by unit: R's
    /// `lm(y ~ treat, data = gm, weights = weights)` and
    /// `sandwich::vcovCL(fit, cluster = ~subclass + id)`, i.e. `V_set + V_unit − V_set∩unit`, each
    /// with its `G/(G − 1)`, times `(n − 1)/(n − 2)` over the `n` rows
    /// (`multiwayClusterRobustCovariance`). The coefficients are the weighted means of the
    /// one-row-per-unit sample (see `MatchedSetRows`); the model-based table is R's `vcov(fit)` on
    /// the expanded rows.
    /// - Throws: as `init(_: MatchedSample, level:)`, `tooFewClusters` when there are fewer than two
    ///   matched sets or fewer than two units; `zeroVariance` also when the two-way variance of a
    ///   coefficient is not positive (the inclusion-exclusion sum need not be).
    public init(_ rows: MatchedSetRows, level: Double = 0.95) throws {
        let sample = try rows.sample()
        let clustering = Clustering.setAndUnit(sets: rows.setCount, units: rows.unitCount, rows: rows.count)
        try self.init(sample, level: level, clustering: clustering, minimumClusters: {
            guard rows.setCount >= 2 else { throw OutcomesError.tooFewClusters(found: rows.setCount) }
            guard rows.unitCount >= 2 else { throw OutcomesError.tooFewClusters(found: rows.unitCount) }
        }) { x, scores, inverse in
            // Unit codes 0..<unitCount in order of first appearance, and the (set, unit) pairs.
            var unitCode: [Int: Int] = [:], pairCode: [Int64: Int] = [:]
            var units: [Int] = [], pairs: [Int] = []
            units.reserveCapacity(rows.count); pairs.reserveCapacity(rows.count)
            for r in 0..<rows.count {
                let u = unitCode[rows.unit[r]] ?? unitCode.count
                unitCode[rows.unit[r]] = u
                units.append(u)
                let key = Int64(rows.set[r]) << 32 | Int64(u)
                let c = pairCode[key] ?? pairCode.count
                pairCode[key] = c
                pairs.append(c)
            }
            return try multiwayClusterRobustCovariance(design: x, scores: scores, inverseInformation: inverse, clusterings: [
                SandwichClustering(code: sample.clusterCode, count: sample.clusterCount, sign: 1),
                SandwichClustering(code: units, count: unitCode.count, sign: 1),
                SandwichClustering(code: pairs, count: pairCode.count, sign: -1),
            ])
        }
    }

    /// The fit shared by both layouts: `minimumClusters` checks the clustering (after the other
    /// checks), `robust` returns the cluster-robust covariance (row-major) from the design, the
    /// scores `wᵢ rᵢ` and `(X'WX)⁻¹`.
    private init(_ sample: MatchedSample, level: Double, clustering: Clustering, minimumClusters: () throws -> Void,
                 robust: (Matrix, [Double], Matrix) throws -> [Double]) throws {
        try validateLevel(level)
        try sample.requireBothGroups()
        let n = sample.count
        guard n >= 3 else { throw OutcomesError.tooFewObservations(needed: 3, found: n) }
        try minimumClusters()
        let x = treatmentDesign(sample.treated)
        var scratch: [Double] = []
        let (_, cholesky) = try weightedInformation(x, weights: sample.weights, scratch: &scratch)
        let inverse = cholesky.inverse()
        // The normal equations' solution in closed form, from extended-precision weighted sums:
        // β₀ = m_C, β₁ = m_T − m_C (exact where the arithmetic allows; a QR or Cholesky solve
        // would leave rounding noise of order ε·|m| in a zero effect).
        let (t, c) = sample.totals()
        let beta = [c.mean, t.mean - c.mean]
        let fitted = try fixedOrderMultiply(x, beta)
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
        self.clustering = clustering
        modelBased = try coefficientTable(coefficients: beta, covariance: rowMajor(inverse, scaledBy: sigma2),
                                          reference: reference, level: level, model: "linear model")
        clusterRobust = try coefficientTable(coefficients: beta, covariance: try robust(x, scores, inverse), reference: reference,
                                             level: level, model: "linear model (cluster-robust)")
    }
}
