/// The Justice Data Lab style statement of a result: the two rates per 100 people, then what the
/// interval says, with signed bounds in the right order.
///
/// The interval is the reduction interval of the table (`LogRatioWaldTest.reductionLower` /
/// `.reductionUpper`, i.e. `1 − RR` at each bound of the rate ratio), mapped to "fewer per 100"
/// as `comparison per 100 × (1 − RR)` at each bound. So the statement and the table show the same
/// interval: a reduction interval (3%, 20%) with 155 per 100 in the comparison group reads
/// "between 4.65 and 31 fewer per 100" before rounding.
///
/// Three cases, by significance (which must agree with the interval: significant exactly when
/// the interval excludes 0):
/// - significant reduction (both bounds fewer): "between 1 and 31 fewer per 100";
/// - significant increase (both bounds more): "between 2 and 28 more per 100";
/// - not significant (the interval contains 0): "could be lower by as many as 31 or higher by as
///   many as 0.5 per 100".
///
/// Numbers are whole numbers, except that a number that rounds to 0 at no decimals is shown with
/// one decimal ("0.5", "0.0"), so a bound of 0.47 is never shown as 0. Rounding is to nearest,
/// halves away from zero, of the binary value. The confidence level, the follow-up period and
/// the court lag are inputs (from the plan), never assumed.
public struct JusticeDataLabStatement: Sendable, Equatable {
    /// Treated group's measure per 100 people.
    public let treatedPer100: Double
    /// Comparison group's measure per 100 people.
    public let comparisonPer100: Double
    /// Lower end of the reduction interval (a fraction, `1 − RR_upper`).
    public let reductionLower: Double
    /// Upper end of the reduction interval (a fraction, `1 − RR_lower`).
    public let reductionUpper: Double
    /// Whether the result is statistically significant.
    public let isSignificant: Bool
    /// Confidence level of the interval, e.g. 0.95.
    public let confidenceLevel: Double
    /// Follow-up period, in months from release.
    public let followUpMonths: Int
    /// Further months in which an offence committed during the follow-up may be proven.
    public let courtLagMonths: Int
    /// The measure in words, a plural noun phrase: "reconviction events", "people proven to
    /// reoffend".
    public let measure: String

    /// `comparison per 100 × reductionLower`: the fewest "fewer per 100" in the interval
    /// (negative: more).
    public var fewerPer100Lower: Double { comparisonPer100 * reductionLower }
    /// `comparison per 100 × reductionUpper`: the most "fewer per 100" in the interval.
    public var fewerPer100Upper: Double { comparisonPer100 * reductionUpper }

    /// - Throws: `invalidArgument` when a rate is negative or not finite, the comparison rate is
    ///   0, the bounds are not finite or not ordered, the confidence level is not in (0, 1), a
    ///   period is negative, the measure is empty, or `isSignificant` disagrees with the interval.
    public init(treatedPer100: Double, comparisonPer100: Double, reductionLower: Double, reductionUpper: Double,
                isSignificant: Bool, confidenceLevel: Double, followUpMonths: Int, courtLagMonths: Int,
                measure: String) throws {
        func fail(_ why: String) -> OutcomesError { .invalidArgument("Justice Data Lab statement: \(why)") }
        guard treatedPer100.isFinite, treatedPer100 >= 0 else { throw fail("treated rate \(treatedPer100) per 100") }
        guard comparisonPer100.isFinite, comparisonPer100 > 0 else { throw fail("comparison rate \(comparisonPer100) per 100") }
        guard reductionLower.isFinite, reductionUpper.isFinite, reductionLower <= reductionUpper else {
            throw fail("reduction interval (\(reductionLower), \(reductionUpper)) is not an ordered pair of numbers")
        }
        guard confidenceLevel > 0, confidenceLevel < 1 else { throw fail("confidence level \(confidenceLevel)") }
        guard followUpMonths > 0, courtLagMonths >= 0 else {
            throw fail("follow-up of \(followUpMonths) months and court lag of \(courtLagMonths) months")
        }
        guard !measure.isEmpty else { throw fail("the measure has no words") }
        let excludesZero = reductionLower > 0 || reductionUpper < 0
        guard excludesZero == isSignificant else {
            throw fail(isSignificant ? "a significant result whose interval contains no change"
                                     : "a result that is not significant whose interval excludes no change")
        }
        self.treatedPer100 = treatedPer100
        self.comparisonPer100 = comparisonPer100
        self.reductionLower = reductionLower
        self.reductionUpper = reductionUpper
        self.isSignificant = isSignificant
        self.confidenceLevel = confidenceLevel
        self.followUpMonths = followUpMonths
        self.courtLagMonths = courtLagMonths
        self.measure = measure
    }

    /// The statement of a rate-ratio test: its interval and significance, the confidence level
    /// of the test (`1 − α`).
    public init(treatedPer100: Double, comparisonPer100: Double, test: LogRatioWaldTest,
                followUpMonths: Int, courtLagMonths: Int, measure: String) throws {
        try self.init(treatedPer100: treatedPer100, comparisonPer100: comparisonPer100,
                      reductionLower: test.reductionLower, reductionUpper: test.reductionUpper,
                      isSignificant: test.isSignificant, confidenceLevel: test.confidenceLevel,
                      followUpMonths: followUpMonths, courtLagMonths: courtLagMonths, measure: measure)
    }

    /// The interval in words: "between 1 and 31 fewer per 100", "between 2 and 28 more per 100",
    /// or "could be lower by as many as 31 or higher by as many as 0.5 per 100".
    public var interval: String {
        let low = fewerPer100Lower, high = fewerPer100Upper
        if isSignificant && low > 0 {
            return "between \(Self.number(low)) and \(Self.number(high)) fewer per 100"
        }
        if isSignificant {
            return "between \(Self.number(-high)) and \(Self.number(-low)) more per 100"
        }
        return "could be lower by as many as \(Self.number(high)) or higher by as many as \(Self.number(-low)) per 100"
    }

    /// The full statement: two sentences.
    public var text: String {
        let lag = courtLagMonths > 0 ? " (proven by the end of a further \(Self.months(courtLagMonths)))" : ""
        let rates = "For every 100 people in the treatment group, there were \(Self.number(treatedPer100)) \(measure) "
            + "within \(Self.months(followUpMonths)) of release\(lag), compared with \(Self.number(comparisonPer100)) "
            + "for every 100 similar people in the comparison group."
        let confidence = "with \(Self.percent(confidenceLevel)) confidence"
        let verdict: String
        if !isSignificant {
            verdict = "The difference is not statistically significant: \(confidence), the number of \(measure) "
                + "\(interval) people."
        } else {
            let direction = fewerPer100Lower > 0 ? "reduction" : "increase"
            verdict = "This is a statistically significant \(direction): \(confidence), the number of \(measure) is "
                + "\(interval) people."
        }
        return rates + " " + verdict
    }

    /// A number as a whole number, or with one decimal when it rounds to 0 as a whole number
    /// (the statement only passes magnitudes; a sign is kept unless the shown value is 0).
    static func number(_ x: Double) -> String {
        let whole = x.rounded()
        if whole != 0 { return String(Int64(whole)) }
        let tenths = Int64((x * 10).rounded())
        return (tenths < 0 ? "-" : "") + "0.\(abs(tenths))"
    }

    /// "1 month", "12 months".
    static func months(_ n: Int) -> String { n == 1 ? "1 month" : "\(n) months" }

    /// A level as a percentage with as few decimals as it needs (0.95 → "95%", 0.975 → "97.5%").
    static func percent(_ level: Double) -> String {
        let p = level * 100
        for decimals in 0...4 {
            var scale = 1.0
            for _ in 0..<decimals { scale *= 10 }
            let scaled = (p * scale).rounded()
            if abs(p * scale - scaled) < 1e-6 {
                let digits = String(Int64(scaled))
                if decimals == 0 { return digits + "%" }
                let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
                return padded.dropLast(decimals) + "." + padded.suffix(decimals) + "%"
            }
        }
        return "\(p)%"
    }
}
