import XCTest
import TestSupport
@testable import Sensitivity

/// Rosenbaum bounds against R `rbounds` 2.2 (fixtures from `Scripts/make-sensitivity-fixtures.R`:
/// the package's own examples and lalonde matched by MatchIt 4.7.2, nearest 1:1 and 2:1).
/// The fixtures hold rbounds' numbers unrounded (its functions run with `round`/`signif` as the
/// identity) and rounded as it prints them.
/// Tolerances: p-value bounds 1e-10 relative or 1e-15 absolute (rbounds' `1 - pnorm(z)` has
/// absolute error near 1e-16); critical Gamma 1e-9 relative (two root finders, each to 1e-12).
final class RboundsParityTests: XCTestCase {
    /// The largest difference seen per kind of number, printed after the class's tests.
    nonisolated(unsafe) static var worst: [String: Double] = [:]
    override class func tearDown() {
        for (k, v) in worst.sorted(by: { $0.key < $1.key }) { print("[parity] \(k): max difference \(v)") }
    }
    func table(_ name: String) throws -> FixtureTable {
        try FixtureTable(contentsOf: Fixtures.file("sensitivity/\(name)"))
    }

    func assertClose(_ a: Double, _ b: Double, relative: Double = 1e-10, absolute: Double = 1e-15,
                     _ what: String, function: String = #function, file: StaticString = #filePath, line: UInt = #line) {
        let words = what.split(separator: " ").dropFirst(3).joined(separator: " ")
        let key = function.replacingOccurrences(of: "()", with: "") + " " + (words.isEmpty ? "critical Gamma" : words)
        // Relative where R's value is not tiny; where it is (1 - pbinom(...) and 1 - pnorm(z) lose
        // everything below 1e-16), the absolute difference, logged apart.
        let (k, d) = abs(b) >= 1e-12 ? (key, relativeDifference(a, b)) : (key + " (absolute, R below 1e-12)", abs(a - b))
        Self.worst[k] = max(Self.worst[k] ?? 0, d)
        XCTAssert(abs(a - b) <= absolute || relativeDifference(a, b) <= relative,
                  "\(what): \(a) vs R \(b) (relative \(relativeDifference(a, b)))", file: file, line: line)
    }

    func rounded(_ x: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (x * scale).rounded(.toNearestOrEven) / scale
    }

    // MARK: - binary (binarysens)

    /// The correct bounds `P(X ≥ d)`, and binarysens' `P(X > d)` reproduced as `P(X ≥ d + 1)`.
    func testSignTestAgainstBinarysens() throws {
        let t = try table("binary.csv")
        XCTAssertEqual(t.rows.count, 44)
        for row in t.rows {
            let d = Int(t.number(row, "d")), n = Int(t.number(row, "n")), g = t.number(row, "gamma")
            let what = "\(row[0]) Gamma \(g)"
            let b = try SignTestBounds(favourable: d, unfavourable: n - d).bound(gamma: g)
            assertClose(b.upper, t.number(row, "upper"), "\(what) upper")
            assertClose(b.lower, t.number(row, "lower"), "\(what) lower")
            // binarysens: 1 - pbinom(d, n, p), i.e. P(X >= d + 1).
            let rbUpper = SignTestBounds.upperTail(atLeast: d + 1, of: n, oddsRatio: g)
            let rbLower = SignTestBounds.upperTail(atLeast: d + 1, of: n, oddsRatio: 1 / g)
            assertClose(rbUpper, t.number(row, "rbounds_upper"), "\(what) binarysens upper")
            assertClose(rbLower, t.number(row, "rbounds_lower"), "\(what) binarysens lower")
            XCTAssertEqual(rounded(rbUpper, 5), t.number(row, "rbounds_upper_rounded"), "\(what) printed")
            XCTAssertEqual(rounded(rbLower, 5), t.number(row, "rbounds_lower_rounded"), "\(what) printed")
        }
    }

    // MARK: - Wilcoxon signed rank (psens)

    func pairs(_ name: String) throws -> [Double] {
        let t = try table(name)
        return zip(t.doubles("treated"), t.doubles("control")).map { $0! - $1! }
    }

    func testSignedRankAgainstPsens() throws {
        let t = try table("signed_rank.csv")
        let data = ["lead": try pairs("lead_pairs.csv"), "lalonde_re78": try pairs("lalonde_pairs.csv")]
        XCTAssertEqual(t.rows.count, 22)
        for row in t.rows {
            let bounds = try SignedRankBounds(differences: data[row[0]]!)
            let g = t.number(row, "gamma"), what = "\(row[0]) Gamma \(g)"
            XCTAssertEqual(bounds.statistic, t.number(row, "T"), what)
            let b = bounds.bound(gamma: g)
            assertClose(b.upper, t.number(row, "upper_tail"), "\(what) upper")
            assertClose(b.lower, t.number(row, "lower_tail"), "\(what) lower")
            assertClose(b.upper, t.number(row, "rbounds_upper"), relative: 1e-10, absolute: 1e-15, "\(what) psens upper")
            assertClose(b.lower, t.number(row, "rbounds_lower"), relative: 1e-10, absolute: 1e-15, "\(what) psens lower")
            XCTAssertEqual(rounded(b.upper, 4), t.number(row, "rbounds_upper_rounded"), "\(what) printed")
            XCTAssertEqual(rounded(b.lower, 4), t.number(row, "rbounds_lower_rounded"), "\(what) printed")
        }
    }

    // MARK: - Hodges-Lehmann (hlsens)

    /// The exact crossings equal the R transcription of the Walsh-average formula; each hlsens
    /// bound is the first point of its grid (`start ± k·pr`) at or past the crossing.
    func testHodgesLehmannAgainstHlsens() throws {
        let t = try table("hodges_lehmann.csv")
        let data = ["lead": try pairs("lead_pairs.csv"), "lalonde_re78": try pairs("lalonde_pairs.csv")]
        for row in t.rows {
            // hlsens orients by the sign of mean(x) - mean(y): positive in both cases.
            let d = data[row[0]]!
            XCTAssertGreaterThan(d.reduce(0, +), 0)
            let hl = try HodgesLehmannBounds(differences: d)
            let g = t.number(row, "gamma"), pr = t.number(row, "pr"), what = "\(row[0]) Gamma \(g)"
            XCTAssertEqual(hl.estimate, t.number(row, "walsh_median"), what)
            let exact = hl.interval(gamma: g)
            XCTAssertEqual(exact.lower, t.number(row, "exact_lower"), "\(what) lower")
            XCTAssertEqual(exact.upper, t.number(row, "exact_upper"), "\(what) upper")
            let rbUpper = t.number(row, "rbounds_upper"), rbLower = t.number(row, "rbounds_lower")
            if g == 1 {
                // Both of hlsens' searches stop at once (T(start) = mu- = mu+ to within its eps
                // is not checked: its loop condition |t.max - t.min| > eps already fails).
                XCTAssertEqual(rbUpper, t.number(row, "start"), what)
                XCTAssertEqual(rbLower, t.number(row, "start"), what)
                continue
            }
            let m = Double(d.count * (d.count + 1) / 2)
            let muMinus = m / (1 + g), muPlus = m * g / (1 + g)
            // hlsens steps up from its start until T(tau) <= mu- (upper bound), down until
            // T(tau) >= mu+ (lower bound).
            XCTAssertLessThanOrEqual(hl.statistic(shift: rbUpper), muMinus + 1e-8, what)
            XCTAssertGreaterThan(hl.statistic(shift: rbUpper - pr), muMinus, what)
            XCTAssertGreaterThanOrEqual(hl.statistic(shift: rbLower), muPlus - 1e-8, what)
            XCTAssertLessThan(hl.statistic(shift: rbLower + pr), muPlus, what)
            // So the ends of the exact crossings lie within one step of hlsens' grid points:
            // sup{T > mu-} = w(floor(mu-) + 1) in [upper - pr, upper], and
            // inf{T >= mu+}... = w(ceil(mu+)) in [lower, lower + pr]. Without a tie
            // (mu not an integer) they are the exact bounds themselves.
            let a = hl.walshAverages[Int(muMinus.rounded(.down))], c = hl.walshAverages[Int(muPlus.rounded(.up)) - 1]
            XCTAssert(a >= rbUpper - pr - 1e-9 && a <= rbUpper + 1e-9, "\(what) upper crossing \(a) vs hlsens \(rbUpper)")
            XCTAssert(c >= rbLower - 1e-9 && c <= rbLower + pr + 1e-9, "\(what) lower crossing \(c) vs hlsens \(rbLower)")
            if muMinus.rounded(.down) != muMinus { XCTAssertEqual(exact.upper, a, what) }
            if muPlus.rounded(.down) != muPlus { XCTAssertEqual(exact.lower, c, what) }
        }
    }

    // MARK: - matched sets (mcontrol)

    func sets(_ name: String, _ column: String) throws -> (sets: [[Double]], treated: [Int]) {
        let t = try table(name)
        var sets: [[Double]] = [], treated: [Int] = []
        for (s, (k, y)) in zip(t.integers("set"), zip(t.integers("treat"), t.doubles(column))) {
            if s! > sets.count { sets.append([]); treated.append(-1) }
            if k == 1 { treated[s! - 1] = sets[s! - 1].count }
            sets[s! - 1].append(y!)
        }
        return (sets, treated)
    }

    /// The Gastwirth-Krieger-Rosenbaum bounds against their R transcription, and mcontrol's own
    /// numbers rebuilt from `configurations` with its variance rule (`max E_i[q²] − μ_max²`).
    func testMatchedSetsAgainstMcontrol() throws {
        let t = try table("matched_sets.csv")
        let data = ["mcontrol_example": try sets("mcontrol_example.csv", "score"),
                    "lalonde_re78_2to1": try sets("lalonde_sets.csv", "re78")]
        var differs = false
        for row in t.rows {
            let (s, k) = data[row[0]]!
            let bounds = try MatchedSetsRankBounds(sets: s, treatedMember: k)
            let g = t.number(row, "gamma"), what = "\(row[0]) Gamma \(g)"
            XCTAssertEqual(bounds.statistic, t.number(row, "T"), what)
            let b = bounds.bound(gamma: g)
            assertClose(b.upper, t.number(row, "gkr_upper"), "\(what) upper")
            assertClose(b.lower, t.number(row, "gkr_lower"), "\(what) lower")
            // mcontrol's rule.
            func rbounds(odds: Double, largest: Bool) -> Double {
                var mu = 0.0, v = 0.0
                for set in bounds.configurations(odds: odds) {
                    let e = largest ? set.map(\.mean).max()! : set.map(\.mean).min()!
                    let m2 = largest ? set.map(\.secondMoment).max()! : set.map(\.secondMoment).min()!
                    mu += e; v += m2 - e * e
                }
                return 1 - 0.5 * erfc(-(bounds.statistic - mu) / v.squareRoot() / 2.0.squareRoot())   // 1 - pnorm(z)
            }
            let rbUpper = rbounds(odds: g, largest: true), rbLower = rbounds(odds: 1 / g, largest: false)
            assertClose(rbUpper, t.number(row, "rbounds_upper"), "\(what) mcontrol upper")
            assertClose(rbLower, t.number(row, "rbounds_lower"), "\(what) mcontrol lower")
            XCTAssertEqual(rounded(rbUpper, 4), t.number(row, "rbounds_upper_rounded"), "\(what) printed")
            if g == 1 { assertClose(b.upper, t.number(row, "rbounds_upper"), "\(what) equal at Gamma 1") }
            if abs(b.upper - rbUpper) > 1e-6 { differs = true }
        }
        XCTAssertTrue(differs, "the fixture should show where mcontrol's variance rule differs")
    }

    // MARK: - critical Gamma

    func testCriticalGammaAgainstUniroot() throws {
        let t = try table("critical_gamma.csv")
        let lead = try SignedRankBounds(differences: try pairs("lead_pairs.csv"))
        let lalonde = try SignedRankBounds(differences: try pairs("lalonde_pairs.csv"))
        let lalondePairs = try table("binary.csv").rows.first { $0[0] == "lalonde_employed" }!
        let employed = try SignTestBounds(favourable: Int(lalondePairs[3])!, unfavourable: Int(lalondePairs[4])! - Int(lalondePairs[3])!)
        let (s, k) = try sets("mcontrol_example.csv", "score")
        let cases: [String: any RosenbaumBounds] = [
            "binary_rosenbaum_p112": try SignTestBounds(favourable: 110, unfavourable: 12),
            "binary_lalonde_employed": employed,
            "signed_rank_lead": lead,
            "signed_rank_lalonde_re78": lalonde,
            "matched_sets_mcontrol_example": try MatchedSetsRankBounds(sets: s, treatedMember: k),
        ]
        XCTAssertEqual(t.rows.count, 10)
        let expectedGammas = t.doubles("gamma")
        for (i, row) in t.rows.enumerated() {
            let alpha = t.number(row, "alpha")
            let critical = cases[row[0]]!.criticalGamma(alpha: alpha)
            if let expected = expectedGammas[i] {
                guard case .value(let g) = critical else { XCTFail("\(row[0]): \(critical)"); continue }
                assertClose(g, expected, relative: 1e-9, absolute: 0, "\(row[0]) alpha \(alpha)")
            } else {
                XCTAssertEqual(critical, .notSignificant, row[0])
            }
        }
    }
}
