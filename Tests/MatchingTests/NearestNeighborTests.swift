import XCTest
import TestSupport
@testable import Matching

/// Hand-worked cases of the nearest-neighbour rules. Distances are dyadic fractions so every
/// difference is exact and ties are real ties.
final class NearestNeighborTests: XCTestCase {
    // Units: A (treated, 0.875), B (treated, 0.75), c1 0.8125, c2 0.625, c3 0.9375, c4 0.125.
    let treated = [true, true, false, false, false, false]
    let distance = [0.875, 0.75, 0.8125, 0.625, 0.9375, 0.125]

    /// 2:1 without replacement, largest first.
    /// Round 1: A is tied between c1 (one step left) and c3 (one step right): MatchIt looks left
    /// first, so c1. B: c2 (0.125 away) beats c3 (0.1875). Round 2: A searches outward from its
    /// first match: c3. B: c4 is the only control left.
    func testRoundsAndLeftFirstTies() throws {
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance,
                                                 specification: .init(ratio: 2))
        XCTAssertEqual(r.focalUnits, [0, 1])
        XCTAssertEqual(r.matches, [[2, 4], [3, 5]])
        XCTAssertEqual(r.subclass, [1, 2, 1, 2, 1, 2])
        // Each control carries 1/2; normalised to mean 1 among the 4 matched controls.
        XCTAssertEqual(r.weights, [1, 1, 1, 1, 1, 1])
        XCTAssertEqual(r.order, .largest)
    }

    /// 1:1, smallest first: B (0.75) goes first and takes c1 (0.0625 away, against 0.125 for c2);
    /// A then takes c3 (0.0625), c1 being used. Largest first, A takes c1 and B falls back to c2.
    func testOrderChangesWhoGetsTheContestedControl() throws {
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance,
                                                 specification: .init(order: .smallest))
        XCTAssertEqual(r.matches, [[4], [2]])
        let largest = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init())
        XCTAssertEqual(largest.matches, [[2], [3]])
    }

    /// With replacement both treated units may use c1; weights are 1/k per set, summed, then
    /// normalised: c1 has 1 + 1 = 2, others 0; mean over the one matched control is 1.
    func testReplacementReusesControls() throws {
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance,
                                                 specification: .init(replace: true))
        XCTAssertEqual(r.matches, [[2], [2]])
        XCTAssertEqual(r.weights, [1, 1, 1, 0, 0, 0])
        XCTAssertEqual(r.subclass, [nil, nil, nil, nil, nil, nil])
        XCTAssertEqual(r.order, .data)
    }

    /// Caliper: SD of all six distances (n-1) is 0.2905...; 0.2 SD = 0.0581 < 0.0625, so nobody
    /// can be matched within the caliper.
    func testCaliperInStandardDeviations() throws {
        XCTAssertThrowsError(try NearestNeighborMatcher.match(treated: treated, distance: distance,
                                                              specification: .init(caliper: 0.2))) { e in
            XCTAssertEqual(e as? MatchingError, .noMatches("treated"))
        }
        // 0.25 SD = 0.0726: A takes c1 (0.0625); B's nearest free control c2 is 0.125 away: unmatched.
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init(caliper: 0.25))
        XCTAssertEqual(r.matches, [[2], []])
        XCTAssertEqual(r.caliperWidth!, 0.25 * sampleSD(distance), accuracy: 1e-15)
        XCTAssertEqual(r.subclass, [1, nil, 1, nil, nil, nil])
    }

    func testCommonSupport() {
        // Treated range [0.75, 0.875]; control range [0.125, 0.9375].
        XCTAssertEqual(NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: .control),
                       [false, false, false, true, true, true])
        XCTAssertEqual(NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: .treated),
                       [false, false, false, false, false, false])
        XCTAssertEqual(NearestNeighborMatcher.commonSupport(treated: treated, distance: distance, rule: .both),
                       [false, false, false, true, true, true])
    }

    func testExactCellsRestrictMatches() throws {
        // A and c3 in cell 1, everyone else in cell 0: A must take c3 although c1 is as close.
        let cells = [1, 0, 0, 0, 1, 0]
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance, exactCells: cells, specification: .init())
        XCTAssertEqual(r.matches, [[4], [2]])
        XCTAssertThrowsError(try NearestNeighborMatcher.match(treated: treated, distance: distance,
                                                              exactCells: [1, 1, 0, 0, 0, 0], specification: .init())) { e in
            XCTAssertEqual(e as? MatchingError, .noCommonCells)
        }
    }

    func testInvalidInputs() {
        XCTAssertThrowsError(try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init(ratio: 0)))
        XCTAssertThrowsError(try NearestNeighborMatcher.match(treated: treated, distance: [0.1, .nan, 0.2, 0.3, 0.4, 0.5],
                                                              specification: .init())) { e in
            guard case .nonFiniteDistance(let row, let value) = e as? MatchingError else { return XCTFail("\(e)") }
            XCTAssertEqual(row, 1)
            XCTAssertTrue(value.isNaN)
        }
    }

    /// Random order is reproducible from its seed and independent of anything else.
    func testRandomOrderIsSeeded() throws {
        let a = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init(order: .random, seed: 7))
        let b = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init(order: .random, seed: 7))
        XCTAssertEqual(a.matches, b.matches)
    }

    /// The heap selection reproduces GNU libstdc++'s `std::partial_sort` on tie-heavy inputs
    /// (reference from Scripts/partial-sort-reference.cpp, compiled with g++).
    func testPartialSortMatchesLibstdcxx() throws {
        let text = try String(contentsOf: Fixtures.file("cxx/partial_sort.csv"), encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: ";", omittingEmptySubsequences: false)
            let k = Int(parts[1])!
            let keys = parts[2].split(separator: " ").map { Double($0)! }
            let expected = parts[3].split(separator: " ").map { Int($0)! }
            var order = Array(keys.indices)
            partialSort(&order, middle: k, by: { keys[$0] < keys[$1] })
            XCTAssertEqual(Array(order[0..<k]), expected, "keys \(keys), k \(k)")
            checked += 1
        }
        XCTAssertEqual(checked, 400)
    }

    /// The controls of each cell listed in rank order are the same however many pieces the ranks are
    /// cut into (the pipeline uses eight from 2^18 units on, one below): equal to a plain filter of
    /// the ranking, for one cell and for four, with pieces that are empty or hold no control.
    func testControlsInRankOrderForAnyNumberOfPieces() {
        var state: UInt64 = 5
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for n in [0, 1, 7, 3_001] {
            var ranked = (0..<n).map { Int32($0) }
            for i in stride(from: n - 1, to: 0, by: -1) { ranked.swapAt(i, Int(next() % UInt64(i + 1))) }
            let usable = (0..<n).map { _ in next() % 3 != 0 }
            for cellCount in [1, 4] {
                let dense = cellCount == 1 ? [] : (0..<n).map { _ in Int(next() % UInt64(cellCount)) }
                let cells = UnitCells(dense: dense)
                var expectedUnits = Array(repeating: [Int32](), count: cellCount)
                var expectedPositions = Array(repeating: [Int32](), count: cellCount)
                for (r, u) in ranked.enumerated() where usable[Int(u)] {
                    expectedUnits[cells[Int(u)]].append(u)
                    expectedPositions[cells[Int(u)]].append(Int32(r))
                }
                for pieces in [1, 2, 5, 8, 64] {
                    let (units, positions) = NearestNeighborMatcher.controlsInRankOrder(
                        ranked: ranked, usable: usable, cells: cells, cellCount: cellCount, pieces: pieces)
                    XCTAssertEqual(units, expectedUnits, "n \(n), \(cellCount) cells, \(pieces) pieces")
                    XCTAssertEqual(positions, expectedPositions, "n \(n), \(cellCount) cells, \(pieces) pieces")
                }
            }
        }
    }

    /// The selection of one candidate (1:1 matching) keeps what `std::partial_sort` keeps: the
    /// libstdc++ reference's first element for every case with k = 1, and the heap selection's for
    /// every prefix of the other cases' tie-heavy keys.
    func testSelectionOfOneIsTheHeapSelection() throws {
        let text = try String(contentsOf: Fixtures.file("cxx/partial_sort.csv"), encoding: .utf8)
        var withReference = 0, checked = 0
        var order: [Int] = [], picked: [Candidate] = []
        for line in text.split(separator: "\n").dropFirst() {
            let parts = line.split(separator: ";", omittingEmptySubsequences: false)
            let keys = parts[2].split(separator: " ").map { Double($0)! }
            if Int(parts[1])! == 1 {
                var found = keys.indices.map { Candidate(unit: $0, index: $0, distance: keys[$0]) }
                selectClosest(&found, ratio: 1, order: &order, picked: &picked)
                XCTAssertEqual(found.map(\.unit), [Int(parts[3])!], "keys \(keys)")
                withReference += 1
            }
            for count in 2...keys.count {
                var found = (0..<count).map { Candidate(unit: $0, index: $0, distance: keys[$0]) }
                var heap = Array(0..<count)
                partialSort(&heap, middle: 1, by: { keys[$0] < keys[$1] })
                selectClosest(&found, ratio: 1, order: &order, picked: &picked)
                XCTAssertEqual(found.map(\.unit), [heap[0]], "keys \(keys[0..<count])")
                checked += 1
            }
        }
        XCTAssertEqual(withReference, 75)
        XCTAssertGreaterThan(checked, 1_000)
    }

    /// The ranking the matcher hands on to the balance tables (`distanceRanking`): the stable
    /// ascending order (ties in row order) and the distances in it, -0.0 as +0.0.
    func testRankingByProducts() throws {
        let treated = [true, false, false, true, false, false, false, true]
        let distance = [0.5, -0.0, 0.25, 0.0, 0.5, -0.25, 0.25, 0.75]
        let r = try NearestNeighborMatcher.match(treated: treated, distance: distance, specification: .init())
        let ranking = try XCTUnwrap(r.distanceRanking)
        let order = ranking.order, sorted = ranking.values
        XCTAssertEqual(order, [5, 1, 3, 2, 6, 0, 4, 7])
        XCTAssertEqual(sorted.map(\.bitPattern), [-0.25, 0.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.75].map(\.bitPattern))
    }

    /// Exact cells never share controls, so matching all cells at once (each cell's focal units
    /// in the global order, the results collected from every cell's run) gives each focal unit
    /// the controls it gets when its cell is matched on its own, when no distances tie: 2:1 and
    /// 3:1, both orders, ATT and ATC, 200 units in 4 cells (one without controls).
    func testCellsMatchedTogetherAsEachAlone() throws {
        var state: UInt64 = 11
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for trial in 0..<12 {
            let n = 200
            let cells = (0..<n).map { _ in Int(next() % 4) }
            let treated = (0..<n).map { i in cells[i] == 3 ? true : next() % 3 == 0 }
            // Distances without ties: the searches count their steps through the ranking of all
            // units, so how a tie falls can depend on the other cells' units.
            let distance = (0..<n).map { _ in Double(next() % 1_000_000_007) / 1e9 }
            let spec = NearestNeighborSpecification(
                ratio: 2 + trial % 2, order: trial % 4 < 2 ? .largest : .smallest, estimand: trial % 2 == 0 ? .att : .atc)
            let together = try NearestNeighborMatcher.match(treated: treated, distance: distance, exactCells: cells, specification: spec)
            var setOf: [Int: [Int]] = [:]
            for (f, unit) in together.focalUnits.enumerated() { setOf[unit] = together.matches[f] }
            for cell in 0..<3 {
                let units = (0..<n).filter { cells[$0] == cell }
                let alone = try NearestNeighborMatcher.match(
                    treated: units.map { treated[$0] }, distance: units.map { distance[$0] }, specification: spec)
                for (f, local) in alone.focalUnits.enumerated() {
                    XCTAssertEqual(setOf[units[local]], alone.matches[f].map { units[$0] }, "trial \(trial), cell \(cell)")
                }
            }
            for (f, unit) in together.focalUnits.enumerated() where cells[unit] == 3 {
                XCTAssertEqual(together.matches[f], [], "trial \(trial): a cell without controls")
            }
        }
    }

    /// The finger search of a control run gives the plain binary search's answer for every query,
    /// whatever the previous query was: runs of 0 to 300 controls with gaps in their ranks, queries
    /// below, inside and above the run, in falling, rising and random order.
    func testFingerSearchAgreesWithBinarySearch() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        var checked = 0
        for trial in 0..<300 {
            let count = next(301)
            var positions: [Int] = []
            var rank = next(4)
            for _ in 0..<count { positions.append(rank); rank += 1 + next(trial % 3 == 0 ? 2 : 12) }
            func reference(_ r: Int) -> Int { positions.firstIndex { $0 > r } ?? positions.count }
            var run = ControlRun(units: (0..<count).map { Int32($0) }, positions: positions.map { Int32($0) })
            let top = rank + 3
            var queries = (0..<200).map { _ in next(top + 4) - 2 }
            switch trial % 3 {
            case 0: queries.sort(by: >)
            case 1: queries.sort()
            default: break
            }
            for q in queries {
                XCTAssertEqual(run.firstIndex(afterRank: q), reference(q), "trial \(trial), rank \(q)")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 60_000)
    }

    private func sampleSD(_ x: [Double]) -> Double {
        let m = x.reduce(0, +) / Double(x.count)
        return (x.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(x.count - 1)).squareRoot()
    }
}
