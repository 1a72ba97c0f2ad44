import ArgumentParser
import CohortData
import Design
import Foundation
import PaymentRules
import TextFormatting

struct DesignContract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "design",
        abstract: "Threshold and power design: detectable reductions and the chance a contract pays.",
        discussion: """
        For a cohort size, a baseline event rate and its dispersion (or a pilot data file), prints \
        the minimum detectable relative reduction at the given power and significance for one \
        cohort and for pooled cohorts, the reduction that is just significant, and, by seeded \
        Monte Carlo simulation of whole cohorts (negative binomial counts, parallel over \
        replicates, identical whatever the thread count), the probability that the contract's \
        cohort trigger, pooled trigger and any payment occur under each true effect.

        Defaults are the Peterborough design: cohorts of 1,000, 1.55 reconviction events per \
        person, 60% reconvicted, triggers of 10% per cohort and 7.5% pooled, per-cohort settlement. \
        Each simulated contract is decided by the same rule as `evaluate` (exact arithmetic).

        With --price-per-event (and optional caps) the payout table adds the expected payment of \
        each simulated contract. With --pilot, the baseline rate, the dispersion and the share with \
        an event come from the pilot's counts (an option given explicitly wins).

        Examples:
          counterfactual design --cohort-size 1000 --baseline-rate 1.55 \\
            --price-per-event 2000
          counterfactual design --pilot Datasets/peterborough/cohort.csv \\
            --pilot-column reconvictions
        """
    )

    @Option(help: "Treated people per cohort.")
    var cohortSize: Int = 1000

    @Option(help: "Comparison people per treated person (1 = 1:1 matching).")
    var comparisonPerTreated: Int = 1

    @Option(help: "Baseline events per person in the comparison group. Default 1.55, or the pilot's mean.")
    var baselineRate: Double?

    @Option(help: "Baseline proportion with an event (binary measure; also sets the default dispersion). Default 0.60, or the pilot's own share.")
    var baselineProportion: Double?

    @Option(help: "Negative binomial dispersion (size theta); default: the value that reconciles the baseline rate with the baseline proportion.")
    var dispersion: Double?

    @Option(help: "Pilot CSV: estimate the baseline rate and dispersion from a column of counts.")
    var pilot: String?

    @Option(help: "Column of counts in the pilot file.")
    var pilotColumn: String = "reconvictions"

    @Option(help: "Significance level.")
    var significance: Double = 0.05

    @Option(help: "Power for the minimum detectable reduction.")
    var power: Double = 0.80

    @Option(help: "Cohort trigger (relative reduction).")
    var cohortThreshold: Double = 0.10

    @Option(help: "Pooled trigger (relative reduction).")
    var pooledThreshold: Double = 0.075

    @Flag(help: "Triggers also require statistical significance.")
    var requireSignificance = false

    @Option(help: "How the pooled trigger settles: per_cohort (each cohort that missed its own trigger is paid its own events avoided; Peterborough) or pooled (events avoided summed over all cohorts, negative ones included).")
    var settlement: String = PaymentTerms.Settlement.perCohort.rawValue

    @Option(help: "Price per event avoided, in pounds with at most two decimals (0 to 1000000000); adds the expected payment.")
    var pricePerEvent: String?

    @Option(help: "Cap on each cohort's payment, in pounds (0 to 1000000000000).")
    var capPerCohort: String?

    @Option(help: "Cap on the total payment, in pounds (0 to 1000000000000).")
    var capTotal: String?

    @Option(help: "Monte Carlo replicates per effect.")
    var replicates: Int = 2000

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 20_100_909

    func validate() throws {
        if !(2...1_000_000).contains(cohortSize) { throw ValidationError("--cohort-size must be a whole number from 2 to 1000000 (got \(cohortSize)).") }
        if !(1...100).contains(comparisonPerTreated) { throw ValidationError("--comparison-per-treated must be a whole number from 1 to 100 (got \(comparisonPerTreated)).") }
        if let baselineRate, !(baselineRate > 0 && baselineRate <= 10_000) {
            throw ValidationError("--baseline-rate must be a number of events per person above 0 and at most 10000 (got \(baselineRate)).")
        }
        if let baselineProportion, !(baselineProportion > 0 && baselineProportion < 1) {
            throw ValidationError("--baseline-proportion must lie in (0, 1).")
        }
        _ = try amount("--price-per-event", pricePerEvent, max: 1_000_000_000)
        _ = try amount("--cap-per-cohort", capPerCohort, max: 1_000_000_000_000)
        _ = try amount("--cap-total", capTotal, max: 1_000_000_000_000)
        if let dispersion, !(dispersion > 0) { throw ValidationError("--dispersion must be positive.") }
        if !(significance > 0 && significance < 1) { throw ValidationError("--significance must lie in (0, 1).") }
        if !(power > 0 && power < 1) { throw ValidationError("--power must lie in (0, 1).") }
        if !(1...100_000).contains(replicates) { throw ValidationError("--replicates must be a whole number from 1 to 100000 (got \(replicates)).") }
        if PaymentTerms.Settlement(rawValue: settlement) == nil {
            throw ValidationError("--settlement must be per_cohort or pooled.")
        }
        for (flag, value) in [("--cohort-threshold", cohortThreshold), ("--pooled-threshold", pooledThreshold)]
        where !(value > -1 && value < 1) {
            throw ValidationError("\(flag) is a relative reduction and must lie between -1 and 1.")
        }
    }

    /// An amount of pounds given on the command line: at most two decimals, from 0 to `max` pounds.
    func amount(_ flag: String, _ text: String?, max: Int) throws -> Money? {
        guard let text else { return nil }
        guard let money = Money(pounds: text), money.pence >= 0, money.pence / 100 <= max else {
            throw ValidationError("\(flag) must be an amount in pounds from 0 to \(max) with at most two decimal places (got '\(text)').")
        }
        return money
    }

    func run() throws {
        try runReportingErrors {
            var rate = baselineRate ?? 1.55
            var theta = dispersion
            var proportion = baselineProportion ?? 0.60
            var header = ""
            if let pilot {
                let table = try CSVReader.read(path: pilot, options: CSVReadOptions(columns: [pilotColumn]))
                let values = try table.numeric(pilotColumn)
                var counts: [Int] = []
                counts.reserveCapacity(values.count)
                for (r, v) in values.enumerated() {
                    // A count of events per person: a whole number from 0 to 10,000 (anything larger is
                    // not a reconviction count, and would overflow the sums of squares).
                    guard v.isFinite, v >= 0, v <= 10_000, v == v.rounded() else {
                        throw PilotCountError(file: pilot, line: table.line(ofRow: r), column: pilotColumn,
                                              value: v.isNaN ? "a missing value" : "'\(v)'")
                    }
                    counts.append(Int(v))
                }
                let estimate: CountPilotEstimate
                do { estimate = try CountPilotEstimate(counts: counts) } catch let e as DesignError {
                    throw PilotFileError(file: pilot, column: pilotColumn, reason: "\(e)")
                }
                rate = baselineRate ?? estimate.mean
                theta = dispersion ?? estimate.dispersion
                proportion = baselineProportion ?? (1 - estimate.zeroFraction)
                header = "Pilot \(pilot): \(grouped(estimate.count)) people, "
                    + String(format: "%.3f events per person (variance %.3f), %.1f%% with an event; ",
                             estimate.mean, estimate.variance, 100 * (1 - estimate.zeroFraction))
                    + String(format: "dispersion theta = %.3f (method of moments)", estimate.dispersion)
                    + (baselineRate != nil ? "; --baseline-rate \(baselineRate!) used instead" : "")
                    + (dispersion != nil ? "; --dispersion \(dispersion!) used instead" : "")
                    + (baselineProportion != nil ? "; --baseline-proportion \(baselineProportion!) used instead" : "")
                    + "\n\n"
            }
            guard proportion > 0, proportion < 1 else {
                throw ValidationError("the pilot's share with an event is \(proportion); it must lie strictly between 0 and 1 (give --baseline-proportion).")
            }
            let configuration = DesignTable.Configuration(
                cohortSize: cohortSize, comparisonPerTreated: comparisonPerTreated, baselineRate: rate,
                baselineProportion: proportion, dispersion: theta, significanceLevel: significance, power: power,
                terms: PaymentTerms(settlement: PaymentTerms.Settlement(rawValue: settlement)!,
                                    cohortThreshold: ExactRational(decimal: cohortThreshold)!,
                                    pooledThreshold: ExactRational(decimal: pooledThreshold)!,
                                    requireSignificance: requireSignificance, significanceLevel: significance,
                                    pricePerEvent: try amount("--price-per-event", pricePerEvent, max: 1_000_000_000) ?? .zero,
                                    capPerCohort: try amount("--cap-per-cohort", capPerCohort, max: 1_000_000_000_000),
                                    capTotal: try amount("--cap-total", capTotal, max: 1_000_000_000_000)),
                replicates: replicates, seed: seed)
            print(header + (try DesignTable(configuration)).formatted())
        }
    }
}

/// A pilot count that is not a whole number of events from 0 to 10,000 (exit 65).
struct PilotCountError: Error, CustomStringConvertible {
    var file: String
    var line: Int
    var column: String
    var value: String
    var description: String {
        "\(file), line \(line), column '\(column)': \(value) is not a count of events per person (a whole number from 0 to 10000)."
    }
}

/// A pilot file whose counts give no estimate (fewer than two people, or no events at all; exit 65).
struct PilotFileError: Error, CustomStringConvertible {
    var file: String
    var column: String
    var reason: String
    var description: String { "\(file), column '\(column)': \(reason); give a pilot with at least two people and some events." }
}
