import Foundation

// Special functions behind the distribution functions: log-gamma, log-beta, digamma, trigamma and
// the regularised incomplete beta and gamma functions. Everything is computed from textbook series,
// asymptotic expansions and continued fractions in double precision; nothing but Foundation's
// elementary functions (log, exp, log1p, sqrt) is used.

/// `log(2π) / 2`.
let halfLogTwoPi = 0.918_938_533_204_672_741_78

/// Special functions on the positive real line.
public enum SpecialFunctions {
    // MARK: - Gamma family

    /// The Stirling remainder `log Γ(x) − [(x − ½) log x − x + ½ log 2π]` for `x ≥ 10`.
    ///
    /// Sum of the asymptotic series `Σ B₂ₖ / (2k(2k−1) x^(2k−1))` up to `k = 8`; at `x = 10`
    /// the first omitted term is below 2e-18, so the remainder is exact to rounding.
    /// (This is also Loader's `stirlerr(x) = log Γ(x+1) − [(x+½) log x − x + ½ log 2π]`.)
    static func stirlingCorrection(_ x: Double) -> Double {
        let r = 1 / x, r2 = r * r
        // B2/(1*2), B4/(3*4), ..., B16/(15*16)
        let c: [Double] = [
            1.0 / 12, -1.0 / 360, 1.0 / 1260, -1.0 / 1680, 1.0 / 1188,
            -691.0 / 360_360, 1.0 / 156, -3617.0 / 122_400,
        ]
        var s = c[7]
        for k in stride(from: 6, through: 0, by: -1) { s = s * r2 + c[k] }
        return s * r
    }

    /// `log Γ(x)` for `x > 0`.
    ///
    /// For `x ≥ 10` Stirling's series with `stirlingCorrection`; below, the recurrence
    /// `log Γ(x) = log Γ(x + k) − log(x (x+1) … (x+k−1))` shifts the argument to `[10, 11)`.
    /// Absolute error a few units of `1e-16 · max(1, |log Γ(x)|)`.
    public static func logGamma(_ x: Double) -> Double {
        precondition(x > 0, "logGamma needs x > 0")
        if x >= 10 {
            return (x - 0.5) * log(x) - x + halfLogTwoPi + stirlingCorrection(x)
        }
        var product = 1.0, y = x
        while y < 10 { product *= y; y += 1 }
        return (y - 0.5) * log(y) - y + halfLogTwoPi + stirlingCorrection(y) - log(product)
    }

    /// `log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b)` for `a, b > 0`.
    ///
    /// When an argument is 10 or more the Stirling expansions are combined analytically so
    /// that the large, nearly cancelling `log Γ` terms never appear:
    /// with `p = min(a, b)`, `q = max(a, b)`, `s = p + q` and `c(·)` the Stirling remainder,
    /// - `p ≥ 10`: `−½ log q + ½ log 2π + c(p) + c(q) − c(s) + (p − ½) log(p/s) + q log1p(−p/s)`;
    /// - `q ≥ 10 > p`: `log Γ(p) + c(q) − c(s) + p − p log s + (q − ½) log1p(−p/s)`.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        precondition(a > 0 && b > 0, "logBeta needs positive arguments")
        let p = min(a, b), q = max(a, b), s = p + q
        if p >= 10 {
            let corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(s)
            return -0.5 * log(q) + halfLogTwoPi + corr + (p - 0.5) * log(p / s) + q * log1p(-p / s)
        } else if q >= 10 {
            let corr = stirlingCorrection(q) - stirlingCorrection(s)
            return logGamma(p) + corr + p - p * log(s) + (q - 0.5) * log1p(-p / s)
        }
        return logGamma(p) + logGamma(q) - logGamma(s)
    }

    /// The digamma function `ψ(x) = d/dx log Γ(x)` for `x > 0`.
    ///
    /// Recurrence `ψ(x) = ψ(x + 1) − 1/x` up to `x ≥ 10`, then the asymptotic series
    /// `log x − 1/(2x) − Σ B₂ₖ / (2k x^(2k))` (terms to `x⁻¹⁴`).
    public static func digamma(_ x: Double) -> Double {
        precondition(x > 0, "digamma needs x > 0")
        var y = x, shift = 0.0
        while y < 10 { shift += 1 / y; y += 1 }
        let r2 = 1 / (y * y)
        // B2/2, B4/4, ..., B14/14
        let c: [Double] = [1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32_760, 1.0 / 12]
        var s = c[6]
        for k in stride(from: 5, through: 0, by: -1) { s = s * r2 + c[k] }
        return log(y) - 0.5 / y - s * r2 - shift
    }

    /// The trigamma function `ψ'(x)` for `x > 0`.
    ///
    /// Recurrence `ψ'(x) = ψ'(x + 1) + 1/x²` up to `x ≥ 10`, then the asymptotic series
    /// `1/x + 1/(2x²) + Σ B₂ₖ / x^(2k+1)` (terms to `x⁻¹⁵`).
    public static func trigamma(_ x: Double) -> Double {
        precondition(x > 0, "trigamma needs x > 0")
        var y = x, shift = 0.0
        while y < 10 { shift += 1 / (y * y); y += 1 }
        let r = 1 / y, r2 = r * r
        // B2, B4, ..., B14
        let c: [Double] = [1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6]
        var s = c[6]
        for k in stride(from: 5, through: 0, by: -1) { s = s * r2 + c[k] }
        return r + 0.5 * r2 + s * r2 * r + shift
    }

    // MARK: - Incomplete beta

    /// The regularised incomplete beta function and its complement,
    /// `I_x(a, b)` and `1 − I_x(a, b)`, for `0 ≤ x ≤ 1`, `a, b > 0`.
    ///
    /// - Parameters:
    ///   - x: the argument.
    ///   - y: `1 − x`, passed separately so that callers who know it exactly (for example
    ///     `t²/(ν + t²)` for the t distribution) do not lose digits to cancellation.
    /// - Returns: `(lower: I_x(a, b), upper: 1 − I_x(a, b))`. The smaller of the two is computed
    ///   directly (never as one minus the other) whenever the continued fraction allows it.
    ///
    /// Method: the continued fraction for `I_x(a, b)` (Abramowitz & Stegun 26.5.8) evaluated by the
    /// modified Lentz algorithm, applied to `I_x(a, b)` when `x < (a + 1)/(a + b + 2)` and otherwise
    /// to `I_y(b, a) = 1 − I_x(a, b)`, where it converges fastest. The prefactor
    /// `x^a y^b / (a B(a, b))` is formed in logarithms with `logBeta`.
    public static func regularizedIncompleteBeta(x: Double, y: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        precondition(x >= 0 && y >= 0 && abs(x + y - 1) <= 4 * Double.ulpOfOne, "incomplete beta needs 0 <= x = 1 - y <= 1")
        // log x and log y from whichever of x, y is known to full relative precision.
        let logX = x < 0.5 ? log(x) : log1p(-y)
        let logY = y < 0.5 ? log(y) : log1p(-x)
        return regularizedIncompleteBeta(x: x, y: y, logX: logX, logY: logY, a: a, b: b)
    }

    /// As `regularizedIncompleteBeta(x:y:a:b:)`, with `log x` and `log y` supplied by a caller
    /// that can form them more accurately than `log(x)` (the prefactor `x^a y^b` multiplies
    /// their errors by `a` and `b`, which matters for large shape parameters).
    static func regularizedIncompleteBeta(x: Double, y: Double, logX: Double, logY: Double, a: Double, b: Double) -> (lower: Double, upper: Double) {
        precondition(a > 0 && b > 0, "incomplete beta needs a, b > 0")
        if x == 0 { return (0, 1) }
        if y == 0 { return (1, 0) }
        // Large a, small b, x near 1 (the t distribution with many degrees of freedom): the
        // continued fraction is ill-conditioned there, the asymptotic expansion is not.
        // When the expansion's value is near 1, its small complement comes from the power series
        // (few terms there, all positive).
        if a >= largeShape && b <= 1 && x >= 0.5 {
            let v = betaLargeShapeExpansion(logX: logX, a: a, b: b)
            if v < 0.9 { return (v, 1 - v) }
            let c = betaPowerSeries(x: y, logX: logY, logY: logX, a: b, b: a)
            return (1 - c, c)
        }
        if b >= largeShape && a <= 1 && y >= 0.5 {
            let v = betaLargeShapeExpansion(logX: logY, a: b, b: a)
            if v < 0.9 { return (1 - v, v) }
            let c = betaPowerSeries(x: x, logX: logX, logY: logY, a: a, b: b)
            return (c, 1 - c)
        }
        if x < (a + 1) / (a + b + 2) {
            let v = betaContinuedFraction(x: x, logX: logX, logY: logY, a: a, b: b)
            return (v, 1 - v)
        } else {
            let v = betaContinuedFraction(x: y, logX: logY, logY: logX, a: b, b: a)
            return (1 - v, v)
        }
    }

    /// Shape parameter from which `betaLargeShapeExpansion` replaces the continued fraction.
    static let largeShape = 50.0

    /// Coefficients `ℓₖ` of `log(sinh z / z) = Σₖ ℓₖ z^(2k)` (k = 1, 2, …), from the power series
    /// `sinh z / z = Σ z^(2k)/(2k+1)!` by the logarithm recurrence.
    static let logSinhcCoefficients: [Double] = {
        let count = 40
        var s = [Double](repeating: 0, count: count + 1)
        var factorial = 1.0
        for k in 0...count {
            if k > 0 { factorial *= Double(2 * k) * Double(2 * k + 1) }
            s[k] = 1 / factorial
        }
        var l = [Double](repeating: 0, count: count + 1)
        for n in 1...count {
            var acc = 0.0
            for k in 1..<max(n, 1) { acc += Double(k) * l[k] * s[n - k] }
            l[n] = s[n] - acc / Double(n)
        }
        return Array(l[1...])
    }()

    /// `I_x(a, b)` for large `a`, `b ≤ 1` and `x ≥ ½`, by the expansion behind TOMS 708's `bgrat`
    /// (DiDonato & Morris 1992), derived as follows. With `t = e^(−w)`, `w₀ = −log x`,
    /// `T = a + (b − 1)/2`:
    ///
    ///     I_x(a, b) = 1/B(a, b) ∫_{w₀}^∞ e^(−Tw) w^(b−1) φ(w) dw,   φ(w) = [sinh(w/2)/(w/2)]^(b−1),
    ///
    /// and with `φ(w) = Σₙ eₙ (w/2)^(2n)` (from `exp((b−1) log(sinh z/z))`) each term integrates to
    /// an upper incomplete gamma function:
    ///
    ///     I_x(a, b) = Γ(b) / (B(a, b) T^b) · Σₙ eₙ (4T²)^(−n) Γ(b + 2n, T w₀)/Γ(b),
    ///
    /// where `Γ(b + 2n, u)/Γ(b)` follows from `Q(b, u)` by the upward recurrence
    /// `Γ(s + 1, u) = s Γ(s, u) + u^s e^(−u)` (all terms positive). The series is summed until a
    /// term is below 1e-17 of the sum or starts to grow (it is asymptotic in `T`).
    static func betaLargeShapeExpansion(logX: Double, a: Double, b: Double) -> Double {
        let w0 = -logX
        let t = a + (b - 1) / 2
        let u = t * w0
        let beta = b - 1
        // e_n for exp(beta * L(s)), s = z².
        let l = logSinhcCoefficients
        let terms = l.count
        var e = [Double](repeating: 0, count: terms + 1)
        e[0] = 1
        for n in 1...terms {
            var acc = 0.0
            for k in 1...n { acc += Double(k) * beta * l[k - 1] * e[n - k] }
            e[n] = acc / Double(n)
        }
        // G_n = Γ(b + 2n, u)/Γ(b), scaled by (4T²)^(−n) as we go.
        let scale = 1 / (4 * t * t)
        var g = regularizedIncompleteGamma(a: b, x: u).upper
        // r_s = u^s e^(−u) / Γ(b), starting at s = b.
        let logR0 = b * log(u) - u - logGamma(b)
        var sum = e[0] * g
        var previous = abs(sum)
        var power = 1.0          // (4T²)^(−n)
        var sExponent = b         // current s in Γ(s, u)
        for n in 1...terms {
            // Two recurrence steps: s → s + 1 → s + 2.
            for _ in 0..<2 {
                let r = exp(logR0 + (sExponent - b) * log(u))
                g = sExponent * g + r
                sExponent += 1
            }
            power *= scale
            let term = e[n] * g * power
            if !term.isFinite || (n > 2 && abs(term) > previous) { break }
            sum += term
            previous = abs(term)
            if abs(term) <= 1e-17 * abs(sum) { break }
        }
        let logPrefactor = logGamma(b) - logBeta(a, b) - b * log(t)
        return exp(logPrefactor) * sum
    }

    /// `I_x(a, b) = x^a y^b / (a B(a, b)) · Σₙ (a+b)ₙ/(a+1)ₙ xⁿ` (the hypergeometric series
    /// `₂F₁(a + b, 1; a + 1; x)`; positive terms, fast when `(a + b) x` is moderate).
    static func betaPowerSeries(x: Double, logX: Double, logY: Double, a: Double, b: Double) -> Double {
        let logFront = a * logX + b * logY - logBeta(a, b) - log(a)
        var term = 1.0, sum = 1.0, n = 0.0
        while n < 1_000_000 {
            term *= (a + b + n) / (a + 1 + n) * x
            sum += term
            if term <= 1e-17 * sum { break }
            n += 1
        }
        return exp(logFront) * sum
    }

    /// `I_x(a, b)` by its continued fraction (converges for `x < (a+1)/(a+b+2)`).
    static func betaContinuedFraction(x: Double, logX: Double, logY: Double, a: Double, b: Double) -> Double {
        let logFront = a * logX + b * logY - logBeta(a, b) - log(a)
        if logFront < -745.2 { return 0 }
        let tiny = 1e-300, eps = 0.0
        // Modified Lentz: f = 1 / (1 + d1 / (1 + d2 / (1 + ...))).
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var f = d
        var m = 1
        while m <= 100_000 {
            let dm = Double(m)
            // Even step: d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m)).
            var coefficient = dm * (b - dm) * x / ((a + 2 * dm - 1) * (a + 2 * dm))
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            f *= d * c
            // Odd step: d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1)).
            coefficient = -(a + dm) * (a + b + dm) * x / ((a + 2 * dm) * (a + 2 * dm + 1))
            d = 1 + coefficient * d
            if abs(d) < tiny { d = tiny }
            c = 1 + coefficient / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            f *= delta
            if abs(delta - 1) <= eps { break }
            m += 1
        }
        return exp(logFront) * f
    }

    // MARK: - Incomplete gamma

    /// `x^a e^(−x) / Γ(a + 1)`, the Poisson probability of `a` events at mean `x`, computed without
    /// cancellation for large `a` (Loader's saddle-point form
    /// `exp(−stirlerr(a) − bd0(a, x)) / √(2π a)` with `bd0(a, x) = a log(a/x) + x − a`).
    static func poissonTerm(_ a: Double, _ x: Double) -> Double {
        if x == 0 { return 0 }
        if a < 10 {
            return exp(a * log(x) - x - logGamma(a + 1))
        }
        return exp(-stirlingCorrection(a) - deviancePart(a, x)) / (2 * Double.pi * a).squareRoot()
    }

    /// `a log(a/x) + x − a`, by its series in `v = (a − x)/(a + x)` when `a ≈ x`.
    static func deviancePart(_ a: Double, _ x: Double) -> Double {
        if abs(a - x) < 0.1 * (a + x) {
            let v = (a - x) / (a + x)
            var s = (a - x) * v
            var ej = 2 * a * v
            let v2 = v * v
            var j = 1.0
            while j < 1000 {
                ej *= v2
                let s1 = s + ej / (2 * j + 1)
                if s1 == s { return s1 }
                s = s1
                j += 1
            }
            return s
        }
        return a * log(a / x) + x - a
    }

    /// The regularised incomplete gamma functions `P(a, x) = γ(a, x)/Γ(a)` and `Q(a, x) = 1 − P(a, x)`
    /// for `a > 0`, `x ≥ 0`.
    ///
    /// Method: the power series `P = x^a e^(−x)/Γ(a+1) · Σₙ xⁿ / ((a+1)…(a+n))` when `x < a + 1`,
    /// otherwise the Legendre continued fraction for `Q` (modified Lentz). The smaller of `P` and
    /// `Q` in each region is the one computed directly.
    public static func regularizedIncompleteGamma(a: Double, x: Double) -> (lower: Double, upper: Double) {
        precondition(a > 0, "incomplete gamma needs a > 0")
        precondition(x >= 0, "incomplete gamma needs x >= 0")
        if x == 0 { return (0, 1) }
        if x.isInfinite { return (1, 0) }
        if x < a + 1 {
            // Series.
            var term = 1.0, sum = 1.0, n = 1.0
            while n < 100_000 {
                term *= x / (a + n)
                sum += term
                if term < sum * 1e-17 { break }
                n += 1
            }
            let p = poissonTerm(a, x) * sum
            return (p, 1 - p)
        }
        // Continued fraction for Q: e^-x x^a / Γ(a) · 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))).
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        var i = 1.0
        while i < 100_000 {
            let an = -i * (i - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= 1e-16 { break }
            i += 1
        }
        // e^-x x^a / Γ(a) = a · x^a e^-x / Γ(a + 1).
        let q = a * poissonTerm(a, x) * h
        return (1 - q, q)
    }
}
