/// Which trigger pays a cohort.
public enum PaymentRoute: Sendable, Equatable, CustomStringConvertible {
    /// The cohort met its own trigger.
    case ownTrigger
    /// `per_cohort` settlement: missed its own trigger, paid its own events avoided through the pooled trigger.
    case catchUp
    /// `pooled` settlement: missed its own trigger, paid its share of the pooled settlement.
    case pooledSettlement
    /// The balance gate failed: the covariates whose |SMD| exceeds it (empty: balance not reported).
    case withheldForBalance(covariates: [String])
    /// No trigger pays it.
    case none

    /// Whether the route pays the cohort's events avoided (the amount may still be zero).
    public var pays: Bool {
        switch self {
        case .ownTrigger, .catchUp, .pooledSettlement: return true
        case .withheldForBalance, .none: return false
        }
    }

    public var description: String {
        switch self {
        case .ownTrigger: return "own trigger"
        case .catchUp: return "catch-up (pooled trigger)"
        case .pooledSettlement: return "pooled settlement (pooled trigger)"
        case .withheldForBalance(let covariates):
            return covariates.isEmpty ? "withheld: balance not reported" : "withheld: balance (\(covariates.joined(separator: ", ")))"
        case .none: return "none"
        }
    }
}

/// The decision for one cohort. Amounts are cumulative (over every assessment) except `due`.
public struct CohortDecision: Sendable, Equatable {
    public var name: String
    public var treatedMean: ExactRational
    public var comparisonMean: ExactRational
    /// `1 - treated/comparison`; nil when the comparison group has no events.
    public var reduction: ExactRational?
    /// The reduction reaches the cohort threshold.
    public var thresholdMet: Bool
    /// The caller's test (nil: none given).
    public var significant: Bool?
    /// The cohort trigger: threshold, significance if required, balance gate.
    public var triggerMet: Bool
    /// Covariates beyond the balance gate (empty without a gate or when all pass).
    public var imbalance: [CovariateBalance]
    public var route: PaymentRoute
    /// Events avoided on the payment base, signed.
    public var eventsAvoided: ExactRational
    /// `max(0, eventsAvoided)` when the route pays, else 0.
    public var eventsCounted: ExactRational
    /// `floor(price x eventsCounted)`: the cohort's own line.
    public var ownEntitlement: Money
    /// `entitlement - ownEntitlement`: the pooled settlement's netting (negative) or rounding pence.
    public var pooledAdjustment: Money
    /// What the cohort is entitled to in total, before caps.
    public var entitlement: Money
    /// Payments made for this cohort at earlier assessments.
    public var paidBefore: Money
    public var withheldByCohortCap: Money
    /// Paid before beyond the capped entitlement (never clawed back).
    public var overpaid: Money
    /// Due now reduced to net other cohorts' overpayments (pooled settlement only).
    public var offsetForOverpayments: Money
    public var withheldByTotalCap: Money
    /// Due now: `min(entitlement, cap) - paidBefore - offset - withheldByTotalCap`, never negative.
    public var due: Money
}

/// The pooled result.
public struct PooledDecision: Sendable, Equatable {
    /// `Σ n_k r_k / Σ n_k`; nil when a cohort has no reduction (or there are no cohorts).
    public var reduction: ExactRational?
    /// Final assessment of two or more cohorts: the pooled trigger is assessed.
    public var applies: Bool
    public var thresholdMet: Bool
    /// The caller's pooled test (nil: none given).
    public var significant: Bool?
    /// Some cohort failed the balance gate, so the pooled trigger is withheld.
    public var withheldForBalance: Bool
    /// The pooled trigger is met.
    public var met: Bool
    /// `Σ_k E_k` over all cohorts, negative ones included.
    public var eventsAvoided: ExactRational
    /// `floor(price x Σ E_k)` when the pooled settlement pays, else nil.
    public var settlementEntitlement: Money?
}

/// Sums over cohorts.
public struct PaymentTotals: Sendable, Equatable {
    /// Events the total entitlement pays for: `Σ eventsCounted`, or under the pooled settlement
    /// `max(Σ own-trigger eventsCounted, Σ_k E_k)`.
    public var eventsPaidFor: ExactRational
    public var entitlement: Money
    public var paidBefore: Money
    public var withheldByCohortCap: Money
    public var overpaid: Money
    public var offsetForOverpayments: Money
    public var withheldByTotalCap: Money
    public var due: Money
}

/// The whole decision.
public struct PaymentDecision: Sendable, Equatable {
    public var cohorts: [CohortDecision]
    public var pooled: PooledDecision
    public var totals: PaymentTotals
}

extension PaymentTerms {
    /// Decides what is due. All arithmetic is exact (`ExactRational`); money is whole pence.
    ///
    /// 1. **Reduction.** Cohort `k`'s treated mean is `t_k = T_k/WT_k`, its comparison mean
    ///    `c_k = C_k/WC_k`, its relative reduction `r_k = 1 - t_k/c_k`. With no comparison events
    ///    (`c_k = 0`) there is no relative reduction (there is nothing to reduce: no treated events is
    ///    no change and any is an increase), so the cohort cannot meet its trigger and the pooled
    ///    reduction is undefined.
    /// 2. **Events avoided** `E_k = n_k (c_k - t_k)`, signed; with `payment_base = cohort` it is
    ///    scaled by `N_k/n_k` to `N_k (c_k - t_k)`: the per-person difference applied to everyone
    ///    treated in the cohort, matched or not.
    /// 3. **Balance gate.** With `max_abs_smd`, a cohort with a covariate whose |SMD| after matching
    ///    exceeds it (or is not a number), or with no balance reported, is *withheld: balance*: it is
    ///    not paid, and the pooled trigger is withheld too (the pool contains that comparison).
    /// 4. **Cohort trigger:** `r_k >= cohort_threshold` (equality meets it: 1,395 against 1,550
    ///    events over 1,000 pairs is exactly 10%), the cohort's test significant when
    ///    `require_significance` (a missing test is not significant), and the balance gate passed.
    /// 5. **Pooled trigger.** `R = Σ n_k r_k / Σ n_k` (weights: matched treated people). It applies
    ///    only at the final assessment and only to two or more cohorts (one cohort's pooled result is
    ///    its own), and is met when `R >= pooled_threshold`, the caller's pooled test is significant
    ///    when required, and no cohort is withheld.
    /// 6. **Routes.** A cohort that met its own trigger is paid `price x max(0, E_k)` in either
    ///    settlement. Otherwise, when the pooled trigger is met and `catch_up` is on: `per_cohort`
    ///    pays it `price x max(0, E_k)` (catch-up); `pooled` pays it through the pooled settlement
    ///    (7). Otherwise it is not paid.
    /// 7. **Pooled settlement.** The contract's entitlement is `S = max(O, P)`: `O` the own-trigger
    ///    entitlements, `P = price x Σ_k E_k` over all cohorts, negative ones included. The pooled
    ///    trigger is a second route to payment and never takes away what an own trigger earned, so
    ///    the result does not depend on whether a cohort was paid at an interim assessment. Shown per
    ///    cohort: own-trigger cohorts keep their own line; the pooled-settlement cohorts share
    ///    `S - O` in cohort order, each up to its own line `price x max(0, E_k)`, so the negative
    ///    cohorts' events are netted from the last of them (`pooledAdjustment`); pence left over
    ///    because each line was rounded down go to the first of them.
    /// 8. **Rounding.** `price x events` is rounded down to a whole penny, once per entitlement
    ///    (each cohort's line, and `P`): the payer never pays more than the exact amount and the
    ///    provider loses less than a penny per entitlement.
    /// 9. **Payments made and caps**, on cumulative payments. Paid before `b_k` is the sum of the
    ///    payments made for cohort `k`. `cap_per_cohort` bounds each cohort's entitlement; what it
    ///    cuts is *withheld by the cohort cap*. Outstanding is `max(0, capped entitlement - b_k)`:
    ///    nothing is clawed back and any excess is reported as *overpaid*; under the pooled
    ///    settlement the overpayments are netted from the pooled-settlement cohorts' outstanding
    ///    amounts, last cohort first (never from own-trigger payments). `cap_total` bounds all
    ///    payments made plus everything due now: due amounts are filled in cohort order from what
    ///    the cap leaves, the rest *withheld by the total cap*. Nothing due is ever negative.
    ///
    /// - Parameters:
    ///   - cohorts: the cohorts in contract order (names unique).
    ///   - pooledTest: the caller's test of the pooled result (needed only when significance is required).
    /// - Throws: `PaymentRuleError` for invalid terms or inputs, a payment made for an unknown
    ///   cohort, or an amount too large to hold in pence.
    public func decide(_ cohorts: [CohortResult], pooledTest: SignificanceTest?) throws -> PaymentDecision {
        try validate()
        let paidBefore = try checkInputs(cohorts)
        let zero = ExactRational.zero
        let money0 = Money.zero(currency)
        let k = cohorts.count

        // 1-4: each cohort's measures and own trigger.
        var decisions: [CohortDecision] = []
        decisions.reserveCapacity(k)
        var withheldAny = false
        var pooling: [ExactRational] = []   // n_k
        pooling.reserveCapacity(k)
        var eventsTotal = zero
        for c in cohorts {
            let treatedMean = c.treatedEvents / c.treatedWeight
            let comparisonMean = c.comparisonEvents / c.comparisonWeight
            let difference = comparisonMean - treatedMean
            let reduction: ExactRational? = comparisonMean.isZero ? nil : difference / comparisonMean
            let matched = ExactRational(c.matchedTreated)
            let eventsAvoided = (paymentBase == .matched ? matched : ExactRational(c.cohortTreated)) * difference
            eventsTotal += eventsAvoided
            let thresholdMet = reduction.map { !($0 < cohortThreshold) } ?? false
            var imbalance: [CovariateBalance] = []
            var withheld = false
            if let gate = maxAbsSMD {
                if let balance = c.balance {
                    imbalance = balance.filter { !(abs($0.standardizedMeanDifference) <= gate) }
                    withheld = !imbalance.isEmpty
                } else {
                    withheld = true
                }
            }
            withheldAny = withheldAny || withheld
            let significant = c.test?.significant
            let triggerMet = thresholdMet && (!requireSignificance || significant == true) && !withheld
            pooling.append(matched)
            decisions.append(CohortDecision(
                name: c.name, treatedMean: treatedMean, comparisonMean: comparisonMean, reduction: reduction,
                thresholdMet: thresholdMet, significant: significant, triggerMet: triggerMet, imbalance: imbalance,
                route: withheld ? .withheldForBalance(covariates: imbalance.map(\.covariate)) : (triggerMet ? .ownTrigger : .none),
                eventsAvoided: eventsAvoided, eventsCounted: zero, ownEntitlement: money0, pooledAdjustment: money0,
                entitlement: money0, paidBefore: paidBefore[c.name] ?? money0, withheldByCohortCap: money0,
                overpaid: money0, offsetForOverpayments: money0, withheldByTotalCap: money0, due: money0))
        }

        // 5: the pooled trigger.
        var pooledReduction: ExactRational? = nil
        if k > 0, decisions.allSatisfy({ $0.reduction != nil }) {
            var weighted = zero
            var people = 0
            for (j, c) in cohorts.enumerated() {
                weighted += pooling[j] * decisions[j].reduction!
                people += c.matchedTreated
            }
            pooledReduction = weighted / ExactRational(people)
        }
        let applies = finalAssessment && k >= 2
        let pooledThresholdMet = pooledReduction.map { !($0 < pooledThreshold) } ?? false
        let pooledMet = applies && pooledThresholdMet && (!requireSignificance || pooledTest?.significant == true) && !withheldAny
        let pooledPays = pooledMet && catchUp
        let pooledSettles = pooledPays && settlement == .pooled

        // 6, 8: routes and own lines.
        var ownEvents = zero, countedEvents = zero
        for j in 0..<k {
            if pooledPays, decisions[j].route == .none {
                decisions[j].route = settlement == .pooled ? .pooledSettlement : .catchUp
            }
            guard decisions[j].route.pays else { continue }
            let counted = decisions[j].eventsAvoided.signum > 0 ? decisions[j].eventsAvoided : zero
            decisions[j].eventsCounted = counted
            countedEvents += counted
            if decisions[j].route == .ownTrigger { ownEvents += counted }
            decisions[j].ownEntitlement = try amount(counted, for: "cohort '\(cohorts[j].name)'")
            decisions[j].entitlement = decisions[j].ownEntitlement
        }

        // 7: the pooled settlement.
        var settlementEntitlement: Money? = nil
        var eventsPaidFor = countedEvents
        let settling = (0..<k).filter { decisions[$0].route == .pooledSettlement }
        if pooledSettles {
            let p = try amount(eventsTotal, for: "the pooled settlement")
            settlementEntitlement = p
            var own = money0
            for d in decisions where d.route == .ownTrigger { own = try add(own, d.ownEntitlement, "own-trigger entitlements") }
            var remaining = max(p, own).pence - own.pence
            for j in settling {
                let share = min(decisions[j].ownEntitlement.pence, remaining)
                decisions[j].entitlement = Money(pence: share, currency: currency)
                remaining -= share
            }
            if remaining > 0, let first = settling.first ?? (0..<k).first(where: { decisions[$0].route == .ownTrigger }) {
                decisions[first].entitlement = try add(decisions[first].entitlement, Money(pence: remaining, currency: currency),
                                                       "the pooled settlement")
            }
            for j in 0..<k { decisions[j].pooledAdjustment = decisions[j].entitlement - decisions[j].ownEntitlement }
            eventsPaidFor = max(ownEvents, eventsTotal)
        }

        // 9: payments made and caps, cumulative.
        var outstanding = [Int](repeating: 0, count: k)
        var overpaidTotal = money0
        for j in 0..<k {
            var allowed = decisions[j].entitlement
            if let cap = capPerCohort, cap < allowed {
                decisions[j].withheldByCohortCap = allowed - cap
                allowed = cap
            }
            let before = decisions[j].paidBefore
            outstanding[j] = max(0, allowed.pence - before.pence)
            decisions[j].overpaid = Money(pence: max(0, before.pence - allowed.pence), currency: currency)
            overpaidTotal = try add(overpaidTotal, decisions[j].overpaid, "payments made beyond entitlements")
        }
        if pooledSettles, overpaidTotal.pence > 0 {
            var toNet = overpaidTotal.pence
            for j in settling.reversed() where toNet > 0 {
                let offset = min(outstanding[j], toNet)
                decisions[j].offsetForOverpayments = Money(pence: offset, currency: currency)
                outstanding[j] -= offset
                toNet -= offset
            }
        }
        var capLeft: Int? = nil
        if let cap = capTotal {
            var paid = money0
            for d in decisions { paid = try add(paid, d.paidBefore, "payments made") }
            capLeft = cap.pence - paid.pence
        }
        for j in 0..<k {
            var due = outstanding[j]
            if let left = capLeft {
                due = max(0, min(due, left))
                capLeft = left - due
            }
            decisions[j].withheldByTotalCap = Money(pence: outstanding[j] - due, currency: currency)
            decisions[j].due = Money(pence: due, currency: currency)
        }

        var totals = PaymentTotals(
            eventsPaidFor: eventsPaidFor, entitlement: money0, paidBefore: money0, withheldByCohortCap: money0,
            overpaid: money0, offsetForOverpayments: money0, withheldByTotalCap: money0, due: money0)
        for d in decisions {
            totals.entitlement = try add(totals.entitlement, d.entitlement, "the total entitlement")
            totals.paidBefore = try add(totals.paidBefore, d.paidBefore, "the total paid before")
            totals.withheldByCohortCap = try add(totals.withheldByCohortCap, d.withheldByCohortCap, "the total withheld")
            totals.overpaid = try add(totals.overpaid, d.overpaid, "the total overpaid")
            totals.offsetForOverpayments = try add(totals.offsetForOverpayments, d.offsetForOverpayments, "the total offset")
            totals.withheldByTotalCap = try add(totals.withheldByTotalCap, d.withheldByTotalCap, "the total withheld")
            totals.due = try add(totals.due, d.due, "the total due")
        }
        let pooled = PooledDecision(
            reduction: pooledReduction, applies: applies, thresholdMet: pooledThresholdMet, significant: pooledTest?.significant,
            withheldForBalance: applies && withheldAny, met: pooledMet, eventsAvoided: eventsTotal,
            settlementEntitlement: settlementEntitlement)
        return PaymentDecision(cohorts: decisions, pooled: pooled, totals: totals)
    }

    /// `floor(price x events)` in pence (rule 8).
    func amount(_ events: ExactRational, for what: @autoclosure () -> String) throws -> Money {
        if pricePerEvent.pence == 0 || events.isZero { return .zero(currency) }
        do {
            return try Money(rounding: pricePerEvent.exactPence * events, .down, currency: currency)
        } catch let e as MoneyError {
            throw PaymentRuleError.money(e, context: "\(pricePerEvent) x \(Double(events)) events avoided (\(what()))")
        }
    }

    func add(_ a: Money, _ b: Money, _ what: @autoclosure () -> String) throws -> Money {
        do { return try a.adding(b) } catch let e as MoneyError { throw PaymentRuleError.money(e, context: what()) }
    }

    /// Checks the cohorts and the payments made; returns the amount paid before for each cohort.
    func checkInputs(_ cohorts: [CohortResult]) throws -> [String: Money] {
        var paid: [String: Money] = [:]
        for (j, c) in cohorts.enumerated() {
            func fail(_ reason: String) -> PaymentRuleError { .invalidCohort(name: c.name, reason: reason) }
            guard !cohorts[..<j].contains(where: { $0.name == c.name }) else { throw fail("the name is used by more than one cohort") }
            guard c.matchedTreated >= 1 else { throw fail("no matched treated people") }
            guard c.cohortTreated >= c.matchedTreated else {
                throw fail("\(c.cohortTreated) treated people in the cohort but \(c.matchedTreated) matched")
            }
            guard c.treatedWeight.signum > 0, c.comparisonWeight.signum > 0 else { throw fail("a group's total weight is not positive") }
            guard c.treatedEvents.signum >= 0, c.comparisonEvents.signum >= 0 else { throw fail("negative event totals") }
        }
        guard !paymentsMade.isEmpty else { return paid }
        for c in cohorts { paid[c.name] = .zero(currency) }
        for p in paymentsMade {
            guard let before = paid[p.cohort] else { throw PaymentRuleError.unknownCohort(payment: p.cohort, cohorts: cohorts.map(\.name)) }
            paid[p.cohort] = try add(before, p.amount, "payments made for cohort '\(p.cohort)'")
        }
        return paid
    }
}
