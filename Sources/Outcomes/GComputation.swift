import Distributions
import Foundation
import LinearAlgebra
import Parallel
import RArithmetic
import Randomness

/// Marginal effects after matching by g-computation, the workflow of MatchIt's vignette
/// "Estimating Effects After Matching" (MatchIt 4.7):
///
/// 1. Fit the outcome model on the matched sample with the matching weights:
///    `y ~ treat` without covariates, `y ~ treat * (x₁ + … + x_m)` with them (columns
///    `(Intercept), treat, x₁ … x_m, treat:x₁ … treat:x_m`), as `lm` (gaussian), `glm(family =
///    quasibinomial())` (binomial) or `glm(family = poisson())` (`OutcomeFamily`).
/// 2. Predict every focal unit `F` (treated for the ATT, controls for the ATC, every matched unit
///    for the ATE) under treatment and under control, and average with the matching weights:
///    `p_a = Σ_{i∈F} wᵢ μ(x_{i,a}' β) / Σ_{i∈F} wᵢ`, `a = 1, 0` (for the ATT and ATC MatchIt gives
///    every focal unit weight 1, so this is the plain mean of `avg_predictions(newdata = focal)`).
/// 3. Contrast them: the difference `p₁ − p₀` (mean difference, risk difference), the ratio
///    `p₁/p₀` (risk ratio, rate ratio) and, for binary outcomes, the odds ratio
///    `[p₁/(1 − p₁)]/[p₀/(1 − p₀)]`; ratios are tested and bounded on the log scale and
///    exponentiated (marginaleffects' `comparison = "lnratioavg"`/`"lnoravg"`, `transform = "exp"`).
///
/// Standard errors by the delta method, `SE(f) = √(gᵀ V g)`, `g = ∂f/∂p₁ J₁ + ∂f/∂p₀ J₀`,
/// `J_a = Σ_{i∈F} wᵢ μ'(η_{i,a}) x_{i,a} / Σ_{i∈F} wᵢ`, with `V` the coefficient covariance of
/// `sandwich` (`Covariance`): `vcovCL(fit, cluster = ~subclass)` (HC1 for `lm`: `G/(G − 1) ·
/// (n − 1)/(n − k)`; HC0 for `glm`: `G/(G − 1)`) or `vcovHC(fit, type = "HC3")`
/// (`Σ sᵢ² xᵢxᵢ'/(1 − hᵢ)²`, `hᵢ` the working-weight leverage). After matching with replacement
/// (`init(rows:...)`) the model is fitted on MatchIt's `get_matches()` rows (`MatchedSetRows`) and
/// `V` is the two-way `vcovCL(fit, cluster = ~subclass + id)` by matched set and unit (the
/// vignette's advice; `multiwayClusterRobustCovariance`, with `(n − 1)/(n − k)` for `lm` only).
/// Intervals and p-values use the normal reference, as marginaleffects does. The cluster
/// bootstrap is `bootstrap(...)`.
///
/// A procedure is a value here: build it from the sample, then call `estimate` or `bootstrap`.
public struct GComputation: Sendable {
    /// Whose potential outcomes are averaged.
    public enum Target: String, Sendable, Codable, CaseIterable {
        /// The treated units (matching for the ATT).
        case att = "ATT"
        /// The control units (matching for the ATC).
        case atc = "ATC"
        /// Every matched unit (matching for the ATE).
        case ate = "ATE"
    }

    /// The coefficient covariance behind the delta method.
    public enum Covariance: String, Sendable, Codable, CaseIterable {
        /// Cluster-robust by the sample's clusters (matched sets): `sandwich::vcovCL`.
        case clusterRobust = "cluster"
        /// Heteroskedasticity-consistent HC3: `sandwich::vcovHC(type = "HC3")`.
        case hc3 = "HC3"
        /// Two-way cluster-robust by matched set and by unit on `get_matches()` rows (matching with
        /// replacement): `sandwich::vcovCL(fit, cluster = ~subclass + id)`.
        case setAndUnit = "set and unit"
    }

    public let family: OutcomeFamily
    public let target: Target
    /// Names of the design's columns, in order.
    public let termNames: [String]
    let outcome: [Double]
    let treated: [Bool]
    let weights: [Double]
    let clusterCode: [Int]
    let clusterCount: Int
    let hasClusters: Bool
    /// Covariate columns over the retained units.
    let covariates: [[Double]]
    let focal: [Bool]
    /// For `get_matches()` rows (`init(rows:...)`): the unit of each row, coded `0..<count`.
    private(set) var units: (code: [Int], count: Int)? = nil

    /// Prepares the g-computation on a matched sample.
    /// - Parameters:
    ///   - sample: the matched sample (units with weight > 0, their matched sets as clusters).
    ///   - covariates: covariate columns indexed like the sample's input arrays (`sample.sourceIndex`),
    ///     categorical ones already as indicators; empty for `y ~ treat`.
    /// - Throws: `emptyGroup`; `notBinary` / `negativeCount` for an outcome outside the family;
    ///   `nonFiniteValue` for a covariate of a retained unit; `lengthMismatch`.
    public init(sample: MatchedSample, covariates: [(name: String, values: [Double])], family: OutcomeFamily, target: Target) throws {
        try sample.requireBothGroups()
        for i in 0..<sample.count { try family.check(sample.outcome[i], unit: sample.sourceIndex[i]) }
        let inputCount = (sample.sourceIndex.last ?? -1) + 1
        var columns: [[Double]] = []
        for c in covariates {
            guard c.values.count >= inputCount else {
                throw OutcomesError.lengthMismatch("covariate '\(c.name)' has \(c.values.count) values for \(inputCount) units")
            }
            let column = sample.sourceIndex.map { c.values[$0] }
            for (k, v) in column.enumerated() where !v.isFinite {
                throw OutcomesError.nonFiniteValue(name: "covariate '\(c.name)'", unit: sample.sourceIndex[k])
            }
            columns.append(column)
        }
        self.family = family
        self.target = target
        outcome = sample.outcome
        treated = sample.treated
        weights = sample.weights
        clusterCode = sample.clusterCode
        clusterCount = sample.clusterCount
        hasClusters = sample.hasClusterIDs
        self.covariates = columns
        focal = sample.treated.map { t in target == .ate || (target == .att) == t }
        let names = covariates.map(\.name)
        termNames = ["(Intercept)", "treat"] + names + names.map { "treat:" + $0 }
    }

    /// Prepares the g-computation on the `get_matches()` rows of a match with replacement, where a
    /// control may sit in several matched sets: the rows are the sample (clustered by matched set),
    /// the focal rows are those of the focal group (each focal unit once, weight 1), and the
    /// covariance offered is `.setAndUnit` (or HC3).
    /// - Parameters:
    ///   - rows: the expanded sample (`MatchedSetRows`).
    ///   - covariates: covariate columns indexed like the match's units (`rows.unit`).
    ///   - target: `.att` or `.atc` (the focal group of the matched sets).
    /// - Throws: as `init(sample:...)`; `invalidArgument` for the ATE.
    public init(rows: MatchedSetRows, covariates: [(name: String, values: [Double])], family: OutcomeFamily, target: Target) throws {
        guard target != .ate else {
            throw OutcomesError.invalidArgument("matched sets with replacement have a focal group, so the estimand is the ATT or the ATC, not the ATE")
        }
        let largest = rows.unit.max() ?? -1
        var expanded: [(name: String, values: [Double])] = []
        for c in covariates {
            guard c.values.count > largest else {
                throw OutcomesError.lengthMismatch("covariate '\(c.name)' has \(c.values.count) values for \(largest + 1) units")
            }
            for u in rows.unit where !c.values[u].isFinite { throw OutcomesError.nonFiniteValue(name: "covariate '\(c.name)'", unit: u) }
            expanded.append((c.name, rows.unit.map { c.values[$0] }))
        }
        try self.init(sample: try rows.sample(), covariates: expanded, family: family, target: target)
        var code: [Int: Int] = [:]
        let units = rows.unit.map { u -> Int in
            if let k = code[u] { return k }
            code[u] = code.count
            return code.count - 1
        }
        self.units = (units, code.count)
    }

    /// The effect measures reported for the family.
    public var measures: [EffectMeasure.Kind] {
        switch family {
        case .gaussian: return [.difference]
        case .binomial: return [.difference, .ratio, .oddsRatio]
        case .poisson: return [.difference, .ratio]
        }
    }

    // MARK: point estimate and delta method

    /// The fitted model and the averaged potential outcomes on a set of rows.
    struct Fit {
        var model: WeightedOutcomeModel
        /// Rows fitted (indices of the retained units; repeated in a bootstrap resample).
        var rows: [Int]
        var p1: Double
        var p0: Double
        /// `J₁`, `J₀` in the coordinates of the scaled design.
        var j1: [Double]
        var j0: [Double]
        var focalUnits: Int
    }

    /// The design row of retained unit `i` with treatment `a`.
    @inline(__always)
    func designRow(_ i: Int, treat a: Double, into row: inout [Double]) {
        let m = covariates.count
        row[0] = 1
        row[1] = a
        for k in 0..<m {
            let v = covariates[k][i]
            row[2 + k] = v
            row[2 + m + k] = a * v
        }
    }

    /// Fits the outcome model on `rows` and averages the focal units' predictions.
    func fit(rows: [Int]) throws -> Fit {
        let p = termNames.count, n = rows.count
        var columns = [[Double]](repeating: [Double](repeating: 0, count: n), count: p)
        var row = [Double](repeating: 0, count: p)
        for (k, i) in rows.enumerated() {
            designRow(i, treat: treated[i] ? 1 : 0, into: &row)
            for j in 0..<p { columns[j][k] = row[j] }
        }
        let model = try WeightedOutcomeModel(columns: columns, names: termNames, outcome: rows.map { outcome[$0] },
                                             weights: rows.map { weights[$0] }, family: family)
        let beta = model.scaledCoefficients, scale = model.scale
        var sums: [ExtendedSum] = [0, 0]
        var totalWeight: ExtendedSum = 0
        var jacobians = [[Double]](repeating: [Double](repeating: 0, count: p), count: 2)
        var focalUnits = 0
        for i in rows where focal[i] {
            focalUnits += 1
            let w = weights[i]
            totalWeight += ExtendedSum(w)
            for (slot, a) in [(0, 1.0), (1, 0.0)] {
                designRow(i, treat: a, into: &row)
                var eta = 0.0
                for j in 0..<p {
                    row[j] /= scale[j]
                    eta += row[j] * beta[j]
                }
                sums[slot] += ExtendedSum(w * family.linkInverse(eta))
                let d = w * family.meanDerivative(eta)
                for j in 0..<p { jacobians[slot][j] += d * row[j] }
            }
        }
        guard focalUnits > 0 else { throw OutcomesError.emptyGroup(target == .atc ? .comparison : .treated) }
        let total = Double(totalWeight)
        return Fit(model: model, rows: rows, p1: Double(sums[0]) / total, p0: Double(sums[1]) / total,
                   j1: jacobians[0].map { $0 / total }, j0: jacobians[1].map { $0 / total }, focalUnits: focalUnits)
    }

    /// The contrast `f(p₁, p₀)` on its test scale and `(∂f/∂p₁, ∂f/∂p₀)`; nil where undefined
    /// (a ratio with a zero mean, an odds ratio with a mean of 0 or 1).
    static func contrast(_ kind: EffectMeasure.Kind, p1: Double, p0: Double) -> (value: Double, d1: Double, d0: Double)? {
        switch kind {
        case .difference:
            return (p1 - p0, 1, -1)
        case .ratio:
            guard p1 > 0, p0 > 0 else { return nil }
            return (log(p1 / p0), 1 / p1, -1 / p0)
        case .oddsRatio:
            guard p1 > 0, p1 < 1, p0 > 0, p0 < 1 else { return nil }
            return (log(p1 / (1 - p1)) - log(p0 / (1 - p0)), 1 / (p1 * (1 - p1)), -1 / (p0 * (1 - p0)))
        }
    }

    /// The coefficient covariance (row-major, scaled coordinates) of a fit on every retained unit.
    func covariance(_ fit: Fit, _ kind: Covariance) throws -> [Double] {
        let model = fit.model, x = model.design
        let n = x.rows, p = x.columns
        var scores = [Double](repeating: 0, count: n)
        for k in 0..<n {
            // estfun.glm: working residual × working weight (the dispersion cancels in the sandwich).
            scores[k] = (outcome[fit.rows[k]] - model.mu[k]) / family.meanDerivative(model.eta[k]) * model.workingWeights[k]
        }
        switch kind {
        case .setAndUnit:
            guard let units else {
                throw OutcomesError.invalidArgument("the covariance by matched set and unit needs the get_matches() rows of a match with replacement; this sample is one row per unit")
            }
            guard clusterCount >= 2 else { throw OutcomesError.tooFewClusters(found: clusterCount) }
            guard units.count >= 2 else { throw OutcomesError.tooFewClusters(found: units.count) }
            // The intersection of set and unit: a unit is at most once in a set, so each row alone.
            return try multiwayClusterRobustCovariance(
                design: x, scores: scores, inverseInformation: model.inverseInformation, clusterings: [
                    SandwichClustering(code: clusterCode, count: clusterCount, sign: 1),
                    SandwichClustering(code: units.code, count: units.count, sign: 1),
                    SandwichClustering(code: Array(0..<n), count: n, sign: -1),
                ], adjustment: family == .gaussian ? Double(n - 1) / Double(n - p) : 1)
        case .clusterRobust:
            guard hasClusters else {
                throw OutcomesError.invalidArgument("a cluster-robust covariance needs the matched sets (subclasses) of the units; this sample has none, use HC3")
            }
            guard clusterCount >= 2 else { throw OutcomesError.tooFewClusters(found: clusterCount) }
            let meat = try clusterScoreCrossProduct(design: x, scores: scores, clusterCode: clusterCode, clusterCount: clusterCount)
            let g = Double(clusterCount)
            let adjustment = g / (g - 1) * (family == .gaussian ? Double(n - 1) / Double(n - p) : 1)
            return sandwichProduct(inverseInformation: model.inverseInformation, meat: meat, adjustment: adjustment)
        case .hc3:
            let b = model.inverseInformation
            var adjusted = scores
            var row = [Double](repeating: 0, count: p)
            for k in 0..<n {
                for j in 0..<p { row[j] = x[k, j] }
                var q = 0.0
                for i in 0..<p {
                    var t = 0.0
                    for j in 0..<p { t += b[i, j] * row[j] }
                    q += row[i] * t
                }
                let h = model.workingWeights[k] * q
                guard h < 1 else {
                    throw OutcomesError.invalidArgument("unit \(fit.rows[k]) has leverage 1 in the outcome model, so the HC3 covariance is undefined")
                }
                adjusted[k] = scores[k] / (1 - h)
            }
            let meat = try clusterScoreCrossProduct(design: x, scores: adjusted, clusterCode: Array(0..<n), clusterCount: n)
            return sandwichProduct(inverseInformation: b, meat: meat, adjustment: 1)
        }
    }

    /// `gᵀ V g` for a row-major `V`.
    static func quadraticForm(_ g: [Double], _ v: [Double]) -> Double {
        let p = g.count
        var total = 0.0
        for i in 0..<p {
            var t = 0.0
            for j in 0..<p { t += v[i * p + j] * g[j] }
            total += g[i] * t
        }
        return total
    }

    /// The g-computation estimate with delta-method standard errors.
    /// - Throws: as `init`; `tooFewObservations`, `invalidArgument` (collinear design, level,
    ///   no clusters for `.clusterRobust`), `tooFewClusters`, `notConverged`, `zeroVariance`;
    ///   `nonPositiveMean` when a ratio is undefined.
    public func estimate(covariance kind: Covariance, level: Double = 0.95) throws -> GComputationResult {
        try validateLevel(level)
        let fit = try self.fit(rows: Array(0..<outcome.count))
        let v = try covariance(fit, kind)
        func delta(_ value: Double, _ g: [Double], _ what: String) throws -> Estimate {
            try Estimate(estimate: value, standardError: Self.quadraticForm(g, v).squareRoot(), reference: .normal,
                         level: level, what: what)
        }
        let p1 = try delta(fit.p1, fit.j1, "mean potential outcome under treatment")
        let p0 = try delta(fit.p0, fit.j0, "mean potential outcome under control")
        var effects: [EffectMeasure] = []
        for measure in measures {
            guard let c = Self.contrast(measure, p1: fit.p1, p0: fit.p0) else {
                throw OutcomesError.nonPositiveMean(fit.p1 > 0 ? .comparison : .treated, value: fit.p1 > 0 ? fit.p0 : fit.p1)
            }
            let g = zip(fit.j1, fit.j0).map { c.d1 * $0 + c.d0 * $1 }
            effects.append(EffectMeasure(kind: measure, scale: try delta(c.value, g, measure.rawValue)))
        }
        return GComputationResult(
            family: family, target: target, covariance: kind, level: level, observations: outcome.count,
            focalUnits: fit.focalUnits, clusters: kind == .hc3 ? nil : clusterCount,
            termNames: termNames, coefficients: fit.model.coefficients, iterations: fit.model.iterations,
            treatedMean: p1, controlMean: p0, effects: effects)
    }

    /// The contrasts of `measures` (test scale) on `rows`; nil when the model cannot be fitted
    /// there or a contrast is undefined.
    func contrasts(rows: [Int]) -> [Double]? {
        guard let fit = try? self.fit(rows: rows) else { return nil }
        var out: [Double] = []
        for kind in measures {
            guard let c = Self.contrast(kind, p1: fit.p1, p0: fit.p0) else { return nil }
            out.append(c.value)
        }
        return out
    }
}

/// One contrast of the potential-outcome means.
public struct EffectMeasure: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// `p₁ − p₀`: mean difference, risk difference.
        case difference
        /// `p₁/p₀`: risk ratio, rate ratio (tested on the log scale).
        case ratio
        /// `[p₁/(1 − p₁)]/[p₀/(1 − p₀)]` (tested on the log scale).
        case oddsRatio = "odds_ratio"

        /// Whether the measure is tested and bounded on the log scale.
        public var isRatio: Bool { self != .difference }
    }

    public let kind: Kind
    /// The estimate, standard error, statistic, p-value and interval on the test scale: the
    /// difference itself, or the logarithm of a ratio.
    public let scale: Estimate

    /// On the measure's own scale (a ratio exponentiated).
    public var estimate: Double { kind.isRatio ? exp(scale.estimate) : scale.estimate }
    public var lower: Double { kind.isRatio ? exp(scale.lower) : scale.lower }
    public var upper: Double { kind.isRatio ? exp(scale.upper) : scale.upper }
}

/// The result of `GComputation.estimate`.
public struct GComputationResult: Sendable {
    public let family: OutcomeFamily
    public let target: GComputation.Target
    public let covariance: GComputation.Covariance
    public let level: Double
    /// Units in the matched sample (weight > 0).
    public let observations: Int
    /// Units whose predictions are averaged.
    public let focalUnits: Int
    /// Clusters of the cluster-robust covariance (matched sets, also for `.setAndUnit`); nil for HC3.
    public let clusters: Int?
    public let termNames: [String]
    /// The outcome model's coefficients, in `termNames` order (not to be interpreted: the "Table 2
    /// fallacy" of the vignette).
    public let coefficients: [Double]
    public let iterations: Int
    /// `p₁`: the focal units' mean potential outcome under treatment.
    public let treatedMean: Estimate
    /// `p₀`: under control.
    public let controlMean: Estimate
    public let effects: [EffectMeasure]
}

// MARK: - Cluster bootstrap

extension GComputation {
    /// The cluster bootstrap of every effect measure (MatchIt vignette, "Using Bootstrapping to
    /// Estimate Confidence Intervals", the cluster bootstrap of Austin and Small 2014 and Abadie and
    /// Spiess 2022).
    ///
    /// Replicate `b` draws `G` clusters (matched sets; units when the sample has no clusters)
    /// uniformly with replacement with its own stream `RandomStream(seed: seed, stream: b)`, takes
    /// every unit of each drawn cluster (in draw order, with its weight), refits the outcome model
    /// and recomputes the contrasts. Replicates are independent of one another, run in parallel and
    /// are collected in replicate order, and every summary is a sequential pass over them, so the
    /// results are the same bits for any number of threads (`COUNTERFACTUAL_THREADS`). A replicate
    /// where the model cannot be fitted (a group or a level missing from the resample) or a ratio is
    /// undefined is recorded as invalid and left out.
    ///
    /// Intervals are those of `boot::boot.ci` (`BootstrapInterval`): percentile, and BCa with the
    /// acceleration from jackknife influence values, leaving out one cluster at a time
    /// (`L_j = (G − 1)(θ̂ − θ̂₍₋ⱼ₎)`, boot's `empinf(type = "jack")`). Ratios are bootstrapped on the
    /// log scale and their limits exponentiated; the standard error is the standard deviation of
    /// the valid replicates on the test scale.
    /// - Throws: `invalidArgument` (fewer than 2 replicates, level), `tooFewClusters`, or the
    ///   point estimate's errors.
    public func bootstrap(replicates b: Int, seed: UInt64, level: Double = 0.95) throws -> GComputationBootstrap {
        try validateLevel(level)
        guard units == nil else {
            throw OutcomesError.invalidArgument("matched sets that share controls are not independent units to resample (Abadie and Imbens 2008), so the cluster bootstrap is not run after matching with replacement")
        }
        guard b >= 2 else { throw OutcomesError.invalidArgument("the bootstrap needs at least 2 replicates, not \(b)") }
        let n = outcome.count
        let codes = hasClusters ? clusterCode : Array(0..<n)
        let g = hasClusters ? clusterCount : n
        guard g >= 2 else { throw OutcomesError.tooFewClusters(found: g) }
        var members = [[Int]](repeating: [], count: g)
        for i in 0..<n { members[codes[i]].append(i) }
        guard let full = contrasts(rows: Array(0..<n)) else {
            _ = try self.fit(rows: Array(0..<n))
            throw OutcomesError.invalidArgument("an effect measure is undefined on the matched sample (a mean potential outcome of 0, or 1 for the odds ratio)")
        }
        let clusters = members
        let replicateValues: [[Double]?] = Parallel.map(b) { r in
            var rng = RandomStream(seed: seed, stream: UInt64(r))
            var rows: [Int] = []
            rows.reserveCapacity(n)
            for _ in 0..<g { rows.append(contentsOf: clusters[rng.integer(below: g)]) }
            return contrasts(rows: rows)
        }
        let jackknife: [[Double]?] = Parallel.map(g) { j in
            contrasts(rows: (0..<n).filter { codes[$0] != j })
        }
        var summaries: [GComputationBootstrap.Measure] = []
        for (k, kind) in measures.enumerated() {
            let values = replicateValues.map { $0?[k] }
            let valid = values.compactMap { $0 }
            var influence: [Double]? = []
            for t in jackknife {
                guard let t else { influence = nil; break }
                influence?.append(Double(g - 1) * (full[k] - t[k]))
            }
            let percentile = try BootstrapInterval.percentile(replicates: valid, level: level)
            let bca = influence.flatMap { try? BootstrapInterval.bca(replicates: valid, estimate: full[k], influence: $0, level: level) }
            var mean: ExtendedSum = 0
            for v in valid { mean += ExtendedSum(v) }
            let m = Double(mean / ExtendedSum(valid.count))
            var ss: ExtendedSum = 0
            for v in valid { ss += ExtendedSum((v - m) * (v - m)) }
            let natural = { (x: Double) in kind.isRatio ? exp(x) : x }
            summaries.append(GComputationBootstrap.Measure(
                kind: kind, estimate: natural(full[k]), standardError: (Double(ss) / Double(valid.count - 1)).squareRoot(),
                percentile: (lower: natural(percentile.lower), upper: natural(percentile.upper)),
                bca: bca.map { (lower: natural($0.lower), upper: natural($0.upper)) },
                validReplicates: valid.count, replicates: values))
        }
        return GComputationBootstrap(replicates: b, seed: seed, level: level, clusters: g, clustered: hasClusters,
                                     measures: summaries)
    }
}

/// The result of `GComputation.bootstrap`.
public struct GComputationBootstrap: Sendable {
    public struct Measure: Sendable {
        public let kind: EffectMeasure.Kind
        /// The full-sample estimate on the measure's own scale.
        public let estimate: Double
        /// Standard deviation of the valid replicates, on the test scale (log for ratios).
        public let standardError: Double
        /// Percentile limits (`boot.ci(type = "perc")`), on the measure's own scale.
        public let percentile: (lower: Double, upper: Double)
        /// BCa limits (`boot.ci(type = "bca")`); nil when a jackknife fit failed or the bias
        /// correction is infinite (every replicate on one side of the estimate).
        public let bca: (lower: Double, upper: Double)?
        public let validReplicates: Int
        /// Replicates on the test scale, in replicate order; nil where invalid.
        public let replicates: [Double?]
    }

    public let replicates: Int
    public let seed: UInt64
    public let level: Double
    /// Clusters resampled (matched sets, or units).
    public let clusters: Int
    /// Whether the clusters are matched sets (otherwise units).
    public let clustered: Bool
    public let measures: [Measure]
}

/// Bootstrap confidence limits as `boot::boot.ci` (boot 1.3) computes them.
public enum BootstrapInterval {
    /// `boot:::norm.inter`: the `α` quantile of the replicates, interpolated on the normal scale.
    /// With `R` replicates sorted, `r = (R + 1)α`, `k = ⌊r⌋`: `t₍ₖ₎` when `r` is whole (the
    /// extremes when `k` is 0 or `R`), otherwise
    /// `t₍ₖ₎ + [Φ⁻¹(α) − Φ⁻¹(k/(R+1))]/[Φ⁻¹((k+1)/(R+1)) − Φ⁻¹(k/(R+1))] · (t₍ₖ₊₁₎ − t₍ₖ₎)`.
    public static func normalInterpolation(sorted t: [Double], _ alpha: Double) -> Double {
        let r = t.count
        let rk = Double(r + 1) * alpha
        let k = Int(rk.rounded(.towardZero))
        if k <= 0 { return t[0] }
        if k >= r { return t[r - 1] }
        if Double(k) == rk { return t[k - 1] }
        let z = Normal.quantile(alpha)
        let z0 = Normal.quantile(Double(k) / Double(r + 1)), z1 = Normal.quantile(Double(k + 1) / Double(r + 1))
        return t[k - 1] + (z - z0) / (z1 - z0) * (t[k] - t[k - 1])
    }

    /// `boot.ci(type = "perc")`: the `(1 ∓ level)/2` normal-interpolated quantiles.
    public static func percentile(replicates: [Double], level: Double) throws -> (lower: Double, upper: Double) {
        guard replicates.count >= 2 else { throw OutcomesError.tooFewObservations(needed: 2, found: replicates.count) }
        let t = replicates.sorted()
        return (normalInterpolation(sorted: t, (1 - level) / 2), normalInterpolation(sorted: t, (1 + level) / 2))
    }

    /// `boot.ci(type = "bca", L = influence)` (`boot:::bca.ci`): bias correction
    /// `w = Φ⁻¹(#{t* < θ̂}/R)`, acceleration `a = Σ L³ / (6 (Σ L²)^{3/2})`, limits at
    /// `Φ(w + (w + z_α)/(1 − a (w + z_α)))`, `z_α = Φ⁻¹((1 ∓ level)/2)`, by `normalInterpolation`.
    /// - Throws: `invalidArgument` when `w` or `a` is not finite.
    public static func bca(replicates: [Double], estimate: Double, influence: [Double], level: Double) throws -> (lower: Double, upper: Double) {
        guard replicates.count >= 2 else { throw OutcomesError.tooFewObservations(needed: 2, found: replicates.count) }
        let below = replicates.reduce(0) { $0 + ($1 < estimate ? 1 : 0) }
        let w = Normal.quantile(Double(below) / Double(replicates.count))
        guard w.isFinite else { throw OutcomesError.invalidArgument("the BCa bias correction is infinite (every replicate lies on one side of the estimate)") }
        var s2: ExtendedSum = 0, s3: ExtendedSum = 0
        for l in influence { s2 += ExtendedSum(l * l); s3 += ExtendedSum(l * l * l) }
        let a = Double(s3) / (6 * pow(Double(s2), 1.5))
        guard a.isFinite else { throw OutcomesError.invalidArgument("the BCa acceleration is undefined (all influence values are 0)") }
        let t = replicates.sorted()
        let limits = [(1 - level) / 2, (1 + level) / 2].map { alpha -> Double in
            let z = Normal.quantile(alpha)
            let adjusted = Normal.cdf(w + (w + z) / (1 - a * (w + z)))
            return normalInterpolation(sorted: t, adjusted)
        }
        return (limits[0], limits[1])
    }
}
