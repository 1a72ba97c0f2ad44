import Distributions

/// Right-censored times to an event (e.g. days to first reconviction) of a matched sample.
///
/// As `MatchedSample`, units with weight 0 are dropped on construction (R run on
/// `match.data(m)`), and the rest keep their input order, which is also the tie order R uses.
/// Times are compared exactly (R's `timefix` merges times closer than about 1e-8 relative;
/// use whole days or other exactly representable times).
public struct SurvivalSample: Sendable {
    /// Follow-up time of each retained unit (≥ 0).
    public let time: [Double]
    /// Whether the follow-up ended with the event (otherwise censored).
    public let event: [Bool]
    public let treated: [Bool]
    public let weights: [Double]
    /// Position of each retained unit in the input arrays.
    public let sourceIndex: [Int]

    /// - Throws: `lengthMismatch`, `invalidWeight`, `nonFiniteValue` (a retained time that is
    ///   negative, NaN or infinite).
    public init(time: [Double], event: [Bool], treated: [Bool], weights: [Double]) throws {
        let n = time.count
        guard event.count == n, treated.count == n, weights.count == n else {
            throw OutcomesError.lengthMismatch("\(n) times, \(event.count) event flags, \(treated.count) treatment flags, \(weights.count) weights")
        }
        var t: [Double] = [], e: [Bool] = [], a: [Bool] = [], w: [Double] = [], s: [Int] = []
        for i in 0..<n {
            guard weights[i].isFinite, weights[i] >= 0 else { throw OutcomesError.invalidWeight(unit: i, value: weights[i]) }
            if weights[i] == 0 { continue }
            guard time[i].isFinite, time[i] >= 0 else { throw OutcomesError.nonFiniteValue(name: "time (finite, >= 0)", unit: i) }
            t.append(time[i]); e.append(event[i]); a.append(treated[i]); w.append(weights[i]); s.append(i)
        }
        self.time = t; self.event = e; self.treated = a; self.weights = w; self.sourceIndex = s
    }

    /// Number of retained units.
    public var count: Int { time.count }

    /// Retained units of a group, sorted by time with ties in input order (R's `order()`).
    func sortedUnits(of group: Group) -> [Int] {
        let flag = group == .treated
        return (0..<count).filter { treated[$0] == flag }.sorted { (time[$0], $0) < (time[$1], $1) }
    }
}

/// Standard errors a Kaplan–Meier curve can carry.
public enum KaplanMeierVariance: Sendable, Equatable {
    /// As `survfit` decides: `infinitesimalJackknife` when any weight is not a whole number
    /// (survival ≥ 3.0 sets `robust = TRUE` then), otherwise `greenwood`.
    case automatic
    /// Greenwood's formula with weighted counts; the standard error is that of `log S(t)`
    /// (`survfit`'s `std.err` with `logse = TRUE`).
    case greenwood
    /// Infinitesimal jackknife with each unit its own cluster; the standard error is that of
    /// `S(t)` itself (`survfit(..., robust = TRUE)`, `logse = FALSE`).
    case infinitesimalJackknife
}

/// A weighted Kaplan–Meier curve of one group, one entry per distinct follow-up time (event or
/// censoring), as in a `survfit` object.
public struct KaplanMeierCurve: Sendable, Equatable {
    /// Distinct times, ascending.
    public let time: [Double]
    /// Σw of units with follow-up ≥ time (R's `n.risk`).
    public let atRisk: [Double]
    /// Σw of events at the time (R's `n.event`).
    public let events: [Double]
    /// Σw of censorings at the time (R's `n.censor`).
    public let censored: [Double]
    /// `S(t)` (R's `surv`).
    public let survival: [Double]
    /// R's `std.err`: of `log S(t)` for Greenwood, of `S(t)` for the infinitesimal jackknife
    /// (`standardErrorOfLogSurvival` tells which). `+∞` where `S(t) = 0` under Greenwood, as R.
    public let standardError: [Double]
    /// The variance actually used (never `.automatic`).
    public let variance: KaplanMeierVariance
    /// Whether `standardError` is on the log scale (R's `logse`).
    public var standardErrorOfLogSurvival: Bool { variance == .greenwood }

    /// The standard error of `S(t)` itself, whichever the variance (Greenwood: `S(t) · std.err`,
    /// taken as 0 where `S(t) = 0`).
    public var survivalStandardError: [Double] {
        standardErrorOfLogSurvival ? zip(standardError, survival).map { $0 == .infinity ? 0 : $0 * $1 } : standardError
    }
}

/// Weighted Kaplan–Meier estimates per group, as
/// `survival::survfit(Surv(time, event) ~ treat, weights = w)` (survival 3.5).
///
/// At each distinct time `t` of a group (in ascending order) with weighted number at risk
/// `n = Σ_{tᵢ ≥ t} wᵢ` and weighted events `d`: `S(t) = Π (1 − d/n)` over times with an event.
/// - Greenwood: `std.err(t) = √(Σ d/(n(n − d)))` (standard error of `log S`).
/// - Infinitesimal jackknife (survfit's `robust` variance, each unit its own cluster): the
///   influence `Uᵢ` of each unit on `S` is updated at every event time by
///   `Uᵢ ← Uᵢ (1 − h) + wᵢ [i at risk] S₋ h/n − wᵢ [i has the event now] S₋/n`, `h = d/n`, `S₋` the
///   survival just before `t`; `std.err(t) = √(Σᵢ Uᵢ²)` (standard error of `S`).
/// Weighted counts are accumulated from the last time backwards, as survfit's C code does.
public enum KaplanMeier {
    /// The two curves.
    /// - Throws: `emptyGroup` when a group has no unit with positive weight.
    public static func fit(_ sample: SurvivalSample, variance: KaplanMeierVariance = .automatic)
        throws -> (treated: KaplanMeierCurve, comparison: KaplanMeierCurve) {
        var method = variance
        if method == .automatic {
            method = sample.weights.contains { $0 != $0.rounded(.down) } ? .infinitesimalJackknife : .greenwood
        }
        var curves: [KaplanMeierCurve] = []
        for group in [Group.treated, .comparison] {
            let order = sample.sortedUnits(of: group)
            guard !order.isEmpty else { throw OutcomesError.emptyGroup(group) }
            curves.append(curve(sample, order: order, variance: method))
        }
        return (curves[0], curves[1])
    }

    static func curve(_ s: SurvivalSample, order: [Int], variance: KaplanMeierVariance) -> KaplanMeierCurve {
        // Distinct times.
        var times: [Double] = []
        for i in order where times.last != s.time[i] { times.append(s.time[i]) }
        let k = times.count
        var atRisk = [Double](repeating: 0, count: k), events = atRisk, censored = atRisk
        var eventCount = [Int](repeating: 0, count: k)
        // Backward pass: weighted counts.
        var person = order.count - 1
        var risk = 0.0
        for j in stride(from: k - 1, through: 0, by: -1) {
            var d = 0.0, c = 0.0, nd = 0
            while person >= 0 && s.time[order[person]] == times[j] {
                let i = order[person]
                risk += s.weights[i]
                if s.event[i] { d += s.weights[i]; nd += 1 } else { c += s.weights[i] }
                person -= 1
            }
            atRisk[j] = risk; events[j] = d; censored[j] = c; eventCount[j] = nd
        }
        var survival = [Double](repeating: 1, count: k)
        var stdErr = [Double](repeating: 0, count: k)
        switch variance {
        case .greenwood, .automatic:
            var km = 1.0, v = 0.0
            for j in 0..<k {
                if eventCount[j] > 0 && events[j] > 0 {
                    let n = atRisk[j], d = events[j]
                    km *= (n - d) / n
                    v += d / (n * (n - d))
                }
                survival[j] = km
                stdErr[j] = v.squareRoot()
            }
        case .infinitesimalJackknife:
            let m = order.count
            var influence = [Double](repeating: 0, count: m)   // by position in `order`
            var atRiskWeight = order.map { s.weights[$0] }    // w while at risk, 0 after
            var km = 1.0, v = 0.0
            var position = 0
            for j in 0..<k {
                let n = atRisk[j]
                if eventCount[j] > 0 && events[j] > 0 {
                    let hazard = events[j] / n
                    for p in 0..<m {
                        influence[p] = influence[p] * (1 - hazard) + atRiskWeight[p] * km * hazard / n
                    }
                    while position < m && s.time[order[position]] == times[j] {
                        let i = order[position]
                        if s.event[i] { influence[position] -= km * s.weights[i] / n }
                        atRiskWeight[position] = 0
                        position += 1
                    }
                    km *= 1 - hazard
                    v = 0
                    for p in 0..<m { v += influence[p] * influence[p] }
                } else {
                    while position < m && s.time[order[position]] == times[j] {
                        atRiskWeight[position] = 0
                        position += 1
                    }
                }
                survival[j] = km
                stdErr[j] = v.squareRoot()
            }
        }
        return KaplanMeierCurve(time: times, atRisk: atRisk, events: events, censored: censored,
                                survival: survival, standardError: stdErr,
                                variance: variance == .automatic ? .greenwood : variance)
    }
}

/// The log-rank test of equal survival in the two groups, unweighted, on the units with
/// positive weight: R's `survival::survdiff(Surv(time, event) ~ treat)` (`rho = 0`).
///
/// At each distinct event time with `n` at risk (`n_T` treated) and `d` events:
/// `E_T += d n_T/n`, `V += d (n_T/n)(1 − n_T/n)(n − d)/(n − 1)` (when `n > 1`); the statistic is
/// `χ² = (O_T − E_T)²/V` on 1 degree of freedom, `p = P(χ²₁ > χ²)`.
public struct LogRankTest: Sendable, Equatable {
    /// Units per group.
    public let treatedUnits: Int
    public let comparisonUnits: Int
    /// Observed and expected events per group.
    public let treatedObserved: Double
    public let treatedExpected: Double
    public let comparisonObserved: Double
    public let comparisonExpected: Double
    /// Variance of `O_T − E_T`.
    public let variance: Double
    /// `χ²`.
    public let statistic: Double
    public let degreesOfFreedom: Double
    public let pValue: Double

    /// - Throws: `emptyGroup`; `noEvents` when there is no event at all; `zeroVariance` when the
    ///   variance is 0 (for example every event happens when a single unit is at risk).
    public init(_ sample: SurvivalSample) throws {
        var nT = 0, nC = 0
        for a in sample.treated { if a { nT += 1 } else { nC += 1 } }
        if nT == 0 { throw OutcomesError.emptyGroup(.treated) }
        if nC == 0 { throw OutcomesError.emptyGroup(.comparison) }
        guard sample.event.contains(true) else { throw OutcomesError.noEvents("no unit in the matched sample has the event") }
        let order = (0..<sample.count).sorted { (sample.time[$0], $0) < (sample.time[$1], $1) }
        // Backward over distinct times, as survdiff's C code.
        var riskT = 0.0, risk = 0.0
        var observedT = 0.0, observedC = 0.0, expectedT = 0.0, expectedC = 0.0, v = 0.0
        var i = order.count - 1
        while i >= 0 {
            let t = sample.time[order[i]]
            var deaths = 0.0
            while i >= 0 && sample.time[order[i]] == t {
                let u = order[i]
                risk += 1
                if sample.treated[u] { riskT += 1 }
                if sample.event[u] {
                    deaths += 1
                    if sample.treated[u] { observedT += 1 } else { observedC += 1 }
                }
                i -= 1
            }
            if deaths > 0 {
                expectedT += deaths * riskT / risk
                expectedC += deaths * (risk - riskT) / risk
                if risk > 1 {
                    v += deaths * (riskT / risk) * (1 - riskT / risk) * (risk - deaths) / (risk - 1)
                }
            }
        }
        guard v > 0 else { throw OutcomesError.zeroVariance("log-rank test") }
        treatedUnits = nT; comparisonUnits = nC
        treatedObserved = observedT; treatedExpected = expectedT
        comparisonObserved = observedC; comparisonExpected = expectedC
        variance = v
        let diff = observedT - expectedT
        statistic = diff * diff / v
        degreesOfFreedom = 1
        pValue = ChiSquare.survival(statistic, degreesOfFreedom: 1)
    }
}
