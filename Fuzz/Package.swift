// swift-tools-version: 6.1
//
// libFuzzer harnesses for the input readers (CSV, dates, TOML plans). A separate package so that
// the fuzzing flags never reach the main package: build and run them with Scripts/fuzz, which
// passes the sanitizer flags on the command line (see Scripts/README.md). Each executable defines
// `LLVMFuzzerTestOneInput` and no `main`; libFuzzer supplies `main`.

import PackageDescription

let package = Package(
    name: "CounterfactualFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "Counterfactual", path: ".."),
        // The root package's TOML parser, named here so the plan-table fuzzer can walk its tables.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // CSVReader.parse on arbitrary bytes, then every table accessor and the reader's invariants.
        .executableTarget(name: "CSVFuzzer", dependencies: [
            .product(name: "CohortData", package: "Counterfactual"),
        ]),
        // CalendarDate.parse against an independent definition of a valid date, and CohortTable.dates.
        .executableTarget(name: "DateFuzzer", dependencies: [
            .product(name: "CohortData", package: "Counterfactual"),
        ]),
        // PlanTable.parse (TOMLKit) and every typed accessor on every key, recursively.
        .executableTarget(name: "PlanTableFuzzer", dependencies: [
            .product(name: "CohortData", package: "Counterfactual"),
            .product(name: "PlanFiles", package: "Counterfactual"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        // ContractPlan.parse.
        .executableTarget(name: "ContractPlanFuzzer", dependencies: [
            .product(name: "Contracts", package: "Counterfactual"),
        ]),
        // RateCardPlan.parse.
        .executableTarget(name: "RateCardPlanFuzzer", dependencies: [
            .product(name: "RateCards", package: "Counterfactual"),
            .product(name: "PaymentRules", package: "Counterfactual"),   // Money (moved out of RateCards)
        ]),
    ],
    swiftLanguageModes: [.v6]
)
