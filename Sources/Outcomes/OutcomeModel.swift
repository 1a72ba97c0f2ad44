import Foundation
import LinearAlgebra

/// The family of an outcome model fitted after matching, with its canonical link, as R's
/// `lm`/`glm` families (MatchIt vignette "Estimating Effects After Matching").
public enum OutcomeFamily: String, Sendable, Equatable, CaseIterable, Codable {
    /// `lm(y ~ ..., weights = w)`: identity link, any real outcome.
    case gaussian
    /// `glm(y ~ ..., weights = w, family = quasibinomial())`: logit link, 0/1 outcome.
    case binomial
    /// `glm(y ~ ..., weights = w, family = poisson())`: log link, non-negative counts.
    case poisson
}

extension OutcomeFamily: IRLSFamily {
    /// R's `THRESH` of the logit link's inverse: beyond |η| = 30, `e^η` is clamped.
    static let logitThreshold = 30.0

    /// `linkinv`: η; `e^η/(1 + e^η)` with R's clamp (`logit_linkinv`); `max(e^η, ε)`.
    func linkInverse(_ eta: Double) -> Double {
        switch self {
        case .gaussian: return eta
        case .binomial:
            let t = eta < -Self.logitThreshold ? Double.ulpOfOne : (eta > Self.logitThreshold ? 1 / Double.ulpOfOne : exp(eta))
            return t / (1 + t)
        case .poisson: return CountFamily.poisson.linkInverse(eta)
        }
    }

    /// `mu.eta`: 1; `e^η/(1 + e^η)²`, ε beyond |η| = 30 (`logit_mu_eta`); `max(e^η, ε)`.
    func meanDerivative(_ eta: Double) -> Double {
        switch self {
        case .gaussian: return 1
        case .binomial:
            if eta > Self.logitThreshold || eta < -Self.logitThreshold { return Double.ulpOfOne }
            let t = exp(eta), opexp = 1 + t
            return t / (opexp * opexp)
        case .poisson: return CountFamily.poisson.meanDerivative(eta)
        }
    }

    /// `variance`: 1; `μ(1 − μ)`; `μ`.
    func variance(_ mu: Double) -> Double {
        switch self {
        case .gaussian: return 1
        case .binomial: return mu * (1 - mu)
        case .poisson: return CountFamily.poisson.variance(mu)
        }
    }

    /// `dev.resids`: `w (y − μ)²`; `2w [y log(y/μ) + (1−y) log((1−y)/(1−μ))]` (0 log 0 = 0);
    /// the Poisson deviance.
    func deviance(_ y: Double, _ mu: Double, _ w: Double) -> Double {
        switch self {
        case .gaussian: return w * (y - mu) * (y - mu)
        case .binomial:
            let a = y != 0 ? y * log(y / mu) : 0
            let b = y != 1 ? (1 - y) * log((1 - y) / (1 - mu)) : 0
            return 2 * w * (a + b)
        case .poisson: return CountFamily.poisson.deviance(y, mu, w)
        }
    }

    /// `linkfun(mustart)`: `mustart = y` (gaussian); `(w y + 0.5)/(w + 1)` (binomial's
    /// `initialize` with prior weights); `y + 0.1` (poisson).
    func startingPredictor(_ y: Double, weight w: Double) -> Double {
        switch self {
        case .gaussian: return y
        case .binomial:
            let mu = (w * y + 0.5) / (w + 1)
            return log(mu / (1 - mu))
        case .poisson: return CountFamily.poisson.startingPredictor(y, weight: w)
        }
    }

    /// Checks an outcome value: finite; 0 or 1 (binomial); a non-negative count (poisson).
    func check(_ y: Double, unit: Int) throws {
        switch self {
        case .gaussian: break
        case .binomial: if y != 0 && y != 1 { throw OutcomesError.notBinary(unit: unit, value: y) }
        case .poisson: if y < 0 { throw OutcomesError.negativeCount(unit: unit, value: y) }
        }
    }
}

/// A weighted outcome model `y ~ X β` fitted by `glm.fit`'s IRLS (`irls`), on a design whose
/// columns are first scaled to unit root mean square (over the rows fitted), so that the normal
/// equations stay well conditioned when covariates differ in scale by orders of magnitude
/// (earnings against indicators); predictions, the sandwich and every quantity derived from them
/// are invariant to the scaling, and the coefficients are reported on the original scale.
struct WeightedOutcomeModel {
    /// The scaled design `X D⁻¹` the model was fitted on.
    let design: Matrix
    /// `D`: each column's root mean square.
    let scale: [Double]
    /// Coefficients of the scaled design, `D β`.
    let scaledCoefficients: [Double]
    let eta: [Double]
    let mu: [Double]
    /// Working weights `w μ_η²/V(μ)` of the last iteration (R's `weights(fit, "working")`).
    let workingWeights: [Double]
    /// `(X̃'WX̃)⁻¹` at the working weights.
    let inverseInformation: Matrix
    let iterations: Int

    /// Fits; `columns` are the design's columns (the intercept included), `names` their names
    /// (for the collinearity message).
    init(columns: [[Double]], names: [String], outcome y: [Double], weights w: [Double], family: OutcomeFamily) throws {
        let n = y.count, p = columns.count
        guard n > p else { throw OutcomesError.tooFewObservations(needed: p + 1, found: n) }
        var scale = [Double](repeating: 1, count: p)
        var elements = [Double](repeating: 0, count: n * p)
        for j in 0..<p {
            var ss = 0.0
            for v in columns[j] { ss += v * v }
            let s = (ss / Double(n)).squareRoot()
            guard s > 0 else {
                throw OutcomesError.invalidArgument("the outcome model's column '\(names[j])' is zero in every unit of the sample, so its coefficient is not identified")
            }
            scale[j] = s
            for i in 0..<n { elements[i + j * n] = columns[j][i] / s }
        }
        let x = Matrix(rows: n, columns: p, columnMajor: elements)
        // Collinearity: the weighted information must be positive definite and not near singular.
        var weighted = elements
        for j in 0..<p { for i in 0..<n { weighted[i + j * n] *= w[i].squareRoot() } }
        let information = fixedOrderCrossProduct(rows: n, columns: p, columnMajor: weighted)
        if let column = Self.firstDependentColumn(information, names: names) {
            throw OutcomesError.invalidArgument("the outcome model's column '\(column)' is (numerically) a linear combination of the columns before it in the matched sample, so the model cannot be fitted; remove a covariate")
        }
        let fit = try irls(x: x, y: y, priorWeights: w, family: family, etaStart: nil)
        design = x
        self.scale = scale
        scaledCoefficients = fit.beta
        eta = fit.eta
        mu = fit.mu
        workingWeights = fit.workingWeights
        inverseInformation = fit.inverseInformation
        iterations = fit.iterations
    }

    /// The coefficients on the original scale, `β = D⁻¹ (D β)`.
    var coefficients: [Double] { zip(scaledCoefficients, scale).map { $0 / $1 } }

    /// The first column whose leading block of the (scaled) information is not positive definite
    /// or has reciprocal condition below 1e-12; nil when there is none.
    static func firstDependentColumn(_ a: Matrix, names: [String]) -> String? {
        for k in 1...a.columns {
            var sub = Matrix(rows: k, columns: k)
            for j in 0..<k { for i in 0..<k { sub[i, j] = a[i, j] } }
            guard let c = try? FixedOrderCholesky(sub), c.reciprocalConditionNumber() >= 1e-12 else { return names[k - 1] }
        }
        return nil
    }
}
