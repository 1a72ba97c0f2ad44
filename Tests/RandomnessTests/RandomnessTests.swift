import Foundation
import XCTest
import TestSupport
@testable import Randomness

/// xoshiro256** against outputs of the published algorithm compiled from C
/// (Scripts/xoshiro-reference.c -> Tests/Fixtures/cxx/xoshiro256starstar.csv).
final class ReferenceOutputTests: XCTestCase {
    func testMatchesReferenceImplementation() throws {
        let table = try FixtureTable(contentsOf: Fixtures.file("cxx/xoshiro256starstar.csv"))
        var current: (key: [String], rng: RandomStream)? = nil
        var checked = 0
        for row in table.rows {
            let key = Array(row[0..<4])
            if current?.key != key {
                let s = key.map { UInt64($0)! }
                current = (key, RandomStream(state: (s[0], s[1], s[2], s[3])))
            }
            XCTAssertEqual(current!.rng.next(), UInt64(row[5])!, "state \(key) output \(row[4])")
            checked += 1
        }
        XCTAssertEqual(checked, 60)
    }

    func testBoundedIntegersAreInRangeAndCoverIt() {
        var rng = RandomStream(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let k = rng.integer(below: 7)
            XCTAssert((0..<7).contains(k))
            seen.insert(k)
        }
        XCTAssertEqual(seen.count, 7)
    }
}

final class DeterministicMathTests: XCTestCase {
    /// Within 2 ulp of the C library over a wide range (both are accurate to about 1 ulp).
    func testLogAndExpAgreeWithLibm() {
        var rng = RandomStream(seed: 3)
        for _ in 0..<20_000 {
            let x = DeterministicMath.exp(rng.uniform() * 80 - 40) * (1 + rng.uniform())
            XCTAssertLessThanOrEqual(abs(DeterministicMath.log(x) - Foundation.log(x)), 2 * Foundation.log(x).ulp.magnitude + 1e-300, "log \(x)")
            let y = rng.uniform() * 1400 - 700
            XCTAssertLessThanOrEqual(abs(DeterministicMath.exp(y) - Foundation.exp(y)), 2 * Foundation.exp(y).ulp, "exp \(y)")
        }
        XCTAssertEqual(DeterministicMath.log(1), 0)
        XCTAssertEqual(DeterministicMath.exp(0), 1)
        XCTAssertTrue(DeterministicMath.log(-1).isNaN)
        XCTAssertEqual(DeterministicMath.exp(-800), 0)
    }
}

final class RandomStreamTests: XCTestCase {
    /// Sample moments against the distributions' known values (tolerances ~5 standard errors).
    func testDistributionsHaveTheirMoments() {
        var rng = RandomStream(seed: 11, stream: 2)
        let n = 200_000
        func moments(_ draw: () -> Double) -> (Double, Double) {
            var s = 0.0, s2 = 0.0
            for _ in 0..<n { let x = draw(); s += x; s2 += x * x }
            let m = s / Double(n)
            return (m, s2 / Double(n) - m * m)
        }
        let normal = moments { rng.normal() }
        XCTAssertEqual(normal.0, 0, accuracy: 0.012); XCTAssertEqual(normal.1, 1, accuracy: 0.02)
        let gamma = moments { rng.gamma(shape: 2.5) }
        XCTAssertEqual(gamma.0, 2.5, accuracy: 0.02); XCTAssertEqual(gamma.1, 2.5, accuracy: 0.06)
        let small = moments { rng.gamma(shape: 0.4) }
        XCTAssertEqual(small.0, 0.4, accuracy: 0.01); XCTAssertEqual(small.1, 0.4, accuracy: 0.02)
        let poisson = moments { Double(rng.poisson(3.7)) }
        XCTAssertEqual(poisson.0, 3.7, accuracy: 0.03); XCTAssertEqual(poisson.1, 3.7, accuracy: 0.08)
        let big = moments { Double(rng.poisson(75)) }
        XCTAssertEqual(big.0, 75, accuracy: 0.15); XCTAssertEqual(big.1, 75, accuracy: 2.5)
        // NB(mean 1.5, size 1.2): variance 1.5 + 1.5^2 / 1.2 = 3.375.
        let nb = moments { Double(rng.negativeBinomial(mean: 1.5, size: 1.2)) }
        XCTAssertEqual(nb.0, 1.5, accuracy: 0.03); XCTAssertEqual(nb.1, 3.375, accuracy: 0.15)
    }

    func testStreamsAreReproducibleAndDistinct() {
        var a = RandomStream(seed: 5, stream: 1), b = RandomStream(seed: 5, stream: 1), c = RandomStream(seed: 5, stream: 2)
        let xa = (0..<10).map { _ in a.next() }, xb = (0..<10).map { _ in b.next() }, xc = (0..<10).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
    }
}

