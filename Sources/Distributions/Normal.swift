import Foundation

/// The standard normal distribution: R's `dnorm`, `pnorm`, `qnorm`.
public enum Normal {
    /// `1/√(2π)`.
    static let inverseRootTwoPi = 0.398_942_280_401_432_677_94
    /// `1/√2`.
    static let inverseRootTwo = 0.707_106_781_186_547_524_40

    /// Density `φ(x)` (R `dnorm(x)`).
    public static func density(_ x: Double) -> Double {
        inverseRootTwoPi * exp(-0.5 * x * x)
    }

    /// Distribution function `Φ(x)` (R `pnorm(x)`), via the complementary error function,
    /// accurate in the lower tail down to the underflow threshold.
    public static func cdf(_ x: Double) -> Double {
        0.5 * erfc(-x * inverseRootTwo)
    }

    /// Upper tail `1 − Φ(x)` (R `pnorm(x, lower.tail = FALSE)`), accurate for large `x`.
    public static func survival(_ x: Double) -> Double {
        0.5 * erfc(x * inverseRootTwo)
    }

    /// Two-sided p-value `2 (1 − Φ(|z|))` of a z statistic.
    public static func twoSidedPValue(_ z: Double) -> Double {
        2 * survival(abs(z))
    }

    /// Quantile `Φ⁻¹(p)` for `0 < p < 1` (R `qnorm(p)`).
    ///
    /// Acklam's rational approximation (relative error below 1.2e-9) as the start, then Newton
    /// steps on the tail that contains the root (`cdf` below the median, `survival` above), which
    /// reach full double precision in two or three steps.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "Normal.quantile needs 0 < p < 1, got \(p)")
        if p == 0.5 { return 0 }
        // Solve in the tail that holds p, with q = min(p, 1 - p) exact (Sterbenz).
        let lower = p < 0.5
        let q = lower ? p : 1 - p
        var x = -acklam(q)   // x > 0 with survival(x) = q
        for _ in 0..<6 {
            let s = survival(x)
            let f = density(x)
            guard f > 0 else { break }
            // Newton on log survival(x) - log q: well scaled even far in the tail.
            let step = (log(s) - log(q)) * s / f
            x += step
            if abs(step) <= 2 * Double.ulpOfOne * abs(x) { break }
        }
        return lower ? -x : x
    }

    /// Acklam's approximation for a lower-tail probability `0 < p <= 0.5`, with the logarithm
    /// supplied by the caller (a starting value for callers that need the same bits on every
    /// machine, such as the probit link's fixed-order functions).
    public static func acklamLowerTail(_ p: Double, log: (Double) -> Double) -> Double {
        precondition(p > 0 && p <= 0.5, "Normal.acklamLowerTail needs 0 < p <= 0.5, got \(p)")
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        return acklam(p)   // the central region uses no logarithm
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
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= high {
            let q = p - 0.5, r = q * q
            return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
                (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log1p(-p)).squareRoot()
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
    }
}
