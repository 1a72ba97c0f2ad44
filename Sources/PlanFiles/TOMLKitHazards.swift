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
/// 4. A value, a space and a single digit ending the value (`from = 2019-01-01 3`; toml++ looks
///    for a date-time written with a space after any ten characters that look like a date).
/// 5. A table header whose key starts with a character that cannot start a key (`[/a]`,
///    `[[[1]]]`, `[[=`, `[` at the end of a line); fixed upstream in marzer/tomlplusplus#301.
///
/// Rules 3 and 4 are checked outside strings and comments, where the text they match is never valid
/// TOML, so refusing it changes only which error is reported. Rule 5 needs to know whether a line
/// starts a statement or continues a multi-line array or string: a candidate line is a header
/// exactly when the text before it parses on its own. By then rules 1 to 4 have cleared the text
/// and earlier candidates have been cleared, so no prefix handed to toml++ can crash it.
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
        if let (i, rule) = crashingValue(s) {
            switch rule {
            case .valueExpected:
                throw fail(i, "'\(s[i].escaped(asASCII: true))' where an array value is expected; fix the TOML syntax.")
            case .digitAfterValue:
                throw fail(i, "a single digit after a value and a space; separate values with commas, or write a date and time as YYYY-MM-DD HH:MM:SS; fix the TOML syntax.")
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

    enum ValueRule { case valueExpected, digitAfterValue }

    /// Rules 3 and 4, outside strings and comments: the position that breaks one, and which.
    static func crashingValue(_ s: [Unicode.Scalar]) -> (Int, ValueRule)? {
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        // toml++'s value terminators: whitespace (any), ']', '}', ',' and '#'.
        func isTerminator(_ c: Unicode.Scalar) -> Bool {
            c.properties.isWhitespace || c == "]" || c == "}" || c == "," || c == "#"
        }
        var last: Unicode.Scalar? = nil // the last character outside strings and comments, blanks aside
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == "#" {
                while i < s.count, s[i] != "\n" { i += 1 }
                continue
            }
            if c == "\"" || c == "'" {
                i = endOfString(s, from: i)
                last = c
                continue
            }
            if c == "}" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}" {
                if c != "}" || last == "[" || last == "," { return (i, .valueExpected) }
            }
            // The end of a value (not a delimiter, nor the dot of a dotted key), a space, one digit.
            if !c.properties.isWhitespace, !"=[{,.".unicodeScalars.contains(c), i + 2 < s.count, s[i + 1] == " ",
               isDigit(s[i + 2]), i + 3 == s.count || isTerminator(s[i + 3]) {
                return (i + 2, .digitAfterValue)
            }
            if !c.properties.isWhitespace { last = c }
            i += 1
        }
        return nil
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
