import ArgumentParser
import CohortData
import Foundation
import PaymentRules
import RateCards
import Reporting
import Spreadsheets

struct RateCard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratecard",
        abstract: "Apply a rate card to per-person outcome events: decide every claim and write the payment ledger.",
        discussion: """
        The plan (TOML) lists the rate card's outcomes (id, name, price in pounds, optional \
        prerequisite `requires`, sustainment `sustains` with `months`, `weeks` or `days`, \
        `max_per_person`, `target`), the caps on total payments and the dates they take effect, \
        the payers and their shares, the ledger period (quarter or month) and the outcome-events \
        CSV (one row per person, outcome and date). Claims are decided in date order (ties: \
        person id, then plan order): not eligible (prerequisite missing or sustainment too early), \
        beyond the per-person limit, beyond the cap (delivered unpaid), or paid. Money is exact \
        (integer pence); each payment is split between payers by share with the leftover pence \
        going to the first payer.

        Writes DIR/ledger.json (plan, inputs, totals by outcome, period, payer and cap, \
        ineligibility reasons, achievement against targets), DIR/ledger.csv (one row per claim \
        with its decision) and DIR/manifest.json, and prints a summary. See \
        Datasets/rate-card-example/plan.toml for every key.

        Example:
          counterfactual ratecard Datasets/rate-card-example/plan.toml \\
            --out out/rate-card
        """
    )

    @Argument(help: "Rate-card plan (TOML).")
    var plan: String

    @Option(help: "Outcome-events file: CSV, .csv.gz, .dta, .sav, .sas7bdat or .xpt (default: the plan's [events] file, relative to the plan).")
    var events: String?

    @Option(help: "Output folder for ledger.json and ledger.csv.")
    var out: String

    @Flag(help: "Do not print the summary.")
    var quiet = false

    @Flag(name: .customLong("report"), help: "Also write report.html and report.md: the ledger by outcome, person, period, payer and cap (as `counterfactual report DIR`).")
    var writesReport = false

    @Flag(name: .customLong("xlsx"), help: "Also write workbook.xlsx: the ledger as a spreadsheet (money as currency cells from exact pence).")
    var writesWorkbook = false

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        try runReportingErrors {
            let card = try RateCardPlan.load(path: plan)
            guard let eventsPath = events ?? card.events.file.map(card.resolve) else {
                throw RateCardError.noEventsFile(plan: plan)
            }
            let output = try OutputFolder(path: out, inputs: [plan, eventsPath])
            let claims = try card.loadClaims(path: eventsPath)
            try RateCardLedger.checkAmounts(plan: card, claims: claims, file: eventsPath)
            let ledger = RateCardLedger(plan: card, claims: claims)
            let folder = output.staging
            let document = LedgerDocument(ledger, programVersion: counterfactualVersion, planPath: plan,
                                          eventsPath: eventsPath, rows: claims.count)
            try write(JSONValue.serialize(document), to: folder.appendingPathComponent("ledger.json"))
            try write(ledger.csv(), to: folder.appendingPathComponent("ledger.csv"))
            if writesWorkbook { try Workbook.write([WorkbookTables.ledger(ledger)], to: output.url("workbook.xlsx").path) }
            if writesReport { try writeReport(folder: folder) }
            try writeManifest(
                folder: folder, inputs: [(role: "plan", path: plan), (role: "events", path: eventsPath)],
                outputs: [(role: "ledger", file: "ledger.json"), (role: "claims", file: "ledger.csv"),
                          (role: "workbook", file: "workbook.xlsx")],
                seeds: [], timings: [("total", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)],
                plan: try? String(contentsOfFile: plan, encoding: .utf8))
            try output.commit()
            if !quiet {
                let folder = output.destination
                print(ledger.summary(eventsFile: eventsPath))
                print("Wrote \(folder.appendingPathComponent("ledger.json").path), \(folder.appendingPathComponent("ledger.csv").path) and \(folder.appendingPathComponent("manifest.json").path)")
            }
        }
    }
}
