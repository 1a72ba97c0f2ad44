import PaymentRules
import XCTest
import Distributions
@testable import Design

/// The Peterborough design table (with few replicates: the numbers of the simulation are checked
/// in `ContractSimulationTests`).
final class DesignTableTests: XCTestCase {
    func testPeterboroughTable() throws {
        let table = try DesignTable(.init(effects: [0, 0.1, 0.2], simulatedCohorts: [2], replicates: 200, threads: 2))
        // θ reconciles 60% reconvicted with 1.55 events per person.
        XCTAssertEqual(table.dispersion, try NegativeBinomialDispersion.matchingZeroFraction(0.4, mean: 1.55))
        XCTAssertEqual(table.detectable.count, 9)
        XCTAssertEqual(table.detectable.map(\.cohorts), [1, 2, 3, 1, 2, 3, 1, 2, 3])
        XCTAssertEqual(table.detectable.map(\.threshold), [0.1, 0.075, 0.075, 0.1, 0.075, 0.075, 0.1, 0.075, 0.075])

        for row in table.detectable {
            let design = CountOutcomeAssumptions(baselineRate: 1.55, dispersion: row.dispersion, cohortSize: 1000 * row.cohorts,
                                                 comparisonSize: 1000 * row.cohorts)
            XCTAssertEqual(row.treated, 1000 * row.cohorts)
            XCTAssertEqual(row.countMinimumDetectable, try design.minimumDetectableReduction())
            XCTAssertEqual(row.criticalReduction, design.criticalReduction)
            let binary = BinaryOutcomeAssumptions(baselineProportion: 0.6, cohortSize: 1000 * row.cohorts,
                                                  comparisonSize: 1000 * row.cohorts)
            XCTAssertEqual(row.binaryMinimumDetectable, try binary.minimumDetectableReduction())
            // The reduction that meets the trigger with 80% chance is above the trigger.
            XCTAssertGreaterThan(row.reductionForLikelyTrigger, row.threshold)
            XCTAssertLessThan(row.triggerProbabilityWithoutEffect, 0.05)
        }
        // More cohorts, smaller detectable effects; more dispersion (smaller θ), larger ones.
        let mde = table.detectable.map(\.countMinimumDetectable)
        XCTAssertTrue(mde[0] > mde[1] && mde[1] > mde[2])
        XCTAssertTrue(mde[0] > mde[3] && mde[3] > mde[6])
        // At θ = 1.5 one cohort of 1,000 against 1,000 is just significant at a 10.0% reduction:
        // the cohort trigger.
        XCTAssertEqual(table.detectable[3].criticalReduction, 0.100, accuracy: 0.001)

        XCTAssertEqual(table.payout.count, 3)
        XCTAssertEqual(table.payout.map(\.outcome.effect), [0, 0.1, 0.2])
        XCTAssertLessThan(table.payout[0].outcome.pooledTrigger.value, 0.1)
        XCTAssertGreaterThan(table.payout[2].outcome.anyPayment.value, 0.95)

        let text = table.formatted()
        XCTAssertTrue(text.contains("Detectable reductions"))
        XCTAssertTrue(text.contains("Payout by true effect"))
        XCTAssertTrue(text.contains("Poisson"))
        // Settings (2), title and header (2), 9 rows, notes (3); title and header (2), 3 rows, notes (3)
        // and the line saying that no price was given.
        XCTAssertEqual(text.split(separator: "\n").count, 2 + 2 + 9 + 3 + 2 + 3 + 3 + 1)
        XCTAssertTrue(text.contains("No price was given: --price-per-event"))
        XCTAssertTrue(table.payout.allSatisfy { $0.outcome.expectedPayment.value == 0 })
    }

    /// With a price, the expected payment is the mean of each simulated contract's total due: with
    /// no caps, the price times the mean events paid for; with a total cap, never above it.
    func testExpectedPayment() throws {
        let price = Money(pence: 200_000)
        let uncapped = try DesignTable(.init(terms: PaymentTerms(settlement: .perCohort, pricePerEvent: price),
                                             effects: [0, 0.1, 0.2], simulatedCohorts: [2], replicates: 300))
        for row in uncapped.payout {
            let o = row.outcome
            XCTAssertEqual(o.expectedPayment.value, 200_000 * o.paidEventsAvoided.value,
                           accuracy: 1e-9 * max(1, o.expectedPayment.value))
            XCTAssertEqual(o.expectedPayment.standardError, 200_000 * o.paidEventsAvoided.standardError,
                           accuracy: 1e-6 * max(1, o.expectedPayment.standardError))
        }
        XCTAssertGreaterThan(uncapped.payout[2].outcome.expectedPayment.value, uncapped.payout[0].outcome.expectedPayment.value)
        let text = uncapped.formatted()
        XCTAssertTrue(text.contains("Payment: £2,000.00 per event avoided"), text)
        XCTAssertTrue(text.contains("expected payment"), text)
        XCTAssertFalse(text.contains("No price was given"), text)

        let cap = Money(pence: 30_000_000)   // £300,000
        let capped = try DesignTable(.init(terms: PaymentTerms(settlement: .perCohort, pricePerEvent: price, capTotal: cap),
                                           effects: [0.2], simulatedCohorts: [2], replicates: 300))
        let o = capped.payout[0].outcome
        XCTAssertLessThanOrEqual(o.expectedPayment.value, Double(cap.pence))
        XCTAssertLessThan(o.expectedPayment.value, 200_000 * o.paidEventsAvoided.value)
        XCTAssertTrue(capped.formatted().contains("total cap £300,000.00"))
    }

    func testInvalidConfiguration() {
        XCTAssertThrowsError(try DesignTable(.init(cohortSize: 1, replicates: 2)))
        XCTAssertThrowsError(try DesignTable(.init(pooledCohorts: [0], replicates: 2)))
        XCTAssertThrowsError(try DesignTable(.init(baselineProportion: 0.9, replicates: 2)))   // 10% zeros: below e^{-1.55}
    }
}
