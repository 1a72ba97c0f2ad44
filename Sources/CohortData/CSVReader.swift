import Dispatch
import Foundation
import Parallel
import HugePages

/// Options for reading a cohort CSV file.
public struct CSVReadOptions: Sendable {
    /// Columns to load (others are skipped without being converted); `nil` loads every column.
    public var columns: [String]?
    /// Columns to keep as text even when every value looks numeric (e.g. an id or a coded category).
    public var textColumns: Set<String>
    /// Text columns holding identifiers (nearly all distinct): stored in file order without
    /// looking for repeats, which saves hashing every cell. Implies text.
    public var identifierColumns: Set<String>
    /// Number of worker threads; `nil` uses every active processor. Results do not depend on it.
    public var threads: Int?
    /// Finds records by following quotes from the start of the file even when the file has no
    /// quotes (tests compare this with the parallel search of `RecordPieces`).
    var followQuotesFromStart = false
    /// The smallest piece `RecordPieces` cuts (nil: its default); tests make pieces tiny.
    var minimumPieceBytes: Int? = nil

    public init(columns: [String]? = nil, textColumns: Set<String> = [], identifierColumns: Set<String> = [],
                threads: Int? = nil) {
        self.columns = columns
        self.textColumns = textColumns
        self.identifierColumns = identifierColumns
        self.threads = threads
    }
}

/// Reads RFC 4180 CSV files into a `CohortTable`.
///
/// - The first non-blank record is the header. Fields may be quoted with `"`; a quoted field may
///   contain commas, newlines and doubled quotes (`""`). Lines may end in LF, CRLF or CR alone (a
///   file with no LF at all is read as CR-terminated); blank lines are skipped; a UTF-8 byte order
///   mark is ignored. Text must be valid UTF-8: an invalid byte is an error naming its line, column
///   and byte offset (two different ids must never be read as the same replacement character).
/// - A column is text when the caller declares it so (`textColumns`, `identifierColumns`) or when
///   most of its non-missing cells are not numbers; otherwise it is numeric, and a cell that is not
///   a number is an error naming its line and column (one stray token must not silently turn a
///   numeric covariate into a categorical one). Empty cells and `NA` are missing.
/// - Parsing is split across threads by blocks of records; the result is identical whatever the
///   thread count. A file without quotes and with LF line ends is cut into pieces at line ends
///   and every piece is searched for records in parallel (`RecordPieces`); otherwise the records
///   are found by one pass that follows quotes from the start (`RecordLayout`).
public enum CSVReader {
    /// Reads a file.
    public static func read(path: String, options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        try read(path: path, options: options, alsoReading: nil)
    }

    /// Reads a file, and gives its bytes (exactly the file, byte order mark included) to
    /// `alsoReading`, which runs on another thread while the text is parsed (for example to hash the
    /// input for a manifest without reading the file a second time). `alsoReading` is called one or
    /// more times, with successive pieces of the file in order (a streaming consumer, such as an
    /// incremental hash, sees the whole file). Returns once both are done; `alsoReading` is called
    /// even when parsing fails.
    public static func read(path: String, options: CSVReadOptions = CSVReadOptions(),
                            alsoReading: (@Sendable (UnsafeRawBufferPointer) -> Void)?) throws -> CohortTable {
        try read(path: path, options: options, alsoReading: alsoReading, pieceSize: releaseChunk)
    }

    /// `read(path:options:alsoReading:)` with the size of the pieces given to `alsoReading` and
    /// released by the readers (tests use small pieces to exercise the boundaries).
    static func read(path: String, options: CSVReadOptions, alsoReading: (@Sendable (UnsafeRawBufferPointer) -> Void)?,
                     pieceSize: Int) throws -> CohortTable {
        // A regular file is mapped by `MappedFile`, whose pages each reader gives back as it finishes
        // with them, so the input is never resident in full beside the columns parsed from it.
        if !InputFile.isSpecial(path: path), let mapped = MappedFile(path: path) {
            return try withExtendedLifetime(mapped) {
                let raw = mapped.bytes
                let group = DispatchGroup()
                if let alsoReading {
                    // A queue of its own gets a thread of its own, even while parsing keeps every core busy.
                    DispatchQueue(label: "counterfactual.csv.also-reading").async(group: group) {
                        let raw = mapped.bytes
                        var lo = 0
                        repeat {
                            let hi = min(raw.count, lo + pieceSize)
                            alsoReading(UnsafeRawBufferPointer(rebasing: raw[lo..<hi]))
                            mapped.release(lo..<hi)
                            lo = hi
                        } while lo < raw.count
                    }
                }
                defer { group.wait() }
                return try parse(raw.bindMemory(to: UInt8.self), file: path, options: options,
                                 release: { mapped.release($0) }, releaseStep: pieceSize)
            }
        }
        let data: Data
        do {
            if InputFile.isSpecial(path: path) { throw CocoaError(.fileReadUnknown) }
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: [.alwaysMapped])
        } catch {
            throw CohortDataError.unreadable(file: path, reason: InputFile.unreadableReason(path: path, error: error))
        }
        return try data.withUnsafeBytes { raw in
            let group = DispatchGroup()
            if let alsoReading {
                let bytes = SharedRawBytes(buffer: raw)
                // A queue of its own gets a thread of its own, even while parsing keeps every core busy.
                DispatchQueue(label: "counterfactual.csv.also-reading").async(group: group) { alsoReading(bytes.buffer) }
            }
            defer { group.wait() }
            return try parse(raw.bindMemory(to: UInt8.self), file: path, options: options)
        }
    }

    /// Parses CSV text already in memory (used by tests and by callers that generate data).
    public static func parse(text: String, file: String = "<memory>", options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { try parse(UnsafeBufferPointer($0), file: file, options: options) }
    }

    /// Bytes per piece handed to `alsoReading`, and the step at which the record splitter gives
    /// back the pages it has passed.
    static let releaseChunk = 32 << 20

    /// Parses a buffer of UTF-8 CSV bytes.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: CSVReadOptions) throws -> CohortTable {
        try parse(bytes, file: file, options: options, release: nil)
    }

    /// `parse`, telling `release` (byte ranges of `bytes`) which bytes it has finished reading for
    /// now, so that a mapped file's pages can be given back (`MappedFile`).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, file: String, options: CSVReadOptions,
                      release: (@Sendable (Range<Int>) -> Void)?, releaseStep: Int = releaseChunk) throws -> CohortTable {
        let hasBOM = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        let body = hasBOM ? UnsafeBufferPointer(rebasing: bytes[3...]) : bytes
        let bodyStart = hasBOM ? 3 : 0
        var releaseBody: (@Sendable (Range<Int>) -> Void)? = nil
        if let release {
            releaseBody = { range in release(range.lowerBound + bodyStart ..< range.upperBound + bodyStart) }
        }
        let shared = SharedBytes(buffer: body, release: releaseBody)
        let threads = max(1, options.threads ?? ProcessInfo.processInfo.activeProcessorCount)
        // Records: found in parallel pieces when the body has no quotes and LF line ends (the
        // usual export), else by following quotes from the start (`RecordLayout`).
        let records: RecordBlocks
        let headerRecord: RecordLayout.Record
        if !options.followQuotesFromStart,
           let pieces = RecordPieces(body, threads: threads, maximumPieceBytes: releaseStep,
                                     minimumPieceBytes: options.minimumPieceBytes ?? RecordPieces.minimumPieceBytes,
                                     release: releaseBody) {
            records = .pieces(pieces)
            headerRecord = pieces.header
        } else {
            let layout = try RecordLayout(body, file: file, release: releaseBody, step: releaseStep)
            guard let header = layout.header else { throw CohortDataError.empty(file: file) }
            let rows = layout.records.count
            records = .layout(layout, blockSize: max(4096, (rows + threads * 4 - 1) / max(1, threads * 4)))
            headerRecord = header
        }

        var headerNames: [String] = []
        try forEachField(in: body, record: headerRecord, file: file, line: Int(headerRecord.line)) { _, field in
            if let bad = firstInvalidUTF8(field.bytes) {
                throw CohortDataError.invalidUTF8(file: file, line: Int(headerRecord.line), column: "(header)",
                                                  byteOffset: offset(of: field.bytes, in: bytes) + bad)
            }
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

        let rows = records.rows

        // Map header index -> slot in `selected`.
        var slotOfField = Array(repeating: -1, count: header.count)
        for (slot, s) in selected.enumerated() { slotOfField[s.index] = slot }
        let slotMap = slotOfField

        // Each column is read in one pass, in parallel blocks, as numbers or as dictionary-encoded
        // text. The kind is guessed from the first data row (text when that cell is not a number, or
        // when the caller asks for text); a column guessed numeric that turns out to hold text is
        // re-read as text in a second pass of its own.
        let width = selected.count
        var isText = Array(repeating: false, count: width)
        if let firstRecord = records.firstRecord(of: body) {
            try forEachField(in: body, record: firstRecord, file: file, line: Int(firstRecord.line)) { k, field in
                guard k < slotMap.count, slotMap[k] >= 0 else { return }
                if case .notANumber = parseNumber(field.bytes) { isText[slotMap[k]] = true }
            }
        }
        var isIdentifier = Array(repeating: false, count: width)
        var declared = Array(repeating: false, count: width)
        for (slot, s) in selected.enumerated() {
            if options.textColumns.contains(s.name) { isText[slot] = true; declared[slot] = true }
            if options.identifierColumns.contains(s.name) { isText[slot] = true; isIdentifier[slot] = true; declared[slot] = true }
        }
        // The scan writes every cell straight into the columns' own arrays (no copy afterwards).
        var scanned: ScanResult? = nil
        let (numbers, codes) = try withColumnBuffers(rows: rows, isText: isText) { numbers, codes in
            scanned = try scan(shared, records: records, file: file, headerCount: headerCount, slotMap: slotMap,
                               isText: isText, isIdentifier: isIdentifier, countNumbers: declared.map { !$0 },
                               fileStart: offset(of: body, in: bytes), header: header,
                               numbers: numbers, codes: codes)
        }
        guard let firstPass = scanned else { preconditionFailure("CSVReader: the scan returned no result") }
        let rowLines = try records.rowLines(of: body, file: file)
        // Undeclared columns: numeric unless most non-missing cells are not numbers; then a stray
        // non-number is an error, not a reason to read the column as text.
        for (slot, s) in selected.enumerated() where !declared[slot] {
            let found = firstPass.findings[slot]
            let nonMissing = rows - found.missing
            let numbers = isText[slot] ? found.numericCells : nonMissing - found.nonNumericCells
            let others = nonMissing - numbers
            guard others > 0, others <= numbers, let bad = found.firstNonNumeric else { continue }
            throw CohortDataError.nonNumeric(file: file, line: Int(rowLines[bad.row]), column: s.name, value: bad.text)
        }
        var columns: [Column] = []
        columns.reserveCapacity(width)
        for (slot, s) in selected.enumerated() {
            let found = firstPass.findings[slot]
            if isText[slot] {
                columns.append(Column(name: s.name, values: .text(codes: codes[slot], levels: firstPass.levels[slot]),
                                      missingCount: found.missing, firstNonNumeric: found.firstNonNumeric))
            } else if found.firstNonNumeric == nil {
                columns.append(Column(name: s.name, values: .numeric(numbers[slot]), missingCount: found.missing,
                                      firstNonFinite: found.firstNonFinite))
            } else {
                var onlyThis = Array(repeating: false, count: width)
                onlyThis[slot] = true
                var textSlotMap = Array(repeating: -1, count: slotMap.count)
                textSlotMap[s.index] = slot
                var rescanned: ScanResult? = nil
                let (_, textCodes) = try withColumnBuffers(rows: rows, isText: onlyThis, numeric: Array(repeating: false, count: width)) {
                    numbers, codes in
                    rescanned = try scan(shared, records: records, file: file, headerCount: headerCount, slotMap: textSlotMap,
                                         isText: onlyThis, isIdentifier: Array(repeating: false, count: width),
                                         countNumbers: Array(repeating: false, count: width), fileStart: offset(of: body, in: bytes), header: header,
                                         numbers: numbers, codes: codes)
                }
                guard let again = rescanned else { preconditionFailure("CSVReader: the scan returned no result") }
                columns.append(Column(name: s.name, values: .text(codes: textCodes[slot], levels: again.levels[slot]),
                                      missingCount: again.findings[slot].missing, firstNonNumeric: found.firstNonNumeric))
            }
        }
        return CohortTable(file: file, header: header, columns: columns, rowCount: rows,
                           rowLines: rowLines)
    }

    /// One pass over every record: numeric slots are parsed into `numbers`, text slots are
    /// dictionary-encoded into `codes` (levels in order of first appearance in the file;
    /// identifier slots get one level per non-missing cell, in file order).
    /// `countNumbers`: for text slots, also count the cells that are numbers (to decide whether the
    /// column is really text). `fileStart` is the offset of `shared` in the file (after a BOM), for
    /// byte offsets in errors.
    static func scan(
        _ shared: SharedBytes, records: RecordBlocks, file: String, headerCount: Int, slotMap: [Int],
        isText: [Bool], isIdentifier: [Bool], countNumbers: [Bool], fileStart: Int,
        header: [String], numbers: [UnsafeMutableBufferPointer<Double>], codes: [UnsafeMutableBufferPointer<Int32>]
    ) throws -> ScanResult {
        let width = isText.count
        let blocks = records.count
        let result = ScanResult(numbers: numbers, codes: codes, width: width)
        // Per field of the header, its slot when the slot is numeric (its short decimals are read
        // while the field's end is found), else -1; and what the field walk does with it (a field
        // that is not read is only counted, a field past the header's goes to the closure).
        let numericSlotOfField = slotMap.map { slot in slot >= 0 && !isText[slot] ? slot : -1 }
        let uses: [FieldUse] = slotMap.indices.map { k in
            let slot = slotMap[k]
            if slot < 0 { return .skip }
            if numericSlotOfField[k] >= 0 { return .number }
            // Categories (text that is not an identifier) are read from packed words when short.
            return isText[slot] && !isIdentifier[slot] ? .shortText : .other
        }
        // Blocks in parallel; a structural error throws, and the first block's error wins.
        let perBlock = try Parallel.map(blocks) { block -> BlockScan in
            var fields = ScanFields(slotMap: slotMap, numericSlotOfField: numericSlotOfField, isText: isText,
                                    countNumbers: countNumbers, numbers: result.numbers, codes: result.codes, file: file,
                                    header: header, fileStart: fileStart, buffer: shared.buffer,
                                    findings: [ColumnFindings](repeating: ColumnFindings(), count: width),
                                    interners: (0..<width).map { ByteInterner(deduplicating: !isIdentifier[$0]) })
            try records.forEachRecord(inBlock: block, of: shared.buffer, file: file) { r, record in
                fields.row = r
                fields.line = record.line
                let fieldCount = try forEachField(
                    in: shared.buffer, record: record, file: file, line: Int(record.line),
                    use: { k in k < uses.count ? uses[k] : .other },
                    number: { k, value in fields.number(k, value) },
                    shortText: { k, field, words in fields.shortText(k, field, words) }
                ) { k, field in try fields.other(k, field) }
                if fieldCount != headerCount {
                    throw CohortDataError.raggedRow(file: file, line: Int(record.line), expected: headerCount, found: fieldCount)
                }
            }
            if let release = shared.release, let range = records.bytes(ofBlock: block) { release(range) }
            return BlockScan(findings: fields.findings, interners: fields.interners)
        }

        // Combine blocks in block order (deterministic whatever the thread count).
        let allFindings = perBlock.map(\.findings)
        let allInterners = perBlock.map(\.interners)
        for slot in 0..<width {
            var f = ColumnFindings()
            for b in allFindings {
                f.missing += b[slot].missing
                f.numericCells += b[slot].numericCells
                f.nonNumericCells += b[slot].nonNumericCells
                if f.firstNonNumeric == nil { f.firstNonNumeric = b[slot].firstNonNumeric }
                if f.firstNonFinite == nil { f.firstNonFinite = b[slot].firstNonFinite }
            }
            result.findings[slot] = f
            guard isText[slot] else { continue }
            var global = ByteInterner(deduplicating: !isIdentifier[slot])
            var remaps: [[Int32]] = []
            for b in 0..<blocks {
                let local = allInterners[b][slot]
                remaps.append((0..<local.count).map { k in local.withLevelBytes(k) { global.code(for: $0) } })
            }
            result.levels[slot] = (0..<global.count).map { global.level($0) }
            let maps = remaps
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let codes = result.codes[slot]
                let map = maps[b]
                for r in records.rows(ofBlock: b) where codes[r] >= 0 { codes[r] = map[Int(codes[r])] }
            }
        }
        return result
    }
}

/// What the scan does with each field of a record, for one block of records: a numeric field's value
/// and a text field's code go to the column buffers (row `row`), what the block finds (missing cells,
/// first non-numbers) to `findings`, its levels to `interners`. Methods of one value rather than
/// closures over the block's variables: the scan executes about a tenth fewer instructions so.
struct ScanFields {
    let slotMap: [Int]
    let numericSlotOfField: [Int]
    let isText: [Bool]
    let countNumbers: [Bool]
    let numbers: [UnsafeMutableBufferPointer<Double>]
    let codes: [UnsafeMutableBufferPointer<Int32>]
    let file: String
    let header: [String]
    let fileStart: Int
    let buffer: UnsafeBufferPointer<UInt8>
    var findings: [ColumnFindings]
    var interners: [ByteInterner]
    var unescaped: [UInt8] = []
    /// The record being walked: its row and line.
    var row = 0
    var line: Int32 = 0

    /// Field `k`, a numeric column's, read as a short decimal.
    @inline(__always)
    func number(_ k: Int, _ value: Double) { numbers[numericSlotOfField[k]][row] = value }

    /// Field `k`, a category's, unquoted and packed: true when its code is settled from the words alone.
    @inline(__always)
    mutating func shortText(_ k: Int, _ field: UnsafeBufferPointer<UInt8>, _ words: ShortTextWords) -> Bool {
        // A present, ASCII (so valid UTF-8) category needs only its code once its
        // column's first non-number is known, provided the general way would count
        // no number here: the column's numbers are not counted, or the cell starts
        // with a letter that begins no number (`parseNumber`'s first test). Any
        // other cell goes the general way (`other`), which settles it the same.
        let slot = slotMap[k]
        guard words.isASCII, words.isPlainlyPresent, findings[slot].firstNonNumeric != nil,
              !countNumbers[slot] || words.beginsWithNonNumberLetter else { return false }
        codes[slot][row] = interners[slot].code(for: field, words: words)
        return true
    }

    /// Any other field that is not skipped (the general way).
    mutating func other(_ k: Int, _ field: RawField) throws {
        guard k < slotMap.count else { return }
        let slot = slotMap[k]
        guard slot >= 0 else { return }
        if isText[slot] {
            if isMissingText(field.bytes) {
                findings[slot].missing += 1
                codes[slot][row] = -1
                return
            }
            if let bad = firstInvalidUTF8(field.bytes) {
                throw CohortDataError.invalidUTF8(file: file, line: Int(line), column: header[k],
                                                  byteOffset: fileStart + offset(of: field.bytes, in: buffer) + bad)
            }
            if countNumbers[slot] || findings[slot].firstNonNumeric == nil {
                if case .notANumber = parseNumber(field.bytes) {
                    if findings[slot].firstNonNumeric == nil { findings[slot].firstNonNumeric = (row, unquotedString(field)) }
                } else {
                    findings[slot].numericCells += 1
                }
            }
            if field.hasEscapedQuotes {
                unescaped.removeAll(keepingCapacity: true)
                unescaped.append(contentsOf: Array(unquotedString(field).utf8))
                codes[slot][row] = unescaped.withUnsafeBufferPointer { interners[slot].code(for: $0) }
            } else {
                codes[slot][row] = interners[slot].code(for: field.bytes)
            }
            return
        }
        switch parseNumber(field.bytes) {
        case .value(let v):
            if !v.isFinite, findings[slot].firstNonFinite == nil {
                findings[slot].firstNonFinite = (row, unquotedString(field))
            }
            numbers[slot][row] = v.isFinite ? v : .nan
        case .missing:
            findings[slot].missing += 1
            numbers[slot][row] = .nan
        case .notANumber:
            numbers[slot][row] = .nan
            findings[slot].nonNumericCells += 1
            if findings[slot].firstNonNumeric == nil {
                findings[slot].firstNonNumeric = (row, unquotedString(field))
            }
        }
    }
}

/// What one pass found in a column.
struct ColumnFindings: @unchecked Sendable {
    var missing = 0
    /// Cells that are numbers (counted for undeclared text slots) / that are not (numeric slots).
    var numericCells = 0
    var nonNumericCells = 0
    var firstNonNumeric: (row: Int, text: String)? = nil
    var firstNonFinite: (row: Int, text: String)? = nil
}

/// Output of a pass: numbers for numeric columns, codes and levels for text columns. The buffers
/// belong to the caller (`withColumnBuffers`) and are written by disjoint row ranges from several
/// threads; every cell of every slot the pass reads is written (a missing or non-numeric cell of a
/// numeric slot as NaN, a missing text cell as -1), so a pass that returns has initialised them.
final class ScanResult: @unchecked Sendable {
    let numbers: [UnsafeMutableBufferPointer<Double>]
    let codes: [UnsafeMutableBufferPointer<Int32>]
    var levels: [[String]]
    var findings: [ColumnFindings]

    init(numbers: [UnsafeMutableBufferPointer<Double>], codes: [UnsafeMutableBufferPointer<Int32>], width: Int) {
        self.numbers = numbers
        self.codes = codes
        levels = Array(repeating: [], count: width)
        findings = Array(repeating: ColumnFindings(), count: width)
    }
}

/// Calls `body` with, per slot, an uninitialised buffer of `rows` numbers (slots with `numeric`,
/// by default the slots that are not text) and of `rows` codes (slots with `isText`), each the
/// storage of a new array (empty buffers elsewhere), and returns those arrays: the columns are
/// parsed straight into their final arrays, with no second copy and no pass that fills them first.
/// `body` must write every element of every buffer it is given, unless it throws; if it throws,
/// the arrays are freed and the error is passed on.
/// The most column buffers `withColumnBuffers` nests array initialisers for.
let maximumNestedColumnBuffers = 64

func withColumnBuffers(
    rows: Int, isText: [Bool], numeric: [Bool]? = nil,
    _ body: ([UnsafeMutableBufferPointer<Double>], [UnsafeMutableBufferPointer<Int32>]) throws -> Void
) throws -> (numbers: [[Double]], codes: [[Int32]]) {
    let width = isText.count
    let wantNumbers = numeric ?? isText.map { !$0 }
    // One nested initialiser per buffer costs a stack frame each: a very wide file (`--with-data`
    // reads every column) takes buffers of its own and copies them into arrays instead.
    if wantNumbers.filter({ $0 }).count + isText.filter({ $0 }).count > maximumNestedColumnBuffers {
        // (The scan writes every cell; the fill is only a second safeguard on this rare path.)
        let numberBuffers = wantNumbers.map { want -> UnsafeMutableBufferPointer<Double> in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: want ? rows : 0)
            b.initialize(repeating: .nan)
            return b
        }
        let codeBuffers = isText.map { text -> UnsafeMutableBufferPointer<Int32> in
            let b = UnsafeMutableBufferPointer<Int32>.allocate(capacity: text ? rows : 0)
            b.initialize(repeating: -1)
            return b
        }
        defer {
            for b in numberBuffers { b.deallocate() }
            for b in codeBuffers { b.deallocate() }
        }
        try body(numberBuffers, codeBuffers)
        return (numberBuffers.map { Array($0) }, codeBuffers.map { Array($0) })
    }
    var numberBuffers = [UnsafeMutableBufferPointer<Double>](repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: width)
    var codeBuffers = [UnsafeMutableBufferPointer<Int32>](repeating: UnsafeMutableBufferPointer(start: nil, count: 0), count: width)
    var numbers = [[Double]](repeating: [], count: width)
    var codes = [[Int32]](repeating: [], count: width)
    // One nested array initialiser per buffer, so each array owns its storage from the start;
    // the innermost level runs `body` with every buffer (levels without a buffer are passed
    // through, at most `maximumNestedColumnBuffers` levels nest).
    let levels = wantNumbers.indices.filter { wantNumbers[$0] }.map { (code: false, slot: $0) }
        + isText.indices.filter { isText[$0] }.map { (code: true, slot: $0) }
    func level(_ k: Int) throws {
        if k == levels.count {
            try body(numberBuffers, codeBuffers)
            return
        }
        let slot = levels[k].slot
        if !levels[k].code {
            numbers[slot] = try [Double](hugePagesCapacity: rows) { buffer, initialized in
                numberBuffers[slot] = UnsafeMutableBufferPointer(start: buffer.baseAddress, count: rows)
                try level(k + 1)
                initialized = rows
            }
        } else {
            codes[slot] = try [Int32](hugePagesCapacity: rows) { buffer, initialized in
                codeBuffers[slot] = UnsafeMutableBufferPointer(start: buffer.baseAddress, count: rows)
                try level(k + 1)
                initialized = rows
            }
        }
    }
    try level(0)
    return (numbers, codes)
}

/// Offset of `part` within `whole` (both views of the same memory).
@inline(__always)
func offset(of part: UnsafeBufferPointer<UInt8>, in whole: UnsafeBufferPointer<UInt8>) -> Int {
    guard let p = part.baseAddress, let w = whole.baseAddress else { return 0 }
    return w.distance(to: p)
}

/// The offset of the first byte that is not part of a valid UTF-8 sequence (overlong forms,
/// surrogates and values above U+10FFFF are invalid), or nil when every byte is valid.
@inline(__always)
func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    let n = bytes.count
    var i = 0
    while i < n {
        let b0 = bytes[i]
        if b0 < 0x80 { i += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: return i
        }
        guard i + length <= n else { return i }
        let b1 = bytes[i + 1]
        guard b1 >= lower && b1 <= upper else { return i }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
        i += length
    }
    return nil
}

/// Whether a text cell is missing: empty or `NA` once surrounding blanks are removed.
@inline(__always)
func isMissingText(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var start = 0, end = bytes.count
    while start < end, isLeadingBlank(bytes[start]) { start += 1 }
    while end > start, isTrailingBlank(bytes[end - 1]) { end -= 1 }
    return start == end || (end - start == 2 && bytes[start] == 0x4E && bytes[start + 1] == 0x41)
}

/// The blanks `isMissingText` trims before a text cell (space, tab) ...
@inline(__always)
func isLeadingBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

/// ... and after it (space, tab, carriage return).
@inline(__always)
func isTrailingBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }

/// Dictionary encoding of byte strings without allocating a `String` per cell: level bytes are
/// kept in one arena and found through an open-addressing table. A string of at most 16 bytes (a
/// category, nearly always) is packed into two words, hashed from them and compared with a level's
/// packed words, with no call; a longer one is hashed by FNV-1a and compared with `memcmp`. Levels
/// are numbered in order of first appearance either way.
struct ByteInterner {
    private var arena: [UInt8] = []
    private var starts: [Int] = [0]
    /// Per level: its bytes packed (`packed`), or (0, 0) for a level longer than `packedBytes`.
    private var packedLow: [UInt64] = []
    private var packedHigh: [UInt64] = []
    private var table: [Int32]
    /// When false every call adds a level (for identifiers, which are nearly always distinct).
    let deduplicating: Bool

    /// The longest string packed into words.
    static let packedBytes = 16

    init(deduplicating: Bool = true) {
        self.deduplicating = deduplicating
        table = deduplicating ? Array(repeating: -1, count: 64) : []
    }

    /// Number of distinct levels.
    var count: Int { starts.count - 1 }

    /// The bytes of a string of at most `packedBytes` bytes in two words, little-endian, zero-padded.
    @inline(__always)
    static func packed(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64) {
        var low: UInt64 = 0, high: UInt64 = 0
        let n = bytes.count
        for j in 0..<min(n, 8) { low |= UInt64(bytes[j]) << UInt64(8 * j) }
        if n > 8 { for j in 8..<n { high |= UInt64(bytes[j]) << UInt64(8 * (j - 8)) } }
        return (low, high)
    }

    @inline(__always)
    private static func hash(packed: (UInt64, UInt64), count: Int) -> Int {
        var h = (packed.0 ^ UInt64(count)) &* 0x9E37_79B9_7F4A_7C15
        h = (h ^ (h >> 29) ^ packed.1) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: h ^ (h >> 32))
    }

    @inline(__always)
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if bytes.count <= packedBytes { return hash(packed: packed(bytes), count: bytes.count) }
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// The code of `bytes`, adding it as a new level if unseen.
    mutating func code(for bytes: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard deduplicating else {
            arena.append(contentsOf: bytes)
            starts.append(arena.count)
            return Int32(count - 1)
        }
        let n = bytes.count
        let short = n <= Self.packedBytes
        return code(for: bytes, packed: short ? Self.packed(bytes) : (0, 0))
    }

    /// `code(for: bytes)` of a field whose bytes are already packed (`ShortTextWords`, the same
    /// words `packed(bytes)` gives): the same hash, the same comparisons, the same code. (A call of
    /// its own: inlined, its probe loop would make the CSV scan too large for `forEachField` to be
    /// inlined into it.)
    @inline(never)
    mutating func code(for bytes: UnsafeBufferPointer<UInt8>, words: ShortTextWords) -> Int32 {
        guard deduplicating else { return code(for: bytes) }
        return code(for: bytes, packed: (words.low, words.high))
    }

    @inline(__always)
    private mutating func code(for bytes: UnsafeBufferPointer<UInt8>, packed words: (UInt64, UInt64)) -> Int32 {
        let mask = table.count - 1
        let n = bytes.count
        let short = n <= Self.packedBytes
        var i = (short ? Self.hash(packed: words, count: n) : Self.hash(bytes)) & mask
        while true {
            let c = table[i]
            if c < 0 { break }
            let s = starts[Int(c)], e = starts[Int(c) + 1]
            if e - s == n {
                if short {
                    if packedLow[Int(c)] == words.0 && packedHigh[Int(c)] == words.1 { return c }
                } else if arena.withUnsafeBufferPointer({ memcmp($0.baseAddress! + s, bytes.baseAddress!, n) == 0 }) {
                    return c
                }
            }
            i = (i + 1) & mask
        }
        let code = Int32(count)
        arena.append(contentsOf: bytes)
        starts.append(arena.count)
        packedLow.append(words.0)
        packedHigh.append(words.1)
        table[i] = code
        if count * 2 > table.count { rehash() }
        return code
    }

    private mutating func rehash() {
        table = Array(repeating: -1, count: table.count * 2)
        let mask = table.count - 1
        for c in 0..<count {
            let h = withLevelBytes(c) { Self.hash($0) }
            var i = h & mask
            while table[i] >= 0 { i = (i + 1) & mask }
            table[i] = Int32(c)
        }
    }

    /// Calls `body` with the bytes of level `k`.
    func withLevelBytes<R>(_ k: Int, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        arena.withUnsafeBufferPointer { a in
            body(UnsafeBufferPointer(rebasing: a[starts[k]..<starts[k + 1]]))
        }
    }

    /// Level `k` as a string.
    func level(_ k: Int) -> String { withLevelBytes(k) { String(decoding: $0, as: UTF8.self) } }
}

/// The input bytes, read (never written) by several threads at once.
struct SharedBytes: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>
    /// Gives back the pages of a byte range a reader has finished with (nil: nothing to give back).
    var release: (@Sendable (Range<Int>) -> Void)? = nil
}

/// The file's bytes, read (never written) by a second reader while they are parsed.
struct SharedRawBytes: @unchecked Sendable {
    let buffer: UnsafeRawBufferPointer
}

/// What one block of records produced.
struct BlockScan: @unchecked Sendable {
    var findings: [ColumnFindings]
    var interners: [ByteInterner]
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

    /// Splits the buffer into records, honouring quoted newlines, skipping blank lines. With
    /// `release`, the bytes passed are given back in steps of `step` bytes.
    init(_ bytes: UnsafeBufferPointer<UInt8>, file: String, release: (@Sendable (Range<Int>) -> Void)? = nil,
         step: Int = CSVReader.releaseChunk) throws {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return }
        var hasQuotes = false
        var chunk = 0
        while chunk < n, !hasQuotes {
            let hi = min(n, chunk + step)
            hasQuotes = memchr(base + chunk, 0x22, hi - chunk) != nil
            release?(chunk..<hi)
            chunk = hi
        }
        var released = 0
        @inline(__always) func releaseUpTo(_ p: Int) {
            guard let release, p - released >= step else { return }
            release(released..<p)
            released = p
        }
        defer { release?(released..<n) }
        // LF (or CRLF) terminates lines; a file without any LF but with CRs uses CR alone.
        let terminator: UInt8 = memchr(base, 0x0A, n) == nil && memchr(base, 0x0D, n) != nil ? 0x0D : 0x0A
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
                if let hit = memchr(base + p, Int32(terminator), remaining) {
                    let e = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    emit(p, e, line)
                    line += 1
                    p = e + 1
                    releaseUpTo(p)
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
            } else if b == terminator {
                if !inQuotes {
                    emit(start, i, recordLine)
                    start = i + 1
                    recordLine = line + 1
                    releaseUpTo(start)
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

}

/// An unquoted field of at most 16 bytes found with two 8-byte reads: its length (the first comma,
/// or the record's end, within the 16 bytes from its start) and its bytes packed little-endian into
/// two words with zeros after the field (`ByteInterner`'s packed form). Instead of a walk a byte at
/// a time for the comma, then again for the packing, the UTF-8 check and the blank check, a few word
/// operations: the comma is the lowest zero byte of `word ^ 0x2C2C...` (the classic zero-byte test,
/// exact for the lowest such byte). nil when fewer than 16 bytes are readable from `start` within
/// `bytes` (the reads may go past the field and the record, never past the buffer; whatever they read
/// there is masked off) or when neither a comma nor the record's end comes within the 16 bytes.
/// (The initialiser is a call of its own: inlined, it made the CSV scan too large for the compiler to
/// inline `forEachField` into it, which cost more than the call.)
struct ShortTextWords {
    let low: UInt64
    let high: UInt64
    let count: Int

    @inline(never)
    init?(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) {
        guard start <= bytes.count &- 16, let base = bytes.baseAddress else { return nil }
        let w0 = UInt64(littleEndian: UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self))
        let w1 = UInt64(littleEndian: UnsafeRawPointer(base + start + 8).loadUnaligned(as: UInt64.self))
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let c0 = w0 ^ (0x2C &* ones), c1 = w1 ^ (0x2C &* ones)
        var stops0 = (c0 &- ones) & ~c0 & highs
        var stops1 = (c1 &- ones) & ~c1 & highs
        // The record's end is a stop too (the bytes from there on are not the field's).
        let available = end &- start
        if available < 8 {
            stops0 |= highs &<< UInt64(8 &* available)
            stops1 = highs
        } else if available < 16 {
            stops1 |= highs &<< UInt64(8 &* (available &- 8))
        }
        if stops0 != 0 {
            let n = stops0.trailingZeroBitCount &>> 3
            low = n == 0 ? 0 : w0 & (UInt64.max &>> UInt64(64 &- 8 &* n))
            high = 0
            count = n
        } else if stops1 != 0 {
            let n = stops1.trailingZeroBitCount &>> 3
            low = w0
            high = n == 0 ? 0 : w1 & (UInt64.max &>> UInt64(64 &- 8 &* n))
            count = 8 &+ n
        } else {
            return nil
        }
    }

    /// Whether every byte is ASCII (then the field is valid UTF-8).
    @inline(__always)
    var isASCII: Bool { (low | high) & 0x8080_8080_8080_8080 == 0 }

    /// Whether the first byte is a letter other than i/I (inf) and n/N (nan, NA): then the field is
    /// no number (`parseNumber` says `.notANumber` from this byte alone, `beginsNoNumber`).
    @inline(__always)
    var beginsWithNonNumberLetter: Bool { count > 0 && beginsNoNumber(UInt8(truncatingIfNeeded: low)) }

    /// Whether the field is a present text cell as `isMissingText` sees it with nothing to trim: not
    /// empty, no blank first or last (`isLeadingBlank`, `isTrailingBlank`), and not `NA`.
    @inline(__always)
    var isPlainlyPresent: Bool {
        guard count > 0 else { return false }
        let first = UInt8(truncatingIfNeeded: low)
        let last = count <= 8 ? UInt8(truncatingIfNeeded: low &>> UInt64(8 &* (count &- 1)))
                              : UInt8(truncatingIfNeeded: high &>> UInt64(8 &* (count &- 9)))
        if isLeadingBlank(first) || isTrailingBlank(last) { return false }
        return !(count == 2 && low == 0x414E)
    }
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
    try forEachField(in: bytes, record: record, file: file, line: line, use: { _ in .other }, number: { _, _ in },
                     shortText: { _, _, _ in false }, body)
}

/// What `forEachField` does with a field.
enum FieldUse {
    /// Nothing: its end is found and it is counted, but no closure sees it.
    case skip
    /// Read as a short decimal while its end is looked for (`number`), else given to `body`.
    case number
    /// Given to `body`.
    case other
    /// An unquoted field of at most 16 bytes whose end is found within one 16-byte read is given to
    /// `shortText` with its bytes packed into two words; when `shortText` declines it (returns
    /// false), and for any other field, as `.other`.
    case shortText
}

/// `forEachField`, with each field's use given by `use(k)`. An unquoted field `k` with
/// `use(k) == .number` is first read as a short decimal while its end is looked for
/// (`shortDecimalField`): when it is one, `number(k, value)` is called instead of `body`, and the
/// field's bytes are walked once instead of twice (once for the comma, once for the digits); any
/// other such field goes to `body` as before, so `body` sees exactly the fields `parseShortDecimal`
/// would not settle, and the values are the same bits either way. A field with `.skip` is walked
/// over (a quoted one to its closing quote, so an unterminated quote is still an error) without a
/// call. Returns the number of fields in the record.
@inline(__always) @discardableResult
func forEachField(
    in bytes: UnsafeBufferPointer<UInt8>, record: RecordLayout.Record, file: String, line: Int,
    use: (Int) -> FieldUse, number: (Int, Double) -> Void,
    shortText: (Int, UnsafeBufferPointer<UInt8>, ShortTextWords) -> Bool,
    _ body: (Int, RawField) throws -> Void
) throws -> Int {
    var i = record.start
    let end = record.end
    var k = 0
    while true {
        let fieldUse = use(k)
        if fieldUse == .shortText, i < end, bytes[i] != 0x22, let words = ShortTextWords(bytes, from: i, end: end) {
            let fieldEnd = i &+ words.count
            let field = UnsafeBufferPointer(rebasing: bytes[i..<fieldEnd])
            if !shortText(k, field, words) {
                try body(k, RawField(bytes: field, hasEscapedQuotes: false))
            }
            i = fieldEnd
        } else if i < end, bytes[i] == 0x22 {
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
            if fieldUse != .skip {
                try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[contentStart..<j]), hasEscapedQuotes: escaped))
            }
            i = j + 1
            // Skip anything between the closing quote and the separator (tolerates trailing spaces).
            while i < end, bytes[i] != 0x2C { i += 1 }
        } else if fieldUse == .number, let (value, fieldEnd) = shortDecimalField(bytes, from: i, end: end) {
            number(k, value)
            i = fieldEnd
        } else {
            var j = i
            while j < end, bytes[j] != 0x2C { j += 1 }
            if fieldUse != .skip {
                try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[i..<j]), hasEscapedQuotes: false))
            }
            i = j
        }
        k += 1
        if i >= end { break }
        i += 1 // the comma
        if i == end {
            if use(k) != .skip { try body(k, RawField(bytes: UnsafeBufferPointer(rebasing: bytes[end..<end]), hasEscapedQuotes: false)) }
            k += 1
            break
        }
    }
    return k
}
