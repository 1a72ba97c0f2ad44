import Foundation
import XCTest
import TestSupport

/// Runs the built `counterfactual` executable as a user would.
final class MatchCommandTests: XCTestCase {
    func run(_ arguments: [String]) throws -> CommandLineTool.Run {
        try CommandLineTool().run(arguments)
    }

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func writeCSV(_ text: String, in folder: URL, name: String = "cohort.csv") throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    static let lalondeArguments = ["match", "Datasets/lalonde.csv", "--treatment", "treat",
                                   "--covariates", "age,educ,race,married,nodegree,re74,re75", "--id", "id"]

    /// The README's main command: outputs agree with MatchIt's nn_1to1 fixture.
    func testLalondeDefaultMatchesMatchIt() throws {
        let out = try temporaryFolder()
        let r = try run(Self.lalondeArguments + ["--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Balance"), r.stdout)
        XCTAssertTrue(r.stdout.contains("racehispan"), r.stdout)

        let matches = try FixtureTable(contentsOf: out.appendingPathComponent("matches.csv"))
        XCTAssertEqual(matches.header, ["row", "id", "treat", "distance", "weight", "subclass", "status"])
        XCTAssertEqual(matches.rows.count, 614)
        let expected = try FixtureTable(contentsOf: Fixtures.file("matchit/nn_1to1/matches.csv"))
        XCTAssertEqual(matches.integers("subclass"), expected.integers("subclass"))
        XCTAssertEqual(matches.strings("id").first, "NSW1")
        let w = matches.doubles("weight"), ew = expected.doubles("weight")
        let d = matches.doubles("distance"), ed = expected.doubles("distance")
        XCTAssertEqual(w.count, ew.count, "fixture and result lengths")
        guard w.count == ew.count, d.count == ed.count else { return }
        for i in w.indices {
            XCTAssertLessThanOrEqual(relativeDifference(w[i]!, ew[i]!), 1e-12)
            XCTAssertLessThanOrEqual(relativeDifference(d[i]!, ed[i]!), 1e-8)
        }

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        let propensity = json["propensity"] as! [String: Any]
        let coefficients = propensity["coefficients"] as! [String: Double]
        let glm = try FixtureTable(contentsOf: Fixtures.file("glm/lalonde_logit_coefficients.csv"))
        XCTAssertEqual(coefficients.count, glm.rows.count, "fixture and result lengths")
        for (term, estimate) in zip(glm.strings("term"), glm.doubles("estimate")) {
            XCTAssertLessThanOrEqual(relativeDifference(coefficients[term]!, estimate!), 1e-8, term)
        }
        let counts = json["counts"] as! [String: [String: Double]]
        XCTAssertEqual(counts["matched"]!["treated"], 185)
        XCTAssertEqual(counts["matched"]!["control"], 185)
        let balance = json["balance"] as! [[String: Any]]
        XCTAssertEqual(balance.map { $0["covariate"] as! String },
                       ["distance", "age", "educ", "raceblack", "racehispan", "racewhite", "married", "nodegree", "re74", "re75"])
        let after = try FixtureTable(contentsOf: Fixtures.file("matchit/nn_1to1/balance_matched.csv"))
        let smd = after.doubles("std_mean_diff")
        XCTAssertEqual(balance.count, smd.count, "fixture and result lengths")
        guard balance.count == smd.count else { return }
        for (k, row) in balance.enumerated() {
            XCTAssertEqual(row["smd_after"] as! Double, smd[k]!, accuracy: 1e-6, "\(row["covariate"]!)")
        }
        let settings = json["settings"] as! [String: Any]
        XCTAssertEqual(settings["order"] as? String, "largest")
    }

    /// Same inputs, same bytes.
    func testOutputIsReproducible() throws {
        let a = try temporaryFolder(), b = try temporaryFolder()
        let args = Self.lalondeArguments + ["--ratio", "2", "--caliper", "0.25", "--link", "linear.logit"]
        XCTAssertEqual(try run(args + ["--out", a.path]).status, 0)
        XCTAssertEqual(try run(args + ["--out", b.path]).status, 0)
        for file in ["matches.csv", "summary.json"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(file)), try Data(contentsOf: b.appendingPathComponent(file)), file)
        }
    }

    func testDataErrorsNameFileLineAndColumnAndExit65() throws {
        let dir = try temporaryFolder()
        let cases: [(String, [String], String)] = [
            ("t,x\n0,1\n1,2\n0,3\n1,4\n", ["--covariates", "x,y"], "no column named 'y'"),
            ("t,x\n0,1\n1,abc\n0,3\n1,4\n", ["--covariates", "x", "--distance", "x"], "line 3, column 'x': 'abc' is not a number"),
            ("t,x\n0,1\n1,2\n2,3\n1,4\n", ["--covariates", "x"], "line 4, column 't': treatment must be 0 or 1 but is '2'"),
            ("t,x\n0,1\n1,\n0,3\n1,4\n0,5\n", ["--covariates", "x"], "column 'x': 1 missing value (first at line 3)"),
            ("t,x\n0,1\n1,NaN\n0,3\n1,4\n", ["--covariates", "x"], "line 3, column 'x': 'NaN' is not a finite number"),
            ("t,x,k\n0,1,2\n1,2,2\n0,3,2\n1,4,2\n", ["--covariates", "x,k"], "column 'k': the covariate takes a single value"),
            ("t,x\n0,1\n1,2\n0,3\n", ["--covariates", "x"], "only 1 treated unit"),
        ]
        for (k, (text, options, message)) in cases.enumerated() {
            let path = try writeCSV(text, in: dir, name: "bad\(k).csv")
            let r = try run(["match", path, "--treatment", "t", "--out", dir.appendingPathComponent("out").path] + options)
            XCTAssertEqual(r.status, 65, "case \(k): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(path), "case \(k) should name the file: \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "case \(k): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "one sentence: \(r.stderr)")
        }
    }

    func testDropMissingExcludesAndReportsRows() throws {
        let dir = try temporaryFolder()
        var text = "id,t,x\n"
        let xs = [0.1, 0.9, 0.3, 0.35, 0.6, 0.2, 0.8, 0.5, 0.45, 0.7]
        for (i, x) in xs.enumerated() { text += "u\(i),\(i % 2),\(i == 4 ? "NA" : String(x))\n" }
        let path = try writeCSV(text, in: dir)
        let r = try run(["match", path, "--treatment", "t", "--covariates", "x", "--id", "id", "--drop-missing", "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("10 read, 9 used, 1 excluded for missing values"), r.stdout)
        let matches = try FixtureTable(contentsOf: dir.appendingPathComponent("out/matches.csv"))
        XCTAssertEqual(matches.rows.count, 10)
        XCTAssertEqual(matches.strings("status")[4], "excluded")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/summary.json"))) as! [String: Any]
        let data = json["data"] as! [String: Any]
        XCTAssertEqual(data["rows_excluded_missing"] as? Int, 1)
        XCTAssertEqual((data["missing_by_column"] as! [String: Int])["x"], 1)
    }

    func testModelFailuresExit70() throws {
        let dir = try temporaryFolder()
        let path = try writeCSV("t,x\n0,1\n0,2\n0,3\n1,4\n1,5\n1,6\n", in: dir)
        let r = try run(["match", path, "--treatment", "t", "--covariates", "x", "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(r.status, 70, r.stderr)
        XCTAssertTrue(r.stderr.contains("separation") || r.stderr.contains("did not converge"), r.stderr)
    }

    func testUsageAndInputErrors() throws {
        let dir = try temporaryFolder()
        let usage = try run(["match", "Datasets/lalonde.csv", "--treatment", "treat", "--covariates", "age", "--ratio", "0", "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(usage.status, 64, usage.stderr)
        let missing = try run(["match", "no/such/file.csv", "--treatment", "t", "--covariates", "x", "--out", dir.appendingPathComponent("out").path])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("no/such/file.csv"))
    }

    func testHelpIsComplete() throws {
        let top = try run(["--help"])
        XCTAssertEqual(top.status, 0)
        XCTAssertTrue(top.stdout.contains("match"))
        XCTAssertTrue(top.stdout.contains("Exit codes"))
        let help = try run(["match", "--help"])
        for option in ["--treatment", "--covariates", "--id", "--distance", "--link", "--estimand", "--ratio", "--replace",
                       "--caliper", "--order", "--seed", "--exact", "--discard", "--drop-missing", "--categorical", "--out"] {
            XCTAssertTrue(help.stdout.contains(option), "match --help lacks \(option)")
        }
        let version = try run(["--version"])
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "0.1.0")
    }
}
