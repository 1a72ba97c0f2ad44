import Foundation
import XCTest
import TestSupport

final class RateCardCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func testExampleLedgerAndErrors() throws {
        let out = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let r = try tool.run(["ratecard", "Datasets/rate-card-example/plan.toml", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        // The hand-worked totals of Datasets/rate-card-example/README.md.
        XCTAssertTrue(r.stdout.contains("13 paid (£13,833.32)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("8 delivered unpaid beyond the cap"), r.stdout)
        let claims = try FixtureTable(contentsOf: out.appendingPathComponent("ledger.csv"))
        XCTAssertEqual(claims.rows.count, 26)
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)

        let dir = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let plan = dir.appendingPathComponent("plan.toml")
        try Data("name = \"x\"\n[[payer]]\nname = \"a\"\nshare = 0.5\n".utf8).write(to: plan)
        let bad = try tool.run(["ratecard", plan.path, "--out", dir.path])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains(plan.path), bad.stderr)
    }
}
