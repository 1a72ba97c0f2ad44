import Foundation
import PaymentRules

/// A readable report of an output folder, rendered only from the folder's JSON (evaluation.json
/// from `evaluate`, or summary.json from `match`), so the report shows exactly the numbers anyone
/// can re-derive. `report.html` is self-contained (inline CSS and SVG, no network fetches);
/// `report.md` carries the same tables.
public struct FolderReport {
    public let html: String
    public let markdown: String

    /// Renders the report of `folder`.
    public init(folder: URL) throws {
        let evaluation = folder.appendingPathComponent("evaluation.json")
        let summary = folder.appendingPathComponent("summary.json")
        func load(_ url: URL) throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
                throw ReportWriteError(path: url.path, reason: "not a JSON object")
            }
            return object
        }
        var doc = ReportDocument()
        if FileManager.default.fileExists(atPath: evaluation.path) {
            try doc.evaluation(load(evaluation))
        } else if FileManager.default.fileExists(atPath: summary.path) {
            try doc.match(load(summary))
        } else {
            throw ReportWriteError(path: folder.path, reason: "no evaluation.json or summary.json in the folder; run evaluate or match first")
        }
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

    mutating func evaluation(_ e: [String: Any]) throws {
        let plan = e["plan"] as? [String: Any] ?? [:]
        title = "Evaluation: \(plan["name"] as? String ?? "")"
        markdown = "# \(title)\n"
        section("data", "Plan and data")
        let program = e["program"] as? [String: Any] ?? [:]
        paragraph("Plan \(plan["file"] as? String ?? "") evaluated by counterfactual \(program["version"] as? String ?? "").")
        let inputs = (e["inputs"] as? [[String: Any]] ?? []).map { i -> [String] in
            let role = i["role"] as? String ?? ""
            return [role, i["file"] as? String ?? "", role == "plan" ? "" : intText(i["rows"]), i["sha256"] as? String ?? ""]
        }
        table(["Input", "File", "Rows", "SHA-256"], inputs)
        let o = e["outcome"] as? [String: Any] ?? [:]
        table(["Outcome rule", "Records"], [
            ["Offence records read", intText(o["records"])],
            ["Excluded: committed before release", intText(o["offence_before_release"])],
            ["Excluded: committed after the \(intText(o["follow_up_months"]))-month follow-up", intText(o["offence_after_follow_up"])],
            ["Excluded: proven after the \(intText(o["court_lag_months"]))-month court lag", intText(o["proven_after_court_lag"])],
            ["Cautions in the windows", intText(o["cautions_in_window"])],
            ["Qualifying offences", intText(o["qualifying_offences"])],
            ["Reconviction events (distinct court dates)", intText(o["reconviction_events"])],
            ["People released outside every cohort (not evaluated)", intText(e["rows_outside_cohorts"])],
        ], caption: "Measure: \(o["measure"] as? String ?? "")")

        let cohorts = e["cohorts"] as? [[String: Any]] ?? []
        section("outcomes", "Outcomes and payments")
        let payments = e["payments"] as? [String: Any] ?? [:]
        var rows: [[String]] = []
        for c in cohorts {
            let m = c["measure"] as? [String: Any] ?? [:]
            let inf = c["inference"] as? [String: Any] ?? [:]
            let rr = inf["relative_reduction"] as? [String: Any] ?? [:]
            let diff = inf["difference_cluster_robust"] as? [String: Any] ?? [:]
            let trig = c["trigger"] as? [String: Any] ?? [:]
            let pay = c["payment"] as? [String: Any] ?? [:]
            rows.append([c["name"] as? String ?? "", fixed(m["treated_per_100"], 1), fixed(m["comparison_per_100"], 1),
                         percent(m["relative_reduction"]), percent(rr["lower"]) + " to " + percent(rr["upper"]),
                         fixed(diff["p_value"], 4), (trig["met"] as? Bool ?? false) ? "yes" : "no", money(pay["due_pence"], payments["currency"])])
        }
        let pooled = e["pooled"] as? [String: Any] ?? [:]
        rows.append(["Pooled", "", "", percent(pooled["reduction"]), "", fixed(pooled["p_value"], 4),
                     (pooled["met"] as? Bool ?? false) ? "yes" : "no", money(payments["total_due_pence"], payments["currency"])])
        table(["Cohort", "Treated per 100", "Comparison per 100", "Reduction", "95% CI (delta method)", "p", "Threshold met", "Payment due"], rows)
        paragraph("Reduction = 1 - treated/comparison. p: cluster-robust (matched-set) test of the difference in means. "
                  + "Pooled: size-weighted mean of the cohort reductions against the \(percent(pooled["threshold"])) threshold; "
                  + "cohort threshold \(percent((cohorts.first?["trigger"] as? [String: Any])?["threshold"])).")
        for c in cohorts {
            let jdl = c["justice_data_lab"] as? [String: Any] ?? [:]
            paragraph(jdl["statement"] as? String ?? "")
        }

        for (k, c) in cohorts.enumerated() {
            let name = c["name"] as? String ?? "Cohort \(k + 1)"
            section("cohort-\(k + 1)", name)
            paragraph("\(c["selection"] as? String ?? ""): \(intText(c["treated_in_cohort"])) treated people and "
                      + "\(intText(c["comparison_pool"])) in the comparison pool; \(intText(c["rows_excluded_missing"])) excluded for missing values.")
            propensityTable(c["propensity"] as? [String: Any] ?? [:])
            let matching = c["matching"] as? [String: Any] ?? [:]
            paragraph("Matched \(intText(matching["matched_treated"])) treated with \(intText(matching["matched_comparison"])) comparison people "
                      + "(order \(matching["order"] as? String ?? ""); caliper width \(fixed(matching["caliper_width"], 4)) on the distance scale; "
                      + "\(intText(matching["discarded"])) discarded for common support).")
            commonSupport(matching["common_support"] as? [String: Any], label: name)
            balance(matching["balance"] as? [[String: Any]] ?? [], label: name)
            inference(c["inference"] as? [String: Any] ?? [:])
            survival(c["time_to_first_reoffence"] as? [String: Any] ?? [:], label: name)
        }
        section("caveats", "Caveats")
        var caveats: [String] = []
        for c in cohorts {
            let name = c["name"] as? String ?? ""
            let maxSMD = (c["matching"] as? [String: Any])?["max_abs_smd_after"] as? Double ?? 0
            caveats.append(maxSMD > 0.1
                ? "\(name): after matching the largest absolute standardised mean difference is \(fixed(maxSMD, 3)), above the usual 0.1; the comparison may not be like for like."
                : "\(name): covariates are balanced after matching (largest absolute standardised mean difference \(fixed(maxSMD, 3)), below 0.1).")
            let jdl = c["justice_data_lab"] as? [String: Any] ?? [:]
            if let w = jdl["headline_withheld"] as? String { caveats.append("\(name): headline withheld: \(w).") }
            if let w = (c["time_to_first_reoffence"] as? [String: Any])?["withheld"] as? String {
                caveats.append("\(name): time to first reoffence withheld: \(w).")
            }
            if let warnings = (c["matching"] as? [String: Any])?["warnings"] as? [String] {
                for w in warnings { caveats.append("\(name): matching warning: \(w).") }
            }
        }
        caveats.append("Matching balances observed characteristics only; differences in unobserved characteristics between the groups are not accounted for.")
        for c in caveats { paragraph(c) }
    }

    // MARK: match

    mutating func match(_ s: [String: Any]) throws {
        let data = s["data"] as? [String: Any] ?? [:]
        title = "Matching: \(data["file"] as? String ?? "")"
        markdown = "# \(title)\n"
        section("data", "Data")
        table(["Rows read", "Rows used", "Excluded for missing values"],
              [[intText(data["rows_read"]), intText(data["rows_used"]), intText(data["rows_excluded_missing"])]])
        let settings = s["settings"] as? [String: Any] ?? [:]
        table(["Setting", "Value"], settings.keys.sorted().map { [$0, describe(settings[$0])] })
        if let p = s["propensity"] as? [String: Any] {
            section("propensity", "Propensity model")
            propensityTable(p)
        }
        section("matching", "Matching and balance")
        let counts = s["counts"] as? [String: [String: Any]] ?? [:]
        table(["", "Control", "Treated"], ["all", "matched", "unmatched", "discarded", "matched_ess"].map { k in
            [k.replacingOccurrences(of: "_", with: " "), fixed(counts[k]?["control"], 2), fixed(counts[k]?["treated"], 2)]
        })
        commonSupport(s["common_support"] as? [String: Any], label: "all units")
        balance(s["balance"] as? [[String: Any]] ?? [], label: "matched sample")
        section("caveats", "Caveats")
        let after = (s["balance"] as? [[String: Any]] ?? []).filter { ($0["covariate"] as? String) != "distance" }
            .compactMap { r -> (String, Double)? in
                guard let name = r["covariate"] as? String, let v = r["smd_after"] as? Double else { return nil }
                return (name, abs(v))
            }
        if let worst = after.max(by: { $0.1 < $1.1 }) {
            paragraph(worst.1 > 0.1
                ? "After matching the largest absolute standardised mean difference is \(formatFixed(worst.1, decimals: 3)) (\(worst.0)), above the usual 0.1: the groups are not yet comparable on that covariate; consider a caliper, exact matching or a richer model."
                : "Covariates are balanced after matching (largest absolute standardised mean difference \(formatFixed(worst.1, decimals: 3)), below 0.1).")
        }
        for w in s["warnings"] as? [String] ?? [] { paragraph("Matching warning: \(w).") }
        paragraph("Matching balances observed characteristics only; differences in unobserved characteristics are not accounted for.")
    }

    // MARK: shared pieces

    mutating func propensityTable(_ p: [String: Any]) {
        let coefficients = p["coefficients"] as? [String: Any] ?? [:]
        let errors = p["standard_errors"] as? [String: Any] ?? [:]
        // JSONSerialization loses key order; show the intercept first, then by name.
        let names = coefficients.keys.sorted { a, b in a == "(Intercept)" || (b != "(Intercept)" && a < b) }
        table(["Term", "Estimate", "Std. error"], names.map { [$0, sci(coefficients[$0]), sci(errors[$0])] },
              caption: "Propensity model: binomial GLM (\(p["link"] as? String ?? "")), deviance \(fixed(p["deviance"], 3)), AIC \(fixed(p["aic"], 3)), \(intText(p["iterations"])) iterations")
    }

    mutating func balance(_ rows: [[String: Any]], label: String) {
        table(["Covariate", "SMD before", "SMD after"], rows.map {
            [$0["covariate"] as? String ?? "", fixed($0["smd_before"], 4), fixed($0["smd_after"], 4)]
        }, caption: "Balance (standardised mean differences)")
        let points = rows.compactMap { r -> (String, Double, Double)? in
            guard let name = r["covariate"] as? String, let b = r["smd_before"] as? Double, let a = r["smd_after"] as? Double else { return nil }
            return (name, abs(b), abs(a))
        }
        figure(SVG.lovePlot(points), caption: "Love plot (\(label)): absolute standardised mean differences before (hollow) and after (filled) matching, with reference lines at 0.1 and 0.25")
    }

    mutating func commonSupport(_ h: [String: Any]?, label: String) {
        guard let h, let edges = h["edges"] as? [Double] else { return }
        func series(_ key: String) -> [Double] { h[key] as? [Double] ?? [] }
        figure(SVG.histograms(edges: edges, before: (series("treated_before"), series("control_before")),
                              after: (series("treated_after"), series("control_after"))),
               caption: "Common support (\(label)): distribution of the distance in each group, before and after matching (share of each group's weight per bin)")
    }

    mutating func inference(_ inf: [String: Any]) {
        var rows: [[String]] = []
        func add(_ name: String, _ key: String) {
            guard let r = inf[key] as? [String: Any] else { return }
            if let reason = r["not_estimable"] as? String { rows.append([name, "not estimable", "", "", reason]); return }
            rows.append([name, fixed(r["estimate"], 4), fixed(r["lower"], 4) + " to " + fixed(r["upper"], 4), fixed(r["p_value"], 4),
                         r["method"] as? String ?? ""])
        }
        add("Difference (cluster-robust)", "difference_cluster_robust")
        add("Difference (classical)", "difference_model_based")
        add("Relative reduction", "relative_reduction")
        for (name, key) in [("Poisson rate ratio", "poisson"), ("Negative binomial rate ratio", "negative_binomial")] {
            if let r = (inf[key] as? [String: Any])?["cluster_robust"] as? [String: Any] {
                rows.append([name, fixed(r["rate_ratio"], 4), fixed(r["lower"], 4) + " to " + fixed(r["upper"], 4), fixed(r["p_value"], 4),
                             r["method"] as? String ?? ""])
            } else if let reason = (inf[key] as? [String: Any])?["not_estimable"] as? String {
                rows.append([name, "not estimable", "", "", reason])
            }
        }
        if let w = inf["welch_t_test"] as? [String: Any], w["p_value"] != nil {
            rows.append(["Welch t test", fixed(w["difference"], 4), fixed(w["lower"], 4) + " to " + fixed(w["upper"], 4),
                         fixed(w["p_value"], 4), w["method"] as? String ?? ""])
        }
        if let b = inf["bootstrap"] as? [String: Any], b["replicates"] != nil {
            rows.append(["Bootstrap relative reduction", "", fixed(b["relative_reduction_lower"], 4) + " to " + fixed(b["relative_reduction_upper"], 4),
                         "", "\(intText(b["replicates"])) replicates, seed \(b["seed"] as? String ?? ""): \(b["method"] as? String ?? "")"])
        }
        table(["Statistic", "Estimate", "95% interval", "p", "Method"], rows, caption: "Inference")
    }

    mutating func survival(_ t: [String: Any], label: String) {
        if let withheld = t["withheld"] as? String {
            paragraph("Time to first reoffence withheld: \(withheld).")
            return
        }
        if let lr = t["log_rank"] as? [String: Any], lr["p_value"] != nil {
            paragraph("Log-rank test of time to first reoffence: chi-square \(fixed(lr["statistic"], 3)) on \(intText(lr["df"])) df, p = \(fixed(lr["p_value"], 4)).")
        }
        guard let km = t["kaplan_meier"] as? [String: Any], let tr = km["treated"] as? [String: Any],
              let co = km["comparison"] as? [String: Any] else { return }
        func curve(_ c: [String: Any]) -> [(Double, Double)] {
            zip(c["time"] as? [Double] ?? [], c["survival"] as? [Double] ?? []).map { ($0, $1) }
        }
        figure(SVG.kaplanMeier(treated: curve(tr), comparison: curve(co)),
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

// MARK: - formatting

func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

func fixed(_ any: Any?, _ decimals: Int) -> String {
    guard let x = any as? Double else { return (any as? Int).map(String.init) ?? "." }
    return formatFixed(x, decimals: decimals)
}

func percent(_ any: Any?) -> String {
    guard let x = any as? Double else { return "." }
    return formatFixed(100 * x, decimals: 1) + "%"
}

func sci(_ any: Any?) -> String {
    guard let x = any as? Double else { return "." }
    if abs(x) >= 0.001 || x == 0 { return formatFixed(x, decimals: 5) }
    // Small coefficients (e.g. per pound of earnings): five significant digits.
    var digits = 5
    var scaled = abs(x)
    while scaled < 0.1 { scaled *= 10; digits += 1 }
    return formatFixed(x, decimals: min(digits, 15))
}

/// Integer pence as money in the document's currency ("£290,000.00").
func money(_ pence: Any?, _ currency: Any?) -> String {
    guard let p = pence as? Int else { return "." }
    return Money(pence: p, currency: (currency as? String).flatMap { Currency(code: $0) } ?? .gbp).description
}

func intText(_ any: Any?) -> String {
    if let i = any as? Int { return String(i) }
    if let d = any as? Double { return d == d.rounded() ? String(Int(d)) : formatFixed(d, decimals: 2) }
    return "."
}

func describe(_ any: Any?) -> String {
    guard let any else { return "." }
    switch any {
    case let s as String: return s
    case let a as [Any]: return a.map { describe($0) }.joined(separator: ", ")
    default:
        // Foundation bridges JSON numbers 0 and 1 to Bool as well, so look at the boxed type.
        if type(of: any) == Bool.self, let b = any as? Bool { return b ? "true" : "false" }
        if let d = any as? Double { return d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)" }
        return "."
    }
}
