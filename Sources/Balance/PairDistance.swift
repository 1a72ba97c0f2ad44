// Mean absolute within-pair differences (MatchIt's `pair.dist()`).

import Columns
import RArithmetic

/// Units grouped into matched sets, in the order MatchIt's `pairdistsubC` visits them: sorted by
/// set id, and within a set by row. Built once and shared by every column.
struct MatchedSetLayout: Sendable {
    /// The units that belong to a set, in ascending row order, and each one's place in set order
    /// (sets one after another, each set's units in row order). Values are brought into set order
    /// by walking a column in row order and storing each at its place: the reads stream through
    /// the column instead of jumping to the rows of the sets, which are scattered over it.
    var memberRows: [Int32] = []
    var memberPlaces: [Int32] = []
    /// Start offsets of each set in set order, plus a final end offset (the number of members).
    var starts: [Int]
    /// The treatment of each member, in set order.
    var treatedInOrder: [Bool] = []

    /// The number of units that belong to a set.
    var count: Int { memberRows.count }

    /// The members' rows in set order (derived; for tests and diagnostics).
    var rows: [Int] { inSetOrder { $0 } }

    init(subclass: SubclassNumbers) {
        // Rows are visited in order, so a stable grouping by set id keeps each set's rows in row
        // order: a counting sort when the ids are small non-negative numbers (as every matcher
        // numbers its sets), a comparison sort otherwise. The ids are read as stored (4 bytes a row).
        let n = subclass.count
        let noSet = SubclassNumbers.noSet
        var lowest = Int.max, highest = Int.min, members = 0
        subclass.withUnsafeCodes { codes in
            for k in 0..<n where codes[k] != noSet {
                let s = Int(codes[k])
                lowest = min(lowest, s); highest = max(highest, s); members += 1
            }
        }
        if members > 0, lowest >= 0, highest < 4 * n + 16 {
            var next = [Int](repeating: 0, count: highest + 2)
            subclass.withUnsafeCodes { codes in
                for k in 0..<n where codes[k] != noSet { next[Int(codes[k]) + 1] += 1 }
            }
            for k in 0...highest { next[k + 1] += next[k] }
            starts = []
            for k in 0...highest where next[k + 1] > next[k] { starts.append(next[k]) }
            starts.append(members)
            var inRowOrder = [Int32](repeating: 0, count: members), places = [Int32](repeating: 0, count: members)
            subclass.withUnsafeCodes { codes in
                next.withUnsafeMutableBufferPointer { next in
                    inRowOrder.withUnsafeMutableBufferPointer { inRowOrder in
                        places.withUnsafeMutableBufferPointer { places in
                            var i = 0
                            for row in 0..<n where codes[row] != noSet {
                                let s = Int(codes[row])
                                inRowOrder[i] = Int32(row)
                                places[i] = Int32(next[s])
                                i += 1
                                next[s] += 1
                            }
                        }
                    }
                }
            }
            memberRows = inRowOrder
            memberPlaces = places
            return
        }
        var keyed: [(set: Int, row: Int)] = []
        keyed.reserveCapacity(n)
        for (row, s) in subclass.enumerated() {
            if let s { keyed.append((s, row)) }
        }
        keyed.sort { $0.set < $1.set || ($0.set == $1.set && $0.row < $1.row) }
        let rows = keyed.map(\.row)
        starts = []
        var previous: Int? = nil
        for (k, entry) in keyed.enumerated() where entry.set != previous {
            starts.append(k)
            previous = entry.set
        }
        starts.append(keyed.count)
        let byRow = rows.indices.sorted { rows[$0] < rows[$1] }
        memberRows = byRow.map { Int32(rows[$0]) }
        memberPlaces = byRow.map { Int32($0) }
    }

    /// `values(row)` of every member, in set order, read in row order (see `memberRows`).
    @inline(__always)
    private func inSetOrder<T>(_ values: (Int) -> T) -> [T] {
        let m = count
        return [T](unsafeUninitializedCapacity: m) { out, initialized in
            memberRows.withUnsafeBufferPointer { rowsInOrder in
                memberPlaces.withUnsafeBufferPointer { places in
                    for i in 0..<m { (out.baseAddress! + Int(places[i])).initialize(to: values(Int(rowsInOrder[i]))) }
                }
            }
            initialized = m
        }
    }

    /// The layout with each unit's treatment recorded in visiting order.
    func withTreatment(_ treated: [Bool]) -> MatchedSetLayout {
        var copy = self
        copy.treatedInOrder = treated.withUnsafeBufferPointer { treated in inSetOrder { treated[$0] } }
        return copy
    }

    /// The running mean of |x_j − x_i| over every treated–control pair within each set, updated as
    /// `dist += (|x_j − x_i| − dist) / k` in MatchIt's visiting order (0 when there are no pairs).
    /// The values are first gathered in visiting order, so the pair loop reads contiguous memory
    /// and an indicator column is never expanded to a double per unit.
    func meanPairDistance(_ column: NumericColumn) -> Double {
        precondition(treatedInOrder.count == count, "MatchedSetLayout: treatment not recorded")
        let gathered: [Double]
        switch column {
        case .dense(let v):
            gathered = v.withUnsafeBufferPointer { v in inSetOrder { v[$0] } }
        case .indicator(let codes, let level):
            gathered = codes.withUnsafeBufferPointer { c in inSetOrder { c[$0] == level ? 1.0 : 0.0 } }
        }
        var dist = 0.0
        var k = 0
        gathered.withUnsafeBufferPointer { x in
            treatedInOrder.withUnsafeBufferPointer { treated in
                for s in 0..<(starts.count - 1) {
                    let end = starts[s + 1]
                    var i = starts[s]
                    while i < end {
                        let ti = treated[i]
                        let xi = x[i]
                        var j = i + 1
                        while j < end {
                            if treated[j] != ti {
                                k += 1
                                dist += (abs(x[j] - xi) - dist) / Double(k)
                            }
                            j += 1
                        }
                        i += 1
                    }
                }
            }
        }
        return dist
    }
}

extension MatchMatrix {
    /// `mean(abs(x[focal] - x[match]))` over all (focal, match) pairs of the matrix, visiting the
    /// matrix column by column as R does (NaN when there are no pairs).
    func meanPairDistance(_ x: NumericColumn) -> Double {
        switch x {
        case .dense(let v):
            return v.withUnsafeBufferPointer { v in meanPairDistance { v[$0] } }
        case .indicator(let codes, let level):
            return codes.withUnsafeBufferPointer { c in meanPairDistance { c[$0] == level ? 1 : 0 } }
        }
    }

    @inline(__always)
    private func meanPairDistance(_ value: (Int) -> Double) -> Double {
        var total: ExtendedSum = 0
        var count = 0
        // Column by column; each column visits, in row order of the matrix, only the focal units
        // with a match in it (the others are dropped as their lists run out), so the work is the
        // number of pairs, however unequal the lists (radius matching).
        var active = focalUnits.indices.filter { !matches[$0].isEmpty }
        var slot = 0
        while !active.isEmpty {
            for k in active {
                total += ExtendedSum(abs(value(focalUnits[k]) - value(matches[k][slot])))
                count += 1
            }
            slot += 1
            active.removeAll { matches[$0].count <= slot }
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
