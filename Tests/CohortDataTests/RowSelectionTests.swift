import Columns
@testable import CohortData
import Foundation
import XCTest

/// The rows a frame uses: nothing stored when every row is used, a list otherwise; read, compared
/// and encoded as the array of indices either way.
final class RowSelectionTests: XCTestCase {
    func testEveryRowIsReadAsTheIndices() {
        let every = RowSelection(everyRowOf: 4)
        XCTAssertTrue(every.isEveryRow)
        XCTAssertEqual(every.count, 4)
        XCTAssertEqual(Array(every), [0, 1, 2, 3])
        XCTAssertEqual(every.array, [0, 1, 2, 3])
        XCTAssertEqual(every.map { $0 * 10 }, [0, 10, 20, 30])
        XCTAssertEqual(every[2], 2)
        XCTAssertEqual(every, [0, 1, 2, 3])
        XCTAssertEqual(every, RowSelection([0, 1, 2, 3]))
        XCTAssertNotEqual(every, RowSelection(everyRowOf: 3))
        XCTAssertNotEqual(every, [0, 1, 3, 2])
        XCTAssertTrue(RowSelection(everyRowOf: 0).isEmpty)
        let listed: RowSelection = [0, 2, 5]
        XCTAssertFalse(listed.isEveryRow)
        XCTAssertEqual(Array(listed), [0, 2, 5])
        XCTAssertEqual(listed[1], 2)
        XCTAssertEqual(listed.description, "[0, 2, 5]")
    }

    /// Encoded exactly as the array of indices (a stage folder's matching.json written before the
    /// compact form reads back the same); an array that is every row in order decodes without a list.
    func testEncodedAsTheArray() throws {
        let encoder = JSONEncoder()
        XCTAssertEqual(try encoder.encode(RowSelection(everyRowOf: 3)), try encoder.encode([0, 1, 2]))
        XCTAssertEqual(try encoder.encode(RowSelection([4, 1])), try encoder.encode([4, 1]))
        let every = try JSONDecoder().decode(RowSelection.self, from: Data("[0,1,2]".utf8))
        XCTAssertTrue(every.isEveryRow)
        XCTAssertEqual(every.count, 3)
        let listed = try JSONDecoder().decode(RowSelection.self, from: Data("[0,2]".utf8))
        XCTAssertFalse(listed.isEveryRow)
        XCTAssertEqual(listed, [0, 2])
        XCTAssertTrue(try JSONDecoder().decode(RowSelection.self, from: Data("[]".utf8)).isEmpty)
    }

    /// Each table row's position in the selection (-1 when not selected): the identity, with nothing
    /// stored, only when the selection is every row of that table.
    func testPositionsOfTheTableRows() {
        let every = RowSelection(everyRowOf: 4).positions(inTableOf: 4)
        XCTAssertEqual((0..<4).map { every[$0] }, [0, 1, 2, 3])
        every.withUnsafePositions { XCTAssertNil($0) }
        let listed = RowSelection([1, 3]).positions(inTableOf: 5)
        XCTAssertEqual(listed.count, 5)
        XCTAssertEqual((0..<5).map { listed[$0] }, [-1, 0, -1, 1, -1])
        listed.withUnsafePositions { XCTAssertEqual($0.map(Array.init), [-1, 0, -1, 1, -1]) }
        // Every row of a shorter table is not every row of this one.
        let prefix = RowSelection(everyRowOf: 2).positions(inTableOf: 3)
        XCTAssertEqual((0..<3).map { prefix[$0] }, [0, 1, -1])
        prefix.withUnsafePositions { XCTAssertNotNil($0) }
    }

    /// A model frame stores no row list when it uses every row, and lists the rows it keeps when some
    /// are dropped for missing values.
    func testModelFrameListsRowsOnlyWhenSomeAreDropped() throws {
        let table = try CSVReader.parse(text: "t,x,y\n0,1,2\n1,2,\n0,3,1\n1,4,5\n0,5,3\n1,6,4\n", file: "c.csv")
        let every = try ModelFrame(table: table, treatment: "t", covariates: ["x"])
        XCTAssertTrue(every.rows.isEveryRow)
        XCTAssertEqual(every.rows, [0, 1, 2, 3, 4, 5])
        let dropped = try ModelFrame(table: table, treatment: "t", covariates: ["x", "y"], dropMissing: true)
        XCTAssertFalse(dropped.rows.isEveryRow)
        XCTAssertEqual(dropped.rows, [0, 2, 3, 4, 5])
    }
}
