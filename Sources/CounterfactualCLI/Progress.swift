import Foundation

/// Progress on standard error, only when it is a terminal.
final class ProgressReporter: @unchecked Sendable {
    let label: String
    let total: Int
    let enabled: Bool
    private let lock = NSLock()

    init(label: String, total: Int) {
        self.label = label
        self.total = total
        enabled = isatty(STDERR_FILENO) != 0
    }

    func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        let percent = Int((Double(done) / Double(total) * 100).rounded(.down))
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) (\(percent)%)".utf8))
    }

    /// A named step (for work without a known total).
    func note(_ step: String) {
        guard enabled else { return }
        lock.lock(); defer { lock.unlock() }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(label): \(step)".utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
