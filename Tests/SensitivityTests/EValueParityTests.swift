import XCTest
import TestSupport
@testable import Sensitivity

/// E-values against R `EValue` 4.1.4 (`evalues.RR`, `evalues.OR`, `evalues.HR`; fixture
/// `Tests/Fixtures/sensitivity/evalues.csv`). Tolerance 1e-12 relative; the choice of the
/// limit closer to 1 (and 1 when the interval contains 1) exactly.
final class EValueParityTests: XCTestCase {
    func testAgainstEValue() throws {
        let t = try FixtureTable(contentsOf: Fixtures.file("sensitivity/evalues.csv"))
        XCTAssertEqual(t.rows.count, 12)
        let lo = t.doubles("lo"), hi = t.doubles("hi"), rare = t.integers("rare")
        let rrLower = t.doubles("rr_lower"), rrUpper = t.doubles("rr_upper")
        let eLower = t.doubles("e_lower"), eUpper = t.doubles("e_upper")
        for (i, row) in t.rows.enumerated() {
            let scale: EValue.Scale
            switch row[1] {
            case "RR": scale = .riskRatio
            case "OR": scale = .oddsRatio(rareOutcome: rare[i] == 1)
            case "HR": scale = .hazardRatio(rareOutcome: rare[i] == 1)
            default: XCTFail(row[1]); continue
            }
            let e = try EValue(estimate: t.number(row, "est"), lower: lo[i], upper: hi[i], scale: scale)
            let what = row[0]
            XCTAssertLessThanOrEqual(relativeDifference(e.riskRatio, t.number(row, "rr_point")), 1e-12, what)
            XCTAssertLessThanOrEqual(relativeDifference(e.point, t.number(row, "e_point")), 1e-12, what)
            if let l = rrLower[i] { XCTAssertLessThanOrEqual(relativeDifference(e.lower!, l), 1e-12, what) }
            if let u = rrUpper[i] { XCTAssertLessThanOrEqual(relativeDifference(e.upper!, u), 1e-12, what) }
            // EValue reports the E-value of one limit only (the other NA).
            let expected = eLower[i] ?? eUpper[i]
            XCTAssertEqual(e.confidenceLimit == nil, expected == nil, what)
            if let x = expected, let y = e.confidenceLimit {
                XCTAssertLessThanOrEqual(relativeDifference(y, x), 1e-12, what)
            }
        }
    }

    /// Worked by hand: RR = 2 gives 2 + √2; RR = 1/2 the same; an interval (1.5, 3) gives
    /// E(1.5) = 1.5 + √0.75 = 2.3660...; a rate ratio is taken as it is.
    func testHandWorked() throws {
        let e = try EValue(estimate: 2, lower: 1.5, upper: 3, scale: .rateRatio)
        XCTAssertEqual(e.point, 2 + 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(e.confidenceLimit!, 1.5 + 0.75.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(try EValue(estimate: 0.5, scale: .rateRatio).point, 2 + 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(try EValue(estimate: 0.5, lower: 0.3, upper: 1.1, scale: .rateRatio).confidenceLimit, 1)
        XCTAssertEqual(try EValue(estimate: 4, scale: .oddsRatio(rareOutcome: false)).riskRatio, 2)
        XCTAssertThrowsError(try EValue(estimate: 2, lower: 2.5, upper: 3, scale: .riskRatio))
        XCTAssertThrowsError(try EValue(estimate: 0, scale: .riskRatio))
    }
}
