import Foundation

/// The audit record written beside every output: what produced it, from what, and how to re-derive
/// it. `counterfactual verify DIR` re-runs the recorded command and compares every output.
public struct Manifest: Sendable, Equatable {
    public struct FileRecord: Sendable, Equatable {
        public var role: String
        /// Path as given on the command line (relative to `workingDirectory` when relative).
        public var path: String
        public var sha256: String

        public init(role: String, path: String, sha256: String) {
            self.role = role
            self.path = path
            self.sha256 = sha256
        }
    }

    public var programVersion: String
    /// `git describe`-style commit of the source tree the program was built from, or nil.
    public var gitCommit: String?
    /// Arguments after the program name.
    public var arguments: [String]
    public var workingDirectory: String
    public var inputs: [FileRecord]
    /// Output files, relative to the output folder.
    public var outputs: [FileRecord]
    public var seeds: [(String, String)]
    public var threads: Int
    public var timings: [(String, Double)]
    /// The plan file's text, for commands driven by a plan (so the manifest alone says what was asked).
    public var plan: String?

    public static func == (a: Manifest, b: Manifest) -> Bool { a.json() == b.json() }

    public init(programVersion: String, gitCommit: String?, arguments: [String], workingDirectory: String,
                inputs: [FileRecord], outputs: [FileRecord], seeds: [(String, String)], threads: Int,
                timings: [(String, Double)], plan: String? = nil) {
        self.plan = plan
        self.programVersion = programVersion
        self.gitCommit = gitCommit
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.inputs = inputs
        self.outputs = outputs
        self.seeds = seeds
        self.threads = threads
        self.timings = timings
    }

    public func json() -> JSONValue {
        func files(_ f: [FileRecord]) -> JSONValue {
            .array(f.map { .object([("role", .string($0.role)), ("path", .string($0.path)), ("sha256", .string($0.sha256))]) })
        }
        return .object([
            ("program", .object([("name", .string("counterfactual")), ("version", .string(programVersion)),
                                 ("git_commit", gitCommit.map(JSONValue.string) ?? .null)])),
            ("arguments", .array(arguments.map(JSONValue.string))),
            ("working_directory", .string(workingDirectory)),
            ("inputs", files(inputs)),
            ("outputs", files(outputs)),
            ("seeds", .object(seeds.map { ($0.0, .string($0.1)) })),
            ("threads", .int(threads)),
            ("timings_seconds", .object(timings.map { ($0.0, .number($0.1)) })),
            ("plan", plan.map(JSONValue.string) ?? .null),
        ])
    }

    /// Reads a manifest written by `json()`.
    public static func read(path: String) throws -> Manifest {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ManifestError(path: path, message: "cannot read the manifest (\((error as NSError).localizedDescription))")
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let program = root["program"] as? [String: Any],
              let arguments = root["arguments"] as? [String],
              let workingDirectory = root["working_directory"] as? String,
              let inputs = root["inputs"] as? [[String: String]],
              let outputs = root["outputs"] as? [[String: String]] else {
            throw ManifestError(path: path, message: "is not a counterfactual manifest (missing program, arguments, inputs or outputs)")
        }
        func records(_ list: [[String: String]]) -> [FileRecord] {
            list.map { FileRecord(role: $0["role"] ?? "", path: $0["path"] ?? "", sha256: $0["sha256"] ?? "") }
        }
        let seeds = ((root["seeds"] as? [String: String]) ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        return Manifest(programVersion: program["version"] as? String ?? "", gitCommit: program["git_commit"] as? String,
                        arguments: arguments, workingDirectory: workingDirectory, inputs: records(inputs),
                        outputs: records(outputs), seeds: seeds, threads: root["threads"] as? Int ?? 0,
                        timings: [], plan: root["plan"] as? String)
    }

    /// The commit of the git work tree holding `directory` (with `-dirty` when it has uncommitted
    /// changes), or nil outside a work tree or without git.
    public static func gitCommit(near directory: String) -> String? {
        func git(_ args: [String]) -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["git", "-C", directory] + args
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            do { try p.run() } catch { return nil }
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return p.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
        }
        guard let commit = git(["rev-parse", "HEAD"]), !commit.isEmpty else { return nil }
        let dirty = !(git(["status", "--porcelain", "--untracked-files=no"]) ?? "").isEmpty
        return dirty ? commit + "-dirty" : commit
    }
}

/// A manifest could not be read or verified.
public struct ManifestError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)." }
}

/// Differences between two JSON documents, as paths (`cohorts[0].measure.treated_rate: 1.1 vs 1.2`).
public func jsonDifferences(_ a: Any, _ b: Any, path: String = "", limit: Int = 50) -> [String] {
    var out: [String] = []
    func walk(_ x: Any, _ y: Any, _ p: String) {
        guard out.count < limit else { return }
        switch (x, y) {
        case (let dx as [String: Any], let dy as [String: Any]):
            for key in Set(dx.keys).union(dy.keys).sorted() {
                let child = p.isEmpty ? key : "\(p).\(key)"
                guard let vx = dx[key] else { out.append("\(child): absent vs present"); continue }
                guard let vy = dy[key] else { out.append("\(child): present vs absent"); continue }
                walk(vx, vy, child)
            }
        case (let ax as [Any], let ay as [Any]):
            if ax.count != ay.count { out.append("\(p): \(ax.count) vs \(ay.count) items") }
            for i in 0..<min(ax.count, ay.count) { walk(ax[i], ay[i], "\(p)[\(i)]") }
        default:
            let sx = "\(x)", sy = "\(y)"
            if sx != sy { out.append("\(p): \(sx) vs \(sy)") }
        }
    }
    walk(a, b, path)
    return out
}
