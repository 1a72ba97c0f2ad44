import RArithmetic

/// The Abadie–Imbens (2006) standard error of the nearest-neighbour matching estimator with
/// replacement, for the effect on the focal group (ATT: treated focal; ATC: controls focal; ATE:
/// every unit focal, matched in the other group), as R's `Matching::Match(Y, Tr, X, M, estimand,
/// replace = TRUE, BiasAdjust = FALSE, Var.calc = 0)` computes it (Matching 4.10, `RmatchLoop`),
/// from given matched sets.
///
/// Each focal unit `i` with `k ≥ 1` matches `j` contributes `k` pair rows with weight `w_j` (`1/k`,
/// or the shares of tied matches) and pair effect `τ_{ij} = s_i (Y_i − Y_j)` (`s_i = +1` for a
/// treated focal unit, `−1` for a control, so the effect is always treated − control); its own
/// effect is `τ_i = s_i (Y_i − Σ_j w_j Y_j)`. With `N` matched focal units, `K_c = Σ w` and
/// `KK_c = Σ w²` over the sets unit `c` is a match in:
///
/// - estimate `τ̂ = Σ τ_i / N`;
/// - `σ² = ½ Σ_rows w (τ_{ij} − τ̂)² / N` (`Var.calc = 0`: one conditional variance, from the
///   pair effects);
/// - population variance (`sample = FALSE`, Match's default)
///   `V = [σ² Σ_c (K_c² − KK_c + 2K_c·[ATE]) + Σ_i (τ_i − τ̂)²] / N²`;
/// - sample variance (`sample = TRUE`) `V_s = σ² Σ_u (f_u + K_u)² / N²`, `f_u = 1` for a focal unit
///   (every unit for the ATE), so `σ² [N + Σ_c K_c²] / N²` for the ATT and ATC.
///
/// This is conditional on the matching score; `estimatedScoreAdjustment` gives Abadie and Imbens
/// (2016)'s adjustment for a score that was itself estimated (ATE).
public enum AbadieImbens {
    /// Whose effect: the focal group's (ATT, ATC) or everyone's (ATE).
    public enum Estimand: String, Sendable, CaseIterable {
        case att = "ATT"
        case atc = "ATC"
        case ate = "ATE"
    }

    public struct Result: Sendable, Equatable {
        public let estimate: Double
        /// √V (Match's `se` with `sample = FALSE`).
        public let standardError: Double
        /// √V_s (Match's `se` with `sample = TRUE`).
        public let sampleStandardError: Double
        /// Focal units with at least one match.
        public let matchedFocalUnits: Int

        /// The estimate with the population standard error: Wald statistic, two-sided p-value and
        /// interval at `level` on the normal reference (as `summary(Match(...))`).
        /// - Throws: `zeroVariance` when the standard error is 0; `invalidArgument` for the level.
        public func inference(level: Double) throws -> Estimate {
            try validateLevel(level)
            return try Estimate(estimate: estimate, standardError: standardError, reference: .normal, level: level,
                                what: "Abadie–Imbens standard error")
        }
    }

    /// - Parameters:
    ///   - outcome: every unit's outcome (indexed like `treated`).
    ///   - focalUnits: the focal units (`MatchResult.focalUnits`); those without matches are left out.
    ///   - matches: each focal unit's matches (`MatchResult.matches`), in the other group.
    ///   - shares: each match's weight within its set, summing to 1 per focal unit (`Match`'s
    ///     `weights` when ties are kept); nil for `1/k` each (a match without ties).
    ///   - focalIsTreated: true for the ATT, false for the ATC.
    /// - Throws: `lengthMismatch`; `invalidArgument` for an index out of range, a match in the
    ///   focal group or no matched focal unit; `nonFiniteValue`.
    public static func standardError(outcome y: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]],
                                     shares: [[Double]]? = nil, focalIsTreated: Bool) throws -> Result {
        try standardError(outcome: y, treated: treated, focalUnits: focalUnits, matches: matches, shares: shares,
                          estimand: focalIsTreated ? .att : .atc)
    }

    /// As above for any estimand: with `.ate` the focal units are of both groups (each matched in
    /// the other), as `Match(estimand = "ATE")`.
    public static func standardError(outcome y: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]],
                                     shares: [[Double]]? = nil, estimand: Estimand) throws -> Result {
        let n = y.count
        guard treated.count == n, focalUnits.count == matches.count else {
            throw OutcomesError.lengthMismatch("\(n) outcomes, \(treated.count) treatment flags, \(focalUnits.count) focal units, \(matches.count) match lists")
        }
        let everyone = estimand == .ate
        var k = [Double](repeating: 0, count: n), kk = [Double](repeating: 0, count: n)
        var unitEffects: [Double] = []
        var rows: [(weight: Double, effect: Double)] = []
        if let shares, shares.count != matches.count || zip(shares, matches).contains(where: { $0.count != $1.count }) {
            throw OutcomesError.lengthMismatch("the shares do not have the shape of the matches")
        }
        for (set, (i, found)) in zip(focalUnits, matches).enumerated() where !found.isEmpty {
            guard i >= 0, i < n, everyone || treated[i] == (estimand == .att) else {
                throw OutcomesError.invalidArgument("focal unit \(i) is not a unit of the focal group")
            }
            let s = treated[i] ? 1.0 : -1.0
            guard y[i].isFinite else { throw OutcomesError.nonFiniteValue(name: "outcome", unit: i) }
            var mean: ExtendedSum = 0
            for (m, j) in found.enumerated() {
                let share = shares?[set][m] ?? 1 / Double(found.count)
                guard j >= 0, j < n, treated[j] != treated[i] else {
                    throw OutcomesError.invalidArgument("unit \(j) matched to focal unit \(i) is not in the other group")
                }
                guard y[j].isFinite else { throw OutcomesError.nonFiniteValue(name: "outcome", unit: j) }
                mean += ExtendedSum(share * y[j])
                k[j] += share
                kk[j] += share * share
                rows.append((share, s * (y[i] - y[j])))
            }
            unitEffects.append(s * (y[i] - Double(mean)))
        }
        let count = unitEffects.count
        guard count > 0 else { throw OutcomesError.invalidArgument("no focal unit has a match") }
        let size = Double(count)
        var total: ExtendedSum = 0
        for t in unitEffects { total += ExtendedSum(t) }
        let estimate = Double(total) / size
        var pairSquares: ExtendedSum = 0
        for r in rows { pairSquares += ExtendedSum(r.weight * (r.effect - estimate) * (r.effect - estimate)) }
        let sigma2 = 0.5 * Double(pairSquares) / size
        var reuse: ExtendedSum = 0, reuseSample: ExtendedSum = 0
        for c in 0..<n where k[c] > 0 {
            reuse += ExtendedSum(k[c] * k[c] - kk[c] + (everyone ? 2 * k[c] : 0))
            reuseSample += ExtendedSum(k[c] * k[c] + (everyone ? 2 * k[c] : 0))
        }
        var heterogeneity: ExtendedSum = 0
        for t in unitEffects { heterogeneity += ExtendedSum((t - estimate) * (t - estimate)) }
        let population = (sigma2 * Double(reuse) + Double(heterogeneity)) / (size * size)
        let sample = sigma2 * (size + Double(reuseSample)) / (size * size)
        return Result(estimate: estimate, standardError: population.squareRoot(),
                      sampleStandardError: sample.squareRoot(), matchedFocalUnits: count)
    }
}

extension AbadieImbens {
    /// Abadie and Imbens (2016, "Matching on the estimated propensity score", Econometrica 84(2),
    /// 781–807, Theorem 1 and Section 4) for the ATE of nearest-neighbour matching with replacement
    /// on a logit propensity score `p(x) = F(x'θ)` estimated by maximum likelihood: matching on the
    /// estimated score changes the variance of the estimator to
    ///
    ///     V_adj = V − c' V_θ c,   c = (1/N) Σ_i [cov₁(i)/p_i + cov₀(i)/(1 − p_i)] f(x_i'θ̂)
    ///                               = (1/N) Σ_i [(1 − p_i) cov₁(i) + p_i cov₀(i)]     (logit: f = F(1 − F)),
    ///
    /// `V` the variance on the known score (`standardError(..., estimand: .ate)`), `V_θ` the
    /// coefficient covariance of the logit model (R's `vcov(glm)`, `I_θ⁻¹/N`), and `cov_w(i)` the
    /// covariance of the design row `x` and the outcome `y` among the `L` units of group `w`
    /// nearest to unit `i` in the estimated score (`i` itself and its `L − 1` nearest others when
    /// `i` is in group `w`; ties in `|p_j − p_i|` broken by the lower index):
    /// `cov_w(i) = Σ_{j∈H} (x_j − x̄_H)(y_j − ȳ_H)/(L − 1)`. The adjustment is never positive for
    /// the ATE (matching on the estimated score is at least as precise as on the true one).
    ///
    /// R's `Matching` does not compute it; `Scripts/fixtures-ai2016.R` is the reference.
    public struct ScoreAdjustment: Sendable, Equatable {
        /// The unadjusted result (`standardError(..., estimand: .ate)`).
        public let unadjusted: Result
        /// `c`, by design column.
        public let c: [Double]
        /// `c' V_θ c`, subtracted from the variance.
        public let correction: Double
        /// `√(V − c' V_θ c)`.
        public let standardError: Double
        /// `L`, the units per group behind each conditional covariance.
        public let neighbours: Int
    }

    /// - Parameters:
    ///   - outcome, treated, focalUnits, matches, shares: as `standardError(..., estimand: .ate)`;
    ///     every unit must be a focal unit with its matches.
    ///   - score: every unit's estimated propensity score `p_i` (the logit model's fitted values).
    ///   - design: the logit model's design columns (R's `model.matrix`, intercept included),
    ///     each indexed like `outcome`.
    ///   - coefficientCovariance: `V_θ`, row-major, `design.count²` entries.
    ///   - neighbours: `L ≥ 2`.
    /// - Throws: as `standardError`; `lengthMismatch`; `invalidArgument` when a unit is not matched,
    ///   a score is not in (0, 1), a group has fewer than `L` units, or the adjusted variance is not
    ///   positive.
    public static func estimatedScoreAdjustment(
        outcome y: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]], shares: [[Double]]? = nil,
        score p: [Double], design: [[Double]], coefficientCovariance v: [Double], neighbours: Int = 2
    ) throws -> ScoreAdjustment {
        let n = y.count, k = design.count
        guard p.count == n, design.allSatisfy({ $0.count == n }), v.count == k * k else {
            throw OutcomesError.lengthMismatch("\(n) outcomes, \(p.count) scores, design columns of \(design.map(\.count)), \(v.count) covariance entries for \(k) columns")
        }
        guard neighbours >= 2 else { throw OutcomesError.invalidArgument("the conditional covariances need at least 2 neighbours, not \(neighbours)") }
        let unadjusted = try standardError(outcome: y, treated: treated, focalUnits: focalUnits, matches: matches,
                                           shares: shares, estimand: .ate)
        guard unadjusted.matchedFocalUnits == n else {
            throw OutcomesError.invalidArgument("the adjustment is for the ATE with every unit matched; \(n - unadjusted.matchedFocalUnits) units have no match")
        }
        for (i, pi) in p.enumerated() where !(pi > 0 && pi < 1) {
            throw OutcomesError.invalidArgument("unit \(i) has propensity score \(pi), not in (0, 1)")
        }
        // Each group's units in order of score (then index), for the nearest-neighbour searches.
        let groups = [false, true].map { arm in (0..<n).filter { treated[$0] == arm }.sorted { (p[$0], $0) < (p[$1], $1) } }
        for (arm, members) in zip(["control", "treated"], groups) where members.count < neighbours {
            throw OutcomesError.invalidArgument("the \(arm) group has \(members.count) units, fewer than the \(neighbours) neighbours of the conditional covariances")
        }
        var terms = [[ExtendedSum]](repeating: [ExtendedSum](repeating: 0, count: k), count: 2)
        for i in 0..<n {
            for arm in 0...1 {
                let own = treated[i] == (arm == 1)
                var members = nearest(to: i, count: own ? neighbours - 1 : neighbours, in: groups[arm], score: p)
                if own { members.insert(i, at: 0) }
                let factor = arm == 1 ? 1 - p[i] : p[i]
                var yMean = 0.0
                for j in members { yMean += y[j] }
                yMean /= Double(members.count)
                for col in 0..<k {
                    let x = design[col]
                    var xMean = 0.0
                    for j in members { xMean += x[j] }
                    xMean /= Double(members.count)
                    var covariance = 0.0
                    for j in members { covariance += (x[j] - xMean) * (y[j] - yMean) }
                    covariance /= Double(members.count - 1)
                    terms[arm][col] += ExtendedSum(factor * covariance)
                }
            }
        }
        let c = (0..<k).map { col in Double(terms[1][col]) / Double(n) + Double(terms[0][col]) / Double(n) }
        var correction = 0.0
        for a in 0..<k {
            var t = 0.0
            for b in 0..<k { t += v[a * k + b] * c[b] }
            correction += c[a] * t
        }
        let variance = unadjusted.standardError * unadjusted.standardError - correction
        guard variance > 0 else {
            throw OutcomesError.invalidArgument("the adjusted variance \(variance) is not positive (the adjustment \(correction) exceeds the variance on the known score)")
        }
        return ScoreAdjustment(unadjusted: unadjusted, c: c, correction: correction, standardError: variance.squareRoot(),
                               neighbours: neighbours)
    }

    /// The `count` units of `sorted` (one group, ordered by score then index) nearest to unit `i`
    /// in score, `i` left out; equal distances go to the lower index.
    static func nearest(to i: Int, count: Int, in sorted: [Int], score p: [Double]) -> [Int] {
        guard count > 0 else { return [] }
        // First position whose (score, index) is not below unit i's.
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if (p[sorted[mid]], sorted[mid]) < (p[i], i) { lo = mid + 1 } else { hi = mid }
        }
        // Candidates from each side: the first `count`, and any further ones as near as the last.
        var candidates: [Int] = []
        var left = lo - 1, right = lo
        var taken = 0, last = -1.0
        while left >= 0 {
            let j = sorted[left]
            left -= 1
            if j == i { continue }
            let d = abs(p[j] - p[i])
            if taken >= count && d > last { break }
            candidates.append(j); taken += 1; last = d
        }
        taken = 0; last = -1
        while right < sorted.count {
            let j = sorted[right]
            right += 1
            if j == i { continue }
            let d = abs(p[j] - p[i])
            if taken >= count && d > last { break }
            candidates.append(j); taken += 1; last = d
        }
        candidates.sort { (abs(p[$0] - p[i]), $0) < (abs(p[$1] - p[i]), $1) }
        return Array(candidates.prefix(count))
    }
}
