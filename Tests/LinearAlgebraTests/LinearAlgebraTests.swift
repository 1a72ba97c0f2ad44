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
