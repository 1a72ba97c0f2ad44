/// Reads a `Decodable` value from a `JSONValue` tree: the inverse of `JSONValueEncoder`, with the
/// same member names (snake case; `NamedValues` keys verbatim).
///
/// It is strict where a silent default would hide a mistake: every member a type declares must be
/// present, optional ones included (the writers always write `null` for an absent value), so a
/// renamed or missing member is an error naming its path, never an empty cell. Members a type does
/// not declare are ignored. A `null` read as a non-optional `Double` is NaN (non-finite numbers are
/// written as `null`); numbers read back bit for bit (shortest round-trip decimal forms, parsed by
/// Swift's correctly rounded `Double(String)`).
public struct JSONValueDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try NodeDecoder.decode(type, from: value, codingPath: [])
    }
}

struct NodeDecoder: Decoder {
    let value: JSONValue
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, codingPath: [CodingKey]) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        return try T(from: NodeDecoder(value: value, codingPath: codingPath))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw mismatch(JSONValue.self, "an object", value, codingPath) }
        return KeyedDecodingContainer(KeyedNodeDecodingContainer<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw mismatch(JSONValue.self, "an array", value, codingPath) }
        return UnkeyedNodeDecodingContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleValueNodeDecodingContainer(value: value, codingPath: codingPath)
    }
}

/// What a JSON value is, for error messages.
func kind(_ value: JSONValue) -> String {
    switch value {
    case .null: return "null"
    case .bool: return "a true/false value"
    case .int, .number: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
}

func mismatch(_ type: Any.Type, _ expected: String, _ value: JSONValue, _ path: [CodingKey]) -> DecodingError {
    if case .null = value {
        return .valueNotFound(type, .init(codingPath: path, debugDescription: "expected \(expected), found null"))
    }
    return .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(expected), found \(kind(value))"))
}

/// Scalars from JSON values.
enum ScalarReader {
    static func bool(_ v: JSONValue, _ path: [CodingKey]) throws -> Bool {
        guard case .bool(let b) = v else { throw mismatch(Bool.self, "true or false", v, path) }
        return b
    }

    static func string(_ v: JSONValue, _ path: [CodingKey]) throws -> String {
        guard case .string(let s) = v else { throw mismatch(String.self, "a string", v, path) }
        return s
    }

    static func double(_ v: JSONValue, _ path: [CodingKey]) throws -> Double {
        switch v {
        case .number(let x): return x
        case .int(let i): return Double(i)
        case .null: return .nan       // written for NaN and infinities
        default: throw mismatch(Double.self, "a number", v, path)
        }
    }

    static func integer<T: FixedWidthInteger>(_ v: JSONValue, _ type: T.Type, _ path: [CodingKey]) throws -> T {
        switch v {
        case .int(let i):
            if let x = T(exactly: i) { return x }
        case .number(let x):
            if x.isFinite, x == x.rounded(), let y = T(exactly: x) { return y }
        default:
            throw mismatch(T.self, "a whole number", v, path)
        }
        throw DecodingError.typeMismatch(T.self, .init(codingPath: path, debugDescription: "expected a whole number that fits \(T.self), found \(v.serialized().dropLast())"))
    }
}

struct KeyedNodeDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [(String, JSONValue)]
    let index: [String: Int]
    let codingPath: [CodingKey]

    init(members: [(String, JSONValue)], codingPath: [CodingKey]) {
        self.members = members
        self.codingPath = codingPath
        var index: [String: Int] = [:]
        for (k, m) in members.enumerated() where index[m.0] == nil { index[m.0] = k }
        self.index = index
    }

    var allKeys: [Key] {
        members.compactMap { name, _ in
            [Key(stringValue: name), Key(stringValue: camelCase(name))].lazy.compactMap { $0 }.first { memberName($0) == name }
        }
    }

    func contains(_ key: Key) -> Bool { index[memberName(key)] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let k = index[memberName(key)] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "member '\(memberName(key))' is missing"))
        }
        return members[k].1
    }

    private func path(_ key: Key) -> [CodingKey] { codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ScalarReader.bool(value(key), path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ScalarReader.string(value(key), path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ScalarReader.double(value(key), path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try ScalarReader.double(value(key), path(key))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try ScalarReader.integer(value(key), type, path(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try NodeDecoder.decode(type, from: value(key), codingPath: path(key))
    }

    // An optional member must still be present (as null when absent): the protocol's default
    // implementations would read a missing member as nil.
    private func optional<T>(_ key: Key, _ read: () throws -> T) throws -> T? {
        if try decodeNil(forKey: key) { return nil }
        return try read()
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try optional(key) { try decode(type, forKey: key) } }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try optional(key) { try decode(type, forKey: key) } }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try NodeDecoder(value: value(key), codingPath: path(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try NodeDecoder(value: value(key), codingPath: path(key)).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder {
        let key = MemberName("super")
        return NodeDecoder(value: index["super"].map { members[$0].1 } ?? .null, codingPath: codingPath + [key])
    }

    func superDecoder(forKey key: Key) throws -> Decoder { NodeDecoder(value: try value(key), codingPath: path(key)) }
}

/// `treated_in_cohort` -> `treatedInCohort` (to find the coding key of a member name).
func camelCase(_ name: String) -> String {
    var out = "", upper = false
    for c in name {
        if c == "_", !out.isEmpty { upper = true; continue }
        out += upper ? c.uppercased() : String(c)
        upper = false
    }
    return out
}

struct UnkeyedNodeDecodingContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let codingPath: [CodingKey]
    var currentIndex = 0

    init(items: [JSONValue], codingPath: [CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private mutating func next<T>(_ type: T.Type) throws -> (JSONValue, [CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [ArrayIndex(currentIndex)], debugDescription: "the array has only \(items.count) items"))
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [ArrayIndex(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, case .null = items[currentIndex] else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { let (v, p) = try next(type); return try ScalarReader.bool(v, p) }
    mutating func decode(_ type: String.Type) throws -> String { let (v, p) = try next(type); return try ScalarReader.string(v, p) }
    mutating func decode(_ type: Double.Type) throws -> Double { let (v, p) = try next(type); return try ScalarReader.double(v, p) }
    mutating func decode(_ type: Float.Type) throws -> Float { let (v, p) = try next(type); return Float(try ScalarReader.double(v, p)) }
    mutating func decode(_ type: Int.Type) throws -> Int { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let (v, p) = try next(type); return try ScalarReader.integer(v, type, p) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (v, p) = try next(type)
        return try NodeDecoder.decode(type, from: v, codingPath: p)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (v, p) = try next(JSONValue.self)
        return try NodeDecoder(value: v, codingPath: p).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let (v, p) = try next(JSONValue.self)
        return try NodeDecoder(value: v, codingPath: p).unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder {
        let (v, p) = try next(JSONValue.self)
        return NodeDecoder(value: v, codingPath: p)
    }
}

struct SingleValueNodeDecodingContainer: SingleValueDecodingContainer {
    let value: JSONValue
    let codingPath: [CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try ScalarReader.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try ScalarReader.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try ScalarReader.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try ScalarReader.double(value, codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ScalarReader.integer(value, type, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ScalarReader.integer(value, type, codingPath) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try NodeDecoder.decode(type, from: value, codingPath: codingPath)
    }
}
