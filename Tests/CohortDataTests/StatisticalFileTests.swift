import CohortData
import Foundation
import TestSupport
import XCTest

/// The fixtures of Scripts/make-format-fixtures.py hold the same cohort and offence records as CSV,
/// gzip-compressed CSV, Stata, SPSS and SAS transport files; every reader must give the same table.
final class StatisticalFileTests: XCTestCase {
    func fixture(_ name: String) -> String { Fixtures.file("formats/" + name).path }

    /// Cells as text, NaN and missing text both "" (Double arrays with NaN never compare equal).
    func cells(_ c: Column) -> [String] {
        switch c.values {
        case .numeric(let v): return v.map { $0.isNaN ? "" : "\($0.bitPattern)" }
        case .text(let codes, let levels): return codes.map { $0 < 0 ? "" : "text:" + levels[Int($0)] }
        }
    }

    func assertSameTable(_ a: CohortTable, _ b: CohortTable, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.header, b.header, file: file, line: line)
        XCTAssertEqual(a.rowCount, b.rowCount, file: file, line: line)
        XCTAssertEqual(a.columns.map(\.name), b.columns.map(\.name), file: file, line: line)
        for (x, y) in zip(a.columns, b.columns) {
            XCTAssertEqual(x.missingCount, y.missingCount, x.name, file: file, line: line)
            XCTAssertEqual(cells(x), cells(y), x.name, file: file, line: line)
            if case .text(_, let lx) = x.values, case .text(_, let ly) = y.values {
                XCTAssertEqual(lx, ly, "levels of \(x.name)", file: file, line: line)
            }
        }
    }

    let cohortOptions = CSVReadOptions(textColumns: [], identifierColumns: ["id"])
    let eventOptions = CSVReadOptions(columns: ["id", "offence_date", "conviction_date", "disposal"], textColumns: ["id", "disposal"])

    func testEveryFormatGivesTheCSVTable() throws {
        let cohort = try TableReader.read(path: fixture("cohort.csv"), options: cohortOptions)
        let events = try TableReader.read(path: fixture("events.csv"), options: eventOptions)
        XCTAssertEqual(cohort.rowCount, 1000)
        XCTAssertEqual(try cohort.column("risk_score").missingCount, 27)
        for ext in ["csv.gz", "dta", "sav", "xpt"] {
            assertSameTable(cohort, try TableReader.read(path: fixture("cohort." + ext), options: cohortOptions))
            assertSameTable(events, try TableReader.read(path: fixture("events." + ext), options: eventOptions))
        }
        // The labelled codes became their labels, and dates the CSV's YYYY-MM-DD text.
        let stata = try TableReader.read(path: fixture("cohort.dta"))
        XCTAssertEqual(try stata.column("gender").text(at: 0), "male")
        XCTAssertEqual(try stata.dates("release_date")[0], CalendarDate.parse("2012-05-06"))
        XCTAssertEqual(stata.line(ofRow: 0), 1)
    }

    func testFormatIsChosenByExtension() {
        XCTAssertEqual(CohortFileFormat(path: "a/b.CSV.GZ"), .gzipCSV)
        XCTAssertEqual(CohortFileFormat(path: "b.dta"), .stata)
        XCTAssertEqual(CohortFileFormat(path: "b.SAV"), .spss)
        XCTAssertEqual(CohortFileFormat(path: "b.sas7bdat"), .sas)
        XCTAssertEqual(CohortFileFormat(path: "b.xpt"), .sasTransport)
        XCTAssertEqual(CohortFileFormat(path: "b.txt"), .csv)
        XCTAssertEqual(CohortFileFormat(path: "b.gz"), .csv)
    }

    func testSASDatesDatetimesAndSpecialMissing() throws {
        let t = try TableReader.read(path: fixture("sas7bdat/datetime.sas7bdat"))
        XCTAssertEqual(t.header, ["VAR1", "VAR2", "VAR3", "VAR4", "VAR5"])
        let days = ["2015-02-02", "2014-01-01", "2015-01-15", "1948-09-09"].map { CalendarDate.parse($0) }
        XCTAssertEqual(try t.dates("VAR1"), days)  // DATETIME18: the day on which each falls
        let dates = ["2015-02-02", "2014-01-01", "2015-06-15", "1948-09-16"].map { CalendarDate.parse($0) }
        for name in ["VAR2", "VAR3", "VAR4"] { XCTAssertEqual(try t.dates(name), dates, name) }
        XCTAssertEqual(try t.numeric("VAR5")[0], 52932)  // TIME8 is not a date: seconds stay numbers
        let tagged = try TableReader.read(path: fixture("sas7bdat/tagged-na.sas7bdat"))
        let x = try tagged.numeric("x")
        XCTAssertEqual(Array(x.prefix(5)), [1, 2, 3, 4, 5])
        XCTAssertEqual(x.count, 8)
        XCTAssertTrue(x.suffix(3).allSatisfy(\.isNaN))
        XCTAssertEqual(try tagged.column("x").missingCount, 3)
    }

    func testErrorsNameTheRowAndTheVariable() throws {
        let stata = try TableReader.read(path: fixture("cohort.dta"))
        XCTAssertThrowsError(try stata.numeric("gender")) { error in
            XCTAssertEqual((error as? CohortDataError).map { "\($0)" }?.hasPrefix(fixture("cohort.dta") + ", row 1, variable 'gender': 'male' is not a number"), true, "\(error)")
        }
        XCTAssertThrowsError(try stata.dates("age")) { error in
            XCTAssertTrue("\(error)".contains(", row 1, variable 'age': '32' is not a date"), "\(error)")
        }
        XCTAssertThrowsError(try TableReader.read(path: fixture("cohort.sav"), options: CSVReadOptions(columns: ["id", "treatment"]))) { error in
            XCTAssertEqual(error as? CohortDataError, .missingColumn(file: fixture("cohort.sav"), column: "treatment", available: stata.header))
        }
        let xpt = fixture("cohort.xpt")
        XCTAssertThrowsError(try ModelFrame(table: TableReader.read(path: xpt), treatment: "treat", covariates: ["age", "risk_score"])) { error in
            XCTAssertEqual(error as? CohortDataError, .missingValues(file: xpt, column: "risk_score", count: 27, firstLine: 6))
            XCTAssertTrue("\(error)".contains("(first at row 6)"), "\(error)")
        }
    }

    func testUnreadableAndDamagedFiles() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cf-formats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let absent = folder.appendingPathComponent("absent.dta").path
        XCTAssertThrowsError(try TableReader.read(path: absent)) { error in
            guard case .unreadable(let file, _)? = error as? CohortDataError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, absent)
        }
        for ext in ["dta", "sav", "xpt"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("cohort." + ext)))
            let truncated = folder.appendingPathComponent("truncated." + ext)
            try bytes.prefix(bytes.count / 2 + 3).write(to: truncated)
            XCTAssertThrowsError(try TableReader.read(path: truncated.path), ext) { error in
                guard case .unreadableStatisticalFile(let file, _)? = error as? CohortDataError else { return XCTFail("\(ext): \(error)") }
                XCTAssertEqual(file, truncated.path)
            }
            let text = folder.appendingPathComponent("text." + ext)
            try Data("id,treat\n1,0\n".utf8).write(to: text)
            XCTAssertThrowsError(try TableReader.read(path: text.path), ext) { error in
                guard case .unreadableStatisticalFile? = error as? CohortDataError else { return XCTFail("\(ext): \(error)") }
            }
        }
    }

    func testGzipErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cf-gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture("cohort.csv.gz")))
        let truncated = folder.appendingPathComponent("truncated.csv.gz")
        try bytes.prefix(bytes.count - 100).write(to: truncated)
        XCTAssertThrowsError(try TableReader.read(path: truncated.path)) { error in
            guard case .corruptCompressedFile(_, let reason)? = error as? CohortDataError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("ends early"), reason)
        }
        var damaged = bytes
        damaged[damaged.count / 2] ^= 0xFF
        damaged[damaged.count / 2 + 1] ^= 0x5A
        let corrupt = folder.appendingPathComponent("corrupt.csv.gz")
        try damaged.write(to: corrupt)
        XCTAssertThrowsError(try TableReader.read(path: corrupt.path)) { error in
            guard case .corruptCompressedFile(let file, _)? = error as? CohortDataError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, corrupt.path)
        }
        let plain = folder.appendingPathComponent("plain.csv.gz")
        try Data("id,treat\n1,0\n".utf8).write(to: plain)
        XCTAssertThrowsError(try TableReader.read(path: plain.path)) { error in
            guard case .corruptCompressedFile? = error as? CohortDataError else { return XCTFail("\(error)") }
        }
        // Errors in the text name the line and column of the decompressed text; two members concatenated read as one.
        let bad = folder.appendingPathComponent("bad.csv.gz")
        try (gzip("id,age\nA,30\n") + gzip("B,x\nC,31\n")).write(to: bad)
        XCTAssertEqual(try TableReader.read(path: bad.path, options: CSVReadOptions(textColumns: ["age"])).rowCount, 3)
        XCTAssertThrowsError(try TableReader.read(path: bad.path)) { error in
            XCTAssertEqual(error as? CohortDataError, .nonNumeric(file: bad.path, line: 3, column: "age", value: "x"))
            XCTAssertTrue("\(error)".hasPrefix(bad.path + ", line 3, column 'age'"), "\(error)")
        }
    }

    /// gzip of `text` by the system's gzip (tests only).
    func gzip(_ text: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/gzip")
        p.arguments = ["-c", "-n"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }
}
