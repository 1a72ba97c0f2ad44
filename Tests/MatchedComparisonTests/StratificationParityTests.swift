import CohortData
import Foundation
import Matching
import PlanFiles
import Propensity
import TestSupport
import XCTest
@testable import MatchedComparison

/// `exact`, `cem` and `subclass` against MatchIt 4.7.2 (`Tests/Fixtures/strata`,
/// Scripts/fixtures-methods-subclass.R) on lalonde and on 3,000 rows of the synthetic offender
/// cohort: every unit's subclass identical (MatchIt's own numbering, not up to relabelling) and
/// every weight within 1e-12 relative (zero weights exactly zero).
final class StratificationParityTests: XCTestCase {
    struct Design {
        var name: String
        var data: String
        var covariates: [String]
        var plan: MatchingPlan
    }

    static func designs() throws -> [Design] {
        let index = try FixtureTable(contentsOf: Fixtures.file("strata/designs.csv"))
        return index.rows.map { row in
            func field(_ name: String) -> String { row[index.index(of: name)] }
            var plan = MatchingPlan(
                method: MatchingPlan.Method(rawValue: field("method"))!, link: DistanceLink(rawValue: field("link"))!,
                estimand: Estimand(rawValue: field("estimand"))!, discard: CommonSupport(rawValue: field("discard"))!)
            plan.subclasses = Int(field("subclass"))
            plan.k2k = field("k2k") == "true" ? true : nil
            plan.minN = Int(field("min_n"))
            let cut = field("cutpoints")
            if !cut.isEmpty {
                if cut.contains("=") {
                    var byName: [String: Cutpoints] = [:]
                    for entry in cut.split(separator: "|") {
                        let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                        byName[parts[0]] = Cutpoints(text: parts[1])!
                    }
                    plan.cutpoints = .byVariable(byName)
                } else {
                    plan.cutpoints = .all(Cutpoints(text: cut)!)
                }
            }
            let grouping = field("grouping")
            if !grouping.isEmpty {
                var groups: [String: [[String]]] = [:]
                for entry in grouping.split(separator: "|") {
                    let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                    groups[parts[0], default: []].append(parts[1].split(separator: ",").map(String.init))
                }
                plan.grouping = groups
            }
            return Design(name: field("name"), data: field("data"),
                          covariates: field("covariates").split(separator: ";").map(String.init), plan: plan)
        }
    }

    static func table(_ data: String) throws -> CohortTable {
        try CSVReader.read(path: data == "lalonde" ? Fixtures.dataset("lalonde.csv").path
                                                   : Fixtures.file("strata/offenders.csv").path)
    }

    func testEveryDesignReproducesMatchIt() throws {
        let designs = try Self.designs()
        XCTAssertEqual(designs.count, 37)
        var tables: [String: CohortTable] = [:]
        var worst = 0.0
        for d in designs {
            try d.plan.validate()
            if tables[d.data] == nil { tables[d.data] = try Self.table(d.data) }
            let group = try ComparisonGroup.match(table: tables[d.data]!, treatment: "treat", covariates: d.covariates,
                                                  dropMissing: false, plan: d.plan)
            let expected = try FixtureTable(contentsOf: Fixtures.file("strata/\(d.name).csv"))
            let subclass = expected.integers("subclass"), weight = expected.doubles("weight")
            XCTAssertEqual(group.result.subclass.count, subclass.count, d.name)
            var mismatches = 0
            for i in subclass.indices where group.result.subclass[i] != subclass[i] { mismatches += 1 }
            XCTAssertEqual(mismatches, 0, "\(d.name): units in another subclass")
            for i in weight.indices {
                let w = weight[i]!, mine = group.result.weights[i]
                if w == 0 { XCTAssertEqual(mine, 0, "\(d.name): row \(i + 1)"); continue }
                let r = relativeDifference(mine, w)
                worst = max(worst, r)
                XCTAssertLessThanOrEqual(r, 1e-12, "\(d.name): weight of row \(i + 1)")
            }
            if d.plan.k2k == true {
                // k2k: matched pairs (MatchIt's match.matrix), one control per matched focal unit.
                XCTAssertEqual(group.result.weightBasis, .matchedSets, d.name)
                XCTAssertTrue(group.result.matches.allSatisfy { $0.count <= 1 }, d.name)
            } else {
                XCTAssertEqual(group.result.weightBasis, .subclassCounts, d.name)
                XCTAssertTrue(group.result.focalUnits.isEmpty && group.result.matches.isEmpty, d.name)
            }
        }
        print("strata parity: \(designs.count) designs, largest relative weight difference \(worst)")
    }

    /// The subclass algorithm alone on R's own propensity scores: the same subclasses and weights
    /// whatever the propensity model's last bits.
    func testSubclassificationOnRsDistance() throws {
        var worst = 0.0
        for d in try Self.designs() where d.plan.method == .subclass {
            let expected = try FixtureTable(contentsOf: Fixtures.file("strata/\(d.name).csv"))
            let treated = expected.integers("treat").map { $0 == 1 }
            let distance = expected.doubles("distance").map { $0! }
            let discarded = NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: d.plan.discard)
            let assignment = try PropensitySubclassification.assign(
                treated: treated, distance: distance, discarded: discarded, estimand: d.plan.estimand,
                count: d.plan.subclasses ?? 6, minimumPerGroup: d.plan.minN ?? 1)
            XCTAssertEqual(assignment.subclass, expected.integers("subclass"), d.name)
            let result = try Strata.result(subclass: assignment.subclass, treated: treated, distance: distance,
                                           discarded: discarded, estimand: d.plan.estimand,
                                           specification: d.plan.nearestNeighbor)
            for (i, w) in expected.doubles("weight").enumerated() {
                let r = relativeDifference(result.weights[i], w!)
                worst = max(worst, r)
                XCTAssertLessThanOrEqual(r, 1e-12, "\(d.name): weight of row \(i + 1)")
            }
        }
        print("subclass on R's distance: largest relative weight difference \(worst)")
    }
}

/// Settings and plan keys of the stratification methods.
final class StratificationSettingsTests: XCTestCase {
    func testSettingsRefusedByMethodsThatDoNotTakeThem() {
        func problem(_ plan: MatchingPlan) -> String? {
            do { try plan.validate(); return nil } catch { return error.description }
        }
        XCTAssertEqual(problem(MatchingPlan(method: .exact, caliper: 0.2)),
                       "matching setting caliper is not used by method exact; remove it.")
        XCTAssertEqual(problem(MatchingPlan(method: .cem, ratio: 2)),
                       "matching setting ratio is not used by method cem; remove it.")
        XCTAssertEqual(problem(MatchingPlan(method: .nearest, subclasses: 4)),
                       "matching setting subclass is not used by method nearest; remove it.")
        XCTAssertEqual(problem(MatchingPlan(method: .subclass, cutpoints: .all(.sturges))),
                       "matching setting cutpoints is not used by method subclass; remove it.")
        XCTAssertNil(problem(MatchingPlan(method: .subclass, discard: .both, subclasses: 8, minN: 0)))
        XCTAssertEqual(problem(MatchingPlan(method: .subclass, subclasses: 1)),
                       "matching setting subclass must be a whole number of subclasses from 2 to 1000 (got 1).")
        XCTAssertEqual(problem(MatchingPlan(method: .subclass, minN: -1)),
                       "matching setting min_n must be a whole number from 0 to 100000 (got -1).")
        XCTAssertNil(problem(MatchingPlan(method: .cem, k2k: true)))
        XCTAssertNotNil(problem(MatchingPlan(method: .subclass, k2k: true)))
        XCTAssertNotNil(problem(MatchingPlan(method: .cem, cutpoints: .all(.quantiles(2)))), "MatchIt reads q2 as a bin count")
        XCTAssertNil(problem(MatchingPlan(method: .cem, cutpoints: .byVariable(["age": .quantiles(3), "re74": .freedmanDiaconis]))))
        XCTAssertNotNil(problem(MatchingPlan(method: .cem, grouping: ["race": [["a", "b"], ["b"]]])))
        XCTAssertNotNil(problem(MatchingPlan(method: .cem, cutpoints: .byVariable(["age": .bins(-1)]))))
    }

    func testPlanKeys() throws {
        let text = """
        [matching]
        method = "cem"
        estimand = "ATC"

        [matching.cutpoints]
        age = 4
        re74 = [0, 5000, 10000]
        educ = "scott"

        [matching.grouping]
        race = [["black", "hispan"]]
        educ = [[0, 1, 2], [16, 17]]
        """
        let plan = try MatchingPlan(table: PlanTable.parse(text, file: "plan.toml").table("matching"))
        XCTAssertEqual(plan.method, .cem)
        XCTAssertEqual(plan.cutpoints, .byVariable(["age": .bins(4), "re74": .points([0, 5000, 10000]), "educ": .scott]))
        XCTAssertEqual(plan.grouping, ["race": [["black", "hispan"]], "educ": [["0", "1", "2"], ["16", "17"]]])

        let bad = "[matching]\nmethod = \"subclass\"\nsubclass = 10\nmin_n = 0\ncutpoints = \"fd\"\n"
        XCTAssertThrowsError(try MatchingPlan(table: PlanTable.parse(bad, file: "p.toml").table("matching"))) { error in
            XCTAssertEqual("\(error)", "p.toml: [matching] cutpoints is not used by method subclass; remove it.")
        }
        let good = "[matching]\nmethod = \"subclass\"\nsubclass = 10\nmin_n = 0\ndiscard = \"both\"\n"
        let plan2 = try MatchingPlan(table: PlanTable.parse(good, file: "p.toml").table("matching"))
        XCTAssertEqual(plan2.subclasses, 10)
        XCTAssertEqual(plan2.minN, 0)
    }
}
