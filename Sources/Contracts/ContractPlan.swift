import CohortData
import Foundation
import PaymentRules
import PlanFiles

/// An evaluation plan: which data, how to match, which outcome, which cohorts and which payment
/// terms. Read from TOML; every key but the data files and columns has a default, and the defaults
/// are the Peterborough design. Relative paths are relative to the plan file.
public struct ContractPlan: Sendable, Equatable {
    public struct DataFiles: Sendable, Equatable {
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
    }

    public struct OutcomeSettings: Sendable, Equatable {
        public var measure: Measure
        public var followUpMonths: Int
        public var courtLagMonths: Int
        public var countCautions: Bool
    }

    public struct MatchingSettings: Sendable, Equatable {
        public var link: String
        public var ratio: Int
        public var replace: Bool
        public var caliper: Double?
        public var estimand: String
        public var order: String?
        public var discard: String
        public var exact: [String]
        public var seed: UInt64
    }

    public struct Cohort: Sendable, Equatable {
        /// How a cohort's people (treated and comparison) are chosen.
        public enum Selection: Sendable, Equatable, CustomStringConvertible {
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

    public var name: String
    public var data: DataFiles
    public var events: EventColumns
    public var outcome: OutcomeSettings
    public var matching: MatchingSettings
    public var cohorts: [Cohort]
    public var terms: PaymentTerms
    public var reporting: Reporting
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

/// Why a plan could not be read (file and one sentence naming the table and key).
public typealias PlanError = PlanFileError

extension ContractPlan {
    /// Reads and validates a plan file.
    public static func load(path: String) throws -> ContractPlan {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw PlanError(file: path, message: "cannot read the plan (\((error as NSError).localizedDescription)); check the path.")
        }
        // Keep the folder as given (relative stays relative), so outputs name inputs the same way on every machine.
        let base = (path as NSString).deletingLastPathComponent
        return try parse(text, file: path, baseDirectory: base)
    }

    /// Parses plan text.
    public static func parse(_ text: String, file: String = "<plan>", baseDirectory: String = ".") throws -> ContractPlan {
        let r = try PlanTable.parse(text, file: file)
        try r.allow(["name", "data", "events", "outcome", "matching", "cohort", "contract", "payment_made", "reporting"])
        let data = try r.requiredTable("data")
        let events = try r.table("events")
        let outcome = try r.table("outcome")
        let matching = try r.table("matching")
        let contract = try r.table("contract")
        let reporting = try r.table("reporting")
        try data.allow(["cohort", "events", "id", "treatment", "release_date", "covariates", "categorical", "drop_missing"])
        try events.allow(["id", "offence_date", "proven_date", "disposal", "caution_values"])
        try outcome.allow(["measure", "follow_up_months", "court_lag_months", "count_cautions"])
        try matching.allow(["link", "ratio", "replace", "caliper", "estimand", "order", "discard", "exact", "seed"])
        try contract.allow(["cohort_threshold", "pooled_threshold", "require_significance", "significance_level",
                            "price_per_event", "cap_per_cohort", "cap_total", "catch_up", "final_assessment",
                            "settlement", "payment_base", "max_abs_smd", "currency"])
        try reporting.allow(["minimum_group_size", "minimum_reoffenders", "bootstrap_replicates", "seed", "confidence_level"])

        let column = "it names a file or column"
        let cohortFile = try data.requiredString("cohort", missing: column)
        let eventsFile = try data.requiredString("events", missing: column)
        let cohortID = try data.requiredString("id", missing: column)
        let plan = ContractPlan(
            name: try r.string("name", default: "Evaluation"),
            data: DataFiles(
                cohort: cohortFile, events: eventsFile, id: cohortID,
                treatment: try data.requiredString("treatment", missing: column),
                releaseDate: try data.requiredString("release_date", missing: column),
                covariates: try data.strings("covariates"), categorical: try data.strings("categorical", default: []),
                dropMissing: try data.bool("drop_missing", default: false)),
            events: EventColumns(
                id: try events.string("id", default: cohortID),
                offenceDate: try events.string("offence_date", default: "offence_date"),
                provenDate: try events.string("proven_date", default: "conviction_date"),
                disposal: try events.optionalString("disposal"),
                cautionValues: try events.strings("caution_values", default: ["caution"])),
            outcome: OutcomeSettings(
                measure: try outcome.enumeration("measure", default: .reconvictionEvents),
                followUpMonths: try outcome.int("follow_up_months", default: 12),
                courtLagMonths: try outcome.int("court_lag_months", default: 6),
                countCautions: try outcome.bool("count_cautions", default: false)),
            matching: MatchingSettings(
                link: try matching.string("link", default: "logit"), ratio: try matching.int("ratio", default: 1),
                replace: try matching.bool("replace", default: false), caliper: try matching.optionalDouble("caliper"),
                estimand: try matching.string("estimand", default: "ATT"), order: try matching.optionalString("order"),
                discard: try matching.string("discard", default: "none"), exact: try matching.strings("exact", default: []),
                seed: UInt64(try matching.int("seed", default: 42))),
            cohorts: try cohorts(r),
            terms: try terms(contract, paymentsMade: r.tables("payment_made")),
            reporting: Reporting(
                minimumGroupSize: try reporting.int("minimum_group_size", default: 60),
                minimumReoffenders: try reporting.int("minimum_reoffenders", default: 30),
                bootstrapReplicates: try reporting.int("bootstrap_replicates", default: 0),
                seed: UInt64(try reporting.int("seed", default: 1)),
                confidenceLevel: try reporting.double("confidence_level", default: 0.95)),
            source: text, baseDirectory: baseDirectory)
        try plan.validate(file: file)
        return plan
    }

    func validate(file: String) throws {
        func fail(_ m: String) -> PlanError { PlanError(file: file, message: m) }
        if data.covariates.isEmpty { throw fail("[data] covariates is empty; list the matching covariates.") }
        if cohorts.isEmpty {
            throw fail("no [[cohort]] tables; define at least one cohort with name and released_from/released_to (or column/value).")
        }
        for c in cohorts {
            if case .released(let from, let to) = c.selection, to < from {
                throw fail("cohort '\(c.name)' ends before it starts; check released_from and released_to.")
            }
        }
        if matching.ratio < 1 { throw fail("[matching] ratio must be at least 1.") }
        if let c = matching.caliper, !(c > 0) { throw fail("[matching] caliper must be positive.") }
        try validateTerms(file: file)
        if outcome.followUpMonths < 1 || outcome.courtLagMonths < 0 { throw fail("[outcome] windows must be positive.") }
        if !(reporting.confidenceLevel > 0 && reporting.confidenceLevel < 1) { throw fail("[reporting] confidence_level must lie in (0, 1).") }
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
    /// The `[contract]` table and the `[[payment_made]]` tables. Thresholds are read exactly as
    /// written (0.1 is 1/10) and amounts in whole pence; `settlement` has no default.
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
