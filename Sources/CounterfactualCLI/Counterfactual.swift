import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The program's version, recorded in every output it writes.
let counterfactualVersion = "0.1.0"

@main
struct Counterfactual: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counterfactual",
        abstract: "Evaluate social outcomes contracts: matched comparison groups, outcome comparisons and payment triggers.",
        discussion: """
        Counterfactual builds the matched comparison group on which an outcomes payment is decided \
        (as in the HMP Peterborough Social Impact Bond and the Justice Data Lab). Its matching \
        reproduces R's MatchIt 4.7 nearest-neighbour algorithm exactly.

        Exit codes: 0 success; 1 verify found a difference; 64 invalid options; 65 invalid data or plan (the message names the file, \
        line and column); 66 an input file cannot be read; 70 the model or the matching cannot \
        be done (separation, collinearity, no matches); 73 an output cannot be written.
        """,
        version: counterfactualVersion,
        subcommands: [Evaluate.self, Init.self, DesignContract.self, Match.self, Effect.self, RateCard.self, Report.self, Synthesize.self, Verify.self]
    )

    static func main() {
        configureAllocator()
        let names = configuration.subcommands.map { $0._commandName }
        if let message = unknownCommandMessage(Array(CommandLine.arguments.dropFirst()), commands: names) {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        // Commands that write manifest.json: gather the machine facts it records while they work.
        let arguments = CommandLine.arguments.dropFirst()
        if let command = arguments.first, ["evaluate", "match", "effect", "ratecard"].contains(command),
           !arguments.contains(where: { $0 == "--help" || $0 == "-h" }) {
            EnvironmentProbe.shared.start()
        }
        main(nil)
    }
}

/// The error for a first argument that is not a command (nil when it is one, or an option):
/// names the closest command when one is within two edits (or starts with what was typed) and
/// lists them all. Exit 64, as any invalid option.
func unknownCommandMessage(_ arguments: [String], commands: [String]) -> String? {
    guard let word = arguments.first, !word.hasPrefix("-"), word != "help", !commands.contains(word) else { return nil }
    let typed = word.lowercased()
    let scored = commands.map { (name: $0, distance: editDistance(typed, $0)) }
    let best = scored.min { $0.distance < $1.distance }
    var message = "counterfactual: '\(word)' is not a command."
    if let prefixed = commands.first(where: { $0.hasPrefix(typed) && !typed.isEmpty }) {
        message += " Did you mean '\(prefixed)'?"
    } else if let best, best.distance <= 2 {
        message += " Did you mean '\(best.name)'?"
    }
    return message + " The commands are: " + commands.joined(separator: ", ") + " (see 'counterfactual --help')."
}

/// Optimal string alignment distance (insertions, deletions, substitutions, adjacent transpositions).
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
    var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
    for i in 0...x.count { d[i][0] = i }
    for j in 0...y.count { d[0][j] = j }
    for i in 1...x.count {
        for j in 1...y.count {
            let cost = x[i - 1] == y[j - 1] ? 0 : 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[x.count][y.count]
}

/// Lets glibc reuse freed large blocks instead of mapping fresh, zero-filled pages for every large
/// temporary array. By default every block above 32 MB is mmapped and unmapped on free, which at ten
/// million rows costs more time in page faults than the arithmetic (measured: 34 s -> 25 s end to
/// end at 10^7 rows, with a lower peak). With mmap off and trimming off, large blocks come from the
/// heap and freed ones are reused.
func configureAllocator() {
    #if canImport(Glibc)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let handle = dlopen(nil, RTLD_NOW) else { return }
    defer { dlclose(handle) }
    guard let symbol = dlsym(handle, "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let trimThreshold: Int32 = -1, mmapMax: Int32 = -4   // M_TRIM_THRESHOLD, M_MMAP_MAX (malloc.h)
    _ = mallopt(mmapMax, 0)
    _ = mallopt(trimThreshold, Int32.max)
    #endif
}

/// Ends a successful run at once (exit status 0; `exit` flushes standard output). A command calls it when
/// its outputs are complete, flushed and in place, and nothing is left to report: the process's
/// memory (hundreds of megabytes of columns at a million rows) then goes back to the system in
/// one step at exit, instead of being released array by array first (about 35 ms at 10^6 rows).
func endProcessWithoutTeardown() -> Never {
    exit(0)
}
