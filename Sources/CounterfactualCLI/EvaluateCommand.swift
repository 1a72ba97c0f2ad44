import ArgumentParser
import Contracts
import Foundation
import Reporting

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate an outcomes contract from a plan: match each cohort, compare outcomes, decide payments.",
        discussion: """
        The plan (TOML) names the cohort file (one row per person: id, treatment, release date, \
        covariates) and the events file (one row per proven offence: id, offence date, conviction \
        date, optional disposal), the matching specification, the outcome measure and its windows, \
        the cohorts (release-date ranges) and the payment terms. Defaults follow the Peterborough \
        design: reconviction events within 12 months of release convicted within a further 6 \
        months; a 10% reduction per cohort or 7.5% pooled; payment per event avoided under caps. \
        The plan must say how the pooled trigger settles ([contract] settlement = "per_cohort" or \
        "pooled"). Decisions are exact (rational arithmetic, integer pence).

        Writes DIR/evaluation.json (every number, the plan, SHA-256 of each input, program \
        version, seeds) and prints a summary. See Datasets/peterborough/plan.toml for every key.

        Example:
          counterfactual evaluate Datasets/peterborough/plan.toml --out out/peterborough
        """
    )

    @Argument(help: "Plan file (TOML).")
    var plan: String

    @Option(help: "Output folder for evaluation.json.")
    var out: String

    @Flag(help: "Do not print the summary.")
    var quiet = false

    @Flag(name: .customLong("report"), help: "Also write report.html and report.md (as `counterfactual report DIR`).")
    var writesReport = false

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let contract = try ContractPlan.load(path: plan)
            let progress = ProgressReporter(label: "evaluate", total: 0)
            let evaluation = try Evaluator.run(contract) { step in progress.note(step) }
            progress.finish()
            let report = try EvaluationReport(evaluation: evaluation, programVersion: counterfactualVersion, planPath: plan)
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            try write(report.json().serialized(), to: folder.appendingPathComponent("evaluation.json"))
            try writeManifest(
                folder: folder, inputs: report.inputs.map { (role: $0.role, path: $0.path) },
                outputs: [(role: "evaluation", file: "evaluation.json")],
                seeds: [("matching_order", String(contract.matching.seed)), ("bootstrap", String(contract.reporting.seed))],
                timings: [("total", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)], plan: contract.source)
            if writesReport { try writeReport(folder: folder) }
            if !quiet {
                print(report.text() + "\nWrote \(folder.appendingPathComponent("evaluation.json").path)")
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }
}
