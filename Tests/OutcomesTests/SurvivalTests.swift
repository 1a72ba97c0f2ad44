import XCTest
import TestSupport
@testable import Outcomes

/// Kaplan–Meier (`survfit(Surv(time, event) ~ treat, weights = w)`) and the log-rank test
/// (`survdiff(Surv(time, event) ~ treat)`) against R's survival 3.5-3.
///
/// Variants: "default" (survfit's own choice: Greenwood for the 1:1 match, whose weights are 1,
/// infinitesimal jackknife for the 2:1 match with replacement, whose weights are fractional),
/// "greenwood" (`robust = FALSE`), "robust" (`robust = TRUE`).
/// Tolerances (relative): 1e-12 on times, numbers at risk/events/censored and survival; 1e-10 on
/// standard errors and the log-rank statistic and p-value.
final class SurvivalTests: XCTestCase {
    static let log = DifferenceLog()
    override class func tearDown() { log.report() }

    func testKaplanMeierMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("kaplan_meier")
            let sample = try design.survival()
            for (variant, variance) in [("default", KaplanMeierVariance.automatic), ("greenwood", .greenwood),
                                        ("robust", .infinitesimalJackknife)] {
                let curves = try KaplanMeier.fit(sample, variance: variance)
                for (arm, curve) in [("1", curves.treated), ("0", curves.comparison)] {
                    let r = rows(expected, where: ["variant": variant, "treat": arm])
                    let label = "\(name) \(variant) treat=\(arm)"
                    XCTAssertEqual(curve.time.count, r.count, "\(label): number of times")
                    guard curve.time.count == r.count else { continue }
                    XCTAssertEqual(curve.standardErrorOfLogSurvival, value(expected, r[0], "logse") == 1, label)
                    for (j, row) in r.enumerated() {
                        XCTAssertEqual(curve.time[j], value(expected, row, "time"), label)
                        assertClose(curve.atRisk[j], value(expected, row, "n_risk"), 1e-12, "km.n_risk [\(label)]", log: Self.log)
                        assertClose(curve.events[j], value(expected, row, "n_event"), 1e-12, "km.n_event [\(label)]", log: Self.log)
                        assertClose(curve.censored[j], value(expected, row, "n_censor"), 1e-12, "km.n_censor [\(label)]", log: Self.log)
                        assertClose(curve.survival[j], value(expected, row, "surv"), 1e-12, "km.surv [\(label)]", log: Self.log)
                        assertClose(curve.standardError[j], value(expected, row, "std_err"), 1e-10, "km.std_err.\(variant) [\(label)]", log: Self.log)
                    }
                }
            }
        }
    }

    func testLogRankMatchesR() throws {
        for name in Design.names {
            let design = try Design(name)
            let expected = try design.table("logrank")
            let test = try LogRankTest(try design.survival())
            guard let control = rows(expected, where: ["group": "0"]).first,
                  let treated = rows(expected, where: ["group": "1"]).first else { return XCTFail("fixture rows") }
            XCTAssertEqual(Double(test.treatedUnits), value(expected, treated, "n"))
            XCTAssertEqual(Double(test.comparisonUnits), value(expected, control, "n"))
            XCTAssertEqual(test.treatedObserved, value(expected, treated, "observed"))
            XCTAssertEqual(test.comparisonObserved, value(expected, control, "observed"))
            assertClose(test.treatedExpected, value(expected, treated, "expected"), 1e-12, "logrank.expected [\(name)]", log: Self.log)
            assertClose(test.comparisonExpected, value(expected, control, "expected"), 1e-12, "logrank.expected [\(name)]", log: Self.log)
            assertClose(test.variance, value(expected, treated, "variance"), 1e-12, "logrank.variance [\(name)]", log: Self.log)
            assertClose(test.statistic, value(expected, treated, "chisq"), 1e-10, "logrank.chisq [\(name)]", log: Self.log)
            assertClose(test.pValue, value(expected, treated, "p_value"), 1e-10, "logrank.p_value [\(name)]", log: Self.log)
        }
    }

    /// A textbook example by hand: times 1, 2+, 3, 3, 4+ (one group), weights 1.
    /// S(1) = 4/5, S(3) = 4/5 · 1/3 = 4/15; Greenwood Σ d/(n(n−d)) = 1/20 + 2/3.
    /// Infinitesimal jackknife at the first event: ∂S/∂wᵢ = −1/n for the unit with the event and
    /// d/n² for every unit at risk, so var = (−1/5 + 1/25)² + 4 (1/25)² = 4/125 (= Greenwood's
    /// S² d/(n(n − d)) at a single event time).
    func testKaplanMeierByHand() throws {
        let s = try SurvivalSample(time: [1, 2, 3, 3, 4, 9, 9], event: [true, false, true, true, false, true, false],
                                   treated: [true, true, true, true, true, false, false], weights: [1, 1, 1, 1, 1, 1, 1])
        let km = try KaplanMeier.fit(s, variance: .greenwood).treated
        XCTAssertEqual(km.time, [1, 2, 3, 4])
        XCTAssertEqual(km.atRisk, [5, 4, 3, 1])
        XCTAssertEqual(km.survival[0], 0.8, accuracy: 1e-15)
        XCTAssertEqual(km.survival[2], 4.0 / 15, accuracy: 1e-15)
        XCTAssertEqual(km.standardError[2], (1.0 / 20 + 2.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(km.survivalStandardError[2], 4.0 / 15 * (1.0 / 20 + 2.0 / 3).squareRoot(), accuracy: 1e-15)
        let ij = try KaplanMeier.fit(s, variance: .infinitesimalJackknife).treated
        XCTAssertEqual(ij.standardError[0], (4.0 / 125).squareRoot(), accuracy: 1e-15)
        // Integer weights: the automatic choice is Greenwood; fractional weights switch to IJ.
        XCTAssertEqual(try KaplanMeier.fit(s).treated.variance, .greenwood)
        let fractional = try SurvivalSample(time: s.time, event: s.event, treated: s.treated, weights: [1, 1, 1, 1, 1, 0.5, 1])
        XCTAssertEqual(try KaplanMeier.fit(fractional).comparison.variance, .infinitesimalJackknife)
        // All at risk die: S = 0 and Greenwood's SE of log S is +∞, as R reports.
        let last = try KaplanMeier.fit(s, variance: .greenwood).comparison
        XCTAssertEqual(last.survival, [0.5])
        let allDie = try SurvivalSample(time: [1, 2, 1], event: [true, true, true], treated: [true, true, false], weights: [1, 1, 1])
        let curve = try KaplanMeier.fit(allDie, variance: .greenwood).treated
        XCTAssertEqual(curve.survival, [0.5, 0])
        XCTAssertEqual(curve.standardError[1], .infinity)
        XCTAssertEqual(curve.survivalStandardError[1], 0)
    }

    /// Log-rank by hand: two groups, event times 1 (treated) and 2 (comparison), all others censored later.
    func testLogRankByHand() throws {
        let s = try SurvivalSample(time: [1, 3, 2, 3], event: [true, false, true, false], treated: [true, true, false, false],
                                   weights: [1, 1, 1, 1])
        let test = try LogRankTest(s)
        // t=1: n=4, nT=2, d=1 → E_T = 1/2, V = 1·(1/2)(1/2)(3/3) = 1/4.
        // t=2: n=3, nT=1, d=1 → E_T = 1/3, V = (1/3)(2/3)(2/2) = 2/9.
        XCTAssertEqual(test.treatedExpected, 0.5 + 1.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(test.variance, 0.25 + 2.0 / 9, accuracy: 1e-15)
        let o = 1 - (0.5 + 1.0 / 3)
        XCTAssertEqual(test.statistic, o * o / (0.25 + 2.0 / 9), accuracy: 1e-14)
    }

    func testErrors() throws {
        XCTAssertThrowsError(try SurvivalSample(time: [1, -2], event: [true, true], treated: [true, false], weights: [1, 1])) {
            XCTAssertEqual($0 as? OutcomesError, .nonFiniteValue(name: "time (finite, >= 0)", unit: 1))
        }
        XCTAssertThrowsError(try SurvivalSample(time: [1], event: [true, true], treated: [true], weights: [1])) {
            guard case OutcomesError.lengthMismatch = $0 else { return XCTFail("\($0)") }
        }
        let noEvents = try SurvivalSample(time: [1, 2, 3, 4], event: [false, false, false, false],
                                          treated: [true, true, false, false], weights: [1, 1, 1, 1])
        XCTAssertThrowsError(try LogRankTest(noEvents)) { guard case OutcomesError.noEvents = $0 else { return XCTFail("\($0)") } }
        // No events is a valid (flat) Kaplan–Meier curve.
        XCTAssertEqual(try KaplanMeier.fit(noEvents).treated.survival, [1, 1])
        let oneArm = try SurvivalSample(time: [1, 2], event: [true, true], treated: [true, true], weights: [1, 1])
        XCTAssertThrowsError(try LogRankTest(oneArm)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
        XCTAssertThrowsError(try KaplanMeier.fit(oneArm)) { XCTAssertEqual($0 as? OutcomesError, .emptyGroup(.comparison)) }
        let single = try SurvivalSample(time: [1, 2], event: [true, false], treated: [true, false], weights: [1, 1])
        // One unit at risk at the only event time... two at risk, fine; zero variance needs n = 1:
        let lonely = try SurvivalSample(time: [2, 1], event: [true, false], treated: [true, false], weights: [1, 1])
        XCTAssertNoThrow(try LogRankTest(single))
        XCTAssertThrowsError(try LogRankTest(lonely)) { guard case OutcomesError.zeroVariance = $0 else { return XCTFail("\($0)") } }
    }
}
