/// A column of numbers as the model and balance stages read it: stored as doubles, or as the
/// indicator of one level of a categorical variable.
///
/// An indicator is held as the variable's category codes (4 bytes a row, shared by every level of
/// the variable, and shared with the loaded table when no row is excluded) and the code of its
/// level, instead of 8 bytes a row for each level. Every reader sees the same doubles either way
/// (1.0 where the code is the level's, 0.0 elsewhere), so results do not depend on the storage:
/// at ten million rows a factor with eight levels costs 40 MB instead of 640 MB.
public enum NumericColumn: Sendable, Equatable {
    /// One double per row.
    case dense([Double])
    /// 1 where `codes[i] == level`, else 0.
    case indicator(codes: [Int32], level: Int32)

    /// Number of rows.
    public var count: Int {
        switch self {
        case .dense(let v): return v.count
        case .indicator(let codes, _): return codes.count
        }
    }

    /// The value of row `i`.
    @inlinable
    public subscript(i: Int) -> Double {
        switch self {
        case .dense(let v): return v[i]
        case .indicator(let codes, let level): return codes[i] == level ? 1 : 0
        }
    }

    /// Every row as a double (a new array for an indicator; the stored one otherwise).
    public var values: [Double] {
        switch self {
        case .dense(let v): return v
        case .indicator(let codes, let level): return codes.map { $0 == level ? 1 : 0 }
        }
    }

    /// True when the column is an indicator (no array of doubles is stored).
    public var isIndicator: Bool {
        if case .indicator = self { return true }
        return false
    }

    /// Calls `body` with the stored doubles, or nil for an indicator (whose rows are read with
    /// `copy(rows:into:)` instead).
    public func withDenseValues<R>(_ body: (UnsafeBufferPointer<Double>?) throws -> R) rethrows -> R {
        switch self {
        case .dense(let v): return try v.withUnsafeBufferPointer { try body($0) }
        case .indicator: return try body(nil)
        }
    }

    /// Writes rows `range` as doubles to `destination[0 ..< range.count]`.
    public func copy(rows range: Range<Int>, into destination: UnsafeMutablePointer<Double>) {
        switch self {
        case .dense(let v):
            v.withUnsafeBufferPointer { src in
                destination.update(from: src.baseAddress! + range.lowerBound, count: range.count)
            }
        case .indicator(let codes, let level):
            codes.withUnsafeBufferPointer { c in
                Self.writeIndicator(codes: c.baseAddress! + range.lowerBound, level: level, count: range.count, into: destination)
            }
        }
    }

    /// `destination[i] = codes[i] == level ? 1 : 0` for `i < count`, four rows at a time.
    @inlinable
    public static func writeIndicator(codes: UnsafePointer<Int32>, level: Int32, count: Int,
                                      into destination: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(codes), out = UnsafeMutableRawPointer(destination)
        // Compare in 32-bit lanes (SSE2 has no 64-bit compare), then convert 0/1 to doubles.
        let wanted = SIMD4<Int32>(repeating: level), one = SIMD4<Int32>(repeating: 1)
        var i = 0
        while i + 4 <= count {
            let c = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Int32>.self)
            let bits = SIMD4<Int32>.zero.replacing(with: one, where: c .== wanted)
            out.storeBytes(of: SIMD4<Double>(bits), toByteOffset: i * 8, as: SIMD4<Double>.self)
            i += 4
        }
        while i < count {
            destination[i] = codes[i] == level ? 1 : 0
            i += 1
        }
    }
}
