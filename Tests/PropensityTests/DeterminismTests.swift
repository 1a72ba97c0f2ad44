import Foundation
import XCTest
import Parallel
@testable import Propensity

/// The propensity fit is the same bits whatever the number of threads (its blocks of rows are fixed
/// and added in order) and on every run. (That it does not depend on the BLAS installed is checked by
/// `Scripts/cross-blas-check`, which runs it under two BLAS libraries.)
final class PropensityDeterminismTests: XCTestCase {
    /// A logistic design of `n` rows: three continuous covariates, a 0/1 indicator and a count.
    static func design(rows n: Int) -> (columns: [[Double]], y: [Double]) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var columns = [[Double]](repeating: [], count: 5)
        var y: [Double] = []
        for _ in 0..<n {
            let x = [uniform() * 4 - 2, uniform() * 50 + 18, uniform() * uniform() * 10,
                     uniform() < 0.4 ? 1 : 0, Double(Int(uniform() * 6))]
            for j in 0..<5 { columns[j].append(x[j]) }
            let eta = -1.5 + 0.8 * x[0] - 0.02 * x[1] + 0.1 * x[2] + 0.5 * x[3] - 0.1 * x[4]
            y.append(uniform() < 1 / (1 + exp(-eta)) ? 1 : 0)
        }
        return (columns, y)
    }

    /// Every number of a fit, as bit patterns.
    static func bits(_ fit: GLMFit) -> [UInt64] {
        fit.coefficients.flatMap { [$0.estimate, $0.standardError, $0.zValue, $0.pValue] }.map(\.bitPattern)
            + [fit.deviance, fit.nullDeviance, fit.aic].map(\.bitPattern) + [UInt64(fit.iterations)]
            + fit.linearPredictor.map(\.bitPattern) + fit.fitted.map(\.bitPattern)
    }

    func testSameBitsForAnyThreadCount() throws {
        // 3.5 blocks of rows, the last block ending in a partial, odd-length tile.
        let rows = 3 * BlockedDesign.blockRows + BlockedDesign.blockRows / 2 + 3
        let (columns, y) = Self.design(rows: rows)
        let names = ["a", "age", "c", "flag", "count"]
        for link in BinomialLink.allCases {
            let reference = try Parallel.withWorkers(1) {
                try BinomialGLM.fit(columns: columns, names: names, response: y, link: link)
            }
            XCTAssertGreaterThan(reference.iterations, 2)
            for workers in [2, 3, 8] {
                let fit = try Parallel.withWorkers(workers) {
                    try BinomialGLM.fit(columns: columns, names: names, response: y, link: link)
                }
                XCTAssertEqual(Self.bits(fit), Self.bits(reference), "\(link), \(workers) threads")
            }
            // The default (one thread per core, dynamic scheduling), twice.
            for run in 1...2 {
                let fit = try BinomialGLM.fit(columns: columns, names: names, response: y, link: link)
                XCTAssertEqual(Self.bits(fit), Self.bits(reference), "\(link), default threads, run \(run)")
            }
        }
    }

    func testFusedAndSeparatePassesAgree() throws {
        // Whether the normal equations of the next iteration are formed during the pass that
        // predicts (speculatively) or by a pass of their own, and whether the logit rows go two at a
        // time (binary response) or one at a time, they are the same numbers.
        let (columns, y) = Self.design(rows: 5_001)
        let design = BlockedDesign(columns: columns, rows: y.count)
        let beta = [-1.4, 0.7, -0.01, 0.09, 0.4, -0.05]
        let n = y.count
        let eta1 = WorkBuffer(count: n), mu1 = WorkBuffer(count: n), eta2 = WorkBuffer(count: n), mu2 = WorkBuffer(count: n)
        defer { eta1.free(); mu1.free(); eta2.free(); mu2.free() }
        try y.withUnsafeBufferPointer { yy in
            for link in BinomialLink.allCases {
                var reference: [UInt64]? = nil
                for binary in [true, false] {
                    let fused = design.pass(link: link, response: yy.baseAddress!, binaryResponse: binary, beta: beta,
                                            eta: eta1.pointer, mu: mu1.pointer, normalEquations: true)
                    let predicted = design.pass(link: link, response: yy.baseAddress!, binaryResponse: binary, beta: beta,
                                                eta: eta2.pointer, mu: mu2.pointer, normalEquations: false)
                    let separate = design.pass(link: link, response: yy.baseAddress!, binaryResponse: binary, beta: nil,
                                               eta: eta2.pointer, mu: mu2.pointer, normalEquations: true)
                    XCTAssertEqual(fused.deviance?.bitPattern, predicted.deviance?.bitPattern)
                    XCTAssertEqual(Array(eta1.buffer).map(\.bitPattern), Array(eta2.buffer).map(\.bitPattern))
                    XCTAssertEqual(Array(mu1.buffer).map(\.bitPattern), Array(mu2.buffer).map(\.bitPattern))
                    let a = try XCTUnwrap(fused.normalEquations), b = try XCTUnwrap(separate.normalEquations)
                    XCTAssertEqual(a.information.elements.map(\.bitPattern), b.information.elements.map(\.bitPattern))
                    XCTAssertEqual(a.rightHandSide.map(\.bitPattern), b.rightHandSide.map(\.bitPattern))
                    let all = [fused.deviance!.bitPattern] + Array(mu1.buffer).map(\.bitPattern)
                        + a.information.elements.map(\.bitPattern) + a.rightHandSide.map(\.bitPattern)
                    if let reference { XCTAssertEqual(all, reference, "\(link): two rows at a time vs one") }
                    reference = all
                }
            }
        }
    }

    func testNormalEquationsMatchDirectSums() throws {
        // X'WX and X'Wz against plain sums over the rows (agreement to rounding).
        let (columns, y) = Self.design(rows: 3_001)
        let design = BlockedDesign(columns: columns, rows: y.count)
        let n = y.count
        let eta = WorkBuffer(count: n), mu = WorkBuffer(count: n)
        defer { eta.free(); mu.free() }
        for i in 0..<n { mu.pointer[i] = (y[i] + 0.5) / 2; eta.pointer[i] = BinomialLink.logit.link(mu.pointer[i]) }
        let result = y.withUnsafeBufferPointer {
            design.pass(link: .logit, response: $0.baseAddress!, binaryResponse: true, beta: nil, eta: eta.pointer, mu: mu.pointer, normalEquations: true)
        }
        let equations = try XCTUnwrap(result.normalEquations)
        let x = [[Double](repeating: 1, count: n)] + columns
        for j in 0..<6 {
            var rhs = 0.0
            for k in 0..<6 {
                var s = 0.0
                for i in 0..<n {
                    let d = BinomialLink.logit.derivative(eta.pointer[i]), m = mu.pointer[i]
                    let w = d * d / (m * (1 - m))
                    s += w * x[j][i] * x[k][i]
                    if k == 0 { rhs += w * x[j][i] * (eta.pointer[i] + (y[i] - m) / d) }
                }
                XCTAssertEqual(equations.information[j, k], s, accuracy: 1e-12 * abs(s))
            }
            XCTAssertEqual(equations.rightHandSide[j], rhs, accuracy: 1e-11 * max(1, abs(rhs)))
        }
    }
}

/// `FixedOrderMath` against the C library: within 2 units in the last place.
final class FixedOrderMathTests: XCTestCase {
    func ulps(_ a: Double, _ b: Double) -> Double { abs(a - b) / b.ulp }

    func testExpWithinTwoUlps() {
        var worst = 0.0
        var x = -40.0
        while x <= 40 {
            worst = max(worst, ulps(FixedOrderMath.exp(x), Foundation.exp(x)))
            x += 0.000_731
        }
        for x in [-700.0, -300.5, 0, 1e-300, -1e-17, 0.5 * log(2.0), 300.25, 700] {
            worst = max(worst, ulps(FixedOrderMath.exp(x), Foundation.exp(x)))
        }
        XCTAssertLessThanOrEqual(worst, 2, "largest error \(worst) ulp")
        XCTAssertEqual(FixedOrderMath.exp(0), 1)
    }

    func testTwoAtATimeGivesTheSameBits() {
        var x = -35.0
        while x < 35 {
            let pair = SIMD2(x, -x * 0.37)
            let e = FixedOrderMath.exp(pair)
            XCTAssertEqual(e[0].bitPattern, FixedOrderMath.exp(pair[0]).bitPattern, "exp(\(pair[0]))")
            XCTAssertEqual(e[1].bitPattern, FixedOrderMath.exp(pair[1]).bitPattern, "exp(\(pair[1]))")
            let positive = SIMD2(Foundation.exp(x / 3), 1 / (1 + Foundation.exp(-x)))
            let l = FixedOrderMath.log(positive)
            XCTAssertEqual(l[0].bitPattern, FixedOrderMath.log(positive[0]).bitPattern, "log(\(positive[0]))")
            XCTAssertEqual(l[1].bitPattern, FixedOrderMath.log(positive[1]).bitPattern, "log(\(positive[1]))")
            x += 0.0137
        }
        // Lanes outside the normal range take the scalar path.
        let odd = FixedOrderMath.log(SIMD2(0, 1e-310))
        XCTAssertEqual(odd[0], -.infinity)
        XCTAssertEqual(odd[1].bitPattern, FixedOrderMath.log(1e-310).bitPattern)
    }

    func testLogWithinTwoUlps() {
        var worst = 0.0
        var x = 1e-17
        while x < 1e6 {
            worst = max(worst, ulps(FixedOrderMath.log(x), Foundation.log(x)))
            x *= 1.000_37
        }
        var u = 0.000_01
        while u < 1 {
            // log(1 - mu) near 1 and log(mu) near 0 (what the deviance needs)
            worst = max(worst, ulps(FixedOrderMath.log(1 - u), Foundation.log(1 - u)))
            u += 0.000_113
        }
        for x in [Double.leastNonzeroMagnitude, 1e-310, Double.leastNormalMagnitude, 1, 2, 0.5, Double.greatestFiniteMagnitude] {
            worst = max(worst, ulps(FixedOrderMath.log(x), Foundation.log(x)))
        }
        XCTAssertLessThanOrEqual(worst, 2, "largest error \(worst) ulp")
        XCTAssertEqual(FixedOrderMath.log(1), 0)
        XCTAssertEqual(FixedOrderMath.log(0), -.infinity)
        XCTAssertTrue(FixedOrderMath.log(-1).isNaN)
        XCTAssertTrue(FixedOrderMath.log(.nan).isNaN)
        XCTAssertEqual(FixedOrderMath.log(.infinity), .infinity)
    }
}
