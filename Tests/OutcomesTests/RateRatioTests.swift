import XCTest
import TestSupport
import Distributions
@testable import Outcomes

/// The rate-ratio inference against R (fixtures from `Scripts/make-ratio-fixtures.R`):
/// `lm(y ~ treat, weights)` with `sandwich::vcovCL(fit, cluster = ~subclass)` (matching without
/// replacement) or `vcovCL(fit, cluster = ~subclass + id)` on `get_matches()` rows (with
/// replacement), then the Wald test on log RR written out in the script, per cohort and pooled.
/// Tolerance 1e-10 relative throughout; the significance decision exactly.
final class RateRatioTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    static let designs = ["nn_1to1", "nn_3to1_caliper01", "nn_2to1_replace", "nn_replace_caliper",
                          "syn_pairs", "syn_3to1", "syn_replace"]

    /// One design of the ratio fixtures.
    struct RatioDesign {
        let name: String
        let units: FixtureTable
        /// `<design>_match_matrix.csv`, present for the designs with replacement.
        let matchMatrix: FixtureTable?

        init(_ name: String) throws {
            self.name = name
            units = try FixtureTable(contentsOf: Fixtures.file("ratio/\(name)_units.csv"))
            let mm = Fixtures.file("ratio/\(name)_match_matrix.csv")
            matchMatrix = FileManager.default.fileExists(atPath: mm.path) ? try FixtureTable(contentsOf: mm) : nil
        }

        var treated: [Bool] { units.integers("treat").map { $0 == 1 } }
        func outcome(_ column: String) -> [Double] { units.doubles(column).map { $0! } }

        /// Focal units and their matches (0-based), from the match matrix.
        var match: (focalUnits: [Int], matches: [[Int]]) {
            let mm = matchMatrix!
            let columns = mm.header.filter { $0 != "focal_row" }
            let focal = mm.integers("focal_row").map { $0! - 1 }
            let lists = columns.map { mm.integers($0) }
            let matches = focal.indices.map { r in lists.compactMap { $0[r] }.map { $0 - 1 } }
            return (focal, matches)
        }

        func rows(_ outcome: String) throws -> MatchedSetRows {
            let m = match
            return try MatchedSetRows(outcome: self.outcome(outcome), treated: treated, focalUnits: m.focalUnits, matches: m.matches)
        }

        /// The unit-level sample with MatchIt's weights, clustered by subclass when there is one.
        func sample(_ outcome: String) throws -> MatchedSample {
            let clusters: [Int?]? = matchMatrix == nil ? units.integers("subclass") : nil
            return try MatchedSample(outcome: self.outcome(outcome), treated: treated,
                                     weights: units.doubles("weight").map { $0! }, cluster: clusters)
        }

        /// The fit the contract uses: one-way by matched set, or two-way on `get_matches()` rows.
        func fit(_ outcome: String) throws -> LinearModelFit {
            matchMatrix == nil ? try LinearModelFit(try sample(outcome)) : try LinearModelFit(try rows(outcome))
        }

        /// Matched treated people: treated units with positive weight.
        var matchedTreated: Int {
            zip(treated, units.doubles("weight")).filter { $0.0 && $0.1! > 0 }.count
        }
    }

    func testCohortsMatchR() throws {
        let expected = try FixtureTable(contentsOf: Fixtures.file("ratio/cohorts.csv"))
        // 7 designs x 2 outcomes x 2 significance levels.
        XCTAssertEqual(expected.rows.count, Self.designs.count * 2 * 2)
        XCTAssertEqual(Set(expected.strings("design")), Set(Self.designs))
        var designs: [String: RatioDesign] = [:]
        var significant = 0
        for row in expected.rows {
            let name = row[expected.index(of: "design")], outcome = row[expected.index(of: "outcome")]
            let design = try designs[name] ?? RatioDesign(name)
            designs[name] = design
            let alpha = value(expected, row, "alpha")
            let label = "\(name) \(outcome) alpha \(alpha)"
            let fit = try design.fit(outcome)
            XCTAssertEqual(row[expected.index(of: "clustering")], design.matchMatrix == nil ? "subclass" : "subclass+id")
            XCTAssertEqual(Double(fit.observations), value(expected, row, "rows"), label)
            XCTAssertEqual(Double(design.matchedTreated), value(expected, row, "matched_treated"), label)
            let v = fit.clusterRobust.covariance
            XCTAssertEqual(v.count, 4)
            let close = { (actual: Double, column: String) in
                assertClose(actual, value(expected, row, column), 1e-10, "ratio.\(column) [\(label)]", log: Self.log)
            }
            close(fit.intercept, "b0")
            close(fit.effect, "b1")
            close(v[0], "v00"); close(v[1], "v01"); close(v[2], "v01"); close(v[3], "v11")
            let r = try RateRatioInference(fit: fit, significanceLevel: alpha)
            close(r.treatedMean, "treated_mean")
            close(r.comparisonMean, "comparison_mean")
            close(r.rateRatio, "rate_ratio")
            let t = r.test
            close(t.logRatio, "log_rr"); close(t.standardError, "se"); close(t.statistic, "z")
            close(t.criticalValue, "crit"); close(t.pValue, "p_value")
            close(t.logLower, "log_lower"); close(t.logUpper, "log_upper")
            close(t.rateRatioLower, "rr_lower"); close(t.rateRatioUpper, "rr_upper")
            close(t.reductionLower, "reduction_lower"); close(t.reductionUpper, "reduction_upper")
            XCTAssertEqual(t.isSignificant, value(expected, row, "significant") == 1, label)
            XCTAssertEqual(t.isSignificant, t.pValue < alpha, label)
            if t.isSignificant { significant += 1 }
        }
        // The fixtures hold both outcomes of the test.
        XCTAssertGreaterThan(significant, 0)
        XCTAssertLessThan(significant, expected.rows.count)
    }

    /// The `get_matches()` rows built from the match matrix are R's, row for row (compared in
    /// one order: set, treated first, unit).
    func testGetMatchesRowsMatchR() throws {
        for name in Self.designs {
            let design = try RatioDesign(name)
            guard design.matchMatrix != nil else { continue }
            let expected = try FixtureTable(contentsOf: Fixtures.file("ratio/\(name)_get_matches.csv"))
            let rows = try design.rows("count")
            XCTAssertEqual(rows.count, expected.rows.count, name)
            guard rows.count == expected.rows.count else { continue }
            typealias Row = (set: Int, treated: Bool, unit: Int, weight: Double)
            let order = { (a: Row, b: Row) in (a.set, a.treated ? 0 : 1, a.unit) < (b.set, b.treated ? 0 : 1, b.unit) }
            let ours: [Row] = (0..<rows.count).map { (rows.set[$0] + 1, rows.treated[$0], rows.unit[$0] + 1, rows.weights[$0]) }
            let subclass = expected.integers("subclass"), id = expected.integers("id"), treat = expected.integers("treat")
            let weight = expected.doubles("weight")
            let theirs: [Row] = (0..<expected.rows.count).map { (subclass[$0]!, treat[$0] == 1, id[$0]!, weight[$0]!) }
            for (a, b) in zip(ours.sorted(by: order), theirs.sorted(by: order)) {
                XCTAssertTrue(a.set == b.set && a.treated == b.treated && a.unit == b.unit && a.weight == b.weight,
                              "\(name): \(a) vs R \(b)")
            }
            XCTAssertEqual(rows.setCount, Set(subclass.map { $0! }).count, name)
            XCTAssertEqual(rows.unitCount, Set(id.map { $0! }).count, name)
            XCTAssertTrue(rows.reusesUnits, name)
        }
    }

    func testPooledMatchesR() throws {
        let expected = try FixtureTable(contentsOf: Fixtures.file("ratio/pooled.csv"))
        XCTAssertEqual(expected.rows.count, 3 * 2)
        var designs: [String: RatioDesign] = [:]
        for row in expected.rows {
            let pool = row[expected.index(of: "pool")]
            let alpha = value(expected, row, "alpha")
            let members = row[expected.index(of: "members")].split(separator: ";").map { $0.split(separator: ":").map(String.init) }
            let sizes = row[expected.index(of: "matched_treated")].split(separator: ";").map { Int($0)! }
            XCTAssertEqual(members.count, sizes.count, pool)
            guard members.count == sizes.count else { continue }
            var cohorts: [RateRatioInference] = [], n: [Int] = []
            for member in members {
                let design = try designs[member[0]] ?? RatioDesign(member[0])
                designs[member[0]] = design
                cohorts.append(try RateRatioInference(fit: try design.fit(member[1]), significanceLevel: alpha))
                n.append(design.matchedTreated)
            }
            XCTAssertEqual(n, sizes, pool)
            let pooled = try PooledRateRatio(cohorts: cohorts, matchedTreated: n, significanceLevel: alpha)
            let label = "\(pool) alpha \(alpha)"
            let t = pooled.test
            let close = { (actual: Double, column: String) in
                assertClose(actual, value(expected, row, column), 1e-10, "pooled.\(column) [\(label)]", log: Self.log)
            }
            close(t.logRatio, "log_rr"); close(t.standardError, "se"); close(t.statistic, "z")
            close(t.criticalValue, "crit"); close(t.pValue, "p_value")
            close(t.logLower, "log_lower"); close(t.logUpper, "log_upper")
            close(t.rateRatioLower, "rr_lower"); close(t.rateRatioUpper, "rr_upper")
            close(t.reductionLower, "reduction_lower"); close(t.reductionUpper, "reduction_upper")
            XCTAssertEqual(t.isSignificant, value(expected, row, "significant") == 1, label)
            XCTAssertEqual(pooled.weights.reduce(0, +), 1, accuracy: 1e-15)
        }
    }

    /// After matching with replacement the coefficients of the `get_matches()` fit are the
    /// weighted means of the one-row-per-unit sample with MatchIt's normalised weights.
    func testExpandedRowsGiveTheUnitLevelMeans() throws {
        for name in Self.designs where name.contains("replace") {
            let design = try RatioDesign(name)
            for outcome in ["count", "amount"] {
                let twoWay = try LinearModelFit(try design.rows(outcome))
                let unitLevel = try LinearModelFit(try design.sample(outcome))
                XCTAssertEqual(twoWay.intercept, unitLevel.intercept, accuracy: 1e-12 * abs(unitLevel.intercept), name)
                XCTAssertEqual(twoWay.effect, unitLevel.effect, accuracy: 1e-12 * abs(unitLevel.intercept), name)
                guard case .setAndUnit(let sets, let units, let rows) = twoWay.clustering else { return XCTFail(name) }
                XCTAssertEqual(rows, twoWay.observations)
                XCTAssertEqual(sets, twoWay.clusterCount)
                XCTAssertLessThan(units, rows)
            }
        }
    }

    /// When no unit is reused, every unit cluster is a (set, unit) cluster with the same
    /// `G/(G − 1)`, so the two-way covariance reduces to the one-way covariance by matched set.
    func testTwoWayWithoutReuseIsOneWayBySet() throws {
        // Four sets: 1:1, 1:2, 1:3, 1:1; no control repeated.
        let treated = [true, true, true, true, false, false, false, false, false, false, false]
        let y: [Double] = [2, 0, 3, 1, 4, 1, 2, 0, 5, 1, 3]
        let rows = try MatchedSetRows(outcome: y, treated: treated, focalUnits: [0, 1, 2, 3],
                                      matches: [[4], [5, 6], [7, 8, 9], [10]])
        XCTAssertFalse(rows.reusesUnits)
        let twoWay = try LinearModelFit(rows)
        let oneWay = try LinearModelFit(try MatchedSample(outcome: rows.outcome, treated: rows.treated, weights: rows.weights,
                                                          cluster: rows.set))
        XCTAssertEqual(twoWay.clusterRobust.covariance.count, oneWay.clusterRobust.covariance.count)
        for (a, b) in zip(twoWay.clusterRobust.covariance, oneWay.clusterRobust.covariance) {
            XCTAssertEqual(a, b, accuracy: 1e-13 * abs(b))
        }
        XCTAssertEqual(oneWay.clustering, .oneWay(clusters: 4))
        XCTAssertEqual(twoWay.clustering, .setAndUnit(sets: 4, units: 11, rows: 11))
    }

    /// A hand-worked two-way covariance: two sets sharing one control.
    ///
    /// Rows (set, unit, arm, weight, y): (1, T1, t, 1, 2), (1, C1, c, 1/2, 1), (1, C2, c, 1/2, 3),
    /// (2, T2, t, 1, 0), (2, C2, c, 1, 3). Treated mean m_T = 1 (Σw = 2), comparison mean
    /// m_C = (0.5 + 1.5 + 3)/2 = 2.5 (Σw = 2). For the effect b₁ = m_T − m_C, a row's influence
    /// is ±wᵢ rᵢ / Σw of its arm: T1 +1/2, C1 −(0.5·(−1.5))/2 = +0.375, C2 in set 1 −(0.5·0.5)/2 =
    /// −0.125, T2 −1/2, C2 in set 2 −(1·0.5)/2 = −0.25.
    /// - by set: set 1 sums to 0.75, set 2 to −0.75: S_set = 1.125, G = 2;
    /// - by unit: T1 0.5, C1 0.375, C2 −0.375, T2 −0.5: S_unit = 0.78125, G = 4;
    /// - by row: 0.25 + 0.140625 + 0.015625 + 0.25 + 0.0625 = 0.71875, G = 5;
    /// V₁₁ = (n − 1)/(n − 2) · (2·1.125 + 4/3·0.78125 − 5/4·0.71875) with n = 5.
    func testTwoWayHandWorked() throws {
        let rows = try MatchedSetRows(outcome: [2, 0, 1, 3], treated: [true, true, false, false],
                                      focalUnits: [0, 1], matches: [[2, 3], [3]])
        XCTAssertEqual(rows.count, 5)
        XCTAssertEqual(rows.weights, [1, 0.5, 0.5, 1, 1])
        XCTAssertEqual(rows.set, [0, 0, 0, 1, 1])
        XCTAssertEqual(rows.unit, [0, 2, 3, 1, 3])
        let fit = try LinearModelFit(rows)
        XCTAssertEqual(fit.intercept, 2.5, accuracy: 1e-15)
        XCTAssertEqual(fit.effect, -1.5, accuracy: 1e-15)
        let v11 = 4.0 / 3 * (2 * 1.125 + 4.0 / 3 * 0.78125 - 5.0 / 4 * 0.71875)
        XCTAssertEqual(fit.clusterRobust.covariance[3], v11, accuracy: 1e-14)
        // The comparison mean's variance: influences wᵢ rᵢ / Σw_C of the control rows only:
        // C1 −0.375, C2 (set 1) +0.125, C2 (set 2) +0.25 → by set 0.0625 + 0.0625, by unit
        // 0.140625 + 0.140625, by row 0.140625 + 0.015625 + 0.0625.
        let v00 = 4.0 / 3 * (2 * 0.125 + 4.0 / 3 * 0.28125 - 5.0 / 4 * 0.21875)
        XCTAssertEqual(fit.clusterRobust.covariance[0], v00, accuracy: 1e-14)
    }

    func testMatchedSetRowsErrors() {
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, 2], treated: [true, false], focalUnits: [0], matches: [[1], [0]])) {
            guard case OutcomesError.lengthMismatch = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, 2], treated: [true, true], focalUnits: [0], matches: [[1]])) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, 2, 3], treated: [true, false, false], focalUnits: [0], matches: [[1, 1]])) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, 2], treated: [true, false], focalUnits: [0], matches: [[5]])) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, 2], treated: [true, false], focalUnits: [0], matches: [[]])) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MatchedSetRows(outcome: [1, .nan], treated: [true, false], focalUnits: [0], matches: [[1]])) {
            XCTAssertEqual($0 as? OutcomesError, .nonFiniteValue(name: "outcome", unit: 1))
        }
        // One matched set cannot give a cluster-robust variance.
        XCTAssertThrowsError(try LinearModelFit(try MatchedSetRows(outcome: [1, 2, 3], treated: [true, false, false],
                                                                   focalUnits: [0], matches: [[1, 2]]))) {
            XCTAssertEqual($0 as? OutcomesError, .tooFewClusters(found: 1))
        }
    }

    // MARK: - The decision at the boundary

    /// At `|z| = c` exactly the result is not significant, the p-value is not below α, and the
    /// reduction interval touches 0; one ulp further it is significant on every reading. Checked
    /// for 2 000 significance levels on both sides of zero.
    func testBoundaryIsConsistent() throws {
        var alphas: [Double] = [0.05, 0.1, 0.01, 0.2, 0.001, 1 - 0.95, 1 - 0.9]
        for k in 1...1993 { alphas.append(Double(k) / 4000) }
        XCTAssertEqual(alphas.count, 2000)
        var adjusted = 0
        for alpha in alphas {
            let c = Normal.quantile(1 - alpha / 2)
            for sign in [1.0, -1.0] {
                let atBoundary = try LogRatioWaldTest(logRatio: sign * c, standardError: 1, significanceLevel: alpha)
                XCTAssertEqual(atBoundary.statistic, sign * c)
                XCTAssertFalse(atBoundary.isSignificant, "alpha \(alpha)")
                XCTAssertGreaterThanOrEqual(atBoundary.pValue, alpha, "alpha \(alpha)")
                XCTAssertFalse(atBoundary.reductionLower > 0 || atBoundary.reductionUpper < 0, "alpha \(alpha)")
                XCTAssertEqual(sign > 0 ? atBoundary.logLower : atBoundary.logUpper, 0)
                if abs(atBoundary.pValue - Normal.twoSidedPValue(c)) > 0 { adjusted += 1 }
                for z in [c.nextUp, c.nextDown, c.nextUp.nextUp, c.nextDown.nextDown] {
                    let t = try LogRatioWaldTest(logRatio: sign * z, standardError: 1, significanceLevel: alpha)
                    assertConsistent(t, "alpha \(alpha) z \(sign * z)")
                    XCTAssertEqual(t.isSignificant, z > c)
                }
                // Standard errors that are not powers of 2: z = L/SE is then rounded.
                for se in [0.37, 0.1234567, 3.3] {
                    for l in [sign * c * se, (sign * c * se).nextUp, (sign * c * se).nextDown] {
                        assertConsistent(try LogRatioWaldTest(logRatio: l, standardError: se, significanceLevel: alpha),
                                         "alpha \(alpha) L \(l) SE \(se)")
                    }
                }
            }
        }
        // Record how often rounding put Normal.twoSidedPValue(c) on the wrong side of α.
        print("[boundary] p-value held at alpha in \(adjusted) of \(2 * alphas.count) boundary cases")
    }

    /// The three readings of significance agree: `|z| > c`, `p < α`, the reduction interval
    /// excludes 0 (and so does the log interval).
    func assertConsistent(_ t: LogRatioWaldTest, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let byZ = abs(t.statistic) > t.criticalValue
        let byP = t.pValue < t.significanceLevel
        let byInterval = t.reductionLower > 0 || t.reductionUpper < 0
        let byLogInterval = t.logLower > 0 || t.logUpper < 0
        XCTAssertEqual(t.isSignificant, byZ, label, file: file, line: line)
        XCTAssertEqual(byZ, byP, "\(label): p \(t.pValue)", file: file, line: line)
        XCTAssertEqual(byZ, byInterval, "\(label): (\(t.reductionLower), \(t.reductionUpper))", file: file, line: line)
        XCTAssertEqual(byZ, byLogInterval, label, file: file, line: line)
        XCTAssertLessThanOrEqual(t.reductionLower, t.reductionUpper, label, file: file, line: line)
    }

    /// Property: on random matched samples (seeded; small, so that p is often near α), the
    /// interval excludes no change exactly when p < α, for cohorts (1:1 and 1:k without
    /// replacement, 1:k with replacement) and for pools of 2-3 of them.
    func testIntervalExcludesNoChangeExactlyWhenPBelowAlpha() throws {
        var random = SplitMix64(seed: 20260315)
        var cohorts = 0, pools = 0, nearAlpha = 0, significant = 0, notEstimable = 0
        for draw in 0..<3000 {
            let alpha = [0.05, 0.1, 0.01][draw % 3]
            var members: [RateRatioInference] = [], sizes: [Int] = []
            for _ in 0..<(2 + draw % 2) {
                guard let (fit, n) = try randomFit(&random, kind: draw % 3) else { continue }
                let r: RateRatioInference
                do { r = try RateRatioInference(fit: fit, significanceLevel: alpha) } catch { notEstimable += 1; continue }
                assertConsistent(r.test, "draw \(draw)")
                cohorts += 1
                if r.test.isSignificant { significant += 1 }
                if abs(r.test.pValue - alpha) < alpha / 2 { nearAlpha += 1 }
                members.append(r); sizes.append(n)
            }
            guard members.count >= 2 else { continue }
            let pooled = try PooledRateRatio(cohorts: members, matchedTreated: sizes, significanceLevel: alpha)
            assertConsistent(pooled.test, "pool \(draw)")
            pools += 1
        }
        print("[property] \(cohorts) cohorts (\(significant) significant, \(nearAlpha) with |p − α| < α/2), \(pools) pools, \(notEstimable) not estimable")
        XCTAssertGreaterThan(cohorts, 5000)
        XCTAssertGreaterThan(pools, 2500)
        XCTAssertGreaterThan(nearAlpha, 200)
        XCTAssertGreaterThan(significant, 500)
    }

    /// A random small matched sample and its fit: `kind` 0 = pairs, 1 = sets of 1-3 controls,
    /// 2 = with replacement (two-way). Counts with mean about 1.5 and a random effect. Returns nil
    /// when the fit is not estimable (e.g. a constant outcome).
    func randomFit(_ random: inout SplitMix64, kind: Int) throws -> (LinearModelFit, Int)? {
        let sets = 6 + random.below(20)
        let effect = [0.6, 0.8, 1.0, 1.2][random.below(4)]
        func count(_ mean: Double) -> Double {
            // Poisson by inversion (means are small).
            let u = random.unit()
            var k = 0.0, p = exp(-mean), cumulative = p
            while u > cumulative && k < 50 { k += 1; p *= mean / k; cumulative += p }
            return k
        }
        do {
            if kind == 2 {
                let controls = 3 + random.below(sets)
                var y: [Double] = [], t: [Bool] = []
                for _ in 0..<sets { y.append(count(1.5 * effect)); t.append(true) }
                for _ in 0..<controls { y.append(count(1.5)); t.append(false) }
                var matches: [[Int]] = []
                for _ in 0..<sets {
                    var found: [Int] = []
                    for _ in 0..<(1 + random.below(2)) {
                        let c = sets + random.below(controls)
                        if !found.contains(c) { found.append(c) }
                    }
                    matches.append(found)
                }
                return (try LinearModelFit(try MatchedSetRows(outcome: y, treated: t, focalUnits: Array(0..<sets), matches: matches)), sets)
            }
            var y: [Double] = [], t: [Bool] = [], w: [Double] = [], c: [Int?] = []
            for s in 0..<sets {
                let k = kind == 0 ? 1 : 1 + random.below(3)
                y.append(count(1.5 * effect)); t.append(true); w.append(1); c.append(s)
                for _ in 0..<k { y.append(count(1.5)); t.append(false); w.append(1 / Double(k)); c.append(s) }
            }
            return (try LinearModelFit(try MatchedSample(outcome: y, treated: t, weights: w, cluster: c)), sets)
        } catch OutcomesError.zeroVariance {
            return nil
        }
    }

    // MARK: - Hand-worked cases and errors

    /// One cohort by hand, from given coefficients and covariance: b₀ = 2, b₁ = −0.5,
    /// V = [[0.04, −0.01], [−0.01, 0.05]]:
    /// g = (1/1.5 − 1/2, 1/1.5) = (1/6, 2/3), gᵀVg = 0.04/36 − 2·0.01/9 + 0.05·4/9 =
    /// 0.0011111 − 0.0022222 + 0.0222222 = 0.0211111; log RR = log 0.75.
    func testHandWorkedCohort() throws {
        let r = try RateRatioInference(intercept: 2, effect: -0.5, covariance: [0.04, -0.01, -0.01, 0.05], significanceLevel: 0.05)
        let variance = 0.04 / 36 - 2 * 0.01 / 9 + 0.05 * 4 / 9
        XCTAssertEqual(r.rateRatio, 0.75)
        XCTAssertEqual(r.reduction, 0.25)
        XCTAssertEqual(r.test.logRatio, Foundation.log(0.75), accuracy: 1e-15)
        XCTAssertEqual(r.test.standardError, variance.squareRoot(), accuracy: 1e-15)
        let z = Foundation.log(0.75) / variance.squareRoot()   // −1.98
        XCTAssertEqual(r.test.statistic, z, accuracy: 1e-14)
        XCTAssertTrue(r.test.isSignificant)
        XCTAssertTrue(r.test.isSignificantReduction)
        XCTAssertEqual(r.test.reductionLower, 1 - exp(Foundation.log(0.75) + 1.959963984540054 * variance.squareRoot()), accuracy: 1e-14)
        XCTAssertEqual(r.test.reductionUpper, 1 - exp(Foundation.log(0.75) - 1.959963984540054 * variance.squareRoot()), accuracy: 1e-14)
        XCTAssertEqual(r.test.pValue, 2 * Normal.survival(abs(z)), accuracy: 1e-15)
        XCTAssertEqual(r.test.confidenceLevel, 0.95)
    }

    /// Two cohorts pooled by hand: n = (300, 100), log RR = (−0.2, 0.1), SE = (0.08, 0.2):
    /// L = 0.75·(−0.2) + 0.25·0.1 = −0.125, Var = 0.5625·0.0064 + 0.0625·0.04 = 0.0061.
    func testHandWorkedPool() throws {
        let p = try PooledRateRatio(logRatios: [-0.2, 0.1], standardErrors: [0.08, 0.2], matchedTreated: [300, 100],
                                    significanceLevel: 0.05)
        XCTAssertEqual(p.weights, [0.75, 0.25])
        XCTAssertEqual(p.test.logRatio, -0.125, accuracy: 1e-16)
        XCTAssertEqual(p.test.standardError, 0.0061.squareRoot(), accuracy: 1e-16)
        XCTAssertEqual(p.test.statistic, -0.125 / 0.0061.squareRoot(), accuracy: 1e-14)   // −1.60
        XCTAssertFalse(p.test.isSignificant)
        XCTAssertLessThan(p.test.reductionLower, 0)
        XCTAssertGreaterThan(p.test.reductionUpper, 0)
        // The test's centre 1 − exp(L) = 11.75% is not the contract's pooled reduction
        // Σ w (1 − RR) = 0.75(1 − e^−0.2) + 0.25(1 − e^0.1) = 10.97%.
        let contract = 0.75 * (1 - exp(-0.2)) + 0.25 * (1 - exp(0.1))
        XCTAssertEqual(p.test.centreReduction, 1 - exp(-0.125), accuracy: 1e-15)
        XCTAssertEqual(p.test.centreReduction - contract, 0.0078, accuracy: 0.0001)
    }

    func testErrors() throws {
        XCTAssertThrowsError(try RateRatioInference(intercept: 0, effect: 1, covariance: [1, 0, 0, 1], significanceLevel: 0.05)) {
            XCTAssertEqual($0 as? OutcomesError, .nonPositiveMean(.comparison, value: 0))
        }
        XCTAssertThrowsError(try RateRatioInference(intercept: 2, effect: -2, covariance: [1, 0, 0, 1], significanceLevel: 0.05)) {
            XCTAssertEqual($0 as? OutcomesError, .nonPositiveMean(.treated, value: 0))
            XCTAssertTrue(String(describing: $0).contains("no events among the treated"))
        }
        XCTAssertThrowsError(try RateRatioInference(intercept: 2, effect: -1, covariance: [0, 0, 0, 0], significanceLevel: 0.05)) {
            guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try RateRatioInference(intercept: 2, effect: -1, covariance: [1, 0, 0], significanceLevel: 0.05)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try LogRatioWaldTest(logRatio: 0.1, standardError: 0.1, significanceLevel: 1)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try PooledRateRatio(logRatios: [0.1], standardErrors: [0.1, 0.2], matchedTreated: [1], significanceLevel: 0.05)) {
            guard case OutcomesError.lengthMismatch = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try PooledRateRatio(logRatios: [0.1], standardErrors: [0.1], matchedTreated: [0], significanceLevel: 0.05)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try PooledRateRatio(logRatios: [], standardErrors: [], matchedTreated: [], significanceLevel: 0.05)) {
            guard case OutcomesError.invalidArgument = $0 else { return XCTFail("\($0)") }
        }
    }
}
