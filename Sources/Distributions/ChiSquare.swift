import Foundation

/// The chi-square distribution with `k > 0` degrees of freedom: R's `dchisq`, `pchisq`, `qchisq`.
///
/// `P(X ≤ x) = P(k/2, x/2)`, the regularised lower incomplete gamma function
/// (`SpecialFunctions.regularizedIncompleteGamma`), whose series and continued fraction give the
/// lower and the upper tail each without cancellation.
public enum ChiSquare {
    /// Density (R `dchisq(x, df)`).
    public static func density(_ x: Double, degreesOfFreedom k: Double) -> Double {
        precondition(k > 0, "ChiSquare needs positive degrees of freedom")
        if x < 0 { return 0 }
        if x == 0 { return k < 2 ? .infinity : (k == 2 ? 0.5 : 0) }
        let a = k / 2
        // f(x) = (x/2)^(a−1) e^(−x/2) / (2 Γ(a)) = poissonTerm(a, x/2) · a / x.
        return SpecialFunctions.poissonTerm(a, x / 2) * a / x
    }

    /// Distribution function `P(X ≤ x)` (R `pchisq(x, df)`).
    public static func cdf(_ x: Double, degreesOfFreedom k: Double) -> Double {
        precondition(k > 0, "ChiSquare needs positive degrees of freedom")
        precondition(!x.isNaN, "ChiSquare.cdf of NaN")
        if x <= 0 { return 0 }
        return SpecialFunctions.regularizedIncompleteGamma(a: k / 2, x: x / 2).lower
    }

    /// Upper tail `P(X > x)` (R `pchisq(x, df, lower.tail = FALSE)`): the p-value of a
    /// chi-square statistic.
    public static func survival(_ x: Double, degreesOfFreedom k: Double) -> Double {
        precondition(k > 0, "ChiSquare needs positive degrees of freedom")
        precondition(!x.isNaN, "ChiSquare.survival of NaN")
        if x <= 0 { return 1 }
        return SpecialFunctions.regularizedIncompleteGamma(a: k / 2, x: x / 2).upper
    }

    /// Quantile `x_p` with `P(X ≤ x_p) = p`, `0 < p < 1` (R `qchisq(p, df)`).
    ///
    /// Solves `log P(X ≤ x) = log p` (for `p < ½`) or `log P(X > x) = log(1 − p)` in `u = log x`
    /// by safeguarded Newton steps, started from the better of the Wilson–Hilferty approximation
    /// and the small-`x` expansion `P(X ≤ x) ≈ (x/2)^{k/2} / Γ(k/2 + 1)`.
    public static func quantile(_ p: Double, degreesOfFreedom k: Double) -> Double {
        precondition(k > 0, "ChiSquare needs positive degrees of freedom")
        precondition(p > 0 && p < 1, "ChiSquare.quantile needs 0 < p < 1, got \(p)")
        let a = k / 2
        // The root lies below the smallest positive double: R returns 0 too.
        if p <= cdf(4 * Double.leastNonzeroMagnitude, degreesOfFreedom: k) { return 0 }
        var starts: [Double] = []
        let z = Normal.quantile(p)
        let c = 2 / (9 * k)
        let wilsonHilferty = k * pow(1 - c + z * c.squareRoot(), 3)
        if wilsonHilferty.isFinite && wilsonHilferty > 0 { starts.append(wilsonHilferty) }
        let small = 2 * exp((log(p) + SpecialFunctions.logGamma(a + 1)) / a)
        if small.isFinite && small > 0 { starts.append(small) }
        if starts.isEmpty { starts.append(k) }
        let lowerTail = p < 0.5
        let target = lowerTail ? log(p) : log1p(-p)
        return solveLogScale(starts: starts) { x in
            let (lower, upper) = SpecialFunctions.regularizedIncompleteGamma(a: a, x: x / 2)
            // x f(x) = a · poissonTerm(a, x/2).
            let xf = a * SpecialFunctions.poissonTerm(a, x / 2)
            if lowerTail {
                // log P increases in u: negate so that g decreases.
                return (target - log(lower), -xf / lower)
            } else {
                return (log(upper) - target, -xf / upper)
            }
        }
    }
}
