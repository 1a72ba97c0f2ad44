import XCTest
import TestSupport
@testable import Outcomes

/// The seeded cluster bootstrap. R's generator differs, so there is no R fixture: the tests check
/// bit-identical results for any thread count and closed-form limits (the generator itself,
/// `Randomness.RandomStream`, is checked against reference outputs in RandomnessTests).
final class BootstrapTests: XCTestCase {
    /// The lalonde 1:1 match clustered by matched pair: results are identical (bit for bit,
    /// every replicate) with 1, 2, 3 and 8 threads, and with a different seed they differ.
    func testDeterministicAcrossThreadCounts() throws {
        let sample = try Design("nn_1to1").sample("count")
        var results: [BootstrapResult] = []
        for threads in [1, 2, 3, 8] {
            results.append(try ClusterBootstrap(replicates: 999, seed: 20251123, threads: threads).run(sample))
        }
        for r in results.dropFirst() { XCTAssertEqual(r, results[0]) }
        let other = try ClusterBootstrap(replicates: 999, seed: 7, threads: 2).run(sample)
        XCTAssertNotEqual(other.difference.replicates, results[0].difference.replicates)
        // The full-sample statistics are the group rates.
        let rates = try GroupRates(sample)
        XCTAssertEqual(results[0].difference.estimate, rates.difference)
        XCTAssertEqual(results[0].relativeReduction.estimate, try rates.relativeReduction())
        XCTAssertEqual(results[0].difference.invalidReplicates, 0)
        XCTAssertLessThan(results[0].difference.lower, results[0].difference.estimate)
        XCTAssertGreaterThan(results[0].difference.upper, results[0].difference.estimate)
    }

    /// Matched pairs with equal weights: the bootstrap difference is the mean of G resampled pair
    /// differences d_g, so its variance is Σ(d_g − d̄)²/G² exactly in expectation, and its mean is
    /// d̄. With B = 40 000 replicates the Monte Carlo error of the SD is about 0.35%; we allow 2%
    /// (SD) and 1.5 Monte Carlo standard errors' worth of 0.02 SD (mean).
    func testClosedFormVarianceOfPairedDifference() throws {
        let g = 60
        var y: [Double] = [], t: [Bool] = [], c: [Int?] = []
        var d: [Double] = []
        for k in 0..<g {
            let treated = Double((k * 37) % 11) + 1, control = Double((k * 17) % 7) + 2
            y += [treated, control]; t += [true, false]; c += [k, k]
            d.append(treated - control)
        }
        let sample = try MatchedSample(outcome: y, treated: t, weights: Array(repeating: 1, count: 2 * g), cluster: c)
        let result = try ClusterBootstrap(replicates: 40_000, seed: 1, threads: 2).run(sample)
        let mean = d.reduce(0, +) / Double(g)
        let sd = (d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(g * g)).squareRoot()
        XCTAssertEqual(result.difference.estimate, mean, accuracy: 1e-12)
        XCTAssertEqual(result.difference.standardError / sd, 1, accuracy: 0.02)
        XCTAssertEqual(result.difference.replicateMean, mean, accuracy: 0.02 * sd)
        // Percentile interval ≈ mean ± 1.96 sd (near-normal by the CLT), to 5%.
        XCTAssertEqual((result.difference.upper - result.difference.lower) / (2 * 1.959964 * sd), 1, accuracy: 0.05)
    }

    /// Identical clusters: every resample equals the sample, so SE = 0 and the interval collapses.
    func testIdenticalClustersGiveZeroSpread() throws {
        let y: [Double] = [1, 3, 1, 3, 1, 3]
        let sample = try MatchedSample(outcome: y, treated: [true, false, true, false, true, false],
                                       weights: [1, 1, 1, 1, 1, 1], cluster: [1, 1, 2, 2, 3, 3])
        let r = try ClusterBootstrap(replicates: 200, seed: 3, threads: 3).run(sample)
        XCTAssertEqual(r.difference.standardError, 0)
        XCTAssertEqual(r.difference.lower, -2)
        XCTAssertEqual(r.difference.upper, -2)
        XCTAssertEqual(r.relativeReduction.lower, 1 - 1.0 / 3, accuracy: 1e-15)
    }

    /// Clusters that are not matched sets can leave an arm empty: those replicates are reported
    /// as undefined, not NaN.
    func testUndefinedReplicatesAreCounted() throws {
        let sample = try MatchedSample(outcome: [1, 2, 3, 4], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        let r = try ClusterBootstrap(replicates: 500, seed: 9, threads: 2).run(sample)
        XCTAssertGreaterThan(r.difference.invalidReplicates, 0)
        XCTAssertTrue(r.difference.replicates.allSatisfy { $0.map(\.isFinite) ?? true })
        XCTAssertTrue(r.difference.standardError.isFinite)
    }

    /// R's `quantile(type = 7)`: quantile(c(1, 2, 4, 8), c(0.025, 0.5, 0.975)) = 1.075, 3, 7.7.
    func testQuantileType7() {
        XCTAssertEqual(quantileType7([1, 2, 4, 8], 0.025), 1.075, accuracy: 1e-15)
        XCTAssertEqual(quantileType7([1, 2, 4, 8], 0.5), 3, accuracy: 1e-15)
        XCTAssertEqual(quantileType7([1, 2, 4, 8], 0.975), 7.7, accuracy: 1e-14)
    }

    func testErrors() throws {
        let sample = try MatchedSample(outcome: [1, 2, 3, 4], treated: [true, false, true, false], weights: [1, 1, 1, 1],
                                       cluster: [1, 1, 1, 1])
        XCTAssertThrowsError(try ClusterBootstrap(replicates: 100, seed: 1).run(sample)) {
            XCTAssertEqual($0 as? OutcomesError, .tooFewClusters(found: 1))
        }
        XCTAssertThrowsError(try ClusterBootstrap(replicates: 1, seed: 1).run(sample)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try ClusterBootstrap(replicates: 10, seed: 1, threads: 0).run(sample)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        // After matching with replacement the matched-set bootstrap is refused, in one sentence.
        let pairs = try MatchedSample(outcome: [1, 2, 3, 4], treated: [true, false, true, false], weights: [1, 1, 1, 1],
                                      cluster: [1, 1, 2, 2])
        XCTAssertNoThrow(try ClusterBootstrap(replicates: 10, seed: 1).run(pairs, matchedWithReplacement: false))
        XCTAssertThrowsError(try ClusterBootstrap(replicates: 10, seed: 1).run(pairs, matchedWithReplacement: true)) {
            XCTAssertEqual($0 as? OutcomesError, .bootstrapWithReplacement)
            let reason = String(describing: $0)
            XCTAssertTrue(reason.hasSuffix(".") && !reason.dropLast().contains(". "), reason)
            XCTAssertTrue(reason.contains("with replacement"), reason)
        }
        let zero = try MatchedSample(outcome: [1, 0, 3, 0], treated: [true, false, true, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try ClusterBootstrap(replicates: 10, seed: 1).run(zero)) {
            XCTAssertEqual($0 as? OutcomesError, .zeroComparisonMean)
        }
    }
}
