import CohortData
import Foundation
import Matching
import TestSupport
import XCTest
@testable import MatchedComparison

/// Optimal pair matching on the Mahalanobis distance (`method = "optimal"`, `metric = mahalanobis`)
/// against MatchIt 4.7.2 / optmatch 0.10.8 (Scripts/fixtures-methods-flow.R,
/// `Tests/Fixtures/flow/mahalanobis_cases.csv` and `maha_<case>_units.csv`), through the pipeline
/// (plan -> frame -> R's propensity score as a user distance -> method type), on lalonde and on the
/// synthetic offender cohort, ratio 1 and 2, with and without a caliper on the propensity score.
///
/// Tolerances (as `FlowMatchingTests` with tol = 1e-7): optmatch's integer objective exactly, the
/// total matched Mahalanobis distance to 1e-9 relative, the numbers matched and the set of matched
/// units exactly (as a multiset of (group, propensity score): units with equal covariates are
/// interchangeable). Pairings are not compared: they may differ between equal-cost optima.
final class OptimalMahalanobisParityTests: XCTestCase {
    static let covariates = [
        "lalonde": ["age", "educ", "race", "married", "nodegree", "re74", "re75"],
        "synthetic": ["age", "gender", "prior_convictions", "employed", "risk_score"],
    ]

    /// The data set with R's propensity score appended as column `ps`.
    func table(_ data: String, scores: [String]) throws -> CohortTable {
        let source = data == "lalonde" ? Fixtures.dataset("lalonde.csv") : Fixtures.file("flow/synthetic_cohort.csv")
        var lines = try String(contentsOf: source, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[0] += ",ps"
        for k in 1..<lines.count { lines[k] += "," + scores[k - 1] }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maha-flow-\(data)-\(getpid()).csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try CSVReader.read(path: url.path)
    }

    func testAgainstMatchItAndOptmatch() throws {
        let cases = try FixtureTable(contentsOf: Fixtures.file("flow/mahalanobis_cases.csv"))
        XCTAssertEqual(cases.rows.count, 10)
        var solved: [String: ComparisonGroup] = [:]
        for row in cases.rows {
            let name = row[cases.index(of: "case")], data = row[cases.index(of: "data")]
            let caliperText = row[cases.index(of: "caliper")]
            let units = try FixtureTable(contentsOf: Fixtures.file("flow/maha_\(name)_units.csv"))
            let plan = MatchingPlan(method: .optimal, distanceColumn: "ps", ratio: Int(cases.number(row, "ratio")),
                                    caliper: caliperText.isEmpty ? nil : Double(caliperText), metric: .mahalanobis,
                                    flowTolerance: cases.number(row, "tol"))
            // The same problem reached through distance = "mahalanobis", mahvars and optmatch directly
            // (lalonde 1:1) is solved once.
            let key = "\(data) \(plan.ratio) \(caliperText)"
            if solved[key] == nil {
                solved[key] = try ComparisonGroup.match(table: try table(data, scores: units.strings("distance")), treatment: "treat",
                                                        covariates: Self.covariates[data]!, dropMissing: false, plan: plan)
            }
            let group = solved[key]!
            let objective = try XCTUnwrap(group.result.objective, name)
            XCTAssertEqual(objective.integerCost, Int64(cases.number(row, "integer_cost")), "\(name): integer objective")
            XCTAssertLessThanOrEqual(relativeDifference(objective.totalDistance, cases.number(row, "total_distance")), 1e-9,
                                     "\(name): total distance \(objective.totalDistance) vs R \(cases.number(row, "total_distance"))")
            let treat = units.integers("treat").map { $0 == 1 }
            let ps = units.strings("distance")
            func matchedUnits(_ w: [Double]) -> [String] {
                w.indices.filter { w[$0] > 0 }.map { "\(treat[$0] ? 1 : 0):\(ps[$0])" }.sorted()
            }
            let expected = units.doubles("weight").map { $0! }
            XCTAssertEqual(matchedUnits(group.result.weights), matchedUnits(expected), "\(name): matched units")
            XCTAssertEqual(group.result.matchedCounts.treated, Int(cases.number(row, "matched_treated")), name)
            XCTAssertEqual(group.result.matchedCounts.control, Int(cases.number(row, "matched_control")), name)
            // Every focal unit has `ratio` controls, each used once.
            let controls = group.result.matches.flatMap { $0 }
            XCTAssertEqual(Set(controls).count, controls.count, name)
        }
    }

    /// Small random problems with two covariates (and a caliper on the scalar distance in every
    /// other trial): the flow optimum equals exhaustive search over the same rounded Mahalanobis costs
    /// ceil(0.5 + e / epsilon), e the Euclidean distance of `MahalanobisTransform`'s coordinates.
    func testMahalanobisPairMatchingMatchesExhaustiveSearch() throws {
        var state: UInt64 = 11
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var compared = 0
        for trial in 0..<150 {
            let nt = 2 + trial % 3, nc = nt + 1 + trial % 4
            let k = nc >= 2 * nt && trial % 3 == 0 ? 2 : 1
            let treated = Array(repeating: true, count: nt) + Array(repeating: false, count: nc)
            let n = nt + nc
            let x1 = (0..<n).map { _ in uniform() }, x2 = (0..<n).map { _ in 3 * uniform() }
            let distance = (0..<n).map { _ in uniform() }
            let caliper: Double? = trial % 2 == 0 ? nil : 1.5
            let spec = OptimalMatchingSpecification(ratio: k, caliper: caliper, tolerance: 1e-7)
            let result: MatchResult
            do {
                result = try OptimalPairMatcher.match(treated: treated, distance: distance, specification: spec,
                                                      mahalanobis: [x1, x2])
            } catch is OptimalMatchingError { continue }   // the caliper leaves some treated unit without controls
            let objective = try XCTUnwrap(result.objective)
            let xs = MahalanobisTransform.transform(columns: [x1, x2], focal: treated, discarded: Array(repeating: false, count: n))
            let width = caliper.map { $0 * rStandardDeviationForTest(distance) }
            func cost(_ t: Int, _ c: Int) -> Int64? {
                if let w = width, abs(distance[t] - distance[c]) > w { return nil }
                let e = zip(xs[t], xs[c]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                return Int64((0.5 + e / objective.resolution).rounded(.up))
            }
            // optmatch leaves out a treated unit with no control within the caliper ("unmatchable").
            let matchable = (0..<nt).map { t in (0..<nc).contains { cost(t, nt + $0) != nil } }
            var best = Int64.max
            var used = Array(repeating: false, count: nc)
            func visit(_ t: Int, _ taken: Int, _ from: Int, _ total: Int64) {
                if t == nt { best = min(best, total); return }
                if taken == k || !matchable[t] { visit(t + 1, 0, 0, total); return }
                for c in from..<nc where !used[c] {
                    guard let x = cost(t, nt + c) else { continue }
                    used[c] = true
                    visit(t, taken + 1, c + 1, total + x)
                    used[c] = false
                }
            }
            visit(0, 0, 0, 0)
            XCTAssertEqual(objective.integerCost, best, "trial \(trial)")
            XCTAssertEqual(result.matches.map(\.count), matchable.map { $0 ? k : 0 }, "trial \(trial)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 100)
    }

    /// R's sd() (n - 1 denominator), written out here so the test does not lean on the library's.
    func rStandardDeviationForTest(_ x: [Double]) -> Double {
        let m = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }
}
