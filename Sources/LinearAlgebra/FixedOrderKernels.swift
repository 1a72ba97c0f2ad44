// Dense kernels written out in Swift (with AVX2 twins in the C target `CFixedOrderKernels`, chosen at
// run time, that give every number the same operations), whose floating-point operations and their
// order are fixed by this source alone: no BLAS, no LAPACK, no fused multiply-add (Swift never
// contracts `a * b + c`), no dependence on the thread count. Their results are therefore the same bits whatever BLAS/LAPACK
// library is installed, on every run. The propensity model uses them for everything it computes
// (Propensity's `BinomialGLM`); BLAS/LAPACK stay for the rest of the dense algebra (`Outcomes`).
//
// Columns are contiguous arrays of rows (the layout of a model frame), so the kernels are "SIMD over
// rows": two adjacent rows per `SIMD2<Double>` operation, several columns per pass, which is what the
// x86-64 baseline instruction set (SSE2, two doubles per register) executes natively.

import CFixedOrderKernels

/// Kernels over column blocks with a fixed order of operations.
public enum FixedOrderKernels {
    /// Whether `accumulateCrossProducts`, `linearCombination` and `scaleColumns` run their AVX2
    /// kernels (`CFixedOrderKernels`): four doubles an instruction where the processor has them. Those
    /// kernels give every number the same operations in the same order as the portable code below, so
    /// the choice changes speed only, never a bit (tested on random inputs against
    /// `accumulateCrossProductsPortable`, `linearCombinationPortable` and `scaleColumnsPortable`).
    public static let usesAVX2 = cf_fixed_order_avx2_available() == 1

    /// Adds the cross products `sum_i u_j[i] * v_k[i]` over rows `i` in `0..<rows` to
    /// `sums[j * vCount + k]`, for every `j < uCount` and `k` in `j..<vCount` (the upper triangle
    /// and everything right of it); entries with `k < j` may be written too and must be ignored.
    ///
    /// The sums are kept as two lanes: lane 0 accumulates rows 0, 2, 4, ... and lane 1 rows
    /// 1, 3, 5, ..., each in increasing row order; when `rows` is odd the last row is added to
    /// lane 0 last. Callers add the lanes (lane 0 + lane 1) when a sum is complete. Calling the
    /// kernel on consecutive pieces of rows continues the same two running sums, so the result depends
    /// on where the pieces start (fix them), never on which thread runs them.
    ///
    /// - Parameters:
    ///   - u: `uCount` column pointers (row 0 of the piece), e.g. weighted design columns `w * x_j`.
    ///   - v: `vCount` column pointers (row 0 of the piece), e.g. the design columns and a response.
    ///   - rows: rows in the piece.
    ///   - sums: `uCount * vCount` running two-lane sums.
    public static func accumulateCrossProducts(
        _ u: UnsafePointer<UnsafePointer<Double>>, count uCount: Int,
        _ v: UnsafePointer<UnsafePointer<Double>>, count vCount: Int,
        rows: Int, into sums: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        guard rows > 0 else { return }
        if usesAVX2 {
            accumulateCrossProductsAVX2(u, count: uCount, v, count: vCount, rows: rows, into: sums)
        } else {
            accumulateCrossProductsPortable(u, count: uCount, v, count: vCount, rows: rows, into: sums)
        }
    }

    /// `accumulateCrossProducts` by the AVX2 kernel; only where `usesAVX2`.
    static func accumulateCrossProductsAVX2(
        _ u: UnsafePointer<UnsafePointer<Double>>, count uCount: Int,
        _ v: UnsafePointer<UnsafePointer<Double>>, count vCount: Int,
        rows: Int, into sums: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        precondition(usesAVX2, "accumulateCrossProductsAVX2 on a processor without AVX2")
        UnsafeMutableRawPointer(sums).withMemoryRebound(to: Double.self, capacity: 2 * uCount * vCount) { flat in
            cf_fixed_order_cross_products_avx2(
                UnsafeRawPointer(u).assumingMemoryBound(to: UnsafePointer<Double>?.self), uCount,
                UnsafeRawPointer(v).assumingMemoryBound(to: UnsafePointer<Double>?.self), vCount, rows, flat)
        }
    }

    /// `accumulateCrossProducts` in portable Swift (SSE2 on x86-64): the reference the AVX2 kernel
    /// is tested against, and the kernel on processors without AVX2.
    static func accumulateCrossProductsPortable(
        _ u: UnsafePointer<UnsafePointer<Double>>, count uCount: Int,
        _ v: UnsafePointer<UnsafePointer<Double>>, count vCount: Int,
        rows: Int, into sums: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        guard rows > 0 else { return }
        var j = 0
        while j < uCount {
            let pairOfU = j + 1 < uCount
            var k = j
            while k + 4 <= vCount {
                if pairOfU {
                    tile2x4(u[j], u[j + 1], v[k], v[k + 1], v[k + 2], v[k + 3], rows: rows,
                            into: sums + j * vCount + k, nextRow: sums + (j + 1) * vCount + k)
                } else {
                    tile1x4(u[j], v[k], v[k + 1], v[k + 2], v[k + 3], rows: rows, into: sums + j * vCount + k)
                }
                k += 4
            }
            if pairOfU && k + 2 <= vCount {
                tile2x2(u[j], u[j + 1], v[k], v[k + 1], rows: rows,
                        into: sums + j * vCount + k, nextRow: sums + (j + 1) * vCount + k)
                k += 2
            }
            while k < vCount {
                if pairOfU {
                    tile2x1(u[j], u[j + 1], v[k], rows: rows, into: sums + j * vCount + k, nextRow: sums + (j + 1) * vCount + k)
                } else {
                    tile1x1(u[j], v[k], rows: rows, into: sums + j * vCount + k)
                }
                k += 1
            }
            j += 2
        }
    }

    /// `out[i] = ((constant + c_0 x_0[i]) + c_1 x_1[i]) + ...` for rows `i` in `0..<rows`, the terms
    /// added in column order (the linear predictor `eta = X beta` with the intercept first).
    /// Where `usesAVX2`, the AVX2 kernel of `CFixedOrderKernels` does it: every element the same
    /// operations in the same order, four rows an instruction and `out` written once (tested bit for
    /// bit against `linearCombinationPortable`).
    public static func linearCombination(
        _ x: UnsafePointer<UnsafePointer<Double>>, count: Int, coefficients c: UnsafePointer<Double>,
        constant: Double, rows: Int, into out: UnsafeMutablePointer<Double>
    ) {
        if usesAVX2 {
            linearCombinationAVX2(x, count: count, coefficients: c, constant: constant, rows: rows, into: out)
        } else {
            linearCombinationPortable(x, count: count, coefficients: c, constant: constant, rows: rows, into: out)
        }
    }

    /// `out[j][i] = w[i] * x[j][i]` for columns `j < count` and rows `i < rows`: one rounded product
    /// per element, so the same bits however many rows an instruction takes (four with AVX2).
    public static func scaleColumns(
        _ w: UnsafePointer<Double>, _ x: UnsafePointer<UnsafePointer<Double>>, count: Int, rows: Int,
        into out: UnsafePointer<UnsafeMutablePointer<Double>>
    ) {
        if usesAVX2 {
            cf_scale_columns_avx2(
                w, UnsafeRawPointer(x).assumingMemoryBound(to: UnsafePointer<Double>?.self), count, rows,
                UnsafeRawPointer(out).assumingMemoryBound(to: UnsafeMutablePointer<Double>?.self))
        } else {
            scaleColumnsPortable(w, x, count: count, rows: rows, into: out)
        }
    }

    /// `scaleColumns` in portable Swift: the kernel on processors without AVX2.
    static func scaleColumnsPortable(
        _ w: UnsafePointer<Double>, _ x: UnsafePointer<UnsafePointer<Double>>, count: Int, rows: Int,
        into out: UnsafePointer<UnsafeMutablePointer<Double>>
    ) {
        for j in 0..<count {
            let xj = x[j], o = out[j]
            for i in 0..<rows { o[i] = w[i] * xj[i] }
        }
    }

    /// `linearCombination` by the AVX2 kernel; only where `usesAVX2`.
    static func linearCombinationAVX2(
        _ x: UnsafePointer<UnsafePointer<Double>>, count: Int, coefficients c: UnsafePointer<Double>,
        constant: Double, rows: Int, into out: UnsafeMutablePointer<Double>
    ) {
        precondition(usesAVX2, "linearCombinationAVX2 on a processor without AVX2")
        cf_linear_combination_avx2(
            UnsafeRawPointer(x).assumingMemoryBound(to: UnsafePointer<Double>?.self), count, c, constant, rows, out)
    }

    /// `linearCombination` in portable Swift (SSE2 on x86-64): the reference the AVX2 kernel is
    /// tested against, and the kernel on processors without AVX2.
    static func linearCombinationPortable(
        _ x: UnsafePointer<UnsafePointer<Double>>, count: Int, coefficients c: UnsafePointer<Double>,
        constant: Double, rows: Int, into out: UnsafeMutablePointer<Double>
    ) {
        for i in 0..<rows { out[i] = constant }
        let o = UnsafeMutableRawPointer(out), pairs = rows / 2, last = rows - 1
        var j = 0
        // Four columns per sweep over `out` (each element still receives its terms one by one, in
        // column order), then the remaining columns one per sweep.
        while j + 4 <= count {
            let c0 = SIMD2<Double>(repeating: c[j]), c1 = SIMD2<Double>(repeating: c[j + 1])
            let c2 = SIMD2<Double>(repeating: c[j + 2]), c3 = SIMD2<Double>(repeating: c[j + 3])
            let x0 = x[j], x1 = x[j + 1], x2 = x[j + 2], x3 = x[j + 3]
            for t in 0..<pairs {
                let at = t * 16
                var sum = o.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self)
                sum = sum + c0 * load(x0, at)
                sum = sum + c1 * load(x1, at)
                sum = sum + c2 * load(x2, at)
                sum = sum + c3 * load(x3, at)
                o.storeBytes(of: sum, toByteOffset: at, as: SIMD2<Double>.self)
            }
            if rows % 2 == 1 {
                out[last] = (((out[last] + c[j] * x0[last]) + c[j + 1] * x1[last]) + c[j + 2] * x2[last]) + c[j + 3] * x3[last]
            }
            j += 4
        }
        while j < count {
            let cj = SIMD2<Double>(repeating: c[j]), xj = x[j]
            for t in 0..<pairs {
                let at = t * 16
                let sum = o.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self) + cj * load(xj, at)
                o.storeBytes(of: sum, toByteOffset: at, as: SIMD2<Double>.self)
            }
            if rows % 2 == 1 { out[last] = out[last] + c[j] * xj[last] }
            j += 1
        }
    }

    // MARK: - Tiles (register blocks of running sums)

    @inline(__always)
    static func load(_ p: UnsafePointer<Double>, _ byteOffset: Int) -> SIMD2<Double> {
        UnsafeRawPointer(p).loadUnaligned(fromByteOffset: byteOffset, as: SIMD2<Double>.self)
    }

    /// Two rows of `u` against four columns of `v`: eight running sums held in registers.
    @inline(__always)
    static func tile2x4(
        _ ua: UnsafePointer<Double>, _ ub: UnsafePointer<Double>,
        _ v0: UnsafePointer<Double>, _ v1: UnsafePointer<Double>, _ v2: UnsafePointer<Double>, _ v3: UnsafePointer<Double>,
        rows: Int, into a: UnsafeMutablePointer<SIMD2<Double>>, nextRow b: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        var a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
        var b0 = b[0], b1 = b[1], b2 = b[2], b3 = b[3]
        for t in 0..<(rows / 2) {
            let at = t * 16
            let x0 = load(v0, at), x1 = load(v1, at), x2 = load(v2, at), x3 = load(v3, at)
            let wa = load(ua, at), wb = load(ub, at)
            a0 += wa * x0; a1 += wa * x1; a2 += wa * x2; a3 += wa * x3
            b0 += wb * x0; b1 += wb * x1; b2 += wb * x2; b3 += wb * x3
        }
        if rows % 2 == 1 {
            let r = rows - 1
            a0[0] += ua[r] * v0[r]; a1[0] += ua[r] * v1[r]; a2[0] += ua[r] * v2[r]; a3[0] += ua[r] * v3[r]
            b0[0] += ub[r] * v0[r]; b1[0] += ub[r] * v1[r]; b2[0] += ub[r] * v2[r]; b3[0] += ub[r] * v3[r]
        }
        a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3
        b[0] = b0; b[1] = b1; b[2] = b2; b[3] = b3
    }

    /// One row of `u` against four columns of `v`.
    @inline(__always)
    static func tile1x4(
        _ ua: UnsafePointer<Double>,
        _ v0: UnsafePointer<Double>, _ v1: UnsafePointer<Double>, _ v2: UnsafePointer<Double>, _ v3: UnsafePointer<Double>,
        rows: Int, into a: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        var a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3]
        for t in 0..<(rows / 2) {
            let at = t * 16
            let wa = load(ua, at)
            a0 += wa * load(v0, at); a1 += wa * load(v1, at); a2 += wa * load(v2, at); a3 += wa * load(v3, at)
        }
        if rows % 2 == 1 {
            let r = rows - 1
            a0[0] += ua[r] * v0[r]; a1[0] += ua[r] * v1[r]; a2[0] += ua[r] * v2[r]; a3[0] += ua[r] * v3[r]
        }
        a[0] = a0; a[1] = a1; a[2] = a2; a[3] = a3
    }

    /// Two rows of `u` against two columns of `v`.
    @inline(__always)
    static func tile2x2(
        _ ua: UnsafePointer<Double>, _ ub: UnsafePointer<Double>, _ v0: UnsafePointer<Double>, _ v1: UnsafePointer<Double>,
        rows: Int, into a: UnsafeMutablePointer<SIMD2<Double>>, nextRow b: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        var a0 = a[0], a1 = a[1], b0 = b[0], b1 = b[1]
        for t in 0..<(rows / 2) {
            let at = t * 16
            let x0 = load(v0, at), x1 = load(v1, at), wa = load(ua, at), wb = load(ub, at)
            a0 += wa * x0; a1 += wa * x1
            b0 += wb * x0; b1 += wb * x1
        }
        if rows % 2 == 1 {
            let r = rows - 1
            a0[0] += ua[r] * v0[r]; a1[0] += ua[r] * v1[r]
            b0[0] += ub[r] * v0[r]; b1[0] += ub[r] * v1[r]
        }
        a[0] = a0; a[1] = a1; b[0] = b0; b[1] = b1
    }

    /// Two rows of `u` against one column of `v`.
    @inline(__always)
    static func tile2x1(
        _ ua: UnsafePointer<Double>, _ ub: UnsafePointer<Double>, _ v0: UnsafePointer<Double>,
        rows: Int, into a: UnsafeMutablePointer<SIMD2<Double>>, nextRow b: UnsafeMutablePointer<SIMD2<Double>>
    ) {
        var a0 = a[0], b0 = b[0]
        for t in 0..<(rows / 2) {
            let at = t * 16
            let x0 = load(v0, at)
            a0 += load(ua, at) * x0
            b0 += load(ub, at) * x0
        }
        if rows % 2 == 1 {
            let r = rows - 1
            a0[0] += ua[r] * v0[r]
            b0[0] += ub[r] * v0[r]
        }
        a[0] = a0; b[0] = b0
    }

    /// One row of `u` against one column of `v`.
    @inline(__always)
    static func tile1x1(_ ua: UnsafePointer<Double>, _ v0: UnsafePointer<Double>, rows: Int, into a: UnsafeMutablePointer<SIMD2<Double>>) {
        var a0 = a[0]
        for t in 0..<(rows / 2) {
            let at = t * 16
            a0 += load(ua, at) * load(v0, at)
        }
        if rows % 2 == 1 { a0[0] += ua[rows - 1] * v0[rows - 1] }
        a[0] = a0
    }
}
