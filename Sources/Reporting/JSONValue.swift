/// A JSON document with object keys kept in insertion order, serialised deterministically.
///
/// Numbers are written in the shortest form that reads back to the same `Double` (so a reader
/// recovers every bit), integers without a fraction; non-finite numbers become `null`.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.serialized() == rhs.serialized()
    }

    /// An optional number (`null` when absent).
    public static func number(_ x: Double?) -> JSONValue {
        guard let x else { return .null }
        return .number(x)
    }

    /// Serialises with two-space indentation and a trailing newline.
    public func serialized() -> String {
        var out = ""
        write(to: &out, indent: 0)
        out.append("\n")
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out.append("null")
        case .bool(let b): out.append(b ? "true" : "false")
        case .int(let i): out.append(String(i))
        case .number(let x): out.append(JSONValue.format(x))
        case .string(let s): JSONValue.escape(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append("[]"); return }
            // Short arrays of scalars stay on one line.
            if items.count <= 16, items.allSatisfy({ $0.isScalar }) {
                out.append("[")
                for (k, item) in items.enumerated() {
                    if k > 0 { out.append(", ") }
                    item.write(to: &out, indent: indent)
                }
                out.append("]")
                return
            }
            out.append("[\n")
            for (k, item) in items.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                item.write(to: &out, indent: indent + 2)
                out.append(k + 1 < items.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "]")
        case .object(let members):
            if members.isEmpty { out.append("{}"); return }
            out.append("{\n")
            for (k, (key, value)) in members.enumerated() {
                out.append(String(repeating: " ", count: indent + 2))
                JSONValue.escape(key, into: &out)
                out.append(": ")
                value.write(to: &out, indent: indent + 2)
                out.append(k + 1 < members.count ? ",\n" : "\n")
            }
            out.append(String(repeating: " ", count: indent) + "}")
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    /// Shortest round-trip decimal form; `null` for NaN and infinities.
    public static func format(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == x.rounded(.towardZero), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }

    static func escape(_ s: String, into out: inout String) {
        out.append("\"")
        for u in s.unicodeScalars {
            switch u {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append("\"")
    }
}
