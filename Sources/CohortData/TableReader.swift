/// The formats a cohort, events or pilot file may be in, told apart by the file's extension
/// (case-insensitive). Any other extension is read as CSV, as before formats were added.
public enum CohortFileFormat: String, Sendable, Equatable, CaseIterable {
    /// RFC 4180 CSV text (`.csv`, or any unlisted extension).
    case csv
    /// CSV text compressed with gzip (`.csv.gz`).
    case gzipCSV
    /// Stata `.dta` (versions 104-119).
    case stata
    /// SPSS `.sav` (and compressed `.zsav`).
    case spss
    /// SAS data set `.sas7bdat`.
    case sas
    /// SAS transport file `.xpt` (XPORT versions 5 and 8).
    case sasTransport

    /// The format of the file at `path`, by its extension.
    public init(path: String) {
        let name = path.lowercased()
        if name.hasSuffix(".csv.gz") { self = .gzipCSV }
        else if name.hasSuffix(".dta") { self = .stata }
        else if name.hasSuffix(".sav") || name.hasSuffix(".zsav") { self = .spss }
        else if name.hasSuffix(".sas7bdat") { self = .sas }
        else if name.hasSuffix(".xpt") { self = .sasTransport }
        else { self = .csv }
    }

    /// Whether the format stores typed variables by observation (no lines of text): errors then
    /// name the row (1-based observation number) and the variable instead of a line and a column.
    public var isStatistical: Bool {
        switch self {
        case .csv, .gzipCSV: return false
        case .stata, .spss, .sas, .sasTransport: return true
        }
    }
}

/// Reads a cohort, events or pilot file in any supported format into the same `CohortTable`, the
/// format chosen by extension (`CohortFileFormat`): CSV by `CSVReader`, `.csv.gz` inflated by
/// `GzipInflater` then read by `CSVReader` (lines and columns of the decompressed text), Stata,
/// SPSS and SAS files by `StatisticalFileReader`. Everything downstream sees one kind of table.
public enum TableReader {
    public static func read(path: String, options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        switch CohortFileFormat(path: path) {
        case .csv:
            return try CSVReader.read(path: path, options: options)
        case .gzipCSV:
            let text = try GzipInflater.inflate(path: path)
            return try text.withUnsafeBufferPointer { try CSVReader.parse($0, file: path, options: options) }
        case .stata, .spss, .sas, .sasTransport:
            return try StatisticalFileReader.read(path: path, options: options)
        }
    }
}

/// How a message points at a cell: CSV text by line (header = line 1) and column; statistical
/// files, which have no lines, by row (1-based observation number) and variable.
public enum CellLocation {
    /// "FILE, line L, column 'C'" or "FILE, row R, variable 'C'" (without the column part when
    /// `column` is nil).
    public static func describe(file: String, line: Int, column: String? = nil) -> String {
        let statistical = CohortFileFormat(path: file).isStatistical
        var text = "\(file), \(statistical ? "row" : "line") \(line)"
        if let column { text += ", \(statistical ? "variable" : "column") '\(column)'" }
        return text
    }

    /// "line L" or "row R".
    public static func position(file: String, line: Int) -> String {
        "\(CohortFileFormat(path: file).isStatistical ? "row" : "line") \(line)"
    }
}

extension CohortFileFormat {
    /// The format's name in messages.
    public var displayName: String {
        switch self {
        case .csv: return "CSV"
        case .gzipCSV: return "gzip-compressed CSV"
        case .stata: return "a Stata data file"
        case .spss: return "an SPSS data file"
        case .sas: return "a SAS data set"
        case .sasTransport: return "a SAS transport file"
        }
    }
}
