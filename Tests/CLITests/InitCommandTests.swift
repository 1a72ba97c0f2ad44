import Foundation
import TestSupport
import XCTest

final class InitCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The plan written from the bundled data is accepted by `evaluate` as written, and names the
    /// columns a person would choose.
    func testPlanFromBundledDataEvaluatesAsWritten() throws {
        let folder = try temporaryFolder()
        let plan = folder.appendingPathComponent("plan.toml")
        let r = try tool.run(["init", "Datasets/peterborough/cohort.csv", "Datasets/peterborough/events.csv", "--out", plan.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: plan, encoding: .utf8)
        for expected in [
            "id = \"id\"", "treatment = \"treat\"", "release_date = \"release_date\"", "offence_date = \"offence_date\"",
            "proven_date = \"conviction_date\"", "disposal = \"disposal\"",
            "covariates = [\"age\", \"gender\", \"ethnicity\", \"offence_group\", \"sentence_months\", \"prior_convictions\", \"prior_custodial\", \"prior_breaches\", \"years_since_first\", \"employed\", \"housed\", \"risk_score\"]",
            "# reconvictions looks like an outcome", "#   release_date: date, 2010-09-09 to 2012-09-07",
            "released_from = \"2010-09-09\"", "released_to = \"2011-09-08\"", "released_from = \"2011-09-09\"",
            "settlement = \"per_cohort\"", "bootstrap_replicates = 999", "tolerance = 1e-8", "drop_missing = false",
        ] {
            XCTAssertTrue(text.contains(expected), "missing \(expected) in\n\(text)")
        }
        let out = folder.appendingPathComponent("out")
        let evaluated = try tool.run(["evaluate", plan.path, "--out", out.path, "--quiet"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("decisions.csv").path))
    }

    func testRefusesToOverwriteWithoutForce() throws {
        let folder = try temporaryFolder()
        let plan = folder.appendingPathComponent("plan.toml")
        try "keep me\n".write(to: plan, atomically: true, encoding: .utf8)
        let fixtures = Fixtures.file("formats")
        let args = ["init", fixtures.appendingPathComponent("cohort.dta").path, fixtures.appendingPathComponent("events.sav").path,
                    "--out", plan.path]
        let refused = try tool.run(args)
        XCTAssertEqual(refused.status, 73, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("exists; give --force"), refused.stderr)
        XCTAssertEqual(try String(contentsOf: plan, encoding: .utf8), "keep me\n")
        let forced = try tool.run(args + ["--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        let text = try String(contentsOf: plan, encoding: .utf8)
        XCTAssertTrue(text.contains("drop_missing = true"), text)    // risk_score has missing values
        XCTAssertTrue(text.contains("#   gender: text, 2 values"), text)  // value labels are text
        // Never the plan over an input.
        let input = folder.appendingPathComponent("cohort.csv")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("cohort.csv"), to: input)
        let overInput = try tool.run(["init", input.path, fixtures.appendingPathComponent("events.csv").path, "--out", input.path, "--force"])
        XCTAssertEqual(overInput.status, 73, overInput.stderr)
        XCTAssertEqual(try Data(contentsOf: input), try Data(contentsOf: fixtures.appendingPathComponent("cohort.csv")))
        // No leftovers of the atomic write.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["cohort.csv", "plan.toml"])
    }

    /// Files beside the plan are named relative to it, and a Stata cohort's plan evaluates too.
    func testPlanBesideStataFilesUsesRelativePathsAndEvaluates() throws {
        let folder = try temporaryFolder()
        for name in ["cohort.dta", "events.dta"] {
            try FileManager.default.copyItem(at: Fixtures.file("formats/" + name), to: folder.appendingPathComponent(name))
        }
        let plan = folder.appendingPathComponent("plan.toml")
        let r = try tool.run(["init", folder.appendingPathComponent("cohort.dta").path, folder.appendingPathComponent("events.dta").path,
                              "--out", plan.path, "--name", "Stata \"extract\""])
        XCTAssertEqual(r.status, 0, r.stderr)
        let text = try String(contentsOf: plan, encoding: .utf8)
        XCTAssertTrue(text.contains("cohort = \"cohort.dta\""), text)
        XCTAssertTrue(text.contains("name = \"Stata \\\"extract\\\"\""), text)
        let evaluated = try tool.run(["evaluate", plan.path, "--out", folder.appendingPathComponent("out").path, "--quiet"])
        XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
    }

    func testNoDatesIsADataError() throws {
        let folder = try temporaryFolder()
        let cohort = folder.appendingPathComponent("c.csv"), events = folder.appendingPathComponent("e.csv")
        try "id,treat,age\nA,1,30\nB,0,40\n".write(to: cohort, atomically: true, encoding: .utf8)
        try "id,offence_date,conviction_date\nA,2011-01-01,2011-02-01\n".write(to: events, atomically: true, encoding: .utf8)
        let r = try tool.run(["init", cohort.path, events.path, "--out", folder.appendingPathComponent("p.toml").path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("none can be the release date"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("p.toml").path))
    }
}
