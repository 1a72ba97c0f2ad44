/// Text for people and for CSV files: numbers with a fixed number of decimals (no locale),
/// aligned text tables and RFC 4180 field quoting. Shared by the match and evaluation reports and
/// by the rate-card ledger, so a number or a table looks the same wherever it is printed.
///
/// Every function here is pure and locale-independent: the same value gives the same characters on
/// every machine, which is what lets `counterfactual verify` compare outputs byte for byte.

// MARK: - Numbers

/// `x` rounded half away from zero to `decimals` decimals, without Foundation's locale dependence
/// ("-0.00" is written "0.00"). `NA`, `Inf` and `-Inf` for the non-finite values (as R prints them);
/// magnitudes beyond 9e15 after scaling fall back to Swift's shortest round-trip form.
public func formatFixed(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "NA" : (x > 0 ? "Inf" : "-Inf") }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    if scaled >= 9.0e15 { return "\(x)" }
    let integer = Int64(scaled)
    let whole = integer / Int64(scale)
    let fraction = integer % Int64(scale)
    var f = String(fraction)
    while f.count < decimals { f = "0" + f }
    let sign = (x < 0 && integer != 0) ? "-" : ""
    return decimals > 0 ? "\(sign)\(whole).\(f)" : "\(sign)\(whole)"
}

/// `x` with `decimals` decimals, or a dot for "not applicable" (absent or not finite).
public func fixed(_ x: Double?, decimals: Int = 4) -> String {
    guard let x, x.isFinite else { return "." }
    return formatFixed(x, decimals: decimals)
}

/// `100 x` with one decimal and a percent sign (`0.1204` -> `12.0%`), or a dot when absent.
public func percent(_ x: Double?) -> String {
    guard let x, x.isFinite else { return "." }
    return formatFixed(100 * x, decimals: 1) + "%"
}

/// A confidence level as a percentage with as many decimals as it needs (`0.95` -> `95`,
/// `0.975` -> `97.5`), for labels such as "95% CI".
public func formatLevel(_ level: Double) -> String {
    var s = formatFixed(100 * level, decimals: 4)
    guard s.contains(".") else { return s }
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

/// Whole numbers as integers, others with two decimals (counts and effective sample sizes).
public func formatCount(_ x: Double) -> String {
    x == x.rounded() ? String(Int(x)) : formatFixed(x, decimals: 2)
}

/// A model coefficient: five decimals, or five significant digits when it is smaller than 0.001 in
/// magnitude (coefficients per pound of earnings), so small terms do not print as zero.
public func formatCoefficient(_ x: Double) -> String {
    guard x.isFinite else { return "." }
    if abs(x) >= 0.001 || x == 0 { return formatFixed(x, decimals: 5) }
    var digits = 5
    var scaled = abs(x)
    while scaled < 0.1 { scaled *= 10; digits += 1 }
    return formatFixed(x, decimals: min(digits, 15))
}

/// A whole number with thousands separators, for people: "20,000", "-1,234", "940".
public func grouped(_ n: Int) -> String {
    (n < 0 ? "-" : "") + groupingThousands(String(n.magnitude))
}

/// A string of digits with a comma between groups of three, from the right ("1234567" -> "1,234,567").
func groupingThousands(_ digits: String) -> String {
    var digits = digits, out = ""
    while digits.count > 3 { out = "," + digits.suffix(3) + out; digits.removeLast(3) }
    return digits + out
}

/// `x` with `decimals` decimals and commas between groups of three digits (`1234567.891`, 2 ->
/// `1,234,567.89`), for people; a dot when absent or not finite.
public func grouped(_ x: Double?, decimals: Int) -> String {
    guard let x, x.isFinite else { return "." }
    let text = formatFixed(x, decimals: decimals)
    var sign = "", rest = Substring(text)
    if rest.hasPrefix("-") { sign = "-"; rest = rest.dropFirst() }
    let point = rest.firstIndex(of: ".") ?? rest.endIndex
    return sign + groupingThousands(String(rest[..<point])) + rest[point...]
}

/// A count with thousands separators (`1953` -> `1,953`); fractional counts (effective sample
/// sizes, weighted counts) with two decimals.
public func groupedCount(_ x: Double) -> String {
    grouped(x, decimals: x == x.rounded() ? 0 : 2)
}

/// `100 x` with `decimals` decimals and a percent sign (`0.11954`, 1 -> `12.0%`), or a dot when
/// absent or not finite.
public func percent(_ x: Double?, decimals: Int) -> String {
    guard let x, x.isFinite else { return "." }
    return formatFixed(100 * x, decimals: decimals) + "%"
}

/// A count of months as words: "1 month", "12 months".
public func months(_ n: Int) -> String { n == 1 ? "1 month" : "\(n) months" }

// MARK: - Tables

/// A text table: text columns (the first, and those named in `leftAligned`) left-aligned, number
/// columns right-aligned, two spaces between columns.
public struct TextTable: Sendable {
    public var header: [String]
    public var rows: [[String]]
    /// Columns, besides the first, that hold text and are left-aligned.
    public var leftAligned: Set<Int>

    public init(header: [String], rows: [[String]], leftAligned: Set<Int> = []) {
        self.header = header
        self.rows = rows
        self.leftAligned = leftAligned
    }

    /// The header, a rule of dashes as long as the header line, then the rows; as many columns as
    /// the header has (cells beyond it are not shown).
    public func render() -> String {
        let lines = TextTable.align([header] + rows, columns: header.count, trimTrailingSpaces: false, leftAligned: leftAligned)
        var out = ""
        for (k, line) in lines.enumerated() {
            out += line + "\n"
            if k == 0 { out += String(repeating: "-", count: line.count) + "\n" }
        }
        return out
    }

    /// Rows (the first one usually a header) aligned without a rule, trailing spaces removed; rows
    /// may have different numbers of cells. Used by the rate-card summary.
    public static func plain(_ rows: [[String]]) -> String {
        guard let columns = rows.map(\.count).max() else { return "" }
        return align(rows, columns: columns, trimTrailingSpaces: true).map { $0 + "\n" }.joined()
    }

    static func align(_ rows: [[String]], columns: Int, trimTrailingSpaces: Bool, leftAligned: Set<Int> = []) -> [String] {
        var widths = [Int](repeating: 0, count: columns)
        for r in rows { for (j, cell) in r.prefix(columns).enumerated() { widths[j] = max(widths[j], cell.count) } }
        return rows.map { r in
            var line = ""
            for j in 0..<(trimTrailingSpaces ? min(columns, r.count) : columns) {
                let cell = j < r.count ? r[j] : ""
                let pad = String(repeating: " ", count: widths[j] - cell.count)
                line += j == 0 ? cell + pad : leftAligned.contains(j) ? "  " + cell + pad : "  " + pad + cell
            }
            if trimTrailingSpaces { while line.last == " " { line.removeLast() } }
            return line
        }
    }
}

// MARK: - CSV

/// A CSV field, quoted (RFC 4180) when it holds a comma, a double quote or a line break; double
/// quotes inside are doubled.
public func csvField(_ s: String) -> String {
    guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
    var out = "\""
    for c in s.unicodeScalars {
        if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
    }
    return out + "\""
}
