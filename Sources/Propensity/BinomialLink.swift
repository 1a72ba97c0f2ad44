import Distributions
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Link functions for a binomial GLM, with the numerical safeguards R's `binomial()` family uses,
/// so that iterates agree with R's `glm` to rounding. Both links use `FixedOrderMath` only (no C
/// library `exp`, `log` or `erfc`), so a fit has the same bits on every machine.
public enum BinomialLink: String, Sendable, Codable, CaseIterable {
    case logit
    case probit

    /// R's `THRESH` for the logit link: beyond |eta| = 30 probabilities are clamped.
    static let logitThreshold = 30.0
    /// R's probit clamp: `-qnorm(.Machine$double.eps)`.
    static let probitThreshold = -FixedOrderMath.normalQuantile(Double.ulpOfOne)

    /// The link `g(mu)`: log-odds or the normal quantile.
    public func link(_ mu: Double) -> Double {
        switch self {
        case .logit: return FixedOrderMath.log(mu / (1 - mu))
        case .probit: return FixedOrderMath.normalQuantile(mu)
        }
    }

    /// The inverse link `mu = g^{-1}(eta)`, clamped away from 0 and 1 as R does.
    @inline(__always)
    public func inverse(_ eta: Double) -> Double {
        switch self {
        case .logit:
            return Self.logitMeanAndDerivative(eta).mu
        case .probit:
            let e = min(max(eta, -Self.probitThreshold), Self.probitThreshold)
            return FixedOrderMath.normalCDF(e)
        }
    }

    /// `d mu / d eta`, floored at machine epsilon as R does.
    @inline(__always)
    public func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            return Self.logitMeanAndDerivative(eta).derivative
        case .probit:
            return max(FixedOrderMath.normalDensity(eta), Double.ulpOfOne)
        }
    }

    /// The logit link's `mu` and `d mu / d eta` from one exponential, as R's C code computes them
    /// (`logit_linkinv`, `logit_mu_eta`): with `t = e^eta`, `mu = t / (1 + t)` and
    /// `d mu / d eta = t / (1 + t)^2`; beyond `|eta| = 30`, `t` is clamped to `eps` or `1 / eps` for
    /// `mu` and the derivative is `eps`. The exponential is `FixedOrderMath.exp` (the same bits on
    /// every machine, unlike the C library's).
    @inline(__always)
    static func logitMeanAndDerivative(_ eta: Double) -> (mu: Double, derivative: Double) {
        if eta < -logitThreshold {
            let t = Double.ulpOfOne
            return (t / (1 + t), Double.ulpOfOne)
        }
        if eta > logitThreshold {
            let t = 1 / Double.ulpOfOne
            return (t / (1 + t), Double.ulpOfOne)
        }
        let t = FixedOrderMath.exp(eta)
        let opexp = 1 + t
        return (t / opexp, t / (opexp * opexp))
    }
}

/// How a propensity model becomes a matching distance (MatchIt's `link`): the fitted probability
/// (`logit`, `probit`) or the linear predictor (`linear.logit`, `linear.probit`).
public enum DistanceLink: String, Sendable, Codable, CaseIterable {
    case logit
    case linearLogit = "linear.logit"
    case probit
    case linearProbit = "linear.probit"

    /// The GLM link.
    public var binomialLink: BinomialLink {
        switch self {
        case .logit, .linearLogit: return .logit
        case .probit, .linearProbit: return .probit
        }
    }

    /// Whether the distance is the linear predictor rather than the probability.
    public var usesLinearPredictor: Bool { self == .linearLogit || self == .linearProbit }

    /// The distance for each row of a fitted model.
    public func distance(from fit: GLMFit) -> [Double] {
        usesLinearPredictor ? fit.linearPredictor : fit.fitted
    }
}
