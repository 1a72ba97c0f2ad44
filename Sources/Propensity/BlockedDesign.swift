import CFixedOrderKernels
import Columns
import LinearAlgebra
import Parallel
import HugePages

/// A design matrix `[1, x_1, ..., x_k]` held as its columns, processed in fixed blocks of rows by
/// the project's own kernels (`LinearAlgebra.FixedOrderKernels`), never by BLAS.
///
/// One pass over the rows does everything an IRLS step needs from the data: the linear predictor
/// `eta = X beta`, the fitted mean, the deviance, the working weights and response, and the normal
/// equations `X'WX`, `X'Wz`. Each block of `blockRows` rows is worked through in tiles of
/// `tileRows` rows that stay in cache, so the design matrix is read from memory once per pass.
///
/// Blocks run in parallel (`Parallel.forEach`); each block's sums are formed in a fixed order
/// (two SIMD lanes by row parity, see `FixedOrderKernels.accumulateCrossProducts`) and the blocks'
/// sums are then added in block order on one thread. Block and tile sizes are constants, so every
/// result is the same bits whatever the number of threads and whatever BLAS is installed.
struct BlockedDesign: @unchecked Sendable {
    /// Rows per block: the unit of parallel work and of partial sums (fixed: it defines the order
    /// of summation).
    static let blockRows = 4096
    /// Rows per tile inside a block (even, so SIMD lanes keep their row parity across tiles).
    static let tileRows = 512

    /// The covariate columns: doubles, or level indicators whose rows are written into a tile
    /// buffer as each tile is reached (the same doubles, so the same sums).
    let columns: [NumericColumn]
    let rows: Int
    var parameters: Int { columns.count + 1 }
    var blocks: Int { (rows + Self.blockRows - 1) / Self.blockRows }

    init(columns: [NumericColumn], rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    init(columns: [[Double]], rows: Int) {
        self.init(columns: columns.map(NumericColumn.dense), rows: rows)
    }

    /// Root mean square of each (non-intercept) column (1 for an all-zero column), summed in row order.
    /// (For an indicator the sum of squares is the count of ones, exactly as the sum in row order gives it.)
    func rootMeanSquares() -> [Double] {
        let n = rows
        let cols = columns
        // Dense columns four to a task, summed side by side in one sweep (each column's sum still
        // adds its squares one by one in row order: the same bits, four independent chains).
        let dense: [(j: Int, values: [Double])] = cols.indices.compactMap { j in
            if case .dense(let values) = cols[j] { return (j, values) }
            return nil
        }
        let indicators: [(j: Int, codes: [Int32], level: Int32)] = cols.indices.compactMap { j in
            if case .indicator(let codes, let level) = cols[j] { return (j, codes, level) }
            return nil
        }
        let groups = stride(from: 0, to: dense.count, by: 4).map { Array(dense[$0..<min($0 + 4, dense.count)]) }
        let sums = Parallel.map(groups.count + indicators.count) { t -> [Double] in
            if t < groups.count { return Self.sumsOfSquares(groups[t].map(\.values), rows: n) }
            let indicator = indicators[t - groups.count]
            return [Double(indicator.codes.reduce(0) { $0 + ($1 == indicator.level ? 1 : 0) })]
        }
        var sumOfSquares = [Double](repeating: 0, count: cols.count)
        for (t, group) in groups.enumerated() { for (g, column) in group.enumerated() { sumOfSquares[column.j] = sums[t][g] } }
        for (t, indicator) in indicators.enumerated() { sumOfSquares[indicator.j] = sums[groups.count + t][0] }
        return sumOfSquares.map { s in
            let rms = (s / Double(max(n, 1))).squareRoot()
            return rms > 0 ? rms : 1
        }
    }

    /// `sum_i x[i] * x[i]` of each of up to four columns, each in row order.
    private static func sumsOfSquares(_ columns: [[Double]], rows n: Int) -> [Double] {
        // A group of fewer than four repeats its first column (no copy; the extra sums are dropped).
        let c = columns + Array(repeating: columns[0], count: 4 - columns.count)
        return c[0].withUnsafeBufferPointer { a in c[1].withUnsafeBufferPointer { b in
            c[2].withUnsafeBufferPointer { d in c[3].withUnsafeBufferPointer { e in
                var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                for i in 0..<n {
                    s0 += a[i] * a[i]; s1 += b[i] * b[i]; s2 += d[i] * d[i]; s3 += e[i] * e[i]
                }
                return Array([s0, s1, s2, s3].prefix(columns.count))
            } }
        } }
    }

    /// Calls `body` with, for every column (the intercept excluded), a pointer to row 0 of its
    /// doubles, or to row 0 of its codes and its level for an indicator.
    func withColumnPointers<R>(_ body: ([ColumnPointer]) throws -> R) rethrows -> R {
        func nest(_ j: Int, _ collected: inout [ColumnPointer]) throws -> R {
            if j == columns.count { return try body(collected) }
            switch columns[j] {
            case .dense(let values):
                return try values.withUnsafeBufferPointer { c in
                    collected.append(.dense(c.baseAddress!))  // fit() refuses zero rows
                    return try nest(j + 1, &collected)
                }
            case .indicator(let codes, let level):
                return try codes.withUnsafeBufferPointer { c in
                    collected.append(.indicator(c.baseAddress!, level))
                    return try nest(j + 1, &collected)
                }
            }
        }
        var pointers: [ColumnPointer] = []
        pointers.reserveCapacity(columns.count)
        return try nest(0, &pointers)
    }
}

/// Row 0 of one design column as a pass reads it.
enum ColumnPointer {
    case dense(UnsafePointer<Double>)
    case indicator(UnsafePointer<Int32>, Int32)
}

/// The normal equations of one IRLS step: `X'WX` (full, symmetric) and `X'Wz`.
struct NormalEquations {
    var information: Matrix
    var rightHandSide: [Double]
}

/// What one pass over the rows produced.
struct PassResult {
    /// Deviance of the fitted means (nil when the pass did not predict).
    var deviance: Double?
    /// Normal equations at the pass's fitted means (nil when not asked for).
    var normalEquations: NormalEquations?
}

/// Per-row link computations for a pass, specialised per link so the row loop has no dispatch.
protocol LinkRows {
    /// `mu = g^{-1}(eta)` and `d mu / d eta`, with R's `binomial()` safeguards.
    static func meanAndDerivative(_ eta: Double) -> (mu: Double, derivative: Double)
    /// `d mu / d eta` alone (used where `mu` is given, as at R's start).
    static func derivative(_ eta: Double) -> Double
    /// The per-row work of one tile (see `TileRows`).
    static func work(on tile: TileRows, predict: Bool, weights: Bool, deviance: inout SIMD2<Double>)
}

/// The rows of one tile: `eta` (given), `mu` (written when predicting, else given), the response,
/// and the working weights and response (written when asked for).
struct TileRows {
    let count: Int
    let eta: UnsafeMutablePointer<Double>
    let mu: UnsafeMutablePointer<Double>
    let y: UnsafePointer<Double>
    let w: UnsafeMutablePointer<Double>
    let z: UnsafeMutablePointer<Double>
    /// Every response is 0 or 1.
    let binary: Bool
}

extension LinkRows {
    static func work(on tile: TileRows, predict: Bool, weights: Bool, deviance: inout SIMD2<Double>) {
        rowByRow(tile, from: 0, predict: predict, weights: weights, deviance: &deviance)
    }

    /// One row at a time: `mu` (when predicting) and its deviance term (added to lane `i % 2`), then
    /// `w = mu'(eta)^2 / (mu (1 - mu))` and `z = eta + (y - mu) / mu'(eta)` (when asked for).
    @inline(__always)
    static func rowByRow(_ t: TileRows, from first: Int, predict: Bool, weights: Bool, deviance: inout SIMD2<Double>) {
        for i in first..<t.count {
            let e = t.eta[i]
            let m: Double, d: Double
            if predict {
                (m, d) = meanAndDerivative(e)
                t.mu[i] = m
                deviance[i & 1] += BlockedDesign.devianceTerm(t.y[i], m)
            } else {
                m = t.mu[i]
                d = weights ? derivative(e) : 0
            }
            if weights {
                t.w[i] = d * d / (m * (1 - m))
                t.z[i] = e + (t.y[i] - m) / d
            }
        }
    }
}

/// The logit link with `FixedOrderMath.exp`: one exponential per row for both `mu` and `d mu/d eta`;
/// two rows at a time (SIMD2) when every response is 0 or 1, with the same operations, hence the same
/// bits, as one row at a time.
enum LogitRows: LinkRows {
    @inline(__always)
    static func meanAndDerivative(_ eta: Double) -> (mu: Double, derivative: Double) {
        BinomialLink.logitMeanAndDerivative(eta)
    }
    @inline(__always)
    static func derivative(_ eta: Double) -> Double { BinomialLink.logitMeanAndDerivative(eta).derivative }

    static func work(on t: TileRows, predict: Bool, weights: Bool, deviance: inout SIMD2<Double>) {
        work(on: t, predict: predict, weights: weights, deviance: &deviance, avx2: FixedOrderKernels.usesAVX2)
    }

    /// `work`, with the AVX2 kernel (`cf_logit_rows_avx2`, four rows at a time) for the rows it
    /// takes when `avx2` is true; the same bits either way (tests run both).
    static func work(on t: TileRows, predict: Bool, weights: Bool, deviance: inout SIMD2<Double>, avx2: Bool) {
        guard t.binary, predict else {
            rowByRow(t, from: 0, predict: predict, weights: weights, deviance: &deviance)
            return
        }
        var first = 0
        if avx2 {
            first = withUnsafeMutableBytes(of: &deviance) { lanes in
                cf_logit_rows_avx2(t.eta, t.y, t.mu, t.w, t.z, t.count, weights ? 1 : 0, BinomialLink.logitThreshold,
                                   lanes.baseAddress!.assumingMemoryBound(to: Double.self))
            }
        }
        let eps = Double.ulpOfOne, threshold = BinomialLink.logitThreshold
        let eta = UnsafeMutableRawPointer(t.eta), mu = UnsafeMutableRawPointer(t.mu), y = UnsafeRawPointer(t.y)
        let w = UnsafeMutableRawPointer(t.w), z = UnsafeMutableRawPointer(t.z)
        for pair in (first / 2)..<(t.count / 2) {
            let at = pair * 16
            let e = eta.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self)
            let yy = y.loadUnaligned(fromByteOffset: at, as: SIMD2<Double>.self)
            // BinomialLink.logitMeanAndDerivative, lane by lane.
            let low = e .< -threshold, high = e .> threshold
            var s = FixedOrderMath.exp(e)
            s.replace(with: eps, where: low)
            s.replace(with: 1 / eps, where: high)
            let opexp = 1 + s
            let m = s / opexp
            var d = s / (opexp * opexp)
            d.replace(with: eps, where: low .| high)
            mu.storeBytes(of: m, toByteOffset: at, as: SIMD2<Double>.self)
            // devianceTerm for y in {0, 1}: 2 log(1 / mu) or 2 log(1 / (1 - mu)).
            var ratio = (1 - yy) / (1 - m)
            ratio.replace(with: yy / m, where: yy .> 0)
            deviance += 2 * FixedOrderMath.log(ratio)
            if weights {
                w.storeBytes(of: d * d / (m * (1 - m)), toByteOffset: at, as: SIMD2<Double>.self)
                z.storeBytes(of: e + (yy - m) / d, toByteOffset: at, as: SIMD2<Double>.self)
            }
        }
        rowByRow(t, from: t.count & ~1, predict: predict, weights: weights, deviance: &deviance)
    }
}

/// The probit link (normal distribution functions from `Distributions`), one row at a time.
enum ProbitRows: LinkRows {
    @inline(__always)
    static func meanAndDerivative(_ eta: Double) -> (mu: Double, derivative: Double) {
        (BinomialLink.probit.inverse(eta), BinomialLink.probit.derivative(eta))
    }
    @inline(__always)
    static func derivative(_ eta: Double) -> Double { BinomialLink.probit.derivative(eta) }
}

extension BlockedDesign {
    /// One pass over all rows.
    ///
    /// - With `beta`: `eta = X beta` and `mu = g^{-1}(eta)` are written to `eta` and `mu`, and the
    ///   deviance of `mu` is returned.
    /// - Without `beta`: `eta` and `mu` are read as they are (R's starting values).
    /// - With `normalEquations`: the working weights `w = mu'(eta)^2 / (mu (1 - mu))` and response
    ///   `z = eta + (y - mu) / mu'(eta)` (R's `glm.fit`) give `X'WX` and `X'Wz`.
    /// - Parameter binaryResponse: every `y` is 0 or 1 (enables two rows at a time for the logit).
    func pass(
        link: BinomialLink, response y: UnsafePointer<Double>, binaryResponse: Bool, beta: [Double]?,
        eta: UnsafeMutablePointer<Double>, mu: UnsafeMutablePointer<Double>, normalEquations: Bool
    ) -> PassResult {
        switch link {
        case .logit:
            return pass(LogitRows.self, response: y, binaryResponse: binaryResponse, beta: beta, eta: eta, mu: mu,
                        normalEquations: normalEquations)
        case .probit:
            return pass(ProbitRows.self, response: y, binaryResponse: binaryResponse, beta: beta, eta: eta, mu: mu,
                        normalEquations: normalEquations)
        }
    }

    private func pass<L: LinkRows>(
        _ link: L.Type, response y: UnsafePointer<Double>, binaryResponse: Bool, beta: [Double]?,
        eta: UnsafeMutablePointer<Double>, mu: UnsafeMutablePointer<Double>, normalEquations: Bool
    ) -> PassResult {
        let p = parameters, q = p + 1, n = rows, blockCount = blocks
        // Per block: p * q cross products (u = [w, w x_1, ...], v = [1, x_1, ..., z]), then the deviance.
        let stride = p * q + 1
        let partial = WorkBuffer(count: blockCount * stride)
        defer { partial.free() }
        withColumnPointers { x in
            let shared = PassPointers(x: x, y: y, binary: binaryResponse, eta: eta, mu: mu, partial: partial.pointer)
            Parallel.forEach(blockCount) { b in
                let lo = b * Self.blockRows, hi = min(n, lo + Self.blockRows)
                Self.block(L.self, rows: lo..<hi, shared: shared, beta: beta,
                           normalEquations: normalEquations, into: shared.partial + b * stride)
            }
        }
        // Blocks in order.
        var result = PassResult()
        if beta != nil {
            var deviance = 0.0
            for b in 0..<blockCount { deviance += partial.pointer[b * stride + p * q] }
            result.deviance = deviance
        }
        if normalEquations {
            var a = Matrix(rows: p, columns: p)
            var rhs = [Double](repeating: 0, count: p)
            for b in 0..<blockCount {
                let s = partial.pointer + b * stride
                for j in 0..<p {
                    for k in j..<p { a[j, k] += s[j * q + k] }
                    rhs[j] += s[j * q + p]
                }
            }
            for j in 0..<p { for k in (j + 1)..<max(p, j + 1) { a[k, j] = a[j, k] } }
            result.normalEquations = NormalEquations(information: a, rightHandSide: rhs)
        }
        return result
    }

    /// One block of rows, tile by tile: the sums of the block (lanes added) go to `out`.
    private static func block<L: LinkRows>(
        _ link: L.Type, rows range: Range<Int>, shared: PassPointers, beta: [Double]?,
        normalEquations: Bool, into out: UnsafeMutablePointer<Double>
    ) {
        let x = shared.x
        let p = x.count + 1, q = p + 1
        // Scratch: w, z, and w * x_j for each column, one tile long each; then one tile of doubles
        // for each indicator column, written as each tile is reached.
        let indicatorColumns = x.indices.filter { if case .indicator = x[$0] { return true } else { return false } }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: (p + 1 + indicatorColumns.count) * tileRows)
        defer { scratch.deallocate() }
        let indicatorTiles = scratch + (p + 1) * tileRows
        let w = scratch, z = scratch + tileRows
        let sums = UnsafeMutablePointer<SIMD2<Double>>.allocate(capacity: p * q)
        defer { sums.deallocate() }
        sums.initialize(repeating: .zero, count: p * q)
        var deviance = SIMD2<Double>.zero
        var u = [UnsafePointer<Double>](repeating: UnsafePointer(w), count: p)
        var v = [UnsafePointer<Double>](repeating: onesTile, count: q)
        // u_j = w * x_j is written to scratch tile j + 1 (column x_{j-1} of `x`).
        let weightedTiles = (0..<x.count).map { scratch + ($0 + 2) * tileRows }
        for j in 1..<max(p, 1) { u[j] = UnsafePointer(weightedTiles[j - 1]) }
        v[p] = UnsafePointer(z)
        var tileColumns = [UnsafePointer<Double>](repeating: onesTile, count: x.count)

        var lo = range.lowerBound
        while lo < range.upperBound {
            let m = min(tileRows, range.upperBound - lo)
            let tile = TileRows(count: m, eta: shared.eta + lo, mu: shared.mu + lo, y: shared.y + lo, w: w, z: z,
                                binary: shared.binary)
            var nextIndicatorTile = indicatorTiles
            for j in 0..<x.count {
                switch x[j] {
                case .dense(let column):
                    tileColumns[j] = column + lo
                case .indicator(let codes, let level):
                    let buffer = nextIndicatorTile
                    nextIndicatorTile += tileRows
                    NumericColumn.writeIndicator(codes: codes + lo, level: level, count: m, into: buffer)
                    tileColumns[j] = UnsafePointer(buffer)
                }
            }
            if let beta {
                // eta = X beta (intercept first, then columns in order).
                beta.withUnsafeBufferPointer { b in
                    tileColumns.withUnsafeBufferPointer { c in
                        FixedOrderKernels.linearCombination(
                            c.baseAddress!, count: p - 1, coefficients: b.baseAddress! + 1, constant: b[0], rows: m,
                            into: tile.eta)
                    }
                }
            }
            if beta != nil || normalEquations {
                L.work(on: tile, predict: beta != nil, weights: normalEquations, deviance: &deviance)
            }
            if normalEquations {
                // u_j = w * x_j (into `weightedTiles`), v_j = x_j.
                if !x.isEmpty { tileColumns.withUnsafeBufferPointer { c in
                    weightedTiles.withUnsafeBufferPointer { o in
                        FixedOrderKernels.scaleColumns(w, c.baseAddress!, count: p - 1, rows: m, into: o.baseAddress!)
                    }
                } }
                for j in 1..<max(p, 1) { v[j] = tileColumns[j - 1] }
                u.withUnsafeBufferPointer { up in
                    v.withUnsafeBufferPointer { vp in
                        FixedOrderKernels.accumulateCrossProducts(
                            up.baseAddress!, count: p, vp.baseAddress!, count: q, rows: m, into: sums)
                    }
                }
            }
            lo += m
        }
        for j in 0..<p {
            for k in j..<q { out[j * q + k] = sums[j * q + k][0] + sums[j * q + k][1] }
        }
        out[p * q] = deviance[0] + deviance[1]
    }

    /// R's `binomial()$dev.resids` for one row: `2 (y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)))`,
    /// a term dropped when its `y` factor is 0.
    @inline(__always)
    static func devianceTerm(_ y: Double, _ mu: Double) -> Double {
        var r = 0.0
        if y > 0 { r += y * FixedOrderMath.log(y / mu) }
        if y < 1 { r += (1 - y) * FixedOrderMath.log((1 - y) / (1 - mu)) }
        return 2 * r
    }

    /// A tile of ones (the intercept column).
    static var onesTile: UnsafePointer<Double> { onesBuffer.pointer }
    private static let onesBuffer = ConstantBuffer(Array(repeating: 1, count: tileRows))
}

/// The row arrays a pass reads and writes, shared by the block workers (each writes its own rows).
struct PassPointers: @unchecked Sendable {
    /// Row 0 of each design column (the intercept excluded).
    let x: [ColumnPointer]
    let y: UnsafePointer<Double>
    /// Every response is 0 or 1.
    let binary: Bool
    let eta: UnsafeMutablePointer<Double>
    let mu: UnsafeMutablePointer<Double>
    let partial: UnsafeMutablePointer<Double>
}

/// A read-only copy of an array at a stable address, for the life of the process.
final class ConstantBuffer: @unchecked Sendable {
    let pointer: UnsafePointer<Double>
    init(_ values: [Double]) {
        let p = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
        p.initialize(from: values, count: values.count)
        pointer = UnsafePointer(p)
    }
}

/// A manually managed buffer of doubles, written by disjoint ranges from parallel workers.
final class WorkBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int
    init(count: Int, repeating value: Double = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        HugePages.advise(pointer, count: count)
        pointer.initialize(repeating: value, count: max(count, 1))
    }
    var buffer: UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    func free() { pointer.deallocate() }
}
