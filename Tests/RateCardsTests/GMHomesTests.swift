import CohortData
import RateCards
import TestSupport
import XCTest

/// Datasets/gm-homes: the Greater Manchester Homes Partnership SIB's rate-card achievements as
/// published in May 2020. The last column, actuals as a percentage of the expanded contract
/// target (rounded), is re-derived from the other columns with `TargetAchievement`.
final class GMHomesTests: XCTestCase {
    private let path = Fixtures.dataset("gm-homes/gm-homes-rate-card-may-2020.csv").path

    func testAchievementAgainstExpandedTargetReDerivesForEveryRow() throws {
        let table = try CSVReader.read(path: path)
        XCTAssertEqual(table.header, ["outcome", "end_target", "total_expanded_contract", "original_contract_base",
                                      "actuals_at_fieldwork", "predicted_at_end", "actuals_over_expanded_targets_pct"])
        XCTAssertEqual(table.rowCount, 22)
        let outcome = try table.column("outcome")
        let target = try table.numeric("total_expanded_contract")
        let actual = try table.numeric("actuals_at_fieldwork")
        let published = try table.numeric("actuals_over_expanded_targets_pct")
        var mismatches: [String] = []
        for r in 0..<table.rowCount {
            let a = try XCTUnwrap(TargetAchievement(achieved: Int(exactly: actual[r])!, target: Int(exactly: target[r])!))
            if a.roundedPercentage != Int(exactly: published[r])! {
                mismatches.append("line \(table.line(ofRow: r)) \(outcome.text(at: r)): \(a.roundedPercentage) != \(published[r])")
            }
            // The rounding never sits on a half, so the rule for halves cannot matter here.
            XCTAssertNotEqual((a.achieved * 200) % (a.target * 2), a.target, outcome.text(at: r))
        }
        XCTAssertEqual(mismatches, [], "rows whose published percentage does not re-derive")
    }

    func testSpotRows() throws {
        let table = try CSVReader.read(path: path)
        let outcome = try table.column("outcome")
        let target = try table.numeric("total_expanded_contract"), actual = try table.numeric("actuals_at_fieldwork")
        func achievement(_ name: String) -> TargetAchievement? {
            guard let r = (0..<table.rowCount).first(where: { outcome.text(at: $0) == name }) else { return nil }
            return TargetAchievement(achieved: Int(actual[r]), target: Int(target[r]))
        }
        // 325 / 293 = 110.92% -> 111; 54 / 135 = 40% exactly; 16 / 33 = 48.48% -> 48; 1 / 36 = 2.78% -> 3.
        XCTAssertEqual(achievement("Entered accommodation")?.roundedPercentage, 111)
        XCTAssertEqual(achievement("Sustained Accom. 24mth.")?.percentage, 40)
        XCTAssertEqual(achievement("Alcohol entry into services")?.roundedPercentage, 48)
        XCTAssertEqual(achievement("26 weeks P/T Employment")?.roundedPercentage, 3)
        XCTAssertEqual(achievement("Entered accommodation")?.isMet, true)
        XCTAssertEqual(achievement("Sustained Accom. 24mth.")?.isMet, false)
    }
}
