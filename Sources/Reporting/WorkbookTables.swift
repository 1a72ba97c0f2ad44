import Balance
import CohortData
import Contracts
import Foundation
import PaymentRules
import RateCards
import Spreadsheets

/// The tables of `workbook.xlsx` (`--xlsx`): the same figures as decisions.csv, the balance table
/// and ledger.csv, as typed cells (money from integer pence, counts as integers, fractions as
/// percentages). `Scripts/check-xlsx` reads the workbook back and compares it with the CSV files.
public enum WorkbookTables {
    /// The balance table (MatchIt's `summary()`: means, SMD, variance ratio, eCDF mean and max,
    /// before and after matching), one row per covariate term; with `cohort`, a first column
    /// naming the cohort. Statistics that do not apply (variance ratio and eCDF of a binary term)
    /// are empty cells.
    public static func balance(_ summaries: [(cohort: String?, balance: BalanceSummary)]) -> SpreadsheetTable {
        let withCohort = summaries.contains { $0.cohort != nil }
        var columns: [SpreadsheetTable.Column] = withCohort ? [.init("cohort", .text)] : []
        columns.append(.init("covariate", .text))
        for stage in ["before", "after"] {
            columns += [
                .init("mean_treated_\(stage)", .decimal(4)), .init("mean_control_\(stage)", .decimal(4)),
                .init("smd_\(stage)", .decimal(4)), .init("variance_ratio_\(stage)", .decimal(4)),
                .init("ecdf_mean_\(stage)", .decimal(4)), .init("ecdf_max_\(stage)", .decimal(4)),
            ]
        }
        func number(_ x: Double?) -> Cell { x.map { $0.isFinite ? .number($0) : .empty } ?? .empty }
        var rows: [[Cell]] = []
        for (cohort, summary) in summaries {
            for (b, a) in zip(summary.all, summary.matched) {
                var row: [Cell] = withCohort ? [.text(cohort ?? "")] : []
                row.append(.text(b.name))
                for r in [b, a] {
                    row += [number(r.meanTreated), number(r.meanControl), number(r.standardizedMeanDifference),
                            number(r.varianceRatio), number(r.ecdfMean), number(r.ecdfMax)]
                }
                rows.append(row)
            }
        }
        return SpreadsheetTable(name: "balance", columns: columns, rows: rows)
    }

    /// The payment ledger, one row per claim in processing order: the columns of ledger.csv, with
    /// money as currency cells (pounds, from integer pence) and one column per payer.
    public static func ledger(_ ledger: RateCardLedger) -> SpreadsheetTable {
        let currency = ColumnKind.currency(code: Currency.gbp.code)   // rate cards are priced in pounds
        let columns: [SpreadsheetTable.Column] = [
            .init("sequence", .integer), .init("line", .integer), .init("person", .text), .init("outcome", .text),
            .init("outcome_name", .text), .init("date", .text), .init("period", .text), .init("decision", .text),
            .init("reason", .text), .init("price_gbp", currency), .init("paid_gbp", currency),
            .init("cap_in_force_gbp", currency), .init("paid_to_date_gbp", currency),
        ] + ledger.plan.payers.map { .init("\($0.name) (GBP)", currency) }
        let outcomes = ledger.plan.outcomes
        let rows = ledger.decisions.map { d -> [Cell] in
            [.integer(d.sequence), .integer(d.claim.line), .text(d.claim.person), .text(outcomes[d.claim.outcome].id),
             .text(outcomes[d.claim.outcome].name), .text(CalendarDate.format(d.claim.date)), .text(ledger.periods[d.period].label),
             .text(d.decision.code), d.decision == .paid ? .empty : .text(d.decision.reason),
             .pence(d.price.pence), .pence(d.paid.pence), d.capInForce.map { .pence($0.pence) } ?? .empty,
             .pence(d.paidToDate.pence)] + d.payerAmounts.map { .pence($0.pence) }
        }
        return SpreadsheetTable(name: "ledger", columns: columns, rows: rows)
    }
}

extension EvaluationReport {
    /// The payment decisions: the rows and columns of decisions.csv (per cohort, pooled, total),
    /// with the reduction and its confidence limits as percentages (two decimals), event counts as
    /// numbers (whole when whole), and money as currency cells from integer pence in columns
    /// named `..._gbp` in place of decisions.csv's `..._pence`.
    public func decisionsTable() -> SpreadsheetTable {
        let decision = evaluation.decision
        let currency = ColumnKind.currency(code: decision.totals.entitlement.currency.code)
        let columns: [SpreadsheetTable.Column] = [
            .init("cohort", .text), .init("treated", .integer), .init("events_treated", .decimal(4)),
            .init("events_comparison", .decimal(4)), .init("reduction", .percentage(2)), .init("ci_low", .percentage(2)),
            .init("ci_high", .percentage(2)), .init("p_value", .decimal(4)), .init("trigger_met", .text),
            .init("entitlement_gbp", currency), .init("paid_before_gbp", currency), .init("due_gbp", currency),
            .init("route", .text), .init("withheld_by_caps_gbp", currency),
        ]
        func number(_ x: Double?) -> Cell { x.map { $0.isFinite ? .number($0) : .empty } ?? .empty }
        func events(_ r: ExactRational) -> Cell {
            if let f = r.fraction, f.denominator == 1 { return .integer(f.numerator) }
            return .number(Double(r))
        }
        func pence(_ p: Int?) -> Cell { p.map { .pence($0) } ?? .empty }
        let rows: [[Cell]] = decisionRows().map { r in
            let trigger: Cell = r.triggerMet.map { .text($0) } ?? .empty
            let route: Cell = r.route.map { .text($0) } ?? .empty
            return [.text(r.name), .integer(r.treated), events(r.eventsTreated), events(r.eventsComparison), number(r.reduction),
                    number(r.ciLow), number(r.ciHigh), number(r.pValue), trigger,
                    pence(r.entitlementPence), pence(r.paidBeforePence), pence(r.duePence), route, pence(r.withheldByCapsPence)]
        }
        return SpreadsheetTable(name: "decisions", columns: columns, rows: rows)
    }

    /// The sheets of an evaluation's workbook: decisions, then the balance table of every cohort.
    public func workbookTables() -> [SpreadsheetTable] {
        [decisionsTable(), WorkbookTables.balance(evaluation.cohorts.map { (cohort: $0.cohort.name, balance: $0.balance) })]
    }
}
