import Foundation
import XCTest
import TestSupport
import Outcomes

/// `counterfactual effect` after matching with replacement: `match` writes pairs.csv (the
/// overlapping matched sets, in the manifest and reproduced by `verify`), equal to MatchIt's
/// `match.matrix` on the synthetic cohort of `Scripts/fixtures-effects-replace.R`; `effect` then
/// gives the two-way covariance by matched set and unit equal to R (`get_matches()`,
/// `vcovCL(fit, cluster = ~subclass + id)`, 1e-8 relative), and `--se abadie-imbens` the
/// Abadie–Imbens standard error of those sets (`Outcomes.AbadieImbens`, itself equal to
/// `Matching::Match`; 1e-12 relative here).
final class EffectWithReplacementTests: XCTestCase {
    let tool = CommandLineTool()
    static let data = "Tests/Fixtures/effects/synth_replace_units.csv"
    static let covariates = "x1,x2,gb,gc"

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func close(_ a: Any?, _ b: Double, _ tolerance: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let a = a as? Double else { return XCTFail("\(what): \(String(describing: a))", file: file, line: line) }
        XCTAssertLessThanOrEqual(abs(a - b) / max(abs(b), 1e-300), tolerance, "\(what): \(a) vs \(b)", file: file, line: line)
    }

    func testPairsTwoWayCovarianceAndAbadieImbens() throws {
        let folder = try temporaryFolder()
        let match = folder.appendingPathComponent("match")
        let m = try tool.run(["match", Self.data, "--treatment", "treat", "--covariates", Self.covariates,
                              "--replace", "--ratio", "2", "--quiet", "--out", match.path])
        XCTAssertEqual(m.status, 0, m.stderr)

        // pairs.csv: MatchIt's sets, 1-based rows; listed in the manifest; verify reproduces it.
        let pairs = try FixtureTable(contentsOf: match.appendingPathComponent("pairs.csv"))
        XCTAssertEqual(pairs.header, ["subclass", "focal_row", "match_row"])
        let r = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_pairs.csv"))
        XCTAssertEqual(pairs.integers("focal_row").map { $0! - 1 }, r.integers("focal").map { $0! })
        XCTAssertEqual(pairs.integers("match_row").map { $0! - 1 }, r.integers("match").map { $0! })
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: match.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertTrue((manifest["outputs"] as! [[String: Any]]).contains { $0["path"] as? String == "pairs.csv" })
        let verify = try tool.run(["verify", match.path])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)

        // The two-way covariance (auto after matching with replacement) equals R's.
        let results = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_results.csv"))
        func rRow(_ family: String, _ formula: String, _ quantity: String) -> [String] {
            results.rows.first { row in
                zip(["family", "formula", "vcov", "quantity"], [family, formula, "set_and_unit", quantity])
                    .allSatisfy { row[results.index(of: $0.0)] == $0.1 }
            }!
        }
        for (family, covariates) in [("poisson", true), ("binomial", false), ("gaussian", true)] {
            let out = folder.appendingPathComponent("effect-\(family)")
            let e = try tool.run(["effect", match.path, "--data", Self.data, "--outcome", "y_" + family, "--family", family,
                                  "--replicates", "0", "--quiet", "--out", out.path]
                                 + (covariates ? ["--covariates", Self.covariates] : []))
            XCTAssertEqual(e.status, 0, e.stderr)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("effect.json"))) as! [String: Any]
            XCTAssertEqual(json["covariance"] as? String, "set and unit")
            XCTAssertNil(json["abadie_imbens"])
            let formula = covariates ? "interaction" : "treat"
            let po = json["potential_outcomes"] as! [String: [String: Any]]
            for (arm, quantity) in [("treated", "p1"), ("control", "p0")] {
                let row = rRow(family, formula, quantity)
                close(po[arm]?["estimate"], results.number(row, "estimate"), 1e-8, "\(family) \(quantity)")
                close(po[arm]?["standard_error"], results.number(row, "se"), 1e-8, "\(family) \(quantity) se")
            }
            for effect in json["effects"] as! [[String: Any]] {
                let quantity = ["difference": "difference", "ratio": "log_ratio", "odds_ratio": "log_odds_ratio"][effect["measure"] as! String]!
                close(effect["standard_error"], results.number(rRow(family, formula, quantity), "se"), 1e-8, "\(family) \(quantity) se")
            }
        }

        // --se abadie-imbens: the library's standard error on pairs.csv's sets.
        let out = folder.appendingPathComponent("effect-ai")
        let e = try tool.run(["effect", match.path, "--data", Self.data, "--outcome", "y_gaussian", "--replicates", "0",
                              "--se", "abadie-imbens", "--out", out.path])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("Abadie-Imbens: matching estimate"), e.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("effect.json"))) as! [String: Any]
        let ai = try XCTUnwrap(json["abadie_imbens"] as? [String: Any])
        let units = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_units.csv"))
        var focalUnits: [Int] = [], matches: [[Int]] = []
        for row in r.rows {
            let focal = Int(row[r.index(of: "focal")])!, m = Int(row[r.index(of: "match")])!
            if focalUnits.last != focal { focalUnits.append(focal); matches.append([]) }
            matches[matches.count - 1].append(m)
        }
        let expected = try AbadieImbens.standardError(
            outcome: units.doubles("y_gaussian").map { $0! }, treated: units.integers("treat").map { $0 == 1 },
            focalUnits: focalUnits, matches: matches, focalIsTreated: true)
        close(ai["estimate"], expected.estimate, 1e-12, "AI estimate")
        close(ai["standard_error"], expected.standardError, 1e-12, "AI se")
        close(ai["sample_standard_error"], expected.sampleStandardError, 1e-12, "AI sample se")
        XCTAssertEqual(ai["matched_focal_units"] as? Int, focalUnits.count)
        XCTAssertTrue((ai["score_adjustment"] as? String ?? "").hasPrefix("not applied"))
        // The matching estimate is the g-computation mean difference without covariates.
        let difference = (json["effects"] as! [[String: Any]])[0]
        close(difference["estimate"], expected.estimate, 1e-12, "mean difference")
    }

    func testAbadieImbensRefusedWithoutReplacementAndOldFoldersSayWhy() throws {
        let folder = try temporaryFolder()
        let match = folder.appendingPathComponent("match")
        XCTAssertEqual(try tool.run(["match", Self.data, "--treatment", "treat", "--covariates", Self.covariates,
                                     "--quiet", "--out", match.path]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: match.appendingPathComponent("pairs.csv").path))
        let e = try tool.run(["effect", match.path, "--data", Self.data, "--outcome", "y_gaussian", "--replicates", "0",
                              "--se", "abadie-imbens", "--out", folder.appendingPathComponent("e").path])
        XCTAssertEqual(e.status, 65, e.stderr)
        XCTAssertTrue(e.stderr.contains("--se abadie-imbens is for nearest-neighbour matching with replacement"), e.stderr)
        let bad = try tool.run(["effect", match.path, "--data", Self.data, "--outcome", "y_gaussian", "--se", "bootstrap",
                                "--out", folder.appendingPathComponent("f").path])
        XCTAssertEqual(bad.status, 64, bad.stderr)
    }
}
