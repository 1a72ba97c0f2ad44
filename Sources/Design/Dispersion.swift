import Foundation

/// Ways to choose the negative binomial size `θ` (dispersion) for a design.
public enum NegativeBinomialDispersion {
    /// Method-of-moments size from a mean `m` and a variance `s²`: solving `s² = m + m²/θ` gives
    /// `θ̂ = m² / (s² − m)`; `.infinity` (Poisson) when `s² ≤ m`, i.e. no overdispersion.
    public static func methodOfMoments(mean m: Double, variance s2: Double) -> Double {
        s2 > m ? m * m / (s2 - m) : .infinity
    }

    /// The size `θ` at which a negative binomial with mean `μ` puts probability `p₀` on zero:
    /// the root of `P(Y = 0) = (θ/(θ + μ))^θ = p₀`.
    ///
    /// This turns two published figures into a dispersion: for Peterborough, about 60% reconvicted
    /// within a year (`p₀ = 0.40`) with 1.55 reconviction events per person gives `θ ≈ 0.94`.
    /// `log P(Y = 0) = −θ log(1 + μ/θ)` falls strictly from 0 (`θ → 0`) to `−μ` (`θ → ∞`, Poisson),
    /// so a root exists exactly when `e^{−μ} < p₀ < 1`; it is found by bisection on `log θ` down to
    /// adjacent doubles.
    /// - Throws: `invalidArgument` when `μ ≤ 0` or `p₀` is outside `(e^{−μ}, 1)` (every negative
    ///   binomial has more zeros than the Poisson with its mean, `e^{−μ}`).
    public static func matchingZeroFraction(_ p0: Double, mean mu: Double) throws -> Double {
        guard mu > 0, mu.isFinite else {
            throw DesignError.invalidArgument("the mean must be positive and finite, got \(mu)")
        }
        guard p0 > exp(-mu), p0 < 1 else {
            throw DesignError.invalidArgument(
                "a negative binomial with mean \(mu) has a zero fraction in (\(exp(-mu)), 1), got \(p0)")
        }
        let target = log(p0)
        // g(t) = log P(Y = 0) at θ = e^t, decreasing in t.
        func g(_ t: Double) -> Double {
            let theta = exp(t)
            return -theta * log1p(mu / theta)
        }
        var lo = -40.0, hi = 40.0
        while g(lo) <= target { lo -= 40 }
        while g(hi) >= target { hi += 40; if hi > 700 { break } }
        // Invariant: g(lo) > target >= g(hi).
        while true {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if g(mid) > target { lo = mid } else { hi = mid }
        }
        let t = abs(g(lo) - target) < abs(g(hi) - target) ? lo : hi
        return exp(t)
    }
}

/// Rate and dispersion estimated from pilot data (per-person event counts), for planning.
///
/// - `mean = Σy/n`, `variance = Σ(y − ȳ)²/(n − 1)` (two passes);
/// - `dispersion` is the method-of-moments size `θ̂ = ȳ²/(s² − ȳ)` (`.infinity` when `s² ≤ ȳ`).
///   It is also the root of `Σ(y − ȳ)²/(ȳ + ȳ²/θ) = n − 1`, i.e. MASS's `theta.mm(y, mean(y), n − 1)`;
/// - `zeroFraction` is the share of people with no event.
///
/// Moment estimates of `θ` are noisy in small pilots (and biased upwards); treat them as a guide.
public struct CountPilotEstimate: Sendable, Equatable {
    /// Number of people `n`.
    public let count: Int
    /// Mean events per person `ȳ`.
    public let mean: Double
    /// Sample variance `s²` (denominator `n − 1`).
    public let variance: Double
    /// Method-of-moments size `θ̂`.
    public let dispersion: Double
    /// Share of zero counts.
    public let zeroFraction: Double

    /// - Throws: `invalidArgument` for fewer than 2 people, a negative count, or all counts zero.
    public init(counts: [Int]) throws {
        guard counts.count >= 2 else {
            throw DesignError.invalidArgument("a pilot estimate needs at least 2 people, got \(counts.count)")
        }
        var total = 0, zeros = 0
        for y in counts {
            guard y >= 0 else { throw DesignError.invalidArgument("counts must be non-negative, got \(y)") }
            total += y
            if y == 0 { zeros += 1 }
        }
        guard total > 0 else { throw DesignError.invalidArgument("every pilot count is zero: no rate to estimate") }
        let n = Double(counts.count)
        let m = Double(total) / n
        var ss = 0.0
        for y in counts { let d = Double(y) - m; ss += d * d }
        count = counts.count
        mean = m
        variance = ss / (n - 1)
        dispersion = NegativeBinomialDispersion.methodOfMoments(mean: m, variance: variance)
        zeroFraction = Double(zeros) / n
    }
}
