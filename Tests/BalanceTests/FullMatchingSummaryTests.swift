import Foundation
import XCTest
import Columns
import TestSupport
import Balance

/// MatchIt 4.7.2's `summary(m, un = TRUE)` after full matching (`method = "full"`, ATT, ATC and
/// ATE; Scripts/fixtures-methods-flow.R, `Tests/Fixtures/flow/summary_full_*`), given MatchIt's own
/// weights and subclasses: full matching has no match matrix, so `Std. Pair Dist.` comes from the
/// subclasses (MatchIt's `pair.dist` -> `pairdistsubC`: the mean |x_t - x_c| over every
/// treated-control pair within each subclass, divided by the SMD's scale).
///
/// Tolerances: pair distances to 1e-10 relative; the other statistics as `MatchItParityTests`
/// (1e-6 relative, or 1e-9 absolute near zero).
final class FullMatchingSummaryTests: XCTestCase {
    func testPairDistancesFromSubclassesMatchMatchIt() throws {
        let data = try FixtureTable(contentsOf: Fixtures.dataset("lalonde.csv"))
        for (tag, estimand) in [("att", BalanceEstimand.att), ("atc", .atc), ("ate", .ate)] {
            let units = try FixtureTable(contentsOf: Fixtures.file("flow/summary_full_\(tag)_units.csv"))
            let covariates = [BalanceCovariate(name: "distance", values: units.doubles("distance").map { $0! })]
                + MatchItParityTests.covariates(data)
            let summary = summarizeBalance(
                covariates: covariates, treated: units.integers("treat").map { $0 == 1 },
                weights: units.doubles("weight").map { $0! }, subclass: SubclassNumbers(units.integers("subclass")),
                discarded: Array(repeating: false, count: units.rows.count), estimand: estimand)
            for (table, rows) in [("all", summary.all), ("matched", summary.matched)] {
                let expected = try FixtureTable(contentsOf: Fixtures.file("flow/summary_full_\(tag)_\(table).csv"))
                XCTAssertEqual(rows.map(\.name), expected.strings("variable"), "\(tag) \(table)")
                let columns: [(String, (BalanceRow) -> Double?)] = [
                    ("means_treated", { $0.meanTreated }), ("means_control", { $0.meanControl }),
                    ("std_mean_diff", { $0.standardizedMeanDifference }), ("var_ratio", { $0.varianceRatio }),
                    ("ecdf_mean", { $0.ecdfMean }), ("ecdf_max", { $0.ecdfMax }),
                    ("std_pair_dist", { $0.standardizedPairDistance }),
                ]
                for (column, get) in columns {
                    for (row, value) in zip(rows, expected.doubles(column)) {
                        let label = "\(tag) \(table) \(row.name) \(column)"
                        switch (get(row), value) {
                        case (nil, nil): continue
                        case let (a?, b?):
                            let tolerance = column == "std_pair_dist" ? 1e-10 : 1e-6
                            XCTAssertTrue(relativeDifference(a, b) <= tolerance || abs(a - b) <= 1e-9,
                                          "\(label): ours \(a), MatchIt \(b)")
                        default:
                            XCTFail("\(label): ours \(String(describing: get(row))), MatchIt \(String(describing: value))")
                        }
                    }
                }
            }
            XCTAssertTrue(summary.matched.allSatisfy { $0.standardizedPairDistance?.isFinite == true }, tag)
        }
    }
}
