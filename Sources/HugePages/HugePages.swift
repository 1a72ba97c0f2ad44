// Transparent huge pages for the large arrays of a run (a column of a million doubles is 8 MB).

#if canImport(Glibc)
import Glibc
#endif
import Parallel

/// Advice to the kernel to back large arrays with 2 MiB pages.
///
/// A fresh anonymous page is allocated, zeroed and mapped on its first write (a page fault), and
/// unmapped when the process ends. With 4 KiB pages an 8 MB column costs 2,048 faults and 2,048
/// unmappings; Linux's transparent huge pages back a region with 2 MiB pages instead, 512 times
/// fewer, when the region is advised so (`madvise(MADV_HUGEPAGE)`), which is what Debian's default
/// setting (`/sys/kernel/mm/transparent_hugepage/enabled` = `madvise`) waits for. At a million rows
/// `match` touches about 300 MB, almost all of it in such arrays.
///
/// Advice changes no value, only how memory is mapped: the same bytes come out either way. With the
/// setting `never` it does nothing; with `always` huge pages are the default already. When no free
/// huge page is at hand the kernel compacts memory for one or falls back to small pages (the
/// `transparent_hugepage/defrag` setting decides), which costs time, never correctness. Only the
/// whole 2 MiB pages inside a region are advised, so a neighbouring allocation is never affected;
/// the arrays advised are written in full, so a huge page is never mostly unused.
public enum HugePages {
    /// The huge page size advised for (2 MiB, x86-64's and arm64's transparent huge page).
    public static let pageBytes = 2 << 20
    /// Regions shorter than this are left alone (they cannot hold a whole huge page). A region of
    /// 2-4 MiB holds one when it happens to span an aligned page; one of 4 MiB or more always does.
    public static let minimumBytes = 2 << 20

    /// Advises huge pages for the whole 2 MiB pages inside the `byteCount` bytes at `start`. Call it
    /// before the region is first written (a page already written stays as it is). An error is
    /// ignored: it is advice (an old kernel, or transparent huge pages compiled out).
    public static func advise(_ start: UnsafeMutableRawPointer, byteCount: Int) {
        guard let pages = wholePages(start: UInt(bitPattern: start), byteCount: byteCount),
              let aligned = UnsafeMutableRawPointer(bitPattern: pages.lowerBound) else { return }
        #if os(Linux)
        _ = madvise(aligned, Int(pages.upperBound - pages.lowerBound), MADV_HUGEPAGE)
        #endif
    }

    /// The addresses of the whole huge pages inside `byteCount` bytes from `start`; nil below
    /// `minimumBytes` or when no whole page fits.
    static func wholePages(start: UInt, byteCount: Int) -> Range<UInt>? {
        guard byteCount >= minimumBytes else { return nil }
        let mask = UInt(pageBytes - 1)
        let (first, carry) = start.addingReportingOverflow(mask)
        let (last, overflow) = start.addingReportingOverflow(UInt(byteCount))
        guard !carry, !overflow else { return nil }
        let lower = first & ~mask, upper = last & ~mask
        return upper > lower ? lower..<upper : nil
    }

    /// `advise` for the `count` elements at `start`.
    @inlinable
    public static func advise<T>(_ start: UnsafeMutablePointer<T>, count: Int) {
        advise(UnsafeMutableRawPointer(start), byteCount: count * MemoryLayout<T>.stride)
    }
}

extension Array {
    /// `Array(unsafeUninitializedCapacity:initializingWith:)` with the storage advised for huge pages
    /// first when it is large (`HugePages.advise`). `body` should write every element.
    @inlinable
    public init(
        hugePagesCapacity capacity: Int,
        initializingWith body: (inout UnsafeMutableBufferPointer<Element>, inout Int) throws -> Void
    ) rethrows {
        try self.init(unsafeUninitializedCapacity: capacity) { buffer, count in
            if let base = buffer.baseAddress { HugePages.advise(base, count: buffer.count) }
            try body(&buffer, &count)
        }
    }

    /// `count` copies of `value`, in storage advised for huge pages when large. From
    /// `HugePages.parallelFillBytes` on, the copies are written by several threads, each its own
    /// run of whole huge pages: writing fresh memory is mostly the kernel zeroing the pages it
    /// faults in (about 1 GB/s a core on the development VM), which the cores then share.
    @inlinable
    public init(hugePagesRepeating value: Element, count: Int) where Element: Sendable {
        self.init(hugePagesCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                let cuts = HugePages.fillPieces(start: UInt(bitPattern: base), count: count,
                                                stride: MemoryLayout<Element>.stride)
                if cuts.count <= 2 {
                    base.initialize(repeating: value, count: count)
                } else {
                    let target = SharedPointer(base)
                    Parallel.forEach(cuts.count - 1) { k in
                        (target.pointer + cuts[k]).initialize(repeating: value, count: cuts[k + 1] - cuts[k])
                    }
                }
            }
            initialized = count
        }
    }
}

extension HugePages {
    /// From this many bytes on, `Array(hugePagesRepeating:count:)` fills in parallel.
    public static let parallelFillBytes = 8 << 20
    /// The most pieces such a fill is cut into.
    static let maximumFillPieces = 16

    /// Element offsets `0 = c_0 < c_1 < ... < c_m = count` cutting `count` elements of `stride`
    /// bytes at address `start` into pieces of whole huge pages (each cut is the first element that
    /// starts at or after a 2 MiB boundary), at least two pages a piece; just `[0, count]` below
    /// `parallelFillBytes`.
    @usableFromInline
    static func fillPieces(start: UInt, count: Int, stride: Int) -> [Int] {
        let bytes = count * max(stride, 1)
        guard count > 0, stride > 0, bytes >= parallelFillBytes else { return [0, count] }
        let pieces = min(maximumFillPieces, bytes / (2 * pageBytes))
        let mask = UInt(pageBytes - 1)
        var cuts = [0]
        for k in 1..<max(pieces, 1) {
            let nominal = start + UInt(bytes / pieces * k)
            let boundary = (nominal + mask) & ~mask
            let element = Int((boundary - start + UInt(stride) - 1) / UInt(stride))
            if element > cuts[cuts.count - 1], element < count { cuts.append(element) }
        }
        cuts.append(count)
        return cuts
    }
}
