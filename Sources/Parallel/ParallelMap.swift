import Dispatch

/// Data-parallel helpers on top of `DispatchQueue.concurrentPerform`.
public enum Parallel {
    /// `body(0), body(1), ..., body(count - 1)` computed concurrently, returned in index order.
    ///
    /// Each index is computed exactly once by one worker, so results are identical whatever the
    /// number of threads as long as `body(i)` depends only on `i`.
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = WriteOnceSlots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in slots.store(body(i), at: i) }
        return slots.collect()
    }

    /// `map` for work that can fail: every index runs, then the error of the lowest failing index is
    /// thrown (so the error reported does not depend on scheduling).
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let results: [Result<T, Error>] = map(count) { i in
            do { return .success(try body(i)) } catch { return .failure(error) }
        }
        return try results.map { try $0.get() }
    }
}

/// Slots written once each by concurrent workers and read after they have all finished.
final class WriteOnceSlots<T>: @unchecked Sendable {
    // Safety: each index is written by exactly one `concurrentPerform` iteration, and the slots are
    // read only after `concurrentPerform` has returned, which orders every write before the reads.
    private let buffer: UnsafeMutableBufferPointer<T?>

    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: nil)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    func store(_ value: T, at index: Int) { buffer[index] = value }

    func collect() -> [T] { buffer.map { $0! } }
}
