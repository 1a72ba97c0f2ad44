import Foundation
import XCTest
import TestSupport

final class EvaluateCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// The README's main command: the bundled Peterborough-style example.
    func testBundledExampleEvaluates() throws {
        let out = try temporaryFolder()
        let r = try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Cohort 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("For every 100 people in Cohort 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Total due"), r.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluation.json"))) as! [String: Any]
        let cohorts = json["cohorts"] as! [[String: Any]]
        XCTAssertEqual(cohorts.map { $0["name"] as! String }, ["Cohort 1", "Cohort 2"])
        // Input hashes agree with coreutils' sha256sum.
        let inputs = json["inputs"] as! [[String: Any]]
        for input in inputs {
            let path = input["file"] as! String
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            p.arguments = [path]
            p.currentDirectoryURL = Fixtures.repositoryRoot
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(input["sha256"] as? String, String(text.prefix(64)), path)
        }
        // Payment arithmetic is consistent, in integer pence: due = min(cap, floor(events x price)) for
        // paid cohorts (no payments made before).
        XCTAssertTrue(r.stdout.contains("Total due: £"), r.stdout)
        let payments = json["payments"] as! [String: Any]
        XCTAssertEqual(payments["currency"] as? String, "GBP")
        XCTAssertEqual(payments["settlement"] as? String, "per_cohort")
        let price = payments["price_per_event_pence"] as! Int
        XCTAssertEqual(price, 200_000)
        var total = 0
        for c in cohorts {
            let p = c["payment"] as! [String: Any]
            let due = p["due_pence"] as! Int
            let route = p["route"] as! String
            if route == "own trigger" || route.hasPrefix("catch-up") {
                let exact = (p["events_counted"] as! Double) * Double(price)
                XCTAssertEqual(Double(due), min(150_000_000, exact.rounded(.down)), accuracy: 1)
            } else {
                XCTAssertEqual(due, 0)
            }
            total += due
        }
        XCTAssertEqual(payments["total_due_pence"] as! Int, total)
        // The manifest records the plan itself, and verify reproduces the evaluation.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as! [String: Any]
        XCTAssertEqual(manifest["plan"] as? String,
                       try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Datasets/peterborough/plan.toml"), encoding: .utf8))
        let verified = try tool.run(["verify", out.path])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        // Same plan, same bytes.
        let again = try temporaryFolder()
        XCTAssertEqual(try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", again.path, "--quiet"]).status, 0)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("evaluation.json")),
                       try Data(contentsOf: again.appendingPathComponent("evaluation.json")))
    }

    /// The report is self-contained and has every section; the Markdown carries the same tables.
    func testReport() throws {
        let out = try temporaryFolder()
        let r = try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path, "--quiet", "--report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for id in ["data", "outcomes", "cohort-1", "cohort-2", "caveats"] {
            XCTAssertTrue(html.contains("id=\"\(id)\""), "section \(id)")
        }
        XCTAssertEqual(html.components(separatedBy: "<figure>").count - 1, 6)      // 2 cohorts x (histogram, Love plot, KM)
        XCTAssertFalse(html.contains("src=\"http"), "no network fetches")
        XCTAssertFalse(html.contains("href=\"http"), "no network fetches")
        XCTAssertTrue(html.contains("For every 100 people in Cohort 1"))
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| Cohort 1 | 113.6 | 129.0 | 12.0% |"), markdown)
        // `report DIR` writes the same files from the folder alone.
        let again = try tool.run(["report", out.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8), html)
        XCTAssertEqual(try tool.run(["report", "/nonexistent-folder"]).status, 73)
    }

    func testPlanErrorsExit65() throws {
        let dir = try temporaryFolder()
        let plan = dir.appendingPathComponent("plan.toml")
        try Data("name = \"x\"\n[data]\ncohort = \"c.csv\"\n".utf8).write(to: plan)
        let r = try tool.run(["evaluate", plan.path, "--out", dir.path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("[data] events is missing"), r.stderr)
    }
}
