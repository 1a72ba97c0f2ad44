import XCTest
import CohortData
@testable import PlanFiles

final class PlanTableTests: XCTestCase {
    let text = """
    name = "x"
    [section]
    n = 3
    f = 3.0
    when = 2019-02-01
    [[item]]
    label = "a"
    """

    func testTypedReadsAndContexts() throws {
        let top = try PlanTable.parse(text, file: "p.toml")
        let section = try top.table("section")
        XCTAssertEqual(try section.int("n", default: 0), 3)
        XCTAssertEqual(try section.optionalWholeNumber("f"), 3)
        XCTAssertEqual(try section.date("when"), CalendarDate.parse("2019-02-01"))
        XCTAssertEqual(try top.table("absent").string("k", default: "d"), "d")
        let items = try top.tables("item")
        XCTAssertEqual(items.map(\.context), ["[[item]] 1"])
        // A float is not a TOML integer for int(), but is a whole number for optionalWholeNumber().
        XCTAssertThrowsError(try section.int("f", default: 0)) { error in
            XCTAssertEqual(error as? PlanFileError, PlanFileError(file: "p.toml", message: "[section] f must be a whole number."))
        }
        XCTAssertThrowsError(try items[0].requiredString("id", missing: "give an id")) { error in
            XCTAssertEqual((error as? PlanFileError)?.message, "[[item]] 1 id is missing; give an id.")
        }
        XCTAssertThrowsError(try section.allow(["n", "f"])) { error in
            XCTAssertEqual((error as? PlanFileError)?.message, "[section] unknown key 'when'; the keys here are n, f.")
        }
        XCTAssertThrowsError(try top.requiredTable("missing")) { error in
            XCTAssertEqual((error as? PlanFileError)?.message, "missing is missing; add the table.")
        }
        XCTAssertThrowsError(try PlanTable.parse("[a\n", file: "p.toml")) { error in
            XCTAssertTrue((error as? PlanFileError)?.message.hasPrefix("line 1, column") ?? false, "\(error)")
        }
    }
}
