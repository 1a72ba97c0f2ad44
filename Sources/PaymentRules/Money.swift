/// The currency an amount is in: an ISO 4217 code with two decimal places (pounds and pence,
/// euros and cents, ...). Only the pound has a symbol here; other codes print as the code
/// ("EUR 1,234.56").
public struct Currency: Sendable, Hashable, CustomStringConvertible {
    /// Three capital letters ("GBP").
    public let code: String

    /// ISO 4217 codes whose minor unit is not 1/100 (none or 1/1000): amounts in them cannot be held
    /// as hundredths, so they are refused rather than mis-scaled.
    static let notTwoDecimal: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF", "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND", "CLF", "UYW",
    ]

    /// A currency from its ISO 4217 code; nil unless three capital letters with two decimal places.
    public init?(code: String) {
        guard code.utf8.count == 3, code.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }),
              !Self.notTwoDecimal.contains(code) else { return nil }
        self.code = code
    }

    private init(known code: String) {
        self.code = code
    }

    /// Pounds sterling, the default.
    public static let gbp = Currency(known: "GBP")

    /// "£" for GBP; nil for others (printed as their code).
    public var symbol: String? { code == "GBP" ? "£" : nil }

    /// How amounts are named in messages: "pounds" for GBP, otherwise the code.
    public var unitName: String { code == "GBP" ? "pounds" : code }

    public var description: String { code }
}

/// Why an amount of money could not be computed.
public enum MoneyError: Error, Equatable, CustomStringConvertible {
    /// The result does not fit in `Int` hundredths; `amount` names the operation or the amount.
    case overflow(amount: String)
    /// Two amounts in different currencies were combined.
    case currencyMismatch(Money, Money)

    public var description: String {
        switch self {
        case .overflow(let amount):
            return "the amount \(amount) is too large to hold in pence (the largest is \(Money(pence: .max).description)); check the amounts and prices."
        case .currencyMismatch(let a, let b):
            return "cannot combine \(a) with \(b): they are in different currencies."
        }
    }
}

/// An amount of money in whole pence (hundredths of the currency unit: pence for GBP, cents for
/// EUR). Every amount (prices, caps, payments, totals) is held as an integer number of pence, so
/// sums and splits are exact: nothing is rounded except where a rule says so (a price times a
/// fractional number of events, `PaymentTerms`; a payer's share, `RateCards.Share.split`).
///
/// `+` and `-` trap on overflow, as `Int` does; `adding`, `subtracting` and `multiplied(by:)` throw
/// a `MoneyError` that names the amounts instead, for amounts that come from a plan.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in pence (1/100 of the currency unit).
    public var pence: Int
    public var currency: Currency

    public init(pence: Int, currency: Currency = .gbp) {
        self.pence = pence
        self.currency = currency
    }

    /// Zero pounds.
    public static let zero = Money(pence: 0)

    /// Zero in `currency`.
    public static func zero(_ currency: Currency) -> Money { Money(pence: 0, currency: currency) }

    /// Reads an amount written in decimal notation with at most two decimal places ("1500",
    /// "333.33", "2.5e3"); nil for anything else, including fractions of a penny and amounts too
    /// large to hold in pence.
    public init?(pounds text: String, currency: Currency = .gbp) {
        guard let d = ExactDecimal(text), let pence = d.scaled(toDecimalPlaces: 2) else { return nil }
        self.init(pence: pence, currency: currency)
    }

    /// Reads a `Double` written in a plan (TOML floats) as the decimal the user typed: the shortest
    /// decimal that reads back to the same `Double`, so 333.33 is 33,333 pence exactly.
    public init?(pounds value: Double, currency: Currency = .gbp) {
        guard value.isFinite else { return nil }
        self.init(pounds: "\(value)", currency: currency)
    }

    /// `exactPence` rounded to a whole penny by `rule` (for example `.down`, the floor); throws
    /// `MoneyError.overflow` naming the amount when it does not fit.
    public init(rounding exactPence: ExactRational, _ rule: FloatingPointRoundingRule, currency: Currency = .gbp) throws {
        guard let pence = exactPence.rounded(rule) else {
            throw MoneyError.overflow(amount: "\(Double(exactPence) / 100) \(currency.unitName)")
        }
        self.init(pence: pence, currency: currency)
    }

    /// The amount as an exact rational number of pence.
    public var exactPence: ExactRational { ExactRational(pence) }

    public static func + (a: Money, b: Money) -> Money {
        precondition(a.currency == b.currency, "adding amounts in \(a.currency) and \(b.currency)")
        return Money(pence: a.pence + b.pence, currency: a.currency)
    }

    public static func - (a: Money, b: Money) -> Money {
        precondition(a.currency == b.currency, "subtracting amounts in \(a.currency) and \(b.currency)")
        return Money(pence: a.pence - b.pence, currency: a.currency)
    }

    public static func += (a: inout Money, b: Money) { a = a + b }
    public static func -= (a: inout Money, b: Money) { a = a - b }

    public static func < (a: Money, b: Money) -> Bool {
        precondition(a.currency == b.currency, "comparing amounts in \(a.currency) and \(b.currency)")
        return a.pence < b.pence
    }

    /// `self + other` and whether it overflowed (then the partial value is the wrapped sum).
    public func addingReportingOverflow(_ other: Money) -> (partialValue: Money, overflow: Bool) {
        let (p, o) = pence.addingReportingOverflow(other.pence)
        return (Money(pence: p, currency: currency), o)
    }

    /// `self - other` and whether it overflowed.
    public func subtractingReportingOverflow(_ other: Money) -> (partialValue: Money, overflow: Bool) {
        let (p, o) = pence.subtractingReportingOverflow(other.pence)
        return (Money(pence: p, currency: currency), o)
    }

    /// `self + other`; throws when the currencies differ or the sum does not fit.
    public func adding(_ other: Money) throws -> Money {
        guard currency == other.currency else { throw MoneyError.currencyMismatch(self, other) }
        let (sum, overflow) = addingReportingOverflow(other)
        if overflow { throw MoneyError.overflow(amount: "\(self) + \(other)") }
        return sum
    }

    /// `self - other`; throws when the currencies differ or the difference does not fit.
    public func subtracting(_ other: Money) throws -> Money {
        guard currency == other.currency else { throw MoneyError.currencyMismatch(self, other) }
        let (difference, overflow) = subtractingReportingOverflow(other)
        if overflow { throw MoneyError.overflow(amount: "\(self) - \(other)") }
        return difference
    }

    /// `self x n`; throws when the product does not fit.
    public func multiplied(by n: Int) throws -> Money {
        let (p, overflow) = pence.multipliedReportingOverflow(by: n)
        if overflow { throw MoneyError.overflow(amount: "\(self) x \(n)") }
        return Money(pence: p, currency: currency)
    }

    /// Pounds with exactly two decimals and no separators or currency ("1234.56", "-0.05"): exact,
    /// for CSV files.
    public var decimalText: String {
        let magnitude = pence.magnitude
        let pounds = magnitude / 100, remainder = magnitude % 100
        return (pence < 0 ? "-" : "") + String(pounds) + "." + (remainder < 10 ? "0" : "") + String(remainder)
    }

    /// Sign, currency, thousands separators and two decimals, for people: "£1,234.56",
    /// "-£0.05", "EUR 1,234.56".
    public var description: String {
        let magnitude = pence.magnitude
        var digits = String(magnitude / 100)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        let remainder = magnitude % 100
        let unit = currency.symbol ?? currency.code + " "
        return (pence < 0 ? "-" : "") + unit + digits + grouped + "." + (remainder < 10 ? "0" : "") + String(remainder)
    }
}

/// A decimal number read exactly from text: value = digits / 10^scale, with trailing fraction
/// zeros removed (scale may be negative: "2.5e3" is 25 / 10^-2).
public struct ExactDecimal: Sendable, Equatable {
    public var digits: Int
    public var scale: Int

    /// Accepts an optional sign, digits with an optional fraction, and an optional exponent
    /// ("1500", "-0.25", "333.33", "1e-05", "2.5E+3"); at most 18 significant digits.
    public init?(_ text: String) {
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
    public func scaled(toDecimalPlaces places: Int) -> Int? {
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
