import XCTest
import TestSupport
@testable import Matching

/// Parity with R MatchIt 4.7.2 (`Tests/Fixtures/matchit/*`, written by Scripts/make-fixtures.R).
///
/// Each case feeds MatchIt's own distance to the matcher, so these tests check matching alone:
/// the matched sets and the order of controls within each set must be identical, subclasses and
/// common-support flags must be identical, and weights must agree to 1e-12 relative (they are sums
/// of 1/k and a normalisation, so only the last bits can differ).
final class MatchItParityTests: XCTestCase {
    struct Case {
        var name: String
        var specification: NearestNeighborSpecification
        var exactOnMarried = false
    }

    static let cases: [Case] = [
        Case(name: "nn_1to1", specification: .init()),
        Case(name: "nn_3to1", specification: .init(ratio: 3)),
        Case(name: "nn_caliper02_linear", specification: .init(caliper: 0.2)),
        Case(name: "nn_2to1_replace", specification: .init(ratio: 2, replace: true)),
        Case(name: "nn_3to1_caliper01", specification: .init(ratio: 3, caliper: 0.1)),
        Case(name: "nn_discard_both", specification: .init(discard: .both)),
        Case(name: "nn_exact_married", specification: .init(), exactOnMarried: true),
        Case(name: "nn_smallest", specification: .init(order: .smallest)),
        Case(name: "nn_data_order", specification: .init(order: .data)),
        Case(name: "nn_atc", specification: .init(estimand: .atc)),
        Case(name: "nn_probit", specification: .init()),
        Case(name: "nn_replace_caliper", specification: .init(replace: true, caliper: 0.05)),
        Case(name: "nn_user_distance", specification: .init()),
    ]

    func testEveryCaseMatchesMatchItExactly() throws {
        let lalonde = try FixtureTable(contentsOf: Fixtures.dataset("lalonde.csv"))
        let married = lalonde.integers("married").map { $0! }
        for c in Self.cases {
            try check(c, married: married)
        }
    }

    /// `m$caliper` as recorded in a case's call.txt (`caliper: structure(0.36..., names = "")`).
    static func storedCaliper(_ name: String) throws -> Double? {
        let text = try String(contentsOf: Fixtures.file("matchit/\(name)/call.txt"), encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("caliper: structure(") }) else { return nil }
        let number = line.dropFirst("caliper: structure(".count).prefix { $0 != "," }
        return Double(number)
    }

    func check(_ c: Case, married: [Int]) throws {
        let folder = "matchit/\(c.name)/"
        let expected = try FixtureTable(contentsOf: Fixtures.file(folder + "matches.csv"))
        let matrix = try FixtureTable(contentsOf: Fixtures.file(folder + "match_matrix.csv"))
        let treated = expected.integers("treat").map { $0! == 1 }
        let distance = expected.doubles("distance").map { $0! }

        let result = try NearestNeighborMatcher.match(
            treated: treated, distance: distance, exactCells: c.exactOnMarried ? married : nil,
            specification: c.specification)

        // Caliper on the distance scale: MatchIt stores caliper x SD(distance[!discarded]).
        if c.specification.caliper != nil {
            let stored = try XCTUnwrap(try Self.storedCaliper(c.name), "\(c.name): call.txt has no caliper")
            let width = try XCTUnwrap(result.caliperWidth)
            XCTAssertLessThanOrEqual(relativeDifference(width, stored), 1e-14, "\(c.name): caliper \(width) vs \(stored)")
        }

        // Match matrix: the same controls, in the same order, for every focal unit.
        XCTAssertEqual(result.focalUnits.count, matrix.rows.count, "\(c.name): focal units")
        guard result.focalUnits.count == matrix.rows.count, result.matches.count == matrix.rows.count else { return }
        for (k, row) in matrix.rows.enumerated() {
            let focalRow = Int(row[0])! - 1
            XCTAssertEqual(result.focalUnits[k], focalRow, "\(c.name): focal unit \(k)")
            let controls = row.dropFirst().compactMap { Int($0) }.map { $0 - 1 }
            XCTAssertEqual(result.matches[k], controls, "\(c.name): matches of row \(focalRow + 1)")
        }

        let weights = expected.doubles("weight").map { $0! }
        let subclass = expected.integers("subclass")
        let discarded = expected.integers("discarded").map { $0! == 1 }
        XCTAssertEqual(result.weights.count, weights.count, "\(c.name): fixture and result lengths")
        guard result.weights.count == weights.count else { return }
        XCTAssertEqual(result.discarded, discarded, "\(c.name): discarded")
        XCTAssertEqual(result.subclass.array, c.specification.replace ? Array(repeating: nil, count: weights.count) : subclass,
                       "\(c.name): subclass")
        for i in weights.indices {
            XCTAssertLessThanOrEqual(relativeDifference(result.weights[i], weights[i]), 1e-12,
                                     "\(c.name): weight of row \(i + 1): \(result.weights[i]) vs \(weights[i])")
        }
    }
}
