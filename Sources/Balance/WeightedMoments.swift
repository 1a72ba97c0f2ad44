// Single-pass weighted moments of one group of one column.
//
// R accumulates `sum()` of doubles in `long double` (80-bit extended on x86-64); the plain sums
// below do the same where the platform has the type, so weighted means round as MatchIt's do.
// The second central moment is accumulated with West's (1979) weighted update, which is stable in
// one pass; MatchIt computes the same quantity in two passes, so it agrees to rounding error.
// `ExtendedSum` (R's accumulator type) comes from RArithmetic.

import RArithmetic

/// `sqrt(.Machine$double.eps)`: MatchIt's threshold for a mean difference (or a standard deviation)
/// to count as zero.
let sqrtMachineEpsilon: Double = Double.ulpOfOne.squareRoot()

/// Weighted moments of one group, accumulated one unit at a time.
struct WeightedMoments: Sendable {
    /// Units with a non-zero weight.
    var count = 0
    /// Σw.
    var sumW: ExtendedSum = 0
    /// Σw².
    var sumW2: ExtendedSum = 0
    /// Σw·x (each product rounded to double first, as in R's `sum(x * w)`).
    var sumWX: ExtendedSum = 0
    /// West's running weight total, mean and weighted sum of squared deviations.
    private(set) var runW: Double = 0
    private(set) var runMean: Double = 0
    private(set) var m2: Double = 0

    init() {}

    init(count: Int, sumW: ExtendedSum, sumW2: ExtendedSum, sumWX: ExtendedSum, runW: Double, runMean: Double, m2: Double) {
        self.count = count
        self.sumW = sumW
        self.sumW2 = sumW2
        self.sumWX = sumWX
        self.runW = runW
        self.runMean = runMean
        self.m2 = m2
    }

    /// The moments of a binary (0/1) column from its sums: what `add` accumulates except West's
    /// running quantities, which no binary formula reads (`variance(binary: true)` and
    /// `pooledStandardDeviation(binary: true)` use `count`, `sumW`, `sumW2` and `sumWX` only).
    /// They are NaN, so that a formula reading them by mistake shows.
    init(binaryCount count: Int, sumW: ExtendedSum, sumW2: ExtendedSum, sumWX: ExtendedSum) {
        self.init(count: count, sumW: sumW, sumW2: sumW2, sumWX: sumWX, runW: .nan, runMean: .nan, m2: .nan)
    }

    /// Adds one unit. Units with zero weight change no sum, exactly as in MatchIt's formulas.
    @inline(__always)
    mutating func add(_ x: Double, weight w: Double) {
        if w == 0 { return }
        count &+= 1
        sumW += ExtendedSum(w)
        sumW2 += ExtendedSum(w * w)
        sumWX += ExtendedSum(x * w)
        runW += w
        let delta = x - runMean
        runMean += delta * (w / runW)
        m2 += w * delta * (x - runMean)
    }

    /// `wm(x, w)` = Σw·x / Σw (NaN when Σw = 0).
    var mean: Double { Double(sumWX) / Double(sumW) }

    /// Σ_i w_i (x_i − x̄_w)², the weighted sum of squared deviations.
    var sumSquaredDeviations: Double { m2 }

    /// MatchIt's `wvar()`: with weights normalised to sum to 1 (wᵢ' = wᵢ/Σw),
    /// p(1 − p) for a binary variable (p the weighted mean), otherwise the reliability-weights
    /// variance Σw'(x − x̄)² / (1 − Σw'²), as `cov.wt()` computes it.
    func variance(binary: Bool) -> Double {
        if binary {
            let p = mean
            return p * (1 - p)
        }
        let w = Double(sumW)
        let w2 = Double(sumW2)
        return (m2 / w) / (1 - w2 / (w * w))
    }
}

/// Moments of one group in which every weight is 1 (the full sample): the values
/// `WeightedMoments.add(x, weight: 1)` would reach, with fewer operations. With `w = 1`,
/// `sum w = sum w^2 = count` exactly, `w x = x`, `w / W = 1 / count` and `w delta = delta`, so every
/// sum below sees the same numbers in the same order.
struct UnitMoments: Sendable {
    var count = 0
    var sumX: ExtendedSum = 0
    var runMean: Double = 0
    var m2: Double = 0

    init() {}

    /// The moments of a 0/1 column with `ones` ones among `count` units, as `add` would form
    /// them except for West's running mean and squared deviations, which no binary formula reads
    /// (see `WeightedMoments(binaryCount:...)`): NaN.
    init(count: Int, ones: Int) {
        self.count = count
        sumX = ExtendedSum(ones)
        runMean = .nan
        m2 = .nan
    }

    /// Adds one unit; `reciprocal` must be `1 / Double(count + 1)` (the caller computes it once
    /// for all the columns it accumulates side by side, which share their counts).
    @inline(__always)
    mutating func add(_ x: Double, reciprocalOfNewCount reciprocal: Double) {
        count &+= 1
        sumX += ExtendedSum(x)
        let delta = x - runMean
        runMean += delta * reciprocal
        m2 += delta * (x - runMean)
    }

    /// The same moments as `WeightedMoments`.
    var weighted: WeightedMoments {
        WeightedMoments(count: count, sumW: ExtendedSum(count), sumW2: ExtendedSum(count), sumWX: sumX,
                        runW: Double(count), runMean: runMean, m2: m2)
    }
}

/// MatchIt's `pooled_sd(..., contribution = "proportional")` with weights: the fallback scale when
/// the focal group's SD is zero or not finite. Groups are centred at their own weighted means and the
/// squared deviations pooled with weights normalised over both groups; for binary variables
/// Σ_g s_g(1 − s_g/n_g) / Σw with s_g = Σ_g w·x and n_g = Σ_g w.
func pooledStandardDeviation(_ a: WeightedMoments, _ b: WeightedMoments, binary: Bool) -> Double {
    let total = Double(a.sumW + b.sumW)
    if binary {
        func part(_ m: WeightedMoments) -> Double {
            let s = Double(m.sumWX), n = Double(m.sumW)
            return m.count == 0 ? 0 : s * (1 - s / n) / total
        }
        return (part(a) + part(b)).squareRoot()
    }
    let w2 = Double(a.sumW2 + b.sumW2)
    let variance = ((a.sumSquaredDeviations + b.sumSquaredDeviations) / total) / (1 - w2 / (total * total))
    return variance.squareRoot()
}

/// The standardisation scale of `bal1var()`: the square root of `wvar()` of the focal group in the
/// full sample (treated for the ATT, control for the ATC; for the ATE the square root of the mean of
/// both groups' variances, MatchIt's `pooled_sd(contribution = "equal")`), replaced by the pooled SD when it is not
/// finite or below `sqrt(.Machine$double.eps)`.
func standardizationScale(
    treated: WeightedMoments, control: WeightedMoments, binary: Bool, estimand: BalanceEstimand
) -> Double {
    var scale: Double
    switch estimand {
    case .att: scale = treated.variance(binary: binary).squareRoot()
    case .atc: scale = control.variance(binary: binary).squareRoot()
    // pooled_sd(contribution = "equal"): the mean of the two groups' variances.
    case .ate: scale = ((treated.variance(binary: binary) + control.variance(binary: binary)) / 2).squareRoot()
    }
    if !scale.isFinite || scale < sqrtMachineEpsilon {
        scale = pooledStandardDeviation(treated, control, binary: binary)
    }
    return scale
}

/// Whether MatchIt treats a variable as binary: `all(x == 0 | x == 1)`. A constant 0 or 1 column
/// counts as binary; a two-valued column coded other than 0/1 does not.
@inline(__always)
func isZeroOrOne(_ x: Double) -> Bool { x == 0 || x == 1 }

/// The statistics of one table row computed from the group moments, following `bal1var()` with
/// `standardize = TRUE`. `pairDistance` is called only for the matched table and receives the
/// scale to divide by (or `nil` when MatchIt reports the raw pair distance).
func balanceRow(
    name: String, treated t: WeightedMoments, control c: WeightedMoments, binary: Bool,
    scale: () -> Double, ecdf: () -> ECDFStatistics?, pairDistance: ((Double?) -> Double?)?
) -> BalanceRow {
    let meanTreated = t.mean
    let meanControl = c.mean
    let difference = meanTreated - meanControl
    // MatchIt: too.small <- sum(w[i1] != 0) < 2 && sum(w[i0] != 0) < 2
    let tooSmall = t.count < 2 && c.count < 2

    var smd: Double? = nil
    var pair: Double? = nil
    if abs(difference) > sqrtMachineEpsilon {
        if !tooSmall {
            let s = scale()
            smd = difference / s
            pair = pairDistance?(s) ?? nil
        }
    } else {
        smd = difference
        pair = pairDistance?(nil) ?? nil
    }

    var ratio: Double? = nil
    var ecdfMean: Double? = nil
    var ecdfMax: Double? = nil
    if binary {
        ecdfMean = abs(difference)
        ecdfMax = abs(difference)
    } else if !tooSmall {
        ratio = t.variance(binary: false) / c.variance(binary: false)
        if let e = ecdf() {
            ecdfMean = e.mean
            ecdfMax = e.max
        }
    }

    return BalanceRow(
        name: name, meanTreated: meanTreated, meanControl: meanControl,
        standardizedMeanDifference: notNaN(smd), varianceRatio: notNaN(ratio),
        ecdfMean: notNaN(ecdfMean), ecdfMax: notNaN(ecdfMax), standardizedPairDistance: notNaN(pair))
}

/// `nil` for `nil` or NaN (MatchIt prints both NA and NaN as `.`); infinities are kept.
@inline(__always)
func notNaN(_ x: Double?) -> Double? {
    guard let x, !x.isNaN else { return nil }
    return x
}
