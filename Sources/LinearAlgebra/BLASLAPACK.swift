import CLAPACK

// Swift wrappers over the Fortran BLAS/LAPACK routines declared in CLAPACK/shim.h.
// Every matrix is column-major; symmetric matrices are stored in full (both triangles are
// filled on return) so that callers never need to know which triangle a routine used.

@inline(__always)
func blasInt(_ n: Int) throws -> Int32 {
    guard n <= Int(Int32.max) else { throw LinearAlgebraError.tooLarge(n) }
    return Int32(n)
}

/// Weighted cross product `X' diag(w) X` of an `n x p` column-major matrix.
///
/// Computed as `dsyrk` on the row-scaled matrix `diag(sqrt(w)) X`, which is what iteratively
/// reweighted least squares needs. `scratch` must hold `n * p` doubles and is overwritten;
/// passing it in avoids an allocation per iteration in hot loops.
///
/// - Parameters:
///   - x: the design matrix, `n x p`, column-major.
///   - rootWeights: `sqrt(w_i)` for each of the `n` rows (weights must be non-negative).
///   - scratch: work space of `n * p` doubles.
/// - Returns: the symmetric `p x p` matrix with both triangles filled.
public func weightedCrossProduct(
    _ x: Matrix, rootWeights: [Double], scratch: inout [Double]
) throws -> Matrix {
    let n = x.rows, p = x.columns
    guard rootWeights.count == n else {
        throw LinearAlgebraError.dimensionMismatch("\(rootWeights.count) weights for \(n) rows")
    }
    if scratch.count != n * p { scratch = Array(repeating: 0, count: n * p) }
    x.elements.withUnsafeBufferPointer { xs in
        rootWeights.withUnsafeBufferPointer { ws in
            scratch.withUnsafeMutableBufferPointer { out in
                for j in 0..<p {
                    let base = j * n
                    for i in 0..<n { out[base + i] = xs[base + i] * ws[i] }
                }
            }
        }
    }
    return try crossProduct(rows: n, columns: p, columnMajor: scratch)
}

/// Cross product `A' A` of an `n x p` column-major matrix, via BLAS `dsyrk`.
public func crossProduct(rows n: Int, columns p: Int, columnMajor a: [Double]) throws -> Matrix {
    var c = Matrix(rows: p, columns: p)
    guard p > 0 else { return c }
    try a.withUnsafeBufferPointer { ap in
        try c.elements.withUnsafeMutableBufferPointer { cp in
            try crossProduct(ap.baseAddress!, rows: n, columns: p, into: cp.baseAddress!)
        }
    }
    c.symmetrizeFromUpper()
    return c
}

/// Cross product `A' A` of an `n x p` column-major block at `a` (leading dimension `n`), written
/// into the upper triangle of the `p x p` column-major `c` (the lower triangle is left as it was).
/// Allocates nothing, for loops over blocks of rows.
public func crossProduct(_ a: UnsafePointer<Double>, rows n: Int, columns p: Int, into c: UnsafeMutablePointer<Double>) throws {
    guard p > 0 else { return }
    var nn = try blasInt(p), kk = try blasInt(n)
    var lda = max(kk, 1), ldc = nn
    var alpha = 1.0, beta = 0.0
    var uplo = CChar(UInt8(ascii: "U")), trans = CChar(UInt8(ascii: "T"))
    dsyrk_(&uplo, &trans, &nn, &kk, &alpha, a, &lda, &beta, c, &ldc, 1, 1)
}

/// Matrix-vector product `y = A x` (or `A' x` when `transpose` is true), via BLAS `dgemv`.
public func multiply(_ a: Matrix, _ x: [Double], transpose: Bool = false) throws -> [Double] {
    let outCount = transpose ? a.columns : a.rows
    let inCount = transpose ? a.rows : a.columns
    guard x.count == inCount else {
        throw LinearAlgebraError.dimensionMismatch("vector of \(x.count) for a \(a.rows)x\(a.columns) matrix")
    }
    var y = Array(repeating: 0.0, count: outCount)
    guard outCount > 0, inCount > 0 else { return y }
    try a.elements.withUnsafeBufferPointer { ap in
        try x.withUnsafeBufferPointer { xp in
            try y.withUnsafeMutableBufferPointer { yp in
                try multiply(ap.baseAddress!, rows: a.rows, columns: a.columns, xp.baseAddress!, into: yp.baseAddress!,
                             transpose: transpose)
            }
        }
    }
    return y
}

/// `y = A x` (or `A' x` when `transpose` is true) for an `m x n` column-major block at `a`
/// (leading dimension `m`), via BLAS `dgemv`. Allocates nothing, for loops over blocks of rows.
public func multiply(
    _ a: UnsafePointer<Double>, rows m: Int, columns n: Int, _ x: UnsafePointer<Double>,
    into y: UnsafeMutablePointer<Double>, transpose: Bool = false
) throws {
    guard m > 0, n > 0 else { return }
    var mm = try blasInt(m), nn = try blasInt(n)
    var lda = max(mm, 1), inc: Int32 = 1, incy: Int32 = 1
    var alpha = 1.0, beta = 0.0
    var trans = CChar(UInt8(ascii: transpose ? "T" : "N"))
    dgemv_(&trans, &mm, &nn, &alpha, a, &lda, x, &inc, &beta, y, &incy, 1)
}

/// Cholesky factorisation `A = U'U` of a symmetric positive-definite matrix (LAPACK `dpotrf`).
///
/// Holds the factor so that several right-hand sides, the inverse and a condition estimate can be
/// obtained without refactorising.
public struct CholeskyFactorization: Sendable {
    /// Order of the matrix.
    public let order: Int
    /// Column-major storage whose upper triangle holds `U`.
    let factor: [Double]
    /// 1-norm of the original matrix (for the condition estimate).
    let oneNorm: Double

    /// Factorises `a`, which must be square and symmetric.
    /// - Throws: `LinearAlgebraError.notPositiveDefinite` if a leading minor is not positive.
    public init(_ a: Matrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.dimensionMismatch("Cholesky needs a square matrix, got \(a.rows)x\(a.columns)")
        }
        order = a.rows
        var norm = 0.0
        for j in 0..<a.columns {
            var s = 0.0
            for i in 0..<a.rows { s += abs(a[i, j]) }
            norm = max(norm, s)
        }
        oneNorm = norm
        var f = a.elements
        if order > 0 {
            var n = try blasInt(order), lda = n, info: Int32 = 0
            var uplo = CChar(UInt8(ascii: "U"))
            f.withUnsafeMutableBufferPointer { fp in
                dpotrf_(&uplo, &n, fp.baseAddress, &lda, &info, 1)
            }
            if info > 0 { throw LinearAlgebraError.notPositiveDefinite(minor: Int(info)) }
            if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpotrf", position: Int(-info)) }
        }
        factor = f
    }

    /// Solves `A x = b` (LAPACK `dpotrs`).
    public func solve(_ b: [Double]) throws -> [Double] {
        guard b.count == order else {
            throw LinearAlgebraError.dimensionMismatch("right-hand side of \(b.count) for order \(order)")
        }
        var x = b
        guard order > 0 else { return x }
        var n = try blasInt(order), nrhs: Int32 = 1, lda = n, ldb = n, info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        factor.withUnsafeBufferPointer { fp in
            x.withUnsafeMutableBufferPointer { xp in
                dpotrs_(&uplo, &n, &nrhs, fp.baseAddress, &lda, xp.baseAddress, &ldb, &info, 1)
            }
        }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpotrs", position: Int(-info)) }
        return x
    }

    /// The inverse `A^{-1}` (LAPACK `dpotri`), both triangles filled.
    public func inverse() throws -> Matrix {
        var inv = Matrix(rows: order, columns: order, columnMajor: factor)
        guard order > 0 else { return inv }
        var n = try blasInt(order), lda = n, info: Int32 = 0
        var uplo = CChar(UInt8(ascii: "U"))
        inv.elements.withUnsafeMutableBufferPointer { ip in
            dpotri_(&uplo, &n, ip.baseAddress, &lda, &info, 1)
        }
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(minor: Int(info)) }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpotri", position: Int(-info)) }
        inv.symmetrizeFromUpper()
        return inv
    }

    /// Estimate of the reciprocal 1-norm condition number (LAPACK `dpocon`); near 0 means
    /// the matrix is numerically singular.
    public func reciprocalConditionNumber() throws -> Double {
        guard order > 0 else { return 1 }
        var n = try blasInt(order), lda = n, info: Int32 = 0
        var anorm = oneNorm, rcond = 0.0
        var work = Array(repeating: 0.0, count: 3 * order)
        var iwork = Array(repeating: Int32(0), count: order)
        var uplo = CChar(UInt8(ascii: "U"))
        factor.withUnsafeBufferPointer { fp in
            dpocon_(&uplo, &n, fp.baseAddress, &lda, &anorm, &rcond, &work, &iwork, &info, 1)
        }
        if info < 0 { throw LinearAlgebraError.illegalArgument(routine: "dpocon", position: Int(-info)) }
        return rcond
    }
}

extension Matrix {
    /// Copies the upper triangle into the lower one.
    mutating func symmetrizeFromUpper() {
        let n = rows
        elements.withUnsafeMutableBufferPointer { e in
            for j in 0..<n {
                for i in (j + 1)..<max(n, j + 1) { e[i + j * n] = e[j + i * n] }
            }
        }
    }
}
