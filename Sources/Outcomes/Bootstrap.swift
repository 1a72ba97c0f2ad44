import Dispatch
import Foundation
import Parallel
import RArithmetic
import Randomness

/// Summary of bootstrap replicates of one statistic.
public struct BootstrapSummary: Sendable, Equatable {
    /// The statistic on the original sample.
    public let estimate: Double
    /// Standard deviation of the valid replicates (denominator `m − 1`).
    public let standardError: Double
    /// Percentile interval: quantiles `(1 ∓ level)/2` of the valid replicates, R's default
    /// `quantile(type = 7)` (linear interpolation between order statistics).
    public let lower: Double
    public let upper: Double
    /// Mean of the valid replicates.
    public let replicateMean: Double
    /// Replicates in index order; `nil` where the statistic was undefined in that resample.
    public let replicates: [Double?]
    /// Number of replicates where the statistic was undefined (left out of the summary).
    public var invalidReplicates: Int { replicates.reduce(0) { $0 + ($1 == nil ? 1 : 0) } }
}

/// Results of a cluster bootstrap.
public struct BootstrapResult: Sendable, Equatable {
    /// Difference in weighted means `m_T − m_C`.
    public let difference: BootstrapSummary
    /// Relative reduction `1 − m_T/m_C`.
    public let relativeReduction: BootstrapSummary
    public let replicates: Int
    public let seed: UInt64
    public let level: Double
    public let clusterCount: Int
}

/// Seeded cluster bootstrap of the difference in weighted means and of the relative reduction.
///
/// Each replicate draws `G` clusters (matched sets) uniformly with replacement from the `G`
/// clusters of the sample, keeping every unit of a drawn cluster with its weight, and recomputes
/// `m_T`, `m_C` (weighted means) on the resample. Replicate `b` uses its own `RandomStream` (xoshiro256**) stream
/// `RandomStream(seed: seed, stream: b)`, so every replicate — and hence every result — is the same
/// whatever the number of threads; replicates are spread over threads with
/// `DispatchQueue.concurrentPerform`, and the summaries are computed afterwards in replicate order.
///
/// A resample can leave a group without units (possible when clusters are not matched sets), or
/// make `m_C = 0`; the statistic is then undefined for that replicate, which is recorded as `nil`
/// and left out of the standard error and the interval.
///
/// Not after matching with replacement: matched sets that share controls are not independent
/// units, so resampling them does not reproduce the sampling variation (Abadie and Imbens 2008,
/// "On the failure of the bootstrap for matching estimators", Econometrica 76(6)); `run` refuses
/// with `OutcomesError.bootstrapWithReplacement` and the two-way cluster-robust interval
/// (`LinearModelFit(_: MatchedSetRows)`) stands alone.
public struct ClusterBootstrap: Sendable {
    /// Number of replicates `B`.
    public var replicates: Int
    /// Seed of the replicate streams.
    public var seed: UInt64
    /// Confidence level of the percentile intervals.
    public var level: Double
    /// Worker threads (≥ 1); the results do not depend on it.
    public var threads: Int

    public init(replicates: Int, seed: UInt64, level: Double = 0.95,
                threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.replicates = replicates
        self.seed = seed
        self.level = level
        self.threads = threads
    }

    /// Runs the bootstrap.
    /// - Parameters:
    ///   - sample: the matched sample, clustered by matched set.
    ///   - matchedWithReplacement: whether the match allowed controls to be reused (the plan's
    ///     `replace`); the bootstrap is then refused.
    /// - Throws: `bootstrapWithReplacement` when `matchedWithReplacement`; `invalidArgument`
    ///   (fewer than 2 replicates, no threads, level outside (0, 1)); `emptyGroup`;
    ///   `tooFewClusters` (fewer than 2); `zeroComparisonMean` when the relative reduction is
    ///   undefined on the original sample; `tooFewObservations` when fewer than 2 replicates give
    ///   a defined statistic.
    public func run(_ sample: MatchedSample, matchedWithReplacement: Bool = false) throws -> BootstrapResult {
        guard !matchedWithReplacement else { throw OutcomesError.bootstrapWithReplacement }
        guard replicates >= 2 else { throw OutcomesError.invalidArgument("the bootstrap needs at least 2 replicates, got \(replicates)") }
        guard threads >= 1 else { throw OutcomesError.invalidArgument("threads must be at least 1, got \(threads)") }
        try validateLevel(level)
        let rates = try GroupRates(sample)
        let g = sample.clusterCount
        guard g >= 2 else { throw OutcomesError.tooFewClusters(found: g) }
        let fullRR = try rates.relativeReduction()

        // Per-cluster totals, contiguous: [Σw_T, Σwy_T, Σw_C, Σwy_C] per cluster.
        var totals = [Double](repeating: 0, count: 4 * g)
        for i in 0..<sample.count {
            let base = 4 * sample.clusterCode[i] + (sample.treated[i] ? 0 : 2)
            totals[base] += sample.weights[i]
            totals[base + 1] += sample.weights[i] * sample.outcome[i]
        }
        // Units per cluster and arm, to tell an empty arm from a zero weight sum.
        var units = [Int](repeating: 0, count: 2 * g)
        for i in 0..<sample.count { units[2 * sample.clusterCode[i] + (sample.treated[i] ? 0 : 1)] += 1 }

        let b = replicates
        let chunks = max(1, min(threads, b))
        let seed = self.seed
        let clusterTotals = totals, clusterUnits = units
        // Each replicate draws from its own stream, so the chunking (threads) never changes results.
        let work: @Sendable (Int) -> [(difference: Double?, reduction: Double?)] = { chunk in
            let lo = chunk * b / chunks, hi = (chunk + 1) * b / chunks
            var out: [(difference: Double?, reduction: Double?)] = []
            out.reserveCapacity(hi - lo)
            clusterTotals.withUnsafeBufferPointer { t in
                clusterUnits.withUnsafeBufferPointer { u in
                    for r in lo..<hi {
                        var rng = RandomStream(seed: seed, stream: UInt64(r))
                        var wT = 0.0, wyT = 0.0, wC = 0.0, wyC = 0.0
                        var nT = 0, nC = 0
                        for _ in 0..<g {
                            let c = rng.integer(below: g)
                            wT += t[4 * c]; wyT += t[4 * c + 1]
                            wC += t[4 * c + 2]; wyC += t[4 * c + 3]
                            nT += u[2 * c]; nC += u[2 * c + 1]
                        }
                        if nT > 0 && nC > 0 {
                            let mT = wyT / wT, mC = wyC / wC
                            out.append((mT - mC, mC != 0 ? 1 - mT / mC : nil))
                        } else {
                            out.append((nil, nil))
                        }
                    }
                }
            }
            return out
        }
        let values = (chunks == 1 ? [work(0)] : Parallel.map(chunks, work)).flatMap { $0 }
        let differences = values.map(\.difference)
        let reductions = values.map(\.reduction)
        return BootstrapResult(
            difference: try summarize(estimate: rates.difference, replicates: differences),
            relativeReduction: try summarize(estimate: fullRR, replicates: reductions),
            replicates: b, seed: seed, level: level, clusterCount: g)
    }

    func summarize(estimate: Double, replicates: [Double?]) throws -> BootstrapSummary {
        let valid = replicates.compactMap { $0 }
        guard valid.count >= 2 else { throw OutcomesError.tooFewObservations(needed: 2, found: valid.count) }
        var sum: ExtendedSum = 0
        for v in valid { sum += ExtendedSum(v) }
        let mean = Double(sum / ExtendedSum(valid.count))
        var ss: ExtendedSum = 0
        for v in valid { ss += ExtendedSum((v - mean) * (v - mean)) }
        let sd = (Double(ss) / Double(valid.count - 1)).squareRoot()
        let sorted = valid.sorted()
        return BootstrapSummary(
            estimate: estimate, standardError: sd,
            lower: quantileType7(sorted, (1 - level) / 2), upper: quantileType7(sorted, (1 + level) / 2),
            replicateMean: mean, replicates: replicates)
    }
}

/// R's `quantile(x, p, type = 7)` of sorted data: `x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋])`,
/// `h = (m − 1) p` (0-based).
func quantileType7(_ sorted: [Double], _ p: Double) -> Double {
    let m = sorted.count
    let h = Double(m - 1) * p
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, m - 1)
    let frac = h - Double(lo)
    return frac == 0 ? sorted[lo] : sorted[lo] + frac * (sorted[hi] - sorted[lo])
}
