import ArgumentParser
import CohortData
import Contracts
import Foundation
import MatchedComparison
import PaymentRules
import RateCards
import Reporting
import OutputFiles

/// Exit codes (see `counterfactual --help`).
enum ExitStatus {
    static let verificationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let dataError: Int32 = 65
    static let noInput: Int32 = 66
    static let cannotCompute: Int32 = 70
    static let cannotWrite: Int32 = 73
}

/// The CLI's name for the one "cannot write" error.
typealias OutputError = OutputWriteError

/// An input the command needs is not there (exit 66).
struct MissingInput: Error, CustomStringConvertible {
    var path: String
    var what: String
    var description: String { "\(path): \(what)." }
}

/// Runs a command's work; any error is printed as one sentence on standard error and becomes its
/// documented exit code (every command's `run()` goes through here).
func runReportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        throw report(error)
    }
}

/// Prints `error` as one sentence on standard error and returns the exit code that goes with it.
func report(_ error: Error) -> ExitCode {
    // Every error type here describes itself in one sentence. A file in a hidden staging folder is
    // named by where it was going (the folder the user gave), not by the staging path.
    let message = StagingArea.shared.replacingStagingPaths(in: String(describing: error))
    FileHandle.standardError.write(Data("counterfactual: error: \(message)\n".utf8))
    return ExitCode(exitStatus(for: error))
}

/// The documented exit code for an error (see `counterfactual --help`).
func exitStatus(for error: Error) -> Int32 {
    if case .unreadable? = error as? CohortDataError { return ExitStatus.noInput }
    if error is MissingInput { return ExitStatus.noInput }
    if case .unreadablePlan? = error as? RateCardError { return ExitStatus.noInput }
    switch error {
    case is MatchingPlanError:
        return ExitStatus.usage
    case let refused as OutputRefused:
        return refused.path.isEmpty ? ExitStatus.usage : ExitStatus.cannotWrite
    case is CohortDataError, is PlanError, is PlanDraftError, is EvaluationError, is RateCardError, is MatchingStageError, is ManifestError,
         is DocumentError, is PaymentRuleError, is PilotCountError, is PilotFileError, is MatchFolderError:
        return ExitStatus.dataError
    case is OutputWriteError:
        return ExitStatus.cannotWrite
    default:
        // Model, matching, linear algebra and outcome statistics that cannot be computed.
        return ExitStatus.cannotCompute
    }
}
