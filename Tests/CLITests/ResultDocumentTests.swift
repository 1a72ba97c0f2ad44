import Foundation
import Reporting
import TestSupport
import XCTest

/// The result documents as the commands write them: typed, versioned, read back bit for bit, and
/// a report that refuses a document it cannot read instead of printing blanks.
final class ResultDocumentTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func text(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    /// Every JSON file starts with its schema version, and reads back to a document that writes
    /// the same bytes again.
    func testDocumentsCarryTheirSchemaVersionAndReadBackExactly() throws {
        let out = try temporaryFolder()
        let evaluate = try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.appendingPathComponent("e").path, "--quiet"])
        XCTAssertEqual(evaluate.status, 0, evaluate.stderr)
        let match = try tool.run(["match", "Datasets/lalonde.csv", "--treatment", "treat", "--covariates",
                                  "age,educ,race,married,nodegree,re74,re75", "--out", out.appendingPathComponent("m").path, "--quiet"])
        XCTAssertEqual(match.status, 0, match.stderr)
        let ratecard = try tool.run(["ratecard", "Datasets/rate-card-example/plan.toml", "--out", out.appendingPathComponent("r").path, "--quiet"])
        XCTAssertEqual(ratecard.status, 0, ratecard.stderr)

        func check<T: Codable>(_ type: T.Type, _ file: String) throws {
            let url = out.appendingPathComponent(file)
            let written = try text(url)
            XCTAssertTrue(written.hasPrefix("{\n  \"schema_version\": 1,\n"), file)
            let document = try readDocument(type, path: url.path)
            XCTAssertEqual(try JSONValue.serialize(document), written, file)
        }
        try check(EvaluationDocument.self, "e/evaluation.json")
        try check(MatchSummaryDocument.self, "m/summary.json")
        try check(LedgerDocument.self, "r/ledger.json")
        for folder in ["e", "m", "r"] { try check(Manifest.self, "\(folder)/manifest.json") }

        let evaluation = try readDocument(EvaluationDocument.self, path: out.appendingPathComponent("e/evaluation.json").path)
        XCTAssertEqual(evaluation.cohorts.map(\.name), ["Cohort 1", "Cohort 2"])
        XCTAssertEqual(evaluation.outcome.followUpMonths, 12)
        let summary = try readDocument(MatchSummaryDocument.self, path: out.appendingPathComponent("m/summary.json").path)
        XCTAssertEqual(summary.settings.extra.names, ["tolerance", "max_iterations", "drop_missing", "categorical"])
        XCTAssertEqual(summary.propensity?.coefficients.names.first, "(Intercept)")
    }

    /// A member renamed or removed in evaluation.json stops the report with the member's path
    /// (exit 65), rather than rendering an empty cell.
    func testReportRefusesADocumentWithAMissingMember() throws {
        let out = try temporaryFolder()
        XCTAssertEqual(try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path, "--quiet"]).status, 0)
        let file = out.appendingPathComponent("evaluation.json")
        let original = try text(file)
        XCTAssertEqual(try tool.run(["report", out.path]).status, 0)

        try original.replacingOccurrences(of: "\"treated_per_100\":", with: "\"treated_per100\":").write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: out.appendingPathComponent("report.html"))
        let renamed = try tool.run(["report", out.path])
        XCTAssertEqual(renamed.status, 65, renamed.stderr)
        XCTAssertTrue(renamed.stderr.contains("evaluation.json: member 'cohorts[0].measure.treated_per_100' is missing"), renamed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))

        try original.replacingOccurrences(of: "        \"headline_withheld\": null,\n", with: "").write(to: file, atomically: true, encoding: .utf8)
        let removed = try tool.run(["report", out.path])
        XCTAssertEqual(removed.status, 65, removed.stderr)
        XCTAssertTrue(removed.stderr.contains("member 'cohorts[0].justice_data_lab.headline_withheld' is missing"), removed.stderr)

        try original.replacingOccurrences(of: "\"schema_version\": 1", with: "\"schema_version\": 2").write(to: file, atomically: true, encoding: .utf8)
        let later = try tool.run(["report", out.path])
        XCTAssertEqual(later.status, 65, later.stderr)
        XCTAssertTrue(later.stderr.contains("schema_version 2 is not one this program reads"), later.stderr)

        try "{\"not\": json".write(to: file, atomically: true, encoding: .utf8)
        let broken = try tool.run(["report", out.path])
        XCTAssertEqual(broken.status, 65, broken.stderr)
        XCTAssertTrue(broken.stderr.contains("evaluation.json: is not valid JSON (line 1, column"), broken.stderr)
    }

    /// The confidence level and the outcome windows in the text come from the plan.
    func testTextFollowsThePlan() throws {
        let dir = try temporaryFolder()
        let data = Fixtures.dataset("peterborough")
        var plan = try text(data.appendingPathComponent("plan.toml"))
        for (from, to) in [("cohort = \"cohort.csv\"", "cohort = \"\(data.appendingPathComponent("cohort.csv").path)\""),
                           ("events = \"events.csv\"", "events = \"\(data.appendingPathComponent("events.csv").path)\""),
                           ("confidence_level = 0.95", "confidence_level = 0.9"),
                           ("significance_level = 0.05", "significance_level = 0.1"),
                           ("follow_up_months = 12", "follow_up_months = 9"),
                           ("court_lag_months = 6", "court_lag_months = 3")] {
            XCTAssertTrue(plan.contains(from), from)
            plan = plan.replacingOccurrences(of: from, with: to)
        }
        let planFile = dir.appendingPathComponent("plan.toml")
        try plan.write(to: planFile, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try tool.run(["evaluate", planFile.path, "--out", out.path, "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Reduction           90% CI"), r.stdout)
        XCTAssertTrue(r.stdout.contains("reconviction events within 9 months of release (proven by the end of a further 3 months), compared with"), r.stdout)
        XCTAssertTrue(r.stdout.contains("with 90% confidence"), r.stdout)
        for phrase in ["95% CI", "95% confidence", "within a year"] { XCTAssertFalse(r.stdout.contains(phrase), phrase) }
        let markdown = try text(out.appendingPathComponent("report.md"))
        XCTAssertTrue(markdown.contains("| Reduction | 90% CI (log rate ratio) |"), markdown)
        XCTAssertTrue(markdown.contains("| Statistic | Estimate | 90% interval |"), markdown)
        XCTAssertTrue(markdown.contains("within 9 months of release"), markdown)
        for phrase in ["95% CI", "95% interval", "95% confidence", "within a year"] { XCTAssertFalse(markdown.contains(phrase), phrase) }
    }
}
