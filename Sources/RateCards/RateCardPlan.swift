import CohortData
import Foundation
import PaymentRules
import PlanFiles

/// A rate-card outcomes contract: the outcomes paid for and their prices, how outcomes depend on
/// each other, the cap on total payments (which may change on given dates), who pays which
/// share, and the events file to read. Read from TOML; see `Datasets/rate-card-example/plan.toml`
/// for every key.
///
/// ```toml
/// name = "Example rate card"
/// period = "quarter"                 # or "month": the ledger's reporting periods (calendar)
///
/// [events]                           # the per-person outcome-events CSV
/// file = "events.csv"                # relative to the plan file
/// person = "person_id"               # column names (these are the defaults)
/// outcome = "outcome_id"
/// date = "date"                      # YYYY-MM-DD
///
/// [[outcome]]
/// id = "entered"                     # as written in the events file
/// name = "Entered accommodation"
/// price = 1000.00                    # pounds, at most two decimals (or a string "1000.00")
/// target = 300                       # optional: contracted number, for achievement against target
///
/// [[outcome]]
/// id = "sustained_3m"
/// name = "Sustained accommodation 3 months"
/// price = 1500
/// sustains = "entered"               # optional: due `months` (or `weeks`, `days`) after it
/// months = 3
/// requires = "..."                   # optional: must have been achieved on or before this date
/// max_per_person = 1                 # optional, default 1
///
/// [[cap]]                            # optional: cap on the running total from a date on
/// from = "2019-01-01"
/// amount = 10000
///
/// [[payer]]                          # optional: default one payer, "Commissioner", share 1
/// name = "Combined authority"
/// share = 0.6                        # or "3/5"; shares must sum to exactly 1
/// ```
public struct RateCardPlan: Sendable, Equatable {
    /// The ledger's reporting period: calendar quarters (January-March = Q1) or calendar months.
    public enum Period: String, Sendable, CaseIterable {
        case quarter
        case month
    }

    /// How long an outcome must be sustained: calendar months (clamped at month ends, so
    /// 31 January + 1 month = 28/29 February), weeks (7 days each) or days.
    public enum SustainmentPeriod: Sendable, Hashable, CustomStringConvertible {
        case months(Int)
        case weeks(Int)
        case days(Int)

        /// The first date on which the sustained outcome can be claimed, for a start on `day`.
        public func due(after day: Int) -> Int {
            switch self {
            case .months(let n): return CalendarDate.adding(months: n, to: day)
            case .weeks(let n): return day + 7 * n
            case .days(let n): return day + n
            }
        }

        public var description: String {
            switch self {
            case .months(let n): return "\(n) month\(n == 1 ? "" : "s")"
            case .weeks(let n): return "\(n) week\(n == 1 ? "" : "s")"
            case .days(let n): return "\(n) day\(n == 1 ? "" : "s")"
            }
        }
    }

    /// A sustainment condition: the outcome being sustained and for how long.
    public struct Sustainment: Sendable, Hashable {
        /// Id of the outcome being sustained (the start of the period).
        public var outcome: String
        public var period: SustainmentPeriod

        public init(outcome: String, period: SustainmentPeriod) {
            self.outcome = outcome
            self.period = period
        }
    }

    /// One line of the rate card.
    public struct Outcome: Sendable, Hashable {
        /// Identifier, as written in the events file.
        public var id: String
        /// Readable name.
        public var name: String
        /// Price paid per outcome achieved.
        public var price: Money
        /// Id of an outcome the same person must have achieved on or before this one's date.
        public var requires: String?
        /// The outcome this one sustains and for how long (the claim is due that long after the
        /// person first achieved the sustained outcome).
        public var sustains: Sustainment?
        /// How many times one person can be paid for this outcome (default 1).
        public var maxPerPerson: Int
        /// Contracted number of outcomes, for achievement against target.
        public var target: Int?

        public init(id: String, name: String, price: Money, requires: String? = nil, sustains: Sustainment? = nil,
                    maxPerPerson: Int = 1, target: Int? = nil) {
            self.id = id
            self.name = name
            self.price = price
            self.requires = requires
            self.sustains = sustains
            self.maxPerPerson = maxPerPerson
            self.target = target
        }
    }

    /// A cap on total payments, in force from `from` until the next cap's `from`.
    public struct Cap: Sendable, Hashable {
        /// First day in force (days since 1970-01-01).
        public var from: Int
        /// Ceiling on the running total of payments.
        public var amount: Money

        public init(from: Int, amount: Money) {
            self.from = from
            self.amount = amount
        }
    }

    /// Someone who pays a share of every payment.
    public struct Payer: Sendable, Hashable {
        public var name: String
        public var share: Share

        public init(name: String, share: Share) {
            self.name = name
            self.share = share
        }
    }

    /// Where the outcome events are and what their columns are called.
    public struct EventColumns: Sendable, Hashable {
        /// The events CSV, relative to the plan's folder (nil: given elsewhere, e.g. on the command line).
        public var file: String?
        public var person: String
        public var outcome: String
        public var date: String

        public init(file: String? = nil, person: String = "person_id", outcome: String = "outcome_id", date: String = "date") {
            self.file = file
            self.person = person
            self.outcome = outcome
            self.date = date
        }
    }

    public var name: String
    public var period: Period
    public var events: EventColumns
    /// The rate card, in plan order (which breaks ties between claims on the same date).
    public var outcomes: [Outcome]
    /// Caps in ascending order of `from`. Before the first cap's date, and with no caps, payments are uncapped.
    public var caps: [Cap]
    /// Payers, in plan order (the first receives the rounding pence).
    public var payers: [Payer]
    /// The plan file's text, when read from a file (recorded in outputs).
    public var source: String
    /// The folder relative paths are resolved against.
    public var baseDirectory: String
    /// The plan's path as given (or "<plan>"), used in error messages.
    public var file: String

    /// A validated plan. Caps are sorted by date.
    /// - Throws: `RateCardError.plan` naming `file` and the offending key.
    public init(name: String, period: Period = .quarter, events: EventColumns = EventColumns(), outcomes: [Outcome],
                caps: [Cap] = [], payers: [Payer] = [RateCardPlan.defaultPayer], source: String = "",
                baseDirectory: String = ".", file: String = "<plan>") throws {
        self.name = name
        self.period = period
        self.events = events
        self.outcomes = outcomes
        self.caps = caps.sorted { $0.from < $1.from }
        self.payers = payers
        self.source = source
        self.baseDirectory = baseDirectory
        self.file = file
        try validate(file: file)
    }

    /// The documented ranges of the plan's whole numbers (docs/inputs.md), checked by `validate`
    /// when the plan is read, before any events are: a value near `Int.max` would otherwise overflow
    /// the due date of a sustained outcome or the percentage of a target.
    public enum Limits {
        /// Sustainment periods: about 100 years at most.
        public static let months = 1...1_200
        public static let weeks = 1...5_200
        public static let days = 1...36_500
        public static let maxPerPerson = 1...1_000_000
        public static let target = 1...1_000_000_000
    }

    /// The payer used when a plan lists none.
    public static let defaultPayer = Payer(name: "Commissioner", share: Share(numerator: 1, denominator: 1)!)

    /// Index of the outcome with this id.
    public func outcomeIndex(_ id: String) -> Int? { outcomes.firstIndex { $0.id == id } }

    /// The cap in force on `day` (the one with the latest `from` on or before it), if any.
    public func cap(on day: Int) -> Cap? { caps.last { $0.from <= day } }

    /// Absolute (or working-directory-relative) path of a file named in the plan.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return (baseDirectory as NSString).appendingPathComponent(path)
    }

    func validate(file: String) throws {
        func fail(_ message: String) -> RateCardError { .plan(file: file, message: message) }
        if outcomes.isEmpty { throw fail("no [[outcome]] tables; list the rate card's outcomes with id, name and price.") }
        var seen: [String: Int] = [:]
        for (k, o) in outcomes.enumerated() {
            let here = "[[outcome]] \(k + 1) ('\(o.id)')"
            func beyond(_ key: String, _ value: Int, _ range: ClosedRange<Int>) -> String {
                "\(here) \(key) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \(value))."
            }
            if o.id.isEmpty { throw fail("[[outcome]] \(k + 1) id is empty; give each outcome the id used in the events file.") }
            if let first = seen[o.id] {
                throw fail("\(here) id repeats [[outcome]] \(first + 1); ids must be unique.")
            }
            seen[o.id] = k
            if o.price.pence < 0 { throw fail("\(here) price cannot be negative.") }
            if o.maxPerPerson < 1 { throw fail("\(here) max_per_person must be at least 1.") }
            if o.maxPerPerson > Limits.maxPerPerson.upperBound { throw fail(beyond("max_per_person", o.maxPerPerson, Limits.maxPerPerson)) }
            if let t = o.target, t < 1 { throw fail("\(here) target must be a whole number of at least 1.") }
            if let t = o.target, t > Limits.target.upperBound { throw fail(beyond("target", t, Limits.target)) }
            for (key, reference) in [("requires", o.requires), ("sustains", o.sustains?.outcome)] {
                guard let reference else { continue }
                if reference == o.id { throw fail("\(here) \(key) names the outcome itself.") }
                guard let r = outcomeIndex(reference) else {
                    throw fail("\(here) \(key) = '\(reference)' is not an outcome id (ids: \(outcomes.map(\.id).joined(separator: ", "))).")
                }
                if r > k {
                    throw fail("\(here) \(key) = '\(reference)' is listed after it; list prerequisites before the outcomes that depend on them.")
                }
            }
            if let s = o.sustains {
                switch s.period {
                case .months(let n), .weeks(let n), .days(let n):
                    if n < 1 { throw fail("\(here) the sustainment period (months, weeks or days) must be at least 1.") }
                }
                let (key, n, range): (String, Int, ClosedRange<Int>)
                switch s.period {
                case .months(let m): (key, n, range) = ("months", m, Limits.months)
                case .weeks(let w): (key, n, range) = ("weeks", w, Limits.weeks)
                case .days(let d): (key, n, range) = ("days", d, Limits.days)
                }
                if n > range.upperBound { throw fail(beyond(key, n, range)) }
            }
        }
        var capDays = Set<Int>()
        for c in caps {
            if c.amount.pence < 0 { throw fail("[[cap]] from \(CalendarDate.format(c.from)): amount cannot be negative.") }
            if !capDays.insert(c.from).inserted {
                throw fail("two [[cap]] tables start on \(CalendarDate.format(c.from)); give each cap its own from date.")
            }
        }
        if payers.isEmpty { throw fail("no payers; list [[payer]] tables with name and share, or omit them for a single payer.") }
        var names = Set<String>()
        for p in payers where !names.insert(p.name).inserted {
            throw fail("[[payer]] '\(p.name)' is listed twice; payer names must be unique.")
        }
        guard let one = Share.sumToOne(payers.map(\.share)) else {
            throw fail("[[payer]] shares have denominators too large to add exactly; write them with fewer decimals.")
        }
        if !one {
            let text = payers.map { "\($0.name) \($0.share)" }.joined(separator: ", ")
            throw fail("[[payer]] shares must sum to exactly 1 but are \(text); correct the shares (fractions such as \"1/3\" are allowed).")
        }
    }
}

/// Why a rate-card plan or its events could not be used. Every case names the file and, for the
/// events file, the line (header = line 1) and column.
public enum RateCardError: Error, Equatable, CustomStringConvertible {
    /// The plan file cannot be read.
    case unreadablePlan(file: String, reason: String)
    /// The plan is malformed or inconsistent; the message names the table and key.
    case plan(file: String, message: String)
    /// An events row names an outcome that is not on the rate card.
    case unknownOutcome(file: String, line: Int, column: String, value: String, known: [String])
    /// An events row has an empty person, outcome or date.
    case missingValue(file: String, line: Int, column: String)
    /// Neither the plan nor the caller names the events file.
    case noEventsFile(plan: String)
    /// The prices of the claims up to `line` of the events file add up to more than `Money` holds
    /// (`overflow` names the sum that overflowed).
    case totalOverflow(file: String, line: Int, overflow: MoneyError)

    public var description: String {
        switch self {
        case .unreadablePlan(let file, let reason):
            return "\(file): cannot read the plan (\(reason)); check the path."
        case .plan(let file, let message):
            return "\(file): \(message)"
        case .unknownOutcome(let file, let line, let column, let value, let known):
            return "\(CellLocation.describe(file: file, line: line, column: column)): '\(value)' is not an outcome on the rate card (ids: \(known.joined(separator: ", "))); correct the id or add the outcome to the plan."
        case .missingValue(let file, let line, let column):
            return "\(CellLocation.describe(file: file, line: line, column: column)): the value is missing; every outcome event needs a person, an outcome and a date."
        case .noEventsFile(let plan):
            return "\(plan): [events] file is missing; name the outcome-events CSV in the plan or pass --events."
        case .totalOverflow(let file, let line, let overflow):
            return "\(file), line \(line): the claims' prices add up past the largest amount the ledger can hold: \(overflow)"
        }
    }
}

// MARK: - Reading TOML

extension RateCardPlan {
    /// Reads and validates a plan file. Relative paths in it are relative to its folder.
    public static func load(path: String) throws -> RateCardPlan {
        let text: String
        do { text = try PlanText.read(path: path) } catch CohortDataError.unreadable(_, let reason) {
            throw RateCardError.unreadablePlan(file: path, reason: reason)
        } catch let e as PlanFileError {
            throw RateCardError.plan(file: e.file, message: e.message)
        }
        return try parse(text, file: path, baseDirectory: (path as NSString).deletingLastPathComponent)
    }

    /// Parses plan text; `file` names it in error messages.
    public static func parse(_ text: String, file: String = "<plan>", baseDirectory: String = ".") throws -> RateCardPlan {
        do {
            return try read(text, file: file, baseDirectory: baseDirectory)
        } catch let e as PlanFileError {
            throw RateCardError.plan(file: e.file, message: e.message)
        }
    }

    private static func read(_ text: String, file: String, baseDirectory: String) throws -> RateCardPlan {
        let top = try PlanTable.parse(text, file: file)
        try top.allow(["name", "period", "events", "outcome", "cap", "payer"])
        let name = try top.string("name", default: "Rate card")
        let periodText = try top.string("period", default: Period.quarter.rawValue)
        guard let period = Period(rawValue: periodText) else {
            throw top.error("period", "must be \"quarter\" or \"month\" but is '\(periodText)'")
        }

        let events = try top.table("events")
        try events.allow(["file", "person", "outcome", "date"])
        let columns = EventColumns(
            file: try events.optionalString("file"),
            person: try events.string("person", default: "person_id"),
            outcome: try events.string("outcome", default: "outcome_id"),
            date: try events.string("date", default: "date"))

        let outcomes = try top.tables("outcome").enumerated().map { k, t -> Outcome in
            try t.allow(["id", "name", "price", "requires", "sustains", "months", "weeks", "days", "max_per_person", "target"])
            let id = try t.requiredString("id", missing: "give the outcome id used in the events file")
            let price = try t.money("price")
            var periods: [(String, SustainmentPeriod)] = []
            if let n = try t.optionalWholeNumber("months") { periods.append(("months", .months(n))) }
            if let n = try t.optionalWholeNumber("weeks") { periods.append(("weeks", .weeks(n))) }
            if let n = try t.optionalWholeNumber("days") { periods.append(("days", .days(n))) }
            let sustains = try t.optionalString("sustains")
            if periods.count > 1 {
                throw t.error(periods[1].0, "cannot be given with \(periods[0].0); give one of months, weeks or days")
            }
            var sustainment: Sustainment? = nil
            if let sustains {
                guard let p = periods.first else {
                    throw t.error("sustains", "needs a period; add months, weeks or days")
                }
                sustainment = Sustainment(outcome: sustains, period: p.1)
            } else if let p = periods.first {
                throw t.error(p.0, "applies only with sustains; name the outcome being sustained")
            }
            return Outcome(
                id: id, name: try t.string("name", default: id), price: price,
                requires: try t.optionalString("requires"), sustains: sustainment,
                maxPerPerson: try t.optionalWholeNumber("max_per_person") ?? 1, target: try t.optionalWholeNumber("target"))
        }

        let caps = try top.tables("cap").map { t -> Cap in
            try t.allow(["from", "amount"])
            return Cap(from: try t.date("from"), amount: try t.money("amount"))
        }
        let payerTables = try top.tables("payer")
        let payers = try payerTables.isEmpty ? [defaultPayer] : payerTables.map { t -> Payer in
            try t.allow(["name", "share"])
            return Payer(name: try t.requiredString("name", missing: "give the payer's name"), share: try t.share("share"))
        }
        return try RateCardPlan(name: name, period: period, events: columns, outcomes: outcomes, caps: caps,
                                payers: payers, source: text, baseDirectory: baseDirectory, file: file)
    }
}

/// The rate card's own value types, read from plan tables.
extension PlanTable {
    func share(_ key: String) throws -> Share {
        guard let value = table?[key] else { throw error(key, "is missing; give the payer's share of each payment (e.g. 0.5 or \"1/3\")") }
        var share: Share? = nil
        if let i = value.int { share = Share(numerator: i, denominator: 1) }
        else if let d = value.double { share = Share(d) }
        else if let s = value.string { share = Share(s.trimmingCharacters(in: .whitespaces)) }
        guard let share else {
            throw error(key, "must be a fraction greater than 0 and at most 1, as a decimal (0.6) or a string \"3/5\"")
        }
        return share
    }
}
