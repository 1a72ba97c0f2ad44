import Balance
import PaymentRules

/// A match's weighted event and weight totals, exactly.
///
/// Matching weights are rationals: without replacement each matched set gives its focal unit weight
/// 1 and each of its `k` other members `1/k`; with replacement a unit's weight is the sum over the
/// sets it joins (`Matching.matchWeights`, before MatchIt's normalisation, which scales each group
/// by a constant and so cancels in the weighted means). Summing set by set, the non-focal group's
/// events are `Σ_sets (Σ_{j in set} y_j) / k_set` and its weight is the number of sets, since each
/// set's weights `1/k` add up to 1. These totals feed the payment rule
/// (`PaymentRules.CohortResult`), whose means `events/weight` equal `GroupRates`' weighted means
/// without rounding.
public struct ExactGroupTotals: Sendable, Equatable {
    public var treatedEvents: ExactRational
    public var treatedWeight: ExactRational
    public var comparisonEvents: ExactRational
    public var comparisonWeight: ExactRational

    /// - Parameters:
    ///   - outcome: the outcome of every unit (finite; counts or 0/1 in practice).
    ///   - treated: the treatment indicator of every unit.
    ///   - focalUnits, matches: the matched sets (`MatchResult.focalUnits`, `.matches`); a focal
    ///     unit with no match is unmatched.
    /// - Throws: `NotEstimable` when an outcome of a matched unit is not a finite number.
    public init(outcome: [Double], treated: [Bool], focalUnits: [Int], matches: [[Int]]) throws {
        func exact(_ i: Int) throws -> ExactRational {
            guard let y = ExactRational(exactly: outcome[i]) else {
                throw NotEstimable(reason: "the outcome of unit \(i + 1) is not a finite number")
            }
            return y
        }
        var focalEvents = ExactRational.zero, sets = 0
        // Σ_{j in set} y_j accumulated by set size k, then divided by k once per size.
        var eventsBySize: [Int: ExactRational] = [:]
        for (f, set) in zip(focalUnits, matches) where !set.isEmpty {
            sets += 1
            focalEvents += try exact(f)
            var sum = ExactRational.zero
            for j in set { sum += try exact(j) }
            eventsBySize[set.count] = (eventsBySize[set.count] ?? .zero) + sum
        }
        var otherEvents = ExactRational.zero
        for size in eventsBySize.keys.sorted() { otherEvents += eventsBySize[size]! / ExactRational(size) }
        let focalIsTreated = focalUnits.first.map { treated[$0] } ?? true
        let focalWeight = ExactRational(sets), otherWeight = ExactRational(sets)
        treatedEvents = focalIsTreated ? focalEvents : otherEvents
        treatedWeight = focalIsTreated ? focalWeight : otherWeight
        comparisonEvents = focalIsTreated ? otherEvents : focalEvents
        comparisonWeight = focalIsTreated ? otherWeight : focalWeight
    }
}

extension CohortEvaluation {
    /// What the payment rule needs from this cohort: matched and cohort treated people, the exact
    /// weighted totals, the covariates' SMDs after matching (the distance excluded; covariates with
    /// no SMD, such as constants, left out) and the rate-ratio test.
    public func paymentInput() -> CohortResult {
        let balance = self.balance.matched.dropFirst().compactMap { row in
            row.standardizedMeanDifference.map { CovariateBalance(covariate: row.name, standardizedMeanDifference: $0) }
        }
        return CohortResult(
            name: cohort.name, matchedTreated: rates.treatedUnits, cohortTreated: treatedInCohort,
            treatedEvents: exactTotals.treatedEvents, treatedWeight: exactTotals.treatedWeight,
            comparisonEvents: exactTotals.comparisonEvents, comparisonWeight: exactTotals.comparisonWeight,
            balance: Array(balance), test: SignificanceTest(pValue: pValue, significant: significant))
    }
}
