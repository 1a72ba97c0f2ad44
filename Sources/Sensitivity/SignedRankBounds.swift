import Distributions

/// Rosenbaum bounds for Wilcoxon's signed-rank test in matched pairs (Rosenbaum 2002,
/// *Observational Studies*, §4.3.3; R `rbounds::psens`).
///
/// With pair differences `dᵢ` (treated − control, in the direction tested), zeros dropped,
/// `qᵢ` the average ranks of `|dᵢ|` and `T = Σ_{dᵢ>0} qᵢ`: under hidden bias at most `Γ`, `T` is
/// bounded by sums of independent `qᵢ·Bernoulli(p^±)`, `p⁺ = Γ/(1+Γ)`, `p⁻ = 1/(1+Γ)`, with
///
///     E^± = p^± Σ qᵢ,   V = p⁺(1 − p⁺) Σ qᵢ²   (the same for both),
///
/// and, by the normal approximation, `upper(Γ) = 1 − Φ((T − E⁺)/√V)`,
/// `lower(Γ) = 1 − Φ((T − E⁻)/√V)` (`Normal.survival`, accurate in the tail; `rbounds` forms
/// `1 - pnorm(z)`, equal to within 1e-16 absolute, and rounds to 4 decimals).
public struct SignedRankBounds: RosenbaumBounds, Equatable {
    /// `T`, the signed-rank statistic.
    public let statistic: Double
    /// `Σ qᵢ` and `Σ qᵢ²` over the non-zero differences.
    public let rankSum: Double
    public let rankSquareSum: Double
    /// Non-zero differences used.
    public let nonZeroPairs: Int

    /// - Parameter differences: one per pair, positive when the pair points in the direction
    ///   tested (for a reduction: control − treated).
    /// - Throws: `invalidArgument` when a difference is not finite or every difference is zero.
    public init(differences: [Double]) throws {
        guard differences.allSatisfy(\.isFinite) else {
            throw SensitivityError.invalidArgument("a pair difference is not a finite number")
        }
        let d = differences.filter { $0 != 0 }
        guard !d.isEmpty else {
            throw SensitivityError.invalidArgument("every pair difference is zero, so there is no signed-rank test")
        }
        let q = averageRanks(d.map { abs($0) })
        var t = 0.0, s1 = 0.0, s2 = 0.0
        for (di, qi) in zip(d, q) {
            if di > 0 { t += qi }
            s1 += qi
            s2 += qi * qi
        }
        statistic = t; rankSum = s1; rankSquareSum = s2; nonZeroPairs = d.count
    }

    /// The standardised deviates `(T − E^±)/√V` at `Γ`.
    public func deviates(gamma: Double) -> (upper: Double, lower: Double) {
        let pPlus = gamma / (1 + gamma), pMinus = 1 / (1 + gamma)
        let sd = (rankSquareSum * pPlus * (1 - pPlus)).squareRoot()
        return ((statistic - rankSum * pPlus) / sd, (statistic - rankSum * pMinus) / sd)
    }

    public func bound(gamma: Double) -> GammaBound {
        let z = deviates(gamma: gamma)
        return GammaBound(gamma: gamma, lower: Normal.survival(z.lower), upper: Normal.survival(z.upper))
    }
}

/// The range of the Hodges–Lehmann estimate of an additive effect in matched pairs under hidden
/// bias at most `Γ` (Rosenbaum 1993, "Hodges–Lehmann point estimates of treatment effect in
/// observational studies", *JASA* 88:1250–1253; Rosenbaum 2002, §4.3.5).
///
/// For a shift `τ`, let `T(τ)` be the signed-rank statistic of `dᵢ − τ` over all `S` pairs. It
/// counts the Walsh averages `(dᵢ + dⱼ)/2, i ≤ j` above `τ` (`M = S(S+1)/2` of them), so it is a
/// non-increasing step function. The estimate under an expectation `μ` is the point where `T`
/// crosses `μ`: `(sup{τ : T(τ) > μ} + inf{τ : T(τ) < μ})/2`, which with the Walsh averages
/// sorted in decreasing order `w₍₁₎ ≥ … ≥ w₍M₎` is
///
///     τ(μ) = (w₍⌊μ⌋+1₎ + w₍⌈μ⌉₎) / 2.
///
/// At `Γ = 1`, `μ = M/2`: the median of the Walsh averages (the Hodges–Lehmann estimate). Under
/// `Γ`, the largest estimate uses the smallest null expectation, `μ⁻ = M/(1+Γ)`, and the smallest
/// uses `μ⁺ = MΓ/(1+Γ)`: the bounds are `[τ(μ⁺), τ(μ⁻)]`, exactly (no search).
///
/// **Difference from `rbounds::hlsens`.** `hlsens` starts at `wilcox.test(...)$estimate`
/// (an approximate root found by `uniroot`) and steps by `pr` (default 0.1) until `T(τ)` passes
/// `μ^∓`, so its bounds are grid points up to `pr` beyond the crossing; the fixture test checks
/// that each `hlsens` bound is the first grid point past this type's crossing.
/// Memory and time are `O(S²)`: for up to a few thousand pairs.
public struct HodgesLehmannBounds: Sendable, Equatable {
    /// The pair differences.
    public let differences: [Double]
    /// The Walsh averages, in decreasing order.
    public let walshAverages: [Double]

    public init(differences: [Double]) throws {
        guard !differences.isEmpty, differences.allSatisfy(\.isFinite) else {
            throw SensitivityError.invalidArgument("the Hodges-Lehmann estimate needs at least one finite pair difference")
        }
        self.differences = differences
        var w: [Double] = []
        w.reserveCapacity(differences.count * (differences.count + 1) / 2)
        for i in differences.indices {
            for j in i..<differences.count { w.append((differences[i] + differences[j]) / 2) }
        }
        walshAverages = w.sorted(by: >)
    }

    /// `τ(μ)`: the crossing of the step function `T` with the level `μ`, `0 < μ < M`.
    public func crossing(_ mu: Double) -> Double {
        let m = walshAverages.count
        let a = min(max(Int(mu.rounded(.down)) + 1, 1), m), b = min(max(Int(mu.rounded(.up)), 1), m)
        return (walshAverages[a - 1] + walshAverages[b - 1]) / 2
    }

    /// The Hodges–Lehmann estimate at `Γ = 1`.
    public var estimate: Double { crossing(Double(walshAverages.count) / 2) }

    /// `[τ(μ⁺), τ(μ⁻)]` at `Γ`.
    public func interval(gamma: Double) -> (lower: Double, upper: Double) {
        let m = Double(walshAverages.count)
        return (crossing(m * gamma / (1 + gamma)), crossing(m / (1 + gamma)))
    }

    /// `T(τ)` as `rbounds` computes it: average ranks of `|dᵢ − τ|` over all pairs (zeros
    /// included), summed over `dᵢ − τ > 0`.
    public func statistic(shift tau: Double) -> Double {
        let shifted = differences.map { $0 - tau }
        let q = averageRanks(shifted.map { abs($0) })
        return zip(shifted, q).reduce(0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
    }
}
