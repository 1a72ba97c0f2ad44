import XCTest
@testable import CohortData

/// Inputs found by fuzzing the CSV reader (`Scripts/fuzz`, CSVFuzzer). The same inputs are in the
/// fuzzer's seed corpus (`Fuzz/Corpus/CSVFuzzer/regression-*`), where LeakSanitizer also checks them.
final class CSVReaderFuzzRegressionTests: XCTestCase {
    /// `numeric` on a column read as text in a header-only file indexed row 0 of an empty column
    /// (index out of range). Minimised input: `Optional` with the column declared text.
    func testNumericOnEmptyTextColumn() throws {
        let t = try CSVReader.parse(text: "Optional", file: "f.csv", options: CSVReadOptions(textColumns: ["Optional"]))
        XCTAssertEqual(t.rowCount, 0)
        XCTAssertEqual(try t.numeric("Optional"), [])
        let ids = try CSVReader.parse(text: "id\n", file: "f.csv", options: CSVReadOptions(identifierColumns: ["id"]))
        XCTAssertEqual(try ids.numeric("id"), [])
    }

    /// A record with more fields than the header stopped the first pass after its buffers were
    /// allocated; they were never freed (LeakSanitizer). Minimised input: `a\u{8}b\n1,2\n`. The
    /// error itself was and is reported.
    func testRaggedRowAfterTheFirstPassStarted() {
        XCTAssertThrowsError(try CSVReader.parse(text: "a\u{8}b\n1,2\n", file: "f.csv")) { e in
            XCTAssertEqual(e as? CohortDataError, .raggedRow(file: "f.csv", line: 2, expected: 1, found: 2))
        }
    }
}
