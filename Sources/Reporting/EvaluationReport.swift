import Balance
import CohortData
import Contracts
import Foundation
import MatchedComparison
import Matching
import Outcomes
import PaymentRules
import Propensity
import TextFormatting

/// The evaluation as JSON and as readable text.
public struct EvaluationReport {
    public var evaluation: Evaluation
    public var programVersion: String
    public var planPath: String
    /// (role, path, sha256, rows) of each input file.
    public var inputs: [(role: String, path: String, sha256: String, rows: Int)]

    /// - Parameter matchedStage: the frozen `matching.json` the outcomes were scored on, if any.
    public init(evaluation: Evaluation, programVersion: String, planPath: String, matchedStage: String? = nil) throws {
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
        if let matchedStage { inputs.append(("matched", matchedStage, try sha256(ofFile: matchedStage), 0)) }
    }

    // MARK: evaluation.json

    typealias Document = EvaluationDocument

    /// The replica's document: each measure with non-finite numbers written as null.
    static func replicaDocument(_ result: Result<JusticeDataLabReplica, NotEstimable>, quality: [StandardisedDifference]?,
                                significanceLevel: Double) -> Document.JDLReplica {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        return Document.JDLReplica(
            significanceLevel: significanceLevel,
            method: "weighted two-sample z test of the difference in weighted means (HC0 sandwich variance of each mean); "
                + "rate and frequency per 100 people, time in days among reoffenders",
            measures: Estimable(result) { r in
                r.measures.map { m in
                    Document.JDLMeasure(
                        measure: m.kind.rawValue, treatedPeople: m.treatedPeople, comparisonPeople: m.comparisonPeople,
                        treated: finite(m.treated), comparison: finite(m.comparison), difference: finite(m.difference),
                        lower: finite(m.lower), upper: finite(m.upper), standardError: finite(m.standardError),
                        pValue: finite(m.pValue), significant: m.significant, withheld: m.withheld, sentence: m.sentence)
                }
            },
            matchQuality: (quality ?? []).map {
                Document.JDLStandardisedDifference(covariate: $0.covariate, before: $0.before, after: $0.after, grade: $0.grade.rawValue)
            })
    }

    static func estimate(_ e: Estimate, method: String) -> Document.Estimate {
        .init(estimate: e.estimate, standardError: e.standardError, statistic: e.statistic, pValue: e.pValue,
              lower: e.lower, upper: e.upper, level: e.level, method: method)
    }

    static func reductionTest(_ t: LogRatioWaldTest, rateRatio: Double, method: String) -> Document.ReductionTest {
        .init(reduction: 1 - rateRatio, rateRatio: rateRatio, logRateRatio: t.logRatio, standardError: t.standardError,
              statistic: t.statistic, pValue: t.pValue, lower: t.reductionLower, upper: t.reductionUpper,
              level: t.confidenceLevel, significant: t.isSignificant, method: method)
    }

    /// How the sample's clusters were formed, for method descriptions: matched sets (nearest
    /// neighbour without replacement), subclasses (exact, cem, subclass), or each unit alone.
    static func clusterWords(_ m: MatchResult) -> String {
        guard m.clusters != nil else { return "by unit" }
        return m.weightBasis == .matchedSets ? "by matched set" : "by subclass"
    }

    static func rateRatios(_ fit: CountModelFit, _ family: String, clusters: String = "by matched set") -> Document.RateRatioModels {
        func one(_ estimator: VarianceEstimator, _ label: String) -> Document.RateRatio {
            let rr = fit.rateRatio(estimator)
            return .init(rateRatio: rr.estimate, lower: rr.lower, upper: rr.upper, pValue: rr.pValue,
                         relativeReduction: rr.relativeReduction.estimate, method: label)
        }
        return .init(
            modelBased: one(.modelBased, "\(family) GLM y ~ treat with matching weights, Wald"),
            clusterRobust: one(.clusterRobust, "\(family) GLM, sandwich::vcovCL \(clusters) (HC0, G/(G-1))"),
            iterations: fit.iterations, theta: fit.theta)
    }

    func cohortDocument(_ c: CohortEvaluation, payment: CohortDecision, index: Int) -> Document.Cohort {
        let plan = evaluation.plan
        let counts = c.match.matchedCounts
        let balance = zip(c.balance.all, c.balance.matched).map { b, a in
            Document.BalanceRow(covariate: b.name, smdBefore: b.standardizedMeanDifference, smdAfter: a.standardizedMeanDifference,
                                varianceRatioAfter: a.varianceRatio, ecdfMaxAfter: a.ecdfMax,
                                meanTreatedBefore: b.meanTreated, meanControlBefore: b.meanControl,
                                meanTreatedAfter: a.meanTreated, meanControlAfter: a.meanControl,
                                varianceRatioBefore: b.varianceRatio, ecdfMeanBefore: b.ecdfMean,
                                ecdfMeanAfter: a.ecdfMean, ecdfMaxBefore: b.ecdfMax)
        }
        let maxSMD = c.balance.matched.dropFirst().compactMap { $0.standardizedMeanDifference.map(abs) }.max() ?? 0
        let significant = c.significant
        func curve(_ k: KaplanMeierCurve) -> Document.KaplanMeierCurve {
            .init(time: k.time, survival: k.survival, atRisk: k.atRisk, standardError: k.survivalStandardError)
        }
        return Document.Cohort(
            name: c.cohort.name,
            selection: c.cohort.selection.description,
            treatedInCohort: c.treatedInCohort, comparisonPool: c.comparisonPool,
            rowsExcludedMissing: c.exclusions.rowsDroppedForMissing,
            excludedUntraced: evaluation.assignment.untraced[index],
            excludedFollowUpIncomplete: evaluation.assignment.followUpIncomplete[index],
            propensity: c.comparison.fit.map { fit in
                .init(link: fit.link.rawValue,
                      coefficients: NamedValues(fit.coefficients.map { ($0.name, $0.estimate) }),
                      standardErrors: NamedValues(fit.coefficients.map { ($0.name, $0.standardError) }),
                      deviance: fit.deviance, aic: fit.aic, iterations: fit.iterations)
            },
            matching: .init(
                matchedTreated: counts.treated, matchedComparison: counts.control,
                caliperWidth: c.match.caliperWidth, order: c.match.order.rawValue,
                discarded: c.match.discarded.filter { $0 }.count, warnings: c.match.warnings,
                maxAbsSmdAfter: maxSMD, balance: balance,
                commonSupport: distanceHistogram(distance: c.match.distance, treated: c.match.treated, weights: c.match.weights)),
            measure: .init(
                name: plan.outcome.measure.rawValue,
                treatedRate: c.rates.treatedMean, comparisonRate: c.rates.comparisonMean,
                treatedPer100: c.rates.treatedPer100, comparisonPer100: c.rates.comparisonPer100,
                difference: c.rates.difference, differencePer100: c.rates.differencePer100,
                relativeReduction: payment.reduction.map { Double($0) },
                treatedPeople: c.rates.treatedUnits, comparisonPeople: c.rates.comparisonUnits),
            inference: .init(
                differenceClusterRobust: Self.estimate(c.linearModel.coefficients(.clusterRobust).treatment,
                    method: "lm(y ~ treat, weights) with sandwich::vcovCL \(c.match.setsOverlap ? "by matched set and unit (two-way)" : Self.clusterWords(c.match)) (HC1), t on residual df"),
                differenceModelBased: Self.estimate(c.linearModel.coefficients(.modelBased).treatment,
                    method: "lm(y ~ treat, weights), classical standard error"),
                relativeReduction: Estimable(c.rateRatio) { r in
                    Self.reductionTest(r.test, rateRatio: r.rateRatio,
                        method: "Wald test of log(treated mean / comparison mean) from the lm's cluster-robust covariance (delta method), z, interval exp(log RR ± z SE)")
                },
                welchTTest: Estimable(c.welch) { w in
                    .init(difference: w.difference, statistic: w.statistic, df: w.degreesOfFreedom, pValue: w.pValue,
                          lower: w.lower, upper: w.upper, method: "Welch two-sample t test on matched units (unweighted), as R t.test")
                },
                poisson: Estimable(c.poisson) { Self.rateRatios($0, "Poisson", clusters: Self.clusterWords(c.match)) },
                negativeBinomial: Estimable(c.negativeBinomial) {
                    Self.rateRatios($0, "Negative binomial (MASS::glm.nb)", clusters: Self.clusterWords(c.match))
                },
                proportionTest: c.proportion.map { result in
                    Estimable(result) { p in
                        .init(treated: p.treatedProportion, comparison: p.comparisonProportion, statistic: p.statistic,
                              pValue: p.pValue, method: "prop.test with continuity correction")
                    }
                },
                bootstrap: c.bootstrap.map { result in
                    Estimable(result) { b in
                        .init(replicates: b.replicates, seed: String(b.seed),
                              relativeReductionLower: b.relativeReduction.lower, relativeReductionUpper: b.relativeReduction.upper,
                              relativeReductionSe: b.relativeReduction.standardError,
                              differenceLower: b.difference.lower, differenceUpper: b.difference.upper,
                              invalidReplicates: b.relativeReduction.invalidReplicates,
                              method: "cluster bootstrap of \(c.match.weightBasis == .matchedSets ? "matched sets" : c.match.clusters != nil ? "subclasses" : "units"), percentile interval")
                    }
                }),
            timeToFirstReoffence: .init(
                withheld: c.timeToReoffenceWithheld,
                reoffendersTreated: c.reoffenders.treated, reoffendersComparison: c.reoffenders.comparison,
                logRank: Estimable(c.logRank) { l in
                    .init(statistic: l.statistic, df: l.degreesOfFreedom, pValue: l.pValue,
                          treatedObserved: l.treatedObserved, treatedExpected: l.treatedExpected)
                },
                kaplanMeier: Estimable(c.survival) { .init(treated: curve($0.treated), comparison: curve($0.comparison)) }),
            justiceDataLab: .init(
                headlineWithheld: c.headlineWithheld, significant: significant,
                significanceLevel: plan.terms.significanceLevel, statement: c.statement),
            justiceDataLabReplica: c.justiceDataLab.map { result in
                Self.replicaDocument(result, quality: c.standardisedDifferences,
                                     significanceLevel: plan.terms.significanceLevel)
            },
            trigger: .init(thresholdExact: plan.terms.cohortThreshold.description, threshold: Double(plan.terms.cohortThreshold),
                           reductionExact: payment.reduction?.description, thresholdMet: payment.thresholdMet,
                           met: payment.triggerMet, pValue: c.pValue, significanceRequired: plan.terms.requireSignificance,
                           imbalancedCovariates: payment.imbalance.map(\.covariate)),
            payment: .init(route: payment.route.description, eventsAvoided: Double(payment.eventsAvoided),
                           eventsAvoidedExact: payment.eventsAvoided.description, eventsCounted: Double(payment.eventsCounted),
                           ownEntitlementPence: payment.ownEntitlement.pence, pooledAdjustmentPence: payment.pooledAdjustment.pence,
                           entitlementPence: payment.entitlement.pence, paidBeforePence: payment.paidBefore.pence,
                           withheldByCohortCapPence: payment.withheldByCohortCap.pence, overpaidPence: payment.overpaid.pence,
                           offsetForOverpaymentsPence: payment.offsetForOverpayments.pence,
                           withheldByTotalCapPence: payment.withheldByTotalCap.pence, duePence: payment.due.pence),
            sensitivity: SensitivityText.document(c, measure: plan.outcome.measure),
            effect: c.effect.map { result in Estimable(result) { Self.effectDocument($0, measure: plan.outcome.measure, covariates: plan.effects?.covariates ?? []) } })
    }

    /// The g-computation effect as evaluation.json's `effect`, with its sentence.
    static func effectDocument(_ e: CohortEffect, measure: ContractPlan.Measure, covariates: [String]) -> Document.GComputationEffect {
        let r = e.result
        let formula = covariates.isEmpty ? "y ~ treat" : "y ~ treat * (" + covariates.joined(separator: " + ") + ")"
        let effects = EffectDocument.effects(r)
        let level = formatLevel(r.level)
        let who: String
        switch r.target {
        case .att: who = "the matched treated people"
        case .atc: who = "the matched comparison people"
        case .ate: who = "the matched people"
        }
        func amount(_ p: Double) -> String {
            measure.isBinary ? formatFixed(100 * p, decimals: 1) + " per 100 proven to reoffend"
                : formatFixed(100 * p, decimals: 1) + " reconviction events per 100 people"
        }
        // The headline measure: the ratio where the family has one, else the difference.
        let headline = effects.first { $0.measure == EffectMeasure.Kind.ratio.rawValue } ?? effects[0]
        let p = headline.pValue < 0.0001 ? "p < 0.0001" : "p = " + formatFixed(headline.pValue, decimals: 4)
        // For the ATT the mean under treatment is observed; the other means are predictions.
        let means = r.target == .att
            ? "had \(amount(r.treatedMean.estimate)) with the intervention and would have had \(amount(r.controlMean.estimate)) without it"
            : "would have had \(amount(r.treatedMean.estimate)) with the intervention and \(amount(r.controlMean.estimate)) without it"
        let statement = "By g-computation, \(who) \(means): a \(headline.label) of \(formatFixed(headline.estimate, decimals: 3)) "
            + "(\(level)% CI \(formatFixed(headline.lower, decimals: 3)) to \(formatFixed(headline.upper, decimals: 3)), \(p))."
        let covarianceWords: String
        switch r.covariance {
        case .clusterRobust: covarianceWords = "sandwich::vcovCL by matched set (\(r.family == .gaussian ? "HC1" : "HC0"))"
        case .setAndUnit: covarianceWords = "sandwich::vcovCL by matched set and unit (two-way, \(r.family == .gaussian ? "HC1" : "HC0"))"
        case .hc3: covarianceWords = "sandwich::vcovHC (HC3)"
        }
        return Document.GComputationEffect(
            family: r.family.rawValue, estimand: r.target.rawValue, formula: formula, fit: EffectDocument.fit(r.family),
            covariance: r.covariance.rawValue, covarianceReason: e.covarianceReason, observations: r.observations,
            focalUnits: r.focalUnits, clusters: r.clusters, level: r.level,
            potentialOutcomes: EffectDocument.potentialOutcomes(r), effects: effects, statement: statement,
            method: "g-computation (MatchIt vignette \"Estimating Effects After Matching\"): \(EffectDocument.fit(r.family)) \(formula) "
                + "with the matching weights, mean predictions of the focal units under treatment and control, delta-method "
                + "standard errors from \(covarianceWords), normal reference; ratios tested on the log scale")
    }

    /// The evaluation.json document.
    public func document() -> EvaluationDocument {
        let plan = evaluation.plan
        let d = evaluation.derivation
        let decision = evaluation.decision
        return EvaluationDocument(
            program: ProgramInfo(version: programVersion),
            plan: .init(name: plan.name, file: planPath, toml: plan.source),
            headline: headline(),
            inputs: inputs.map { .init(role: $0.role, file: $0.path, sha256: $0.sha256, rows: $0.rows) },
            seeds: .init(matchingOrder: String(plan.matching.seed), bootstrap: String(plan.reporting.seed)),
            outcome: .init(
                measure: plan.outcome.measure.rawValue, followUpMonths: plan.outcome.followUpMonths,
                courtLagMonths: plan.outcome.courtLagMonths, countCautions: plan.outcome.countCautions,
                records: d.records, offenceBeforeRelease: d.offenceBeforeRelease,
                offenceAfterFollowUp: d.offenceAfterFollowUp, provenAfterCourtLag: d.provenAfterCourtLag,
                cautionsInWindow: d.cautionsInWindow, qualifyingOffences: d.qualifyingOffences,
                reconvictionEvents: d.reconvictionEvents, reoffenders: d.reoffenders),
            rowsOutsideCohorts: evaluation.rowsOutsideCohorts,
            assignment: .init(
                repeatReleases: evaluation.assignment.repeatReleases,
                excludedUntraced: evaluation.assignment.untraced.reduce(0, +),
                excludedFollowUpIncomplete: evaluation.assignment.followUpIncomplete.reduce(0, +),
                dataExtractDate: plan.data.extractDate.map(CalendarDate.format),
                offencesOfUnknownIds: evaluation.eventsOfUnknownIDs,
                offencesOfPeopleNotEvaluated: evaluation.eventsOfPeopleNotEvaluated,
                unusedCohortColumns: evaluation.unusedCohortColumns, unusedEventColumns: evaluation.unusedEventColumns,
                scoredOnFrozenMatches: inputs.contains { $0.role == "matched" }),
            cohorts: zip(evaluation.cohorts, decision.cohorts).enumerated().map { cohortDocument($1.0, payment: $1.1, index: $0) },
            pooled: .init(
                reduction: decision.pooled.reduction.map { Double($0) }, reductionExact: decision.pooled.reduction?.description,
                rateRatioTest: evaluation.pooledTest.map { result in
                    Estimable(result) { p in
                        Self.reductionTest(p.test, rateRatio: p.test.rateRatio,
                            method: "Wald test of sum w_k log RR_k, Var = sum w_k^2 SE_k^2 (cohorts independent; w_k = matched treated share)")
                    }
                },
                standardError: try? evaluation.pooledTest?.get().test.standardError,
                pValue: try? evaluation.pooledTest?.get().test.pValue,
                test: "Wald test of the weighted mean log rate ratio (weights = matched treated people; cohorts independent)",
                weights: "cohort-size-weighted mean of cohort reductions (size = matched treated people)",
                threshold: Double(plan.terms.pooledThreshold), thresholdExact: plan.terms.pooledThreshold.description,
                applies: decision.pooled.applies, met: decision.pooled.met, finalAssessment: plan.terms.finalAssessment,
                withheldForBalance: decision.pooled.withheldForBalance, eventsAvoided: Double(decision.pooled.eventsAvoided),
                settlementEntitlementPence: decision.pooled.settlementEntitlement?.pence),
            payments: .init(
                currency: plan.terms.currency.code, settlement: plan.terms.settlement.rawValue,
                paymentBase: plan.terms.paymentBase.rawValue, pricePerEventPence: plan.terms.pricePerEvent.pence,
                capPerCohortPence: plan.terms.capPerCohort?.pence, capTotalPence: plan.terms.capTotal?.pence,
                catchUp: plan.terms.catchUp, maxAbsSmd: plan.terms.maxAbsSMD,
                rounding: "price x events avoided rounded down to a whole penny, once per entitlement",
                eventsPaidFor: Double(decision.totals.eventsPaidFor), totalEntitlementPence: decision.totals.entitlement.pence,
                totalPaidBeforePence: decision.totals.paidBefore.pence,
                totalWithheldByCapsPence: decision.totals.withheldByCohortCap.pence + decision.totals.withheldByTotalCap.pence,
                totalDuePence: decision.totals.due.pence))
    }

    /// evaluation.json as an ordered JSON tree.
    public func json() -> JSONValue {
        // Every member of the document is a string, number, bool, array or object: encoding cannot fail.
        try! JSONValue(encoding: document())
    }

    // MARK: text

    /// The decision at a glance: total due now, which trigger paid each cohort, caps applied, what
    /// was withheld and why.
    public func headline() -> String {
        let plan = evaluation.plan, decision = evaluation.decision
        let t = decision.totals
        var parts = ["Total due now: \(t.due)."]
        for c in decision.cohorts {
            var s = "\(c.name): "
            switch c.route {
            case .ownTrigger: s += "paid by its own trigger (reduction reaches \(fraction(plan.terms.cohortThreshold)))"
            case .catchUp: s += "missed its own trigger; paid its own events avoided through the pooled trigger (catch-up, per-cohort settlement)"
            case .pooledSettlement: s += "missed its own trigger; paid through the pooled settlement"
            case .withheldForBalance(let covariates):
                s += covariates.isEmpty ? "withheld: balance was not reported" : "withheld: balance (|SMD| above \(plan.terms.maxAbsSMD.map { formatFixed($0, decimals: 3) } ?? "the gate") for \(covariates.joined(separator: ", ")))"
            case .none:
                s += c.reduction == nil ? "not paid (no comparison events, so no reduction)" : "not paid (no trigger met)"
            }
            s += c.route.pays ? ", due \(c.due)" : ""
            let capped = c.withheldByCohortCap + c.withheldByTotalCap
            if capped.pence > 0 { s += " after caps withheld \(capped)" }
            if c.paidBefore.pence > 0 { s += " (paid before \(c.paidBefore))" }
            parts.append(s + ".")
        }
        if decision.pooled.applies {
            let r = decision.pooled.reduction.map { formatFixed(100 * Double($0), decimals: 2) + "%" } ?? "undefined"
            parts.append("Pooled trigger (\(fraction(plan.terms.pooledThreshold))): \(decision.pooled.met ? "met" : "not met") at \(r)"
                         + (decision.pooled.withheldForBalance ? ", withheld because a cohort failed the balance gate" : "") + ".")
        } else {
            parts.append(plan.terms.finalAssessment ? "Pooled trigger: not applied (one cohort)." : "Pooled trigger: not applied (interim assessment).")
        }
        let caps = t.withheldByCohortCap + t.withheldByTotalCap
        parts.append(caps.pence > 0 ? "Caps withheld \(caps) in all." : "No cap applied.")
        return parts.joined(separator: " ")
    }

    /// A threshold as a percentage ("10%", "7.5%").
    func fraction(_ r: ExactRational) -> String {
        formatLevel(Double(r)) + "%"
    }

    /// One row of the payment decisions, shared by decisions.csv and the workbook's decisions
    /// sheet: a cohort, then `pooled`, then `total`; nil where a column does not apply to the row.
    public struct DecisionRow: Sendable, Equatable {
        public var name: String
        public var treated: Int
        public var eventsTreated: ExactRational
        public var eventsComparison: ExactRational
        public var reduction: Double?
        public var ciLow: Double?
        public var ciHigh: Double?
        public var pValue: Double?
        /// "yes" or "no"; nil for the total, and for the pooled row when no pooled trigger applies.
        public var triggerMet: String?
        public var entitlementPence: Int?
        public var paidBeforePence: Int?
        public var duePence: Int?
        public var route: String?
        public var withheldByCapsPence: Int?
    }

    /// The rows of the payment decisions (docs/schemas.md, decisions.csv): event totals are the
    /// exact group means times the cohort's matched treated people.
    public func decisionRows() -> [DecisionRow] {
        let decision = evaluation.decision
        var rows: [DecisionRow] = []
        var treatedTotal = 0
        var eventsT = ExactRational.zero, eventsC = ExactRational.zero
        for (c, d) in zip(evaluation.cohorts, decision.cohorts) {
            let n = c.rates.treatedUnits
            treatedTotal += n
            let t = d.treatedMean * ExactRational(n), k = d.comparisonMean * ExactRational(n)
            eventsT += t
            eventsC += k
            let test = try? c.rateRatio.get().test
            rows.append(DecisionRow(
                name: c.cohort.name, treated: n, eventsTreated: t, eventsComparison: k, reduction: d.reduction.map { Double($0) },
                ciLow: test?.reductionLower, ciHigh: test?.reductionUpper, pValue: test?.pValue, triggerMet: d.triggerMet ? "yes" : "no",
                entitlementPence: d.entitlement.pence, paidBeforePence: d.paidBefore.pence, duePence: d.due.pence,
                route: d.route.description, withheldByCapsPence: (d.withheldByCohortCap + d.withheldByTotalCap).pence))
        }
        let pooled = try? evaluation.pooledTest?.get().test
        rows.append(DecisionRow(
            name: "pooled", treated: treatedTotal, eventsTreated: eventsT, eventsComparison: eventsC,
            reduction: decision.pooled.reduction.map { Double($0) }, ciLow: pooled?.reductionLower, ciHigh: pooled?.reductionUpper,
            pValue: pooled?.pValue, triggerMet: decision.pooled.applies ? (decision.pooled.met ? "yes" : "no") : nil,
            entitlementPence: decision.pooled.settlementEntitlement?.pence))
        let t = decision.totals
        rows.append(DecisionRow(
            name: "total", treated: treatedTotal, eventsTreated: eventsT, eventsComparison: eventsC,
            entitlementPence: t.entitlement.pence, paidBeforePence: t.paidBefore.pence, duePence: t.due.pence,
            withheldByCapsPence: (t.withheldByCohortCap + t.withheldByTotalCap).pence))
        return rows
    }

    /// `decisions.csv`: one row per cohort, then `pooled`, then `total` (docs/schemas.md).
    public func decisionsCSV() -> String {
        func number(_ x: Double?) -> String { x.map { $0.isFinite ? JSONValue.format($0) : "" } ?? "" }
        func events(_ r: ExactRational) -> String {
            if let f = r.fraction, f.denominator == 1 { return String(f.numerator) }
            return formatFixed(Double(r), decimals: 4)
        }
        func pence(_ p: Int?) -> String { p.map { String($0) } ?? "" }
        var out = "cohort,treated,events_treated,events_comparison,reduction,ci_low,ci_high,p_value,trigger_met,entitlement_pence,paid_before_pence,due_pence,route,withheld_by_caps_pence\n"
        for r in decisionRows() {
            out += [csvField(r.name), String(r.treated), events(r.eventsTreated), events(r.eventsComparison), number(r.reduction),
                    number(r.ciLow), number(r.ciHigh), number(r.pValue), r.triggerMet ?? "", pence(r.entitlementPence),
                    pence(r.paidBeforePence), pence(r.duePence), r.route.map(csvField) ?? "", pence(r.withheldByCapsPence)]
                .joined(separator: ",") + "\n"
        }
        return out
    }

    public func text() -> String {
        let plan = evaluation.plan
        var out = "counterfactual evaluate: \(plan.name)\n"
        out += headline() + "\n\n"
        let d = evaluation.derivation
        out += "Records: \(grouped(evaluation.cohortRowsRead)) people, \(grouped(d.records)) offences; excluded: \(grouped(d.offenceBeforeRelease)) before release, "
        out += "\(grouped(d.offenceAfterFollowUp)) after the \(plan.outcome.followUpMonths)-month follow-up, \(grouped(d.provenAfterCourtLag)) proven after the "
        out += "\(plan.outcome.courtLagMonths)-month court lag, \(grouped(d.cautionsInWindow)) cautions; \(grouped(d.reconvictionEvents)) reconviction events counted.\n"
        let a = evaluation.assignment
        var notEvaluated: [String] = []
        if a.outsideCohorts > 0 { notEvaluated.append("\(a.outsideCohorts) released outside every cohort") }
        if a.repeatReleases > 0 { notEvaluated.append("\(a.repeatReleases) repeat releases (each person is evaluated from their first release in a cohort)") }
        let untraced = a.untraced.reduce(0, +), incomplete = a.followUpIncomplete.reduce(0, +)
        if untraced > 0 { notEvaluated.append("\(untraced) untraced in the national records") }
        if incomplete > 0, let extract = plan.data.extractDate {
            notEvaluated.append("\(incomplete) whose follow-up and court lag were not complete by the data extract date \(CalendarDate.format(extract))")
        }
        if !notEvaluated.isEmpty { out += "Cohort file rows not evaluated: " + notEvaluated.joined(separator: "; ") + ".\n" }
        if evaluation.eventsOfUnknownIDs > 0 || evaluation.eventsOfPeopleNotEvaluated > 0 {
            out += "Offence records not used: \(evaluation.eventsOfUnknownIDs) of ids not in the cohort file, "
            out += "\(evaluation.eventsOfPeopleNotEvaluated) of people not evaluated.\n"
        }
        func unused(_ names: [String], _ file: String) -> String? {
            names.isEmpty ? nil : "\(names.count) in the \(file) file (\(names.joined(separator: ", ")))"
        }
        let unusedColumns = [unused(evaluation.unusedCohortColumns, "cohort"), unused(evaluation.unusedEventColumns, "events")].compactMap { $0 }
        if !unusedColumns.isEmpty { out += "Columns not used by the plan: " + unusedColumns.joined(separator: "; ") + ".\n" }
        var rows: [[String]] = []
        for (c, p) in zip(evaluation.cohorts, evaluation.decision.cohorts) {
            let counts = c.match.matchedCounts
            let interval = (try? c.rateRatio.get().test).map {
                formatFixed(100 * $0.reductionLower, decimals: 1) + "% to " + formatFixed(100 * $0.reductionUpper, decimals: 1) + "%"
            } ?? "not estimable"
            rows.append([c.cohort.name, "\(grouped(counts.treated))/\(grouped(counts.control))",
                         formatFixed(c.rates.treatedPer100, decimals: 1), formatFixed(c.rates.comparisonPer100, decimals: 1),
                         p.reduction.map { formatFixed(100 * Double($0), decimals: 1) + "%" } ?? "-", interval,
                         formatFixed(c.pValue, decimals: 4), p.triggerMet ? "yes" : "no", p.route.description,
                         p.due.description])
        }
        out += "\n" + TextTable(header: ["Cohort", "Matched T/C", "T per 100", "C per 100", "Reduction", "\(formatLevel(plan.reporting.confidenceLevel))% CI", "p", "Trigger", "Paid by", "Due"],
                                rows: rows, leftAligned: [8]).render()
        let dec = evaluation.decision
        let pooledText = dec.pooled.reduction.map { formatFixed(100 * Double($0), decimals: 2) + "%" } ?? "undefined"
        out += "Pooled reduction \(pooledText) (threshold \(formatFixed(100 * Double(plan.terms.pooledThreshold), decimals: 1))%): "
        out += dec.pooled.met ? "met" : "not met"
        if case .success(let pooled)? = evaluation.pooledTest {
            out += "; pooled test p = \(formatFixed(pooled.test.pValue, decimals: 4)), \(formatLevel(pooled.test.confidenceLevel))% CI "
            out += formatFixed(100 * pooled.test.reductionLower, decimals: 1) + "% to " + formatFixed(100 * pooled.test.reductionUpper, decimals: 1) + "%"
        }
        out += plan.terms.finalAssessment ? "" : " (interim assessment: pooled trigger not applied)"
        out += dec.pooled.withheldForBalance ? " (withheld: a cohort failed the balance gate)" : ""
        let t = dec.totals
        out += ". Settlement \(plan.terms.settlement.rawValue). Entitlement \(t.entitlement), paid before \(t.paidBefore), "
        out += "withheld by caps \(t.withheldByCohortCap + t.withheldByTotalCap). Total due: \(t.due).\n\n"
        for c in evaluation.cohorts {
            out += c.cohort.name + ": " + c.statement + "\n"
            if let w = c.timeToReoffenceWithheld { out += "  Time to first reoffence withheld: \(w).\n" }
            let s = SensitivityText.document(c, measure: plan.outcome.measure)
            out += "  Hidden bias (Rosenbaum bounds): " + (s.rosenbaum.value?.statement ?? "not computed: \(s.rosenbaum.reason ?? "").") + "\n"
            if case .estimated(let h)? = s.hodgesLehmann { out += "  Hidden bias (Hodges-Lehmann bounds): " + h.statement + "\n" }
            out += "  E-value: " + (s.eValue.value?.statement ?? "not computed: \(s.eValue.reason ?? "").") + "\n"
            switch c.effect {
            case .success(let e)?: out += "  Effect (g-computation): " + Self.effectDocument(e, measure: plan.outcome.measure, covariates: plan.effects?.covariates ?? []).statement + "\n"
            case .failure(let f)?: out += "  Effect (g-computation): not estimable: \(f.reason).\n"
            case nil: break
            }
            switch c.justiceDataLab {
            case .success(let r)?:
                out += "  Justice Data Lab measures:\n"
                for m in r.measures { out += "  - " + m.sentence + "\n" }
                if let quality = c.standardisedDifferences {
                    let counts = StandardisedDifference.Grade.allCases.map { g in "\(quality.filter { $0.grade == g }.count) \(g.rawValue)" }
                    out += "  Match quality (standardised differences after matching, JDL grading): " + counts.joined(separator: ", ") + ".\n"
                }
            case .failure(let e)?:
                out += "  Justice Data Lab measures not estimable: \(e.reason).\n"
            case nil:
                break
            }
        }
        out += "(Reduction = 1 - treated/comparison. The interval and p come from one test: a Wald test of the log rate ratio "
        let clustering = evaluation.cohorts.first.map { c in
            c.match.setsOverlap ? "matched-set and unit (two-way)"
                : c.match.clusters == nil ? "unit-level" : c.match.weightBasis == .matchedSets ? "matched-set" : "subclass"
        } ?? "matched-set"
        out += "from a regression with \(clustering) cluster-robust errors; "
        out += "the interval excludes no change exactly when p < \(formatFixed(1 - plan.reporting.confidenceLevel, decimals: 3)).)\n"
        return out
    }
}
