import XCTest
import TestSupport
@testable import Outcomes

/// Group rates and the weighted linear model against R (fixtures from
/// `Scripts/make-outcome-fixtures.R`, MatchIt lalonde 1:1 and 2:1-with-replacement matches).
///
/// Tolerances (relative): 1e-12 for weighted means and their contrasts; 1e-10 for everything
/// from the linear model (coefficients, standard errors, t, p, intervals, delta-method relative
/// reduction), well inside the 1e-6 the payment calculations require.
final class RatesAndLinearModelTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    func testGroupRatesMatchR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("rates")
            for row in expected.rows {
                let outcome = row[0]
                let rates = try GroupRates(try design.sample(outcome))
                let label = "rates \(name) \(outcome)"
                assertClose(rates.treatedMean, value(expected, row, "treated_mean"), 1e-12, "rates.means [\(label)]", log: Self.log)
                assertClose(rates.comparisonMean, value(expected, row, "comparison_mean"), 1e-12, "rates.means [\(label)]", log: Self.log)
                assertClose(rates.difference, value(expected, row, "difference"), 1e-12, "rates.difference [\(label)]", log: Self.log)
                assertClose(try rates.relativeReduction(), value(expected, row, "relative_reduction"), 1e-12,
                            "rates.relative_reduction [\(label)]", log: Self.log)
                assertClose(rates.treatedWeight, value(expected, row, "weight_treated"), 1e-14, "rates.weights [\(label)]", log: Self.log)
                assertClose(rates.comparisonWeight, value(expected, row, "weight_comparison"), 1e-14, "rates.weights [\(label)]", log: Self.log)
                XCTAssertEqual(Double(rates.treatedUnits), value(expected, row, "n_treated"))
                XCTAssertEqual(Double(rates.comparisonUnits), value(expected, row, "n_comparison"))
                XCTAssertEqual(rates.treatedPer100, 100 * rates.treatedMean)
            }
        }
    }

    /// HMP Peterborough: 1.42 vs 1.55 reconviction events per offender is an 8.4% reduction.
    func testPeterboroughRelativeReduction() throws {
        let rates = GroupRates(treatedMean: 1.42, comparisonMean: 1.55)
        XCTAssertEqual(try rates.relativeReduction(), 1 - 1.42 / 1.55, accuracy: 1e-15)
        XCTAssertEqual((try rates.relativeReduction() * 1000).rounded() / 10, 8.4)
        XCTAssertEqual(rates.differencePer100, -13, accuracy: 1e-12)
        XCTAssertEqual(rates.comparisonPer100, 155, accuracy: 1e-12)
    }

    /// 4 vcov flavours: "classical" (vcov(lm)), "cluster" (vcovCL by the fixture's cluster column),
    /// "cluster_alt" (a second clustering), "none" (vcovCL without cluster = each unit its own).
    func testLinearModelMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("lm")
            let reductions = try design.table("lm_relative_reduction")
            for outcome in ["re78", "employed", "count"] {
                for vcov in ["classical", "cluster", "cluster_alt", "none"] {
                    let cluster: String? = vcov == "cluster_alt" ? "cluster_alt" : (vcov == "none" ? nil : "cluster")
                    let fit = try LinearModelFit(try design.sample(outcome, cluster: cluster))
                    let estimator: VarianceEstimator = vcov == "classical" ? .modelBased : .clusterRobust
                    let table = fit.coefficients(estimator)
                    let label = "\(name) \(outcome) \(vcov)"
                    for (term, estimate) in [("(Intercept)", table.intercept), ("treat", table.treatment)] {
                        guard let row = rows(expected, where: ["outcome": outcome, "vcov": vcov, "term": term]).first else {
                            XCTFail("no R row for \(label) \(term)"); continue
                        }
                        // The treatment effect (and so t) is exactly 0 for `employed` in the 2:1 match;
                        // it is compared on the scale of the intercept (the comparison mean) and of 1.
                        let interceptRow = rows(expected, where: ["outcome": outcome, "vcov": vcov, "term": "(Intercept)"])[0]
                        let scale = abs(value(expected, interceptRow, "estimate"))
                        assertClose(estimate.estimate, value(expected, row, "estimate"), 1e-10, "lm.estimate [\(label)]", log: Self.log, scale: scale)
                        assertClose(estimate.standardError, value(expected, row, "std_error"), 1e-10, "lm.std_error [\(label)]", log: Self.log)
                        assertClose(estimate.statistic, value(expected, row, "statistic"), 1e-10, "lm.statistic [\(label)]", log: Self.log, scale: 1)
                        assertClose(estimate.pValue, value(expected, row, "p_value"), 1e-10, "lm.p_value [\(label)]", log: Self.log)
                        assertClose(estimate.lower, value(expected, row, "ci_lower"), 1e-10, "lm.ci [\(label)]", log: Self.log)
                        assertClose(estimate.upper, value(expected, row, "ci_upper"), 1e-10, "lm.ci [\(label)]", log: Self.log)
                        XCTAssertEqual(estimate.reference, .studentT(degreesOfFreedom: value(expected, row, "df")))
                        assertClose(fit.sigma, value(expected, row, "sigma"), 1e-10, "lm.sigma [\(label)]", log: Self.log)
                    }
                    guard let rr = rows(reductions, where: ["outcome": outcome, "vcov": vcov]).first else {
                        XCTFail("no R relative reduction for \(label)"); continue
                    }
                    let delta = try fit.relativeReduction(estimator)
                    assertClose(delta.estimate, value(reductions, rr, "relative_reduction"), 1e-10, "lm.rr [\(label)]", log: Self.log, scale: 1)
                    assertClose(delta.standardError, value(reductions, rr, "std_error"), 1e-10, "lm.rr_se [\(label)]", log: Self.log)
                    assertClose(delta.lower, value(reductions, rr, "ci_lower"), 1e-10, "lm.rr_ci [\(label)]", log: Self.log)
                    assertClose(delta.upper, value(reductions, rr, "ci_upper"), 1e-10, "lm.rr_ci [\(label)]", log: Self.log)
                }
            }
        }
    }

    /// With one binary regressor WLS gives the weighted means; HC0-free closed forms of the
    /// classical and robust variances (tolerance 1e-12).
    func testLinearModelClosedForm() throws {
        // Two clusters of two pairs; weights not all 1.
        let y: [Double] = [3, 1, 4, 1, 5, 9, 2, 6]
        let t: [Bool] = [true, false, true, false, true, false, true, false]
        let w: [Double] = [1, 2, 1, 0.5, 1, 1, 1, 1.5]
        let cluster: [Int?] = [1, 1, 2, 2, 3, 3, 4, 4]
        let sample = try MatchedSample(outcome: y, treated: t, weights: w, cluster: cluster)
        let fit = try LinearModelFit(sample)
        let mT: Double = 14.0 / 4
        let mC: Double = 20.5 / 5   // (2·1 + 0.5·1 + 1·9 + 1.5·6) / (2 + 0.5 + 1 + 1.5)
        XCTAssertEqual(fit.intercept, mC, accuracy: 1e-12)
        XCTAssertEqual(fit.effect, mT - mC, accuracy: 1e-12)
        // Classical: σ² (1/ΣwT + 1/ΣwC) for the effect.
        var rss = 0.0
        for i in 0..<8 { let r = y[i] - (t[i] ? mT : mC); rss += w[i] * r * r }
        let sigma2 = rss / 6
        XCTAssertEqual(fit.modelBased.treatment.standardError, (sigma2 * (1 / 4.0 + 1 / 5.0)).squareRoot(), accuracy: 1e-12)
        // Cluster-robust effect variance: G/(G-1) (n-1)/(n-2) Σ_g (Σ_T w r/ΣwT − Σ_C w r/ΣwC)².
        var s: Double = 0
        for g in 0..<4 {
            let i = 2 * g, j = 2 * g + 1
            let d: Double = w[i] * (y[i] - mT) / 4 - w[j] * (y[j] - mC) / 5
            s += d * d
        }
        let robust = 4.0 / 3 * 7 / 6 * s
        XCTAssertEqual(fit.clusterRobust.treatment.standardError, robust.squareRoot(), accuracy: 1e-12)
        // Delta method: RR = −β₁/β₀.
        XCTAssertEqual(try fit.relativeReduction(.modelBased).estimate, 1 - mT / mC, accuracy: 1e-12)
    }

    func testErrors() throws {
        XCTAssertThrowsError(try MatchedSample(outcome: [1, 2], treated: [true], weights: [1, 1])) {
            guard case OutcomesError.lengthMismatch = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSample(outcome: [1, 2], treated: [true, false], weights: [1, -1])) {
            XCTAssertEqual($0 as? OutcomesError, .invalidWeight(unit: 1, value: -1))
        }
        XCTAssertThrowsError(try MatchedSample(outcome: [1, .nan], treated: [true, false], weights: [1, 1])) {
            XCTAssertEqual($0 as? OutcomesError, .nonFiniteValue(name: "outcome", unit: 1))
        }
        // NaN outcome and missing cluster are fine where the weight is 0.
        let ok = try MatchedSample(outcome: [1, .nan, 2], treated: [true, false, false], weights: [1, 0, 1], cluster: [1, nil, 1])
        XCTAssertEqual(ok.count, 2)
        XCTAssertEqual(ok.sourceIndex, [0, 2])
        XCTAssertThrowsError(try MatchedSample(outcome: [1, 2], treated: [true, false], weights: [1, 1], cluster: [1, nil])) {
            XCTAssertEqual($0 as? OutcomesError, .missingCluster(unit: 1))
        }
        let onlyTreated = try MatchedSample(outcome: [1, 2, 3], treated: [true, true, false], weights: [1, 1, 0])
        XCTAssertThrowsError(try GroupRates(onlyTreated)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
        XCTAssertThrowsError(try LinearModelFit(onlyTreated)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
        let zeroComparison = try MatchedSample(outcome: [1, -1, 2, 1], treated: [true, false, true, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try GroupRates(zeroComparison).relativeReduction()) { XCTAssertEqual($0 as? OutcomesError, .zeroComparisonMean) }
        XCTAssertThrowsError(try LinearModelFit(zeroComparison).relativeReduction(.modelBased)) {
            XCTAssertEqual($0 as? OutcomesError, .zeroComparisonMean)
        }
        let constant = try MatchedSample(outcome: [1, 1, 2, 2], treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try LinearModelFit(constant)) {
            guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") }
        }
        let oneCluster = try MatchedSample(outcome: [1, 2, 3, 5], treated: [true, true, false, false], weights: [1, 1, 1, 1],
                                           cluster: [7, 7, 7, 7])
        XCTAssertThrowsError(try LinearModelFit(oneCluster)) { XCTAssertEqual($0 as? OutcomesError, .tooFewClusters(found: 1)) }
        let two = try MatchedSample(outcome: [1, 2], treated: [true, false], weights: [1, 1])
        XCTAssertThrowsError(try LinearModelFit(two)) { XCTAssertEqual($0 as? OutcomesError, .tooFewObservations(needed: 3, found: 2)) }
        XCTAssertThrowsError(try LinearModelFit(oneCluster, level: 1)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
    }
}
