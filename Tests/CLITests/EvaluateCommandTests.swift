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
        XCTAssertTrue(r.stdout.contains("Cohort 1: For every 100 people in the treatment group"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Total due"), r.stdout)
        // The README's worked example ("How to read the decision") quotes this headline and these rows.
        let readme = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        func words(_ s: some StringProtocol) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let headline = r.stdout.split(separator: "\n").first { $0.hasPrefix("Total due now:") }.map(String.init) ?? "missing"
        XCTAssertTrue(words(readme).contains(words(headline)), "README's headline differs from: \(headline)")
        for row in r.stdout.split(separator: "\n") where row.hasPrefix("Cohort 1 ") || row.hasPrefix("Cohort 2 ") {
            // Counts, rates, reduction, interval and p as printed (the README shortens the route column).
            let numbers = words(row.prefix { $0 != "£" }).split(separator: " ").prefix(10).joined(separator: " ")
            XCTAssertTrue(words(readme).contains(numbers), "README's row differs from: \(row)")
        }
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
        XCTAssertEqual(html.components(separatedBy: "<figure>").count - 1, 8)      // 2 cohorts x (histogram, Love plot, Gamma curve, KM)
        XCTAssertFalse(html.contains("src=\"http"), "no network fetches")
        XCTAssertFalse(html.contains("href=\"http"), "no network fetches")
        XCTAssertTrue(html.contains("Cohort 1: For every 100 people in the treatment group"))
        let markdown = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("| Cohort 1 | 113.6 | 129.0 | 12.0% |"), markdown)
        // Each cohort's balance table shows means, SMD, variance ratio and eCDF statistics before and after.
        let header = "| Covariate | Mean treated before | Mean comparison before | SMD before | Variance ratio before | eCDF mean before | "
            + "eCDF max before | Mean treated after | Mean comparison after | SMD after | Variance ratio after | eCDF mean after | eCDF max after |"
        XCTAssertEqual(markdown.components(separatedBy: header).count - 1, 2, markdown)
        // `report DIR` writes the same files from the folder alone.
        let again = try tool.run(["report", out.path])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8), html)
        XCTAssertEqual(try tool.run(["report", "/nonexistent-folder"]).status, 66)
    }

    /// decisions.csv: the decision at a glance, one row per cohort, then pooled, then total; money in
    /// pence adding up; the headline opens the terminal output.
    func testDecisionsCSVAndHeadline() throws {
        let out = try temporaryFolder().appendingPathComponent("out")
        let r = try tool.run(["evaluate", "Datasets/peterborough/plan.toml", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.split(separator: "\n")[1].hasPrefix("Total due now: £552,000.00. Cohort 1: paid by its own trigger"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Cohort 2: missed its own trigger; paid its own events avoided through the pooled trigger"), r.stdout)
        let table = try FixtureTable(contentsOf: out.appendingPathComponent("decisions.csv"))
        XCTAssertEqual(Array(table.header.prefix(12)), ["cohort", "treated", "events_treated", "events_comparison", "reduction", "ci_low",
                                                        "ci_high", "p_value", "trigger_met", "entitlement_pence", "paid_before_pence", "due_pence"])
        XCTAssertEqual(table.strings("cohort"), ["Cohort 1", "Cohort 2", "pooled", "total"])
        XCTAssertEqual(table.strings("trigger_met"), ["yes", "no", "yes", ""])
        let due = table.integers("due_pence")
        XCTAssertEqual(due[0]! + due[1]!, due[3]!)
        XCTAssertEqual(due[3], 55_200_000)
        // The interval excludes 0 exactly when p < 0.05, row by row.
        for row in 0..<3 {
            let low = table.doubles("ci_low")[row]!, high = table.doubles("ci_high")[row]!, p = table.doubles("p_value")[row]!
            XCTAssertEqual(low > 0 || high < 0, p < 0.05, "row \(row)")
        }
        XCTAssertTrue(r.stdout.contains("decisions.csv"), "the terminal lists every file written")
    }

    /// A missing plan is a missing input (66); a rate-card plan given to evaluate points to ratecard.
    func testWrongPlanSaysWhatToDo() throws {
        let dir = try temporaryFolder()
        let missing = try tool.run(["evaluate", dir.appendingPathComponent("no-plan.toml").path, "--out", dir.appendingPathComponent("o").path])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        let card = try tool.run(["evaluate", "Datasets/rate-card-example/plan.toml", "--out", dir.appendingPathComponent("o").path])
        XCTAssertEqual(card.status, 65, card.stderr)
        XCTAssertTrue(card.stderr.contains("this is a rate-card plan"), card.stderr)
        XCTAssertTrue(card.stderr.contains("counterfactual ratecard"), card.stderr)
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

/// Outcome-blind matching: `--stage matching` never opens the events file; `--matched` scores on the
/// frozen sets and refuses when the data or the plan's matching sections changed, or the frozen
/// files were edited.
final class EvaluationStageTests: XCTestCase {
    let tool = CommandLineTool()

    func testMatchingStageThenScoringEqualsOneRun() throws {
        let dir = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let source = Fixtures.repositoryRoot.appendingPathComponent("Datasets/peterborough")
        let plan = try String(contentsOf: source.appendingPathComponent("plan.toml"), encoding: .utf8)
            .replacingOccurrences(of: "events = \"events.csv\"", with: "events = \"later.csv\"")
        let planURL = dir.appendingPathComponent("plan.toml")
        try plan.write(to: planURL, atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: source.appendingPathComponent("cohort.csv"), to: dir.appendingPathComponent("cohort.csv"))

        // The events file does not exist yet: the matching stage must not need it.
        let stage = dir.appendingPathComponent("matching")
        let m = try tool.run(["evaluate", planURL.path, "--stage", "matching", "--out", stage.path])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stdout.contains("without opening the events file"), m.stdout)
        for file in ["matching.json", "matched-sets.csv", "manifest.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: stage.appendingPathComponent(file).path), file)
        }
        XCTAssertEqual(try tool.run(["verify", stage.path]).status, 0)

        try FileManager.default.copyItem(at: source.appendingPathComponent("events.csv"), to: dir.appendingPathComponent("later.csv"))
        let scored = dir.appendingPathComponent("scored")
        let s = try tool.run(["evaluate", planURL.path, "--matched", stage.path, "--out", scored.path, "--quiet"])
        XCTAssertEqual(s.status, 0, s.stderr)
        let oneRun = dir.appendingPathComponent("one-run")
        XCTAssertEqual(try tool.run(["evaluate", planURL.path, "--out", oneRun.path, "--quiet"]).status, 0)
        // Every number identical (the frozen sets round-trip exactly); the scored run names its frozen input.
        func members(_ folder: URL) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("evaluation.json"))) as! [String: Any]
        }
        let a = try members(scored), b = try members(oneRun)
        for key in ["cohorts", "pooled", "payments", "outcome", "rows_outside_cohorts"] {
            XCTAssertEqual(a[key] as? NSObject, b[key] as? NSObject, key)
        }
        XCTAssertEqual((a["assignment"] as? [String: Any])?["scored_on_frozen_matches"] as? Bool, true)
        XCTAssertEqual((b["assignment"] as? [String: Any])?["scored_on_frozen_matches"] as? Bool, false)
        XCTAssertTrue((a["inputs"] as! [[String: Any]]).contains { $0["role"] as? String == "matched" })
        let v = try tool.run(["verify", scored.path])
        XCTAssertEqual(v.status, 0, v.stderr)

        // A changed [matching] section is refused, naming the section.
        try plan.replacingOccurrences(of: "caliper = 0.2 ", with: "caliper = 0.25").write(to: planURL, atomically: true, encoding: .utf8)
        var r = try tool.run(["evaluate", planURL.path, "--matched", stage.path, "--out", scored.path, "--quiet"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("the plan's [matching] section has changed since the matching stage"), r.stderr)
        // Changing the events file name or the contract terms is fine: they are not matching sections.
        try plan.replacingOccurrences(of: "price_per_event = 2000.0", with: "price_per_event = 2500.0")
            .write(to: planURL, atomically: true, encoding: .utf8)
        XCTAssertEqual(try tool.run(["evaluate", planURL.path, "--matched", stage.path, "--out", scored.path, "--quiet"]).status, 0)
        // A changed cohort file is refused.
        let cohortURL = dir.appendingPathComponent("cohort.csv")
        let cohort = try String(contentsOf: cohortURL, encoding: .utf8)
        try (cohort + cohort.split(separator: "\n")[1] + "\n").write(to: cohortURL, atomically: true, encoding: .utf8)
        r = try tool.run(["evaluate", planURL.path, "--matched", stage.path, "--out", scored.path, "--quiet"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("cohort.csv has changed since the matching stage"), r.stderr)
        try cohort.write(to: cohortURL, atomically: true, encoding: .utf8)
        // An edited matching.json is refused.
        let frozen = stage.appendingPathComponent("matching.json")
        var text = try String(contentsOf: frozen, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"treatedInCohort\" : 942", with: "\"treatedInCohort\" : 943")
        try text.write(to: frozen, atomically: true, encoding: .utf8)
        r = try tool.run(["evaluate", planURL.path, "--matched", stage.path, "--out", scored.path, "--quiet"])
        XCTAssertEqual(r.status, 65)
        XCTAssertTrue(r.stderr.contains("matching.json has changed since the matching stage wrote it"), r.stderr)
        // Both halves at once is a usage error.
        XCTAssertEqual(try tool.run(["evaluate", planURL.path, "--stage", "matching", "--matched", stage.path, "--out", scored.path]).status, 64)
    }
}
