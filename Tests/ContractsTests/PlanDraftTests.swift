import CohortData
import Contracts
import XCTest

final class PlanDraftTests: XCTestCase {
    func table(_ csv: String, _ file: String) throws -> CohortTable { try CSVReader.parse(text: csv, file: file) }

    /// Column guesses follow names over file order, a short last window joins the one before, and the
    /// plan the draft writes is a plan `ContractPlan` reads with the guessed columns.
    func testGuessesAndPlaceholderCohorts() throws {
        var cohort = "code,person_id,group,in_programme,released,age\n"
        // Treated people released 2015-01-01 .. 2016-01-02: a second 12-month window holding one
        // treated person is too small and joins the first.
        let rows: [(String, Int, String)] = [
            ("2015-01-01", 1, "a"), ("2015-03-01", 1, "b"), ("2015-06-01", 0, "a"), ("2015-07-01", 0, "b"),
            ("2015-12-31", 0, "a"), ("2016-01-02", 1, "b"),
        ]
        for (k, r) in rows.enumerated() { cohort += "\(k % 2),P\(k),\(r.2),\(r.1),\(r.0),\(30 + k)\n" }
        let events = "person_id,court_date,offence_date,type\nP1,2015-05-01,2015-04-01,x\n"
        let draft = try PlanDraft(cohort: try table(cohort, "c.csv"), events: try table(events, "e.csv"),
                                  cohortPath: "c.csv", eventsPath: "e.csv")
        XCTAssertEqual(draft.id, "person_id")           // unique and named like an id ("code" repeats)
        XCTAssertEqual(draft.treatment, "in_programme")  // 0/1 beats the two-level "group"
        XCTAssertEqual(draft.releaseDate, "released")
        XCTAssertEqual(draft.eventID, "person_id")
        XCTAssertEqual(draft.offenceDate, "offence_date")
        XCTAssertEqual(draft.provenDate, "court_date")
        XCTAssertNil(draft.disposal)
        XCTAssertEqual(draft.covariates, ["code", "group", "age"])
        XCTAssertEqual(draft.cohorts.count, 1)
        XCTAssertEqual(draft.cohorts[0].from, CalendarDate.parse("2015-01-01"))
        XCTAssertEqual(draft.cohorts[0].to, CalendarDate.parse("2016-12-31"))
        let plan = try ContractPlan.parse(draft.toml(), file: "plan.toml")
        XCTAssertEqual(plan.data.id, "person_id")
        XCTAssertEqual(plan.data.covariates, ["code", "group", "age"])
        XCTAssertEqual(plan.events.provenDate, "court_date")
        XCTAssertEqual(plan.reporting.bootstrapReplicates, 999)
        XCTAssertEqual(plan.matching.seed, 42)
    }

    func testTwoLevelTreatmentIsFlaggedForRecoding() throws {
        let cohort = "id,arm,release_date\nA,pilot,2015-01-01\nB,usual,2015-02-01\nC,pilot,2015-03-01\nD,usual,2015-04-01\n"
        let events = "id,offence_date,conviction_date\nA,2015-05-01,2015-06-01\n"
        let draft = try PlanDraft(cohort: try table(cohort, "c.csv"), events: try table(events, "e.csv"),
                                  cohortPath: "c.csv", eventsPath: "e.csv")
        XCTAssertEqual(draft.treatment, "arm")
        XCTAssertTrue(draft.toml().contains("# arm has two values but is not 0/1: recode it"))
    }
}
