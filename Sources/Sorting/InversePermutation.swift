import HugePages
import Parallel

/// The inverse of a permutation: `inverse[order[r]] = r` for every `r`.
///
/// Written directly, that is one write per element at a random place; once the array is larger
/// than the processor's caches (tens of megabytes at ten million units) nearly every write misses
/// the cache and the address-translation buffer, and the loop runs at memory latency. From
/// `bucketedMinimum` elements on the writes are instead grouped (`inParallel`): pairs (element,
/// position) are first copied into the bucket of the element's high bits (one of the contiguous
/// ranges of `1 << bucketShift` elements), then each bucket is emptied on its own, its writes
/// falling in a window that stays in cache; both passes run in parallel pieces. Both ways give the
/// same array.
public enum InversePermutation {
    /// From this many elements on, the writes are grouped by bucket.
    static let bucketedMinimum = 1 << 21
    /// log2 of the elements per bucket (16,384 elements: 64 KB of the result, in cache).
    static let bucketShift = 14

    /// The inverse of `order`, a permutation of `0 ..< order.count` (checked: each element must be
    /// in range and appear once).
    public static func of(_ order: [Int32]) -> [Int32] {
        order.withUnsafeBufferPointer { order in
            order.count >= bucketedMinimum ? inParallel(order, pieces: parallelPieces) : direct(order)
        }
    }

    /// Pieces of positions in `inParallel`.
    static let parallelPieces = 8

    /// The bucketed inverse on every core: each of `pieces` runs of positions counts its elements by
    /// bucket, then copies its pairs into its own share of each bucket; the buckets (disjoint ranges
    /// of the result) are then emptied in parallel. Checked as `direct` is: an element out of
    /// range stops the run, and so does a repeated one (some bucket then gets too many pairs, or holds
    /// an element twice).
    static func inParallel(_ order: UnsafeBufferPointer<Int32>, pieces: Int) -> [Int32] {
        let n = order.count
        precondition(n < Int(Int32.max), "InversePermutation handles fewer than 2^31 elements")
        guard n > 0 else { return [] }
        let buckets = (n + (1 << bucketShift) - 1) >> bucketShift
        let bounds = (0...pieces).map { n * $0 / pieces }
        let source = SharedPointer(UnsafeMutablePointer(mutating: order.baseAddress!))
        // counts[p * buckets + b]: piece p's elements in bucket b.
        let counts = SharedPointer(UnsafeMutablePointer<Int>.allocate(capacity: pieces * buckets))
        defer { counts.pointer.deallocate() }
        Parallel.forEach(pieces) { p in
            let mine = counts.pointer + p * buckets
            mine.initialize(repeating: 0, count: buckets)
            for r in bounds[p]..<bounds[p + 1] {
                let u = Int(source.pointer[r])
                precondition(u >= 0 && u < n, "InversePermutation: element \(u) out of range")
                mine[u >> bucketShift] += 1
            }
        }
        // Piece p's first slot in bucket b: the bucket's start, after the earlier pieces' pairs.
        for b in 0..<buckets {
            var at = b << bucketShift
            for p in 0..<pieces {
                let c = counts.pointer[p * buckets + b]
                counts.pointer[p * buckets + b] = at
                at += c
            }
            precondition(at == min(n, (b + 1) << bucketShift), "InversePermutation: element repeated")
        }
        let pairs = SharedPointer(UnsafeMutablePointer<SIMD2<Int32>>.allocate(capacity: n))
        HugePages.advise(pairs.pointer, count: n)
        defer { pairs.pointer.deallocate() }
        Parallel.forEach(pieces) { p in
            let next = counts.pointer + p * buckets
            for r in bounds[p]..<bounds[p + 1] {
                let u = Int(source.pointer[r])
                let b = u >> bucketShift
                pairs.pointer[next[b]] = SIMD2(Int32(truncatingIfNeeded: u), Int32(truncatingIfNeeded: r))
                next[b] += 1
            }
        }
        let unset: Int32 = -1
        return [Int32](hugePagesCapacity: n) { out, initialized in
            let target = SharedPointer(out.baseAddress!)
            Parallel.forEach(pieces) { p in
                let first = buckets * p / pieces, last = buckets * (p + 1) / pieces
                let lo = first << bucketShift, hi = min(n, last << bucketShift)
                guard lo < hi else { return }
                (target.pointer + lo).initialize(repeating: unset, count: hi - lo)
                for k in lo..<hi {
                    let pair = pairs.pointer[k], u = Int(pair[0])
                    precondition(target.pointer[u] == unset, "InversePermutation: element repeated")
                    target.pointer[u] = pair[1]
                }
            }
            initialized = n
        }
    }

    /// The inverse written directly, one element at a time (tests compare `inParallel` with it).
    static func direct(_ order: UnsafeBufferPointer<Int32>) -> [Int32] {
        let n = order.count
        precondition(n < Int(Int32.max), "InversePermutation handles fewer than 2^31 elements")
        let unset: Int32 = -1
        return [Int32](hugePagesCapacity: n) { out, initialized in
            out.initialize(repeating: unset)
            for r in 0..<n {
                let u = Int(order[r])
                precondition(u >= 0 && u < n, "InversePermutation: element \(u) out of range")
                precondition(out[u] == unset, "InversePermutation: element repeated")
                out[u] = Int32(truncatingIfNeeded: r)
            }
            initialized = n
        }
    }
}
