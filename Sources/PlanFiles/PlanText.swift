import CohortData
import Foundation

/// The text of a plan file, read so that every failure is a documented error: a path that is not a
/// readable regular file is `CohortDataError.unreadable` with the reason in words (exit 66), and
/// text that is not UTF-8 is a `PlanFileError` naming the line, column and byte (exit 65), as for
/// data files, instead of Foundation's "the file isn't in the correct format".
public enum PlanText {
    public static func read(path: String) throws -> String {
        let data: Data
        do {
            if InputFile.isSpecial(path: path) { throw CocoaError(.fileReadUnknown) }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CohortDataError.unreadable(file: path, reason: InputFile.unreadableReason(path: path, error: error))
        }
        let bytes = [UInt8](data)
        if let offset = InputFile.firstInvalidUTF8(in: bytes) {
            let before = bytes[..<offset]
            let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            let lineStart = (before.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
            let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1
            throw PlanFileError(file: path, message: "line \(line), column \(column): byte \(offset) of the file is not valid UTF-8; save the plan as UTF-8.")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
