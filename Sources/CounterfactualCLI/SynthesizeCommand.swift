import ArgumentParser
import Foundation
import Synthesis
import OutputFiles

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

    /// Largest cohort `synthesize` writes (about 10 GB of CSV).
    static let maximumRows = 100_000_000

    @Option(help: "Number of people, 0 to 100000000.")
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

    @Option(help: "Worker threads, 1 to 256 (default: all cores); the output does not depend on it.")
    var threads: Int?

    func validate() throws {
        if !(0...Self.maximumRows).contains(rows) { throw ValidationError("--rows must be a whole number from 0 to \(Self.maximumRows) (got \(rows)).") }
        if !(treatedShare > 0 && treatedShare < 1) { throw ValidationError("--treated-share must be strictly between 0 and 1.") }
        if !(effect >= 0 && effect < 1) { throw ValidationError("--effect must be in [0, 1).") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be from 1 to 256.") }
        if let events, URL(fileURLWithPath: events).standardizedFileURL.resolvingSymlinksInPath()
            == URL(fileURLWithPath: out).standardizedFileURL.resolvingSymlinksInPath() {
            throw ValidationError("--out and --events name the same file; give the events their own file.")
        }
    }

    func run() throws {
        try runReportingErrors {
            let cohort = try StagedFile(path: out, option: "--out")
            let eventsFile = try events.map { try StagedFile(path: $0, option: "--events") }
            let model = OffenderCohortModel(rows: rows, treatedShare: treatedShare, effect: effect, seed: seed)
            let progress = ProgressReporter(label: "synthesize", total: rows)
            let treated: Int
            do {
                treated = try model.write(cohortTo: cohort.staging, eventsTo: eventsFile?.staging, threads: threads,
                                          progress: { progress.update($0) })
            } catch var e as OutputWriteError {
                e.path = e.path == cohort.staging ? cohort.destination : (eventsFile?.destination ?? e.path)
                throw e
            }
            progress.finish()
            try cohort.commit()
            try eventsFile?.commit()
            print("Wrote \(rows) people (\(treated) treated) to \(out)\(events.map { " and their offences to \($0)" } ?? "")")
        }
    }
}
