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
/// **Selection without the `M` averages** (`WalshAverages`): `w₍ₖ₎` is found in `O(S)` memory
/// and `O(64 S)` time after one sort of the differences (`O(S log S)`), so a national cohort
/// costs no more than its sort and a few passes:
///
/// 1. With the differences sorted, `x₁ ≤ … ≤ x_S`, the computed average `fl(fl(xᵢ + xⱼ)/2)` is
///    non-decreasing in each argument (IEEE rounding is monotone and addition commutative), so
///    `N(t) = #{i ≤ j : (xᵢ + xⱼ)/2 > t}` is counted exactly, for the very doubles a full sort
///    would hold, by two pointers: as `i` rises, the first `j` with an average above `t` falls.
/// 2. `w₍ₖ₎` is the smallest double `t` with `N(t) < k`. Doubles map monotonically to integers
///    (the bit pattern, with negative numbers' bits flipped), so a bisection over the integers
///    between the images of `w₍M₎ = (x₁ + x₁)/2` and `w₍₁₎ = (x_S + x_S)/2` finds it in at most 64
///    counts.
///
/// The result is bit for bit the element a full sort puts at position `k`, with one exception a
/// sort leaves unspecified: a zero is returned as `+0`, whereas a sort could place a `−0` average
/// (both differences `−0`, or a sum that underflows) anywhere among the zeros.
///
/// **Difference from `rbounds::hlsens`.** `hlsens` starts at `wilcox.test(...)$estimate`
/// (an approximate root found by `uniroot`) and steps by `pr` (default 0.1) until `T(τ)` passes
/// `μ^∓`, so its bounds are grid points up to `pr` beyond the crossing; the fixture test checks
/// that each `hlsens` bound is the first grid point past this type's crossing.
public struct HodgesLehmannBounds: Sendable, Equatable {
    /// The pair differences.
    public let differences: [Double]
    /// The Walsh averages, in decreasing order, as a view: element `k` (0-based) is `w₍ₖ₊₁₎`,
    /// selected on demand (see the type's comment); none is stored.
    public let walshAverages: WalshAverages

    public init(differences: [Double]) throws {
        guard !differences.isEmpty, differences.allSatisfy(\.isFinite) else {
            throw SensitivityError.invalidArgument("the Hodges-Lehmann estimate needs at least one finite pair difference")
        }
        self.differences = differences
        walshAverages = WalshAverages(sortedDifferences: differences.sorted())
    }

    /// `τ(μ)`: the crossing of the step function `T` with the level `μ`, `0 < μ < M`.
    public func crossing(_ mu: Double) -> Double {
        let m = walshAverages.count
        let a = min(max(Int(mu.rounded(.down)) + 1, 1), m), b = min(max(Int(mu.rounded(.up)), 1), m)
        let wa = walshAverages[a - 1]
        return (wa + (b == a ? wa : walshAverages[b - 1])) / 2
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

/// The `M = S(S+1)/2` Walsh averages `(xᵢ + xⱼ)/2, i ≤ j` of `S` numbers, in decreasing order,
/// without storing them: each element is selected by counting and bisection
/// (`HodgesLehmannBounds` states the method), in `O(64 S)` time and no memory beyond the sorted
/// numbers.
public struct WalshAverages: RandomAccessCollection, Sendable, Equatable {
    /// The numbers, in increasing order.
    public let sortedDifferences: [Double]

    init(sortedDifferences: [Double]) { self.sortedDifferences = sortedDifferences }

    public var startIndex: Int { 0 }
    public var endIndex: Int { sortedDifferences.count * (sortedDifferences.count + 1) / 2 }

    /// `w₍ₚ₊₁₎`, the `(p+1)`-th largest average.
    public subscript(position: Int) -> Double {
        precondition(indices.contains(position), "a Walsh average's position is between 0 and M - 1")
        return largest(position + 1)
    }

    /// `#{i ≤ j : (xᵢ + xⱼ)/2 > t}`, by two pointers over the sorted numbers.
    func countAbove(_ t: Double) -> Int {
        let x = sortedDifferences, s = x.count
        var count = 0, j = s
        for i in 0..<s {
            // The first j (over all j) whose average with xᵢ exceeds t: non-increasing in i.
            while j > 0 && (x[i] + x[j - 1]) / 2 > t { j -= 1 }
            if j <= i {
                // This i and every later one have all their j >= i above t.
                let rest = s - i
                return count + rest * (rest + 1) / 2
            }
            count += s - j
        }
        return count
    }

    /// The `k`-th largest average, `1 ≤ k ≤ M`: the smallest double `t` with `countAbove(t) < k`,
    /// by bisection over the doubles' order-preserving integer images.
    func largest(_ k: Int) -> Double {
        let x = sortedDifferences
        var lo = Self.key((x[0] + x[0]) / 2), hi = Self.key((x[x.count - 1] + x[x.count - 1]) / 2)
        // countAbove(value(hi)) = 0 < k, and every t below value(lo), the smallest average, has
        // countAbove(t) = M >= k: the answer is in [lo, hi].
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if countAbove(Self.value(mid)) < k { hi = mid } else { lo = mid + 1 }
        }
        let w = Self.value(lo)
        return w == 0 ? 0 : w
    }

    /// An order-preserving map of doubles to unsigned integers (−0 just below +0): the bit
    /// pattern with the sign bit set for positive numbers, all bits flipped for negative ones.
    static func key(_ v: Double) -> UInt64 {
        let b = v.bitPattern
        return b & (1 << 63) == 0 ? b | (1 << 63) : ~b
    }

    /// The inverse of `key`.
    static func value(_ k: UInt64) -> Double {
        Double(bitPattern: k & (1 << 63) != 0 ? k & ~(1 << 63) : ~k)
    }
}
