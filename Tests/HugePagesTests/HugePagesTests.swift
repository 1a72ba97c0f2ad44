import XCTest
@testable import HugePages

final class HugePagesTests: XCTestCase {
    /// Only whole 2 MiB pages inside the region are advised, so memory outside it is never touched.
    func testWholePagesLieInsideTheRegion() {
        let page = UInt(HugePages.pageBytes)
        // Below the minimum: nothing.
        XCTAssertNil(HugePages.wholePages(start: page, byteCount: HugePages.minimumBytes - 1))
        // An aligned start: every whole page.
        XCTAssertEqual(HugePages.wholePages(start: 8 * page, byteCount: 3 * Int(page)), (8 * page)..<(11 * page))
        // An unaligned start and end: rounded inwards.
        XCTAssertEqual(HugePages.wholePages(start: 8 * page + 16, byteCount: 3 * Int(page)), (9 * page)..<(11 * page))
        XCTAssertEqual(HugePages.wholePages(start: 8 * page - 16, byteCount: 2 * Int(page) + 32), (8 * page)..<(10 * page))
        // Large enough, but no whole page inside: nothing; twice the page size always holds one.
        XCTAssertNil(HugePages.wholePages(start: 8 * page + 1, byteCount: Int(page)))
        XCTAssertEqual(HugePages.wholePages(start: 8 * page + 1, byteCount: 2 * Int(page)), (9 * page)..<(10 * page))
        // At the top of the address space: nothing rather than an overflow.
        XCTAssertNil(HugePages.wholePages(start: UInt.max - page, byteCount: HugePages.minimumBytes))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let start = UInt.random(in: 0...(1 << 46), using: &rng)
            let bytes = Int.random(in: 0...(64 << 20), using: &rng)
            guard let pages = HugePages.wholePages(start: start, byteCount: bytes) else {
                XCTAssertTrue(bytes < HugePages.minimumBytes || (start + UInt(bytes)) / page * page <= (start + page - 1) / page * page)
                continue
            }
            XCTAssertGreaterThanOrEqual(pages.lowerBound, start)
            XCTAssertLessThanOrEqual(pages.upperBound, start + UInt(bytes))
            XCTAssertEqual(pages.lowerBound % page, 0)
            XCTAssertEqual(pages.upperBound % page, 0)
            XCTAssertLessThan(pages.lowerBound - start, page)
            XCTAssertLessThan(start + UInt(bytes) - pages.upperBound, page)
        }
    }

    /// A parallel fill is cut at huge-page boundaries into increasing pieces covering every element
    /// once; a small one is not cut.
    func testFillPiecesFollowPageBoundaries() {
        let page = UInt(HugePages.pageBytes)
        XCTAssertEqual(HugePages.fillPieces(start: 8 * page, count: 1_000, stride: 8), [0, 1_000])
        XCTAssertEqual(HugePages.fillPieces(start: 8 * page, count: 0, stride: 8), [0, 0])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let stride = [4, 8, 9, 16, 24].randomElement(using: &rng)!
            let start = UInt.random(in: 0...(1 << 40), using: &rng) / 8 * 8
            let count = Int.random(in: 0...(200 << 20), using: &rng) / stride
            let cuts = HugePages.fillPieces(start: start, count: count, stride: stride)
            XCTAssertEqual(cuts.first, 0)
            XCTAssertEqual(cuts.last, count)
            XCTAssertLessThanOrEqual(cuts.count - 1, HugePages.maximumFillPieces)
            if count * stride < HugePages.parallelFillBytes { XCTAssertEqual(cuts.count, 2) }
            for k in 1..<cuts.count {
                XCTAssertLessThan(cuts[k - 1], cuts[k])
                if k < cuts.count - 1 {
                    // The cut element is the first to start at or after a page boundary.
                    let at = start + UInt(cuts[k] * stride), before = start + UInt((cuts[k] - 1) * stride)
                    XCTAssertLessThan(before / page, (at + page - 1) / page)
                    XCTAssertTrue(at % page < UInt(stride) || at % page == 0)
                }
            }
        }
    }

    /// Arrays built with the advice hold exactly what they were given, small or large.
    func testAdvisedArraysHoldTheirValues() {
        for n in [0, 1, 1_000, 3 << 20] {
            let a = [Int32](hugePagesCapacity: n) { out, initialized in
                for i in 0..<n { out[i] = Int32(truncatingIfNeeded: i &* 7) }
                initialized = n
            }
            XCTAssertEqual(a, (0..<n).map { Int32(truncatingIfNeeded: $0 &* 7) })
            let b = [Double](hugePagesRepeating: 2.5, count: n)
            XCTAssertEqual(b.count, n)
            XCTAssertTrue(b.allSatisfy { $0 == 2.5 })
            let c = [Int?](hugePagesRepeating: nil, count: n)
            XCTAssertTrue(c.count == n && c.allSatisfy { $0 == nil })
        }
        let raw = UnsafeMutablePointer<UInt64>.allocate(capacity: 1 << 21)
        defer { raw.deallocate() }
        HugePages.advise(raw, count: 1 << 21)
        raw.initialize(repeating: 9, count: 1 << 21)
        XCTAssertEqual(raw[(1 << 21) - 1], 9)
    }
}
