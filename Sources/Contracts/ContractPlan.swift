import CohortData
import Foundation
import MatchedComparison
import Outcomes
import PaymentRules
import PlanFiles

/// An evaluation plan: which data, how to match, which outcome, which cohorts and which payment
/// terms. Read from TOML; every key but the data files and columns has a default, and the defaults
/// are the Peterborough design. Relative paths are relative to the plan file.
public struct ContractPlan: Sendable, Equatable {
    public struct DataFiles: Sendable, Equatable, Codable {
        /// Cohort CSV: one row per person (treated cohort members and the comparison pool).
        public var cohort: String
        /// Events CSV: one row per proven offence.
        public var events: String
        public var id: String
        public var treatment: String
        public var releaseDate: String
        public var covariates: [String]
        public var categorical: [String]
        public var dropMissing: Bool
        /// Optional column saying whether each person was traced in the national records (1/0,
        /// true/false, yes/no); untraced people are excluded and counted.
        public var traced: String?
        /// Optional date the data were extracted (days since 1970-01-01): people whose outcome
        /// window has not closed by then are excluded and counted.
        public var extractDate: Int?
    }

    public struct EventColumns: Sendable, Equatable {
        public var id: String
        public var offenceDate: String
        public var provenDate: String
        /// Optional disposal column; rows whose disposal is in `cautionValues` are cautions.
        public var disposal: String?
        public var cautionValues: [String]
    }

    public enum Measure: String, Sendable, Codable, CaseIterable {
        /// Peterborough: reconviction events per person.
        case reconvictionEvents = "reconviction_events"
        /// Justice Data Lab: proportion proven to reoffend.
        case provenReoffending = "proven_reoffending"
        /// The Justice Data Lab replica: the one-year proven reoffending rate (the contract's
        /// measure, cautions counted), plus the frequency of proven reoffences and the time to
        /// first proven reoffence, each with the JDL's publication rules and sentences
        /// (`Outcomes.JusticeDataLabReplica`), and the JDL's match-quality table.
        case jdl

        /// Whether the contract's test is on a 0/1 outcome (proven reoffending).
        public var isBinary: Bool { self != .reconvictionEvents }
    }

    public struct OutcomeSettings: Sendable, Equatable {
        public var measure: Measure
        public var followUpMonths: Int
        public var courtLagMonths: Int
        public var countCautions: Bool
    }

    public struct Cohort: Sendable, Equatable, Codable {
        /// How a cohort's people (treated and comparison) are chosen.
        public enum Selection: Sendable, Equatable, Codable, CustomStringConvertible {
            /// Released in this inclusive range of dates (days since 1970-01-01).
            case released(from: Int, to: Int)
            /// Rows whose `column` holds `value`.
            case column(name: String, value: String)

            public var column: String? {
                if case .column(let name, _) = self { return name }
                return nil
            }

            public var description: String {
                switch self {
                case .released(let from, let to): return "released \(CalendarDate.format(from)) to \(CalendarDate.format(to))"
                case .column(let name, let value): return "\(name) = \(value)"
                }
            }
        }
        public var name: String
        public var selection: Selection
    }

    public struct Reporting: Sendable, Equatable {
        /// Justice Data Lab rules: headline withheld below these sizes.
        public var minimumGroupSize: Int
        public var minimumReoffenders: Int
        public var bootstrapReplicates: Int
        public var seed: UInt64
        public var confidenceLevel: Double
    }

    /// The `[effects]` table: the effect of the matching estimand by g-computation with a weighted
    /// outcome model (`Outcomes.GComputation`, as `counterfactual effect`), reported beside the
    /// contract's test and never used by it. Present only when the plan has the table.
    public struct EffectSettings: Sendable, Equatable {
        /// `gaussian` (mean difference), `binomial` (risk difference, risk and odds ratios; a 0/1
        /// measure only) or `poisson` (mean difference and rate ratio). Default: `binomial` for a
        /// 0/1 measure, `poisson` for reconviction events.
        public var family: OutcomeFamily
        /// Columns of the cohort file added to the outcome model, `y ~ treat * (covariates)` (as
        /// `counterfactual effect --covariates`); numeric, or categorical when text or listed in
        /// `[data] categorical`. Default: none, `y ~ treat`.
        public var covariates: [String] = []
    }

    public var name: String
    public var data: DataFiles
    public var events: EventColumns
    public var outcome: OutcomeSettings
    /// The `[matching]` table: method, distance and settings, read and validated with the plan.
    public var matching: MatchingPlan
    public var cohorts: [Cohort]
    public var terms: PaymentTerms
    public var reporting: Reporting
    /// The `[effects]` table; nil when the plan has none (no g-computation is reported).
    public var effects: EffectSettings? = nil
    /// The plan file's text, recorded in the evaluation.
    public var source: String
    /// The folder relative paths are resolved against.
    public var baseDirectory: String

    /// Absolute (or working-directory-relative) path of a data file named in the plan.
    public func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return (baseDirectory as NSString).appendingPathComponent(path)
    }
}

extension ContractPlan {
    /// Valid ranges of the plan's numeric keys (docs/inputs.md lists them), checked when the plan
    /// is read, before any data is loaded.
    public enum Limits {
        public static let followUpMonths = 1...120
        public static let courtLagMonths = 0...60
        public static let minimumGroupSize = 1...1_000_000
        public static let minimumReoffenders = 0...1_000_000
        public static let bootstrapReplicates = 0...100_000
        public static let confidenceLevel = 0.5...0.999
    }
}

/// Why a plan could not be read (file and one sentence naming the table and key).
public typealias PlanError = PlanFileError

extension ContractPlan {
    /// Reads and validates a plan file.
    public static func load(path: String) throws -> ContractPlan {
        let text = try PlanText.read(path: path)
        // Keep the folder as given (relative stays relative), so outputs name inputs the same way on every machine.
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: base)
    }

    /// Parses plan text.
    public static func parse(_ text: String, file: String = "<plan>", baseDirectory: String = ".") throws -> ContractPlan {
        let r = try PlanTable.parse(text, file: file)
        // A rate-card plan ([[outcome]] tables, caps, payers) given to evaluate: say where it belongs.
        if let t = r.table, t["cap"] != nil || t["payer"] != nil || t["period"] != nil || t["outcome"]?.array != nil {
            throw PlanError(file: file, message: "this is a rate-card plan ([[outcome]], [[cap]], [[payer]] tables); run `counterfactual ratecard \(file) --out DIR` instead.")
        }
        try r.allow(["name", "data", "events", "outcome", "matching", "cohort", "contract", "payment_made", "reporting",
                     "effects"])
        let data = try r.requiredTable("data")
        let events = try r.table("events")
        let outcome = try r.table("outcome")
        let matching = try r.table("matching")
        let contract = try r.table("contract")
        let reporting = try r.table("reporting")
        let effects = try r.table("effects")
        try data.allow(["cohort", "events", "id", "treatment", "release_date", "covariates", "categorical", "drop_missing",
                        "traced", "data_extract_date"])
        try events.allow(["id", "offence_date", "proven_date", "disposal", "caution_values"])
        try outcome.allow(["measure", "follow_up_months", "court_lag_months", "count_cautions"])
        try contract.allow(["cohort_threshold", "pooled_threshold", "require_significance", "significance_level",
                            "price_per_event", "cap_per_cohort", "cap_total", "catch_up", "final_assessment",
                            "settlement", "payment_base", "max_abs_smd", "currency"])
        try effects.allow(["family", "covariates"])
        try reporting.allow(["minimum_group_size", "minimum_reoffenders", "bootstrap_replicates", "seed", "confidence_level"])

        let column = "it names a file or column"
        let cohortFile = try data.requiredString("cohort", missing: column)
        let eventsFile = try data.requiredString("events", missing: column)
        let cohortID = try data.requiredString("id", missing: column)
        var plan = ContractPlan(
            name: try r.string("name", default: "Evaluation"),
            data: DataFiles(
                cohort: cohortFile, events: eventsFile, id: cohortID,
                treatment: try data.requiredString("treatment", missing: column),
                releaseDate: try data.requiredString("release_date", missing: column),
                covariates: try data.strings("covariates"), categorical: try data.strings("categorical", default: []),
                dropMissing: try data.bool("drop_missing", default: false),
                traced: try data.optionalString("traced"),
                extractDate: data.table?["data_extract_date"] == nil ? nil : try data.date("data_extract_date")),
            events: EventColumns(
                id: try events.string("id", default: cohortID),
                offenceDate: try events.string("offence_date", default: "offence_date"),
                provenDate: try events.string("proven_date", default: "conviction_date"),
                disposal: try events.optionalString("disposal"),
                cautionValues: try events.strings("caution_values", default: ["caution"])),
            outcome: OutcomeSettings(
                measure: try outcome.enumeration("measure", default: .reconvictionEvents),
                followUpMonths: try outcome.int("follow_up_months", default: 12, in: Limits.followUpMonths),
                courtLagMonths: try outcome.int("court_lag_months", default: 6, in: Limits.courtLagMonths),
                countCautions: try Self.countCautions(outcome)),
            matching: try MatchingPlan(table: matching),
            cohorts: try cohorts(r),
            terms: try terms(contract, paymentsMade: r.tables("payment_made")),
            reporting: Reporting(
                minimumGroupSize: try reporting.int("minimum_group_size", default: 60, in: Limits.minimumGroupSize),
                minimumReoffenders: try reporting.int("minimum_reoffenders", default: 30, in: Limits.minimumReoffenders),
                bootstrapReplicates: try reporting.int("bootstrap_replicates", default: 999, in: Limits.bootstrapReplicates),
                seed: try reporting.seed("seed", default: 1),
                confidenceLevel: try reporting.double("confidence_level", default: 0.95, in: Limits.confidenceLevel)),
            effects: try Self.effects(effects, measure: try outcome.enumeration("measure", default: Measure.reconvictionEvents)),
            source: text, baseDirectory: baseDirectory)
        // One test decides significance and draws the interval, so the two levels are one setting:
        // either key may be given (the other follows), or both when they agree.
        let hasLevel = reporting.table?["confidence_level"] != nil, hasAlpha = contract.table?["significance_level"] != nil
        if hasLevel && hasAlpha {
            guard abs(plan.reporting.confidenceLevel - (1 - plan.terms.significanceLevel)) < 1e-12 else {
                throw PlanError(file: file, message: "[reporting] confidence_level \(plan.reporting.confidenceLevel) and [contract] significance_level \(plan.terms.significanceLevel) disagree; the interval and the p-value come from one test, so confidence_level must be 1 - significance_level (give one of them).")
            }
        } else if hasLevel {
            plan.terms.significanceLevel = 1 - plan.reporting.confidenceLevel
        } else {
            plan.reporting.confidenceLevel = 1 - plan.terms.significanceLevel
        }
        try plan.validate(file: file)
        return plan
    }

    func validate(file: String) throws {
        func fail(_ m: String) -> PlanError { PlanError(file: file, message: m) }
        if data.covariates.isEmpty { throw fail("[data] covariates is empty; list the matching covariates.") }
        // Each column has one role: a repeated covariate or a treatment that predicts itself would
        // otherwise surface later as a misleading model or reading error.
        for (k, name) in data.covariates.enumerated() where data.covariates[..<k].contains(name) {
            throw fail("[data] covariates names '\(name)' twice; list each covariate once.")
        }
        for (key, names) in [("[data] covariates", data.covariates), ("[matching] exact", matching.exact), ("[data] id", [data.id])]
        where names.contains(data.treatment) {
            throw fail("\(key) names the treatment column '\(data.treatment)'; the treatment cannot be matched on or be the id.")
        }
        let effectCovariates = effects?.covariates ?? []
        for name in data.categorical where !(data.covariates + matching.exact + effectCovariates).contains(name) {
            throw fail("[data] categorical names '\(name)', which is not among the covariates or [matching] exact; a categorical column must be one of them.")
        }
        // The outcome model's covariates: each once, and none of the columns with another role
        // (the outcome itself is derived from the events file, so it is no column here).
        for (k, name) in effectCovariates.enumerated() where effectCovariates[..<k].contains(name) {
            throw fail("[effects] covariates names '\(name)' twice; list each covariate once.")
        }
        if effectCovariates.contains(data.treatment) {
            throw fail("[effects] covariates names the treatment column '\(data.treatment)'; the outcome model has it already (y ~ treat * (covariates)).")
        }
        for (role, column) in [("id", data.id), ("release date", data.releaseDate)] where effectCovariates.contains(column) {
            throw fail("[effects] covariates names the \(role) column '\(column)'; list characteristics of the people, such as [data] covariates.")
        }
        if cohorts.isEmpty {
            throw fail("no [[cohort]] tables; define at least one cohort with name and released_from/released_to (or column/value).")
        }
        for c in cohorts {
            if case .released(let from, let to) = c.selection, to < from {
                throw fail("cohort '\(c.name)' ends before it starts; check released_from and released_to.")
            }
        }
        // Overlapping cohorts would put the same people in two cohorts and pay for them twice.
        for (j, a) in cohorts.enumerated() {
            for b in cohorts[(j + 1)...] {
                if a.name == b.name { throw fail("two [[cohort]] tables are named '\(a.name)'; give each cohort its own name.") }
                switch (a.selection, b.selection) {
                case (.released(let f1, let t1), .released(let f2, let t2)) where f1 <= t2 && f2 <= t1:
                    throw fail("cohorts '\(a.name)' (\(a.selection)) and '\(b.name)' (\(b.selection)) overlap; release windows must not overlap, or the same people would be evaluated and paid for twice.")
                case (.column(let c1, let v1), .column(let c2, let v2)) where c1 == c2 && v1 == v2:
                    throw fail("cohorts '\(a.name)' and '\(b.name)' are both \(c1) = \(v1); each cohort needs its own value.")
                default: break
                }
            }
        }
        try validateTerms(file: file)
    }
}

extension ContractPlan {
    /// The `[[cohort]]` tables: a name and either `released_from`/`released_to` or `column`/`value`.
    static func cohorts(_ r: PlanTable) throws -> [Cohort] {
        try r.tables("cohort").enumerated().map { k, t in
            try t.allow(["name", "released_from", "released_to", "column", "value"])
            let name = try t.string("name", default: "Cohort \(k + 1)")
            if let column = try t.optionalString("column") {
                guard let value = t.table?["value"] else { throw t.error("value", "is missing; give the value of '\(column)' that defines the cohort") }
                let text = value.string ?? value.int.map(String.init) ?? ""
                guard !text.isEmpty else { throw t.error("value", "must be a string or a whole number") }
                return Cohort(name: name, selection: .column(name: column, value: text))
            }
            return Cohort(name: name, selection: .released(from: try t.date("released_from"), to: try t.date("released_to")))
        }
    }
}

extension ContractPlan {
    /// The plan sections the matching stage depends on, each as canonical JSON (sorted keys), so a
    /// frozen matching stage can tell whether the plan it is scored with still describes the same
    /// matching: `[data]` without `events` (the events file is named only for scoring), `[matching]`
    /// and the `[[cohort]]` tables. (Outcome windows also decide who is evaluated when there is a
    /// data extract date; the cohort assignment itself is re-derived and compared when scoring.)
    public var matchingSections: [(section: String, canonical: String)] {
        var data = self.data
        data.events = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        func canonical<T: Encodable>(_ value: T) -> String {
            // Encoding these plain value types cannot fail.
            String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
        }
        return [("[data]", canonical(data)), ("[matching]", canonical(matching)), ("[[cohort]]", canonical(cohorts))]
    }

    /// The `[contract]` table and the `[[payment_made]]` tables. Thresholds are read exactly as
    /// written (0.1 is 1/10) and amounts in whole pence; `settlement` has no default.
    /// `[outcome] count_cautions`: false by default; true, and not to be turned off, for the
    /// Justice Data Lab replica (the JDL counts cautions as proven reoffending).
    static func countCautions(_ outcome: PlanTable) throws -> Bool {
        let measure = try outcome.enumeration("measure", default: Measure.reconvictionEvents)
        guard measure == .jdl else { return try outcome.bool("count_cautions", default: false) }
        guard try outcome.bool("count_cautions", default: true) else {
            throw outcome.error("count_cautions", "cannot be false with measure = \"jdl\": the Justice Data Lab counts cautions as proven reoffending")
        }
        return true
    }

    /// The `[effects]` table: nil when absent; `family` defaults to the measure's (binomial for a
    /// 0/1 measure, poisson for counts), and binomial is refused for counts.
    static func effects(_ t: PlanTable, measure: Measure) throws -> EffectSettings? {
        guard t.table != nil else { return nil }
        let family = try t.enumeration("family", default: measure.isBinary ? OutcomeFamily.binomial : .poisson)
        if family == .binomial && !measure.isBinary {
            throw t.error("family", "is binomial, which needs a 0/1 outcome, but [outcome] measure \"\(measure.rawValue)\" counts events; use \"poisson\" (rate ratio) or \"gaussian\" (mean difference)")
        }
        return EffectSettings(family: family, covariates: try t.strings("covariates", default: []))
    }

    static func terms(_ t: PlanTable, paymentsMade: [PlanTable]) throws -> PaymentTerms {
        let currency = try t.currency("currency", default: .gbp)
        guard try t.optionalString("settlement") != nil else {
            throw t.error("settlement", """
                is missing; say how the pooled trigger pays at the final assessment: "per_cohort" (each cohort \
                that missed its own trigger is paid its own events avoided) or "pooled" (events avoided summed over \
                all cohorts, negative ones included, less payments already made)
                """)
        }
        let payments = try paymentsMade.map { p -> PaymentTerms.PaymentMade in
            try p.allow(["cohort", "date", "amount"])
            return PaymentTerms.PaymentMade(
                cohort: try p.requiredString("cohort", missing: "name the cohort the payment was made for"),
                day: try p.date("date"), amount: try p.money("amount", currency: currency))
        }
        return PaymentTerms(
            settlement: try t.enumeration("settlement", default: .perCohort),
            cohortThreshold: try t.rational("cohort_threshold", default: PaymentTerms.peterboroughCohortThreshold),
            pooledThreshold: try t.rational("pooled_threshold", default: PaymentTerms.peterboroughPooledThreshold),
            requireSignificance: try t.bool("require_significance", default: false),
            significanceLevel: try t.double("significance_level", default: 0.05),
            pricePerEvent: try t.optionalMoney("price_per_event", currency: currency) ?? .zero(currency),
            capPerCohort: try t.optionalMoney("cap_per_cohort", currency: currency),
            capTotal: try t.optionalMoney("cap_total", currency: currency),
            catchUp: try t.bool("catch_up", default: true),
            finalAssessment: try t.bool("final_assessment", default: true),
            paymentBase: try t.enumeration("payment_base", default: .matched),
            maxAbsSMD: try t.optionalDouble("max_abs_smd"),
            paymentsMade: payments, currency: currency)
    }

    func validateTerms(file: String) throws {
        func fail(_ m: String) -> PlanError { PlanError(file: file, message: m) }
        let names = cohorts.map(\.name)
        for (k, p) in terms.paymentsMade.enumerated() where !names.contains(p.cohort) {
            throw fail("[[payment_made]] \(k + 1) cohort '\(p.cohort)' is not a cohort of this plan; the cohorts are \(names.joined(separator: ", ")).")
        }
        if Set(names).count != names.count {
            throw fail("two [[cohort]] tables have the same name; payments are recorded by cohort name, so name each cohort once.")
        }
        do {
            try terms.validate()
        } catch PaymentRuleError.invalidTerms(let message) {
            throw fail("[contract] \(message).")
        }
    }
}
