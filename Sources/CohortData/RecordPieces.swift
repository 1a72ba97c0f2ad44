#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Parallel

/// Where the records of a CSV body without any quote character and with LF line ends lie, found
/// in parallel: the body after the header is cut into pieces of about equal size, each ending just
/// after an LF, and every piece is counted on its own (records, lines, quotes), so no list of
/// records is ever built and no pass over the bytes runs on one thread alone.
///
/// In such a body every LF ends a record and every record lies inside one piece, so the pieces
/// can be read independently; the counts give each piece's first row and first line. A body with
/// a quote (`"`, whose quoted fields may hold LFs) or without any LF (a one-line file, or CR line
/// ends) is left to `RecordLayout`, which follows quotes byte by byte. Both give the same records,
/// in the same order, with the same line numbers: a record is a line without its LF (and without
/// a CR just before it); blank lines are skipped but counted; the first non-blank line is the
/// header.
struct RecordPieces: @unchecked Sendable {
    struct Piece {
        /// Bytes of the piece: whole lines, the last one ending in LF or at the end of the body.
        var bytes: Range<Int>
        /// Row (record index after the header) of the piece's first record.
        var firstRow: Int
        /// Records in the piece.
        var rows: Int
        /// Physical line on which the piece starts.
        var firstLine: Int32
        /// Whether the piece holds a blank line (then row lines are found by walking it).
        var hasBlankLines: Bool
    }

    let header: RecordLayout.Record
    let pieces: [Piece]
    let rows: Int

    /// The line starting at `p` (before `end`): where its record ends (before the LF and a CR just
    /// before it; `p` itself for a blank line), where the next line starts, and whether an LF ended it.
    @inline(__always)
    static func line(in base: UnsafePointer<UInt8>, from p: Int, to end: Int) -> (recordEnd: Int, next: Int, terminated: Bool) {
        guard let hit = memchr(base + p, 0x0A, end - p) else {
            return (end > p && base[end - 1] == 0x0D ? end - 1 : end, end + 1, false)
        }
        let e = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        return (e > p && base[e - 1] == 0x0D ? e - 1 : e, e + 1, true)
    }

    /// Pieces per thread. More pieces than threads even out the work: the last piece to finish runs
    /// alone, so a piece should be short (with 4 a thread, the last of eight pieces of a 1M-row file
    /// kept one core busy for about 60 ms while the other waited).
    static let piecesPerThread = 16
    /// The smallest piece worth a thread of its own.
    static let minimumPieceBytes = 64 << 10

    /// Finds the header and cuts the rest into pieces of at most `maximumPieceBytes` (and about
    /// `threads * piecesPerThread` pieces at least, none under `minimumPieceBytes`); nil when the
    /// body holds a quote or has no LF (the caller then uses `RecordLayout`). With `release`, each
    /// piece's bytes are given back once counted.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, threads: Int, maximumPieceBytes: Int,
          minimumPieceBytes: Int = RecordPieces.minimumPieceBytes,
          release: (@Sendable (Range<Int>) -> Void)? = nil) {
        let n = bytes.count
        guard let base = bytes.baseAddress, n > 0 else { return nil }
        // The header: the first non-blank line, which must end in LF.
        var p = 0
        var line: Int32 = 1
        var found: RecordLayout.Record? = nil
        while found == nil {
            guard p < n else { return nil }
            let next = Self.line(in: base, from: p, to: n)
            guard next.terminated else { return nil }
            if next.recordEnd > p { found = RecordLayout.Record(start: p, end: next.recordEnd, line: line) }
            line += 1
            p = next.next
        }
        guard let header = found, memchr(base, 0x22, p) == nil else { return nil }
        self.header = header

        // Piece boundaries: nominal cuts moved forward to just after the next LF.
        let data = n - p
        let byCount = max(1, threads) * Self.piecesPerThread
        let bySize = (data + max(1, maximumPieceBytes) - 1) / max(1, maximumPieceBytes)
        let wanted = max(1, min(max(byCount, bySize), data / max(1, minimumPieceBytes)))
        var cuts = [p]
        for k in 1..<max(wanted, 1) {
            let nominal = p + Int((Double(data) * Double(k) / Double(wanted)).rounded(.down))
            var cut = max(nominal, cuts[cuts.count - 1])
            if cut > 0, cut < n, base[cut - 1] != 0x0A {
                if let hit = memchr(base + cut, 0x0A, n - cut) {
                    cut = base.distance(to: hit.assumingMemoryBound(to: UInt8.self)) + 1
                } else {
                    cut = n
                }
            }
            if cut > cuts[cuts.count - 1] && cut < n { cuts.append(cut) }
        }
        cuts.append(n)
        let ranges = (0..<(cuts.count - 1)).map { cuts[$0]..<cuts[$0 + 1] }

        // Each piece counted on its own.
        let shared = SharedBytes(buffer: bytes, release: release)
        let counts = Parallel.map(ranges.count) { k -> (records: Int, lines: Int, blank: Bool, quote: Bool) in
            let range = ranges[k]
            let base = shared.buffer.baseAddress!
            if memchr(base + range.lowerBound, 0x22, range.count) != nil { return (0, 0, false, true) }
            var records = 0, lines = 0, blank = false
            var p = range.lowerBound
            let end = range.upperBound
            while p < end {
                let next = RecordPieces.line(in: base, from: p, to: end)
                if next.terminated { lines += 1 }
                if next.recordEnd > p { records += 1 } else { blank = true }
                p = next.next
            }
            shared.release?(range)
            return (records, lines, blank, false)
        }
        if counts.contains(where: \.quote) { return nil }
        var pieces: [Piece] = []
        pieces.reserveCapacity(ranges.count)
        var row = 0
        for (k, range) in ranges.enumerated() {
            pieces.append(Piece(bytes: range, firstRow: row, rows: counts[k].records, firstLine: line,
                                hasBlankLines: counts[k].blank))
            row += counts[k].records
            line += Int32(counts[k].lines)
        }
        self.pieces = pieces
        rows = row
    }

    /// Calls `body(row, record)` for each record of piece `k`, in order. The rows are those the
    /// piece was counted to hold: should the file change on disk between the count and this walk
    /// (a mapped file shows such a change), a piece with more or fewer records is an error, never
    /// a row outside the piece.
    @inline(__always)
    func forEachRecord(inPiece k: Int, of bytes: UnsafeBufferPointer<UInt8>, file: String,
                       _ body: (Int, RecordLayout.Record) throws -> Void) throws {
        let piece = pieces[k]
        let base = bytes.baseAddress!
        var p = piece.bytes.lowerBound
        let end = piece.bytes.upperBound
        var row = piece.firstRow
        let rowEnd = piece.firstRow + piece.rows
        var line = piece.firstLine
        while p < end {
            let next = Self.line(in: base, from: p, to: end)
            if next.recordEnd > p {
                guard row < rowEnd else { throw Self.changed(file) }
                try body(row, RecordLayout.Record(start: p, end: next.recordEnd, line: line))
                row += 1
            }
            line += 1
            p = next.next
        }
        guard row == rowEnd else { throw Self.changed(file) }
    }

    static func changed(_ file: String) -> CohortDataError {
        .unreadable(file: file, reason: "the file changed while it was being read; read it again once it is complete")
    }

    /// The first data record, if any: the first non-blank line of the first piece that has one.
    func firstRecord(of bytes: UnsafeBufferPointer<UInt8>) -> RecordLayout.Record? {
        guard let k = pieces.firstIndex(where: { $0.rows > 0 }), let base = bytes.baseAddress else { return nil }
        let piece = pieces[k]
        var p = piece.bytes.lowerBound
        let end = piece.bytes.upperBound
        var line = piece.firstLine
        while p < end {
            let next = Self.line(in: base, from: p, to: end)
            if next.recordEnd > p { return RecordLayout.Record(start: p, end: next.recordEnd, line: line) }
            line += 1
            p = next.next
        }
        return nil
    }

    /// The physical line of every row: consecutive lines when no piece has a blank line (each
    /// piece's rows are then on consecutive lines, and each piece starts where the rows before it
    /// end); otherwise listed, in parallel by piece: counted on for a piece without blank lines,
    /// read off its walk otherwise (which writes only inside the piece's rows, and fails if the
    /// piece no longer holds them).
    func rowLines(of bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> RowLines {
        if let first = pieces.first?.firstLine,
           pieces.allSatisfy({ !$0.hasBlankLines && Int($0.firstLine) == Int(first) + $0.firstRow }) {
            return .consecutive(first: first, count: rows)
        }
        return .listed(try listedRowLines(of: bytes, file: file))
    }

    /// Every row's line (`rowLines`), listed.
    func listedRowLines(of bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> [Int32] {
        let shared = SharedBytes(buffer: bytes)
        let pieces = self.pieces
        return try [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
            let out = SharedLines(pointer: buffer.baseAddress)
            let failures = Parallel.map(pieces.count) { k -> CohortDataError? in
                let piece = pieces[k]
                guard piece.rows > 0, let lines = out.pointer else { return nil }
                if !piece.hasBlankLines {
                    for i in 0..<piece.rows { (lines + piece.firstRow + i).initialize(to: piece.firstLine + Int32(i)) }
                    return nil
                }
                do {
                    try self.forEachRecord(inPiece: k, of: shared.buffer, file: file) { row, record in
                        (lines + row).initialize(to: record.line)
                    }
                } catch {
                    return error as? CohortDataError ?? Self.changed(file)
                }
                return nil
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
            initialized = rows
        }
    }
}

/// The row-lines array being filled by several threads (each piece writes its own rows).
private struct SharedLines: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Int32>?
}

/// The records of a body in blocks that are parsed in parallel: blocks of consecutive records of a
/// `RecordLayout`, or the pieces of `RecordPieces`.
enum RecordBlocks: @unchecked Sendable {
    case layout(RecordLayout, blockSize: Int)
    case pieces(RecordPieces)

    var rows: Int {
        switch self {
        case .layout(let layout, _): return layout.records.count
        case .pieces(let pieces): return pieces.rows
        }
    }

    var count: Int {
        switch self {
        case .layout(let layout, let size): return (layout.records.count + size - 1) / size
        case .pieces(let pieces): return pieces.pieces.count
        }
    }

    /// The rows of block `b`.
    func rows(ofBlock b: Int) -> Range<Int> {
        switch self {
        case .layout(let layout, let size): return (b * size)..<min(layout.records.count, (b + 1) * size)
        case .pieces(let pieces): let piece = pieces.pieces[b]; return piece.firstRow..<(piece.firstRow + piece.rows)
        }
    }

    /// The bytes of block `b` (to give back once it is parsed).
    func bytes(ofBlock b: Int) -> Range<Int>? {
        switch self {
        case .layout(let layout, _):
            let rows = rows(ofBlock: b)
            guard !rows.isEmpty else { return nil }
            return layout.records[rows.lowerBound].start ..< layout.records[rows.upperBound - 1].end
        case .pieces(let pieces):
            return pieces.pieces[b].bytes
        }
    }

    /// Calls `body(row, record)` for each record of block `b`, in order.
    @inline(__always)
    func forEachRecord(inBlock b: Int, of bytes: UnsafeBufferPointer<UInt8>, file: String,
                       _ body: (Int, RecordLayout.Record) throws -> Void) throws {
        switch self {
        case .layout(let layout, _):
            for r in rows(ofBlock: b) { try body(r, layout.records[r]) }
        case .pieces(let pieces):
            try pieces.forEachRecord(inPiece: b, of: bytes, file: file, body)
        }
    }

    /// The first data record, if any.
    func firstRecord(of bytes: UnsafeBufferPointer<UInt8>) -> RecordLayout.Record? {
        switch self {
        case .layout(let layout, _): return layout.records.first
        case .pieces(let pieces): return pieces.firstRecord(of: bytes)
        }
    }

    /// The physical line of every row.
    func rowLines(of bytes: UnsafeBufferPointer<UInt8>, file: String) throws -> RowLines {
        switch self {
        case .layout(let layout, _): return .listed(layout.records.map(\.line))
        case .pieces(let pieces): return try pieces.rowLines(of: bytes, file: file)
        }
    }
}
