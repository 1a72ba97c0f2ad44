import XCTest
import CFixedOrderKernels
import LinearAlgebra
@testable import Propensity

/// The AVX2 code for the logit link's rows (`cf_logit_rows_avx2`, and the `exp` and `log` inside it)
/// gives the portable Swift code's bits: `FixedOrderMath.exp` and `.log` on random and special values
/// (zeros, subnormals, the ends of the normal range, infinities, NaN and negatives, which take the
/// lane-by-lane way), and whole tiles of rows (linear predictors beyond the clamping threshold,
/// tile lengths of every remainder, with and without the working weights), as one IRLS pass uses them.
final class LogitKernelTests: XCTestCase {
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return state
        }
        mutating func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + Double(next() >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
        }
    }

    func same(_ a: Double, _ b: Double) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }

    func testExpAndLogEqualFixedOrderMathBitForBit() throws {
        try XCTSkipUnless(FixedOrderKernels.usesAVX2, "this processor has no AVX2; the Swift code is the only one")
        var random = Random(state: 0x5DEE_CE66_D1CE_4E5B)
        let special: [Double] = [0, -0.0, 1, 2, 0.5, 1.4142135623730951, 1.4142135623730951.nextUp, 1.4142135623730951.nextDown,
                                 .leastNonzeroMagnitude, .leastNormalMagnitude, .leastNormalMagnitude.nextDown, 3e-310,
                                 .greatestFiniteMagnitude, .infinity, -.infinity, .nan, -1, -1e-300, 1e300, 30, -30, 700, -700]
        var x = special
        for _ in 0..<20_000 { x.append(random.uniform(-40...40)) }
        for _ in 0..<20_000 { x.append(Double(bitPattern: random.next() >> 1)) }  // every positive magnitude
        while x.count % 4 != 0 { x.append(1) }
        var exps = [Double](repeating: 0, count: x.count), logs = [Double](repeating: 0, count: x.count)
        cf_fixed_order_exp_log_avx2(x, &exps, &logs, x.count)
        var mismatches = 0
        for (i, v) in x.enumerated() {
            if abs(v) <= 700, !same(exps[i], FixedOrderMath.exp(v)) { mismatches += 1 }
            if !same(logs[i], FixedOrderMath.log(v)) { mismatches += 1 }
            if !same(cf_fixed_order_log(v), FixedOrderMath.log(v)) { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
    }

    func testLogitRowsEqualPortableRowsBitForBit() throws {
        try XCTSkipUnless(FixedOrderKernels.usesAVX2, "this processor has no AVX2; the Swift code is the only one")
        var random = Random(state: 0x9E37_79B9_7F4A_7C15)
        var compared = 0
        for trial in 0..<300 {
            let count = trial < 40 ? trial : 1 + Int(random.next() % 700)
            let spread = [3.0, 12.0, 45.0][trial % 3]
            let eta = (0..<count).map { _ in random.uniform(-spread...spread) }
            let y = (0..<count).map { _ in Double(random.next() % 2) }
            for weights in [false, true] {
                var results: [([Double], [Double], [Double], [Double], SIMD2<Double>)] = []
                for avx2 in [false, true] {
                    var e = eta, mu = [Double](repeating: -1, count: count)
                    var w = [Double](repeating: -1, count: count), z = [Double](repeating: -1, count: count)
                    var deviance = SIMD2<Double>(0.25, -0.5)
                    e.withUnsafeMutableBufferPointer { e in
                        mu.withUnsafeMutableBufferPointer { mu in
                            w.withUnsafeMutableBufferPointer { w in
                                z.withUnsafeMutableBufferPointer { z in
                                    y.withUnsafeBufferPointer { y in
                                        let base = UnsafeMutablePointer<Double>.allocate(capacity: 1)
                                        defer { base.deallocate() }
                                        let tile = TileRows(count: count, eta: e.baseAddress ?? base, mu: mu.baseAddress ?? base,
                                                            y: y.baseAddress ?? UnsafePointer(base), w: w.baseAddress ?? base,
                                                            z: z.baseAddress ?? base, binary: true)
                                        LogitRows.work(on: tile, predict: true, weights: weights, deviance: &deviance, avx2: avx2)
                                    }
                                }
                            }
                        }
                    }
                    results.append((e, mu, w, z, deviance))
                }
                let (a, b) = (results[0], results[1])
                let label = "trial \(trial), \(count) rows, weights \(weights)"
                XCTAssertEqual(a.1.map(\.bitPattern), b.1.map(\.bitPattern), "mu, \(label)")
                XCTAssertEqual(a.2.map(\.bitPattern), b.2.map(\.bitPattern), "w, \(label)")
                XCTAssertEqual(a.3.map(\.bitPattern), b.3.map(\.bitPattern), "z, \(label)")
                XCTAssertEqual([a.4[0].bitPattern, a.4[1].bitPattern], [b.4[0].bitPattern, b.4[1].bitPattern], "deviance, \(label)")
                compared += count
            }
        }
        XCTAssertGreaterThan(compared, 100_000)
    }
}
