// Summation as R performs it, so that quantities compared against thresholds (a caliper width,
// a normalised weight) round exactly as in R. R accumulates sums of doubles in `long double`,
// which is the 80-bit extended type on x86-64; elsewhere we fall back to Double.

#if arch(x86_64) || arch(i386)
typealias RAccumulator = Float80
#else
typealias RAccumulator = Double
#endif

/// `sum(x)` as R computes it (extended-precision accumulation).
func rSum<S: Sequence>(_ xs: S) -> Double where S.Element == Double {
    var s: RAccumulator = 0
    for x in xs { s += RAccumulator(x) }
    return Double(s)
}

/// `mean(x)` as R computes it: an extended-precision mean refined by a second pass.
func rMean(_ xs: [Double]) -> Double {
    let n = RAccumulator(xs.count)
    var s: RAccumulator = 0
    for x in xs { s += RAccumulator(x) }
    s /= n
    if s.isFinite {
        var t: RAccumulator = 0
        for x in xs { t += RAccumulator(x) - s }
        s += t / n
    }
    return Double(s)
}

/// `sd(x)` as R computes it (`sqrt(var(x))`, n - 1 denominator): the mean as in R's `cov`
/// (two passes in extended precision, rounded to double), then squared deviations accumulated
/// in extended precision.
func rStandardDeviation(_ xs: [Double]) -> Double {
    guard xs.count > 1 else { return .nan }
    let n = RAccumulator(xs.count)
    var s: RAccumulator = 0
    for x in xs { s += RAccumulator(x) }
    var m = s / n
    if m.isFinite {
        var t: RAccumulator = 0
        for x in xs { t += RAccumulator(x) - m }
        m += t / n
    }
    let mean = Double(m)
    var ss: RAccumulator = 0
    for x in xs {
        let d = x - mean
        ss += RAccumulator(d * d)
    }
    return (Double(ss / RAccumulator(xs.count - 1))).squareRoot()
}
