// libFuzzer harness for the date parser: `CalendarDate.parse` on every line of the input (and on
// the whole input), and `CohortTable.dates` on a text column holding those lines.
//
// Besides traps, it checks `parse` against an independent definition of an ISO 8601 calendar
// date (`YYYY-MM-DD`, ASCII digits, month 1-12, day within the month, Gregorian leap years):
// a date is accepted exactly when it is valid, and an accepted date formats back to the same text.

import CohortData

@_cdecl("LLVMFuzzerTestOneInput")
public func dateFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkParse(text)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    for line in lines { checkParse(line) }

    // The same lines as a text column, one row each (duplicates share a level, as the reader stores them).
    var levels: [String] = []
    var codeOf: [String: Int32] = [:]
    let codes = lines.map { line -> Int32 in
        if let code = codeOf[line] { return code }
        let code = Int32(levels.count)
        levels.append(line)
        codeOf[line] = code
        return code
    }
    let table = CohortTable(file: "fuzz.csv", columns: [
        Column(name: "date", values: .text(codes: codes, levels: levels), missingCount: 0),
    ])
    do {
        let days = try table.dates("date")
        check(days.count == lines.count, "dates returned \(days.count) values for \(lines.count) rows")
        for (r, line) in lines.enumerated() {
            check(days[r] == CalendarDate.parse(trimmed(line)), "row \(r) '\(line)': dates disagrees with parse")
        }
    } catch let CohortDataError.invalidDate(_, line, column, value) {
        check(column == "date", "the error names column '\(column)'")
        let row = line - 2
        check(row >= 0 && row < lines.count && lines[row] == value, "the error names line \(line) and '\(value)'")
        check(CalendarDate.parse(trimmed(value)) == nil, "'\(value)' was refused but parses")
        check(lines[..<row].allSatisfy { CalendarDate.parse(trimmed($0)) != nil }, "an earlier bad date was not named")
    } catch {
        fatalError("dates threw an unexpected error: \(error)")
    }
    return 0
}

/// Traps unless `CalendarDate.parse(text)` agrees with `isValidDate(text)` and round-trips.
func checkParse(_ text: String) {
    let parsed = CalendarDate.parse(text)
    check((parsed != nil) == isValidDate(text), "parse('\(text)') = \(String(describing: parsed))")
    if let d = parsed {
        check(CalendarDate.format(d) == text, "'\(text)' formats back as '\(CalendarDate.format(d))'")
        let c = CalendarDate.civil(fromDays: d)
        check(CalendarDate.days(year: c.year, month: c.month, day: c.day) == d, "civil/days do not invert at \(d)")
    }
}

/// An independent definition: ten ASCII characters `DDDD-DD-DD`, month 1-12, day 1 to the
/// month's length, leap years divisible by 4 but not by 100 unless by 400.
func isValidDate(_ text: String) -> Bool {
    let u = Array(text.utf8)
    guard u.count == 10 else { return false }
    let digitPositions = [0, 1, 2, 3, 5, 6, 8, 9]
    guard u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
          digitPositions.allSatisfy({ u[$0] >= UInt8(ascii: "0") && u[$0] <= UInt8(ascii: "9") }) else { return false }
    func value(_ positions: ArraySlice<Int>) -> Int { positions.reduce(0) { $0 * 10 + Int(u[$1] - UInt8(ascii: "0")) } }
    let year = value(digitPositions[0..<4]), month = value(digitPositions[4..<6]), day = value(digitPositions[6..<8])
    guard month >= 1, month <= 12 else { return false }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return day >= 1 && day <= lengths[month - 1]
}

/// The cell as `dates` reads it: spaces and tabs removed at both ends, and a carriage return at the end.
func trimmed(_ s: String) -> String {
    var t = Substring(s)
    while t.first == " " || t.first == "\t" { t = t.dropFirst() }
    while t.last == " " || t.last == "\t" || t.last == "\r" { t = t.dropLast() }
    return String(t)
}

/// Traps with `message` unless `condition` holds (`precondition` drops its message in optimised builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
