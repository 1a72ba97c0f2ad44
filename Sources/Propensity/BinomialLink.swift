import Distributions
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Link functions for a binomial GLM, with the numerical safeguards R's `binomial()` family uses,
/// so that iterates agree with R's `glm` to rounding.
public enum BinomialLink: String, Sendable, Codable, CaseIterable {
    case logit
    case probit

    /// R's `THRESH` for the logit link: beyond |eta| = 30 probabilities are clamped.
    static let logitThreshold = 30.0
    /// R's probit clamp: `-qnorm(.Machine$double.eps)`.
    static let probitThreshold = -Normal.quantile(Double.ulpOfOne)

    /// The link `g(mu)`: log-odds or the normal quantile.
    public func link(_ mu: Double) -> Double {
        switch self {
        case .logit: return log(mu / (1 - mu))
        case .probit: return Normal.quantile(mu)
        }
    }

    /// The inverse link `mu = g^{-1}(eta)`, clamped away from 0 and 1 as R does.
    @inline(__always)
    public func inverse(_ eta: Double) -> Double {
        switch self {
        case .logit:
            let t = eta < -Self.logitThreshold ? Double.ulpOfOne
                : (eta > Self.logitThreshold ? 1 / Double.ulpOfOne : exp(eta))
            return t / (1 + t)
        case .probit:
            let e = min(max(eta, -Self.probitThreshold), Self.probitThreshold)
            return Normal.cdf(e)
        }
    }

    /// `d mu / d eta`, floored at machine epsilon as R does.
    @inline(__always)
    public func derivative(_ eta: Double) -> Double {
        switch self {
        case .logit:
            if eta > Self.logitThreshold || eta < -Self.logitThreshold { return Double.ulpOfOne }
            let opexp = 1 + exp(eta)
            return exp(eta) / (opexp * opexp)
        case .probit:
            return max(Normal.density(eta), Double.ulpOfOne)
        }
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
