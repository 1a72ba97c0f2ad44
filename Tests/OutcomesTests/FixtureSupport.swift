import XCTest
import TestSupport
@testable import Outcomes

/// One matched design written by `Scripts/make-outcome-fixtures.R`: its inputs
/// (`<design>_data.csv`, one row per lalonde unit, weight 0 = not matched) and R's results.
struct Design {
    static let names = ["nn_1to1", "nn_2to1_replace"]

    let name: String
    let data: FixtureTable

    init(_ name: String) throws {
        self.name = name
        data = try FixtureTable(contentsOf: Fixtures.file("outcomes/\(name)_data.csv"))
    }

    /// A result table `<design>_<suffix>.csv`.
    func table(_ suffix: String) throws -> FixtureTable {
        try FixtureTable(contentsOf: Fixtures.file("outcomes/\(name)_\(suffix).csv"))
    }

    var treated: [Bool] { data.integers("treat").map { $0 == 1 } }
    var weights: [Double] { data.doubles("weight").map { $0! } }

    /// The matched sample for an outcome column, clustered by `cluster` (nil: no cluster ids,
    /// each unit its own cluster, as `vcovCL(fit)` without a cluster argument).
    func sample(_ outcome: String, cluster: String? = "cluster") throws -> MatchedSample {
        try MatchedSample(outcome: data.doubles(outcome).map { $0! }, treated: treated, weights: weights,
                          cluster: cluster.map { data.integers($0) })
    }

    func survival() throws -> SurvivalSample {
        try SurvivalSample(time: data.doubles("time").map { $0! }, event: data.integers("event").map { $0 == 1 },
                           treated: treated, weights: weights)
    }
}

/// Rows of a result table whose columns match the given values.
func rows(_ table: FixtureTable, where conditions: [String: String]) -> [[String]] {
    let indices = conditions.map { (table.index(of: $0.key), $0.value) }
    return table.rows.filter { row in indices.allSatisfy { row[$0.0] == $0.1 } }
}

/// A double from a fixture row.
func value(_ table: FixtureTable, _ row: [String], _ column: String) -> Double {
    table.number(row, column)
}

/// Largest relative differences seen per check, printed at the end of each test class for the
/// record ("[parity] name: max difference ...").
final class DifferenceLog: @unchecked Sendable {
    private var worst: [String: Double] = [:]
    private let lock = NSLock()

    func record(_ name: String, _ diff: Double) {
        lock.lock(); defer { lock.unlock() }
        worst[name] = max(worst[name] ?? 0, diff)
    }

    func report() {
        lock.lock(); defer { lock.unlock() }
        for (name, diff) in worst.sorted(by: { $0.key < $1.key }) { print("[parity] \(name): max difference \(diff)") }
    }
}

/// Asserts `|actual − expected| / max(|expected|, scale) <= tolerance` — the relative difference,
/// except that a quantity that is zero in exact arithmetic (R then prints rounding noise such as
/// 3e-17) is measured against `scale`, the magnitude of the numbers it is computed from —
/// (exact equality for infinities) and logs the difference under `name`.
func assertClose(_ actual: Double, _ expected: Double, _ tolerance: Double, _ name: String, log: DifferenceLog,
                 scale: Double = 0, file: StaticString = #filePath, line: UInt = #line) {
    let diff: Double
    if actual == expected {
        diff = 0
    } else if expected.isInfinite || actual.isInfinite || actual.isNaN {
        diff = .infinity
    } else if expected == 0 && scale == 0 {
        diff = abs(actual)
    } else {
        diff = abs(actual - expected) / max(abs(expected), scale)
    }
    log.record(name.components(separatedBy: " [").first ?? name, diff)
    XCTAssertLessThanOrEqual(diff, tolerance, "\(name): \(actual) vs R \(expected)", file: file, line: line)
}
