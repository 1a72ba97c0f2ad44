import ArgumentParser
import Foundation
import Reporting

/// Writes `manifest.json` into an output folder.
func writeManifest(folder: URL, inputs: [(role: String, path: String)], outputs: [(role: String, file: String)],
                   seeds: [(String, String)], timings: [(String, Double)], plan: String? = nil) throws {
    let executable = Bundle.main.executableURL?.deletingLastPathComponent().path ?? FileManager.default.currentDirectoryPath
    let manifest = Manifest(
        programVersion: counterfactualVersion, gitCommit: Manifest.gitCommit(near: executable),
        arguments: Array(CommandLine.arguments.dropFirst()), workingDirectory: FileManager.default.currentDirectoryPath,
        inputs: try inputs.map { Manifest.FileRecord(role: $0.role, path: $0.path, sha256: try sha256(ofFile: $0.path)) },
        outputs: try outputs.map { o in
            Manifest.FileRecord(role: o.role, path: o.file, sha256: try sha256(ofFile: folder.appendingPathComponent(o.file).path))
        },
        seeds: seeds, threads: ProcessInfo.processInfo.activeProcessorCount, timings: timings, plan: plan)
    try write(manifest.json().serialized(), to: folder.appendingPathComponent("manifest.json"))
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run an output folder's command from its manifest and check every output bit for bit.",
        discussion: """
        Reads DIR/manifest.json, checks that every input still has its recorded SHA-256 and that \
        every output in DIR is unchanged, re-runs the recorded command (same arguments, same \
        working directory, output to a temporary folder) and compares every re-run output with \
        the recorded hash. Differences are listed: for JSON, \
        the path of each value that differs; for CSV, the first differing lines. Exit code 0 when \
        everything is reproduced, 1 when an input changed or an output differs.
        """
    )

    @Argument(help: "Output folder holding manifest.json.")
    var folder: String

    func run() throws {
        let folderURL = URL(fileURLWithPath: folder, isDirectory: true)
        let manifest: Manifest
        do {
            manifest = try Manifest.read(path: folderURL.appendingPathComponent("manifest.json").path)
        } catch let e as ManifestError {
            FileHandle.standardError.write(Data("counterfactual: error: \(e.description)\n".utf8))
            throw ExitCode(ExitStatus.noInput)
        }
        let base = URL(fileURLWithPath: manifest.workingDirectory, isDirectory: true)
        func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : base.appendingPathComponent(path).path }

        var problems: [String] = []
        for input in manifest.inputs {
            let path = resolve(input.path)
            let hash = (try? sha256(ofFile: path)) ?? "missing"
            if hash != input.sha256 { problems.append("input \(input.role) \(input.path) changed: sha256 \(input.sha256) recorded, \(hash) now") }
        }
        if !problems.isEmpty { fail(problems) }

        // Re-run with --out pointing at a temporary folder.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("counterfactual-verify-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        var arguments = manifest.arguments
        if let k = arguments.firstIndex(of: "--out"), k + 1 < arguments.count {
            arguments[k + 1] = scratch.path
        } else if let k = arguments.firstIndex(where: { $0.hasPrefix("--out=") }) {
            arguments[k] = "--out=" + scratch.path
        } else {
            fail(["the recorded command has no --out option"])
        }
        if !arguments.contains("--quiet") { arguments.append("--quiet") }
        let process = Process()
        process.executableURL = Bundle.main.executableURL
        process.arguments = arguments
        process.currentDirectoryURL = base
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            fail(["the re-run failed (exit \(process.terminationStatus)): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines))"])
        }

        for output in manifest.outputs {
            let recorded = folderURL.appendingPathComponent(output.path), again = scratch.appendingPathComponent(output.path)
            // The file in the folder must still be the one the manifest describes ...
            let present = (try? sha256(ofFile: recorded.path)) ?? "missing"
            // ... and the re-run must produce it again.
            let rerun = (try? sha256(ofFile: again.path)) ?? "missing"
            if present == output.sha256 && rerun == output.sha256 { continue }
            if present != output.sha256 {
                problems.append("\(output.path): changed after it was written (sha256 \(output.sha256) in the manifest, \(present) in the folder)")
            }
            if rerun != output.sha256 {
                problems.append("\(output.path): the re-run gives sha256 \(rerun), not \(output.sha256)")
            }
            problems += differences(recorded: recorded, again: again).map { "  " + $0 }
        }
        if !problems.isEmpty { fail(problems) }
        print("verified: \(manifest.outputs.count) output file\(manifest.outputs.count == 1 ? "" : "s") reproduced bit for bit "
              + "from \(manifest.inputs.count) unchanged input\(manifest.inputs.count == 1 ? "" : "s") "
              + "(program \(counterfactualVersion); recorded \(manifest.programVersion)\(manifest.gitCommit.map { " at \($0)" } ?? ""))")
    }

    /// What differs between a recorded output and its re-run.
    func differences(recorded: URL, again: URL) -> [String] {
        guard let a = try? Data(contentsOf: recorded), let b = try? Data(contentsOf: again) else {
            return ["(the recorded file is missing from the folder, so values cannot be compared)"]
        }
        if recorded.pathExtension == "json",
           let ja = try? JSONValue.parse(Array(a)), let jb = try? JSONValue.parse(Array(b)) {
            return jsonDifferences(ja, jb).map { "value \($0) (recorded vs re-run)" }
        }
        let la = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let lb = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        var out: [String] = []
        for i in 0..<max(la.count, lb.count) where out.count < 20 {
            let x = i < la.count ? String(la[i]) : "(none)", y = i < lb.count ? String(lb[i]) : "(none)"
            if x != y { out.append("line \(i + 1): \(x) | \(y)") }
        }
        return out
    }

    func fail(_ problems: [String]) -> Never {
        FileHandle.standardError.write(Data(("counterfactual: verification failed:\n" + problems.joined(separator: "\n") + "\n").utf8))
        Foundation.exit(ExitStatus.verificationFailed)
    }
}
