import Foundation
import Reporting

/// The facts about the machine and the program that `manifest.json` records (the program's git
/// commit, the BLAS and LAPACK libraries loaded, the CPU model), gathered once per process.
///
/// Gathering them costs two `git` processes and a read of `/proc` and dpkg's database: about 0.1-0.2 s
/// of wall time that does not depend on the data. Commands that write a manifest call `start()`
/// when they begin, so the probe runs on its own thread while the data are loaded and analysed;
/// `writeManifest` then takes the result (`facts`), waiting only if the probe has not finished.
/// Without `start()`, `facts` gathers them on the spot. Either way each fact is read once, from the
/// same process whose outputs the manifest lists (the BLAS and LAPACK libraries are linked at load
/// time, so they are mapped from the first instruction).
final class EnvironmentProbe: @unchecked Sendable {
    struct Facts: Sendable {
        var gitCommit: String?
        var cpuModel: String?
        var blas: Manifest.Library?
        var lapack: Manifest.Library?
    }

    static let shared = EnvironmentProbe()

    private let lock = NSLock()
    private var started = false
    private let done = DispatchSemaphore(value: 0)
    private var result: Facts?

    /// Starts gathering on a background thread (once; later calls do nothing).
    func start() {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { return }
        started = true
        let thread = Thread { [self] in
            let facts = Self.gather()
            lock.lock()
            result = facts
            lock.unlock()
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// The facts, waiting for the background probe if one is running.
    var facts: Facts {
        start()
        done.wait()
        done.signal()   // leave it signalled for any later reader
        lock.lock()
        defer { lock.unlock() }
        return result!
    }

    private static func gather() -> Facts {
        let executable = Bundle.main.executableURL?.deletingLastPathComponent().path ?? FileManager.default.currentDirectoryPath
        let libraries = RuntimeEnvironment.linearAlgebraLibraries()
        return Facts(gitCommit: Manifest.gitCommit(near: executable), cpuModel: RuntimeEnvironment.cpuModel(),
                     blas: libraries.blas, lapack: libraries.lapack)
    }
}
