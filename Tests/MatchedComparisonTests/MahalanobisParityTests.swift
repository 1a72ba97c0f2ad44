import CohortData
import Foundation
import Matching
import Propensity
import TestSupport
import XCTest
@testable import MatchedComparison

/// Nearest-neighbour matching on the Mahalanobis distance (`metric = mahalanobis`) against MatchIt
/// 4.7.2 with `mahvars` (Scripts/fixtures-methods-weights.R, `Tests/Fixtures/methods-weights/maha_*`):
/// every focal unit's controls identical and in MatchIt's order, weights to 1e-12 relative, on
/// lalonde and on a small synthetic cohort with duplicated control rows (exact distance ties).
final class MahalanobisParityTests: XCTestCase {
    static let lalonde = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]

    static let cases: [(name: String, data: String, covariates: [String], plan: MatchingPlan)] = [
        ("lalonde_1to1", "lalonde", lalonde, MatchingPlan(metric: .mahalanobis)),
        ("lalonde_2to1", "lalonde", lalonde, MatchingPlan(ratio: 2, metric: .mahalanobis)),
        ("lalonde_caliper02", "lalonde", lalonde, MatchingPlan(caliper: 0.2, metric: .mahalanobis)),
        ("lalonde_replace_2to1", "lalonde", lalonde, MatchingPlan(ratio: 2, replace: true, metric: .mahalanobis)),
        ("lalonde_exact_married", "lalonde", lalonde, MatchingPlan(exact: ["married"], metric: .mahalanobis)),
        ("lalonde_discard_both", "lalonde", lalonde, MatchingPlan(discard: .both, metric: .mahalanobis)),
        ("lalonde_atc", "lalonde", lalonde, MatchingPlan(estimand: .atc, metric: .mahalanobis)),
        ("synthetic_1to1", "synthetic", ["x1", "x2", "g"], MatchingPlan(metric: .mahalanobis)),
        ("synthetic_3to1", "synthetic", ["x1", "x2", "g"], MatchingPlan(ratio: 3, metric: .mahalanobis)),
        ("synthetic_replace", "synthetic", ["x1", "x2", "g"], MatchingPlan(replace: true, metric: .mahalanobis)),
        ("synthetic_caliper05", "synthetic", ["x1", "x2", "g"], MatchingPlan(ratio: 2, caliper: 0.5, metric: .mahalanobis)),
    ]

    func testMatchedSetsEqualMatchIt() throws {
        let tables = [
            "lalonde": try CSVReader.read(path: Fixtures.dataset("lalonde.csv").path),
            "synthetic": try CSVReader.read(path: Fixtures.file("methods-weights/maha_synthetic.csv").path),
        ]
        for c in Self.cases {
            let group = try ComparisonGroup.match(table: tables[c.data]!, treatment: "treat", covariates: c.covariates,
                                                  dropMissing: false, plan: c.plan)
            let matrix = try FixtureTable(contentsOf: Fixtures.file("methods-weights/maha_\(c.name)_match_matrix.csv"))
            XCTAssertEqual(group.result.focalUnits.map { $0 + 1 }, matrix.integers("focal_row").map { $0! }, c.name)
            var differing = 0
            for (k, row) in matrix.rows.enumerated() where k < group.result.matches.count {
                let expected = row.dropFirst().compactMap { Int($0) }.map { $0 - 1 }
                if group.result.matches[k] != expected {
                    differing += 1
                    if differing <= 3 { XCTFail("\(c.name): row \(row[0]) got \(group.result.matches[k].map { $0 + 1 }), MatchIt \(expected.map { $0 + 1 })") }
                }
            }
            XCTAssertEqual(differing, 0, "\(c.name): focal units whose matches differ")
            let weights = try FixtureTable(contentsOf: Fixtures.file("methods-weights/maha_\(c.name)_weights.csv")).doubles("weight")
            XCTAssertEqual(group.result.weights.count, weights.count, c.name)
            for (w, e) in zip(group.result.weights, weights) {
                if e! == 0 { XCTAssertEqual(w, 0, c.name) } else { XCTAssertLessThanOrEqual(relativeDifference(w, e!), 1e-12, c.name) }
            }
        }
    }

    /// The transform's squared Euclidean distances are the Mahalanobis distances with the pooled
    /// within-group covariance: for two numeric covariates with a non-singular covariance,
    /// d² = Δᵀ Σ⁻¹ Δ computed directly.
    func testTransformGivesMahalanobisDistance() {
        let x1: [Double] = [1, 2, 4, 3, 6, 5, 8, 7]
        let x2: [Double] = [2, 1, 3, 5, 4, 7, 6, 9]
        let focal = [true, true, true, true, false, false, false, false]
        let rows = MahalanobisTransform.transform(columns: [x1, x2], focal: focal, discarded: Array(repeating: false, count: 8))
        // Standardise, pool within groups, invert the 2 x 2 covariance by hand.
        func scaled(_ x: [Double]) -> [Double] {
            let m = x.reduce(0, +) / 8
            let sd = (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 7).squareRoot()
            return x.map { ($0 - m) / sd }
        }
        let z1 = scaled(x1), z2 = scaled(x2)
        func centredWithin(_ z: [Double]) -> [Double] {
            let a = z[0..<4].reduce(0, +) / 4, b = z[4..<8].reduce(0, +) / 4
            return z.enumerated().map { $0.offset < 4 ? $0.element - a : $0.element - b }
        }
        let c1 = centredWithin(z1), c2 = centredWithin(z2)
        let s11 = zip(c1, c1).map(*).reduce(0, +) / 6, s22 = zip(c2, c2).map(*).reduce(0, +) / 6
        let s12 = zip(c1, c2).map(*).reduce(0, +) / 6
        let det = s11 * s22 - s12 * s12
        for (i, j) in [(0, 5), (1, 7), (2, 3)] {
            let d1 = z1[i] - z1[j], d2 = z2[i] - z2[j]
            let expected = (s22 * d1 * d1 - 2 * s12 * d1 * d2 + s11 * d2 * d2) / det
            let got = zip(rows[i], rows[j]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            XCTAssertEqual(got, expected, accuracy: 1e-12 * expected)
        }
    }
}
