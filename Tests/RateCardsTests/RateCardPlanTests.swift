import CohortData
import PaymentRules
import RateCards
import XCTest

final class RateCardPlanTests: XCTestCase {
    private let minimal = """
    [[outcome]]
    id = "entered"
    price = 1000
    """

    func testDefaults() throws {
        let plan = try RateCardPlan.parse(minimal, file: "p.toml")
        XCTAssertEqual(plan.name, "Rate card")
        XCTAssertEqual(plan.period, .quarter)
        XCTAssertEqual(plan.events, RateCardPlan.EventColumns(file: nil, person: "person_id", outcome: "outcome_id", date: "date"))
        XCTAssertEqual(plan.outcomes, [RateCardPlan.Outcome(id: "entered", name: "entered", price: Money(pence: 100_000))])
        XCTAssertEqual(plan.outcomes[0].maxPerPerson, 1)
        XCTAssertEqual(plan.caps, [])
        XCTAssertEqual(plan.payers, [RateCardPlan.defaultPayer])
        XCTAssertNil(plan.cap(on: 0))
    }

    func testEveryKey() throws {
        let plan = try RateCardPlan.parse("""
        name = "Card"
        period = "month"
        [events]
        file = "e.csv"
        person = "who"
        outcome = "what"
        date = "when"
        [[outcome]]
        id = "a"
        name = "Start"
        price = "12.50"
        target = 10
        [[outcome]]
        id = "b"
        name = "Sustained"
        price = 0.99
        requires = "a"
        sustains = "a"
        weeks = 13
        max_per_person = 3
        [[outcome]]
        id = "c"
        price = 5
        sustains = "b"
        days = 30
        [[cap]]
        from = "2020-07-01"
        amount = 200
        [[cap]]
        from = 2020-01-01
        amount = 100.5
        [[payer]]
        name = "X"
        share = "1/3"
        [[payer]]
        name = "Y"
        share = "2/3"
        """, file: "p.toml", baseDirectory: "/data")
        XCTAssertEqual(plan.name, "Card")
        XCTAssertEqual(plan.period, .month)
        XCTAssertEqual(plan.events, RateCardPlan.EventColumns(file: "e.csv", person: "who", outcome: "what", date: "when"))
        XCTAssertEqual(plan.resolve("e.csv"), "/data/e.csv")
        XCTAssertEqual(plan.outcomes[0], RateCardPlan.Outcome(id: "a", name: "Start", price: Money(pence: 1250), target: 10))
        XCTAssertEqual(plan.outcomes[1], RateCardPlan.Outcome(
            id: "b", name: "Sustained", price: Money(pence: 99), requires: "a",
            sustains: RateCardPlan.Sustainment(outcome: "a", period: .weeks(13)), maxPerPerson: 3))
        XCTAssertEqual(plan.outcomes[2].sustains, RateCardPlan.Sustainment(outcome: "b", period: .days(30)))
        // Caps are sorted by date; the cap in force is the latest one started.
        let jan = CalendarDate.parse("2020-01-01")!, jul = CalendarDate.parse("2020-07-01")!
        XCTAssertEqual(plan.caps, [RateCardPlan.Cap(from: jan, amount: Money(pence: 10_050)),
                                   RateCardPlan.Cap(from: jul, amount: Money(pence: 20_000))])
        XCTAssertNil(plan.cap(on: jan - 1))
        XCTAssertEqual(plan.cap(on: jan)?.amount.pence, 10_050)
        XCTAssertEqual(plan.cap(on: jul - 1)?.amount.pence, 10_050)
        XCTAssertEqual(plan.cap(on: jul)?.amount.pence, 20_000)
        XCTAssertEqual(plan.payers.map(\.name), ["X", "Y"])
        XCTAssertEqual(plan.payers.map(\.share.description), ["1/3", "2/3"])
    }

    func testSustainmentPeriods() {
        let jan31 = CalendarDate.parse("2019-01-31")!
        XCTAssertEqual(CalendarDate.format(RateCardPlan.SustainmentPeriod.months(1).due(after: jan31)), "2019-02-28")
        XCTAssertEqual(CalendarDate.format(RateCardPlan.SustainmentPeriod.months(1).due(after: CalendarDate.parse("2020-01-31")!)), "2020-02-29")
        XCTAssertEqual(CalendarDate.format(RateCardPlan.SustainmentPeriod.months(24).due(after: jan31)), "2021-01-31")
        XCTAssertEqual(CalendarDate.format(RateCardPlan.SustainmentPeriod.weeks(13).due(after: jan31)), "2019-05-02")
        XCTAssertEqual(CalendarDate.format(RateCardPlan.SustainmentPeriod.days(1).due(after: jan31)), "2019-02-01")
        XCTAssertEqual(RateCardPlan.SustainmentPeriod.weeks(26).description, "26 weeks")
    }

    /// Each malformed plan fails with a message naming the file and the table and key.
    func testErrorsNameTheFileAndKey() {
        let outcome = "[[outcome]]\nid = \"a\"\nprice = 10\n"
        let cases: [(String, String)] = [
            ("name = \"x\"", "no [[outcome]] tables"),
            ("period = \"year\"\n" + outcome, "period must be \"quarter\" or \"month\" but is 'year'"),
            ("[[outcome]]\nprice = 10", "[[outcome]] 1 id is missing"),
            ("[[outcome]]\nid = \"a\"", "[[outcome]] 1 price is missing"),
            ("[[outcome]]\nid = \"a\"\nprice = 10.005", "[[outcome]] 1 price must be an amount in pounds with at most two decimal places"),
            ("[[outcome]]\nid = \"a\"\nprice = \"ten\"", "[[outcome]] 1 price must be an amount in pounds"),
            ("[[outcome]]\nid = \"a\"\nprice = -1", "[[outcome]] 1 ('a') price cannot be negative"),
            (outcome + outcome, "[[outcome]] 2 ('a') id repeats [[outcome]] 1"),
            (outcome + "max_per_person = 0", "max_per_person must be at least 1"),
            (outcome + "max_per_person = 1.5", "[[outcome]] 1 max_per_person must be a whole number"),
            (outcome + "target = 0", "target must be a whole number of at least 1"),
            (outcome + "requires = \"z\"", "[[outcome]] 1 ('a') requires = 'z' is not an outcome id (ids: a)"),
            (outcome + "requires = \"a\"", "requires names the outcome itself"),
            (outcome + "requires = \"b\"\n[[outcome]]\nid = \"b\"\nprice = 1", "requires = 'b' is listed after it"),
            (outcome + "[[outcome]]\nid = \"b\"\nprice = 1\nsustains = \"a\"", "[[outcome]] 2 sustains needs a period; add months, weeks or days"),
            (outcome + "[[outcome]]\nid = \"b\"\nprice = 1\nsustains = \"a\"\nmonths = 3\nweeks = 13", "[[outcome]] 2 weeks cannot be given with months"),
            (outcome + "months = 3", "[[outcome]] 1 months applies only with sustains"),
            (outcome + "[[outcome]]\nid = \"b\"\nprice = 1\nsustains = \"a\"\nmonths = 0", "sustainment period (months, weeks or days) must be at least 1"),
            (outcome + "max_per_peson = 2", "[[outcome]] 1 unknown key 'max_per_peson'"),
            ("outcomes = 1\n" + outcome, "unknown key 'outcomes'"),
            ("[events]\nfiel = \"e.csv\"\n" + outcome, "[events] unknown key 'fiel'"),
            ("[events]\nperson = 3\n" + outcome, "[events] person must be a string"),
            (outcome + "[[cap]]\nfrom = \"2019-02-30\"\namount = 5", "[[cap]] 1 from must be a date written YYYY-MM-DD"),
            (outcome + "[[cap]]\namount = 5", "[[cap]] 1 from is missing"),
            (outcome + "[[cap]]\nfrom = 2019-01-01\namount = -5", "amount cannot be negative"),
            (outcome + "[[cap]]\nfrom = 2019-01-01\namount = 5\n[[cap]]\nfrom = \"2019-01-01\"\namount = 6", "two [[cap]] tables start on 2019-01-01"),
            (outcome + "[[payer]]\nname = \"X\"\nshare = 0.6\n[[payer]]\nname = \"Y\"\nshare = 0.3",
             "[[payer]] shares must sum to exactly 1 but are X 3/5, Y 3/10"),
            (outcome + "[[payer]]\nname = \"X\"\nshare = 1.2", "[[payer]] 1 share must be a fraction greater than 0 and at most 1"),
            (outcome + "[[payer]]\nshare = 1", "[[payer]] 1 name is missing"),
            (outcome + "[[payer]]\nname = \"X\"\nshare = 0.5\n[[payer]]\nname = \"X\"\nshare = 0.5", "[[payer]] 'X' is listed twice"),
            ("[[outcome]\nid = 1", "line 1"),
            ("outcome = 3", "outcome must be an array of tables ([[outcome]])"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RateCardPlan.parse(text, file: "plans/card.toml"), expected) { error in
                guard case RateCardError.plan(let file, let message) = error else {
                    return XCTFail("\(expected): unexpected error \(error)")
                }
                XCTAssertEqual(file, "plans/card.toml")
                XCTAssertTrue(message.contains(expected), "expected '\(expected)' in: \(message)")
                XCTAssertTrue(String(describing: error).hasPrefix("plans/card.toml: "))
            }
        }
    }

    func testUnreadablePlanFile() {
        XCTAssertThrowsError(try RateCardPlan.load(path: "/nonexistent/plan.toml")) { error in
            guard case RateCardError.unreadablePlan(let file, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "/nonexistent/plan.toml")
        }
    }

    func testPeriodsAreCalendarQuartersAndMonths() {
        let day = CalendarDate.parse("2019-11-20")!
        let q = RateCardPlan.Period.quarter, m = RateCardPlan.Period.month
        XCTAssertEqual(q.label(ofKey: q.key(of: day)), "2019-Q4")
        XCTAssertEqual(CalendarDate.format(q.start(ofKey: q.key(of: day))), "2019-10-01")
        XCTAssertEqual(CalendarDate.format(q.end(ofKey: q.key(of: day))), "2019-12-31")
        XCTAssertEqual(m.label(ofKey: m.key(of: day)), "2019-11")
        XCTAssertEqual(CalendarDate.format(m.end(ofKey: m.key(of: CalendarDate.parse("2020-02-03")!))), "2020-02-29")
        XCTAssertEqual(q.label(ofKey: q.key(of: day) + 1), "2020-Q1")
    }
}
