/// Cholesky factorisation `A = U'U` of a small symmetric positive-definite matrix, in plain Swift
/// loops with a fixed order of operations (no LAPACK), so that the factor, solutions, inverse and
/// condition number are the same bits whatever LAPACK is installed. For the `p x p` normal
/// equations of a regression (`p` up to a few hundred), where the cost, `p^3 / 3` multiply-adds,
/// is negligible next to forming `X'WX` over the rows.
///
/// Row `j` of `U`: `U[j,j] = sqrt(A[j,j] - sum_{k<j} U[k,j]^2)` and
/// `U[j,i] = (A[j,i] - sum_{k<j} U[k,j] U[k,i]) / U[j,j]` for `i > j`, sums in increasing `k`
/// (Golub and Van Loan, *Matrix Computations*, 4th ed., algorithm 4.2.1, by rows). Only the upper
/// triangle of `A` is read.
public struct FixedOrderCholesky: Sendable {
    /// Order of the matrix.
    public let order: Int
    /// `U`, column-major; the strict lower triangle is zero.
    let factor: [Double]
    /// 1-norm of `A` (largest absolute column sum), for the condition number.
    let oneNorm: Double

    /// Factorises `a` (square; only its upper triangle is read).
    /// - Throws: `LinearAlgebraError.notPositiveDefinite(minor:)` when the leading minor of that order
    ///   is not positive (or not finite), as LAPACK's `dpotrf` reports it.
    public init(_ a: Matrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky needs a square matrix, got \(a.rows)x\(a.columns)")
        }
        let n = a.rows
        order = n
        var norm = 0.0
        for j in 0..<n {
            var s = 0.0
            for i in 0..<n { s += abs(i <= j ? a[i, j] : a[j, i]) }
            norm = max(norm, s)
        }
        oneNorm = norm
        var u = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var d = a[j, j]
            for k in 0..<j { d -= u[k + j * n] * u[k + j * n] }
            guard d > 0, d.isFinite else { throw LinearAlgebraError.notPositiveDefinite(minor: j + 1) }
            let root = d.squareRoot()
            u[j + j * n] = root
            for i in (j + 1)..<max(n, j + 1) {
                var t = a[j, i]
                for k in 0..<j { t -= u[k + j * n] * u[k + i * n] }
                u[j + i * n] = t / root
            }
        }
        factor = u
    }

    /// Solves `A x = b`: `U'y = b` forwards, then `U x = y` backwards.
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == order else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side of \(b.count) for order \(order)")
        }
        let n = order
        var x = b
        for i in 0..<n {
            var t = x[i]
            for k in 0..<i { t -= factor[k + i * n] * x[k] }
            x[i] = t / factor[i + i * n]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var t = x[i]
            for k in (i + 1)..<max(n, i + 1) { t -= factor[i + k * n] * x[k] }
            x[i] = t / factor[i + i * n]
        }
        return x
    }

    /// The inverse `A^{-1} = U^{-1} U^{-T}`, both triangles filled (exactly symmetric).
    public func inverse() -> Matrix {
        let n = order
        // V = U^{-1}, upper triangular, column by column: U V[:, j] = e_j.
        var v = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            v[j + j * n] = 1 / factor[j + j * n]
            for i in stride(from: j - 1, through: 0, by: -1) {
                var t = 0.0
                for k in (i + 1)...j { t -= factor[i + k * n] * v[k + j * n] }
                v[i + j * n] = t / factor[i + i * n]
            }
        }
        // A^{-1}[i, j] = sum_{k >= max(i, j)} V[i, k] V[j, k].
        var inverse = Matrix(rows: n, columns: n)
        for j in 0..<n {
            for i in 0...j where n > 0 {
                var t = 0.0
                for k in j..<n { t += v[i + k * n] * v[j + k * n] }
                inverse[i, j] = t
                inverse[j, i] = t
            }
        }
        return inverse
    }

    /// The reciprocal 1-norm condition number `1 / (||A||_1 ||A^{-1}||_1)`, computed exactly from the
    /// inverse (LAPACK's `dpocon` estimates `||A^{-1}||_1` from below, so its value is never smaller);
    /// near 0 means the matrix is numerically singular.
    public func reciprocalConditionNumber() -> Double {
        guard order > 0 else { return 1 }
        let inv = inverse()
        var norm = 0.0
        for j in 0..<order {
            var s = 0.0
            for i in 0..<order { s += abs(inv[i, j]) }
            norm = max(norm, s)
        }
        return 1 / (oneNorm * norm)
    }
}
