import Balance
import Matching
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

extension ExactGroupTotals {
    /// Which group's units carry weight 1 in a subclass: the estimand's focal group (treated for
    /// the ATT, control for the ATC), or neither (ATE, where every unit's weight is the size of
    /// its subclass over its group's count in the subclass).
    public enum FocalGroup: Sendable, Equatable {
        case treated, control, none
    }

    /// Totals from subclasses (exact, CEM, subclassification, full matching; MatchIt's
    /// `weights.subclass`). A unit takes part when its `subclass` is set and its `weight` is
    /// positive. In subclass `s` with `t_s` treated and `c_s` control members:
    /// - ATT: treated weigh 1, controls `t_s/c_s`;
    /// - ATC: controls weigh 1, treated `c_s/t_s`;
    /// - ATE: treated weigh `(t_s+c_s)/t_s`, controls `(t_s+c_s)/c_s`.
    /// Each group's events are `Σ_s w_s Σ_{i in s} y_i` and its weight `Σ_s w_s · n_s`, in exact
    /// rationals (MatchIt's normalisation scales a group's weights by a constant and cancels in the
    /// weighted mean `events/weight`).
    /// - Throws: `NotEstimable` when a participating outcome is not finite, or a subclass lacks one
    ///   of the groups (such a subclass has no weight in MatchIt and must not be marked as matched).
    public init(outcome: [Double], treated: [Bool], subclass: [Int?], weights: [Double], focal: FocalGroup) throws {
        struct Cell { var treatedCount = 0, controlCount = 0; var treatedSum = ExactRational.zero, controlSum = ExactRational.zero }
        var cells: [Int: Cell] = [:]
        for i in outcome.indices {
            guard let s = subclass[i], weights[i] > 0 else { continue }
            guard let y = ExactRational(exactly: outcome[i]) else {
                throw NotEstimable(reason: "the outcome of unit \(i + 1) is not a finite number")
            }
            var cell = cells[s] ?? Cell()
            if treated[i] { cell.treatedCount += 1; cell.treatedSum += y } else { cell.controlCount += 1; cell.controlSum += y }
            cells[s] = cell
        }
        var te = ExactRational.zero, tw = ExactRational.zero, ce = ExactRational.zero, cw = ExactRational.zero
        for s in cells.keys.sorted() {
            let cell = cells[s]!
            guard cell.treatedCount > 0, cell.controlCount > 0 else {
                throw NotEstimable(reason: "subclass \(s) has \(cell.treatedCount) treated and \(cell.controlCount) control units with weight; every weighted subclass needs both")
            }
            let nt = ExactRational(cell.treatedCount), nc = ExactRational(cell.controlCount)
            let wt: ExactRational, wc: ExactRational
            switch focal {
            case .treated: wt = .one; wc = nt / nc
            case .control: wt = nc / nt; wc = .one
            case .none: wt = (nt + nc) / nt; wc = (nt + nc) / nc
            }
            te += wt * cell.treatedSum; tw += wt * nt
            ce += wc * cell.controlSum; cw += wc * nc
        }
        treatedEvents = te; treatedWeight = tw; comparisonEvents = ce; comparisonWeight = cw
    }

    /// Totals from a method's own real-number weights (kernel matching, inverse-probability
    /// weighting): each stored double is taken at its exact binary value, so `events/weight` is the
    /// exact weighted mean of the weights as written to `matches.csv` (shortest round-trip form).
    /// - Throws: `NotEstimable` for a non-finite outcome of a unit with positive weight, or a
    ///   negative or non-finite weight.
    public init(outcome: [Double], treated: [Bool], realWeights weights: [Double]) throws {
        var te = ExactRational.zero, tw = ExactRational.zero, ce = ExactRational.zero, cw = ExactRational.zero
        for i in outcome.indices where weights[i] != 0 {
            guard let w = ExactRational(exactly: weights[i]), weights[i] > 0 else {
                throw NotEstimable(reason: "the weight of unit \(i + 1) is \(weights[i]); weights must be finite and not negative")
            }
            guard let y = ExactRational(exactly: outcome[i]) else {
                throw NotEstimable(reason: "the outcome of unit \(i + 1) is not a finite number")
            }
            if treated[i] { te += w * y; tw += w } else { ce += w * y; cw += w }
        }
        treatedEvents = te; treatedWeight = tw; comparisonEvents = ce; comparisonWeight = cw
    }

    /// Totals for a match, chosen by how its weights arise (`MatchResult.weightBasis`).
    public init(outcome: [Double], match: MatchResult) throws {
        switch match.weightBasis {
        case .matchedSets:
            try self.init(outcome: outcome, treated: match.treated, focalUnits: match.focalUnits, matches: match.matches)
        case .subclassCounts:
            try self.init(outcome: outcome, treated: match.treated, subclass: match.subclass.array, weights: match.weights,
                          focal: { switch match.specification.estimand {
                              case .att: return .treated
                              case .atc: return .control
                              case .ate: return .none
                          } }())
        case .realNumbers:
            try self.init(outcome: outcome, treated: match.treated, realWeights: match.weights)
        }
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
