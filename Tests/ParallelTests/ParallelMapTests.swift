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

/// An identifier of the calling thread.
func currentThread() -> UInt {
    #if canImport(Glibc)
    return UInt(pthread_self())
    #else
    return UInt(bitPattern: pthread_self())
    #endif
}
