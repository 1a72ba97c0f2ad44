import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data-parallel helpers: `body(0), ..., body(count - 1)` run concurrently, each index exactly once.
///
/// Results never depend on the number of threads, because callers split their work into a number
/// of pieces fixed by the data (blocks of rows, columns, chunks), never by the thread count, and
/// combine the pieces in index order. The thread count can still be chosen, so that tests and
/// audits can show this:
///
/// - by default (`workerLimit == nil` and no `COUNTERFACTUAL_THREADS` in the environment) the work
///   goes to `DispatchQueue.concurrentPerform`, which uses one thread per core and hands out
///   indices dynamically;
/// - `COUNTERFACTUAL_THREADS=N` in the environment (read once, a whole number from 1 to 1024) or
///   `Parallel.withWorkers(N) { ... }` (for the calling thread, while `body` runs) use exactly N
///   threads: N = 1 runs every index on the calling thread, in order; otherwise the calling thread
///   and N - 1 others take indices `t, t + N, t + 2N, ...` (thread t), whatever the number of cores.
public enum Parallel {
    /// The thread count set by `withWorkers` for the current thread (nil: the environment's or the default).
    @TaskLocal public static var workerLimit: Int? = nil

    /// `COUNTERFACTUAL_THREADS`, when set to a whole number from 1 to 1024.
    public static let environmentWorkers: Int? = {
        guard let text = getenv("COUNTERFACTUAL_THREADS").map({ String(cString: $0) }),
              let n = Int(text.filter { $0 != " " }), (1...1024).contains(n) else { return nil }
        return n
    }()

    /// The number of threads that `map` and `forEach` use now; nil means one per core, dynamically.
    public static var workers: Int? { workerLimit ?? environmentWorkers }

    /// Runs `body` with `map` and `forEach` (on this thread) using exactly `count` threads.
    public static func withWorkers<R>(_ count: Int, _ body: () throws -> R) rethrows -> R {
        precondition(count >= 1, "Parallel.withWorkers needs at least one worker")
        return try $workerLimit.withValue(count, operation: body)
    }

    /// `body(0), body(1), ..., body(count - 1)`, concurrently; returns when all have finished.
    public static func forEach(_ count: Int, _ body: @Sendable (Int) -> Void) {
        guard count > 0 else { return }
        guard let threads = workers else {
            if count == 1 { body(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: body) }
            return
        }
        let n = min(threads, count)
        if n == 1 {
            for i in 0..<count { body(i) }
            return
        }
        // Threads 1..<n run on their own dispatch queues (created queues get a thread each, beyond
        // the number of cores if need be); thread 0 is the calling thread.
        withoutActuallyEscaping(body) { body in
            let shared = SendableBody(body)
            let group = DispatchGroup()
            for t in 1..<n {
                DispatchQueue(label: "counterfactual.parallel.\(t)").async(group: group) {
                    var i = t
                    while i < count { shared.body(i); i += n }
                }
            }
            var i = 0
            while i < count { body(i); i += n }
            group.wait()
        }
    }

    /// `body(0), body(1), ..., body(count - 1)` computed concurrently, returned in index order.
    ///
    /// Each index is computed exactly once by one worker, so results are identical whatever the
    /// number of threads as long as `body(i)` depends only on `i`.
    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let slots = WriteOnceSlots<T>(count: count)
        forEach(count) { i in slots.store(body(i), at: i) }
        return slots.collect()
    }

    /// Runs `body` on the calling thread while a second thread computes `task(0)`, `task(1)`, ...,
    /// taking the next index not yet taken; once `body` has returned, the calling thread takes
    /// indices too. Returns every task's result in index order and `body`'s result (if `body`
    /// throws, the error is thrown once every task has finished). With one worker
    /// (`COUNTERFACTUAL_THREADS=1` or `withWorkers(1)`) the tasks run first, in order, then `body`,
    /// all on the calling thread. Tasks see the caller's worker count.
    ///
    /// For a stage that leaves a core idle (a serial match) and independent work that can fill it.
    /// Which thread computes a task depends on timing, but each index is computed exactly once
    /// and the tasks share nothing mutable, so results do not.
    public static func beside<T: Sendable, B>(
        tasks count: Int, _ task: @Sendable (Int) -> T, _ body: () throws -> B
    ) rethrows -> ([T], B) {
        let limit = workers
        if limit == 1 {
            let results = (0..<count).map { task($0) }
            return (results, try body())
        }
        return try withoutActuallyEscaping(task) { task in
            let slots = WriteOnceSlots<T>(count: count)
            let queue = TaskQueue(count: count)
            let shared = SendableBody { i in slots.store(task(i), at: i) }
            let group = DispatchGroup()
            DispatchQueue(label: "counterfactual.parallel.beside").async(group: group) {
                let run = { while let i = queue.next() { shared.body(i) } }
                if let limit { Parallel.withWorkers(limit, run) } else { run() }
            }
            let b: B
            do {
                b = try body()
            } catch {
                group.wait()
                throw error
            }
            while let i = queue.next() { shared.body(i) }
            group.wait()
            return (slots.collect(), b)
        }
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

/// A non-escaping closure carried to other threads for the duration of `Parallel.forEach`.
private struct SendableBody: @unchecked Sendable {
    // Safety: `forEach` waits for every thread before returning, so the closure outlives its uses.
    let body: @Sendable (Int) -> Void
    init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }
}

/// Hands out the indices `0 ..< count`, each once, to whichever thread asks next.
private final class TaskQueue: @unchecked Sendable {
    // Safety: `following` is read and written only under `lock`.
    private let lock = DispatchSemaphore(value: 1)
    private var following = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.wait()
        defer { lock.signal() }
        guard following < count else { return nil }
        following += 1
        return following - 1
    }
}

/// Slots written once each by concurrent workers and read after they have all finished.
final class WriteOnceSlots<T>: @unchecked Sendable {
    // Safety: each index is written by exactly one worker, and the slots are read only after
    // `forEach` has returned, which orders every write before the reads.
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
