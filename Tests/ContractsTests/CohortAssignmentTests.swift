import CohortData
import XCTest
@testable import Contracts

/// Hand-worked cases for the rules of `CohortAssignment` (cohort membership, index release,
/// traced, complete follow-up), each row's fate stated in the comment beside it.
final class CohortAssignmentTests: XCTestCase {
    let day = { (s: String) in CalendarDate.parse(s)! }

    func assign(ids: [String], release: [String], windows: [(String, String)], traced: [Bool]? = nil,
                extract: String? = nil) throws -> CohortAssignment {
        let r = release.map(day)
        let membership = windows.map { w in r.map { $0 >= day(w.0) && $0 <= day(w.1) } }
        return try CohortAssignment(ids: ids, release: r, membership: membership, traced: traced,
                                    extractDate: extract.map(day), outcomeMonths: 18, file: "cohort.csv",
                                    line: { $0 + 2 }, cohortNames: windows.indices.map { "C\($0 + 1)" })
    }

    func testIndexReleaseRepeatsAndOutsideRows() throws {
        let a = try assign(
            ids: ["a", "b", "a", "c", "a", "d"],
            release: ["2011-03-01",   // a: a later release in C1 than row 4 -> repeat
                      "2011-02-01",   // b: C1
                      "2011-01-10",   // a: earliest release in a cohort -> a's index release (C1)
                      "2010-06-01",   // c: before every cohort -> outside
                      "2012-02-01",   // a: released again in C2 -> repeat (a is in C1)
                      "2012-03-01"],  // d: C2
            windows: [("2011-01-01", "2011-12-31"), ("2012-01-01", "2012-12-31")])
        XCTAssertEqual(a.rows, [[1, 2], [5]])
        XCTAssertEqual(a.repeatReleases, 2)
        XCTAssertEqual(a.outsideCohorts, 1)
        XCTAssertEqual(a.indexRowOfID, ["a": 2, "b": 1, "d": 5])
        XCTAssertEqual(a.untraced, [0, 0])
        XCTAssertEqual(a.followUpIncomplete, [0, 0])
    }

    func testTiedReleasesKeepTheFirstRow() throws {
        let a = try assign(ids: ["x", "x"], release: ["2011-05-01", "2011-05-01"], windows: [("2011-01-01", "2011-12-31")])
        XCTAssertEqual(a.rows, [[0]])
        XCTAssertEqual(a.repeatReleases, 1)
    }

    func testUntracedAndIncompleteFollowUpAreExcludedAndCounted() throws {
        // Outcome window = 12 + 6 = 18 months. Extract 2012-12-31: released 2011-07-01 closes
        // 2012-12-31 (complete, the last day counted is the extract date); released 2011-07-02
        // closes 2013-01-01 (incomplete).
        let a = try assign(ids: ["p", "q", "r", "s"],
                           release: ["2011-07-01", "2011-07-02", "2011-03-01", "2011-04-01"],
                           windows: [("2011-01-01", "2011-12-31")],
                           traced: [true, true, false, true], extract: "2012-12-31")
        XCTAssertEqual(a.rows, [[0, 3]])
        XCTAssertEqual(a.untraced, [1])
        XCTAssertEqual(a.followUpIncomplete, [1])
        XCTAssertEqual(a.indexRowOfID.count, 4, "excluded people keep their index row: their events are not unknown")
    }

    func testARowInTwoCohortsIsAnError() {
        XCTAssertThrowsError(try assign(ids: ["a"], release: ["2011-06-01"],
                                        windows: [("2011-01-01", "2011-12-31"), ("2011-06-01", "2012-05-31")])) { error in
            XCTAssertEqual(String(describing: error),
                           "cohort.csv, line 2: the person is in both cohort 'C1' and cohort 'C2'; cohorts must not overlap, or the same people would be paid for twice.")
        }
    }
}
