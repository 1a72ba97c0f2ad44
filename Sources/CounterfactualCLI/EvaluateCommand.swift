import ArgumentParser
import Contracts
import Foundation
import Reporting
import Spreadsheets
import TextFormatting

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

    @Flag(name: .customLong("xlsx"), help: "Also write workbook.xlsx: the decisions and every cohort's balance table as spreadsheets (money as currency cells from exact pence).")
    var writesWorkbook = false

    enum Stage: String, ExpressibleByArgument, CaseIterable {
        case matching
    }

    @Option(help: ArgumentHelp(
        "Run only this stage: 'matching' builds and writes every cohort's matched sets, balance and a manifest without opening the events file (outcome-blind matching).",
        valueName: "stage"))
    var stage: Stage?

    @Option(help: ArgumentHelp(
        "Score outcomes on the frozen matched sets of this folder (written by --stage matching); refused when the cohort file or the plan's [data], [matching] or [[cohort]] sections changed since.",
        valueName: "DIR"))
    var matched: String?

    func validate() throws {
        if stage != nil && matched != nil {
            throw ValidationError("--stage matching and --matched are the two halves of an evaluation; give one of them.")
        }
    }

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        try runReportingErrors {
            let contract = try ContractPlan.load(path: plan)
            let progress = ProgressReporter(label: "evaluate", total: 0)
            var inputs = [plan, contract.resolve(contract.data.cohort)]
            if stage == nil { inputs.append(contract.resolve(contract.data.events)) }
            if let matched { inputs.append(URL(fileURLWithPath: matched).appendingPathComponent("matching.json").path) }
            let output = try OutputFolder(path: out, inputs: inputs)
            let folder = output.staging
            if stage == .matching {
                let matchedCohorts = try Evaluator.matchCohorts(contract) { step in progress.note(step) }
                progress.finish()
                try writeMatchingStage(matchedCohorts, contract: contract, output: output, started: started)
                return
            }
            let matchedCohorts: MatchedCohorts
            var extraInputs: [(role: String, path: String)] = []
            if let matched {
                let stageFolder = URL(fileURLWithPath: matched, isDirectory: true)
                try checkFrozenFiles(stageFolder)
                let document = try MatchingStageDocument.read(folder: stageFolder)
                try document.check(plan: contract, folder: stageFolder)
                matchedCohorts = try Evaluator.restore(contract, frozen: document.cohorts) { step in progress.note(step) }
                extraInputs.append((role: "matched", path: stageFolder.appendingPathComponent("matching.json").path))
            } else {
                matchedCohorts = try Evaluator.matchCohorts(contract) { step in progress.note(step) }
            }
            let evaluation = try Evaluator.score(matchedCohorts) { step in progress.note(step) }
            progress.finish()
            let report = try EvaluationReport(evaluation: evaluation, programVersion: counterfactualVersion, planPath: plan,
                                              matchedStage: extraInputs.first?.path)
            try write(report.json().serialized(), to: folder.appendingPathComponent("evaluation.json"))
            try write(report.decisionsCSV(), to: folder.appendingPathComponent("decisions.csv"))
            if writesWorkbook { try Workbook.write(report.workbookTables(), to: output.url("workbook.xlsx").path) }
            if writesReport { try writeReport(folder: folder) }
            try writeManifest(
                folder: folder, inputs: report.inputs.map { (role: $0.role, path: $0.path) },
                outputs: [(role: "evaluation", file: "evaluation.json"), (role: "decisions", file: "decisions.csv"),
                          (role: "workbook", file: "workbook.xlsx")],
                seeds: [("matching_order", String(contract.matching.seed)), ("bootstrap", String(contract.reporting.seed))],
                timings: [("total", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)], plan: contract.source)
            try output.commit()
            if !quiet {
                let written = ((try? FileManager.default.contentsOfDirectory(atPath: output.destination.path)) ?? []).sorted()
                print(report.text() + "\nWrote " + written.map { output.destination.appendingPathComponent($0).path }.joined(separator: ", "))
            }
        }
    }

    /// Writes the matching stage: matching.json (the frozen sets), matched-sets.csv and manifest.json.
    func writeMatchingStage(_ matched: MatchedCohorts, contract: ContractPlan, output: OutputFolder, started: UInt64) throws {
        let folder = output.staging
        let document = try MatchingStageDocument(matched: matched, programVersion: counterfactualVersion, planFile: plan)
        try write(try document.serialized(), to: folder.appendingPathComponent("matching.json"))
        try write(document.matchedSetsCSV { matched.ids[$0] }, to: folder.appendingPathComponent("matched-sets.csv"))
        if writesWorkbook {
            let balance = WorkbookTables.balance(matched.cohorts.map { (cohort: $0.name, balance: $0.group.balance) })
            try Workbook.write([balance], to: output.url("workbook.xlsx").path)
        }
        try writeManifest(
            folder: folder, inputs: [(role: "plan", path: plan), (role: "cohort", path: document.cohortFile)],
            outputs: [(role: "matching", file: "matching.json"), (role: "matched_sets", file: "matched-sets.csv"),
                      (role: "workbook", file: "workbook.xlsx")],
            seeds: [("matching_order", String(contract.matching.seed))],
            timings: [("total", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)], plan: contract.source)
        try output.commit()
        if !quiet {
            let folder = output.destination
            var text = "counterfactual evaluate --stage matching: \(contract.name)\n"
            text += "Matched without opening the events file; score later with --matched \(folder.path).\n"
            let rows = matched.cohorts.map { c -> [String] in
                let counts = c.group.result.matchedCounts
                let maxSMD = c.group.balance.matched.dropFirst().compactMap { $0.standardizedMeanDifference.map(abs) }.max() ?? 0
                return [c.name, String(c.treatedInCohort), String(c.comparisonPool), "\(counts.treated)/\(counts.control)",
                        formatFixed(maxSMD, decimals: 3)]
            }
            text += "\n" + TextTable(header: ["Cohort", "Treated", "Comparison pool", "Matched T/C", "Max |SMD| after"], rows: rows).render()
            text += "\nWrote \(folder.appendingPathComponent("matching.json").path), \(folder.appendingPathComponent("matched-sets.csv").path) and \(folder.appendingPathComponent("manifest.json").path)"
            print(text)
        }
    }

    /// The frozen stage's files must be the ones its manifest describes (an edited matching.json
    /// would otherwise be scored as if it had been matched).
    func checkFrozenFiles(_ folder: URL) throws {
        let manifest = try Manifest.read(path: folder.appendingPathComponent("manifest.json").path)
        guard manifest.outputs.contains(where: { $0.path == "matching.json" }) else {
            throw MatchingStageError(message: "\(folder.path)/manifest.json does not describe a matching stage (no matching.json among its outputs).")
        }
        for output in manifest.outputs {
            let path = folder.appendingPathComponent(output.path).path
            let hash = (try? sha256(ofFile: path)) ?? "missing"
            if hash != output.sha256 {
                throw MatchingStageError(message: "\(path) has changed since the matching stage wrote it (sha256 \(output.sha256) recorded, \(hash) now); re-run the matching stage.")
            }
        }
    }
}
