import ArgumentParser
import Contracts
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented evaluation plan from a cohort file and an events file.",
        discussion: """
        Reads both files (CSV, .csv.gz, Stata .dta, SPSS .sav, SAS .sas7bdat or .xpt) and writes a \
        plan for `counterfactual evaluate` with every setting at its default and a comment saying \
        what it means: the columns and their types, the likely id, treatment, release-date, offence \
        and conviction-date columns, every other column as a covariate, and placeholder cohorts \
        (12-month windows of the treated people's release dates). Check the guesses, enter the \
        contract's cohorts and terms, then evaluate. An existing file is kept unless --force.

        Example:
          counterfactual init Datasets/peterborough/cohort.csv \\
            Datasets/peterborough/events.csv --out plan.toml
        """
    )

    @Argument(help: "Cohort file: one row per person.")
    var cohort: String

    @Argument(help: "Events file: one row per proven offence.")
    var events: String

    @Option(help: "Plan file to write (TOML).")
    var out: String

    @Option(help: "The evaluation's name, shown on reports.")
    var name = "Evaluation"

    @Flag(help: "Replace the plan file if it exists.")
    var force = false

    func run() throws {
        try runReportingErrors {
            func resolved(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path }
            if [cohort, events].map(resolved).contains(resolved(out)) {
                throw OutputRefused(path: out, reason: "is an input of this command; name a new file for the plan")
            }
            if !force, FileManager.default.fileExists(atPath: out) {
                throw OutputRefused(path: out, reason: "exists; give --force to replace it, or name a new file")
            }
            let file = try StagedFile(path: out, option: "--out")
            let draft = try PlanDraft(cohortFile: cohort, eventsFile: events, planPath: out)
            try write(draft.toml(name: name), to: URL(fileURLWithPath: file.staging))
            try file.commit()
            print("""
                Wrote \(out): id '\(draft.id)', treatment '\(draft.treatment)', release date '\(draft.releaseDate)', \
                \(draft.covariates.count) covariates, \(draft.cohorts.count) placeholder cohort\(draft.cohorts.count == 1 ? "" : "s"). \
                Check the guesses and enter the contract's cohorts and terms before evaluating.
                """)
        }
    }
}
