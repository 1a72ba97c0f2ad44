import Foundation
import TestSupport
import XCTest

/// Outputs are atomic and never replace what they must not: table-driven refusals, and an
/// interrupted run that leaves the previous complete output.
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
        let pilot = dir.appendingPathComponent("pilot.csv")
        try "n\n1\n2\n1e300\n".write(to: pilot, atomically: true, encoding: .utf8)
        let lalonde = ["--treatment", "treat", "--covariates", "age,educ,race,married,nodegree,re74,re75", "--quiet"]
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["evaluate", plan, "--out", ""], 64, "--out is empty"),
            (["evaluate", plan, "--out", foreign.path], 73, "holds files counterfactual did not write (notes.txt)"),
            (["evaluate", plan, "--out", aFile.path], 73, "exists and is not a folder"),
            (["match", data.path, "--out", holder.path] + lalonde, 73, "holds the input"),
            (["synthesize", "--rows", "10", "--out", ""], 64, "--out is empty"),
            (["design", "--cohort-size", "1000000000"], 64, "--cohort-size must be a whole number from 2 to 1000000"),
            (["design", "--replicates", "100000000"], 64, "--replicates must be a whole number from 1 to 100000"),
            (["design", "--pilot", pilot.path, "--pilot-column", "n"], 65, "line 4, column 'n': '1e+300' is not a count of events per person"),
            (["match", "Datasets/lalonde.csv", "--out", dir.appendingPathComponent("m").path, "--categorical", "racee"] + lalonde, 64,
             "--categorical names 'racee', which is not among --covariates or --exact"),
            (["synthesize", "--rows", "10", "--out", dir.appendingPathComponent("c.csv").path,
              "--events", dir.appendingPathComponent("./c.csv").path], 64, "name the same file"),
            (["synthesize", "--rows", "10", "--out", dir.path], 73, "is a folder"),
            (["synthesize", "--rows=-1", "--out", dir.appendingPathComponent("n.csv").path], 64, "--rows must be a whole number from 0 to 100000000"),
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
}
