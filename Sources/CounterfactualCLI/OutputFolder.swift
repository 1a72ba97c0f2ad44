import CSystemShims
import Dispatch
import Foundation
import Reporting
#if canImport(Glibc)
import Glibc
import OutputFiles
#endif

/// An output folder written atomically, so an interrupted or failed run leaves either the previous
/// complete output or nothing, never a manifest describing files that are not there.
///
/// Files are written into a hidden staging folder beside the destination (same filesystem). On
/// `commit()` every file and the staging folder are flushed to disk (`fsync`), then the staging
/// folder takes the destination's place in one step (Linux `renameat2(RENAME_EXCHANGE)`; where that
/// is unavailable, two renames with the previous output kept aside until the new one is in place),
/// and the previous output is removed (one of 32 MiB or more by a process of its own, so the run
/// need not wait for the filesystem to free it: `discard`). On any error, or SIGINT/SIGTERM, the
/// staging folder is removed and the destination is untouched.
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
        let real = destination.resolvingSymlinksInPath().path
        for input in inputs {
            let resolved = URL(fileURLWithPath: input).standardizedFileURL.resolvingSymlinksInPath().path
            if resolved == real || resolved.hasPrefix(real + "/") {
                throw OutputRefused(path: destination.path, reason: "holds the input \(input), which this run would replace; write the output to another folder")
            }
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: destination.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw OutputRefused(path: destination.path, reason: "exists and is not a folder; --out names a folder")
            }
            try Self.checkReplaceable(destination)
        }
        let parent = destination.deletingLastPathComponent()
        do { try fm.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw OutputError(path: parent.path, reason: (error as NSError).localizedDescription)
        }
        staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(getpid())-\(UUID().uuidString.prefix(8))")
        do { try fm.createDirectory(at: staging, withIntermediateDirectories: false) } catch {
            throw OutputError(path: staging.path, reason: (error as NSError).localizedDescription)
        }
        StagingArea.shared.add(staging, for: destination.path)
        Self.sweepPrevious(beside: destination)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Refuses to replace a folder holding files this program did not write.
    static func checkReplaceable(_ folder: URL) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        if names.isEmpty { return }
        // Without a readable manifest nothing in the folder is known to be ours.
        var ours: Set<String> = []
        if let manifest = try? Manifest.read(path: folder.appendingPathComponent("manifest.json").path) {
            ours = Set(manifest.outputs.map(\.path)).union(["manifest.json", "report.html", "report.md"])
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
            let aside = parent.appendingPathComponent(".\(destination.lastPathComponent).previous-\(getpid())-\(UUID().uuidString.prefix(8))")
            if cf_exchange_paths(staging.path, destination.path) == 0 {
                // The previous output now sits at the staging path.
                if rename(staging.path, aside.path) == 0 { Self.discard(aside) } else { try? fm.removeItem(at: staging) }
            } else {
                guard rename(destination.path, aside.path) == 0 else { throw OutputError(path: destination.path, reason: String(cString: strerror(errno))) }
                guard rename(staging.path, destination.path) == 0 else {
                    let reason = String(cString: strerror(errno))
                    _ = rename(aside.path, destination.path)
                    throw OutputError(path: destination.path, reason: reason)
                }
                Self.discard(aside)
            }
        } else {
            guard rename(staging.path, destination.path) == 0 else {
                throw OutputError(path: destination.path, reason: String(cString: strerror(errno)))
            }
        }
        try? Self.flush(parent.path)
        committed = true
        StagingArea.shared.remove(staging)
    }

    /// Previous outputs at least this large (bytes, all files) are removed by a process of their own.
    static let detachedRemovalBytes: Int64 = 32 << 20

    /// Removes a previous output once the new one is in place. Removing a large file can take far
    /// longer than writing it took (on a filesystem mounted with `discard`, as on the development
    /// VM, each freed extent is trimmed before `unlink` returns: 0.3 s for a 432 MB matches.csv),
    /// and nothing in the new output depends on it. So a previous output of
    /// `detachedRemovalBytes` or more is removed by `rm -rf` in a process that this one does not
    /// wait for (`cf_remove_detached`); a smaller one, or when that process cannot be started, here.
    /// Until it is gone it sits beside the destination as the hidden `.NAME.previous-PID-XXXXXXXX`,
    /// which a later run for the same destination removes if it is still there (`sweepPrevious`).
    static func discard(_ previous: URL) {
        var bytes: Int64 = 0
        if let walk = FileManager.default.enumerator(at: previous, includingPropertiesForKeys: [.fileSizeKey]) {
            for case let url as URL in walk {
                bytes += Int64((try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
                if bytes >= detachedRemovalBytes { break }
            }
        }
        if bytes >= detachedRemovalBytes, cf_remove_detached(previous.path) == 0 { return }
        try? FileManager.default.removeItem(at: previous)
    }

    /// Removes what an earlier run's detached removal left beside `destination` (it was stopped
    /// before it finished): hidden `.NAME.previous-*` folders, which hold only a replaced output.
    static func sweepPrevious(beside destination: URL) {
        let parent = destination.deletingLastPathComponent()
        let prefix = ".\(destination.lastPathComponent).previous-"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            discard(parent.appendingPathComponent(name))
        }
    }

    /// Removes the staging folder (the destination is untouched).
    func abandon() {
        try? FileManager.default.removeItem(at: staging)
        StagingArea.shared.remove(staging)
    }

    /// `fsync` of a file or folder.
    static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw OutputError(path: path, reason: String(cString: strerror(errno))) }
    }
}

/// Staging folders and files in use, removed if the process is interrupted (SIGINT, SIGTERM).
final class StagingArea: @unchecked Sendable {
    static let shared = StagingArea()
    private let lock = NSLock()
    private var folders: Set<URL> = []
    /// Staging path -> destination path, for every staging folder or file of this run (kept after
    /// the staging is removed, so that an error raised while writing names the file the user asked for).
    private var destinations: [String: String] = [:]
    private var sources: [DispatchSourceSignal] = []

    private init() {
        for (signalNumber, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [unowned self] in
                // Other threads keep running while this handler does: a staging file registered
                // but not yet created can be created just after a sweep. So sweep, let any such
                // creation land, sweep again, and leave at once (_exit: no atexit work, so no
                // further writing), keeping the registry locked so nothing new is registered.
                self.lock.lock()
                self.sweep()
                usleep(100_000)
                self.sweep()
                FileHandle.standardError.write(Data("counterfactual: interrupted; nothing was written (any previous output is unchanged).\n".utf8))
                _exit(status)
            }
            source.resume()
            sources.append(source)
        }
    }

    func add(_ url: URL) { lock.lock(); folders.insert(url); lock.unlock() }

    /// Adds a staging folder or file written for `destination`.
    func add(_ url: URL, for destination: String) {
        lock.lock(); folders.insert(url); destinations[url.path] = destination; lock.unlock()
    }

    /// `text` with every staging folder or file path in it replaced by its destination.
    func replacingStagingPaths(in text: String) -> String {
        lock.lock(); defer { lock.unlock() }
        var text = text
        for (staging, destination) in destinations { text = text.replacingOccurrences(of: staging, with: destination) }
        return text
    }
    func remove(_ url: URL) { lock.lock(); folders.remove(url); lock.unlock() }

    /// Removes every registered staging folder or file (the caller holds the lock).
    private func sweep() {
        for url in folders { try? FileManager.default.removeItem(at: url) }
    }

    func removeAll() {
        lock.lock()
        let all = folders
        folders.removeAll()
        lock.unlock()
        for url in all { try? FileManager.default.removeItem(at: url) }
    }
}

/// One output file written atomically: into a hidden staging file beside it, flushed, then renamed
/// over the destination, so an interrupted run leaves the previous file (or nothing), never a
/// truncated file that ends on a whole row and looks valid. Only a regular file (not a symlink,
/// device or FIFO) is ever replaced.
final class StagedFile {
    let destination: String
    let staging: String
    private var committed = false

    init(path: String, option: String) throws {
        guard !path.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw OutputRefused(path: "", reason: "\(option) is empty; name the file to write")
        }
        destination = URL(fileURLWithPath: path).standardizedFileURL.path
        var info = stat()
        if lstat(destination, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            let kind = (info.st_mode & S_IFMT) == S_IFLNK ? "a symbolic link" : (info.st_mode & S_IFMT) == S_IFDIR ? "a folder" : "not a regular file"
            throw OutputRefused(path: destination, reason: "is \(kind); \(option) replaces only regular files, so name a new file")
        }
        let url = URL(fileURLWithPath: destination)
        staging = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())-\(UUID().uuidString.prefix(8))").path
        StagingArea.shared.add(URL(fileURLWithPath: staging), for: destination)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Flushes the staging file and renames it over the destination.
    func commit() throws {
        try OutputFolder.flush(staging)
        guard rename(staging, destination) == 0 else { throw OutputError(path: destination, reason: String(cString: strerror(errno))) }
        try? OutputFolder.flush(URL(fileURLWithPath: destination).deletingLastPathComponent().path)
        committed = true
        StagingArea.shared.remove(URL(fileURLWithPath: staging))
    }

    func abandon() {
        try? FileManager.default.removeItem(atPath: staging)
        StagingArea.shared.remove(URL(fileURLWithPath: staging))
    }
}

/// An output folder this run must not write (a usage problem, not a disk failure).
struct OutputRefused: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { path.isEmpty ? "\(reason)." : "\(path): \(reason)." }
}

/// Writes text to a file, creating the folder.
func write(_ text: String, to url: URL) throws {
    try write(Data(text.utf8), to: url)
}

/// Writes bytes to a file, creating the folder.
func write(_ bytes: [UInt8], to url: URL) throws {
    try write(Data(bytes), to: url)
}

func write(_ data: Data, to url: URL) throws {
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    } catch {
        throw OutputError(path: url.path, reason: (error as NSError).localizedDescription)
    }
}
