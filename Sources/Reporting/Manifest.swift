import Crypto
import Foundation
import CohortData

/// SHA-256 of a file, as lowercase hex (streamed, so any size).
public func sha256(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw CohortDataError.unreadable(file: path, reason: "cannot open the file to hash it")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().map { b in
        let s = String(b, radix: 16)
        return b < 16 ? "0" + s : s
    }.joined()
}

/// The audit record written beside every output as `manifest.json`: what produced it, from what,
/// and how to re-derive it. `counterfactual verify DIR` re-runs the recorded command and compares
/// every output. Members in declaration order; docs/schemas.md describes each.
public struct Manifest: Codable, Sendable, Equatable {
    /// The report files `counterfactual report` (or `--report`) writes into a folder.
    public static let reportFiles: Set<String> = ["report.html", "report.md"]

    public struct Program: Codable, Sendable, Equatable {
        public var name = "counterfactual"
        public var version: String
        /// `git describe`-style commit of the source tree the program was built from, or nil.
        public var gitCommit: String?
    }

    public struct FileRecord: Codable, Sendable, Equatable {
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

    /// A shared library the process loaded (see `RuntimeEnvironment`).
    public struct Library: Codable, Sendable, Equatable {
        /// Resolved real path of the loaded object (symbolic links followed).
        public var path: String
        /// Its version: OpenBLAS's own (from `openblas_get_config`), else the one in the file name
        /// (`libblas.so.3.11.0` gives "3.11.0"); nil when neither says.
        public var version: String?
        /// The Debian package that installed the file and its version ("libblas3 3.11.0-2"), or nil.
        public var debianPackage: String?
        /// `openblas_get_config()` when the library is OpenBLAS, else nil.
        public var openblasConfig: String?

        public init(path: String, version: String?, debianPackage: String?, openblasConfig: String?) {
            self.path = path
            self.version = version
            self.debianPackage = debianPackage
            self.openblasConfig = openblasConfig
        }

        /// One line for messages: "OpenBLAS 0.3.21 (/path/libblas.so.3)", "libblas3 3.11.0-2 (/path)"
        /// or "version 3.11.0 (/path)".
        public var summary: String {
            let name = openblasConfig.map { _ in "OpenBLAS \(version ?? "")" } ?? debianPackage ?? version.map { "version \($0)" } ?? "unknown version"
            return "\(name) (\(path))"
        }
    }

    public var schemaVersion = SchemaVersion.current
    public var program: Program
    /// Arguments after the program name.
    public var arguments: [String]
    public var workingDirectory: String
    public var inputs: [FileRecord]
    /// Output files, relative to the output folder.
    public var outputs: [FileRecord]
    /// Seeds as decimal strings, by what they seed.
    public var seeds: NamedValues<String>
    public var threads: Int
    /// The CPU model ("model name" in /proc/cpuinfo), or nil. Environment, like the paths and the
    /// timings: `verify A --against B` does not count it as a difference.
    public var cpuModel: String?
    /// The BLAS library the process actually loaded (the object defining `dsyrk_`), or nil.
    public var blas: Library?
    /// The LAPACK library the process actually loaded (the object defining `dpotrf_`), or nil.
    public var lapack: Library?
    /// Wall-clock seconds per stage.
    public var timingsSeconds: NamedValues<Double>
    /// The plan file's text, for commands driven by a plan (so the manifest alone says what was asked).
    public var plan: String?

    public var programVersion: String {
        get { program.version }
        set { program.version = newValue }
    }

    public var gitCommit: String? {
        get { program.gitCommit }
        set { program.gitCommit = newValue }
    }

    public init(programVersion: String, gitCommit: String?, arguments: [String], workingDirectory: String,
                inputs: [FileRecord], outputs: [FileRecord], seeds: [(String, String)], threads: Int,
                timings: [(String, Double)], plan: String? = nil,
                cpuModel: String? = nil, blas: Library? = nil, lapack: Library? = nil) {
        self.program = Program(version: programVersion, gitCommit: gitCommit)
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.inputs = inputs
        self.outputs = outputs
        self.seeds = NamedValues(seeds)
        self.threads = threads
        self.cpuModel = cpuModel
        self.blas = blas
        self.lapack = lapack
        self.timingsSeconds = NamedValues(timings)
        self.plan = plan
    }

    /// Reads every member; `cpu_model`, `blas` and `lapack` may be absent (manifests written before
    /// they were recorded), and read as nil then, so older output folders still verify.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        schemaVersion = try c.decode(SchemaVersion.self, forKey: .schemaVersion)
        program = try c.decode(Program.self, forKey: .program)
        arguments = try c.decode([String].self, forKey: .arguments)
        workingDirectory = try c.decode(String.self, forKey: .workingDirectory)
        inputs = try c.decode([FileRecord].self, forKey: .inputs)
        outputs = try c.decode([FileRecord].self, forKey: .outputs)
        seeds = try c.decode(NamedValues<String>.self, forKey: .seeds)
        threads = try c.decode(Int.self, forKey: .threads)
        cpuModel = c.contains(.cpuModel) ? try c.decodeIfPresent(String.self, forKey: .cpuModel) : nil
        blas = c.contains(.blas) ? try c.decodeIfPresent(Library.self, forKey: .blas) : nil
        lapack = c.contains(.lapack) ? try c.decodeIfPresent(Library.self, forKey: .lapack) : nil
        timingsSeconds = try c.decode(NamedValues<Double>.self, forKey: .timingsSeconds)
        plan = try c.decodeIfPresent(String.self, forKey: .plan)
    }

    /// manifest.json as an ordered JSON tree.
    public func json() -> JSONValue {
        // Every member is a string, number, array or object: encoding cannot fail.
        try! JSONValue(encoding: self)
    }

    /// Reads a manifest written by `json()`.
    public static func read(path: String) throws -> Manifest {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ManifestError(path: path, message: "cannot read the manifest (\((error as NSError).localizedDescription))")
        }
        do {
            return try decodeDocument(Manifest.self, from: JSONValue.parse(Array(data)), path: path)
        } catch let e as JSONSyntaxError {
            throw ManifestError(path: path, message: "is not a counterfactual manifest (not valid JSON: \(e))")
        } catch let e as DocumentError {
            throw ManifestError(path: path, message: "is not a counterfactual manifest (\(e.message))")
        }
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
