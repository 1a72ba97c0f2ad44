import CReadStat
import Foundation

/// Reads Stata `.dta`, SPSS `.sav`/`.zsav`, SAS `.sas7bdat` and SAS transport `.xpt` files with
/// ReadStat (Debian libreadstat-dev) into the same `CohortTable` that `CSVReader` produces, so
/// nothing downstream depends on the format:
///
/// - Each variable is a column; row `r` (0-based) is observation `r + 1`, and errors name the row
///   and the variable (`CellLocation`), since such files have no lines.
/// - Numeric variables are numbers; every numeric missing value (system missing `.`, Stata and SAS
///   extended missing `.a`-`.z`, SPSS user-defined missing values and ranges) is missing, stored as
///   NaN exactly as an empty CSV cell.
/// - A numeric variable with value labels is categorical text: each cell is its label, or the
///   number (as `formatShortest` writes it) when the value has no label.
/// - A numeric variable with a date display format becomes `YYYY-MM-DD` text, the representation
///   the CSV reader gives a date column, read by `CohortTable.dates`: Stata `%td` (days since
///   1960-01-01) and `%tc`/`%tC` (milliseconds since 1960-01-01), SAS date formats (days since
///   1960-01-01) and datetime formats (seconds since 1960-01-01), SPSS date and datetime formats
///   (seconds since 1582-10-14). A datetime becomes the date on which it falls. A value outside
///   the years 1-9999 is left as its number, so `dates` reports it as not a date.
/// - String variables are text; an empty (or blank) string and `NA` are missing, as in CSV.
/// - Declared text and identifier columns (`CSVReadOptions`) that are stored as numbers become
///   their numbers' text (`formatShortest`), as the CSV reader keeps the digits of such a column.
/// - Text levels are in order of first appearance, and identifier columns get one level per
///   non-missing cell, exactly as `CSVReader` builds them.
public enum StatisticalFileReader {
    /// Reads a file; the format is chosen by extension (`CohortFileFormat`).
    ///
    /// - Throws: `CohortDataError.unreadable` when the file cannot be opened;
    ///   `.unreadableStatisticalFile` when ReadStat rejects its content; `.missingColumn`.
    public static func read(path: String, options: CSVReadOptions = CSVReadOptions()) throws -> CohortTable {
        // Open it once ourselves, so a missing or unreadable file gets the same message as a CSV file.
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            try handle.close()
        } catch {
            throw CohortDataError.unreadable(file: path, reason: (error as NSError).localizedDescription)
        }
        guard let parser = readstat_parser_init() else {
            throw CohortDataError.unreadableStatisticalFile(file: path, reason: "ReadStat could not start")
        }
        defer { readstat_parser_free(parser) }
        let state = ReadState(wanted: options.columns)
        readstat_set_handler_character_encoding(parser, "UTF-8")
        readstat_set_metadata_handler(parser) { metadata, context in
            let state = Unmanaged<ReadState>.fromOpaque(context!).takeUnretainedValue()
            state.declaredRows = Int(readstat_get_row_count(metadata))
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_variable_handler(parser) { index, variable, labelSet, context in
            let state = Unmanaged<ReadState>.fromOpaque(context!).takeUnretainedValue()
            let name = String(cString: readstat_variable_get_name(variable))
            let format = readstat_variable_get_format(variable).map { String(cString: $0) } ?? ""
            let isString = readstat_variable_get_type_class(variable) == READSTAT_TYPE_CLASS_STRING
            let labels = labelSet.map { String(cString: $0) }
            return state.addVariable(index: Int(index), name: name, format: format, isString: isString, labelSet: labels)
        }
        readstat_set_value_handler(parser) { observation, variable, value, context in
            let state = Unmanaged<ReadState>.fromOpaque(context!).takeUnretainedValue()
            let slot = state.slotOfVariable[Int(readstat_variable_get_index(variable))]
            let row = Int(observation)
            if state.variables[slot].isString {
                let text = readstat_string_value(value).map { String(cString: $0) }
                state.setText(text, slot: slot, row: row)
            } else if readstat_value_is_missing(value, variable) != 0 {
                state.setNumber(.nan, slot: slot, row: row)
            } else {
                let x = readstat_double_value(value)
                state.setNumber(x.isFinite ? x : .nan, slot: slot, row: row)
                if !x.isFinite, state.variables[slot].firstNonFinite == nil {
                    state.variables[slot].firstNonFinite = (row, formatShortest(x))
                }
            }
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_value_label_handler(parser) { labelSet, value, label, context in
            let state = Unmanaged<ReadState>.fromOpaque(context!).takeUnretainedValue()
            guard let labelSet, let label else { return Int32(READSTAT_HANDLER_OK) }
            let set = String(cString: labelSet), text = String(cString: label)
            if readstat_value_type_class(value) == READSTAT_TYPE_CLASS_STRING {
                if let key = readstat_string_value(value) { state.stringLabels[set, default: [:]][String(cString: key)] = text }
            } else if readstat_value_is_tagged_missing(value) == 0, readstat_value_is_system_missing(value) == 0 {
                state.numberLabels[set, default: [:]][readstat_double_value(value)] = text
            }
            return Int32(READSTAT_HANDLER_OK)
        }
        readstat_set_error_handler(parser) { message, context in
            let state = Unmanaged<ReadState>.fromOpaque(context!).takeUnretainedValue()
            if let message, state.message == nil {
                state.message = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        let context = Unmanaged.passUnretained(state).toOpaque()
        let status: readstat_error_t
        switch CohortFileFormat(path: path) {
        case .stata: status = readstat_parse_dta(parser, path, context)
        case .spss: status = readstat_parse_sav(parser, path, context)
        case .sas: status = readstat_parse_sas7bdat(parser, path, context)
        case .sasTransport: status = readstat_parse_xport(parser, path, context)
        case .csv, .gzipCSV: preconditionFailure("not a statistical file: \(path)")
        }
        withExtendedLifetime(state) {}
        guard status == READSTAT_OK else {
            if status == READSTAT_ERROR_OPEN {
                throw CohortDataError.unreadable(file: path, reason: String(cString: readstat_error_message(status)))
            }
            var reason = String(cString: readstat_error_message(status))
            if let message = state.message, !message.isEmpty { reason += ": " + message }
            throw CohortDataError.unreadableStatisticalFile(file: path, reason: reason)
        }
        // A file cut short may still parse (ReadStat stops at the end of the data it finds): the
        // rows must be as many as the header says, and a transport file is whole 80-byte records.
        if state.declaredRows >= 0, state.rowsSeen > 0, state.rowsSeen < state.declaredRows {
            throw CohortDataError.unreadableStatisticalFile(
                file: path, reason: "the file declares \(state.declaredRows) rows but holds \(state.rowsSeen); it is truncated")
        }
        if CohortFileFormat(path: path) == .sasTransport,
           let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size % 80 != 0 {
            throw CohortDataError.unreadableStatisticalFile(
                file: path, reason: "a transport file is made of 80-byte records but this one has \(size) bytes; it is truncated")
        }
        return try state.table(file: path, options: options)
    }
}

/// What ReadStat's callbacks collect: the selected variables' raw values, and the value labels
/// (which a Stata file stores after the data, so labels are applied once everything is read).
final class ReadState {
    struct Variable {
        var name: String
        var format: String
        var isString: Bool
        var labelSet: String?
        var numbers: [Double] = []
        var texts: [String?] = []
        var firstNonFinite: (row: Int, text: String)?
    }
    let wanted: Set<String>?
    var header: [String] = []
    var declaredRows = -1
    /// For each variable of the file (by ReadStat index), its slot in `variables`, or -1 when skipped.
    var slotOfVariable: [Int] = []
    var variables: [Variable] = []
    var numberLabels: [String: [Double: String]] = [:]
    var stringLabels: [String: [String: String]] = [:]
    var rowsSeen = 0
    var message: String?

    init(wanted: [String]?) { self.wanted = wanted.map(Set.init) }

    func addVariable(index: Int, name: String, format: String, isString: Bool, labelSet: String?) -> Int32 {
        header.append(name)
        while slotOfVariable.count <= index { slotOfVariable.append(-1) }
        guard wanted?.contains(name) ?? true else { return Int32(READSTAT_HANDLER_SKIP_VARIABLE) }
        slotOfVariable[index] = variables.count
        var v = Variable(name: name, format: format, isString: isString, labelSet: labelSet)
        if declaredRows > 0 {
            if isString { v.texts.reserveCapacity(declaredRows) } else { v.numbers.reserveCapacity(declaredRows) }
        }
        variables.append(v)
        return Int32(READSTAT_HANDLER_OK)
    }

    func setNumber(_ x: Double, slot: Int, row: Int) {
        rowsSeen = max(rowsSeen, row + 1)
        if row == variables[slot].numbers.count { variables[slot].numbers.append(x); return }
        while variables[slot].numbers.count <= row { variables[slot].numbers.append(.nan) }
        variables[slot].numbers[row] = x
    }

    func setText(_ text: String?, slot: Int, row: Int) {
        rowsSeen = max(rowsSeen, row + 1)
        if row == variables[slot].texts.count { variables[slot].texts.append(text); return }
        while variables[slot].texts.count <= row { variables[slot].texts.append(nil) }
        variables[slot].texts[row] = text
    }

    /// The table, columns in the file's order, as `CSVReader` would build it.
    func table(file: String, options: CSVReadOptions) throws -> CohortTable {
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            throw CohortDataError.duplicateColumn(file: file, column: name)
        }
        for name in options.columns ?? [] where !seen.contains(name) {
            throw CohortDataError.missingColumn(file: file, column: name, available: header)
        }
        let rows = max(rowsSeen, declaredRows)
        let format = CohortFileFormat(path: file)
        var columns: [Column] = []
        columns.reserveCapacity(variables.count)
        for v in variables {
            let identifier = options.identifierColumns.contains(v.name)
            let declaredText = identifier || options.textColumns.contains(v.name)
            if v.isString {
                var cells = v.texts
                while cells.count < rows { cells.append(nil) }
                columns.append(Self.textColumn(v.name, cells: cells, identifier: identifier))
                continue
            }
            var numbers = v.numbers
            while numbers.count < rows { numbers.append(.nan) }
            let dates = DateEncoding(format: v.format, file: format)
            let labels = v.labelSet.flatMap { numberLabels[$0] }
            if dates == nil && labels == nil && !declaredText {
                columns.append(Column(name: v.name, values: .numeric(numbers), missingCount: numbers.reduce(0) { $0 + ($1.isNaN ? 1 : 0) },
                                      firstNonFinite: v.firstNonFinite))
                continue
            }
            let cells: [String?] = numbers.map { x in
                if x.isNaN { return nil }
                if let dates { return dates.text(x) }
                if let label = labels?[x] { return label }
                return formatShortest(x)
            }
            columns.append(Self.textColumn(v.name, cells: cells, identifier: identifier))
        }
        // A string variable with value labels (SPSS) is its labels too.
        for (k, v) in variables.enumerated() where v.isString {
            guard let set = v.labelSet, let labels = stringLabels[set], case .text(let codes, let levels) = columns[k].values else { continue }
            let cells: [String?] = codes.map { $0 < 0 ? nil : (labels[levels[Int($0)]] ?? levels[Int($0)]) }
            columns[k] = Self.textColumn(v.name, cells: cells, identifier: options.identifierColumns.contains(v.name))
        }
        // Columns in header order (the selection is already in file order: variables come in order).
        return CohortTable(file: file, header: header, columns: columns, rowCount: rows,
                           rowLines: .consecutive(first: 1, count: rows))
    }

    /// A dictionary-encoded text column; blank cells and `NA` are missing, as in CSV.
    static func textColumn(_ name: String, cells: [String?], identifier: Bool) -> Column {
        var codes = [Int32](repeating: -1, count: cells.count)
        var levels: [String] = []
        var index: [String: Int32] = [:]
        var missing = 0
        var firstNonNumeric: (row: Int, text: String)?
        for (r, cell) in cells.enumerated() {
            guard var text = cell else { missing += 1; continue }
            let isMissing = text.utf8.withContiguousStorageIfAvailable { isMissingText($0) }
                ?? Array(text.utf8).withUnsafeBufferPointer { isMissingText($0) }
            if isMissing { missing += 1; continue }
            if firstNonNumeric == nil {
                let parsed = text.withUTF8 { parseNumber($0) }
                if case .notANumber = parsed { firstNonNumeric = (r, text) }
            }
            if identifier {
                codes[r] = Int32(levels.count)
                levels.append(text)
            } else if let code = index[text] {
                codes[r] = code
            } else {
                let code = Int32(levels.count)
                index[text] = code
                levels.append(text)
                codes[r] = code
            }
        }
        return Column(name: name, values: .text(codes: codes, levels: levels), missingCount: missing,
                      firstNonNumeric: firstNonNumeric)
    }
}

/// How a numeric variable's display format says it holds dates: the epoch and the unit.
struct DateEncoding {
    /// Day number (days since 1970-01-01) of the format's day zero.
    var epoch: Int
    /// Units per day: 1 for dates, 86,400 for seconds, 86,400,000 for milliseconds.
    var unitsPerDay: Double

    /// 1960-01-01, day zero of Stata and SAS dates.
    static let stataAndSASEpoch = CalendarDate.days(year: 1960, month: 1, day: 1)
    /// 1582-10-14, day zero of SPSS dates (seconds since then).
    static let spssEpoch = CalendarDate.days(year: 1582, month: 10, day: 14)

    static let sasDateFormats: Set<String> = [
        "DATE", "DDMMYY", "DDMMYYB", "DDMMYYC", "DDMMYYD", "DDMMYYN", "DDMMYYP", "DDMMYYS", "MMDDYY", "MMDDYYB",
        "MMDDYYC", "MMDDYYD", "MMDDYYN", "MMDDYYP", "MMDDYYS", "YYMMDD", "YYMMDDB", "YYMMDDC", "YYMMDDD", "YYMMDDN",
        "YYMMDDP", "YYMMDDS", "E8601DA", "B8601DA", "IS8601DA", "WEEKDATE", "WEEKDATX", "WORDDATE", "WORDDATX",
        "EURDFDE", "NLDATE", "JULIAN",
    ]
    static let sasDatetimeFormats: Set<String> = ["DATETIME", "E8601DT", "B8601DT", "IS8601DT", "DATEAMPM", "NLDATM"]
    static let spssDateFormats: Set<String> = [
        "DATE", "ADATE", "EDATE", "SDATE", "JDATE", "DATETIME", "YMDHMS", "DTIME",
    ]

    /// The encoding of `format` in a file of format `file`, or nil when it is not a date format.
    init?(format: String, file: CohortFileFormat) {
        switch file {
        case .stata:
            let f = format.lowercased()
            if f.hasPrefix("%td") || f.hasPrefix("%d") { self.init(epoch: Self.stataAndSASEpoch, unitsPerDay: 1) }
            else if f.hasPrefix("%tc") { self.init(epoch: Self.stataAndSASEpoch, unitsPerDay: 86_400_000) }
            else { return nil }
        case .sas, .sasTransport:
            let name = Self.formatName(format)
            if Self.sasDateFormats.contains(name) { self.init(epoch: Self.stataAndSASEpoch, unitsPerDay: 1) }
            else if Self.sasDatetimeFormats.contains(name) { self.init(epoch: Self.stataAndSASEpoch, unitsPerDay: 86_400) }
            else { return nil }
        case .spss:
            guard Self.spssDateFormats.contains(Self.formatName(format)) else { return nil }
            self.init(epoch: Self.spssEpoch, unitsPerDay: 86_400)
        case .csv, .gzipCSV:
            return nil
        }
    }

    init(epoch: Int, unitsPerDay: Double) {
        self.epoch = epoch
        self.unitsPerDay = unitsPerDay
    }

    /// The format's name without width and decimals ("DATE9." -> "DATE", "E8601DA10." -> "E8601DA").
    static func formatName(_ format: String) -> String {
        var name = format.uppercased()
        while let last = name.last, last.isNumber || last == "." { name.removeLast() }
        return name
    }

    /// `YYYY-MM-DD` of the day on which value `x` falls, or the number itself when that day is
    /// outside the years 1-9999 (then `CohortTable.dates` reports it as not a date).
    func text(_ x: Double) -> String {
        let days = (x / unitsPerDay).rounded(.down)
        // Day numbers of 0001-01-01 and 9999-12-31 relative to 1970-01-01.
        let lowest = Double(CalendarDate.days(year: 1, month: 1, day: 1)), highest = Double(CalendarDate.days(year: 9999, month: 12, day: 31))
        let day = days + Double(epoch)
        guard day >= lowest, day <= highest else { return formatShortest(x) }
        return CalendarDate.format(Int(day))
    }
}
