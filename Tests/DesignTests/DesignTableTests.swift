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
        // Settings (2), title and header (2), 9 rows, notes (3); title and header (2), 3 rows, notes (3).
        XCTAssertEqual(text.split(separator: "\n").count, 2 + 2 + 9 + 3 + 2 + 3 + 3)
    }

    func testInvalidConfiguration() {
        XCTAssertThrowsError(try DesignTable(.init(cohortSize: 1, replicates: 2)))
        XCTAssertThrowsError(try DesignTable(.init(pooledCohorts: [0], replicates: 2)))
        XCTAssertThrowsError(try DesignTable(.init(baselineProportion: 0.9, replicates: 2)))   // 10% zeros: below e^{-1.55}
    }
}
