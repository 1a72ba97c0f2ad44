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
        XCTAssertTrue(pilot.stdout.contains("Pilot Datasets/peterborough/cohort.csv (20000 people)"), pilot.stdout)
        let bad = try tool.run(["design", "--pilot", "Datasets/peterborough/cohort.csv", "--pilot-column", "gender"])
        XCTAssertEqual(bad.status, 65, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("column 'gender'"), bad.stderr)
        XCTAssertEqual(try tool.run(["design", "--power", "1.5"]).status, 64)
    }
}
