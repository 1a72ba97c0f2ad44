import CohortData
import PaymentRules
import RateCards
import TestSupport
import XCTest

/// Datasets/rate-card-example end to end. Every expected number was computed by hand; the
/// reasoning for each claim is in Datasets/rate-card-example/README.md.
final class ExampleTests: XCTestCase {
    private func exampleLedger() throws -> RateCardLedger {
        let plan = try RateCardPlan.load(path: Fixtures.dataset("rate-card-example/plan.toml").path)
        return RateCardLedger(plan: plan, claims: try plan.loadClaims())
    }

    func testEveryDecision() throws {
        let l = try exampleLedger()
        let trail = l.decisions.map { d in
            "\(d.claim.line) \(d.claim.person) \(l.plan.outcomes[d.claim.outcome].id) \(CalendarDate.format(d.claim.date)) \(d.decision.code) \(d.paidToDate.decimalText)"
        }
        XCTAssertEqual(trail, [
            "2 P01 entered 2019-01-15 paid 1000.00",
            "3 P01 wellbeing 2019-01-15 paid 1333.33",
            "9 P02 entered 2019-02-01 paid 2333.33",
            "10 P02 wellbeing 2019-02-01 paid 2666.66",
            "14 P03 sustained_3m 2019-03-01 not_eligible 2666.66",       // never entered accommodation (yet)
            "15 P03 entered 2019-03-10 paid 3666.66",
            "18 P04 entered 2019-03-31 paid 4666.66",
            "4 P01 sustained_3m 2019-04-15 paid 6166.66",                // due exactly 3 months after 15 Jan
            "5 P01 wellbeing 2019-04-15 paid 6499.99",                   // second of two allowed
            "11 P02 sustained_3m 2019-04-30 not_eligible 6499.99",       // due 1 May: too early
            "12 P02 sustained_3m 2019-05-01 paid 7999.99",
            "19 P04 employment_13w 2019-05-01 beyond_cap 7999.99",       // 10,499.99 > 10,000
            "6 P01 wellbeing 2019-05-20 beyond_person_limit 7999.99",    // third wellbeing
            "16 P03 sustained_3m 2019-06-10 paid 9499.99",               // 9,499.99 <= 10,000
            "23 P05 entered 2019-06-28 beyond_cap 9499.99",              // before employment_13w (plan order)
            "22 P05 employment_13w 2019-06-28 beyond_cap 9499.99",
            "20 P04 sustained_3m 2019-06-30 beyond_cap 9499.99",         // 31 Mar + 3 months = 30 Jun
            "7 P01 sustained_6m 2019-07-15 paid 10999.99",               // cap raised to 14,000 on 1 Jul
            "21 P04 employment_26w 2019-07-31 paid 13499.99",            // 1 May + 13 weeks; 13w delivered unpaid still counts
            "13 P02 sustained_6m 2019-08-01 beyond_cap 13499.99",        // 14,999.99 > 14,000
            "26 P06 entered 2019-08-15 beyond_cap 13499.99",
            "8 P01 employment_26w 2019-09-01 not_eligible 13499.99",     // no 13 weeks employment
            "17 P03 sustained_6m 2019-09-10 beyond_cap 13499.99",
            "24 P05 wellbeing 2019-09-20 paid 13833.32",                 // a cheaper outcome still fits
            "25 P05 sustained_3m 2019-10-01 beyond_cap 13833.32",
            "27 P06 sustained_6m 2020-02-15 not_eligible 13833.32",      // requires sustained_3m
        ])
        XCTAssertEqual(l.notEligibleReasons.map { "\($0.code) \($0.count)" },
                       ["prerequisite_missing 1", "sustained_outcome_missing 2", "too_early 1"])
    }

    func testTotals() throws {
        let l = try exampleLedger()
        XCTAssertEqual(l.people, 6)
        var expected = DecisionCounts()
        expected.claims = 26
        expected.paid = 13
        expected.beyondPersonLimit = 1
        expected.beyondCap = 8
        expected.notEligible = 4
        expected.paidAmount = Money(pence: 1_383_332)       // 4 x 1,000 + 4 x 333.33 + 3 x 1,500 + 1,500 + 2,500
        expected.unpaidBeyondCap = Money(pence: 1_300_000)  // 2 x 1,000 + 4 x 1,500 + 2 x 2,500
        XCTAssertEqual(l.totals, expected)
        XCTAssertEqual(l.totals.delivered, 21)
    }

    func testByOutcomeWithAchievementAgainstTargets() throws {
        let l = try exampleLedger()
        // id: claims, paid, beyond limit, beyond cap, not eligible, paid, unpaid at price, delivered/target = %.
        let rows = l.outcomes.map { o -> String in
            let c = o.counts
            return "\(o.outcome.id) \(c.claims) \(c.paid) \(c.beyondPersonLimit) \(c.beyondCap) \(c.notEligible) "
                + "\(c.paidAmount.decimalText) \(c.unpaidBeyondCap.decimalText) \(o.achievement.map { "\($0.achieved)/\($0.target)=\($0.roundedPercentage)%" } ?? "-")"
        }
        XCTAssertEqual(rows, [
            "entered 6 4 0 2 0 4000.00 2000.00 6/5=120%",
            "sustained_3m 7 3 0 2 2 4500.00 3000.00 5/4=125%",
            "sustained_6m 4 1 0 2 1 1500.00 3000.00 3/4=75%",
            "wellbeing 5 4 1 0 0 1333.32 0.00 4/8=50%",
            "employment_13w 2 0 0 2 0 0.00 5000.00 2/3=67%",
            "employment_26w 2 1 0 0 1 2500.00 0.00 1/2=50%",
        ])
    }

    func testByPeriodPayerAndCap() throws {
        let l = try exampleLedger()
        let periods = l.periods.map { p in
            "\(p.label) \(p.counts.claims) \(p.counts.paid) \(p.counts.paidAmount.decimalText) \(p.payerAmounts.map(\.decimalText).joined(separator: "+")) \(p.paidToDate.decimalText)"
        }
        XCTAssertEqual(periods, [
            "2019-Q1 7 6 4666.66 2800.00+1866.66 4666.66",
            "2019-Q2 10 4 4833.33 2900.00+1933.33 9499.99",
            "2019-Q3 7 3 4333.33 2600.00+1733.33 13833.32",
            "2019-Q4 1 0 0.00 0.00+0.00 13833.32",
            "2020-Q1 1 0 0.00 0.00+0.00 13833.32",
        ])
        // Each £333.33 splits 200.00 / 133.33 (the leftover penny to the first payer), so the
        // Combined Authority pays £8,300.00, not 60% of £13,833.32 (£8,299.992).
        XCTAssertEqual(l.payers.map { "\($0.payer.name) \($0.payer.share) \($0.amount.decimalText)" },
                       ["Combined Authority 3/5 8300.00", "Life Chances Fund 2/5 5533.32"])
        XCTAssertEqual(l.caps.map { w in
            "\(w.cap.map { CalendarDate.format($0.from) } ?? "-") \(w.counts.claims) \(w.counts.paid) \(w.counts.beyondCap) \(w.counts.unpaidBeyondCap.decimalText) \(w.paidToDate.decimalText)"
        }, ["2019-01-01 17 10 4 7500.00 9499.99", "2019-07-01 9 3 4 5500.00 13833.32"])
    }

    func testCSVAndSummary() throws {
        let l = try exampleLedger()
        let lines = l.csv().split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 28)   // header, 26 claims, final newline
        XCTAssertEqual(lines[0], "sequence,line,person,outcome,outcome_name,date,period,decision,reason,price_gbp,paid_gbp,cap_in_force_gbp,paid_to_date_gbp,Combined Authority (GBP),Life Chances Fund (GBP)")
        XCTAssertEqual(lines[2], "2,3,P01,wellbeing,Wellbeing assessment,2019-01-15,2019-Q1,paid,,333.33,333.33,10000.00,1333.33,200.00,133.33")
        XCTAssertEqual(lines[12], "12,19,P04,employment_13w,13 weeks employment,2019-05-01,2019-Q2,beyond_cap,\"paying would exceed the cap of £10,000.00\",2500.00,0.00,10000.00,7999.99,0.00,0.00")
        XCTAssertEqual(lines[10], "10,11,P02,sustained_3m,Sustained accommodation 3 months,2019-04-30,2019-Q2,not_eligible,\"sustains 'entered' achieved 2019-02-01, so due on or after 2019-05-01\",1500.00,0.00,10000.00,6499.99,0.00,0.00")
        XCTAssertEqual(lines[27], "")
        // The CSV's paid column adds up to the total, to the penny.
        let table = try CSVReader.parse(text: l.csv(), file: "ledger.csv", options: CSVReadOptions(textColumns: ["paid_gbp"]))
        let paid = try table.column("paid_gbp")
        XCTAssertEqual((0..<table.rowCount).reduce(0) { $0 + Money(pounds: paid.text(at: $1))!.pence }, 1_383_332)

        let summary = l.summary(eventsFile: "events.csv")
        XCTAssertTrue(summary.contains("Claims: 26 from 6 people (events.csv)"))
        XCTAssertTrue(summary.contains("Decisions: 13 paid (£13,833.32); 1 beyond the per-person limit; 8 delivered unpaid beyond the cap (£13,000.00 at price); 4 not eligible (1 prerequisite missing, 2 sustained outcome missing, 1 too early)"))
        XCTAssertTrue(summary.contains("Combined Authority    3/5    £8,300.00"))
    }
}
