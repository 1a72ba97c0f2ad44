import TestSupport
import XCTest
@testable import NetworkFlow

/// The solver against exhaustive search on small random problems, against closed forms, and its
/// dual prices against complementary slackness.
final class MinCostFlowTests: XCTestCase {
    /// Rows each need `need` columns, columns are used at most once; allowed[r][c] == false forbids a pair.
    func network(costs: [[Int64]], allowed: [[Bool]], need: Int) -> (MinCostFlowProblem, [(Int, Int)]) {
        let nr = costs.count, nc = costs[0].count
        var p = MinCostFlowProblem(nodeCount: nr + nc + 1)
        var arcs: [(Int, Int)] = []
        for r in 0..<nr {
            for c in 0..<nc where allowed[r][c] {
                p.addArc(from: r, to: nr + c, capacity: 1, cost: costs[r][c])
                arcs.append((r, c))
            }
            p.setSupply(r, need)
        }
        for c in 0..<nc { p.addArc(from: nr + c, to: nr + nc, capacity: 1, cost: 0) }
        p.setSupply(nr + nc, -need * nr)
        return (p, arcs)
    }

    /// Exhaustive search: each row picks `need` distinct unused columns.
    func bruteForce(costs: [[Int64]], allowed: [[Bool]], need: Int) -> Int64? {
        let nr = costs.count, nc = costs[0].count
        var best: Int64? = nil
        var used = Array(repeating: false, count: nc)
        func visit(_ r: Int, _ taken: Int, _ from: Int, _ total: Int64) {
            if r == nr { best = min(best ?? .max, total); return }
            if taken == need { visit(r + 1, 0, 0, total); return }
            for c in from..<nc where !used[c] && allowed[r][c] {
                used[c] = true
                visit(r, taken + 1, c + 1, total + costs[r][c])
                used[c] = false
            }
        }
        visit(0, 0, 0, 0)
        return best
    }

    func testRandomAssignmentsMatchExhaustiveSearch() {
        var g = SplitMix64(seed: 20_261_126)
        for trial in 0..<300 {
            let need = trial % 3 == 0 ? 2 : 1
            let nr = g.int(1...4), nc = g.int(nr * need...min(8, nr * need + 3))
            let costs = (0..<nr).map { _ in (0..<nc).map { _ in Int64(g.int(0...20)) } }
            let allowed = (0..<nr).map { _ in (0..<nc).map { _ in g.int(0...9) > 1 } }
            let (p, _) = network(costs: costs, allowed: allowed, need: need)
            let s = p.solve()
            let expected = bruteForce(costs: costs, allowed: allowed, need: need)
            if let expected {
                XCTAssertTrue(s.isFeasible, "trial \(trial)")
                XCTAssertEqual(s.cost, expected, "trial \(trial): \(costs) \(allowed)")
            } else {
                XCTAssertFalse(s.isFeasible, "trial \(trial): infeasible by exhaustive search")
            }
        }
    }

    /// Points on a line, n against n, cost |a - b|: the optimum pairs the i-th smallest of each side.
    func testLineAssignmentClosedForm() {
        var g = SplitMix64(seed: 7)
        for _ in 0..<50 {
            let n = g.int(1...40)
            let a = (0..<n).map { _ in g.int(0...1_000) }, b = (0..<n).map { _ in g.int(0...1_000) }
            let costs = a.map { x in b.map { y in Int64(abs(x - y)) } }
            let allowed = Array(repeating: Array(repeating: true, count: n), count: n)
            let (p, _) = network(costs: costs, allowed: allowed, need: 1)
            let expected = zip(a.sorted(), b.sorted()).reduce(Int64(0)) { $0 + Int64(abs($1.0 - $1.1)) }
            XCTAssertEqual(p.solve().cost, expected)
        }
    }

    /// Complementary slackness: spare capacity => reduced cost >= 0; positive flow => reduced cost <= 0.
    func testPricesCertifyOptimality() {
        var g = SplitMix64(seed: 99)
        for _ in 0..<100 {
            let nr = g.int(2...10), nc = g.int(nr...20)
            let costs = (0..<nr).map { _ in (0..<nc).map { _ in Int64(g.int(1...1_000)) } }
            let allowed = (0..<nr).map { _ in (0..<nc).map { _ in g.int(0...3) > 0 } }
            let (p, arcs) = network(costs: costs, allowed: allowed, need: 1)
            let s = p.solve()
            for (a, (r, c)) in arcs.enumerated() {
                let rc = s.reducedCost(from: r, to: nr + c, cost: costs[r][c])
                if s.flow[a] == 0 { XCTAssertGreaterThanOrEqual(rc, 0) } else { XCTAssertLessThanOrEqual(rc, 0) }
            }
        }
    }

    func testInfeasibleReportsLargestDeliverableFlow() {
        // Three rows, but only two columns reachable at all.
        let costs: [[Int64]] = [[1, 5, 9], [2, 2, 9], [3, 1, 9]]
        let allowed = [[true, true, false], [true, true, false], [true, true, false]]
        let (p, _) = network(costs: costs, allowed: allowed, need: 1)
        let s = p.solve()
        XCTAssertFalse(s.isFeasible)
        XCTAssertEqual(s.shipped, 2)
        XCTAssertEqual(s.required, 3)
    }

    func testBulkCapacitiesAndTies() {
        // Equal-cost alternatives: the same problem always gives the same flow.
        var p = MinCostFlowProblem(nodeCount: 4)
        p.setSupply(0, 5)
        p.setSupply(3, -5)
        p.addArc(from: 0, to: 1, capacity: 3, cost: 2)
        p.addArc(from: 0, to: 2, capacity: 3, cost: 2)
        p.addArc(from: 1, to: 3, capacity: 5, cost: 1)
        p.addArc(from: 2, to: 3, capacity: 5, cost: 1)
        let s = p.solve()
        XCTAssertEqual(s.cost, 15)
        XCTAssertEqual(s, p.solve())
        XCTAssertEqual(s.flow, [3, 2, 3, 2])
    }

    /// An independent reference: successive shortest paths one path at a time, with Bellman-Ford
    /// on the actual (possibly negative) residual costs from a super source, no prices at all.
    /// Returns the optimal cost, or nil when the supplies cannot all be delivered.
    func referenceCost(_ p: MinCostFlowProblem) -> Int64? {
        let n = p.nodeCount + 2, source = p.nodeCount, sink = p.nodeCount + 1
        var from: [Int] = [], to: [Int] = [], cap: [Int] = [], cost: [Int64] = []
        func add(_ u: Int, _ v: Int, _ c: Int, _ w: Int64) {
            from += [u, v]; to += [v, u]; cap += [c, 0]; cost += [w, -w]
        }
        for a in 0..<p.arcCount { add(Int(p.tails[a]), Int(p.heads[a]), p.capacities[a], p.costs[a]) }
        var need = 0
        for v in 0..<p.nodeCount {
            if p.supply[v] > 0 { add(source, v, p.supply[v], 0); need += p.supply[v] }
            if p.supply[v] < 0 { add(v, sink, -p.supply[v], 0) }
        }
        var total: Int64 = 0
        while need > 0 {
            var dist = Array(repeating: Int64.max, count: n), via = Array(repeating: -1, count: n)
            dist[source] = 0
            for _ in 0..<n {
                var changed = false
                for e in from.indices where cap[e] > 0 && dist[from[e]] != .max && dist[from[e]] + cost[e] < dist[to[e]] {
                    dist[to[e]] = dist[from[e]] + cost[e]; via[to[e]] = e; changed = true
                }
                if !changed { break }
            }
            guard dist[sink] != .max else { return nil }
            var push = need, v = sink
            while v != source { push = min(push, cap[via[v]]); v = from[via[v]] }
            v = sink
            while v != source { cap[via[v]] -= push; cap[via[v] ^ 1] += push; v = from[via[v]] }
            need -= push
            total += Int64(push) * dist[sink]
        }
        return total
    }

    /// A random network on `n` nodes: random arcs (parallel arcs and both directions allowed),
    /// random balanced supplies.
    func randomNetwork(_ g: inout SplitMix64, nodes n: Int) -> MinCostFlowProblem {
        var p = MinCostFlowProblem(nodeCount: n)
        for _ in 0..<g.int(n...(4 * n)) {
            let u = g.int(0...(n - 1)), v = g.int(0...(n - 1))
            if u != v { p.addArc(from: u, to: v, capacity: g.int(0...4), cost: Int64(g.int(0...30))) }
        }
        var balance = 0
        for v in 0..<(n - 1) {
            let b = g.int(-3...3)
            p.setSupply(v, b)
            balance += b
        }
        p.setSupply(n - 1, -balance)
        return p
    }

    /// Whether `s` is a flow of `p`: capacities respected and every node balanced.
    func isFlow(_ s: MinCostFlowSolution, of p: MinCostFlowProblem) -> Bool {
        var net = p.supply
        for a in 0..<p.arcCount {
            guard s.flow[a] >= 0 && s.flow[a] <= p.capacities[a] else { return false }
            net[Int(p.tails[a])] -= s.flow[a]
            net[Int(p.heads[a])] += s.flow[a]
        }
        return net.allSatisfy { $0 == 0 } && s.cost == (0..<p.arcCount).reduce(Int64(0)) { $0 + Int64(s.flow[$1]) * p.costs[$1] }
    }

    /// General networks (not only bipartite ones, supplies and demands anywhere) against the
    /// reference, from a cold start and from random warm starts (any prices, any flow within the
    /// capacities): the optimum is the same, and the prices certify it.
    func testGeneralNetworksAndWarmStartsMatchReference() {
        var g = SplitMix64(seed: 11_2026)
        var feasible = 0
        for trial in 0..<400 {
            let p = randomNetwork(&g, nodes: g.int(2...9))
            let expected = referenceCost(p)
            let cold = p.solve()
            let start = MinCostFlowProblem.WarmStart(
                potential: (0..<p.nodeCount).map { _ in Int64(g.int(-60...60)) },
                flow: (0..<p.arcCount).map { p.capacities[$0] == 0 ? 0 : g.int(0...p.capacities[$0]) })
            let warm = p.solve(startingFrom: start)
            for (name, s) in [("cold", cold), ("warm", warm)] {
                guard let expected else {
                    XCTAssertFalse(s.isFeasible, "trial \(trial) \(name): infeasible by the reference")
                    continue
                }
                XCTAssertTrue(s.isFeasible, "trial \(trial) \(name)")
                XCTAssertTrue(isFlow(s, of: p), "trial \(trial) \(name): not a flow")
                XCTAssertEqual(s.cost, expected, "trial \(trial) \(name)")
                for a in 0..<p.arcCount {
                    let rc = s.reducedCost(from: Int(p.tails[a]), to: Int(p.heads[a]), cost: p.costs[a])
                    if s.flow[a] < p.capacities[a] { XCTAssertGreaterThanOrEqual(rc, 0, "trial \(trial) \(name)") }
                    if s.flow[a] > 0 { XCTAssertLessThanOrEqual(rc, 0, "trial \(trial) \(name)") }
                }
            }
            if expected != nil { feasible += 1 }
        }
        XCTAssertGreaterThan(feasible, 60)
        XCTAssertLessThan(feasible, 400)
    }

    /// An enlarged network started from a smaller one's solution (`warmStart(from:solution:)`):
    /// the flow carries over by endpoints, and the optimum is that of a cold solve.
    func testWarmStartFromSmallerNetwork() {
        var g = SplitMix64(seed: 5)
        for trial in 0..<200 {
            let nr = g.int(1...5), nc = g.int(nr...9)
            let costs = (0..<nr).map { _ in (0..<nc).map { _ in Int64(g.int(1...50)) } }
            let all = Array(repeating: Array(repeating: true, count: nc), count: nr)
            let some = (0..<nr).map { _ in (0..<nc).map { _ in g.int(0...2) == 0 } }
            let (small, _) = network(costs: costs, allowed: some, need: 1)
            let (large, _) = network(costs: costs, allowed: all, need: 1)
            let first = small.solve()
            let start = large.warmStart(from: small, solution: first)
            XCTAssertEqual(start.potential, first.potential)
            XCTAssertEqual(start.flow.reduce(0, +), first.flow.reduce(0, +), "trial \(trial): flow carried over")
            let s = large.solve(startingFrom: start)
            XCTAssertEqual(s.cost, bruteForce(costs: costs, allowed: all, need: 1), "trial \(trial)")
            XCTAssertEqual(s.cost, large.solve().cost, "trial \(trial)")
        }
    }
}
