import TOMLKit

/// A plan value of any TOML type, for settings that take more than one shape (a rule or a table
/// of rules by name), so that modules reading plans need not know the TOML library.
public indirect enum PlanValue {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case array([PlanValue])
    /// A sub-table, read with the usual `PlanTable` accessors (its context is "[parent.key]").
    case table(PlanTable)
    /// A date or time.
    case other
}

extension PlanTable {
    /// The value of `key` in this table, of whatever type; `nil` when absent.
    public func value(_ key: String) -> PlanValue? {
        guard let v = table?[key] else { return nil }
        let inner = context.hasPrefix("[") && context.hasSuffix("]") && !context.hasPrefix("[[")
            ? "[\(context.dropFirst().dropLast()).\(key)]" : "[\(key)]"
        return Self.convert(v, context: inner, file: file)
    }

    private static func convert(_ v: any TOMLValueConvertible, context: String, file: String) -> PlanValue {
        if let s = v.string { return .string(s) }
        if let i = v.int { return .int(i) }
        if let d = v.double { return .double(d) }
        if let b = v.bool { return .bool(b) }
        if let a = v.array { return .array((0..<a.count).map { convert(a[$0], context: context, file: file) }) }
        if let t = v.table { return .table(PlanTable(t, context: context, file: file)) }
        return .other
    }

    /// The keys of this table, sorted.
    public var keys: [String] { table?.keys.sorted() ?? [] }
}
