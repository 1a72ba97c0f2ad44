/// Weighted outcome rates of the two arms and the headline contrasts of an outcomes contract.
///
/// For each group `m = Σ wᵢ yᵢ / Σ wᵢ` over its units with positive weight (R:
/// `weighted.mean(y, w)`, i.e. `sum(w * y) / sum(w)`); `difference = m_T − m_C`; and the
/// relative reduction `1 − m_T / m_C`, the statistic the HMP Peterborough SIB paid on
/// (1.42 vs 1.55 reconviction events per offender → 8.4%).
public struct GroupRates: Sendable, Equatable {
    /// Weighted mean outcome of the treated group.
    public let treatedMean: Double
    /// Weighted mean outcome of the comparison group.
    public let comparisonMean: Double
    /// Units with positive weight in each group.
    public let treatedUnits: Int
    public let comparisonUnits: Int
    /// Σw of each group.
    public let treatedWeight: Double
    public let comparisonWeight: Double

    /// Rates of a matched sample.
    /// - Throws: `OutcomesError.emptyGroup` when a group has no unit with positive weight.
    public init(_ sample: MatchedSample) throws {
        try sample.requireBothGroups()
        let (t, c) = sample.totals()
        treatedMean = t.mean
        comparisonMean = c.mean
        treatedUnits = t.units
        comparisonUnits = c.units
        treatedWeight = t.weight
        comparisonWeight = c.weight
    }

    /// Rates from two published means (for example the Peterborough 1.42 and 1.55).
    public init(treatedMean: Double, comparisonMean: Double) {
        self.treatedMean = treatedMean
        self.comparisonMean = comparisonMean
        treatedUnits = 0; comparisonUnits = 0; treatedWeight = 0; comparisonWeight = 0
    }

    /// Treated mean per 100 people (`100 m_T`).
    public var treatedPer100: Double { 100 * treatedMean }
    /// Comparison mean per 100 people (`100 m_C`).
    public var comparisonPer100: Double { 100 * comparisonMean }
    /// `m_T − m_C` (negative when the intervention reduces the outcome).
    public var difference: Double { treatedMean - comparisonMean }
    /// `100 (m_T − m_C)`, per 100 people.
    public var differencePer100: Double { 100 * difference }

    /// `1 − m_T / m_C` (positive when the treated do better on a "bad" outcome such as reconviction).
    /// - Throws: `OutcomesError.zeroComparisonMean` when `m_C = 0`.
    public func relativeReduction() throws -> Double {
        guard comparisonMean != 0 else { throw OutcomesError.zeroComparisonMean }
        return 1 - treatedMean / comparisonMean
    }
}
