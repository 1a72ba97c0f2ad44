import PaymentRules
import XCTest

/// Money: exact reading, currency labels, overflow that names the amount, the rounding of exact pence.
final class MoneyTests: XCTestCase {
    func testCurrencyLabels() throws {
        XCTAssertEqual(Money(pence: 29_000_000).description, "£290,000.00")
        let eur = try XCTUnwrap(Currency(code: "EUR"))
        XCTAssertEqual(Money(pence: 123_456, currency: eur).description, "EUR 1,234.56")
        XCTAssertEqual(Money(pence: -5, currency: eur).description, "-EUR 0.05")
        XCTAssertEqual(Money(pence: 123_456, currency: eur).decimalText, "1234.56")
        XCTAssertEqual(Money(pounds: "333.33", currency: eur), Money(pence: 33_333, currency: eur))
        XCTAssertNotEqual(Money(pence: 100, currency: eur), Money(pence: 100))
        XCTAssertNil(Currency(code: "gbp"))
        XCTAssertNil(Currency(code: "JPY"))     // no minor unit: not held as hundredths
        XCTAssertNil(Currency(code: "KWD"))     // thousandths
        XCTAssertEqual(Currency(code: "GBP"), .gbp)
    }

    func testOverflowNamesTheAmount() {
        let largest = Money(pence: .max)
        XCTAssertTrue(largest.addingReportingOverflow(Money(pence: 1)).overflow)
        XCTAssertFalse(largest.addingReportingOverflow(Money(pence: -1)).overflow)
        XCTAssertThrowsError(try largest.adding(Money(pence: 1))) { error in
            XCTAssertEqual(error as? MoneyError, .overflow(amount: "£92,233,720,368,547,758.07 + £0.01"))
            XCTAssertTrue(String(describing: error).hasPrefix("the amount £92,233,720,368,547,758.07 + £0.01 is too large"), "\(error)")
        }
        XCTAssertThrowsError(try Money(pence: .min).subtracting(Money(pence: 1))) { error in
            XCTAssertEqual(error as? MoneyError, .overflow(amount: "-£92,233,720,368,547,758.08 - £0.01"))
        }
        XCTAssertThrowsError(try Money(pence: 200_000).multiplied(by: Int.max / 1000)) { error in
            XCTAssertEqual(error as? MoneyError, .overflow(amount: "£2,000.00 x 9223372036854775"))
        }
        XCTAssertEqual(try Money(pence: 200_000).multiplied(by: 155), Money(pence: 31_000_000))
        let eur = Currency(code: "EUR")!
        XCTAssertThrowsError(try Money(pence: 1).adding(Money(pence: 1, currency: eur))) { error in
            XCTAssertEqual(error as? MoneyError, .currencyMismatch(Money(pence: 1), Money(pence: 1, currency: eur)))
        }
        // Exact pence too large for Int.
        XCTAssertThrowsError(try Money(rounding: ExactRational(Int.max) * 2, .down)) { error in
            guard case .overflow(let amount)? = error as? MoneyError else { return XCTFail("\(error)") }
            XCTAssertEqual(amount, "1.8446744073709552e+17 pounds")
        }
    }

    /// Exact pence rounded by a stated rule: half pennies go down with `.down` (the floor).
    func testRoundingExactPence() throws {
        let half = ExactRational(numerator: 1, denominator: 2)
        XCTAssertEqual(try Money(rounding: half, .down).pence, 0)
        XCTAssertEqual(try Money(rounding: ExactRational(3) * half, .down).pence, 1)
        XCTAssertEqual(try Money(rounding: -half, .down).pence, -1)
        XCTAssertEqual(try Money(rounding: half, .toNearestOrAwayFromZero).pence, 1)
    }
}
