import HugePages
import Parallel

/// The same sorts as `RadixSort.sort` and `RadixSort.sortFewDistinct`, run on every core for
/// national-scale inputs: the keys are cut into `parallelPieces` pieces of consecutive positions,
/// each piece counts its own keys, and each piece then places its keys in its own share of every
/// bucket (the share after the earlier pieces' keys of that bucket). Within a bucket the keys of
/// piece 0 come first, in input order, then those of piece 1, and so on, which is input order: the
/// sort is stable, and a stable order of given keys is unique, so the result is the serial sort's
/// bit for bit, whatever the number of pieces or threads.
extension RadixSort {
    /// From this many keys on, `sort` runs in parallel pieces. Below it (a million-row cohort) the
    /// callers already sort several columns at once, or sort beside other work.
    static let parallelMinimum = 1 << 21
    /// Pieces of a parallel sort: a number fixed here, not by the thread count (the result does not
    /// depend on it anyway).
    static let parallelPieces = 8

    /// The pointers a parallel pass shares; each piece writes only its own positions.
    struct SortBuffers: @unchecked Sendable {
        let keys: UnsafeBufferPointer<Double>
        let payload: UnsafeBufferPointer<UInt32>?
        let bounds: [Int]
        @inline(__always) func carried(_ i: Int) -> UInt32 {
            payload.map { $0[i] } ?? UInt32(truncatingIfNeeded: i)
        }
        @inline(__always) func range(_ piece: Int) -> Range<Int> { bounds[piece]..<bounds[piece + 1] }
    }

    /// `sort` for `n >= pieces` keys (no NaN), in `pieces` parallel pieces.
    static func parallelSort(
        _ keys: UnsafeBufferPointer<Double>, descending: Bool, wantValues: Bool, wantRuns: Bool = false,
        payload: UnsafeBufferPointer<UInt32>?, tryFewDistinct: Bool, pieces: Int
    ) -> (order: [Int32], sorted: [Double], runs: [Int32]) {
        let n = keys.count
        let buffers = SortBuffers(keys: keys, payload: payload, bounds: (0...pieces).map { n * $0 / pieces })
        if tryFewDistinct,
           let result = parallelSortFewDistinct(buffers, descending: descending, wantValues: wantValues, wantRuns: wantRuns,
                                                pieces: pieces) {
            return result
        }
        var keysFrom = SharedPointer<UInt64>(capacity: n), carryFrom = SharedPointer<UInt32>(capacity: n)
        var keysTo = SharedPointer<UInt64>(capacity: n), carryTo = SharedPointer<UInt32>(capacity: n)
        defer { keysFrom.pointer.deallocate(); carryFrom.pointer.deallocate() }
        // counts[(piece * digitCount + digit) * radix + bucket]: the keys of a piece in a bucket.
        let counts = SharedPointer<Int32>(capacity: pieces * digitCount * radix)
        defer { counts.pointer.deallocate() }
        let mask = UInt64(radix - 1)
        // Keys, carried values and every digit's histogram, a piece at a time.
        let firstKeys = keysFrom, firstCarry = carryFrom
        Parallel.forEach(pieces) { p in
            let histograms = counts.pointer + p * digitCount * radix
            histograms.initialize(repeating: 0, count: digitCount * radix)
            for i in buffers.range(p) {
                let k = orderedBits(buffers.keys[i], descending: descending)
                firstKeys.pointer[i] = k
                firstCarry.pointer[i] = buffers.carried(i)
                for d in 0..<digitCount { histograms[d * radix + Int((k >> UInt64(d * digitBits)) & mask)] += 1 }
            }
        }
        let offsets = SharedPointer<Int>(capacity: pieces * radix)
        defer { offsets.pointer.deallocate() }
        var passes = 0
        for d in 0..<digitCount {
            let shift = UInt64(d * digitBits)
            let firstBucket = Int((keysFrom.pointer[0] >> shift) & mask)
            var total = 0
            for p in 0..<pieces { total += Int(counts.pointer[(p * digitCount + d) * radix + firstBucket]) }
            if total == n { continue }  // a digit every key shares
            if passes > 0 {
                // The keys have moved since they were counted: count this digit again, by piece.
                let from = keysFrom
                Parallel.forEach(pieces) { p in
                    let histogram = counts.pointer + (p * digitCount + d) * radix
                    histogram.initialize(repeating: 0, count: radix)
                    for i in buffers.range(p) { histogram[Int((from.pointer[i] >> shift) & mask)] += 1 }
                }
            }
            // Piece p's first position in bucket b: every key of a smaller bucket, then the keys of
            // bucket b in the pieces before p.
            var running = 0
            for b in 0..<radix {
                for p in 0..<pieces {
                    offsets.pointer[p * radix + b] = running
                    running += Int(counts.pointer[(p * digitCount + d) * radix + b])
                }
            }
            let from = (keysFrom, carryFrom), to = (keysTo, carryTo)
            Parallel.forEach(pieces) { p in
                let next = offsets.pointer + p * radix
                for i in buffers.range(p) {
                    let k = from.0.pointer[i]
                    let b = Int((k >> shift) & mask)
                    let at = next[b]
                    to.0.pointer[at] = k
                    to.1.pointer[at] = from.1.pointer[i]
                    next[b] = at + 1
                }
            }
            swap(&keysFrom, &keysTo)
            swap(&carryFrom, &carryTo)
            passes += 1
        }
        // The spare pair is not needed for the results: free it first, as `sort` does.
        keysTo.pointer.deallocate()
        carryTo.pointer.deallocate()
        let finalKeys = keysFrom, finalCarry = carryFrom
        let order = [Int32](hugePagesCapacity: n) { out, count in
            let target = SharedPointer(out.baseAddress!)
            Parallel.forEach(pieces) { p in
                for k in buffers.range(p) { target.pointer[k] = Int32(bitPattern: finalCarry.pointer[k]) }
            }
            count = n
        }
        let runs = wantRuns ? runLengths(sortedKeys: finalKeys.pointer, count: n) : []
        guard wantValues else { return (order, [], runs) }
        let sorted = [Double](hugePagesCapacity: n) { out, count in
            let target = SharedPointer(out.baseAddress!)
            Parallel.forEach(pieces) { p in
                for k in buffers.range(p) {
                    let key = finalKeys.pointer[k]
                    target.pointer[k] = value(ofAscendingBits: descending ? ~key : key)
                }
            }
            count = n
        }
        return (order, sorted, runs)
    }

    /// What `numberDistinct` found in a range of keys (all of them, or one piece of a parallel
    /// sort): its distinct keys (ordered bits) in order of first appearance, and how many keys have each.
    struct PieceDistinct: Sendable {
        var keys: [UInt64] = []
        var counts: [Int] = []
    }

    /// `sortFewDistinct` in parallel pieces: each piece numbers its keys' distinct values with a
    /// table of its own; the pieces' values are merged and sorted; each piece then places its keys.
    /// Nil when the keys have more than `fewDistinctMaximum` distinct values.
    static func parallelSortFewDistinct(
        _ buffers: SortBuffers, descending: Bool, wantValues: Bool, wantRuns: Bool = false, pieces: Int
    ) -> (order: [Int32], sorted: [Double], runs: [Int32])? {
        let n = buffers.keys.count
        let codes = SharedPointer<UInt16>(capacity: n)
        defer { codes.pointer.deallocate() }
        let found: [PieceDistinct?] = Parallel.map(pieces) { p in
            numberDistinct(buffers.keys, buffers.range(p), descending: descending, codes: codes.pointer)
        }
        var perPiece: [PieceDistinct] = []
        for f in found {
            guard let f else { return nil }
            perPiece.append(f)
        }
        // Every distinct key, ascending; each piece's numbers mapped to their place in it.
        var all = Array(Set(perPiece.flatMap(\.keys)))
        guard all.count <= fewDistinctMaximum else { return nil }
        all.sort()
        var rankOfKey: [UInt64: Int] = [:]
        rankOfKey.reserveCapacity(all.count)
        for (r, k) in all.enumerated() { rankOfKey[k] = r }
        let ranks = perPiece.map { $0.keys.map { rankOfKey[$0]! } }
        // Where each piece's keys of each value start: after every key of a smaller value, then
        // after the earlier pieces' keys of the same value.
        var totals = [Int](repeating: 0, count: all.count)
        for (p, piece) in perPiece.enumerated() {
            for (e, c) in piece.counts.enumerated() { totals[ranks[p][e]] += c }
        }
        var running = [Int](repeating: 0, count: all.count)
        var start = 0
        for r in 0..<all.count {
            running[r] = start
            start += totals[r]
        }
        var firstPositions: [[Int]] = []
        for (p, piece) in perPiece.enumerated() {
            firstPositions.append(piece.counts.indices.map { e in
                let r = ranks[p][e]
                defer { running[r] += piece.counts[e] }
                return running[r]
            })
        }
        let values = perPiece.map { piece in
            piece.keys.map { value(ofAscendingBits: descending ? ~$0 : $0) }
        }
        let starts = firstPositions
        var sorted = [Double]()
        let order = [Int32](hugePagesCapacity: n) { out, count in
            let target = SharedPointer(out.baseAddress!)
            if wantValues {
                sorted = [Double](hugePagesCapacity: n) { sortedOut, sortedCount in
                    let sortedTarget = SharedPointer(sortedOut.baseAddress!)
                    Parallel.forEach(pieces) { p in
                        var next = starts[p]
                        values[p].withUnsafeBufferPointer { pieceValues in
                            next.withUnsafeMutableBufferPointer { next in
                                for i in buffers.range(p) {
                                    let e = Int(codes.pointer[i]), at = next[e]
                                    target.pointer[at] = Int32(bitPattern: buffers.carried(i))
                                    sortedTarget.pointer[at] = pieceValues[e]
                                    next[e] = at + 1
                                }
                            }
                        }
                    }
                    sortedCount = n
                }
            } else {
                Parallel.forEach(pieces) { p in
                    var next = starts[p]
                    next.withUnsafeMutableBufferPointer { next in
                        for i in buffers.range(p) {
                            let e = Int(codes.pointer[i]), at = next[e]
                            target.pointer[at] = Int32(bitPattern: buffers.carried(i))
                            next[e] = at + 1
                        }
                    }
                }
            }
            count = n
        }
        // Each distinct value is one run (no NaN), in key order.
        return (order, sorted, wantRuns ? totals.map { Int32(truncatingIfNeeded: $0) } : [])
    }
}
