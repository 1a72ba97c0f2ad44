import Foundation
import XCTest
import TestSupport

/// `counterfactual effect` on match folders, as a user runs it: estimates against R
/// (`Scripts/fixtures-effects.R`, tolerance 1e-8 relative), a tampered folder refused, linking
/// rows by id or by the matched file only, with-replacement folders (two-way or HC3), bad options and their exit
/// codes, thread-count independence and `verify`.
final class EffectCommandTests: XCTestCase {
    let tool = CommandLineTool()
    static let covariates = "age,educ,race,married,nodegree,re74,re75"
    static let outcomes = "Tests/Fixtures/effects/lalonde_outcomes.csv"

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A match folder of lalonde, 1:1 nearest (as the R fixture's `lalonde_att`).
    func matchFolder(_ extra: [String] = ["--id", "id"]) throws -> URL {
        let out = try temporaryFolder().appendingPathComponent("match")
        let r = try tool.run(["match", "Datasets/lalonde.csv", "--treatment", "treat", "--covariates", Self.covariates,
                              "--quiet", "--out", out.path] + extra)
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    func effect(_ folder: URL, _ arguments: [String]) throws -> (CommandLineTool.Run, URL) {
        let out = try temporaryFolder().appendingPathComponent("effect")
        let r = try tool.run(["effect", folder.path, "--out", out.path] + arguments)
        return (r, out)
    }

    func document(_ folder: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("effect.json"))) as! [String: Any]
    }

    func close(_ a: Double, _ b: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(a - b) / max(abs(b), 1e-300), 1e-8, "\(what): \(a) vs R \(b)", file: file, line: line)
    }

    /// R's value of a quantity in `lalonde_att_results.csv`.
    func r(_ family: String, _ formula: String, _ vcov: String, _ quantity: String) throws -> (estimate: Double, se: Double) {
        let table = try FixtureTable(contentsOf: Fixtures.file("effects/lalonde_att_results.csv"))
        let keys = ["family", "formula", "vcov", "quantity"].map(table.index(of:))
        let row = try XCTUnwrap(table.rows.first { row in zip(keys, [family, formula, vcov, quantity]).allSatisfy { row[$0.0] == $0.1 } })
        return (table.number(row, "estimate"), table.number(row, "se"))
    }

    func testGaussianAndBinomialMatchR() throws {
        let folder = try matchFolder()
        // Gaussian, interaction model, cluster-robust by matched set (auto).
        let (run, out) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78", "--covariates", Self.covariates,
                                             "--replicates", "50"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("mean difference"), run.stdout)
        let json = try document(out)
        XCTAssertEqual(json["estimand"] as? String, "ATT")
        XCTAssertEqual(json["covariance"] as? String, "cluster")
        let po = json["potential_outcomes"] as! [String: [String: Double]]
        let p1 = try r("gaussian", "interaction", "cluster", "p1"), p0 = try r("gaussian", "interaction", "cluster", "p0")
        close(po["treated"]!["estimate"]!, p1.estimate, "p1")
        close(po["treated"]!["standard_error"]!, p1.se, "se p1")
        close(po["control"]!["estimate"]!, p0.estimate, "p0")
        close(po["control"]!["standard_error"]!, p0.se, "se p0")
        let effects = json["effects"] as! [[String: Any]]
        let d = try r("gaussian", "interaction", "cluster", "difference")
        XCTAssertEqual(effects.map { $0["measure"] as! String }, ["difference"])
        close(effects[0]["estimate"] as! Double, d.estimate, "difference")
        close(effects[0]["standard_error"] as! Double, d.se, "se difference")
        let sample = json["sample"] as! [String: Any]
        XCTAssertEqual(sample["units"] as? Int, 370)
        XCTAssertEqual(sample["clusters"] as? Int, 185)
        let bootstrap = json["bootstrap"] as! [String: Any]
        XCTAssertEqual(bootstrap["replicates"] as? Int, 50)
        XCTAssertEqual(bootstrap["resampled"] as? String, "matched sets")

        // Binomial with HC3: risk difference, log risk ratio and log odds ratio.
        let (binary, binaryOut) = try effect(folder, ["--data", Self.outcomes, "--outcome", "employed78", "--family", "binomial",
                                                      "--covariates", Self.covariates, "--vcov", "hc3", "--replicates", "0"])
        XCTAssertEqual(binary.status, 0, binary.stderr)
        let bj = try document(binaryOut)
        XCTAssertTrue(bj["bootstrap"] is NSNull)
        let be = bj["effects"] as! [[String: Any]]
        XCTAssertEqual(be.map { $0["label"] as! String }, ["risk difference", "risk ratio", "odds ratio"])
        for (k, quantity) in ["difference", "log_ratio", "log_odds_ratio"].enumerated() {
            let expected = try r("binomial", "interaction", "HC3", quantity)
            let estimate = be[k]["estimate"] as! Double
            close(k == 0 ? estimate : log(estimate), expected.estimate, quantity)
            close(be[k]["standard_error"] as! Double, expected.se, "se " + quantity)
        }
        // Poisson without covariates: rate ratio.
        let (count, countOut) = try effect(folder, ["--data", Self.outcomes, "--outcome", "count78", "--family", "poisson",
                                                    "--replicates", "0"])
        XCTAssertEqual(count.status, 0, count.stderr)
        let ce = try document(countOut)["effects"] as! [[String: Any]]
        let rr = try r("poisson", "treat", "cluster", "log_ratio")
        close(log(ce[1]["estimate"] as! Double), rr.estimate, "log rate ratio")
        close(ce[1]["standard_error"] as! Double, rr.se, "se log rate ratio")

        // verify re-runs the effect command and reproduces it bit for bit.
        let v = try tool.run(["verify", out.path])
        XCTAssertEqual(v.status, 0, v.stderr + v.stdout)
    }

    func testTamperedFolderIsRefused() throws {
        let folder = try matchFolder()
        let matches = folder.appendingPathComponent("matches.csv")
        var text = try String(contentsOf: matches, encoding: .utf8)
        let range = try XCTUnwrap(text.range(of: ",1,1,matched"))
        text.replaceSubrange(range, with: ",2,1,matched")
        try Data(text.utf8).write(to: matches)
        let (r, out) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78"])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("does not match its manifest"), r.stderr)
        XCTAssertTrue(r.stderr.contains("matches.csv changed after it was written"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        // A folder that is not a match folder: no manifest (66).
        let empty = try temporaryFolder()
        let (none, _) = try effect(empty, ["--data", Self.outcomes, "--outcome", "re78"])
        XCTAssertEqual(none.status, 66, none.stderr)
    }

    func testRowsLinkByIdOrOnlyToTheMatchedFile() throws {
        let folder = try matchFolder([])
        // No id column: another file is refused ...
        let (other, _) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78", "--replicates", "0"])
        XCTAssertEqual(other.status, 65, other.stderr)
        XCTAssertTrue(other.stderr.contains("has no id column"), other.stderr)
        // ... the matched file itself links by row, with the same result as linking by id.
        let (same, sameOut) = try effect(folder, ["--data", "Datasets/lalonde.csv", "--outcome", "re78", "--replicates", "0"])
        XCTAssertEqual(same.status, 0, same.stderr)
        let d = try r("gaussian", "treat", "cluster", "difference")
        let effects = try document(sameOut)["effects"] as! [[String: Any]]
        close(effects[0]["estimate"] as! Double, d.estimate, "difference")
        close(effects[0]["standard_error"] as! Double, d.se, "se difference")
        // A data file whose treatment disagrees with the match is refused.
        let tmp = try temporaryFolder()
        var text = try String(contentsOf: Fixtures.dataset("lalonde.csv"), encoding: .utf8)
        text = text.replacingOccurrences(of: "NSW1,1,", with: "NSW1,0,")
        let edited = tmp.appendingPathComponent("edited.csv")
        try Data(text.utf8).write(to: edited)
        let byID = try matchFolder()
        let (wrong, _) = try effect(byID, ["--data", edited.path, "--outcome", "re78", "--replicates", "0"])
        XCTAssertEqual(wrong.status, 65, wrong.stderr)
        XCTAssertTrue(wrong.stderr.contains("is not the one that was matched"), wrong.stderr)
    }

    /// After matching with replacement the sets come from pairs.csv: the two-way covariance by
    /// matched set and unit by default, HC3 on request, and no bootstrap.
    func testWithReplacementIsTwoWayOrHC3AndNoBootstrap() throws {
        let folder = try matchFolder(["--id", "id", "--replace", "--ratio", "2"])
        let (boot, _) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78"])
        XCTAssertEqual(boot.status, 65, boot.stderr)
        XCTAssertTrue(boot.stderr.contains("matched with replacement"), boot.stderr)
        XCTAssertTrue(boot.stderr.contains("--replicates 0"), boot.stderr)
        let (twoWay, twoWayOut) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78", "--replicates", "0"])
        XCTAssertEqual(twoWay.status, 0, twoWay.stderr)
        XCTAssertEqual(try document(twoWayOut)["covariance"] as? String, "set and unit")
        let (ok, out) = try effect(folder, ["--data", Self.outcomes, "--outcome", "re78", "--vcov", "HC3", "--replicates", "0"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try document(out)["covariance"] as? String, "HC3")
    }

    func testBadOptionsAreRefused() throws {
        let folder = try matchFolder()
        let base = ["--data", Self.outcomes, "--outcome", "re78"]
        for (extra, text) in [(["--replicates", "5"], "--replicates"), (["--level", "1.5"], "--level"),
                              (["--level", "0.2"], "--level"), (["--family", "gamma"], "--family"),
                              (["--vcov", "HC1"], "--vcov"), (["--covariates", "age,age"], "twice"),
                              (["--covariates", "re78"], "outcome"), (["--categorical", "educ"], "--categorical")] {
            let (r, _) = try effect(folder, base + extra)
            XCTAssertEqual(r.status, 64, "\(extra): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(text), "\(extra): \(r.stderr)")
        }
        // An output inside the match folder, or the match folder itself (73).
        for inside in [folder.appendingPathComponent("effect").path, folder.path] {
            let r = try tool.run(["effect", folder.path, "--out", inside] + base)
            XCTAssertEqual(r.status, 73, r.stderr)
        }
        // Data problems: a missing column (65), a non-binary outcome for the binomial family (70).
        let (missing, _) = try effect(folder, ["--data", Self.outcomes, "--outcome", "nothere"])
        XCTAssertEqual(missing.status, 65, missing.stderr)
        let (binary, _) = try effect(folder, base + ["--family", "binomial", "--replicates", "0"])
        XCTAssertEqual(binary.status, 70, binary.stderr)
        XCTAssertTrue(binary.stderr.contains("not 0 or 1"), binary.stderr)
    }

    /// effect.json is the same bytes for 1 and 3 threads (the bootstrap's replicates and summaries).
    func testThreadCountDoesNotChangeResults() throws {
        let folder = try matchFolder()
        var documents: [Data] = []
        for threads in ["1", "3"] {
            let out = try temporaryFolder().appendingPathComponent("effect")
            let process = Process()
            process.executableURL = CommandLineTool.productsDirectory.appendingPathComponent("counterfactual")
            process.arguments = ["effect", folder.path, "--data", Self.outcomes, "--outcome", "re78",
                                 "--covariates", Self.covariates, "--replicates", "30", "--quiet", "--out", out.path]
            process.currentDirectoryURL = Fixtures.repositoryRoot
            process.environment = ProcessInfo.processInfo.environment.merging(["COUNTERFACTUAL_THREADS": threads]) { $1 }
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
            documents.append(try Data(contentsOf: out.appendingPathComponent("effect.json")))
        }
        XCTAssertEqual(documents[0], documents[1])
    }
}
