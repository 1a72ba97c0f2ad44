import Foundation
import PaymentRules

// Money and its exact decimal reading live in PaymentRules (shared with outcomes contracts).

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
