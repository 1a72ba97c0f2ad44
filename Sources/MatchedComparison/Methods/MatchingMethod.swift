import Matching

/// What every matching method receives: one entry per frame row.
public struct MatchingInput: Sendable {
    public var treated: [Bool]
    public var distance: [Double]
    /// Exact-matching cell per row (`nil`: one cell).
    public var exactCells: [Int]?

    public init(treated: [Bool], distance: [Double], exactCells: [Int]?) {
        self.treated = treated
        self.distance = distance
        self.exactCells = exactCells
    }
}

/// One matching method, as MatchIt has one `matchit2<method>.R` per method: it takes the
/// distance, treatment and exact cells and returns matched sets and weights. New methods
/// (optimal, full, subclassification, CEM, radius, kernel, weighting) are new conforming types,
/// registered in `MatchingPlan.Method.implementation`.
public protocol MatchingMethod: Sendable {
    func match(_ input: MatchingInput, plan: MatchingPlan) throws -> MatchResult
}

extension MatchingPlan.Method {
    /// The type that carries out this method.
    public var implementation: any MatchingMethod {
        switch self {
        case .nearest: return NearestNeighborMethod()
        case .optimal: return OptimalMethod()
        case .full: return FullMethod()
        }
    }
}
