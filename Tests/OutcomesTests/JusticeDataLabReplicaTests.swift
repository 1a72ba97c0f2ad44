import XCTest
@testable import Outcomes

/// The replica's rules on small hand-worked samples (the R reference on the bundled data is in
/// CLITests/JusticeDataLabReplicaTests).
final class JusticeDataLabReplicaUnitTests: XCTestCase {
    /// 80 treated and 80 comparison people, weight 1: treated reoffend 40 (each once, first on day
    /// 100), comparison 48 (each twice, first on day 50). Rate 50 vs 60 per 100; frequency 50 vs
    /// 120 per 100; time 100 vs 50 days with no variation, so its test cannot be done.
    func testRulesAndClosedForms() throws {
        let n = 80
        var reoffended: [Double] = [], offences: [Double] = [], days: [Double] = [], treated: [Bool] = []
        for i in 0..<n { treated.append(true); let r = i < 40; reoffended.append(r ? 1 : 0); offences.append(r ? 1 : 0); days.append(r ? 100 : 365) }
        for i in 0..<n { treated.append(false); let r = i < 48; reoffended.append(r ? 1 : 0); offences.append(r ? 2 : 0); days.append(r ? 50 : 365) }
        let weights = [Double](repeating: 1, count: 2 * n)
        let replica = try JusticeDataLabReplica(reoffended: reoffended, offences: offences, daysToFirst: days,
                                                treated: treated, weights: weights)
        XCTAssertEqual(replica.rate.treated, 50, accuracy: 1e-12)
        XCTAssertEqual(replica.rate.comparison, 60, accuracy: 1e-12)
        // HC0 variance of each mean: p(1 - p)/n, so SE = 100 sqrt(0.25/80 + 0.24/80).
        XCTAssertEqual(replica.rate.standardError, 100 * (0.25 / 80 + 0.24 / 80).squareRoot(), accuracy: 1e-10)
        XCTAssertNil(replica.rate.withheld)
        XCTAssertEqual(replica.frequency.difference, -70, accuracy: 1e-12)
        // Time: 40 and 48 reoffenders (>= 30), but every time is the same within a group.
        XCTAssertEqual(replica.timeToFirst.treatedPeople, 40)
        XCTAssertEqual(replica.timeToFirst.comparisonPeople, 48)
        XCTAssertEqual(replica.timeToFirst.difference, 50, accuracy: 1e-12)
        XCTAssertNotNil(replica.timeToFirst.withheld)
        XCTAssertFalse(replica.timeToFirst.significant)
        XCTAssertTrue(replica.rate.sentence.hasPrefix("For every 100 people who received support, 50 committed a proven reoffence within a one-year period, compared with 60"), replica.rate.sentence)
    }

    /// Fewer than 60 treated people: every measure is withheld and none is significant.
    func testMinimumTreatedGroup() throws {
        var reoffended: [Double] = [], treated: [Bool] = []
        for i in 0..<50 { treated.append(true); reoffended.append(i < 10 ? 1 : 0) }
        for i in 0..<200 { treated.append(false); reoffended.append(i < 150 ? 1 : 0) }
        let replica = try JusticeDataLabReplica(reoffended: reoffended, offences: reoffended,
                                                daysToFirst: reoffended.map { $0 == 1 ? 30 : 365 }, treated: treated,
                                                weights: [Double](repeating: 1, count: 250))
        for m in replica.measures {
            XCTAssertFalse(m.significant)
            XCTAssertEqual(m.withheld, "only 50 people in the treatment group (the minimum is 60)")
            XCTAssertTrue(m.sentence.contains("No conclusion is drawn"), m.sentence)
        }
    }

    /// The normal-approximation rule: 100 treated with 5 reoffenders gives n·p = 5 < 10.
    func testNormalApproximationRule() throws {
        var reoffended: [Double] = [], treated: [Bool] = []
        for i in 0..<100 { treated.append(true); reoffended.append(i < 5 ? 1 : 0) }
        for i in 0..<100 { treated.append(false); reoffended.append(i < 40 ? 1 : 0) }
        let replica = try JusticeDataLabReplica(reoffended: reoffended, offences: reoffended,
                                                daysToFirst: reoffended.map { $0 == 1 ? 30 : 365 }, treated: treated,
                                                weights: [Double](repeating: 1, count: 200))
        XCTAssertEqual(replica.rate.withheld, "the normal approximation needs n·p and n·(1 − p) of at least 10 in each group; the treatment group has n = 100, p = 0.0500")
        XCTAssertFalse(replica.rate.significant)
        XCTAssertLessThan(replica.rate.pValue, 1e-6)   // computed, but not claimed
        XCTAssertNil(replica.frequency.withheld)
        XCTAssertTrue(replica.frequency.significant)
        XCTAssertTrue(replica.frequency.sentence.contains("This is a statistically significant result: it could be lower by between"),
                      replica.frequency.sentence)
        // 5 treated reoffenders < 30: no time to first reoffence.
        XCTAssertEqual(replica.timeToFirst.withheld, "fewer than 30 reoffenders in a group (treatment 5, comparison 40)")
    }

    func testNumberWords() {
        XCTAssertEqual(JusticeDataLabReplica.whole(0.4), "0.4")
        XCTAssertEqual(JusticeDataLabReplica.whole(2.5), "3")
        XCTAssertEqual(JusticeDataLabReplica.whole(-2.5), "-3")
        XCTAssertEqual(JusticeDataLabReplica.decimal(0.05, 4), "0.0500")
        XCTAssertEqual(JusticeDataLabReplica.decimal(-0.00001, 2), "0.00")
    }
}
