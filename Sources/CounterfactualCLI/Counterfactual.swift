import ArgumentParser
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
        subcommands: [Evaluate.self, Init.self, DesignContract.self, Match.self, RateCard.self, Report.self, Synthesize.self, Verify.self]
    )

    static func main() {
        configureAllocator()
        main(nil)
    }
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
