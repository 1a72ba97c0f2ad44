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
            var out: [UInt8] = [0x41]
            appendDecimal(v, to: &out)
            XCTAssertEqual(out, [0x41] + Array(String(v).utf8), "\(v)")
        }
        var out: [UInt8] = []
        appendDecimal(42, to: &out)
        XCTAssertEqual(out, Array("42".utf8))
        for s in ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\r", "", "é,ü", "\"\""] {
            var bytes: [UInt8] = [0x2C]
            appendCSVField(s, to: &bytes)
            XCTAssertEqual(bytes, [0x2C] + Array(csvField(s).utf8), s)
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
