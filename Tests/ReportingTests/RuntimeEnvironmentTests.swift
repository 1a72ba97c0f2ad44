@testable import Reporting
import XCTest

final class RuntimeEnvironmentTests: XCTestCase {
    /// The first occurrence at or after `from`, by the obvious search.
    func naive(_ needle: [UInt8], _ haystack: [UInt8], _ from: Int) -> Int? {
        guard !needle.isEmpty, from >= 0 else { return nil }
        var k = from
        while k + needle.count <= haystack.count {
            if Array(haystack[k..<(k + needle.count)]) == needle { return k }
            k += 1
        }
        return nil
    }

    /// `find` (which anchors a needle starting with a line break on its second byte) agrees with
    /// the obvious search on package-database-like text, including needles at the very start and
    /// end, overlapping candidates and starting offsets.
    func testFindAgreesWithTheObviousSearch() {
        let text = Array("\nPackage: libblas3\nVersion: 3.11.0-2\n\nPackage: liblapack3\nArchitecture: amd64\nVersion: 3.11.0-2\n\n".utf8)
        let needles = ["\nPackage: liblapack3\n", "\nPackage: libblas3\n", "\n\n", "\nPackage: libatlas3\n", "Version", "\n", "2\n\n", "\nV"]
        for needle in needles.map({ Array($0.utf8) }) {
            for from in 0...text.count {
                XCTAssertEqual(RuntimeEnvironment.find(needle, in: text, from: from), naive(needle, text, from),
                               "\(String(decoding: needle, as: UTF8.self)) from \(from)")
            }
        }
        var state: UInt64 = 12345
        func next() -> UInt8 { state = state &* 6364136223846793005 &+ 1442695040888963407; return [0x0A, 0x41, 0x42][Int(state >> 62) % 3] }
        for _ in 0..<300 {
            let haystack = (0..<40).map { _ in next() }
            let needle = (0..<(1 + Int(next()) % 4)).map { _ in next() }
            XCTAssertEqual(RuntimeEnvironment.find(needle, in: haystack, from: 3), naive(needle, haystack, 3))
        }
        XCTAssertNil(RuntimeEnvironment.find([], in: text, from: 0))
        XCTAssertNil(RuntimeEnvironment.find(Array("x".utf8), in: [], from: 0))
    }
}
