import Foundation
import XCTest
import TestSupport

final class VerifyCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testManifestAndVerify() throws {
        let dir = try temporaryFolder()
        // Work on a copy of the data so the test can change it.
        let data = dir.appendingPathComponent("lalonde.csv")
        try FileManager.default.copyItem(at: Fixtures.dataset("lalonde.csv"), to: data)
        let out = dir.appendingPathComponent("out")
        let run = try tool.run(["match", data.path, "--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75",
                                "--ratio", "2", "--out", out.path, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["arguments"] as! [String]).first, "match")
        XCTAssertEqual((manifest["outputs"] as! [[String: String]]).map { $0["path"]! }, ["matches.csv", "summary.json"])
        XCTAssertEqual(((manifest["inputs"] as! [[String: String]])[0]["sha256"])?.count, 64)
        XCTAssertNotNil((manifest["timings_seconds"] as! [String: Double])["propensity"])

        let ok = try tool.run(["verify", out.path])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertTrue(ok.stdout.hasPrefix("verified: 2 output files reproduced bit for bit"), ok.stdout)

        // A changed output is found and the differing line shown.
        let matches = out.appendingPathComponent("matches.csv")
        var lines = try String(contentsOf: matches, encoding: .utf8).components(separatedBy: "\n")
        lines[3] = lines[3].replacingOccurrences(of: ",matched", with: ",unmatched")
        try lines.joined(separator: "\n").write(to: matches, atomically: true, encoding: .utf8)
        let tampered = try tool.run(["verify", out.path])
        XCTAssertEqual(tampered.status, 1)
        XCTAssertTrue(tampered.stderr.contains("matches.csv: changed after it was written"), tampered.stderr)
        XCTAssertTrue(tampered.stderr.contains("line 4:"), tampered.stderr)

        // A changed input is reported before anything is re-run.
        try Data("id,treat\n".utf8).write(to: data)
        let changed = try tool.run(["verify", out.path])
        XCTAssertEqual(changed.status, 1)
        XCTAssertTrue(changed.stderr.contains("input data \(data.path) changed"), changed.stderr)

        let missing = try tool.run(["verify", dir.path])
        XCTAssertEqual(missing.status, 66, missing.stderr)
    }

    /// verify cannot be fooled or abused: reports are covered, the list of outputs is checked against
    /// what the command writes, foreign files are named, the recorded arguments cannot send the
    /// re-run elsewhere, and no temporary copy is left behind.
    func testVerifyCannotBeFooled() throws {
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path, "--quiet", "--report"]).status, 0)
        let manifestURL = out.appendingPathComponent("manifest.json")
        let original = try Data(contentsOf: manifestURL)
        let manifest = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        XCTAssertEqual((manifest["outputs"] as! [[String: String]]).map { $0["path"]! }, ["evaluation.json", "decisions.csv", "report.html", "report.md"])
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)
        let scratchBefore = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("counterfactual-verify-") }

        func tampered(_ change: (inout [String: Any]) -> Void) throws -> CommandLineTool.Run {
            var m = manifest
            change(&m)
            try JSONSerialization.data(withJSONObject: m).write(to: manifestURL)
            defer { try? original.write(to: manifestURL) }
            return try tool.run(["verify", out.path])
        }
        let cases: [(String, (inout [String: Any]) -> Void, String)] = [
            ("no outputs", { $0["outputs"] = [[String: String]]() }, "the command writes it but the manifest does not list it"),
            ("a second --out", { $0["arguments"] = ($0["arguments"] as! [String]) + ["--out", dir.appendingPathComponent("elsewhere").path] },
             "names 2 --out options"),
            ("not a re-runnable command", { $0["arguments"] = ["synthesize", "--rows", "10", "--out", "x.csv"] }, "not match, evaluate, ratecard or effect"),
            ("unparseable", { $0["arguments"] = ["evaluate", "--no-such-flag"] }, "cannot be parsed"),
        ]
        for (label, change, message) in cases {
            let r = try tampered(change)
            XCTAssertEqual(r.status, 1, "\(label): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(message), "\(label): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("elsewhere").path))
        // An edited report, and a file the program did not write, are named.
        let report = out.appendingPathComponent("report.md")
        let text = try String(contentsOf: report, encoding: .utf8)
        try (text + "edited\n").write(to: report, atomically: true, encoding: .utf8)
        try "mine".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let r = try tool.run(["verify", out.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("report.md: changed after it was written"), r.stderr)
        XCTAssertTrue(r.stderr.contains("did not write (not in the manifest): notes.txt"), r.stderr)
        let scratchAfter = try FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory()).filter { $0.hasPrefix("counterfactual-verify-") }
        XCTAssertEqual(Set(scratchAfter), Set(scratchBefore), "verify leaves no temporary copies")
    }

    /// `report DIR` adds the report to the manifest, and verify re-renders it from the re-run.
    func testReportCommandIsCoveredByVerify() throws {
        let dir = try temporaryFolder()
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path, "--quiet"]).status, 0)
        XCTAssertEqual(try tool.run(["report", out.path]).status, 0)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertEqual((manifest["outputs"] as! [[String: String]]).map { $0["role"]! }, ["evaluation", "decisions", "report", "report"])
        let v = try tool.run(["verify", out.path])
        XCTAssertEqual(v.status, 0, v.stderr)
    }
}
