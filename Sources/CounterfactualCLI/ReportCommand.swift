import ArgumentParser
import Foundation
import Reporting

/// Writes report.html and report.md into an output folder.
func writeReport(folder: URL) throws {
    let report = try FolderReport(folder: folder)
    try write(report.html, to: folder.appendingPathComponent("report.html"))
    try write(report.markdown, to: folder.appendingPathComponent("report.md"))
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write report.html and report.md for an output folder of evaluate, match or ratecard.",
        discussion: """
        The report is rendered from the folder's evaluation.json (or summary.json; or ledger.json \
        and ledger.csv for a rate card: the ledger by outcome, person, period, payer and cap), so \
        it shows exactly the recorded numbers: plan and data (records read, excluded and why), the \
        propensity model, common-support histograms before and after matching, the balance table \
        and a Love plot, the outcome table per cohort and pooled with payments, inference by every \
        method, Kaplan-Meier curves and the log-rank test, Justice Data Lab style statements and \
        caveats. report.html is self-contained (inline CSS and SVG, no network fetches).
        """
    )

    @Argument(help: "Output folder of `counterfactual evaluate`, `counterfactual match` or `counterfactual ratecard`.")
    var folder: String

    func run() throws {
        try runReportingErrors {
            let url = URL(fileURLWithPath: folder, isDirectory: true).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("manifest.json").path) else {
                throw MissingInput(path: url.path, what: "has no manifest.json: it is not an output folder of evaluate, match or ratecard")
            }
            let manifest = try Manifest.read(path: url.appendingPathComponent("manifest.json").path)
            // The folder is rewritten atomically: its files, the report, and a manifest that lists the
            // report too (so verify covers it), with the recorded command unchanged.
            let output = try OutputFolder(path: url.path, inputs: [])
            for record in manifest.outputs where !Manifest.reportFiles.contains(record.path) {
                try FileManager.default.copyItem(at: url.appendingPathComponent(record.path), to: output.url(record.path))
            }
            try writeReport(folder: output.staging)
            // Inputs keep their recorded hashes (re-hashing would hide a changed input from verify).
            var updated = manifest
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: output.staging.path)) ?? []).sorted()
            updated.outputs = try manifest.outputs.filter { !Manifest.reportFiles.contains($0.path) }
                + names.filter { Manifest.reportFiles.contains($0) }.map {
                    Manifest.FileRecord(role: "report", path: $0, sha256: try sha256(ofFile: output.url($0).path))
                }
            try write(updated.json().serialized(), to: output.url("manifest.json"))
            try output.commit()
            print("Wrote \(url.appendingPathComponent("report.html").path) and \(url.appendingPathComponent("report.md").path)")
        }
    }
}
