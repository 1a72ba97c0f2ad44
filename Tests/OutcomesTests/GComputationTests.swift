import XCTest
import Parallel
import TestSupport
@testable import Outcomes

/// G-computation after matching against R (`Scripts/fixtures-effects.R`): `lm`/`glm` with the
/// matching weights, `sandwich::vcovCL(cluster = ~subclass)` or `vcovHC(type = "HC3")`, and the
/// delta method with the analytic Jacobian, on four matched designs (lalonde 1:1 ATT; a synthetic
/// cohort 2:1 ATT and 1:1 ATC; the same cohort subclassified for the ATE), three families, with and
/// without covariates.
///
/// Tolerances (relative): 1e-8 on p₁, p₀, the contrasts and every standard error (both sides stop
/// IRLS at a relative deviance change below 1e-8 from the same start, so they agree to rounding;
/// measured below 1e-11). Bootstrap intervals: 1e-12 on `boot.ci`'s percentile and BCa limits
/// from the same replicates and influence values; 1e-8 on the jackknife estimates.
final class GComputationTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    struct EffectDesign {
        let name: String
        let sample: FixtureTable
        let results: FixtureTable
        let target: GComputation.Target

        init(_ name: String, _ target: GComputation.Target) throws {
            self.name = name
            self.target = target
            sample = try FixtureTable(contentsOf: Fixtures.file("effects/\(name)_sample.csv"))
            results = try FixtureTable(contentsOf: Fixtures.file("effects/\(name)_results.csv"))
        }

        var covariateNames: [String] { Array(sample.header.dropFirst(6)) }

        func procedure(_ family: OutcomeFamily, covariates: Bool) throws -> GComputation {
            let outcome = sample.doubles("y_" + family.rawValue).map { $0! }
            let matched = try MatchedSample(outcome: outcome, treated: sample.integers("treat").map { $0 == 1 },
                                            weights: sample.doubles("weight").map { $0! },
                                            cluster: sample.integers("subclass"))
            let columns = covariates ? covariateNames.map { (name: $0, values: sample.doubles($0).map { $0! }) } : []
            return try GComputation(sample: matched, covariates: columns, family: family, target: target)
        }
    }

    static let designs: [(String, GComputation.Target, [GComputation.Covariance])] = [
        ("lalonde_att", .att, [.clusterRobust, .hc3]),
        ("synth_att2", .att, [.clusterRobust, .hc3]),
        ("synth_atc", .atc, [.clusterRobust, .hc3]),
        ("synth_ate_sub", .ate, [.hc3]),
    ]

    func testDeltaMethodMatchesR() throws {
        var checked = 0
        for (name, target, covariances) in Self.designs {
            let design = try EffectDesign(name, target)
            for family in OutcomeFamily.allCases {
                for covariates in [false, true] {
                    let procedure = try design.procedure(family, covariates: covariates)
                    for covariance in covariances {
                        let result = try procedure.estimate(covariance: covariance)
                        let label = "\(name) \(family.rawValue) \(covariates ? "interaction" : "treat") \(covariance.rawValue)"
                        var got: [(String, Estimate)] = [("p1", result.treatedMean), ("p0", result.controlMean)]
                        for e in result.effects {
                            got.append((e.kind == .difference ? "difference" : e.kind == .ratio ? "log_ratio" : "log_odds_ratio", e.scale))
                        }
                        for (quantity, estimate) in got {
                            guard let row = rows(design.results, where: [
                                "family": family.rawValue, "formula": covariates ? "interaction" : "treat",
                                "vcov": covariance.rawValue, "quantity": quantity,
                            ]).first else { XCTFail("no R row for \(label) \(quantity)"); continue }
                            assertClose(estimate.estimate, value(design.results, row, "estimate"), 1e-8,
                                        "\(quantity) [\(label)]", log: Self.log, scale: abs(result.treatedMean.estimate))
                            assertClose(estimate.standardError, value(design.results, row, "se"), 1e-8,
                                        "\(quantity) se [\(label)]", log: Self.log)
                            checked += 1
                        }
                    }
                }
            }
        }
        // Per formula and covariance: 3 (gaussian) + 5 (binomial) + 4 (poisson) quantities.
        XCTAssertEqual(checked, 3 * (12 * 2 * 2) + 12 * 2 * 1)
    }

    /// After matching with replacement (`Scripts/fixtures-effects-replace.R`): the model on
    /// `get_matches()` rows, `vcovCL(fit, cluster = ~subclass + id)` (two-way) or HC3, 2:1 nearest
    /// with replacement on the synthetic cohort, three families, with and without covariates; 1e-8.
    func testMatchedWithReplacementMatchesR() throws {
        let units = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_units.csv"))
        let pairs = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_pairs.csv"))
        let results = try FixtureTable(contentsOf: Fixtures.file("effects/synth_replace_results.csv"))
        var focalUnits: [Int] = [], matches: [[Int]] = []
        for p in pairs.rows {
            let focal = Int(p[pairs.index(of: "focal")])!, match = Int(p[pairs.index(of: "match")])!
            if focalUnits.last != focal { focalUnits.append(focal); matches.append([]) }
            matches[matches.count - 1].append(match)
        }
        let treated = units.integers("treat").map { $0 == 1 }
        let covariateNames = Array(units.header.dropFirst(4))
        var checked = 0
        for family in OutcomeFamily.allCases {
            let y = units.doubles("y_" + family.rawValue).map { $0! }
            let expanded = try MatchedSetRows(outcome: y, treated: treated, focalUnits: focalUnits, matches: matches)
            XCTAssertTrue(expanded.reusesUnits)
            for covariates in [false, true] {
                let columns = covariates ? covariateNames.map { (name: $0, values: units.doubles($0).map { $0! }) } : []
                let procedure = try GComputation(rows: expanded, covariates: columns, family: family, target: .att)
                for (covariance, key) in [(GComputation.Covariance.setAndUnit, "set_and_unit"), (.hc3, "HC3")] {
                    let result = try procedure.estimate(covariance: covariance)
                    let label = "replace \(family.rawValue) \(covariates ? "interaction" : "treat") \(key)"
                    var got: [(String, Estimate)] = [("p1", result.treatedMean), ("p0", result.controlMean)]
                    for e in result.effects {
                        got.append((e.kind == .difference ? "difference" : e.kind == .ratio ? "log_ratio" : "log_odds_ratio", e.scale))
                    }
                    for (quantity, estimate) in got {
                        guard let row = rows(results, where: [
                            "family": family.rawValue, "formula": covariates ? "interaction" : "treat", "vcov": key, "quantity": quantity,
                        ]).first else { XCTFail("no R row for \(label) \(quantity)"); continue }
                        assertClose(estimate.estimate, value(results, row, "estimate"), 1e-8,
                                    "\(quantity) [\(label)]", log: Self.log, scale: abs(result.treatedMean.estimate))
                        assertClose(estimate.standardError, value(results, row, "se"), 1e-8, "\(quantity) se [\(label)]", log: Self.log)
                        checked += 1
                    }
                    if covariance == .setAndUnit { XCTAssertEqual(result.clusters, focalUnits.count) }
                }
            }
            // The one-row-per-unit covariances need the unit sample; the bootstrap is refused.
            let procedure = try GComputation(rows: expanded, covariates: [], family: family, target: .att)
            XCTAssertThrowsError(try procedure.bootstrap(replicates: 10, seed: 1))
            XCTAssertThrowsError(try GComputation(rows: expanded, covariates: [], family: family, target: .ate))
        }
        XCTAssertEqual(checked, 12 * 2 * 2)
        // A one-row-per-unit sample has no unit structure for the two-way covariance.
        let design = try EffectDesign("synth_att2", .att)
        XCTAssertThrowsError(try design.procedure(.gaussian, covariates: false).estimate(covariance: .setAndUnit))
    }

    func testEffectMeasuresByFamily() throws {
        let design = try EffectDesign("lalonde_att", .att)
        XCTAssertEqual(try design.procedure(.gaussian, covariates: false).measures, [.difference])
        XCTAssertEqual(try design.procedure(.binomial, covariates: false).measures, [.difference, .ratio, .oddsRatio])
        XCTAssertEqual(try design.procedure(.poisson, covariates: false).measures, [.difference, .ratio])
        // Without covariates and weights 1, the g-computation means are the group means.
        let r = try design.procedure(.gaussian, covariates: false).estimate(covariance: .clusterRobust)
        let y = design.sample.doubles("y_gaussian").map { $0! }, t = design.sample.integers("treat")
        let treatedMean = zip(y, t).filter { $0.1 == 1 }.map(\.0).reduce(0, +) / Double(t.filter { $0 == 1 }.count)
        XCTAssertEqual(r.treatedMean.estimate, treatedMean, accuracy: 1e-9 * abs(treatedMean))
        XCTAssertEqual(r.clusters, 185)
        XCTAssertEqual(r.termNames, ["(Intercept)", "treat"])
    }

    func testRefusals() throws {
        let design = try EffectDesign("lalonde_att", .att)
        // A binary family refuses a non-binary outcome.
        let matched = try MatchedSample(outcome: design.sample.doubles("y_gaussian").map { $0! },
                                        treated: design.sample.integers("treat").map { $0 == 1 },
                                        weights: design.sample.doubles("weight").map { $0! })
        XCTAssertThrowsError(try GComputation(sample: matched, covariates: [], family: .binomial, target: .att))
        // Without cluster ids the cluster-robust covariance is refused (HC3 works).
        let procedure = try GComputation(sample: matched, covariates: [], family: .gaussian, target: .att)
        XCTAssertThrowsError(try procedure.estimate(covariance: .clusterRobust))
        XCTAssertNoThrow(try procedure.estimate(covariance: .hc3))
        // A covariate duplicated is collinear.
        let educ = design.sample.doubles("educ").map { $0! }
        let twice = try GComputation(sample: matched, covariates: [("educ", educ), ("educ2", educ.map { 2 * $0 })],
                                     family: .gaussian, target: .att)
        XCTAssertThrowsError(try twice.estimate(covariance: .hc3)) { error in
            XCTAssertTrue("\(error)".contains("educ2"), "\(error)")
        }
        XCTAssertThrowsError(try procedure.bootstrap(replicates: 1, seed: 1))
    }

    func testBootstrapIntervalsMatchBootCI() throws {
        let replicates = try FixtureTable(contentsOf: Fixtures.file("effects/bootstrap_replicates.csv")).doubles("replicate").map { $0! }
        let influence = try FixtureTable(contentsOf: Fixtures.file("effects/bootstrap_influence.csv"))
        let intervals = try FixtureTable(contentsOf: Fixtures.file("effects/bootstrap_intervals.csv"))
        let l = influence.doubles("influence").map { $0! }
        for row in intervals.rows {
            let level = intervals.number(row, "level"), estimate = intervals.number(row, "estimate")
            let percentile = try BootstrapInterval.percentile(replicates: replicates, level: level)
            assertClose(percentile.lower, intervals.number(row, "percentile_lower"), 1e-12, "percentile lower", log: Self.log)
            assertClose(percentile.upper, intervals.number(row, "percentile_upper"), 1e-12, "percentile upper", log: Self.log)
            let bca = try BootstrapInterval.bca(replicates: replicates, estimate: estimate, influence: l, level: level)
            assertClose(bca.lower, intervals.number(row, "bca_lower"), 1e-12, "bca lower", log: Self.log)
            assertClose(bca.upper, intervals.number(row, "bca_upper"), 1e-12, "bca upper", log: Self.log)
        }
    }

    /// The jackknife (leave one matched set out) and the full-sample risk difference of the
    /// bootstrap fixture, and the bootstrap's thread independence.
    func testClusterBootstrap() throws {
        let design = try EffectDesign("lalonde_att", .att)
        let influence = try FixtureTable(contentsOf: Fixtures.file("effects/bootstrap_influence.csv"))
        let intervals = try FixtureTable(contentsOf: Fixtures.file("effects/bootstrap_intervals.csv"))
        let procedure = try design.procedure(.binomial, covariates: true)
        let estimate = try XCTUnwrap(procedure.contrasts(rows: Array(0..<procedure.outcome.count)))[0]
        assertClose(estimate, intervals.number(intervals.rows[0], "estimate"), 1e-8, "bootstrap estimate", log: Self.log)
        // Leave-one-subclass-out fits: cluster codes follow first appearance in data order.
        let subclass = design.sample.integers("subclass").map { $0! }
        let leaveOut = influence.integers("leave_out").map { $0! }, tMinus = influence.doubles("t_minus").map { $0! }
        for (s, expected) in zip(leaveOut, tMinus).prefix(40) {
            let rows = (0..<subclass.count).filter { subclass[$0] != s }
            let t = try XCTUnwrap(procedure.contrasts(rows: rows))[0]
            assertClose(t, expected, 1e-8, "jackknife estimate", log: Self.log)
        }
        let one = try Parallel.withWorkers(1) { try procedure.bootstrap(replicates: 60, seed: 7) }
        let three = try Parallel.withWorkers(3) { try procedure.bootstrap(replicates: 60, seed: 7) }
        for (a, b) in zip(one.measures, three.measures) {
            XCTAssertEqual(a.replicates.map { $0?.bitPattern }, b.replicates.map { $0?.bitPattern })
            XCTAssertEqual(a.standardError.bitPattern, b.standardError.bitPattern)
            XCTAssertEqual(a.percentile.lower.bitPattern, b.percentile.lower.bitPattern)
            XCTAssertEqual(a.bca?.upper.bitPattern, b.bca?.upper.bitPattern)
        }
        XCTAssertEqual(one.clusters, 185)
        XCTAssertTrue(one.clustered)
        let measure = one.measures[0]
        XCTAssertEqual(measure.kind, .difference)
        XCTAssertEqual(measure.validReplicates, 60)
        // The bootstrap SE is of the order of the delta-method SE (same model, cluster-robust).
        let delta = try procedure.estimate(covariance: .clusterRobust).effects[0].scale.standardError
        XCTAssertGreaterThan(measure.standardError, delta / 2)
        XCTAssertLessThan(measure.standardError, delta * 2)
        XCTAssertLessThan(measure.percentile.lower, measure.estimate)
        XCTAssertGreaterThan(measure.percentile.upper, measure.estimate)
        // Another seed gives other replicates.
        let other = try procedure.bootstrap(replicates: 60, seed: 8)
        XCTAssertNotEqual(other.measures[0].replicates.map { $0?.bitPattern }, measure.replicates.map { $0?.bitPattern })
    }
}

/// Abadie–Imbens standard errors against `Matching::Match` (M = 1, 2; ATT, ATC; lalonde matched
/// with replacement on MatchIt's propensity score), computed from the pairs Match made
/// (`ai_pairs.csv`, tied controls sharing a set's weight; MatchIt keeps one of them, so the sets
/// are MatchIt's own only where `same_as_matchit`). Tolerance 1e-10 relative.
final class AbadieImbensTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    func testStandardErrorsMatchMatching() throws {
        let data = try FixtureTable(contentsOf: Fixtures.file("effects/lalonde_outcomes.csv"))
        let y = data.doubles("re78").map { $0! }, treated = data.integers("treat").map { $0 == 1 }
        let pairs = try FixtureTable(contentsOf: Fixtures.file("effects/ai_pairs.csv"))
        let results = try FixtureTable(contentsOf: Fixtures.file("effects/ai_results.csv"))
        XCTAssertEqual(results.rows.count, 4)
        for row in results.rows {
            let design = row[results.index(of: "design")]
            var focalUnits: [Int] = [], matches: [[Int]] = [], shares: [[Double]] = []
            for p in pairs.rows where p[pairs.index(of: "design")] == design {
                let focal = Int(p[pairs.index(of: "focal")])! - 1, match = Int(p[pairs.index(of: "match")])! - 1
                let share = pairs.number(p, "weight")
                if let k = focalUnits.firstIndex(of: focal) {
                    matches[k].append(match); shares[k].append(share)
                } else {
                    focalUnits.append(focal); matches.append([match]); shares.append([share])
                }
            }
            let r = try AbadieImbens.standardError(outcome: y, treated: treated, focalUnits: focalUnits, matches: matches,
                                                   shares: shares, focalIsTreated: design.hasPrefix("ATT"))
            assertClose(r.estimate, results.number(row, "estimate"), 1e-10, "estimate [\(design)]", log: Self.log)
            assertClose(r.standardError, results.number(row, "se"), 1e-10, "se [\(design)]", log: Self.log)
            assertClose(r.sampleStandardError, results.number(row, "se_sample"), 1e-10, "se sample [\(design)]", log: Self.log)
            print("[ai] \(design): same pairs as MatchIt: \(row[results.index(of: "same_as_matchit")])")
        }
    }

    /// The ATE of nearest-neighbour matching with replacement on an estimated logit score
    /// (`Scripts/fixtures-ai2016.R`): Match's estimate and Abadie–Imbens (2006) se from the pairs
    /// Match made (1e-10), and the Abadie–Imbens (2016) adjustment for the estimated score written
    /// fresh in the script: `c` (1e-8 relative to its largest entry), `c' V_θ c` and the adjusted
    /// standard error (1e-8 relative).
    func testEstimatedScoreAdjustmentMatchesFixture() throws {
        let units = try FixtureTable(contentsOf: Fixtures.file("effects/ai2016_units.csv"))
        let pairs = try FixtureTable(contentsOf: Fixtures.file("effects/ai2016_pairs.csv"))
        let covariance = try FixtureTable(contentsOf: Fixtures.file("effects/ai2016_vcov.csv"))
        let results = try FixtureTable(contentsOf: Fixtures.file("effects/ai2016_results.csv"))
        let cTable = try FixtureTable(contentsOf: Fixtures.file("effects/ai2016_c.csv"))
        let y = units.doubles("y").map { $0! }, treated = units.integers("treat").map { $0 == 1 }
        let p = units.doubles("p").map { $0! }
        let design = Array(units.header.dropFirst(3)).map { units.doubles($0).map { $0! } }
        let v = covariance.doubles("value").map { $0! }
        var focalUnits: [Int] = [], matches: [[Int]] = [], shares: [[Double]] = []
        for row in pairs.rows {
            let focal = Int(row[pairs.index(of: "focal")])!, match = Int(row[pairs.index(of: "match")])!
            if focalUnits.last != focal { focalUnits.append(focal); matches.append([]); shares.append([]) }
            matches[matches.count - 1].append(match)
            shares[shares.count - 1].append(pairs.number(row, "weight"))
        }
        XCTAssertEqual(focalUnits.count, y.count)
        let r = results.rows[0]
        let adjusted = try AbadieImbens.estimatedScoreAdjustment(
            outcome: y, treated: treated, focalUnits: focalUnits, matches: matches, shares: shares,
            score: p, design: design, coefficientCovariance: v)
        assertClose(adjusted.unadjusted.estimate, results.number(r, "estimate"), 1e-10, "ATE estimate", log: Self.log)
        assertClose(adjusted.unadjusted.standardError, results.number(r, "se_ai2006"), 1e-10, "ATE se (2006)", log: Self.log)
        let expectedC = cTable.doubles("c").map { $0! }
        let scale = expectedC.map(abs).max()!
        for (got, want) in zip(adjusted.c, expectedC) {
            assertClose(got, want, 1e-8, "c", log: Self.log, scale: scale)
        }
        assertClose(adjusted.correction, results.number(r, "correction"), 1e-8, "c' V c", log: Self.log)
        assertClose(adjusted.standardError, results.number(r, "se_ai2016"), 1e-8, "ATE se (2016)", log: Self.log)
        XCTAssertLessThan(adjusted.standardError, adjusted.unadjusted.standardError)
        // ATT-style focal units are refused (the adjustment is for the ATE with every unit matched).
        XCTAssertThrowsError(try AbadieImbens.estimatedScoreAdjustment(
            outcome: y, treated: treated, focalUnits: Array(focalUnits.prefix(10)), matches: Array(matches.prefix(10)),
            score: p, design: design, coefficientCovariance: v))
        XCTAssertThrowsError(try AbadieImbens.estimatedScoreAdjustment(
            outcome: y, treated: treated, focalUnits: focalUnits, matches: matches, shares: shares,
            score: p, design: design, coefficientCovariance: v, neighbours: 1))
    }

    /// The nearest units by score: equal distances go to the lower index; the unit itself is skipped.
    func testNearestNeighboursBreakTiesByIndex() {
        let p = [0.5, 0.25, 0.75, 0.75, 0.25, 0.5]
        let sorted = (0..<p.count).sorted { (p[$0], $0) < (p[$1], $1) }
        XCTAssertEqual(AbadieImbens.nearest(to: 0, count: 1, in: sorted, score: p), [5])
        XCTAssertEqual(AbadieImbens.nearest(to: 0, count: 3, in: sorted, score: p), [5, 1, 2])
        XCTAssertEqual(AbadieImbens.nearest(to: 2, count: 2, in: sorted, score: p), [3, 0])
        XCTAssertEqual(AbadieImbens.nearest(to: 4, count: 2, in: sorted, score: p), [1, 0])
    }
}
