import CohortData
import Foundation
import RateCards
import XCTest

final class OutcomeEventsTests: XCTestCase {
    private let plan = try! RateCardPlan.parse("""
    [events]
    person = "pid"
    outcome = "what"
    date = "on"
    [[outcome]]
    id = "entered"
    price = 1
    [[outcome]]
    id = "007"
    price = 2
    """, file: "plan.toml")

    private func claims(_ csv: String) throws -> [Claim] {
        let table = try CSVReader.parse(text: csv, file: "events.csv",
                                        options: CSVReadOptions(textColumns: ["pid", "what", "on"]))
        return try plan.claims(from: table)
    }

    func testClaimsKeepFileLinesAndTrimIds() throws {
        let c = try claims("pid,what,on,extra\n P1 ,entered,2020-01-02,x\n\"P,2\", 007 ,2020-02-29,y\n")
        XCTAssertEqual(c, [
            Claim(person: "P1", outcome: 0, date: CalendarDate.parse("2020-01-02")!, line: 2),
            Claim(person: "P,2", outcome: 1, date: CalendarDate.parse("2020-02-29")!, line: 3),
        ])
    }

    func testUnknownOutcomeNamesFileLineAndColumn() {
        XCTAssertThrowsError(try claims("pid,what,on\nP1,entered,2020-01-02\nP1,enterd,2020-01-03\n")) { error in
            XCTAssertEqual(error as? RateCardError, .unknownOutcome(file: "events.csv", line: 3, column: "what", value: "enterd", known: ["entered", "007"]))
            XCTAssertEqual(String(describing: error),
                           "events.csv, line 3, column 'what': 'enterd' is not an outcome on the rate card (ids: entered, 007); correct the id or add the outcome to the plan.")
        }
    }

    func testMissingValuesNameFileLineAndColumn() {
        XCTAssertThrowsError(try claims("pid,what,on\nP1,entered,2020-01-02\n,entered,2020-01-03\n")) { error in
            XCTAssertEqual(error as? RateCardError, .missingValue(file: "events.csv", line: 3, column: "pid"))
        }
        XCTAssertThrowsError(try claims("pid,what,on\nP1,NA,2020-01-02\n")) { error in
            XCTAssertEqual(error as? RateCardError, .missingValue(file: "events.csv", line: 2, column: "what"))
        }
        XCTAssertThrowsError(try claims("pid,what,on\nP1,entered,2020-01-02\nP2,entered,\n")) { error in
            XCTAssertEqual(error as? RateCardError, .missingValue(file: "events.csv", line: 3, column: "on"))
        }
    }

    func testBadDateNamesFileLineAndColumn() {
        XCTAssertThrowsError(try claims("pid,what,on\nP1,entered,2020-01-02\nP2,entered,2019-02-29\n")) { error in
            XCTAssertEqual(error as? CohortDataError, .invalidDate(file: "events.csv", line: 3, column: "on", value: "2019-02-29"))
        }
        XCTAssertThrowsError(try claims("pid,what,on\nP1,entered,02/01/2020\n")) { error in
            XCTAssertEqual(error as? CohortDataError, .invalidDate(file: "events.csv", line: 2, column: "on", value: "02/01/2020"))
        }
    }

    func testMissingColumnAndFile() throws {
        XCTAssertThrowsError(try claims("pid,outcome,on\nP1,entered,2020-01-02\n")) { error in
            guard case CohortDataError.missingColumn(_, let column, _)? = error as? CohortDataError else { return XCTFail("\(error)") }
            XCTAssertEqual(column, "what")
        }
        XCTAssertThrowsError(try plan.loadClaims()) { error in
            XCTAssertEqual(error as? RateCardError, .noEventsFile(plan: "plan.toml"))
        }
        XCTAssertThrowsError(try plan.loadClaims(path: "/nonexistent/events.csv")) { error in
            guard case CohortDataError.unreadable(let file, _)? = error as? CohortDataError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "/nonexistent/events.csv")
        }
    }

    func testLoadsFromAFileWithDefaultColumns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ratecards-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "[events]\nfile = \"e.csv\"\n[[outcome]]\nid = \"1\"\nprice = 5\n"
            .write(to: folder.appendingPathComponent("plan.toml"), atomically: true, encoding: .utf8)
        try "person_id,outcome_id,date\r\n10,1,2021-06-30\r\n"
            .write(to: folder.appendingPathComponent("e.csv"), atomically: true, encoding: .utf8)
        let plan = try RateCardPlan.load(path: folder.appendingPathComponent("plan.toml").path)
        XCTAssertEqual(try plan.loadClaims(), [Claim(person: "10", outcome: 0, date: CalendarDate.parse("2021-06-30")!, line: 2)])
    }
}
