import Foundation
import PaymentRules

/// The design reasoning of a reduction-triggered contract in one table: what reduction a cohort
/// of 1,000 can detect on its own and pooled over two or three cohorts, and how likely the
/// Peterborough triggers (10% per cohort, 7.5% pooled) are to pay at each true effect.
///
/// **Defaults (Peterborough).** Cohorts of 1,000 with 1:1 comparison groups; 1.55 reconviction
/// events per person in the comparison group (cohort 1's matched comparison group); 60% reconvicted
/// within a year (the designers' figure). The dispersion is not published: by default it is the
/// negative binomial size that reconciles those two figures, i.e. the `θ` at which a mean of 1.55
/// leaves 40% with no event (`NegativeBinomialDispersion.matchingZeroFraction`, `θ ≈ 0.94`);
/// `θ = 1.5` and Poisson counts are shown beside it as sensitivity rows. Two-sided tests at 5%,
/// 80% power.
///
/// **Detectable reductions** (`detectable`, one row per dispersion and number of pooled cohorts
/// `K`): the standard deviation of the estimated reduction under no effect (delta method), the
/// observed reduction that is just significant, the minimum detectable reduction for the count
/// outcome and for the binary outcome, the trigger that applies (the cohort trigger for one
/// cohort, the pooled trigger for `K ≥ 2`), the chance of meeting it with no true effect, and the
/// true reduction that meets it with probability `power` (both from the lognormal approximation).
/// `K` equal cohorts pooled are analysed as one cohort of `K n` (exact for the Wald test of the
/// size-weighted mean difference).
///
/// **Payout** (`payout`): `ContractSimulation` of `K ∈ simulatedCohorts` cohorts at each effect
/// in the grid, at the main dispersion.
public struct DesignTable: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// People per treated cohort `n`.
        public var cohortSize: Int
        /// Comparison people per treated person (1:k matching).
        public var comparisonPerTreated: Int
        /// Comparison-group events per person `μ_C`.
        public var baselineRate: Double
        /// Comparison-group proportion with any event (binary outcome; also used to derive `θ`).
        public var baselineProportion: Double
        /// Negative binomial size `θ`; `nil` derives it from `baselineRate` and `baselineProportion`.
        public var dispersion: Double?
        /// Further dispersions for the detectable-reduction rows (sensitivity).
        public var sensitivityDispersions: [Double]
        /// Numbers of cohorts pooled in the detectable-reduction rows.
        public var pooledCohorts: [Int]
        public var significanceLevel: Double
        public var power: Double
        public var alternative: Alternative
        /// The contract's payment terms (decided by `PaymentTerms.decide` in the simulation).
        public var terms: PaymentTerms
        public var effects: [Double]
        /// Numbers of cohorts in the simulated contracts.
        public var simulatedCohorts: [Int]
        public var replicates: Int
        public var seed: UInt64
        public var threads: Int

        public init(cohortSize: Int = 1000, comparisonPerTreated: Int = 1, baselineRate: Double = 1.55,
                    baselineProportion: Double = 0.60, dispersion: Double? = nil,
                    sensitivityDispersions: [Double] = [1.5, .infinity], pooledCohorts: [Int] = [1, 2, 3],
                    significanceLevel: Double = 0.05, power: Double = 0.80, alternative: Alternative = .twoSided,
                    terms: PaymentTerms = PaymentTerms(settlement: .perCohort), effects: [Double] = ContractSimulation.defaultEffects,
                    simulatedCohorts: [Int] = [2, 3], replicates: Int = 2000, seed: UInt64 = 20_100_909,
                    threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
            self.cohortSize = cohortSize
            self.comparisonPerTreated = comparisonPerTreated
            self.baselineRate = baselineRate
            self.baselineProportion = baselineProportion
            self.dispersion = dispersion
            self.sensitivityDispersions = sensitivityDispersions
            self.pooledCohorts = pooledCohorts
            self.significanceLevel = significanceLevel
            self.power = power
            self.alternative = alternative
            self.terms = terms
            self.effects = effects
            self.simulatedCohorts = simulatedCohorts
            self.replicates = replicates
            self.seed = seed
            self.threads = threads
        }
    }

    /// What a design can detect with `cohorts` cohorts pooled, at one dispersion.
    public struct DetectableRow: Sendable, Equatable {
        public let dispersion: Double
        public let cohorts: Int
        /// Treated and comparison people over the pooled cohorts.
        public let treated: Int
        public let comparison: Int
        /// Standard deviation of the estimated reduction with no effect (delta method).
        public let reductionStandardDeviation: Double
        /// Observed reduction that is just significant (`CountOutcomeAssumptions.criticalReduction`).
        public let criticalReduction: Double
        /// Minimum detectable relative reduction, count outcome.
        public let countMinimumDetectable: Double
        /// Minimum detectable relative reduction, binary outcome (pooled null variance).
        public let binaryMinimumDetectable: Double
        /// The trigger that applies: cohort (`K = 1`) or pooled (`K ≥ 2`).
        public let threshold: Double
        /// Approximate probability of meeting the trigger with no true effect.
        public let triggerProbabilityWithoutEffect: Double
        /// True reduction that meets the trigger with probability `power`.
        public let reductionForLikelyTrigger: Double
    }

    /// Simulated payout of a `cohorts`-cohort contract at one true effect.
    public struct PayoutRow: Sendable, Equatable {
        public let cohorts: Int
        public let outcome: ContractOutcome
    }

    public let configuration: Configuration
    /// The main dispersion (given, or derived from the baseline rate and proportion).
    public let dispersion: Double
    public let detectable: [DetectableRow]
    public let payout: [PayoutRow]

    /// Computes the table (the simulation dominates the time: about `replicates × Σ K` cohort pairs).
    public init(_ configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let c = configuration
        guard c.cohortSize >= 2, c.comparisonPerTreated >= 1 else {
            throw DesignError.invalidArgument("the cohort size must be at least 2 and the comparison ratio at least 1")
        }
        for k in c.pooledCohorts + c.simulatedCohorts where k < 1 {
            throw DesignError.invalidArgument("numbers of cohorts must be at least 1, got \(k)")
        }
        let theta = try c.dispersion
            ?? NegativeBinomialDispersion.matchingZeroFraction(1 - c.baselineProportion, mean: c.baselineRate)
        dispersion = theta
        let nC = c.cohortSize * c.comparisonPerTreated

        var rows: [DetectableRow] = []
        for th in [theta] + c.sensitivityDispersions {
            for k in c.pooledCohorts {
                let single = CountOutcomeAssumptions(
                    baselineRate: c.baselineRate, dispersion: th, cohortSize: c.cohortSize, comparisonSize: nC,
                    significanceLevel: c.significanceLevel, power: c.power, alternative: c.alternative)
                try single.validate()
                let pooled = single.pooled(cohorts: k)
                let binary = BinaryOutcomeAssumptions(
                    baselineProportion: c.baselineProportion, cohortSize: c.cohortSize, comparisonSize: nC,
                    significanceLevel: c.significanceLevel, power: c.power, alternative: c.alternative).pooled(cohorts: k)
                let threshold = Double(k == 1 ? c.terms.cohortThreshold : c.terms.pooledThreshold)
                let contract = ContractSimulation(
                    cohorts: Array(repeating: ContractCohort(cohortSize: c.cohortSize, comparisonSize: nC), count: k),
                    baselineRate: c.baselineRate, dispersion: th, terms: c.terms, alternative: c.alternative, effects: [0],
                    replicates: 2, threads: 1)
                let trigger: (Double) -> Double = { delta in
                    let p = contract.approximateTriggerProbabilities(effect: delta)
                    return k == 1 ? p.cohorts[0] : p.pooled
                }
                rows.append(DetectableRow(
                    dispersion: th, cohorts: k, treated: pooled.cohortSize, comparison: pooled.comparisonSize,
                    reductionStandardDeviation: pooled.reductionStandardDeviation(relativeReduction: 0),
                    criticalReduction: pooled.criticalReduction,
                    countMinimumDetectable: try pooled.minimumDetectableReduction(),
                    binaryMinimumDetectable: try binary.minimumDetectableReduction(),
                    threshold: threshold,
                    triggerProbabilityWithoutEffect: trigger(0),
                    reductionForLikelyTrigger: try solveIncreasing(target: c.power, trigger)))
            }
        }
        detectable = rows

        var payoutRows: [PayoutRow] = []
        for k in c.simulatedCohorts {
            let simulation = ContractSimulation(
                cohorts: Array(repeating: ContractCohort(cohortSize: c.cohortSize, comparisonSize: nC), count: k),
                baselineRate: c.baselineRate, dispersion: theta, terms: c.terms, alternative: c.alternative, effects: c.effects,
                replicates: c.replicates, seed: c.seed, threads: c.threads)
            for outcome in try simulation.run().outcomes {
                payoutRows.append(PayoutRow(cohorts: k, outcome: outcome))
            }
        }
        payout = payoutRows
    }

    /// A mean amount of pence for people, to the nearest pound ("£412,346").
    private func money(_ pence: Double, _ currency: Currency) -> String {
        guard pence.isFinite, abs(pence) < 9e15 else { return "-" }
        let text = Money(pence: Int((pence / 100).rounded()) * 100, currency: currency).description
        return String(text.dropLast(3))
    }

    /// The table as text, for the `counterfactual design` command.
    public func formatted() -> String {
        let c = configuration
        func pct(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f%%", 100 * x) }
        func theta(_ x: Double) -> String { x.isInfinite ? "Poisson" : String(format: "%.3g", x) }
        func pad(_ s: String, _ width: Int) -> String {
            s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
        }
        var out = ""
        out += "Contract design: cohorts of \(c.cohortSize), comparison 1:\(c.comparisonPerTreated), "
        out += String(format: "%.3g", c.baselineRate) + " events/person, " + pct(c.baselineProportion, 0)
        out += " with an event; dispersion theta = " + theta(dispersion)
        out += c.dispersion == nil ? " (NB size giving " + pct(1 - c.baselineProportion, 0) + " zeros at that mean)\n" : "\n"
        out += "Tests: \(c.alternative.rawValue), alpha = \(c.significanceLevel), power = \(c.power); "
        out += "triggers: cohort " + pct(Double(c.terms.cohortThreshold)) + ", pooled " + pct(Double(c.terms.pooledThreshold))
        out += c.terms.requireSignificance ? " (and significant)" : ""
        out += "; settlement " + c.terms.settlement.rawValue + "\n"
        let priced = c.terms.pricePerEvent.pence > 0
        if priced {
            out += "Payment: " + c.terms.pricePerEvent.description + " per event avoided"
            out += c.terms.capPerCohort.map { "; cap per cohort " + $0.description } ?? ""
            out += c.terms.capTotal.map { "; total cap " + $0.description } ?? ""
            out += "\n"
        }
        out += "\n"

        out += "Detectable reductions (relative to the comparison group)\n"
        let h1 = ["theta", "cohorts", "treated", "compared", "SD(r)", "critical", "MDE count", "MDE binary",
                  "trigger", "P(trig|0)", "needed"]
        let w1 = [8, 8, 8, 9, 8, 9, 10, 11, 8, 10, 8]
        out += zip(h1, w1).map { pad($0, $1) }.joined() + "\n"
        for r in detectable {
            let cells = [theta(r.dispersion), "\(r.cohorts)", "\(r.treated)", "\(r.comparison)",
                         pct(r.reductionStandardDeviation), pct(r.criticalReduction), pct(r.countMinimumDetectable),
                         pct(r.binaryMinimumDetectable), pct(r.threshold), pct(r.triggerProbabilityWithoutEffect),
                         pct(r.reductionForLikelyTrigger)]
            out += zip(cells, w1).map { pad($0, $1) }.joined() + "\n"
        }
        out += "  SD(r): SD of the estimated reduction with no effect; critical: the observed reduction that is\n"
        out += "  just significant; MDE: true reduction detected with the stated power; P(trig|0): chance of\n"
        out += "  meeting the trigger with no effect; needed: true reduction that meets it with that power.\n\n"

        out += "Payout by true effect (theta = \(theta(dispersion)), \(c.replicates) simulated contracts per row; "
        out += "Monte Carlo SE in brackets)\n"
        var h2 = ["cohorts", "effect", "P(cohort 1)", "approx", "P(pooled)", "approx", "P(any pay)",
                  "paid events", "true events"]
        var w2 = [8, 8, 17, 8, 17, 8, 17, 18, 12]
        if priced { h2.append("expected payment"); w2.append(24) }
        out += zip(h2, w2).map { pad($0, $1) }.joined() + "\n"
        for row in payout {
            let o = row.outcome
            func est(_ e: MonteCarloEstimate) -> String { pct(e.value) + " (" + pct(e.standardError) + ")" }
            var cells = ["\(row.cohorts)", pct(o.effect), est(o.cohortTrigger[0]), pct(o.approximateCohortTrigger[0]),
                         est(o.pooledTrigger), pct(o.approximatePooledTrigger), est(o.anyPayment),
                         String(format: "%.0f (%.0f)", o.paidEventsAvoided.value, o.paidEventsAvoided.standardError),
                         String(format: "%.0f", o.trueEventsAvoided)]
            if priced {
                cells.append(money(o.expectedPayment.value, c.terms.pricePerEvent.currency)
                             + " (" + money(o.expectedPayment.standardError, c.terms.pricePerEvent.currency) + ")")
            }
            out += zip(cells, w2).map { pad($0, $1) }.joined() + "\n"
        }
        out += "  P(cohort 1): cohort 1 meets the cohort trigger; P(pooled): the pooled trigger is met;\n"
        out += "  P(any pay): either; paid events: mean events avoided that are paid for; approx: lognormal\n"
        out += "  approximation."
        out += priced
            ? " Expected payment: mean total due per simulated contract (the events paid for times the\n"
              + "  price, after the caps), to the nearest pound.\n"
            : "\n  No price was given: --price-per-event (pounds per event avoided) adds the expected payment.\n"
        return out
    }
}
