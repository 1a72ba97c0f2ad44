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

    /// Subclass weights (MatchIt's weights.subclass), worked by hand. Subclass 1: treated units 0, 1
    /// (outcomes 2, 4), controls 2, 3, 4 (outcomes 1, 0, 5); subclass 2: treated 5 (outcome 3),
    /// control 6 (outcome 7); unit 7 has no subclass and unit 8 weight 0, so neither counts.
    func testExactTotalsFromSubclasses() throws {
        let y: [Double] = [2, 4, 1, 0, 5, 3, 7, 100, 100]
        let t = [true, true, false, false, false, true, false, false, true]
        let s: [Int?] = [1, 1, 1, 1, 1, 2, 2, nil, 2]
        let w: [Double] = [1, 1, 0.5, 0.5, 0.5, 1, 1, 0, 0]
        // ATT: treated weigh 1 (events 2 + 4 + 3 = 9 over 3); controls weigh 2/3 in subclass 1
        // and 1/1 in subclass 2: events 2/3 x 6 + 7 = 11 over 2/3 x 3 + 1 = 3.
        let att = try ExactGroupTotals(outcome: y, treated: t, subclass: s, weights: w, focal: .treated)
        XCTAssertEqual(att.treatedEvents, 9)
        XCTAssertEqual(att.treatedWeight, 3)
        XCTAssertEqual(att.comparisonEvents, 11)
        XCTAssertEqual(att.comparisonWeight, 3)
        // ATC: controls weigh 1 (events 13 over 4); treated 3/2 in subclass 1, 1 in subclass 2:
        // events 3/2 x 6 + 3 = 12 over 3/2 x 2 + 1 = 4.
        let atc = try ExactGroupTotals(outcome: y, treated: t, subclass: s, weights: w, focal: .control)
        XCTAssertEqual(atc.comparisonEvents, 13)
        XCTAssertEqual(atc.comparisonWeight, 4)
        XCTAssertEqual(atc.treatedEvents, 12)
        XCTAssertEqual(atc.treatedWeight, 4)
        // ATE: subclass 1 has 5 members: treated 5/2, controls 5/3; subclass 2: both 2.
        let ate = try ExactGroupTotals(outcome: y, treated: t, subclass: s, weights: w, focal: .none)
        XCTAssertEqual(ate.treatedEvents, ExactRational(numerator: 5, denominator: 2) * 6 + 2 * 3)
        XCTAssertEqual(ate.treatedWeight, 7)
        XCTAssertEqual(ate.comparisonEvents, ExactRational(numerator: 5, denominator: 3) * 6 + 2 * 7)
        XCTAssertEqual(ate.comparisonWeight, 7)
        // A weighted subclass without controls is refused, not silently dropped.
        XCTAssertThrowsError(try ExactGroupTotals(outcome: [1, 2], treated: [true, false], subclass: [1, 2],
                                                  weights: [1, 1], focal: .treated))
    }

    /// Real-number weights are taken at their exact binary values: 0.1 is not 1/10.
    func testExactTotalsFromRealWeights() throws {
        let totals = try ExactGroupTotals(outcome: [1, 3, 2, 0], treated: [true, true, false, false],
                                          realWeights: [1, 0.5, 0.1, 0])
        XCTAssertEqual(totals.treatedEvents, ExactRational(numerator: 5, denominator: 2))
        XCTAssertEqual(totals.treatedWeight, ExactRational(numerator: 3, denominator: 2))
        XCTAssertEqual(totals.comparisonEvents, 2 * ExactRational(exactly: 0.1)!)
        XCTAssertNotEqual(totals.comparisonWeight, ExactRational(numerator: 1, denominator: 10))
        XCTAssertEqual(totals.comparisonWeight, ExactRational(exactly: 0.1)!)
        XCTAssertThrowsError(try ExactGroupTotals(outcome: [1, 2], treated: [true, false], realWeights: [1, -0.5]))
        XCTAssertThrowsError(try ExactGroupTotals(outcome: [.infinity, 2], treated: [true, false], realWeights: [1, 1]))
    }
}
