import Dispatch
import Distributions
import LinearAlgebra
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
/// Each step forms `X'WX` with BLAS `dsyrk` on the row-scaled design and solves by Cholesky
/// (LAPACK `dpotrf`/`dpotrs`) after scaling columns to unit root-mean-square, which keeps the
/// normal equations well conditioned when covariates have very different scales.
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
        let n = y.count
        guard n > 0 else { throw PropensityError.noRows }
        let p = columns.count + 1
        for (j, c) in columns.enumerated() {
            precondition(c.count == n, "column \(names[j]) has \(c.count) values for \(n) rows")
        }
        let termNames = ["(Intercept)"] + names
        let design = BlockedDesign(columns: columns, rows: n)

        // Column scales (root mean square) for a well-conditioned solve.
        let scale = [1.0] + design.rootMeanSquares()

        // IRLS working vectors (manually managed so parallel blocks can write disjoint ranges).
        let eta = WorkBuffer(count: n), mu = WorkBuffer(count: n)
        let rootWeights = WorkBuffer(count: n), workingResponse = WorkBuffer(count: n)
        defer { eta.free(); mu.free(); rootWeights.free(); workingResponse.free() }
        for i in 0..<n {
            mu.pointer[i] = (y[i] + 0.5) / 2
            eta.pointer[i] = link.link(mu.pointer[i])
        }
        var deviance = Self.deviance(y: y, mu: UnsafeBufferPointer(mu.buffer))
        var beta = Array(repeating: 0.0, count: p)
        var lastInformation = Matrix(rows: p, columns: p)
        var converged = false
        var iterations = 0
        var change = Double.infinity

        while iterations < maxIterations {
            iterations += 1
            y.withUnsafeBufferPointer { yy in
                let ys = SendableConstPointer(yy.baseAddress)
                design.forEachBlock { lo, hi in
                    for i in lo..<hi {
                        let e = eta.pointer[i], m = mu.pointer[i]
                        let d = link.derivative(e)
                        let w = (d * d / (m * (1 - m))).squareRoot()
                        rootWeights.pointer[i] = w
                        workingResponse.pointer[i] = (e + (ys.pointer![i] - m) / d) * w
                    }
                }
            }
            // X'WX and X'Wz, accumulated over row blocks, then scaled.
            let (information, rhs) = try design.weightedNormalEquations(
                rootWeights: rootWeights.buffer, weightedResponse: workingResponse.buffer)
            var scaled = information
            var scaledRHS = rhs
            for j in 0..<p {
                scaledRHS[j] /= scale[j]
                for i in 0..<p { scaled[i, j] /= scale[i] * scale[j] }
            }
            let cholesky: CholeskyFactorization
            do {
                cholesky = try CholeskyFactorization(scaled)
            } catch LinearAlgebraError.notPositiveDefinite(let minor) {
                throw PropensityError.collinear(column: termNames[max(0, minor - 1)])
            }
            if try cholesky.reciprocalConditionNumber() < 1e-13 {
                throw PropensityError.collinear(column: try Self.firstDependentColumn(scaled, names: termNames))
            }
            let solution = try cholesky.solve(scaledRHS)
            beta = (0..<p).map { solution[$0] / scale[$0] }
            lastInformation = information
            design.linearPredictor(beta, into: eta.buffer)
            design.forEachBlock { lo, hi in
                for i in lo..<hi { mu.pointer[i] = link.inverse(eta.pointer[i]) }
            }
            let newDeviance = Self.deviance(y: y, mu: UnsafeBufferPointer(mu.buffer))
            guard newDeviance.isFinite else { throw PropensityError.nonFinite("deviance") }
            change = abs(newDeviance - deviance) / (abs(newDeviance) + 0.1)
            deviance = newDeviance
            if change < tolerance { converged = true; break }
        }
        guard converged else { throw PropensityError.notConverged(iterations: iterations, relativeChange: change) }
        let fittedEta = eta.array(), fittedMu = mu.array()

        // Fitted probabilities numerically 0 or 1 (R warns; we refuse, since matching on such
        // scores is meaningless).
        let eps = 10 * Double.ulpOfOne
        let boundary = fittedMu.reduce(0) { $0 + (($1 > 1 - eps || $1 < eps) ? 1 : 0) }
        if boundary > 0 {
            let largest = (1..<p).max { abs(beta[$0] * scale[$0]) < abs(beta[$1] * scale[$1]) } ?? 0
            throw PropensityError.separation(atBoundary: boundary, largestCoefficient: termNames[largest])
        }

        let covariance = try CholeskyFactorization(lastInformation).inverse()
        let coefficients = (0..<p).map { j -> Coefficient in
            let se = covariance[j, j].squareRoot()
            let z = beta[j] / se
            return Coefficient(name: termNames[j], estimate: beta[j], standardError: se, zValue: z,
                               pValue: Normal.twoSidedPValue(z))
        }
        let meanY = y.reduce(0, +) / Double(n)
        let nullDeviance = Self.deviance(y: y, mu: Array(repeating: meanY, count: n))
        return GLMFit(link: link, coefficients: coefficients, deviance: deviance, nullDeviance: nullDeviance,
                      aic: Self.aic(y: y, mu: fittedMu, parameters: p), dfResidual: n - p, dfNull: n - 1,
                      iterations: iterations, linearPredictor: fittedEta, fitted: fittedMu)
    }

    /// Binomial deviance for 0/1 responses, computed term by term as R's `binomial_dev_resids`,
    /// summed over fixed blocks of rows (in parallel) and then across blocks in order, so the total
    /// does not depend on the number of threads.
    public static func deviance(y: [Double], mu: [Double]) -> Double {
        mu.withUnsafeBufferPointer { deviance(y: y, mu: $0) }
    }

    static func deviance(y: [Double], mu: UnsafeBufferPointer<Double>) -> Double {
        let n = y.count
        let blocks = (n + BlockedDesign.blockRows - 1) / BlockedDesign.blockRows
        let partial = WorkBuffer(count: blocks)
        defer { partial.free() }
        y.withUnsafeBufferPointer { yy in
            let ys = SendableConstPointer(yy.baseAddress), ms = SendableConstPointer(mu.baseAddress)
            DispatchQueue.concurrentPerform(iterations: blocks) { b in
                let lo = b * BlockedDesign.blockRows, hi = min(n, lo + BlockedDesign.blockRows)
                var total = 0.0
                for i in lo..<hi {
                    let yi = ys.pointer![i], m = ms.pointer![i]
                    var r = 0.0
                    if yi > 0 { r += yi * log(yi / m) }
                    if yi < 1 { r += (1 - yi) * log((1 - yi) / (1 - m)) }
                    total += 2 * r
                }
                partial.pointer[b] = total
            }
        }
        var total = 0.0
        for b in 0..<blocks { total += partial.pointer[b] }
        return total
    }

    /// AIC for 0/1 responses: `-2 sum log f(y_i; mu_i) + 2p`.
    public static func aic(y: [Double], mu: [Double], parameters p: Int) -> Double {
        var logLik = 0.0
        for i in 0..<y.count { logLik += y[i] > 0 ? log(mu[i]) : log1p(-mu[i]) }
        return -2 * logLik + 2 * Double(p)
    }

    /// The first column that is (numerically) a combination of the earlier ones, by Gram-Schmidt
    /// on the information matrix.
    static func firstDependentColumn(_ a: Matrix, names: [String]) throws -> String {
        for k in 2...a.columns {
            var sub = Matrix(rows: k, columns: k)
            for j in 0..<k { for i in 0..<k { sub[i, j] = a[i, j] } }
            guard let c = try? CholeskyFactorization(sub) else { return names[k - 1] }
            if try c.reciprocalConditionNumber() < 1e-13 { return names[k - 1] }
        }
        return names.last ?? "(Intercept)"
    }
}
