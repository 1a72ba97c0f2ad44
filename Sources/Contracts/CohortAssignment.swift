import CohortData

/// Which rows of the cohort file are evaluated, in which cohort, and why every other row is not.
///
/// Rules, in order (every row not used is counted under exactly one reason):
/// 1. **Cohort membership.** A row belongs to a cohort when its release date lies in the cohort's
///    inclusive window (or its column holds the cohort's value). A row in no cohort is counted as
///    *outside every cohort*; a row in two cohorts is an error (windows must not overlap: a person
///    counted twice would be paid for twice).
/// 2. **Index release.** The cohort file may hold one row per release. A person's index release is
///    their earliest release that lies in some cohort (ties: the first row in the file); it decides
///    the person's cohort, treatment and covariates, and outcomes are measured from it. Their other
///    rows in any cohort are counted as *repeat releases* and not evaluated again.
/// 3. **Traced.** With a `traced` column, a person whose index row is not traced in the national
///    records (0, false, no) is excluded and counted: their events cannot be observed, so scoring
///    them as zero would flatter the group they are in.
/// 4. **Complete follow-up.** With a `data_extract_date`, a person whose outcome window (follow-up
///    plus court lag) has not closed by that date is excluded and counted, never scored as zero
///    events. The window closes the day before `release + follow_up + court_lag` months, so it is
///    complete when `release + follow_up + court_lag months <= extract date + 1 day`.
public struct CohortAssignment: Sendable, Equatable {
    /// For each cohort (plan order): the rows evaluated, in file order.
    public var rows: [[Int]]
    /// For each cohort: people excluded because untraced / because follow-up is incomplete.
    public var untraced: [Int]
    public var followUpIncomplete: [Int]
    /// Rows in no cohort's window.
    public var outsideCohorts: Int
    /// Rows of a person whose index release is another row.
    public var repeatReleases: Int
    /// For each id with an index release, its row (events are attributed to it).
    public var indexRowOfID: [String: Int]

    /// Assigns rows to cohorts.
    /// - Parameters:
    ///   - ids: the person id of each row.
    ///   - release: release date of each row (days since 1970-01-01).
    ///   - membership: for each cohort, whether each row is in it.
    ///   - traced: whether each row is traced (`nil`: no traced column).
    ///   - extractDate: the data extract date (`nil`: none).
    ///   - outcomeMonths: follow-up plus court lag, in months.
    ///   - line: the file line of a row (for errors).
    ///   - cohortNames: names of the cohorts (for errors).
    public init(ids: [String], release: [Int], membership: [[Bool]], traced: [Bool]?, extractDate: Int?,
                outcomeMonths: Int, file: String, line: (Int) -> Int, cohortNames: [String]) throws {
        let n = ids.count
        var cohortOfRow = [Int?](repeating: nil, count: n)
        for (k, inCohort) in membership.enumerated() {
            for r in 0..<n where inCohort[r] {
                if let other = cohortOfRow[r] {
                    throw EvaluationError.rowInTwoCohorts(file: file, line: line(r), first: cohortNames[other], second: cohortNames[k])
                }
                cohortOfRow[r] = k
            }
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(n)
        var outside = 0
        for r in 0..<n {
            guard cohortOfRow[r] != nil else { outside += 1; continue }
            if let current = index[ids[r]] {
                if release[r] < release[current] { index[ids[r]] = r }
            } else {
                index[ids[r]] = r
            }
        }
        var rows = [[Int]](repeating: [], count: membership.count)
        var untraced = [Int](repeating: 0, count: membership.count)
        var incomplete = [Int](repeating: 0, count: membership.count)
        var repeats = 0
        for r in 0..<n {
            guard let k = cohortOfRow[r] else { continue }
            guard index[ids[r]] == r else { repeats += 1; continue }
            if let traced, !traced[r] { untraced[k] += 1; continue }
            if let extractDate, CalendarDate.adding(months: outcomeMonths, to: release[r]) > extractDate + 1 {
                incomplete[k] += 1
                continue
            }
            rows[k].append(r)
        }
        self.rows = rows
        self.untraced = untraced
        self.followUpIncomplete = incomplete
        self.outsideCohorts = outside
        self.repeatReleases = repeats
        self.indexRowOfID = index
    }
}
