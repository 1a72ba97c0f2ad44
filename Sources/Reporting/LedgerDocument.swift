import CohortData
import RateCards

/// `ledger.json`, written by `counterfactual ratecard`: every aggregate of the rate-card ledger,
/// money in integer pence (members ending `_pence`). The claims themselves, each with its
/// decision, are in ledger.csv, so the JSON's size does not grow with the events file. Members in
/// declaration order; docs/schemas.md describes each.
public struct LedgerDocument: Codable, Sendable, Equatable {
    public var schemaVersion = SchemaVersion.current
    /// Always "counterfactual".
    public var program = "counterfactual"
    public var version: String
    public var command = "ratecard"
    public var inputs: Inputs
    public var plan: Plan
    public var rules = Rules()
    public var totals: DecisionCounts
    /// Not-eligible claims per reason code (`Ineligibility.codes`, in that order).
    public var notEligibleByReason: NamedValues<Int>
    public var outcomes: [OutcomeLine]
    public var periods: [PeriodLine]
    public var payers: [PayerLine]
    public var caps: [CapLine]
    public var claimsFile = "ledger.csv"

    public struct Inputs: Codable, Sendable, Equatable {
        public var plan: String
        public var events: String
        public var eventRows: Int
        public var people: Int
    }

    public struct Plan: Codable, Sendable, Equatable {
        public var name: String
        /// `quarter` or `month`.
        public var period: String
        public var eventColumns: EventColumns
        public var caps: [Cap]
        /// The plan file's text.
        public var text: String
    }

    public struct EventColumns: Codable, Sendable, Equatable {
        public var person: String
        public var outcome: String
        public var date: String
    }

    public struct Cap: Codable, Sendable, Equatable {
        /// YYYY-MM-DD.
        public var from: String
        public var amountPence: Int
    }

    /// The rules the ledger applies, in words (fixed text, recorded so the file explains itself).
    public struct Rules: Codable, Sendable, Equatable {
        public var order = "claims by date, then person id (UTF-8 byte order), then outcome order in the plan, then events-file line"
        public var decisions = Decision.codes
        public var precedence = "not_eligible, then beyond_person_limit, then beyond_cap, else paid"
        public var achieved = "paid or beyond_cap (delivered unpaid)"
        public var payerRounding = "each payer gets floor(payment x share) pence; leftover pence go to the first payer"
    }

    /// Claims by decision, and money paid and left unpaid beyond the cap.
    public struct DecisionCounts: Codable, Sendable, Equatable {
        public var claims: Int
        public var paid: Int
        public var beyondPersonLimit: Int
        public var beyondCap: Int
        public var notEligible: Int
        /// Paid or beyond the cap (delivered unpaid).
        public var delivered: Int
        public var paidPence: Int
        /// The price of the claims left unpaid because of the cap.
        public var unpaidBeyondCapPence: Int
    }

    /// One outcome of the rate card: its terms, then its counts, then achievement against target;
    /// the three parts are members of one object in the file.
    public struct OutcomeLine: Codable, Sendable, Equatable {
        public var terms: OutcomeTerms
        public var counts: DecisionCounts
        public var result: OutcomeResult

        public func encode(to encoder: Encoder) throws {
            try terms.encode(to: encoder)
            try counts.encode(to: encoder)
            try result.encode(to: encoder)
        }

        public init(from decoder: Decoder) throws {
            terms = try OutcomeTerms(from: decoder)
            counts = try DecisionCounts(from: decoder)
            result = try OutcomeResult(from: decoder)
        }

        init(terms: OutcomeTerms, counts: DecisionCounts, result: OutcomeResult) {
            self.terms = terms
            self.counts = counts
            self.result = result
        }
    }

    public struct OutcomeTerms: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var pricePence: Int
        /// Prerequisite outcome id, or null.
        public var requires: String?
        /// The outcome this one sustains and for how long, or null.
        public var sustains: Sustainment?
        public var maxPerPerson: Int
        public var target: Int?
    }

    public struct Sustainment: Codable, Sendable, Equatable {
        public var outcome: String
        /// "3 months", "13 weeks", "90 days".
        public var period: String
    }

    public struct OutcomeResult: Codable, Sendable, Equatable {
        /// Null without a target.
        public var achievement: Achievement?
    }

    public struct Achievement: Codable, Sendable, Equatable {
        public var achieved: Int
        public var target: Int
        /// achieved x 100 / target.
        public var percent: Double
        /// Rounded half up.
        public var percentRounded: Int
        public var met: Bool
    }

    /// One reporting period: its dates, counts, each payer's part and the running total.
    public struct PeriodLine: Codable, Sendable, Equatable {
        public var span: PeriodSpan
        public var counts: DecisionCounts
        public var payments: PeriodPayments

        public func encode(to encoder: Encoder) throws {
            try span.encode(to: encoder)
            try counts.encode(to: encoder)
            try payments.encode(to: encoder)
        }

        public init(from decoder: Decoder) throws {
            span = try PeriodSpan(from: decoder)
            counts = try DecisionCounts(from: decoder)
            payments = try PeriodPayments(from: decoder)
        }

        init(span: PeriodSpan, counts: DecisionCounts, payments: PeriodPayments) {
            self.span = span
            self.counts = counts
            self.payments = payments
        }
    }

    public struct PeriodSpan: Codable, Sendable, Equatable {
        /// `2019-Q1` or `2019-01`.
        public var period: String
        /// First and last day of the period, YYYY-MM-DD.
        public var start: String
        public var end: String
    }

    public struct PeriodPayments: Codable, Sendable, Equatable {
        public var byPayer: [PayerAmount]
        public var paidToDatePence: Int
    }

    public struct PayerAmount: Codable, Sendable, Equatable {
        public var payer: String
        public var paidPence: Int
    }

    public struct PayerLine: Codable, Sendable, Equatable {
        public var name: String
        /// Exact fraction as written ("3/5" or "1").
        public var share: String
        public var shareValue: Double
        public var paidPence: Int
    }

    /// The claims decided while one cap was in force.
    public struct CapLine: Codable, Sendable, Equatable {
        public var window: CapWindow
        public var counts: DecisionCounts
        public var total: CapTotal

        public func encode(to encoder: Encoder) throws {
            try window.encode(to: encoder)
            try counts.encode(to: encoder)
            try total.encode(to: encoder)
        }

        public init(from decoder: Decoder) throws {
            window = try CapWindow(from: decoder)
            counts = try DecisionCounts(from: decoder)
            total = try CapTotal(from: decoder)
        }

        init(window: CapWindow, counts: DecisionCounts, total: CapTotal) {
            self.window = window
            self.counts = counts
            self.total = total
        }
    }

    public struct CapWindow: Codable, Sendable, Equatable {
        /// First day the cap applies; null before the first cap.
        public var from: String?
        /// Last day it applies; null while it is the last.
        public var until: String?
        /// Null when no cap applies.
        public var amountPence: Int?
    }

    public struct CapTotal: Codable, Sendable, Equatable {
        public var paidToDatePence: Int
    }
}

extension LedgerDocument {
    /// The document of a decided ledger. `planPath` and `eventsPath` are recorded as given;
    /// `rows` is the number of event rows read.
    public init(_ ledger: RateCardLedger, programVersion: String, planPath: String, eventsPath: String, rows: Int) {
        let plan = ledger.plan
        func date(_ d: Int?) -> String? { d.map(CalendarDate.format) }
        func counts(_ c: RateCards.DecisionCounts) -> DecisionCounts {
            .init(claims: c.claims, paid: c.paid, beyondPersonLimit: c.beyondPersonLimit, beyondCap: c.beyondCap,
                  notEligible: c.notEligible, delivered: c.delivered, paidPence: c.paidAmount.pence,
                  unpaidBeyondCapPence: c.unpaidBeyondCap.pence)
        }
        self.init(
            version: programVersion,
            inputs: .init(plan: planPath, events: eventsPath, eventRows: rows, people: ledger.people),
            plan: .init(
                name: plan.name, period: plan.period.rawValue,
                eventColumns: .init(person: plan.events.person, outcome: plan.events.outcome, date: plan.events.date),
                caps: plan.caps.map { .init(from: CalendarDate.format($0.from), amountPence: $0.amount.pence) },
                text: plan.source),
            totals: counts(ledger.totals),
            notEligibleByReason: NamedValues(ledger.notEligibleReasons.map { ($0.code, $0.count) }),
            outcomes: ledger.outcomes.map { line in
                let o = line.outcome
                return OutcomeLine(
                    terms: .init(id: o.id, name: o.name, pricePence: o.price.pence, requires: o.requires,
                                 sustains: o.sustains.map { .init(outcome: $0.outcome, period: $0.period.description) },
                                 maxPerPerson: o.maxPerPerson, target: o.target),
                    counts: counts(line.counts),
                    result: .init(achievement: line.achievement.map {
                        .init(achieved: $0.achieved, target: $0.target, percent: $0.percentage,
                              percentRounded: $0.roundedPercentage, met: $0.isMet)
                    }))
            },
            periods: ledger.periods.map { p in
                PeriodLine(
                    span: .init(period: p.label, start: CalendarDate.format(p.start), end: CalendarDate.format(p.end)),
                    counts: counts(p.counts),
                    payments: .init(
                        byPayer: zip(plan.payers, p.payerAmounts).map { .init(payer: $0.name, paidPence: $1.pence) },
                        paidToDatePence: p.paidToDate.pence))
            },
            payers: ledger.payers.map {
                .init(name: $0.payer.name, share: $0.payer.share.description, shareValue: $0.payer.share.value, paidPence: $0.amount.pence)
            },
            caps: ledger.caps.map { w in
                CapLine(window: .init(from: date(w.cap?.from), until: date(w.until), amountPence: w.cap?.amount.pence),
                        counts: counts(w.counts), total: .init(paidToDatePence: w.paidToDate.pence))
            })
    }
}
