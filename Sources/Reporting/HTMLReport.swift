import Foundation
import TextFormatting
import PaymentRules

/// A readable report of an output folder, rendered only from the folder's result document
/// (evaluation.json from `evaluate`, or summary.json from `match`), so the report shows exactly
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
        var doc = ReportDocument()
        if FileManager.default.fileExists(atPath: evaluation.path) {
            doc.evaluation(try readDocument(EvaluationDocument.self, path: evaluation.path))
        } else if FileManager.default.fileExists(atPath: summary.path) {
            try doc.match(readDocument(MatchSummaryDocument.self, path: summary.path))
        } else {
            throw DocumentError(path: folder.path, message: "no evaluation.json or summary.json in the folder; run evaluate or match first")
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

    mutating func table(_ header: [String], _ rows: [[String]], caption: String? = nil) {
        body += "<table>"
        if let caption { body += "<caption>\(escape(caption))</caption>" }
        body += "<thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows { body += "<tr>" + r.map { "<td>\(escape($0))</td>" }.joined() + "</tr>\n" }
        body += "</tbody></table>\n"
        if let caption { markdown += "*\(caption)*\n\n" }
        markdown += "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
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
            balance(m.balance.map { ($0.covariate, $0.smdBefore, $0.smdAfter) }, label: c.name)
            inference(c.inference)
            survival(c.timeToFirstReoffence, label: c.name)
        }
        section("caveats", "Caveats")
        var caveats: [String] = []
        for c in e.cohorts {
            let maxSMD = c.matching.maxAbsSmdAfter
            caveats.append(maxSMD > 0.1
                ? "\(c.name): after matching the largest absolute standardised mean difference is \(fixed(maxSMD, decimals: 3)), above the usual 0.1; the comparison may not be like for like."
                : "\(c.name): covariates are balanced after matching (largest absolute standardised mean difference \(fixed(maxSMD, decimals: 3)), below 0.1).")
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
            [name, fixed(pair.control, decimals: 2), fixed(pair.treated, decimals: 2)]
        })
        commonSupport(s.commonSupport, label: "all units")
        balance(s.balance.map { ($0.covariate, $0.smdBefore, $0.smdAfter) }, label: "matched sample")
        section("caveats", "Caveats")
        let after = s.balance.filter { $0.covariate != "distance" }.compactMap { r -> (String, Double)? in
            guard let v = r.smdAfter, v.isFinite else { return nil }
            return (r.covariate, abs(v))
        }
        if let worst = after.max(by: { $0.1 < $1.1 }) {
            paragraph(worst.1 > 0.1
                ? "After matching the largest absolute standardised mean difference is \(formatFixed(worst.1, decimals: 3)) (\(worst.0)), above the usual 0.1: the groups are not yet comparable on that covariate; consider a caliper, exact matching or a richer model."
                : "Covariates are balanced after matching (largest absolute standardised mean difference \(formatFixed(worst.1, decimals: 3)), below 0.1).")
        }
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

    /// The balance table and Love plot from (covariate, SMD before, SMD after).
    mutating func balance(_ rows: [(String, Double?, Double?)], label: String) {
        table(["Covariate", "SMD before", "SMD after"], rows.map { [$0.0, fixed($0.1, decimals: 4), fixed($0.2, decimals: 4)] },
              caption: "Balance (standardised mean differences)")
        let points = rows.compactMap { r -> (String, Double, Double)? in
            guard let b = r.1, let a = r.2, b.isFinite, a.isFinite else { return nil }
            return (r.0, abs(b), abs(a))
        }
        figure(SVG.lovePlot(points), caption: "Love plot (\(label)): absolute standardised mean differences before (hollow) and after (filled) matching, with reference lines at 0.1 and 0.25")
    }

    mutating func commonSupport(_ h: DistanceHistogram?, label: String) {
        guard let h else { return }
        figure(SVG.histograms(edges: h.edges, before: (h.treatedBefore, h.controlBefore), after: (h.treatedAfter, h.controlAfter)),
               caption: "Common support (\(label)): distribution of the distance in each group, before and after matching (share of each group's weight per bin)")
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

    mutating func survival(_ t: EvaluationDocument.TimeToFirstReoffence, label: String) {
        if let withheld = t.withheld {
            paragraph("Time to first reoffence withheld: \(withheld).")
            return
        }
        if let lr = t.logRank.value {
            paragraph("Log-rank test of time to first reoffence: chi-square \(fixed(lr.statistic, decimals: 3)) on \(formatCount(lr.df)) df, p = \(fixed(lr.pValue, decimals: 4)).")
        }
        guard let km = t.kaplanMeier.value else { return }
        func curve(_ c: EvaluationDocument.KaplanMeierCurve) -> [(Double, Double)] { zip(c.time, c.survival).map { ($0, $1) } }
        figure(SVG.kaplanMeier(treated: curve(km.treated), comparison: curve(km.comparison)),
               caption: "Kaplan-Meier curves (\(label)): share not yet reoffending by days since release")
    }

    func html() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
        h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
        table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:600;padding:.3em 0}
        th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
        figure{margin:1em 0}figcaption{font-size:.85em;color:#444}svg{max-width:100%;height:auto;background:#fff}
        </style></head><body>
        <h1>\(escape(title))</h1>
        <nav>\(sections.map { "<a href=\"#\($0)\">\($0)</a>" }.joined(separator: " · "))</nav>
        \(body)</body></html>

        """
    }
}

// MARK: - SVG charts

enum SVG {
    static let treatedColour = "#c0392b", comparisonColour = "#2471a3"

    static func number(_ x: Double) -> String { formatFixed(x, decimals: 1) }

    /// Two panels of overlaid histograms (before, after).
    static func histograms(edges: [Double], before: ([Double], [Double]), after: ([Double], [Double])) -> String {
        let panelWidth = 420.0, height = 220.0, margin = 35.0
        let maxShare = max(0.01, (before.0 + before.1 + after.0 + after.1).max() ?? 0.01)
        func panel(_ series: ([Double], [Double]), _ x0: Double, _ title: String) -> String {
            var s = "<text x=\"\(number(x0 + panelWidth / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(title)</text>"
            let bins = max(1, edges.count - 1), w = (panelWidth - 2 * margin) / Double(bins)
            for (values, colour) in [(series.1, comparisonColour), (series.0, treatedColour)] {
                for (k, v) in values.enumerated() where v > 0 {
                    let h = v / maxShare * (height - 2 * margin)
                    s += "<rect x=\"\(number(x0 + margin + Double(k) * w))\" y=\"\(number(height - margin - h))\" width=\"\(number(w))\" height=\"\(number(h))\" fill=\"\(colour)\" fill-opacity=\"0.45\"/>"
                }
            }
            s += "<line x1=\"\(number(x0 + margin))\" y1=\"\(number(height - margin))\" x2=\"\(number(x0 + panelWidth - margin))\" y2=\"\(number(height - margin))\" stroke=\"#333\"/>"
            if let lo = edges.first, let hi = edges.last {
                s += "<text x=\"\(number(x0 + margin))\" y=\"\(number(height - margin + 15))\" font-size=\"11\">\(formatFixed(lo, decimals: 3))</text>"
                s += "<text x=\"\(number(x0 + panelWidth - margin))\" y=\"\(number(height - margin + 15))\" font-size=\"11\" text-anchor=\"end\">\(formatFixed(hi, decimals: 3))</text>"
            }
            return s
        }
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(2 * panelWidth)) \(number(height + 20))\" role=\"img\">"
            + panel(before, 0, "Before matching") + panel(after, panelWidth, "After matching") + legend(y: height + 12) + "</svg>"
    }

    static func legend(y: Double) -> String {
        "<rect x=\"40\" y=\"\(number(y - 9))\" width=\"10\" height=\"10\" fill=\"\(treatedColour)\"/><text x=\"55\" y=\"\(number(y))\" font-size=\"11\">treated</text>"
            + "<rect x=\"120\" y=\"\(number(y - 9))\" width=\"10\" height=\"10\" fill=\"\(comparisonColour)\"/><text x=\"135\" y=\"\(number(y))\" font-size=\"11\">comparison</text>"
    }

    /// |SMD| per covariate before (hollow) and after (filled), with 0.1 and 0.25 reference lines.
    static func lovePlot(_ points: [(String, Double, Double)]) -> String {
        let left = 160.0, width = 600.0, rowHeight = 18.0, top = 20.0
        let height = top + Double(points.count) * rowHeight + 30
        let maxX = max(0.3, points.map { max($0.1, $0.2) }.max() ?? 0.3) * 1.05
        func x(_ v: Double) -> Double { left + v / maxX * (width - left - 20) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\">"
        for (ref, dash) in [(0.1, "4 3"), (0.25, "2 2")] {
            s += "<line x1=\"\(number(x(ref)))\" y1=\"\(number(top - 8))\" x2=\"\(number(x(ref)))\" y2=\"\(number(height - 25))\" stroke=\"#777\" stroke-dasharray=\"\(dash)\"/>"
            s += "<text x=\"\(number(x(ref)))\" y=\"\(number(height - 12))\" font-size=\"10\" text-anchor=\"middle\">\(formatFixed(ref, decimals: 2))</text>"
        }
        for (k, p) in points.enumerated() {
            let y = top + Double(k) * rowHeight
            s += "<text x=\"\(number(left - 8))\" y=\"\(number(y + 4))\" font-size=\"11\" text-anchor=\"end\">\(escape(p.0))</text>"
            s += "<line x1=\"\(number(x(p.1)))\" y1=\"\(number(y))\" x2=\"\(number(x(p.2)))\" y2=\"\(number(y))\" stroke=\"#bbb\"/>"
            s += "<circle cx=\"\(number(x(p.1)))\" cy=\"\(number(y))\" r=\"4\" fill=\"none\" stroke=\"#333\"/>"
            s += "<circle cx=\"\(number(x(p.2)))\" cy=\"\(number(y))\" r=\"4\" fill=\"#333\"/>"
        }
        return s + "</svg>"
    }

    /// Step curves of survival by days.
    static func kaplanMeier(treated: [(Double, Double)], comparison: [(Double, Double)]) -> String {
        let width = 640.0, height = 300.0, margin = 40.0
        let maxT = max(1, (treated + comparison).map(\.0).max() ?? 1)
        func x(_ t: Double) -> Double { margin + t / maxT * (width - 2 * margin) }
        func y(_ s: Double) -> Double { height - margin - s * (height - 2 * margin) }
        func path(_ c: [(Double, Double)], _ colour: String) -> String {
            var d = "M\(number(x(0))),\(number(y(1)))"
            var last = 1.0
            for (t, s) in c {
                d += " L\(number(x(t))),\(number(y(last))) L\(number(x(t))),\(number(y(s)))"
                last = s
            }
            d += " L\(number(x(maxT))),\(number(y(last)))"
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height + 10))\" role=\"img\">"
        s += "<line x1=\"\(number(margin))\" y1=\"\(number(height - margin))\" x2=\"\(number(width - margin))\" y2=\"\(number(height - margin))\" stroke=\"#333\"/>"
        s += "<line x1=\"\(number(margin))\" y1=\"\(number(margin))\" x2=\"\(number(margin))\" y2=\"\(number(height - margin))\" stroke=\"#333\"/>"
        for v in [0.0, 0.5, 1.0] {
            s += "<text x=\"\(number(margin - 5))\" y=\"\(number(y(v) + 4))\" font-size=\"10\" text-anchor=\"end\">\(formatFixed(v, decimals: 1))</text>"
        }
        s += "<text x=\"\(number(width - margin))\" y=\"\(number(height - margin + 15))\" font-size=\"10\" text-anchor=\"end\">\(Int(maxT)) days</text>"
        s += path(comparison, comparisonColour) + path(treated, treatedColour) + legend(y: height + 5)
        return s + "</svg>"
    }
}

// MARK: - text

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
