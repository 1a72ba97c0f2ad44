// libFuzzer harness for the TOML plan reader shared by contract and rate-card plans:
// `PlanTable.parse` (TOMLKit, which wraps the C++ toml++ parser), then every typed accessor on every
// key of every table and array of tables, recursively. A thrown `PlanFileError` is the documented
// answer to bad input; traps and sanitizer reports are crashes.

import CohortData
import PlanFiles
import TOMLKit

@_cdecl("LLVMFuzzerTestOneInput")
public func planTableFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let top = try? PlanTable.parse(text, file: "fuzz.toml") else { return 0 }
    walk(top, depth: 0)
    return 0
}

/// Reads every key of `t` with every accessor a plan reader uses, then descends into sub-tables.
func walk(_ t: PlanTable, depth: Int) {
    guard let table = t.table, depth < 16 else { return }
    _ = try? t.allow([])
    for key in table.keys {
        _ = try? t.optionalString(key)
        _ = try? t.requiredString(key, missing: "fuzz")
        _ = try? t.strings(key)
        _ = try? t.int(key, default: 0)
        _ = try? t.optionalWholeNumber(key)
        _ = try? t.optionalDouble(key)
        _ = try? t.bool(key, default: false)
        _ = try? t.date(key)
        _ = try? t.enumeration(key, default: Side.left)
        if let sub = try? t.requiredTable(key) { walk(sub, depth: depth + 1) }
        if let subs = try? t.tables(key) { for s in subs { walk(s, depth: depth + 1) } }
    }
}

enum Side: String, CaseIterable {
    case left, right
}
