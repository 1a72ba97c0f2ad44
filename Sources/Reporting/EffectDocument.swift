import Outcomes

/// `effect.json`, written by `counterfactual effect`: the effect of the treatment on an outcome
/// in a matched sample by g-computation (`Outcomes.GComputation`), with delta-method and
/// cluster-bootstrap inference. Members in declaration order; docs/schemas.md describes each.
public struct EffectDocument: Codable, Sendable, Equatable {
    public var schemaVersion = SchemaVersion.current
    public var program: ProgramInfo
    /// The match output folder and the data file the outcome was read from.
    public var matchFolder: String
    public var dataFile: String
    public var outcome: String
    /// `gaussian`, `binomial` or `poisson`.
    public var family: String
    /// `ATT`, `ATC` or `ATE`: whose potential outcomes are averaged (the match's estimand).
    public var estimand: String
    public var model: Model
    public var sample: Sample
    /// `cluster` or `HC3`, and why (which rule chose it).
    public var covariance: String
    public var covarianceReason: String
    public var level: Double
    /// Mean potential outcomes of the focal units under treatment and under control.
    public var potentialOutcomes: PotentialOutcomes
    public var effects: [Effect]
    /// Null when no bootstrap was run (`--replicates 0`).
    public var bootstrap: Bootstrap?
    /// The Abadie–Imbens standard error of the matching estimator (`--se abadie-imbens`); absent
    /// otherwise, so documents without it read as before.
    @OmittedWhenNil public var abadieImbens: AbadieImbensEstimate? = nil

    /// The matching estimator (mean over the focal units of their outcome minus their matches'
    /// mean, treated − control) with the Abadie–Imbens (2006) standard error.
    public struct AbadieImbensEstimate: Codable, Sendable, Equatable {
        public var estimate: Double
        /// Population standard error (`Match`'s `se`), with its Wald statistic, p-value and interval.
        public var standardError: Double
        public var statistic: Double
        public var pValue: Double
        public var lower: Double
        public var upper: Double
        /// Sample standard error (`Match(..., sample = TRUE)`).
        public var sampleStandardError: Double
        public var matchedFocalUnits: Int
        /// Whether the Abadie–Imbens (2016) adjustment for an estimated score is applied, and why not.
        public var scoreAdjustment: String
        public var method: String

        public init(estimate: Double, standardError: Double, statistic: Double, pValue: Double, lower: Double, upper: Double,
                    sampleStandardError: Double, matchedFocalUnits: Int, scoreAdjustment: String, method: String) {
            self.estimate = estimate
            self.standardError = standardError
            self.statistic = statistic
            self.pValue = pValue
            self.lower = lower
            self.upper = upper
            self.sampleStandardError = sampleStandardError
            self.matchedFocalUnits = matchedFocalUnits
            self.scoreAdjustment = scoreAdjustment
            self.method = method
        }
    }

    public struct Model: Codable, Sendable, Equatable {
        /// R's formula, e.g. `re78 ~ treat * (age + educ)`.
        public var formula: String
        /// `lm` or `glm` with its family, as R would fit it.
        public var fit: String
        /// The covariates as given (categorical ones expanded in `coefficients`).
        public var covariates: [String]
        /// The coefficients, by R's term names (not effects: see docs/effects.md).
        public var coefficients: NamedValues<Double>
        public var iterations: Int
    }

    public struct Sample: Codable, Sendable, Equatable {
        /// Units with positive weight.
        public var units: Int
        public var treated: Int
        public var control: Int
        /// Units whose predictions are averaged.
        public var focalUnits: Int
        /// Clusters of the covariance (matched sets); null for HC3.
        public var clusters: Int?
    }

    /// One estimate with its delta-method standard error (normal reference).
    public struct Estimate: Codable, Sendable, Equatable {
        public var estimate: Double
        public var standardError: Double
        public var lower: Double
        public var upper: Double
    }

    public struct PotentialOutcomes: Codable, Sendable, Equatable {
        public var treated: Estimate
        public var control: Estimate
    }

    public struct Effect: Codable, Sendable, Equatable {
        /// `difference`, `ratio` or `odds_ratio`.
        public var measure: String
        /// What it is for this family: `mean difference`, `risk difference`, `risk ratio`, ...
        public var label: String
        /// `difference` or `log`: the scale of `standard_error`, `statistic` and the test.
        public var testScale: String
        /// On the measure's own scale (ratios exponentiated), with the interval.
        public var estimate: Double
        public var lower: Double
        public var upper: Double
        /// On the test scale.
        public var standardError: Double
        public var statistic: Double
        public var pValue: Double
    }

    public struct Bootstrap: Codable, Sendable, Equatable {
        public var replicates: Int
        /// The seed of the replicate streams (a decimal string: 64 bits).
        public var seed: String
        /// `matched sets` or `units`: what is resampled.
        public var resampled: String
        public var clusters: Int
        public var measures: [Measure]

        public struct Measure: Codable, Sendable, Equatable {
            public var measure: String
            public var estimate: Double
            /// Standard deviation of the valid replicates, on the test scale.
            public var standardError: Double
            public var validReplicates: Int
            public var percentileLower: Double
            public var percentileUpper: Double
            /// Null when BCa is undefined (see docs/effects.md).
            public var bcaLower: Double?
            public var bcaUpper: Double?
        }
    }

    /// The label of a measure for a family.
    public static func label(_ kind: EffectMeasure.Kind, family: OutcomeFamily) -> String {
        switch (kind, family) {
        case (.difference, .binomial): return "risk difference"
        case (.difference, _): return "mean difference"
        case (.ratio, .binomial): return "risk ratio"
        case (.ratio, _): return "rate ratio"
        case (.oddsRatio, _): return "odds ratio"
        }
    }

    public init(programVersion: String, matchFolder: String, dataFile: String, outcome: String, covariates: [String],
                result: GComputationResult, covarianceReason: String, treated: Int, control: Int,
                bootstrap: GComputationBootstrap?) {
        program = ProgramInfo(version: programVersion)
        self.matchFolder = matchFolder
        self.dataFile = dataFile
        self.outcome = outcome
        family = result.family.rawValue
        estimand = result.target.rawValue
        let rhs = covariates.isEmpty ? "treat" : "treat * (" + covariates.joined(separator: " + ") + ")"
        model = Model(formula: "\(outcome) ~ \(rhs)", fit: Self.fit(result.family), covariates: covariates,
                      coefficients: NamedValues(Array(zip(result.termNames, result.coefficients))),
                      iterations: result.iterations)
        sample = Sample(units: result.observations, treated: treated, control: control,
                        focalUnits: result.focalUnits, clusters: result.clusters)
        covariance = result.covariance.rawValue
        self.covarianceReason = covarianceReason
        level = result.level
        potentialOutcomes = Self.potentialOutcomes(result)
        effects = Self.effects(result)
        self.bootstrap = bootstrap.map { b in
            Bootstrap(replicates: b.replicates, seed: String(b.seed), resampled: b.clustered ? "matched sets" : "units",
                      clusters: b.clusters, measures: b.measures.map { m in
                          Bootstrap.Measure(measure: m.kind.rawValue, estimate: m.estimate, standardError: m.standardError,
                                            validReplicates: m.validReplicates, percentileLower: m.percentile.lower,
                                            percentileUpper: m.percentile.upper, bcaLower: m.bca?.lower, bcaUpper: m.bca?.upper)
                      })
        }
    }

    /// The mean potential outcomes of a g-computation (shared with evaluation.json's `effect`).
    public static func potentialOutcomes(_ result: GComputationResult) -> PotentialOutcomes {
        func row(_ e: Outcomes.Estimate) -> Estimate {
            Estimate(estimate: e.estimate, standardError: e.standardError, lower: e.lower, upper: e.upper)
        }
        return PotentialOutcomes(treated: row(result.treatedMean), control: row(result.controlMean))
    }

    /// The effect measures of a g-computation (shared with evaluation.json's `effect`).
    public static func effects(_ result: GComputationResult) -> [Effect] {
        result.effects.map { e in
            Effect(measure: e.kind.rawValue, label: Self.label(e.kind, family: result.family),
                   testScale: e.kind.isRatio ? "log" : "difference", estimate: e.estimate, lower: e.lower, upper: e.upper,
                   standardError: e.scale.standardError, statistic: e.scale.statistic, pValue: e.scale.pValue)
        }
    }

    /// How R fits the outcome model of a family.
    public static func fit(_ family: OutcomeFamily) -> String {
        switch family {
        case .gaussian: return "lm"
        case .binomial: return "glm (quasibinomial, logit)"
        case .poisson: return "glm (poisson, log)"
        }
    }

    /// effect.json as an ordered JSON tree.
    public func json() -> JSONValue {
        // Every member is a string, number, array, object or null: encoding cannot fail.
        try! JSONValue(encoding: self)
    }
}
