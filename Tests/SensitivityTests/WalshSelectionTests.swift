import XCTest
import TestSupport
@testable import Sensitivity

/// `HodgesLehmannBounds` selects Walsh averages by counting and bisection; these tests compare it,
/// bit for bit, with the straightforward method it replaced: every average `(dᵢ + dⱼ)/2, i ≤ j`
/// materialised and sorted (`Reference`).
final class WalshSelectionTests: XCTestCase {
    /// The O(S²) method: all S(S+1)/2 averages in the pairs' order, sorted decreasing, and the
    /// crossings read from them (the former `HodgesLehmannBounds`).
    struct Reference {
        let walsh: [Double]
        init(_ d: [Double]) {
            var w: [Double] = []
            for i in d.indices { for j in i..<d.count { w.append((d[i] + d[j]) / 2) } }
            walsh = w.sorted(by: >)
        }
        func crossing(_ mu: Double) -> Double {
            let m = walsh.count
            let a = min(max(Int(mu.rounded(.down)) + 1, 1), m), b = min(max(Int(mu.rounded(.up)), 1), m)
            return (walsh[a - 1] + walsh[b - 1]) / 2
        }
        var estimate: Double { crossing(Double(walsh.count) / 2) }
        func interval(gamma: Double) -> (lower: Double, upper: Double) {
            let m = Double(walsh.count)
            return (crossing(m * gamma / (1 + gamma)), crossing(m / (1 + gamma)))
        }
    }

    static let gammas: [Double] = [1, 1.05, 1.1, 1.5, 2, 2.5, 3, 4.75, 10, 1e6]

    /// The averages (every one up to 300 of them, else 150 spread over the order and both ends),
    /// the estimate, the interval at each Gamma of `gammas` and crossings at about 100 levels,
    /// bit for bit.
    func checkBitwise(_ d: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let hl = try HodgesLehmannBounds(differences: d), ref = Reference(d)
        XCTAssertEqual(hl.walshAverages.count, ref.walsh.count, what, file: file, line: line)
        let m = ref.walsh.count
        let positions = m <= 300 ? Array(0..<m) : (0..<150).map { $0 * (m - 1) / 149 }
        for k in positions where hl.walshAverages[k].bitPattern != ref.walsh[k].bitPattern {
            XCTFail("\(what): average \(k + 1) is \(hl.walshAverages[k]), the sort gives \(ref.walsh[k])", file: file, line: line)
            return
        }
        XCTAssertEqual(hl.estimate.bitPattern, ref.estimate.bitPattern, "\(what) estimate", file: file, line: line)
        for g in Self.gammas {
            let a = hl.interval(gamma: g), b = ref.interval(gamma: g)
            XCTAssertEqual(a.lower.bitPattern, b.lower.bitPattern, "\(what) Gamma \(g) lower \(a.lower) vs \(b.lower)", file: file, line: line)
            XCTAssertEqual(a.upper.bitPattern, b.upper.bitPattern, "\(what) Gamma \(g) upper \(a.upper) vs \(b.upper)", file: file, line: line)
        }
        // Crossing levels from 0.25 to M, integer and not (ties between two averages).
        for mu in stride(from: 0.25, through: Double(m), by: max(0.25, Double(m) / 97)) {
            XCTAssertEqual(hl.crossing(mu).bitPattern, ref.crossing(mu).bitPattern, "\(what) mu \(mu)", file: file, line: line)
        }
    }

    func testOneAndTwoPairs() throws {
        for d in [[0.0], [3.0], [-2.5], [0.1], [1.0, 2.0], [2.0, 1.0], [-1.0, 1.0], [0.0, 0.0], [-3.0, -3.0], [0.1, 0.2], [-7.0, 0.0]] {
            try checkBitwise(d, "\(d)")
        }
    }

    /// Counts differences (ties and zeros everywhere, as reconviction events give), small and
    /// large S.
    func testIntegerDifferencesWithTiesAndZeros() throws {
        var r = SplitMix64(seed: 12)
        for trial in 0..<170 {
            let s = 1 + r.below(trial < 140 ? 25 : 120), spread = 1 + r.below(6)
            let d = (0..<s).map { _ in Double(r.below(2 * spread + 1) - spread) }
            try checkBitwise(d, "trial \(trial) \(d)")
        }
    }

    /// Continuous differences, where averages round: sums of numbers of different magnitudes,
    /// repeated values, all-negative and all-positive samples.
    func testRoundedDifferences() throws {
        var r = SplitMix64(seed: 7)
        for trial in 0..<170 {
            let s = 1 + r.below(trial < 140 ? 30 : 90)
            let scale = [1e-3, 0.1, 1, 37.5, 1e6, 1e15][r.below(6)]
            var d = (0..<s).map { _ in (r.unit() - [0.5, 0, 1][trial % 3]) * scale * (r.below(4) == 0 ? 1e-7 : 1) }
            for k in d.indices where r.below(5) == 0 { d[k] = d[r.below(s)] }
            for k in d.indices where r.below(9) == 0 { d[k] = 0 }
            try checkBitwise(d, "trial \(trial) \(d)")
        }
    }

    /// Sums that overflow: (x + y)/2 is infinite for the full sort too, and still ordered.
    func testOverflowingSums() throws {
        try checkBitwise([1.7e308, 1.6e308, -1e308, 0, 1e308], "near the largest double")
        try checkBitwise([-1.7e308, -1.7e308, 1.0], "near the smallest double")
    }

    /// −0 differences and sums that underflow give −0 averages, which a sort may put anywhere
    /// among the zeros: equal in value, and a zero is returned as +0.
    func testNegativeZeros() throws {
        for d in [[-0.0], [-0.0, -0.0, 1], [-0.0, 0.0, -1, 1], [-5e-324, 0, 5e-324, 1e-323], [-0.0, 2, -2, -0.0]] {
            let hl = try HodgesLehmannBounds(differences: d), ref = Reference(d)
            XCTAssertEqual(Array(hl.walshAverages), ref.walsh, "\(d)")
            XCTAssertEqual(hl.estimate, ref.estimate, "\(d)")
            for g in Self.gammas { XCTAssertTrue(hl.interval(gamma: g) == ref.interval(gamma: g), "\(d) Gamma \(g)") }
            XCTAssertFalse(hl.walshAverages.contains { $0 == 0 && $0.sign == .minus }, "\(d)")
        }
    }

    /// The averages the selection counts above a value are exactly those a sort places above it.
    func testCountAbove() {
        var r = SplitMix64(seed: 99)
        for _ in 0..<100 {
            let d = (0..<(1 + r.below(40))).map { _ in Double(r.below(11)) - 5 + (r.below(3) == 0 ? 0.5 : 0) }
            let ref = Reference(d), w = WalshAverages(sortedDifferences: d.sorted())
            for t in [-6.0, -5, -2.25, 0, 0.5, 1, 4.75, 5, 6] {
                XCTAssertEqual(w.countAbove(t), ref.walsh.filter { $0 > t }.count, "\(d) t \(t)")
            }
        }
    }

    /// 100,000 pairs (5·10⁹ averages, too many to sort): the estimate and bounds are averages
    /// with the counts their positions require.
    func testLargeSample() throws {
        var r = SplitMix64(seed: 2026)
        let d = (0..<100_000).map { _ in Double(r.below(7)) - 2 }
        let hl = try HodgesLehmannBounds(differences: d)
        let w = hl.walshAverages, m = w.count
        XCTAssertEqual(m, 100_000 * 100_001 / 2)
        let (lower, upper) = hl.interval(gamma: 2)
        XCTAssertLessThanOrEqual(lower, hl.estimate)
        XCTAssertLessThanOrEqual(hl.estimate, upper)
        // w(k) has fewer than k averages above it and at least k at or above it.
        for k in [1, m / 3, m / 2, m / 2 + 1, m - 1, m] {
            let v = w[k - 1]
            XCTAssertLessThan(w.countAbove(v), k)
            XCTAssertGreaterThanOrEqual(w.countAbove(v.nextDown), k)
        }
    }
}
