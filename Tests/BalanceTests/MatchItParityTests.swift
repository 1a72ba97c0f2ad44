import Foundation
import XCTest
import Columns
import TestSupport
import Balance

/// Parity with R MatchIt 4.7.2 `summary(m)` for every case under `Tests/Fixtures/matchit/`.
///
/// Inputs are MatchIt's own distance, weights, subclasses and discard flags (matches.csv), so these
/// tests check the balance statistics alone. Covariates come from Datasets/lalonde.csv with `race`
/// expanded to `raceblack`, `racehispan`, `racewhite`.
///
/// Tolerance: every statistic must satisfy `relativeDifference ≤ 1e-6`, or, for quantities at or
/// near zero, `|ours − MatchIt| ≤ 1e-9` absolute. NA in MatchIt must be `nil` here and vice versa.
final class MatchItParityTests: XCTestCase {
    static let relativeTolerance = 1e-6
    static let absoluteTolerance = 1e-9

    /// Largest differences seen across all cases, printed at the end of the run.
    struct Worst { var relative = 0.0; var absolute = 0.0; var relativeWhere = ""; var absoluteWhere = "" }

    func testEveryFixtureCaseMatchesMatchIt() throws {
        let root = Fixtures.file("matchit")
        let cases = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { FileManager.default.fileExists(atPath: root.appendingPathComponent($0).appendingPathComponent("balance_matched.csv").path) }
            .sorted()
        XCTAssertFalse(cases.isEmpty, "no fixture cases under \(root.path)")

        let data = try FixtureTable(contentsOf: Fixtures.dataset("lalonde.csv"))
        var worst = Worst()
        for name in cases {
            try check(name, data: data, worst: &worst)
        }
        print("MatchIt balance parity: \(cases.count) cases; max relative difference \(worst.relative) (\(worst.relativeWhere)); "
              + "max absolute difference \(worst.absolute) (\(worst.absoluteWhere))")
    }

    /// The covariate columns in MatchIt's order, factor levels expanded.
    static func covariates(_ data: FixtureTable) -> [BalanceCovariate] {
        func numeric(_ name: String) -> BalanceCovariate {
            BalanceCovariate(name: name, values: data.doubles(name).map { $0! })
        }
        let race = data.strings("race")
        func level(_ l: String) -> BalanceCovariate {
            BalanceCovariate(name: "race" + l, values: race.map { $0 == l ? 1 : 0 })
        }
        return [numeric("age"), numeric("educ"), level("black"), level("hispan"), level("white"),
                numeric("married"), numeric("nodegree"), numeric("re74"), numeric("re75")]
    }

    struct Setting { var estimand: BalanceEstimand; var replace: Bool }

    static func setting(_ name: String) throws -> Setting {
        let text = try String(contentsOf: Fixtures.file("matchit/\(name)/call.txt"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let estimand: BalanceEstimand = lines.contains { $0.hasPrefix("estimand:") && $0.contains("\"ATC\"") } ? .atc : .att
        let replace = lines.contains { $0.hasPrefix("replace: TRUE") }
        return Setting(estimand: estimand, replace: replace)
    }

    /// match_matrix.csv: `focal_row, c1, c2, ...` (1-based rows; empty = no match in that slot).
    static func matchMatrix(_ name: String) throws -> MatchMatrix {
        let table = try FixtureTable(contentsOf: Fixtures.file("matchit/\(name)/match_matrix.csv"))
        var focal: [Int] = [], matches: [[Int]] = []
        for row in table.rows {
            focal.append(Int(row[0])! - 1)
            matches.append(row.dropFirst().compactMap { Int($0) }.map { $0 - 1 })
        }
        return MatchMatrix(focalUnits: focal, matches: matches)
    }

    func check(_ name: String, data: FixtureTable, worst: inout Worst) throws {
        let folder = "matchit/\(name)/"
        let units = try FixtureTable(contentsOf: Fixtures.file(folder + "matches.csv"))
        let setting = try Self.setting(name)
        XCTAssertEqual(units.integers("row").map { $0! }, Array(1...data.rows.count), "\(name): rows not in data order")

        let treated = units.integers("treat").map { $0! == 1 }
        let weights = units.doubles("weight").map { $0! }
        let subclass = units.integers("subclass")
        let discarded = units.integers("discarded").map { $0! == 1 }
        let covariates = [BalanceCovariate(name: "distance", values: units.doubles("distance").map { $0! })]
            + Self.covariates(data)

        // As the CLI calls it: no subclass after matching with replacement.
        let plain = summarizeBalance(
            covariates: covariates, treated: treated, weights: weights,
            subclass: setting.replace ? nil : SubclassNumbers(subclass), discarded: discarded, estimand: setting.estimand)
        // With the match matrix too, MatchIt's source of pair distances after matching with replacement.
        let full = summarizeBalance(
            covariates: covariates, treated: treated, weights: weights,
            subclass: setting.replace ? nil : SubclassNumbers(subclass), discarded: discarded, estimand: setting.estimand,
            matchMatrix: try Self.matchMatrix(name))

        try compare(full.all, folder + "balance_all.csv", case: name, table: "all", worst: &worst)
        try compare(full.matched, folder + "balance_matched.csv", case: name, table: "matched", worst: &worst)
        XCTAssertEqual(plain.all, full.all, name)
        for (p, f) in zip(plain.matched, full.matched) {
            var f = f
            if setting.replace { f.standardizedPairDistance = nil }
            XCTAssertEqual(p, f, "\(name): \(p.name)")
        }
        if setting.replace {
            XCTAssertTrue(plain.matched.allSatisfy { $0.standardizedPairDistance == nil }, name)
        }

        let sizes = try FixtureTable(contentsOf: Fixtures.file(folder + "sample_sizes.csv"))
        let ours: [String: GroupCounts] = [
            "All (ESS)": full.sampleSizes.allESS, "All": full.sampleSizes.all,
            "Matched (ESS)": full.sampleSizes.matchedESS, "Matched": full.sampleSizes.matched,
            "Unmatched": full.sampleSizes.unmatched, "Discarded": full.sampleSizes.discarded,
        ]
        XCTAssertEqual(Set(sizes.strings("row")), Set(ours.keys), name)
        for (label, control, treatedCount) in zip3(sizes.strings("row"), sizes.doubles("control"), sizes.doubles("treated")) {
            guard let g = ours[label] else { continue }
            agree(g.control, control, "\(name) sizes \(label) control", worst: &worst)
            agree(g.treated, treatedCount, "\(name) sizes \(label) treated", worst: &worst)
        }
    }

    func compare(_ rows: [BalanceRow], _ file: String, case name: String, table: String, worst: inout Worst) throws {
        let expected = try FixtureTable(contentsOf: Fixtures.file(file))
        XCTAssertEqual(rows.map(\.name), expected.strings("variable"), "\(name) \(table): row names")
        guard rows.count == expected.rows.count else { return }
        let columns: [(String, (BalanceRow) -> Double?)] = [
            ("means_treated", { $0.meanTreated }), ("means_control", { $0.meanControl }),
            ("std_mean_diff", { $0.standardizedMeanDifference }), ("var_ratio", { $0.varianceRatio }),
            ("ecdf_mean", { $0.ecdfMean }), ("ecdf_max", { $0.ecdfMax }),
            ("std_pair_dist", { $0.standardizedPairDistance }),
        ]
        for (column, get) in columns {
            for (row, value) in zip(rows, expected.doubles(column)) {
                agree(get(row), value, "\(name) \(table) \(row.name) \(column)", worst: &worst)
            }
        }
    }

    func agree(_ ours: Double?, _ theirs: Double?, _ label: String, worst: inout Worst) {
        switch (ours, theirs) {
        case (nil, nil):
            return
        case let (a?, b?):
            let absolute = abs(a - b)
            let relative = relativeDifference(a, b)
            if abs(b) >= Self.relativeTolerance, relative > worst.relative { worst.relative = relative; worst.relativeWhere = label }
            if absolute > worst.absolute { worst.absolute = absolute; worst.absoluteWhere = label }
            XCTAssertTrue(relative <= Self.relativeTolerance || absolute <= Self.absoluteTolerance,
                          "\(label): ours \(a), MatchIt \(b) (relative \(relative))")
        default:
            XCTFail("\(label): ours \(String(describing: ours)), MatchIt \(String(describing: theirs)) (NA pattern differs)")
        }
    }
}

private func zip3<A, B, C>(_ a: [A], _ b: [B], _ c: [C]) -> [(A, B, C)] {
    zip(a, zip(b, c)).map { ($0, $1.0, $1.1) }
}
