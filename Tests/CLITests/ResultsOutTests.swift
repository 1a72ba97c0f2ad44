import Foundation
import XCTest
import TestSupport

/// `--xlsx` and `--with-data`, run through the built executable.
final class ResultsOutTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func manifestOutputs(_ folder: URL) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("manifest.json"))) as! [String: Any]
        return (json["outputs"] as! [[String: Any]]).map { $0["path"] as! String }
    }

    /// The workbook is listed in the manifest, verified, and the same bytes on a second run; the
    /// run's other files are those of a run without --xlsx.
    func testWorkbookIsListedVerifiedAndReproducible() throws {
        let plain = try temporaryFolder(), a = try temporaryFolder(), b = try temporaryFolder()
        let args = ["ratecard", "Datasets/rate-card-example/plan.toml"]
        XCTAssertEqual(try tool.run(args + ["--out", plain.path, "--quiet"]).status, 0)
        let r = try tool.run(args + ["--out", a.path, "--quiet", "--xlsx"])
        XCTAssertEqual(r.status, 0, r.stderr)
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertEqual(try tool.run(args + ["--out", b.path, "--quiet", "--xlsx"]).status, 0)
        XCTAssertEqual(try manifestOutputs(a), ["ledger.json", "ledger.csv", "workbook.xlsx"])
        let bytes = try Data(contentsOf: a.appendingPathComponent("workbook.xlsx"))
        XCTAssertEqual(bytes.prefix(2), Data("PK".utf8))
        XCTAssertEqual(bytes, try Data(contentsOf: b.appendingPathComponent("workbook.xlsx")))
        for file in ["ledger.json", "ledger.csv"] {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(file)), try Data(contentsOf: plain.appendingPathComponent(file)), file)
        }
        let v = try tool.run(["verify", a.path])
        XCTAssertEqual(v.status, 0, v.stderr)
        // A changed workbook is caught.
        var changed = bytes
        changed[changed.count - 30] ^= 1
        try changed.write(to: a.appendingPathComponent("workbook.xlsx"))
        let bad = try tool.run(["verify", a.path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("workbook.xlsx: changed after it was written"), bad.stderr)
    }

    func testMatchWorkbookAndWithData() throws {
        let folder = try temporaryFolder()
        let csv = folder.appendingPathComponent("cohort.csv")
        // A quoted text column with commas and quotes, a column named like one of matches.csv's
        // own (weight), a missing cell and a number written with trailing zeros.
        var text = "id,treat,x,weight,note\n"
        let xs = [1.0, 2.5, 3.25, 0.5, 4.0, 2.0, 3.0, 1.5, 2.75, 3.5]
        for (k, x) in xs.enumerated() {
            let note = k == 0 ? "\"a, \"\"quoted\"\" note\"" : (k == 1 ? "" : "n\(k)")
            text += "P\(k),\(k % 2),\(x),\(k == 2 ? "NA" : "1.50"),\(note)\n"
        }
        try Data(text.utf8).write(to: csv)
        let out = folder.appendingPathComponent("out")
        let r = try tool.run(["match", csv.path, "--treatment", "treat", "--covariates", "x", "--id", "id",
                              "--out", out.path, "--quiet", "--with-data", "--xlsx"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOf: out.appendingPathComponent("matches.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "row,id,treat,distance,weight,subclass,status,input_id,input_treat,x,input_weight,note")
        XCTAssertEqual(lines.count, 11)
        XCTAssertTrue(lines[1].hasSuffix(",P0,0,1.0,1.50,\"a, \"\"quoted\"\" note\""), lines[1])
        XCTAssertTrue(lines[2].hasSuffix(",P1,1,2.5,1.50,"), lines[2])
        XCTAssertTrue(lines[3].hasSuffix(",P2,0,3.25,,n2"), lines[3])
        XCTAssertEqual(try manifestOutputs(out), ["matches.csv", "summary.json", "workbook.xlsx"])
        let v = try tool.run(["verify", out.path])
        XCTAssertEqual(v.status, 0, v.stderr)

        // Without --with-data, matches.csv is what it always was.
        let plain = folder.appendingPathComponent("plain")
        XCTAssertEqual(try tool.run(["match", csv.path, "--treatment", "treat", "--covariates", "x", "--id", "id",
                                     "--out", plain.path, "--quiet"]).status, 0)
        let plainLines = try String(contentsOf: plain.appendingPathComponent("matches.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(plainLines[0], "row,id,treat,distance,weight,subclass,status")
        for (p, w) in zip(plainLines, lines) { XCTAssertTrue(w.hasPrefix(p + ","), "\(w) extends \(p)") }
    }
}
