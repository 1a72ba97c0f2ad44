import CohortData
import Foundation
import Matching
import PlanFiles
import TestSupport
import XCTest
@testable import MatchedComparison

/// `method = "optimal"` and `"full"` through the pipeline (plan -> frame -> R's scores as a user
/// distance -> method type -> balance), and the one-sentence errors for settings a method does not take.
final class FlowMethodTests: XCTestCase {
    func testPipelineReproducesFixtures() throws {
        // lalonde with the fixture's own distance (R's glm fitted values) as column ps.
        for (name, plan) in [("opt_2to1", MatchingPlan(method: .optimal, distanceColumn: "ps", ratio: 2, flowTolerance: 1e-7)),
                             ("full_caliper", MatchingPlan(method: .full, distanceColumn: "ps", caliper: 0.1, flowTolerance: 1e-7))] {
            let units = try FixtureTable(contentsOf: Fixtures.file("flow/\(name)_units.csv"))
            var lines = try String(contentsOf: Fixtures.dataset("lalonde.csv"), encoding: .utf8)
                .split(separator: "\n").map(String.init)
            let ps = units.strings("distance")
            lines[0] += ",ps"
            for k in 1..<lines.count { lines[k] += "," + ps[k - 1] }
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("flow-\(name)-\(getpid()).csv")
            try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: url) }
            let table = try CSVReader.read(path: url.path)
            let group = try ComparisonGroup.match(table: table, treatment: "treat", covariates: ["age", "educ", "re74"],
                                                  dropMissing: false, plan: plan)
            let expected = units.doubles("weight").map { $0! }
            let treat = units.integers("treat")
            let cases = try FixtureTable(contentsOf: Fixtures.file("flow/cases.csv"))
            let total = cases.rows.first { $0[0] == name }.map { cases.number($0, "total_distance") }
            let objective = try XCTUnwrap(group.result.objective, name)
            XCTAssertLessThanOrEqual(relativeDifference(objective.totalDistance, try XCTUnwrap(total)), 1e-9, name)
            // Pair distances from the subclasses (full matching has no match matrix; MatchIt's pair.dist).
            XCTAssertTrue(group.balance.matched.allSatisfy { $0.standardizedPairDistance?.isFinite == true }, name)
            XCTAssertEqual(group.balance.sampleSizes.matched.treated,
                           Double(expected.indices.filter { expected[$0] > 0 && treat[$0] == 1 }.count), name)
            XCTAssertEqual(group.balance.sampleSizes.matched.control,
                           Double(expected.indices.filter { expected[$0] > 0 && treat[$0] == 0 }.count), name)
        }
    }

    func testSettingsAMethodDoesNotTakeAreErrors() {
        let cases: [(MatchingPlan, String)] = [
            (MatchingPlan(method: .nearest, maxControls: 3), "matching setting max_controls is not used by method nearest; remove it."),
            (MatchingPlan(method: .optimal, replace: true), "matching setting replace is not used by method optimal; remove it."),
            (MatchingPlan(method: .full, order: .largest), "matching setting order is not used by method full; remove it."),
            (MatchingPlan(method: .full, ratio: 2), "matching setting ratio is not used by method full; remove it."),
            (MatchingPlan(method: .full, caliper: 0.2, minControls: 1), "matching setting caliper cannot be used with method full when min_controls is given (as MatchIt)."),
            (MatchingPlan(method: .full, minControls: 0), "matching setting min_controls must be a number above 0, at most 1000 (got 0.0)."),
            (MatchingPlan(method: .optimal, ratio: 2, maxControls: 2), "matching setting max_controls must be greater than ratio 2 (got 2)."),
            (MatchingPlan(method: .optimal, ratio: 1, maxControls: 3), "matching setting ratio must be greater than 1 for variable-ratio matching (max_controls given)."),
            (MatchingPlan(method: .optimal, ratio: 3, maxControls: 4.5), "matching setting max_controls must be a whole number with method optimal (got 4.5)."),
            (MatchingPlan(method: .optimal, minControls: 1), "matching setting min_controls needs max_controls (variable-ratio matching) with method optimal."),
        ]
        for (plan, message) in cases {
            XCTAssertThrowsError(try plan.validate(), message) { error in
                XCTAssertEqual(String(describing: error), message)
            }
        }
        XCTAssertNoThrow(try MatchingPlan(method: .full, minControls: 0.5, maxControls: 4).validate())
        XCTAssertNoThrow(try MatchingPlan(method: .optimal, ratio: 2, caliper: 0.2, minControls: 1, maxControls: 3).validate())
    }

    func testPlanKeys() throws {
        let root = try PlanTable.parse("[matching]\nmethod = \"full\"\nmin_controls = 0.5\nmax_controls = 4\n", file: "plan.toml")
        XCTAssertEqual(try MatchingPlan(table: try root.table("matching")), MatchingPlan(method: .full, minControls: 0.5, maxControls: 4))
        let bad = try PlanTable.parse("[matching]\nmax_controls = 4\n", file: "plan.toml")
        XCTAssertThrowsError(try MatchingPlan(table: try bad.table("matching"))) { error in
            XCTAssertEqual(String(describing: error), "plan.toml: [matching] max_controls is not used by method nearest; remove it.")
        }
    }
}
