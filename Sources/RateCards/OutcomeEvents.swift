import CohortData

/// One outcome event: a person achieved (and the provider claims) an outcome on a date.
public struct Claim: Sendable, Hashable {
    /// Person identifier, as written in the events file.
    public var person: String
    /// Index of the outcome in `RateCardPlan.outcomes`.
    public var outcome: Int
    /// Date achieved, days since 1970-01-01.
    public var date: Int
    /// Line of the events file the claim came from (header = line 1); 0 for claims built in code.
    public var line: Int

    public init(person: String, outcome: Int, date: Int, line: Int = 0) {
        self.person = person
        self.outcome = outcome
        self.date = date
        self.line = line
    }
}

extension RateCardPlan {
    /// Reads the outcome-events CSV (`path`, or the plan's `[events] file` resolved against the
    /// plan's folder) with `CSVReader`, loading only the person, outcome and date columns.
    ///
    /// - Throws: `RateCardError.noEventsFile`; `CohortDataError` for an unreadable file, a
    ///   missing column or a malformed date (naming file, line and column);
    ///   `RateCardError.unknownOutcome` and `.missingValue` (naming file, line and column).
    public func loadClaims(path: String? = nil) throws -> [Claim] {
        guard let csvPath = path ?? events.file.map(resolve) else { throw RateCardError.noEventsFile(plan: file) }
        let names = [events.person, events.outcome, events.date]
        var unique: [String] = []
        for n in names where !unique.contains(n) { unique.append(n) }
        let table = try TableReader.read(path: csvPath, options: CSVReadOptions(columns: unique, textColumns: Set(unique)))
        return try claims(from: table)
    }

    /// The claims in a loaded events table, in file order. Ids are compared after trimming
    /// spaces and tabs at either end.
    public func claims(from table: CohortTable) throws -> [Claim] {
        let person = try table.column(events.person)
        let outcome = try table.column(events.outcome)
        let dates = try table.dates(events.date)
        var index: [String: Int] = [:]
        for (k, o) in outcomes.enumerated() { index[o.id] = k }
        // Dictionary-encoded outcome ids are looked up once per distinct value.
        var levelIndex: [Int?] = []
        if case .text(_, let levels) = outcome.values {
            levelIndex = levels.map { index[trimmed($0)] }
        }
        var claims: [Claim] = []
        claims.reserveCapacity(table.rowCount)
        for r in 0..<table.rowCount {
            let line = table.line(ofRow: r)
            let who = trimmed(person.text(at: r))
            if person.isMissing(r) || who.isEmpty {
                throw RateCardError.missingValue(file: table.file, line: line, column: events.person)
            }
            let what = trimmed(outcome.text(at: r))
            if outcome.isMissing(r) || what.isEmpty {
                throw RateCardError.missingValue(file: table.file, line: line, column: events.outcome)
            }
            let k: Int?
            if case .text(let codes, _) = outcome.values { k = levelIndex[Int(codes[r])] } else { k = index[what] }
            guard let k else {
                throw RateCardError.unknownOutcome(file: table.file, line: line, column: events.outcome, value: what,
                                                   known: outcomes.map(\.id))
            }
            guard let day = dates[r] else {
                throw RateCardError.missingValue(file: table.file, line: line, column: events.date)
            }
            claims.append(Claim(person: who, outcome: k, date: day, line: line))
        }
        return claims
    }
}

private func trimmed(_ s: String) -> String {
    var t = Substring(s)
    while t.first == " " || t.first == "\t" { t = t.dropFirst() }
    while t.last == " " || t.last == "\t" || t.last == "\r" { t = t.dropLast() }
    return String(t)
}
