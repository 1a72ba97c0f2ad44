/// The Justice Data Lab's three headline measures for a matched comparison, with its publication
/// rules and its style of sentence (`[outcome] measure = "jdl"`).
///
/// Definitions (Ministry of Justice, Justice Data Lab reports):
/// - **one-year proven reoffending rate**: the share of people with any offence committed in the
///   follow-up (12 months from release) and proven by conviction *or caution* by its end or in a
///   further lag (6 months); shown per 100 people;
/// - **frequency**: proven reoffences (offences, not court appearances) per person, shown per 100;
/// - **time to first proven reoffence**: days from release to the first such offence, among the
///   people who reoffended only.
///
/// Each measure compares the weighted means of the treatment and comparison groups of the match
/// (matching weights; for the time, among reoffenders, with their matching weights). The test is
/// the weighted two-sample z test of `WeightedZTest` (the HC0 sandwich variance of each weighted
/// mean; R: `lmtest::coeftest(lm(y ~ treat, weights = w), vcov. = sandwich::vcovHC(fit, "HC0"),
/// df = Inf)`), and the interval comes from the same test, so a measure is significant exactly
/// when its interval excludes 0; significance is `p <= α` (the JDL uses α = 0.05). The JDL's own
/// tables state "a t-test"; it publishes no formula for weighted comparison groups, so this
/// choice is the replica's and is stated wherever the numbers are shown.
///
/// Publication rules (each withheld measure keeps its means but says why it is withheld, and
/// claims no significance):
/// - no measure is published with fewer than `minimumTreated` (60) people in the treatment group;
/// - the rate needs the normal approximation to hold: `n·p ≥ 10` and `n·(1 − p) ≥ 10` in each
///   group, with `n` the group's matched people and `p` its weighted rate;
/// - the time to first reoffence needs at least `minimumReoffenders` (30) reoffenders in each group.
public struct JusticeDataLabReplica: Sendable, Equatable {
    /// One measure's comparison.
    public struct Measure: Sendable, Equatable {
        public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
            case rate = "one_year_proven_reoffending_rate"
            case frequency = "frequency_of_proven_reoffences"
            case timeToFirst = "days_to_first_proven_reoffence"
        }
        public var kind: Kind
        /// People (units with positive weight) behind each group's mean.
        public var treatedPeople: Int
        public var comparisonPeople: Int
        /// Weighted means in the measure's unit (per 100 people for the rate and frequency; days).
        public var treated: Double
        public var comparison: Double
        /// `treated − comparison` and its interval, in the same unit.
        public var difference: Double
        public var lower: Double
        public var upper: Double
        public var standardError: Double
        public var pValue: Double
        /// `p <= α`, and false whenever the measure is withheld.
        public var significant: Bool
        /// Why the measure is not published, or nil.
        public var withheld: String?
        /// The JDL-style sentences.
        public var sentence: String
    }

    public var rate: Measure
    public var frequency: Measure
    public var timeToFirst: Measure
    public var significanceLevel: Double
    public var confidenceLevel: Double

    public var measures: [Measure] { [rate, frequency, timeToFirst] }

    /// - Parameters:
    ///   - reoffended: 0/1 per unit (any proven reoffence in the windows, cautions counted).
    ///   - offences: proven reoffences per unit.
    ///   - daysToFirst: days to the first proven reoffence (used only where `reoffended` is 1).
    ///   - treated, weights: the match (weight 0 = not in the matched sample).
    ///   - followUpMonths: the follow-up, for the sentences ("a one-year period" when 12).
    /// - Throws: `OutcomesError` when a group is empty or a level is out of range.
    public init(reoffended: [Double], offences: [Double], daysToFirst: [Double], treated: [Bool], weights: [Double],
                significanceLevel: Double = 0.05, minimumTreated: Int = 60, minimumReoffenders: Int = 30,
                followUpMonths: Int = 12) throws {
        let level = 1 - significanceLevel
        try validateLevel(level)
        let period = followUpMonths == 12 ? "a one-year period" : "a period of \(followUpMonths) months"

        func compare(_ kind: Measure.Kind, outcome: [Double], keep: (Int) -> Bool, scale: Double,
                     withheld extra: (MatchedSample, Double, Double) -> String?) throws -> Measure {
            let w = weights.indices.map { keep($0) ? weights[$0] : 0 }
            let sample = try MatchedSample(outcome: outcome, treated: treated, weights: w)
            let nT = sample.count(.treated), nC = sample.count(.comparison)
            let (t, c) = sample.totals()
            let mt = nT > 0 ? t.mean : .nan, mc = nC > 0 ? c.mean : .nan
            var why: String? = nil
            let treatedInMatch = zip(treated, weights).filter { $0.0 && $0.1 > 0 }.count
            if treatedInMatch < minimumTreated {
                why = "only \(treatedInMatch) people in the treatment group (the minimum is \(minimumTreated))"
            } else {
                why = extra(sample, mt, mc)
            }
            var test: WeightedZTest? = nil
            if nT > 0, nC > 0 { test = try? WeightedZTest(sample, level: level) }
            if why == nil, test == nil {
                why = nT == 0 || nC == 0 ? "a group has no one to measure" : "both groups have the same value for everyone, so there is no variation to test"
            }
            let difference = (mt - mc) * scale
            let significant = why == nil && test.map { $0.pValue <= significanceLevel } ?? false
            var measure = Measure(
                kind: kind, treatedPeople: nT, comparisonPeople: nC, treated: mt * scale, comparison: mc * scale,
                difference: difference, lower: (test?.lower ?? .nan) * scale, upper: (test?.upper ?? .nan) * scale,
                standardError: (test?.standardError ?? .nan) * scale, pValue: test?.pValue ?? .nan,
                significant: significant, withheld: why, sentence: "")
            measure.sentence = Self.sentence(measure, period: period, level: level)
            return measure
        }

        rate = try compare(.rate, outcome: reoffended, keep: { _ in true }, scale: 100) { sample, mt, mc in
            let nT = Double(sample.count(.treated)), nC = Double(sample.count(.comparison))
            for (n, p, group) in [(nT, mt, "treatment"), (nC, mc, "comparison")] where n * p < 10 || n * (1 - p) < 10 {
                return "the normal approximation needs n·p and n·(1 − p) of at least 10 in each group; the \(group) group has n = \(Int(n)), p = \(Self.decimal(p, 4))"
            }
            return nil
        }
        frequency = try compare(.frequency, outcome: offences, keep: { _ in true }, scale: 100) { _, _, _ in nil }
        timeToFirst = try compare(.timeToFirst, outcome: daysToFirst, keep: { reoffended[$0] == 1 }, scale: 1) { sample, _, _ in
            let rT = sample.count(.treated), rC = sample.count(.comparison)
            return min(rT, rC) < minimumReoffenders
                ? "fewer than \(minimumReoffenders) reoffenders in a group (treatment \(rT), comparison \(rC))" : nil
        }
        self.significanceLevel = significanceLevel
        self.confidenceLevel = level
    }

    /// The JDL's sentences for one measure: the two group values, then what the interval says.
    static func sentence(_ m: Measure, period: String, level: Double) -> String {
        let t = whole(m.treated), c = whole(m.comparison)
        let first: String
        let unit: String
        switch m.kind {
        case .rate:
            first = "For every 100 people who received support, \(t) committed a proven reoffence within \(period), compared with \(c) for every 100 similar people who did not."
            unit = "people in every 100"
        case .frequency:
            first = "For every 100 people who received support, \(t) proven reoffences were committed within \(period), compared with \(c) for every 100 similar people who did not."
            unit = "offences for every 100 people"
        case .timeToFirst:
            first = "On average, those who received support and who reoffended within \(period) committed their first proven reoffence after \(t) days, compared with \(c) days for similar people who did not."
            unit = "days"
        }
        if let why = m.withheld { return first + " No conclusion is drawn: \(why)." }
        let (less, more) = m.kind == .timeToFirst ? ("shorter", "longer") : ("lower", "higher")
        let second: String
        if m.significant && m.upper < 0 {
            second = "This is a statistically significant result: it could be \(less) by between \(whole(-m.upper)) and \(whole(-m.lower)) \(unit)."
        } else if m.significant {
            second = "This is a statistically significant result: it could be \(more) by between \(whole(m.lower)) and \(whole(m.upper)) \(unit)."
        } else {
            second = "This could be \(less) by as many as \(whole(max(0, -m.lower))) or \(more) by as many as \(whole(max(0, m.upper))) \(unit); the difference is not statistically significant."
        }
        return first + " " + second + " (\(percent(level)) confidence interval, p = \(decimal(m.pValue, 3)).)"
    }

    /// A value rounded to a whole number (halves away from zero); one decimal when it would show as 0.
    static func whole(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        let r = x.rounded()
        if r != 0 || x == 0 { return String(Int64(r)) }
        return decimal(x, 1)
    }

    static func decimal(_ x: Double, _ places: Int) -> String {
        guard x.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let n = Int64((abs(x) * scale).rounded())
        let digits = String(n)
        let padded = String(repeating: "0", count: max(0, places + 1 - digits.count)) + digits
        let text = places == 0 ? padded : padded.dropLast(places) + "." + padded.suffix(places)
        return (x < 0 && n != 0 ? "-" : "") + text
    }

    static func percent(_ level: Double) -> String { JusticeDataLabStatement.percent(level) }
}
