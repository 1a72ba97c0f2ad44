import Dispatch
import Foundation
import Distributions
import PaymentRules
import Randomness

/// One cohort of an outcomes contract and the comparison group it is judged against.
public struct ContractCohort: Sendable, Equatable {
    /// People in the treated cohort, `n_T` (at least 2).
    public var cohortSize: Int
    /// People in its comparison group, `n_C` (at least 2).
    public var comparisonSize: Int

    public init(cohortSize: Int, comparisonSize: Int) {
        self.cohortSize = cohortSize
        self.comparisonSize = comparisonSize
    }
}

/// A Monte Carlo estimate and its standard error.
public struct MonteCarloEstimate: Sendable, Equatable {
    public let value: Double
    /// `√(p(1 − p)/R)` for a probability, `s/√R` for a mean, over `R` replicates.
    public let standardError: Double

    public init(value: Double, standardError: Double) {
        self.value = value
        self.standardError = standardError
    }
}

/// What a contract delivers at one true effect, over the simulated replicates.
public struct ContractOutcome: Sendable, Equatable {
    /// True relative reduction `δ` in every cohort.
    public let effect: Double
    /// Probability that cohort `k` meets the cohort trigger, in cohort order.
    public let cohortTrigger: [MonteCarloEstimate]
    /// Probability that the pooled trigger is met (0 for a single cohort).
    public let pooledTrigger: MonteCarloEstimate
    /// Probability that any payment is made (some cohort trigger or the pooled trigger).
    public let anyPayment: MonteCarloEstimate
    /// Mean of the pooled reduction `Σ w_k r̂_k`.
    public let pooledReduction: MonteCarloEstimate
    /// Mean measured events avoided `Σ_k n_T,k (ȳ_C,k − ȳ_T,k)` (unbiased for `trueEventsAvoided`).
    public let eventsAvoided: MonteCarloEstimate
    /// Mean events avoided that are paid for (zero when nothing pays; rule in `ContractSimulation`).
    public let paidEventsAvoided: MonteCarloEstimate
    /// Mean total due, in pence (`PaymentTotals.due`: the price per event times the events paid
    /// for, after the caps); zero when the terms have no price.
    public let expectedPayment: MonteCarloEstimate
    /// Expected events avoided, `δ μ_C Σ_k n_T,k`.
    public let trueEventsAvoided: Double
    /// Lognormal approximation to `cohortTrigger` (ignores any significance requirement).
    public let approximateCohortTrigger: [Double]
    /// Lognormal approximation to `pooledTrigger` (ignores any significance requirement).
    public let approximatePooledTrigger: Double
}

/// The results of `ContractSimulation.run()`, one outcome per effect in grid order.
public struct ContractSimulationResult: Sendable, Equatable {
    public let outcomes: [ContractOutcome]
    public let replicates: Int
    public let seed: UInt64
}

/// Seeded Monte Carlo of a whole outcomes contract: `K` cohorts, each compared with its own
/// comparison group, under a grid of true relative effects.
///
/// **Model.** Every person's count of events is negative binomial with size `θ`
/// (`RandomStream.negativeBinomial(mean:size:)`; Poisson when `θ = ∞`), with mean `μ_C` in every
/// comparison group and `(1 − δ) μ_C` in every treated cohort.
///
/// **Decision of one replicate.** Each simulated contract is decided by the evaluation's own rule,
/// `PaymentTerms.decide` (exact arithmetic): cohort `k` has `n_T,k` matched treated people (all of
/// its treated), weight 1 for everyone, event totals `Σy_T` and `Σy_C`, so the means are
/// `ȳ_T`, `ȳ_C`, the reduction `r̂_k = 1 − ȳ_T/ȳ_C`, the pooled reduction `Σ n_T,k r̂_k / Σ n_T,k`
/// and the events avoided `E_k = n_T,k (ȳ_C − ȳ_T)`. When the terms require significance, the tests
/// fed to the rule are `waldTests` (the Wald test of the log rate ratio per cohort and pooled,
/// as the evaluation tests). *Paid events* are the events the decision's total entitlement pays for
/// (`PaymentTotals.eventsPaidFor`): with the Peterborough terms (`per_cohort`, catch-up) that is
/// `Σ_{k paid} max(0, E_k)`, every cohort being paid once the pooled trigger is met.
///
/// **Streams and threads.** Replicate `r` draws from its own stream
/// `RandomStream(seed: seed, stream: r)`: first every comparison group (cohort order), then the
/// treated cohorts. Comparison groups do not depend on the effect, so they are drawn once and
/// shared by all effects, and the treated draws of every effect start from the same stream state
/// (a copy); this gives exactly the numbers of drawing everything afresh per effect, and compares
/// effects on common random numbers (each estimate is unbiased; estimates at different effects
/// are positively correlated, so the curves are smooth). An effect's results therefore do not
/// depend on the rest of the grid. Replicates are spread over threads with
/// `DispatchQueue.concurrentPerform` and summarized afterwards in replicate order: the results
/// are the same bits for any thread count.
public struct ContractSimulation: Sendable {
    public var cohorts: [ContractCohort]
    /// Comparison-group mean events per person `μ_C`.
    public var baselineRate: Double
    /// Negative binomial size `θ` (`.infinity`: Poisson).
    public var dispersion: Double
    /// The contract's payment terms (the simulation has no balance gate and no earlier payments).
    public var terms: PaymentTerms
    /// The alternative of the Wald tests fed to the rule when it requires significance.
    public var alternative: Alternative
    /// True relative reductions `δ ≤ 1` to simulate (negative values are increases).
    public var effects: [Double]
    /// Replicates `R` per effect (at least 2).
    public var replicates: Int
    public var seed: UInt64
    /// Worker threads (at least 1); the results do not depend on it.
    public var threads: Int

    /// The effect grid 0%, 2.5%, …, 20%.
    public static let defaultEffects: [Double] = (0...8).map { Double($0) * 0.025 }

    /// Defaults: two Peterborough cohorts of 1,000 with 1:1 comparison groups, 1.55 events per
    /// person, Peterborough's payment terms (cohort 10%, pooled 7.5%, per-cohort catch-up).
    public init(cohorts: [ContractCohort] = Array(repeating: ContractCohort(cohortSize: 1000, comparisonSize: 1000), count: 2),
                baselineRate: Double = 1.55, dispersion: Double,
                terms: PaymentTerms = PaymentTerms(settlement: .perCohort), alternative: Alternative = .twoSided,
                effects: [Double] = ContractSimulation.defaultEffects, replicates: Int = 2000,
                seed: UInt64 = 20_100_909, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.cohorts = cohorts
        self.baselineRate = baselineRate
        self.dispersion = dispersion
        self.terms = terms
        self.alternative = alternative
        self.effects = effects
        self.replicates = replicates
        self.seed = seed
        self.threads = threads
    }

    /// Checks every input's domain.
    public func validate() throws {
        guard !cohorts.isEmpty, cohorts.count <= 32 else {
            throw DesignError.invalidArgument("a contract needs 1 to 32 cohorts, got \(cohorts.count)")
        }
        for c in cohorts where c.cohortSize < 2 || c.comparisonSize < 2 {
            throw DesignError.invalidArgument("cohort and comparison sizes must be at least 2, got \(c.cohortSize) and \(c.comparisonSize)")
        }
        guard baselineRate > 0, baselineRate.isFinite else {
            throw DesignError.invalidArgument("the baseline rate must be positive and finite, got \(baselineRate)")
        }
        guard dispersion > 0, !dispersion.isNaN else {
            throw DesignError.invalidArgument("the dispersion (size) must be positive or infinite, got \(dispersion)")
        }
        guard !effects.isEmpty else { throw DesignError.invalidArgument("the effect grid is empty") }
        for e in effects where !(e <= 1) || !e.isFinite {
            throw DesignError.invalidArgument("effects are relative reductions of at most 1, got \(e)")
        }
        do { try terms.validate() } catch let e as PaymentRuleError { throw DesignError.invalidArgument(e.description) }
        if terms.maxAbsSMD != nil {
            throw DesignError.invalidArgument("the simulation has no covariates, so a balance gate (max_abs_smd) cannot be simulated")
        }
        if !terms.paymentsMade.isEmpty {
            throw DesignError.invalidArgument("the simulation decides whole contracts; it takes no payments already made")
        }
        guard replicates >= 2 else { throw DesignError.invalidArgument("at least 2 replicates are needed, got \(replicates)") }
        guard threads >= 1 else { throw DesignError.invalidArgument("threads must be at least 1, got \(threads)") }
    }

    /// Cohort weights `w_k = n_T,k / Σ_j n_T,j`.
    public var weights: [Double] {
        let total = Double(cohorts.reduce(0) { $0 + $1.cohortSize })
        return cohorts.map { Double($0.cohortSize) / total }
    }

    /// Approximate trigger probabilities at a true effect `δ` (no significance requirement).
    ///
    /// Cohort `k`: `CountOutcomeAssumptions.probabilityOfReaching` (the ratio `ȳ_T/ȳ_C` lognormal
    /// with `L_k ~ N(m_k, s_k²)`). Pooled: the pooled trigger `Σ w_k r̂_k ≥ T_p` is
    /// `S = Σ w_k e^{L_k} ≤ 1 − T_p`; `S` is approximated by the lognormal with its mean
    /// `M = Σ w_k e^{m_k + s_k²/2}` and variance `V = Σ w_k² (e^{s_k²} − 1) e^{2m_k + s_k²}`
    /// (Fenton–Wilkinson): `σ² = log(1 + V/M²)`, `P = Φ((log(1 − T_p) − log M + σ²/2)/σ)`.
    /// For one cohort this is exactly the cohort formula; the pooled probability is 0 for one
    /// cohort (the pooled trigger needs two).
    public func approximateTriggerProbabilities(effect delta: Double) -> (cohorts: [Double], pooled: Double) {
        let designs = cohorts.map { c in
            CountOutcomeAssumptions(baselineRate: baselineRate, dispersion: dispersion, cohortSize: c.cohortSize,
                                    comparisonSize: c.comparisonSize)
        }
        let cohortThreshold = Double(terms.cohortThreshold), pooledThreshold = Double(terms.pooledThreshold)
        let perCohort = designs.map { $0.probabilityOfReaching(cohortThreshold, relativeReduction: delta) }
        guard cohorts.count >= 2 else { return (perCohort, 0) }
        guard pooledThreshold < 1 else { return (perCohort, 0) }
        let w = weights
        var mean = 0.0, variance = 0.0
        for (j, d) in designs.enumerated() {
            guard let (m, s2) = d.logRatioMoments(relativeReduction: delta) else { return (perCohort, 1) }
            let e = exp(m + s2 / 2)
            mean += w[j] * e
            variance += w[j] * w[j] * expm1(s2) * e * e
        }
        let sigma2 = log1p(variance / (mean * mean))
        let pooled = Normal.cdf((log1p(-pooledThreshold) - log(mean) + sigma2 / 2) / sigma2.squareRoot())
        return (perCohort, pooled)
    }

    /// Runs the simulation (`replicates × effects` contracts).
    public func run() throws -> ContractSimulationResult {
        try validate()
        let e = effects.count, b = replicates
        let assessor = ContractAssessor(self)
        let effectGrid = effects
        let flags = SlotBuffer<UInt64>(count: e * b, initial: 0)
        // Per (effect, replicate): measured events avoided, paid events avoided, pooled reduction,
        // total due (pence).
        let values = SlotBuffer<Double>(count: 4 * e * b, initial: 0)
        let chunks = min(threads, b)
        // The first error of each chunk (a price so large that an amount overflows).
        let failures = SlotBuffer<PaymentRuleError?>(count: chunks, initial: nil)
        let simulation = self

        let work: @Sendable (Int) -> Void = { chunk in
            let lo = chunk * b / chunks, hi = (chunk + 1) * b / chunks
            var draws = ReplicateDraws(simulation)
            do {
                for r in lo..<hi {
                    draws.draw(replicate: r)
                    for ei in 0..<e {
                        let factor = 1 - effectGrid[ei]
                        let a = try assessor.assess { j in
                            let (sumT, squaresT) = draws.treatedTotals(cohort: j, factor: factor)
                            return (sumT, squaresT, draws.comparisonSum[j], draws.comparisonSquares[j])
                        }
                        let slot = ei * b + r
                        flags.store(a.flags, at: slot)
                        values.store(a.eventsAvoided, at: 4 * slot)
                        values.store(a.paidEventsAvoided, at: 4 * slot + 1)
                        values.store(a.pooledReduction, at: 4 * slot + 2)
                        values.store(a.duePence, at: 4 * slot + 3)
                    }
                }
            } catch {
                failures.store(error as? PaymentRuleError ?? .invalidTerms(String(describing: error)), at: chunk)
            }
        }
        if chunks == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: chunks, execute: work) }
        if let failure = failures.collect().compactMap({ $0 }).first {
            throw DesignError.invalidArgument(failure.description)
        }

        let k = cohorts.count, muC = baselineRate
        let nT = cohorts.map(\.cohortSize)
        let f = flags.collect(), v = values.collect()
        let totalTreated = Double(nT.reduce(0, +))
        var outcomes: [ContractOutcome] = []
        for ei in 0..<e {
            var cohortHits = [Int](repeating: 0, count: k)
            var pooledHits = 0, anyHits = 0
            var events = MeanAccumulator(), paid = MeanAccumulator(), pooled = MeanAccumulator(), due = MeanAccumulator()
            for r in 0..<b {
                let slot = ei * b + r
                let bits = f[slot]
                for j in 0..<k where bits & (1 << UInt64(j)) != 0 { cohortHits[j] += 1 }
                if bits & (1 << 32) != 0 { pooledHits += 1 }
                if bits != 0 { anyHits += 1 }
                events.add(v[4 * slot]); paid.add(v[4 * slot + 1]); due.add(v[4 * slot + 3])
                if !v[4 * slot + 2].isNaN { pooled.add(v[4 * slot + 2]) }
            }
            let approx = approximateTriggerProbabilities(effect: effects[ei])
            outcomes.append(ContractOutcome(
                effect: effects[ei],
                cohortTrigger: cohortHits.map { proportion($0, b) },
                pooledTrigger: proportion(pooledHits, b),
                anyPayment: proportion(anyHits, b),
                pooledReduction: pooled.estimate,
                eventsAvoided: events.estimate,
                paidEventsAvoided: paid.estimate,
                expectedPayment: due.estimate,
                trueEventsAvoided: effects[ei] * muC * totalTreated,
                approximateCohortTrigger: approx.cohorts,
                approximatePooledTrigger: approx.pooled))
        }
        return ContractSimulationResult(outcomes: outcomes, replicates: b, seed: seed)
    }
}

/// The draws of one replicate: every comparison group's totals, and each treated person's rate at
/// no effect and uniform, from which the treated totals at any effect follow.
///
/// Replicate `r` uses `RandomStream(seed: seed, stream: r)`: the comparison groups in cohort order
/// (`negativeBinomial(mean: μ_C, size: θ)`, or `poisson(μ_C)`, person by person), then for each
/// treated person in cohort order `G = gamma(shape: θ)` (skipped when Poisson) and `U = uniform()`.
/// The treated count at effect `δ` is the Poisson(`(1 − δ) G μ_C/θ`) quantile at `U`, which is
/// exactly what `negativeBinomial(mean: (1 − δ) μ_C, size: θ)` returns from the same stream state
/// (it draws the same gamma, then one uniform for its Poisson inversion) whenever the Poisson mean
/// is at most 30 — in effect always at reconviction rates; above 30 `RandomStream.poisson` splits
/// the mean into parts with one uniform each, while this uses one uniform and exact inversion.
struct ReplicateDraws {
    let seed: UInt64
    let mean: Double
    let size: Double
    let comparisonSizes: [Int]
    /// Start of each cohort in the person arrays (`cohorts + 1` entries).
    let cohortStart: [Int]
    private(set) var comparisonSum: [Int]
    private(set) var comparisonSquares: [Int]
    /// Per treated person (all cohorts, contiguous): rate at no effect, uniform, its log.
    private(set) var rate: [Double]
    private(set) var uniform: [Double]
    private(set) var logUniform: [Double]

    init(_ simulation: ContractSimulation) {
        seed = simulation.seed
        mean = simulation.baselineRate
        size = simulation.dispersion
        comparisonSizes = simulation.cohorts.map(\.comparisonSize)
        var start = [0]
        for c in simulation.cohorts { start.append(start.last! + c.cohortSize) }
        cohortStart = start
        comparisonSum = Array(repeating: 0, count: simulation.cohorts.count)
        comparisonSquares = comparisonSum
        rate = Array(repeating: 0, count: start.last!)
        uniform = rate
        logUniform = rate
    }

    /// Draws replicate `r` (overwriting the previous one).
    mutating func draw(replicate r: Int) {
        var rng = RandomStream(seed: seed, stream: UInt64(r))
        for j in comparisonSizes.indices {
            (comparisonSum[j], comparisonSquares[j]) = drawTotals(&rng, count: comparisonSizes[j], mean: mean, size: size)
        }
        drawTreatedFrailties(&rng, mean: mean, size: size, rate: &rate, uniform: &uniform, logUniform: &logUniform)
    }

    /// Sum and sum of squares of cohort `j`'s treated counts at effect factor `1 − δ`.
    @inline(__always)
    func treatedTotals(cohort j: Int, factor: Double) -> (Int, Int) {
        Design.treatedTotals(rate: rate, uniform: uniform, logUniform: logUniform,
                             range: cohortStart[j]..<cohortStart[j + 1], factor: factor)
    }
}

/// The payment decision of one simulated contract, reduced to what the simulation summarises.
struct ContractAssessment: Equatable {
    /// Bit `j` (`j < 32`): cohort `j` met its own trigger; bit 32: the pooled trigger was met.
    var flags: UInt64
    /// `Σ_k E_k` (the exact value, rounded to a double).
    var eventsAvoided: Double
    /// Events the total entitlement pays for (`PaymentTotals.eventsPaidFor`).
    var paidEventsAvoided: Double
    /// The pooled reduction (NaN when some comparison mean is zero).
    var pooledReduction: Double
    /// The total due in pence (`PaymentTotals.due`), as a double (exact below 2^53 pence).
    var duePence: Double

    var pooledTriggerMet: Bool { flags & (1 << 32) != 0 }
    func cohortTriggered(_ j: Int) -> Bool { flags & (1 << UInt64(j)) != 0 }
}

/// Decides simulated contracts by `PaymentTerms.decide` (rules in `ContractSimulation`).
struct ContractAssessor: Sendable {
    let names: [String]
    let treatedSizes: [Int]
    let comparisonSizes: [Int]
    /// The sizes as rationals, made once (they are every replicate's weight totals).
    let treatedWeights: [ExactRational]
    let comparisonWeights: [ExactRational]
    let weights: [Double]
    let terms: PaymentTerms
    let alternative: Alternative
    let critical: Double

    init(_ simulation: ContractSimulation) {
        names = simulation.cohorts.indices.map { "Cohort \($0 + 1)" }
        treatedSizes = simulation.cohorts.map(\.cohortSize)
        comparisonSizes = simulation.cohorts.map(\.comparisonSize)
        treatedWeights = treatedSizes.map { ExactRational($0) }
        comparisonWeights = comparisonSizes.map { ExactRational($0) }
        weights = simulation.weights
        terms = simulation.terms
        alternative = simulation.alternative
        critical = simulation.alternative.criticalValue(simulation.terms.significanceLevel)
    }

    /// `totals(j)` gives cohort `j`'s `(Σy_T, Σy_T², Σy_C, Σy_C²)`.
    @inline(__always)
    func assess(_ totals: (Int) -> (Int, Int, Int, Int)) throws -> ContractAssessment {
        let k = treatedSizes.count
        let sums = (0..<k).map(totals)
        let tests = terms.requireSignificance ? waldTests(sums) : nil
        var cohorts: [CohortResult] = []
        cohorts.reserveCapacity(k)
        for j in 0..<k {
            let (sumT, _, sumC, _) = sums[j]
            cohorts.append(CohortResult(
                name: names[j], matchedTreated: treatedSizes[j], cohortTreated: treatedSizes[j],
                treatedEvents: ExactRational(sumT), treatedWeight: treatedWeights[j],
                comparisonEvents: ExactRational(sumC), comparisonWeight: comparisonWeights[j],
                test: tests?.cohorts[j]))
        }
        let decision = try terms.decide(cohorts, pooledTest: tests?.pooled)
        var bits: UInt64 = 0
        for (j, c) in decision.cohorts.enumerated() where c.triggerMet { bits |= 1 << UInt64(j) }
        if decision.pooled.met { bits |= 1 << 32 }
        return ContractAssessment(flags: bits, eventsAvoided: Double(decision.pooled.eventsAvoided),
                                  paidEventsAvoided: Double(decision.totals.eventsPaidFor),
                                  pooledReduction: decision.pooled.reduction.map { Double($0) } ?? .nan,
                                  duePence: Double(decision.totals.due.pence))
    }

    /// The design simulation's significance tests, fed to the payment rule when it requires
    /// significance (the evaluation's own inference is computed by `Contracts`).
    ///
    /// Cohort `k`: the log rate ratio's reduction `L_k = log(ȳ_C/ȳ_T)`, its delta-method standard
    /// error `SE_k = √(s_T²/(n_T ȳ_T²) + s_C²/(n_C ȳ_C²))` from the sample variances (denominator
    /// `n − 1`, from the exact integer sums: `s² = (n Σy² − (Σy)²) / (n (n − 1))`) and
    /// `z_k = L_k/SE_k` (the evaluation's test, with independent samples in place of matched sets).
    /// Pooled, with weights `w_k = n_T,k / Σ_j n_T,j`: the Wald test of `Σ w_k L_k` with
    /// `SE² = Σ w_k² SE_k²`. Significant when `|z|` (two-sided) or `z` (one-sided) reaches the
    /// critical value at the terms' significance level; the p-value is `Alternative.pValue(z)`.
    func waldTests(_ sums: [(Int, Int, Int, Int)]) -> (cohorts: [SignificanceTest], pooled: SignificanceTest) {
        // The evaluation's family of test (docs/inference.md): a Wald test of the log rate ratio,
        // here with the delta-method variance of two independent means,
        // SE² = s_T²/(n_T ȳ_T²) + s_C²/(n_C ȳ_C²); pooled Σ w_k log RR_k with Var = Σ w_k² SE_k².
        // z is positive when the treated cohort does better; not estimable (never significant) when a
        // mean is 0.
        var pooledL = 0.0, pooledVar = 0.0
        var cohorts: [SignificanceTest] = []
        cohorts.reserveCapacity(sums.count)
        for (j, (sumT, squaresT, sumC, squaresC)) in sums.enumerated() {
            let nT = treatedSizes[j], nC = comparisonSizes[j]
            let nTj = Double(nT), nCj = Double(nC)
            let varT = Double(nT * squaresT - sumT * sumT) / (nTj * (nTj - 1))
            let varC = Double(nC * squaresC - sumC * sumC) / (nCj * (nCj - 1))
            let meanT = Double(sumT) / nTj, meanC = Double(sumC) / nCj
            guard meanT > 0, meanC > 0 else {
                cohorts.append(test(.nan))
                pooledL = .nan
                continue
            }
            let se2 = varT / (nTj * meanT * meanT) + varC / (nCj * meanC * meanC)
            let reductionLog = log(meanC / meanT)
            cohorts.append(test(reductionLog / se2.squareRoot()))
            pooledL += weights[j] * reductionLog
            pooledVar += weights[j] * weights[j] * se2
        }
        return (cohorts, test(pooledL / pooledVar.squareRoot()))
    }

    /// A z statistic (positive when the treated cohort does better) as a test result.
    @inline(__always)
    func test(_ z: Double) -> SignificanceTest {
        guard !z.isNaN else { return SignificanceTest(pValue: .nan, significant: false) }
        let significant = alternative == .twoSided ? abs(z) >= critical : z >= critical
        return SignificanceTest(pValue: alternative.pValue(z), significant: significant)
    }
}

/// Draws `count` negative binomial (Poisson when `size` is infinite) counts and returns their sum
/// and sum of squares (exact integers).
@inline(__always)
func drawTotals(_ rng: inout RandomStream, count: Int, mean: Double, size: Double) -> (Int, Int) {
    var sum = 0, squares = 0
    if size.isInfinite {
        for _ in 0..<count { let y = rng.poisson(mean); sum += y; squares += y * y }
    } else {
        for _ in 0..<count { let y = rng.negativeBinomial(mean: mean, size: size); sum += y; squares += y * y }
    }
    return (sum, squares)
}

/// Treated people's draws for one replicate, shared by every effect: person `i`'s rate at no
/// effect, `λ_i = G_i μ_C/θ` with `G_i = rng.gamma(shape: θ)` (`λ_i = μ_C` when `θ = ∞`), and a
/// uniform `U_i = rng.uniform()` (with `log U_i`), drawn in that order person by person.
func drawTreatedFrailties(_ rng: inout RandomStream, mean: Double, size: Double,
                          rate: inout [Double], uniform: inout [Double], logUniform: inout [Double]) {
    let n = rate.count
    let scale = mean / size
    rate.withUnsafeMutableBufferPointer { lambda in
        uniform.withUnsafeMutableBufferPointer { u in
            logUniform.withUnsafeMutableBufferPointer { logU in
                for i in 0..<n {
                    lambda[i] = size.isInfinite ? mean : rng.gamma(shape: size) * scale
                    let v = rng.uniform()
                    u[i] = v
                    logU[i] = v > 0 ? DeterministicMath.log(v) : -.infinity
                }
            }
        }
    }
}

/// Sum and sum of squares of the treated counts of one cohort (`range` of the person arrays) under
/// effect factor `1 − δ`: person `i` has the Poisson(`(1 − δ) λ_i`) quantile at `U_i`.
@inline(__always)
func treatedTotals(rate: [Double], uniform: [Double], logUniform: [Double], range: Range<Int>,
                   factor: Double) -> (Int, Int) {
    var sum = 0, squares = 0
    rate.withUnsafeBufferPointer { lambda in
        uniform.withUnsafeBufferPointer { u in
            logUniform.withUnsafeBufferPointer { logU in
                for i in range {
                    let mean = factor * lambda[i]
                    // Zero exactly when U ≤ e^{−λ}: decided on the log scale without an exp.
                    if logU[i] <= -mean { continue }
                    let y = poissonQuantile(u[i], mean: mean)
                    sum += y
                    squares += y * y
                }
            }
        }
    }
    return (sum, squares)
}

/// The Poisson(`λ`) quantile at `u ∈ [0, 1)`: the smallest `k` with `P(X ≤ k) ≥ u`, by sequential
/// search from 0 (`RandomStream.poisson`'s arithmetic) for `λ ≤ 30`, and from `⌊λ⌋` (starting
/// from `P(X ≤ ⌊λ⌋) = Q(⌊λ⌋ + 1, λ)`, the regularized upper incomplete gamma) above.
func poissonQuantile(_ u: Double, mean lambda: Double) -> Int {
    guard lambda > 0 else { return 0 }
    if lambda <= 30 {
        var k = 0
        var p = DeterministicMath.exp(-lambda)
        var cumulative = p
        while u > cumulative {
            k += 1
            p *= lambda / Double(k)
            cumulative += p
            if p < 1e-300 && cumulative < u { break }
        }
        return k
    }
    var k = Int(lambda)
    var cdf = SpecialFunctions.regularizedIncompleteGamma(a: Double(k + 1), x: lambda).upper
    var p = DeterministicMath.exp(-lambda + Double(k) * DeterministicMath.log(lambda)
                                  - SpecialFunctions.logGamma(Double(k + 1)))
    if u <= cdf {
        while k > 0 {
            let below = cdf - p   // P(X ≤ k − 1)
            if u > below { break }
            p *= Double(k) / lambda
            cdf = below
            k -= 1
        }
        return k
    }
    while u > cdf {
        k += 1
        p *= lambda / Double(k)
        cdf += p
        if p < 1e-300 { break }
    }
    return k
}

/// `p = hits/R` with standard error `√(p(1 − p)/R)`.
func proportion(_ hits: Int, _ replicates: Int) -> MonteCarloEstimate {
    let p = Double(hits) / Double(replicates)
    return MonteCarloEstimate(value: p, standardError: (p * (1 - p) / Double(replicates)).squareRoot())
}

/// Running mean and variance (Welford), added in a fixed order.
struct MeanAccumulator {
    var count = 0
    var mean = 0.0
    var m2 = 0.0

    mutating func add(_ x: Double) {
        count += 1
        let delta = x - mean
        mean += delta / Double(count)
        m2 += delta * (x - mean)
    }

    /// The mean with standard error `s/√n` (`s` with denominator `n − 1`).
    var estimate: MonteCarloEstimate {
        guard count >= 2 else { return MonteCarloEstimate(value: count == 1 ? mean : .nan, standardError: .nan) }
        return MonteCarloEstimate(value: mean, standardError: (m2 / Double(count - 1) / Double(count)).squareRoot())
    }
}

/// Write-once slots filled concurrently.
final class SlotBuffer<Element>: @unchecked Sendable {
    // Safety: each index is written by exactly one `concurrentPerform` iteration (replicate
    // ranges are disjoint), and the slots are read only after `concurrentPerform` has returned,
    // which orders all writes before the reads.
    private let buffer: UnsafeMutableBufferPointer<Element>

    init(count: Int, initial: Element) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: initial)
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    @inline(__always)
    func store(_ value: Element, at index: Int) { buffer[index] = value }

    func collect() -> [Element] { Array(buffer) }
}
