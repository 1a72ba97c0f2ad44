import Foundation

/// Locations of files that tests read: the R-generated fixtures under `Tests/Fixtures`
/// and the bundled data under `Datasets/`. Paths are derived from this source file, so
/// tests work from any working directory.
public enum Fixtures {
    /// `Tests/Fixtures`.
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()   // TestSupport
        .deletingLastPathComponent()   // Tests
        .appendingPathComponent("Fixtures", isDirectory: true)

    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: URL = root
        .deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A file under `Datasets/`.
    public static func dataset(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Datasets", isDirectory: true).appendingPathComponent(name)
    }

    /// A file under `Tests/Fixtures/`, e.g. `file("matchit/nn_1to1/matches.csv")`.
    public static func file(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }
}

/// A fixture table: the header and rows of a small CSV written by `Scripts/make-fixtures.R`.
///
/// Fixture files are machine-written (no embedded newlines); quoted fields may contain commas.
/// This reader is deliberately independent of the library's own CSV loader so that a bug
/// there cannot hide behind a matching bug here.
public struct FixtureTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    public init(contentsOf url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { line -> Substring in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        guard !lines.isEmpty else { throw FixtureError.empty(url.path) }
        header = FixtureTable.fields(lines.removeFirst())
        rows = lines.map(FixtureTable.fields)
    }

    static func fields(_ line: Substring) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(field); field = ""
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }

    /// Index of a named column; traps with a clear message when the fixture lacks it.
    public func index(of column: String) -> Int {
        guard let i = header.firstIndex(of: column) else {
            preconditionFailure("fixture has no column \(column); columns: \(header)")
        }
        return i
    }

    /// The column as strings.
    public func strings(_ column: String) -> [String] {
        let i = index(of: column)
        return rows.map { $0[i] }
    }

    /// The column as optional doubles (empty or NA fields are nil).
    public func doubles(_ column: String) -> [Double?] {
        strings(column).map { s in s.isEmpty || s == "NA" ? nil : Double(s) }
    }

    /// The column as optional integers (empty or NA fields are nil).
    public func integers(_ column: String) -> [Int?] {
        strings(column).map { s in s.isEmpty || s == "NA" ? nil : Int(s) ?? Double(s).map { Int($0) } }
    }

    /// A number from a row of this table, reading R's `Inf` and `-Inf`; traps on anything else
    /// that is not a number (a fixture error, not a test failure).
    public func number(_ row: [String], _ column: String) -> Double {
        let s = row[index(of: column)]
        switch s {
        case "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let v = Double(s) else { preconditionFailure("column \(column) holds '\(s)'") }
            return v
        }
    }

    /// The row whose first field equals `key` (e.g. a balance-table variable name).
    public func row(named key: String) -> [String]? {
        rows.first { $0.first == key }
    }
}

public enum FixtureError: Error, CustomStringConvertible {
    case empty(String)
    public var description: String {
        switch self {
        case .empty(let path): return "fixture file is empty: \(path)"
        }
    }
}

/// Relative difference |a - b| / max(|b|, tiny): the measure every parity test states.
public func relativeDifference(_ a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    return abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
}
