import Foundation
import XCTest
import TestSupport

/// `[outcome] measure = "jdl"` end to end on the bundled data, against the independent R reference
/// of `Scripts/make-jdl-fixtures.R` (MatchIt matching, the JDL's definitions written in R, the
/// weighted lm with HC0 sandwich errors).
final class JusticeDataLabReplicaTests: XCTestCase {
    let tool = CommandLineTool()

    func testBundledJDLPlanEqualsTheRReference() throws {
        let out = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let r = try tool.run(["evaluate", "Datasets/peterborough/plan-jdl.toml", "--out", out.path, "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Justice Data Lab measures:"), r.stdout)
        XCTAssertTrue(r.stdout.contains("For every 100 people who received support, 53 committed a proven reoffence within a one-year period, compared with 55 for every 100 similar people who did not. This could be lower by as many as 6 or higher by as many as 3 people in every 100"), r.stdout)
        XCTAssertTrue(r.stdout.contains("This is a statistically significant result: it could be longer by between 1 and 26 days."), r.stdout)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluation.json"))) as! [String: Any]
        let cohorts = json["cohorts"] as! [[String: Any]]
        let reference = try FixtureTable(contentsOf: Fixtures.file("jdl/measures.csv"))
        func close(_ a: Double, _ b: Double, _ what: String) {
            // 1e-9 relative (absolute below 1): the two sides differ only in summation order.
            XCTAssertLessThanOrEqual(abs(a - b), 1e-9 * max(1, abs(b)), what)
        }
        var compared = 0
        for row in reference.rows {
            let field = { (name: String) in row[reference.header.firstIndex(of: name)!] }
            let cohort = cohorts.first { $0["name"] as? String == field("cohort") }!
            let replica = cohort["justice_data_lab_replica"] as! [String: Any]
            let measures = replica["measures"] as! [[String: Any]]
            let m = measures.first { $0["measure"] as? String == field("measure") }!
            XCTAssertEqual(m["treated_people"] as? Int, Int(field("treated_people")))
            XCTAssertEqual(m["comparison_people"] as? Int, Int(field("comparison_people")))
            for key in ["treated", "comparison", "difference", "lower", "upper", "standard_error", "p_value"] {
                close(m[key] as! Double, Double(field(key))!, "\(field("cohort")) \(field("measure")) \(key)")
            }
            XCTAssertEqual(m["significant"] as? Bool, Double(field("p_value"))! <= 0.05)
            compared += 1
        }
        XCTAssertEqual(compared, 6)

        let quality = try FixtureTable(contentsOf: Fixtures.file("jdl/match_quality.csv"))
        for row in quality.rows {
            let field = { (name: String) in row[quality.header.firstIndex(of: name)!] }
            let cohort = cohorts.first { $0["name"] as? String == field("cohort") }!
            let table = (cohort["justice_data_lab_replica"] as! [String: Any])["match_quality"] as! [[String: Any]]
            let entry = table.first { $0["covariate"] as? String == field("covariate") }
            XCTAssertNotNil(entry, field("covariate"))
            for key in ["before", "after"] {
                close(entry?[key] as? Double ?? .nan, Double(field(key))!, "\(field("cohort")) \(field("covariate")) \(key)")
            }
            let after = abs(Double(field("after"))!)
            XCTAssertEqual(entry?["grade"] as? String, after < 5 ? "good" : after < 10 ? "reasonable" : "poor")
        }
        XCTAssertEqual(quality.rows.count, 2 * 22)

        // The report shows the measures and the graded table.
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Justice Data Lab measures"), "report lacks the JDL table")
        XCTAssertTrue(html.contains("match quality as the Justice Data Lab grades it"), "report lacks the match-quality table")
        // The Peterborough plan's documents carry no replica member.
        let plain = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: plain) }
        XCTAssertEqual(try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", plain.path]).status, 0)
        let text = try String(contentsOf: plain.appendingPathComponent("evaluation.json"), encoding: .utf8)
        XCTAssertFalse(text.contains("justice_data_lab_replica"))
    }

    /// The JDL counts cautions: a plan cannot turn them off for this measure.
    func testJDLRefusesUncountedCautions() throws {
        let folder = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        let source = try String(contentsOf: Fixtures.dataset("peterborough/plan-jdl.toml"), encoding: .utf8)
        let plan = source.replacingOccurrences(of: "count_cautions = true ", with: "count_cautions = false")
            .replacingOccurrences(of: "\"cohort.csv\"", with: "\"\(Fixtures.dataset("peterborough/cohort.csv").path)\"")
            .replacingOccurrences(of: "\"events.csv\"", with: "\"\(Fixtures.dataset("peterborough/events.csv").path)\"")
        let file = folder.appendingPathComponent("plan.toml")
        try plan.write(to: file, atomically: true, encoding: .utf8)
        let r = try tool.run(["evaluate", file.path, "--out", folder.appendingPathComponent("out").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("count_cautions"), r.stderr)
        XCTAssertTrue(r.stderr.contains("counts cautions"), r.stderr)
    }
}
