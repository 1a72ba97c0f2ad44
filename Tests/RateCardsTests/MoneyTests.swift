import PaymentRules
import RateCards
import XCTest

final class MoneyTests: XCTestCase {
    func testPoundsAreReadExactlyAsWritten() {
        XCTAssertEqual(Money(pounds: "1500")?.pence, 150_000)
        XCTAssertEqual(Money(pounds: "333.33")?.pence, 33_333)
        XCTAssertEqual(Money(pounds: "0.1")?.pence, 10)
        XCTAssertEqual(Money(pounds: "2.5e3")?.pence, 250_000)
        XCTAssertEqual(Money(pounds: "-0.05")?.pence, -5)
        XCTAssertEqual(Money(pounds: 333.33)?.pence, 33_333)        // the TOML float, read as typed
        XCTAssertEqual(Money(pounds: 0.29)?.pence, 29)              // 0.29 * 100 is 28.999... in binary
        XCTAssertEqual(Money(pounds: 1000.0)?.pence, 100_000)
        XCTAssertNil(Money(pounds: "333.333"))                      // a fraction of a penny
        XCTAssertNil(Money(pounds: "12,000"))
        XCTAssertNil(Money(pounds: ""))
        XCTAssertNil(Money(pounds: "1e30"))                         // too large for pence
    }

    func testFormatting() {
        XCTAssertEqual(Money(pence: 1_383_332).description, "£13,833.32")
        XCTAssertEqual(Money(pence: 5).description, "£0.05")
        XCTAssertEqual(Money(pence: -123_456_789).description, "-£1,234,567.89")
        XCTAssertEqual(Money(pence: 100_000).decimalText, "1000.00")
        XCTAssertEqual(Money(pence: -7).decimalText, "-0.07")
    }

    func testSharesAreExactFractions() {
        XCTAssertEqual(Share("0.6"), Share(numerator: 3, denominator: 5))
        XCTAssertEqual(Share(0.4), Share(numerator: 2, denominator: 5))
        XCTAssertEqual(Share("1/3")?.description, "1/3")
        XCTAssertEqual(Share("2/6"), Share("1/3"))
        XCTAssertEqual(Share("1")?.description, "1")
        XCTAssertNil(Share("0"))
        XCTAssertNil(Share("1.5"))
        XCTAssertNil(Share("-0.5"))
        XCTAssertNil(Share("1/0"))
        XCTAssertNil(Share("a/3"))
        // 0.7 + 0.2 + 0.1 is exactly 1 as fractions (in binary floating point it is 0.9999999999999999).
        XCTAssertEqual(Share.sumToOne([0.7, 0.2, 0.1].map { Share($0)! }), true)
        XCTAssertEqual(Share.sumToOne(["1/3", "1/3", "1/3"].map { Share($0)! }), true)
        XCTAssertEqual(Share.sumToOne(["0.33", "0.33", "0.33"].map { Share($0)! }), false)
    }

    /// Each payer gets floor(amount x share) pence; the leftover pence go to the first payer.
    func testSplitRoundingAddsUpToThePenny() {
        let sixtyForty = [Share("0.6")!, Share("0.4")!]
        // 33,333 x 0.6 = 19,999.8 -> 19,999; x 0.4 = 13,333.2 -> 13,333; 1 penny left -> first payer.
        XCTAssertEqual(Share.split(Money(pence: 33_333), among: sixtyForty).map(\.pence), [20_000, 13_333])
        XCTAssertEqual(Share.split(Money(pence: 100_000), among: sixtyForty).map(\.pence), [60_000, 40_000])
        let thirds = Array(repeating: Share("1/3")!, count: 3)
        // 100 / 3 = 33.33 -> 33 each, 1 left -> first payer.
        XCTAssertEqual(Share.split(Money(pence: 100), among: thirds).map(\.pence), [34, 33, 33])
        // 200 / 3 = 66.67 -> 66 each, 2 left -> both to the first payer.
        XCTAssertEqual(Share.split(Money(pence: 200), among: thirds).map(\.pence), [68, 66, 66])
        XCTAssertEqual(Share.split(Money(pence: 1), among: thirds).map(\.pence), [1, 0, 0])
        XCTAssertEqual(Share.split(.zero, among: thirds).map(\.pence), [0, 0, 0])
        let whole = [Share("1")!]
        XCTAssertEqual(Share.split(Money(pence: 12_345), among: whole).map(\.pence), [12_345])
        // Large amounts do not overflow (the product is formed in double width).
        let big = Money(pence: Int.max / 2)
        let parts = Share.split(big, among: thirds)
        XCTAssertEqual(parts.reduce(0) { $0 + $1.pence }, big.pence)
        XCTAssertEqual(parts[1].pence, big.pence / 3)
    }

    func testTargetAchievementRoundsHalvesUpExactly() throws {
        let a = try XCTUnwrap(TargetAchievement(achieved: 325, target: 293))
        XCTAssertEqual(a.roundedPercentage, 111)
        XCTAssertEqual(a.percentage, 32_500.0 / 293.0)
        XCTAssertTrue(a.isMet)
        XCTAssertEqual(TargetAchievement(achieved: 1, target: 8)?.roundedPercentage, 13)    // 12.5 -> 13
        XCTAssertEqual(TargetAchievement(achieved: 3, target: 8)?.roundedPercentage, 38)    // 37.5 -> 38
        XCTAssertEqual(TargetAchievement(achieved: 2, target: 3)?.roundedPercentage, 67)
        XCTAssertEqual(TargetAchievement(achieved: 0, target: 3)?.roundedPercentage, 0)
        XCTAssertEqual(TargetAchievement(achieved: 2, target: 3)?.isMet, false)
        XCTAssertNil(TargetAchievement(achieved: 1, target: 0))
        XCTAssertNil(TargetAchievement(achieved: -1, target: 5))
    }
}
