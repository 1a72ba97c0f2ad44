import Foundation

/// # Sensitivity to hidden bias
///
/// How strong an unobserved factor would have to be to change a conclusion drawn from a matched
/// comparison. Two families:
///
/// - **Rosenbaum bounds** (Rosenbaum 2002, *Observational Studies*, 2nd ed., Springer, ch. 4;
///   R package `rbounds` 2.2): two units matched on observed covariates may still differ in their
///   odds of treatment by at most a factor `Γ ≥ 1`. For each `Γ` the one-sided p-value of a
///   randomisation test is bounded above and below; the *critical Γ* is the smallest `Γ` at which
///   the upper bound reaches the significance level. Types: `SignTestBounds` (binary outcomes in
///   pairs, McNemar), `SignedRankBounds` (pairs, Wilcoxon signed rank, normal approximation),
///   `HodgesLehmannBounds` (pairs, the range of the Hodges–Lehmann estimate),
///   `MatchedSetsRankBounds` (one treated unit and one or more controls per set, aligned ranks).
/// - **E-values** (VanderWeele & Ding 2017, *Annals of Internal Medicine* 167:268–274; R package
///   `EValue` 4.1.4): `EValue`.
///
/// Idiom: every procedure is an initialiser that does the work and stores the result (as
/// `WelchTest` in Outcomes); functions of `Γ` are methods. Inputs are plain arrays.
public enum HiddenBias {
    /// Relative tolerance of `criticalGamma`: the bisection stops when the bracket
    /// `[lo, hi]` satisfies `hi − lo ≤ 1e-12 · hi`.
    public static let criticalGammaTolerance = 1e-12
    /// The largest `Γ` searched: a result still significant here is reported as `.beyond`.
    public static let largestGamma = 1e6

    /// `1, 1 + step, 1 + 2 step, …, upTo` (each point `1 + k·step`, not accumulated), as R's
    /// `seq(1, upTo, by = step)` (`rbounds`' `Gamma`, `GammaInc`).
    public static func gammaGrid(upTo last: Double, step: Double) -> [Double] {
        precondition(step > 0 && last >= 1, "a Gamma grid needs step > 0 and an end >= 1")
        let count = Int(((last - 1) / step * (1 + 1e-10)).rounded(.down)) + 1
        return (0..<count).map { 1 + Double($0) * step }
    }
}

/// The bounds on a one-sided p-value at one `Γ`.
public struct GammaBound: Sendable, Equatable, Codable {
    public var gamma: Double
    /// The smallest p-value any assignment probabilities within `Γ` allow.
    public var lower: Double
    /// The largest: the p-value a sceptic would quote.
    public var upper: Double
    public init(gamma: Double, lower: Double, upper: Double) {
        self.gamma = gamma; self.lower = lower; self.upper = upper
    }
}

/// The `Γ` at which the upper bound on the one-sided p-value reaches `α`.
public enum CriticalGamma: Sendable, Equatable {
    /// Not significant even without hidden bias: `p(Γ = 1) ≥ α`.
    case notSignificant
    /// `p_upper(Γ*) = α` (to `HiddenBias.criticalGammaTolerance`); significant for every `Γ < Γ*`.
    case value(Double)
    /// Still significant at `HiddenBias.largestGamma`.
    case beyond(Double)

    /// `Γ*`, or nil when not significant at `Γ = 1`; `largestGamma` when beyond it.
    public var gamma: Double? {
        switch self {
        case .notSignificant: return nil
        case .value(let g), .beyond(let g): return g
        }
    }
}

/// A Rosenbaum sensitivity analysis: bounds on a one-sided p-value as functions of `Γ`.
public protocol RosenbaumBounds: Sendable {
    /// Bounds on the one-sided p-value at `Γ ≥ 1` (equal at `Γ = 1`).
    func bound(gamma: Double) -> GammaBound
}

extension RosenbaumBounds {
    /// The bounds at each `Γ` of a grid (see `HiddenBias.gammaGrid`).
    public func bounds(gammas: [Double]) -> [GammaBound] { gammas.map { bound(gamma: $0) } }

    /// The critical `Γ*` for level `α`: the result is significant (upper p-value `< α`) for
    /// `Γ < Γ*`, not from `Γ*` on.
    ///
    /// Method: `p_upper(Γ)` is continuous and increasing in `Γ` (the tests here move their null
    /// expectation towards the observed statistic as `Γ` grows). Starting from `[1, 2]` the upper
    /// end doubles until `p_upper(hi) ≥ α` (at most to `HiddenBias.largestGamma`), then bisection
    /// keeps `p_upper(lo) < α ≤ p_upper(hi)` until `hi − lo ≤ 1e-12 · hi`; `hi` is returned (the
    /// first `Γ` known not to be significant).
    public func criticalGamma(alpha: Double) -> CriticalGamma {
        precondition(alpha > 0 && alpha < 1, "a significance level is between 0 and 1")
        func p(_ g: Double) -> Double { bound(gamma: g).upper }
        if !(p(1) < alpha) { return .notSignificant }
        var lo = 1.0, hi = 2.0
        while p(hi) < alpha {
            if hi >= HiddenBias.largestGamma { return .beyond(HiddenBias.largestGamma) }
            lo = hi
            hi = min(2 * hi, HiddenBias.largestGamma)
        }
        while hi - lo > HiddenBias.criticalGammaTolerance * hi {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if p(mid) < alpha { lo = mid } else { hi = mid }
        }
        return .value(hi)
    }
}

/// Errors of the sensitivity procedures: one sentence each.
public enum SensitivityError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidArgument(let s): return s
        }
    }
}

/// Average ranks (R `rank(x, ties.method = "average")`), 1-based.
func averageRanks(_ x: [Double]) -> [Double] {
    let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
    var ranks = [Double](repeating: 0, count: x.count)
    var i = 0
    while i < order.count {
        var j = i
        while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
        let r = Double(i + j + 2) / 2
        for k in i...j { ranks[order[k]] = r }
        i = j + 1
    }
    return ranks
}
