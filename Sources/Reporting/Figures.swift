import Foundation
import TextFormatting

/// The report's figures as inline SVG. Every plot has tick labels and a title on each axis; the
/// elements are marked with the classes `x-tick`, `y-tick`, `x-title` and `y-title` so that
/// Scripts/check-report can refuse a figure without them.
///
/// - Love plot (after cobalt's `love.plot`): one row per covariate term, sorted by |SMD| before
///   matching (largest at the top), |SMD| before (hollow) and after (filled) with a line at 0 and
///   a dashed threshold line; optional panels for the variance ratio (line at 1, dashed at 0.5
///   and 2) and the Kolmogorov-Smirnov statistic (the largest eCDF difference, line at 0).
/// - Common support: mirrored histograms of the distance, treated above the axis and comparison
///   below, before and after matching.
/// - Gamma curve (Rosenbaum bounds): the upper and lower bounds on the one-sided p-value against
///   Gamma, a dashed line at the one-sided significance level and a dotted line at the critical Gamma.
/// - Kaplan-Meier: step curves with pointwise confidence bands (R's default `conf.type = "log"`:
///   `S · exp(± z · se(S) / S)`, capped at 1) and a numbers-at-risk table under the axis.
enum SVG {
    static let treatedColour = "#c0392b", comparisonColour = "#2471a3"

    static func number(_ x: Double) -> String { formatFixed(x, decimals: 1) }

    // MARK: axes

    /// About `count` round tick values within [lo, hi]: the step is the one of 1, 2, 5 or 10 times a
    /// power of ten nearest (on a log scale) to (hi - lo) / count.
    static func ticks(_ lo: Double, _ hi: Double, count: Int = 5) -> [Double] {
        guard hi > lo, lo.isFinite, hi.isFinite else { return [lo] }
        let raw = (hi - lo) / Double(max(1, count))
        let exponent = Int((log10(raw)).rounded(.down))
        let scale = pow(10, Double(abs(exponent)))
        // A tick is k · m · 10^exponent, computed as one product or quotient of whole numbers so
        // that 0.6 is 6 / 10, not 0.2 + 0.2 + 0.2.
        func value(_ units: Int) -> Double { exponent >= 0 ? Double(units) * scale : Double(units) / scale }
        let m = [1, 2, 5, 10].min { abs(log(value($0) / raw)) < abs(log(value($1) / raw)) }!
        let first = Int((lo / value(m)).rounded(.up)), last = Int((hi / value(m) + 1e-9).rounded(.down))
        guard first <= last else { return [lo] }
        return (first...last).map { value($0 * m) }
    }

    /// Decimals enough to tell the ticks apart.
    static func tickDecimals(_ ticks: [Double]) -> Int {
        guard ticks.count > 1 else { return 2 }
        let step = abs(ticks[1] - ticks[0])
        return max(0, min(6, Int((-log10(step)).rounded(.up))))
    }

    /// A rectangle of the drawing with linear scales on both axes.
    struct Frame {
        var left: Double, top: Double, width: Double, height: Double
        var xRange: (Double, Double), yRange: (Double, Double)

        func x(_ v: Double) -> Double {
            left + (v - xRange.0) / max(1e-300, xRange.1 - xRange.0) * width
        }
        func y(_ v: Double) -> Double {
            top + height - (v - yRange.0) / max(1e-300, yRange.1 - yRange.0) * height
        }
        var bottom: Double { top + height }
        var right: Double { left + width }

        /// Axis lines, ticks with labels, and the two axis titles.
        func axes(xTicks: [Double], yTicks: [Double], xTitle: String, yTitle: String,
                  xText: (Double) -> String, yText: (Double) -> String) -> String {
            var s = "<g class=\"axes\" font-size=\"10\" fill=\"#222\">"
            s += line(left, bottom, right, bottom)
            s += line(left, top, left, bottom)
            for t in xTicks {
                s += line(x(t), bottom, x(t), bottom + 4)
                s += "<text class=\"x-tick\" x=\"\(number(x(t)))\" y=\"\(number(bottom + 14))\" text-anchor=\"middle\">\(escape(xText(t)))</text>"
            }
            for t in yTicks {
                s += line(left - 4, y(t), left, y(t))
                s += "<text class=\"y-tick\" x=\"\(number(left - 6))\" y=\"\(number(y(t) + 3))\" text-anchor=\"end\">\(escape(yText(t)))</text>"
            }
            s += "<text class=\"x-title\" x=\"\(number(left + width / 2))\" y=\"\(number(bottom + 30))\" text-anchor=\"middle\" font-size=\"11\">\(escape(xTitle))</text>"
            let cy = top + height / 2, cx = left - 42
            s += "<text class=\"y-title\" x=\"\(number(cx))\" y=\"\(number(cy))\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 \(number(cx)) \(number(cy)))\">\(escape(yTitle))</text>"
            return s + "</g>"
        }
    }

    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#333", dash: String? = nil) -> String {
        "<line x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
    }

    static func svg(width: Double, height: Double, label: String, _ content: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height))\" role=\"img\" aria-label=\"\(escape(label))\">" + content + "</svg>"
    }

    /// A legend entry: a swatch (`shape`) and a label, from (x, y).
    static func legendEntry(x: Double, y: Double, shape: String, label: String) -> String {
        shape + "<text x=\"\(number(x + 14))\" y=\"\(number(y + 4))\" font-size=\"11\">\(escape(label))</text>"
    }

    static func groupLegend(x: Double, y: Double) -> String {
        "<g class=\"legend\">"
            + legendEntry(x: x, y: y, shape: "<rect x=\"\(number(x))\" y=\"\(number(y - 5))\" width=\"10\" height=\"10\" fill=\"\(treatedColour)\"/>", label: "treated")
            + legendEntry(x: x + 80, y: y, shape: "<rect x=\"\(number(x + 80))\" y=\"\(number(y - 5))\" width=\"10\" height=\"10\" fill=\"\(comparisonColour)\"/>", label: "comparison")
            + "</g>"
    }

    // MARK: Love plot

    /// One covariate term of a Love plot: the statistics before and after matching (nil where not
    /// recorded or not applicable).
    struct LoveRow {
        var name: String
        var smd: (before: Double?, after: Double?)
        var varianceRatio: (before: Double?, after: Double?)
        var ks: (before: Double?, after: Double?)
    }

    /// The Love plot: |SMD| panel, then a variance-ratio and a KS panel when any row has them.
    static func lovePlot(_ rows: [LoveRow], threshold: Double) -> String {
        func finite(_ x: Double?) -> Double? { x.flatMap { $0.isFinite ? $0 : nil } }
        // Sorted by |SMD| before matching, largest first (cobalt's var.order = "unadjusted").
        let sorted = rows.enumerated().sorted { a, b in
            let x = finite(a.element.smd.before).map(abs) ?? -1, y = finite(b.element.smd.before).map(abs) ?? -1
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        typealias Panel = (title: String, values: (LoveRow) -> (Double?, Double?), reference: Double, dashed: [Double])
        var panels: [Panel] = [("Absolute standardised mean difference", { (finite($0.smd.before).map(abs), finite($0.smd.after).map(abs)) }, 0, [threshold])]
        if rows.contains(where: { finite($0.varianceRatio.before) != nil || finite($0.varianceRatio.after) != nil }) {
            panels.append(("Variance ratio (treated / comparison)", { (finite($0.varianceRatio.before), finite($0.varianceRatio.after)) }, 1, [0.5, 2]))
        }
        if rows.contains(where: { finite($0.ks.before) != nil || finite($0.ks.after) != nil }) {
            panels.append(("Kolmogorov-Smirnov statistic (largest eCDF difference)", { (finite($0.ks.before), finite($0.ks.after)) }, 0, []))
        }
        let labelWidth = 170.0, panelWidth = 250.0, gap = 30.0, rowHeight = 18.0, top = 36.0
        let plotHeight = max(rowHeight, Double(sorted.count) * rowHeight)
        let width = labelWidth + Double(panels.count) * (panelWidth + gap)
        let height = top + plotHeight + 60
        var s = ""
        for (k, panel) in panels.enumerated() {
            let values = sorted.map(panel.values)
            let all = values.flatMap { [$0.0, $0.1] }.compactMap { $0 } + [panel.reference] + panel.dashed
            let hi = (all.max() ?? 1) * 1.05 + (panel.reference == 1 ? 0.05 : 0), lo = min(0, all.min() ?? 0)
            let frame = Frame(left: labelWidth + Double(k) * (panelWidth + gap), top: top, width: panelWidth, height: plotHeight,
                              xRange: (lo, max(hi, lo + 0.1)), yRange: (0, plotHeight))
            let xt = ticks(frame.xRange.0, frame.xRange.1, count: 4), d = tickDecimals(xt)
            func rowY(_ i: Int) -> Double { top + (Double(i) + 0.5) * rowHeight }
            s += "<text x=\"\(number(frame.left + panelWidth / 2))\" y=\"\(number(top - 20))\" text-anchor=\"middle\" font-size=\"12\">\(escape(panel.title))</text>"
            // Covariate names are the y axis' tick labels (on the first panel only).
            s += "<g class=\"axes\" font-size=\"10\" fill=\"#222\">"
            s += line(frame.left, frame.bottom, frame.right, frame.bottom) + line(frame.left, top, frame.left, frame.bottom)
            for t in xt {
                s += line(frame.x(t), frame.bottom, frame.x(t), frame.bottom + 4)
                s += "<text class=\"x-tick\" x=\"\(number(frame.x(t)))\" y=\"\(number(frame.bottom + 14))\" text-anchor=\"middle\">\(formatFixed(t, decimals: d))</text>"
            }
            if k == 0 {
                for (i, row) in sorted.enumerated() {
                    s += "<text class=\"y-tick\" x=\"\(number(frame.left - 8))\" y=\"\(number(rowY(i) + 4))\" text-anchor=\"end\" font-size=\"11\">\(escape(row.name))</text>"
                }
                let cy = top + plotHeight / 2
                s += "<text class=\"y-title\" x=\"12\" y=\"\(number(cy))\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 12 \(number(cy)))\">Covariate (sorted by |SMD| before matching)</text>"
            }
            s += "<text class=\"x-title\" x=\"\(number(frame.left + panelWidth / 2))\" y=\"\(number(frame.bottom + 30))\" text-anchor=\"middle\" font-size=\"11\">\(panel.reference == 1 ? "Variance ratio" : k == 0 ? "|SMD|" : "KS statistic")</text>"
            s += "</g>"
            s += line(frame.x(panel.reference), top, frame.x(panel.reference), frame.bottom, stroke: "#555")
            for t in panel.dashed {
                s += "<g class=\"threshold\">" + line(frame.x(t), top, frame.x(t), frame.bottom, stroke: "#888", dash: "5 3") + "</g>"
            }
            for (i, v) in values.enumerated() {
                let y = rowY(i)
                if let b = v.0, let a = v.1 { s += line(frame.x(b), y, frame.x(a), y, stroke: "#bbb") }
                if let b = v.0 { s += "<circle cx=\"\(number(frame.x(b)))\" cy=\"\(number(y))\" r=\"4\" fill=\"#fff\" stroke=\"#333\"/>" }
                if let a = v.1 { s += "<circle cx=\"\(number(frame.x(a)))\" cy=\"\(number(y))\" r=\"4\" fill=\"#333\"/>" }
            }
        }
        let ly = height - 10
        s += "<g class=\"legend\">"
        s += legendEntry(x: labelWidth, y: ly, shape: "<circle cx=\"\(number(labelWidth + 5))\" cy=\"\(number(ly))\" r=\"4\" fill=\"#fff\" stroke=\"#333\"/>", label: "before matching")
        s += legendEntry(x: labelWidth + 130, y: ly, shape: "<circle cx=\"\(number(labelWidth + 135))\" cy=\"\(number(ly))\" r=\"4\" fill=\"#333\"/>", label: "after matching")
        s += legendEntry(x: labelWidth + 260, y: ly, shape: line(labelWidth + 258, ly, labelWidth + 270, ly, stroke: "#888", dash: "5 3"), label: "threshold |SMD| = \(formatFixed(threshold, decimals: 2))")
        s += "</g>"
        return svg(width: width, height: height, label: "Love plot", s)
    }

    // MARK: common support

    /// Mirrored histograms of the distance: treated shares above the axis, comparison shares below,
    /// one panel before and one after matching, on the same scales.
    static func histograms(edges: [Double], before: ([Double], [Double]), after: ([Double], [Double])) -> String {
        let panelWidth = 400.0, plotHeight = 220.0, left = 70.0, gap = 80.0, top = 30.0
        let maxShare = max(0.01, (before.0 + before.1 + after.0 + after.1).max() ?? 0.01)
        let lo = edges.first ?? 0, hi = max(edges.last ?? 1, lo + 1e-9)
        let yt = ticks(0, maxShare, count: 3)
        let yTicks = yt.reversed().map { -$0 } + yt.dropFirst()
        let bound = max(maxShare, yt.last ?? maxShare)
        let dy = tickDecimals(yt.map { $0 * 100 })
        var s = ""
        for (k, (series, title)) in [(before, "Before matching"), (after, "After matching")].enumerated() {
            let frame = Frame(left: left + Double(k) * (panelWidth + gap), top: top, width: panelWidth, height: plotHeight,
                              xRange: (lo, hi), yRange: (-bound, bound))
            s += "<text x=\"\(number(frame.left + panelWidth / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\">\(title)</text>"
            let bins = max(1, edges.count - 1)
            for (values, colour, up) in [(series.0, treatedColour, true), (series.1, comparisonColour, false)] {
                for (b, v) in values.enumerated() where v > 0 && b < bins {
                    let x0 = frame.x(edges[b]), x1 = frame.x(edges[b + 1])
                    let y0 = frame.y(0), y1 = frame.y(up ? v : -v)
                    s += "<rect x=\"\(number(x0))\" y=\"\(number(min(y0, y1)))\" width=\"\(number(max(0.5, x1 - x0 - 0.5)))\" height=\"\(number(abs(y1 - y0)))\" fill=\"\(colour)\" fill-opacity=\"0.7\"/>"
                }
            }
            s += line(frame.left, frame.y(0), frame.right, frame.y(0), stroke: "#333")
            let xt = ticks(lo, hi, count: 4), d = tickDecimals(xt)
            s += frame.axes(xTicks: xt, yTicks: yTicks, xTitle: "Distance", yTitle: "Share of group (%)",
                            xText: { formatFixed($0, decimals: d) }, yText: { formatFixed(abs($0) * 100, decimals: dy) })
            s += "<text x=\"\(number(frame.right - 4))\" y=\"\(number(top + 12))\" text-anchor=\"end\" font-size=\"10\" fill=\"\(treatedColour)\">treated ↑</text>"
            s += "<text x=\"\(number(frame.right - 4))\" y=\"\(number(frame.bottom - 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"\(comparisonColour)\">comparison ↓</text>"
        }
        let height = top + plotHeight + 60
        return svg(width: left + 2 * panelWidth + gap + 20, height: height, label: "Common support",
                   s + groupLegend(x: left, y: height - 10))
    }

    // MARK: Kaplan-Meier

    /// One group's curve: times (days), survival, standard error of S(t), number at risk.
    struct SurvivalCurve {
        var time: [Double]
        var survival: [Double]
        var standardError: [Double]
        var atRisk: [Double]

        /// The number at risk at `t`: at the first recorded time at or after `t` (every follow-up
        /// time, event or censoring, is recorded, so no one leaves the risk set in between); 0
        /// after the last.
        func atRisk(at t: Double) -> Double {
            guard let i = time.firstIndex(where: { $0 >= t }) else { return 0 }
            return atRisk[i]
        }
    }

    /// Step curves with `level` confidence bands and a numbers-at-risk table.
    static func kaplanMeier(treated: SurvivalCurve, comparison: SurvivalCurve, level: Double, z: Double) -> String {
        let width = 700.0, left = 80.0, top = 20.0, plotWidth = 580.0, plotHeight = 260.0
        let maxT = max(1, (treated.time + comparison.time).max() ?? 1)
        let frame = Frame(left: left, top: top, width: plotWidth, height: plotHeight, xRange: (0, maxT), yRange: (0, 1))
        let xt = ticks(0, maxT, count: 6)
        func band(_ c: SurvivalCurve, _ colour: String) -> String {
            // Steps of the lower and upper limits, upper forwards then lower backwards.
            var upper: [(Double, Double)] = [(0, 1)], lower: [(Double, Double)] = [(0, 1)]
            var lastU = 1.0, lastL = 1.0
            for i in c.time.indices {
                let s = c.survival[i], se = c.standardError[i]
                var u = lastU, l = lastL
                if s > 0, se.isFinite {
                    u = min(1, s * exp(z * se / s)); l = s * exp(-z * se / s)
                } else if s == 0 { u = 0; l = 0 }
                upper += [(c.time[i], lastU), (c.time[i], u)]
                lower += [(c.time[i], lastL), (c.time[i], l)]
                lastU = u; lastL = l
            }
            upper.append((maxT, lastU)); lower.append((maxT, lastL))
            let points = (upper + lower.reversed()).map { "\(number(frame.x($0.0))),\(number(frame.y($0.1)))" }.joined(separator: " ")
            return "<polygon class=\"band\" points=\"\(points)\" fill=\"\(colour)\" fill-opacity=\"0.15\" stroke=\"none\"/>"
        }
        func path(_ c: SurvivalCurve, _ colour: String) -> String {
            var d = "M\(number(frame.x(0))),\(number(frame.y(1)))"
            var last = 1.0
            for (t, s) in zip(c.time, c.survival) {
                d += " L\(number(frame.x(t))),\(number(frame.y(last))) L\(number(frame.x(t))),\(number(frame.y(s)))"
                last = s
            }
            d += " L\(number(frame.x(maxT))),\(number(frame.y(last)))"
            return "<path d=\"\(d)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>"
        }
        var s = band(comparison, comparisonColour) + band(treated, treatedColour)
        s += path(comparison, comparisonColour) + path(treated, treatedColour)
        s += frame.axes(xTicks: xt, yTicks: [0, 0.2, 0.4, 0.6, 0.8, 1], xTitle: "Days since release",
                        yTitle: "Share not yet reoffending", xText: { formatFixed($0, decimals: 0) }, yText: { formatFixed($0, decimals: 1) })
        // Numbers at risk under the axis, one row per group, at the x ticks.
        var y = frame.bottom + 52
        s += "<text x=\"\(number(left - 70))\" y=\"\(number(y - 14))\" font-size=\"10\" font-weight=\"bold\">Number at risk</text>"
        for (name, c, colour) in [("treated", treated, treatedColour), ("comparison", comparison, comparisonColour)] {
            s += "<text x=\"\(number(left - 70))\" y=\"\(number(y))\" font-size=\"10\" fill=\"\(colour)\">\(name)</text>"
            for t in xt {
                s += "<text class=\"at-risk\" x=\"\(number(frame.x(t)))\" y=\"\(number(y))\" text-anchor=\"middle\" font-size=\"10\">\(groupedCount(c.atRisk(at: t)))</text>"
            }
            y += 14
        }
        let height = y + 20
        s += groupLegend(x: left, y: height - 8)
        s += "<text x=\"\(number(left + 200))\" y=\"\(number(height - 4))\" font-size=\"11\">shaded: \(formatLevel(level))% pointwise confidence band</text>"
        return svg(width: width, height: height, label: "Kaplan-Meier curves", s)
    }

    // MARK: Gamma curve

    /// The bounds on a one-sided p-value over a grid of Gamma, with the level and the critical Gamma.
    static func gammaCurve(gammas: [Double], upper: [Double], lower: [Double], level: Double, critical: Double?) -> String {
        let width = 700.0, left = 80.0, top = 20.0, plotWidth = 580.0, plotHeight = 240.0
        let lo = gammas.first ?? 1, hi = max((gammas.last ?? 2), lo + 0.1)
        let yMax = min(1, max(2 * level, (upper.filter(\.isFinite).max() ?? 1) * 1.05))
        let frame = Frame(left: left, top: top, width: plotWidth, height: plotHeight, xRange: (lo, hi), yRange: (0, yMax))
        let xt = ticks(lo, hi, count: 6), yt = ticks(0, yMax, count: 5)
        func path(_ values: [Double], _ colour: String, dash: String?) -> String {
            let points = zip(gammas, values).filter { $0.1.isFinite }
                .map { "\(number(frame.x($0.0))),\(number(frame.y(min($0.1, yMax))))" }
            guard !points.isEmpty else { return "" }
            return "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash.map { " stroke-dasharray=\"\($0)\"" } ?? "")/>"
        }
        var s = line(frame.left, frame.y(level), frame.right, frame.y(level), stroke: "#777", dash: "5,4")
        s += "<text x=\"\(number(frame.right - 4))\" y=\"\(number(frame.y(level) - 4))\" text-anchor=\"end\" font-size=\"10\">one-sided level \(escape(formatFixed(level, decimals: 3)))</text>"
        if let g = critical, g >= lo, g <= hi {
            s += line(frame.x(g), frame.top, frame.x(g), frame.bottom, stroke: "#777", dash: "2,3")
            s += "<text x=\"\(number(frame.x(g) + 4))\" y=\"\(number(frame.top + 10))\" font-size=\"10\">critical Gamma \(escape(formatFixed(g, decimals: 2)))</text>"
        }
        s += path(lower, comparisonColour, dash: "4,3") + path(upper, treatedColour, dash: nil)
        s += frame.axes(xTicks: xt, yTicks: yt, xTitle: "Gamma (odds of treatment between matched people, at most)",
                        yTitle: "One-sided p-value", xText: { formatFixed($0, decimals: tickDecimals(xt)) },
                        yText: { formatFixed($0, decimals: tickDecimals(yt)) })
        let y = frame.bottom + 50
        s += "<g class=\"legend\">"
            + legendEntry(x: left, y: y, shape: line(left, y, left + 10, y, stroke: treatedColour), label: "upper bound")
            + legendEntry(x: left + 110, y: y, shape: line(left + 110, y, left + 120, y, stroke: comparisonColour, dash: "4,3"), label: "lower bound")
            + "</g>"
        return svg(width: width, height: y + 16, label: "Rosenbaum bounds on the p-value against Gamma", s)
    }
}
