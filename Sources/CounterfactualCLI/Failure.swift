import ArgumentParser
import CohortData
import Contracts
import Outcomes
import Reporting
import Foundation
import LinearAlgebra
import Matching
import Propensity

/// Exit codes (see `counterfactual --help`).
enum ExitStatus {
    static let verificationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let cannotCompute: Int32 = 70
    static let cannotWrite: Int32 = 73
}

/// An output file could not be written.
struct OutputError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "\(path): cannot write the output (\(reason)); check that the folder is writable." }
}

/// Prints `error` as one sentence on standard error and returns the exit code that goes with it.
func report(_ error: Error) -> ExitCode {
    let message: String
    let code: Int32
    switch error {
    case let e as CohortDataError:
        message = e.description
        if case .unreadable = e { code = ExitStatus.noInput } else { code = ExitStatus.dataError }
    case let e as PropensityError:
        message = e.description; code = ExitStatus.cannotCompute
    case let e as MatchingError:
        message = e.description; code = ExitStatus.cannotCompute
    case let e as LinearAlgebraError:
        message = e.description; code = ExitStatus.cannotCompute
    case let e as OutputError:
        message = e.description; code = ExitStatus.cannotWrite
    case let e as ReportWriteError:
        message = e.description; code = ExitStatus.cannotWrite
    case let e as PlanError:
        message = e.description; code = ExitStatus.dataError
    case let e as EvaluationError:
        message = e.description; code = ExitStatus.dataError
    case let e as OutcomesError:
        message = e.description; code = ExitStatus.cannotCompute
    default:
        message = String(describing: error); code = ExitStatus.cannotCompute
    }
    FileHandle.standardError.write(Data("counterfactual: error: \(message)\n".utf8))
    return ExitCode(code)
}

/// Writes text to a file, creating the folder.
func write(_ text: String, to url: URL) throws {
    try write(Data(text.utf8), to: url)
}

/// Writes bytes to a file, creating the folder.
func write(_ bytes: [UInt8], to url: URL) throws {
    try write(Data(bytes), to: url)
}

func write(_ data: Data, to url: URL) throws {
    do {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    } catch {
        throw OutputError(path: url.path, reason: (error as NSError).localizedDescription)
    }
}
