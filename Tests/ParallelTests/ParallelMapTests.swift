import Foundation
import XCTest
@testable import Parallel

final class ParallelMapTests: XCTestCase {
    func testResultsAreInIndexOrder() {
        XCTAssertEqual(Parallel.map(10_000) { $0 * $0 }, (0..<10_000).map { $0 * $0 })
        XCTAssertEqual(Parallel.map(0) { $0 }, [])
    }

    struct Failure: Error, Equatable { let index: Int }

    func testLowestFailingIndexIsReported() {
        XCTAssertThrowsError(try Parallel.map(1000) { i -> Int in
            if i % 100 == 37 { throw Failure(index: i) }
            return i
        }) { error in
            XCTAssertEqual(error as? Failure, Failure(index: 37))
        }
    }
}

/// The thread count can be chosen, and every index still runs exactly once.
final class ParallelWorkerTests: XCTestCase {
    /// Indices seen, and the threads that ran them.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var indices: [Int] = []
        private(set) var threads = Set<UInt>()
        func record(_ i: Int) {
            lock.lock()
            indices.append(i)
            threads.insert(currentThread())
            lock.unlock()
        }
    }

    func testEachIndexRunsOnceWhateverTheWorkerCount() {
        for workers in [1, 2, 3, 8] {
            let log = Log()
            Parallel.withWorkers(workers) {
                Parallel.forEach(1_000) { i in log.record(i) }
            }
            XCTAssertEqual(log.indices.sorted(), Array(0..<1_000), "\(workers) workers")
            XCTAssertEqual(Parallel.withWorkers(workers) { Parallel.map(100) { $0 * 3 } }, (0..<100).map { $0 * 3 })
        }
    }

    /// `withWorkers(N)` really uses N threads (the caller and N - 1 others), even beyond the cores.
    func testWorkerCountIsTheThreadCount() {
        for workers in [1, 2, 3, 8] {
            let log = Log()
            Parallel.withWorkers(workers) {
                Parallel.forEach(64) { i in
                    log.record(i)
                    usleep(2_000)  // keep every thread busy long enough to be seen
                }
            }
            XCTAssertEqual(log.threads.count, workers, "\(workers) workers")
        }
        // One worker runs everything on the calling thread, in order.
        let log = Log()
        Parallel.withWorkers(1) { Parallel.forEach(10) { log.record($0) } }
        XCTAssertEqual(log.indices, Array(0..<10))
        XCTAssertEqual(log.threads, [currentThread()])
    }

    func testSettingIsScopedToTheCall() {
        XCTAssertNil(Parallel.workerLimit)
        Parallel.withWorkers(3) { XCTAssertEqual(Parallel.workerLimit, 3) }
        XCTAssertNil(Parallel.workerLimit)
    }
}

/// `Parallel.beside`: tasks on a second thread while the body runs, the caller joining afterwards.
final class ParallelBesideTests: XCTestCase {
    func testEveryTaskRunsOnceAndResultsAreInIndexOrder() {
        for workers in [nil, 1, 2, 3] as [Int?] {
            let log = ParallelWorkerTests.Log()
            let run = {
                Parallel.beside(tasks: 200, { i -> Int in log.record(i); return i * i }, { () -> String in
                    usleep(1_000)
                    return "body"
                })
            }
            let (results, body) = workers.map { n in Parallel.withWorkers(n, run) } ?? run()
            XCTAssertEqual(results, (0..<200).map { $0 * $0 }, "workers \(String(describing: workers))")
            XCTAssertEqual(body, "body")
            XCTAssertEqual(log.indices.sorted(), Array(0..<200))
        }
    }

    /// With one worker the tasks run first, in order, on the calling thread, then the body.
    func testOneWorkerRunsTasksThenBodyOnTheCallingThread() {
        let log = ParallelWorkerTests.Log()
        let (_, bodyThread) = Parallel.withWorkers(1) {
            Parallel.beside(tasks: 5, { i in log.record(i) }, { () -> UInt in
                XCTAssertEqual(log.indices, Array(0..<5))
                return currentThread()
            })
        }
        XCTAssertEqual(log.indices, Array(0..<5))
        XCTAssertEqual(log.threads, [currentThread()])
        XCTAssertEqual(bodyThread, currentThread())
    }

    /// The tasks run beside the body (on another thread) and see the caller's worker count.
    func testTasksRunBesideTheBodyWithTheCallersWorkerCount() {
        let log = ParallelWorkerTests.Log()
        let (limits, _) = Parallel.withWorkers(2) {
            Parallel.beside(tasks: 1, { _ -> Int? in log.record(0); return Parallel.workerLimit }, {
                // The body waits for the task, which must therefore run on another thread.
                let deadline = Date().addingTimeInterval(10)
                while log.indices.isEmpty && Date() < deadline { usleep(500) }
            })
        }
        XCTAssertEqual(log.indices, [0])
        XCTAssertFalse(log.threads.contains(currentThread()))
        XCTAssertEqual(limits, [2])
    }

    struct Failure: Error, Equatable {}

    /// An error of the body is thrown once every task has finished.
    func testBodyErrorIsThrownAfterTheTasks() {
        let log = ParallelWorkerTests.Log()
        XCTAssertThrowsError(try Parallel.beside(tasks: 50, { i in usleep(200); log.record(i) }, { throw Failure() })) {
            XCTAssertEqual($0 as? Failure, Failure())
        }
        XCTAssertEqual(log.indices.sorted(), Array(0..<50))
    }
}

/// An identifier of the calling thread.
func currentThread() -> UInt {
    #if canImport(Glibc)
    return UInt(pthread_self())
    #else
    return UInt(bitPattern: pthread_self())
    #endif
}
