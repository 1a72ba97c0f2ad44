import XCTest
@testable import Balance

/// Closed-form checks of each MatchIt balance formula on tiny inputs whose answers are worked out
/// by hand in the comments. Tolerance: 1e-12 absolute (the inputs are small and exact in binary up
/// to a few roundings).
final class FormulaTests: XCTestCase {
    let tolerance = 1e-12

    // MARK: Binary rule

    func testBinaryRuleIsAllZeroOrOne() {
        XCTAssertTrue(isBinaryVariable([0, 1, 1, 0]))
        XCTAssertTrue(isBinaryVariable([0, 0, 0]))          // constant 0 still counts as binary
        XCTAssertTrue(isBinaryVariable([1]))
        XCTAssertFalse(isBinaryVariable([1, 2, 1, 2]))      // two values, but not 0/1
        XCTAssertFalse(isBinaryVariable([0, 0.5, 1]))
    }

    // MARK: Weighted mean and variance

    func testWeightedMean() {
        // (1·1 + 2·1 + 3·2 + 4·0) / (1 + 1 + 2 + 0) = 9 / 4
        XCTAssertEqual(weightedMean([1, 2, 3, 4], weights: [1, 1, 2, 0]), 2.25, accuracy: tolerance)
        XCTAssertTrue(weightedMean([1, 2], weights: [0, 0]).isNaN)
    }

    func testWeightedVarianceUnitWeightsIsSampleVariance() {
        // mean 2.5, squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5, / (n − 1) = 5/3
        XCTAssertEqual(weightedVariance([1, 2, 3, 4], weights: [1, 1, 1, 1]), 5.0 / 3.0, accuracy: tolerance)
    }

    func testWeightedVarianceReliabilityWeights() {
        // w' = (.25, .25, .5); mean = .25 + .5 + 1.5 = 2.25;
        // Σw'(x − m)² = .25·1.5625 + .25·.0625 + .5·.5625 = .6875; 1 − Σw'² = 1 − .375 = .625 → 1.1
        XCTAssertEqual(weightedVariance([1, 2, 3], weights: [1, 1, 2]), 1.1, accuracy: tolerance)
        // Scaling the weights changes nothing; a zero-weight unit changes nothing.
        XCTAssertEqual(weightedVariance([1, 2, 3, 100], weights: [0.5, 0.5, 1, 0]), 1.1, accuracy: tolerance)
    }

    func testWeightedVarianceBinaryIsPTimesOneMinusP() {
        // p = 3/5 → p(1 − p) = 0.24 (not the n − 1 sample variance 0.3)
        XCTAssertEqual(weightedVariance([0, 1, 1, 0, 1], weights: [1, 1, 1, 1, 1]), 0.24, accuracy: tolerance)
        // weighted p = (2 + 1) / (1 + 2 + 1) = .75 → .1875
        XCTAssertEqual(weightedVariance([0, 1, 1], weights: [1, 2, 1]), 0.1875, accuracy: tolerance)
        // Forcing the continuous formula gives the sample variance.
        XCTAssertEqual(weightedVariance([0, 1, 1, 0, 1], weights: [1, 1, 1, 1, 1], binary: false), 0.3, accuracy: tolerance)
    }

    // MARK: Effective sample size

    func testEffectiveSampleSize() {
        XCTAssertEqual(effectiveSampleSize([1, 1, 1, 1]), 4, accuracy: tolerance)
        // (1 + 1 + 2)² / (1 + 1 + 4) = 16 / 6
        XCTAssertEqual(effectiveSampleSize([1, 1, 2]), 16.0 / 6.0, accuracy: tolerance)
        // zero weights do not count
        XCTAssertEqual(effectiveSampleSize([0.5, 0.5, 0]), 2, accuracy: tolerance)
        XCTAssertEqual(effectiveSampleSize([0, 0]), 0)
    }

    // MARK: Standardised mean difference

    // treated x = 1, 2, 3 (mean 2, SD 1); control x = 2, 4, 6, 8 (mean 5, variance 20/3)
    let x: [Double] = [1, 2, 3, 2, 4, 6, 8]
    let t: [Bool] = [true, true, true, false, false, false, false]
    let ones: [Double] = [1, 1, 1, 1, 1, 1, 1]

    func testStandardizationScale() {
        XCTAssertEqual(standardizationScale(x, treated: t, estimand: .att), 1, accuracy: tolerance)
        XCTAssertEqual(standardizationScale(x, treated: t, estimand: .atc), (20.0 / 3.0).squareRoot(), accuracy: tolerance)
    }

    func testStandardizedMeanDifferenceATTandATC() throws {
        // (2 − 5) / 1
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(x, treated: t, weights: ones, estimand: .att)), -3, accuracy: tolerance)
        // (2 − 5) / sqrt(20/3)
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(x, treated: t, weights: ones, estimand: .atc)),
                       -3 / (20.0 / 3.0).squareRoot(), accuracy: tolerance)
    }

    func testMatchedSMDUsesFullSampleScale() throws {
        // matched control mean (4·1 + 6·2) / 3 = 16/3; difference 2 − 16/3 = −10/3; scale stays 1
        let w: [Double] = [1, 1, 1, 0, 1, 2, 0]
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(x, treated: t, weights: w)), -10.0 / 3.0, accuracy: tolerance)
    }

    func testSMDOfBinaryVariableUsesPTimesOneMinusP() throws {
        // treated p = .5, control p = .25; scale sqrt(.5 · .5) = .5 → .25 / .5
        let b: [Double] = [1, 1, 0, 0, 1, 0, 0, 0]
        let tb = [true, true, true, true, false, false, false, false]
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(b, treated: tb, weights: Array(repeating: 1, count: 8))),
                       0.5, accuracy: tolerance)
    }

    func testTinyMeanDifferenceIsReportedUnstandardized() throws {
        // Means equal: MatchIt reports the raw difference (0), not 0 / SD.
        let y: [Double] = [2, 2, 2, 1, 2, 3]
        let ty = [true, true, true, false, false, false]
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(y, treated: ty, weights: [1, 1, 1, 1, 1, 1])), 0)
    }

    func testZeroFocalSDFallsBackToPooledSD() throws {
        // treated constant 5 (SD 0); control 1, 2, 3. Pooled: (0 + 2) / (6 − 1) = 0.4 → SD sqrt(.4)
        let y: [Double] = [5, 5, 5, 1, 2, 3]
        let ty = [true, true, true, false, false, false]
        XCTAssertEqual(pooledStandardDeviation(y, treated: ty), 0.4.squareRoot(), accuracy: tolerance)
        XCTAssertEqual(standardizationScale(y, treated: ty), 0.4.squareRoot(), accuracy: tolerance)
        XCTAssertEqual(try XCTUnwrap(standardizedMeanDifference(y, treated: ty, weights: [1, 1, 1, 1, 1, 1])),
                       3 / 0.4.squareRoot(), accuracy: tolerance)
    }

    func testPooledSDOfBinaryVariable() {
        // groups: treated (1, 1, 0): s = 2, n = 3; control (1, 0, 0, 0): s = 1, n = 4; total n = 7
        // [2(1 − 2/3) + 1(1 − 1/4)] / 7 = (2/3 + 3/4) / 7 = 17/84
        let b: [Double] = [1, 1, 0, 1, 0, 0, 0]
        XCTAssertEqual(pooledStandardDeviation(b, treated: t), (17.0 / 84.0).squareRoot(), accuracy: tolerance)
    }

    func testSMDIsNilWhenBothGroupsTooSmall() {
        // one treated and one control unit with non-zero weight
        XCTAssertNil(standardizedMeanDifference(x, treated: t, weights: [1, 0, 0, 0, 1, 0, 0]))
    }

    // MARK: Variance ratio

    func testVarianceRatio() throws {
        // 1 / (20/3)
        XCTAssertEqual(try XCTUnwrap(varianceRatio(x, treated: t, weights: ones)), 0.15, accuracy: tolerance)
        // matched controls 2, 4, 6 (variance 4) → 1/4
        XCTAssertEqual(try XCTUnwrap(varianceRatio(x, treated: t, weights: [1, 1, 1, 1, 1, 1, 0])), 0.25, accuracy: tolerance)
        XCTAssertNil(varianceRatio([1, 0, 1, 0, 0, 1, 1], treated: t, weights: ones))   // binary
    }

    // MARK: eCDF statistics

    func testECDFStatistics() throws {
        // treated 1, 2, 3; control 2, 4. Distinct values 1, 2, 3, 4:
        // F_t = 1/3, 2/3, 1, 1; F_c = 0, 1/2, 1/2, 1 → |diff| = 1/3, 1/6, 1/2, 0 → mean 1/4, max 1/2
        let e = try XCTUnwrap(ecdfStatistics([1, 2, 3, 2, 4], treated: [true, true, true, false, false], weights: [1, 1, 1, 1, 1]))
        XCTAssertEqual(e.mean, 0.25, accuracy: tolerance)
        XCTAssertEqual(e.max, 0.5, accuracy: tolerance)
    }

    func testECDFMeanCountsDistinctValuesOfZeroWeightUnits() throws {
        // As above plus a control at 10 with weight 0: the eCDFs are unchanged but the value 10 adds
        // a fifth point with difference 0 → mean 1.25 / 5 = 0.25 → 0.2
        let e = try XCTUnwrap(ecdfStatistics([1, 2, 3, 2, 4, 10], treated: [true, true, true, false, false, false],
                                             weights: [1, 1, 1, 1, 1, 0]))
        XCTAssertEqual(e.mean, 0.2, accuracy: tolerance)
        XCTAssertEqual(e.max, 0.5, accuracy: tolerance)
    }

    func testWeightedECDF() throws {
        // treated 1, 3 (weights 1, 3 → .25, .75); control 2 (weight 1). Values 1, 2, 3:
        // F_t = .25, .25, 1; F_c = 0, 1, 1 → .25, .75, 0 → mean 1/3, max .75
        let e = try XCTUnwrap(ecdfStatistics([1, 3, 2, 2], treated: [true, true, false, false], weights: [1, 3, 1, 1]))
        XCTAssertEqual(e.mean, 1.0 / 3.0, accuracy: tolerance)
        XCTAssertEqual(e.max, 0.75, accuracy: tolerance)
    }

    func testECDFOfBinaryIsDifferenceInProportions() throws {
        // treated p = 2/3, control p = 1/4
        let e = try XCTUnwrap(ecdfStatistics([1, 1, 0, 1, 0, 0, 0], treated: t, weights: ones))
        XCTAssertEqual(e.mean, 2.0 / 3.0 - 0.25, accuracy: tolerance)
        XCTAssertEqual(e.max, 2.0 / 3.0 - 0.25, accuracy: tolerance)
    }

    // MARK: Pair distance

    func testPairDistanceWithinMatchedSets() {
        // x = 1(T), 5(T), 2(C), 3(C), 10(C); sets {0, 2, 3} and {1, 4}
        // pairs |2 − 1| = 1, |3 − 1| = 2, |10 − 5| = 5 → 8/3 (controls are not paired with each other)
        let y: [Double] = [1, 5, 2, 3, 10]
        let ty = [true, true, false, false, false]
        XCTAssertEqual(meanPairDistance(y, treated: ty, subclass: [1, 2, 1, 1, 2]), 8.0 / 3.0, accuracy: tolerance)
        // units outside sets are ignored
        XCTAssertEqual(meanPairDistance(y, treated: ty, subclass: [1, 2, 1, nil, 2]), 3, accuracy: tolerance)
        XCTAssertEqual(meanPairDistance(y, treated: ty, subclass: [nil, nil, nil, nil, nil]), 0)
    }

    func testPairDistanceFromMatchMatrix() {
        let y: [Double] = [1, 5, 2, 3, 10]
        let same = MatchMatrix(focalUnits: [0, 1], matches: [[2, 3], [4]])
        XCTAssertEqual(meanPairDistance(y, matchMatrix: same), 8.0 / 3.0, accuracy: tolerance)
        // with replacement a control can serve twice: |1 − 2| and |5 − 2| → 2
        XCTAssertEqual(meanPairDistance(y, matchMatrix: MatchMatrix(focalUnits: [0, 1], matches: [[2], [2]])), 2, accuracy: tolerance)
    }
}
