// R's binning primitives, operation for operation, so that cut points and bin numbers agree with R
// to the last bit (a unit that lands in another bin changes a subclass, and so a payment).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `quantile(x, probs, type = 7)` (R's default): with `x` sorted and `index = 1 + (n - 1) p`,
/// `lo = floor(index)`, `hi = ceiling(index)`, the quantile is `x[lo]`, replaced by
/// `(1 - h) x[lo] + h x[hi]` (`h = index - lo`) when `index > lo` and `x[hi] != x[lo]`.
/// Precondition: `x` is not empty and holds no NaN.
public func rQuantiles(_ x: [Double], probabilities: [Double]) -> [Double] {
    let sorted = x.sorted()
    let scale = Double(max(sorted.count - 1, 0))
    return probabilities.map { p in
        let index = 1 + scale * p
        let lo = index.rounded(.down), hi = index.rounded(.up)
        var q = sorted[Int(lo) - 1]
        let upper = sorted[Int(hi) - 1]
        if index > lo && upper != q {
            let h = index - lo
            q = (1 - h) * q + h * upper
        }
        return q
    }
}

/// `seq(from, to, length.out = count)` for doubles (R 4.2's `seq.default`): `from`, then
/// `from + k * ((to - from) / (count - 1))` for `k = 1 ..< count - 1`, then `to`; `count` copies of
/// `from` when `from == to`. Precondition: `count >= 1`.
public func rSequence(from: Double, to: Double, count: Int) -> [Double] {
    if count == 1 { return [from] }
    if count == 2 { return [from, to] }
    if from == to { return Array(repeating: from, count: count) }
    let step = (to - from) / Double(count - 1)
    return [from] + (1..<(count - 1)).map { from + Double($0) * step } + [to]
}

/// `seq(from, to, by = step)` for doubles with `step > 0` (R 4.2's `seq.default`): `from` alone
/// when `to - from` is below `100 eps` relative to the larger end, else `from + k * step` for
/// `k = 0 ... floor((to - from) / step + 1e-10)`, each capped at `to`.
public func rSequence(from: Double, to: Double, by step: Double) -> [Double] {
    let del = to - from
    if del == 0 && to == 0 { return [to] }
    if abs(del) / max(abs(to), abs(from)) < 100 * Double.ulpOfOne { return [from] }
    let n = Int((del / step + 1e-10).rounded(.towardZero))
    return (0...max(n, 0)).map { min(from + Double($0) * step, to) }
}

/// `findInterval(x, breaks)`: the number of `breaks` (sorted ascending) that are `<= x`.
public func rFindInterval(_ x: Double, breaks: [Double]) -> Int {
    var lo = 0, hi = breaks.count
    while lo < hi {
        let mid = (lo + hi) / 2
        if breaks[mid] <= x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// `signif(x, digits)` as R's `fprec` (R 4.2, `digits` from 1 to 15): with
/// `e = digits - 1 - floor(log10|x|)`, `x * 10^e` rounded to the nearest integer (ties to even)
/// and divided by `10^e` (`e > 0`), or `|x| / 10^-e` rounded and multiplied back (`e <= 0`); the
/// powers of ten by repeated squaring (`R_pow_di`).
public func rSignif(_ x: Double, digits: Int) -> Double {
    guard x != 0, x.isFinite else { return x }
    let dig = min(max(digits, 1), 22)
    let sign: Double = x < 0 ? -1 : 1
    let a = abs(x)
    let l10 = log10(a)
    let e10 = dig - 1 - Int(l10.rounded(.down))
    guard abs(l10) < 308 - 2 else { return x }
    if e10 > 0 {
        let p = rPowerOfTen(e10)
        return sign * ((a * p).rounded(.toNearestOrEven) / p)
    } else {
        let p = rPowerOfTen(-e10)
        return sign * ((a / p).rounded(.toNearestOrEven) * p)
    }
}

/// `R_pow_di(10, n)` for `n >= 0`: repeated squaring, as R computes integer powers.
func rPowerOfTen(_ n: Int) -> Double {
    var result = 1.0, base = 10.0, k = n
    while k > 0 {
        if k & 1 == 1 { result *= base }
        k >>= 1
        if k > 0 { base *= base }
    }
    return result
}

/// `var(x)` as R computes it (n - 1 denominator; the mean in two extended-precision passes, the
/// squared deviations accumulated in extended precision), the square of `rStandardDeviation`
/// before its square root. NaN for fewer than two values.
public func rVariance(_ xs: [Double]) -> Double {
    guard xs.count > 1 else { return .nan }
    let n = ExtendedSum(xs.count)
    var s: ExtendedSum = 0
    for x in xs { s += ExtendedSum(x) }
    var m = s / n
    if m.isFinite {
        var t: ExtendedSum = 0
        for x in xs { t += ExtendedSum(x) - m }
        m += t / n
    }
    let mean = Double(m)
    var ss: ExtendedSum = 0
    for x in xs {
        let d = x - mean
        ss += ExtendedSum(d * d)
    }
    return Double(ss / ExtendedSum(xs.count - 1))
}
