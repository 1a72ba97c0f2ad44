import XCTest
@testable import Sorting
import TestSupport

/// The radix order must equal a stable comparison sort (ties in input order), for every kind of key.
final class RadixSortTests: XCTestCase {
    func reference(_ keys: [Double], descending: Bool) -> [Int32] {
        keys.indices.sorted { a, b in
            let x = keys[a], y = keys[b]
            if x == y { return a < b }
            return descending ? x > y : x < y
        }.map { Int32($0) }
    }

    func testMatchesStableComparisonSort() {
        var rng = SystemRandomNumberGenerator()
        let generators: [(String, () -> Double)] = [
            ("continuous", { Double.random(in: -1e6...1e6, using: &rng) }),
            ("integers with ties", { Double(Int.random(in: -5...20, using: &rng)) }),
            ("binary", { Double(Int.random(in: 0...1, using: &rng)) }),
            ("tiny and huge", { [1e-300, -1e-300, 5e-324, -0.0, 0.0, 1e300, -1e300, .infinity, -.infinity, 0.1][Int.random(in: 0..<10, using: &rng)] }),
            ("probabilities", { Double.random(in: 0..<1, using: &rng) }),
        ]
        for (name, draw) in generators {
            for n in [0, 1, 5, 255, 256, 1000, 70_000] {
                let keys = (0..<n).map { _ in draw() }
                XCTAssertEqual(RadixSort.ascendingOrder(keys), reference(keys, descending: false), "\(name) n=\(n) ascending")
                XCTAssertEqual(RadixSort.descendingOrder(keys), reference(keys, descending: true), "\(name) n=\(n) descending")
            }
        }
    }

    func testNegativeZeroTiesWithPositiveZero() {
        let keys = [0.0, -0.0, 0.0, -0.0] + Array(repeating: 1.0, count: 300)
        XCTAssertEqual(Array(RadixSort.ascendingOrder(keys).prefix(4)), [0, 1, 2, 3])
    }

    func testSortedValuesComeWithTheOrder() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 3, 255, 256, 5_000] {
            let keys = (0..<n).map { _ in Int.random(in: 0..<4, using: &rng) == 0 ? -0.0 : Double.random(in: -3...3, using: &rng).rounded() / 4 }
            let (order, sorted) = keys.withUnsafeBufferPointer { RadixSort.ascending($0) }
            XCTAssertEqual(order, reference(keys, descending: false), "n=\(n)")
            XCTAssertEqual(sorted, order.map { keys[Int($0)] }, "n=\(n)")  // == treats -0.0 and 0.0 alike
            XCTAssertFalse(sorted.contains { $0 == 0 && $0.sign == .minus }, "-0.0 comes back as +0.0")
        }
    }

    func testPayloadTravelsWithItsKey() {
        var rng = SystemRandomNumberGenerator()
        for n in [0, 7, 300, 20_000] {
            let keys = (0..<n).map { _ in Double(Int.random(in: -50...50, using: &rng)) / 8 }
            let payload = (0..<n).map { _ in UInt32.random(in: 0...UInt32.max, using: &rng) }
            let (runs, carried) = keys.withUnsafeBufferPointer { k in payload.withUnsafeBufferPointer { RadixSort.ascendingRuns(k, carrying: $0) } }
            let order = reference(keys, descending: false).map { Int($0) }
            XCTAssertEqual(carried, order.map { payload[$0] }, "n=\(n)")
            XCTAssertEqual(runs, order.map { keys[$0] }.withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:)), "n=\(n)")
        }
    }

    /// Keys with few distinct values take `sortFewDistinct` (a hash numbering and a counting sort);
    /// its order, sorted values and carried payloads must equal the radix passes' bit for bit, up to
    /// and just past the most distinct values it takes, for both directions, with -0.0 and +0.0
    /// mixed (one key) and values whose low bits differ (which the radix passes cannot skip).
    func testFewDistinctPathEqualsRadixPasses() {
        var rng = SplitMix64(seed: 20261126)
        let n = 40_000
        for distinct in [1, 2, 97, RadixSort.fewDistinctMaximum, RadixSort.fewDistinctMaximum + 1] {
            // `distinct` different keys: multiples of 0.1 around zero (0 written as -0.0 half the time).
            let pool = (0..<distinct).map { Double($0 - distinct / 2) / 10 }
            var keys = (0..<n).map { _ in pool[rng.below(distinct)] }
            for k in 0..<distinct { keys[k] = pool[k] }  // every value occurs
            for i in stride(from: n - 1, to: 0, by: -1) { keys.swapAt(i, rng.below(i + 1)) }
            for i in keys.indices where keys[i] == 0 && rng.below(2) == 0 { keys[i] = -0.0 }
            let seen = Set(keys.map { $0 == 0 ? 0 : $0 }).count
            XCTAssertEqual(seen, distinct)
            let payload = (0..<n).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            keys.withUnsafeBufferPointer { k in
                payload.withUnsafeBufferPointer { p in
                    let few = RadixSort.sortFewDistinct(k, descending: false, wantValues: true, payload: nil)
                    XCTAssertEqual(few == nil, seen > RadixSort.fewDistinctMaximum, "distinct=\(seen): taken only up to the maximum")
                    for descending in [false, true] {
                        // The runs of equal keys, from the radix passes' sorted values.
                        let values = RadixSort.sort(k, descending: descending, wantValues: true, tryFewDistinct: false).sorted
                        let runs = values.withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:))
                        XCTAssertEqual(runs.count, seen)
                        for wantValues in [false, true] {
                            for carried in [nil, p] {
                                let label = "distinct=\(seen) descending=\(descending) values=\(wantValues) payload=\(carried != nil)"
                                let radix = RadixSort.sort(k, descending: descending, wantValues: wantValues, payload: carried, tryFewDistinct: false)
                                let either = RadixSort.sort(k, descending: descending, wantValues: wantValues, wantRuns: true, payload: carried)
                                XCTAssertEqual(either.order, radix.order, label)
                                XCTAssertEqual(either.sorted.map(\.bitPattern), radix.sorted.map(\.bitPattern), label)
                                XCTAssertEqual(either.runs, runs, label)
                                XCTAssertEqual(radix.runs, [], label)
                                let radixRuns = RadixSort.sort(k, descending: descending, wantValues: wantValues, wantRuns: true,
                                                               payload: carried, tryFewDistinct: false)
                                XCTAssertEqual(radixRuns.order, radix.order, label)
                                XCTAssertEqual(radixRuns.runs, runs, label)
                                if let direct = RadixSort.sortFewDistinct(k, descending: descending, wantValues: wantValues, wantRuns: true,
                                                                          payload: carried) {
                                    XCTAssertEqual(direct.order, radix.order, label)
                                    XCTAssertEqual(direct.sorted.map(\.bitPattern), radix.sorted.map(\.bitPattern), label)
                                    XCTAssertEqual(direct.runs, runs, label)
                                }
                            }
                        }
                    }
                }
            }
            if distinct == 97 {
                XCTAssertEqual(RadixSort.ascendingOrder(keys), reference(keys, descending: false))
                XCTAssertEqual(RadixSort.descendingOrder(keys), reference(keys, descending: true))
            }
        }
    }
}

/// The parallel sorts (`parallelSort`, taken from `RadixSort.parallelMinimum` keys on) must give the
/// serial sort's order, values and payloads bit for bit, for any number of pieces: on continuous keys
/// (radix passes), few distinct values (the counting sort), and pieces whose distinct values are few
/// each but too many together (the counting sort gives up, the radix passes take over).
final class ParallelRadixSortTests: XCTestCase {
    func testParallelPiecesEqualSerialSort() {
        var rng = SplitMix64(seed: 20261127)
        let n = 30_000
        let max = RadixSort.fewDistinctMaximum
        let kinds: [(String, (Int) -> Double)] = [
            ("continuous", { _ in Double(Int64(bitPattern: rng.next()) >> 11) / 1e6 }),
            ("few distinct", { _ in Double(rng.below(41)) / 4 - 5 }),
            ("zeros of both signs", { _ in [0.0, -0.0, 1.5, -2][rng.below(4)] }),
            ("distinct per piece, too many together", { i in Double(i % (max - 1) + (i * 2 >= n ? max : 0)) }),
            ("ties in a wide range", { _ in Double(rng.below(3)) * 1e300 - 1e300 + Double(rng.below(2)) * 5e-324 }),
        ]
        for (name, draw) in kinds {
            let keys = (0..<n).map { draw($0) }
            let payload = (0..<n).map { _ in UInt32(truncatingIfNeeded: rng.next()) }
            keys.withUnsafeBufferPointer { k in
                payload.withUnsafeBufferPointer { p in
                    for descending in [false, true] {
                        for wantValues in [false, true] {
                            for carried in [nil, p] {
                                let serial = RadixSort.sort(k, descending: descending, wantValues: wantValues, payload: carried,
                                                            parallelFrom: Int.max)
                                let runs = RadixSort.sort(k, descending: descending, wantValues: true, parallelFrom: Int.max)
                                    .sorted.withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:))
                                for pieces in [2, 3, 8, 13] {
                                    let label = "\(name) pieces=\(pieces) descending=\(descending) values=\(wantValues) payload=\(carried != nil)"
                                    let parallel = RadixSort.sort(k, descending: descending, wantValues: wantValues, wantRuns: pieces != 3,
                                                                  payload: carried, parallelFrom: 0, pieces: pieces)
                                    XCTAssertEqual(parallel.order, serial.order, label)
                                    XCTAssertEqual(parallel.sorted.map(\.bitPattern), serial.sorted.map(\.bitPattern), label)
                                    XCTAssertEqual(parallel.runs, pieces != 3 ? runs : [], label)
                                }
                            }
                        }
                    }
                    let radixOnly = RadixSort.sort(k, descending: false, wantValues: true, payload: nil, tryFewDistinct: false,
                                                   parallelFrom: 0, pieces: 5)
                    XCTAssertEqual(radixOnly.order, RadixSort.sort(k, descending: false, wantValues: false, parallelFrom: Int.max).order, name)
                }
            }
            XCTAssertEqual(keys.withUnsafeBufferPointer { RadixSort.sort($0, descending: false, wantValues: false, parallelFrom: 0).order },
                           reference(keys), name)
        }
    }

    /// The few-distinct path in pieces says nil exactly when the keys have too many distinct values.
    func testFewDistinctPiecesGiveUpOnlyWhenTooMany() {
        let n = 40_000, max = RadixSort.fewDistinctMaximum
        for distinct in [1, 500, max, max + 1] {
            let keys = (0..<n).map { Double(($0 * 7919) % distinct) }
            let gaveUp = keys.withUnsafeBufferPointer { k -> Bool in
                let buffers = RadixSort.SortBuffers(keys: k, payload: nil, bounds: (0...4).map { n * $0 / 4 })
                return RadixSort.parallelSortFewDistinct(buffers, descending: false, wantValues: false, pieces: 4) == nil
            }
            XCTAssertEqual(gaveUp, distinct > max, "distinct=\(distinct)")
        }
    }

    func reference(_ keys: [Double]) -> [Int32] {
        keys.indices.sorted { a, b in keys[a] == keys[b] ? a < b : keys[a] < keys[b] }.map { Int32($0) }
    }
}

/// Both ways of inverting a permutation (bucketed in 1, 3 or 8 pieces, and direct) give
/// `inverse[order[r]] == r`.
final class InversePermutationTests: XCTestCase {
    func testBucketedEqualsDirect() {
        var rng = SplitMix64(seed: 7)
        for n in [0, 1, 2, 16_383, 16_384, 16_385, 100_003] {
            var order = (0..<n).map { Int32($0) }
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
            let direct = order.withUnsafeBufferPointer { InversePermutation.direct($0) }
            for pieces in [1, 3, 8] {
                XCTAssertEqual(order.withUnsafeBufferPointer { InversePermutation.inParallel($0, pieces: pieces) }, direct,
                               "n=\(n) pieces=\(pieces)")
            }
            for r in 0..<n { XCTAssertEqual(direct[Int(order[r])], Int32(r)) }
            XCTAssertEqual(InversePermutation.of(order), direct)
        }
    }
}

/// Where the eCDF scan reads its running sum: the runs of equal values.
final class RunLengthTests: XCTestCase {
    func testRunsEndWhereNeighboursDiffer() {
        let values: [Double] = [-1, -0.0, 0.0, 0.0, 2, 2, .nan, .nan, 3]
        XCTAssertEqual(values.withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:)), [1, 3, 2, 1, 1, 1])
        XCTAssertEqual([Double]().withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:)), [])
        XCTAssertEqual([5.0].withUnsafeBufferPointer(RadixSort.runLengths(ofSorted:)), [1])
        // Small inputs (a comparison sort), ascending and with a payload.
        let keys: [Double] = [3, -0.0, 1, 0, 3, 3, -2]
        keys.withUnsafeBufferPointer { k in
            XCTAssertEqual(RadixSort.ascendingRuns(k).order, [6, 1, 3, 2, 0, 4, 5])
            XCTAssertEqual(RadixSort.ascendingRuns(k).runs, [1, 2, 1, 3])
            let payload: [UInt32] = [10, 11, 12, 13, 14, 15, 16]
            let carried = payload.withUnsafeBufferPointer { RadixSort.ascendingRuns(k, carrying: $0) }
            XCTAssertEqual(carried.carried, [16, 11, 13, 12, 10, 14, 15])
            XCTAssertEqual(carried.runs, [1, 2, 1, 3])
        }
    }
}
