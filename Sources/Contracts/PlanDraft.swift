import CohortData
import Foundation
import MatchedComparison
import PaymentRules

/// A first evaluation plan written from the data files themselves (`counterfactual init`): every
/// key `ContractPlan.parse` reads, with its default and a comment saying what it means, and the
/// columns filled in from what the files hold. The guesses are only guesses; the plan says so, and
/// lists every column with its type so the evaluator can check them.
///
/// How columns are guessed (the first column that fits, in file order):
/// - type: a text column whose every non-missing value is a `YYYY-MM-DD` date (or a Stata, SPSS or
///   SAS date variable) is a date column; other text columns are categorical; the rest are numbers;
/// - id: a column with no missing and no repeated value, preferring one named like "id";
/// - treatment: a numeric column holding only 0 and 1 with both present, preferring a name like
///   "treat"; failing that, a two-level column (which must then be recoded to 0/1);
/// - release date: a date column named like "release", else the first date column;
/// - offence and proven dates (events file): date columns named like "offence"/"offense" and like
///   "conviction"/"proven"/"court"/"sentence", else the first and second date columns;
/// - covariates: every other column of the cohort file except dates; columns named like an outcome
///   or a score computed from the treatment ("reconvict", "reoffend", "outcome", "propensity") are
///   listed but commented out;
/// - cohorts: consecutive 12-month release windows from the first treated person's release date
///   to the last one's, a last window with fewer than two treated or two comparison people joined
///   to the one before (placeholders for the contract's own definitions).
public struct PlanDraft: Sendable {
    /// What was found in one column.
    public struct ColumnSummary: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case number
            case text(levels: Int)
            case date(first: Int, last: Int)
        }
        public var name: String
        public var kind: Kind
        public var missing: Int
        /// No value repeats and none is missing.
        public var unique: Bool
        /// A numeric column with only 0 and 1 (both present).
        public var binary: Bool
        /// Exactly two distinct non-missing values.
        public var twoLevels: Bool
    }

    public var cohortColumns: [ColumnSummary]
    public var eventColumns: [ColumnSummary]
    public var cohortRows: Int
    public var eventRows: Int
    public var id: String
    public var treatment: String
    public var releaseDate: String
    public var eventID: String
    public var offenceDate: String
    public var provenDate: String
    public var disposal: String?
    public var covariates: [String]
    public var setAside: [String]
    public var cohorts: [(from: Int, to: Int)]
    public var covariatesWithMissing: [String]
    /// Paths as they will be written in the plan (relative to the plan's folder where possible).
    public var cohortPath: String
    public var eventsPath: String

    /// Reads both files (any format `TableReader` reads) and guesses the plan.
    /// - Throws: the readers' errors; `PlanDraftError` when no candidate exists for a required column.
    public init(cohortFile: String, eventsFile: String, planPath: String) throws {
        let cohort = try TableReader.read(path: cohortFile)
        let events = try TableReader.read(path: eventsFile)
        try self.init(cohort: cohort, events: events,
                      cohortPath: Self.relativePath(cohortFile, from: planPath), eventsPath: Self.relativePath(eventsFile, from: planPath))
    }

    public init(cohort: CohortTable, events: CohortTable, cohortPath: String, eventsPath: String) throws {
        self.cohortPath = cohortPath
        self.eventsPath = eventsPath
        cohortRows = cohort.rowCount
        eventRows = events.rowCount
        cohortColumns = cohort.columns.map { Self.summarize($0, rows: cohort.rowCount) }
        eventColumns = events.columns.map { Self.summarize($0, rows: events.rowCount) }
        func pick(_ columns: [ColumnSummary], _ fits: (ColumnSummary) -> Bool, named words: [String]) -> String? {
            let candidates = columns.filter(fits)
            return (candidates.first { c in words.contains { Self.nameLooksLike(c.name, $0) } } ?? candidates.first)?.name
        }
        func isDate(_ c: ColumnSummary) -> Bool { if case .date = c.kind { return true } else { return false } }
        guard let id = pick(cohortColumns, { $0.unique }, named: ["id"]) else {
            throw PlanDraftError(file: cohort.file, message: "no column has a different value in every row, so none can be the person id")
        }
        self.id = id
        guard let treatment = pick(cohortColumns, { $0.binary && $0.name != id }, named: ["treat", "group", "intervention", "program"])
                ?? pick(cohortColumns, { $0.twoLevels && $0.name != id }, named: ["treat", "group", "intervention", "program"]) else {
            throw PlanDraftError(file: cohort.file, message: "no column holds only 0 and 1 (or two values), so none can be the treatment")
        }
        self.treatment = treatment
        guard let release = pick(cohortColumns, isDate, named: ["release"]) else {
            throw PlanDraftError(file: cohort.file, message: "no column holds only YYYY-MM-DD dates, so none can be the release date")
        }
        releaseDate = release
        let eventNames = eventColumns.map(\.name)
        eventID = eventNames.contains(id) ? id
            : (pick(eventColumns, { if case .date = $0.kind { return false } else { return true } }, named: ["id"]) ?? eventNames.first ?? id)
        let dates = eventColumns.filter(isDate)
        guard let offence = pick(dates, { _ in true }, named: ["offence", "offense"]) else {
            throw PlanDraftError(file: events.file, message: "no column holds only YYYY-MM-DD dates, so none can be the offence date")
        }
        offenceDate = offence
        guard let proven = pick(dates, { $0.name != offence }, named: ["conviction", "proven", "court", "sentence", "disposal_date"]) else {
            throw PlanDraftError(file: events.file, message: "only one column holds dates; the offence date and the date it was proven are both needed")
        }
        provenDate = proven
        disposal = eventColumns.first { c in
            if case .text = c.kind { return Self.nameLooksLike(c.name, "disposal") } else { return false }
        }?.name
        let others = cohortColumns.filter { $0.name != id && $0.name != treatment && !isDate($0) }
        let outcomeWords = ["reconvict", "reoffend", "outcome", "propensity"]
        let setAside = others.filter { c in outcomeWords.contains { Self.nameLooksLike(c.name, $0) } }.map(\.name)
        let covariates = others.map(\.name).filter { !setAside.contains($0) }
        self.setAside = setAside
        self.covariates = covariates
        covariatesWithMissing = others.filter { covariates.contains($0.name) && $0.missing > 0 }.map(\.name)
        cohorts = try Self.windows(table: cohort, treatment: treatment, release: release)
    }

    /// Yearly release windows over the treated people's release dates (see the type's comment).
    static func windows(table: CohortTable, treatment: String, release: String) throws -> [(from: Int, to: Int)] {
        let days = try table.dates(release)
        let treat = try table.column(treatment)
        var treatedDays: [Int] = [], allDays: [(day: Int, treated: Bool)] = []
        // 1 = treated: numeric 1, or the second of two levels in sorted order.
        var treatedLevel: String?
        if case .text(_, let levels) = treat.values { treatedLevel = levels.sorted().last }
        for r in 0..<table.rowCount {
            guard let d = days[r], !treat.isMissing(r) else { continue }
            let isTreated: Bool
            switch treat.values {
            case .numeric(let v): isTreated = v[r] == 1
            case .text: isTreated = treat.text(at: r) == treatedLevel
            }
            allDays.append((d, isTreated))
            if isTreated { treatedDays.append(d) }
        }
        guard let first = treatedDays.min(), let last = treatedDays.max() else { return [] }
        var windows: [(from: Int, to: Int)] = []
        var start = first
        while start <= last && windows.count < 50 {
            let end = CalendarDate.adding(months: 12, to: start) - 1
            windows.append((start, end))
            start = end + 1
        }
        func counts(_ w: (from: Int, to: Int)) -> (Int, Int) {
            var t = 0, c = 0
            for x in allDays where x.day >= w.from && x.day <= w.to { if x.treated { t += 1 } else { c += 1 } }
            return (t, c)
        }
        while windows.count > 1, let lastWindow = windows.last, counts(lastWindow).0 < 2 || counts(lastWindow).1 < 2 {
            windows.removeLast()
            windows[windows.count - 1].to = lastWindow.to
        }
        return windows
    }

    static func summarize(_ c: Column, rows: Int) -> ColumnSummary {
        var kind = ColumnSummary.Kind.number
        var distinct = 0
        var binary = false
        switch c.values {
        case .numeric(let v):
            var seen = Set<Double>()
            for x in v where !x.isNaN { seen.insert(x) }
            distinct = seen.count
            binary = seen == [0, 1]
        case .text(let codes, let levels):
            var used = Set<Int32>()
            for code in codes where code >= 0 { used.insert(code) }
            let usedLevels = used.map { levels[Int($0)] }
            distinct = Set(usedLevels).count
            let days = usedLevels.map { CalendarDate.parse($0.trimmingCharacters(in: .whitespaces)) }
            if !days.isEmpty, days.allSatisfy({ $0 != nil }) {
                let values = days.compactMap { $0 }
                kind = .date(first: values.min()!, last: values.max()!)
            } else {
                kind = .text(levels: distinct)
            }
        }
        return ColumnSummary(name: c.name, kind: kind, missing: c.missingCount,
                             unique: c.missingCount == 0 && distinct == rows && rows > 0, binary: binary, twoLevels: distinct == 2)
    }

    /// Whether a column name looks like `word`: equal, or containing it as a word or a word's start
    /// ("id" fits "id", "person_id", "ID", "idnum"; "treat" fits "treated", "treatment").
    static func nameLooksLike(_ name: String, _ word: String) -> Bool {
        let parts = name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        if word == "id" { return parts.contains { $0 == "id" || $0.hasPrefix("id") && $0.count <= 5 } }
        return parts.contains { $0.hasPrefix(word) } || name.lowercased().contains(word)
    }

    /// `path` relative to the folder of `planPath` when it lies inside it, else absolute.
    static func relativePath(_ path: String, from planPath: String) -> String {
        let file = URL(fileURLWithPath: path).standardizedFileURL.path
        let folder = URL(fileURLWithPath: planPath).standardizedFileURL.deletingLastPathComponent().path
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        return file.hasPrefix(prefix) ? String(file.dropFirst(prefix.count)) : file
    }

    /// The plan's TOML text.
    public func toml(name: String = "Evaluation") -> String {
        var out: [String] = []
        func line(_ text: String = "") { out.append(text) }
        func setting(_ key: String, _ value: String, _ comment: String) {
            let left = "\(key) = \(value)"
            line(left.count < 33 ? left.padding(toLength: 33, withPad: " ", startingAt: 0) + "# " + comment : left + "  # " + comment)
        }
        func list(_ names: [String]) -> String { "[" + names.map(tomlString).joined(separator: ", ") + "]" }
        func describe(_ c: ColumnSummary) -> String {
            var kind: String
            switch c.kind {
            case .number: kind = c.binary ? "number (0/1)" : "number"
            case .text(let levels): kind = "text, \(levels) value\(levels == 1 ? "" : "s")"
            case .date(let first, let last): kind = "date, \(CalendarDate.format(first)) to \(CalendarDate.format(last))"
            }
            if c.unique { kind += ", unique" }
            if c.missing > 0 { kind += ", \(c.missing) missing" }
            return "#   \(c.name): \(kind)"
        }
        line("# Evaluation plan written by `counterfactual init` from the data's own columns. The column")
        line("# choices below are guesses: check each one, replace the placeholder cohorts and payment terms")
        line("# with the contract's, then run `counterfactual evaluate` on this file. Every setting is shown")
        line("# with its default; see docs/inputs.md and Datasets/peterborough/plan.toml.")
        line("#")
        line("# Cohort file \(cohortPath): \(cohortRows) rows")
        cohortColumns.forEach { line(describe($0)) }
        line("# Events file \(eventsPath): \(eventRows) rows")
        eventColumns.forEach { line(describe($0)) }
        setting("name", tomlString(name), "shown on the report")
        line()
        line("[data]")
        setting("cohort", tomlString(cohortPath), "one row per person (relative paths are relative to this plan)")
        setting("events", tomlString(eventsPath), "one row per proven offence")
        setting("id", tomlString(id), "person identifier, unique per row")
        setting("treatment", tomlString(treatment), "1 = in the intervention, 0 = comparison pool")
        if !(cohortColumns.first { $0.name == treatment }?.binary ?? false) {
            line("# \(treatment) has two values but is not 0/1: recode it to 1 (intervention) and 0 (comparison) before evaluating.")
        }
        setting("release_date", tomlString(releaseDate), "YYYY-MM-DD; places each person in a cohort and starts the follow-up")
        line("# Every other column of the cohort file; remove any that is not a pre-release characteristic.")
        setting("covariates", list(covariates), "propensity-model terms; text columns are categorical")
        for name in setAside {
            line("# \(name) looks like an outcome or a score, not a covariate; add it to covariates only if it is known before release.")
        }
        setting("categorical", "[]", "numeric columns to treat as categorical (codes, not amounts)")
        if covariatesWithMissing.isEmpty {
            setting("drop_missing", "false", "true: exclude (and count) rows with a missing covariate instead of stopping")
        } else {
            setting("drop_missing", "true", "default false (stop); set true because \(covariatesWithMissing.joined(separator: ", ")) \(covariatesWithMissing.count == 1 ? "has" : "have") missing values")
        }
        line("# traced = \"traced\"              # optional: 1/0 column; people not traced in national records are excluded and counted")
        line("# data_extract_date = 2014-03-31  # optional: people whose outcome window has not closed by then are excluded and counted")
        line()
        line("[events]")
        setting("id", tomlString(eventID), "the person's id, as in the cohort file (unknown ids are counted, not an error)")
        setting("offence_date", tomlString(offenceDate), "date the offence was committed")
        setting("proven_date", tomlString(provenDate), "date of conviction (court) or caution")
        if let disposal {
            setting("disposal", tomlString(disposal), "optional; rows whose disposal is in caution_values are cautions")
        } else {
            line("# disposal = \"disposal\"          # optional; rows whose disposal is in caution_values are cautions")
        }
        setting("caution_values", "[\"caution\"]", "disposal values that mean a caution")
        line()
        line("[outcome]")
        setting("measure", "\"reconviction_events\"", "Peterborough; or \"proven_reoffending\" (binary), or \"jdl\" (Justice Data Lab replica)")
        setting("follow_up_months", "12", "offences committed within this many months of release ...")
        setting("court_lag_months", "6", "... and proven within them or this many months more")
        setting("count_cautions", "false", "whether cautions count as reoffending (binary measure only)")
        line()
        line("[matching]                       # as `counterfactual match`: MatchIt 4.7 nearest neighbour")
        setting("method", "\"nearest\"", "the only method")
        setting("link", "\"logit\"", "propensity model: logit, linear.logit, probit, linear.probit")
        line("# distance = \"score\"             # optional: match on this column instead of a fitted propensity")
        setting("estimand", "\"ATT\"", "ATT: comparison people matched to treated ones; or ATC")
        line("# order = \"largest\"              # default: largest (ATT), smallest (ATC), data with replacement; or random")
        setting("discard", "\"none\"", "common support: none, treated, control, both")
        setting("ratio", "1", "comparison people per treated person")
        setting("replace", "false", "whether a comparison person may be matched more than once")
        line("# caliper = 0.2                    # optional: maximum distance in SDs of the propensity; none by default")
        setting("exact", "[]", "columns to match exactly within")
        setting("seed", "42", "only for order = \"random\"")
        setting("tolerance", "1e-8", "propensity model convergence (R's glm epsilon)")
        setting("max_iterations", "25", "propensity model iterations (R's glm maxit)")
        line()
        line("# Placeholder cohorts: 12-month windows of release dates from the first treated release")
        line("# to the last. Replace them with the contract's cohort definitions.")
        for (k, w) in cohorts.enumerated() {
            line("[[cohort]]")
            setting("name", tomlString("Cohort \(k + 1)"), "payments are recorded by this name")
            setting("released_from", tomlString(CalendarDate.format(w.from)), "inclusive")
            setting("released_to", tomlString(CalendarDate.format(w.to)), "inclusive")
            line()
        }
        line("[contract]                       # placeholder terms: replace with the contract's")
        setting("settlement", "\"per_cohort\"", "required: \"per_cohort\" or \"pooled\" (how the pooled trigger pays)")
        setting("cohort_threshold", "0.10", "a cohort pays when its reduction reaches this")
        setting("pooled_threshold", "0.075", "or when the cohort-weighted reduction reaches this (final assessment)")
        setting("require_significance", "false", "true: triggers also need p <= significance_level")
        setting("significance_level", "0.05", "one test decides significance and the interval (1 - confidence_level)")
        setting("price_per_event", "0.00", "price per reconviction event avoided; 0 until the contract's price is entered")
        line("# cap_per_cohort = 1500000.00      # optional caps; none by default")
        line("# cap_total = 2500000.00")
        setting("catch_up", "true", "cohorts that missed their own trigger are paid when the pooled one is met")
        setting("final_assessment", "true", "false for an interim assessment (cohort trigger only)")
        setting("payment_base", "\"matched\"", "pay for the matched treated people; \"cohort\": everyone treated")
        setting("currency", "\"GBP\"", "labels every amount; amounts are read exactly, in whole pence")
        line("# max_abs_smd = 0.1                # optional balance gate: no payment when any |SMD| after matching exceeds it")
        line()
        line("[reporting]                      # Justice Data Lab conventions")
        setting("minimum_group_size", "60", "headline withheld for smaller treatment groups")
        setting("minimum_reoffenders", "30", "time to first reoffence withheld below this many reoffenders per group")
        setting("bootstrap_replicates", "999", "cluster bootstrap of matched sets (0 = none)")
        setting("seed", "1", "bootstrap random stream")
        setting("confidence_level", "0.95", "1 - significance_level")
        return out.joined(separator: "\n") + "\n"
    }
}

/// No column can play a role the plan requires.
public struct PlanDraftError: Error, Equatable, CustomStringConvertible {
    public var file: String
    public var message: String
    public var description: String { "\(file): \(message); write the plan by hand (see Datasets/peterborough/plan.toml)." }
}

/// A TOML basic string.
func tomlString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\u%04X", u.value) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}
