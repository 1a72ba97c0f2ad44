import CSystemShims
import Dispatch
import Foundation
import Reporting
#if canImport(Glibc)
import Glibc
#endif

/// An output folder written atomically, so an interrupted or failed run leaves either the previous
/// complete output or nothing, never a manifest describing files that are not there.
///
/// Files are written into a hidden staging folder beside the destination (same filesystem). On
/// `commit()` every file and the staging folder are flushed to disk (`fsync`), then the staging
/// folder takes the destination's place in one step (Linux `renameat2(RENAME_EXCHANGE)`; where that
/// is unavailable, two renames with the previous output kept aside until the new one is in place),
/// and the previous output is removed. On any error, or SIGINT/SIGTERM, the staging folder is
/// removed and the destination is untouched.
///
/// Because the whole folder is replaced, the destination must be new, empty, or a folder this
/// program wrote (every file in it listed by its `manifest.json`, or a report); and no input may lie
/// inside it.
final class OutputFolder {
    let destination: URL
    let staging: URL
    private var committed = false

    /// Prepares a run's output folder. `inputs` are the paths the run reads.
    init(path: String, inputs: [String]) throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OutputRefused(path: path, reason: "--out is empty; name the output folder")
        }
        let destination = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        self.destination = destination
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputRefused(path: destination.path, reason: "exists and is not a folder; --out names a folder")
            }
            try Self.checkReplaceable(destination)
        }
        let real = destination.resolvingSymlinksInPath().path
        for input in inputs {
            let resolved = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path
            if resolved == real || resolved.hasPrefix(real + "/") {
                throw OutputRefused(path: destination.path, reason: "holds the input \(input), which this run would replace; write the output to another folder")
            }
        }
        let parent = destination.deletingLastPathComponent()
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw OutputError(path: parent.path, reason: (error as NSError).localizedDescription)
        }
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())-\(UUID().uuidString.prefix(8))")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw OutputError(path: staging.path, reason: (error as NSError).localizedDescription)
        }
        StagingFolders.shared.add(staging)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Refuses to replace a folder holding files this program did not write.
    static func checkReplaceable(_ folder: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if names.isEmpty { return }
        var ours: Set<String> = ["manifest.json", "report.html", "report.md"]
        if let manifest = try? Manifest.read(path: folder.appendingPathComponent("manifest.json").path) {
            ours.formUnion(manifest.outputs.map(\.path))
        } else {
            throw OutputRefused(path: folder.path, reason: "is not empty and has no manifest.json, so it was not written by counterfactual; choose a new or empty folder (the whole folder is replaced)")
        }
        let foreign = names.filter { !ours.contains($0) }.sorted()
        if !foreign.isEmpty {
            throw OutputRefused(path: folder.path, reason: "holds files counterfactual did not write (\(foreign.prefix(5).joined(separator: ", "))\(foreign.count > 5 ? ", ..." : "")); choose a new or empty folder (the whole folder is replaced)")
        }
    }

    /// Where to write the output file `name` (inside the staging folder).
    func url(_ name: String) -> URL { staging.appendingPathComponent(name) }

    /// Writes the output file `name`.
    func write(_ data: Data, to name: String) throws {
        let url = self.url(name)
        guard FileManager.default.createFile(atPath: url.path, contents: data) else {
            throw OutputError(path: destination.appendingPathComponent(name).path, reason: errno == 0 ? "cannot create the file" : String(cString: strerror(errno)))
        }
    }

    func write(_ text: String, to name: String) throws { try write(Data(text.utf8), to: name) }

    /// Flushes every file and puts the folder in place.
    func commit() throws {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: staging.path)) ?? []
        for name in names { try Self.flush(staging.appendingPathComponent(name).path) }
        try Self.flush(staging.path)
        let parent = destination.deletingLastPathComponent()
        if fm.fileExists(atPath: destination.path) {
            if cf_exchange_paths(staging.path, destination.path) == 0 {
                // The previous output now sits at the staging path.
                try? fm.removeItem(at: staging)
            } else {
                let aside = parent.appendingPathComponent(".\(destination.lastPathComponent).previous-\(getpid())-\(UUID().uuidString.prefix(8))")
                guard rename(destination.path, aside.path) == 0 else { throw OutputError(path: destination.path, reason: String(cString: strerror(errno))) }
                guard rename(staging.path, destination.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    _ = rename(aside.path, destination.path)
                    throw OutputError(path: destination.path, reason: reason)
                }
                try? fm.removeItem(at: aside)
            }
        } else {
            guard rename(staging.path, destination.path) == 0 else {
                throw OutputError(path: destination.path, reason: String(cString: strerror(errno)))
            }
        }
        try? Self.flush(parent.path)
        committed = true
        StagingFolders.shared.remove(staging)
    }

    /// Removes the staging folder (the destination is untouched).
    func abandon() {
        try? FileManager.default.removeItem(at: staging)
        StagingFolders.shared.remove(staging)
    }

    /// `fsync` of a file or folder.
    static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// Staging folders in use, removed if the process is interrupted (SIGINT, SIGTERM).
final class StagingFolders: @unchecked Sendable {
    static let shared = StagingFolders()
    private let lock = NSLock()
    private var folders: Set<URL> = []
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for (signalNumber, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [unowned self] in
                self.removeAll()
                FileHandle.standardError.write(Data("counterfactual: interrupted; nothing was written (any previous output is unchanged).\n".utf8))
                exit(status)
            }
            source.resume()
            sources.append(source)
        }
    }

    func add(_ url: URL) { lock.lock(); folders.insert(url); lock.unlock() }
    func remove(_ url: URL) { lock.lock(); folders.remove(url); lock.unlock() }

    func removeAll() {
        lock.lock()
        let all = folders
        folders.removeAll()
        lock.unlock()
        for url in all { try? FileManager.default.removeItem(at: url) }
    }
}

/// An output folder this run must not write (a usage problem, not a disk failure).
struct OutputRefused: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { path.isEmpty ? "\(reason)." : "\(path): \(reason)." }
}
