import Distributions
import Foundation
import TextFormatting
import PaymentRules

/// A readable report of an output folder, rendered only from the folder's result document
/// (evaluation.json from `evaluate`, summary.json from `match`, or ledger.json with its ledger.csv
/// from `ratecard`), so the report shows exactly
/// the numbers anyone can re-derive. The documents are read as their typed `Codable` types: a
/// member missing from the file is an error naming it, never an empty cell. `report.html` is
/// self-contained (inline CSS and SVG, no network fetches); `report.md` carries the same tables.
public struct FolderReport {
    public let html: String
    public let markdown: String

    /// Renders the report of `folder`.
    public init(folder: URL) throws {
        let evaluation = folder.appendingPathComponent("evaluation.json")
        let summary = folder.appendingPathComponent("summary.json")
        let ledger = folder.appendingPathComponent("ledger.json")
        var doc = ReportDocument()
        if FileManager.default.fileExists(atPath: evaluation.path) {
            doc.evaluation(try readDocument(EvaluationDocument.self, path: evaluation.path))
        } else if FileManager.default.fileExists(atPath: summary.path) {
            try doc.match(readDocument(MatchSummaryDocument.self, path: summary.path))
        } else if FileManager.default.fileExists(atPath: ledger.path) {
            let document = try readDocument(LedgerDocument.self, path: ledger.path)
            try doc.ledger(document, claims: folder.appendingPathComponent(document.claimsFile))
        } else {
            throw DocumentError(path: folder.path, message: "no evaluation.json, summary.json or ledger.json in the folder; run evaluate, match or ratecard first")
        }
        html = doc.html()
        markdown = doc.markdown
    }

    /// The report of an evaluation document.
    public init(evaluation: EvaluationDocument) {
        var doc = ReportDocument()
        doc.evaluation(evaluation)
        html = doc.html()
        markdown = doc.markdown
    }

    /// The report of a match summary document.
    public init(match: MatchSummaryDocument) throws {
        var doc = ReportDocument()
        try doc.match(match)
        html = doc.html()
        markdown = doc.markdown
    }
}

/// Builds the HTML body and the Markdown text side by side.
struct ReportDocument {
    var title = "Counterfactual report"
    var body = ""
    var markdown = ""
    var sections: [String] = []

    mutating func section(_ id: String, _ heading: String) {
        sections.append(id)
        body += "<h2 id=\"\(id)\">\(escape(heading))</h2>\n"
        markdown += "\n## \(heading)\n\n"
    }

    mutating func paragraph(_ text: String) {
        body += "<p>\(escape(text))</p>\n"
        markdown += text + "\n\n"
    }

    /// A table: numbers right-aligned, text left-aligned (a column is text when none of its cells
    /// is a number; its header follows it), in HTML and Markdown alike.
    mutating func table(_ header: [String], _ rows: [[String]], caption: String? = nil) {
        let textColumn = header.indices.map { j in
            j == 0 || !rows.contains { j < $0.count && !$0[j].isEmpty && isNumeric($0[j]) }
        }
        func attribute(_ text: Bool) -> String { text ? " class=\"text\"" : "" }
        body += "<table>"
        if let caption { body += "<caption>\(escape(caption))</caption>" }
        body += "<thead><tr>" + header.enumerated().map { j, h in "<th\(attribute(textColumn[j]))>\(escape(h))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            body += "<tr>" + r.map { "<td\(attribute(!isNumeric($0)))>\(escape($0))</td>" }.joined() + "</tr>\n"
        }
        body += "</tbody></table>\n"
        if let caption { markdown += "*\(caption)*\n\n" }
        markdown += "| " + header.joined(separator: " | ") + " |\n|" + textColumn.map { $0 ? ":---" : "---:" }.joined(separator: "|") + "|\n"
        for r in rows { markdown += "| " + r.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n" }
        markdown += "\n"
    }

    mutating func figure(_ svg: String, caption: String) {
        body += "<figure>\(svg)<figcaption>\(escape(caption))</figcaption></figure>\n"
        markdown += "*Figure: \(caption) (see report.html).*\n\n"
    }

    // MARK: evaluate

    mutating func evaluation(_ e: EvaluationDocument) {
        title = "Evaluation: \(e.plan.name)"
        markdown = "# \(title)\n"
        section("decision", "Decision")
        paragraph(e.headline)
        section("data", "Plan and data")
        paragraph("Plan \(e.plan.file) evaluated by counterfactual \(e.program.version).")
        table(["Input", "File", "Rows", "SHA-256"], e.inputs.map { i in
            [i.role, i.file, i.role == "plan" ? "" : String(i.rows), i.sha256]
        })
        let o = e.outcome
        table(["Outcome rule", "Records"], [
            ["Offence records read", String(o.records)],
            ["Excluded: committed before release", String(o.offenceBeforeRelease)],
            ["Excluded: committed after the \(o.followUpMonths)-month follow-up", String(o.offenceAfterFollowUp)],
            ["Excluded: proven after the \(o.courtLagMonths)-month court lag", String(o.provenAfterCourtLag)],
            ["Cautions in the windows", String(o.cautionsInWindow)],
            ["Qualifying offences", String(o.qualifyingOffences)],
            ["Reconviction events (distinct court dates)", String(o.reconvictionEvents)],
            ["People released outside every cohort (not evaluated)", String(e.rowsOutsideCohorts)],
        ], caption: "Measure: \(o.measure)")

        section("outcomes", "Outcomes and payments")
        let currency = Currency(code: e.payments.currency) ?? .gbp
        func money(_ pence: Int) -> String { Money(pence: pence, currency: currency).description }
        var rows: [[String]] = []
        for c in e.cohorts {
            let test = c.inference.relativeReduction.value
            rows.append([c.name, fixed(c.measure.treatedPer100, decimals: 1), fixed(c.measure.comparisonPer100, decimals: 1),
                         percent(c.measure.relativeReduction), test.map { percent($0.lower) + " to " + percent($0.upper) } ?? "not estimable",
                         fixed(test?.pValue, decimals: 4), c.trigger.met ? "yes" : "no", c.payment.route,
                         money(c.payment.entitlementPence), money(c.payment.paidBeforePence),
                         money(c.payment.withheldByCohortCapPence + c.payment.withheldByTotalCapPence), money(c.payment.duePence)])
        }
        let pooledTest = e.pooled.rateRatioTest?.value
        rows.append(["Pooled", "", "", percent(e.pooled.reduction), pooledTest.map { percent($0.lower) + " to " + percent($0.upper) } ?? "",
                     fixed(pooledTest?.pValue, decimals: 4), e.pooled.met ? "yes" : "no", "settlement \(e.payments.settlement)",
                     money(e.payments.totalEntitlementPence), money(e.payments.totalPaidBeforePence),
                     money(e.payments.totalWithheldByCapsPence), money(e.payments.totalDuePence)])
        let level = e.cohorts.first?.inference.relativeReduction.value.map { formatLevel($0.level) + "% " } ?? ""
        table(["Cohort", "Treated per 100", "Comparison per 100", "Reduction", "\(level)CI (log rate ratio)", "p", "Trigger met",
               "Paid by", "Entitlement", "Paid before", "Withheld by caps", "Due now"], rows)
        paragraph("Reduction = 1 - treated/comparison. The interval and p come from one test: a Wald test of the log rate ratio "
                  + "from the cluster-robust covariance, so the interval excludes no change exactly when p is below the significance level. "
                  + "Pooled: size-weighted mean of the cohort reductions against the \(percent(e.pooled.threshold)) threshold; "
                  + "cohort threshold \(percent(e.cohorts.first?.trigger.threshold)).")
        for c in e.cohorts { paragraph("\(c.name): \(c.justiceDataLab.statement)") }

        for (k, c) in e.cohorts.enumerated() {
            section("cohort-\(k + 1)", c.name)
            paragraph("\(c.selection): \(c.treatedInCohort) treated people and "
                      + "\(c.comparisonPool) in the comparison pool; \(c.rowsExcludedMissing) excluded for missing values.")
            if let p = c.propensity {
                propensityTable(link: p.link, coefficients: p.coefficients, standardErrors: p.standardErrors,
                                deviance: p.deviance, aic: p.aic, iterations: p.iterations)
            } else {
                paragraph("Distance: the plan's own distance column (no propensity model was fitted).")
            }
            let m = c.matching
            paragraph("Matched \(m.matchedTreated) treated with \(m.matchedComparison) comparison people "
                      + "(order \(m.order); caliper width \(fixed(m.caliperWidth, decimals: 4)) on the distance scale; "
                      + "\(m.discarded) discarded for common support).")
            commonSupport(m.commonSupport, label: c.name)
            balance(m.balance.map { BalanceFigures(evaluation: $0) }, label: c.name)
            inference(c.inference)
            if let effect = c.effect { gComputation(effect) }
            if let sensitivity = c.sensitivity { hiddenBias(sensitivity, label: c.name) }
            survival(c.timeToFirstReoffence, label: c.name, level: c.inference.differenceClusterRobust.level)
            if let replica = c.justiceDataLabReplica { justiceDataLabReplica(replica, label: c.name) }
        }
        section("caveats", "Caveats")
        var caveats: [String] = []
        for c in e.cohorts {
            caveats.append("\(c.name): " + Self.balanceCaveat(c.matching.balance.map { BalanceFigures(evaluation: $0) }))
            let unmatched = c.treatedInCohort - c.matching.matchedTreated
            caveats.append("\(c.name): \(groupedCount(Double(unmatched))) of the cohort's \(groupedCount(Double(c.treatedInCohort))) treated people "
                           + "\(unmatched == 1 ? "is" : "are") not in the matched sample (excluded for missing values, outside common support or without a comparison "
                           + "person within the caliper)" + (unmatched > 0 ? "; the result describes the matched treated people only." : "."))
            if let w = c.justiceDataLab.headlineWithheld { caveats.append("\(c.name): headline withheld: \(w).") }
            if let w = c.timeToFirstReoffence.withheld { caveats.append("\(c.name): time to first reoffence withheld: \(w).") }
            for w in c.matching.warnings { caveats.append("\(c.name): matching warning: \(w).") }
        }
        caveats.append("Matching balances observed characteristics only; differences in unobserved characteristics between the groups are not accounted for.")
        for c in caveats { paragraph(c) }
    }

    // MARK: match

    mutating func match(_ s: MatchSummaryDocument) throws {
        title = "Matching: \(s.data.file)"
        markdown = "# \(title)\n"
        section("data", "Data")
        table(["Rows read", "Rows used", "Excluded for missing values"],
              [[String(s.data.rowsRead), String(s.data.rowsUsed), String(s.data.rowsExcludedMissing)]])
        // Every setting, the command's extra ones included, in the order of the file.
        table(["Setting", "Value"], try s.settings.members().map { [$0.0, settingText($0.1)] })
        if let p = s.propensity {
            section("propensity", "Propensity model")
            propensityTable(link: p.link, coefficients: p.coefficients, standardErrors: p.standardErrors,
                            deviance: p.deviance, aic: p.aic, iterations: p.iterations)
        }
        section("matching", "Matching and balance")
        let c = s.counts
        table(["", "Control", "Treated"], [("all", c.all), ("matched", c.matched), ("unmatched", c.unmatched),
                                          ("discarded", c.discarded), ("matched ess", c.matchedEss)].map { name, pair in
            [name, groupedCount(pair.control), groupedCount(pair.treated)]
        })
        commonSupport(s.commonSupport, label: "all units")
        balance(s.balance.map { BalanceFigures(match: $0) }, label: "matched sample")
        section("caveats", "Caveats")
        paragraph(Self.balanceCaveat(s.balance.map { BalanceFigures(match: $0) }))
        let focal = s.settings.estimand == "ATC" ? "control" : "treated"
        let unmatched = s.settings.estimand == "ATC" ? c.unmatched.control + c.discarded.control : c.unmatched.treated + c.discarded.treated
        paragraph("\(groupedCount(unmatched)) \(focal) unit\(unmatched == 1 ? " was" : "s were") not matched (\(groupedCount(s.settings.estimand == "ATC" ? c.discarded.control : c.discarded.treated)) "
                  + "of them discarded for common support)" + (unmatched > 0 ? "; the estimate describes the matched \(focal) units only." : "."))
        for w in s.warnings { paragraph("Matching warning: \(w).") }
        paragraph("Matching balances observed characteristics only; differences in unobserved characteristics are not accounted for.")
    }

    // MARK: shared pieces

    /// The coefficients in the model's order (intercept first, then the terms as in the formula).
    mutating func propensityTable(link: String, coefficients: NamedValues<Double>, standardErrors: NamedValues<Double>,
                                  deviance: Double, aic: Double, iterations: Int) {
        table(["Term", "Estimate", "Std. error"], coefficients.map { c in
            [c.name, formatCoefficient(c.value), standardErrors[c.name].map(formatCoefficient) ?? "."]
        }, caption: "Propensity model: binomial GLM (\(link)), deviance \(fixed(deviance, decimals: 3)), AIC \(fixed(aic, decimals: 3)), \(iterations) iterations")
    }

    /// The balance threshold on |SMD| used by the tally, the Love plot and the caveats.
    static let balanceThreshold = 0.1

    /// The balance table (every statistic the document records, before and after matching), a
    /// cobalt-style tally and the Love plot.
    mutating func balance(_ rows: [BalanceFigures], label: String) {
        typealias Statistic = (name: String, pick: (BalanceFigures) -> (Double?, Double?), format: (Double?) -> String)
        let statistics: [Statistic] = [
            ("Mean treated", { $0.meanTreated }, { grouped($0, decimals: 3) }),
            ("Mean comparison", { $0.meanControl }, { grouped($0, decimals: 3) }),
            ("SMD", { $0.smd }, { fixed($0, decimals: 4) }),
            ("Variance ratio", { $0.varianceRatio }, { fixed($0, decimals: 4) }),
            ("eCDF mean", { $0.ecdfMean }, { fixed($0, decimals: 4) }),
            ("eCDF max", { $0.ecdfMax }, { fixed($0, decimals: 4) }),
        ]
        // A column is shown when the document records it for some row (binary terms have no
        // variance ratio: '.' in their cells).
        var header = ["Covariate"]
        var columns: [(BalanceFigures) -> String] = []
        for stage in 0..<2 {
            for st in statistics where rows.contains(where: { BalanceFigures.recorded(st.name, stage: stage, $0) }) {
                header.append("\(st.name) \(stage == 0 ? "before" : "after")")
                columns.append { r in st.format(stage == 0 ? st.pick(r).0 : st.pick(r).1) }
            }
        }
        table(header, rows.map { r in [r.name] + columns.map { $0(r) } },
              caption: "Balance before and after matching (SMD = standardised mean difference; '.' = not applicable)")
        paragraph(Self.tally(rows))
        figure(SVG.lovePlot(rows.map { SVG.LoveRow(name: $0.name, smd: $0.smd, varianceRatio: $0.varianceRatio, ks: $0.ecdfMax) },
                            threshold: Self.balanceThreshold),
               caption: "Love plot (\(label)): covariates sorted by absolute standardised mean difference before matching; hollow = before, filled = after; "
                   + "dashed line at the threshold \(formatFixed(Self.balanceThreshold, decimals: 2))"
                   + (rows.contains { $0.varianceRatio.0 != nil || $0.varianceRatio.1 != nil } ? "; variance ratios with lines at 0.5, 1 and 2" : "")
                   + (rows.contains { $0.ecdfMax.0 != nil || $0.ecdfMax.1 != nil } ? "; Kolmogorov-Smirnov statistics (largest eCDF difference)" : ""))
    }

    /// The covariates (the distance excluded) whose |SMD| after matching is finite.
    static func covariateSMDs(_ rows: [BalanceFigures]) -> [(String, Double)] {
        rows.filter { $0.name != "distance" }.compactMap { r in r.smd.1.flatMap { $0.isFinite ? (r.name, abs($0)) : nil } }
    }

    /// "9 of 10 covariates within 0.1 after matching" (cobalt's balance tally).
    static func tally(_ rows: [BalanceFigures]) -> String {
        let smds = covariateSMDs(rows)
        let within = smds.filter { $0.1 <= balanceThreshold }.count
        return "\(within) of \(smds.count) covariate term\(smds.count == 1 ? "" : "s") within \(formatFixed(balanceThreshold, decimals: 1)) "
            + "(absolute standardised mean difference after matching; the distance is not counted)."
    }

    /// Names every covariate term above the threshold after matching, or says that all are within.
    static func balanceCaveat(_ rows: [BalanceFigures]) -> String {
        let smds = covariateSMDs(rows)
        let above = smds.filter { $0.1 > balanceThreshold }.sorted { $0.1 > $1.1 }
        if above.isEmpty {
            return "covariates are balanced after matching: every absolute standardised mean difference is within \(formatFixed(balanceThreshold, decimals: 1)) "
                + "(largest \(formatFixed(smds.map(\.1).max() ?? 0, decimals: 3)))."
        }
        return "\(above.count) of \(smds.count) covariate terms are above \(formatFixed(balanceThreshold, decimals: 1)) after matching: "
            + above.map { "\($0.0) (\(formatFixed($0.1, decimals: 3)))" }.joined(separator: ", ")
            + "; the groups are not yet comparable on these; consider a caliper, exact matching or a richer model."
    }

    mutating func commonSupport(_ h: DistanceHistogram?, label: String) {
        guard let h else { return }
        figure(SVG.histograms(edges: h.edges, before: (h.treatedBefore, h.controlBefore), after: (h.treatedAfter, h.controlAfter)),
               caption: "Common support (\(label)): distribution of the distance in each group before and after matching, treated above the axis and comparison below (share of each group's weight per bin)")
    }

    mutating func inference(_ inf: EvaluationDocument.Inference) {
        var rows: [[String]] = []
        func add(_ name: String, _ r: EvaluationDocument.Estimate) {
            rows.append([name, fixed(r.estimate, decimals: 4), fixed(r.lower, decimals: 4) + " to " + fixed(r.upper, decimals: 4),
                         fixed(r.pValue, decimals: 4), r.method])
        }
        add("Difference (cluster-robust)", inf.differenceClusterRobust)
        add("Difference (classical)", inf.differenceModelBased)
        switch inf.relativeReduction {
        case .estimated(let r):
            rows.append(["Relative reduction (the contract's test)", fixed(r.reduction, decimals: 4),
                         fixed(r.lower, decimals: 4) + " to " + fixed(r.upper, decimals: 4), fixed(r.pValue, decimals: 4), r.method])
        case .notEstimable(let reason):
            rows.append(["Relative reduction (the contract's test)", "not estimable", "", "", reason])
        }
        for (name, model) in [("Poisson rate ratio", inf.poisson), ("Negative binomial rate ratio", inf.negativeBinomial)] {
            switch model {
            case .estimated(let m):
                let r = m.clusterRobust
                rows.append([name, fixed(r.rateRatio, decimals: 4), fixed(r.lower, decimals: 4) + " to " + fixed(r.upper, decimals: 4),
                             fixed(r.pValue, decimals: 4), r.method])
            case .notEstimable(let reason):
                rows.append([name, "not estimable", "", "", reason])
            }
        }
        if let w = inf.welchTTest.value {
            rows.append(["Welch t test", fixed(w.difference, decimals: 4), fixed(w.lower, decimals: 4) + " to " + fixed(w.upper, decimals: 4),
                         fixed(w.pValue, decimals: 4), w.method])
        }
        if let b = inf.bootstrap?.value {
            rows.append(["Bootstrap relative reduction", "", fixed(b.relativeReductionLower, decimals: 4) + " to " + fixed(b.relativeReductionUpper, decimals: 4),
                         "", "\(b.replicates) replicates, seed \(b.seed): \(b.method)"])
        }
        table(["Statistic", "Estimate", "\(formatLevel(inf.differenceClusterRobust.level))% interval", "p", "Method"], rows, caption: "Inference")
    }

    /// The g-computation effect (`[effects]`): its sentence and a table of the potential outcomes
    /// and effect measures.
    mutating func gComputation(_ e: Estimable<EvaluationDocument.GComputationEffect>) {
        switch e {
        case .notEstimable(let reason):
            paragraph("Effect (g-computation): not estimable: \(reason).")
        case .estimated(let g):
            paragraph("Effect (g-computation): " + g.statement)
            let po = g.potentialOutcomes
            var rows: [[String]] = [
                ["Mean under treatment", fixed(po.treated.estimate, decimals: 4), fixed(po.treated.standardError, decimals: 4),
                 fixed(po.treated.lower, decimals: 4) + " to " + fixed(po.treated.upper, decimals: 4), ""],
                ["Mean under control", fixed(po.control.estimate, decimals: 4), fixed(po.control.standardError, decimals: 4),
                 fixed(po.control.lower, decimals: 4) + " to " + fixed(po.control.upper, decimals: 4), ""],
            ]
            for m in g.effects {
                rows.append([m.label, fixed(m.estimate, decimals: 4), fixed(m.standardError, decimals: 4) + (m.testScale == "log" ? " (log)" : ""),
                             fixed(m.lower, decimals: 4) + " to " + fixed(m.upper, decimals: 4), fixed(m.pValue, decimals: 4)])
            }
            table(["\(g.estimand) (\(g.family))", "Estimate", "SE", "\(formatLevel(g.level))% interval", "p"], rows,
                  caption: "Effect by g-computation: \(g.method); covariance \(g.covariance) (\(g.covarianceReason))")
        }
    }

    /// Sensitivity to hidden bias: the E-value and Rosenbaum-bounds sentences and the Gamma curve.
    mutating func hiddenBias(_ s: EvaluationDocument.Sensitivity, label: String) {
        paragraph("Hidden bias (E-value): " + (s.eValue.value?.statement ?? "not computed: \(s.eValue.reason ?? "")."))
        switch s.rosenbaum {
        case .notEstimable(let reason):
            paragraph("Hidden bias (Rosenbaum bounds): not computed: \(reason).")
        case .estimated(let r):
            paragraph("Hidden bias (Rosenbaum bounds): " + r.statement)
            figure(SVG.gammaCurve(gammas: r.grid.map(\.gamma), upper: r.grid.map(\.pUpper), lower: r.grid.map(\.pLower),
                                  level: r.oneSidedLevel, critical: r.criticalGamma),
                   caption: "Sensitivity to hidden bias (\(label)): bounds on the one-sided p-value of the \(r.test) against Gamma, "
                       + "the most by which hidden bias may multiply the odds of treatment of two matched people; the result is significant "
                       + "while the upper bound is below the dashed line (\(formatFixed(r.oneSidedLevel, decimals: 3)), half the two-sided level)")
        }
        // The Hodges-Lehmann range, where it applies (pairs and counts): the sentence, and the
        // range at Gamma 1, 1.5, 2, ... of the grid.
        if case .estimated(let h)? = s.hodgesLehmann {
            paragraph("Hidden bias (Hodges-Lehmann bounds): " + h.statement)
            let shown = h.grid.filter { abs($0.gamma * 2 - ($0.gamma * 2).rounded()) < 1e-9 }
            table(["Gamma", "Lowest estimate", "Highest estimate"],
                  shown.map { [formatFixed($0.gamma, decimals: 2), fixed($0.lower, decimals: 4), fixed($0.upper, decimals: 4)] },
                  caption: "Hodges-Lehmann bounds (\(label)): the range of the estimate of the reduction per person (comparison minus treatment, in matched pairs) under hidden bias up to Gamma (Rosenbaum 1993)")
        }
    }

    mutating func survival(_ t: EvaluationDocument.TimeToFirstReoffence, label: String, level: Double) {
        if let withheld = t.withheld {
            paragraph("Time to first reoffence withheld: \(withheld).")
            return
        }
        if let lr = t.logRank.value {
            paragraph("Log-rank test of time to first reoffence: chi-square \(fixed(lr.statistic, decimals: 3)) on \(formatCount(lr.df)) df, p = \(fixed(lr.pValue, decimals: 4)).")
        }
        guard let km = t.kaplanMeier.value else { return }
        func curve(_ c: EvaluationDocument.KaplanMeierCurve) -> SVG.SurvivalCurve {
            SVG.SurvivalCurve(time: c.time, survival: c.survival, standardError: c.standardError, atRisk: c.atRisk)
        }
        let z = Normal.quantile(1 - (1 - level) / 2)
        figure(SVG.kaplanMeier(treated: curve(km.treated), comparison: curve(km.comparison), level: level, z: z),
               caption: "Kaplan-Meier curves (\(label)): share not yet reoffending by days since release, with \(formatLevel(level))% pointwise "
                   + "confidence bands (log scale, as R's survfit) and the (weighted) number at risk")
    }

    func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
        h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
        table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:600;padding:.3em 0}
        th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child,td.text,th.text{text-align:left}
        figure{margin:1em 0}figcaption{font-size:.85em;color:#444}svg{max-width:100%;height:auto;background:#fff}
        </style></head><body>
        <h1>\(escape(title))</h1>
        <nav>\(sections.map { "<a href=\"#\($0)\">\($0)</a>" }.joined(separator: " · "))</nav>
        \(body)</body></html>

        """
    }
}

// MARK: - balance rows

/// One covariate term's balance statistics as (before, after) pairs, from whichever document the
/// report is rendered (summary.json records them all; evaluation.json the SMD before and after and
/// the variance ratio and eCDF max after).
struct BalanceFigures {
    var name: String
    var meanTreated: (Double?, Double?) = (nil, nil)
    var meanControl: (Double?, Double?) = (nil, nil)
    var smd: (Double?, Double?) = (nil, nil)
    var varianceRatio: (Double?, Double?) = (nil, nil)
    var ecdfMean: (Double?, Double?) = (nil, nil)
    var ecdfMax: (Double?, Double?) = (nil, nil)
    /// Statistics (by table name, stage 0 before / 1 after) the document records, even where a
    /// row's value is null (not applicable).
    var recorded: Set<String> = []

    init(match r: MatchSummaryDocument.BalanceRow) {
        name = r.covariate
        meanTreated = (r.meanTreatedBefore, r.meanTreatedAfter)
        meanControl = (r.meanControlBefore, r.meanControlAfter)
        smd = (r.smdBefore, r.smdAfter)
        varianceRatio = (r.varianceRatioBefore, r.varianceRatioAfter)
        ecdfMean = (r.ecdfMeanBefore, r.ecdfMeanAfter)
        ecdfMax = (r.ecdfMaxBefore, r.ecdfMaxAfter)
        for n in ["Mean treated", "Mean comparison", "SMD", "Variance ratio", "eCDF mean", "eCDF max"] {
            recorded.insert(n + " 0"); recorded.insert(n + " 1")
        }
    }

    init(evaluation r: EvaluationDocument.BalanceRow) {
        name = r.covariate
        smd = (r.smdBefore, r.smdAfter)
        varianceRatio = (r.varianceRatioBefore, r.varianceRatioAfter)
        ecdfMax = (r.ecdfMaxBefore, r.ecdfMaxAfter)
        recorded = ["SMD 0", "SMD 1", "Variance ratio 1", "eCDF max 1"]
        // Documents written since these were added record every statistic (a null variance ratio
        // before is a binary covariate, as after).
        if r.meanTreatedBefore != nil {
            meanTreated = (r.meanTreatedBefore, r.meanTreatedAfter)
            meanControl = (r.meanControlBefore, r.meanControlAfter)
            ecdfMean = (r.ecdfMeanBefore, r.ecdfMeanAfter)
            for n in ["Mean treated", "Mean comparison", "Variance ratio", "eCDF mean", "eCDF max"] {
                recorded.insert(n + " 0"); recorded.insert(n + " 1")
            }
        }
    }

    static func recorded(_ statistic: String, stage: Int, _ row: BalanceFigures) -> Bool {
        row.recorded.contains("\(statistic) \(stage)")
    }
}

// MARK: - text

/// Whether a table cell is a number for people (right-aligned): digits with an optional sign,
/// currency symbol, thousands separators, decimals and percent sign, or "." (not applicable).
func isNumeric(_ s: String) -> Bool {
    if s == "." || s.isEmpty { return true }
    var t = Substring(s)
    if t.hasPrefix("-") { t = t.dropFirst() }
    if t.hasPrefix("£") { t = t.dropFirst() }
    if t.hasSuffix("%") { t = t.dropLast() }
    return !t.isEmpty && t.first!.isNumber && t.allSatisfy { $0.isNumber || $0 == "," || $0 == "." }
}


func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// A setting's value as text: strings as they are, lists joined by commas, null as a dot.
func settingText(_ value: JSONValue) -> String {
    switch value {
    case .null: return "."
    case .string(let s): return s
    case .array(let items): return items.map(settingText).joined(separator: ", ")
    default: return value.scalarText
    }
}

extension ReportDocument {
    /// The Justice Data Lab replica: the three measures as the JDL publishes them, then its
    /// match-quality table.
    mutating func justiceDataLabReplica(_ r: EvaluationDocument.JDLReplica, label: String) {
        switch r.measures {
        case .notEstimable(let reason):
            paragraph("Justice Data Lab measures: not estimable (\(reason)).")
        case .estimated(let measures):
            let names = ["one_year_proven_reoffending_rate": "One-year proven reoffending rate (per 100)",
                         "frequency_of_proven_reoffences": "Proven reoffences (per 100 people)",
                         "days_to_first_proven_reoffence": "Days to first proven reoffence (reoffenders)"]
            table(["Measure", "Treated", "Comparison", "Difference", "Interval", "p", "Published"], measures.map { m in
                [names[m.measure] ?? m.measure, fixed(m.treated, decimals: 1), fixed(m.comparison, decimals: 1),
                 fixed(m.difference, decimals: 1),
                 m.lower.flatMap { l in m.upper.map { u in fixed(l, decimals: 1) + " to " + fixed(u, decimals: 1) } } ?? "",
                 fixed(m.pValue, decimals: 4),
                 m.withheld.map { "no: " + $0 } ?? (m.significant ? "yes (significant)" : "yes (not significant)")]
            }, caption: "\(label): Justice Data Lab measures (\(r.method); significant when p <= \(fixed(r.significanceLevel, decimals: 2)))")
            for m in measures { paragraph(m.sentence) }
        }
        if !r.matchQuality.isEmpty {
            table(["Covariate", "Standardised difference before (%)", "After (%)", "Match quality"], r.matchQuality.map { q in
                [q.covariate, fixed(q.before, decimals: 1), fixed(q.after, decimals: 1), q.grade]
            }, caption: "\(label): match quality as the Justice Data Lab grades it (|d| < 5 good, 5 to 10 reasonable, 10 or more poor; d = 100 x mean difference / pooled SD of both groups)")
        }
    }
}
