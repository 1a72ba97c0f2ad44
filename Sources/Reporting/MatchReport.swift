import Balance
import Columns
import Dispatch
import Foundation
import Parallel
import CohortData
import MatchedComparison
import Matching
import Propensity
import TextFormatting
import OutputFiles

/// Everything a `match` run produced, with the inputs that produced it, ready to be written out.
public struct MatchReport: Sendable {
    /// How the distance was obtained (the matching pipeline's `DistanceSource`).
    public typealias DistanceSource = MatchedComparison.DistanceSource

    /// Rows of matches.csv formatted as one chunk (tests make chunks small to cross batches). About
    /// 0.7 MB a chunk, four or eight of them in flight: less fresh memory than 2.6 MB chunks.
    var matchesChunkRows = 16_384

    public var programVersion: String
    public var file: String
    public var treatment: String
    public var covariates: [String]
    public var idColumn: String?
    public var exactColumns: [String]
    public var exclusions: ExclusionReport
    public var distanceSource: DistanceSource
    public var result: MatchResult
    public var balance: BalanceSummary
    /// For each input row: its index in the frame, or -1 when it was excluded (4 bytes a row, where
    /// an `[Int?]` would take 16; nothing stored when every input row is used).
    public var frameIndexOfRow: RowSelection.Positions
    /// The id column, if any (its text is copied into matches.csv).
    public var ids: Column?
    /// The treatment column as read (for excluded rows too).
    public var treatmentColumn: Column
    /// Extra settings to record (model tolerance, iterations, ...).
    public var extraSettings: [(String, JSONValue)]
    /// The input's own columns, copied into matches.csv after its columns (`--with-data`, as
    /// MatchIt's `match.data()`); empty otherwise.
    public var inputColumns: [Column] = []
    /// The matching method's name (MatchIt's `method`), recorded in summary.json.
    public var method: String = "nearest"

    public init(
        programVersion: String, file: String, treatment: String, covariates: [String], idColumn: String?,
        exactColumns: [String], exclusions: ExclusionReport, distanceSource: DistanceSource,
        result: MatchResult, balance: BalanceSummary, frameIndexOfRow: RowSelection.Positions, ids: Column?,
        treatmentColumn: Column, extraSettings: [(String, JSONValue)] = []
    ) {
        self.programVersion = programVersion
        self.file = file
        self.treatment = treatment
        self.covariates = covariates
        self.idColumn = idColumn
        self.exactColumns = exactColumns
        self.exclusions = exclusions
        self.distanceSource = distanceSource
        self.result = result
        self.balance = balance
        self.frameIndexOfRow = frameIndexOfRow
        self.ids = ids
        self.treatmentColumn = treatmentColumn
        self.extraSettings = extraSettings
    }

    // MARK: matches.csv

    /// `matches.csv`: one line per input row — `row` (1-based input row), `id` (with `--id`),
    /// `treat`, `distance`, `weight`, `subclass` (empty when unmatched or with replacement), and
    /// `status` (`matched`, `unmatched`, `discarded` for common support, `excluded` for rows
    /// dropped for missing values); then, with `inputColumns`, the input's columns in file order
    /// (headed as in the input; see `inputColumnHeaders`), quoted as RFC 4180.
    public func matchesCSV() -> [UInt8] {
        var out: [UInt8] = []
        forEachMatchesChunk { out.append(contentsOf: $0) }
        return out
    }

    // MARK: pairs.csv

    /// `pairs.csv`, written only when matched sets overlap (matching with replacement: a control
    /// may be in several sets, so matches.csv's `subclass` is empty): one line per match —
    /// `subclass` (the matched set, numbered from 1 in the order of the focal units that have a
    /// match, as MatchIt's `get_matches()` numbers them), `focal_row` and `match_row` (1-based
    /// input rows, as matches.csv's `row`) — sets in order, matches in the order they were made.
    /// nil when the sets do not overlap (matches.csv's `subclass` records them).
    public func pairsCSV() -> String? {
        guard result.setsOverlap else { return nil }
        var rowOfFrameIndex = [Int](repeating: -1, count: result.weights.count)
        for row in 0..<frameIndexOfRow.count where frameIndexOfRow[row] >= 0 {
            rowOfFrameIndex[frameIndexOfRow[row]] = row
        }
        var out = "subclass,focal_row,match_row\n"
        var set = 0
        for (focal, found) in zip(result.focalUnits, result.matches) where !found.isEmpty {
            set += 1
            for j in found { out += "\(set),\(rowOfFrameIndex[focal] + 1),\(rowOfFrameIndex[j] + 1)\n" }
        }
        return out
    }

    /// Streams `matches.csv` to a file: chunks of rows are formatted in parallel and written in
    /// order, so memory stays bounded at any size. Returns the SHA-256 of the bytes written (as
    /// `sha256(ofFile:)` would give it), so the manifest need not read the file again.
    @discardableResult
    public func writeMatchesCSV(to path: String) throws -> String {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw OutputWriteError(path: path, reason: "cannot create the file")
        }
        var failure: Error?
        var digest = SHA256Stream()
        // The disk writes what has been written so far while the next lines are formatted, so the
        // flush before the folder is put in place (OutputFolder.commit) waits only for the tail.
        let flush = BackgroundFlush(descriptor: handle.fileDescriptor)
        forEachMatchesChunk { bytes in
            guard failure == nil else { return }
            do { try handle.write(contentsOf: bytes) } catch { failure = error }
            digest.update(bytes)
            flush.request()
        }
        if let error = flush.finish() { failure = failure ?? error }
        do { try handle.close() } catch { failure = failure ?? error }
        if let failure { throw OutputWriteError(path: path, reason: (failure as NSError).localizedDescription) }
        return digest.hexDigest()
    }

    /// Calls `body` with the header and then each formatted chunk of lines, in order (each chunk's
    /// bytes are valid during the call only: they stay in the buffer they were formatted into).
    func forEachMatchesChunk(_ body: (UnsafeRawBufferPointer) -> Void) {
        var header = "row"
        if idColumn != nil { header += ",id" }
        header += ",treat,distance,weight,subclass,status"
        for name in inputColumnHeaders { header += "," + csvField(name) }
        Array((header + "\n").utf8).withUnsafeBytes(body)
        let rows = frameIndexOfRow.count
        let chunk = matchesChunkRows
        let chunks = (rows + chunk - 1) / chunk
        let batch = 2 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        let report = self
        let format: @Sendable (Int) -> WrittenBytes = { c in
            var out = ByteWriter(capacity: chunk * 48)
            report.appendMatchLines((c * chunk)..<min(rows, (c + 1) * chunk), to: &out)
            return out.takeWritten()
        }
        // Batches of chunks formatted in parallel (every core); while one batch is handed to
        // `body` (written and hashed, in order), the next is formatted beside it.
        var ready = Parallel.map(min(batch, chunks)) { format($0) }
        var first = ready.count
        while !ready.isEmpty {
            let start = first, count = min(batch, chunks - first)
            let parts = ready
            let (next, _) = Parallel.beside(tasks: 1, { _ in Parallel.map(count) { format(start + $0) } }) {
                for part in parts { part.withUnsafeBytes(body) }
            }
            ready = next[0]
            first += count
        }
    }

    /// Appends the lines of `rows`, formatted straight into bytes: the same bytes as
    /// `String(row + 1)`, `csvField(column.text(at: row))`, `JSONValue.format` and the status word.
    /// The columns are read through buffer pointers taken once per chunk, and the words are
    /// literals: no reference counting per row.
    private func appendMatchLines(_ rows: Range<Int>, to out: inout ByteWriter) {
        let inputColumns = inputColumns
        CellSource.with(ids) { id in
          CellSource.with(treatmentColumn) { treatment in
            result.distance.withUnsafeBufferPointer { distance in
              result.weights.withUnsafeBufferPointer { weights in
                result.discarded.withUnsafeBufferPointer { discarded in
                  result.subclass.withUnsafeCodes { subclass in
                    frameIndexOfRow.withUnsafePositions { frameIndexOfRow in
                        for row in rows {
                            out.appendDecimal(row + 1)
                            if let id { out.append(0x2C); id.append(row, to: &out) }
                            out.append(0x2C); treatment?.append(row, to: &out)
                            let i = frameIndexOfRow.map { Int($0[row]) } ?? row
                            if i >= 0 {
                                let w = weights[i]
                                out.append(0x2C); JSONValue.appendFormatted(distance[i], to: &out)
                                out.append(0x2C); JSONValue.appendFormatted(w, to: &out)
                                out.append(0x2C); if subclass[i] != SubclassNumbers.noSet { out.appendDecimal(Int(subclass[i])) }
                                out.append(0x2C)
                                if w > 0 { out.append("matched") } else if discarded[i] { out.append("discarded") } else { out.append("unmatched") }
                            } else {
                                out.append(",,0,,excluded")
                            }
                            for column in inputColumns { out.append(0x2C); out.appendCSVField(column.text(at: row)) }
                            out.append(0x0A)
                        }
                    }
                  }
                }
              }
            }
          }
        }
    }

    /// One column's cells as `csvField(column.text(at: row))` writes them, read through a buffer
    /// pointer.
    private struct CellSource {
        let numbers: UnsafeBufferPointer<Double>?
        let codes: UnsafeBufferPointer<Int32>?
        let levels: [String]

        /// Calls `body` with the column's cells (nil for no column).
        static func with<R>(_ column: Column?, _ body: (CellSource?) -> R) -> R {
            guard let column else { return body(nil) }
            switch column.values {
            case .numeric(let v):
                return v.withUnsafeBufferPointer { body(CellSource(numbers: $0, codes: nil, levels: [])) }
            case .text(let codes, let levels):
                return codes.withUnsafeBufferPointer { body(CellSource(numbers: nil, codes: $0, levels: levels)) }
            }
        }

        @inline(__always)
        func append(_ row: Int, to out: inout ByteWriter) {
            if let numbers {
                let x = numbers[row]
                if x.isNaN { return }
                // formatShortest: whole numbers below 1e15 as integers (never quoted: no comma inside).
                if x == x.rounded(), abs(x) < 1e15 { out.appendDecimal(Int64(x)) } else { out.appendCSVField(formatShortest(x)) }
            } else if let codes {
                let code = codes[row]
                if code >= 0 { out.appendCSVField(levels[Int(code)]) }
            }
        }
    }

    /// matches.csv's own column names.
    public var ownColumnHeaders: [String] {
        (idColumn != nil ? ["row", "id"] : ["row"]) + ["treat", "distance", "weight", "subclass", "status"]
    }

    /// The headers of the copied input columns: each input column's name, except that a name equal
    /// to one of matches.csv's own (`row`, `id`, `treat`, `distance`, `weight`, `subclass`,
    /// `status`) or to an earlier header gets the prefix `input_` (repeated until unique), so every
    /// header is distinct.
    public var inputColumnHeaders: [String] {
        var used = Set(ownColumnHeaders)
        var names: [String] = []
        for column in inputColumns {
            var name = column.name
            while used.contains(name) { name = "input_" + name }
            used.insert(name)
            names.append(name)
        }
        return names
    }

    // MARK: readable text

    /// The sample-size and balance tables as aligned text.
    public func balanceText() -> String {
        var out = ""
        let s = balance.sampleSizes
        out += "Sample sizes\n"
        let sizeRows: [(String, GroupCounts)] = [
            ("All (ESS)", s.allESS), ("All", s.all), ("Matched (ESS)", s.matchedESS),
            ("Matched", s.matched), ("Unmatched", s.unmatched), ("Discarded", s.discarded),
        ]
        out += TextTable(
            header: ["", "Control", "Treated"],
            rows: sizeRows.map { [$0.0, formatCount($0.1.control), formatCount($0.1.treated)] }
        ).render()
        out += "\nBalance (before -> after matching)\n"
        let rows = zip(balance.all, balance.matched).map { b, a -> [String] in
            [b.name,
             fixed(b.meanTreated), fixed(b.meanControl), fixed(a.meanTreated), fixed(a.meanControl),
             fixed(b.standardizedMeanDifference), fixed(a.standardizedMeanDifference),
             fixed(b.varianceRatio), fixed(a.varianceRatio),
             fixed(b.ecdfMax), fixed(a.ecdfMax)]
        }
        out += TextTable(
            header: ["Covariate", "Mean T", "Mean C", "Mean T (m)", "Mean C (m)", "SMD", "SMD (m)", "VR", "VR (m)",
                     "eCDF max", "eCDF max (m)"],
            rows: rows
        ).render()
        let focal = switch result.specification.estimand {
        case .att: "the SD of the treated group"
        case .atc: "the SD of the control group"
        case .ate: "the pooled SD of both groups"
        }
        out += "(m) = after matching (weighted); SMD = standardised mean difference, scaled by \(focal) "
        out += "before matching; VR = variance ratio (treated/control); eCDF max = largest gap between the "
        out += "groups' empirical distribution functions; '.' = not applicable (binary variable).\n"
        return out
    }
}

/// `fdatasync` of a file being written, run on a thread of its own whenever asked and not already
/// running, so that the disk writes while the writer goes on. A failure is kept and returned by
/// `finish()`: Linux reports a write-back error to one `fsync` only, so an error seen here would
/// not be seen by a later flush of the same file and must fail the write.
final class BackgroundFlush: @unchecked Sendable {
    private let descriptor: Int32
    private let queue = DispatchQueue(label: "counterfactual.write.flush")
    private let lock = NSLock()
    private var running = false
    private var failure: Error?

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Starts a flush unless one is running.
    func request() {
        lock.lock()
        if running { lock.unlock(); return }
        running = true
        lock.unlock()
        queue.async {
            let status = fdatasync(self.descriptor)
            let code = errno
            self.lock.lock()
            if status != 0, self.failure == nil { self.failure = POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
            self.running = false
            self.lock.unlock()
        }
    }

    /// Waits for a running flush; the first flush error, if any.
    func finish() -> Error? {
        queue.sync {}
        lock.lock(); defer { lock.unlock() }
        return failure
    }
}
