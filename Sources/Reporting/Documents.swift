import Foundation

// The building blocks of the result documents (`summary.json`, `evaluation.json`, `ledger.json`,
// `manifest.json`): each document is a `Codable` type, written by `JSONValueEncoder` (members in
// declaration order, names in snake case, absent values as `null`) and read back by
// `JSONValueDecoder`, so the writers and the report share one definition and a renamed member is
// a compile error. docs/schemas.md describes every member. To add a member, declare the property
// where it should appear in the file (and describe it in docs/schemas.md).

/// The version of a document's layout, written first as `"schema_version": 1`. It changes when a
/// member is renamed, removed or changes meaning; adding a member does not change it.
public struct SchemaVersion: Codable, Sendable, Equatable, CustomStringConvertible {
    public var number: Int
    /// The layout this program writes and reads.
    public static let current = SchemaVersion(number: 1)

    public init(number: Int) { self.number = number }

    public var description: String { String(number) }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(number)
    }

    public init(from decoder: Decoder) throws {
        number = try decoder.singleValueContainer().decode(Int.self)
        guard number == SchemaVersion.current.number else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "schema_version \(number) is not one this program reads (\(SchemaVersion.current)); use the counterfactual version that wrote it"))
        }
    }
}

/// The program that wrote a document: `{"name": "counterfactual", "version": "..."}`.
public struct ProgramInfo: Codable, Sendable, Equatable {
    public var name = "counterfactual"
    public var version: String

    public init(version: String) { self.version = version }
}

/// A name and its value, one member of a `NamedValues` object.
public struct Named<Value: Codable & Sendable & Equatable>: Sendable, Equatable {
    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}

/// An object whose member names are data (coefficient and column names, seeds, stage names), in
/// a fixed order; written verbatim, without the snake-case conversion of coding keys.
public struct NamedValues<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable, RandomAccessCollection {
    public var elements: [Named<Value>]

    public init() { elements = [] }

    public init(elements: [Named<Value>]) { self.elements = elements }

    public init(_ pairs: [(String, Value)]) { elements = pairs.map { Named($0.0, $0.1) } }

    public var startIndex: Int { elements.startIndex }
    public var endIndex: Int { elements.endIndex }
    public subscript(position: Int) -> Named<Value> { elements[position] }

    /// The value named `name`, if any.
    public subscript(name: String) -> Value? { elements.first { $0.name == name }?.value }

    public var names: [String] { elements.map(\.name) }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MemberName.self)
        for e in elements { try c.encode(e.value, forKey: MemberName(e.name)) }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: MemberName.self)
        elements = try c.allKeys.map { Named($0.stringValue, try c.decode(Value.self, forKey: $0)) }
    }
}

/// A statistic that was computed, or the reason it could not be: written as the statistic's own
/// object, or as `{"not_estimable": "reason"}`.
public enum Estimable<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    case estimated(Value)
    case notEstimable(reason: String)

    enum CodingKeys: String, CodingKey { case notEstimable }

    /// The statistic, or nil when it was not estimable.
    public var value: Value? {
        if case .estimated(let v) = self { return v }
        return nil
    }

    /// Why it was not estimable, or nil when it was.
    public var reason: String? {
        if case .notEstimable(let r) = self { return r }
        return nil
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case .estimated(let v): try v.encode(to: encoder)
        case .notEstimable(let reason):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(reason, forKey: .notEstimable)
        }
    }

    public init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: CodingKeys.self), c.contains(.notEstimable) {
            self = .notEstimable(reason: try c.decode(String.self, forKey: .notEstimable))
        } else {
            self = .estimated(try Value(from: decoder))
        }
    }
}

extension Estimable {
    /// The document of a computed result, or its reason.
    init<T, E: CustomStringConvertible>(_ result: Result<T, E>, _ document: (T) -> Value) {
        switch result {
        case .success(let v): self = .estimated(document(v))
        case .failure(let e): self = .notEstimable(reason: e.description)
        }
    }
}

/// An optional member that is left out of the file when absent (instead of written as `null`),
/// for the few members whose absence is part of the layout (a Poisson fit has no `theta`).
@propertyWrapper
public struct OmittedWhenNil<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }
}

extension KeyedEncodingContainer {
    public mutating func encode<T>(_ value: OmittedWhenNil<T>, forKey key: Key) throws {
        if let v = value.wrappedValue { try encode(v, forKey: key) }
    }
}

extension KeyedDecodingContainer {
    public func decode<T>(_ type: OmittedWhenNil<T>.Type, forKey key: Key) throws -> OmittedWhenNil<T> {
        guard contains(key) else { return OmittedWhenNil(wrappedValue: nil) }
        return OmittedWhenNil(wrappedValue: try decodeIfPresent(T.self, forKey: key))
    }
}

/// An object with the members of `Base` followed by further members named at run time (settings a
/// command adds, such as the model's tolerance). `base`'s members are read through dynamic member
/// lookup (`settings.estimand`), so they stay typed.
@dynamicMemberLookup
public struct WithExtraMembers<Base: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var base: Base
    public var extra: NamedValues<JSONValue>

    public init(_ base: Base, extra: NamedValues<JSONValue> = NamedValues()) {
        self.base = base
        self.extra = extra
    }

    public subscript<T>(dynamicMember keyPath: KeyPath<Base, T>) -> T { base[keyPath: keyPath] }

    public func encode(to encoder: Encoder) throws {
        try base.encode(to: encoder)
        try extra.encode(to: encoder)
    }

    /// With `JSONValueDecoder` the extra members keep the order of the file (other decoders may
    /// not keep object order).
    public init(from decoder: Decoder) throws {
        base = try Base(from: decoder)
        // The extra members are those `base` does not write.
        let written = Set(try JSONValueEncoder().encode(base).members?.map(\.0) ?? [])
        extra = NamedValues(elements: try NamedValues<JSONValue>(from: decoder).elements.filter { !written.contains($0.name) })
    }
}

extension WithExtraMembers {
    /// Every member, `base`'s then the extra ones, with their values as written.
    public func members() throws -> [(String, JSONValue)] {
        try JSONValueEncoder().encode(self).members ?? []
    }
}

// MARK: - Files

/// A result document could not be read: not JSON, or not the layout this program writes (a
/// member missing, renamed or of the wrong type).
public struct DocumentError: Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)." }
}

extension JSONValue {
    /// The document serialised as `JSONValue.serialized()` writes it.
    public static func serialize<T: Encodable>(_ document: T) throws -> String {
        try JSONValue(encoding: document).serialized()
    }
}

/// Reads a document of type `T` from the JSON file at `path`; a file that is not JSON, or that
/// lacks a member `T` declares, is a `DocumentError` naming the file and the member's path.
public func readDocument<T: Decodable>(_ type: T.Type, path: String) throws -> T {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw DocumentError(path: path, message: "cannot read the file (\((error as NSError).localizedDescription))")
    }
    let json: JSONValue
    do { json = try JSONValue.parse(Array(data)) } catch let e as JSONSyntaxError {
        throw DocumentError(path: path, message: "is not valid JSON (\(e))")
    }
    return try decodeDocument(type, from: json, path: path)
}

/// Decodes a document from a JSON tree read from `path` (named in errors).
public func decodeDocument<T: Decodable>(_ type: T.Type, from json: JSONValue, path: String) throws -> T {
    do {
        return try JSONValueDecoder().decode(type, from: json)
    } catch let e as DecodingError {
        throw DocumentError(path: path, message: describe(e))
    }
}

/// A decoding error as a sentence fragment naming the member's path in the file.
func describe(_ error: DecodingError) -> String {
    let layout = "the file does not have the layout this program reads (schema_version \(SchemaVersion.current))"
    switch error {
    case .keyNotFound(let key, let context):
        return "member '\(pathText(context.codingPath + [key]))' is missing; \(layout)"
    case .valueNotFound(_, let context):
        return "member '\(pathText(context.codingPath))' is null, but a value is needed; \(layout)"
    case .typeMismatch(_, let context):
        return "member '\(pathText(context.codingPath))': \(context.debugDescription); \(layout)"
    case .dataCorrupted(let context):
        return "member '\(pathText(context.codingPath))': \(context.debugDescription)"
    @unknown default:
        return "\(error)"
    }
}
