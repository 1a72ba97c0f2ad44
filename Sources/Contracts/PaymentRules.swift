import Distributions

/// The payment terms of a reduction-triggered contract (the Peterborough design by default).
public struct PaymentTerms: Sendable, Codable, Equatable {
    /// A cohort triggers a payment when its relative reduction reaches this (0.10).
    public var cohortThreshold: Double
    /// The pooled reduction across cohorts triggers payment when it reaches this (0.075).
    public var pooledThreshold: Double
    /// Whether a trigger also needs the reduction to be statistically significant.
    public var requireSignificance: Bool
    /// Significance level for that requirement (0.05).
    public var significanceLevel: Double
    /// Price paid per reconviction event avoided.
    public var pricePerEvent: Double
    /// Maximum paid for one cohort (nil = none).
    public var capPerCohort: Double?
    /// Maximum paid in total (nil = none).
    public var capTotal: Double?
    /// Whether cohorts that missed their own trigger are paid when the pooled trigger is met.
    public var catchUp: Bool
    /// Whether this is the final assessment across all cohorts, the only time the pooled trigger
    /// applies (an interim assessment of early cohorts applies only the cohort trigger).
    public var finalAssessment: Bool

    public init(cohortThreshold: Double = 0.10, pooledThreshold: Double = 0.075, requireSignificance: Bool = false,
                significanceLevel: Double = 0.05, pricePerEvent: Double = 0, capPerCohort: Double? = nil,
                capTotal: Double? = nil, catchUp: Bool = true, finalAssessment: Bool = true) {
        self.finalAssessment = finalAssessment
        self.cohortThreshold = cohortThreshold
        self.pooledThreshold = pooledThreshold
        self.requireSignificance = requireSignificance
        self.significanceLevel = significanceLevel
        self.pricePerEvent = pricePerEvent
        self.capPerCohort = capPerCohort
        self.capTotal = capTotal
        self.catchUp = catchUp
    }
}

/// What the payment rules need to know about one cohort's result.
public struct CohortOutcome: Sendable, Equatable {
    public var name: String
    /// Treated people in the cohort's matched sample (the cohort size used for weighting and payment).
    public var size: Int
    /// Events per person, treated and counterfactual (matched comparison).
    public var treatedRate: Double
    public var comparisonRate: Double
    /// p-value of the difference (for the significance requirement).
    public var pValue: Double
    /// Standard error of the relative reduction (for the pooled significance test); nil if unknown.
    public var reductionStandardError: Double?

    public init(name: String, size: Int, treatedRate: Double, comparisonRate: Double, pValue: Double,
                reductionStandardError: Double? = nil) {
        self.name = name
        self.size = size
        self.treatedRate = treatedRate
        self.comparisonRate = comparisonRate
        self.pValue = pValue
        self.reductionStandardError = reductionStandardError
    }

    /// Relative reduction `1 - treated / comparison`.
    public var reduction: Double { 1 - treatedRate / comparisonRate }
    /// Events avoided: `(comparison - treated) x size`, never negative.
    public var eventsAvoided: Double { max(0, (comparisonRate - treatedRate) * Double(size)) }
}

/// The payment decision for one cohort.
public struct CohortPayment: Sendable, Equatable {
    public var name: String
    public var reduction: Double
    public var thresholdMet: Bool
    public var significant: Bool
    /// Paid because the cohort met its own trigger.
    public var paidOnOwnTrigger: Bool
    /// Paid through the catch-up (pooled trigger met, own trigger missed).
    public var paidOnCatchUp: Bool
    public var eventsAvoided: Double
    /// Events avoided x price, before caps.
    public var uncapped: Double
    /// After the cohort cap and the overall cap.
    public var due: Double
}

/// The whole payment decision.
public struct PaymentDecision: Sendable, Equatable {
    public var cohorts: [CohortPayment]
    /// Cohort-size-weighted mean of the cohort reductions.
    public var pooledReduction: Double
    /// Standard error of the pooled reduction (cohorts independent) and the two-sided p-value of
    /// its Wald test; nil when a cohort's standard error is unknown.
    public var pooledStandardError: Double?
    public var pooledPValue: Double?
    public var pooledThresholdMet: Bool
    public var totalDue: Double
}

/// Applies the payment terms, in this order:
/// 1. each cohort's reduction `1 - treated/comparison` is compared with `cohortThreshold` (and, if
///    required, its p-value with `significanceLevel`);
/// 2. the pooled reduction is the cohort-size-weighted mean of the cohort reductions, compared with
///    `pooledThreshold` (with the significance requirement, its Wald test must pass too: the cohorts
///    are independent samples, so Var = sum of (size share)^2 x Var(cohort reduction));
///    the pooled trigger applies only at the final assessment and only across two or more cohorts
///    (a single cohort's "pooled" reduction is its own, which must meet the cohort trigger);
/// 3. a cohort is paid `eventsAvoided x pricePerEvent` if it met its own trigger, or, with `catchUp`,
///    if the pooled trigger is met; each payment is capped at `capPerCohort`;
/// 4. payments are then capped in cohort order so that the total does not exceed `capTotal`.
public func decidePayments(_ cohorts: [CohortOutcome], terms: PaymentTerms, pooledPValue: Double? = nil) -> PaymentDecision {
    let totalSize = cohorts.reduce(0) { $0 + $1.size }
    let pooled = totalSize == 0 ? 0
        : cohorts.reduce(0.0) { $0 + Double($1.size) * $1.reduction } / Double(totalSize)
    var pooledSE: Double? = nil
    var pooledP: Double? = nil
    if totalSize > 0, cohorts.allSatisfy({ $0.reductionStandardError != nil }) {
        let variance = cohorts.reduce(0.0) { acc, c in
            let share = Double(c.size) / Double(totalSize)
            return acc + share * share * c.reductionStandardError! * c.reductionStandardError!
        }
        pooledSE = variance.squareRoot()
        pooledP = variance > 0 ? Normal.twoSidedPValue(pooled / variance.squareRoot()) : nil
    }
    if let pooledPValue { pooledP = pooledPValue; pooledSE = nil }
    let pooledSignificant = (pooledP ?? 1) <= terms.significanceLevel
    let pooledMet = terms.finalAssessment && cohorts.count >= 2 && pooled >= terms.pooledThreshold
        && (!terms.requireSignificance || pooledSignificant)
    var remaining = terms.capTotal ?? .infinity
    var decisions: [CohortPayment] = []
    for c in cohorts {
        let significant = c.pValue <= terms.significanceLevel
        let own = c.reduction >= terms.cohortThreshold && (!terms.requireSignificance || significant)
        let catchUp = !own && terms.catchUp && pooledMet
        let uncapped = c.eventsAvoided * terms.pricePerEvent
        var due = (own || catchUp) ? uncapped : 0
        if let cap = terms.capPerCohort { due = min(due, cap) }
        due = min(due, remaining)
        remaining -= due
        decisions.append(CohortPayment(name: c.name, reduction: c.reduction, thresholdMet: own, significant: significant,
                                       paidOnOwnTrigger: own && due > 0, paidOnCatchUp: catchUp && due > 0,
                                       eventsAvoided: c.eventsAvoided, uncapped: uncapped, due: due))
    }
    return PaymentDecision(cohorts: decisions, pooledReduction: pooled, pooledStandardError: pooledSE,
                           pooledPValue: pooledP, pooledThresholdMet: pooledMet,
                           totalDue: decisions.reduce(0) { $0 + $1.due })
}
