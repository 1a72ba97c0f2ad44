/// Calendar dates as whole days since 1970-01-01 in the proleptic Gregorian calendar (the era
/// algorithm over 400-year cycles of 146,097 days), so date arithmetic is integer arithmetic.
public enum CalendarDate {
    /// (year, month, day) of a day number.
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Day number of a date (the inverse of `civil`).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Number of days in a month.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        let next = month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        return next - days(year: year, month: month, day: 1)
    }

    /// The date `months` calendar months after `day`, the day of the month clamped to the
    /// target month's length (31 January + 1 month = 28/29 February).
    public static func adding(months: Int, to day: Int) -> Int {
        let c = civil(fromDays: day)
        let total = c.year * 12 + (c.month - 1) + months
        let year = total >= 0 ? total / 12 : (total - 11) / 12
        let month = total - year * 12 + 1
        return days(year: year, month: month, day: min(c.day, daysInMonth(year: year, month: month)))
    }

    /// Parses `YYYY-MM-DD` (ISO 8601 calendar date); nil when malformed or not a real date.
    public static func parse(_ text: String) -> Int? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == 0x2D, u[7] == 0x2D else { return nil }
        func number(_ r: Range<Int>) -> Int? {
            var v = 0
            for k in r {
                guard u[k] >= 0x30, u[k] <= 0x39 else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            return v
        }
        guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m) else { return nil }
        return days(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD` text of a day number.
    public static func format(_ day: Int) -> String {
        let c = civil(fromDays: day)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }
}

extension CohortTable {
    /// A column of `YYYY-MM-DD` dates as day numbers (nil where missing).
    /// - Throws: `missingColumn`, or `invalidDate` naming the first malformed cell's line.
    public func dates(_ name: String) throws -> [Int?] {
        let c = try column(name)
        switch c.values {
        case .text(let codes, let levels):
            // Parse each distinct text once.
            var parsed = [Int?](repeating: nil, count: levels.count)
            var bad = [Bool](repeating: false, count: levels.count)
            for (k, level) in levels.enumerated() {
                if let d = CalendarDate.parse(level.trimmingASCIISpaces()) { parsed[k] = d } else { bad[k] = true }
            }
            var out = [Int?](repeating: nil, count: rowCount)
            for r in 0..<rowCount where codes[r] >= 0 {
                let k = Int(codes[r])
                if bad[k] {
                    throw CohortDataError.invalidDate(file: file, line: line(ofRow: r), column: name, value: levels[k])
                }
                out[r] = parsed[k]
            }
            return out
        case .numeric(let v):
            if let r = v.firstIndex(where: { !$0.isNaN }) {
                throw CohortDataError.invalidDate(file: file, line: line(ofRow: r), column: name, value: c.text(at: r))
            }
            return Array(repeating: nil, count: rowCount)
        }
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s = s.dropLast() }
        return String(s)
    }
}
