import Foundation
import MatchedComparison
import XCTest
import CohortData
@testable import Contracts
import PaymentRules

final class EvaluationTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("cf-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: folder.appendingPathComponent(name))
    }

    static let plan = """
    name = "hand-worked"
    [data]
    cohort = "cohort.csv"
    events = "events.csv"
    id = "id"
    treatment = "treat"
    release_date = "released"
    covariates = ["x"]
    [events]
    offence_date = "offence"
    proven_date = "convicted"
    [[cohort]]
    name = "All"
    released_from = 2011-01-01
    released_to = "2011-12-31"
    [contract]
    price_per_event = 100.0
    settlement = "per_cohort"
    [reporting]
    minimum_group_size = 5
    minimum_reoffenders = 1
    """

    /// Six treated and six comparison people; 1:1 matching without replacement matches everyone, so
    /// the rates are the plain means: treated events 1,0,2,0,1,0 (4 in all), comparison 2,1,0,3,1,1
    /// (8 in all): 66.7 vs 133.3 per 100, a 50% reduction, 4 events avoided, 400 due.
    func testHandWorkedEvaluation() throws {
        var cohort = "id,treat,released,x\n"
        let xs = [1.0, 2.2, 3.1, 4.6, 5.3, 6.9, 1.5, 2.4, 3.8, 4.1, 5.9, 6.2]
        for k in 0..<12 { cohort += "p\(k),\(k < 6 ? 1 : 0),2011-0\(k % 9 + 1)-15,\(xs[k])\n" }
        cohort += "late,0,2013-01-01,3.3\n"   // released outside the cohort: reported, not evaluated
        try write("cohort.csv", cohort)
        let counts = [1, 0, 2, 0, 1, 0, 2, 1, 0, 3, 1, 1]
        var events = "id,offence,convicted\n"
        for k in 0..<12 {
            let release = CalendarDate.parse("2011-0\(k % 9 + 1)-15")!
            for e in 0..<counts[k] {
                // Distinct court dates, offences 10 days after release + 20 days per event.
                let o = release + 10 + 20 * e
                events += "p\(k),\(CalendarDate.format(o)),\(CalendarDate.format(o + 30))\n"
            }
        }
        // Two offences at one court appearance: one event (p0 already has 1 event on that date).
        let r0 = CalendarDate.parse("2011-01-15")!
        events += "p0,\(CalendarDate.format(r0 + 12)),\(CalendarDate.format(r0 + 40))\n"
        // Outside the windows (p1 released 2011-02-15): before release, after 12 months; then a
        // conviction after the court lag.
        events += "p1,\(CalendarDate.format(r0 - 5)),\(CalendarDate.format(r0 + 3))\n"
        events += "p1,2012-03-01,2012-04-01\n"
        events += "p2,2011-12-01,2012-10-01\n"   // p2 released 2011-03-15: lag ends 2012-09-15
        try write("events.csv", events)
        try write("plan.toml", Self.plan)

        let plan = try ContractPlan.load(path: folder.appendingPathComponent("plan.toml").path)
        let e = try Evaluator.run(plan)
        XCTAssertEqual(e.rowsOutsideCohorts, 1)
        XCTAssertEqual(e.derivation.offenceBeforeRelease, 1)
        XCTAssertEqual(e.derivation.offenceAfterFollowUp, 1)
        XCTAssertEqual(e.derivation.provenAfterCourtLag, 1)
        XCTAssertEqual(e.derivation.reconvictionEvents, 12)
        let c = e.cohorts[0]
        XCTAssertEqual(c.match.matchedCounts.treated, 6)
        XCTAssertEqual(c.match.matchedCounts.control, 6)
        XCTAssertEqual(c.rates.treatedMean, 4.0 / 6, accuracy: 1e-15)
        XCTAssertEqual(c.rates.comparisonMean, 8.0 / 6, accuracy: 1e-15)
        // Exact totals: 4 treated events over 6 people, 8 comparison events over 6 (1:1 sets).
        XCTAssertEqual(c.exactTotals.treatedEvents, 4)
        XCTAssertEqual(c.exactTotals.treatedWeight, 6)
        XCTAssertEqual(c.exactTotals.comparisonEvents, 8)
        XCTAssertEqual(c.exactTotals.comparisonWeight, 6)
        XCTAssertEqual(e.decision.cohorts[0].reduction, ExactRational(numerator: 1, denominator: 2))
        XCTAssertTrue(e.decision.cohorts[0].triggerMet)
        XCTAssertEqual(e.decision.cohorts[0].route, .ownTrigger)
        XCTAssertEqual(e.decision.cohorts[0].eventsAvoided, 4)
        XCTAssertEqual(e.decision.totals.due, Money(pence: 40_000))
        XCTAssertFalse(e.decision.pooled.met)   // one cohort is no pool
    }

    /// The [contract] table and [[payment_made]] tables: money read exactly, thresholds as written,
    /// settlement required.
    func testContractTermsInThePlan() throws {
        let text = Self.plan.replacingOccurrences(of: "price_per_event = 100.0\nsettlement = \"per_cohort\"\n", with: """
            settlement = "pooled"
            price_per_event = "2000.01"
            cap_per_cohort = 1500000
            cap_total = 333.33
            cohort_threshold = 0.1
            pooled_threshold = "0.075"
            payment_base = "cohort"
            max_abs_smd = 0.25
            currency = "EUR"
            [[payment_made]]
            cohort = "All"
            date = 2012-06-30
            amount = 0.29

            """)
        let terms = try ContractPlan.parse(text, file: "p.toml").terms
        let eur = Currency(code: "EUR")!
        XCTAssertEqual(terms.pricePerEvent, Money(pence: 200_001, currency: eur))
        XCTAssertEqual(terms.capPerCohort, Money(pence: 150_000_000, currency: eur))
        XCTAssertEqual(terms.capTotal, Money(pence: 33_333, currency: eur))
        XCTAssertEqual(terms.cohortThreshold, ExactRational(numerator: 1, denominator: 10))
        XCTAssertEqual(terms.pooledThreshold, ExactRational(numerator: 3, denominator: 40))
        XCTAssertEqual(terms.settlement, .pooled)
        XCTAssertEqual(terms.paymentBase, .cohort)
        XCTAssertEqual(terms.maxAbsSMD, 0.25)
        XCTAssertEqual(terms.paymentsMade, [PaymentTerms.PaymentMade(cohort: "All", day: CalendarDate.parse("2012-06-30")!,
                                                                       amount: Money(pence: 29, currency: eur))])
        func message(_ text: String) -> String {
            do { _ = try ContractPlan.parse(text, file: "p.toml"); return "no error" } catch { return (error as? PlanError)?.message ?? "\(error)" }
        }
        XCTAssertEqual(message(Self.plan.replacingOccurrences(of: "settlement = \"per_cohort\"\n", with: "")), """
            [contract] settlement is missing; say how the pooled trigger pays at the final assessment: "per_cohort" (each cohort \
            that missed its own trigger is paid its own events avoided) or "pooled" (events avoided summed over all cohorts, \
            negative ones included, less payments already made).
            """)
        XCTAssertEqual(message(Self.plan.replacingOccurrences(of: "\"per_cohort\"", with: "\"each\"")),
                       "[contract] settlement must be one of per_cohort, pooled.")
        XCTAssertEqual(message(Self.plan.replacingOccurrences(of: "price_per_event = 100.0", with: "price_per_event = 10.005")),
                       "[contract] price_per_event must be an amount in pounds with at most two decimal places (e.g. 1500 or 333.33).")
        XCTAssertEqual(message(Self.plan + "\n[[payment_made]]\ncohort = \"Cohort 9\"\ndate = 2012-01-01\namount = 5\n"),
                       "[[payment_made]] 1 cohort 'Cohort 9' is not a cohort of this plan; the cohorts are All.")
        XCTAssertEqual(message(Self.plan.replacingOccurrences(of: "[contract]\n", with: "[contract]\ncurrency = \"JPY\"\n")),
                       "[contract] currency must be an ISO 4217 code of three capital letters for a currency with two decimal places (e.g. \"GBP\", \"EUR\").")
        XCTAssertEqual(message(Self.plan.replacingOccurrences(of: "[contract]\n", with: "[contract]\ncohort_threshold = 1.5\n")),
                       "[contract] cohort_threshold is a relative reduction and must lie between -1 and 1, got 3/2.")
    }

    /// The hand-worked evaluation with extract-shaped noise that must not change a number: a second
    /// release of p0 later in the cohort (a repeat, not evaluated again), an offence of an id not in
    /// the cohort file and one of the person released outside the cohort (both counted, not errors).
    func testRepeatReleasesAndUnknownIDsAreCountedNotEvaluated() throws {
        try testHandWorkedEvaluation()
        let plan = try ContractPlan.load(path: folder.appendingPathComponent("plan.toml").path)
        let before = try Evaluator.run(plan)
        var cohort = try String(contentsOf: folder.appendingPathComponent("cohort.csv"), encoding: .utf8)
        cohort += "p0,1,2011-11-20,9.9\n"
        try write("cohort.csv", cohort)
        var events = try String(contentsOf: folder.appendingPathComponent("events.csv"), encoding: .utf8)
        events += "zz,2011-02-01,2011-03-01\nlate,2013-02-01,2013-03-01\n"
        try write("events.csv", events)
        let after = try Evaluator.run(plan)
        XCTAssertEqual(after.assignment.repeatReleases, 1)
        XCTAssertEqual(after.rowsOutsideCohorts, 1)
        XCTAssertEqual(after.eventsOfUnknownIDs, 1)
        XCTAssertEqual(after.eventsOfPeopleNotEvaluated, 1)
        XCTAssertEqual(after.cohorts[0].rates.treatedMean, before.cohorts[0].rates.treatedMean)
        XCTAssertEqual(after.cohorts[0].rates.comparisonMean, before.cohorts[0].rates.comparisonMean)
        XCTAssertEqual(after.cohorts[0].match.weights, before.cohorts[0].match.weights)
        XCTAssertEqual(after.derivation.reconvictionEvents, before.derivation.reconvictionEvents)
    }

    /// Columns the plan does not name, in either file, are read past and listed (not an error), and
    /// change no number.
    func testExtraColumnsAreListedNotFatal() throws {
        try testHandWorkedEvaluation()
        let plan = try ContractPlan.load(path: folder.appendingPathComponent("plan.toml").path)
        let before = try Evaluator.run(plan)
        XCTAssertEqual(before.unusedEventColumns, [])
        for (name, column) in [("cohort.csv", "note"), ("events.csv", "court")] {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            let lines = text.split(separator: "\n").enumerated().map { k, line in line + (k == 0 ? ",\(column)" : ",\"free, text\"") }
            try write(name, lines.joined(separator: "\n") + "\n")
        }
        let after = try Evaluator.run(plan)
        XCTAssertEqual(after.unusedCohortColumns, before.unusedCohortColumns + ["note"])
        XCTAssertEqual(after.unusedEventColumns, ["court"])
        XCTAssertEqual(after.cohorts[0].rates.treatedMean, before.cohorts[0].rates.treatedMean)
        XCTAssertEqual(after.cohorts[0].match.weights, before.cohorts[0].match.weights)
        XCTAssertEqual(after.derivation.reconvictionEvents, before.derivation.reconvictionEvents)
    }

    /// Every numeric key has a documented range, checked when the plan is read (before any work).
    func testNumericKeysOutsideTheirRangesAreRejected() {
        let cases: [(String, String, String)] = [
            ("[outcome]", "follow_up_months = 9223372036854775807", "[outcome] follow_up_months must be a whole number from 1 to 120 (got 9223372036854775807)."),
            ("[outcome]", "follow_up_months = 0", "[outcome] follow_up_months must be a whole number from 1 to 120 (got 0)."),
            ("[outcome]", "court_lag_months = -1", "[outcome] court_lag_months must be a whole number from 0 to 60 (got -1)."),
            ("[reporting]", "bootstrap_replicates = 1000000000000", "[reporting] bootstrap_replicates must be a whole number from 0 to 100000 (got 1000000000000)."),
            ("[reporting]", "bootstrap_replicates = -1", "[reporting] bootstrap_replicates must be a whole number from 0 to 100000 (got -1)."),
            ("[reporting]", "minimum_reoffenders = -1", "[reporting] minimum_reoffenders must be a whole number from 0 to 1000000 (got -1)."),
            ("[reporting]", "seed = -5", "[reporting] seed must be a whole number from 0 to 9223372036854775807 (got -5)."),
            ("[reporting]", "confidence_level = 1.5", "[reporting] confidence_level must be a number from 0.5 to 0.999 (got 1.5)."),
            ("[reporting]", "confidence_level = nan", "[reporting] confidence_level must be a number from 0.5 to 0.999 (got nan)."),
            ("[matching]", "ratio = 99999999999", "[matching] ratio must be a whole number from 1 to 1000 (got 99999999999)."),
        ]
        for (table, line, message) in cases {
            var text = Self.plan
            let key = String(line.prefix { $0 != " " })
            if let existing = text.split(separator: "\n").first(where: { $0.hasPrefix(key + " =") }) {
                text = text.replacingOccurrences(of: String(existing), with: line)
            } else if text.contains(table + "\n") {
                text = text.replacingOccurrences(of: table + "\n", with: table + "\n" + line + "\n")
            } else {
                text += "\n" + table + "\n" + line + "\n"
            }
            XCTAssertThrowsError(try ContractPlan.parse(text, file: "p.toml"), line) { error in
                XCTAssertEqual((error as? PlanError)?.message, message, line)
            }
        }
    }

    /// The interval's level and the significance level are one setting.
    func testConfidenceAndSignificanceLevelsAreOneSetting() throws {
        let both = Self.plan.replacingOccurrences(of: "[reporting]\n", with: "[reporting]\nconfidence_level = 0.95\n")
            .replacingOccurrences(of: "[contract]\n", with: "[contract]\nsignificance_level = 0.1\n")
        XCTAssertThrowsError(try ContractPlan.parse(both, file: "p.toml")) { error in
            XCTAssertTrue(String(describing: error).contains("confidence_level 0.95 and [contract] significance_level 0.1 disagree"), "\(error)")
        }
        let levelOnly = try ContractPlan.parse(Self.plan.replacingOccurrences(of: "[reporting]\n", with: "[reporting]\nconfidence_level = 0.9\n"))
        XCTAssertEqual(levelOnly.terms.significanceLevel, 0.1, accuracy: 1e-15)
        let alphaOnly = try ContractPlan.parse(Self.plan.replacingOccurrences(of: "[contract]\n", with: "[contract]\nsignificance_level = 0.01\n"))
        XCTAssertEqual(alphaOnly.reporting.confidenceLevel, 0.99, accuracy: 1e-15)
    }

    func testOverlappingCohortsAreRejectedWhenThePlanIsRead() {
        let overlapping = Self.plan + "\n[[cohort]]\nname = \"Late\"\nreleased_from = 2011-12-31\nreleased_to = 2012-06-30\n"
        XCTAssertThrowsError(try ContractPlan.parse(overlapping, file: "p.toml")) { error in
            XCTAssertEqual(String(describing: error), "p.toml: cohorts 'All' (released 2011-01-01 to 2011-12-31) and 'Late' (released 2011-12-31 to 2012-06-30) overlap; release windows must not overlap, or the same people would be evaluated and paid for twice.")
        }
        let adjacent = Self.plan + "\n[[cohort]]\nname = \"Next\"\nreleased_from = 2012-01-01\nreleased_to = 2012-06-30\n"
        XCTAssertNoThrow(try ContractPlan.parse(adjacent, file: "p.toml"))
    }

    func testRecordErrorsNameFileAndLine() throws {
        try write("plan.toml", Self.plan)
        // Matching comes first (it never reads the events file), so the cohort has enough people to match.
        try write("cohort.csv", "id,treat,released,x\na,1,2011-01-01,1\nb,0,2011-01-01,2\nc,1,2011-02-01,3\nd,0,2011-02-01,5\n")
        let plan = try ContractPlan.load(path: folder.appendingPathComponent("plan.toml").path)
        try write("events.csv", "id,offence,convicted\na,2011-02-01,2011-01-20\n")
        XCTAssertThrowsError(try Evaluator.run(plan)) { error in
            XCTAssertEqual(error as? EvaluationError,
                           .provenBeforeOffence(file: plan.resolve("events.csv"), line: 2, offence: "2011-02-01", proven: "2011-01-20"))
        }
        try write("events.csv", "id,offence,convicted\na,2011-02-30,2011-03-01\n")
        XCTAssertThrowsError(try Evaluator.run(plan)) { error in
            XCTAssertEqual(error as? CohortDataError,
                           .invalidDate(file: plan.resolve("events.csv"), line: 2, column: "offence", value: "2011-02-30"))
        }
    }

    func testPlanDefaultsAndErrors() throws {
        let plan = try ContractPlan.parse(Self.plan)
        XCTAssertEqual(plan.terms.cohortThreshold, ExactRational(numerator: 1, denominator: 10))
        XCTAssertEqual(plan.terms.pooledThreshold, ExactRational(numerator: 3, denominator: 40))
        XCTAssertEqual(plan.terms.settlement, .perCohort)
        XCTAssertEqual(plan.terms.paymentBase, .matched)
        XCTAssertEqual(plan.terms.pricePerEvent, Money(pence: 10_000))
        XCTAssertEqual(plan.terms.currency, .gbp)
        XCTAssertEqual(plan.outcome.followUpMonths, 12)
        XCTAssertEqual(plan.outcome.courtLagMonths, 6)
        XCTAssertEqual(plan.outcome.measure, .reconvictionEvents)
        XCTAssertEqual(plan.events.id, "id")
        // released_from is a TOML date, released_to a string: both read.
        XCTAssertEqual(plan.cohorts[0].selection,
                       .released(from: CalendarDate.parse("2011-01-01")!, to: CalendarDate.parse("2011-12-31")!))
        let byColumn = try ContractPlan.parse(Self.plan.replacingOccurrences(
            of: "name = \"All\"\nreleased_from = 2011-01-01\nreleased_to = \"2011-12-31\"", with: "name = \"All\"\ncolumn = \"wave\"\nvalue = 2"))
        XCTAssertEqual(byColumn.cohorts[0].selection, .column(name: "wave", value: "2"))
        XCTAssertThrowsError(try ContractPlan.parse("name = 1\n[data]\n", file: "p.toml")) { error in
            XCTAssertEqual((error as? PlanError)?.message, "[data] cohort is missing; it names a file or column.")
        }
        XCTAssertThrowsError(try ContractPlan.parse(Self.plan.replacingOccurrences(of: "[contract]", with: "[contract]\ncohort_threshold = \"ten\""),
                                                    file: "p.toml")) { error in
            XCTAssertEqual((error as? PlanError)?.message, "[contract] cohort_threshold must be a number.")
        }
        XCTAssertThrowsError(try ContractPlan.parse(Self.plan.replacingOccurrences(of: "price_per_event", with: "price_per_evnt"),
                                                    file: "p.toml")) { error in
            XCTAssertTrue(((error as? PlanError)?.message ?? "").hasPrefix("[contract] unknown key 'price_per_evnt'"), "\(error)")
        }
        XCTAssertThrowsError(try ContractPlan.parse("[data\n", file: "p.toml")) { error in
            XCTAssertTrue(((error as? PlanError)?.message ?? "").hasPrefix("line 1"), "\(error)")
        }
    }

    /// A bad `[matching]` value fails when the plan is read (before any data is loaded: the data
    /// files named here do not exist), naming the plan file and key.
    func testBadMatchingSettingFailsWhenThePlanIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("plan.toml").path
        let text = Self.plan.replacingOccurrences(of: "[contract]", with: "[matching]\nlink = \"logistic\"\n\n[contract]")
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ContractPlan.load(path: file)) { error in
            XCTAssertEqual(String(describing: error),
                           "\(file): [matching] link must be one of logit, linear.logit, probit, linear.probit.")
        }
        let plan = try ContractPlan.parse(Self.plan.replacingOccurrences(
            of: "[contract]", with: "[matching]\nestimand = \"atc\"\nratio = 2\ncaliper = 0.2\n\n[contract]"))
        XCTAssertEqual(plan.matching, MatchingPlan(estimand: .atc, ratio: 2, caliper: 0.2))
    }
}
