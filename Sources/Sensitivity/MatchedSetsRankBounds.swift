import Distributions
import RArithmetic

/// Rosenbaum bounds for matched sets of one treated unit and one or more controls: the aligned
/// rank (stratified Wilcoxon) test with the large-sample bounds of Gastwirth, Krieger & Rosenbaum
/// (2000, "Asymptotic separability in sensitivity analysis", *JRSS B* 62:545–555; Rosenbaum 2002,
/// §4.4–4.5; R `rbounds::mcontrol` for sets of equal size).
///
/// Each outcome is aligned by its set's mean (`y − ȳ_s`, R's `mean`), all aligned values are
/// ranked together (average ranks), and `T` is the sum of the treated units' ranks. Under hidden
/// bias at most `Γ`, the chance that unit `j` of set `s` (of size `n`) is the treated one is
/// `exp(γuⱼ)/Σₖ exp(γuₖ)` with `γ = log Γ` and unknown `uⱼ ∈ [0, 1]`. With the set's ranks
/// sorted, `q₍₁₎ ≤ … ≤ q₍n₎`, the extreme `u` are `(0,…,0,1,…,1)` with `i = 1…n−1` zeros, giving
///
///     μᵢ = (Σ_{j≤i} q₍ⱼ₎ + Γ Σ_{j>i} q₍ⱼ₎) / (i + Γ(n − i)),
///     νᵢ = (Σ_{j≤i} q₍ⱼ₎² + Γ Σ_{j>i} q₍ⱼ₎²) / (i + Γ(n − i)) − μᵢ².
///
/// For the upper bound each set contributes `μ_max = maxᵢ μᵢ` and, among the `i` attaining it,
/// the largest `νᵢ`; `upper(Γ) = 1 − Φ((T − Σ μ_max)/√Σ ν)`. The lower bound uses `Γ⁻¹` in
/// place of `Γ` (`μ_min = minᵢ` of the means with `1/Γ`), again with the largest variance among
/// the minimisers.
///
/// **Difference from `rbounds::mcontrol`.** `mcontrol` takes as variance `maxᵢ(E_i[q²]) − μ_max²`
/// (and `minᵢ(E_i[q²]) − μ_min²` for the lower bound): the second moment is maximised over all
/// `i`, not at the maximiser of the mean, which is not a variance of any one assignment
/// distribution. Gastwirth, Krieger & Rosenbaum bound the statistic by the distribution that
/// attains `μ_max`, so this type uses that distribution's variance; the fixture test
/// reproduces `mcontrol`'s numbers from `configurations(gamma:)` and shows the difference
/// (docs/inference.md). At `Γ = 1` the two agree.
public struct MatchedSetsRankBounds: RosenbaumBounds, Equatable {
    /// `T`, the sum of the treated units' aligned ranks.
    public let statistic: Double
    /// Each set's aligned ranks, sorted increasing.
    public let setRanks: [[Double]]

    /// - Parameters:
    ///   - sets: outcomes of each set's members.
    ///   - treatedMember: the index, within its set, of each set's treated unit.
    /// - Throws: `invalidArgument` for a set of fewer than two units, a bad index or a
    ///   non-finite outcome.
    public init(sets: [[Double]], treatedMember: [Int]) throws {
        guard !sets.isEmpty, sets.count == treatedMember.count else {
            throw SensitivityError.invalidArgument("matched sets and their treated members differ in number, or there are no sets")
        }
        var aligned: [Double] = [], setOf: [Int] = [], isTreated: [Bool] = []
        for (s, set) in sets.enumerated() {
            guard set.count >= 2 else { throw SensitivityError.invalidArgument("matched set \(s + 1) has fewer than two units") }
            guard set.indices.contains(treatedMember[s]) else {
                throw SensitivityError.invalidArgument("matched set \(s + 1) has no member \(treatedMember[s] + 1)")
            }
            guard set.allSatisfy(\.isFinite) else { throw SensitivityError.invalidArgument("matched set \(s + 1) has an outcome that is not finite") }
            let mean = rMean(set)
            for (j, y) in set.enumerated() {
                aligned.append(y - mean); setOf.append(s); isTreated.append(j == treatedMember[s])
            }
        }
        let q = averageRanks(aligned)
        var t = 0.0
        var ranks = [[Double]](repeating: [], count: sets.count)
        for k in q.indices {
            ranks[setOf[k]].append(q[k])
            if isTreated[k] { t += q[k] }
        }
        statistic = t
        setRanks = ranks.map { $0.sorted() }
    }

    /// One extreme assignment distribution of a set: `μᵢ` and `E_i[q²] = νᵢ + μᵢ²`.
    public struct Configuration: Sendable, Equatable {
        public var mean: Double
        public var secondMoment: Double
        public var variance: Double { secondMoment - mean * mean }
    }

    /// For each set, the `n − 1` configurations `i = 1…n−1` at odds `g` (`Γ` for the upper
    /// bound, `1/Γ` for the lower).
    public func configurations(odds g: Double) -> [[Configuration]] {
        setRanks.map { q in
            let n = q.count
            var total = 0.0, totalSquares = 0.0
            for v in q { total += v; totalSquares += v * v }
            var head = 0.0, headSquares = 0.0
            var out: [Configuration] = []
            for i in 1..<n {
                head += q[i - 1]; headSquares += q[i - 1] * q[i - 1]
                let denominator = Double(i) + g * Double(n - i)
                out.append(Configuration(mean: (head + g * (total - head)) / denominator,
                                         secondMoment: (headSquares + g * (totalSquares - headSquares)) / denominator))
            }
            return out
        }
    }

    /// Sum over sets of the extreme mean (largest when `largest`) and the largest variance among
    /// the configurations attaining it.
    func moments(odds g: Double, largest: Bool) -> (mean: Double, variance: Double) {
        // `configurations(odds:)` set by set, without storing them: the same expressions in the
        // same order, keeping the extreme mean and the largest variance among the configurations
        // that reach it (called for every step of the critical-Gamma search, on sets that can hold
        // thousands of units after radius matching).
        var mu = 0.0, v = 0.0
        for q in setRanks {
            q.withUnsafeBufferPointer { q in
                let n = q.count
                var total = 0.0, totalSquares = 0.0
                for value in q { total += value; totalSquares += value * value }
                var head = 0.0, headSquares = 0.0
                var extreme = 0.0, extremeVariance = 0.0
                for i in 1..<n {
                    head += q[i - 1]; headSquares += q[i - 1] * q[i - 1]
                    let denominator = Double(i) + g * Double(n - i)
                    let c = Configuration(mean: (head + g * (total - head)) / denominator,
                                          secondMoment: (headSquares + g * (totalSquares - headSquares)) / denominator)
                    if i == 1 || (largest ? c.mean > extreme : c.mean < extreme) {
                        extreme = c.mean
                        extremeVariance = c.variance
                    } else if c.mean == extreme, c.variance > extremeVariance {
                        extremeVariance = c.variance
                    }
                }
                mu += extreme
                v += extremeVariance
            }
        }
        return (mu, v)
    }

    public func bound(gamma: Double) -> GammaBound {
        let up = moments(odds: gamma, largest: true), down = moments(odds: 1 / gamma, largest: false)
        return GammaBound(gamma: gamma,
                          lower: Normal.survival((statistic - down.mean) / down.variance.squareRoot()),
                          upper: Normal.survival((statistic - up.mean) / up.variance.squareRoot()))
    }
}
