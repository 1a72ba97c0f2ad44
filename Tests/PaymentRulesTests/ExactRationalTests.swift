import Dispatch
import PaymentRules
import XCTest

/// Rational arithmetic against hand-computed values.
final class ExactRationalTests: XCTestCase {
    func r(_ n: Int, _ d: Int = 1) -> ExactRational { ExactRational(numerator: n, denominator: d) }

    func testArithmeticAgainstHandValues() {
        XCTAssertEqual(r(1, 3) + r(1, 6), r(1, 2))
        XCTAssertEqual(r(1, 3) - r(1, 2), r(-1, 6))
        XCTAssertEqual(r(2, 3) * r(3, 4), r(1, 2))
        XCTAssertEqual(r(1, 2) / r(1, 4), r(2))
        XCTAssertEqual(-r(3, 7), r(-3, 7))
        // Lowest terms with a positive denominator, whatever the signs given.
        XCTAssertEqual(r(6, -4).description, "-3/2")
        XCTAssertEqual(r(-10, -5).description, "2")
        XCTAssertEqual(r(6, -4).fraction?.numerator, -3)
        XCTAssertEqual(r(6, -4).fraction?.denominator, 2)
        // The exact-threshold case: 1 - 1395/1550 is exactly 1/10 (in doubles 0.09999999999999998).
        XCTAssertEqual(r(1) - r(1395, 1550), r(1, 10))
        XCTAssertNotEqual(1 - 1395.0 / 1550.0, 0.1)
        // Beyond 64 bits: (2^63 - 1)^2 / (2^63 - 1) is exact.
        let big = ExactRational(Int.max)
        XCTAssertEqual(big * big / big, big)
        XCTAssertNil((big * big).fraction)
        XCTAssertEqual((big + 1).description, "9223372036854775808")
        // Compound assignment makes a new value; a copy is unaffected.
        var a = r(1, 3)
        let copy = a
        a += r(2, 3)
        XCTAssertEqual(a, r(1))
        XCTAssertEqual(copy, r(1, 3))
        XCTAssertEqual(ExactRational.zero.signum, 0)
        XCTAssertEqual(r(-1, 9).signum, -1)
        XCTAssertTrue(r(0, 5).isZero)
    }

    func testComparison() {
        XCTAssertTrue(r(1, 3) < r(334, 1000))
        XCTAssertTrue(r(333, 1000) < r(1, 3))
        XCTAssertFalse(r(1, 10) < r(10, 100))
        XCTAssertEqual(max(r(-1, 2), r(-2, 3)), r(-1, 2))
        XCTAssertTrue(r(Int.min) < r(Int.max))
    }

    func testReadingDecimalsAndDoubles() {
        XCTAssertEqual(ExactRational(decimal: "0.075"), r(3, 40))
        XCTAssertEqual(ExactRational(decimal: "0.10"), r(1, 10))
        XCTAssertEqual(ExactRational(decimal: "-7.5e-2"), r(-3, 40))
        XCTAssertEqual(ExactRational(decimal: "2.5E+3"), r(2500))
        XCTAssertNil(ExactRational(decimal: "1/10"))
        XCTAssertNil(ExactRational(decimal: "ten"))
        // A plan's TOML float is read as the decimal typed.
        XCTAssertEqual(ExactRational(decimal: 0.1), r(1, 10))
        XCTAssertEqual(ExactRational(decimal: 0.075), r(3, 40))
        XCTAssertNil(ExactRational(decimal: Double.nan))
        // The double itself is a binary fraction: 0.1 = 3602879701896397 / 2^55.
        XCTAssertEqual(ExactRational(exactly: 0.1), r(3_602_879_701_896_397, 36_028_797_018_963_968))
        XCTAssertEqual(ExactRational(exactly: -2.5), r(-5, 2))
        XCTAssertEqual(ExactRational(exactly: 1e300)! / ExactRational(exactly: 1e300)!, r(1))
        XCTAssertNil(ExactRational(exactly: .infinity))
    }

    func testRoundingToIntegers() {
        XCTAssertEqual(r(10, 3).rounded(.down), 3)
        XCTAssertEqual(r(10, 3).rounded(.up), 4)
        XCTAssertEqual(r(-10, 3).rounded(.down), -4)
        XCTAssertEqual(r(-10, 3).rounded(.towardZero), -3)
        XCTAssertEqual(r(-10, 3).rounded(.awayFromZero), -4)
        // Halves: away from zero, or to even.
        XCTAssertEqual(r(5, 2).rounded(.toNearestOrAwayFromZero), 3)
        XCTAssertEqual(r(5, 2).rounded(.toNearestOrEven), 2)
        XCTAssertEqual(r(7, 2).rounded(.toNearestOrEven), 4)
        XCTAssertEqual(r(-5, 2).rounded(.toNearestOrAwayFromZero), -3)
        XCTAssertEqual(r(-5, 2).rounded(.toNearestOrEven), -2)
        XCTAssertEqual(r(-5, 2).rounded(.down), -3)
        XCTAssertEqual(r(-5, 2).rounded(.up), -2)
        XCTAssertEqual(r(-1, 2).rounded(.toNearestOrAwayFromZero), -1)
        XCTAssertEqual(r(7, 5).rounded(.toNearestOrEven), 1)
        XCTAssertEqual(r(8, 5).rounded(), 2)
        XCTAssertEqual(r(12).rounded(.down), 12)
        // Too large for Int.
        XCTAssertNil((ExactRational(Int.max) + 1).rounded(.down))
        XCTAssertEqual(ExactRational(Int.max).rounded(.up), Int.max)
        XCTAssertNil((ExactRational(Int.max) + r(1, 2)).rounded(.up))
        XCTAssertEqual(ExactRational(Int.min).rounded(.down), Int.min)
    }

    /// Conversion to `Double` is correctly rounded: it agrees with IEEE division of exactly
    /// representable integers, and breaks exact ties to the even significand.
    func testConversionToDoubleIsCorrectlyRounded() {
        for n in -40...40 {
            for d in 1...40 {
                XCTAssertEqual(Double(r(n, d)), Double(n) / Double(d), "\(n)/\(d)")
            }
        }
        let p = 1_000_000_007, q = 998_244_353
        XCTAssertEqual(Double(r(p, q)), Double(p) / Double(q))
        XCTAssertEqual(Double(r(1, 10)), 0.1)
        XCTAssertEqual(Double(r(3, 40)), 0.075)
        let ulpHalf = ExactRational(exactly: 0x1p-53)!
        XCTAssertEqual(Double(r(1) + ulpHalf), 1.0)                        // tie: 1 is even
        XCTAssertEqual(Double(r(1) + ulpHalf * 3), 1 + 0x1p-51)             // tie: 1 + 2^-51 is even
        XCTAssertEqual(Double(r(1) + ulpHalf + ulpHalf / 1024), 1 + 0x1p-52) // just above the tie
        XCTAssertEqual(Double(-(r(1) + ulpHalf * 3)), -(1 + 0x1p-51))
        XCTAssertEqual(Double(ExactRational(exactly: 1e300)! * ExactRational(exactly: 1e300)!), .infinity)
        XCTAssertEqual(Double(r(1) / ExactRational(exactly: 1e300)! / ExactRational(exactly: 1e300)!), 0)
        XCTAssertEqual(Double(ExactRational(exactly: .leastNonzeroMagnitude)! * r(3, 4)), .leastNonzeroMagnitude)
    }

    /// Values are shared across threads without copying (immutable storage).
    func testSharedAcrossThreads() {
        let third = r(1, 3)
        // Each iteration writes its own slot; the slots are read after concurrentPerform returns.
        final class Slots: @unchecked Sendable {
            let buffer = UnsafeMutableBufferPointer<ExactRational>.allocate(capacity: 8)
            init() { buffer.initialize(repeating: .zero) }
            deinit { buffer.deinitialize(); buffer.deallocate() }
        }
        let slots = Slots()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var s = ExactRational.zero
            for _ in 0..<300 { s += third }
            slots.buffer[i] = s
        }
        XCTAssertEqual(Array(slots.buffer), Array(repeating: r(100), count: 8))
    }
}
