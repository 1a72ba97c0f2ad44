import CohortData
import Foundation
import PaymentRules
import TextFormatting

/// The report of a rate-card folder (`ratecard --report`, or `counterfactual report DIR`): the
/// ledger by outcome (with achievement against target), by person, by period, by payer and by
/// cap window, each with totals. Aggregates come from ledger.json; the by-person table is summed
/// from ledger.csv (one row per claim), money in exact integer pence.
extension ReportDocument {
    /// At most this many people are listed in the by-person table (those paid most first, then by
    /// id); the table's total row always covers everyone.
    static let peopleListed = 500

    mutating func ledger(_ d: LedgerDocument, claims: URL) throws {
        title = "Rate card ledger: \(d.plan.name)"
        markdown = "# \(title)\n"
        func money(_ pence: Int?) -> String { pence.map { Money(pence: $0).description } ?? "no cap" }
        func count(_ n: Int) -> String { groupedCount(Double(n)) }

        section("summary", "Summary")
        let t = d.totals
        paragraph("\(count(t.claims)) claims from \(count(d.inputs.eventRows)) event rows for \(count(d.inputs.people)) people: "
                  + "\(count(t.paid)) paid (\(money(t.paidPence))), \(count(t.beyondCap)) delivered but unpaid beyond the cap "
                  + "(\(money(t.unpaidBeyondCapPence)) at rate-card prices), \(count(t.beyondPersonLimit)) beyond the per-person limit, "
                  + "\(count(t.notEligible)) not eligible.")
        table(["Input", "File"], [["plan", d.inputs.plan], ["events", d.inputs.events], ["claims (one row per claim)", d.claimsFile]])
        if t.notEligible > 0 {
            table(["Not eligible because", "Claims"], d.notEligibleByReason.filter { $0.value > 0 }.map { [$0.name.replacingOccurrences(of: "_", with: " "), count($0.value)] })
        }

        section("outcomes", "By outcome")
        var rows = d.outcomes.map { o -> [String] in
            let c = o.counts
            let target = o.result.achievement.map { "\(count($0.achieved)) of \(count($0.target)) (\($0.percentRounded)%)\($0.met ? ", met" : "")" } ?? ""
            return [o.terms.name, money(o.terms.pricePence), count(c.claims), count(c.paid), count(c.beyondCap),
                    count(c.beyondPersonLimit), count(c.notEligible), money(c.paidPence), money(c.unpaidBeyondCapPence), target]
        }
        rows.append(["Total", "", count(t.claims), count(t.paid), count(t.beyondCap), count(t.beyondPersonLimit), count(t.notEligible),
                     money(t.paidPence), money(t.unpaidBeyondCapPence), ""])
        table(["Outcome", "Price", "Claims", "Paid", "Beyond cap", "Beyond person limit", "Not eligible", "Paid (£)",
               "Unpaid beyond cap (£)", "Achieved of target"], rows,
              caption: "Achieved = paid or delivered unpaid beyond the cap; percentages of target rounded half up")

        section("people", "By person")
        try people(claims: claims, totals: t)

        section("periods", "By period")
        let payers = d.payers.map(\.name)
        table(["Period", "From", "To", "Claims", "Paid"] + payers.map { "\($0) (£)" } + ["Paid to date (£)"],
              d.periods.map { p in
                  [p.span.period, p.span.start, p.span.end, count(p.counts.claims), count(p.counts.paid)]
                      + p.payments.byPayer.map { money($0.paidPence) } + [money(p.payments.paidToDatePence)]
              })

        section("payers", "By payer")
        table(["Payer", "Share", "Paid (£)"], d.payers.map { [$0.name, "\($0.share) (\(percent($0.shareValue, decimals: 1)))", money($0.paidPence)] }
              + [["Total", "", money(d.payers.reduce(0) { $0 + $1.paidPence })]],
              caption: "Each payment is split by share; each payer gets whole pence rounded down and the leftover pence go to the first payer")

        section("caps", "Caps")
        table(["In force from", "Until", "Cap (£)", "Claims", "Paid", "Beyond cap", "Unpaid beyond cap (£)", "Paid to date (£)"],
              d.caps.map { c in
                  [c.window.from ?? "start", c.window.until ?? "end", money(c.window.amountPence), count(c.counts.claims), count(c.counts.paid),
                   count(c.counts.beyondCap), money(c.counts.unpaidBeyondCapPence), money(c.total.paidToDatePence)]
              },
              caption: "A cap is a limit on the total paid to date; claims that would pass it are delivered but not paid")
    }

    /// Claims and payments per person, summed from ledger.csv in exact pence.
    private mutating func people(claims: URL, totals: LedgerDocument.DecisionCounts) throws {
        let path = claims.path
        let columns = ["person", "decision", "paid_gbp"]
        let table = try CSVReader.read(path: path, options: CSVReadOptions(columns: columns, textColumns: Set(columns)))
        let person = try table.column("person"), decision = try table.column("decision"), paid = try table.column("paid_gbp")
        struct Tally { var claims = 0, paid = 0, beyondCap = 0, notEligible = 0, other = 0, pence = 0 }
        var byPerson: [String: Tally] = [:]
        for row in 0..<table.rowCount {
            let id = person.text(at: row), text = paid.text(at: row)
            guard let amount = Money(pounds: text) else {
                throw DocumentError(path: path, message: "line \(row + 2), column paid_gbp: '\(text)' is not an amount in pounds")
            }
            var t = byPerson[id, default: Tally()]
            t.claims += 1
            switch decision.text(at: row) {
            case "paid": t.paid += 1
            case "beyond_cap": t.beyondCap += 1
            case "not_eligible": t.notEligible += 1
            default: t.other += 1
            }
            t.pence += amount.pence
            byPerson[id] = t
        }
        let listed = byPerson.sorted { a, b in
            a.value.pence != b.value.pence ? a.value.pence > b.value.pence : Array(a.key.utf8).lexicographicallyPrecedes(Array(b.key.utf8))
        }.prefix(Self.peopleListed)
        func count(_ n: Int) -> String { groupedCount(Double(n)) }
        let sum = byPerson.values.reduce(0) { $0 + $1.pence }
        var rows = listed.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { id, t in
            [id, count(t.claims), count(t.paid), count(t.beyondCap), count(t.other), count(t.notEligible), Money(pence: t.pence).description]
        }
        rows.append(["Total (\(count(byPerson.count)) people)", count(totals.claims), count(totals.paid), count(totals.beyondCap),
                     count(totals.beyondPersonLimit), count(totals.notEligible), Money(pence: sum).description])
        self.table(["Person", "Claims", "Paid", "Beyond cap", "Beyond person limit", "Not eligible", "Paid (£)"], rows,
                   caption: byPerson.count > Self.peopleListed
                       ? "The \(Self.peopleListed) people paid most of \(count(byPerson.count)), by id; the total covers everyone"
                       : "Every person with a claim, by id")
        if sum != totals.paidPence {
            paragraph("Warning: ledger.csv sums to \(Money(pence: sum)) paid, ledger.json to \(Money(pence: totals.paidPence)); the folder's files do not agree.")
        }
    }
}
