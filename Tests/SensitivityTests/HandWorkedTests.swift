import XCTest
@testable import Sensitivity

/// Small cases worked by hand (each assertion's comment shows the arithmetic).
final class HandWorkedTests: XCTestCase {
    /// 5 discordant pairs all favourable: at Γ = 1, P(X ≥ 5) = 2⁻⁵ = 0.03125; at Γ = 2,
    /// p⁺ = 2/3, upper = (2/3)⁵ = 32/243, lower = (1/3)⁵ = 1/243. Critical Γ at α = 0.05:
    /// (Γ/(1+Γ))⁵ = 0.05, Γ = 0.05^{1/5}/(1 − 0.05^{1/5}).
    func testSignTestAllFavourable() throws {
        let b = try SignTestBounds(favourable: 5, unfavourable: 0)
        XCTAssertEqual(b.bound(gamma: 1).upper, 0.03125, accuracy: 1e-16)
        XCTAssertEqual(b.bound(gamma: 2).upper, 32.0 / 243, accuracy: 1e-15)
        XCTAssertEqual(b.bound(gamma: 2).lower, 1.0 / 243, accuracy: 1e-16)
        let r = pow(0.05, 0.2)
        guard case .value(let g) = b.criticalGamma(alpha: 0.05) else { return XCTFail() }
        XCTAssertEqual(g, r / (1 - r), accuracy: 1e-10)
        // binarysens' P(X > 5) would be 0: no evidence at all from 5 out of 5.
        XCTAssertEqual(SignTestBounds.upperTail(atLeast: 6, of: 5, oddsRatio: 1), 0)
        XCTAssertEqual(b.criticalGamma(alpha: 0.01), .notSignificant)   // 0.03125 >= 0.01
    }

    /// From pairs of 0/1 outcomes, a reduction counts (treated 0, control 1) as favourable.
    func testSignTestFromPairs() throws {
        let b = try SignTestBounds(treated: [false, false, true, true, false], control: [true, true, false, true, false], reduction: true)
        XCTAssertEqual(b.favourable, 2)
        XCTAssertEqual(b.unfavourable, 1)
        // P(X ≥ 2), X ~ Bin(3, ½) = 4/8.
        XCTAssertEqual(b.bound(gamma: 1).upper, 0.5, accuracy: 1e-14)
    }

    /// Differences (3, −1, 2, 0): zeros dropped, ranks of |d| = (3, 1, 2), T = 3 + 2 = 5,
    /// Σq = 6, Σq² = 14. At Γ = 1: E = 3, V = 14/4, z = 2/√3.5.
    /// At Γ = 3: p⁺ = 3/4, E⁺ = 4.5, V = 14·3/16, z = 0.5/√2.625; E⁻ = 1.5, z = 3.5/√2.625.
    func testSignedRank() throws {
        let b = try SignedRankBounds(differences: [3, -1, 2, 0])
        XCTAssertEqual(b.statistic, 5)
        XCTAssertEqual(b.nonZeroPairs, 3)
        XCTAssertEqual(b.deviates(gamma: 1).upper, 2 / 3.5.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(b.deviates(gamma: 3).upper, 0.5 / 2.625.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(b.deviates(gamma: 3).lower, 3.5 / 2.625.squareRoot(), accuracy: 1e-15)
        // Ties get average ranks: |d| = (1, 1, 2) -> (1.5, 1.5, 3).
        XCTAssertEqual(try SignedRankBounds(differences: [1, -1, 2]).statistic, 4.5)
        XCTAssertThrowsError(try SignedRankBounds(differences: [0, 0]))
    }

    /// d = (1, 2, 4): Walsh averages 1, 1.5, 2, 2.5, 3, 4 (M = 6). Γ = 1: μ = 3, estimate
    /// (w₍₄₎ + w₍₃₎)/2 with w decreasing (4, 3, 2.5, 2, 1.5, 1) = (2 + 2.5)/2 = 2.25.
    /// Γ = 2: μ⁻ = 2 -> (w₍₃₎ + w₍₂₎)/2 = 2.75; μ⁺ = 4 -> (w₍₅₎ + w₍₄₎)/2 = 1.75.
    /// Γ = 3: μ⁻ = 1.5 -> w₍₂₎ = 3; μ⁺ = 4.5 -> w₍₅₎ = 1.5.
    func testHodgesLehmann() throws {
        let hl = try HodgesLehmannBounds(differences: [1, 2, 4])
        XCTAssertEqual(Array(hl.walshAverages), [4, 3, 2.5, 2, 1.5, 1])
        XCTAssertEqual(hl.estimate, 2.25)
        XCTAssertEqual(hl.interval(gamma: 2).upper, 2.75)
        XCTAssertEqual(hl.interval(gamma: 2).lower, 1.75)
        XCTAssertEqual(hl.interval(gamma: 3).upper, 3)
        XCTAssertEqual(hl.interval(gamma: 3).lower, 1.5)
        // T(τ) counts the Walsh averages above τ: at τ = 2.2, three of them (4, 3, 2.5).
        XCTAssertEqual(hl.statistic(shift: 2.2), 3)
    }

    /// Two sets of three, outcomes (5 | 1, 0) and (2 | 4, 0), treated first. Aligned values
    /// 3, −1, −2 and 0, 2, −2: average ranks 6, 3, 1.5 and 4, 5, 1.5; T = 6 + 4 = 10.
    /// Γ = 1: each set's mean rank is its average, (10.5 + 10.5)/3 = 7; variances
    /// (36 + 9 + 2.25)/3 − 3.5² = 3.5 and (16 + 25 + 2.25)/3 − 3.5² = 2.1666….
    /// Γ = 2, set 1 (q = 1.5, 3, 6): i = 1 gives (1.5 + 2·9)/5 = 3.9, i = 2 gives (4.5 + 12)/4 = 4.125;
    /// the larger is i = 2, variance (2.25 + 9 + 72)/4 − 4.125² = 3.796875.
    func testMatchedSets() throws {
        let b = try MatchedSetsRankBounds(sets: [[5, 1, 0], [2, 4, 0]], treatedMember: [0, 0])
        XCTAssertEqual(b.statistic, 10)
        XCTAssertEqual(b.setRanks, [[1.5, 3, 6], [1.5, 4, 5]])
        let v = (36 + 9 + 2.25) / 3 - 12.25 + (16 + 25 + 2.25) / 3 - 12.25
        XCTAssertEqual(b.bound(gamma: 1).upper, 0.5 * erfc(3 / v.squareRoot() / 2.0.squareRoot()), accuracy: 1e-15)
        let c = b.configurations(odds: 2)[0]
        XCTAssertEqual(c[0].mean, 3.9, accuracy: 1e-15)
        XCTAssertEqual(c[1].mean, 4.125, accuracy: 1e-15)
        XCTAssertEqual(c[1].variance, 3.796875, accuracy: 1e-14)
        XCTAssertThrowsError(try MatchedSetsRankBounds(sets: [[1]], treatedMember: [0]))
    }

    /// A matching of 4 units: treated 0 with control 1, treated 2 with control 3; counts.
    /// Reductions 3 − 1 = 2 and 5 − 0 = 5: both favourable, T = 3 of Σq = 3, signed rank.
    func testMatchedOutcomeChoosesTheTest() throws {
        let s = try MatchedOutcomeSensitivity(outcome: [1, 3, 0, 5], treated: [true, false, true, false],
                                              focalUnits: [0, 2], matches: [[1], [3]], binary: false, oneSidedLevel: 0.05)
        guard case .signedRank(let b) = s.test else { return XCTFail("\(s.test)") }
        XCTAssertEqual(b.statistic, 3)
        XCTAssertEqual(s.pairs, 2)
        let binary = try MatchedOutcomeSensitivity(outcome: [0, 1, 0, 1], treated: [true, false, true, false],
                                                   focalUnits: [0, 2], matches: [[1], [3]], binary: true, oneSidedLevel: 0.05)
        guard case .signTest(let t) = binary.test else { return XCTFail("\(binary.test)") }
        XCTAssertEqual(t.favourable, 2)
        let sets = try MatchedOutcomeSensitivity(outcome: [1, 3, 2, 0, 5, 4], treated: [true, false, false, true, false, false],
                                                 focalUnits: [0, 3], matches: [[1, 2], [4, 5]], binary: false, oneSidedLevel: 0.05)
        guard case .matchedSets = sets.test else { return XCTFail("\(sets.test)") }
        XCTAssertEqual(sets.grid.first?.gamma, 1)
        XCTAssertEqual(HiddenBias.gammaGrid(upTo: 2, step: 0.05).count, 21)
        XCTAssertEqual(HiddenBias.gammaGrid(upTo: 2, step: 0.05).last, 2)
    }
}
