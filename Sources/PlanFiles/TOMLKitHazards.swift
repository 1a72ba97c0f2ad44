import TOMLKit

/// Plan text that TOMLKit 0.6.0 (which wraps the C++ parser toml++ 3.4.0) would mishandle, refused
/// with its line and column before TOMLKit sees it. All were found by fuzzing the plan readers
/// (`Fuzz/`, `Scripts/fuzz`); each has a regression test in `TOMLKitBoundaryTests`.
///
/// Silent changes (TOMLKit exchanges text with toml++ as C strings, which end at the first NUL):
/// 1. A NUL character: everything after it would be dropped (a later `[contract]` table would take
///    its defaults).
/// 2. The escapes `\u0000` and `\U00000000`: keys and strings would be cut at the NUL, so
///    `"cap_total\u0000" = 5` would pass the unknown-key check as `cap_total` and then not be found
///    (no cap). The check also refuses these characters in a comment or a literal string.
///
/// Aborts (toml++ asserts a parser precondition that these inputs break; the assertion aborts the
/// process, or is undefined behaviour when built with `NDEBUG`):
/// 3. `}`, U+0085, U+2028 or U+2029 where an array value is expected (`x = [}`, `x = [1, }`).
/// 4. A date, a space and a single digit ending the value (`from = 2019-01-01 3`): toml++ looks
///    ahead for a date-time written with a space.
/// 6. A value without quotes that is not a TOML value (`2019-01-0%`, `2019-01-01Tratio00:00:00Z`):
///    toml++ picks a parser from the characters it has seen and some of those parsers assert what
///    the first character is. Refusing every malformed bare value keeps them on valid input.
/// 5. A table header whose key starts with a character that cannot start a key (`[/a]`,
///    `[[[1]]]`, `[[=`, `[` at the end of a line); fixed upstream in marzer/tomlplusplus#301.
///
/// Rules 3, 4 and 6 follow the text with a small scanner that knows, as toml++ does, whether a key,
/// a value or a separator comes next; what they refuse is never valid TOML, so refusing it changes
/// only which error is reported. Rule 5 needs to know whether a line starts a statement or continues
/// a multi-line array or string: a candidate line is a header exactly when the text before it
/// parses on its own. By then the other rules have cleared the text and earlier candidates have
/// been cleared, so no prefix handed to toml++ can crash it.
enum TOMLKitHazards {
    static func refuse(_ text: String, file: String) throws {
        let s = Array(text.unicodeScalars)
        func fail(_ i: Int, _ what: String) -> PlanFileError {
            var line = 1, lineStart = s.first == "\u{FEFF}" ? 1 : 0 // a byte order mark is not a column
            for k in 0..<min(i, s.count) where s[k] == "\n" { line += 1; lineStart = k + 1 }
            return PlanFileError(file: file, message: "line \(line), column \(i - lineStart + 1): \(what)")
        }
        if let i = s.firstIndex(of: "\0") {
            throw fail(i, "the plan contains a NUL character; a plan must be plain UTF-8 text.")
        }
        if let (i, spelling) = nulEscape(s) {
            throw fail(i, "the escape \(spelling) (a NUL character) cannot be read; remove it.")
        }
        if let (i, rule) = valueHazard(s) {
            switch rule {
            case .valueExpected:
                throw fail(i, "'\(s[i].escaped(asASCII: true))' where an array value is expected; fix the TOML syntax.")
            case .digitAfterValue:
                throw fail(i, "a single digit after a date and a space; write a date and time as YYYY-MM-DD HH:MM:SS; fix the TOML syntax.")
            case .notAValue(let token):
                let shown = token.unicodeScalars.count > 40 ? String(String.UnicodeScalarView(token.unicodeScalars.prefix(40))) + "..." : token
                throw fail(i, "'\(shown)' is not a TOML value; write a number (12, 1.5), a date (YYYY-MM-DD), true or false, or text in double quotes; fix the TOML syntax.")
            }
        }
        if let i = headerWithoutKey(s) {
            throw fail(i, "a table header must start with a key (letters, digits, '_', '-' or a quoted key); fix the TOML syntax.")
        }
    }

    /// Where `\u0000` or `\U00000000` starts (a backslash that is not itself escaped), and which.
    static func nulEscape(_ s: [Unicode.Scalar]) -> (Int, String)? {
        var k = 0
        while k < s.count {
            guard s[k] == "\\" else { k += 1; continue }
            var end = k
            while end < s.count, s[end] == "\\" { end += 1 }
            if (end - k) % 2 == 1 {
                let rest = String(String.UnicodeScalarView(s[end..<min(s.count, end + 9)]))
                if rest.hasPrefix("u0000") { return (end - 1, "\\u0000") }
                if rest == "U00000000" { return (end - 1, "\\U00000000") }
            }
            k = end
        }
        return nil
    }

    enum ValueRule { case valueExpected, digitAfterValue, notAValue(String) }

    /// Rules 3, 4 and 6: the first value that breaks one, and which. A small TOML scanner follows
    /// what toml++ expects next (a key, `=`, a value, `,` or a closing bracket) through arrays,
    /// inline tables, strings and comments; it is exact on valid TOML, and after the first syntax
    /// error (where toml++ stops) it only needs to keep going.
    static func valueHazard(_ s: [Unicode.Scalar]) -> (Int, ValueRule)? {
        enum Frame { case array, inlineTable }
        var stack: [Frame] = []     // open arrays and inline tables; empty at the document level
        var expectValue = false     // after `=`, or after `[` or `,` in an array
        var atLineStart = true
        // toml++'s value terminators: whitespace (any), ']', '}', ',' and '#'.
        func isTerminator(_ c: Unicode.Scalar) -> Bool {
            c.properties.isWhitespace || c == "]" || c == "}" || c == "," || c == "#"
        }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "\r" || (i == 0 && c == "\u{FEFF}") { i += 1; continue }
            if c == "\n" {
                if stack.isEmpty { expectValue = false; atLineStart = true }
                i += 1
                continue
            }
            if c == "#" {
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            let lineStart = atLineStart
            atLineStart = false
            if expectValue {
                if c == "[" { stack.append(.array); i += 1; continue }
                if c == "{" { stack.append(.inlineTable); expectValue = false; i += 1; continue }
                if stack.last == .array {
                    if c == "]" { stack.removeLast(); expectValue = false; i += 1; continue }
                    if c == "," { i += 1; continue } // a syntax error toml++ reports
                    if c == "}" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" { return (i, .valueExpected) }
                }
                expectValue = false
                if c == "\"" || c == "'" { i = endOfString(s, from: i); continue }
                var end = i
                while end < s.count, !isTerminator(s[end]) { end += 1 }
                // toml++ reads a date followed by a space and a digit as a date-time; if the digit
                // ends the value its look-ahead fails (rule 4).
                if isLocalDate(s[i..<end]), end + 1 < s.count, s[end] == " ", isDigit(s[end + 1]) {
                    if end + 2 == s.count || isTerminator(s[end + 2]) { return (end + 1, .digitAfterValue) }
                    end += 1
                    while end < s.count, !isTerminator(s[end]) { end += 1 }
                }
                if !isScalar(s[i..<end]) { return (i, .notAValue(String(String.UnicodeScalarView(s[i..<end])))) }
                i = end
                continue
            }
            switch stack.last {
            case nil:
                if lineStart, c == "[" {
                    // A table header: skip its keys (rule 5 checks how it starts).
                    i += 1
                    while i < s.count, s[i] != "]", s[i] != "\n" {
                        i = s[i] == "\"" || s[i] == "'" ? endOfString(s, from: i) : i + 1
                    }
                    continue
                }
                if c == "=" { expectValue = true }
            case .array:
                if c == "," { expectValue = true }
                if c == "]" { stack.removeLast() }
            case .inlineTable:
                if c == "=" { expectValue = true }
                if c == "}" { stack.removeLast() }
            }
            i = c == "\"" || c == "'" ? endOfString(s, from: i) : i + 1
        }
        return nil
    }

    /// Whether `t` is a TOML 1.0 value written without quotes: `true`, `false`, an integer
    /// (decimal, `0x`, `0o`, `0b`), a float (with `inf` and `nan`), or a date, time or date-time.
    static func isScalar(_ t: ArraySlice<Unicode.Scalar>) -> Bool {
        guard t.allSatisfy(\.isASCII) else { return false }
        let u = t.map { UInt8($0.value) }
        if u == Array("true".utf8) || u == Array("false".utf8) { return true }
        var k = 0
        func at(_ j: Int) -> UInt8? { j < u.count ? u[j] : nil }
        func isDigit(_ c: UInt8?) -> Bool { c.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        /// Digits accepted by `valid`, single underscores between them; true when at least one was read.
        func digits(_ valid: (UInt8) -> Bool) -> Bool {
            guard let c = at(k), valid(c) else { return false }
            k += 1
            while let c = at(k) {
                if valid(c) { k += 1 } else if c == UInt8(ascii: "_"), let d = at(k + 1), valid(d) { k += 2 } else { break }
            }
            return true
        }
        func fixed(_ n: Int) -> Bool {
            for j in k..<(k + n) where !isDigit(at(j)) { return false }
            k += n
            return true
        }
        func char(_ c: Character) -> Bool {
            guard at(k) == c.asciiValue else { return false }
            k += 1
            return true
        }
        func time() -> Bool {
            guard fixed(2), char(":"), fixed(2), char(":"), fixed(2) else { return false }
            if char(".") { return digits { $0 >= 0x30 && $0 <= 0x39 } }
            return true
        }
        // Dates and times.
        if u.count >= 8, isDigit(at(0)), isDigit(at(1)), at(2) == UInt8(ascii: ":") {
            return time() && k == u.count
        }
        if u.count >= 10, isDigit(at(0)), at(4) == UInt8(ascii: "-") {
            guard fixed(4), char("-"), fixed(2), char("-"), fixed(2) else { return false }
            if k == u.count { return true }
            guard char("T") || char("t") || char(" "), time() else { return false }
            if k == u.count || char("Z") || char("z") { return k == u.count }
            guard char("+") || char("-"), fixed(2), char(":"), fixed(2) else { return false }
            return k == u.count
        }
        // Special prefixes: no sign.
        let isHex: (UInt8) -> Bool = { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
        if u.count > 2, u[0] == UInt8(ascii: "0") {
            k = 2
            switch u[1] {
            case UInt8(ascii: "x"): return digits(isHex) && k == u.count
            case UInt8(ascii: "o"): return digits { $0 >= 0x30 && $0 <= 0x37 } && k == u.count
            case UInt8(ascii: "b"): return digits { $0 == 0x30 || $0 == 0x31 } && k == u.count
            default: k = 0
            }
        }
        _ = char("+") || char("-")
        if u[k...] == Array("inf".utf8)[...] || u[k...] == Array("nan".utf8)[...] { return true }
        // Decimal integer or float: no leading zero on the integer part.
        if at(k) == UInt8(ascii: "0") { k += 1 } else if !digits({ $0 >= 0x30 && $0 <= 0x39 }) { return false }
        if isDigit(at(k)) || at(k) == UInt8(ascii: "_") { return false }
        if char(".") { guard digits({ $0 >= 0x30 && $0 <= 0x39 }) else { return false } }
        if char("e") || char("E") {
            _ = char("+") || char("-")
            guard digits({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        }
        return k == u.count
    }

    /// Whether `t` is exactly ten characters `DDDD-DD-DD`.
    static func isLocalDate(_ t: ArraySlice<Unicode.Scalar>) -> Bool {
        guard t.count == 10 else { return false }
        for (j, c) in t.enumerated() {
            if j == 4 || j == 7 { if c != "-" { return false } } else if !(c >= "0" && c <= "9") { return false }
        }
        return true
    }

    /// The index just after the TOML string that opens at `start` (basic `"`, literal `'`, or
    /// their multi-line forms; a single-line string also ends at a line break, where toml++
    /// reports it unterminated).
    static func endOfString(_ s: [Unicode.Scalar], from start: Int) -> Int {
        let q = s[start]
        let escapes = q == "\""
        if start + 2 < s.count, s[start + 1] == q, s[start + 2] == q {
            var i = start + 3
            while i < s.count {
                if escapes, s[i] == "\\" { i += 2; continue }
                if s[i] == q, i + 2 < s.count, s[i + 1] == q, s[i + 2] == q {
                    i += 3
                    // Up to two more quotes belong to the content: """a""""" is a"" closed.
                    var extra = 0
                    while extra < 2, i < s.count, s[i] == q { i += 1; extra += 1 }
                    return i
                }
                i += 1
            }
            return s.count
        }
        var i = start + 1
        while i < s.count, s[i] != q, s[i] != "\n" {
            if escapes, s[i] == "\\" { i += 1 }
            i += 1
        }
        return i < s.count && s[i] == q ? i + 1 : min(i, s.count)
    }

    /// Rule 5: where a table header's key should start, when it cannot.
    static func headerWithoutKey(_ s: [Unicode.Scalar]) -> Int? {
        // Before the '[' any blank may be skipped (more candidates are harmless); inside the header
        // only what toml++ skips, space and tab, or a character it then reads as the key is missed.
        func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" || (c.properties.isWhitespace && c != "\r" && c != "\n") }
        func isSpaceOrTab(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }
        func startsKey(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                || c == "_" || c == "-" || c == "\"" || c == "'" || c == "]"
        }
        var lineStart = 0
        while lineStart <= s.count {
            var lineEnd = lineStart
            while lineEnd < s.count, s[lineEnd] != "\n" { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            var k = lineStart
            if k == 0, k < lineEnd, s[k] == "\u{FEFF}" { k += 1 } // toml++ skips a byte order mark
            while k < lineEnd, isBlank(s[k]) { k += 1 }
            guard k < lineEnd, s[k] == "[" else { continue }
            k += 1
            var hadBlank = false
            while k < lineEnd, isSpaceOrTab(s[k]) { k += 1; hadBlank = true }
            if !hadBlank, k < lineEnd, s[k] == "[" {
                k += 1
                while k < lineEnd, isSpaceOrTab(s[k]) { k += 1 }
            }
            if k < lineEnd, startsKey(s[k]) { continue }
            let prefix = String(String.UnicodeScalarView(s[0..<lineStart]))
            if (try? TOMLTable(string: prefix)) != nil { return k }
        }
        return nil
    }
}
