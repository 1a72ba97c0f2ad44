import RArithmetic
import Sorting
// Weighted eCDF differences, as MatchIt's `qqsum(..., standardize = TRUE)` computes them.
//
// Weights are scaled to sum to 1 within each treatment group and one group's weights are negated;
// after sorting the units by value, the running sum of these signed weights is the difference of the
// two weighted eCDFs. It is read at the last unit of every run of equal values (every distinct value
// in the sample, including values held only by zero-weight units), and the mean and maximum of its
// absolute value are reported. Sorting is done once per column: O(n log n).

/// A sort key: a value and the unit's row, so that ties keep data order as R's `order()` does.
struct SortKey {
    var value: Double
    var row: Int
}

/// Rows of `x` in increasing order of value, ties in row order (R's stable `order(x)`).
func sortedKeys(_ x: UnsafeBufferPointer<Double>) -> [SortKey] {
    RadixSort.ascendingOrder(x).map { SortKey(value: x[Int($0)], row: Int($0)) }
}

/// Per-unit weights scaled to sum to 1 within each group, negative for controls
/// (MatchIt's `.make_sum_to_1(w, by = t)` followed by negating one group). A group whose weights
/// sum to zero gets NaN, as in R.
func signedGroupWeights(treated: UnsafeBufferPointer<Bool>, weights: UnsafeBufferPointer<Double>) -> [Double] {
    var totalTreated: ExtendedSum = 0
    var totalControl: ExtendedSum = 0
    for i in 0..<weights.count {
        if treated[i] { totalTreated += ExtendedSum(weights[i]) } else { totalControl += ExtendedSum(weights[i]) }
    }
    let wt = Double(totalTreated), wc = Double(totalControl)
    return [Double](unsafeUninitializedCapacity: weights.count) { out, initialized in
        for i in 0..<weights.count {
            out[i] = treated[i] ? weights[i] / wt : -(weights[i] / wc)
        }
        initialized = weights.count
    }
}

/// Scans sorted values, accumulating signed normalised weights (in extended precision, as R's
/// `cumsum()` does) and summarising the absolute running sum at the end of each run of ties.
func ecdfScan(_ keys: UnsafeBufferPointer<SortKey>, signedWeights w: UnsafeBufferPointer<Double>) -> ECDFStatistics {
    let n = keys.count
    guard n > 0 else { return ECDFStatistics(mean: .nan, max: .nan) }
    var running: ExtendedSum = 0
    var total: ExtendedSum = 0
    var largest = -Double.infinity
    var sawNaN = false
    var runs = 0
    for k in 0..<n {
        running += ExtendedSum(w[keys[k].row])
        if k == n - 1 || keys[k].value != keys[k + 1].value {
            let d = abs(Double(running))
            if d.isNaN { sawNaN = true }
            total += ExtendedSum(d)
            if d > largest { largest = d }
            runs += 1
        }
    }
    if sawNaN { return ECDFStatistics(mean: .nan, max: .nan) }
    return ECDFStatistics(mean: Double(total / ExtendedSum(runs)), max: largest)
}
