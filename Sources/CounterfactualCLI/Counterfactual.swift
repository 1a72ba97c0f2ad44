import ArgumentParser

/// The program's version, recorded in every output it writes.
let counterfactualVersion = "0.1.0"

@main
struct Counterfactual: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "counterfactual",
        abstract: "Evaluate social outcomes contracts: propensity scores, matching and balance diagnostics.",
        discussion: """
        Counterfactual builds the matched comparison group on which an outcomes payment is decided \
        (as in the HMP Peterborough Social Impact Bond and the Justice Data Lab). Its matching \
        reproduces R's MatchIt 4.7 nearest-neighbour algorithm exactly.

        Exit codes: 0 success; 64 invalid options; 65 invalid data (the message names the file, \
        line and column); 66 an input file cannot be read; 70 the model or the matching cannot \
        be done (separation, collinearity, no matches); 73 an output cannot be written.
        """,
        version: counterfactualVersion,
        subcommands: [Match.self, Synthesize.self]
    )
}
