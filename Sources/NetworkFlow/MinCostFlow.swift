/// Minimum-cost flow on a sparse directed network with whole-number capacities and whole-number
/// (Int64) arc costs, solved exactly.
///
/// Problem: nodes v with supply b(v) (positive = source, negative = demand, summing to 0); arcs a
/// from u to v with capacity 0 <= cap(a) and cost c(a) >= 0. Find a flow x minimising
/// sum_a c(a) x(a) subject to 0 <= x(a) <= cap(a) and out(v) - in(v) = b(v) at every node.
///
/// Algorithm: successive shortest paths with node potentials (Ahuja, Magnanti & Orlin 1993,
/// "Network Flows", sections 9.7 and 9.8). A super source feeds every supply node and every demand
/// node drains into a super sink. Each phase runs Dijkstra on the reduced costs
/// c(a) + pi(u) - pi(v) >= 0 of the residual network, stopping when the sink is settled at distance
/// D; every potential then grows by min(dist(v), D), which keeps every residual reduced cost
/// non-negative and makes the shortest paths' arcs exactly those of reduced cost 0. The phase then
/// pushes flow along as many reduced-cost-0 paths from source to sink as a depth-first search finds
/// (primal-dual augmentation), so one Dijkstra serves many augmenting paths. Everything is integer,
/// so the result is an exact optimum of the integer problem.
///
/// Warm start (`solve(startingFrom:)`): any prices and any flow within the capacities may be
/// given, for instance the solution of a smaller network on the same nodes
/// (`warmStart(from:solution:)`). Arcs whose reduced cost under those prices is negative are first
/// filled and arcs whose reduced cost is positive emptied; that pseudo-flow satisfies reduced-cost
/// optimality, and successive shortest paths remove its imbalances (Ahuja, Magnanti & Orlin,
/// section 9.7: they work from any pseudo-flow with that property), here one excess node at a
/// time, because a warm start leaves few imbalances and each is usually repaired near where it
/// is. Each phase takes the first node s (in node order) with excess e(s) = b(s) + in(s) - out(s)
/// > 0, runs Dijkstra from s, and stops at the first node t settled with a deficit, at distance D;
/// each settled node's price changes by dist(v) - D (unsettled nodes keep theirs), which keeps
/// every residual reduced cost non-negative, and flow goes from s to t along reduced-cost-0 paths
/// through settled nodes as above. A search that settles no deficit proves that the excess of s can
/// never be delivered (nothing leaves the set it reached), so that set is closed and later searches
/// skip it. The optimum is exact whatever the start; only the running time depends on it.
///
/// Determinism: arcs are stored in the order they were added; Dijkstra breaks equal distances by
/// the smaller node number and the depth-first search takes arcs in insertion order, so the same
/// problem (and start) always gives the same flow (among equal-cost optima, always the same one).
///
/// The final potentials are optimal dual prices: on every arc with spare capacity
/// c(a) + pi(u) - pi(v) >= 0, and on every arc carrying flow c(a) + pi(u) - pi(v) <= 0. A caller that
/// solved a problem on a subset of arcs can therefore prove the flow optimal for a larger arc set
/// by checking that every omitted arc has a non-negative reduced cost (`reducedCost(from:to:cost:)`).
public struct MinCostFlowProblem: Sendable {
    public let nodeCount: Int
    public private(set) var supply: [Int]
    private(set) var tails: [Int32] = []
    private(set) var heads: [Int32] = []
    private(set) var capacities: [Int] = []
    private(set) var costs: [Int64] = []

    public init(nodeCount: Int) {
        precondition(nodeCount >= 0 && nodeCount < Int(Int32.max) - 2, "too many nodes")
        self.nodeCount = nodeCount
        self.supply = Array(repeating: 0, count: nodeCount)
    }

    public var arcCount: Int { tails.count }

    /// Sets node `node`'s supply (positive) or demand (negative).
    public mutating func setSupply(_ node: Int, _ amount: Int) {
        supply[node] = amount
    }

    /// Adds an arc and returns its number (arcs are numbered 0, 1, ... in the order added).
    @discardableResult
    public mutating func addArc(from tail: Int, to head: Int, capacity: Int, cost: Int64) -> Int {
        precondition(tail >= 0 && tail < nodeCount && head >= 0 && head < nodeCount, "arc endpoint out of range")
        precondition(capacity >= 0 && cost >= 0, "capacities and costs must be non-negative")
        tails.append(Int32(tail))
        heads.append(Int32(head))
        capacities.append(capacity)
        costs.append(cost)
        return tails.count - 1
    }

    /// Reserves room for `count` arcs.
    public mutating func reserveArcs(_ count: Int) {
        tails.reserveCapacity(count)
        heads.reserveCapacity(count)
        capacities.reserveCapacity(count)
        costs.reserveCapacity(count)
    }

    /// Prices and a flow per arc of this problem to start from (see the type's doc comment).
    public struct WarmStart: Sendable, Equatable {
        public var potential: [Int64]
        public var flow: [Int]
        public init(potential: [Int64], flow: [Int]) {
            self.potential = potential
            self.flow = flow
        }
    }

    /// The solution of another problem on the same nodes as a start for this one: its prices, and
    /// on each arc of this problem the flow the other carried between the same two nodes (arcs with
    /// the same ends share it in order, up to their capacities; arcs new here start empty).
    public func warmStart(from other: MinCostFlowProblem, solution: MinCostFlowSolution) -> WarmStart {
        precondition(other.nodeCount == nodeCount && solution.flow.count == other.arcCount, "warm start from another network")
        var carried = [Int64: Int]()
        for a in 0..<other.arcCount where solution.flow[a] > 0 {
            carried[Int64(other.tails[a]) << 32 | Int64(other.heads[a]), default: 0] += solution.flow[a]
        }
        var flow = Array(repeating: 0, count: arcCount)
        if !carried.isEmpty {
            for a in 0..<arcCount {
                let key = Int64(tails[a]) << 32 | Int64(heads[a])
                guard let left = carried[key], left > 0 else { continue }
                flow[a] = min(left, capacities[a])
                carried[key] = left - flow[a]
            }
        }
        return WarmStart(potential: solution.potential, flow: flow)
    }

    /// Solves the problem from zero prices and the empty flow. When the supplies cannot all be
    /// delivered the solution is the cheapest flow of the largest deliverable amount, with
    /// `isFeasible == false`.
    public func solve() -> MinCostFlowSolution {
        solve(startingFrom: nil)
    }

    /// Solves the problem from a warm start (nil = zero prices and the empty flow). When the
    /// supplies cannot all be delivered, `isFeasible == false` and the flow delivers as much as can
    /// be delivered.
    public func solve(startingFrom start: WarmStart?) -> MinCostFlowSolution {
        let required = max(supply.reduce(0) { $0 + max($1, 0) }, supply.reduce(0) { $0 + max(-$1, 0) })
        var flow = Array(repeating: 0, count: arcCount)
        var total: Int64 = 0
        guard let start else {
            var residual = ResidualNetwork(self)
            residual.run()
            for a in 0..<arcCount {
                flow[a] = capacities[a] - residual.capacity[2 * a]
                total += Int64(flow[a]) * costs[a]
            }
            return MinCostFlowSolution(flow: flow, cost: total, shipped: residual.shipped, required: required,
                                       potential: Array(residual.potential[0..<nodeCount]))
        }
        precondition(start.potential.count == nodeCount && start.flow.count == arcCount, "warm start of the wrong size")
        var residual = LocalResidualNetwork(self, start: start)
        residual.run()
        for a in 0..<arcCount {
            flow[a] = residual.capacity[2 * a + 1]
            total += Int64(flow[a]) * costs[a]
        }
        let excess = residual.excess.reduce(0) { $0 + max($1, 0) }
        let deficit = residual.excess.reduce(0) { $0 + max(-$1, 0) }
        return MinCostFlowSolution(flow: flow, cost: total, shipped: required - max(excess, deficit),
                                   required: required, potential: residual.potential)
    }
}

/// The flow found by `MinCostFlowProblem.solve()`.
public struct MinCostFlowSolution: Sendable, Equatable {
    /// Flow on each arc, in the order the arcs were added.
    public var flow: [Int]
    /// Total cost sum_a c(a) x(a).
    public var cost: Int64
    /// Units delivered from supply nodes to demand nodes.
    public var shipped: Int
    /// Units that had to be delivered (the larger of total supply and total demand).
    public var required: Int
    /// Optimal node prices (see the type's doc comment).
    public var potential: [Int64]

    /// Whether every supply reached a demand.
    public var isFeasible: Bool { shipped == required }

    /// Reduced cost of a possible arc `tail -> head` with cost `cost` under the final prices;
    /// adding such an arc cannot lower the optimum when this is non-negative.
    public func reducedCost(from tail: Int, to head: Int, cost: Int64) -> Int64 {
        cost + potential[tail] - potential[head]
    }
}

/// The residual network: arc 2a is arc a forward, 2a + 1 its reverse; adjacency in compressed
/// rows (arcs of each node in insertion order, super-source and super-sink arcs last).
private struct ResidualNetwork {
    let nodeCount: Int
    let source: Int
    let sink: Int
    var head: [Int32]
    var capacity: [Int]
    var cost: [Int64]
    var firstOut: [Int]
    var outArcs: [Int32]
    var potential: [Int64]
    var shipped = 0
    let required: Int

    init(_ p: MinCostFlowProblem) {
        let n = p.nodeCount
        nodeCount = n + 2
        source = n
        sink = n + 1
        let extra = p.supply.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
        let m = p.arcCount + extra
        var tail: [Int32] = [], heads: [Int32] = [], caps: [Int] = [], weights: [Int64] = []
        tail.reserveCapacity(2 * m)
        heads.reserveCapacity(2 * m)
        caps.reserveCapacity(2 * m)
        weights.reserveCapacity(2 * m)
        func add(_ u: Int32, _ v: Int32, _ c: Int, _ w: Int64) {
            tail.append(u); heads.append(v); caps.append(c); weights.append(w)
            tail.append(v); heads.append(u); caps.append(0); weights.append(-w)
        }
        for a in 0..<p.arcCount { add(p.tails[a], p.heads[a], p.capacities[a], p.costs[a]) }
        var need = 0
        for v in 0..<n where p.supply[v] != 0 {
            if p.supply[v] > 0 {
                add(Int32(n), Int32(v), p.supply[v], 0)
                need += p.supply[v]
            } else {
                add(Int32(v), Int32(n + 1), -p.supply[v], 0)
            }
        }
        head = heads
        capacity = caps
        cost = weights
        required = need
        // Compressed adjacency, arcs of each node in arc order.
        var count = Array(repeating: 0, count: nodeCount + 1)
        for t in tail { count[Int(t) + 1] += 1 }
        for v in 0..<nodeCount { count[v + 1] += count[v] }
        firstOut = count
        var fill = count
        var order = Array(repeating: Int32(0), count: tail.count)
        for (e, t) in tail.enumerated() {
            order[fill[Int(t)]] = Int32(e)
            fill[Int(t)] += 1
        }
        outArcs = order
        potential = Array(repeating: 0, count: nodeCount)
    }

    mutating func run() {
        let unreached = Int64.max
        var dist = Array(repeating: unreached, count: nodeCount)
        var settled = Array(repeating: false, count: nodeCount)
        var touched: [Int] = []
        var heap = MinHeap()
        var search = AdmissiblePathSearch(nodeCount: nodeCount)

        while shipped < required {
            // Dijkstra on reduced costs, stopping when the sink is settled.
            for v in touched { dist[v] = unreached; settled[v] = false }
            touched.removeAll(keepingCapacity: true)
            heap.removeAll()
            dist[source] = 0
            touched.append(source)
            heap.push(0, Int32(source))
            var sinkDistance: Int64 = -1
            while let (d, v32) = heap.pop() {
                let v = Int(v32)
                if settled[v] || d != dist[v] { continue }
                settled[v] = true
                if v == sink { sinkDistance = d; break }
                let pv = potential[v]
                for i in firstOut[v]..<firstOut[v + 1] {
                    let e = Int(outArcs[i])
                    guard capacity[e] > 0 else { continue }
                    let w = Int(head[e])
                    if settled[w] { continue }
                    let nd = d + cost[e] + pv - potential[w]
                    if nd < dist[w] {
                        if dist[w] == unreached { touched.append(w) }
                        dist[w] = nd
                        heap.push(nd, Int32(w))
                    }
                }
            }
            guard sinkDistance >= 0 else { return } // nothing more can be delivered
            for v in 0..<nodeCount { potential[v] += min(dist[v], sinkDistance) }

            // Push flow along reduced-cost-0 paths (depth-first, arcs in order, current-arc pointers).
            for v in 0..<nodeCount { search.restart(v, firstOut: firstOut) }
            var progressed = false
            while shipped < required {
                guard search.findPath(from: source, to: sink, head: head, capacity: capacity, cost: cost, potential: potential,
                                      firstOut: firstOut, outArcs: outArcs, through: { _ in true }) else { break }
                shipped += search.augment(&capacity, by: required - shipped)
                progressed = true
            }
            // A settled sink always has a reduced-cost-0 path, so every phase ships something.
            precondition(progressed, "min-cost flow: no augmenting path on a shortest-path tree")
        }
    }
}

/// The residual network of a warm start: arc 2a is arc a forward, 2a + 1 its reverse; adjacency in
/// compressed rows (arcs of each node in insertion order); phases from one excess node at a time.
private struct LocalResidualNetwork {
    let nodeCount: Int
    var head: [Int32]
    var capacity: [Int]
    var cost: [Int64]
    var firstOut: [Int]
    var outArcs: [Int32]
    var potential: [Int64]
    /// b(v) + in(v) - out(v) under the current pseudo-flow.
    var excess: [Int]

    init(_ p: MinCostFlowProblem, start: MinCostFlowProblem.WarmStart?) {
        let n = p.nodeCount, m = p.arcCount
        nodeCount = n
        potential = start?.potential ?? Array(repeating: 0, count: n)
        excess = p.supply
        var heads = Array(repeating: Int32(0), count: 2 * m)
        var caps = Array(repeating: 0, count: 2 * m)
        var weights = Array(repeating: Int64(0), count: 2 * m)
        var count = Array(repeating: 0, count: n + 1)
        for a in 0..<m {
            let u = Int(p.tails[a]), v = Int(p.heads[a]), c = p.costs[a], cap = p.capacities[a]
            heads[2 * a] = p.heads[a]
            heads[2 * a + 1] = p.tails[a]
            weights[2 * a] = c
            weights[2 * a + 1] = -c
            // The start's flow, repaired to reduced-cost optimality under the start's prices.
            var x = 0
            if let start {
                let reduced = c + potential[u] - potential[v]
                x = reduced < 0 ? cap : reduced > 0 ? 0 : min(max(start.flow[a], 0), cap)
            }
            caps[2 * a] = cap - x
            caps[2 * a + 1] = x
            excess[u] -= x
            excess[v] += x
            count[u + 1] += 1
            count[v + 1] += 1
        }
        head = heads
        capacity = caps
        cost = weights
        // Compressed adjacency, arcs of each node in arc order.
        for v in 0..<n { count[v + 1] += count[v] }
        firstOut = count
        var fill = count
        var order = Array(repeating: Int32(0), count: 2 * m)
        for e in 0..<(2 * m) {
            let t = Int(heads[e ^ 1])
            order[fill[t]] = Int32(e)
            fill[t] += 1
        }
        outArcs = order
    }

    mutating func run() {
        let n = nodeCount
        let unreached = Int64.max
        var dist = Array(repeating: unreached, count: n)
        var settled = Array(repeating: false, count: n)
        var closed = Array(repeating: false, count: n)
        var touched: [Int] = []
        var settledNodes: [Int] = []
        var heap = MinHeap()
        var search = AdmissiblePathSearch(nodeCount: n)

        for s in 0..<n {
            while excess[s] > 0 && !closed[s] {
                // Dijkstra from s on reduced costs, stopping at the first node with a deficit.
                for v in touched { dist[v] = unreached; settled[v] = false }
                touched.removeAll(keepingCapacity: true)
                settledNodes.removeAll(keepingCapacity: true)
                heap.removeAll()
                dist[s] = 0
                touched.append(s)
                heap.push(0, Int32(s))
                var target = -1
                var reach: Int64 = 0
                while let (d, v32) = heap.pop() {
                    let v = Int(v32)
                    if settled[v] || d != dist[v] { continue }
                    settled[v] = true
                    settledNodes.append(v)
                    if excess[v] < 0 { target = v; reach = d; break }
                    let pv = potential[v]
                    for i in firstOut[v]..<firstOut[v + 1] {
                        let e = Int(outArcs[i])
                        guard capacity[e] > 0 else { continue }
                        let w = Int(head[e])
                        if settled[w] || closed[w] { continue }
                        let nd = d + cost[e] + pv - potential[w]
                        if nd < dist[w] {
                            if dist[w] == unreached { touched.append(w) }
                            dist[w] = nd
                            heap.push(nd, Int32(w))
                        }
                    }
                }
                guard target >= 0 else {
                    // Nothing leaves the reached set and it holds no deficit: closed for good.
                    for v in settledNodes { closed[v] = true }
                    break
                }
                for v in settledNodes { potential[v] += dist[v] - reach }

                // Push flow from s to target along reduced-cost-0 paths through settled nodes
                // (depth-first, arcs in order, current-arc pointers).
                for v in settledNodes { search.restart(v, firstOut: firstOut) }
                var progressed = false
                while excess[s] > 0 && excess[target] < 0 {
                    guard search.findPath(from: s, to: target, head: head, capacity: capacity, cost: cost, potential: potential,
                                          firstOut: firstOut, outArcs: outArcs, through: { settled[$0] }) else { break }
                    let push = search.augment(&capacity, by: min(excess[s], -excess[target]))
                    excess[s] -= push
                    excess[target] += push
                    progressed = true
                }
                // The shortest-path tree always holds a reduced-cost-0 path to the target.
                precondition(progressed, "min-cost flow: no augmenting path on a shortest-path tree")
            }
        }
    }
}
/// The augmenting step shared by both solvers: paths of residual arcs with reduced cost 0, found
/// depth-first with arcs in order from each node's current-arc pointer (a node found to lead
/// nowhere is dead until `restart`), and the flow pushed along them.
private struct AdmissiblePathSearch {
    var current: [Int]
    var onPath: [Bool]
    var dead: [Bool]
    /// The arcs of the last path found, source first.
    var pathArcs: [Int] = []
    var pathNodes: [Int] = []

    init(nodeCount: Int) {
        current = Array(repeating: 0, count: nodeCount)
        onPath = Array(repeating: false, count: nodeCount)
        dead = Array(repeating: false, count: nodeCount)
    }

    /// Node `v` searches its arcs from the first again, and is alive.
    @inline(__always)
    mutating func restart(_ v: Int, firstOut: [Int]) {
        current[v] = firstOut[v]
        dead[v] = false
    }

    /// Finds a path from `source` to `target` of arcs with residual capacity and reduced cost 0,
    /// entering only nodes `through` accepts; true when one is found (its arcs in `pathArcs`).
    @inline(__always)
    mutating func findPath(from source: Int, to target: Int, head: [Int32], capacity: [Int], cost: [Int64],
                           potential: [Int64], firstOut: [Int], outArcs: [Int32], through: (Int) -> Bool) -> Bool {
        pathArcs.removeAll(keepingCapacity: true)
        pathNodes.removeAll(keepingCapacity: true)
        pathNodes.append(source)
        onPath[source] = true
        var reached = false
        while let v = pathNodes.last {
            if v == target { reached = true; break }
            var advanced = false
            while current[v] < firstOut[v + 1] {
                let e = Int(outArcs[current[v]])
                let w = Int(head[e])
                if capacity[e] > 0, through(w), !dead[w], !onPath[w], cost[e] + potential[v] - potential[w] == 0 {
                    pathArcs.append(e)
                    pathNodes.append(w)
                    onPath[w] = true
                    advanced = true
                    break
                }
                current[v] += 1
            }
            if !advanced {
                dead[v] = true
                onPath[v] = false
                pathNodes.removeLast()
                if !pathArcs.isEmpty {
                    pathArcs.removeLast()
                    if let u = pathNodes.last { current[u] += 1 }
                }
            }
        }
        for v in pathNodes { onPath[v] = false }
        return reached
    }

    /// Pushes as much as the last path's arcs allow, at most `limit`; returns the amount pushed.
    @inline(__always)
    func augment(_ capacity: inout [Int], by limit: Int) -> Int {
        var push = limit
        for e in pathArcs { push = min(push, capacity[e]) }
        for e in pathArcs {
            capacity[e] -= push
            capacity[e ^ 1] += push
        }
        return push
    }
}

/// Binary heap of (distance, node), smallest distance first, ties by the smaller node number.
private struct MinHeap {
    private var keys: [Int64] = []
    private var nodes: [Int32] = []

    mutating func removeAll() {
        keys.removeAll(keepingCapacity: true)
        nodes.removeAll(keepingCapacity: true)
    }

    private func less(_ i: Int, _ j: Int) -> Bool {
        keys[i] < keys[j] || (keys[i] == keys[j] && nodes[i] < nodes[j])
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        keys.swapAt(i, j)
        nodes.swapAt(i, j)
    }

    mutating func push(_ key: Int64, _ node: Int32) {
        keys.append(key)
        nodes.append(node)
        var i = keys.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(i, parent) else { break }
            swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (Int64, Int32)? {
        guard let topKey = keys.first, let topNode = nodes.first else { return nil }
        let last = keys.count - 1
        swapAt(0, last)
        keys.removeLast()
        nodes.removeLast()
        var i = 0
        let n = keys.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n, less(l, m) { m = l }
            if r < n, less(r, m) { m = r }
            if m == i { break }
            swapAt(i, m)
            i = m
        }
        return (topKey, topNode)
    }
}
