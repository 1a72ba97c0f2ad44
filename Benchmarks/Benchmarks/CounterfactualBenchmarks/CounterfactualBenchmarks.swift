// Benchmarks of Counterfactual's pipeline stages on a synthetic offender cohort.
//
// Data: `OffenderCohortModel(rows: CF_BENCH_ROWS, treatedShare: 0.1, seed: 1)` (the same file as
// `counterfactual synthesize --rows N --treated-share 0.1 --seed 1`), written once per benchmark
// process to a private temporary folder and removed at exit. Everything a benchmark needs but does
// not measure (loading, the model frame, the propensity fit, a reference match) is built in its
// `setup` hook, outside the measured region.
//
// Environment:
//   CF_BENCH_ROWS        rows of the synthetic cohort (default 100000)
//   CF_BENCH_SMOKE=1     one measured iteration per benchmark, no warm-up, 2 bootstrap replicates
//                        (a quick check that everything runs, for CI)
//   CF_BENCH_REPLICATES  bootstrap replicates per measured iteration (default 20)

import Balance
import Benchmark
import CohortData
import Foundation
import Matching
import Randomness
import Propensity
import Synthesis

// MARK: - Settings

enum Settings {
    static let environment = ProcessInfo.processInfo.environment

    /// Rows of the synthetic cohort.
    static let rows: Int = {
        guard let text = environment["CF_BENCH_ROWS"] else { return 100_000 }
        guard let n = Int(text.replacingOccurrences(of: "_", with: "")), n >= 1_000 else {
            fatalError("CF_BENCH_ROWS must be an integer of at least 1000, got '\(text)'")
        }
        return n
    }()

    /// Smoke mode: one iteration of everything.
    static let smoke: Bool = {
        guard let v = environment["CF_BENCH_SMOKE"] else { return false }
        return !v.isEmpty && v != "0"
    }()

    /// Bootstrap replicates per measured iteration.
    static let replicates: Int = {
        if let text = environment["CF_BENCH_REPLICATES"], let n = Int(text), n >= 1 { return n }
        return smoke ? 2 : 20
    }()

    /// Short size label for benchmark names, e.g. "100k", "1M".
    static let sizeLabel: String = {
        if rows % 1_000_000 == 0 { return "\(rows / 1_000_000)M" }
        if rows % 1_000 == 0 { return "\(rows / 1_000)k" }
        return "\(rows)"
    }()

    /// The covariates of `counterfactual match` for this cohort (12).
    static let covariates = OffenderCohortModel.covariates
    static let treatment = "treat"
    static let caliper = 0.2
}

// MARK: - Fixture (built once per process, on demand)

/// The data every benchmark starts from. Built lazily, at most once per process, under a lock.
final class Fixture: @unchecked Sendable {
    static let shared = Fixture()

    private let lock = NSLock()
    private var folder: URL?
    private var _csvPath: String?
    private var _frame: ModelFrame?
    private var _distance: [Double]?
    private var _reference: MatchResult?

    /// The cohort CSV (written on first use).
    func csvPath() throws -> String {
        lock.lock(); defer { lock.unlock() }
        if let p = _csvPath { return p }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("counterfactual-bench-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        folder = dir
        let path = dir.appendingPathComponent("cohort-\(Settings.rows).csv").path
        let model = OffenderCohortModel(rows: Settings.rows, treatedShare: 0.1, effect: 0.1, seed: 1)
        try model.write(cohortTo: path, eventsTo: nil)
        _csvPath = path
        return path
    }

    /// The columns `counterfactual match` loads: treatment and the 12 covariates.
    static var loadedColumns: [String] { [Settings.treatment] + Settings.covariates }

    /// The validated model frame (treatment and 12 covariates; categorical ones expanded).
    func frame() throws -> ModelFrame {
        let path = try csvPath()
        lock.lock(); defer { lock.unlock() }
        if let f = _frame { return f }
        let table = try CSVReader.read(path: path, options: CSVReadOptions(columns: Self.loadedColumns))
        let f = try ModelFrame(table: table, treatment: Settings.treatment, covariates: Settings.covariates)
        _frame = f
        return f
    }

    /// The linear-logit distance of the full cohort's propensity model.
    func distance() throws -> [Double] {
        let f = try frame()
        lock.lock(); defer { lock.unlock() }
        if let d = _distance { return d }
        let fit = try BinomialGLM.fit(
            columns: f.modelColumns.map(\.values), names: f.modelColumns.map(\.name),
            response: f.treatment, link: .logit)
        let d = DistanceLink.linearLogit.distance(from: fit)
        _distance = d
        return d
    }

    /// Treatment as booleans.
    func treated() throws -> [Bool] { try frame().treatment.map { $0 == 1 } }

    /// The 1:1 caliper-0.2 match on the linear logit (input to the balance benchmark).
    func referenceMatch() throws -> MatchResult {
        let d = try distance()
        let t = try treated()
        lock.lock(); defer { lock.unlock() }
        if let r = _reference { return r }
        let r = try NearestNeighborMatcher.match(
            treated: t, distance: d, specification: NearestNeighborSpecification(caliper: Settings.caliper))
        _reference = r
        return r
    }

    /// Removes the temporary folder.
    func removeFiles() {
        lock.lock(); defer { lock.unlock() }
        if let folder { try? FileManager.default.removeItem(at: folder) }
        folder = nil
        _csvPath = nil
    }
}

// MARK: - Bootstrap

/// One bootstrap replicate: draw `n` rows with replacement, refit the propensity model on the
/// resample, and rematch 1:1 with a 0.2 caliper on the linear logit. Returns the number of
/// matched treated units (so the work cannot be optimised away).
func bootstrapReplicate(frame: ModelFrame, columns: [[Double]], names: [String], seed: UInt64) throws -> Int {
    let n = frame.count
    var rng = RandomStream(seed: seed)
    var rows = [Int](repeating: 0, count: n)
    for i in 0..<n { rows[i] = rng.integer(below: n) }
    let y = rows.map { frame.treatment[$0] }
    let x = columns.map { c in rows.map { c[$0] } }
    let fit = try BinomialGLM.fit(columns: x, names: names, response: y, link: .logit)
    let result = try NearestNeighborMatcher.match(
        treated: y.map { $0 == 1 }, distance: DistanceLink.linearLogit.distance(from: fit),
        specification: NearestNeighborSpecification(caliper: Settings.caliper))
    return result.matchedCounts.treated
}

// MARK: - Benchmarks

/// Runs `body` and reports a failure to the benchmark instead of crashing.
func run(_ benchmark: Benchmark, _ body: () throws -> Void) {
    do { try body() } catch { benchmark.error("\(error)") }
}

let benchmarks: @Sendable () -> Void = {
    let fixture = Fixture.shared
    let smoke = Settings.smoke
    let size = Settings.sizeLabel

    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .peakMemoryResident, .peakMemoryResidentDelta, .mallocCountTotal],
        timeUnits: .milliseconds,
        warmupIterations: smoke ? 0 : 1,
        maxDuration: .seconds(smoke ? 1 : 10),
        maxIterations: smoke ? 1 : 10
    )
    Benchmark.teardown = { fixture.removeFiles() }

    // Loading: the 13 columns `counterfactual match` needs, out of 17 (multi-threaded parser).
    Benchmark("CSV load (\(size) rows, 13 of 17 columns)",
              configuration: .init(setup: { _ = try fixture.csvPath() })) { benchmark in
        run(benchmark) {
            let path = try fixture.csvPath()
            benchmark.startMeasurement()
            let table = try CSVReader.read(path: path, options: CSVReadOptions(columns: Fixture.loadedColumns))
            benchmark.stopMeasurement()
            blackHole(table)
        }
    }

    // Validation and design matrix (R treatment contrasts) from a loaded table.
    Benchmark("Model frame (\(size) rows)",
              configuration: .init(setup: { _ = try fixture.csvPath() })) { benchmark in
        run(benchmark) {
            let table = try CSVReader.read(path: fixture.csvPath(),
                                           options: CSVReadOptions(columns: Fixture.loadedColumns))
            benchmark.startMeasurement()
            let frame = try ModelFrame(table: table, treatment: Settings.treatment, covariates: Settings.covariates)
            benchmark.stopMeasurement()
            blackHole(frame)
        }
    }

    // Propensity model: logit GLM by IRLS on the 12 covariates (19 design columns + intercept).
    Benchmark("Propensity fit, logit GLM (\(size) rows)",
              configuration: .init(setup: { _ = try fixture.frame() })) { benchmark in
        run(benchmark) {
            let frame = try fixture.frame()
            let columns = frame.modelColumns.map(\.values), names = frame.modelColumns.map(\.name)
            benchmark.startMeasurement()
            let fit = try BinomialGLM.fit(columns: columns, names: names, response: frame.treatment, link: .logit)
            benchmark.stopMeasurement()
            blackHole(fit)
        }
    }

    // Matching on the fitted linear logit.
    let matchCases: [(String, NearestNeighborSpecification)] = [
        ("Match 1:1 caliper 0.2, no replacement", NearestNeighborSpecification(caliper: Settings.caliper)),
        ("Match 1:1 with replacement", NearestNeighborSpecification(replace: true)),
        ("Match 10:1 no replacement", NearestNeighborSpecification(ratio: 10)),
        ("Match 10:1 with replacement", NearestNeighborSpecification(ratio: 10, replace: true)),
    ]
    for (label, spec) in matchCases {
        Benchmark("\(label) (\(size) rows)",
                  configuration: .init(setup: { _ = try fixture.distance() })) { benchmark in
            run(benchmark) {
                let d = try fixture.distance(), t = try fixture.treated()
                benchmark.startMeasurement()
                let result = try NearestNeighborMatcher.match(treated: t, distance: d, specification: spec)
                benchmark.stopMeasurement()
                blackHole(result)
            }
        }
    }

    // Balance: MatchIt summary() of the 1:1 caliper match (distance + 22 balance columns).
    Benchmark("Balance summary after 1:1 caliper (\(size) rows)",
              configuration: .init(setup: { _ = try fixture.referenceMatch() })) { benchmark in
        run(benchmark) {
            let frame = try fixture.frame(), d = try fixture.distance(), t = try fixture.treated()
            let result = try fixture.referenceMatch()
            let inputs = [BalanceCovariate(name: "distance", values: d)]
                + frame.balanceColumns.map { BalanceCovariate(name: $0.name, values: $0.values) }
            let matrix = MatchMatrix(focalUnits: result.focalUnits, matches: result.matches)
            benchmark.startMeasurement()
            let summary = summarizeBalance(
                covariates: inputs, treated: t, weights: result.weights, subclass: result.subclass,
                discarded: result.discarded, estimand: .att, matchMatrix: matrix)
            benchmark.stopMeasurement()
            blackHole(summary)
        }
    }

    // Bootstrap-like repeated matching: R replicates of (resample rows, refit, rematch 1:1 caliper).
    let replicates = Settings.replicates
    Benchmark("Bootstrap \(replicates)x (resample, refit, match 1:1 caliper) (\(size) rows)",
              configuration: .init(warmupIterations: 0, maxDuration: .seconds(smoke ? 1 : 30),
                                   maxIterations: smoke ? 1 : 3,
                                   setup: { _ = try fixture.frame() })) { benchmark in
        run(benchmark) {
            let frame = try fixture.frame()
            let columns = frame.modelColumns.map(\.values), names = frame.modelColumns.map(\.name)
            benchmark.startMeasurement()
            var matched = 0
            for r in 0..<replicates {
                matched += try bootstrapReplicate(frame: frame, columns: columns, names: names,
                                                  seed: 0x5EED_0000 + UInt64(r))
            }
            benchmark.stopMeasurement()
            blackHole(matched)
        }
    }
}
