import XCTest
@testable import LinearAlgebra

/// The AVX2 cross-product kernel gives every sum the portable kernel's bits: random columns with
/// values of mixed magnitude and sign (so that rounding differs between any two orders of the same
/// additions), 1-23 columns of u and v, 1-41 rows (odd and even), and running sums continued over
/// several consecutive pieces of rows, as the propensity model calls it.
final class CrossProductKernelTests: XCTestCase {
    func testAVX2KernelEqualsPortableKernelBitForBit() throws {
        try XCTSkipUnless(FixedOrderKernels.usesAVX2, "this processor has no AVX2; the portable kernel is the only one")
        var random = MixedMagnitudes(seed: 0x0123_4567_89AB_CDEF)
        var compared = 0
        for trial in 0..<400 {
            let uCount = 1 + Int(random.next() % 23), vCount = uCount + Int(random.next() % 5)
            let pieces = (0..<(1 + trial % 3)).map { _ in 1 + Int(random.next() % 41) }
            let rows = pieces.reduce(0, +)
            // Columns at stable addresses for the length of the trial.
            func column() -> UnsafeMutablePointer<Double> {
                let c = UnsafeMutablePointer<Double>.allocate(capacity: rows)
                for i in 0..<rows { c[i] = random.value() }
                return c
            }
            let u = (0..<uCount).map { _ in column() }, v = (0..<vCount).map { _ in column() }
            defer { (u + v).forEach { $0.deallocate() } }
            let start = (0..<(uCount * vCount)).map { _ in SIMD2(random.value(), random.value()) }
            var portable = start, avx2 = start
            var first = 0
            for piece in pieces {
                let uPointers = u.map { UnsafePointer($0 + first) }, vPointers = v.map { UnsafePointer($0 + first) }
                uPointers.withUnsafeBufferPointer { up in
                    vPointers.withUnsafeBufferPointer { vp in
                        portable.withUnsafeMutableBufferPointer { sums in
                            FixedOrderKernels.accumulateCrossProductsPortable(
                                up.baseAddress!, count: uCount, vp.baseAddress!, count: vCount, rows: piece, into: sums.baseAddress!)
                        }
                        avx2.withUnsafeMutableBufferPointer { sums in
                            FixedOrderKernels.accumulateCrossProductsAVX2(
                                up.baseAddress!, count: uCount, vp.baseAddress!, count: vCount, rows: piece, into: sums.baseAddress!)
                        }
                    }
                }
                first += piece
            }
            for j in 0..<uCount {
                for k in j..<vCount {
                    let a = portable[j * vCount + k], b = avx2[j * vCount + k]
                    XCTAssertEqual(a[0].bitPattern, b[0].bitPattern, "trial \(trial), sum (\(j), \(k)), lane 0")
                    XCTAssertEqual(a[1].bitPattern, b[1].bitPattern, "trial \(trial), sum (\(j), \(k)), lane 1")
                    compared += 1
                }
            }
        }
        XCTAssertGreaterThan(compared, 20_000)
    }

    /// The AVX2 linear predictor gives every row the portable kernel's bits: 0-23 columns, 0-45 rows
    /// (every remainder of the eight-row and four-column steps), values of mixed magnitude and sign.
    func testAVX2LinearCombinationEqualsPortableBitForBit() throws {
        try XCTSkipUnless(FixedOrderKernels.usesAVX2, "this processor has no AVX2; the portable kernel is the only one")
        var random = MixedMagnitudes(seed: 0x9E37_79B9_7F4A_7C15)
        var compared = 0, differentFromOtherOrder = 0
        for _ in 0..<600 {
            let count = Int(random.next() % 24), rows = Int(random.next() % 46)
            let x = (0..<count).map { _ -> UnsafeMutablePointer<Double> in
                let c = UnsafeMutablePointer<Double>.allocate(capacity: max(rows, 1))
                for i in 0..<rows { c[i] = random.next() % 5 == 0 ? Double(random.next() % 2) : random.value() }
                return c
            }
            defer { x.forEach { $0.deallocate() } }
            let c = (0..<count).map { _ in random.value() }, constant = random.value()
            var portable = [Double](repeating: .nan, count: rows), avx2 = [Double](repeating: .nan, count: rows)
            let pointers = x.map { UnsafePointer($0) }
            pointers.withUnsafeBufferPointer { xp in
                c.withUnsafeBufferPointer { cp in
                    let xBase = xp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    let cBase = cp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    portable.withUnsafeMutableBufferPointer { o in
                        if let out = o.baseAddress {
                            FixedOrderKernels.linearCombinationPortable(xBase, count: count, coefficients: cBase,
                                                                        constant: constant, rows: rows, into: out)
                        }
                    }
                    avx2.withUnsafeMutableBufferPointer { o in
                        if let out = o.baseAddress {
                            FixedOrderKernels.linearCombinationAVX2(xBase, count: count, coefficients: cBase,
                                                                    constant: constant, rows: rows, into: out)
                        }
                    }
                }
            }
            for i in 0..<rows {
                XCTAssertEqual(portable[i].bitPattern, avx2[i].bitPattern, "\(count) columns, \(rows) rows, row \(i)")
                // The same terms added from the last column first: a different order must give other
                // bits often enough for the comparison above to mean something.
                var reversed = 0.0
                for j in (0..<count).reversed() { reversed = reversed + c[j] * x[j][i] }
                if (reversed + constant).bitPattern != portable[i].bitPattern { differentFromOtherOrder += 1 }
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 10_000)
        XCTAssertGreaterThan(differentFromOtherOrder, compared / 10)
    }

    /// `scaleColumns` (the AVX2 kernel where the processor has it) and its portable code write
    /// `w[i] * x[j][i]` to every element of every column, and nothing beyond each column's rows (0-21
    /// rows: every remainder of the eight-row step).
    func testScaleColumnsWritesEachProduct() {
        for portable in [false, true] { for rows in 0...21 {
            for count in 1...3 {
                let w = (0..<rows).map { Double($0) * 0.75 - 3.1 }
                let x = (0..<count).map { j in (0..<rows).map { Double($0 * (j + 2)) / 7 + 0.1 } }
                let out = (0..<count).map { _ in UnsafeMutablePointer<Double>.allocate(capacity: rows + 1) }
                defer { out.forEach { $0.deallocate() } }
                for o in out { o.initialize(repeating: .nan, count: rows + 1) }
                let inputs = x.map { column -> UnsafeMutablePointer<Double> in
                    let p = UnsafeMutablePointer<Double>.allocate(capacity: max(rows, 1))
                    p.initialize(from: column, count: rows)
                    return p
                }
                defer { inputs.forEach { $0.deallocate() } }
                let xp = inputs.map { UnsafePointer($0) }
                w.withUnsafeBufferPointer { wp in
                    xp.withUnsafeBufferPointer { xb in
                        out.withUnsafeBufferPointer { ob in
                            let wBase = wp.baseAddress ?? UnsafePointer(bitPattern: 8)!
                            if portable {
                                FixedOrderKernels.scaleColumnsPortable(wBase, xb.baseAddress!, count: count, rows: rows,
                                                                       into: ob.baseAddress!)
                            } else {
                                FixedOrderKernels.scaleColumns(wBase, xb.baseAddress!, count: count, rows: rows,
                                                               into: ob.baseAddress!)
                            }
                        }
                    }
                }
                for j in 0..<count {
                    for i in 0..<rows { XCTAssertEqual(out[j][i].bitPattern, (w[i] * x[j][i]).bitPattern, "rows \(rows), column \(j), row \(i)") }
                    XCTAssertTrue(out[j][rows].isNaN, "rows \(rows): wrote past the column")
                }
            }
        } }
    }
}

/// Random test values: a xorshift stream, and doubles of either sign with a random 52-bit mantissa
/// and an exponent in -20...20 (so that rounding differs between any two orders of the same sums).
private struct MixedMagnitudes {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }

    mutating func value() -> Double {
        let mantissa = Double(next() % (1 << 52)) / Double(1 << 52) + 1
        let exponent = Double(Int(next() % 41) - 20)
        return (next() % 2 == 0 ? 1 : -1) * mantissa * Foundation.pow(2, exponent)
    }
}
