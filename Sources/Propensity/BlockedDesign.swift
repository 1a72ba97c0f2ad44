import Dispatch
import LinearAlgebra
import Parallel

/// A design matrix `[1, x_1, ..., x_k]` held as its columns, processed in fixed blocks of rows.
///
/// Nothing of size n x p is ever allocated: each block of `blockRows` rows is gathered into a small,
/// cache-resident scratch matrix, weighted, and reduced with BLAS (`dsyrk` for X'WX, `dgemv` for
/// X'Wz). Blocks run in parallel; their partial sums are added in block order, so results are
/// identical whatever the number of threads.
struct BlockedDesign: @unchecked Sendable {
    /// Rows per block (fixed: it defines the summation order).
    static let blockRows = 4096

    let columns: [[Double]]
    let rows: Int
    var parameters: Int { columns.count + 1 }
    var blocks: Int { (rows + Self.blockRows - 1) / Self.blockRows }

    init(columns: [[Double]], rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// Calls `body(lo, hi)` for every block of rows, in parallel.
    func forEachBlock(_ body: @Sendable (Int, Int) -> Void) {
        let n = rows
        DispatchQueue.concurrentPerform(iterations: blocks) { b in
            let lo = b * Self.blockRows
            body(lo, min(n, lo + Self.blockRows))
        }
    }

    /// Root mean square of each (non-intercept) column.
    func rootMeanSquares() -> [Double] {
        columns.map { c in
            var s = 0.0
            for v in c { s += v * v }
            let rms = (s / Double(max(rows, 1))).squareRoot()
            return rms > 0 ? rms : 1
        }
    }

    /// `X' W X` and `X' W z` given `sqrt(w)` and `sqrt(w) z` per row.
    func weightedNormalEquations(rootWeights: UnsafeMutableBufferPointer<Double>,
                                 weightedResponse: UnsafeMutableBufferPointer<Double>) throws -> (Matrix, [Double]) {
        BLASThreads.useOneThreadPerCall()
        let p = parameters, n = rows, blockCount = blocks
        let partialA = WorkBuffer(count: blockCount * p * p)
        let partialB = WorkBuffer(count: blockCount * p)
        defer { partialA.free(); partialB.free() }
        let rw = SendablePointer(rootWeights.baseAddress!), wz = SendablePointer(weightedResponse.baseAddress!)
        let cols = columns
        let failures = Parallel.map(blockCount) { b -> LinearAlgebraError? in
            let lo = b * Self.blockRows, m = min(n, lo + Self.blockRows) - lo
            var scratch = [Double](repeating: 0, count: m * p)
            return scratch.withUnsafeMutableBufferPointer { s -> LinearAlgebraError? in
                for i in 0..<m { s[i] = rw.pointer[lo + i] }
                for (j, c) in cols.enumerated() {
                    c.withUnsafeBufferPointer { x in
                        let base = (j + 1) * m
                        for i in 0..<m { s[base + i] = x[lo + i] * rw.pointer[lo + i] }
                    }
                }
                do {
                    try crossProduct(s.baseAddress!, rows: m, columns: p, into: partialA.pointer + b * p * p)
                    try multiply(s.baseAddress!, rows: m, columns: p, wz.pointer + lo, into: partialB.pointer + b * p, transpose: true)
                    return nil
                } catch {
                    return error as? LinearAlgebraError
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        var a = Matrix(rows: p, columns: p)
        var rhs = [Double](repeating: 0, count: p)
        for b in 0..<blockCount {
            for j in 0..<p {
                for i in 0...j { a[i, j] += partialA.pointer[b * p * p + i + j * p] }
                rhs[j] += partialB.pointer[b * p + j]
            }
        }
        for j in 0..<p { for i in (j + 1)..<max(p, j + 1) { a[i, j] = a[j, i] } }
        return (a, rhs)
    }

    /// `eta = X beta`, block-parallel (each element summed in column order).
    func linearPredictor(_ beta: [Double], into eta: UnsafeMutableBufferPointer<Double>) {
        let out = SendablePointer(eta.baseAddress!)
        let cols = columns
        forEachBlock { lo, hi in
            for i in lo..<hi { out.pointer[i] = beta[0] }
            for (j, c) in cols.enumerated() {
                let bj = beta[j + 1]
                c.withUnsafeBufferPointer { x in
                    for i in lo..<hi { out.pointer[i] += bj * x[i] }
                }
            }
        }
    }
}

/// A pointer shared by parallel workers that write disjoint ranges.
struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    init(_ pointer: UnsafeMutablePointer<Double>) { self.pointer = pointer }
}

/// A manually managed buffer of doubles, written by disjoint ranges from parallel workers.
final class WorkBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int
    init(count: Int, repeating value: Double = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }
    var buffer: UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    func free() { pointer.deallocate() }
    func array() -> [Double] { Array(buffer) }
}

/// A read-only pointer shared by parallel workers.
struct SendableConstPointer: @unchecked Sendable {
    let pointer: UnsafePointer<Double>?
    init(_ pointer: UnsafePointer<Double>?) { self.pointer = pointer }
}
