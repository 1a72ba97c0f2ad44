import CohortData
import Foundation
import TOMLKit

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

/// Why a plan could not be read.
public struct PlanError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message)" }
}

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
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw PlanError(file: file, message: "line \(e.source.begin.line), column \(e.source.begin.column): \(e.description); fix the TOML syntax.")
        }
        let r = TableReader(root, path: "", file: file)
        try r.allow(["name", "data", "events", "outcome", "matching", "cohort", "contract", "reporting"])
        let data = try r.table("data")
        let events = try r.optionalTable("events")
        let outcome = try r.optionalTable("outcome")
        let matching = try r.optionalTable("matching")
        let contract = try r.optionalTable("contract")
        let reporting = try r.optionalTable("reporting")
        try data.allow(["cohort", "events", "id", "treatment", "release_date", "covariates", "categorical", "drop_missing"])
        try events.allow(["id", "offence_date", "proven_date", "disposal", "caution_values"])
        try outcome.allow(["measure", "follow_up_months", "court_lag_months", "count_cautions"])
        try matching.allow(["link", "ratio", "replace", "caliper", "estimand", "order", "discard", "exact", "seed"])
        try contract.allow(["cohort_threshold", "pooled_threshold", "require_significance", "significance_level",
                            "price_per_event", "cap_per_cohort", "cap_total", "catch_up", "final_assessment"])
        try reporting.allow(["minimum_group_size", "minimum_reoffenders", "bootstrap_replicates", "seed", "confidence_level"])

        let cohortFile = try data.string("cohort"), eventsFile = try data.string("events")
        let cohortID = try data.string("id")
        let plan = ContractPlan(
            name: try r.string("name", default: "Evaluation"),
            data: DataFiles(
                cohort: cohortFile, events: eventsFile, id: cohortID,
                treatment: try data.string("treatment"), releaseDate: try data.string("release_date"),
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
            cohorts: try r.cohorts(),
            terms: PaymentTerms(
                cohortThreshold: try contract.double("cohort_threshold", default: 0.10),
                pooledThreshold: try contract.double("pooled_threshold", default: 0.075),
                requireSignificance: try contract.bool("require_significance", default: false),
                significanceLevel: try contract.double("significance_level", default: 0.05),
                pricePerEvent: try contract.double("price_per_event", default: 0),
                capPerCohort: try contract.optionalDouble("cap_per_cohort"),
                capTotal: try contract.optionalDouble("cap_total"),
                catchUp: try contract.bool("catch_up", default: true),
                finalAssessment: try contract.bool("final_assessment", default: true)),
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
        if !(terms.cohortThreshold > -1 && terms.cohortThreshold < 1 && terms.pooledThreshold > -1 && terms.pooledThreshold < 1) {
            throw fail("[contract] thresholds are relative reductions and must lie between -1 and 1.")
        }
        if terms.pricePerEvent < 0 { throw fail("[contract] price_per_event cannot be negative.") }
        if outcome.followUpMonths < 1 || outcome.courtLagMonths < 0 { throw fail("[outcome] windows must be positive.") }
        if !(reporting.confidenceLevel > 0 && reporting.confidenceLevel < 1) { throw fail("[reporting] confidence_level must lie in (0, 1).") }
    }
}

/// Typed access to a TOML table with errors that name the key.
struct TableReader {
    let table: TOMLTable?
    let path: String
    let file: String

    init(_ table: TOMLTable?, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "[\(path)] \(key)" }
    func error(_ key: String, _ what: String) -> PlanError {
        PlanError(file: file, message: "\(name(key)) \(what).")
    }

    /// Rejects keys not in `known`: a misspelt key (say `cohort_treshold`) would otherwise be
    /// ignored and its default used, which in a payment plan is a silent change of terms.
    func allow(_ known: [String]) throws {
        guard let table else { return }
        for key in table.keys.sorted() where !known.contains(key) {
            throw PlanError(file: file, message: "\(path.isEmpty ? "" : "[\(path)] ")unknown key '\(key)'; the keys here are \(known.joined(separator: ", ")).")
        }
    }

    func table(_ key: String) throws -> TableReader {
        guard let t = table?[key]?.table else { throw error(key, "is missing; add the table") }
        return TableReader(t, path: key, file: file)
    }

    func optionalTable(_ key: String) throws -> TableReader {
        guard let value = table?[key] else { return TableReader(nil, path: key, file: file) }
        guard let t = value.table else { throw error(key, "must be a table") }
        return TableReader(t, path: key, file: file)
    }

    func string(_ key: String, default fallback: String? = nil) throws -> String {
        guard let value = table?[key] else {
            if let fallback { return fallback }
            throw error(key, "is missing; it names a file or column")
        }
        guard let s = value.string else { throw error(key, "must be a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard let value = table?[key] else { return nil }
        guard let s = value.string else { throw error(key, "must be a string") }
        return s
    }

    func strings(_ key: String, default fallback: [String]? = nil) throws -> [String] {
        guard let value = table?[key] else {
            if let fallback { return fallback }
            throw error(key, "is missing; give a list of names")
        }
        guard let array = value.array else { throw error(key, "must be a list of strings") }
        return try array.map { item in
            guard let s = item.string else { throw error(key, "must be a list of strings") }
            return s
        }
    }

    func int(_ key: String, default fallback: Int) throws -> Int {
        guard let value = table?[key] else { return fallback }
        guard let i = value.int else { throw error(key, "must be a whole number") }
        return i
    }

    func double(_ key: String, default fallback: Double) throws -> Double {
        try optionalDouble(key) ?? fallback
    }

    func optionalDouble(_ key: String) throws -> Double? {
        guard let value = table?[key] else { return nil }
        if let d = value.double { return d }
        if let i = value.int { return Double(i) }
        throw error(key, "must be a number")
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = table?[key] else { return fallback }
        guard let b = value.bool else { throw error(key, "must be true or false") }
        return b
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) throws -> E where E.RawValue == String {
        let raw = try string(key, default: fallback.rawValue)
        guard let e = E(rawValue: raw) else {
            throw error(key, "must be one of \(E.allCases.map { $0.rawValue }.joined(separator: ", "))")
        }
        return e
    }

    func cohorts() throws -> [ContractPlan.Cohort] {
        guard let value = table?["cohort"] else { return [] }
        guard let array = value.array else { throw error("cohort", "must be an array of tables ([[cohort]])") }
        return try array.enumerated().map { k, item in
            guard let t = item.table else { throw error("cohort", "must be an array of tables ([[cohort]])") }
            let r = TableReader(t, path: "cohort \(k + 1)", file: file)
            try r.allow(["name", "released_from", "released_to", "column", "value"])
            func date(_ key: String) throws -> Int {
                if let d = t[key]?.date { return CalendarDate.days(year: Int(d.year), month: Int(d.month), day: Int(d.day)) }
                let text = try r.string(key)
                guard let d = CalendarDate.parse(text) else { throw r.error(key, "'\(text)' is not a date; write YYYY-MM-DD") }
                return d
            }
            let name = try r.string("name", default: "Cohort \(k + 1)")
            if let column = try r.optionalString("column") {
                guard let value = t["value"] else { throw r.error("value", "is missing; give the value of '\(column)' that defines the cohort") }
                let text = value.string ?? value.int.map(String.init) ?? ""
                guard !text.isEmpty else { throw r.error("value", "must be a string or a whole number") }
                return ContractPlan.Cohort(name: name, selection: .column(name: column, value: text))
            }
            return ContractPlan.Cohort(name: name, selection: .released(from: try date("released_from"), to: try date("released_to")))
        }
    }
}
