import Foundation
import XCTest
import TestSupport
import Design

/// A table written by `Scripts/make-design-fixtures.R` (`Tests/Fixtures/design/<name>`).
func designFixture(_ name: String) throws -> FixtureTable {
    try FixtureTable(contentsOf: Fixtures.file("design/\(name)"))
}

/// A double from a fixture row (R writes `Inf` for an infinite value).
func number(_ table: FixtureTable, _ row: [String], _ column: String) -> Double {
    table.number(row, column)
}

func integer(_ table: FixtureTable, _ row: [String], _ column: String) -> Int {
    Int(number(table, row, column))
}

func flag(_ table: FixtureTable, _ row: [String], _ column: String) -> Bool {
    row[table.index(of: column)] == "1"
}

func alternative(_ table: FixtureTable, _ row: [String]) -> Alternative {
    row[table.index(of: "alternative")] == "two.sided" ? .twoSided : .oneSided
}

/// Largest relative differences per check, printed for the record ("[parity] name: max difference").
final class ParityLog: @unchecked Sendable {
    private var worst: [String: Double] = [:]
    private let lock = NSLock()

    /// Records `|actual − expected| / |expected|` under `name` and asserts it is at most `tolerance`.
    func check(_ actual: Double, _ expected: Double, _ tolerance: Double, _ name: String, _ context: String,
               file: StaticString = #filePath, line: UInt = #line) {
        let diff = relativeDifference(actual, expected)
        lock.lock()
        worst[name] = max(worst[name] ?? 0, diff)
        lock.unlock()
        XCTAssertLessThanOrEqual(diff, tolerance, "\(name) [\(context)]: \(actual) vs R \(expected)", file: file, line: line)
    }

    func maximum(_ name: String) -> Double { lock.lock(); defer { lock.unlock() }; return worst[name] ?? 0 }

    func report() {
        lock.lock(); defer { lock.unlock() }
        for (name, diff) in worst.sorted(by: { $0.key < $1.key }) { print("[parity] \(name): max difference \(diff)") }
    }
}
