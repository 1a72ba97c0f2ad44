// libFuzzer harness for the CSV reader: `CSVReader.parse(_:file:options:)`, the in-memory entry
// point that `CSVReader.read(path:options:)` also uses, on arbitrary bytes.
//
// Crashes are traps (overflow, index out of range, force unwrap, precondition) and sanitizer
// reports. A thrown `CohortDataError` is the documented answer to bad input and is not a crash.
// When a table is read, the harness also checks what the reader promises and traps if it does not:
// - every column has `rowCount` cells, text codes index the levels, `missingCount` counts the
//   missing cells, row lines increase and start after the header;
// - the same bytes read again with other options (columns in another order, the first column as
//   identifiers, the last as text, another thread count) give the same rows, lines and text cells;
// - `numeric`, `dates`, `text(at:)` and `selecting(rows:)` either answer or throw;
// - for one input in 64 with short rows, the table written back as CSV (every field quoted) with
//   its rows repeated past 4,096 reads back cell for cell: this sends small inputs through the
//   reader's parallel blocks of 4,096 records and their merge (first-appearance level order), and
//   checks that numbers survive `formatShortest` and re-reading exactly.

import CohortData

@_cdecl("LLVMFuzzerTestOneInput")
public func csvFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let table = try? CSVReader.parse(bytes, file: "fuzz.csv", options: CSVReadOptions(threads: 1)) else { return 0 }
    checkInvariants(table)
    exerciseAccessors(table)

    if size > 0, hashOf(bytes) % 64 == 0 { checkBlocks(table) }

    guard let first = table.header.first, let last = table.header.last else { return 0 }
    let options = CSVReadOptions(columns: table.header.reversed(), textColumns: [last], identifierColumns: [first], threads: 2)
    let again: CohortTable
    do {
        again = try CSVReader.parse(bytes, file: "fuzz.csv", options: options)
    } catch {
        fatalError("the same bytes read with other options failed: \(error)")
    }
    checkInvariants(again)
    exerciseAccessors(again)
    check(again.rowCount == table.rowCount, "row count depends on the options")
    check(again.header == table.header, "header depends on the options")
    for r in 0..<table.rowCount {
        check(again.line(ofRow: r) == table.line(ofRow: r), "row lines depend on the options")
    }
    for c in table.columns {
        guard case .text = c.values, let d = try? again.column(c.name), case .text = d.values else { continue }
        for r in 0..<table.rowCount {
            check(c.text(at: r) == d.text(at: r), "column '\(c.name)' row \(r): text depends on the options")
            check(c.isMissing(r) == d.isMissing(r), "column '\(c.name)' row \(r): missingness depends on the options")
        }
    }
    return 0
}

/// FNV-1a of the input: picks the inputs that also get the (slower) block check, the same ones on every run.
func hashOf(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

/// A CSV field holding `text` exactly: quoted, with quotes doubled.
func quoted(_ text: String) -> String {
    var out = "\""
    for c in text.unicodeScalars {
        if c == "\"" { out += "\"\"" } else { out.unicodeScalars.append(c) }
    }
    return out + "\""
}

/// Writes `table` back as CSV with its rows repeated past one block of 4,096 records (at most
/// 64 KB), reads it again, and traps unless every cell reads back as the original row's cell.
func checkBlocks(_ table: CohortTable) {
    let n = table.rowCount
    guard n > 0, !table.columns.isEmpty else { return }
    let rows = (0..<n).map { r in table.columns.map { quoted($0.text(at: r)) }.joined(separator: ",") + "\n" }
    let repeats = (4096 + n) / n
    guard rows.reduce(0, { $0 + $1.utf8.count }) * repeats <= 64 * 1024 else { return }
    var text = table.header.map(quoted).joined(separator: ",") + "\n"
    for _ in 0..<repeats { for row in rows { text += row } }
    let big: CohortTable
    do {
        big = try CSVReader.parse(text: text, file: "blocks.csv", options: CSVReadOptions(threads: 3))
    } catch {
        fatalError("the table written back as CSV cannot be read: \(error)")
    }
    check(big.rowCount == n * repeats, "\(big.rowCount) rows read back, not \(n * repeats)")
    checkInvariants(big)
    for (c, d) in zip(table.columns, big.columns) {
        check(c.name == d.name, "column '\(c.name)' read back as '\(d.name)'")
        for r in 0..<big.rowCount {
            check(d.text(at: r) == c.text(at: r % n), "column '\(c.name)' row \(r): '\(d.text(at: r))' read back, not '\(c.text(at: r % n))'")
        }
    }
}

/// Traps unless the table is internally consistent.
func checkInvariants(_ table: CohortTable) {
    var previousLine = 1
    for r in 0..<table.rowCount {
        let line = table.line(ofRow: r)
        check(line > previousLine, "row \(r) starts on line \(line), not after line \(previousLine)")
        previousLine = line
    }
    for c in table.columns {
        check(table.header.contains(c.name), "column '\(c.name)' is not in the header")
        switch c.values {
        case .numeric(let v):
            check(v.count == table.rowCount, "column '\(c.name)' has \(v.count) cells, not \(table.rowCount)")
            check(v.allSatisfy { $0.isFinite || $0.isNaN }, "column '\(c.name)' holds an infinity")
            // Missing cells are NaN; so are literal NaN and infinities, which `numeric` then refuses.
            let nans = v.filter(\.isNaN).count
            check(c.firstNonFinite == nil ? nans == c.missingCount : nans > c.missingCount,
                  "column '\(c.name)': \(nans) NaN cells but missingCount \(c.missingCount)")
        case .text(let codes, let levels):
            check(codes.count == table.rowCount, "column '\(c.name)' has \(codes.count) codes, not \(table.rowCount)")
            check(codes.allSatisfy { $0 >= -1 && Int($0) < levels.count }, "column '\(c.name)': a code is out of range")
            check(codes.filter { $0 < 0 }.count == c.missingCount, "column '\(c.name)': missingCount is wrong")
        }
    }
}

/// Calls every accessor a command would call; each must answer or throw, never trap.
func exerciseAccessors(_ table: CohortTable) {
    for c in table.columns {
        _ = try? table.numeric(c.name)
        _ = try? table.dates(c.name)
        for r in 0..<table.rowCount {
            _ = c.text(at: r)
            _ = c.isMissing(r)
        }
    }
    _ = try? table.column("\u{0}no such column")
    let reversed = table.selecting(rows: Array((0..<table.rowCount).reversed()))
    check(reversed.rowCount == table.rowCount, "selecting all rows changed the row count")
    checkInvariants(table.selecting(rows: Array(0..<table.rowCount)))
}

/// Traps with `message` unless `condition` holds (`precondition` drops its message in optimised builds).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
