import XCTest
#if canImport(Glibc)
import Glibc
#endif
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

    /// The short road of `parseNumber` (short decimals, cells starting with a letter that begins
    /// no number) settles a cell exactly as the general way does: same outcome, same bits.
    func testShortRoadEqualsGeneralParsing() {
        var random = XorShift(state: 0x2545_F491_4F6C_DD1D)
        func next(_ bound: Int) -> Int { random.next(bound) }
        let alphabet = Array("0123456789012345678901234567890123456789..--++eEaAbiInNxX ,\r".utf8)
        var fields: [[UInt8]] = ["", "NA", "nan", "inf", "-inf", "Infinity", "e5", "E-3", "x1", "male", "12.", ".5", "-.5", "+.",
                                 "-0", "0.0", "999999999999999", "9999999999999999", "0.000000000000001",
                                 "123456789012.345", "1234567890123.456", "-1.5e3", " 7", "7 "].map { Array($0.utf8) }
        for _ in 0..<200_000 {
            fields.append((0..<(next(19))).map { _ in alphabet[next(alphabet.count)] })
        }
        for field in fields {
            field.withUnsafeBufferPointer { f in
                let text = String(decoding: f, as: UTF8.self)
                switch (parseNumber(f), parseNumberGeneral(f)) {
                case (.value(let a), .value(let b)): XCTAssertEqual(a.bitPattern, b.bitPattern, text)
                case (.missing, .missing), (.notANumber, .notANumber): break
                case (let a, let b): XCTFail("'\(text)': \(a) vs \(b)")
                }
            }
        }
    }

    /// A short decimal read while the field's end is looked for (`shortDecimalField`) is exactly
    /// `parseShortDecimal` of the field up to the first comma: nil for the same fields, the same
    /// bits otherwise, and the field's end at the comma (or the end of the record).
    func testShortDecimalFieldEqualsShortDecimalOfTheField() {
        var random = XorShift(state: 0x9E37_79B9_7F4A_7C15)
        func next(_ bound: Int) -> Int { random.next(bound) }
        let alphabet = Array("0123456789012345678901234567890123456789..--++eEa ,,,\r\"".utf8)
        var records: [[UInt8]] = ["", ",", "1,2", "-,", "+", ".", "-.5,", "12345678901234567", "1234567890123456",
                                  "0.000000000000001,x", "-999999999999999.", "1.5\r"].map { Array($0.utf8) }
        for _ in 0..<200_000 {
            records.append((0..<(next(24))).map { _ in alphabet[next(alphabet.count)] })
        }
        var settled = 0
        for record in records {
            record.withUnsafeBufferPointer { r in
                let start = record.isEmpty ? 0 : next(min(3, record.count + 1))
                let comma = r[start...].firstIndex(of: 0x2C) ?? r.count
                let field = UnsafeBufferPointer(rebasing: r[start..<comma])
                let text = String(decoding: r, as: UTF8.self)
                switch (shortDecimalField(r, from: start, end: r.count), parseShortDecimal(field)) {
                case (nil, nil): break
                case (let fused?, let plain?):
                    XCTAssertEqual(fused.0.bitPattern, plain.bitPattern, "'\(text)' from \(start)")
                    XCTAssertEqual(fused.1, comma, "'\(text)' from \(start)")
                    settled += 1
                case (let fused, let plain): XCTFail("'\(text)' from \(start): \(String(describing: fused)) vs \(String(describing: plain))")
                }
            }
        }
        XCTAssertGreaterThan(settled, 10_000)
    }

    /// The form check that spares text cells a `strtod` call must agree with `strtod` reading the
    /// whole field, on every kind of field (letters of inf/nan, NaN payloads, blanks, stray bytes).
    func testNumberFormCheckAgreesWithStrtod() {
        var samples = ["inf", "-INF", "+Infinity", "infinit", "infinity ", "in", "nan", "NaN", "-nan", "nan()", "nan(abc_9)",
                       "NAN(a b)", "nan(", "nan(x", "nan)", "nan(é)", "\r5", "\n-3", "\u{0B}7", "\u{0C}.5", "5\n", "5\u{0}",
                       ".", "-.", "+", "-", "", "e5", ".e5", "1e", "1e+", "1e-5", "1.e5", ".5E+05", "0.", "00012",
                       "1,5", "1 5", "1..5", "--1", "+-1", "male", "female", "white", "asian", "acquisitive", "violent", "N/A",
                       "na", "Not stated", "i", "n", "ni", "nana", "infinityy", "1f", "1d", "1_000", "١٢", "½"]
        // Every short string over an alphabet that stresses the grammar.
        let alphabet: [Character] = ["1", ".", "e", "-", "n", "a", "i", "f", "(", ")", " ", "x"]
        var frontier = [""]
        for _ in 0..<4 {
            frontier = frontier.flatMap { s in alphabet.map { s + String($0) } }
            samples += frontier
        }
        for s in samples {
            let bytes = Array(s.utf8)
            let expected: Bool = {
                // The reading before the check existed: hexadecimal letters out, then strtod on a C string.
                if bytes.contains(where: { $0 == 0x78 || $0 == 0x58 || $0 == 0x70 || $0 == 0x50 }) || bytes.isEmpty { return false }
                return bytes.withUnsafeBufferPointer { field in
                    withUnsafeTemporaryAllocation(of: CChar.self, capacity: field.count + 1) { buffer in
                        for (k, b) in field.enumerated() { buffer[k] = CChar(bitPattern: b) }
                        buffer[field.count] = 0
                        var end: UnsafeMutablePointer<CChar>? = nil
                        _ = strtod(buffer.baseAddress!, &end)
                        return end! - buffer.baseAddress! == field.count
                    }
                }
            }()
            let actual = bytes.withUnsafeBufferPointer { field in
                !field.contains(where: { $0 == 0x78 || $0 == 0x58 || $0 == 0x70 || $0 == 0x50 }) && hasStrtodDecimalForm(field)
            }
            XCTAssertEqual(actual, expected, "\(s.debugDescription)")
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

    /// A column is text only when declared or when most of its non-missing cells are not numbers;
    /// one stray token in a numeric column is an error naming its line and column.
    func testStrayTokensInNumericColumnsAreErrors() throws {
        for (stray, line) in [("na", 4), ("0x1A", 4), ("\u{0}", 4), ("forty", 4)] {
            let text = "x,y\n1,a\n2,b\n\(stray),c\n4,d\n"
            XCTAssertThrowsError(try CSVReader.parse(text: text, file: "f.csv")) { e in
                XCTAssertEqual(e as? CohortDataError, .nonNumeric(file: "f.csv", line: line, column: "x", value: stray), stray)
            }
            // Declared text, the column is read as text.
            let t = try CSVReader.parse(text: text, file: "f.csv", options: CSVReadOptions(textColumns: ["x"]))
            if case .text(_, let levels) = try t.column("x").values { XCTAssertEqual(levels.count, 4) } else { XCTFail(stray) }
        }
        // The stray cell on the first data row (which used to decide the kind).
        XCTAssertThrowsError(try CSVReader.parse(text: "x\nN/A\n1\n2\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .nonNumeric(file: "f.csv", line: 2, column: "x", value: "N/A"))
        }
        // Mostly words: text, with the numbers as levels too.
        let words = try CSVReader.parse(text: "g\nmale\nfemale\n3\nmale\n", file: "f.csv")
        if case .text(_, let levels) = try words.column("g").values { XCTAssertEqual(levels, ["male", "female", "3"]) } else { XCTFail() }
        // Half and half is not "most": an error.
        XCTAssertThrowsError(try CSVReader.parse(text: "g\n1\nx\n", file: "f.csv"))
        // Missing cells do not count either way.
        let missing = try CSVReader.parse(text: "x\nNA\n\n1\n", file: "f.csv")
        if case .numeric = try missing.column("x").values {} else { XCTFail() }
    }

    /// A missing column never quotes the file's header (a plan may point at any file); a near miss
    /// is suggested.
    func testMissingColumnQuotesNoHeader() {
        XCTAssertThrowsError(try CSVReader.parse(text: "root:$6$secret:19000:0:99999:7:::\nx\n", file: "/etc/f",
                                                 options: CSVReadOptions(columns: ["id"]))) { e in
            let message = String(describing: e)
            XCTAssertFalse(message.contains("secret"), message)
            XCTAssertEqual(message, "/etc/f: no column named 'id' among the header's 1 columns; check the spelling and the file.")
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "id,treatment,age\n1,0,3\n", file: "c.csv",
                                                 options: CSVReadOptions(columns: ["treatmnt"]))) { e in
            XCTAssertEqual(String(describing: e), "c.csv: no column named 'treatmnt' among the header's 3 columns; did you mean 'treatment'?")
        }
        XCTAssertThrowsError(try CSVReader.parse(text: "ID,x\n1,0\n", file: "c.csv", options: CSVReadOptions(columns: ["id"]))) { e in
            XCTAssertTrue(String(describing: e).hasSuffix("did you mean 'ID'?"), "\(e)")
        }
    }

    func testCarriageReturnLineEndingsAreAccepted() throws {
        for terminator in ["\n", "\r\n", "\r"] {
            let text = ["id,x", "a,1", "\"b\",2", "", "c,3"].joined(separator: terminator) + terminator
            let t = try CSVReader.parse(text: text, file: "f.csv")
            XCTAssertEqual(t.rowCount, 3, terminator.debugDescription)
            XCTAssertEqual(try t.numeric("x"), [1, 2, 3], terminator.debugDescription)
            XCTAssertEqual(t.line(ofRow: 2), 5, terminator.debugDescription)
            XCTAssertEqual(try t.column("id").text(at: 1), "b")
        }
    }

    /// Ids `P\xe92` and `P\xe82` must not both become `P\u{FFFD}2` and join as one person.
    func testInvalidUTF8IsAnErrorWithLineAndByteOffset() throws {
        var bytes = Array("id,x\nP1,1\n".utf8)
        let start = bytes.count
        bytes += [0x50, 0xE9, 0x32] + Array(",2\n".utf8)
        let table = { () throws -> CohortTable in
            try bytes.withUnsafeBufferPointer { try CSVReader.parse($0, file: "f.csv", options: CSVReadOptions(identifierColumns: ["id"])) }
        }
        XCTAssertThrowsError(try table()) { e in
            XCTAssertEqual(e as? CohortDataError, .invalidUTF8(file: "f.csv", line: 3, column: "id", byteOffset: start + 1))
            XCTAssertEqual(String(describing: e), "f.csv, line 3, column 'id': byte \(start + 1) of the file is not valid UTF-8; save the file as UTF-8 (identifiers that differ only in such bytes would otherwise be read as the same).")
        }
        // Undeclared text columns and header names too; a BOM shifts nothing.
        let header: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("i".utf8) + [0xFF] + Array("d,x\n1,2\n".utf8)
        XCTAssertThrowsError(try header.withUnsafeBufferPointer { try CSVReader.parse($0, file: "f.csv", options: CSVReadOptions()) }) { e in
            XCTAssertEqual(e as? CohortDataError, .invalidUTF8(file: "f.csv", line: 1, column: "(header)", byteOffset: 4))
        }
        // Valid multi-byte text is fine; overlong forms and surrogates are not.
        XCTAssertEqual(try CSVReader.parse(text: "g\nZoë\n日本\n😀\n").column("g").text(at: 2), "😀")
        for invalid: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]] {
            XCTAssertEqual(invalid.withUnsafeBufferPointer { firstInvalidUTF8($0) }, 0, "\(invalid)")
        }
        XCTAssertNil(Array("aé€😀".utf8).withUnsafeBufferPointer { firstInvalidUTF8($0) })
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

/// Reading a mapped file while giving its pages back (`MappedFile.release`) changes nothing read.
final class MappedFileTests: XCTestCase {
    func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "counterfactual-mapped-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testReleasedPagesReadTheSameBytes() throws {
        var text = "id,x,label\n"
        for i in 0..<20_000 { text += "P\(i),\(Double(i) * 0.25),\"level \(i % 7)\"\n" }
        let path = try temporaryFile(text)
        let mapped = try XCTUnwrap(MappedFile(path: path))
        let before = Array(mapped.bytes)
        mapped.release(0..<mapped.bytes.count)
        XCTAssertEqual(Array(mapped.bytes), before)
        mapped.release(4_000..<100_001)
        XCTAssertEqual(Array(mapped.bytes), Array(text.utf8))
    }

    func testPiecesCoverTheFileAndTheTableIsUnchanged() throws {
        // Small pieces (4,096 bytes) so that the hashing reader, the record splitter and the parsing
        // blocks all give pages back many times; quoted and unquoted files.
        for quoted in [false, true] {
            var text = "id,x,group\n"
            for i in 0..<30_000 { text += "P\(i),\(Double(i % 977) / 8),\(quoted ? "\"g,\(i % 5)\"" : "g\(i % 5)")\n" }
            let path = try temporaryFile(text)
            final class Pieces: @unchecked Sendable { var bytes: [UInt8] = []; var count = 0 }
            let pieces = Pieces()
            let table = try CSVReader.read(path: path, options: CSVReadOptions(), alsoReading: { piece in
                pieces.bytes.append(contentsOf: piece)
                pieces.count += 1
            }, pieceSize: 4_096)
            XCTAssertEqual(pieces.bytes, Array(text.utf8), "quoted \(quoted)")
            XCTAssertGreaterThan(pieces.count, 100)
            let reference = try CSVReader.parse(text: text, file: path)
            XCTAssertEqual(table.rowCount, reference.rowCount)
            for name in ["id", "x", "group"] {
                XCTAssertEqual((0..<table.rowCount).map { try! table.column(name).text(at: $0) },
                               (0..<reference.rowCount).map { try! reference.column(name).text(at: $0) }, name)
            }
        }
    }
}

final class WideCSVTests: XCTestCase {
    /// A file with more columns than `withColumnBuffers` nests array initialisers for takes buffers
    /// of its own and copies them; either way each column holds the same values (here compared
    /// with the same columns read a few at a time), missing cells and text columns first guessed
    /// numeric (their first cell is missing) included.
    func testWideFileReadsAsNarrowOnes() throws {
        let width = maximumNestedColumnBuffers + 20
        var lines = [(0..<width).map { "c\($0)" }.joined(separator: ",")]
        for r in 0..<300 {
            lines.append((0..<width).map { c -> String in
                if (r + c) % 17 == 0 { return "" }                       // missing
                if c % 5 == 0 { return ["a", "b", "\"c,d\"", "\"q\"\"x\""][(r + c) % 4] }  // text (quoted, escaped)
                return String(Double(r * c) / 8)
            }.joined(separator: ","))
        }
        let text = lines.joined(separator: "\n") + "\n"
        let wide = try CSVReader.parse(text: text, file: "wide.csv")
        XCTAssertEqual(wide.columns.count, width)
        for first in stride(from: 0, to: width, by: 10) {
            let names = (first..<min(width, first + 10)).map { "c\($0)" }
            let narrow = try CSVReader.parse(text: text, file: "wide.csv", options: CSVReadOptions(columns: names))
            for name in names {
                let a = try wide.column(name), b = try narrow.column(name)
                XCTAssertEqual((0..<300).map { a.text(at: $0) }, (0..<300).map { b.text(at: $0) }, name)
                XCTAssertEqual(a.missingCount, b.missingCount, name)
                if case .numeric(let x) = a.values, case .numeric(let y) = b.values {
                    XCTAssertEqual(x.map(\.bitPattern), y.map(\.bitPattern), name)
                }
            }
        }
    }
}

/// Fields that no column reads are walked over without a call; they still count, so a ragged
/// record and an unterminated quote are errors whichever columns are read.
final class SkippedFieldTests: XCTestCase {
    func testRaggedRecordsAndQuotesInUnreadFieldsAreStillErrors() {
        let cases: [(String, String)] = [
            ("a,b,c,d\n1,2,3,4\n5,6,7\n", "too few fields"),
            ("a,b,c,d\n1,2,3,4\n5,6,7,8,9\n", "too many fields"),
            ("a,b,c,d\n1,2,3,4\n5,6,7,\"8,9\",10\n", "a quoted comma among too many fields"),
            ("a,b,c,d\n1,2,3,4\n5,6,\"7,8\n", "an unterminated quote in an unread field"),
            ("a,b,c,d\n1,2,3,4\n5,6,7,8,\n", "an empty field after the last"),
        ]
        for (text, label) in cases {
            for columns in [["a"], ["b"], ["a", "b"], ["d"]] {
                XCTAssertThrowsError(try CSVReader.parse(text: text, file: "x.csv", options: CSVReadOptions(columns: columns)),
                                     "\(label), reading \(columns)") { error in
                    let message = "\(error)"
                    XCTAssertTrue(message.contains("x.csv") && message.contains("3"), "\(label): \(message)")
                }
            }
        }
        // Unread quoted fields (with commas, doubled quotes and line breaks) do not disturb the others.
        let text = "a,b,c\n\"x,\"\"y\"\"\",1,\"p\nq\"\n\"\",2,z\n"
        XCTAssertEqual(try CSVReader.parse(text: text, file: "q.csv", options: CSVReadOptions(columns: ["b"])).column("b").text(at: 1), "2")
        XCTAssertEqual(try CSVReader.parse(text: text, file: "q.csv", options: CSVReadOptions(columns: ["b"])).rowCount, 2)
    }
}

/// The interner numbers levels in order of first appearance and tells apart strings that pack to
/// the same words (a trailing zero byte), short and long ones alike.
final class ByteInternerTests: XCTestCase {
    /// `ShortTextWords` finds an unquoted field's end (its first comma, or the record's end) when it
    /// comes within 16 bytes and 16 bytes are readable, whatever the buffer holds after the record
    /// (commas there are not the field's), and packs exactly the field's bytes as `ByteInterner`
    /// does; its tests agree with `isMissingText`, the UTF-8 check and `parseNumber`.
    func testShortTextWordsFindTheFieldAndPackItsBytes() {
        var random = XorShift(state: 0x51ED_2701_9A3C_44B1)
        let alphabet = Array("abcNAmale,,, \t\r\"0.5-iInx".utf8) + [0xC3, 0xA9]
        var cases: [(record: [UInt8], tail: [UInt8])] = [
            ("male", ",,,,,,,,,,,,,,,,"), ("NA", "aaaaaaaaaaaaaaaaaa"), ("", "xxxxxxxxxxxxxxxxx"), ("abcdefghijklmno", "p"),
            ("abcdefghijklmnop", ",,,,"), ("abcdefgh", ",xxxxxxxx"), ("abcdefg", "h,xxxxxxxxx"), (" male", "xxxxxxxxxxxxxxxx"),
        ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
        for _ in 0..<200_000 {
            let long = random.next(4) == 0
            cases.append(((0..<random.next(long ? 40 : 18)).map { _ in alphabet[random.next(alphabet.count)] },
                          (0..<random.next(20)).map { _ in alphabet[random.next(alphabet.count)] }))
        }
        var found = 0
        for (record, tail) in cases {
            let buffer = record + tail
            buffer.withUnsafeBufferPointer { b in
                let start = random.next(record.count + 1)
                let fieldEnd = record[start...].firstIndex(of: 0x2C) ?? record.count
                let field = UnsafeBufferPointer(rebasing: b[start..<fieldEnd])
                let text = String(decoding: record, as: UTF8.self) + " | " + String(decoding: tail, as: UTF8.self)
                let words = ShortTextWords(b, from: start, end: record.count)
                let expected = fieldEnd - start <= 15 && start + 16 <= buffer.count
                XCTAssertEqual(words != nil, expected, "'\(text)' from \(start)")
                guard let words else { return }
                found += 1
                XCTAssertEqual(words.count, fieldEnd - start, "'\(text)' from \(start)")
                let packed = ByteInterner.packed(field)
                XCTAssertEqual(words.low, packed.0, "'\(text)' from \(start)")
                XCTAssertEqual(words.high, packed.1, "'\(text)' from \(start)")
                XCTAssertEqual(words.isASCII, !field.contains { $0 >= 0x80 })
                if words.isASCII { XCTAssertNil(firstInvalidUTF8(field)) }
                let blankEnds = field.first.map { $0 == 0x20 || $0 == 0x09 } == true
                    || field.last.map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } == true
                XCTAssertEqual(words.isPlainlyPresent, !blankEnds && !isMissingText(field), "'\(text)' from \(start)")
                if words.beginsWithNonNumberLetter {
                    if case .notANumber = parseNumber(field) {} else { XCTFail("'\(text)' from \(start) is a number") }
                }
            }
        }
        XCTAssertGreaterThan(found, 50_000)
    }

    /// Categories read through packed words (`FieldUse.shortText`) are read exactly as the general
    /// walk reads them: the same table as the same file with every such cell quoted (a quoted cell
    /// never takes the packed path, and quotes change no cell without a quote, comma or line break
    /// inside), for columns declared as text and for undeclared ones whose numbers are counted
    /// (type detection), with missing cells, blanks, long and non-ASCII cells, and any thread count.
    func testPackedCategoriesReadAsTheGeneralWalk() throws {
        var random = XorShift(state: 0x6A09_E667_F3BC_C908)
        let levels = ["male", "female", "NA", "", " white", "black ", "asian\r", "mixed", "other", "caf\u{E9}",
                      "a-very-long-category-name", "exactly15bytes!", "exactly16bytes!!", "7", "1.5", "inf", "nan", "N",
                      "Infinity", "x"]
        for threads in [1, 3] {
            var plain = "id,a,b,c,x\n", quoted = plain
            for i in 0..<4_000 {
                let cells = (0..<3).map { _ in levels[random.next(random.next(3) == 0 ? levels.count : 6)] }
                let x = "\(i % 13).\(i % 7)"
                plain += "P\(i),\(cells.joined(separator: ",")),\(x)\n"
                quoted += "P\(i),\(cells.map { "\"\($0)\"" }.joined(separator: ",")),\(x)\n"
            }
            for options in [CSVReadOptions(threads: threads), CSVReadOptions(textColumns: ["a", "c"], threads: threads)] {
                let fromWords = try CSVReader.parse(text: plain, options: options)
                let general = try CSVReader.parse(text: quoted, options: options)
                XCTAssertEqual(fromWords.columns, general.columns, "threads \(threads)")
            }
        }
        // An undeclared column guessed as text (its first cell is a word) whose cells are mostly
        // numbers is an error either way: the packed path leaves its numbers to be counted.
        var plain = "id,a\nP0,male\n", quoted = "id,a\nP0,\"male\"\n"
        for i in 1..<3_000 {
            let cell = i % 3 == 0 ? "female" : i % 3 == 1 ? "7" : "2.5"
            plain += "P\(i),\(cell)\n"
            quoted += "P\(i),\"\(cell)\"\n"
        }
        for text in [plain, quoted] {
            XCTAssertThrowsError(try CSVReader.parse(text: text)) { error in
                XCTAssertEqual(error as? CohortDataError, .nonNumeric(file: "<memory>", line: 2, column: "a", value: "male"))
            }
        }
    }

    func testCodesEqualFirstAppearanceNumbering() {
        var random = XorShift(state: 0x0DDB_A11C_AFE5_EED5)
        let alphabet: [UInt8] = [0, 0x41, 0x42, 0x20, 0xC3, 0xA9, 0x7A]
        var interner = ByteInterner()
        var reference: [[UInt8]: Int32] = [:]
        for _ in 0..<60_000 {
            let length = random.next(3) == 0 ? random.next(40) : random.next(10)
            let bytes = (0..<length).map { _ in alphabet[random.next(random.next(2) == 0 ? 2 : alphabet.count)] }
            let expected = reference[bytes] ?? Int32(reference.count)
            if reference[bytes] == nil { reference[bytes] = expected }
            let code = bytes.withUnsafeBufferPointer { interner.code(for: $0) }
            XCTAssertEqual(code, expected, "\(bytes)")
            if code != expected { return }
        }
        XCTAssertEqual(interner.count, reference.count)
        for (bytes, code) in reference {
            XCTAssertEqual(interner.withLevelBytes(Int(code)) { Array($0) }, bytes)
        }
        XCTAssertGreaterThan(reference.count, 1_000, "the table grew through several rehashes")
    }
}

/// Marsaglia's xorshift64: reproducible test inputs.
private struct XorShift {
    var state: UInt64
    /// A number in 0..<bound.
    mutating func next(_ bound: Int) -> Int {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return Int(state % UInt64(bound))
    }
}
