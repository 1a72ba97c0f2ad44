import XCTest
import Columns
import RArithmetic
import TestSupport
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
        for b in assertSameTables(dense, compact, treated: treated, weights: weights, subclass: subclass) {
            XCTAssertNotNil(b.matched[1].standardizedPairDistance)
        }
    }

    /// The balance tables of `a` and `b` (ATT) are equal, serial and parallel; returns `b`'s.
    @discardableResult
    func assertSameTables(
        _ a: [BalanceCovariate], _ b: [BalanceCovariate], treated: [Bool], weights: [Double], subclass: [Int?]?,
        file: StaticString = #filePath, line: UInt = #line
    ) -> [BalanceSummary] {
        [0, Int.max].map { threshold in
            let tables = [a, b].map { covariates in
                summarizeBalance(covariates: covariates, treated: treated, weights: weights, subclass: subclass.map { SubclassNumbers($0) },
                                 discarded: Array(repeating: false, count: treated.count), estimand: .att, matchMatrix: nil,
                                 parallelRowThreshold: threshold)
            }
            XCTAssertEqual(tables[0].all, tables[1].all, "threshold \(threshold)", file: file, line: line)
            XCTAssertEqual(tables[0].matched, tables[1].matched, "threshold \(threshold)", file: file, line: line)
            return tables[1]
        }
    }

    /// The indicators of two covariates, listed interleaved, one of them also through a copy of its
    /// codes (other storage), with weights whose sums round (1/3, 0.7, ...) and codes above the
    /// largest level tested: the levels of each codes array are counted and summed in one pass, and
    /// every number equals that of the indicators as doubles, bit for bit.
    func testIndicatorsOfSeveralCovariatesCountedTogetherGiveTheSameTables() {
        var random = SplitMix64(seed: 7)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let n = 9_000
        var treated = [Bool](), weights = [Double](), g = [Int32](), h = [Int32](), x = [Double]()
        let steps = [0, 1.0 / 3, 0.7, 1, 2.0 / 7, 0.1]
        for _ in 0..<n {
            let isTreated = next(4) == 0
            treated.append(isTreated)
            weights.append(isTreated ? 1 : steps[next(steps.count)])
            g.append(Int32(next(isTreated ? 3 : 5)))
            h.append(Int32(next(7)))
            x.append(Double(next(1000)) / 8)
        }
        let hCopy = h.map { $0 }  // the same codes in storage of its own
        func dense(_ name: String, _ codes: [Int32], _ level: Int32) -> BalanceCovariate {
            BalanceCovariate(name: name, values: codes.map { $0 == level ? 1 : 0 })
        }
        func indicator(_ name: String, _ codes: [Int32], _ level: Int32) -> BalanceCovariate {
            BalanceCovariate(name: name, column: .indicator(codes: codes, level: level))
        }
        // g's levels 0-3 (4 is never tested), h's 1, 5 and 2, interleaved; h's level 6 through the copy.
        let spec: [(String, [Int32], Int32)] = [("g0", g, 0), ("h1", h, 1), ("g2", g, 2), ("h5", h, 5), ("g1", g, 1),
                                                ("h6", hCopy, 6), ("h2", h, 2), ("g3", g, 3)]
        let a = [BalanceCovariate(name: "x", values: x)] + spec.map { dense($0.0, $0.1, $0.2) }
        let b = [BalanceCovariate(name: "x", values: x)] + spec.map { indicator($0.0, $0.1, $0.2) }
        XCTAssertEqual(IndicatorGroup.groups(of: b.dropFirst().map(\.column)).map { $0.members.map(\.index) },
                       [[0, 2, 4, 7], [1, 3, 6], [5]])
        assertSameTables(a, b, treated: treated, weights: weights, subclass: nil)
    }

    /// The sums counted together are each column's own sequence of additions: every group's Σw·x
    /// (in extended precision) equals the sum of a pass of its own over the matched units in row
    /// order, and every count of ones the count of a pass of its own.
    func testSumsCountedTogetherAreEachColumnsOwnSums() {
        var random = SplitMix64(seed: 11)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let n = 20_000
        let treated = (0..<n).map { _ in next(3) == 0 }
        let weights = (0..<n).map { _ in [0, 1.0 / 3, 0.7, 1, 2.0 / 7, 0.1, 1e-3][next(7)] }
        let g = (0..<n).map { _ in Int32(next(6)) }, h = (0..<n).map { _ in Int32(next(3)) }
        let columns: [NumericColumn] = [.indicator(codes: g, level: 4), .indicator(codes: h, level: 0),
                                        .indicator(codes: g, level: 1), .indicator(codes: h, level: 2)]
        let matchedRows = (0..<n).filter { weights[$0] != 0 }.map(Int32.init)
        let matched = indicatorMatchedMoments(of: columns, treated: treated, weights: weights, matchedRows: matchedRows)
        let full = indicatorMoments(columns, treated: treated)
        for (k, column) in columns.enumerated() {
            guard case .indicator(let codes, let level) = column else { return XCTFail("not an indicator") }
            var sum: (t: ExtendedSum, c: ExtendedSum) = (0, 0)
            var ones = (t: 0, c: 0)
            for r in matchedRows where codes[Int(r)] == level {
                if treated[Int(r)] { sum.t += ExtendedSum(weights[Int(r)]) } else { sum.c += ExtendedSum(weights[Int(r)]) }
            }
            for i in 0..<n where codes[i] == level {
                if treated[i] { ones.t += 1 } else { ones.c += 1 }
            }
            XCTAssertEqual(matched[k].treated.sumWX, sum.t, "column \(k)")
            XCTAssertEqual(matched[k].control.sumWX, sum.c, "column \(k)")
            XCTAssertEqual(full[k].treated.sumX, ExtendedSum(ones.t), "column \(k)")
            XCTAssertEqual(full[k].control.sumX, ExtendedSum(ones.c), "column \(k)")
        }
    }

    /// The full-sample moments formed tile by tile and group by group are those of one pass over the
    /// rows in row order (`UnitMoments.add` per unit, the binary rule per value), bit for bit: six
    /// columns (a full batch and a short one), over tiles and a partial last tile, a 0/1 column, and
    /// two columns that are 0/1 except in the last row.
    func testFullSampleMomentsAreThoseOfOnePassInRowOrder() {
        var random = SplitMix64(seed: 5)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let n = 3 * momentTileRows + 123
        let treated = (0..<n).map { _ in next(7) == 0 }
        var columns: [[Double]] = [
            (0..<n).map { _ in Double(next(90)) },
            (0..<n).map { _ in Double(next(100_000)) / 3 },
            (0..<n).map { _ in Double(next(2)) },
            (0..<n).map { _ in Double(next(2)) },
            (0..<n).map { _ in Double(next(2)) },
            (0..<n).map { _ in 1e6 + Double(next(7)) / 7 },
        ]
        // 0/1 except in the file's last row: the fourth column of the first batch and the first of the second.
        columns[3][n - 1] = 0.5
        columns[4][n - 1] = -1
        let prepared = BalancePreparation(
            covariates: columns.enumerated().map { BalanceCovariate(name: "c\($0.offset)", values: $0.element) },
            treated: treated, parallel: false, presort: false)
        for (j, x) in columns.enumerated() {
            var t = UnitMoments(), c = UnitMoments()
            var binary = true
            for i in 0..<n {
                if !(x[i] == 0 || x[i] == 1) { binary = false }
                if treated[i] { t.add(x[i], reciprocalOfNewCount: 1 / Double(t.count + 1)) } else {
                    c.add(x[i], reciprocalOfNewCount: 1 / Double(c.count + 1))
                }
            }
            let m = prepared.full[j]
            XCTAssertEqual(m.binary, binary, "column \(j)")
            for (got, want, group) in [(m.treated, t, "treated"), (m.control, c, "control")] {
                XCTAssertEqual(got.count, want.count, "column \(j) \(group)")
                XCTAssertEqual(got.sumX, want.sumX, "column \(j) \(group)")
                XCTAssertEqual(got.runMean.bitPattern, want.runMean.bitPattern, "column \(j) \(group)")
                XCTAssertEqual(got.m2.bitPattern, want.m2.bitPattern, "column \(j) \(group)")
            }
        }
        XCTAssertEqual(prepared.full.map(\.binary), [false, false, true, false, false, false])
    }

    /// The matched-sample moments formed tile by tile, group by group and four columns a vector are
    /// those of `WeightedMoments.add` column by column over the matched units in row order, bit for
    /// bit: a batch of four and a short batch, weights whose sums round, over tiles and a partial one,
    /// few matched units (so that a step rounded differently shows in the running numbers).
    func testMatchedMomentsAreThoseOfAddInRowOrder() {
        var random = SplitMix64(seed: 3)
        func next(_ bound: Int) -> Int { random.below(bound) }
        let n = 2 * momentTileRows + 777
        let treated = (0..<n).map { _ in next(4) == 0 }
        let steps: [Double] = [1.0 / 3, 0.7, 1, 2.0 / 7, 3, 1e-3]
        let weights = (0..<n).map { _ -> Double in next(20) == 0 ? steps[next(steps.count)] : 0 }
        let columns: [[Double]] = [
            (0..<n).map { _ in Double(next(90)) },
            (0..<n).map { _ in Double(next(100_000)) / 3 },
            (0..<n).map { _ in Double(next(2)) },
            (0..<n).map { _ in 1e6 + Double(next(7)) / 7 },
            (0..<n).map { _ in Double(next(1000)) / 10 - 50 },
            (0..<n).map { _ in Double(next(5)) * 0.1 },
        ]
        let covariates = columns.enumerated().map { BalanceCovariate(name: "c\($0.offset)", values: $0.element) }
        let matchedRows = (0..<n).filter { weights[$0] != 0 }.map(Int32.init)
        let got = matchedMoments(of: Array(covariates[0..<4]), treated: treated, weights: weights, matchedRows: matchedRows)
            + matchedMoments(of: Array(covariates[4...]), treated: treated, weights: weights, matchedRows: matchedRows)
        for (j, x) in columns.enumerated() {
            var t = WeightedMoments(), c = WeightedMoments()
            for r in matchedRows {
                let i = Int(r)
                if treated[i] { t.add(x[i], weight: weights[i]) } else { c.add(x[i], weight: weights[i]) }
            }
            for (a, b, group) in [(got[j].treated, t, "treated"), (got[j].control, c, "control")] {
                XCTAssertEqual(a.count, b.count, "column \(j) \(group)")
                XCTAssertEqual(a.sumW, b.sumW, "column \(j) \(group)")
                XCTAssertEqual(a.sumW2, b.sumW2, "column \(j) \(group)")
                XCTAssertEqual(a.sumWX, b.sumWX, "column \(j) \(group)")
                XCTAssertEqual(a.runW.bitPattern, b.runW.bitPattern, "column \(j) \(group)")
                XCTAssertEqual(a.runMean.bitPattern, b.runMean.bitPattern, "column \(j) \(group)")
                XCTAssertEqual(a.m2.bitPattern, b.m2.bitPattern, "column \(j) \(group)")
            }
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
