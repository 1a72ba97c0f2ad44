import XCTest
@testable import Contracts
import PaymentRules

/// The payment rule's inputs built from an evaluation: exact matched totals and the pooled test.
final class PaymentInputsTests: XCTestCase {
    /// Matching with replacement, 1:2 then 1:1: focal (treated) units 0 and 1; unit 2 joins the
    /// first set (weight 1/2), unit 3 both (1/2 + 1 = 3/2), unit 4 none. Outcomes 1, 2 | 4, 3, 9:
    /// treated 3 events over weight 2; comparison 4 x 1/2 + 3 x 3/2 = 13/2 over weight 2.
    func testExactTotalsFromMatchedSets() throws {
        let totals = try ExactGroupTotals(outcome: [1, 2, 4, 3, 9], treated: [true, true, false, false, false],
                                          focalUnits: [0, 1], matches: [[2, 3], [3]])
        XCTAssertEqual(totals.treatedEvents, 3)
        XCTAssertEqual(totals.treatedWeight, 2)
        XCTAssertEqual(totals.comparisonEvents, ExactRational(numerator: 13, denominator: 2))
        XCTAssertEqual(totals.comparisonWeight, 2)
        // The same means as the normalised double weights (treated 1, 1; controls 1/2, 3/2 scaled
        // to sum to 2: 0.5, 1.5): (4 x 0.5 + 3 x 1.5) / 2 = 3.25.
        XCTAssertEqual(Double(totals.comparisonEvents / totals.comparisonWeight), 3.25)
        // An unmatched focal unit counts in neither group; ATC swaps the groups.
        let atc = try ExactGroupTotals(outcome: [5, 1, 2, 7], treated: [false, false, true, true],
                                       focalUnits: [0, 1], matches: [[2, 3], []])
        XCTAssertEqual(atc.comparisonEvents, 5)
        XCTAssertEqual(atc.comparisonWeight, 1)
        XCTAssertEqual(atc.treatedEvents, ExactRational(numerator: 9, denominator: 2))
        XCTAssertEqual(atc.treatedWeight, 1)
        XCTAssertThrowsError(try ExactGroupTotals(outcome: [.nan, 1], treated: [true, false], focalUnits: [0], matches: [[1]]))
    }
}
