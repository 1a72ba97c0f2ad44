import XCTest
@testable import CohortData

/// A file without quotes and with LF line ends is cut into pieces searched in parallel
/// (`RecordPieces`); any other file is searched by following quotes from the start
/// (`RecordLayout`). Both must give the same table: the same header, cells, levels (in order of
/// first appearance), missing counts, row lines, and the same error for a bad file.
final class RecordPiecesTests: XCTestCase {
    /// Either the table or the error's description.
    enum Outcome { case success(CohortTable), failure(String) }

    func outcome(_ text: String, _ options: CSVReadOptions) -> Outcome {
        do { return .success(try CSVReader.parse(text: text, file: "p.csv", options: options)) } catch {
            return .failure(String(describing: error))
        }
    }

    /// Whether `RecordPieces` should take the text: no quote, and an LF after a non-blank line.
    func expectsPieces(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.contains(0x22), let lf = bytes.firstIndex(of: 0x0A) else { return false }
        var p = 0, end = lf
        while true {
            let lineEnd = end > p && bytes[end - 1] == 0x0D ? end - 1 : end
            if lineEnd > p { return true }
            p = end + 1
            guard p < bytes.count, let next = bytes[p...].firstIndex(of: 0x0A) else { return false }
            end = next
        }
    }

    /// Whether a line after the first non-blank one (the header) is blank (empty, or only a CR).
    func hasBlankLineAfterHeader(_ text: String) -> Bool {
        // By bytes: "\r\n" is one Character.
        let bytes = Array(text.utf8)
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map { $0.last == 0x0D ? $0.dropLast() : $0 }
        if bytes.last == 0x0A { lines.removeLast() }
        guard let header = lines.firstIndex(where: { !$0.isEmpty }) else { return false }
        return lines[(header + 1)...].contains { $0.isEmpty }
    }

    func assertSameTable(_ text: String, columns: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) {
        // The search under test is the one taken.
        let taken = Array(text.utf8).withUnsafeBufferPointer {
            RecordPieces($0, threads: 2, maximumPieceBytes: 1 << 20, minimumPieceBytes: 1) != nil
        }
        XCTAssertEqual(taken, expectsPieces(text), "pieces taken for \(text.debugDescription)", file: file, line: line)
        var reference = CSVReadOptions(columns: columns, threads: 3)
        reference.followQuotesFromStart = true
        let expected = outcome(text, reference)
        for threads in [1, 2, 5] {
            for minimum in [1, 7, 64, 1 << 20] {
                var options = CSVReadOptions(columns: columns, threads: threads)
                options.minimumPieceBytes = minimum
                let got = outcome(text, options)
                switch (expected, got) {
                case (.success(let a), .success(let b)):
                    XCTAssertEqual(a.header, b.header, file: file, line: line)
                    XCTAssertEqual(a.rowCount, b.rowCount, file: file, line: line)
                    XCTAssertEqual(a.rowLines.lines, b.rowLines.lines, "threads \(threads), pieces of \(minimum)+ bytes", file: file, line: line)
                    // Without a blank line after the header, the pieces' lines are kept as a first
                    // line and a count (not a list of every row's line).
                    if taken, !hasBlankLineAfterHeader(text), case .listed = b.rowLines {
                        XCTFail("row lines listed for a file without blank lines: \(text.debugDescription)", file: file, line: line)
                    }
                    XCTAssertEqual(a.columns.count, b.columns.count, file: file, line: line)
                    for (x, y) in zip(a.columns, b.columns) {
                        XCTAssertEqual(x.name, y.name, file: file, line: line)
                        XCTAssertEqual(x.missingCount, y.missingCount, x.name, file: file, line: line)
                        XCTAssertEqual(x.firstNonNumeric?.row, y.firstNonNumeric?.row, x.name, file: file, line: line)
                        XCTAssertEqual(x.firstNonNumeric?.text, y.firstNonNumeric?.text, x.name, file: file, line: line)
                        XCTAssertEqual(x.firstNonFinite?.row, y.firstNonFinite?.row, x.name, file: file, line: line)
                        XCTAssertEqual(x.firstNonFinite?.text, y.firstNonFinite?.text, x.name, file: file, line: line)
                        switch (x.values, y.values) {
                        case (.numeric(let u), .numeric(let v)):
                            XCTAssertEqual(u.map { $0.bitPattern }, v.map { $0.bitPattern }, x.name, file: file, line: line)
                        case (.text(let c, let l), .text(let d, let m)):
                            XCTAssertEqual(c, d, x.name, file: file, line: line)
                            XCTAssertEqual(l, m, x.name, file: file, line: line)
                        default:
                            XCTFail("column \(x.name) read as \(x.values) one way and \(y.values) the other", file: file, line: line)
                        }
                    }
                case (.failure(let a), .failure(let b)):
                    XCTAssertEqual(a, b, "threads \(threads), pieces of \(minimum)+ bytes", file: file, line: line)
                default:
                    XCTFail("one search read the file and the other did not: \(expected) / \(got)", file: file, line: line)
                }
            }
        }
    }

    func testPiecesEqualQuoteFollowingOnAssortedFiles() {
        // Blank lines (LF, CRLF) before the header, between records and at the end; CRLF line ends;
        // no final line end; a lone CR inside a record; missing cells; text and numeric columns.
        let files = [
            "id,x,g\n1,2.5,a\n2,,b\n3,-1e3,a\n",
            "\n\r\n\nid,x,g\r\n1,2.5,a\r\n\r\n2,NA,b\r\n3,4,c",
            "id,x,g\n1,2,a\n\n\n2,3,b\n\r\n3,4,a\n\n",
            "id,x,g\n1,2,a\r\n2,3,b\n3,4,c\r\n",
            "id,x,g\n",
            "id,x,g",
            "id,x,g\n\n\n",
            "id,x,g\n1,2,a\rb\n2,3,c\n",
            "a\n1\n2\n\n3\n",
        ]
        for text in files { assertSameTable(text) }
    }

    func testErrorsNameTheSameLine() {
        // A ragged row and a stray token in a numeric column, each after blank lines, so the line
        // differs from the row number; a non-finite number (recorded, not an error when reading).
        assertSameTable("id,x\n1,2\n\n2,3,4\n3,5\n")
        assertSameTable("id,x\n1,2\n\n2,3\n\n3,oops\n4,5\n")
        assertSameTable("id,x\n1,2\n\n\n2,inf\n3,-inf\n")
        // Two different errors far apart (in different pieces): the first in the file wins.
        var rows = (0..<500).map { "\($0),\($0 % 7)" }
        rows[40] = "40,oops"
        rows[400] = "400,1,2"
        assertSameTable("id,x\n" + rows.joined(separator: "\n") + "\n")
        rows[40] = "40,1,2,3"
        rows[400] = "400,1"
        rows[420] = "420,\u{00E9}t\u{00E9}"
        assertSameTable("id,x\n" + rows.joined(separator: "\n") + "\n")
    }

    /// The error of parsing `bytes` (the file name `file`), or "no error": with pieces of at least
    /// each of `minimums` bytes, and following quotes from the start.
    func errors(_ bytes: [UInt8], minimums: [Int]) -> (pieces: [String], reference: String) {
        func error(_ options: CSVReadOptions) -> String {
            bytes.withUnsafeBufferPointer { b in
                do { _ = try CSVReader.parse(b, file: "b.csv", options: options); return "no error" } catch {
                    return String(describing: error)
                }
            }
        }
        var reference = CSVReadOptions()
        reference.followQuotesFromStart = true
        let pieces = minimums.map { minimum -> String in
            var options = CSVReadOptions(threads: 3)
            options.minimumPieceBytes = minimum
            return error(options)
        }
        return (pieces, error(reference))
    }

    func testByteOffsetsAfterAByteOrderMark() throws {
        // A BOM before the header, invalid UTF-8 in a later piece: the same byte offset both ways.
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("id,g\n".utf8)
        for r in 0..<300 { bytes += Array("\(r),level\(r % 4)\n".utf8) }
        bytes += Array("300,".utf8) + [0xFF, 0x41] + Array("\n301,a\n".utf8)
        let (pieces, reference) = errors(bytes, minimums: [1, 100, 1 << 20])
        for error in pieces { XCTAssertEqual(error, reference) }
        XCTAssertTrue(reference.contains("line 302"), reference)
    }

    func testInvalidUTF8ByteOffsetIsTheSame() throws {
        let bytes = Array("id,g\n1,a\n\n2,".utf8) + [0xC3, 0x28] + Array("\n3,b\n".utf8)
        let (pieces, reference) = errors(bytes, minimums: [1])
        XCTAssertEqual(pieces, [reference])
        XCTAssertTrue(reference.contains("line 4"), reference)
    }

    func testRandomFilesWithBlankLinesAndRaggedEnds() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let levels = ["w", "b", "", "NA", "mixed", "x y"]
        for _ in 0..<40 {
            var text = String(repeating: "\n", count: next(3)) + "id,x,g,y\n"
            for r in 0..<(next(400) + 1) {
                if next(10) == 0 { text += next(2) == 0 ? "\n" : "\r\n" }
                let x = next(8) == 0 ? "" : String(Double(next(100_000)) / 64)
                text += "\(r),\(x),\(levels[next(levels.count)]),\(next(5))"
                text += next(6) == 0 ? "\r\n" : "\n"
            }
            if next(2) == 0 { text.removeLast() }
            assertSameTable(text)
            assertSameTable(text, columns: ["g", "x"])
        }
    }

    /// A file that changes between the count and the walk (a line split in two, or two joined) is
    /// an error, never a row written outside its piece.
    func testAPieceThatNoLongerHoldsItsCountedRecordsIsAnError() throws {
        var bytes = Array("id,x\n".utf8)
        for r in 0..<200 { bytes += Array("\(r),\(r % 9)\n".utf8) }
        let pieces = try bytes.withUnsafeBufferPointer { b in
            try XCTUnwrap(RecordPieces(b, threads: 2, maximumPieceBytes: 1 << 20, minimumPieceBytes: 64))
        }
        XCTAssertGreaterThan(pieces.pieces.count, 2)
        let piece = pieces.pieces[1]
        let comma = try XCTUnwrap(bytes[piece.bytes].firstIndex(of: 0x2C))
        let newline = try XCTUnwrap(bytes[piece.bytes].firstIndex(of: 0x0A))
        for (position, byte) in [(comma, UInt8(0x0A)), (newline, UInt8(0x2C))] {
            var changed = bytes
            changed[position] = byte
            try changed.withUnsafeBufferPointer { b in
                var seen: [Int] = []
                XCTAssertThrowsError(try pieces.forEachRecord(inPiece: 1, of: b, file: "c.csv") { row, _ in seen.append(row) }) {
                    XCTAssertTrue(String(describing: $0).contains("changed while it was being read"), "\($0)")
                }
                XCTAssertTrue(seen.allSatisfy { piece.firstRow..<(piece.firstRow + piece.rows) ~= $0 })
            }
        }
        try bytes.withUnsafeBufferPointer { b in
            var rows: [Int] = []
            XCTAssertNoThrow(try pieces.forEachRecord(inPiece: 1, of: b, file: "c.csv") { row, _ in rows.append(row) })
            XCTAssertEqual(rows, Array(piece.firstRow..<(piece.firstRow + piece.rows)))
        }
    }

    func testQuotedAndCROnlyFilesAreLeftToTheQuoteFollowingSearch() throws {
        for text in ["id,x\n1,\"2\"\n", "\"id\",x\n1,2\n", "id,x\r1,2\r2,3\r"] {
            let bytes = Array(text.utf8)
            bytes.withUnsafeBufferPointer { b in
                XCTAssertNil(RecordPieces(b, threads: 2, maximumPieceBytes: 1 << 20, minimumPieceBytes: 1), text)
            }
            assertSameTable(text)
        }
        let plain = Array("id,x\n1,2\n2,3\n".utf8)
        try plain.withUnsafeBufferPointer { b in
            let pieces = try XCTUnwrap(RecordPieces(b, threads: 2, maximumPieceBytes: 1 << 20, minimumPieceBytes: 1))
            XCTAssertEqual(pieces.rows, 2)
            XCTAssertEqual(pieces.pieces.map(\.rows).reduce(0, +), 2)
            XCTAssertGreaterThan(pieces.pieces.count, 1)
        }
    }
}
