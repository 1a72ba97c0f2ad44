import XCTest
import TestSupport
@testable import Design

/// Rate and dispersion from pilot data (R: `mean`, `var`, the moment formula and
/// `MASS::theta.mm(y, mean(y), n − 1)`), and the dispersion matching a zero fraction (R `uniroot`).
final class DispersionTests: XCTestCase {
    static let log = ParityLog()
    override class func tearDown() { log.report() }

    func testPilotEstimatesMatchR() throws {
        let counts = try designFixture("pilot_counts.csv")
        let estimates = try designFixture("pilot_estimates.csv")
        XCTAssertEqual(estimates.rows.count, 4)
        for row in estimates.rows {
            let name = row[0]
            let y = counts.rows.filter { $0[0] == name }.map { Int($0[1])! }
            let e = try CountPilotEstimate(counts: y)
            XCTAssertEqual(e.count, integer(estimates, row, "n"))
            Self.log.check(e.mean, number(estimates, row, "mean"), 1e-14, "pilot mean", name)
            Self.log.check(e.variance, number(estimates, row, "variance"), 1e-13, "pilot variance", name)
            Self.log.check(e.dispersion, number(estimates, row, "theta_mom"), 1e-12, "pilot theta (moments)", name)
            Self.log.check(e.dispersion, number(estimates, row, "theta_mm"), 1e-8, "pilot theta (MASS theta.mm)", name)
            Self.log.check(e.zeroFraction, number(estimates, row, "zero_fraction"), 1e-15, "pilot zero fraction", name)
        }
        // The underdispersed pilot has s² < ȳ: Poisson.
        XCTAssertEqual(NegativeBinomialDispersion.methodOfMoments(mean: 2, variance: 1.5), .infinity)
        XCTAssertEqual(NegativeBinomialDispersion.methodOfMoments(mean: 2, variance: 6), 1)
    }

    func testPilotErrors() {
        XCTAssertThrowsError(try CountPilotEstimate(counts: [3]))
        XCTAssertThrowsError(try CountPilotEstimate(counts: [0, 0, 0]))
        XCTAssertThrowsError(try CountPilotEstimate(counts: [1, -1, 2]))
    }

    /// `(θ/(θ + μ))^θ = p₀` against R's `uniroot` on `log θ` (tol 1e-15), to 1e-10; and the
    /// Peterborough figures (60% reconvicted, 1.55 events per person) give θ ≈ 0.9417.
    func testDispersionMatchingZeroFractionMatchesR() throws {
        let t = try designFixture("zero_fraction.csv")
        XCTAssertEqual(t.rows.count, 14)
        for row in t.rows {
            let p0 = number(t, row, "p0"), mu = number(t, row, "mu")
            let theta = try NegativeBinomialDispersion.matchingZeroFraction(p0, mean: mu)
            Self.log.check(theta, number(t, row, "theta"), 1e-10, "zero-fraction theta", "p0 \(p0) mu \(mu)")
            XCTAssertEqual(pow(theta / (theta + mu), theta), p0, accuracy: 1e-14)
        }
        let peterborough = try NegativeBinomialDispersion.matchingZeroFraction(0.40, mean: 1.55)
        XCTAssertEqual(peterborough, 0.9417, accuracy: 0.0001)
        // At or below the Poisson zero fraction e^{-μ} there is no solution.
        XCTAssertThrowsError(try NegativeBinomialDispersion.matchingZeroFraction(exp(-1.55), mean: 1.55))
        XCTAssertThrowsError(try NegativeBinomialDispersion.matchingZeroFraction(1, mean: 1.55))
    }
}
