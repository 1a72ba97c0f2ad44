import Foundation

/// An amount of money in whole pence. Every rate-card amount (prices, caps, payments, totals) is
/// held as an integer number of pence, so sums and splits are exact: nothing is ever rounded
/// except a payer's share of a payment, by the rule documented at `Share.split(_:among:)`.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in pence (1/100 of a pound).
    public var pence: Int

    public init(pence: Int) {
        self.pence = pence
    }

    public static let zero = Money(pence: 0)

    /// Reads an amount written in pounds in decimal notation with at most two decimal places
    /// ("1500", "333.33", "2.5e3"); nil for anything else, including fractions of a penny and
    /// amounts too large to hold in pence.
    public init?(pounds text: String) {
        guard let d = ExactDecimal(text), let pence = d.scaled(toDecimalPlaces: 2) else { return nil }
        self.pence = pence
    }

    /// Reads a `Double` written in a plan (TOML floats) as the decimal the user typed: the
    /// shortest decimal that reads back to the same `Double`, so 333.33 is 33,333 pence exactly.
    public init?(pounds value: Double) {
        guard value.isFinite else { return nil }
        self.init(pounds: "\(value)")
    }

    public static func + (a: Money, b: Money) -> Money { Money(pence: a.pence + b.pence) }
    public static func - (a: Money, b: Money) -> Money { Money(pence: a.pence - b.pence) }
    public static func += (a: inout Money, b: Money) { a.pence += b.pence }
    public static func < (a: Money, b: Money) -> Bool { a.pence < b.pence }

    /// Pounds with exactly two decimals and no separators ("1234.56", "-0.05"): exact, for CSV files.
    public var decimalText: String {
        let magnitude = pence.magnitude
        let pounds = magnitude / 100, remainder = magnitude % 100
        return (pence < 0 ? "-" : "") + String(pounds) + "." + (remainder < 10 ? "0" : "") + String(remainder)
    }

    /// Pounds with a sign, thousands separators and two decimals ("£1,234.56"), for people.
    public var description: String {
        let magnitude = pence.magnitude
        var digits = String(magnitude / 100)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        let remainder = magnitude % 100
        return (pence < 0 ? "-" : "") + "£" + digits + grouped + "." + (remainder < 10 ? "0" : "") + String(remainder)
    }
}

/// A payer's share of every payment: an exact fraction in (0, 1].
///
/// Shares are written in a plan as a decimal (`0.6`) or a fraction (`"1/3"`); decimals are read as
/// the digits written, so three payers at 0.5, 0.3 and 0.2 sum to exactly 1.
public struct Share: Sendable, Hashable, CustomStringConvertible {
    /// Numerator and denominator in lowest terms (denominator > 0).
    public let numerator: Int
    public let denominator: Int

    /// A share `numerator/denominator`, reduced; nil unless 0 < numerator/denominator <= 1.
    public init?(numerator: Int, denominator: Int) {
        guard denominator > 0, numerator > 0, numerator <= denominator else { return nil }
        let g = gcd(numerator, denominator)
        self.numerator = numerator / g
        self.denominator = denominator / g
    }

    /// Reads "0.6", "1", "3/5" or "1/3"; nil when malformed or outside (0, 1].
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let n = Int(parts[0].trimmingCharacters(in: .whitespaces)), let d = Int(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
            self.init(numerator: n, denominator: d)
            return
        }
        guard parts.count == 1, let d = ExactDecimal(text), d.scale <= 18, d.scale >= 0 else { return nil }
        var power = 1
        for _ in 0..<d.scale { power *= 10 }
        self.init(numerator: d.digits, denominator: power)
    }

    /// Reads a TOML float as the decimal the user typed (see `Money.init(pounds:)`).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        self.init("\(value)")
    }

    /// The share as a number (for display only; splits use the exact fraction).
    public var value: Double { Double(numerator) / Double(denominator) }

    /// "3/5", or "1" for the whole.
    public var description: String { denominator == 1 ? String(numerator) : "\(numerator)/\(denominator)" }

    /// Whether the shares add up to exactly 1 (nil when their common denominator overflows).
    public static func sumToOne(_ shares: [Share]) -> Bool? {
        guard let weights = integerWeights(shares) else { return nil }
        return weights.parts.reduce(0, +) == weights.whole
    }

    /// Splits `amount` between payers in proportion to their shares, exactly.
    ///
    /// **Rounding rule.** Each payer receives floor(amount x share) pence; the pence left over
    /// (always fewer than the number of payers) go to the first payer listed. The parts therefore
    /// add up to `amount` to the penny. For example £333.33 split 0.6 / 0.4 gives 19,999.8 and
    /// 13,333.2 pence, floored to 19,999 and 13,333, and the remaining penny goes to the first
    /// payer: £200.00 and £133.33.
    ///
    /// - Precondition: the shares sum to 1 (`sumToOne`) and `amount` is not negative.
    public static func split(_ amount: Money, among shares: [Share]) -> [Money] {
        precondition(amount.pence >= 0, "cannot split a negative amount")
        guard shares.count > 1 else { return shares.isEmpty ? [] : [amount] }
        guard let weights = integerWeights(shares) else { preconditionFailure("share denominators overflow") }
        var parts = weights.parts.map { w -> Int in
            // floor(amount * w / whole) without overflow: w <= whole, so the quotient fits.
            let product = amount.pence.multipliedFullWidth(by: w)
            return weights.whole.dividingFullWidth((high: product.high, low: product.low)).quotient
        }
        parts[0] += amount.pence - parts.reduce(0, +)
        return parts.map { Money(pence: $0) }
    }

    /// The shares over their least common denominator: share k = parts[k] / whole.
    static func integerWeights(_ shares: [Share]) -> (parts: [Int], whole: Int)? {
        var whole = 1
        for s in shares {
            let g = gcd(whole, s.denominator)
            let (l, overflow) = (whole / g).multipliedReportingOverflow(by: s.denominator)
            if overflow { return nil }
            whole = l
        }
        var parts: [Int] = []
        for s in shares {
            let (p, overflow) = s.numerator.multipliedReportingOverflow(by: whole / s.denominator)
            if overflow { return nil }
            parts.append(p)
        }
        return (parts, whole)
    }
}

func gcd(_ a: Int, _ b: Int) -> Int {
    var (x, y) = (a.magnitude, b.magnitude)
    while y != 0 { (x, y) = (y, x % y) }
    return Int(x)
}

/// A decimal number read exactly from text: value = digits / 10^scale, with trailing fraction
/// zeros removed (scale may be negative for "2.5e3" = 25 / 10^-2).
struct ExactDecimal: Equatable {
    var digits: Int
    var scale: Int

    /// Accepts an optional sign, digits with an optional fraction, and an optional exponent
    /// ("1500", "-0.25", "333.33", "1e-05", "2.5E+3"); at most 18 significant digits.
    init?(_ text: String) {
        let u = Array(text.utf8)
        var k = 0
        var negative = false
        if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") {
            negative = u[k] == UInt8(ascii: "-"); k += 1
        }
        var mantissa = 0, scale = 0, count = 0, sawDigit = false
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        while k < u.count, isDigit(u[k]) {
            if mantissa != 0 || u[k] != 0x30 { count += 1 }
            guard count <= 18 else { return nil }
            mantissa = mantissa * 10 + Int(u[k] - 0x30); sawDigit = true; k += 1
        }
        if k < u.count, u[k] == UInt8(ascii: ".") {
            k += 1
            while k < u.count, isDigit(u[k]) {
                if mantissa != 0 || u[k] != 0x30 { count += 1 }
                guard count <= 18 else { return nil }
                mantissa = mantissa * 10 + Int(u[k] - 0x30); scale += 1; sawDigit = true; k += 1
            }
        }
        guard sawDigit else { return nil }
        if k < u.count, u[k] == UInt8(ascii: "e") || u[k] == UInt8(ascii: "E") {
            k += 1
            var expNegative = false
            if k < u.count, u[k] == UInt8(ascii: "-") || u[k] == UInt8(ascii: "+") {
                expNegative = u[k] == UInt8(ascii: "-"); k += 1
            }
            var exponent = 0, expDigits = 0
            while k < u.count, isDigit(u[k]) {
                exponent = exponent * 10 + Int(u[k] - 0x30); expDigits += 1; k += 1
                guard exponent < 1000 else { return nil }
            }
            guard expDigits > 0 else { return nil }
            scale -= expNegative ? -exponent : exponent
        }
        guard k == u.count else { return nil }
        if mantissa == 0 { scale = 0 }
        while mantissa != 0, mantissa % 10 == 0, scale > 0 { mantissa /= 10; scale -= 1 }
        digits = negative ? -mantissa : mantissa
        self.scale = scale
    }

    /// The value times 10^places as an integer; nil when that is not a whole number or overflows.
    func scaled(toDecimalPlaces places: Int) -> Int? {
        if scale > places { return nil }
        var v = digits
        for _ in 0..<(places - scale) {
            let (m, overflow) = v.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            v = m
        }
        return v
    }
}
