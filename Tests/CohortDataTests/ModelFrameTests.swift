import XCTest
@testable import CohortData

final class ModelFrameTests: XCTestCase {
    let text = """
    id,treat,age,race,score
    a,1,30,white,1.5
    b,0,40,black,2.5
    c,1,35,hispan,
    d,0,50,white,0.5
    e,0,45,black,3
    f,1,20,hispan,1

    """

    func testTreatmentContrastsFollowR() throws {
        let table = try CSVReader.parse(text: text, file: "c.csv")
        let frame = try ModelFrame(table: table, treatment: "treat", covariates: ["age", "race"])
        // Levels sorted: black < hispan < white; black is the reference.
        XCTAssertEqual(frame.terms[1], CovariateTerm(name: "race", kind: .categorical(levels: ["black", "hispan", "white"])))
        XCTAssertEqual(frame.modelColumns.map(\.name), ["age", "racehispan", "racewhite"])
        XCTAssertEqual(frame.balanceColumns.map(\.name), ["age", "raceblack", "racehispan", "racewhite"])
        XCTAssertEqual(frame.modelColumns[1].values, [0, 0, 1, 0, 0, 1])
        XCTAssertEqual(frame.treatment, [1, 0, 1, 0, 0, 1])
    }

    func testMissingValuesAreRejectedWithCountOrDroppedAndReported() throws {
        let table = try CSVReader.parse(text: text, file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: table, treatment: "treat", covariates: ["age", "score"])) { e in
            XCTAssertEqual(e as? CohortDataError, .missingValues(file: "c.csv", column: "score", count: 1, firstLine: 4))
        }
        let frame = try ModelFrame(table: table, treatment: "treat", covariates: ["age", "score"], dropMissing: true)
        XCTAssertEqual(frame.rows, [0, 1, 3, 4, 5])
        XCTAssertEqual(frame.exclusions, ExclusionReport(rowsRead: 6, rowsUsed: 5, rowsDroppedForMissing: 1,
                                                         missingByColumn: ["score": 1]))
    }

    func testTreatmentMustBeZeroOrOne() throws {
        let table = try CSVReader.parse(text: "t,x\n0,1\n2,2\n1,3\n", file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: table, treatment: "t", covariates: ["x"])) { e in
            XCTAssertEqual(e as? CohortDataError, .treatmentNotBinary(file: "c.csv", line: 3, column: "t", value: "2"))
        }
        let text = try CSVReader.parse(text: "t,x\nyes,1\nno,2\n", file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: text, treatment: "t", covariates: ["x"])) { e in
            XCTAssertEqual(e as? CohortDataError, .treatmentNotBinary(file: "c.csv", line: 2, column: "t", value: "yes"))
        }
    }

    func testConstantCovariateAndSmallGroupsAreRejected() throws {
        let table = try CSVReader.parse(text: "t,x,k\n0,1,5\n1,2,5\n0,3,5\n1,4,5\n", file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: table, treatment: "t", covariates: ["x", "k"])) { e in
            XCTAssertEqual(e as? CohortDataError, .constantCovariate(file: "c.csv", column: "k"))
        }
        let small = try CSVReader.parse(text: "t,x\n0,1\n1,2\n0,3\n", file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: small, treatment: "t", covariates: ["x"])) { e in
            XCTAssertEqual(e as? CohortDataError, .tooFewUnits(file: "c.csv", group: "treated", count: 1))
        }
        let header = try CSVReader.parse(text: "t,x\n", file: "c.csv")
        XCTAssertThrowsError(try ModelFrame(table: header, treatment: "t", covariates: ["x"])) { e in
            XCTAssertEqual(e as? CohortDataError, .noRows(file: "c.csv"))
        }
    }

    func testErrorMessagesNameFileLineAndColumn() {
        let e = CohortDataError.nonNumeric(file: "c.csv", line: 7, column: "age", value: "forty")
        XCTAssertEqual(e.description, "c.csv, line 7, column 'age': 'forty' is not a number; fix the value, mark it missing (empty or NA), or declare the column categorical if it is.")
    }
}
