import Distributions
import Foundation
import LinearAlgebra
import RArithmetic

/// A rate ratio `exp(β₁)` with its Wald interval `exp(β₁ ± z SE)` and p-value.
public struct RateRatio: Sendable, Equatable {
    /// `exp(β₁)`: treated rate / comparison rate.
    public let estimate: Double
    public let lower: Double
    public let upper: Double
    /// Wald p-value of `β₁ = 0`.
    public let pValue: Double

    /// The relative reduction `1 − exp(β₁)` (lower bound `1 − upper`, upper bound `1 − lower`).
    public var relativeReduction: (estimate: Double, lower: Double, upper: Double) {
        (1 - estimate, 1 - upper, 1 - lower)
    }
}

/// A `count ~ treat` log-linear model (Poisson or negative binomial) fitted with matching weights.
public struct CountModelFit: Sendable {
    /// Which family was fitted.
    public enum Family: Sendable, Equatable {
        case poisson
        case negativeBinomial
    }

    public let family: Family
    /// Inference from `(X'WX)⁻¹` at the final IRLS weights, dispersion 1 (R's `vcov()`), z
    /// reference (R's `summary.glm`, `confint.default`, `lmtest::coeftest`/`coefci`).
    public let modelBased: CoefficientTable
    /// Inference from `sandwich::vcovCL(fit, cluster = ~cluster)` (type HC0 for a `glm`:
    /// `G/(G − 1) · B (Σ_g u_g u_gᵀ) B`, `u_g = Σ_{i∈g} wᵢ⁽ʷᵒʳᵏ⁾ rᵢ⁽ʷᵒʳᵏ⁾ xᵢ`), z reference.
    public let clusterRobust: CoefficientTable
    public let clusterCount: Int
    /// Residual deviance (R's `deviance`; for the negative binomial, at the θ of the last fit).
    public let deviance: Double
    /// Deviance of the weighted-mean-only model (R's `null.deviance`).
    public let nullDeviance: Double
    /// IRLS iterations of the final fit (R's `iter`).
    public let iterations: Int
    /// `n − 2`.
    public let residualDegreesOfFreedom: Int
    /// Negative binomial only: θ (R's `theta`; variance `μ + μ²/θ`).
    public let theta: Double?
    /// Negative binomial only: R's `SE.theta`.
    public let thetaStandardError: Double?
    /// Negative binomial only: `2 log L` (R's `twologlik`).
    public let twiceLogLikelihood: Double?
    /// Negative binomial only: θ/IRLS alternations performed.
    public let alternations: Int?

    /// Inference under the chosen covariance.
    public func coefficients(_ estimator: VarianceEstimator) -> CoefficientTable {
        estimator == .modelBased ? modelBased : clusterRobust
    }

    /// The rate ratio treated/comparison under the chosen covariance.
    public func rateRatio(_ estimator: VarianceEstimator) -> RateRatio {
        let t = coefficients(estimator).treatment
        return RateRatio(estimate: exp(t.estimate), lower: exp(t.lower), upper: exp(t.upper), pValue: t.pValue)
    }
}

/// Poisson regression `glm(y ~ treat, family = poisson, weights = w)` by R's `glm.fit` IRLS.
public enum PoissonRegression {
    /// Fits the model.
    ///
    /// IRLS exactly as `glm.fit`: start `μ = y + 0.1`, `η = log μ`; each step regresses
    /// `z = η + (y − μ)/μ` on `X` with weights `w μ` (Cholesky on `X'WX`); `μ = max(e^η, ε)`;
    /// stop when `|D − D_old|/(|D| + 0.1) < 1e-8` (at most 25 steps). The covariance uses the
    /// weights of the last step, as R's `summary.glm` does.
    /// - Throws: `negativeCount`, `emptyGroup`, `noEvents` (a group with no events: the MLE is
    ///   at −∞), `tooFewObservations`, `tooFewClusters`, `notConverged`, `invalidArgument`.
    public static func fit(_ sample: MatchedSample, level: Double = 0.95) throws -> CountModelFit {
        try validateCountSample(sample, level: level)
        let x = treatmentDesign(sample.treated)
        let fit = try irls(x: x, y: sample.outcome, priorWeights: sample.weights, family: CountFamily.poisson, etaStart: nil)
        return try countModelFit(family: .poisson, fit: fit, x: x, sample: sample, level: level, negativeBinomial: nil)
    }
}

/// Negative binomial regression `MASS::glm.nb(y ~ treat, weights = w)` (MASS 7.3).
public enum NegativeBinomialRegression {
    /// Fits the model by alternating θ and IRLS exactly as `glm.nb` does.
    ///
    /// 1. Poisson fit (as `PoissonRegression`); θ from `theta.ml` at its fitted means.
    /// 2. Repeat (at most 25 times) while `|L₀ − L|/d₁ + |Δθ|/d₂ > 1e-8`
    ///    (`d₁ = √(2 max(1, n − 2))`, `d₂ = 1`): IRLS for the negative binomial family with the
    ///    current θ started at `η = log μ`; then θ re-estimated by `theta.ml` at the means `μ`
    ///    *before* this IRLS (as `glm.nb` does), `μ` updated, and the log-likelihood
    ///    `L = Σ w [log Γ(θ+y) − log Γ(θ) − log Γ(y+1) + θ log θ + y log(μ + [y=0]) − (θ+y) log(θ+μ)]`
    ///    recomputed.
    ///
    /// `theta.ml`: Newton steps on the weighted score
    /// `Σ w [ψ(θ+y) − ψ(θ) + log θ + 1 − log(θ+μ) − (y+θ)/(μ+θ)]` with information
    /// `Σ w [−ψ'(θ+y) + ψ'(θ) − 1/θ + 2/(μ+θ) − (y+θ)/(μ+θ)²]`, from
    /// `θ₀ = Σw / Σ w (y/μ − 1)²`, until `|Δθ| ≤ ε^{1/4}` (at most 24 steps);
    /// `SE(θ) = 1/√information` at the last step.
    ///
    /// The coefficients and covariances are those of the last IRLS fit (whose family used the
    /// previous θ), as in `glm.nb`; `theta` is the final θ.
    /// - Throws: as `PoissonRegression.fit`, plus `notConverged` when θ or the alternation does not
    ///   converge (R warns and carries on; a payment should not rest on it) or θ is truncated at 0.
    public static func fit(_ sample: MatchedSample, level: Double = 0.95) throws -> CountModelFit {
        try validateCountSample(sample, level: level)
        let x = treatmentDesign(sample.treated)
        let y = sample.outcome, w = sample.weights
        let maxit = 25, epsilon = 1e-8
        var fit = try irls(x: x, y: y, priorWeights: w, family: CountFamily.poisson, etaStart: nil)
        var mu = fit.mu
        let totalWeight = Double(w.reduce(ExtendedSum(0)) { $0 + ExtendedSum($1) })
        var estimate = try thetaML(y: y, mu: mu, n: totalWeight, weights: w, limit: maxit)
        var theta = estimate.theta
        let d1 = (2 * Double(max(1, sample.count - 2))).squareRoot()
        let d2 = 1.0
        var delta = 1.0
        var logLik = negativeBinomialLogLikelihood(theta: theta, mu: mu, y: y, weights: w)
        var previousLogLik = logLik + 2 * d1
        var iteration = 0
        while true {
            iteration += 1
            guard iteration <= maxit, abs(previousLogLik - logLik) / d1 + abs(delta) / d2 > epsilon else { break }
            let eta = mu.map { log($0) }
            fit = try irls(x: x, y: y, priorWeights: w, family: CountFamily.negativeBinomial(theta: theta), etaStart: eta)
            let old = theta
            estimate = try thetaML(y: y, mu: mu, n: totalWeight, weights: w, limit: maxit)
            theta = estimate.theta
            mu = fit.mu
            delta = old - theta
            previousLogLik = logLik
            logLik = negativeBinomialLogLikelihood(theta: theta, mu: mu, y: y, weights: w)
        }
        if iteration > maxit {
            throw OutcomesError.notConverged("negative binomial θ/IRLS alternation", iterations: maxit)
        }
        return try countModelFit(family: .negativeBinomial, fit: fit, x: x, sample: sample, level: level,
                                 negativeBinomial: (theta, estimate.standardError, 2 * logLik, iteration - 1))
    }

    /// MASS's `theta.ml`.
    static func thetaML(y: [Double], mu: [Double], n: Double, weights w: [Double], limit: Int) throws
        -> (theta: Double, standardError: Double) {
        let eps = pow(Double.ulpOfOne, 0.25)
        var denominator: ExtendedSum = 0
        for i in 0..<y.count {
            let r = y[i] / mu[i] - 1
            denominator += ExtendedSum(w[i] * r * r)
        }
        var t0 = n / Double(denominator)
        var it = 0
        var del = 1.0
        var information = Double.nan
        while true {
            it += 1
            guard it < limit, abs(del) > eps else { break }
            t0 = abs(t0)
            var score: ExtendedSum = 0, info: ExtendedSum = 0
            for i in 0..<y.count {
                let yi = y[i], mi = mu[i], wi = w[i]
                score += ExtendedSum(wi * (SpecialFunctions.digamma(t0 + yi) - SpecialFunctions.digamma(t0) + log(t0)
                    + 1 - log(t0 + mi) - (yi + t0) / (mi + t0)))
                info += ExtendedSum(wi * (-SpecialFunctions.trigamma(t0 + yi) + SpecialFunctions.trigamma(t0) - 1 / t0
                    + 2 / (mi + t0) - (yi + t0) / ((mi + t0) * (mi + t0))))
            }
            information = Double(info)
            del = Double(score) / information
            t0 += del
        }
        guard t0.isFinite else { throw OutcomesError.notConverged("negative binomial θ (non-finite estimate)", iterations: it) }
        if t0 < 0 {
            throw OutcomesError.notConverged("negative binomial θ (estimate truncated at 0: no overdispersion; use the Poisson model)", iterations: it)
        }
        if it == limit { throw OutcomesError.notConverged("negative binomial θ (theta.ml)", iterations: limit) }
        return (t0, (1 / information).squareRoot())
    }

    /// `glm.nb`'s weighted log-likelihood.
    static func negativeBinomialLogLikelihood(theta th: Double, mu: [Double], y: [Double], weights w: [Double]) -> Double {
        var s: ExtendedSum = 0
        let lgTheta = SpecialFunctions.logGamma(th)
        for i in 0..<y.count {
            let yi = y[i], mi = mu[i]
            let term = SpecialFunctions.logGamma(th + yi) - lgTheta - SpecialFunctions.logGamma(yi + 1) + th * log(th)
                + yi * log(mi + (yi == 0 ? 1 : 0)) - (th + yi) * log(th + mi)
            s += ExtendedSum(w[i] * term)
        }
        return Double(s)
    }
}

// MARK: - Shared machinery

/// Checks common to the count models.
func validateCountSample(_ sample: MatchedSample, level: Double) throws {
    try validateLevel(level)
    try sample.requireBothGroups()
    for i in 0..<sample.count where sample.outcome[i] < 0 {
        throw OutcomesError.negativeCount(unit: sample.sourceIndex[i], value: sample.outcome[i])
    }
    guard sample.count >= 3 else { throw OutcomesError.tooFewObservations(needed: 3, found: sample.count) }
    guard sample.clusterCount >= 2 else { throw OutcomesError.tooFewClusters(found: sample.clusterCount) }
    let (t, c) = sample.totals()
    if t.sumWY == 0 { throw OutcomesError.noEvents("the treated group has no events, so its log rate is −∞") }
    if c.sumWY == 0 { throw OutcomesError.noEvents("the comparison group has no events, so its log rate is −∞") }
}

/// A GLM family with its link, as R's `glm.fit` uses them: the pieces `irls` needs.
protocol IRLSFamily {
    /// `linkinv(η)`.
    func linkInverse(_ eta: Double) -> Double
    /// `mu.eta(η) = dμ/dη`.
    func meanDerivative(_ eta: Double) -> Double
    /// `variance(μ)`.
    func variance(_ mu: Double) -> Double
    /// Unit deviance contribution `dev.resids(y, μ, w)`.
    func deviance(_ y: Double, _ mu: Double, _ w: Double) -> Double
    /// The starting linear predictor `linkfun(mustart)` of a unit with response `y` and prior weight `w`.
    func startingPredictor(_ y: Double, weight w: Double) -> Double
}

/// Families of the count models, log link.
enum CountFamily: IRLSFamily {
    case poisson
    case negativeBinomial(theta: Double)

    func variance(_ mu: Double) -> Double {
        switch self {
        case .poisson: return mu
        case .negativeBinomial(let theta): return mu + mu * mu / theta
        }
    }

    /// Unit deviance contribution `dev.resids(y, μ, w)`.
    func deviance(_ y: Double, _ mu: Double, _ w: Double) -> Double {
        switch self {
        case .poisson:
            return 2 * (y > 0 ? w * (y * log(y / mu) - (y - mu)) : mu * w)
        case .negativeBinomial(let th):
            return 2 * w * (y * log(max(1, y) / mu) - (y + th) * log((y + th) / (mu + th)))
        }
    }

    /// `family$initialize`'s `mustart`.
    func muStart(_ y: Double) -> Double {
        switch self {
        case .poisson: return y + 0.1
        case .negativeBinomial: return y + (y == 0 ? 1.0 / 6 : 0)
        }
    }

    /// The log link's inverse, floored at machine epsilon as R's `poisson()$linkinv`.
    func linkInverse(_ eta: Double) -> Double { max(exp(eta), Double.ulpOfOne) }

    /// `dμ/dη = e^η`, floored at machine epsilon (R's `mu.eta`).
    func meanDerivative(_ eta: Double) -> Double { max(exp(eta), Double.ulpOfOne) }

    func startingPredictor(_ y: Double, weight w: Double) -> Double { log(muStart(y)) }
}

/// The state of a converged IRLS fit.
struct IRLSFit {
    var beta: [Double]
    var eta: [Double]
    var mu: [Double]
    /// Working weights `w μ_η² / V(μ)` of the last iteration (R's `weights(fit, "working")`).
    var workingWeights: [Double]
    /// `(X' W X)⁻¹` at those weights (R's `cov.unscaled`).
    var inverseInformation: Matrix
    var deviance: Double
    var nullDeviance: Double
    var iterations: Int
}

/// `glm.fit` (see `PoissonRegression.fit`) for any family and link: the count models' log link
/// and the effect models' families (`OutcomeFamily`).
func irls(x: Matrix, y: [Double], priorWeights w: [Double], family: some IRLSFamily, etaStart: [Double]?,
          epsilon: Double = 1e-8, maxit: Int = 25) throws -> IRLSFit {
    let n = y.count
    let linkInverse = { (eta: Double) in family.linkInverse(eta) }
    var eta = etaStart ?? (0..<n).map { family.startingPredictor(y[$0], weight: w[$0]) }
    var mu = eta.map(linkInverse)
    func totalDeviance(_ mu: [Double]) -> Double {
        var s: ExtendedSum = 0
        for i in 0..<n { s += ExtendedSum(family.deviance(y[i], mu[i], w[i])) }
        return Double(s)
    }
    var devianceOld = totalDeviance(mu)
    var coefficientsOld: [Double]? = nil
    var beta = [Double](repeating: 0, count: x.columns)
    var working = [Double](repeating: 0, count: n)
    var z = [Double](repeating: 0, count: n)
    var inverse = Matrix(rows: x.columns, columns: x.columns)
    var scratch: [Double] = []
    var deviance = devianceOld
    var converged = false
    var iterations = 0
    for iteration in 1...maxit {
        iterations = iteration
        for i in 0..<n {
            let muEta = family.meanDerivative(eta[i])
            z[i] = eta[i] + (y[i] - mu[i]) / muEta
            working[i] = w[i] * muEta * muEta / family.variance(mu[i])
        }
        let (_, cholesky) = try weightedInformation(x, weights: working, scratch: &scratch)
        beta = try cholesky.solve(try weightedCrossVector(x, weights: working, z))
        guard beta.allSatisfy(\.isFinite) else {
            throw OutcomesError.notConverged("IRLS (non-finite coefficients)", iterations: iteration)
        }
        inverse = cholesky.inverse()
        eta = try fixedOrderMultiply(x, beta)
        mu = eta.map(linkInverse)
        deviance = totalDeviance(mu)
        var halvings = 0
        while !deviance.isFinite || !mu.allSatisfy(\.isFinite) {
            guard let old = coefficientsOld, halvings < maxit else {
                throw OutcomesError.notConverged("IRLS (non-finite deviance, step size cannot be corrected)", iterations: iteration)
            }
            halvings += 1
            beta = zip(beta, old).map { ($0 + $1) / 2 }
            eta = try fixedOrderMultiply(x, beta)
            mu = eta.map(linkInverse)
            deviance = totalDeviance(mu)
        }
        if abs(deviance - devianceOld) / (abs(deviance) + 0.1) < epsilon {
            converged = true
            break
        }
        devianceOld = deviance
        coefficientsOld = beta
    }
    guard converged else { throw OutcomesError.notConverged("IRLS", iterations: maxit) }
    // Null deviance at the weighted mean.
    var sw: ExtendedSum = 0, swy: ExtendedSum = 0
    for i in 0..<n { sw += ExtendedSum(w[i]); swy += ExtendedSum(w[i] * y[i]) }
    let weightedMean = Double(swy) / Double(sw)
    var nullDeviance: ExtendedSum = 0
    for i in 0..<n { nullDeviance += ExtendedSum(family.deviance(y[i], weightedMean, w[i])) }
    return IRLSFit(beta: beta, eta: eta, mu: mu, workingWeights: working, inverseInformation: inverse,
                   deviance: deviance, nullDeviance: Double(nullDeviance), iterations: iterations)
}

/// Coefficient tables of a converged count model.
func countModelFit(family: CountModelFit.Family, fit: IRLSFit, x: Matrix, sample: MatchedSample, level: Double,
                   negativeBinomial nb: (theta: Double, standardError: Double, twiceLogLikelihood: Double, alternations: Int)?)
    throws -> CountModelFit {
    let name = family == .poisson ? "Poisson model" : "negative binomial model"
    let modelBased = try coefficientTable(coefficients: fit.beta, covariance: rowMajor(fit.inverseInformation),
                                          reference: .normal, level: level, model: name)
    // estfun.glm: working residual (y − μ)/μ_η at the final μ times the working weight of the last
    // iteration; dispersion 1 for both families.
    var scores = [Double](repeating: 0, count: sample.count)
    for i in 0..<sample.count {
        let muEta = max(exp(fit.eta[i]), Double.ulpOfOne)
        scores[i] = (sample.outcome[i] - fit.mu[i]) / muEta * fit.workingWeights[i]
    }
    let g = Double(sample.clusterCount)
    let robust = try clusterRobustCovariance(design: x, scores: scores, inverseInformation: fit.inverseInformation,
                                             clusterCode: sample.clusterCode, clusterCount: sample.clusterCount,
                                             adjustment: g / (g - 1))
    let clusterRobust = try coefficientTable(coefficients: fit.beta, covariance: robust, reference: .normal,
                                             level: level, model: name + " (cluster-robust)")
    return CountModelFit(family: family, modelBased: modelBased, clusterRobust: clusterRobust,
                         clusterCount: sample.clusterCount, deviance: fit.deviance, nullDeviance: fit.nullDeviance,
                         iterations: fit.iterations, residualDegreesOfFreedom: sample.count - 2,
                         theta: nb?.theta, thetaStandardError: nb?.standardError,
                         twiceLogLikelihood: nb?.twiceLogLikelihood, alternations: nb?.alternations)
}
