// swift-tools-version: 6.1
//
// Counterfactual: evaluation of social outcomes contracts (Social Impact Bonds).
// Modules are small and named for what they do; see README.md for the map.

import PackageDescription

let package = Package(
    name: "Counterfactual",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "counterfactual", targets: ["CounterfactualCLI"]),
        .library(name: "CohortData", targets: ["CohortData"]),
        .library(name: "Propensity", targets: ["Propensity"]),
        .library(name: "Matching", targets: ["Matching"]),
        .library(name: "NetworkFlow", targets: ["NetworkFlow"]),
        .library(name: "Balance", targets: ["Balance"]),
        .library(name: "MatchedComparison", targets: ["MatchedComparison"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "TextFormatting", targets: ["TextFormatting"]),
        .library(name: "Spreadsheets", targets: ["Spreadsheets"]),
        .library(name: "Synthesis", targets: ["Synthesis"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "Distributions", targets: ["Distributions"]),
        .library(name: "Outcomes", targets: ["Outcomes"]),
        .library(name: "PaymentRules", targets: ["PaymentRules"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Design", targets: ["Design"]),
        .library(name: "RateCards", targets: ["RateCards"]),
        .library(name: "PlanFiles", targets: ["PlanFiles"]),
        .library(name: "Sensitivity", targets: ["Sensitivity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        // Reference BLAS/LAPACK (Debian libblas-dev, liblapack-dev); OpenBLAS can be
        // swapped in at run time through Debian alternatives.
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK"),
        // The one "cannot write the output" error, shared by every module that writes files.
        .target(name: "OutputFiles"),
        // Small C wrappers for system calls Swift cannot reach directly (atomic folder exchange).
        .target(name: "CSystemShims"),
        // The AVX2 kernels of LinearAlgebra's fixed-order kernels and of the logit link's rows
        // (chosen at run time; the same bits as the portable Swift code).
        .target(name: "CFixedOrderKernels"),
        // Thin, documented Swift wrappers over the BLAS/LAPACK routines we use.
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK", "CFixedOrderKernels"]),
        // ReadStat (Debian libreadstat-dev): Stata, SPSS and SAS data files.
        .systemLibrary(name: "CReadStat", path: "Sources/CReadStat", providers: [.apt(["libreadstat-dev"])]),
        // zlib (Debian zlib1g-dev): gzip-compressed CSV.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Columns of numbers for the model and balance stages: doubles, or level indicators over codes.
        .target(name: "Columns"),
        // Loading CSV (plain or gzip) and Stata/SPSS/SAS files into columnar tables, validation,
        // design matrices (R treatment contrasts).
        .target(name: "CohortData", dependencies: ["Parallel", "CReadStat", "CZlib", "Columns", "HugePages"]),
        // Propensity scores: binomial GLM (logit/probit) by IRLS.
        .target(name: "Propensity", dependencies: ["LinearAlgebra", "Distributions", "Parallel", "Columns", "HugePages", "CFixedOrderKernels"]),
        // Sums, means and standard deviations as R computes them (extended-precision accumulation).
        .target(name: "RArithmetic"),
        // Order-preserving parallel map over DispatchQueue.concurrentPerform.
        .target(name: "Parallel"),
        // Stable O(n) ordering of doubles (radix sort), shared by matching and balance.
        .target(name: "Sorting", dependencies: ["HugePages", "Parallel"]),
        // Transparent huge pages advised for large arrays (madvise): fewer page faults, same values.
        .target(name: "HugePages", dependencies: ["Parallel"]),
        // Exact minimum-cost flow on sparse networks (successive shortest paths with potentials).
        .target(name: "NetworkFlow"),
        // Nearest-neighbour matching (MatchIt 4.7 algorithm), common support, calipers, weights;
        // optimal pair and full matching (optmatch's network formulation) on NetworkFlow.
        .target(name: "Matching", dependencies: ["Sorting", "Randomness", "Parallel", "RArithmetic", "NetworkFlow", "HugePages", "Columns"]),
        // Balance diagnostics (MatchIt summary(): SMD, variance ratio, eCDF statistics).
        .target(name: "Balance", dependencies: ["Sorting", "Parallel", "RArithmetic", "Columns"]),
        // The one matching pipeline (MatchIt's matchit()): MatchingPlan -> model frame -> propensity
        // fit or user distance -> exact cells -> one type per method -> balance.
        .target(name: "MatchedComparison", dependencies: ["CohortData", "Propensity", "Matching", "Balance", "PlanFiles", "Columns", "Parallel"]),
        // Seeded random streams (xoshiro256**) and arithmetic-only log/exp: same numbers on every machine.
        .target(name: "Randomness"),
        // Synthetic offender cohorts with known propensity and treatment effect (deterministic streams).
        .target(name: "Synthesis", dependencies: ["CohortData", "Randomness", "Parallel", "OutputFiles"]),
        // Probability distributions (normal, Student t, chi-square; incomplete beta and gamma).
        .target(name: "Distributions"),
        // Outcome comparisons on matched samples: rates, weighted/cluster-robust regression, tests,
        // Poisson and negative binomial rate ratios, cluster bootstrap, Kaplan-Meier and log-rank.
        .target(name: "Outcomes", dependencies: ["Distributions", "LinearAlgebra", "CohortData", "Randomness", "Parallel", "RArithmetic"]),
        // GNU MP rational arithmetic (Debian libgmp-dev), for exact payment decisions.
        .systemLibrary(name: "CGMP", path: "Sources/CGMP", providers: [.apt(["libgmp-dev"])]),
        // The payment rule of reduction-triggered contracts in exact arithmetic (rationals, integer
        // pence): one decision used by evaluation and by the design simulation. Money lives here.
        .target(name: "PaymentRules", dependencies: ["CGMP"]),
        // Typed, key-checked reading of TOML plan files, shared by contract and rate-card plans.
        .target(name: "PlanFiles", dependencies: ["CohortData", "PaymentRules", .product(name: "TOMLKit", package: "TOMLKit")]),
        // Sensitivity to hidden bias: Rosenbaum bounds (critical Gamma) and E-values.
        .target(name: "Sensitivity", dependencies: ["Distributions", "RArithmetic"]),
        // Outcomes contracts: evaluation plans (TOML) and per-cohort evaluation; payments by PaymentRules.
        .target(name: "Contracts", dependencies: [
            "CohortData", "Propensity", "Matching", "Balance", "MatchedComparison", "Outcomes", "Distributions", "PlanFiles", "PaymentRules",
            "Sensitivity",
        ]),
        // Contract design: detectable reductions, power, and seeded Monte Carlo of payouts.
        .target(name: "Design", dependencies: ["Distributions", "Randomness", "PaymentRules"]),
        // Rate-card contracts: price per outcome per person, chains, caps by date, payers' shares.
        .target(name: "RateCards", dependencies: ["CohortData", "PlanFiles", "PaymentRules", "TextFormatting"]),
        // libxlsxwriter (Debian libxlsxwriter-dev), for .xlsx workbooks.
        .systemLibrary(name: "CXLSXWriter", path: "Sources/CXLSXWriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // Typed tables (text, counts, money in pence, percentages) written as .xlsx workbooks.
        .target(name: "Spreadsheets", dependencies: ["CXLSXWriter", "OutputFiles"]),
        // Numbers with fixed decimals, aligned text tables and CSV field quoting (no dependencies).
        .target(name: "TextFormatting"),
        // Result documents (summary.json, evaluation.json, ledger.json, manifest.json) as Codable
        // types with an ordered, deterministic JSON encoding; matches.csv; the HTML/Markdown report.
        .target(name: "Reporting", dependencies: [
            "CohortData", "Columns", "Propensity", "Matching", "Balance", "MatchedComparison", "Outcomes", "Contracts", "PaymentRules",
            "RateCards", "Parallel", "TextFormatting", "OutputFiles", "Spreadsheets", "Distributions", "Sensitivity",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(
            name: "CounterfactualCLI",
            dependencies: [
                "CohortData", "Propensity", "Matching", "Balance", "MatchedComparison", "Reporting", "Synthesis", "Contracts",
                "PaymentRules", "Design", "RateCards", "PlanFiles", "CSystemShims", "TextFormatting", "OutputFiles", "Spreadsheets",
                "Parallel", "Outcomes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixture location and a minimal reader for the R-generated fixture files (tests only).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SortingTests", dependencies: ["TestSupport", "Sorting"]),
        .testTarget(name: "HugePagesTests", dependencies: ["HugePages"]),
        .testTarget(name: "ParallelTests", dependencies: ["Parallel"]),
        .testTarget(name: "RArithmeticTests", dependencies: ["TestSupport", "RArithmetic"]),
        .testTarget(name: "RandomnessTests", dependencies: ["TestSupport", "Randomness"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "CohortDataTests", dependencies: ["TestSupport", "CohortData", "Columns"]),
        .testTarget(name: "PropensityTests", dependencies: ["TestSupport", "Propensity", "CohortData", "Columns", "LinearAlgebra", "CFixedOrderKernels", "Distributions", "Parallel"]),
        .testTarget(name: "MatchingTests", dependencies: ["TestSupport", "Matching", "Propensity", "CohortData", "NetworkFlow", "Columns"]),
        .testTarget(name: "NetworkFlowTests", dependencies: ["TestSupport", "NetworkFlow"]),
        .testTarget(name: "BalanceTests", dependencies: ["TestSupport", "Balance", "Columns", "Parallel", "RArithmetic"]),
        .testTarget(name: "MatchedComparisonTests", dependencies: ["TestSupport", "MatchedComparison", "Matching", "Propensity", "CohortData", "PlanFiles"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "CohortData"]),
        .testTarget(name: "DistributionsTests", dependencies: ["TestSupport", "Distributions"]),
        .testTarget(name: "SensitivityTests", dependencies: ["TestSupport", "Sensitivity"]),
        .testTarget(name: "OutcomesTests", dependencies: ["TestSupport", "Outcomes", "Distributions", "CohortData", "Parallel"]),
        .testTarget(name: "PlanFilesTests", dependencies: ["PlanFiles", "CohortData"]),
        .testTarget(name: "PaymentRulesTests", dependencies: ["PaymentRules"]),
        .testTarget(name: "ContractsTests", dependencies: ["TestSupport", "Contracts", "PaymentRules", "CohortData", "MatchedComparison", "Matching"]),
        .testTarget(name: "DesignTests", dependencies: ["TestSupport", "Design", "PaymentRules", "Distributions", "Randomness"]),
        .testTarget(name: "RateCardsTests", dependencies: ["TestSupport", "RateCards", "PaymentRules", "CohortData"]),
        .testTarget(name: "TextFormattingTests", dependencies: ["TextFormatting"]),
        .testTarget(name: "ReportingTests", dependencies: ["TestSupport", "Reporting", "RateCards", "CohortData", "Contracts", "MatchedComparison", "Sensitivity", "TextFormatting"]),
        .testTarget(name: "SpreadsheetsTests", dependencies: ["Spreadsheets", "OutputFiles"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "CounterfactualCLI", "Reporting", "Outcomes"]),
    ],
    swiftLanguageModes: [.v6]
)
