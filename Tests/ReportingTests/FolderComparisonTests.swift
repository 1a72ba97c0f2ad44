import XCTest
@testable import Reporting

/// `FolderComparison` on text and CSV, without the CLI (the verdicts end to end are in
/// CLITests/VerifyAgainstTests).
final class FolderComparisonTests: XCTestCase {
    func testTextAndCSVComparison() {
        var state = FolderComparison.State(file: "report.md")
        FolderComparison.compareText("p = 0.05000000000000001, n = 12\n", "p = 0.05, n = 12\n", &state)
        XCTAssertNil(state.broken)
        XCTAssertEqual(state.largest?.first, "0.05000000000000001")
        state = FolderComparison.State(file: "report.md")
        FolderComparison.compareText("n = 12\nmet: yes\n", "n = 12\nmet: no\n", &state)
        XCTAssertEqual(state.broken, "differs at line 2: \"met: yes\" in the first, \"met: no\" in the second")
        XCTAssertEqual(FolderComparison.csvRecords(Array("a,\"b,\"\"c\"\"\"\r\n1,2\n".utf8)), [["a", "b,\"c\""], ["1", "2"]])
        XCTAssertEqual(FolderComparison.relativeDifference(0, 0), 0)
        XCTAssertEqual(FolderComparison.relativeDifference(-2, 2), 2)
        XCTAssertEqual(FolderComparison.relativeDifference(1, 1 + 0x1p-52), 0x1p-52 / (1 + 0x1p-52))
    }

    func testJSONIntegersMustBeEqualAndOtherNumbersClose() throws {
        func compare(_ x: String, _ y: String) throws -> FolderComparison.State {
            var state = FolderComparison.State(file: "x.json")
            FolderComparison.compareJSON(try JSONValue.parse(Array(x.utf8)), try JSONValue.parse(Array(y.utf8)), path: "", &state)
            return state
        }
        XCTAssertNil(try compare(#"{"a": [1, 0.1]}"#, #"{"a": [1, 0.10000000000000002]}"#).broken)
        // A double written as an integer by one run and with a fraction by the other is a number.
        XCTAssertNil(try compare(#"{"p": 1}"#, #"{"p": 0.9999999999999999}"#).broken)
        XCTAssertEqual(try compare(#"{"due_pence": 1000000000000}"#, #"{"due_pence": 1000000000001}"#).broken,
                       "differs at JSON path /due_pence: 1000000000000 in the first, 1000000000001 in the second")
        XCTAssertEqual(try compare(#"{"met": true}"#, #"{"met": false}"#).broken, "differs at JSON path /met: \"true\" in the first, \"false\" in the second")
        XCTAssertEqual(try compare(#"{"a": [1, 2]}"#, #"{"a": [1]}"#).broken, "differs at JSON path /a: 2 items in the first, 1 in the second")
        XCTAssertEqual(try compare(#"{"a": 1, "b": 2}"#, #"{"b": 2, "a": 1}"#).broken, "differs at JSON path /: members a, b in the first, b, a in the second")
        XCTAssertEqual(try compare(#"{"se": null}"#, #"{"se": 0.5}"#).broken, "differs at JSON path /se: null in the first, 0.5 in the second")
    }
}
