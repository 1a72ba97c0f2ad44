import Columns
import Foundation
@testable import Matching
import XCTest

/// Matched-set numbers held four bytes a unit read, written, compared and encoded as the `[Int?]`
/// they stand for.
final class SubclassNumbersTests: XCTestCase {
    func testReadAndWrittenAsOptionalNumbers() {
        let values: [Int?] = [3, nil, 1, Int(Int32.max), -7, nil]
        var numbers = SubclassNumbers(values)
        XCTAssertEqual(numbers.count, 6)
        XCTAssertEqual(numbers.array, values)
        XCTAssertEqual(Array(numbers), values)
        XCTAssertEqual(numbers, [3, nil, 1, Int(Int32.max), -7, nil])
        numbers[1] = 2
        numbers[0] = nil
        XCTAssertEqual(numbers.array, [nil, 2, 1, Int(Int32.max), -7, nil])
        XCTAssertNotEqual(numbers, SubclassNumbers(values))
        numbers.withUnsafeCodes { codes in
            XCTAssertEqual(Array(codes), [SubclassNumbers.noSet, 2, 1, Int32.max, -7, SubclassNumbers.noSet])
        }
        XCTAssertEqual(SubclassNumbers(repeating: nil, count: 3).array, [nil, nil, nil])
        XCTAssertEqual(SubclassNumbers(repeating: 4, count: 2).array, [4, 4])
    }

    /// Encoded exactly as the array of optional numbers (a stage folder's matching.json written
    /// before the compact form reads back the same).
    func testEncodedAsTheArray() throws {
        let values: [Int?] = [1, nil, 2, 2, nil]
        let encoder = JSONEncoder()
        XCTAssertEqual(try encoder.encode(SubclassNumbers(values)), try encoder.encode(values))
        let decoded = try JSONDecoder().decode(SubclassNumbers.self, from: try encoder.encode(values))
        XCTAssertEqual(decoded.array, values)
    }

    /// The nearest-neighbour matcher's set numbers: each matched set numbered from 1 by its focal
    /// unit in data order, every other unit in no set.
    func testMatchWeightsNumbersTheSets() throws {
        let focal = [true, false, false, true, false, true]
        let (weights, subclass) = try matchWeights(n: 6, focal: focal, focalUnits: [0, 3, 5], matches: [[2], [], [1, 4]],
                                                   withReplacement: false)
        XCTAssertEqual(subclass.array, [1, 2, 1, nil, 2, 2])
        XCTAssertEqual(weights[3], 0)
    }
}
