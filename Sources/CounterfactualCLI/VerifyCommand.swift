import ArgumentParser
import Foundation
import Reporting
#if canImport(Glibc)
import Glibc
#endif

/// Writes `manifest.json` into an output folder, last: it lists every file in the folder (so a file
/// the run wrote can never be left out), in the order of `outputs` and then by name, with the
/// role given there (`report` for report.html and report.md, `output` otherwise).
/// `digests`: SHA-256 already computed from the bytes read or written (by input path, and by output
/// file name), so that those files are not read again; any other file is hashed from disk.
func writeManifest(folder: URL, inputs: [(role: String, path: String)], outputs: [(role: String, file: String)],
                   seeds: [(String, String)], timings: [(String, Double)], plan: String? = nil,
                   digests: (inputs: [String: String], outputs: [String: String]) = ([:], [:]),
                   arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                   workingDirectory: String = FileManager.default.currentDirectoryPath) throws {
    let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0 != "manifest.json" })
    var records = outputs.filter { present.contains($0.file) }
    for name in present.sorted() where !records.contains(where: { $0.file == name }) {
        records.append((role: Manifest.reportFiles.contains(name) ? "report" : "output", file: name))
    }
    let facts = EnvironmentProbe.shared.facts
    let manifest = Manifest(
        programVersion: counterfactualVersion, gitCommit: facts.gitCommit,
        arguments: arguments, workingDirectory: workingDirectory,
        inputs: try inputs.map { Manifest.FileRecord(role: $0.role, path: $0.path, sha256: try digests.inputs[$0.path] ?? sha256(ofFile: $0.path)) },
        outputs: try records.map { o in
            Manifest.FileRecord(role: o.role, path: o.file,
                                sha256: try digests.outputs[o.file] ?? sha256(ofFile: folder.appendingPathComponent(o.file).path))
        },
        seeds: seeds, threads: ProcessInfo.processInfo.activeProcessorCount, timings: timings, plan: plan,
        cpuModel: facts.cpuModel, blas: facts.blas, lapack: facts.lapack)
    try write(manifest.json().serialized(), to: folder.appendingPathComponent("manifest.json"))
}

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-run an output folder's command from its manifest and check every output bit for bit, or compare two output folders.",
        discussion: """
        verify DIR: reads DIR/manifest.json, checks that every input still has its recorded SHA-256 and that \
        every output in DIR is unchanged, re-runs the recorded command (same arguments, same \
        working directory, output to a temporary folder) and compares every re-run output with \
        the recorded hash. Differences are listed: for JSON, \
        the path of each value that differs; for CSV, the first differing lines. Exit code 0 when \
        everything is reproduced, 1 when an input changed or an output differs.

        verify DIR --against OTHER: compares two output folders of the same command and inputs \
        (for example runs under two BLAS libraries) without re-running anything. Each folder must \
        first match its own manifest (exit 65 otherwise). Verdicts: identical (every output byte \
        equal; exit 0); equivalent (strings, booleans, integers such as counts, matched sets and \
        pence, and the layout of every file equal, every other number within 1e-9 relative; exit 0, \
        naming the largest relative difference and both folders' BLAS and LAPACK libraries); \
        different (exit 1, naming the first difference that breaks equivalence). The manifests' \
        environment (BLAS, LAPACK, CPU, threads, timings, paths, program version) is not compared.
        """
    )

    @Argument(help: "Output folder holding manifest.json.")
    var folder: String

    @Option(name: .customLong("against"), help: ArgumentHelp(
        "Another output folder to compare DIR with (identical / equivalent / different) instead of re-running DIR's command.",
        valueName: "OTHER"))
    var against: String?

    /// The re-run's temporary folder, removed by `fail` too (exit skips `defer`).
    nonisolated(unsafe) static var scratch: URL?
    var scratchFolder: URL? {
        get { Self.scratch }
        nonmutating set { Self.scratch = newValue }
    }

    func run() throws {
        let folderURL = URL(fileURLWithPath: folder, isDirectory: true)
        // The program writes only regular files: a symbolic link (or anything else) swapped in is
        // named and never followed, so verify cannot be made to read, hash or quote another file.
        func kind(_ name: String) -> String? {
            var info = stat()
            guard lstat(folderURL.appendingPathComponent(name).path, &info) == 0 else { return nil }
            switch info.st_mode & S_IFMT {
            case S_IFREG: return nil
            case S_IFLNK: return "a symbolic link"
            case S_IFDIR: return "a folder"
            default: return "not a regular file"
            }
        }
        func swapped(_ name: String, _ what: String) -> String {
            "\(name): is \(what), not the file counterfactual wrote; it is not followed"
        }
        if let what = kind("manifest.json") { fail([swapped("manifest.json", what)]) }
        let manifest = try readManifest(folderURL)
        if let against {
            let other = URL(fileURLWithPath: against, isDirectory: true)
            var info = stat()
            if lstat(other.appendingPathComponent("manifest.json").path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                fail(["\(against)/manifest.json: is not a regular file written by counterfactual; it is not followed"])
            }
            return try compare(folderURL, manifest, with: other)
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

        // Every file in the folder must be one the program wrote (listed), and every listed one present.
        let listed = Set(manifest.outputs.map(\.path)).union(["manifest.json"])
        let inFolder = Set((try? FileManager.default.contentsOfDirectory(atPath: folderURL.path)) ?? [])
        let foreign = inFolder.subtracting(listed).sorted()
        if !foreign.isEmpty {
            problems.append("the folder holds files counterfactual did not write (not in the manifest): \(foreign.joined(separator: ", "))")
        }
        var swappedIn: Set<String> = []
        for name in inFolder.intersection(listed).sorted() {
            if let what = kind(name) { problems.append(swapped(name, what)); swappedIn.insert(name) }
        }
        // An output is a file name inside the folder; a path elsewhere ("../x", "/etc/x") is never read.
        for output in manifest.outputs where output.path.contains("/") || output.path == "." || output.path == ".." || output.path.isEmpty {
            problems.append("\(output.path): listed in the manifest but is not a file name inside the folder; it is not read")
            swappedIn.insert(output.path)
        }

        // Re-run the recorded command, parsed by the same parser as the command itself, into a
        // temporary folder of our own (removed on every exit path).
        let arguments = try rerunArguments(manifest.arguments, scratchPlaceholder: "\u{0}")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("counterfactual-verify-\(UUID().uuidString)")
        scratchFolder = scratch
        defer { try? FileManager.default.removeItem(at: scratch) }
        let process = Process()
        process.executableURL = Bundle.main.executableURL
        process.arguments = arguments.map { $0 == "\u{0}" ? scratch.path : $0 }
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
        // Reports added later by `counterfactual report DIR` are rendered again from the re-run.
        if manifest.outputs.contains(where: { $0.role == "report" }),
           !FileManager.default.fileExists(atPath: scratch.appendingPathComponent("report.html").path) {
            try writeReport(folder: scratch)
        }
        // The re-run's files are the list the command writes: the manifest must list exactly those.
        let rerunFiles = Set((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).subtracting(["manifest.json"])
        let recordedFiles = Set(manifest.outputs.map(\.path))
        for missing in rerunFiles.subtracting(recordedFiles).sorted() {
            problems.append("\(missing): the command writes it but the manifest does not list it")
        }
        for extra in recordedFiles.subtracting(rerunFiles).sorted() {
            problems.append("\(extra): listed in the manifest but the command does not write it")
        }

        for output in manifest.outputs where !swappedIn.contains(output.path) {
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

    func readManifest(_ folder: URL) throws -> Manifest {
        do {
            return try Manifest.read(path: folder.appendingPathComponent("manifest.json").path)
        } catch let e as ManifestError {
            FileHandle.standardError.write(Data("counterfactual: error: \(e.description)\n".utf8))
            throw ExitCode(ExitStatus.noInput)
        }
    }

    /// `verify DIR --against OTHER`: both folders must match their own manifests (a tampered
    /// folder is an error, exit 65, not a verdict); then `FolderComparison` gives the verdict.
    func compare(_ a: URL, _ ma: Manifest, with b: URL) throws {
        let mb = try readManifest(b)
        for (url, manifest) in [(a, ma), (b, mb)] {
            let problems = manifest.integrityProblems(folder: url)
            guard problems.isEmpty else {
                FileHandle.standardError.write(Data(("counterfactual: error: \(url.path) does not match its manifest, so it cannot be compared:\n"
                    + problems.joined(separator: "\n") + "\n").utf8))
                throw ExitCode(ExitStatus.dataError)
            }
        }
        func libraries(_ m: Manifest) -> String {
            "BLAS \(m.blas?.summary ?? "not recorded"), LAPACK \(m.lapack?.summary ?? "not recorded")"
        }
        let environment = "first folder (\(a.path)): \(libraries(ma)); second folder (\(b.path)): \(libraries(mb))"
        switch FolderComparison.compare(a, ma, b, mb) {
        case .identical(let files):
            print("identical: all \(files) output file\(files == 1 ? "" : "s") byte for byte equal\n\(environment)")
        case .equivalent(let files, let differing, let largest):
            var text = "equivalent: \(differing.count) of \(files) output files differ (\(differing.joined(separator: ", "))), "
                + "only in numbers within \(FolderComparison.relativeTolerance) relative; matched sets, counts, triggers, decisions and money identical"
            if let d = largest {
                text += "\nlargest relative difference \(String(format: "%.3g", d.relative)): \(d.file), \(d.location): \(d.first) in the first, \(d.second) in the second"
            }
            print(text + "\n" + environment)
        case .different(let what):
            FileHandle.standardError.write(Data("counterfactual: different: \(what)\n\(environment)\n".utf8))
            throw ExitCode(ExitStatus.verificationFailed)
        }
    }

    /// The recorded arguments, checked with the command's own parser: only `match`, `evaluate`,
    /// `ratecard` and `effect` are re-run, with exactly one `--out`, replaced by `scratchPlaceholder`; anything
    /// else is refused (a manifest is data, and must not make verify write elsewhere).
    func rerunArguments(_ recorded: [String], scratchPlaceholder: String) throws -> [String] {
        let command: ParsableCommand
        do { command = try Counterfactual.parseAsRoot(recorded) } catch {
            fail(["the recorded command cannot be parsed (\(Counterfactual.message(for: error))); the manifest was not written by this program"])
        }
        guard command is Match || command is Evaluate || command is RateCard || command is Effect else {
            fail(["the recorded command is not match, evaluate, ratecard or effect; verify re-runs only those"])
        }
        let outs = recorded.indices.filter { recorded[$0] == "--out" || recorded[$0].hasPrefix("--out=") }
        guard outs.count == 1 else {
            fail(["the recorded command names \(outs.count) --out options; verify re-runs only a command with exactly one"])
        }
        var arguments = recorded
        let k = outs[0]
        if arguments[k] == "--out" {
            guard k + 1 < arguments.count else { fail(["the recorded --out has no folder"]) }
            arguments[k + 1] = scratchPlaceholder
        } else {
            arguments[k] = "--out=" + scratchPlaceholder
        }
        if !arguments.contains("--quiet") { arguments.append("--quiet") }
        return arguments
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
        if let scratch = scratchFolder { try? FileManager.default.removeItem(at: scratch) }
        FileHandle.standardError.write(Data(("counterfactual: verification failed:\n" + problems.joined(separator: "\n") + "\n").utf8))
        Foundation.exit(ExitStatus.verificationFailed)
    }
}
