import XCTest
import TestSupport
import Distributions
@testable import Design

/// Power and minimum detectable reductions: R parity (`power.prop.test`, and the count formula
/// with `uniroot` in `Scripts/make-design-fixtures.R`), closed forms and symmetries.
final class DetectableEffectTests: XCTestCase {
    static let log = ParityLog()
    override class func tearDown() { log.report() }

    func countAssumptions(_ t: FixtureTable, _ row: [String]) -> CountOutcomeAssumptions {
        CountOutcomeAssumptions(
            baselineRate: number(t, row, "mu"), dispersion: number(t, row, "theta"),
            cohortSize: integer(t, row, "n_treated"), comparisonSize: integer(t, row, "n_comparison"),
            significanceLevel: number(t, row, "alpha"), power: number(t, row, "power"),
            alternative: alternative(t, row), strict: flag(t, row, "strict"))
    }

    func binaryAssumptions(_ t: FixtureTable, _ row: [String]) -> BinaryOutcomeAssumptions {
        BinaryOutcomeAssumptions(
            baselineProportion: number(t, row, "p_comparison"),
            cohortSize: integer(t, row, "n_treated"), comparisonSize: integer(t, row, "n_comparison"),
            significanceLevel: number(t, row, "alpha"), power: number(t, row, "power"),
            alternative: alternative(t, row), strict: flag(t, row, "strict"),
            nullVariance: flag(t, row, "pooled") ? .pooled : .unpooled)
    }

    /// Count outcome: power at 5%, 10%, 20% and the minimum detectable reduction agree with R's
    /// evaluation of the same formula and its `uniroot` (tol 1e-15) to 1e-8 relative, over 576
    /// cases (NB sizes 0.94, 1.5, 4 and Poisson; 1:1, 1:10 and unequal groups; one- and two-sided;
    /// strict and not).
    func testCountMinimumDetectableReductionMatchesR() throws {
        let t = try designFixture("count_mde.csv")
        XCTAssertEqual(t.rows.count, 576)
        for row in t.rows {
            let a = countAssumptions(t, row)
            let context = "case \(row[0])"
            for (delta, column) in [(0.05, "power_at_0.05"), (0.10, "power_at_0.10"), (0.20, "power_at_0.20")] {
                Self.log.check(a.power(relativeReduction: delta), number(t, row, column), 1e-12, "count power", context)
            }
            Self.log.check(try a.minimumDetectableReduction(), number(t, row, "mde"), 1e-8, "count MDE", context)
        }
        XCTAssertGreaterThan(Self.log.maximum("count MDE"), 0)   // the check ran
    }

    /// Binary outcome: equal groups with the pooled null variance against `power.prop.test` itself
    /// (solving for `p1` with `tol = 1e-15`); unequal groups and the unpooled variance against R's
    /// evaluation of the same formula with `uniroot`. 360 cases, 1e-8 relative.
    func testProportionMinimumDetectableReductionMatchesR() throws {
        let t = try designFixture("proportion_mde.csv")
        XCTAssertEqual(t.rows.count, 360)
        var viaPowerPropTest = 0
        for row in t.rows {
            let a = binaryAssumptions(t, row)
            let source = row[t.index(of: "source")]
            if source == "power.prop.test" { viaPowerPropTest += 1 }
            let context = "case \(row[0]) \(source)"
            for (delta, column) in [(0.05, "power_at_0.05"), (0.10, "power_at_0.10"), (0.20, "power_at_0.20")] {
                Self.log.check(a.power(relativeReduction: delta), number(t, row, column), 1e-12,
                               "proportion power (\(source))", context)
            }
            Self.log.check(try a.minimumDetectableReduction(), number(t, row, "mde"), 1e-8,
                           "proportion MDE (\(source))", context)
        }
        XCTAssertEqual(viaPowerPropTest, 108)
    }

    /// The quadratic closed form agrees with the numerical solution whenever it applies
    /// (one-sided rejection region), for every count fixture case, to 1e-12.
    func testCountClosedFormQuadratic() throws {
        let t = try designFixture("count_mde.csv")
        var checked = 0
        for row in t.rows where !flag(t, row, "strict") {
            let a = countAssumptions(t, row)
            let closed = try XCTUnwrap(a.closedFormMinimumDetectableReduction())
            XCTAssertEqual(try a.minimumDetectableReduction(), closed, accuracy: 1e-12 * closed)
            checked += 1
        }
        XCTAssertEqual(checked, 384)
    }

    /// Poisson counts, equal groups: `δ² a n = K² (2 − δ)` gives
    /// `δ = (−K² + √(K⁴ + 8 a n K²)) / (2 a n)`, with `K = z_{0.975} + z_{0.8}`.
    func testPoissonEqualGroupsClosedForm() throws {
        for (a, n) in [(1.55, 1000), (0.5, 200), (3.0, 5000)] {
            let design = CountOutcomeAssumptions(baselineRate: a, dispersion: .infinity, cohortSize: n, comparisonSize: n)
            let k = Normal.quantile(0.975) + Normal.quantile(0.8)
            let an = a * Double(n)
            let expected = (-k * k + (k * k * k * k + 8 * an * k * k).squareRoot()) / (2 * an)
            XCTAssertEqual(try design.minimumDetectableReduction(), expected, accuracy: 1e-14)
        }
        // Peterborough sizes: the Poisson MDE of one cohort of 1,000 against 1,000 is 9.8%.
        let peterborough = CountOutcomeAssumptions(baselineRate: 1.55, dispersion: .infinity, cohortSize: 1000, comparisonSize: 1000)
        XCTAssertEqual(try peterborough.minimumDetectableReduction(), 0.0981, accuracy: 0.0001)
    }

    /// Symmetries and limits: two-sided (not strict) at α is one-sided at α/2; strict two-sided
    /// power exceeds it by exactly the far tail `Φ(−x − z)`; the power at the MDE is the target;
    /// pooling k cohorts is one cohort of k n; a huge comparison group leaves only the treated
    /// variance (`δ a = K √(V((1 − δ) a)/n)` checked directly); an equal-size binary design is
    /// unchanged by swapping which group is "treated" in the variance.
    func testSymmetriesAndLimits() throws {
        let base = CountOutcomeAssumptions(baselineRate: 1.55, dispersion: 1.5, cohortSize: 1000, comparisonSize: 1000)
        var oneSided = base
        oneSided.alternative = .oneSided
        oneSided.significanceLevel = 0.025
        XCTAssertEqual(try base.minimumDetectableReduction(), try oneSided.minimumDetectableReduction(), accuracy: 1e-15)
        for delta in [0.02, 0.1, 0.3] {
            XCTAssertEqual(base.power(relativeReduction: delta), oneSided.power(relativeReduction: delta), accuracy: 1e-15)
            var strict = base
            strict.strict = true
            let z = Normal.quantile(0.975)
            let x = delta * 1.55 / base.standardError(relativeReduction: delta)
            XCTAssertEqual(strict.power(relativeReduction: delta) - base.power(relativeReduction: delta),
                           Normal.cdf(-x - z), accuracy: 1e-16)
        }
        let mde = try base.minimumDetectableReduction()
        XCTAssertEqual(base.power(relativeReduction: mde), 0.8, accuracy: 1e-14)
        var strict = base
        strict.strict = true
        XCTAssertLessThanOrEqual(try strict.minimumDetectableReduction(), mde)

        let pooled = base.pooled(cohorts: 3)
        XCTAssertEqual(pooled.cohortSize, 3000)
        XCTAssertEqual(pooled.comparisonSize, 3000)
        XCTAssertLessThan(try pooled.minimumDetectableReduction(), mde)

        var huge = base
        huge.comparisonSize = Int(1e15)
        let hugeMDE = try huge.minimumDetectableReduction()
        let k = Normal.quantile(0.975) + Normal.quantile(0.8)
        let muT = (1 - hugeMDE) * 1.55
        XCTAssertEqual(hugeMDE * 1.55, k * ((muT + muT * muT / 1.5) / 1000).squareRoot(), accuracy: 1e-9)

        // The delta-method SD of the reduction at no effect is √(V(μ)(1/n_T + 1/n_C))/μ, and the
        // critical reduction is z times it.
        let v = 1.55 + 1.55 * 1.55 / 1.5
        XCTAssertEqual(base.reductionStandardDeviation(relativeReduction: 0), (v * 2 / 1000).squareRoot() / 1.55, accuracy: 1e-15)
        XCTAssertEqual(base.criticalReduction, Normal.quantile(0.975) * (v * 2 / 1000).squareRoot() / 1.55, accuracy: 1e-15)

        // Binary, unpooled, equal groups: power depends on p_T(1 − p_T) + p_C(1 − p_C), so the
        // closed form of the quadratic K²(p_T q_T + p_C q_C)/n = (p_C − p_T)² applies.
        let binary = BinaryOutcomeAssumptions(baselineProportion: 0.6, cohortSize: 1000, comparisonSize: 1000, nullVariance: .unpooled)
        let n = 1000.0, pC = 0.6
        // (1 + K²/n) pT² − (2 pC + K²/n) pT + pC² − K² pC qC / n = 0, smaller root.
        let qa = 1 + k * k / n, qb = -(2 * pC + k * k / n), qc = pC * pC - k * k * pC * (1 - pC) / n
        let pT = (-qb - (qb * qb - 4 * qa * qc).squareRoot()) / (2 * qa)
        XCTAssertEqual(try binary.minimumDetectableReduction(), 1 - pT / pC, accuracy: 1e-13)
    }

    /// A cohort too small for the requested power, and inputs outside their domains.
    func testErrors() {
        let tiny = CountOutcomeAssumptions(baselineRate: 0.05, dispersion: 0.3, cohortSize: 5, comparisonSize: 5)
        XCTAssertThrowsError(try tiny.minimumDetectableReduction()) { error in
            guard case DesignError.notDetectable = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try CountOutcomeAssumptions(baselineRate: 0, dispersion: 1, cohortSize: 10, comparisonSize: 10).minimumDetectableReduction())
        XCTAssertThrowsError(try CountOutcomeAssumptions(baselineRate: 1, dispersion: -1, cohortSize: 10, comparisonSize: 10).minimumDetectableReduction())
        XCTAssertThrowsError(try CountOutcomeAssumptions(baselineRate: 1, dispersion: 1, cohortSize: 0, comparisonSize: 10).minimumDetectableReduction())
        XCTAssertThrowsError(try CountOutcomeAssumptions(baselineRate: 1, dispersion: 1, cohortSize: 10, comparisonSize: 10,
                                                         significanceLevel: 1.5).minimumDetectableReduction())
        // A target power below the rejection rate with no effect has no solution in (0, 1).
        XCTAssertThrowsError(try CountOutcomeAssumptions(baselineRate: 1, dispersion: 1, cohortSize: 100, comparisonSize: 100,
                                                         power: 0.01).minimumDetectableReduction())
        XCTAssertThrowsError(try BinaryOutcomeAssumptions(baselineProportion: 1, cohortSize: 10, comparisonSize: 10).minimumDetectableReduction())
    }
}
