import Foundation
import XCTest
import TestSupport

final class DesignCommandTests: XCTestCase {
    let tool = CommandLineTool()

    func testDesignTableAndPilot() throws {
        let r = try tool.run(["design", "--replicates", "200"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("Detectable reductions"), r.stdout)
        XCTAssertTrue(r.stdout.contains("Payout by true effect"), r.stdout)
        // Same seed, same table.
        XCTAssertEqual(try tool.run(["design", "--replicates", "200"]).stdout, r.stdout)
        let pilot = try tool.run(["design", "--pilot", "Datasets/peterborough/cohort.csv", "--pilot-column", "reconvictions",
                                  "--replicates", "100"])
        XCTAssertEqual(pilot.status, 0, pilot.stderr)
        XCTAssertTrue(pilot.stdout.contains("Pilot Datasets/peterborough/cohort.csv: 20,000 people, 1.124 events per person"), pilot.stdout)
        // The pilot's own share with an event (52.0%) is the baseline proportion unless one is given.
        XCTAssertTrue(pilot.stdout.contains("52.0% with an event"), pilot.stdout)
        XCTAssertTrue(pilot.stdout.contains("1.12 events/person, 52% with an event"), pilot.stdout)
        let given = try tool.run(["design", "--pilot", "Datasets/peterborough/cohort.csv", "--pilot-column", "reconvictions",
                                  "--baseline-proportion", "0.6", "--replicates", "100"])
        XCTAssertTrue(given.stdout.contains("--baseline-proportion 0.6 used instead"), given.stdout)
        XCTAssertTrue(given.stdout.contains("1.12 events/person, 60% with an event"), given.stdout)
        let priced = try tool.run(["design", "--replicates", "100", "--price-per-event", "2000", "--cap-total", "1000000"])
        XCTAssertEqual(priced.status, 0, priced.stderr)
        XCTAssertTrue(priced.stdout.contains("Payment: £2,000.00 per event avoided; total cap £1,000,000.00"), priced.stdout)
        XCTAssertTrue(priced.stdout.contains("expected payment"), priced.stdout)
        for bad in [["--price-per-event", "-1"], ["--price-per-event", "0.001"], ["--price-per-event", "1e300"],
                    ["--cap-total", "abc"], ["--cap-per-cohort", "2000000000000.01"]] {
            let r = try tool.run(["design"] + bad)
            XCTAssertEqual(r.status, 64, "\(bad): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(bad[0]), r.stderr)
        }
        let bad = try tool.run(["design", "--pilot", "Datasets/peterborough/cohort.csv", "--pilot-column", "gender"])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("column 'gender'"), bad.stderr)
        XCTAssertEqual(try tool.run(["design", "--power", "1.5"]).status, 64)
    }
}
