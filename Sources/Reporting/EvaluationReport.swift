import Balance
import CohortData
import Contracts
import Crypto
import Foundation
import Matching
import Outcomes
import PaymentRules
import Propensity

/// SHA-256 of a file, as lowercase hex (streamed, so any size).
public func sha256(ofFile path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
        throw ReportWriteError(path: path, reason: "cannot open the file to hash it")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 22), !chunk.isEmpty { hasher.update(data: chunk) }
    return hasher.finalize().map { b in
        let s = String(b, radix: 16)
        return b < 16 ? "0" + s : s
    }.joined()
}

/// The evaluation as JSON and as readable text.
public struct EvaluationReport {
    public var evaluation: Evaluation
    public var programVersion: String
    public var planPath: String
    /// (role, path, sha256, rows) of each input file.
    public var inputs: [(role: String, path: String, sha256: String, rows: Int)]

    public init(evaluation: Evaluation, programVersion: String, planPath: String) throws {
        self.evaluation = evaluation
        self.programVersion = programVersion
        self.planPath = planPath
        let plan = evaluation.plan
        let cohort = plan.resolve(plan.data.cohort), events = plan.resolve(plan.data.events)
        inputs = [
            ("plan", planPath, try sha256(ofFile: planPath), 0),
            ("cohort", cohort, try sha256(ofFile: cohort), evaluation.cohortRowsRead),
            ("events", events, try sha256(ofFile: events), evaluation.eventRowsRead),
        ]
    }

    // MARK: JSON

    static func estimate(_ e: Estimate, method: String) -> JSONValue {
        .object([
            ("estimate", .number(e.estimate)), ("standard_error", .number(e.standardError)),
            ("statistic", .number(e.statistic)), ("p_value", .number(e.pValue)),
            ("lower", .number(e.lower)), ("upper", .number(e.upper)), ("level", .number(e.level)),
            ("method", .string(method)),
        ])
    }

    static func notEstimable<T>(_ r: Result<T, NotEstimable>?, _ body: (T) -> JSONValue) -> JSONValue {
        switch r {
        case .none: return .null
        case .success(let v)?: return body(v)
        case .failure(let e)?: return .object([("not_estimable", .string(e.reason))])
        }
    }

    static func rateRatio(_ fit: CountModelFit, _ family: String) -> JSONValue {
        func one(_ estimator: VarianceEstimator, _ label: String) -> JSONValue {
            let rr = fit.rateRatio(estimator)
            return .object([("rate_ratio", .number(rr.estimate)), ("lower", .number(rr.lower)), ("upper", .number(rr.upper)),
                            ("p_value", .number(rr.pValue)), ("relative_reduction", .number(rr.relativeReduction.estimate)),
                            ("method", .string(label))])
        }
        var members: [(String, JSONValue)] = [
            ("model_based", one(.modelBased, "\(family) GLM y ~ treat with matching weights, Wald")),
            ("cluster_robust", one(.clusterRobust, "\(family) GLM, sandwich::vcovCL by matched set (HC0, G/(G-1))")),
            ("iterations", .int(fit.iterations)),
        ]
        if let theta = fit.theta { members.append(("theta", .number(theta))) }
        return .object(members)
    }

    func cohortJSON(_ c: CohortEvaluation, payment: CohortDecision) -> JSONValue {
        let plan = evaluation.plan
        let counts = c.match.matchedCounts
        let balance = zip(c.balance.all, c.balance.matched).map { b, a -> JSONValue in
            .object([("covariate", .string(b.name)), ("smd_before", .number(b.standardizedMeanDifference)),
                      ("smd_after", .number(a.standardizedMeanDifference)), ("variance_ratio_after", .number(a.varianceRatio)),
                      ("ecdf_max_after", .number(a.ecdfMax))])
        }
        let maxSMD = c.balance.matched.dropFirst().compactMap { $0.standardizedMeanDifference.map(abs) }.max() ?? 0
        let lmRobust = c.linearModel.coefficients(.clusterRobust).treatment
        let lmModel = c.linearModel.coefficients(.modelBased).treatment
        let significant = c.pValue <= plan.terms.significanceLevel
        let survival: JSONValue = {
            switch c.survival {
            case .failure(let e): return .object([("not_estimable", .string(e.reason))])
            case .success(let curves):
                func curve(_ k: KaplanMeierCurve) -> JSONValue {
                    .object([("time", .array(k.time.map { JSONValue.number($0) })),
                              ("survival", .array(k.survival.map { JSONValue.number($0) })),
                              ("at_risk", .array(k.atRisk.map { JSONValue.number($0) })),
                              ("standard_error", .array(k.survivalStandardError.map { JSONValue.number($0) }))])
                }
                return .object([("treated", curve(curves.treated)), ("comparison", curve(curves.comparison))])
            }
        }()
        return .object([
            ("name", .string(c.cohort.name)),
            ("selection", .string(c.cohort.selection.description)),
            ("treated_in_cohort", .int(c.treatedInCohort)), ("comparison_pool", .int(c.comparisonPool)),
            ("rows_excluded_missing", .int(c.exclusions.rowsDroppedForMissing)),
            ("propensity", .object([
                ("link", .string(c.fit.link.rawValue)),
                ("coefficients", .object(c.fit.coefficients.map { ($0.name, .number($0.estimate)) })),
                ("standard_errors", .object(c.fit.coefficients.map { ($0.name, .number($0.standardError)) })),
                ("deviance", .number(c.fit.deviance)), ("aic", .number(c.fit.aic)), ("iterations", .int(c.fit.iterations)),
            ])),
            ("matching", .object([
                ("matched_treated", .int(counts.treated)), ("matched_comparison", .int(counts.control)),
                ("caliper_width", .number(c.match.caliperWidth)), ("order", .string(c.match.order.rawValue)),
                ("discarded", .int(c.match.discarded.filter { $0 }.count)),
                ("warnings", .array(c.match.warnings.map(JSONValue.string))),
                ("max_abs_smd_after", .number(maxSMD)),
                ("balance", .array(balance)),
                ("common_support", distanceHistogram(distance: c.match.distance, treated: c.match.treated, weights: c.match.weights)),
            ])),
            ("measure", .object([
                ("name", .string(plan.outcome.measure.rawValue)),
                ("treated_rate", .number(c.rates.treatedMean)), ("comparison_rate", .number(c.rates.comparisonMean)),
                ("treated_per_100", .number(c.rates.treatedPer100)), ("comparison_per_100", .number(c.rates.comparisonPer100)),
                ("difference", .number(c.rates.difference)), ("difference_per_100", .number(c.rates.differencePer100)),
                ("relative_reduction", .number(payment.reduction.map { Double($0) })),
                ("treated_people", .int(c.rates.treatedUnits)), ("comparison_people", .int(c.rates.comparisonUnits)),
            ])),
            ("inference", .object([
                ("difference_cluster_robust", Self.estimate(lmRobust, method: "lm(y ~ treat, weights) with sandwich::vcovCL by matched set (HC1), t on residual df")),
                ("difference_model_based", Self.estimate(lmModel, method: "lm(y ~ treat, weights), classical standard error")),
                ("relative_reduction", Self.estimate(c.relativeReduction, method: "delta method on the cluster-robust lm: -b1/b0")),
                ("welch_t_test", Self.notEstimable(c.welch) { w in
                    .object([("difference", .number(w.difference)), ("statistic", .number(w.statistic)), ("df", .number(w.degreesOfFreedom)),
                             ("p_value", .number(w.pValue)), ("lower", .number(w.lower)), ("upper", .number(w.upper)),
                             ("method", .string("Welch two-sample t test on matched units (unweighted), as R t.test"))])
                }),
                ("poisson", Self.notEstimable(c.poisson) { Self.rateRatio($0, "Poisson") }),
                ("negative_binomial", Self.notEstimable(c.negativeBinomial) { Self.rateRatio($0, "Negative binomial (MASS::glm.nb)") }),
                ("proportion_test", Self.notEstimable(c.proportion) { p in
                    .object([("treated", .number(p.treatedProportion)), ("comparison", .number(p.comparisonProportion)),
                             ("statistic", .number(p.statistic)), ("p_value", .number(p.pValue)),
                             ("method", .string("prop.test with continuity correction"))])
                }),
                ("bootstrap", Self.notEstimable(c.bootstrap) { b in
                    .object([("replicates", .int(b.replicates)), ("seed", .string(String(b.seed))),
                             ("relative_reduction_lower", .number(b.relativeReduction.lower)),
                             ("relative_reduction_upper", .number(b.relativeReduction.upper)),
                             ("relative_reduction_se", .number(b.relativeReduction.standardError)),
                             ("difference_lower", .number(b.difference.lower)), ("difference_upper", .number(b.difference.upper)),
                             ("invalid_replicates", .int(b.relativeReduction.invalidReplicates)),
                             ("method", .string("cluster bootstrap of matched sets, percentile interval"))])
                }),
            ])),
            ("time_to_first_reoffence", .object([
                ("withheld", c.timeToReoffenceWithheld.map(JSONValue.string) ?? .null),
                ("reoffenders_treated", .int(c.reoffenders.treated)), ("reoffenders_comparison", .int(c.reoffenders.comparison)),
                ("log_rank", Self.notEstimable(c.logRank) { l in
                    .object([("statistic", .number(l.statistic)), ("df", .number(l.degreesOfFreedom)), ("p_value", .number(l.pValue)),
                             ("treated_observed", .number(l.treatedObserved)), ("treated_expected", .number(l.treatedExpected))])
                }),
                ("kaplan_meier", survival),
            ])),
            ("justice_data_lab", .object([
                ("headline_withheld", c.headlineWithheld.map(JSONValue.string) ?? .null),
                ("significant", .bool(significant)), ("significance_level", .number(plan.terms.significanceLevel)),
                ("statement", .string(statement(c, significant: significant))),
            ])),
            ("trigger", .object([
                ("threshold", .number(Double(plan.terms.cohortThreshold))), ("met", .bool(payment.triggerMet)),
                ("p_value", .number(c.pValue)), ("significance_required", .bool(plan.terms.requireSignificance)),
            ])),
            ("payment", .object([
                ("events_avoided", .number(Double(payment.eventsAvoided))), ("route", .string(payment.route.description)),
                ("events_counted", .number(Double(payment.eventsCounted))),
                ("own_entitlement_pence", .int(payment.ownEntitlement.pence)),
                ("pooled_adjustment_pence", .int(payment.pooledAdjustment.pence)),
                ("entitlement_pence", .int(payment.entitlement.pence)), ("paid_before_pence", .int(payment.paidBefore.pence)),
                ("withheld_by_cohort_cap_pence", .int(payment.withheldByCohortCap.pence)),
                ("overpaid_pence", .int(payment.overpaid.pence)),
                ("offset_for_overpayments_pence", .int(payment.offsetForOverpayments.pence)),
                ("withheld_by_total_cap_pence", .int(payment.withheldByTotalCap.pence)),
                ("due_pence", .int(payment.due.pence)),
            ])),
        ])
    }

    /// The Justice Data Lab style sentence for a cohort.
    func statement(_ c: CohortEvaluation, significant: Bool) -> String {
        if let reason = c.headlineWithheld { return "Result withheld: \(reason)." }
        let measure = evaluation.plan.outcome.measure
        let t = formatFixed(c.rates.treatedPer100, decimals: 0), k = formatFixed(c.rates.comparisonPer100, decimals: 0)
        let ci = c.linearModel.coefficients(.clusterRobust).treatment
        // Interval for "fewer per 100 people" (a reduction is a negative difference).
        let fewerLow = -ci.upper * 100, fewerHigh = -ci.lower * 100
        let range = fewerLow < 0
            ? "from \(formatFixed(-fewerLow, decimals: 0)) more to \(formatFixed(fewerHigh, decimals: 0)) fewer"
            : "between \(formatFixed(fewerLow, decimals: 0)) and \(formatFixed(fewerHigh, decimals: 0)) fewer"
        let what = measure == .reconvictionEvents ? "reconviction events" : "people proven to reoffend"
        var s = "For every 100 people in \(c.cohort.name), there were \(t) \(what) within a year, compared with \(k) "
        s += "for every 100 similar people in the comparison group. "
        let level = Int((evaluation.plan.reporting.confidenceLevel * 100).rounded())
        s += significant
            ? "The difference is statistically significant: the programme changed \(what) by \(range) per 100 people (\(level)% confidence interval)."
            : "The difference is not statistically significant: the \(level)% confidence interval, \(range) per 100 people, includes no change."
        return s
    }

    public func json() -> JSONValue {
        let plan = evaluation.plan
        let d = evaluation.derivation
        let cohorts = zip(evaluation.cohorts, evaluation.decision.cohorts).map { cohortJSON($0, payment: $1) }
        return .object([
            ("program", .object([("name", .string("counterfactual")), ("version", .string(programVersion))])),
            ("plan", .object([("name", .string(plan.name)), ("file", .string(planPath)), ("toml", .string(plan.source))])),
            ("inputs", .array(inputs.map { i in
                .object([("role", .string(i.role)), ("file", .string(i.path)), ("sha256", .string(i.sha256)), ("rows", .int(i.rows))])
            })),
            ("seeds", .object([("matching_order", .string(String(plan.matching.seed))), ("bootstrap", .string(String(plan.reporting.seed)))])),
            ("outcome", .object([
                ("measure", .string(plan.outcome.measure.rawValue)), ("follow_up_months", .int(plan.outcome.followUpMonths)),
                ("court_lag_months", .int(plan.outcome.courtLagMonths)), ("count_cautions", .bool(plan.outcome.countCautions)),
                ("records", .int(d.records)), ("offence_before_release", .int(d.offenceBeforeRelease)),
                ("offence_after_follow_up", .int(d.offenceAfterFollowUp)), ("proven_after_court_lag", .int(d.provenAfterCourtLag)),
                ("cautions_in_window", .int(d.cautionsInWindow)), ("qualifying_offences", .int(d.qualifyingOffences)),
                ("reconviction_events", .int(d.reconvictionEvents)), ("reoffenders", .int(d.reoffenders)),
            ])),
            ("rows_outside_cohorts", .int(evaluation.rowsOutsideCohorts)),
            ("cohorts", .array(cohorts)),
            ("pooled", .object([
                ("reduction", .number(evaluation.decision.pooled.reduction.map { Double($0) })),
                ("standard_error", .number(evaluation.pooledTest?.standardError)),
                ("p_value", .number(evaluation.pooledTest?.pValue)),
                ("test", .string("Wald test of the size-weighted mean of the cohort reductions (cohorts independent; delta-method SEs)")),
                ("weights", .string("cohort-size-weighted mean of cohort reductions (size = matched treated people)")),
                ("threshold", .number(Double(plan.terms.pooledThreshold))), ("met", .bool(evaluation.decision.pooled.met)),
                ("final_assessment", .bool(plan.terms.finalAssessment)),
                ("withheld_for_balance", .bool(evaluation.decision.pooled.withheldForBalance)),
                ("events_avoided", .number(Double(evaluation.decision.pooled.eventsAvoided))),
                ("settlement_entitlement_pence", evaluation.decision.pooled.settlementEntitlement.map { .int($0.pence) } ?? .null),
            ])),
            ("payments", .object([
                ("currency", .string(plan.terms.currency.code)),
                ("settlement", .string(plan.terms.settlement.rawValue)), ("payment_base", .string(plan.terms.paymentBase.rawValue)),
                ("price_per_event_pence", .int(plan.terms.pricePerEvent.pence)),
                ("cap_per_cohort_pence", plan.terms.capPerCohort.map { .int($0.pence) } ?? .null),
                ("cap_total_pence", plan.terms.capTotal.map { .int($0.pence) } ?? .null),
                ("catch_up", .bool(plan.terms.catchUp)),
                ("max_abs_smd", .number(plan.terms.maxAbsSMD)),
                ("rounding", .string("price x events avoided rounded down to a whole penny, once per entitlement")),
                ("events_paid_for", .number(Double(evaluation.decision.totals.eventsPaidFor))),
                ("total_entitlement_pence", .int(evaluation.decision.totals.entitlement.pence)),
                ("total_paid_before_pence", .int(evaluation.decision.totals.paidBefore.pence)),
                ("total_withheld_by_caps_pence",
                 .int(evaluation.decision.totals.withheldByCohortCap.pence + evaluation.decision.totals.withheldByTotalCap.pence)),
                ("total_due_pence", .int(evaluation.decision.totals.due.pence)),
            ])),
        ])
    }

    // MARK: text

    public func text() -> String {
        let plan = evaluation.plan
        var out = "counterfactual evaluate: \(plan.name)\n"
        let d = evaluation.derivation
        out += "Records: \(evaluation.cohortRowsRead) people, \(d.records) offences; excluded: \(d.offenceBeforeRelease) before release, "
        out += "\(d.offenceAfterFollowUp) after the \(plan.outcome.followUpMonths)-month follow-up, \(d.provenAfterCourtLag) proven after the "
        out += "\(plan.outcome.courtLagMonths)-month court lag, \(d.cautionsInWindow) cautions; \(d.reconvictionEvents) reconviction events counted.\n"
        if evaluation.rowsOutsideCohorts > 0 {
            out += "\(evaluation.rowsOutsideCohorts) people were released outside every cohort's dates and are not evaluated.\n"
        }
        var rows: [[String]] = []
        for (c, p) in zip(evaluation.cohorts, evaluation.decision.cohorts) {
            let counts = c.match.matchedCounts
            let rr = c.relativeReduction
            rows.append([c.cohort.name, "\(counts.treated)/\(counts.control)",
                         formatFixed(c.rates.treatedPer100, decimals: 1), formatFixed(c.rates.comparisonPer100, decimals: 1),
                         p.reduction.map { formatFixed(100 * Double($0), decimals: 1) + "%" } ?? "-",
                         formatFixed(100 * rr.lower, decimals: 1) + "% to " + formatFixed(100 * rr.upper, decimals: 1) + "%",
                         formatFixed(c.pValue, decimals: 4), p.triggerMet ? "yes" : "no", p.route.description,
                         p.due.description])
        }
        out += "\n" + TextTable(header: ["Cohort", "Matched T/C", "T per 100", "C per 100", "Reduction", "95% CI", "p", "Trigger", "Paid by", "Due"],
                                rows: rows).render()
        let dec = evaluation.decision
        let pooledText = dec.pooled.reduction.map { formatFixed(100 * Double($0), decimals: 2) + "%" } ?? "undefined"
        out += "Pooled reduction \(pooledText) (threshold \(formatFixed(100 * Double(plan.terms.pooledThreshold), decimals: 1))%): "
        out += dec.pooled.met ? "met" : "not met"
        out += plan.terms.finalAssessment ? "" : " (interim assessment: pooled trigger not applied)"
        out += dec.pooled.withheldForBalance ? " (withheld: a cohort failed the balance gate)" : ""
        let t = dec.totals
        out += ". Settlement \(plan.terms.settlement.rawValue). Entitlement \(t.entitlement), paid before \(t.paidBefore), "
        out += "withheld by caps \(t.withheldByCohortCap + t.withheldByTotalCap). Total due: \(t.due).\n\n"
        for c in evaluation.cohorts {
            out += statement(c, significant: c.pValue <= plan.terms.significanceLevel) + "\n"
            if let w = c.timeToReoffenceWithheld { out += "  Time to first reoffence withheld: \(w).\n" }
        }
        out += "(Reduction = 1 - treated/comparison; CI by the delta method on a regression with matched-set cluster-robust errors; "
        out += "p = cluster-robust test of the difference.)\n"
        return out
    }
}
