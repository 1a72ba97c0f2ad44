/// Turns any `Encodable` value into an ordered `JSONValue`, which `JSONValue.serialized()` then
/// writes deterministically (Foundation's `JSONEncoder` cannot keep member order or our number
/// format, so the documents go through this encoder instead).
///
/// The rules, which are the whole contract of the result documents (see docs/schemas.md):
/// 1. Object members come in the order they are encoded, which for synthesised `Encodable` is the
///    order of the `CodingKeys`, i.e. the order the properties are declared.
/// 2. Member names are the coding keys in snake case: every capital letter starts a new word
///    (`treatedInCohort` -> `treated_in_cohort`, `welchTTest` -> `welch_t_test`); names already in
///    snake case are unchanged. Keys of `NamedValues` (column and coefficient names, seeds) are
///    data and are written as they are.
/// 3. An absent optional is written as `null` (not left out), so every member of a document is
///    always present; `OmittedWhenNil` is the one way to leave a member out.
/// 4. `Double` and `Float` become `.number` (non-finite values are written `null`), integers
///    `.int`; a `JSONValue` inside a document is copied as it is.
public struct JSONValueEncoder {
    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try EncodingNode.encode(value, codingPath: [])
    }
}

extension JSONValue {
    /// `value` as an ordered JSON tree (see `JSONValueEncoder`).
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONValueEncoder().encode(value)
    }
}

/// A coding key whose name is data, written and read verbatim (no snake-case conversion).
struct MemberName: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// An array position in a coding path.
struct ArrayIndex: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init(intValue: Int) { self.intValue = intValue }
}

/// The member name written for a coding key (rule 2 above).
func memberName(_ key: CodingKey) -> String {
    if key is MemberName { return key.stringValue }
    return snakeCase(key.stringValue)
}

/// `treatedInCohort` -> `treated_in_cohort`: each capital letter starts a new, lower-case word.
func snakeCase(_ name: String) -> String {
    guard name.unicodeScalars.contains(where: { $0.properties.isUppercase }) else { return name }
    var out = ""
    for u in name.unicodeScalars {
        if u.properties.isUppercase {
            if !out.isEmpty { out += "_" }
            out += String(u).lowercased()
        } else {
            out.unicodeScalars.append(u)
        }
    }
    return out
}

/// One value under construction. Containers hold references to their children, so a nested
/// container or a super-encoder can be filled after it has been placed.
final class EncodingNode {
    enum Shape { case empty, value(JSONValue), object, array }
    var shape: Shape = .empty
    var members: [(String, EncodingNode)] = []
    var items: [EncodingNode] = []

    /// Encodes `value` into a new node and returns the finished tree.
    static func encode<T: Encodable>(_ value: T, codingPath: [CodingKey]) throws -> JSONValue {
        try node(for: value, codingPath: codingPath).resolved()
    }

    static func node<T: Encodable>(for value: T, codingPath: [CodingKey]) throws -> EncodingNode {
        let node = EncodingNode()
        if let json = value as? JSONValue {
            node.shape = .value(json)
        } else {
            try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        }
        return node
    }

    func resolved() -> JSONValue {
        switch shape {
        case .empty: return .object([])      // a type that encoded nothing, as JSONEncoder writes it
        case .value(let v): return v
        case .object: return .object(members.map { ($0.0, $0.1.resolved()) })
        case .array: return .array(items.map { $0.resolved() })
        }
    }

    func becomeObject(_ codingPath: [CodingKey]) {
        switch shape {
        case .empty: shape = .object
        case .object: break
        default: preconditionFailure("\(pathText(codingPath)): a keyed container was requested for a value already encoded as something else")
        }
    }

    func becomeArray(_ codingPath: [CodingKey]) {
        switch shape {
        case .empty: shape = .array
        case .array: break
        default: preconditionFailure("\(pathText(codingPath)): an unkeyed container was requested for a value already encoded as something else")
        }
    }

    /// Sets `name` to `child`: a new member goes last; encoding a member again replaces its value in place.
    func set(_ name: String, _ child: EncodingNode) {
        if let k = members.firstIndex(where: { $0.0 == name }) { members[k].1 = child } else { members.append((name, child)) }
    }
}

/// `cohorts[0].measure.treated_rate`: a coding path as document members.
func pathText(_ path: [CodingKey]) -> String {
    var out = ""
    for key in path {
        if key is ArrayIndex, let i = key.intValue { out += "[\(i)]" } else {
            out += (out.isEmpty ? "" : ".") + memberName(key)
        }
    }
    return out.isEmpty ? "(document)" : out
}

struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject(codingPath)
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        node.becomeArray(codingPath)
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleValueNodeContainer(node: node, codingPath: codingPath)
    }
}

/// Scalars as JSON values (rule 4).
private enum Scalar {
    static func int<T: BinaryInteger>(_ x: T, _ path: [CodingKey]) throws -> JSONValue {
        guard let i = Int(exactly: x) else {
            throw EncodingError.invalidValue(x, .init(codingPath: path, debugDescription: "\(x) does not fit a 64-bit signed integer; write it as a string"))
        }
        return .int(i)
    }
}

struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [CodingKey]

    private func put(_ value: JSONValue, _ key: Key) {
        let child = EncodingNode()
        child.shape = .value(value)
        node.set(memberName(key), child)
    }

    mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(.number(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(.number(Double(value)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(.int(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(try Scalar.int(value, codingPath + [key]), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        node.set(memberName(key), try EncodingNode.node(for: value, codingPath: codingPath + [key]))
    }

    // Rule 3: an absent optional is written as null. (The protocol's default implementations
    // would leave the member out.)
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) } }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        node.set(memberName(key), child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = EncodingNode()
        node.set(memberName(key), child)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let child = EncodingNode()
        node.set("super", child)
        return NodeEncoder(node: child, codingPath: codingPath + [MemberName("super")])
    }

    mutating func superEncoder(forKey key: Key) -> Encoder {
        let child = EncodingNode()
        node.set(memberName(key), child)
        return NodeEncoder(node: child, codingPath: codingPath + [key])
    }
}

struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var count: Int { node.items.count }

    private func append(_ value: JSONValue) {
        let child = EncodingNode()
        child.shape = .value(value)
        node.items.append(child)
    }

    private var nextPath: [CodingKey] { codingPath + [ArrayIndex(node.items.count)] }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(.number(value)) }
    mutating func encode(_ value: Float) throws { append(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { append(.int(value)) }
    mutating func encode(_ value: Int8) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: Int16) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: Int32) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: Int64) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: UInt) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: UInt8) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: UInt16) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: UInt32) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode(_ value: UInt64) throws { append(try Scalar.int(value, nextPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.items.append(try EncodingNode.node(for: value, codingPath: nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode(), path = nextPath
        node.items.append(child)
        return NodeEncoder(node: child, codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = EncodingNode(), path = nextPath
        node.items.append(child)
        return NodeEncoder(node: child, codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let child = EncodingNode(), path = nextPath
        node.items.append(child)
        return NodeEncoder(node: child, codingPath: path)
    }
}

struct SingleValueNodeContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]

    private func set(_ value: JSONValue) {
        guard case .empty = node.shape else {
            preconditionFailure("\(pathText(codingPath)): a single value was encoded twice")
        }
        node.shape = .value(value)
    }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(.number(value)) }
    mutating func encode(_ value: Float) throws { set(.number(Double(value))) }
    mutating func encode(_ value: Int) throws { set(.int(value)) }
    mutating func encode(_ value: Int8) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: Int16) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: Int32) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: Int64) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: UInt) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: UInt8) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: UInt16) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: UInt32) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode(_ value: UInt64) throws { set(try Scalar.int(value, codingPath)) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        if let json = value as? JSONValue { set(json); return }
        try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
    }
}
