import XCTest
import Foundation
@testable import Outcomes

/// The Justice Data Lab wording, worked by hand for each branch.
final class JusticeDataLabStatementTests: XCTestCase {
    func statement(treated: Double = 130, comparison: Double = 155, _ lower: Double, _ upper: Double, significant: Bool,
                   level: Double = 0.95, followUp: Int = 12, lag: Int = 6,
                   measure: String = "reconviction events") throws -> JusticeDataLabStatement {
        try JusticeDataLabStatement(treatedPer100: treated, comparisonPer100: comparison, reductionLower: lower,
                                    reductionUpper: upper, isSignificant: significant, confidenceLevel: level,
                                    followUpMonths: followUp, courtLagMonths: lag, measure: measure)
    }

    /// Not significant: reduction interval (−0.3%, 20%) with 155 per 100 in the comparison group
    /// is 155 × (−0.003) = −0.465 (0.465 more, shown 0.5) to 155 × 0.2 = 31 fewer.
    func testNotSignificant() throws {
        let s = try statement(-0.003, 0.2, significant: false)
        XCTAssertEqual(s.fewerPer100Lower, -0.465, accuracy: 1e-13)
        XCTAssertEqual(s.fewerPer100Upper, 31, accuracy: 1e-13)
        XCTAssertEqual(s.interval, "could be lower by as many as 31 or higher by as many as 0.5 per 100")
        XCTAssertEqual(s.text, "For every 100 people in the treatment group, there were 130 reconviction events within 12 months of "
                       + "release (proven by the end of a further 6 months), compared with 155 for every 100 similar people in the "
                       + "comparison group. The difference is not statistically significant: with 95% confidence, the number of "
                       + "reconviction events could be lower by as many as 31 or higher by as many as 0.5 per 100 people.")
        // Mostly an increase: 155 × (−0.1) = −15.5 (16 more) to 155 × 0.002 = 0.31 (0.3 fewer).
        XCTAssertEqual(try statement(-0.1, 0.002, significant: false).interval,
                       "could be lower by as many as 0.3 or higher by as many as 16 per 100")
    }

    /// Significant reduction: (0.65%, 20%) of 155 is 1.0075 to 31 fewer.
    func testSignificantReduction() throws {
        let s = try statement(0.0065, 0.2, significant: true)
        XCTAssertEqual(s.interval, "between 1 and 31 fewer per 100")
        XCTAssertTrue(s.text.hasSuffix("This is a statistically significant reduction: with 95% confidence, the number of "
                                       + "reconviction events is between 1 and 31 fewer per 100 people."), s.text)
        // A bound that rounds to 0 keeps one decimal: 155 × 0.002 = 0.31.
        XCTAssertEqual(try statement(0.002, 0.2, significant: true).interval, "between 0.3 and 31 fewer per 100")
    }

    /// Significant increase (a harmful result): (−28%, −2%) of 100 per 100 is 28 to 2 more, shown
    /// smaller first; the confidence level, follow-up and measure come from the inputs.
    func testSignificantIncrease() throws {
        let s = try statement(treated: 115, comparison: 100, -0.28, -0.02, significant: true, level: 0.9, followUp: 24, lag: 0,
                              measure: "people proven to reoffend")
        XCTAssertEqual(s.interval, "between 2 and 28 more per 100")
        XCTAssertEqual(s.text, "For every 100 people in the treatment group, there were 115 people proven to reoffend within 24 "
                       + "months of release, compared with 100 for every 100 similar people in the comparison group. This is a "
                       + "statistically significant increase: with 90% confidence, the number of people proven to reoffend is "
                       + "between 2 and 28 more per 100 people.")
    }

    /// The statement of a test shows the test's interval: fewer per 100 = comparison per 100 ×
    /// (1 − RR) at each bound, and the test's confidence level.
    func testSameIntervalAsTheTable() throws {
        let test = try LogRatioWaldTest(logRatio: Foundation.log(0.84), standardError: 0.08, significanceLevel: 0.05)
        let s = try JusticeDataLabStatement(treatedPer100: 130.2, comparisonPer100: 155, test: test, followUpMonths: 1,
                                            courtLagMonths: 1, measure: "reconviction events")
        XCTAssertEqual(s.fewerPer100Lower, 155 * test.reductionLower)
        XCTAssertEqual(s.fewerPer100Upper, 155 * test.reductionUpper)
        XCTAssertEqual(s.isSignificant, test.isSignificant)
        XCTAssertTrue(test.isSignificant)   // z = log(0.84)/0.08 = −2.18
        // 1 − exp(log 0.84 ± 1.96·0.08): 1.74% to 28.2%, i.e. 2.7 to 43.7 fewer per 100.
        XCTAssertEqual(s.interval, "between 3 and 44 fewer per 100")
        XCTAssertTrue(s.text.contains("within 1 month of release (proven by the end of a further 1 month)"), s.text)
        XCTAssertTrue(s.text.contains("with 95% confidence"), s.text)
    }

    func testNumbersAndPercentages() {
        XCTAssertEqual(JusticeDataLabStatement.number(0.47), "0.5")
        XCTAssertEqual(JusticeDataLabStatement.number(0.04), "0.0")
        XCTAssertEqual(JusticeDataLabStatement.number(0.5), "1")
        XCTAssertEqual(JusticeDataLabStatement.number(12.5), "13")
        XCTAssertEqual(JusticeDataLabStatement.number(142.49), "142")
        XCTAssertEqual(JusticeDataLabStatement.number(-0.3), "-0.3")
        XCTAssertEqual(JusticeDataLabStatement.percent(0.95), "95%")
        XCTAssertEqual(JusticeDataLabStatement.percent(0.9), "90%")
        XCTAssertEqual(JusticeDataLabStatement.percent(0.975), "97.5%")
        XCTAssertEqual(JusticeDataLabStatement.percent(0.999), "99.9%")
        XCTAssertEqual(JusticeDataLabStatement.percent(1 - 0.05), "95%")
    }

    /// Inputs that contradict each other are refused, never worded.
    func testInconsistentInputs() {
        for (lower, upper, significant) in [(-0.01, 0.2, true), (0.01, 0.2, false), (-0.2, -0.01, false), (0.2, 0.1, false)] {
            XCTAssertThrowsError(try statement(lower, upper, significant: significant), "\(lower) \(upper) \(significant)") {
                guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
            }
        }
        XCTAssertThrowsError(try statement(comparison: 0, -0.01, 0.2, significant: false))
        XCTAssertThrowsError(try statement(-0.01, 0.2, significant: false, level: 95))
        XCTAssertThrowsError(try statement(-0.01, 0.2, significant: false, followUp: 0))
        XCTAssertThrowsError(try statement(-0.01, 0.2, significant: false, measure: ""))
    }
}
