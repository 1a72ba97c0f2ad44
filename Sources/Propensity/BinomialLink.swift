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
    static let probitThreshold = -NormalDistribution.quantile(Double.ulpOfOne)

    /// The link `g(mu)`: log-odds or the normal quantile.
    public func link(_ mu: Double) -> Double {
        switch self {
        case .logit: return log(mu / (1 - mu))
        case .probit: return NormalDistribution.quantile(mu)
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
            return NormalDistribution.cdf(e)
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
            return max(NormalDistribution.density(eta), Double.ulpOfOne)
        }
    }
}

/// The standard normal distribution.
public enum NormalDistribution {
    /// Density `phi(x)`.
    @inline(__always)
    public static func density(_ x: Double) -> Double {
        0.398_942_280_401_432_677_94 * exp(-0.5 * x * x)
    }

    /// Distribution function `Phi(x)`, via the complementary error function (accurate in both tails).
    @inline(__always)
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x * 0.707_106_781_186_547_524_40)
    }

    /// Upper tail `1 - Phi(x)`, accurate for large x.
    public static func survival(_ x: Double) -> Double {
        0.5 * erfc(x * 0.707_106_781_186_547_524_40)
    }

    /// Quantile function `Phi^{-1}(p)` for 0 < p < 1.
    ///
    /// A rational starting value (Acklam's approximation, relative error below 1.2e-9) refined by
    /// Halley steps on `cdf`, which brings it to full double precision.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        if p == 0.5 { return 0 }
        var x = acklam(p)
        for _ in 0..<3 {
            let e: Double
            if x < 0 { e = cdf(x) - p } else { e = -(survival(x) - (1 - p)) }
            let u = e / density(x)
            let step = u / (1 + x * u / 2)
            if !step.isFinite { break }
            x -= step
            if abs(step) <= 1e-17 * max(1, abs(x)) { break }
        }
        return x
    }

    /// Acklam's rational approximation to the normal quantile (starting value only).
    static func acklam(_ p: Double) -> Double {
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425, high = 1 - low
        if p < low {
            let q = sqrt(-2 * log(p))
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= high {
            let q = p - 0.5, r = q * q
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = sqrt(-2 * log(1 - p))
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
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
