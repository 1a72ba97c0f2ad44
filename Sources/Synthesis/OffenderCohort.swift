import CohortData
import Parallel
import Randomness
import Dispatch
import Foundation
import OutputFiles

/// A synthetic national offender cohort with a known treatment-assignment model and a known true
/// treatment effect on reconviction events, in the shape of the Peterborough evaluation data.
///
/// Every person is drawn independently from this model (all coefficients are fixed and documented
/// here so that an evaluation's estimates can be compared with the truth):
///
/// - `age` at release: round(33 + 10 Z), clamped to 18...75.
/// - `gender`: male 92%, female 8%. `ethnicity`: white 72%, black 12%, asian 8%, mixed 5%, other 3%.
/// - `offence_group`: acquisitive 35%, violence 22%, drugs 12%, public_order 10%, motoring 9%, other 12%.
/// - `sentence_months`: 1 + 11 U^2 (under 12 months), one decimal.
/// - `prior_convictions` ~ NegBin(mean exp(1.6 + 0.02 (age - 33) + 0.3 acquisitive), size 1.5);
///   `prior_custodial` = floor(0.5 U prior_convictions); `prior_breaches` ~ Poisson(0.3 + 0.05 prior_convictions).
/// - `years_since_first` = (age - 14) sqrt(U), one decimal.
/// - `employed` ~ Bernoulli(logistic(-0.5 - 0.03 prior_convictions));
///   `housed` ~ Bernoulli(logistic(1.0 - 0.04 prior_convictions)).
/// - `risk_score` = logistic(-1.2 + 0.06 prior_convictions - 0.03 (age - 33) + 0.4 acquisitive
///   + 0.3 [prior_breaches > 0] - 0.4 employed - 0.5 housed), four decimals (an OGRS-like score).
/// - Treatment: logit P(treat) = a + 2.0 risk_score - 0.02 (age - 33) + 0.3 acquisitive
///   + 0.15 log(1 + prior_custodial) - 0.2 female - 0.3 housed, with the intercept `a` set by
///   bisection on a pilot sample (its own stream) so that the mean propensity is the requested share.
///   The true propensity is written as `true_propensity`.
/// - Outcome: counted reconviction events (the Peterborough measure) ~ NegBin(mean mu, size 1.2),
///   mu = exp(-0.6 + 1.5 risk_score + 0.04 prior_convictions - 0.015 (age - 33)) x (1 - effect)^treat,
///   so the true relative reduction is `effect` (default 10%). Written as `reconvictions`.
/// - Release dates uniform over two years from 2010-09-09.
///
/// Events file (one line per proven offence: `id,offence_date,conviction_date,disposal,seriousness`):
/// each counted event is a court appearance on a distinct date dealing with 1 + Poisson(0.4)
/// offences committed within 12 months of release, convicted within 12 + 6 months; in addition
/// Poisson(0.3) appearances per person fall outside the measure (offence after 12 months, or
/// conviction after the 6-month court lag), which an outcome derivation must exclude.
public struct OffenderCohortModel: Sendable, Equatable {
    /// Number of people.
    public var rows: Int
    /// Target share treated (mean true propensity).
    public var treatedShare: Double
    /// True relative reduction in reconviction events caused by treatment.
    public var effect: Double
    /// Seed of the stream family.
    public var seed: UInt64

    public init(rows: Int, treatedShare: Double = 0.1, effect: Double = 0.1, seed: UInt64 = 1) {
        self.rows = rows
        self.treatedShare = treatedShare
        self.effect = effect
        self.seed = seed
    }

    /// The cohort file's header.
    public static let cohortHeader = "id,treat,age,gender,ethnicity,offence_group,sentence_months,prior_convictions,"
        + "prior_custodial,prior_breaches,years_since_first,employed,housed,risk_score,release_date,true_propensity,reconvictions\n"
    /// The events file's header.
    public static let eventsHeader = "id,offence_date,conviction_date,disposal,seriousness\n"
    /// The covariates, as used by `counterfactual match` (12 of them).
    public static let covariates = ["age", "gender", "ethnicity", "offence_group", "sentence_months", "prior_convictions",
                                    "prior_custodial", "prior_breaches", "years_since_first", "employed", "housed", "risk_score"]

    static let genders = ["male", "female"]
    static let genderCumulative = [0.92, 1.0]
    static let ethnicities = ["white", "black", "asian", "mixed", "other"]
    static let ethnicityCumulative = [0.72, 0.84, 0.92, 0.97, 1.0]
    static let offences = ["acquisitive", "violence", "drugs", "public_order", "motoring", "other"]
    static let offenceCumulative = [0.35, 0.57, 0.69, 0.79, 0.88, 1.0]
    static let disposals = ["custody", "community", "fine", "discharge"]
    static let disposalCumulative = [0.35, 0.75, 0.93, 1.0]
    /// 2010-09-09 as days since 1970-01-01.
    static let firstRelease = 14_861

    /// Covariates of one person (before treatment and outcome).
    struct Person {
        var age: Int
        var female: Bool
        var ethnicity: Int
        var offence: Int
        var sentenceTenths: Int
        var priors: Int
        var custodial: Int
        var breaches: Int
        var yearsTenths: Int
        var employed: Bool
        var housed: Bool
        var riskScore: Double   // rounded to 4 decimals
        var releaseDay: Int
    }

    static func drawPerson(_ rng: inout RandomStream) -> Person {
        let age = min(75, max(18, Int((33 + 10 * rng.normal()).rounded())))
        let female = rng.categorical(cumulative: genderCumulative) == 1
        let ethnicity = rng.categorical(cumulative: ethnicityCumulative)
        let offence = rng.categorical(cumulative: offenceCumulative)
        let u = rng.uniform()
        let sentenceTenths = Int(((1 + 11 * u * u) * 10).rounded(.down))
        let acquisitive = offence == 0 ? 1.0 : 0.0
        let priorMean = DeterministicMath.exp(1.6 + 0.02 * Double(age - 33) + 0.3 * acquisitive)
        let priors = rng.negativeBinomial(mean: priorMean, size: 1.5)
        let custodial = Int(0.5 * rng.uniform() * Double(priors))
        let breaches = rng.poisson(0.3 + 0.05 * Double(priors))
        let yearsTenths = Int((Double(age - 14) * rng.uniform().squareRoot() * 10).rounded(.down))
        let employed = rng.bernoulli(DeterministicMath.logistic(-0.5 - 0.03 * Double(priors)))
        let housed = rng.bernoulli(DeterministicMath.logistic(1.0 - 0.04 * Double(priors)))
        let risk = DeterministicMath.logistic(-1.2 + 0.06 * Double(priors) - 0.03 * Double(age - 33) + 0.4 * acquisitive
            + (breaches > 0 ? 0.3 : 0) - (employed ? 0.4 : 0) - (housed ? 0.5 : 0))
        let riskScore = (risk * 10_000).rounded() / 10_000
        let releaseDay = firstRelease + rng.integer(below: 730)
        return Person(age: age, female: female, ethnicity: ethnicity, offence: offence, sentenceTenths: sentenceTenths,
                      priors: priors, custodial: custodial, breaches: breaches, yearsTenths: yearsTenths,
                      employed: employed, housed: housed, riskScore: riskScore, releaseDay: releaseDay)
    }

    /// The treatment model's linear predictor without its intercept.
    static func treatmentIndex(_ p: Person) -> Double {
        2.0 * p.riskScore - 0.02 * Double(p.age - 33) + (p.offence == 0 ? 0.3 : 0)
            + 0.15 * DeterministicMath.log(1 + Double(p.custodial)) - (p.female ? 0.2 : 0) - (p.housed ? 0.3 : 0)
    }

    /// Intercept giving a mean propensity equal to `treatedShare` on a 20,000-person pilot drawn
    /// from its own stream (bisection to 1e-12).
    public func treatmentIntercept() -> Double {
        var rng = RandomStream(seed: seed, stream: UInt64.max)
        let index = (0..<20_000).map { _ in Self.treatmentIndex(Self.drawPerson(&rng)) }
        var lo = -20.0, hi = 20.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            var total = 0.0
            for x in index { total += DeterministicMath.logistic(mid + x) }
            if total / Double(index.count) < treatedShare { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 { break }
        }
        return (lo + hi) / 2
    }

    /// Rows per chunk; each chunk has its own stream, so output does not depend on thread count.
    public static let chunkSize = 32_768

    /// Generates chunk `chunk` (rows `chunk * chunkSize ..<`), returning the cohort and events text.
    func generateChunk(_ chunk: Int, intercept: Double, withEvents: Bool) -> (cohort: [UInt8], events: [UInt8], treated: Int) {
        // People and their offences draw from separate streams, so the cohort file is the same
        // whether or not an events file is written.
        var rng = RandomStream(seed: seed, stream: UInt64(chunk))
        var eventRNG = RandomStream(seed: seed, stream: UInt64(chunk) | (1 << 62))
        let lo = chunk * Self.chunkSize, hi = min(rows, lo + Self.chunkSize)
        var cohort = [UInt8](); cohort.reserveCapacity((hi - lo) * 110)
        var events = [UInt8](); if withEvents { events.reserveCapacity((hi - lo) * 120) }
        var treatedCount = 0
        let logRatio = DeterministicMath.log(1 - effect)
        for i in lo..<hi {
            let p = Self.drawPerson(&rng)
            let propensity = DeterministicMath.logistic(intercept + Self.treatmentIndex(p))
            let treated = rng.uniform() < propensity
            if treated { treatedCount += 1 }
            let mu = DeterministicMath.exp(-0.6 + 1.5 * p.riskScore + 0.04 * Double(p.priors) - 0.015 * Double(p.age - 33)
                + (treated ? logRatio : 0))
            let counted = rng.negativeBinomial(mean: mu, size: 1.2)
            let outside = rng.poisson(0.3)

            cohort.text("P"); cohort.integer(i + 1); cohort.comma()
            cohort.integer(treated ? 1 : 0); cohort.comma()
            cohort.integer(p.age); cohort.comma()
            cohort.text(Self.genders[p.female ? 1 : 0]); cohort.comma()
            cohort.text(Self.ethnicities[p.ethnicity]); cohort.comma()
            cohort.text(Self.offences[p.offence]); cohort.comma()
            cohort.tenths(p.sentenceTenths); cohort.comma()
            cohort.integer(p.priors); cohort.comma()
            cohort.integer(p.custodial); cohort.comma()
            cohort.integer(p.breaches); cohort.comma()
            cohort.tenths(p.yearsTenths); cohort.comma()
            cohort.integer(p.employed ? 1 : 0); cohort.comma()
            cohort.integer(p.housed ? 1 : 0); cohort.comma()
            cohort.fixed(p.riskScore, decimals: 4); cohort.comma()
            cohort.date(p.releaseDay); cohort.comma()
            cohort.fixed(propensity, decimals: 6); cohort.comma()
            cohort.integer(counted)
            cohort.newline()

            if withEvents {
                appendEvents(&events, &eventRNG, id: i + 1, release: p.releaseDay, counted: counted, outside: outside)
            }
        }
        return (cohort, events, treatedCount)
    }

    /// Court appearances for one person: `counted` within the measure (distinct conviction dates),
    /// `outside` beyond it.
    func appendEvents(_ out: inout [UInt8], _ rng: inout RandomStream, id: Int, release: Int, counted: Int, outside: Int) {
        var usedDates = Set<Int>()
        func appearance(offenceFrom: Int, offenceTo: Int, convictionBy: Int?, minimumLag: Int) {
            // The first offence date; the conviction follows within the allowed lag, on a new date.
            var conviction = 0, firstOffence = 0
            for _ in 0..<50 {
                firstOffence = offenceFrom + rng.integer(below: max(1, offenceTo - offenceFrom))
                let latest = convictionBy ?? (firstOffence + minimumLag + 400)
                let earliest = firstOffence + minimumLag
                guard latest >= earliest else { continue }
                conviction = earliest + rng.integer(below: latest - earliest + 1)
                if !usedDates.contains(conviction) { break }
            }
            usedDates.insert(conviction)
            let offences = 1 + rng.poisson(0.4)
            let disposal = Self.disposals[rng.categorical(cumulative: Self.disposalCumulative)]
            for k in 0..<offences {
                let offenceDay = k == 0 ? firstOffence : firstOffence + rng.integer(below: max(1, min(60, conviction - firstOffence + 1)))
                out.text("P"); out.integer(id); out.comma()
                out.date(min(offenceDay, conviction)); out.comma()
                out.date(conviction); out.comma()
                out.text(disposal); out.comma()
                out.integer(1 + rng.integer(below: 3))
                out.newline()
            }
        }
        // Within the measure: offence in [release, release + 365), conviction by release + 545.
        for _ in 0..<counted {
            appearance(offenceFrom: release, offenceTo: release + 365, convictionBy: release + 545, minimumLag: 1)
        }
        // Outside the measure: half offend after 12 months, half are convicted after the court lag.
        for _ in 0..<outside {
            if rng.bernoulli(0.5) {
                appearance(offenceFrom: release + 365, offenceTo: release + 730, convictionBy: nil, minimumLag: 1)
            } else {
                appearance(offenceFrom: release + 200, offenceTo: release + 365, convictionBy: nil, minimumLag: 546 - 200)
            }
        }
    }

    /// Writes the cohort (and optionally the events file), generating chunks in parallel and
    /// writing them in order; memory stays bounded by a few chunks per thread.
    /// - Returns: number of treated people.
    @discardableResult
    public func write(cohortTo cohortPath: String, eventsTo eventsPath: String?, threads: Int? = nil,
                      progress: (@Sendable (Int) -> Void)? = nil) throws -> Int {
        precondition(rows >= 0)
        let intercept = treatmentIntercept()
        let cohort = try OutputFile(path: cohortPath)
        let events = try eventsPath.map { try OutputFile(path: $0) }
        try cohort.write(Array(Self.cohortHeader.utf8))
        try events?.write(Array(Self.eventsHeader.utf8))
        let chunks = (rows + Self.chunkSize - 1) / Self.chunkSize
        let workers = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        let batch = workers * 2
        var treated = 0
        var start = 0
        while start < chunks {
            let count = min(batch, chunks - start)
            let model = self
            let withEvents = events != nil
            let first = start
            let results = Parallel.map(count) { k in
                model.generateChunk(first + k, intercept: intercept, withEvents: withEvents)
            }
            for r in results {
                try cohort.write(r.cohort)
                try events?.write(r.events)
                treated += r.treated
            }
            start += count
            progress?(min(rows, start * Self.chunkSize))
        }
        try cohort.close()
        try events?.close()
        return treated
    }
}

/// A file opened for writing from the start.
final class OutputFile {
    let path: String
    let handle: FileHandle
    init(path: String) throws {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw OutputWriteError(path: path, reason: "cannot create the file")
        }
        guard let h = FileHandle(forWritingAtPath: path) else {
            throw OutputWriteError(path: path, reason: "cannot open the file")
        }
        handle = h
    }
    func write(_ bytes: [UInt8]) throws {
        do { try handle.write(contentsOf: bytes) } catch {
            throw OutputWriteError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
    func close() throws {
        do { try handle.close() } catch {
            throw OutputWriteError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

/// CSV fields appended as ASCII bytes, without going through `String` formatting.
extension Array where Element == UInt8 {
    mutating func text(_ s: String) { append(contentsOf: s.utf8) }
    mutating func comma() { append(0x2C) }
    mutating func newline() { append(0x0A) }

    mutating func integer(_ v: Int) {
        if v < 0 { append(0x2D) }
        var x = v.magnitude
        var divisor: UInt = 1
        while x / divisor >= 10 { divisor *= 10 }
        while divisor > 0 {
            append(UInt8(x / divisor) + 0x30)
            x %= divisor
            divisor /= 10
        }
    }

    /// An integer count of tenths as "12.3".
    mutating func tenths(_ v: Int) {
        integer(v / 10)
        append(0x2E)
        append(UInt8(v % 10) + 0x30)
    }

    /// A non-negative number with a fixed number of decimals (rounded half away from zero).
    mutating func fixed(_ x: Double, decimals: Int) {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((x * Double(scale)).rounded())
        integer(scaled / scale)
        append(0x2E)
        var divisor = scale / 10
        var fraction = scaled % scale
        while divisor > 0 {
            append(UInt8(fraction / divisor) + 0x30)
            fraction %= divisor
            divisor /= 10
        }
    }

    /// Days since 1970-01-01 as YYYY-MM-DD (proleptic Gregorian calendar).
    mutating func date(_ days: Int) {
        let (y, m, d) = CalendarDate.civil(fromDays: days)
        integer(y)
        append(0x2D)
        if m < 10 { append(0x30) }
        integer(m)
        append(0x2D)
        if d < 10 { append(0x30) }
        integer(d)
    }
}
