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
        try refuseWhatTOMLKitMishandles(text, file: file)
        do {
            return PlanTable(try TOMLTable(string: text), context: "", file: file)
        } catch let e as TOMLParseError {
            throw PlanFileError(file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): \(e.description); fix the TOML syntax.")
        }
    }

    /// Refuses, before TOMLKit 0.6.0 sees it, text that it would mishandle (found while fuzzing
    /// the plan readers, see `Fuzz/`):
    /// - A NUL character. TOMLKit hands the text to toml++ as a C string, so everything after the
    ///   first NUL would be silently dropped (a later `[contract]` table would take its defaults).
    ///   Likewise the escapes `\u0000` and `\U00000000`: TOMLKit returns keys and strings as C
    ///   strings, so `"cap_total\u0000" = 5` would pass the unknown-key check as `cap_total` and
    ///   then not be found (no cap), and `"a\u0000b"` would read as `a`. (The check also refuses
    ///   these six or ten characters in a comment or a literal string, where they are harmless.)
    /// - A table header whose key starts with a character that cannot start a key (`[/a]`,
    ///   `[[[1]]]`, `[[=`, or `[` at the end of a line). The vendored toml++ 3.4.0 calls its key
    ///   parser anyway and fails an assertion, which aborts the process (without `NDEBUG`) or is
    ///   undefined behaviour (with it); fixed upstream in marzer/tomlplusplus#301.
    ///
    /// A header starts a line, so every line whose first non-blank character is `[` followed by
    /// such a character is a candidate; it is a real header (and the input would crash toml++) only
    /// when it is not inside a multi-line string or array, that is, when the text before that line
    /// parses on its own. Earlier candidates have already been cleared when a prefix is parsed, so
    /// the check never hands toml++ a crashing input itself.
    static func refuseWhatTOMLKitMishandles(_ text: String, file: String) throws {
        let scalars = text.unicodeScalars
        // Every kind of blank toml++ might skip (a superset is harmless: it only adds candidates).
        func isBlank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || (s.properties.isWhitespace && s != "\r") }
        var lineNumber = 0
        for line in scalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            if let nul = line.firstIndex(of: "\0") {
                let column = line.distance(from: line.startIndex, to: nul) + 1
                throw PlanFileError(file: file, message: "line \(lineNumber), column \(column): the plan contains a NUL character; a plan must be plain UTF-8 text.")
            }
            if let (escape, spelling) = nulEscape(in: line) {
                let column = line.distance(from: line.startIndex, to: escape) + 1
                throw PlanFileError(file: file, message: "line \(lineNumber), column \(column): the escape \(spelling) (a NUL character) cannot be read; remove it.")
            }
            var k = line.startIndex
            while k < line.endIndex, isBlank(line[k]) { k = line.index(after: k) }
            guard k < line.endIndex, line[k] == "[" else { continue }
            k = line.index(after: k)
            var hadBlank = false
            while k < line.endIndex, isBlank(line[k]) { k = line.index(after: k); hadBlank = true }
            if !hadBlank, k < line.endIndex, line[k] == "[" {
                k = line.index(after: k)
                while k < line.endIndex, isBlank(line[k]) { k = line.index(after: k) }
            }
            if k < line.endIndex {
                let c = line[k]
                let startsKey = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                    || c == "_" || c == "-" || c == "\"" || c == "'" || c == "]"
                if startsKey { continue }
            }
            guard (try? TOMLTable(string: String(scalars[..<line.startIndex]))) != nil else { continue }
            let column = line.distance(from: line.startIndex, to: k) + 1
            throw PlanFileError(file: file, message: "line \(lineNumber), column \(column): a table header must start with a key (letters, digits, '_', '-' or a quoted key); fix the TOML syntax.")
        }
    }

    /// Where `\u0000` or `\U00000000` starts in `line` (a backslash that is not itself escaped), and which.
    private static func nulEscape(in line: Substring.UnicodeScalarView) -> (Substring.UnicodeScalarView.Index, String)? {
        var k = line.startIndex
        while k < line.endIndex {
            guard line[k] == "\\" else { k = line.index(after: k); continue }
            var run = 0, end = k
            while end < line.endIndex, line[end] == "\\" { run += 1; end = line.index(after: end) }
            if run % 2 == 1 {
                let backslash = line.index(before: end)
                let rest = String(String.UnicodeScalarView(line[end...].prefix(9)))
                if rest.hasPrefix("u0000") { return (backslash, "\\u0000") }
                if rest == "U00000000" { return (backslash, "\\U00000000") }
            }
            k = end
        }
        return nil
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
