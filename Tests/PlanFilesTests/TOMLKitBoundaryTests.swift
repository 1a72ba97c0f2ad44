import XCTest
import CohortData
@testable import PlanFiles

/// Inputs found by fuzzing (`Scripts/fuzz`, the plan fuzzers) that TOMLKit 0.6.0 mishandles, and
/// that `PlanTable.parse` therefore refuses before TOMLKit sees them (`TOMLKitHazards`).
final class TOMLKitBoundaryTests: XCTestCase {
    private func message(_ text: String) -> String? {
        do {
            _ = try PlanTable.parse(text, file: "p.toml")
            return nil
        } catch {
            return (error as? PlanFileError)?.message ?? "\(error)"
        }
    }

    /// toml++ 3.4.0 fails an assertion (the process aborts) on a table header whose key starts
    /// with a character that cannot start a key. Minimised from a fuzzer crash: `[[/utcome]]`.
    func testHeaderWithoutAKeyIsAnErrorNotAnAbort() {
        let expected = "a table header must start with a key (letters, digits, '_', '-' or a quoted key); fix the TOML syntax."
        XCTAssertEqual(message("[/a]"), "line 1, column 2: " + expected)
        XCTAssertEqual(message("[[/a]]"), "line 1, column 3: " + expected)
        XCTAssertEqual(message("[[[1]]]"), "line 1, column 3: " + expected)
        XCTAssertEqual(message("[[="), "line 1, column 3: " + expected)
        XCTAssertEqual(message("[\nx = 1\n"), "line 1, column 2: " + expected)
        XCTAssertEqual(message("name = \"x\"\n[[a]]\nx = 1\n  [[ /a]]\n"), "line 4, column 6: " + expected)
        // toml++ skips only spaces and tabs inside the brackets (from a fuzzer crash: `[\v\vdata]`),
        // and a byte order mark before the first line.
        XCTAssertEqual(message("[\u{0B}\u{0B}data]\n"), "line 1, column 2: " + expected)
        XCTAssertEqual(message("\u{FEFF}[/a]\n"), "line 1, column 2: " + expected)
    }

    /// Lines that look like such headers inside a multi-line array or string are values, not
    /// headers, and are left to TOMLKit.
    func testHeaderLookalikesInsideValuesAreRead() throws {
        let top = try PlanTable.parse("x = [\n  [+1],\n  [[-2]],\n]\ns = '''\n[/not a header]\n'''\n", file: "p.toml")
        XCTAssertEqual(top.table?["x"]?.array?.count, 2)
        XCTAssertEqual(try top.optionalString("s"), "[/not a header]\n")
        // Invalid TOML that is not a header is still an error at its position.
        XCTAssertTrue(message("x = [\n  [/a]\n]\n")?.hasPrefix("line 2, column") ?? false, "\(String(describing: message("x = [\n  [/a]\n]\n")))")
    }

    /// toml++ 3.4.0 asserts that an array value does not start with a value terminator, but only
    /// checks for ']' and ','. Minimised from fuzzer crashes: `i=[}`.
    func testTerminatorWhereAnArrayValueIsExpected() {
        let expected = "where an array value is expected; fix the TOML syntax."
        XCTAssertEqual(message("i=[}"), "line 1, column 4: '}' " + expected)
        XCTAssertEqual(message("covariates = [\"age\",\n  # more to come\n}\n"), "line 3, column 1: '}' " + expected)
        XCTAssertEqual(message("x = [\u{2028}1]"), "line 1, column 6: '\\u{2028}' " + expected)
    }

    /// toml++ 3.4.0 looks ahead for a date-time written with a space and asserts that the digit
    /// after the space is not the end of the value. Minimised from a fuzzer crash: `m=2019-01-01 3`.
    func testDateSpaceDigitIsAnErrorNotAnAbort() {
        XCTAssertEqual(message("[[cap]]\nfrom = 2019-01-01 3\n"),
                       "line 2, column 19: a single digit after a date and a space; write a date and time as YYYY-MM-DD HH:MM:SS; fix the TOML syntax.")
    }

    /// toml++ 3.4.0 picks a parser from the characters of a bare value, and some parsers assert
    /// their first character; every malformed bare value is refused. From fuzzer crashes:
    /// `m=2019-01-0% 3`, `m=2019-'1-0% 3`, `i=2019-01-01Tratio00:\u{FFFD}00:00Z`.
    func testMalformedBareValueIsAnErrorNotAnAbort() {
        let expected = "is not a TOML value; write a number (12, 1.5), a date (YYYY-MM-DD), true or false, or text in double quotes; fix the TOML syntax."
        XCTAssertEqual(message("m=2019-01-0% 3\n"), "line 1, column 3: '2019-01-0%' " + expected)
        XCTAssertEqual(message("m=2019-'1-0% 3\n"), "line 1, column 3: '2019-'1-0%' " + expected)
        XCTAssertEqual(message("i=2019-01-01Tratio00:\u{FFFD}00:00Z{#}"), "line 1, column 3: '2019-01-01Tratio00:\u{FFFD}00:00Z{' " + expected)
        XCTAssertEqual(message("[contract]\ncap_total = 25OO000\n"), "line 2, column 13: '25OO000' " + expected)
        // Every kind of TOML 1.0 bare value is still read.
        let values = ["true", "false", "0", "-0", "+17", "1_000", "0xDEAD_beef", "0o755", "0b1101", "3.14", "-0.01",
                      "5e+22", "1E06", "6.626e-34", "224_617.445_991", "inf", "-inf", "+nan", "1979-05-27",
                      "1979-05-27T07:32:00Z", "1979-05-27t07:32:00.999999-07:00", "1979-05-27 07:32:00", "07:32:00",
                      "00:32:00.5"]
        for v in values {
            XCTAssertNoThrow(try PlanTable.parse("v = \(v)\nw = [\(v), \(v)]\nx = { y = \(v) }\n", file: "p.toml"), v)
        }
    }

    /// The same characters inside strings and comments, and valid inline tables, date-times and
    /// nested arrays, are read as before.
    func testLookalikesInStringsAndValidSyntaxAreRead() throws {
        let top = try PlanTable.parse(#"""
        s = "[}, 2 3" # [} 1 2
        l = '[}'
        m = """
        [}
        2019-01-01 3
        """
        d = 1979-05-27 07:32:00
        t = { a = 1, b = [ {}, { c = 2 } ] }
        e = {}
        n = [ [ 1, 2 ], [], [ [ 3 ] ] ]
        k . 1 = 2
        [a . 1]
        x = 1
        """#, file: "p.toml")
        XCTAssertEqual(try top.optionalString("s"), "[}, 2 3")
        XCTAssertEqual(try top.optionalString("l"), "[}")
        XCTAssertEqual(try top.optionalString("m"), "[}\n2019-01-01 3\n")
        XCTAssertNotNil(top.table?["d"]?.dateTime)
        XCTAssertEqual(top.table?["t"]?.table?["b"]?.array?.count, 2)
        XCTAssertEqual(top.table?["n"]?.array?.count, 3)
        XCTAssertEqual(top.table?["k"]?.table?["1"]?.int, 2)
        XCTAssertEqual(top.table?["a"]?.table?["1"]?.table?["x"]?.int, 1)
    }

    /// TOMLKit passes the text as a C string: without the check, everything after a NUL would be
    /// silently ignored (here the [contract] table).
    func testNULCharacterIsRefused() {
        XCTAssertEqual(message("name = \"x\"\0\n[contract]\ncap_total = 5\n"),
                       "line 1, column 11: the plan contains a NUL character; a plan must be plain UTF-8 text.")
    }

    /// TOMLKit returns keys and strings as C strings: without the check this key would pass the
    /// unknown-key check as `cap_total` and then not be found, so the cap would silently vanish.
    func testNULEscapeIsRefused() throws {
        XCTAssertEqual(message("[contract]\n\"cap_total\\u0000\" = 5\n"),
                       "line 2, column 11: the escape \\u0000 (a NUL character) cannot be read; remove it.")
        XCTAssertEqual(message("id = \"a\\U00000000b\""),
                       "line 1, column 8: the escape \\U00000000 (a NUL character) cannot be read; remove it.")
        // An escaped backslash followed by u0000 is the text \u0000, which is read as written.
        XCTAssertEqual(try PlanTable.parse("id = \"a\\\\u0000\"", file: "p.toml").optionalString("id"), "a\\u0000")
    }
}
