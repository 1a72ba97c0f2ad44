import Foundation
import XCTest
@testable import Contracts
import MatchedComparison
import Matching
import PaymentRules
import TestSupport

/// `evaluate` with every matching method on the bundled Peterborough-style data: the payment rule's
/// exact totals (rationals from the method's weight basis) give the same means as the double
/// weights the statistics use, clusters follow the method, and a decision is made.
final class EvaluationMethodsTests: XCTestCase {
    static func plan(_ matching: String, covariates: String? = nil) throws -> ContractPlan {
        var text = try String(contentsOf: Fixtures.dataset("peterborough/plan.toml"), encoding: .utf8)
        let start = text.range(of: "[matching]")!.lowerBound
        let end = text.range(of: "[[cohort]]")!.lowerBound
        text.replaceSubrange(start..<end, with: "[matching]\n" + matching + "\n\n")
        if let covariates {
            let a = text.range(of: "covariates = [")!.lowerBound
            let b = text.range(of: "]", range: a..<text.endIndex)!.upperBound
            text.replaceSubrange(a..<b, with: "covariates = [" + covariates + "]")
        }
        text = text.replacingOccurrences(of: "bootstrap_replicates = 999", with: "bootstrap_replicates = 0")
        return try ContractPlan.parse(text, file: "plan.toml", baseDirectory: Fixtures.dataset("peterborough").path)
    }

    func testEveryMethodEvaluatesWithExactTotals() throws {
        let cases: [(MatchingPlan.Method, String, String?, WeightBasis)] = [
            (.nearest, "caliper = 0.2", nil, .matchedSets),
            (.nearest, "caliper = 0.2\nratio = 2\nreplace = true", nil, .matchedSets),
            (.exact, "method = \"exact\"", "\"gender\", \"offence_group\", \"employed\", \"housed\"", .subclassCounts),
            (.cem, "method = \"cem\"", "\"age\", \"gender\", \"prior_convictions\", \"employed\"", .subclassCounts),
            (.subclass, "method = \"subclass\"", nil, .subclassCounts),
            (.radius, "method = \"radius\"\nradius = 0.01", nil, .matchedSets),
            (.optimal, "method = \"optimal\"", nil, .matchedSets),
            (.full, "method = \"full\"", nil, .subclassCounts),
            (.kernel, "method = \"kernel\"", nil, .realNumbers),
            (.weighting, "method = \"weighting\"", nil, .realNumbers),
            (.weighting, "method = \"weighting\"\nestimand = \"ATE\"", nil, .realNumbers),
            // ATE: every unit weighs its subclass's size over its group's count in it.
            (.exact, "method = \"exact\"\nestimand = \"ATE\"", "\"gender\", \"offence_group\", \"employed\", \"housed\"", .subclassCounts),
            (.cem, "method = \"cem\"\nestimand = \"ATE\"", "\"age\", \"gender\", \"prior_convictions\", \"employed\"", .subclassCounts),
            (.subclass, "method = \"subclass\"\nestimand = \"ATE\"", nil, .subclassCounts),
            (.full, "method = \"full\"\nestimand = \"ATE\"", nil, .subclassCounts),
        ]
        for (method, settings, covariates, basis) in cases {
            let label = "\(method.rawValue) [\(settings.replacingOccurrences(of: "\n", with: "; "))]"
            let evaluation = try Evaluator.run(try Self.plan(settings, covariates: covariates))
            XCTAssertEqual(evaluation.cohorts.count, 2, label)
            for c in evaluation.cohorts {
                XCTAssertEqual(c.match.weightBasis, basis, label)
                let t = c.exactTotals
                let treatedMean = Double(t.treatedEvents / t.treatedWeight)
                let comparisonMean = Double(t.comparisonEvents / t.comparisonWeight)
                XCTAssertEqual(treatedMean, c.rates.treatedMean, accuracy: 1e-12 * c.rates.treatedMean, label)
                XCTAssertEqual(comparisonMean, c.rates.comparisonMean, accuracy: 1e-12 * c.rates.comparisonMean, label)
                // Clusters: subclasses where they exist and sets do not overlap; units otherwise.
                switch basis {
                case .subclassCounts: XCTAssertNotNil(c.match.clusters, label)
                case .realNumbers: XCTAssertNil(c.match.clusters, label)
                case .matchedSets: XCTAssertEqual(c.match.clusters == nil, c.match.setsOverlap, label)
                }
                XCTAssertTrue(c.pValue.isFinite, label)
            }
            XCTAssertGreaterThanOrEqual(evaluation.decision.totals.due.pence, 0, label)
        }
    }

    func testRosenbaumBoundsFromSubclassesWithOneTreatedPersonEach() throws {
        // Full matching with min_controls = 1: every subclass is one treated person and one or more
        // comparison people, so each subclass is a matched set for the bounds.
        let full = try Evaluator.run(try Self.plan("method = \"full\"\nmin_controls = 1"))
        for c in full.cohorts {
            let bounds = try c.hiddenBias.get()
            let subclasses = Set(c.match.subclass.compactMap { $0 })
            XCTAssertEqual(bounds.sets, subclasses.count)
            let sets = try Evaluator.matchedSetsForBounds(match: c.match, treated: c.comparison.treated)
            for (f, m) in zip(sets.focalUnits, sets.matches) {
                XCTAssertTrue(c.comparison.treated[f])
                XCTAssertFalse(m.isEmpty)
                for u in m {
                    XCTAssertFalse(c.comparison.treated[u])
                    XCTAssertEqual(c.match.subclass[u], c.match.subclass[f])
                }
            }
            XCTAssertEqual(sets.focalUnits.count + sets.matches.map(\.count).reduce(0, +),
                           c.match.weights.filter { $0 > 0 }.count)
        }
        // Subclassification: strata hold many treated people; the bounds say why they do not apply.
        let strata = try Evaluator.run(try Self.plan("method = \"subclass\""))
        for c in strata.cohorts {
            guard case .failure(let why) = c.hiddenBias else { return XCTFail("bounds from strata") }
            XCTAssertTrue(why.reason.contains("more than one treated person"), why.reason)
        }
    }
}
