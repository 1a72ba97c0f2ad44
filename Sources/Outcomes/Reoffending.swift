import CohortData

/// The windows of the reoffending measures, in calendar months from each person's release.
public struct ReoffendingWindows: Sendable, Codable, Equatable {
    /// An offence counts when committed on or after the release date and before release + this
    /// many months (12: "within 12 months of release").
    public var followUpMonths: Int
    /// ... and proven (convicted, or cautioned where cautions count) before release + follow-up +
    /// this many months (6: "convicted within those 12 months or a further 6 months").
    public var courtLagMonths: Int
    /// Whether cautions count for the binary proven-reoffending measure and time to first
    /// reoffence (the Justice Data Lab counts them; the Peterborough event measure never does,
    /// a caution not being a court appearance).
    public var countCautions: Bool

    public init(followUpMonths: Int = 12, courtLagMonths: Int = 6, countCautions: Bool = false) {
        self.followUpMonths = followUpMonths
        self.courtLagMonths = courtLagMonths
        self.countCautions = countCautions
    }
}

/// One proven offence of a person in the cohort.
public struct OffenceRecord: Sendable, Equatable {
    /// Index of the person in the cohort arrays.
    public var person: Int
    /// Offence date (days since 1970-01-01).
    public var offenceDay: Int
    /// Conviction (court) or caution date (days since 1970-01-01); never before the offence.
    public var provenDay: Int
    /// Whether the disposal was a caution rather than a conviction.
    public var isCaution: Bool

    public init(person: Int, offenceDay: Int, provenDay: Int, isCaution: Bool = false) {
        self.person = person
        self.offenceDay = offenceDay
        self.provenDay = provenDay
        self.isCaution = isCaution
    }
}

/// How many records each rule kept or excluded: the derivation drops nothing silently.
public struct ReoffendingCounts: Sendable, Equatable, Codable {
    /// Offence records read.
    public var records = 0
    /// Records committed before the person's release (excluded).
    public var offenceBeforeRelease = 0
    /// Records committed after the follow-up window (excluded).
    public var offenceAfterFollowUp = 0
    /// Records committed in the window but proven after the court lag (excluded).
    public var provenAfterCourtLag = 0
    /// Cautions in the windows (never reconviction events; proven reoffences only if cautions count).
    public var cautionsInWindow = 0
    /// Records that qualify as proven reoffences.
    public var qualifyingOffences = 0
    /// Distinct (person, conviction date) pairs among qualifying convictions: the reconviction events.
    public var reconvictionEvents = 0
    /// People with at least one qualifying offence.
    public var reoffenders = 0

    public init() {}
}

/// Per-person reoffending measures.
public struct ReoffendingMeasures: Sendable, Equatable {
    /// Peterborough measure: number of distinct conviction court dates for offences committed within
    /// the follow-up and convicted within follow-up + court lag (several offences dealt with at one
    /// court appearance count once).
    public var reconvictionEvents: [Double]
    /// Justice Data Lab measure: 1 if any qualifying proven reoffence, else 0.
    public var provenReoffending: [Double]
    /// Justice Data Lab frequency: the number of qualifying proven reoffences (offences, not court
    /// appearances; cautions included when they count).
    public var provenReoffences: [Double]
    /// Days from release to the first qualifying offence, or to the end of the follow-up (censored).
    public var daysToFirstReoffence: [Double]
    /// Whether `daysToFirstReoffence` is an observed reoffence (false = censored).
    public var reoffended: [Bool]
    /// Rule counts.
    public var counts: ReoffendingCounts

    /// Derives the measures.
    /// - Parameters:
    ///   - releaseDays: release date of each person (days since 1970-01-01).
    ///   - records: proven offences; `person` indexes `releaseDays`.
    ///   - windows: the follow-up and court-lag windows.
    public init(releaseDays: [Int], records: [OffenceRecord], windows: ReoffendingWindows = ReoffendingWindows()) {
        let n = releaseDays.count
        var events = [Double](repeating: 0, count: n)
        var proven = [Double](repeating: 0, count: n)
        var offences = [Double](repeating: 0, count: n)
        var firstOffence = [Int?](repeating: nil, count: n)
        var counts = ReoffendingCounts()
        counts.records = records.count
        var courtDates = Set<Int64>()
        for r in records {
            let release = releaseDays[r.person]
            let followUpEnd = CalendarDate.adding(months: windows.followUpMonths, to: release)
            let lagEnd = CalendarDate.adding(months: windows.followUpMonths + windows.courtLagMonths, to: release)
            if r.offenceDay < release { counts.offenceBeforeRelease += 1; continue }
            if r.offenceDay >= followUpEnd { counts.offenceAfterFollowUp += 1; continue }
            if r.provenDay >= lagEnd { counts.provenAfterCourtLag += 1; continue }
            if r.isCaution {
                counts.cautionsInWindow += 1
                if !windows.countCautions { continue }
            }
            counts.qualifyingOffences += 1
            if proven[r.person] == 0 { counts.reoffenders += 1 }
            proven[r.person] = 1
            offences[r.person] += 1
            if firstOffence[r.person].map({ r.offenceDay < $0 }) ?? true { firstOffence[r.person] = r.offenceDay }
            if !r.isCaution, courtDates.insert(Int64(r.person) << 32 | Int64(UInt32(truncatingIfNeeded: r.provenDay))).inserted {
                events[r.person] += 1
                counts.reconvictionEvents += 1
            }
        }
        var time = [Double](repeating: 0, count: n)
        var observed = [Bool](repeating: false, count: n)
        for i in 0..<n {
            if let first = firstOffence[i] {
                time[i] = Double(first - releaseDays[i])
                observed[i] = true
            } else {
                time[i] = Double(CalendarDate.adding(months: windows.followUpMonths, to: releaseDays[i]) - releaseDays[i])
            }
        }
        reconvictionEvents = events
        provenReoffending = proven
        provenReoffences = offences
        daysToFirstReoffence = time
        reoffended = observed
        self.counts = counts
    }
}
