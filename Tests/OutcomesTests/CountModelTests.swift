import XCTest
import TestSupport
@testable import Outcomes

/// Poisson (`glm(count ~ treat, family = poisson, weights = w)`) and negative binomial
/// (`MASS::glm.nb(count ~ treat, weights = w)`) against R, with model-based (`vcov`) and
/// cluster-robust (`sandwich::vcovCL`) inference as `lmtest::coeftest`/`coefci` report it.
///
/// Tolerances (relative): 1e-10 on coefficients, standard errors, z, p, intervals, rate ratios,
/// deviances, θ, SE(θ) and 2 log L; IRLS iteration counts equal. (IRLS stops at a relative
/// deviance change below 1e-8, so both fits stop at the same iterate and agree to rounding.)
final class CountModelTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    func testCountModelsMatchR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("count_models")
            for model in ["poisson", "negbin"] {
                for vcov in ["model", "cluster", "cluster_alt", "none"] {
                    let cluster: String? = vcov == "cluster_alt" ? "cluster_alt" : (vcov == "none" ? nil : "cluster")
                    let sample = try design.sample("count", cluster: cluster)
                    let fit = model == "poisson" ? try PoissonRegression.fit(sample) : try NegativeBinomialRegression.fit(sample)
                    let estimator: VarianceEstimator = vcov == "model" ? .modelBased : .clusterRobust
                    let table = fit.coefficients(estimator)
                    let label = "\(name) \(model) \(vcov)"
                    for (term, estimate) in [("(Intercept)", table.intercept), ("treat", table.treatment)] {
                        guard let row = rows(expected, where: ["model": model, "vcov": vcov, "term": term]).first else {
                            XCTFail("no R row for \(label) \(term)"); continue
                        }
                        let pairs: [(Double, String)] = [
                            (estimate.estimate, "estimate"), (estimate.standardError, "std_error"),
                            (estimate.statistic, "statistic"), (estimate.pValue, "p_value"),
                            (estimate.lower, "ci_lower"), (estimate.upper, "ci_upper"),
                            (fit.deviance, "deviance"), (fit.nullDeviance, "null_deviance"),
                        ]
                        for (got, column) in pairs {
                            assertClose(got, value(expected, row, column), 1e-10, "\(model).\(column) [\(label) \(term)]", log: Self.log)
                        }
                        XCTAssertEqual(estimate.reference, .normal)
                        XCTAssertEqual(Double(fit.iterations), value(expected, row, "iterations"), "\(label) iterations")
                        XCTAssertEqual(Double(fit.residualDegreesOfFreedom), value(expected, row, "df_residual"))
                        if term == "treat" {
                            let rr = fit.rateRatio(estimator)
                            assertClose(rr.estimate, value(expected, row, "rate_ratio"), 1e-10, "\(model).rate_ratio [\(label)]", log: Self.log)
                            assertClose(rr.lower, value(expected, row, "rr_lower"), 1e-10, "\(model).rate_ratio_ci [\(label)]", log: Self.log)
                            assertClose(rr.upper, value(expected, row, "rr_upper"), 1e-10, "\(model).rate_ratio_ci [\(label)]", log: Self.log)
                        }
                        if model == "negbin" {
                            assertClose(fit.theta!, value(expected, row, "theta"), 1e-10, "negbin.theta [\(label)]", log: Self.log)
                            assertClose(fit.thetaStandardError!, value(expected, row, "theta_se"), 1e-10, "negbin.theta_se [\(label)]", log: Self.log)
                            assertClose(fit.twiceLogLikelihood!, value(expected, row, "two_log_lik"), 1e-10, "negbin.two_log_lik [\(label)]", log: Self.log)
                        } else {
                            XCTAssertNil(fit.theta)
                        }
                    }
                }
            }
        }
    }

    /// With a binary regressor and a log link the MLE is the pair of weighted means:
    /// exp(β₀) = m_C, exp(β₁) = m_T/m_C, and the model-based variance of β₁ is
    /// 1/Σ_T w y + 1/Σ_C w y (Poisson). Tolerances: 1e-10 on the estimate, 1e-6 on the standard
    /// error, which (as in R) uses the working weights of the last IRLS step, one iterate before
    /// convergence.
    func testPoissonClosedForm() throws {
        let y: [Double] = [0, 2, 1, 3, 4, 0, 5, 2]
        let t: [Bool] = [true, true, true, true, false, false, false, false]
        let w: [Double] = [1, 1, 2, 1, 1, 0.5, 1, 1]
        let fit = try PoissonRegression.fit(try MatchedSample(outcome: y, treated: t, weights: w))
        let swyT = 0 + 2 + 2 + 3.0, swT = 5.0, swyC = 4 + 0 + 5 + 2.0, swC = 3.5
        XCTAssertEqual(fit.rateRatio(.modelBased).estimate, (swyT / swT) / (swyC / swC), accuracy: 1e-10)
        XCTAssertEqual(fit.modelBased.treatment.standardError, (1 / swyT + 1 / swyC).squareRoot(), accuracy: 1e-6)
    }

    func testErrors() throws {
        let negative = try MatchedSample(outcome: [1, -1, 2, 3], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try PoissonRegression.fit(negative)) { XCTAssertEqual($0 as? OutcomesError, .negativeCount(unit: 1, value: -1)) }
        let noEvents = try MatchedSample(outcome: [0, 0, 2, 3], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try PoissonRegression.fit(noEvents)) { guard case OutcomesError.noEvents = $0 else { return XCTFail("\($0)") } }
        XCTAssertThrowsError(try NegativeBinomialRegression.fit(noEvents)) { guard case OutcomesError.noEvents = $0 else { return XCTFail("\($0)") } }
        // Under-dispersed counts: theta.ml runs away / is truncated; R warns, we refuse.
        let equal = try MatchedSample(outcome: [2, 2, 2, 2, 1, 1, 1, 1], treated: [true, true, true, true, false, false, false, false],
                                      weights: Array(repeating: 1, count: 8))
        XCTAssertThrowsError(try NegativeBinomialRegression.fit(equal)) {
            guard case OutcomesError.notConverged = $0 else { return XCTFail("\($0)") }
        }
        let empty = try MatchedSample(outcome: [1, 2], treated: [false, false], weights: [1, 1])
        XCTAssertThrowsError(try PoissonRegression.fit(empty)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.treated)) }
    }
}
