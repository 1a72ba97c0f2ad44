import Foundation
import XCTest
import TestSupport

/// `counterfactual match --method exact|cem|subclass` end to end: matches.csv carries MatchIt
/// 4.7.2's subclasses and weights (Tests/Fixtures/strata), summary.json and the terminal summary
/// name the method, the manifest verifies, and settings the method does not take are refused.
final class StratificationCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static let lalonde = ["match", "Datasets/lalonde.csv", "--treatment", "treat", "--id", "id"]
    static let all = "age,educ,race,married,nodegree,re74,re75"

    /// Runs one method and checks matches.csv against the fixture, the summary and the manifest.
    func check(_ arguments: [String], fixture: String, method: String, says phrase: String) throws {
        let out = try temporaryFolder()
        let r = try tool.run(Self.lalonde + arguments + ["--out", out.path, "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Matching: \(phrase)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Balance"), r.stdout)

        let matches = try FixtureTable(contentsOf: out.appendingPathComponent("matches.csv"))
        let expected = try FixtureTable(contentsOf: Fixtures.file("strata/\(fixture).csv"))
        XCTAssertEqual(matches.integers("subclass"), expected.integers("subclass"), fixture)
        let w = matches.doubles("weight"), ew = expected.doubles("weight")
        XCTAssertEqual(w.count, ew.count)
        for i in w.indices where i < ew.count {
            XCTAssertLessThanOrEqual(relativeDifference(w[i]!, ew[i]!), 1e-12, "\(fixture) row \(i + 1)")
            XCTAssertEqual(matches.strings("status")[i], ew[i]! > 0 ? "matched" : "unmatched")
        }

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let settings = json["settings"] as! [String: Any]
        XCTAssertEqual(settings["method"] as? String, method)
        let report = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(report.contains(method), "report.md names the method")
        let verify = try tool.run(["verify", out.path])
        XCTAssertEqual(verify.status, 0, verify.stderr + verify.stdout)
    }

    func testExact() throws {
        try check(["--covariates", "educ,race,married,nodegree", "--method", "exact"],
                  fixture: "lalonde_exact_att", method: "exact", says: "exact matching on the covariates, 35 subclasses")
    }

    func testCoarsenedExact() throws {
        try check(["--covariates", Self.all, "--method", "cem", "--cutpoints", "3", "--grouping", "race=black,hispan"],
                  fixture: "lalonde_cem_all3_grouping", method: "cem", says: "coarsened exact matching, cutpoints 3, grouping on race")
        try check(["--covariates", Self.all, "--method", "cem", "--cutpoints", "age=4", "--cutpoints", "re74=0,5000,10000",
                   "--cutpoints", "educ=scott", "--cutpoints", "re75=fd", "--cutpoints", "married=0"],
                  fixture: "lalonde_cem_cutpoints", method: "cem", says: "coarsened exact matching, cutpoints age 4")
    }

    func testSubclass() throws {
        try check(["--covariates", Self.all, "--method", "subclass", "--subclass", "20", "--min-n", "3"],
                  fixture: "lalonde_subclass_20_min3", method: "subclass",
                  says: "subclassification on the distance, 20 of 20 subclasses, min_n 3")
    }

    func testSettingsTheMethodDoesNotTakeAreRefused() throws {
        let out = try temporaryFolder()
        let r = try tool.run(Self.lalonde + ["--covariates", Self.all, "--method", "exact", "--caliper", "0.2",
                                             "--out", out.appendingPathComponent("x").path])
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertTrue(r.stderr.contains("--caliper is not used by method exact"), r.stderr)
        let s = try tool.run(Self.lalonde + ["--covariates", Self.all, "--subclass", "4",
                                             "--out", out.appendingPathComponent("y").path])
        XCTAssertEqual(s.status, 64, s.stderr)
        XCTAssertTrue(s.stderr.contains("--subclass is not used by method nearest"), s.stderr)
        let c = try tool.run(Self.lalonde + ["--covariates", Self.all, "--method", "cem", "--cutpoints", "age=many",
                                             "--out", out.appendingPathComponent("z").path])
        XCTAssertEqual(c.status, 64, c.stderr)
        XCTAssertTrue(c.stderr.contains("--cutpoints 'age=many'"), c.stderr)
    }
}
