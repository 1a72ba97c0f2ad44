// PaymentRules: the one payment rule of a reduction-triggered outcomes contract, in exact
// arithmetic. The terms are a value (`PaymentTerms`); the decision is a method on it
// (`PaymentTerms.decide(_:pooledTest:)`), called by the evaluation (`Contracts`) and by the design
// simulation (`Design`), so that what is simulated at design time is what is decided at evaluation.
// Numbers that decide money are `ExactRational` (GNU MP rationals) and `Money` (integer pence).

/// A significance test's result, computed by the caller (the rule does no inference).
public struct SignificanceTest: Sendable, Equatable {
    public var pValue: Double
    /// Whether the test rejects "no change" at the terms' `significanceLevel` (in the favourable
    /// direction, if the test is one-sided).
    public var significant: Bool

    public init(pValue: Double, significant: Bool) {
        self.pValue = pValue
        self.significant = significant
    }
}

/// One covariate's standardized mean difference after matching, for the balance gate.
public struct CovariateBalance: Sendable, Equatable {
    public var covariate: String
    public var standardizedMeanDifference: Double

    public init(covariate: String, standardizedMeanDifference: Double) {
        self.covariate = covariate
        self.standardizedMeanDifference = standardizedMeanDifference
    }
}

/// What the rule needs to know about one cohort's matched comparison.
///
/// Event totals and weight totals are weighted by the matching weights (treated people weight 1;
/// a comparison person `1/k` per matched set of `k` comparison people it belongs to; any common
/// scale, such as MatchIt's normalisation, cancels in the means). The caller builds them as exact
/// rationals.
public struct CohortResult: Sendable, Equatable {
    public var name: String
    /// Matched treated people `n_k`: the pooling weight and, with `payment_base = matched`, the
    /// people paid for.
    public var matchedTreated: Int
    /// Treated people in the cohort, matched or not `N_k >= n_k` (paid for with `payment_base = cohort`).
    public var cohortTreated: Int
    /// `T_k` and `WT_k`: the treated mean is `T_k / WT_k`.
    public var treatedEvents: ExactRational
    public var treatedWeight: ExactRational
    /// `C_k` and `WC_k`: the comparison mean is `C_k / WC_k`.
    public var comparisonEvents: ExactRational
    public var comparisonWeight: ExactRational
    /// Every covariate's SMD after matching (nil: not measured; needed only with a balance gate).
    public var balance: [CovariateBalance]?
    /// The cohort's significance test (nil: none; needed only when significance is required).
    public var test: SignificanceTest?

    public init(name: String, matchedTreated: Int, cohortTreated: Int, treatedEvents: ExactRational,
                treatedWeight: ExactRational, comparisonEvents: ExactRational, comparisonWeight: ExactRational,
                balance: [CovariateBalance]? = nil, test: SignificanceTest? = nil) {
        self.name = name
        self.matchedTreated = matchedTreated
        self.cohortTreated = cohortTreated
        self.treatedEvents = treatedEvents
        self.treatedWeight = treatedWeight
        self.comparisonEvents = comparisonEvents
        self.comparisonWeight = comparisonWeight
        self.balance = balance
        self.test = test
    }

    /// A cohort of `pairs` matched treated people (all of the cohort's treated) compared 1:1:
    /// treated mean `treatedEvents/pairs`, comparison mean `comparisonEvents/pairs`.
    public static func pairs(_ name: String, pairs: Int, treatedEvents: Int, comparisonEvents: Int,
                             test: SignificanceTest? = nil) -> CohortResult {
        CohortResult(name: name, matchedTreated: pairs, cohortTreated: pairs, treatedEvents: ExactRational(treatedEvents),
                     treatedWeight: ExactRational(pairs), comparisonEvents: ExactRational(comparisonEvents),
                     comparisonWeight: ExactRational(pairs), test: test)
    }
}

/// The payment terms of a reduction-triggered outcomes contract (defaults: HMP Peterborough).
/// The rule they define is stated at `decide(_:pooledTest:)`.
public struct PaymentTerms: Sendable, Equatable {
    /// How the pooled trigger pays at the final assessment (the plan must say; there is no default).
    public enum Settlement: String, Sendable, CaseIterable {
        /// Each cohort that missed its own trigger is paid its own events avoided (floored at zero).
        case perCohort = "per_cohort"
        /// Events avoided summed over all cohorts, negative cohorts included, less payments made.
        case pooled
    }

    /// Whose events avoided are paid for.
    public enum PaymentBase: String, Sendable, CaseIterable {
        /// The matched treated people.
        case matched
        /// Everyone treated in the cohort: the per-person reduction applied to all of them.
        case cohort
    }

    /// A payment made at an earlier assessment.
    public struct PaymentMade: Sendable, Equatable {
        public var cohort: String
        /// Days since 1970-01-01 (for the record; the rule uses only the amount).
        public var day: Int
        public var amount: Money

        public init(cohort: String, day: Int, amount: Money) {
            self.cohort = cohort
            self.day = day
            self.amount = amount
        }
    }

    /// A cohort triggers when its relative reduction reaches this (1/10).
    public var cohortThreshold: ExactRational
    /// The pooled reduction triggers at the final assessment when it reaches this (3/40 = 7.5%).
    public var pooledThreshold: ExactRational
    /// Whether a trigger also needs the caller's test to be significant.
    public var requireSignificance: Bool
    /// The level at which callers judge significance (0.05).
    public var significanceLevel: Double
    public var pricePerEvent: Money
    /// Maximum paid for one cohort, cumulatively (nil = none).
    public var capPerCohort: Money?
    /// Maximum paid in total, cumulatively (nil = none).
    public var capTotal: Money?
    /// Whether the pooled trigger pays cohorts that missed their own trigger (false: it pays nothing).
    public var catchUp: Bool
    /// Whether this is the final assessment, the only one at which the pooled trigger applies.
    public var finalAssessment: Bool
    public var settlement: Settlement
    public var paymentBase: PaymentBase
    /// Balance gate: a cohort with any covariate's |SMD| after matching above this is not paid.
    public var maxAbsSMD: Double?
    public var paymentsMade: [PaymentMade]
    /// The currency of every amount.
    public var currency: Currency

    public static let peterboroughCohortThreshold = ExactRational(numerator: 1, denominator: 10)
    public static let peterboroughPooledThreshold = ExactRational(numerator: 3, denominator: 40)

    public init(settlement: Settlement,
                cohortThreshold: ExactRational = PaymentTerms.peterboroughCohortThreshold,
                pooledThreshold: ExactRational = PaymentTerms.peterboroughPooledThreshold,
                requireSignificance: Bool = false, significanceLevel: Double = 0.05,
                pricePerEvent: Money = .zero, capPerCohort: Money? = nil, capTotal: Money? = nil,
                catchUp: Bool = true, finalAssessment: Bool = true, paymentBase: PaymentBase = .matched,
                maxAbsSMD: Double? = nil, paymentsMade: [PaymentMade] = [], currency: Currency = .gbp) {
        self.settlement = settlement
        self.cohortThreshold = cohortThreshold
        self.pooledThreshold = pooledThreshold
        self.requireSignificance = requireSignificance
        self.significanceLevel = significanceLevel
        self.pricePerEvent = pricePerEvent
        self.capPerCohort = capPerCohort
        self.capTotal = capTotal
        self.catchUp = catchUp
        self.finalAssessment = finalAssessment
        self.paymentBase = paymentBase
        self.maxAbsSMD = maxAbsSMD
        self.paymentsMade = paymentsMade
        self.currency = currency
    }

    /// Checks every term's domain; errors name the setting (the plan's key).
    public func validate() throws {
        func fail(_ m: String) -> PaymentRuleError { .invalidTerms(m) }
        func checkThreshold(_ key: String, _ t: ExactRational) throws {
            guard Self.minusOne < t && t < Self.plusOne else {
                throw fail("\(key) is a relative reduction and must lie between -1 and 1, got \(t)")
            }
        }
        func checkAmount(_ key: @autoclosure () -> String, _ m: Money) throws {
            guard m.currency == currency else { throw fail("\(key()) is in \(m.currency), not the contract's currency \(currency)") }
            guard m.pence >= 0 else { throw fail("\(key()) cannot be negative, got \(m)") }
        }
        try checkThreshold("cohort_threshold", cohortThreshold)
        try checkThreshold("pooled_threshold", pooledThreshold)
        guard significanceLevel > 0, significanceLevel < 1 else {
            throw fail("significance_level must lie between 0 and 1, got \(significanceLevel)")
        }
        try checkAmount("price_per_event", pricePerEvent)
        if let c = capPerCohort { try checkAmount("cap_per_cohort", c) }
        if let c = capTotal { try checkAmount("cap_total", c) }
        for p in paymentsMade { try checkAmount("the payment made for '\(p.cohort)'", p.amount) }
        if let g = maxAbsSMD, !(g > 0 && g.isFinite) { throw fail("max_abs_smd must be a positive number, got \(g)") }
    }

    static let minusOne = ExactRational(-1)
    static let plusOne = ExactRational(1)
}

/// Why the rule could not decide: a term, a cohort's input, or an amount out of range.
public enum PaymentRuleError: Error, Equatable, CustomStringConvertible {
    case invalidTerms(String)
    case invalidCohort(name: String, reason: String)
    /// A payment made names no cohort being assessed.
    case unknownCohort(payment: String, cohorts: [String])
    /// An amount overflowed; `context` says which.
    case money(MoneyError, context: String)

    public var description: String {
        switch self {
        case .invalidTerms(let m): return "contract terms: \(m)."
        case .invalidCohort(let name, let reason): return "cohort '\(name)': \(reason)."
        case .unknownCohort(let payment, let cohorts):
            return "a payment made names cohort '\(payment)', which is not among the cohorts assessed (\(cohorts.joined(separator: ", "))); check the cohort name."
        case .money(let e, let context): return "\(context): \(e.description)"
        }
    }
}
