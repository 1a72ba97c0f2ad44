import CohortData
import Foundation
import TOMLKit

/// Why a plan file could not be read: the file and one sentence naming the table and key.
public struct PlanFileError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String

    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

/// Typed access to one table of a TOML plan. Every error names the file, the table (the
/// `context`: "" at the top level, "[data]", "[[outcome]] 2", ...) and the key.
public struct PlanTable {
    public let table: TOMLTable?
    public let context: String
    public let file: String

    public init(_ table: TOMLTable?, context: String, file: String) {
        self.table = table
        self.context = context
        self.file = file
    }

    /// The top-level table of plan text.
    /// - Throws: `PlanFileError` with the line and column of a TOML syntax error.
    public static func parse(_ text: String, file: String) throws -> PlanTable {
        try TOMLKitHazards.refuse(text, file: file)
        do {
            return PlanTable(try TOMLTable(string: text), context: "", file: file)
        } catch let e as TOMLParseError {
            throw PlanFileError(file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): \(e.description); fix the TOML syntax.")
        }
    }

    /// An error about `key` in this table: "<context> <key> <what>."
    public func error(_ key: String, _ what: String) -> PlanFileError {
        PlanFileError(file: file, message: "\(context.isEmpty ? "" : context + " ")\(key) \(what).")
    }

    /// Rejects keys not in `known`: a misspelt key would otherwise be ignored and its default used,
    /// which in a payment plan is a silent change of terms.
    public func allow(_ known: [String]) throws {
        guard let table else { return }
        for key in table.keys.sorted() where !known.contains(key) {
            throw PlanFileError(file: file, message: "\(context.isEmpty ? "" : context + " ")unknown key '\(key)'; the keys here are \(known.joined(separator: ", ")).")
        }
    }

    /// A sub-table (`[key]`) that must be present.
    public func requiredTable(_ key: String) throws -> PlanTable {
        guard table?[key] != nil else { throw error(key, "is missing; add the table") }
        return try self.table(key)
    }

    /// A sub-table (`[key]`); an absent one reads as empty, so every key takes its default.
    public func table(_ key: String) throws -> PlanTable {
        guard let value = table?[key] else { return PlanTable(nil, context: "[\(key)]", file: file) }
        guard let t = value.table else { throw error(key, "must be a table ([\(key)])") }
        return PlanTable(t, context: "[\(key)]", file: file)
    }

    /// An array of tables (`[[key]]`), each with its own context ("[[key]] 1", ...).
    public func tables(_ key: String) throws -> [PlanTable] {
        guard let value = table?[key] else { return [] }
        guard let array = value.array else { throw error(key, "must be an array of tables ([[\(key)]])") }
        return try (0..<array.count).map { k in
            guard let t = array[k].table else { throw error(key, "must be an array of tables ([[\(key)]])") }
            return PlanTable(t, context: "[[\(key)]] \(k + 1)", file: file)
        }
    }

    public func optionalString(_ key: String) throws -> String? {
        guard let value = table?[key] else { return nil }
        guard let s = value.string else { throw error(key, "must be a string") }
        return s
    }

    public func string(_ key: String, default fallback: String) throws -> String {
        try optionalString(key) ?? fallback
    }

    /// A string that must be present; `missing` explains what it is ("is missing; <missing>").
    public func requiredString(_ key: String, missing: String) throws -> String {
        guard let s = try optionalString(key) else { throw error(key, "is missing; \(missing)") }
        return s
    }

    public func strings(_ key: String, default fallback: [String]? = nil) throws -> [String] {
        guard let value = table?[key] else {
            if let fallback { return fallback }
            throw error(key, "is missing; give a list of names")
        }
        guard let array = value.array else { throw error(key, "must be a list of strings") }
        return try array.map { item in
            guard let s = item.string else { throw error(key, "must be a list of strings") }
            return s
        }
    }

    /// A TOML integer.
    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let value = table?[key] else { return fallback }
        guard let i = value.int else { throw error(key, "must be a whole number") }
        return i
    }

    /// A TOML integer within `range` (the documented valid range; checked before any work).
    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let value = try int(key, default: fallback)
        guard range.contains(value) else {
            throw error(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// A number within `range`; NaN and infinities are never in range.
    public func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        let value = try double(key, default: fallback)
        guard value.isFinite, range.contains(value) else {
            throw error(key, "must be a number from \(Self.shortest(range.lowerBound)) to \(Self.shortest(range.upperBound)) (got \(Self.shortest(value)))")
        }
        return value
    }

    /// A seed: a whole number from 0 to 2^63 - 1 (TOML integers are signed 64-bit).
    public func seed(_ key: String, default fallback: UInt64) throws -> UInt64 {
        UInt64(try int(key, default: Int(fallback), in: 0...Int.max))
    }

    static func shortest(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }

    /// A whole number written as a TOML integer or as a float with no fraction (3 or 3.0).
    public func optionalWholeNumber(_ key: String) throws -> Int? {
        guard let value = table?[key] else { return nil }
        if let i = value.int { return i }
        if let d = value.double, d == d.rounded(), abs(d) < 1e15 { return Int(d) }
        throw error(key, "must be a whole number")
    }

    public func optionalDouble(_ key: String) throws -> Double? {
        guard let value = table?[key] else { return nil }
        if let d = value.double { return d }
        if let i = value.int { return Double(i) }
        throw error(key, "must be a number")
    }

    public func double(_ key: String, default fallback: Double) throws -> Double {
        try optionalDouble(key) ?? fallback
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = table?[key] else { return fallback }
        guard let b = value.bool else { throw error(key, "must be true or false") }
        return b
    }

    public func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws -> E
    where E.RawValue == String {
        let raw = try string(key, default: fallback.rawValue)
        guard let e = E(rawValue: raw) else {
            throw error(key, "must be one of \(E.allCases.map { $0.rawValue }.joined(separator: ", "))")
        }
        return e
    }

    /// A TOML date (2019-01-01) or a string "YYYY-MM-DD", as days since 1970-01-01.
    public func date(_ key: String) throws -> Int {
        guard let value = table?[key] else { throw error(key, "is missing; give a date as YYYY-MM-DD") }
        if let d = value.date { return CalendarDate.days(year: Int(d.year), month: Int(d.month), day: Int(d.day)) }
        if let s = value.string, let d = CalendarDate.parse(s.trimmingCharacters(in: .whitespaces)) { return d }
        throw error(key, "must be a date written YYYY-MM-DD")
    }
}
