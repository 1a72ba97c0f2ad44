import Dispatch
import Foundation

/// Options for reading a cohort CSV file.
public struct CSVReadOptions: Sendable {
    /// Columns to load (others are skipped without being converted); `nil` loads every column.
    public var columns: [String]?
    /// Columns to keep as text even when every value looks numeric (e.g. an id or a coded category).
    public var textColumns: Set<String>
    /// Number of worker threads; `nil` uses every active processor. Results do not depend on it.
    public var threads: Int?

    public init(columns: [String]? = nil, textColumns: Set<String> = [], threads: Int? = nil) {
        self.columns = columns
        self.textColumns = textColumns
        self.threads = threads
    }
}

/// Reads RFC 4180 CSV files into a `CohortTable`.
///
/// - The first non-blank record is the header. Fields may be quoted with `"`; a quoted field may
///   contain commas, newlines and doubled quotes (`""`). Lines may end in LF or CRLF; blank lines
///   are skipped; a UTF-8 byte order mark is ignored.
/// - A column is numeric when every non-missing cell is a decimal number; otherwise it is text.
///   Empty cells and `NA` are missing.
/// - Parsing is split across threads by blocks of records; the result is identical whatever the
///   thread count.
public enum CSVReader {
    /// Reads a file.
    public static func read(path: String, options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: [.alwaysMapped])
        } catch {
            throw CohortDataError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        return try data.withUnsafeBytes { raw in
            try parse(raw.bindMemory(to: UInt8.self), file: path, options: options)
        }
    }

    /// Parses CSV text already in memory (used by tests and by callers that generate data).
    public static func parse(text: String, file: String = "<memory>", options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try parse(UnsafeBufferPointer($0), file: file, options: options) }
    }

    /// Parses a buffer of UTF-8 CSV bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: CSVReadOptions) throws -> CohortTable {
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        let body = hasBOM ? UnsafeBufferPointer(rebasing: bytes[3...]) : bytes
        let shared = SharedBytes(buffer: body)
        let layout = try RecordLayout(body, file: file)
        guard let headerRecord = layout.header else { throw CohortDataError.empty(file: file) }

        var headerNames: [String] = []
        try forEachField(in: body, record: headerRecord, file: file, line: Int(headerRecord.line)) { _, field in
            headerNames.append(unquotedString(field))
        }
        let header = headerNames
        let headerCount = header.count
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw CohortDataError.duplicateColumn(file: file, column: name)
        }
        let wanted = options.columns ?? header
        var selected: [(index: Int, name: String)] = []
        for name in wanted {
            guard let i = header.firstIndex(of: name) else {
                throw CohortDataError.missingColumn(file: file, column: name, available: header)
            }
            if !selected.contains(where: { $0.index == i }) { selected.append((i, name)) }
        }
        selected.sort { $0.index < $1.index }

        let rows = layout.records.count
        let threads = max(1, options.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let blockSize = max(4096, (rows + threads * 4 - 1) / max(1, threads * 4))
        let blocks = rows == 0 ? 0 : (rows + blockSize - 1) / blockSize

        // Map header index -> slot in `selected`.
        var slotOfField = Array(repeating: -1, count: header.count)
        for (slot, s) in selected.enumerated() { slotOfField[s.index] = slot }
        let slotMap = slotOfField

        // Pass 1: every selected column as numbers, in parallel blocks.
        let width = selected.count
        let buffers = ColumnBuffers(width: width, rows: rows)
        defer { buffers.deallocate() }
        let blockResults = SendableBox(Array(repeating: BlockScan(width: width), count: blocks))
        let errors = SendableBox<[CohortDataError?]>(Array(repeating: nil, count: blocks))
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let lo = block * blockSize, hi = min(rows, lo + blockSize)
            var scan = BlockScan(width: width)
            do {
                for r in lo..<hi {
                    let record = layout.records[r]
                    var fieldCount = 0
                    try forEachField(in: shared.buffer, record: record, file: file, line: Int(record.line)) { k, field in
                        fieldCount = k + 1
                        guard k < slotMap.count else { return }
                        let slot = slotMap[k]
                        guard slot >= 0 else { return }
                        switch parseNumber(field.unescapedView) {
                        case .value(let v):
                            if !v.isFinite, scan.firstNonFinite[slot] == nil {
                                scan.firstNonFinite[slot] = (r, unquotedString(field))
                            }
                            buffers.columns[slot][r] = v.isFinite ? v : .nan
                        case .missing:
                            scan.missing[slot] += 1
                        case .notANumber:
                            if scan.firstNonNumeric[slot] == nil {
                                scan.firstNonNumeric[slot] = (r, unquotedString(field))
                            }
                        }
                    }
                    if fieldCount != headerCount {
                        throw CohortDataError.raggedRow(file: file, line: Int(record.line), expected: headerCount, found: fieldCount)
                    }
                }
            } catch let e as CohortDataError {
                errors.withLock { $0[block] = e }
            } catch {}
            blockResults.withLock { $0[block] = scan }
        }
        if let first = errors.value.compactMap({ $0 }).first { throw first }

        // Combine block results in block order (deterministic).
        var missing = Array(repeating: 0, count: width)
        var firstNonNumeric: [(row: Int, text: String)?] = Array(repeating: nil, count: width)
        var firstNonFinite: [(row: Int, text: String)?] = Array(repeating: nil, count: width)
        for scan in blockResults.value {
            for s in 0..<width {
                missing[s] += scan.missing[s]
                if firstNonNumeric[s] == nil { firstNonNumeric[s] = scan.firstNonNumeric[s] }
                if firstNonFinite[s] == nil { firstNonFinite[s] = scan.firstNonFinite[s] }
            }
        }

        // Pass 2: columns that are text (not numbers, or requested as text).
        var columns: [Column] = []
        columns.reserveCapacity(width)
        for (slot, s) in selected.enumerated() {
            if firstNonNumeric[slot] == nil, !options.textColumns.contains(s.name) {
                columns.append(Column(name: s.name, values: .numeric(Array(buffers.columns[slot])), missingCount: missing[slot],
                                      firstNonFinite: firstNonFinite[slot]))
            } else {
                let text = try readTextColumn(shared, layout: layout, fieldIndex: s.index, file: file,
                                              blockSize: blockSize, blocks: blocks)
                columns.append(Column(name: s.name, values: .text(codes: text.codes, levels: text.levels),
                                      missingCount: text.missing, firstNonNumeric: firstNonNumeric[slot]))
            }
        }
        return CohortTable(file: file, header: header, columns: columns, rowCount: rows,
                           rowLines: layout.records.map(\.line))
    }

    /// Dictionary-encodes one column, blocks in parallel, then merges block dictionaries in block
    /// order so that levels are in order of first appearance in the file.
    static func readTextColumn(
        _ shared: SharedBytes, layout: RecordLayout, fieldIndex: Int, file: String,
        blockSize: Int, blocks: Int
    ) throws -> (codes: [Int32], levels: [String], missing: Int) {
        let rows = layout.records.count
        let partial = SendableBox(Array(repeating: (codes: [Int32](), levels: [String]()), count: blocks))
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let lo = block * blockSize, hi = min(rows, lo + blockSize)
            var dictionary: [String: Int32] = [:]
            var levels: [String] = []
            var codes = [Int32](repeating: -1, count: hi - lo)
            for r in lo..<hi {
                let record = layout.records[r]
                try? forEachField(in: shared.buffer, record: record, file: file, line: Int(record.line)) { k, field in
                    guard k == fieldIndex else { return }
                    let s = unquotedString(field)
                    let trimmed = s.trimmingCharacters(in: .whitespaces)
                    if trimmed.isEmpty || trimmed == "NA" { return }
                    if let code = dictionary[s] {
                        codes[r - lo] = code
                    } else {
                        let code = Int32(levels.count)
                        dictionary[s] = code
                        levels.append(s)
                        codes[r - lo] = code
                    }
                }
            }
            partial.withLock { $0[block] = (codes, levels) }
        }
        var global: [String: Int32] = [:]
        var levels: [String] = []
        var codes: [Int32] = []
        codes.reserveCapacity(rows)
        var missing = 0
        for part in partial.value {
            let remap = part.levels.map { level -> Int32 in
                if let g = global[level] { return g }
                let g = Int32(levels.count)
                global[level] = g
                levels.append(level)
                return g
            }
            for c in part.codes {
                if c < 0 { missing += 1; codes.append(-1) } else { codes.append(remap[Int(c)]) }
            }
        }
        return (codes, levels, missing)
    }
}

/// The input bytes, read (never written) by several threads at once.
struct SharedBytes: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
}

/// Per-block findings of the numeric pass.
struct BlockScan: @unchecked Sendable {
    var missing: [Int]
    var firstNonNumeric: [(row: Int, text: String)?]
    var firstNonFinite: [(row: Int, text: String)?]
    init(width: Int) {
        missing = Array(repeating: 0, count: width)
        firstNonNumeric = Array(repeating: nil, count: width)
        firstNonFinite = Array(repeating: nil, count: width)
    }
}

/// A mutable value shared by the workers of `concurrentPerform`, guarded by a lock.
final class SendableBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        lock.lock(); defer { lock.unlock() }
        return stored
    }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock(); defer { lock.unlock() }
        return try body(&stored)
    }
}

/// Where each record lies in the buffer.
struct RecordLayout: @unchecked Sendable {
    struct Record {
        var start: Int
        var end: Int      // exclusive, before the line terminator
        var line: Int32   // physical line on which the record starts
    }
    var header: Record?
    var records: [Record] = []

    /// Splits the buffer into records, honouring quoted newlines, skipping blank lines.
    init(_ bytes: UnsafeBufferPointer<UInt8>, file: String) throws {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return }
        let hasQuotes = memchr(base, 0x22, n) != nil
        var start = 0
        var line: Int32 = 1
        var recordLine: Int32 = 1
        var inQuotes = false
        var first = true
        func emit(_ s: Int, _ e: Int, _ l: Int32) {
            var end = e
            if end > s, bytes[end - 1] == 0x0D { end -= 1 }
            if end == s { return } // blank line
            let r = Record(start: s, end: end, line: l)
            if first { header = r; first = false } else { records.append(r) }
        }
        if !hasQuotes {
            var p = 0
            while p < n {
                let remaining = n - p
                if let hit = memchr(base + p, 0x0A, remaining) {
                    let e = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    emit(p, e, line)
                    line += 1
                    p = e + 1
                } else {
                    emit(p, n, line)
                    p = n
                }
            }
            return
        }
        var i = 0
        while i < n {
            let b = bytes[i]
            if b == 0x22 {
                inQuotes.toggle()
            } else if b == 0x0A {
                if !inQuotes {
                    emit(start, i, recordLine)
                    start = i + 1
                    recordLine = line + 1
                }
                line += 1
            }
            i += 1
        }
        if inQuotes { throw CohortDataError.unterminatedQuote(file: file, line: Int(recordLine)) }
        if start < n { emit(start, n, recordLine) }
    }
}

/// One field of a record: its raw bytes (without surrounding quotes) and whether doubled quotes
/// inside need collapsing.
struct RawField {
    var bytes: UnsafeBufferPointer<UInt8>
    var hasEscapedQuotes: Bool

    /// The bytes as they should be read (doubled quotes collapsed only when present; numeric
    /// fields never contain quotes, so the fast path is a view).
    var unescapedView: UnsafeBufferPointer<UInt8> { bytes }
}

/// The field's text, with doubled quotes collapsed.
func unquotedString(_ field: RawField) -> String {
    let s = String(decoding: field.bytes, as: UTF8.self)
    return field.hasEscapedQuotes ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
}

/// Calls `body(index, field)` for each field of a record.
@inline(__always)
func forEachField(
    in bytes: UnsafeBufferPointer<UInt8>, record: RecordLayout.Record, file: String, line: Int,
    _ body: (Int, RawField) throws -> Void
) throws {
    var i = record.start
    let end = record.end
    var k = 0
    while true {
        if i < end, bytes[i] == 0x22 {
            // Quoted field.
            let contentStart = i + 1
            var j = contentStart
            var escaped = false
            while true {
                guard j < end else { throw CohortDataError.unterminatedQuote(file: file, line: line) }
                if bytes[j] == 0x22 {
                    if j + 1 < end, bytes[j + 1] == 0x22 { escaped = true; j += 2; continue }
                    break
                }
                j += 1
            }
            try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[contentStart..<j]), hasEscapedQuotes: escaped))
            i = j + 1
            // Skip anything between the closing quote and the separator (tolerates trailing spaces).
            while i < end, bytes[i] != 0x2C { i += 1 }
        } else {
            var j = i
            while j < end, bytes[j] != 0x2C { j += 1 }
            try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[i..<j]), hasEscapedQuotes: false))
            i = j
        }
        k += 1
        if i >= end { break }
        i += 1 // the comma
        if i == end { try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[end..<end]), hasEscapedQuotes: false)); k += 1; break }
    }
}

/// Output columns of the numeric pass: one NaN-initialised buffer per selected column, written
/// by disjoint row ranges from several threads.
final class ColumnBuffers: @unchecked Sendable {
    let columns: [UnsafeMutableBufferPointer<Double>]
    init(width: Int, rows: Int) {
        columns = (0..<width).map { _ in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: rows)
            b.initialize(repeating: .nan)
            return b
        }
    }
    func deallocate() { for c in columns { c.deallocate() } }
}
