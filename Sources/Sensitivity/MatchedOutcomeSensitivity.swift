/// Rosenbaum bounds for a reduction in an outcome, from the matched sets of a matching without
/// replacement (`focalUnits[k]` with its `matches[k]`): the test is chosen by the sets' shape
/// and the outcome's kind.
///
/// - every set a pair, 0/1 outcome: `SignTestBounds` (McNemar), favourable pairs are those
///   where the control reoffended and the treated person did not;
/// - every set a pair, other outcome: `SignedRankBounds` on `control − treated`;
/// - any set with two or more controls: `MatchedSetsRankBounds` on the negated outcome (so a
///   lower treated outcome has a higher rank).
///
/// With the signed-rank test (pairs, an outcome that is not 0/1) the range of the Hodges–Lehmann
/// estimate of the reduction is bounded too, on the same Gamma grid (`hodgesLehmann`).
///
/// Sets with no match are left out. The test is one-sided, in the direction of a reduction, at
/// level `oneSidedLevel` (evaluation uses `α/2` for the plan's two-sided `α`: a two-sided test
/// at `α` finds a significant reduction exactly when the one-sided test at `α/2` does).
public struct MatchedOutcomeSensitivity: Sendable {
    public enum Test: Sendable, Equatable {
        case signTest(SignTestBounds)
        case signedRank(SignedRankBounds)
        case matchedSets(MatchedSetsRankBounds)

        public var bounds: any RosenbaumBounds {
            switch self {
            case .signTest(let b): return b
            case .signedRank(let b): return b
            case .matchedSets(let b): return b
            }
        }

        /// A short name: `"McNemar sign test"`, `"Wilcoxon signed-rank test"`,
        /// `"aligned-rank test for matched sets"`.
        public var name: String {
            switch self {
            case .signTest: return "McNemar sign test"
            case .signedRank: return "Wilcoxon signed-rank test"
            case .matchedSets: return "aligned-rank test for matched sets"
            }
        }
    }

    public let test: Test
    /// Matched sets used, and how many of them are pairs.
    public let sets: Int
    public let pairs: Int
    public let oneSidedLevel: Double
    /// The bounds on the grid `HiddenBias.gammaGrid(upTo: gridEnd, step: gridStep)`.
    public let grid: [GammaBound]
    public let critical: CriticalGamma
    /// The Hodges–Lehmann estimate of the reduction (control − treated) and its range on the
    /// grid's Gammas, with the signed-rank test; otherwise why it does not apply.
    public let hodgesLehmann: Result<HodgesLehmannRange, SensitivityError>

    /// - Throws: `invalidArgument` when there are no matched sets, a set has more than one
    ///   treated unit, or the chosen test cannot be formed (for example every pair tied).
    public init(outcome: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]], binary: Bool,
                oneSidedLevel: Double) throws {
        var members: [[Double]] = [], treatedMember: [Int] = []
        for (f, m) in zip(focalUnits, matches) where !m.isEmpty {
            let units = [f] + m
            let t = units.indices.filter { treated[units[$0]] }
            guard t.count == 1 else {
                throw SensitivityError.invalidArgument("a matched set has \(t.count) treated units; Rosenbaum bounds here need exactly one")
            }
            members.append(units.map { outcome[$0] })
            treatedMember.append(t[0])
        }
        guard !members.isEmpty else { throw SensitivityError.invalidArgument("there are no matched sets") }
        let pairCount = members.filter { $0.count == 2 }.count
        var estimate: HodgesLehmannBounds? = nil
        let notApplicable: String
        if pairCount == members.count {
            let treatedY = zip(members, treatedMember).map { $0[$1] }
            let controlY = zip(members, treatedMember).map { $0[1 - $1] }
            if binary {
                test = .signTest(try SignTestBounds(treated: treatedY.map { $0 != 0 }, control: controlY.map { $0 != 0 }, reduction: true))
                notApplicable = "the outcome is 0/1: the Hodges-Lehmann estimate of an additive effect needs counts or a continuous outcome"
            } else {
                let differences = zip(controlY, treatedY).map { $0 - $1 }
                test = .signedRank(try SignedRankBounds(differences: differences))
                estimate = try HodgesLehmannBounds(differences: differences)
                notApplicable = ""
            }
        } else {
            test = .matchedSets(try MatchedSetsRankBounds(sets: members.map { $0.map { -$0 } }, treatedMember: treatedMember))
            notApplicable = "\(members.count - pairCount) of the \(members.count) matched sets have two or more controls: the Hodges-Lehmann bounds here are for matched pairs"
        }
        sets = members.count
        pairs = pairCount
        self.oneSidedLevel = oneSidedLevel
        critical = test.bounds.criticalGamma(alpha: oneSidedLevel)
        let (end, step) = Self.gridRange(critical)
        let gammas = HiddenBias.gammaGrid(upTo: end, step: step)
        grid = test.bounds.bounds(gammas: gammas)
        hodgesLehmann = estimate.map { .success(HodgesLehmannRange($0, gammas: gammas)) }
            ?? .failure(.invalidArgument(notApplicable))
    }

    /// The grid shown: from 1 to about 1.5 `Γ*` (at least 2, at most 10), in steps of 0.05 up to
    /// 3, 0.1 up to 6 and 0.25 beyond.
    static func gridRange(_ critical: CriticalGamma) -> (end: Double, step: Double) {
        let target = (critical.gamma ?? 1) * 1.5
        let end = min(10, max(2, (target * 2).rounded(.up) / 2))
        let step = end <= 3 ? 0.05 : end <= 6 ? 0.1 : 0.25
        return (end, step)
    }
}

/// The Hodges–Lehmann estimate and its range under hidden bias on a Gamma grid
/// (`HodgesLehmannBounds.interval(gamma:)` at each `Γ`).
public struct HodgesLehmannRange: Sendable, Equatable {
    /// The estimate's range at one `Γ`: `lower = τ(μ⁺)`, `upper = τ(μ⁻)`.
    public struct Interval: Sendable, Equatable {
        public var gamma: Double
        public var lower: Double
        public var upper: Double
        public init(gamma: Double, lower: Double, upper: Double) {
            self.gamma = gamma; self.lower = lower; self.upper = upper
        }
    }

    public let bounds: HodgesLehmannBounds
    /// The estimate without hidden bias (`Γ = 1`).
    public let estimate: Double
    public let grid: [Interval]

    public init(_ bounds: HodgesLehmannBounds, gammas: [Double]) {
        self.bounds = bounds
        estimate = bounds.estimate
        grid = gammas.map { g in
            let (lower, upper) = bounds.interval(gamma: g)
            return Interval(gamma: g, lower: lower, upper: upper)
        }
    }
}
