import HugePages

/// The inverse of a permutation: `inverse[order[r]] = r` for every `r`.
///
/// Written directly, that is one write per element at a random place; once the array is larger
/// than the processor's caches (tens of megabytes at ten million units) nearly every write misses
/// the cache and the address-translation buffer, and the loop runs at memory latency. Above
/// `bucketedMinimum` elements the writes are instead grouped: a first pass copies each pair
/// (element, position) into the bucket of the element's high bits (one of `bucketCount` contiguous
/// ranges of elements, so a permutation fills each bucket exactly and no counting pass is needed),
/// and a second pass empties one bucket at a time, whose writes then fall in a window that stays
/// in cache. Both ways give the same array.
public enum InversePermutation {
    /// From this many elements on, the writes are grouped by bucket.
    static let bucketedMinimum = 1 << 21
    /// log2 of the elements per bucket (16,384 elements: 64 KB of the result, in cache).
    static let bucketShift = 14

    /// The inverse of `order`, a permutation of `0 ..< order.count` (checked: each element must be
    /// in range and appear once).
    public static func of(_ order: [Int32]) -> [Int32] {
        order.withUnsafeBufferPointer { of($0, bucketed: $0.count >= bucketedMinimum) }
    }

    /// `of(_:)` with the method chosen by the caller (tests compare the two).
    static func of(_ order: UnsafeBufferPointer<Int32>, bucketed: Bool) -> [Int32] {
        let n = order.count
        precondition(n < Int(Int32.max), "InversePermutation handles fewer than 2^31 elements")
        let unset: Int32 = -1
        let inverse = [Int32](hugePagesCapacity: n) { out, initialized in
            out.initialize(repeating: unset)
            if bucketed {
                // Bucket b holds the elements b << shift ..< (b + 1) << shift, so it starts at
                // b << shift in the pair array and ends where the next one starts.
                let pairs = UnsafeMutablePointer<SIMD2<Int32>>.allocate(capacity: n)
                HugePages.advise(pairs, count: n)
                defer { pairs.deallocate() }
                let buckets = (n + (1 << bucketShift) - 1) >> bucketShift
                var next = (0..<buckets).map { $0 << bucketShift }
                next.withUnsafeMutableBufferPointer { next in
                    for r in 0..<n {
                        let u = Int(order[r])
                        precondition(u >= 0 && u < n, "InversePermutation: element \(u) out of range")
                        let b = u >> bucketShift
                        let at = next[b]
                        precondition(at < min(n, (b + 1) << bucketShift), "InversePermutation: element repeated")
                        pairs[at] = SIMD2(Int32(truncatingIfNeeded: u), Int32(truncatingIfNeeded: r))
                        next[b] = at + 1
                    }
                }
                for k in 0..<n {
                    let pair = pairs[k], u = Int(pair[0])
                    precondition(out[u] == unset, "InversePermutation: element repeated")
                    out[u] = pair[1]
                }
            } else {
                for r in 0..<n {
                    let u = Int(order[r])
                    precondition(u >= 0 && u < n, "InversePermutation: element \(u) out of range")
                    precondition(out[u] == unset, "InversePermutation: element repeated")
                    out[u] = Int32(truncatingIfNeeded: r)
                }
            }
            initialized = n
        }
        return inverse
    }
}
