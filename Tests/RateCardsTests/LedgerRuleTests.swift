import CohortData
import PaymentRules
import RateCards
import XCTest

/// One hand-computed case per ledger rule. Plans are TOML text; events are CSV text with the
/// default columns person_id, outcome_id, date.
final class LedgerRuleTests: XCTestCase {
    /// Decides `events` (CSV rows without the header) under the plan.
    private func ledger(_ toml: String, _ rows: String) throws -> RateCardLedger {
        let plan = try RateCardPlan.parse(toml, file: "plan.toml")
        let table = try CSVReader.parse(text: "person_id,outcome_id,date\n" + rows, file: "events.csv",
                                        options: CSVReadOptions(textColumns: ["person_id", "outcome_id", "date"]))
        return RateCardLedger(plan: plan, claims: try plan.claims(from: table))
    }

    /// "person outcome date decision" for each claim, in processing order.
    private func trail(_ l: RateCardLedger) -> [String] {
        l.decisions.map { d in
            "\(d.claim.person) \(l.plan.outcomes[d.claim.outcome].id) \(CalendarDate.format(d.claim.date)) \(d.decision.code)"
        }
    }

    private let accommodation = """
    [[outcome]]
    id = "entered"
    price = 100
    [[outcome]]
    id = "s3"
    price = 200
    sustains = "entered"
    months = 3
    [[outcome]]
    id = "s6"
    price = 300
    requires = "s3"
    sustains = "entered"
    months = 6
    """

    func testPrerequisiteMustBeAchievedOnOrBeforeTheDate() throws {
        let toml = """
        [[outcome]]
        id = "assessment"
        price = 50
        [[outcome]]
        id = "plan_agreed"
        price = 70
        requires = "assessment"
        """
        // A: prerequisite the same day (processed first by plan order, though listed second in the file).
        // B: no prerequisite at all. C: prerequisite only after the claim. D: prerequisite earlier.
        let l = try ledger(toml, """
        A,plan_agreed,2020-03-01
        A,assessment,2020-03-01
        B,plan_agreed,2020-03-02
        C,plan_agreed,2020-03-03
        C,assessment,2020-03-04
        D,assessment,2020-01-01
        D,plan_agreed,2020-03-05
        """)
        XCTAssertEqual(trail(l), [
            "D assessment 2020-01-01 paid",
            "A assessment 2020-03-01 paid",
            "A plan_agreed 2020-03-01 paid",
            "B plan_agreed 2020-03-02 not_eligible",
            "C plan_agreed 2020-03-03 not_eligible",
            "C assessment 2020-03-04 paid",
            "D plan_agreed 2020-03-05 paid",
        ])
        let b = l.decisions.first { $0.claim.person == "B" }!
        XCTAssertEqual(b.decision, .notEligible(.prerequisiteMissing(prerequisite: "assessment")))
        XCTAssertEqual(b.decision.reason, "requires 'assessment', not achieved by this date")
        XCTAssertEqual(b.paid, .zero)
        XCTAssertEqual(l.totals.paid, 5)
        XCTAssertEqual(l.totals.notEligible, 2)
        XCTAssertEqual(l.totals.paidAmount.pence, (3 * 50 + 2 * 70) * 100)
        XCTAssertEqual(l.notEligibleReasons, [ReasonCount(code: "prerequisite_missing", count: 2),
                                              ReasonCount(code: "sustained_outcome_missing", count: 0),
                                              ReasonCount(code: "too_early", count: 0)])
    }

    func testSustainmentIsDueThePeriodAfterTheFirstAchievement() throws {
        // P entered 31 Jan 2019: 3 months later is 30 April (clamped), 6 months later 31 July.
        let l = try ledger(accommodation, """
        P,entered,2019-01-31
        P,s3,2019-04-29
        P,s3,2019-04-30
        P,s6,2019-07-30
        P,s6,2019-07-31
        Q,s3,2019-05-01
        """)
        XCTAssertEqual(trail(l), [
            "P entered 2019-01-31 paid",
            "P s3 2019-04-29 not_eligible",
            "P s3 2019-04-30 paid",
            "Q s3 2019-05-01 not_eligible",
            "P s6 2019-07-30 not_eligible",
            "P s6 2019-07-31 paid",
        ])
        let tooEarly = l.decisions[1]
        XCTAssertEqual(tooEarly.decision, .notEligible(.tooEarly(
            outcome: "entered", achieved: CalendarDate.parse("2019-01-31")!, due: CalendarDate.parse("2019-04-30")!)))
        XCTAssertEqual(tooEarly.decision.reason, "sustains 'entered' achieved 2019-01-31, so due on or after 2019-04-30")
        let q = l.decisions.first { $0.claim.person == "Q" }!
        XCTAssertEqual(q.decision, .notEligible(.sustainedOutcomeMissing(outcome: "entered")))
        XCTAssertEqual(l.notEligibleReasons.map(\.count), [0, 1, 2])
        XCTAssertEqual(l.totals.paidAmount.pence, 60_000)
    }

    func testSustainmentInWeeksAndChainsOfPrerequisites() throws {
        let toml = """
        [[outcome]]
        id = "w13"
        price = 10
        [[outcome]]
        id = "w26"
        price = 20
        sustains = "w13"
        weeks = 13
        """
        // 2019-03-01 + 91 days = 2019-05-31.
        let l = try ledger(toml, """
        E,w13,2019-03-01
        E,w26,2019-05-30
        E,w26,2019-05-31
        """)
        XCTAssertEqual(l.decisions.map(\.decision.code), ["paid", "not_eligible", "paid"])

        // A prerequisite that was itself not eligible is not achieved, so what depends on it is not eligible.
        let chain = try ledger(accommodation, """
        R,entered,2019-01-10
        R,s3,2019-03-01
        R,s6,2019-07-10
        """)
        XCTAssertEqual(chain.decisions.map(\.decision), [
            .paid,
            .notEligible(.tooEarly(outcome: "entered", achieved: CalendarDate.parse("2019-01-10")!, due: CalendarDate.parse("2019-04-10")!)),
            .notEligible(.prerequisiteMissing(prerequisite: "s3")),
        ])
    }

    func testPerPersonLimit() throws {
        let toml = """
        [[outcome]]
        id = "once"
        price = 10
        [[outcome]]
        id = "twice"
        price = 1
        max_per_person = 2
        """
        let l = try ledger(toml, """
        A,once,2020-01-01
        A,once,2020-01-01
        A,once,2020-02-01
        B,once,2020-02-01
        A,twice,2020-01-05
        A,twice,2020-01-06
        A,twice,2020-01-07
        """)
        XCTAssertEqual(trail(l), [
            "A once 2020-01-01 paid",
            "A once 2020-01-01 beyond_person_limit",
            "A twice 2020-01-05 paid",
            "A twice 2020-01-06 paid",
            "A twice 2020-01-07 beyond_person_limit",
            "A once 2020-02-01 beyond_person_limit",
            "B once 2020-02-01 paid",
        ])
        // The duplicate row on the same date keeps file order (line 2 paid, line 3 beyond the limit).
        XCTAssertEqual(l.decisions[0].claim.line, 2)
        XCTAssertEqual(l.decisions[1].claim.line, 3)
        XCTAssertEqual(l.decisions[4].decision, .beyondPersonLimit(limit: 2))
        XCTAssertEqual(l.totals.beyondPersonLimit, 3)
        XCTAssertEqual(l.outcomes[0].counts.paid, 2)
        XCTAssertEqual(l.outcomes[1].counts.paid, 2)
        XCTAssertEqual(l.totals.paidAmount.pence, 2 * 1000 + 2 * 100)
    }

    func testCapChangesOnADate() throws {
        // Cap £250 from 1 Jan, raised to £400 on 1 Apr, lowered to £300 on 1 Jul.
        let toml = """
        [[outcome]]
        id = "o"
        price = 100
        max_per_person = 10
        [[cap]]
        from = 2020-01-01
        amount = 250
        [[cap]]
        from = 2020-04-01
        amount = 400
        [[cap]]
        from = 2020-07-01
        amount = 300
        """
        let l = try ledger(toml, """
        A,o,2019-12-31
        A,o,2020-01-15
        A,o,2020-03-31
        A,o,2020-04-01
        A,o,2020-04-02
        A,o,2020-06-30
        A,o,2020-07-01
        """)
        // 31 Dec: before any cap, paid (100). 15 Jan: 200 <= 250 paid. 31 Mar: 300 > 250 beyond cap.
        // 1 Apr: cap 400, 300 paid. 2 Apr: 400 paid. 30 Jun: 500 > 400 beyond cap.
        // 1 Jul: cap 300 < 400 already paid: beyond cap (nothing is taken back).
        XCTAssertEqual(l.decisions.map(\.decision.code), ["paid", "paid", "beyond_cap", "paid", "paid", "beyond_cap", "beyond_cap"])
        XCTAssertEqual(l.decisions.map(\.paidToDate.pence), [10_000, 20_000, 20_000, 30_000, 40_000, 40_000, 40_000])
        XCTAssertEqual(l.decisions.map { $0.capInForce?.pence }, [nil, 25_000, 25_000, 40_000, 40_000, 40_000, 30_000])
        XCTAssertEqual(l.decisions[2].decision, .beyondCap(cap: Money(pence: 25_000)))
        XCTAssertEqual(l.totals.beyondCap, 3)
        XCTAssertEqual(l.totals.unpaidBeyondCap.pence, 30_000)
        XCTAssertEqual(l.totals.delivered, 7)
        XCTAssertEqual(l.deliveredUnpaid.map(\.sequence), [3, 6, 7])
        // Cap windows: before caps, then one per cap.
        XCTAssertEqual(l.caps.map { $0.cap?.amount.pence }, [nil, 25_000, 40_000, 30_000])
        XCTAssertEqual(l.caps.map(\.counts.claims), [1, 2, 3, 1])
        XCTAssertEqual(l.caps.map(\.counts.beyondCap), [0, 1, 1, 1])
        XCTAssertEqual(l.caps.map(\.paidToDate.pence), [10_000, 20_000, 40_000, 40_000])
        XCTAssertEqual(l.caps.map { $0.until.map(CalendarDate.format) }, ["2019-12-31", "2020-03-31", "2020-06-30", nil])
    }

    func testBeyondCapIsDeliveredUnpaidAndCheaperOutcomesCanStillFit() throws {
        let toml = """
        [[outcome]]
        id = "big"
        price = 600
        [[outcome]]
        id = "small"
        price = 300
        [[outcome]]
        id = "free"
        price = 0
        [[outcome]]
        id = "after_big"
        price = 50
        requires = "big"
        [[cap]]
        from = 2020-01-01
        amount = 1000
        """
        let l = try ledger(toml, """
        A,big,2020-01-01
        B,big,2020-01-02
        B,small,2020-01-03
        C,small,2020-01-04
        B,after_big,2020-01-05
        B,big,2020-01-06
        C,free,2020-01-07
        """)
        // A big 600 paid; B big 1,200 > 1,000 beyond cap (delivered); B small 900 paid; C small 1,200 beyond cap;
        // B after_big: big was delivered (beyond cap counts as achieved) -> 950 paid;
        // B big again: beyond the per-person limit (the unpaid delivery counts towards it); C free: paid, £0.
        XCTAssertEqual(trail(l), [
            "A big 2020-01-01 paid",
            "B big 2020-01-02 beyond_cap",
            "B small 2020-01-03 paid",
            "C small 2020-01-04 beyond_cap",
            "B after_big 2020-01-05 paid",
            "B big 2020-01-06 beyond_person_limit",
            "C free 2020-01-07 paid",
        ])
        XCTAssertEqual(l.totals.paidAmount.pence, 95_000)
        XCTAssertEqual(l.totals.unpaidBeyondCap.pence, 90_000)
        XCTAssertEqual(l.outcomes.map(\.counts.delivered), [2, 2, 1, 1])
        XCTAssertEqual(l.outcomes[0].counts.unpaidBeyondCap.pence, 60_000)
    }

    func testPayerSplitRoundsToThePennyOnEveryPayment() throws {
        let toml = """
        [[outcome]]
        id = "o"
        price = 0.01
        max_per_person = 100
        [[outcome]]
        id = "p"
        price = 333.33
        [[payer]]
        name = "A"
        share = "1/3"
        [[payer]]
        name = "B"
        share = "1/3"
        [[payer]]
        name = "C"
        share = "1/3"
        """
        let l = try ledger(toml, """
        X,o,2020-01-01
        X,o,2020-01-02
        X,o,2020-01-03
        X,p,2020-04-01
        """)
        // Each 1p payment goes to the first payer; 33,333p splits 11,111 each.
        XCTAssertEqual(l.decisions.map { $0.payerAmounts.map(\.pence) }, [[1, 0, 0], [1, 0, 0], [1, 0, 0], [11_111, 11_111, 11_111]])
        XCTAssertEqual(l.payers.map(\.amount.pence), [11_114, 11_111, 11_111])
        XCTAssertEqual(l.payers.reduce(0) { $0 + $1.amount.pence }, l.totals.paidAmount.pence)
        XCTAssertEqual(l.periods.map(\.label), ["2020-Q1", "2020-Q2"])
        XCTAssertEqual(l.periods.map { $0.payerAmounts.map(\.pence) }, [[3, 0, 0], [11_111, 11_111, 11_111]])
    }

    func testOrderOnTheSameDateIsPersonThenPlanOrder() throws {
        let l = try ledger(accommodation, """
        b,entered,2020-01-01
        B,entered,2020-01-01
        a10,entered,2020-01-01
        a2,entered,2020-01-01
        """)
        // UTF-8 byte order: "B" < "a10" < "a2" < "b".
        XCTAssertEqual(l.decisions.map(\.claim.person), ["B", "a10", "a2", "b"])
        XCTAssertEqual(l.decisions.map(\.sequence), [1, 2, 3, 4])
        XCTAssertEqual(l.people, 4)
    }

    func testMonthlyPeriodsIncludeEmptyMonthsAndTargets() throws {
        let toml = """
        period = "month"
        [[outcome]]
        id = "o"
        price = 10
        target = 3
        [[outcome]]
        id = "untargeted"
        price = 1
        """
        let l = try ledger(toml, """
        A,o,2020-01-31
        B,o,2020-04-01
        """)
        XCTAssertEqual(l.periods.map(\.label), ["2020-01", "2020-02", "2020-03", "2020-04"])
        XCTAssertEqual(l.periods.map(\.counts.paid), [1, 0, 0, 1])
        XCTAssertEqual(l.periods.map(\.paidToDate.pence), [1000, 1000, 1000, 2000])
        XCTAssertEqual(l.outcomes[0].achievement, TargetAchievement(achieved: 2, target: 3))
        XCTAssertEqual(l.outcomes[0].achievement?.roundedPercentage, 67)
        XCTAssertNil(l.outcomes[1].achievement)
    }

    func testCSVQuotesFieldsThatNeedIt() throws {
        let l = try ledger(accommodation, "\"say \"\"hi\"\", you\",entered,2020-01-01\n")
        XCTAssertEqual(l.decisions.map(\.claim.person), ["say \"hi\", you"])
        XCTAssertEqual(l.csv().split(separator: "\n")[1], "1,2,\"say \"\"hi\"\", you\",entered,entered,2020-01-01,2020-Q1,paid,,100.00,100.00,,100.00,100.00")
    }

    func testNoClaims() throws {
        let l = try ledger(accommodation, "")
        XCTAssertEqual(l.decisions, [])
        XCTAssertEqual(l.periods, [])
        XCTAssertEqual(l.totals, DecisionCounts())
        XCTAssertEqual(l.csv().split(separator: "\n").count, 1)
    }
}
