import CohortData
import Foundation
import MatchedComparison
import TestSupport
import XCTest
@testable import Reporting

/// matches.csv is formatted in chunks, batches of chunks in parallel, the next batch beside the
/// writing of the current one, and flushed to disk in the background while it is written. However
/// the rows are cut, the file holds the same bytes, and the digest returned is the file's.
final class MatchesCSVChunkTests: XCTestCase {
    func report() throws -> MatchReport {
        // lalonde (614 rows), matched 1:1 with a caliper, so matched, unmatched and missing-free rows mix.
        let table = try CSVReader.read(path: Fixtures.dataset("lalonde.csv").path)
        let covariates = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
        let group = try ComparisonGroup.match(table: table, treatment: "treat", covariates: covariates, dropMissing: false,
                                              plan: MatchingPlan(link: .linearLogit, caliper: 0.1))
        return MatchReport(
            programVersion: "test", file: "lalonde.csv", treatment: "treat", covariates: covariates, idColumn: nil,
            exactColumns: [], exclusions: group.exclusions, distanceSource: group.distanceSource, result: group.result,
            balance: group.balance, frameIndexOfRow: group.compactFrameIndexOfRow, ids: nil,
            treatmentColumn: try table.column("treat"))
    }

    func bytes(_ report: MatchReport) -> [UInt8] {
        var out: [UInt8] = []
        report.forEachMatchesChunk { out.append(contentsOf: $0) }
        return out
    }

    func testChunksAndBatchesGiveTheSameFile() throws {
        var whole = try report()
        let reference = bytes(whole)
        XCTAssertEqual(reference.filter { $0 == 0x0A }.count, 615)  // header and 614 rows
        for rows in [1, 2, 7, 64, 613, 614, 615] {
            whole.matchesChunkRows = rows
            XCTAssertEqual(bytes(whole), reference, "chunks of \(rows) rows")
        }
        // Written to disk (background flushes after every batch) with small chunks: the same bytes,
        // and the digest is the SHA-256 of the file.
        whole.matchesChunkRows = 5
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("matches-\(getpid())-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let digest = try whole.writeMatchesCSV(to: path)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(written, reference)
        XCTAssertEqual(digest, written.withUnsafeBytes { sha256(of: $0) })
    }

    func testBackgroundFlushReportsAFailure() {
        // A descriptor that is not open: fdatasync fails (EBADF), and finish() returns the error.
        let flush = BackgroundFlush(descriptor: -1)
        flush.request()
        XCTAssertNotNil(flush.finish())
        // An open file: no error.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("flush-\(getpid()).txt").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let handle = FileHandle(forWritingAtPath: path)!
        defer { try? handle.close() }
        let ok = BackgroundFlush(descriptor: handle.fileDescriptor)
        ok.request(); ok.request()
        XCTAssertNil(ok.finish())
    }
}
