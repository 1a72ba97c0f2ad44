import Distributions

/// Rosenbaum bounds for a binary outcome in matched pairs: McNemar's test, conditional on the
/// discordant pairs (Rosenbaum 2002, *Observational Studies*, §4.3.2).
///
/// Of the `n = D₊ + D₋` pairs whose two members differ in outcome, `D₊` point in the direction
/// tested. Without hidden bias, `D₊ ~ Binomial(n, ½)`; with hidden bias at most `Γ`, the
/// chance that a discordant pair points that way lies between `p⁻ = 1/(1+Γ)` and
/// `p⁺ = Γ/(1+Γ)`, so the one-sided p-value `P(D₊ ≥ d)` is bounded by
///
///     lower(Γ) = P(X⁻ ≥ d),  upper(Γ) = P(X⁺ ≥ d),   X^± ~ Binomial(n, p^±),
///
/// computed as `P(X ≥ d) = I_p(d, n − d + 1)` (regularised incomplete beta, `Distributions`),
/// which is 1 when `d = 0`. R: `pbinom(d - 1, n, p, lower.tail = FALSE)`.
///
/// **Difference from `rbounds::binarysens(x, y)`.** `binarysens` takes `d = max(x, y)` and
/// returns `1 - pbinom(d, n, p) = P(X > d) = P(X ≥ d + 1)`: the probability of a result *more*
/// extreme than the one observed, excluding the observed count itself. A p-value includes the
/// observed value (at `Γ = 1` with `d = n` it must be `2⁻ⁿ`, not 0), so this type computes
/// `P(X ≥ d)`; `binarysens`' numbers are this type's with `d + 1` (the fixture test checks both,
/// docs/inference.md). `binarysens` also tests whichever direction has more pairs; this type tests
/// the direction given by the caller.
public struct SignTestBounds: RosenbaumBounds, Equatable {
    /// `D₊`: discordant pairs in the direction tested.
    public let favourable: Int
    /// `D₋`: discordant pairs the other way.
    public let unfavourable: Int

    public init(favourable: Int, unfavourable: Int) throws {
        guard favourable >= 0, unfavourable >= 0 else {
            throw SensitivityError.invalidArgument("counts of discordant pairs cannot be negative")
        }
        self.favourable = favourable
        self.unfavourable = unfavourable
    }

    /// Pairs `(treated, control)` of 0/1 outcomes, testing that treated outcomes are *lower*
    /// (`reduction: true`: favourable pairs are treated 0, control 1) or higher.
    public init(treated: [Bool], control: [Bool], reduction: Bool) throws {
        guard treated.count == control.count else {
            throw SensitivityError.invalidArgument("treated and control outcomes differ in length (\(treated.count) and \(control.count))")
        }
        var down = 0, up = 0
        for (t, c) in zip(treated, control) where t != c {
            if c { down += 1 } else { up += 1 }
        }
        try self.init(favourable: reduction ? down : up, unfavourable: reduction ? up : down)
    }

    /// `P(X ≥ d)` for `X ~ Binomial(n, p)` with `p = g/(1+g)`, `1 − p = 1/(1+g)`.
    public static func upperTail(atLeast d: Int, of n: Int, oddsRatio g: Double) -> Double {
        if d <= 0 { return 1 }
        if d > n { return 0 }
        let p = g / (1 + g), q = 1 / (1 + g)
        return SpecialFunctions.regularizedIncompleteBeta(x: p, y: q, a: Double(d), b: Double(n - d + 1)).lower
    }

    public func bound(gamma: Double) -> GammaBound {
        let n = favourable + unfavourable
        return GammaBound(gamma: gamma,
                          lower: Self.upperTail(atLeast: favourable, of: n, oddsRatio: 1 / gamma),
                          upper: Self.upperTail(atLeast: favourable, of: n, oddsRatio: gamma))
    }
}
