import Foundation
import XCTest
import CohortData
@testable import Synthesis

final class DeterministicMathTests: XCTestCase {
    /// Within 2 ulp of the C library over a wide range (both are accurate to about 1 ulp).
    func testLogAndExpAgreeWithLibm() {
        var rng = RandomStream(seed: 3)
        for _ in 0..<20_000 {
            let x = DeterministicMath.exp(rng.uniform() * 80 - 40) * (1 + rng.uniform())
            XCTAssertLessThanOrEqual(abs(DeterministicMath.log(x) - Foundation.log(x)), 2 * Foundation.log(x).ulp.magnitude + 1e-300, "log \(x)")
            let y = rng.uniform() * 1400 - 700
            XCTAssertLessThanOrEqual(abs(DeterministicMath.exp(y) - Foundation.exp(y)), 2 * Foundation.exp(y).ulp, "exp \(y)")
        }
        XCTAssertEqual(DeterministicMath.log(1), 0)
        XCTAssertEqual(DeterministicMath.exp(0), 1)
        XCTAssertTrue(DeterministicMath.log(-1).isNaN)
        XCTAssertEqual(DeterministicMath.exp(-800), 0)
    }
}

final class RandomStreamTests: XCTestCase {
    /// Sample moments against the distributions' known values (tolerances ~5 standard errors).
    func testDistributionsHaveTheirMoments() {
        var rng = RandomStream(seed: 11, stream: 2)
        let n = 200_000
        func moments(_ draw: () -> Double) -> (Double, Double) {
            var s = 0.0, s2 = 0.0
            for _ in 0..<n { let x = draw(); s += x; s2 += x * x }
            let m = s / Double(n)
            return (m, s2 / Double(n) - m * m)
        }
        let normal = moments { rng.normal() }
        XCTAssertEqual(normal.0, 0, accuracy: 0.012); XCTAssertEqual(normal.1, 1, accuracy: 0.02)
        let gamma = moments { rng.gamma(shape: 2.5) }
        XCTAssertEqual(gamma.0, 2.5, accuracy: 0.02); XCTAssertEqual(gamma.1, 2.5, accuracy: 0.06)
        let small = moments { rng.gamma(shape: 0.4) }
        XCTAssertEqual(small.0, 0.4, accuracy: 0.01); XCTAssertEqual(small.1, 0.4, accuracy: 0.02)
        let poisson = moments { Double(rng.poisson(3.7)) }
        XCTAssertEqual(poisson.0, 3.7, accuracy: 0.03); XCTAssertEqual(poisson.1, 3.7, accuracy: 0.08)
        let big = moments { Double(rng.poisson(75)) }
        XCTAssertEqual(big.0, 75, accuracy: 0.15); XCTAssertEqual(big.1, 75, accuracy: 2.5)
        // NB(mean 1.5, size 1.2): variance 1.5 + 1.5^2 / 1.2 = 3.375.
        let nb = moments { Double(rng.negativeBinomial(mean: 1.5, size: 1.2)) }
        XCTAssertEqual(nb.0, 1.5, accuracy: 0.03); XCTAssertEqual(nb.1, 3.375, accuracy: 0.15)
    }

    func testStreamsAreReproducibleAndDistinct() {
        var a = RandomStream(seed: 5, stream: 1), b = RandomStream(seed: 5, stream: 1), c = RandomStream(seed: 5, stream: 2)
        let xa = (0..<10).map { _ in a.next() }, xb = (0..<10).map { _ in b.next() }, xc = (0..<10).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
    }
}

final class OffenderCohortTests: XCTestCase {
    func temporaryFile(_ name: String) -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cf-syn-\(UUID().uuidString)-\(name)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// Same seed, same bytes, whatever the number of threads; a different seed differs.
    func testOutputIsByteIdenticalAcrossThreadCounts() throws {
        let model = OffenderCohortModel(rows: 70_000, treatedShare: 0.1, effect: 0.1, seed: 9)
        let a = temporaryFile("a.csv"), b = temporaryFile("b.csv"), ea = temporaryFile("ea.csv"), eb = temporaryFile("eb.csv")
        try model.write(cohortTo: a, eventsTo: ea, threads: 1)
        try model.write(cohortTo: b, eventsTo: eb, threads: 3)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: ea)), try Data(contentsOf: URL(fileURLWithPath: eb)))
        let c = temporaryFile("c.csv")
        try OffenderCohortModel(rows: 70_000, seed: 10).write(cohortTo: c, eventsTo: nil)
        XCTAssertNotEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: c)))
    }

    /// The file loads, the treated share is on target, and the true effect shows in the raw
    /// outcome once the known propensity is accounted for (inverse-probability weighting by
    /// `true_propensity`, which is consistent for the effect on the treated).
    func testCohortCarriesTheModel() throws {
        let path = temporaryFile("cohort.csv"), events = temporaryFile("events.csv")
        let rows = 200_000
        let treated = try OffenderCohortModel(rows: rows, treatedShare: 0.1, effect: 0.1, seed: 2).write(cohortTo: path, eventsTo: events)
        XCTAssertEqual(Double(treated) / Double(rows), 0.1, accuracy: 0.004)
        let table = try CSVReader.read(path: path)
        XCTAssertEqual(table.rowCount, rows)
        XCTAssertEqual(table.header, OffenderCohortModel.cohortHeader.dropLast().split(separator: ",").map(String.init))
        let t = try table.numeric("treat"), y = try table.numeric("reconvictions"), e = try table.numeric("true_propensity")
        var treatedSum = 0.0, treatedN = 0.0, controlSum = 0.0, controlW = 0.0
        for i in 0..<rows {
            if t[i] == 1 { treatedSum += y[i]; treatedN += 1 } else {
                let w = e[i] / (1 - e[i])
                controlSum += w * y[i]; controlW += w
            }
        }
        let reduction = 1 - (treatedSum / treatedN) / (controlSum / controlW)
        XCTAssertEqual(reduction, 0.1, accuracy: 0.035)
        // Events: every counted reconviction is a distinct conviction date within the windows.
        let ev = try CSVReader.read(path: events)
        XCTAssertEqual(ev.header, ["id", "offence_date", "conviction_date", "disposal", "seriousness"])
        XCTAssertGreaterThan(ev.rowCount, Int(y.reduce(0, +)))
    }

    func testCivilDatesRoundTrip() {
        XCTAssertTrue(CalendarDate.civil(fromDays: 0) == (1970, 1, 1))
        XCTAssertTrue(CalendarDate.civil(fromDays: 14_861) == (2010, 9, 9))
        XCTAssertTrue(CalendarDate.civil(fromDays: CalendarDate.days(year: 2012, month: 2, day: 29)) == (2012, 2, 29))
        for d in stride(from: -100_000, to: 100_000, by: 37) {
            let c = CalendarDate.civil(fromDays: d)
            XCTAssertEqual(CalendarDate.days(year: c.year, month: c.month, day: c.day), d)
        }
    }
}
