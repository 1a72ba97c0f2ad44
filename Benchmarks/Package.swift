// swift-tools-version: 6.1
//
// Performance benchmarks for Counterfactual (ordo-one/benchmark). A separate package so that the
// root package's `swift test` does not depend on the benchmark library. See README.md.
//
//   cd Benchmarks && swift package benchmark                  # 100k rows, full table
//   CF_BENCH_ROWS=2000 CF_BENCH_SMOKE=1 swift package benchmark   # smoke run for CI

import PackageDescription

let package = Package(
    name: "CounterfactualBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // Named explicitly: a path dependency is otherwise known by its folder name, which differs
        // between checkouts.
        .package(name: "Counterfactual", path: ".."),
        // Only the MallocInterposer trait: the default traits also pull in
        // swift-runtime-interposer on Linux with Swift 6.3, which is not available here.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CounterfactualBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "CohortData", package: "Counterfactual"),
                .product(name: "Propensity", package: "Counterfactual"),
                .product(name: "Matching", package: "Counterfactual"),
                .product(name: "Balance", package: "Counterfactual"),
                .product(name: "Synthesis", package: "Counterfactual"),
                .product(name: "Randomness", package: "Counterfactual"),
            ],
            path: "Benchmarks/CounterfactualBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
