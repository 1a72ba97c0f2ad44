import XCTest
@testable import Sorting

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
            let (sorted, carried) = keys.withUnsafeBufferPointer { k in payload.withUnsafeBufferPointer { RadixSort.ascending(k, carrying: $0) } }
            let order = reference(keys, descending: false).map { Int($0) }
            XCTAssertEqual(sorted, order.map { keys[$0] }, "n=\(n)")
            XCTAssertEqual(carried, order.map { payload[$0] }, "n=\(n)")
        }
    }
}
