import XCTest
import Distributions
import PaymentRules
import Randomness
@testable import Design

/// The seeded Monte Carlo of whole contracts: its draws against `RandomStream.negativeBinomial`,
/// determinism across thread counts, closed-form and approximate limits, and the payment rule.
final class ContractSimulationTests: XCTestCase {
    /// Every replicate's totals equal drawing each person afresh with
    /// `RandomStream.negativeBinomial(mean:size:)` (or `poisson`) from `RandomStream(seed:, stream: r)`:
    /// comparison groups first, then the treated cohorts from a copy of the stream for each effect.
    func testDrawsEqualRandomStreamNegativeBinomial() {
        for theta in [0.94, 2.5, Double.infinity] {
            let simulation = ContractSimulation(
                cohorts: [ContractCohort(cohortSize: 37, comparisonSize: 41), ContractCohort(cohortSize: 53, comparisonSize: 29)],
                baselineRate: 1.55, dispersion: theta, effects: [0, 0.1, 0.35, -0.2], replicates: 2, seed: 99)
            var draws = ReplicateDraws(simulation)
            for r in 0..<150 {
                draws.draw(replicate: r)
                var rng = RandomStream(seed: 99, stream: UInt64(r))
                func draw(_ stream: inout RandomStream, _ n: Int, _ mean: Double) -> (Int, Int) {
                    var s = 0, q = 0
                    for _ in 0..<n {
                        let y = theta.isInfinite ? stream.poisson(mean) : stream.negativeBinomial(mean: mean, size: theta)
                        s += y; q += y * y
                    }
                    return (s, q)
                }
                for (j, c) in simulation.cohorts.enumerated() {
                    let (s, q) = draw(&rng, c.comparisonSize, 1.55)
                    XCTAssertEqual(draws.comparisonSum[j], s)
                    XCTAssertEqual(draws.comparisonSquares[j], q)
                }
                for effect in simulation.effects {
                    var stream = rng
                    for (j, c) in simulation.cohorts.enumerated() {
                        let expected = draw(&stream, c.cohortSize, (1 - effect) * 1.55)
                        let actual = draws.treatedTotals(cohort: j, factor: 1 - effect)
                        XCTAssertTrue(expected == actual, "theta \(theta) replicate \(r) effect \(effect) cohort \(j)")
                    }
                }
            }
        }
    }

    /// Poisson quantiles, also for means above 30 (the incomplete-gamma start):
    /// `F(k − 1) < u ≤ F(k)` up to the 1e-11 absolute accuracy of `F` at means in the thousands.
    func testPoissonQuantileLargeMeans() {
        for lambda in [0.3, 5.0, 30.5, 47.25, 300.0, 5000.0] {
            for u in [1e-9, 0.001, 0.2, 0.5, 0.77, 0.999, 1 - 1e-9] {
                let k = poissonQuantile(u, mean: lambda)
                let cdf = { (k: Int) -> Double in
                    k < 0 ? 0 : SpecialFunctions.regularizedIncompleteGamma(a: Double(k + 1), x: lambda).upper
                }
                XCTAssertGreaterThanOrEqual(cdf(k), u - 1e-11, "lambda \(lambda) u \(u)")
                XCTAssertLessThan(cdf(k - 1), u + 1e-11, "lambda \(lambda) u \(u)")
            }
        }
        XCTAssertEqual(poissonQuantile(0.5, mean: 0), 0)
    }

    /// Same seed, same numbers, for 1, 2, 3 and 7 threads; another seed, other numbers.
    func testDeterministicAcrossThreadCounts() throws {
        var simulation = ContractSimulation(
            cohorts: [ContractCohort(cohortSize: 150, comparisonSize: 150), ContractCohort(cohortSize: 120, comparisonSize: 240)],
            dispersion: 1.5, effects: [0, 0.1, 0.2], replicates: 301, seed: 7)
        var results: [ContractSimulationResult] = []
        for threads in [1, 2, 3, 7] {
            simulation.threads = threads
            results.append(try simulation.run())
        }
        for r in results.dropFirst() { XCTAssertEqual(r, results[0]) }
        simulation.seed = 8
        XCTAssertNotEqual(try simulation.run().outcomes, results[0].outcomes)
        // An effect's results do not depend on the rest of the grid.
        simulation.seed = 7
        simulation.effects = [0.1]
        XCTAssertEqual(try simulation.run().outcomes[0], results[0].outcomes[1])
        // Common random numbers: trigger probabilities grow with the effect.
        let o = results[0].outcomes
        XCTAssertLessThanOrEqual(o[0].pooledTrigger.value, o[1].pooledTrigger.value)
        XCTAssertLessThanOrEqual(o[1].pooledTrigger.value, o[2].pooledTrigger.value)
    }

    /// With no effect, the chances of spurious triggers match the lognormal approximation (computed
    /// here independently) within 4 Monte Carlo standard errors; the measured events avoided average
    /// zero; and the pooled reduction averages `−(1 − δ) CV²_C` (the ratio's bias) within 4 SEs.
    func testNoEffectMatchesApproximation() throws {
        let n = 400, mu = 1.55, theta = 1.5
        let simulation = ContractSimulation(
            cohorts: Array(repeating: ContractCohort(cohortSize: n, comparisonSize: n), count: 2),
            baselineRate: mu, dispersion: theta, effects: [0], replicates: 5000, seed: 2024)
        let o = try simulation.run().outcomes[0]
        // Each group mean lognormal with CV² = V/(n μ²): L_k ~ N(0, 2σ²), σ² = log(1 + CV²).
        let cv2 = (mu + mu * mu / theta) / (Double(n) * mu * mu)
        let s2 = 2 * log1p(cv2)
        let cohort = Normal.cdf(log(0.9) / s2.squareRoot())
        // Pooled: S = (e^{L1} + e^{L2})/2, mean e^{s²/2}, variance (e^{s²} − 1) e^{s²} / 2.
        let mean = exp(s2 / 2), variance = expm1(s2) * exp(s2) / 2
        let sigma2 = log1p(variance / (mean * mean))
        let pooled = Normal.cdf((log(0.925) - log(mean) + sigma2 / 2) / sigma2.squareRoot())
        let approx = simulation.approximateTriggerProbabilities(effect: 0)
        XCTAssertEqual(approx.cohorts[0], cohort, accuracy: 1e-14)
        XCTAssertEqual(approx.pooled, pooled, accuracy: 1e-14)
        XCTAssertEqual(o.approximatePooledTrigger, pooled, accuracy: 1e-14)
        for k in 0..<2 {
            XCTAssertEqual(o.cohortTrigger[k].value, cohort, accuracy: 4 * o.cohortTrigger[k].standardError)
        }
        XCTAssertEqual(o.pooledTrigger.value, pooled, accuracy: 4 * o.pooledTrigger.standardError)
        XCTAssertGreaterThan(o.pooledTrigger.value, 0.02)   // not trivially small at n = 400
        XCTAssertLessThan(o.pooledTrigger.value, 0.15)
        XCTAssertEqual(o.eventsAvoided.value, 0, accuracy: 4 * o.eventsAvoided.standardError)
        XCTAssertEqual(o.trueEventsAvoided, 0)
        XCTAssertEqual(o.pooledReduction.value, -cv2, accuracy: 4 * o.pooledReduction.standardError)
        // Paid events are never negative and something is paid in some replicates.
        XCTAssertGreaterThan(o.paidEventsAvoided.value, 0)
        XCTAssertGreaterThanOrEqual(o.anyPayment.value, o.pooledTrigger.value)
    }

    /// At a large effect (35%) every contract pays; measured events avoided are unbiased for the
    /// true `δ μ Σ n_T`.
    func testLargeEffectAlwaysPays() throws {
        let simulation = ContractSimulation(
            cohorts: Array(repeating: ContractCohort(cohortSize: 500, comparisonSize: 500), count: 3),
            dispersion: 0.94, effects: [0.35], replicates: 300, seed: 11)
        let o = try simulation.run().outcomes[0]
        for c in o.cohortTrigger { XCTAssertGreaterThan(c.value, 0.97) }
        XCTAssertEqual(o.pooledTrigger.value, 1)
        XCTAssertEqual(o.anyPayment.value, 1)
        XCTAssertEqual(o.trueEventsAvoided, 0.35 * 1.55 * 1500, accuracy: 1e-9)
        XCTAssertEqual(o.eventsAvoided.value, o.trueEventsAvoided, accuracy: 4 * o.eventsAvoided.standardError)
        XCTAssertEqual(o.pooledReduction.value, 0.35, accuracy: 0.01)
        XCTAssertGreaterThan(o.approximatePooledTrigger, 0.9999)
    }

    /// Thresholds of zero with the significance requirement leave the Wald test alone: with no
    /// effect a two-sided 5% test rejects on the favourable side with probability 2.5%, per cohort
    /// and pooled (sample variances, Poisson counts), within 4 Monte Carlo SEs.
    func testSignificanceRequirementGivesTestSize() throws {
        let terms = PaymentTerms(settlement: .perCohort, cohortThreshold: 0, pooledThreshold: 0, requireSignificance: true)
        let simulation = ContractSimulation(
            cohorts: Array(repeating: ContractCohort(cohortSize: 300, comparisonSize: 300), count: 2),
            baselineRate: 2, dispersion: .infinity, terms: terms, effects: [0], replicates: 4000, seed: 5)
        let o = try simulation.run().outcomes[0]
        for c in o.cohortTrigger { XCTAssertEqual(c.value, 0.025, accuracy: 4 * (0.025 * 0.975 / 4000).squareRoot()) }
        XCTAssertEqual(o.pooledTrigger.value, 0.025, accuracy: 4 * (0.025 * 0.975 / 4000).squareRoot())
        // Without the requirement, a zero threshold pays about half the time.
        var plain = simulation
        plain.terms.requireSignificance = false
        XCTAssertEqual(try plain.run().outcomes[0].pooledTrigger.value, 0.5, accuracy: 0.05)
    }

    /// The payment rule on hand-made totals: Peterborough's cohort 1 (142 against 155 events per
    /// 100: 8.4%) misses the 10% trigger; exactly 10% (1,395 against 1,550) meets it despite
    /// rounding; a pooled result of 7.5% or more pays every cohort, negative ones as zero; one
    /// cohort alone never meets the pooled trigger; the significance requirement can veto.
    func testPaymentRule() throws {
        func assessor(_ sizes: [(Int, Int)], terms: PaymentTerms = PaymentTerms(settlement: .perCohort)) -> ContractAssessor {
            ContractAssessor(ContractSimulation(cohorts: sizes.map { ContractCohort(cohortSize: $0.0, comparisonSize: $0.1) },
                                                dispersion: 1, terms: terms))
        }
        // (Σy_T, Σy_T², Σy_C, Σy_C²) per cohort; squares chosen for a variance of about 2.
        func totals(_ t: Int, _ c: Int, n: Int = 1000) -> (Int, Int, Int, Int) {
            (t, t * t / n + 2 * n, c, c * c / n + 2 * n)
        }
        let single = assessor([(1000, 1000)])
        let cohort1 = try single.assess { _ in totals(1420, 1550) }
        XCTAssertFalse(cohort1.cohortTriggered(0))
        XCTAssertEqual(cohort1.pooledReduction, 1 - 1.42 / 1.55, accuracy: 1e-15)
        XCTAssertEqual(cohort1.paidEventsAvoided, 0)
        XCTAssertEqual(cohort1.eventsAvoided, 130, accuracy: 1e-9)
        let exact = try single.assess { _ in totals(1395, 1550) }
        XCTAssertTrue(exact.cohortTriggered(0), "reduction \(1 - 1.395 / 1.55)")
        XCTAssertFalse(exact.pooledTriggerMet)   // a single cohort has no pooled trigger
        XCTAssertEqual(exact.paidEventsAvoided, 155, accuracy: 1e-9)

        // Two cohorts: 8.4% and 9.6% → pooled 9.0%: both paid through the catch-up.
        let two = assessor([(1000, 1000), (1000, 1000)])
        let pooled = try two.assess { j in j == 0 ? totals(1420, 1550) : totals(1401, 1550) }
        XCTAssertFalse(pooled.cohortTriggered(0))
        XCTAssertFalse(pooled.cohortTriggered(1))
        XCTAssertTrue(pooled.pooledTriggerMet)
        XCTAssertEqual(pooled.paidEventsAvoided, 130 + 149, accuracy: 1e-9)
        // 20% and −2%: cohort 1 triggers; pooled 9% pays cohort 2 too, at zero events.
        let mixed = try two.assess { j in j == 0 ? totals(1240, 1550) : totals(1581, 1550) }
        XCTAssertTrue(mixed.cohortTriggered(0))
        XCTAssertTrue(mixed.pooledTriggerMet)
        XCTAssertEqual(mixed.eventsAvoided, 310 - 31, accuracy: 1e-9)
        XCTAssertEqual(mixed.paidEventsAvoided, 310, accuracy: 1e-9)
        // Unequal cohorts weight by size: 20% on 200 people and 0% on 800 → 4%, not pooled.
        let unequal = try assessor([(200, 200), (800, 800)]).assess { j in
            j == 0 ? totals(248, 310, n: 200) : totals(1240, 1240, n: 800)
        }
        XCTAssertEqual(unequal.pooledReduction, 0.04, accuracy: 1e-15)
        XCTAssertTrue(unequal.cohortTriggered(0))
        XCTAssertFalse(unequal.pooledTriggerMet)

        // The simulation pays what the terms' settlement pays: 16.1%, 8.4% and -0.6% (pooled 7.97%)
        // pay 250 + 130 + 0 events per cohort, and 250 + 130 - 10 = 370 under the pooled settlement.
        let three = [(1000, 1000), (1000, 1000), (1000, 1000)]
        let sums = [totals(1300, 1550), totals(1420, 1550), totals(1677, 1667)]
        XCTAssertEqual(try assessor(three).assess { sums[$0] }.paidEventsAvoided, 380)
        let pooledTerms = PaymentTerms(settlement: .pooled)
        XCTAssertEqual(try assessor(three, terms: pooledTerms).assess { sums[$0] }.paidEventsAvoided, 370)

        // Significance: a 20% reduction on 20 people with a large variance is not significant.
        let strict = assessor([(20, 20)], terms: PaymentTerms(settlement: .perCohort, requireSignificance: true))
        let noisy = try strict.assess { _ in (24, 400, 30, 500) }
        XCTAssertFalse(noisy.cohortTriggered(0))
        XCTAssertTrue(try assessor([(20, 20)]).assess { _ in (24, 400, 30, 500) }.cohortTriggered(0))

        // The test is the evaluation's: log rate ratio, delta method. 100 vs 100 people, sums 100
        // and 150, sums of squares 300 and 500: s_T² = 20000/9900, s_C² = 27500/9900,
        // SE² = s_T²/(100·1²) + s_C²/(100·1.5²), z = log(1.5)/SE.
        let tests = assessor([(100, 100)]).waldTests([(100, 300, 150, 500)])
        let se = (20000.0 / 9900 / 100 + 27500.0 / 9900 / (100 * 2.25)).squareRoot()
        XCTAssertEqual(tests.cohorts[0].pValue, 2 * Normal.cdf(-log(1.5) / se), accuracy: 1e-14)
        XCTAssertEqual(tests.pooled.pValue, tests.cohorts[0].pValue, accuracy: 1e-15)
        XCTAssertFalse(assessor([(100, 100)]).waldTests([(0, 0, 150, 500)]).cohorts[0].significant, "no treated events: not estimable")
    }

    func testValidation() {
        let ok = ContractSimulation(dispersion: 1, replicates: 2)
        XCTAssertNoThrow(try ok.validate())
        var bad = ok; bad.cohorts = []
        XCTAssertThrowsError(try bad.run())
        bad = ok; bad.cohorts = [ContractCohort(cohortSize: 1, comparisonSize: 10)]
        XCTAssertThrowsError(try bad.run())
        bad = ok; bad.effects = [1.5]
        XCTAssertThrowsError(try bad.run())
        bad = ok; bad.replicates = 1
        XCTAssertThrowsError(try bad.run())
        bad = ok; bad.threads = 0
        XCTAssertThrowsError(try bad.run())
        bad = ok; bad.dispersion = 0
        XCTAssertThrowsError(try bad.run())
        // Effect 1 (no treated events) runs.
        var full = ok
        full.cohorts = [ContractCohort(cohortSize: 50, comparisonSize: 50), ContractCohort(cohortSize: 50, comparisonSize: 50)]
        full.effects = [1]
        full.replicates = 20
        XCTAssertEqual(try full.run().outcomes[0].pooledTrigger.value, 1)
    }
}
