import Distributions

/// The distribution a Wald statistic is referred to.
public enum ReferenceDistribution: Sendable, Equatable {
    /// Standard normal (R's `coeftest`/`coefci` on a `glm`, `df = Inf`).
    case normal
    /// Student t with the given degrees of freedom (R's `coeftest`/`confint` on an `lm`).
    case studentT(degreesOfFreedom: Double)

    /// Two-sided p-value of a statistic.
    func twoSidedPValue(_ statistic: Double) -> Double {
        switch self {
        case .normal: return Normal.twoSidedPValue(statistic)
        case .studentT(let df): return StudentT.twoSidedPValue(statistic, degreesOfFreedom: df)
        }
    }

    /// Upper `(1 + level)/2` quantile: the half-width multiplier of a two-sided interval.
    func criticalValue(level: Double) -> Double {
        let p = (1 + level) / 2
        switch self {
        case .normal: return Normal.quantile(p)
        case .studentT(let df): return StudentT.quantile(p, degreesOfFreedom: df)
        }
    }
}

/// A point estimate with its standard error, Wald statistic, two-sided p-value and confidence
/// interval `estimate ± c · standardError`, `c` the `(1 + level)/2` quantile of `reference`
/// (as `lmtest::coeftest` and `lmtest::coefci` compute them).
public struct Estimate: Sendable, Equatable {
    public var estimate: Double
    public var standardError: Double
    /// `estimate / standardError`.
    public var statistic: Double
    /// `P(|X| ≥ |statistic|)` under `reference`.
    public var pValue: Double
    public var lower: Double
    public var upper: Double
    public var level: Double
    public var reference: ReferenceDistribution

    /// - Throws: `OutcomesError.zeroVariance` when the standard error is zero or not finite.
    init(estimate: Double, standardError: Double, reference: ReferenceDistribution, level: Double, what: String) throws {
        guard standardError.isFinite, standardError > 0, estimate.isFinite else {
            throw OutcomesError.zeroVariance(what)
        }
        self.estimate = estimate
        self.standardError = standardError
        self.statistic = estimate / standardError
        self.pValue = reference.twoSidedPValue(statistic)
        let c = reference.criticalValue(level: level)
        self.lower = estimate - c * standardError
        self.upper = estimate + c * standardError
        self.level = level
        self.reference = reference
    }
}

/// How the covariance of the coefficients is estimated.
public enum VarianceEstimator: String, Sendable, Equatable, CaseIterable {
    /// From the model: `σ² (X'WX)⁻¹` for a linear model, `(X'WX)⁻¹` at the final IRLS weights
    /// for a GLM (R's `vcov()`).
    case modelBased
    /// Cluster-robust sandwich, exactly `sandwich::vcovCL(fit, cluster = ~cluster)` with its
    /// defaults (see `clusterRobustCovariance`).
    case clusterRobust
}

/// Intercept and treatment coefficients of a `y ~ treat` model under one covariance estimator.
public struct CoefficientTable: Sendable, Equatable {
    /// `(Intercept)`: the comparison group on the model's scale.
    public var intercept: Estimate
    /// `treat`: the treated − comparison contrast on the model's scale.
    public var treatment: Estimate
    /// The 2 × 2 covariance of (intercept, treatment), row-major `[v00, v01, v10, v11]`.
    public var covariance: [Double]
}
