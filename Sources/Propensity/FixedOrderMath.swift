/// `exp` and `log` from IEEE-754 addition, multiplication, division and bit manipulation only, in a
/// fixed order, for the logit link of the propensity model. The C library's `exp` and `log` are
/// chosen at load time by CPU features (glibc has FMA and non-FMA variants) and change between
/// library versions, so their last bits are not a property of this program; these are, and they
/// are also cheaper (no call, no table, the loops vectorise).
///
/// Accuracy: within 2 units in the last place over the ranges used here (checked against the C
/// library in the tests); the propensity model needs 1e-8 relative agreement with R.
enum FixedOrderMath {
    /// `ln 2` split so that `k * ln2Hi` is exact for `|k| < 2^21` (fdlibm's constants).
    static let ln2Hi = 6.93147180369123816490e-01
    static let ln2Lo = 1.90821492927058770002e-10
    static let log2e = 1.4426950408889634
    static let sqrt2 = 1.4142135623730951
    /// `1.5 * 2^52`: adding and subtracting it rounds a double of magnitude below `2^51` to an integer
    /// (to nearest, ties to even), with no call to a rounding function.
    static let roundingShift = 6_755_399_441_055_744.0

    /// `e^x` for `|x| <= 700` (the logit link never asks beyond 30).
    ///
    /// `x = k ln 2 + r` with `k` the nearest integer to `x / ln 2` and `|r| <= ln 2 / 2` (Cody and
    /// Waite's two-part `ln 2`); `e^r` by its Taylor polynomial to degree 13 in Horner form (the
    /// remainder is below `2^-57` relative); then `2^k` by building the exponent bits.
    @inline(__always)
    static func exp(_ x: Double) -> Double {
        let k = (x * log2e + roundingShift) - roundingShift
        let r = (x - k * ln2Hi) - k * ln2Lo
        var p = 1.6059043836821613e-10
        p = p * r + 2.08767569878681e-09
        p = p * r + 2.505210838544172e-08
        p = p * r + 2.755731922398589e-07
        p = p * r + 2.7557319223985893e-06
        p = p * r + 2.48015873015873e-05
        p = p * r + 0.0001984126984126984
        p = p * r + 0.001388888888888889
        p = p * r + 0.008333333333333333
        p = p * r + 0.041666666666666664
        p = p * r + 0.16666666666666666
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = Double(bitPattern: UInt64(bitPattern: Int64(k) + 1023) << 52)
        return p * scale
    }

    /// `log x` for positive, finite `x` (subnormals included); NaN for `x < 0` or NaN, `-inf` for 0.
    ///
    /// `x = m 2^e` with `m` in `[sqrt(1/2), sqrt(2))`; `log m = 2 atanh(s)`, `s = (m - 1)/(m + 1)`,
    /// `|s| <= 0.172`, by the odd series `2 (s + s^3/3 + ... + s^23/23)` (remainder below `2^-60`
    /// relative); `log x = e ln 2 + log m` with the two-part `ln 2`.
    @inline(__always)
    static func log(_ x: Double) -> Double {
        guard x >= Double.leastNormalMagnitude, x.isFinite else { return logOutsideNormalRange(x) }
        let bits = x.bitPattern
        var e = Double(Int64(bitPattern: bits >> 52) - 1023)
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        if m > sqrt2 { m *= 0.5; e += 1 }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p = 0.043478260869565216
        p = p * s2 + 0.047619047619047616
        p = p * s2 + 0.05263157894736842
        p = p * s2 + 0.058823529411764705
        p = p * s2 + 0.06666666666666667
        p = p * s2 + 0.07692307692307693
        p = p * s2 + 0.09090909090909091
        p = p * s2 + 0.1111111111111111
        p = p * s2 + 0.14285714285714285
        p = p * s2 + 0.2
        p = p * s2 + 0.3333333333333333
        let twoS = 2 * s
        let logM = twoS + twoS * (s2 * p)
        return e * ln2Hi + (logM + e * ln2Lo)
    }

    static func logOutsideNormalRange(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x == .infinity { return x }
        // Subnormal: scale into the normal range exactly.
        return log(x * 0x1p54) - 54 * ln2Hi - 54 * ln2Lo
    }
}
