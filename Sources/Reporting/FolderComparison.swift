import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Compares two output folders of the same command, for example one run under the reference
/// BLAS and one under OpenBLAS (`counterfactual verify A --against B`).
///
/// The verdict is one of three:
/// 1. **identical**: both manifests list the same output files and every one is byte for byte equal;
/// 2. **equivalent**: the files differ only in non-integer numbers, each within
///    `relativeTolerance` (relative difference `|a - b| / max(|a|, |b|)`), while everything that
///    decides money is identical: every string (matched-set labels, ids, statuses, routes, exact
///    fractions), every boolean (triggers met, significance), every integer (counts, subclasses,
///    pence) and the shape of every document (members, their order, array lengths, rows, columns);
/// 3. **different**: anything else; the first difference that breaks equivalence is named.
///
/// Numbers are read as the files write them: in JSON an integer is a number without fraction or
/// exponent (`JSONValue.int`), in CSV and other text a cell or token of digits alone; comparing an
/// integer with a non-integer counts as numbers (either run may have written, say, `1` for a
/// double that the other wrote as `0.9999999999999999`). Before any of this the runs themselves
/// are compared through their manifests: the command, the SHA-256 of every input (by role), the
/// seeds and the plan text must be equal. The rest of a manifest is environment (BLAS and LAPACK
/// libraries, CPU model, thread count, timings, paths, program version) and never a difference.
///
/// Each folder must be intact first (`Manifest.integrityProblems(folder:)`): comparing a folder
/// whose files no longer match its own manifest would give a verdict about unknown files.
public enum FolderComparison {
    /// Largest relative difference between two numbers that still counts as equivalent.
    public static let relativeTolerance = 1e-9

    /// Two numbers that differ, where, and by how much (relative to the larger magnitude).
    public struct NumberDifference: Sendable, Equatable {
        /// Output file, relative to the folder.
        public var file: String
        /// JSON path (`/cohorts/0/trigger/p_value`), CSV row and column (`row 12 (line 13), column
        /// distance`: rows counted after the header)
        /// or line and token in other text.
        public var location: String
        public var first: String
        public var second: String
        public var relative: Double
    }

    public enum Verdict: Sendable, Equatable {
        case identical(files: Int)
        /// `largest` is nil only when no number differs (the files then differ in whitespace
        /// layout alone, which the readers here do not see).
        case equivalent(files: Int, differingFiles: [String], largest: NumberDifference?)
        /// The first difference that breaks equivalence, as a sentence fragment.
        case different(String)
    }

    /// The relative difference `|a - b| / max(|a|, |b|)` (0 when both are 0).
    public static func relativeDifference(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        let scale = max(abs(a), abs(b))
        return scale == 0 ? 0 : abs(a - b) / scale
    }

    /// Compares folder `a` (manifest `ma`) with folder `b` (manifest `mb`); both must be intact.
    public static func compare(_ a: URL, _ ma: Manifest, _ b: URL, _ mb: Manifest) -> Verdict {
        if let difference = runDifference(ma, mb) { return .different(difference) }
        let filesA = ma.outputs.map(\.path), filesB = mb.outputs.map(\.path)
        if Set(filesA) != Set(filesB) {
            let onlyA = filesA.filter { !filesB.contains($0) }, onlyB = filesB.filter { !filesA.contains($0) }
            return .different("the folders hold different output files (only in the first: \(list(onlyA)); only in the second: \(list(onlyB)))")
        }
        let hashesB = Dictionary(mb.outputs.map { ($0.path, $0.sha256) }, uniquingKeysWith: { x, _ in x })
        var differing: [String] = []
        var largest: NumberDifference?
        for output in ma.outputs where hashesB[output.path] != output.sha256 {
            differing.append(output.path)
            var state = State(file: output.path)
            guard let left = try? Data(contentsOf: a.appendingPathComponent(output.path)),
                  let right = try? Data(contentsOf: b.appendingPathComponent(output.path)) else {
                return .different("\(output.path) cannot be read")
            }
            compareFile(Array(left), Array(right), &state)
            if let broken = state.broken { return .different("\(output.path) \(broken)") }
            if let d = state.largest, d.relative > (largest?.relative ?? -1) { largest = d }
        }
        return differing.isEmpty ? .identical(files: filesA.count)
            : .equivalent(files: filesA.count, differingFiles: differing, largest: largest)
    }

    /// What makes two manifests describe different runs (not their environment), or nil.
    static func runDifference(_ a: Manifest, _ b: Manifest) -> String? {
        if a.arguments.first != b.arguments.first {
            return "the runs are of different commands (\(a.arguments.first ?? "none") and \(b.arguments.first ?? "none"))"
        }
        let inputsA = a.inputs.map { "\($0.role) sha256 \($0.sha256)" }, inputsB = b.inputs.map { "\($0.role) sha256 \($0.sha256)" }
        if inputsA != inputsB {
            let k = zip(inputsA, inputsB).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(inputsA.count, inputsB.count)
            let x = k < inputsA.count ? inputsA[k] : "none", y = k < inputsB.count ? inputsB[k] : "none"
            return "the runs read different inputs (input \(k + 1): \(x) in the first, \(y) in the second)"
        }
        if a.seeds != b.seeds {
            let x = a.seeds.map { "\($0.name) \($0.value)" }, y = b.seeds.map { "\($0.name) \($0.value)" }
            return "the runs used different seeds (\(list(x)) and \(list(y)))"
        }
        if a.plan != b.plan { return "the runs used different plans (the plan texts in the manifests differ)" }
        return nil
    }

    private static func list(_ items: [String]) -> String { items.isEmpty ? "none" : items.joined(separator: ", ") }

    /// The comparison of one file so far: the largest tolerated difference, or what broke equivalence.
    struct State {
        var file: String
        var largest: NumberDifference?
        var broken: String?

        /// Two numbers as written; false (and `broken` set) when they are not equivalent.
        mutating func numbers(_ x: String, _ y: String, integers: Bool, at location: @autoclosure () -> String) -> Bool {
            if x == y { return true }
            guard !integers, let u = Double(x), let v = Double(y), u.isFinite, v.isFinite else {
                broken = "differs at \(location()): \(x) in the first, \(y) in the second"
                return false
            }
            let r = relativeDifference(u, v)
            if r > relativeTolerance {
                broken = "differs at \(location()): \(x) in the first, \(y) in the second (relative difference \(format(r)), more than \(format(relativeTolerance)))"
                return false
            }
            if r > (largest?.relative ?? -1) {
                largest = NumberDifference(file: file, location: location(), first: x, second: y, relative: r)
            }
            return true
        }

        mutating func text(_ x: String, _ y: String, at location: @autoclosure () -> String) -> Bool {
            if x == y { return true }
            broken = "differs at \(location()): \(quoted(x)) in the first, \(quoted(y)) in the second"
            return false
        }
    }

    static func format(_ r: Double) -> String { String(format: "%.3g", r) }
    static func quoted(_ s: String) -> String { "\"" + (s.count > 80 ? String(s.prefix(77)) + "..." : s) + "\"" }

    static func compareFile(_ a: [UInt8], _ b: [UInt8], _ state: inout State) {
        if state.file.hasSuffix(".json"), let x = try? JSONValue.parse(a), let y = try? JSONValue.parse(b) {
            compareJSON(x, y, path: "", &state)
        } else if state.file.hasSuffix(".csv") {
            compareCSV(csvRecords(a), csvRecords(b), &state)
        } else {
            compareText(String(decoding: a, as: UTF8.self), String(decoding: b, as: UTF8.self), &state)
        }
    }

    // MARK: JSON

    @discardableResult
    static func compareJSON(_ x: JSONValue, _ y: JSONValue, path: String, _ state: inout State) -> Bool {
        let here = path.isEmpty ? "/" : path
        switch (x, y) {
        case (.null, .null): return true
        case let (.bool(p), .bool(q)): return state.text(String(p), String(q), at: "JSON path \(here)")
        case let (.string(p), .string(q)): return state.text(p, q, at: "JSON path \(here)")
        case let (.int(p), .int(q)): return state.numbers(String(p), String(q), integers: true, at: "JSON path \(here)")
        case (.int, .number), (.number, .int), (.number, .number):
            return state.numbers(x.scalarText, y.scalarText, integers: false, at: "JSON path \(here)")
        case let (.array(p), .array(q)):
            guard p.count == q.count else {
                state.broken = "differs at JSON path \(here): \(p.count) items in the first, \(q.count) in the second"
                return false
            }
            for k in p.indices where !compareJSON(p[k], q[k], path: path + "/\(k)", &state) { return false }
            return true
        case let (.object(p), .object(q)):
            guard p.map(\.0) == q.map(\.0) else {
                state.broken = "differs at JSON path \(here): members \(list(p.map(\.0))) in the first, \(list(q.map(\.0))) in the second"
                return false
            }
            for k in p.indices where !compareJSON(p[k].1, q[k].1, path: path + "/" + p[k].0, &state) { return false }
            return true
        default:
            state.broken = "differs at JSON path \(here): \(x.scalarText) in the first, \(y.scalarText) in the second"
            return false
        }
    }

    // MARK: CSV

    /// RFC 4180 records (quoted fields may hold commas, quotes and line breaks), unquoted.
    static func csvRecords(_ bytes: [UInt8]) -> [[String]] {
        var records: [[String]] = [], fields: [String] = [], field: [UInt8] = []
        var quoted = false, k = 0
        func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
        while k < bytes.count {
            let c = bytes[k]
            if quoted {
                if c == UInt8(ascii: "\"") {
                    if k + 1 < bytes.count, bytes[k + 1] == UInt8(ascii: "\"") { field.append(c); k += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == UInt8(ascii: "\"") {
                quoted = true
            } else if c == UInt8(ascii: ",") {
                endField()
            } else if c == UInt8(ascii: "\n") {
                if field.last == UInt8(ascii: "\r") { field.removeLast() }
                endField(); records.append(fields); fields.removeAll()
            } else {
                field.append(c)
            }
            k += 1
        }
        if !field.isEmpty || !fields.isEmpty { endField(); records.append(fields) }
        return records
    }

    static func compareCSV(_ a: [[String]], _ b: [[String]], _ state: inout State) {
        guard a.count == b.count else {
            state.broken = "has \(a.count) lines in the first folder, \(b.count) in the second"
            return
        }
        let header = a.first ?? []
        for row in a.indices {
            let (p, q) = (a[row], b[row])
            guard p.count == q.count else {
                state.broken = "differs at line \(row + 1): \(p.count) columns in the first, \(q.count) in the second"
                return
            }
            for column in p.indices {
                let name = column < header.count ? header[column] : "\(column + 1)"
                let location = row == 0 ? "the header, column \(column + 1)" : "row \(row) (line \(row + 1)), column \(name)"
                let (x, y) = (p[column], q[column])
                if x == y { continue }
                let ok = isNumber(x) && isNumber(y)
                    ? state.numbers(x, y, integers: isInteger(x) && isInteger(y), at: location)
                    : state.text(x, y, at: location)
                if !ok { return }
            }
        }
    }

    // MARK: Other text (report.html, report.md)

    /// Splits text into numbers and the text between them; the text must be equal, the numbers
    /// equivalent.
    static func compareText(_ a: String, _ b: String, _ state: inout State) {
        let (p, q) = (tokens(a), tokens(b))
        for k in 0..<max(p.count, q.count) {
            guard k < p.count, k < q.count else {
                state.broken = "differs near line \((k < p.count ? p[k] : q[k]).line): one file ends before the other"
                return
            }
            let (x, y) = (p[k], q[k])
            if x.isNumber && y.isNumber {
                if !state.numbers(x.text, y.text, integers: isInteger(x.text) && isInteger(y.text), at: "line \(x.line)") { return }
            } else if x.text != y.text {
                // Name the line where the texts part, and show that line of each.
                let p = Array(x.text), q = Array(y.text)
                var k = 0
                while k < p.count, k < q.count, p[k] == q[k] { k += 1 }
                func line(_ c: [Character]) -> String {
                    let start = c[..<min(k, c.count)].lastIndex(of: "\n").map { $0 + 1 } ?? 0
                    let end = c[min(k, c.count)...].firstIndex(of: "\n") ?? c.count
                    return String(c[start..<end])
                }
                _ = state.text(line(p), line(q), at: "line \(x.line + p[..<k].filter { $0 == "\n" }.count)")
                return
            }
        }
    }

    struct Token { var text: String; var isNumber: Bool; var line: Int }

    static func tokens(_ s: String) -> [Token] {
        var out: [Token] = [], line = 1
        var scalars = Array(s.unicodeScalars)[...]
        func isDigit(_ u: Unicode.Scalar) -> Bool { u >= "0" && u <= "9" }
        while let first = scalars.first {
            let start = line
            if isDigit(first) || (first == "-" && scalars.dropFirst().first.map(isDigit) == true) {
                var n = String(first); scalars.removeFirst()
                var seenDot = false, seenExponent = false
                while let u = scalars.first {
                    if isDigit(u) { n.unicodeScalars.append(u) }
                    else if u == ".", !seenDot, !seenExponent, scalars.dropFirst().first.map(isDigit) == true { seenDot = true; n.unicodeScalars.append(u) }
                    else if (u == "e" || u == "E"), !seenExponent, let next = scalars.dropFirst().first,
                            isDigit(next) || ((next == "-" || next == "+") && scalars.dropFirst(2).first.map(isDigit) == true) {
                        seenExponent = true; n.unicodeScalars.append(u); scalars.removeFirst()
                        n.unicodeScalars.append(scalars.first!)
                    } else { break }
                    scalars.removeFirst()
                }
                out.append(Token(text: n, isNumber: true, line: start))
            } else {
                var t = ""
                while let u = scalars.first, !(isDigit(u) || (u == "-" && scalars.dropFirst().first.map(isDigit) == true)) {
                    if u == "\n" { line += 1 }
                    t.unicodeScalars.append(u); scalars.removeFirst()
                }
                out.append(Token(text: t, isNumber: false, line: start))
            }
        }
        return out
    }

    static func isNumber(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "-" || (first >= "0" && first <= "9") else { return false }
        return Double(s).map { $0.isFinite } ?? false
    }

    static func isInteger(_ s: String) -> Bool {
        let digits = s.hasPrefix("-") ? s.dropFirst() : Substring(s)
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}

extension Manifest {
    /// Why `folder` no longer holds what this manifest describes: an output missing or with
    /// another SHA-256, or a file the manifest does not list. Empty when the folder is intact.
    public func integrityProblems(folder: URL) -> [String] {
        var problems: [String] = []
        for output in outputs {
            // Only regular files named inside the folder are read: a path elsewhere ("../x",
            // "/etc/x") or a symbolic link swapped in is named, never followed.
            guard !output.path.isEmpty, !output.path.contains("/"), output.path != ".", output.path != ".." else {
                problems.append("\(output.path): listed in the manifest but is not a file name inside the folder; it is not read")
                continue
            }
            var info = stat()
            if lstat(folder.appendingPathComponent(output.path).path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                problems.append("\(output.path): is not a regular file written by counterfactual (a link, folder or device); it is not followed")
                continue
            }
            let hash = (try? sha256(ofFile: folder.appendingPathComponent(output.path).path)) ?? "missing"
            if hash == "missing" {
                problems.append("\(output.path) is listed in the manifest but missing")
            } else if hash != output.sha256 {
                problems.append("\(output.path) changed after it was written (sha256 \(output.sha256) in the manifest, \(hash) in the folder)")
            }
        }
        let listed = Set(outputs.map(\.path)).union(["manifest.json"])
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        let foreign = present.subtracting(listed).sorted()
        if !foreign.isEmpty {
            problems.append("the folder holds files counterfactual did not write (not in the manifest): \(foreign.joined(separator: ", "))")
        }
        return problems
    }
}
