import Foundation
import XCTest
import CohortData
@testable import Synthesis

final class OffenderCohortTests: XCTestCase {
    func temporaryFile(_ name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cf-syn-\(UUID().uuidString)-\(name)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// Same seed, same bytes, whatever the number of threads; a different seed differs.
    func testOutputIsByteIdenticalAcrossThreadCounts() throws {
        let model = OffenderCohortModel(rows: 70_000, treatedShare: 0.1, effect: 0.1, seed: 9)
        let a = temporaryFile("a.csv"), b = temporaryFile("b.csv"), ea = temporaryFile("ea.csv"), eb = temporaryFile("eb.csv")
        try model.write(cohortTo: a, eventsTo: ea, threads: 1)
        try model.write(cohortTo: b, eventsTo: eb, threads: 3)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ea)), try Data(contentsOf: URL(fileURLWithPath: eb)))
        let c = temporaryFile("c.csv")
        try OffenderCohortModel(rows: 70_000, seed: 10).write(cohortTo: c, eventsTo: nil)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: c)))
    }

    /// The file loads, the treated share is on target, and the true effect shows in the raw
    /// outcome once the known propensity is accounted for (inverse-probability weighting by
    /// `true_propensity`, which is consistent for the effect on the treated).
    func testCohortCarriesTheModel() throws {
        let path = temporaryFile("cohort.csv"), events = temporaryFile("events.csv")
        let rows = 200_000
        let treated = try OffenderCohortModel(rows: rows, treatedShare: 0.1, effect: 0.1, seed: 2).write(cohortTo: path, eventsTo: events)
        XCTAssertEqual(Double(treated) / Double(rows), 0.1, accuracy: 0.004)
        let table = try CSVReader.read(path: path)
        XCTAssertEqual(table.rowCount, rows)
        XCTAssertEqual(table.header, OffenderCohortModel.cohortHeader.dropLast().split(separator: ",").map(String.init))
        let t = try table.numeric("treat"), y = try table.numeric("reconvictions"), e = try table.numeric("true_propensity")
        var treatedSum = 0.0, treatedN = 0.0, controlSum = 0.0, controlW = 0.0
        for i in 0..<rows {
            if t[i] == 1 { treatedSum += y[i]; treatedN += 1 } else {
                let w = e[i] / (1 - e[i])
                controlSum += w * y[i]; controlW += w
            }
        }
        let reduction = 1 - (treatedSum / treatedN) / (controlSum / controlW)
        XCTAssertEqual(reduction, 0.1, accuracy: 0.035)
        // Events: every counted reconviction is a distinct conviction date within the windows.
        let ev = try CSVReader.read(path: events)
        XCTAssertEqual(ev.header, ["id", "offence_date", "conviction_date", "disposal", "seriousness"])
        XCTAssertGreaterThan(ev.rowCount, Int(y.reduce(0, +)))
    }

    func testCivilDatesRoundTrip() {
        XCTAssertTrue(CalendarDate.civil(fromDays: 0) == (1970, 1, 1))
        XCTAssertTrue(CalendarDate.civil(fromDays: 14_861) == (2010, 9, 9))
        XCTAssertTrue(CalendarDate.civil(fromDays: CalendarDate.days(year: 2012, month: 2, day: 29)) == (2012, 2, 29))
        for d in stride(from: -100_000, to: 100_000, by: 37) {
            let c = CalendarDate.civil(fromDays: d)
            XCTAssertEqual(CalendarDate.days(year: c.year, month: c.month, day: c.day), d)
        }
    }
}
