/// Stable ordering of `Double` keys in O(n): a least-significant-digit radix sort on the keys'
/// IEEE-754 bit patterns, mapped so that unsigned order equals numeric order.
///
/// Equal keys (including -0.0 and +0.0) keep their input order, which is what R's `order()` does
/// and what MatchIt's tie-breaking relies on. Digit passes in which every key has the same digit
/// are skipped, so integer-valued covariates (ages, counts, indicators) cost one or two passes.
/// NaN keys are not allowed.
public enum RadixSort {
    /// Below this size a comparison sort is faster.
    static let smallSize = 256

    /// The permutation that sorts `keys` ascending (stable).
    public static func ascendingOrder(_ keys: UnsafeBufferPointer<Double>) -> [Int32] {
        order(keys, descending: false)
    }

    /// The permutation that sorts `keys` descending, equal keys in input order.
    public static func descendingOrder(_ keys: UnsafeBufferPointer<Double>) -> [Int32] {
        order(keys, descending: true)
    }

    /// Convenience for arrays.
    public static func ascendingOrder(_ keys: [Double]) -> [Int32] {
        keys.withUnsafeBufferPointer { ascendingOrder($0) }
    }

    /// Convenience for arrays.
    public static func descendingOrder(_ keys: [Double]) -> [Int32] {
        keys.withUnsafeBufferPointer { descendingOrder($0) }
    }

    /// Maps a double to an unsigned integer with the same order (-0.0 treated as +0.0).
    @inline(__always)
    static func orderedBits(_ x: Double, descending: Bool) -> UInt64 {
        let v = x == 0 ? 0.0 : x
        let b = v.bitPattern
        let ascending = (b & (1 << 63)) != 0 ? ~b : b | (1 << 63)
        return descending ? ~ascending : ascending
    }

    static func order(_ keys: UnsafeBufferPointer<Double>, descending: Bool) -> [Int32] {
        let n = keys.count
        precondition(n < Int(Int32.max), "RadixSort handles fewer than 2^31 keys")
        if n < smallSize {
            let sorted = (0..<n).sorted { a, b in
                let ka = orderedBits(keys[a], descending: descending), kb = orderedBits(keys[b], descending: descending)
                return ka < kb || (ka == kb && a < b)
            }
            return sorted.map { Int32($0) }
        }
        var bits = [UInt64](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out[i] = orderedBits(keys[i], descending: descending) }
            count = n
        }
        var index = [Int32](unsafeUninitializedCapacity: n) { out, count in
            for i in 0..<n { out[i] = Int32(i) }
            count = n
        }
        // Histograms of the four 16-bit digits in one pass.
        var counts = [Int](repeating: 0, count: 4 * 65_536)
        bits.withUnsafeBufferPointer { b in
            counts.withUnsafeMutableBufferPointer { c in
                for i in 0..<n {
                    let k = b[i]
                    c[Int(k & 0xFFFF)] += 1
                    c[65_536 + Int((k >> 16) & 0xFFFF)] += 1
                    c[131_072 + Int((k >> 32) & 0xFFFF)] += 1
                    c[196_608 + Int(k >> 48)] += 1
                }
            }
        }
        var bitsOut = [UInt64](repeating: 0, count: n)
        var indexOut = [Int32](repeating: 0, count: n)
        for pass in 0..<4 {
            let base = pass * 65_536
            let shift = UInt64(pass * 16)
            // Skip a digit every key shares.
            let digit0 = Int((bits[0] >> shift) & 0xFFFF)
            if counts[base + digit0] == n { continue }
            var offsets = [Int](repeating: 0, count: 65_536)
            var running = 0
            for d in 0..<65_536 {
                offsets[d] = running
                running += counts[base + d]
            }
            bits.withUnsafeBufferPointer { b in
                index.withUnsafeBufferPointer { ix in
                    bitsOut.withUnsafeMutableBufferPointer { bo in
                        indexOut.withUnsafeMutableBufferPointer { io in
                            offsets.withUnsafeMutableBufferPointer { off in
                                for i in 0..<n {
                                    let k = b[i]
                                    let d = Int((k >> shift) & 0xFFFF)
                                    let at = off[d]
                                    off[d] = at + 1
                                    bo[at] = k
                                    io[at] = ix[i]
                                }
                            }
                        }
                    }
                }
            }
            swap(&bits, &bitsOut)
            swap(&index, &indexOut)
        }
        return index
    }
}
