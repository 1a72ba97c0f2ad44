// libFuzzer harness for rate-card plans: `RateCardPlan.parse` on arbitrary text (TOML syntax, keys,
// prices, shares, caps, dependencies between outcomes), then what the ledger reads from an
// accepted plan without events. A thrown `RateCardError` is the documented answer to bad input;
// traps and sanitizer reports are crashes.

import PaymentRules
import RateCards

@_cdecl("LLVMFuzzerTestOneInput")
public func rateCardPlanFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let plan = try? RateCardPlan.parse(text, file: "fuzz.toml", baseDirectory: "base") else { return 0 }
    for outcome in plan.outcomes {
        _ = outcome.price.description
        _ = outcome.price.decimalText
        _ = outcome.sustains?.period.description
        _ = plan.outcomeIndex(outcome.id)
    }
    for cap in plan.caps {
        _ = cap.amount.description
        _ = plan.cap(on: cap.from)
    }
    _ = plan.payers.map(\.share.description)
    _ = RateCards.Share.split(Money(pence: 100_003), among: plan.payers.map(\.share))
    return 0
}
