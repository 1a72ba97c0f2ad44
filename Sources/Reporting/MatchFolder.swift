import CohortData
import Foundation

/// An output folder of `counterfactual match`, read for an analysis after matching
/// (`counterfactual effect`): checked against its manifest first, as `verify` does, so that
/// weights edited by hand (or a file swapped in) are refused rather than analysed.
///
/// `matches.csv` has one line per row of the matched data file: `row` (1-based), `id` (when the
/// match named an id column), `treat`, `distance`, `weight`, `subclass` (empty when unmatched or
/// after matching with replacement), `status`. Rows link to another data file by id when the
/// match recorded ids, and otherwise only to the very file that was matched (same SHA-256), by
/// row number (`linkRows`). After matching with replacement `pairs.csv` (`subclass`, `focal_row`,
/// `match_row`; `MatchReport.pairsCSV`) records the overlapping matched sets; folders written
/// before it existed have none (`pairs` is nil).
public struct MatchFolder: Sendable {
    public let path: String
    public let manifest: Manifest
    public let summary: MatchSummaryDocument
    /// 0-based row of the matched data file, per line of matches.csv.
    public let rows: [Int]
    /// The id of each line (when the match recorded ids).
    public let ids: [String]?
    public let treated: [Bool]
    public let weights: [Double]
    public let subclass: [Int?]
    /// The matched sets of pairs.csv (matching with replacement), as lines of matches.csv
    /// (0-based): each set's focal unit and its matches in match order; nil without pairs.csv.
    public let pairs: (focalUnits: [Int], matches: [[Int]])?

    /// Reads and checks the folder.
    /// - Throws: `MissingInput`-like `CohortDataError.unreadable` when a file cannot be read;
    ///   `MatchFolderError` when the folder does not match its manifest, was not written by
    ///   `match`, or its files are not as `match` writes them.
    public static func read(_ path: String) throws -> MatchFolder {
        let url = URL(fileURLWithPath: path, isDirectory: true)
        let manifestPath = url.appendingPathComponent("manifest.json").path
        guard FileManager.default.fileExists(atPath: manifestPath) else {
            throw CohortDataError.unreadable(file: manifestPath, reason: "no manifest.json: \(path) is not an output folder of `counterfactual match`")
        }
        let manifest = try Manifest.read(path: manifestPath)
        guard manifest.arguments.first == "match" else {
            throw MatchFolderError(message: "\(path) was written by `counterfactual \(manifest.arguments.first ?? "")`, not `counterfactual match`; give a match output folder")
        }
        let problems = manifest.integrityProblems(folder: url)
        guard problems.isEmpty else {
            throw MatchFolderError(message: "\(path) does not match its manifest, so its weights cannot be trusted (re-run `counterfactual match`): " + problems.joined(separator: "; "))
        }
        for name in ["matches.csv", "summary.json"] where !manifest.outputs.contains(where: { $0.path == name }) {
            throw MatchFolderError(message: "\(path): the manifest lists no \(name); it is not a match output folder")
        }
        let summaryPath = url.appendingPathComponent("summary.json").path
        let summaryBytes: Data
        do { summaryBytes = try Data(contentsOf: URL(fileURLWithPath: summaryPath)) } catch {
            throw CohortDataError.unreadable(file: summaryPath, reason: (error as NSError).localizedDescription)
        }
        let summary: MatchSummaryDocument
        do {
            summary = try decodeDocument(MatchSummaryDocument.self, from: JSONValue.parse(Array(summaryBytes)), path: summaryPath)
        } catch let e as JSONSyntaxError {
            throw MatchFolderError(message: "\(summaryPath): not valid JSON (\(e))")
        }
        let idColumn = summary.settings.id
        let matchesPath = url.appendingPathComponent("matches.csv").path
        let own = (idColumn != nil ? ["row", "id"] : ["row"]) + ["treat", "weight", "subclass"]
        let table = try CSVReader.read(path: matchesPath, options: CSVReadOptions(
            columns: own, textColumns: idColumn != nil ? ["id"] : [], identifierColumns: idColumn != nil ? ["id"] : []))
        let row = try table.numeric("row"), treat = try table.numeric("treat")
        let weight = try table.numeric("weight"), subclassValues = try table.numeric("subclass")
        var rows: [Int] = [], treated: [Bool] = [], weights: [Double] = [], subclass: [Int?] = []
        for k in 0..<table.rowCount {
            guard row[k] >= 1, row[k] == row[k].rounded(), treat[k] == 0 || treat[k] == 1, weight[k] >= 0 else {
                throw MatchFolderError(message: "\(matchesPath), line \(table.line(ofRow: k)): not a line `match` writes (row, treat or weight out of range)")
            }
            rows.append(Int(row[k]) - 1)
            treated.append(treat[k] == 1)
            weights.append(weight[k])
            subclass.append(subclassValues[k].isNaN ? nil : Int(subclassValues[k]))
        }
        let ids = try idColumn.map { _ in
            let column = try table.column("id")
            return (0..<table.rowCount).map { column.text(at: $0) }
        }
        var pairs: (focalUnits: [Int], matches: [[Int]])? = nil
        if manifest.outputs.contains(where: { $0.path == "pairs.csv" }) {
            pairs = try readPairs(url.appendingPathComponent("pairs.csv").path, rows: rows, treated: treated, weights: weights)
        }
        return MatchFolder(path: path, manifest: manifest, summary: summary, rows: rows, ids: ids,
                           treated: treated, weights: weights, subclass: subclass, pairs: pairs)
    }

    /// pairs.csv as matched sets of matches.csv lines, checked against matches.csv: consecutive
    /// sets numbered from 1, each focal unit and match a matched line of the other group.
    static func readPairs(_ path: String, rows: [Int], treated: [Bool], weights: [Double]) throws -> (focalUnits: [Int], matches: [[Int]]) {
        let table = try CSVReader.read(path: path, options: CSVReadOptions(columns: ["subclass", "focal_row", "match_row"]))
        let set = try table.numeric("subclass"), focal = try table.numeric("focal_row"), match = try table.numeric("match_row")
        var lineOfRow: [Int: Int] = [:]
        for (line, row) in rows.enumerated() { lineOfRow[row] = line }
        var focalUnits: [Int] = [], matches: [[Int]] = []
        for k in 0..<table.rowCount {
            func line(_ value: Double) -> Int? {
                guard value >= 1, value == value.rounded(), let l = lineOfRow[Int(value) - 1], weights[l] > 0 else { return nil }
                return l
            }
            guard let f = line(focal[k]), let m = line(match[k]), treated[f] != treated[m],
                  set[k] == Double(focalUnits.count) || set[k] == Double(focalUnits.count + 1) else {
                throw MatchFolderError(message: "\(path), line \(table.line(ofRow: k)): not a line `match` writes (a set out of order, or a row that is not a matched unit of the other group)")
            }
            if set[k] == Double(focalUnits.count + 1) {
                focalUnits.append(f); matches.append([])
            } else if focalUnits.last != f {
                throw MatchFolderError(message: "\(path), line \(table.line(ofRow: k)): set \(Int(set[k])) has two focal rows")
            }
            matches[matches.count - 1].append(m)
        }
        return (focalUnits, matches)
    }

    /// Whether the match reused controls (its matched sets overlap).
    public var withReplacement: Bool { summary.settings.replace }

    /// Whether any matched unit has a subclass (matched set).
    public var hasSubclasses: Bool { zip(weights, subclass).contains { $0.0 > 0 && $0.1 != nil } }

    /// For each line of matches.csv, the row of `table` (the data file for the analysis) that holds
    /// the same unit; nil for lines with weight 0 that the table does not hold.
    ///
    /// By id when the match recorded ids (every matched unit's id must be in the table once); by row
    /// number otherwise, and then only when the table's file is the one that was matched
    /// (`dataSHA256` equal to the manifest's `data` input).
    /// - Throws: `MatchFolderError` naming the first unit that cannot be linked.
    public func linkRows(to table: CohortTable, dataSHA256: String) throws -> [Int?] {
        if let ids, let idName = summary.settings.id {
            let column = try table.column(idName)
            var rowOfID: [String: Int] = [:]
            for r in 0..<table.rowCount where !column.isMissing(r) {
                let id = column.text(at: r)
                if rowOfID.updateValue(r, forKey: id) != nil {
                    throw MatchFolderError(message: "\(table.file), line \(table.line(ofRow: r)): id '\(id)' appears twice, so matched units cannot be linked to it")
                }
            }
            return try ids.indices.map { k in
                if let r = rowOfID[ids[k]] { return r }
                if weights[k] > 0 {
                    throw MatchFolderError(message: "\(table.file) has no row with \(idName) '\(ids[k])', a matched unit of \(path)/matches.csv (line \(k + 2))")
                }
                return nil
            }
        }
        let matched = manifest.inputs.first { $0.role == "data" }
        guard let matched, matched.sha256 == dataSHA256 else {
            throw MatchFolderError(message: "\(path)/matches.csv has no id column, so its rows link only to the file that was matched (\(matched?.path ?? "unknown"), sha256 \(matched?.sha256 ?? "unknown")), and \(table.file) is not that file; give that file, or re-run `counterfactual match` with --id")
        }
        return try rows.map { r in
            guard r < table.rowCount else {
                throw MatchFolderError(message: "\(path)/matches.csv names row \(r + 1), beyond the \(table.rowCount) rows of \(table.file)")
            }
            return r
        }
    }
}

/// A match folder cannot be used for the analysis (exit 65).
public struct MatchFolderError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message + "." }
}
