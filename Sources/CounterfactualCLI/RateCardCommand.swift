import ArgumentParser
import CohortData
import Foundation
import PaymentRules
import RateCards
import Reporting

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
          counterfactual ratecard Datasets/rate-card-example/plan.toml --out out/rate-card
        """
    )

    @Argument(help: "Rate-card plan (TOML).")
    var plan: String

    @Option(help: "Outcome-events CSV (default: the plan's [events] file, relative to the plan).")
    var events: String?

    @Option(help: "Output folder for ledger.json and ledger.csv.")
    var out: String

    @Flag(help: "Do not print the summary.")
    var quiet = false

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            let card = try RateCardPlan.load(path: plan)
            guard let eventsPath = events ?? card.events.file.map(card.resolve) else {
                throw RateCardError.noEventsFile(plan: plan)
            }
            let claims = try card.loadClaims(path: eventsPath)
            let ledger = RateCardLedger(plan: card, claims: claims)
            let folder = URL(fileURLWithPath: out, isDirectory: true)
            let json = ledgerJSON(ledger, planPath: plan, eventsPath: eventsPath, rows: claims.count)
            try write(json.serialized(), to: folder.appendingPathComponent("ledger.json"))
            try write(ledger.csv(), to: folder.appendingPathComponent("ledger.csv"))
            try writeManifest(
                folder: folder, inputs: [(role: "plan", path: plan), (role: "events", path: eventsPath)],
                outputs: [(role: "ledger", file: "ledger.json"), (role: "claims", file: "ledger.csv")],
                seeds: [], timings: [("total", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)],
                plan: try? String(contentsOfFile: plan, encoding: .utf8))
            if !quiet {
                print(ledger.summary(eventsFile: eventsPath))
                print("Wrote \(folder.appendingPathComponent("ledger.json").path) and \(folder.appendingPathComponent("ledger.csv").path)")
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            throw report(error)
        }
    }
}

/// ledger.json: every aggregate of the ledger; money in integer pence (keys ending `_pence`). The
/// claims themselves, each with its decision, are in ledger.csv (beyond_cap marks the outcomes
/// delivered unpaid because of the cap), so the JSON's size does not grow with the events file.
func ledgerJSON(_ ledger: RateCardLedger, planPath: String, eventsPath: String, rows: Int) -> JSONValue {
    let plan = ledger.plan
    func money(_ m: Money) -> JSONValue { .int(m.pence) }
    func date(_ d: Int?) -> JSONValue { d.map { .string(CalendarDate.format($0)) } ?? .null }
    func counts(_ c: DecisionCounts) -> [(String, JSONValue)] {
        [("claims", .int(c.claims)), ("paid", .int(c.paid)), ("beyond_person_limit", .int(c.beyondPersonLimit)),
         ("beyond_cap", .int(c.beyondCap)), ("not_eligible", .int(c.notEligible)), ("delivered", .int(c.delivered)),
         ("paid_pence", money(c.paidAmount)), ("unpaid_beyond_cap_pence", money(c.unpaidBeyondCap))]
    }
    func achievement(_ a: TargetAchievement?) -> JSONValue {
        guard let a else { return .null }
        return .object([("achieved", .int(a.achieved)), ("target", .int(a.target)), ("percent", .number(a.percentage)),
                        ("percent_rounded", .int(a.roundedPercentage)), ("met", .bool(a.isMet))])
    }
    let outcomes: [JSONValue] = ledger.outcomes.map { line in
        let o = line.outcome
        var members: [(String, JSONValue)] = [
            ("id", .string(o.id)), ("name", .string(o.name)), ("price_pence", money(o.price)),
            ("requires", o.requires.map(JSONValue.string) ?? .null),
            ("sustains", o.sustains.map { .object([("outcome", .string($0.outcome)), ("period", .string($0.period.description))]) } ?? .null),
            ("max_per_person", .int(o.maxPerPerson)), ("target", o.target.map(JSONValue.int) ?? .null),
        ]
        members += counts(line.counts)
        members.append(("achievement", achievement(line.achievement)))
        return .object(members)
    }
    let periods: [JSONValue] = ledger.periods.map { p in
        var members: [(String, JSONValue)] = [("period", .string(p.label)), ("start", date(p.start)), ("end", date(p.end))]
        members += counts(p.counts)
        members.append(("by_payer", .array(zip(plan.payers, p.payerAmounts).map { payer, amount in
            .object([("payer", .string(payer.name)), ("paid_pence", money(amount))])
        })))
        members.append(("paid_to_date_pence", money(p.paidToDate)))
        return .object(members)
    }
    let caps: [JSONValue] = ledger.caps.map { w in
        var members: [(String, JSONValue)] = [
            ("from", date(w.cap?.from)), ("until", date(w.until)), ("amount_pence", w.cap.map { money($0.amount) } ?? .null),
        ]
        members += counts(w.counts)
        members.append(("paid_to_date_pence", money(w.paidToDate)))
        return .object(members)
    }
    let payers: [JSONValue] = ledger.payers.map { p in
        .object([("name", .string(p.payer.name)), ("share", .string(p.payer.share.description)),
                 ("share_value", .number(p.payer.share.value)), ("paid_pence", money(p.amount))])
    }
    return .object([
        ("program", .string("counterfactual")),
        ("version", .string(counterfactualVersion)),
        ("command", .string("ratecard")),
        ("inputs", .object([
            ("plan", .string(planPath)),
            ("events", .string(eventsPath)),
            ("event_rows", .int(rows)),
            ("people", .int(ledger.people)),
        ])),
        ("plan", .object([
            ("name", .string(plan.name)),
            ("period", .string(plan.period.rawValue)),
            ("event_columns", .object([("person", .string(plan.events.person)), ("outcome", .string(plan.events.outcome)),
                                       ("date", .string(plan.events.date))])),
            ("caps", .array(plan.caps.map { .object([("from", date($0.from)), ("amount_pence", money($0.amount))]) })),
            ("text", .string(plan.source)),
        ])),
        ("rules", .object([
            ("order", .string("claims by date, then person id (UTF-8 byte order), then outcome order in the plan, then events-file line")),
            ("decisions", .array(Decision.codes.map(JSONValue.string))),
            ("precedence", .string("not_eligible, then beyond_person_limit, then beyond_cap, else paid")),
            ("achieved", .string("paid or beyond_cap (delivered unpaid)")),
            ("payer_rounding", .string("each payer gets floor(payment x share) pence; leftover pence go to the first payer")),
        ])),
        ("totals", .object(counts(ledger.totals))),
        ("not_eligible_by_reason", .object(ledger.notEligibleReasons.map { ($0.code, .int($0.count)) })),
        ("outcomes", .array(outcomes)),
        ("periods", .array(periods)),
        ("payers", .array(payers)),
        ("caps", .array(caps)),
        ("claims_file", .string("ledger.csv")),
    ])
}
