import Foundation
import XCTest
import Reporting
import TestSupport

/// `counterfactual verify A --against B`: the three verdicts (identical, equivalent, different),
/// tampered folders, and the environment members of the manifest (BLAS, LAPACK, CPU model).
final class VerifyAgainstTests: XCTestCase {
    let tool = CommandLineTool()
    let covariates = "age,educ,race,married,nodegree,re74,re75"

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Two runs of the same match, in `dir/a` and `dir/b`.
    func twoRuns(in dir: URL) throws -> (URL, URL) {
        let (a, b) = (dir.appendingPathComponent("a"), dir.appendingPathComponent("b"))
        for out in [a, b] {
            let r = try tool.run(["match", "Datasets/lalonde.csv", "--treatment", "treat", "--covariates", covariates,
                                  "--ratio", "2", "--out", out.path, "--quiet"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        return (a, b)
    }

    /// Rewrites `file` in `folder` with `change` applied and records its new SHA-256 in the
    /// manifest, so the folder is intact but holds other values (as another run would).
    func rewrite(_ folder: URL, _ file: String, _ change: (String) -> String) throws {
        let url = folder.appendingPathComponent(file)
        let before = try String(contentsOf: url, encoding: .utf8)
        let after = change(before)
        XCTAssertNotEqual(before, after, "the test must change \(file)")
        try after.write(to: url, atomically: true, encoding: .utf8)
        let manifestURL = folder.appendingPathComponent("manifest.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        manifest["outputs"] = try (manifest["outputs"] as! [[String: String]]).map { o in
            var o = o
            if o["path"] == file { o["sha256"] = try sha256(ofFile: url.path) }
            return o
        }
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
    }

    /// Replaces cell `column` of data row `row` (1 = first line after the header) of a CSV text.
    func replacingCell(_ text: String, row: Int, column: String, _ change: (String) -> String) -> String {
        var lines = text.components(separatedBy: "\n")
        let k = lines[0].components(separatedBy: ",").firstIndex(of: column)!
        var cells = lines[row].components(separatedBy: ",")
        cells[k] = change(cells[k])
        lines[row] = cells.joined(separator: ",")
        return lines.joined(separator: "\n")
    }

    func testManifestRecordsTheLoadedLibrariesAndCPU() throws {
        let dir = try temporaryFolder()
        let (a, _) = try twoRuns(in: dir)
        let manifest = try Manifest.read(path: a.appendingPathComponent("manifest.json").path)
        #if os(Linux)
        for library in [manifest.blas, manifest.lapack] {
            let path = try XCTUnwrap(library?.path)
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
            // The real file, not the alternatives' link.
            XCTAssertEqual(URL(fileURLWithPath: path).resolvingSymlinksInPath().path, path)
            XCTAssertNotNil(library?.version, path)
        }
        XCTAssertTrue(manifest.blas!.path.contains("blas"), manifest.blas!.path)
        XCTAssertTrue(manifest.lapack!.path.contains("lapack"), manifest.lapack!.path)
        XCTAssertNotNil(manifest.cpuModel)
        #endif
        // The members are in the file as documented, and a manifest written before they existed
        // still reads (as nil) and its folder still verifies.
        let url = a.appendingPathComponent("manifest.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        XCTAssertNotNil(json["cpu_model"])
        XCTAssertNotNil(json["blas"] as? [String: Any])
        XCTAssertEqual(Set((json["lapack"] as! [String: Any]).keys), ["path", "version", "debian_package", "openblas_config"])
        for key in ["cpu_model", "blas", "lapack"] { json[key] = nil }
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        XCTAssertNil(try Manifest.read(path: url.path).blas)
        let v = try tool.run(["verify", a.path])
        XCTAssertEqual(v.status, 0, v.stderr)
    }

    func testIdentical() throws {
        let dir = try temporaryFolder()
        let (a, b) = try twoRuns(in: dir)
        let r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("identical: all 2 output files byte for byte equal"), r.stdout)
        XCTAssertTrue(r.stdout.contains("first folder (\(a.path)): BLAS "), r.stdout)
        XCTAssertTrue(r.stdout.contains("LAPACK "), r.stdout)
    }

    func testEquivalentNamesTheLargestDifference() throws {
        let dir = try temporaryFolder()
        let (a, b) = try twoRuns(in: dir)
        // Two distances moved by relative 1e-15 and 4e-12 (a BLAS's last bits), one JSON number by 1e-13.
        var shown = ("", "")
        try rewrite(b, "matches.csv") { text in
            let once = replacingCell(text, row: 2, column: "distance") { String(Double($0)! * (1 + 1e-15)) }
            return replacingCell(once, row: 5, column: "distance") { cell in
                let moved = String(Double(cell)! * (1 + 4e-12))
                shown = (cell, moved)
                return moved
            }
        }
        try rewrite(b, "summary.json") { $0.replacingOccurrences(of: "\"tolerance\": 1e-08", with: "\"tolerance\": 1.0000000000001e-08") }
        let r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("equivalent: 2 of 2 output files differ (matches.csv, summary.json)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("largest relative difference 4e-12: matches.csv, row 5 (line 6), column distance: \(shown.0) in the first, \(shown.1) in the second"), r.stdout)
        XCTAssertTrue(r.stdout.contains("BLAS "), r.stdout)
    }

    func testDifferentNamesTheFirstBreakingDifference() throws {
        let dir = try temporaryFolder()
        let (a, b) = try twoRuns(in: dir)
        let copy = dir.appendingPathComponent("c")
        try FileManager.default.copyItem(at: b, to: copy)

        // A number beyond 1e-9 relative.
        try rewrite(b, "matches.csv") { replacingCell($0, row: 3, column: "distance") { String(Double($0)! * (1 + 1e-7)) } }
        var r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stderr.contains("different: matches.csv differs at row 3 (line 4), column distance:"), r.stderr)
        XCTAssertTrue(r.stderr.contains("more than 1e-09"), r.stderr)

        // A matched set (an integer subclass) and a count in JSON must be equal, however close.
        try FileManager.default.removeItem(at: b)
        try FileManager.default.copyItem(at: copy, to: b)
        try rewrite(b, "matches.csv") { replacingCell($0, row: 1, column: "subclass") { String(Int($0)! + 1) } }
        r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stderr.contains("different: matches.csv differs at row 1 (line 2), column subclass: 1 in the first, 2 in the second"), r.stderr)

        try rewrite(copy, "summary.json") { $0.replacingOccurrences(of: "\"rows_used\": 614", with: "\"rows_used\": 613") }
        r = try tool.run(["verify", a.path, "--against", copy.path])
        XCTAssertEqual(r.status, 1, r.stdout)
        XCTAssertTrue(r.stderr.contains("different: summary.json differs at JSON path /data/rows_used: 614 in the first, 613 in the second"), r.stderr)

        // Runs of different inputs are different whatever their outputs.
        let other = dir.appendingPathComponent("other")
        XCTAssertEqual(try tool.run(["match", "Datasets/lalonde.csv", "--treatment", "treat", "--covariates", covariates,
                                     "--ratio", "1", "--out", other.path, "--quiet"]).status, 0)
        r = try tool.run(["verify", a.path, "--against", other.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("different: matches.csv differs at row "), r.stderr)
    }

    func testTamperedFolderIsAnErrorNotAVerdict() throws {
        let dir = try temporaryFolder()
        let (a, b) = try twoRuns(in: dir)
        // Changed without its hash: verify refuses to compare, whichever side it is on.
        let matches = b.appendingPathComponent("matches.csv")
        let text = try String(contentsOf: matches, encoding: .utf8)
        try text.replacingOccurrences(of: ",matched\n", with: ",unmatched\n").write(to: matches, atomically: true, encoding: .utf8)
        for (x, y) in [(a, b), (b, a)] {
            let r = try tool.run(["verify", x.path, "--against", y.path])
            XCTAssertEqual(r.status, 65, r.stdout + r.stderr)
            XCTAssertTrue(r.stderr.contains("\(b.path) does not match its manifest"), r.stderr)
            XCTAssertTrue(r.stderr.contains("matches.csv changed after it was written"), r.stderr)
        }
        try text.write(to: matches, atomically: true, encoding: .utf8)
        try "mine".write(to: a.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        var r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("did not write (not in the manifest): notes.txt"), r.stderr)
        try FileManager.default.removeItem(at: a.appendingPathComponent("notes.txt"))
        try FileManager.default.removeItem(at: b.appendingPathComponent("summary.json"))
        r = try tool.run(["verify", a.path, "--against", b.path])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("summary.json is listed in the manifest but missing"), r.stderr)
        r = try tool.run(["verify", a.path, "--against", dir.path])
        XCTAssertEqual(r.status, 66, r.stderr)
    }
}
