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

/// `X' diag(w) X` and its Cholesky factorisation.
func weightedInformation(_ x: Matrix, weights: [Double], scratch: inout [Double]) throws -> (Matrix, CholeskyFactorization) {
    let root = weights.map { $0.squareRoot() }
    let information = try weightedCrossProduct(x, rootWeights: root, scratch: &scratch)
    return (information, try CholeskyFactorization(information))
}

/// `X' diag(w) z`.
func weightedCrossVector(_ x: Matrix, weights: [Double], _ z: [Double]) throws -> [Double] {
    var wz = z
    for i in 0..<wz.count { wz[i] *= weights[i] }
    return try multiply(x, wz, transpose: true)
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
    let n = x.rows, p = x.columns
    // Cluster sums u_g, G x p column-major, accumulated in data order (as R's rowsum()).
    var u = [Double](repeating: 0, count: g * p)
    x.elements.withUnsafeBufferPointer { xs in
        for i in 0..<n {
            let c = clusterCode[i]
            for j in 0..<p { u[c + j * g] += s[i] * xs[i + j * n] }
        }
    }
    let meat = try crossProduct(rows: g, columns: p, columnMajor: u)
    // B M B.
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
