import XCTest
import CohortData
@testable import Outcomes

/// Hand-worked cases of the reoffending windows (dates written out so the arithmetic can be checked).
final class ReoffendingTests: XCTestCase {
    func day(_ s: String) -> Int { CalendarDate.parse(s)! }

    func testPeterboroughEventsAndJusticeDataLabMeasures() {
        // Person 0 released 2010-09-09: follow-up ends 2011-09-09 (exclusive), court lag 2012-03-09.
        // Person 1 released 2011-01-31: follow-up ends 2012-01-31, lag ends 2012-07-31.
        // Person 2 released 2011-03-01: no offences.
        let release = [day("2010-09-09"), day("2011-01-31"), day("2011-03-01")]
        let records = [
            // Two offences dealt with at one court appearance: one event.
            OffenceRecord(person: 0, offenceDay: day("2010-10-01"), provenDay: day("2010-12-15")),
            OffenceRecord(person: 0, offenceDay: day("2010-11-20"), provenDay: day("2010-12-15")),
            // A second appearance, convicted in the lag period: counts.
            OffenceRecord(person: 0, offenceDay: day("2011-09-08"), provenDay: day("2012-03-08")),
            // Convicted on the day the lag ends: excluded.
            OffenceRecord(person: 0, offenceDay: day("2011-08-01"), provenDay: day("2012-03-09")),
            // Offence on the follow-up anniversary: excluded.
            OffenceRecord(person: 0, offenceDay: day("2011-09-09"), provenDay: day("2011-10-01")),
            // Before release: excluded and counted.
            OffenceRecord(person: 1, offenceDay: day("2011-01-30"), provenDay: day("2011-02-15")),
            // A caution: not a reconviction event; a proven reoffence only if cautions count.
            OffenceRecord(person: 1, offenceDay: day("2011-05-01"), provenDay: day("2011-05-02"), isCaution: true),
        ]
        let m = ReoffendingMeasures(releaseDays: release, records: records)
        XCTAssertEqual(m.reconvictionEvents, [2, 0, 0])
        XCTAssertEqual(m.provenReoffending, [1, 0, 0])
        XCTAssertEqual(m.reoffended, [true, false, false])
        XCTAssertEqual(m.daysToFirstReoffence[0], 22)                       // 2010-09-09 -> 2010-10-01
        XCTAssertEqual(m.daysToFirstReoffence[1], 365)                      // censored at 2012-01-31
        XCTAssertEqual(m.daysToFirstReoffence[2], 366)                      // 2011-03-01 -> 2012-03-01 (leap year)
        var expected = ReoffendingCounts()
        expected.records = 7
        expected.offenceBeforeRelease = 1
        expected.offenceAfterFollowUp = 1
        expected.provenAfterCourtLag = 1
        expected.cautionsInWindow = 1
        expected.qualifyingOffences = 3
        expected.reconvictionEvents = 2
        expected.reoffenders = 1
        XCTAssertEqual(m.counts, expected)

        let withCautions = ReoffendingMeasures(releaseDays: release, records: records,
                                               windows: ReoffendingWindows(countCautions: true))
        XCTAssertEqual(withCautions.reconvictionEvents, [2, 0, 0])
        XCTAssertEqual(withCautions.provenReoffending, [1, 1, 0])
        XCTAssertEqual(withCautions.daysToFirstReoffence[1], 90)            // 2011-01-31 -> 2011-05-01
    }

    func testCalendarMonthsClampToMonthEnd() {
        XCTAssertEqual(CalendarDate.format(CalendarDate.adding(months: 1, to: day("2011-01-31"))), "2011-02-28")
        XCTAssertEqual(CalendarDate.format(CalendarDate.adding(months: 13, to: day("2011-01-31"))), "2012-02-29")
        XCTAssertEqual(CalendarDate.format(CalendarDate.adding(months: 18, to: day("2010-09-09"))), "2012-03-09")
        XCTAssertEqual(CalendarDate.format(CalendarDate.adding(months: -1, to: day("2010-03-31"))), "2010-02-28")
        XCTAssertNil(CalendarDate.parse("2011-02-29"))
        XCTAssertNil(CalendarDate.parse("11-02-2011"))
    }
}
