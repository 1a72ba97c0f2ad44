import XCTest
import TextFormatting
@testable import Reporting

final class FigureTests: XCTestCase {
    func testTicksAreRoundAndCoverTheRange() {
        XCTAssertEqual(SVG.ticks(0, 1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(SVG.ticks(0, 365, count: 6), [0, 50, 100, 150, 200, 250, 300, 350])
        XCTAssertEqual(SVG.ticks(0.01, 0.85, count: 4), [0.2, 0.4, 0.6, 0.8])
        XCTAssertEqual(SVG.ticks(-0.3, 0.3, count: 3), [-0.2, 0, 0.2])
        XCTAssertEqual(SVG.tickDecimals([0, 0.2, 0.4]), 1)
        XCTAssertEqual(SVG.tickDecimals([0, 100, 200]), 0)
    }

    func classes(_ svg: String) -> [String: Int] {
        var out: [String: Int] = [:]
        for c in ["x-tick", "y-tick", "x-title", "y-title"] {
            out[c] = svg.components(separatedBy: "class=\"\(c)\"").count - 1
        }
        return out
    }

    /// Rows sorted by |SMD| before matching (largest first); panels for VR and KS only when recorded.
    func testLovePlotOrderPanelsAndAxes() {
        let rows = [
            SVG.LoveRow(name: "age", smd: (0.05, 0.01), varianceRatio: (nil, nil), ks: (nil, nil)),
            SVG.LoveRow(name: "educ", smd: (-0.6, 0.02), varianceRatio: (nil, nil), ks: (nil, nil)),
            SVG.LoveRow(name: "married", smd: (0.3, -0.2), varianceRatio: (nil, nil), ks: (nil, nil)),
        ]
        let svg = SVG.lovePlot(rows, threshold: 0.1)
        let educ = svg.range(of: ">educ<")!.lowerBound, married = svg.range(of: ">married<")!.lowerBound, age = svg.range(of: ">age<")!.lowerBound
        XCTAssertLessThan(educ, married)
        XCTAssertLessThan(married, age)
        XCTAssertFalse(svg.contains("Variance ratio"))
        XCTAssertTrue(svg.contains("before matching") && svg.contains("after matching") && svg.contains("threshold"))
        let c = classes(svg)
        XCTAssertEqual(c["y-tick"], 3)
        XCTAssertEqual(c["x-title"], 1)
        XCTAssertEqual(c["y-title"], 1)
        XCTAssertGreaterThan(c["x-tick"]!, 2)

        var withVR = rows
        withVR[0].varianceRatio = (1.5, 1.1)
        withVR[1].ks = (nil, 0.04)
        let three = SVG.lovePlot(withVR, threshold: 0.1)
        XCTAssertTrue(three.contains("Variance ratio (treated / comparison)"))
        XCTAssertTrue(three.contains("Kolmogorov-Smirnov"))
        XCTAssertEqual(classes(three)["x-title"], 3)
    }

    /// Treated bars above the zero line, comparison bars below.
    func testHistogramsAreMirrored() {
        let svg = SVG.histograms(edges: [0, 0.5, 1], before: ([1, 0], [0, 1]), after: ([0.5, 0.5], [0.5, 0.5]))
        let c = classes(svg)
        XCTAssertEqual(c["x-title"], 2)
        XCTAssertEqual(c["y-title"], 2)
        // Bars: rects of the treated colour end at the axis (y + height = axis), comparison ones start there.
        let rects = svg.components(separatedBy: "<rect ").dropFirst().map { $0.components(separatedBy: "/>")[0] }.filter { $0.contains("fill-opacity") }
        func attribute(_ r: String, _ name: String) -> Double {
            let s = r.components(separatedBy: "\(name)=\"")[1]
            return Double(s.prefix { $0 != "\"" })!
        }
        let treated = rects.filter { $0.contains(SVG.treatedColour) }, comparison = rects.filter { $0.contains(SVG.comparisonColour) }
        XCTAssertEqual(treated.count, 3)
        XCTAssertEqual(comparison.count, 3)
        let axis = attribute(treated[0], "y") + attribute(treated[0], "height")
        for r in treated { XCTAssertEqual(attribute(r, "y") + attribute(r, "height"), axis, accuracy: 0.11) }
        for r in comparison { XCTAssertEqual(attribute(r, "y"), axis, accuracy: 0.11) }
    }

    func testKaplanMeierBandsAndNumbersAtRisk() {
        let treated = SVG.SurvivalCurve(time: [10, 20, 365], survival: [0.9, 0.8, 0.8], standardError: [0.03, 0.04, 0.04], atRisk: [100, 90, 80])
        let comparison = SVG.SurvivalCurve(time: [5, 365], survival: [0.7, 0.7], standardError: [0.05, 0.05], atRisk: [200, 140])
        XCTAssertEqual(treated.atRisk(at: 0), 100)
        XCTAssertEqual(treated.atRisk(at: 15), 90)
        XCTAssertEqual(treated.atRisk(at: 400), 0)
        let svg = SVG.kaplanMeier(treated: treated, comparison: comparison, level: 0.95, z: 1.959963984540054)
        XCTAssertEqual(svg.components(separatedBy: "class=\"band\"").count - 1, 2)
        XCTAssertTrue(svg.contains("Number at risk"))
        XCTAssertTrue(svg.contains("95% pointwise confidence band"))
        XCTAssertTrue(svg.contains("class=\"at-risk\""))
        let c = classes(svg)
        XCTAssertEqual(c["x-title"], 1)
        XCTAssertEqual(c["y-tick"], 6)
    }

    func testTallyAndCaveatNameEveryCovariateAboveTheThreshold() {
        func row(_ name: String, _ after: Double?) -> BalanceFigures {
            BalanceFigures(evaluation: .init(covariate: name, smdBefore: 0.5, smdAfter: after, varianceRatioAfter: nil, ecdfMaxAfter: nil))
        }
        let rows = [row("distance", 0.3), row("age", 0.02), row("educ", -0.15), row("re74", 0.12), row("married", nil)]
        XCTAssertEqual(ReportDocument.tally(rows), "1 of 3 covariate terms within 0.1 (absolute standardised mean difference after matching; the distance is not counted).")
        let caveat = ReportDocument.balanceCaveat(rows)
        XCTAssertTrue(caveat.hasPrefix("2 of 3 covariate terms are above 0.1 after matching: educ (0.150), re74 (0.120);"), caveat)
        XCTAssertTrue(ReportDocument.balanceCaveat([row("age", 0.02)]).hasPrefix("covariates are balanced"))
    }

    func testNumbersForPeople() {
        XCTAssertEqual(grouped(1234567.891, decimals: 2), "1,234,567.89")
        XCTAssertEqual(grouped(-999.5, decimals: 0), "-1,000")
        XCTAssertEqual(grouped(12, decimals: 3), "12.000")
        XCTAssertEqual(grouped(nil, decimals: 1), ".")
        XCTAssertEqual(groupedCount(1953), "1,953")
        XCTAssertEqual(groupedCount(185.5), "185.50")
        XCTAssertEqual(percent(0.11954, decimals: 2), "11.95%")
        XCTAssertTrue(isNumeric("£1,234.56"))
        XCTAssertTrue(isNumeric("-0.25"))
        XCTAssertTrue(isNumeric("12.0%"))
        XCTAssertTrue(isNumeric("."))
        XCTAssertFalse(isNumeric("Cohort 1"))
        XCTAssertFalse(isNumeric("2019-Q1"))
        XCTAssertFalse(isNumeric("3/5 (60.0%)"))
    }
}
