import PaymentRules
import XCTest

/// Hand-worked payment decisions, one rule at a time (the rule is stated at `PaymentTerms.decide`).
final class PaymentDecisionTests: XCTestCase {
    let price = Money(pence: 200_000)          // £2,000 per event avoided

    func r(_ n: Int, _ d: Int = 1) -> ExactRational { ExactRational(numerator: n, denominator: d) }
    func pounds(_ p: Int) -> Money { Money(pence: 100 * p) }

    /// 1,395 against 1,550 events over 1,000 pairs is exactly a 10% reduction and triggers: 155
    /// events avoided x £2,000 = £310,000. One more treated event (1,396) is 9.935% and does not.
    func testExactThreshold() throws {
        let terms = PaymentTerms(settlement: .perCohort, pricePerEvent: price, finalAssessment: false)
        let met = try terms.decide([.pairs("Cohort 1", pairs: 1000, treatedEvents: 1395, comparisonEvents: 1550)], pooledTest: nil)
        let c = met.cohorts[0]
        XCTAssertEqual(c.reduction, r(1, 10))
        XCTAssertEqual(c.treatedMean, r(279, 200))
        XCTAssertEqual(c.comparisonMean, r(31, 20))
        XCTAssertTrue(c.thresholdMet)
        XCTAssertTrue(c.triggerMet)
        XCTAssertEqual(c.route, .ownTrigger)
        XCTAssertEqual(c.eventsAvoided, 155)
        XCTAssertEqual(c.entitlement, pounds(310_000))
        XCTAssertEqual(met.totals.due, pounds(310_000))
        XCTAssertEqual(met.totals.due.description, "£310,000.00")

        let missed = try terms.decide([.pairs("Cohort 1", pairs: 1000, treatedEvents: 1396, comparisonEvents: 1550)], pooledTest: nil)
        XCTAssertEqual(missed.cohorts[0].reduction, r(154, 1550))
        XCTAssertFalse(missed.cohorts[0].triggerMet)
        XCTAssertEqual(missed.cohorts[0].route, .none)
        XCTAssertEqual(missed.cohorts[0].eventsAvoided, 154)
        XCTAssertEqual(missed.totals.due, .zero)
    }

    /// Peterborough cohort 1: 142 against 155 events per 100 (1,420 vs 1,550 over 1,000 pairs) is
    /// 130/1550 = 8.4%, below 10%. At an interim assessment the pooled trigger does not apply, so
    /// even with a second cohort at 9.6% (pooled 9.0%) nothing is paid; one cohort alone is never a pool.
    func testPeterboroughInterimPaysNothing() throws {
        let c1 = CohortResult.pairs("Cohort 1", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550)
        let c2 = CohortResult.pairs("Cohort 2", pairs: 1000, treatedEvents: 1401, comparisonEvents: 1550)
        let interim = PaymentTerms(settlement: .perCohort, pricePerEvent: price, finalAssessment: false)
        let d = try interim.decide([c1, c2], pooledTest: nil)
        XCTAssertEqual(d.cohorts[0].reduction, r(13, 155))
        XCTAssertEqual((Double(d.cohorts[0].reduction!) * 1000).rounded() / 10, 8.4)
        XCTAssertEqual(d.pooled.reduction, (r(13, 155) + r(149, 1550)) / 2)
        XCTAssertTrue(d.pooled.thresholdMet)
        XCTAssertFalse(d.pooled.applies)
        XCTAssertFalse(d.pooled.met)
        XCTAssertEqual(d.cohorts.map(\.route), [.none, .none])
        XCTAssertEqual(d.totals.due, .zero)
        let alone = try PaymentTerms(settlement: .perCohort, pricePerEvent: price).decide([c1], pooledTest: nil)
        XCTAssertFalse(alone.pooled.applies)
        XCTAssertEqual(alone.totals.due, .zero)
        // At the final assessment the two cohorts are paid through the catch-up: 130 + 149 events.
        let final = try PaymentTerms(settlement: .perCohort, pricePerEvent: price).decide([c1, c2], pooledTest: nil)
        XCTAssertEqual(final.cohorts.map(\.route), [.catchUp, .catchUp])
        XCTAssertEqual(final.totals.due, pounds(2000 * 279))
        // Without catch-up the pooled trigger is met but pays nothing.
        let noCatchUp = try PaymentTerms(settlement: .perCohort, pricePerEvent: price, catchUp: false).decide([c1, c2], pooledTest: nil)
        XCTAssertTrue(noCatchUp.pooled.met)
        XCTAssertEqual(noCatchUp.totals.due, .zero)
    }

    /// Three cohorts of 1,000 pairs at the final assessment, price £2,000, and £500,000 paid for
    /// cohort 1 at an interim assessment (its own trigger, 250 events):
    ///
    ///     cohort  treated  comparison  reduction              events avoided
    ///     1       1,300    1,550       250/1550 = 16.1%       +250  (own trigger)
    ///     2       1,420    1,550       130/1550 =  8.4%       +130
    ///     3       1,677    1,667       -10/1667 = -0.6%        -10
    ///
    /// Pooled = (25/155 + 13/155 - 10/1667)/3 = 61796/775155 = 7.97% >= 7.5%: met.
    /// per_cohort: cohort 1 £500,000 (all paid before), cohort 2 catch-up 130 x £2,000 = £260,000,
    ///   cohort 3 max(0, -10) = 0: entitlement £760,000 (380 events), due now £260,000.
    /// pooled: P = 370 x £2,000 = £740,000 over all cohorts (-10 included), own-trigger O = £500,000,
    ///   S = max(O, P) = £740,000; cohorts 2 and 3 share S - O = £240,000 (cohort 2's £260,000 line
    ///   less the £20,000 netted for cohort 3); due now £740,000 - £500,000 paid = £240,000.
    /// The two settlements differ by 10 events, £20,000.
    func testPooledAgainstPerCohortSettlementWithAPriorPayment() throws {
        let cohorts: [CohortResult] = [
            .pairs("Cohort 1", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550),
            .pairs("Cohort 2", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550),
            .pairs("Cohort 3", pairs: 1000, treatedEvents: 1677, comparisonEvents: 1667),
        ]
        let paid = [PaymentTerms.PaymentMade(cohort: "Cohort 1", day: 15_521, amount: pounds(500_000))]
        let perCohort = try PaymentTerms(settlement: .perCohort, pricePerEvent: price, paymentsMade: paid).decide(cohorts, pooledTest: nil)
        XCTAssertEqual(perCohort.pooled.reduction, r(61_796, 775_155))
        XCTAssertTrue(perCohort.pooled.met)
        XCTAssertEqual(perCohort.pooled.eventsAvoided, 370)
        XCTAssertEqual(perCohort.cohorts.map(\.route), [.ownTrigger, .catchUp, .catchUp])
        XCTAssertEqual(perCohort.cohorts.map(\.eventsAvoided), [250, 130, -10])
        XCTAssertEqual(perCohort.cohorts.map(\.entitlement), [pounds(500_000), pounds(260_000), .zero])
        XCTAssertEqual(perCohort.cohorts.map(\.paidBefore), [pounds(500_000), .zero, .zero])
        XCTAssertEqual(perCohort.cohorts.map(\.due), [.zero, pounds(260_000), .zero])
        XCTAssertEqual(perCohort.totals.eventsPaidFor, 380)
        XCTAssertEqual(perCohort.totals.entitlement, pounds(760_000))
        XCTAssertEqual(perCohort.totals.due, pounds(260_000))
        XCTAssertNil(perCohort.pooled.settlementEntitlement)

        let pooled = try PaymentTerms(settlement: .pooled, pricePerEvent: price, paymentsMade: paid).decide(cohorts, pooledTest: nil)
        XCTAssertEqual(pooled.cohorts.map(\.route), [.ownTrigger, .pooledSettlement, .pooledSettlement])
        XCTAssertEqual(pooled.pooled.settlementEntitlement, pounds(740_000))
        XCTAssertEqual(pooled.cohorts.map(\.ownEntitlement), [pounds(500_000), pounds(260_000), .zero])
        XCTAssertEqual(pooled.cohorts.map(\.pooledAdjustment), [.zero, pounds(-20_000), .zero])
        XCTAssertEqual(pooled.cohorts.map(\.entitlement), [pounds(500_000), pounds(240_000), .zero])
        XCTAssertEqual(pooled.cohorts.map(\.due), [.zero, pounds(240_000), .zero])
        XCTAssertEqual(pooled.totals.eventsPaidFor, 370)
        XCTAssertEqual(pooled.totals.entitlement, pounds(740_000))
        XCTAssertEqual(pooled.totals.due, pounds(240_000))
        XCTAssertEqual(perCohort.totals.due - pooled.totals.due, try price.multiplied(by: 10))
    }

    /// Caps on cumulative payments. The three cohorts above, per_cohort, £300,000 paid for cohort 1
    /// before, cap_per_cohort £400,000 and cap_total £600,000:
    /// cohort 1: entitlement £500,000, capped at £400,000 (£100,000 withheld by the cohort cap),
    ///   less £300,000 paid: £100,000 outstanding;
    /// cohort 2: £260,000 outstanding; cohort 3: nothing.
    /// The total cap leaves £600,000 - £300,000 paid = £300,000: cohort 1 £100,000, then cohort 2
    /// £200,000 (£60,000 withheld by the total cap). Cumulative payments: exactly £600,000.
    func testCumulativeCapsWithAPriorPayment() throws {
        let cohorts: [CohortResult] = [
            .pairs("Cohort 1", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550),
            .pairs("Cohort 2", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550),
            .pairs("Cohort 3", pairs: 1000, treatedEvents: 1677, comparisonEvents: 1667),
        ]
        let paid = [PaymentTerms.PaymentMade(cohort: "Cohort 1", day: 15_521, amount: pounds(300_000))]
        var terms = PaymentTerms(settlement: .perCohort, pricePerEvent: price, capPerCohort: pounds(400_000),
                                 capTotal: pounds(600_000), paymentsMade: paid)
        let d = try terms.decide(cohorts, pooledTest: nil)
        XCTAssertEqual(d.cohorts.map(\.withheldByCohortCap), [pounds(100_000), .zero, .zero])
        XCTAssertEqual(d.cohorts.map(\.withheldByTotalCap), [.zero, pounds(60_000), .zero])
        XCTAssertEqual(d.cohorts.map(\.due), [pounds(100_000), pounds(200_000), .zero])
        XCTAssertEqual(d.totals.entitlement, pounds(760_000))
        XCTAssertEqual(d.totals.paidBefore, pounds(300_000))
        XCTAssertEqual(d.totals.withheldByCohortCap, pounds(100_000))
        XCTAssertEqual(d.totals.withheldByTotalCap, pounds(60_000))
        XCTAssertEqual(d.totals.due, pounds(300_000))
        XCTAssertEqual(d.totals.paidBefore + d.totals.due, pounds(600_000))
        // Under the pooled settlement cohort 2 is entitled to £240,000: £200,000 due, £40,000 withheld.
        terms.settlement = .pooled
        let p = try terms.decide(cohorts, pooledTest: nil)
        XCTAssertEqual(p.cohorts.map(\.due), [pounds(100_000), pounds(200_000), .zero])
        XCTAssertEqual(p.cohorts.map(\.withheldByTotalCap), [.zero, pounds(40_000), .zero])
        // Payments made beyond the total cap: nothing more is due, and nothing is negative.
        terms.paymentsMade = [PaymentTerms.PaymentMade(cohort: "Cohort 2", day: 15_521, amount: pounds(700_000))]
        let over = try terms.decide(cohorts, pooledTest: nil)
        XCTAssertEqual(over.totals.due, .zero)
        XCTAssertEqual(over.cohorts[1].overpaid, pounds(460_000))
        XCTAssertTrue(over.cohorts.allSatisfy { $0.due.pence >= 0 })
    }

    /// A payment made beyond a cohort's entitlement is never clawed back; under the pooled
    /// settlement it is netted from the pooled-settlement cohorts (P - payments made). Cohort 1
    /// paid £600,000 before, now entitled to £500,000: per_cohort pays cohort 2 its £260,000;
    /// pooled pays £740,000 - £600,000 = £140,000 (cohort 2's £240,000 less the £100,000 overpaid).
    func testOverpaymentIsNettedOnlyByThePooledSettlement() throws {
        let cohorts: [CohortResult] = [
            .pairs("Cohort 1", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550),
            .pairs("Cohort 2", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550),
            .pairs("Cohort 3", pairs: 1000, treatedEvents: 1677, comparisonEvents: 1667),
        ]
        let paid = [PaymentTerms.PaymentMade(cohort: "Cohort 1", day: 15_521, amount: pounds(600_000))]
        let perCohort = try PaymentTerms(settlement: .perCohort, pricePerEvent: price, paymentsMade: paid).decide(cohorts, pooledTest: nil)
        XCTAssertEqual(perCohort.cohorts[0].overpaid, pounds(100_000))
        XCTAssertEqual(perCohort.totals.due, pounds(260_000))
        let pooled = try PaymentTerms(settlement: .pooled, pricePerEvent: price, paymentsMade: paid).decide(cohorts, pooledTest: nil)
        XCTAssertEqual(pooled.cohorts[1].offsetForOverpayments, pounds(100_000))
        XCTAssertEqual(pooled.totals.due, pounds(140_000))
    }

    /// The pooled trigger never takes away what an own trigger earned: 20% (+310 events) and -4%
    /// (-62) pool to 8% and meet 7.5%, but P = 248 x £2,000 = £496,000 is less than cohort 1's own
    /// £620,000, which is what either settlement pays.
    func testPooledSettlementNeverUndercutsOwnTriggers() throws {
        let cohorts: [CohortResult] = [
            .pairs("A", pairs: 1000, treatedEvents: 1240, comparisonEvents: 1550),
            .pairs("B", pairs: 1000, treatedEvents: 1612, comparisonEvents: 1550),
        ]
        for settlement in PaymentTerms.Settlement.allCases {
            let d = try PaymentTerms(settlement: settlement, pricePerEvent: price).decide(cohorts, pooledTest: nil)
            XCTAssertEqual(d.pooled.reduction, r(2, 25))
            XCTAssertTrue(d.pooled.met)
            XCTAssertEqual(d.totals.due, pounds(620_000), "\(settlement)")
            XCTAssertEqual(d.totals.eventsPaidFor, 310)
        }
        let pooled = try PaymentTerms(settlement: .pooled, pricePerEvent: price).decide(cohorts, pooledTest: nil)
        XCTAssertEqual(pooled.pooled.settlementEntitlement, pounds(496_000))
        XCTAssertEqual(pooled.cohorts[1].route, .pooledSettlement)
        XCTAssertEqual(pooled.cohorts[1].entitlement, .zero)
    }

    /// The balance gate at |SMD| 0.1: cohort 1 meets 10% but two covariates are beyond the gate, so
    /// it is withheld with them listed, and the pooled trigger is withheld too; a cohort with no
    /// balance reported is withheld; a balanced cohort is paid.
    func testBalanceGate() throws {
        var c1 = CohortResult.pairs("Cohort 1", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550)
        c1.balance = [CovariateBalance(covariate: "age", standardizedMeanDifference: 0.05),
                      CovariateBalance(covariate: "prior_convictions", standardizedMeanDifference: -0.14),
                      CovariateBalance(covariate: "employed", standardizedMeanDifference: 0.12),
                      CovariateBalance(covariate: "housed", standardizedMeanDifference: 0.1)]
        var c2 = CohortResult.pairs("Cohort 2", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550)
        c2.balance = [CovariateBalance(covariate: "age", standardizedMeanDifference: 0.02)]
        let terms = PaymentTerms(settlement: .perCohort, pricePerEvent: price, maxAbsSMD: 0.1)
        let d = try terms.decide([c1, c2], pooledTest: nil)
        XCTAssertTrue(d.cohorts[0].thresholdMet)
        XCTAssertFalse(d.cohorts[0].triggerMet)
        XCTAssertEqual(d.cohorts[0].route, .withheldForBalance(covariates: ["prior_convictions", "employed"]))
        XCTAssertEqual(d.cohorts[0].route.description, "withheld: balance (prior_convictions, employed)")
        XCTAssertEqual(d.cohorts[0].imbalance.map(\.covariate), ["prior_convictions", "employed"])
        XCTAssertTrue(d.pooled.thresholdMet)
        XCTAssertTrue(d.pooled.withheldForBalance)
        XCTAssertFalse(d.pooled.met)
        XCTAssertEqual(d.cohorts[1].route, .none)
        XCTAssertEqual(d.totals.due, .zero)
        // Without the gate: cohort 1 own trigger, cohort 2 catch-up.
        let open = try PaymentTerms(settlement: .perCohort, pricePerEvent: price).decide([c1, c2], pooledTest: nil)
        XCTAssertEqual(open.totals.due, pounds(760_000))
        // Balanced cohort paid; balance not reported withheld.
        c1.balance = [CovariateBalance(covariate: "age", standardizedMeanDifference: 0.05)]
        c2.balance = nil
        let second = try terms.decide([c1, c2], pooledTest: nil)
        XCTAssertEqual(second.cohorts[0].route, .ownTrigger)
        XCTAssertEqual(second.cohorts[1].route, .withheldForBalance(covariates: []))
        XCTAssertEqual(second.cohorts[1].route.description, "withheld: balance not reported")
        XCTAssertEqual(second.totals.due, pounds(500_000))
    }

    /// Rounding: price x fractional events is rounded down to a whole penny, once per entitlement.
    /// One matched treated person with no event against two comparison people with one event:
    /// 1/2 event avoided (a 100% reduction, so it triggers).
    func testRoundingAtHalfPennies() throws {
        func halfEvent(_ name: String, comparisonEvents: Int = 1) -> CohortResult {
            CohortResult(name: name, matchedTreated: 1, cohortTreated: 1, treatedEvents: 0, treatedWeight: 1,
                         comparisonEvents: ExactRational(comparisonEvents), comparisonWeight: 2)
        }
        func due(_ pence: Int, _ cohorts: [CohortResult], _ settlement: PaymentTerms.Settlement = .perCohort) throws -> Int {
            try PaymentTerms(settlement: settlement, pricePerEvent: Money(pence: pence)).decide(cohorts, pooledTest: nil).totals.due.pence
        }
        XCTAssertEqual(try due(1, [halfEvent("A")]), 0)                          // 0.5p -> 0p
        XCTAssertEqual(try due(3, [halfEvent("A")]), 1)                          // 1.5p -> 1p
        XCTAssertEqual(try due(200_001, [halfEvent("A")]), 100_000)              // £1,000.005 -> £1,000.00
        XCTAssertEqual(try due(3, [halfEvent("A", comparisonEvents: 3)]), 4)     // 3/2 event: 4.5p -> 4p
        // Per cohort each line is rounded: 0.5p + 0.5p -> 0p + 0p. The pooled settlement is one
        // entitlement, 1 event x 1p = 1p, and the penny goes to the first cohort.
        XCTAssertEqual(try due(1, [halfEvent("A"), halfEvent("B")]), 0)
        let pooled = try PaymentTerms(settlement: .pooled, pricePerEvent: Money(pence: 1))
            .decide([halfEvent("A"), halfEvent("B")], pooledTest: nil)
        XCTAssertEqual(pooled.pooled.settlementEntitlement, Money(pence: 1))
        XCTAssertEqual(pooled.cohorts.map(\.due.pence), [1, 0])
        XCTAssertEqual(pooled.cohorts.map(\.pooledAdjustment.pence), [1, 0])
    }

    /// With require_significance a trigger needs the caller's test to be significant; a missing
    /// test is not.
    func testSignificanceRequirement() throws {
        var c1 = CohortResult.pairs("Cohort 1", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550)
        let c2 = CohortResult.pairs("Cohort 2", pairs: 1000, treatedEvents: 1420, comparisonEvents: 1550,
                                    test: SignificanceTest(pValue: 0.2, significant: false))
        let terms = PaymentTerms(settlement: .perCohort, requireSignificance: true, pricePerEvent: price)
        XCTAssertEqual(try terms.decide([c1, c2], pooledTest: nil).totals.due, .zero)
        c1.test = SignificanceTest(pValue: 0.01, significant: true)
        let own = try terms.decide([c1, c2], pooledTest: SignificanceTest(pValue: 0.09, significant: false))
        XCTAssertEqual(own.cohorts.map(\.route), [.ownTrigger, .none])
        XCTAssertEqual(own.cohorts[1].significant, false)
        XCTAssertFalse(own.pooled.met)
        let both = try terms.decide([c1, c2], pooledTest: SignificanceTest(pValue: 0.03, significant: true))
        XCTAssertEqual(both.cohorts.map(\.route), [.ownTrigger, .catchUp])
        XCTAssertEqual(both.totals.due, pounds(760_000))
    }

    /// payment_base = cohort: 800 of 1,000 treated matched; 1.30 against 1.50 events per person
    /// (13.3%); events avoided 0.2 x 800 = 160 matched, 0.2 x 1,000 = 200 for the whole cohort.
    /// Weighted comparison totals (ratio 2: weights 1/2) give the same means.
    func testPaymentBase() throws {
        let c = CohortResult(name: "A", matchedTreated: 800, cohortTreated: 1000, treatedEvents: 1040, treatedWeight: 800,
                             comparisonEvents: 2400 / 2, comparisonWeight: 1600 / 2)
        let hundred = pounds(100)
        let matched = try PaymentTerms(settlement: .perCohort, pricePerEvent: hundred).decide([c], pooledTest: nil)
        XCTAssertEqual(matched.cohorts[0].reduction, r(2, 15))
        XCTAssertEqual(matched.cohorts[0].eventsAvoided, 160)
        XCTAssertEqual(matched.totals.due, pounds(16_000))
        let cohort = try PaymentTerms(settlement: .perCohort, pricePerEvent: hundred, paymentBase: .cohort).decide([c], pooledTest: nil)
        XCTAssertEqual(cohort.cohorts[0].eventsAvoided, 200)
        XCTAssertEqual(cohort.totals.due, pounds(20_000))
    }

    /// With no comparison events there is no relative reduction: no trigger, no pooled reduction.
    func testNoComparisonEvents() throws {
        let none = CohortResult.pairs("A", pairs: 100, treatedEvents: 0, comparisonEvents: 0)
        let other = CohortResult.pairs("B", pairs: 100, treatedEvents: 50, comparisonEvents: 100)
        let d = try PaymentTerms(settlement: .perCohort, pricePerEvent: price).decide([none, other], pooledTest: nil)
        XCTAssertNil(d.cohorts[0].reduction)
        XCTAssertFalse(d.cohorts[0].triggerMet)
        XCTAssertEqual(d.cohorts[0].eventsAvoided, 0)
        XCTAssertNil(d.pooled.reduction)
        XCTAssertFalse(d.pooled.met)
        XCTAssertEqual(d.cohorts[1].route, .ownTrigger)
        XCTAssertEqual(d.totals.due, pounds(100_000))
    }

    func testErrors() {
        let a = CohortResult.pairs("A", pairs: 1000, treatedEvents: 1300, comparisonEvents: 1550)
        let terms = PaymentTerms(settlement: .perCohort, pricePerEvent: price,
                                 paymentsMade: [.init(cohort: "Z", day: 0, amount: pounds(1))])
        XCTAssertThrowsError(try terms.decide([a], pooledTest: nil)) { error in
            XCTAssertEqual(error as? PaymentRuleError, .unknownCohort(payment: "Z", cohorts: ["A"]))
        }
        XCTAssertThrowsError(try PaymentTerms(settlement: .pooled).decide([a, a], pooledTest: nil)) { error in
            XCTAssertEqual(error as? PaymentRuleError, .invalidCohort(name: "A", reason: "the name is used by more than one cohort"))
        }
        XCTAssertThrowsError(try PaymentTerms(settlement: .pooled, cohortThreshold: 1).decide([a], pooledTest: nil)) { error in
            XCTAssertEqual(error as? PaymentRuleError,
                           .invalidTerms("cohort_threshold is a relative reduction and must lie between -1 and 1, got 1"))
        }
        XCTAssertThrowsError(try PaymentTerms(settlement: .pooled, pricePerEvent: Money(pence: -1)).decide([a], pooledTest: nil))
        XCTAssertThrowsError(try PaymentTerms(settlement: .pooled, maxAbsSMD: 0).decide([a], pooledTest: nil))
        let eur = PaymentTerms(settlement: .pooled, pricePerEvent: price, currency: Currency(code: "EUR")!)
        XCTAssertThrowsError(try eur.decide([a], pooledTest: nil)) { error in
            XCTAssertEqual(error as? PaymentRuleError, .invalidTerms("price_per_event is in GBP, not the contract's currency EUR"))
        }
        // An amount beyond Int pence names the price, the events and the cohort.
        let huge = PaymentTerms(settlement: .perCohort, pricePerEvent: Money(pence: Int.max / 100))
        XCTAssertThrowsError(try huge.decide([a], pooledTest: nil)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.hasPrefix("£922,337,203,685,477.58 x 250.0 events avoided (cohort 'A'): the amount"), text)
        }
    }
}
