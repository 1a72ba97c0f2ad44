import Foundation
import XCTest
@testable import Propensity
import Distributions

/// The probit link's fixed-order normal functions against the C library (`erfc`, `exp`) and R's
/// constants.
final class FixedOrderNormalTests: XCTestCase {
    func testCDFAgreesWithTheCLibrary() {
        var worst = 0.0
        var x = -8.2
        while x <= 8.2 {
            let fixed = FixedOrderMath.normalCDF(x), reference = 0.5 * erfc(-x / 2.0.squareRoot())
            worst = max(worst, abs(fixed - reference) / reference)
            x += 0.001
        }
        // 1.3e-14 relative where the series cancels against 1/2 (measured against mpmath: 1.3e-14).
        XCTAssertLessThan(worst, 3e-14)
        XCTAssertEqual(FixedOrderMath.normalCDF(0), 0.5)
        XCTAssertEqual(FixedOrderMath.normalCDF(-.infinity), 0)
        XCTAssertEqual(FixedOrderMath.normalCDF(.infinity), 1)
        XCTAssertTrue(FixedOrderMath.normalCDF(.nan).isNaN)
        // Either side of the switch between series and continued fraction.
        for a in [1.999999, 2.0, 2.000001, 2.499999, 2.5, 2.500001] {
            let reference = 0.5 * erfc(a / 2.0.squareRoot())
            XCTAssertEqual(FixedOrderMath.normalCDF(-a), reference, accuracy: 3e-14 * reference)
        }
    }

    func testDensityAndQuantile() {
        var x = -8.0
        while x <= 8 {
            let reference = exp(-0.5 * x * x) / (2 * Double.pi).squareRoot()
            XCTAssertEqual(FixedOrderMath.normalDensity(x), reference, accuracy: 1e-14 * reference)
            x += 0.01
        }
        // R: qnorm(.Machine$double.eps) = -8.125890664701906 (the probit clamp), qnorm(0.25), qnorm(0.975).
        XCTAssertEqual(FixedOrderMath.normalQuantile(Double.ulpOfOne), -8.125890664701906, accuracy: 1e-13)
        XCTAssertEqual(FixedOrderMath.normalQuantile(0.25), -0.6744897501960817, accuracy: 1e-15)
        XCTAssertEqual(FixedOrderMath.normalQuantile(0.975), 1.959963984540054, accuracy: 1e-14)
        for p in stride(from: 0.001, to: 1, by: 0.001) {
            XCTAssertEqual(FixedOrderMath.normalQuantile(p), Normal.quantile(p), accuracy: 1e-13)
        }
    }
}
