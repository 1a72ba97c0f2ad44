import Foundation

/// Student's t distribution with `ν > 0` degrees of freedom (not necessarily an integer, as
/// Welch's test needs): R's `dt`, `pt`, `qt`.
///
/// `P(T > t) = ½ I_{ν/(ν+t²)}(ν/2, ½)` for `t ≥ 0`, by the regularised incomplete beta function
/// (`SpecialFunctions.regularizedIncompleteBeta`); both `ν/(ν+t²)` and its complement
/// `t²/(ν+t²)` (and their logarithms) are formed without cancellation. As in R's `pt`, when
/// `1 + t²/ν > 10¹⁰⁰` the leading term of the tail expansion is used.
public enum StudentT {
    /// Density (R `dt(t, df)`).
    public static func density(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT needs positive degrees of freedom")
        return exp(logDensity(abs(t), nu))
    }

    static func logDensity(_ t: Double, _ nu: Double) -> Double {
        let logOnePlus: Double
        if t * t <= nu {
            logOnePlus = log1p(t * t / nu)
        } else {
            // log(1 + t²/ν) = 2 log t − log ν + log1p(ν/t²), safe for huge t.
            logOnePlus = 2 * log(t) - log(nu) + log1p(nu / t / t)
        }
        return -(nu + 1) / 2 * logOnePlus - 0.5 * log(nu) - SpecialFunctions.logBeta(nu / 2, 0.5)
    }

    /// Upper tail `P(T > t)` for `t ≥ 0`.
    static func upperTail(_ t: Double, _ nu: Double) -> Double {
        if t == 0 { return 0.5 }
        if t.isInfinite { return 0 }
        if t / nu * t > 1e100 {
            let logTail = -0.5 * nu * (2 * log(t) - log(nu)) - SpecialFunctions.logBeta(0.5 * nu, 0.5) - log(0.5 * nu)
            return exp(logTail) / 2
        }
        // x = ν/(ν+t²) = 1/(1+s), y = t²/(ν+t²) = s/(1+s) with s = t²/ν (or r = 1/s).
        let x: Double, y: Double, logX: Double, logY: Double
        if t * t <= nu {
            let s = t * t / nu
            x = 1 / (1 + s); y = s / (1 + s)
            logX = -log1p(s); logY = log(s) + logX
        } else {
            let r = nu / t / t
            x = r / (1 + r); y = 1 / (1 + r)
            logY = -log1p(r); logX = log(r) + logY
        }
        return SpecialFunctions.regularizedIncompleteBeta(x: x, y: y, logX: logX, logY: logY, a: nu / 2, b: 0.5).lower / 2
    }

    /// Distribution function `P(T ≤ t)` (R `pt(t, df)`).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT needs positive degrees of freedom")
        precondition(!t.isNaN, "StudentT.cdf of NaN")
        return t <= 0 ? upperTail(-t, nu) : 1 - upperTail(t, nu)
    }

    /// Upper tail `P(T > t)` (R `pt(t, df, lower.tail = FALSE)`).
    public static func survival(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT needs positive degrees of freedom")
        precondition(!t.isNaN, "StudentT.survival of NaN")
        return t >= 0 ? upperTail(t, nu) : 1 - upperTail(-t, nu)
    }

    /// Two-sided p-value `P(|T| ≥ |t|) = 2 P(T > |t|)` (R `2 * pt(-abs(t), df)`).
    public static func twoSidedPValue(_ t: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT needs positive degrees of freedom")
        precondition(!t.isNaN, "StudentT.twoSidedPValue of NaN")
        return 2 * upperTail(abs(t), nu)
    }

    /// Quantile `t_p` with `P(T ≤ t_p) = p`, `0 < p < 1` (R `qt(p, df)`).
    ///
    /// Solves `log P(T > t) = log q` in `u = log t` on the tail holding `p` (`q = min(p, 1 − p)`,
    /// exact) by safeguarded Newton steps with a bisection fallback, started from the better of the
    /// Cornish–Fisher expansion around the normal quantile and the leading term of the tail
    /// expansion `P(T > t) ≈ ν^{ν/2 − 1} t^{−ν} / B(ν/2, ½)`. Converges to the root of `pt` to a
    /// few units in the last place.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Double) -> Double {
        precondition(nu > 0, "StudentT needs positive degrees of freedom")
        precondition(p > 0 && p < 1, "StudentT.quantile needs 0 < p < 1, got \(p)")
        if p == 0.5 { return 0 }
        let lower = p < 0.5
        let q = lower ? p : 1 - p
        let t = upperQuantile(q, nu)
        return lower ? -t : t
    }

    /// `t > 0` with `P(T > t) = q`, `0 < q < ½`.
    static func upperQuantile(_ q: Double, _ nu: Double) -> Double {
        // Starting values.
        var starts: [Double] = []
        if nu == 1 {
            starts.append(1 / tan(Double.pi * q))
        } else if nu == 2 {
            starts.append((1 - 2 * q) / (2 * q * (1 - q)).squareRoot())
        }
        let z = -Normal.quantile(q)
        let z2 = z * z
        let g1 = (z2 + 1) * z / 4
        let g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
        let g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
        let g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
        let cornishFisher = z + (g1 + (g2 + (g3 + g4 / nu) / nu) / nu) / nu
        if cornishFisher.isFinite && cornishFisher > 0 { starts.append(cornishFisher) }
        let logTail = ((nu / 2 - 1) * log(nu) - SpecialFunctions.logBeta(nu / 2, 0.5) - log(q)) / nu
        let tailStart = exp(logTail)
        if tailStart.isFinite && tailStart > 0 { starts.append(tailStart) }
        if starts.isEmpty { starts.append(1) }

        let logQ = log(q)
        return solveLogScale(starts: starts) { t in
            let s = upperTail(t, nu)
            // d log S / d log t = −t f(t) / S(t).
            let slope = -t * exp(logDensity(t, nu)) / s
            return (log(s) - logQ, slope)
        }
    }
}

/// Solves `g(u) = 0` for a strictly decreasing `g` of `u = log x` (returns `x`), by Newton steps
/// safeguarded with a bracket and bisection. `evaluate(x)` returns `g` and `dg/du` at `x`.
func solveLogScale(starts: [Double], evaluate: (Double) -> (value: Double, slope: Double)) -> Double {
    // Pick the start with the smallest |g|.
    var u = log(starts[0])
    var (g, slope) = evaluate(starts[0])
    for s in starts.dropFirst() {
        let (gs, ss) = evaluate(s)
        if gs.isFinite && (!g.isFinite || abs(gs) < abs(g)) { u = log(s); g = gs; slope = ss }
    }
    var lo = -Double.infinity, hi = Double.infinity   // g(lo) > 0 > g(hi)
    for _ in 0..<400 {
        if g == 0 { break }
        if g > 0 { lo = max(lo, u) } else { hi = min(hi, u) }
        var next = u - g / slope
        if !next.isFinite || next <= lo || next >= hi {
            if lo.isFinite && hi.isFinite {
                next = 0.5 * (lo + hi)
            } else if lo.isFinite {
                next = lo + 1
            } else {
                next = hi - 1
            }
        }
        let step = next - u
        u = next
        (g, slope) = evaluate(exp(u))
        if abs(step) <= 4 * Double.ulpOfOne * max(1, abs(u)) { break }
        if lo.isFinite && hi.isFinite && hi - lo <= 2 * Double.ulpOfOne * max(1, abs(u)) { break }
    }
    // A last Newton step taken on x itself, so that the answer is not limited by the
    // resolution of u = log x (|u| ulps).
    let x = exp(u)
    let polished = x - x * g / slope
    return polished.isFinite && polished > 0 ? polished : x
}
