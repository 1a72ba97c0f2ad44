import LinearAlgebra

// Shared pieces of the `y ~ treat` regressions: the design matrix, the inverse information and
// the cluster-robust sandwich of `sandwich::vcovCL`.

/// The design `[1, treat]` of the retained units (column-major `n x 2`).
func treatmentDesign(_ treated: [Bool]) -> Matrix {
    let n = treated.count
    var x = Matrix(rows: n, columns: 2, repeating: 1)
    for i in 0..<n { x[i, 1] = treated[i] ? 1 : 0 }
    return x
}

// The outcome regressions have a handful of columns, so their algebra is written as plain loops
// with a fixed order of operations (no BLAS/LAPACK): the contract's test, and so a decision that
// requires significance, is the same bits whatever BLAS or LAPACK is installed and on every
// thread count. The loops are those of the reference BLAS (`dsyrk` 'U','T': each entry one
// sequential dot product over the rows; `dgemv`: y accumulated column by column), so the numbers
// are the ones the reference BLAS gave before.

/// `A'A` of an `n x p` column-major `a`: entry `(i, j)` is `Σ_l a[l,i] a[l,j]`, summed in row order.
func fixedOrderCrossProduct(rows n: Int, columns p: Int, columnMajor a: [Double]) -> Matrix {
    var c = Matrix(rows: p, columns: p)
    a.withUnsafeBufferPointer { ap in
        for j in 0..<p {
            for i in 0...j {
                var t = 0.0
                for l in 0..<n { t += ap[l + i * n] * ap[l + j * n] }
                c[i, j] = t
                c[j, i] = t
            }
        }
    }
    return c
}

/// `A x` (or `A'x`), accumulated as the reference `dgemv`: `A x` column by column, `A'x` as one
/// sequential dot product per column.
func fixedOrderMultiply(_ a: Matrix, _ x: [Double], transpose: Bool = false) throws -> [Double] {
    let n = a.rows, p = a.columns
    guard x.count == (transpose ? n : p) else {
        throw LinearAlgebraError.dimensionMismatch("vector of \(x.count) for a \(n)x\(p) matrix")
    }
    return a.elements.withUnsafeBufferPointer { ap in
        if transpose {
            return (0..<p).map { j in
                var t = 0.0
                for l in 0..<n { t += ap[l + j * n] * x[l] }
                return t
            }
        }
        var y = [Double](repeating: 0, count: n)
        for j in 0..<p where x[j] != 0 {
            let b = x[j]
            for i in 0..<n { y[i] += b * ap[i + j * n] }
        }
        return y
    }
}

/// `X' diag(w) X` (as `(√w X)'(√w X)`) and its Cholesky factorisation.
func weightedInformation(_ x: Matrix, weights: [Double], scratch: inout [Double]) throws -> (Matrix, FixedOrderCholesky) {
    let n = x.rows, p = x.columns
    guard weights.count == n else { throw LinearAlgebraError.dimensionMismatch("\(weights.count) weights for \(n) rows") }
    if scratch.count != n * p { scratch = Array(repeating: 0, count: n * p) }
    for j in 0..<p {
        for l in 0..<n { scratch[l + j * n] = weights[l].squareRoot() * x[l, j] }
    }
    let information = fixedOrderCrossProduct(rows: n, columns: p, columnMajor: scratch)
    return (information, try FixedOrderCholesky(information))
}

/// `X' diag(w) z`.
func weightedCrossVector(_ x: Matrix, weights: [Double], _ z: [Double]) throws -> [Double] {
    var wz = z
    for i in 0..<wz.count { wz[i] *= weights[i] }
    return try fixedOrderMultiply(x, wz, transpose: true)
}

/// The cluster-robust covariance of `sandwich::vcovCL` (sandwich 3.0-2) for a one-way clustering:
///
///     V = adjustment · B (Σ_g u_g u_gᵀ) B,   u_g = Σ_{i ∈ g} sᵢ xᵢ,   B = (X'WX)⁻¹,
///
/// where `sᵢ xᵢ` is the unit's estimating-function contribution (`sandwich::estfun`): for a
/// weighted `lm`, `sᵢ = wᵢ (yᵢ − ŷᵢ)`; for a GLM, the working residual times the working weight.
/// `vcovCL` writes this as `(1/n) bread · meat · bread` with `bread = n B` and
/// `meat = adj · (Σ_g u_g u_gᵀ)/n`, which is the same matrix. Its default `type` is `"HC1"` for
/// an `lm` and `"HC0"` for a `glm`, and `cadjust = TRUE`, so
/// - `lm`: `adjustment = G/(G − 1) · (n − 1)/(n − k)`;
/// - `glm` (including `glm.nb`): `adjustment = G/(G − 1)`;
/// with `G` clusters, `n` units and `k` coefficients.
///
/// - Returns: the 2 × 2 covariance, row-major.
func clusterRobustCovariance(
    design x: Matrix, scores s: [Double], inverseInformation b: Matrix,
    clusterCode: [Int], clusterCount g: Int, adjustment: Double
) throws -> [Double] {
    let meat = try clusterScoreCrossProduct(design: x, scores: s, clusterCode: clusterCode, clusterCount: g)
    return sandwichProduct(inverseInformation: b, meat: meat, adjustment: adjustment)
}

/// One clustering of the multiway sandwich: a cluster code per row (`0..<count`) and its sign in
/// the inclusion-exclusion sum.
struct SandwichClustering {
    var code: [Int]
    var count: Int
    var sign: Double
}

/// The multiway cluster-robust covariance of `sandwich::vcovCL(fit, cluster = ~a + b)` for a
/// weighted `lm` with its defaults (`type = "HC1"`, `cadjust = TRUE`, `multi0 = FALSE`,
/// `fix = FALSE`), sandwich 3.0-2 to 3.1-1 (`meatCL`):
///
///     V = (n − 1)/(n − k) · B [ Σ_j sign_j · G_j/(G_j − 1) · Σ_{c ∈ clustering j} u_c u_cᵀ ] B,
///
/// `u_c = Σ_{i ∈ c} sᵢ xᵢ`, `B = (X'WX)⁻¹`, with the clusterings of every non-empty subset of the
/// cluster variables (for two variables: `a` and `b` with sign +1, their intersection `a × b` with
/// sign −1; Cameron, Gelbach and Miller 2011), `G_j` the number of distinct clusters of
/// clustering `j` (of the intersection too), `n` rows and `k` coefficients. `vcovCL` writes this
/// as `(1/n) bread · meat · bread` with `bread = n B` and `meat` the bracket times
/// `(n − 1)/(n − k)/n`, the same matrix. The result need not be positive semi-definite (`fix =
/// FALSE` leaves it as it is); callers check the variances they use. For a `glm` (`type =
/// "HC0"`) pass `adjustment: 1` in place of `(n − 1)/(n − k)`.
///
/// - Returns: the `k × k` covariance, row-major.
func multiwayClusterRobustCovariance(
    design x: Matrix, scores s: [Double], inverseInformation b: Matrix, clusterings: [SandwichClustering],
    adjustment: Double? = nil
) throws -> [Double] {
    let n = x.rows, p = x.columns
    var meat = Matrix(rows: p, columns: p)
    for c in clusterings {
        let part = try clusterScoreCrossProduct(design: x, scores: s, clusterCode: c.code, clusterCount: c.count)
        let factor = c.sign * Double(c.count) / Double(c.count - 1)
        for j in 0..<(p * p) { meat.elements[j] += factor * part.elements[j] }
    }
    return sandwichProduct(inverseInformation: b, meat: meat, adjustment: adjustment ?? Double(n - 1) / Double(n - p))
}

/// `Σ_g u_g u_gᵀ`, `u_g = Σ_{i ∈ g} sᵢ xᵢ`: the cross product of the cluster sums of the
/// estimating functions (`crossprod(apply(estfun(x), 2, rowsum, cluster))`).
func clusterScoreCrossProduct(design x: Matrix, scores s: [Double], clusterCode: [Int], clusterCount g: Int) throws -> Matrix {
    let n = x.rows, p = x.columns
    // Cluster sums u_g, G x p column-major, accumulated in data order (as R's rowsum()).
    var u = [Double](repeating: 0, count: g * p)
    x.elements.withUnsafeBufferPointer { xs in
        for i in 0..<n {
            let c = clusterCode[i]
            for j in 0..<p { u[c + j * g] += s[i] * xs[i + j * n] }
        }
    }
    return fixedOrderCrossProduct(rows: g, columns: p, columnMajor: u)
}

/// `adjustment · B M B`, row-major.
func sandwichProduct(inverseInformation b: Matrix, meat: Matrix, adjustment: Double) -> [Double] {
    let p = b.rows
    var bm = [Double](repeating: 0, count: p * p)
    for i in 0..<p {
        for j in 0..<p {
            var acc = 0.0
            for k in 0..<p { acc += b[i, k] * meat[k, j] }
            bm[i * p + j] = acc
        }
    }
    var v = [Double](repeating: 0, count: p * p)
    for i in 0..<p {
        for j in 0..<p {
            var acc = 0.0
            for k in 0..<p { acc += bm[i * p + k] * b[k, j] }
            v[i * p + j] = adjustment * acc
        }
    }
    return v
}

/// Row-major copy of a square matrix scaled by `factor`.
func rowMajor(_ m: Matrix, scaledBy factor: Double = 1) -> [Double] {
    var out = [Double](repeating: 0, count: m.rows * m.columns)
    for i in 0..<m.rows { for j in 0..<m.columns { out[i * m.columns + j] = factor * m[i, j] } }
    return out
}

/// The coefficient table of a two-coefficient model from its row-major covariance.
func coefficientTable(
    coefficients beta: [Double], covariance v: [Double], reference: ReferenceDistribution, level: Double, model: String
) throws -> CoefficientTable {
    CoefficientTable(
        intercept: try Estimate(estimate: beta[0], standardError: v[0].squareRoot(), reference: reference,
                                level: level, what: "\(model): standard error of the intercept"),
        treatment: try Estimate(estimate: beta[1], standardError: v[3].squareRoot(), reference: reference,
                                level: level, what: "\(model): standard error of the treatment effect"),
        covariance: v)
}
