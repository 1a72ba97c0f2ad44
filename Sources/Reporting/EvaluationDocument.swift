/// `evaluation.json`, written by `counterfactual evaluate`: the plan, the inputs and their hashes,
/// the outcome rule's counts, every cohort's matching, measures, inference and payment, the pooled
/// result and the total due. Members in declaration order; docs/schemas.md describes each (rates
/// are per person; `_per_100` per 100 people; money in pounds; reductions and thresholds as
/// fractions, 0.1 = 10%).
public struct EvaluationDocument: Codable, Sendable, Equatable {
    public var schemaVersion = SchemaVersion.current
    public var program: ProgramInfo
    public var plan: Plan
    /// The decision at a glance: total due now, which trigger paid each cohort, caps, what was withheld.
    public var headline: String
    public var inputs: [Input]
    public var seeds: Seeds
    public var outcome: OutcomeRule
    /// People in the cohort file released outside every cohort's dates (not evaluated).
    public var rowsOutsideCohorts: Int
    /// Who was not evaluated and why, beyond `rows_outside_cohorts`.
    public var assignment: Assignment
    public var cohorts: [Cohort]
    public var pooled: Pooled
    public var payments: Payments

    public struct Plan: Codable, Sendable, Equatable {
        public var name: String
        public var file: String
        /// The plan file's text.
        public var toml: String
    }

    public struct Input: Codable, Sendable, Equatable {
        /// `plan`, `cohort` or `events`.
        public var role: String
        public var file: String
        public var sha256: String
        /// Data rows read (0 for the plan).
        public var rows: Int
    }

    /// Seeds as decimal strings (64-bit values).
    public struct Seeds: Codable, Sendable, Equatable {
        public var matchingOrder: String
        public var bootstrap: String
    }

    /// The outcome rule and what it counted in the offence records.
    public struct OutcomeRule: Codable, Sendable, Equatable {
        public var measure: String
        public var followUpMonths: Int
        public var courtLagMonths: Int
        public var countCautions: Bool
        public var records: Int
        public var offenceBeforeRelease: Int
        public var offenceAfterFollowUp: Int
        public var provenAfterCourtLag: Int
        public var cautionsInWindow: Int
        public var qualifyingOffences: Int
        public var reconvictionEvents: Int
        public var reoffenders: Int
    }

    public struct Cohort: Codable, Sendable, Equatable {
        public var name: String
        /// How the cohort's people were selected (release dates or a column's value).
        public var selection: String
        public var treatedInCohort: Int
        public var comparisonPool: Int
        public var rowsExcludedMissing: Int
        /// People of this cohort excluded as untraced / because their outcome window had not closed by the extract date.
        public var excludedUntraced: Int
        public var excludedFollowUpIncomplete: Int
        /// The propensity model; null when the plan gives its own distance column.
        public var propensity: Propensity?
        public var matching: Matching
        public var measure: Measure
        public var inference: Inference
        public var timeToFirstReoffence: TimeToFirstReoffence
        public var justiceDataLab: JusticeDataLab
        /// The Justice Data Lab replica (`measure = "jdl"`); absent for the other measures.
        @OmittedWhenNil public var justiceDataLabReplica: JDLReplica?
        public var trigger: Trigger
        public var payment: Payment
        /// Sensitivity to hidden bias (added later: documents written before read it as null).
        public var sensitivity: Sensitivity?
        /// The effect of the matching estimand by g-computation (plans with an `[effects]` table);
        /// absent otherwise, so documents without it read as before.
        @OmittedWhenNil public var effect: Estimable<GComputationEffect>? = nil
    }

    /// The effect of the matching estimand on the outcome measure by g-computation (MatchIt's
    /// vignette "Estimating Effects After Matching"; `Outcomes.GComputation`, as `counterfactual
    /// effect` computes it on the same matched sample), beside the contract's test: it decides no
    /// payment.
    public struct GComputationEffect: Codable, Sendable, Equatable {
        /// `gaussian`, `binomial` or `poisson` (the plan's `[effects] family`).
        public var family: String
        /// `ATT`, `ATC` or `ATE`: whose potential outcomes are averaged (the matching estimand).
        public var estimand: String
        /// R's formula and fit, e.g. `y ~ treat`, `glm (poisson, log)`.
        public var formula: String
        public var fit: String
        /// `cluster`, `set and unit` or `HC3`, and why (which rule chose it).
        public var covariance: String
        public var covarianceReason: String
        /// Rows of the outcome model (units with positive weight; `get_matches()` rows, one per
        /// unit per matched set, after matching with replacement), focal units averaged, clusters
        /// (matched sets; null for HC3).
        public var observations: Int
        public var focalUnits: Int
        public var clusters: Int?
        public var level: Double
        public var potentialOutcomes: EffectDocument.PotentialOutcomes
        public var effects: [EffectDocument.Effect]
        public var statement: String
        public var method: String
    }

    /// How strong hidden bias would have to be to explain the result away.
    public struct Sensitivity: Codable, Sendable, Equatable {
        /// Rosenbaum bounds on the matched sets; not estimable when matched with replacement.
        public var rosenbaum: Estimable<RosenbaumSensitivity>
        /// E-values of the contract's rate ratio; not estimable when the rate ratio is not.
        public var eValue: Estimable<EValueSensitivity>
        /// The range of the Hodges-Lehmann estimate beside the Wilcoxon signed-rank bounds (pairs,
        /// counts); not estimable, with the reason, otherwise. Added later: documents written before
        /// omit it.
        @OmittedWhenNil public var hodgesLehmann: Estimable<HodgesLehmannSensitivity>? = nil
    }

    /// The Hodges-Lehmann estimate of the reduction in matched pairs (comparison minus treatment,
    /// per person) and its range under hidden bias up to each Gamma of the Rosenbaum grid
    /// (Rosenbaum 1993; docs/inference.md).
    public struct HodgesLehmannSensitivity: Codable, Sendable, Equatable {
        public var pairs: Int
        /// The estimate without hidden bias (Gamma = 1): the median of the Walsh averages.
        public var estimate: Double
        /// `lower`/`upper`: the estimate's range at `gamma` (the same Gammas as the Rosenbaum grid).
        public var grid: [EstimateRange]
        /// One sentence, quoting the grid's last Gamma.
        public var statement: String
        public var method: String
    }

    /// The range of an estimate at one Gamma.
    public struct EstimateRange: Codable, Sendable, Equatable {
        public var gamma: Double
        public var lower: Double
        public var upper: Double
    }

    /// Rosenbaum bounds (docs/inference.md): a one-sided test towards a reduction at
    /// `one_sided_level` (half the plan's two-sided significance level), bounded for hidden bias
    /// that multiplies the odds of treatment of matched people by at most Gamma.
    public struct RosenbaumSensitivity: Codable, Sendable, Equatable {
        /// "McNemar sign test", "Wilcoxon signed-rank test" or "aligned-rank test for matched sets".
        public var test: String
        public var matchedSets: Int
        public var pairs: Int
        /// The test statistic: favourable discordant pairs (sign test) or the rank sum.
        public var statistic: Double
        public var oneSidedLevel: Double
        /// The one-sided p-value without hidden bias (Gamma = 1).
        public var pValue: Double
        /// The Gamma at which the upper bound on the p-value reaches `one_sided_level`; null when
        /// not significant at Gamma = 1; the search's end (1e6) when still significant there.
        public var criticalGamma: Double?
        /// Relative tolerance of `critical_gamma` (bisection).
        public var criticalGammaTolerance: Double
        public var grid: [GammaBound]
        public var statement: String
        public var method: String
    }

    /// Bounds on the one-sided p-value at one Gamma.
    public struct GammaBound: Codable, Sendable, Equatable {
        public var gamma: Double
        public var pLower: Double
        public var pUpper: Double
    }

    /// E-values (VanderWeele & Ding 2017) of the rate ratio and of its interval's limit nearer 1
    /// (1 when the interval includes 1).
    public struct EValueSensitivity: Codable, Sendable, Equatable {
        public var rateRatio: Double
        public var lower: Double
        public var upper: Double
        public var level: Double
        public var point: Double
        public var confidenceLimit: Double
        public var statement: String
        public var method: String
    }

    public struct Propensity: Codable, Sendable, Equatable {
        public var link: String
        public var coefficients: NamedValues<Double>
        public var standardErrors: NamedValues<Double>
        public var deviance: Double
        public var aic: Double
        public var iterations: Int
    }

    public struct Matching: Codable, Sendable, Equatable {
        public var matchedTreated: Int
        public var matchedComparison: Int
        /// The caliper on the distance scale; null for none.
        public var caliperWidth: Double?
        public var order: String
        public var discarded: Int
        public var warnings: [String]
        /// Largest |standardised mean difference| after matching over the covariates (not the distance).
        public var maxAbsSmdAfter: Double
        public var balance: [BalanceRow]
        public var commonSupport: DistanceHistogram?
    }

    /// One covariate's balance before and after matching (MatchIt's `summary()` statistics). The
    /// means, the variance ratio before and the eCDF statistics before and the eCDF mean after were
    /// added later; documents written before read them as null.
    public struct BalanceRow: Codable, Sendable, Equatable {
        public var covariate: String
        public var smdBefore: Double?
        public var smdAfter: Double?
        public var varianceRatioAfter: Double?
        public var ecdfMaxAfter: Double?
        public var meanTreatedBefore: Double?
        public var meanControlBefore: Double?
        public var meanTreatedAfter: Double?
        public var meanControlAfter: Double?
        public var varianceRatioBefore: Double?
        public var ecdfMeanBefore: Double?
        public var ecdfMeanAfter: Double?
        public var ecdfMaxBefore: Double?

        public init(covariate: String, smdBefore: Double?, smdAfter: Double?, varianceRatioAfter: Double?, ecdfMaxAfter: Double?,
                    meanTreatedBefore: Double? = nil, meanControlBefore: Double? = nil, meanTreatedAfter: Double? = nil,
                    meanControlAfter: Double? = nil, varianceRatioBefore: Double? = nil, ecdfMeanBefore: Double? = nil,
                    ecdfMeanAfter: Double? = nil, ecdfMaxBefore: Double? = nil) {
            self.covariate = covariate
            self.smdBefore = smdBefore
            self.smdAfter = smdAfter
            self.varianceRatioAfter = varianceRatioAfter
            self.ecdfMaxAfter = ecdfMaxAfter
            self.meanTreatedBefore = meanTreatedBefore
            self.meanControlBefore = meanControlBefore
            self.meanTreatedAfter = meanTreatedAfter
            self.meanControlAfter = meanControlAfter
            self.varianceRatioBefore = varianceRatioBefore
            self.ecdfMeanBefore = ecdfMeanBefore
            self.ecdfMeanAfter = ecdfMeanAfter
            self.ecdfMaxBefore = ecdfMaxBefore
        }
    }

    public struct Measure: Codable, Sendable, Equatable {
        public var name: String
        public var treatedRate: Double
        public var comparisonRate: Double
        public var treatedPer100: Double
        public var comparisonPer100: Double
        public var difference: Double
        public var differencePer100: Double
        public var relativeReduction: Double?
        public var treatedPeople: Int
        public var comparisonPeople: Int

        // Digits do not start a word in the automatic snake case, so these members are named here.
        enum CodingKeys: String, CodingKey {
            case name, treatedRate, comparisonRate
            case treatedPer100 = "treated_per_100", comparisonPer100 = "comparison_per_100"
            case difference, differencePer100 = "difference_per_100"
            case relativeReduction, treatedPeople, comparisonPeople
        }
    }

    public struct Inference: Codable, Sendable, Equatable {
        public var differenceClusterRobust: Estimate
        public var differenceModelBased: Estimate
        /// The contract's test: Wald test of the log rate ratio (docs/inference.md).
        public var relativeReduction: Estimable<ReductionTest>
        public var welchTTest: Estimable<WelchTest>
        public var poisson: Estimable<RateRatioModels>
        public var negativeBinomial: Estimable<RateRatioModels>
        /// Null unless the measure is binary.
        public var proportionTest: Estimable<ProportionTest>?
        /// Null when the plan asks for no bootstrap replicates.
        public var bootstrap: Estimable<Bootstrap>?
    }

    /// The relative reduction 1 - RR and its test on the log scale: `lower`/`upper` bound the
    /// reduction at `level` = 1 - alpha, and exclude 0 exactly when `significant` (p < alpha).
    public struct ReductionTest: Codable, Sendable, Equatable {
        public var reduction: Double
        public var rateRatio: Double
        public var logRateRatio: Double
        /// Standard error of the log rate ratio.
        public var standardError: Double
        /// z = log RR / SE.
        public var statistic: Double
        public var pValue: Double
        public var lower: Double
        public var upper: Double
        public var level: Double
        public var significant: Bool
        public var method: String
    }

    /// A point estimate with its standard error, Wald statistic, p-value and interval at `level`.
    public struct Estimate: Codable, Sendable, Equatable {
        public var estimate: Double
        public var standardError: Double
        public var statistic: Double
        public var pValue: Double
        public var lower: Double
        public var upper: Double
        /// Confidence level of [lower, upper] (0.95 = 95%).
        public var level: Double
        public var method: String
    }

    public struct WelchTest: Codable, Sendable, Equatable {
        public var difference: Double
        public var statistic: Double
        public var df: Double
        public var pValue: Double
        public var lower: Double
        public var upper: Double
        public var method: String
    }

    /// A count model's rate ratio with model-based and cluster-robust errors.
    public struct RateRatioModels: Codable, Sendable, Equatable {
        public var modelBased: RateRatio
        public var clusterRobust: RateRatio
        public var iterations: Int
        /// Negative binomial dispersion; absent (not null) for the Poisson model.
        @OmittedWhenNil public var theta: Double?
    }

    public struct RateRatio: Codable, Sendable, Equatable {
        public var rateRatio: Double
        public var lower: Double
        public var upper: Double
        public var pValue: Double
        public var relativeReduction: Double
        public var method: String
    }

    public struct ProportionTest: Codable, Sendable, Equatable {
        public var treated: Double
        public var comparison: Double
        public var statistic: Double
        public var pValue: Double
        public var method: String
    }

    public struct Bootstrap: Codable, Sendable, Equatable {
        public var replicates: Int
        /// Decimal string (64-bit seed).
        public var seed: String
        public var relativeReductionLower: Double
        public var relativeReductionUpper: Double
        public var relativeReductionSe: Double
        public var differenceLower: Double
        public var differenceUpper: Double
        public var invalidReplicates: Int
        public var method: String
    }

    public struct TimeToFirstReoffence: Codable, Sendable, Equatable {
        /// Why the result is withheld (Justice Data Lab rule), or null.
        public var withheld: String?
        public var reoffendersTreated: Int
        public var reoffendersComparison: Int
        public var logRank: Estimable<LogRank>
        public var kaplanMeier: Estimable<KaplanMeierCurves>
    }

    public struct LogRank: Codable, Sendable, Equatable {
        public var statistic: Double
        public var df: Double
        public var pValue: Double
        public var treatedObserved: Double
        public var treatedExpected: Double
    }

    public struct KaplanMeierCurves: Codable, Sendable, Equatable {
        public var treated: KaplanMeierCurve
        public var comparison: KaplanMeierCurve
    }

    /// Survival steps: at each `time` (days since release) the share not yet reoffending.
    public struct KaplanMeierCurve: Codable, Sendable, Equatable {
        public var time: [Double]
        public var survival: [Double]
        public var atRisk: [Double]
        public var standardError: [Double]
    }

    public struct JusticeDataLab: Codable, Sendable, Equatable {
        /// Why the headline is withheld (Justice Data Lab rule), or null.
        public var headlineWithheld: String?
        public var significant: Bool
        public var significanceLevel: Double
        public var statement: String
    }

    /// The Justice Data Lab's three measures and its match-quality table (docs/schemas.md).
    public struct JDLReplica: Codable, Sendable, Equatable {
        public var significanceLevel: Double
        /// How the measures were tested.
        public var method: String
        /// Rate and frequency per 100 people, time in days; not estimable with the reason.
        public var measures: Estimable<[JDLMeasure]>
        /// Standardised differences (percent, pooled SD of both groups) before and after matching, graded.
        public var matchQuality: [JDLStandardisedDifference]
    }

    public struct JDLMeasure: Codable, Sendable, Equatable {
        /// `one_year_proven_reoffending_rate`, `frequency_of_proven_reoffences` or `days_to_first_proven_reoffence`.
        public var measure: String
        public var treatedPeople: Int
        public var comparisonPeople: Int
        public var treated: Double?
        public var comparison: Double?
        public var difference: Double?
        public var lower: Double?
        public var upper: Double?
        public var standardError: Double?
        public var pValue: Double?
        public var significant: Bool
        /// Why the measure is not published (JDL rules), or null.
        public var withheld: String?
        public var sentence: String
    }

    public struct JDLStandardisedDifference: Codable, Sendable, Equatable {
        public var covariate: String
        public var before: Double?
        public var after: Double?
        /// `good` (|d| < 5), `reasonable` (5 to 10) or `poor` (10 or more).
        public var grade: String
    }

    public struct Trigger: Codable, Sendable, Equatable {
        /// The plan's cohort threshold, exactly as written ("1/10") and as a number.
        public var thresholdExact: String
        public var threshold: Double
        /// The reduction compared with it, exactly (a fraction), and whether it reaches it (equality meets it).
        public var reductionExact: String?
        public var thresholdMet: Bool
        /// The cohort trigger: threshold, significance when required, balance gate.
        public var met: Bool
        public var pValue: Double
        public var significanceRequired: Bool
        /// Covariates whose |SMD| after matching exceeds the plan's `max_abs_smd` (empty without a gate).
        public var imbalancedCovariates: [String]
    }

    /// Money in integer pence (the plan's currency); events as exact fractions and decimals.
    public struct Payment: Codable, Sendable, Equatable {
        /// own trigger, catch-up (pooled trigger), pooled settlement (pooled trigger), withheld: balance (...), none.
        public var route: String
        public var eventsAvoided: Double
        public var eventsAvoidedExact: String
        public var eventsCounted: Double
        public var ownEntitlementPence: Int
        public var pooledAdjustmentPence: Int
        public var entitlementPence: Int
        public var paidBeforePence: Int
        public var withheldByCohortCapPence: Int
        public var overpaidPence: Int
        public var offsetForOverpaymentsPence: Int
        public var withheldByTotalCapPence: Int
        public var duePence: Int
    }

    public struct Assignment: Codable, Sendable, Equatable {
        /// Cohort-file rows of a person whose index release is another row (not evaluated again).
        public var repeatReleases: Int
        /// People excluded as untraced (the plan's `traced` column), all cohorts.
        public var excludedUntraced: Int
        /// People excluded because follow-up plus court lag had not ended by `data_extract_date`, all cohorts.
        public var excludedFollowUpIncomplete: Int
        /// The plan's data extract date (YYYY-MM-DD), or null.
        public var dataExtractDate: String?
        /// Offence records whose id is not in the cohort file.
        public var offencesOfUnknownIds: Int
        /// Offence records of people in the cohort file who were not evaluated.
        public var offencesOfPeopleNotEvaluated: Int
        /// Columns of the cohort and events files the plan does not use (read past, not an error).
        public var unusedCohortColumns: [String]
        public var unusedEventColumns: [String]
        /// Whether outcomes were scored on frozen matched sets (`evaluate --matched`); its matching.json is an input.
        public var scoredOnFrozenMatches: Bool
    }

    public struct Pooled: Codable, Sendable, Equatable {
        /// The contract's pooled reduction (matched-treated-weighted mean of the cohort reductions),
        /// null when a cohort has no reduction; exactly as a fraction.
        public var reduction: Double?
        public var reductionExact: String?
        /// The pooled log rate-ratio test (null for one cohort, or when a cohort's is not estimable);
        /// its centre 1 - exp(sum w_k log RR_k) differs slightly from `reduction`.
        public var rateRatioTest: Estimable<ReductionTest>?
        /// Same as `rate_ratio_test.standard_error` / `.p_value` (null when there is no test).
        public var standardError: Double?
        public var pValue: Double?
        public var test: String
        public var weights: String
        public var threshold: Double
        public var thresholdExact: String
        /// Whether the pooled trigger applies (final assessment, two or more cohorts) and is met.
        public var applies: Bool
        public var met: Bool
        public var finalAssessment: Bool
        /// The pooled trigger is withheld because a cohort failed the balance gate.
        public var withheldForBalance: Bool
        /// Events avoided summed over all cohorts, negative ones included.
        public var eventsAvoided: Double
        /// `floor(price x events avoided)` when the pooled settlement pays, else null.
        public var settlementEntitlementPence: Int?
    }

    /// The contract's terms and the totals, money in integer pence of `currency`.
    public struct Payments: Codable, Sendable, Equatable {
        public var currency: String
        public var settlement: String
        public var paymentBase: String
        public var pricePerEventPence: Int
        /// Null for no cap.
        public var capPerCohortPence: Int?
        public var capTotalPence: Int?
        public var catchUp: Bool
        /// Null without a balance gate.
        public var maxAbsSmd: Double?
        public var rounding: String
        public var eventsPaidFor: Double
        public var totalEntitlementPence: Int
        public var totalPaidBeforePence: Int
        public var totalWithheldByCapsPence: Int
        public var totalDuePence: Int
    }
}
