import Foundation
import XCTest
import TestSupport

/// The top-level command line: mistyped commands and the help text's examples.
final class CommandHelpTests: XCTestCase {
    let tool = CommandLineTool()
    static let commands = ["evaluate", "init", "design", "match", "effect", "ratecard", "report", "synthesize", "verify"]

    /// A mistyped command gets exit 64, the closest command and the list of commands.
    func testMistypedCommandSuggestsTheClosest() throws {
        for (typed, suggestion) in [("evalute", "evaluate"), ("evaluat", "evaluate"), ("Match", "match"),
                                    ("ratcard", "ratecard"), ("verfy", "verify"), ("synth", "synthesize")] {
            let r = try tool.run([typed, "x"])
            XCTAssertEqual(r.status, 64, r.stderr)
            XCTAssertTrue(r.stderr.contains("'\(typed)' is not a command. Did you mean '\(suggestion)'?"), r.stderr)
            XCTAssertTrue(r.stderr.contains("The commands are: " + Self.commands.joined(separator: ", ")), r.stderr)
        }
        let far = try tool.run(["xyzzy"])
        XCTAssertEqual(far.status, 64, far.stderr)
        XCTAssertFalse(far.stderr.contains("Did you mean"), far.stderr)
        // Options and real commands are left to the parser.
        XCTAssertEqual(try tool.run(["--version"]).status, 0)
        XCTAssertEqual(try tool.run(["help", "match"]).status, 0)
    }

    /// Examples in every command's help are whole commands: each line fits in 80 columns (the
    /// width help is wrapped to when not on a terminal), so none is broken in the middle, and
    /// every line but a command's last ends with a shell continuation.
    func testHelpExamplesFitAndAreNotBroken() throws {
        for command in Self.commands {
            let r = try tool.run(["help", command])
            XCTAssertEqual(r.status, 0, r.stderr)
            guard let start = r.stdout.range(of: "\nExample") else { continue }
            let section = r.stdout[start.upperBound...].prefix { _ in true }
            let lines = section.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
                .prefix { !$0.hasPrefix("USAGE") && !$0.isEmpty }
            XCTAssertFalse(lines.isEmpty, command)
            var continued = false
            for line in lines {
                XCTAssertLessThanOrEqual(line.count, 80, "\(command): \(line)")
                XCTAssertTrue(line.hasPrefix(continued ? "    " : "  counterfactual "), "\(command): '\(line)'")
                continued = line.hasSuffix("\\")
            }
            XCTAssertFalse(continued, command)
        }
    }
}
