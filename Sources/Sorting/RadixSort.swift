import HugePages

/// Stable ordering of `Double` keys in O(n): a least-significant-digit radix sort on the keys'
/// IEEE-754 bit patterns, mapped so that unsigned order equals numeric order.
///
/// Equal keys (including -0.0 and +0.0) keep their input order, which is what R's `order()` does
/// and what MatchIt's tie-breaking relies on. (A stable order of given keys is unique, so the result
/// does not depend on how it is computed.) Keys, each with its position (or a payload), go through
/// four passes of 16-bit digits (measured faster here than six of 11 bits, although 65,536 buckets
/// scatter further); the histograms of all digits come from one pass, and passes in which every key
/// has the same digit are skipped, so integer-valued covariates (ages, counts, indicators) cost one
/// or two passes. Keys with few distinct values (at most 16,384: ages, counts, amounts with few
/// decimals) are instead numbered by a hash table and placed by a counting sort of the numbers
/// (`sortFewDistinct`), two passes whatever their bits. NaN keys are not allowed.
public enum RadixSort {
    /// Below this size a comparison sort is faster.
    static let smallSize = 256
    static let digitBits = 16
    static let radix = 1 << digitBits
    static let digitCount = (64 + digitBits - 1) / digitBits

    /// The permutation that sorts `keys` ascending (stable).
    public static func ascendingOrder(_ keys: UnsafeBufferPointer<Double>) -> [Int32] {
        sort(keys, descending: false, wantValues: false).order
    }

    /// The permutation that sorts `keys` descending, equal keys in input order.
    public static func descendingOrder(_ keys: UnsafeBufferPointer<Double>) -> [Int32] {
        sort(keys, descending: true, wantValues: false).order
    }

    /// Convenience for arrays.
    public static func ascendingOrder(_ keys: [Double]) -> [Int32] {
        keys.withUnsafeBufferPointer { ascendingOrder($0) }
    }

    /// Convenience for arrays.
    public static func descendingOrder(_ keys: [Double]) -> [Int32] {
        keys.withUnsafeBufferPointer { descendingOrder($0) }
    }

    /// The ascending permutation and the keys in that order (`sorted[k] == keys[order[k]]`, except
    /// that -0.0 comes back as +0.0), without reading `keys` again at random.
    public static func ascending(_ keys: UnsafeBufferPointer<Double>) -> (order: [Int32], sorted: [Double]) {
        let result = sort(keys, descending: false, wantValues: true)
        return (result.order, result.sorted)
    }

    /// The ascending permutation and where its runs of equal keys end (`runLengths(ofSorted:)` of
    /// the sorted keys), without forming the sorted keys: for a scan that needs only where each
    /// value's run ends (the eCDF statistics), 4 bytes a run instead of 8 a key.
    public static func ascendingRuns(_ keys: UnsafeBufferPointer<Double>) -> (order: [Int32], runs: [Int32]) {
        let result = sort(keys, descending: false, wantValues: false, wantRuns: true)
        return (result.order, result.runs)
    }

    /// The runs of equal keys in ascending order (`runLengths(ofSorted:)` of the sorted keys), each
    /// key's `payload` in that order: `carried[k] == payload[order[k]]` for the ascending
    /// permutation `order`. What a caller would otherwise look up by position afterwards (at random)
    /// travels with the keys instead.
    public static func ascendingRuns(
        _ keys: UnsafeBufferPointer<Double>, carrying payload: UnsafeBufferPointer<UInt32>
    ) -> (runs: [Int32], carried: [UInt32]) {
        precondition(payload.count == keys.count, "RadixSort: one payload per key")
        let result = sort(keys, descending: false, wantValues: false, wantRuns: true, payload: payload)
        return (result.runs, result.order.map { UInt32(bitPattern: $0) })
    }

    /// The lengths of the runs of equal values of `values` (sorted), first to last: a run ends at
    /// position k when k is the last or `values[k] != values[k + 1]` (so -0.0 and +0.0 are one run,
    /// and each NaN a run of its own). At most one run a value, 4 bytes each.
    public static func runLengths(ofSorted values: UnsafeBufferPointer<Double>) -> [Int32] {
        let n = values.count
        return runLengths(count: n) { k in k == n - 1 || values[k] != values[k + 1] }
    }

    /// The runs of `n` positions that end where `endsRun` says, in an array of exactly their number
    /// (counted first: an array grown by appending can hold twice the memory it uses).
    @inline(__always)
    static func runLengths(count n: Int, _ endsRun: (Int) -> Bool) -> [Int32] {
        var count = 0
        for k in 0..<n where endsRun(k) { count += 1 }
        return [Int32](unsafeUninitializedCapacity: count) { out, initialized in
            var start = 0, r = 0
            for k in 0..<n where endsRun(k) {
                out[r] = Int32(truncatingIfNeeded: k + 1 - start)
                r += 1
                start = k + 1
            }
            initialized = r
        }
    }

    /// The runs of equal keys among `n` sorted ordered bits (the same runs as `runLengths(ofSorted:)`
    /// of their values: NaN keys are not allowed, and -0.0 and +0.0 have one key).
    static func runLengths(sortedKeys keys: UnsafePointer<UInt64>, count n: Int) -> [Int32] {
        runLengths(count: n) { k in k == n - 1 || keys[k] != keys[k + 1] }
    }

    /// Maps a double to an unsigned integer with the same order (-0.0 treated as +0.0).
    @inline(__always)
    static func orderedBits(_ x: Double, descending: Bool) -> UInt64 {
        let v = x == 0 ? 0.0 : x
        let b = v.bitPattern
        let ascending = (b & (1 << 63)) != 0 ? ~b : b | (1 << 63)
        return descending ? ~ascending : ascending
    }

    /// The double whose ascending `orderedBits` are `key`.
    @inline(__always)
    static func value(ofAscendingBits key: UInt64) -> Double {
        Double(bitPattern: (key & (1 << 63)) != 0 ? key ^ (1 << 63) : ~key)
    }

    /// From this many keys on, a sort first tries `sortFewDistinct`.
    static let fewDistinctMinimum = 4_096
    /// The most distinct keys `sortFewDistinct` handles (its hash table, 2 slots a key of 8 + 2
    /// bytes, then fits in a core's second-level cache).
    static let fewDistinctMaximum = 1 << 14

    /// The distinct values of `keys[range]` numbered in order of first appearance (open addressing
    /// on the ordered bits): writes each key's number to `codes` (at its position) and returns the
    /// distinct keys (ordered bits) with how many keys have each; nil as soon as one key too many
    /// (more than `fewDistinctMaximum`) appears.
    static func numberDistinct(
        _ keys: UnsafeBufferPointer<Double>, _ range: Range<Int>, descending: Bool, codes: UnsafeMutablePointer<UInt16>
    ) -> PieceDistinct? {
        let slotBits = 15, slots = 1 << slotBits, mask = slots - 1
        // Slot -> distinct value number + 1 (0 = empty).
        let slotEntry = UnsafeMutablePointer<UInt16>.allocate(capacity: slots)
        defer { slotEntry.deallocate() }
        slotEntry.initialize(repeating: 0, count: slots)
        let distinctKeys = UnsafeMutablePointer<UInt64>.allocate(capacity: fewDistinctMaximum)
        defer { distinctKeys.deallocate() }
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: fewDistinctMaximum)
        defer { counts.deallocate() }
        var distinct = 0
        for i in range {
            let k = orderedBits(keys[i], descending: descending)
            var slot = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - slotBits))
            while true {
                let e = Int(slotEntry[slot])
                if e == 0 {
                    if distinct == fewDistinctMaximum { return nil }
                    distinctKeys[distinct] = k
                    counts[distinct] = 1
                    codes[i] = UInt16(truncatingIfNeeded: distinct)
                    distinct += 1
                    slotEntry[slot] = UInt16(truncatingIfNeeded: distinct)
                    break
                }
                if distinctKeys[e - 1] == k {
                    counts[e - 1] += 1
                    codes[i] = UInt16(truncatingIfNeeded: e - 1)
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        return PieceDistinct(keys: Array(UnsafeBufferPointer(start: distinctKeys, count: distinct)),
                             counts: Array(UnsafeBufferPointer(start: counts, count: distinct)))
    }

    /// The same result as `sort` for keys with at most `fewDistinctMaximum` distinct values (ages,
    /// counts, amounts with few decimals), or nil (found as soon as one key too many appears).
    /// One pass gives each key the number of its distinct value (open addressing on the ordered
    /// bits) and counts them; the distinct values are sorted by a comparison sort; one more pass
    /// places each key after the keys of smaller values and after the equal keys before it. That
    /// is a stable sort, and a stable order of given keys is unique, so the result equals the
    /// radix sort's bit for bit, in two passes over the keys instead of up to five.
    static func sortFewDistinct(
        _ keys: UnsafeBufferPointer<Double>, descending: Bool, wantValues: Bool, wantRuns: Bool = false,
        payload: UnsafeBufferPointer<UInt32>?
    ) -> (order: [Int32], sorted: [Double], runs: [Int32])? {
        let n = keys.count
        let codes = UnsafeMutablePointer<UInt16>.allocate(capacity: n)
        defer { codes.deallocate() }
        HugePages.advise(codes, count: n)
        guard let found = numberDistinct(keys, 0..<n, descending: descending, codes: codes) else { return nil }
        let distinct = found.keys.count
        let distinctKeys = found.keys, counts = found.counts
        // The distinct values in ascending order of their keys (no two are equal), and where each
        // one's run of keys starts.
        let byKey = (0..<distinct).sorted { distinctKeys[$0] < distinctKeys[$1] }
        let next = UnsafeMutablePointer<Int>.allocate(capacity: distinct)
        defer { next.deallocate() }
        var running = 0
        for e in byKey {
            next[e] = running
            running += counts[e]
        }
        let values = UnsafeMutablePointer<Double>.allocate(capacity: distinct)
        defer { values.deallocate() }
        for e in 0..<distinct {
            values[e] = value(ofAscendingBits: descending ? ~distinctKeys[e] : distinctKeys[e])
        }
        // One pass places every key (its position or payload, and its value when wanted).
        var sorted = [Double]()
        let order = [Int32](hugePagesCapacity: n) { out, count in
            func place(_ carried: (Int) -> Int32) {
                if wantValues {
                    sorted = [Double](hugePagesCapacity: n) { sortedOut, sortedCount in
                        for i in 0..<n {
                            let e = Int(codes[i]), at = next[e]
                            out[at] = carried(i)
                            sortedOut[at] = values[e]
                            next[e] = at + 1
                        }
                        sortedCount = n
                    }
                } else {
                    for i in 0..<n {
                        let e = Int(codes[i]), at = next[e]
                        out[at] = carried(i)
                        next[e] = at + 1
                    }
                }
            }
            if let payload {
                place { Int32(bitPattern: payload[$0]) }
            } else {
                place { Int32(truncatingIfNeeded: $0) }
            }
            count = n
        }
        // Each distinct value is one run (no NaN), in the order of its key.
        return (order, sorted, wantRuns ? byKey.map { Int32(truncatingIfNeeded: counts[$0]) } : [])
    }

    /// Sorts; `order` holds the input positions, or (with `payload`) the payloads, bit for bit.
    /// `tryFewDistinct: false` always takes the radix passes (for tests that compare the two);
    /// from `parallelFrom` keys on, the sort runs in `pieces` parallel pieces (`parallelSort`).
    /// With `wantRuns`, `runs` holds the lengths of the runs of equal keys in sorted order
    /// (`runLengths(ofSorted: sorted)`), found from the sort's own keys or distinct values.
    static func sort(
        _ keys: UnsafeBufferPointer<Double>, descending: Bool, wantValues: Bool, wantRuns: Bool = false,
        payload: UnsafeBufferPointer<UInt32>? = nil,
        tryFewDistinct: Bool = true, parallelFrom: Int = parallelMinimum, pieces: Int = parallelPieces
    ) -> (order: [Int32], sorted: [Double], runs: [Int32]) {
        let n = keys.count
        precondition(n < Int(Int32.max), "RadixSort handles fewer than 2^31 keys")
        if n >= max(parallelFrom, smallSize, pieces), pieces > 1 {
            return parallelSort(keys, descending: descending, wantValues: wantValues, wantRuns: wantRuns, payload: payload,
                                tryFewDistinct: tryFewDistinct && n >= fewDistinctMinimum, pieces: pieces)
        }
        @inline(__always) func carried(_ i: Int) -> Int { payload.map { Int($0[i]) } ?? i }
        if n < smallSize {
            let order = (0..<n).sorted { a, b in
                let ka = orderedBits(keys[a], descending: descending), kb = orderedBits(keys[b], descending: descending)
                return ka < kb || (ka == kb && a < b)
            }
            let sorted = wantValues || wantRuns ? order.map { keys[$0] == 0 ? 0 : keys[$0] } : []
            return (order.map { Int32(truncatingIfNeeded: carried($0)) }, wantValues ? sorted : [],
                    wantRuns ? sorted.withUnsafeBufferPointer(runLengths(ofSorted:)) : [])
        }
        if tryFewDistinct, n >= fewDistinctMinimum,
           let result = sortFewDistinct(keys, descending: descending, wantValues: wantValues, wantRuns: wantRuns, payload: payload) {
            return result
        }
        // Keys and the positions (or payloads) they carry, as two arrays moved together through the
        // passes: 12 bytes a key in each of two buffers.
        var keysFrom = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        var carryFrom = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
        var keysTo: UnsafeMutablePointer<UInt64>? = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        var carryTo: UnsafeMutablePointer<UInt32>? = UnsafeMutablePointer<UInt32>.allocate(capacity: n)
        HugePages.advise(keysFrom, count: n)
        HugePages.advise(carryFrom, count: n)
        HugePages.advise(keysTo!, count: n)
        HugePages.advise(carryTo!, count: n)
        defer { keysFrom.deallocate(); carryFrom.deallocate(); keysTo?.deallocate(); carryTo?.deallocate() }
        // Keys and the histograms of all digits in one pass.
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: digitCount * radix)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0, count: digitCount * radix)
        let mask = UInt64(radix - 1)
        for i in 0..<n {
            let k = orderedBits(keys[i], descending: descending)
            keysFrom[i] = k
            carryFrom[i] = UInt32(truncatingIfNeeded: carried(i))
            for d in 0..<digitCount { counts[d * radix + Int((k >> UInt64(d * digitBits)) & mask)] += 1 }
        }
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: radix)
        defer { offsets.deallocate() }
        for d in 0..<digitCount {
            let shift = UInt64(d * digitBits)
            let histogram = counts + d * radix
            // Skip a digit every key shares.
            if Int(histogram[Int((keysFrom[0] >> shift) & mask)]) == n { continue }
            var running = 0
            for b in 0..<radix {
                offsets[b] = running
                running += Int(histogram[b])
            }
            let keysTarget = keysTo!, carryTarget = carryTo!
            for i in 0..<n {
                let k = keysFrom[i]
                let b = Int((k >> shift) & mask)
                let at = offsets[b]
                keysTarget[at] = k
                carryTarget[at] = carryFrom[i]
                offsets[b] = at + 1
            }
            keysTo = keysFrom
            carryTo = carryFrom
            keysFrom = keysTarget
            carryFrom = carryTarget
        }
        // The second pair of buffers is not needed for the results: free it before they are
        // allocated, so the peak is two pairs of buffers, not two plus the results.
        keysTo?.deallocate()
        carryTo?.deallocate()
        keysTo = nil
        carryTo = nil
        let order = [Int32](hugePagesCapacity: n) { out, count in
            for k in 0..<n { out[k] = Int32(bitPattern: carryFrom[k]) }
            count = n
        }
        let runs = wantRuns ? runLengths(sortedKeys: keysFrom, count: n) : []
        guard wantValues else { return (order, [], runs) }
        let sorted = [Double](hugePagesCapacity: n) { out, count in
            for k in 0..<n { out[k] = value(ofAscendingBits: descending ? ~keysFrom[k] : keysFrom[k]) }
            count = n
        }
        return (order, sorted, runs)
    }
}
