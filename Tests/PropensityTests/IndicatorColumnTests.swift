import XCTest
import Columns
@testable import Propensity

/// A level indicator held as category codes (`NumericColumn.indicator`) gives the fit exactly the
/// numbers the same indicator held as doubles gives: every tile of codes is written as the same
/// doubles before the kernels read it.
final class IndicatorColumnTests: XCTestCase {
    func testIndicatorsGiveTheSameBitsAsDoubles() throws {
        // 5,001 rows: not a whole number of tiles (512) or blocks (4,096); a five-level factor whose
        // levels 1...4 enter as indicators, beside the continuous columns.
        let (columns, _) = PropensityDeterminismTests.design(rows: 5_001)
        var state: UInt64 = 12345
        let codes: [Int32] = (0..<5_001).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int32(state >> 61) % 5
        }
        var y: [Double] = []
        for i in 0..<5_001 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let eta = -1 + 0.5 * columns[0][i] + 0.3 * Double(codes[i]) - 0.4 * (codes[i] == 2 ? 1 : 0)
            y.append(Double(state >> 11) / Double(1 << 53) < 1 / (1 + exp(-eta)) ? 1 : 0)
        }
        let levels: [Int32] = [1, 2, 3, 4]
        let dense = [columns[0], columns[1]] + levels.map { l in codes.map { $0 == l ? 1.0 : 0.0 } }
        let mixed = [NumericColumn.dense(columns[0]), .dense(columns[1])] + levels.map { NumericColumn.indicator(codes: codes, level: $0) }
        let names = ["x0", "x1"] + levels.map { "f\($0)" }
        for link in BinomialLink.allCases {
            let a = try BinomialGLM.fit(columns: dense, names: names, response: y, link: link)
            let b = try BinomialGLM.fit(design: mixed, names: names, response: y, link: link)
            XCTAssertEqual(PropensityDeterminismTests.bits(a), PropensityDeterminismTests.bits(b), "\(link)")
        }
    }

    func testWriteIndicatorAtEveryLength() {
        // Four rows at a time and the rest one at a time: every length up to 11.
        let codes: [Int32] = [3, 1, 3, 0, 3, 3, 2, 3, 1, 3, 3]
        for count in 0...codes.count {
            var out = [Double](repeating: -1, count: count + 1)
            codes.withUnsafeBufferPointer { c in
                out.withUnsafeMutableBufferPointer { o in
                    NumericColumn.writeIndicator(codes: c.baseAddress!, level: 3, count: count, into: o.baseAddress!)
                }
            }
            XCTAssertEqual(Array(out.prefix(count)), codes.prefix(count).map { $0 == 3 ? 1 : 0 }, "count \(count)")
            XCTAssertEqual(out[count], -1, "count \(count): wrote past the end")
        }
        let column = NumericColumn.indicator(codes: codes, level: 1)
        XCTAssertEqual(column.values, [0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0])
        XCTAssertEqual(column.count, 11)
        XCTAssertEqual(column[8], 1)
        var part = [Double](repeating: 0, count: 5)
        part.withUnsafeMutableBufferPointer { column.copy(rows: 5..<10, into: $0.baseAddress!) }
        XCTAssertEqual(part, [0, 0, 0, 1, 0])
    }
}

/// The root mean squares of the design's columns (the scale of the fit's checks) are each column's
/// squares added in row order, whether the column is summed alone or side by side with others, for
/// groups of one to four dense columns and for indicators.
final class RootMeanSquareTests: XCTestCase {
    func testEachColumnSummedInRowOrder() {
        var state: UInt64 = 0xDEAD_BEEF
        func next() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Double(state >> 11) / Double(1 << 53) - 0.3) * Double(1 << Int(state >> 60))
        }
        let rows = 1_003
        let codes: [Int32] = (0..<rows).map { i in Int32(i * 7 % 3) }
        for denseCount in 0...9 {
            let dense = (0..<denseCount).map { _ in (0..<rows).map { _ in next() } }
            // Indicators between the dense columns, so that groups are formed across them.
            var columns = dense.map(NumericColumn.dense)
            columns.insert(.indicator(codes: codes, level: 1), at: min(2, columns.count))
            columns.append(.indicator(codes: codes, level: 2))
            let rms = BlockedDesign(columns: columns, rows: rows).rootMeanSquares()
            XCTAssertEqual(rms.count, columns.count)
            for (j, column) in columns.enumerated() {
                var s = 0.0
                for i in 0..<rows { s += column[i] * column[i] }
                let expected = (s / Double(rows)).squareRoot()
                XCTAssertEqual(rms[j].bitPattern, (expected > 0 ? expected : 1).bitPattern, "\(denseCount) dense, column \(j)")
            }
        }
    }
}
