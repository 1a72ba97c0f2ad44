// libFuzzer harness for evaluation plans: `ContractPlan.parse` on arbitrary text (TOML syntax,
// keys, types, ranges, cohorts and the `[matching]` table), then what a command reads from an
// accepted plan. A thrown `PlanFileError` is the documented answer to bad input; traps and
// sanitizer reports are crashes.

import Contracts

@_cdecl("LLVMFuzzerTestOneInput")
public func contractPlanFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let plan = try? ContractPlan.parse(text, file: "fuzz.toml", baseDirectory: "base") else { return 0 }
    _ = plan.matchingSections
    _ = plan.resolve(plan.data.cohort)
    _ = plan.resolve(plan.data.events)
    for cohort in plan.cohorts { _ = cohort.selection.description }
    return 0
}
