import XCTest
import Columns
@testable import Balance

/// Balance tables of level indicators held as category codes equal those of the same indicators
/// held as doubles, bit for bit, serial and parallel; and the eCDF weight table formed unit by unit
/// equals the one formed from the arrays of signed weights.
final class BalanceIndicatorColumnTests: XCTestCase {
    func testIndicatorsGiveTheSameTablesAsDoubles() {
        var state: UInt64 = 99
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        // 10,001 rows: not a whole number of moment tiles (4,096).
        let n = 10_001
        var treated = [Bool](), weights = [Double](), subclass = [Int?](), codes = [Int32](), x = [Double]()
        var set = 0
        for i in 0..<n {
            let isTreated = i % 3 == 0
            if isTreated { set += 1 }
            treated.append(isTreated)
            let matched = isTreated || i % 3 == 1
            weights.append(matched ? 1 : 0)
            subclass.append(matched ? set : nil)
            codes.append(Int32(next() * (isTreated ? 3 : 4)))
            x.append(next())
        }
        let levels: [Int32] = [0, 1, 2, 3]
        let dense = [BalanceCovariate(name: "x", values: x)]
            + levels.map { l in BalanceCovariate(name: "f\(l)", values: codes.map { $0 == l ? 1 : 0 }) }
        let compact = [BalanceCovariate(name: "x", values: x)]
            + levels.map { BalanceCovariate(name: "f\($0)", column: .indicator(codes: codes, level: $0)) }
        for threshold in [0, Int.max] {
            let a = summarizeBalance(covariates: dense, treated: treated, weights: weights, subclass: subclass,
                                     discarded: Array(repeating: false, count: n), estimand: .att, matchMatrix: nil,
                                     parallelRowThreshold: threshold)
            let b = summarizeBalance(covariates: compact, treated: treated, weights: weights, subclass: subclass,
                                     discarded: Array(repeating: false, count: n), estimand: .att, matchMatrix: nil,
                                     parallelRowThreshold: threshold)
            XCTAssertEqual(a.all, b.all, "threshold \(threshold)")
            XCTAssertEqual(a.matched, b.matched, "threshold \(threshold)")
            XCTAssertNotNil(b.matched[1].standardizedPairDistance)
        }
    }

    func testWeightTableFormedUnitByUnitEqualsTheArrayForm() {
        let treated = [true, false, false, true, false, true, false]
        let weights = [1, 0.5, 0, 1, 0.25, 1, 2.0]
        let context = SummaryContext(treated: treated, weights: weights, estimand: .att, layout: nil, matchMatrix: nil)
        let n = treated.count
        let all = treated.withUnsafeBufferPointer { t in [Double](repeating: 1, count: n).withUnsafeBufferPointer { signedGroupWeights(treated: t, weights: $0) } }
        let matched = treated.withUnsafeBufferPointer { t in weights.withUnsafeBufferPointer { signedGroupWeights(treated: t, weights: $0) } }
        let reference = ECDFWeights(zip(all, matched).map { SIMD2($0, $1) })
        XCTAssertEqual(context.signedWeights.index, reference.index)
        XCTAssertEqual(context.signedWeights.table.map { [$0[0].bitPattern, $0[1].bitPattern] },
                       reference.table.map { [$0[0].bitPattern, $0[1].bitPattern] })
    }
}
