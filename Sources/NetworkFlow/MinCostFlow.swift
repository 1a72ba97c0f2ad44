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
/// Determinism: arcs are stored in the order they were added; Dijkstra breaks equal distances by
/// the smaller node number and the depth-first search takes arcs in insertion order, so the same
/// problem always gives the same flow (among equal-cost optima, always the same one).
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

    /// Solves the problem. When the supplies cannot all be delivered the solution is the
    /// cheapest flow of the largest deliverable amount, with `isFeasible == false`.
    public func solve() -> MinCostFlowSolution {
        var residual = ResidualNetwork(self)
        residual.run()
        var flow = Array(repeating: 0, count: arcCount)
        var total: Int64 = 0
        for a in 0..<arcCount {
            flow[a] = capacities[a] - residual.capacity[2 * a]
            total += Int64(flow[a]) * costs[a]
        }
        let required = supply.reduce(0) { $0 + max($1, 0) }
        let demanded = supply.reduce(0) { $0 + max(-$1, 0) }
        return MinCostFlowSolution(flow: flow, cost: total, shipped: residual.shipped,
                                   required: max(required, demanded),
                                   potential: Array(residual.potential[0..<nodeCount]))
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
        var current = Array(repeating: 0, count: nodeCount)
        var onPath = Array(repeating: false, count: nodeCount)
        var dead = Array(repeating: false, count: nodeCount)
        var pathArcs: [Int] = []
        var pathNodes: [Int] = []

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
            for v in 0..<nodeCount { current[v] = firstOut[v]; dead[v] = false }
            var progressed = false
            while shipped < required {
                pathArcs.removeAll(keepingCapacity: true)
                pathNodes.removeAll(keepingCapacity: true)
                pathNodes.append(source)
                onPath[source] = true
                var reached = false
                while let v = pathNodes.last {
                    if v == sink { reached = true; break }
                    var advanced = false
                    while current[v] < firstOut[v + 1] {
                        let e = Int(outArcs[current[v]])
                        let w = Int(head[e])
                        if capacity[e] > 0, !dead[w], !onPath[w], cost[e] + potential[v] - potential[w] == 0 {
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
                guard reached else { break }
                var push = required - shipped
                for e in pathArcs { push = min(push, capacity[e]) }
                for e in pathArcs {
                    capacity[e] -= push
                    capacity[e ^ 1] += push
                }
                shipped += push
                progressed = true
            }
            // A settled sink always has a reduced-cost-0 path, so every phase ships something.
            precondition(progressed, "min-cost flow: no augmenting path on a shortest-path tree")
        }
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
