import XCTest
import TestSupport
@testable import Outcomes

/// Welch t test (`t.test`), two-sample proportion test (`prop.test`, continuity-corrected) and the
/// weighted z test (`coeftest(lm, vcov. = vcovHC(lm, "HC0"), df = Inf)`) against R.
/// Tolerance: 1e-10 relative on every number.
final class TwoSampleTestsTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    func testWelchMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("welch")
            for row in expected.rows {
                let outcome = row[0]
                let test = try WelchTest(try design.sample(outcome))
                let label = "\(name) \(outcome)"
                let pairs: [(Double, String)] = [
                    (test.treatedMean, "mean_treated"), (test.comparisonMean, "mean_comparison"),
                    (test.statistic, "statistic"), (test.degreesOfFreedom, "df"), (test.pValue, "p_value"),
                    (test.lower, "ci_lower"), (test.upper, "ci_upper"), (test.standardError, "std_error"),
                ]
                for (got, column) in pairs {
                    assertClose(got, value(expected, row, column), 1e-10, "welch.\(column) [\(label)]", log: Self.log)
                }
            }
        }
    }

    func testProportionTestMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("prop_test")
            let row = expected.rows[0]
            let test = try ProportionTest(try design.sample("employed"))
            XCTAssertEqual(Double(test.treatedSuccesses), value(expected, row, "successes_treated"))
            XCTAssertEqual(Double(test.comparisonSuccesses), value(expected, row, "successes_comparison"))
            XCTAssertEqual(Double(test.treatedUnits), value(expected, row, "n_treated"))
            XCTAssertEqual(Double(test.comparisonUnits), value(expected, row, "n_comparison"))
            let pairs: [(Double, String)] = [
                (test.treatedProportion, "prop_treated"), (test.comparisonProportion, "prop_comparison"),
                (test.statistic, "statistic"), (test.degreesOfFreedom, "df"), (test.pValue, "p_value"),
                (test.lower, "ci_lower"), (test.upper, "ci_upper"),
            ]
            for (got, column) in pairs {
                assertClose(got, value(expected, row, column), 1e-10, "prop_test.\(column) [\(name)]", log: Self.log)
            }
        }
    }

    func testWeightedZTestMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("ztest")
            let rates = try design.table("rates")
            for row in expected.rows {
                let outcome = row[0]
                let test = try WeightedZTest(try design.sample(outcome))
                // The difference (and z) is exactly 0 for `employed` in the 2:1 match, where R's lm
                // prints rounding noise: compare it on the scale of the comparison mean (and of 1).
                let comparisonMean = value(rates, rows(rates, where: ["outcome": outcome])[0], "comparison_mean")
                let pairs: [(Double, String, Double)] = [
                    (test.difference, "difference", abs(comparisonMean)), (test.standardError, "std_error", 0),
                    (test.statistic, "statistic", 1), (test.pValue, "p_value", 0), (test.lower, "ci_lower", 0),
                    (test.upper, "ci_upper", 0),
                ]
                for (got, column, scale) in pairs {
                    assertClose(got, value(expected, row, column), 1e-10, "ztest.\(column) [\(name) \(outcome)]",
                                log: Self.log, scale: scale)
                }
            }
        }
    }

    /// Hand-computed cases (tolerance 1e-12).
    func testClosedForms() throws {
        // Welch with equal sizes and variances reduces to the pooled t: x = 1,2,3 vs 4,5,6.
        let s = try MatchedSample(outcome: [1, 2, 3, 4, 5, 6], treated: [true, true, true, false, false, false],
                                  weights: [1, 1, 1, 1, 1, 1])
        let welch = try WelchTest(s)
        XCTAssertEqual(welch.difference, -3, accuracy: 1e-12)
        XCTAssertEqual(welch.standardError, (2.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(welch.degreesOfFreedom, 4, accuracy: 1e-12)
        // Weighted z: Var = Σ w²(y − m)²/(Σw)² per group.
        let w = try MatchedSample(outcome: [1, 3, 2, 6], treated: [true, true, false, false], weights: [1, 3, 2, 2])
        let z = try WeightedZTest(w)
        let mT = 2.5, mC = 4.0
        let v: Double = 4.5 / 16 + 32.0 / 16   // (1·2.25 + 9·0.25)/4² + (4·4 + 4·4)/4²
        XCTAssertEqual(z.difference, mT - mC, accuracy: 1e-12)
        XCTAssertEqual(z.standardError, v.squareRoot(), accuracy: 1e-12)
        // prop.test: 2x2 table 8/10 vs 3/10; Yates-corrected X² by hand.
        let y = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0].map(Double.init)
        let arm = (0..<20).map { $0 < 10 }
        let p = try ProportionTest(try MatchedSample(outcome: y, treated: arm, weights: Array(repeating: 1, count: 20)))
        let e1 = 5.5, e0 = 4.5
        let x2 = 2 * ((2.5 - 0.5) * (2.5 - 0.5) / e1 + (2.5 - 0.5) * (2.5 - 0.5) / e0)
        XCTAssertEqual(p.statistic, x2, accuracy: 1e-12)
    }

    func testErrors() throws {
        let one = try MatchedSample(outcome: [1, 2, 3], treated: [true, false, false], weights: [1, 1, 1])
        XCTAssertThrowsError(try WelchTest(one)) { XCTAssertEqual($0 as? OutcomesError, .tooFewUnits(.treated, needed: 2, found: 1)) }
        let constant = try MatchedSample(outcome: [2, 2, 2, 2], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try WelchTest(constant)) { guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try WeightedZTest(constant)) { guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") } }
        let notBinary = try MatchedSample(outcome: [0, 1, 2, 0], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try ProportionTest(notBinary)) { XCTAssertEqual($0 as? OutcomesError, .notBinary(unit: 2, value: 2)) }
        let allZero = try MatchedSample(outcome: [0, 0, 0, 0], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try ProportionTest(allZero)) { guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") } }
        let empty = try MatchedSample(outcome: [0, 1], treated: [true, true], weights: [1, 1])
        XCTAssertThrowsError(try ProportionTest(empty)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
        XCTAssertThrowsError(try WeightedZTest(empty)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
    }
}
