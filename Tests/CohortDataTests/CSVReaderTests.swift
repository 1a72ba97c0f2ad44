import XCTest
@testable import CohortData

final class CSVReaderTests: XCTestCase {
    func testQuotingCRLFBlankLinesAndBOM() throws {
        let text = "\u{FEFF}id,name,x\r\n1,\"Smith, J\",2.5\r\n\r\n2,\"say \"\"hi\"\"\",NA\r\n3,\"two\nlines\",\r\n4,plain,-1e3\r\n"
        let t = try CSVReader.parse(text: text, file: "t.csv")
        XCTAssertEqual(t.header, ["id", "name", "x"])
        XCTAssertEqual(t.rowCount, 4)
        let name = try t.column("name")
        XCTAssertEqual((0..<4).map { name.text(at: $0) }, ["Smith, J", "say \"hi\"", "two\nlines", "plain"])
        let x = try t.numeric("x")
        XCTAssertEqual(x[0], 2.5)
        XCTAssertTrue(x[1].isNaN && x[2].isNaN)
        XCTAssertEqual(x[3], -1000)
        XCTAssertEqual(try t.column("x").missingCount, 2)
        // Physical lines: header 1, rows on 2, 4 (after a blank line), 5, 7 (after a quoted newline).
        XCTAssertEqual((0..<4).map(t.line(ofRow:)), [2, 4, 5, 7])
    }

    func testNumberParsingIsCorrectlyRounded() {
        // Compare the fast path and fallback with Swift's own correctly rounded parser.
        var rng = SystemRandomNumberGenerator()
        var samples = ["0", "-0", "1", "0.1", "9930.046", "1e-300", "123456789012345678901234", "2.2250738585072014e-308",
                       "0.30000000000000004", "1.7976931348623157e308", "4.9e-324", "+3.25", "  42 ", "1E5", "12.", ".5"]
        for _ in 0..<2000 {
            let mantissa = UInt64.random(in: 0..<(1 << 60), using: &rng)
            let exponent = Int.random(in: -30...30, using: &rng)
            samples.append("\(mantissa)e\(exponent)")
            samples.append("\(Double.random(in: -1e6...1e6, using: &rng))")
        }
        for s in samples {
            let bytes = Array(s.utf8)
            let parsed = bytes.withUnsafeBufferPointer { parseNumber($0) }
            guard case .value(let v) = parsed else { XCTFail("\(s) not parsed"); continue }
            let reference = Double(s.trimmingCharacters(in: .whitespaces))!
            XCTAssertEqual(v.bitPattern, reference.bitPattern, "\(s)")
        }
        for s in ["abc", "1.2.3", "0x1A", "1e", "--1", "1,5"] {
            let parsed = Array(s.utf8).withUnsafeBufferPointer { parseNumber($0) }
            if case .notANumber = parsed {} else { XCTFail("\(s) should not be a number") }
        }
    }

    func testTypeDetectionAndTextColumns() throws {
        let t = try CSVReader.parse(text: "a,b,c\n1,x,01\n2,y,02\n", options: CSVReadOptions(textColumns: ["c"]))
        if case .numeric = try t.column("a").values {} else { XCTFail("a should be numeric") }
        if case .text(_, let levels) = try t.column("b").values { XCTAssertEqual(levels, ["x", "y"]) } else { XCTFail() }
        if case .text(_, let levels) = try t.column("c").values { XCTAssertEqual(levels, ["01", "02"]) } else { XCTFail() }
        XCTAssertThrowsError(try t.numeric("b")) { e in
            XCTAssertEqual(e as? CohortDataError, .nonNumeric(file: "<memory>", line: 2, column: "b", value: "x"))
        }
    }

    func testOnlyRequestedColumnsAreLoaded() throws {
        let t = try CSVReader.parse(text: "a,b,c\n1,2,3\n", options: CSVReadOptions(columns: ["c", "a"]))
        XCTAssertEqual(t.columns.map(\.name), ["a", "c"])
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,2\n", file: "f.csv", options: CSVReadOptions(columns: ["z"]))) { e in
            XCTAssertEqual(e as? CohortDataError, .missingColumn(file: "f.csv", column: "z", available: ["a", "b"]))
        }
    }

    func testStructuralErrorsNameTheLine() {
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,2\n3\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .raggedRow(file: "f.csv", line: 3, expected: 2, found: 1))
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "a,b\n1,\"open\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .unterminatedQuote(file: "f.csv", line: 2))
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "a,a\n1,2\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .duplicateColumn(file: "f.csv", column: "a"))
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .empty(file: "f.csv"))
        }
        XCTAssertThrowsError(try CSVReader.read(path: "/nonexistent/file.csv")) { e in
            guard case .unreadable(let file, _) = e as? CohortDataError else { return XCTFail("\(e)") }
            XCTAssertEqual(file, "/nonexistent/file.csv")
        }
    }

    func testNonFiniteLiteralIsRejectedWithLine() throws {
        let t = try CSVReader.parse(text: "x\n1\nNaN\n", file: "f.csv")
        XCTAssertThrowsError(try t.numeric("x")) { e in
            XCTAssertEqual(e as? CohortDataError, .nonFinite(file: "f.csv", line: 3, column: "x", value: "NaN"))
        }
    }

    /// Blocks are parsed in parallel; the table (including level order) must not depend on the
    /// number of threads.
    func testResultDoesNotDependOnThreadCount() throws {
        var text = "id,g,x\n"
        let groups = ["d", "b", "a", "c"]
        for i in 0..<30_000 { text += "\(i),\(groups[(i * 7) % 4]),\(Double(i) / 7)\n" }
        text += "30000,zz,1\n"
        let one = try CSVReader.parse(text: text, options: CSVReadOptions(threads: 1))
        let many = try CSVReader.parse(text: text, options: CSVReadOptions(threads: 7))
        XCTAssertEqual(one.columns, many.columns)
        if case .text(_, let levels) = try one.column("g").values {
            XCTAssertEqual(levels, ["d", "c", "a", "b", "zz"]) // first appearance: rows 0, 1, 2, 3, 30000
        } else { XCTFail() }
    }
}
