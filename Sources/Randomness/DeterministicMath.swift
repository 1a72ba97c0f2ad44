/// Elementary functions computed with IEEE-754 addition, multiplication and division only, in a
/// fixed order, so that synthetic data are the same bytes on every machine (the C library's `log`
/// and `exp` may differ in the last bit between platforms and versions).
///
/// Accuracy is a few units in the last place, ample for simulation.
public enum DeterministicMath {
    static let ln2Hi = 6.93147180369123816490e-01  // upper bits of ln 2 (exact product with small k)
    static let ln2Lo = 1.90821492927058770002e-10  // ln 2 - ln2Hi
    static let sqrtHalf = 0.70710678118654752440

    /// Natural logarithm for x > 0 (NaN for x <= 0, +inf for +inf).
    public static func log(_ x: Double) -> Double {
        guard x > 0 else { return x == 0 ? -.infinity : .nan }
        guard x.isFinite else { return x }
        // x = m * 2^e with m in [sqrt(1/2), sqrt(2)).
        var m = x.significand          // [1, 2)
        var e = Double(x.exponent)
        if m > 2 * sqrtHalf { m *= 0.5; e += 1 }
        // log(m) = 2 atanh(s) = 2(s + s^3/3 + s^5/5 + ...), s = (m - 1)/(m + 1), |s| <= 0.1716;
        // 14 terms (Horner, innermost first) reach 1e-20 relative.
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var poly = 1.0 / 29
        var k = 27.0
        while k >= 3 {
            poly = 1 / k + s2 * poly
            k -= 2
        }
        let logm = 2 * s + 2 * s * (s2 * poly)
        return e * ln2Hi + (logm + e * ln2Lo)
    }

    /// Exponential function.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 709.782712893384 { return .infinity }
        if x < -745.1332191019412 { return 0 }
        // x = k ln2 + r, |r| <= ln2 / 2.
        let k = (x / (ln2Hi + ln2Lo)).rounded(.toNearestOrEven)
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series to degree 17 by Horner (|r| <= 0.347: remainder below 1e-19).
        var poly = 1.0
        var n = 17.0
        while n >= 1 {
            poly = 1 + r * poly / n
            n -= 1
        }
        return scaleByPowerOfTwo(poly, Int(k))
    }

    /// x * 2^k, exact (including gradual underflow).
    static func scaleByPowerOfTwo(_ x: Double, _ k: Int) -> Double {
        var result = x
        var remaining = k
        while remaining > 1000 { result *= Double(sign: .plus, exponent: 1000, significand: 1); remaining -= 1000 }
        while remaining < -1000 { result *= Double(sign: .plus, exponent: -1000, significand: 1); remaining += 1000 }
        return result * Double(sign: .plus, exponent: remaining, significand: 1)
    }

    /// Logistic function 1 / (1 + e^-x).
    public static func logistic(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : { let e = exp(x); return e / (1 + e) }()
    }
}
