// Mean absolute within-pair differences (MatchIt's `pair.dist()`).

import RArithmetic

/// Units grouped into matched sets, in the order MatchIt's `pairdistsubC` visits them: sorted by
/// set id, and within a set by row. Built once and shared by every column.
struct MatchedSetLayout: Sendable {
    /// Rows of units that belong to a set, grouped by set.
    var rows: [Int]
    /// Start offsets of each set in `rows`, plus a final end offset.
    var starts: [Int]

    init(subclass: [Int?]) {
        var keyed: [(set: Int, row: Int)] = []
        keyed.reserveCapacity(subclass.count)
        for (row, s) in subclass.enumerated() {
            if let s { keyed.append((s, row)) }
        }
        keyed.sort { $0.set < $1.set || ($0.set == $1.set && $0.row < $1.row) }
        rows = keyed.map(\.row)
        starts = []
        var previous: Int? = nil
        for (k, entry) in keyed.enumerated() where entry.set != previous {
            starts.append(k)
            previous = entry.set
        }
        starts.append(keyed.count)
    }

    /// The running mean of |x_j − x_i| over every treated–control pair within each set, updated as
    /// `dist += (|x_j − x_i| − dist) / k` in MatchIt's visiting order (0 when there are no pairs).
    func meanPairDistance(_ x: UnsafeBufferPointer<Double>, treated: UnsafeBufferPointer<Bool>) -> Double {
        var dist = 0.0
        var k = 0
        rows.withUnsafeBufferPointer { rows in
            for s in 0..<(starts.count - 1) {
                let end = starts[s + 1]
                var i = starts[s]
                while i < end {
                    let ri = rows[i]
                    let ti = treated[ri]
                    let xi = x[ri]
                    var j = i + 1
                    while j < end {
                        let rj = rows[j]
                        if treated[rj] != ti {
                            k += 1
                            dist += (abs(x[rj] - xi) - dist) / Double(k)
                        }
                        j += 1
                    }
                    i += 1
                }
            }
        }
        return dist
    }
}

extension MatchMatrix {
    /// `mean(abs(x[focal] - x[match]))` over all (focal, match) pairs of the matrix, visiting the
    /// matrix column by column as R does (NaN when there are no pairs).
    func meanPairDistance(_ x: UnsafeBufferPointer<Double>) -> Double {
        var total: ExtendedSum = 0
        var count = 0
        let width = matches.reduce(0) { Swift.max($0, $1.count) }
        for slot in 0..<width {
            for (f, list) in zip(focalUnits, matches) where slot < list.count {
                total += ExtendedSum(abs(x[f] - x[list[slot]]))
                count += 1
            }
        }
        return count == 0 ? .nan : Double(total / ExtendedSum(count))
    }
}

/// MatchIt's standardisation of a pair distance: divide by the scale unless the distance is
/// within 1e-8 of zero (or MatchIt reports the raw value, `scale == nil`).
@inline(__always)
func standardizedPairDistance(_ raw: Double, scale: Double?) -> Double {
    if let scale, abs(raw) > 1e-8 { return raw / scale }
    return raw
}
