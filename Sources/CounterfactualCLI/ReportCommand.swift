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
        abstract: "Write report.html and report.md for an output folder of evaluate or match.",
        discussion: """
        The report is rendered from the folder's evaluation.json (or summary.json), so it shows \
        exactly the recorded numbers: plan and data (records read, excluded and why), the \
        propensity model, common-support histograms before and after matching, the balance table \
        and a Love plot, the outcome table per cohort and pooled with payments, inference by every \
        method, Kaplan-Meier curves and the log-rank test, Justice Data Lab style statements and \
        caveats. report.html is self-contained (inline CSS and SVG, no network fetches).
        """
    )

    @Argument(help: "Output folder of `counterfactual evaluate` or `counterfactual match`.")
    var folder: String

    func run() throws {
        try runReportingErrors {
            let url = URL(fileURLWithPath: folder, isDirectory: true)
            try writeReport(folder: url)
            print("Wrote \(url.appendingPathComponent("report.html").path) and \(url.appendingPathComponent("report.md").path)")
        }
    }
}
