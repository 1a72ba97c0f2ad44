import Parallel
import RArithmetic
import Sorting
// Weighted eCDF differences, as MatchIt's `qqsum(..., standardize = TRUE)` computes them.
//
// Weights are scaled to sum to 1 within each treatment group and one group's weights are negated;
// after sorting the units by value, the running sum of these signed weights is the difference of the
// two weighted eCDFs. It is read at the last unit of every run of equal values (every distinct value
// in the sample, including values held only by zero-weight units), and the mean and maximum of its
// absolute value are reported. Each column is sorted once (radix sort, O(n)) and scanned once for
// the full and the matched sample together.

/// A column sorted once: where its runs of equal values end, and the units in ascending order of
/// value, each as the index of its signed weights in a weight table (see `ECDFWeights`), carried
/// through the sort so that the scan reads the table, not the units, at random. Ties keep row order,
/// as R's stable `order(x)`. The values themselves are not kept: the scan needs only where each run
/// ends (`RadixSort.runLengths(ofSorted:)`), and a column with few distinct values has few runs.
struct SortedColumn {
    /// The lengths of the runs of equal values, in ascending order of value.
    var runs: [Int32]
    var weightIndex: [UInt32]

    init(_ x: UnsafeBufferPointer<Double>, weights: ECDFWeights) {
        (runs, weightIndex) = weights.index.withUnsafeBufferPointer { RadixSort.ascendingRuns(x, carrying: $0) }
    }

    init(runs: [Int32], weightIndex: [UInt32]) {
        self.runs = runs
        self.weightIndex = weightIndex
    }
}

/// The signed, normalised weights of every unit for two weightings (lane 0 and lane 1), stored as a
/// table of the distinct pairs and one table index per unit. Matching weights take few distinct
/// values, so the table is small enough to stay in cache; if it would have more than
/// `maximumDistinct` entries, each unit gets its own (the table is then the units' weights).
struct ECDFWeights: Sendable {
    static let maximumDistinct = 4_096
    /// The distinct (lane 0, lane 1) weight pairs.
    let table: [SIMD2<Double>]
    /// Per unit, its row in `table`.
    let index: [UInt32]

    init(_ weights: [SIMD2<Double>]) {
        self.init(count: weights.count) { weights[$0] }
    }

    /// The table for the pairs `pair(0), ..., pair(count - 1)`, formed one at a time (no array of
    /// every unit's pair is stored unless there are more than `maximumDistinct` distinct pairs).
    init(count n: Int, pair: (Int) -> SIMD2<Double>) {
        if let (table, index) = Self.distinct(count: n, pair: pair) {
            self.table = table
            self.index = index
        } else {
            table = (0..<n).map(pair)
            index = (0..<n).map { UInt32($0) }
        }
    }

    /// Distinct pairs in order of first appearance (open addressing on the bit patterns), or nil when
    /// there are more than `maximumDistinct`.
    static func distinct(count n: Int, pair: (Int) -> SIMD2<Double>) -> ([SIMD2<Double>], [UInt32])? {
        let slots = 4 * maximumDistinct, mask = slots - 1
        var slotEntry = [Int32](repeating: -1, count: slots)
        var table = [SIMD2<UInt64>]()
        table.reserveCapacity(maximumDistinct)
        var tooMany = false
        let index = [UInt32](unsafeUninitializedCapacity: n) { index, initialized in
            slotEntry.withUnsafeMutableBufferPointer { slotEntry in
                for i in 0..<n {
                    let bits = unsafeBitCast(pair(i), to: SIMD2<UInt64>.self)
                    var slot = Int(truncatingIfNeeded: ((bits[0] &* 0x9E37_79B9_7F4A_7C15) ^ (bits[1] &* 0xC2B2_AE3D_27D4_EB4F)) >> 40) & mask
                    while true {
                        let e = Int(slotEntry[slot])
                        if e < 0 {
                            if table.count == maximumDistinct { tooMany = true; initialized = 0; return }
                            slotEntry[slot] = Int32(table.count)
                            index[i] = UInt32(table.count)
                            table.append(bits)
                            break
                        }
                        if table[e] == bits {
                            index[i] = UInt32(e)
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                }
            }
            initialized = tooMany ? 0 : n
        }
        if tooMany { return nil }
        return (table.map { unsafeBitCast($0, to: SIMD2<Double>.self) }, index)
    }
}

/// Per-unit weights scaled to sum to 1 within each group, negative for controls
/// (MatchIt's `.make_sum_to_1(w, by = t)` followed by negating one group). A group whose weights
/// sum to zero gets NaN, as in R.
func signedGroupWeights(treated: UnsafeBufferPointer<Bool>, weights: UnsafeBufferPointer<Double>) -> [Double] {
    let totals = groupWeightTotals(treated: treated, weights: weights)
    return [Double](unsafeUninitializedCapacity: weights.count) { out, initialized in
        for i in 0..<weights.count {
            out[i] = signedGroupWeight(weights[i], treated: treated[i], totals: totals)
        }
        initialized = weights.count
    }
}

/// Each group's total weight (treated, control), summed in extended precision in unit order.
func groupWeightTotals(treated: UnsafeBufferPointer<Bool>, weights: UnsafeBufferPointer<Double>) -> (treated: Double, control: Double) {
    var totalTreated: ExtendedSum = 0
    var totalControl: ExtendedSum = 0
    for i in 0..<weights.count {
        if treated[i] { totalTreated += ExtendedSum(weights[i]) } else { totalControl += ExtendedSum(weights[i]) }
    }
    return (Double(totalTreated), Double(totalControl))
}

/// One unit's entry of `signedGroupWeights`.
@inline(__always)
func signedGroupWeight(_ w: Double, treated: Bool, totals: (treated: Double, control: Double)) -> Double {
    treated ? w / totals.treated : -(w / totals.control)
}

/// Both eCDF statistics of one column for two weightings at once (lane 0 and lane 1 of
/// `weights`, e.g. the full and the matched sample): one scan over the sorted values,
/// accumulating each lane's signed normalised weights (in extended precision, as R's `cumsum()`
/// does) and summarising the absolute running sums at the end of each run of ties. Each lane's
/// arithmetic is exactly that of a scan of its own.
func ecdfScan(_ column: SortedColumn, weights: ECDFWeights, lanesInParallel: Bool) -> (ECDFStatistics, ECDFStatistics) {
    guard lanesInParallel else { return ecdfScan(column, weights: weights) }
    let lanes = Parallel.map(2) { lane in ecdfScan(column, weights: weights, lane: lane) }
    return (lanes[0], lanes[1])
}

/// The statistics of one lane of `ecdfScan(_:weights:)`, the same arithmetic on that lane's weights:
/// each lane's scan is a sequence of its own, so the two lanes can be scanned on two threads (when
/// one column is scanned at a time, at ten million rows).
func ecdfScan(_ column: SortedColumn, weights: ECDFWeights, lane: Int) -> ECDFStatistics {
    precondition(lane == 0 || lane == 1, "ecdfScan: lane \(lane)")
    guard !column.weightIndex.isEmpty else { return ECDFStatistics(mean: .nan, max: .nan) }
    var running: ExtendedSum = 0, total: ExtendedSum = 0
    var largest = -Double.infinity
    var sawNaN = false
    column.runs.withUnsafeBufferPointer { runs in
        column.weightIndex.withUnsafeBufferPointer { index in
            weights.table.withUnsafeBufferPointer { table in
                var k = 0
                for length in runs {
                    let end = k + Int(length)
                    while k < end {
                        running += ExtendedSum(table[Int(index[k])][lane])
                        k += 1
                    }
                    let d = abs(Double(running))
                    if d.isNaN { sawNaN = true }
                    total += ExtendedSum(d)
                    if d > largest { largest = d }
                }
                precondition(k == index.count, "ecdfScan: runs cover \(k) of \(index.count) units")
            }
        }
    }
    let runs = column.runs.count
    return sawNaN ? ECDFStatistics(mean: .nan, max: .nan) : ECDFStatistics(mean: Double(total / ExtendedSum(runs)), max: largest)
}

/// Both lanes in one scan (see `ecdfScan(_:weights:lanesInParallel:)`).
func ecdfScan(_ column: SortedColumn, weights: ECDFWeights) -> (ECDFStatistics, ECDFStatistics) {
    guard !column.weightIndex.isEmpty else { return (ECDFStatistics(mean: .nan, max: .nan), ECDFStatistics(mean: .nan, max: .nan)) }
    var running0: ExtendedSum = 0, running1: ExtendedSum = 0
    var total0: ExtendedSum = 0, total1: ExtendedSum = 0
    var largest0 = -Double.infinity, largest1 = -Double.infinity
    var sawNaN0 = false, sawNaN1 = false
    column.runs.withUnsafeBufferPointer { runs in
        column.weightIndex.withUnsafeBufferPointer { index in
          weights.table.withUnsafeBufferPointer { table in
            var k = 0
            for length in runs {
                let end = k + Int(length)
                while k < end {
                    let weights = table[Int(index[k])]
                    running0 += ExtendedSum(weights[0])
                    running1 += ExtendedSum(weights[1])
                    k += 1
                }
                let d0 = abs(Double(running0)), d1 = abs(Double(running1))
                if d0.isNaN { sawNaN0 = true }
                if d1.isNaN { sawNaN1 = true }
                total0 += ExtendedSum(d0)
                total1 += ExtendedSum(d1)
                if d0 > largest0 { largest0 = d0 }
                if d1 > largest1 { largest1 = d1 }
            }
            precondition(k == index.count, "ecdfScan: runs cover \(k) of \(index.count) units")
          }
        }
    }
    let runs = column.runs.count
    func statistics(_ sawNaN: Bool, _ total: ExtendedSum, _ largest: Double) -> ECDFStatistics {
        sawNaN ? ECDFStatistics(mean: .nan, max: .nan) : ECDFStatistics(mean: Double(total / ExtendedSum(runs)), max: largest)
    }
    return (statistics(sawNaN0, total0, largest0), statistics(sawNaN1, total1, largest1))
}
