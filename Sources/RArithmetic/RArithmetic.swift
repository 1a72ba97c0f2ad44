// Summation as R performs it, so that quantities compared against thresholds (a caliper width,
// a normalised weight) round exactly as in R. R accumulates sums of doubles in `long double`,
// which is the 80-bit extended type on x86-64; elsewhere we fall back to Double.

#if arch(x86_64) || arch(i386)
/// The accumulator type R uses for sums of doubles (`LDOUBLE`, 80-bit extended on x86-64).
public typealias ExtendedSum = Float80
#else
/// The accumulator type R uses for sums of doubles; plain double on this platform.
public typealias ExtendedSum = Double
#endif

/// `sum(x)` as R computes it (extended-precision accumulation).
public func rSum<S: Sequence>(_ xs: S) -> Double where S.Element == Double {
    var s: ExtendedSum = 0
    for x in xs { s += ExtendedSum(x) }
    return Double(s)
}

/// `mean(x)` as R computes it: an extended-precision mean refined by a second pass.
public func rMean(_ xs: [Double]) -> Double {
    let n = ExtendedSum(xs.count)
    var s: ExtendedSum = 0
    for x in xs { s += ExtendedSum(x) }
    s /= n
    if s.isFinite {
        var t: ExtendedSum = 0
        for x in xs { t += ExtendedSum(x) - s }
        s += t / n
    }
    return Double(s)
}

/// `sd(x)` as R computes it (`sqrt(var(x))`, n - 1 denominator): the mean as in R's `cov`
/// (two passes in extended precision, rounded to double), then squared deviations accumulated
/// in extended precision.
public func rStandardDeviation(_ xs: [Double]) -> Double {
    rVariance(xs).squareRoot()
}
