import CohortData
import Foundation
import Matching
import PlanFiles
import Propensity
import TestSupport
import XCTest
@testable import MatchedComparison

/// Radius, kernel and weighting against the R references of Scripts/fixtures-methods-weights.R
/// (`Tests/Fixtures/methods-weights/*`): weights computed in R from the psmatch2 and WeightIt
/// formulas on R's glm propensity score. Tolerances: radius and kernel weights 1e-12 relative,
/// weighting weights 1e-10 relative (WeightIt's stated agreement), the number of controls in
/// every radius set exactly, SMDs against MatchIt's summary() 1e-9 absolute, ESS 1e-9 relative.
final class MethodsWeightsParityTests: XCTestCase {
    static let covariates = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]

    static let cases: [(name: String, plan: MatchingPlan, tolerance: Double)] = [
        ("radius_001", MatchingPlan(method: .radius, radius: 0.01), 1e-12),
        ("radius_005_common", MatchingPlan(method: .radius, discard: .treated, radius: 0.05), 1e-12),
        ("radius_002_atc", MatchingPlan(method: .radius, estimand: .atc, radius: 0.02), 1e-12),
        ("kernel_epan_006", MatchingPlan(method: .kernel), 1e-12),
        ("kernel_epan_002_common", MatchingPlan(method: .kernel, discard: .treated, bandwidth: 0.02), 1e-12),
        ("kernel_gauss_006", MatchingPlan(method: .kernel, kernel: .gaussian), 1e-12),
        ("radius_002_exact_married", MatchingPlan(method: .radius, exact: ["married"], radius: 0.02), 1e-12),
        ("kernel_gauss_010_exact_married", MatchingPlan(method: .kernel, exact: ["married"], kernel: .gaussian, bandwidth: 0.1), 1e-12),
        ("weighting_att", MatchingPlan(method: .weighting), 1e-10),
        ("weighting_ate", MatchingPlan(method: .weighting, estimand: .ate), 1e-10),
        ("weighting_atc", MatchingPlan(method: .weighting, estimand: .atc), 1e-10),
        ("weighting_att_trim090", MatchingPlan(method: .weighting, trim: 0.9), 1e-10),
        ("weighting_ate_trim095_lower", MatchingPlan(method: .weighting, estimand: .ate, trim: 0.95, trimLower: true), 1e-10),
    ]

    func match(_ plan: MatchingPlan) throws -> ComparisonGroup {
        let table = try CSVReader.read(path: Fixtures.dataset("lalonde.csv").path)
        return try ComparisonGroup.match(table: table, treatment: "treat", covariates: Self.covariates,
                                         dropMissing: false, plan: plan)
    }

    func testEveryCaseReproducesTheRReference() throws {
        for c in Self.cases {
            let group = try match(c.plan)
            let reference = try FixtureTable(contentsOf: Fixtures.file("methods-weights/\(c.name).csv"))
            let expected = reference.doubles("weight")
            XCTAssertEqual(group.result.weights.count, expected.count, c.name)
            guard group.result.weights.count == expected.count else { continue }
            var worst = 0.0
            for (w, e) in zip(group.result.weights, expected) {
                if e! == 0 { XCTAssertEqual(w, 0, c.name) } else { worst = max(worst, relativeDifference(w, e!)) }
            }
            XCTAssertLessThanOrEqual(worst, c.tolerance, "\(c.name): largest relative weight difference \(worst)")
            switch c.plan.method {
            case .radius:
                XCTAssertEqual(group.result.weightBasis, .matchedSets)
                let counts = reference.integers("n_matches")
                for (f, unit) in group.result.focalUnits.enumerated() where !group.result.discarded[unit] {
                    XCTAssertEqual(group.result.matches[f].count, counts[unit], "\(c.name): controls of row \(unit + 1)")
                }
            case .kernel, .weighting:
                XCTAssertEqual(group.result.weightBasis, .realNumbers)
                XCTAssertTrue(group.result.matches.isEmpty)
            case .nearest, .exact, .cem, .subclass, .optimal, .full:
                XCTFail("no \(c.plan.method) cases here")
            }
        }
    }

    /// Balance after weighting follows MatchIt's summary() (pooled SD for the ATE), and the matched
    /// effective sample sizes are WeightIt's (Σw)² / Σw².
    func testWeightingBalanceAndEffectiveSampleSize() throws {
        for c in Self.cases where c.plan.method == .weighting {
            let group = try match(c.plan)
            let reference = try FixtureTable(contentsOf: Fixtures.file("methods-weights/\(c.name)_balance.csv"))
            XCTAssertEqual(group.balance.matched.map(\.name), reference.strings("variable"), c.name)
            for (k, smd) in reference.doubles("std_mean_diff").enumerated() where k < group.balance.matched.count {
                XCTAssertEqual(group.balance.matched[k].standardizedMeanDifference ?? .nan, smd!, accuracy: 1e-9,
                               "\(c.name) \(reference.strings("variable")[k]) after")
                XCTAssertEqual(group.balance.all[k].standardizedMeanDifference ?? .nan,
                               reference.doubles("std_mean_diff_all")[k]!, accuracy: 1e-9,
                               "\(c.name) \(reference.strings("variable")[k]) before")
            }
            let ess = group.balance.sampleSizes.matchedESS
            XCTAssertLessThanOrEqual(relativeDifference(ess.treated, reference.doubles("ess_treated")[0]!), 1e-9, c.name)
            XCTAssertLessThanOrEqual(relativeDifference(ess.control, reference.doubles("ess_control")[0]!), 1e-9, c.name)
        }
    }

    func testSettingsThatDoNotApplyAreRefused() {
        let refused: [(MatchingPlan, MatchingPlan.Setting)] = [
            (MatchingPlan(radius: 0.1), .radius),
            (MatchingPlan(method: .radius, caliper: 0.2, radius: 0.1), .caliper),
            (MatchingPlan(method: .radius, ratio: 2, radius: 0.1), .ratio),
            (MatchingPlan(method: .radius), .radius),
            (MatchingPlan(method: .radius, radius: 0), .radius),
            (MatchingPlan(method: .kernel, bandwidth: -1), .bandwidth),
            (MatchingPlan(method: .kernel, trim: 0.9), .trim),
            (MatchingPlan(method: .weighting, replace: true), .replace),
            (MatchingPlan(method: .weighting, discard: .both), .discard),
            (MatchingPlan(method: .weighting, trim: 0.4), .trim),
            (MatchingPlan(method: .weighting, trim: 1), .trim),
            (MatchingPlan(method: .weighting, trimLower: true), .trimLower),
            (MatchingPlan(method: .weighting, link: .linearLogit), .link),
            (MatchingPlan(estimand: .ate), .estimand),
            (MatchingPlan(method: .radius, estimand: .ate, radius: 0.1), .estimand),
            (MatchingPlan(method: .kernel, estimand: .ate), .estimand),
            (MatchingPlan(kernel: .gaussian), .kernel),
        ]
        for (plan, setting) in refused {
            XCTAssertThrowsError(try plan.validate(), "\(plan)") { error in
                XCTAssertEqual((error as? MatchingPlanError)?.setting, setting, "\(error)")
            }
        }
        XCTAssertEqual(MatchingPlanError(setting: .estimand, problem: "x").description.filter { $0 == "." }.count, 1)
        XCTAssertNoThrow(try MatchingPlan(method: .weighting, estimand: .ate, trim: 0.99, trimLower: true).validate())
        XCTAssertNoThrow(try MatchingPlan(method: .kernel, exact: ["married"], kernel: .gaussian, bandwidth: 1).validate())
    }

    /// The library refuses ATE for nearest even when the plan is bypassed.
    func testNearestRefusesATE() {
        XCTAssertThrowsError(try NearestNeighborMatcher.match(
            treated: [true, false], distance: [0.4, 0.5], specification: NearestNeighborSpecification(estimand: .ate))) { error in
            XCTAssertEqual(error as? MatchingError, .unsupportedEstimand(method: "nearest", .ate))
        }
    }

    func testPlanKeysReadTheNewSettings() throws {
        let toml = """
        [matching]
        method = "weighting"
        estimand = "ate"
        trim = 0.95
        trim_lower = true
        """
        let plan = try MatchingPlan(table: try PlanTable.parse(toml, file: "plan.toml").table("matching"))
        XCTAssertEqual(plan, MatchingPlan(method: .weighting, estimand: .ate, trim: 0.95, trimLower: true))
        let kernel = try MatchingPlan(table: try PlanTable.parse("[matching]\nmethod = \"kernel\"\nkernel = \"gaussian\"\nbandwidth = 0.1\n", file: "p.toml").table("matching"))
        XCTAssertEqual(kernel, MatchingPlan(method: .kernel, kernel: .gaussian, bandwidth: 0.1))
        XCTAssertThrowsError(try MatchingPlan(table: try PlanTable.parse("[matching]\nmethod = \"nearest\"\nbandwidth = 0.1\n", file: "p.toml").table("matching"))) { error in
            XCTAssertTrue("\(error)".contains("bandwidth"), "\(error)")
        }
    }
}

/// The algorithms on hand-computed examples.
final class RadiusKernelWeightingTests: XCTestCase {
    /// Treated at 0.50 and 0.60; controls at 0.45, 0.52, 0.58, 0.90. Radius 0.05: treated 0.50 gets
    /// {0.45, 0.52} (|0.45 − 0.50| = 0.05 is inside), treated 0.60 gets {0.58}: control weights
    /// 1/2, 1/2, 1, 0, then scaled to mean 1 over the three matched controls: 0.75, 0.75, 1.5.
    func testRadiusByHand() throws {
        let r = try RadiusMatcher.match(treated: [true, true, false, false, false, false],
                                        distance: [0.5, 0.6, 0.45, 0.52, 0.58, 0.9], radius: 0.05000000000000001,
                                        specification: NearestNeighborSpecification())
        XCTAssertEqual(r.matches, [[2, 3], [4]])
        XCTAssertEqual(r.weights, [1, 1, 0.75, 0.75, 1.5, 0])
    }

    /// Epanechnikov, h = 0.1: treated 0.5 against controls 0.45 (u = −0.5, K = 0.5625) and 0.55
    /// (u = 0.5, K = 0.5625) and 0.7 (outside): each gets 1/2, scaled to mean 1 over two: 1, 1.
    func testKernelByHand() throws {
        let r = try KernelMatcher.match(treated: [true, false, false, false], distance: [0.5, 0.45, 0.55, 0.7],
                                        kernel: .epanechnikov, bandwidth: 0.1, specification: NearestNeighborSpecification())
        XCTAssertEqual(r.weights[0], 1)
        XCTAssertEqual(r.weights[1], 1, accuracy: 1e-12)
        XCTAssertEqual(r.weights[2], 1, accuracy: 1e-12)
        XCTAssertEqual(r.weights[3], 0)
        XCTAssertEqual(MatchingKernel.gaussian(0), 1 / (2 * Double.pi).squareRoot())
        XCTAssertEqual(MatchingKernel.epanechnikov(1), 0)
    }

    /// R: quantile(c(5, 1, 4, 2, 3), c(0.1, 0.5, 0.9), type = 3) = 1, 2, 4 (nearest even order statistic).
    func testQuantileType3() {
        let x: [Double] = [5, 1, 4, 2, 3]
        XCTAssertEqual([0.1, 0.5, 0.9].map { InverseProbabilityWeighting.quantileType3(x, $0) }, [1, 2, 4])
        XCTAssertEqual(InverseProbabilityWeighting.quantileType3([1, 2, 3, 4], 0.5), 2)
    }

    func testWeightsFromTheScore() throws {
        let treated = [true, false, false]
        let p = [0.8, 0.5, 0.2]
        XCTAssertEqual(InverseProbabilityWeighting.rawWeights(treated: treated, propensity: p, estimand: .att), [1, 1, 0.25])
        XCTAssertEqual(InverseProbabilityWeighting.rawWeights(treated: treated, propensity: p, estimand: .ate), [1.25, 2, 1.25])
        XCTAssertThrowsError(try InverseProbabilityWeighting.weigh(treated: treated, propensity: [0.5, 1, 0.2], trim: nil,
                                                                   trimLower: false, specification: NearestNeighborSpecification())) { error in
            XCTAssertEqual(error as? MatchingError, .propensityOutOfRange(row: 1, value: 1))
        }
    }
}
