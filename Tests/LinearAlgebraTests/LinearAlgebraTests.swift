import XCTest
@testable import LinearAlgebra

/// Closed-form checks of the BLAS/LAPACK wrappers (exact small-integer arithmetic, so exact equality
/// unless stated).
final class LinearAlgebraTests: XCTestCase {
    func testCrossProductIsXTransposeX() throws {
        // X = [1 2; 3 4; 5 6] (3x2): X'X = [35 44; 44 56].
        let c = try crossProduct(rows: 3, columns: 2, columnMajor: [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(c, Matrix(rows: 2, columns: 2, columnMajor: [35, 44, 44, 56]))
    }

    func testWeightedCrossProductUsesSquaredRootWeights() throws {
        // w = (1, 4, 9): X' diag(w) X with X = [1 2; 3 4; 5 6]
        // = [1*1 + 4*9 + 9*25, 1*2 + 4*12 + 9*30; ., 1*4 + 4*16 + 9*36] = [262, 320; 320, 392].
        let x = Matrix(rows: 3, columns: 2, columnMajor: [1, 3, 5, 2, 4, 6])
        var scratch: [Double] = []
        let c = try weightedCrossProduct(x, rootWeights: [1, 2, 3], scratch: &scratch)
        XCTAssertEqual(c, Matrix(rows: 2, columns: 2, columnMajor: [262, 320, 320, 392]))
    }

    func testMultiplyAndTranspose() throws {
        let a = Matrix(rows: 2, columns: 3, columnMajor: [1, 4, 2, 5, 3, 6]) // [1 2 3; 4 5 6]
        XCTAssertEqual(try multiply(a, [1, 1, 1]), [6, 15])
        XCTAssertEqual(try multiply(a, [1, 2], transpose: true), [9, 12, 15])
        XCTAssertThrowsError(try multiply(a, [1, 2]))
    }

    func testCholeskySolveInverseAndCondition() throws {
        // A = [4 2; 2 3]: det 8, inverse [3 -2; -2 4] / 8; A x = (2, 1) has x = (0.5, 0).
        let a = Matrix(rows: 2, columns: 2, columnMajor: [4, 2, 2, 3])
        let chol = try CholeskyFactorization(a)
        let x = try chol.solve([2, 1])
        XCTAssertEqual(x[0], 0.5, accuracy: 1e-15)
        XCTAssertEqual(x[1], 0, accuracy: 1e-15)
        let inv = try chol.inverse()
        XCTAssertEqual(inv[0, 0], 3.0 / 8, accuracy: 1e-15)
        XCTAssertEqual(inv[0, 1], -2.0 / 8, accuracy: 1e-15)
        XCTAssertEqual(inv[1, 0], -2.0 / 8, accuracy: 1e-15)
        XCTAssertEqual(inv[1, 1], 4.0 / 8, accuracy: 1e-15)
        // 1-norm condition number is ||A||_1 ||A^-1||_1 = 6 * 0.75 = 4.5; dpocon estimates 1/4.5.
        XCTAssertEqual(try chol.reciprocalConditionNumber(), 1 / 4.5, accuracy: 1e-12)
    }

    func testCholeskyRejectsIndefiniteMatrix() {
        let a = Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 2, 1]) // eigenvalues 3, -1
        XCTAssertThrowsError(try CholeskyFactorization(a)) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notPositiveDefinite(minor: 2))
        }
    }
}

/// The fixed-order kernels and Cholesky (no BLAS/LAPACK), checked on small integers where every
/// sum is exact, so results must be equal, not close.
final class FixedOrderKernelTests: XCTestCase {
    /// Columns of small integers (exact in any summation order).
    func columns(_ count: Int, rows: Int, seed: Int) -> [[Double]] {
        (0..<count).map { j in (0..<rows).map { i in Double((i * 7 + j * 13 + seed) % 11) - 5 } }
    }

    func testCrossProductsAreExactSums() {
        // Odd and even row counts; u and v counts that leave remainders after tiles of 2 x 4.
        for rows in [1, 2, 7, 64, 513] {
            for (p, q) in [(1, 1), (1, 2), (2, 5), (3, 4), (5, 6), (6, 11)] {
                let u = columns(p, rows: rows, seed: 1), v = columns(q, rows: rows, seed: 2)
                var sums = [SIMD2<Double>](repeating: .zero, count: p * q)
                withPointers(u) { up in
                    withPointers(v) { vp in
                        sums.withUnsafeMutableBufferPointer { s in
                            FixedOrderKernels.accumulateCrossProducts(up, count: p, vp, count: q, rows: rows, into: s.baseAddress!)
                        }
                    }
                }
                for j in 0..<p {
                    for k in j..<q {
                        var expected = 0.0, even = 0.0
                        for i in 0..<rows {
                            expected += u[j][i] * v[k][i]
                            if i % 2 == 0 { even += u[j][i] * v[k][i] }
                        }
                        XCTAssertEqual(sums[j * q + k][0] + sums[j * q + k][1], expected, "rows \(rows), (\(j), \(k)) of \(p)x\(q)")
                        XCTAssertEqual(sums[j * q + k][0], even, "lane 0 holds the even rows")
                    }
                }
            }
        }
    }

    func testCrossProductsContinueAcrossPieces() {
        // Two pieces of 64 and 37 rows give the same lanes as one call when the split is even.
        let u = columns(3, rows: 101, seed: 3), v = columns(4, rows: 101, seed: 4)
        var whole = [SIMD2<Double>](repeating: .zero, count: 12), pieces = whole
        withPointers(u) { up in withPointers(v) { vp in
            whole.withUnsafeMutableBufferPointer { s in
                FixedOrderKernels.accumulateCrossProducts(up, count: 3, vp, count: 4, rows: 101, into: s.baseAddress!)
            }
        } }
        withPointers(u, offset: 0) { up in withPointers(v, offset: 0) { vp in
            pieces.withUnsafeMutableBufferPointer { s in
                FixedOrderKernels.accumulateCrossProducts(up, count: 3, vp, count: 4, rows: 64, into: s.baseAddress!)
            }
        } }
        withPointers(u, offset: 64) { up in withPointers(v, offset: 64) { vp in
            pieces.withUnsafeMutableBufferPointer { s in
                FixedOrderKernels.accumulateCrossProducts(up, count: 3, vp, count: 4, rows: 37, into: s.baseAddress!)
            }
        } }
        for j in 0..<3 { for k in j..<4 { XCTAssertEqual(whole[j * 4 + k], pieces[j * 4 + k]) } }
    }

    func testLinearCombinationAddsTermsInColumnOrder() {
        let x = columns(3, rows: 9, seed: 5)
        let c = [0.5, -2, 3]
        var out = [Double](repeating: .nan, count: 9)
        withPointers(x) { xp in
            c.withUnsafeBufferPointer { cp in
                out.withUnsafeMutableBufferPointer { o in
                    FixedOrderKernels.linearCombination(xp, count: 3, coefficients: cp.baseAddress!, constant: 1.25, rows: 9,
                                                        into: o.baseAddress!)
                }
            }
        }
        for i in 0..<9 { XCTAssertEqual(out[i], ((1.25 + 0.5 * x[0][i]) + -2 * x[1][i]) + 3 * x[2][i]) }
    }

    func testCholeskySolveInverseAndCondition() throws {
        // Same matrix as the LAPACK test: A = [4 2; 2 3].
        let chol = try FixedOrderCholesky(Matrix(rows: 2, columns: 2, columnMajor: [4, 2, 2, 3]))
        XCTAssertEqual(try chol.solve([2, 1]), [0.5, 0])
        let inv = chol.inverse()
        for (x, y) in zip(inv.elements, [3.0 / 8, -2.0 / 8, -2.0 / 8, 4.0 / 8]) { XCTAssertEqual(x, y, accuracy: 1e-15) }
        XCTAssertEqual(inv[0, 1], inv[1, 0])
        // Exact: ||A||_1 ||A^-1||_1 = 6 * 0.75.
        XCTAssertEqual(chol.reciprocalConditionNumber(), 1 / 4.5, accuracy: 1e-15)
        XCTAssertThrowsError(try FixedOrderCholesky(Matrix(rows: 2, columns: 2, columnMajor: [1, 2, 2, 1]))) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notPositiveDefinite(minor: 2))
        }
        XCTAssertThrowsError(try FixedOrderCholesky(Matrix(rows: 2, columns: 2, columnMajor: [.nan, 0, 0, 1])))
    }

    func testCholeskyAgreesWithLAPACK() throws {
        // A random-looking SPD matrix of order 7: B'B + I.
        let b = columns(7, rows: 12, seed: 6)
        var a = Matrix(rows: 7, columns: 7)
        for i in 0..<7 { for j in 0..<7 { a[i, j] = zip(b[i], b[j]).reduce(0) { $0 + $1.0 * $1.1 } + (i == j ? 1 : 0) } }
        let ours = try FixedOrderCholesky(a), lapack = try CholeskyFactorization(a)
        let rhs = (0..<7).map { Double($0) - 3 }
        for (x, y) in zip(try ours.solve(rhs), try lapack.solve(rhs)) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y))) }
        let inv = ours.inverse(), lapackInverse = try lapack.inverse()
        for k in 0..<49 { XCTAssertEqual(inv.elements[k], lapackInverse.elements[k], accuracy: 1e-12) }
        // The exact condition number is never above LAPACK's estimate of its reciprocal.
        XCTAssertLessThanOrEqual(ours.reciprocalConditionNumber(), try lapack.reciprocalConditionNumber() * (1 + 1e-12))
        // A = U'U reproduces A.
        for i in 0..<7 {
            for j in i..<7 {
                var s = 0.0
                for k in 0...i { s += ours.factor[k + i * 7] * ours.factor[k + j * 7] }
                XCTAssertEqual(s, a[i, j], accuracy: 1e-10)
            }
        }
    }

    /// Calls `body` with pointers to row `offset` of every column.
    func withPointers<R>(_ columns: [[Double]], offset: Int = 0, _ body: (UnsafePointer<UnsafePointer<Double>>) -> R) -> R {
        func nest(_ j: Int, _ collected: [UnsafePointer<Double>]) -> R {
            if j == columns.count { return collected.withUnsafeBufferPointer { body($0.baseAddress!) } }
            return columns[j].withUnsafeBufferPointer { nest(j + 1, collected + [$0.baseAddress! + offset]) }
        }
        return nest(0, [])
    }
}
