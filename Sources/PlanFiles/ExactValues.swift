import Foundation
import PaymentRules

/// Values that decide money, read exactly as written: amounts in whole pence and decimals as
/// rationals. A TOML float is read as the shortest decimal that reads back to the same double,
/// which is the decimal the user typed (up to 15 significant digits): `0.1` is exactly 1/10 and
/// `333.33` is 33,333 pence.
extension PlanTable {
    /// An amount: an integer, a float with at most two decimals, or such a decimal as a string.
    public func money(_ key: String, currency: Currency = .gbp) throws -> Money {
        guard let money = try optionalMoney(key, currency: currency) else {
            throw error(key, "is missing; give an amount in \(currency.unitName)")
        }
        return money
    }

    /// An amount, or nil when the key is absent.
    public func optionalMoney(_ key: String, currency: Currency = .gbp) throws -> Money? {
        guard let value = table?[key] else { return nil }
        let money: Money?
        if let i = value.int {
            let (p, overflow) = i.multipliedReportingOverflow(by: 100)
            money = overflow ? nil : Money(pence: p, currency: currency)
        } else if let d = value.double {
            money = Money(pounds: d, currency: currency)
        } else if let s = value.string {
            money = Money(pounds: s.trimmingCharacters(in: .whitespaces), currency: currency)
        } else {
            money = nil
        }
        guard let money else {
            // An amount past the largest number of pence an Int holds is named as such, not as a format error.
            let number = value.int.map(Double.init) ?? value.double ?? value.string.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
            if let number, number.isFinite, abs(number) >= 1e16 {
                throw error(key, "is too large: an amount is at most \(Money(pence: .max, currency: currency)), written with at most 18 significant digits (got \(value.int.map(String.init) ?? String(number)))")
            }
            throw error(key, "must be an amount in \(currency.unitName) with at most two decimal places (e.g. 1500 or 333.33)")
        }
        return money
    }

    /// A decimal number read exactly: an integer, a float, or a decimal string ("0.075");
    /// nil when the key is absent.
    public func optionalRational(_ key: String) throws -> ExactRational? {
        guard let value = table?[key] else { return nil }
        var r: ExactRational? = nil
        if let i = value.int { r = ExactRational(i) }
        else if let d = value.double { r = ExactRational(decimal: d) }
        else if let s = value.string { r = ExactRational(decimal: s.trimmingCharacters(in: .whitespaces)) }
        guard let r else { throw error(key, "must be a number") }
        return r
    }

    public func rational(_ key: String, default fallback: ExactRational) throws -> ExactRational {
        try optionalRational(key) ?? fallback
    }

    /// An ISO 4217 currency code with two decimal places ("GBP", "EUR").
    public func currency(_ key: String, default fallback: Currency) throws -> Currency {
        guard let code = try optionalString(key) else { return fallback }
        guard let c = Currency(code: code) else {
            throw error(key, "must be an ISO 4217 code of three capital letters for a currency with two decimal places (e.g. \"GBP\", \"EUR\")")
        }
        return c
    }
}
