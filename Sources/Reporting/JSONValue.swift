import TextFormatting

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

    /// Appends the UTF-8 bytes of `format(x)` to `out`, without a `String`.
    public static func appendFormatted(_ x: Double, to out: inout ByteWriter) {
        guard x.isFinite else { out.append("null"); return }
        if x == x.rounded(.towardZero), abs(x) < 1e15 { out.appendDecimal(Int64(x)); return }
        out.appendShortest(x)
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

// MARK: - Reading

extension JSONValue {
    /// The members of an object (nil for other values).
    public var members: [(String, JSONValue)]? {
        if case .object(let m) = self { return m }
        return nil
    }

    /// The value of the member `name` of an object (nil when absent or not an object).
    public subscript(member name: String) -> JSONValue? {
        members?.first { $0.0 == name }?.1
    }

    /// The text of a scalar as it is written (`1.5`, `"a"` as `a`, `null`); arrays and objects serialised.
    var scalarText: String {
        switch self {
        case .string(let s): return s
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .number(let x): return JSONValue.format(x)
        case .array, .object:
            var s = serialized()
            s.removeLast()
            return s
        }
    }
}

/// A JSON tree inside a document is written as it is. With `JSONValueEncoder` and
/// `JSONValueDecoder` it is copied whole; other coders see an ordinary keyed, unkeyed or single value.
extension JSONValue: Codable {
    public func encode(to encoder: Encoder) throws {
        switch self {
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer()
            try c.encode(i)
        case .number(let x):
            var c = encoder.singleValueContainer()
            try c.encode(x)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let members):
            var c = encoder.container(keyedBy: MemberName.self)
            for (name, value) in members { try c.encode(value, forKey: MemberName(name)) }
        }
    }

    public init(from decoder: Decoder) throws {
        if let node = decoder as? NodeDecoder { self = node.value; return }
        if let c = try? decoder.container(keyedBy: MemberName.self) {
            self = .object(try c.allKeys.map { ($0.stringValue, try c.decode(JSONValue.self, forKey: $0)) })
        } else if var c = try? decoder.unkeyedContainer() {
            var items: [JSONValue] = []
            while !c.isAtEnd { items.append(try c.decode(JSONValue.self)) }
            self = .array(items)
        } else {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let x = try? c.decode(Double.self) { self = .number(x) }
            else { self = .string(try c.decode(String.self)) }
        }
    }
}

// MARK: - Comparing

/// Differences between two JSON documents, as paths and both values
/// (`cohorts[0].measure.treated_rate: 1.1 vs 1.2`); members are visited in name order, and at most
/// `limit` differences are listed.
public func jsonDifferences(_ a: JSONValue, _ b: JSONValue, path: String = "", limit: Int = 50) -> [String] {
    var out: [String] = []
    func walk(_ x: JSONValue, _ y: JSONValue, _ p: String) {
        guard out.count < limit else { return }
        switch (x, y) {
        case (.object(let mx), .object(let my)):
            let dx = Dictionary(mx, uniquingKeysWith: { first, _ in first })
            let dy = Dictionary(my, uniquingKeysWith: { first, _ in first })
            for key in Set(dx.keys).union(dy.keys).sorted() {
                let child = p.isEmpty ? key : "\(p).\(key)"
                guard let vx = dx[key] else { out.append("\(child): absent vs present"); continue }
                guard let vy = dy[key] else { out.append("\(child): present vs absent"); continue }
                walk(vx, vy, child)
            }
        case (.array(let ax), .array(let ay)):
            if ax.count != ay.count { out.append("\(p): \(ax.count) vs \(ay.count) items") }
            for i in 0..<min(ax.count, ay.count) { walk(ax[i], ay[i], "\(p)[\(i)]") }
        default:
            let sx = x.scalarText, sy = y.scalarText
            if sx != sy { out.append("\(p): \(sx) vs \(sy)") }
        }
    }
    walk(a, b, path)
    return out
}
