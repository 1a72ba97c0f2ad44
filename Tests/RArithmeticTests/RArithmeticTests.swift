import TestSupport
import XCTest
@testable import RArithmetic

/// `rSum`, `rMean` and `rStandardDeviation` against R 4.2's `sum`, `mean` and `sd`
/// (Tests/Fixtures/rarithmetic, written by Scripts/make-rarithmetic-fixtures.R). On x86-64, where R
/// accumulates in 80-bit long double as we do, the results must be identical to the last bit;
/// elsewhere within 1e-12 relative.
final class RArithmeticTests: XCTestCase {
    func vectors() throws -> [String: [Double]] {
        let table = try FixtureTable(contentsOf: Fixtures.file("rarithmetic/vectors.csv"))
        var out: [String: [Double]] = [:]
        for (name, x) in zip(table.strings("vector"), table.doubles("x")) { out[name, default: []].append(x!) }
        return out
    }

    func testMatchesRBitForBit() throws {
        let vectors = try vectors()
        let results = try FixtureTable(contentsOf: Fixtures.file("rarithmetic/results.csv"))
        XCTAssertEqual(results.rows.count, 7)
        for row in results.rows {
            let name = row[results.index(of: "vector")]
            let x = try XCTUnwrap(vectors[name], name)
            XCTAssertEqual(x.count, Int(results.number(row, "n")), "\(name): fixture length")
            let expected = [results.number(row, "sum"), results.number(row, "mean"), results.number(row, "sd")]
            let actual = [rSum(x), rMean(x), rStandardDeviation(x)]
            for (label, (a, e)) in zip(["sum", "mean", "sd"], zip(actual, expected)) {
                #if arch(x86_64)
                XCTAssertEqual(a.bitPattern, e.bitPattern, "\(name) \(label): \(a) vs R \(e)")
                #else
                XCTAssertLessThanOrEqual(relativeDifference(a, e), 1e-12, "\(name) \(label)")
                #endif
            }
        }
    }

    /// Closed forms that plain double arithmetic gets wrong.
    func testExtendedPrecisionClosedForms() {
        #if arch(x86_64)
        XCTAssertEqual(rSum([1e16, 1, 1, -1e16]), 2)      // double summation gives 0
        XCTAssertEqual(rStandardDeviation(Array(repeating: 0.1, count: 10)), 0)
        #endif
        XCTAssertEqual(rSum([Double]()), 0)
        XCTAssertTrue(rStandardDeviation([1]).isNaN)       // R: sd(1) is NA
        XCTAssertEqual(rMean([2, 4, 9]), 5)
        XCTAssertEqual(rStandardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), (32.0 / 7).squareRoot())
    }
}
