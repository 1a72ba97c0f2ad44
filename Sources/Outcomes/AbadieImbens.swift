import RArithmetic

/// The Abadie–Imbens (2006) standard error of the nearest-neighbour matching estimator with
/// replacement, for the effect on the focal group (ATT: treated focal; ATC: controls focal), as
/// R's `Matching::Match(Y, Tr, X, M, estimand, replace = TRUE, BiasAdjust = FALSE, Var.calc = 0)`
/// computes it (Matching 4.10, `RmatchLoop`), from given matched sets.
///
/// Each focal unit `i` with `k ≥ 1` matches `j` contributes `k` pair rows with weight `w_j` (`1/k`,
/// or the shares of tied matches) and pair effect `τ_{ij} = s (Y_i − Y_j)` (`s = +1` for the ATT,
/// `−1` for the ATC, so the effect is always treated − control); its own effect is
/// `τ_i = s (Y_i − Σ_j w_j Y_j)`. With `N` matched focal units, `K_c = Σ w` and `KK_c = Σ w²` over
/// the sets control `c` is in:
///
/// - estimate `τ̂ = Σ τ_i / N`;
/// - `σ² = ½ Σ_rows w (τ_{ij} − τ̂)² / N` (`Var.calc = 0`: one conditional variance, from the
///   pair effects);
/// - population variance (`sample = FALSE`, Match's default)
///   `V = [σ² Σ_c (K_c² − KK_c) + Σ_i (τ_i − τ̂)²] / N²`;
/// - sample variance (`sample = TRUE`) `V_s = σ² [N + Σ_c K_c²] / N²`.
///
/// This is conditional on the matching score; Abadie and Imbens (2016)'s adjustment for an
/// estimated propensity score is not included.
public enum AbadieImbens {
    public struct Result: Sendable, Equatable {
        public let estimate: Double
        /// √V (Match's `se` with `sample = FALSE`).
        public let standardError: Double
        /// √V_s (Match's `se` with `sample = TRUE`).
        public let sampleStandardError: Double
        /// Focal units with at least one match.
        public let matchedFocalUnits: Int
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
        let n = y.count
        guard treated.count == n, focalUnits.count == matches.count else {
            throw OutcomesError.lengthMismatch("\(n) outcomes, \(treated.count) treatment flags, \(focalUnits.count) focal units, \(matches.count) match lists")
        }
        let s = focalIsTreated ? 1.0 : -1.0
        var k = [Double](repeating: 0, count: n), kk = [Double](repeating: 0, count: n)
        var unitEffects: [Double] = []
        var rows: [(weight: Double, effect: Double)] = []
        if let shares, shares.count != matches.count || zip(shares, matches).contains(where: { $0.count != $1.count }) {
            throw OutcomesError.lengthMismatch("the shares do not have the shape of the matches")
        }
        for (set, (i, found)) in zip(focalUnits, matches).enumerated() where !found.isEmpty {
            guard i >= 0, i < n, treated[i] == focalIsTreated else {
                throw OutcomesError.invalidArgument("focal unit \(i) is not a unit of the focal group")
            }
            guard y[i].isFinite else { throw OutcomesError.nonFiniteValue(name: "outcome", unit: i) }
            var mean: ExtendedSum = 0
            for (m, j) in found.enumerated() {
                let share = shares?[set][m] ?? 1 / Double(found.count)
                guard j >= 0, j < n, treated[j] != focalIsTreated else {
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
            reuse += ExtendedSum(k[c] * k[c] - kk[c])
            reuseSample += ExtendedSum(k[c] * k[c])
        }
        var heterogeneity: ExtendedSum = 0
        for t in unitEffects { heterogeneity += ExtendedSum((t - estimate) * (t - estimate)) }
        let population = (sigma2 * Double(reuse) + Double(heterogeneity)) / (size * size)
        let sample = sigma2 * (size + Double(reuseSample)) / (size * size)
        return Result(estimate: estimate, standardError: population.squareRoot(),
                      sampleStandardError: sample.squareRoot(), matchedFocalUnits: count)
    }
}
