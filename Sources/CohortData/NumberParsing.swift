#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of reading one field as a number.
@usableFromInline
enum ParsedNumber {
    case value(Double)
    case missing
    case notANumber
}


/// Parses an ASCII decimal field to the correctly rounded `Double`.
///
/// Empty fields and `NA` are missing (R's `read.csv` conventions). Surrounding spaces are
/// ignored. A fast path handles the common case (at most 19 significant digits, a mantissa
/// below 2^53 and a decimal exponent of at most 22 in magnitude) with one exact integer
/// conversion and one IEEE multiplication or division, which is correctly rounded (Clinger's
/// fast path). Anything else goes to the C library's `strtod`, which is also correctly rounded.
/// Text that is not entirely a number (including `0x` hexadecimal) is `notANumber`.
///
/// The common short cells take a shorter road first (`parseShortDecimal`, and a cell starting with
/// a letter that can begin no number); every cell it does not settle goes the general way
/// (`parseNumberGeneral`), and on the cells it settles both give the same result.
@inlinable
func parseNumber(_ field: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
    // Text cells are settled here first (`beginsNoNumber`).
    if let b = field.first, beginsNoNumber(b) { return .notANumber }
    if let v = parseShortDecimal(field) { return .value(v) }
    return parseNumberGeneral(field)
}

/// Whether a cell starting with `b` is no number and not missing: a letter other than i/I (inf,
/// infinity) and n/N (nan, NA). The general way would find no digit and no number form
/// (hasStrtodDecimalForm) in such a cell, and the short road takes only a sign, a digit or a point
/// first.
@inlinable @inline(__always)
func beginsNoNumber(_ b: UInt8) -> Bool {
    let lower = b | 0x20
    return lower >= 0x61 && lower <= 0x7A && lower != 0x69 && lower != 0x6E
}

/// `[+-]? digits [. digits]` (or `[+-]? . digits`) with at most 15 digits in all and nothing else:
/// the value `mantissa / 10^fraction digits`, one exact conversion and one correctly rounded
/// division, exactly what `parseNumberGeneral`'s fast path computes for such a cell (15 digits
/// keep the mantissa below 2^53); nil for any other cell.
@inlinable
func parseShortDecimal(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = field.count
    guard n > 0, n <= 17 else { return nil }
    // A comma ends the walk early: such a field is not a short decimal either.
    guard let (value, end) = shortDecimalField(field, from: 0, end: n), end == n else { return nil }
    return value
}

/// `parseShortDecimal` of the field that starts at `start` and ends at the first comma (or `end`),
/// found on the way: the value and the field's end (the comma's index, or `end`), or nil when
/// `parseShortDecimal` would return nil for that field. The same bytes are accepted and the same
/// arithmetic gives the value, so the result is the same bits.
@inlinable @inline(__always)
func shortDecimalField(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> (Double, Int)? {
    var i = start
    var negative = false
    if i < end {
        if bytes[i] == 0x2D { negative = true; i &+= 1 } else if bytes[i] == 0x2B { i &+= 1 }
    }
    // The digits before the point, then (after one point) the digits after it: two tight loops,
    // each ending at its first non-digit, instead of one loop that tests for the point and the
    // fraction on every byte.
    let digitsStart = i
    var mantissa: UInt64 = 0
    while i < end {
        let d = bytes[i] &- 0x30
        if d >= 10 { break }
        mantissa = mantissa &* 10 &+ UInt64(d)
        i &+= 1
    }
    var digits = i &- digitsStart
    var fraction = 0
    if i < end, bytes[i] == 0x2E {
        i &+= 1
        let fractionStart = i
        while i < end {
            let d = bytes[i] &- 0x30
            if d >= 10 { break }
            mantissa = mantissa &* 10 &+ UInt64(d)
            i &+= 1
        }
        fraction = i &- fractionStart
        digits &+= fraction
    }
    // The field ends here: at its comma or at the record's end; any other byte (a second point, an
    // exponent, a blank, a letter) makes it no short decimal.
    if i < end, bytes[i] != 0x2C { return nil }
    guard i - start <= 17, digits > 0, digits <= 15 else { return nil }
    // The mantissa is below 10^15 < 2^53: as a signed integer it converts exactly, in one instruction.
    let whole = Double(Int64(truncatingIfNeeded: mantissa))
    guard fraction > 0 else { return (negative ? -whole : whole, i) }
    // 10^fraction by repeated multiplication, exact (at most 15 fraction digits; 10^k is exact for
    // k <= 22), so equal to `exactPowerOfTen(fraction)`. (That switch inlined here makes
    // `forEachField` too large for the compiler to inline into the CSV scan.)
    var power = 10.0
    for _ in 1..<fraction { power *= 10 }
    let v = whole / power
    return (negative ? -v : v, i)
}

/// 10^k for `k` in 0...22, the powers of ten exactly representable as `Double` (a constant per
/// case: no table to initialise).
@inlinable
func exactPowerOfTen(_ k: Int) -> Double {
    precondition(k >= 0 && k <= 22, "exactPowerOfTen: 10^\(k) is not exact")
    switch k {
    case 0: return 1
    case 1: return 1e1
    case 2: return 1e2
    case 3: return 1e3
    case 4: return 1e4
    case 5: return 1e5
    case 6: return 1e6
    case 7: return 1e7
    case 8: return 1e8
    case 9: return 1e9
    case 10: return 1e10
    case 11: return 1e11
    case 12: return 1e12
    case 13: return 1e13
    case 14: return 1e14
    case 15: return 1e15
    case 16: return 1e16
    case 17: return 1e17
    case 18: return 1e18
    case 19: return 1e19
    case 20: return 1e20
    case 21: return 1e21
    default: return 1e22
    }
}

/// `parseNumber` without its short road: trims blanks, reads the missing forms, Clinger's fast path,
/// then `strtod`.
@usableFromInline
func parseNumberGeneral(_ field: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
    var start = 0, end = field.count
    while start < end, field[start] == 0x20 || field[start] == 0x09 { start += 1 }
    while end > start, field[end - 1] == 0x20 || field[end - 1] == 0x09 || field[end - 1] == 0x0D { end -= 1 }
    if start == end { return .missing }
    if end - start == 2, field[start] == 0x4E, field[start + 1] == 0x41 { return .missing } // "NA"

    var i = start
    var negative = false
    if field[i] == 0x2D || field[i] == 0x2B { negative = field[i] == 0x2D; i += 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    var significant = 0
    var fractionDigits = 0
    var sawDigit = false
    while i < end, field[i] >= 0x30, field[i] <= 0x39 {
        sawDigit = true
        let d = UInt64(field[i] - 0x30)
        if significant > 0 || d != 0 { significant += 1 }
        if significant <= 19 { mantissa = mantissa &* 10 &+ d }
        digits += 1; i += 1
    }
    if i < end, field[i] == 0x2E {
        i += 1
        while i < end, field[i] >= 0x30, field[i] <= 0x39 {
            sawDigit = true
            let d = UInt64(field[i] - 0x30)
            if significant > 0 || d != 0 { significant += 1 }
            if significant <= 19 { mantissa = mantissa &* 10 &+ d }
            fractionDigits += 1; i += 1
        }
    }
    var exponent = 0
    var simple = sawDigit
    if i < end, field[i] == 0x65 || field[i] == 0x45 {
        i += 1
        var expNegative = false
        if i < end, field[i] == 0x2D || field[i] == 0x2B { expNegative = field[i] == 0x2D; i += 1 }
        var expDigits = 0
        while i < end, field[i] >= 0x30, field[i] <= 0x39 {
            if exponent < 100_000 { exponent = exponent * 10 + Int(field[i] - 0x30) }
            expDigits += 1; i += 1
        }
        if expDigits == 0 { simple = false }
        if expNegative { exponent = -exponent }
    }
    if simple, i == end, significant <= 19, mantissa < (1 << 53) {
        let e10 = exponent - fractionDigits
        if e10 == 0 {
            let v = Double(mantissa)
            return .value(negative ? -v : v)
        } else if e10 > 0, e10 <= 22 {
            let v = Double(mantissa) * exactPowerOfTen(e10)
            return .value(negative ? -v : v)
        } else if e10 < 0, e10 >= -22 {
            let v = Double(mantissa) / exactPowerOfTen(-e10)
            return .value(negative ? -v : v)
        }
    }
    return parseNumberSlow(UnsafeBufferPointer(rebasing: field[start..<end]))
}

/// Full-precision fallback through `strtod` (correctly rounded, C locale decimal point).
@usableFromInline
func parseNumberSlow(_ field: UnsafeBufferPointer<UInt8>) -> ParsedNumber {
    // Text (most cells of a categorical column) is rejected here, usually at its first byte,
    // without a C string and strtod.
    guard hasStrtodDecimalForm(field) else { return .notANumber }
    // Reject hexadecimal and other forms R's type.convert would not read as decimal numbers
    // (after the form check, only a NaN payload such as "nan(0x1)" can hold these letters).
    for b in field where b == 0x78 || b == 0x58 || b == 0x70 || b == 0x50 { return .notANumber }
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buffer -> ParsedNumber in
        for (k, b) in field.enumerated() { buffer[k] = CChar(bitPattern: b) }
        buffer[field.count] = 0
        guard let base = buffer.baseAddress else { return .notANumber }
        var endPointer: UnsafeMutablePointer<CChar>? = nil
        let v = strtod(base, &endPointer)
        guard let e = endPointer, e - base == field.count, field.count > 0 else { return .notANumber }
        return .value(v)
    }
}

/// Whether `strtod` (C locale) would read all of `field` as a decimal number, an infinity or a NaN:
///
///     field   = space* sign? (decimal | "inf" | "infinity" | "nan" | "nan(" [0-9A-Za-z_]* ")")
///     decimal = (digit+ ("." digit*)? | "." digit+) (("e" | "E") sign? digit+)?
///
/// with `space` C's `isspace` (space, tab, LF, VT, FF, CR), letters of the words in either case,
/// and nothing after (C11 7.22.1.3; glibc's `strtod`). Hexadecimal forms are rejected before this
/// is asked. A field of this form is converted by `strtod`; any other field is not a number, and
/// saying so here spares the three text columns of a typical cohort a C string and a `strtod` call
/// per cell. Deciding the form only (the value still comes from `strtod`) keeps every outcome of
/// `parseNumber` as it was.
@usableFromInline
func hasStrtodDecimalForm(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
    let n = field.count
    var i = 0
    while i < n, field[i] == 0x20 || (field[i] >= 0x09 && field[i] <= 0x0D) { i += 1 }
    if i < n, field[i] == 0x2B || field[i] == 0x2D { i += 1 }
    guard i < n else { return false }
    /// Whether the rest of the field, from `i`, is `word` (lowercase ASCII) in either case.
    func restIs(_ word: StaticString) -> Bool {
        guard n - i == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for k in 0..<(n - i) where field[i + k] | 0x20 != w[k] { return false }
        return true
    }
    switch field[i] | 0x20 {
    case 0x69: // i
        return restIs("inf") || restIs("infinity")
    case 0x6E: // n
        if restIs("nan") { return true }
        // "nan(" n-char-sequence ")"
        guard n - i >= 5, field[i + 1] | 0x20 == 0x61, field[i + 2] | 0x20 == 0x6E, field[i + 3] == 0x28,
              field[n - 1] == 0x29 else { return false }
        for k in (i + 4)..<(n - 1) {
            let b = field[k]
            let isCharacter = (b >= 0x30 && b <= 0x39) || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) || b == 0x5F
            if !isCharacter { return false }
        }
        return true
    default:
        var digits = 0
        while i < n, field[i] >= 0x30, field[i] <= 0x39 { i += 1; digits += 1 }
        if i < n, field[i] == 0x2E {
            i += 1
            while i < n, field[i] >= 0x30, field[i] <= 0x39 { i += 1; digits += 1 }
        }
        guard digits > 0 else { return false }
        if i < n, field[i] == 0x65 || field[i] == 0x45 {
            i += 1
            if i < n, field[i] == 0x2B || field[i] == 0x2D { i += 1 }
            var exponentDigits = 0
            while i < n, field[i] >= 0x30, field[i] <= 0x39 { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return false }
        }
        return i == n
    }
}
