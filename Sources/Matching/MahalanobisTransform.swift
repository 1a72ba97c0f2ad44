import Foundation
import RArithmetic

/// Covariates turned into coordinates whose Euclidean distance is the Mahalanobis distance, as
/// MatchIt 4.7's `transform_covariates(method = "mahalanobis", treat, discarded)`
/// (`R/dist_functions.R`), which `matchit2nearest.R` applies to `mahvars`:
///
/// 1. Columns with no variance (max − min < √ε over all units) are dropped; when every column is
///    constant the first column is used as it is (MatchIt switches to Euclidean distance).
/// 2. Every column is standardised over all units (R's `scale()`: mean, SD with n − 1).
/// 3. Σ is the *pooled within-group* covariance over the units not discarded (MatchIt's
///    `pooled_cov`, as optmatch and Rubin 1980): each group centred at its own mean, then
///    `cov(X) · (n − 1) / (n − 2)`.
/// 4. Σ⁻¹ is the inverse when det Σ > 1e-8, otherwise the Moore–Penrose inverse keeping singular
///    values above 1e-8 × the largest (`generalized_inverse`): factor indicators are coded in full,
///    so Σ is singular whenever a factor is among the covariates. Here both come from one symmetric
///    eigen-decomposition (cyclic Jacobi), where R uses `solve` and `svd`.
/// 5. Σ⁻¹ = LᵀL by pivoted Cholesky (LAPACK `dpstrf`: largest remaining diagonal first, stopping at
///    the numerical rank), and the coordinates are X · Lᵀ with L's columns in the original order
///    (`mahalanobize`, `tcrossprod(X, ch[, order(pivot)])`). The first coordinate is MatchIt's
///    search variable, so its sign and pivot follow R's.
public enum MahalanobisTransform {
    /// The transformed coordinates, one row per unit (`rows[i]`), from covariate columns.
    /// - Parameters:
    ///   - columns: one array per covariate column (numeric as is; factor levels as full
    ///     indicators divided by √2, as MatchIt's `get_covs_matrix_for_dist`).
    ///   - focal: group per unit (the pooled covariance only needs the grouping).
    ///   - discarded: units left out of the covariance.
    public static func transform(columns input: [[Double]], focal: [Bool], discarded: [Bool]) -> [[Double]] {
        let n = focal.count
        let varying = input.filter { c in
            guard let lo = c.min(), let hi = c.max() else { return false }
            return abs(hi - lo) >= Double.ulpOfOne.squareRoot()
        }
        if varying.isEmpty {
            return (0..<n).map { [input.first?[$0] ?? 0] }
        }
        // 2. scale()
        let z: [[Double]] = varying.map { c in
            let mean = Double(c.reduce(ExtendedSum(0)) { $0 + ExtendedSum($1) } / ExtendedSum(n))
            let centred = c.map { $0 - mean }
            let sd = (Double(centred.reduce(ExtendedSum(0)) { $0 + ExtendedSum($1 * $1) }) / Double(max(1, n - 1))).squareRoot()
            return centred.map { $0 / sd }
        }
        let p = z.count
        // 3. pooled within-group covariance over the kept units.
        let kept = (0..<n).filter { !discarded[$0] }
        let groups = Set(kept.map { focal[$0] })
        let within: [[Double]] = z.map { col in
            var out = kept.map { col[$0] }
            for g in groups {
                let members = kept.indices.filter { focal[kept[$0]] == g }
                let m = rMean(members.map { out[$0] })
                for k in members { out[k] -= m }
            }
            return out
        }
        let m = kept.count
        let means = within.map { rMean($0) }
        var sigma = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for a in 0..<p {
            for b in a..<p {
                var s = ExtendedSum(0)
                for k in 0..<m { s += ExtendedSum((within[a][k] - means[a]) * (within[b][k] - means[b])) }
                let cov = Double(s / ExtendedSum(m - 1))
                let value = cov * Double(m - 1) / Double(m - groups.count)
                sigma[a][b] = value
                sigma[b][a] = value
            }
        }
        // 4. (generalised) inverse.
        let (values, vectors) = symmetricEigen(sigma)
        let determinant = values.reduce(1, *)
        let largest = values.max() ?? 0
        let keep = values.map { determinant > 1e-8 || $0 > max(1e-8 * largest, 0) }
        var inverse = Array(repeating: Array(repeating: 0.0, count: p), count: p)
        for a in 0..<p {
            for b in 0..<p {
                var s = 0.0
                for k in 0..<p where keep[k] { s += vectors[a][k] * vectors[b][k] / values[k] }
                inverse[a][b] = s
            }
        }
        // 5. pivoted Cholesky and the coordinates.
        let (factor, pivot) = pivotedCholesky(inverse)
        return (0..<n).map { i in
            factor.map { row in
                var s = 0.0
                for k in 0..<p { s += z[pivot[k]][i] * row[k] }
                return s
            }
        }
    }

    /// Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix by cyclic Jacobi
    /// rotations, to machine precision.
    static func symmetricEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let p = matrix.count
        var a = matrix
        var v = (0..<p).map { i in (0..<p).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<p { for j in 0..<p where i != j { off += a[i][j] * a[i][j] } }
            var scale = 0.0
            for i in 0..<p { scale += a[i][i] * a[i][i] }
            if off <= 1e-30 * max(scale, Double.leastNormalMagnitude) { break }
            for i in 0..<p {
                for j in (i + 1)..<max(p, i + 1) where a[i][j] != 0 {
                    let theta = (a[j][j] - a[i][i]) / (2 * a[i][j])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<p {
                        let aki = a[k][i], akj = a[k][j]
                        a[k][i] = c * aki - s * akj
                        a[k][j] = s * aki + c * akj
                    }
                    for k in 0..<p {
                        let aik = a[i][k], ajk = a[j][k]
                        a[i][k] = c * aik - s * ajk
                        a[j][k] = s * aik + c * ajk
                    }
                    for k in 0..<p {
                        let vki = v[k][i], vkj = v[k][j]
                        v[k][i] = c * vki - s * vkj
                        v[k][j] = s * vki + c * vkj
                    }
                }
            }
        }
        return ((0..<p).map { a[$0][$0] }, v)
    }

    /// Upper pivoted Cholesky factor of a positive semi-definite matrix as LAPACK's `dpstrf` with
    /// its default tolerance (stop when the largest remaining diagonal is ≤ p · ε · max diag):
    /// rows of the factor (one per rank), with columns in pivoted order, and the pivot.
    static func pivotedCholesky(_ matrix: [[Double]]) -> (factor: [[Double]], pivot: [Int]) {
        let p = matrix.count
        var a = matrix
        var pivot = Array(0..<p)
        var factor: [[Double]] = []
        let stop = Double(p) * Double.ulpOfOne * ((0..<p).map { a[$0][$0] }.max() ?? 0)
        for j in 0..<p {
            var best = j
            for i in j..<p where a[i][i] > a[best][best] { best = i }
            if a[best][best] <= (j == 0 ? 0 : stop) || a[best][best].isNaN { break }
            if best != j {
                a.swapAt(j, best)
                for r in 0..<p { a[r].swapAt(j, best) }
                pivot.swapAt(j, best)
                for r in factor.indices { factor[r].swapAt(j, best) }
            }
            let ajj = a[j][j].squareRoot()
            var row = Array(repeating: 0.0, count: p)
            row[j] = ajj
            for k in (j + 1)..<max(p, j + 1) { row[k] = a[j][k] / ajj }
            for i in (j + 1)..<max(p, j + 1) {
                for k in (j + 1)..<max(p, j + 1) { a[i][k] -= row[i] * row[k] }
            }
            factor.append(row)
        }
        return (factor, pivot)
    }
}
