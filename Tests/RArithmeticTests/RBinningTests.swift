import XCTest
@testable import RArithmetic

/// R's binning primitives on hand-worked values.
final class RBinningTests: XCTestCase {
    func testRBinning() {
        XCTAssertEqual(rQuantiles([4, 1, 3, 2], probabilities: [0, 0.5, 1.0 / 3, 1]), [1, 2.5, 2, 4])
        XCTAssertEqual(rFindInterval(2, breaks: [-.infinity, 1, 2, 3, .infinity]), 3)
        XCTAssertEqual(rFindInterval(0.5, breaks: [1, 2]), 0)
        XCTAssertEqual(rSignif(123456.7, digits: 5), 123460)
        XCTAssertEqual(rSignif(0.000123456, digits: 2), 0.00012)
        XCTAssertEqual(rSequence(from: 0, to: 1, count: 5), [0, 0.25, 0.5, 0.75, 1])
        XCTAssertEqual(rSequence(from: 0.25, to: 0.75, by: 0.25), [0.25, 0.5, 0.75])
        XCTAssertEqual(rSequence(from: 0.5, to: 0.5, by: 0.5), [0.5])
        XCTAssertEqual(rSequence(from: 1.0 / 3, to: 1 - 1.0 / 3, by: 1.0 / 3), [1.0 / 3, 2.0 / 3])
    }
}
