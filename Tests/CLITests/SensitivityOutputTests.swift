import Foundation
import XCTest
import TestSupport

/// `counterfactual evaluate` reports sensitivity to hidden bias: `cohorts[].sensitivity` in
/// evaluation.json (Rosenbaum bounds and E-values, docs/schemas.md), a sentence each in the
/// terminal summary, and a Gamma curve per cohort in report.html.
final class SensitivityOutputTests: XCTestCase {
    let tool = CommandLineTool()

    func folder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A copy of the bundled plan with `edits` (whole-line replacements) beside its data.
    func plan(_ edits: [String: String], in dir: URL) throws -> URL {
        let source = Fixtures.repositoryRoot.appendingPathComponent("Datasets/peterborough")
        var text = try String(contentsOf: source.appendingPathComponent("plan.toml"), encoding: .utf8)
        for (old, new) in edits {
            XCTAssertTrue(text.contains(old), old)
            text = text.replacingOccurrences(of: old, with: new)
        }
        for file in ["cohort.csv", "events.csv"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        let url = dir.appendingPathComponent("plan.toml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func cohorts(_ out: URL) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluation.json"))) as! [String: Any]
        return json["cohorts"] as! [[String: Any]]
    }

    /// The members are consistent: the grid starts at Gamma = 1 with equal bounds equal to
    /// `p_value`, the upper bound never falls, and it is below the level exactly before the critical
    /// Gamma; the E-value is RR' + sqrt(RR'(RR' - 1)) with RR' = 1/RR below 1.
    func checkConsistent(_ cohort: [String: Any], alpha: Double, test: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let s = cohort["sensitivity"] as! [String: Any]
        let r = s["rosenbaum"] as! [String: Any]
        XCTAssertEqual(r["test"] as? String, test, file: file, line: line)
        XCTAssertEqual(r["one_sided_level"] as! Double, alpha / 2, file: file, line: line)
        let grid = r["grid"] as! [[String: Double]]
        XCTAssertEqual(grid.first?["gamma"], 1, file: file, line: line)
        XCTAssertEqual(grid.first?["p_upper"], r["p_value"] as? Double, file: file, line: line)
        XCTAssertEqual(grid.first?["p_lower"], r["p_value"] as? Double, file: file, line: line)
        for (a, b) in zip(grid, grid.dropFirst()) { XCTAssertLessThanOrEqual(a["p_upper"]!, b["p_upper"]!, file: file, line: line) }
        let critical = r["critical_gamma"] as? Double
        for point in grid {
            let significant = point["p_upper"]! < alpha / 2
            XCTAssertEqual(significant, critical.map { point["gamma"]! < $0 } ?? false, "Gamma \(point["gamma"]!)", file: file, line: line)
        }
        XCTAssertTrue((r["statement"] as! String).contains(critical == nil ? "No unobserved factor is needed" : "An unobserved factor would have to make people"),
                      file: file, line: line)
        let e = s["e_value"] as! [String: Any]
        let rr = ((cohort["inference"] as! [String: Any])["relative_reduction"] as! [String: Any])["rate_ratio"] as! Double
        XCTAssertEqual(e["rate_ratio"] as! Double, rr, file: file, line: line)
        let x = rr < 1 ? 1 / rr : rr
        XCTAssertEqual(e["point"] as! Double, x + (x * (x - 1)).squareRoot(), accuracy: 1e-12, file: file, line: line)
        XCTAssertTrue((e["statement"] as! String).hasPrefix("An unobserved factor would have to make people"), file: file, line: line)
    }

    /// Against R (`Tests/Fixtures/sensitivity/peterborough.csv`, Scripts/make-sensitivity-fixtures.R):
    /// the same cohorts matched by MatchIt 4.7.2, outcomes by the plan's rule written out in R, then
    /// `rbounds::psens` (unrounded) or the exact sign test, and the critical Gamma by `uniroot`.
    /// Pairs and statistic exactly; p-value bounds 1e-10 relative; critical Gamma 1e-9 relative.
    func checkAgainstR(_ all: [[String: Any]], measure: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try FixtureTable(contentsOf: Fixtures.file("sensitivity/peterborough.csv"))
        let critical = t.doubles("critical_gamma"), rbounds = t.doubles("rbounds_upper")
        for c in all {
            let r = (c["sensitivity"] as! [String: Any])["rosenbaum"] as! [String: Any]
            let rows = t.rows.indices.filter { t.rows[$0][0] == c["name"] as! String && t.rows[$0][1] == measure }
            XCTAssertEqual(rows.count, 21, file: file, line: line)
            let first = t.rows[rows[0]]
            XCTAssertEqual(r["pairs"] as? Int, Int(t.number(first, "pairs")), file: file, line: line)
            XCTAssertEqual(r["statistic"] as? Double, t.number(first, "statistic"), file: file, line: line)
            if let g = critical[rows[0]] {
                XCTAssertLessThanOrEqual(relativeDifference(r["critical_gamma"] as! Double, g), 1e-9, file: file, line: line)
            } else {
                XCTAssertTrue(r["critical_gamma"] is NSNull, file: file, line: line)
            }
            let grid = r["grid"] as! [[String: Double]]
            for k in rows {
                let gamma = t.number(t.rows[k], "gamma")
                guard let point = grid.first(where: { $0["gamma"] == gamma }) else { continue }
                XCTAssertLessThanOrEqual(relativeDifference(point["p_upper"]!, t.number(t.rows[k], "p_upper")), 1e-10,
                                         "\(c["name"]!) Gamma \(gamma)", file: file, line: line)
                // psens' own number (1 - pnorm(z), z from sums of products): 1e-10 relative or 1e-15 absolute.
                if let rb = rbounds[k] {
                    let a = point["p_upper"]!
                    XCTAssert(relativeDifference(a, rb) <= 1e-10 || abs(a - rb) <= 1e-15, "psens \(c["name"]!) Gamma \(gamma): \(a) vs \(rb)",
                              file: file, line: line)
                }
            }
        }
    }

    func testBundledEvaluationReportsSensitivity() throws {
        let out = try folder().appendingPathComponent("out")
        let r = try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path, "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try cohorts(out)
        for c in all { try checkConsistent(c, alpha: 0.05, test: "Wilcoxon signed-rank test") }
        try checkAgainstR(all, measure: "reconviction_events")
        // Cohort 1: 940 pairs; one-sided p = 0.0449 >= 0.025, so no critical Gamma.
        let r1 = (all[0]["sensitivity"] as! [String: Any])["rosenbaum"] as! [String: Any]
        XCTAssertEqual(r1["pairs"] as? Int, 940)
        XCTAssertTrue(r1["critical_gamma"] is NSNull)
        XCTAssertEqual(r1["p_value"] as! Double, 0.0449054069, accuracy: 1e-9)
        // The terminal summary has one sentence of each per cohort.
        XCTAssertEqual(r.stdout.components(separatedBy: "  Hidden bias (Rosenbaum bounds): No unobserved factor").count - 1, 2, r.stdout)
        XCTAssertEqual(r.stdout.components(separatedBy: "  E-value: An unobserved factor would have to make people 1.").count - 1, 2, r.stdout)
        // The report draws the Gamma curve per cohort.
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "aria-label=\"Rosenbaum bounds on the p-value against Gamma\"").count - 1, 2)
    }

    /// The binary measure uses McNemar's sign test; at a 20% level cohort 2 has a critical Gamma.
    func testBinaryMeasureAndCriticalGamma() throws {
        let dir = try folder()
        let planURL = try plan(["measure = \"reconviction_events\"": "measure = \"proven_reoffending\"",
                                "significance_level = 0.05": "significance_level = 0.2",
                                "confidence_level = 0.95": "", "bootstrap_replicates = 200": "bootstrap_replicates = 0"], in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try tool.run(["evaluate", planURL.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try cohorts(out)
        for c in all { try checkConsistent(c, alpha: 0.2, test: "McNemar sign test") }
        try checkAgainstR(all, measure: "proven_reoffending")
        let r2 = (all[1]["sensitivity"] as! [String: Any])["rosenbaum"] as! [String: Any]
        let g = try XCTUnwrap(r2["critical_gamma"] as? Double)
        XCTAssertGreaterThan(g, 1)
        XCTAssertLessThan(g, 1.2)
    }

    /// Sets of two controls use the aligned-rank test; with replacement the bounds are not estimable.
    func testMatchedSetsAndReplacement() throws {
        let dir = try folder()
        let planURL = try plan(["ratio = 1": "ratio = 2", "bootstrap_replicates = 200": "bootstrap_replicates = 0"], in: dir)
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["evaluate", planURL.path, "--out", out.path, "--quiet"]).status, 0)
        for c in try cohorts(out) { try checkConsistent(c, alpha: 0.05, test: "aligned-rank test for matched sets") }

        let dir2 = try folder()
        let replaced = try plan(["replace = false": "replace = true", "bootstrap_replicates = 200": "bootstrap_replicates = 0"], in: dir2)
        let out2 = dir2.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["evaluate", replaced.path, "--out", out2.path, "--quiet"]).status, 0)
        for c in try cohorts(out2) {
            let s = c["sensitivity"] as! [String: Any]
            let reason = (s["rosenbaum"] as! [String: Any])["not_estimable"] as? String
            XCTAssertEqual(reason, "matched with replacement: matched sets share comparison people, so Rosenbaum bounds do not apply")
            XCTAssertNotNil((s["e_value"] as! [String: Any])["point"])
        }
    }
}
