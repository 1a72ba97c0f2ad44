import XCTest
import TestSupport
@testable import Matching
import NetworkFlow

/// Optimal pair and full matching against MatchIt 4.7.2 / optmatch 0.10.8 (Tests/Fixtures/flow,
/// made by Scripts/fixtures-methods-flow.R on R's own propensity scores), and against exhaustive
/// search on small problems.
///
/// Tolerances: optmatch's integer objective exactly and the numbers matched, in every case; with
/// tol = 1e-7 also the total matched distance to 1e-9 relative and the set of matched units
/// exactly. Subclasses and weights are not unique among optima (see below) and are not compared.
/// With optmatch's default tol = 0.001 equal-cost solutions abound (even the real-scale total may
/// differ between them), so only the integer objective and the counts are compared.
final class FlowMatchingTests: XCTestCase {
    struct Case {
        var name: String
        var method: String
        var spec: OptimalMatchingSpecification
        var exact: String
        var totalDistance: Double
        var integerCost: Int64
        var matched: (treated: Int, control: Int)
        /// MatchIt's optimal 1:1 without exact cells prunes pairs first (see the fixture script):
        /// its rounded problem's optimum can then be worse than the unpruned one.
        var prunedByMatchIt: Bool
    }

    func cases(_ file: String = "cases.csv") throws -> [Case] {
        let table = try FixtureTable(contentsOf: Fixtures.file("flow/\(file)"))
        return table.rows.map { row in
            func optional(_ column: String) -> Double? {
                let text = row[table.index(of: column)]
                return text.isEmpty ? nil : Double(text)
            }
            let spec = OptimalMatchingSpecification(
                ratio: Int(table.number(row, "ratio")), minControls: optional("min_controls"),
                maxControls: optional("max_controls"), caliper: optional("caliper"),
                estimand: Estimand(rawValue: row[table.index(of: "estimand")])!, tolerance: table.number(row, "tol"))
            return Case(name: row[table.index(of: "case")], method: row[table.index(of: "method")], spec: spec,
                        exact: row[table.index(of: "exact")], totalDistance: table.number(row, "total_distance"),
                        integerCost: Int64(table.number(row, "integer_cost")),
                        matched: (Int(table.number(row, "matched_treated")), Int(table.number(row, "matched_control"))),
                        prunedByMatchIt: row[table.index(of: "source")] == "matchit" && row[table.index(of: "method")] == "optimal"
                            && spec.ratio == 1 && spec.maxControls == nil && row[table.index(of: "exact")].isEmpty
                            && spec.estimand == .att)
        }
    }

    /// Canonical partition: each unit's subclass renamed by the first unit (data order) in it.
    func partition(_ subclass: [Int?]) -> [Int?] {
        var first = [Int: Int]()
        return subclass.enumerated().map { i, s in
            guard let s else { return nil }
            if let f = first[s] { return f }
            first[s] = i
            return i
        }
    }

    func testAgainstMatchItAndOptmatch() throws {
        let all = try cases()
        XCTAssertGreaterThanOrEqual(all.count, 22)
        var compared = 0
        for c in all {
            let units = try FixtureTable(contentsOf: Fixtures.file("flow/\(c.name)_units.csv"))
            let treated = units.integers("treat").map { $0 == 1 }
            let distance = units.doubles("distance").map { $0! }
            var cellIds = [String: Int]()
            let cells: [Int]? = c.exact.isEmpty ? nil : units.strings("cell").map { label in
                if let id = cellIds[label] { return id }
                cellIds[label] = cellIds.count
                return cellIds.count - 1
            }
            let result = c.method == "optimal"
                ? try OptimalPairMatcher.match(treated: treated, distance: distance, exactCells: cells, specification: c.spec)
                : try FullMatcher.match(treated: treated, distance: distance, exactCells: cells, specification: c.spec)
            let objective = try XCTUnwrap(result.objective, c.name)
            if c.prunedByMatchIt {
                XCTAssertLessThanOrEqual(objective.integerCost, c.integerCost, "\(c.name): integer objective")
                continue
            }
            // The integer objective optmatch minimised: exactly equal.
            XCTAssertEqual(objective.integerCost, c.integerCost, "\(c.name): integer objective")
            XCTAssertEqual(result.matchedCounts.treated, c.matched.treated, "\(c.name): matched treated")
            XCTAssertEqual(result.matchedCounts.control, c.matched.control, "\(c.name): matched controls")
            // optmatch's default tol leaves many equal-cost solutions: only the above is comparable.
            guard c.spec.tolerance < 0.001 else { continue }
            XCTAssertLessThanOrEqual(relativeDifference(objective.totalDistance, c.totalDistance), 1e-9,
                                     "\(c.name): total distance \(objective.totalDistance) vs R \(c.totalDistance)")
            // Matched units as a multiset of (group, distance): units with equal distances are
            // interchangeable (lalonde repeats covariate patterns).
            let expectedWeights = units.doubles("weight").map { $0! }
            func matchedUnits(_ w: [Double]) -> [String] {
                w.indices.filter { w[$0] > 0 }.map { "\(treated[$0] ? 1 : 0):\(distance[$0])" }.sorted()
            }
            XCTAssertEqual(matchedUnits(result.weights), matchedUnits(expectedWeights), "\(c.name): matched units")
            // Subclasses and weights are not unique: on a line, crossing pairs cost the same as
            // uncrossed ones (t1 < t2 < c1 < c2: |t1 - c1| + |t2 - c2| = |t1 - c2| + |t2 - c1|), and full
            // matching has the like. The solver and LEMON pick different optima among them, so they
            // are compared only through the objectives above; how often they coincide is printed.
            func sets(_ subclass: [Int?]) -> Set<String> {
                var members = [Int: [String]]()
                for i in subclass.indices { if let s = subclass[i] { members[s, default: []].append("\(treated[i] ? 1 : 0):\(distance[i])") } }
                return Set(members.values.map { $0.sorted().joined(separator: ",") })
            }
            // The weights as a function of the subclasses (ATT, ATC, ATE): R's subclasses through the
            // same weight function give R's weights to 1e-12 relative.
            if c.method == "full" {
                let focal = treated.map { $0 == (c.spec.estimand != .atc) }
                let fromR = FullMatcher.subclassWeights(subclass: units.integers("subclass"), focal: focal, estimand: c.spec.estimand)
                for (w, e) in zip(fromR, expectedWeights) {
                    if e == 0 { XCTAssertEqual(w, 0, c.name) } else { XCTAssertLessThanOrEqual(relativeDifference(w, e), 1e-12, "\(c.name): weights") }
                }
            }
            let ourSets = sets(result.subclass.array), theirSets = sets(units.integers("subclass"))
            print("[flow parity] \(c.name): \(ourSets.intersection(theirSets).count) of \(theirSets.count) subclasses identical to R's")
            compared += 1
        }
        XCTAssertGreaterThanOrEqual(compared, 17)
    }

    /// Exact cells with too few controls (Tests/Fixtures/flow/ratio_cases.csv): MatchIt swaps the
    /// roles where a cell has fewer controls than treated units and lowers the ratio where it has
    /// fewer than ratio x treated. Integer objective exactly, total distance to 1e-9 relative, the
    /// matched units exactly, the weights as MatchIt computes them from the subclasses (1e-12
    /// relative), and MatchIt's warnings (chk's
    /// capital and full stop removed, "`exact` strata" read as "exact cells").
    func testTooFewControlsInACellAsMatchIt() throws {
        let table = try FixtureTable(contentsOf: Fixtures.file("flow/ratio_cases.csv"))
        let all = try cases("ratio_cases.csv")
        XCTAssertEqual(all.count, 4)
        for (c, row) in zip(all, table.rows) {
            let units = try FixtureTable(contentsOf: Fixtures.file("flow/\(c.name)_units.csv"))
            let treated = units.integers("treat").map { $0 == 1 }
            let distance = units.doubles("distance").map { $0! }
            var cellIds = [String: Int]()
            let cells = units.strings("cell").map { label in
                if let id = cellIds[label] { return id }
                cellIds[label] = cellIds.count
                return cellIds.count - 1
            }
            let result = try OptimalPairMatcher.match(treated: treated, distance: distance, exactCells: cells,
                                                      specification: c.spec)
            let objective = try XCTUnwrap(result.objective, c.name)
            XCTAssertEqual(objective.integerCost, c.integerCost, "\(c.name): integer objective")
            XCTAssertLessThanOrEqual(relativeDifference(objective.totalDistance, c.totalDistance), 1e-9,
                                     "\(c.name): total distance \(objective.totalDistance) vs R \(c.totalDistance)")
            XCTAssertEqual(result.matchedCounts.treated, c.matched.treated, "\(c.name): matched treated")
            XCTAssertEqual(result.matchedCounts.control, c.matched.control, "\(c.name): matched controls")
            let expected = units.doubles("weight").map { $0! }
            func matchedUnits(_ w: [Double]) -> [String] {
                w.indices.filter { w[$0] > 0 }.map { "\(treated[$0] ? 1 : 0):\(distance[$0])" }.sorted()
            }
            XCTAssertEqual(matchedUnits(result.weights), matchedUnits(expected), "\(c.name): matched units")
            // Weights as MatchIt's function of the subclasses (treated 1, controls n_t(s)/n_c(s),
            // mean 1 per group): R's subclasses give R's weights, ours give ours, to 1e-12. Which
            // controls join which set is not unique among optima (controls on one side of two
            // treated units cost the same in either set), so the weights are compared this way.
            let focal = treated
            let fromR = FullMatcher.subclassWeights(subclass: units.integers("subclass"), focal: focal, estimand: .att)
            let fromOurs = FullMatcher.subclassWeights(subclass: result.subclass.array, focal: focal, estimand: .att)
            for (label, pairs) in [("R", zip(fromR, expected).map { $0 }), ("ours", zip(fromOurs, result.weights).map { $0 })] {
                for (i, (w, e)) in pairs.enumerated() {
                    if e == 0 { XCTAssertEqual(w, 0, "\(c.name) \(label): row \(i + 1)") } else {
                        XCTAssertLessThanOrEqual(relativeDifference(w, e), 1e-12, "\(c.name) \(label): weight of row \(i + 1)")
                    }
                }
            }
            let same = expected.indices.filter { relativeDifference(result.weights[$0], expected[$0]) <= 1e-12 }.count
            print("[flow parity] \(c.name): \(same) of \(expected.count) weights identical to R's")
            let theirs = row[table.index(of: "warnings")].components(separatedBy: " | ").map { text -> String in
                var t = text.replacingOccurrences(of: "`exact` strata", with: "exact cells")
                if t.hasSuffix(".") { t.removeLast() }
                return t.prefix(1).lowercased() + t.dropFirst()
            }
            XCTAssertEqual(result.warnings, theirs, c.name)
        }
    }

    /// A cell with fewer controls than ratio x treated units, by hand: ratio 2, one cell with 2
    /// treated and 3 controls (mean 1.5: each treated unit 1 or 2 controls, all 3 used), one with 1
    /// treated and 2 controls.
    func testLoweredRatioUsesEveryControlOfTheCell() throws {
        let distance = [0.30, 0.60, 0.29, 0.31, 0.62, 0.50, 0.10, 0.12]
        let treated = [true, true, false, false, false, true, false, false]
        let cells = [0, 0, 0, 0, 0, 1, 1, 1]
        let r = try OptimalPairMatcher.match(treated: treated, distance: distance, exactCells: cells,
                                             specification: .init(ratio: 2))
        XCTAssertEqual(r.matches, [[2, 3], [4], [6, 7]])
        XCTAssertEqual(r.warnings, ["not all treated units will get 2 matches"])
        XCTAssertEqual(try XCTUnwrap(r.objective).totalDistance, 0.01 + 0.01 + 0.02 + 0.40 + 0.38, accuracy: 1e-12)
        // Fewer controls than treated units with a caliper: roles swapped within the caliper.
        // Two controls near 0.1 and one treated unit there: one control cannot be matched.
        XCTAssertThrowsError(try OptimalPairMatcher.match(treated: [true, true, true, false, false],
                                                          distance: [0.1, 0.5, 0.9, 0.095, 0.105],
                                                          specification: .init(caliper: 0.05))) { error in
            XCTAssertEqual("\(error)", "optimal matching is infeasible: 1 of the 2 control units have no treated left within the caliper; widen the caliper, use method nearest, or discard units.")
        }
    }

    /// Small random pair-matching problems: the flow optimum equals exhaustive search on the same
    /// rounded costs (optmatch's ceil(0.5 + d / epsilon)).
    func testPairMatchingMatchesExhaustiveSearch() throws {
        var state: UInt64 = 2026
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for trial in 0..<200 {
            let nt = 1 + trial % 4, nc = nt + trial % 4
            let k = nc >= 2 * nt && trial % 3 == 0 ? 2 : 1
            let treated = Array(repeating: true, count: nt) + Array(repeating: false, count: nc)
            let distance = treated.map { $0 ? 0.3 + 0.6 * uniform() : uniform() }
            let result = try OptimalPairMatcher.match(treated: treated, distance: distance,
                                                      specification: .init(ratio: k))
            let objective = try XCTUnwrap(result.objective)
            // Exhaustive search over the same integer costs.
            let epsilon = objective.resolution
            func cost(_ t: Int, _ c: Int) -> Int64 { Int64((0.5 + abs(distance[t] - distance[c]) / epsilon).rounded(.up)) }
            var best = Int64.max
            var used = Array(repeating: false, count: nc)
            func visit(_ t: Int, _ taken: Int, _ from: Int, _ total: Int64) {
                if t == nt { best = min(best, total); return }
                if taken == k { visit(t + 1, 0, 0, total); return }
                for c in from..<nc where !used[c] {
                    used[c] = true
                    visit(t, taken + 1, c + 1, total + cost(t, nt + c))
                    used[c] = false
                }
            }
            visit(0, 0, 0, 0)
            XCTAssertEqual(objective.integerCost, best, "trial \(trial)")
            XCTAssertEqual(result.matches.map(\.count), Array(repeating: k, count: nt), "trial \(trial)")
        }
    }

    func testCaliperInfeasibleSaysHowManyCannotBeMatched() {
        // Treated at 0.1, 0.11, 0.12 and 0.9; controls at 0.1, 0.5, 0.9, 0.95: within a tight caliper
        // only one of the three low treated units can have the low control.
        let distance = [0.1, 0.11, 0.12, 0.9, 0.1, 0.5, 0.9, 0.95]
        let treated = [true, true, true, true, false, false, false, false]
        XCTAssertThrowsError(try OptimalPairMatcher.match(treated: treated, distance: distance,
                                                          specification: .init(caliper: 0.1))) { error in
            XCTAssertEqual("\(error)", "optimal matching is infeasible: 2 of the 4 treated units have no control left within the caliper; widen the caliper, use method nearest, or discard units.")
        }
    }

    func testFullMatchingClosedForm() throws {
        // Two clusters: every control goes to its own cluster's treated unit.
        let distance = [0.2, 0.8, 0.19, 0.22, 0.25, 0.79, 0.83]
        let treated = [true, true, false, false, false, false, false]
        let r = try FullMatcher.match(treated: treated, distance: distance, specification: .init())
        XCTAssertEqual(r.subclass, [1, 2, 1, 1, 1, 2, 2])
        XCTAssertEqual(try XCTUnwrap(r.objective).totalDistance, 0.01 + 0.02 + 0.05 + 0.01 + 0.03, accuracy: 1e-15)
        // ATT weights: controls 1/3 and 1/2 before normalisation to mean 1 (5 controls, total 5/3+... ).
        let raw = [1.0 / 3, 1.0 / 3, 1.0 / 3, 0.5, 0.5]
        let scale = 5 / raw.reduce(0, +)
        for (i, w) in raw.enumerated() { XCTAssertEqual(r.weights[2 + i], w * scale, accuracy: 1e-14) }
        XCTAssertEqual(r.weightBasis, .subclassCounts)
    }

    /// Full matching with both bounds (optmatch's network with max rows 1: every matchable control
    /// in exactly one set, every matchable treated unit with between min and max controls), at the
    /// finest rounding (tolerance 0) and optmatch's default, with and without a caliper, against
    /// exhaustive search on the same rounded costs. (With at most 3 treated units every control's 4
    /// nearest treated units are all of them, so the restricted network is complete here; the next
    /// test covers infeasible restrictions.)
    func testBoundedFullMatchingMatchesExhaustiveSearch() throws {
        var state: UInt64 = 1_126
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var solved = 0, infeasible = 0
        for trial in 0..<240 {
            let nt = 1 + trial % 3, nc = nt + 1 + (trial / 3) % 7
            let minColumns = 1 + (trial / 21) % 2, maxColumns = minColumns + (trial / 7) % 4
            let tolerance = trial % 2 == 0 ? 0 : 0.001
            let caliper: Double? = trial % 5 == 4 ? 0.25 : nil
            let distance = (0..<nt).map { _ in 0.3 + 0.6 * uniform() } + (0..<nc).map { _ in 0.5 * uniform() * uniform() }
            let rows = Array(0..<nt), columns = Array(nt..<(nt + nc))
            let sub = FlowSubproblem(rows: rows, columns: columns, distance: distance, caliper: caliper)
            let s = sub.solve(limits: .init(maxColumns: maxColumns, minColumns: minColumns, maxRows: 1),
                              omitFraction: nil, tolerance: tolerance)
            func allowed(_ r: Int, _ c: Int) -> Bool { caliper.map { abs(distance[r] - distance[c]) <= $0 } ?? true }
            let liveRows = rows.filter { r in columns.contains { allowed(r, $0) } }
            let liveColumns = columns.filter { c in rows.contains { allowed($0, c) } }
            func cost(_ r: Int, _ c: Int) -> Int64 { Int64((0.5 + abs(distance[r] - distance[c]) / s.epsilon).rounded(.up)) }
            // Exhaustive search: each live control to one allowed live treated unit.
            var best: Int64? = nil
            var count = Array(repeating: 0, count: nt)
            func visit(_ j: Int, _ total: Int64) {
                if j == liveColumns.count {
                    if liveRows.allSatisfy({ count[$0] >= minColumns }) { best = min(best ?? .max, total) }
                    return
                }
                let c = liveColumns[j]
                for r in liveRows where allowed(r, c) && count[r] < maxColumns {
                    count[r] += 1
                    visit(j + 1, total + cost(r, c))
                    count[r] -= 1
                }
            }
            if !liveRows.isEmpty { visit(0, 0) }
            guard let best else {
                XCTAssertFalse(s.feasible, "trial \(trial): infeasible by exhaustive search")
                infeasible += 1
                continue
            }
            XCTAssertTrue(s.feasible, "trial \(trial)")
            XCTAssertEqual(s.integerCost, best, "trial \(trial): tolerance \(tolerance), caliper \(String(describing: caliper))")
            XCTAssertEqual(s.links.map(\.column).sorted(), liveColumns, "trial \(trial): every live control once")
            for r in liveRows {
                let k = s.links.filter { $0.row == r }.count
                XCTAssertTrue(k >= minColumns && k <= maxColumns, "trial \(trial): \(k) controls for one treated unit")
            }
            solved += 1
        }
        XCTAssertGreaterThan(solved, 60)
        XCTAssertGreaterThan(infeasible, 5)
    }

    /// Bounded full matching where the first restricted network is certainly infeasible (200
    /// controls below 0.1, 30 treated units spread over 0.3 to 0.9: every control's few nearest
    /// treated units are the same lowest four, which can take only `maxColumns` each), so the
    /// answer comes from enlarged networks solved from the infeasible one's flow and prices. The
    /// integer optimum must equal a cold solve of the complete network (every pair an arc), built
    /// here independently in optmatch's form.
    func testBoundedFullMatchingAfterInfeasibleRestrictionEqualsCompleteNetwork() throws {
        var state: UInt64 = 77
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        for trial in 0..<6 {
            let nt = 30, nc = 200, minColumns = 1 + trial % 2, maxColumns = 8 + trial
            let tolerance = trial % 3 == 0 ? 0 : 0.001
            let distance = (0..<nt).map { _ in 0.3 + 0.6 * uniform() } + (0..<nc).map { _ in 0.1 * uniform() }
            let rows = Array(0..<nt), columns = Array(nt..<(nt + nc))
            let s = FlowSubproblem(rows: rows, columns: columns, distance: distance, caliper: nil)
                .solve(limits: .init(maxColumns: maxColumns, minColumns: minColumns, maxRows: 1), omitFraction: nil,
                       tolerance: tolerance)
            XCTAssertTrue(s.feasible, "trial \(trial)")
            // The complete network: rows 0..<nt, columns nt..<nt + nc, then End and Sink.
            let end = nt + nc, sink = nt + nc + 1
            var complete = MinCostFlowProblem(nodeCount: nt + nc + 2)
            for r in rows {
                for c in columns {
                    complete.addArc(from: r, to: c, capacity: 1,
                                    cost: Int64((0.5 + abs(distance[r] - distance[c]) / s.epsilon).rounded(.up)))
                }
                complete.addArc(from: r, to: end, capacity: maxColumns - minColumns, cost: 0)
                complete.setSupply(r, maxColumns)
            }
            for c in columns { complete.addArc(from: c, to: sink, capacity: 1, cost: 0) }
            complete.setSupply(end, -(maxColumns * nt - nc))
            complete.setSupply(sink, -nc)
            let reference = complete.solve()
            XCTAssertTrue(reference.isFeasible, "trial \(trial)")
            XCTAssertEqual(s.integerCost, reference.cost, "trial \(trial): tolerance \(tolerance)")
            XCTAssertEqual(s.links.count, nc, "trial \(trial)")
        }
    }
}
