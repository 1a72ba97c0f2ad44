import CohortData
import Foundation
import Matching
import PlanFiles
import Propensity
import TestSupport
import XCTest
@testable import MatchedComparison

/// The whole pipeline (CSV -> frame -> glm or user distance -> exact cells -> nearest -> balance)
/// against MatchIt 4.7.2 (`Tests/Fixtures/matchit/*`, Scripts/make-fixtures.R): matched sets and the
/// order of controls identical, weights to 1e-12 relative, matched sample sizes identical.
final class ComparisonGroupParityTests: XCTestCase {
    static let covariates = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]

    static let cases: [(name: String, plan: MatchingPlan)] = [
        ("nn_1to1", MatchingPlan()),
        ("nn_3to1", MatchingPlan(ratio: 3)),
        ("nn_caliper02_linear", MatchingPlan(link: .linearLogit, caliper: 0.2)),
        ("nn_2to1_replace", MatchingPlan(ratio: 2, replace: true)),
        ("nn_3to1_caliper01", MatchingPlan(ratio: 3, caliper: 0.1)),
        ("nn_discard_both", MatchingPlan(discard: .both)),
        ("nn_exact_married", MatchingPlan(exact: ["married"])),
        ("nn_smallest", MatchingPlan(order: .smallest)),
        ("nn_data_order", MatchingPlan(order: .data)),
        ("nn_atc", MatchingPlan(estimand: .atc)),
        ("nn_probit", MatchingPlan(link: .probit)),
        ("nn_replace_caliper", MatchingPlan(replace: true, caliper: 0.05)),
        ("nn_user_distance", MatchingPlan(distanceColumn: "ps")),
    ]

    /// lalonde with MatchIt's user distance `ps` (R's glm fitted values) as an extra column.
    func lalondeWithScore() throws -> CohortTable {
        let source = try String(contentsOf: Fixtures.dataset("lalonde.csv"), encoding: .utf8)
        let fitted = try FixtureTable(contentsOf: Fixtures.file("glm/lalonde_logit_fitted.csv")).strings("fitted")
        var lines = source.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        XCTAssertEqual(lines.count - 1, fitted.count, "fitted values per row")
        lines[0] += ",ps"
        for k in 1..<lines.count { lines[k] += "," + fitted[k - 1] }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lalonde-ps-\(getpid()).csv")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try CSVReader.read(path: url.path)
    }

    func testEveryCaseReproducesMatchIt() throws {
        let table = try lalondeWithScore()
        for c in Self.cases {
            var stages: [ComparisonGroup.Stage] = []
            let group = try ComparisonGroup.match(table: table, treatment: "treat", covariates: Self.covariates,
                                                  dropMissing: false, plan: c.plan) { stages.append($0) }
            XCTAssertEqual(stages, [.frame, .distance, .match, .balance], c.name)
            let matrix = try FixtureTable(contentsOf: Fixtures.file("matchit/\(c.name)/match_matrix.csv"))
            XCTAssertEqual(group.result.matches.count, matrix.rows.count, "\(c.name): focal units")
            for (k, row) in matrix.rows.enumerated() where k < group.result.matches.count {
                XCTAssertEqual(group.result.matches[k], row.dropFirst().compactMap { Int($0) }.map { $0 - 1 },
                               "\(c.name): set of row \(row[0])")
            }
            let expected = try FixtureTable(contentsOf: Fixtures.file("matchit/\(c.name)/matches.csv")).doubles("weight")
            XCTAssertEqual(group.result.weights.count, expected.count, "\(c.name): weights")
            let worst = zip(group.result.weights, expected).map { relativeDifference($0, $1 ?? .nan) }.max() ?? .nan
            XCTAssertLessThanOrEqual(worst, 1e-12, "\(c.name): weights")
            let sizes = try FixtureTable(contentsOf: Fixtures.file("matchit/\(c.name)/sample_sizes.csv"))
            let matched = try XCTUnwrap(sizes.row(named: "Matched"), c.name)
            XCTAssertEqual(group.balance.sampleSizes.matched.treated, sizes.number(matched, "treated"), "\(c.name)")
            XCTAssertEqual(group.balance.sampleSizes.matched.control, sizes.number(matched, "control"), "\(c.name)")
            switch group.distanceSource {
            case .column(let name): XCTAssertEqual(name, "ps")
            case .model(let fit, let link):
                XCTAssertEqual(link, c.plan.link)
                // The model's table is kept; its per-row arrays are not (the distances are the
                // result's), and the distances are the fit's own values, bit for bit.
                XCTAssertTrue(fit.linearPredictor.isEmpty && fit.fitted.isEmpty, c.name)
                let frame = try ModelFrame(table: table, treatment: "treat", covariates: Self.covariates)
                let full = try BinomialGLM.fit(design: frame.modelColumns.map(\.column), names: frame.modelColumns.map(\.name),
                                               response: frame.treatment, link: c.plan.link.binomialLink)
                XCTAssertEqual(fit.coefficients.map(\.estimate.bitPattern), full.coefficients.map(\.estimate.bitPattern), c.name)
                XCTAssertEqual(group.result.distance.map(\.bitPattern), c.plan.link.distance(from: full).map(\.bitPattern), c.name)
            }
            XCTAssertEqual(group.frameIndexOfRow.compactMap { $0 }, Array(0..<table.rowCount), c.name)
        }
    }

    func testExactCellsAreNumberedByFirstAppearance() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cells-\(getpid()).csv")
        try "a,b\nx,1\ny,1\nx,2\nx,1\ny,1\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let table = try CSVReader.read(path: url.path, options: CSVReadOptions(textColumns: ["a", "b"]))
        XCTAssertEqual(try ComparisonGroup.exactCells(table: table, rows: [0, 1, 2, 3, 4], columns: ["a", "b"]), [0, 1, 2, 0, 1])
        XCTAssertEqual(try ComparisonGroup.exactCells(table: table, rows: [2, 4], columns: ["a"]), [0, 1])
        XCTAssertNil(try ComparisonGroup.exactCells(table: table, rows: [0], columns: []))
    }
}

/// `MatchingPlan` read from a plan's `[matching]` table: defaults, every key, and every bad value
/// failing when the plan is read, naming the file and the key.
final class MatchingPlanFileTests: XCTestCase {
    func plan(_ toml: String) throws -> MatchingPlan {
        let root = try PlanTable.parse(toml, file: "plan.toml")
        return try MatchingPlan(table: try root.table("matching"))
    }

    func failure(_ toml: String) -> String {
        do {
            _ = try plan(toml)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    func testDefaultsAreMatchItDefaults() throws {
        XCTAssertEqual(try plan(""), MatchingPlan())
        let p = MatchingPlan()
        XCTAssertEqual(p.method, .nearest)
        XCTAssertEqual(p.link, .logit)
        XCTAssertEqual(p.ratio, 1)
        XCTAssertFalse(p.replace)
        XCTAssertNil(p.caliper)
        XCTAssertNil(p.order)
        XCTAssertEqual(p.discard, .none)
        XCTAssertEqual(p.estimand, .att)
        XCTAssertEqual(p.tolerance, 1e-8)
        XCTAssertEqual(p.maxIterations, 25)
    }

    func testEveryKeyIsRead() throws {
        let p = try plan("""
        [matching]
        method = "nearest"
        link = "linear.probit"
        distance = "score"
        estimand = "atc"
        order = "random"
        discard = "both"
        ratio = 3
        replace = true
        caliper = 0.25
        exact = ["region", "sex"]
        seed = 7
        tolerance = 1e-10
        max_iterations = 50
        """)
        XCTAssertEqual(p, MatchingPlan(method: .nearest, link: .linearProbit, distanceColumn: "score", estimand: .atc,
                                       order: .random, discard: .both, ratio: 3, replace: true, caliper: 0.25,
                                       exact: ["region", "sex"], seed: 7, tolerance: 1e-10, maxIterations: 50))
        XCTAssertEqual(p.nearestNeighbor, NearestNeighborSpecification(ratio: 3, replace: true, caliper: 0.25, order: .random,
                                                                       discard: .both, estimand: .atc, seed: 7))
    }

    func testBadValuesNameFileAndKey() {
        let cases: [(String, String)] = [
            ("[matching]\nlink = \"logistic\"", "plan.toml: [matching] link must be one of logit, linear.logit, probit, linear.probit."),
            ("[matching]\nmethod = \"genetic\"", "plan.toml: [matching] method must be one of nearest, exact, cem, subclass, radius, kernel, weighting, optimal, full."),
            ("[matching]\nestimand = \"ATE\"", "plan.toml: [matching] estimand must be ATT or ATC for method nearest (got ATE)."),
            ("[matching]\nestimand = \"ATU\"", "plan.toml: [matching] estimand must be one of ATT, ATC, ATE."),
            ("[matching]\nbandwidth = 0.1", "plan.toml: [matching] bandwidth is not used by method nearest; remove it."),
            ("[matching]\nmethod = \"radius\"", "plan.toml: [matching] radius is required by method radius (the window's half-width on the distance scale, as psmatch2's caliper)."),
            ("[matching]\nmethod = \"weighting\"\ntrim = 1.5", "plan.toml: [matching] trim must be a quantile above 0.5 and below 1 (got 1.5)."),
            ("[matching]\norder = \"biggest\"", "plan.toml: [matching] order must be one of largest, smallest, data, random."),
            ("[matching]\ndiscard = \"all\"", "plan.toml: [matching] discard must be one of none, treated, control, both."),
            ("[matching]\nratio = 0", "plan.toml: [matching] ratio must be a whole number from 1 to 1000 (got 0)."),
            ("[matching]\nratio = 1000000000", "plan.toml: [matching] ratio must be a whole number from 1 to 1000 (got 1000000000)."),
            ("[matching]\ncaliper = -0.2", "plan.toml: [matching] caliper must be a positive number of standard deviations, at most 100 (got -0.2)."),
            ("[matching]\nseed = -1", "plan.toml: [matching] seed must be a whole number from 0 to 9223372036854775807 (got -1)."),
            ("[matching]\nmax_iterations = 0", "plan.toml: [matching] max_iterations must be a whole number from 1 to 10000 (got 0)."),
            ("[matching]\ntolerance = 0.5", "plan.toml: [matching] tolerance must lie between 1e-16 and 0.1 (got 0.5)."),
            ("[matching]\nexact = [\"a\", \"a\"]", "plan.toml: [matching] exact names 'a' twice."),
            ("[matching]\nratios = 2", "plan.toml: [matching] unknown key 'ratios'; the keys here are method, link, distance, estimand, order, discard, ratio, replace, caliper, exact, seed, tolerance, max_iterations, radius, kernel, bandwidth, trim, trim_lower, metric, subclass, min_n, cutpoints, grouping, k2k, min_controls, max_controls, flow_tolerance."),
        ]
        for (toml, message) in cases {
            XCTAssertEqual(failure(toml), message, toml)
        }
    }

    func testLibraryErrorsSpeakOfSettings() {
        XCTAssertThrowsError(try MatchingPlan(ratio: 0).validate()) { error in
            XCTAssertEqual(String(describing: error), "matching setting ratio must be a whole number from 1 to 1000 (got 0).")
        }
        XCTAssertThrowsError(try MatchingPlan(caliper: .infinity).validate()) { error in
            XCTAssertEqual((error as? MatchingPlanError)?.setting, .caliper)
        }
        XCTAssertThrowsError(try MatchingPlan(tolerance: .nan).validate())
        XCTAssertNoThrow(try MatchingPlan(ratio: 1000, caliper: 100).validate())
    }
}
