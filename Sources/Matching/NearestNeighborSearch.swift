import HugePages

/// The controls of one exact-matching cell, in order of distance, with a skip structure over the
/// ones still available.
///
/// `positions[k]` is the rank of control `units[k]` in the ascending order of all units'
/// distances (ties in data order). Controls used up are skipped in amortised O(1) by two
/// disjoint-set forests with path compression (next available to the right / to the left).
struct ControlRun {
    /// Unit indices, ascending by global rank (4 bytes each: unit counts are below 2^31, as the
    /// ranking's `Int32` order already requires).
    let units: [Int32]
    /// Global rank of each unit in `units`.
    let positions: [Int32]
    /// `right[k]`: an index >= k on the path to the next available control (count = sentinel).
    private var right: [Int32]
    /// `left[k + 1]`: an index <= k on the path to the previous available control, shifted by one
    /// (0 = sentinel for "none").
    private var left: [Int32]
    /// The last answer of `firstIndex(afterRank:)`, where the next search starts.
    private var finger = 0

    /// - Parameter linked: form the skip structure now; without it, `link()` must be called
    ///   before the first search. A run that a worker copies and then mutates (matching without
    ///   replacement) is formed unlinked and linked by the worker: linked first, the copy's first
    ///   removal would copy both arrays (8 bytes a control: 72 MB at ten million rows), not only
    ///   form them.
    init(units: [Int32], positions: [Int32], linked: Bool = true) {
        self.units = units
        self.positions = positions
        right = []
        left = []
        if linked { link() }
    }

    /// Forms the skip structure (every control available), unless it is formed.
    mutating func link() {
        guard right.isEmpty else { return }
        let count = units.count
        func identity() -> [Int32] {
            [Int32](hugePagesCapacity: count + 1) { out, initialized in
                for k in 0...count { out[k] = Int32(k) }
                initialized = count + 1
            }
        }
        right = identity()
        left = identity()
    }

    var count: Int { units.count }

    /// First available index >= k, or `count` when none.
    mutating func nextAvailable(from k: Int) -> Int {
        var r = k
        while Int(right[r]) != r { r = Int(right[r]) }
        var c = k
        while Int(right[c]) != r { let next = Int(right[c]); right[c] = Int32(r); c = next }
        return r
    }

    /// Last available index <= k, or -1 when none.
    mutating func previousAvailable(from k: Int) -> Int {
        var r = k + 1
        while Int(left[r]) != r { r = Int(left[r]) }
        var c = k + 1
        while Int(left[c]) != r { let next = Int(left[c]); left[c] = Int32(r); c = next }
        return r - 1
    }

    /// Marks index k as used up.
    mutating func remove(_ k: Int) {
        right[k] = Int32(k + 1)
        left[k + 1] = Int32(k)
    }

    /// Index of the first control whose rank is greater than `rank` (`count` when none).
    ///
    /// Searched from the previous answer (a finger), galloping outward by doubling steps and then
    /// halving: the matching order visits focal units by distance, so consecutive searches ask
    /// about nearby ranks and take a few probes near memory already in cache, instead of a
    /// binary search's twenty from the middle. The answer is the same either way.
    mutating func firstIndex(afterRank rank: Int) -> Int {
        let n = positions.count
        var lo: Int, hi: Int
        let f = min(finger, n)
        if f > 0 && Int(positions[f - 1]) > rank {
            // The answer is below f: gallop down.
            hi = f - 1
            var step = 1
            while true {
                let probe = hi - step
                if probe <= 0 { lo = 0; break }
                if Int(positions[probe - 1]) <= rank { lo = probe; break }
                hi = probe - 1
                step &*= 2
            }
        } else {
            // The answer is f or above: gallop up.
            lo = f
            var step = 1
            while true {
                let probe = lo + step
                if probe > n { hi = n; break }
                if Int(positions[probe - 1]) > rank { hi = probe - 1; break }
                lo = probe
                step &*= 2
            }
        }
        while lo < hi {
            let mid = (lo + hi) / 2
            if Int(positions[mid]) <= rank { lo = mid + 1 } else { hi = mid }
        }
        finger = lo
        return lo
    }
}

/// A candidate found while searching outward from a focal unit.
struct Candidate {
    var unit: Int
    var index: Int      // index in the ControlRun
    var distance: Double
}

/// Storage for `findNearestControls(...into:)`, kept from one search to the next so that a run of
/// searches (a million focal units, one after another) allocates nothing per search.
struct SearchScratch {
    /// After a search: the controls chosen, closest first (as `selectClosest` orders them).
    var found: [Candidate] = []
    var order: [Int] = []
    var picked: [Candidate] = []
}

/// Searches outward from a focal unit for its nearest available controls, exactly as MatchIt 4.7's
/// `find_control_vec` does.
///
/// MatchIt walks the distance-sorted list of all units, alternating one step left and one step
/// right of the focal unit (left first), skipping units that are not available controls. The k-th
/// step on the left therefore comes before the k-th step on the right. This implementation visits
/// only available controls of the cell (through the skip structure) and orders them by their step
/// count on each side, which reproduces MatchIt's discovery order, its stopping rules and hence its
/// tie-breaking, without scanning used or non-control units.
///
/// - Parameters:
///   - sortedDistance: every unit's distance, in ascending order (read at the run's positions).
///   - focalDistance: the focal unit's distance.
///   - leftStart, rightStart: the search window's edges as global ranks (the focal unit's rank in
///     a first round; the outermost earlier matches in later rounds).
///   - minimumDistance: candidates closer than this are skipped (later rounds).
///   - caliper: maximum |distance difference|, or `nil`.
///   - ratio: how many controls are wanted.
///   - excluded: units that may not be chosen (earlier matches of this focal unit).
///   - scratch: working storage, reused from one search to the next; the chosen controls are left
///     in `scratch.found`, closest first.
func findNearestControls(
    run: inout ControlRun, sortedDistance: UnsafeBufferPointer<Double>, focalDistance: Double,
    leftStart: Int, rightStart: Int, minimumDistance: Double, caliper: Double?, ratio: Int,
    excluded: UnsafeBufferPointer<Int32>, into scratch: inout SearchScratch
) {
    scratch.found.removeAll(keepingCapacity: true)
    var leftStopped = false, rightStopped = false
    var leftMatches = 0, rightMatches = 0
    // Next candidate index on each side (through the skip structure).
    let firstRight = run.firstIndex(afterRank: rightStart)
    let lastLeft = run.firstIndex(afterRank: leftStart - 1) - 1  // last control with rank < leftStart
    var nextRight = firstRight < run.count ? run.nextAvailable(from: firstRight) : run.count
    var nextLeft = lastLeft >= 0 ? run.previousAvailable(from: lastLeft) : -1
    if nextRight >= run.count { rightStopped = true }
    if nextLeft < 0 { leftStopped = true }

    while !leftStopped || !rightStopped {
        // Pick the side whose next candidate is reached in fewer steps (left on ties).
        let goLeft: Bool
        if leftStopped { goLeft = false } else if rightStopped { goLeft = true } else {
            let leftSteps = leftStart - Int(run.positions[nextLeft])
            let rightSteps = Int(run.positions[nextRight]) - rightStart
            goLeft = leftSteps <= rightSteps
        }
        let k = goLeft ? nextLeft : nextRight
        let code = run.units[k], unit = Int(code)
        // Advance this side before any `continue`.
        if goLeft {
            nextLeft = k > 0 ? run.previousAvailable(from: k - 1) : -1
        } else {
            nextRight = k + 1 < run.count ? run.nextAvailable(from: k + 1) : run.count
        }
        defer {
            if !goLeft, nextRight >= run.count { rightStopped = true }
            if goLeft, nextLeft < 0 { leftStopped = true }
        }
        if excluded.contains(code) { continue }
        let d = abs(focalDistance - sortedDistance[Int(run.positions[k])])
        if let c = caliper, d > c {
            if goLeft { leftStopped = true } else { rightStopped = true }
            continue
        }
        if d < minimumDistance { continue }
        if scratch.found.count >= ratio {
            var closer = 0
            for f in scratch.found where f.distance < d {
                closer += 1
                if closer == ratio { break }
            }
            if closer >= ratio {
                if goLeft { leftStopped = true } else { rightStopped = true }
                continue
            }
        }
        scratch.found.append(Candidate(unit: unit, index: k, distance: d))
        if goLeft {
            leftMatches += 1
            if leftMatches == ratio { leftStopped = true }
        } else {
            rightMatches += 1
            if rightMatches == ratio { rightStopped = true }
        }
    }
    selectClosest(&scratch.found, ratio: ratio, order: &scratch.order, picked: &scratch.picked)
}

/// Chooses the `ratio` closest candidates the way MatchIt does, including how ties fall:
/// candidates already in ascending order (and no more than wanted) are kept as found; more than
/// `ratio` are reduced with a heap selection followed by a heap sort (the GNU C++ library's
/// `std::partial_sort`, which MatchIt's compiled code uses); otherwise a stable insertion sort
/// (what `std::sort` does for up to 16 elements). In place: `found` becomes the chosen candidates;
/// `order` and `picked` are working storage (their contents are replaced, their capacity kept for
/// the next call).
func selectClosest(_ found: inout [Candidate], ratio: Int, order: inout [Int], picked: inout [Candidate]) {
    let n = found.count
    if n <= 1 { return }
    if n <= ratio {
        for i in 1..<n where found[i].distance < found[i - 1].distance {
            insertionSort(&found)
            return
        }
        return
    }
    if ratio == 1 {
        // `std::partial_sort` with a heap of one: a later candidate takes the top only when strictly
        // closer, so the first of the closest is kept.
        var best = 0
        for i in 1..<n where found[i].distance < found[best].distance { best = i }
        found[0] = found[best]
        found.removeLast(n - 1)
        return
    }
    order.removeAll(keepingCapacity: true)
    order.append(contentsOf: 0..<n)
    found.withUnsafeBufferPointer { candidates in
        partialSort(&order, middle: ratio, by: { candidates[$0].distance < candidates[$1].distance })
        picked.removeAll(keepingCapacity: true)
        for k in 0..<ratio { picked.append(candidates[order[k]]) }
    }
    swap(&found, &picked)
}

/// Stable insertion sort by distance, in place.
func insertionSort(_ a: inout [Candidate]) {
    for i in 1..<max(a.count, 1) {
        let v = a[i]
        var j = i
        while j > 0, v.distance < a[j - 1].distance { a[j] = a[j - 1]; j -= 1 }
        a[j] = v
    }
}

// MARK: - Heap selection with the GNU C++ library's tie behaviour

/// Sorts the `middle` smallest elements of `a` into `a[0..<middle]`, reproducing the element
/// movements of libstdc++'s `std::partial_sort` (heap select, then heap sort) so that equal keys end
/// up in the same order.
func partialSort(_ a: inout [Int], middle: Int, by less: (Int, Int) -> Bool) {
    makeHeap(&a, count: middle, by: less)
    for i in middle..<a.count where less(a[i], a[0]) {
        // pop_heap(first, middle, i): the heap's top goes to i, the old a[i] is sifted in.
        let value = a[i]
        a[i] = a[0]
        adjustHeap(&a, hole: 0, count: middle, value: value, by: less)
    }
    // sort_heap(first, middle)
    var last = middle
    while last > 1 {
        last -= 1
        let value = a[last]
        a[last] = a[0]
        adjustHeap(&a, hole: 0, count: last, value: value, by: less)
    }
}

func makeHeap(_ a: inout [Int], count len: Int, by less: (Int, Int) -> Bool) {
    if len < 2 { return }
    var parent = (len - 2) / 2
    while true {
        let value = a[parent]
        adjustHeap(&a, hole: parent, count: len, value: value, by: less)
        if parent == 0 { return }
        parent -= 1
    }
}

/// Moves the hole down to a leaf along the larger children, then pushes `value` up.
func adjustHeap(_ a: inout [Int], hole start: Int, count len: Int, value: Int, by less: (Int, Int) -> Bool) {
    let top = start
    var hole = start
    var child = start
    while child < (len - 1) / 2 {
        child = 2 * (child + 1)
        if less(a[child], a[child - 1]) { child -= 1 }
        a[hole] = a[child]
        hole = child
    }
    if len & 1 == 0, child == (len - 2) / 2 {
        child = 2 * (child + 1)
        a[hole] = a[child - 1]
        hole = child - 1
    }
    // push_heap
    var parent = (hole - 1) / 2
    while hole > top, less(a[parent], value) {
        a[hole] = a[parent]
        hole = parent
        parent = (hole - 1) / 2
    }
    a[hole] = value
}
