import XCTest
@testable import Contracts

/// Hand-computed payment decisions, starting from the published Peterborough figures.
final class PaymentRulesTests: XCTestCase {
    /// Cohort 1: 142 vs 155 events per 100 is an 8.4% reduction, below the 10% cohort trigger:
    /// nothing is due for cohort 1 on its own.
    func testPeterboroughCohortOneMissesTheTrigger() {
        let c1 = CohortOutcome(name: "Cohort 1", size: 1000, treatedRate: 1.42, comparisonRate: 1.55, pValue: 0.2)
        XCTAssertEqual(c1.reduction, 1 - 142.0 / 155.0, accuracy: 1e-15)
        XCTAssertEqual((c1.reduction * 1000).rounded() / 10, 8.4)
        let d = decidePayments([c1], terms: PaymentTerms(pricePerEvent: 1000))
        XCTAssertFalse(d.cohorts[0].thresholdMet)
        // 8.4% exceeds the 7.5% pooled threshold, but one cohort is no pool.
        XCTAssertFalse(d.pooledThresholdMet)
        XCTAssertEqual(d.totalDue, 0)
    }

    /// Two cohorts, 8.4% (1000 people) and 9.6% (1000 people): pooled = 9.0% >= 7.5% at the final
    /// assessment (the published final result was 9%); both missed the 10% cohort trigger and are
    /// paid through the catch-up. At an interim assessment nothing is due.
    func testPooledTriggerAndCatchUp() {
        let c1 = CohortOutcome(name: "1", size: 1000, treatedRate: 1.42, comparisonRate: 1.55, pValue: 0.2)
        let c2 = CohortOutcome(name: "2", size: 1000, treatedRate: 1.41, comparisonRate: 1.56, pValue: 0.1)
        // c2: 1 - 1.41/1.56 = 0.09615...; pooled = (0.083871 + 0.096154) / 2 = 0.0900
        let d = decidePayments([c1, c2], terms: PaymentTerms(pricePerEvent: 1000))
        XCTAssertEqual(d.pooledReduction, ((1 - 1.42 / 1.55) + (1 - 1.41 / 1.56)) / 2, accuracy: 1e-15)
        XCTAssertTrue(d.pooledThresholdMet)
        XCTAssertEqual(d.cohorts.map(\.paidOnCatchUp), [true, true])
        // Events avoided: (1.55 - 1.42) x 1000 = 130 and (1.56 - 1.41) x 1000 = 150, at 1000 each.
        XCTAssertEqual(d.cohorts[0].due, 130_000, accuracy: 1e-6)
        XCTAssertEqual(d.cohorts[1].due, 150_000, accuracy: 1e-6)
        XCTAssertEqual(d.totalDue, 280_000, accuracy: 1e-6)
        // Without catch-up nothing is due.
        var terms = PaymentTerms(pricePerEvent: 1000)
        terms.catchUp = false
        XCTAssertEqual(decidePayments([c1, c2], terms: terms).totalDue, 0)
        XCTAssertEqual(decidePayments([c1, c2], terms: PaymentTerms(pricePerEvent: 1000, finalAssessment: false)).totalDue, 0)
    }

    func testOwnTriggerWeightingCapsAndSignificance() {
        // Cohort A: 1.30 vs 1.50 (13.3%), 800 people; cohort B: 1.50 vs 1.50 (0%), 200 people.
        let a = CohortOutcome(name: "A", size: 800, treatedRate: 1.30, comparisonRate: 1.50, pValue: 0.01)
        let b = CohortOutcome(name: "B", size: 200, treatedRate: 1.50, comparisonRate: 1.50, pValue: 0.9)
        var terms = PaymentTerms(pricePerEvent: 100, capPerCohort: 15_000, capTotal: 20_000)
        let d = decidePayments([a, b], terms: terms)
        // Pooled = (800 x 0.13333 + 200 x 0) / 1000 = 0.10667.
        XCTAssertEqual(d.pooledReduction, 0.8 * (1 - 1.30 / 1.50), accuracy: 1e-15)
        XCTAssertTrue(d.cohorts[0].paidOnOwnTrigger)
        // A: 0.2 x 800 = 160 events x 100 = 16,000, capped at 15,000. B: no events avoided.
        XCTAssertEqual(d.cohorts[0].uncapped, 16_000, accuracy: 1e-9)
        XCTAssertEqual(d.cohorts[0].due, 15_000, accuracy: 1e-9)
        XCTAssertEqual(d.cohorts[1].due, 0)
        XCTAssertEqual(d.totalDue, 15_000, accuracy: 1e-9)
        // The total cap binds in cohort order.
        terms.capTotal = 10_000
        XCTAssertEqual(decidePayments([a, b], terms: terms).totalDue, 10_000, accuracy: 1e-9)
        // Requiring significance: B is not significant, so the pooled trigger fails; A still pays.
        terms.capTotal = nil
        terms.requireSignificance = true
        let s = decidePayments([a, b], terms: terms)
        XCTAssertFalse(s.pooledThresholdMet)
        XCTAssertTrue(s.cohorts[0].paidOnOwnTrigger)
        let insignificant = CohortOutcome(name: "A", size: 800, treatedRate: 1.30, comparisonRate: 1.50, pValue: 0.06)
        XCTAssertEqual(decidePayments([insignificant], terms: terms).totalDue, 0)
    }

    /// Pooled significance: a Wald test of the size-weighted mean reduction with independent
    /// cohorts. Reductions 8% (SE 6%) and 9% (SE 6%), equal sizes: pooled 8.5%, SE = 6% / sqrt(2) =
    /// 4.243%, z = 2.0035, p = 0.04512695 (R: 2 * pnorm(-0.085 / (0.06 / sqrt(2)))).
    func testPooledWaldTest() {
        let a = CohortOutcome(name: "A", size: 500, treatedRate: 0.92, comparisonRate: 1.0, pValue: 0.2, reductionStandardError: 0.06)
        let b = CohortOutcome(name: "B", size: 500, treatedRate: 0.91, comparisonRate: 1.0, pValue: 0.15, reductionStandardError: 0.06)
        let d = decidePayments([a, b], terms: PaymentTerms(requireSignificance: true, pricePerEvent: 1))
        XCTAssertEqual(d.pooledReduction, 0.085, accuracy: 1e-15)
        XCTAssertEqual(d.pooledStandardError!, 0.06 / 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(d.pooledPValue!, 0.04512695, accuracy: 1e-8)
        XCTAssertTrue(d.pooledThresholdMet)
        XCTAssertEqual(d.cohorts.map(\.paidOnCatchUp), [true, true])
        // Without standard errors the pooled test cannot be done, so the requirement fails.
        let noSE = CohortOutcome(name: "B", size: 500, treatedRate: 0.91, comparisonRate: 1.0, pValue: 0.15)
        XCTAssertFalse(decidePayments([a, noSE], terms: PaymentTerms(requireSignificance: true)).pooledThresholdMet)
    }
}
