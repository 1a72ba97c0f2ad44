import XCTest
@testable import Reporting

final class ReportingTests: XCTestCase {
    func testJSONKeepsKeyOrderAndRoundTripsNumbers() throws {
        let value: JSONValue = .object([
            ("z", .int(1)), ("a", .number(0.1)), ("third", .number(1.0 / 3)), ("big", .number(1e300)),
            ("whole", .number(185)), ("nan", .number(.nan)), ("none", .null),
            ("text", .string("quote \" backslash \\ newline \n tab \t bell \u{7}")),
            ("list", .array([.bool(true), .bool(false)])),
        ])
        let text = value.serialized()
        XCTAssertTrue(text.hasPrefix("{\n  \"z\": 1,\n  \"a\": 0.1,\n"), text)
        XCTAssertTrue(text.contains("\"third\": 0.3333333333333333,"))
        XCTAssertTrue(text.contains("\"whole\": 185,"))
        XCTAssertTrue(text.contains("\"nan\": null,"))
        XCTAssertTrue(text.contains("\\\" backslash \\\\ newline \\n tab \\t bell \\u0007"))
        // Parses as JSON, and every double reads back bit for bit.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        XCTAssertEqual((parsed["third"] as! Double).bitPattern, (1.0 / 3).bitPattern)
        XCTAssertEqual(parsed["big"] as! Double, 1e300)
        XCTAssertEqual(parsed["list"] as! [Bool], [true, false])
    }
}
