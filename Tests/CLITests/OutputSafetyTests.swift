import Foundation
import TestSupport
import XCTest

/// Outputs are atomic and never replace what they must not: table-driven refusals, and a failed or
/// interrupted run that leaves the previous complete output. (Option ranges, a full disk and more
/// interrupted runs are in AdversarialTests.)
final class OutputSafetyTests: XCTestCase {
    let tool = CommandLineTool()
    let plan = "Datasets/peterborough/plan.toml"

    func folder() throws -> URL {
        let url = try CommandLineTool.makeTemporaryFolder()
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testRefusedOutputFolders() throws {
        let dir = try folder()
        let foreign = dir.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try "keep me".write(to: foreign.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let aFile = dir.appendingPathComponent("a-file")
        try "x".write(to: aFile, atomically: true, encoding: .utf8)
        // An input inside the output folder: matching lalonde from a copy placed in the folder.
        let holder = dir.appendingPathComponent("holder")
        try FileManager.default.createDirectory(at: holder, withIntermediateDirectories: true)
        let data = holder.appendingPathComponent("data.csv")
        try FileManager.default.copyItem(at: Fixtures.dataset("lalonde.csv"), to: data)
        let lalonde = ["--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75", "--quiet"]
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["evaluate", plan, "--out", foreign.path], 73, "holds files counterfactual did not write (notes.txt)"),
            (["evaluate", plan, "--out", aFile.path], 73, "exists and is not a folder"),
            (["match", data.path, "--out", holder.path] + lalonde, 73, "holds the input"),
            (["synthesize", "--rows", "10", "--out", dir.appendingPathComponent("c.csv").path,
              "--events", dir.appendingPathComponent("./c.csv").path], 64, "name the same file"),
            (["synthesize", "--rows", "10", "--out", dir.path], 73, "is a folder"),
        ]
        for c in cases {
            let r = try tool.run(c.arguments)
            XCTAssertEqual(r.status, c.status, "\(c.arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(c.message), "\(c.arguments): \(r.stderr)")
        }
        XCTAssertEqual(try String(contentsOf: foreign.appendingPathComponent("notes.txt"), encoding: .utf8), "keep me")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: holder.path), ["data.csv"])
        // A symbolic link or a FIFO is never replaced.
        let link = dir.appendingPathComponent("link.csv")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: aFile)
        let fifo = dir.appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        for target in [link, fifo] {
            let r = try tool.run(["synthesize", "--rows", "10", "--out", target.path])
            XCTAssertEqual(r.status, 73, r.stderr)
            XCTAssertTrue(r.stderr.contains("replaces only regular files"), r.stderr)
        }
        XCTAssertEqual(try String(contentsOf: aFile, encoding: .utf8), "x")
        // Nothing is left behind by the refusals.
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.contains(".partial-") })
    }

    /// A failed run and an interrupted run leave the previous complete output (and no staging).
    func testFailedAndInterruptedRunsLeaveThePreviousOutput() throws {
        let dir = try folder()
        let out = dir.appendingPathComponent("out")
        XCTAssertEqual(try tool.run(["evaluate", plan, "--out", out.path, "--quiet"]).status, 0)
        let before = try Data(contentsOf: out.appendingPathComponent("evaluation.json"))
        // A plan whose events file is missing fails after matching: the old output stays.
        let source = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent(plan), encoding: .utf8)
        let broken = dir.appendingPathComponent("plan.toml")
        try source.replacingOccurrences(of: "cohort = \"cohort.csv\"", with: "cohort = \"\(Fixtures.repositoryRoot.path)/Datasets/peterborough/cohort.csv\"")
            .replacingOccurrences(of: "events = \"events.csv\"", with: "events = \"missing.csv\"")
            .write(to: broken, atomically: true, encoding: .utf8)
        XCTAssertEqual(try tool.run(["evaluate", broken.path, "--out", out.path, "--quiet"]).status, 66)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("evaluation.json")), before)
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)

        // synthesize interrupted by SIGINT: the previous file is intact.
        let csv = dir.appendingPathComponent("cohort.csv")
        XCTAssertEqual(try tool.run(["synthesize", "--rows", "1000", "--out", csv.path]).status, 0)
        let small = try Data(contentsOf: csv)
        let p = Process()
        p.executableURL = CommandLineTool.productsDirectory.appendingPathComponent("counterfactual")
        p.arguments = ["synthesize", "--rows", "20000000", "--out", csv.path]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        p.interrupt()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        XCTAssertEqual(try Data(contentsOf: csv), small)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: dir.path).contains { $0.contains(".partial-") })
    }

    /// A replaced output is removed once the new one is in place: a small one by the run itself
    /// (nothing is left beside the destination when it exits), one of 32 MiB or more by a process of
    /// its own, which also removes what an earlier such removal left (a hidden `.NAME.previous-*`).
    func testReplacedOutputsAreRemoved() throws {
        let dir = try folder()
        let out = dir.appendingPathComponent("out")
        let data = Fixtures.dataset("lalonde.csv").path
        let arguments = ["match", data, "--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75",
                         "--quiet", "--out", out.path]
        XCTAssertEqual(try tool.run(arguments).status, 0)
        let matches = try Data(contentsOf: out.appendingPathComponent("matches.csv"))
        let leftovers = { try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".out.") }.sorted() }
        // A small previous output: removed before the run returns.
        XCTAssertEqual(try tool.run(arguments).status, 0)
        XCTAssertEqual(try leftovers(), [])
        // A large one (matches.csv extended to 40 MiB, without writing its bytes), and what an
        // interrupted removal left.
        let handle = try FileHandle(forWritingTo: out.appendingPathComponent("matches.csv"))
        try handle.truncate(atOffset: 40 << 20)
        try handle.close()
        let stale = dir.appendingPathComponent(".out.previous-1-0000CAFE")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: false)
        try "old".write(to: stale.appendingPathComponent("summary.json"), atomically: false, encoding: .utf8)
        let r = try tool.run(arguments)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("matches.csv")), matches)
        XCTAssertEqual(try tool.run(["verify", out.path]).status, 0)
        let deadline = Date().addingTimeInterval(30)
        while try !leftovers().isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(try leftovers(), [], "the replaced output and the stale one are removed")
    }
}
