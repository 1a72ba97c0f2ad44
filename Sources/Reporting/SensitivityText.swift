import Contracts
import Outcomes
import Sensitivity
import TextFormatting

/// The sensitivity results of a cohort as evaluation.json members, each with one plain-language
/// sentence (shared by evaluation.json, report.html and the terminal summary).
enum SensitivityText {
    typealias Document = EvaluationDocument

    /// The Gamma as written in sentences: two decimals, "more than 1,000,000" at the search's end.
    static func gamma(_ g: Double) -> String {
        g >= HiddenBias.largestGamma ? "more than \(grouped(Int(HiddenBias.largestGamma)))" : formatFixed(g, decimals: 2)
    }

    static func rosenbaum(_ s: MatchedOutcomeSensitivity) -> Document.RosenbaumSensitivity {
        let bounds = s.test.bounds
        let p = bounds.bound(gamma: 1).upper
        let statistic: Double
        switch s.test {
        case .signTest(let b): statistic = Double(b.favourable)
        case .signedRank(let b): statistic = b.statistic
        case .matchedSets(let b): statistic = b.statistic
        }
        let units = s.pairs == s.sets ? "\(grouped(s.sets)) matched pairs" : "\(grouped(s.sets)) matched sets"
        let level = formatFixed(s.oneSidedLevel, decimals: 3)
        let statement: String
        switch s.critical {
        case .notSignificant:
            statement = "No unobserved factor is needed to explain away the reduction: it is not significant even without hidden bias "
                + "(one-sided p = \(formatFixed(p, decimals: 4)) by the \(s.test.name) on \(units), against \(level))."
        case .value(let g), .beyond(let g):
            statement = "An unobserved factor would have to make people \(gamma(g)) times more likely (in odds) to be in the treatment group "
                + "than the comparison people matched to them to explain away the reduction: below that, the \(s.test.name) on \(units) "
                + "stays significant (one-sided p below \(level))."
        }
        return .init(test: s.test.name, matchedSets: s.sets, pairs: s.pairs, statistic: statistic, oneSidedLevel: s.oneSidedLevel,
                     pValue: p, criticalGamma: s.critical.gamma, criticalGammaTolerance: HiddenBias.criticalGammaTolerance,
                     grid: s.grid.map { .init(gamma: $0.gamma, pLower: $0.lower, pUpper: $0.upper) },
                     statement: statement,
                     method: "Rosenbaum bounds (Rosenbaum 2002, Observational Studies, ch. 4) for the \(s.test.name), one-sided towards "
                        + "a reduction, normal approximation for rank tests, exact binomial for the sign test (as R rbounds, "
                        + "with P(X >= d); docs/inference.md); critical Gamma by bisection")
    }

    /// The Hodges-Lehmann range as evaluation.json's `hodges_lehmann`, with its sentence at the
    /// grid's last Gamma.
    static func hodgesLehmann(_ r: HodgesLehmannRange, test: MatchedOutcomeSensitivity, measure: ContractPlan.Measure) -> Document.HodgesLehmannSensitivity {
        let units = measure.isBinary ? "people proven to reoffend per person" : "reconviction events per person"
        let last = r.grid.last ?? .init(gamma: 1, lower: r.estimate, upper: r.estimate)
        func number(_ x: Double) -> String { formatFixed(x, decimals: 2) }
        let statement = "Under hidden bias up to Gamma = \(gamma(last.gamma)) the Hodges-Lehmann estimate of the reduction in \(units) "
            + "(comparison minus treatment, on \(grouped(test.pairs)) matched pairs) lies between \(number(last.lower)) and \(number(last.upper)); "
            + "without hidden bias it is \(number(r.estimate))."
        return .init(pairs: test.pairs, estimate: r.estimate,
                     grid: r.grid.map { .init(gamma: $0.gamma, lower: $0.lower, upper: $0.upper) }, statement: statement,
                     method: "Hodges-Lehmann point estimate bounds (Rosenbaum 1993, JASA 88:1250; Rosenbaum 2002, Observational Studies, "
                        + "section 4.3.5) from the Wilcoxon signed-rank statistic of the pair differences: the exact crossings of the "
                        + "statistic with its expectation bounds at each Gamma, from the ordered Walsh averages (as R rbounds::hlsens, "
                        + "without its search grid; docs/inference.md)")
    }

    static func eValue(_ e: EValue, test: LogRatioWaldTest, measure: ContractPlan.Measure) -> Document.EValueSensitivity {
        let limit = e.confidenceLimit ?? 1
        let level = formatLevel(test.confidenceLevel)
        let ratioName = measure.isBinary ? "risk ratio" : "rate ratio"
        let e2 = formatFixed(e.point, decimals: 2)
        let outcome: String
        switch (measure.isBinary, e.riskRatio < 1) {
        case (true, true): outcome = "\(e2) times less likely to reoffend"
        case (true, false): outcome = "\(e2) times more likely to reoffend"
        case (false, true): outcome = "lower their rate of reconviction events \(e2)-fold"
        case (false, false): outcome = "raise their rate of reconviction events \(e2)-fold"
        }
        var statement = "An unobserved factor would have to make people \(e2) times more likely to be in the treatment group and "
            + "\(outcome), over and above the matched characteristics, to explain away the \(ratioName) of \(formatFixed(e.riskRatio, decimals: 3))"
        statement += limit > 1
            ? "; \(formatFixed(limit, decimals: 2)) times each to make its \(level)% interval include no change."
            : "; its \(level)% interval already includes no change."
        return .init(rateRatio: e.riskRatio, lower: test.rateRatioLower, upper: test.rateRatioUpper, level: test.confidenceLevel,
                     point: e.point, confidenceLimit: limit, statement: statement,
                     method: "E-value (VanderWeele & Ding 2017) of the rate ratio taken as a risk ratio, E = RR + sqrt(RR (RR - 1)) "
                        + "after RR -> 1/RR below 1, as R EValue::evalues.RR")
    }

    static func document(_ c: CohortEvaluation, measure: ContractPlan.Measure) -> Document.Sensitivity {
        let r: Estimable<Document.RosenbaumSensitivity> = Estimable(c.hiddenBias) { rosenbaum($0) }
        let e: Estimable<Document.EValueSensitivity>
        switch (c.eValue, c.rateRatio) {
        case (.success(let v), .success(let rr)): e = .estimated(eValue(v, test: rr.test, measure: measure))
        case (.failure(let f), _): e = .notEstimable(reason: f.reason)
        case (_, .failure(let f)): e = .notEstimable(reason: f.reason)
        }
        let h: Estimable<Document.HodgesLehmannSensitivity>
        switch c.hiddenBias {
        case .success(let s):
            h = Estimable(s.hodgesLehmann) { hodgesLehmann($0, test: s, measure: measure) }
        case .failure(let f):
            h = .notEstimable(reason: f.reason)
        }
        return .init(rosenbaum: r, eValue: e, hodgesLehmann: h)
    }
}
