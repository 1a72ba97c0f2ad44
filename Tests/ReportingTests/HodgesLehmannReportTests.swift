import Contracts
import Foundation
import Reporting
import Sensitivity
import TestSupport
import TextFormatting
import XCTest

/// The Hodges-Lehmann bounds beside the Wilcoxon signed-rank Rosenbaum bounds: evaluation.json's
/// `cohorts[].sensitivity.hodges_lehmann` carries exactly what `HodgesLehmannBounds` computes from
/// the matched pairs' differences, its sentence reaches the terminal summary and both reports, the
/// document reads back to itself, and where the bounds do not apply the member says why.
final class HodgesLehmannReportTests: XCTestCase {
    /// The bundled plan, without the bootstrap (not used here), with whole-line `edits`.
    func evaluation(_ edits: [String: String] = [:]) throws -> (Evaluation, EvaluationReport) {
        var text = try String(contentsOf: Fixtures.dataset("peterborough/plan.toml"), encoding: .utf8)
        for (old, new) in edits.merging(["bootstrap_replicates = 200": "bootstrap_replicates = 0"], uniquingKeysWith: { a, _ in a }) {
            XCTAssertTrue(text.contains(old), old)
            text = text.replacingOccurrences(of: old, with: new)
        }
        let plan = try ContractPlan.parse(text, file: "plan.toml", baseDirectory: Fixtures.dataset("peterborough").path)
        let evaluation = try Evaluator.run(plan)
        return (evaluation, try EvaluationReport(evaluation: evaluation, programVersion: "test",
                                               planPath: Fixtures.dataset("peterborough/plan.toml").path))
    }

    func testBundledPlanReportsTheLibraryValues() throws {
        let (evaluation, report) = try evaluation()
        let document = report.document(), text = report.text()
        let rendered = FolderReport(evaluation: document)
        XCTAssertEqual(document.cohorts.count, 2)
        for (c, d) in zip(evaluation.cohorts, document.cohorts) {
            let s = try c.hiddenBias.get()
            let differences = try s.hodgesLehmann.get().bounds.differences
            // The differences are the signed-rank test's (whose statistic equals R's psens on the
            // same pairs: SensitivityOutputTests), one per pair, summing to the comparison group's
            // events less the treated group's.
            guard case .signedRank(let rank) = s.test else { return XCTFail("\(c.cohort.name): \(s.test.name)") }
            XCTAssertEqual(try SignedRankBounds(differences: differences), rank)
            XCTAssertEqual(differences.count, s.pairs)
            XCTAssertEqual(differences.reduce(0, +), Double(c.exactTotals.comparisonEvents) - Double(c.exactTotals.treatedEvents))

            let library = try HodgesLehmannBounds(differences: differences)
            let h = try XCTUnwrap(d.sensitivity?.hodgesLehmann?.value, c.cohort.name)
            XCTAssertEqual(h.pairs, s.pairs)
            XCTAssertEqual(h.estimate.bitPattern, library.estimate.bitPattern)
            XCTAssertEqual(h.grid.map(\.gamma), d.sensitivity?.rosenbaum.value?.grid.map(\.gamma))
            for point in h.grid {
                let range = library.interval(gamma: point.gamma)
                XCTAssertEqual(point.lower.bitPattern, range.lower.bitPattern, "Gamma \(point.gamma)")
                XCTAssertEqual(point.upper.bitPattern, range.upper.bitPattern, "Gamma \(point.gamma)")
                XCTAssertLessThanOrEqual(point.lower, h.estimate)
                XCTAssertGreaterThanOrEqual(point.upper, h.estimate)
            }
            // One sentence at the grid's last Gamma (2 here: neither cohort is significant).
            let last = try XCTUnwrap(h.grid.last)
            XCTAssertEqual(last.gamma, 2)
            XCTAssertEqual(h.statement, "Under hidden bias up to Gamma = 2.00 the Hodges-Lehmann estimate of the reduction in reconviction "
                + "events per person (comparison minus treatment, on \(grouped(s.pairs)) matched pairs) lies between "
                + "\(formatFixed(last.lower, decimals: 2)) and \(formatFixed(last.upper, decimals: 2)); without hidden bias it is "
                + "\(formatFixed(library.estimate, decimals: 2)).")
            XCTAssertTrue(h.method.hasPrefix("Hodges-Lehmann point estimate bounds (Rosenbaum 1993"), h.method)
            XCTAssertTrue(text.contains("\n  Hidden bias (Hodges-Lehmann bounds): " + h.statement + "\n"), text)
            XCTAssertTrue(rendered.markdown.contains("Hidden bias (Hodges-Lehmann bounds): " + h.statement + "\n"))
            XCTAssertTrue(rendered.html.contains("Hidden bias (Hodges-Lehmann bounds): " + h.statement + "<"))
        }
        XCTAssertEqual(rendered.markdown.components(separatedBy: "| Gamma | Lowest estimate | Highest estimate |").count - 1, 2)

        // The document reads back to itself and writes the same bytes.
        let json = try JSONValue.serialize(document)
        let back = try decodeDocument(EvaluationDocument.self, from: try JSONValue.parse(json), path: "evaluation.json")
        XCTAssertEqual(back, document)
        XCTAssertEqual(try JSONValue.serialize(back), json)
        // A document written before the member existed reads it as absent and is written without it.
        func dropping(_ name: String, from v: JSONValue) -> JSONValue {
            switch v {
            case .object(let members): return .object(members.filter { $0.0 != name }.map { ($0.0, dropping(name, from: $0.1)) })
            case .array(let items): return .array(items.map { dropping(name, from: $0) })
            default: return v
            }
        }
        let older = dropping("hodges_lehmann", from: try JSONValue.parse(json))
        let read = try decodeDocument(EvaluationDocument.self, from: older, path: "evaluation.json")
        XCTAssertNil(read.cohorts[0].sensitivity?.hodgesLehmann)
        XCTAssertEqual(try JSONValue.serialize(read), older.serialized())
        XCTAssertFalse(older.serialized().contains("Hodges"))
    }

    /// The binary measure (McNemar's sign test) and sets of two controls (aligned ranks) have no
    /// Hodges-Lehmann bounds here: the member gives the reason and no sentence is printed.
    func testWhereTheBoundsDoNotApply() throws {
        for (edits, reason) in [
            (["measure = \"reconviction_events\"": "measure = \"proven_reoffending\""],
             "the outcome is 0/1: the Hodges-Lehmann estimate of an additive effect needs counts or a continuous outcome"),
            (["ratio = 1": "ratio = 2"], "matched sets have two or more controls: the Hodges-Lehmann bounds here are for matched pairs"),
            (["replace = false": "replace = true"], "matched with replacement: matched sets share comparison people, so Rosenbaum bounds do not apply"),
        ] {
            let (_, report) = try evaluation(edits)
            for c in report.document().cohorts {
                let why = try XCTUnwrap(c.sensitivity?.hodgesLehmann?.reason, "\(edits)")
                XCTAssertTrue(why.hasSuffix(reason), why)
            }
            XCTAssertFalse(report.text().contains("Hodges-Lehmann"))
        }
    }
}
