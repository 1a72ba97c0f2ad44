import Foundation
import TestSupport
import XCTest

/// The same cohort and offence records as CSV, gzip-compressed CSV, Stata, SPSS and SAS transport
/// files (Tests/Fixtures/formats, written by Scripts/make-format-fixtures.py) give byte-identical
/// matches and payment decisions.
final class InputFormatTests: XCTestCase {
    let tool = CommandLineTool()
    let formats = ["csv", "csv.gz", "dta", "sav", "xpt"]

    func temporaryFolder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func fixture(_ name: String) -> String { Fixtures.file("formats/" + name).path }

    func testMatchGivesTheSameMatchesInEveryFormat() throws {
        let folder = try temporaryFolder()
        var reference: (matches: Data, summary: String)?
        for ext in formats {
            let out = folder.appendingPathComponent("match-" + ext.replacingOccurrences(of: ".", with: "-"))
            let r = try tool.run(["match", fixture("cohort." + ext), "--treatment", "treat", "--id", "id",
                                  "--covariates", "age,gender,offence_group,prior_convictions,risk_score,employed",
                                  "--drop-missing", "--caliper", "0.2", "--out", out.path])
            XCTAssertEqual(r.status, 0, "\(ext): \(r.stderr)")
            let matches = try Data(contentsOf: out.appendingPathComponent("matches.csv"))
            let summary = try String(contentsOf: out.appendingPathComponent("summary.json"), encoding: .utf8)
                .replacingOccurrences(of: fixture("cohort." + ext), with: "COHORT")
            if let reference {
                XCTAssertEqual(matches, reference.matches, "\(ext): matches.csv differs from the CSV's")
                XCTAssertEqual(Self.withoutInputs(summary), Self.withoutInputs(reference.summary), ext)
            } else {
                reference = (matches, summary)
                XCTAssertGreaterThan(matches.count, 1000)
            }
        }
    }

    func testEvaluateGivesTheSameDecisionsInEveryFormat() throws {
        let folder = try temporaryFolder()
        var reference: (decisions: Data, evaluation: String)?
        for ext in formats {
            let plan = folder.appendingPathComponent("plan-\(ext).toml")
            try Self.plan(cohort: fixture("cohort." + ext), events: fixture("events." + ext)).write(to: plan, atomically: true, encoding: .utf8)
            let out = folder.appendingPathComponent("eval-" + ext.replacingOccurrences(of: ".", with: "-"))
            let r = try tool.run(["evaluate", plan.path, "--out", out.path])
            XCTAssertEqual(r.status, 0, "\(ext): \(r.stderr)")
            // Offences of ids not in the cohort file and columns the plan does not use are counted, not fatal.
            XCTAssertTrue(r.stdout.contains("Offence records not used: 3 of ids not in the cohort file"), r.stdout)
            XCTAssertTrue(r.stdout.contains("Columns not used by the plan: 6 in the cohort file (prior_custodial, prior_breaches, years_since_first, housed, true_propensity, reconvictions); 1 in the events file (seriousness)."), r.stdout)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("evaluation.json"))) as! [String: Any]
            let assignment = json["assignment"] as! [String: Any]
            XCTAssertEqual(assignment["offences_of_unknown_ids"] as? Int, 3)
            XCTAssertEqual(assignment["unused_event_columns"] as? [String], ["seriousness"])
            XCTAssertEqual((assignment["unused_cohort_columns"] as? [String])?.count, 6)
            // Inputs are hashed as stored (the compressed bytes of a .csv.gz), as sha256sum does.
            for input in json["inputs"] as! [[String: Any]] where (input["file"] as! String).hasSuffix(ext) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
                p.arguments = [input["file"] as! String]
                let pipe = Pipe()
                p.standardOutput = pipe
                try p.run()
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                XCTAssertEqual(input["sha256"] as? String, String(text.prefix(64)), ext)
            }
            let decisions = try Data(contentsOf: out.appendingPathComponent("decisions.csv"))
            let evaluation = try String(contentsOf: out.appendingPathComponent("evaluation.json"), encoding: .utf8)
                .replacingOccurrences(of: fixture("cohort." + ext), with: "COHORT")
                .replacingOccurrences(of: fixture("events." + ext), with: "EVENTS")
                .replacingOccurrences(of: plan.path, with: "PLAN")
            if let reference {
                XCTAssertEqual(decisions, reference.decisions, "\(ext): decisions.csv differs from the CSV's")
                XCTAssertEqual(Self.withoutInputs(evaluation), Self.withoutInputs(reference.evaluation), ext)
            } else {
                reference = (decisions, evaluation)
            }
        }
    }

    /// A row/variable error from a Stata file, with the data exit code.
    func testErrorsInStatisticalFilesNameRowAndVariable() throws {
        let folder = try temporaryFolder()
        let r = try tool.run(["match", fixture("cohort.dta"), "--treatment", "treat", "--covariates", "age,risk_score",
                              "--out", folder.appendingPathComponent("m").path])
        XCTAssertEqual(r.status, 65, r.stderr)
        XCTAssertTrue(r.stderr.contains("cohort.dta, column 'risk_score': 27 missing values (first at row 6)"), r.stderr)
        let gz = folder.appendingPathComponent("cut.csv.gz")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("cohort.csv.gz")))
        try bytes.prefix(bytes.count / 2).write(to: gz)
        let cut = try tool.run(["match", gz.path, "--treatment", "treat", "--covariates", "age",
                                "--out", folder.appendingPathComponent("g").path])
        XCTAssertEqual(cut.status, 65, cut.stderr)
        XCTAssertTrue(cut.stderr.contains("cut.csv.gz: cannot decompress the file: the gzip data ends early"), cut.stderr)
    }

    /// The document without its lines naming or hashing input files (those differ by format, on purpose).
    static func withoutInputs(_ json: String) -> String {
        json.split(separator: "\n").filter { !$0.contains("sha256") && !$0.contains("\"file\"") && !$0.contains("seconds") }
            .joined(separator: "\n")
    }

    static func plan(cohort: String, events: String) -> String {
        """
        name = "Formats fixture"

        [data]
        cohort = "\(cohort)"
        events = "\(events)"
        id = "id"
        treatment = "treat"
        release_date = "release_date"
        covariates = ["age", "gender", "ethnicity", "offence_group", "sentence_months", "prior_convictions", "risk_score", "employed"]
        drop_missing = true

        [events]
        id = "id"
        offence_date = "offence_date"
        proven_date = "conviction_date"
        disposal = "disposal"
        caution_values = ["caution"]

        [matching]
        caliper = 0.2

        [[cohort]]
        name = "Cohort 1"
        released_from = "2010-09-09"
        released_to = "2011-09-08"

        [[cohort]]
        name = "Cohort 2"
        released_from = "2011-09-09"
        released_to = "2012-09-07"

        [contract]
        settlement = "per_cohort"
        price_per_event = 2000.0
        cap_per_cohort = 1500000.0
        cap_total = 2500000.0

        [reporting]
        bootstrap_replicates = 20
        """
    }
}

extension InputFormatTests {
    /// `ratecard --events` reads a Stata file: the same decisions as the CSV; the ledger's `line`
    /// column holds the row (1-based observation) instead of the CSV line (header = line 1).
    func testRateCardReadsStataEvents() throws {
        let folder = try temporaryFolder()
        var ledgers: [[[String]]] = []
        for events in ["Datasets/rate-card-example/events.csv", fixture("ratecard-events.dta")] {
            let out = folder.appendingPathComponent("rc-\(ledgers.count)")
            let r = try tool.run(["ratecard", "Datasets/rate-card-example/plan.toml", "--events", events, "--out", out.path])
            XCTAssertEqual(r.status, 0, r.stderr)
            let text = try String(contentsOf: out.appendingPathComponent("ledger.csv"), encoding: .utf8)
            ledgers.append(text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) })
        }
        let (csv, dta) = (ledgers[0], ledgers[1])
        XCTAssertEqual(csv.count, dta.count)
        XCTAssertEqual(csv[0][1], "line")
        XCTAssertGreaterThan(csv.count, 20)
        for (a, b) in zip(csv.dropFirst(), dta.dropFirst()) {
            XCTAssertEqual(Int(a[1]), Int(b[1])! + 1)
            XCTAssertEqual(Array(a[2...]), Array(b[2...]))
        }
    }
}
