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
}
