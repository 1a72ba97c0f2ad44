import Foundation
import XCTest
import Columns
@testable import Balance
import Parallel

/// `summarizeBalance` on a hand-worked example, and parallel/serial agreement.
final class SummaryTests: XCTestCase {
    let tolerance = 1e-12

    // Treated rows 0–2 (x = 1, 2, 3) are paired 1:1 with controls 3–5 (x = 2, 4, 6);
    // control 6 (x = 8) is discarded (weight 0, no set).
    let x = BalanceCovariate(name: "x", values: [1, 2, 3, 2, 4, 6, 8])
    let b = BalanceCovariate(name: "b", values: [1, 0, 1, 1, 0, 0, 1])
    let treated = [true, true, true, false, false, false, false]
    let weights: [Double] = [1, 1, 1, 1, 1, 1, 0]
    let subclass: [Int?] = [1, 2, 3, 1, 2, 3, nil]
    let discarded = [false, false, false, false, false, false, true]

    func summary(subclass: [Int?]?, matchMatrix: MatchMatrix? = nil) -> BalanceSummary {
        summarizeBalance(covariates: [x, b], treated: treated, weights: weights, subclass: subclass.map { SubclassNumbers($0) },
                         discarded: discarded, estimand: .att, matchMatrix: matchMatrix)
    }

    func testHandWorkedContinuousRows() throws {
        let s = summary(subclass: subclass)
        let all = s.all[0], matched = s.matched[0]
        XCTAssertEqual(all.name, "x")

        // All: means 2 and 5 (discarded unit included); SMD −3 / 1; VR 1 / (20/3).
        // eCDF over values 1, 2, 3, 4, 6, 8: F_t = 1/3, 2/3, 1, 1, 1, 1; F_c = 0, 1/4, 1/4, 1/2, 3/4, 1
        // → 1/3, 5/12, 3/4, 1/2, 1/4, 0: mean 27/12 / 6 = .375, max .75. No pair distance.
        XCTAssertEqual(all.meanTreated, 2, accuracy: tolerance)
        XCTAssertEqual(all.meanControl, 5, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.standardizedMeanDifference), -3, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.varianceRatio), 0.15, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.ecdfMean), 0.375, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.ecdfMax), 0.75, accuracy: tolerance)
        XCTAssertNil(all.standardizedPairDistance)

        // Matched: control mean 4; SMD −2 / 1 (full-sample treated SD); VR 1 / 4.
        // eCDF (x = 8 still counts as a distinct value): F_c = 0, 1/3, 1/3, 2/3, 1, 1
        // → 1/3, 1/3, 2/3, 1/3, 0, 0: mean (5/3) / 6 = 5/18, max 2/3.
        // Pair distance: |2 − 1|, |4 − 2|, |6 − 3| → 2, / 1.
        XCTAssertEqual(matched.meanTreated, 2, accuracy: tolerance)
        XCTAssertEqual(matched.meanControl, 4, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.standardizedMeanDifference), -2, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.varianceRatio), 0.25, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.ecdfMean), 5.0 / 18.0, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.ecdfMax), 2.0 / 3.0, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.standardizedPairDistance), 2, accuracy: tolerance)
    }

    func testHandWorkedBinaryRows() throws {
        let s = summary(subclass: subclass)
        let all = s.all[1], matched = s.matched[1]
        // treated p = 2/3; all controls (1, 0, 0, 1) p = 1/2; matched controls (1, 0, 0) p = 1/3.
        // Scale sqrt(2/3 · 1/3) = sqrt(2)/3. No variance ratio; eCDF statistics = |difference|.
        let scale = 2.0.squareRoot() / 3
        XCTAssertEqual(all.meanTreated, 2.0 / 3.0, accuracy: tolerance)
        XCTAssertEqual(all.meanControl, 0.5, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.standardizedMeanDifference), (2.0 / 3.0 - 0.5) / scale, accuracy: tolerance)
        XCTAssertNil(all.varianceRatio)
        XCTAssertEqual(try XCTUnwrap(all.ecdfMean), 2.0 / 3.0 - 0.5, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(all.ecdfMax), 2.0 / 3.0 - 0.5, accuracy: tolerance)

        XCTAssertEqual(matched.meanControl, 1.0 / 3.0, accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(matched.standardizedMeanDifference), (1.0 / 3.0) / scale, accuracy: tolerance)
        XCTAssertNil(matched.varianceRatio)
        XCTAssertEqual(try XCTUnwrap(matched.ecdfMax), 1.0 / 3.0, accuracy: tolerance)
        // pairs (1, 1), (0, 0), (1, 0) → mean 1/3, standardised by the same scale
        XCTAssertEqual(try XCTUnwrap(matched.standardizedPairDistance), (1.0 / 3.0) / scale, accuracy: tolerance)
    }

    func testSampleSizes() {
        let n = summary(subclass: subclass).sampleSizes
        XCTAssertEqual(n.allESS, GroupCounts(control: 4, treated: 3))
        XCTAssertEqual(n.all, GroupCounts(control: 4, treated: 3))
        XCTAssertEqual(n.matchedESS, GroupCounts(control: 3, treated: 3))
        XCTAssertEqual(n.matched, GroupCounts(control: 3, treated: 3))
        XCTAssertEqual(n.unmatched, GroupCounts(control: 0, treated: 0))   // the weight-0 control is discarded
        XCTAssertEqual(n.discarded, GroupCounts(control: 1, treated: 0))
    }

    func testUnequalWeightsGiveESSBelowCount() {
        // controls weighted 0.5, 0.5, 2 (normalised to mean 1): ESS = 9 / 4.5 = 2
        let s = summarizeBalance(covariates: [x], treated: treated, weights: [1, 1, 1, 0.5, 0.5, 2, 0],
                                 subclass: nil, discarded: Array(repeating: false, count: 7))
        XCTAssertEqual(s.sampleSizes.matchedESS.control, 2, accuracy: tolerance)
        XCTAssertEqual(s.sampleSizes.matched.control, 3)
        XCTAssertEqual(s.sampleSizes.unmatched.control, 1)
    }

    func testPairDistanceNeedsMatchedSets() throws {
        let none = summary(subclass: nil)
        XCTAssertNil(none.matched[0].standardizedPairDistance)
        // Every other statistic is unaffected.
        var stripped = summary(subclass: subclass).matched
        for i in stripped.indices { stripped[i].standardizedPairDistance = nil }
        XCTAssertEqual(none.matched, stripped)

        // A match matrix gives the same pairs here, hence the same distance.
        let mm = MatchMatrix(focalUnits: [0, 1, 2], matches: [[3], [4], [5]])
        let viaMatrix = summary(subclass: nil, matchMatrix: mm)
        XCTAssertEqual(try XCTUnwrap(viaMatrix.matched[0].standardizedPairDistance), 2, accuracy: tolerance)
    }

    func testParallelAndSerialResultsAreIdentical() {
        // A synthetic cohort: 30,000 units, continuous, integer-valued and binary columns.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 30_000
        var treated = [Bool](), weights = [Double](), subclass = [Int?](), discarded = [Bool]()
        var c1 = [Double](), c2 = [Double](), c3 = [Double](), c4 = [Double]()
        var set = 0
        for i in 0..<n {
            let isTreated = i % 4 == 0
            if isTreated { set += 1 }
            treated.append(isTreated)
            let matched = isTreated || i % 4 == 1
            weights.append(matched ? 1 : 0)
            subclass.append(matched ? set : nil)
            discarded.append(!matched && i % 7 == 0)
            c1.append(next() + (isTreated ? 0.2 : 0))
            c2.append((next() * 50).rounded())
            c3.append(next() < (isTreated ? 0.6 : 0.4) ? 1 : 0)
            c4.append(next() * 10_000)
        }
        let covariates = [
            BalanceCovariate(name: "c1", values: c1), BalanceCovariate(name: "c2", values: c2),
            BalanceCovariate(name: "c3", values: c3), BalanceCovariate(name: "c4", values: c4),
        ]
        func run(_ threshold: Int) -> BalanceSummary {
            summarizeBalance(covariates: covariates, treated: treated, weights: weights, subclass: SubclassNumbers(subclass),
                             discarded: discarded, estimand: .att, matchMatrix: nil, parallelRowThreshold: threshold)
        }
        let serial = run(Int.max), parallel = run(0)
        XCTAssertEqual(serial.all, parallel.all)
        XCTAssertEqual(serial.matched, parallel.matched)
        XCTAssertEqual(serial.sampleSizes, parallel.sampleSizes)
        // The public entry point (which goes parallel at this size) agrees too.
        let publicRun = summarizeBalance(covariates: covariates, treated: treated, weights: weights,
                                         subclass: SubclassNumbers(subclass), discarded: discarded)
        XCTAssertEqual(publicRun.matched, serial.matched)
        // And the fused kernels agree with the stand-alone formulas.
        XCTAssertEqual(serial.matched[0].varianceRatio, varianceRatio(c1, treated: treated, weights: weights))
        XCTAssertEqual(serial.matched[3].ecdfMax, ecdfStatistics(c4, treated: treated, weights: weights)?.max)
    }
}

/// The balance tables formed in two phases (the part that does not depend on the match first,
/// possibly beside it on another thread, with or without the columns sorted in advance) are the
/// same bits as in one.
final class BalancePreparationTests: XCTestCase {
    /// Every number of the tables, exactly (JSON keeps the shortest round-trip form of each double).
    func bits(_ summary: BalanceSummary) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(summary), as: UTF8.self)
    }

    func testPreparedPresortedAndBesideGiveTheSameTables() throws {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        let n = 25_000
        var treated = [Bool](), weights = [Double](), subclass = [Int?](), discarded = [Bool]()
        var dense = [[Double]](repeating: [], count: 4)
        var codes = [Int32]()
        var set = 0
        for i in 0..<n {
            let isTreated = next() < 0.2
            if isTreated { set += 1 }
            treated.append(isTreated)
            let matched = isTreated || next() < 0.25
            weights.append(matched ? (isTreated ? 1 : [0.5, 1, 2][i % 3]) : 0)
            subclass.append(matched && set > 0 ? set : nil)
            discarded.append(!matched && i % 11 == 0)
            dense[0].append(next() - 0.5)                          // continuous, both signs
            dense[1].append((next() * 20).rounded())               // many ties
            dense[2].append(next() < 0.5 ? -0.0 : 0.0)             // signed zeros (binary)
            dense[3].append(next() < (isTreated ? 0.6 : 0.4) ? 1 : 0)
            codes.append(Int32(next() * 5))
        }
        let covariates = dense.enumerated().map { BalanceCovariate(name: "x\($0.offset)", values: $0.element) }
            + (0..<5).map { BalanceCovariate(name: "f\($0)", column: .indicator(codes: codes, level: Int32($0))) }
        let matrix = MatchMatrix(
            focalUnits: (0..<n).filter { treated[$0] },
            matches: (0..<n).filter { treated[$0] }.map { f in [(f + 1) % n, (f + 7) % n].filter { !treated[$0] } })
        for (sets, mm) in [(subclass, nil), (nil, matrix)] as [([Int?]?, MatchMatrix?)] {
            for estimand in [BalanceEstimand.att, .atc, .ate] {
                let reference = summarizeBalance(
                    covariates: covariates, treated: treated, weights: weights, subclass: sets.map { SubclassNumbers($0) }, discarded: discarded,
                    estimand: estimand, matchMatrix: mm, parallelRowThreshold: Int.max)
                // Indicators (counted) give the tables of the same 0/1 values stored as doubles
                // (the dense path: West's running moments, four columns per pass).
                let asDoubles = covariates.map { BalanceCovariate(name: $0.name, values: $0.column.values) }
                let denseReference = summarizeBalance(
                    covariates: asDoubles, treated: treated, weights: weights, subclass: sets.map { SubclassNumbers($0) }, discarded: discarded,
                    estimand: estimand, matchMatrix: mm, parallelRowThreshold: Int.max)
                XCTAssertEqual(try bits(reference), try bits(denseReference), "indicators as doubles, \(estimand)")
                for presort in [false, true] {
                    for parallel in [false, true] {
                        let prepared = BalancePreparation(covariates: covariates, treated: treated, parallel: parallel, presort: presort)
                        let summary = summarizeBalance(
                            prepared: prepared, weights: weights, subclass: sets.map { SubclassNumbers($0) }, discarded: discarded, estimand: estimand,
                            matchMatrix: mm, parallelRowThreshold: parallel ? 0 : Int.max)
                        XCTAssertEqual(try bits(summary), try bits(reference), "presort \(presort), parallel \(parallel), \(estimand)")
                        // The national-scale form: rows one column at a time, pair distances in parallel first.
                        let serialRows = summarizeBalance(
                            prepared: prepared, weights: weights, subclass: sets.map { SubclassNumbers($0) }, discarded: discarded, estimand: estimand,
                            matchMatrix: mm, parallelRowThreshold: parallel ? 0 : Int.max, serialRowThreshold: 0)
                        XCTAssertEqual(try bits(serialRows), try bits(reference), "rows serial, presort \(presort), parallel \(parallel), \(estimand)")
                    }
                    // Beside other work, as the pipeline runs it.
                    let work = BalancePreparation.Work(covariates: covariates, treated: treated, presort: presort)
                    let (pieces, _) = Parallel.beside(tasks: work.count, { work.run($0) }, { usleep(1_000) })
                    let summary = summarizeBalance(
                        prepared: BalancePreparation(work, pieces: pieces), weights: weights, subclass: sets.map { SubclassNumbers($0) },
                        discarded: discarded, estimand: estimand, matchMatrix: mm)
                    XCTAssertEqual(try bits(summary), try bits(reference), "beside, presort \(presort), \(estimand)")
                    // Columns 0, 1 and 2 ordered elsewhere (as the matcher ranks the distance) and
                    // adopted; the order here is a stable comparison sort, independent of RadixSort.
                    // Column 2 mixes -0.0 and +0.0 (one key for the order).
                    let elsewhere = BalancePreparation.Work(covariates: covariates, treated: treated, presort: presort, sortedElsewhere: [0, 1, 2])
                    XCTAssertEqual(elsewhere.count, work.count - (presort ? 3 : 0))
                    let (otherPieces, _) = Parallel.beside(tasks: elsewhere.count, { elsewhere.run($0) }, { usleep(1_000) })
                    // The orders adopted with their sorted values (as the matcher hands them on).
                    var withValues = BalancePreparation(elsewhere, pieces: otherPieces)
                    for j in [0, 1, 2] {
                        let x = dense[j]
                        let order = (0..<n).sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
                        withValues.adoptOrder(order.map { Int32($0) }, sortedValues: order.map { x[$0] == 0 ? 0 : x[$0] }, ofColumn: j)
                    }
                    let withValuesSummary = summarizeBalance(
                        prepared: withValues, weights: weights, subclass: sets.map { SubclassNumbers($0) }, discarded: discarded, estimand: estimand, matchMatrix: mm)
                    XCTAssertEqual(try bits(withValuesSummary), try bits(reference), "adopted orders and values, presort \(presort), \(estimand)")
                }
            }
        }
        // The sorts cover exactly the dense non-binary columns.
        let prepared = BalancePreparation(covariates: covariates, treated: treated, parallel: false, presort: true)
        XCTAssertEqual(prepared.sorted.map { $0 != nil }, [true, true, false, false, false, false, false, false, false])
    }

    /// An order and values adopted from elsewhere (here a comparison sort, independent of
    /// `RadixSort`) equal the radix sort's, value for value (-0.0 as +0.0), for a column with many
    /// ties and both zeros: the checks of `PresortedColumn(checkedOrder:values:of:)` accept them.
    func testAdoptedRankingEqualsTheSort() {
        let n = 300_000
        var state: UInt64 = 7
        let x = (0..<n).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let k = Int(state >> 40) % 5_000
            return k == 0 ? -0.0 : k == 1 ? 0.0 : Double(k - 2_500) / 8
        }
        let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
        x.withUnsafeBufferPointer { column in
            let sorted = PresortedColumn(column)
            let adopted = PresortedColumn(checkedOrder: order.map { Int32($0) }, values: order.map { x[$0] == 0 ? 0 : x[$0] },
                                          of: column)
            XCTAssertEqual(adopted.rows, sorted.rows)
            XCTAssertEqual(adopted.runs, sorted.runs)
            // The runs are the comparison sort's runs of equal values (both zeros one run).
            var runs: [Int32] = []
            var start = 0
            for k in 0..<n where k == n - 1 || x[order[k]] != x[order[k + 1]] {
                runs.append(Int32(k + 1 - start))
                start = k + 1
            }
            XCTAssertEqual(sorted.runs, runs)
            XCTAssertEqual(runs.count, Set(x.map { $0 == 0 ? 0 : $0 }).count)
        }
    }

    /// The matched sets grouped by a counting sort (small ids) and by a comparison sort (other ids)
    /// visit the same rows in the same order.
    func testMatchedSetLayoutIsTheSameForAnyNumbering() {
        let ids: [Int?] = [3, nil, 1, 3, 2, nil, 1, 2, 3, 7]
        let small = MatchedSetLayout(subclass: SubclassNumbers(ids))
        let large = MatchedSetLayout(subclass: SubclassNumbers(ids.map { $0.map { $0 * 1_000_000 - 5 } }))
        let negative = MatchedSetLayout(subclass: SubclassNumbers(ids.map { $0.map { $0 - 10 } }))
        XCTAssertEqual(small.rows, [2, 6, 4, 7, 0, 3, 8, 9])
        XCTAssertEqual(small.starts, [0, 2, 4, 7, 8])
        // The members in row order, each with its place in `rows` (how columns are read into set order).
        for layout in [small, large, negative] {
            XCTAssertEqual(layout.memberRows, [0, 2, 3, 4, 6, 7, 8, 9])
            XCTAssertEqual(layout.memberPlaces.map { layout.rows[Int($0)] }, layout.memberRows.map { Int($0) })
        }
        for other in [large, negative] {
            XCTAssertEqual(other.rows, small.rows)
            XCTAssertEqual(other.starts, small.starts)
        }
        let none = MatchedSetLayout(subclass: [nil, nil])
        XCTAssertEqual(none.rows, [])
        XCTAssertEqual(none.starts, [0])
    }
}

/// The eCDF weight table: distinct weight pairs shared by units, or one entry per unit when there are
/// too many; the statistics are the same either way.
final class ECDFWeightTableTests: XCTestCase {
    func testTableOrPerUnitWeightsGiveTheSameStatistics() {
        var state: UInt64 = 7
        func next() -> Double { state = state &* 6_364_136_223_846_793_005 &+ 1; return Double(state >> 11) / Double(1 << 53) }
        let n = 10_000
        let x = (0..<n).map { _ in (next() * 40).rounded() }
        let treated = (0..<n).map { _ in next() < 0.3 }
        // Few distinct matching weights (a table of a handful of pairs)...
        let few = (0..<n).map { _ in [0, 1, 0.5, 1.0 / 3][Int(next() * 4)] }
        // ...and all different (more than ECDFWeights.maximumDistinct: one entry per unit).
        let many = (0..<n).map { _ in next() }
        for weights in [few, many] {
            let signedAll = treated.withUnsafeBufferPointer { t in [Double](repeating: 1, count: n).withUnsafeBufferPointer { signedGroupWeights(treated: t, weights: $0) } }
            let signedMatched = treated.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { signedGroupWeights(treated: t, weights: $0) } }
            let table = ECDFWeights(zip(signedAll, signedMatched).map { SIMD2($0, $1) })
            XCTAssertEqual(table.table.count <= ECDFWeights.maximumDistinct, weights == few)
            let (a, m) = x.withUnsafeBufferPointer { ecdfScan(SortedColumn($0, weights: table), weights: table) }
            // Each lane equals the one-weighting formula.
            XCTAssertEqual(a, ecdfStatistics(x, treated: treated, weights: [Double](repeating: 1, count: n)))
            XCTAssertEqual(m, ecdfStatistics(x, treated: treated, weights: weights))
            // Each lane scanned alone, and both on two threads, give the same numbers.
            let sorted = x.withUnsafeBufferPointer { SortedColumn($0, weights: table) }
            XCTAssertEqual(ecdfScan(sorted, weights: table, lane: 0), a)
            XCTAssertEqual(ecdfScan(sorted, weights: table, lane: 1), m)
            let both = ecdfScan(sorted, weights: table, lanesInParallel: true)
            XCTAssertEqual(both.0, a)
            XCTAssertEqual(both.1, m)
        }
    }
}
