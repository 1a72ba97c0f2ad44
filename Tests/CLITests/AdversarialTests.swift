import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Hostile input, faults and tampering (issue 14), one table per class. Every row runs the real
/// `counterfactual` on a tiny input and asserts the exit code and the key words of its one-sentence
/// error. No row may trap (exit 132/134 or a signal) or exit 0 with a wrong result; rows that must
/// succeed compare their output with a clean run's. docs/inputs.md lists every check and limit.
final class AdversarialTests: XCTestCase {
    let tool = CommandLineTool()

    /// One run: its arguments, the exit code it must return, and words its standard error must hold.
    struct Row {
        var arguments: [String]
        var status: Int32
        var words: [String]
        var line: UInt

        init(_ arguments: [String], _ status: Int32, _ words: [String], line: UInt = #line) {
            self.arguments = arguments
            self.status = status
            self.words = words
            self.line = line
        }
    }

    /// Runs every row; an error must be one line on standard error.
    func check(_ rows: [Row], file: StaticString = #filePath) throws {
        for row in rows {
            let r = try tool.run(row.arguments)
            let label = row.arguments.joined(separator: " ").prefix(300)
            XCTAssertFalse([132, 134].contains(r.status), "trap: \(label): \(r.stderr)", file: file, line: row.line)
            XCTAssertEqual(r.status, row.status, "\(label): \(r.stderr)", file: file, line: row.line)
            for word in row.words {
                XCTAssertTrue(r.stderr.contains(word), "\(label): expected '\(word)' in: \(r.stderr)", file: file, line: row.line)
            }
            XCTAssertFalse(r.stderr.contains(".partial-"), "\(label): names a staging path: \(r.stderr)", file: file, line: row.line)
            if row.status != 0 {
                // One sentence (the argument parser follows its "Error: ..." line with the usage).
                let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("counterfactual: error:") || $0.hasPrefix("Error:") }
                XCTAssertEqual(lines.count, 1, "\(label): one sentence expected: \(r.stderr)", file: file, line: row.line)
                if row.status != 64 {
                    XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(label): one line expected: \(r.stderr)", file: file, line: row.line)
                }
            }
        }
    }

    // MARK: - Inputs

    func scratch() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func write(_ text: String, _ url: URL) throws -> String {
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func write(_ bytes: [UInt8], _ url: URL) throws -> String {
        try Data(bytes).write(to: url)
        return url.path
    }

    static let lalonde = ["--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75", "--id", "id", "--quiet"]

    /// lalonde.csv's lines.
    func lalondeLines() throws -> [String] {
        try String(contentsOf: Fixtures.dataset("lalonde.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
    }

    /// A tiny evaluation in `dir`: the first 3,000 people of the Peterborough example and their
    /// offences, no bootstrap; `edit` changes the plan's text. Returns the plan's path.
    func evaluationPlan(in dir: URL, name: String = "plan.toml", edit: (String) -> String = { $0 }) throws -> String {
        let cohort = dir.appendingPathComponent("cohort.csv"), events = dir.appendingPathComponent("events.csv")
        let source = Fixtures.repositoryRoot.appendingPathComponent("Datasets/peterborough")
        if !FileManager.default.fileExists(atPath: cohort.path) {
            let lines = try String(contentsOf: source.appendingPathComponent("cohort.csv"), encoding: .utf8).split(separator: "\n")
            let kept = lines.prefix(3001)
            let ids = Set(kept.dropFirst().map { $0.prefix { $0 != "," } })
            _ = try write(kept.joined(separator: "\n") + "\n", cohort)
            let offences = try String(contentsOf: source.appendingPathComponent("events.csv"), encoding: .utf8).split(separator: "\n")
            _ = try write(([offences[0]] + offences.dropFirst().filter { ids.contains($0.prefix { $0 != "," }) }).joined(separator: "\n") + "\n", events)
        }
        let plan = try String(contentsOf: source.appendingPathComponent("plan.toml"), encoding: .utf8)
            .replacingOccurrences(of: "cohort = \"cohort.csv\"", with: "cohort = \"\(cohort.path)\"")
            .replacingOccurrences(of: "events = \"events.csv\"", with: "events = \"\(events.path)\"")
            .replacingOccurrences(of: "bootstrap_replicates = 200", with: "bootstrap_replicates = 0")
        return try write(edit(plan), dir.appendingPathComponent(name))
    }

    /// The example rate card with its events file named absolutely; `edit` changes the plan's text.
    func rateCardPlan(in dir: URL, name: String = "card.toml", edit: (String) -> String = { $0 }) throws -> String {
        let source = Fixtures.repositoryRoot.appendingPathComponent("Datasets/rate-card-example")
        let plan = try String(contentsOf: source.appendingPathComponent("plan.toml"), encoding: .utf8)
            .replacingOccurrences(of: "file = \"events.csv\"", with: "file = \"\(source.appendingPathComponent("events.csv").path)\"")
        return try write(edit(plan), dir.appendingPathComponent(name))
    }

    /// `text` with the first line starting with `key` replaced by `replacement`.
    func replacing(_ key: String, with replacement: String) -> (String) -> String {
        { text in
            var lines = text.components(separatedBy: "\n")
            guard let k = lines.firstIndex(where: { $0.hasPrefix(key) }) else { XCTFail("no line starts with \(key)"); return text }
            lines[k] = replacement
            return lines.joined(separator: "\n")
        }
    }

    // MARK: - Oversized numbers

    /// Every numeric option and plan key at and beyond its documented limit.
    func testOversizedNumbers() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        let match = ["match", "Datasets/lalonde.csv", "--out", out] + Self.lalonde
        func plan(_ key: String, _ line: String) throws -> String {
            try evaluationPlan(in: dir, name: "\(key)-\(abs(line.hashValue)).toml", edit: replacing(key, with: line))
        }
        func card(_ edit: @escaping (String) -> String, _ name: String) throws -> String {
            try rateCardPlan(in: dir, name: "\(name).toml", edit: edit)
        }
        func outcome(_ extra: String) -> (String) -> String {
            { $0.replacingOccurrences(of: "price = 1500.00\nsustains = \"entered\"\nmonths = 3", with: extra) }
        }
        let pilot = try write("n\n1\n2\n1e300\n", dir.appendingPathComponent("pilot.csv"))
        // 300 claims of one outcome priced at £20,000,000,000,000,000: each price fits, their sum does not.
        let manyClaims = try write("participant,outcome,achieved_on\n" + (1...300).map { "P\($0),entered,2019-01-15\n" }.joined(),
                                   dir.appendingPathComponent("many.csv"))
        try check([
            Row(match + ["--ratio", "1000000000", "--replace"], 64, ["--ratio", "1 to 1000"]),
            Row(match + ["--ratio", "99999999999"], 64, ["--ratio", "1 to 1000"]),
            Row(match + ["--ratio", "99999999999999999999"], 64, ["--ratio"]),
            Row(match + ["--caliper", "1e300"], 64, ["--caliper"]),
            Row(match + ["--tolerance", "1e300"], 64, ["--tolerance"]),
            Row(match + ["--max-iterations", "99999999999"], 64, ["--max-iterations"]),
            Row(match + ["--seed", "99999999999999999999"], 64, ["--seed"]),
            Row(["evaluate", try plan("price_per_event", "price_per_event = 20000000000000000"), "--out", out], 65,
                ["£20,000,000,000,000,000.00", "too large"]),
            Row(["evaluate", try plan("price_per_event", "price_per_event = 1e300"), "--out", out], 65, ["price_per_event", "too large"]),
            Row(["evaluate", try plan("cap_total", "cap_total = 92233720368547758.08"), "--out", out], 65, ["cap_total", "too large"]),
            Row(["evaluate", try plan("follow_up_months", "follow_up_months = 9223372036854775807"), "--out", out], 65,
                ["follow_up_months must be a whole number from 1 to 120"]),
            Row(["evaluate", try plan("court_lag_months", "court_lag_months = 61"), "--out", out], 65, ["court_lag_months", "0 to 60"]),
            Row(["evaluate", try plan("bootstrap_replicates", "bootstrap_replicates = 1000000000000"), "--out", out], 65,
                ["bootstrap_replicates must be a whole number from 0 to 100000"]),
            Row(["evaluate", try plan("minimum_group_size", "minimum_group_size = 9223372036854775807"), "--out", out], 65,
                ["minimum_group_size", "1 to 1000000"]),
            Row(["evaluate", try plan("ratio", "ratio = 9223372036854775807"), "--out", out], 65, ["ratio"]),
            Row(["evaluate", try plan("seed = 42", "seed = 9223372036854775807"), "--out", out, "--quiet"], 0, []),
            Row(["design", "--cohort-size", "1000000000"], 64, ["--cohort-size must be a whole number from 2 to 1000000"]),
            Row(["design", "--replicates", "100000000"], 64, ["--replicates must be a whole number from 1 to 100000"]),
            Row(["design", "--pilot", pilot, "--pilot-column", "n"], 65, ["line 4, column 'n'", "is not a count of events per person"]),
            Row(["synthesize", "--rows", "100000001", "--out", dir.appendingPathComponent("s.csv").path], 64, ["--rows must be a whole number from 0 to 100000000"]),
            Row(["synthesize", "--rows", "10", "--threads", "100000", "--out", dir.appendingPathComponent("s.csv").path], 64, ["--threads"]),
            // Rate card: every whole-number key near Int64.max, and money past what pence can hold.
            Row(["ratecard", try card(replacing("target = 5", with: "target = 9223372036854775807"), "target"), "--out", out], 65,
                ["target.toml: [[outcome]] 1 ('entered') target must be a whole number from 1 to 1000000000 (got 9223372036854775807)"]),
            Row(["ratecard", try card(outcome("price = 1\nsustains = \"entered\"\nmonths = 9223372036854775807"), "months"), "--out", out], 65,
                ["months must be a whole number from 1 to 1200 (got 9223372036854775807)"]),
            Row(["ratecard", try card(outcome("price = 1\nsustains = \"entered\"\nweeks = 9223372036854775807"), "weeks"), "--out", out], 65,
                ["weeks must be a whole number from 1 to 5200"]),
            Row(["ratecard", try card(outcome("price = 1\nsustains = \"entered\"\ndays = 36501"), "days"), "--out", out], 65,
                ["days must be a whole number from 1 to 36500 (got 36501)"]),
            Row(["ratecard", try card(replacing("max_per_person = 2", with: "max_per_person = 9223372036854775807"), "mpp"), "--out", out], 65,
                ["max_per_person must be a whole number from 1 to 1000000"]),
            Row(["ratecard", try card(replacing("price = 333.33", with: "price = 100000000000000000"), "price"), "--out", out], 65,
                ["price is too large", "£92,233,720,368,547,758.07"]),
            Row(["ratecard", try card(replacing("amount = 10000.00", with: "amount = 1e300"), "cap"), "--out", out], 65, ["amount is too large"]),
            Row(["ratecard", try card(replacing("price = 1000.00", with: "price = 20000000000000000"), "sum"), "--events", manyClaims, "--out", out], 65,
                ["many.csv, line", "prices add up past", "£20,000,000,000,000,000.00"]),
            Row(["ratecard", try card(replacing("target = 5", with: "target = 1000000000"), "target-max"), "--out", out, "--quiet"], 0, []),
            Row(["ratecard", try card(outcome("price = 1\nsustains = \"entered\"\nmonths = 1200"), "months-max"), "--out", out, "--quiet"], 0, []),
        ])
    }

    // MARK: - Negative and zero values

    func testNegativeAndZeroValues() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        let match = ["match", "Datasets/lalonde.csv", "--out", out] + Self.lalonde
        func plan(_ key: String, _ line: String) throws -> String {
            try evaluationPlan(in: dir, name: "\(abs(line.hashValue)).toml", edit: replacing(key, with: line))
        }
        func card(_ key: String, _ line: String) throws -> String {
            try rateCardPlan(in: dir, name: "\(abs(line.hashValue)).toml", edit: replacing(key, with: line))
        }
        let noConfidence: (String) -> String = { $0.replacingOccurrences(of: "confidence_level = 0.95", with: "") }
        try check([
            Row(match + ["--ratio", "0"], 64, ["--ratio"]),
            Row(match + ["--ratio=-1"], 64, ["--ratio"]),
            Row(match + ["--caliper", "0"], 64, ["--caliper"]),
            Row(match + ["--caliper=-0.2"], 64, ["--caliper"]),
            Row(match + ["--max-iterations", "0"], 64, ["--max-iterations"]),
            Row(match + ["--seed=-1"], 64, ["--seed"]),
            Row(["evaluate", try plan("cap_total", "cap_total = -1"), "--out", out], 65, ["cap_total cannot be negative"]),
            Row(["evaluate", try plan("price_per_event", "price_per_event = -0.01"), "--out", out], 65, ["price_per_event cannot be negative"]),
            Row(["evaluate", try plan("cohort_threshold", "cohort_threshold = -1"), "--out", out], 65, ["cohort_threshold", "between -1 and 1"]),
            Row(["evaluate", try plan("pooled_threshold", "pooled_threshold = -2.5"), "--out", out], 65, ["pooled_threshold", "between -1 and 1"]),
            Row(["evaluate", try evaluationPlan(in: dir, name: "sig0.toml") { noConfidence(self.replacing("significance_level", with: "significance_level = 0")($0)) },
                 "--out", out], 65, ["significance_level must lie between 0 and 1"]),
            Row(["evaluate", try plan("significance_level", "significance_level = 0"), "--out", out], 65, ["significance_level", "confidence_level"]),
            Row(["evaluate", try plan("bootstrap_replicates", "bootstrap_replicates = -1"), "--out", out], 65, ["bootstrap_replicates must be a whole number from 0 to 100000 (got -1)"]),
            Row(["evaluate", try plan("minimum_group_size", "minimum_group_size = -1"), "--out", out], 65, ["minimum_group_size must be a whole number from 1 to 1000000 (got -1)"]),
            Row(["evaluate", try plan("minimum_group_size", "minimum_group_size = 0"), "--out", out], 65, ["minimum_group_size"]),
            Row(["evaluate", try plan("minimum_reoffenders", "minimum_reoffenders = -1"), "--out", out], 65, ["minimum_reoffenders"]),
            Row(["evaluate", try plan("follow_up_months", "follow_up_months = 0"), "--out", out], 65, ["follow_up_months"]),
            Row(["evaluate", try plan("court_lag_months", "court_lag_months = -1"), "--out", out], 65, ["court_lag_months"]),
            Row(["evaluate", try plan("seed = 1", "seed = -1"), "--out", out], 65, ["[reporting] seed", "0 to 9223372036854775807"]),
            Row(["evaluate", try plan("confidence_level", "confidence_level = 0"), "--out", out], 65, ["confidence_level"]),
            Row(["ratecard", try card("price = 333.33", "price = -333.33"), "--out", out], 65, ["price cannot be negative"]),
            Row(["ratecard", try card("amount = 10000.00", "amount = -1"), "--out", out], 65, ["amount cannot be negative"]),
            Row(["ratecard", try card("target = 5", "target = 0"), "--out", out], 65, ["target must be a whole number of at least 1"]),
            Row(["ratecard", try card("max_per_person = 2", "max_per_person = -1"), "--out", out], 65, ["max_per_person must be at least 1"]),
            Row(["ratecard", try card("months = 3", "months = 0"), "--out", out], 65, ["sustainment period"]),
            Row(["ratecard", try card("weeks = 13", "weeks = -9223372036854775808"), "--out", out], 65, ["sustainment period"]),
            Row(["ratecard", try card("share = 0.6", "share = -0.6"), "--out", out], 65, ["share"]),
            Row(["ratecard", try card("share = 0.4", "share = 0"), "--out", out], 65, ["share"]),
            Row(["synthesize", "--rows=-1", "--out", dir.appendingPathComponent("n.csv").path], 64, ["--rows must be a whole number from 0 to 100000000"]),
            Row(["synthesize", "--rows", "10", "--treated-share", "0", "--out", dir.appendingPathComponent("n.csv").path], 64, ["--treated-share"]),
            Row(["synthesize", "--rows", "10", "--effect=-0.1", "--out", dir.appendingPathComponent("n.csv").path], 64, ["--effect"]),
            Row(["design", "--cohort-size=-5"], 64, ["--cohort-size"]),
            Row(["design", "--replicates", "0"], 64, ["--replicates"]),
            Row(["design", "--comparison-per-treated", "0"], 64, ["--comparison-per-treated"]),
        ])
    }

    // MARK: - Overlapping cohorts

    func testOverlappingCohorts() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        func plan(_ edit: @escaping (String) -> String) throws -> String {
            try evaluationPlan(in: dir, name: "\(UUID().uuidString).toml", edit: edit)
        }
        try check([
            Row(["evaluate", try plan(replacing("released_to = \"2011-09-08\"", with: "released_to = \"2011-09-09\"")), "--out", out], 65,
                ["cohorts 'Cohort 1'", "'Cohort 2'", "overlap"]),
            Row(["evaluate", try plan(replacing("released_to = \"2011-09-08\"", with: "released_to = \"9999-12-31\"")), "--out", out], 65, ["overlap"]),
            Row(["evaluate", try plan(replacing("released_from = \"2011-09-09\"", with: "released_from = \"2010-09-09\"")), "--out", out], 65, ["overlap"]),
            Row(["evaluate", try plan(replacing("name = \"Cohort 2\"", with: "name = \"Cohort 1\"")), "--out", out], 65, ["Cohort 1"]),
            Row(["evaluate", try plan(replacing("released_to = \"2011-09-08\"", with: "released_to = \"2010-09-01\"")), "--out", out], 65, ["released_to"]),
        ])
    }

    // MARK: - Invalid UTF-8, stray tokens, line endings

    func testInvalidUTF8() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        var lines = try lalondeLines()
        // Two ids that differ only in an invalid byte (Latin-1 é and è) must not be read as one.
        var bytes = [UInt8]((lines[0] + "\n").utf8)
        for (k, line) in lines.dropFirst().enumerated() {
            let id = line.prefix { $0 != "," }
            let rest = line.dropFirst(id.count)
            let replaced: [UInt8] = k == 1 ? Array("P".utf8) + [0xE9] + Array("2".utf8) : k == 2 ? Array("P".utf8) + [0xE8] + Array("2".utf8) : Array(id.utf8)
            bytes += replaced + Array(rest.utf8) + [0x0A]
        }
        let data = try write(bytes, dir.appendingPathComponent("latin1.csv"))
        let plan = try evaluationPlan(in: dir)
        var planBytes = [UInt8](try String(contentsOfFile: plan, encoding: .utf8).utf8)
        let at = planBytes.firstIndex(of: UInt8(ascii: "\""))! + 1
        planBytes.insert(0xE9, at: at)
        let badPlan = try write(planBytes, dir.appendingPathComponent("latin1.toml"))
        let card = try rateCardPlan(in: dir)
        let events = try write([UInt8]("participant,outcome,achieved_on\nP\u{1}1,entered,2019-01-15\n".utf8) + [0x50, 0xE9, 0x32] + Array(",entered,2019-01-15\n".utf8),
                               dir.appendingPathComponent("latin1-events.csv"))
        lines[0] = lines[0]  // header unchanged
        try check([
            Row(["match", data, "--out", out] + Self.lalonde, 65, ["latin1.csv, line 3, column 'id'", "not valid UTF-8"]),
            Row(["evaluate", badPlan, "--out", out], 65, ["latin1.toml: line 4, column 9: byte 261 of the file is not valid UTF-8"]),
            Row(["ratecard", card, "--events", events, "--out", out], 65, ["latin1-events.csv, line 3", "not valid UTF-8"]),
        ])
    }

    func testStrayTokensInNumericColumns() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        var rows: [Row] = []
        for (name, token) in [("na", "na"), ("hex", "0x1A"), ("nul", "\u{0}"), ("word", "forty"), ("comma", "\"1,5\""), ("inf", "Inf"), ("nan", "NaN")] {
            var lines = try lalondeLines()
            var fields = lines[7].components(separatedBy: ",")
            fields[2] = token   // age
            lines[7] = fields.joined(separator: ",")
            let path = try write(lines.joined(separator: "\n") + "\n", dir.appendingPathComponent("\(name).csv"))
            rows.append(Row(["match", path, "--out", out] + Self.lalonde, 65, ["\(name).csv, line 8, column 'age'"]))
        }
        try check(rows)
    }

    /// CR-only and CRLF line endings read exactly as LF; a UTF-8 byte order mark is ignored.
    func testLineEndingsAndByteOrderMark() throws {
        let dir = try scratch()
        let text = try lalondeLines().joined(separator: "\n") + "\n"
        var outputs: [Data] = []
        for (name, content) in [("lf", Data(text.utf8)), ("cr", Data(text.replacingOccurrences(of: "\n", with: "\r").utf8)),
                                ("crlf", Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)),
                                ("bom", Data([0xEF, 0xBB, 0xBF] + Array(text.utf8)))] {
            let path = try write([UInt8](content), dir.appendingPathComponent("\(name).csv"))
            let out = dir.appendingPathComponent("out-\(name)")
            let r = try tool.run(["match", path, "--out", out.path] + Self.lalonde)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            outputs.append(try Data(contentsOf: out.appendingPathComponent("matches.csv")))
        }
        for (k, name) in ["cr", "crlf", "bom"].enumerated() { XCTAssertEqual(outputs[k + 1], outputs[0], name) }
        // A plan with CR-only line endings is one TOML line: refused with the TOML error, not misread.
        let plan = try evaluationPlan(in: dir)
        let cr = try write(try String(contentsOfFile: plan, encoding: .utf8).replacingOccurrences(of: "\n", with: "\r"), dir.appendingPathComponent("cr.toml"))
        try check([Row(["evaluate", cr, "--out", dir.appendingPathComponent("o").path], 65, ["cr.toml: line 1"])])
    }

    // MARK: - Options, paths and files that are not data

    func testOptionsAndPaths() throws {
        let dir = try scratch()
        let plan = try evaluationPlan(in: dir)
        let card = try rateCardPlan(in: dir)
        // A previous match output, and a run that reads its matches.csv and writes over its folder.
        let previous = dir.appendingPathComponent("X")
        XCTAssertEqual(try tool.run(["match", "Datasets/lalonde.csv", "--out", previous.path] + Self.lalonde).status, 0)
        let before = try Data(contentsOf: previous.appendingPathComponent("matches.csv"))
        let folder = dir.appendingPathComponent("a-folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let fifo = dir.appendingPathComponent("fifo.csv")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        let out = dir.appendingPathComponent("out").path
        try check([
            Row(["match", "Datasets/lalonde.csv", "--out", out, "--categorical", "racee"] + Self.lalonde, 64,
                ["--categorical names 'racee', which is not among --covariates or --exact"]),
            Row(["match", "Datasets/lalonde.csv", "--out", out] + Self.lalonde.map { $0 == "age,educ,race,married,nodegree,re74,re75" ? "age,educ,nosuch" : $0 }, 65,
                ["no column named 'nosuch'"]),
            Row(["match", "Datasets/lalonde.csv", "--out", ""] + Self.lalonde, 64, ["--out is empty"]),
            Row(["evaluate", plan, "--out", ""], 64, ["--out is empty"]),
            Row(["ratecard", card, "--out", ""], 64, ["--out is empty"]),
            Row(["synthesize", "--rows", "10", "--out", ""], 64, ["--out is empty"]),
            Row(["match", previous.appendingPathComponent("matches.csv").path, "--treatment", "treat", "--covariates", "distance",
                 "--out", previous.path, "--quiet"], 73, ["holds the input", "matches.csv"]),
            Row(["match", folder.path, "--out", out] + Self.lalonde, 66, ["a-folder: cannot read the file (it is a folder, not a file)"]),
            Row(["match", fifo.path, "--out", out] + Self.lalonde, 66, ["fifo.csv: cannot read the file (it is not a regular file"]),
            Row(["match", "/dev/zero", "--out", out] + Self.lalonde, 66, ["/dev/zero: cannot read the file (it is not a regular file"]),
            Row(["match", dir.appendingPathComponent("missing.csv").path, "--out", out] + Self.lalonde, 66, ["missing.csv: cannot read the file (no such file)"]),
            Row(["evaluate", folder.path, "--out", out], 66, ["a-folder: cannot read the file (it is a folder, not a file)"]),
            Row(["evaluate", fifo.path, "--out", out], 66, ["fifo.csv: cannot read the file (it is not a regular file"]),
            Row(["ratecard", folder.path, "--out", out], 66, ["a-folder: cannot read the plan (it is a folder, not a file)"]),
            Row(["ratecard", card, "--events", fifo.path, "--out", out], 66, ["fifo.csv: cannot read the file (it is not a regular file"]),
            Row(["design", "--pilot", folder.path, "--pilot-column", "n"], 66, ["it is a folder"]),
        ])
        XCTAssertEqual(try Data(contentsOf: previous.appendingPathComponent("matches.csv")), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// A plan that points to a system file: refused without quoting the file's contents.
    func testPlanPointingToNonDataFiles() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        var rows: [Row] = []
        var secrets: [String] = []
        for system in ["/etc/passwd", "/etc/shadow"] where FileManager.default.fileExists(atPath: system) {
            if let text = try? String(contentsOfFile: system, encoding: .utf8) {
                secrets += text.split(separator: "\n").flatMap { $0.split(separator: ":") }.map(String.init).filter { $0.count >= 6 }
            }
            // Readable (root) it is not a cohort file (65); unreadable it is an input that cannot be read (66).
            let readable = FileManager.default.isReadableFile(atPath: system)
            let status: Int32 = readable ? 65 : 66
            let name = (system as NSString).lastPathComponent
            rows.append(Row(["evaluate", try evaluationPlan(in: dir, name: "\(name)-cohort.toml") {
                $0.replacingOccurrences(of: "cohort = \"\(dir.path)/cohort.csv\"", with: "cohort = \"\(system)\"") }, "--out", out], status, [system]))
            rows.append(Row(["evaluate", try evaluationPlan(in: dir, name: "\(name)-events.toml") {
                $0.replacingOccurrences(of: "events = \"\(dir.path)/events.csv\"", with: "events = \"\(system)\"") }, "--out", out], status, [system]))
            rows.append(Row(["ratecard", try rateCardPlan(in: dir, name: "\(name)-card.toml") {
                $0.replacingOccurrences(of: #"file = "[^"]*""#, with: "file = \"\(system)\"", options: .regularExpression) }, "--out", out], status, [system]))
            rows.append(Row(["match", system, "--out", out] + Self.lalonde, status, [system]))
            rows.append(Row(["design", "--pilot", system, "--pilot-column", "n"], status, [system]))
            rows.append(Row(["evaluate", system, "--out", out], status, [system]))
            rows.append(Row(["ratecard", system, "--out", out], status, [system]))
        }
        XCTAssertFalse(rows.isEmpty)
        for row in rows {
            let r = try tool.run(row.arguments)
            XCTAssertEqual(r.status, row.status, "\(row.arguments): \(r.stderr)", line: row.line)
            for secret in Set(secrets) where !["/bin/bash", "/usr/sbin/nologin", "/bin/false", "/nonexistent"].contains(secret) {
                XCTAssertFalse(r.stderr.contains(secret), "\(row.arguments) quotes the file: \(r.stderr)", line: row.line)
            }
        }
        try check(rows)
    }

    // MARK: - Found by attacking the binary (issue 14)

    func testFoundByAttack() throws {
        let dir = try scratch()
        let out = dir.appendingPathComponent("out").path
        var lines = try lalondeLines()
        // Duplicate ids in `match --id`: two rows would be one person in matches.csv.
        lines[6] = "NSW1" + lines[6].drop { $0 != "," }
        let duplicates = try write(lines.joined(separator: "\n") + "\n", dir.appendingPathComponent("dup.csv"))
        let empty = try write("", dir.appendingPathComponent("empty.csv"))
        let header = try write(try lalondeLines()[0] + "\n", dir.appendingPathComponent("header.csv"))
        let binary = try write((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }, dir.appendingPathComponent("binary.csv"))
        let utf16 = try write([0xFF, 0xFE] + Array(try lalondeLines().joined(separator: "\n").utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }),
                              dir.appendingPathComponent("utf16.csv"))
        let planPath = try evaluationPlan(in: dir)
        func plan(_ key: String, _ line: String) throws -> String {
            try evaluationPlan(in: dir, name: "\(abs(line.hashValue)).toml", edit: replacing(key, with: line))
        }
        try check([
            Row(["match", duplicates, "--out", out] + Self.lalonde, 65, ["dup.csv, line 7, column 'id': the id 'NSW1' is already on line 2"]),
            // Each column one role: a repeated covariate, or the treatment as a covariate, exact column or id.
            Row(["match", "Datasets/lalonde.csv", "--out", out, "--treatment", "treat", "--covariates", "age,educ,age"], 64, ["--covariates names 'age' twice"]),
            Row(["match", "Datasets/lalonde.csv", "--out", out, "--treatment", "treat", "--covariates", "age,treat"], 64, ["--covariates names the treatment column 'treat'"]),
            Row(["match", "Datasets/lalonde.csv", "--out", out, "--treatment", "treat", "--covariates", "age", "--exact", "treat"], 64, ["--exact names the treatment column"]),
            Row(["match", "Datasets/lalonde.csv", "--out", out, "--treatment", "treat", "--covariates", "age", "--id", "treat"], 64, ["--id names the treatment column"]),
            Row(["evaluate", try evaluationPlan(in: dir, name: "cov-twice.toml") { $0.replacingOccurrences(of: "covariates = [\"age\", ", with: "covariates = [\"age\", \"age\", ") },
                 "--out", out], 65, ["[data] covariates names 'age' twice"]),
            Row(["evaluate", try evaluationPlan(in: dir, name: "cov-treat.toml") { $0.replacingOccurrences(of: "covariates = [\"age\", ", with: "covariates = [\"treat\", ") },
                 "--out", out], 65, ["[data] covariates names the treatment column 'treat'"]),
            Row(["evaluate", try evaluationPlan(in: dir, name: "id-treat.toml", edit: replacing("id = \"id\"", with: "id = \"treat\"")), "--out", out], 65,
                ["[data] id names the treatment column 'treat'"]),
            Row(["match", empty, "--out", out] + Self.lalonde, 65, ["empty.csv: the file is empty"]),
            Row(["match", header, "--out", out] + Self.lalonde, 65, ["header.csv: the file has a header but no data rows"]),
            Row(["match", binary, "--out", out] + Self.lalonde, 65, ["binary.csv"]),
            Row(["match", utf16, "--out", out] + Self.lalonde, 65, ["utf16.csv, line 1", "not valid UTF-8"]),
            // Wrong TOML types and impossible dates in plans.
            Row(["evaluate", try plan("ratio = 1", "ratio = \"1\""), "--out", out], 65, ["[matching] ratio must be a whole number"]),
            Row(["evaluate", try plan("ratio = 1", "ratio = [1]"), "--out", out], 65, ["[matching] ratio must be a whole number"]),
            Row(["evaluate", try plan("replace = false", "replace = \"false\""), "--out", out], 65, ["[matching] replace must be true or false"]),
            Row(["evaluate", try plan("caliper = 0.2", "caliper = nan"), "--out", out], 65, ["caliper"]),
            Row(["evaluate", try plan("caliper = 0.2", "caliper = inf"), "--out", out], 65, ["caliper"]),
            Row(["evaluate", try plan("covariates", "covariates = \"age\""), "--out", out], 65, ["line 13, column 32", "fix the TOML syntax"]),
            Row(["evaluate", try evaluationPlan(in: dir, name: "covariates.toml") {
                $0.replacingOccurrences(of: #"covariates = \[[^\]]*\]"#, with: "covariates = \"age\"", options: .regularExpression) },
                 "--out", out], 65, ["[data] covariates must be a list of strings"]),
            Row(["evaluate", try plan("name = \"Cohort 1\"", "name = 5"), "--out", out], 65, ["[[cohort]] 1 name must be a string"]),
            Row(["evaluate", try plan("released_from = \"2010-09-09\"", "released_from = \"0000-00-00\""), "--out", out], 65,
                ["released_from must be a date written YYYY-MM-DD"]),
            Row(["evaluate", try plan("released_to = \"2011-09-08\"", "released_to = 2011-09-08T10:00:00Z"), "--out", out], 65, ["released_to"]),
            Row(["evaluate", try plan("cohort_threshold", "cohort_threshold = \"ten\""), "--out", out], 65, ["cohort_threshold"]),
            Row(["evaluate", try plan("settlement", "settlement = 1"), "--out", out], 65, ["settlement"]),
            Row(["ratecard", try rateCardPlan(in: dir, name: "t.toml", edit: replacing("target = 5", with: "target = \"5\"")), "--out", out], 65, ["target must be a whole number"]),
            Row(["ratecard", try rateCardPlan(in: dir, name: "p.toml", edit: replacing("period", with: "period = 4")), "--out", out], 65, ["period"]),
            Row(["evaluate", planPath, "--out", out, "--quiet"], 0, []),
        ])
        // A pilot that gives no estimate names the file; a baseline rate that no count reaches is refused.
        let emptyPilot = try write("n\n", dir.appendingPathComponent("pilot-empty.csv"))
        let zeroPilot = try write("n\n0\n0\n0\n", dir.appendingPathComponent("pilot-zero.csv"))
        let ledger = dir.appendingPathComponent("ledger")
        XCTAssertEqual(try tool.run(["ratecard", try rateCardPlan(in: dir), "--out", ledger.path, "--quiet"]).status, 0)
        try check([
            Row(["design", "--pilot", emptyPilot, "--pilot-column", "n"], 65, ["pilot-empty.csv, column 'n': a pilot estimate needs at least 2 people"]),
            Row(["design", "--pilot", zeroPilot, "--pilot-column", "n"], 65, ["pilot-zero.csv, column 'n': every pilot count is zero"]),
            Row(["design", "--baseline-rate", "1e300"], 64, ["--baseline-rate must be a number of events per person above 0 and at most 10000"]),
            Row(["design", "--baseline-rate", "nan"], 64, ["--baseline-rate"]),
        ])
        // `report` on a rate-card folder writes the rate-card report (listed in the manifest, verified).
        let reported = try tool.run(["report", ledger.path])
        XCTAssertEqual(reported.status, 0, reported.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: ledger.appendingPathComponent("report.html").path))
        XCTAssertEqual(try tool.run(["verify", ledger.path]).status, 0)
        // A user-supplied distance spanning more than the largest double (-1e308 to 1e308) trapped
        // in the common-support histogram (NaN converted to Int); now the run completes.
        let spread = try lalondeLines().enumerated().map { k, line in k == 0 ? line + ",big" : line + (k % 3 == 0 ? ",-1e308" : ",1e308") }
        let spreadPath = try write(spread.joined(separator: "\n") + "\n", dir.appendingPathComponent("spread.csv"))
        let spreadOut = dir.appendingPathComponent("spread-out")
        try check([Row(["match", spreadPath, "--treatment", "treat", "--covariates", "age", "--distance", "big", "--caliper", "0.5",
                        "--out", spreadOut.path, "--quiet"], 0, [])])
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: spreadOut.appendingPathComponent("summary.json"))))
        XCTAssertEqual(try tool.run(["verify", spreadOut.path]).status, 0)
        // Impossible dates in the data: refused with line and column.
        let cohort = try String(contentsOf: dir.appendingPathComponent("cohort.csv"), encoding: .utf8)
        var rows: [Row] = []
        for (k, date) in ["0000-00-00", "2011-02-29", "2011-13-01", "99999-01-01", "-001-01-01"].enumerated() {
            var cells = cohort.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var fields = cells[5].components(separatedBy: ",")
            fields[14] = date
            cells[5] = fields.joined(separator: ",")
            let copy = try write(cells.joined(separator: "\n"), dir.appendingPathComponent("cohort-\(k).csv"))
            let p = try evaluationPlan(in: dir, name: "date-\(k).toml") {
                $0.replacingOccurrences(of: "cohort = \"\(dir.path)/cohort.csv\"", with: "cohort = \"\(copy)\"")
            }
            rows.append(Row(["evaluate", p, "--out", out], 65, ["cohort-\(k).csv, line 6, column 'release_date'", "is not a date"]))
        }
        try check(rows)
    }

    /// Very wide and very long inputs are read, not refused: 10,000 extra columns and a 1 MB id.
    func testWideAndLongInputs() throws {
        let dir = try scratch()
        let lines = try lalondeLines()
        let extra = (0..<10_000).map { "c\($0)" }.joined(separator: ",")
        let zeros = String(repeating: ",0", count: 10_000)
        let wide = try write(([lines[0] + "," + extra] + lines.dropFirst().map { $0 + zeros }).joined(separator: "\n") + "\n",
                             dir.appendingPathComponent("wide.csv"))
        var long = lines
        long[1] = String(repeating: "X", count: 1 << 20) + long[1].drop { $0 != "," }
        let longPath = try write(long.joined(separator: "\n") + "\n", dir.appendingPathComponent("long.csv"))
        var reference: Data?
        for path in ["Datasets/lalonde.csv", wide, longPath] {
            let out = dir.appendingPathComponent("out-\(UUID().uuidString)")
            let r = try tool.run(["match", path, "--out", out.path] + Self.lalonde.filter { $0 != "--id" && $0 != "id" })
            XCTAssertEqual(r.status, 0, "\(path): \(r.stderr)")
            let matches = try Data(contentsOf: out.appendingPathComponent("matches.csv"))
            if let reference { XCTAssertEqual(matches, reference, path) } else { reference = matches }
        }
    }

    // MARK: - Disk full

    /// How a full disk is made for one child run.
    enum FullDisk: CustomStringConvertible {
        /// A small tmpfs mounted at this folder (root, where `mount` is allowed), filled to the last byte.
        case tmpfs(URL)
        /// The child runs with RLIMIT_FSIZE 0 (`ulimit -f 0`) and SIGXFSZ ignored, so every write to a
        /// file fails with EFBIG, as a full disk fails with ENOSPC.
        case fileSizeLimit(URL)

        var folder: URL {
            switch self { case .tmpfs(let u), .fileSizeLimit(let u): return u }
        }
        var description: String {
            switch self { case .tmpfs: return "tmpfs"; case .fileSizeLimit: return "RLIMIT_FSIZE" }
        }
    }

    /// Runs `arguments` as `counterfactual` would be run, optionally under the file-size limit.
    func run(_ arguments: [String], limited: Bool) throws -> CommandLineTool.Run {
        guard limited else { return try tool.run(arguments) }
        let binary = CommandLineTool.productsDirectory.appendingPathComponent("counterfactual").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f 0 && trap '' XFSZ && exec \"$0\" \"$@\"", binary] + arguments
        process.currentDirectoryURL = Fixtures.repositoryRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLineTool.Run(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                   stderr: String(decoding: e, as: UTF8.self))
    }

    /// Mounts a 16 MB tmpfs at `folder`; false when this process may not (not root, or no `mount`).
    func mountTmpfs(at folder: URL) -> Bool {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/bin/mount") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/mount")
        p.arguments = ["-t", "tmpfs", "-o", "size=16m", "tmpfs", folder.path]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    func unmount(_ folder: URL) {
        for arguments in [[folder.path], ["-l", folder.path]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/umount")
            p.arguments = arguments
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { continue }
            p.waitUntilExit()
            if p.terminationStatus == 0 { return }
        }
    }

    /// Writes a file until the disk is full.
    func fill(_ folder: URL) -> URL {
        let filler = folder.appendingPathComponent("filler")
        let fd = open(filler.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let block = [UInt8](repeating: 0x55, count: 4096)
        var small = [UInt8](repeating: 0x55, count: 1)
        while block.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, 4096) }) > 0 {}
        while small.withUnsafeMutableBytes({ Glibc.write(fd, $0.baseAddress, 1) }) > 0 {}
        XCTAssertEqual(errno, ENOSPC)
        close(fd)
        return filler
    }

    /// Every file in a folder (or the file itself) and its bytes.
    func snapshot(_ url: URL) throws -> [String: Data] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else { return [:] }
        guard isFolder.boolValue else { return [url.lastPathComponent: try Data(contentsOf: url)] }
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: url.path) {
            files[name] = try Data(contentsOf: url.appendingPathComponent(name))
        }
        return files
    }

    /// On a full disk `match`, `evaluate`, `ratecard` and `synthesize` exit 73 with one sentence
    /// naming the file, and leave the previous complete output (byte-identical, its manifest
    /// verified) or nothing. Both ways of filling the disk run where the tmpfs can be mounted; the
    /// file-size limit always runs, so the test never skips.
    func testDiskFull() throws {
        let dir = try scratch()
        let plan = try evaluationPlan(in: dir)
        let card = try rateCardPlan(in: dir)
        var disks: [FullDisk] = [.fileSizeLimit(dir.appendingPathComponent("limited"))]
        let mountPoint = dir.appendingPathComponent("tmpfs")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        if mountTmpfs(at: mountPoint) {
            addTeardownBlock { self.unmount(mountPoint) }
            disks.append(.tmpfs(mountPoint))
        }
        for disk in disks {
            let folder = disk.folder
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let commands: [(name: String, arguments: (String) -> [String], files: [String], verifies: Bool)] = [
                ("match", { ["match", "Datasets/lalonde.csv", "--out", $0] + Self.lalonde }, ["matches.csv", "summary.json", "manifest.json"], true),
                ("evaluate", { ["evaluate", plan, "--out", $0, "--quiet"] }, ["evaluation.json", "decisions.csv", "matching.json", "matched-sets.csv", "manifest.json"], true),
                ("ratecard", { ["ratecard", card, "--out", $0, "--quiet"] }, ["ledger.json", "ledger.csv", "manifest.json"], true),
                ("synthesize", { ["synthesize", "--rows", "2000", "--out", $0] }, ["synthesized.csv"], false),
            ]
            for command in commands {
                let label = "\(disk) \(command.name)"
                let out = folder.appendingPathComponent(command.name == "synthesize" ? "synthesized.csv" : "out-\(command.name)")
                // A previous complete output, then a run on the full disk.
                let first = try tool.run(command.arguments(out.path))
                XCTAssertEqual(first.status, 0, "\(label): \(first.stderr)")
                let before = try snapshot(out)
                XCTAssertFalse(before.isEmpty, label)
                var filler: URL?
                if case .tmpfs = disk { filler = fill(folder) }
                let limited: Bool = { if case .fileSizeLimit = disk { return true } else { return false } }()
                for previous in [true, false] {
                    if !previous {
                        try FileManager.default.removeItem(at: out)
                        if case .tmpfs = disk { _ = fill(folder) }   // the space it held
                    }
                    let r = try run(command.arguments(out.path), limited: limited)
                    let sentence = r.stderr.split(separator: "\n").filter { !$0.isEmpty }
                    XCTAssertEqual(r.status, 73, "\(label): \(r.stderr)")
                    XCTAssertEqual(sentence.count, 1, "\(label): one sentence expected: \(r.stderr)")
                    XCTAssertTrue(r.stderr.contains("cannot write"), "\(label): \(r.stderr)")
                    let named = command.name == "synthesize" ? [out.path] : command.files.map { out.appendingPathComponent($0).path }
                    XCTAssertTrue(named.contains { r.stderr.contains($0 + ":") }, "\(label): the file is not named: \(r.stderr)")
                    XCTAssertFalse(r.stderr.contains(".partial-"), "\(label): names the staging path: \(r.stderr)")
                    XCTAssertEqual(try snapshot(out), previous ? before : [:], "\(label): previous output changed")
                    XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder.path).contains { $0.contains(".partial-") },
                                   "\(label): staging left behind")
                    if previous, command.verifies {
                        let v = try tool.run(["verify", out.path])
                        XCTAssertEqual(v.status, 0, "\(label): \(v.stderr)")
                    }
                }
                if let filler { try FileManager.default.removeItem(at: filler) }
            }
        }
    }

    // MARK: - Interrupted runs

    /// SIGINT during `synthesize` and `match` leaves the previous output, or nothing.
    func testInterruptedRuns() throws {
        let dir = try scratch()
        let big = dir.appendingPathComponent("big.csv")
        XCTAssertEqual(try tool.run(["synthesize", "--rows", "400000", "--out", big.path]).status, 0)
        let previous = dir.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["match", "Datasets/lalonde.csv", "--out", previous.path] + Self.lalonde).status, 0)
        let small = dir.appendingPathComponent("small.csv")
        XCTAssertEqual(try tool.run(["synthesize", "--rows", "100", "--out", small.path]).status, 0)
        let covariates = ["--treatment", "treat", "--covariates", "age,prior_convictions,sentence_months,risk_score", "--id", "id", "--quiet"]
        let cases: [(arguments: [String], target: URL)] = [
            (["match", big.path, "--out", previous.path] + covariates, previous),
            (["match", big.path, "--out", dir.appendingPathComponent("fresh").path] + covariates, dir.appendingPathComponent("fresh")),
            (["synthesize", "--rows", "20000000", "--out", small.path], small),
            (["synthesize", "--rows", "20000000", "--out", dir.appendingPathComponent("fresh.csv").path], dir.appendingPathComponent("fresh.csv")),
        ]
        for c in cases {
            let before = try snapshot(c.target)
            let p = Process()
            p.executableURL = CommandLineTool.productsDirectory.appendingPathComponent("counterfactual")
            p.arguments = c.arguments
            p.currentDirectoryURL = Fixtures.repositoryRoot
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: 0.4)
            p.interrupt()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 130, "\(c.arguments)")
            XCTAssertEqual(try snapshot(c.target), before, "\(c.arguments)")
            XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.contains(".partial-") })
        }
        XCTAssertEqual(try tool.run(["verify", previous.path]).status, 0)
    }

    // MARK: - Tampered manifests

    /// verify finds every kind of tampering with an output folder.
    func testTamperedOutputFolders() throws {
        let dir = try scratch()
        let data = dir.appendingPathComponent("lalonde.csv")
        try FileManager.default.copyItem(at: Fixtures.dataset("lalonde.csv"), to: data)
        let original = dir.appendingPathComponent("original")
        XCTAssertEqual(try tool.run(["match", data.path, "--out", original.path] + Self.lalonde).status, 0)
        XCTAssertEqual(try tool.run(["verify", original.path]).status, 0)
        let outside = dir.appendingPathComponent("outside.csv")
        try FileManager.default.copyItem(at: original.appendingPathComponent("matches.csv"), to: outside)

        func flipByte(_ url: URL) throws {
            var bytes = [UInt8](try Data(contentsOf: url))
            bytes[bytes.count / 2] ^= 0x01
            try Data(bytes).write(to: url)
        }
        /// Sets the manifest's sha256 of `name` to the file's present hash.
        func rehash(_ folder: URL, _ name: String) throws {
            let manifestURL = folder.appendingPathComponent("manifest.json")
            var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            p.arguments = [folder.appendingPathComponent(name).path]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let hash = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
            p.waitUntilExit()
            manifest["outputs"] = (manifest["outputs"] as! [[String: String]]).map { o in
                var o = o
                if o["path"] == name { o["sha256"] = String(hash) }
                return o
            }
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        }
        let fm = FileManager.default
        let cases: [(name: String, tamper: (URL) throws -> Void, status: Int32, words: [String])] = [
            ("changed byte", { try flipByte($0.appendingPathComponent("matches.csv")) }, 1, ["matches.csv: changed after it was written"]),
            ("removed file", { try fm.removeItem(at: $0.appendingPathComponent("summary.json")) }, 1, ["summary.json"]),
            ("added file", { try Data("x".utf8).write(to: $0.appendingPathComponent("extra.csv")) }, 1, ["did not write (not in the manifest): extra.csv"]),
            ("manifest edited to match", { try flipByte($0.appendingPathComponent("matches.csv")); try rehash($0, "matches.csv") }, 1, ["matches.csv"]),
            ("symlink to an identical copy", {
                try fm.removeItem(at: $0.appendingPathComponent("matches.csv"))
                try fm.createSymbolicLink(at: $0.appendingPathComponent("matches.csv"), withDestinationURL: outside)
            }, 1, ["matches.csv", "symbolic link"]),
            ("symlink to a system file", {
                try fm.removeItem(at: $0.appendingPathComponent("summary.json"))
                try fm.createSymbolicLink(at: $0.appendingPathComponent("summary.json"), withDestinationURL: URL(fileURLWithPath: "/etc/passwd"))
            }, 1, ["summary.json", "symbolic link"]),
            ("manifest is a symlink", {
                let moved = dir.appendingPathComponent("moved-\(UUID().uuidString).json")
                try fm.moveItem(at: $0.appendingPathComponent("manifest.json"), to: moved)
                try fm.createSymbolicLink(at: $0.appendingPathComponent("manifest.json"), withDestinationURL: moved)
            }, 1, ["manifest.json", "symbolic link"]),
            ("manifest truncated", {
                let url = $0.appendingPathComponent("manifest.json")
                try Data(try Data(contentsOf: url).prefix(100)).write(to: url)
            }, 66, ["manifest.json"]),
            ("input changed", { _ in try flipByte(data) }, 1, ["input data", "changed"]),
            ("manifest names a file outside the folder", {
                let url = $0.appendingPathComponent("manifest.json")
                var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                manifest["outputs"] = (manifest["outputs"] as! [[String: String]]) + [["role": "output", "path": "../../../../etc/passwd", "sha256": String(repeating: "0", count: 64)]]
                try JSONSerialization.data(withJSONObject: manifest).write(to: url)
            }, 1, ["../../../../etc/passwd: listed in the manifest but is not a file name inside the folder"]),
        ]
        let pristine = try Data(contentsOf: data)
        for c in cases {
            let copy = dir.appendingPathComponent("copy-\(UUID().uuidString)")
            try fm.copyItem(at: original, to: copy)
            try c.tamper(copy)
            let r = try tool.run(["verify", copy.path])
            XCTAssertEqual(r.status, c.status, "\(c.name): \(r.stderr)")
            for word in c.words { XCTAssertTrue(r.stderr.contains(word), "\(c.name): expected '\(word)' in \(r.stderr)") }
            XCTAssertFalse(r.stderr.contains("root:x:0:0"), "\(c.name): quotes /etc/passwd: \(r.stderr)")
            try pristine.write(to: data)
        }
    }
}
