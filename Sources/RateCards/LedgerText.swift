import CohortData
import Foundation
import TextFormatting

extension RateCardLedger {
    /// The ledger as CSV, one row per claim in processing order:
    /// `sequence, line, person, outcome, outcome_name, date, period, decision, reason, price_gbp,
    /// paid_gbp, cap_in_force_gbp, paid_to_date_gbp`, then one column per payer headed
    /// "<payer name> (GBP)" with its part of the payment. Amounts are pounds with two decimals,
    /// written from integer pence (exact); `cap_in_force_gbp` is empty when no cap applies.
    public func csv() -> String {
        var out = ""
        out.reserveCapacity(128 * (decisions.count + 1))
        let header = ["sequence", "line", "person", "outcome", "outcome_name", "date", "period", "decision", "reason",
                      "price_gbp", "paid_gbp", "cap_in_force_gbp", "paid_to_date_gbp"]
            + plan.payers.map { "\($0.name) (GBP)" }
        out += header.map(csvField).joined(separator: ",") + "\n"
        // Per-outcome and per-period text is formatted once.
        let ids = plan.outcomes.map { csvField($0.id) }, names = plan.outcomes.map { csvField($0.name) }
        let labels = periods.map { csvField($0.label) }
        var reasons: [Decision: String] = [:]
        for d in decisions {
            out += String(d.sequence); out += ","
            out += String(d.claim.line); out += ","
            out += csvField(d.claim.person); out += ","
            out += ids[d.claim.outcome]; out += ","
            out += names[d.claim.outcome]; out += ","
            out += CalendarDate.format(d.claim.date); out += ","
            out += labels[d.period]; out += ","
            out += d.decision.code; out += ","
            if d.decision != .paid {
                if let r = reasons[d.decision] { out += r } else {
                    let r = csvField(d.decision.reason)
                    reasons[d.decision] = r
                    out += r
                }
            }
            out += ","
            out += d.price.decimalText; out += ","
            out += d.paid.decimalText; out += ","
            out += d.capInForce?.decimalText ?? ""; out += ","
            out += d.paidToDate.decimalText
            for a in d.payerAmounts { out += ","; out += a.decimalText }
            out += "\n"
        }
        return out
    }

    /// A readable summary: decisions, the ledger by outcome (with achievement against target),
    /// by period, by cap and by payer. `eventsFile` is named in the heading when given.
    public func summary(eventsFile: String? = nil) -> String {
        var text = "Rate card: \(plan.name)\n"
        text += "Claims: \(totals.claims) from \(people) \(people == 1 ? "person" : "people")"
        text += eventsFile.map { " (\($0))" } ?? ""
        text += "\n"
        let reasons = notEligibleReasons.filter { $0.count > 0 }.map { "\($0.count) \($0.code.replacingUnderscores())" }
        text += "Decisions: \(totals.paid) paid (\(totals.paidAmount)); "
        text += "\(totals.beyondPersonLimit) beyond the per-person limit; "
        text += "\(totals.beyondCap) delivered unpaid beyond the cap (\(totals.unpaidBeyondCap) at price); "
        text += "\(totals.notEligible) not eligible\(reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")")\n\n"

        text += "(Over limit: beyond the per-person limit, unpaid. Over cap: delivered unpaid because of the cap.\n"
        text += " Achieved: outcomes delivered, paid or over cap, as a percentage of the target, rounded.)\n"
        var rows = [["Outcome", "Price", "Claims", "Paid", "Over limit", "Over cap", "Not eligible", "Amount paid", "Delivered", "Target", "Achieved"]]
        for line in outcomes {
            let c = line.counts
            rows.append([line.outcome.name, line.outcome.price.description, String(c.claims), String(c.paid),
                         String(c.beyondPersonLimit), String(c.beyondCap), String(c.notEligible), c.paidAmount.description,
                         String(c.delivered), line.outcome.target.map(String.init) ?? "-",
                         line.achievement.map { "\($0.roundedPercentage)%" } ?? "-"])
        }
        let t = totals
        rows.append(["Total", "", String(t.claims), String(t.paid), String(t.beyondPersonLimit), String(t.beyondCap),
                     String(t.notEligible), t.paidAmount.description, String(t.delivered), "", ""])
        text += TextTable.plain(rows) + "\n"

        rows = [["Period", "Claims", "Paid", "Over cap", "Amount paid"] + plan.payers.map(\.name) + ["Paid to date"]]
        for p in periods {
            rows.append([p.label, String(p.counts.claims), String(p.counts.paid), String(p.counts.beyondCap),
                         p.counts.paidAmount.description] + p.payerAmounts.map(\.description) + [p.paidToDate.description])
        }
        text += TextTable.plain(rows) + "\n"

        if !plan.caps.isEmpty {
            rows = [["Cap in force", "Cap", "Claims", "Paid", "Over cap", "Unpaid at price", "Paid to date"]]
            for w in caps {
                let span = (w.cap.map { CalendarDate.format($0.from) } ?? "before caps") + " to " + (w.until.map(CalendarDate.format) ?? "end")
                rows.append([span, w.cap?.amount.description ?? "none", String(w.counts.claims), String(w.counts.paid),
                             String(w.counts.beyondCap), w.counts.unpaidBeyondCap.description, w.paidToDate.description])
            }
            text += TextTable.plain(rows) + "\n"
        }

        rows = [["Payer", "Share", "Amount paid"]]
        for p in payers { rows.append([p.payer.name, p.payer.share.description, p.amount.description]) }
        rows.append(["Total", "1", totals.paidAmount.description])
        text += TextTable.plain(rows)
        return text
    }
}

private extension String {
    func replacingUnderscores() -> String { replacingOccurrences(of: "_", with: " ") }
}
