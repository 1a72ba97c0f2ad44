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

    func assertSameTable(_ text: String, columns: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) {
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
                    XCTAssertEqual(a.rowLines, b.rowLines, "threads \(threads), pieces of \(minimum)+ bytes", file: file, line: line)
                    XCTAssertEqual(a.columns.count, b.columns.count, file: file, line: line)
                    for (x, y) in zip(a.columns, b.columns) {
                        XCTAssertEqual(x.name, y.name, file: file, line: line)
                        XCTAssertEqual(x.missingCount, y.missingCount, x.name, file: file, line: line)
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
        // A ragged row, a stray token in a numeric column, invalid UTF-8 and a non-finite number,
        // each after blank lines, so the line differs from the row number.
        assertSameTable("id,x\n1,2\n\n2,3,4\n3,5\n")
        assertSameTable("id,x\n1,2\n\n2,3\n\n3,oops\n4,5\n")
        assertSameTable("id,x,g\n1,2,a\n\n2,3,\u{FFFD}\n3,4,b\n")
        assertSameTable("id,x\n1,2\n\n\n2,inf\n")
    }

    func testInvalidUTF8ByteOffsetIsTheSame() throws {
        let bytes = Array("id,g\n1,a\n\n2,".utf8) + [0xC3, 0x28] + Array("\n3,b\n".utf8)
        func error(_ options: CSVReadOptions) -> String {
            bytes.withUnsafeBufferPointer { b in
                do { _ = try CSVReader.parse(b, file: "u.csv", options: options); return "no error" } catch {
                    return String(describing: error)
                }
            }
        }
        var reference = CSVReadOptions()
        reference.followQuotesFromStart = true
        var pieces = CSVReadOptions(threads: 3)
        pieces.minimumPieceBytes = 1
        XCTAssertEqual(error(pieces), error(reference))
        XCTAssertTrue(error(pieces).contains("line 4"), error(pieces))
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
