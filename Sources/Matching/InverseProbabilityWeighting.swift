import Columns
/// Inverse-probability weighting from a propensity score, as R's WeightIt 1.5
/// (`weightit(..., method = "glm")`, `get_w_from_ps()`, `trim()`), with the weights then scaled
/// as MatchIt scales matching weights.
///
/// 1. Weights from the propensity score pᵢ:
///    - ATT (odds weights): treated 1, control pᵢ / (1 − pᵢ);
///    - ATC: treated (1 − pᵢ) / pᵢ, control 1;
///    - ATE: treated 1 / pᵢ, control 1 / (1 − pᵢ).
/// 2. Optional trimming at quantile `q` (WeightIt's `trim(w, at = q, lower)`, 0.5 < q < 1): the
///    weights that are trimmed are those of the non-focal group (controls for the ATT, treated for
///    the ATC) or of everyone (ATE); Q(q) is R's `quantile(w, q, type = 3)` over those weights, and
///    every weight above it is set to it; with `lower`, every weight below Q(1 − q) is raised to it.
/// 3. Weights are scaled to mean 1 within each group (MatchIt's normalisation: w · n_g / Σw), so
///    they read like matching weights; means, SMDs and the effective sample size
///    (Σw)² / Σw² are unchanged by that scaling. `weightBasis = .realNumbers`.
public enum InverseProbabilityWeighting {
    /// The weights of every unit.
    /// - Parameters:
    ///   - propensity: pᵢ = P(treated | covariates), each strictly between 0 and 1.
    ///   - trim: the trimming quantile q, or `nil` for none.
    ///   - trimLower: also raise weights below the 1 − q quantile.
    ///   - specification: the estimand; the other settings do not apply and are recorded as given.
    public static func weigh(
        treated: [Bool], propensity p: [Double], trim: Double?, trimLower: Bool,
        specification spec: NearestNeighborSpecification
    ) throws -> MatchResult {
        let n = treated.count
        guard p.count == n else { throw MatchingError.lengthMismatch("\(p.count) propensity scores for \(n) units") }
        for i in 0..<n where !(p[i] > 0 && p[i] < 1) { throw MatchingError.propensityOutOfRange(row: i, value: p[i]) }
        let raw = rawWeights(treated: treated, propensity: p, estimand: spec.estimand)
        let trimmed = trim.map { trimmedWeights(raw, treated: treated, estimand: spec.estimand, at: $0, lower: trimLower) } ?? raw
        var resolved = spec
        resolved.order = .data
        return MatchResult(specification: resolved, order: .data, caliperWidth: nil, distance: p,
                           discarded: Array(repeating: false, count: n), focalUnits: [], matches: [],
                           weights: normalizedWithinGroups(trimmed, treated: treated),
                           subclass: SubclassNumbers(repeating: nil, count: n), warnings: [],
                           weightBasis: .realNumbers, treated: treated)
    }

    /// WeightIt's `get_w_from_ps(ps, treat, estimand)` for a binary treatment.
    public static func rawWeights(treated: [Bool], propensity p: [Double], estimand: Estimand) -> [Double] {
        treated.indices.map { i in
            switch (estimand, treated[i]) {
            case (.att, true), (.atc, false): return 1
            case (.att, false): return p[i] / (1 - p[i])
            case (.atc, true): return (1 - p[i]) / p[i]
            case (.ate, true): return 1 / p[i]
            case (.ate, false): return 1 / (1 - p[i])
            }
        }
    }

    /// WeightIt's `trim()` of a `weightit` object at quantile `at` (0.5 < at < 1).
    public static func trimmedWeights(_ w: [Double], treated: [Bool], estimand: Estimand, at q: Double, lower: Bool) -> [Double] {
        let trimmedGroup: Bool? = switch estimand {
        case .att: false
        case .atc: true
        case .ate: nil
        }
        let subject = w.indices.filter { trimmedGroup == nil || treated[$0] == trimmedGroup }
        let values = subject.map { w[$0] }
        let upper = quantileType3(values, q)
        let floor = lower ? quantileType3(values, 1 - q) : -Double.infinity
        var out = w
        for i in subject {
            if out[i] < floor { out[i] = floor }
            if out[i] > upper { out[i] = upper }
        }
        return out
    }

    /// R's `quantile(x, p, type = 3)` (SAS definition 2, nearest even order statistic): with
    /// np − 1/2 = j + g (j = ⌊np − 1/2⌋), the j-th order statistic when g = 0 and j is even,
    /// otherwise the (j + 1)-th; order statistics below the first or above the n-th are clamped.
    public static func quantileType3(_ x: [Double], _ p: Double) -> Double {
        precondition(!x.isEmpty, "quantileType3 needs at least one value")
        let sorted = x.sorted()
        let n = sorted.count
        let nppm = Double(n) * p - 0.5
        let j = nppm.rounded(.down)
        let next = nppm != j || Int(j) % 2 != 0
        let k = Int(j) + (next ? 1 : 0)   // 1-based order statistic
        return sorted[min(max(k, 1), n) - 1]
    }
}
