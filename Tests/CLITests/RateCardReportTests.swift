import Foundation
import XCTest
import TestSupport

final class RateCardReportTests: XCTestCase {
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

    /// `ratecard --report` and `report DIR` on a rate-card folder: the ledger by outcome and person
    /// with totals and caps, listed in the manifest and verified.
    func testRateCardReport() throws {
        let out = try temporaryFolder()
        let r = try tool.run(["ratecard", "Datasets/rate-card-example/plan.toml", "--out", out.path, "--quiet", "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try manifestOutputs(out), ["ledger.json", "ledger.csv", "report.html", "report.md"])
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        for heading in ["## By outcome", "## By person", "## By period", "## By payer", "## Caps"] {
            XCTAssertTrue(md.contains(heading), heading)
        }
        XCTAssertTrue(md.contains("£13,833.32"), md)   // total paid, as Datasets/rate-card-example/README.md
        XCTAssertTrue(md.contains("| Total |  | 26 | 13 |"), md)
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)

        let later = try temporaryFolder()
        XCTAssertEqual(try tool.run(["ratecard", "Datasets/rate-card-example/plan.toml", "--out", later.path, "--quiet"]).status, 0)
        let rep = try tool.run(["report", later.path])
        XCTAssertEqual(rep.status, 0, rep.stderr)
        XCTAssertEqual(try String(contentsOf: later.appendingPathComponent("report.md"), encoding: .utf8), md)
        let v = try tool.run(["verify", later.path])
        XCTAssertEqual(v.status, 0, v.stderr)
    }
}
