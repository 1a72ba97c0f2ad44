import CXLSXWriter
import Foundation
import OutputFiles

/// A typed table for a spreadsheet: a title for each column, the kind of value it holds, and rows
/// of cells. The column's kind decides the cell format; cells are typed so that money is written
/// from integer pence and counts as integers, never from text.
public struct SpreadsheetTable: Sendable, Equatable {
    /// One column: its header text and how its cells are shown.
    public struct Column: Sendable, Equatable {
        public var title: String
        public var kind: ColumnKind

        public init(_ title: String, _ kind: ColumnKind) {
            self.title = title
            self.kind = kind
        }
    }

    /// The sheet name (at most 31 characters, none of `[ ] : * ? / \`; Excel's rule).
    public var name: String
    public var columns: [Column]
    public var rows: [[Cell]]

    public init(name: String, columns: [Column], rows: [[Cell]]) {
        self.name = name
        self.columns = columns
        self.rows = rows
    }
}

/// How a column's cells are shown (the Excel number format and alignment).
public enum ColumnKind: Sendable, Equatable {
    /// Text, left-aligned.
    case text
    /// Whole numbers with thousands separators (`#,##0`).
    case integer
    /// A fixed number of decimals with thousands separators (`#,##0.0000` for 4).
    case decimal(Int)
    /// Money in the given ISO 4217 currency, two decimals, negative amounts in brackets-free minus
    /// form (`£#,##0.00` for GBP; other currencies carry their code after the amount).
    case currency(code: String)
    /// A fraction shown as a percentage with the given decimals (`0.00%` for 2): 0.1 shows as 10.00%.
    case percentage(Int)

    /// The Excel number format string.
    public var numberFormat: String? {
        func zeros(_ n: Int) -> String { n > 0 ? "." + String(repeating: "0", count: n) : "" }
        switch self {
        case .text: return nil
        case .integer: return "#,##0"
        case .decimal(let n): return "#,##0" + zeros(n)
        case .currency(let code): return code == "GBP" ? "\"£\"#,##0.00" : "#,##0.00 \"\(code)\""
        case .percentage(let n): return "0" + zeros(n) + "%"
        }
    }
}

/// A cell's value.
public enum Cell: Sendable, Equatable {
    case empty
    case text(String)
    case integer(Int)
    /// A number shown by the column's format (decimal or percentage).
    case number(Double)
    /// An amount of money in integer pence (hundredths of the currency unit), written as
    /// `pence / 100`; see `Workbook` for why that is exact to the penny.
    case pence(Int)
}

/// Writes typed tables as an `.xlsx` workbook through libxlsxwriter (Debian libxlsxwriter-dev),
/// one sheet per table: header row bold and frozen, text left-aligned, counts as integers,
/// percentages as percentage cells and money as currency cells.
///
/// Money: an amount of `p` pence is stored as the double nearest to `p / 100` (IEEE 754 division
/// of two exactly represented integers is correctly rounded). For `|p| < 2^52` (about £45 trillion)
/// that double lies within half an ulp ≤ 2^-8 of `p / 100`, well inside half a penny, so rounding
/// the cell's value to two decimals gives back `p` exactly; larger amounts are refused. The sheet's
/// XML holds the double as 16 significant digits (libxlsxwriter's `%.16G`): below 2^52 pence that
/// text is within half a penny too (it is `p / 100` itself once it has only two decimals), so a
/// reader that rounds to the penny gets `p` back. Excel shows 15 significant digits, so the
/// displayed amount is exact below £10^13. Other numbers carry 16 significant digits (relative
/// error at most 5e-16).
///
/// Reproducibility: libxlsxwriter stamps the workbook's creation time into `docProps/core.xml`
/// (the current time unless set). `created` fixes it, so the same tables give the same bytes on
/// every run; the zip entries carry libxlsxwriter's fixed 1980-01-01 date.
public enum Workbook {
    /// The largest magnitude of pence written as a currency cell (exclusive): 2^52.
    public static let penceLimit = 1 << 52

    /// The default creation time: 1980-01-01T00:00:00Z, the zip format's epoch (a creation time of
    /// 0 means "now" to libxlsxwriter, so the Unix epoch cannot be used).
    public static let fixedCreationTime = 315_532_800

    /// Writes `tables` to `path` (replacing it), one sheet per table in order. Throws
    /// `OutputWriteError` when the file cannot be written or a table cannot be held exactly.
    public static func write(_ tables: [SpreadsheetTable], to path: String, created: Int = fixedCreationTime) throws {
        try check(tables, path: path)
        guard let workbook = workbook_new(path) else {
            throw OutputWriteError(path: path, reason: "libxlsxwriter cannot create the workbook")
        }
        var closed = false
        defer { if !closed { _ = workbook_close(workbook) } }

        var properties = lxw_doc_properties()
        properties.created = time_t(created)
        let status = workbook_set_properties(workbook, &properties)
        guard status == LXW_NO_ERROR else { throw failure(path, status) }

        let header = workbook_add_format(workbook)
        format_set_bold(header)
        let text = workbook_add_format(workbook)
        format_set_align(text, UInt8(LXW_ALIGN_LEFT.rawValue))
        var formats: [String: UnsafeMutablePointer<lxw_format>] = [:]
        func format(_ kind: ColumnKind) -> UnsafeMutablePointer<lxw_format>? {
            guard let code = kind.numberFormat else { return text }
            if let f = formats[code] { return f }
            let f = workbook_add_format(workbook)
            format_set_num_format(f, code)
            formats[code] = f
            return f
        }

        for table in tables {
            guard let sheet = workbook_add_worksheet(workbook, table.name) else {
                throw OutputWriteError(path: path, reason: "libxlsxwriter cannot add the sheet '\(table.name)'")
            }
            let columnFormats = table.columns.map { format($0.kind) }
            for (c, column) in table.columns.enumerated() {
                let width = max(column.title.count, table.rows.lazy.prefix(1000).map { Self.width($0[c]) }.max() ?? 0) + 2
                try check(worksheet_set_column(sheet, lxw_col_t(c), lxw_col_t(c), Double(min(width, 60)), nil), path)
                try check(worksheet_write_string(sheet, 0, lxw_col_t(c), column.title, header), path)
            }
            worksheet_freeze_panes(sheet, 1, 0)
            for (r, row) in table.rows.enumerated() {
                let rowIndex = lxw_row_t(r + 1)
                for (c, cell) in row.enumerated() {
                    let col = lxw_col_t(c), f = columnFormats[c]
                    switch cell {
                    case .empty: continue
                    case .text(let s): try check(worksheet_write_string(sheet, rowIndex, col, s, text), path)
                    case .integer(let n): try check(worksheet_write_number(sheet, rowIndex, col, Double(n), f), path)
                    case .number(let x): try check(worksheet_write_number(sheet, rowIndex, col, x, f), path)
                    case .pence(let p): try check(worksheet_write_number(sheet, rowIndex, col, Double(p) / 100, f), path)
                    }
                }
            }
        }
        closed = true
        let result = workbook_close(workbook)
        guard result == LXW_NO_ERROR else { throw failure(path, result) }
    }

    /// Refuses what a workbook cannot hold exactly, before anything is written.
    static func check(_ tables: [SpreadsheetTable], path: String) throws {
        var names: Set<String> = []
        for table in tables {
            let forbidden = Set("[]:*?/\\")
            guard !table.name.isEmpty, table.name.count <= 31, !table.name.contains(where: forbidden.contains) else {
                throw OutputWriteError(path: path, reason: "'\(table.name)' is not a valid sheet name (1 to 31 characters, none of [ ] : * ? / \\)")
            }
            guard names.insert(table.name.lowercased()).inserted else {
                throw OutputWriteError(path: path, reason: "two sheets are named '\(table.name)'")
            }
            guard table.rows.count < 1_048_576 else {
                throw OutputWriteError(path: path, reason: "the sheet '\(table.name)' has \(table.rows.count) rows; a sheet holds at most 1,048,575 below its header")
            }
            for (r, row) in table.rows.enumerated() {
                guard row.count == table.columns.count else {
                    throw OutputWriteError(path: path, reason: "row \(r + 1) of the sheet '\(table.name)' has \(row.count) cells for \(table.columns.count) columns")
                }
                for cell in row {
                    switch cell {
                    case .pence(let p) where p.magnitude >= UInt(penceLimit):
                        throw OutputWriteError(path: path, reason: "the amount of \(p) pence in the sheet '\(table.name)' is too large to be written exactly to the penny (limit 2^52 pence)")
                    case .integer(let n) where n.magnitude > UInt(1 << 53):
                        throw OutputWriteError(path: path, reason: "the count \(n) in the sheet '\(table.name)' is too large for a spreadsheet number (limit 2^53)")
                    case .text(let s) where s.utf8.count > 32_767:
                        throw OutputWriteError(path: path, reason: "a text cell in the sheet '\(table.name)' is longer than Excel's 32,767 characters")
                    default: continue
                    }
                }
            }
        }
    }

    /// A column width (in characters) fitting the cell as shown.
    static func width(_ cell: Cell) -> Int {
        switch cell {
        case .empty: return 0
        case .text(let s): return s.count
        case .integer(let n): return String(n).count * 4 / 3 + 1
        case .number: return 12
        case .pence(let p): return String(p).count * 4 / 3 + 3
        }
    }

    private static func check(_ status: lxw_error, _ path: String) throws {
        guard status == LXW_NO_ERROR else { throw failure(path, status) }
    }

    private static func failure(_ path: String, _ status: lxw_error) -> OutputWriteError {
        OutputWriteError(path: path, reason: "libxlsxwriter: " + String(cString: lxw_strerror(status)))
    }
}
