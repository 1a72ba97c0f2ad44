import Foundation
import XCTest
import TestSupport

/// `counterfactual match --method radius|kernel|weighting` end to end on lalonde: matches.csv
/// weights equal the R references of Scripts/fixtures-methods-weights.R, summary.json names the
/// method and its settings, and `verify` reproduces the folder bit for bit.
final class MatchMethodsWeightsTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static let cases: [(fixture: String, flags: [String], tolerance: Double, settings: [String: String])] = [
        ("radius_001", ["--method", "radius", "--radius", "0.01"], 1e-12, ["radius": "0.01"]),
        ("kernel_gauss_006", ["--method", "kernel", "--kernel", "gaussian"], 1e-12, ["kernel": "gaussian", "bandwidth": "0.06"]),
        ("weighting_ate_trim095_lower", ["--method", "weighting", "--estimand", "ATE", "--trim", "0.95", "--trim-lower"], 1e-10,
         ["trim": "0.95", "trim_lower": "1"]),
    ]

    func testEachMethodEndToEnd() throws {
        for c in Self.cases {
            let out = try temporaryFolder().appendingPathComponent("out")
            let run = try tool.run(MatchCommandTests.lalondeArguments + c.flags + ["--out", out.path])
            XCTAssertEqual(run.status, 0, "\(c.fixture): \(run.stderr)")
            let matches = try FixtureTable(contentsOf: out.appendingPathComponent("matches.csv"))
            let expected = try FixtureTable(contentsOf: Fixtures.file("methods-weights/\(c.fixture).csv")).doubles("weight")
            let weights = matches.doubles("weight")
            XCTAssertEqual(weights.count, expected.count, c.fixture)
            for (w, e) in zip(weights, expected) {
                if e! == 0 { XCTAssertEqual(w, 0, c.fixture) } else {
                    XCTAssertLessThanOrEqual(relativeDifference(w!, e!), c.tolerance, c.fixture)
                }
            }
            let statuses = matches.strings("status")
            XCTAssertEqual(zip(statuses, weights).filter { $0.0 == "matched" }.count, weights.filter { $0! > 0 }.count, c.fixture)

            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
            let settings = json["settings"] as! [String: Any]
            XCTAssertEqual(settings["method"] as? String, c.flags[1], c.fixture)
            for (key, value) in c.settings {
                XCTAssertEqual("\(settings[key] ?? "absent")", value, "\(c.fixture): \(key)")  // JSON true reads back as 1
            }
            let ok = try tool.run(["verify", out.path])
            XCTAssertEqual(ok.status, 0, "\(c.fixture): \(ok.stderr)")
        }
    }

    /// `--metric mahalanobis`: the matched sets of MatchIt 4.7.2 with `mahvars`, through the CLI.
    func testMahalanobisEndToEnd() throws {
        let out = try temporaryFolder().appendingPathComponent("out")
        let run = try tool.run(MatchCommandTests.lalondeArguments + ["--metric", "mahalanobis", "--caliper", "0.2", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Mahalanobis distance on the covariates"), run.stdout)
        let matches = try FixtureTable(contentsOf: out.appendingPathComponent("matches.csv"))
        let expected = try FixtureTable(contentsOf: Fixtures.file("methods-weights/maha_lalonde_caliper02_weights.csv")).doubles("weight")
        let weights = matches.doubles("weight")
        XCTAssertEqual(weights.count, expected.count)
        for (w, e) in zip(weights, expected) {
            if e! == 0 { XCTAssertEqual(w, 0) } else { XCTAssertLessThanOrEqual(relativeDifference(w!, e!), 1e-12) }
        }
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual((json["settings"] as! [String: Any])["metric"] as? String, "mahalanobis")
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)
        let help = try tool.run(["match", "--help"])
        for option in ["--radius", "--kernel", "--bandwidth", "--trim", "--trim-lower", "--metric"] {
            XCTAssertTrue(help.stdout.contains(option), "match --help lacks \(option)")
        }
    }

    /// The weighting summary reports the effective sample sizes, as the R reference computes them.
    func testWeightingPrintsEffectiveSampleSize() throws {
        let out = try temporaryFolder().appendingPathComponent("out")
        let run = try tool.run(MatchCommandTests.lalondeArguments + ["--method", "weighting", "--out", out.path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let reference = try FixtureTable(contentsOf: Fixtures.file("methods-weights/weighting_att_balance.csv"))
        let control = String(format: "%.2f", reference.doubles("ess_control")[0]!)
        XCTAssertTrue(run.stdout.contains("effective sample size: treated 185.00, control \(control)"), run.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let ess = (json["counts"] as! [String: [String: Double]])["matched_ess"]!
        XCTAssertEqual(ess["control"]!, reference.doubles("ess_control")[0]!, accuracy: 1e-9)
    }

    /// A setting the method does not take is a usage error (exit 64) naming the flag and the method.
    func testSettingsForOtherMethodsAreRefused() throws {
        let out = try temporaryFolder().appendingPathComponent("out")
        for (flags, words) in [
            (["--bandwidth", "0.1"], "--bandwidth is not used by method nearest; remove it"),
            (["--method", "radius"], "--radius is required by method radius"),
            (["--method", "weighting", "--caliper", "0.2"], "--caliper is not used by method weighting; remove it"),
            (["--estimand", "ATE"], "--estimand must be ATT or ATC for method nearest (got ATE)"),
        ] {
            let run = try tool.run(MatchCommandTests.lalondeArguments + flags + ["--out", out.path])
            XCTAssertEqual(run.status, 64, "\(flags): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(words), "\(flags): \(run.stderr)")
        }
    }
}
