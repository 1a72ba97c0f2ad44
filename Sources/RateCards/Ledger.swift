import CohortData
import PaymentRules

/// Why a claim is not eligible for payment. Ineligible claims are excluded records, not errors:
/// each is kept in the ledger with its reason and counted, and nothing is dropped silently.
public enum Ineligibility: Sendable, Hashable, CustomStringConvertible {
    /// `requires`: the person had not achieved the prerequisite outcome on or before the claim's date.
    case prerequisiteMissing(prerequisite: String)
    /// `sustains`: the person had not achieved the outcome being sustained on or before the claim's date.
    case sustainedOutcomeMissing(outcome: String)
    /// `sustains`: claimed before the sustainment period had run from the person's first
    /// achievement of the sustained outcome (`achieved`); the claim was due on `due`.
    case tooEarly(outcome: String, achieved: Int, due: Int)

    /// The reason codes, in the order the ledger reports them.
    public static let codes = ["prerequisite_missing", "sustained_outcome_missing", "too_early"]

    /// Short machine-readable reason.
    public var code: String {
        switch self {
        case .prerequisiteMissing: return "prerequisite_missing"
        case .sustainedOutcomeMissing: return "sustained_outcome_missing"
        case .tooEarly: return "too_early"
        }
    }

    public var description: String {
        switch self {
        case .prerequisiteMissing(let p):
            return "requires '\(p)', not achieved by this date"
        case .sustainedOutcomeMissing(let o):
            return "sustains '\(o)', not achieved by this date"
        case .tooEarly(let o, let achieved, let due):
            return "sustains '\(o)' achieved \(CalendarDate.format(achieved)), so due on or after \(CalendarDate.format(due))"
        }
    }
}

/// What the ledger decided for one claim.
public enum Decision: Sendable, Hashable {
    /// Paid at the outcome's price.
    case paid
    /// Not paid: the person had already achieved the outcome `limit` times (`max_per_person`).
    case beyondPersonLimit(limit: Int)
    /// Delivered but unpaid: paying the price would take the running total above the cap in force.
    case beyondCap(cap: Money)
    /// Not paid: a prerequisite or sustainment condition is not met.
    case notEligible(Ineligibility)

    /// The decision codes, in the order the ledger reports them.
    public static let codes = ["paid", "beyond_person_limit", "beyond_cap", "not_eligible"]

    /// "paid", "beyond_person_limit", "beyond_cap" or "not_eligible".
    public var code: String {
        switch self {
        case .paid: return "paid"
        case .beyondPersonLimit: return "beyond_person_limit"
        case .beyondCap: return "beyond_cap"
        case .notEligible: return "not_eligible"
        }
    }

    /// The reason in words ("" when paid).
    public var reason: String {
        switch self {
        case .paid: return ""
        case .beyondPersonLimit(let limit): return "already achieved \(limit) time\(limit == 1 ? "" : "s") (max_per_person \(limit))"
        case .beyondCap(let cap): return "paying would exceed the cap of \(cap)"
        case .notEligible(let why): return why.description
        }
    }

    /// Whether the outcome counts as achieved (paid, or delivered unpaid because of the cap):
    /// achievements satisfy later `requires`/`sustains` conditions, count towards
    /// `max_per_person` and towards targets.
    public var isAchievement: Bool {
        switch self {
        case .paid, .beyondCap: return true
        case .beyondPersonLimit, .notEligible: return false
        }
    }
}

/// One claim with its decision, in processing order.
public struct ClaimDecision: Sendable, Hashable {
    /// 1-based position in processing order.
    public var sequence: Int
    public var claim: Claim
    public var decision: Decision
    /// The outcome's price.
    public var price: Money
    /// Amount paid (the price when paid, otherwise zero).
    public var paid: Money
    /// `paid` split between the plan's payers (same order), adding up to `paid` exactly.
    public var payerAmounts: [Money]
    /// The cap in force on the claim's date (nil: uncapped).
    public var capInForce: Money?
    /// Running total paid after this claim.
    public var paidToDate: Money
    /// Index into `RateCardLedger.periods`.
    public var period: Int
}

/// Counts of decisions and amounts, for any group of claims.
public struct DecisionCounts: Sendable, Hashable {
    public var claims = 0
    public var paid = 0
    public var beyondPersonLimit = 0
    public var beyondCap = 0
    public var notEligible = 0
    /// Total paid.
    public var paidAmount = Money.zero
    /// Value at price of the outcomes delivered unpaid because of the cap.
    public var unpaidBeyondCap = Money.zero

    public init() {}

    /// Outcomes achieved: paid plus delivered unpaid because of the cap.
    public var delivered: Int { paid + beyondCap }

    mutating func add(_ d: ClaimDecision) {
        claims += 1
        switch d.decision {
        case .paid: paid += 1; paidAmount += d.paid
        case .beyondPersonLimit: beyondPersonLimit += 1
        case .beyondCap: beyondCap += 1; unpaidBeyondCap += d.price
        case .notEligible: notEligible += 1
        }
    }
}

/// The ledger's line for one outcome of the rate card.
public struct OutcomeLedger: Sendable, Hashable {
    public var outcome: RateCardPlan.Outcome
    public var counts: DecisionCounts
    /// Outcomes delivered against the outcome's target (nil without a target).
    public var achievement: TargetAchievement?
}

/// One reporting period (calendar quarter or month).
public struct LedgerPeriod: Sendable, Hashable {
    /// "2019-Q1" or "2019-01".
    public var label: String
    /// First and last day (days since 1970-01-01).
    public var start: Int
    public var end: Int
    /// Claims dated in the period.
    public var counts: DecisionCounts
    /// Payments in the period by payer (plan order).
    public var payerAmounts: [Money]
    /// Running total paid at the end of the period.
    public var paidToDate: Money
}

/// What one payer pays in total.
public struct PayerTotal: Sendable, Hashable {
    public var payer: RateCardPlan.Payer
    public var amount: Money
}

/// The claims dated while one cap was in force (or, with `cap` nil, before any cap applied).
public struct CapWindow: Sendable, Hashable {
    public var cap: RateCardPlan.Cap?
    /// Last day in force (nil: open-ended).
    public var until: Int?
    public var counts: DecisionCounts
    /// Running total paid after the window's last claim (the total when the window opened if it had none).
    public var paidToDate: Money
}

/// How many ineligible claims had each reason.
public struct ReasonCount: Sendable, Hashable {
    public var code: String
    public var count: Int

    public init(code: String, count: Int) {
        self.code = code
        self.count = count
    }
}

/// The rate-card ledger: every claim decided in order, and the totals by outcome, period, payer and cap.
///
/// **Order.** Claims are processed by date; claims on the same date by person id (byte order of
/// the UTF-8 text), then by the outcome's position in the plan, then by line in the events file.
/// Since a plan lists prerequisites before the outcomes that depend on them, a prerequisite
/// achieved on the same date as the outcome that requires it is processed first.
///
/// **Rules**, applied to each claim in this order (the first that applies decides):
/// 1. *Not eligible* when the outcome `requires` another that the person has not achieved on or
///    before the claim's date, or `sustains` one the person has not achieved, or is claimed before
///    the sustainment period has run from the person's first achievement of the sustained outcome
///    (a claim exactly on the due date is eligible).
/// 2. *Beyond the per-person limit* when the person has already achieved the outcome
///    `max_per_person` times.
/// 3. *Beyond the cap* (delivered unpaid) when adding the price to the running total paid would
///    exceed the cap in force on the claim's date (the cap with the latest `from` on or before
///    it). Payments are never partial: a later, cheaper outcome that still fits under the cap is
///    paid; an outcome priced at zero is never beyond the cap. Payments made before a cap is
///    lowered are not taken back.
/// 4. Otherwise *paid* at the outcome's price, split between payers by `Share.split(_:among:)`.
///
/// "Achieved" means paid or delivered unpaid because of the cap; claims that are not eligible or
/// beyond the limit do not count as achievements.
public struct RateCardLedger: Sendable {
    public let plan: RateCardPlan
    /// Every claim, in processing order.
    public let decisions: [ClaimDecision]
    /// One line per outcome, in plan order.
    public let outcomes: [OutcomeLedger]
    /// Every period from the one holding the earliest claim to the one holding the latest (empty periods included).
    public let periods: [LedgerPeriod]
    /// Totals by payer, in plan order.
    public let payers: [PayerTotal]
    /// Claims by the cap in force on their dates.
    public let caps: [CapWindow]
    /// All claims.
    public let totals: DecisionCounts
    /// Ineligible claims by reason (every code, zero counts included).
    public let notEligibleReasons: [ReasonCount]
    /// Number of distinct people with at least one claim.
    public let people: Int

    /// Decides every claim and aggregates.
    /// - Precondition: every claim's `outcome` indexes `plan.outcomes`.
    public init(plan: RateCardPlan, claims: [Claim]) {
        self.plan = plan
        let outcomeCount = plan.outcomes.count
        let requires = plan.outcomes.map { o in o.requires.flatMap(plan.outcomeIndex) }
        let sustains = plan.outcomes.map { o in o.sustains.flatMap { s in plan.outcomeIndex(s.outcome).map { ($0, s) } } }

        // People ranked by the UTF-8 bytes of their ids, for a locale-independent order.
        var personOf: [String: Int] = [:]
        var names: [String] = []
        let personIndex = claims.map { c -> Int in
            if let p = personOf[c.person] { return p }
            personOf[c.person] = names.count
            names.append(c.person)
            return names.count - 1
        }
        let byName = names.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) }
        var rank = [Int](repeating: 0, count: names.count)
        for (r, p) in byName.enumerated() { rank[p] = r }
        let order = claims.indices.sorted { a, b in
            let x = claims[a], y = claims[b]
            if x.date != y.date { return x.date < y.date }
            let rx = rank[personIndex[a]], ry = rank[personIndex[b]]
            if rx != ry { return rx < ry }
            if x.outcome != y.outcome { return x.outcome < y.outcome }
            if x.line != y.line { return x.line < y.line }
            return a < b
        }

        // Periods spanning the claims.
        let period = plan.period
        let firstKey = claims.map { period.key(of: $0.date) }.min() ?? 0
        let lastKey = claims.map { period.key(of: $0.date) }.max() ?? -1

        // Per person and outcome: first achievement date and number of achievements.
        let none = Int.min
        var firstAchieved = [Int](repeating: none, count: names.count * outcomeCount)
        var achievedCount = [Int](repeating: 0, count: names.count * outcomeCount)
        var paidToDate = Money.zero
        let shares = plan.payers.map(\.share)
        var decisions: [ClaimDecision] = []
        decisions.reserveCapacity(claims.count)

        for (n, k) in order.enumerated() {
            let claim = claims[k]
            let o = plan.outcomes[claim.outcome]
            let slot = personIndex[k] * outcomeCount
            let cap = plan.cap(on: claim.date)
            var decision = Decision.paid
            if let r = requires[claim.outcome], firstAchieved[slot + r] == none || firstAchieved[slot + r] > claim.date {
                decision = .notEligible(.prerequisiteMissing(prerequisite: plan.outcomes[r].id))
            } else if let pair = sustains[claim.outcome] {
                let (s, sustainment) = pair
                let start = firstAchieved[slot + s]
                if start == none || start > claim.date {
                    decision = .notEligible(.sustainedOutcomeMissing(outcome: sustainment.outcome))
                } else {
                    let due = sustainment.period.due(after: start)
                    if claim.date < due { decision = .notEligible(.tooEarly(outcome: sustainment.outcome, achieved: start, due: due)) }
                }
            }
            if decision == .paid, achievedCount[slot + claim.outcome] >= o.maxPerPerson {
                decision = .beyondPersonLimit(limit: o.maxPerPerson)
            }
            if decision == .paid, let cap, o.price.pence > 0, (paidToDate + o.price) > cap.amount {
                decision = .beyondCap(cap: cap.amount)
            }
            if decision.isAchievement {
                if firstAchieved[slot + claim.outcome] == none { firstAchieved[slot + claim.outcome] = claim.date }
                achievedCount[slot + claim.outcome] += 1
            }
            let paid = decision == .paid ? o.price : .zero
            paidToDate += paid
            decisions.append(ClaimDecision(
                sequence: n + 1, claim: claim, decision: decision, price: o.price, paid: paid,
                payerAmounts: Share.split(paid, among: shares), capInForce: cap?.amount, paidToDate: paidToDate,
                period: period.key(of: claim.date) - firstKey))
        }
        self.decisions = decisions
        people = names.count

        // Aggregates.
        var totals = DecisionCounts()
        var byOutcome = [DecisionCounts](repeating: DecisionCounts(), count: outcomeCount)
        var periods = (firstKey...max(firstKey, lastKey)).map { key in
            LedgerPeriod(label: period.label(ofKey: key), start: period.start(ofKey: key), end: period.end(ofKey: key),
                         counts: DecisionCounts(), payerAmounts: Array(repeating: .zero, count: shares.count), paidToDate: .zero)
        }
        if claims.isEmpty { periods = [] }
        var payerTotals = [Money](repeating: .zero, count: shares.count)
        var reasons = [String: Int]()
        // Cap windows: index 0 is "before any cap"; cap j is window j + 1.
        var windowCounts = [DecisionCounts](repeating: DecisionCounts(), count: plan.caps.count + 1)
        var windowPaid = [Money?](repeating: nil, count: plan.caps.count + 1)
        for d in decisions {
            totals.add(d)
            byOutcome[d.claim.outcome].add(d)
            periods[d.period].counts.add(d)
            for (j, a) in d.payerAmounts.enumerated() {
                periods[d.period].payerAmounts[j] += a
                payerTotals[j] += a
            }
            if case .notEligible(let why) = d.decision { reasons[why.code, default: 0] += 1 }
            let w = (plan.caps.lastIndex { $0.from <= d.claim.date }).map { $0 + 1 } ?? 0
            windowCounts[w].add(d)
            windowPaid[w] = d.paidToDate
        }
        var running = Money.zero
        for k in periods.indices {
            running += periods[k].counts.paidAmount
            periods[k].paidToDate = running
        }
        self.periods = periods
        self.totals = totals
        outcomes = plan.outcomes.enumerated().map { k, o in
            OutcomeLedger(outcome: o, counts: byOutcome[k],
                          achievement: o.target.flatMap { TargetAchievement(achieved: byOutcome[k].delivered, target: $0) })
        }
        payers = zip(plan.payers, payerTotals).map { PayerTotal(payer: $0, amount: $1) }
        notEligibleReasons = Ineligibility.codes.map { ReasonCount(code: $0, count: reasons[$0, default: 0]) }
        var windows: [CapWindow] = []
        var carried = Money.zero
        for w in 0...plan.caps.count {
            let paidAtEnd = windowPaid[w] ?? carried
            carried = paidAtEnd
            if w == 0 {
                // Before the first cap (or with no caps): reported only when claims fall there.
                if windowCounts[0].claims > 0 {
                    windows.append(CapWindow(cap: nil, until: plan.caps.first.map { $0.from - 1 }, counts: windowCounts[0], paidToDate: paidAtEnd))
                }
            } else {
                let next = w < plan.caps.count ? plan.caps[w].from - 1 : nil
                windows.append(CapWindow(cap: plan.caps[w - 1], until: next, counts: windowCounts[w], paidToDate: paidAtEnd))
            }
        }
        caps = windows
    }

    /// Checks, before any claim is decided, that no amount the ledger keeps can overflow: each of
    /// them (running total paid, totals by outcome, period, payer and cap window, value delivered
    /// unpaid) is a sum of the prices of distinct claims, every price at least 0, so each is at most
    /// the sum of all claims' prices. `RateCardLedger.init` adds with `+`, which traps on overflow;
    /// call this first for claims read from a file.
    /// - Throws: `RateCardError.totalOverflow` naming `file` and the line of the claim whose price
    ///   made the sum overflow, and that sum.
    public static func checkAmounts(plan: RateCardPlan, claims: [Claim], file: String) throws {
        var total = Money.zero
        for claim in claims {
            do { total = try total.adding(plan.outcomes[claim.outcome].price) } catch let e as MoneyError {
                throw RateCardError.totalOverflow(file: file, line: claim.line, overflow: e)
            }
        }
    }

    /// The claims delivered but unpaid because of the cap.
    public var deliveredUnpaid: [ClaimDecision] {
        decisions.filter { if case .beyondCap = $0.decision { return true } else { return false } }
    }
}

extension RateCardPlan.Period {
    /// A running number of the period holding `day` (year x 4 + quarter, or year x 12 + month).
    public func key(of day: Int) -> Int {
        let c = CalendarDate.civil(fromDays: day)
        switch self {
        case .quarter: return c.year * 4 + (c.month - 1) / 3
        case .month: return c.year * 12 + (c.month - 1)
        }
    }

    private func yearAndFirstMonth(ofKey key: Int) -> (year: Int, month: Int) {
        switch self {
        case .quarter:
            let year = key >= 0 ? key / 4 : (key - 3) / 4
            return (year, (key - year * 4) * 3 + 1)
        case .month:
            let year = key >= 0 ? key / 12 : (key - 11) / 12
            return (year, key - year * 12 + 1)
        }
    }

    /// First day of the period.
    public func start(ofKey key: Int) -> Int {
        let (y, m) = yearAndFirstMonth(ofKey: key)
        return CalendarDate.days(year: y, month: m, day: 1)
    }

    /// Last day of the period.
    public func end(ofKey key: Int) -> Int { start(ofKey: key + 1) - 1 }

    /// "2019-Q1" or "2019-01".
    public func label(ofKey key: Int) -> String {
        let (y, m) = yearAndFirstMonth(ofKey: key)
        switch self {
        case .quarter: return "\(y)-Q\((m - 1) / 3 + 1)"
        case .month: return "\(y)-\(m < 10 ? "0" : "")\(m)"
        }
    }
}
