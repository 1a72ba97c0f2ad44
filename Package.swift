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
        .library(name: "Balance", targets: ["Balance"]),
        .library(name: "MatchedComparison", targets: ["MatchedComparison"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Synthesis", targets: ["Synthesis"]),
        .library(name: "Randomness", targets: ["Randomness"]),
        .library(name: "Distributions", targets: ["Distributions"]),
        .library(name: "Outcomes", targets: ["Outcomes"]),
        .library(name: "Contracts", targets: ["Contracts"]),
        .library(name: "Design", targets: ["Design"]),
        .library(name: "RateCards", targets: ["RateCards"]),
        .library(name: "PlanFiles", targets: ["PlanFiles"]),
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
        // Thin, documented Swift wrappers over the BLAS/LAPACK routines we use.
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK"]),
        // CSV loading, columnar tables, validation, design matrices (R treatment contrasts).
        .target(name: "CohortData", dependencies: ["Parallel"]),
        // Propensity scores: binomial GLM (logit/probit) by IRLS.
        .target(name: "Propensity", dependencies: ["LinearAlgebra", "Distributions", "Parallel"]),
        // Sums, means and standard deviations as R computes them (extended-precision accumulation).
        .target(name: "RArithmetic"),
        // Order-preserving parallel map over DispatchQueue.concurrentPerform.
        .target(name: "Parallel"),
        // Stable O(n) ordering of doubles (radix sort), shared by matching and balance.
        .target(name: "Sorting"),
        // Nearest-neighbour matching (MatchIt 4.7 algorithm), common support, calipers, weights.
        .target(name: "Matching", dependencies: ["Sorting", "Randomness", "Parallel", "RArithmetic"]),
        // Balance diagnostics (MatchIt summary(): SMD, variance ratio, eCDF statistics).
        .target(name: "Balance", dependencies: ["Sorting", "Parallel", "RArithmetic"]),
        // The one matching pipeline (MatchIt's matchit()): MatchingPlan -> model frame -> propensity
        // fit or user distance -> exact cells -> one type per method -> balance.
        .target(name: "MatchedComparison", dependencies: ["CohortData", "Propensity", "Matching", "Balance", "PlanFiles"]),
        // Seeded random streams (xoshiro256**) and arithmetic-only log/exp: same numbers on every machine.
        .target(name: "Randomness"),
        // Synthetic offender cohorts with known propensity and treatment effect (deterministic streams).
        .target(name: "Synthesis", dependencies: ["CohortData", "Randomness", "Parallel"]),
        // Probability distributions (normal, Student t, chi-square; incomplete beta and gamma).
        .target(name: "Distributions"),
        // Outcome comparisons on matched samples: rates, weighted/cluster-robust regression, tests,
        // Poisson and negative binomial rate ratios, cluster bootstrap, Kaplan-Meier and log-rank.
        .target(name: "Outcomes", dependencies: ["Distributions", "LinearAlgebra", "CohortData", "Randomness", "Parallel", "RArithmetic"]),
        // Typed, key-checked reading of TOML plan files, shared by contract and rate-card plans.
        .target(name: "PlanFiles", dependencies: ["CohortData", .product(name: "TOMLKit", package: "TOMLKit")]),
        // Outcomes contracts: evaluation plans (TOML), per-cohort evaluation, payment triggers and caps.
        .target(name: "Contracts", dependencies: [
            "CohortData", "Propensity", "Matching", "Balance", "MatchedComparison", "Outcomes", "Distributions", "PlanFiles",
        ]),
        // Contract design: detectable reductions, power, and seeded Monte Carlo of payouts.
        .target(name: "Design", dependencies: ["Distributions", "Randomness"]),
        // Rate-card contracts: price per outcome per person, chains, caps by date, payers' shares.
        .target(name: "RateCards", dependencies: ["CohortData", "PlanFiles"]),
        // Writers for matches.csv, summary.json and readable tables.
        .target(name: "Reporting", dependencies: [
            "CohortData", "Propensity", "Matching", "Balance", "MatchedComparison", "Outcomes", "Contracts", "Parallel",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(
            name: "CounterfactualCLI",
            dependencies: [
                "CohortData", "Propensity", "Matching", "Balance", "MatchedComparison", "Reporting", "Synthesis", "Contracts",
                "Design", "RateCards", "PlanFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fixture location and a minimal reader for the R-generated fixture files (tests only).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "SortingTests", dependencies: ["Sorting"]),
        .testTarget(name: "ParallelTests", dependencies: ["Parallel"]),
        .testTarget(name: "RArithmeticTests", dependencies: ["TestSupport", "RArithmetic"]),
        .testTarget(name: "RandomnessTests", dependencies: ["TestSupport", "Randomness"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "CohortDataTests", dependencies: ["TestSupport", "CohortData"]),
        .testTarget(name: "PropensityTests", dependencies: ["TestSupport", "Propensity", "CohortData"]),
        .testTarget(name: "MatchingTests", dependencies: ["TestSupport", "Matching", "Propensity", "CohortData"]),
        .testTarget(name: "BalanceTests", dependencies: ["TestSupport", "Balance"]),
        .testTarget(name: "MatchedComparisonTests", dependencies: ["TestSupport", "MatchedComparison", "Matching", "Propensity", "CohortData", "PlanFiles"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "CohortData"]),
        .testTarget(name: "DistributionsTests", dependencies: ["TestSupport", "Distributions"]),
        .testTarget(name: "OutcomesTests", dependencies: ["TestSupport", "Outcomes", "Distributions"]),
        .testTarget(name: "PlanFilesTests", dependencies: ["PlanFiles", "CohortData"]),
        .testTarget(name: "ContractsTests", dependencies: ["TestSupport", "Contracts", "CohortData", "MatchedComparison"]),
        .testTarget(name: "DesignTests", dependencies: ["TestSupport", "Design", "Distributions", "Randomness"]),
        .testTarget(name: "RateCardsTests", dependencies: ["TestSupport", "RateCards", "CohortData"]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "CounterfactualCLI", "Reporting"]),
    ],
    swiftLanguageModes: [.v6]
)
