import Columns
import Distributions
import LinearAlgebra
import Parallel
import HugePages
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One estimated coefficient.
public struct Coefficient: Sendable, Equatable, Codable {
    /// Term name (`(Intercept)` for the intercept, R-style names for indicators).
    public var name: String
    public var estimate: Double
    /// Standard error from the inverse information matrix of the final iteration (as R's `summary.glm`).
    public var standardError: Double
    /// Wald statistic `estimate / standardError`.
    public var zValue: Double
    /// Two-sided p-value `2 * Phi(-|z|)`.
    public var pValue: Double
}

/// The result of fitting a binomial GLM.
public struct GLMFit: Sendable, Codable {
    public var link: BinomialLink
    public var coefficients: [Coefficient]
    /// Residual deviance `-2 log L`.
    public var deviance: Double
    /// Deviance of the intercept-only model.
    public var nullDeviance: Double
    /// Akaike information criterion `-2 log L + 2p`.
    public var aic: Double
    public var dfResidual: Int
    public var dfNull: Int
    /// Number of IRLS iterations (R's `iter`).
    public var iterations: Int
    /// Linear predictor `eta = X beta` per row.
    public var linearPredictor: [Double]
    /// Fitted probabilities `mu = g^{-1}(eta)` per row.
    public var fitted: [Double]

    /// The fit with `linearPredictor` and `fitted` empty: the model's table, for keeping beside
    /// the distances taken from it (at ten million rows each array is 80 MB).
    public func withoutRowValues() -> GLMFit {
        var fit = self
        fit.linearPredictor = []
        fit.fitted = []
        return fit
    }
}

/// Why a propensity model could not be fitted.
public enum PropensityError: Error, Equatable, CustomStringConvertible {
    case noRows
    case collinear(column: String)
    case notConverged(iterations: Int, relativeChange: Double)
    case separation(atBoundary: Int, largestCoefficient: String)
    case nonFinite(String)

    public var description: String {
        switch self {
        case .noRows:
            return "the propensity model has no rows to fit."
        case .collinear(let column):
            return "covariate '\(column)' is a linear combination of the intercept and earlier covariates (perfect collinearity); remove it or one of the covariates it duplicates."
        case .notConverged(let iterations, let change):
            return "the propensity model did not converge in \(iterations) iterations (last relative deviance change \(change)); raise --max-iterations or check for separation."
        case .separation(let count, let coefficient):
            return "the propensity model shows complete or quasi-complete separation: \(count) fitted probabilities are numerically 0 or 1 (largest coefficient: '\(coefficient)'); a covariate predicts treatment perfectly — remove or coarsen it, or restrict the sample."
        case .nonFinite(let what):
            return "the propensity model produced a non-finite \(what); check the covariates for extreme values."
        }
    }
}

/// Binomial generalised linear model fitted by iteratively reweighted least squares.
///
/// The iteration follows R's `glm.fit` step for step so that results agree with
/// `glm(..., family = binomial(link))` to rounding: starting values `mu = (y + 0.5) / 2`;
/// working response `z = eta + (y - mu) / mu'(eta)` and weights `w = mu'(eta)^2 / (mu (1 - mu))`;
/// convergence when `|dev - dev_old| / (|dev| + 0.1) < tolerance` (R's `epsilon`, 1e-8);
/// standard errors from `(X'WX)^{-1}` with the weights of the final iteration.
///
/// Every number is computed by the project's own kernels, never by BLAS or LAPACK, so the fit is the
/// same bits whatever BLAS/LAPACK library is installed and whatever the number of threads:
/// `X'WX` and `X'Wz` by `BlockedDesign` (fixed blocks of rows, SIMD over rows, blocks added in
/// order), the `p x p` solve, inverse and condition number by `LinearAlgebra.FixedOrderCholesky`
/// after scaling columns to unit root-mean-square (which keeps the normal equations well
/// conditioned when covariates have very different scales), and, for the logit link, `exp` and
/// `log` by `FixedOrderMath` instead of the C library; the probit link's `Φ`, `φ` and `Φ⁻¹` are
/// `FixedOrderMath.normalCDF`, `normalDensity` and `normalQuantile` (series, continued fraction
/// and Newton steps on the same fixed-order `exp` and `log`).
///
/// Each iteration reads the data once: the pass that computes the new linear predictor, fitted
/// means and deviance also forms the next iteration's normal equations, except when the previous
/// deviance change was already below `sqrt(tolerance)`, where convergence on this pass is likely
/// and the normal equations are formed by a separate pass only if it is not. (Either way they are
/// the same numbers: the choice changes the work done, not the result.)
public enum BinomialGLM {
    /// Fits `y ~ 1 + columns`.
    /// - Parameters:
    ///   - columns: covariate columns (an intercept is added first).
    ///   - names: their names, for the coefficient table and error messages.
    ///   - response: 0/1 outcome per row.
    ///   - link: logit or probit.
    ///   - tolerance: R's `epsilon`.
    ///   - maxIterations: R's `maxit`.
    public static func fit(
        columns: [[Double]], names: [String], response y: [Double], link: BinomialLink = .logit,
        tolerance: Double = 1e-8, maxIterations: Int = 25
    ) throws -> GLMFit {
        try fit(design: columns.map(NumericColumn.dense), names: names, response: y, link: link,
                tolerance: tolerance, maxIterations: maxIterations)
    }

    /// `fit(columns:...)` with columns in either storage (level indicators need no doubles: see
    /// `NumericColumn`); the same numbers as with the columns as doubles.
    public static func fit(
        design columns: [NumericColumn], names: [String], response y: [Double], link: BinomialLink = .logit,
        tolerance: Double = 1e-8, maxIterations: Int = 25
    ) throws -> GLMFit {
        let n = y.count
        guard n > 0 else { throw PropensityError.noRows }
        let p = columns.count + 1
        for (j, c) in columns.enumerated() {
            precondition(c.count == n, "column \(names[j]) has \(c.count) values for \(n) rows")
        }
        let termNames = ["(Intercept)"] + names
        let design = BlockedDesign(columns: columns, rows: n)
        // The fit calls no BLAS, but the outcome models that follow it do: keep a threaded BLAS
        // (OpenBLAS) on one thread per call, as this fit has always arranged. (Belongs in Outcomes.)
        BLASThreads.useOneThreadPerCall()

        // Column scales (root mean square) for a well-conditioned solve.
        let scale = [1.0] + design.rootMeanSquares()

        // Linear predictor and fitted means, written by disjoint blocks of rows in parallel, straight
        // into the arrays the fit returns.
        var fittedEta = [Double](hugePagesRepeating: 0, count: n), fittedMu = [Double](hugePagesRepeating: 0, count: n)
        var deviance = 0.0
        var beta = Array(repeating: 0.0, count: p)
        var lastFactor: FixedOrderCholesky? = nil
        var converged = false
        var iterations = 0
        var change = Double.infinity
        // R's start, mu = (y + 0.5) / 2; with 0/1 responses two values, each computed once.
        let binary = y.allSatisfy { $0 == 0 || $0 == 1 }
        let startEta = binary ? [link.link(0.25), link.link(0.75)] : []
        try fittedEta.withUnsafeMutableBufferPointer { etaBuffer in
            try fittedMu.withUnsafeMutableBufferPointer { muBuffer in
                let eta = etaBuffer.baseAddress!, mu = muBuffer.baseAddress!  // n > 0
                for i in 0..<n {
                    mu[i] = (y[i] + 0.5) / 2
                    eta[i] = binary ? startEta[y[i] == 1 ? 1 : 0] : link.link(mu[i])
                }
                deviance = Self.deviance(y: y, mu: UnsafeBufferPointer(muBuffer), binary: binary)

                try y.withUnsafeBufferPointer { yy in
                    let ys = yy.baseAddress!
                    var pending: NormalEquations? = nil
                    while iterations < maxIterations {
                        iterations += 1
                        let equations = pending ?? design.pass(
                            link: link, response: ys, binaryResponse: binary, beta: nil, eta: eta, mu: mu, normalEquations: true
                        ).normalEquations!
                        var scaled = equations.information
                        var scaledRHS = equations.rightHandSide
                        for j in 0..<p {
                            scaledRHS[j] /= scale[j]
                            for i in 0..<p { scaled[i, j] /= scale[i] * scale[j] }
                        }
                        let cholesky: FixedOrderCholesky
                        do {
                            cholesky = try FixedOrderCholesky(scaled)
                        } catch LinearAlgebraError.notPositiveDefinite(let minor) {
                            throw PropensityError.collinear(column: termNames[max(0, minor - 1)])
                        }
                        if cholesky.reciprocalConditionNumber() < 1e-13 {
                            throw PropensityError.collinear(column: try Self.firstDependentColumn(scaled, names: termNames))
                        }
                        let solution = try cholesky.solve(scaledRHS)
                        beta = (0..<p).map { solution[$0] / scale[$0] }
                        lastFactor = cholesky
                        let speculate = !(change < tolerance.squareRoot())
                        let result = design.pass(link: link, response: ys, binaryResponse: binary, beta: beta, eta: eta, mu: mu,
                                                 normalEquations: speculate)
                        pending = result.normalEquations
                        let newDeviance = result.deviance!
                        guard newDeviance.isFinite else { throw PropensityError.nonFinite("deviance") }
                        change = abs(newDeviance - deviance) / (abs(newDeviance) + 0.1)
                        deviance = newDeviance
                        if change < tolerance { converged = true; break }
                    }
                }
            }
        }
        guard converged, let factor = lastFactor else {
            throw PropensityError.notConverged(iterations: iterations, relativeChange: change)
        }

        // Fitted probabilities numerically 0 or 1 (R warns; we refuse, since matching on such
        // scores is meaningless).
        let eps = 10 * Double.ulpOfOne
        let boundary = fittedMu.reduce(0) { $0 + (($1 > 1 - eps || $1 < eps) ? 1 : 0) }
        if boundary > 0 {
            let largest = (1..<p).max { abs(beta[$0] * scale[$0]) < abs(beta[$1] * scale[$1]) } ?? 0
            throw PropensityError.separation(atBoundary: boundary, largestCoefficient: termNames[largest])
        }

        // (X'WX)^{-1} = D^{-1} (D^{-1} X'WX D^{-1})^{-1} D^{-1}, from the last iteration's factor.
        let scaledInverse = factor.inverse()
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = (scaledInverse[j, j] / (scale[j] * scale[j])).squareRoot()
            let z = beta[j] / se
            return Coefficient(name: termNames[j], estimate: beta[j], standardError: se, zValue: z,
                               pValue: Normal.twoSidedPValue(z))
        }
        let meanY = y.reduce(0, +) / Double(n)
        let nullDeviance = withUnsafePointer(to: meanY) { constant in
            Self.deviance(y: y, mu: constant, muStride: 0, binary: binary)
        }
        return GLMFit(link: link, coefficients: coefficients, deviance: deviance, nullDeviance: nullDeviance,
                      aic: deviance + 2 * Double(p), dfResidual: n - p, dfNull: n - 1,
                      iterations: iterations, linearPredictor: fittedEta, fitted: fittedMu)
    }

    /// Binomial deviance, computed term by term as R's `binomial_dev_resids`, summed over fixed
    /// blocks of rows (in parallel) and then across blocks in order, so the total does not depend
    /// on the number of threads.
    public static func deviance(y: [Double], mu: [Double]) -> Double {
        mu.withUnsafeBufferPointer { deviance(y: y, mu: $0, binary: false) }
    }

    /// `deviance(y:mu:)`; with `binary` (every `y` is 0 or 1), terms are computed once per distinct
    /// `(y, mu)` pair seen consecutively, which gives the same terms, hence the same sum.
    static func deviance(y: [Double], mu: [Double], binary: Bool) -> Double {
        mu.withUnsafeBufferPointer { deviance(y: y, mu: $0, binary: binary) }
    }

    static func deviance(y: [Double], mu: UnsafeBufferPointer<Double>, binary: Bool) -> Double {
        precondition(mu.count == y.count, "deviance: \(mu.count) fitted values for \(y.count) responses")
        guard let first = mu.baseAddress else { return 0 }
        return deviance(y: y, mu: first, muStride: 1, binary: binary)
    }

    /// The deviance with row i's mean at `mu[i * muStride]`: stride 1 for one mean per row, 0 for
    /// one mean for every row (the null model), read in place of an array of copies. Row by row the
    /// terms and their order are the same either way.
    static func deviance(y: [Double], mu: UnsafePointer<Double>, muStride: Int, binary: Bool) -> Double {
        let n = y.count
        let blocks = (n + BlockedDesign.blockRows - 1) / BlockedDesign.blockRows
        let partial = WorkBuffer(count: blocks)
        defer { partial.free() }
        y.withUnsafeBufferPointer { yy in
            guard let ys = yy.baseAddress else { return }
            let shared = DevianceInputs(y: ys, mu: mu, muStride: muStride, partial: partial.pointer)
            Parallel.forEach(blocks) { b in
                let lo = b * BlockedDesign.blockRows, hi = min(n, lo + BlockedDesign.blockRows)
                var total = 0.0
                if binary {
                    // The last term of each response value, reused while its mu repeats.
                    var lastMu = (Double.nan, Double.nan), lastTerm = (0.0, 0.0)
                    for i in lo..<hi {
                        let m = shared.mu[i * shared.muStride]
                        if shared.y[i] == 1 {
                            if m.bitPattern != lastMu.1.bitPattern { lastMu.1 = m; lastTerm.1 = BlockedDesign.devianceTerm(1, m) }
                            total += lastTerm.1
                        } else {
                            if m.bitPattern != lastMu.0.bitPattern { lastMu.0 = m; lastTerm.0 = BlockedDesign.devianceTerm(0, m) }
                            total += lastTerm.0
                        }
                    }
                } else {
                    for i in lo..<hi { total += BlockedDesign.devianceTerm(shared.y[i], shared.mu[i * shared.muStride]) }
                }
                shared.partial[b] = total
            }
        }
        var total = 0.0
        for b in 0..<blocks { total += partial.pointer[b] }
        return total
    }

    /// AIC for 0/1 responses: `-2 sum log f(y_i; mu_i) + 2p`. (For 0/1 responses `-2 sum log f` is the
    /// deviance, which is how `fit` computes it.)
    public static func aic(y: [Double], mu: [Double], parameters p: Int) -> Double {
        var logLik = 0.0
        for i in 0..<y.count { logLik += y[i] > 0 ? log(mu[i]) : log1p(-mu[i]) }
        return -2 * logLik + 2 * Double(p)
    }

    /// The first column that is (numerically) a combination of the earlier ones, by Cholesky of
    /// growing leading blocks of the (scaled) information matrix.
    static func firstDependentColumn(_ a: Matrix, names: [String]) throws -> String {
        for k in 2...a.columns {
            var sub = Matrix(rows: k, columns: k)
            for j in 0..<k { for i in 0..<k { sub[i, j] = a[i, j] } }
            guard let c = try? FixedOrderCholesky(sub) else { return names[k - 1] }
            if c.reciprocalConditionNumber() < 1e-13 { return names[k - 1] }
        }
        return names.last ?? "(Intercept)"
    }
}

/// The arrays `deviance` reads, shared by its block workers.
struct DevianceInputs: @unchecked Sendable {
    let y: UnsafePointer<Double>
    let mu: UnsafePointer<Double>
    /// 1: a mean per row; 0: one mean for all rows.
    let muStride: Int
    let partial: UnsafeMutablePointer<Double>
}
