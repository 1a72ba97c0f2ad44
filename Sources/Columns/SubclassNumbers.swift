/// The matched set (subclass) of each unit: a whole number, or nil for a unit in no set. Four bytes
/// a unit, where an `[Int?]` takes sixteen (at ten million units, 38 MB instead of 153 MB, held from
/// the match to the last byte written). A collection of `Int?`: read and written as an array of
/// them would be, and encoded as one (`[1, null, 2]`).
public struct SubclassNumbers: RandomAccessCollection, MutableCollection, Sendable, Equatable, Codable,
    ExpressibleByArrayLiteral, CustomStringConvertible
{
    /// The stored code of a unit in no set.
    public static let noSet = Int32.min
    /// Per unit, its set number, or `noSet`.
    @usableFromInline var codes: [Int32]

    /// The numbers `values` (each in `Int32`'s range, above `Int32.min`).
    public init(_ values: some Sequence<Int?>) {
        codes = values.map(Self.code)
    }

    public init(arrayLiteral elements: Int?...) {
        self.init(elements)
    }

    public init(repeating value: Int?, count: Int) {
        codes = [Int32](repeating: Self.code(value), count: count)
    }

    /// The numbers as stored: each unit's set number, or `noSet`.
    public init(codes: [Int32]) {
        self.codes = codes
    }

    @inlinable
    static func code(_ value: Int?) -> Int32 {
        guard let value else { return noSet }
        precondition(value > Int(Int32.min) && value <= Int(Int32.max), "SubclassNumbers: set number \(value) out of range")
        return Int32(value)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { codes.count }

    public subscript(position: Int) -> Int? {
        @inlinable get {
            let c = codes[position]
            return c == Self.noSet ? nil : Int(c)
        }
        @inlinable set { codes[position] = Self.code(newValue) }
    }

    /// Calls `body` with the stored codes (`noSet` for a unit in no set), for loops over every unit.
    public func withUnsafeCodes<R>(_ body: (UnsafeBufferPointer<Int32>) throws -> R) rethrows -> R {
        try codes.withUnsafeBufferPointer(body)
    }

    /// Every unit's number, as an array.
    public var array: [Int?] { Array(self) }

    public var description: String { array.description }

    public init(from decoder: Decoder) throws {
        self.init(try [Int?](from: decoder))
    }

    public func encode(to encoder: Encoder) throws {
        try array.encode(to: encoder)
    }
}
