import Columns
import Foundation
import RArithmetic
import HugePages

/// The kernel of kernel matching (psmatch2's `kerneltype()`).
public enum MatchingKernel: String, Sendable, Codable, CaseIterable {
    /// K(u) = 3/4 (1 − u²) for |u| < 1, else 0 (psmatch2's default `epan`).
    case epanechnikov
    /// K(u) = exp(−u²/2) / √(2π) for every u (psmatch2's `normal`).
    case gaussian

    /// K(u).
    public func callAsFunction(_ u: Double) -> Double {
        switch self {
        case .epanechnikov: return abs(u) < 1 ? 0.75 * (1 - u * u) : 0
        case .gaussian: return exp(-0.5 * u * u) / (2 * Double.pi).squareRoot()
        }
    }
}

/// Kernel matching as Stata's `psmatch2 ..., kernel kerneltype(k) bwidth(h)` (Heckman, Ichimura
/// and Todd 1997): every focal unit i is compared with a kernel-weighted average of all eligible
/// controls.
///
/// 1. For focal unit i and control j: K_ij = K((d_j − d_i) / h) (`MatchingKernel`).
/// 2. A focal unit with Σ_j K_ij = 0 (no control within the Epanechnikov window) is unmatched.
/// 3. Weights: focal unit 1; control j: Σ_i K_ij / Σ_j' K_ij' over matched focal units i
///    (psmatch2's `_weight`); then scaled to mean 1 within each group among units with a positive
///    weight (MatchIt's normalisation). `weightBasis = .realNumbers`: the weights are real numbers,
///    and there are no matched sets (`focalUnits`, `matches` empty; no pair distance).
/// 4. `discard` gives common support (psmatch2's `common` is `discard = treated`); exact cells
///    restrict the comparison to the focal unit's cell.
///
/// In R: `K <- outer(ps[t], ps[c], function(a, b) k((b - a) / h)); K <- K[rowSums(K) > 0, ];
/// w_c <- colSums(K / rowSums(K))`. Sums run over controls in ascending distance, then over focal
/// units in data order.
public enum KernelMatcher {
    /// Kernel-matches every focal unit.
    /// - Parameters:
    ///   - kernel: the kernel function.
    ///   - bandwidth: h > 0, on the distance scale (psmatch2's `bwidth`, default 0.06).
    ///   - specification: estimand (ATT or ATC) and `discard`.
    public static func match(
        treated: [Bool], distance: [Double], exactCells: [Int]? = nil, kernel: MatchingKernel, bandwidth: Double,
        specification spec: NearestNeighborSpecification
    ) throws -> MatchResult {
        let window = try ControlWindows(treated: treated, distance: distance, exactCells: exactCells,
                                        specification: spec, method: "kernel")
        let n = treated.count
        var raw = Array(repeating: 0.0, count: n)
        var kernelValues: [Double] = []
        for unit in window.focalUnits where window.eligible[unit] {
            // The Epanechnikov kernel vanishes outside the window; the Gaussian one nowhere.
            let controls = kernel == .epanechnikov
                ? window.controls(near: unit, within: bandwidth, inclusive: false)
                : window.controls(near: unit, within: .infinity, inclusive: true)
            kernelValues.removeAll(keepingCapacity: true)
            for c in controls { kernelValues.append(kernel((distance[c] - distance[unit]) / bandwidth)) }
            let total = rSum(kernelValues)
            guard total > 0 else { continue }
            raw[unit] = 1
            for (c, k) in zip(controls, kernelValues) { raw[c] += k / total }
        }
        guard window.focalUnits.contains(where: { raw[$0] > 0 }) else {
            throw MatchingError.noMatches(spec.estimand == .att ? "treated" : "control")
        }
        var resolved = spec
        resolved.order = .data
        return MatchResult(specification: resolved, order: .data, caliperWidth: nil, distance: distance,
                           discarded: window.discarded, focalUnits: [], matches: [],
                           weights: normalizedWithinGroups(raw, treated: treated),
                           subclass: SubclassNumbers(repeating: nil, count: n), warnings: [],
                           weightBasis: .realNumbers, treated: treated)
    }
}

/// Weights scaled to mean 1 within each group among units with a positive weight (MatchIt's
/// `normalize = TRUE`: w · m / Σw); zero weights stay zero.
///
/// Each group's total is `rSum` of its positive weights in row order; both totals are accumulated
/// in one pass (the same additions in the same order as two separate sums).
func normalizedWithinGroups(_ weights: consuming [Double], treated: [Bool]) -> [Double] {
    precondition(weights.count == treated.count, "one group flag per weight")
    // Index 1: treated; 0: control.
    var total: (ExtendedSum, ExtendedSum) = (0, 0)
    var members = (0, 0)
    for i in weights.indices where weights[i] > 0 {
        if treated[i] { total.1 += ExtendedSum(weights[i]); members.1 += 1 }
        else { total.0 += ExtendedSum(weights[i]); members.0 += 1 }
    }
    let sum = (Double(total.0), Double(total.1))
    let m = (Double(members.0), Double(members.1))
    // In place: a caller's last use of its array hands it over (`consuming`; a caller that keeps
    // using its array writes `consume`), so no second array of a weight per unit is allocated.
    weights.withUnsafeMutableBufferPointer { out in
        for i in out.indices {
            let w = out[i]
            out[i] = w > 0 ? (treated[i] ? m.1 * w / sum.1 : m.0 * w / sum.0) : w
        }
    }
    return weights
}
