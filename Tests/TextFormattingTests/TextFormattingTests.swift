import XCTest
import TextFormatting

final class TextFormattingTests: XCTestCase {
    func testFixedFormatting() {
        XCTAssertEqual(formatFixed(0.12345, decimals: 4), "0.1235")
        XCTAssertEqual(formatFixed(-0.00004, decimals: 4), "0.0000")
        XCTAssertEqual(formatFixed(-1.5, decimals: 2), "-1.50")
        XCTAssertEqual(formatFixed(12345.678, decimals: 0), "12346")
        XCTAssertEqual(formatFixed(.nan, decimals: 2), "NA")
        XCTAssertEqual(fixed(nil), ".")
        XCTAssertEqual(fixed(.infinity), ".")
        XCTAssertEqual(fixed(2.5, decimals: 1), "2.5")
    }

    /// The byte forms used for matches.csv are exactly the bytes of `String(n)` and `csvField`.
    func testByteFormsEqualStringForms() {
        var values: [Int64] = [0, 1, 9, 10, 11, 99, 100, 12345, 999_999_999_999_999, -1, -9, -10, -12345, .max, .min]
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<1000 { values.append(Int64.random(in: .min ... .max, using: &rng) >> Int64.random(in: 0...62, using: &rng)) }
        for v in values {
            var out = ByteWriter(capacity: 1)
            out.append(0x41)
            out.appendDecimal(v)
            XCTAssertEqual(out.takeWritten().withUnsafeBytes { Array($0) }, [0x41] + Array(String(v).utf8), "\(v)")
        }
        var out = ByteWriter()
        out.appendDecimal(42)
        out.append(",literal")
        XCTAssertEqual(out.takeWritten().withUnsafeBytes { Array($0) }, Array("42,literal".utf8))
        for s in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", "é,ü", "\"\""] {
            var bytes = ByteWriter(capacity: 1)
            bytes.append(0x2C)
            bytes.appendCSVField(s)
            XCTAssertEqual(bytes.takeWritten().withUnsafeBytes { Array($0) }, [0x2C] + Array(csvField(s).utf8), s)
        }
    }

    /// A writer that grows many times, from every kind of append, keeps every byte in order.
    func testByteWriterGrowsWithoutLosingBytes() {
        var out = ByteWriter(capacity: 1)
        var expected: [UInt8] = []
        for i in 0..<5_000 {
            switch i % 4 {
            case 0: out.append(UInt8(truncatingIfNeeded: i)); expected.append(UInt8(truncatingIfNeeded: i))
            case 1: out.appendDecimal(Int64(i) * 1_000_003); expected += Array(String(Int64(i) * 1_000_003).utf8)
            case 2: out.appendShortest(Double(i) / 7); expected += Array((Double(i) / 7).description.utf8)
            default: out.appendCSVField("a,\"\(i)\""); expected += Array(csvField("a,\"\(i)\"").utf8)
            }
        }
        XCTAssertEqual(out.count, expected.count)
        XCTAssertEqual(out.takeWritten().withUnsafeBytes { Array($0) }, expected)
        ByteWriter(capacity: 0).free()
    }

    /// `ByteWriter.appendShortest` appends exactly the bytes of `description`, for special values and for
    /// doubles of every magnitude (random bit patterns cover exponents and subnormals).
    func testShortestEqualsDescription() {
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e-5, 1e15, 1e16, 123456789012345678, 5e-324, -5e-324,
                                .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                .infinity, -.infinity, .nan, -1.9937574217934422, 2.0 / 3]
        var state: UInt64 = 12_345
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Double(bitPattern: state))
            values.append(Double(Int64(bitPattern: state) >> 40) / 1_000)
        }
        for x in values {
            var out = ByteWriter(capacity: 1)
            out.append(0x2C)
            out.appendShortest(x)
            XCTAssertEqual(out.takeWritten().withUnsafeBytes { Array($0) }, [0x2C] + Array(x.description.utf8), "\(x)")
        }
    }

    func testCSVFieldQuoting() {
        XCTAssertEqual(csvField("plain"), "plain")
        XCTAssertEqual(csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(csvField("say \"hi\""), "\"say \"\"hi\"\"\"")
    }

    func testTextTableAlignsColumns() {
        let t = TextTable(header: ["Name", "Value"], rows: [["a", "1.00"], ["longer", "10.00"]]).render()
        XCTAssertEqual(t, "Name    Value\n-------------\na        1.00\nlonger  10.00\n")
        // Text columns named in leftAligned are left-aligned; numbers stay right-aligned.
        let mixed = TextTable(header: ["Name", "Route", "Due"], rows: [["a", "own", "£1.00"], ["b", "catch-up", "£10.00"]],
                              leftAligned: [1]).render()
        XCTAssertEqual(mixed, "Name  Route        Due\n----------------------\na     own        £1.00\nb     catch-up  £10.00\n")
    }

    func testGroupedThousands() {
        XCTAssertEqual(grouped(0), "0")
        XCTAssertEqual(grouped(940), "940")
        XCTAssertEqual(grouped(1013), "1,013")
        XCTAssertEqual(grouped(-1234567), "-1,234,567")
        XCTAssertEqual(grouped(Int.min), "-9,223,372,036,854,775,808")
    }

    func testPercentLevelAndCoefficient() {
        XCTAssertEqual(percent(0.1204), "12.0%")
        XCTAssertEqual(percent(nil), ".")
        XCTAssertEqual(formatLevel(0.95), "95")
        XCTAssertEqual(formatLevel(0.9), "90")
        XCTAssertEqual(formatLevel(0.975), "97.5")
        XCTAssertEqual(formatLevel(0.999), "99.9")
        XCTAssertEqual(formatCoefficient(-1.663284), "-1.66328")
        XCTAssertEqual(formatCoefficient(-0.0000717774), "-0.000071777")
        XCTAssertEqual(formatCoefficient(.nan), ".")
        XCTAssertEqual(months(1), "1 month")
        XCTAssertEqual(months(12), "12 months")
    }

    func testPlainTableTrimsAndAllowsRaggedRows() {
        let t = TextTable.plain([["Payer", "Share", "Amount"], ["A", "3/5", "£6.00"], ["Total", "1"]])
        XCTAssertEqual(t, "Payer  Share  Amount\nA        3/5   £6.00\nTotal      1\n")
        XCTAssertEqual(TextTable.plain([]), "")
    }

    func testCSVFieldQuotesLineBreaks() {
        XCTAssertEqual(csvField("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(csvField("cr\r"), "\"cr\r\"")
        XCTAssertEqual(csvField(""), "")
    }
}
