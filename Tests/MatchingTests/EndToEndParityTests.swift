import XCTest
import CohortData
import Propensity
import TestSupport
@testable import Matching

/// End to end: our CSV loader, design matrix and GLM produce the distance, and matching on it gives
/// exactly MatchIt 4.7.2's matched sets (the distance agrees with R's to ~1e-14, well inside every
/// gap between distinct scores that could change a match).
final class EndToEndParityTests: XCTestCase {
    func testPipelineReproducesMatchItSets() throws {
        let table = try CSVReader.read(path: Fixtures.dataset("lalonde.csv").path)
        let frame = try ModelFrame(table: table, treatment: "treat",
                                   covariates: ["age", "educ", "race", "married", "nodegree", "re74", "re75"])
        let treated = frame.treatment.map { $0 == 1 }
        let cases: [(String, DistanceLink, NearestNeighborSpecification)] = [
            ("nn_1to1", .logit, .init()),
            ("nn_3to1", .logit, .init(ratio: 3)),
            ("nn_caliper02_linear", .linearLogit, .init(caliper: 0.2)),
            ("nn_2to1_replace", .logit, .init(ratio: 2, replace: true)),
            ("nn_probit", .probit, .init()),
            ("nn_atc", .logit, .init(estimand: .atc)),
        ]
        for (name, link, spec) in cases {
            let fit = try BinomialGLM.fit(columns: frame.modelColumns.map(\.values), names: frame.modelColumns.map(\.name),
                                          response: frame.treatment, link: link.binomialLink)
            let distance = link.distance(from: fit)
            let expected = try FixtureTable(contentsOf: Fixtures.file("matchit/\(name)/matches.csv")).doubles("distance")
            XCTAssertEqual(distance.count, expected.count, "\(name): fixture and result lengths")
            guard distance.count == expected.count else { continue }
            let worst = zip(distance, expected).map { relativeDifference($0, $1!) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1e-8, "\(name): distance")
            let result = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: spec)
            let matrix = try FixtureTable(contentsOf: Fixtures.file("matchit/\(name)/match_matrix.csv"))
            XCTAssertEqual(result.matches.count, matrix.rows.count, "\(name): fixture and result lengths")
            guard result.matches.count == matrix.rows.count else { continue }
            for (k, row) in matrix.rows.enumerated() {
                XCTAssertEqual(result.matches[k], row.dropFirst().compactMap { Int($0) }.map { $0 - 1 }, "\(name): row \(row[0])")
            }
            if let width = result.caliperWidth, let stored = try MatchItParityTests.storedCaliper(name) {
                XCTAssertLessThanOrEqual(relativeDifference(width, stored), 1e-12, "\(name): caliper width")
            }
            print("parity \(name): max relative distance difference vs R = \(worst)")
        }
    }
}
