// The individual balance formulas of MatchIt 4.7 (`R/utils.R`, `R/aux_functions.R`,
// `R/match.qoi.R`), one public function each. `summarizeBalance` computes the same quantities
// with fused single-pass kernels; these entry points use the same kernels and exist so that each
// formula can be used and tested on its own. Sampling weights are not supported (MatchIt's
// `s.weights` are taken to be 1 throughout).

import Columns
import RArithmetic

/// Applies `body` to contiguous buffers of three arrays.
@inline(__always)
private func withBuffers<R>(
    _ x: [Double], _ t: [Bool], _ w: [Double],
    _ body: (UnsafeBufferPointer<Double>, UnsafeBufferPointer<Bool>, UnsafeBufferPointer<Double>) -> R
) -> R {
    x.withUnsafeBufferPointer { x in t.withUnsafeBufferPointer { t in w.withUnsafeBufferPointer { w in body(x, t, w) } } }
}

/// Moments of each group: (treated, control).
private func groupMoments(_ x: [Double], treated: [Bool], weights: [Double]) -> (WeightedMoments, WeightedMoments) {
    precondition(x.count == treated.count && x.count == weights.count, "x, treated and weights must have equal lengths")
    return withBuffers(x, treated, weights) { x, t, w in
        var a = WeightedMoments(), b = WeightedMoments()
        for i in 0..<x.count {
            if t[i] { a.add(x[i], weight: w[i]) } else { b.add(x[i], weight: w[i]) }
        }
        return (a, b)
    }
}

private func units(_ n: Int) -> [Double] { [Double](repeating: 1, count: n) }

/// MatchIt's binary-variable rule, `all(x == 0 | x == 1)`: every value is exactly 0 or 1.
/// Binary variables get `p(1 − p)` variances, no variance ratio, and eCDF statistics equal to the
/// absolute difference in proportions.
public func isBinaryVariable(_ x: [Double]) -> Bool {
    x.withUnsafeBufferPointer { x in
        for v in x where !isZeroOrOne(v) { return false }
        return true
    }
}

/// MatchIt's weighted mean `wm(x, w)` = Σwᵢxᵢ / Σwᵢ (sums accumulated in extended precision, as R
/// does). NaN when the weights sum to zero.
public func weightedMean(_ x: [Double], weights: [Double]) -> Double {
    precondition(x.count == weights.count, "x and weights must have equal lengths")
    var m = WeightedMoments()
    x.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            for i in 0..<x.count { m.add(x[i], weight: w[i]) }
        }
    }
    return m.mean
}

/// MatchIt's weighted variance `wvar(x, bin.var, w)`. With weights normalised to sum to 1
/// (w'ᵢ = wᵢ/Σw) and x̄ = Σw'ᵢxᵢ:
/// - binary variables: x̄(1 − x̄) (no small-sample correction);
/// - otherwise the reliability-weights (`cov.wt`) variance Σw'ᵢ(xᵢ − x̄)² / (1 − Σw'ᵢ²), which is
///   the usual n − 1 sample variance when all weights are equal.
/// - Parameter binary: whether to use the binary formula; `nil` applies MatchIt's rule.
public func weightedVariance(_ x: [Double], weights: [Double], binary: Bool? = nil) -> Double {
    precondition(x.count == weights.count, "x and weights must have equal lengths")
    let isBinary = binary ?? isBinaryVariable(x)
    var m = WeightedMoments()
    x.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
            for i in 0..<x.count { m.add(x[i], weight: w[i]) }
        }
    }
    return m.variance(binary: isBinary)
}

/// The effective sample size (Σw)² / Σw² (MatchIt's `ESS()`). Equals the number of units when all
/// weights are equal. Returns 0 when every weight is zero (R would give NaN).
public func effectiveSampleSize(_ weights: [Double]) -> Double {
    var s: ExtendedSum = 0
    var s2: ExtendedSum = 0
    weights.withUnsafeBufferPointer { w in
        for v in w {
            s += ExtendedSum(v)
            s2 += ExtendedSum(v * v)
        }
    }
    if s2 == 0 { return 0 }
    let sum = Double(s)
    return sum * sum / Double(s2)
}

/// MatchIt's `pooled_sd(x, t, w = 1, contribution = "proportional")`: each group is centred at its
/// own mean and the squared deviations are pooled as Σ(x − x̄_g)²/n / (1 − 1/n)
/// (= Σ(x − x̄_g)² / (n − 1)); for binary variables Σ_g s_g(1 − s_g/n_g) / n with s_g the number
/// of ones in group g. Used by MatchIt only when the focal group's SD is zero or not finite.
public func pooledStandardDeviation(_ x: [Double], treated: [Bool]) -> Double {
    let (a, b) = groupMoments(x, treated: treated, weights: units(x.count))
    return pooledStandardDeviation(a, b, binary: isBinaryVariable(x))
}

/// The scale that standardises mean differences and pair distances: the standard deviation
/// (√`wvar`, unit weights) of the focal group *in the full, unmatched sample* — treated for the
/// ATT, control for the ATC — so the same scale serves before and after matching. For binary
/// variables this is √(p(1 − p)) of the focal group. Falls back to
/// `pooledStandardDeviation(_:treated:)` when the SD is not finite or below √(double epsilon).
public func standardizationScale(_ x: [Double], treated: [Bool], estimand: BalanceEstimand = .att) -> Double {
    let (a, b) = groupMoments(x, treated: treated, weights: units(x.count))
    return standardizationScale(treated: a, control: b, binary: isBinaryVariable(x), estimand: estimand)
}

/// MatchIt's standardised mean difference (`Std. Mean Diff.`): (x̄_treated − x̄_control) with
/// means weighted by `weights`, divided by `standardizationScale(_:treated:estimand:)`.
/// When |difference| ≤ √(double epsilon) the raw difference is returned unstandardised, as MatchIt
/// does; `nil` when both groups have fewer than two units with non-zero weight.
/// - Parameter weights: all 1 for the unmatched sample, the matching weights for the matched one.
public func standardizedMeanDifference(
    _ x: [Double], treated: [Bool], weights: [Double], estimand: BalanceEstimand = .att
) -> Double? {
    let (a, b) = groupMoments(x, treated: treated, weights: weights)
    let binary = isBinaryVariable(x)
    return balanceRow(
        name: "", treated: a, control: b, binary: binary,
        scale: { standardizationScale(x, treated: treated, estimand: estimand) },
        ecdf: { nil }, pairDistance: nil
    ).standardizedMeanDifference
}

/// MatchIt's variance ratio (`Var. Ratio`): `weightedVariance` of the treated group over that of
/// the control group, each with its own weights. `nil` for binary variables and when both groups
/// have fewer than two units with non-zero weight.
public func varianceRatio(_ x: [Double], treated: [Bool], weights: [Double]) -> Double? {
    if isBinaryVariable(x) { return nil }
    let (a, b) = groupMoments(x, treated: treated, weights: weights)
    if a.count < 2 && b.count < 2 { return nil }
    return notNaN(a.variance(binary: false) / b.variance(binary: false))
}

/// MatchIt's eCDF statistics (`eCDF Mean`, `eCDF Max`). Weights are scaled to sum to 1 in each
/// group; F_t(v) and F_c(v) are the weighted proportions of each group at or below v; the statistics
/// are the mean and maximum of |F_t(v) − F_c(v)| over the *distinct values v of the whole sample*
/// (zero-weight units included). For binary variables both equal the absolute difference in
/// weighted proportions. `nil` (non-binary only) when both groups have fewer than two units with
/// non-zero weight.
public func ecdfStatistics(_ x: [Double], treated: [Bool], weights: [Double]) -> ECDFStatistics? {
    let (a, b) = groupMoments(x, treated: treated, weights: weights)
    if isBinaryVariable(x) {
        let d = abs(a.mean - b.mean)
        return d.isNaN ? nil : ECDFStatistics(mean: d, max: d)
    }
    if a.count < 2 && b.count < 2 { return nil }
    let result = withBuffers(x, treated, weights) { x, t, w -> ECDFStatistics in
        let weights = ECDFWeights(signedGroupWeights(treated: t, weights: w).map { SIMD2(repeating: $0) })
        return ecdfScan(SortedColumn(x, weights: weights), weights: weights).0
    }
    return result.mean.isNaN ? nil : result
}

/// MatchIt's raw pair distance with matched sets (`pairdistsubC`): the mean of |xᵢ − xⱼ| over every
/// treated–control pair in the same set (`subclass` id; `nil` = not in a set). A set with one
/// treated and k controls contributes k pairs. Returns 0 when there are no pairs.
public func meanPairDistance(_ x: [Double], treated: [Bool], subclass: [Int?]) -> Double {
    precondition(x.count == treated.count && x.count == subclass.count, "x, treated and subclass must have equal lengths")
    return MatchedSetLayout(subclass: SubclassNumbers(subclass)).withTreatment(treated).meanPairDistance(.dense(x))
}

/// MatchIt's raw pair distance from a match matrix (used after matching with replacement): the
/// mean of |x_focal − x_match| over every entry of the matrix. NaN when the matrix is empty.
public func meanPairDistance(_ x: [Double], matchMatrix: MatchMatrix) -> Double {
    matchMatrix.meanPairDistance(.dense(x))
}
