import XCTest
import CohortData
import TestSupport
@testable import Propensity

/// Parity with R's `glm(treat ~ age + educ + race + married + nodegree + re74 + re75,
/// family = binomial(link), data = lalonde)` (fixtures from Scripts/make-fixtures.R).
/// Tolerance: 1e-8 relative on every reported number (the requirement); iterations equal.
final class GLMParityTests: XCTestCase {
    static let formula = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]

    func lalondeFrame() throws -> ModelFrame {
        let table = try CSVReader.read(path: Fixtures.dataset("lalonde.csv").path)
        return try ModelFrame(table: table, treatment: "treat", covariates: Self.formula)
    }

    func testLogitMatchesR() throws { try check(link: .logit) }
    func testProbitMatchesR() throws { try check(link: .probit) }

    func check(link: BinomialLink) throws {
        let frame = try lalondeFrame()
        let fit = try BinomialGLM.fit(columns: frame.modelColumns.map(\.values), names: frame.modelColumns.map(\.name),
                                      response: frame.treatment, link: link)
        let prefix = "glm/lalonde_\(link.rawValue)_"
        let coefficients = try FixtureTable(contentsOf: Fixtures.file(prefix + "coefficients.csv"))
        XCTAssertEqual(fit.coefficients.map(\.name), coefficients.strings("term"))
        let columns: [(String, KeyPath<Coefficient, Double>)] = [
            ("estimate", \.estimate), ("std_error", \.standardError), ("z_value", \.zValue), ("p_value", \.pValue),
        ]
        for (column, path) in columns {
            let expected = coefficients.doubles(column)
            for (k, c) in fit.coefficients.enumerated() {
                XCTAssertLessThanOrEqual(relativeDifference(c[keyPath: path], expected[k]!), 1e-8,
                                         "\(link) \(c.name) \(column): \(c[keyPath: path]) vs \(expected[k]!)")
            }
        }
        let summary = try FixtureTable(contentsOf: Fixtures.file(prefix + "fit.csv"))
        XCTAssertLessThanOrEqual(relativeDifference(fit.deviance, summary.doubles("deviance")[0]!), 1e-8)
        XCTAssertLessThanOrEqual(relativeDifference(fit.nullDeviance, summary.doubles("null_deviance")[0]!), 1e-8)
        XCTAssertLessThanOrEqual(relativeDifference(fit.aic, summary.doubles("aic")[0]!), 1e-8)
        XCTAssertEqual(fit.dfResidual, summary.integers("df_residual")[0])
        XCTAssertEqual(fit.dfNull, summary.integers("df_null")[0])
        XCTAssertEqual(fit.iterations, summary.integers("iterations")[0])

        let fitted = try FixtureTable(contentsOf: Fixtures.file(prefix + "fitted.csv"))
        let eta = fitted.doubles("linear_predictor"), mu = fitted.doubles("fitted")
        XCTAssertEqual(eta.count, fit.fitted.count)
        guard eta.count == fit.fitted.count, eta.count == fit.linearPredictor.count else { return }
        for i in eta.indices {
            XCTAssertLessThanOrEqual(relativeDifference(fit.linearPredictor[i], eta[i]!), 1e-8, "\(link) eta row \(i + 1)")
            XCTAssertLessThanOrEqual(relativeDifference(fit.fitted[i], mu[i]!), 1e-8, "\(link) mu row \(i + 1)")
        }
    }
}

/// Closed-form and failure-mode checks of the GLM.
final class GLMClosedFormTests: XCTestCase {
    /// With one binary covariate the logistic MLE is the pair of empirical log-odds:
    /// intercept = logit(p0), slope = logit(p1) - logit(p0), and the slope's SE is
    /// sqrt(1/a + 1/b + 1/c + 1/d) over the 2x2 cell counts. Tolerance 1e-10 (IRLS stops at a
    /// relative deviance change below 1e-8, i.e. after quadratic convergence).
    func testBinaryCovariateGivesEmpiricalLogOdds() throws {
        // x = 0: 3 of 10 treated; x = 1: 6 of 8 treated.
        let x = Array(repeating: 0.0, count: 10) + Array(repeating: 1.0, count: 8)
        let y = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0].map(Double.init)
        let fit = try BinomialGLM.fit(columns: [x], names: ["x"], response: y, tolerance: 1e-12)
        let logit = { (p: Double) in log(p / (1 - p)) }
        XCTAssertEqual(fit.coefficients[0].estimate, logit(0.3), accuracy: 1e-10)
        XCTAssertEqual(fit.coefficients[1].estimate, logit(0.75) - logit(0.3), accuracy: 1e-10)
        XCTAssertEqual(fit.coefficients[0].standardError, (1.0 / 3 + 1.0 / 7).squareRoot(), accuracy: 1e-10)
        XCTAssertEqual(fit.coefficients[1].standardError, (1.0 / 3 + 1.0 / 7 + 1.0 / 6 + 1.0 / 2).squareRoot(), accuracy: 1e-10)
        // Deviance = -2 log L at the saturated cell proportions.
        let logL = 3 * log(0.3) + 7 * log(0.7) + 6 * log(0.75) + 2 * log(0.25)
        XCTAssertEqual(fit.deviance, -2 * logL, accuracy: 1e-10)
        XCTAssertEqual(fit.aic, -2 * logL + 4, accuracy: 1e-10)
        XCTAssertEqual(fit.nullDeviance, -2 * (9 * log(0.5) + 9 * log(0.5)), accuracy: 1e-12)
    }

    func testCompleteSeparationIsAnError() {
        let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
        let y: [Double] = [0, 0, 0, 0, 1, 1, 1, 1]
        XCTAssertThrowsError(try BinomialGLM.fit(columns: [x], names: ["x"], response: y)) { error in
            switch error as? PropensityError {
            case .separation, .notConverged: break
            default: XCTFail("expected separation, got \(error)")
            }
        }
    }

    func testCollinearCovariateIsNamed() {
        let a: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
        let b = a.map { 2 * $0 + 1 }
        let y: [Double] = [0, 1, 0, 1, 1, 0, 1, 0]
        XCTAssertThrowsError(try BinomialGLM.fit(columns: [a, b], names: ["a", "b"], response: y)) { error in
            XCTAssertEqual(error as? PropensityError, .collinear(column: "b"))
        }
    }
}
