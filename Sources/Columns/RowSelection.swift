/// The rows of a table that an analysis uses, in order: indices into the table. When every row is
/// used (the usual case: nothing excluded for missing values) nothing is stored, where a list takes
/// eight bytes a row (80 MB at ten million rows, held from the model frame to the last byte written).
/// A collection of `Int`: read as the array of indices would be, and encoded as one (`[0, 1, 3]`).
public struct RowSelection: RandomAccessCollection, Sendable, Equatable, Codable, ExpressibleByArrayLiteral,
    CustomStringConvertible
{
    /// The listed indices, or nil when the selection is every row `0 ..< count`.
    @usableFromInline let listed: [Int]?
    public let endIndex: Int

    /// Every row of a table of `count` rows.
    public init(everyRowOf count: Int) {
        precondition(count >= 0, "RowSelection: a negative row count")
        listed = nil
        endIndex = count
    }

    /// The rows `indices`, in the order given (kept as a list even when they are every row in order;
    /// `==` compares the indices, whatever the storage).
    public init(_ indices: [Int]) {
        listed = indices
        endIndex = indices.count
    }

    public init(arrayLiteral elements: Int...) {
        self.init(elements)
    }

    public var startIndex: Int { 0 }

    @inlinable
    public subscript(position: Int) -> Int {
        if let listed { return listed[position] }
        precondition(position >= 0 && position < endIndex, "RowSelection: index out of range")
        return position
    }

    /// Whether the selection is every row of the table in order, with nothing stored.
    public var isEveryRow: Bool { listed == nil }

    /// The indices as an array.
    public var array: [Int] { listed ?? Array(0..<endIndex) }

    public var description: String { array.description }

    public static func == (lhs: RowSelection, rhs: RowSelection) -> Bool {
        if lhs.listed == nil, rhs.listed == nil { return lhs.endIndex == rhs.endIndex }
        return lhs.elementsEqual(rhs)
    }

    /// Decodes the array of indices; one that is every row in order is kept without a list.
    public init(from decoder: Decoder) throws {
        let indices = try [Int](from: decoder)
        if indices.enumerated().allSatisfy({ $0.offset == $0.element }) {
            self.init(everyRowOf: indices.count)
        } else {
            self.init(indices)
        }
    }

    public func encode(to encoder: Encoder) throws {
        try array.encode(to: encoder)
    }
}

extension RowSelection {
    /// For each row of the table, its position in the selection, or -1 when it is not selected: the
    /// identity, with nothing stored, when the selection is every row of the table (where a list takes
    /// four bytes a row).
    public struct Positions: Sendable {
        /// The listed positions, or nil for the identity.
        @usableFromInline let listed: [Int32]?
        /// Rows of the table.
        public let count: Int

        /// The position of table row `row`, or -1.
        @inlinable
        public subscript(row: Int) -> Int {
            if let listed { return Int(listed[row]) }
            precondition(row >= 0 && row < count, "RowSelection.Positions: row out of range")
            return row
        }

        /// Calls `body` with the listed positions, or nil for the identity (for loops over every row).
        public func withUnsafePositions<R>(_ body: (UnsafeBufferPointer<Int32>?) throws -> R) rethrows -> R {
            guard let listed else { return try body(nil) }
            return try listed.withUnsafeBufferPointer { try body($0) }
        }
    }

    /// The position of each row of a table of `tableRowCount` rows (every selected index must be below it).
    public func positions(inTableOf tableRowCount: Int) -> Positions {
        if isEveryRow, count == tableRowCount { return Positions(listed: nil, count: tableRowCount) }
        precondition(count < Int(Int32.max), "RowSelection: too many rows for 32-bit positions")
        var index = [Int32](repeating: -1, count: tableRowCount)
        for (k, r) in enumerated() { index[r] = Int32(k) }
        return Positions(listed: index, count: tableRowCount)
    }
}
