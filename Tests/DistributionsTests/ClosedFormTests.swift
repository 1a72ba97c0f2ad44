import XCTest
@testable import Distributions

/// Identities and closed forms (no R needed). Tolerances: 1e-14 relative unless stated.
final class ClosedFormTests: XCTestCase {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-14, file: StaticString = #filePath, line: UInt = #line) {
        let diff = a == b ? 0 : abs(a - b) / max(abs(b), .leastNormalMagnitude)
        XCTAssertLessThanOrEqual(diff, tolerance, "\(a) vs \(b)", file: file, line: line)
    }

    /// Cauchy (ν = 1): F(−t) = atan(1/t)/π; ν = 2: F(−t) = 1 / ((√(2 + t²) + t) √(2 + t²)),
    /// for t > 0 (the cancellation-free forms of ½ + atan(t)/π and ½ + t/(2√(2 + t²))).
    func testStudentTClosedForms() {
        for t in [30.0, 3, 1, 0.2, 0.4, 2.5, 12] {
            let r = (2 + t * t).squareRoot()
            close(StudentT.cdf(-t, degreesOfFreedom: 1), atan(1 / t) / Double.pi, 2e-14)
            close(StudentT.cdf(-t, degreesOfFreedom: 2), 1 / ((r + t) * r), 2e-14)
            close(StudentT.cdf(t, degreesOfFreedom: 2), 0.5 + t / (2 * r), 2e-14)
        }
        // Tails: P(T > t) = atan(1/t)/π for the Cauchy, accurate far out.
        close(StudentT.survival(1e6, degreesOfFreedom: 1), atan(1e-6) / Double.pi, 1e-13)
        // Symmetry and the two-sided p-value.
        for nu in [0.5, 3.0, 17.5, 250.0] {
            for t in [0.3, 2.0, 6.0] {
                close(StudentT.cdf(-t, degreesOfFreedom: nu), StudentT.survival(t, degreesOfFreedom: nu))
                close(StudentT.twoSidedPValue(-t, degreesOfFreedom: nu), 2 * StudentT.survival(t, degreesOfFreedom: nu))
            }
        }
        XCTAssertEqual(StudentT.cdf(0, degreesOfFreedom: 7), 0.5)
        XCTAssertEqual(StudentT.cdf(.infinity, degreesOfFreedom: 7), 1)
        XCTAssertEqual(StudentT.cdf(-.infinity, degreesOfFreedom: 7), 0)
    }

    /// Quantiles invert the distribution functions (round trip in the tail holding p).
    func testQuantilesInvert() {
        for nu in [1.0, 2.0, 3.3, 10, 345.6, 1e5] {
            for p in [1e-9, 0.01, 0.2, 0.5, 0.8, 0.975, 1 - 1e-9] {
                let t = StudentT.quantile(p, degreesOfFreedom: nu)
                let back = p < 0.5 ? StudentT.cdf(t, degreesOfFreedom: nu) : StudentT.survival(t, degreesOfFreedom: nu)
                close(back, p < 0.5 ? p : 1 - p, 1e-13)
            }
        }
        for k in [0.5, 1.0, 2.0, 7.0, 60.0] {
            for p in [1e-9, 0.05, 0.5, 0.95, 1 - 1e-9] {
                let x = ChiSquare.quantile(p, degreesOfFreedom: k)
                let back = p < 0.5 ? ChiSquare.cdf(x, degreesOfFreedom: k) : ChiSquare.survival(x, degreesOfFreedom: k)
                close(back, p < 0.5 ? p : 1 - p, 1e-13)
            }
        }
        for p in [1e-300, 1e-20, 0.025, 0.5, 0.975, 1 - 1e-16] {
            let z = Normal.quantile(p)
            close(p < 0.5 ? Normal.cdf(z) : Normal.survival(z), p < 0.5 ? p : 1 - p, 1e-13)
        }
        XCTAssertEqual(Normal.quantile(0.5), 0)
    }

    /// χ²₂ is exponential: P(X > x) = e^(−x/2); χ²₁ is a squared normal: P(X > z²) = 2Φ(−|z|).
    /// (1e-13 where the tail is e^(−300): the exponent's rounding alone is 300 ε.)
    func testChiSquareClosedForms() {
        for x in [1e-6, 0.3, 2, 10, 80, 600] {
            close(ChiSquare.survival(x, degreesOfFreedom: 2), exp(-x / 2), x > 100 ? 1e-13 : 1e-14)
            close(ChiSquare.cdf(x, degreesOfFreedom: 2), -expm1(-x / 2))
        }
        for z in [0.1, 1, 1.959963984540054, 4, 9] {
            close(ChiSquare.survival(z * z, degreesOfFreedom: 1), 2 * Normal.survival(z), 1e-13)
        }
        close(ChiSquare.quantile(0.95, degreesOfFreedom: 2), -2 * log(0.05), 1e-14)
        XCTAssertEqual(ChiSquare.cdf(0, degreesOfFreedom: 3), 0)
        XCTAssertEqual(ChiSquare.survival(-1, degreesOfFreedom: 3), 1)
    }

    /// log Γ at integers and halves, ψ and ψ' at 1 and ½, B(a, 1) = 1/a.
    func testSpecialFunctionValues() {
        var logFactorial = 0.0
        for n in 1...30 {
            XCTAssertEqual(SpecialFunctions.logGamma(Double(n)), logFactorial, accuracy: 1e-14 * max(1, logFactorial))
            logFactorial += log(Double(n))
        }
        close(SpecialFunctions.logGamma(0.5), 0.5 * log(Double.pi))
        let eulerGamma = 0.577_215_664_901_532_860_61
        close(SpecialFunctions.digamma(1), -eulerGamma)
        close(SpecialFunctions.digamma(0.5), -eulerGamma - 2 * log(2.0))
        close(SpecialFunctions.trigamma(1), Double.pi * Double.pi / 6)
        close(SpecialFunctions.trigamma(0.5), Double.pi * Double.pi / 2)
        for a in [0.3, 4.0, 25.0, 3000.0] {
            close(SpecialFunctions.logBeta(a, 1), -log(a), 1e-13)
            // I_x(a, 1) = x^a.
            let x = 0.7
            close(SpecialFunctions.regularizedIncompleteBeta(x: x, y: 1 - x, a: a, b: 1).lower, pow(x, a), 1e-13)
        }
        // P(1, x) = 1 − e^(−x).
        for x in [0.01, 1.0, 30.0] {
            close(SpecialFunctions.regularizedIncompleteGamma(a: 1, x: x).upper, exp(-x))
        }
    }
}
