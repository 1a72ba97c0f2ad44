import Foundation
import XCTest
import TestSupport

final class SynthesizeCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testSynthesizeIsReproducibleAndMatchable() throws {
        let dir = try temporaryFolder()
        let a = dir.appendingPathComponent("a.csv").path, b = dir.appendingPathComponent("b.csv").path
        let events = dir.appendingPathComponent("events.csv").path
        let first = try tool.run(["synthesize", "--rows", "5000", "--seed", "3", "--out", a, "--events", events])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("Wrote 5000 people"), first.stdout)
        XCTAssertEqual(try tool.run(["synthesize", "--rows", "5000", "--seed", "3", "--out", b, "--threads", "1"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))

        let covariates = "age,gender,ethnicity,offence_group,sentence_months,prior_convictions,prior_custodial,"
            + "prior_breaches,years_since_first,employed,housed,risk_score"
        let out = dir.appendingPathComponent("m")
        let match = try tool.run(["match", a, "--treatment", "treat", "--covariates", covariates, "--id", "id",
                                 "--caliper", "0.2", "--link", "linear.logit", "--out", out.path])
        XCTAssertEqual(match.status, 0, match.stderr)
        XCTAssertTrue(match.stdout.contains("offence_groupviolence"), match.stdout)
        let matches = try FixtureTable(contentsOf: out.appendingPathComponent("matches.csv"))
        XCTAssertEqual(matches.rows.count, 5000)
        XCTAssertEqual(matches.strings("id")[0], "P1")
    }

    func testInvalidOptionsExit64() throws {
        let dir = try temporaryFolder()
        let r = try tool.run(["synthesize", "--rows", "10", "--treated-share", "1.5", "--out", dir.appendingPathComponent("x.csv").path])
        XCTAssertEqual(r.status, 64, r.stderr)
        let w = try tool.run(["synthesize", "--rows", "10", "--out", "/nonexistent-folder/x.csv"])
        XCTAssertEqual(w.status, 73, w.stderr)
        XCTAssertTrue(w.stderr.contains("/nonexistent-folder/x.csv"), w.stderr)
    }
}
