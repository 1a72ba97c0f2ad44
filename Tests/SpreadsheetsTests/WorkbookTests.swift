import Foundation
import OutputFiles
import Spreadsheets
import XCTest

/// The workbook's zip structure, sheet names, cell formats and byte-for-byte reproducibility,
/// read without Python: the zip's central directory is parsed here, and each deflated entry is
/// inflated by wrapping it as a gzip member (header, raw deflate data, CRC-32 and size from the
/// zip directory) for `gzip -dc`. Scripts/check-xlsx compares cell values with openpyxl.
final class WorkbookTests: XCTestCase {
    static let tables = [
        SpreadsheetTable(name: "decisions", columns: [
            .init("cohort", .text), .init("treated", .integer), .init("reduction", .percentage(2)),
            .init("due_gbp", .currency(code: "GBP")),
        ], rows: [
            [.text("Cohort 1"), .integer(940), .number(0.11953833470733718), .pence(29_000_000)],
            [.text("total, \"all\""), .integer(1953), .empty, .pence(-1)],
        ]),
        SpreadsheetTable(name: "balance", columns: [.init("covariate", .text), .init("smd_before", .decimal(4))],
                         rows: [[.text("age"), .number(-0.25)]]),
    ]

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("cf-xlsx-\(UUID().uuidString)-\(name)").path
    }

    func testSheetsAndFormats() throws {
        let path = temporary("a.xlsx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Workbook.write(Self.tables, to: path)
        let zip = try ZipArchive(Data(contentsOf: URL(fileURLWithPath: path)))
        for name in ["[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml",
                     "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"] {
            XCTAssertTrue(zip.names.contains(name), "\(name) is missing from the workbook")
        }
        let workbook = try zip.text("xl/workbook.xml")
        XCTAssertTrue(workbook.contains("<sheet name=\"decisions\" sheetId=\"1\""))
        XCTAssertTrue(workbook.contains("<sheet name=\"balance\" sheetId=\"2\""))
        let styles = try zip.text("xl/styles.xml")
        XCTAssertTrue(styles.contains("formatCode=\"&quot;£&quot;#,##0.00\""))
        XCTAssertTrue(styles.contains("formatCode=\"0.00%\""))
        XCTAssertTrue(styles.contains("formatCode=\"#,##0.0000\""))
        XCTAssertTrue(styles.contains("<b/>"))
        let sheet = try zip.text("xl/worksheets/sheet1.xml")
        // Header row frozen; money as pounds from pence (29,000,000 pence = 290000 pounds; -1 = -0.01).
        XCTAssertTrue(sheet.contains("state=\"frozen\""))
        XCTAssertTrue(sheet.contains("<v>290000</v>"))
        XCTAssertTrue(sheet.contains("<v>-0.01</v>"))
        XCTAssertTrue(sheet.contains("<v>940</v>"))
        XCTAssertTrue(try zip.text("docProps/core.xml").contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">1980-01-01T00:00:00Z</dcterms:created>"))
    }

    func testSameTablesSameBytes() throws {
        let a = temporary("a.xlsx"), b = temporary("b.xlsx")
        defer { for p in [a, b] { try? FileManager.default.removeItem(atPath: p) } }
        try Workbook.write(Self.tables, to: a)
        Thread.sleep(forTimeInterval: 1.1)   // a timestamp taken from the clock would now differ
        try Workbook.write(Self.tables, to: b)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
    }

    func testRefusesWhatCannotBeHeldExactly() throws {
        let path = temporary("c.xlsx")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let tooMuch = SpreadsheetTable(name: "ledger", columns: [.init("paid", .currency(code: "GBP"))], rows: [[.pence(1 << 52)]])
        XCTAssertThrowsError(try Workbook.write([tooMuch], to: path)) { XCTAssertTrue($0 is OutputWriteError, "\($0)") }
        let largest = SpreadsheetTable(name: "ledger", columns: [.init("paid", .currency(code: "GBP"))], rows: [[.pence((1 << 52) - 1)]])
        try Workbook.write([largest], to: path)
        let badName = SpreadsheetTable(name: "a/b", columns: [], rows: [])
        XCTAssertThrowsError(try Workbook.write([badName], to: path)) { XCTAssertTrue($0 is OutputWriteError, "\($0)") }
        let ragged = SpreadsheetTable(name: "x", columns: [.init("a", .text)], rows: [[.text("1"), .text("2")]])
        XCTAssertThrowsError(try Workbook.write([ragged], to: path)) { XCTAssertTrue($0 is OutputWriteError, "\($0)") }
        XCTAssertThrowsError(try Workbook.write(Self.tables + [Self.tables[1]], to: path)) { XCTAssertTrue($0 is OutputWriteError, "\($0)") }
    }

    /// Every amount below 2^52 pence survives pence -> double (pence / 100) -> round(x * 100).
    func testPenceRoundTrip() {
        var p = 1
        while p < Workbook.penceLimit {
            for q in [p - 1, p, p + 1, p * 3 / 2, -p] where q.magnitude < UInt(Workbook.penceLimit) {
                let x = Double(q) / 100
                XCTAssertEqual(Int((x * 100).rounded()), q, "\(q) pence")
            }
            p *= 2
        }
    }
}

/// Minimal zip reader (central directory; stored and deflated entries) for the tests above.
struct ZipArchive {
    struct Entry { var name: String; var method: Int; var crc: UInt32; var compressed: Int; var size: Int; var offset: Int }
    let data: [UInt8]
    let entries: [Entry]
    var names: [String] { entries.map(\.name) }

    init(_ bytes: Data) throws {
        let data = Array(bytes)
        self.data = data
        func u16(_ i: Int) -> Int { Int(data[i]) | Int(data[i + 1]) << 8 }
        func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
        guard let end = stride(from: data.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4b50 }) else {
            throw ZipError.notZip
        }
        var entries: [Entry] = []
        var i = u32(end + 16)
        for _ in 0..<u16(end + 10) {
            guard u32(i) == 0x0201_4b50 else { throw ZipError.notZip }
            let nameLength = u16(i + 28), extra = u16(i + 30), comment = u16(i + 32)
            entries.append(Entry(name: String(decoding: data[(i + 46)..<(i + 46 + nameLength)], as: UTF8.self),
                                 method: u16(i + 10), crc: UInt32(u32(i + 16)), compressed: u32(i + 20), size: u32(i + 24),
                                 offset: u32(i + 42)))
            i += 46 + nameLength + extra + comment
        }
        self.entries = entries
    }

    func text(_ name: String) throws -> String {
        guard let e = entries.first(where: { $0.name == name }) else { throw ZipError.missing(name) }
        func u16(_ i: Int) -> Int { Int(data[i]) | Int(data[i + 1]) << 8 }
        let start = e.offset + 30 + u16(e.offset + 26) + u16(e.offset + 28)
        let body = Array(data[start..<(start + e.compressed)])
        if e.method == 0 { return String(decoding: body, as: UTF8.self) }
        func le(_ x: UInt32) -> [UInt8] { [0, 8, 16, 24].map { UInt8((x >> UInt32($0)) & 0xFF) } }
        let gzip: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3] + body + le(e.crc) + le(UInt32(truncatingIfNeeded: e.size))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        try input.fileHandleForWriting.write(contentsOf: gzip)
        try input.fileHandleForWriting.close()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ZipError.inflate(name) }
        return String(decoding: text, as: UTF8.self)
    }

    enum ZipError: Error { case notZip, missing(String), inflate(String) }
}
