import XCTest
@testable import Balance

/// The JDL standardised difference, worked by hand.
final class StandardisedDifferenceTests: XCTestCase {
    func testPooledStandardisedDifferenceAndGrades() {
        // x: treated 1, 2, 3 (mean 2, variance 1); controls 2, 4, 6 (mean 4, variance 4), and a
        // control weighted 0 (left out after matching only).
        let x: [Double] = [1, 2, 3, 2, 4, 6, 100]
        let treated = [true, true, true, false, false, false, false]
        let weights: [Double] = [1, 1, 1, 1, 1, 1, 0]
        let table = StandardisedDifference.table(covariates: [BalanceCovariate(name: "x", values: x)],
                                                 treated: treated, weights: weights)
        // After: 100 (2 - 4) / sqrt((1 + 4)/2).
        XCTAssertEqual(table[0].after!, 100 * -2 / (2.5).squareRoot(), accuracy: 1e-12)
        // Before: controls 2, 4, 6, 100: mean 28, variance (26² + 24² + 22² + 72²)/3.
        let squares: Double = 26 * 26 + 24 * 24 + 22 * 22 + 72 * 72
        let v: Double = squares / 3
        let expected: Double = -2600 / ((1 + v) / 2).squareRoot()
        XCTAssertEqual(table[0].before!, expected, accuracy: 1e-10)
        XCTAssertEqual(table[0].grade, .poor)
        // A 0/1 column uses p(1 - p).
        let b = StandardisedDifference.table(covariates: [BalanceCovariate(name: "b", values: [1, 0, 1, 1, 0, 1, 0])],
                                             treated: treated, weights: weights)
        // Treated 1, 0, 1 and controls 1, 0, 1 (the zero-weight control left out): equal shares.
        XCTAssertEqual(b[0].after!, 0, accuracy: 1e-12)
        XCTAssertEqual(b[0].grade, .good)
        XCTAssertEqual(StandardisedDifference.Grade(4.999), .good)
        XCTAssertEqual(StandardisedDifference.Grade(-5), .reasonable)
        XCTAssertEqual(StandardisedDifference.Grade(9.99), .reasonable)
        XCTAssertEqual(StandardisedDifference.Grade(10), .poor)
        XCTAssertEqual(StandardisedDifference.Grade(nil), .poor)
        // Constant and equal in both groups: no difference to standardise, graded good.
        let c = StandardisedDifference.table(covariates: [BalanceCovariate(name: "c", values: [3, 3, 3, 3, 3, 3, 3])],
                                             treated: treated, weights: weights)
        XCTAssertNil(c[0].after)
        XCTAssertEqual(c[0].grade, .good)
    }
}
