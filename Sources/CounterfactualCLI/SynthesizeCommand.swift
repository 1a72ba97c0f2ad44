import ArgumentParser
import Foundation
import Synthesis

struct Synthesize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a synthetic offender cohort with a known propensity model and treatment effect.",
        discussion: """
        Writes a cohort CSV (id, treat, 12 covariates, release_date, true_propensity, \
        reconvictions) and optionally an events CSV (one line per proven offence: id, \
        offence_date, conviction_date, disposal, seriousness). The model is documented in \
        Sources/Synthesis/OffenderCohort.swift. Output is streamed in chunks, so memory stays \
        small at any size, and the same seed gives the same bytes whatever the thread count.

        Example:
          counterfactual synthesize --rows 1000000 --treated-share 0.1 --seed 1 \\
            --out cohort.csv --events events.csv
        """
    )

    @Option(help: "Number of people.")
    var rows: Int

    @Option(help: "Share treated (mean true propensity), between 0 and 1.")
    var treatedShare: Double = 0.1

    @Option(help: "True relative reduction in reconviction events caused by treatment (0.1 = 10%).")
    var effect: Double = 0.1

    @Option(help: "Seed.")
    var seed: UInt64 = 1

    @Option(help: "Cohort CSV to write.")
    var out: String

    @Option(help: "Events CSV to write (optional).")
    var events: String?

    @Option(help: "Worker threads (default: all cores); the output does not depend on it.")
    var threads: Int?

    func validate() throws {
        if rows < 0 { throw ValidationError("--rows must be non-negative.") }
        if !(treatedShare > 0 && treatedShare < 1) { throw ValidationError("--treated-share must be strictly between 0 and 1.") }
        if !(effect >= 0 && effect < 1) { throw ValidationError("--effect must be in [0, 1).") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1.") }
    }

    func run() throws {
        let model = OffenderCohortModel(rows: rows, treatedShare: treatedShare, effect: effect, seed: seed)
        let progress = ProgressReporter(label: "synthesize", total: rows)
        do {
            let treated = try model.write(cohortTo: out, eventsTo: events, threads: threads,
                                          progress: { progress.update($0) })
            progress.finish()
            print("Wrote \(rows) people (\(treated) treated) to \(out)\(events.map { " and their offences to \($0)" } ?? "")")
        } catch let e as SynthesisError {
            FileHandle.standardError.write(Data("counterfactual: error: \(e.description)\n".utf8))
            throw ExitCode(ExitStatus.cannotWrite)
        }
    }
}
