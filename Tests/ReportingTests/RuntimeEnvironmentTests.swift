import Foundation
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

    /// The maps parser finds the file of the mapping holding an address, and nil for anonymous
    /// mappings, gaps and malformed lines.
    func testMappedFileParsesProcMaps() {
        let maps = Array("""
        55d0a0000000-55d0a0010000 r--p 00000000 08:01 1234                       /usr/bin/tool
        7f0000000000-7f0000100000 r-xp 00002000 08:01 99                         /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0
        7f0000100000-7f0000200000 rw-p 00000000 00:00 0 
        zz-7f0000300000 r-xp 00000000 08:01 7 /bad
        7f0000400000-7f0000500000 r-xp 00000000 08:01 8   /opt/lib/with space.so

        """.utf8)
        XCTAssertEqual(RuntimeEnvironment.mappedFile(containing: 0x7f0000000000, maps: maps), "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0")
        XCTAssertEqual(RuntimeEnvironment.mappedFile(containing: 0x7f00000fffff, maps: maps), "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0")
        XCTAssertEqual(RuntimeEnvironment.mappedFile(containing: 0x55d0a0000010, maps: maps), "/usr/bin/tool")
        XCTAssertNil(RuntimeEnvironment.mappedFile(containing: 0x7f0000100010, maps: maps))   // anonymous
        XCTAssertNil(RuntimeEnvironment.mappedFile(containing: 0x7f0000300000, maps: maps))   // gap
        XCTAssertEqual(RuntimeEnvironment.mappedFile(containing: 0x7f0000400000, maps: maps), "/opt/lib/with space.so")
    }

    #if os(Linux)
    /// The package record agrees with dpkg's own answer (`dpkg -S`, `dpkg-query`), when dpkg is there.
    func testDebianPackageAgreesWithDpkg() throws {
        let libraries = RuntimeEnvironment.linearAlgebraLibraries()
        var compared = 0
        for library in [libraries.blas, libraries.lapack].compactMap({ $0 }) {
            func run(_ tool: String, _ arguments: [String]) -> String? {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: tool)
                p.arguments = arguments
                let pipe = Pipe()
                p.standardOutput = pipe
                p.standardError = FileHandle.nullDevice
                guard (try? p.run()) != nil else { return nil }
                let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                p.waitUntilExit()
                return p.terminationStatus == 0 ? text : nil
            }
            guard let owner = run("/usr/bin/dpkg", ["-S", library.path]) else { continue }   // not from a package
            // "libblas3:amd64: /usr/lib/..." -> "libblas3:amd64" -> "libblas3".
            let qualified = owner.components(separatedBy: ": ")[0]
            let package = String(qualified.prefix { $0 != ":" })
            let version = run("/usr/bin/dpkg-query", ["-W", "-f", "${Version}", qualified]) ?? "?"
            compared += 1
            XCTAssertEqual(library.debianPackage, "\(package) \(version)", library.path)
        }
        if FileManager.default.fileExists(atPath: "/var/lib/dpkg/status") { XCTAssertEqual(compared, 2) }
    }
    #endif
}
