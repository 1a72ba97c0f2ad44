import XCTest
@testable import Matching

/// The pieces, by hand.
final class StrataTests: XCTestCase {
    func testExactNumberingFollowsTheFirstUnitsGroup() {
        // First unit is a control: cells are numbered by first appearance among controls.
        let keys = ["b", "a", "c", "a", "b", "d", "c"]
        let treated = [false, true, false, false, true, false, true]
        XCTAssertEqual(Strata.exactSubclasses(keys: keys, treated: treated), [1, 3, 2, 3, 1, nil, 2])
    }

    func testSubclassWeightsATTATCandATE() throws {
        let subclass: [Int?] = [1, 1, 1, 2, 2, nil]
        let treated = [true, false, false, true, false, false]
        XCTAssertEqual(try Strata.subclassWeights(subclass: subclass, treated: treated, estimand: .att),
                       [1, 0.5, 0.5, 1, 1, 0])
        XCTAssertEqual(try Strata.subclassWeights(subclass: subclass, treated: treated, estimand: .atc),
                       [2, 1, 1, 1, 1, 0])
        // ATE: subclass 1 has t = 1, c = 2 (treated 1 + 2/1, controls 1 + 1/2); subclass 2 both 1 + 1.
        XCTAssertEqual(try Strata.subclassWeights(subclass: subclass, treated: treated, estimand: .ate),
                       [3, 1.5, 1.5, 2, 2, 0])
        XCTAssertThrowsError(try Strata.subclassWeights(subclass: [nil, nil], treated: [true, false], estimand: .att))
    }

    func testScootMovesTheNearestUnit() throws {
        // Controls only in subclass 1 and 3; subclass 2 takes one from a neighbour.
        let sub = [1, 1, 2, 3, 3, 1, 2, 3]
        let treated = [false, false, true, false, false, true, true, true]
        let distance = [0.1, 0.2, 0.5, 0.8, 0.9, 0.15, 0.55, 0.85]
        let moved = try PropensitySubclassification.scoot(subclass: sub, treated: treated, distance: distance,
                                                          minimumPerGroup: 1)
        // score: u=1 count 2 -> (2-1)/(1-2) = -1; u=3 count 2 -> (2-1)/(3-2) = 1; total 0 -> from below:
        // the largest distance in subclass 1 among controls (0.2, row 2).
        XCTAssertEqual(moved, [1, 2, 2, 3, 3, 1, 2, 3])
        XCTAssertThrowsError(try PropensitySubclassification.scoot(
            subclass: [1, 2, 3], treated: [true, false, false], distance: [0, 1, 2], minimumPerGroup: 1))
    }
}
