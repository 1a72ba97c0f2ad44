import RArithmetic

/// Subclassification on the propensity score, as MatchIt 4.7's `method = "subclass"`
/// (`matchit2subclass.R`, with `subclass_scoot` / `subclass_scootC.cpp` for `min.n`).
///
/// 1. Cut points: `quantile(d, seq(0, 1, length.out = n + 1))` (type 7) of the distance `d` of the
///    target group (ATT: all treated units, ATC: all controls; discarded units included).
/// 2. Each unit kept by `discard` gets `findInterval(d, cuts, all.inside = TRUE)`: the number of cut
///    points at or below its distance, clamped to 1 ... n. Fewer than n distinct subclasses give a
///    warning (ties in the distance).
/// 3. `min_n = 0`: units of subclasses lacking either group are unmatched. `min_n >= 1`: while some
///    group has fewer than `min_n` units in a subclass, units are moved ("scooted") into it, one at
///    a time, from the nearest non-empty subclass in the direction chosen below (see `scoot`).
/// 4. The subclasses that remain are renumbered 1, 2, ... in order; weights as `Strata.subclassWeights`.
public enum PropensitySubclassification {
    /// The result: subclass per unit (`nil` = discarded or unmatched), the cut points, warnings.
    public struct Assignment: Sendable, Equatable {
        public var subclass: [Int?]
        public var cuts: [Double]
        public var warnings: [String]
    }

    /// Subclasses.
    /// - Parameters:
    ///   - count: number of subclasses requested (MatchIt's `subclass`, at least 2).
    ///   - minimumPerGroup: MatchIt's `min.n` (at least 0).
    public static func assign(
        treated: [Bool], distance: [Double], discarded: [Bool], estimand: Estimand, count: Int, minimumPerGroup: Int
    ) throws(StrataError) -> Assignment {
        let n = treated.count
        let probabilities = rSequence(from: 0, to: 1, count: count + 1)
        let target: [Double]
        switch estimand {
        case .att: target = (0..<n).filter { treated[$0] }.map { distance[$0] }
        case .atc: target = (0..<n).filter { !treated[$0] }.map { distance[$0] }
        case .ate: target = distance   // every unit, discarded ones included (as MatchIt)
        }
        let cuts = rQuantiles(target, probabilities: probabilities)

        var subclass: [Int?] = (0..<n).map { i in
            discarded[i] ? nil : min(max(rFindInterval(distance[i], breaks: cuts), 1), cuts.count - 1)
        }
        var warnings: [String] = []
        if Set(subclass.compactMap { $0 }).count != count {
            warnings.append("due to ties in the distance, fewer subclasses were made than were requested")
        }

        let kept = (0..<n).filter { !discarded[$0] }
        if minimumPerGroup == 0 {
            let withTreated = Set(kept.filter { treated[$0] }.map { subclass[$0]! })
            let withControl = Set(kept.filter { !treated[$0] }.map { subclass[$0]! })
            for i in kept where !(withTreated.contains(subclass[i]!) && withControl.contains(subclass[i]!)) {
                subclass[i] = nil
            }
        } else {
            let moved = try scoot(subclass: kept.map { subclass[$0]! }, treated: kept.map { treated[$0] },
                                  distance: kept.map { distance[$0] }, minimumPerGroup: minimumPerGroup)
            for (k, i) in kept.enumerated() { subclass[i] = moved[k] }
        }

        // Renumber the subclasses in use 1, 2, ... (R's factor levels).
        let used = Set(subclass.compactMap { $0 }).sorted()
        var label: [Int: Int] = [:]
        for (k, s) in used.enumerated() { label[s] = k + 1 }
        return Assignment(subclass: subclass.map { $0.flatMap { label[$0] } }, cuts: cuts, warnings: warnings)
    }

    /// MatchIt's `subclass_scoot`: gives every subclass (among those in use) at least
    /// `minimumPerGroup` units of each group. For each group separately, `minimumPerGroup` times:
    /// while some subclass has no unit of the group to spare (count 0), take the first such subclass
    /// `s`; take a unit from the nearest subclass below it that has one (the last subclass always
    /// takes from below), or above it (the first always takes from above); elsewhere from below when
    /// `sum over other subclasses u with count > 1 of (count(u) - 1) / (u - s)` is at most 0, else
    /// from above. The unit taken is the one closest in distance (the largest distance when taking
    /// from below, the smallest from above; ties to the later unit in data order). After each pass
    /// every count is lowered by 1.
    /// - Throws: `StrataError.tooFewForMinimum` when a group has fewer than
    ///   `subclasses x minimumPerGroup` units.
    static func scoot(subclass: [Int], treated: [Bool], distance: [Double], minimumPerGroup: Int) throws(StrataError) -> [Int] {
        let levels = Set(subclass).sorted()
        let nsub = levels.count
        var position: [Int: Int] = [:]
        for (k, s) in levels.enumerated() { position[s] = k }
        var sub = subclass.map { position[$0]! }

        // Nothing to do when every group already has enough in every subclass.
        var table = Array(repeating: (t: 0, c: 0), count: nsub)
        for (i, s) in sub.enumerated() { if treated[i] { table[s].t += 1 } else { table[s].c += 1 } }
        if table.allSatisfy({ $0.t >= minimumPerGroup && $0.c >= minimumPerGroup }) { return subclass }
        for group in [true, false] {
            let total = treated.filter { $0 == group }.count
            if total < nsub * minimumPerGroup {
                throw .tooFewForMinimum(group: group ? "treated" : "control", count: total, subclasses: nsub,
                                        minN: minimumPerGroup)
            }
        }

        // Groups in order of first appearance (R's `unique(treat)`); they do not interact.
        var groups: [Bool] = []
        for t in treated where !groups.contains(t) { groups.append(t) }
        for group in groups {
            let members = treated.indices.filter { treated[$0] == group }
            var count = Array(repeating: 0, count: nsub)
            for i in members { count[sub[i]] += 1 }
            for _ in 0..<minimumPerGroup {
                while let s = count.firstIndex(where: { $0 <= 0 }) {
                    let fromBelow: Bool
                    if s == nsub - 1 {
                        fromBelow = true
                    } else if s == 0 {
                        fromBelow = false
                    } else {
                        var score = 0.0
                        for u in 0..<nsub where u != s && count[u] > 1 {
                            score += Double(count[u] - 1) / Double(u - s)
                        }
                        fromBelow = score <= 0
                    }
                    let source = fromBelow
                        ? (0..<s).last(where: { count[$0] > 0 })!
                        : ((s + 1)..<nsub).first(where: { count[$0] > 0 })!
                    var best: Int? = nil
                    for i in members where sub[i] == source {
                        guard let b = best else { best = i; continue }
                        if fromBelow ? distance[i] >= distance[b] : distance[i] <= distance[b] { best = i }
                    }
                    sub[best!] = s
                    count[s] += 1
                    count[source] -= 1
                }
                for k in 0..<nsub { count[k] -= 1 }
            }
        }
        return sub.map { levels[$0] }
    }
}
