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
